//! `mxr queue` and `mxr quarantine` on a running relay's data dir.

use mxr_tests::test_relay::{TestRelay, server_toml, tenant_toml};
use std::process::Command;

fn mxr(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mxr")).args(args).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_and_quarantine_commands_read_a_live_relays_data() {
    let stuck = tenant_toml("stuck", "stuck.test", &[])
        .replace("kind = \"maildir\"\n", "kind = \"maildir\"\npath = \"/proc/mxr-no-route\"\n");
    let config = server_toml("")
        + "[plugin.verdicts]\nconfig = \"data = quarantine\"\n"
        + &stuck
        + &tenant_toml("held", "held.test", &[("verdicts", "spam-filtering")]);
    let relay = TestRelay::start(&config, &["verdicts"]).await;
    let mut c = relay.client().await;
    let msg = b"Subject: Quarterly figures\r\n\r\nThe figures are attached in spirit.\r\n";
    c.send_message("ann@sender.test", &["a@stuck.test", "b@stuck.test"], msg).await.assert_code(250, "2.0.0");
    c.send_message("bob@sender.test", &["c@held.test"], msg).await.assert_code(250, "2.0.0");
    let dir = relay.data_dir();
    let dir = dir.to_str().unwrap();

    let (ok, out) = mxr(&["queue", "list", "--data-dir", dir]);
    assert!(ok && out.contains("1 in the queue") && out.contains(" stuck ") && out.contains("2 rcpts"), "{out}");
    let qid = out.split_whitespace().next().unwrap().to_owned();
    let (ok, out) = mxr(&["queue", "show", &qid, "--data-dir", dir]);
    assert!(
        ok && out.contains("from      <ann@sender.test>")
            && out.contains("to        <b@stuck.test>")
            && out.contains("Subject: Quarterly figures"),
        "{out}"
    );

    let (ok, out) = mxr(&["quarantine", "list", "--tenant", "held", "--data-dir", dir]);
    assert!(
        ok && out.contains("verdicts") && out.contains("quarantined at data") && out.contains("1 quarantined for held"),
        "{out}"
    );
    let qid = out.split_whitespace().next().unwrap().to_owned();
    let (ok, out) = mxr(&["quarantine", "show", &qid, "--data-dir", dir]);
    assert!(
        ok && out.contains("reason    quarantined at data") && out.contains("The figures are attached in spirit."),
        "{out}"
    );

    let (ok, out) = mxr(&["queue", "list", "--data-dir", "/tmp/mxr-no-such-dir"]);
    assert!(!ok && out.contains("no master key at"), "{out}");
}
