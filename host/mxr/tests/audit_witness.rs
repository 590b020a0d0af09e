//! The witnessed audit log from the command line: `mxr audit vkey`, `mxr audit
//! witness` running as its own process on loopback, a relay whose checkpoints it
//! cosigns, `mxr audit prove`, and `mxr audit verify --witness` failing on a log that
//! the holder of the node key rewrote and re-signed.

use mxr_store::keys::KeyStore;
use mxr_tests::test_relay::{TestRelay, server_toml, tenant_toml};
use std::io::BufRead;
use std::process::{Command, Stdio};

fn mxr(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mxr")).args(args).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
}

/// A running `mxr audit witness`, stopped when dropped.
struct WitnessProcess(std::process::Child);

impl Drop for WitnessProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const PLUGINS: [&str; 1] = ["counter"];

fn config() -> String {
    server_toml("") + &tenant_toml("acme", "acme.test", &[("counter", "statistics")])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cli_witness_cosigns_and_verify_with_it_catches_a_rewrite_with_the_node_key() {
    // The node key first (as the relay's first start makes it), so that the witness
    // can trust the log before the relay names the witness.
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("mxr-data");
    let keys = KeyStore::open(&data, &data.join("keys").join("master.key"), true).unwrap();
    let signer = mxr_audit::NodeSigner::from_seed(&keys.node_signing_seed().unwrap());
    let d = data.to_str().unwrap();
    let (ok, log_vkey) = mxr(&["audit", "vkey", "--data-dir", d]);
    assert!(ok && log_vkey.starts_with("mxr-audit/"), "{log_vkey}");

    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("witness.key");
    let k = key.to_str().unwrap();
    let (ok, witness_vkey) = mxr(&["audit", "witness", "--name", "w.test/cli", "--key", k, "--print-key"]);
    assert!(ok && witness_vkey.starts_with("w.test/cli+"), "{witness_vkey}");
    let state = dir.path().join("state");
    let args = ["audit", "witness", "--name", "w.test/cli", "--key", k, "--state", state.to_str().unwrap()];
    let mut child = Command::new(env!("CARGO_BIN_EXE_mxr"))
        .args(args)
        .args(["--listen", "127.0.0.1:0", "--log", log_vkey.trim()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let _witness = WitnessProcess(child);
    let addr = first.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(first.starts_with(&format!("witness {}", witness_vkey.trim())), "{first}");

    let witnessed =
        config() + &format!("[[audit.witness]]\nurl = \"http://{addr}\"\nkey = \"{}\"\n", witness_vkey.trim());
    let relay = TestRelay::start_in(tmp, &witnessed, &PLUGINS).await;
    let mut c = relay.client().await;
    for i in 0..3 {
        let msg = format!("Subject: {i}\r\n\r\nbody {i}\r\n");
        c.send_message("a@sender.test", &["b@acme.test"], msg.as_bytes()).await.assert_code(250, "2.0.0");
    }
    relay.relay.witness_now().await.unwrap();
    let tmp = relay.into_dir().await;
    let (ok, out) = mxr(&["audit", "verify", "--witness", witness_vkey.trim(), "--data-dir", d]);
    assert!(ok && out.contains("witness w.test/cli cosigned the first") && out.ends_with("intact\n"), "{out}");

    let (ok, out) = mxr(&["audit", "prove", "inclusion", "--record", "1", "--data-dir", d]);
    assert!(ok && out.contains("inclusion of record 1 in the tree of") && out.ends_with("verified\n"), "{out}");
    assert!(out.contains("checkpoint:\nmxr-audit/") && out.contains("\u{2014} mxr-audit/"), "the signed note: {out}");
    let (ok, out) = mxr(&["audit", "prove", "consistency", "--old", "2", "--data-dir", d]);
    assert!(ok && out.contains("consistency of the tree of 2 records") && out.ends_with("verified\n"), "{out}");
    let (ok, out) = mxr(&["audit", "prove", "inclusion", "--record", "999", "--data-dir", d]);
    assert!(!ok && out.contains("no record 999"), "{out}");

    // The holder of the node key rewrites record 1 and signs the result.
    let audit = data.join("audit");
    let heads = mxr_audit::log::read_tree_heads(&audit.join("tree-heads")).unwrap();
    let sizes: Vec<u64> = heads.iter().map(|h| h.head.size).collect();
    mxr_tests::forge::rewrite(&audit, usize::MAX, &sizes, &signer, |e| {
        if e.seq == 1 {
            e.record.queue_id = "forged".into();
        }
    });
    let (ok, out) = mxr(&["audit", "verify", "--data-dir", d]);
    assert!(ok && out.ends_with(": intact\n"), "its own checkpoints vouch for it: {out}");
    let cosigned = std::fs::read_dir(&state)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "checkpoint"));
    let cosigned = cosigned.expect("the witness's state file");
    let args = ["audit", "verify", "--witness", witness_vkey.trim(), "--cosigned", cosigned.to_str().unwrap()];
    let (ok, out) = mxr(&[&args[..], &["--data-dir", d]].concat());
    assert!(!ok && out.contains("BROKEN: witness w.test/cli cosigned a checkpoint of"), "{out}");
    assert!(out.contains("the log was rewritten") && out.ends_with("NOT intact\n"), "{out}");
    drop(tmp);
}
