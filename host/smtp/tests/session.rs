//! The SMTP session state machine in memory: a fake [`Inbound`] (no plugins, keys or
//! disk) and a `tokio::io::duplex` pipe in place of TCP. Each case sends bytes and
//! expects replies in order; what reaches the fake's `finish()` is checked too.

use mxr_mail::Envelope;
use mxr_smtp::session::Session;
use mxr_smtp::{Inbound, InboundTransaction, Reply, SessionLimits};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream};
use tokio::sync::{Semaphore, watch};
use tokio_rustls::TlsAcceptor;

/// The refusal the fake gives a recipient outside `example.test`, with a text no
/// session code contains, so seeing it proves the reply passed through unchanged.
const FAKE_REFUSAL: &str = "Fake says: relay access denied";

/// What reached `finish()`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Finished {
    /// The envelope's client IP, HELO, MAIL FROM and recipients.
    envelope: (Option<std::net::IpAddr>, Option<String>, Option<String>, Vec<String>),
    raw: Vec<u8>,
    tls: bool,
}

struct Fake {
    limits: SessionLimits,
    tls: Option<TlsAcceptor>,
    connections: Arc<Semaphore>,
    finished: Arc<Mutex<Vec<Finished>>>,
}

struct FakeTx {
    envelope: Envelope,
    finished: Arc<Mutex<Vec<Finished>>>,
}

impl Inbound for Fake {
    type Transaction = FakeTx;
    fn hostname(&self) -> &str {
        "mx.fake.test"
    }
    fn limits(&self) -> &SessionLimits {
        &self.limits
    }
    fn tls(&self) -> Option<&TlsAcceptor> {
        self.tls.as_ref()
    }
    fn connections(&self) -> &Arc<Semaphore> {
        &self.connections
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
        } else {
            Err(Reply::new(550, "5.7.1", FAKE_REFUSAL))
        }
    }
    fn finish(self, raw: &[u8], tls: bool) -> Reply {
        self.finished.lock().unwrap().push(Finished {
            envelope: (self.envelope.client_ip, self.envelope.helo, self.envelope.mail_from, self.envelope.rcpts),
            raw: raw.to_vec(),
            tls,
        });
        Reply::new(250, "2.0.0", "Ok: queued as FAKE1")
    }
}

fn limits() -> SessionLimits {
    SessionLimits {
        max_message_bytes: 10_000,
        max_recipients: 3,
        max_errors: 5,
        max_line_bytes: 1000,
        command_timeout: Duration::from_secs(30),
        data_timeout: Duration::from_secs(30),
    }
}

/// An acceptor over a certificate made in memory (nothing on disk).
fn tls_acceptor() -> TlsAcceptor {
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
struct Got {
    code: u16,
    lines: Vec<String>,
}

/// The client end of a session running on the other end of a pipe.
struct Conn {
    io: BufReader<DuplexStream>,
    finished: Arc<Mutex<Vec<Finished>>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Conn {
    fn start(fake: Fake) -> Conn {
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

    fn with(limits: SessionLimits, tls: Option<TlsAcceptor>) -> Conn {
        Conn::start(Fake { limits, tls, connections: Arc::new(Semaphore::new(1)), finished: Arc::default() })
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.io.get_mut().write_all(bytes).await.unwrap();
    }

    /// The next reply; `None` when the session closed the connection.
    async fn reply(&mut self) -> Option<Got> {
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

    fn finished(&self) -> Vec<Finished> {
        self.finished.lock().unwrap().clone()
    }
}

/// An expected reply: its code and the start of its first line ("" for any), or the
/// connection closing.
#[derive(Debug, Clone, Copy)]
enum Want {
    Code(u16, &'static str),
    Closed,
}
use Want::{Closed, Code};

struct Case {
    name: &'static str,
    limits: SessionLimits,
    /// What is sent, then the replies expected to it, in order.
    steps: Vec<(&'static [u8], Vec<Want>)>,
    /// How many transactions reach `finish()`.
    finished: usize,
}

const EHLO: &[u8] = b"EHLO client.test\r\n";
const MAIL: &[u8] = b"MAIL FROM:<a@sender.test>\r\n";
const RCPT: &[u8] = b"RCPT TO:<b@example.test>\r\n";

fn cases() -> Vec<Case> {
    let ok_tx = |data: &'static [u8]| -> Vec<(&'static [u8], Vec<Want>)> {
        vec![
            (EHLO, vec![Code(250, "mx.fake.test")]),
            (MAIL, vec![Code(250, "2.1.0")]),
            (RCPT, vec![Code(250, "2.1.5")]),
            (b"DATA\r\n", vec![Code(354, "End data")]),
            (data, vec![]),
        ]
    };
    let mut bare_lf = ok_tx(b"Subject: x\r\n\r\nbody\n.\nMAIL FROM:<smuggled@evil.test>\r\n.\r\n");
    bare_lf.last_mut().unwrap().1 = vec![Code(554, "5.6.0")];
    bare_lf.push((b"NOOP\r\n", vec![Code(250, "2.0.0")]));
    let mut full = ok_tx(b"Subject: x\r\n\r\n..stuffed\r\n.\r\n");
    full.last_mut().unwrap().1 = vec![Code(250, "2.0.0 Ok: queued as FAKE1")];
    full.push((b"QUIT\r\n", vec![Code(221, "2.0.0"), Closed]));
    vec![
        Case {
            name: "MAIL before EHLO",
            limits: limits(),
            steps: vec![(MAIL, vec![Code(503, "5.5.1 Send EHLO or HELO first")])],
            finished: 0,
        },
        Case {
            name: "RCPT before MAIL",
            limits: limits(),
            steps: vec![(EHLO, vec![Code(250, "")]), (RCPT, vec![Code(503, "5.5.1 Need MAIL before RCPT")])],
            finished: 0,
        },
        Case {
            name: "an unknown domain gets the fake's own reply",
            limits: limits(),
            steps: vec![
                (EHLO, vec![Code(250, "")]),
                (MAIL, vec![Code(250, "2.1.0")]),
                (b"RCPT TO:<x@elsewhere.test>\r\n", vec![Code(550, "5.7.1 Fake says: relay access denied")]),
            ],
            finished: 0,
        },
        Case {
            name: "too many recipients",
            limits: SessionLimits { max_recipients: 2, ..limits() },
            steps: vec![
                (EHLO, vec![Code(250, "")]),
                (MAIL, vec![Code(250, "2.1.0")]),
                (b"RCPT TO:<r1@example.test>\r\n", vec![Code(250, "2.1.5")]),
                (b"RCPT TO:<r2@example.test>\r\n", vec![Code(250, "2.1.5")]),
                (b"RCPT TO:<r3@example.test>\r\n", vec![Code(452, "4.5.3 Too many recipients")]),
            ],
            finished: 0,
        },
        Case {
            name: "DATA with no recipients",
            limits: limits(),
            steps: vec![
                (EHLO, vec![Code(250, "")]),
                (MAIL, vec![Code(250, "2.1.0")]),
                (b"RCPT TO:<x@elsewhere.test>\r\n", vec![Code(550, "5.7.1")]),
                (b"DATA\r\n", vec![Code(554, "5.5.1 No valid recipients")]),
            ],
            finished: 0,
        },
        Case { name: "bare LF in DATA", limits: limits(), steps: bare_lf, finished: 0 },
        Case { name: "a full transaction", limits: limits(), steps: full, finished: 1 },
        Case {
            name: "too many errors",
            limits: SessionLimits { max_errors: 3, ..limits() },
            steps: vec![
                (b"BOGUS\r\n", vec![Code(500, "5.5.1")]),
                (RCPT, vec![Code(503, "5.5.1")]),
                (b"ALSO BOGUS\r\n", vec![Code(500, "5.5.1"), Code(421, "4.7.0 mx.fake.test Too many errors"), Closed]),
            ],
            finished: 0,
        },
        Case {
            name: "pipelined commands are answered in order",
            limits: limits(),
            steps: vec![
                (EHLO, vec![Code(250, "")]),
                (
                    b"MAIL FROM:<a@sender.test>\r\nRCPT TO:<b@example.test>\r\nRCPT TO:<x@elsewhere.test>\r\nRCPT TO:<c@example.test>\r\nDATA\r\n",
                    vec![Code(250, "2.1.0"), Code(250, "2.1.5"), Code(550, "5.7.1"), Code(250, "2.1.5"), Code(354, "")],
                ),
                (
                    b"Subject: p\r\n\r\np\r\n.\r\nRSET\r\nVRFY x\r\nMAIL FROM:<a@sender.test>\r\nQUIT\r\n",
                    vec![Code(250, "2.0.0 Ok: queued"), Code(250, "2.0.0"), Code(252, "2.5.0"), Code(250, "2.1.0"), Code(221, "2.0.0"), Closed],
                ),
            ],
            finished: 1,
        },
    ]
}

#[tokio::test]
async fn replies_follow_the_state_machine() {
    let cases = cases();
    assert_eq!(cases.len(), 9);
    for case in cases {
        let mut c = Conn::with(case.limits, None);
        let greeting = c.reply().await.expect("a greeting");
        assert_eq!((greeting.code, greeting.lines[0].as_str()), (220, "mx.fake.test ESMTP mxr"), "{}", case.name);
        for (i, (send, wants)) in case.steps.iter().enumerate() {
            c.send(send).await;
            for want in wants {
                let got = c.reply().await;
                match (want, &got) {
                    (Closed, None) => {}
                    (Code(code, start), Some(g)) if g.code == *code && g.lines[0].starts_with(start) => {}
                    _ => panic!(
                        "{}, step {i} ({:?}): wanted {want:?}, got {got:?}",
                        case.name,
                        String::from_utf8_lossy(send)
                    ),
                }
            }
        }
        assert_eq!(c.finished().len(), case.finished, "{}: transactions that reached finish()", case.name);
    }
}

#[tokio::test]
async fn ehlo_lists_the_extensions_and_starttls_only_with_tls() {
    for tls in [false, true] {
        let mut c = Conn::with(limits(), tls.then(tls_acceptor));
        assert_eq!(c.reply().await.unwrap().code, 220);
        c.send(EHLO).await;
        let ehlo = c.reply().await.unwrap();
        let mut want = vec!["mx.fake.test", "PIPELINING", "SIZE 10000", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES"];
        if tls {
            want.push("STARTTLS");
        }
        assert_eq!(ehlo, Got { code: 250, lines: want.iter().map(|s| s.to_string()).collect() }, "tls: {tls}");
        c.send(b"STARTTLS\r\n").await;
        let go = c.reply().await.unwrap();
        assert_eq!(go.code, if tls { 220 } else { 502 }, "tls: {tls}: {go:?}");
    }
}

#[tokio::test]
async fn a_full_transaction_hands_finish_the_unstuffed_body_and_the_envelope() {
    let mut c = Conn::with(limits(), None);
    assert_eq!(c.reply().await.unwrap().code, 220);
    let wire = b"EHLO client.test\r\nMAIL FROM:<a@sender.test> SIZE=100\r\nRCPT TO:<b@example.test>\r\nRCPT TO:<C@Example.test>\r\nDATA\r\n";
    c.send(wire).await;
    for code in [250, 250, 250, 250, 354] {
        assert_eq!(c.reply().await.unwrap().code, code);
    }
    assert!(c.finished().is_empty(), "nothing finished before the final dot");
    c.send(b"Subject: dots\r\n\r\n..leading dot\r\n...two\r\nmiddle . dot\r\n..\r\n.\r\n").await;
    assert_eq!(c.reply().await.unwrap(), Got { code: 250, lines: vec!["2.0.0 Ok: queued as FAKE1".into()] });
    c.send(b"QUIT\r\n").await;
    assert_eq!(c.reply().await.unwrap().code, 221);
    assert_eq!(c.reply().await, None);
    c.task.await.unwrap().unwrap();
    let finished = c.finished.lock().unwrap().clone();
    assert_eq!(
        finished,
        [Finished {
            envelope: (
                Some("192.0.2.7".parse().unwrap()),
                Some("client.test".into()),
                Some("a@sender.test".into()),
                vec!["b@example.test".into(), "C@Example.test".into()],
            ),
            raw: b"Subject: dots\r\n\r\n.leading dot\r\n..two\r\nmiddle . dot\r\n.\r\n".to_vec(),
            tls: false,
        }]
    );
}
