//! Storage at rest: no plaintext of a message anywhere under the data dir but the
//! Maildir that stands in for the customer's server; a wrong master key is refused
//! by name; what was spooled before a restart is delivered after it.

use mxr::Relay;
use mxr_config::validate;
use mxr_tests::test_relay::{NextHop, TestRelay, server_toml_with, tenant_toml, tenant_toml_via};

const CANARY: &str = "CANARY-91b7e2d4";

fn config(stuck_path: &str) -> String {
    config_with_server(stuck_path, "")
}

/// [`config`] with `server` lines added under `[server]`.
fn config_with_server(stuck_path: &str, server: &str) -> String {
    let stuck =
        tenant_toml_via("stuck", "stuck.test", &[("delivery-stats", "statistics")], NextHop::Maildir(Some(stuck_path)));
    server_toml_with(server, "")
        + "[plugin.verdicts]\nconfig = \"data = quarantine\"\n"
        + &stuck
        + &tenant_toml("held", "held.test", &[("verdicts", "spam-filtering")])
}

fn files_under(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() { files_under(&p, out) } else { out.push(p) }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_plaintext_at_rest_and_the_spool_survives_a_restart() {
    // "stuck"'s Maildir is a path that cannot be created: its copy stays in the spool.
    let relay = TestRelay::start(&config("/proc/mxr-cannot-write-here"), &["delivery-stats", "verdicts"]).await;
    let msg = format!("Subject: {CANARY}\r\nFrom: {CANARY}@sender.test\r\n\r\nThe canary: {CANARY}\r\n");
    let mut c = relay.client().await;
    c.send_message(&format!("{CANARY}@sender.test"), &["a@stuck.test"], msg.as_bytes()).await.assert_code(250, "2.0.0");
    c.send_message("x@sender.test", &["b@held.test"], msg.as_bytes()).await.assert_code(250, "2.0.0");
    let data = relay.data_dir();
    let mut files = Vec::new();
    files_under(&data, &mut files);
    let spooled = files.iter().filter(|p| p.starts_with(data.join("spool"))).count();
    let quarantined = files.iter().filter(|p| p.starts_with(data.join("quarantine"))).count();
    assert_eq!((spooled, quarantined), (1, 2), "the scan covers a spooled and a quarantined copy: {files:?}");
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        assert!(!bytes.windows(CANARY.len()).any(|w| w == CANARY.as_bytes()), "plaintext in {}", f.display());
    }
    assert_eq!(relay.quarantined("held")[0].1.mail_from, "x@sender.test", "it opens with the tenant's key");

    // Restart on the same data with a route that works: the spooled copy is delivered.
    let dir = relay.into_dir().await;
    let relay = TestRelay::start_in(dir, &config("maildir/stuck"), &[]).await;
    let got = relay.delivered("stuck");
    assert_eq!(got.len(), 1);
    assert!(String::from_utf8_lossy(&got[0]).contains(&format!("The canary: {CANARY}")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_master_key_is_refused_by_name() {
    // The first start makes the keys (and their check value) with a generated master key.
    let relay = TestRelay::start(&config("maildir/stuck"), &[]).await;
    let dir = relay.into_dir().await;
    let wrong = dir.path().join("wrong.key");
    std::fs::write(&wrong, [7u8; 32]).unwrap();
    let text = config_with_server("maildir/stuck", &format!("master_key = {:?}\n", wrong.display().to_string()));
    let (cfg, _) = validate(&text, dir.path()).unwrap();
    let err = Relay::start(cfg).err().expect("refused").to_string();
    assert!(err.contains("is not the one this data dir's keys were made with") && err.contains("wrong.key"), "{err}");
}
