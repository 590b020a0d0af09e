//! Any UTF-8 text as a config file: validation accepts it or refuses it with an error,
//! never panics, and a refusal always says something.
#![no_main]

libfuzzer_sys::fuzz_target!(|text: &str| {
    if let Err(e) = mxr_config::validate(text, std::path::Path::new("/nonexistent")) {
        assert!(!e.to_string().is_empty());
    }
});
