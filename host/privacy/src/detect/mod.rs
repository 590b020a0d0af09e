//! Finding personal data inside free text, behind a trait so that a better detector
//! (an NER model, say) can replace the pattern one without touching its callers.
//!
//! The pattern detector combines these families, each a module with its helpers:
//! - [`structured`]: e-mail addresses, IP addresses, phone numbers, IBANs (mod-97
//!   checked) and tracking links with a scheme, protocol-relative or bare;
//! - [`addresses`]: Dutch and UK postcodes, the city beside them, street lines, and
//!   four-digit postcodes on an address line (`3920 Lommel`);
//! - [`names`]: names in greetings, signature blocks, after titles and initials
//!   (`J. Pinas`), in reply attributions and quoted header blocks, after form labels
//!   (`Naam: Sky Kok`) and beside known first names, and organisations by their legal
//!   form;
//! - [`plates`]: vehicle registration plates (`GZ-815-K`, `1-ABC-234`);
//! - [`devices`]: device strings (`Sent from my iPhone`, user agents, `Chrome 131`);
//! - [`word_runs`]: organisations made of ordinary words, as capitalised runs inside a
//!   sentence, where nothing more specific was found.
//!
//! Its quality is measured against the labelled corpus in `tests/corpus/privacy/`
//! (`cargo test -p mxr-tests --test privacy_corpus` prints precision and recall).

pub mod addresses;
mod attributions;
pub(crate) mod byte_classes;
mod chat_exports;
mod columns;
pub mod devices;
mod four_digit_postcodes;
mod initials;
mod name_fields;
pub(crate) mod name_starts;
pub mod names;
mod phone_heads;
pub mod plates;
#[cfg(test)]
mod random_text;
mod salutations;
mod street_starts;
pub mod structured;
mod tracking;
mod triggers;
mod word_list;
pub mod word_runs;

use super::Category;
use std::ops::Range;

/// What a span is, finer than its category (the corpus is labelled by kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// An e-mail address.
    Email,
    /// A telephone number.
    Phone,
    /// An IPv4 or IPv6 address.
    Ip,
    /// An IBAN.
    Iban,
    /// A postcode.
    Postcode,
    /// A street line, a city beside a postcode, or a vehicle's registration plate.
    Address,
    /// A person's name.
    Name,
    /// An organisation's name.
    Organisation,
    /// A tracking link.
    Tracking,
    /// A device string: a phone, laptop, browser or mail program (`iPhone 13 mini`,
    /// `Chrome 131`, a user agent).
    Device,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 10] = [
        Kind::Email,
        Kind::Phone,
        Kind::Ip,
        Kind::Iban,
        Kind::Postcode,
        Kind::Address,
        Kind::Name,
        Kind::Organisation,
        Kind::Tracking,
        Kind::Device,
    ];

    /// The category a span of this kind belongs to.
    pub fn category(self) -> Category {
        match self {
            Kind::Email => Category::EmailAddress,
            Kind::Phone => Category::PhoneNumber,
            Kind::Ip => Category::Network,
            // An IBAN identifies an account holder: name-address data.
            Kind::Iban | Kind::Postcode | Kind::Address | Kind::Name => Category::NameAddress,
            Kind::Organisation => Category::Organisation,
            Kind::Tracking => Category::Conversion,
            Kind::Device => Category::Device,
        }
    }

    /// The corpus label.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Email => "email",
            Kind::Phone => "phone",
            Kind::Ip => "ip",
            Kind::Iban => "iban",
            Kind::Postcode => "postcode",
            Kind::Address => "address",
            Kind::Name => "name",
            Kind::Organisation => "organisation",
            Kind::Tracking => "tracking",
            Kind::Device => "device",
        }
    }

    /// The kind with this corpus label.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// One piece of personal data found in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    /// Byte range in the text.
    pub range: Range<usize>,
    /// What it is.
    pub kind: Kind,
}

impl Span {
    /// A span of `kind`.
    pub fn new(range: Range<usize>, kind: Kind) -> Span {
        Span { range, kind }
    }

    /// Its category.
    pub fn category(&self) -> Category {
        self.kind.category()
    }
}

/// Finds personal data in text. Spans come back sorted and non-overlapping.
pub trait Detector: Send + Sync {
    /// The spans of personal data in `text`.
    fn detect(&self, text: &str) -> Vec<Span>;
}

/// The pattern detector: regular expressions, checksums, context cues and a list of
/// common first names.
#[derive(Debug, Default, Clone, Copy)]
pub struct PatternDetector;

impl Detector for PatternDetector {
    fn detect(&self, text: &str) -> Vec<Span> {
        let mut spans = Vec::new();
        // Where digits and capitals start, found once for the patterns of both.
        let starts = triggers::Starts::new(text);
        structured::find_from(text, &starts, &mut spans);
        addresses::find_from(text, &starts, &mut spans);
        names::find_from(text, &starts, &mut spans);
        plates::find(text, &mut spans);
        four_digit_postcodes::find_from(text, &starts, &mut spans);
        let mut found = resolve_overlaps(spans);
        phone_heads::extend(text, &mut found);
        // Device strings only where nothing else was found: what they hold keeps its form.
        let mut devices = Vec::new();
        devices::find_from(text, &starts, &mut devices);
        if !devices.is_empty() {
            let devices = resolve_overlaps(devices);
            found.retain(|s| !matches!(s.kind, Kind::Name | Kind::Organisation) || !devices::within(&devices, s));
            let pieces = devices::uncovered(text, devices, &found);
            found = merge_by_start(found, pieces);
        }
        // Capitalised runs of ordinary words only where nothing more specific was found.
        let mut runs = Vec::new();
        word_runs::find(text, &found, &mut runs);
        if !runs.is_empty() {
            found = merge_by_start(found, runs);
        }
        found
    }
}

/// The spans of `a` and `b`, each sorted by start and neither overlapping the other,
/// in one list sorted by start.
fn merge_by_start(a: Vec<Span>, b: Vec<Span>) -> Vec<Span> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
        let next = if x.range.start <= y.range.start { a.next() } else { b.next() };
        out.extend(next);
    }
    out.extend(a);
    out.extend(b);
    out
}

/// Where the match of an [`ending_at`] pattern may start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MatchStart {
    /// Wherever the pattern says.
    Anywhere,
    /// At a word boundary, as a leading Unicode `\b` would say. The pattern is written
    /// without it, since that assertion makes the regex engine's DFA give up on any
    /// non-ASCII text (sixty times slower on `Café Zon B.V.` lines).
    Word,
}

/// Where a match of `end_anchored` (a pattern ending in `$`) lies in the text just
/// before `at`, looking back at most `window` bytes and never past a line break, minus
/// the `trailing` characters at its end: the cheap way to find what precedes a rare
/// marker, instead of trying a pattern that starts with a capitalised word at every
/// capitalised word. The patterns are written so that what they are after is the
/// match without its trailing blanks and separators, so no capture groups are needed
/// (they cost a second, slower search per match). With [`MatchStart::Word`], a match
/// that starts inside a word is passed over and the search goes on from the next
/// character: the leftmost match at a boundary, which a leading `\b` would find.
fn ending_at(
    text: &str,
    at: usize,
    window: usize,
    (end_anchored, start): (&regex::Regex, MatchStart),
    trailing: &[char],
) -> Option<Range<usize>> {
    let mut from = at.saturating_sub(window);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let from = text[from..at].rfind('\n').map_or(from, |i| from + i + 1);
    let hay = &text[from..at];
    let mut search_from = 0;
    let m = loop {
        let m = end_anchored.find_at(hay, search_from)?;
        if start == MatchStart::Anywhere || word_boundary(hay, m.start()) {
            break m;
        }
        search_from = m.start() + hay[m.start()..].chars().next()?.len_utf8();
    };
    Some(from + m.start()..from + m.start() + m.as_str().trim_end_matches(trailing).len())
}

/// True at a Unicode word boundary `at` in `hay` (the edges of `hay` count as non-word).
fn word_boundary(hay: &str, at: usize) -> bool {
    let word = |c: Option<char>| c.is_some_and(is_word_character);
    word(hay[..at].chars().next_back()) != word(hay[at..].chars().next())
}

/// A Unicode word character (`\w`), as the regex engine decides it, without a table
/// search for ASCII.
fn is_word_character(c: char) -> bool {
    match c.is_ascii() {
        true => c.is_ascii_alphanumeric() || c == '_',
        false => regex_syntax::is_word_character(c),
    }
}

/// Keeps the earliest, then longest, span where spans overlap; on a tie, the kind
/// found by the more specific evidence ([`priority`]: a checked IBAN before a name,
/// an organisation's legal form before a capitalised phrase).
fn resolve_overlaps(mut spans: Vec<Span>) -> Vec<Span> {
    // Each kind has its own priority, so equal keys are equal spans and order among
    // them does not matter.
    spans.sort_unstable_by_key(|s| (s.range.start, std::cmp::Reverse(s.range.end), priority(s.kind)));
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans {
        match out.last_mut() {
            // A name or organisation found by its words ends where data of a stricter
            // kind starts inside it (`Dhr. Jansen Kerkstraat 12`, `Dr. J. Fisher
            // J.Fisher@uni.nl`): the address or e-mail address keeps its own form.
            Some(last) if s.range.start < last.range.end && by_words(last.kind) && !by_words(s.kind) => {
                if s.range.start > last.range.start {
                    last.range.end = s.range.start;
                } else {
                    out.pop();
                }
                out.push(s);
            }
            Some(last) if s.range.start < last.range.end => {}
            _ => out.push(s),
        }
    }
    out
}

/// True for the kinds found by their words (names and organisations), which may run
/// into the data after them.
fn by_words(kind: Kind) -> bool {
    matches!(kind, Kind::Name | Kind::Organisation)
}

/// A kind's rank on a tie, lowest first: structured data, then organisations,
/// addresses and names. No two kinds share one, so spans with equal keys are equal.
fn priority(kind: Kind) -> u8 {
    match kind {
        Kind::Email => 0,
        Kind::Phone => 1,
        Kind::Ip => 2,
        Kind::Iban => 3,
        Kind::Postcode => 4,
        Kind::Device => 5,
        Kind::Tracking => 6,
        Kind::Organisation => 7,
        Kind::Address => 8,
        Kind::Name => 9,
    }
}

/// The texts of the spans one family's `find` adds for `text`, in order: what its
/// table tests compare.
#[cfg(test)]
fn found_by(find: fn(&str, &mut Vec<Span>), text: &str) -> Vec<&str> {
    let mut spans = Vec::new();
    find(text, &mut spans);
    spans.iter().map(|s| &text[s.range.clone()]).collect()
}

/// Panics unless `re` can run as the regex engine's lazy DFA on any text: a Unicode
/// `\b` makes that DFA give up at the first non-ASCII character, and the search falls
/// back to an engine ten times slower. Every pattern run over a whole text must pass.
#[cfg(test)]
fn assert_lazy_dfa(pattern: &str) {
    if let Err(e) = regex_automata::hybrid::regex::Regex::new(pattern) {
        panic!("{e}: {}", pattern.chars().take(120).collect::<String>());
    }
}

/// Every message of the labelled corpus (`tests/corpus/privacy/*.eml`) read as text:
/// what the tests that replace a whole-text search check the replacement against.
#[cfg(test)]
fn corpus_texts() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus/privacy");
    let texts: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned())
        .collect();
    assert!(texts.len() > 500, "{} corpus messages", texts.len());
    texts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_ends_where_an_address_inside_it_starts() {
        let text = "Dhr. Jansen Kerkstraat 12, en Dr. J. Fisher J.Fisher@uni.nl";
        let found: Vec<(Kind, &str)> =
            PatternDetector.detect(text).into_iter().map(|s| (s.kind, &text[s.range])).collect();
        assert!(found.contains(&(Kind::Address, "Kerkstraat 12")), "{found:?}");
        assert!(found.contains(&(Kind::Email, "J.Fisher@uni.nl")), "{found:?}");
        assert!(found.iter().all(|(_, t)| !t.contains("Kerkstraat 12,")), "{found:?}");
    }

    #[test]
    fn a_word_start_is_what_a_leading_word_boundary_finds() {
        let words = r"(?:\p{Lu}\p{L}+|&|\d+)(?:[ \t]+(?:\p{Lu}\p{L}+|&)){0,3}$";
        let with_b = regex::Regex::new(&format!(r"\b{words}")).unwrap();
        let without = regex::Regex::new(words).unwrap();
        let texts = [
            "Café Zon",
            "eBay Zon",
            "x McDonald Kitchen",
            "aÉcole",
            "iPhone",
            "Zoë Ærø",
            "Smith & Jones",
            "x& Zon",
            "x1 Zon",
            "3 Zon",
            "ÉÉ",
        ];
        for text in texts {
            let want = with_b.find(text).map(|m| m.range());
            assert_eq!(ending_at(text, text.len(), 160, (&without, MatchStart::Word), &[]), want, "{text}");
        }
    }

    #[test]
    fn a_unicode_word_boundary_fails_the_lazy_dfa_check() {
        assert!(std::panic::catch_unwind(|| assert_lazy_dfa(r"\bjan\b")).is_err());
        assert_lazy_dfa(r"(?-u:\b)jan(?-u:\b)");
    }

    fn found(text: &str) -> Vec<(&str, Kind)> {
        PatternDetector.detect(text).into_iter().map(|s| (&text[s.range], s.kind)).collect()
    }

    #[test]
    fn table() {
        use Kind::*;
        let cases: &[(&str, &[(&str, Kind)])] = &[
            ("mail jan.jansen@example.nl now", &[("jan.jansen@example.nl", Email)]),
            ("?id=7&sender=sandra.kok%40gmail.com&x", &[("sandra.kok%40gmail.com", Email)]),
            ("mail floor [at] voorbeeld [dot] nl", &[("floor [at] voorbeeld [dot] nl", Email)]),
            ("of sven (at) noordmail (punt) test.", &[("sven (at) noordmail (punt) test", Email)]),
            ("Mail ruud AT winkelier DOT test of", &[("ruud AT winkelier DOT test", Email)]),
            ("yara＠caledonia.example", &[("yara＠caledonia.example", Email)]),
            ("jan { at } x.nl", &[("jan { at } x.nl", Email)]),
            ("we meet at 10.30 at home.nl or look at this", &[]),
            ("bel 06-12345678 of +31 20 123 4567", &[("06-12345678", Phone), ("+31 20 123 4567", Phone)]),
            ("from 192.0.2.17 via 2001:db8::1", &[("192.0.2.17", Ip), ("2001:db8::1", Ip)]),
            ("v6 [2001:db8:0:1::25] and ::1.", &[("2001:db8:0:1::25", Ip), ("::1", Ip)]),
            ("mapped ::ffff:192.0.2.1 here", &[("::ffff:192.0.2.1", Ip)]),
            ("at 10:30:00 or 12:00 on 01-02-2024", &[]),
            ("IBAN NL91 ABNA 0417 1643 00 thanks", &[("NL91 ABNA 0417 1643 00", Iban)]),
            ("IBAN NL92 ABNA 0417 1643 00 bad check", &[]),
            (
                "see https://x.test/a?utm_source=nl and https://x.test/plain",
                &[("https://x.test/a?utm_source=nl", Tracking)],
            ),
            ("version 1.2.3 costs 100 euro, 500 GB", &[]),
            (
                "Keizersgracht 123\n1015 CJ Amsterdam",
                &[("Keizersgracht 123", Address), ("1015 CJ", Postcode), ("Amsterdam", Address)],
            ),
            (
                "at 221B Baker Street, London NW1 6XE",
                &[("221B Baker Street", Address), ("London", Address), ("NW1 6XE", Postcode)],
            ),
            ("Beste Jan,\n\nhoe gaat het?", &[("Jan", Name)]),
            ("Geachte heer De Vries,", &[("De Vries", Name)]),
            ("Dear customer,\nDear Sir or Madam,", &[]),
            (
                "Kind regards,\n\nWubbo Ockels\nAcme Widgets B.V.",
                &[("Wubbo Ockels", Name), ("Acme Widgets B.V.", Organisation)],
            ),
            ("I spoke with Sanne van der Berg today", &[("Sanne van der Berg", Name)]),
            ("Stichting Open Water helps", &[("Stichting Open Water", Organisation)]),
            ("Mail on behalf of Wubbo Ockels today", &[("Wubbo Ockels", Name)]),
            ("vraag het aan\tZwaantje Kzqa.", &[("Zwaantje Kzqa", Name)]),
            ("IN THE NAME OF  Ockels", &[("Ockels", Name)]),
            ("t.n.v. Ockels of 192.0.2.1", &[("Ockels", Name), ("192.0.2.1", Ip)]),
            ("Post: 1015\u{a0}CJ, Amsterdam", &[("1015\u{a0}CJ", Postcode), ("Amsterdam", Address)]),
            ("Box 2000 MB or 1234AB", &[("1234AB", Postcode)]),
            ("W1A 1AA, at 12 London Road", &[("W1A 1AA", Postcode), ("12 London Road", Address)]),
            (
                "<p>Hallo Wilhelmus Kzqa,</p>\n<p>Met vriendelijke groet,<br>\nWilhelmus Kzga<br>\n",
                &[("Wilhelmus Kzqa", Name), ("Wilhelmus Kzga", Name)],
            ),
        ];
        for (text, want) in cases {
            assert_eq!(found(text), want.to_vec(), "{text}");
        }
    }

    #[test]
    fn overlaps_keep_the_outer_span() {
        let text = "https://t.test/click?u=bob@example.com";
        assert_eq!(found(text), vec![(text, Kind::Tracking)]);
    }
}
