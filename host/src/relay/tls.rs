//! The STARTTLS server side: certificate and key from PEM files, or a self-signed
//! pair generated once into `<data_dir>/tls/` for the ready default.

use crate::config::TlsSource;
use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;

/// Builds the acceptor for a TLS source.
pub fn acceptor(source: &TlsSource, data_dir: &Path, hostname: &str) -> Result<TlsAcceptor, String> {
    let (cert, key) = match source {
        TlsSource::Files { cert, key } => (cert.clone(), key.clone()),
        TlsSource::SelfSigned => self_signed(data_dir, hostname)?,
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert)
        .and_then(|i| i.collect())
        .map_err(|e| format!("server.tls.cert: {}: {e}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!("server.tls.cert: {} holds no certificate", cert.display()));
    }
    let key = PrivateKeyDer::from_pem_file(&key).map_err(|e| format!("server.tls.key: {}: {e}", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("server.tls: certificate and key do not match: {e}"))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// The self-signed pair in `<data_dir>/tls/`, generated on first use (key mode 0600).
fn self_signed(data_dir: &Path, hostname: &str) -> Result<(std::path::PathBuf, std::path::PathBuf), String> {
    let dir = data_dir.join("tls");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    if cert.exists() && key.exists() {
        return Ok((cert, key));
    }
    let generated = rcgen::generate_simple_self_signed(vec![hostname.to_owned(), "localhost".to_owned()])
        .map_err(|e| e.to_string())?;
    let io = |e: std::io::Error| format!("{}: {e}", dir.display());
    std::fs::create_dir_all(&dir).map_err(io)?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    std::io::Write::write_all(&mut opts.open(&key).map_err(io)?, generated.signing_key.serialize_pem().as_bytes())
        .map_err(io)?;
    std::fs::write(&cert, generated.cert.pem()).map_err(io)?;
    tracing::info!(cert = %cert.display(), "generated a self-signed certificate for STARTTLS");
    Ok((cert, key))
}
