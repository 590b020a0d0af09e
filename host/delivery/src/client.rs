//! The outbound SMTP client: one delivery attempt of one copy to a tenant's next hop,
//! with STARTTLS per the tenant's TLS mode, PIPELINING when offered, and a result per
//! recipient (delivered, deferred on 4xx, failed on 5xx).
//!
//! Connections are pooled per destination: after a transaction the session stays open
//! (no QUIT) and the next copy for the same next hop reuses it, skipping the connect,
//! greeting, EHLO and TLS handshake. An idle session is closed after [`IDLE_TIME`]. A
//! reused session the server has meanwhile closed fails before MAIL FROM is answered,
//! and that copy is sent again over a fresh connection: nothing was accepted yet.

use mxr_config::TlsMode;
use rustls::RootCertStore;
use rustls_pki_types::ServerName;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// How long one step of a delivery may take.
const STEP_TIMEOUT: Duration = Duration::from_secs(300);

/// A reply from the next hop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteReply {
    /// Its three-digit code (of the last line, for a multi-line reply).
    pub code: u16,
    /// Its text, lines joined.
    pub text: String,
}

/// What became of one recipient in one attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RcptResult {
    /// Accepted by the next hop.
    Delivered,
    /// Try again later (4xx, or the connection failed).
    Deferred(String),
    /// Refused for good (5xx): bounce.
    Failed(String),
}

/// Where and how to deliver.
#[derive(Clone)]
pub struct Route {
    /// Host name or address.
    pub host: String,
    /// TCP port (a tenant's `next_hop.port`, or the bounce relay's).
    pub port: u16,
    /// Whether STARTTLS is required, used when offered, or never tried.
    pub tls: TlsMode,
    /// Trusted roots for the next hop's certificate.
    pub roots: Arc<RootCertStore>,
    /// The name we give in EHLO.
    pub helo: String,
    /// Connections to this destination at once.
    pub slots: Arc<tokio::sync::Semaphore>,
    /// Idle sessions to this destination, for reuse.
    pub pool: ConnectionPool,
}

/// How long an idle session to a next hop is kept for reuse.
pub const IDLE_TIME: Duration = Duration::from_secs(10);

struct Idle {
    session: Session,
    pipelining: bool,
    since: Instant,
}

/// Open sessions to one destination, waiting for the next copy.
#[derive(Clone, Default)]
pub struct ConnectionPool(Arc<Mutex<Vec<Idle>>>);

impl ConnectionPool {
    fn take(&self) -> Option<Idle> {
        let mut idle = self.0.lock().unwrap_or_else(|p| p.into_inner());
        idle.retain(|i| i.since.elapsed() < IDLE_TIME);
        idle.pop()
    }

    fn put(&self, session: Session, pipelining: bool) {
        let mut idle = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < PER_DESTINATION {
            idle.push(Idle { session, pipelining, since: Instant::now() });
        }
    }

    /// Closes sessions idle for longer than [`IDLE_TIME`].
    pub fn close_expired(&self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).retain(|i| i.since.elapsed() < IDLE_TIME);
    }
}

/// Why a step of the outbound session failed; the text becomes the deferral reason.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// A step took longer than its timeout.
    #[error("timed out")]
    Timeout,
    /// Reading or writing the connection failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The next hop closed the connection.
    #[error("connection closed")]
    Closed,
    /// A reply line without a three-digit code (its start).
    #[error("bad reply line {0:?}")]
    BadReply(String),
    /// The TCP connect took longer than 30 s.
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

/// Why a transaction stopped.
enum TxError {
    /// Before MAIL FROM was answered: nothing was accepted, a reused session was stale.
    BeforeMail(ClientError),
    /// Later: the recipients are deferred.
    During(ClientError),
}

/// Connections one destination gets at once.
pub const PER_DESTINATION: usize = 10;

/// The public web PKI roots, for verifying next hops with `tls = "required"`.
pub fn web_roots() -> RootCertStore {
    RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() }
}

trait Conn: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Conn for T {}

struct Session {
    io: BufReader<Box<dyn Conn>>,
}

impl Session {
    async fn reply(&mut self) -> Result<RemoteReply, ClientError> {
        let mut text = Vec::new();
        loop {
            let mut line = String::new();
            let n = tokio::time::timeout(STEP_TIMEOUT, self.io.read_line(&mut line))
                .await
                .map_err(|_| ClientError::Timeout)??;
            if n == 0 {
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

    async fn send(&mut self, bytes: &[u8]) -> Result<(), ClientError> {
        let w = self.io.get_mut();
        tokio::time::timeout(STEP_TIMEOUT, async {
            w.write_all(bytes).await?;
            w.flush().await
        })
        .await
        .map_err(|_| ClientError::Timeout)??;
        Ok(())
    }

    async fn command(&mut self, line: &str) -> Result<RemoteReply, ClientError> {
        self.send(format!("{line}\r\n").as_bytes()).await?;
        self.reply().await
    }
}

/// One attempt to deliver `message` from `from` to `rcpts` over `route`. Whatever goes
/// wrong before the recipients are answered defers them all.
pub async fn deliver(route: &Route, from: &str, rcpts: &[String], message: &[u8]) -> Vec<RcptResult> {
    let _slot = route.slots.acquire().await;
    let reused = match route.pool.take() {
        Some(mut idle) => match transaction(&mut idle.session, idle.pipelining, from, rcpts, message).await {
            Ok(results) => {
                route.pool.put(idle.session, idle.pipelining);
                Some(Ok(results))
            }
            Err(TxError::During(why)) => Some(Err(why)),
            Err(TxError::BeforeMail(_)) => None, // closed while idle: start afresh
        },
        None => None,
    };
    let outcome = match reused {
        Some(outcome) => outcome,
        None => fresh(route, from, rcpts, message).await,
    };
    match outcome {
        Ok(results) => results,
        Err(why) => rcpts.iter().map(|_| RcptResult::Deferred(why.to_string())).collect(),
    }
}

/// A transaction over a new connection, which joins the pool afterwards.
async fn fresh(route: &Route, from: &str, rcpts: &[String], message: &[u8]) -> Result<Vec<RcptResult>, ClientError> {
    let (mut session, pipelining) = connect(route).await?;
    match transaction(&mut session, pipelining, from, rcpts, message).await {
        Ok(results) => {
            route.pool.put(session, pipelining);
            Ok(results)
        }
        Err(TxError::BeforeMail(why) | TxError::During(why)) => Err(why),
    }
}

/// Connects, reads the greeting, says EHLO and does STARTTLS as the route's TLS mode
/// asks; returns the session and whether it offers PIPELINING.
async fn connect(route: &Route) -> Result<(Session, bool), ClientError> {
    let (host, port) = (route.host.clone(), route.port);
    let tcp = tokio::time::timeout(Duration::from_secs(30), TcpStream::connect((route.host.as_str(), route.port)))
        .await
        .map_err(|_| ClientError::ConnectTimeout { host: host.clone(), port })?
        .map_err(|source| ClientError::Connect { host, port, source })?;
    let mut s = Session { io: BufReader::new(Box::new(tcp)) };
    expect(s.reply().await?, 2, "greeting")?;
    let mut ehlo = expect(s.command(&format!("EHLO {}", route.helo)).await?, 2, "EHLO")?;
    let offers = |r: &RemoteReply, ext: &str| r.text.split(' ').any(|w| w.eq_ignore_ascii_case(ext));
    let want_tls = route.tls != TlsMode::None;
    if want_tls && offers(&ehlo, "STARTTLS") {
        expect(s.command("STARTTLS").await?, 2, "STARTTLS")?;
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_root_certificates(route.roots.clone())
            .with_no_client_auth();
        let name = ServerName::try_from(route.host.clone())?;
        let inner = s.io.into_inner();
        let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, inner)
            .await
            .map_err(|source| ClientError::Tls { host: route.host.clone(), source })?;
        s = Session { io: BufReader::new(Box::new(tls)) };
        ehlo = expect(s.command(&format!("EHLO {}", route.helo)).await?, 2, "EHLO after STARTTLS")?;
    } else if route.tls == TlsMode::Required {
        return Err(ClientError::TlsRequired(route.host.clone()));
    }
    Ok((s, offers(&ehlo, "PIPELINING")))
}

/// One mail transaction on an open session, which is left ready for the next one.
async fn transaction(
    s: &mut Session,
    pipelining: bool,
    from: &str,
    rcpts: &[String],
    message: &[u8],
) -> Result<Vec<RcptResult>, TxError> {
    let early = TxError::BeforeMail;
    let mut batch = format!("MAIL FROM:<{from}>\r\n");
    for r in rcpts {
        batch.push_str(&format!("RCPT TO:<{r}>\r\n"));
    }
    batch.push_str("DATA\r\n");
    let mut replies = Vec::new();
    let late = TxError::During;
    if pipelining {
        s.send(batch.as_bytes()).await.map_err(early)?;
        replies.push(s.reply().await.map_err(early)?);
        for _ in 0..rcpts.len() + 1 {
            replies.push(s.reply().await.map_err(late)?);
        }
    } else {
        for line in batch.lines() {
            let r = s.command(line).await.map_err(if replies.is_empty() { early } else { late })?;
            let stop = replies.is_empty() && r.code >= 400;
            replies.push(r);
            if stop {
                break;
            }
        }
    }
    let mail = &replies[0];
    if mail.code >= 400 {
        return Ok(all(rcpts, mail));
    }
    let mut results: Vec<RcptResult> = replies[1..=rcpts.len()].iter().map(classify).collect();
    let data = &replies[rcpts.len() + 1];
    if !results.contains(&RcptResult::Delivered) {
        s.command(if data.code == 354 { "." } else { "RSET" }).await.map_err(late)?;
        return Ok(results);
    }
    if data.code != 354 {
        s.command("RSET").await.map_err(late)?;
        return Ok(all(rcpts, data));
    }
    s.send(&mxr_mail::dot_stuff(message)).await.map_err(late)?;
    let end = s.reply().await.map_err(late)?;
    if end.code >= 400 {
        for r in results.iter_mut().filter(|r| **r == RcptResult::Delivered) {
            *r = classify(&end);
        }
    }
    Ok(results)
}

fn expect(r: RemoteReply, class: u16, step: &'static str) -> Result<RemoteReply, ClientError> {
    if r.code / 100 == class { Ok(r) } else { Err(ClientError::Refused { step, reply: r }) }
}

fn classify(r: &RemoteReply) -> RcptResult {
    match r.code {
        200..=299 => RcptResult::Delivered,
        400..=499 => RcptResult::Deferred(format!("{} {}", r.code, r.text)),
        _ => RcptResult::Failed(format!("{} {}", r.code, r.text)),
    }
}

fn all(rcpts: &[String], r: &RemoteReply) -> Vec<RcptResult> {
    rcpts.iter().map(|_| classify(r)).collect()
}
