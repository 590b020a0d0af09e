//! Server certificates for mxr's listeners (STARTTLS on SMTP, HTTPS on the API):
//! certificate and key from PEM files, or a self-signed pair generated once into
//! `<data_dir>/tls/` for the ready default; and [`LiveTls`], the acceptor a reload
//! swaps while connections keep the one they began with.
#![deny(missing_docs)]

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;

mod live;
pub use live::LiveTls;

/// Why a listener's TLS cannot be set up; each names the config table at fault
/// (`server.tls` or `api.tls`).
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The certificate file is unreadable or not PEM.
    #[error("{0}.cert: {1}: {2}")]
    Cert(&'static str, PathBuf, rustls_pki_types::pem::Error),
    /// The certificate file holds no certificate.
    #[error("{0}.cert: {1}: holds no certificate")]
    NoCert(&'static str, PathBuf),
    /// The key file is unreadable.
    #[error("{0}.key: {1}: {2}")]
    Key(&'static str, PathBuf, rustls_pki_types::pem::Error),
    /// rustls refused the protocol versions.
    #[error("{0}: {1}")]
    Config(&'static str, rustls::Error),
    /// Certificate and key do not belong together.
    #[error("{0}: certificate and key do not match: {1}")]
    Mismatch(&'static str, rustls::Error),
    /// The self-signed pair could not be generated.
    #[error("{0} (self-signed in {1}): {2}")]
    Generate(&'static str, PathBuf, rcgen::Error),
    /// The self-signed pair could not be written.
    #[error("{0} (self-signed in {1}): {2}")]
    SelfSigned(&'static str, PathBuf, std::io::Error),
}

/// Builds the acceptor for the listener configured under `table` (`server.tls`,
/// `api.tls`) from PEM files `(cert, key)`, or, when `files` is `None`, from a
/// self-signed pair generated once into `<data_dir>/tls/` (shared by both listeners).
/// Only HTTP/1.1 is offered through ALPN when `alpn_http` is set (the API); SMTP
/// offers none.
pub fn acceptor(
    table: &'static str,
    files: Option<(&Path, &Path)>,
    data_dir: &Path,
    hostname: &str,
    alpn_http: bool,
) -> Result<TlsAcceptor, TlsError> {
    let (cert, key) = match files {
        Some((cert, key)) => (cert.to_owned(), key.to_owned()),
        None => self_signed(table, data_dir, hostname)?,
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert)
        .and_then(|i| i.collect())
        .map_err(|e| TlsError::Cert(table, cert.clone(), e))?;
    if chain.is_empty() {
        return Err(TlsError::NoCert(table, cert));
    }
    let key = PrivateKeyDer::from_pem_file(&key).map_err(|e| TlsError::Key(table, key.clone(), e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(table, e))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Mismatch(table, e))?;
    if alpn_http {
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
    }
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// The self-signed pair in `<data_dir>/tls/` (folder 0700, key 0600), generated on
/// first use, naming `hostname`, `localhost` and the loopback addresses.
fn self_signed(table: &'static str, data_dir: &Path, hostname: &str) -> Result<(PathBuf, PathBuf), TlsError> {
    let dir = data_dir.join("tls");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    if cert.exists() && key.exists() {
        return Ok((cert, key));
    }
    let names = vec![hostname.to_owned(), "localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()];
    let generated = rcgen::generate_simple_self_signed(names).map_err(|e| TlsError::Generate(table, dir.clone(), e))?;
    let io = |e: std::io::Error| TlsError::SelfSigned(table, dir.clone(), e);
    let mut folder = std::fs::DirBuilder::new();
    folder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut folder, 0o700);
    folder.create(&dir).map_err(io)?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    std::io::Write::write_all(&mut opts.open(&key).map_err(io)?, generated.signing_key.serialize_pem().as_bytes())
        .map_err(io)?;
    std::fs::write(&cert, generated.cert.pem()).map_err(io)?;
    tracing::info!(cert = %cert.display(), "generated a self-signed certificate");
    Ok((cert, key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_self_signed_pair_is_made_once_and_kept_private() {
        let dir = tempfile::tempdir().unwrap();
        acceptor("api.tls", None, dir.path(), "mx.test", true).unwrap();
        let key = dir.path().join("tls/key.pem");
        let made = std::fs::read(&key).unwrap();
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(dir.path().join("tls")).unwrap().permissions().mode() & 0o777, 0o700);
        acceptor("server.tls", None, dir.path(), "mx.test", false).unwrap();
        assert_eq!(std::fs::read(&key).unwrap(), made, "both listeners share the pair made first");
    }

    #[test]
    fn a_missing_or_empty_file_names_its_table_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
        let e = acceptor("api.tls", Some((&cert, &key)), dir.path(), "mx.test", true).err().unwrap();
        assert!(e.to_string().starts_with("api.tls.cert: "), "{e}");
        std::fs::write(&cert, "").unwrap();
        let e = acceptor("server.tls", Some((&cert, &key)), dir.path(), "mx.test", false).err().unwrap();
        assert_eq!(e.to_string(), format!("server.tls.cert: {}: holds no certificate", cert.display()));
    }
}
