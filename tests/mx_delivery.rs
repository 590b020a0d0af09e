//! Delivery by MX lookup against a real DNS server on loopback (`support/dns.rs`):
//! a tenant's `next_hop.kind = "mx"` goes to the most preferred MX host, falls back to
//! the next on a 4xx and on a refused connection, uses the domain's own address
//! without MX, and waits (never bounces) when the lookup fails for now. Bounces go to
//! the MX of the sender's domain; one that would loop (a served domain, an MX host
//! that is this node) is dropped and counted.
//!
//! MX hosts are sinks on 127.0.0.2 and 127.0.0.3 (and nothing on 127.0.0.4) on one
//! port, which `[delivery] mx_port` names.

use mxr_tests::dns::TestDns;
use mxr_tests::sink::Sink;
use mxr_tests::test_relay::{NextHop, TestRelay, server_toml, tenant_toml_via};
use mxr_tests::{LIVENESS, wait_for};
use std::net::SocketAddr;
use std::sync::atomic::Ordering::SeqCst;

const MSG: &[u8] = b"From: ann@sender.test\r\nSubject: by MX\r\nMessage-ID: <m@sender.test>\r\n\r\nHello by MX.\r\n";

/// Sinks on 127.0.0.2 and 127.0.0.3, on one port.
async fn two_sinks() -> (Sink, Sink) {
    let first = Sink::start(Some("127.0.0.2:0".parse().unwrap())).await;
    let second = Sink::start(Some(SocketAddr::new("127.0.0.3".parse().unwrap(), first.addr.port()))).await;
    (first, second)
}

/// The test zones: the customer's domains (MX listed least preferred first, so the
/// order is the resolver's doing), the sender's, and one whose MX is this node.
fn zones() -> TestDns {
    TestDns::start(&[
        (
            "customer.test",
            "@ MX 20 mx2\n@ MX 10 mx1\nmx1 A 127.0.0.2\nmx2 A 127.0.0.3\n\
             refused MX 10 down\nrefused MX 20 mx2\ndown A 127.0.0.4\n\
             implicit A 127.0.0.2\n",
        ),
        ("sender.test", "@ MX 10 mx\nmx A 127.0.0.3\n"),
        ("looping.test", "@ MX 10 mx.test.\n"),
    ])
}

/// A relay whose tenant `acme` (acme.test) delivers to the MX of `domain`, MX hosts
/// on `port`, retrying after a second.
async fn relay(dns: &TestDns, port: u16, domain: &str) -> TestRelay {
    let config = server_toml("")
        + &format!("[dns]\nservers = [\"{}\"]\ntimeout_ms = 500\nauthenticate = false\n", dns.addr)
        + &format!("[delivery]\nmx_port = {port}\nconnect_timeout_secs = 5\n")
        + "[queue]\nretry_base_secs = 1\n"
        + &tenant_toml_via("acme", "acme.test", &[], NextHop::Mx(domain));
    TestRelay::start(&config, &[]).await
}

/// The zones, the sinks on 127.0.0.2 and 127.0.0.3, and a relay delivering acme's
/// mail to the MX of `domain` on the sinks' port.
async fn started(domain: &str) -> ([Sink; 2], TestRelay) {
    let dns = zones();
    let (mx1, mx2) = two_sinks().await;
    let relay = relay(&dns, mx1.addr.port(), domain).await;
    ([mx1, mx2], relay)
}

async fn send(relay: &TestRelay, from: &str, rcpts: &[&str]) {
    relay.client().await.send_message(from, rcpts, MSG).await.assert_code(250, "2.0.0");
}

/// Sends one message to acme, whose next hop is the MX of `domain`, with the host on
/// 127.0.0.2 answering 4xx when `busy`; waits until the sink `reached` (0: on
/// 127.0.0.2, 1: on 127.0.0.3) has it and the spool is empty. Returns both sinks.
async fn delivered_via(domain: &str, busy: bool, reached: usize) -> [Sink; 2] {
    let (sinks, relay) = started(domain).await;
    sinks[0].busy.store(busy, SeqCst);
    send(&relay, "ann@sender.test", &["bob@acme.test"]).await;
    assert_eq!(sinks[reached].wait_for(1).await[0].rcpts, ["bob@acme.test"]);
    relay.wait_for_delivery();
    sinks
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_most_preferred_mx_host_gets_the_mail() {
    let [_, mx2] = delivered_via("customer.test", false, 0).await;
    assert!(mx2.asked.lock().unwrap().is_empty(), "the less preferred host is not asked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_4xx_moves_on_to_the_next_mx_host() {
    let [mx1, _] = delivered_via("customer.test", true, 1).await;
    assert_eq!(mx1.asked.lock().unwrap().as_slice(), ["bob@acme.test"], "the preferred host was asked first");
    assert!(mx1.accepted.lock().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_connection_moves_on_to_the_next_mx_host() {
    // Its preferred MX host is on 127.0.0.4, where nothing listens.
    delivered_via("refused.customer.test", false, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_domain_without_mx_gets_its_mail_at_its_own_address() {
    delivered_via("implicit.customer.test", false, 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lookup_that_fails_for_now_is_retried_never_bounced() {
    // unserved.example is outside .test: the server refuses, a temporary failure.
    let ([_, sender_mx], relay) = started("unserved.example").await;
    send(&relay, "ann@sender.test", &["bob@acme.test"]).await;
    let spool = relay.relay.chain.spool.clone();
    wait_for(LIVENESS, "a second attempt of the copy", || {
        let retried = spool.entries().iter().any(|(env, _)| env.tenant == "acme" && env.attempts >= 2);
        std::future::ready(retried.then_some(()))
    })
    .await;
    assert_eq!(spool.entries().len(), 1, "the copy waits in the spool, and no bounce was made");
    assert!(sender_mx.asked.lock().unwrap().is_empty(), "the sender got no bounce");
    let metrics = relay.relay.metrics.render();
    assert!(metrics.contains(r#"mxr_deliveries_total{result="deferred",status="4.4.3"}"#), "{metrics}");
}

/// Sends one message from ann@sender.test to `rcpts` at acme, whose next hop is the MX
/// of `domain` (on 127.0.0.2); checks that the sender's MX host (127.0.0.3) gets a
/// bounce from the null sender reporting `failed` with `status`. Returns the sinks.
async fn bounced(domain: &str, rcpts: &[&str], failed: &str, status: &str) -> [Sink; 2] {
    let ([customer_mx, sender_mx], relay) = started(domain).await;
    send(&relay, "ann@sender.test", rcpts).await;
    let dsn = sender_mx.wait_for(1).await.remove(0);
    assert_eq!((dsn.from.as_str(), dsn.rcpts.as_slice()), ("", ["ann@sender.test".to_owned()].as_slice()));
    let text = String::from_utf8_lossy(&dsn.data);
    let report = format!("Final-Recipient: rfc822; {failed}\r\nAction: failed\r\nStatus: {status}");
    assert!(text.contains(&report), "{report:?} in {text}");
    relay.wait_for_delivery();
    [customer_mx, sender_mx]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bounce_goes_to_the_mx_of_the_senders_domain() {
    let rcpts = ["bob@acme.test", "reject@acme.test"];
    let [customer_mx, _] = bounced("customer.test", &rcpts, "reject@acme.test", "5.1.1").await;
    assert_eq!(customer_mx.accepted.lock().unwrap()[0].rcpts, ["bob@acme.test"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_domain_that_does_not_exist_bounces_with_its_code() {
    bounced("nowhere.customer.test", &["bob@acme.test"], "bob@acme.test", "5.1.2").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bounce_that_would_loop_is_dropped_and_counted() {
    let ([customer_mx, sender_mx], relay) = started("customer.test").await;
    // Its MX host is this node (server.hostname mx.test); the other is served here.
    send(&relay, "eve@looping.test", &["reject@acme.test"]).await;
    send(&relay, "eve@acme.test", &["reject@acme.test"]).await;
    relay.wait_for_delivery();
    assert_eq!(customer_mx.asked.lock().unwrap().len(), 2, "both copies were tried and refused");
    assert!(sender_mx.asked.lock().unwrap().is_empty() && customer_mx.accepted.lock().unwrap().is_empty());
    let metrics = relay.relay.metrics.render();
    assert!(metrics.contains(r#"mxr_deliveries_total{result="failed",status="5.4.6"} 2"#), "{metrics}");
}
