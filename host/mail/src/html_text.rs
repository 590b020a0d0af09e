//! The text of an HTML body, for a message whose only body is HTML: mail-parser's
//! conversion, with each table cell, row, list item and block ended by a blank first.
//! mail-parser joins neighbouring cells with nothing between them
//! (`<td>jan@example.nl</td><td>0612345678</td>` became `jan@example.nl0612345678`),
//! which glues values of different kinds into one word.

use mail_parser::decoders::html::html_to_text;

/// Closing tags after which a reader sees a new word, lower-case, without `</`.
const WORD_ENDS: [&str; 7] = ["td", "th", "tr", "li", "div", "table", "dd"];

/// `html` as text, its cells and blocks apart.
pub fn text_of(html: &str) -> String {
    html_to_text(&with_blanks(html))
}

/// `html` with a blank after each closing tag of [`WORD_ENDS`].
fn with_blanks(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 16);
    let mut rest = html;
    while let Some(at) = rest.find("</") {
        let tag_end = rest[at..].find('>').map(|i| at + i + 1);
        let name = rest[at + 2..].split(|c: char| !c.is_ascii_alphanumeric()).next().unwrap_or_default();
        let Some(end) = tag_end.filter(|_| WORD_ENDS.iter().any(|w| w.eq_ignore_ascii_case(name))) else {
            out.push_str(&rest[..at + 2]);
            rest = &rest[at + 2..];
            continue;
        };
        out.push_str(&rest[..end]);
        out.push(' ');
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_and_blocks_are_words_apart() {
        let html = "<table><tr><td>jan@kpnmail.nl</td><td>0623456781</td><TD>Dijkhuizen</TD></tr></table>";
        assert_eq!(
            text_of(html).split_whitespace().collect::<Vec<_>>(),
            ["jan@kpnmail.nl", "0623456781", "Dijkhuizen"]
        );
        // Inline markup may split a word, and stays as it was.
        assert_eq!(text_of("<p>Lot<span>te</span> <b>06</b>1234</p>").trim(), "Lotte 061234");
        assert_eq!(with_blanks("a</div>b</x>c</"), "a</div> b</x>c</");
    }
}
