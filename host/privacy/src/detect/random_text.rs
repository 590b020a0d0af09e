//! Random texts for the gate tests: words from a list, each followed by a blank of
//! every kind a pattern allows or must refuse (space, tab, U+00A0, U+2009, U+202F,
//! a comma, a hyphen, a line break, or nothing), from a fixed seed; and the check
//! that a gate passes every place where its pattern matches.

use super::triggers::Gated;

/// `n` texts of six words each, from `words` (separated by white space).
pub(super) fn texts(words: &str, n: usize) -> Vec<String> {
    let words: Vec<&str> = words.split_whitespace().collect();
    let blanks = [" ", " ", "  ", "\t", "\u{a0}", "\u{2009}", "\u{202f}", ", ", "-", "\n", ""];
    let mut seed = 0x9e37_79b9u32;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed as usize % n
    };
    (0..n)
        .map(|_| {
            let mut text = String::new();
            for _ in 0..6 {
                text.push_str(words[next(words.len())]);
                text.push_str(blanks[next(blanks.len())]);
            }
            text
        })
        .collect()
}

/// How many matches `gated` makes in `text` from the places `next` gives, after
/// checking that they are what an anchored search at every character boundary finds
/// (the places `find_iter` tries): a gate may rule out no match.
pub(super) fn gated_matches(gated: &Gated, text: &str, next: impl Fn(usize) -> Option<usize>) -> usize {
    let every = |at: usize| (at..text.len()).find(|i| text.is_char_boundary(*i));
    let found: Vec<_> = gated.matches(text, next).collect();
    assert_eq!(found, gated.matches(text, every).collect::<Vec<_>>(), "{text:?}");
    found.len()
}
