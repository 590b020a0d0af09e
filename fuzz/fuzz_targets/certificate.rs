//! Any bytes as a deletion certificate file (`mxr certificate verify FILE`): the check
//! refuses them with a message or accepts them, never panics, and never accepts a
//! certificate the key did not sign.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
    match mxr_ops::certificate::verify(bytes, &key) {
        Ok(_) => panic!("a certificate nobody signed was accepted"),
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
