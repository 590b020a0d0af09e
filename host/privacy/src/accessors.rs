//! The one view builder: what a purpose sees of each part of a transaction, one
//! function per accessor of `mxr:filter/data`. The sandbox's accessors and
//! `mxr plugin run` both call these, so what authors are shown is exactly what plugins
//! get. Every value goes through its category's renderer; nothing is passed raw.

use crate::render::{Renderer, Shown};
use crate::{Category, Form, ScannedMail, view};
use mxr_mail::{AddressEntry, Envelope};
use std::borrow::Cow;

/// The client's IP (network).
pub fn client_ip(r: &Renderer, env: &Envelope) -> Shown {
    env.client_ip.map_or(Shown::Withheld, |ip| r.ip(ip))
}

/// The HELO name (network), see [`view::helo`].
pub fn helo(r: &Renderer, env: &Envelope) -> Shown {
    env.helo.as_deref().map_or(Shown::Withheld, |h| view::helo(r, h))
}

/// The envelope sender (email-address). The null sender `<>` is no one's address:
/// it is shown as the empty string to any purpose that may see addresses at all.
pub fn mail_from(r: &Renderer, env: &Envelope) -> Shown {
    match env.mail_from.as_deref() {
        None => Shown::Withheld,
        Some("") if r.grant.form(Category::EmailAddress) != Form::Withheld => Shown::Full(String::new()),
        Some(a) => r.address(a),
    }
}

/// The accepted recipients (email-address).
pub fn recipients(r: &Renderer, env: &Envelope) -> Vec<Shown> {
    env.rcpts.iter().map(|a| r.address(a)).collect()
}

/// An address header's entries: (display name, address), each in its form.
pub fn addresses(r: &Renderer, list: &[AddressEntry]) -> Vec<(Shown, Shown)> {
    list.iter().map(|a| view::address(r, a)).collect()
}

/// `r` for the values of `msg`: knowing the names found in it, when free text is
/// rendered at all and content is not withheld (else finding them, which reads the
/// bodies, would be wasted or disclose nothing).
fn of_message<'b>(r: &'b Renderer, msg: &'b ScannedMail) -> Renderer<'b> {
    match r.renders_free_text() && r.grant.form(Category::Content) != Form::Withheld {
        true => r.knowing(msg.names(r.detector)),
        false => *r,
    }
}

/// The decoded subject (content).
pub fn subject(r: &Renderer, msg: &ScannedMail) -> Shown {
    let r = of_message(r, msg);
    msg.subject().map_or(Shown::Withheld, |s| r.text(Category::Content, s))
}

/// The text bodies (content), at most [`crate::scan::BODY_VIEW_BYTES`], with
/// detection cached per message.
pub fn text_body(r: &Renderer, msg: &ScannedMail) -> Shown {
    let r = &of_message(r, msg);
    let spans = || Cow::Borrowed(msg.text_spans(r.detector));
    msg.text_view().map_or(Shown::Withheld, |t| r.text_spanned(Category::Content, t, spans))
}

/// The HTML bodies (content): markup as markup, the rest failing closed.
pub fn html_body(r: &Renderer, msg: &ScannedMail) -> Shown {
    let r = &of_message(r, msg);
    let spans = || Cow::Borrowed(msg.html_spans(r.detector));
    msg.html_view().map_or(Shown::Withheld, |h| r.html_spanned(h, spans))
}

/// The field names in order, see [`view::header_name`]; names content may not show
/// are left out.
pub fn header_names(r: &Renderer, msg: &ScannedMail) -> Vec<String> {
    let r = &of_message(r, msg);
    msg.headers().iter().filter_map(|(n, _)| view::header_name(r, n)).collect()
}

/// Every value of the field `name` (case-insensitive), with the category governing it.
pub fn header(r: &Renderer, msg: &ScannedMail, name: &str) -> Vec<(Category, Shown)> {
    let r = &of_message(r, msg);
    msg.header_values(name).map(|v| view::header(r, name, v)).collect()
}

/// Every field in order: its name as [`header_names`] shows it and its value as
/// [`header`] does (for `mxr plugin run`, which shows what all of them return).
pub fn all_headers(r: &Renderer, msg: &ScannedMail) -> Vec<(String, Shown)> {
    let r = &of_message(r, msg);
    let shown = |(n, v): &(String, String)| Some((view::header_name(r, n)?, view::header(r, n, v).1));
    msg.headers().iter().filter_map(shown).collect()
}

/// One attachment as attachment-meta shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AttachmentMeta {
    /// Its index, for [`attachment_content`].
    pub index: u32,
    /// The file name, see [`view::file_name`].
    pub name: Option<String>,
    /// `type/subtype`, lower-case.
    pub content_type: String,
    /// Decoded size in bytes.
    pub size: u64,
    /// Hex SHA-256 of the decoded bytes.
    pub sha256: String,
}

/// The attachments (attachment-meta); empty unless it is granted in full.
pub fn attachments(r: &Renderer, msg: &ScannedMail) -> Vec<AttachmentMeta> {
    if r.grant.form(Category::AttachmentMeta) != Form::Full {
        return vec![];
    }
    let r = &of_message(r, msg);
    let list = msg.attachments().iter().enumerate();
    let content = r.grant.form(Category::AttachmentContent) == Form::Full;
    list.map(|(i, a)| AttachmentMeta {
        index: i as u32,
        name: a.name.as_deref().and_then(|n| view::file_name(r, n)),
        content_type: view::media_type(r, &a.content_type),
        size: a.bytes.len() as u64,
        // The hash of a small text part (a vCard, an invitation) could be reversed by
        // guessing: keyed unless the content itself is granted.
        sha256: match content || !view::is_textual(a) {
            true => a.sha256.clone(),
            false => r.pseudonyms.token("sha256", &a.sha256),
        },
    })
    .collect()
}

/// Why an attachment's content is not given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContentRefusal {
    /// The grant does not allow it.
    NotGranted,
    /// No attachment has that index.
    NotFound,
    /// Larger than the call may hand over.
    TooLarge,
}

/// An attachment's bytes (attachment-content) and the category they were shown
/// under: a binary part as it is; a part that is really text or mail rendered as
/// content (see [`view::textual_part`]). At most `max_bytes`.
pub fn attachment_content(
    r: &Renderer,
    msg: &ScannedMail,
    index: u32,
    max_bytes: usize,
) -> Result<(Category, Vec<u8>), ContentRefusal> {
    if r.grant.form(Category::AttachmentContent) != Form::Full {
        return Err(ContentRefusal::NotGranted);
    }
    let a = msg.attachments().get(index as usize).ok_or(ContentRefusal::NotFound)?;
    if a.bytes.len() > max_bytes {
        return Err(ContentRefusal::TooLarge);
    }
    match view::textual_part(&of_message(r, msg), a) {
        None => Ok((Category::AttachmentContent, a.bytes.clone())),
        Some(None) => Err(ContentRefusal::NotGranted),
        Some(Some(rendered)) => Ok((Category::Content, rendered)),
    }
}
