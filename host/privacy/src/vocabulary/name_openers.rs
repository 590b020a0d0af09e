//! Words that announce a name right after them, for the name words ([`NAME_WORDS`])
//! that pass in clear on their own: kin and endearments (`little Rain`, `baby Sky`,
//! `tante Storm`, `my sister Hope`) and greetings and closings with the name alone
//! after them (`Groetjes, Jet`, `Cheers, Rain`, `Thanks Sky!`). A probe's lists
//! pseudonymised every other name and left these.
//!
//! Street types of French, Spanish, Italian, Portuguese and Polish that stand before
//! the street's name announce any capitalised word after them (`rue des Glycines`,
//! `Calle Mayor`, `Via Roma`): a street is part of an address whatever its words.
//!
//! [`NAME_WORDS`]: super::name_words

/// Words after which a name word is somebody's name, lower-case, sorted; plurals
/// open a list (`kleinkinderen Bo, Sem en Tess`).
const KIN: [&str; 53] = [
    "aunt",
    "auntie",
    "baby",
    "broer",
    "broers",
    "broertje",
    "brother",
    "brothers",
    "buurman",
    "buurvrouw",
    "children",
    "cousin",
    "dad",
    "daddy",
    "daughter",
    "daughters",
    "dochter",
    "dochters",
    "friend",
    "grandchildren",
    "grandma",
    "grandpa",
    "granny",
    "juf",
    "kids",
    "kinderen",
    "kleine",
    "kleinkinderen",
    "lieve",
    "little",
    "meester",
    "mom",
    "mum",
    "mummy",
    "nana",
    "neef",
    "neefje",
    "nicht",
    "nichtje",
    "niece",
    "oma",
    "oom",
    "opa",
    "sister",
    "sisters",
    "son",
    "sons",
    "tante",
    "uncle",
    "zonen",
    "zoon",
    "zus",
    "zussen",
];

/// Greetings and closings, lower-case, sorted: the name word after them must end
/// its clause (`Thanks Sky!`, not `Thanks Sky News`).
const GREETINGS: [&str; 24] = [
    "bedankt",
    "best",
    "beste",
    "bisous",
    "cheers",
    "ciao",
    "dank",
    "dear",
    "greetings",
    "groet",
    "groeten",
    "groetjes",
    "hallo",
    "hello",
    "hey",
    "hi",
    "hoi",
    "liefs",
    "love",
    "merci",
    "regards",
    "thanks",
    "thx",
    "xx",
];

/// True when the word before a name word (`head` ends right before it) announces a
/// name: one of [`KIN`] and a blank, or one of [`GREETINGS`] and a blank or `, `,
/// with the clause ending right after the name word (`rest`).
pub(super) fn announces_a_name(head: &str, rest: &str) -> bool {
    let Some(before) = head.strip_suffix(' ') else { return false };
    let greeting_gap = before.strip_suffix(',');
    let word_of = |s: &str| {
        let start =
            s.rfind(|c: char| !c.is_alphabetic()).map_or(0, |i| i + s[i..].chars().next().map_or(1, char::len_utf8));
        s[start..].to_lowercase()
    };
    let ends = rest.is_empty() || rest.starts_with([',', '!', '.', ':', ';', ')', '\r', '\n']);
    let greeting = |s: &str| {
        let word = word_of(s);
        GREETINGS.binary_search(&word.as_str()).is_ok() || (word == "you" && thank_you(s))
    };
    let greeted = |s: &str| ends && greeting(s);
    match greeting_gap {
        Some(before) => greeted(before),
        None => KIN.binary_search(&word_of(before).as_str()).is_ok() || greeted(before),
    }
}

/// True when `s` ends with `thank you` in any case (`Thank you Kit!`).
fn thank_you(s: &str) -> bool {
    s.len() >= 9 && s.is_char_boundary(s.len() - 9) && s[s.len() - 9..].eq_ignore_ascii_case("thank you")
}

/// Street types written before the street's name, lower-case, sorted (`Allée` is
/// matched in ASCII case only). `place`, `via`
/// and `avenue` are English words too: they count only capitalised or after a house
/// number ([`announces_a_street`]).
const STREET_TYPES: [&str; 18] = [
    "al",
    "allée",
    "avenida",
    "avenue",
    "boulevard",
    "calle",
    "chemin",
    "corso",
    "impasse",
    "piazza",
    "place",
    "plaza",
    "quai",
    "rua",
    "rue",
    "ul",
    "via",
    "viale",
];

/// Articles between a street type and its name (`rue des`, `calle de la`, `via
/// della`), lower-case.
const ARTICLES: [&str; 12] = ["d'", "da", "de", "del", "della", "des", "di", "do", "dos", "du", "la", "le"];

/// True when `head` (the text right before a capitalised word) ends with a street
/// type and a blank, or a street type, articles and blanks: `14 bis, rue des `,
/// `Via `, `27 avenue `.
pub(super) fn announces_a_street(head: &str) -> bool {
    let mut before = head;
    // The type, and up to two articles after it (`calle de la `). No allocation: this
    // runs for every capitalised word that passes.
    for _ in 0..3 {
        let Some(trimmed) = before.strip_suffix(' ') else { return false };
        // The word before the blank, read from the last eleven bytes at most: a type
        // or an article is no longer than ten (`boulevard.`, `allée`).
        let b = trimmed.as_bytes();
        let from = b.len().saturating_sub(11);
        let word_start = match b[from..].iter().rposition(|c| matches!(c, b' ' | b'\n' | b'\t' | b',' | b'(')) {
            Some(i) => from + i + 1,
            None if from == 0 => 0,
            None => return false,
        };
        let word = &trimmed[word_start..];
        let bare = word.strip_suffix('.').unwrap_or(word);
        if !(2..=9).contains(&bare.len()) {
            return false;
        }
        if let Some(kind) = STREET_TYPES.iter().find(|t| t.eq_ignore_ascii_case(bare)) {
            let english = matches!(*kind, "place" | "via" | "avenue");
            let capital = word.starts_with(|c: char| c.is_uppercase());
            let number = trimmed[..word_start].trim_end_matches([' ', ',']);
            let numbered = number.ends_with(|c: char| c.is_ascii_digit()) || number.ends_with("bis");
            return !english || capital || numbered;
        }
        if !ARTICLES.iter().any(|a| a.eq_ignore_ascii_case(bare)) {
            return false;
        }
        before = &trimmed[..word_start];
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lists_are_sorted_for_their_search() {
        assert!(KIN.is_sorted() && GREETINGS.is_sorted() && STREET_TYPES.is_sorted());
    }

    #[test]
    fn kin_and_greetings_announce_a_name() {
        for (head, rest) in [
            ("We bring little ", " and"),
            ("and oma ", ""),
            ("Groetjes, ", "\r\n"),
            ("Cheers, ", ""),
            ("Thanks ", "!"),
            ("Hi ", ", how are you"),
            ("Thank you ", "!"),
        ] {
            assert!(announces_a_name(head, rest), "{head:?} {rest:?}");
        }
        for (head, rest) in [("Thanks ", " News today"), ("the ", "."), ("Cheers,", ""), ("a little", "")] {
            assert!(!announces_a_name(head, rest), "{head:?} {rest:?}");
        }
    }

    #[test]
    fn a_street_type_before_a_name_announces_a_street() {
        for head in ["14 bis, rue des ", "Calle ", "calle de la ", "Via ", "27 avenue ", "ul. ", "Place "] {
            assert!(announces_a_street(head), "{head:?}");
        }
        for head in ["we went via ", "a place ", "the avenue ", "des ", "rue"] {
            assert!(!announces_a_street(head), "{head:?}");
        }
    }
}
