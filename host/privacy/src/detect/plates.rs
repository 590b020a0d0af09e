//! Vehicle registration plates: they name a car's keeper as an address does, so
//! they are found as [`Kind::Address`] (category name-address).
//!
//! Two shapes, written in capitals:
//! - three groups joined by hyphens, each of one to three capitals or one to three
//!   digits, letters and digits both present, six or seven characters in all: the
//!   Dutch side codes (`GZ-815-K`, `12-ABC-3`, `99-XX-99`), Belgian (`1-ABC-234`) and
//!   French (`AB-123-CD`) plates;
//! - the German one: one to three capitals, a hyphen, one or two capitals, a blank
//!   and one to four digits (`M-AB 1234`).
//!
//! Found by hand from each hyphen, which is rarer than the letters a pattern would
//! have to try at.

use super::{Kind, Span};
use std::ops::Range;

/// Adds the plates in `text` to `spans`.
pub fn find(text: &str, spans: &mut Vec<Span>) {
    let b = text.as_bytes();
    let mut after = 0;
    for hyphen in memchr::memchr_iter(b'-', b) {
        if hyphen < after {
            continue;
        }
        if let Some(plate) = plate_at(b, hyphen) {
            after = plate.end;
            spans.push(Span::new(plate, Kind::Address));
        }
    }
}

/// The plate whose first hyphen is at `hyphen`, if one is there.
fn plate_at(b: &[u8], hyphen: usize) -> Option<Range<usize>> {
    let (start, first) = group_before(b, hyphen)?;
    let (second_end, second) = group_after(b, hyphen + 1, 3)?;
    match b.get(second_end) {
        Some(b'-') => {
            let (end, third) = group_after(b, second_end + 1, 3)?;
            let groups = [first, second, third];
            let chars = end - start - 2;
            let mixed = groups.contains(&Group::Letters) && groups.contains(&Group::Digits);
            (mixed && (6..=7).contains(&chars) && ends_word(b, end)).then_some(start..end)
        }
        Some(b' ') if first == Group::Letters && second == Group::Letters && second_end - hyphen <= 3 => {
            let (end, third) = group_after(b, second_end + 1, 4)?;
            (third == Group::Digits && ends_word(b, end)).then_some(start..end)
        }
        _ => None,
    }
}

/// What a group is made of.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Group {
    /// ASCII capitals.
    Letters,
    /// ASCII digits.
    Digits,
}

/// The group a byte can be part of, if any.
fn class(b: u8) -> Option<Group> {
    match b {
        b'A'..=b'Z' => Some(Group::Letters),
        b'0'..=b'9' => Some(Group::Digits),
        _ => None,
    }
}

/// The group of one to three capitals or digits ending at `end`, which starts a
/// word: its start and kind.
fn group_before(b: &[u8], end: usize) -> Option<(usize, Group)> {
    let kind = class(*b.get(end.checked_sub(1)?)?)?;
    let len = b[..end].iter().rev().take_while(|&&c| class(c) == Some(kind)).count();
    let start = end - len;
    let word_before =
        start > 0 && (b[start - 1].is_ascii_alphanumeric() || b[start - 1] >= 0x80 || b[start - 1] == b'-');
    (len <= 3 && !word_before).then_some((start, kind))
}

/// The group of one to `max` capitals or digits starting at `start`: its end and kind.
fn group_after(b: &[u8], start: usize, max: usize) -> Option<(usize, Group)> {
    let kind = class(*b.get(start)?)?;
    let len = b[start..].iter().take_while(|&&c| class(c) == Some(kind)).count();
    (len <= max).then_some((start + len, kind))
}

/// True when nothing of a word or a plate goes on at `end`.
fn ends_word(b: &[u8], end: usize) -> bool {
    b.get(end).is_none_or(|&c| !(c.is_ascii_alphanumeric() || c >= 0x80 || c == b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plates(text: &str) -> Vec<&str> {
        let mut spans = Vec::new();
        find(text, &mut spans);
        spans.into_iter().map(|s| &text[s.range]).collect()
    }

    #[test]
    fn table() {
        let cases: &[(&str, &[&str])] = &[
            ("met kenteken 1-ABC-234, bestuurder", &["1-ABC-234"]),
            ("  1. 12-ABC-3   (NL)\n  6. AB-123-CD  (FR)", &["12-ABC-3", "AB-123-CD"]),
            ("GZ-815-K en 99-XX-99 of XX-99-99.", &["GZ-815-K", "99-XX-99", "XX-99-99"]),
            ("3. M-AB 1234  (DE), B-MW 12", &["M-AB 1234", "B-MW 12"]),
            // Not plates: digits only, long groups, chains, words, lower case.
            ("12-34-56 ISO-8859-1 UTF-8 A-1-B COVID-19 e-mail", &[]),
            ("X-AB-12-CD-EF, xAB-123-CD, AB-123-CDx, ab-123-cd, E-MAIL 2, CD-ROM 2", &[]),
            ("AB-1234-CD and Ärger-AB-12", &[]),
        ];
        for (text, want) in cases {
            assert_eq!(plates(text), *want, "{text}");
        }
    }
}
