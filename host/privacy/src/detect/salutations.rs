//! The name in a greeting line (`Beste Jan,`) or on the line after a closing
//! (`Met vriendelijke groet,` / `Pieter Bakker`), taken apart by hand from the whole
//! match of the greeting or closing pattern of [`super::names`]. Finding the match
//! alone runs on the regex engine's fast DFA; asking for its capture group runs a
//! second, slower engine over it, which cost more than all other name patterns
//! together. Where the hand parse is not sure to agree with the pattern's group (a
//! title may follow the greeting, a word is not ASCII, a line is only markup) it
//! returns `None`, and the caller asks the pattern for its group after all.

use std::ops::Range;

/// Greetings of one word, lower-case, as the greeting pattern lists them.
const ONE_WORD: [&str; 12] =
    ["dear", "hi", "hello", "hey", "beste", "hallo", "hoi", "dag", "geachte", "lieve", "goedemorgen", "goedemiddag"];

/// What may follow `good ` in a greeting.
const AFTER_GOOD: [&str; 3] = ["morning", "afternoon", "evening"];

/// How a title the greeting pattern knows may start (`mr`, `mrs`, `ms`, `miss`, `dr`,
/// `prof`, `sir`, `dhr`, `mevr`, `mw`, `heer`, `mevrouw`, `meneer`, `de heer`),
/// lower-case: a name starting so is left to the pattern.
const TITLE_STARTS: [&str; 11] = ["mr", "mi", "ms", "dr", "pr", "si", "dh", "me", "mw", "he", "de"];

/// The name in `line`, a line the greeting pattern matches whole: after the markup,
/// the greeting and its blanks, up to the punctuation, markup and line break after.
pub fn greeting_name(line: &str) -> Option<Range<usize>> {
    let head = greeting_head(line)?;
    let end = greeting_name_end(line)?;
    (head < end).then_some(head..end)
}

/// Where the name starts: past markup, the greeting and the blanks after it, when the
/// next word is ASCII and cannot start a title.
fn greeting_head(line: &str) -> Option<usize> {
    let rest = skip_markup(line);
    let word_len = rest.find([' ', '\t']).unwrap_or(rest.len());
    let mut after = &rest[word_len..];
    if rest[..word_len].eq_ignore_ascii_case("good") {
        let next = after.strip_prefix(' ')?;
        let w = AFTER_GOOD.iter().find(|w| next.get(..w.len()).is_some_and(|h| h.eq_ignore_ascii_case(w)))?;
        after = &next[w.len()..];
    } else if !ONE_WORD.iter().any(|g| g.eq_ignore_ascii_case(&rest[..word_len])) {
        return None;
    }
    let name = after.trim_start_matches([' ', '\t']);
    let word = &name[..name.find([' ', '\t']).unwrap_or(name.len())];
    let title = TITLE_STARTS.iter().any(|t| word.get(..2).is_some_and(|h| h.eq_ignore_ascii_case(t)));
    (name.len() < after.len() && word.is_ascii() && !title).then(|| line.len() - name.len())
}

/// Where the name ends: before the line break, blanks, markup, one `,`, `!` or `:`
/// and blanks that the greeting pattern allows after it, stripped from the end.
fn greeting_name_end(line: &str) -> Option<usize> {
    let mut s = line.strip_suffix('\n').unwrap_or(line);
    s = s.strip_suffix('\r').unwrap_or(s).trim_end_matches([' ', '\t']);
    while let Some(inner) = s.strip_suffix('>') {
        let open = inner.rfind('<')?;
        if inner[open + 1..].contains(['>', '\r', '\n']) {
            return None;
        }
        s = &inner[..open];
    }
    s = s.trim_end_matches([' ', '\t']);
    s = s.strip_suffix([',', '!', ':']).unwrap_or(s).trim_end_matches([' ', '\t']);
    // A name ends in a letter or an initial's dot; anything else is left to the pattern.
    s.ends_with(|c: char| c.is_alphabetic() || c == '.').then_some(s.len())
}

/// The name after a closing, in `window[..end]`, a match of the closing pattern
/// ending at `end`: the last line of the match past its quote marks and markup.
pub fn closing_name(window: &str, end: usize) -> Option<Range<usize>> {
    let line_start = window[..end].rfind('\n')? + 1;
    let rest = skip_markup(&window[line_start..end]);
    let sure = !rest.is_empty() && !rest.contains(['<', '\r', '\n']);
    sure.then(|| end - rest.len()..end)
}

/// `line` past its leading blanks and quote marks, HTML tags, and the blanks after
/// them (`[ \t>]*(?:<[^<>\r\n]*>)*[ \t]*` in the patterns).
fn skip_markup(line: &str) -> &str {
    let mut rest = line.trim_start_matches([' ', '\t', '>']);
    while let Some(tag) = rest.strip_prefix('<') {
        match tag.find(['<', '>', '\r', '\n']) {
            Some(i) if tag.as_bytes()[i] == b'>' => rest = &tag[i + 1..],
            _ => break,
        }
    }
    rest.trim_start_matches([' ', '\t'])
}

/// The lines of `text` as a reader sees them, each with its end: split after each line
/// break, and in markup also after each tag that ends a block (`</p>`, `<br>`,
/// `</div>`), since an HTML body is often one line (`<p>Hoi Rose,</p><p>Zoals …`),
/// where a greeting would never stand on a line of its own.
///
/// Three detectors walk these lines, so the walk is cheap: the next line break and the
/// next `<` are each found once over the whole text, and a line with no `<` in it is
/// not read for tags.
pub(super) fn lines(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let next = |b: u8, from: usize| memchr::memchr(b, &bytes[from..]).map_or(bytes.len(), |i| from + i);
    let (mut at, mut open, mut line_end) = (0, next(b'<', 0), 0);
    std::iter::from_fn(move || {
        if at == bytes.len() {
            return None;
        }
        // A line split at its tags is searched for its break once, not once a piece.
        if at >= line_end {
            line_end = (next(b'\n', at) + 1).min(bytes.len());
        }
        if open < at {
            open = next(b'<', at);
        }
        let end = match open < line_end {
            true => block_end(&text[at..line_end]).map_or(line_end, |e| at + e),
            false => line_end,
        };
        let line = &text[at..end];
        at = end;
        Some(line)
    })
}

/// Tags (between `<` and `>`, without a closing `/`) after which a reader starts a
/// new line.
const BLOCK_ENDS: [&str; 8] = ["/p", "br", "/div", "/li", "/td", "/h1", "/h2", "/h3"];

/// Where the first tag that ends a block in `line` ends (past its `>`), if any.
fn block_end(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut from = 0;
    while let Some(open) = line[from..].find('<').map(|i| from + i) {
        let close = open + line[open..].find('>')?;
        let tag = line[open + 1..close].trim_end_matches(['/', ' ']);
        if BLOCK_ENDS.iter().any(|b| b.eq_ignore_ascii_case(tag)) && close + 1 < bytes.len() {
            return Some(close + 1);
        }
        from = close + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_end_at_breaks_and_at_tags_that_end_a_block() {
        let text = "a\nb</p>c<br/>d<span>e</span><BR>f</P>";
        assert_eq!(lines(text).collect::<Vec<_>>(), ["a\n", "b</p>", "c<br/>", "d<span>e</span><BR>", "f</P>"]);
        assert_eq!(lines("x <y").collect::<Vec<_>>(), ["x <y"], "an unclosed tag ends nothing");
        // One long line of many block tags is walked in one pass, not a pass a piece
        // (`<br>`, then 199,999 times `x<br>`, then `x`; quadratic, this took minutes).
        let one_line = "<br>x".repeat(200_000);
        assert_eq!(lines(&one_line).count(), 200_001);
    }

    /// The walk splits exactly where splitting at each line break, then at each tag
    /// that ends a block within the line, does: over every string of a small alphabet
    /// of the bytes that matter.
    #[test]
    fn lines_split_as_line_breaks_then_block_tags_do() {
        fn by_line(text: &str) -> Vec<&str> {
            let mut out = Vec::new();
            for mut rest in text.split_inclusive('\n') {
                while !rest.is_empty() {
                    let (head, tail) = rest.split_at(block_end(rest).unwrap_or(rest.len()));
                    out.push(head);
                    rest = tail;
                }
            }
            out
        }
        let pieces = ["\n", "<br>", "</p>", "<b>", "<", ">", "x", "é", "\r\n", "</td >"];
        for n in 0..pieces.len().pow(4) {
            let text: String = (0..4).map(|i| pieces[n / pieces.len().pow(i) % pieces.len()]).collect();
            assert_eq!(lines(&text).collect::<Vec<_>>(), by_line(&text), "{text:?}");
        }
    }

    #[test]
    fn greeting_table() {
        let cases: &[(&str, Option<&str>)] = &[
            ("Beste Jan,\n", Some("Jan")),
            ("Beste Jan,\r\n", Some("Jan")),
            ("> <p>Hallo Wilhelmus Kzqa,</p>\n", Some("Wilhelmus Kzqa")),
            ("Good morning Anna van Dijk !  <br>\n", Some("Anna van Dijk")),
            ("hi J.", Some("J.")),
            ("Dear Mr Smith,\n", None),
            ("Geachte heer De Vries,", None),
            ("Dear Émile,", None),
            ("Hoi\u{a0}Jan,", None),
        ];
        for (line, want) in cases {
            assert_eq!(greeting_name(line).map(|r| &line[r]), *want, "{line:?}");
        }
    }

    #[test]
    fn closing_table() {
        let cases: &[(&str, Option<&str>)] = &[
            ("Groeten,\nPieter Bakker", Some("Pieter Bakker")),
            ("Regards,\r\n\r\n> <b>Wubbo Ockels", Some("Wubbo Ockels")),
            ("Thanks,\n  ", None),
            ("Thanks,\n<br>", None),
        ];
        for (window, want) in cases {
            assert_eq!(closing_name(window, window.len()).map(|r| &window[r]), *want, "{window:?}");
        }
    }
}
