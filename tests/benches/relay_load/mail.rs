//! The messages a row sends: synthetic ones of a fixed size, or real mail — the `.eml`
//! files shipped with mail-parser, CPython's email test data (where this Python has
//! it), the project's own fixtures and labelled privacy corpora, and generated business
//! mail with personal data ([`crate::business`]) — shuffled into one fixed order.

use mxr_tests::fixtures;
use mxr_tests::smtp_client::to_crlf;
use std::path::{Path, PathBuf};

/// A message of `size` bytes: headers, then 76-character lines of text.
pub fn synthetic(size: usize) -> Vec<u8> {
    let mut m = b"From: Load <load@src.test>\r\nTo: <rcpt@bench.test>\r\nSubject: load\r\n\
Date: Tue, 01 Dec 2026 12:00:00 +0000\r\nMessage-ID: <load@src.test>\r\n\r\n"
        .to_vec();
    let line = b"The quick brown fox jumps over the lazy dog, again and again and again.....\r\n";
    while m.len() + line.len() <= size {
        m.extend_from_slice(line);
    }
    m.resize(size - 2, b'x');
    m.extend_from_slice(b"\r\n");
    m
}

/// The real-mail mix, and a line saying what is in it.
pub fn real() -> (Vec<Vec<u8>>, String) {
    let parser = read_all(&fixtures::mail_parser_emls());
    let cpython = read_all(&fixtures::cpython_messages());
    let mut ours = Vec::new();
    for dir in [fixtures::ours("plugins"), corpus("privacy"), corpus("heldout/messages")] {
        ours.extend(read_all(&fixtures::files_with(&dir, "eml")));
    }
    let real_bytes: usize = [&parser, &cpython, &ours].iter().flat_map(|v| v.iter()).map(Vec::len).sum();
    let real_count = parser.len() + cpython.len() + ours.len();
    // Enough generated business mail (with its attachments) to bring the mix to about
    // 6.5 KB a message, as an MX's business traffic is.
    let business = crate::business::messages(real_count, real_bytes, 6_656);
    let note = format!(
        "{} mail-parser, {} CPython, {} project fixtures/corpora, {} generated business",
        parser.len(),
        cpython.len(),
        ours.len(),
        business.len()
    );
    let mut all: Vec<Vec<u8>> =
        [parser, cpython, ours, business].into_iter().flatten().map(|m| ended(to_crlf(&m))).collect();
    shuffle(&mut all);
    (all, note)
}

/// A message ending in CRLF (so that the final dot stands on a line of its own).
fn ended(mut m: Vec<u8>) -> Vec<u8> {
    if !m.ends_with(b"\r\n") {
        m.extend_from_slice(b"\r\n");
    }
    m
}

/// A fixed shuffle (Fisher–Yates with a fixed-seed xorshift), so that any prefix of
/// the mix, as a quick run sends, is a fair sample of all of it.
fn shuffle(all: &mut [Vec<u8>]) {
    let mut rng = crate::business::Rng::new(0x6d78_7221);
    for i in (1..all.len()).rev() {
        all.swap(i, rng.below(i + 1));
    }
}

fn corpus(part: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(part)
}

fn read_all(files: &[PathBuf]) -> Vec<Vec<u8>> {
    files.iter().map(|f| std::fs::read(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()))).collect()
}
