//! Four-digit postcodes with the town after them, as Belgium, Switzerland, Austria and
//! Denmark write them (`3920 Lommel`, `1000 Brussel`, `8001 Zürich`): four digits
//! alone would be a year or a quantity, so only the shape of an address line counts.
//!
//! The digits stand at a line's start or after a comma or a colon, or after a
//! country's letter (`B-2000`); the town after one blank is a capitalised word that is
//! neither vocabulary nor a listed name (a place is neither), or after a comma a town
//! whose name is a word (`, 9000 Gent`); and the line or sentence ends after the town,
//! or a comma or a bracket follows it. The digits are a [`Kind::Postcode`], the town a
//! [`Kind::Address`].

use super::triggers::Starts;
use super::{Kind, Span};

/// Adds the postcodes and towns of `text` to `spans`.
pub fn find_from(text: &str, starts: &Starts, spans: &mut Vec<Span>) {
    let mut at = 0;
    while let Some(start) = starts.first(at, |b, i| matches!(b[i], b'1'..=b'9')) {
        at = start + 1;
        let before = &text[..start];
        let prefix = country_prefix(before);
        let after_comma = before.trim_end_matches([' ', '\t']).ends_with(',');
        // A town that is also a word (`Gent`) only after a comma.
        let Some(town) = town_after(text, start, after_comma) else { continue };
        if prefix > 0 || line_before(before) {
            spans.push(Span::new(start - prefix..start + 4, Kind::Postcode));
            spans.push(Span::new(town, Kind::Address));
        }
    }
}

/// The length of the country letters and hyphen that end `before` (`B-2000
/// Antwerpen`, `CH-8001 Zürich`, as older address lines write them), or 0.
fn country_prefix(before: &str) -> usize {
    let Some(letters) = before.strip_suffix('-') else { return 0 };
    // Longest first: `NL` before `L`.
    let code = ["NL", "CH", "DK", "B", "A", "L"].into_iter().find(|c| letters.ends_with(c));
    let code_len = code.map_or(0, str::len);
    let boundary = letters[..letters.len() - code_len].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
    if code.is_some() && boundary { code_len + 1 } else { 0 }
}

/// The town after the four digits at `start`, if the digits are four and a town as
/// the module says follows them; with `words`, the town may also be one of the
/// [`TOWNS_THAT_ARE_WORDS`].
fn town_after(text: &str, start: usize, words: bool) -> Option<std::ops::Range<usize>> {
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
    let ends = after.is_empty() || after.starts_with(['\r', '\n', ',', '(', '<', '.', ')', ';']);
    let place = (words && TOWNS_THAT_ARE_WORDS.contains(&town))
        || (!crate::vocabulary::is_word(town) && !crate::vocabulary::is_listed_name(town));
    (capitalised && ends && len >= 2 && place).then_some(from..from + len)
}

/// Belgian and Dutch towns with four-digit postcodes whose names are words of the
/// vocabulary (`Gent` is English, `Geel` and `Boom` Dutch): any other word after a
/// comma and four digits is a year and a word (`March 31, 2026 Only`).
const TOWNS_THAT_ARE_WORDS: &[&str] = &[
    "Gent", "Geel", "Boom", "Mol", "Lier", "Bree", "Asse", "Halle", "Hamme", "Lede", "Zele", "Puurs", "Best", "Born",
    "Hoorn", "Goes", "Tiel", "Ede", "Epe", "Putten", "Beek", "Huizen", "Velp", "Elst", "Vaals", "Hulst", "Brummen",
];

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
            ("Grote Markt 3, B-2000 Antwerpen.", &[("B-2000", Postcode), ("Antwerpen", Address)]),
            ("Veldstraat 1, 9000 Gent).", &[("9000", Postcode), ("Gent", Address)]),
            ("bus 3, 2018 Antwerpen. Om uw dossier", &[("2018", Postcode), ("Antwerpen", Address)]),
            ("9000 Gent\n", &[]),
            ("type AB-2000 Turbo, model X-1000 Pro, our B-2000 Turbo, valid until March 31, 2026 Only.", &[]),
            ("NL-1016 Amsterdam", &[("NL-1016", Postcode), ("Amsterdam", Address)]),
        ];
        for (text, want) in cases {
            assert_eq!(found(text), *want, "{text}");
        }
    }
}
