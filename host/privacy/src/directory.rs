//! vCard (RFC 6350) and iCalendar (RFC 5545) parts: directories of people, where
//! nearly every value is somebody's name, organisation, number or address, however
//! ordinary its words (`ORG:Puffin Kayaks`). Such a part fails closed by structure:
//! each value becomes one pseudonym, and so does each parameter value
//! (`ATTENDEE;CN=…`), except for the few properties that describe the record itself
//! (dates, versions, status), which pass, and free-text ones (`SUMMARY`,
//! `DESCRIPTION`), which are rendered like any content text.

use crate::render::{IN_FREE_TEXT, Renderer, Shown};
use crate::{Category, Form};

/// Content types of directory parts.
pub const TYPES: &[&str] =
    &["text/vcard", "text/x-vcard", "text/directory", "application/vcard", "text/calendar", "application/ics"];

/// Properties about the record, not a person: their values pass.
const STRUCTURAL: &[&str] = &[
    "BEGIN",
    "END",
    "VERSION",
    "PRODID",
    "METHOD",
    "CALSCALE",
    "DTSTART",
    "DTEND",
    "DTSTAMP",
    "DUE",
    "DURATION",
    "CREATED",
    "LAST-MODIFIED",
    "SEQUENCE",
    "STATUS",
    "TRANSP",
    "CLASS",
    "PRIORITY",
    "TZID",
    "TZOFFSETFROM",
    "TZOFFSETTO",
    "RRULE",
    "KIND",
    "REV",
    "ACTION",
    "TRIGGER",
];
/// Properties holding free text: rendered as content.
const FREE_TEXT: &[&str] = &["SUMMARY", "DESCRIPTION", "COMMENT", "NOTE", "CATEGORIES"];
/// Parameters that describe the value's type: their values pass.
const TYPE_PARAMS: &[&str] =
    &["TYPE", "VALUE", "CHARSET", "ENCODING", "ROLE", "PARTSTAT", "RSVP", "CUTYPE", "TZID", "LANGUAGE", "PREF"];

/// True for a vCard or iCalendar content type (lower-case, no parameters).
pub fn is_directory(content_type: &str) -> bool {
    TYPES.contains(&content_type)
}

/// The part as a purpose may see it: `None` when content is withheld.
pub fn render(r: &Renderer, text: &str) -> Option<String> {
    if r.grant.form(Category::Content) == Form::Withheld {
        return None;
    }
    if r.grant.form(Category::Content) == Form::Full && IN_FREE_TEXT.iter().all(|c| r.grant.form(*c) == Form::Full) {
        return Some(text.to_owned());
    }
    // Folded lines (a line break then a space or tab) are one line.
    let unfolded = text.replace("\r\n ", "").replace("\r\n\t", "").replace("\n ", "").replace("\n\t", "");
    let mut out = String::with_capacity(unfolded.len());
    for line in unfolded.lines() {
        render_line(r, line, &mut out);
        out.push_str("\r\n");
    }
    Some(out)
}

fn render_line(r: &Renderer, line: &str, out: &mut String) {
    let Some(colon) = value_start(line) else {
        out.push_str(&r.pseudonyms.token("directory", line.trim()));
        return;
    };
    let (head, value) = (&line[..colon], &line[colon + 1..]);
    let mut params = head.split(';');
    let name = params.next().unwrap_or_default();
    // A group prefix (`item1.TEL`) is the sender's label: the name is after the dot.
    let bare = name.rsplit('.').next().unwrap_or(name).to_ascii_uppercase();
    out.push_str(&bare);
    for param in params {
        out.push(';');
        match param.split_once('=') {
            Some((k, v)) if TYPE_PARAMS.iter().any(|t| t.eq_ignore_ascii_case(k)) => {
                out.push_str(k);
                out.push('=');
                out.push_str(v);
            }
            Some((k, v)) => {
                out.push_str(k);
                out.push('=');
                out.push_str(&r.pseudonyms.token("directory", v.trim_matches('"')));
            }
            None => out.push_str(&r.pseudonyms.token("directory", param)),
        }
    }
    out.push(':');
    if STRUCTURAL.contains(&bare.as_str()) {
        out.push_str(value);
    } else if FREE_TEXT.contains(&bare.as_str()) {
        if let Shown::Full(t) | Shown::Pseudonym(t) | Shown::Domain(t) | Shown::Redacted(t) =
            r.text(Category::Content, value)
        {
            out.push_str(&t);
        }
    } else if !value.is_empty() {
        out.push_str(&r.pseudonyms.token("directory", &value.trim().to_lowercase()));
    }
}

/// The byte index of the colon that ends a content line's name and parameters
/// (colons inside quoted parameter values do not count).
fn value_start(line: &str) -> Option<usize> {
    let mut quoted = false;
    line.char_indices().find_map(|(i, c)| match c {
        '"' => {
            quoted = !quoted;
            None
        }
        ':' if !quoted => Some(i),
        _ => None,
    })
}
