//! Words that name people often enough to be a name beside another name, but are too
//! common to be names on their own: `Cash Okoro`, `Sky Patel`, `Mercy Eze`, `Joy
//! Short`, `Grace Bull`, `Bo Keizer`. Alone (`Cash back`, `Sky News`, `Short notice`)
//! they pass; right beside a capitalised word that does not pass, or beside another of
//! them (`Cash Short`), they are part of that name and become pseudonyms too.

use super::{in_lower_case, passes};
use std::collections::HashSet;
use std::sync::OnceLock;

/// Given names and surnames that are frequent words of English or Dutch (the ninth
/// probe's `Cash`, `Sky`, `River`, `Silver`, `Mercy`, `Patience`, `Short`, `Lake`), in
/// lower case. Words listed as names outright (`surnames.txt`, `first-names.txt`)
/// are not here: capitalised, they never pass.
const NAME_WORDS: &str =
    "sky river silver cash mercy patience sunny lake short bull sparrow pope rain bear autumn spring star angel
major duke judge chance case chase swift pearl ruby poppy violet olive crystal misty precious destiny harmony
journey liberty golden rock bridge crane swan finch wren lark bo jet hoop lang kort sterk haar klein de";

fn name_words() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| NAME_WORDS.split_whitespace().collect())
}

/// True when the word `text[start..start + len]`, which passes in clear, is a name
/// word ([`NAME_WORDS`], capitalised) right beside a name: after a capitalised
/// pseudonym that ends at `pseudonym_before` and one blank, or before one blank and a
/// capitalised word that does not pass or is a name word too.
pub(super) fn beside_a_name(text: &str, start: usize, len: usize, pseudonym_before: Option<usize>) -> bool {
    let word = &text[start..start + len];
    if !is_name_word(word) {
        return false;
    }
    let after_name = pseudonym_before.is_some_and(|end| end + 1 == start && text.as_bytes()[end] == b' ');
    after_name || name_after(&text[start + len..])
}

/// True for a capitalised word (capital, then lower case) of [`NAME_WORDS`].
fn is_name_word(word: &str) -> bool {
    let mut chars = word.chars();
    let capitalised = chars.next().is_some_and(|c| c.is_ascii_uppercase()) && chars.all(|c| c.is_ascii_lowercase());
    capitalised && word.len() >= 2 && in_lower_case(word, |w| name_words().contains(w))
}

/// True when `rest` starts with one blank and a capitalised word that does not pass
/// in clear or is a name word.
fn name_after(rest: &str) -> bool {
    let Some(next) = rest.strip_prefix(' ') else { return false };
    let len = next.bytes().take_while(u8::is_ascii_alphabetic).count();
    let word = &next[..len];
    word.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
        && word.len() >= 2
        && (!passes(word) || is_name_word(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_word_beside_a_name_is_part_of_it() {
        let beside = |text: &str, word: &str, before: Option<usize>| {
            let start = text.find(word).unwrap();
            beside_a_name(text, start, word.len(), before)
        };
        assert!(beside("New starter: Cash Okoro (he/him)", "Cash", None));
        assert!(beside("Cash Short", "Cash", None));
        assert!(beside("p.a1b2 Short", "Short", Some(6)));
        assert!(!beside("Cash back on every order", "Cash", None));
        assert!(!beside("Watch Sky News tonight", "Sky", None));
        assert!(!beside("at short notice", "short", None));
        assert!(!beside("p.a1b2  Short", "Short", Some(6)), "two blanks");
    }
}
