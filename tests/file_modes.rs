//! Everything under the data dir that holds mail or keys is `0600` in `0700` folders,
//! set where it is made, so that even a permissive umask leaves nothing readable by
//! others: the spool, the quarantine, the Maildir, the keys and the audit log. Alone in
//! its test binary, because the umask is the process's.

use mxr_tests::test_relay::{NextHop, TestRelay, server_toml, tenant_toml, tenant_toml_via};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Every folder and file under `dir`, `dir` included.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    out.push(dir.to_owned());
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() { walk(&p, out) } else { out.push(p) }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_keys_and_audit_are_private_whatever_the_umask() {
    rustix::process::umask(rustix::fs::Mode::empty());
    // One copy stays in the spool (its Maildir cannot be made), one is quarantined,
    // one is delivered into a Maildir under the data dir.
    let stuck = NextHop::Maildir(Some("/proc/mxr-cannot-write-here"));
    let config = server_toml("")
        + "[plugin.verdicts]\nconfig = \"data = quarantine\"\n"
        + &tenant_toml_via("stuck", "stuck.test", &[], stuck)
        + &tenant_toml("held", "held.test", &[("verdicts", "spam-filtering")])
        + &tenant_toml("kept", "kept.test", &[]);
    let mut relay = TestRelay::start(&config, &["verdicts"]).await;
    let mut c = relay.client().await;
    let msg = b"Subject: modes\r\n\r\nprivate\r\n";
    c.send_message("ann@sender.test", &["a@stuck.test", "b@held.test", "c@kept.test"], msg)
        .await
        .assert_code(250, "2.0.0");
    let data = relay.data_dir();
    let delivered = data.join("maildir/kept/new");
    mxr_tests::wait_until(mxr_tests::LIVENESS, "the kept copy to be delivered", || {
        std::fs::read_dir(&delivered).is_ok_and(|mut d| d.next().is_some())
    });
    relay.stop().await; // signs a checkpoint: the audit log's second file
    let mut paths = Vec::new();
    for sub in ["spool", "quarantine", "maildir", "keys", "audit"] {
        walk(&data.join(sub), &mut paths);
    }
    // The node's public key is for outside checkers: it is no secret.
    paths.retain(|p| !p.ends_with("audit/node.pub"));
    let files: Vec<&PathBuf> = paths.iter().filter(|p| p.is_file()).collect();
    for want in ["spool/", "quarantine/held/", "maildir/kept/new/", "keys/tenants/", "audit/log", "audit/tree-heads"] {
        let covered = files.iter().any(|f| f.strip_prefix(&data).unwrap().to_string_lossy().starts_with(want));
        assert!(covered, "the scan covers {want}: {files:?}");
    }
    for p in &paths {
        let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let want = if p.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode, want, "{} is {mode:o}", p.display());
    }
}
