//! The judgement on one attachment, over plain data (so it also runs outside the
//! sandbox, for tests and benchmarks).

use super::magic;
use alloc::{format, string::String, vec::Vec};

/// Extensions that run code when opened on common desktops.
const EXECUTABLE: &[&str] = &[
    "exe",
    "scr",
    "com",
    "pif",
    "bat",
    "cmd",
    "vbs",
    "vbe",
    "js",
    "jse",
    "wsf",
    "wsh",
    "msi",
    "msp",
    "hta",
    "cpl",
    "jar",
    "ps1",
    "psm1",
    "lnk",
    "reg",
    "dll",
    "sys",
    "scf",
    "inf",
    "application",
    "gadget",
];
/// Office formats that carry macros.
const MACRO_OFFICE: &[&str] = &["docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppam", "ppsm", "sldm"];
/// Extensions people trust, used to disguise the real one.
const DECOY: &[&str] = &["pdf", "doc", "docx", "xls", "xlsx", "jpg", "jpeg", "png", "txt", "zip", "rtf"];

/// What one attachment deserves.
pub enum Finding {
    Clean,
    Reject(String),
    Quarantine(String),
    Suspicious(&'static str, f64),
}

/// The `extra_blocked = ext1, ext2` extensions from the plugin's config.
pub fn extra_blocked(config: &str) -> Vec<String> {
    config
        .lines()
        .filter_map(|l| l.split_once('='))
        .filter(|(k, _)| k.trim() == "extra_blocked")
        .flat_map(|(_, v)| {
            v.split(',').map(|e| e.trim().trim_start_matches('.').to_ascii_lowercase()).collect::<Vec<_>>()
        })
        .filter(|e| !e.is_empty())
        .collect()
}

/// Judges one attachment by name, declared type and (only if the name passes) content.
pub fn judge(
    name: Option<&str>,
    content_type: &str,
    content: impl FnOnce() -> Option<Vec<u8>>,
    extra: &[String],
) -> Finding {
    let name = name.unwrap_or_default().to_ascii_lowercase();
    let exts: Vec<&str> = name.trim_end_matches([' ', '.']).split('.').skip(1).map(str::trim).collect();
    let last = exts.last().copied().unwrap_or("");
    if EXECUTABLE.contains(&last) || extra.iter().any(|e| e == last) {
        let inner = exts.len() >= 2 && DECOY.contains(&exts[exts.len() - 2]);
        let kind = if inner { "double extension hiding an executable" } else { "executable or script" };
        return Finding::Reject(format!("{kind} ({})", safe(&name)));
    }
    if MACRO_OFFICE.contains(&last) {
        return Finding::Quarantine(format!("macro-enabled Office document {}", safe(&name)));
    }
    let Some(bytes) = content() else { return Finding::Clean };
    let actual = magic::sniff(&bytes);
    if actual == Some(magic::Kind::Executable) {
        return Finding::Reject(format!("executable content disguised as {}", safe(content_type)));
    }
    match (magic::declared(content_type, last), actual) {
        (Some(want), Some(got)) if !magic::compatible(want, got) => {
            Finding::Suspicious("attachment-type-mismatch", 3.0)
        }
        (Some(want), None) if want != magic::Kind::Text => Finding::Suspicious("attachment-type-mismatch", 3.0),
        _ => Finding::Clean,
    }
}

/// Keeps a name printable for an SMTP reply.
fn safe(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_graphic() || *c == ' ').take(60).collect()
}
