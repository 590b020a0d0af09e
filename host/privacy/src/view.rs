//! Rendering the parts of a message that need more than one value's form: address
//! lists and header fields. Shared by the plugin accessors and `mxr plugin run`, so
//! what authors are shown is exactly what plugins get.

use super::render::{Renderer, Shown};
use super::{Category, Form};
use crate::header_kind::{HeaderKind, header_kind};
use crate::protocol_tokens;
use mxr_mail::{AddressEntry, AttachmentEntry};

/// One address from an address header: (display name, address), each in its form.
pub fn address(r: &Renderer, a: &AddressEntry) -> (Shown, Shown) {
    // A display name is a name as a whole, whatever a detector would make of it.
    let name = a.name.as_deref().map_or(Shown::Withheld, |n| r.value(Category::NameAddress, n));
    let address = a.address.as_deref().map_or(Shown::Withheld, |x| r.address(x));
    (name, address)
}

/// A header field's value in its granted form, and the category that governs it.
pub fn header(r: &Renderer, name: &str, value: &str) -> (Category, Shown) {
    // Detection and rendering see the decoded text, never `=?UTF-8?B?...?=`.
    let decoded = mxr_mail::decode_encoded_words(value);
    let value = decoded.as_str();
    match header_kind(name) {
        HeaderKind::Text(c) if c == Category::Content || r.grant.form(c) == Form::Full => (c, r.text(c, value)),
        HeaderKind::Text(c) => (c, data_only(r, c, value)),
        // A value granted in full still hides what it holds of stricter categories (an
        // address or phone number inside an X-Mailer): the stricter form wins.
        HeaderKind::Value(c) if r.grant.form(c) == Form::Full => (c, r.text(c, value)),
        HeaderKind::Value(c) => (c, r.value(c, value)),
        HeaderKind::Addresses => (Category::EmailAddress, address_header(r, value)),
        HeaderKind::Technical if r.grant.form(Category::Content) == Form::Withheld => {
            (Category::Content, Shown::Withheld)
        }
        HeaderKind::Technical if protocol_tokens::technical_value(&name.to_ascii_lowercase(), value) => {
            (Category::Content, Shown::Full(value.to_owned()))
        }
        // A comment or any unexpected word in a technical field is free text.
        HeaderKind::Technical => (Category::Content, r.text(Category::Content, value)),
        HeaderKind::Mime => (Category::Content, mime_field(r, value)),
        HeaderKind::MessageIds => (Category::Network, message_ids(r, value)),
    }
}

/// Message ids (`<left@right>`, any number): each left part a pseudonym, each right
/// part a host name shown when the network is granted in full and a pseudonym
/// otherwise; comments and anything outside the brackets dropped.
fn message_ids(r: &Renderer, value: &str) -> Shown {
    let form = r.grant.form(Category::Network);
    if form == Form::Withheld {
        return Shown::Withheld;
    }
    let ids: Vec<String> = value
        .split('<')
        .skip(1)
        .filter_map(|s| s.split_once('>').map(|(id, _)| id))
        .map(|id| {
            let (left, right) = id.rsplit_once('@').unwrap_or((id, ""));
            let left = r.pseudonyms.token("message-id", left);
            match right {
                "" => format!("<{left}>"),
                host if form == Form::Full && crate::vocabulary::is_host(host) => format!("<{left}@{host}>"),
                other => format!("<{left}@{}>", r.pseudonyms.token("host", &other.to_ascii_lowercase())),
            }
        })
        .collect();
    Shown::Pseudonym(ids.join(" "))
}

/// Parameter names of MIME fields that pass as they are; others are words.
const PARAMETERS: &[&str] = &[
    "name",
    "filename",
    "charset",
    "format",
    "delsp",
    "method",
    "protocol",
    "micalg",
    "report-type",
    "type",
    "boundary",
    "size",
    "creation-date",
    "modification-date",
    "read-date",
    "reply-type",
    "id",
    "access-type",
];

/// Free text through the vocabulary only (no detector, no hosts): for tokens that
/// should be protocol words, such as a media type or a parameter name.
fn words_only(r: &Renderer, text: &str) -> String {
    let mut out = String::new();
    crate::vocabulary::render_into(text, r.pseudonyms, false, &mut out);
    out
}

/// A media type (`application/pdf`): a known one ([`protocol_tokens::known_media_type`])
/// in lower case, any other through the vocabulary, so a made-up subtype
/// (`application/lotte-zwanenburg.0616809762`) fails closed. The caller checks the
/// grant of the category it shows it under (attachment-meta, or content in a header).
pub fn media_type(r: &Renderer, kind: &str) -> String {
    match protocol_tokens::known_media_type(kind) {
        true => kind.to_ascii_lowercase(),
        false => words_only(r, kind),
    }
}

/// `type/subtype; name=value; …` with the type and names as they are, file names as
/// file names and other values as content text; `<withheld>` parts are dropped.
fn mime_field(r: &Renderer, value: &str) -> Shown {
    if r.grant.form(Category::Content) == Form::Withheld {
        return Shown::Withheld;
    }
    let mut parts = value.split(';');
    let kind = parts.next().unwrap_or_default().trim();
    let token = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"/-.+*_".contains(&b));
    let mut out = media_type(r, kind);
    for p in parts {
        let Some((name, v)) = p.split_once('=') else { continue };
        let (name, v) = (name.trim(), v.trim().trim_matches('"'));
        let key = name.trim_end_matches('*').to_ascii_lowercase();
        let key = key.split('*').next().unwrap_or_default();
        let shown = if protocol_tokens::parameter_token(key, v) {
            Some(v.to_owned())
        } else if protocol_tokens::token_parameter(key) {
            Some(r.pseudonyms.token("parameter", &v.to_ascii_lowercase()))
        } else if protocol_tokens::MEDIA_TYPE_PARAMETERS.contains(&key) {
            Some(media_type(r, v))
        } else if key == "name" || key == "filename" {
            file_name(r, v)
        } else {
            r.text(Category::Content, v).into_text()
        };
        if token(name)
            && let Some(x) = shown
        {
            let name = if PARAMETERS.contains(&key) { name.to_owned() } else { words_only(r, name) };
            out.push_str(&format!("; {name}=\"{x}\""));
        }
    }
    if out == value { Shown::Full(out) } else { Shown::Redacted(out) }
}

/// A header of a technical category (Received, X-Originating-IP, List-Unsubscribe)
/// granted in less than full: only the data of that category found in it, each in its
/// form, joined; the rest (host names, ids, comments) is dropped, since it is the
/// same category and nothing the form allows.
fn data_only(r: &Renderer, c: Category, value: &str) -> Shown {
    let form = r.grant.form(c);
    if form == Form::Withheld {
        return Shown::Withheld;
    }
    let parts: Vec<String> = r
        .detector
        .detect(value)
        .into_iter()
        .filter(|s| s.category() == c)
        .map(|s| r.piece(c, &value[s.range]))
        .collect();
    let joined = parts.join(", ");
    match form {
        Form::Pseudonym => Shown::Pseudonym(joined),
        Form::Domain => Shown::Domain(joined),
        _ => Shown::Redacted(joined),
    }
}

/// An address header as a whole: raw only when both names and addresses are granted
/// in full; otherwise the addresses alone, each in its form, names dropped.
fn address_header(r: &Renderer, value: &str) -> Shown {
    let (names, addrs) = (r.grant.form(Category::NameAddress), r.grant.form(Category::EmailAddress));
    if addrs == Form::Withheld {
        return Shown::Withheld;
    }
    if names == Form::Full && addrs == Form::Full {
        return Shown::Full(value.to_owned());
    }
    let parts: Vec<String> = r
        .detector
        .detect(value)
        .into_iter()
        .filter(|s| s.category() == Category::EmailAddress)
        .filter_map(|s| r.address(&value[s.range]).into_text())
        .collect();
    let joined = parts.join(", ");
    match addrs {
        Form::Full => Shown::Redacted(joined), // names were dropped
        Form::Pseudonym => Shown::Pseudonym(joined),
        Form::Domain => Shown::Domain(joined),
        Form::Redacted | Form::Withheld => Shown::Redacted(joined),
    }
}

/// An attachment that is really text or mail (a forwarded `message/rfc822`, a vCard,
/// an invitation, a text part with a file name, a `.csv` sent as bytes): its bytes are
/// rendered as content text, like the outer message's, never handed over byte for
/// byte. `None` for a binary part (its bytes are attachment content); `Some(None)` when
/// content is withheld.
pub fn textual_part(r: &Renderer, part: &AttachmentEntry) -> Option<Option<Vec<u8>>> {
    textual_part_at(r, part, 0)
}

/// [`textual_part`] for a part `depth` messages deep: mail inside it is rendered only
/// to [`crate::nested`]'s depth, however it is declared.
pub(crate) fn textual_part_at(r: &Renderer, part: &AttachmentEntry, depth: usize) -> Option<Option<Vec<u8>>> {
    let ct = part.content_type.to_ascii_lowercase();
    let declared = declared_textual(&ct);
    // A card, an invitation, a message or a text file under another type
    // (`application/x-vcard`, `application/octet-stream; name=fwd.eml`) is known by
    // its first bytes or its extension.
    let sniffed = if declared { None } else { sniff(&ct, part.name.as_deref(), &part.bytes) };
    if !declared && sniffed.is_none() {
        return None;
    }
    let text = text_of(&part.bytes);
    if crate::directory::is_directory(&ct) || sniffed == Some(Sniffed::Directory) {
        return Some(crate::directory::render(r, &text).map(String::into_bytes));
    }
    let mail = matches!(ct.as_str(), "message/rfc822" | "message/global" | "text/rfc822-headers");
    if mail || sniffed == Some(Sniffed::Message) {
        // Mail in UTF-16 (known only by sniffing) is parsed from its characters.
        let bytes = if sniffed.is_some() && is_utf16(&part.bytes) { text.as_bytes() } else { &part.bytes };
        return Some(crate::nested::render_at(r, bytes, depth).map(String::into_bytes));
    }
    Some(r.text(Category::Content, &text).into_text().map(String::into_bytes))
}

/// True when [`textual_part`] renders this part as text rather than handing over its
/// bytes: by its type, its first bytes or its extension.
pub fn is_textual(part: &AttachmentEntry) -> bool {
    let ct = part.content_type.to_ascii_lowercase();
    declared_textual(&ct) || sniff(&ct, part.name.as_deref(), &part.bytes).is_some()
}

/// True when `bytes` start with a UTF-16 byte-order mark.
fn is_utf16(bytes: &[u8]) -> bool {
    matches!(bytes.get(..2), Some([0xfe, 0xff] | [0xff, 0xfe]))
}

/// A text part's characters: UTF-16 after its byte-order mark, else UTF-8 (lossily).
fn text_of(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    let units = |be: bool| {
        bytes[2..]
            .chunks_exact(2)
            .map(move |u| if be { u16::from_be_bytes([u[0], u[1]]) } else { u16::from_le_bytes([u[0], u[1]]) })
    };
    match bytes.get(..2) {
        Some([0xfe, 0xff]) => {
            char::decode_utf16(units(true)).map(|c| c.unwrap_or('\u{fffd}')).collect::<String>().into()
        }
        Some([0xff, 0xfe]) => {
            char::decode_utf16(units(false)).map(|c| c.unwrap_or('\u{fffd}')).collect::<String>().into()
        }
        _ => String::from_utf8_lossy(bytes),
    }
}

/// Extensions of files that are plain text or data a person typed or exported (notes,
/// lists, spreadsheets saved as text, address books, routes, exports under `.dat`):
/// sent under a generic type, they are text still. Scripts (`.js`, `.vbs`, `.ps1`) and
/// documents (`.xml`, which Office also saves as) are not among them: the malware
/// scanner gets their bytes.
const TEXT_EXTENSIONS: &[&str] = &[
    "txt", "text", "csv", "tsv", "tab", "log", "md", "vcf", "ics", "eml", "mbox", "json", "ldif", "gpx", "kml", "dat",
];

/// Types under which a card, an invitation or a message is looked for by its first
/// bytes: generic bytes and the unregistered names of those formats. A part of any
/// other type (a program, a script, a document) stays attachment content whatever it
/// starts with, so that a malware scanner gets its bytes.
const SNIFFED_TYPES: &[&str] = &[
    "application/octet-stream",
    "application/x-unknown",
    "application/unknown",
    "application/csv",
    "application/x-csv",
    "application/vnd.ms-excel",
    "application/x-vcard",
    "application/x-ics",
    "application/x-icalendar",
    "application/mbox",
    "application/x-mbox",
    "application/eml",
    "application/x-eml",
];

/// Text by its declared type: `text/*`, `message/*`, cards and invitations, and JSON
/// and XML, also under a structured suffix (`application/gpx+xml`, RFC 6839). An
/// `image/svg+xml` stays an image.
fn declared_textual(ct: &str) -> bool {
    let ct = ct.split(';').next().unwrap_or_default().trim();
    ct.starts_with("text/")
        || ct.starts_with("message/")
        || matches!(ct, "application/ics" | "application/vcard" | "application/json" | "application/xml")
        || (ct.starts_with("application/") && (ct.ends_with("+xml") || ct.ends_with("+json")))
}

/// What a part's first bytes say it is, whatever its declared type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sniffed {
    /// A vCard or an iCalendar object.
    Directory,
    /// A message: a header section naming a sender, subject, date or route.
    Message,
    /// Plain text by its extension ([`TEXT_EXTENSIONS`]).
    Text,
}

/// Recognises a directory or a message by its start (after a BOM, blank space and an
/// mbox `From ` line), in a part of one of [`SNIFFED_TYPES`] that holds text (no NUL).
fn sniff(content_type: &str, name: Option<&str>, bytes: &[u8]) -> Option<Sniffed> {
    if !SNIFFED_TYPES.contains(&content_type) {
        return None;
    }
    // Bytes with a NUL are binary, unless they are UTF-16 (with its byte-order mark).
    if !is_utf16(bytes) && memchr::memchr(0, bytes).is_some() {
        return None;
    }
    let text = text_of(&bytes[..bytes.len().min(4096)]);
    if text.contains('\0') {
        return None;
    }
    let found = sniff_text(&text);
    let extension = name.and_then(|n| n.rsplit_once('.')).map(|(_, e)| e.to_ascii_lowercase());
    let text_file = extension.is_some_and(|e| TEXT_EXTENSIONS.contains(&e.as_str()));
    found.or(text_file.then_some(Sniffed::Text))
}

/// A card, an invitation or a message, by the start of `head`.
fn sniff_text(head: &str) -> Option<Sniffed> {
    let head = head.trim_start_matches('\u{feff}').trim_start();
    let head = match head.starts_with("From ") {
        true => head.split_once('\n').map_or("", |(_, rest)| rest),
        false => head,
    };
    let upper = head.get(..15).unwrap_or(head).to_ascii_uppercase();
    if upper.starts_with("BEGIN:VCARD") || upper.starts_with("BEGIN:VCALENDAR") {
        return Some(Sniffed::Directory);
    }
    let fields = head.lines().take_while(|l| !l.trim().is_empty());
    let names: Vec<String> = fields
        .filter(|l| !l.starts_with([' ', '\t']))
        .map_while(|l| l.split_once(':').map(|(n, _)| n.to_ascii_lowercase()))
        .collect();
    let shaped = !names.is_empty()
        && names.iter().all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    let mail = names.iter().any(|n| matches!(n.as_str(), "from" | "subject" | "date" | "received" | "message-id"));
    (shaped && mail).then_some(Sniffed::Message)
}

/// File-name extensions that pass in clear: filters judge them, and none is anyone's
/// data. Any other dot-segment is part of the name.
const EXTENSIONS: &[&str] = &[
    "pdf", "doc", "docx", "docm", "dot", "dotm", "xls", "xlsx", "xlsm", "xlsb", "ppt", "pptx", "pptm", "odt", "ods",
    "odp", "rtf", "txt", "csv", "xml", "json", "html", "htm", "eml", "msg", "ics", "vcf", "zip", "rar", "7z", "gz",
    "tgz", "tar", "bz2", "xz", "cab", "iso", "img", "exe", "scr", "com", "bat", "cmd", "ps1", "vbs", "vbe", "js",
    "jse", "wsf", "wsh", "hta", "lnk", "msi", "dll", "jar", "apk", "dmg", "pkg", "sh", "py", "jpg", "jpeg", "png",
    "gif", "bmp", "tif", "tiff", "svg", "heic", "webp", "mp3", "mp4", "wav", "mov", "avi", "bin", "dat", "p7s", "asc",
    "sig",
];

/// True for a known extension (any case).
fn known_extension(ext: &str) -> bool {
    EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(ext))
}

/// An attachment's file name: text of category attachment-meta, so the name fails
/// closed like any free text (a name in `cv_lotte_de_graaf.pdf` becomes pseudonyms),
/// while its last two extensions, when known ones (`.pdf.exe`), stay readable. `None`
/// when withheld.
pub fn file_name(r: &Renderer, name: &str) -> Option<String> {
    let parts: Vec<&str> = name.split('.').collect();
    let mut cut = parts.len();
    while cut > 1 && parts.len() - cut < 2 && known_extension(parts[cut - 1]) {
        cut -= 1;
    }
    let stem = parts[..cut].join(".");
    let mut out = r.text(Category::AttachmentMeta, &stem).into_text()?;
    if r.grant.form(Category::NameAddress) != Form::Full {
        out = listed_names_pseudonymised(r, &out);
    }
    for ext in &parts[cut..] {
        out.push('.');
        out.push_str(ext);
    }
    Some(out)
}

/// `shown` (a rendered file name) with each word that is a listed first name or
/// surname, in any case, as its pseudonym (`cv_floor_vos` → `cv_p.…_p.…`): a file name
/// is written in lower case as often as not, and there `floor`, `jan` and `vos` are no
/// words but a name, which neither the vocabulary nor the detector would know.
fn listed_names_pseudonymised(r: &Renderer, shown: &str) -> String {
    let mut out = String::with_capacity(shown.len());
    let mut rest = shown;
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphabetic()) {
        let len = rest[start..].find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len() - start);
        let (before, word) = (&rest[..start], &rest[start..start + len]);
        let glued = before.ends_with(char::is_alphanumeric) || rest[start + len..].starts_with(char::is_alphanumeric);
        out.push_str(before);
        match !glued && crate::vocabulary::is_listed_name(word) {
            true => out.push_str(&crate::vocabulary::word_pseudonym(word, r.pseudonyms)),
            false => out.push_str(word),
        }
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    out
}

/// A header field name: registered and common names pass; any other (`X-Phone-06…`)
/// is rendered as content text, so personal data in a field name fails closed like
/// any free text. `None` when content is withheld.
pub fn header_name(r: &Renderer, name: &str) -> Option<String> {
    let words = || r.grant.form(Category::Content) != Form::Withheld && crate::vocabulary::is_field_name_of_words(name);
    if crate::header_kind::is_common(name) || words() {
        return Some(name.to_owned());
    }
    r.text(Category::Content, name).into_text()
}

/// A HELO/EHLO name as a network value: for `domain`, the network of an address
/// literal (`[192.0.2.7]`, `[IPv6:2001:db8::1]`) or the registrable domain of a host
/// name; a value that is neither is withheld (unknown means stricter).
pub fn helo(r: &Renderer, helo: &str) -> Shown {
    if let Some(ip) = mxr_mail::address_literal_ip(helo) {
        return r.ip(ip);
    }
    let is_host = !helo.is_empty()
        && helo.len() <= 253
        && helo
            .trim_end_matches('.')
            .split('.')
            .all(|l| !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    match r.grant.form(Category::Network) {
        // A host name passes; any other word (`Lotte-Zwanenburg-0612345678`) is free
        // network text, failing closed like a Received line.
        Form::Full if is_host && crate::vocabulary::is_host(helo.trim_end_matches('.')) => {
            r.value(Category::Network, helo)
        }
        Form::Full => r.text(Category::Network, helo),
        // A domain needs a real one: two labels or more under a known top-level domain
        // (`LOTTE-PC`, `lotte.zwanenburg` are names, not domains).
        _ if is_host && crate::vocabulary::is_host(helo.trim_end_matches('.')) => r.value(Category::Network, helo),
        _ => Shown::Withheld,
    }
}

#[cfg(test)]
mod tests;
