//! Checking a log against itself and its signed checkpoints, saying where it breaks.
//!
//! Within the chain, a changed record no longer matches its hash, and a removed,
//! inserted or reordered one carries the wrong sequence number or previous hash.
//! Against the checkpoints, a log rewritten with fresh hashes no longer reaches the
//! signed head, and a log cut short holds fewer records than a checkpoint covers.
//! Records after the last checkpoint are protected by the chain alone: cutting them
//! off is what no log can show, which is why the relay signs every minute and at stop.

use super::checkpoint::{self, Checkpoint};
use super::log::{Entry, RawFrame, frames, hash};
use ed25519_dalek::VerifyingKey;

/// At most this many problems are listed.
const MAX_FINDINGS: usize = 20;

/// What `verify` found.
#[derive(Debug, Default)]
pub struct VerifyReport {
    /// Records read.
    pub records: u64,
    /// Checkpoints whose signature verified.
    pub checkpoints: usize,
    /// Records after the last checkpoint (not yet signed).
    pub unsigned: u64,
    /// Every problem, with where it is.
    pub findings: Vec<String>,
}

impl VerifyReport {
    /// True when nothing is wrong.
    pub fn intact(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Verifies a log's bytes and its checkpoint file's bytes with the node's public key.
pub fn verify(log: &[u8], checkpoints: &[u8], key: &VerifyingKey) -> VerifyReport {
    let mut report = VerifyReport::default();
    let hashes = walk_chain(log, &mut report);
    report.records = hashes.len() as u64;
    let (cps, damage) = checkpoint::parse(checkpoints);
    report.findings.extend(damage);
    let mut covered = 0;
    for (i, cp) in cps.iter().enumerate() {
        if let Some(problem) = check_checkpoint(i, cp, key, &hashes) {
            report.findings.push(problem);
        } else {
            report.checkpoints += 1;
            covered = covered.max(cp.count);
        }
    }
    report.unsigned = report.records.saturating_sub(covered);
    report.findings.truncate(MAX_FINDINGS);
    report
}

/// Walks the frames; returns each record's hash as stored (the chain as the file has it).
fn walk_chain(log: &[u8], report: &mut VerifyReport) -> Vec<[u8; 32]> {
    let mut hashes = Vec::new();
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
        hashes.push(stored);
    }
    hashes
}

fn check_checkpoint(i: usize, cp: &Checkpoint, key: &VerifyingKey, hashes: &[[u8; 32]]) -> Option<String> {
    let when = crate::record_time(cp.time);
    if !cp.verify(key) {
        return Some(format!("checkpoint {i} ({when}): its signature does not verify (forged or changed)"));
    }
    let n = cp.count as usize;
    if n > hashes.len() {
        return Some(format!(
            "checkpoint {i} ({when}) covers {n} records but the log holds {}: records were cut off after record {}",
            hashes.len(),
            hashes.len() as i64 - 1
        ));
    }
    let head = if n == 0 { [0; 32] } else { hashes[n - 1] };
    (head != cp.head).then(|| {
        format!("checkpoint {i} ({when}): the first {n} records do not end in the signed head (the log was rewritten before record {n})")
    })
}
