//! The quarantine digest against a real relay: set through the API (a bad setting is
//! refused by field), sent at the tenant's interval only when something new was held,
//! through the bounce relay from the null sender, audited; its links expire, and
//! without a bounce relay nothing is sent.

use mxr_audit::{Event, OperatorVerb};
use mxr_digest::link::LinkError;
use mxr_digest::{DIGEST_ACTOR, DigestError, LINK_SECS};
use mxr_tests::fixtures::ours;
use mxr_tests::sink::Sink;
use mxr_tests::test_relay::{API_TOML, TestRelay, server_toml, tenant_toml, unix_now};
use std::time::Duration;

const HOUR: Duration = Duration::from_secs(3600);

/// A relay whose acme quarantines promotions, its bounces (and digests) going to
/// `bounce_relay` when there is one.
async fn acme_relay(bounce_relay: Option<std::net::SocketAddr>) -> TestRelay {
    let queue = bounce_relay.map_or_else(String::new, |a| format!("[queue]\nbounce_relay = \"{a}\"\n"));
    let config = server_toml("")
        + &queue
        + API_TOML
        + "[plugin.spam-score]\nconfig = \"quarantine = 5.0\\nreject = 50.0\\n\"\n"
        + &tenant_toml("acme", "acme.test", &[("spam-score", "spam-filtering")]);
    TestRelay::start(&config, &["spam-score"]).await
}

async fn quarantine_promo(relay: &TestRelay) {
    let promo = std::fs::read(ours("plugins/promo-nl.eml")).unwrap();
    let mut c = relay.client().await;
    c.send_message("news@shop.test", &["x@acme.test"], &promo).await.assert_code(250, "2.0.0");
}

async fn set_digest(relay: &TestRelay, token: &str, body: &str) -> mxr_tests::http::Answer {
    relay.api("put", "/api/tenants/acme/digest", Some(token), Some(body)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_digest_lists_only_new_mail_at_the_tenants_interval() {
    let sink = Sink::start(None).await;
    let mut relay = acme_relay(Some(sink.addr)).await;
    let acme = relay.token("tenant:acme");
    for (body, field) in [
        (r#"{"to": "not-an-address", "every_hours": 1}"#, "to"),
        (r#"{"to": "pm@acme.test", "every_hours": 0}"#, "every_hours"),
        (r#"{"to": "pm@acme.test", "every_hours": 1, "cc": "x"}"#, "cc"),
    ] {
        let refused = set_digest(&relay, &acme, body).await;
        assert_eq!((refused.status, refused.json()["field"].as_str()), (400, Some(field)), "{body}: {}", refused.body);
    }
    let unset = relay.api("get", "/api/tenants/acme/digest", Some(&acme), None).await.json();
    assert!(unset["digest"].is_null(), "refused settings change nothing: {unset}");
    assert_eq!(set_digest(&relay, &acme, r#"{"to": "pm@acme.test", "every_hours": 1}"#).await.status, 200);

    assert!(relay.send_digests(Duration::ZERO).is_empty(), "nothing held: no digest");
    quarantine_promo(&relay).await;
    assert_eq!(relay.send_digests(Duration::ZERO), ["acme"]);
    quarantine_promo(&relay).await;
    assert!(relay.send_digests(HOUR / 2).is_empty(), "not due before the hour is up");
    assert_eq!(relay.send_digests(HOUR + Duration::from_secs(60)), ["acme"]);
    assert!(relay.send_digests(3 * HOUR).is_empty(), "nothing new since");

    let got = sink.wait_for(2).await;
    let texts: Vec<String> = got.iter().map(|m| String::from_utf8_lossy(&m.data).into_owned()).collect();
    let held: Vec<String> = relay.quarantined("acme").into_iter().map(|(_, r)| r.queue_id).collect();
    assert_eq!(held.len(), 2);
    for (text, m) in texts.iter().zip(&got) {
        assert_eq!((m.from.as_str(), m.rcpts.as_slice()), ("", &["pm@acme.test".to_owned()][..]));
        assert!(text.contains("1 new message(s) held"), "{text}");
    }
    // Each lists the one message new to it.
    let listed = |text: &str| held.iter().filter(|q| text.contains(&format!(".{q}."))).count();
    assert_eq!((listed(&texts[0]), listed(&texts[1])), (1, 1));
    assert_ne!(texts[0].lines().find(|l| l.contains("Release:")), texts[1].lines().find(|l| l.contains("Release:")));

    // What the digests showed is audited, once per digest, by the digest.
    let audited = relay
        .audit_records()
        .into_iter()
        .filter(|r| matches!(&r.event, Event::Operator(a) if a.operator == DIGEST_ACTOR && a.action == OperatorVerb::QuarantineList))
        .count();
    assert_eq!(audited, 2);
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_expires_and_nothing_goes_without_a_bounce_relay() {
    let sink = Sink::start(None).await;
    let mut relay = acme_relay(Some(sink.addr)).await;
    let acme = relay.token("tenant:acme");
    assert_eq!(set_digest(&relay, &acme, r#"{"to": "pm@acme.test", "every_hours": 24}"#).await.status, 200);
    quarantine_promo(&relay).await;
    assert_eq!(relay.send_digests(Duration::ZERO), ["acme"]);
    let text = String::from_utf8_lossy(&sink.wait_for(1).await[0].data).into_owned();
    let link = text.split("#release=").nth(1).and_then(|l| l.lines().next()).expect("a link").trim().to_owned();
    let late = relay.relay.digests.release(&link, unix_now() + LINK_SECS + 60);
    assert!(matches!(late, Err(DigestError::Link(LinkError::Expired))), "{late:?}");
    assert_eq!(relay.quarantined("acme").len(), 1, "an expired link releases nothing");
    let refused = relay.api("post", "/api/release-link", None, Some(r#"{"link": "acme.x.1.2.3"}"#)).await;
    assert_eq!((refused.status, refused.json()["field"].as_str()), (400, Some("link")));
    relay.stop().await;

    let mut quiet = acme_relay(None).await;
    let acme = quiet.token("tenant:acme");
    assert_eq!(set_digest(&quiet, &acme, r#"{"to": "pm@acme.test", "every_hours": 1}"#).await.status, 200);
    quarantine_promo(&quiet).await;
    assert!(quiet.send_digests(Duration::ZERO).is_empty(), "no bounce relay, no digest");
    assert_eq!(mxr_tests::test_relay::spooled(&quiet.data_dir().join("spool")), 0);
    quiet.stop().await;
}
