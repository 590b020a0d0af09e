//! Names of people and organisations.
//!
//! People are found by context: after a greeting (`Beste Jan,`, `Dear Ms Smith,`), on
//! the line after a closing (`Met vriendelijke groet,` / `Kind regards,`), after a
//! cue word with a first and last name (`with Jelte Bosma`), and anywhere a phrase
//! starts with a common first name (`first-names.txt`), and before an address in
//! angle brackets (`Jan Jansen <jan@example.nl>`). Organisations are found by
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
        // (`ask`, `t.n.v.`) names a person even with one word.
        // Both kinds in one pass (one automaton instead of two). Every cue starts a
        // word, and its words match in ASCII case only (`(?i-u:…)`): Unicode case
        // folding would also match `K` (Kelvin) for `k`, which [`cue_starts`], the
        // gate, does not look for.
        cue: Gated::with_own_edge(&format!(
            r"(?-u:\b)(?i-u:with|from|contact|email|mail|manager|met|van|door|aan|by|to|for|voor|per)[ \t]+(?:{WORD}(?:[ \t]+(?:{PARTICLE}[ \t]+)*{WORD}){{1,2}})|(?:(?-u:\b)(?i-u:ask|call|colleague|collega|namens|cc|vraag het aan|bel|in the name of|on behalf of)|(?-u:\b)(?i-u:t\.n\.v\.))[ \t]+(?:{name})"
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
        if !shouted_words(&text[name.clone()]) {
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
const PARTICLES: &[&str] = &["van", "de", "der", "den", "ten", "ter", "te", "het", "von", "la", "le", "du", "da", "di"];

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
    let first = found.split([' ', '\t']).next().unwrap_or_default();
    let words = match first.to_ascii_lowercase().as_str() {
        "vraag" | "on" => 3,
        "in" => 4,
        _ => 1,
    };
    let mut rest = found;
    for _ in 0..words {
        let word_end = rest.find([' ', '\t']).unwrap_or(rest.len());
        rest = rest[word_end..].trim_start_matches([' ', '\t']);
    }
    found.len() - rest.len()
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
mod tests {
    use super::*;

    #[test]
    fn whole_text_patterns_run_as_lazy_dfas() {
        let p = &*PATTERNS;
        for re in [&p.address_open, &p.org_suffix, &p.org_prefix, &p.org_words_at_end] {
            super::super::assert_lazy_dfa(re.as_str());
        }
        for gated in [&p.cue, &p.known_name] {
            super::super::assert_lazy_dfa(gated.as_str());
        }
    }

    #[test]
    fn a_signature_in_lower_case_is_a_name() {
        let names = |text: &str| {
            let mut spans = Vec::new();
            find(text, &mut spans);
            spans.into_iter().map(|s| text[s.range].to_owned()).collect::<Vec<_>>()
        };
        assert_eq!(names("Groetjes,\nsander\n"), ["sander"]);
        assert_eq!(names("Kind regards,\r\nmark jansen\r\n"), ["mark jansen"]);
        // Not a listed first name, or more than a name: left to the vocabulary.
        assert!(names("Groetjes,\nde klantenservice\n").is_empty());
        assert!(names("Thanks,\nmark the date in your diary\n").is_empty());
        // A greeting in an HTML body of one line.
        let html = "<div><p class=\"MsoNormal\">Hoi Rose,<o:p></o:p></p><p class=\"MsoNormal\">Zoals besproken.</p>";
        assert_eq!(names(html), ["Rose"]);
        // With particles, and on the closing's own line.
        assert_eq!(names("Groet,\nbas van dam\n"), ["bas van dam"]);
        assert_eq!(names("groet bas van dam\n"), ["bas van dam"]);
        assert_eq!(names("Groetjes, sander\r\n"), ["sander"]);
        assert!(names("Groeten aan iedereen\n").is_empty());
        assert!(names("Great stuff, mark it\n").is_empty());
        // A shouted closing is no name; a shouted name still is.
        assert_eq!(names("MET VRIENDELIJKE GROET,\n"), Vec::<String>::new());
        assert_eq!(names("met JAN BAKKER\n"), ["JAN BAKKER"]);
    }

    #[test]
    fn first_names_are_whole_words_beside_any_letter() {
        fn found(text: &str) -> Vec<&str> {
            let starts = Starts::new(text);
            PATTERNS.known_name.matches(text, |at| starts.first(at, first_name_at)).map(|m| &text[m]).collect()
        }
        assert_eq!(found("Corné, Janneke en Jan"), ["Corné", "Janneke", "Jan"]);
        assert_eq!(found("Cornés Janssen MarJan"), Vec::<&str>::new());
        assert_eq!(found("café Jan Bakker"), ["Jan Bakker"]);
    }

    /// The gated searches find exactly what the same patterns find over the whole
    /// text, on the labelled corpus (every `.eml` file read as text) and on cues at
    /// the edges.
    #[test]
    fn gated_searches_find_what_whole_text_searches_find() {
        let p = &*PATTERNS;
        let (cue, known) = (Regex::new(p.cue.as_str()).unwrap(), Regex::new(p.known_name.as_str()).unwrap());
        let mut texts = super::super::corpus_texts();
        texts.extend(
            [
                "Vraag het aan Jan, vraag het aan\tJan, VRAAG HET AAN Piet Jansen",
                "In The Name Of Jan Bakker and on behalf of  Émile Zola; t.n.v. Ockels, xt.n.v. Ockels",
                "met Jan Bakker, email Anna de Vries, e-mail Anna Smit, xwith Anna Smit, with Anna",
                "aan Jan van der Berg voor Piet Jansen per Ögur Ærø, bel\tJan",
                "with Jan Bakker with Piet Jansen",
                "ZoëPiet Jansen, Zoëmet Jan Bakker, 中文Jan Bakker",
                "Jan",
                "met",
            ]
            .map(String::from),
        );
        // And random texts of cues, names and particles with blanks of every kind.
        let words = "met with van aan vraag het t.n.v. in the name of on behalf bel Jan Bakker de der Berg Corné \
                     Émile Zoë Anna Smit Piet xJan Janneke ÖGUR MET cc";
        texts.extend(super::super::random_text::texts(words, 3000));
        for text in &texts {
            let starts = Starts::new(text);
            let cues = cue_starts(text, &starts);
            let gated: Vec<_> =
                p.cue.matches(text, |at| cues.get(cues.partition_point(|&c| c < at)).copied()).collect();
            let whole: Vec<_> = cue.find_iter(text).map(|m| m.range()).collect();
            assert_eq!(gated, whole, "cues in {text}");
            let gated: Vec<_> = p.known_name.matches(text, |at| starts.first(at, first_name_at)).collect();
            let whole: Vec<_> = known.find_iter(text).map(|m| m.range()).collect();
            assert_eq!(gated, whole, "first names in {text}");
        }
    }
}
