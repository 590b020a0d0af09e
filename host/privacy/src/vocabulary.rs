//! The public vocabulary of fail-closed text views: a token passes in clear only if it
//! is known to be harmless. Words of the English and Dutch word lists (lower-case
//! entries only, so no proper nouns), short numbers, punctuation and layout pass;
//! every other token becomes a keyed pseudonym, stable per tenant and purpose, so a
//! statistical filter can still count and learn it but cannot read it.
//!
//! A word that is also a name in the same list (`bakker`/`Bakker`) is not vocabulary;
//! a name that is a word in another language's list is left to the detector's cues.
//! A leak then needs both to miss.

mod birth_stars;
mod compounds;
mod cued;
mod devices;
mod hosts;
mod invisible;
mod name_lists;
mod name_openers;
mod name_words;
mod number_words;
mod numbers;
mod seen;
mod spelled;
mod word_hash;

pub use hosts::{is_host, is_tld, long_digits};

use crate::Pseudonymizer;
use crate::detect::byte_classes::alphanumeric_run;
use crate::message_names::MessageNames;
use cued::{Open, Windows};
pub(crate) use invisible::without_invisible;
pub use name_lists::is_listed_name;
use name_lists::{first_name_before_surname, is_capitalised_surname, is_given_name, may_be_a_first_name, surnames};
use name_words::{NameBefore, Shape};
use seen::Seen;
use std::borrow::Cow;
use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::sync::OnceLock;
use word_hash::WordHasher;

/// The word list, sorted, one word per line (built by `build.rs`).
const WORDS: &str = include_str!(concat!(env!("OUT_DIR"), "/vocabulary.txt"));

/// Longest run of digits that passes in clear: years, quantities, house numbers.
/// Longer runs may be phone, account or customer numbers.
pub const MAX_CLEAR_DIGITS: usize = 4;

type WordSet = HashSet<&'static str, BuildHasherDefault<WordHasher>>;

fn words() -> &'static WordSet {
    static SET: OnceLock<WordSet> = OnceLock::new();
    SET.get_or_init(|| WORDS.split('\n').collect())
}

/// Loads the vocabulary and the known media types now (they are otherwise loaded on
/// first use, which would count against the first plugin call's deadline).
pub fn warm() {
    let _ = words().len() + surnames().len();
    name_lists::warm();
    let _ = crate::protocol_tokens::known_media_type("text/plain");
}

/// True when `word` (any case) is in the vocabulary.
pub fn is_word(word: &str) -> bool {
    in_lower_case(word, |w| words().contains(w))
}

/// `test` on `word` in lower case.
pub(crate) fn in_lower_case(word: &str, test: impl Fn(&str) -> bool) -> bool {
    if word.bytes().all(|b| b.is_ascii_lowercase()) {
        return test(word);
    }
    lowered(word, test)
}

/// `f` of `word.to_lowercase()`: an ASCII word of up to 32 bytes is lowered on the
/// stack (for ASCII, `to_lowercase` is `to_ascii_lowercase`), any other through an
/// allocation.
fn lowered<T>(word: &str, f: impl FnOnce(&str) -> T) -> T {
    let mut buf = [0u8; 32];
    match buf.get_mut(..word.len()) {
        Some(lower) if word.is_ascii() => {
            lower.copy_from_slice(word.as_bytes());
            lower.make_ascii_lowercase();
            f(std::str::from_utf8(lower).expect("ASCII"))
        }
        _ => f(&word.to_lowercase()),
    }
}

/// Appends `text` to `out` with every token outside the vocabulary replaced by its
/// pseudonym under `p`: [`Words::render_into`] for a text of its own.
pub fn render_into(text: &str, p: &Pseudonymizer, hosts_clear: bool, out: &mut String) {
    Words::new(p, hosts_clear).render_into(text, out);
}

/// Renders the words of one text under one pseudonym key, remembering how each
/// distinct token was rendered ([`Seen`]). Made per text, so nothing is remembered
/// across texts, tenants or purposes.
pub struct Words<'p> {
    p: &'p Pseudonymizer,
    hosts_clear: bool,
    /// Words of device strings pass too ([`Words::with_device_words`]).
    device_words: bool,
    seen: Seen,
    /// The cues' windows that the last text ended inside ([`cued`]): the bytes left of
    /// each, for the next piece of the same text.
    open: Open,
    /// Names found elsewhere in the message ([`MessageNames`]): their words are
    /// pseudonyms here too, capitalised.
    known: Option<&'p MessageNames>,
}

/// How the token at the head of a text renders: the bytes it takes, and what replaces
/// them (`None` when they pass as they are).
type Rendered<'a> = (usize, Option<Cow<'a, str>>);

impl<'p> Words<'p> {
    /// A renderer under `p`; with `hosts_clear` (the network category is granted in
    /// full), host names (`www.shop-deals.click`) pass whole: filters judge links by
    /// their hosts.
    pub fn new(p: &'p Pseudonymizer, hosts_clear: bool) -> Self {
        Words { p, hosts_clear, device_words: false, seen: Seen::default(), open: Open::default(), known: None }
    }

    /// The same renderer, passing the words of device strings as well (`Mozilla`,
    /// `iPhone`, `Thunderbird`): for a device value shown to a purpose granted devices.
    pub fn with_device_words(self) -> Self {
        Words { device_words: true, ..self }
    }

    /// The same renderer, with the words of names found elsewhere in the message as
    /// pseudonyms (`Bo` alone, where `Bo Koster` signed).
    pub fn knowing(self, names: Option<&'p MessageNames>) -> Self {
        Words { known: names.filter(|n| !n.is_empty()), ..self }
    }

    /// Appends `text` to `out` with every token outside the vocabulary replaced by its
    /// pseudonym. A token is a run of letters and digits; everything else (spaces,
    /// punctuation, symbols) passes as it is.
    pub fn render_into(&mut self, text: &str, out: &mut String) {
        // Invisible characters would split a name into words (`Lot\u{200b}te`): gone first.
        // All but NUL are non-ASCII, so ASCII text without NUL skips the check.
        let cleaned = without_invisible(text);
        let text = cleaned.as_deref().unwrap_or(text);
        // `clear_from` is where the text not yet copied starts: a run of tokens that
        // pass is copied in one piece when a token that does not (or the end) comes.
        let (mut clear_from, mut at) = (0, 0);
        // The capitalised pseudonym just before, if any: a word right after it (`Joy
        // Short`, `Walter Pope`) may be part of that name ([`name_words`]).
        let mut before: Option<NameBefore> = None;
        // The windows of cues (`geboren`, `code`, `@`) that the token may lie in
        // ([`cued`]), going on from the piece before.
        let mut windows = Windows::going_on(self.open, text);
        while let Some(start) = next_alphanumeric(text, at) {
            let (len, shown) = self.render_token(&text[start..]);
            at = start + len;
            let capital = text.as_bytes()[start].is_ascii_uppercase();
            windows.see(text, start, at);
            match shown {
                Some(shown) => {
                    out.push_str(&text[clear_from..start]);
                    out.push_str(&shown);
                    clear_from = at;
                    // A lower-case first name that is no word (`mark`) may have its
                    // surname after it too (`mark zeeman`).
                    let word = &text.as_bytes()[start..at];
                    let name = capital || (may_be_a_first_name(word) && is_given_name(&text[start..at]));
                    let shape = if capital { Shape::of(&text[start..at]) } else { Shape::Name };
                    before = name.then_some(NameBefore { end: at, shape });
                }
                None => {
                    // Part of a name beside it, or of what a cue before announces.
                    let t = &text[start..at];
                    // A capitalised word can be part of a name, and a lower-case one only
                    // right after a name: the tests are here, so most words cost no call.
                    let first_name = !capital
                        && may_be_a_first_name(&text.as_bytes()[start..at])
                        && first_name_before_surname(text, start, at);
                    let part = first_name
                        || match capital {
                            true => name_words::beside_a_name(text, start, len, before),
                            false => before.is_some_and(|b| name_words::surname_in_lower_case(text, start, t, b)),
                        }
                        || self.known.is_some_and(|k| k.contains(t));
                    if part || windows.take(start, t) {
                        out.push_str(&text[clear_from..start]);
                        match t.bytes().all(|b| b.is_ascii_digit()) {
                            true => out.push_str(&self.p.token("number", t)),
                            false => out.push_str(&word_pseudonym(t, self.p)),
                        }
                        clear_from = at;
                        let shape = if first_name { Shape::Name } else { Shape::Part };
                        before = part.then_some(NameBefore { end: at, shape });
                    } else if before.is_some() {
                        before = name_words::particle_after(text, start, len, before);
                    }
                }
            }
            windows.read(text.as_bytes()[start].is_ascii_digit());
        }
        self.open = windows.rest_after(text);
        out.push_str(&text[clear_from..]);
    }

    /// Renders the token at the head of `rest` (which starts with a letter or digit).
    fn render_token<'a>(&'a mut self, rest: &str) -> Rendered<'a> {
        let bytes = rest.as_bytes();
        // A MAC address is one token: its third byte says whether to look.
        if bytes.get(2).is_some_and(|c| matches!(c, b':' | b'-'))
            && let Some(len) = numbers::mac_address(rest)
        {
            return (len, Some(Cow::Owned(word_pseudonym(&rest[..len], self.p))));
        }
        // Most tokens: ASCII letters and digits after a letter, then ASCII that is no
        // hyphen, and no dot that joins: the word is the run.
        if bytes[0].is_ascii_alphabetic() {
            let len = alphanumeric_run(bytes);
            let next = bytes.get(len).copied().unwrap_or(b' ');
            // A dot joins a host where hosts are kept, and a name or an initial to the
            // next word (`grace.baker`, `a.kramer`) everywhere.
            let joined = next == b'.'
                && (self.hosts_clear
                    || (bytes.get(len + 1).is_some_and(u8::is_ascii_lowercase)
                        && (len == 1 || is_listed_name(&rest[..len]))));
            if next < 0x80 && next != b'-' && !joined {
                return (len, self.token(&rest[..len]).map(Cow::Borrowed));
            }
        }
        // Digits grouped by spaces, dashes or dots (`06 - 1680 9762`, `NL91 ABNA …` is
        // caught as a word) count as one number: a long one is one pseudonym.
        if let Some(len) = bytes[0].is_ascii_digit().then(|| numbers::long_number(rest)).flatten() {
            let digits: Vec<u8> = rest.as_bytes()[..len].iter().copied().filter(u8::is_ascii_digit).collect();
            let digits = std::str::from_utf8(&digits).expect("ASCII digits");
            return (len, Some(Cow::Owned(self.p.token("number", digits))));
        }
        // The longest run of letters, digits, dots and hyphens, minus a final dot.
        // Read within the longest host name (253 bytes), so a long run of one-letter
        // words (`a-a-a-…`) is not read again for each of them.
        let mut within = LONGEST_RUN.min(rest.len());
        while !rest.is_char_boundary(within) {
            within -= 1;
        }
        let run = rest[..host_run_len(&rest[..within])].trim_end_matches(['.', '-']);
        if self.hosts_clear && is_host(run) {
            return (run.len(), None);
        }
        if numbers::coded_id(run) {
            return (run.len(), Some(Cow::Owned(word_pseudonym(run, self.p))));
        }
        if let Some((len, joined)) = split_word(rest) {
            return (len, self.token(&joined).map(Cow::Borrowed));
        }
        if run.bytes().any(|b| b == b'-' || b == b'.') && compounds::names_someone(run) {
            return (run.len(), Some(Cow::Owned(word_pseudonym(run, self.p))));
        }
        let word_len = run.find(['.', '-']).unwrap_or(run.len());
        (word_len, self.token(&run[..word_len]).map(Cow::Borrowed))
    }

    /// One token's rendering (`None` when it passes), from the table or rendered and
    /// remembered.
    #[inline]
    fn token(&mut self, t: &str) -> seen::Shown<'_> {
        if let Some(found) = self.seen.find(t) {
            return self.seen.shown(t, found);
        }
        let shown = match self.device_words && devices::is_device_word(t) {
            true => None,
            false => token(t, self.p),
        };
        self.seen.insert(t, shown)
    }
}

/// Where the next letter or digit at or after `at` starts: ASCII bytes are classified
/// without decoding, other characters as `char::is_alphanumeric` says.
fn next_alphanumeric(text: &str, mut at: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    while at < bytes.len() {
        let b = bytes[at];
        if b < 0x80 {
            if b.is_ascii_alphanumeric() {
                return Some(at);
            }
            at += 1;
        } else {
            let c = text[at..].chars().next()?;
            if c.is_alphanumeric() {
                return Some(at);
            }
            at += c.len_utf8();
        }
    }
    None
}

/// The byte length of the run of letters, digits, dots and hyphens at the head of `s`
/// (ASCII without decoding).
fn host_run_len(s: &str) -> usize {
    let ascii = s.bytes().position(|b| !(b.is_ascii_alphanumeric() || b == b'.' || b == b'-')).unwrap_or(s.len());
    if s.as_bytes().get(ascii).is_none_or(|b| *b < 0x80) {
        return ascii;
    }
    ascii + s[ascii..].find(|c: char| !(c.is_alphanumeric() || c == '.' || c == '-')).unwrap_or(s.len() - ascii)
}

/// The longest run of letters, digits, dots and hyphens read as one token: the
/// longest host name (RFC 1035), bytes.
const LONGEST_RUN: usize = 253;

/// A capitalised word split by a hyphen, as one word: a capitalised ASCII word, `-`
/// (at a line's end too) and lower-case letters: `Zwanen-burg` and `Tim-\r\nmerman`,
/// whose halves are both words. The bytes it covers and the word joined; it then
/// passes only if the joined word does (`E-mail`), so a name cut in two is no longer
/// two words of the vocabulary. Lower-case compounds (`follow-up`) keep their words.
fn split_word(rest: &str) -> Option<(usize, String)> {
    let b = rest.as_bytes();
    let first = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    let gap = ["-\r\n", "-\n", "-"].into_iter().find(|g| rest[first..].starts_with(g))?;
    if first == 0 || !b[0].is_ascii_uppercase() {
        return None;
    }
    let second_at = first + gap.len();
    let second = b[second_at..].iter().take_while(|c| c.is_ascii_lowercase()).count();
    // The second half ends the word (`Kamer-b12`, `Zwanen-bürg` are left as they were).
    let ends = b.get(second_at + second).is_none_or(|c| !c.is_ascii_alphanumeric() && *c < 0x80);
    (second > 0 && ends).then(|| (second_at + second, [&rest[..first], &rest[second_at..second_at + second]].concat()))
}

/// True when the token `t` (letters or digits) passes in clear: a short number, a
/// single letter, or a word of the vocabulary that is no capitalised name.
pub(crate) fn passes_in_clear(t: &str) -> bool {
    passes(t)
}

fn passes(t: &str) -> bool {
    if t.chars().all(|c| c.is_ascii_digit()) {
        return t.len() <= MAX_CLEAR_DIGITS;
    }
    let single_ascii = t.len() == 1 && t.as_bytes()[0].is_ascii_alphabetic();
    t.chars().all(char::is_alphabetic) && (single_ascii || (is_word(t) && !is_capitalised_surname(t)))
}

/// True for a capitalised frequent word that is often a name (`Sky`, `Bo`, `Kit`)
/// ([`name_words`]).
pub(crate) fn is_name_word(word: &str) -> bool {
    name_words::is_name_word(word)
}

/// True for a header field name made of words only (`X-MS-Exchange-Transport-
/// EndToEndLatency`): its parts, split at hyphens and where a capital follows a
/// lower-case letter, are each an acronym of at most three capitals or a word that
/// passes in clear; no digits. Such a name carries nobody's data and passes whole;
/// `X-Lotte-Zwanenburg`, `X-Jan` and `X-Phone-06-1234-5678` do not.
pub fn is_field_name_of_words(name: &str) -> bool {
    let pieces = name.split(['-', '_']).flat_map(camel_case_pieces);
    let acronym = |w: &str| w.len() <= 3 && w.bytes().all(|b| b.is_ascii_uppercase());
    let word = |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_alphabetic()) && (acronym(w) || passes(w));
    name.len() <= 128 && name.is_ascii() && pieces.into_iter().all(word)
}

/// `part` split before each capital that follows a lower-case letter (`CrossTenant`
/// → `Cross`, `Tenant`); an all-caps run stays whole (`MS`, `SCL`).
fn camel_case_pieces(part: &str) -> Vec<&str> {
    let b = part.as_bytes();
    let mut cuts: Vec<usize> =
        (1..b.len()).filter(|&i| b[i].is_ascii_uppercase() && b[i - 1].is_ascii_lowercase()).collect();
    cuts.insert(0, 0);
    cuts.push(b.len());
    cuts.windows(2).map(|w| &part[w[0]..w[1]]).collect()
}

/// A token's rendering: `None` when it passes in clear, else its pseudonym.
fn token(t: &str, p: &Pseudonymizer) -> Option<String> {
    (!passes(t)).then(|| word_pseudonym(t, p))
}

/// The pseudonym of the word `t` under `p`, whatever the vocabulary says of it: the same
/// in any case, and the coarse shape survives (an all-caps word stays all caps, `P.3F…`).
pub fn word_pseudonym(t: &str, p: &Pseudonymizer) -> String {
    let pseudonym = lowered(t, |lower| p.token("word", lower));
    let shouting = t.chars().count() > 1 && t.chars().all(|c| !c.is_lowercase());
    if shouting { pseudonym.to_uppercase() } else { pseudonym }
}

#[cfg(test)]
mod name_tests;
#[cfg(test)]
mod tests;
