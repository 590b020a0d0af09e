//! Any bytes as an Outlook `winmail.dat` (TNEF): the unpacker takes the stream or
//! refuses it, never panics, and what it gives back is no more than it was given.
//! Every message from anyone with such a part reaches it, so a panic would be a remote
//! crash. Seed with seeds/tnef/.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    if let Ok(t) = mxr_mail::tnef::unpack(bytes) {
        let given = t.body.map_or(0, |b| b.len()) + t.files.iter().map(|f| f.bytes.len()).sum::<usize>();
        assert!(given <= bytes.len(), "{given} bytes out of {}", bytes.len());
    }
});
