//! Where a pattern could start, found in one pass over the bytes, so that the regex
//! engine runs only from there instead of over the whole text.
//!
//! A pattern with no literal to search for (an IPv4 address, an IBAN, a phone number,
//! a postcode, a street line: digits and capitals) costs a full pass of the regex
//! engine's DFA over every text. [`Starts`] instead lists, in one pass, the places
//! where a word starts with a digit, a capital or a non-ASCII character: every one of
//! those patterns starts at such a place (or at a `+` just before one). For each
//! pattern a few bytes from there are checked for a necessary condition, never a
//! sufficient one, and [`matches_from`] asks the pattern for its leftmost match from
//! the next position that passes. That is exactly what `find_iter` finds: no match
//! starts before the next candidate, by the condition, and the engine itself decides
//! what matches. Bytes of non-ASCII characters count as "could be" wherever a Unicode
//! class (`\d`, `\p{Lu}`, a word character or a blank) is involved, so a condition
//! never rules out a match the pattern would make.

use super::byte_classes::classes;
use super::street_starts::{is_word_byte, nl_street_at, uk_postcode_at};
use regex_automata::meta::Regex;
use regex_automata::{Anchored, Input};
use std::ops::Range;

/// The end of a word after a digit of any script, for the gated patterns: an ASCII
/// digit and an ASCII `\b`, or another script's digit not followed by an ASCII word
/// character. A Unicode `\b` would make the regex engine's DFA give up on any
/// non-ASCII text and search in its slowest engine instead. After an ASCII character
/// a pattern ends a word with `(?-u:\b)`; both differ from `\b` only before a
/// non-ASCII letter, where they match more (stricter for the views).
pub const DIGIT_AT_WORD_END: &str = r"(?:[0-9](?-u:\b)|[\d--0-9](?-u:\B))";

/// A pattern searched only from the positions where a match could start, each time
/// anchored there with the whole text around it.
///
/// The pattern has no Unicode `\b` (see [`DIGIT_AT_WORD_END`]); its start at a word
/// boundary is checked here instead. Every alternative of every gated pattern that
/// starts with a word character starts a word, so a candidate whose first character
/// is a word character right after another is no start (as a leading `\b` says), and
/// one that starts with another character (the `+` of a phone number) needs nothing.
/// A pattern that states its own leading edge ([`with_own_edge`](Gated::with_own_edge))
/// gets no such check.
pub struct Gated {
    re: Regex,
    /// Whether a match must start a word (checked here, as a Unicode `\b` would).
    word_start: bool,
    #[cfg(test)]
    pattern: String,
}

impl Gated {
    /// `pattern`, gated, its matches starting a word.
    pub fn new(pattern: &str) -> Result<Gated, Box<regex_automata::meta::BuildError>> {
        Self::build(pattern, true)
    }

    /// `pattern`, gated, which says itself where a match may start (an ASCII
    /// `(?-u:\b)` before its first word, which holds after a non-ASCII letter): its
    /// matches are exactly what `find_iter` finds.
    pub fn with_own_edge(pattern: &str) -> Result<Gated, Box<regex_automata::meta::BuildError>> {
        Self::build(pattern, false)
    }

    fn build(pattern: &str, word_start: bool) -> Result<Gated, Box<regex_automata::meta::BuildError>> {
        let re = Regex::new(pattern).map_err(Box::new)?;
        Ok(Gated {
            re,
            word_start,
            #[cfg(test)]
            pattern: pattern.to_owned(),
        })
    }

    /// The pattern, for the tests that check it runs as a lazy DFA.
    #[cfg(test)]
    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// True when a match may start at `p`: not inside a word.
    fn starts_word(text: &str, p: usize) -> bool {
        let word = |c: Option<char>| c.is_some_and(super::is_word_character);
        !(word(text[p..].chars().next()) && word(text[..p].chars().next_back()))
    }

    /// The matches in `text`, as `find_iter` finds them, when `next(at)` is the first
    /// position at or after `at` where a match can start (or `None` when none can).
    /// Each candidate costs an anchored search, which stops where the pattern fails.
    pub fn matches<'s>(
        &'s self,
        text: &'s str,
        next: impl Fn(usize) -> Option<usize> + 's,
    ) -> impl Iterator<Item = Range<usize>> + 's {
        let mut at = 0;
        std::iter::from_fn(move || {
            loop {
                let p = next(at)?;
                let input = Input::new(text).span(p..text.len()).anchored(Anchored::Yes);
                let may_start = !self.word_start || Self::starts_word(text, p);
                let Some(m) = may_start.then(|| self.re.find(input)).flatten() else {
                    at = p + 1;
                    continue;
                };
                // An empty match (none of the patterns makes one) must not stop the search.
                at = if m.is_empty() { m.end() + 1 } else { m.end() };
                return Some(m.range());
            }
        })
    }
}

/// The places in a text where a word may start with a digit, an ASCII capital or a
/// non-ASCII character: such a byte after a byte that is no ASCII letter, digit or
/// `_` (a non-ASCII character before may be a blank or a word character: both count).
pub struct Starts<'t> {
    text: &'t str,
    at: Vec<usize>,
}

impl<'t> Starts<'t> {
    /// The starts in `text`, in one pass: sixty-four bytes at a time, classified
    /// into two bit masks ([`classes`]) without a branch per byte.
    pub fn new(text: &'t str) -> Self {
        let bytes = text.as_bytes();
        let mut at = Vec::new();
        let mut carry = 0u64;
        for (chunk_index, chunk) in bytes.chunks(64).enumerate() {
            let (word, starting) = classes(chunk);
            let mut found = starting & !((word << 1) | carry);
            carry = word >> 63;
            while found != 0 {
                at.push(chunk_index * 64 + found.trailing_zeros() as usize);
                found &= found - 1;
            }
        }
        Starts { text, at }
    }

    /// The character at start `i` (a start is always a character's first byte).
    fn char_at(&self, i: usize) -> char {
        self.text[i..].chars().next().unwrap_or_default()
    }

    /// The first start at or after `from` where `pred` holds.
    pub fn first(&self, from: usize, pred: impl Fn(&[u8], usize) -> bool) -> Option<usize> {
        let i = self.at.partition_point(|&s| s < from);
        self.at[i..].iter().copied().find(|&s| pred(self.text.as_bytes(), s))
    }

    /// Where a word starts with a capital (ASCII, or any character with the Unicode
    /// `Uppercase` property, which every `\p{Lu}` has), in order.
    pub fn capitals(&self) -> impl Iterator<Item = usize> + '_ {
        let bytes = self.text.as_bytes();
        self.at
            .iter()
            .copied()
            .filter(move |&i| bytes[i].is_ascii_uppercase() || (bytes[i] >= 0x80 && self.char_at(i).is_uppercase()))
    }

    /// Where an IPv4 address (four groups of one to three digits joined by dots) or an
    /// IBAN (two capitals, two digits) could start, at or after `from`.
    pub fn ipv4_or_iban(&self, from: usize) -> Option<usize> {
        self.first(from, |bytes, i| {
            if bytes[i].is_ascii_uppercase() {
                return bytes.get(i + 1).is_some_and(u8::is_ascii_uppercase)
                    && bytes.get(i + 2).is_some_and(|b| may_be_digit(*b));
            }
            // Past an ASCII capital, only an IPv4 address, which starts with a `\d`.
            if bytes[i] >= 0x80 && !may_be_decimal(self.char_at(i)) {
                return false;
            }
            let mut end = i;
            for _ in 0..3 {
                match digits(bytes, end, 3) {
                    Some(e) if bytes.get(e) == Some(&b'.') => end = e + 1,
                    _ => return false,
                }
            }
            digits(bytes, end, 3).is_some()
        })
    }

    /// Where a phone number (`+` or a `0` at a word start, a digit, then at least
    /// seven more digits with separators and brackets between) could start.
    pub fn phone(&self, from: usize) -> Option<usize> {
        let bytes = self.text.as_bytes();
        let plus = |s: usize| s > from && bytes[s - 1] == b'+' && phone_digits(bytes, s);
        let zero = |s: usize| bytes[s] == b'0' && phone_digits(bytes, s + 1);
        let s = self.first(from, |_, s| plus(s) || zero(s))?;
        Some(if plus(s) { s - 1 } else { s })
    }

    /// Where a Dutch postcode (a digit from 1 to 9, three digits, an optional blank,
    /// two capitals) could start.
    pub fn nl_postcode(&self, from: usize) -> Option<usize> {
        self.first(from, |bytes, i| {
            let Some(end) = matches!(bytes[i], b'1'..=b'9').then(|| digits(bytes, i, 4)).flatten() else {
                return false;
            };
            if bytes[i..end].is_ascii() && end - i != 4 {
                return false;
            }
            match bytes.get(end) {
                Some(b' ' | b'\t') => bytes.get(end + 1).is_some_and(u8::is_ascii_uppercase),
                Some(b) => b.is_ascii_uppercase() || *b >= 0x80,
                None => false,
            }
        })
    }

    /// Where a UK postcode ([`uk_postcode_at`]), an English street line (up to five
    /// digits, maybe a letter, blanks and a capital) or a Dutch one (a street word and
    /// a number after blanks, or a lead word and a number after at most three more
    /// words) could start.
    pub fn postcode_or_street(&self, from: usize) -> Option<usize> {
        self.first(from, |bytes, i| {
            if uk_postcode_at(bytes, i) {
                return true;
            }
            // A non-ASCII character starts a match only as a capital (`\p{Lu}`) or a
            // digit (`\d`) of another script: not every letter of a Cyrillic text, each
            // of which would cost an anchored search in the slow engine (`\b` there).
            if bytes[i] >= 0x80 {
                let c = self.char_at(i);
                return match c.is_lowercase() {
                    true => false,
                    // A Dutch street word (`\p{Lu}…straat`) ends in an ASCII suffix.
                    false if c.is_uppercase() => {
                        bytes[i..].iter().take_while(|b| **b >= 0x80 || is_word_byte(**b)).any(u8::is_ascii_lowercase)
                    }
                    false => may_be_decimal(c),
                };
            }
            // An English street line: the number, maybe a letter, blanks and a capital.
            if let Some(end) = digits(bytes, i, 5) {
                // The run takes in a non-ASCII character after the digits, which may be
                // another script's digit or a blank (`12\u{a0}Baker Street`).
                if !bytes[i..end].is_ascii() {
                    return true;
                }
                let end = end + usize::from(bytes.get(end).is_some_and(u8::is_ascii_alphabetic));
                let blanks = bytes.get(end..).unwrap_or_default().iter().take_while(|b| matches!(b, b' ' | b'\t'));
                let word = end + blanks.count();
                return match bytes.get(end) {
                    Some(b) if *b >= 0x80 => true,
                    Some(b' ' | b'\t') => bytes.get(word).is_some_and(|b| b.is_ascii_uppercase() || *b >= 0x80),
                    _ => false,
                };
            }
            nl_street_at(bytes, i)
        })
    }
}

/// True when the digits, separators and brackets from `i` hold eight digits or more
/// (a byte of a non-ASCII character may be a digit, so it counts as one).
fn phone_digits(bytes: &[u8], i: usize) -> bool {
    let mut digits = 0;
    for &b in bytes.get(i..).unwrap_or_default().iter().take(64) {
        match b {
            b'0'..=b'9' | 0x80..=0xff => digits += 1,
            b' ' | b'-' | b'.' | b'/' | b'(' | b')' => {}
            _ => return false,
        }
        if digits >= 8 {
            return true;
        }
    }
    false
}

/// True when `c` may be a `\d` (a decimal digit of any script): never in the blocks
/// of Latin letters, Greek, Cyrillic, Armenian and Hebrew, CJK, kana and Hangul (which
/// hold none), and otherwise numeric; cheap for the letters of those scripts.
fn may_be_decimal(c: char) -> bool {
    !matches!(c as u32, 0x00c0..=0x05ff | 0x3000..=0xa61f | 0xac00..=0xd7ff) && c.is_numeric()
}

/// A byte that may belong to a `\d` (an ASCII digit, or part of another script's).
pub(super) fn may_be_digit(b: u8) -> bool {
    b.is_ascii_digit() || b >= 0x80
}

/// The end of a run at `i` of at most `most` characters that may be `\d`, or `None`
/// when there is none (a non-ASCII character counts as up to four bytes).
fn digits(bytes: &[u8], i: usize, most: usize) -> Option<usize> {
    let len = bytes.get(i..)?.iter().take(4 * most).take_while(|b| may_be_digit(**b)).count();
    (len > 0 && (!bytes[i..i + len].is_ascii() || len <= most)).then_some(i + len)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The blocks ruled out hold no `\d` of any script.
    #[test]
    fn every_decimal_digit_may_be_one() {
        let digit = regex::Regex::new(r"^\d$").unwrap();
        let missed: Vec<char> = (0..=0x10ffff)
            .filter_map(char::from_u32)
            .filter(|c| digit.is_match(c.encode_utf8(&mut [0; 4])) && !may_be_decimal(*c))
            .collect();
        assert_eq!(missed, []);
    }

    /// Before a non-ASCII letter the gated ends match where `\b` did not: stricter.
    #[test]
    fn a_word_end_before_a_non_ascii_letter_matches() {
        let gated = Gated::new(&format!(r"(?:\d{{1,3}}\.){{3}}\d{{0,2}}{DIGIT_AT_WORD_END}")).unwrap();
        let text = "1.2.3.4é";
        let starts = Starts::new(text);
        let found: Vec<_> = gated.matches(text, |at| starts.ipv4_or_iban(at)).collect();
        assert_eq!(found, vec![0..7]);
    }

    /// Each candidate function must find every match its pattern finds.
    #[test]
    fn table() {
        // Each pattern as it was written with Unicode `\b`, and as it is gated.
        let d = DIGIT_AT_WORD_END;
        let ipv4_or_iban_re = (
            r"(?:\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b)|(?:\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b)",
            &*format!(
                r"(?:(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){{3}}(?:25[0-5](?-u:\b)|2[0-4]{d}|1?\d?{d}))|(?:[A-Z]{{2}}\d{{2}}(?: ?[A-Z0-9]{{4}}){{2,7}}(?: ?[A-Z0-9]{{1,3}})?(?-u:\b))"
            ),
        );
        let phone_re = (
            r"(?:\+|\b00|\b0)\d(?:[ \-./]?\(?\d\)?){7,13}\b",
            &*format!(r"(?:\+|00|0)\d(?:[ \-./]?\(?\d\)?){{6,12}}[ \-./]?\(?(?:\d\)(?-u:\b)|{d})"),
        );
        let postcode_re = (
            r"\b[1-9]\d{3}[ \t\x{a0}\x{2009}\x{202f}]?[A-Z]{2}\b",
            r"[1-9]\d{3}[ \t\x{a0}\x{2009}\x{202f}]?[A-Z]{2}(?-u:\b)",
        );
        let street_re = (
            r"\b\p{Lu}[\p{L}'’\-]*straat[ \t]+\d{1,4}\b|\b\d{1,5}[ \t]+\p{Lu}\p{L}+ Street\b",
            &*format!(r"\p{{Lu}}[\p{{L}}'’\-]*straat[ \t]+\d{{0,3}}{d}|\d{{1,5}}[ \t]+\p{{Lu}}\p{{L}}+ Street(?-u:\b)"),
        );
        /// The pattern as written with `\b` and as gated, the gate's name, a text, and
        /// what both find in it.
        type Case<'a> = ((&'a str, &'a str), &'a str, &'a str, &'a [&'a str]);
        let cases: &[Case] = &[
            (ipv4_or_iban_re, "ipv4_or_iban", "from 192.0.2.17, 10.0.0.1.5 and 3.2.1", &["192.0.2.17", "10.0.0.1"]),
            (ipv4_or_iban_re, "ipv4_or_iban", "x1.2.3.4 1.2.3.4x 256.1.1.1 ٣.٣.٣.٣", &["٣.٣.٣.٣"]),
            (
                ipv4_or_iban_re,
                "ipv4_or_iban",
                "\u{a0}192.0.2.1 ’NL91 ABNA 0417 1643 00",
                &["192.0.2.1", "NL91 ABNA 0417 1643 00"],
            ),
            (
                ipv4_or_iban_re,
                "ipv4_or_iban",
                "IBAN NL91 ABNA 0417 1643 00, ÉNL91 ABNA 0417 16",
                &["NL91 ABNA 0417 1643 00"],
            ),
            (
                phone_re,
                "phone",
                "bel 06-12345678 of +31 20 123 4567, (020) 1234567",
                &["06-12345678", "+31 20 123 4567", "020) 1234567"],
            ),
            (phone_re, "phone", "x0612345678 0031 6 1234 5678, 06.8o.69", &["0031 6 1234 5678"]),
            (phone_re, "phone", "٠٦١٢٣٤٥٦٧٨ +٣١٦١٢٣٤٥٦٧٨", &["+٣١٦١٢٣٤٥٦٧٨"]),
            (phone_re, "phone", "06-1234567(8)x, 06-1234567(8) en é0612345678", &["06-1234567(8)", "06-1234567(8"]),
            (
                postcode_re,
                "nl_postcode",
                "1015 CJ, 1015CJ, 0123 AB, 10155 CJ, 1015\u{a0}CJ",
                &["1015 CJ", "1015CJ", "1015\u{a0}CJ"],
            ),
            (postcode_re, "nl_postcode", "a1015 CJ, ١٠١٥ CJ, 1٠١٥ CJ, 1015 cj", &["1٠١٥ CJ"]),
            (ipv4_or_iban_re, "ipv4_or_iban", "Иван ٣.٣.٣.٣ 中文 1.2.3.4 Ωx", &["٣.٣.٣.٣", "1.2.3.4"]),
            (
                street_re,
                "postcode_or_street",
                "Ölandstraat 5, Иван 12, Иванstraat 7 and ٣ Main Street",
                &["Ölandstraat 5", "Иванstraat 7", "٣ Main Street"],
            ),
            (street_re, "postcode_or_street", "Dorpsstraat ١٢, Kerkstraat 12a, xDamstraat 3", &["Dorpsstraat ١٢"]),
        ];
        for ((pattern, gated), next, text, want) in cases {
            let re = regex::Regex::new(pattern).unwrap();
            let gated = Gated::new(gated).unwrap();
            let all: Vec<&str> = re.find_iter(text).map(|m| m.as_str()).collect();
            let starts = Starts::new(text);
            let from: Vec<&str> = gated
                .matches(text, |at| match *next {
                    "ipv4_or_iban" => starts.ipv4_or_iban(at),
                    "phone" => starts.phone(at),
                    "postcode_or_street" => starts.postcode_or_street(at),
                    _ => starts.nl_postcode(at),
                })
                .map(|m| &text[m])
                .collect();
            assert_eq!(from, all, "{text}");
            assert_eq!(from, want.to_vec(), "{text}");
        }
    }
}
