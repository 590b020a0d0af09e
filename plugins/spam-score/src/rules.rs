//! The scoring rules, over plain text so they can run (and be measured) outside the
//! sandbox too. Each rule that fires is a hit; scores add up.

/// The parts of a message the rules read, as the plugin's grant showed them.
use alloc::{borrow::ToOwned, format, string::String, vec::Vec};

pub struct MailText<'a> {
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
    pub header_names: &'a [String],
}

/// One rule that fired.
pub struct Hit {
    pub rule: &'static str,
    pub score: f64,
}

const SUSPICIOUS_TLDS: &[&str] = &[
    "xyz", "top", "click", "loan", "work", "zip", "mov", "gq", "tk", "ml", "cf", "ga", "country", "kim", "men",
    "review",
];

/// Runs every rule over the message.
pub fn score(m: &MailText, extra: &[String]) -> Vec<Hit> {
    let (subject, text, html) = (m.subject, m.text, m.html);
    let mut hits = Vec::new();
    let mut hit = |rule, score| hits.push(Hit { rule, score });

    let phrases = super::phrases::found(&[subject, text, html], extra);
    if phrases > 0 {
        hit("phrases", (phrases as f64 * 1.5).min(9.0));
    }
    if shouting(subject, 10, 0.7) {
        hit("subject-caps", 2.0);
    }
    if shouting(text, 40, 0.5) {
        hit("body-caps", 1.5);
    }
    if find_from(subject, 0, "!!").is_some() || find_from(text, 0, "!!!").is_some() {
        hit("exclamations", 1.0);
    }
    let links = links(html);
    if links.len() >= 3 && strip_tags(html).trim().len() / links.len() < 80 {
        hit("link-ratio", 1.5);
    }
    if !html.is_empty() && text.trim().is_empty() && !links.is_empty() {
        hit("html-only", 0.5);
    }
    if links.iter().any(|(href, label)| mismatched(href, label)) {
        hit("link-mismatch", 3.0);
    }
    let bad_tlds = links.iter().filter_map(|(href, _)| host(href)).filter(|h| suspicious_tld(h)).count()
        + hosts_in_text(text).filter(|h| suspicious_tld(h)).count();
    if bad_tlds > 0 {
        hit("suspicious-tld", (bad_tlds as f64 * 1.5).min(4.5));
    }
    if !m.header_names.iter().any(|n| n.eq_ignore_ascii_case("date")) {
        hit("no-date", 1.0);
    }
    if !m.header_names.iter().any(|n| n.eq_ignore_ascii_case("message-id")) {
        hit("no-message-id", 1.5);
    }
    hits
}

/// True when at least `min_letters` letters are present and `ratio` of them are capitals.
fn shouting(s: &str, min_letters: usize, ratio: f64) -> bool {
    let (letters, upper) = letters_and_capitals(s);
    letters >= min_letters && upper as f64 >= letters as f64 * ratio
}

/// How many letters `s` holds, and how many of them are capitals. Eight ASCII bytes
/// are counted at once ([`ascii_letters`]); other characters are decoded one by one.
fn letters_and_capitals(s: &str) -> (usize, usize) {
    let (mut letters, mut upper) = (0usize, 0usize);
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if let Some(eight) = bytes.get(i..i + 8).map(|l| u64::from_le_bytes(l.try_into().expect("eight")))
            && eight & HIGH == 0
        {
            let (l, u) = ascii_letters(eight);
            (letters, upper, i) = (letters + l, upper + u, i + 8);
            continue;
        }
        if b < 0x80 {
            letters += usize::from(b.is_ascii_alphabetic());
            upper += usize::from(b.is_ascii_uppercase());
            i += 1;
            continue;
        }
        let c = s[i..].chars().next().unwrap_or_default();
        if c.is_alphabetic() {
            letters += 1;
            upper += usize::from(c.is_uppercase());
        }
        i += c.len_utf8();
    }
    (letters, upper)
}

/// The high bit of each of eight bytes.
const HIGH: u64 = 0x8080_8080_8080_8080;
/// One in each of eight bytes.
const ONES: u64 = 0x0101_0101_0101_0101;

/// How many of eight ASCII bytes (in a `u64`, no high bit set) are letters, and how
/// many capitals: each byte's high bit set where it lies in a range (adding
/// `0x80 - lo` reaches it from `lo` on, adding `0x7f - hi` from `hi + 1` on, and no
/// addition carries into the next byte), then counted. Setting bit 5 maps `A`-`Z`
/// onto `a`-`z`, and no other ASCII byte into that range.
fn ascii_letters(x: u64) -> (usize, usize) {
    let within = |v: u64, lo: u8, hi: u8| (v + u64::from(0x80 - lo) * ONES) & !(v + u64::from(0x7f - hi) * ONES) & HIGH;
    let letters = within(x | (0x20 * ONES), b'a', b'z');
    let upper = within(x, b'A', b'Z');
    (letters.count_ones() as usize, upper.count_ones() as usize)
}

/// `(href, visible text)` of each `<a>` in an HTML body.
fn links(html: &str) -> Vec<(String, String)> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(start) = lower[at..].find("<a ").map(|i| i + at) {
        let Some(tag_end) = lower[start..].find('>').map(|i| i + start) else {
            break;
        };
        let href = attr(&html[start..tag_end], "href").unwrap_or_default();
        let close = lower[tag_end..].find("</a").map_or(html.len(), |i| i + tag_end);
        out.push((href, strip_tags(&html[tag_end + 1..close]).trim().to_owned()));
        at = close.max(tag_end + 1);
    }
    out
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let i = lower.find(&format!("{name}="))? + name.len() + 1;
    let rest = &tag[i..];
    let (quote, body) = match rest.chars().next()? {
        q @ ('"' | '\'') => (q, &rest[1..]),
        _ => (' ', rest),
    };
    Some(body.split(quote).next().unwrap_or_default().trim().to_owned())
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// The host of a URL, also from the relay's `<tracking:host>` form of tracking links.
fn host(url: &str) -> Option<String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("<tracking:")
        .map(|r| r.trim_end_matches('>'))
        .or_else(|| url.split_once("://").map(|(_, r)| r))?;
    let host = rest.split(['/', '?', '#', ':']).next()?.to_ascii_lowercase();
    (host.contains('.') && !host.is_empty()).then_some(host)
}

/// Link text that names a host other than the link's target (`paypal.com` → `evil.xyz`).
fn mismatched(href: &str, label: &str) -> bool {
    let Some(target) = host(href) else {
        return false;
    };
    let shown = host(label).or_else(|| {
        let l = label.trim().to_ascii_lowercase();
        let looks_like_host = l.contains('.')
            && !l.contains(' ')
            && l.rsplit('.')
                .next()
                .is_some_and(|t| (2..=6).contains(&t.len()) && t.chars().all(|c| c.is_ascii_alphabetic()));
        looks_like_host.then(|| l.trim_start_matches("www.").split('/').next().unwrap_or_default().to_owned())
    });
    match shown {
        Some(shown) => {
            let (t, s) = (target.trim_start_matches("www."), shown.trim_start_matches("www."));
            t != s && !t.ends_with(&format!(".{s}")) && !s.ends_with(&format!(".{t}"))
        }
        None => false,
    }
}

/// Where `needle` (ASCII) first occurs in `hay` at or after `at`: its first byte found
/// by `str::find(char)`, which looks for one byte a word at a time (a two-way substring
/// search reads a 64 KB body a byte at a time, and wasm has no SIMD to speed it).
fn find_from(hay: &str, mut at: usize, needle: &str) -> Option<usize> {
    let first = char::from(*needle.as_bytes().first()?);
    loop {
        at += hay.get(at..)?.find(first)?;
        if hay[at..].starts_with(needle) {
            return Some(at);
        }
        at += 1;
    }
}

/// The hosts of the URLs in free text: each white-space-delimited word around a `://`.
fn hosts_in_text(text: &str) -> impl Iterator<Item = String> + '_ {
    let mut at = 0;
    core::iter::from_fn(move || {
        let colon = find_from(text, at, "://")?;
        let start = text[..colon]
            .rfind(char::is_whitespace)
            .map_or(0, |i| i + text[i..].chars().next().map_or(1, char::len_utf8));
        let end = text[colon..].find(char::is_whitespace).map_or(text.len(), |i| colon + i);
        at = end;
        Some(&text[start..end])
    })
    .filter_map(host)
}

fn suspicious_tld(host: &str) -> bool {
    host.rsplit('.').next().is_some_and(|tld| SUSPICIOUS_TLDS.contains(&tld))
}

/// What the relay's sender checks found, as plain data.
#[derive(Debug, Default, Clone, Copy)]
pub struct SenderChecks {
    /// SPF `fail`.
    pub spf_fail: bool,
    /// SPF `softfail`.
    pub spf_softfail: bool,
    /// DKIM signatures that failed.
    pub dkim_failed: usize,
    /// DMARC `fail`.
    pub dmarc_fail: bool,
}

/// Failed sender authentication: SPF fail 3.0 or softfail 1.0, 2.0 per failed DKIM
/// signature, DMARC fail 2.0. Temporary errors score nothing: a sender's slow DNS says
/// nothing about spam.
pub fn authentication(c: &SenderChecks) -> Vec<Hit> {
    let mut hits = Vec::new();
    if c.spf_fail {
        hits.push(Hit { rule: "spf-fail", score: 3.0 });
    } else if c.spf_softfail {
        hits.push(Hit { rule: "spf-softfail", score: 1.0 });
    }
    if c.dkim_failed > 0 {
        hits.push(Hit { rule: "dkim-fail", score: 2.0 * c.dkim_failed as f64 });
    }
    if c.dmarc_fail {
        hits.push(Hit { rule: "dmarc-fail", score: 2.0 });
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn a_needle_is_found_where_str_find_finds_it() {
        for (hay, needle) in
            [("a!b!!c!!!", "!!!"), ("!!", "!!"), ("x! !", "!!"), ("10:30 https://x", "://"), ("", "!!")]
        {
            for at in 0..=hay.len() {
                assert_eq!(find_from(hay, at, needle), hay[at..].find(needle).map(|i| at + i), "{hay} {at}");
            }
        }
    }

    #[test]
    fn hosts_come_from_each_word_with_a_scheme() {
        let text = "see https://a.test/x and\u{a0}http://b.top, ftp://c.test?q nohost:// x://d.test\nhttps://e.test";
        let hosts: Vec<String> = hosts_in_text(text).collect();
        let by_words: Vec<String> = text.split_whitespace().filter(|w| w.contains("://")).filter_map(host).collect();
        assert_eq!(hosts, by_words);
        assert_eq!(hosts, ["a.test", "b.top,", "c.test", "d.test", "e.test"]);
        assert_eq!(hosts_in_text("no links here").count(), 0);
    }

    #[test]
    fn eight_bytes_are_counted_as_one_by_one() {
        for b in 0u8..0x80 {
            for at in 0..8 {
                let mut lane = *b"aZ m,Q!x";
                lane[at] = b;
                let one_by_one = (
                    lane.iter().filter(|c| c.is_ascii_alphabetic()).count(),
                    lane.iter().filter(|c| c.is_ascii_uppercase()).count(),
                );
                assert_eq!(ascii_letters(u64::from_le_bytes(lane)), one_by_one, "{b:#x} at {at}");
            }
        }
    }

    /// Letters counted eight at a time are the letters a walk over the characters counts.
    #[test]
    fn letters_are_counted_as_character_by_character() {
        let pieces = ["ABCDEFGH", "abcdefgh", "É", "ça", " ", "!?", "ГРОМКО", "x", "Zz09", "中文", "\u{a0}"];
        let mut seed = 11u32;
        for _ in 0..2000 {
            let mut text = String::new();
            for _ in 0..(seed % 9) {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                text.push_str(pieces[(seed >> 16) as usize % pieces.len()]);
            }
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
            let want = (letters.len(), letters.iter().filter(|c| c.is_uppercase()).count());
            assert_eq!(letters_and_capitals(&text), want, "{text}");
        }
    }

    #[test]
    fn shouting_counts_letters_of_every_script() {
        // Lanes of eight ASCII bytes, with non-ASCII letters inside and across them.
        assert!(shouting("HELLO WORLD, THIS IS LOUD É AND ÇA VA", 10, 0.7));
        assert!(!shouting("hello world, this is quiet é and ça va, OK", 10, 0.7));
        assert!(shouting("ab", 2, 0.0) && !shouting("a", 2, 0.0));
        assert!(shouting("ÉÉN GROTE CAFÉ-ACTIE", 10, 0.7));
        assert!(!shouting("één kleine café-actie NU", 10, 0.7));
        assert!(shouting("ГРОМКО И ЯСНО, CLEAR", 10, 0.7));
        assert!(!shouting("Quietly, tiny 12345 !!!!", 10, 0.7));
        assert!(!shouting("SHORT", 10, 0.7));
    }

    #[test]
    fn link_mismatch_table() {
        let cases = [
            ("https://paypal.com/login", "paypal.com", false),
            ("https://evil.xyz/login", "www.paypal.com", true),
            ("https://mail.example.com/x", "https://example.com", false),
            ("<tracking:evil.xyz>", "https://bank.nl", true),
            ("https://x.test/", "Click here", false),
        ];
        for (href, label, want) in cases {
            assert_eq!(mismatched(href, label), want, "{href} / {label}");
        }
    }

    #[test]
    fn finds_links_and_hosts() {
        let l = links(r#"<p>Hi <a href="https://a.test/x">A</a> and <A HREF='http://b.top'>b</a></p>"#);
        assert_eq!(l, vec![("https://a.test/x".into(), "A".into()), ("http://b.top".into(), "b".into())]);
        assert!(suspicious_tld(&host("http://b.top").unwrap()));
    }

    #[test]
    fn failed_sender_checks_score_and_temporary_errors_do_not() {
        let table = [
            (SenderChecks::default(), vec![]),
            (SenderChecks { spf_fail: true, spf_softfail: true, ..Default::default() }, vec![("spf-fail", 3.0)]),
            (SenderChecks { spf_softfail: true, ..Default::default() }, vec![("spf-softfail", 1.0)]),
            (
                SenderChecks { dkim_failed: 2, dmarc_fail: true, ..Default::default() },
                vec![("dkim-fail", 4.0), ("dmarc-fail", 2.0)],
            ),
        ];
        for (checks, want) in table {
            let got: Vec<(&str, f64)> = authentication(&checks).iter().map(|h| (h.rule, h.score)).collect();
            assert_eq!(got, want, "{checks:?}");
        }
    }
}
