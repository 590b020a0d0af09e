//! The one TLS client setup of the tests: a connector that trusts only the
//! certificates of one PEM file (the relay's self-signed pair, or one a test made).

use rustls_pki_types::ServerName;
use rustls_pki_types::pem::PemObject;
use std::path::Path;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::client::TlsStream;

/// A connector trusting only the certificates in `ca_pem`, offering `alpn` (none
/// for SMTP, `http/1.1` for the API).
pub fn connector(ca_pem: &Path, alpn: &[&[u8]]) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pki_types::CertificateDer::pem_file_iter(ca_pem).expect("a PEM file") {
        roots.add(cert.expect("a certificate")).expect("a usable root");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

/// The handshake over `io` with `server_name`, trusting only `ca_pem`: the stream,
/// or the handshake's error (a certificate the file does not vouch for).
pub async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(
    io: S,
    ca_pem: &Path,
    server_name: &str,
    alpn: &[&[u8]],
) -> std::io::Result<TlsStream<S>> {
    let name = ServerName::try_from(server_name.to_owned()).expect("a server name");
    connector(ca_pem, alpn).connect(name, io).await
}
