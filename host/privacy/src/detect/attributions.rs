//! Names in the lines a mail program writes above quoted text:
//! - reply attributions: `On Tue, 1 Dec 2026, Hope Stone wrote:`, `Le 3 déc. 2026,
//!   Marie Fox a écrit :`, and with the name after the verb, `Op 3 dec. 2026 om 10:12
//!   schreef Roos Vos <roos@x.nl>:`, `Am 03.12.2026 schrieb Karl Wolf:`;
//! - the header blocks of quoted and forwarded messages: `Van: Storm, Ivo`,
//!   `To: Hope Baker; Mark Koster <mark@x.nl>`, as Outlook writes them. A `From:`,
//!   `To:` or `Cc:` line counts only within a few lines of a block's other fields
//!   (`Sent:`, `Onderwerp:`), and an item counts only when it is words (letters,
//!   blanks, commas, dots, hyphens): `Van: 10:00` in a schedule, `To: all staff` or
//!   `From: Team https://x.example/verify` is no name.
//!
//! Each line is read within [`WINDOW`] bytes of its verb or field, so a long line of
//! many attributions costs no more than many short ones.
//!
//! The names here are often words (`Hope`, `Storm`, `Roos`) that no other cue finds.

use super::{Kind, Span};
use std::sync::LazyLock;

/// Verbs of attribution lines: a colon follows them (`wrote:`, `a écrit :`) with the
/// name before them, or the name and then a colon ([`NAME_AFTER`]).
const NAME_BEFORE: [&str; 5] = ["wrote", "a écrit", "schreef", "schrieb", "escribió"];
/// Verbs of attribution lines with the name after them (and a blank), ending in `:`.
const NAME_AFTER: [&str; 2] = ["schreef", "schrieb"];

/// One vectorised substring search per verb, as mail programs write them (in lower
/// case): a multi-pattern search over these few short literals found no byte rare
/// enough to skip by, and read the text byte by byte.
static VERBS: LazyLock<Vec<memchr::memmem::Finder<'static>>> =
    LazyLock::new(|| NAME_BEFORE.iter().map(|v| memchr::memmem::Finder::new(v.as_bytes())).collect());

/// Header fields of a quoted block that name people, in the languages mail uses.
const NAME_FIELDS: &[&str] =
    &["from", "to", "cc", "bcc", "reply-to", "van", "aan", "von", "an", "de", "à", "envoyé par", "antwoord aan"];
/// The other fields of such a block.
const OTHER_FIELDS: &[&str] =
    &["sent", "date", "subject", "verzonden", "datum", "onderwerp", "gesendet", "betreff", "envoyé", "objet"];

/// How far (bytes) from a verb or a field's colon its line is read.
const WINDOW: usize = 256;

/// How many lines apart the fields of one block may stand.
const BLOCK_LINES: usize = 4;
/// The most name words one attribution names.
const MOST_WORDS: usize = 5;

/// Adds a [`Kind::Name`] span for each name of an attribution or a quoted header block.
pub(super) fn find(text: &str, spans: &mut Vec<Span>) {
    for (verb, finder) in NAME_BEFORE.iter().zip(VERBS.iter()) {
        for start in finder.find_iter(text.as_bytes()) {
            if let Some(name) = attribution(text, start, verb) {
                spans.push(Span::new(name, Kind::Name));
            }
        }
    }
    header_blocks(text, spans);
}

/// The name of the attribution whose `verb` starts at `start`, if it is one: the verb
/// follows a blank, and a colon follows it (`wrote:`, `a écrit :`), or the name and
/// then a colon do (`schreef Roos Vos:`).
fn attribution(text: &str, start: usize, verb: &str) -> Option<std::ops::Range<usize>> {
    if !text[..start].ends_with(' ') {
        return None;
    }
    let end = start + verb.len();
    let after = &text[end..];
    if after.trim_start_matches(' ').starts_with(':') {
        name_before(text, start - 1)
    } else if after.starts_with(' ') && NAME_AFTER.contains(&verb) {
        name_after(text, end + 1)
    } else {
        None
    }
}

/// The name that ends a line's text before `at`, past an address in angle brackets
/// (`&lt;…&gt;` in HTML) or parentheses, and quotes: a run of capitalised words,
/// particles and initials.
fn name_before(text: &str, at: usize) -> Option<std::ops::Range<usize>> {
    let from = floor(text, at.saturating_sub(WINDOW));
    let line_start = text[from..at].rfind('\n').map_or(from, |n| from + n + 1);
    let line = |end: usize| &text[line_start..end];
    let mut end = line(at).trim_end().len() + line_start;
    let open = if line(end).ends_with("&gt;") {
        line(end).rfind("&lt;")
    } else if line(end).ends_with(['>', ')']) {
        line(end).rfind(['<', '('])
    } else {
        Some(end - line_start)
    };
    end = line(open? + line_start).trim_end().len() + line_start;
    let quoted = line(end).strip_suffix('"').and_then(|t| t.rfind('"').map(|o| o + line_start + 1));
    if let Some(open) = quoted {
        return Some(open..end - 1).filter(|r| has_capital(&text[r.clone()]));
    }
    let mut start = end;
    for word in line(end).rsplit(' ').take(MOST_WORDS) {
        if !name_word(word) {
            break;
        }
        start -= word.len() + usize::from(start < end);
    }
    let range = start..end;
    (has_capital(&text[range.clone()])).then_some(range)
}

/// `at`, or the char boundary before it.
fn floor(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The name after an attribution verb that starts at `at`: up to an address in angle
/// brackets or the `:` that ends the line, all of it name words.
fn name_after(text: &str, at: usize) -> Option<std::ops::Range<usize>> {
    let rest = &text[at..floor(text, (at + WINDOW).min(text.len()))];
    // The line's end, within the window, or the text's.
    let line_end = rest.find('\n').or((at + rest.len() == text.len()).then_some(rest.len()))?;
    let line = rest[..line_end].trim_end();
    let body = line.strip_suffix(':')?;
    let name = body[..body.find('<').unwrap_or(body.len())].trim_end();
    let all_names = name.split(' ').take(MOST_WORDS + 1).all(name_word) && name.split(' ').count() <= MOST_WORDS;
    (all_names && has_capital(name)).then(|| at..at + name.len())
}

/// A word of a name: capitalised (`Hope`, `O'Neil`, `Ö.`) but not in capitals (`AM`
/// of `10:12 AM Hope Stone`), or a particle.
fn name_word(word: &str) -> bool {
    let capital = word.chars().next().is_some_and(char::is_uppercase);
    let letters = word.chars().all(|c| c.is_alphabetic() || matches!(c, '.' | '-' | '\'' | '’'));
    let shouted = word.chars().filter(|c| c.is_alphabetic()).count() > 1 && !word.chars().any(char::is_lowercase);
    (capital && letters && !shouted) || super::names::PARTICLES.contains(&word)
}

fn has_capital(name: &str) -> bool {
    name.split(' ').any(|w| w.chars().next().is_some_and(char::is_uppercase))
}

/// The name spans of the `From:`, `To:` and `Cc:` lines of quoted header blocks.
fn header_blocks(text: &str, spans: &mut Vec<Span>) {
    // (line number, the value's bytes, names people)
    let mut fields: Vec<(usize, std::ops::Range<usize>, bool)> = Vec::new();
    let mut at = 0;
    for (n, line) in super::salutations::lines(text).enumerate() {
        if let Some((value, names)) = field(line) {
            let end = line.trim_end_matches(['\r', '\n']).len().max(value);
            fields.push((n, at + value..at + end, names));
        }
        at += line.len();
    }
    // A people field needs another kind of field of its block within BLOCK_LINES lines;
    // fields come in line order.
    let other_near = |line: usize| {
        let from = fields.partition_point(|f| f.0 + BLOCK_LINES < line);
        fields[from..].iter().take_while(|f| f.0 <= line + BLOCK_LINES).any(|f| !f.2)
    };
    for (line, value, names) in &fields {
        if *names && other_near(*line) {
            people(text, value.clone(), spans);
        }
    }
}

/// Where the value of a header line of a quoted block starts in `line`, and whether its
/// field names people ([`super::name_fields::label_and_value`] reads the line).
fn field(line: &str) -> Option<(usize, bool)> {
    let (name, value) = super::name_fields::label_and_value(line)?;
    let names = NAME_FIELDS.contains(&name.as_str());
    if !names && !OTHER_FIELDS.contains(&name.as_str()) {
        return None;
    }
    Some((line.len() - value.len(), names))
}

/// Name spans for the people of the header value at `value`: items apart by `;`,
/// each a display name before its address, or a name alone. An item counts only when
/// it is words (letters, blanks and `,` `.` `-` `'` `"`) with a capital; a bare
/// address is the address pattern's, a link or a time no name.
fn people(text: &str, value: std::ops::Range<usize>, spans: &mut Vec<Span>) {
    let end = floor(text, value.end.min(value.start + WINDOW));
    let mut item_start = value.start;
    for item in items(&text[value.start..end]) {
        let name_end =
            [item.find(['<', '(', '[']), item.find("&lt;")].into_iter().flatten().min().unwrap_or(item.len());
        let name = item[..name_end].trim_end();
        let lead = name.len() - name.trim_start_matches([' ', '\t', '"', '\'']).len();
        let name = name[lead..].trim_end_matches(['"', '\'']);
        let words = name.chars().all(|c| c.is_alphabetic() || matches!(c, ' ' | ',' | '.' | '-' | '\'' | '’' | '"'));
        if words && has_capital(name) {
            spans.push(Span::new(item_start + lead..item_start + lead + name.len(), Kind::Name));
        }
        item_start += item.len() + 1;
    }
}

/// The items of a header value, apart by `;`, but not the `;` that ends an HTML
/// entity (`&lt;`).
fn items(value: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(value);
    std::iter::from_fn(move || {
        let v = rest?;
        let mut from = 0;
        loop {
            let Some(semi) = v[from..].find(';').map(|i| i + from) else {
                rest = None;
                return Some(v);
            };
            // An entity's name is at most eight bytes: looked for that far back only.
            let near = &v.as_bytes()[semi.saturating_sub(9)..semi];
            let entity = near.iter().rposition(|&b| b == b'&').is_some_and(|amp| {
                let name = &near[amp + 1..];
                !name.is_empty() && name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'#')
            });
            if !entity {
                rest = Some(&v[semi + 1..]);
                return Some(&v[..semi]);
            }
            from = semi + 1;
        }
    })
}

#[cfg(test)]
mod tests;
