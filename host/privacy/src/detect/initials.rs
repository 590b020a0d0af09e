//! Names written with initials: `J. Pinas`, `S.P. Peters`, `J. W. de Vries`,
//! `Ö. Demir-Lie`. Formal Dutch mail names people this way (a bailiff's subject line,
//! a notary's deed, `T.a.v. J. Jansen`), and the surname is often a word of the
//! vocabulary (`Pinas`, `Storm`, `Zeeman`) that no other cue finds.
//!
//! Initials are capitals with a dot, each a word of its own, with at most one blank
//! between them; one or two blanks, any particles (`van der`, `De`) and a capitalised
//! word that is not all capitals follow. Not names: known abbreviations (`P.S.
//! Thanks`, `U.S. Army`), a lone `I.`, initials before a word that starts sentences
//! (`plan B. The`), and a lone initial opening a line with more after the word
//! (`A. Koopsom en betaling`, a list item; alone on its line, `J. Pinas` is a
//! signature).

use super::names::PARTICLES;
use super::{Kind, Span};

/// Initials that abbreviate something other than a person's given names.
const ABBREVIATIONS: &[&str] = &[
    "A.D.", "A.M.", "B.A.", "B.C.", "B.V.", "C.V.", "D.C.", "E.E.", "E.G.", "E.U.", "I.E.", "L.A.", "M.A.", "M.D.",
    "N.A.", "N.B.", "N.V.", "N.Y.", "O.K.", "P.M.", "P.O.", "P.S.", "Q.E.D.", "R.I.P.", "S.V.P.", "T.V.", "U.K.",
    "U.N.", "U.S.", "U.S.A.", "V.O.F.", "W.C.", "Z.O.Z.",
];

/// Capitalised words that open a sentence far more often than they end a name
/// (`see appendix B. The`, `bijlage C. Graag`).
const SENTENCE_STARTS: &[&str] = &[
    "The", "This", "That", "These", "Those", "We", "It", "In", "On", "At", "For", "If", "You", "Your", "Please",
    "Thanks", "Thank", "See", "And", "But", "Or", "So", "Then", "There", "They", "He", "She", "My", "Our", "As", "To",
    "Is", "Are", "De", "Het", "Een", "Dit", "Dat", "Deze", "Die", "Wij", "Ik", "Je", "Jij", "Hij", "Zij", "Ze", "Uw",
    "Op", "Als", "Voor", "Met", "Er", "Graag", "Dank", "Daarna", "Dan", "Maar", "Ook", "En", "Of", "Bij", "Na", "Zie",
    "Let", "Wat", "Hoe", "Wie", "Waar", "Wanneer", "Zijn", "Wordt", "Kunt", "Kun", "Also", "However", "Helaas", "Ja",
    "Nee",
];

/// The most initials one name carries (`J.W.M.A.`).
const MOST_INITIALS: usize = 5;

/// Adds a [`Kind::Name`] span for every name written with initials in `text`.
pub fn find(text: &str, spans: &mut Vec<Span>) {
    let bytes = text.as_bytes();
    let mut skip_to = 0;
    for dot in memchr::memchr_iter(b'.', bytes) {
        // Most dots end a sentence, a host label or an ellipsis: a lower-case letter, a
        // digit or a dot before them is the one byte needed to pass on.
        let before = dot.checked_sub(1).map(|b| bytes[b]);
        if dot < skip_to || before.is_none_or(|b| b < 0x80 && !b.is_ascii_uppercase()) {
            continue;
        }
        let Some(start) = initial_before(text, dot) else { continue };
        let (end, is_name) = name_from(text, start);
        if is_name {
            spans.push(Span::new(start..end, Kind::Name));
        }
        skip_to = end;
    }
}

/// Where the initial whose dot is at `dot` starts: a capital with no letter, digit,
/// dot or address character before it.
fn initial_before(text: &str, dot: usize) -> Option<usize> {
    let capital = text[..dot].chars().next_back().filter(|c| c.is_uppercase())?;
    let start = dot - capital.len_utf8();
    let before = text[..start].chars().next_back();
    before
        .is_none_or(|c| !(c.is_alphanumeric() || matches!(c, '.' | '@' | '/' | '_' | '-' | '\'' | '’')))
        .then_some(start)
}

/// Where the name written with initials that starts at `start` ends, and true; or,
/// when there is none, where its initials end (the search resumes there), and false.
fn name_from(text: &str, start: usize) -> (usize, bool) {
    let (initials, after) = initials_run(text, start);
    let run = &text[start..after];
    // The run without its blanks (`J. W.` → `J.W.`), on the stack: at most
    // MOST_INITIALS capitals of four bytes and their dots.
    let mut buf = [0u8; MOST_INITIALS * 5];
    let mut len = 0;
    for b in run.bytes().filter(|b| !matches!(b, b' ' | b'\t')) {
        buf[len] = b;
        len += 1;
    }
    let compact = std::str::from_utf8(&buf[..len]).expect("a run of whole characters");
    let lone = initials == 1;
    if initials == 0 || ABBREVIATIONS.contains(&compact) || (lone && compact == "I.") {
        return (after, false);
    }
    let Some((word_start, end)) = surname_after(text, after) else { return (after, false) };
    if SENTENCE_STARTS.contains(&&text[word_start..end]) {
        return (after, false);
    }
    if lone && opens_line(text, start) && !ends_line(text, end) {
        return (after, false);
    }
    (end, true)
}

/// How many initials start at `start` (a capital and a dot each, a blank at most
/// between them), and where the last one's dot ends.
fn initials_run(text: &str, start: usize) -> (usize, usize) {
    let (mut count, mut at, mut end) = (0, start, start);
    while count < MOST_INITIALS {
        let mut chars = text[at..].chars();
        let (Some(c), Some('.')) = (chars.next(), chars.next()) else { break };
        if !c.is_uppercase() {
            break;
        }
        count += 1;
        end = at + c.len_utf8() + 1;
        at = end + usize::from(text[end..].starts_with([' ', '\t']));
    }
    (count, end)
}

/// The surname after initials that end at `at`: one or two blanks, any particles (in
/// any case), then
/// a capitalised word of two letters or more (hyphens and apostrophes inside). Its
/// start and end.
fn surname_after(text: &str, at: usize) -> Option<(usize, usize)> {
    let blanks = text[at..].bytes().take_while(|b| matches!(b, b' ' | b'\t')).count();
    if !(1..=2).contains(&blanks) {
        return None;
    }
    let mut at = at + blanks;
    loop {
        let word_end = at + text[at..].find([' ', '\t']).unwrap_or(text.len() - at);
        // `J. De Vries`, `J. Van Dijk`: a particle may be capitalised after initials.
        let word = &text[at..word_end];
        if !PARTICLES.iter().any(|p| p.eq_ignore_ascii_case(word)) {
            break;
        }
        at = word_end + text[word_end..].bytes().take_while(|b| matches!(b, b' ' | b'\t')).count();
    }
    let word = capitalised_word(&text[at..])?;
    Some((at, at + word))
}

/// The length of the capitalised word that starts `s`: a capital, then letters with
/// inner hyphens and apostrophes, ending in a letter; at least two letters, and not
/// all capitals (`ITEM A. THANKS` is a heading).
fn capitalised_word(s: &str) -> Option<usize> {
    let first = s.chars().next().filter(|c| c.is_uppercase())?;
    let mut end = first.len_utf8();
    let mut last_letter = end;
    for (i, c) in s[end..].char_indices() {
        match c {
            c if c.is_alphabetic() => last_letter = end + i + c.len_utf8(),
            '-' | '\'' | '’' if last_letter == end + i => {}
            _ => break,
        }
    }
    end = last_letter;
    let lower = s[..end].chars().any(char::is_lowercase);
    (end > first.len_utf8() && lower).then_some(end)
}

/// True when only blanks, quote marks, bullets or a list number come before `at` on
/// its line. Read back from `at` over those characters only, so the text before a
/// line's first word is read once however many initials the line holds.
fn opens_line(text: &str, at: usize) -> bool {
    let before = text[..at].chars().rev().find(|&c| {
        !(matches!(c, ' ' | '\t' | '\r' | '>' | '*' | '-' | '•' | '.' | ')' | '"' | '„' | '“') || c.is_ascii_digit())
    });
    before.is_none_or(|c| c == '\n')
}

/// True when only blanks, commas and full stops follow `at` on its line.
fn ends_line(text: &str, at: usize) -> bool {
    let rest = text[at..].trim_start_matches([' ', '\t', ',', '.']);
    rest.is_empty() || rest.starts_with(['\r', '\n'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<&str> {
        super::super::found_by(find, text)
    }

    #[test]
    fn names_with_initials_are_found() {
        let cases: &[(&str, &[&str])] = &[
            ("Aankondiging beslag - J. Pinas - dossier 12", &["J. Pinas"]),
            ("T.a.v. J. Jansen", &["J. Jansen"]),
            ("geschreven door S.P. Peters en J.W. de Vries", &["S.P. Peters", "J.W. de Vries"]),
            ("met J. W. van der Storm gesproken", &["J. W. van der Storm"]),
            ("gesprek met Ö. Demir-Lie gisteren", &["Ö. Demir-Lie"]),
            ("Groet,\r\nJ. Zeeman\r\n", &["J. Zeeman"]),
            ("(A. Appel)", &["A. Appel"]),
            ("brief van J. De Vries en J. Van Dijk", &["J. De Vries", "J. Van Dijk"]),
            ("Groet,\r\n  J. Pinas ,\r\n", &["J. Pinas"]),
        ];
        for (text, want) in cases {
            assert_eq!(names(text), *want, "{text:?}");
        }
    }

    #[test]
    fn a_line_of_many_initials_is_read_once() {
        // Each lone initial mid-line once read the whole line back to its start.
        let line = " x A. Bob".repeat(50_000);
        assert_eq!(names(&line).len(), 50_000);
    }

    #[test]
    fn abbreviations_sentence_ends_and_list_items_are_no_names() {
        let cases = [
            "P.S. Thanks for coming",
            "the U.S. Army",
            "Zie bijlage B. Graag reactie",
            "see appendix B. The rest",
            "A. Koopsom en betaling\r\nB. Levering van de woning",
            "and I. Went home",
            "mail j.pinas@voorbeeld.nl or see www.A. Link",
            "versie 3.B. Nieuw",
            "e.g. Something",
            "J. alone",
            "J. X",
            "ITEM A. THANKS",
            "take vitamin D. Also rest",
            "bijlage B. De stukken",
        ];
        for text in cases {
            assert_eq!(names(text), Vec::<&str>::new(), "{text:?}");
        }
    }
}
