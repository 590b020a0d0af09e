//! Numbers spelled out digit by digit, as a voicemail or call transcript writes a phone
//! number (`nul zes, vier één twee nul, negen negen drie zeven`, `oh seven seven
//! double nine`). Each word is a word of the vocabulary, so word by word the number
//! would pass. Seven digit words or more in a row, with only blanks, commas or dashes
//! between them, are a number (a full stop ends it, as it ends a sentence); fewer are
//! prose (`one, two, three`, a counting rhyme of six).

/// Digit words of English, Dutch, German and French (and `double`/`dubbel`, which
/// repeat the next one), lower-case.
const DIGIT_WORDS: [&str; 42] = [
    "zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "double", "triple", "nul",
    "een", "één", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "dubbel", "null", "eins", "zwei",
    "drei", "fünf", "sechs", "sieben", "neun", "zéro", "un", "deux", "trois", "quatre", "cinq", "sept", "huit", "neuf",
];

/// Fewest digit words in a row that make a number: a phone number has ten digits, an
/// account or customer number seven or more.
const FEWEST: usize = 7;

/// A word of at most eight bytes as one number: its bytes, ASCII letters lower-cased
/// (`Één` stays unlike `één`, as a capital `É` is rare).
const fn key(b: &[u8]) -> u64 {
    let (mut k, mut i) = (0u64, 0);
    while i < b.len() {
        k |= (b[i].to_ascii_lowercase() as u64) << (8 * i);
        i += 1;
    }
    k
}

/// The keys of the digit words, sorted: a token is looked up with one binary search.
const KEYS: [u64; DIGIT_WORDS.len()] = {
    let mut keys = [0u64; DIGIT_WORDS.len()];
    let mut i = 0;
    while i < keys.len() {
        keys[i] = key(DIGIT_WORDS[i].as_bytes());
        i += 1;
    }
    // Insertion sort: a const context has no `sort`.
    let mut j = 1;
    while j < keys.len() {
        let (k, mut at) = (keys[j], j);
        while at > 0 && keys[at - 1] > k {
            keys[at] = keys[at - 1];
            at -= 1;
        }
        keys[at] = k;
        j += 1;
    }
    keys
};

/// The index of a word's first two letters among the 26 × 26 pairs of ASCII letters
/// (any case), if both are ASCII letters.
const fn pair(b: &[u8]) -> Option<usize> {
    let (x, y) = (b[0] | 0x20, b[1] | 0x20);
    match x.is_ascii_lowercase() && y.is_ascii_lowercase() {
        true => Some((x - b'a') as usize * 26 + (y - b'a') as usize),
        false => None,
    }
}

/// For each pair of first letters, the lengths of the digit words that start with it,
/// as bits: most words start otherwise, or are longer or shorter (`the` is no
/// `three`, `fox` no `four`), and are turned away by one bit.
const LENGTHS: [u8; 26 * 26] = {
    let (mut lengths, mut i) = ([0u8; 26 * 26], 0);
    while i < DIGIT_WORDS.len() {
        let w = DIGIT_WORDS[i].as_bytes();
        if let Some(p) = pair(w) {
            lengths[p] |= 1 << w.len();
        }
        i += 1;
    }
    lengths
};

/// False for most words that are no digit word: by their length and first two
/// letters alone. A pair that is not two ASCII letters (`één`, `zéro`) may be one.
#[inline]
pub(super) fn may_be_digit_word(b: &[u8]) -> bool {
    (2..=6).contains(&b.len()) && pair(b).is_none_or(|p| LENGTHS[p] & 1 << b.len() != 0)
}

/// True for a digit word, in any case.
fn is_digit_word(word: &str) -> bool {
    may_be_digit_word(word.as_bytes()) && KEYS.binary_search(&key(word.as_bytes())).is_ok()
}

/// Where a spelled number that starts with the token `text[start..end]` ends, if seven
/// digit words or more follow one another from there. Called for a token that
/// [`may_be_digit_word`].
pub(super) fn number_from(text: &str, start: usize, end: usize) -> Option<usize> {
    if !is_digit_word(&text[start..end]) {
        return None;
    }
    let (mut words, mut last_end, mut at) = (1, end, end);
    loop {
        let gap = text[at..].find(|c: char| !matches!(c, ' ' | '\t' | ',' | '-' | '–')).unwrap_or(text.len() - at);
        let word_at = at + gap;
        let len = text[word_at..].find(|c: char| !c.is_alphabetic()).unwrap_or(text.len() - word_at);
        if gap == 0 || len == 0 || !is_digit_word(&text[word_at..word_at + len]) {
            break;
        }
        (words, last_end, at) = (words + 1, word_at + len, word_at + len);
    }
    (words >= FEWEST).then_some(last_end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seven_digit_words_in_a_row_are_a_number() {
        let text = "terugbellen op nul zes, vier één twee nul, negen negen drie zeven? Of";
        let start = text.find("nul").unwrap();
        let end = number_from(text, start, start + 3).expect("ten digit words");
        assert_eq!(&text[start..end], "nul zes, vier één twee nul, negen negen drie zeven");
        let call = "on Oh Seven Seven double nine - four five six, thanks";
        assert_eq!(number_from(call, 3, 5).map(|e| &call[3..e]), Some("Oh Seven Seven double nine - four five six"));
        for prose in ["een twee drie vier vijf zes", "one or two of them", "one two three four five six"] {
            let first = prose.find(' ').unwrap();
            assert_eq!(number_from(prose, 0, first), None, "{prose}");
        }
        for word in ["Zeven", "één", "OH", "dubbel", "neuf"] {
            assert!(is_digit_word(word), "{word}");
        }
        for word in ["zeros", "the", "fox", "seventeen", "eenzaam", "s"] {
            assert!(!is_digit_word(word), "{word}");
        }
    }
}
