//! Any bytes as the body of every API endpoint that takes one: each body type takes
//! it or refuses it as a bad request that says what is wrong, and nothing panics. Seed with the bodies in tests/api.rs.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    for answer in mxr_api::parse_every_body(bytes) {
        match answer {
            Ok(()) => {}
            Err(mxr_api::ApiError::BadRequest { error, .. }) => assert!(!error.is_empty()),
            Err(other) => panic!("a body is refused as a bad request, not {other:?}"),
        }
    }
});
