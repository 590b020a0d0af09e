//! Addresses: Dutch postcodes (`1015 CJ`) with the city after them, UK postcodes with
//! the town before them, and street lines in Dutch (`Keizersgracht 123`,
//! `Laan van Meerdervoort 45a`) and English (`221B Baker Street`).

use super::{Kind, Span, ending_at};
use regex::Regex;
use std::sync::LazyLock;

struct Patterns {
    nl_postcode: Regex,
    /// UK postcodes and street lines in one pass (one automaton instead of three).
    postcode_or_street: Regex,
    town_at_end: Regex,
}

/// A capitalised word, letters with inner apostrophes or hyphens.
const WORD: &str = r"\p{Lu}[\p{L}'’\-]*\p{L}";

static PATTERNS: LazyLock<Patterns> = LazyLock::new(|| {
    let nl_suffix = "straat|straatweg|laan|weg|plein|gracht|kade|singel|dijk|pad|steeg|hof|dreef|markt|park|baan|wal|dam|veld|plantsoen|erf|dreef|haven|burg|poort|werf";
    let nl_lead = "Laan|Plein|Burgemeester|Burg\\.|Prins|Prinses|Koningin|Koning|Graaf|Oude|Nieuwe|Korte|Lange|Dokter|Dr\\.|Sint|St\\.|Van";
    let en_suffix = "Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Way|Court|Ct|Place|Pl|Square|Sq|Boulevard|Blvd|Close|Crescent|Terrace|Gardens|Grove|Row|Mews|Parkway|Hill|Walk";
    Patterns {
        // The letters SA, SD and SS are never issued; units and currencies are excluded
        // after matching.
        nl_postcode: Regex::new(&format!(r"\b([1-9]\d{{3}})[ \t\x{{a0}}\x{{2009}}\x{{202f}}]?([A-Z]{{2}})\b(?:[ \t\x{{a0}}\x{{2009}}\x{{202f}},]+({WORD}(?:[ \t\x{{a0}}\x{{2009}}\x{{202f}}\-]{WORD})?))?")).unwrap(),
        postcode_or_street: Regex::new(&format!(
            r"(?P<uk>\b[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?[ \t\x{{a0}}\x{{2009}}\x{{202f}}]\d[ABD-HJLNP-UW-Z]{{2}}\b)|(?P<street>\b(?:\p{{Lu}}[\p{{L}}'’\-]*(?:{nl_suffix})|(?:Singel|Dam|Markt|Kade|Wal|Dijk|Gracht|Haven|Plaats|Brink)|(?:{nl_lead})(?:[ \t\x{{a0}}\x{{2009}}\x{{202f}}]+[\p{{L}}'’.\-]+){{1,3}})[ \t\x{{a0}}\x{{2009}}\x{{202f}}]+\d{{1,4}}(?:[ \t\x{{a0}}\x{{2009}}\x{{202f}}]?[a-zA-Z]\b|[ \t\x{{a0}}\x{{2009}}\x{{202f}}]?-[ \t\x{{a0}}\x{{2009}}\x{{202f}}]?\d{{1,3}}\b|\b)|\b\d{{1,5}}[A-Za-z]?[ \t\x{{a0}}\x{{2009}}\x{{202f}}]+(?:{WORD}[ \t\x{{a0}}\x{{2009}}\x{{202f}}]+){{1,3}}(?:{en_suffix})\b\.?)"
        ))
        .unwrap(),
        town_at_end: Regex::new(&format!(r"\b({WORD})[ \t\x{{a0}}\x{{2009}}\x{{202f}}]*,?[ \t\x{{a0}}\x{{2009}}\x{{202f}}]+$")).unwrap(),
    }
});

/// Two capital letters after four digits that are units, currencies or regions.
const NOT_POSTCODE_LETTERS: [&str; 20] = [
    "SA", "SD", "SS", "KB", "MB", "GB", "TB", "PB", "EU", "US", "UK", "AM", "PM", "CM", "KM", "KG", "MG", "ML", "HZ",
    "BC",
];

/// Words that follow a postcode without being a city.
const NOT_CITY: [&str; 8] = ["The", "Tel", "Telefoon", "Phone", "Nederland", "Netherlands", "En", "And"];

/// Adds the address spans of `text` to `spans`.
pub fn find(text: &str, spans: &mut Vec<Span>) {
    let p = &*PATTERNS;
    for c in p.nl_postcode.captures_iter(text) {
        let (digits, letters) = (c.get(1).unwrap(), c.get(2).unwrap());
        if NOT_POSTCODE_LETTERS.contains(&letters.as_str()) {
            continue;
        }
        spans.push(Span::new(digits.start()..letters.end(), Kind::Postcode));
        if let Some(city) = c.get(3).filter(|c| !NOT_CITY.contains(&c.as_str())) {
            spans.push(Span::new(city.range(), Kind::Address));
        }
    }
    for c in p.postcode_or_street.captures_iter(text) {
        if let Some(m) = c.name("uk") {
            if let Some(town) =
                ending_at(text, m.start(), 40, &p.town_at_end).filter(|t| !NOT_CITY.contains(&&text[t.clone()]))
            {
                spans.push(Span::new(town, Kind::Address));
            }
            spans.push(Span::new(m.range(), Kind::Postcode));
        } else if let Some(m) = c.name("street") {
            spans.push(Span::new(m.range(), Kind::Address));
        }
    }
}
