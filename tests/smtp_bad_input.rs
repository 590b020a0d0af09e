//! Bad input gets its precise reply or a timeout, never a panic or a stuck task: garbage,
//! binary, very long lines, slow senders, a client that vanishes mid-DATA, bare line
//! ends, the SMTP smuggling sequence, and a header of too many fields.

use mxr_tests::smtp_client::Client;
use mxr_tests::test_relay::{TestRelay, server_toml, tenant_toml};

fn config(limits: &str) -> String {
    server_toml(limits) + &tenant_toml("t1", "example.test", &[("delivery-stats", "statistics")])
}

const MSG: &[u8] = b"Subject: ok\r\n\r\nfine\r\n";

/// After whatever happened, the relay still serves a clean message.
async fn still_serves(relay: &TestRelay) {
    serves(relay.client().await).await;
}

/// `c` gets a clean message accepted.
async fn serves(mut c: Client) {
    c.send_message("a@sender.test", &["b@example.test"], MSG).await.assert_code(250, "2.0.0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_binary_commands_get_500s() {
    let mut relay = TestRelay::start(&config("max_errors = 50\n"), &["delivery-stats"]).await;
    let mut c = relay.client().await;
    let cases: &[(&[u8], u16, &str)] = &[
        (b"\x00\x01\x02\x03\r\n", 500, "5.5.2"),
        (b"\xff\xfe\xfd garbage\r\n", 500, "5.5.2"),
        (b"GET / HTTP/1.1\r\n", 500, "5.5.1"),
        (b"MAIL FROM:<unterminated\r\n", 501, "5.5.4"),
        (b"RCPT TO:<b@example.test>\r\n", 503, "5.5.1"),
        (b"DATA\r\n", 503, "5.5.1"),
        (b"\r\n", 500, "5.5.2"),
    ];
    for (line, code, enhanced) in cases {
        c.write(line).await;
        c.read_reply().await.assert_code(*code, enhanced);
    }
    c.write(&vec![b'A'; 100_000]).await;
    c.write(b"\r\n").await;
    c.read_reply().await.assert_code(500, "5.5.2");
    c.cmd("NOOP").await.assert_code(250, "2.0.0");
    still_serves(&relay).await;
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_sender_in_data_is_timed_out() {
    let mut relay = TestRelay::start(&config("data_timeout_secs = 1\n"), &["delivery-stats"]).await;
    let mut c = relay.client().await;
    c.mail("a@sender.test").await.assert_code(250, "2.1.0");
    c.rcpt("b@example.test").await.assert_code(250, "2.1.5");
    c.cmd("DATA").await.assert_code(354, "");
    c.write(b"Subject: slow\r\n\r\nand then nothing").await;
    c.read_reply().await.assert_code(421, "4.4.2");
    assert!(relay.delivered("t1").is_empty(), "nothing half-received is delivered");
    still_serves(&relay).await;
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_vanishing_mid_data_leaves_nothing_behind() {
    let mut relay = TestRelay::start(&config(""), &["delivery-stats"]).await;
    for _ in 0..5 {
        let mut c = relay.client().await;
        c.mail("a@sender.test").await.assert_code(250, "2.1.0");
        c.rcpt("b@example.test").await.assert_code(250, "2.1.5");
        c.cmd("DATA").await.assert_code(354, "");
        c.write(b"Subject: cut\r\n\r\nhalf a mess").await;
        drop(c);
    }
    still_serves(&relay).await;
    assert_eq!(relay.delivered("t1").len(), 1, "only the complete message");
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_header_of_too_many_fields_is_refused_before_it_is_parsed() {
    let mut relay = TestRelay::start(&config(""), &["delivery-stats"]).await;
    let mut c = relay.client().await;
    // 10,001 short fields: each would cost the parser an allocation of its own.
    let message = [b"X-F: v\r\n".repeat(10_001), b"\r\nbody\r\n".to_vec()].concat();
    let reply = c.send_message("a@sender.test", &["b@example.test"], &message).await;
    reply.assert_code(552, "5.3.4");
    assert!(reply.lines[0].contains("10000 fields"), "{reply:?}");
    serves(c).await;
    assert_eq!(relay.delivered("t1").len(), 1, "only the clean message");
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_line_ends_are_refused_and_cannot_smuggle_an_end_of_data() {
    let mut relay = TestRelay::start(&config(""), &["delivery-stats"]).await;
    let mut c = relay.client().await;
    c.mail("a@sender.test").await.assert_code(250, "2.1.0");
    c.rcpt("b@example.test").await.assert_code(250, "2.1.5");
    c.cmd("DATA").await.assert_code(354, "");
    // A smuggling attempt: "\n.\n" followed by a second, hidden transaction.
    c.write(b"Subject: one\r\n\r\nbody\n.\nMAIL FROM:<smuggled@evil.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\nSubject: smuggled\r\n\r\n").await;
    c.write(b".\r\n").await;
    c.read_reply().await.assert_code(554, "5.6.0");
    c.cmd("NOOP").await.assert_code(250, "2.0.0");
    assert!(relay.delivered("t1").is_empty(), "neither the message nor the smuggled one");
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_connections_that_do_nothing_useful_do_not_stop_service() {
    let mut relay = TestRelay::start(&config("max_errors = 2\n"), &["delivery-stats"]).await;
    let mut junk = Vec::new();
    for i in 0..20u8 {
        let (mut c, _) = Client::connect(relay.addr).await;
        c.write(&[i, 0xff, b'\r', b'\n', b'\n', b'Z', b'\r', b'\n']).await;
        junk.push(c);
    }
    // All that junk came from one address, which is now over its error rate; a client
    // from another address is served (the per-address limits are in tests/intake.rs).
    serves(relay.client_from("127.0.0.2").await).await;
    drop(junk);
    relay.stop().await;
}
