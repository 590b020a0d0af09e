//! Reloading the config of a running relay (what `mxr reload` and SIGHUP do): new
//! limits and certificates serve the sessions and connections that start after it,
//! those already open keep what they began with, and a reload that cannot be put in
//! force names the key and changes nothing. The API serves HTTPS under `[api.tls]`.

use mxr_tests::http::request_tls;
use mxr_tests::smtp_client::Client;
use mxr_tests::test_relay::{TestRelay, server_toml, tenant_toml};
use std::path::{Path, PathBuf};

const MSG: &[u8] = b"From: a@sender.test\r\nTo: b@example.test\r\nSubject: hi\r\nMessage-ID: <1@sender.test>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0100\r\n\r\nHello.\r\n";

/// A new self-signed pair for `mx.test` and `localhost` written to `cert` and `key`;
/// returns the certificate's PEM (the only root a client trusts).
fn write_pair(cert: &Path, key: &Path) -> String {
    let made = rcgen::generate_simple_self_signed(vec!["mx.test".into(), "localhost".into()]).unwrap();
    std::fs::write(cert, made.cert.pem()).unwrap();
    std::fs::write(key, made.signing_key.serialize_pem()).unwrap();
    made.cert.pem()
}

/// The certificate and key files of a test, in its folder.
struct Pair {
    cert: PathBuf,
    key: PathBuf,
}

impl Pair {
    fn in_dir(dir: &Path) -> Pair {
        Pair { cert: dir.join("cert.pem"), key: dir.join("key.pem") }
    }
    fn tls(&self) -> String {
        format!("cert = {:?}\nkey = {:?}\n", self.cert, self.key)
    }
}

/// One tenant, STARTTLS and HTTPS from `pair`'s files, and `limits`.
fn config(pair: &Pair, limits: &str) -> String {
    let server =
        server_toml(limits).replace("[server.tls]\nself_signed = true\n", &format!("[server.tls]\n{}", pair.tls()));
    let api = format!("[api]\nlisten = \"127.0.0.1:0\"\n[api.tls]\n{}", pair.tls());
    server + &api + &tenant_toml("t1", "example.test", &[("delivery-stats", "statistics")])
}

/// Validates `text` as the relay's new file and reloads it: the keys that need a
/// restart, or why it was refused.
fn reload(relay: &TestRelay, text: &str) -> Result<Vec<&'static str>, String> {
    let (mut config, _) = mxr_config::validate(text, relay.dir.path()).map_err(|e| e.to_string())?;
    mxr_tests::test_relay::hermetic(&mut config);
    relay.relay.reload(&config).map_err(|e| e.to_string())
}

/// The SIZE a session's EHLO advertises.
async fn advertised_size(c: &mut Client) -> String {
    let ehlo = c.cmd("EHLO client.test").await;
    ehlo.lines.iter().find(|l| l.starts_with("SIZE ")).cloned().unwrap_or_else(|| panic!("no SIZE in {ehlo:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reloaded_limits_serve_new_sessions_and_open_ones_keep_theirs() {
    let dir = tempfile::tempdir().unwrap();
    let pair = Pair::in_dir(dir.path());
    write_pair(&pair.cert, &pair.key);
    let relay = TestRelay::start_in(dir, &config(&pair, "max_message_bytes = 2000\n"), &["delivery-stats"]).await;
    let mut before = relay.client().await;
    assert_eq!(advertised_size(&mut before).await, "SIZE 2000");

    let defaults = "[plugin.delivery-stats]\nconfig = \"per = hour\"\n";
    let text = config(&pair, "max_message_bytes = 5000\nmax_connections = 2\n") + defaults;
    let restart = reload(&relay, &text).unwrap();
    assert!(restart.is_empty(), "limits change live: {restart:?}");
    let token = relay.token("tenant:t1");
    let path = "/api/tenants/t1/settings/delivery-stats";
    let shown = request_tls(relay.api_addr.unwrap(), &pair.cert, "GET", path, Some(&token), None).await.json();
    assert_eq!(shown["default"], "per = hour", "the API shows the reloaded operator default: {shown}");
    let mut after = relay.client().await;
    assert_eq!(advertised_size(&mut after).await, "SIZE 5000", "a new session has the new limit");
    assert_eq!(advertised_size(&mut before).await, "SIZE 2000", "an open session keeps its own");
    let (_, greeting) = Client::connect(relay.addr).await;
    greeting.assert_code(421, "4.3.2");

    // A reload that cannot be put in force (the certificate is gone) changes nothing.
    std::fs::remove_file(&pair.cert).unwrap();
    let refused = reload(&relay, &config(&pair, "max_message_bytes = 9000\n")).unwrap_err();
    assert!(refused.starts_with("server.tls.cert: "), "{refused}");
    after.send_message("a@sender.test", &["b@example.test"], MSG).await.assert_code(250, "2.0.0");
    drop(before);
    after.cmd("QUIT").await.assert_code(221, "2.0.0");
    drop(after);
    let addr = relay.addr;
    let mut next = mxr_tests::wait_for(mxr_tests::LIVENESS, "a session once the others ended", || async move {
        let (c, g) = Client::connect(addr).await;
        (g.code == 220).then_some(c)
    })
    .await;
    assert_eq!(advertised_size(&mut next).await, "SIZE 5000", "the refused reload left the limits as they were");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_serves_a_renewed_certificate_to_new_connections_only() {
    let dir = tempfile::tempdir().unwrap();
    let pair = Pair::in_dir(dir.path());
    let (old_ca, new_ca) = (dir.path().join("old-ca.pem"), dir.path().join("new-ca.pem"));
    std::fs::write(&old_ca, write_pair(&pair.cert, &pair.key)).unwrap();
    let relay = TestRelay::start_in(dir, &config(&pair, ""), &["delivery-stats"]).await;
    let api = relay.api_addr.unwrap();
    let answer = request_tls(api, &old_ca, "GET", "/api/openapi.json", None, None).await;
    assert_eq!(answer.status, 200, "the API serves HTTPS: {answer:?}");
    let mut open = relay.client().await;
    open.cmd("STARTTLS").await.assert_code(220, "2.0.0");
    let mut open = open.upgrade(&old_ca, "mx.test").await;

    std::fs::write(&new_ca, write_pair(&pair.cert, &pair.key)).unwrap();
    assert_eq!(reload(&relay, &config(&pair, "")).unwrap(), Vec::<&str>::new());

    let mut fresh = relay.client().await;
    fresh.cmd("STARTTLS").await.assert_code(220, "2.0.0");
    assert!(fresh.try_upgrade(&old_ca, "mx.test").await.is_err(), "the old certificate is no longer served");
    let mut fresh = relay.client().await;
    fresh.cmd("STARTTLS").await.assert_code(220, "2.0.0");
    let mut fresh = fresh.upgrade(&new_ca, "mx.test").await;
    fresh.ehlo("client.test").await.assert_code(250, "");
    fresh.send_message("a@sender.test", &["b@example.test"], MSG).await.assert_code(250, "2.0.0");
    open.ehlo("client.test").await.assert_code(250, "");
    open.send_message("a@sender.test", &["b@example.test"], MSG).await.assert_code(250, "2.0.0");
    let answer = request_tls(api, &new_ca, "GET", "/api/openapi.json", None, None).await;
    assert_eq!(answer.status, 200, "the API serves the renewed certificate: {answer:?}");
}
