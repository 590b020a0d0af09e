//! Fail-closed rendering of HTML source: markup (tag and attribute names) passes as
//! markup, and everything a sender wrote (text between tags, attribute values,
//! comments) goes through the vocabulary like any free text. The state carries across
//! calls, because the detector's spans cut the source into gaps at any point, inside
//! tags too.

use crate::Pseudonymizer;
use crate::vocabulary::render_into;

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
}

impl Markup {
    /// Appends the rendering of `gap` (the next piece of the source) to `out`.
    pub fn render_into(&mut self, gap: &str, p: &Pseudonymizer, hosts_clear: bool, out: &mut String) {
        let mut text_from = None::<usize>;
        let flush = |from: &mut Option<usize>, to: usize, out: &mut String| {
            if let Some(s) = from.take() {
                render_into(&gap[s..to], p, hosts_clear, out);
            }
        };
        let mut chars = gap.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let next = chars.peek().map(|(_, n)| *n);
            match self.state {
                State::Text | State::Comment if c == '<' && self.state == State::Text && opens_tag(next) => {
                    flush(&mut text_from, i, out);
                    out.push('<');
                    self.state = if next == Some('!') { State::Comment } else { State::Tag };
                }
                State::Comment if c == '>' => {
                    flush(&mut text_from, i, out);
                    out.push('>');
                    self.state = State::Text;
                }
                State::Text | State::Comment => {
                    text_from.get_or_insert(i);
                }
                State::Tag => match c {
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
                    // Tag and attribute names: markup, not text.
                    c if c.is_ascii_alphanumeric() || matches!(c, '-' | ':' | '/' | '!' | '_') || c.is_whitespace() => {
                        out.push(c)
                    }
                    _ => out.push('?'),
                },
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
                    flush(&mut text_from, i, out);
                    out.push(q);
                    self.state = State::Tag;
                }
                State::Unquoted if c.is_whitespace() || c == '>' => {
                    flush(&mut text_from, i, out);
                    out.push(c);
                    self.state = if c == '>' { State::Text } else { State::Tag };
                }
                State::Quoted(_) | State::Unquoted => {
                    text_from.get_or_insert(i);
                }
            }
        }
        flush(&mut text_from, gap.len(), out);
    }
}

fn opens_tag(next: Option<char>) -> bool {
    next.is_some_and(|n| n.is_ascii_alphabetic() || n == '/' || n == '!')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(gaps: &[&str]) -> String {
        let p = Pseudonymizer::derive(&[3; 32], "spam-filtering");
        let mut m = Markup::default();
        let mut out = String::new();
        for g in gaps {
            m.render_into(g, &p, true, &mut out);
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
    fn state_carries_across_gaps_cut_inside_tags_and_values() {
        let whole = render(&[r#"<a title="Zwanenburg x" href=zwanenburg>y</a>"#]);
        let cut = render(&[r#"<a tit"#, r#"le="Zwanenburg"#, r#" x" href="#, r#"zwanenburg>y</a>"#]);
        assert!(!whole.contains("wanenburg") && whole.starts_with("<a title=\"p."), "{whole}");
        assert!(!cut.contains("Zwanenburg") && !cut.contains("zwanenburg"), "{cut}");
    }
}
