//! vCard (RFC 6350) and iCalendar (RFC 5545) parts: directories of people, where
//! nearly every value is somebody's name, organisation, number or address, however
//! ordinary its words (`ORG:Puffin Kayaks`). Such a part fails closed by structure:
//! each value becomes one pseudonym, and so does each parameter value
//! (`ATTENDEE;CN=…`), except for the few properties that describe the record itself
//! (dates, versions, status), which pass, and free-text ones (`SUMMARY`,
//! `DESCRIPTION`), which are rendered like any content text.

use crate::render::{IN_FREE_TEXT, Renderer};
use crate::{Category, Form};

/// Content types of directory parts.
pub const TYPES: &[&str] =
    &["text/vcard", "text/x-vcard", "text/directory", "application/vcard", "text/calendar", "application/ics"];

/// Properties about the record, not a person: their values pass.
const STRUCTURAL: &[&str] = &[
    "BEGIN",
    "END",
    "VERSION",
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
/// Parameters that describe the value's type: their values pass when each of their
/// comma-separated items is one of [`TYPE_VALUES`] (or a language tag, for LANGUAGE).
const TYPE_PARAMS: &[&str] =
    &["TYPE", "VALUE", "CHARSET", "ENCODING", "ROLE", "PARTSTAT", "RSVP", "CUTYPE", "LANGUAGE", "PREF"];
/// The values [`TYPE_PARAMS`] take (RFC 6350 §5, RFC 5545 §3.2, and vCard 2.1/3.0's).
const TYPE_VALUES: &[&str] = &[
    "home",
    "work",
    "cell",
    "voice",
    "fax",
    "pager",
    "video",
    "text",
    "textphone",
    "msg",
    "pref",
    "internet",
    "x400",
    "dom",
    "intl",
    "postal",
    "parcel",
    "bbs",
    "modem",
    "car",
    "isdn",
    "pcs",
    "main",
    "iphone",
    "other",
    "contact",
    "uri",
    "date",
    "date-time",
    "time",
    "utc-offset",
    "language-tag",
    "boolean",
    "integer",
    "float",
    "binary",
    "duration",
    "period",
    "recur",
    "cal-address",
    "utf-8",
    "us-ascii",
    "iso-8859-1",
    "b",
    "base64",
    "quoted-printable",
    "8bit",
    "chair",
    "req-participant",
    "opt-participant",
    "non-participant",
    "needs-action",
    "accepted",
    "declined",
    "tentative",
    "delegated",
    "completed",
    "in-process",
    "true",
    "false",
    "individual",
    "group",
    "resource",
    "room",
    "unknown",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
];
/// Property names of vCard and iCalendar; any other (`X-…`) is the sender's own and
/// becomes a pseudonym like a value.
const PROPERTIES: &[&str] = &[
    "BEGIN",
    "END",
    "SOURCE",
    "KIND",
    "XML",
    "FN",
    "N",
    "NICKNAME",
    "PHOTO",
    "BDAY",
    "ANNIVERSARY",
    "GENDER",
    "ADR",
    "TEL",
    "EMAIL",
    "IMPP",
    "LANG",
    "TZ",
    "GEO",
    "TITLE",
    "ROLE",
    "LOGO",
    "ORG",
    "MEMBER",
    "RELATED",
    "CATEGORIES",
    "NOTE",
    "PRODID",
    "REV",
    "SOUND",
    "UID",
    "CLIENTPIDMAP",
    "URL",
    "VERSION",
    "KEY",
    "FBURL",
    "CALADRURI",
    "CALURI",
    "LABEL",
    "MAILER",
    "NAME",
    "PROFILE",
    "SORT-STRING",
    "AGENT",
    "CLASS",
    "CALSCALE",
    "METHOD",
    "ATTACH",
    "COMMENT",
    "DESCRIPTION",
    "LOCATION",
    "PERCENT-COMPLETE",
    "PRIORITY",
    "RESOURCES",
    "STATUS",
    "SUMMARY",
    "COMPLETED",
    "DTEND",
    "DUE",
    "DTSTART",
    "DURATION",
    "FREEBUSY",
    "TRANSP",
    "TZID",
    "TZNAME",
    "TZOFFSETFROM",
    "TZOFFSETTO",
    "TZURL",
    "ATTENDEE",
    "CONTACT",
    "ORGANIZER",
    "RECURRENCE-ID",
    "RELATED-TO",
    "EXDATE",
    "RDATE",
    "RRULE",
    "ACTION",
    "REPEAT",
    "TRIGGER",
    "CREATED",
    "DTSTAMP",
    "LAST-MODIFIED",
    "SEQUENCE",
    "REQUEST-STATUS",
];
/// Parameter names of vCard and iCalendar; any other becomes a pseudonym.
const PARAMETERS: &[&str] = &[
    "LANGUAGE",
    "VALUE",
    "PREF",
    "ALTID",
    "PID",
    "TYPE",
    "MEDIATYPE",
    "CALSCALE",
    "SORT-AS",
    "GEO",
    "TZ",
    "LABEL",
    "CHARSET",
    "ENCODING",
    "ALTREP",
    "CN",
    "CUTYPE",
    "DELEGATED-FROM",
    "DELEGATED-TO",
    "DIR",
    "FMTTYPE",
    "FBTYPE",
    "MEMBER",
    "PARTSTAT",
    "RANGE",
    "RELATED",
    "RELTYPE",
    "ROLE",
    "RSVP",
    "SENT-BY",
    "TZID",
    "EMAIL",
];

/// True when every comma-separated item of a type parameter's value is a known one
/// (a language tag such as `nl` or `en-GB` for LANGUAGE).
fn type_value(param: &str, value: &str) -> bool {
    let language = |v: &str| {
        let mut parts = v.split('-');
        parts.next().is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()))
            && parts.all(|p| (2..=4).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
    };
    value.trim_matches('"').split(',').all(|item| {
        TYPE_VALUES.iter().any(|t| t.eq_ignore_ascii_case(item))
            || (param.eq_ignore_ascii_case("LANGUAGE") && language(item))
    })
}

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
    // A part with a yearly event may be a birthday calendar: whatever its start is
    // written as, a date or a date-time, it is someone's date of birth.
    let yearly = unfolded.as_bytes().windows(11).any(|w| w.eq_ignore_ascii_case(b"FREQ=YEARLY"));
    let mut out = String::with_capacity(unfolded.len());
    for line in unfolded.lines() {
        render_line(r, line, yearly, &mut out);
        out.push_str("\r\n");
    }
    Some(out)
}

/// One line of a part; with `yearly`, the part's start and end dates are pseudonyms.
fn render_line(r: &Renderer, line: &str, yearly: bool, out: &mut String) {
    let Some(colon) = value_start(line) else {
        out.push_str(&r.pseudonyms.token("directory", line.trim()));
        return;
    };
    let (head, value) = (&line[..colon], &line[colon + 1..]);
    let mut params = head.split(';');
    let name = params.next().unwrap_or_default();
    // A group prefix (`item1.TEL`) is the sender's label: the name is after the dot.
    let bare = name.rsplit('.').next().unwrap_or(name).to_ascii_uppercase();
    let known = |list: &[&str], n: &str| list.iter().any(|k| k.eq_ignore_ascii_case(n));
    match known(PROPERTIES, &bare) {
        true => out.push_str(&bare),
        false => out.push_str(&r.pseudonyms.token("directory", &bare)),
    }
    for param in params {
        out.push(';');
        match param.split_once('=') {
            Some((k, v)) if known(PARAMETERS, k) => {
                out.push_str(k);
                out.push('=');
                match known(TYPE_PARAMS, k) && type_value(k, v) {
                    true => out.push_str(v),
                    false => out.push_str(&r.pseudonyms.token("directory", v.trim_matches('"'))),
                }
            }
            _ => out.push_str(&r.pseudonyms.token("directory", param)),
        }
    }
    out.push(':');
    let birthday = yearly && matches!(bare.as_str(), "DTSTART" | "DTEND");
    if STRUCTURAL.contains(&bare.as_str()) && structural_value(value) && !birthday {
        out.push_str(value);
    } else if FREE_TEXT.contains(&bare.as_str()) {
        if let Some(t) = r.text(Category::Content, value).into_text() {
            out.push_str(&t);
        }
    } else if !value.is_empty() {
        out.push_str(&r.pseudonyms.token("directory", &value.trim().to_lowercase()));
    }
}

/// True when a structural property's value has a structural shape: a date-time, a
/// duration, an offset, a small number, a version, a recurrence rule or a
/// word of the standards' closed sets. Anything else (`KIND:Lotte Zwanenburg`) is a value like
/// any other, and a pseudonym; so is a date alone (`DTSTART;VALUE=DATE:19410312`): an
/// all-day event that comes back each year is a birthday, and its first day a date of
/// birth.
fn structural_value(value: &str) -> bool {
    use regex::Regex;
    use std::sync::LazyLock;
    static SHAPES: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^(?:[0-9]{8}T[0-9]{6}Z?|[+-]?P[0-9WDTHMS]{1,12}|[+-][0-9]{4}|[0-9]{1,3}|[0-9]\.[0-9]|(?:(?:FREQ|UNTIL|COUNT|INTERVAL|BYSECOND|BYMINUTE|BYHOUR|BYDAY|BYMONTHDAY|BYYEARDAY|BYWEEKNO|BYMONTH|BYSETPOS|WKST)=[A-Z0-9,+-]{1,40};?){1,8})$",
        )
        .expect("a valid pattern")
    });
    const WORDS: &[&str] = &[
        "VCARD",
        "VCALENDAR",
        "VEVENT",
        "VTODO",
        "VJOURNAL",
        "VFREEBUSY",
        "VTIMEZONE",
        "VALARM",
        "STANDARD",
        "DAYLIGHT",
        "GREGORIAN",
        "REQUEST",
        "REPLY",
        "CANCEL",
        "PUBLISH",
        "ADD",
        "REFRESH",
        "COUNTER",
        "DECLINECOUNTER",
        "TENTATIVE",
        "CONFIRMED",
        "CANCELLED",
        "NEEDS-ACTION",
        "COMPLETED",
        "IN-PROCESS",
        "DRAFT",
        "FINAL",
        "OPAQUE",
        "TRANSPARENT",
        "PUBLIC",
        "PRIVATE",
        "CONFIDENTIAL",
        "AUDIO",
        "DISPLAY",
        "EMAIL",
        "INDIVIDUAL",
        "GROUP",
        "ORG",
        "LOCATION",
    ];
    SHAPES.is_match(value.trim()) || WORDS.iter().any(|w| w.eq_ignore_ascii_case(value.trim()))
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
