//! Table tests against the signed-note spec's rules and the Go `note` package's
//! published example key (PeterNeumann), whose signature Ed25519 reproduces exactly.

use super::*;

const SKEY_MATERIAL: &str = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const TEXT: &str =
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const SIGNED: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

fn peter() -> NoteSigner {
    let material = B64.decode(SKEY_MATERIAL).unwrap();
    assert_eq!(material[0], 0x01);
    NoteSigner::new(KeyName::try_from("PeterNeumann").unwrap(), SigType::Ed25519, &material[1..].try_into().unwrap())
}

#[test]
fn the_spec_example_key_signs_and_verifies_byte_for_byte() {
    let signer = peter();
    assert_eq!(signer.public().vkey(), VKEY);
    assert_eq!(signer.public().id(), 0xc74f20a3);
    let note = Note { text: TEXT.into(), signatures: vec![signer.sign(TEXT, 0)] };
    assert_eq!(String::from_utf8(note.to_bytes()).unwrap(), SIGNED);
    let parsed = Note::parse(SIGNED.as_bytes()).unwrap();
    assert_eq!(parsed, note);
    assert_eq!(signer.public().check(&parsed), Verdict::Signed { time: None });
}

#[test]
fn a_changed_text_or_signature_is_bad_and_another_key_is_absent() {
    let key = peter().public();
    let changed = SIGNED.replacen("cryptography", "cryptograph", 1);
    assert_eq!(key.check(&Note::parse(changed.as_bytes()).unwrap()), Verdict::Bad);
    let other = NoteSigner::new(KeyName::try_from("PeterNeumann").unwrap(), SigType::Ed25519, &[9; 32]);
    assert_eq!(other.public().check(&Note::parse(SIGNED.as_bytes()).unwrap()), Verdict::Absent);
}

#[test]
fn cosignatures_use_type_4_and_sign_the_time_and_the_text() {
    let name = KeyName::try_from("witness.example/w1").unwrap();
    let w = NoteSigner::new(name.clone(), SigType::Cosignature, &[3; 32]);
    let as_plain = key_id(&name, SigType::Ed25519, w.public().public.as_bytes());
    assert_ne!(w.public().id(), as_plain, "the type byte is part of the key id");
    let line = w.sign(TEXT, 1_679_315_147);
    assert_eq!(line.bytes.len(), 8 + 64, "a timestamped signature");
    assert_eq!(&line.bytes[..8], &1_679_315_147u64.to_be_bytes());
    let note = Note { text: TEXT.into(), signatures: vec![line.clone()] };
    assert_eq!(w.public().check(&note), Verdict::Signed { time: Some(1_679_315_147) });
    let msg = cosigned_message(1_679_315_147, TEXT);
    assert!(msg.starts_with(b"cosignature/v1\ntime 1679315147\nIf you think"));
    let mut later = line;
    later.bytes[..8].copy_from_slice(&1_679_315_148u64.to_be_bytes());
    assert_eq!(w.public().check(&Note { text: TEXT.into(), signatures: vec![later] }), Verdict::Bad);
}

#[test]
fn malformed_notes_are_refused_with_their_reason() {
    let sig = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    let cases: Vec<(String, NoteError)> = vec![
        (format!("text\n{sig}"), NoteError::Unsigned),
        ("text\n\n".into(), NoteError::Unsigned),
        (format!("text\n\n{}", sig.trim_end()), NoteError::Unsigned),
        (format!("te\rxt\n\n{sig}"), NoteError::Control(2)),
        ("text\n\n- PeterNeumann AAAAAAA=\n".into(), NoteError::BadSignatureLine(0)),
        (format!("text\n\n{sig}\u{2014} PeterNeumann\n"), NoteError::BadSignatureLine(1)),
        ("text\n\n\u{2014} Peter+Neumann x08go/ZJ\n".into(), NoteError::BadKeyName("Peter+Neumann".into())),
        ("text\n\n\u{2014} x AAAA\n".into(), NoteError::BadSignatureLine(0)),
        ("text\n\n\u{2014} x not-base64!\n".into(), NoteError::BadSignatureLine(0)),
        (format!("text\n\n{}", sig.repeat(MAX_SIGNATURES + 1)), NoteError::TooManySignatures),
        ("x".repeat(MAX_NOTE_BYTES + 1), NoteError::TooLarge),
    ];
    for (input, want) in cases {
        assert_eq!(Note::parse(input.as_bytes()), Err(want), "{input:?}");
    }
    assert_eq!(Note::parse(b"\xff\n\n"), Err(NoteError::NotUtf8));
    // The text may hold blank lines: the last one separates it from the signatures.
    let n = Note::parse(format!("a\n\nb\n\n{sig}").as_bytes()).unwrap();
    assert_eq!((n.text.as_str(), n.signatures.len()), ("a\n\nb\n", 1));
}

#[test]
fn key_names_refuse_spaces_plus_and_emptiness() {
    for bad in ["", "a b", "a+b", "a\u{00a0}b", "a\tb"] {
        assert!(KeyName::try_from(bad).is_err(), "{bad:?}");
    }
    for good in ["example.com/log", "mxr-audit/00ff", "oid/1.3.6"] {
        assert_eq!(KeyName::try_from(good).unwrap().as_str(), good);
    }
}
