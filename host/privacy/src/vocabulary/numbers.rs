//! Numbers written in groups (`06 - 1680 9762`, `NL91 ABNA en 0417 en 1643 en 00`,
//! `40-12-76`): a long one is one token, and one pseudonym, whatever joins its groups.
//! So are two shapes whose digit groups would pass alone: a code of capitals and digit
//! groups (`VH-27-0551`, [`coded_id`]) and a MAC address ([`mac_address`]).

use super::MAX_CLEAR_DIGITS;

/// Separators inside a written number: anything but a letter or a digit. Spaces,
/// dashes and dots are the usual ones, but `06_1234_5678`, `06,12,34,56,78`,
/// `06·1234·5678`, keycap digits and a number wrapped onto the next line are numbers
/// too, and any group of them longer than a few digits may be someone's. A blank line
/// (a new paragraph) ends a number: see [`long_number`].
fn number_separator(c: char) -> bool {
    !c.is_alphanumeric()
}

/// The byte length of a number of more than [`MAX_CLEAR_DIGITS`] + 2 digits starting
/// at the head of `s` (groups joined by separators), or `None`. A last group glued to
/// letters (`…5678_0x`) is a word and left out, but the groups before it still make
/// the number. One pass: each gap between groups is read once.
///
/// Groups of two or more digits around one short lower-case word join too (`0612 of
/// 3456 of 78`, `NL91 ABNA en 0417 en 1643 en 00`), but such a number needs at least
/// [`WORD_JOINED_DIGITS`], as a phone number or an account has: times and dates in
/// prose (`between 02:00 and 03:15`, `3 nov. 2025 om 14:02`) stay as they are.
#[inline]
pub(super) fn long_number(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let digits_at = |i: usize| b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    if !b.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    // The groups so far: their digits and where the last one ends; and the same for
    // the groups before the first word, which make a number on their own.
    let (mut total, mut end, mut at, mut groups) = (0, 0, 0, 0);
    // An amount or a decimal (`1.249,95`, `1,249.95`): groups joined by `.` and `,`.
    let mut amount = true;
    let mut before_word: Option<(usize, usize)> = None;
    loop {
        let n = digits_at(at);
        let glued = s[at + n..].starts_with(char::is_alphanumeric);
        if glued {
            break;
        }
        (total, end, groups) = (total + n, at + n, groups + 1);
        let (gap, word) = number_gap(&s[end..]);
        if gap == 0 || !s[end + gap..].starts_with(|x: char| x.is_ascii_digit()) {
            break;
        }
        if word && (n < 2 || digits_at(end + gap) < 2) {
            break;
        }
        if word && before_word.is_none() {
            before_word = Some((total, end));
        }
        amount &= s.as_bytes()[end..end + gap].iter().all(|c| matches!(c, b'.' | b','));
        at = end + gap;
    }
    let long = |(total, end): (usize, usize), least: usize| (total >= least).then_some(end);
    match before_word {
        // Three groups or more make a code of six digits personal too: a UK sort code
        // (`40-12-76`), an NI number's digits (`QQ 98 76 54 A`), a lockbox code; an
        // amount (`1.249,95`) is none.
        None if groups >= 3 && !amount => long((total, end), MAX_CLEAR_DIGITS + 2),
        None => long((total, end), MAX_CLEAR_DIGITS + 3),
        Some(plain) => long((total, end), WORD_JOINED_DIGITS).or_else(|| long(plain, MAX_CLEAR_DIGITS + 3)),
    }
}

/// True for a reference code of capitals and digit groups joined by hyphens, three
/// parts or more, two of them numbers (`VH-27-0551`, `27-VH-05`, `AB12-3456-78`): a
/// case, file, plate or member number, one token and one pseudonym. Each of its
/// digit groups alone is short enough to pass, and its letters alone are one more
/// pseudonym, so read part by part the number stays in clear. Lower-case words with
/// numbers (`page-2-3`) and two-part names (`COVID-19`, `SHA-256`) are no such code.
pub(super) fn coded_id(run: &str) -> bool {
    // One pass over the bytes settles nearly every run (`again...`, `follow-up`).
    let (mut hyphens, mut letters, mut other) = (0, 0, false);
    for b in run.bytes() {
        match b {
            b'-' => hyphens += 1,
            b'A'..=b'Z' => letters += 1,
            b'0'..=b'9' => {}
            _ => other = true,
        }
    }
    if other || hyphens < 2 || letters == 0 {
        return false;
    }
    let numbers = run.split('-').filter(|p| p.bytes().all(|b| b.is_ascii_digit())).count();
    run.split('-').all(|p| (1..=8).contains(&p.len())) && numbers >= 2
}

/// The length of a MAC address at the head of `s` (`A4:83:E7:12:9B:01`, with `:` or
/// `-`), or `None`: six pairs of hex digits, one separator throughout. Its digit pairs
/// alone would pass as short numbers beside the pseudonyms of the others.
pub(super) fn mac_address(text: &str) -> Option<usize> {
    let s = text.as_bytes();
    let sep = *s.get(2).filter(|c| matches!(c, b':' | b'-'))?;
    let hex = |i: usize| s.get(i).is_some_and(u8::is_ascii_hexdigit);
    let shaped = (0..6).all(|g| hex(3 * g) && hex(3 * g + 1) && (g == 5 || s.get(3 * g + 2) == Some(&sep)));
    let ends = s.get(17).is_none_or(|c| !c.is_ascii_alphanumeric() && *c != sep);
    if !(shaped && ends) {
        return None;
    }
    // Pairs of digits alone may start a longer number (`00-31-06-12-34-56 7890`),
    // which is one pseudonym whole.
    let digits = s[..17].iter().all(|c| c.is_ascii_digit() || *c == sep);
    (!digits || long_number(text).is_none_or(|n| n <= 17)).then_some(17)
}

/// Fewest digits of a number whose groups are joined by words ([`long_number`]): a
/// Dutch phone number without its leading zero, or a bank account number.
const WORD_JOINED_DIGITS: usize = 9;

/// The gap between two groups of a number at the head of `rest`, in bytes, and whether
/// it holds a word: separators, or separators around one lower-case word of at most
/// four letters (`en`, `of`, `and`, `&b=`). 0 when there is none: no separator, or a
/// blank line (a new paragraph).
fn number_gap(rest: &str) -> (usize, bool) {
    let separators = |s: &str| s.find(|x: char| !number_separator(x)).unwrap_or(s.len());
    let (mut gap, mut joined) = (separators(rest), false);
    let word = rest.as_bytes()[gap..].iter().take_while(|c| c.is_ascii_lowercase()).count();
    if (1..=4).contains(&word) && !rest[gap + word..].starts_with(char::is_alphanumeric) {
        let after = separators(&rest[gap + word..]);
        if (gap > 0 || after > 0) && rest[gap + word + after..].starts_with(|x: char| x.is_ascii_digit()) {
            (gap, joined) = (gap + word + after, true);
        }
    }
    let paragraph = rest.as_bytes()[..gap].iter().filter(|c| **c == b'\n').count() > 1;
    if paragraph { (0, false) } else { (gap, joined) }
}
