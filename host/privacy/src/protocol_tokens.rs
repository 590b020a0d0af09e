//! Header values and MIME parameters that pass in clear because they are protocol
//! tokens, each checked against its own field's grammar: a date, `1.0`, an encoding,
//! a priority, a charset, a micalg. Anything else is free text and fails closed, so a
//! phone number in `X-Priority` or a name in `charset=` is never taken for a token.

use regex::{Regex, RegexBuilder};
use std::sync::LazyLock;

/// Compiles a whole-value, case-insensitive pattern.
fn whole(pattern: &str) -> Regex {
    RegexBuilder::new(&format!("^(?:{pattern})$")).case_insensitive(true).build().expect("a valid pattern")
}

/// Time zone names an RFC 5322 date (or its comment) may carry.
const ZONES: &str = "UT|UTC|GMT|Z|CET|CEST|BST|IST|EET|EEST|WET|WEST|MET|MEST|[ECMP][SD]T";

/// An RFC 5322 date (with the obsolete zones and a zone comment).
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    whole(&format!(
        r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),\s*)?[0-9]{{1,2}}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+[0-9]{{2,4}}\s+[0-9]{{1,2}}:[0-9]{{2}}(?::[0-9]{{2}})?(?:\s*(?:[+-][0-9]{{4}}|{ZONES}))?(?:\s*\((?:{ZONES})\))?"
    ))
});
/// `X-Priority`: a level and an optional word for it.
static PRIORITY: LazyLock<Regex> = LazyLock::new(|| whole(r"[1-5](?:\s*\((?:highest|high|normal|low|lowest)\))?"));
/// Single-word technical fields.
static WORD: LazyLock<Regex> = LazyLock::new(|| {
    whole(
        "normal|high|low|urgent|non-urgent|bulk|list|junk|no|auto-generated|auto-replied|auto-notified|\
         7bit|8bit|binary|base64|quoted-printable",
    )
});
/// A charset name (IANA names and common aliases).
static CHARSET: LazyLock<Regex> = LazyLock::new(|| {
    whole(
        r"utf-?8|utf-?16(?:le|be)?|utf-?32(?:le|be)?|utf-7|us-ascii|ascii|iso-?8859-[0-9]{1,2}|iso-2022-(?:jp|kr|cn)(?:-[0-9])?|windows-12[0-9][0-9]|cp-?[0-9]{3,4}|koi8-[ru]|gb2312|gbk|gb18030|big5(?:-hkscs)?|shift[_-]jis|sjis|euc-(?:jp|kr|cn|tw)|tis-620|macintosh|x-mac-roman|unknown-8bit|x-unknown|default",
    )
});
/// Values of the other token parameters, by parameter name.
static TOKENS: LazyLock<[(&str, Regex); 5]> = LazyLock::new(|| {
    [
        ("format", whole("flowed|fixed")),
        ("delsp", whole("yes|no")),
        ("method", whole("request|reply|cancel|publish|add|refresh|counter|declinecounter")),
        ("micalg", whole(r"(?:pgp-)?(?:sha-?(?:1|224|256|384|512)|md5|ripemd160)")),
        ("report-type", whole("delivery-status|disposition-notification|feedback-report|tlsrpt")),
    ]
});

/// True when `value` is exactly what the technical field `name` (lower-case) holds:
/// `Mon, 23 Nov 2026 10:00:00 +0100 (CET)`, `1.0`, `base64`, `3 (Normal)`, `bulk`.
pub fn technical_value(name: &str, value: &str) -> bool {
    let v = value.trim();
    match name {
        "date" | "resent-date" => DATE.is_match(v),
        "mime-version" => v == "1.0",
        "x-priority" => PRIORITY.is_match(v),
        "content-transfer-encoding" | "importance" | "precedence" | "auto-submitted" => WORD.is_match(v),
        _ => false,
    }
}

/// True when `value` is a protocol token for the MIME parameter `key` (lower-case):
/// a charset, a format, a micalg. Media types (`type`, `protocol`) are not tokens
/// here: they are rendered as media types.
pub fn parameter_token(key: &str, value: &str) -> bool {
    match key {
        "charset" => CHARSET.is_match(value),
        _ => TOKENS.iter().any(|(k, re)| *k == key && re.is_match(value)),
    }
}

/// True for a parameter whose value is a protocol token (`charset`, `format`, …): a
/// value outside its closed set is no text to render but one pseudonym.
pub fn token_parameter(key: &str) -> bool {
    key == "charset" || TOKENS.iter().any(|(k, _)| *k == key)
}

/// The media types that pass in clear (`src/media-types.txt`: Debian's registry and
/// the common unregistered ones), lower-case.
static MEDIA_TYPES: LazyLock<std::collections::HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("media-types.txt").lines().filter(|l| !l.is_empty() && !l.starts_with('#')).collect()
});

/// True when `kind` (`image/PNG`, any case, without parameters) is a known media type.
/// A made-up one (`application/lotte-zwanenburg`) is not: it is rendered as text.
pub fn known_media_type(kind: &str) -> bool {
    kind.len() <= 128 && MEDIA_TYPES.contains(kind.to_ascii_lowercase().as_str())
}

/// The MIME parameters whose values are media types (`multipart/related; type=…`).
pub const MEDIA_TYPE_PARAMETERS: &[&str] = &["type", "protocol"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn technical_values_pass_only_in_their_fields_grammar() {
        let pass = [
            ("date", "Mon, 23 Nov 2026 10:00:00 +0100"),
            ("date", "23 Nov 2026 10:00 GMT"),
            ("date", "Tue, 1 Dec 2026 08:15:02 -0500 (EST)"),
            ("mime-version", "1.0"),
            ("x-priority", "3 (Normal)"),
            ("x-priority", "1"),
            ("content-transfer-encoding", "Quoted-Printable"),
            ("importance", "high"),
            ("precedence", "bulk"),
            ("auto-submitted", "auto-replied"),
        ];
        for (name, value) in pass {
            assert!(technical_value(name, value), "{name}: {value}");
        }
        let fail = [
            ("x-priority", "0612345678"),
            ("x-priority", "3 (Lotte)"),
            ("importance", "31 6 12345678"),
            ("precedence", "192.0.2.55"),
            ("mime-version", "1.0 (Lotte Zwanenburg)"),
            ("date", "Mon, 23 Nov 2026 10:00:00 +0100 (Lotte)"),
            ("date", "0612345678"),
            ("content-transfer-encoding", "base64 0612345678"),
            ("subject", "1.0"),
        ];
        for (name, value) in fail {
            assert!(!technical_value(name, value), "{name}: {value}");
        }
    }

    #[test]
    fn parameter_tokens_are_closed_sets() {
        for (key, value) in
            [("charset", "UTF-8"), ("charset", "iso-8859-15"), ("charset", "windows-1252"), ("format", "flowed")]
        {
            assert!(parameter_token(key, value), "{key}={value}");
        }
        for (key, value) in [("micalg", "pgp-sha256"), ("method", "REQUEST"), ("delsp", "yes")] {
            assert!(parameter_token(key, value), "{key}={value}");
        }
        let fail = [
            ("charset", "Timmerman-0612345678"),
            ("format", "NL91ABNA0417164300"),
            ("charset", "x-mac-lotte"),
            ("method", "0612345678"),
            ("name", "utf-8"),
            ("type", "text/plain"),
        ];
        for (key, value) in fail {
            assert!(!parameter_token(key, value), "{key}={value}");
        }
    }
}
