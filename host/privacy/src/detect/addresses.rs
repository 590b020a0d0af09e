//! Addresses: Dutch postcodes (`1015 CJ`) with the city after them, UK postcodes with
//! the town before them, and street lines in Dutch (`Keizersgracht 123`,
//! `Laan van Meerdervoort 45a`) and English (`221B Baker Street`).

use super::street_starts::{NL_LEADS, NL_STREETS, NL_SUFFIXES, alternation};
use super::triggers::{DIGIT_AT_WORD_END, Gated, Starts};
use super::{Kind, MatchStart, Span, ending_at};
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

struct Patterns {
    nl_postcode: Gated,
    /// UK postcodes and street lines in one pass (one automaton instead of three).
    postcode_or_street: Gated,
    town_at_end: Regex,
    /// A whole UK postcode (the `uk` alternative of `postcode_or_street`).
    uk_shape: Regex,
}

/// A capitalised word, letters with inner apostrophes or hyphens.
const WORD: &str = r"\p{Lu}[\p{L}'’\-]*\p{L}";

static PATTERNS: LazyLock<Patterns> = LazyLock::new(|| {
    let (nl_suffix, nl_street, nl_lead) = (alternation(&NL_SUFFIXES), alternation(&NL_STREETS), alternation(&NL_LEADS));
    // British streets are named by many more words than `Street` and `Road` (`17
    // Hawthorn Rise`, `4 Mill Croft`); each needs a house number and a capitalised
    // word before it.
    let en_suffix = "Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Way|Court|Ct|Place|Pl|Square|Sq|Boulevard|Blvd|Close|Crescent|Terrace|Gardens|Grove|Row|Mews|Parkway|Hill|Walk\
        |Rise|View|Green|Gate|Vale|Croft|Meadow|Meadows|Chase|Parade|Wharf|Approach|Heights|Mount|Ridge|Quay|Cottages|Fields|Park|Circus|Embankment|Dene|Glade|Hollow|Grange|Orchard|Paddock";
    // What may follow a house number's last digit: a letter, a range, or the word's end
    // (after an ASCII digit, and after another script's).
    let house = |end: &str| {
        format!(
            r"(?:[ \t\x{{a0}}\x{{2009}}\x{{202f}}]?[a-zA-Z](?-u:\b)|[ \t\x{{a0}}\x{{2009}}\x{{202f}}]?-[ \t\x{{a0}}\x{{2009}}\x{{202f}}]?\d{{0,2}}{DIGIT_AT_WORD_END}|{end})"
        )
    };
    let (house_ascii, house_other) = (house(r"(?-u:\b)"), house(r"(?-u:\B)"));
    Patterns {
        // The letters SA, SD and SS are never issued; units and currencies are excluded
        // after matching.
        nl_postcode: Gated::new(&format!(r"[1-9]\d{{3}}[ \t\x{{a0}}\x{{2009}}\x{{202f}}]?[A-Z]{{2}}(?-u:\b)(?:[ \t\x{{a0}}\x{{2009}}\x{{202f}},]+(?:{WORD}(?:[ \t\x{{a0}}\x{{2009}}\x{{202f}}\-]{WORD})?))?")).unwrap(),
        postcode_or_street: Gated::new(&format!(
            r"(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?[ \t\x{{a0}}\x{{2009}}\x{{202f}}]\d[ABD-HJLNP-UW-Z]{{2}}(?-u:\b))|(?:(?:\p{{Lu}}[\p{{L}}'’\-]*(?:{nl_suffix})|(?:{nl_street})|(?:{nl_lead})(?:[ \t\x{{a0}}\x{{2009}}\x{{202f}}]+[\p{{L}}'’.\-]+){{1,3}})[ \t\x{{a0}}\x{{2009}}\x{{202f}}]+\d{{0,3}}(?:[0-9]{house_ascii}|[\d--0-9]{house_other})|\d{{1,5}}[A-Za-z]?[ \t\x{{a0}}\x{{2009}}\x{{202f}}]+(?:{WORD}[ \t\x{{a0}}\x{{2009}}\x{{202f}}]+){{1,3}}(?:{en_suffix})(?-u:\b)\.?)"
        ))
        .unwrap(),
        uk_shape: Regex::new(r"^[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?[ \t\x{a0}\x{2009}\x{202f}]\d[ABD-HJLNP-UW-Z]{2}$").unwrap(),
        town_at_end: Regex::new(&format!(r"{WORD}[ \t\x{{a0}}\x{{2009}}\x{{202f}}]*,?[ \t\x{{a0}}\x{{2009}}\x{{202f}}]+$")).unwrap(),
    }
});

/// What may stand between a town and the UK postcode after it (`town_at_end`).
const TOWN_TRAILING: [char; 6] = [' ', '\t', '\u{a0}', '\u{2009}', '\u{202f}', ','];

/// Two capital letters never issued after a postcode's four digits.
const NEVER_ISSUED: [&str; 3] = ["SA", "SD", "SS"];

/// Two capital letters after four digits that are units, currencies or regions: a
/// postcode only with a town after them (`1103 TB Amsterdam`, not `1024 MB RAM`).
const UNIT_LETTERS: [&str; 17] =
    ["KB", "MB", "GB", "TB", "PB", "EU", "US", "UK", "AM", "PM", "CM", "KM", "KG", "MG", "ML", "HZ", "BC"];

/// Words that follow a postcode without being a city.
const NOT_CITY: [&str; 8] = ["The", "Tel", "Telefoon", "Phone", "Nederland", "Netherlands", "En", "And"];

/// Adds the address spans of `text` to `spans`.
pub fn find(text: &str, spans: &mut Vec<Span>) {
    find_from(text, &Starts::new(text), spans);
}

/// As [`find`], with the word starts of `text` found already.
pub(super) fn find_from(text: &str, starts: &Starts, spans: &mut Vec<Span>) {
    let p = &*PATTERNS;
    // Matches are taken apart by hand, not by capture groups (a second, slower search
    // per match): four digits, an optional space, two capitals, then the city if any.
    for m in p.nl_postcode.matches(text, |at| starts.nl_postcode(at)) {
        let found = &text[m.clone()];
        let (digits, letters, city) = nl_postcode_parts(found);
        let at = |r: Range<usize>| m.start + r.start..m.start + r.end;
        let city = city.filter(|c| !NOT_CITY.contains(&&found[c.clone()]));
        let pair = &found[letters.clone()];
        let town = city.clone().is_some_and(|c| is_town(&found[c]));
        if NEVER_ISSUED.contains(&pair) || (UNIT_LETTERS.contains(&pair) && !town) {
            continue;
        }
        spans.push(Span::new(at(digits.start..letters.end), Kind::Postcode));
        if let Some(city) = city {
            spans.push(Span::new(at(city), Kind::Address));
        }
    }
    // A match is the UK alternative exactly when it has the whole shape of one: that
    // alternative comes first, so it wins wherever it matches.
    for m in p.postcode_or_street.matches(text, |at| starts.postcode_or_street(at)) {
        let found = &text[m.clone()];
        if p.uk_shape.is_match(found) {
            if let Some(town) = ending_at(text, m.start, 40, (&p.town_at_end, MatchStart::Word), &TOWN_TRAILING)
                .filter(|t| !NOT_CITY.contains(&&text[t.clone()]))
            {
                spans.push(Span::new(town, Kind::Address));
            }
            spans.push(Span::new(m.clone(), Kind::Postcode));
        } else {
            spans.push(Span::new(m.clone(), Kind::Address));
        }
    }
}

/// True when the word(s) after a postcode read as a town: not in capitals (`RAM`) and
/// no word of the vocabulary (`Memory`).
fn is_town(city: &str) -> bool {
    city.chars().any(char::is_lowercase) && !crate::vocabulary::is_word(city)
}

/// The digits, the letters and the city (if any) of a match of the Dutch postcode
/// pattern, as ranges in it: four digits (any script), an optional space, two ASCII
/// capitals, then after separators the city to the end.
fn nl_postcode_parts(found: &str) -> (Range<usize>, Range<usize>, Option<Range<usize>>) {
    let digits = 0..found.char_indices().nth(4).map_or(found.len(), |(i, _)| i);
    let space = found[digits.end..].chars().next().filter(|c| !c.is_ascii_uppercase()).map_or(0, char::len_utf8);
    let letters = digits.end + space..digits.end + space + 2;
    let separators = found[letters.end..].trim_start_matches([' ', '\t', '\u{a0}', '\u{2009}', '\u{202f}', ',']);
    let city = (!separators.is_empty()).then(|| found.len() - separators.len()..found.len());
    (digits, letters, city)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_patterns_run_as_lazy_dfas() {
        let p = &*super::PATTERNS;
        super::super::assert_lazy_dfa(p.town_at_end.as_str());
        super::super::assert_lazy_dfa(p.nl_postcode.as_str());
        super::super::assert_lazy_dfa(p.postcode_or_street.as_str());
    }

    /// The gate of the street pattern lets through every place where the pattern,
    /// tried at every word start, matches: on the labelled corpus and on street lines
    /// of each kind.
    #[test]
    fn unit_letters_make_a_postcode_only_before_a_town() {
        let postcodes = |text: &str| {
            let mut spans = Vec::new();
            super::find(text, &mut spans);
            spans
                .into_iter()
                .filter(|s| s.kind == super::Kind::Postcode)
                .map(|s| text[s.range].to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(postcodes("Bijlmerdreef 1012, 1103 TB Amsterdam"), ["1103 TB"]);
        assert_eq!(postcodes("1234 GB Den Haag en 1015 CJ"), ["1234 GB", "1015 CJ"]);
        assert!(postcodes("4096 MB RAM, 2048 GB Memory, 1000 KB, 2500 SA Zwolle").is_empty());
    }

    #[test]
    fn british_streets_of_every_kind_are_addresses() {
        for street in ["17 Hawthorn Rise", "4 Mill Croft", "2 Orchard View", "8 Kings Parade", "12 Baker Street"] {
            let text = format!("Delivery address is {street}, Leeds.");
            let mut spans = Vec::new();
            super::find(&text, &mut spans);
            let found: Vec<&str> = spans.iter().map(|s| &text[s.range.clone()]).collect();
            assert!(found.iter().any(|f| f.contains(street)), "{street}: {found:?}");
        }
    }

    #[test]
    fn the_street_gate_passes_every_street_the_pattern_finds() {
        let p = &*super::PATTERNS;
        let mut texts = super::super::corpus_texts();
        texts.extend(
            [
                "Keizersgracht 123, Singel 5, Burg. de Vlugtlaan 12, Van Baerlestraat 3a, O'Brienstraat 9",
                "Laan van Meerdervoort 45-47, Prins Hendrikkade 1, Dam 1, Damrak 2, Kerkstraat-Oost 4",
                "Sint Jansstraat ١٢, Koningin Wilhelminaplein 1, Dr. Lelylaan 3, A2weg 4, Ölandstraat 5",
                "Nieuwe Keizersgracht\u{a0}58, 221B Baker Street, Zuid’straat 7, Burgemeester 12",
                "SW1A 1AA, W1A\u{a0}1AA, EC1A\t1BB, M1 1AE, B33 8TH, CR2 6XH, DN55 1PT, NL91 ABNA, A1\u{2009}٣AB",
                "12\u{a0}Baker Street, 7 \tHigh Road, 9a  Mill Lane, ٣ Main Street, 10 Élysée Road, 4 , 5 Dam 3",
                "Amsterdamstraat\u{a0}4, Singel\u{202f}٣, Kade\t\t8, Damstraat 4a, Damrak, 1015 CJ Amsterdam Street",
                "17 Hawthorn Rise, 4 Mill Croft, 2 Orchard View, 8 Kings Parade, 3 The Green, 11 Abbey Mount",
            ]
            .map(String::from),
        );
        let mut streets = 0;
        for text in &texts {
            let starts = super::Starts::new(text);
            let gated: Vec<_> = p.postcode_or_street.matches(text, |at| starts.postcode_or_street(at)).collect();
            let every: Vec<_> = p.postcode_or_street.matches(text, |at| starts.first(at, |_, _| true)).collect();
            assert_eq!(gated, every, "{text}");
            streets += gated.len();
        }
        assert!(streets > 300, "{streets} street lines and UK postcodes");
    }

    /// The same on random texts stitched from the pieces street lines and postcodes
    /// are made of, with every kind of blank between them: no gate may pass over a
    /// place where its pattern matches.
    #[test]
    fn the_street_gate_passes_every_street_in_random_pieces() {
        use super::super::random_text;
        let p = &*super::PATTERNS;
        let words = "12 221 7 45 ١٢ 12a 221B Baker High Street Road Lane Keizersgracht Singel Dam Van Burg. de \
                     Vlugtlaan SW1A 1AA W1A EC1A 1BB NL91 Élysée Kade Oost Amsterdam en 1015 CJ 1015CJ ٣٤٥٦ KB";
        let mut found = (0, 0);
        for text in random_text::texts(words, 4000) {
            let starts = super::Starts::new(&text);
            found.0 += random_text::gated_matches(&p.postcode_or_street, &text, |at| starts.postcode_or_street(at));
            found.1 += random_text::gated_matches(&p.nl_postcode, &text, |at| starts.nl_postcode(at));
        }
        assert!(found.0 > 500 && found.1 > 300, "{found:?} matches: the words should make addresses");
    }
}
