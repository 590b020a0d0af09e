//! Recognising common file types by their first bytes, and what a declared type or
//! extension promises.

/// A family of file formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Pdf,
    Png,
    Jpeg,
    Gif,
    /// ZIP, and the Office Open XML formats built on it.
    Zip,
    /// Legacy Office (OLE2 compound file).
    Ole,
    /// PE (`MZ`) or ELF.
    Executable,
    Text,
}

/// The kind the bytes show, if recognised.
pub fn sniff(b: &[u8]) -> Option<Kind> {
    let starts = |m: &[u8]| b.starts_with(m);
    Some(if starts(b"%PDF-") {
        Kind::Pdf
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Kind::Png
    } else if starts(&[0xff, 0xd8, 0xff]) {
        Kind::Jpeg
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Kind::Gif
    } else if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") {
        Kind::Zip
    } else if starts(&[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]) {
        Kind::Ole
    } else if starts(b"MZ") || starts(b"\x7fELF") {
        Kind::Executable
    } else if !b.is_empty() && b.iter().take(512).all(|c| c.is_ascii_graphic() || c.is_ascii_whitespace()) {
        Kind::Text
    } else {
        return None;
    })
}

/// The kind a content type (or, failing that, an extension) promises.
pub fn declared(content_type: &str, ext: &str) -> Option<Kind> {
    let by_type = match content_type {
        "application/pdf" => Some(Kind::Pdf),
        "image/png" => Some(Kind::Png),
        "image/jpeg" | "image/jpg" => Some(Kind::Jpeg),
        "image/gif" => Some(Kind::Gif),
        "application/zip" | "application/x-zip-compressed" => Some(Kind::Zip),
        t if t.starts_with("application/vnd.openxmlformats") => Some(Kind::Zip),
        "application/msword" | "application/vnd.ms-excel" | "application/vnd.ms-powerpoint" => Some(Kind::Ole),
        t if t.starts_with("text/") => Some(Kind::Text),
        _ => None,
    };
    by_type.or(match ext {
        "pdf" => Some(Kind::Pdf),
        "png" => Some(Kind::Png),
        "jpg" | "jpeg" => Some(Kind::Jpeg),
        "gif" => Some(Kind::Gif),
        "zip" | "docx" | "xlsx" | "pptx" => Some(Kind::Zip),
        "doc" | "xls" | "ppt" => Some(Kind::Ole),
        _ => None,
    })
}

/// True when bytes of kind `got` may honestly be declared as `want`.
pub fn compatible(want: Kind, got: Kind) -> bool {
    want == got || (want == Kind::Text && got != Kind::Executable)
}
