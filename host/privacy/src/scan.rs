//! A parsed message together with the personal data found in its bodies, found once
//! per message however many plugins read them (what is found does not depend on any
//! grant, so one scan serves every purpose).

use crate::detect::{Detector, Span};
use mxr_mail::ParsedMail;
use std::ops::Deref;
use std::sync::OnceLock;

/// A [`ParsedMail`] with its detection results cached on first use.
#[derive(Debug)]
pub struct ScannedMail {
    mail: ParsedMail,
    text_spans: OnceLock<Vec<Span>>,
    html_spans: OnceLock<Vec<Span>>,
}

impl ScannedMail {
    /// Parses raw RFC 5322 bytes (see [`ParsedMail::parse`]); nothing is detected yet.
    pub fn parse(raw: &[u8]) -> ScannedMail {
        ParsedMail::parse(raw).into()
    }

    /// The personal data in the text bodies, detected on first use.
    pub fn text_spans(&self, detector: &dyn Detector) -> &[Span] {
        self.text_spans.get_or_init(|| self.mail.text().map_or_else(Vec::new, |t| detector.detect(t)))
    }

    /// The personal data in the HTML bodies, detected on first use.
    pub fn html_spans(&self, detector: &dyn Detector) -> &[Span] {
        self.html_spans.get_or_init(|| self.mail.html().map_or_else(Vec::new, |t| detector.detect(t)))
    }
}

impl From<ParsedMail> for ScannedMail {
    fn from(mail: ParsedMail) -> Self {
        ScannedMail { mail, text_spans: OnceLock::new(), html_spans: OnceLock::new() }
    }
}

impl Deref for ScannedMail {
    type Target = ParsedMail;
    fn deref(&self) -> &ParsedMail {
        &self.mail
    }
}
