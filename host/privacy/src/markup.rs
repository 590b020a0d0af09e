//! Fail-closed rendering of HTML source: markup (tag and attribute names) passes as
//! markup, and everything a sender wrote (text between tags, attribute values,
//! comments) goes through the vocabulary like any free text. The state carries across
//! calls, because the detector's spans cut the source into gaps at any point, inside
//! tags too.

mod entities;

use crate::vocabulary::Words;

/// Where in the HTML source the previous gap ended.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between tags: text.
    #[default]
    Text,
    /// Inside a tag, between names.
    Tag,
    /// Inside a quoted attribute value.
    Quoted(char),
    /// Right after `=`: a value follows, quoted or not.
    AfterEq,
    /// Inside an unquoted attribute value.
    Unquoted,
    /// Inside a comment or declaration (`<!…>`): text until `>`.
    Comment,
}

/// A renderer of HTML gaps, in source order.
#[derive(Debug, Default)]
pub struct Markup {
    state: State,
    /// The tag or attribute name being read (a gap may end inside one).
    name: String,
}

impl Markup {
    /// Appends the rendering of `gap` (the next piece of the source) to `out`.
    pub fn render_into(&mut self, gap: &str, words: &mut Words, out: &mut String) {
        let mut text_from = None::<usize>;
        let flush = |from: &mut Option<usize>, to: usize, words: &mut Words, out: &mut String| {
            match from.take().map(|s| &gap[s..to]) {
                // Layout between tags (`</td>\n  <td>`) is no text: it ends no cue's
                // window ([`Words`]), as a reader sees one table row.
                Some(layout) if layout.bytes().all(|b| b.is_ascii_whitespace()) => out.push_str(layout),
                // Character references decoded first: `06&nbsp;1680&nbsp;9762` is one
                // number, `Zwanen&shy;burg` one word.
                Some(text) => words.render_into(&decode_entities(text), out),
                None => {}
            }
        };
        let mut chars = gap.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let next = chars.peek().map(|(_, n)| *n);
            match self.state {
                State::Text | State::Comment if c == '<' && self.state == State::Text && opens_tag(next) => {
                    flush(&mut text_from, i, words, out);
                    out.push('<');
                    self.state = if next == Some('!') { State::Comment } else { State::Tag };
                }
                State::Comment if c == '>' => {
                    flush(&mut text_from, i, words, out);
                    out.push('>');
                    self.state = State::Text;
                }
                State::Text | State::Comment => {
                    text_from.get_or_insert(i);
                }
                // Tag and attribute names: markup when standard, text otherwise.
                State::Tag if c.is_alphanumeric() || matches!(c, '-' | ':' | '_' | '.') => self.name.push(c),
                State::Tag => {
                    self.flush_name(words, out);
                    match c {
                        '>' => {
                            out.push('>');
                            self.state = State::Text;
                        }
                        '"' | '\'' => {
                            out.push(c);
                            self.state = State::Quoted(c);
                        }
                        '=' => {
                            out.push('=');
                            self.state = State::AfterEq;
                        }
                        c if matches!(c, '/' | '!') || c.is_whitespace() => out.push(c),
                        _ => out.push('?'),
                    }
                }
                State::AfterEq => match c {
                    '"' | '\'' => {
                        out.push(c);
                        self.state = State::Quoted(c);
                    }
                    '>' => {
                        out.push('>');
                        self.state = State::Text;
                    }
                    c if c.is_whitespace() => out.push(c),
                    _ => {
                        text_from.get_or_insert(i);
                        self.state = State::Unquoted;
                    }
                },
                State::Quoted(q) if c == q => {
                    flush(&mut text_from, i, words, out);
                    out.push(q);
                    self.state = State::Tag;
                }
                State::Unquoted if c.is_whitespace() || c == '>' => {
                    flush(&mut text_from, i, words, out);
                    out.push(c);
                    self.state = if c == '>' { State::Text } else { State::Tag };
                }
                State::Quoted(_) | State::Unquoted => {
                    text_from.get_or_insert(i);
                }
            }
        }
        flush(&mut text_from, gap.len(), words, out);
    }

    /// Writes the name read so far: as it is when it is a standard element or
    /// attribute name, else through the vocabulary (`data-lotte_zwanenburg`).
    fn flush_name(&mut self, words: &mut Words, out: &mut String) {
        match crate::html_names::markup_name(&self.name) {
            true => out.push_str(&self.name),
            false => words.render_into(&self.name, out),
        }
        self.name.clear();
    }
}

/// HTML character references decoded (`&nbsp;`, `&#160;`, `&#xA0;`, `&shy;`, `&amp;`
/// and the other common names); an unknown name stays as written.
pub(crate) fn decode_entities(text: &str) -> std::borrow::Cow<'_, str> {
    decode_entities_except(text, &[])
}

/// Like [`decode_entities`], leaving references to the characters in `kept` as
/// written (inside a tag, `&quot;` must not become a quote that ends a value).
pub(crate) fn decode_entities_except<'t>(text: &'t str, kept: &[char]) -> std::borrow::Cow<'t, str> {
    if !text.contains('&') {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest[1..].find(';').map(|i| i + 1).filter(|&i| i <= 10);
        let decoded = end.and_then(|e| entity(&rest[1..e])).filter(|c| !kept.contains(c));
        match (end, decoded, unterminated_number(rest)) {
            (Some(e), Some(c), _) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            // `&#48&#54`: browsers decode a numeric reference without its `;` too.
            (_, _, Some((c, len))) if !kept.contains(&c) => {
                out.push(c);
                rest = &rest[len..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out.into()
}

/// A numeric reference without its `;` at the head of `rest` (`&#48`, `&#x4c`): the
/// character and the reference's length.
fn unterminated_number(rest: &str) -> Option<(char, usize)> {
    let body = rest.strip_prefix("&#")?;
    let (digits, radix, skip) = match body.strip_prefix(['x', 'X']) {
        Some(hex) => (hex.bytes().take_while(u8::is_ascii_hexdigit).count(), 16, 3),
        None => (body.bytes().take_while(u8::is_ascii_digit).count(), 10, 2),
    };
    let number = &rest[skip..skip + digits];
    let c = u32::from_str_radix(number, radix).ok().filter(|_| digits <= 7).and_then(char::from_u32)?;
    Some((c, skip + digits))
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "nbsp" => '\u{a0}',
        "shy" => '\u{ad}',
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "thinsp" => '\u{2009}',
        "ensp" => '\u{2002}',
        "emsp" => '\u{2003}',
        "ndash" => '–',
        "mdash" => '—',
        "minus" => '\u{2212}',
        "zwsp" | "ZeroWidthSpace" => '\u{200b}',
        "zwnj" => '\u{200c}',
        "zwj" => '\u{200d}',
        // The punctuation of addresses, numbers and links, which obfuscators spell out.
        "commat" => '@',
        "period" => '.',
        "hyphen" | "dash" => '-',
        "lowbar" | "UnderBar" => '_',
        "plus" => '+',
        "colon" => ':',
        "sol" => '/',
        "num" => '#',
        "percnt" => '%',
        "equals" => '=',
        "quest" => '?',
        "lpar" => '(',
        "rpar" => ')',
        "comma" => ',',
        _ => return entities::named(name),
    })
}

fn opens_tag(next: Option<char>) -> bool {
    next.is_some_and(|n| n.is_ascii_alphabetic() || n == '/' || n == '!')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Pseudonymizer;

    fn render(gaps: &[&str]) -> String {
        let p = Pseudonymizer::derive(&[3; 32], "spam-filtering");
        let (mut m, mut words) = (Markup::default(), Words::new(&p, true));
        let mut out = String::new();
        for g in gaps {
            m.render_into(g, &mut words, &mut out);
        }
        out
    }

    #[test]
    fn markup_passes_and_what_the_sender_wrote_is_text() {
        let html = r#"<html><body><h1>Hello!</h1><p class="x">Visit <a href="https://shop.test/zwanenburg">shop.test</a></p><!-- Lotte Zwanenburg --></body></html>"#;
        let out = render(&[html]);
        assert!(
            out.starts_with(r#"<html><body><h1>Hello!</h1><p class="x">Visit <a href="https://shop.test/p."#),
            "{out}"
        );
        assert!(out.contains(">shop.test</a>"), "{out}");
        for secret in ["zwanenburg", "Zwanenburg", "Lotte"] {
            assert!(!out.contains(secret), "{secret}: {out}");
        }
    }

    #[test]
    fn made_up_tag_and_attribute_names_are_text() {
        let out = render(&["<p data-pieternella_vosmaer aria-label=\"x\" class=y>a</p><zwanenburg x-tel-0612345678>"]);
        let aria = render(&["<p aria-pieternella aria-hidden=true>"]);
        assert!(!aria.contains("pieternella") && aria.contains(" aria-hidden=true"), "{aria}");
        for secret in ["pieternella", "vosmaer", "zwanenburg", "0612345678"] {
            assert!(!out.contains(secret), "{secret}: {out}");
        }
        assert!(out.starts_with("<p data-p.") && out.contains(" aria-label=\"x\" class=y>a</p><p."), "{out}");
        let cut = render(&["<p data-pieter", "nella_vosmaer>"]);
        assert!(!cut.contains("nella") && !cut.contains("pieter"), "a name cut by a gap is one name: {cut}");
    }

    #[test]
    fn character_references_join_what_they_split() {
        let out = render(&["<p>Bel 06&nbsp;1680&nbsp;9762 of Zwanen&shy;burg &#64; thuis</p>"]);
        assert!(!out.contains("9762") && !out.contains("burg") && !out.contains("Zwanen"), "{out}");
        // Typography passes as the characters it names, not as words to pseudonymise.
        let quoted = render(&["<p>&ldquo;Caf&eacute; open&rdquo; &ndash; it&rsquo;s &euro;&nbsp;5&hellip;</p>"]);
        assert_eq!(quoted, "<p>“Café open” – it’s €\u{a0}5…</p>");
    }

    #[test]
    fn a_cue_reaches_into_the_next_cell() {
        let out =
            render(&["<tr><td>Geboortedatum</td><td>9 juli 1971</td></tr>", "<tr><td>Pincode</td><td>", "0815</td>"]);
        for secret in ["9 juli", "1971", "0815"] {
            assert!(!out.contains(secret), "{secret}: {out}");
        }
        // Pretty-printed source: layout between tags is no line break of the text.
        let pretty = render(&["<tr>\n  <td>Geboortedatum</td>\n  <td>9 juli 1971</td>\n</tr>"]);
        assert!(!pretty.contains("juli") && pretty.starts_with("<tr>\n  <td>Geboortedatum</td>\n  <td>p."), "{pretty}");
        // A line break of the text ends it: the next line's number is no one's code.
        let lines = render(&["<p>Code\n12 items</p>"]);
        assert_eq!(lines, "<p>Code\n12 items</p>");
    }

    #[test]
    fn state_carries_across_gaps_cut_inside_tags_and_values() {
        let whole = render(&[r#"<a title="Zwanenburg x" href=zwanenburg>y</a>"#]);
        let cut = render(&[r#"<a tit"#, r#"le="Zwanenburg"#, r#" x" href="#, r#"zwanenburg>y</a>"#]);
        assert!(!whole.contains("wanenburg") && whole.starts_with("<a title=\"p."), "{whole}");
        assert!(!cut.contains("Zwanenburg") && !cut.contains("zwanenburg"), "{cut}");
    }
}
