//! The STARTTLS server side: certificate and key from PEM files, or a self-signed
//! pair generated once into `<data_dir>/tls/` for the ready default.

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;

/// Why STARTTLS cannot be set up; each names the config key at fault.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The certificate file is unreadable or not PEM.
    #[error("server.tls.cert: {0}: {1}")]
    Cert(PathBuf, rustls_pki_types::pem::Error),
    /// The certificate file holds no certificate.
    #[error("server.tls.cert: {0}: holds no certificate")]
    NoCert(PathBuf),
    /// The key file is unreadable.
    #[error("server.tls.key: {0}: {1}")]
    Key(PathBuf, rustls_pki_types::pem::Error),
    /// rustls refused the protocol versions.
    #[error("server.tls: {0}")]
    Config(rustls::Error),
    /// Certificate and key do not belong together.
    #[error("server.tls: certificate and key do not match: {0}")]
    Mismatch(rustls::Error),
    /// The self-signed pair could not be generated.
    #[error("server.tls (self-signed in {0}): {1}")]
    Generate(PathBuf, rcgen::Error),
    /// The self-signed pair could not be written.
    #[error("server.tls (self-signed in {0}): {1}")]
    SelfSigned(PathBuf, std::io::Error),
}

/// Builds the acceptor from PEM files `(cert, key)`, or, when `files` is `None`, from
/// a self-signed pair generated once into `<data_dir>/tls/`.
pub fn acceptor(files: Option<(&Path, &Path)>, data_dir: &Path, hostname: &str) -> Result<TlsAcceptor, TlsError> {
    let (cert, key) = match files {
        Some((cert, key)) => (cert.to_owned(), key.to_owned()),
        None => self_signed(data_dir, hostname)?,
    };
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(&cert).and_then(|i| i.collect()).map_err(|e| TlsError::Cert(cert.clone(), e))?;
    if chain.is_empty() {
        return Err(TlsError::NoCert(cert));
    }
    let key = PrivateKeyDer::from_pem_file(&key).map_err(|e| TlsError::Key(key.clone(), e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Config)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(TlsError::Mismatch)?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// The self-signed pair in `<data_dir>/tls/`, generated on first use (key mode 0600).
fn self_signed(data_dir: &Path, hostname: &str) -> Result<(PathBuf, PathBuf), TlsError> {
    let dir = data_dir.join("tls");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    if cert.exists() && key.exists() {
        return Ok((cert, key));
    }
    let generated = rcgen::generate_simple_self_signed(vec![hostname.to_owned(), "localhost".to_owned()])
        .map_err(|e| TlsError::Generate(dir.clone(), e))?;
    let io = |e: std::io::Error| TlsError::SelfSigned(dir.clone(), e);
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
