//! C2SP signed notes (<https://c2sp.org/signed-note>): a UTF-8 text ending in a
//! newline, a blank line, then one or more lines `— <key name> <base64(key id ||
//! signature)>`. Pure: parsing, formatting, key ids and the two signature types the
//! audit log uses, Ed25519 (`0x01`, the node's checkpoints) and timestamped Ed25519
//! cosignatures (`0x04`, <https://c2sp.org/tlog-cosignature>, the witnesses').
//!
//! Written here rather than taken from the `signed_note` crate (cloudflare/azul): that
//! crate has no cosignature type, would add a third `base64` and `rand_core` 0.6 to
//! the build, and states no minimum Rust version; what is needed is this small.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

/// More signature lines than this and a note is refused (the spec asks for at least 16).
pub const MAX_SIGNATURES: usize = 64;
/// A longer note is refused: a checkpoint with its signatures is a few hundred bytes.
pub const MAX_NOTE_BYTES: usize = 64 << 10;
/// The em dash and space that open a signature line.
const DASH: &str = "\u{2014} ";

/// The signature types mxr reads and writes (a closed set; others are unknown keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SigType {
    /// `0x01`: Ed25519 over the note text.
    Ed25519,
    /// `0x04`: an Ed25519 witness cosignature over `cosignature/v1`, a time and the text.
    Cosignature,
}

impl SigType {
    /// The type's identifier byte in key ids and verifier keys.
    pub fn byte(self) -> u8 {
        match self {
            SigType::Ed25519 => 0x01,
            SigType::Cosignature => 0x04,
        }
    }
}

/// Why a note (or one of its parts) is refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// Larger than [`MAX_NOTE_BYTES`].
    #[error("longer than {MAX_NOTE_BYTES} bytes")]
    TooLarge,
    /// Not UTF-8.
    #[error("not UTF-8")]
    NotUtf8,
    /// An ASCII control character other than newline.
    #[error("a control character at byte {0}")]
    Control(usize),
    /// No blank line before a signature block, or an empty block.
    #[error("no signature lines after a blank line")]
    Unsigned,
    /// More than [`MAX_SIGNATURES`] signature lines.
    #[error("more than {MAX_SIGNATURES} signatures")]
    TooManySignatures,
    /// A signature line that is not `— <name> <base64>`, counted from 0.
    #[error("signature line {0} is malformed")]
    BadSignatureLine(usize),
    /// An empty key name, or one with a space or `+`.
    #[error("key name {0:?}: empty, or holds a space or '+'")]
    BadKeyName(String),
}

/// A key name: non-empty, without Unicode spaces, `+` or control characters.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyName(String);

impl KeyName {
    /// The name as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for KeyName {
    type Error = NoteError;
    fn try_from(s: &str) -> Result<Self, NoteError> {
        let bad = |c: char| c.is_whitespace() || c == '+' || c.is_control();
        if s.is_empty() || s.chars().any(bad) {
            return Err(NoteError::BadKeyName(s.to_owned()));
        }
        Ok(KeyName(s.to_owned()))
    }
}

impl std::fmt::Display for KeyName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// `SHA-256(name || 0x0A || type || public key)[:4]`, big-endian.
pub fn key_id(name: &KeyName, kind: SigType, public: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_str().as_bytes());
    h.update([b'\n', kind.byte()]);
    h.update(public);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// A public key that signs notes: its name, its signature type and the Ed25519 key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteKey {
    /// The key name in signature lines.
    pub name: KeyName,
    /// What it signs.
    pub kind: SigType,
    /// The Ed25519 public key.
    pub public: VerifyingKey,
}

/// What one key says of a note.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No line carries its name and key id.
    Absent,
    /// A line of its verifies; a cosignature's time comes with it.
    Signed {
        /// The cosignature's POSIX time; `None` for a plain Ed25519 signature.
        time: Option<u64>,
    },
    /// A line of its does not verify: the note is to be rejected whole.
    Bad,
}

impl NoteKey {
    /// The key named `name` of type `kind`; refuses a name with spaces or `+`.
    pub fn new(name: &str, kind: SigType, public: VerifyingKey) -> Result<NoteKey, NoteError> {
        Ok(NoteKey { name: KeyName::try_from(name)?, kind, public })
    }

    /// Its key id.
    pub fn id(&self) -> u32 {
        key_id(&self.name, self.kind, self.public.as_bytes())
    }

    /// The verifier key string: `<name>+<hex key id>+<base64(type || public key)>`.
    pub fn vkey(&self) -> String {
        let mut material = vec![self.kind.byte()];
        material.extend_from_slice(self.public.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.id(), B64.encode(material))
    }

    /// Checks this key's lines in `note`.
    pub fn check(&self, note: &Note) -> Verdict {
        let id = self.id();
        let mut verdict = Verdict::Absent;
        for s in note.signatures.iter().filter(|s| s.name == self.name && s.id == id) {
            match self.verify_line(&note.text, &s.bytes) {
                Some(time) => verdict = Verdict::Signed { time },
                None => return Verdict::Bad,
            }
        }
        verdict
    }

    /// The time (for a cosignature) if `bytes` (a line's signature after the key id)
    /// verifies over `text`.
    fn verify_line(&self, text: &str, bytes: &[u8]) -> Option<Option<u64>> {
        match self.kind {
            SigType::Ed25519 => {
                let sig = Signature::from_slice(bytes).ok()?;
                self.public.verify(text.as_bytes(), &sig).ok().map(|()| None)
            }
            SigType::Cosignature => {
                let (time, sig) = bytes.split_first_chunk::<8>()?;
                let time = u64::from_be_bytes(*time);
                let sig = Signature::from_slice(sig).ok()?;
                (time < 1 << 63).then_some(())?;
                self.public.verify(&cosigned_message(time, text), &sig).ok().map(|()| Some(time))
            }
        }
    }
}

/// The message a cosignature signs: `cosignature/v1\ntime <t>\n` and the note text.
pub fn cosigned_message(time: u64, text: &str) -> Vec<u8> {
    format!("cosignature/v1\ntime {time}\n{text}").into_bytes()
}

/// A private key that signs notes: [`NoteKey`] with the secret half.
pub struct NoteSigner {
    name: KeyName,
    kind: SigType,
    key: SigningKey,
}

impl std::fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NoteSigner({})", self.public().vkey())
    }
}

impl NoteSigner {
    /// The signer named `name` of type `kind` for a 32-byte Ed25519 seed.
    pub fn new(name: KeyName, kind: SigType, seed: &[u8; 32]) -> Self {
        NoteSigner { name, kind, key: SigningKey::from_bytes(seed) }
    }

    /// Its public half.
    pub fn public(&self) -> NoteKey {
        NoteKey { name: self.name.clone(), kind: self.kind, public: self.key.verifying_key() }
    }

    /// Its signature line over `text`; a cosignature is stamped with `time`.
    pub fn sign(&self, text: &str, time: u64) -> NoteSignature {
        let id = key_id(&self.name, self.kind, self.key.verifying_key().as_bytes());
        let bytes = match self.kind {
            SigType::Ed25519 => self.key.sign(text.as_bytes()).to_bytes().to_vec(),
            SigType::Cosignature => {
                let mut b = time.to_be_bytes().to_vec();
                b.extend_from_slice(&self.key.sign(&cosigned_message(time, text)).to_bytes());
                b
            }
        };
        NoteSignature { name: self.name.clone(), id, bytes }
    }
}

/// One signature line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name.
    pub name: KeyName,
    /// The key id.
    pub id: u32,
    /// The signature after the key id (for a cosignature: time, then signature).
    pub bytes: Vec<u8>,
}

impl NoteSignature {
    /// The line, newline included.
    pub fn line(&self) -> String {
        let mut raw = self.id.to_be_bytes().to_vec();
        raw.extend_from_slice(&self.bytes);
        format!("{DASH}{} {}\n", self.name, B64.encode(raw))
    }

    /// Parses one line (without its newline); `n` names it in the error.
    pub fn parse_line(line: &str, n: usize) -> Result<Self, NoteError> {
        let bad = || NoteError::BadSignatureLine(n);
        let rest = line.strip_prefix(DASH).ok_or_else(bad)?;
        let (name, sig) = rest.split_once(' ').ok_or_else(bad)?;
        let name = KeyName::try_from(name)?;
        let raw = B64.decode(sig).map_err(|_| bad())?;
        if raw.len() < 5 {
            return Err(bad());
        }
        let id = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
        Ok(NoteSignature { name, id, bytes: raw[4..].to_vec() })
    }
}

/// A signed note: its text (final newline included) and its signature lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The text, ending in a newline.
    pub text: String,
    /// The signatures, in order.
    pub signatures: Vec<NoteSignature>,
}

impl Note {
    /// Parses a whole note. Signatures are not checked here: see [`NoteKey::check`].
    pub fn parse(bytes: &[u8]) -> Result<Note, NoteError> {
        if bytes.len() > MAX_NOTE_BYTES {
            return Err(NoteError::TooLarge);
        }
        let s = std::str::from_utf8(bytes).map_err(|_| NoteError::NotUtf8)?;
        if let Some(at) = s.bytes().position(|b| b < 0x20 && b != b'\n') {
            return Err(NoteError::Control(at));
        }
        let split = s.rfind("\n\n").ok_or(NoteError::Unsigned)?;
        let (text, block) = (&s[..=split], &s[split + 2..]);
        let lines = block.strip_suffix('\n').ok_or(NoteError::Unsigned)?;
        if lines.is_empty() {
            return Err(NoteError::Unsigned);
        }
        let lines: Vec<&str> = lines.split('\n').collect();
        if lines.len() > MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures);
        }
        let signatures =
            lines.iter().enumerate().map(|(n, l)| NoteSignature::parse_line(l, n)).collect::<Result<_, _>>()?;
        Ok(Note { text: text.to_owned(), signatures })
    }

    /// The note as written: text, blank line, signature lines.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.text.clone();
        out.push('\n');
        for s in &self.signatures {
            out.push_str(&s.line());
        }
        out.into_bytes()
    }
}

#[cfg(test)]
mod tests;
