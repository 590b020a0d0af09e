//! Checking a log against itself, its signed checkpoints and what witnesses cosigned,
//! saying where it breaks.
//!
//! Within the chain, a changed record no longer matches its hash, and a removed,
//! inserted or reordered one carries the wrong sequence number or previous hash.
//! Against the checkpoints (tree heads, and the legacy chain heads of older logs), a
//! log rewritten with fresh hashes no longer reaches the signed root, and a log cut
//! short holds fewer records than a checkpoint covers. The node key can re-sign a
//! rewritten log, though; what it cannot do is make a witness unsign what it cosigned.
//! So [`verify`] with witness keys also holds the log to every checkpoint each of those
//! witnesses cosigned: shorter than one, or not reaching its root, is a finding.

use super::checkpoint::{self, Checkpoint, node_note_key};
use super::log::{Entry, RawFrame, frames, hash};
use crate::note::{NoteKey, Verdict};
use crate::tree::{Frontier, Hash, leaf_hash};
use crate::tree_head::SignedTreeHead;
use ed25519_dalek::VerifyingKey;
use std::collections::{BTreeMap, BTreeSet};

/// At most this many problems are listed.
const MAX_FINDINGS: usize = 20;

/// The audit folder's contents, as bytes.
#[derive(Clone, Copy, Debug, Default)]
pub struct AuditFiles<'a> {
    /// `log`.
    pub log: &'a [u8],
    /// `checkpoints` (legacy chain heads; empty for logs begun with tree heads).
    pub legacy: &'a [u8],
    /// `tree-heads`.
    pub tree_heads: &'a [u8],
}

/// What one witness was found to have cosigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witnessed {
    /// The witness's key name.
    pub witness: String,
    /// The largest tree it cosigned, in records.
    pub size: u64,
    /// When it cosigned that one (POSIX seconds).
    pub time: u64,
}

/// What `verify` found.
#[derive(Debug, Default)]
pub struct VerifyReport {
    /// Records read.
    pub records: u64,
    /// Checkpoints whose signature verified (tree heads and legacy ones).
    pub checkpoints: usize,
    /// Records after the last checkpoint (not yet signed).
    pub unsigned: u64,
    /// For each witness asked about, the largest checkpoint it cosigned.
    pub witnessed: Vec<Witnessed>,
    /// Every problem, with where it is.
    pub findings: Vec<String>,
}

impl VerifyReport {
    /// True when nothing is wrong.
    pub fn intact(&self) -> bool {
        self.findings.is_empty()
    }
}

/// The log as walked: each record's stored chain hash and Merkle leaf hash.
struct Walked {
    chain: Vec<Hash>,
    leaves: Vec<Hash>,
}

/// Verifies the audit files with the node's public key `key`, and against every
/// checkpoint in `cosigned` (signed notes) that a witness of `witnesses` cosigned.
pub fn verify(files: &AuditFiles, key: &VerifyingKey, cosigned: &[&[u8]], witnesses: &[NoteKey]) -> VerifyReport {
    let mut report = VerifyReport::default();
    let walked = walk_chain(files.log, &mut report);
    report.records = walked.chain.len() as u64;
    let mut covered = check_legacy(files.legacy, key, &walked.chain, &mut report);
    let (heads, damage) = crate::frames::parse(files.tree_heads);
    report.findings.extend(damage.map(|at| format!("checkpoint {} at byte {at}: cut short", heads.len())));
    let heads: Vec<_> = heads.into_iter().map(SignedTreeHead::parse).collect();
    let notes: Vec<_> = cosigned.iter().map(|b| SignedTreeHead::parse(b)).collect();
    let sizes = heads.iter().chain(&notes).filter_map(|h| h.as_ref().ok()).map(|h| h.head.size).collect();
    let roots = roots_at(&walked.leaves, sizes);
    let node = node_note_key(key);
    for (i, head) in heads.iter().enumerate() {
        match check_tree_head(head, &node, &roots, report.records) {
            Ok(size) => {
                report.checkpoints += 1;
                covered = covered.max(size);
            }
            Err(problem) => report.findings.push(format!("checkpoint {i} {problem}")),
        }
    }
    for w in witnesses {
        check_witness(w, &notes, &node, &roots, &mut report);
    }
    report.unsigned = report.records.saturating_sub(covered);
    report.findings.truncate(MAX_FINDINGS);
    report
}

/// Walks the frames: each record's hash as stored (the chain as the file has it) and
/// its leaf hash.
fn walk_chain(log: &[u8], report: &mut VerifyReport) -> Walked {
    let mut walked = Walked { chain: Vec::new(), leaves: Vec::new() };
    let mut head = [0u8; 32];
    for (n, frame) in frames(log).into_iter().enumerate() {
        let (offset, body, stored) = match frame {
            RawFrame::Whole { offset, body, stored } => (offset, body, stored),
            RawFrame::Torn { offset } => {
                report
                    .findings
                    .push(format!("record {n} at byte {offset}: the log ends inside it (cut or a torn write)"));
                break;
            }
        };
        let at = format!("record {n} at byte {offset}");
        if hash(body) != stored {
            report.findings.push(format!("{at}: its content does not match its hash (changed)"));
        } else {
            match postcard::from_bytes::<Entry>(body) {
                Err(_) => report.findings.push(format!("{at}: unreadable (changed)")),
                Ok(e) if e.seq != n as u64 => report.findings.push(format!(
                    "{at}: carries sequence number {} (a record was removed, inserted or reordered here)",
                    e.seq
                )),
                Ok(e) if e.prev != head => report.findings.push(format!(
                    "{at}: does not follow record {} (removed, inserted or reordered)",
                    n.wrapping_sub(1) as i64
                )),
                Ok(_) => {}
            }
        }
        head = stored;
        walked.chain.push(stored);
        walked.leaves.push(leaf_hash(body));
    }
    walked
}

/// The root of the tree over the first `n` leaves, for each `n` of `sizes` that the
/// log reaches.
fn roots_at(leaves: &[Hash], sizes: BTreeSet<u64>) -> BTreeMap<u64, Hash> {
    let mut roots = BTreeMap::new();
    let mut f = Frontier::new();
    for size in sizes.into_iter().filter(|&s| s <= leaves.len() as u64) {
        while f.size() < size {
            f.push(leaves[f.size() as usize]);
        }
        roots.insert(size, f.root());
    }
    roots
}

/// Checks the legacy checkpoints; returns how many records the verified ones cover.
fn check_legacy(bytes: &[u8], key: &VerifyingKey, chain: &[Hash], report: &mut VerifyReport) -> u64 {
    let (cps, damage) = checkpoint::parse(bytes);
    report.findings.extend(damage);
    let mut covered = 0;
    for (i, cp) in cps.iter().enumerate() {
        if let Some(problem) = check_legacy_one(i, cp, key, chain) {
            report.findings.push(problem);
        } else {
            report.checkpoints += 1;
            covered = covered.max(cp.count);
        }
    }
    covered
}

fn check_legacy_one(i: usize, cp: &Checkpoint, key: &VerifyingKey, hashes: &[Hash]) -> Option<String> {
    let when = crate::record_time(cp.time);
    if !cp.verify(key) {
        return Some(format!("legacy checkpoint {i} ({when}): its signature does not verify (forged or changed)"));
    }
    let n = cp.count as usize;
    if n > hashes.len() {
        return Some(format!(
            "legacy checkpoint {i} ({when}) covers {n} records but the log holds {}: records were cut off after record {}",
            hashes.len(),
            hashes.len() as i64 - 1
        ));
    }
    let head = if n == 0 { [0; 32] } else { hashes[n - 1] };
    (head != cp.head).then(|| {
        format!("legacy checkpoint {i} ({when}): the first {n} records do not end in the signed head (the log was rewritten before record {n})")
    })
}

/// Checks one signed tree head against the node key and the log; its size if it holds.
fn check_tree_head(
    head: &Result<SignedTreeHead, crate::tree_head::CheckpointError>,
    node: &NoteKey,
    roots: &BTreeMap<u64, Hash>,
    records: u64,
) -> Result<u64, String> {
    let head = head.as_ref().map_err(|e| format!("is unreadable ({e})"))?;
    let n = head.head.size;
    if node.check(&head.note) != (Verdict::Signed { time: None }) {
        return Err(format!("(size {n}): its signature does not verify (forged or changed)"));
    }
    if head.head.origin != node.name.as_str() {
        return Err(format!("(size {n}): names log {:?}, not this one", head.head.origin));
    }
    held_to(&head.head, roots, records).map(|()| n).map_err(|p| format!("covers {n} records but {p}"))
}

/// Whether the log reaches `head`: `Err` says how it does not.
fn held_to(head: &crate::tree_head::TreeHead, roots: &BTreeMap<u64, Hash>, records: u64) -> Result<(), String> {
    match roots.get(&head.size) {
        None => Err(format!("the log holds {records}: records were cut off after record {}", records as i64 - 1)),
        Some(root) if *root != head.root => Err(format!(
            "the log's first {} records do not hash to its root (the log was rewritten before record {})",
            head.size, head.size
        )),
        Some(_) => Ok(()),
    }
}

/// Holds the log to every checkpoint witness `w` cosigned among `notes`.
fn check_witness(
    w: &NoteKey,
    notes: &[Result<SignedTreeHead, crate::tree_head::CheckpointError>],
    node: &NoteKey,
    roots: &BTreeMap<u64, Hash>,
    report: &mut VerifyReport,
) {
    let mut newest: Option<Witnessed> = None;
    let mut seen = BTreeSet::new();
    for (k, note) in notes.iter().enumerate() {
        let Ok(c) = note else { continue };
        if c.head.origin != node.name.as_str() {
            continue;
        }
        let time = match w.check(&c.note) {
            Verdict::Absent => continue,
            Verdict::Bad => {
                report.findings.push(format!("cosigned checkpoint {k}: {}'s cosignature does not verify", w.name));
                continue;
            }
            Verdict::Signed { time } => time.unwrap_or(0),
        };
        if !seen.insert((c.head.size, c.head.root)) {
            continue;
        }
        let when = crate::record_time(time);
        if let Err(p) = held_to(&c.head, roots, report.records) {
            let n = c.head.size;
            report.findings.push(format!("witness {} cosigned a checkpoint of {n} records at {when}, but {p}", w.name));
        }
        if newest.as_ref().is_none_or(|s| s.size < c.head.size) {
            newest = Some(Witnessed { witness: w.name.to_string(), size: c.head.size, time });
        }
    }
    match newest {
        Some(s) => report.witnessed.push(s),
        None => report.findings.push(format!("no checkpoint cosigned by witness {} was found", w.name)),
    }
}
