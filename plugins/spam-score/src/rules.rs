//! The scoring rules, over plain text so they can run (and be measured) outside the
//! sandbox too. Each rule that fires is a hit; scores add up.

/// The parts of a message the rules read, as the plugin's grant showed them.
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

const PHRASES: &[&str] = &[
    "viagra",
    "cialis",
    "lottery",
    "you have won",
    "you've won",
    "claim your prize",
    "winner!",
    "act now",
    "limited time offer",
    "100% free",
    "risk-free",
    "wire transfer",
    "urgent response",
    "inheritance",
    "bitcoin investment",
    "double your money",
    "no credit check",
    "click here",
    "unsubscribe here",
    "dear friend",
    "congratulations!",
    "verify your account",
    "your account has been suspended",
    // Dutch
    "gefeliciteerd",
    "u heeft gewonnen",
    "je hebt gewonnen",
    "klik hier",
    "gratis",
    "prijs ophalen",
    "uw account is geblokkeerd",
    "bevestig uw gegevens",
    "erfenis",
    "beleggen in bitcoin",
];

const SUSPICIOUS_TLDS: &[&str] = &[
    "xyz", "top", "click", "loan", "work", "zip", "mov", "gq", "tk", "ml", "cf", "ga", "country", "kim", "men",
    "review",
];

/// Runs every rule over the message.
pub fn score(m: &MailText, extra: &[String]) -> Vec<Hit> {
    let (subject, text, html) = (m.subject, m.text, m.html);
    let mut hits = Vec::new();
    let mut hit = |rule, score| hits.push(Hit { rule, score });

    let phrases = phrases_found(&[subject, text, html], extra);
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

/// How many of the phrases (built-in and `extra`, all lowercase) occur in any of
/// `parts`, ignoring case. Phrases of ASCII (three bytes or more) are found in one
/// pass over each part, ignoring ASCII case: tables of their first two and three bytes
/// say where one may start, and
/// only the phrases with those two bytes, not yet found, are compared there. A shorter
/// phrase or one with other letters (only an extra one can be either) is looked for in
/// the Unicode-lowercased part. In wasm there is no SIMD substring search, so one pass
/// per phrase would read a 64 KB body thirty times.
fn phrases_found(parts: &[&str], extra: &[String]) -> usize {
    let all = PHRASES.iter().copied().chain(extra.iter().map(String::as_str));
    let (ascii, other): (Vec<&str>, Vec<&str>) = all.partition(|p| p.is_ascii() && p.len() >= 3);
    let pair = |a: u8, b: u8| usize::from(a.to_ascii_lowercase()) << 8 | usize::from(b.to_ascii_lowercase());
    // A second filter, on the first three bytes hashed to one of 8192 bits: common
    // pairs (`de`, `in`, `er`) pass the first one at most places of a text.
    let triple = |k: usize, c: u8| {
        (((k << 8 | usize::from(c.to_ascii_lowercase())) as u32).wrapping_mul(0x9e37_79b1) >> 19) as usize
    };
    let mut triples = vec![0u64; 1 << 7];
    for p in &ascii {
        let t = triple(pair(p.as_bytes()[0], p.as_bytes()[1]), p.as_bytes()[2]);
        triples[t >> 6] |= 1 << (t & 63);
    }
    // The phrases not found yet, by their first two bytes (sorted by them).
    let mut pending: Vec<(usize, &[u8])> =
        ascii.iter().map(|p| (pair(p.as_bytes()[0], p.as_bytes()[1]), p.as_bytes())).collect();
    pending.sort_unstable();
    let mut starts = vec![0u64; 1 << 10];
    for (k, _) in &pending {
        starts[k >> 6] |= 1 << (k & 63);
    }
    let mut found = 0;
    for hay in parts.iter().map(|p| p.as_bytes()) {
        for i in 0..hay.len().saturating_sub(2) {
            let k = pair(hay[i], hay[i + 1]);
            if starts[k >> 6] & (1 << (k & 63)) == 0 {
                continue;
            }
            let t = triple(k, hay[i + 2]);
            if triples[t >> 6] & (1 << (t & 63)) == 0 {
                continue;
            }
            let rest = &hay[i..];
            let from = pending.partition_point(|(p, _)| *p < k);
            let same = pending[from..].iter().take_while(|(p, _)| *p == k).count();
            // Every phrase that matches here (an extra one may repeat a built-in one).
            let before = pending.len();
            let mut j = from;
            for _ in 0..same {
                let p = pending[j].1;
                match rest.len() >= p.len() && rest[..p.len()].eq_ignore_ascii_case(p) {
                    true => drop(pending.remove(j)),
                    false => j += 1,
                }
            }
            found += before - pending.len();
            if before - pending.len() == same {
                starts[k >> 6] &= !(1 << (k & 63));
            }
        }
    }
    let lowered: Vec<String> = if other.is_empty() { vec![] } else { parts.iter().map(|p| p.to_lowercase()).collect() };
    let others = other.iter().filter(|p| lowered.iter().any(|part| part.contains(*p))).count();
    found + others
}

/// True when at least `min_letters` letters are present and `ratio` of them are capitals.
/// ASCII is counted byte by byte; other characters are decoded.
fn shouting(s: &str, min_letters: usize, ratio: f64) -> bool {
    let (mut letters, mut upper) = (0usize, 0usize);
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
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
    letters >= min_letters && upper as f64 >= letters as f64 * ratio
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
    std::iter::from_fn(move || {
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

    #[test]
    fn phrases_ignore_case_count_once_and_fold_other_letters() {
        let extra = ["überweisung".to_owned(), "free money".to_owned(), "click here".to_owned()];
        let cases: [(&[&str], usize); 6] = [
            (&["nothing to see"], 0),
            (&["CLICK HERE now", "", "<b>Click Here</b>"], 2),
            (&["Gefeliciteerd! U heeft gewonnen", "klik hier"], 3),
            (&["Eine ÜBERWEISUNG für Sie", "café"], 1),
            (&["FREE\nMONEY", "free  money"], 0),
            (&["free money, FREE MONEY, wire transfer"], 2),
        ];
        for (parts, want) in cases {
            assert_eq!(phrases_found(parts, &extra), want, "{parts:?}");
        }
    }

    /// The one-pass search counts what a search per phrase in the lowercased text
    /// counts, on texts stitched from pieces of phrases in changing case.
    #[test]
    fn phrases_agree_with_a_search_per_phrase() {
        let pieces = ["CLICK", " here", "klik ", "HIER", "gratis", "Ü", "berweisung", "wire ", "TRANSFER", "x", "\n"];
        let extra = ["überweisung".to_owned(), "x".to_owned()];
        let mut seed = 7u32;
        for _ in 0..500 {
            let mut parts = [String::new(), String::new()];
            for part in &mut parts {
                for _ in 0..6 {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    part.push_str(pieces[(seed >> 16) as usize % pieces.len()]);
                }
            }
            let naive = PHRASES
                .iter()
                .copied()
                .chain(extra.iter().map(String::as_str))
                .filter(|p| parts.iter().any(|t| t.to_lowercase().contains(p)))
                .count();
            assert_eq!(phrases_found(&[&parts[0], &parts[1]], &extra), naive, "{parts:?}");
        }
    }

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
    fn shouting_counts_letters_of_every_script() {
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
