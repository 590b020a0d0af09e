//! The SMTP session state machine in memory: a fake [`Inbound`] (no plugins, keys or
//! disk) and a `tokio::io::duplex` pipe in place of TCP. Each case sends bytes and
//! expects replies in order; what reaches the fake's `finish()` is checked too.

mod fake;

use fake::{Conn, Finished, Got, limits, tls_acceptor};
use mxr_smtp::SessionLimits;
use mxr_smtp::session::RECIPIENT_OVERSHOOT;

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
    // Four messages refused for their content, then a NOOP: the session stays open.
    let mut spam = vec![(EHLO, vec![Code(250, "")])];
    for _ in 0..4 {
        spam.extend(ok_tx(b"X-Fake-Verdict: spam\r\n\r\nbuy\r\n.\r\n").into_iter().skip(1));
        spam.last_mut().unwrap().1 = vec![Code(550, "5.7.1 Fake says: spam")];
    }
    spam.push((b"NOOP\r\n", vec![Code(250, "2.0.0")]));
    // A hundred junk commands are free (NOOP, RSET, VRFY, HELP, EHLO, HELO); each
    // after them is an error.
    let mut junk: Vec<(&'static [u8], Vec<Want>)> = vec![(b"NOOP\r\n", vec![Code(250, "2.0.0")]); 100];
    junk.extend([(&b"RSET\r\n"[..], vec![Code(250, "2.0.0")]), (b"EHLO again.test\r\n", vec![Code(250, "")])]);
    junk.push((b"HELP\r\n", vec![Code(214, "2.0.0"), Code(421, "4.7.0 mx.fake.test Too many errors"), Closed]));
    // A thousand recipients past the limit are free in each transaction; each after
    // them is an error, so a client cannot loop on `452` for ever.
    let past = || vec![(&b"RCPT TO:<r2@example.test>\r\n"[..], vec![Code(452, "4.5.3")]); RECIPIENT_OVERSHOOT as usize];
    let mut overshoot = vec![(EHLO, vec![Code(250, "")]), (MAIL, vec![Code(250, "2.1.0")])];
    overshoot.push((b"RCPT TO:<r1@example.test>\r\n", vec![Code(250, "2.1.5")]));
    overshoot.extend(past());
    overshoot.push((b"RSET\r\n", vec![Code(250, "2.0.0")]));
    overshoot.push((MAIL, vec![Code(250, "2.1.0")]));
    overshoot.push((b"RCPT TO:<r1@example.test>\r\n", vec![Code(250, "2.1.5")]));
    overshoot.extend(past());
    overshoot.extend(vec![(&b"RCPT TO:<r2@example.test>\r\n"[..], vec![Code(452, "4.5.3")]); 2]);
    overshoot.push((b"RCPT TO:<r2@example.test>\r\n", vec![Code(452, "4.5.3"), Code(421, "4.7.0"), Closed]));
    // Errors before a delivered message are forgiven by it.
    let mut forgiven = vec![(&b"BOGUS\r\n"[..], vec![Code(500, "5.5.1")]), (b"BOGUS\r\n", vec![Code(500, "5.5.1")])];
    forgiven.extend(ok_tx(b"Subject: x\r\n\r\nfine\r\n.\r\n"));
    forgiven.last_mut().unwrap().1 = vec![Code(250, "2.0.0")];
    forgiven.extend([(&b"BOGUS\r\n"[..], vec![Code(500, "5.5.1")]), (b"BOGUS\r\n", vec![Code(500, "5.5.1")])]);
    forgiven.push((b"NOOP\r\n", vec![Code(250, "2.0.0")]));
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
            name: "refusals of a message's content are not the client's errors",
            limits: SessionLimits { max_errors: 3, ..limits() },
            steps: spam,
            finished: 0,
        },
        Case {
            name: "junk commands past the limit are errors",
            limits: SessionLimits { max_errors: 3, ..limits() },
            steps: junk,
            finished: 0,
        },
        Case {
            name: "recipients far past the limit are errors",
            limits: SessionLimits { max_errors: 3, max_recipients: 1, ..limits() },
            steps: overshoot,
            finished: 0,
        },
        Case {
            name: "a delivered message forgives the errors before it",
            limits: SessionLimits { max_errors: 3, ..limits() },
            steps: forgiven,
            finished: 1,
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
    assert_eq!(cases.len(), 13);
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
        // Not in the middle of a transaction: the handshake would drop its envelope.
        c.send(MAIL).await;
        assert_eq!(c.reply().await.unwrap().code, 250);
        c.send(b"STARTTLS\r\n").await;
        let mid = c.reply().await.unwrap();
        assert_eq!(mid.code, if tls { 503 } else { 502 }, "tls: {tls}: {mid:?}");
        c.send(b"RSET\r\nSTARTTLS\r\n").await;
        assert_eq!(c.reply().await.unwrap().code, 250);
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

/// EHLO, MAIL and RCPT as the transaction's SMTPUTF8 makes them: a non-ASCII
/// recipient needs it (`553 5.6.7`, like MAIL), and the client's name reaches the
/// envelope (hence `Received:`) as its A-label unless the transaction is SMTPUTF8.
#[tokio::test]
async fn smtputf8_rules_for_recipients_and_the_client_name() {
    for smtputf8 in [false, true] {
        let mut c = Conn::with(limits(), None);
        assert_eq!(c.reply().await.unwrap().code, 220);
        let param = if smtputf8 { " SMTPUTF8" } else { "" };
        let wire = format!(
            "EHLO a/b\r\nEHLO bücher.example\r\nMAIL FROM:<a@sender.test>{param}\r\nRCPT TO:<jöran@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n"
        );
        c.send(wire.as_bytes()).await;
        let codes: Vec<(u16, String)> = {
            let mut v = Vec::new();
            for _ in 0..6 {
                let g = c.reply().await.unwrap();
                v.push((g.code, g.lines[0].chars().take(5).collect()));
            }
            v
        };
        let rcpt = if smtputf8 { (250, "2.1.5".to_owned()) } else { (553, "5.6.7".to_owned()) };
        let want =
            [(501, "5.5.2"), (250, "mx.fa"), (250, "2.1.0"), (rcpt.0, rcpt.1.as_str()), (250, "2.1.5"), (354, "End d")];
        let got: Vec<(u16, &str)> = codes.iter().map(|(c, s)| (*c, s.as_str())).collect();
        assert_eq!(got, want, "smtputf8: {smtputf8}");
        c.send(b"Subject: x\r\n\r\ny\r\n.\r\n").await;
        assert_eq!(c.reply().await.unwrap().code, 250);
        let helo = c.finished()[0].envelope.1.clone();
        let want = if smtputf8 { "bücher.example" } else { "xn--bcher-kva.example" };
        assert_eq!(helo.as_deref(), Some(want), "smtputf8: {smtputf8}");
    }
}

/// A client that pipelines commands and never reads the replies fills the pipe; the
/// session gives up on writing them after the command timeout instead of holding its
/// slot for ever. (Every `RCPT` is accepted, so no error limit ends this session:
/// only the write's deadline does.)
#[tokio::test]
async fn a_client_that_never_reads_its_replies_is_let_go() {
    use tokio::io::AsyncWriteExt;
    let limits =
        SessionLimits { command_timeout: std::time::Duration::from_millis(300), max_recipients: 10_000, ..limits() };
    let mut c = Conn::with(limits, None);
    // 8000 replies of 14 bytes are more than the 64 KiB pipe holds.
    let many = [EHLO, MAIL, &RCPT.repeat(8000)].concat();
    let Conn { io, task, .. } = &mut c;
    let ended = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        // Blocks while the session is stuck writing; fails once it has let go.
        let _ = io.get_mut().write_all(&many).await;
        task.await.expect("the session task")
    })
    .await
    .expect("the session ended");
    let err = ended.expect_err("the session ended on its write deadline");
    assert_eq!(err.kind(), std::io::ErrorKind::TimedOut, "{err}");
}

/// An address that sends nothing but mail refused for its content runs out of its
/// error rate (30 a minute by default): the refusal that crosses it is followed by
/// `421 4.7.0` and the close, as a command error's would be.
#[tokio::test]
async fn a_source_of_nothing_but_refused_mail_is_told_and_let_go() {
    let mut c = Conn::with(SessionLimits { max_errors: 1000, ..limits() }, None);
    assert_eq!(c.reply().await.unwrap().code, 220);
    c.send(EHLO).await;
    assert_eq!(c.reply().await.unwrap().code, 250);
    let spam = [MAIL, RCPT, b"DATA\r\n", b"X-Fake-Verdict: spam\r\n\r\nbuy\r\n.\r\n"].concat();
    for n in 1..=30 {
        c.send(&spam).await;
        for want in [250, 250, 354, 550] {
            assert_eq!(c.reply().await.map(|g| g.code), Some(want), "message {n}");
        }
    }
    c.send(&spam).await;
    for want in [250, 250, 354, 550, 421] {
        assert_eq!(c.reply().await.map(|g| g.code), Some(want));
    }
    assert_eq!(c.reply().await, None, "closed after the 421");
}
