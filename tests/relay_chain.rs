//! The filter chain end to end over SMTP, with real plugin components: every verdict at
//! every stage, failure policies, a missing plugin, purpose authorisation, tenant
//! tightening, hot reload while sessions run, and every mail-parser fixture through the
//! ready-to-try default.

use mxr_tests::smtp_client::to_crlf;
use mxr_tests::test_relay::{TestRelay, original_part, server_toml, tenant_toml};
use mxr_tests::{component, fixtures, wait_until_async};
use std::time::Duration;

const MSG: &[u8] =
    b"Subject: chain\r\nMessage-ID: <c@sender.test>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0100\r\n\r\nbody\r\n";

fn verdicts(config: &str, policy: &str) -> String {
    server_toml("")
        + &format!("[plugin.verdicts]\nconfig = {config:?}\nfailure_policy = {policy:?}\n")
        + &tenant_toml("t1", "example.test", &[("verdicts", "spam-filtering"), ("delivery-stats", "statistics")])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_verdict_at_every_stage() {
    // (config, reply to RCPT, reply to DATA, delivered, quarantined)
    let cases: &[(&str, (u16, &str), (u16, &str), usize, usize)] = &[
        ("", (250, "2.1.5"), (250, "2.0.0"), 1, 0),
        ("connect = reject", (550, "5.7.1 Rejected at connect"), (554, "5.5.1"), 0, 0),
        ("mail-from = tempfail", (451, "4.7.1 Try again later (mail-from)"), (554, "5.5.1"), 0, 0),
        ("rcpt = reject", (550, "5.7.1 Rejected at rcpt"), (554, "5.5.1"), 0, 0),
        ("data = reject", (250, "2.1.5"), (550, "5.7.1 Rejected at data"), 0, 0),
        ("data = tempfail", (250, "2.1.5"), (451, "4.7.1"), 0, 0),
        ("data = discard", (250, "2.1.5"), (250, "2.0.0"), 0, 0),
        ("data = quarantine", (250, "2.1.5"), (250, "2.0.0"), 0, 1),
        ("rcpt = quarantine", (250, "2.1.5"), (250, "2.0.0"), 0, 1),
        ("data = accept", (250, "2.1.5"), (250, "2.0.0"), 1, 0),
    ];
    assert!(!cases.is_empty());
    for (config, rcpt, data, delivered, quarantined) in cases {
        let mut relay = TestRelay::start(&verdicts(config, "tempfail"), &["verdicts", "delivery-stats"]).await;
        let mut c = relay.client().await;
        c.mail("a@sender.test").await.assert_code(250, "2.1.0");
        c.rcpt("b@example.test").await.assert_code(rcpt.0, rcpt.1);
        c.data(MSG).await.assert_code(data.0, data.1);
        assert_eq!(relay.delivered("t1").len(), *delivered, "{config}: delivered");
        let q = relay.quarantined("t1");
        assert_eq!(q.len(), *quarantined, "{config}: quarantined");
        if let Some((eml, meta)) = q.first() {
            assert_eq!(meta.plugin, "verdicts");
            assert!(meta.reason.starts_with("quarantined at"));
            assert_eq!(
                (meta.mail_from.as_str(), meta.rcpts.as_slice()),
                ("a@sender.test", ["b@example.test".to_owned()].as_slice())
            );
            assert_eq!(original_part(eml, &["X-Verdicts-Stage"]), MSG);
        }
        relay.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scores_tags_and_headers_from_every_stage_are_added() {
    let mut relay = TestRelay::start(&verdicts("", "tempfail"), &["verdicts", "delivery-stats"]).await;
    let mut c = relay.client().await;
    c.send_message("a@sender.test", &["b@example.test"], MSG).await.assert_code(250, "2.0.0");
    let got = String::from_utf8_lossy(&relay.delivered("t1")[0]).into_owned();
    assert!(got.contains("X-Mxr-Score: 4.0\r\n"), "one point per stage: {got}");
    assert!(got.contains("seen.connect seen.data seen.mail-from seen.rcpt"), "{got}");
    for stage in ["connect", "mail-from", "rcpt", "data"] {
        assert!(got.contains(&format!("X-Verdicts-Stage: {stage}\r\n")), "{got}");
    }
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_plugin_follows_its_failure_policy() {
    for (policy, code, delivered) in [("tempfail", (451, "4.3.0"), 0), ("skip", (250, "2.0.0"), 1)] {
        let config = server_toml("")
            + &format!("[plugin.panics]\nfailure_policy = {policy:?}\n")
            + &tenant_toml("t1", "example.test", &[("panics", "spam-filtering"), ("delivery-stats", "statistics")]);
        let mut relay = TestRelay::start(&config, &["panics", "delivery-stats"]).await;
        let mut c = relay.client().await;
        c.send_message("a@sender.test", &["b@example.test"], MSG).await.assert_code(code.0, code.1);
        assert_eq!(relay.delivered("t1").len(), delivered, "{policy}");
        relay.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_plugin_follows_the_same_policy() {
    for (policy, code) in [("tempfail", (451, "4.3.0")), ("skip", (250, "2.1.5"))] {
        let config = server_toml("")
            + &format!("[plugin.ghost]\nfailure_policy = {policy:?}\n")
            + &tenant_toml("t1", "example.test", &[("ghost", "spam-filtering"), ("delivery-stats", "statistics")]);
        let mut relay = TestRelay::start(&config, &["delivery-stats"]).await;
        let mut c = relay.client().await;
        c.mail("a@sender.test").await.assert_code(250, "2.1.0");
        c.rcpt("b@example.test").await.assert_code(code.0, code.1);
        relay.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_runs_only_for_the_purpose_its_tenant_authorised() {
    // spam-score declares spam-filtering; this tenant authorised it for statistics only.
    let config = server_toml("") + &tenant_toml("t1", "example.test", &[("spam-score", "statistics")]);
    let mut relay = TestRelay::start(&config, &["spam-score"]).await;
    let mut c = relay.client().await;
    let spam = std::fs::read(fixtures::ours("plugins/spam-en.eml")).unwrap();
    c.send_message("desk@winners.test", &["b@example.test"], &spam).await.assert_code(250, "2.0.0");
    let got = String::from_utf8_lossy(&relay.delivered("t1")[0]).into_owned();
    assert!(!got.contains("X-Spam-Score"), "spam-score must not have run: {got}");
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_tightens_a_plugins_grant() {
    let config = server_toml("")
        + &tenant_toml("t1", "example.test", &[("delivery-stats", "statistics")])
        + "[tenant.tighten.delivery-stats]\nemail-address = \"withheld\"\n";
    let mut relay = TestRelay::start(&config, &["delivery-stats"]).await;
    let mut c = relay.client().await;
    c.send_message("a@sender.test", &["b@example.test"], MSG).await.assert_code(250, "2.0.0");
    let got = String::from_utf8_lossy(&relay.delivered("t1")[0]).into_owned();
    let tags = got.lines().find(|l| l.starts_with("X-Mxr-Tags:")).expect("tags");
    assert_eq!(tags, "X-Mxr-Tags: from-domain.none rcpts.le1 size.le4096", "the sender's domain was withheld");
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hot_reload_while_sessions_run() {
    let mut relay = TestRelay::start(&verdicts("data = reject", "skip"), &["verdicts", "delivery-stats"]).await;
    let mut before = relay.client().await;
    before.mail("a@sender.test").await.assert_code(250, "2.1.0");
    before.rcpt("b@example.test").await.assert_code(250, "2.1.5");

    let file = relay.relay.config.plugins.dir.join("verdicts.wasm");
    std::fs::remove_file(&file).unwrap();
    let registry = relay.relay.registry.clone();
    wait_until_async(Duration::from_secs(20), "the reload", || registry.snapshot().get("verdicts").is_none()).await;
    let mut after = relay.client().await;
    after.send_message("a@sender.test", &["b@example.test"], MSG).await.assert_code(250, "2.0.0");
    // The transaction that began before the swap finishes on its own set.
    before.data(MSG).await.assert_code(550, "5.7.1 Rejected at data");

    std::fs::copy(component("verdicts"), &file).unwrap();
    wait_until_async(Duration::from_secs(20), "the re-add", || registry.snapshot().get("verdicts").is_some()).await;
    let mut again = relay.client().await;
    again.mail("a@sender.test").await.assert_code(250, "2.1.0");
    again.rcpt("b@example.test").await.assert_code(250, "2.1.5");
    again.data(MSG).await.assert_code(550, "5.7.1");
    assert_eq!(relay.delivered("t1").len(), 1);
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mail_parser_fixture_through_the_ready_default() {
    let examples = ["spam-score", "attachment-guard", "sender-policy", "delivery-stats"];
    let mut relay = TestRelay::start(mxr_config::READY_DEFAULT_TOML, &examples).await;
    let emls = fixtures::mail_parser_emls();
    assert!(emls.len() > 50);
    let (mut delivered, mut refused, mut quarantined) = (0, 0, 0);
    let mut c = relay.client().await;
    for eml in &emls {
        // As a sending MTA would put it on the wire: CRLF line ends, ending in CRLF.
        let mut sent = to_crlf(&std::fs::read(eml).unwrap());
        if !sent.ends_with(b"\r\n") {
            sent.extend_from_slice(b"\r\n");
        }
        let before = relay.delivered("example").len();
        let q_before = relay.quarantined("example").len();
        let reply = c.send_message("sender@origin.test", &["bob@example.test"], &sent).await;
        match reply.code {
            250 if relay.delivered("example").len() == before + 1 => {
                let got = relay.delivered("example").pop().unwrap();
                assert_eq!(
                    original_part(&got, &["X-Spam-Score"]),
                    sent.as_slice(),
                    "{} not byte-identical",
                    eml.display()
                );
                delivered += 1;
            }
            250 => {
                assert_eq!(
                    relay.quarantined("example").len(),
                    q_before + 1,
                    "{}: 250 but neither delivered nor quarantined",
                    eml.display()
                );
                quarantined += 1;
            }
            500..=599 => {
                assert!(reply.lines[0].len() > 6, "{}: a refusal says why: {reply:?}", eml.display());
                refused += 1;
            }
            _ => panic!("{}: {reply:?}", eml.display()),
        }
    }
    assert!(delivered > emls.len() / 2, "delivered {delivered}, quarantined {quarantined}, refused {refused}");
    eprintln!("fixtures: {delivered} delivered, {quarantined} quarantined, {refused} refused");
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugins_own_limits_apply_below_the_global_ones() {
    // 1 MiB is below a Rust plugin's initial memory: with its own cap in force, counter
    // cannot even start, and (policy skip) the message goes through untagged. Without
    // it, counter runs under the global 32 MiB and tags `count.1`.
    let config = server_toml("")
        + "[plugins]\nmemory_mb = 32\n[plugin.counter]\nmemory_mb = 1\nfailure_policy = \"skip\"\n"
        + &tenant_toml("t1", "example.test", &[("counter", "statistics")]);
    let mut relay = TestRelay::start(&config, &["counter"]).await;
    let mut c = relay.client().await;
    c.send_message("a@sender.test", &["b@example.test"], MSG).await.assert_code(250, "2.0.0");
    let got = String::from_utf8_lossy(&relay.delivered("t1")[0]).into_owned();
    assert!(!got.contains("count.1"), "{got}");
    let p = relay.relay.registry.snapshot().get("counter").unwrap().clone();
    assert_eq!(p.stats.snapshot().failures_of(mxr_sandbox::FailureClass::OutOfMemory), 1);
    relay.stop().await;
}
