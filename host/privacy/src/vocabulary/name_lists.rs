//! The lists of names the vocabulary reads beside its words: common surnames that
//! are also words (`surnames.txt`), the surname sections of it alone, the listed
//! first names, and the given names chat types in lower case, behind a filter that
//! turns away nearly every word before a lookup.

use super::word_hash::WordHasher;
use super::{WordSet, in_lower_case};
use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::sync::{LazyLock, OnceLock};

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
    SET.get_or_init(|| sections(&SURNAME_SECTIONS).collect())
}

/// The words of the sections of [`SURNAMES`] whose heading (a comment's first line,
/// lower-case) opens with one of `headings`.
fn sections(headings: &'static [&'static str]) -> impl Iterator<Item = &'static str> {
    let mut wanted = false;
    let mut heading = true;
    SURNAMES.lines().flat_map(move |line| {
        match line.strip_prefix('#') {
            Some(comment) if heading => {
                let comment = comment.trim_start().to_lowercase();
                wanted = headings.iter().any(|h| comment.starts_with(h));
                heading = false;
            }
            Some(_) => {}
            None => heading = true,
        }
        let words = if wanted && !line.starts_with('#') { line } else { "" };
        words.split_whitespace()
    })
}

/// How the sections of [`SURNAMES`] that hold given names that are words open.
const GIVEN_SECTIONS: [&str; 3] = [
    "first names and surnames that are also words",
    "first names that are also words",
    "first names of faker's generic",
];

/// Words of [`GIVEN_SECTIONS`] too frequent as words to open a name in lower case
/// (`he said bell`, `job hunt`, `max price`).
const NOT_GIVEN: [&str; 13] =
    ["job", "said", "art", "black", "winter", "rich", "guy", "petit", "floor", "stam", "boon", "roux", "max"];

/// Given names that are frequent words, which chat types in lower case before a
/// surname (`bo keizer`, `grace young`). The other name words (`cash`, `spring`,
/// `golden`) are not taken: `cash price` and `spring green` are phrases.
const GIVEN_WORDS: [&str; 8] = ["bo", "sky", "kit", "jet", "grace", "hope", "joy", "rose"];

/// Given names in lower case, as chat types them: the listed first names, those of
/// [`GIVEN_SECTIONS`] and [`GIVEN_WORDS`].
pub(super) fn given_names() -> &'static WordSet {
    static SET: OnceLock<WordSet> = OnceLock::new();
    SET.get_or_init(|| {
        let listed = first_names().iter().map(String::as_str);
        let given = sections(&GIVEN_SECTIONS).filter(|w| !NOT_GIVEN.contains(w));
        listed.chain(given).chain(GIVEN_WORDS).collect()
    })
}

/// A 4,096-bit filter over [`given_names`], by a word's length and first, second and
/// last byte: a word whose bit is clear is no given name. It turns away some nine in
/// ten words before a hash lookup, on a path every lower-case word of a text takes.
static GIVEN_FILTER: LazyLock<[u64; 64]> = LazyLock::new(|| {
    let mut bits = [0u64; 64];
    for name in given_names() {
        let bit = filter_bit(name.as_bytes());
        bits[bit / 64] |= 1 << (bit % 64);
    }
    bits
});

/// The bit of `word` in [`GIVEN_FILTER`].
#[inline]
fn filter_bit(b: &[u8]) -> usize {
    let (first, second, last) = (b[0] as usize, b.get(1).copied().unwrap_or(0) as usize, b[b.len() - 1] as usize);
    (first * 1031 + second * 131 + last * 17 + b.len() * 7) % 4096
}

/// True unless [`GIVEN_FILTER`] says the lower-case `word` is no given name.
#[inline]
pub(super) fn may_be_a_first_name(word: &[u8]) -> bool {
    let bit = filter_bit(word);
    GIVEN_FILTER[bit / 64] & 1 << (bit % 64) != 0
}

/// Loads every list and filter here now, not in a plugin's first call.
pub(super) fn warm() {
    let _ = first_names().len() + family_names().len() + given_names().len();
    LazyLock::force(&GIVEN_FILTER);
}

/// True for a lower-case given name ([`given_names`]).
pub(super) fn is_given_name(word: &str) -> bool {
    given_names().contains(word)
}

/// True for a lower-case word that is a listed surname ([`family_names`]).
pub(super) fn is_surname(word: &str) -> bool {
    family_names().contains(word)
}

/// True when the lower-case word `text[start..end]` is a given name ([`given_names`])
/// one blank before a listed surname in lower case (`tom baker`, `bo keizer`), or
/// after kin or a greeting (`uncle bob`, `groetjes bo`): a name typed
/// in lower case, as chat and quick lists have it. Called past
/// [`may_be_a_first_name`], which turns away nearly every word.
#[cold]
#[inline(never)]
pub(super) fn first_name_before_surname(text: &str, start: usize, end: usize) -> bool {
    let word = &text[start..end];
    let before_a_surname = text[end..].strip_prefix(' ').is_some_and(|rest| {
        let len = rest.bytes().take_while(u8::is_ascii_lowercase).count();
        len >= 2 && !rest[len..].starts_with(|c: char| c.is_alphanumeric()) && is_surname(&rest[..len])
    });
    (before_a_surname || super::name_openers::announces_a_name(&text[..start], &text[end..])) && is_given_name(word)
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
