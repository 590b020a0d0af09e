//! Delivery status notifications (RFC 3464): when recipients fail for good, the sender
//! gets a `multipart/report` bounce. Never for the null sender, and always sent from
//! the null sender, so bounces cannot loop. A bounce is spooled like any copy, for the
//! reserved tenant [`BOUNCE_TENANT`], and delivered to the MX hosts of the original
//! sender's domain, or through `queue.bounce_relay` when that is set. By MX, never to
//! a domain this relay serves nor to an MX host that is this node: such a bounce is
//! logged, counted (failed, `5.4.6`) and dropped.

use mxr_config::Config;
use mxr_mail::{date, header_section_len};
use mxr_store::spool::SpoolEnvelope;
use std::time::{SystemTime, UNIX_EPOCH};

/// The spool's tenant id for bounces (not a valid configured tenant id).
pub const BOUNCE_TENANT: &str = "_bounce";

/// What [`owed`] decided.
#[derive(Debug, PartialEq, Eq)]
pub enum Bounce {
    /// No bounce: the original had the null sender.
    NullSender,
    /// This envelope and message are to be spooled.
    Spool(SpoolEnvelope, Vec<u8>),
}

/// The bounce for `failed` recipients `(address, reason)` of a spooled copy.
pub fn owed(config: &Config, env: &SpoolEnvelope, message: &[u8], failed: &[(String, String)]) -> Bounce {
    if env.mail_from.is_empty() {
        tracing::info!(queue_id = %env.queue_id, failed = failed.len(), "recipients failed; no bounce to the null sender");
        return Bounce::NullSender;
    }
    let now = SystemTime::now();
    let secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let host = &config.hostname;
    let boundary = format!("{}/{host}", env.queue_id);
    let original_headers = String::from_utf8_lossy(returned_headers(message));
    let (lines, per_rcpt) = per_recipient(failed);
    // An internationalised original (RFC 6531) gets an internationalised report
    // (RFC 6533): its addresses and headers may be UTF-8, which only the `global`
    // types may carry, and the bounce itself travels with SMTPUTF8.
    let (charset, status_type, headers_type) = if env.smtputf8 {
        ("utf-8", "message/global-delivery-status", "message/global-headers")
    } else {
        ("us-ascii", "message/delivery-status", "text/rfc822-headers")
    };
    let dsn = format!(
        "From: Mail Delivery System <MAILER-DAEMON@{host}>\r\nTo: <{from}>\r\nSubject: Undelivered Mail Returned to Sender\r\n\
Date: {date}\r\nMessage-ID: <{qid}.dsn@{host}>\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"{boundary}\"\r\n\r\n\
--{boundary}\r\nContent-Type: text/plain; charset={charset}\r\n\r\n\
This is the mail system at {host}.\r\n\r\nYour message could not be delivered to these recipients:\r\n\r\n{lines}\r\n\
--{boundary}\r\nContent-Type: {status_type}\r\n\r\n\
Reporting-MTA: dns; {host}\r\nX-Mxr-Queue-ID: {qid}\r\nArrival-Date: {arrived}\r\n{per_rcpt}\r\n\
--{boundary}\r\nContent-Type: {headers_type}\r\n\r\n{original_headers}\r\n--{boundary}--\r\n",
        from = env.mail_from,
        date = date::rfc5322(now),
        qid = env.queue_id,
        arrived = date::rfc5322(UNIX_EPOCH + std::time::Duration::from_secs(env.received)),
    );
    let bounce_env = SpoolEnvelope {
        tenant: BOUNCE_TENANT.into(),
        queue_id: format!("{}.dsn", env.queue_id),
        mail_from: String::new(),
        rcpts: vec![env.mail_from.clone()],
        received: secs,
        attempts: 0,
        smtputf8: env.smtputf8,
        eight_bit: env.smtputf8 || env.eight_bit,
    };
    Bounce::Spool(bounce_env, dsn.into_bytes())
}

/// Most bytes of the original's header a bounce returns: a bounce's size, and the
/// memory making it takes, stay bounded whatever the original (a message with no
/// blank line is all header).
const RETURNED_HEADERS: usize = 64 << 10;

/// The original's header as a bounce returns it: up to the blank line, cut after the
/// last whole line within [`RETURNED_HEADERS`].
fn returned_headers(message: &[u8]) -> &[u8] {
    let within = RETURNED_HEADERS + 2;
    let end = header_section_len(message, within).unwrap_or(message.len().min(within));
    if end <= RETURNED_HEADERS {
        return &message[..end];
    }
    let cut = &message[..RETURNED_HEADERS];
    &cut[..cut.windows(2).rposition(|w| w == b"\r\n").map_or(0, |i| i + 2)]
}

/// The text lines and the per-recipient fields of a report on `failed` recipients
/// `(address, reason)`. The status is the reason's enhanced code (a 4.x.x one, given
/// up on, is 4.4.7); a UTF-8 address is of type `utf-8` (RFC 6533), others `rfc822`.
fn per_recipient(failed: &[(String, String)]) -> (String, String) {
    let (mut lines, mut fields) = (String::new(), String::new());
    for (rcpt, why) in failed {
        let status =
            why.split_whitespace().nth(1).filter(|s| s.starts_with("5.") || s.starts_with("4.")).unwrap_or("5.0.0");
        let status = if status.starts_with('4') { "4.4.7" } else { status };
        let why = why.replace(['\r', '\n'], " ");
        let kind = if rcpt.is_ascii() { "rfc822" } else { "utf-8" };
        lines.push_str(&format!("<{rcpt}>: {why}\r\n"));
        fields.push_str(&format!(
            "\r\nFinal-Recipient: {kind}; {rcpt}\r\nAction: failed\r\nStatus: {status}\r\nDiagnostic-Code: smtp; {why}\r\n"
        ));
    }
    (lines, fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bounce_returns_the_header_whole_lines_and_at_most_64_kib() {
        assert_eq!(returned_headers(b"A: 1\r\nB: 2\r\n\r\nbody\r\n"), b"A: 1\r\nB: 2\r\n");
        assert_eq!(returned_headers(b"A: 1\r\nB: 2\r\n"), b"A: 1\r\nB: 2\r\n", "no body: all of it");
        let line = b"X-Long: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789\r\n";
        let all_header = line.repeat(2 * RETURNED_HEADERS / line.len());
        let cut = returned_headers(&all_header);
        assert!(cut.len() <= RETURNED_HEADERS && cut.len() > RETURNED_HEADERS - line.len(), "{}", cut.len());
        assert!(cut.ends_with(b"\r\n") && cut.starts_with(b"X-Long"), "whole lines");
        let exact = [line.repeat(RETURNED_HEADERS / line.len()), b"\r\nbody".to_vec()].concat();
        assert_eq!(returned_headers(&exact).len(), RETURNED_HEADERS / line.len() * line.len());
        assert_eq!(returned_headers(&[b'x'; 100_000]), b"", "no line end within the cap: nothing");
    }
}
