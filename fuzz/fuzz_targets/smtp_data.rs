//! Any bytes, in any chunking, as a DATA stream: the same result whatever the chunk
//! size, and the body never holds more than was sent.
#![no_main]

use mxr_smtp::data::DataReader;

libfuzzer_sys::fuzz_target!(|input: (u8, &[u8])| {
    let (chunk, bytes) = input;
    let chunk = usize::from(chunk).max(1);
    let run = |size: usize| {
        let mut r = DataReader::new(1 << 16, 1000);
        let mut used = None;
        let mut at = 0;
        for piece in bytes.chunks(size) {
            if let Some(n) = r.feed(piece) {
                used = Some(at + n);
                break;
            }
            at += piece.len();
        }
        (used, r.finish())
    };
    let (whole, chunked) = (run(bytes.len().max(1)), run(chunk));
    assert_eq!(whole, chunked);
    assert!(whole.1.0.len() <= bytes.len());
});
