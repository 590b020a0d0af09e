//! Names after the label of a form field or a list: `Naam: Sky Kok`, `Tenant: Cash
//! Short`, `Apologies: Lake, Sunny Moss`, `Aanwezig: Bo, Storm en Roos de Wit`. Forms,
//! rosters and minutes name people this way, often by names that are words.
//!
//! The label opens a line (past quote marks, bullets, blanks and tags) or follows a
//! `|` or a tab of a table, is one of [`LABELS`] in any case, and a colon follows it. Its value
//! is items apart by `,`, `;`, `&`, `/`, `and` or `en`; each item that is one to four
//! name words (capitalised, particles, initials) is a name. The first item that is
//! not ends the list.

use super::{Kind, Span};

/// Labels of fields and lists that hold people's names, lower-case.
const LABELS: &[&str] = &[
    "name",
    "naam",
    "full name",
    "volledige naam",
    "voornaam",
    "achternaam",
    "first name",
    "last name",
    "surname",
    "vorname",
    "nachname",
    "nom",
    "prénom",
    "tenant",
    "tenants",
    "huurder",
    "huurders",
    "verhuurder",
    "landlord",
    "mieter",
    "locataire",
    "client",
    "klant",
    "kunde",
    "patient",
    "patiënt",
    "member",
    "members",
    "lid",
    "leden",
    "donor",
    "donateur",
    "contact",
    "contactpersoon",
    "emergency contact",
    "noodcontact",
    "attendees",
    "present",
    "aanwezig",
    "afwezig",
    "apologies",
    "absent",
    "afgemeld",
    "guest",
    "guests",
    "gast",
    "gasten",
    "passenger",
    "passengers",
    "passagier",
    "passagiers",
    "driver",
    "bestuurder",
    "chauffeur",
    "owner",
    "eigenaar",
    "parent",
    "parents",
    "ouder",
    "ouders",
    "child",
    "kind",
    "kinderen",
    "signer",
    "ondertekenaar",
    "recipient",
    "ontvanger",
    "buyer",
    "koper",
    "seller",
    "verkoper",
    "employee",
    "medewerker",
    "werknemer",
    "candidate",
    "kandidaat",
    "applicant",
    "sollicitant",
    "student",
    "leerling",
    "teacher",
    "docent",
    "leerkracht",
    "mentor",
    "coach",
    "trainer",
    "referee",
    "scheidsrechter",
    "chair",
    "voorzitter",
    "secretary",
    "secretaris",
    "treasurer",
    "penningmeester",
    "notulist",
    "assignee",
    "reporter",
    "reviewer",
    "requester",
    "aanvrager",
    "beneficiary",
    "begunstigde",
    "account holder",
    "rekeninghouder",
    "cardholder",
    "kaarthouder",
    "name on account",
    "naam rekeninghouder",
    "behandelaar",
    "partner",
    "spouse",
    "echtgenoot",
    "echtgenote",
];

/// The longest label, in characters.
pub(super) const LONGEST_LABEL: usize = 24;
/// A cell is read for a label only when a colon stands within this many bytes of its
/// start (quote marks and tags included): a quick test before the label is read.
const LABEL_WITHIN: usize = 64;
/// The most words of one name.
const MOST_WORDS: usize = 4;
/// How far into its line (bytes) a value is read.
const WINDOW: usize = 256;

/// Adds a [`Kind::Name`] span for each name of a labelled field or list in `text`.
pub(super) fn find(text: &str, spans: &mut Vec<Span>) {
    let mut at = 0;
    for line in super::salutations::lines(text) {
        let start = at;
        at += line.len();
        // Most lines hold no colon at all.
        if memchr::memchr(b':', line.as_bytes()).is_none() {
            continue;
        }
        for cell in cells(line) {
            if let Some(value) = labelled_value(cell) {
                let offset = start + (value.as_ptr() as usize - line.as_ptr() as usize);
                names_in(value, offset, Case::Capitalised, spans);
            }
        }
    }
}

/// The cells of a line: the line, and what follows each `|` or tab in it.
fn cells(line: &str) -> impl Iterator<Item = &str> {
    let bars = memchr::memchr2_iter(b'|', b'\t', line.as_bytes());
    std::iter::once(line).chain(bars.map(move |i| &line[i + 1..]))
}

/// [`LABELS`] as a set: a cell of every row of a table is looked up.
fn labels() -> &'static std::collections::HashSet<&'static str> {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> = std::sync::OnceLock::new();
    SET.get_or_init(|| LABELS.iter().copied().collect())
}

/// True when `cell` is one of [`LABELS`], in any case (`Naam`, `FULL NAME`).
pub(super) fn is_label(cell: &str) -> bool {
    let mut buf = [0u8; LONGEST_LABEL * 2];
    match buf.get_mut(..cell.len()) {
        // ASCII (every label but `prénom`'s kind) is lowered on the stack: most cells
        // of a row are no label, and this runs for each.
        Some(lower) if cell.is_ascii() => {
            lower.copy_from_slice(cell.as_bytes());
            lower.make_ascii_lowercase();
            labels().contains(std::str::from_utf8(lower).unwrap_or_default())
        }
        Some(_) => labels().contains(cell.to_lowercase().as_str()),
        None => false,
    }
}

/// The value after a label that opens `cell`, up to the line's end, a cell's end, an
/// address or a bracket (at most [`WINDOW`] bytes).
fn labelled_value(cell: &str) -> Option<&str> {
    let (label, value) = label_and_value(cell)?;
    if !LABELS.contains(&label.as_str()) {
        return None;
    }
    let mut end = value.find(['\r', '\n', '|', '\t', '<', '(']).unwrap_or(value.len()).min(WINDOW);
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    Some(&value[..end])
}

/// The label that opens `cell` (past quote marks, bullets, blanks and tags), in lower
/// case, and what follows its colon (past blanks and tags, but not an address in angle
/// brackets): `<td><b>Naam:</b> Sky` gives `naam` and `Sky`. The colon stands within
/// [`LONGEST_LABEL`] characters of the label's start; a line with none near its start
/// is passed over at once.
pub(super) fn label_and_value(cell: &str) -> Option<(String, &str)> {
    memchr::memchr(b':', &cell.as_bytes()[..cell.len().min(LABEL_WITHIN)])?;
    let marks = [' ', '\t', '>', '*', '-', '•'];
    // A tag ends within LABEL_WITHIN bytes, or it is no tag: so many cells of one long
    // line (`|<:|<:…`) each read a few bytes, not the rest of the line.
    let tag_end = |r: &str| memchr::memchr(b'>', &r.as_bytes()[..r.len().min(LABEL_WITHIN)]);
    let mut rest = cell.trim_start_matches(marks);
    while let Some(end) = rest.strip_prefix('<').and_then(tag_end) {
        rest = rest[end + 2..].trim_start_matches(marks);
    }
    let colon = rest.char_indices().take(LONGEST_LABEL + 1).find(|&(_, c)| c == ':')?.0;
    let label = rest[..colon].trim_end().to_lowercase();
    let blanks = [' ', '\t', '*'];
    let mut value = rest[colon + 1..].trim_start_matches(blanks);
    while let Some(tag) = value.strip_prefix('<').and_then(|r| tag_end(r).map(|e| &r[..e])) {
        if tag.contains('@') {
            break;
        }
        value = value[tag.len() + 2..].trim_start_matches(blanks);
    }
    Some((label, value))
}

/// How the words of a name may be written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Case {
    /// With a capital, as a name after a label in prose is (`Naam: Sky Kok`).
    Capitalised,
    /// In lower case too: a cell of a name column (`naam` / `bill`, `hope van dam`),
    /// where the header says what every cell holds.
    Any,
}

/// Name spans for the items of `value`, which starts at `offset` in the text.
pub(super) fn names_in(value: &str, offset: usize, case: Case, spans: &mut Vec<Span>) {
    let mut item_start = 0;
    for (sep_at, sep_len) in separators(value).chain(std::iter::once((value.len(), 0))) {
        let item = &value[item_start..sep_at];
        let lead = item.len() - item.trim_start().len();
        let name = item.trim();
        if name.is_empty() || !is_name(name, case) {
            return;
        }
        spans.push(Span::new(offset + item_start + lead..offset + item_start + lead + name.len(), Kind::Name));
        item_start = sep_at + sep_len;
    }
}

/// Where the items of a value are apart, and the separator's length.
fn separators(value: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let words = [" and ", " en ", " & ", " und ", " et "];
    let mut at = 0;
    std::iter::from_fn(move || {
        let rest = &value[at..];
        let punct = rest.find([',', ';', '/']).map(|i| (i, 1));
        let word = words.iter().filter_map(|w| rest.find(w).map(|i| (i, w.len()))).min();
        let (i, len) = [punct, word].into_iter().flatten().min()?;
        at += i + len;
        Some((at - len, len))
    })
}

/// True for one to [`MOST_WORDS`] name words with a capital: capitalised words (not
/// all capitals, past a first initial), particles and initials. With [`Case::Any`],
/// lower-case words too (still not all capitals: `JANSEN` in a name column is left to
/// the vocabulary).
fn is_name(item: &str, case: Case) -> bool {
    let words: Vec<&str> = item.split_whitespace().collect();
    let name_word = |w: &&str| {
        let mut chars = w.chars();
        let first = chars.next().is_some_and(char::is_uppercase) || case == Case::Any;
        let rest_ok = w.chars().all(|c| c.is_alphabetic() || matches!(c, '.' | '-' | '\'' | '’'));
        let letters = w.chars().any(char::is_alphabetic);
        let lower = w.chars().any(char::is_lowercase) || w.len() <= 2;
        (first && rest_ok && letters && lower) || super::names::PARTICLES.contains(w)
    };
    let capital = |w: &&str| w.chars().next().is_some_and(char::is_uppercase);
    (1..=MOST_WORDS).contains(&words.len())
        && words.iter().all(name_word)
        && (case == Case::Any || words.iter().any(capital))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<&str> {
        super::super::found_by(find, text)
    }

    #[test]
    fn labelled_fields_and_lists_name_their_people() {
        let cases: &[(&str, &[&str])] = &[
            ("Naam: Sky Kok\r\n", &["Sky Kok"]),
            ("Emergency contact: Cash Short (brother) 0612345678\n", &["Cash Short"]),
            ("Apologies: Lake, Sunny Moss; Will\n", &["Lake", "Sunny Moss", "Will"]),
            ("Aanwezig: Bo, Storm en Roos de Wit\n", &["Bo", "Storm", "Roos de Wit"]),
            ("> * Tenant: J. Short & Hope Lake\n", &["J. Short", "Hope Lake"]),
            ("| Donor: Sage Short | 50 |\n", &["Sage Short"]),
            ("<p>Huurder: Cash Fox</p>", &["Cash Fox"]),
            ("<td><b>Naam:</b> Sky Kok</td>", &["Sky Kok"]),
        ];
        for (text, want) in cases {
            assert_eq!(names(text), *want, "{text:?}");
        }
    }

    #[test]
    fn a_long_line_of_cells_is_read_a_few_bytes_a_cell() {
        // Each cell's tags were looked for to the line's end.
        let line = "|<:".repeat(50_000);
        assert!(names(&line).is_empty());
        let table = "| Naam: Sky Kok ".repeat(20_000);
        assert_eq!(names(&table).len(), 20_000);
    }

    #[test]
    fn other_labels_and_values_that_are_no_names_name_nobody() {
        for text in [
            "Subject: Cash Prize\n",
            "Name: your full name here\n",
            "Client: 12345\n",
            "Contact: support@example.com\n",
            "Owner: THE BOARD\n",
            "the name: Sky\n",
            "Present: all members present and voting today\n",
        ] {
            assert_eq!(names(text), Vec::<&str>::new(), "{text:?}");
        }
    }
}
