//! The witnessed audit log, end to end over real HTTP on loopback: a relay's
//! checkpoints are cosigned by a witness that keeps its state in real, fsynced files;
//! a log rewritten or cut and re-signed with the node's own key passes its own
//! checkpoints but fails against what the witness cosigned; a witness that is down
//! never holds up mail; and the witness answers the protocol's refusals.

use mxr_audit::add_checkpoint::AddCheckpoint;
use mxr_audit::note::{KeyName, NoteKey, NoteSigner, SigType};
use mxr_audit::witness::{Witness, state_file};
use mxr_audit::{NodeSigner, node_note_key};
use mxr_tests::exposition::{promtool_check, samples, value};
use mxr_tests::forge::rewrite;
use mxr_tests::http::request;
use mxr_tests::test_relay::{TestRelay, server_toml, tenant_toml};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

const WITNESS_SEED: [u8; 32] = [5; 32];

fn witness_signer() -> NoteSigner {
    NoteSigner::new(KeyName::try_from("witness.test/w1").unwrap(), SigType::Cosignature, &WITNESS_SEED)
}

/// A relay whose config names one witness at `addr`.
async fn relay_witnessed_at(addr: SocketAddr) -> TestRelay {
    let vkey = witness_signer().public().vkey();
    let config = server_toml("")
        + &tenant_toml("acme", "acme.test", &[("counter", "statistics")])
        + &format!("[[audit.witness]]\nurl = \"http://{addr}\"\nkey = \"{vkey}\"\n");
    TestRelay::start(&config, &["counter"]).await
}

/// The relay's node signer, from its key store.
fn node_signer(relay: &TestRelay) -> NodeSigner {
    NodeSigner::from_seed(&relay.relay.chain.keys.node_signing_seed().unwrap())
}

/// Starts a witness for `log` on `listener`, its state in `state`.
fn start_witness(listener: tokio::net::TcpListener, state: &Path, log: NoteKey) -> Arc<Witness> {
    let witness = Arc::new(Witness::open(state, witness_signer(), vec![log]).unwrap());
    tokio::spawn(mxr::witness::serve(listener, witness.clone()));
    witness
}

async fn send(relay: &TestRelay, n: usize) {
    let mut c = relay.client().await;
    for i in 0..n {
        let msg = format!("Subject: note {i}\r\n\r\nbody {i}\r\n");
        c.send_message("a@sender.test", &["b@acme.test"], msg.as_bytes()).await.assert_code(250, "2.0.0");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_rewritten_or_cut_with_the_node_key_fails_against_the_witness() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut relay = relay_witnessed_at(addr).await;
    let signer = node_signer(&relay);
    let state = tempfile::tempdir().unwrap();
    let witness = start_witness(listener, state.path(), node_note_key(&signer.public()));
    let origin = mxr_audit::log_origin(&signer.public());

    send(&relay, 2).await;
    relay.relay.witness_now().await.unwrap();
    let first = witness.latest_size(&origin);
    assert!(first > 0, "the witness cosigned the first checkpoint");
    send(&relay, 2).await;
    relay.relay.witness_now().await.unwrap();
    let second = witness.latest_size(&origin);
    assert!(second > first, "a consistency proof took the witness from {first} to {second}");
    let cosigned = mxr_audit::read_cosigned(&relay.data_dir()).unwrap();
    let sizes: Vec<u64> = cosigned.iter().map(|c| c.head.size).collect();
    assert!(sizes.ends_with(&[first, second]), "stored beside the log: {sizes:?}");
    assert!(submissions(&relay, "cosigned") >= 2.0);
    let text = relay.relay.metrics.render();
    promtool_check(&text).unwrap_or_else(|said| panic!("promtool refused the witness series: {said}\n{text}"));
    let id = format!("{:08x}", witness_signer().public().id());
    assert_eq!(value(&samples(&text), "mxr_audit_witnessed_records", &[("witness", &id)]), Some(second as f64));
    relay.stop().await; // the log verifies intact
    let data = relay.data_dir();
    let audit = mxr_audit::dir(&data);
    let key = signer.public();
    let wkey = [witness_signer().public()];
    let kept = std::fs::read(state_file(state.path(), &origin)).unwrap();
    let report = mxr_audit::verify_dir_witnessed(&data, &key, &wkey, std::slice::from_ref(&kept)).unwrap();
    assert!(report.intact(), "{:?}", report.findings);
    assert_eq!(report.witnessed[0].size, second);
    let honest = std::fs::read(audit.join("log")).unwrap();
    let records = mxr_audit::proof::entries(&honest).len() as u64;

    // Rewritten with the real node key: record 1 changed, everything re-chained and re-signed.
    rewrite(&audit, usize::MAX, &[first, second, records], &signer, |e| {
        if e.seq == 1 {
            e.record.tenant = "someone-else".into();
        }
    });
    let own = mxr_audit::verify_dir(&data, &key).unwrap();
    assert!(own.intact(), "the node key alone vouches for the rewrite: {:?}", own.findings);
    let report = mxr_audit::verify_dir_witnessed(&data, &key, &wkey, std::slice::from_ref(&kept)).unwrap();
    let rewritten = format!("witness witness.test/w1 cosigned a checkpoint of {second} records");
    assert!(
        report.findings.iter().any(|f| f.starts_with(&rewritten) && f.contains("the log was rewritten")),
        "{:?}",
        report.findings
    );
    // And the witness will not cosign the rewritten tree.
    let forged = signer.sign_tree_head(second, rewritten_root(&audit, second)).note.to_bytes();
    let body = AddCheckpoint { old: second, proof: vec![], checkpoint: forged }.to_bytes();
    let answer = request(addr, "POST", "/add-checkpoint", None, Some(std::str::from_utf8(&body).unwrap())).await;
    assert_eq!(answer.status, 409, "{answer:?}");
    assert_eq!(answer.header("content-type"), Some("text/x.tlog.size"));
    assert_eq!(answer.body, format!("{second}\n"));

    // Cut short and re-signed: shorter than what the witness cosigned.
    std::fs::write(audit.join("log"), &honest).unwrap();
    rewrite(&audit, first as usize, &[first], &signer, |_| {});
    let own = mxr_audit::verify_dir(&data, &key).unwrap();
    assert!(own.intact(), "{:?}", own.findings);
    let report = mxr_audit::verify_dir_witnessed(&data, &key, &wkey, &[kept]).unwrap();
    let cut = format!("but the log holds {first}: records were cut off after record {}", first - 1);
    assert!(report.findings.iter().any(|f| f.contains(&cut)), "{:?}", report.findings);
    // Without the witness's copy and with the local one gone, there is nothing to hold it to.
    let report = mxr_audit::verify_dir_witnessed(&data, &key, &wkey, &[]).unwrap();
    assert!(report.findings.iter().any(|f| f.starts_with("no checkpoint cosigned by witness")), "{report:?}");
}

/// The relay's count of submissions to the test witness that ended in `outcome`.
fn submissions(relay: &TestRelay, outcome: &str) -> f64 {
    let id = format!("{:08x}", witness_signer().public().id());
    let s = samples(&relay.relay.metrics.render());
    value(&s, "mxr_audit_witness_submissions_total", &[("witness", &id), ("outcome", outcome)]).unwrap_or(-1.0)
}

/// The root of the first `size` records of the log in `audit` now.
fn rewritten_root(audit: &Path, size: u64) -> [u8; 32] {
    mxr_audit::proof::tree_of(&std::fs::read(audit.join("log")).unwrap(), size).unwrap().root()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_witness_that_does_not_answer_never_holds_up_mail_and_is_tried_again() {
    // It accepts connections (the kernel does) but never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap();
    let mut relay = relay_witnessed_at(addr).await;
    send(&relay, 1).await;
    let r = relay.relay.clone();
    let round = tokio::spawn(async move { r.witness_now().await });
    let started = std::time::Instant::now();
    send(&relay, 3).await;
    assert!(started.elapsed() < mxr::witness::SUBMIT_TIMEOUT, "mail went on while the witness was silent");
    assert!(!round.is_finished(), "the round still waits for the silent witness");
    round.await.unwrap().unwrap();
    assert!(submissions(&relay, "unreachable") >= 1.0, "counted");
    assert_eq!(submissions(&relay, "cosigned"), 0.0);

    // The witness comes up at the same address: the next round catches it up.
    drop(silent);
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let state = tempfile::tempdir().unwrap();
    let signer = node_signer(&relay);
    let witness = start_witness(listener, state.path(), node_note_key(&signer.public()));
    relay.relay.witness_now().await.unwrap();
    let origin = mxr_audit::log_origin(&signer.public());
    assert!(witness.latest_size(&origin) > 0, "cosigned on the next round");
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_witness_answers_the_protocols_refusals_and_keeps_its_state_across_restarts() {
    let log = NodeSigner::from_seed(&[7; 32]);
    let entries: Vec<Vec<u8>> = (0..9u32).map(|i| format!("entry {i}").into_bytes()).collect();
    let tree = |n: usize| mxr_audit::tree::Tree::new(entries[..n].iter().map(Vec::as_slice));
    let cp = |n: usize| log.sign_tree_head(n as u64, tree(n).root()).note.to_bytes();
    let post = |addr: SocketAddr, old: u64, proof: Vec<[u8; 32]>, checkpoint: Vec<u8>| async move {
        let body = AddCheckpoint { old, proof, checkpoint }.to_bytes();
        request(addr, "POST", "/add-checkpoint", None, Some(std::str::from_utf8(&body).unwrap())).await
    };
    let state = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let witness = start_witness(listener, state.path(), node_note_key(&log.public()));
    let origin = mxr_audit::log_origin(&log.public());

    let ok = post(addr, 0, vec![], cp(4)).await;
    assert_eq!(ok.status, 200, "{ok:?}");
    let lines = mxr_audit::add_checkpoint::parse_cosignatures(ok.body.as_bytes()).unwrap();
    assert_eq!((lines.len(), lines[0].name.as_str()), (1, "witness.test/w1"));
    let other = NodeSigner::from_seed(&[8; 32]).sign_tree_head(4, tree(4).root()).note.to_bytes();
    let cases = [
        ("unknown origin", post(addr, 0, vec![], other).await.status, 404),
        ("stale old size", post(addr, 0, vec![], cp(6)).await.status, 409),
        ("old beyond the size", post(addr, 7, vec![], cp(6)).await.status, 400),
        ("a wrong proof", post(addr, 4, tree(6).prove_consistency(3).unwrap(), cp(6)).await.status, 422),
        ("not a request", request(addr, "POST", "/add-checkpoint", None, Some("hello")).await.status, 400),
    ];
    let mut forged = cp(6);
    let at = forged.len() - 10;
    forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
    let bad_signature = post(addr, 4, tree(6).prove_consistency(4).unwrap(), forged).await.status;
    for (what, got, want) in cases.into_iter().chain([("a bad signature", bad_signature, 403)]) {
        assert_eq!(got, want, "{what}");
    }
    let grown = post(addr, 4, tree(6).prove_consistency(4).unwrap(), cp(6)).await;
    assert_eq!(grown.status, 200, "{grown:?}");
    assert_eq!(witness.latest_size(&origin), 6);

    // A witness opened again on its folder knows what it cosigned: a replay of size 4 conflicts.
    let again = Witness::open(state.path(), witness_signer(), vec![node_note_key(&log.public())]).unwrap();
    assert_eq!(again.latest_size(&origin), 6);
    let body = AddCheckpoint { old: 4, proof: tree(6).prove_consistency(4).unwrap(), checkpoint: cp(6) }.to_bytes();
    assert!(matches!(again.add_checkpoint(&body, 1), Err(mxr_audit::witness::Refusal::Conflict { known: 6 })));
    let kept = std::fs::read(state_file(state.path(), &origin)).unwrap();
    let kept = mxr_audit::tree_head::SignedTreeHead::parse(&kept).unwrap();
    assert_eq!((kept.head.size, kept.note.signatures.len()), (6, 2), "the log's signature and the cosignature");
}
