//! Numbers written as words, whole (`zeventien`, `negentienhonderd`, `zesenvijftig`,
//! `seventeenth`, `nineteen`), as a deed or a letter writes a date of birth: `geboren
//! te Zwolle op zeventien maart negentienhonderd zesenvijftig`. Each is a word of the
//! vocabulary, so in a birth cue's window ([`super::cued`]) they are taken like digits.

/// The parts numbers are written of, English and Dutch, lower-case: a number word is
/// one or more of them, Dutch joining units to tens with `en` or `ën`
/// (`zesenvijftig`, `tweeëntwintig`).
const PARTS: [&str; 64] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
    "hundred",
    "thousand",
    "nul",
    "een",
    "één",
    "twee",
    "drie",
    "vier",
    "vijf",
    "zes",
    "zeven",
    "acht",
    "negen",
    "tien",
    "elf",
    "twaalf",
    "dertien",
    "veertien",
    "vijftien",
    "zestien",
    "zeventien",
    "achttien",
    "negentien",
    "twintig",
    "dertig",
    "veertig",
    "vijftig",
    "zestig",
    "zeventig",
    "tachtig",
    "negentig",
    "honderd",
    "duizend",
    "first",
    "second",
    "third",
];

/// Ordinals whose stem changes (`fifth`, `eighth`, `twelfth`, `eerste`, `derde`).
const ORDINALS: [&str; 7] = ["fifth", "eighth", "ninth", "twelfth", "eerste", "derde", "achtste"];

/// True for a token that is a number written as a word, cardinal or ordinal.
pub(super) fn is_number_word(token: &str) -> bool {
    if token.len() < 3 || token.len() > 40 || !token.as_bytes()[0].is_ascii_alphabetic() {
        return false;
    }
    let word = token.to_lowercase();
    if ORDINALS.contains(&word.as_str()) || parts(&word) {
        return true;
    }
    // Ordinals: `seventeenth`, `twentieth`, `zeventiende`, `twintigste`.
    let twentieth = word.strip_suffix("ieth").is_some_and(|stem| parts(&format!("{stem}y")));
    twentieth || ["th", "ste", "de"].iter().any(|s| word.strip_suffix(s).is_some_and(parts))
}

/// True when `word` is wholly made of [`PARTS`], with `en`/`ën` only between two.
fn parts(word: &str) -> bool {
    let mut todo = vec![word];
    // Few branches: a part rarely starts another (`een`, `eenentwintig`).
    while let Some(at) = todo.pop() {
        for after in PARTS.iter().filter_map(|p| at.strip_prefix(p)) {
            if after.is_empty() {
                return true;
            }
            todo.push(after);
            if let Some(joined) = after.strip_prefix("en").or_else(|| after.strip_prefix("ën")) {
                todo.push(joined);
            }
        }
        if todo.len() > 64 {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::is_number_word;

    #[test]
    fn numbers_written_as_words_are_found_and_words_are_not() {
        for word in [
            "zeventien",
            "negentienhonderd",
            "zesenvijftig",
            "tweeëntwintig",
            "Seventeenth",
            "twentieth",
            "nineteen",
            "zeventiende",
            "twintigste",
            "eerste",
            "fifth",
        ] {
            assert!(is_number_word(word), "{word}");
        }
        for word in ["maart", "tent", "often", "seventies", "en", "twee-", "honderden", "nineteenth-century", "elfen"] {
            assert!(!is_number_word(word), "{word}");
        }
    }
}
