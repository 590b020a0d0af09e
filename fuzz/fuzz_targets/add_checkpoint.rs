//! Any bytes as an `add-checkpoint` request body, and as a witness's answers: the
//! parsers never panic, a parsed request writes back to the same bytes, and a witness
//! (real, with its state in a temporary folder) never cosigns what its trusted log did
//! not sign. Seed with `seeds/add_checkpoint/`.
#![no_main]

use mxr_audit::add_checkpoint::{AddCheckpoint, parse_cosignatures, parse_size};
use mxr_audit::note::{KeyName, NoteSigner, SigType};
use mxr_audit::witness::Witness;
use std::sync::OnceLock;

fn witness() -> &'static Witness {
    static W: OnceLock<Witness> = OnceLock::new();
    W.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("mxr-fuzz-witness-{}", std::process::id()));
        let signer = NoteSigner::new(KeyName::try_from("fuzz.test/w").unwrap(), SigType::Cosignature, &[5; 32]);
        let log = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
        Witness::open(&dir, signer, vec![mxr_audit::node_note_key(&log)]).unwrap()
    })
}

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    if let Ok(req) = AddCheckpoint::parse(bytes) {
        assert_eq!(req.to_bytes(), bytes, "a parsed request writes back as it came");
    }
    assert!(witness().add_checkpoint(bytes, 1).is_err(), "cosigned a checkpoint nobody signed");
    let _ = parse_cosignatures(bytes);
    let _ = parse_size(bytes);
});
