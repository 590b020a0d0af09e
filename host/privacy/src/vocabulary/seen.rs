//! The tokens one text has rendered so far, each with its rendering: texts repeat
//! their words, and a lookup here costs less than one in the vocabulary and an HMAC.
//!
//! Tokens of up to 16 bytes (nearly all) sit in a direct-mapped table keyed by their
//! bytes: one multiply to place a token, one compare of two words to find it. A token
//! that lands on a taken slot replaces what was there, which is then rendered again if
//! it comes back (rendering is a pure function of the token and the key, so this costs
//! time, never correctness). The table starts small, for the many short header texts,
//! and doubles as a long text brings new tokens. Longer tokens go to a hash map.

use super::word_hash::WordHasher;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

/// Longest token, in bytes, the direct-mapped table holds.
const SHORT: usize = 16;
/// The table's first and largest sizes, in slots (powers of two).
const FIRST_SLOTS: usize = 32;
const MOST_SLOTS: usize = 2048;

/// A token's rendering, once known: `None` when it passes in clear.
pub type Shown<'a> = Option<&'a str>;

/// The renderings of one text's tokens under one key. Made per text, so nothing is
/// remembered across texts, tenants or purposes.
#[derive(Default)]
pub struct Seen {
    /// Short tokens, `slots.len()` a power of two (empty until the first insert).
    slots: Vec<Slot>,
    /// Inserts since the table last grew.
    inserted: usize,
    /// Renderings of short tokens that do not pass in clear; a slot holds an index.
    renderings: Vec<Box<str>>,
    /// Tokens longer than [`SHORT`].
    long: HashMap<Box<str>, Option<Box<str>>, BuildHasherDefault<WordHasher>>,
}

/// One slot: a token's [`key`], its length (0 for an empty slot) and its rendering ([`CLEAR`] or an index into `renderings`).
#[derive(Clone, Copy, Default)]
struct Slot {
    key: [u64; 2],
    len: u8,
    shown: u32,
}

/// Where [`Seen::find`] found a token's rendering.
#[derive(Clone, Copy, Debug)]
pub enum Found {
    /// In the table: [`CLEAR`] or an index into the renderings.
    Short(u32),
    /// In the map of long tokens.
    Long,
}

/// [`Slot::shown`] of a token that passes in clear.
const CLEAR: u32 = u32::MAX;

impl Seen {
    /// The rendering of `t` if it was seen: `Some(None)` when it passes in clear.
    #[cfg(test)]
    pub fn get(&self, t: &str) -> Option<Shown<'_>> {
        self.find(t).map(|found| self.shown(t, found))
    }

    /// Where the rendering of `t` is, if it was seen: a handle that holds no borrow,
    /// so that a caller can insert when there is none.
    #[inline]
    pub fn find(&self, t: &str) -> Option<Found> {
        let Some(key) = key(t) else {
            return self.long.contains_key(t).then_some(Found::Long);
        };
        let slot = self.slots.get(self.place(key, t.len()))?;
        if slot.len == 0 || slot.len as usize != t.len() || slot.key != key {
            return None;
        }
        Some(Found::Short(slot.shown))
    }

    /// The rendering of `t` that [`find`](Self::find) found.
    #[inline]
    pub fn shown(&self, t: &str, found: Found) -> Shown<'_> {
        match found {
            Found::Short(CLEAR) => None,
            Found::Short(index) => Some(&self.renderings[index as usize]),
            Found::Long => self.long.get(t).and_then(Option::as_deref),
        }
    }

    /// Remembers how `t` is rendered, and returns that rendering.
    pub fn insert(&mut self, t: &str, shown: Option<String>) -> Shown<'_> {
        let Some(key) = key(t) else {
            return self.long.entry(t.into()).or_insert(shown.map(String::into_boxed_str)).as_deref();
        };
        if self.inserted >= self.slots.len() / 2 && self.slots.len() < MOST_SLOTS {
            self.grow();
        }
        self.inserted += 1;
        let Some(s) = shown else {
            let at = self.place(key, t.len());
            self.slots[at] = Slot { key, len: t.len() as u8, shown: CLEAR };
            return None;
        };
        self.renderings.push(s.into_boxed_str());
        let last = self.renderings.len() - 1;
        // An index that would read as CLEAR is not remembered (fails closed: the token
        // is rendered again next time, never shown in clear).
        if let Some(index) = u32::try_from(last).ok().filter(|i| *i != CLEAR) {
            let at = self.place(key, t.len());
            self.slots[at] = Slot { key, len: t.len() as u8, shown: index };
        }
        Some(&self.renderings[last])
    }

    /// Doubles the table (or makes the first one), keeping what it held.
    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(FIRST_SLOTS);
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); size]);
        for slot in old.into_iter().filter(|s| s.len != 0) {
            let at = self.place(slot.key, slot.len as usize);
            self.slots[at] = slot;
        }
        self.inserted = 0;
    }

    /// The slot of `key` (any index when the table is empty: `get` finds nothing).
    fn place(&self, [a, b]: [u64; 2], len: usize) -> usize {
        let mixed = (a ^ b.rotate_left(29) ^ (len as u64) << 56).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let bits = self.slots.len().trailing_zeros();
        if bits == 0 { 0 } else { (mixed >> (64 - bits)) as usize }
    }
}

/// The bytes of a short token as two words; `None` for a longer one. Read as
/// overlapping loads from the token itself (first and last eight, or four, bytes; or
/// first, middle and last byte), not copied into a padded buffer, whose narrow stores
/// a wide load would wait for. With the length beside it, the key is the token.
fn key(t: &str) -> Option<[u64; 2]> {
    let b = t.as_bytes();
    let n = b.len();
    let eight = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().expect("eight bytes"));
    let four = |at: usize| u64::from(u32::from_le_bytes(b[at..at + 4].try_into().expect("four bytes")));
    Some(match n {
        0 => [0, 0],
        1..=3 => [u64::from(b[0]) | u64::from(b[n / 2]) << 8 | u64::from(b[n - 1]) << 16, 0],
        4..=7 => [four(0) | four(n - 4) << 32, 0],
        8..=SHORT => [eight(0), eight(n - 8)],
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_token_comes_back_as_it_went_in_or_not_at_all() {
        let mut seen = Seen::default();
        let tokens: Vec<String> = (0..5000).map(|i| format!("w{i}{}", "x".repeat(i % 20))).collect();
        for (i, t) in tokens.iter().enumerate() {
            assert_eq!(seen.get(t), None, "{t} before it was seen");
            let shown = (i % 3 != 0).then(|| format!("p.{i}"));
            assert_eq!(seen.insert(t, shown.clone()), shown.as_deref());
            assert_eq!(seen.get(t), Some(shown.as_deref()), "{t} right after");
        }
        // Replaced slots forget; nothing comes back wrong, and long tokens all stay.
        let mut kept = 0;
        for (i, t) in tokens.iter().enumerate() {
            let want = (i % 3 != 0).then(|| format!("p.{i}"));
            match seen.get(t) {
                Some(shown) => {
                    assert_eq!(shown, want.as_deref(), "{t}");
                    kept += 1;
                }
                None => assert!(t.len() <= SHORT, "{t}: a long token is never forgotten"),
            }
        }
        assert!(kept > 1000, "{kept} of 5000 kept");
        assert_eq!(seen.get(""), None);
        for (a, b) in [("ab", "ba"), ("abc", "acb"), ("abcde", "abdce"), ("abcdefghijk", "abcdefhgijk")] {
            assert_ne!((key(a), a.len()), (key(b), b.len()), "{a} {b}");
        }
    }
}
