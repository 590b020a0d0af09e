//! A plugin's verdict on the host side, checked before the relay acts on it.
//!
//! Everything a plugin returns is untrusted: reply codes must be in the right class,
//! texts printable and short, tags in a small alphabet, headers inside the plugin's own
//! `X-<name>` namespace, and the whole within the output cap.

use super::bindings::types as wit;
use mxr_config::limits::OutputCaps;
use mxr_metrics::VerdictKind;
use serde::Serialize;

/// A checked SMTP reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SmtpReply {
    /// Three-digit code, in the class of the action (4xx tempfail, 5xx reject).
    pub code: u16,
    /// RFC 3463 enhanced code, e.g. `5.7.1`.
    pub enhanced: String,
    /// Printable ASCII text.
    pub text: String,
}

impl SmtpReply {
    /// The reply for a plugin that failed under the `tempfail` policy.
    pub fn local_failure() -> Self {
        SmtpReply {
            code: 451,
            enhanced: "4.3.0".into(),
            text: "Temporary local problem, please try again later".into(),
        }
    }
}

/// What a checked verdict asks for.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "action", content = "detail", rename_all = "kebab-case")]
pub enum Action {
    /// No opinion.
    Continue,
    /// Accept; skip the rest of the stage.
    Accept,
    /// Refuse permanently.
    Reject(SmtpReply),
    /// Refuse temporarily.
    Tempfail(SmtpReply),
    /// Accept and drop.
    Discard,
    /// Accept into quarantine, with the reason.
    Quarantine(String),
}

impl Action {
    /// What it asks for, without its reply or reason.
    pub fn kind(&self) -> VerdictKind {
        match self {
            Action::Continue => VerdictKind::Continue,
            Action::Accept => VerdictKind::Accept,
            Action::Reject(_) => VerdictKind::Reject,
            Action::Tempfail(_) => VerdictKind::Tempfail,
            Action::Discard => VerdictKind::Discard,
            Action::Quarantine(_) => VerdictKind::Quarantine,
        }
    }
}

/// A checked verdict.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FilterVerdict {
    /// What to do.
    pub action: Action,
    /// Added to the copy's total score; finite, within ±1000.
    pub score: f64,
    /// Tags for `X-Mxr-Tags`, each 1-64 characters of `[a-z0-9._-]`, at most the tag cap.
    pub tags: Vec<String>,
    /// Headers to add, each in the plugin's namespace.
    pub headers: Vec<(String, String)>,
}

impl FilterVerdict {
    /// A verdict with only an action.
    pub fn of(action: Action) -> Self {
        FilterVerdict { action, score: 0.0, tags: vec![], headers: vec![] }
    }
}

const MAX_TEXT: usize = 200;
const MAX_TAG: usize = 64;
const MAX_HEADER_LINE: usize = 998;

/// Why a plugin's output was refused. The texts quote the start of the offending value,
/// which may hold what the plugin was shown: scrub them before they leave the call.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum InvalidOutput {
    /// The score is NaN, infinite or beyond ±1000.
    #[error("score {0} is not a finite number within ±1000")]
    Score(f64),
    /// More tags than the cap.
    #[error("{count} tags, more than the cap of {cap}")]
    TooManyTags {
        /// Tags returned.
        count: usize,
        /// The cap in force.
        cap: usize,
    },
    /// A tag outside the alphabet or too long (its start).
    #[error("tag {0:?} is not 1-{max} characters of [a-z0-9._-]", max = MAX_TAG)]
    Tag(String),
    /// More headers than the cap.
    #[error("{count} headers, more than the cap of {cap}")]
    TooManyHeaders {
        /// Headers returned.
        count: usize,
        /// The cap in force.
        cap: usize,
    },
    /// A header name outside `X-<plugin>[-...]` (the name's start).
    #[error("header {name:?} is outside the plugin's namespace X-{plugin}[-...]")]
    HeaderName {
        /// The start of the name.
        name: String,
        /// The plugin's name.
        plugin: String,
    },
    /// A header value that is not one printable line (the header's name).
    #[error("header {0} has a value that is not one printable ASCII line of at most {max} bytes", max = MAX_HEADER_LINE)]
    HeaderValue(String),
    /// Output bytes over the total cap.
    #[error("{total} bytes of output, more than the cap of {cap}")]
    TooLarge {
        /// Bytes returned.
        total: usize,
        /// The cap in force.
        cap: usize,
    },
    /// A reply code outside the action's class (`class` is 4 or 5).
    #[error("reply code {code} is not {class}xx")]
    ReplyCode {
        /// The code returned.
        code: u16,
        /// The class the action needs.
        class: u16,
    },
    /// An enhanced code that is not `class.x.y` (its start).
    #[error("enhanced code {enhanced:?} is not {class}.x.y")]
    EnhancedCode {
        /// The start of the code returned.
        enhanced: String,
        /// The class the action needs.
        class: u16,
    },
    /// A reply text or quarantine reason that is empty, too long or not printable.
    #[error("{what} {text:?} is not 1-{max} printable ASCII characters", max = MAX_TEXT)]
    Text {
        /// Which text: `reply text` or `quarantine reason`.
        what: &'static str,
        /// Its start.
        text: String,
    },
}

impl InvalidOutput {
    /// The same finding with every piece the plugin wrote passed through `scrub`, and
    /// the host's own words left as they are (the message goes to the operator's log).
    pub fn scrubbed(self, scrub: impl Fn(&str) -> String) -> InvalidOutput {
        match self {
            InvalidOutput::Tag(t) => InvalidOutput::Tag(scrub(&t)),
            InvalidOutput::HeaderName { name, plugin } => InvalidOutput::HeaderName { name: scrub(&name), plugin },
            InvalidOutput::HeaderValue(name) => InvalidOutput::HeaderValue(scrub(&name)),
            InvalidOutput::EnhancedCode { enhanced, class } => {
                InvalidOutput::EnhancedCode { enhanced: scrub(&enhanced), class }
            }
            InvalidOutput::Text { what, text } => InvalidOutput::Text { what, text: scrub(&text) },
            other => other,
        }
    }
}

/// Checks a verdict from plugin `plugin_name` against the rules and caps.
pub fn check(v: wit::Verdict, plugin_name: &str, caps: &OutputCaps) -> Result<FilterVerdict, InvalidOutput> {
    let mut total = 0usize;
    let action = match v.action {
        wit::Action::Continue => Action::Continue,
        wit::Action::Accept => Action::Accept,
        wit::Action::Discard => Action::Discard,
        wit::Action::Reject(r) => Action::Reject(check_reply(r, 5, &mut total)?),
        wit::Action::Tempfail(r) => Action::Tempfail(check_reply(r, 4, &mut total)?),
        wit::Action::Quarantine(reason) => {
            check_text("quarantine reason", &reason, &mut total)?;
            Action::Quarantine(reason)
        }
    };
    if !v.score.is_finite() || v.score.abs() > 1000.0 {
        return Err(InvalidOutput::Score(v.score));
    }
    total += check_tags(&v.tags, caps)?;
    total += check_headers(&v.headers, plugin_name, caps)?;
    if total > caps.total_bytes {
        return Err(InvalidOutput::TooLarge { total, cap: caps.total_bytes });
    }
    let headers = v.headers.into_iter().map(|h| (h.name, h.value)).collect();
    Ok(FilterVerdict { action, score: v.score, tags: v.tags, headers })
}

/// Checks the tags' number and alphabet; returns their bytes.
fn check_tags(tags: &[String], caps: &OutputCaps) -> Result<usize, InvalidOutput> {
    if tags.len() > caps.tags {
        return Err(InvalidOutput::TooManyTags { count: tags.len(), cap: caps.tags });
    }
    let mut total = 0;
    for tag in tags {
        total += tag.len();
        let ok = !tag.is_empty()
            && tag.len() <= MAX_TAG
            && tag.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-'));
        if !ok {
            return Err(InvalidOutput::Tag(clip(tag)));
        }
    }
    Ok(total)
}

/// Checks the headers' number, namespace and values; returns their bytes.
fn check_headers(headers: &[wit::Header], plugin_name: &str, caps: &OutputCaps) -> Result<usize, InvalidOutput> {
    if headers.len() > caps.headers {
        return Err(InvalidOutput::TooManyHeaders { count: headers.len(), cap: caps.headers });
    }
    let prefix = format!("x-{plugin_name}");
    let mut total = 0;
    for h in headers {
        total += h.name.len() + h.value.len();
        let lname = h.name.to_ascii_lowercase();
        let in_namespace =
            lname == prefix || (lname.starts_with(&prefix) && lname.as_bytes().get(prefix.len()) == Some(&b'-'));
        let name_ok = h.name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !in_namespace || !name_ok {
            return Err(InvalidOutput::HeaderName { name: clip(&h.name), plugin: plugin_name.to_owned() });
        }
        let value_ok = h.value.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b));
        if !value_ok || h.name.len() + 2 + h.value.len() > MAX_HEADER_LINE {
            return Err(InvalidOutput::HeaderValue(h.name.clone()));
        }
    }
    Ok(total)
}

fn check_reply(r: wit::Reply, class: u16, total: &mut usize) -> Result<SmtpReply, InvalidOutput> {
    if r.code / 100 != class {
        return Err(InvalidOutput::ReplyCode { code: r.code, class });
    }
    let parts: Vec<&str> = r.enhanced.split('.').collect();
    let enhanced_ok = parts.len() == 3
        && parts[0] == class.to_string()
        && parts[1..].iter().all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    if !enhanced_ok {
        return Err(InvalidOutput::EnhancedCode { enhanced: clip(&r.enhanced), class });
    }
    check_text("reply text", &r.text, total)?;
    Ok(SmtpReply { code: r.code, enhanced: r.enhanced, text: r.text })
}

fn check_text(what: &'static str, text: &str, total: &mut usize) -> Result<(), InvalidOutput> {
    *total += text.len();
    let ok = !text.is_empty() && text.len() <= MAX_TEXT && text.bytes().all(|b| (0x20..0x7f).contains(&b));
    if ok { Ok(()) } else { Err(InvalidOutput::Text { what, text: clip(text) }) }
}

/// The start of a long untrusted string, for error messages.
fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(action: wit::Action) -> wit::Verdict {
        wit::Verdict { action, score: 0.0, tags: vec![], headers: vec![] }
    }
    fn reply(code: u16, enhanced: &str, text: &str) -> wit::Reply {
        wit::Reply { code, enhanced: enhanced.into(), text: text.into() }
    }

    #[test]
    fn table() {
        let caps = OutputCaps::default();
        let header = |n: &str, v: &str| wit::Header { name: n.into(), value: v.into() };
        let cases: Vec<(wit::Verdict, Option<&str>)> = vec![
            (verdict(wit::Action::Reject(reply(550, "5.7.1", "spam"))), None),
            (verdict(wit::Action::Reject(reply(450, "5.7.1", "spam"))), Some("not 5xx")),
            (verdict(wit::Action::Reject(reply(550, "4.7.1", "spam"))), Some("not 5.x.y")),
            (verdict(wit::Action::Tempfail(reply(451, "4.7.1", "later\r\nX: y"))), Some("printable")),
            (verdict(wit::Action::Quarantine("".into())), Some("quarantine reason")),
            (wit::Verdict { score: f64::NAN, ..verdict(wit::Action::Continue) }, Some("finite")),
            (wit::Verdict { tags: vec!["Bad Tag".into()], ..verdict(wit::Action::Continue) }, Some("tag")),
            (wit::Verdict { tags: vec!["t".into(); 33], ..verdict(wit::Action::Continue) }, Some("cap of 32")),
            (
                wit::Verdict { headers: vec![header("X-Spam-Score-Detail", "1")], ..verdict(wit::Action::Continue) },
                None,
            ),
            (
                wit::Verdict { headers: vec![header("X-Spam-Scoreboard", "1")], ..verdict(wit::Action::Continue) },
                Some("namespace"),
            ),
            (
                wit::Verdict { headers: vec![header("Received", "x")], ..verdict(wit::Action::Continue) },
                Some("namespace"),
            ),
            (
                wit::Verdict { headers: vec![header("X-Spam-Score", "a\nb")], ..verdict(wit::Action::Continue) },
                Some("printable"),
            ),
        ];
        assert!(!cases.is_empty());
        for (v, want) in cases {
            let got = check(v.clone(), "spam-score", &caps);
            match (want, got) {
                (None, Ok(_)) => {}
                (Some(w), Err(e)) => assert!(e.to_string().contains(w), "{v:?}: {e} lacks {w}"),
                (w, g) => panic!("{v:?}: wanted {w:?}, got {g:?}"),
            }
        }
    }
}
