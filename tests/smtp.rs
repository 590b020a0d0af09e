//! The SMTP front over real TCP on 127.0.0.1:0: the happy path, pipelining,
//! dot-stuffing, every limit with its code, the open-relay refusal, the multi-tenant
//! split, STARTTLS with a real TLS client, and graceful shutdown.

use mxr_tests::smtp_client::{Client, to_crlf};
use mxr_tests::test_relay::{TestRelay, original_part, server_toml, tenant_toml};
use mxr_tests::wait_for;
use std::time::Duration;

const MSG: &[u8] = b"From: a@sender.test\r\nTo: b@example.test\r\nSubject: hi\r\nMessage-ID: <1@sender.test>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0100\r\n\r\nHello.\r\n";

fn stats_only(limits: &str) -> String {
    server_toml(limits) + &tenant_toml("t1", "example.test", &[("delivery-stats", "statistics")])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn happy_path_delivers_byte_identical_after_added_headers() {
    let mut relay = TestRelay::start(&stats_only(""), &["delivery-stats"]).await;
    let mut c = relay.client().await;
    c.send_message("a@sender.test", &["b@example.test"], MSG).await.assert_code(250, "2.0.0");
    c.cmd("QUIT").await.assert_code(221, "2.0.0");
    let got = relay.delivered("t1");
    assert_eq!(got.len(), 1);
    let text = String::from_utf8_lossy(&got[0]);
    assert!(
        text.starts_with(
            "Return-Path: <a@sender.test>\r\nDelivered-To: b@example.test\r\n\
             Received: from client.test ([127.0.0.1])\r\n\tby mx.test (mxr) with ESMTP id "
        ),
        "{text}"
    );
    assert!(text.contains("\r\n\tfor <b@example.test>;\r\n"), "{text}");
    assert!(
        text.contains("X-Mxr-Score: 0.0\r\nX-Mxr-Tags: from-domain.sender.test rcpts.le1 size.le4096\r\n"),
        "{text}"
    );
    assert_eq!(original_part(&got[0], &[]), MSG);
    relay.stop().await;
}

/// `Received:` names the protocol the message came by (RFC 3848: SMTP after HELO;
/// RFC 6531: UTF8SMTP for an SMTPUTF8 transaction), and a sender's own fields in the
/// node's `X-Mxr-` namespace do not reach the customer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn received_names_the_protocol_and_forged_mxr_fields_are_removed() {
    let mut relay = TestRelay::start(&stats_only(""), &["delivery-stats"]).await;
    let (mut helo, greeting) = Client::connect(relay.addr).await;
    greeting.assert_code(220, "");
    helo.cmd("HELO client.test").await.assert_code(250, "");
    let forged = [&b"X-Mxr-Tags: ham trusted\r\nX-Mxr-Score: -50.0\r\n"[..], MSG].concat();
    helo.send_message("a@sender.test", &["b@example.test"], &forged).await.assert_code(250, "2.0.0");
    let mut utf8 = relay.client().await;
    utf8.cmd("MAIL FROM:<a@sender.test> SMTPUTF8").await.assert_code(250, "2.1.0");
    utf8.rcpt("b@example.test").await.assert_code(250, "2.1.5");
    utf8.data(MSG).await.assert_code(250, "2.0.0");
    let got: Vec<String> = relay.delivered("t1").iter().map(|m| String::from_utf8_lossy(m).into_owned()).collect();
    assert_eq!(got.len(), 2);
    let with = |m: &str| m.split(" with ").nth(1).and_then(|w| w.split(' ').next()).map(str::to_owned);
    let mut protocols: Vec<_> = got.iter().filter_map(|m| with(m)).collect();
    protocols.sort();
    assert_eq!(protocols, ["SMTP", "UTF8SMTP"]);
    let from_helo = got.iter().find(|m| with(m).as_deref() == Some("SMTP")).unwrap();
    assert!(!from_helo.contains("ham") && !from_helo.contains("-50.0"), "{from_helo}");
    assert_eq!(original_part(from_helo.as_bytes(), &[]), MSG, "nothing else of the message changed");
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_commands_get_their_replies_in_order() {
    let mut relay = TestRelay::start(&stats_only(""), &["delivery-stats"]).await;
    let mut c = relay.client().await;
    c.write(b"MAIL FROM:<a@sender.test>\r\nRCPT TO:<b@example.test>\r\nRCPT TO:<nobody@elsewhere.test>\r\nRCPT TO:<c@example.test>\r\nDATA\r\n").await;
    let mut codes = Vec::new();
    for _ in 0..5 {
        codes.push(c.read_reply().await.code);
    }
    assert_eq!(codes, [250, 250, 550, 250, 354]);
    c.write(MSG).await;
    c.write(b".\r\nRSET\r\nNOOP\r\nQUIT\r\n").await;
    let mut codes = Vec::new();
    for _ in 0..4 {
        codes.push(c.read_reply().await.code);
    }
    assert_eq!(codes, [250, 250, 250, 221]);
    assert_eq!(relay.delivered("t1").len(), 1);
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dot_stuffed_lines_arrive_unstuffed() {
    let mut relay = TestRelay::start(&stats_only(""), &["delivery-stats"]).await;
    let mut c = relay.client().await;
    let body = b"Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nmiddle . dot\r\n";
    c.send_message("a@sender.test", &["b@example.test"], body).await.assert_code(250, "2.0.0");
    assert_eq!(original_part(&relay.delivered("t1")[0], &[]), body, "the client stuffed, the relay unstuffed");
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_answer_with_their_rfc_codes() {
    let mut relay =
        TestRelay::start(&stats_only("max_message_bytes = 2000\nmax_recipients = 2\n"), &["delivery-stats"]).await;
    let mut c = relay.client().await;
    // Line length (RFC 5321 4.5.3.1.4): refused, and the session goes on.
    c.cmd(&format!("NOOP {}", "x".repeat(600))).await.assert_code(500, "5.5.2");
    c.cmd("NOOP").await.assert_code(250, "2.0.0");
    // Size, declared and actual.
    c.cmd("MAIL FROM:<a@sender.test> SIZE=5000").await.assert_code(552, "5.3.4");
    c.mail("a@sender.test").await.assert_code(250, "2.1.0");
    c.rcpt("b@example.test").await.assert_code(250, "2.1.5");
    c.rcpt("c@example.test").await.assert_code(250, "2.1.5");
    c.rcpt("d@example.test").await.assert_code(452, "4.5.3");
    let big = format!("Subject: big\r\n\r\n{}", "0123456789abcdef0123456789abcdef\r\n".repeat(100));
    c.data(big.as_bytes()).await.assert_code(552, "5.3.4");
    // The session is still usable after a refused message.
    c.send_message("a@sender.test", &["b@example.test"], MSG).await.assert_code(250, "2.0.0");
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_limit_gives_421_and_others_keep_working() {
    let mut relay = TestRelay::start(&stats_only("max_connections = 1\n"), &["delivery-stats"]).await;
    let mut first = relay.client().await;
    let (mut second, greeting) = Client::connect(relay.addr).await;
    greeting.assert_code(421, "4.3.2");
    assert_eq!(second.read_reply().await.code, 0, "closed after the 421");
    first.send_message("a@sender.test", &["b@example.test"], MSG).await.assert_code(250, "2.0.0");
    first.cmd("QUIT").await.assert_code(221, "2.0.0");
    drop(first);
    // The permit comes back once the first session has ended.
    let addr = relay.addr;
    let mut third = wait_for(Duration::from_secs(2), "a new session after the first ended", || async move {
        let (c, g) = Client::connect(addr).await;
        (g.code == 220).then_some(c)
    })
    .await;
    third.ehlo("x.test").await.assert_code(250, "");
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_timeout_closes_with_421() {
    let mut relay = TestRelay::start(&stats_only("command_timeout_secs = 1\n"), &["delivery-stats"]).await;
    let mut c = relay.client().await;
    c.read_reply().await.assert_code(421, "4.4.2");
    assert_eq!(c.read_reply().await.code, 0);
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_errors_end_the_session() {
    let mut relay = TestRelay::start(&stats_only("max_errors = 3\n"), &["delivery-stats"]).await;
    let mut c = relay.client().await;
    c.cmd("BOGUS").await.assert_code(500, "5.5.1");
    c.cmd("RCPT TO:<b@example.test>").await.assert_code(503, "5.5.1");
    let third = c.cmd("ALSO BOGUS").await;
    assert_eq!(third.code, 500);
    c.read_reply().await.assert_code(421, "4.7.0");
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_open_relay() {
    let mut relay = TestRelay::start(&stats_only(""), &["delivery-stats"]).await;
    let mut c = relay.client().await;
    c.mail("a@sender.test").await.assert_code(250, "2.1.0");
    // `<postmaster>` without a domain is accepted (RFC 5321 §4.5.1): tests/intake.rs.
    for rcpt in ["someone@gmail.example", "b@example.test.evil.test", "b@sub.example.test", "postmaster@gmail.example"]
    {
        let r = c.rcpt(rcpt).await;
        assert!(r.code == 550 || r.code == 501, "{rcpt}: {r:?}");
    }
    c.cmd("DATA").await.assert_code(554, "5.5.1");
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_for_two_tenants_is_split_into_copies() {
    let config = server_toml("")
        + &tenant_toml("acme", "acme.test", &[("delivery-stats", "statistics")])
        + &tenant_toml("globex", "globex.test", &[("delivery-stats", "statistics")]);
    let mut relay = TestRelay::start(&config, &["delivery-stats"]).await;
    let mut c = relay.client().await;
    c.send_message("a@sender.test", &["x@acme.test", "y@acme.test", "z@globex.test"], MSG)
        .await
        .assert_code(250, "2.0.0");
    let (acme, globex) = (relay.delivered("acme"), relay.delivered("globex"));
    assert_eq!((acme.len(), globex.len()), (1, 1));
    let acme = String::from_utf8_lossy(&acme[0]).into_owned();
    let globex = String::from_utf8_lossy(&globex[0]).into_owned();
    // Each chain counted only its own recipients.
    assert!(acme.contains("rcpts.le2") && !acme.contains("for <"), "{acme}");
    assert!(globex.contains("rcpts.le1") && globex.contains("for <z@globex.test>"), "{globex}");
    assert!(!globex.contains("acme.test>"), "globex's copy names no acme recipient");
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_with_a_real_tls_client() {
    let mut relay = TestRelay::start(&stats_only(""), &["delivery-stats"]).await;
    let mut c = relay.client().await;
    // Plaintext pipelined after STARTTLS must be dropped, never executed.
    let ca = relay.data_dir().join("tls").join("cert.pem");
    c.write(b"NOOP\r\n").await;
    c.read_reply().await.assert_code(250, "2.0.0");
    let help = c.cmd("HELP").await;
    help.assert_code(214, "2.0.0");
    assert!(help.lines[0].ends_with(" STARTTLS"), "offered in clear: {help:?}");
    let (mut tls, _) = c.starttls(&ca, "mx.test").await;
    let ehlo = tls.ehlo("client.test").await;
    assert!(!ehlo.lines.iter().any(|l| l == "STARTTLS"), "not offered twice: {ehlo:?}");
    let help = tls.cmd("HELP").await;
    assert!(!help.lines[0].contains("STARTTLS"), "HELP names only what is offered: {help:?}");
    tls.cmd("STARTTLS").await.assert_code(503, "5.5.1");
    tls.send_message("a@sender.test", &["b@example.test"], MSG).await.assert_code(250, "2.0.0");
    let got = String::from_utf8_lossy(&relay.delivered("t1")[0]).into_owned();
    assert!(got.contains("with ESMTPS id"), "{got}");
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_pipelined_after_starttls_are_discarded() {
    // CVE-2011-0411: plaintext sent along with STARTTLS must not run inside TLS.
    let mut relay = TestRelay::start(&stats_only(""), &["delivery-stats"]).await;
    let mut c = relay.client().await;
    c.write(b"STARTTLS\r\nMAIL FROM:<injected@evil.test>\r\n").await;
    c.read_reply().await.assert_code(220, "2.0.0");
    let ca = relay.data_dir().join("tls").join("cert.pem");
    let mut tls = c.upgrade(&ca, "mx.test").await;
    // Had the injected MAIL run, its 503 (no EHLO yet after TLS) would come first.
    tls.ehlo("client.test").await.assert_code(250, "");
    tls.cmd("RCPT TO:<b@example.test>").await.assert_code(503, "5.5.1");
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_lets_the_running_transaction_finish() {
    let mut relay = TestRelay::start(&stats_only(""), &["delivery-stats"]).await;
    let mut busy = relay.client().await;
    let mut idle = relay.client().await;
    busy.mail("a@sender.test").await.assert_code(250, "2.1.0");
    busy.rcpt("b@example.test").await.assert_code(250, "2.1.5");
    let stop = {
        let mut r = std::mem::replace(&mut relay, TestRelay::start(&stats_only(""), &["delivery-stats"]).await);
        tokio::spawn(async move {
            r.stop().await;
            r
        })
    };
    idle.read_reply().await.assert_code(421, "4.3.2");
    busy.data(MSG).await.assert_code(250, "2.0.0");
    busy.read_reply().await.assert_code(421, "4.3.2");
    let stopped = stop.await.unwrap();
    assert_eq!(stopped.delivered("t1").len(), 1, "the running transaction was delivered");
    assert!(Client::connect_refused(stopped.addr).await, "no longer accepting");
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_runs_over_an_in_memory_stream() {
    let relay = TestRelay::start(&stats_only(""), &["delivery-stats"]).await;
    let (client, server) = tokio::io::duplex(64 * 1024);
    let (_stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let session = mxr_smtp::session::Session::new(
        relay.relay.inbound.clone(),
        server,
        "192.0.2.9:4000".parse().unwrap(),
        stop_rx,
    );
    let task = tokio::spawn(session.run());
    let mut c = Client::over(client);
    c.read_reply().await.assert_code(220, "");
    c.ehlo("mem.test").await.assert_code(250, "");
    c.send_message("a@sender.test", &["b@example.test"], &to_crlf(b"Subject: in memory\n\nhi\n"))
        .await
        .assert_code(250, "2.0.0");
    c.cmd("QUIT").await.assert_code(221, "2.0.0");
    task.await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&relay.delivered("t1")[0]).contains("[192.0.2.9]"));
}
