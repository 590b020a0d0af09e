//! `mxr queue` and `mxr quarantine` on a running relay's data dir.

use mxr_tests::test_relay::{NextHop, TestRelay, server_toml, tenant_toml, tenant_toml_via};
use mxr_tests::wait_until_async;
use std::process::Command;
use std::time::Duration;

fn mxr(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mxr")).args(args).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_and_quarantine_commands_read_a_live_relays_data() {
    let stuck = tenant_toml_via("stuck", "stuck.test", &[], NextHop::Maildir(Some("/proc/mxr-no-route")));
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
    let (ok, out) = mxr(&["audit", "show", "--tenant", "stuck", "--queue-id", &qid, "--data-dir", dir]);
    assert!(ok && out.contains("queue-show"), "showing a waiting copy is audited: {out}");

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quarantine_release_and_delete_end_to_end() {
    let config = server_toml("")
        + "[plugin.verdicts]\nconfig = \"data = quarantine\"\n"
        + &tenant_toml("held", "held.test", &[("verdicts", "spam-filtering")]);
    let relay = TestRelay::start(&config, &["verdicts"]).await;
    let mut c = relay.client().await;
    for subject in ["keep me", "bin me"] {
        let msg = format!("Subject: {subject}\r\n\r\nbody\r\n");
        c.send_message("ann@sender.test", &["c@held.test"], msg.as_bytes()).await.assert_code(250, "2.0.0");
    }
    let dir = relay.data_dir();
    let dir = dir.to_str().unwrap();
    let held = relay.quarantined("held");
    assert_eq!(held.len(), 2);
    let id_of = |subject: &str| {
        held.iter().find(|(m, _)| String::from_utf8_lossy(m).contains(subject)).unwrap().1.queue_id.clone()
    };
    let (keep, bin) = (id_of("Subject: keep me"), id_of("Subject: bin me"));

    let (ok, out) = mxr(&["quarantine", "release", &keep, "--data-dir", dir]);
    assert!(ok && out.contains(&format!("released {keep} as {keep}.r to 1 recipients")), "{out}");
    let (ok, out) = mxr(&["quarantine", "delete", &bin, "--data-dir", dir]);
    assert!(ok && out.contains(&format!("deleted {bin}")), "{out}");
    assert!(relay.quarantined("held").is_empty());
    // The running relay finds the released copy in its spool and delivers it.
    wait_until_async(Duration::from_secs(20), "the released copy to be delivered", || {
        !relay.delivered("held").is_empty()
    })
    .await;
    let got = relay.delivered("held");
    assert_eq!(got.len(), 1);
    assert!(String::from_utf8_lossy(&got[0]).contains("Subject: keep me"));
    let (ok, out) = mxr(&["quarantine", "delete", &bin, "--data-dir", dir]);
    assert!(!ok && out.contains("no quarantined message"), "{out}");

    // Every operator action is in the audit log, beside the plugin's disclosures.
    let (ok, out) = mxr(&["audit", "show", "--tenant", "held", "--queue-id", &keep, "--data-dir", dir]);
    assert!(ok, "{out}");
    for want in ["mail-from", "rcpt", "data", "verdicts@", "purpose=spam-filtering", "quarantine-release"] {
        assert!(out.contains(want), "{want} missing:\n{out}");
    }
    assert!(!out.contains("quarantine-delete"), "the other message's action: {out}");
    let (ok, out) = mxr(&["audit", "show", "--tenant", "held", "--subject", "Ann@Sender.test", "--data-dir", dir]);
    assert!(ok && out.contains("quarantine-delete") && out.contains("2 messages, 2 distinct data subjects"), "{out}");
    assert!(!out.contains("ann@sender.test"), "no raw address in the audit output: {out}");
    let (ok, out) = mxr(&["audit", "show", "--tenant", "held", "--subject", "nobody@else.test", "--data-dir", dir]);
    assert!(ok && out.contains("0 records"), "{out}");
    let (ok, out) = mxr(&["audit", "show", "--tenant", "held", "--to", "2001-01-01", "--data-dir", dir]);
    assert!(ok && out.contains("0 records"), "{out}");
    let (ok, out) = mxr(&["audit", "show", "--tenant", "held", "--from", "yesterday", "--data-dir", dir]);
    assert!(!ok && out.contains("--from \"yesterday\""), "{out}");
    let (ok, out) = mxr(&["audit", "verify", "--data-dir", dir]);
    assert!(ok && out.contains(": intact"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_flush_retries_at_once() {
    let sink = mxr_tests::sink::Sink::start(None).await;
    // An hour's backoff: only a flush can make the retry happen within the test.
    let config = server_toml("")
        + "[queue]\nretry_base_secs = 3600\n"
        + &tenant_toml_via("acme", "acme.test", &[], NextHop::Smtp(sink.addr, "none"));
    let relay = TestRelay::start(&config, &[]).await;
    let mut c = relay.client().await;
    c.send_message("ann@sender.test", &["defer@acme.test"], b"Subject: f\r\n\r\nf\r\n").await.assert_code(250, "2.0.0");
    wait_until_async(Duration::from_secs(20), "the first attempt", || !sink.asked.lock().unwrap().is_empty()).await;
    *sink.relent.lock().unwrap() = true;
    let (ok, out) = mxr(&["queue", "flush", "--data-dir", relay.data_dir().to_str().unwrap()]);
    assert!(ok, "{out}");
    assert_eq!(sink.wait_for(1).await[0].rcpts, ["defer@acme.test"]);
}

#[test]
fn quarantine_retention_purges_old_messages() {
    use mxr_store::keys::KeyStore;
    use mxr_store::quarantine::{Quarantine, QuarantineRecord};
    let dir = tempfile::tempdir().unwrap();
    let keys = std::sync::Arc::new(KeyStore::open(dir.path(), &dir.path().join("master.key"), true).unwrap());
    let q = Quarantine::new(dir.path(), keys);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    for (id, days_old) in [("old", 31), ("new", 29)] {
        let r = QuarantineRecord {
            queue_id: id.into(),
            tenant: "t1".into(),
            plugin: "p".into(),
            reason: "r".into(),
            score: 0.0,
            time: now - days_old * 86_400,
            mail_from: String::new(),
            rcpts: vec![],
        };
        q.put(&r, &[b"x"]).unwrap();
    }
    assert_eq!(q.purge(std::time::Duration::from_secs(30 * 86_400)), 1);
    let left: Vec<String> = q.list("t1").unwrap().into_iter().map(|r| r.queue_id).collect();
    assert_eq!(left, ["new"]);
}
