//! Names in the lines a mail program writes above quoted text:
//! - reply attributions: `On Tue, 1 Dec 2026, Hope Stone wrote:`, `Le 3 déc. 2026,
//!   Marie Fox a écrit :`, and with the name after the verb, `Op 3 dec. 2026 om 10:12
//!   schreef Roos Vos <roos@x.nl>:`, `Am 03.12.2026 schrieb Karl Wolf:`;
//! - the header blocks of quoted and forwarded messages: `Van: Storm, Ivo`,
//!   `To: Hope Baker; Mark Koster <mark@x.nl>`, as Outlook writes them. A `From:`,
//!   `To:` or `Cc:` line counts only beside another header line of a block (`Sent:`,
//!   `Onderwerp:`), so `Van: 10:00` in a schedule or `To: all staff` is no name.
//!
//! The names here are often words (`Hope`, `Storm`, `Roos`) that no other cue finds.

use super::{Kind, Span};
use std::sync::LazyLock;

/// Verbs of attribution lines with the name before them, and what follows each.
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
    &["from", "to", "cc", "bcc", "reply-to", "van", "aan", "von", "an", "de", "à", "a", "envoyé par", "antwoord aan"];
/// The other fields of such a block.
const OTHER_FIELDS: &[&str] =
    &["sent", "date", "subject", "verzonden", "datum", "onderwerp", "gesendet", "betreff", "envoyé", "objet"];

/// How far into a line (bytes, quote marks and tags included) a field's colon may
/// stand.
const FIELD_WITHIN: usize = 64;

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
/// follows a blank, and a colon follows it (`wrote:`), or the name and then a colon do
/// (`schreef Roos Vos:`). French needs no colon after `a écrit`.
fn attribution(text: &str, start: usize, verb: &str) -> Option<std::ops::Range<usize>> {
    if !text[..start].ends_with(' ') {
        return None;
    }
    let end = start + verb.len();
    let after = &text[end..];
    if after.trim_start_matches(' ').starts_with(':') || verb == "a écrit" {
        name_before(text, start - 1)
    } else if after.starts_with(' ') && NAME_AFTER.contains(&verb) {
        name_after(text, end + 1)
    } else {
        None
    }
}

/// The name that ends a line's text before `at`, past an address in angle brackets or
/// parentheses and quotes: a run of capitalised words, particles and initials.
fn name_before(text: &str, at: usize) -> Option<std::ops::Range<usize>> {
    let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
    let mut end = text[line_start..at].trim_end().len() + line_start;
    if text[..end].ends_with(['>', ')']) {
        let open = text[line_start..end].rfind(['<', '(']).map(|o| o + line_start)?;
        end = text[line_start..open].trim_end().len() + line_start;
    }
    let quoted = text[line_start..end].strip_suffix('"').and_then(|t| t.rfind('"').map(|o| o + line_start + 1));
    if let Some(open) = quoted {
        return Some(open..end - 1).filter(|r| has_capital(&text[r.clone()]));
    }
    let mut start = end;
    for word in text[line_start..end].rsplit(' ').take(MOST_WORDS) {
        if !name_word(word) {
            break;
        }
        start -= word.len() + usize::from(start < end);
    }
    let range = start..end;
    (has_capital(&text[range.clone()])).then_some(range)
}

/// The name after an attribution verb that starts at `at`: up to an address in angle
/// brackets or the `:` that ends the line, all of it name words.
fn name_after(text: &str, at: usize) -> Option<std::ops::Range<usize>> {
    let rest = &text[at..];
    let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
    let line = line.trim_end();
    let body = line.strip_suffix(':')?;
    let name = body[..body.find('<').unwrap_or(body.len())].trim_end();
    let all_names = name.split(' ').take(MOST_WORDS + 1).all(name_word) && name.split(' ').count() <= MOST_WORDS;
    (all_names && has_capital(name)).then(|| at..at + name.len())
}

/// A word of a name: capitalised (`Hope`, `O'Neil`, `Ö.`), or a particle.
fn name_word(word: &str) -> bool {
    let capital = word.chars().next().is_some_and(char::is_uppercase);
    let letters = word.chars().all(|c| c.is_alphabetic() || matches!(c, '.' | '-' | '\'' | '’'));
    (capital && letters) || super::names::PARTICLES.contains(&word)
}

fn has_capital(name: &str) -> bool {
    name.split(' ').any(|w| w.chars().next().is_some_and(char::is_uppercase))
}

/// The name spans of the `From:`, `To:` and `Cc:` lines of quoted header blocks.
fn header_blocks(text: &str, spans: &mut Vec<Span>) {
    let mut fields: Vec<(usize, usize, bool)> = Vec::new(); // (line, value start, names people)
    let mut at = 0;
    for (n, line) in super::salutations::lines(text).enumerate() {
        if let Some((value, names)) = field(line) {
            fields.push((n, at + value, names));
        }
        at += line.len();
    }
    // Fields come in line order: a block's other fields are the neighbours.
    let near = |j: usize, line: usize| fields.get(j).is_some_and(|f| f.0.abs_diff(line) <= BLOCK_LINES);
    for (i, &(line, value, names)) in fields.iter().enumerate() {
        if names && ((i > 0 && near(i - 1, line)) || near(i + 1, line)) {
            people(text, value, spans);
        }
    }
}

/// Where the value of a header line of a quoted block starts in `line`, and whether its
/// field names people. Quote marks, blanks and tags may come before the field's name,
/// tags after its colon.
fn field(line: &str) -> Option<(usize, bool)> {
    // Most lines: no colon near their start.
    let head = &line.as_bytes()[..line.len().min(FIELD_WITHIN)];
    memchr::memchr(b':', head)?;
    let mut rest = line.trim_start_matches(['>', ' ', '\t', '*']);
    while let Some(tag_end) = rest.strip_prefix('<').and_then(|r| r.find('>')) {
        rest = rest[tag_end + 2..].trim_start_matches([' ', '\t', '*']);
    }
    let colon = rest.char_indices().take(24).find(|&(_, c)| c == ':')?.0;
    let name = rest[..colon].trim_end().to_lowercase();
    let names = NAME_FIELDS.contains(&name.as_str());
    if !names && !OTHER_FIELDS.contains(&name.as_str()) {
        return None;
    }
    // Tags after the colon (`<b>Van:</b> Storm, Ivo`), but not an address (`<a@x.nl>`).
    let mut value = rest[colon + 1..].trim_start();
    while let Some(tag) = value.strip_prefix('<').and_then(|r| r.find('>').map(|e| &r[..e])) {
        if tag.contains('@') {
            break;
        }
        value = value[tag.len() + 2..].trim_start();
    }
    let value = value.trim_start_matches([' ', '\t', '*']);
    Some((line.len() - value.len(), names))
}

/// Name spans for the people of a header value at `at`: items apart by `;`, each a
/// display name before its address, or a name alone. An item with a digit or without a
/// capital is none; a bare address is the address pattern's.
fn people(text: &str, at: usize, spans: &mut Vec<Span>) {
    let rest = &text[at..];
    let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
    let mut item_start = at;
    for item in items(&rest[..end]) {
        let name_end =
            [item.find(['<', '(', '[']), item.find("&lt;")].into_iter().flatten().min().unwrap_or(item.len());
        let name = item[..name_end].trim_end();
        let lead = name.len() - name.trim_start_matches([' ', '\t', '"', '\'']).len();
        let name = name[lead..].trim_end_matches(['"', '\'']);
        let plain = !name.contains('@') && !name.bytes().any(|b| b.is_ascii_digit());
        if plain && has_capital(name) {
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
            let entity = v[..semi].rfind('&').is_some_and(|amp| {
                let name = &v[amp + 1..semi];
                (1..=8).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'#')
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
