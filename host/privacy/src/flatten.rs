//! HTML made plain enough for detection before anyone looks at it. Senders (and their
//! editors) split values with inline tags and character references:
//! `<span>Pie</span>ter`, `<b>020-416</b> 9006`, `06.8<i>0.6</i>9.57.55`,
//! `info&#64;bedrijf.nl`. Each piece alone is harmless vocabulary and no detector
//! finds the whole, so the value would pass. Flattening drops inline formatting tags
//! and decodes character references in text (re-escaping `<`, `>` and `&`, so no
//! markup appears that was not there), and the detector and the fail-closed renderer
//! then both work on the same flattened source. Links (`<a>`), images and every block
//! or structural tag stay as they are, since filters read them; every other element
//! (formatting, `<label>`, made-up names) and every comment goes.

use crate::markup::{decode_entities, decode_entities_except};
use std::borrow::Cow;

/// `html` with comments and the elements the view does not keep dropped, runs of tags
/// that only split a value taken out of its way, and character references in text
/// decoded; borrowed when there is nothing to change.
pub fn flatten(html: &str) -> Cow<'_, str> {
    if !html.contains(['<', '&']) {
        return html.into();
    }
    let mut out = String::with_capacity(html.len());
    let mut text_from = 0;
    let mut i = 0;
    let bytes = html.as_bytes();
    while i < bytes.len() {
        if bytes[i..].starts_with(b"<!--") {
            // A comment shows nothing: gone, so `06<!---->1234` is one number.
            push_text(&html[text_from..i], &mut out);
            let end = comment_end(html, i);
            (i, text_from) = (end, end);
            continue;
        }
        if bytes[i] != b'<' || !bytes.get(i + 1).is_some_and(|n| n.is_ascii_alphabetic() || b"/!".contains(n)) {
            i += 1;
            continue;
        }
        push_text(&html[text_from..i], &mut out);
        if let Some((end, between)) = splitting_run(html, i, &out) {
            out.push_str(between);
            (i, text_from) = (end, end);
            continue;
        }
        let mut end = tag_end(html, i);
        let tag = &html[i..end];
        if let Some(close) = empty_link_end(tag, &html[end..]) {
            // `192<a></a>.0.2.55`: an empty link shows nothing and only splits.
            end += close;
        } else if kept(tag) {
            push_tag(tag, &mut out);
        }
        i = end;
        text_from = end;
    }
    push_text(&html[text_from..], &mut out);
    out.into()
}

/// Text between tags, references decoded and the three markup characters escaped.
fn push_text(text: &str, out: &mut String) {
    if !text.contains('&') {
        out.push_str(text);
        return;
    }
    for c in decode_entities(text).chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c => out.push(c),
        }
    }
}

/// A kept tag, with references that stand for ordinary characters decoded, so the
/// detector sees `mailto:jan@x.nl` in `href="mailto:jan&#64;x.nl"`; references to the
/// characters that make markup (`<`, `>`, `&`, quotes) stay as written.
fn push_tag(tag: &str, out: &mut String) {
    out.push_str(&decode_entities_except(tag, &['<', '>', '&', '"', '\'']));
}

/// The end (exclusive) of the tag starting at `start`: after its `>`, skipping quoted
/// attribute values; the end of the source when it never closes.
fn tag_end(html: &str, start: usize) -> usize {
    let mut quote = None;
    for (i, c) in html[start..].char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return start + i + 1,
            _ => {}
        }
    }
    html.len()
}

/// True when `tag` opens or closes one of `names`.
fn is_element(tag: &str, names: &[&str]) -> bool {
    names.iter().any(|n| n.eq_ignore_ascii_case(element_name(tag)))
}

/// The end (exclusive) of the comment starting at `start` (`<!--`): after its `-->`,
/// or the end of the source when it never closes (an unclosed comment hides the rest).
fn comment_end(html: &str, start: usize) -> usize {
    html[start + 4..].find("-->").map_or(html.len(), |e| start + 4 + e + 3)
}

/// A run of tags (with blank space and comments between them) at `start` that only
/// splits a value: between two digits (`06<br>1234`, `<td>06</td><td>1234</td>`,
/// `06<a> </a>1234`), or glued between two letters with no line-breaking element in
/// it (`Lot<a href=#>te</a>`). Where it ends and what replaces it: a line break where
/// the run broke a line, a space where it held blank space (the number rule joins
/// the groups across either), else nothing.
fn splitting_run(html: &str, start: usize, before: &str) -> Option<(usize, &'static str)> {
    // `end` is after the last tag or comment of the run: blank space after it is text,
    // and counts only when another tag follows it.
    let (mut at, mut end, mut blank, mut block, mut spaced) = (start, start, false, false, false);
    loop {
        let rest = &html[at..];
        let b = rest.as_bytes();
        if rest.starts_with("<!--") {
            at = comment_end(html, at);
        } else if b.first() == Some(&b'<') && b.get(1).is_some_and(|n| n.is_ascii_alphabetic() || *n == b'/') {
            let e = tag_end(html, at);
            block |= crate::html_names::breaks_line(element_name(&html[at..e]));
            at = e;
        } else {
            let space = rest.chars().next().filter(|c| c.is_whitespace()).map(char::len_utf8);
            match space.or(rest.starts_with("&nbsp;").then_some(6)) {
                Some(n) => (at, spaced) = (at + n, true),
                None => break,
            }
            continue;
        }
        (blank, spaced, end) = (blank || spaced, false, at);
    }
    // Digits on both sides, past any marks and blank space (`06-</td><td>1234`).
    let mark = |c: char| !c.is_alphanumeric() && !matches!(c, '<' | '>' | '&');
    let mut after = &html[end..];
    loop {
        let trimmed = after.trim_start_matches(mark).trim_start_matches("&nbsp;");
        if trimmed.len() == after.len() {
            break;
        }
        after = trimmed;
    }
    let last = before.trim_end_matches(mark).chars().next_back()?;
    if last.is_ascii_digit() && after.starts_with(|c: char| c.is_ascii_digit()) {
        return Some((
            end,
            if block {
                "\n"
            } else if blank {
                " "
            } else {
                ""
            },
        ));
    }
    let glued = before.chars().next_back().is_some_and(char::is_alphanumeric);
    let next = html[end..].chars().next()?;
    (glued && !blank && !block && next.is_alphanumeric()).then_some((end, ""))
}

/// When `tag` opens a link and `rest` starts with its closing tag: that tag's length.
fn empty_link_end(tag: &str, rest: &str) -> Option<usize> {
    let close = rest.get(..4).filter(|c| c.eq_ignore_ascii_case("</a>"))?;
    is_element(tag, &["a"]).then_some(close.len())
}

/// True for an opening or closing tag of an element the view keeps
/// ([`html_names::kept_element`]); any other (formatting, `<label>`, a made-up
/// `<zwanenburg>`) only splits text, and its name could be anyone's.
fn kept(tag: &str) -> bool {
    crate::html_names::kept_element(element_name(tag))
}

/// The element name of an opening or closing tag (`<o:p …>` → `o:p`, `<!DOCTYPE` →
/// `!DOCTYPE`).
fn element_name(tag: &str) -> &str {
    let name = tag.trim_start_matches('<').trim_start_matches('/');
    &name[..name.find(|c: char| !(c.is_ascii_alphanumeric() || c == ':' || c == '!')).unwrap_or(name.len())]
}

#[cfg(test)]
mod tests {
    use super::flatten;

    #[test]
    fn values_split_by_inline_tags_or_references_are_joined() {
        let cases = [
            ("<p><span>Pie</span>ter</p>", "<p>Pieter</p>"),
            ("bel <b>020-416</b> 9006", "bel 020-416 9006"),
            ("06.8<i>0.6</i>9.57.55", "06.80.69.57.55"),
            ("<b>1016</b>&nbsp;GV", "1016\u{a0}GV"),
            ("info&#64;bedrijf.nl of x&commat;y.nl", "info@bedrijf.nl of x@y.nl"),
            ("<SPAN style=\"a>b\">Jan</SPAN>", "Jan"),
            (
                "<a href=\"https://x.test/\">link</a><br><img src=x>",
                "<a href=\"https://x.test/\">link</a><br><img src=x>",
            ),
            ("&lt;script&gt; &amp; 1 < 2", "&lt;script&gt; &amp; 1 &lt; 2"),
            ("1 < 2", "1 < 2"),
            ("<o:p>Jan</o:p><wbr>sen", "Jansen"),
            ("plain text", "plain text"),
            ("06<label></label>1234<!---->5678<!-- x", "0612345678"),
            ("Fr\u{f6}sche<!--x-->é<br>", "Fr\u{f6}scheé<br>"),
            ("<zwanenburg data-x>Lotte</zwanenburg><!DOCTYPE html>", "Lotte<!DOCTYPE html>"),
            ("&#48&#54&#49 &#x4c;&#x6fx", "061 Lox"),
            ("192<a href=#></A>.0.2.55 06<img src=x>1234 a <img src=y> b", "192.0.2.55 061234 a <img src=y> b"),
            ("<p>c 06<br>1234<br>5678</p><p>d 06<a> </a>1234", "<p>c 06\n1234\n5678</p><p>d 06 1234"),
            ("<td>06</td><td>1234</td><td>5678</td>", "<td>06\n1234\n5678</td>"),
            ("Lot<a href=\"#\">te</a> Zwanen<a href=#>burg</a> b<br>c", "Lotte</a> Zwanenburg</a> b<br>c"),
            ("06<br><!-- x -->1234 and <p>Hello</p><p>World</p>", "06\n1234 and <p>Hello</p><p>World</p>"),
            ("<td>06-</td><td>1234-</td><td>&nbsp; 5678</td>", "<td>06-\n1234-\n\u{a0} 5678</td>"),
            ("06.<br>1234.<br>5678 and 06-<a href=#>1234</a>-5678", "06.\n1234.\n5678 and 06-1234-5678"),
            ("<a href=\"mailto:jan&#64;x.nl?a=1&amp;b=&quot;2\">", "<a href=\"mailto:jan@x.nl?a=1&amp;b=&quot;2\">"),
        ];
        for (html, flat) in cases {
            assert_eq!(flatten(html), flat, "{html}");
        }
    }
}
