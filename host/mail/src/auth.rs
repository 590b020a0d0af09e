//! What the relay learned of a message's origin at DATA: SPF, DKIM, DMARC and iprev
//! results, in closed types (the DNS crate fills them, plugins read them through the
//! privacy model), and the `Authentication-Results` header (RFC 8601) they become.
//!
//! Pure: no I/O. [`strip_forged`] removes a sender's own `Authentication-Results`
//! fields that claim this node's authserv-id (RFC 8601 §5) and its fields in the
//! node's `X-Mxr-` namespace, touching nothing else. (A DKIM signature of the sender's
//! that covered such a field then fails at the next hop: the forgery is what goes.)

use std::borrow::Cow;
use std::fmt::Write;

/// One method's result (RFC 8601 §2.7; the SPF words of RFC 7208 §2.6).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum AuthResult {
    /// Not checked, or nothing to check (no record, no signature).
    #[default]
    None,
    /// Passed.
    Pass,
    /// Failed.
    Fail,
    /// SPF `~all`: weak failure.
    SoftFail,
    /// The domain makes no assertion.
    Neutral,
    /// A temporary error, most often DNS: the same check may pass later.
    TempError,
    /// A permanent error in the published record.
    PermError,
}

impl AuthResult {
    /// The RFC 8601 result word.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthResult::None => "none",
            AuthResult::Pass => "pass",
            AuthResult::Fail => "fail",
            AuthResult::SoftFail => "softfail",
            AuthResult::Neutral => "neutral",
            AuthResult::TempError => "temperror",
            AuthResult::PermError => "permerror",
        }
    }
}

/// The policy a DMARC record asks receivers to apply to failing mail (`p=`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum DmarcPolicy {
    /// No record was found (or it could not be read).
    #[default]
    Unspecified,
    /// `p=none`: monitor only.
    None,
    /// `p=quarantine`.
    Quarantine,
    /// `p=reject`.
    Reject,
}

impl DmarcPolicy {
    /// The RFC 7489 word, `unspecified` when there is no record.
    pub fn as_str(self) -> &'static str {
        match self {
            DmarcPolicy::Unspecified => "unspecified",
            DmarcPolicy::None => "none",
            DmarcPolicy::Quarantine => "quarantine",
            DmarcPolicy::Reject => "reject",
        }
    }
}

/// SPF (RFC 7208) for the MAIL FROM domain, or the HELO name for the null sender.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpfCheck {
    /// The result.
    pub result: AuthResult,
    /// The domain checked (empty when there was none to check).
    pub domain: String,
    /// True when `domain` is the HELO name (the null sender has no MAIL FROM domain).
    pub helo: bool,
}

/// One DKIM signature (RFC 6376).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DkimCheck {
    /// The result.
    pub result: AuthResult,
    /// The signing domain (`d=`).
    pub domain: String,
    /// The selector (`s=`).
    pub selector: String,
}

/// DMARC (RFC 7489) for the RFC 5322 From domain.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DmarcCheck {
    /// The result: `pass` when SPF or DKIM passed aligned.
    pub result: AuthResult,
    /// The policy the From domain publishes.
    pub policy: DmarcPolicy,
    /// SPF passed for a domain aligned with From.
    pub spf_aligned: bool,
    /// A DKIM signature passed for a domain aligned with From.
    pub dkim_aligned: bool,
    /// The From domain (empty when the message has no single From domain).
    pub domain: String,
}

/// iprev (RFC 8601 §3): the client address's PTR name resolves back to it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IprevCheck {
    /// The result.
    pub result: AuthResult,
    /// The confirmed PTR name when it passed, else empty.
    pub name: String,
}

/// Everything checked for one message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthResults {
    /// SPF.
    pub spf: SpfCheck,
    /// Every DKIM signature, in header order (empty when unsigned).
    pub dkim: Vec<DkimCheck>,
    /// DMARC.
    pub dmarc: DmarcCheck,
    /// iprev.
    pub iprev: IprevCheck,
    /// The client address iprev checked (its `policy.iprev`), as text.
    pub client_ip: String,
}

impl AuthResults {
    /// The whole `Authentication-Results:` field (RFC 8601) under `authserv_id`,
    /// folded one method per line, ending in CRLF. Identities are domains only: the
    /// header travels with the message, and a domain is what each method checked.
    pub fn header(&self, authserv_id: &str) -> String {
        let mut h = format!("Authentication-Results: {authserv_id};");
        let mut method = |text: String| {
            let _ = write!(h, "\r\n\t{text};");
        };
        let ip = pvalue(&self.client_ip);
        method(format!("iprev={} policy.iprev={ip}", self.iprev.result.as_str()));
        let identity = if self.spf.helo { "smtp.helo" } else { "smtp.mailfrom" };
        method(format!("spf={} {identity}={}", self.spf.result.as_str(), pvalue(&self.spf.domain)));
        if self.dkim.is_empty() {
            method("dkim=none".into());
        }
        for d in &self.dkim {
            method(format!(
                "dkim={} header.d={} header.s={}",
                d.result.as_str(),
                pvalue(&d.domain),
                pvalue(&d.selector)
            ));
        }
        let dmarc = &self.dmarc;
        method(format!(
            "dmarc={} (p={}) header.from={}",
            dmarc.result.as_str(),
            dmarc.policy.as_str(),
            pvalue(&dmarc.domain)
        ));
        h.pop();
        h.push_str("\r\n");
        h
    }
}

/// A property value: a token as it is, anything else quoted (RFC 2045 `value`), so
/// that a hostile domain or selector cannot add a method or end the field.
fn pvalue(v: &str) -> Cow<'_, str> {
    // Domains, IP addresses (IPv6 keeps its colons, as receivers write it) and tokens.
    let token = !v.is_empty() && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-:+@".contains(&b));
    if token {
        return Cow::Borrowed(v);
    }
    let clean: String = v.chars().filter(|c| !c.is_control()).collect();
    Cow::Owned(format!("\"{}\"", clean.replace('\\', "\\\\").replace('"', "\\\"")))
}

/// The message without a sender's forgeries of this node's verdict: any
/// `Authentication-Results` field whose authserv-id is `authserv_id` (compared without
/// case), and any field in the node's own `X-Mxr-` namespace (`X-Mxr-Score`,
/// `X-Mxr-Tags`), on which a customer's rules may act. Every other byte stays as it
/// was; borrowed when there is nothing to remove.
pub fn strip_forged<'a>(raw: &'a [u8], authserv_id: &str) -> Cow<'a, [u8]> {
    let header_end = header_end(raw);
    let mut fields = Vec::new();
    let mut at = 0;
    while at < header_end {
        let end = field_end(raw, at, header_end);
        fields.push(at..end);
        at = end;
    }
    let forged = |r: &std::ops::Range<usize>| claims(&raw[r.clone()], authserv_id) || in_our_namespace(&raw[r.clone()]);
    if !fields.iter().any(forged) {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    for f in fields.iter().filter(|f| !forged(f)) {
        out.extend_from_slice(&raw[f.clone()]);
    }
    out.extend_from_slice(&raw[header_end..]);
    Cow::Owned(out)
}

/// Where the header ends: the start of the blank line, or the end of the message.
fn header_end(raw: &[u8]) -> usize {
    let mut at = 0;
    while at < raw.len() {
        if raw[at] == b'\n' || raw[at..].starts_with(b"\r\n") {
            return at;
        }
        at = line_end(raw, at);
    }
    raw.len()
}

/// The end of the line starting at `at`, past its line break.
fn line_end(raw: &[u8], at: usize) -> usize {
    raw[at..].iter().position(|&b| b == b'\n').map_or(raw.len(), |i| at + i + 1)
}

/// The end of the field starting at `at`: its first line and every continuation line.
fn field_end(raw: &[u8], at: usize, limit: usize) -> usize {
    let mut end = line_end(raw, at);
    while end < limit && matches!(raw[end], b' ' | b'\t') {
        end = line_end(raw, end);
    }
    end.min(limit)
}

/// True when the field is an `Authentication-Results` naming `authserv_id`.
fn claims(field: &[u8], authserv_id: &str) -> bool {
    let Some(colon) = field.iter().position(|&b| b == b':') else { return false };
    if !field[..colon].trim_ascii().eq_ignore_ascii_case(b"authentication-results") {
        return false;
    }
    let value = String::from_utf8_lossy(&field[colon + 1..]);
    let value = strip_comments(&value);
    let id = value.split(';').next().unwrap_or("").split_whitespace().next().unwrap_or("");
    without_final_dot(id.trim_matches('"')).eq_ignore_ascii_case(without_final_dot(authserv_id))
}

/// A host name without its final dot, which names the same host (`mx.test.`).
fn without_final_dot(name: &str) -> &str {
    name.strip_suffix('.').unwrap_or(name)
}

/// True when the field's name starts with `X-Mxr-` (any case).
fn in_our_namespace(field: &[u8]) -> bool {
    field.get(..6).is_some_and(|head| head.eq_ignore_ascii_case(b"x-mxr-"))
}

/// Text without its RFC 5322 comments (`(…)`, nested), so `(x) mx.test` reads `mx.test`.
fn strip_comments(s: &str) -> String {
    let mut depth = 0usize;
    s.chars()
        .filter(|&c| match c {
            '(' => {
                depth += 1;
                false
            }
            ')' if depth > 0 => {
                depth -= 1;
                false
            }
            _ => depth == 0,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forged_results_under_our_id_and_our_own_fields_go_and_nothing_else_changes() {
        let table: &[(&str, &str)] = &[
            ("Subject: a\r\n\r\nbody", "Subject: a\r\n\r\nbody"),
            ("Authentication-Results: mx.test; spf=pass\r\nSubject: a\r\n\r\nb", "Subject: a\r\n\r\nb"),
            ("authentication-results:  MX.TEST ;\r\n\tdkim=pass\r\nX: 1\r\n\r\nb", "X: 1\r\n\r\nb"),
            ("Authentication-Results: (c) mx.test; spf=pass\r\n\r\nb", "\r\nb"),
            ("Authentication-Results: \"mx.test\"; none\nX: y\n\nb", "X: y\n\nb"),
            ("Authentication-Results: mx.test.; dkim=pass header.d=bank.test\r\n\r\nb", "\r\nb"),
            ("Authentication-Results: \"MX.TEST.\" ; none\r\n\r\nb", "\r\nb"),
            (
                "Authentication-Results: other.test; spf=pass\r\nAuthentication-Results: mx.test 1; none\r\n\r\n",
                "Authentication-Results: other.test; spf=pass\r\n\r\n",
            ),
            (
                "X: 1\r\n\r\nAuthentication-Results: mx.test; spf=pass\r\n",
                "X: 1\r\n\r\nAuthentication-Results: mx.test; spf=pass\r\n",
            ),
            (
                "Authentication-Results: mx.test.evil; spf=pass\r\n\r\n",
                "Authentication-Results: mx.test.evil; spf=pass\r\n\r\n",
            ),
            ("Authentication-Results: mx.test; spf=pass", ""),
            (
                "X-Mxr-Score: -50.0\r\nx-mxr-tags: ham\r\n trusted\r\nX-Mxr: 1\r\nX-Spam-Score: 0\r\n\r\nX-Mxr-Tags: b\r\n",
                "X-Mxr: 1\r\nX-Spam-Score: 0\r\n\r\nX-Mxr-Tags: b\r\n",
            ),
        ];
        for (raw, want) in table {
            let got = strip_forged(raw.as_bytes(), "mx.test");
            assert_eq!(String::from_utf8_lossy(&got), *want, "{raw:?}");
        }
    }

    #[test]
    fn the_header_names_each_method_and_quotes_what_is_no_token() {
        let r = AuthResults {
            spf: SpfCheck { result: AuthResult::Pass, domain: "sender.test".into(), helo: false },
            dkim: vec![DkimCheck { result: AuthResult::Fail, domain: "sender.test".into(), selector: "s;1".into() }],
            dmarc: DmarcCheck {
                result: AuthResult::Fail,
                policy: DmarcPolicy::Reject,
                domain: "sender.test".into(),
                ..Default::default()
            },
            iprev: IprevCheck { result: AuthResult::TempError, name: String::new() },
            client_ip: "192.0.2.1".into(),
        };
        assert_eq!(
            r.header("mx.test"),
            "Authentication-Results: mx.test;\r\n\tiprev=temperror policy.iprev=192.0.2.1;\r\n\t\
             spf=pass smtp.mailfrom=sender.test;\r\n\tdkim=fail header.d=sender.test header.s=\"s;1\";\r\n\t\
             dmarc=fail (p=reject) header.from=sender.test\r\n"
        );
        let none = AuthResults { spf: SpfCheck { helo: true, ..Default::default() }, ..Default::default() };
        assert!(
            none.header("mx.test").contains("spf=none smtp.helo=\"\";\r\n\tdkim=none;"),
            "{}",
            none.header("mx.test")
        );
    }
}
