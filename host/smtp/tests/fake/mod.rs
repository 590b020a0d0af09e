//! The in-memory harness the session tests share: a fake [`Inbound`] (no plugins,
//! keys or disk) and the client end of a `tokio::io::duplex` pipe in place of TCP.

#![allow(dead_code)] // each test binary uses its own part of the harness

use mxr_mail::Envelope;
use mxr_smtp::admission::PeerLimits;
use mxr_smtp::session::Session;
use mxr_smtp::{Inbound, InboundTransaction, Intake, Reply, SessionLimits};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

/// The refusal the fake gives a recipient outside `example.test`, with a text no
/// session code contains, so seeing it proves the reply passed through unchanged.
pub const FAKE_REFUSAL: &str = "Fake says: relay access denied";
/// The temporary refusal the fake gives a recipient in `later.test`.
pub const FAKE_TEMPFAIL: &str = "Fake says: try again later";

/// What reached `finish()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// The envelope's client IP, HELO, MAIL FROM and recipients.
    pub envelope: (Option<std::net::IpAddr>, Option<String>, Option<String>, Vec<String>),
    pub raw: Vec<u8>,
    pub tls: bool,
}

/// Connection metrics in a registry of their own, which these tests do not read.
pub fn uncounted() -> mxr_metrics::ConnectionMetrics {
    mxr_metrics::Metrics::new().connections()
}

pub struct Fake {
    pub limits: SessionLimits,
    pub tls: Option<TlsAcceptor>,
    pub intake: Intake,
    pub finished: Arc<Mutex<Vec<Finished>>>,
}

impl Fake {
    /// A fake with these limits, no TLS, one session, default per-address limits and
    /// a DATA budget of 1 MiB that is waited for 50 ms.
    pub fn new(limits: SessionLimits) -> Fake {
        Fake {
            limits,
            tls: None,
            intake: Intake::new(1, PeerLimits::default(), 1 << 20, 0, Duration::from_millis(50), uncounted()),
            finished: Arc::default(),
        }
    }
}

pub struct FakeTx {
    envelope: Envelope,
    finished: Arc<Mutex<Vec<Finished>>>,
}

impl Inbound for Fake {
    type Transaction = FakeTx;
    fn hostname(&self) -> &str {
        "mx.fake.test"
    }
    fn limits(&self) -> Arc<SessionLimits> {
        Arc::new(self.limits.clone())
    }
    fn tls(&self) -> Option<TlsAcceptor> {
        self.tls.clone()
    }
    fn intake(&self) -> &Intake {
        &self.intake
    }
    fn drain(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn begin(&self, envelope: Envelope) -> FakeTx {
        FakeTx { envelope, finished: self.finished.clone() }
    }
}

impl InboundTransaction for FakeTx {
    fn id(&self) -> &str {
        "FAKE1"
    }
    fn recipient_count(&self) -> usize {
        self.envelope.rcpts.len()
    }
    fn rcpt(&mut self, rcpt: &str) -> Result<(), Reply> {
        if rcpt.to_ascii_lowercase().ends_with("@example.test") {
            self.envelope.rcpts.push(rcpt.to_owned());
            Ok(())
        } else if rcpt.to_ascii_lowercase().ends_with("@later.test") {
            Err(Reply::new(451, "4.3.0", FAKE_TEMPFAIL))
        } else {
            Err(Reply::new(550, "5.7.1", FAKE_REFUSAL))
        }
    }
    fn finish(self, raw: &[u8], tls: bool) -> Reply {
        if raw.windows(SPAM_MARK.len()).any(|w| w == SPAM_MARK) {
            return Reply::new(550, "5.7.1", "Fake says: spam");
        }
        self.finished.lock().unwrap().push(Finished {
            envelope: (self.envelope.client_ip, self.envelope.helo, self.envelope.mail_from, self.envelope.rcpts),
            raw: raw.to_vec(),
            tls,
        });
        Reply::new(250, "2.0.0", "Ok: queued as FAKE1")
    }
}

/// A message holding this is refused by the fake's filter chain as spam.
pub const SPAM_MARK: &[u8] = b"X-Fake-Verdict: spam";

pub fn limits() -> SessionLimits {
    SessionLimits {
        max_message_bytes: 10_000,
        max_recipients: 3,
        max_errors: 5,
        max_line_bytes: 1000,
        command_timeout: Duration::from_secs(30),
        data_timeout: Duration::from_secs(30),
        data_total_timeout: Duration::from_secs(60),
        data_min_bytes_per_sec: 1,
        data_rate_grace: Duration::from_secs(30),
        data_copies: 4,
        tempfail_delay: Duration::ZERO,
    }
}

/// An acceptor over a certificate made in memory (nothing on disk).
pub fn tls_acceptor() -> TlsAcceptor {
    use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let made = rcgen::generate_simple_self_signed(vec!["mx.fake.test".to_owned()]).unwrap();
    let cert = CertificateDer::from(made.cert.der().to_vec());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(made.signing_key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    TlsAcceptor::from(Arc::new(config))
}

/// One reply as the client reads it: the code and its lines (code and separator cut).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Got {
    pub code: u16,
    pub lines: Vec<String>,
}

/// The client end of a session running on the other end of a pipe.
pub struct Conn {
    pub io: BufReader<DuplexStream>,
    pub finished: Arc<Mutex<Vec<Finished>>>,
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Conn {
    pub fn start(fake: Fake) -> Conn {
        let finished = fake.finished.clone();
        let (client, server) = tokio::io::duplex(64 * 1024);
        let (stop_tx, stop_rx) = watch::channel(false);
        let session = Session::new(Arc::new(fake), server, "192.0.2.7:4000".parse().unwrap(), stop_rx);
        let task = tokio::spawn(async move {
            let _keep = stop_tx;
            session.run().await
        });
        Conn { io: BufReader::new(client), finished, task }
    }

    pub fn with(limits: SessionLimits, tls: Option<TlsAcceptor>) -> Conn {
        Conn::start(Fake { tls, ..Fake::new(limits) })
    }

    pub async fn send(&mut self, bytes: &[u8]) {
        self.io.get_mut().write_all(bytes).await.unwrap();
    }

    /// The next reply; `None` when the session closed the connection.
    pub async fn reply(&mut self) -> Option<Got> {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            let n = tokio::time::timeout(Duration::from_secs(10), self.io.read_line(&mut line))
                .await
                .expect("a reply in time")
                .unwrap();
            if n == 0 {
                assert!(lines.is_empty(), "closed in the middle of a reply: {lines:?}");
                return None;
            }
            assert!(line.ends_with("\r\n"), "reply line without CRLF: {line:?}");
            let code = line[..3].parse().unwrap();
            lines.push(line[4..].trim_end().to_owned());
            if line.as_bytes()[3] == b' ' {
                return Some(Got { code, lines });
            }
            assert_eq!(line.as_bytes()[3], b'-', "{line:?}");
        }
    }

    pub fn finished(&self) -> Vec<Finished> {
        self.finished.lock().unwrap().clone()
    }
}
