//! Any bytes as a signed note or a checkpoint (what `mxr audit verify` reads from
//! `audit/tree-heads`, `audit/cosigned` and `--cosigned` files, and a witness from a
//! request): parsing never panics, what parses writes back to the same bytes, and no
//! key ever finds a valid signature nobody made. Seed with `seeds/tlog_note/`.
#![no_main]

use mxr_audit::note::{KeyName, Note, NoteKey, SigType, Verdict};
use mxr_audit::tree_head::SignedTreeHead;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let public = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
    let Ok(note) = Note::parse(bytes) else { return };
    assert_eq!(note.to_bytes(), bytes, "a parsed note writes back as it came");
    for s in &note.signatures {
        for kind in [SigType::Ed25519, SigType::Cosignature] {
            let key = NoteKey { name: s.name.clone(), kind, public };
            assert_ne!(key.check(&note), Verdict::Signed { time: None }, "a signature nobody made");
            let _ = KeyName::try_from(s.name.as_str()).expect("names parse again");
        }
    }
    if let Ok(c) = SignedTreeHead::parse(bytes) {
        assert!(!c.head.origin.is_empty());
    }
});
