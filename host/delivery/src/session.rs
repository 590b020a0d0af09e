//! One outbound SMTP session: connect, greeting, EHLO, STARTTLS as the route's TLS
//! mode asks, and replies read line by line, each step bounded by its own timeout
//! (RFC 5321 §4.5.3.2, from `[delivery]`).

use crate::client::Route;
use mxr_config::TlsMode;
use rustls::RootCertStore;
use rustls_pki_types::ServerName;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Bytes of the message written under one block timeout.
pub(crate) const BLOCK: usize = 64 << 10;

/// A reply from the next hop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteReply {
    /// Its three-digit code (of the last line, for a multi-line reply).
    pub code: u16,
    /// Its text, lines joined.
    pub text: String,
}

/// What the next hop's EHLO reply offers, of what delivery uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Offers {
    /// `PIPELINING` (RFC 2920): MAIL, RCPT and DATA go in one batch.
    pub pipelining: bool,
    /// `SMTPUTF8` (RFC 6531): UTF-8 addresses and headers.
    pub smtputf8: bool,
    /// `8BITMIME` (RFC 6152): an 8-bit body.
    pub eight_bit_mime: bool,
}

impl Offers {
    fn from_ehlo(ehlo: &RemoteReply) -> Offers {
        Offers {
            pipelining: offers(ehlo, "PIPELINING"),
            smtputf8: offers(ehlo, "SMTPUTF8"),
            eight_bit_mime: offers(ehlo, "8BITMIME"),
        }
    }
}

fn offers(ehlo: &RemoteReply, extension: &str) -> bool {
    ehlo.text.split(' ').any(|w| w.eq_ignore_ascii_case(extension))
}

/// Why a step of the outbound session failed; the text becomes the deferral reason.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// A step took longer than its timeout.
    #[error("timed out waiting for {0}")]
    Timeout(&'static str),
    /// Reading or writing the connection failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The next hop closed the connection.
    #[error("connection closed")]
    Closed,
    /// A reply line without a three-digit code (its start).
    #[error("bad reply line {0:?}")]
    BadReply(String),
    /// The TCP connect took longer than `delivery.connect_timeout_secs`.
    #[error("connecting to {host}:{port} timed out")]
    ConnectTimeout {
        /// The next hop.
        host: String,
        /// Its port.
        port: u16,
    },
    /// The TCP connect failed.
    #[error("connecting to {host}:{port}: {source}")]
    Connect {
        /// The next hop.
        host: String,
        /// Its port.
        port: u16,
        /// Why.
        source: std::io::Error,
    },
    /// The TLS client could not be configured.
    #[error("{0}")]
    TlsConfig(#[from] rustls::Error),
    /// The next hop's name is not one a certificate can be checked against.
    #[error("{0}")]
    ServerName(#[from] rustls_pki_types::InvalidDnsNameError),
    /// The TLS handshake failed.
    #[error("TLS with {host}: {source}")]
    Tls {
        /// The next hop.
        host: String,
        /// Why.
        source: std::io::Error,
    },
    /// The tenant requires TLS and the next hop does not offer STARTTLS.
    #[error("{0} does not offer STARTTLS and this tenant requires TLS")]
    TlsRequired(String),
    /// A step before the transaction got a reply outside the class it needs.
    #[error("{step}: {} {}", reply.code, reply.text)]
    Refused {
        /// The step: `greeting`, `EHLO`, `STARTTLS`, `EHLO after STARTTLS`.
        step: &'static str,
        /// The reply.
        reply: RemoteReply,
    },
}

/// The public web PKI roots, for verifying next hops with `tls = "required"`.
pub fn web_roots() -> RootCertStore {
    RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() }
}

trait Conn: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Conn for T {}

/// An open session to a next hop.
pub(crate) struct Session {
    io: BufReader<Box<dyn Conn>>,
}

impl Session {
    /// The next reply, waiting at most `wait`; `step` names what it answers.
    pub(crate) async fn reply(&mut self, wait: Duration, step: &'static str) -> Result<RemoteReply, ClientError> {
        tokio::time::timeout(wait, self.read_reply()).await.map_err(|_| ClientError::Timeout(step))?
    }

    async fn read_reply(&mut self) -> Result<RemoteReply, ClientError> {
        let mut text = Vec::new();
        loop {
            let mut line = String::new();
            if self.io.read_line(&mut line).await? == 0 {
                return Err(ClientError::Closed);
            }
            let line = line.trim_end();
            let code: u16 = line
                .get(..3)
                .and_then(|c| c.parse().ok())
                .ok_or_else(|| ClientError::BadReply(line.chars().take(80).collect()))?;
            text.push(line.get(4..).unwrap_or("").to_owned());
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok(RemoteReply { code, text: text.join(" ") });
            }
        }
    }

    /// Writes `bytes` in blocks of 64 KiB, each within `wait`.
    pub(crate) async fn send(&mut self, bytes: &[u8], wait: Duration, step: &'static str) -> Result<(), ClientError> {
        let w = self.io.get_mut();
        for block in bytes.chunks(BLOCK) {
            tokio::time::timeout(wait, async {
                w.write_all(block).await?;
                w.flush().await
            })
            .await
            .map_err(|_| ClientError::Timeout(step))??;
        }
        Ok(())
    }

    /// Sends a command line and waits at most `wait` for its reply.
    pub(crate) async fn command(
        &mut self,
        line: &str,
        wait: Duration,
        step: &'static str,
    ) -> Result<RemoteReply, ClientError> {
        self.send(format!("{line}\r\n").as_bytes(), wait, step).await?;
        self.reply(wait, step).await
    }
}

/// Connects, reads the greeting, says EHLO and does STARTTLS as the route's TLS mode
/// asks; returns the session and what it offers.
pub(crate) async fn connect(route: &Route) -> Result<(Session, Offers), ClientError> {
    let (host, port, t) = (route.host.clone(), route.port, &route.timeouts);
    // An address given is connected to as it is (a literal is never looked up).
    let target = route.address.map_or_else(|| route.host.clone(), |ip| ip.to_string());
    let tcp = tokio::time::timeout(t.connect, TcpStream::connect((target.as_str(), port)))
        .await
        .map_err(|_| ClientError::ConnectTimeout { host: host.clone(), port })?
        .map_err(|source| ClientError::Connect { host, port, source })?;
    // A message's last block (its final dot) must not wait for the ACK of the block
    // before it, which the next hop may delay by some 40 ms (Nagle's algorithm).
    let _ = tcp.set_nodelay(true);
    let mut s = Session { io: BufReader::new(Box::new(tcp)) };
    expect(s.reply(t.greeting, "the greeting").await?, 2, "greeting")?;
    let ehlo_line = format!("EHLO {}", route.helo);
    let mut ehlo = expect(s.command(&ehlo_line, t.mail, "EHLO").await?, 2, "EHLO")?;
    let want_tls = route.tls != TlsMode::None;
    if want_tls && offers(&ehlo, "STARTTLS") {
        expect(s.command("STARTTLS", t.mail, "STARTTLS").await?, 2, "STARTTLS")?;
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_root_certificates(route.roots.clone())
            .with_no_client_auth();
        let name = ServerName::try_from(route.host.clone())?;
        let inner = s.io.into_inner();
        let handshake = tokio_rustls::TlsConnector::from(Arc::new(config)).connect(name, inner);
        let tls = tokio::time::timeout(t.greeting, handshake)
            .await
            .map_err(|_| ClientError::Timeout("the TLS handshake"))?
            .map_err(|source| ClientError::Tls { host: route.host.clone(), source })?;
        s = Session { io: BufReader::new(Box::new(tls)) };
        ehlo = expect(s.command(&ehlo_line, t.mail, "EHLO").await?, 2, "EHLO after STARTTLS")?;
    } else if route.tls == TlsMode::Required {
        return Err(ClientError::TlsRequired(route.host.clone()));
    }
    Ok((s, Offers::from_ehlo(&ehlo)))
}

fn expect(r: RemoteReply, class: u16, step: &'static str) -> Result<RemoteReply, ClientError> {
    if r.code / 100 == class { Ok(r) } else { Err(ClientError::Refused { step, reply: r }) }
}
