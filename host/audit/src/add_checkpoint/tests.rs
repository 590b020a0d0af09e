//! Table tests against the tlog-witness spec's example request and its rules.

use super::*;

/// The spec's example request body.
const EXAMPLE: &str = "old 20852014\n\
PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n\
jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n\
5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n\
/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n\
\n\
example.com/behind-the-sofa\n\
20852163\n\
CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\
\n\
\u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";

#[test]
fn the_spec_example_parses_and_writes_back() {
    let r = AddCheckpoint::parse(EXAMPLE.as_bytes()).unwrap();
    assert_eq!((r.old, r.proof.len()), (20852014, 4));
    assert!(r.checkpoint.starts_with(b"example.com/behind-the-sofa\n20852163\n"));
    assert_eq!(r.to_bytes(), EXAMPLE.as_bytes());
    let c = crate::tree_head::SignedTreeHead::parse(&r.checkpoint).unwrap();
    assert_eq!(c.head.size, 20852163);
}

#[test]
fn malformed_requests_are_refused_with_their_reason() {
    let hash = "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n";
    let cases: Vec<(String, ExchangeError)> = vec![
        ("".into(), ExchangeError::BadOld),
        ("old 5".into(), ExchangeError::BadOld),
        ("old 05\n\ncp".into(), ExchangeError::BadOld),
        ("new 5\n\ncp".into(), ExchangeError::BadOld),
        ("old  5\n\ncp".into(), ExchangeError::BadOld),
        ("old 5\nAAAA\n\ncp".into(), ExchangeError::BadProofLine(0)),
        (format!("old 5\n{hash}x{hash}\ncp"), ExchangeError::BadProofLine(1)),
        (format!("old 5\n{hash}"), ExchangeError::NoCheckpoint),
        (format!("old 5\n{}\ncp", hash.repeat(MAX_PROOF_LINES + 1)), ExchangeError::TooManyProofLines),
        ("x".repeat(MAX_BODY_BYTES + 1), ExchangeError::TooLarge),
    ];
    for (body, want) in cases {
        assert_eq!(AddCheckpoint::parse(body.as_bytes()), Err(want), "{body:?}");
    }
    let ok = AddCheckpoint::parse(format!("old 0\n{}\ncp", hash.repeat(MAX_PROOF_LINES)).as_bytes()).unwrap();
    assert_eq!((ok.old, ok.proof.len(), ok.checkpoint.as_slice()), (0, MAX_PROOF_LINES, &b"cp"[..]));
}

#[test]
fn answers_parse_as_cosignatures_or_a_size() {
    let line = "\u{2014} witness.example/w1 CMp+6LWBU0anHGH5aNDTJkH/gj79sG+T6+iP2ThYN5krrDJbR1HDnucjL39QsZTSvVjyQLrdk3DXDqI5G2HgLatVs0pWh6Up69HVOw==\n";
    let sigs = parse_cosignatures(format!("{line}{line}").as_bytes()).unwrap();
    assert_eq!((sigs.len(), sigs[0].name.as_str(), sigs[0].bytes.len()), (2, "witness.example/w1", 72));
    assert_eq!(parse_cosignatures(b""), Err(ExchangeError::BadCosignature(0, NoteError::Unsigned)));
    assert!(matches!(parse_cosignatures(format!("{line}junk\n").as_bytes()), Err(ExchangeError::BadCosignature(1, _))));
    assert_eq!(parse_size(b"20852014\n"), Ok(20852014));
    for bad in [&b"20852014"[..], b"-1\n", b"007\n", b"\n"] {
        assert_eq!(parse_size(bad), Err(ExchangeError::BadSize), "{bad:?}");
    }
}
