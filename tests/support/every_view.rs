//! Everything a plugin of one purpose can read of a message, through the one view
//! builder (`mxr_privacy::accessors`, which the sandbox's data API and `mxr plugin run`
//! call): every accessor, `header()` on every field name present (as written and as
//! `header-names()` shows it) and on guessed names in several spellings, every
//! attachment's meta data and content (nested messages, vCards and invitations
//! included). In process, so a corpus of hundreds of messages is read under every
//! purpose in seconds; the spy test proves the sandbox gives no more than this.

use mxr_mail::Envelope;
use mxr_privacy::ScannedMail;
use mxr_privacy::accessors;
use mxr_privacy::render::{Renderer, Shown};

/// Names a plugin might guess, in several spellings (field names are
/// case-insensitive, so each spelling must give the same or nothing).
pub const GUESSED_NAMES: &[&str] = &[
    "subject",
    "SUBJECT",
    "Subject",
    "from",
    "FROM",
    "to",
    "cc",
    "reply-to",
    "Reply-To",
    "sender",
    "x-mailer",
    "X-MAILER",
    "user-agent",
    "User-Agent",
    "organization",
    "Organisation",
    "x-originating-ip",
    "received",
    "Received",
    "thread-topic",
    "comments",
    "keywords",
    "x-contact",
    "dkim-signature",
    "DKIM-Signature",
    "content-type",
    "Content-Disposition",
    "content-disposition",
    "list-unsubscribe",
    "x-phone",
    "X-Sender",
    "return-path",
    "message-id",
    "references",
    "in-reply-to",
    "x-forwarded-for",
    "x-envelope-from",
];

/// The envelope the corpus is read with: it carries no labelled value (the corpus is
/// about messages), so what leaks of a message leaks through its views.
pub fn corpus_envelope() -> Envelope {
    Envelope {
        client_ip: Some("192.0.2.10".parse().unwrap()),
        helo: Some("mail.example.net".into()),
        mail_from: Some("bounce@lists.example.net".into()),
        rcpts: vec!["postbox@acme.test".into()],
        ..Envelope::default()
    }
}

/// A value as one string, whatever its form (withheld is empty).
pub fn text_of(s: &Shown) -> &str {
    match s {
        Shown::Full(v) | Shown::Pseudonym(v) | Shown::Domain(v) | Shown::Redacted(v) => v,
        Shown::Withheld => "",
    }
}

/// What each accessor returned: (accessor, text), one entry per call that gave
/// something.
pub fn read_all(r: &Renderer, env: &Envelope, msg: &ScannedMail) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut put = |what: &str, s: &Shown| {
        if !text_of(s).is_empty() {
            out.push((what.to_owned(), text_of(s).to_owned()));
        }
    };
    put("client-ip", &accessors::client_ip(r, env));
    put("helo", &accessors::helo(r, env));
    put("mail-from", &accessors::mail_from(r, env));
    for s in accessors::recipients(r, env) {
        put("recipients", &s);
    }
    for (field, list) in [("from", msg.from()), ("to", msg.to()), ("cc", msg.cc()), ("reply-to", msg.reply_to())] {
        for (name, address) in accessors::addresses(r, list) {
            put(&format!("{field}.name"), &name);
            put(&format!("{field}.address"), &address);
        }
    }
    put("subject", &accessors::subject(r, msg));
    put("text-body", &accessors::text_body(r, msg));
    put("html-body", &accessors::html_body(r, msg));
    out.extend(headers(r, msg));
    out.extend(attachments(r, msg));
    out
}

/// `header-names()` and `header()` on every name present and guessed.
fn headers(r: &Renderer, msg: &ScannedMail) -> Vec<(String, String)> {
    let shown_names = accessors::header_names(r, msg);
    let mut out = vec![("header-names".to_owned(), shown_names.join("\n"))];
    let present = msg.headers().iter().map(|(n, _)| n.as_str());
    let mut names: Vec<&str> = present.chain(shown_names.iter().map(String::as_str)).collect();
    names.extend(GUESSED_NAMES);
    names.sort_unstable();
    names.dedup();
    for name in names {
        for (_, shown) in accessors::header(r, msg, name) {
            if !text_of(&shown).is_empty() {
                out.push((format!("header({name})"), text_of(&shown).to_owned()));
            }
        }
    }
    out
}

/// `attachments()` (name, type, size, hash) and `attachment-content()` of each.
fn attachments(r: &Renderer, msg: &ScannedMail) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for a in accessors::attachments(r, msg) {
        let meta = format!("{} {} {} {}", a.name.as_deref().unwrap_or(""), a.content_type, a.size, a.sha256);
        out.push((format!("attachments[{}]", a.index), meta));
        if let Ok((_, bytes)) = accessors::attachment_content(r, msg, a.index, usize::MAX) {
            out.push((format!("attachment-content({})", a.index), String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    out
}
