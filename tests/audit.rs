//! The audit log: every kind of tampering is caught and located, logs begun before
//! tree heads still verify, and a relay's log holds what happened to a message without
//! holding the message's personal data.

use mxr_audit::log::{Entry, RawFrame, encode_frame, frames};
use mxr_audit::{AuditFiles, AuditLog, AuditRecord, Disclosure, Event, NodeSigner, VerifyReport};
use mxr_privacy::{Category, Form};
use mxr_tests::test_relay::{TestRelay, server_toml, tenant_toml};

const RECORDS: usize = 60;
const SIGNED_AT: [usize; 2] = [25, RECORDS];

fn record(n: usize) -> AuditRecord {
    AuditRecord {
        time: 1_795_501_800 + n as u64,
        region: "nl".into(),
        tenant: format!("t{}", n % 3),
        queue_id: format!("Q{n}.1"),
        subjects: vec![format!("p.{n:020x}@example.test")],
        event: Event::Disclosure(Disclosure {
            plugin: "spam-score".into(),
            version: "1.0.0".into(),
            sha256: "ab".repeat(32),
            purpose: "spam-filtering".into(),
            stage: "data".into(),
            forms: vec![(Category::Content, Form::Full), (Category::EmailAddress, Form::Pseudonym)],
            outcome: "ok".into(),
        }),
    }
}

/// Verifies a log and its tree heads (no legacy checkpoints, no witnesses).
fn verify(log: &[u8], tree_heads: &[u8], key: &ed25519_dalek::VerifyingKey) -> VerifyReport {
    mxr_audit::verify(&AuditFiles { log, legacy: &[], tree_heads }, key, &[], &[])
}

/// A log of [`RECORDS`] records with checkpoints signed after 25 and after all.
fn signed_log() -> (Vec<u8>, Vec<u8>, NodeSigner) {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(dir.path(), "nl", NodeSigner::from_seed(&[7; 32])).unwrap();
    for n in 0..RECORDS {
        log.append(&record(n)).unwrap();
        if SIGNED_AT.contains(&(n + 1)) {
            log.checkpoint().unwrap();
        }
    }
    let read = |f: &str| std::fs::read(dir.path().join("audit").join(f)).unwrap();
    (read("log"), read("tree-heads"), NodeSigner::from_seed(&[7; 32]))
}

/// The byte ranges of each frame.
fn frame_ranges(log: &[u8]) -> Vec<std::ops::Range<usize>> {
    frames(log)
        .into_iter()
        .map(|f| match f {
            RawFrame::Whole { offset, body, .. } => offset..offset + 36 + body.len(),
            RawFrame::Torn { .. } => panic!("torn"),
        })
        .collect()
}

fn rebuilt(log: &[u8], order: &[usize]) -> Vec<u8> {
    let r = frame_ranges(log);
    order.iter().flat_map(|&i| log[r[i].clone()].to_vec()).collect()
}

#[test]
fn verify_catches_every_mutation_and_says_where() {
    let (log, cps, signer) = signed_log();
    let key = signer.public();
    let clean = verify(&log, &cps, &key);
    assert!(clean.intact(), "{:?}", clean.findings);
    assert_eq!((clean.records, clean.checkpoints, clean.unsigned), (RECORDS as u64, 2, 0));

    let mut mutants: Vec<(String, Vec<u8>, Vec<u8>)> = Vec::new();
    for at in 0..log.len() {
        let mut m = log.clone();
        m[at] ^= 0x01;
        mutants.push((format!("flip log byte {at}"), m, cps.clone()));
    }
    for at in 0..cps.len() {
        let mut m = cps.clone();
        m[at] ^= 0x80;
        mutants.push((format!("flip checkpoint byte {at}"), log.clone(), m));
    }
    let all: Vec<usize> = (0..RECORDS).collect();
    for drop in 0..RECORDS {
        let order: Vec<usize> = all.iter().copied().filter(|&i| i != drop).collect();
        mutants.push((format!("drop record {drop}"), rebuilt(&log, &order), cps.clone()));
    }
    for i in 0..RECORDS {
        for j in [i, (i + 7) % RECORDS] {
            let mut order = all.clone();
            order.insert(j + 1, i);
            mutants.push((format!("insert a copy of record {i} after {j}"), rebuilt(&log, &order), cps.clone()));
        }
        let mut order = all.clone();
        order.swap(i, (i + 1 + i % 5) % RECORDS);
        if order != all {
            mutants.push((format!("reorder record {i}"), rebuilt(&log, &order), cps.clone()));
        }
    }
    let ranges = frame_ranges(&log);
    for keep in 0..RECORDS {
        mutants.push((format!("truncate to {keep} records"), log[..ranges[keep].start].to_vec(), cps.clone()));
        mutants.push((format!("cut inside record {keep}"), log[..ranges[keep].start + 5].to_vec(), cps.clone()));
    }
    // A forger without the node key rewrites record 10 and re-chains everything after.
    let entries: Vec<Entry> = frames(&log)
        .into_iter()
        .map(|f| match f {
            RawFrame::Whole { body, .. } => postcard_entry(body),
            RawFrame::Torn { .. } => unreachable!(),
        })
        .collect();
    let mut forged = Vec::new();
    let mut prev = [0u8; 32];
    for (n, mut e) in entries.into_iter().enumerate() {
        if n == 10 {
            e.record.tenant = "someone-else".into();
        }
        e.prev = prev;
        let (frame, h) = encode_frame(&e).unwrap();
        forged.extend_from_slice(&frame);
        prev = h;
    }
    mutants.push(("rewrite record 10 with a consistent chain".into(), forged, cps.clone()));
    // The same forger also signs with a key of their own.
    let own = NodeSigner::from_seed(&[8; 32]);
    let body = own.sign_tree_head(RECORDS as u64, [1; 32]).note.to_bytes();
    let mut forged_cps = (body.len() as u32).to_le_bytes().to_vec();
    forged_cps.extend_from_slice(&body);
    mutants.push(("checkpoint signed with another key".into(), log.clone(), forged_cps));

    assert!(mutants.len() > 1000, "{} mutants", mutants.len());
    let missed: Vec<&String> = mutants
        .iter()
        .filter(|(_, l, c)| {
            let r = verify(l, c, &key);
            r.intact() || r.findings.iter().any(|f| !f.contains("record") && !f.contains("checkpoint"))
        })
        .map(|(what, ..)| what)
        .collect();
    assert!(missed.is_empty(), "{} of {} mutations not caught: {missed:?}", missed.len(), mutants.len());

    // Where: a dropped record is named by its position.
    let order: Vec<usize> = all.iter().copied().filter(|&i| i != 30).collect();
    let r = verify(&rebuilt(&log, &order), &cps, &key);
    assert!(r.findings[0].starts_with("record 30 at byte"), "{:?}", r.findings);
    let r = verify(&log[..ranges[40].start], &cps, &key);
    assert!(r.findings.iter().any(|f| f.contains("covers 60 records but the log holds 40")), "{:?}", r.findings);
}

fn postcard_entry(body: &[u8]) -> Entry {
    mxr_audit::log::decode_entry(body).unwrap()
}

#[test]
fn concurrent_writers_in_two_processes_keep_one_chain() {
    // Two handles on one log stand in for the relay and `mxr quarantine` beside it.
    let dir = tempfile::tempdir().unwrap();
    let a = AuditLog::open(dir.path(), "nl", NodeSigner::from_seed(&[7; 32])).unwrap();
    let b = AuditLog::open(dir.path(), "nl", NodeSigner::from_seed(&[7; 32])).unwrap();
    std::thread::scope(|s| {
        s.spawn(|| {
            (0..200).for_each(|n| {
                a.append(&record(n)).unwrap();
            })
        });
        s.spawn(|| {
            (200..400).for_each(|n| {
                b.append(&record(n)).unwrap();
            })
        });
    });
    a.checkpoint().unwrap();
    let read = |f: &str| std::fs::read(dir.path().join("audit").join(f)).unwrap();
    let r = verify(&read("log"), &read("tree-heads"), &NodeSigner::from_seed(&[7; 32]).public());
    assert!(r.intact(), "{:?}", r.findings);
    assert_eq!((r.records, r.unsigned), (400, 0));
}

#[test]
fn a_torn_final_record_is_cut_when_the_log_is_reopened() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(dir.path(), "nl", NodeSigner::from_seed(&[7; 32])).unwrap();
    (0..5).for_each(|n| {
        log.append(&record(n)).unwrap();
    });
    drop(log);
    let path = dir.path().join("audit").join("log");
    let len = std::fs::metadata(&path).unwrap().len();
    std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(len - 10).unwrap();
    let log = AuditLog::open(dir.path(), "nl", NodeSigner::from_seed(&[7; 32])).unwrap();
    assert_eq!(log.record_count(), 4, "the torn fifth record is gone");
    log.append(&record(9)).unwrap();
    log.checkpoint().unwrap();
    let read = |f: &str| std::fs::read(dir.path().join("audit").join(f)).unwrap();
    let r = verify(&read("log"), &read("tree-heads"), &NodeSigner::from_seed(&[7; 32]).public());
    assert!(r.intact() && r.records == 5, "{:?}", r.findings);
}

#[test]
fn a_log_begun_with_legacy_checkpoints_keeps_verifying_and_gets_tree_heads() {
    // A data dir from before tree heads: records, and chain-head checkpoints in `checkpoints`.
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit");
    let signer = NodeSigner::from_seed(&[7; 32]);
    let log = AuditLog::open(dir.path(), "nl", NodeSigner::from_seed(&[7; 32])).unwrap();
    (0..10).for_each(|n| {
        log.append(&record(n)).unwrap();
    });
    drop(log);
    let _ = std::fs::remove_file(audit.join("tree-heads"));
    let entries = mxr_audit::log::read_records(&audit.join("log")).unwrap();
    let (_, head) = encode_frame(entries.last().unwrap()).unwrap();
    mxr_audit::checkpoint::append(&audit.join("checkpoints"), &signer.sign(10, head, 1_700_000_000)).unwrap();
    let r = mxr_audit::verify_dir(dir.path(), &signer.public()).unwrap();
    assert!(r.intact() && (r.records, r.checkpoints, r.unsigned) == (10, 1, 0), "{r:?}");

    // Reopened by this version: the old records are covered, new ones get tree heads.
    let log = AuditLog::open(dir.path(), "nl", NodeSigner::from_seed(&[7; 32])).unwrap();
    assert_eq!(log.checkpoint_state().unsigned, 0, "the legacy checkpoint covers the old records");
    (10..15).for_each(|n| {
        log.append(&record(n)).unwrap();
    });
    log.checkpoint().unwrap();
    let r = mxr_audit::verify_dir(dir.path(), &signer.public()).unwrap();
    assert!(r.intact() && (r.records, r.checkpoints, r.unsigned) == (15, 2, 0), "{r:?}");
    let head = mxr_audit::log::latest_tree_head(&audit.join("tree-heads")).unwrap().unwrap();
    assert_eq!(head.head.size, 15, "the tree covers every record, the old ones too");

    // Cut behind the legacy checkpoint: both kinds of checkpoint say so.
    let ranges = frame_ranges(&std::fs::read(audit.join("log")).unwrap());
    let bytes = std::fs::read(audit.join("log")).unwrap();
    std::fs::write(audit.join("log"), &bytes[..ranges[8].start]).unwrap();
    let r = mxr_audit::verify_dir(dir.path(), &signer.public()).unwrap();
    assert!(r.findings.iter().any(|f| f.contains("legacy checkpoint 0") && f.contains("covers 10 records")), "{r:?}");
    assert!(r.findings.iter().any(|f| f.contains("covers 15 records but the log holds 8")), "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relayed_message_leaves_disclosure_records_and_no_personal_data() {
    let canary = "Canary-Zq81x";
    let config = server_toml("")
        + &tenant_toml("acme", "acme.test", &[("spam-score", "spam-filtering"), ("delivery-stats", "statistics")]);
    let mut relay = TestRelay::start(&config, &["spam-score", "delivery-stats"]).await;
    let mut c = relay.client().await;
    let msg = format!("From: Jan Jansen <jan@sender.test>\r\nSubject: {canary}\r\n\r\nBel 06-12345678, {canary}.\r\n");
    c.send_message("jan@sender.test", &["ann@acme.test"], msg.as_bytes()).await.assert_code(250, "2.0.0");
    let delivered = relay.delivered("acme");
    relay.stop().await; // verifies the chain and one record per invocation
    let records = relay.audit_records();
    assert_eq!(records.len(), 2, "both plugins hook the data stage only: {records:?}");
    let text = String::from_utf8_lossy(&delivered[0]).into_owned();
    let qid = records[0].queue_id.clone();
    assert!(text.contains(&qid), "the records name the delivered copy's queue id {qid}");
    for r in &records {
        assert_eq!((r.tenant.as_str(), r.region.as_str(), r.queue_id.as_str()), ("acme", "nl", qid.as_str()));
        assert!(
            !r.subjects.is_empty() && r.subjects.iter().all(|s| s.starts_with("p.") && !s.contains('@')),
            "{:?}",
            r.subjects
        );
    }
    let data: Vec<&Disclosure> = records
        .iter()
        .filter_map(|r| match &r.event {
            Event::Disclosure(d) if d.stage == "data" => Some(d),
            _ => None,
        })
        .collect();
    let spam = data.iter().find(|d| d.plugin == "spam-score").expect("spam-score's data record");
    assert!(spam.forms.contains(&(Category::Content, Form::Full)), "{:?}", spam.forms);
    assert_eq!(spam.purpose, "spam-filtering");
    // Nothing under the audit folder holds the message's personal data or text.
    for entry in std::fs::read_dir(relay.data_dir().join("audit")).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for secret in ["jan@sender.test", "ann@acme.test", "Jansen", "12345678", canary] {
            assert!(!text.contains(secret), "{secret} in the audit log");
        }
    }
}
