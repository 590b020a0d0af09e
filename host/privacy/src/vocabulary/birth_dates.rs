//! Dates of birth written in words: `geboren op 9 juli 1971`, `Date of birth: 3 May
//! 1990`, `born in 1958`. A date in figures is a long number and a pseudonym already
//! (`12-03-1985`); a day, a month's name and a year each pass alone, so after a cue
//! they become pseudonyms for the rest of its line, up to [`WINDOW`] bytes.

/// Words after which a date of birth follows, lower-case.
const CUES: [&str; 9] =
    ["born", "birth", "dob", "geboren", "geb", "geboortedatum", "geboortejaar", "geburtsdatum", "geburtstag"];

/// How far after a cue (bytes) the date may reach.
const WINDOW: usize = 40;

/// Month names and their abbreviations (English, Dutch, German), lower-case.
const MONTHS: [&str; 34] = [
    "jan",
    "january",
    "januari",
    "januar",
    "feb",
    "february",
    "februari",
    "februar",
    "mar",
    "march",
    "maart",
    "märz",
    "apr",
    "april",
    "may",
    "mei",
    "mai",
    "jun",
    "june",
    "juni",
    "jul",
    "july",
    "juli",
    "aug",
    "august",
    "augustus",
    "sep",
    "sept",
    "september",
    "oct",
    "okt",
    "october",
    "oktober",
    "nov",
];

/// More month names: November and December in three languages.
const LAST_MONTHS: [&str; 5] = ["november", "dec", "december", "dez", "dezember"];

/// Where a date of birth after the token `text[start..end]` may end, if the token is a
/// cue: [`WINDOW`] bytes on, or the line's end before that.
pub(super) fn window_after(text: &str, start: usize, end: usize) -> Option<usize> {
    let token = &text[start..end];
    let first = text.as_bytes()[start].to_ascii_lowercase();
    if !matches!(first, b'b' | b'd' | b'g') || token.len() > 13 || !CUES.iter().any(|c| c.eq_ignore_ascii_case(token)) {
        return None;
    }
    let limit = (end + WINDOW).min(text.len());
    Some(memchr::memchr(b'\n', &text.as_bytes()[end..limit]).map_or(limit, |i| end + i))
}

/// True for a token that is part of a written date: a number of up to four digits or
/// a month's name.
pub(super) fn date_part(token: &str) -> bool {
    let number = token.len() <= 4 && token.bytes().all(|b| b.is_ascii_digit());
    number || MONTHS.iter().chain(&LAST_MONTHS).any(|m| m.eq_ignore_ascii_case(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cue_opens_a_window_to_its_line_end() {
        let text = "Geboren op 9 juli 1971 te Utrecht\nVolgende regel";
        assert_eq!(window_after(text, 0, 7), Some(33));
        assert_eq!(window_after("Date of birth: 3 May 1990", 8, 13), Some(25));
        assert_eq!(window_after("Birthday sale", 0, 8), None);
        assert!(["9", "juli", "1971", "May", "DEC"].into_iter().all(date_part));
        assert!(!["te", "12345", "Utrecht"].into_iter().any(date_part));
    }
}
