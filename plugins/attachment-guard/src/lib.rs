//! `attachment-guard`: refuses executable and script attachments, double extensions
//! that hide them, and content whose bytes contradict its declared type; quarantines
//! macro-enabled Office documents.
//!
//! Its purpose, `malware-scanning`, gives it attachments in full and nothing about the
//! people in the mail. Config: `extra_blocked = ext1, ext2` adds extensions.

mod magic;

use mxr_sdk::{Attachment, Envelope, Filter, Message, Verdict};

struct AttachmentGuard;

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

impl Filter for AttachmentGuard {
    fn on_data(_env: &Envelope, msg: &Message) -> Verdict {
        let extra = mxr_sdk::config();
        let mut verdict = Verdict::next();
        for att in msg.attachments() {
            match judge(&att, msg, &extra) {
                Finding::Clean => {}
                Finding::Reject(why) => {
                    return Verdict::reject(554, "5.7.1", &format!("Attachment refused: {why}"))
                        .with_tag("attachment-blocked");
                }
                Finding::Quarantine(why) => verdict = Verdict::quarantine(&why).with_tag("attachment-suspect"),
                Finding::Suspicious(tag, score) => verdict = verdict.with_tag(tag).with_score(score),
            }
        }
        verdict
    }
}

enum Finding {
    Clean,
    Reject(String),
    Quarantine(String),
    Suspicious(&'static str, f64),
}

fn judge(att: &Attachment, msg: &Message, extra_config: &str) -> Finding {
    let name = att.name.clone().unwrap_or_default().to_ascii_lowercase();
    let exts: Vec<&str> = name.trim_end_matches([' ', '.']).split('.').skip(1).map(str::trim).collect();
    let last = exts.last().copied().unwrap_or("");
    let extra: Vec<String> = extra_config
        .lines()
        .filter_map(|l| l.split_once('='))
        .filter(|(k, _)| k.trim() == "extra_blocked")
        .flat_map(|(_, v)| {
            v.split(',').map(|e| e.trim().trim_start_matches('.').to_ascii_lowercase()).collect::<Vec<_>>()
        })
        .collect();
    if EXECUTABLE.contains(&last) || extra.iter().any(|e| e == last) {
        let inner = exts.len() >= 2 && DECOY.contains(&exts[exts.len() - 2]);
        let kind = if inner { "double extension hiding an executable" } else { "executable or script" };
        return Finding::Reject(format!("{kind} ({})", safe(&name)));
    }
    if MACRO_OFFICE.contains(&last) {
        return Finding::Quarantine(format!("macro-enabled Office document {}", safe(&name)));
    }
    let Ok(bytes) = msg.attachment_content(att.index) else {
        return Finding::Clean;
    };
    let actual = magic::sniff(&bytes);
    if actual == Some(magic::Kind::Executable) {
        return Finding::Reject(format!("executable content disguised as {}", safe(&att.content_type)));
    }
    match (magic::declared(&att.content_type, last), actual) {
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

mxr_sdk::export_filter!(
    AttachmentGuard,
    purpose = "malware-scanning",
    categories = [AttachmentMeta, AttachmentContent],
    stages = [Data]
);
