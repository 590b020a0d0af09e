//! A message inside a message (a forward as `message/rfc822`): parsed and rendered
//! like the outer one, never passed as its raw bytes. Its header fields are decoded
//! and rendered field by field, its bodies decoded (quoted-printable, base64, charset)
//! and rendered as text, and its own attachments in turn, to a bounded depth.

use crate::render::Renderer;
use crate::{Category, Form, view};
use mxr_mail::ParsedMail;

/// Deepest nesting rendered: mail below it (however declared) shows nothing, its
/// part named by its media type only. mail-parser parses to about this depth too.
const MAX_DEPTH: usize = 4;

/// The rendered form of the message in `bytes`, as content text; `None` when the
/// grant withholds content.
pub fn render(r: &Renderer, bytes: &[u8]) -> Option<String> {
    render_at(r, bytes, 0)
}

/// [`render`] for a message `depth` levels below the outer one: below [`MAX_DEPTH`]
/// nothing of it is shown (however it was reached: as `message/rfc822`, or as a part
/// of another type that turned out to be mail).
pub(crate) fn render_at(r: &Renderer, bytes: &[u8], depth: usize) -> Option<String> {
    if r.grant.form(Category::Content) == Form::Withheld {
        return None;
    }
    let mut out = String::new();
    if depth < MAX_DEPTH {
        message(r, bytes, depth, &mut out);
    }
    Some(out)
}

/// Appends the rendering of one message, `depth` levels below the outer one.
fn message(r: &Renderer, bytes: &[u8], depth: usize, out: &mut String) {
    let mail = ParsedMail::parse(bytes);
    for (name, value) in mail.headers() {
        if let (Some(name), Some(v)) = (view::header_name(r, name), view::header(r, name, value).1.into_text()) {
            out.push_str(&format!("{name}: {v}\r\n"));
        }
    }
    out.push_str("\r\n");
    for body in [mail.text(), mail.html().map(|h| crate::flatten::flatten(h).into_owned()).as_deref()].into_iter() {
        if let Some(v) = body.and_then(|b| r.text(Category::Content, b).into_text()) {
            out.push_str(&v);
            out.push_str("\r\n");
        }
    }
    for part in mail.attachments() {
        let kind = view::media_type(r, &part.content_type);
        out.push_str(&format!("\r\n[{kind}]\r\n"));
        if let Some(Some(v)) = view::textual_part_at(r, part, depth + 1) {
            out.push_str(&String::from_utf8_lossy(&v));
        }
    }
}
