//! The lists of names the vocabulary reads beside its words: common surnames that
//! are also words (`surnames.txt`), the surname sections of it alone, and the listed
//! first names, with a filter built at compile time that turns away nearly every
//! word before a lookup.

use super::word_hash::WordHasher;
use super::{WordSet, in_lower_case};
use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::sync::OnceLock;

/// Common surnames, device product lines, and places and names of the other language's
/// list, that are also words (`surnames.txt`): not vocabulary when capitalised.
const SURNAMES: &str = include_str!("../surnames.txt");

pub(super) fn surnames() -> &'static WordSet {
    static SET: OnceLock<WordSet> = OnceLock::new();
    SET.get_or_init(|| SURNAMES.lines().filter(|l| !l.starts_with('#')).flat_map(str::split_whitespace).collect())
}

/// How the sections of [`SURNAMES`] that hold surnames alone open, lower-case.
const SURNAME_SECTIONS: [&str; 3] =
    ["common dutch and english surnames", "surnames of faker", "dutch surnames made of"];

/// The surnames alone of [`SURNAMES`] ([`SURNAME_SECTIONS`]), without its sections of
/// first names, devices, places and frequent words (`will`, `bill`, `april`).
fn family_names() -> &'static WordSet {
    static SET: OnceLock<WordSet> = OnceLock::new();
    SET.get_or_init(|| {
        let (mut set, mut wanted, mut heading) = (WordSet::default(), false, true);
        for line in SURNAMES.lines() {
            match line.strip_prefix('#') {
                Some(comment) if heading => {
                    let comment = comment.trim_start().to_lowercase();
                    wanted = SURNAME_SECTIONS.iter().any(|h| comment.starts_with(h));
                    heading = false;
                }
                Some(_) => {}
                None => {
                    heading = true;
                    set.extend(line.split_whitespace().filter(|_| wanted));
                }
            }
        }
        set
    })
}

/// True for a lower-case word that is a listed surname ([`family_names`]).
pub(super) fn is_surname(word: &str) -> bool {
    family_names().contains(word)
}

/// True when the lower-case word `text[start..end]` is a listed first name one blank
/// before a listed surname in lower case (`tom baker`, `mark zeeman`): a name typed
/// in lower case, as chat and quick lists have it. Called past
/// [`may_be_a_first_name`], which turns away nearly every word.
#[cold]
#[inline(never)]
pub(super) fn first_name_before_surname(text: &str, start: usize, end: usize) -> bool {
    let word = &text[start..end];
    let Some(rest) = text[end..].strip_prefix(' ') else { return false };
    let len = rest.bytes().take_while(u8::is_ascii_lowercase).count();
    let whole = len >= 2 && !rest[len..].starts_with(|c: char| c.is_alphanumeric());
    whole && is_surname(&rest[..len]) && first_names().contains(word)
}

/// A 4,096-bit filter over the listed first names (`detect/first-names.txt`), by a
/// word's length and first, second and last byte in lower case, made when the crate
/// is compiled: a word whose bit is clear is no first name. It turns away some nine
/// in ten words before a hash lookup, on a path every lower-case word of a text takes.
const FIRST_NAME_FILTER: [u64; 64] = {
    let text = include_str!("../detect/first-names.txt").as_bytes();
    let (mut bits, mut at, mut comment) = ([0u64; 64], 0, false);
    while at < text.len() {
        let b = text[at];
        if b == b'\n' {
            (comment, at) = (false, at + 1);
        } else if b == b'#' || comment {
            (comment, at) = (true, at + 1);
        } else if b == b' ' {
            at += 1;
        } else {
            let mut end = at;
            while end < text.len() && !matches!(text[end], b' ' | b'\n') {
                end += 1;
            }
            let bit = filter_bit(text, at, end);
            bits[bit / 64] |= 1 << (bit % 64);
            at = end;
        }
    }
    bits
};

/// The bit of the word `b[start..end]` in [`FIRST_NAME_FILTER`]: its length and its
/// first, second and last byte, the first letter in lower case (ASCII and Latin-1 in
/// UTF-8).
const fn filter_bit(b: &[u8], start: usize, end: usize) -> usize {
    let (mut first, mut second) = (b[start], if end - start > 1 { b[start + 1] } else { 0 });
    if first.is_ascii_uppercase() {
        first = first.to_ascii_lowercase();
    } else if first == 0xc3 && second >= 0x80 && second <= 0x9e && second != 0x97 {
        second += 0x20;
    }
    let last = b[end - 1] as usize;
    (first as usize * 1031 + second as usize * 131 + last * 17 + (end - start) * 7) % 4096
}

/// True unless [`FIRST_NAME_FILTER`] says the lower-case `word` is no first name.
#[inline]
pub(super) fn may_be_a_first_name(word: &[u8]) -> bool {
    let bit = filter_bit(word, 0, word.len());
    FIRST_NAME_FILTER[bit / 64] & 1 << (bit % 64) != 0
}

/// True when `word` (any case) is a listed first name or a common surname, or starts
/// with a listed first name and a capital (`Pieternella`): a part of a device word or
/// a link that names someone.
pub fn is_listed_name(word: &str) -> bool {
    use crate::detect::name_starts::first_name_at;
    in_lower_case(word, |w| surnames().contains(w) || first_names().contains(w)) || first_name_at(word.as_bytes(), 0)
}

/// The listed first names (`first-names.txt`) in lower case: a hash lookup, as cheap
/// as the surnames', where the detector's sorted list takes a binary search.
pub(super) fn first_names() -> &'static HashSet<String, BuildHasherDefault<WordHasher>> {
    static SET: OnceLock<HashSet<String, BuildHasherDefault<WordHasher>>> = OnceLock::new();
    SET.get_or_init(|| crate::detect::name_starts::first_names().into_iter().map(str::to_lowercase).collect())
}

/// True for a capitalised token that is a common surname (`Prins`, `Baker`): a name
/// without a cue, which passes only in lower case (`prins`, `baker`) as the word.
pub(super) fn is_capitalised_surname(t: &str) -> bool {
    t.chars().next().is_some_and(char::is_uppercase) && in_lower_case(t, |w| surnames().contains(w))
}
