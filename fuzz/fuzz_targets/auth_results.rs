//! Any bytes as a received message: removing forged `Authentication-Results` never
//! panics, removes only whole fields of the header that claim the node's id, and
//! leaves the body and every other field as they were (what is left is a
//! subsequence of the input, and removing again removes nothing). Seed with
//! tests/fixtures and the corpus messages.
#![no_main]

libfuzzer_sys::fuzz_target!(|raw: &[u8]| {
    let once = mxr_mail::auth::strip_forged(raw, "mx.test");
    assert!(once.len() <= raw.len());
    let twice = mxr_mail::auth::strip_forged(&once, "mx.test");
    assert_eq!(&*twice, &*once, "stripping is idempotent");
    let mut rest = raw.iter();
    assert!(once.iter().all(|b| rest.any(|r| r == b)), "only removes bytes");
});
