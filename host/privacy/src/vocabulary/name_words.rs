//! Words of the vocabulary that are part of a name beside them.
//!
//! - Any capitalised word right after a name-shaped pseudonym (`Walter Pope`, `Jerrel
//!   Pinas`, `Kwak-Klein`, `Johannes ter Brood`): a surname that is also a word. Only
//!   one such word: `Walter Pope Funeral Home` keeps `Funeral Home`.
//! - Words that name people often enough to be a name beside another name, but are too
//!   common to be names on their own: `Cash Okoro`, `Sky Patel`, `Mercy Eze`, `Joy
//!   Short`, `Grace Bull`, `Bo Keizer`. Alone (`Cash back`, `Sky News`, `Short notice`)
//!   they pass; right beside a capitalised word that does not pass, or beside another
//!   of them (`Cash Short`), they are part of that name and become pseudonyms too.

use super::name_openers::{announces_a_name, announces_a_street};
use super::{in_lower_case, passes};
use crate::detect::names::PARTICLES;
use std::collections::HashSet;
use std::sync::OnceLock;

/// Given names and surnames that are frequent words of English or Dutch (the ninth
/// probe's `Cash`, `Sky`, `River`, `Silver`, `Mercy`, `Patience`, `Short`, `Lake`; the
/// tenth's `Greet`, `Kit`, `Scout`, `Honey`, `Juniper`, `Lotus`), in
/// lower case. Words listed as names outright (`surnames.txt`, `first-names.txt`)
/// are not here: capitalised, they never pass.
const NAME_WORDS: &str =
    "sky river silver cash mercy patience sunny lake short bull sparrow pope rain bear autumn spring star angel
major duke judge chance case chase swift pearl ruby poppy violet olive crystal misty precious destiny harmony
journey liberty golden rock bridge crane swan finch wren lark bo bee jet merry hoop lang kort sterk haar klein de
greet wil lot kit scout honey reef chip juniper ash dot clover marigold sorrel lotus pip blue ocean story con june";

fn name_words() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| NAME_WORDS.split_whitespace().collect())
}

/// A capitalised pseudonym just rendered, which the next word may belong to.
#[derive(Clone, Copy)]
pub(super) struct NameBefore {
    /// Where it ends (bytes), past any particles after it (`van der`).
    pub end: usize,
    /// What it was.
    pub shape: Shape,
}

/// What a capitalised pseudonym was, which decides what may follow it in a name.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// A token of another shape (`DESKTOP`, `NL91`, `McDonald`): only a name word
    /// ([`NAME_WORDS`]) after it is part of it.
    Other,
    /// A word of a name's shape (`Jerrel`): any capitalised word after it is its
    /// surname, and a neighbour in a list of names is a name too.
    Name,
    /// A word this module made a pseudonym (`Pope` of `Walter Pope`): a neighbour in a
    /// list of names is a name too, but the word after it is not its surname.
    Part,
}

impl Shape {
    /// The shape of the capitalised `token`: [`Shape::Name`] for a capital, then
    /// lower-case letters (`Pinas`, `Jerrel`), not an acronym, a product (`iPhone`) or a
    /// code (`NL91`).
    pub(super) fn of(token: &str) -> Shape {
        if capitalised(token) { Shape::Name } else { Shape::Other }
    }
}

/// True when the word `text[start..start + len]`, which passes in clear, is part of a
/// name beside it:
/// - any capitalised word right after a pseudonym of a [name's shape](Shape::Name)
///   ([`joins`]) or in quotes or brackets after one (`Pieter "Biscuit" Jansen`), or
///   right before a hyphen and a name-shaped word that does not pass (`Klein-Boer`);
/// - a capitalised word that is an item of a list of names ([`in_a_list`]);
/// - a capitalised word of a family (`The Lake family`, `familie Haar`);
/// - a capitalised word after a street type that stands before the street's name
///   ([`announces_a_street`]: `rue des Glycines`);
/// - a name word ([`NAME_WORDS`], capitalised) right after any capitalised pseudonym,
///   after a name-shaped one and `, ` (`Goodchild, Patience`), before one blank and
///   a capitalised word that does not pass or is a name word too, or after a word
///   that announces a name ([`announces_a_name`]: `little Rain`, `Cheers, Rain`).
pub(super) fn beside_a_name(text: &str, start: usize, len: usize, before: Option<NameBefore>) -> bool {
    let (word, rest) = (&text[start..start + len], &text[start + len..]);
    if !capitalised(word) {
        return false;
    }
    let right_after = before.filter(|b| joins(&text[b.end..start]));
    let after_name = |gaps: &[&str]| {
        before.is_some_and(|b| {
            b.shape == Shape::Name && gaps.iter().any(|g| b.end + g.len() == start && text[b.end..].starts_with(g))
        })
    };
    let nickname = after_name(&[" \"", " (", " “", " '"]) && rest.starts_with(['"', ')', '”', '\'']);
    if right_after.is_some_and(|b| b.shape == Shape::Name && !day_of_an_event(text, b.end, word))
        || nickname
        || hyphen_name_after(rest)
        || of_a_family(word, &text[..start], rest)
        || in_a_list(&text[..start], rest, before)
        || announces_a_street(&text[..start])
    {
        return true;
    }
    is_name_word(word)
        && (right_after.is_some()
            || after_name(&AND)
            || after_name(&[", "])
            || name_after(rest)
            || announces_a_name(&text[..start], rest))
}

/// The words that join two people (`Silver and Kenji`, `Sky en Daan`), with their
/// blanks.
const AND: [&str; 3] = [" and ", " en ", " & "];

/// True for what may stand between two parts of one name: a blank, a hyphen or an
/// underscore (`Ramírez_Best.jpg`), or a closing quote or bracket and a blank after a
/// nickname (`Walter "Walt" Pope`, `G.H. (Grietje) Klein`).
fn joins(gap: &str) -> bool {
    matches!(gap, " " | "-" | "_" | "\" " | ") " | "' " | "” ")
}

/// True for a word between `head` and `rest` that is a whole item of a list beside a
/// name: after a [separator](LIST_SEPARATORS) and a pseudonym of a name's shape or one
/// made here (`Pieter, Haar, Es`), or before one and a capitalised name-shaped word
/// that does not pass (`rijden: Go, Pieter`, `Peach,Honey,Okoro`). An item starts
/// after a separator, `: `, ` - ` (`programme - Poppy, Rose`) or `(`, and ends at a separator, `)` or a line end. A line's
/// first word is an item only before a separator without a blank (a CSV row's first
/// cell), not before `, ` (`Thanks, Anna`).
fn in_a_list(head: &str, rest: &str, before: Option<NameBefore>) -> bool {
    let whole = rest.is_empty() || rest.starts_with([',', ';', ')', '\t', '\r', '\n']);
    let line_start = head.is_empty() || head.ends_with('\n');
    let opens = line_start
        || head.ends_with(": ")
        || head.ends_with(" - ")
        || head.ends_with('(')
        || LIST_SEPARATORS.iter().any(|s| head.ends_with(s));
    if !whole || !opens {
        return false;
    }
    let after_name = before.is_some_and(|b| {
        b.shape != Shape::Other && LIST_SEPARATORS.iter().any(|s| b.end + s.len() == head.len() && head.ends_with(s))
    });
    let separator = LIST_SEPARATORS.iter().find(|s| rest.starts_with(**s));
    let before_name =
        separator.filter(|s| !line_start || !s.ends_with(' ')).is_some_and(|s| opens_with_a_name(&rest[s.len()..]));
    after_name || before_name
}

/// What stands between the items of a list of names, longest first: `, ` and `; ` in
/// prose, `,`, `;` and a tab in exported rows.
const LIST_SEPARATORS: [&str; 5] = [", ", "; ", ",", ";", "\t"];

/// True when `rest` is a hyphen and a name-shaped word that does not pass
/// (`-Boer` of `Klein-Boer`).
fn hyphen_name_after(rest: &str) -> bool {
    rest.strip_prefix('-').is_some_and(opens_with_a_name)
}

/// True when `text` opens with a whole name-shaped word (ASCII letters, nothing
/// alphanumeric glued on) that does not pass in clear.
fn opens_with_a_name(text: &str) -> bool {
    let len = text.bytes().take_while(u8::is_ascii_alphabetic).count();
    let word = &text[..len];
    capitalised(word) && !text[len..].starts_with(|c: char| c.is_alphanumeric()) && !passes(word)
}

/// True for a word between `head` and `rest` that names a family: before ` family`
/// (`The Lake family`), or after Dutch `familie ` or `fam. ` (`familie Haar`).
/// A determiner or possessive (`The family`, `Our family`, `Het gezin`) is none.
fn of_a_family(word: &str, head: &str, rest: &str) -> bool {
    let after = [" family", " Family", " gezin"].iter().any(|f| rest.starts_with(f)) && !DETERMINERS.contains(&word);
    after || ["familie ", "Familie ", "fam. ", "Fam. "].iter().any(|f| head.ends_with(f))
}

/// Capitalised words that open a noun phrase (`The family`, `Ons gezin`): never a name.
/// Those that are also surnames (`Haar`, `Her`, `An`, `De`, `Hun`) are left out: `The
/// Haar family` names the Haars.
const DETERMINERS: [&str; 18] = [
    "The", "A", "Our", "Your", "My", "His", "Their", "This", "That", "Whole", "Entire", "Het", "Ons", "Onze", "Jullie",
    "Mijn", "Zijn", "Uw",
];

/// Weekdays and the months that are no given names (not March, April, May, June or
/// August), capitalised: after a word that names an event (`Black Friday`, `Cyber
/// Monday`, `Bank Holiday Monday`) one is no surname. After a name it still is
/// (`Grace Sunday`, `Emmanuel Friday`).
const DAYS_AND_MONTHS: [&str; 14] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "January",
    "February",
    "July",
    "September",
    "October",
    "November",
    "December",
];

/// Words that name an event with its day (`Black Friday`, `Easter Monday`), capitalised.
const EVENT_WORDS: [&str; 14] = [
    "Black", "Cyber", "Good", "Easter", "Boxing", "Super", "Giving", "Travel", "Blue", "Holy", "Palm", "Shrove",
    "Holiday", "Whit",
];

/// True for a weekday or month after a word that names an event: `Friday` in `Black
/// Friday`, whose `Black` ends at `end` one blank before.
fn day_of_an_event(text: &str, end: usize, word: &str) -> bool {
    let before = &text[..end];
    // The word before is read only for a day or month (rare), never for every surname.
    DAYS_AND_MONTHS.contains(&word)
        && EVENT_WORDS.contains(&before.rsplit(|c: char| !c.is_alphanumeric()).next().unwrap_or(before))
}

/// `before`, carried past the word `text[start..start + len]` if it is a surname
/// particle one blank after it (`Johannes ter Brood`), kept as it is past `and` or `en`
/// one blank after it (`Hope en Bo`); else `None`.
pub(super) fn particle_after(text: &str, start: usize, len: usize, before: Option<NameBefore>) -> Option<NameBefore> {
    let b = before.filter(|b| b.end + 1 == start && text.as_bytes()[b.end] == b' ')?;
    let word = &text[start..start + len];
    // `and` or `en` after a name keeps that name as the one before, so that a name word
    // after it is read as the next name of the pair (`Hope en Bo`).
    if AND.iter().any(|a| a.trim() == word) {
        return Some(b);
    }
    PARTICLES.contains(&word).then_some(NameBefore { end: start + len, ..b })
}

/// True for a listed surname in lower case one blank after a pseudonym of a name's
/// shape (`Lucas smit`, `Anna de jong` after its particle): lists and chat typed in
/// lower case keep the name's order. Other lower-case words after a name pass (`Anna
/// belt`, `Jan has`).
pub(super) fn surname_in_lower_case(text: &str, start: usize, word: &str, before: NameBefore) -> bool {
    before.shape == Shape::Name
        && before.end + 1 == start
        && text.as_bytes()[before.end] == b' '
        && super::name_lists::is_surname(word)
}

/// True for a capital then lower-case letters, two or more (`Pinas`, `Aydın`,
/// `Öztürk`); ASCII is read byte by byte.
fn capitalised(word: &str) -> bool {
    let b = word.as_bytes();
    if b.is_ascii() {
        return b.len() >= 2 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_lowercase);
    }
    let mut chars = word.chars();
    chars.next().is_some_and(char::is_uppercase) && chars.clone().next().is_some() && chars.all(char::is_lowercase)
}

/// True for a capitalised word (capital, then lower case) of [`NAME_WORDS`].
pub(super) fn is_name_word(word: &str) -> bool {
    capitalised(word) && in_lower_case(word, |w| name_words().contains(w))
}

/// True when `rest` starts with one blank (or `and` between blanks) and a capitalised
/// word that does not pass in clear or is a name word.
fn name_after(rest: &str) -> bool {
    let joined = AND.iter().find_map(|a| rest.strip_prefix(a));
    let Some(mut next) = joined.or_else(|| rest.strip_prefix(' ')) else { return false };
    // Particles before a surname (`Lotus de Wit`, `Greet van der Appel`).
    for _ in 0..2 {
        match PARTICLES.iter().find_map(|p| next.strip_prefix(p).and_then(|r| r.strip_prefix(' '))) {
            Some(after) => next = after,
            None => break,
        }
    }
    let len = next.bytes().take_while(u8::is_ascii_alphabetic).count();
    let word = &next[..len];
    word.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
        && word.len() >= 2
        && (!passes(word) || is_name_word(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_word_beside_a_name_is_part_of_it() {
        let beside = |text: &str, word: &str, before: Option<usize>| {
            let start = text.find(word).unwrap();
            let before = before.map(|end| NameBefore { end, shape: Shape::Part });
            beside_a_name(text, start, word.len(), before)
        };
        assert!(beside("New starter: Cash Okoro (he/him)", "Cash", None));
        assert!(beside("Cash Short", "Cash", None));
        assert!(beside("p.a1b2 Short", "Short", Some(6)));
        assert!(!beside("Cash back on every order", "Cash", None));
        assert!(!beside("Watch Sky News tonight", "Sky", None));
        assert!(!beside("at short notice", "short", None));
        assert!(!beside("p.a1b2  Short", "Short", Some(6)), "two blanks");
        assert!(beside("Klein-Okoro", "Klein", None));
        assert!(!beside("Well-Known", "Well", None), "both words");
        assert!(beside("The Lake family gave", "Lake", None));
        assert!(!beside("The family gave", "The", None) && !beside("Our family", "Our", None));
        assert!(beside("The Haar family", "Haar", None), "a surname that is also a determiner");
        assert!(beside("bij familie Haar thuis", "Haar", None));
        assert!(!beside("Lake district", "Lake", None));
        assert!(beside("Hi Silver and Nakamura - please sign", "Silver", None));
        assert!(!beside("Silver and Gold", "Silver", None), "two words");
        assert!(beside("Greet Appel en Lotus de Okoro", "Greet", None) && beside("en Lotus de Okoro", "Lotus", None));
        assert!(!beside("Lotus de luxe", "Lotus", None));
    }

    #[test]
    fn a_capitalised_word_after_a_name_shaped_pseudonym_is_its_surname() {
        let after = |text: &str, word: &str, end: usize, name: bool| {
            let start = text.rfind(word).unwrap();
            let shape = if name { Shape::Name } else { Shape::Part };
            beside_a_name(text, start, word.len(), Some(NameBefore { end, shape }))
        };
        // `p.1` stands for a pseudonym of a name-shaped word (`Walter`).
        assert!(after("p.1 Pope", "Pope", 3, true));
        assert!(!after("Black Friday deals", "Friday", 5, true), "Black Friday");
        assert!(after("Grace Sunday", "Sunday", 5, true), "a surname that is a weekday");
        assert!(after("p.1-Klein", "Klein", 3, true));
        assert!(after("p.1_Best.jpg", "Best", 3, true));
        assert!(after("\"p.1\" Pope", "Pope", 4, true));
        assert!(after("(p.1) Klein", "Klein", 4, true));
        assert!(after("p.1 and Sky", "Sky", 3, true), "a name word after a name and `and`");
        assert!(!after("p.1 and Sky", "Sky", 3, false));
        assert!(!after("p.1 and Later", "Later", 3, true), "not a name word");
        assert!(after("p.1 \"Biscuit\" p.2", "Biscuit", 3, true), "a nickname");
        assert!(after("p.1 (Riek) p.2", "Riek", 3, true));
        assert!(!after("p.1 (Later", "Later", 3, true), "no closing bracket");
        assert!(!after("p.1 Funeral", "Funeral", 3, false), "a pseudonym made here extends no further");
        assert!(!after("p.1 pope", "pope", 3, true), "lower case");
        assert!(!after("p.1, Funeral said", "Funeral", 3, true), "a comma ends the name");
        assert!(!after("p.1\r\nPope", "Pope", 3, true), "so does a line end");
    }

    #[test]
    fn a_word_in_a_list_of_names_is_a_name() {
        let after = |text: &str, word: &str, end: usize, shape: Shape| {
            let start = text.rfind(word).unwrap();
            beside_a_name(text, start, word.len(), Some(NameBefore { end, shape }))
        };
        assert!(after("rijden: p.1, Haar, Es", "Haar", 11, Shape::Name));
        assert!(after("rijden: p.1, Haar, Es", "Es", 17, Shape::Part));
        assert!(after("(p.1, Can)", "Can", 4, Shape::Name));
        assert!(!after("p.1, Haar", "Haar", 3, Shape::Other), "a code is no name");
        assert!(!after("p.1, Soms knippen", "Soms", 3, Shape::Name), "no whole item");
        assert!(after("p.1, Patience 21:48", "Patience", 3, Shape::Name), "a name word after `Surname, `");
        assert!(!after("p.1: Klacht", "Klacht", 3, Shape::Name), "a label's value");
        let before = |text: &str, word: &str| {
            let start = text.find(word).unwrap();
            beside_a_name(text, start, word.len(), None)
        };
        assert!(before("rijden: Go, Okoro, Tan", "Go"));
        assert!(!before("Thanks, Okoro", "Thanks"), "a line's first word");
        assert!(!before("rijden: Go, Later", "Go"), "a word after it");
        assert!(before("Peach,Honey,Okoro,3", "Honey") && before("Peach,Okoro,3", "Peach"), "a CSV row");
        assert!(before("4;Kort;Okoro", "Kort") && before("Slagwerk\tTrommel\tOkoro", "Trommel"));
        assert!(!before("Thanks, Okoro", "Thanks") && !before("Thanks,\nOkoro", "Thanks"));
        assert!(
            !before("Quote Vermeulen", "Quote") && !before("Bank Holiday", "Bank"),
            "no rule for a word before a name"
        );
    }

    #[test]
    fn particles_carry_a_name_to_its_surname() {
        let text = "Johannes ter Brood";
        let before = Some(NameBefore { end: 8, shape: Shape::Name });
        let carried = particle_after(text, 9, 3, before).expect("`ter` is a particle");
        assert_eq!(carried.end, 12);
        assert!(beside_a_name(text, 13, 5, Some(carried)));
        assert!(particle_after("Johannes met Brood", 9, 3, before).is_none());
    }
}
