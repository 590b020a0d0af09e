//! A short fixed list of ASCII words (greetings, closings, words that address nobody),
//! asked about once per line or per name found: most words are ruled out by their
//! first letter and length, from a table built at compile time, before any compare.

/// The words of a list, and for each ASCII letter a bit per length (up to 31 bytes)
/// of the words that start with it, in any case.
pub(super) struct WordList {
    words: &'static [&'static str],
    heads: [u32; 26],
}

impl WordList {
    /// The list of `words`: each starts with an ASCII letter and is at most 31 bytes.
    pub(super) const fn new(words: &'static [&'static str]) -> WordList {
        let mut heads = [0u32; 26];
        let mut i = 0;
        while i < words.len() {
            let w = words[i].as_bytes();
            assert!(!w.is_empty() && w.len() < 32 && w[0].is_ascii_alphabetic(), "a listed word");
            heads[(w[0].to_ascii_lowercase() - b'a') as usize] |= 1 << w.len();
            i += 1;
        }
        WordList { words, heads }
    }

    /// True when `word`, in any case, is one of the list: compared without allocating
    /// when `word` is ASCII (then `to_lowercase` is ASCII lowering), and not lowered at
    /// all when it is too long to be one (a line of Chinese has no blank to end its
    /// first word): lowering keeps the number of characters or adds to it, and a
    /// character is at most four bytes.
    pub(super) fn contains(&self, word: &str) -> bool {
        match word.is_ascii() {
            true => {
                let Some(first) = word.bytes().next().filter(u8::is_ascii_alphabetic) else { return false };
                let lengths = self.heads[usize::from(first.to_ascii_lowercase() - b'a')];
                word.len() < 32
                    && lengths & (1 << word.len()) != 0
                    && self.words.iter().any(|w| w.eq_ignore_ascii_case(word))
            }
            false if self.words.iter().all(|w| word.len() > 4 * w.len()) => false,
            // Lowering may make ASCII of what was not (the Kelvin sign is a `k`).
            false => {
                let lower = word.to_lowercase();
                self.words.iter().any(|w| w.eq_ignore_ascii_case(&lower))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: WordList = WordList::new(&["dear", "Hi", "m.vr.gr.", "Sir or Madam", "kind"]);

    #[test]
    fn a_word_is_found_in_any_case_and_nothing_else_is() {
        for yes in ["dear", "DEAR", "Dear", "hi", "HI", "M.VR.GR.", "sir or madam", "\u{212a}ind"] {
            assert!(LIST.contains(yes), "{yes}");
        }
        for no in ["", "dea", "dears", "h", "hii", ".dear", "sir", "1ind", "déar", "kinds", "\u{212a}inds"] {
            assert!(!LIST.contains(no), "{no}");
        }
    }
}
