//! The digest mail: plain text, from the null sender's mailbox like a bounce, one entry
//! per newly quarantined message with its release link.

use mxr_store::quarantine::QuarantineRecord;
use std::time::{Duration, UNIX_EPOCH};

/// One listed message: its record, its subject, and its release link (a URL).
pub struct Entry<'a> {
    /// The quarantine record.
    pub record: &'a QuarantineRecord,
    /// The message's subject (from its headers).
    pub subject: String,
    /// The URL that releases it.
    pub link: String,
}

/// A header-safe line: no line breaks, at most `max` characters.
fn line(text: &str, max: usize) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).take(max).collect()
}

/// The digest message for `tenant` to `to`, sent by `host` at `now`, with `entries`;
/// the links expire at `expires` (Unix seconds).
pub fn digest(host: &str, tenant: &str, to: &str, now: u64, expires: u64, entries: &[Entry]) -> Vec<u8> {
    let date = |secs: u64| mxr_mail::date::rfc5322(UNIX_EPOCH + Duration::from_secs(secs));
    let n = entries.len();
    let mut body = format!(
        "These {n} message(s) for {tenant} were held in quarantine since the last digest.\r\n\
Each link opens a page with a Release button: nothing is released until you press it.\r\n\
A link works once, until {}.\r\n\r\n",
        date(expires)
    );
    for (i, e) in entries.iter().enumerate() {
        let r = e.record;
        let from = if r.mail_from.is_empty() { "<>".to_owned() } else { line(&r.mail_from, 200) };
        body.push_str(&format!(
            "{}. {}, from {from} to {}\r\n   Subject: {}\r\n   Held by {}: {} (score {:.1})\r\n   Release: {}\r\n\r\n",
            i + 1,
            date(r.time),
            line(&r.rcpts.join(", "), 300),
            line(&e.subject, 200),
            line(&r.plugin, 64),
            line(&r.reason, 200),
            r.score,
            e.link,
        ));
    }
    let ascii = body.is_ascii();
    format!(
        "From: mxr quarantine digest <MAILER-DAEMON@{host}>\r\nTo: <{to}>\r\n\
Subject: Quarantine digest for {tenant}: {n} new message(s) held\r\nDate: {}\r\n\
Message-ID: <digest-{tenant}-{now}@{host}>\r\nAuto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n\
Content-Type: text/plain; charset={}\r\nContent-Transfer-Encoding: {}\r\n\r\n{body}",
        date(now),
        if ascii { "us-ascii" } else { "utf-8" },
        if ascii { "7bit" } else { "8bit" },
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_listed_with_their_links_and_header_breaks_are_flattened() {
        let record = QuarantineRecord {
            queue_id: "Q1".into(),
            tenant: "acme".into(),
            plugin: "spam-score".into(),
            reason: "score 7.5".into(),
            score: 7.5,
            time: 1_700_000_000,
            mail_from: "news@shop.test".into(),
            rcpts: vec!["x@acme.test".into()],
        };
        let entry =
            Entry { record: &record, subject: "Sale\r\nBcc: evil@x".into(), link: "http://c/#release=L".into() };
        let mail = String::from_utf8(digest("mx.test", "acme", "pm@acme.test", 1_700_000_100, 1_700_600_000, &[entry]))
            .unwrap();
        assert!(mail.starts_with("From: mxr quarantine digest <MAILER-DAEMON@mx.test>\r\nTo: <pm@acme.test>\r\n"));
        assert!(mail.contains("Subject: Quarantine digest for acme: 1 new message(s) held\r\n"));
        assert!(mail.contains("   Subject: Sale  Bcc: evil@x\r\n"), "{mail}");
        assert!(mail.contains("   Held by spam-score: score 7.5 (score 7.5)\r\n   Release: http://c/#release=L\r\n"));
        assert!(!mail.contains("\r\nBcc:"));
    }
}
