//! Any bytes as a command line: the parser answers Ok or a 5xx reply, never panics,
//! and every refusal is a well-formed reply.
#![no_main]

libfuzzer_sys::fuzz_target!(|line: &[u8]| {
    if let Err(reply) = mxr_smtp::command::parse(line) {
        assert!((500..600).contains(&reply.code), "{reply}");
        assert!(reply.to_wire().ends_with("\r\n"));
    }
});
