//! A parsed message together with the personal data found in its bodies, found once
//! per message however many plugins read them (what is found does not depend on any
//! grant, so one scan serves every purpose).
//!
//! Plugins see a bounded view of each body: the first [`BODY_VIEW_BYTES`], cut at a
//! space where one is near, so a 25 MB text costs a plugin no more than a 256 KiB one.

use crate::detect::{Detector, Span};
use crate::message_names::MessageNames;
use mxr_mail::ParsedMail;
use std::ops::Deref;
use std::sync::OnceLock;

/// Most bytes of each body (the text bodies joined, the HTML bodies joined) that a
/// plugin is shown: 256 KiB. `message.body-truncated()` tells a plugin when more was
/// cut. Like SpamAssassin's scan sizes: what makes mail spam is near its start, and a
/// plugin's deadline must hold for a 25 MB message as for a short one.
pub const BODY_VIEW_BYTES: usize = 256 << 10;

/// A [`ParsedMail`] with its detection results cached on first use.
#[derive(Debug)]
pub struct ScannedMail {
    mail: ParsedMail,
    text_spans: OnceLock<Vec<Span>>,
    html_spans: OnceLock<Vec<Span>>,
    /// The HTML view, flattened ([`crate::flatten`]) once.
    html_view: OnceLock<Option<String>>,
    /// The words of the names found in it ([`MessageNames`]), collected on first use.
    names: OnceLock<MessageNames>,
}

impl ScannedMail {
    /// Parses raw RFC 5322 bytes (see [`ParsedMail::parse`]); nothing is detected yet.
    pub fn parse(raw: &[u8]) -> ScannedMail {
        ParsedMail::parse(raw).into()
    }

    /// The text bodies as plugins see them: at most [`BODY_VIEW_BYTES`].
    pub fn text_view(&self) -> Option<&str> {
        self.mail.text().map(bounded)
    }

    /// The HTML bodies as plugins see them: at most [`BODY_VIEW_BYTES`], flattened
    /// ([`crate::flatten`]) so that no inline tag or character reference splits a
    /// value the detector would otherwise find.
    pub fn html_view(&self) -> Option<&str> {
        let flat = || self.mail.html().map(|h| crate::flatten::flatten(bounded(h)).into_owned());
        self.html_view.get_or_init(flat).as_deref()
    }

    /// True when a body was longer than its view.
    pub fn body_truncated(&self) -> bool {
        [self.mail.text(), self.mail.html()].into_iter().flatten().any(|b| b.len() > BODY_VIEW_BYTES)
    }

    /// The personal data in the text view, detected on first use.
    pub fn text_spans(&self, detector: &dyn Detector) -> &[Span] {
        self.text_spans.get_or_init(|| self.text_view().map_or_else(Vec::new, |t| detector.detect(t)))
    }

    /// The personal data in the HTML view, detected on first use.
    pub fn html_spans(&self, detector: &dyn Detector) -> &[Span] {
        self.html_spans.get_or_init(|| self.html_view().map_or_else(Vec::new, |t| detector.detect(t)))
    }

    /// The words of the names found in the bodies and of the people in the address
    /// fields, collected on first use: pseudonyms wherever else they stand.
    pub fn names(&self, detector: &dyn Detector) -> &MessageNames {
        self.names.get_or_init(|| {
            let mut names = MessageNames::default();
            if let Some(text) = self.text_view() {
                names.add_found(text, self.text_spans(detector));
                names.add_codes(text);
            }
            if let Some(html) = self.html_view() {
                names.add_found(html, self.html_spans(detector));
            }
            let people = [self.from(), self.to(), self.cc(), self.reply_to()];
            for name in people.into_iter().flatten().filter_map(|a| a.name.as_deref()) {
                names.add_display_name(name);
            }
            names
        })
    }
}

/// The first [`BODY_VIEW_BYTES`] of `body`, cut at the last white space in the final
/// quarter when there is one (so no word or number is cut in two), else at a character
/// boundary.
fn bounded(body: &str) -> &str {
    if body.len() <= BODY_VIEW_BYTES {
        return body;
    }
    let mut end = BODY_VIEW_BYTES;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    match body[..end].rfind(char::is_whitespace) {
        Some(space) if space >= end - end / 4 => &body[..space],
        _ => &body[..end],
    }
}

impl From<ParsedMail> for ScannedMail {
    fn from(mail: ParsedMail) -> Self {
        ScannedMail {
            mail,
            text_spans: OnceLock::new(),
            html_spans: OnceLock::new(),
            html_view: OnceLock::new(),
            names: OnceLock::new(),
        }
    }
}

impl Deref for ScannedMail {
    type Target = ParsedMail;
    fn deref(&self) -> &ParsedMail {
        &self.mail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_over_the_view_is_cut_at_a_space_and_flagged() {
        let word = "lorem ipsum dolor ";
        let long = word.repeat(BODY_VIEW_BYTES / word.len() + 10);
        let raw = format!("Subject: big\r\nContent-Type: text/plain\r\n\r\n{long}");
        let m = ScannedMail::parse(raw.as_bytes());
        let view = m.text_view().unwrap();
        assert!(view.len() <= BODY_VIEW_BYTES && view.len() > BODY_VIEW_BYTES - 20, "{}", view.len());
        assert!(view.ends_with("lorem") || view.ends_with("ipsum") || view.ends_with("dolor"), "cut inside a word");
        assert!(m.body_truncated());
        let small = ScannedMail::parse(b"Subject: s\r\n\r\nhello there\r\n");
        assert_eq!(small.text_view(), small.text());
        assert!(!small.body_truncated());
    }

    #[test]
    fn a_body_without_spaces_is_cut_at_a_character_boundary() {
        let long = "\u{e9}".repeat(BODY_VIEW_BYTES); // two bytes each
        assert_eq!(bounded(&long).len(), BODY_VIEW_BYTES);
        let odd = format!("x{long}");
        assert_eq!(bounded(&odd).len(), BODY_VIEW_BYTES - 1);
    }
}
