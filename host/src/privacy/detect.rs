//! Finding personal data inside free text, behind a trait so that a better detector
//! (an NER model, say) can replace the pattern one without touching its callers.
//!
//! The pattern detector finds the structured categories: e-mail addresses, IP
//! addresses, phone numbers, IBANs (mod-97 checked) and tracking links. Names and
//! street addresses need the corpus-driven work of the purpose-limitation issue.

use super::Category;
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// One piece of personal data found in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    /// Byte range in the text.
    pub range: Range<usize>,
    /// What it is.
    pub category: Category,
}

/// Finds personal data in text. Spans come back sorted and non-overlapping.
pub trait Detector: Send + Sync {
    /// The spans of personal data in `text`.
    fn detect(&self, text: &str) -> Vec<Span>;
}

/// The regex-based detector for structured categories.
#[derive(Debug, Default, Clone, Copy)]
pub struct PatternDetector;

struct Patterns {
    url: Regex,
    email: Regex,
    ipv4: Regex,
    ipv6: Regex,
    iban: Regex,
    phone: Regex,
}

static PATTERNS: LazyLock<Patterns> = LazyLock::new(|| Patterns {
    url: Regex::new(r"(?i)\bhttps?://[^\s<>\x22']+").unwrap(),
    email: Regex::new(
        r"(?i)\b[a-z0-9._%+\-]+@[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)+\b",
    )
    .unwrap(),
    ipv4: Regex::new(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b").unwrap(),
    // Any run of hex digits, colons and dots with two colons or more; validated by
    // parsing, so the shape here only has to be generous.
    ipv6: Regex::new(r"(?i)[0-9a-f.]*:[0-9a-f.]*:[0-9a-f:.]*").unwrap(),
    iban: Regex::new(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b").unwrap(),
    phone: Regex::new(r"(?:\+|\b00|\b0)\d(?:[ \-./]?\(?\d\)?){7,13}\b").unwrap(),
});

/// Query parameters and paths that mark a link as tracking (conversion data).
const TRACKING_MARKERS: [&str; 9] =
    ["utm_", "gclid=", "fbclid=", "mc_eid=", "mc_cid=", "/track/", "/click", "/open", "trk="];

impl Detector for PatternDetector {
    fn detect(&self, text: &str) -> Vec<Span> {
        let p = &*PATTERNS;
        let mut spans = Vec::new();
        let mut add = |range: Range<usize>, category| spans.push(Span { range, category });
        for m in p.url.find_iter(text) {
            let url = m.as_str().to_ascii_lowercase();
            if TRACKING_MARKERS.iter().any(|t| url.contains(t)) {
                add(m.range(), Category::Conversion);
            }
        }
        p.email.find_iter(text).for_each(|m| add(m.range(), Category::EmailAddress));
        p.ipv4.find_iter(text).for_each(|m| add(m.range(), Category::Network));
        for m in p.ipv6.find_iter(text) {
            let preceded_by_word = text[..m.start()].chars().next_back().is_some_and(|c| c.is_alphanumeric());
            // A sentence's full stop or colon may follow; "::1" must keep its colons.
            let candidate = [m.as_str().trim_end_matches('.'), m.as_str().trim_end_matches(['.', ':'])]
                .into_iter()
                .find(|c| c.parse::<std::net::Ipv6Addr>().is_ok())
                .unwrap_or_default();
            if !preceded_by_word && !candidate.is_empty() {
                add(m.start()..m.start() + candidate.len(), Category::Network);
            }
        }
        for m in p.iban.find_iter(text) {
            if iban_valid(m.as_str()) {
                // An IBAN identifies an account holder: treat it as name-address data.
                add(m.range(), Category::NameAddress);
            }
        }
        p.phone.find_iter(text).for_each(|m| add(m.range(), Category::PhoneNumber));
        resolve_overlaps(spans)
    }
}

/// Keeps the earliest, then longest, span where spans overlap.
fn resolve_overlaps(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort_by_key(|s| (s.range.start, std::cmp::Reverse(s.range.end)));
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans {
        match out.last() {
            Some(last) if s.range.start < last.range.end => {}
            _ => out.push(s),
        }
    }
    out
}

/// ISO 13616 mod-97 check.
fn iban_valid(candidate: &str) -> bool {
    let s: String = candidate.chars().filter(|c| !c.is_whitespace()).collect();
    if !(15..=34).contains(&s.len()) {
        return false;
    }
    let rearranged = s[4..].chars().chain(s[..4].chars());
    let mut rem: u32 = 0;
    for c in rearranged {
        let v = match c.to_digit(36) {
            Some(v) => v,
            None => return false,
        };
        rem = if v >= 10 { (rem * 100 + v) % 97 } else { (rem * 10 + v) % 97 };
    }
    rem == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(&str, Category)> {
        PatternDetector.detect(text).into_iter().map(|s| (&text[s.range], s.category)).collect()
    }

    #[test]
    fn table() {
        use Category::*;
        let cases: &[(&str, &[(&str, Category)])] = &[
            ("mail jan.jansen@example.nl now", &[("jan.jansen@example.nl", EmailAddress)]),
            ("bel 06-12345678 of +31 20 123 4567", &[("06-12345678", PhoneNumber), ("+31 20 123 4567", PhoneNumber)]),
            ("from 192.0.2.17 via 2001:db8::1", &[("192.0.2.17", Network), ("2001:db8::1", Network)]),
            ("v6 [2001:db8:0:1::25] and ::1.", &[("2001:db8:0:1::25", Network), ("::1", Network)]),
            ("mapped ::ffff:192.0.2.1 here", &[("::ffff:192.0.2.1", Network)]),
            ("at 10:30:00 or 12:00", &[]),
            ("IBAN NL91 ABNA 0417 1643 00 thanks", &[("NL91 ABNA 0417 1643 00", NameAddress)]),
            // A failed mod-97 check is no IBAN; its tail still reads as a Dutch number.
            ("IBAN NL92 ABNA 0417 1643 00 bad check", &[("0417 1643 00", PhoneNumber)]),
            (
                "see https://x.test/a?utm_source=nl and https://x.test/plain",
                &[("https://x.test/a?utm_source=nl", Conversion)],
            ),
            ("version 1.2.3 costs 100 euro", &[]),
        ];
        for (text, want) in cases {
            assert_eq!(found(text), want.to_vec(), "{text}");
        }
    }

    #[test]
    fn overlaps_keep_the_outer_span() {
        let text = "https://t.test/click?u=bob@example.com";
        assert_eq!(found(text), vec![(text, Category::Conversion)]);
    }
}
