//! The C2SP `tlog-witness` `add-checkpoint` exchange (<https://c2sp.org/tlog-witness>),
//! as bytes. The request body is `old <size>\n`, up to 63 base64 consistency proof
//! lines, a blank line, then the signed checkpoint; a 200 answer is cosignature lines,
//! a 409 answer the witness's known size and a newline. Pure.

use crate::note::{MAX_NOTE_BYTES, NoteError, NoteSignature};
use crate::tree::Hash;
use crate::tree_head::{decimal, hash_of};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

/// Consistency proof lines a request may carry, at most.
pub const MAX_PROOF_LINES: usize = 63;
/// The largest request body read: a note, and the proof lines.
pub const MAX_BODY_BYTES: usize = MAX_NOTE_BYTES + 64 * (MAX_PROOF_LINES + 1);
/// The `Content-Type` of a 409 answer.
pub const SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";

/// Why a request or an answer is refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExchangeError {
    /// Longer than [`MAX_BODY_BYTES`].
    #[error("longer than {MAX_BODY_BYTES} bytes")]
    TooLarge,
    /// No `old <size>` first line, or a size with leading zeros.
    #[error("the first line is not `old <size>`")]
    BadOld,
    /// A proof line, counted from 0, that is not one base64 hash.
    #[error("proof line {0} is not a base64 SHA-256 hash")]
    BadProofLine(usize),
    /// More than [`MAX_PROOF_LINES`] proof lines.
    #[error("more than {MAX_PROOF_LINES} proof lines")]
    TooManyProofLines,
    /// No blank line before the checkpoint.
    #[error("no blank line before the checkpoint")]
    NoCheckpoint,
    /// A 200 answer that is not cosignature lines.
    #[error("cosignature line {0}: {1}")]
    BadCosignature(usize, NoteError),
    /// A 409 answer that is not a size and a newline.
    #[error("not a tree size and a newline")]
    BadSize,
}

/// An `add-checkpoint` request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size of the witness's previous checkpoint of this log (0: none).
    pub old: u64,
    /// The consistency proof from `old` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The signed checkpoint, as bytes.
    pub checkpoint: Vec<u8>,
}

impl AddCheckpoint {
    /// The request body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("old {}\n", self.old);
        for h in &self.proof {
            out.push_str(&B64.encode(h));
            out.push('\n');
        }
        out.push('\n');
        let mut out = out.into_bytes();
        out.extend_from_slice(&self.checkpoint);
        out
    }

    /// Parses a request body (the checkpoint itself is parsed by the caller).
    pub fn parse(body: &[u8]) -> Result<AddCheckpoint, ExchangeError> {
        if body.len() > MAX_BODY_BYTES {
            return Err(ExchangeError::TooLarge);
        }
        let (first, mut rest) = split_line(body).ok_or(ExchangeError::BadOld)?;
        let old = std::str::from_utf8(first).ok().and_then(|l| l.strip_prefix("old ")).and_then(decimal);
        let old = old.ok_or(ExchangeError::BadOld)?;
        let mut proof = Vec::new();
        loop {
            let (line, next) = split_line(rest).ok_or(ExchangeError::NoCheckpoint)?;
            rest = next;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_LINES {
                return Err(ExchangeError::TooManyProofLines);
            }
            let hash = std::str::from_utf8(line).ok().and_then(hash_of);
            proof.push(hash.ok_or(ExchangeError::BadProofLine(proof.len()))?);
        }
        Ok(AddCheckpoint { old, proof, checkpoint: rest.to_vec() })
    }
}

/// The line before the first newline, and what follows it.
fn split_line(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = b.iter().position(|&c| c == b'\n')?;
    Some((&b[..at], &b[at + 1..]))
}

/// The cosignature lines of a 200 answer.
pub fn parse_cosignatures(body: &[u8]) -> Result<Vec<NoteSignature>, ExchangeError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(ExchangeError::TooLarge);
    }
    let text = std::str::from_utf8(body).map_err(|_| ExchangeError::BadCosignature(0, NoteError::NotUtf8))?;
    let lines = text.strip_suffix('\n').ok_or(ExchangeError::BadCosignature(0, NoteError::Unsigned))?;
    lines
        .split('\n')
        .enumerate()
        .map(|(n, l)| NoteSignature::parse_line(l, n).map_err(|e| ExchangeError::BadCosignature(n, e)))
        .collect()
}

/// The tree size of a 409 answer.
pub fn parse_size(body: &[u8]) -> Result<u64, ExchangeError> {
    let text = std::str::from_utf8(body).map_err(|_| ExchangeError::BadSize)?;
    text.strip_suffix('\n').and_then(decimal).ok_or(ExchangeError::BadSize)
}

#[cfg(test)]
mod tests;
