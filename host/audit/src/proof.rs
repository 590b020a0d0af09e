//! Inclusion and consistency proofs from a log file's bytes (RFC 6962 §2.1.1 and
//! §2.1.2), for `mxr audit prove` and for the proofs sent to witnesses. Each builds the
//! tree over the records it needs, in memory, and never reads past the first torn
//! frame.

use crate::log::{RawFrame, frames};
use crate::tree::{Hash, ProofError, Tree};

/// The frame bodies (the Merkle leaves) of a log's bytes, up to the first torn frame.
pub fn entries(log: &[u8]) -> Vec<&[u8]> {
    frames(log)
        .into_iter()
        .map_while(|f| match f {
            RawFrame::Whole { body, .. } => Some(body),
            RawFrame::Torn { .. } => None,
        })
        .collect()
}

/// The tree over the first `size` records of `log`.
pub fn tree_of(log: &[u8], size: u64) -> Result<Tree, ProofError> {
    let all = entries(log);
    if size > all.len() as u64 {
        return Err(ProofError::OutOfRange { have: all.len() as u64, asked: size });
    }
    Ok(Tree::new(all.into_iter().take(size as usize)))
}

/// The inclusion proof of record `index` in the tree of the first `size` records.
pub fn inclusion(log: &[u8], index: u64, size: u64) -> Result<Vec<Hash>, ProofError> {
    tree_of(log, size)?.prove_inclusion(index)
}

/// The consistency proof from the first `old` records to the first `new` (empty
/// from an empty tree, as the witness protocol wants).
pub fn consistency(log: &[u8], old: u64, new: u64) -> Result<Vec<Hash>, ProofError> {
    if old == 0 && new <= entries(log).len() as u64 {
        return Ok(vec![]);
    }
    tree_of(log, new)?.prove_consistency(old)
}
