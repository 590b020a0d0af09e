//! The mail a transaction carries: its envelope, and its message parsed once at DATA
//! with mail-parser and shared (read-only) by every plugin's view. What the message
//! holds of personal data is the privacy crate's business, not this one's.

#![deny(missing_docs)]

pub mod auth;
pub mod date;
mod html_text;
mod literal;
pub mod tnef;

pub use literal::address_literal_ip;

use mail_parser::{MessageParser, MimeHeaders};
use sha2::{Digest, Sha256};
use std::net::IpAddr;

/// The SMTP envelope of one transaction, as the relay received it.
#[derive(Clone, Debug, Default)]
pub struct Envelope {
    /// The client's IP address.
    pub client_ip: Option<IpAddr>,
    /// The EHLO/HELO name.
    pub helo: Option<String>,
    /// The client greeted with EHLO (the extended protocol), not HELO: what the
    /// `Received:` field's `with` says (RFC 3848).
    pub esmtp: bool,
    /// The MAIL FROM address; `Some("")` is the null sender, `None` not given yet.
    pub mail_from: Option<String>,
    /// The accepted recipients.
    pub rcpts: Vec<String>,
    /// The client declared `SMTPUTF8` (RFC 6531): addresses and headers may be UTF-8,
    /// and the next hop must support it too.
    pub smtputf8: bool,
    /// The client declared `BODY=8BITMIME` (RFC 6152).
    pub eight_bit: bool,
    /// SPF, DKIM, DMARC and iprev, once checked at the end of DATA; `None` before,
    /// and when no check ran.
    pub auth: Option<std::sync::Arc<auth::AuthResults>>,
}

/// A display name and address from an address header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddressEntry {
    /// The display name.
    pub name: Option<String>,
    /// The address.
    pub address: Option<String>,
}

/// What the host knows of one attachment, computed once per message.
#[derive(Clone, Debug)]
pub struct AttachmentEntry {
    /// The sender's file name.
    pub name: Option<String>,
    /// `type/subtype`, lower-case.
    pub content_type: String,
    /// The decoded bytes.
    pub bytes: Vec<u8>,
    /// Hex SHA-256 of `bytes`.
    pub sha256: String,
}

impl AttachmentEntry {
    /// An attachment of these bytes, hashed.
    pub fn new(name: Option<String>, content_type: String, bytes: Vec<u8>) -> AttachmentEntry {
        AttachmentEntry { name, content_type, sha256: hex::encode(Sha256::digest(&bytes)), bytes }
    }
}

/// A message parsed once; plugins' views read from it.
#[derive(Debug)]
pub struct ParsedMail {
    size: u64,
    headers: Vec<(String, String)>,
    from: Vec<AddressEntry>,
    to: Vec<AddressEntry>,
    cc: Vec<AddressEntry>,
    reply_to: Vec<AddressEntry>,
    subject: Option<String>,
    text: Option<String>,
    html: Option<String>,
    attachments: Vec<AttachmentEntry>,
}

impl ParsedMail {
    /// Parses raw RFC 5322 bytes. Never fails: what cannot be parsed is absent.
    pub fn parse(raw: &[u8]) -> ParsedMail {
        let Some(msg) = MessageParser::default().parse(raw) else {
            return ParsedMail::empty(raw.len());
        };
        let headers = msg
            .headers()
            .iter()
            .map(|h| {
                let value = raw.get(h.offset_start() as usize..h.offset_end() as usize).unwrap_or(&[]);
                (h.name().to_owned(), unfold(value))
            })
            .collect();
        let addresses = |a: Option<&mail_parser::Address>| -> Vec<AddressEntry> {
            a.map(|a| {
                a.iter()
                    .map(|x| AddressEntry {
                        name: x.name().map(str::to_owned),
                        address: x.address().map(str::to_owned),
                    })
                    .collect()
            })
            .unwrap_or_default()
        };
        let joined = |n: usize, get: &dyn Fn(usize) -> Option<String>| -> Option<String> {
            let parts: Vec<String> = (0..n).filter_map(get).collect();
            (!parts.is_empty()).then(|| parts.join("\n"))
        };
        // A body that is only HTML is made text with its cells apart ([`html_text`]).
        let text = joined(msg.text_body_count(), &|i| match msg.text_part(i as u32).map(|p| &p.body) {
            Some(mail_parser::PartType::Html(html)) => Some(html_text::text_of(html)),
            _ => msg.body_text(i).map(|c| c.into_owned()),
        });
        // Only real HTML parts: mail-parser would otherwise render plain text as HTML,
        // and every filter reading both bodies would get (and scan) the text twice.
        let html = joined(msg.html_body_count(), &|i| {
            msg.html_part(i as u32).filter(|p| p.is_text_html()).and_then(|_| msg.body_html(i)).map(|c| c.into_owned())
        });
        let attachments = msg
            .attachments()
            .flat_map(|part| {
                let content_type = part.content_type().map_or("application/octet-stream".into(), |ct| {
                    match ct.subtype() {
                        Some(sub) => format!("{}/{}", ct.ctype(), sub),
                        None => ct.ctype().to_owned(),
                    }
                    .to_ascii_lowercase()
                });
                let name = part.attachment_name().map(str::to_owned);
                match tnef::is_tnef(&content_type, name.as_deref(), part.contents()) {
                    true => tnef::entries(name, part.contents()),
                    false => vec![AttachmentEntry::new(name, content_type, part.contents().to_vec())],
                }
            })
            .collect();
        ParsedMail {
            size: raw.len() as u64,
            headers,
            from: addresses(msg.from()),
            to: addresses(msg.to()),
            cc: addresses(msg.cc()),
            reply_to: addresses(msg.reply_to()),
            subject: msg.subject().map(str::to_owned),
            text,
            html,
            attachments,
        }
    }

    fn empty(size: usize) -> ParsedMail {
        ParsedMail {
            size: size as u64,
            headers: vec![],
            from: vec![],
            to: vec![],
            cc: vec![],
            reply_to: vec![],
            subject: None,
            text: None,
            html: None,
            attachments: vec![],
        }
    }

    /// Size of the raw message in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }
    /// Header fields in order: name as written, value unfolded.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }
    /// Values of one header, case-insensitive.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers.iter().filter(move |(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// From addresses.
    pub fn from(&self) -> &[AddressEntry] {
        &self.from
    }
    /// To addresses.
    pub fn to(&self) -> &[AddressEntry] {
        &self.to
    }
    /// Cc addresses.
    pub fn cc(&self) -> &[AddressEntry] {
        &self.cc
    }
    /// Reply-To addresses.
    pub fn reply_to(&self) -> &[AddressEntry] {
        &self.reply_to
    }
    /// Decoded subject.
    pub fn subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }
    /// Text bodies, joined.
    pub fn text(&self) -> Option<&str> {
        self.text.as_deref()
    }
    /// HTML bodies, joined.
    pub fn html(&self) -> Option<&str> {
        self.html.as_deref()
    }
    /// Attachments.
    pub fn attachments(&self) -> &[AttachmentEntry] {
        &self.attachments
    }
}

/// A header value with its RFC 2047 encoded words (`=?UTF-8?B?...?=`) decoded, as
/// mail-parser decodes unstructured fields. Values without `=?` come back as they are.
pub fn decode_encoded_words(value: &str) -> String {
    if !value.contains("=?") {
        return value.to_owned();
    }
    let line = format!("{value}\n");
    match mail_parser::parsers::MessageStream::new(line.as_bytes()).parse_unstructured() {
        mail_parser::HeaderValue::Text(t) => t.trim().to_owned(),
        _ => value.to_owned(),
    }
}

/// The length of `message`'s header section: up to and including the CRLF of its last
/// field, without the empty line that ends it. Looked for in the first `within` bytes
/// only; `None` when no empty line is there (a message with no body, or a header
/// section longer than that).
pub fn header_section_len(message: &[u8], within: usize) -> Option<usize> {
    message[..message.len().min(within)].windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 2)
}

/// Dot-stuffs a message for the SMTP wire (RFC 5321 §4.5.2: a line starting with `.`
/// gets another) and ends it with `CRLF . CRLF` (a missing final CRLF is added). The
/// inbound reader undoes it; the outbound client applies it, a block at a time
/// ([`DotStuffer`]).
pub fn dot_stuff(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + message.len() / 64 + 5);
    DotStuffer::new(message).next_block(&mut out, usize::MAX);
    out
}

/// [`dot_stuff`] a block at a time, so that a message goes out without a stuffed copy
/// of the whole of it in memory.
pub struct DotStuffer<'a> {
    /// What is not stuffed yet; it starts at a line start.
    rest: &'a [u8],
    /// The message ends in CRLF (else one is added before the final dot).
    ends_in_crlf: bool,
    /// The final dot was written.
    done: bool,
}

impl<'a> DotStuffer<'a> {
    /// A stuffer over `message`.
    pub fn new(message: &'a [u8]) -> DotStuffer<'a> {
        DotStuffer { rest: message, ends_in_crlf: message.ends_with(b"\r\n"), done: false }
    }

    /// Replaces `out`'s contents with the next whole lines, stuffed, until it holds at
    /// least `block` bytes (one line longer than that goes whole), and after the last
    /// line the end of the message. False, with `out` empty, once all was given.
    pub fn next_block(&mut self, out: &mut Vec<u8>, block: usize) -> bool {
        out.clear();
        if self.done {
            return false;
        }
        // A line at a time: only a dot that starts a line is doubled.
        while !self.rest.is_empty() && out.len() < block {
            if self.rest[0] == b'.' {
                out.push(b'.');
            }
            let end = memchr::memchr(b'\n', self.rest).map_or(self.rest.len(), |i| i + 1);
            out.extend_from_slice(&self.rest[..end]);
            self.rest = &self.rest[end..];
        }
        if self.rest.is_empty() {
            if !self.ends_in_crlf {
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b".\r\n");
            self.done = true;
        }
        true
    }
}

/// A raw header value as one line: folding removed, line ends and edges trimmed.
fn unfold(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        let line = line.trim_end_matches('\r');
        if i > 0 && !line.is_empty() {
            out.push(' ');
            out.push_str(line.trim_start());
        } else {
            out.push_str(line);
        }
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_section_ends_before_the_first_empty_line_within_the_bound() {
        let cases: [(&[u8], usize, Option<usize>); 5] = [
            (b"A: 1\r\nB: 2\r\n\r\nbody\r\n\r\nmore", usize::MAX, Some(12)),
            (b"A: 1\r\nB: 2\r\n", usize::MAX, None),
            (b"A: 1\r\n\r\n", 8, Some(6)),
            (b"A: 1\r\n\r\n", 7, None),
            (b"\r\n\r\nbody", usize::MAX, Some(2)),
        ];
        for (message, within, want) in cases {
            assert_eq!(
                header_section_len(message, within),
                want,
                "{:?} within {within}",
                String::from_utf8_lossy(message)
            );
        }
    }

    /// RFC 5321 §4.5.2 spelled out: each line that starts with a dot gets another,
    /// then `CRLF . CRLF`, with a CRLF first when the message does not end in one.
    fn stuffed_by_the_rfc(message: &[u8]) -> Vec<u8> {
        let mut out = vec![];
        for line in message.split_inclusive(|b| *b == b'\n') {
            if line.starts_with(b".") {
                out.push(b'.');
            }
            out.extend_from_slice(line);
        }
        if !message.ends_with(b"\r\n") {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b".\r\n");
        out
    }

    #[test]
    fn stuffing_a_block_at_a_time_gives_the_same_bytes_as_at_once() {
        let lines: [&[u8]; 6] = [b".dot\r\n", b"plain\r\n", b"\r\n", b".\r\n", b"bare lf\n", b"no end"];
        let mut seed = 7u32;
        for _ in 0..500 {
            let mut message = vec![];
            for _ in 0..seed % 9 {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                message.extend_from_slice(lines[(seed >> 16) as usize % lines.len()]);
            }
            for block in [1, 5, 64, usize::MAX] {
                let (mut stuffer, mut out, mut joined) = (DotStuffer::new(&message), vec![], vec![]);
                while stuffer.next_block(&mut out, block) {
                    joined.extend_from_slice(&out);
                }
                let want = stuffed_by_the_rfc(&message);
                assert_eq!(joined, want, "{:?} in blocks of {block}", String::from_utf8_lossy(&message));
                assert_eq!(dot_stuff(&message), want);
            }
        }
        assert_eq!(dot_stuff(b""), b"\r\n.\r\n");
        assert_eq!(dot_stuff(b".a\r\nb"), b"..a\r\nb\r\n.\r\n");
    }

    #[test]
    fn parses_headers_addresses_bodies_and_attachments() {
        let raw = b"From: Jan <jan@example.nl>\r\nTo: a@b.test, \"C\" <c@d.test>\r\nSubject: Hi\r\n\
X-Long: one\r\n two\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
Content-Type: text/plain\r\n\r\nHello\r\n--b\r\nContent-Type: application/pdf\r\n\
Content-Disposition: attachment; filename=\"x.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n\
JVBERi0=\r\n--b--\r\n";
        let m = ParsedMail::parse(raw);
        assert_eq!(m.from()[0].address.as_deref(), Some("jan@example.nl"));
        assert_eq!(m.to().len(), 2);
        assert_eq!(m.subject(), Some("Hi"));
        assert_eq!(m.header_values("x-long").collect::<Vec<_>>(), vec!["one two"]);
        assert_eq!(
            decode_encoded_words("Afspraak met =?UTF-8?B?TG90dGU=?= =?UTF-8?Q?_de_Graaf?="),
            "Afspraak met Lotte de Graaf"
        );
        assert_eq!(m.text().map(str::trim), Some("Hello"));
        let a = &m.attachments()[0];
        assert_eq!(
            (a.name.as_deref(), a.content_type.as_str(), a.bytes.as_slice()),
            (Some("x.pdf"), "application/pdf", &b"%PDF-"[..])
        );
    }
}
