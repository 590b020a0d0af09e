//! The customer console in a real browser (Debian's headless Chromium through its
//! chromedriver) against a real relay serving the API: a customer signs in with their
//! tenant token, reads the data labels, changes their plugin set and settings, sends
//! mail through the relay over SMTP, finds its outcome and what each plugin saw in the
//! history, and releases it from quarantine, or, signed out, with a digest mail's
//! release link; and answers a person's request (find, export, erase). Each test
//! asserts on what the page shows
//! (and on the relay's state behind it) and keeps a screenshot in
//! `target/console-screenshots/<test>.png`.

use mxr_tests::browser::Browser;
use mxr_tests::fixtures::ours;
use mxr_tests::sink::Sink;
use mxr_tests::test_relay::{API_TOML, TestRelay, server_toml, tenant_toml};

/// acme's chain at the start; delivery-stats is loaded but not in it.
const PLUGINS: &[(&str, &str)] = &[("sender-policy", "spam-filtering"), ("spam-score", "spam-filtering")];

async fn relay() -> TestRelay {
    let config = server_toml("")
        + API_TOML
        + &tenant_toml("acme", "acme.test", PLUGINS)
        + &tenant_toml("beta", "beta.test", &[("spam-score", "spam-filtering")]);
    TestRelay::start(&config, &["sender-policy", "spam-score", "delivery-stats"]).await
}

/// The console's address on the relay's API listener.
fn console_url(relay: &TestRelay) -> String {
    format!("http://{}/", relay.api_addr.expect("the API listens"))
}

/// A browser on the console, signed in with `token` as tenant `tenant`.
async fn signed_in(relay: &TestRelay, token: &str, tenant: &str) -> Browser {
    let b = Browser::start().await;
    b.client.goto(&console_url(relay)).await.unwrap();
    b.fill("token", token).await;
    b.click("sign-in").await;
    b.wait_text("[data-testid=signed-in-as]", &format!("Signed in for {tenant}")).await;
    b
}

/// In the settings tab, gives spam-score the tenant's own thresholds: promotions (a
/// score of 7.5) are quarantined, not delivered.
async fn quarantine_promotions(b: &Browser) {
    b.click("tab-settings").await;
    b.choose("settings-plugin", "spam-score").await;
    b.wait_text("[data-testid=settings-for]", "Settings of spam-score").await;
    b.fill("settings-text", "tag = 5.0\nquarantine = 5.0\nreject = 50.0\n").await;
    b.click("save-settings").await;
    b.wait_text("[data-testid=settings-status]", "Saved the settings of spam-score").await;
}

/// Through the console, has promotions quarantined; then sends one from
/// news@shop.test to x@acme.test, which is held. The client, for more mail.
async fn hold_a_promotion(relay: &TestRelay, b: &Browser) -> mxr_tests::smtp_client::Client {
    quarantine_promotions(b).await;
    let promo = std::fs::read(ours("plugins/promo-nl.eml")).unwrap();
    let mut c = relay.client().await;
    c.send_message("news@shop.test", &["x@acme.test"], &promo).await.assert_code(250, "2.0.0");
    assert_eq!(relay.quarantined("acme").len(), 1, "the promotion is held");
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_signs_in_reads_the_data_labels_and_changes_the_plugin_set() {
    let mut relay = relay().await;
    let (acme, op) = (relay.token("tenant:acme"), relay.token("operator"));
    let b = Browser::start().await;
    b.client.goto(&console_url(&relay)).await.unwrap();
    b.fill("token", &format!("mxr_{}", "0".repeat(64))).await;
    b.click("sign-in").await;
    b.wait_text("[data-testid=sign-in-error]", "not valid").await;
    b.fill("token", &acme).await;
    b.click("sign-in").await;
    b.wait_text("[data-testid=signed-in-as]", "Signed in for acme").await;

    // The data label, in words: spam-score gets addresses as pseudonyms and links as
    // their domains (the policy's spam-filtering forms), and never what it does not ask for.
    let label = b.wait_text("[data-testid=label-spam-score]", "E-mail addresses: as a pseudonym").await;
    assert!(label.contains("Subject and message text: in full"), "{label}");
    assert!(label.contains("Tracking links: only the domain"), "{label}");
    let never = label.lines().find(|l| l.starts_with("Never:")).unwrap_or_else(|| panic!("{label}"));
    assert!(never.contains("Attachment contents") && !never.contains("E-mail"), "{label}");
    assert_eq!(b.testid("status-delivery-stats").await.text().await.unwrap(), "Not in your set");
    assert_eq!(b.testid("status-spam-score").await.text().await.unwrap(), "In your set and running");

    // Add delivery-stats, allow its purpose, move it to the front; give spam-score
    // only the domains of addresses; save.
    b.choose("add-plugin", "delivery-stats").await;
    b.click("add-plugin-button").await;
    b.click("allow-delivery-stats").await;
    b.click("up-delivery-stats").await;
    b.click("up-delivery-stats").await;
    b.choose("tighten-spam-score-email-address", "domain").await;
    b.wait_text("[data-testid=chain-status]", "Not saved yet").await;
    b.click("save-chain").await;
    b.wait_text("[data-testid=chain-status]", "Saved: your plugin set is live").await;

    b.wait_text("[data-testid=status-delivery-stats]", "In your set and running").await;
    let label = b.wait_text("[data-testid=label-spam-score]", "E-mail addresses: only the domain").await;
    assert!(label.contains("you chose this; the policy allows as a pseudonym"), "{label}");
    let order = b.texts("#chain > li > strong").await;
    assert_eq!(order, ["delivery-stats", "sender-policy", "spam-score"]);
    let shot = b.screenshot("a_customer_signs_in_reads_the_data_labels_and_changes_the_plugin_set").await;
    assert!(shot.is_file());

    // The relay runs what the page says it saved.
    let chain = relay.api("get", "/api/tenants/acme/chain", Some(&op), None).await.json();
    assert_eq!(chain["plugins"], serde_json::json!(["delivery-stats", "sender-policy", "spam-score"]));
    assert_eq!(chain["authorise"]["delivery-stats"], "statistics");
    assert_eq!(chain["tighten"]["spam-score"]["email-address"], "domain");

    // A refusal shows the API's words and field, and changes nothing.
    b.click("tab-settings").await;
    b.choose("settings-plugin", "spam-score").await;
    b.wait_text("[data-testid=settings-for]", "Settings of spam-score").await;
    let big = serde_json::json!("tag = 1\n".repeat(9000));
    b.client.execute("document.getElementById('settings-text').value = arguments[0];", vec![big]).await.unwrap();
    b.click("save-settings").await;
    let refused = b.wait_text("[data-testid=settings-status]", "Refused").await;
    assert!(refused.contains("at most 65536 bytes") && refused.contains("(field: settings)"), "{refused}");
    let settings = relay.api("get", "/api/tenants/acme/settings/spam-score", Some(&op), None).await.json();
    assert!(settings["settings"].is_null(), "a refused setting is not stored: {settings}");

    // Signing out forgets the token, also across a reload.
    b.click("sign-out").await;
    b.wait_text("[data-testid=notice]", "You are signed out").await;
    let kept = b.client.execute("return sessionStorage.getItem('mxr-token');", vec![]).await.unwrap();
    assert!(kept.is_null(), "the token is gone: {kept}");
    b.client.refresh().await.unwrap();
    assert!(b.testid("sign-in-form").await.is_displayed().await.unwrap());
    assert!(!b.find("#signed-in").await.is_displayed().await.unwrap());
    b.finish().await;
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quarantined_message_shows_in_history_with_its_data_label_and_is_released() {
    let mut relay = relay().await;
    let acme = relay.token("tenant:acme");
    let b = signed_in(&relay, &acme, "acme").await;

    let mut c = hold_a_promotion(&relay, &b).await;
    c.send_message("alice@sender.test", &["bob@acme.test"], mxr_tests::CLEAN).await.assert_code(250, "2.0.0");
    assert_eq!(relay.quarantined("acme").len(), 1, "only the promotion is held");

    // History, searched by address: the held copy, who decided, and what each plugin saw.
    b.click("tab-history").await;
    b.fill("history-address", "x@acme.test").await;
    b.click("history-search").await;
    b.wait_text("#history-caption", "x@acme.test").await;
    b.wait_text("[data-testid=history-outcome]", "Held in quarantine").await;
    assert_eq!(b.texts("[data-testid=history-row]").await.len(), 1, "only the copy for x@acme.test");
    let row = b.find("[data-testid=history-row]").await.text().await.unwrap();
    assert!(row.contains("spam-score"), "decided by spam-score: {row}");
    // The forms the audit log recorded for each call on the copy: the sender's address
    // as a pseudonym at MAIL FROM, the sender checks and the text in full at DATA
    // (sender-policy's DATA hook reads nothing without `dmarc = enforce`), nothing else.
    let label = b.find("[data-testid=history-label]").await.text().await.unwrap();
    assert_eq!(
        label,
        "sender-policy, at the sender address, for spam filtering: E-mail addresses as a pseudonym\n\
         sender-policy, on the whole message, for spam filtering: no personal data\n\
         spam-score, on the whole message, for spam filtering: Sender checks (SPF, DKIM, DMARC) and the domains \
         checked in full; Subject and message text in full"
    );
    b.screenshot("a_quarantined_message_shows_in_history_with_its_data_label_and_is_released-history").await;
    b.fill("history-address", "bob@acme.test").await;
    b.click("history-search").await;
    b.wait_text("#history-caption", "bob@acme.test").await;
    b.wait_text("[data-testid=history-outcome]", "Accepted for delivery").await;

    // Quarantine: show it, then release it; it leaves the list and reaches the mailbox.
    b.click("tab-quarantine").await;
    let subject = b.wait_text("[data-testid=quarantine-subject]", "Wintersale").await;
    assert!(!subject.is_empty() && subject != "(no subject)", "{subject}");
    b.click("quarantine-show").await;
    b.wait_text("[data-testid=qm-headers]", "From: Modehuis").await;
    let shot = b.screenshot("a_quarantined_message_shows_in_history_with_its_data_label_and_is_released").await;
    assert!(shot.is_file());
    b.click("quarantine-release").await;
    b.wait_text("[data-testid=quarantine-status]", "Released").await;
    b.wait_text("[data-testid=quarantine-empty]", "Nothing is held").await;
    assert!(relay.quarantined("acme").is_empty());
    let delivered = relay.delivered("acme");
    assert_eq!(delivered.len(), 2, "the clean message and the released one");
    assert!(delivered.iter().any(|m| m.windows(subject.len()).any(|w| w == subject.as_bytes())));
    b.finish().await;
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_signs_in_and_picks_the_tenant() {
    let mut relay = relay().await;
    let op = relay.token("operator");
    let b = Browser::start().await;
    b.client.goto(&console_url(&relay)).await.unwrap();
    b.fill("token", &op).await;
    b.click("sign-in").await;
    b.wait_text("[data-testid=signed-in-as]", "Signed in as the operator").await;
    b.find("[data-testid=tenant-select] option[value=beta]").await;
    assert_eq!(b.texts("[data-testid=tenant-select] option").await, ["acme", "beta"]);
    b.wait_text("[data-testid=status-sender-policy]", "In your set").await;
    // beta's chain is spam-score alone.
    b.choose("tenant-select", "beta").await;
    b.wait_text("[data-testid=status-sender-policy]", "Not in your set").await;
    assert_eq!(b.texts("#chain > li > strong").await, ["spam-score"]);
    b.screenshot("an_operator_signs_in_and_picks_the_tenant").await;
    b.finish().await;
    relay.stop().await;
}

/// The release URL of the `n`th entry of a digest mail.
fn release_url(digest: &str, n: usize) -> String {
    let urls: Vec<&str> = digest.lines().filter_map(|l| l.trim().strip_prefix("Release: ")).collect();
    urls.get(n).unwrap_or_else(|| panic!("no release link {n} in:\n{digest}")).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_digest_link_releases_the_message_once() {
    let sink = Sink::start(None).await;
    let config = server_toml("")
        + &format!("[queue]\nbounce_relay = \"{}\"\n", sink.addr)
        + API_TOML
        + &tenant_toml("acme", "acme.test", PLUGINS);
    let mut relay = TestRelay::start(&config, &["sender-policy", "spam-score"]).await;
    let acme = relay.token("tenant:acme");
    let b = signed_in(&relay, &acme, "acme").await;

    // The tenant asks for a daily digest, and quarantines promotions.
    quarantine_promotions(&b).await;
    b.fill("digest-to", "postmaster@acme.test").await;
    b.fill("digest-hours", "24").await;
    b.click("digest-save").await;
    b.wait_text("[data-testid=digest-status]", "A digest goes to postmaster@acme.test every 24 hours").await;

    let promo = std::fs::read(ours("plugins/promo-nl.eml")).unwrap();
    let mut c = relay.client().await;
    c.send_message("news@shop.test", &["x@acme.test"], &promo).await.assert_code(250, "2.0.0");
    assert_eq!(relay.quarantined("acme").len(), 1);

    // The digest leaves through the bounce relay, from the null sender.
    relay.send_digests(std::time::Duration::ZERO);
    let got = sink.wait_for(1).await;
    assert_eq!((got[0].from.as_str(), got[0].rcpts.as_slice()), ("", &["postmaster@acme.test".to_owned()][..]));
    let digest = String::from_utf8_lossy(&got[0].data).into_owned();
    assert!(digest.contains("Subject: Quarantine digest for acme: 1 new message(s) held"), "{digest}");
    assert!(digest.contains("Subject: Wintersale: alles moet weg"), "{digest}");
    let url = release_url(&digest, 0);
    assert!(url.starts_with(&format!("{}#release=acme.", console_url(&relay))), "{url}");

    // Signed out, the link alone releases it, once.
    b.click("sign-out").await;
    b.client.goto(&url).await.unwrap();
    b.wait_text("#release-link-title", "Release a held message").await;
    assert!(relay.quarantined("acme").len() == 1, "opening the link releases nothing");
    b.click("release-link-button").await;
    b.wait_text("[data-testid=release-link-status]", "Released: the message is being delivered.").await;
    b.screenshot("a_digest_link_releases_the_message_once").await;
    assert!(relay.quarantined("acme").is_empty());
    let delivered = relay.delivered("acme");
    assert_eq!(delivered.len(), 1);
    assert!(String::from_utf8_lossy(&delivered[0]).contains("Wintersale"));

    b.client.goto(&url).await.unwrap();
    b.click("release-link-button").await;
    b.wait_text("[data-testid=release-link-status]", "Refused: this release link was used already").await;
    // An altered link (its last hex digit changed) is not valid.
    let last = url.chars().last().unwrap();
    let altered = format!("{}{}", &url[..url.len() - 1], if last == '0' { '1' } else { '0' });
    b.client.goto(&altered).await.unwrap();
    b.click("release-link-button").await;
    let refused = b.wait_text("[data-testid=release-link-status]", "Refused").await;
    assert_eq!(refused, "Refused: this release link is not valid (field: link)");
    b.finish().await;
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_answers_a_persons_request_find_export_and_erase() {
    let mut relay = relay().await;
    let acme = relay.token("tenant:acme");
    let b = signed_in(&relay, &acme, "acme").await;
    hold_a_promotion(&relay, &b).await;

    b.click("tab-subjects").await;
    b.fill("subject-addresses", "news@shop.test").await;
    b.click("subject-find").await;
    b.wait_text("[data-testid=subject-status]", "1 stored message held").await;
    let row = b.find("[data-testid=subject-row]").await.text().await.unwrap();
    assert!(row.contains("quarantine") && row.contains("sender"), "{row}");
    b.click("subject-export").await;
    b.wait_text("[data-testid=subject-download]", "Download the export").await;
    b.click("subject-erase").await;
    b.wait_text("[data-testid=subject-erase]", "Click again").await;
    assert_eq!(relay.quarantined("acme").len(), 1, "one click erases nothing");
    b.click("subject-erase").await;
    b.wait_text("[data-testid=subject-status]", "1 stored message erased").await;
    assert!(relay.quarantined("acme").is_empty(), "the held copy is gone");
    let steps = b.wait_text("[data-testid=request-row]", "erase").await;
    assert!(steps.contains("find") && steps.contains("export") && steps.contains("done in time"), "{steps}");
    let shot = b.screenshot("a_customer_answers_a_persons_request_find_export_and_erase").await;
    assert!(shot.is_file());
    b.finish().await;
    relay.stop().await;
}
