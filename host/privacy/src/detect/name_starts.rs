//! Where the name patterns of [`names`](super::names) may start, found without
//! running them over the whole text: a listed first name at a word start, and a cue
//! word (`met`, `ask`, `vraag het aan`, `t.n.v.`) before blanks and a capital. Each is
//! a necessary condition for a match there, never a sufficient one; the pattern,
//! anchored at each place (see [`Gated`](super::triggers::Gated)), decides.

use super::triggers::Starts;
use std::collections::BTreeSet;
use std::sync::LazyLock;

/// The names of `first-names.txt`, sorted.
pub(crate) fn first_names() -> BTreeSet<&'static str> {
    include_str!("first-names.txt").lines().filter(|l| !l.starts_with('#')).flat_map(str::split_whitespace).collect()
}

/// The listed first names, sorted, and where those with each first two bytes stand in
/// that list. Every name starts with an ASCII capital and has two bytes or more.
struct FirstNames {
    sorted: Vec<&'static str>,
    /// For the first two bytes `[a, b]`, at `(a - b'A') * 256 + b`: the first index in
    /// `sorted` of the names that start with them, and how many there are.
    heads: Vec<(u8, u8)>,
}

static FIRST_NAMES: LazyLock<FirstNames> = LazyLock::new(|| {
    let sorted: Vec<&str> = first_names().into_iter().collect();
    assert!(sorted.len() < 256, "first names are indexed by a byte");
    let mut heads = vec![(0u8, 0u8); 26 * 256];
    for (i, name) in sorted.iter().enumerate() {
        let &[a @ b'A'..=b'Z', b, ..] = name.as_bytes() else { panic!("first name {name:?}") };
        let head = &mut heads[usize::from(a - b'A') * 256 + usize::from(b)];
        *head = if head.1 == 0 { (i as u8, 1) } else { (head.0, head.1 + 1) };
    }
    FirstNames { sorted, heads }
});

/// True when `word` (in any case) is a listed first name, whole.
pub(crate) fn is_first_name(word: &str) -> bool {
    // An ASCII word is title-cased on the stack: this is asked of many words.
    let mut buf = [0u8; 32];
    if let Some(title) = buf.get_mut(..word.len()).filter(|_| word.is_ascii() && !word.is_empty()) {
        title.copy_from_slice(word.as_bytes());
        title.make_ascii_lowercase();
        title[0].make_ascii_uppercase();
        let title = std::str::from_utf8(title).expect("ASCII");
        return FIRST_NAMES.sorted.binary_search(&title).is_ok();
    }
    let mut chars = word.chars();
    let Some(first) = chars.next() else { return false };
    let title: String = first.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect();
    FIRST_NAMES.sorted.binary_search(&title.as_str()).is_ok()
}

/// True when a listed first name starts at `i`: where the known-name pattern may match.
pub(crate) fn first_name_at(bytes: &[u8], i: usize) -> bool {
    let Some(&[a @ b'A'..=b'Z', b]) = bytes.get(i..i + 2) else { return false };
    let names = &*FIRST_NAMES;
    let (from, count) = names.heads[usize::from(a - b'A') * 256 + usize::from(b)];
    let same_head = &names.sorted[usize::from(from)..usize::from(from) + usize::from(count)];
    same_head.iter().any(|n| bytes[i..].starts_with(n.as_bytes()))
}

/// Where a cue of the cue pattern may start, in order: at each of the (at most
/// [`MOST_TITLES`]) titles and at the cue word before the blanks before each capital
/// (`met Jan`, `mevrouw Jansen`), at the first word of a multi-word cue that ends there
/// (`vraag het aan Jan`), and at a `t.n.v.` there. Each match of the pattern starts at
/// one of these: its name starts with a capital after blanks.
pub(super) fn cue_starts(text: &str, starts: &Starts) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let blanks_before = |at: usize| bytes[..at].iter().rposition(|b| !matches!(b, b' ' | b'\t')).map_or(0, |i| i + 1);
    for capital in starts.capitals() {
        let mut end = blanks_before(capital);
        if end == 0 {
            continue;
        }
        if end == capital || matches!(bytes[end - 1], b'\n' | b'>') {
            // A title or a cue may end the line before the name (`de heer` / `   Vonk`).
            let Some(before) = end_of_the_line_before(bytes, end) else { continue };
            end = before;
        }
        // Titles before the name (`mr. drs.`), a match may start at each; a cue word
        // may stand before them (`ask Dr. Fisher`).
        for _ in 0..MOST_TITLES {
            let Some(title) = title_ending_at(bytes, end) else { break };
            out.push(title);
            end = blanks_before(title);
        }
        let start = bytes[..end].iter().rposition(|b| !b.is_ascii_alphabetic()).map_or(0, |i| i + 1);
        if ends_with_ascii_case(&bytes[..end], b"t.n.v.") {
            out.push(end - 6);
        }
        match cue_word(&bytes[start..end]) {
            Some(Cue::Word) => out.push(start),
            Some(Cue::Last(phrases)) => {
                out.extend(
                    phrases.iter().filter(|p| ends_with_ascii_case(&bytes[..start], p)).map(|p| start - p.len()),
                );
                out.push(start);
            }
            None => {}
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Where the line before `at` ends, past its blanks, when only blanks, quote marks and
/// one line break stand between (`de heer` / `   Vonk`, `Mrs` / `> Lake`).
fn end_of_the_line_before(bytes: &[u8], at: usize) -> Option<usize> {
    let quoted = bytes[..at].iter().rposition(|b| !matches!(b, b' ' | b'\t' | b'>')).map_or(0, |i| i + 1);
    let line_break = quoted.checked_sub(1).filter(|&e| bytes[e] == b'\n')?;
    let end = line_break - usize::from(line_break > 0 && bytes[line_break - 1] == b'\r');
    let end = bytes[..end].iter().rposition(|b| !matches!(b, b' ' | b'\t')).map_or(0, |i| i + 1);
    // Titles and cue words end in a letter or a dot; most lines end otherwise.
    Some(end).filter(|&e| e > 0 && (bytes[e - 1].is_ascii_alphabetic() || bytes[e - 1] == b'.'))
}

/// Titles that are words (`mevrouw`, `Sir`, `dokter`), as written (`MS Teams` is no
/// name): without a dot (`naar de dokter. Hij` is no name).
pub(super) const WORD_TITLES: [&str; 21] = [
    "Heer", "heer", "Mevrouw", "mevrouw", "Meneer", "meneer", "Mijnheer", "mijnheer", "Herr", "Frau", "Monsieur",
    "Madame", "Sir", "Familie", "familie", "Dokter", "dokter", "Notaris", "notaris", "Mme", "Mlle",
];
/// Abbreviated titles whose dot is optional (`Mr`, `Mr.`, `dhr Jansen`).
pub(super) const ABBREVIATED_TITLES: [&str; 13] =
    ["Mr", "Mrs", "Ms", "Dr", "Prof", "Dhr", "dhr", "Mevr", "mevr", "Mw", "mw", "Drs", "Ir"];
/// Titles that are one only with their dot: those that are also words or units in
/// lower case (`35 ms Average`), `ing.` and `fam.`.
pub(super) const DOTTED_TITLES: [&str; 11] = ["mr", "mrs", "ms", "dr", "prof", "drs", "ir", "Ing", "ing", "Fam", "fam"];
/// Most titles before one name (`prof. dr. ir.`): a longer run of them is no chain,
/// and its search stays short.
pub(super) const MOST_TITLES: usize = 3;

/// True when `word` is a title, with its dot if it needs one and none if it takes none.
pub(crate) fn is_title(word: &str) -> bool {
    match word.strip_suffix('.') {
        Some(bare) => ABBREVIATED_TITLES.contains(&bare) || DOTTED_TITLES.contains(&bare),
        None => WORD_TITLES.contains(&word) || ABBREVIATED_TITLES.contains(&word),
    }
}

/// Where the title that ends at `end` starts, if one does.
fn title_ending_at(bytes: &[u8], end: usize) -> Option<usize> {
    let word_end = end - usize::from(bytes[..end].ends_with(b"."));
    let start = bytes[..word_end].iter().rposition(|b| !b.is_ascii_alphabetic()).map_or(0, |i| i + 1);
    std::str::from_utf8(&bytes[start..end]).is_ok_and(is_title).then_some(start)
}

/// What a word before a capital is to the cue pattern.
enum Cue {
    /// A cue of its own (`met`, `ask`).
    Word,
    /// The last word of the multi-word cues that end in these words, and maybe a cue
    /// of its own too (`aan`): a match may start at either.
    Last(&'static [&'static [u8]]),
}

/// Relatives, whose name follows them (`my son Storm`, `mijn dochter Sky`, `Oma Go`,
/// `mum Clover`): cues as strong as `ask`, lower-case. Not `man` or `friend`, which
/// stand before teams and spam (`Man City`, `Dear friend`).
pub(super) const KIN: [&str; 27] = [
    "wife",
    "husband",
    "partner",
    "son",
    "daughter",
    "mum",
    "mom",
    "dad",
    "brother",
    "sister",
    "grandson",
    "granddaughter",
    "nephew",
    "niece",
    "vrouw",
    "zoon",
    "dochter",
    "broer",
    "zus",
    "moeder",
    "vader",
    "kleinzoon",
    "kleindochter",
    "oma",
    "opa",
    "tante",
    "oom",
];

/// The cue `word` (ASCII letters, any case) is or ends, if any.
fn cue_word(word: &[u8]) -> Option<Cue> {
    let mut lower = [0u8; 13];
    let lower = lower.get_mut(..word.len())?;
    lower.copy_from_slice(word);
    lower.make_ascii_lowercase();
    if KIN.iter().any(|k| k.as_bytes() == &*lower) {
        return Some(Cue::Word);
    }
    match &*lower {
        b"with" | b"from" | b"contact" | b"email" | b"mail" | b"manager" | b"met" | b"van" | b"door" | b"by"
        | b"to" | b"for" | b"voor" | b"per" | b"ask" | b"call" | b"colleague" | b"collega" | b"namens" | b"cc"
        | b"bel" => Some(Cue::Word),
        b"aan" => Some(Cue::Last(&[b"vraag het "])),
        b"of" => Some(Cue::Last(&[b"in the name ", b"on behalf "])),
        _ => None,
    }
}

/// True when `bytes` ends with `suffix` in any ASCII case.
fn ends_with_ascii_case(bytes: &[u8], suffix: &[u8]) -> bool {
    bytes.len() >= suffix.len() && bytes[bytes.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}
