//! Outlook's TNEF container (`winmail.dat`, `application/ms-tnef`, [MS-OXTNEF]): the
//! files inside it and its plain-text body, so that a view can show them as the
//! attachments and text they are instead of one opaque blob that holds the message's
//! names, addresses and body byte for byte.
//!
//! A stream is a signature, a key and a list of attributes, each `level, id, length,
//! data, checksum`. Only these are read; every other attribute (the MAPI properties,
//! which carry the sender's and recipients' names and addresses and the RTF body, the
//! dates, the message class) is skipped, and so never reaches a view.
//!
//! [MS-OXTNEF]: https://learn.microsoft.com/en-us/openspecs/exchange_server_protocols/ms-oxtnef/

use crate::AttachmentEntry;

/// The first four bytes of every TNEF stream (`0x223E9F78`, little-endian).
pub const SIGNATURE: [u8; 4] = [0x78, 0x9f, 0x3e, 0x22];

/// `attBody`: the message's plain text.
const ATT_BODY: u32 = 0x0002_800c;
/// `attAttachRendData`: the first attribute of each attached file.
const ATT_ATTACH_REND_DATA: u32 = 0x0006_9002;
/// `attAttachTitle`: an attached file's name, 8-bit and NUL-terminated.
const ATT_ATTACH_TITLE: u32 = 0x0001_8010;
/// `attAttachData`: an attached file's bytes.
const ATT_ATTACH_DATA: u32 = 0x0006_800f;
/// The level of attributes of the message (the rest are of its attachments).
const LEVEL_MESSAGE: u8 = 1;

/// What a TNEF stream carries that a view may show.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tnef {
    /// The plain-text body (`attBody`), when the stream has one.
    pub body: Option<Vec<u8>>,
    /// The attached files, in order.
    pub files: Vec<TnefFile>,
}

/// One file attached inside a TNEF stream.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TnefFile {
    /// Its name (`attAttachTitle`), when given.
    pub name: Option<String>,
    /// Its bytes (`attAttachData`); empty when the stream gave none (an embedded
    /// message, which lives in the skipped MAPI properties).
    pub bytes: Vec<u8>,
}

/// Why bytes are not a TNEF stream.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TnefError {
    /// The bytes do not start with [`SIGNATURE`] and a key.
    #[error("no TNEF signature")]
    NoSignature,
    /// An attribute at this offset runs past the end of the stream.
    #[error("TNEF attribute at byte {0} is cut off")]
    Truncated(usize),
}

/// True for a part that is a TNEF stream: by its type (`application/ms-tnef`,
/// `application/vnd.ms-tnef`), its name (`winmail.dat`) or its first bytes.
pub fn is_tnef(content_type: &str, name: Option<&str>, bytes: &[u8]) -> bool {
    matches!(content_type, "application/ms-tnef" | "application/vnd.ms-tnef")
        || name.is_some_and(|n| n.eq_ignore_ascii_case("winmail.dat"))
        || bytes.starts_with(&SIGNATURE)
}

/// The attachments a view shows in place of the TNEF part `bytes` named `name`: its
/// body as a text part and each file as an attachment of its own (its type left to the
/// view to tell by its name and bytes). A stream that does not unpack shows as one
/// empty `application/ms-tnef` part under its own name and hash: what it holds is
/// never handed over unread.
pub(crate) fn entries(name: Option<String>, bytes: &[u8]) -> Vec<AttachmentEntry> {
    let Ok(tnef) = unpack(bytes) else {
        let hash = AttachmentEntry::new(None, String::new(), bytes.to_vec()).sha256;
        return vec![AttachmentEntry { name, content_type: "application/ms-tnef".into(), bytes: vec![], sha256: hash }];
    };
    let body = tnef.body.map(|b| AttachmentEntry::new(None, "text/plain".into(), b));
    let files =
        tnef.files.into_iter().map(|f| AttachmentEntry::new(f.name, "application/octet-stream".into(), f.bytes));
    body.into_iter().chain(files).collect()
}

/// The body and files of the TNEF stream `bytes`. Checksums are not checked (a wrong
/// one changes nothing that is shown); a stream cut off anywhere is an error, so a
/// damaged one is never half shown.
pub fn unpack(bytes: &[u8]) -> Result<Tnef, TnefError> {
    if bytes.len() < 6 || bytes[..4] != SIGNATURE {
        return Err(TnefError::NoSignature);
    }
    let mut tnef = Tnef::default();
    let mut at = 6; // signature, then a 16-bit key
    while at < bytes.len() {
        let (level, id, data, next) = attribute(bytes, at).ok_or(TnefError::Truncated(at))?;
        match id {
            ATT_BODY if level == LEVEL_MESSAGE => tnef.body = Some(data.to_vec()),
            ATT_ATTACH_REND_DATA => tnef.files.push(TnefFile::default()),
            ATT_ATTACH_TITLE => {
                if let Some(file) = tnef.files.last_mut() {
                    let name = data.split(|b| *b == 0).next().unwrap_or_default();
                    file.name = Some(String::from_utf8_lossy(name).into_owned());
                }
            }
            ATT_ATTACH_DATA => {
                if let Some(file) = tnef.files.last_mut() {
                    file.bytes = data.to_vec();
                }
            }
            _ => {}
        }
        at = next;
    }
    Ok(tnef)
}

/// The attribute at `at`: its level, its id, its data and where the next one starts;
/// `None` when it is cut off.
fn attribute(bytes: &[u8], at: usize) -> Option<(u8, u32, &[u8], usize)> {
    let level = *bytes.get(at)?;
    let id = u32::from_le_bytes(bytes.get(at + 1..at + 5)?.try_into().ok()?);
    let len = u32::from_le_bytes(bytes.get(at + 5..at + 9)?.try_into().ok()?) as usize;
    let data_end = (at + 9).checked_add(len)?;
    let data = bytes.get(at + 9..data_end)?;
    // The 16-bit checksum after the data.
    let next = data_end.checked_add(2).filter(|n| *n <= bytes.len())?;
    Some((level, id, data, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One attribute as a TNEF writer lays it out.
    fn attr(level: u8, id: u32, data: &[u8]) -> Vec<u8> {
        let sum = data.iter().map(|b| u16::from(*b)).fold(0u16, u16::wrapping_add);
        let mut out = vec![level];
        out.extend(id.to_le_bytes());
        out.extend((data.len() as u32).to_le_bytes());
        out.extend(data);
        out.extend(sum.to_le_bytes());
        out
    }

    /// A stream with a body, MAPI properties naming the sender, and two files.
    fn stream() -> Vec<u8> {
        let mut s = SIGNATURE.to_vec();
        s.extend([0x01, 0x00]);
        s.extend(attr(1, 0x0009_8008, b"IPM.Microsoft Mail.Note\0"));
        s.extend(attr(1, ATT_BODY, b"Beste Lotte, zie bijlage."));
        s.extend(attr(1, 0x0006_9003, b"\x01\0\0\0\x1e\0\x1a\x0c\x01\0\0\0\x0f\0\0\0Lotte Zwanenburg\0"));
        s.extend(attr(2, ATT_ATTACH_REND_DATA, &[0; 14]));
        s.extend(attr(2, ATT_ATTACH_TITLE, b"cv lotte.pdf\0"));
        s.extend(attr(2, ATT_ATTACH_DATA, b"%PDF-1.7 ..."));
        s.extend(attr(2, ATT_ATTACH_REND_DATA, &[0; 14]));
        s.extend(attr(2, ATT_ATTACH_DATA, b"MZ\x90\0"));
        s
    }

    #[test]
    fn a_stream_gives_its_body_and_files_and_nothing_else() {
        let t = unpack(&stream()).unwrap();
        assert_eq!(t.body.as_deref(), Some(&b"Beste Lotte, zie bijlage."[..]));
        let files: Vec<(Option<&str>, &[u8])> = t.files.iter().map(|f| (f.name.as_deref(), &f.bytes[..])).collect();
        assert_eq!(files, [(Some("cv lotte.pdf"), &b"%PDF-1.7 ..."[..]), (None, &b"MZ\x90\0"[..])]);
        assert!(!format!("{t:?}").contains("Zwanenburg"), "MAPI properties are skipped");
    }

    #[test]
    fn anything_but_a_whole_stream_is_an_error() {
        let whole = stream();
        assert_eq!(unpack(b"PK\x03\x04 a zip"), Err(TnefError::NoSignature));
        assert_eq!(unpack(&whole[..4]), Err(TnefError::NoSignature));
        // Cut anywhere inside an attribute: an error, never a part of the stream.
        for cut in 7..whole.len() {
            let t = unpack(&whole[..cut]);
            let boundary = t.is_ok();
            assert!(boundary == attribute_ends(&whole).contains(&cut), "cut at {cut}: {t:?}");
        }
        // The probe's fake: a signature, then RTF where attributes should be.
        let fake = b"\x78\x9f\x3e\x22\x01\x06\x90\x08\x00{\\rtf1 Geachte heer Sultan, BSN 567890123.}";
        assert!(matches!(unpack(fake), Err(TnefError::Truncated(6))));
    }

    #[test]
    fn any_byte_changed_unpacks_or_fails_within_what_was_given() {
        // The fuzz target's property (fuzz/fuzz_targets/tnef.rs) over every one-byte
        // change of a whole stream, including lengths near `u32::MAX`.
        let whole = stream();
        for at in 0..whole.len() {
            for value in [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff] {
                let mut changed = whole.clone();
                changed[at] = value;
                if let Ok(t) = unpack(&changed) {
                    let given = t.body.map_or(0, |b| b.len()) + t.files.iter().map(|f| f.bytes.len()).sum::<usize>();
                    assert!(given <= changed.len(), "byte {at} = {value:#x}");
                }
            }
        }
    }

    /// Where each attribute of `s` ends.
    fn attribute_ends(s: &[u8]) -> Vec<usize> {
        let mut ends = vec![6];
        while let Some((_, _, _, next)) = attribute(s, *ends.last().unwrap()) {
            ends.push(next);
        }
        ends
    }
}
