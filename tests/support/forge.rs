//! What whoever holds the node key can do to the audit log: rewrite records (or cut
//! the log short), chain them afresh and sign new checkpoints with the real key, and
//! delete the local copies of witness cosignatures. The witness tests use it to show
//! that only the witness's cosigned checkpoints still catch this.

use mxr_audit::NodeSigner;
use mxr_audit::log::{Entry, RawFrame, encode_frame, frames};
use mxr_audit::tree::{Frontier, leaf_hash};
use std::path::Path;

/// Rewrites `<audit>/log` as its first `keep` records, each passed through `change`,
/// re-chained; writes `<audit>/tree-heads` anew with checkpoints signed by `signer` at
/// each of `sizes` the new log reaches; removes `<audit>/cosigned`.
pub fn rewrite(audit: &Path, keep: usize, sizes: &[u64], signer: &NodeSigner, change: impl Fn(&mut Entry)) {
    let bytes = std::fs::read(audit.join("log")).unwrap();
    let (mut log, mut heads) = (Vec::new(), Vec::new());
    let mut prev = [0u8; 32];
    let mut frontier = Frontier::new();
    for frame in frames(&bytes).into_iter().take(keep) {
        let RawFrame::Whole { body, .. } = frame else { panic!("a torn record") };
        let mut e = mxr_audit::log::decode_entry(body).unwrap();
        change(&mut e);
        e.prev = prev;
        let (frame, h) = encode_frame(&e).unwrap();
        frontier.push(leaf_hash(&frame[4..frame.len() - 32]));
        log.extend_from_slice(&frame);
        prev = h;
        if sizes.contains(&frontier.size()) {
            let note = signer.sign_tree_head(frontier.size(), frontier.root()).note.to_bytes();
            heads.extend_from_slice(&(note.len() as u32).to_le_bytes());
            heads.extend_from_slice(&note);
        }
    }
    std::fs::write(audit.join("log"), log).unwrap();
    std::fs::write(audit.join("tree-heads"), heads).unwrap();
    let _ = std::fs::remove_file(audit.join("cosigned"));
}
