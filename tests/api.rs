//! The HTTP API against a real relay: scoped tokens (every endpoint refuses another
//! tenant's token and changes nothing), bad bodies named by field, live plugin-set
//! changes while mail flows, tenant settings reaching the plugin, quarantine release,
//! history with the data each plugin saw, and per-token rate limits.

use mxr_api::{Access, ROUTES};
use mxr_tests::fixtures::ours;
use mxr_tests::test_relay::{API_TOML, TestRelay, server_toml, tenant_toml};
use serde_json::Value;

const PLUGINS: &[(&str, &str)] = &[("spam-score", "spam-filtering"), ("delivery-stats", "statistics")];

async fn two_tenants(extra: &str) -> TestRelay {
    let config = server_toml("")
        + &format!("{API_TOML}{extra}")
        + &tenant_toml("acme", "acme.test", PLUGINS)
        + &tenant_toml("beta", "beta.test", PLUGINS);
    TestRelay::start(&config, &["spam-score", "delivery-stats"]).await
}

fn promo() -> Vec<u8> {
    std::fs::read(ours("plugins/promo-nl.eml")).unwrap()
}

/// Quarantines a copy of the promotion for `tenant` by lowering its threshold.
async fn quarantine_one(relay: &TestRelay, op: &str, tenant: &str) -> String {
    let body = r#"{"settings": "tag = 5.0\nquarantine = 5.0\nreject = 50.0\n"}"#;
    let path = format!("/api/tenants/{tenant}/settings/spam-score");
    assert_eq!(relay.api("put", &path, Some(op), Some(body)).await.status, 200);
    let mut c = relay.client().await;
    c.send_message("news@shop.test", &[&format!("x@{tenant}.test")], &promo()).await.assert_code(250, "2.0.0");
    relay.quarantined(tenant)[0].1.queue_id.clone()
}

/// Everything another tenant's calls could have changed or seen of `tenant`.
async fn state_of(relay: &TestRelay, op: &str, tenant: &str) -> (Value, usize, Vec<String>) {
    let stored = relay.api("get", &format!("/api/tenants/{tenant}"), Some(op), None).await.json();
    let tokens = relay.api("get", "/api/tokens", Some(op), None).await.json()["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| format!("{}{}", t["id"], t["revoked"]))
        .collect();
    (stored, relay.quarantined(tenant).len(), tokens)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_refuses_another_tenants_token_and_changes_nothing() {
    let mut relay = two_tenants("").await;
    let (op, acme) = (relay.token("operator"), relay.token("tenant:acme"));
    let beta_mail = quarantine_one(&relay, &op, "beta").await;
    let beta_token_id =
        relay.api("get", "/api/tokens", Some(&op), None).await.json()["tokens"][0]["id"].as_str().unwrap().to_owned();
    let before = state_of(&relay, &op, "beta").await;
    let body = r#"{"plugins": [], "settings": "x", "id": "beta", "domains": ["beta.test"], "next_hop": {"kind": "maildir"}, "scope": "operator"}"#;
    for (method, path, access, _) in ROUTES {
        let path = path
            .replace("{t}", "beta")
            .replace("{plugin}", "spam-score")
            .replace("{id}", if path.starts_with("/api/tokens") { &beta_token_id } else { &beta_mail });
        let anonymous = relay.api(method, &path, None, Some(body)).await;
        let foreign = relay.api(method, &path, Some(&acme), Some(body)).await;
        let expected = match access {
            Access::Public => (200, 200),
            Access::Token => (401, 200),
            Access::Tenant => (401, 404),
            Access::Operator => (401, 403),
            // The credential is the link in the body: a body without one is refused, token or not.
            Access::Link => (400, 400),
        };
        assert_eq!((anonymous.status, foreign.status), expected, "{method} {path}: {}", foreign.body);
        assert!(!foreign.body.contains("beta.test") && !foreign.body.contains("x@beta"), "{method} {path} leaked");
        if *access == Access::Tenant {
            assert_eq!(
                foreign.json()["error"],
                "no tenant beta",
                "the same answer as for a tenant that does not exist"
            );
        }
    }
    assert_eq!(relay.api("get", "/api/whoami", Some(&acme), None).await.json()["tenant"], "acme");
    assert_eq!(state_of(&relay, &op, "beta").await, before, "nothing of beta changed");
    let ghost = relay.api("get", "/api/tenants/nobody/chain", Some(&op), None).await;
    assert_eq!((ghost.status, ghost.json()["error"].as_str()), (404, Some("no tenant nobody")));
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_body_gets_a_400_naming_the_field_and_changes_nothing() {
    let mut relay = two_tenants("").await;
    let acme = relay.token("tenant:acme");
    let chain = "/api/tenants/acme/chain";
    let before = relay.api("get", chain, Some(&acme), None).await.json();
    let cases = [
        (r#"{"plugins": ["spam-score", "Spam Score"]}"#, "plugins[1]"),
        (r#"{"plugins": ["spam-score"], "authorise": {"spam-score": "world-domination"}}"#, "authorise.spam-score"),
        (r#"{"plugins": ["spam-score"], "authorise": {"delivery-stats": "statistics"}}"#, "authorise.delivery-stats"),
        (
            r#"{"plugins": ["spam-score"], "tighten": {"spam-score": {"email-address": "sideways"}}}"#,
            "tighten.spam-score",
        ),
        (r#"{"plugins": ["spam-score"], "colour": "red"}"#, "colour"),
        (r#"{"plugins": "#, "plugins"),
    ];
    for (body, field) in cases {
        let a = relay.api("put", chain, Some(&acme), Some(body)).await;
        assert_eq!(a.status, 400, "{body}: {}", a.body);
        assert_eq!(a.json()["field"].as_str().unwrap_or(""), field, "{body}: {}", a.body);
        assert!(!a.json()["error"].as_str().unwrap().is_empty());
    }
    assert_eq!(relay.api("get", chain, Some(&acme), None).await.json(), before, "no change");
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plugin_set_changes_live_while_mail_flows_and_no_transaction_fails() {
    let mut relay = two_tenants("").await;
    let acme = relay.token("tenant:acme");
    let (with, without) = (
        r#"{"plugins": ["spam-score", "delivery-stats"], "authorise": {"spam-score": "spam-filtering", "delivery-stats": "statistics"}}"#,
        r#"{"plugins": ["delivery-stats"], "authorise": {"delivery-stats": "statistics"}}"#,
    );
    let addr = relay.addr;
    let sender = tokio::spawn(async move {
        let mut codes = Vec::new();
        for i in 0..40 {
            let (mut c, _) = mxr_tests::smtp_client::Client::connect(addr).await;
            c.ehlo("client.test").await;
            let msg = format!("Subject: flow {i}\r\n\r\nHello.\r\n");
            codes.push(c.send_message("a@sender.test", &["b@acme.test"], msg.as_bytes()).await.code);
        }
        codes
    });
    for round in 0..6 {
        let body = if round % 2 == 0 { without } else { with };
        assert_eq!(relay.api("put", "/api/tenants/acme/chain", Some(&acme), Some(body)).await.status, 200);
        tokio::task::yield_now().await;
    }
    let codes = sender.await.unwrap();
    assert!(codes.iter().all(|c| *c == 250), "every transaction was accepted: {codes:?}");
    assert_eq!(relay.delivered("acme").len(), 40);
    relay.stop().await; // one audit record per plugin call, whichever chain each used
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenant_settings_reach_the_plugin_and_quarantined_mail_is_released_and_in_history() {
    let mut relay = two_tenants("").await;
    let (op, acme) = (relay.token("operator"), relay.token("tenant:acme"));
    let id = quarantine_one(&relay, &op, "acme").await;
    let list = relay.api("get", "/api/tenants/acme/quarantine", Some(&acme), None).await.json();
    assert_eq!(list["messages"][0]["id"], id.as_str());
    assert_eq!(list["messages"][0]["plugin"], "spam-score");
    let history = relay.api("get", "/api/tenants/acme/history?subject=x@acme.test", Some(&acme), None).await.json();
    let copy = &history["copies"][0];
    assert_eq!((copy["queue_id"].as_str(), copy["outcome"].as_str()), (Some(id.as_str()), Some("quarantined")));
    assert_eq!(copy["plugin"], "spam-score");
    assert!(copy["reason"].as_str().is_some_and(|r| !r.is_empty()), "the deciding plugin's reason: {copy}");
    assert_eq!(copy["reason"], list["messages"][0]["reason"], "as the quarantine shows it");
    let seen: Vec<(&str, &Value)> =
        copy["disclosures"].as_array().unwrap().iter().map(|d| (d["plugin"].as_str().unwrap(), &d["forms"])).collect();
    let stats = seen.iter().find(|(p, _)| *p == "delivery-stats").expect("delivery-stats ran");
    assert_eq!(stats.1["email-address"], "pseudonym", "which plugin saw which data in which form");
    let nobody = relay.api("get", "/api/tenants/acme/history?subject=nobody@acme.test", Some(&acme), None).await.json();
    assert_eq!(nobody["copies"].as_array().unwrap().len(), 0, "matched by the address's keyed token");
    let r = relay.api("post", &format!("/api/tenants/acme/quarantine/{id}/release"), Some(&acme), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(relay.delivered("acme").len(), 1);
    assert!(relay.quarantined("acme").is_empty());
    let metrics = relay.api("get", "/metrics", Some(&op), None).await;
    assert_eq!(metrics.header("content-type"), Some("text/plain; version=0.0.4; charset=utf-8"));
    let calls = r#"mxr_plugin_calls_total{tenant="acme",plugin="spam-score",stage="data",purpose="spam-filtering"} 1"#;
    assert!(metrics.body.contains(calls), "{}", metrics.body);
    relay.stop().await;
    let audited: Vec<String> = relay
        .audit_records()
        .iter()
        .filter_map(|r| match &r.event {
            mxr_audit::Event::Operator(o) => Some(format!("{} by {}", o.action.name(), o.operator)),
            _ => None,
        })
        .collect();
    let verbs: Vec<&str> = audited.iter().map(|a| a.split(' ').next().unwrap()).collect();
    assert_eq!(verbs, ["quarantine-list", "history-search", "history-search", "quarantine-release"], "{audited:?}");
    assert!(audited.iter().all(|a| a.contains("(tenant:acme)")), "by the tenant's token: {audited:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_over_its_budget_gets_429_and_others_do_not() {
    let mut relay = two_tenants("requests_per_minute = 3\n").await;
    let (acme, beta) = (relay.token("tenant:acme"), relay.token("tenant:beta"));
    for _ in 0..3 {
        assert_eq!(relay.api("get", "/api/whoami", Some(&acme), None).await.status, 200);
    }
    let over = relay.api("get", "/api/whoami", Some(&acme), None).await;
    assert_eq!(over.status, 429);
    assert!(over.header("retry-after").is_some_and(|s| s.parse::<u64>().is_ok_and(|n| (1..=60).contains(&n))));
    assert_eq!(relay.api("get", "/api/whoami", Some(&beta), None).await.status, 200);
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_description_lists_every_route() {
    let mut relay = two_tenants("").await;
    let doc = relay.api("get", "/api/openapi.json", None, None).await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    for (method, path, _, _) in ROUTES {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} is described");
    }
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_refuses_bad_settings_and_an_older_plugin_takes_them_as_given() {
    let plugins = [("spam-score", "spam-filtering"), ("legacy-filter", "statistics")];
    let config = server_toml("") + API_TOML + &tenant_toml("acme", "acme.test", &plugins);
    let mut relay = TestRelay::start(&config, &["spam-score", "legacy-filter"]).await;
    let acme = relay.token("tenant:acme");
    let path = "/api/tenants/acme/settings/spam-score";
    for (text, says) in [("tag = high", "is not a number"), ("tag = 12\\nquarantine = 10", "thresholds must rise")] {
        let a = relay.api("put", path, Some(&acme), Some(&format!(r#"{{"settings": "{text}"}}"#))).await;
        assert_eq!(a.status, 400, "{text}: {}", a.body);
        assert_eq!(a.json()["field"], "settings", "{}", a.body);
        assert!(a.json()["error"].as_str().unwrap().contains(says), "{text}: {}", a.body);
    }
    let stored = relay.api("get", path, Some(&acme), None).await.json();
    assert_eq!(stored["settings"], Value::Null, "a refused text changes nothing: {stored}");
    let a = relay.api("put", path, Some(&acme), Some(r#"{"settings": "tag = 3\nquarantine = 8\n"}"#)).await;
    assert_eq!(a.status, 200, "{}", a.body);

    // Built against the `filter` world alone: no check, so any text is taken, and the
    // plugin still runs and gets it.
    let legacy = "/api/tenants/acme/settings/legacy-filter";
    let a = relay.api("put", legacy, Some(&acme), Some(r#"{"settings": "whatever it likes"}"#)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let mut c = relay.client().await;
    c.send_message("a@sender.test", &["x@acme.test"], mxr_tests::CLEAN).await.assert_code(250, "2.0.0");
    let history = relay.api("get", "/api/tenants/acme/history", Some(&acme), None).await;
    assert!(history.body.contains("settings.17"), "the legacy plugin ran with the 17-byte text: {}", history.body);
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_finds_exports_and_erases_a_persons_mail_and_sees_its_requests() {
    let mut relay = two_tenants("").await;
    let (op, acme) = (relay.token("operator"), relay.token("tenant:acme"));
    let queued = quarantine_one(&relay, &op, "acme").await;
    let call = |verb: &'static str, body: String| {
        let (relay, acme) = (&relay, acme.clone());
        async move { relay.api("post", &format!("/api/tenants/acme/subjects/{verb}"), Some(&acme), Some(&body)).await }
    };
    let bad = call("find", r#"{"addresses": ["not an address"]}"#.into()).await;
    assert_eq!((bad.status, bad.json()["field"].as_str()), (400, Some("addresses")), "{}", bad.body);

    let found = call("find", r#"{"addresses": ["News@Shop.test"], "received": "2026-11-30"}"#.into()).await.json();
    let request = found["request"]["id"].as_str().expect("a request id").to_owned();
    assert_eq!(found["mail"].as_array().unwrap().len(), 1, "{found}");
    assert_eq!(
        (found["mail"][0]["place"].as_str(), found["mail"][0]["queue_id"].as_str()),
        (Some("quarantine"), Some(queued.as_str()))
    );
    assert!(found["mail"][0]["roles"].as_array().unwrap().iter().any(|r| r == "sender"), "{found}");

    let other = format!(r#"{{"addresses": ["carol@shop.test"], "request": "{request}"}}"#);
    let refused = call("erase", other).await;
    assert_eq!((refused.status, refused.json()["field"].as_str()), (400, Some("addresses")), "{}", refused.body);
    assert_eq!(relay.quarantined("acme").len(), 1, "a request continues only for the persons it is about");
    let next = format!(r#"{{"addresses": ["news@shop.test"], "request": "{request}"}}"#);
    let zip = call("export", next.clone()).await;
    assert_eq!((zip.status, zip.header("content-type")), (200, Some("application/zip")));
    for name in ["mail.zip", "manifest.json", "audit.json", "report.txt", &format!("quarantine-{queued}.eml")] {
        assert!(zip.body.contains(name), "the export holds {name}");
    }
    assert!(zip.body.contains("Subject:"), "the stored message itself is in the export");

    let erased = call("erase", next.clone()).await.json();
    assert_eq!(erased["mail"].as_array().unwrap().len(), 1, "{erased}");
    assert!(erased["report"].as_str().unwrap().contains("Audit records are kept"), "{erased}");
    assert!(relay.quarantined("acme").is_empty(), "the quarantined copy is gone");
    let after = call("find", next).await.json();
    assert!(after["mail"].as_array().unwrap().is_empty() && after["audit_records"].as_u64() > Some(0), "{after}");

    let listed = relay.api("get", "/api/tenants/acme/subjects/requests", Some(&acme), None).await.json();
    let steps: Vec<&str> =
        listed["requests"][0]["steps"].as_array().unwrap().iter().map(|s| s["kind"].as_str().unwrap()).collect();
    assert_eq!(steps, ["find", "export", "erase", "find"], "{listed}");
    assert_eq!(listed["requests"][0]["deadline"], "2026-12-03T00:00:00Z", "three working days after it arrived");
    relay.stop().await;
    let by: Vec<String> = relay
        .audit_records()
        .iter()
        .filter_map(|r| match &r.event {
            mxr_audit::Event::Operator(o) if o.action.name().starts_with("subject-") => Some(o.operator.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(by.len(), 2, "the export and the erasure, audited: {by:?}");
    assert!(by.iter().all(|o| o.contains("(tenant:acme)")), "by the tenant's token: {by:?}");
}
