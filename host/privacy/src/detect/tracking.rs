//! Tracking links (conversion data), in every shape a newsletter writes them:
//! - with a scheme, protocol-relative (`//trk.example/o/pixel/237d85b65.png`, an open
//!   pixel) or bare (`links.winkel.test/v/981d8da1`, as plain-text parts print them);
//! - marked by a query parameter or path of an analytics or mailing service (`utm_`,
//!   `gclid=`, `/ls/click`), or by the short first path segment of a click or open
//!   redirect (`/c/`, `/o/`, `/v/`, `/r/?id=`) with an opaque id right after it (past
//!   `pixel/` or `open/`), or in its query when no segment follows (`/r/?id=`).
//!
//! An id is opaque when it is six characters or more of letters, digits, `_` and `-`
//! with a digit in it: a channel or topic page (`/c/LotteZwanenburg`,
//! `/t/topic-title/123`) is no tracking link, and stays words to pseudonymise.

use super::structured::links;
use super::{Kind, Span};
use std::ops::Range;
use std::sync::LazyLock;

/// Query parameters and paths that mark a link as tracking wherever they stand.
const MARKERS: [&str; 12] = [
    "utm_",
    "gclid=",
    "fbclid=",
    "mc_eid=",
    "mc_cid=",
    "/track/",
    "/click",
    "/open",
    "trk=",
    "/ls/click",
    "msclkid=",
    "_hsenc=",
];

/// [`MARKERS`] in any ASCII case, in one pass over a link.
static FIND_MARKER: LazyLock<aho_corasick::AhoCorasick> =
    LazyLock::new(|| aho_corasick::AhoCorasick::builder().ascii_case_insensitive(true).build(MARKERS).unwrap());

/// First path segments of click and open redirects, which an opaque id follows
/// (`/c/<id>`, `/o/pixel/<id>.png`, `/r/?id=<id>`, Amazon SES's `/CL0/`).
const REDIRECT_SEGMENTS: [&str; 13] = ["c", "o", "v", "r", "l", "t", "e", "ct", "cl0", "l0", "ls", "redirect", "rd"];

/// The shortest opaque id, in characters.
const SHORTEST_ID: usize = 6;

/// Adds a [`Kind::Tracking`] span for every tracking link in `text`.
pub(super) fn find(text: &str, spans: &mut Vec<Span>) {
    let with_scheme: Vec<Range<usize>> = links(text).collect();
    // A link with a scheme runs to a blank or a quote; as a tracking link it ends at
    // its URL characters, so text glued on after it (`…/ab12cd)张伟`) keeps its own spans.
    let urls = with_scheme.iter().map(|l| l.start..l.start + url_chars(&text.as_bytes()[l.clone()]));
    for link in urls.chain(bare_links(text, &with_scheme)) {
        if is_tracking(&text[link.clone()]) {
            spans.push(Span::new(link, Kind::Tracking));
        }
    }
}

/// True when `link` (with a scheme or without) is a tracking link.
fn is_tracking(link: &str) -> bool {
    if FIND_MARKER.is_match(link) {
        return true;
    }
    let after_scheme = link.split_once("://").map_or(link.trim_start_matches('/'), |(_, rest)| rest);
    let Some(path_at) = after_scheme.find(['/', '?']) else { return false };
    let (path, query) = after_scheme[path_at..].split_once('?').unwrap_or((&after_scheme[path_at..], ""));
    let path = path.split('#').next().unwrap_or_default();
    let mut segments = path.split('/').skip(1).peekable();
    // SendGrid's `/ss/c/<id>`.
    segments.next_if(|s| s.eq_ignore_ascii_case("ss"));
    let Some(marker) = segments.next().filter(|s| is_one_of(s, &REDIRECT_SEGMENTS)) else { return false };
    if is_one_of(marker, &["l0", "cl0"]) {
        // Amazon SES: the target's address comes first, the ids after it.
        return segments.any(opaque);
    }
    segments.next_if(|s| is_one_of(s, &["pixel", "open"]));
    match segments.next().filter(|s| !s.is_empty()) {
        Some(id) => opaque(id),
        None => query.split(['&', '#']).filter_map(|pair| pair.split_once('=').map(|(_, v)| v)).any(opaque),
    }
}

fn is_one_of(segment: &str, names: &[&str]) -> bool {
    names.iter().any(|n| segment.eq_ignore_ascii_case(n))
}

/// True for an opaque id (a file's extension and punctuation after it apart): see the
/// module's header.
fn opaque(part: &str) -> bool {
    // Punctuation after a link is taken into it (`(see x.test/o/ab12cd)`).
    let part = part.trim_end_matches([')', ']', '.', ',', ';', ':', '!', '?']);
    let id = part.rsplit_once('.').map_or(part, |(stem, _)| stem);
    id.len() >= SHORTEST_ID
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
        && id.bytes().any(|b| b.is_ascii_digit())
}

/// Links without a scheme: protocol-relative (`//host/…`) and bare (`host.tld/…`),
/// outside the links with one (`with_scheme`, in order). A bare host has two labels or
/// more and ends in letters, and stands where [`stands_alone`] says a link may start.
/// Such a link is URL characters only, less punctuation at its end: text glued on
/// after it (`…/981d8da1)张伟`) stays text, with its own spans.
fn bare_links(text: &str, with_scheme: &[Range<usize>]) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let (mut found, mut next, mut scheme_link) = (Vec::new(), 0, with_scheme.iter().peekable());
    for slash in memchr::memchr_iter(b'/', bytes) {
        while scheme_link.next_if(|l| l.end <= slash).is_some() {}
        if slash < next || scheme_link.peek().is_some_and(|l| l.start <= slash) {
            continue;
        }
        let start = match bytes.get(slash + 1) {
            Some(b'/') if slash == 0 || stands_alone(bytes[slash - 1]) => {
                let host = host_len(&bytes[slash + 2..]);
                (host > 0 && bytes.get(slash + 2 + host) == Some(&b'/')).then_some(slash)
            }
            _ => host_before(bytes, slash),
        };
        if let Some(start) = start {
            let end = slash + url_len(&bytes[slash..]);
            next = end;
            found.push(start..end);
        }
    }
    found
}

/// Where a bare host that ends at `slash` starts, if one does.
fn host_before(bytes: &[u8], slash: usize) -> Option<usize> {
    let start = bytes[..slash].iter().rposition(|b| !host_byte(*b)).map_or(0, |i| i + 1);
    let stands = start == 0 || stands_alone(bytes[start - 1]);
    (stands && start < slash && host_len(&bytes[start..]) == slash - start).then_some(start)
}

/// The length of the host name at the head of `bytes`: labels of letters, digits and
/// hyphens, two or more, the last of two letters or more; 0 when there is none.
fn host_len(bytes: &[u8]) -> usize {
    let len = bytes.iter().position(|b| !host_byte(*b)).unwrap_or(bytes.len());
    let host = &bytes[..len];
    let mut labels = host.split(|b| *b == b'.');
    let all_labels = labels.clone().all(|l| !l.is_empty());
    let tld = labels.next_back().unwrap_or_default();
    let two = labels.next().is_some();
    if all_labels && two && tld.len() >= 2 && tld.iter().all(u8::is_ascii_alphabetic) { len } else { 0 }
}

/// The length of the URL at the head of `bytes`: the characters RFC 3986 allows,
/// less the punctuation that ends a sentence or closes a bracket after a link.
fn url_len(bytes: &[u8]) -> usize {
    let url = &bytes[..url_chars(bytes)];
    url.len() - url.iter().rev().take_while(|b| b")]'.,;:!?".contains(b)).count()
}

/// The length of the run of characters RFC 3986 allows in a URL at the head of `bytes`.
fn url_chars(bytes: &[u8]) -> usize {
    let url_byte = |b: &u8| b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(b);
    bytes.iter().position(|b| !url_byte(b)).unwrap_or(bytes.len())
}

fn host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-')
}

/// True when a link may start after `b`: a blank, an opening bracket or quote, `=`,
/// or punctuation that separates (`,` `;` `:` `>`).
fn stands_alone(b: u8) -> bool {
    b.is_ascii_whitespace() || matches!(b, b'(' | b'[' | b'<' | b'"' | b'\'' | b'=' | b',' | b';' | b':' | b'>')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<&str> {
        super::super::found_by(find, text)
    }

    #[test]
    fn tracking_links_in_every_shape_are_found() {
        let cases: &[(&str, &[&str])] = &[
            ("see https://x.test/a?utm_source=nl now", &["https://x.test/a?utm_source=nl"]),
            ("<img src=\"//links.winkel.test/o/pixel/237d85b65.png\">", &["//links.winkel.test/o/pixel/237d85b65.png"]),
            ("open links.winkel.test/v/981d8da1 today", &["links.winkel.test/v/981d8da1"]),
            (
                "https://trk.newsletter.example/r/?id=a1b2c3d4&l=nl",
                &["https://trk.newsletter.example/r/?id=a1b2c3d4&l=nl"],
            ),
            ("http://r.campagne.test/c/981d8da1/9.", &["http://r.campagne.test/c/981d8da1/9."]),
            ("(go.shop.example/o/mvab1epw)", &["go.shop.example/o/mvab1epw"]),
            ("(links.shop.test/v/981d8da1)张伟先生", &["links.shop.test/v/981d8da1"]),
            ("https://u.test/ss/c/a1b2c3d4e5", &["https://u.test/ss/c/a1b2c3d4e5"]),
            ("https://x.test/c/ab12cd)张伟先生", &["https://x.test/c/ab12cd)"]),
            (
                "https://x.awstrack.me/L0/https:%2F%2Fshop.test/1/0102018f",
                &["https://x.awstrack.me/L0/https:%2F%2Fshop.test/1/0102018f"],
            ),
        ];
        for (text, want) in cases {
            assert_eq!(found(text), *want, "{text:?}");
        }
    }

    #[test]
    fn links_without_an_opaque_id_or_a_redirect_path_are_no_tracking() {
        for text in [
            "https://www.example.com/faq and www.example.com/c/products",
            "https://www.youtube.com/c/music",
            "a path src/main.rs/x and 1/2 and and/or, a.b/c/d1234567",
            "https://t.co/AbC123xyz",
            "mail jan@example.nl//x",
            "https://example.com/r/rust",
            "https://www.youtube.com/c/LotteZwanenburg and go.shop.example/o/mvabxepw",
            "cd my.project/src/t/abc123 and https://x.test/a/c/abc123",
            "teams.microsoft.com/l/meetup-join/19%3ameeting_abc",
            "https://www.reddit.com/r/x/comments/1abc23/my_neighbour and forum.test/t/topic-title/123",
        ] {
            assert_eq!(found(text), Vec::<&str>::new(), "{text:?}");
        }
    }
}
