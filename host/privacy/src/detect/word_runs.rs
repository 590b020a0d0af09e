//! Organisations made of ordinary words, with no legal form and no cue (`Bramble and
//! Thorn`, `Blue Harbour Logistics`, `Saltmarsh Books`): each word is vocabulary on
//! its own, so without this rule the name passes a fail-closed view in clear.
//!
//! A run of two or more capitalised words (joined by single spaces, with `and`, `&`,
//! `of`, `en`, `van`, `de`, `der`, `the` allowed between them) inside a sentence, after
//! a word or a comma on the same line, is taken for an organisation when at least one
//! of its words is vocabulary (a run of none is pseudonymised word by word already).
//! Left alone: a run that starts a line or a sentence (a heading, a greeting, a
//! title-case subject) unless a word of it names a trade (`Centraal Beheer`,
//! `Grachtengordel Makelaardij`, as signatures have them), and a run holding a word that makes it a phrase rather than a
//! name (`Click Here`, `Your Account`, `Terms and Conditions`). Spans found by more
//! specific evidence win: only the words of a run that nothing else covers are added.

use super::byte_classes::next_capital_or_lead;
use super::{Kind, Span};
use std::ops::Range;

/// Words that may stand between the capitalised words of a name, lower-case.
const JOINERS: [&str; 9] = ["and", "&", "of", "en", "van", "de", "der", "the", "for"];

/// Words that make a capitalised run a phrase (a call to action, a pronoun, a notice,
/// a greeting, or a date: `Monday and Tuesday`, `Black Friday`), not a name,
/// lower-case and sorted (searched by halves).
const PHRASE_WORDS: &[&str] = &[
    "a",
    "about",
    "account",
    "act",
    "agenda",
    "alert",
    "all",
    "an",
    "april",
    "august",
    "best",
    "buy",
    "call",
    "cheap",
    "claim",
    "click",
    "conditions",
    "contact",
    "deal",
    "deals",
    "dear",
    "december",
    "discount",
    "download",
    "february",
    "free",
    "friday",
    "get",
    "happy",
    "hello",
    "here",
    "hi",
    "how",
    "i",
    "instellingen",
    "it",
    "january",
    "join",
    "july",
    "june",
    "kind",
    "learn",
    "log",
    "march",
    "may",
    "me",
    "monday",
    "more",
    "my",
    "new",
    "news",
    "newsletter",
    "nieuwsbrief",
    "notification",
    "november",
    "now",
    "october",
    "offer",
    "order",
    "our",
    "pills",
    "policy",
    "privacy",
    "read",
    "regards",
    "sale",
    "saturday",
    "see",
    "september",
    "settings",
    "shop",
    "sign",
    "start",
    "subscribe",
    "sunday",
    "terms",
    "thanks",
    "this",
    "thursday",
    "today",
    "tuesday",
    "unsubscribe",
    "up",
    "update",
    "us",
    "verify",
    "view",
    "we",
    "wednesday",
    "what",
    "win",
    "won",
    "you",
    "your",
];

/// Endings of the words that name a trade or a kind of business, lower-case: a
/// capitalised run holding one names a business even where it starts a line, as in a
/// signature (`Grachtengordel Makelaardij`, `Centraal Beheer`, `Tandartspraktijk Smile`,
/// `Harbour Lights Bakery`). Dutch compounds end in them (`huisartsenpraktijk`).
const TRADE_ENDINGS: &[&str] = &[
    "accountants",
    "advies",
    "advocaten",
    "apotheek",
    "architecten",
    "architects",
    "bakery",
    "bakkerij",
    "bedrijf",
    "beheer",
    "bouw",
    "builders",
    "catering",
    "centrum",
    "clinic",
    "club",
    "consultancy",
    "consulting",
    "dental",
    "diensten",
    "estates",
    "garage",
    "groep",
    "homes",
    "hoveniers",
    "installatie",
    "installaties",
    "kantoor",
    "kapsalon",
    "kliniek",
    "lettings",
    "logistics",
    "logistiek",
    "makelaardij",
    "makelaars",
    "motors",
    "notariaat",
    "pharmacy",
    "plumbing",
    "praktijk",
    "schilders",
    "service",
    "services",
    "solicitors",
    "techniek",
    "transport",
    "tutors",
    "vastgoed",
    "verhuur",
    "winkel",
    "wonen",
    "zorg",
];

/// True when a word of `run` ends in one of [`TRADE_ENDINGS`].
fn names_a_trade(run: &str) -> bool {
    run.split([' ', '\u{a0}']).any(|w| {
        let w = w.as_bytes();
        TRADE_ENDINGS.iter().any(|e| w.len() >= e.len() && w[w.len() - e.len()..].eq_ignore_ascii_case(e.as_bytes()))
    })
}

/// Adds a span of kind organisation to `spans` for each run of capitalised words in
/// `text`, minus what `found` (sorted, non-overlapping) covers already.
pub fn find(text: &str, found: &[Span], spans: &mut Vec<Span>) {
    let mut at = 0;
    while let Some(w) = next_capitalised(text, at) {
        // The whole run is passed over when it starts a sentence or a line.
        let run = run_from(text, w.clone());
        at = run.end;
        let named = || inside_sentence(text, w.start) || names_a_trade(&text[run.clone()]);
        if run != w && named() && is_name(&text[run.clone()]) {
            spans.extend(uncovered(text, run, found).into_iter().map(|r| Span::new(r, Kind::Organisation)));
        }
    }
}

/// The pieces of `run` that no span of `found` covers, each from its first capitalised
/// word to its last (`Copper Kettle & Sons` with `Copper Kettle` found as a name
/// leaves `Sons`).
fn uncovered(text: &str, run: Range<usize>, found: &[Span]) -> Vec<Range<usize>> {
    let mut gaps = Vec::new();
    let mut at = run.start;
    let first = found.partition_point(|s| s.range.end <= run.start);
    for s in found[first..].iter().take_while(|s| s.range.start < run.end) {
        gaps.push(at..s.range.start.max(at));
        at = at.max(s.range.end);
    }
    gaps.push(at..run.end.max(at));
    let capitalised_words = |gap: &Range<usize>| {
        let mut words = Words { text: &text[..gap.end], at: gap.start };
        std::iter::from_fn(move || words.next()).filter(|w| capitalised(&text[w.clone()])).collect::<Vec<_>>()
    };
    gaps.iter().map(capitalised_words).filter_map(|w| Some(w.first()?.start..w.last()?.end)).collect()
}

/// The words of a text: runs of letters, with apostrophes and hyphens inside, and `&`.
struct Words<'t> {
    text: &'t str,
    at: usize,
}

impl Iterator for Words<'_> {
    type Item = Range<usize>;
    fn next(&mut self) -> Option<Range<usize>> {
        let rest = &self.text[self.at..];
        let start = self.at + rest.find(|c: char| is_letter(c) || c == '&')?;
        let len = word_len(&self.text[start..]);
        self.at = start + len;
        Some(start..start + len)
    }
}

/// The next capitalised word at or after `at`. Only the bytes that can start one are
/// looked at (an ASCII capital, a non-ASCII character), so lower-case text is passed
/// over eight bytes at a time without decoding.
fn next_capitalised(text: &str, mut at: usize) -> Option<Range<usize>> {
    let bytes = text.as_bytes();
    loop {
        at = next_capital_or_lead(bytes, at)?;
        let c = text[at..].chars().next()?;
        let len = c.len_utf8();
        if c.is_uppercase() && starts_word(text, at) {
            let w = at..at + word_len(&text[at..]);
            if capitalised(&text[w.clone()]) {
                return Some(w);
            }
            at = w.end.max(at + len);
        } else {
            at += len;
        }
    }
}

/// True when a word starts at `at`: no letter before it, nor an apostrophe or
/// hyphen inside a word (`O'Brien`, `Jean-Luc` are one word each).
fn starts_word(text: &str, at: usize) -> bool {
    let mut before = text[..at].chars().rev();
    match before.next() {
        Some(c) if is_letter(c) => false,
        Some('\'' | '’' | '-') => !before.next().is_some_and(is_letter),
        _ => true,
    }
}

/// The byte length of the word at the head of `s` (which starts with a letter or `&`).
fn word_len(s: &str) -> usize {
    if s.starts_with('&') {
        return 1;
    }
    // Most words are ASCII letters up to an ASCII byte that is no joiner.
    let ascii = s.bytes().position(|b| !b.is_ascii_alphabetic()).unwrap_or(s.len());
    if s.as_bytes().get(ascii).is_none_or(|b| b.is_ascii() && !matches!(b, b'\'' | b'-')) {
        return ascii;
    }
    let mut end = 0;
    for (i, c) in s.char_indices() {
        let inner = matches!(c, '\'' | '’' | '-') && s[i + c.len_utf8()..].starts_with(is_letter);
        if !(is_letter(c) || (inner && end > 0)) {
            break;
        }
        end = i + c.len_utf8();
    }
    end
}

/// `c.is_alphabetic()`, asked the cheap way first: Alphabetic is by definition
/// Uppercase + Lowercase + other letters, and the case tables are much faster to
/// search than the Alphabetic one (a Cyrillic or Greek text is all cased letters).
fn is_letter(c: char) -> bool {
    match c.is_ascii() {
        true => c.is_ascii_alphabetic(),
        false => c.is_lowercase() || c.is_uppercase() || c.is_alphabetic(),
    }
}

/// A capitalised word: a capital, then at least one lower-case letter (not `I`, not
/// an all-caps word, which marks shouting more often than a name).
fn capitalised(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(char::is_uppercase) && chars.any(char::is_lowercase)
}

/// True when the word at `at` follows a word or a comma on its line, and so is not
/// capitalised for starting a sentence or a line.
fn inside_sentence(text: &str, at: usize) -> bool {
    let before = text[..at].trim_end_matches([' ', '\t', '\u{a0}']);
    before.chars().next_back().is_some_and(|c| c == ',' || is_letter(c))
}

/// The longest run from the capitalised word `first`: further capitalised words,
/// single blanks between, joiners only between two capitalised words.
fn run_from(text: &str, first: Range<usize>) -> Range<usize> {
    let mut end = first.end;
    let mut at = first.end;
    while let Some(next) = next_word(text, at) {
        let word = &text[next.clone()];
        if capitalised(word) {
            end = next.end;
            at = next.end;
        } else if JOINERS.iter().any(|j| j.eq_ignore_ascii_case(word)) {
            at = next.end;
        } else {
            break;
        }
    }
    first.start..end
}

/// The word right after one blank at `at`, if there is one.
fn next_word(text: &str, at: usize) -> Option<Range<usize>> {
    let rest = &text[at..];
    let blank = rest.chars().next().filter(|c| matches!(c, ' ' | '\u{a0}'))?;
    let start = at + blank.len_utf8();
    let head = &text[start..];
    head.starts_with(|c: char| is_letter(c) || c == '&').then(|| start..start + word_len(head))
}

/// True when a run reads as a name: no phrase word in it, and at least one word of
/// the vocabulary (which would otherwise pass in clear).
fn is_name(run: &str) -> bool {
    let words: Vec<String> = run.split([' ', '\u{a0}']).map(str::to_lowercase).collect();
    !words.iter().any(|w| PHRASE_WORDS.binary_search(&w.as_str()).is_ok())
        && words.iter().any(|w| !JOINERS.contains(&w.as_str()) && crate::vocabulary::is_word(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrase_words_are_sorted_for_the_search_by_halves() {
        assert!(PHRASE_WORDS.windows(2).all(|w| w[0] < w[1]), "PHRASE_WORDS out of order");
    }

    #[test]
    fn is_letter_is_is_alphabetic() {
        let differ: Vec<char> =
            (0..=0x10ffff).filter_map(char::from_u32).filter(|c| is_letter(*c) != c.is_alphabetic()).collect();
        assert_eq!(differ, []);
    }

    fn runs(text: &str) -> Vec<&str> {
        let mut spans = Vec::new();
        find(text, &[], &mut spans);
        spans.iter().map(|s| &text[s.range.clone()]).collect()
    }

    #[test]
    fn table() {
        let cases: &[(&str, &[&str])] = &[
            ("Regards from Bramble and Thorn too.", &["Bramble and Thorn"]),
            ("We ship with Blue Harbour Logistics, as always.", &["Blue Harbour Logistics"]),
            ("Ordered at Copper Kettle & Sons, then", &["Copper Kettle & Sons"]),
            ("De bestelling komt van Groene Vallei Kwekerij vandaag.", &["Groene Vallei Kwekerij"]),
            // Sentence and line starts, headings and greetings are left alone, unless
            // a word names a trade.
            ("Blue Harbour Lights shine today.", &[]),
            ("Done. Blue Harbour Lights shine today.", &[]),
            ("Blue Harbour Logistics ships today.", &["Blue Harbour Logistics"]),
            ("Groet,\nTim\nCentraal Beheer, afdeling schade", &["Centraal Beheer"]),
            (
                "Grachtengordel Makelaardij\nTandartspraktijk Smile Veldhoven",
                &["Grachtengordel Makelaardij", "Tandartspraktijk Smile Veldhoven"],
            ),
            ("Kind Regards,\nBest Wishes", &[]),
            ("Limited Time Offer Inside", &[]),
            ("Summer Garden Party Tickets", &[]),
            // Phrases, single words, all-caps words, and runs of no vocabulary word.
            ("please Click Here to Verify Your Account", &[]),
            ("read our Terms and Conditions first", &[]),
            ("a word like Harbour alone", &[]),
            ("this is a FREE GIFT for you", &[]),
            ("I met Zwanenburg Kzqa there", &[]),
            // A joiner never ends a run.
            ("from Bramble and the rest", &[]),
        ];
        for (text, want) in cases {
            assert_eq!(runs(text), want.to_vec(), "{text}");
        }
    }

    #[test]
    fn spans_found_otherwise_win() {
        let found = |text: &str, taken: Range<usize>| {
            let mut spans = Vec::new();
            find(text, &[Span::new(taken, Kind::Name)], &mut spans);
            spans.into_iter().map(|s| text[s.range].to_owned()).collect::<Vec<_>>()
        };
        assert!(found("with Sanne Harbour today", 5..18).is_empty());
        let text = "from Copper Kettle & Sons and Blue Harbour Logistics too";
        assert_eq!(found(text, 5..18), ["Sons and Blue Harbour Logistics"]);
    }
}
