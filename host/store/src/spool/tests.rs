//! The spool's own tests: round trips, the first file version, recovery, and a copy
//! written with its index entry.

use super::*;

fn spool(dir: &Path) -> Spool {
    let keys = Arc::new(KeyStore::open(dir, &dir.join("master.key"), true).unwrap());
    Spool::open(dir, keys).unwrap()
}

fn env(qid: &str) -> SpoolEnvelope {
    SpoolEnvelope {
        tenant: "t1".into(),
        queue_id: qid.into(),
        mail_from: "a@b.test".into(),
        rcpts: vec!["c@d.test".into()],
        received: 1,
        attempts: 0,
        smtputf8: false,
        eight_bit: false,
    }
}

#[test]
fn the_extension_flags_are_kept_and_first_version_files_still_open() {
    let dir = tempfile::tempdir().unwrap();
    let s = spool(dir.path());
    let flagged = SpoolEnvelope { smtputf8: true, eight_bit: true, ..env("Q1") };
    let path = s.write(&flagged, &[b"Subject: Gr\xc3\xbc\xc3\x9fe\r\n\r\nx\r\n"]).unwrap();
    assert_eq!(s.read(&path).unwrap().0, flagged);
    assert_eq!(s.tenant_of("Q1").unwrap().as_deref(), Some("t1"));
    assert_eq!(s.tenant_of("gone").unwrap(), None);
    let size = std::fs::metadata(s.path("Q1")).unwrap().len();
    assert_eq!(s.peek("Q1").unwrap(), Some(Peek { tenant: "t1".into(), bytes: size }));

    // A file as the first version wrote it: its envelope has no flags.
    let e = env("Q0");
    let old = EnvelopeV1 {
        tenant: e.tenant.clone(),
        queue_id: e.queue_id.clone(),
        mail_from: e.mail_from.clone(),
        rcpts: e.rcpts.clone(),
        received: e.received,
        attempts: 3,
    };
    let mut plain = postcard::to_allocvec(&old).unwrap();
    plain.extend_from_slice(&4u64.to_be_bytes());
    plain.extend_from_slice(b"body");
    let mut head = header("t1", "Q0");
    head[..8].copy_from_slice(MAGIC_V1);
    let mut file = head.clone();
    file.extend_from_slice(&s.keys.tenant("t1").unwrap().sealer().seal(&head, &plain));
    std::fs::write(s.path("Q0"), file).unwrap();
    let (read, body) = s.read(&s.path("Q0")).unwrap();
    assert_eq!((read, body.as_slice()), (SpoolEnvelope { attempts: 3, ..e }, &b"body"[..]));
}

#[test]
fn a_copy_written_with_its_index_entry_is_found_by_it_and_reads_back() {
    use crate::subject_index::{Place, Role};
    let dir = tempfile::tempdir().unwrap();
    let s = spool(dir.path());
    let entry = IndexEntry {
        tenant: "t1".into(),
        place: Place::Spool,
        queue_id: "Q1".into(),
        time: 7,
        tokens: vec![(Role::Sender, "p.aaaa".into())],
    };
    let written = s.write_indexed(&entry, &env("Q1"), &[b"Subject: x\r\n\r\nbody\r\n"]).unwrap();
    assert_eq!(s.index().get("t1", Place::Spool, "Q1").unwrap(), Some(entry));
    assert_eq!(s.read(&s.path("Q1")).unwrap().1, b"Subject: x\r\n\r\nbody\r\n");
    assert_eq!(s.peek("Q1").unwrap(), Some(written.peek), "what the writer knows is what a peek reads");
    let (read_env, read_message) = s.read(&s.path("Q1")).unwrap();
    assert_eq!((written.env, written.message), (read_env, read_message), "and what a read opens");
    // A second write of the same copy replaces both.
    let later = IndexEntry { tenant: "t1".into(), place: Place::Spool, queue_id: "Q1".into(), time: 8, tokens: vec![] };
    s.write_indexed(&later, &env("Q1"), &[b"again"]).unwrap();
    assert_eq!(s.index().get("t1", Place::Spool, "Q1").unwrap(), Some(later));
}

#[test]
fn round_trip_and_recovery_removes_whatever_is_not_whole() {
    let dir = tempfile::tempdir().unwrap();
    let s = spool(dir.path());
    let path = s.write(&env("Q1"), &[b"Subject: x\r\n", b"\r\nbody canary-7f3a\r\n"]).unwrap();
    let (e, body) = s.read(&path).unwrap();
    assert_eq!((e, body.as_slice()), (env("Q1"), &b"Subject: x\r\n\r\nbody canary-7f3a\r\n"[..]));
    assert!(!std::fs::read(&path).unwrap().windows(12).any(|w| w == b"canary-7f3a\r"), "sealed at rest");

    let whole = std::fs::read(&path).unwrap();
    s.write(&env("Q2"), &[b"second"]).unwrap();
    std::fs::write(s.path("Q3"), &whole[..whole.len() - 10]).unwrap(); // torn write
    let mut swapped = whole.clone();
    swapped[10] = b'X'; // the tenant id (t1 → X1) in the clear header, bound as associated data
    std::fs::write(s.path("Q4"), &swapped).unwrap();
    std::fs::write(dir.path().join("spool/.Q5.tmp"), b"half").unwrap(); // crash before rename
    let recovered: Vec<String> = s.recover().into_iter().map(|e| e.queue_id).collect();
    assert_eq!(recovered, ["Q1", "Q2"]);
    let mut left: Vec<String> = std::fs::read_dir(dir.path().join("spool"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["Q1.msg", "Q2.msg"]);
}
