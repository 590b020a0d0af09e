//! Fair intake against a real relay over TCP: clients that drip bytes are cut off by
//! the whole-command and DATA-rate deadlines, one address holding too many sessions
//! gets `421 4.7.0` while another address is served, and messages beyond the global
//! DATA budget get `452 4.3.1` while the others are accepted, and a declared size is
//! held only through the rate grace period. Timeouts are short in
//! `[limits]`; every time bound here is a liveness bound.

use mxr_tests::smtp_client::Client;
use mxr_tests::test_relay::{TestRelay, server_toml, tenant_toml};
use mxr_tests::{LIVENESS, wait_for, wait_until_async};
use std::time::Duration;

fn config(limits: &str) -> String {
    server_toml(limits) + &tenant_toml("t1", "example.test", &[("delivery-stats", "statistics")])
}

const MSG: &[u8] = b"Subject: ok\r\n\r\nfine\r\n";

/// A message of about `kb` kilobytes in 100-byte lines.
fn large(kb: usize) -> Vec<u8> {
    let mut m = b"Subject: large\r\n\r\n".to_vec();
    let line = [b"x".repeat(98), b"\r\n".to_vec()].concat();
    for _ in 0..kb * 10 {
        m.extend_from_slice(&line);
    }
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drip_clients_are_cut_off_while_a_legitimate_client_is_served() {
    let limits =
        "command_timeout_secs = 1\ndata_rate_grace_secs = 1\ndata_min_bytes_per_sec = 100\ndata_timeout_secs = 30\n";
    let mut relay = TestRelay::start(&config(limits), &["delivery-stats"]).await;
    let every = Duration::from_millis(100);
    let bound = Duration::from_secs(20);
    // A byte every 100 ms is far inside every per-read wait: only whole deadlines end these.
    let mut in_command = relay.client().await;
    let command_drip = tokio::spawn(async move { in_command.drip(b"NOOP ", every, bound).await });
    let mut in_data = relay.client().await;
    in_data.mail("a@sender.test").await.assert_code(250, "2.1.0");
    in_data.rcpt("b@example.test").await.assert_code(250, "2.1.5");
    in_data.cmd("DATA").await.assert_code(354, "");
    let data_drip = tokio::spawn(async move { in_data.drip(b"x", every, bound).await });

    let mut legit = relay.client_from("127.0.0.2").await;
    legit.send_message("a@sender.test", &["b@example.test"], MSG).await.assert_code(250, "2.0.0");

    for (what, drip) in [("command", command_drip), ("DATA", data_drip)] {
        let (reply, took) = drip.await.unwrap();
        reply.assert_code(421, "4.4.2");
        // The deadline started a moment before the drip did: allow for that moment.
        assert!(took >= Duration::from_millis(800), "{what} drip cut off before its deadline: {took:?}");
    }
    assert_eq!(relay.delivered("t1").len(), 1, "only the legitimate message arrived");
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slot_hog_gets_421_and_a_client_from_another_address_is_served() {
    let mut relay = TestRelay::start(&config("max_connections_per_ip = 3\n"), &["delivery-stats"]).await;
    let mut hogs = Vec::new();
    for _ in 0..3 {
        hogs.push(relay.client().await);
    }
    let (mut over, greeting) = Client::connect(relay.addr).await;
    greeting.assert_code(421, "4.7.0");
    assert!(greeting.text().contains("Too many connections from your address"), "{greeting:?}");
    assert_eq!(over.read_reply().await.code, 0, "closed after the 421");

    let mut other = relay.client_from("127.0.0.2").await;
    other.send_message("a@sender.test", &["b@example.test"], MSG).await.assert_code(250, "2.0.0");

    hogs.pop().unwrap().cmd("QUIT").await.assert_code(221, "2.0.0");
    let addr = relay.addr;
    wait_for(LIVENESS, "the hog's freed slot to admit a new session", || async move {
        let (_c, g) = Client::connect(addr).await;
        (g.code == 220).then_some(())
    })
    .await;
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_beyond_the_global_budget_gets_452_and_the_rest_is_accepted() {
    // A little over four times the largest message (what one takes while checked).
    const BUDGET: usize = 3300 * 1024;
    let limits = format!("max_message_bytes = 819200\nmax_buffered_data_bytes = {BUDGET}\ndata_budget_wait_ms = 200\n");
    let mut relay = TestRelay::start(&config(&limits), &["delivery-stats"]).await;
    let budget = relay.relay.inbound.intake.data_budget.clone();
    let big = large(700);

    // A holds most of a 700 kB message (its body takes about 700 kB of the 3.2 MiB budget).
    let mut a = relay.client().await;
    a.mail("a@sender.test").await.assert_code(250, "2.1.0");
    a.rcpt("b@example.test").await.assert_code(250, "2.1.5");
    a.cmd("DATA").await.assert_code(354, "");
    a.write(&big).await;
    wait_until_async(LIVENESS, "A's body to hold its budget", || budget.available_bytes() <= BUDGET - 700 * 1024).await;

    // B's message of the same size is read beside it, but its checking (four times
    // its size) does not fit: refused, session in step.
    let mut b = relay.client().await;
    b.send_message("a@sender.test", &["b@example.test"], &big).await.assert_code(452, "4.3.1");
    b.cmd("NOOP").await.assert_code(250, "2.0.0");
    // A small message fits in what is left.
    b.send_message("a@sender.test", &["b@example.test"], MSG).await.assert_code(250, "2.0.0");

    a.write(b"\r\n.\r\n").await;
    a.read_reply().await.assert_code(250, "2.0.0");
    wait_until_async(LIVENESS, "the budget to come back", || budget.available_bytes() == BUDGET).await;
    b.send_message("a@sender.test", &["b@example.test"], &big).await.assert_code(250, "2.0.0");
    assert_eq!(relay.delivered("t1").len(), 3, "A's, the small one and B's retry");
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declared_size_is_held_only_through_the_rate_grace_period() {
    const BUDGET: usize = 3300 * 1024;
    let limits = format!(
        "max_message_bytes = 819200\nmax_buffered_data_bytes = {BUDGET}\ndata_rate_grace_secs = 1\n\
         data_min_bytes_per_sec = 1\n"
    );
    let mut relay = TestRelay::start(&config(&limits), &["delivery-stats"]).await;
    let budget = relay.relay.inbound.intake.data_budget.clone();
    let mut c = relay.client().await;
    c.cmd("MAIL FROM:<a@sender.test> SIZE=800000").await.assert_code(250, "2.1.0");
    c.rcpt("b@example.test").await.assert_code(250, "2.1.5");
    c.cmd("DATA").await.assert_code(354, "");
    assert!(BUDGET - budget.available_bytes() >= 3_200_000, "the declared size, four times, is held before the data");
    // A byte every 100 ms keeps above the minimum rate, far below the declared size.
    let dawdler = tokio::spawn(async move { c.drip(b"x", Duration::from_millis(100), LIVENESS).await });
    wait_until_async(LIVENESS, "the dawdler to hold only what it sent", || {
        budget.available_bytes() >= BUDGET - 64 * 1024
    })
    .await;
    dawdler.abort();
    let _ = dawdler.await;
    wait_until_async(LIVENESS, "the closed session's budget to come back", || budget.available_bytes() == BUDGET).await;
    relay.stop().await;
}

/// Large messages waiting for the budget do not hold up smaller ones: with the large
/// share held by a client that declared the largest size and then sends nothing, and
/// a second declared message waiting at its DATA for that share, another client's
/// message of 30 kB is taken at once. (In one shared queue it waited behind the second,
/// whose wait here is longer than the test.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_waiting_for_the_large_share_do_not_hold_up_smaller_ones() {
    // 5 MiB: 640 KiB for small messages, 1280 KiB for medium ones (up to 160 KiB
    // each, so 40 kB at four copies), and 3200 KiB, the largest message's need, for
    // large ones.
    const BUDGET: usize = 5 << 20;
    let limits =
        format!("max_message_bytes = 819200\nmax_buffered_data_bytes = {BUDGET}\ndata_budget_wait_ms = 60000\n");
    let mut relay = TestRelay::start(&config(&limits), &["delivery-stats"]).await;
    let mut hog = relay.client().await;
    hog.cmd("MAIL FROM:<a@sender.test> SIZE=800000").await.assert_code(250, "2.1.0");
    hog.rcpt("b@example.test").await.assert_code(250, "2.1.5");
    hog.cmd("DATA").await.assert_code(354, "");
    // The next declared message fits what is free in all, not in the large share.
    let mut next = relay.client_from("127.0.0.3").await;
    next.cmd("MAIL FROM:<a@sender.test> SIZE=400000").await.assert_code(250, "2.1.0");
    next.rcpt("b@example.test").await.assert_code(250, "2.1.5");
    next.write(b"DATA\r\n").await;
    let mut other = relay.client_from("127.0.0.2").await;
    other.send_message("a@sender.test", &["b@example.test"], &large(30)).await.assert_code(250, "2.0.0");
    drop(hog);
    next.read_reply().await.assert_code(354, "");
    next.write(b"Subject: next\r\n\r\nsmaller than declared\r\n.\r\n").await;
    next.read_reply().await.assert_code(250, "2.0.0");
    assert_eq!(relay.delivered("t1").len(), 2, "the 30 kB message and the next one");
    relay.stop().await;
}

/// MAIL with a declared size of 800 kB, one recipient, and DATA up to its `354`.
async fn declare(c: &mut Client) {
    c.cmd("MAIL FROM:<a@sender.test> SIZE=800000").await.assert_code(250, "2.1.0");
    c.rcpt("b@example.test").await.assert_code(250, "2.1.5");
    c.cmd("DATA").await.assert_code(354, "");
}

/// An address that declared a size, had it reserved, and then got no message delivered
/// with it (it left, sent one far smaller, or one refused for its framing) has its
/// next declared sizes taken only as the data arrives: a client that declares 25 MB, sends nothing and reconnects cannot sit
/// on the budget.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_an_abandoned_declared_message_the_address_reserves_nothing_up_front() {
    const BUDGET: usize = 3300 * 1024;
    let limits = format!("max_message_bytes = 819200\nmax_buffered_data_bytes = {BUDGET}\n");
    let mut relay = TestRelay::start(&config(&limits), &["delivery-stats"]).await;
    let budget = relay.relay.inbound.intake.data_budget.clone();
    let mut first = relay.client().await;
    declare(&mut first).await;
    assert!(BUDGET - budget.available_bytes() >= 3_200_000, "the declared size is held before the data");
    drop(first);
    wait_until_async(LIVENESS, "the abandoned reservation to come back", || budget.available_bytes() == BUDGET).await;
    let mut again = relay.client().await;
    declare(&mut again).await;
    assert_eq!(budget.available_bytes(), BUDGET, "nothing is held before the data now");
    again.write(&[&large(10)[..], b".\r\n"].concat()).await;
    again.read_reply().await.assert_code(250, "2.0.0");
    // Finishing with a message far smaller than declared counts as leaving: the
    // reservation was held for nothing.
    let cases: [(&str, Vec<u8>, u16, &str); 2] = [
        ("127.0.0.4", b"Subject: tiny\r\n\r\nx\r\n.\r\n".to_vec(), 250, "2.0.0"),
        // So does a message of about the declared size refused for its framing.
        ("127.0.0.5", [&large(500)[..], b"bare\nLF\r\n.\r\n"].concat(), 554, "5.6.0"),
    ];
    for (from, message, code, enhanced) in cases {
        let mut c = relay.client_from(from).await;
        declare(&mut c).await;
        c.write(&message).await;
        c.read_reply().await.assert_code(code, enhanced);
        declare(&mut c).await;
        assert_eq!(budget.available_bytes(), BUDGET, "{from}: nothing is held before the data now");
    }
    let mut other = relay.client_from("127.0.0.2").await;
    declare(&mut other).await;
    assert!(BUDGET - budget.available_bytes() >= 3_200_000, "another address still has its size held");
    drop(other);
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_over_its_connection_or_message_rate_is_refused_and_others_are_not() {
    let limits = "connections_per_ip_per_minute = 2\nmessages_per_ip_per_minute = 1\n";
    let mut relay = TestRelay::start(&config(limits), &["delivery-stats"]).await;
    let mut first = relay.client().await;
    first.send_message("a@sender.test", &["b@example.test"], MSG).await.assert_code(250, "2.0.0");
    first.mail("a@sender.test").await.assert_code(450, "4.7.1");
    first.cmd("QUIT").await.assert_code(221, "2.0.0");
    let second = relay.client().await;
    let (_third, greeting) = Client::connect(relay.addr).await;
    greeting.assert_code(421, "4.7.0");
    let mut other = relay.client_from("127.0.0.2").await;
    other.send_message("a@sender.test", &["b@example.test"], MSG).await.assert_code(250, "2.0.0");
    drop(second);
    relay.stop().await;
}
