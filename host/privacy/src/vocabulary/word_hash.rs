//! The hasher of the vocabulary's word set and of a text's table of rendered tokens:
//! short words, hashed eight bytes at a time.

/// A fast hash for short words, eight bytes at a time (each step a folded multiply,
/// as foldhash and wyhash do: the 128-bit product's halves XORed, so that a change in
/// any bit reaches every bit): the word set is fixed and public, and a text's own
/// table holds one text's tokens, so there is no flooding concern worth a keyed hash.
#[derive(Default)]
pub struct WordHasher(u64);

impl WordHasher {
    fn add(&mut self, word: u64) {
        let product = u128::from(self.0 ^ word) * 0x9e37_79b9_7f4a_7c15;
        self.0 = product as u64 ^ (product >> 64) as u64;
    }
}

impl std::hash::Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("eight bytes")));
        }
        let tail = chunks.remainder();
        self.add(tail_word(tail) ^ (tail.len() as u64) << 59);
    }
}

/// The up to seven bytes of `tail` in one word, read as two overlapping halves (or
/// first, middle and last byte) rather than copied byte by byte into a buffer, whose
/// narrow stores the wide load then waits for. Every byte counts, so words of one
/// length that differ get different values.
fn tail_word(tail: &[u8]) -> u64 {
    let n = tail.len();
    let half = |at: usize| u64::from(u32::from_le_bytes(tail[at..at + 4].try_into().expect("four bytes")));
    match n {
        0 => 0,
        1..=3 => u64::from(tail[0]) | u64::from(tail[n / 2]) << 8 | u64::from(tail[n - 1]) << 16,
        _ => half(0) | half(n - 4) << 32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_hash_tells_apart_words_of_one_length() {
        use std::hash::{Hash, Hasher};
        let hash = |w: &str| {
            let mut h = WordHasher::default();
            w.hash(&mut h);
            h.finish()
        };
        let sample: Vec<&str> = super::super::WORDS.split('\n').take(20_000).collect();
        let mut seen = std::collections::HashMap::new();
        for w in &sample {
            if let Some(other) = seen.insert(hash(w), *w) {
                panic!("{other:?} and {w:?}");
            }
        }
        for (a, b) in [("ab", "ba"), ("abc", "acb"), ("abcde", "abdce"), ("abcdefg", "abcdegf"), ("", "\0")] {
            assert_ne!(hash(a), hash(b), "{a} {b}");
        }
    }
}
