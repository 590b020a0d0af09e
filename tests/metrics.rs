//! The relay's metrics after a known run through real plugins over real SMTP, to a
//! Maildir and to a next hop that accepts, defers and refuses: the real `promtool
//! check metrics` accepts the text; the counts are what the run did, and the
//! disclosures are what the audit log recorded; no label carries an address or a
//! domain.

use mxr_audit::Event;
use mxr_tests::exposition::{MetricSample, promtool_check, samples, value};
use mxr_tests::sink::Sink;
use mxr_tests::smtp_client::Client;
use mxr_tests::test_relay::{NextHop, TestRelay, server_toml, tenant_toml, tenant_toml_via};
use mxr_tests::{LIVENESS, fixtures, wait_until_async};
use std::collections::BTreeMap;

/// (fixture, sender, recipients, reply): t1 (example.test, into its Maildir) runs
/// spam-score then attachment-guard at data; t2 (other.test, to a sink that refuses
/// `reject…` and defers `defer…` until it relents) runs `panics`, skipped when it fails.
const RUN: [(&str, &str, &[&str], u16); 4] = [
    ("plugins/clean.eml", "alice@sender.test", &["bob@example.test"], 250),
    ("plugins/spam-en.eml", "desk@winners.test", &["bob@example.test"], 550),
    ("plugins/macro-document.eml", "carol@sender.test", &["bob@example.test"], 250),
    ("plugins/clean.eml", "alice@sender.test", &["dave@other.test", "reject@other.test", "defer@other.test"], 250),
];

/// Every domain the run served or saw, and the relay's own name.
const DOMAINS: [&str; 5] = ["example.test", "other.test", "sender.test", "winners.test", "mx.test"];

/// Runs [`RUN`], each message from its own client address, lets the sink accept the
/// deferred recipient on the retry, then has a second connection from one address
/// refused (one session per address); waits until every copy (and the bounce) is
/// delivered and every session has ended.
async fn known_run() -> (TestRelay, Sink) {
    let (sink, bounces) = (Sink::start(None).await, Sink::start(None).await);
    let t1 = [("spam-score", "spam-filtering"), ("attachment-guard", "malware-scanning")];
    // The refused recipient's bounce goes through a relay of its own (else by MX).
    let config = server_toml("max_connections_per_ip = 1")
        + &format!("[queue]\nretry_base_secs = 1\nbounce_relay = \"{}\"\n", bounces.addr)
        + "[plugin.panics]\nfailure_policy = \"skip\"\n"
        + &tenant_toml("t1", "example.test", &t1)
        + &tenant_toml_via("t2", "other.test", &[("panics", "spam-filtering")], NextHop::Smtp(sink.addr, "none"));
    let relay = TestRelay::start(&config, &["spam-score", "attachment-guard", "panics"]).await;
    for (i, (fixture, from, to, code)) in RUN.iter().enumerate() {
        let raw = std::fs::read(fixtures::ours(fixture)).unwrap();
        let mut c = relay.client_from(&format!("127.0.0.{}", i + 2)).await;
        c.send_message(from, to, &raw).await.assert_code(*code, "");
    }
    assert_eq!(sink.wait_for(1).await[0].rcpts, ["dave@other.test"], "the first attempt delivers what it can");
    *sink.relent.lock().unwrap() = true;
    assert_eq!(sink.wait_for(2).await[1].rcpts, ["defer@other.test"], "the retry");
    let held = relay.client().await;
    let (_refused, greeting) = Client::connect(relay.addr).await;
    greeting.assert_code(421, "4.7.0");
    drop(held);
    assert_eq!(relay.delivered("t1").len(), 1, "the clean mail");
    assert_eq!(relay.quarantined("t1").len(), 1, "the macro document");
    let open = || value(&samples(&relay.relay.metrics.render()), "mxr_connections_open", &[]);
    wait_until_async(LIVENESS, "every session to end", || open() == Some(0.0)).await;
    (relay, sink)
}

/// The labels of one plugin call series.
fn call<'a>(tenant: &'a str, plugin: &'a str, purpose: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![("tenant", tenant), ("plugin", plugin), ("stage", "data"), ("purpose", purpose)]
}

/// `call` and one more label.
fn and<'a>(mut labels: Vec<(&'a str, &'a str)>, key: &'a str, v: &'a str) -> Vec<(&'a str, &'a str)> {
    labels.push((key, v));
    labels
}

/// Disclosures by (tenant, plugin, stage, purpose, category, form): as counted in `samples`.
fn counted_disclosures(samples: &[MetricSample]) -> BTreeMap<Vec<String>, f64> {
    let keys = ["tenant", "plugin", "stage", "purpose", "category", "form"];
    let of = |s: &MetricSample, k: &str| s.labels.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    (samples.iter().filter(|s| s.name == "mxr_plugin_disclosures_total"))
        .map(|s| (keys.iter().map(|k| of(s, k).unwrap_or_default()).collect(), s.value))
        .collect()
}

/// The same, as the audit log recorded them.
fn audited_disclosures(relay: &TestRelay) -> BTreeMap<Vec<String>, f64> {
    let mut out = BTreeMap::new();
    for r in relay.audit_records() {
        let Event::Disclosure(d) = r.event else { continue };
        for (category, form) in d.forms {
            let key = [&r.tenant, &d.plugin, &d.stage, &d.purpose, category.name(), form.name()];
            *out.entry(key.iter().map(|k| k.to_string()).collect()).or_insert(0.0) += 1.0;
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_known_run_passes_promtool_and_counts_what_happened() {
    let (mut relay, _sink) = known_run().await;
    let text = relay.relay.metrics.render();
    if let Err(said) = promtool_check(&text) {
        panic!("promtool check metrics refused the output:\n{said}\n---\n{text}");
    }
    let s = samples(&text);
    let (spam, guard) =
        (call("t1", "spam-score", "spam-filtering"), call("t1", "attachment-guard", "malware-scanning"));
    let panics = call("t2", "panics", "spam-filtering");
    for (labels, calls) in [(&spam, 3.0), (&guard, 2.0), (&panics, 1.0)] {
        assert_eq!(value(&s, "mxr_plugin_calls_total", labels), Some(calls), "{labels:?}\n{text}");
        assert_eq!(value(&s, "mxr_plugin_own_time_seconds_count", labels), Some(calls), "{labels:?}");
    }
    assert!(value(&s, "mxr_plugin_own_time_seconds_sum", &spam).is_some_and(|t| t > 0.0), "own time was measured");
    let verdicts =
        [(&spam, "reject", 1.0), (&spam, "continue", 2.0), (&guard, "quarantine", 1.0), (&guard, "continue", 1.0)];
    for (labels, verdict, n) in verdicts {
        assert_eq!(
            value(&s, "mxr_plugin_verdicts_total", &and(labels.clone(), "verdict", verdict)),
            Some(n),
            "{verdict}"
        );
    }
    assert_eq!(value(&s, "mxr_plugin_failures_total", &and(panics.clone(), "class", "trap")), Some(1.0));
    let content = and(and(spam.clone(), "category", "content"), "form", "full");
    assert_eq!(value(&s, "mxr_plugin_disclosures_total", &content), Some(3.0), "spam-score read each message's text");
    assert_eq!(counted_disclosures(&s), audited_disclosures(&relay), "the metrics and the audit log disagree");
    // Delivered: the clean mail, dave's, defer's on the retry, and the bounce for reject.
    let deliveries = [("delivered", "2.0.0", 4.0), ("deferred", "4.2.0", 1.0), ("failed", "5.1.1", 1.0)];
    for (result, status, n) in deliveries {
        let labels = [("result", result), ("status", status)];
        assert_eq!(value(&s, "mxr_deliveries_total", &labels), Some(n), "{result} {status}");
    }
    assert_eq!(s.iter().filter(|s| s.name == "mxr_deliveries_total").count(), 3, "no other results");
    assert_eq!(value(&s, "mxr_connections_accepted_total", &[]), Some(5.0), "four senders and the held session");
    assert_eq!(value(&s, "mxr_connections_refused_total", &[("reason", "address-sessions")]), Some(1.0));
    assert_eq!(value(&s, "mxr_connections_refused_total", &[("reason", "server-full")]), Some(0.0));
    assert_eq!(value(&s, "mxr_queue_copies", &[]), Some(0.0), "everything delivered");
    assert_eq!(value(&s, "mxr_queue_oldest_age_seconds", &[]), Some(0.0));

    let key = mxr_audit::NodeSigner::from_seed(&relay.relay.chain.keys.node_signing_seed().unwrap()).public();
    let report = mxr_audit::verify_dir(&relay.data_dir(), &key).unwrap();
    assert!(report.unsigned > 0, "the run wrote records no checkpoint covers yet");
    assert_eq!(value(&s, "mxr_audit_unsigned_records", &[]), Some(report.unsigned as f64));
    assert!(value(&s, "mxr_audit_checkpoint_age_seconds", &[]).is_some_and(|age| age > 0.0));
    relay.stop().await; // signs the last checkpoint
    let s = samples(&relay.relay.metrics.render());
    assert_eq!(value(&s, "mxr_audit_unsigned_records", &[]), Some(0.0));
    assert_eq!(value(&s, "mxr_audit_checkpoint_age_seconds", &[]), Some(0.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_label_value_is_an_address_or_a_domain() {
    let (mut relay, _sink) = known_run().await;
    let text = relay.relay.metrics.render();
    let s = samples(&text);
    assert!(s.iter().any(|s| s.name == "mxr_plugin_disclosures_total"), "the run disclosed something: {text}");
    for sample in &s {
        for (key, v) in &sample.labels {
            assert!(!v.contains('@'), "an address in {key}={v:?} of {}", sample.name);
            for domain in DOMAINS {
                assert!(!v.contains(domain), "the domain {domain} in {key}={v:?} of {}", sample.name);
            }
            // Bucket bounds and status codes are numbers; every other value is an id.
            let id = v.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            assert!(id || key == "le" || key == "status", "{key}={v:?} of {} is not an id", sample.name);
        }
    }
    assert!(!text.contains('@'), "an address somewhere in the text:\n{text}");
    relay.stop().await;
}
