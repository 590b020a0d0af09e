//! C2SP checkpoints (<https://c2sp.org/tlog-checkpoint>): the note text `<origin>\n
//! <tree size>\n<base64 root hash>\n`, then optional extension lines, signed as a
//! [`note`](crate::note). The audit log writes no extension lines. Pure.

use crate::note::{Note, NoteError};
use crate::tree::Hash;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

/// Why a checkpoint is refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The signed note around it.
    #[error("signed note: {0}")]
    Note(#[from] NoteError),
    /// Fewer than three lines.
    #[error("fewer than three lines")]
    Short,
    /// An empty origin line.
    #[error("empty origin line")]
    EmptyOrigin,
    /// A tree size that is not a decimal without leading zeros.
    #[error("tree size {0:?} is not a decimal number without leading zeros")]
    BadSize(String),
    /// A root hash that is not 32 bytes in base64.
    #[error("root hash {0:?} is not 32 bytes in base64")]
    BadRoot(String),
    /// An empty extension line.
    #[error("an empty extension line")]
    EmptyExtension,
}

/// A tree head: the log's origin, its size and its RFC 6962 root hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeHead {
    /// The log's identity (and the key name of its signature).
    pub origin: String,
    /// Leaves in the tree.
    pub size: u64,
    /// The tree's root hash.
    pub root: Hash,
}

/// A decimal with no leading zeros (`0` itself allowed), as the C2SP formats write sizes.
pub fn decimal(s: &str) -> Option<u64> {
    let canonical = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    canonical.then(|| s.parse().ok()).flatten()
}

/// A base64 SHA-256 hash.
pub fn hash_of(s: &str) -> Option<Hash> {
    B64.decode(s).ok()?.try_into().ok()
}

impl TreeHead {
    /// The checkpoint's note text.
    pub fn text(&self) -> String {
        format!("{}\n{}\n{}\n", self.origin, self.size, B64.encode(self.root))
    }

    /// Reads a checkpoint's note text (extension lines are allowed and not kept).
    pub fn parse(text: &str) -> Result<TreeHead, CheckpointError> {
        let body = text.strip_suffix('\n').ok_or(CheckpointError::Short)?;
        let mut lines = body.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next()) else {
            return Err(CheckpointError::Short);
        };
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        if lines.any(str::is_empty) {
            return Err(CheckpointError::EmptyExtension);
        }
        Ok(TreeHead {
            origin: origin.to_owned(),
            size: decimal(size).ok_or_else(|| CheckpointError::BadSize(size.to_owned()))?,
            root: hash_of(root).ok_or_else(|| CheckpointError::BadRoot(root.to_owned()))?,
        })
    }
}

/// A checkpoint as signed: its tree head and the note carrying its signatures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedTreeHead {
    /// What it states.
    pub head: TreeHead,
    /// The note: the text and every signature line.
    pub note: Note,
}

impl SignedTreeHead {
    /// Parses a signed checkpoint (signatures unchecked: see [`crate::note::NoteKey::check`]).
    pub fn parse(bytes: &[u8]) -> Result<SignedTreeHead, CheckpointError> {
        let note = Note::parse(bytes)?;
        Ok(SignedTreeHead { head: TreeHead::parse(&note.text)?, note })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spec's example checkpoint.
    const EXAMPLE: &str = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n\u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";

    #[test]
    fn the_spec_example_parses_and_writes_back() {
        let c = SignedTreeHead::parse(EXAMPLE.as_bytes()).unwrap();
        assert_eq!((c.head.origin.as_str(), c.head.size), ("example.com/behind-the-sofa", 20852163));
        assert_eq!(c.head.text(), c.note.text);
        assert_eq!(c.note.to_bytes(), EXAMPLE.as_bytes());
        assert_eq!(c.note.signatures[0].name.as_str(), "example.com/behind-the-sofa");
    }

    #[test]
    fn malformed_bodies_are_refused_with_their_reason() {
        let root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
        let cases = [
            ("o\n1\n".to_owned(), CheckpointError::Short),
            (format!("o\n1\n{root}"), CheckpointError::Short),
            (format!("\n1\n{root}\n"), CheckpointError::EmptyOrigin),
            (format!("o\n01\n{root}\n"), CheckpointError::BadSize("01".into())),
            (format!("o\n-1\n{root}\n"), CheckpointError::BadSize("-1".into())),
            (format!("o\n18446744073709551616\n{root}\n"), CheckpointError::BadSize("18446744073709551616".into())),
            ("o\n1\nAAAA\n".to_owned(), CheckpointError::BadRoot("AAAA".into())),
            (format!("o\n1\n{root}\next\n\n"), CheckpointError::EmptyExtension),
        ];
        for (text, want) in cases {
            assert_eq!(TreeHead::parse(&text), Err(want), "{text:?}");
        }
        let ok = TreeHead::parse(&format!("o\n0\n{root}\next\n")).unwrap();
        assert_eq!(ok.size, 0);
    }
}
