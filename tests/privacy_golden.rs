//! A differential check on the views: every view of every message of both corpus
//! parts, the mail-parser fixtures and our plugin fixtures, under every purpose of the
//! default policy (everything `mxr_tests::every_view` reads), and the detector's spans,
//! hashed per message and purpose and compared with the committed snapshot
//! `tests/corpus/views.golden.tsv`. A faster detector or renderer must leave every
//! hash as it is; a change meant to alter views (a new rule) changes the snapshot in
//! the same commit, which then says why.
//!
//! The test fails when a hash differs, when a case has no snapshot line, and when a
//! snapshot line names a case that no longer exists. `MXR_BLESS_VIEWS=1` writes the
//! snapshot anew instead of comparing.

use mxr_privacy::detect::{Detector, PatternDetector, Span};
use mxr_privacy::render::Renderer;
use mxr_privacy::{Category, Grant, Pseudonymizer, PurposePolicy, ScannedMail};
use mxr_tests::{corpus, every_view, fixtures};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The snapshot, one line a case: its name, then one hash per column.
fn snapshot_path() -> PathBuf {
    corpus::folder("views.golden.tsv")
}

/// A short hash (64 bits in hex): enough to tell any change.
fn short_hash(bytes: &[u8]) -> String {
    hex_of(&Sha256::digest(bytes)[..8])
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One message to check: its case name, raw bytes, and the text to run the detector
/// on directly (the labelled text of a corpus message).
struct Case {
    name: String,
    raw: Vec<u8>,
    text: Option<String>,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for part in ["privacy", "heldout/messages"] {
        for m in corpus::load(&corpus::folder(part)) {
            out.push(Case { name: format!("{part}/{}", m.name), raw: m.raw, text: Some(m.text) });
        }
    }
    let parser = fixtures::mail_parser_emls();
    let root = common_root(&parser);
    for path in parser {
        let name = format!("mail-parser/{}", path.strip_prefix(&root).unwrap().display());
        out.push(Case { name, raw: std::fs::read(&path).unwrap(), text: None });
    }
    let mut ours: Vec<PathBuf> =
        std::fs::read_dir(fixtures::ours("plugins")).unwrap().flatten().map(|e| e.path()).collect();
    ours.retain(|p| p.extension().is_some_and(|x| x == "eml"));
    ours.sort();
    for path in ours {
        let name = format!("fixtures/{}", path.file_name().unwrap().to_string_lossy());
        out.push(Case { name, raw: std::fs::read(&path).unwrap(), text: None });
    }
    out
}

/// The longest directory every path lies under.
fn common_root(paths: &[PathBuf]) -> PathBuf {
    let mut root = paths.first().and_then(|p| p.parent()).map(Path::to_path_buf).unwrap_or_default();
    while !paths.iter().all(|p| p.starts_with(&root)) {
        root = root.parent().unwrap().to_path_buf();
    }
    root
}

fn spans_bytes(spans: &[Span]) -> String {
    spans.iter().map(|s| format!("{}..{} {};", s.range.start, s.range.end, s.kind.name())).collect()
}

/// Every column's hash for one case: one per purpose, then the detector's spans.
fn hashes(case: &Case, purposes: &[String], policy: &PurposePolicy) -> Vec<String> {
    let msg = ScannedMail::parse(&case.raw);
    let env = every_view::corpus_envelope();
    let mut out = Vec::new();
    for purpose in purposes {
        let grant = Grant::for_purpose(policy, purpose, Category::ALL.into_iter().collect()).unwrap();
        let pseudonyms = Pseudonymizer::derive(&[4; 32], purpose);
        let r = Renderer::new(&grant, &pseudonyms, &PatternDetector);
        let mut bytes = Vec::new();
        for (accessor, text) in every_view::read_all(&r, &env, &msg) {
            bytes.extend_from_slice(format!("{accessor}\0{}\0{text}\n", text.len()).as_bytes());
        }
        out.push(short_hash(&bytes));
    }
    let detected = match &case.text {
        Some(t) => spans_bytes(&PatternDetector.detect(t)),
        None => {
            let text = msg.text_view().map(|t| spans_bytes(&PatternDetector.detect(t)));
            let html = msg.html_view().map(|h| spans_bytes(&PatternDetector.detect(h)));
            format!("{text:?}|{html:?}")
        }
    };
    out.push(short_hash(detected.as_bytes()));
    out
}

#[test]
fn every_view_of_every_message_matches_its_snapshot() {
    let policy = PurposePolicy::default_policy();
    let mut purposes: Vec<String> = policy.purpose_ids().map(str::to_owned).collect();
    purposes.sort();
    let cases = cases();
    assert!(cases.len() >= 800, "only {} cases", cases.len());
    let chunks: Vec<&[Case]> = cases.chunks(cases.len().div_ceil(2)).collect();
    let got: BTreeMap<String, Vec<String>> = std::thread::scope(|s| {
        let runs: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                let (purposes, policy) = (&purposes, &policy);
                s.spawn(move || chunk.iter().map(|c| (c.name.clone(), hashes(c, purposes, policy))).collect::<Vec<_>>())
            })
            .collect();
        runs.into_iter().flat_map(|r| r.join().unwrap()).collect()
    });
    assert_eq!(got.len(), cases.len(), "two cases share a name");
    let header = format!("# case\t{}\tdetect", purposes.join("\t"));
    if std::env::var_os("MXR_BLESS_VIEWS").is_some() {
        let lines: Vec<String> = got.iter().map(|(n, h)| format!("{n}\t{}", h.join("\t"))).collect();
        std::fs::write(snapshot_path(), format!("{header}\n{}\n", lines.join("\n"))).unwrap();
        return;
    }
    let snapshot = std::fs::read_to_string(snapshot_path()).expect("the snapshot; MXR_BLESS_VIEWS=1 writes it");
    let mut lines = snapshot.lines();
    assert_eq!(lines.next(), Some(header.as_str()), "the snapshot's columns differ from the purposes");
    let want: BTreeMap<&str, Vec<&str>> =
        lines.map(|l| l.split_once('\t').expect("case\thashes")).map(|(n, h)| (n, h.split('\t').collect())).collect();
    let mut wrong = Vec::new();
    for (name, hashes) in &got {
        match want.get(name.as_str()) {
            None => wrong.push(format!("{name}: no snapshot line")),
            Some(w) if w.len() != hashes.len() => wrong.push(format!("{name}: {} columns", w.len())),
            Some(w) => {
                let columns = purposes.iter().map(String::as_str).chain(["detect"]);
                for ((col, a), b) in columns.zip(hashes).zip(w) {
                    if a != b {
                        wrong.push(format!("{name}: {col} differs"));
                    }
                }
            }
        }
    }
    wrong.extend(want.keys().filter(|n| !got.contains_key(**n)).map(|n| format!("{n}: in the snapshot, not a case")));
    let shown: Vec<&String> = wrong.iter().take(50).collect();
    assert!(wrong.is_empty(), "{} differences from the snapshot: {shown:#?}", wrong.len());
}
