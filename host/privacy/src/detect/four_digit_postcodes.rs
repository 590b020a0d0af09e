//! Four-digit postcodes with the town after them, as Belgium, Switzerland, Austria and
//! Denmark write them (`3920 Lommel`, `1000 Brussel`, `8001 Zürich`): four digits
//! alone would be a year or a quantity, so only the shape of an address line counts.
//!
//! The digits stand at a line's start or after `, ` or `: `, the town after one blank
//! is a capitalised word that is neither vocabulary nor a listed name (a place is
//! neither), and
//! the line ends after the town, or a comma or a bracket follows it. The digits are a
//! [`Kind::Postcode`], the town a [`Kind::Address`].

use super::triggers::Starts;
use super::{Kind, Span};

/// Adds the postcodes and towns of `text` to `spans`.
pub fn find_from(text: &str, starts: &Starts, spans: &mut Vec<Span>) {
    let mut at = 0;
    while let Some(start) = starts.first(at, |b, i| matches!(b[i], b'1'..=b'9')) {
        at = start + 1;
        let Some(town) = town_after(text, start) else { continue };
        if line_before(&text[..start]) {
            spans.push(Span::new(start..start + 4, Kind::Postcode));
            spans.push(Span::new(town, Kind::Address));
        }
    }
}

/// The town after the four digits at `start`, if the digits are four and a town as
/// the module says follows them.
fn town_after(text: &str, start: usize) -> Option<std::ops::Range<usize>> {
    let b = text.as_bytes();
    let digits = b[start..].iter().take_while(|c| c.is_ascii_digit()).count();
    if digits != 4 || b.get(start + 4) != Some(&b' ') {
        return None;
    }
    let from = start + 5;
    let rest = &text[from..];
    let len = rest.find(|c: char| !(c.is_alphabetic() || c == '-' || c == '\'')).unwrap_or(rest.len());
    let town = &rest[..len];
    let capitalised = town.chars().next().is_some_and(char::is_uppercase) && town.chars().any(char::is_lowercase);
    let after = rest[len..].trim_start_matches([' ', '\t']);
    let ends = after.is_empty() || after.starts_with(['\r', '\n', ',', '(', '<']);
    let place = !crate::vocabulary::is_word(town) && !crate::vocabulary::is_listed_name(town);
    (capitalised && ends && len >= 2 && place).then_some(from..from + len)
}

/// True when `before` (the text before the digits) ends a line, or in `, ` or `: `.
fn line_before(before: &str) -> bool {
    let trimmed = before.trim_end_matches([' ', '\t', '>']);
    trimmed.is_empty() || trimmed.ends_with(['\n', ',', ':']) || trimmed.ends_with("<br>") || trimmed.ends_with("<br/>")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(&str, Kind)> {
        let mut spans = Vec::new();
        find_from(text, &Starts::new(text), &mut spans);
        spans.into_iter().map(|s| (&text[s.range], s.kind)).collect()
    }

    #[test]
    fn table() {
        use Kind::*;
        let cases: &[(&str, &[(&str, Kind)])] = &[
            ("Kerkstraat 12, 3920 Lommel", &[("3920", Postcode), ("Lommel", Address)]),
            ("Stationsplein 1\r\n1000 Brussel\r\nBelgië", &[("1000", Postcode), ("Brussel", Address)]),
            ("Adres: 9050 Gentbrugge (België)", &[("9050", Postcode), ("Gentbrugge", Address)]),
            ("> 8001 Zürich, Schweiz", &[("8001", Postcode), ("Zürich", Address)]),
            // Years, quantities and headings.
            ("In 2023 Pieter joined us", &[]),
            ("2024 Highlights\nOrder 1234 Shipped\n", &[]),
            ("2023 Pieter\n", &[]),
            ("12345 Lommel\n0920 Lommel\n3920  Lommel\n3920 lommel", &[]),
        ];
        for (text, want) in cases {
            assert_eq!(found(text), *want, "{text}");
        }
    }
}
