//! Characters that show nothing but split a word in two (`Lot\u{200b}te`): found and
//! removed before the vocabulary renders a text, so a name cannot pass as two words.

/// Characters that show nothing but split tokens: every format character (Unicode
/// category Cf: soft hyphen, zero-width spaces and joiners, bidirectional marks,
/// embeddings, overrides and isolates, word joiner, BOM, tags) and every other
/// default-ignorable one (variation selectors, the combining grapheme joiner, Khmer
/// and Mongolian ones, the unassigned blocks reserved for such), and NUL (UTF-16
/// read as UTF-8). `Timmer\u{202d}man` is one token, as it shows.
pub(super) fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{0}'
            | '\u{ad}'
            | '\u{34f}'
            | '\u{600}'..='\u{605}'
            | '\u{61c}'
            | '\u{6dd}'
            | '\u{70f}'
            | '\u{890}'..='\u{891}'
            | '\u{8e2}'
            | '\u{17b4}'..='\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{feff}'
            | '\u{fff0}'..='\u{fffb}'
            | '\u{110bd}'
            | '\u{110cd}'
            | '\u{13430}'..='\u{1343f}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0000}'..='\u{e0fff}'
    )
}

/// `text` without its [`invisible`] characters, when it holds any.
pub(crate) fn without_invisible(text: &str) -> Option<String> {
    has_invisible(text).then(|| text.chars().filter(|c| !invisible(*c)).collect())
}

/// True when `text` holds an [`invisible`] character, looked for only in the 32-byte
/// blocks that have a NUL or a lead byte of a non-ASCII character (`b - 1` wraps NUL
/// to 0xff and keeps the top bit of every byte from 0x81 up), which the compiler checks
/// many bytes at a time; there each character that starts in the block is decoded.
pub(super) fn has_invisible(text: &str) -> bool {
    let b = text.as_bytes();
    b.chunks(32).enumerate().any(|(block, chunk)| {
        chunk.iter().fold(0u8, |any, x| any | (x.wrapping_sub(1) & 0x80)) != 0
            && (block * 32..block * 32 + chunk.len())
                .filter(|i| b[*i] == 0 || b[*i] >= 0xc0)
                .any(|i| text[i..].chars().next().is_some_and(invisible))
    })
}
