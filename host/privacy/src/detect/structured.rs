//! Structured personal data: e-mail and IP addresses, phone numbers, IBANs and
//! tracking links ([`super::tracking`]). Shapes by regular expression, then validation (an IPv6 address
//! must parse, an IBAN must pass mod-97, a phone number must not be a date).

use super::triggers::{DIGIT_AT_WORD_END, Gated, Starts};
use super::{Kind, Span};
use regex::Regex;
use std::sync::LazyLock;

struct Patterns {
    email: Regex,
    /// An address in a link, `%40` for its `@` (`?sender=jan.kok%40gmail.com`): a
    /// pattern of its own, tried only where `%40` stands, as an alternative `@` would
    /// cost the address pattern its search for the `@` first.
    email_in_link: Regex,
    /// Addresses written out against harvesters (`jan [at] example [dot] nl`).
    spelled_email: Regex,
    /// What every written-out address holds (a spelled dot, `＠`, or `at` before a
    /// closing bracket): a literal search that spares most texts the full pattern.
    spelled_email_hint: Regex,
    /// IPv4 addresses and IBAN shapes in one pass.
    ipv4_or_iban: Gated,
    ipv6: Regex,
    phone: Gated,
    date: Regex,
}

static PATTERNS: LazyLock<Patterns> = LazyLock::new(|| {
    Patterns {
    email: Regex::new(&email("@")).unwrap(),
    email_in_link: Regex::new(&email("%40")).unwrap(),
    spelled_email: Regex::new(&spelled_email()).unwrap(),
    spelled_email_hint: Regex::new(r"(?i)dot|punt|＠|at[ \t]*[\])}]").unwrap(),
    ipv4_or_iban: Gated::new(&format!(
        r"(?:(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){{3}}(?:25[0-5](?-u:\b)|2[0-4]{D}|1?\d?{D}))|(?:[A-Z]{{2}}\d{{2}}(?: ?[A-Z0-9]{{4}}){{2,7}}(?: ?[A-Z0-9]{{1,3}})?(?-u:\b))",
        D = DIGIT_AT_WORD_END
    ))
    .unwrap(),
    // Any run of hex digits, colons and dots with two colons or more; validated by
    // parsing, so the shape here only has to be generous.
    ipv6: Regex::new(r"(?i)[0-9a-f.]*:[0-9a-f.]*:[0-9a-f:.]*").unwrap(),
    // The last digit ends a word, or a bracket after it stands before one (`(8)x`).
    phone: Gated::new(&format!(
        r"(?:\+|00|0)\d(?:[ \-./]?\(?\d\)?){{6,12}}[ \-./]?\(?(?:\d\)(?-u:\b)|{DIGIT_AT_WORD_END})"
    ))
    .unwrap(),
    date: Regex::new(DATE).unwrap(),
}
});

/// How much of an address match is the address: all of it, unless its last label is
/// no top-level domain but starts with one (`x@kpnmail.nl0623456781`,
/// `x@gmail.comtim`, as table cells joined without a blank and flattened markup glue
/// a phone number or a name onto an address). Then the address ends after the
/// longest top-level domain the label starts with, and the rest (three characters
/// or more) is text.
fn glued_off(address: &str) -> usize {
    let Some((head, label)) = address.rsplit_once('.') else { return address.len() };
    if crate::vocabulary::is_tld(label) || !head.contains('@') {
        return address.len();
    }
    // What is glued on is a word or a number, of three characters or more; a label
    // like `corp` is an unknown domain (which no form shows), not `co` and a word.
    // The pattern's `(?i)` also takes `ſ` and the Kelvin sign for letters: only ASCII
    // labels are cut.
    if !label.is_ascii() {
        return address.len();
    }
    let tld = (2..label.len().saturating_sub(2)).rev().find(|&n| crate::vocabulary::is_tld(&label[..n]));
    tld.map_or(address.len(), |n| head.len() + 1 + n)
}

/// The address pattern, with `at` for the `@`. `=` in a local part only where VERP
/// (`list-bounces+jan=example.nl@`) and SRS (`SRS0=hash=tt=example.nl=jan@`) put it:
/// `smtp.mailfrom=jan@x.nl` is a key and an address.
fn email(at: &str) -> String {
    format!(
        r"(?i)(?-u:\b)(?:srs[01]=[a-z0-9._%+=\-]+|[a-z0-9._%\-]*\+[a-z0-9._%+=\-]+|[a-z0-9._%+\-]+){at}[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)+(?-u:\b)"
    )
}

/// The pattern of an address written out: `@` as `[at]`, `(at)`, `{at}`, a full-width
/// `＠` or a bare `at`, and dots as `[dot]`, `(punt)` and the like or bare `dot` and
/// `punt` (a plain `.` only after a bracketed `at` or `＠`: `at 10.30` is a time). Any
/// case (`AT … DOT`).
fn spelled_email() -> String {
    let label = r"[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?";
    let bracketed = |word: &str| format!(r"(?:\[[ \t]*{word}[ \t]*\]|\([ \t]*{word}[ \t]*\)|\{{[ \t]*{word}[ \t]*\}})");
    let (at, dot) = (bracketed("at"), bracketed("(?:dot|punt)"));
    let spelled_dot = format!(r"(?:[ \t]*{dot}[ \t]*|[ \t]+(?:dot|punt)[ \t]+)");
    format!(
        r"(?i)(?-u:\b)[a-z0-9._%+\-]+(?:[ \t]*(?:{at}|＠)[ \t]*{label}(?:(?:{spelled_dot}|\.){label})+|[ \t]+at[ \t]+{label}(?:{spelled_dot}{label})+)(?-u:\b)"
    )
}

/// A date, which a phone number's shape takes in too (`01-02-2024`).
const DATE: &str = r"^\d{1,4}[-./]\d{1,2}[-./]\d{1,4}$";

/// True when `found` (a match of the phone pattern) is a [`DATE`]: decided by hand for
/// ASCII, where that is three digit groups of at most 4, 2 and 4 digits between two
/// separators, and by the pattern otherwise (`\d` is any script's digit).
fn is_date(date: &Regex, found: &str) -> bool {
    if !found.is_ascii() {
        return date.is_match(found);
    }
    let mut groups = found.split(['-', '.', '/']);
    let mut group = |most: usize| {
        groups.next().is_some_and(|g| (1..=most).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_digit()))
    };
    group(4) && group(2) && group(4) && groups.next().is_none()
}

/// Adds the structured spans of `text` to `spans`.
pub fn find(text: &str, spans: &mut Vec<Span>) {
    find_from(text, &Starts::new(text), spans);
}

/// As [`find`], with the word starts of `text` found already.
pub(super) fn find_from(text: &str, starts: &Starts, spans: &mut Vec<Span>) {
    let p = &*PATTERNS;
    super::tracking::find(text, spans);
    spans.extend(p.email.find_iter(text).map(|m| Span::new(m.start()..m.start() + glued_off(m.as_str()), Kind::Email)));
    if memchr::memmem::find(text.as_bytes(), b"%40").is_some() {
        spans.extend(p.email_in_link.find_iter(text).map(|m| Span::new(m.range(), Kind::Email)));
    }
    if p.spelled_email_hint.is_match(text) {
        spans.extend(p.spelled_email.find_iter(text).map(|m| Span::new(m.range(), Kind::Email)));
    }
    let mut ibans = Vec::new();
    // Which alternative matched, from the first character: an IBAN starts with a
    // capital letter, an IPv4 address with a digit (no capture groups: those cost a
    // second, slower search per match).
    for m in p.ipv4_or_iban.matches(text, |at| starts.ipv4_or_iban(at)) {
        let found = &text[m.clone()];
        if !found.starts_with(|c: char| c.is_ascii_uppercase()) {
            spans.push(Span::new(m.clone(), Kind::Ip));
        } else {
            // An IBAN-shaped string that fails the check is no IBAN, and no phone number.
            ibans.push(m.clone());
            if iban_valid(found) {
                spans.push(Span::new(m.clone(), Kind::Iban));
            }
        }
    }
    for m in p.ipv6.find_iter(text) {
        let preceded_by_word = text[..m.start()].chars().next_back().is_some_and(|c| c.is_alphanumeric());
        // A sentence's full stop or colon may follow; "::1" must keep its colons.
        let candidate = [m.as_str().trim_end_matches('.'), m.as_str().trim_end_matches(['.', ':'])]
            .into_iter()
            .find(|c| c.parse::<std::net::Ipv6Addr>().is_ok())
            .unwrap_or_default();
        if !preceded_by_word && !candidate.is_empty() {
            spans.push(Span::new(m.start()..m.start() + candidate.len(), Kind::Ip));
        }
    }
    for m in p.phone.matches(text, |at| starts.phone(at)) {
        let inside_iban_shape = text[..m.start].ends_with(|c: char| c.is_ascii_alphanumeric())
            || ibans.iter().any(|r| r.start <= m.start && m.end <= r.end);
        if !inside_iban_shape && !is_date(&p.date, &text[m.clone()]) && !after_reference_word(text, m.start) {
            spans.push(Span::new(m.clone(), Kind::Phone));
        }
    }
}

/// True when the number follows a word that makes it a reference, not a phone number
/// ("order 0012345678", "factuurnummer 0123456789", "#0012345678").
fn after_reference_word(text: &str, at: usize) -> bool {
    // Only the few words before matter; never look further back (keeps detection linear).
    let mut from = at.saturating_sub(24);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    let before = text[from..at].trim_end_matches([' ', ':', '.']);
    // Lowered on the stack when ASCII (the window is at most 27 bytes).
    let mut buf = [0u8; 32];
    let lowered;
    let before: &str = match buf.get_mut(..before.len()) {
        Some(b) if before.is_ascii() => {
            b.copy_from_slice(before.as_bytes());
            b.make_ascii_lowercase();
            std::str::from_utf8(b).expect("ASCII")
        }
        _ => {
            lowered = before.to_lowercase();
            &lowered
        }
    };
    before.ends_with('#')
        || [
            "order",
            "ordernummer",
            "invoice",
            "factuur",
            "factuurnummer",
            "ticket",
            "ref",
            "referentie",
            "kenmerk",
            "nr",
            "no",
            "number",
            "nummer",
            "klantnummer",
            "account",
        ]
        .iter()
        .any(|w| before.ends_with(w) && !before[..before.len() - w.len()].ends_with(|c: char| c.is_alphabetic()))
}

/// The links in `text`, as `(?i)(?-u:\b)https?://[^\s<>"']+` finds them (with the
/// scheme in ASCII case): from each `://`, which a substring search finds far faster
/// than the regex engine's search for the eight cases of `http`, back to the scheme
/// at a word start and on to a blank, `<`, `>` or a quote.
pub(super) fn links(text: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        loop {
            let colon = at + SCHEME_END.find(&bytes[at..])?;
            at = colon + 3;
            let scheme = |s: &[u8]| colon >= s.len() && bytes[colon - s.len()..colon].eq_ignore_ascii_case(s);
            let Some(start) = [&b"https"[..], b"http"].into_iter().find(|s| scheme(s)).map(|s| colon - s.len()) else {
                continue;
            };
            if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
                continue;
            }
            let len = link_len(&text[at..]);
            if len > 0 {
                at += len;
                return Some(start..at);
            }
        }
    })
}

/// What ends a link's scheme, for a vectorised substring search.
static SCHEME_END: LazyLock<memchr::memmem::Finder<'static>> = LazyLock::new(|| memchr::memmem::Finder::new("://"));

/// The length of the link's rest at the head of `rest`: up to white space, `<`, `>` or
/// a quote. ASCII bytes are checked as bytes; from the first other byte on, as
/// characters (white space includes U+00A0, U+2003 and the like).
fn link_len(rest: &str) -> usize {
    let end = |c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'');
    match rest.bytes().position(|b| b >= 0x80 || end(char::from(b))) {
        Some(i) if rest.as_bytes()[i] >= 0x80 => i + rest[i..].find(end).unwrap_or(rest.len() - i),
        Some(i) => i,
        None => rest.len(),
    }
}

/// ISO 13616 mod-97 check.
pub fn iban_valid(candidate: &str) -> bool {
    // Blanks apart, the first four characters go last; each step folds one more
    // base-36 digit into the remainder, without building the rearranged string.
    let step =
        |rem: u32, c: char| c.to_digit(36).map(|v| if v >= 10 { (rem * 100 + v) % 97 } else { (rem * 10 + v) % 97 });
    let mut chars = candidate.chars().filter(|c| !c.is_whitespace());
    let mut head = ['\0'; 4];
    for h in &mut head {
        let Some(c) = chars.next() else { return false };
        *h = c;
    }
    let (mut rem, mut len) = (0, head.len());
    for c in chars.chain(head) {
        len += 1;
        match step(rem, c) {
            Some(r) if len <= 34 + head.len() => rem = r,
            _ => return false,
        }
    }
    (15..=34).contains(&(len - head.len())) && rem == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ibans_pass_the_mod_97_check_and_nothing_else_does() {
        let valid =
            ["NL91 ABNA 0417 1643 00", "NL91ABNA0417164300", "GB29 NWBK 6016 1331 9268 19", "de89370400440532013000"];
        for iban in valid {
            assert!(iban_valid(iban), "{iban}");
        }
        let invalid = [
            "NL92 ABNA 0417 1643 00",
            "NL91 ABNA 0417 1643",
            "NL91",
            "",
            "NL91 ABNA 0417 1643 00 1234 5678 9012 3456",
            "NL91 ABNA 0417 1643 0é",
            "NL91-ABNA-0417-1643-00",
        ];
        for iban in invalid {
            assert!(!iban_valid(iban), "{iban}");
        }
    }

    #[test]
    fn a_date_is_what_the_date_pattern_says() {
        let re = Regex::new(DATE).unwrap();
        let cases = [
            "01-02-2024",
            "1.2.2024",
            "2024/12/31",
            "2024-1-1",
            "12345-1-1",
            "1-123-1",
            "1-1-12345",
            "01-02",
            "01-02-2024-1",
            "0612345678",
            "06-1234-5678",
            "-1-1",
            "1--1",
            "1-1-",
            "06 12-3-4",
            "٠١-٠٢-٢٠٢٤",
            "1-٢-3",
        ];
        for found in cases {
            assert_eq!(is_date(&re, found), re.is_match(found), "{found}");
        }
        assert!(is_date(&re, "01-02-2024") && !is_date(&re, "06-1234-5678"));
    }

    /// No gate passes over a place where its pattern matches, on random texts of
    /// numbers, IBAN and address pieces in several scripts and blanks of every kind.
    #[test]
    fn the_gates_pass_every_match_in_random_pieces() {
        use super::super::random_text;
        let p = &*PATTERNS;
        let words = "06 0612345678 +31 20 123 4567 (020) 00 31 ٠٦ ١٢٣٤٥٦٧٨ 192.0.2.1 10.0 .1 ٣.٣ NL91 ABNA \
                     0417 1643 00 GB29 NWBK 6016 1331 9268 19 x é Bel";
        let mut found = (0, 0);
        for text in random_text::texts(words, 4000) {
            let starts = Starts::new(&text);
            found.0 += random_text::gated_matches(&p.ipv4_or_iban, &text, |at| starts.ipv4_or_iban(at));
            found.1 += random_text::gated_matches(&p.phone, &text, |at| starts.phone(at));
        }
        assert!(found.0 > 300 && found.1 > 300, "{found:?} matches: the words should make numbers");
    }

    #[test]
    fn whole_text_patterns_run_as_lazy_dfas() {
        let p = &*PATTERNS;
        for re in [&p.email, &p.email_in_link, &p.spelled_email, &p.spelled_email_hint, &p.ipv6] {
            super::super::assert_lazy_dfa(re.as_str());
        }
        for gated in [&p.ipv4_or_iban, &p.phone] {
            super::super::assert_lazy_dfa(gated.as_str());
        }
    }

    /// The link search finds what the pattern it replaced finds, on the corpus and at
    /// the edges.
    #[test]
    fn links_are_what_the_link_pattern_finds() {
        let re = Regex::new(r"(?i)(?-u:\b)https?://[^\s<>\x22']+").unwrap();
        let mut texts = super::super::corpus_texts();
        texts.extend(
            [
                "see https://x.test/a?utm_source=nl and HTTP://X.TEST/plain.",
                "xhttp://no.test, _https://no.test, é http://yes.test/é€ 'http://q.test'",
                "http://a.test/?u=http://b.test<https://c.test>\"http://d.test\"",
                "http:// empty, https:/x, ://x, http://\u{a0}nbsp, hTTpS://mixed.test\u{2003}end",
                "https://",
                "://",
                "",
            ]
            .map(String::from),
        );
        for text in &texts {
            let want: Vec<_> = re.find_iter(text).map(|m| m.range()).collect();
            assert_eq!(links(text).collect::<Vec<_>>(), want, "{text}");
        }
    }
}
