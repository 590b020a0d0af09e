//! Names of people and organisations.
//!
//! People are found by context: after a greeting (`Beste Jan,`, `Dear Ms Smith,`), on
//! the line after a closing (`Met vriendelijke groet,` / `Kind regards,`), after a
//! cue word with a first and last name (`with Jelte Bosma`), and anywhere a phrase
//! starts with a common first name (`first-names.txt`), after initials (`J. Pinas`,
//! [`super::initials`]), above quoted text (`Hope Stone wrote:`, `Van: Storm, Ivo`,
//! [`super::attributions`]), as the speakers of a pasted chat ([`super::chat_exports`]),
//! after the label of a form field or list (`Naam: Sky Kok`,
//! [`super::name_fields`]), and before an address in angle brackets
//! (`Jan Jansen <jan@example.nl>`). Organisations are found by
//! their legal form (`Acme B.V.`, `Widgets Ltd`) or their leading word (`Stichting …`).

use super::name_starts::{self, cue_starts, first_name_at};
use super::triggers::{Gated, Starts};
use super::word_list::WordList;
use super::{Kind, MatchStart, Span, ending_at, salutations};
use regex::Regex;
use std::sync::LazyLock;

/// A capitalised name word (letters, inner apostrophes and hyphens; an initial with a dot).
const WORD: &str = r"(?:\p{Lu}[\p{L}'’\-]*\p{L}|\p{Lu}\.)";
/// HTML tags around a line (`<p>`, `<br>`), so the same cues work in HTML bodies.
const TAGS: &str = r"(?:<[^<>\r\n]*>)*";
/// Dutch and other surname particles.
const PARTICLE: &str = r"(?:van|de|der|den|ter|ten|te|het|in|'t|von|du|da|di|le|la|op|bij)";

struct Patterns {
    greeting: Regex,
    closing: Regex,
    name_line: Regex,
    /// Searched only from where [`cue_starts`] says a cue may start.
    cue: Gated,
    address_open: Regex,
    name_at_end: Regex,
    /// Searched only where a listed first name starts ([`FIRST_NAMES`]).
    known_name: Gated,
    org_suffix: Regex,
    org_words_at_end: Regex,
    org_prefix: Regex,
}

static PATTERNS: LazyLock<Patterns> = LazyLock::new(|| {
    let name = format!(r"{WORD}(?:[ \t]+(?:{PARTICLE}[ \t]+)*{WORD}){{0,3}}");
    let title = r"(?:(?i:mr|mrs|ms|miss|dr|prof|sir|dhr|mevr|mw)\.?|(?i:heer|mevrouw|meneer|de heer))";
    Patterns {
        greeting: Regex::new(&format!(
            r"^[ \t>]*{TAGS}[ \t]*(?i:dear|hi|hello|hey|good (?:morning|afternoon|evening)|beste|hallo|hoi|dag|geachte|lieve|goedemorgen|goedemiddag)[ \t]+(?:{title}[ \t]+)?({name})[ \t]*[,!:]?[ \t]*{TAGS}[ \t]*\r?\n?$"
        ))
        .unwrap(),
        closing: Regex::new(&format!(
            r"(?i)^[ \t>]*{TAGS}[ \t]*(?:kind regards|best regards|warm regards|regards|best wishes|all the best|best|thanks|thank you|many thanks|cheers|sincerely|yours sincerely|yours faithfully|yours truly|met vriendelijke groet(?:en)?|vriendelijke groet(?:en)?|hartelijke groet(?:en)?|met hartelijke groet(?:en)?|groet(?:en|jes)?|mvg|m\.vr\.gr\.|alvast bedankt|bedankt|dank je wel|dank u wel)[ \t]*[,.!]?[ \t]*{TAGS}[ \t]*\r?\n(?:[ \t>]*{TAGS}[ \t]*\r?\n)?[ \t>]*{TAGS}[ \t]*([^\r\n<]+)"
        ))
        .unwrap(),
        name_line: Regex::new(&format!(r"^{name}$")).unwrap(),
        // A weak cue (`with`, `van`) needs a first and a last name after it; a strong one
        // (`ask`, `t.n.v.`, and a relative: `my son Storm`, `onze dochter Sky`) names a
        // person even with one word.
        // Both kinds in one pass (one automaton instead of two). Every cue starts a
        // word, and its words match in ASCII case only (`(?i-u:…)`): Unicode case
        // folding would also match `K` (Kelvin) for `k`, which [`cue_starts`], the
        // gate, does not look for.
        // A title (`mevrouw`, `Dr.`, `mr. drs.`) is a strong cue of its own, and may
        // follow one (`ask Dr. Fisher`). A name may start the next line (`de heer` /
        // `   Vonk`), where a wrapped paragraph puts it.
        cue: Gated::with_own_edge(&format!(
            r"(?-u:\b)(?i-u:with|from|contact|email|mail|manager|met|van|door|aan|by|to|for|voor|per)[ \t]+(?:{WORD}(?:[ \t]+(?:{PARTICLE}[ \t]+)*{WORD}){{1,2}})|(?:(?-u:\b)(?i-u:ask|call|colleague|collega|namens|cc|vraag het aan|bel|in the name of|on behalf of|{kin})|(?-u:\b)(?i-u:t\.n\.v\.)|(?-u:\b){titles})(?:[ \t]+{titles}){{0,{more}}}(?:[ \t]+|[ \t]*\r?\n[ \t>]*)(?:{name})",
            titles = title_alternation(),
            more = name_starts::MOST_TITLES - 1,
            kin = name_starts::KIN.join("|"),
        ))
        .unwrap(),
        // `Jan Jansen <jan@example.nl>`, as in quote introductions and pasted headers.
        address_open: Regex::new(r"<[^<>@\s]+@").unwrap(),
        name_at_end: Regex::new(&format!(r"{name}[ \t]*$")).unwrap(),
        // A known first name and up to two more name words: the list is a literal
        // alternation, which the regex engine scans for with a fast multi-literal search.
        known_name: Gated::with_own_edge(&format!(r"(?:{})(?:[ \t]+(?:{PARTICLE}[ \t]+)*{WORD}){{0,2}}", first_name_alternation()))
            .unwrap(),
        org_suffix: Regex::new(
            r"[ \t](?:B\.V\.|BV|N\.V\.|NV|Ltd\.?|Limited|Inc\.?|LLC|GmbH|plc|PLC|V\.O\.F\.|VOF|Holding|Group|Groep|& Co\.?|& Partners)",
        )
        .unwrap(),
        org_words_at_end: Regex::new(&format!(
            r"(?:{WORD}|&|\d+)(?:[ \t]+(?:{WORD}|&|and|en|{PARTICLE})){{0,3}}$"
        ))
        .unwrap(),
        org_prefix: Regex::new(&format!(
            r"(?-u:\b)(?:Stichting|Vereniging|Gemeente|Coöperatie|Universiteit|Hogeschool|Ziekenhuis|Ministerie van|University of|Bank of|Hospital)(?:[ \t]+(?:{PARTICLE}[ \t]+)?{WORD}){{1,3}}"
        ))
        .unwrap(),
    }
});

/// The titles of [`name_starts`] as a regex, each in the case it is written in, with
/// no dot, its dot optional, or its dot required.
fn title_alternation() -> String {
    let (words, abbreviated, dotted) =
        (name_starts::WORD_TITLES, name_starts::ABBREVIATED_TITLES, name_starts::DOTTED_TITLES);
    format!(r"(?:(?:{})|(?:{})\.?|(?:{})\.)", words.join("|"), abbreviated.join("|"), dotted.join("|"))
}

/// The names of `first-names.txt` as a regex alternation, each a whole word.
fn first_name_alternation() -> String {
    name_starts::first_names().into_iter().map(whole_word).collect::<Vec<_>>().join("|")
}

/// `word` as a regex that matches it only as a whole word, without a Unicode `\b`:
/// that assertion makes the regex engine's DFA give up on any text with a non-ASCII
/// character in it and fall back to a search ten times slower. An ASCII boundary
/// (`(?-u:\b)`) stands beside an ASCII letter; beside a non-ASCII one (`Corné`) the
/// next character must be no ASCII word character (`(?-u:\B)`), so `Cornés` is no
/// match and `Corné,` is.
fn whole_word(word: &str) -> String {
    let edge = |c: Option<char>| match c {
        Some(c) if !c.is_ascii() => r"(?-u:\B)",
        _ => r"(?-u:\b)",
    };
    format!("{}{}{}", edge(word.chars().next()), regex::escape(word), edge(word.chars().next_back()))
}

/// Words that look like names after a greeting or closing but address nobody.
const NOT_NAMES: WordList = WordList::new(&[
    "Customer",
    "Customers",
    "Sir",
    "Madam",
    "Sir or Madam",
    "Team",
    "All",
    "Everyone",
    "Colleagues",
    "Friend",
    "Friends",
    "Member",
    "Members",
    "Subscriber",
    "User",
    "There",
    "Klant",
    "Klanten",
    "Collega",
    "Collega's",
    "Allen",
    "Relatie",
    "Lezer",
    "Lid",
    "Heer",
    "Mevrouw",
    "Meneer",
    "Support",
    "Sales",
    "Customer Service",
    "Klantenservice",
    "The Team",
    "Het Team",
    "Team Support",
]);

/// First words of the greetings the greeting pattern knows, lower-case.
const GREETING_WORDS: WordList = WordList::new(&[
    "dear",
    "hi",
    "hello",
    "hey",
    "good",
    "beste",
    "hallo",
    "hoi",
    "dag",
    "geachte",
    "lieve",
    "goedemorgen",
    "goedemiddag",
]);

/// First words of the closings the closing pattern knows, lower-case.
const CLOSING_WORDS: WordList = WordList::new(&[
    "kind",
    "best",
    "warm",
    "regards",
    "all",
    "thanks",
    "thank",
    "many",
    "cheers",
    "sincerely",
    "yours",
    "met",
    "vriendelijke",
    "hartelijke",
    "groet",
    "groeten",
    "groetjes",
    "mvg",
    "m.vr.gr.",
    "alvast",
    "bedankt",
    "dank",
]);

/// A line's first word, past quote marks and HTML tags.
fn first_word(line: &str) -> &str {
    let mut rest = line.trim_start_matches([' ', '\t', '>']);
    while let Some(tag_end) = rest.strip_prefix('<').and_then(|r| r.find('>')) {
        rest = rest[tag_end + 2..].trim_start_matches([' ', '\t']);
    }
    rest.split(|c: char| c.is_whitespace() || c == ',' || c == '!').next().unwrap_or_default()
}

/// Adds the name and organisation spans of `text` to `spans`.
pub fn find(text: &str, spans: &mut Vec<Span>) {
    find_from(text, &Starts::new(text), spans);
}

/// As [`find`], with the word starts of `text` found already.
pub(super) fn find_from(text: &str, starts: &Starts, spans: &mut Vec<Span>) {
    let p = &*PATTERNS;
    // Greetings and closings start a line: only lines whose first word could begin one
    // are tried, each on its own few lines, instead of the patterns over the whole text.
    let mut at = 0;
    for line in salutations::lines(text) {
        let start = at;
        at += line.len();
        let first = first_word(line);
        // The match first (fast), its group by hand, by the pattern only where unsure.
        if GREETING_WORDS.contains(first) && p.greeting.is_match(line) {
            let name = salutations::greeting_name(line)
                .or_else(|| p.greeting.captures(line).and_then(|c| Some(c.get(1)?.range())));
            if let Some(m) = name {
                push_name_range(spans, text, start + m.start..start + m.end);
            }
        }
        if CLOSING_WORDS.contains(first) {
            let mut end = (start + 400).min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            let window = &text[start..end];
            let name = p.closing.find(window).filter(|m| m.start() == 0).and_then(|m| {
                salutations::closing_name(window, m.end())
                    .or_else(|| p.closing.captures(window).and_then(|c| Some(c.get(1)?.range())))
            });
            let signed = |m: &std::ops::Range<usize>| {
                let line = window[m.clone()].trim_end();
                p.name_line.is_match(line) || lower_case_signature(line)
            };
            if let Some(m) = name.filter(signed) {
                push_name_range(spans, text, start + m.start..start + m.end);
            } else if let Some(at) = signature_after_closing(line) {
                push_name_range(spans, text, start + at..start + line.trim_end().len());
            }
        }
    }
    let cues = cue_starts(text, starts);
    let next_cue = |at: usize| cues.get(cues.partition_point(|&c| c < at)).copied();
    for m in p.cue.matches(text, next_cue) {
        let name = m.start + cue_length(&text[m.clone()])..m.end;
        if !name.is_empty() && !shouted_words(&text[name.clone()]) {
            push_name_range(spans, text, name);
        }
    }
    for m in p.address_open.find_iter(text) {
        if let Some(r) = ending_at(text, m.start(), 120, (&p.name_at_end, MatchStart::Anywhere), &[' ', '\t']) {
            push_name_range(spans, text, r);
        }
    }
    let next_name = |at: usize| starts.first(at, first_name_at);
    spans.extend(p.known_name.matches(text, next_name).map(|m| Span::new(m, Kind::Name)));
    for m in p.org_suffix.find_iter(text) {
        if let Some(r) = ending_at(text, m.start(), 160, (&p.org_words_at_end, MatchStart::Word), &[]) {
            spans.push(Span::new(r.start..m.end(), Kind::Organisation));
        }
    }
    spans.extend(p.org_prefix.find_iter(text).map(|m| Span::new(m.range(), Kind::Organisation)));
    super::initials::find(text, spans);
    super::attributions::find(text, spans);
    super::chat_exports::find(text, spans);
    super::name_fields::find(text, spans);
    super::columns::find(text, spans);
}

/// A signature written in lower case under a closing (`groetjes,` / `sander`): one or
/// two words of lower-case letters, the first a listed first name, with particles
/// between them (`bas van dam`). Such a name is often also a word (`sander`, `mark`,
/// `floor`), which the vocabulary would pass.
fn lower_case_signature(line: &str) -> bool {
    let mut words = line.split([' ', '\t']).filter(|w| !w.is_empty());
    let first = words.next().unwrap_or_default();
    let lower = |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase());
    let rest: Vec<&str> = words.filter(|w| !PARTICLES.contains(w)).collect();
    lower(first) && rest.len() <= 1 && rest.iter().all(|w| lower(w)) && name_starts::is_first_name(first)
}

/// True for words in capitals that are all words of the vocabulary and no names
/// (`VRIENDELIJKE GROET` after a shouted `MET`): a closing or a heading, not a name.
fn shouted_words(name: &str) -> bool {
    let words = || name.split([' ', '\t']).filter(|w| !w.is_empty());
    words().all(|w| {
        w.chars().all(|c| !c.is_lowercase()) && crate::vocabulary::is_word(w) && !crate::vocabulary::is_listed_name(w)
    })
}

/// Particles inside a surname (`van der`, `ten`, `de la`).
pub(crate) const PARTICLES: &[&str] =
    &["van", "de", "der", "den", "ten", "ter", "te", "het", "von", "la", "le", "du", "da", "di"];

/// A closing and a lower-case signature on one line (`groet bas van dam`, `groetjes,
/// sander`): where the name starts in `line`, if it is one.
fn signature_after_closing(line: &str) -> Option<usize> {
    let line = line.trim_end();
    // Where a closing word ends, with only words before it (`met vriendelijke groet`):
    // looked for in the line's first words only, so a long line costs no more than a
    // short one.
    let words = line.bytes().take(SIGNATURE_CLOSING_WITHIN).take_while(|b| b.is_ascii_alphabetic() || *b == b' ');
    let lowered: Vec<u8> = words.map(|b| b.to_ascii_lowercase()).collect();
    let ends = |c: &str| Some(lowered.windows(c.len()).position(|w| w == c.as_bytes())? + c.len());
    let closing = CLOSINGS_BEFORE_NAME.into_iter().find_map(ends)?;
    let rest = &line[closing..];
    let name = rest.trim_start_matches([',', '.', '!', ' ', '\t']);
    (name.len() < rest.len() && lower_case_signature(name)).then(|| line.len() - name.len())
}

/// How far into a line (bytes) a closing may end for a signature to follow it.
const SIGNATURE_CLOSING_WITHIN: usize = 64;

/// Closing words a signature may follow on the same line, longest first where one
/// starts another (`groetjes` before `groet` before `gr`).
const CLOSINGS_BEFORE_NAME: [&str; 9] =
    ["groetjes", "groeten", "groet", "gr", "mvg", "regards", "cheers", "thanks", "bedankt"];

/// How far into a match of the cue pattern its name starts: past the cue (a word, or
/// the words of `vraag het aan`, `in the name of`, `on behalf of`, the only cues that
/// start with these words) and the blanks after it. Found by hand instead of by capture
/// groups, which cost a second, slower search per match.
fn cue_length(found: &str) -> usize {
    let first = found.split([' ', '\t', '\r', '\n']).next().unwrap_or_default();
    let words = match first.to_ascii_lowercase().as_str() {
        "vraag" | "on" => 3,
        "in" => 4,
        _ => 1,
    };
    let mut rest = found;
    for _ in 0..words {
        rest = skip(rest).1;
    }
    // The titles after a first one (`drs.` of `mr. drs. J. de Vries`), up to the last
    // one a name word follows (in `mevrouw Dokter` the title is the name).
    let mut probe = rest;
    while let (word, after) = skip(probe)
        && name_starts::is_title(word)
    {
        probe = after;
        if starts_name_word(after) {
            rest = after;
        }
    }
    found.len() - rest.len()
}

/// The first word of `rest`, and what follows the blanks (a line break and quote marks
/// too) after it.
fn skip(rest: &str) -> (&str, &str) {
    let word_end = rest.find([' ', '\t', '\r', '\n']).unwrap_or(rest.len());
    (&rest[..word_end], rest[word_end..].trim_start_matches([' ', '\t', '\r', '\n', '>']))
}

/// True when a name word ([`WORD`]) may start `s`: a capital, then a letter, an
/// apostrophe, a hyphen or a dot.
fn starts_name_word(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(char::is_uppercase)
        && chars.next().is_some_and(|c| c.is_alphabetic() || matches!(c, '\'' | '’' | '-' | '.'))
}

fn push_name_range(spans: &mut Vec<Span>, text: &str, range: std::ops::Range<usize>) {
    let name = text[range.clone()].trim_end();
    // Only an ASCII name is one of these: lowering could make one of another (`K`, the
    // Kelvin sign), and what is not a name here would pass as no name at all.
    if name.is_empty() || (name.is_ascii() && NOT_NAMES.contains(name)) {
        return;
    }
    spans.push(Span::new(range.start..range.start + name.len(), Kind::Name));
}

#[cfg(test)]
mod tests;
