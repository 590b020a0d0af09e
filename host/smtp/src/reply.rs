//! SMTP replies: a code, an RFC 3463 enhanced status code, and one or more text lines.

use std::borrow::Cow;
use std::fmt;

/// One SMTP reply, possibly multi-line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// Three-digit code.
    pub code: u16,
    /// Enhanced status code, e.g. `5.5.1`; `None` for 220/221 greetings and EHLO.
    pub enhanced: Option<Cow<'static, str>>,
    /// Text lines (at least one).
    pub lines: Vec<Cow<'static, str>>,
}

impl Reply {
    /// A one-line reply.
    pub fn new(code: u16, enhanced: &'static str, text: impl Into<Cow<'static, str>>) -> Self {
        Reply { code, enhanced: Some(Cow::Borrowed(enhanced)), lines: vec![text.into()] }
    }

    /// A reply with owned parts (from a plugin's verdict).
    pub fn owned(code: u16, enhanced: String, text: String) -> Self {
        Reply { code, enhanced: Some(Cow::Owned(enhanced)), lines: vec![Cow::Owned(text)] }
    }

    /// A reply without an enhanced code (greeting, EHLO).
    pub fn plain(code: u16, lines: Vec<Cow<'static, str>>) -> Self {
        Reply { code, enhanced: None, lines }
    }

    /// True for 4xx and 5xx.
    pub fn is_error(&self) -> bool {
        self.code >= 400
    }

    /// The reply as it goes on the wire, CRLF-terminated.
    pub fn to_wire(&self) -> String {
        let mut out = String::new();
        let last = self.lines.len().saturating_sub(1);
        for (i, line) in self.lines.iter().enumerate() {
            let sep = if i == last { ' ' } else { '-' };
            match &self.enhanced {
                Some(e) => out.push_str(&format!("{}{sep}{e} {line}\r\n", self.code)),
                None => out.push_str(&format!("{}{sep}{line}\r\n", self.code)),
            }
        }
        out
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.to_wire().trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_format() {
        assert_eq!(Reply::new(250, "2.1.0", "OK").to_wire(), "250 2.1.0 OK\r\n");
        let ehlo = Reply::plain(250, vec!["mx.test".into(), "PIPELINING".into(), "SIZE 10".into()]);
        assert_eq!(ehlo.to_wire(), "250-mx.test\r\n250-PIPELINING\r\n250 SIZE 10\r\n");
    }
}
