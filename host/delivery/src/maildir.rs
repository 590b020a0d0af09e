//! Delivery into a Maildir: `tmp/` → fsync → rename into `new/` → fsync the folder.
//! The mail lies there in clear, so every file is `0600` and every folder `0700`
//! (as Dovecot makes them), whatever the umask. This is final delivery, so the file
//! starts with the envelope's trace fields ([`trace_fields`]).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// The trace fields a final delivery writes above the message (RFC 5321 §4.4):
/// `Return-Path` with the envelope sender (`<>` for a bounce), and `Delivered-To`
/// with the recipient when the copy is for one. A copy for several recipients is one
/// file that each of them may read, so it names none of them: a Bcc recipient stays
/// unnamed, as `Received: … for` names a recipient only when there is one. The
/// addresses passed the SMTP parser, which refuses control characters; any that
/// reach here anyway are dropped, so a field can never end early.
pub fn trace_fields(mail_from: &str, rcpts: &[String]) -> String {
    let clean = |a: &str| a.replace(|c: char| c.is_control(), "");
    let mut fields = format!("Return-Path: <{}>\r\n", clean(mail_from));
    if let [rcpt] = rcpts {
        fields.push_str(&format!("Delivered-To: {}\r\n", clean(rcpt)));
    }
    fields
}

/// Delivers into the Maildir at `root` (creating `tmp`, `new`, `cur` as private
/// folders), durably, as a private file.
pub fn deliver(root: &Path, hostname: &str, parts: &[&[u8]]) -> std::io::Result<PathBuf> {
    mxr_durable::private_dir(root)?;
    for sub in ["tmp", "new", "cur"] {
        mxr_durable::private_dir(&root.join(sub))?;
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let name = format!(
        "{}.M{}P{}Q{}.{}",
        now.as_secs(),
        now.subsec_micros(),
        std::process::id(),
        SEQUENCE.fetch_add(1, Ordering::Relaxed),
        hostname.replace(['/', ':'], "_")
    );
    let path = root.join("new").join(&name);
    mxr_durable::write_via(&root.join("tmp").join(&name), &path, parts, Some(mxr_durable::PRIVATE_FILE))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_fields_name_the_sender_and_a_sole_recipient() {
        let rcpts = ["a@kept.test".to_owned(), "b@kept.test".to_owned()];
        let cases = [
            ("ann@sender.test", &rcpts[..], "Return-Path: <ann@sender.test>\r\n"),
            ("", &rcpts[..1], "Return-Path: <>\r\nDelivered-To: a@kept.test\r\n"),
            (
                "x@y.test\r\nBcc: z@evil.test",
                &rcpts[..1],
                "Return-Path: <x@y.testBcc: z@evil.test>\r\nDelivered-To: a@kept.test\r\n",
            ),
        ];
        for (from, to, want) in cases {
            assert_eq!(trace_fields(from, to), want, "{from:?}");
        }
    }
}
