//! The words a Dutch street line of [`addresses`](super::addresses) starts with, and
//! the gate that finds them without trying the street pattern at every capitalised
//! word: a street line starts with a word that ends in a street suffix
//! (`Keizersgracht`), is a street on its own (`Singel`), or is a lead word
//! (`Burgemeester`, `Van`) with a number within the next few words. The pattern is
//! built from these lists, so gate and pattern cannot drift apart. Also the gate of a
//! UK postcode, the other alternative of the same pattern.

use super::triggers::may_be_digit;

/// Endings of a Dutch street name (`Keizers|gracht`), in lower case.
pub(super) const NL_SUFFIXES: [&str; 25] = [
    "straat",
    "straatweg",
    "laan",
    "weg",
    "plein",
    "gracht",
    "kade",
    "singel",
    "dijk",
    "pad",
    "steeg",
    "hof",
    "dreef",
    "markt",
    "park",
    "baan",
    "wal",
    "dam",
    "veld",
    "plantsoen",
    "erf",
    "haven",
    "burg",
    "poort",
    "werf",
];

/// Words that are a street on their own (`Singel 12`).
pub(super) const NL_STREETS: [&str; 10] =
    ["Singel", "Dam", "Markt", "Kade", "Wal", "Dijk", "Gracht", "Haven", "Plaats", "Brink"];

/// Words that lead a street's name of several words (`Burgemeester de Vlugtlaan`).
pub(super) const NL_LEADS: [&str; 18] = [
    "Laan",
    "Plein",
    "Burgemeester",
    "Burg.",
    "Prins",
    "Prinses",
    "Koningin",
    "Koning",
    "Graaf",
    "Oude",
    "Nieuwe",
    "Korte",
    "Lange",
    "Dokter",
    "Dr.",
    "Sint",
    "St.",
    "Van",
];

/// `words` as a regex alternation.
pub(super) fn alternation(words: &[&str]) -> String {
    words.iter().map(|w| regex::escape(w)).collect::<Vec<_>>().join("|")
}

/// True when a Dutch street line may start at the ASCII capital at `i`. The pattern's
/// first word is letters, apostrophes and hyphens (a lead may end in a dot) and a
/// blank follows it, so its run of [`is_word_byte`]s ends right after it; a run that
/// stops at a non-ASCII byte (an `é`, a `’`) may go on in the pattern's eyes, and
/// passes.
pub(super) fn nl_street_at(bytes: &[u8], i: usize) -> bool {
    let end = i + bytes[i..].iter().take_while(|b| is_word_byte(**b)).count();
    if bytes.get(end).is_some_and(|b| *b >= 0x80) {
        return number_within_words(bytes, i, 4);
    }
    let word = &bytes[i..end];
    let suffix = |s: &&str| word.len() > s.len() && word.ends_with(s.as_bytes());
    // A street word is followed by blanks and the house number; a lead word may be
    // a street word too, and then also by more words.
    let street = NL_SUFFIXES.iter().any(suffix) || NL_STREETS.iter().any(|s| word == s.as_bytes());
    (street && number_within_words(bytes, i, 1))
        || (NL_LEADS.iter().any(|s| word == s.as_bytes()) && number_within_words(bytes, i, 4))
}

/// An ASCII letter, apostrophe, hyphen or dot: a byte inside a street word.
pub(super) fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphabetic() || matches!(b, b'\'' | b'.' | b'-')
}

/// True when, from `i`, at most `words` runs of letters, apostrophes, dots and hyphens
/// separated by blanks are followed by blanks and a digit (or by anything non-ASCII,
/// which may be a blank, a letter or a digit of another script).
pub(super) fn number_within_words(bytes: &[u8], mut i: usize, words: usize) -> bool {
    for _ in 0..words {
        while bytes.get(i).is_some_and(|b| is_word_byte(*b)) {
            i += 1;
        }
        let blanks = bytes[i..].iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
        match bytes.get(i + blanks) {
            Some(b) if *b >= 0x80 => return true,
            Some(b) if blanks > 0 && b.is_ascii_digit() => return true,
            Some(b) if blanks > 0 && is_word_byte(*b) => i += blanks,
            _ => return false,
        }
    }
    false
}

/// True when a UK postcode (`[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?`, one blank, a `\d`)
/// may start at `i`: checked byte by byte when the eight bytes from there are ASCII;
/// when one is not (a blank or a digit of another script), only a capital, maybe a
/// second one, and a byte that may be part of a digit.
pub(super) fn uk_postcode_at(bytes: &[u8], i: usize) -> bool {
    if !bytes[i].is_ascii_uppercase() {
        return false;
    }
    let window = &bytes[i..(i + 8).min(bytes.len())];
    if !window.is_ascii() {
        return may_be_digit(window.get(1).copied().unwrap_or(0))
            || window.get(1).is_some_and(u8::is_ascii_uppercase) && may_be_digit(window.get(2).copied().unwrap_or(0));
    }
    let mut j = 1 + usize::from(window.get(1).is_some_and(u8::is_ascii_uppercase));
    if !window.get(j).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    j += 1;
    j += usize::from(window.get(j).is_some_and(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
    matches!(window.get(j), Some(b' ' | b'\t')) && window.get(j + 1).is_some_and(u8::is_ascii_digit)
}
