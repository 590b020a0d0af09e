//! A genealogy's or a death notice's birth star before a date (`Henk Snow  *  4 maart
//! 1938`, `(* 4 maart 1938, † 8 juni 2027)`, `* Amsterdam, 8 maart 1937`): a cue of a
//! date of birth ([`super::cued`]) that is no word.

use super::cued::is_month;

/// True when a `*` stands right before `start` (blanks apart) with something before it
/// on its line: a birth date's star after a name (`Henk Snow  *  4 maart 1938`, `(* 4
/// maart 1938, † 8 juni 2027)`), not a list's bullet at the line's start (`* 4 items`).
pub(super) fn star_before(text: &str, start: usize) -> bool {
    let head = text.as_bytes()[..start].trim_ascii_end();
    let Some(before_star) = head.strip_suffix(b"*") else { return false };
    // The last byte before the star that is no blank: one step back in nearly every
    // text, never a walk to the line's start.
    match before_star.iter().rev().find(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\x0c')) {
        // Where a detected name ends the piece before, the star opens this one: a day
        // and a month's name after it (`* 4 maart`) say it is a date all the same.
        None | Some(b'\n') => month_after_day(&text[start..]),
        Some(_) => true,
    }
}

/// True when a birth star, a place and a comma stand right before `start` and a day
/// and a month's name after it: a death notice's `* Amsterdam, 8 maart 1937`.
pub(super) fn star_and_place_before(text: &str, start: usize) -> bool {
    let head = text.as_bytes()[..start].trim_ascii_end();
    let Some(place_end) = head.strip_suffix(b",") else { return false };
    let place = place_end.iter().rev().take_while(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'*')).count();
    let before = place_end[..place_end.len() - place].trim_ascii_end();
    place > 0 && before.ends_with(b"*") && month_after_day(&text[start..])
}

/// True when `rest` starts with a day's number and a month's name (`4 maart`, `14.
/// April`).
fn month_after_day(rest: &str) -> bool {
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let month = rest[digits..].trim_start_matches([' ', '.', '\t']);
    let word = &month[..month.bytes().take_while(u8::is_ascii_alphabetic).count()];
    (1..=2).contains(&digits) && is_month(word)
}
