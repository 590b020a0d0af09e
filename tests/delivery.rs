//! Delivery to a tenant's SMTP next hop (a test sink): per-recipient results, 4xx
//! retried with backoff, 5xx and expiry bounced with an RFC 3464 report (never to the
//! null sender), an outage survived across a restart, `tls = "required"` never
//! falling back to plaintext, a hanging next hop delaying only its own tenant and
//! holding only its share of delivery memory, a slow
//! one getting the message once, and SMTPUTF8 and 8BITMIME carried or bounced.

use mxr_tests::sink::{DotReply, Sink};
use mxr_tests::smtp_client::Client;
use mxr_tests::test_relay::{NextHop, TestRelay, original_part, server_toml, spooled, tenant_toml, tenant_toml_via};
use mxr_tests::{LIVENESS, wait_until_async};
use std::net::SocketAddr;
use std::sync::atomic::Ordering::SeqCst;
use std::time::Duration;

/// With lines that start with a dot (one is a lone dot): the outbound client stuffs them.
const MSG: &[u8] =
    b"From: ann@sender.test\r\nSubject: delivery\r\nMessage-ID: <d@sender.test>\r\n\r\nHello over SMTP.\r\n\
    .\r\n..two dots\r\n.one\r\n";

fn config(next_hop: SocketAddr, tls: &str, bounce_relay: Option<SocketAddr>) -> String {
    let mut queue = "[queue]\nretry_base_secs = 1\n".to_owned();
    if let Some(b) = bounce_relay {
        queue.push_str(&format!("bounce_relay = \"{b}\"\n"));
    }
    server_toml("") + &queue + &tenant_toml_via("acme", "acme.test", &[], NextHop::Smtp(next_hop, tls))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivers_to_the_next_hop_byte_identical() {
    let sink = Sink::start(None).await;
    let relay = TestRelay::start(&config(sink.addr, "opportunistic", None), &[]).await;
    let mut c = relay.client().await;
    c.send_message("ann@sender.test", &["bob@acme.test", "eve@acme.test"], MSG).await.assert_code(250, "2.0.0");
    let got = sink.wait_for(1).await;
    assert_eq!(
        (got[0].from.as_str(), got[0].rcpts.clone()),
        ("ann@sender.test", vec!["bob@acme.test".to_owned(), "eve@acme.test".to_owned()])
    );
    assert_eq!(original_part(&got[0].data, &[]), MSG);
    relay.wait_for_delivery();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_to_the_next_hop_are_reused_and_a_stale_one_is_replaced() {
    use std::sync::atomic::Ordering;
    let sink = Sink::start(None).await;
    let relay = TestRelay::start(&config(sink.addr, "none", None), &[]).await;
    let mut c = relay.client().await;
    const MESSAGES: usize = 6;
    // Each copy leaves the spool only after its session is back in the pool, so waiting
    // for an empty spool makes the next copy find it there.
    for n in 0..MESSAGES {
        c.send_message("ann@sender.test", &[&format!("u{n}@acme.test")], MSG).await.assert_code(250, "2.0.0");
        relay.wait_for_delivery();
        assert_eq!(sink.accepted.lock().unwrap().len(), n + 1);
    }
    assert_eq!(sink.connections.load(Ordering::SeqCst), 1, "one session carried every message");
    // The next hop now hangs up after each message: a reused session is found closed
    // before MAIL FROM is answered, and the copy goes over a new one, not deferred.
    sink.hang_up.store(true, Ordering::SeqCst);
    for n in MESSAGES..MESSAGES + 3 {
        c.send_message("ann@sender.test", &[&format!("u{n}@acme.test")], MSG).await.assert_code(250, "2.0.0");
        relay.wait_for_delivery();
    }
    assert_eq!(sink.accepted.lock().unwrap().len(), MESSAGES + 3, "each message exactly once");
    // The first of the three still went over the long session (the hang-up follows
    // it); each later one found its session closed and opened a new one.
    assert_eq!(sink.connections.load(Ordering::SeqCst), 3, "a new session for each message after a hang-up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_4xx_is_retried_and_delivered_later() {
    let sink = Sink::start(None).await;
    let relay = TestRelay::start(&config(sink.addr, "none", None), &[]).await;
    let mut c = relay.client().await;
    c.send_message("ann@sender.test", &["bob@acme.test", "defer@acme.test"], MSG).await.assert_code(250, "2.0.0");
    let first = sink.wait_for(1).await;
    assert_eq!(first[0].rcpts, ["bob@acme.test"], "delivered what it could");
    *sink.relent.lock().unwrap() = true;
    let both = sink.wait_for(2).await;
    assert_eq!(both[1].rcpts, ["defer@acme.test"], "the retry carries only the deferred recipient");
    relay.wait_for_delivery();
    let asked = sink.asked.lock().unwrap().clone();
    assert_eq!(asked.iter().filter(|a| *a == "defer@acme.test").count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5xx_bounces_to_the_sender_with_a_delivery_status_report() {
    let (next_hop, bounces) = (Sink::start(None).await, Sink::start(None).await);
    let relay = TestRelay::start(&config(next_hop.addr, "none", Some(bounces.addr)), &[]).await;
    let mut c = relay.client().await;
    c.send_message("ann@sender.test", &["bob@acme.test", "reject@acme.test"], MSG).await.assert_code(250, "2.0.0");
    assert_eq!(next_hop.wait_for(1).await[0].rcpts, ["bob@acme.test"]);
    let dsn = bounces.wait_for(1).await.remove(0);
    assert_eq!(
        (dsn.from.as_str(), dsn.rcpts.as_slice()),
        ("", ["ann@sender.test".to_owned()].as_slice()),
        "from the null sender, to the sender"
    );
    let text = String::from_utf8_lossy(&dsn.data).into_owned();
    for part in [
        "Content-Type: multipart/report; report-type=delivery-status;",
        "Content-Type: message/delivery-status",
        "Final-Recipient: rfc822; reject@acme.test\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 No such user here",
        "Content-Type: text/rfc822-headers",
        "Subject: delivery",
        "Auto-Submitted: auto-replied",
    ] {
        assert!(text.contains(part), "DSN lacks {part:?}:\n{text}");
    }
    assert!(!text.contains("Final-Recipient: rfc822; bob@acme.test"), "only the failed recipient is reported");
    assert!(!text.contains("Hello over SMTP."), "the report carries headers, not the body");
    relay.wait_for_delivery();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_refused_at_data_beside_an_accepted_one_is_bounced() {
    let bounces = Sink::start(None).await;
    let config = server_toml("")
        + "[plugin.verdicts]\nconfig = \"data = reject\"\n"
        + &format!("[queue]\nbounce_relay = \"{}\"\n", bounces.addr)
        + &tenant_toml("strict", "strict.test", &[("verdicts", "spam-filtering")])
        + &tenant_toml("open", "open.test", &[]);
    let mut relay = TestRelay::start(&config, &["verdicts"]).await;
    let mut c = relay.client().await;
    // One copy accepted, so the client gets 250 and only a report can tell it.
    c.send_message("ann@sender.test", &["a@strict.test", "b@open.test"], MSG).await.assert_code(250, "2.0.0");
    assert_eq!(relay.delivered("open").len(), 1);
    assert!(relay.delivered("strict").is_empty());
    let dsn = &bounces.wait_for(1).await[0];
    assert_eq!((dsn.from.as_str(), dsn.rcpts.clone()), ("", vec!["ann@sender.test".to_owned()]));
    let text = String::from_utf8_lossy(&dsn.data);
    for want in ["multipart/report", "Final-Recipient: rfc822; a@strict.test", "Status: 5.7.1", "Rejected at data"] {
        assert!(text.contains(want), "{want} missing:\n{text}");
    }
    assert!(!text.contains("b@open.test"), "only the refused copy's recipients are reported");
    // The null sender gets none.
    c.send_message("", &["a@strict.test", "b@open.test"], MSG).await.assert_code(250, "2.0.0");
    // A spooled bounce would hold the spool until delivered to the sink.
    relay.wait_for_delivery();
    assert_eq!(bounces.accepted.lock().unwrap().len(), 1, "no bounce to the null sender");
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_null_sender_gets_no_bounce() {
    let (next_hop, bounces) = (Sink::start(None).await, Sink::start(None).await);
    let relay = TestRelay::start(&config(next_hop.addr, "none", Some(bounces.addr)), &[]).await;
    let mut c = relay.client().await;
    c.cmd("MAIL FROM:<>").await.assert_code(250, "2.1.0");
    c.rcpt("reject@acme.test").await.assert_code(250, "2.1.5");
    c.data(MSG).await.assert_code(250, "2.0.0");
    relay.wait_for_delivery();
    assert_eq!(next_hop.asked.lock().unwrap().as_slice(), ["reject@acme.test"], "the attempt was made");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(bounces.accepted.lock().unwrap().is_empty() && bounces.asked.lock().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_is_survived_across_a_restart() {
    // A port with nothing listening: the next hop is down.
    let down = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = down.local_addr().unwrap();
    drop(down);
    let relay = TestRelay::start(&config(addr, "none", None), &[]).await;
    let mut c = relay.client().await;
    for i in 0..3 {
        let body = format!("Subject: outage {i}\r\n\r\nqueued\r\n");
        c.send_message("ann@sender.test", &["bob@acme.test"], body.as_bytes()).await.assert_code(250, "2.0.0");
    }
    drop(c);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let dir = relay.into_dir().await;
    assert_eq!(std::fs::read_dir(dir.path().join("mxr-data/spool")).unwrap().count(), 3, "all three wait in the spool");
    let sink = Sink::start(Some(addr)).await; // the next hop comes back
    let relay = TestRelay::start_in(dir, &config(addr, "none", None), &[]).await;
    let got = sink.wait_for(3).await;
    let mut subjects: Vec<String> = got
        .iter()
        .map(|a| String::from_utf8_lossy(&a.data).lines().find(|l| l.starts_with("Subject:")).unwrap().to_owned())
        .collect();
    subjects.sort();
    assert_eq!(subjects, ["Subject: outage 0", "Subject: outage 1", "Subject: outage 2"]);
    relay.wait_for_delivery();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_required_never_falls_back_to_plaintext() {
    let sink = Sink::start(None).await; // offers no STARTTLS
    let relay = TestRelay::start(&config(sink.addr, "required", None), &[]).await;
    let mut c = relay.client().await;
    c.send_message("ann@sender.test", &["bob@acme.test"], MSG).await.assert_code(250, "2.0.0");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(sink.asked.lock().unwrap().is_empty(), "no recipient was given to a server without TLS");
    let spooled = std::fs::read_dir(relay.data_dir().join("spool")).unwrap().count();
    assert_eq!(spooled, 1, "the copy waits for a TLS-capable next hop");
}

/// A config with `delivery` lines under `[delivery]`, before `tenants`.
fn with_delivery(delivery: &str, tenants: &str) -> String {
    server_toml("") + "[queue]\nretry_base_secs = 1\n[delivery]\n" + delivery + tenants
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_next_hop_that_never_answers_the_final_dot_delays_only_its_own_tenant() {
    let (hanging, prompt) = (Sink::start(None).await, Sink::start(None).await);
    *hanging.dot.lock().unwrap() = DotReply::Never;
    // More copies for the hanging next hop than there are global permits: had they
    // held permits while waiting for its slots, none would be left for anyone else.
    const FINAL_DOT: Duration = Duration::from_secs(120);
    let delivery = format!(
        "max_parallel = 3\nmax_per_destination = 2\nmax_per_tenant = 2\nfinal_dot_timeout_secs = {}\n",
        FINAL_DOT.as_secs()
    );
    let tenants = tenant_toml_via("stuck", "stuck.test", &[], NextHop::Smtp(hanging.addr, "none"))
        + &tenant_toml_via("fine", "fine.test", &[], NextHop::Smtp(prompt.addr, "none"));
    let relay = TestRelay::start(&with_delivery(&delivery, &tenants), &[]).await;
    let mut c = relay.client().await;
    for n in 0..6 {
        c.send_message("ann@sender.test", &[&format!("u{n}@stuck.test")], MSG).await.assert_code(250, "2.0.0");
    }
    let holding = || hanging.holding.load(SeqCst) == 2;
    wait_until_async(LIVENESS, "the hanging next hop to hold its two sessions", holding).await;
    for n in 0..3 {
        c.send_message("ann@sender.test", &[&format!("u{n}@fine.test")], MSG).await.assert_code(250, "2.0.0");
    }
    // Bounded well below the final-dot timeout, which the stuck copies are waiting out.
    let got = prompt.wait_for_within(FINAL_DOT / 4, 3).await;
    assert_eq!(got.len(), 3, "the other tenant's mail all arrived");
    // The sink has the message before the relay removes its copy: wait for the three
    // removals, bounded well below the final-dot timeout too.
    let spool = relay.data_dir().join("spool");
    let waiting = || spooled(&spool) == 6;
    wait_until_async(FINAL_DOT / 4, "every stuck copy still waits: no final-dot timeout has fired", waiting).await;
    assert_eq!(hanging.connections.load(SeqCst), 2, "never more sessions than its per-destination cap");
    assert!(hanging.accepted.lock().unwrap().is_empty());
}

/// The `.msg` files in the spool now.
fn spool_files(spool: &std::path::Path) -> Vec<std::path::PathBuf> {
    let files = std::fs::read_dir(spool).unwrap().map(|e| e.unwrap().path());
    files.filter(|p| p.extension().is_some_and(|x| x == "msg")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_erased_while_it_waits_for_its_slot_is_not_delivered_from_memory() {
    // The chain hands delivery each copy it spools with its content, so that the
    // first attempt need not read it back. A copy erased meanwhile must stay erased.
    let hanging = Sink::start(None).await;
    *hanging.dot.lock().unwrap() = DotReply::Never;
    let delivery = "max_parallel = 2\nmax_per_destination = 1\nmax_per_tenant = 1\nfinal_dot_timeout_secs = 2\n";
    let tenants = tenant_toml_via("stuck", "stuck.test", &[], NextHop::Smtp(hanging.addr, "none"));
    let relay = TestRelay::start(&with_delivery(delivery, &tenants), &[]).await;
    let spool = relay.data_dir().join("spool");
    let mut c = relay.client().await;
    c.send_message("ann@sender.test", &["u0@stuck.test"], MSG).await.assert_code(250, "2.0.0");
    wait_until_async(LIVENESS, "the first copy's session to hang", || hanging.holding.load(SeqCst) == 1).await;
    let before = spool_files(&spool);
    c.send_message("ann@sender.test", &["u1@stuck.test"], MSG).await.assert_code(250, "2.0.0");
    let second: Vec<_> = spool_files(&spool).into_iter().filter(|p| !before.contains(p)).collect();
    assert_eq!(second.len(), 1, "the second copy is spooled, waiting for the one slot");
    std::fs::remove_file(&second[0]).unwrap();
    *hanging.dot.lock().unwrap() = DotReply::Prompt;
    // The first attempt times out and frees the slot; the second copy's turn comes
    // before the first copy's retry, which then arrives.
    let got = hanging.wait_for_within(LIVENESS, 1).await;
    assert_eq!(got[0].rcpts, ["u0@stuck.test"]);
    let asked = hanging.asked.lock().unwrap().clone();
    assert!(!asked.iter().any(|r| r.contains("u1")), "the erased copy went out: {asked:?}");
}

/// A config whose largest message is 1 MB, so that a delivery of it holds 2.5 MB
/// (twice its spool file, `DeliveryConfig::largest_delivery`), with `delivery` lines.
fn with_memory(delivery: &str, tenants: &str) -> String {
    server_toml("max_message_bytes = 1000000") + "[queue]\nretry_base_secs = 1\n[delivery]\n" + delivery + tenants
}

/// A 900 KB message: a delivery of it holds 1.8 MB.
fn large() -> Vec<u8> {
    [MSG, &b"0123456789abcde\r\n".repeat(900_000 / 17)].concat()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_next_hop_holds_no_more_delivery_memory_than_its_share() {
    let (hanging, prompt) = (Sink::start(None).await, Sink::start(None).await);
    *hanging.dot.lock().unwrap() = DotReply::Never;
    // Each next hop's share is 2.6 MB (5 of 10 deliveries of 5.2 MB): one 900 KB
    // copy at a time goes to the stuck next hop, though its cap of connections is 5.
    let delivery = "max_parallel = 10\nmax_per_destination = 5\nmax_per_tenant = 5\nmax_buffered_bytes = 5200000\n";
    let tenants = tenant_toml_via("stuck", "stuck.test", &[], NextHop::Smtp(hanging.addr, "none"))
        + &tenant_toml_via("fine", "fine.test", &[], NextHop::Smtp(prompt.addr, "none"));
    let relay = TestRelay::start(&with_memory(delivery, &tenants), &[]).await;
    let (large, mut c) = (large(), relay.client().await);
    for n in 0..3 {
        c.send_message("ann@sender.test", &[&format!("u{n}@stuck.test")], &large).await.assert_code(250, "2.0.0");
    }
    let holding = || hanging.holding.load(SeqCst) == 1;
    wait_until_async(LIVENESS, "the hanging next hop to hold one session", holding).await;
    for n in 0..2 {
        c.send_message("ann@sender.test", &[&format!("u{n}@fine.test")], &large).await.assert_code(250, "2.0.0");
    }
    assert_eq!(prompt.wait_for_within(LIVENESS, 2).await.len(), 2, "the other next hop got its share and its mail");
    assert_eq!(hanging.connections.load(SeqCst), 1, "the other stuck copies wait for the share, not in a session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_waiting_for_its_tenants_memory_holds_no_global_permit() {
    let (stuck1, stuck2, prompt) = (Sink::start(None).await, Sink::start(None).await, Sink::start(None).await);
    *stuck1.dot.lock().unwrap() = DotReply::Never;
    *stuck2.dot.lock().unwrap() = DotReply::Never;
    // 3 permits; a tenant's memory (2.67 MB) holds one 900 KB copy's delivery. Had
    // big's second copy taken a permit before waiting for big's memory, big and other
    // would hold all three, and the small copy for fine would wait for a final dot.
    let delivery = "max_parallel = 3\nmax_per_destination = 2\nmax_per_tenant = 2\nmax_buffered_bytes = 4000000\n\
        final_dot_timeout_secs = 120\n";
    let tenants = tenant_toml_via("big", "big.test", &[], NextHop::Smtp(stuck1.addr, "none"))
        + &tenant_toml_via("other", "other.test", &[], NextHop::Smtp(stuck2.addr, "none"))
        + &tenant_toml_via("fine", "fine.test", &[], NextHop::Smtp(prompt.addr, "none"));
    let relay = TestRelay::start(&with_memory(delivery, &tenants), &[]).await;
    let (large, mut c) = (large(), relay.client().await);
    for n in 0..2 {
        c.send_message("ann@sender.test", &[&format!("u{n}@big.test")], &large).await.assert_code(250, "2.0.0");
    }
    wait_until_async(LIVENESS, "big's next hop to hold one session", || stuck1.holding.load(SeqCst) == 1).await;
    c.send_message("ann@sender.test", &["u@other.test"], &large).await.assert_code(250, "2.0.0");
    wait_until_async(LIVENESS, "other's next hop to hold its session", || stuck2.holding.load(SeqCst) == 1).await;
    c.send_message("ann@sender.test", &["u@fine.test"], MSG).await.assert_code(250, "2.0.0");
    assert_eq!(prompt.wait_for_within(LIVENESS, 1).await.len(), 1, "a permit was left for the small copy");
    assert_eq!(stuck1.connections.load(SeqCst), 1, "big's second copy waits for big's memory");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_next_hop_that_answers_the_final_dot_in_time_gets_the_message_once() {
    let slow = Sink::start(None).await;
    *slow.dot.lock().unwrap() = DotReply::After(Duration::from_secs(2));
    // Every other step gives up after 1 s: the final dot must have its own, longer wait.
    let delivery = "mail_timeout_secs = 1\nrcpt_timeout_secs = 1\ndata_timeout_secs = 1\nblock_timeout_secs = 1\n\
final_dot_timeout_secs = 30\n";
    let tenant = tenant_toml_via("acme", "acme.test", &[], NextHop::Smtp(slow.addr, "none"));
    let relay = TestRelay::start(&with_delivery(delivery, &tenant), &[]).await;
    let mut c = relay.client().await;
    c.send_message("ann@sender.test", &["bob@acme.test"], MSG).await.assert_code(250, "2.0.0");
    relay.wait_for_delivery();
    assert_eq!(slow.accepted.lock().unwrap().len(), 1, "delivered exactly once");
    assert_eq!(slow.asked.lock().unwrap().len(), 1, "in one attempt");
}

const UTF8_MSG: &str = "From: J\u{f6}rg <jorg@sender.test>\r\nSubject: Gr\u{fc}\u{df}e\r\n\r\nCaf\u{e9} at noon.\r\n";

/// One transaction with `params` on MAIL FROM, accepted.
async fn send_with(c: &mut Client, params: &str, rcpt: &str, message: &[u8]) {
    c.cmd(&format!("MAIL FROM:<ann@sender.test> {params}")).await.assert_code(250, "2.1.0");
    c.rcpt(rcpt).await.assert_code(250, "2.1.5");
    c.data(message).await.assert_code(250, "2.0.0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtputf8_and_8bitmime_are_carried_when_the_next_hop_offers_them() {
    let sink = Sink::start(None).await;
    sink.smtputf8.store(true, SeqCst);
    let relay = TestRelay::start(&config(sink.addr, "none", None), &[]).await;
    let mut c = relay.client().await;
    send_with(&mut c, "SMTPUTF8 BODY=8BITMIME", "bj\u{f6}rn@acme.test", UTF8_MSG.as_bytes()).await;
    send_with(&mut c, "", "bob@acme.test", MSG).await;
    let got = sink.wait_for(2).await;
    let utf8 = got.iter().find(|a| a.rcpts == ["bj\u{f6}rn@acme.test"]).expect("the UTF-8 recipient");
    assert_eq!(utf8.params, "BODY=8BITMIME SMTPUTF8");
    assert_eq!(original_part(&utf8.data, &[]), UTF8_MSG.as_bytes(), "byte-identical, 8-bit bytes and all");
    let plain = got.iter().find(|a| a.rcpts == ["bob@acme.test"]).expect("the plain one");
    assert_eq!(plain.params, "", "a copy that declared neither asks for neither");
    relay.wait_for_delivery();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_next_hop_without_the_extension_a_copy_needs_gets_none_and_the_sender_a_bounce() {
    let (sink, bounces) = (Sink::start(None).await, Sink::start(None).await);
    sink.eight_bit_mime.store(false, SeqCst); // and no SMTPUTF8
    let relay = TestRelay::start(&config(sink.addr, "none", Some(bounces.addr)), &[]).await;
    let mut c = relay.client().await;
    send_with(&mut c, "SMTPUTF8", "bob@acme.test", UTF8_MSG.as_bytes()).await;
    send_with(&mut c, "BODY=8BITMIME", "eve@acme.test", b"Subject: latin-1\r\n\r\nCaf\xe9\r\n").await;
    send_with(&mut c, "BODY=8BITMIME", "amy@acme.test", MSG).await; // declared, but 7-bit
    let got = sink.wait_for(1).await;
    assert_eq!((got[0].rcpts.as_slice(), got[0].params.as_str()), (["amy@acme.test".to_owned()].as_slice(), ""));
    let dsns = bounces.wait_for(2).await;
    let report = |rcpt: &str| {
        let dsn = dsns.iter().find(|d| String::from_utf8_lossy(&d.data).contains(&format!("rfc822; {rcpt}")));
        String::from_utf8_lossy(&dsn.unwrap_or_else(|| panic!("no report on {rcpt}")).data).into_owned()
    };
    let utf8 = report("bob@acme.test");
    for want in ["Status: 5.6.7", "SMTPUTF8", "Content-Type: message/global-delivery-status", "message/global-headers"]
    {
        assert!(utf8.contains(want), "{want} missing:\n{utf8}");
    }
    let eight = report("eve@acme.test");
    for want in ["Status: 5.6.3", "8BITMIME", "Content-Type: message/delivery-status"] {
        assert!(eight.contains(want), "{want} missing:\n{eight}");
    }
    relay.wait_for_delivery();
    assert_eq!(sink.asked.lock().unwrap().as_slice(), ["amy@acme.test"], "the others never reached RCPT");
}
