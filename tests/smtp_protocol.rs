//! The protocol defects of issue 13, end to end: `<postmaster>` without a domain is
//! accepted and delivered, sender-routed recipients are refused unless their tenant
//! allows them, a non-ASCII recipient needs SMTPUTF8, and an IDN client name reaches
//! `Received:` as its A-label outside SMTPUTF8.

use mxr_tests::test_relay::{TestRelay, server_toml, server_toml_with, tenant_toml};

const MSG: &[u8] = b"Subject: ok\r\n\r\nfine\r\n";

fn stats(id: &str, domain: &str) -> String {
    tenant_toml(id, domain, &[("delivery-stats", "statistics")])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postmaster_without_a_domain_is_delivered_to_the_configured_address() {
    let config = server_toml_with("postmaster = \"abuse@example.test\"\n", "") + &stats("t1", "example.test");
    let mut relay = TestRelay::start(&config, &["delivery-stats"]).await;
    let mut c = relay.client().await;
    c.mail("a@sender.test").await.assert_code(250, "2.1.0");
    c.cmd("RCPT TO:<Postmaster>").await.assert_code(250, "2.1.5");
    c.data(MSG).await.assert_code(250, "2.0.0");
    let delivered = relay.delivered("t1");
    assert_eq!(delivered.len(), 1);
    let text = String::from_utf8_lossy(&delivered[0]);
    assert!(text.contains("for <abuse@example.test>"), "{text}");
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sender_routing_is_refused_unless_the_tenant_allows_it() {
    let open =
        stats("t2", "open.test").replace("[tenant.authorise]", "allow_sender_routing = true\n[tenant.authorise]");
    let config = server_toml("") + &stats("t1", "example.test") + &open;
    let mut relay = TestRelay::start(&config, &["delivery-stats"]).await;
    let mut c = relay.client().await;
    c.mail("a@sender.test").await.assert_code(250, "2.1.0");
    for routed in ["user%other.test@example.test", "other.test!user@example.test", "\"user@other.test\"@example.test"] {
        c.rcpt(routed).await.assert_code(550, "5.7.1");
    }
    c.rcpt("user%other.test@open.test").await.assert_code(250, "2.1.5");
    c.rcpt("b@example.test").await.assert_code(250, "2.1.5");
    c.cmd("QUIT").await.assert_code(221, "2.0.0");
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn utf8_needs_smtputf8_and_received_keeps_ascii_without_it() {
    let mut relay = TestRelay::start(&(server_toml("") + &stats("t1", "example.test")), &["delivery-stats"]).await;
    let mut c = relay.client().await;
    c.ehlo("bücher.example").await.assert_code(250, "");
    c.ehlo("no/such!name").await.assert_code(501, "5.5.2");
    c.ehlo("bücher.example").await.assert_code(250, "");
    c.mail("a@sender.test").await.assert_code(250, "2.1.0");
    c.rcpt("jöran@example.test").await.assert_code(553, "5.6.7");
    c.rcpt("b@example.test").await.assert_code(250, "2.1.5");
    c.data(MSG).await.assert_code(250, "2.0.0");
    let delivered = relay.delivered("t1");
    let received = delivered[0].split(|b| *b == b'\n').find(|l| l.starts_with(b"Received:")).unwrap().to_vec();
    let received = String::from_utf8(received).unwrap();
    assert!(received.starts_with("Received: from xn--bcher-kva.example "), "{received}");
    relay.stop().await;
}
