//! The framing the audit folder's small files share: each item is a little-endian
//! `u32` length and that many bytes, appended and fsynced. Parsing is pure and says
//! where a damaged file stops making sense.

use std::io::Write;
use std::path::Path;

/// The items of a framed file's bytes, and the offset of a cut-short last frame.
pub fn parse(bytes: &[u8]) -> (Vec<&[u8]>, Option<usize>) {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < bytes.len() {
        let len = bytes.get(at..at + 4).map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize);
        match len.and_then(|len| bytes.get(at + 4..at + 4 + len)) {
            Some(body) => {
                out.push(body);
                at += 4 + body.len();
            }
            None => return (out, Some(at)),
        }
    }
    (out, None)
}

/// Appends `body` as one frame to `path` (a private file, created if missing) and
/// fsyncs it before returning.
pub fn append(path: &Path, body: &[u8]) -> std::io::Result<()> {
    let mut frame = (body.len() as u32).to_le_bytes().to_vec();
    frame.extend_from_slice(body);
    let mut f = mxr_durable::open_private(path, true)?;
    f.write_all(&frame)?;
    f.sync_data()
}

/// The items of the framed file at `path`; a missing file has none.
pub fn read(path: &Path) -> std::io::Result<Vec<u8>> {
    match std::fs::read(path) {
        Ok(b) => Ok(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(vec![]),
        Err(e) => Err(e),
    }
}
