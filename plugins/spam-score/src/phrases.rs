//! Spam phrases (English and Dutch, and a tenant's own), found in any case in one
//! pass over each part of a message.

use alloc::{string::String, vec, vec::Vec};

const PHRASES: &[&str] = &[
    "viagra",
    "cialis",
    "lottery",
    "you have won",
    "you've won",
    "claim your prize",
    "winner!",
    "act now",
    "limited time offer",
    "100% free",
    "risk-free",
    "wire transfer",
    "urgent response",
    "inheritance",
    "bitcoin investment",
    "double your money",
    "no credit check",
    "click here",
    "unsubscribe here",
    "dear friend",
    "congratulations!",
    "verify your account",
    "your account has been suspended",
    // Dutch
    "gefeliciteerd",
    "u heeft gewonnen",
    "je hebt gewonnen",
    "klik hier",
    "gratis",
    "prijs ophalen",
    "uw account is geblokkeerd",
    "bevestig uw gegevens",
    "erfenis",
    "beleggen in bitcoin",
];

/// How many of the phrases (built-in and `extra`, all lowercase) occur in any of
/// `parts`, ignoring case. Phrases of ASCII (two bytes or more) are found in one pass
/// over each part ([`Phrases`]), ignoring ASCII case. A phrase with other letters (only
/// an extra one can have them) is looked for in the Unicode-lowercased part. In wasm
/// there is no SIMD substring search, so one pass per phrase would read a 64 KB body
/// thirty times.
pub fn found(parts: &[&str], extra: &[String]) -> usize {
    let all = PHRASES.iter().copied().chain(extra.iter().map(String::as_str));
    let (ascii, other): (Vec<&str>, Vec<&str>) = all.partition(|p| p.is_ascii() && p.len() >= 2);
    let mut table = Phrases::new(&ascii);
    let found: usize = parts.iter().map(|p| table.scan(p.as_bytes())).sum();
    let lowered: Vec<String> = if other.is_empty() { vec![] } else { parts.iter().map(|p| p.to_lowercase()).collect() };
    let others = other.iter().filter(|p| lowered.iter().any(|part| part.contains(*p))).count();
    found + others
}

/// ASCII phrases of two bytes or more, searched for in any ASCII case, each counted
/// the first time it is found.
///
/// A text is probed only every `stride` bytes: a phrase of at least `stride + 1`
/// bytes starting at `i` puts one of its first `stride` byte pairs at the next probe
/// (the first multiple of `stride` from `i`), so a probe whose pair is none of those
/// pairs rules out every start behind it. Where one is, each of those starts is
/// checked: its first two bytes, then its first three (hashed; unless a phrase has only
/// two), then the phrases not yet found with those two bytes.
struct Phrases<'p> {
    /// Not found yet, with their first two bytes (lower-cased), sorted by them.
    pending: Vec<(usize, &'p [u8])>,
    /// Bits of the pairs a probe can meet.
    probe: Vec<u64>,
    /// Bits of the pairs that start a pending phrase.
    starts: Vec<u64>,
    /// Bits of the first three bytes, hashed to one of 8192 (common pairs such as
    /// `de`, `in` and `er` start a phrase and pass the first filter almost anywhere);
    /// `None` when a phrase has only two bytes.
    triples: Option<Vec<u64>>,
    stride: usize,
}

fn pair(a: u8, b: u8) -> usize {
    usize::from(a.to_ascii_lowercase()) << 8 | usize::from(b.to_ascii_lowercase())
}

fn triple(k: usize, c: u8) -> usize {
    (((k << 8 | usize::from(c.to_ascii_lowercase())) as u32).wrapping_mul(0x9e37_79b1) >> 19) as usize
}

fn has(bits: &[u64], k: usize) -> bool {
    bits[k >> 6] & (1 << (k & 63)) != 0
}

impl<'p> Phrases<'p> {
    fn new(phrases: &[&'p str]) -> Self {
        let stride = phrases.iter().map(|p| p.len() - 1).min().unwrap_or(1).clamp(1, 4);
        let (mut probe, mut starts, mut triples) = (vec![0u64; 1 << 10], vec![0u64; 1 << 10], vec![0u64; 1 << 7]);
        let mut pending = Vec::new();
        for p in phrases.iter().map(|p| p.as_bytes()) {
            let k = pair(p[0], p[1]);
            pending.push((k, p));
            starts[k >> 6] |= 1 << (k & 63);
            if let Some(&c) = p.get(2) {
                let t = triple(k, c);
                triples[t >> 6] |= 1 << (t & 63);
            }
            for o in 0..stride {
                let k = pair(p[o], p[o + 1]);
                probe[k >> 6] |= 1 << (k & 63);
            }
        }
        pending.sort_unstable();
        let triples = phrases.iter().all(|p| p.len() >= 3).then_some(triples);
        Phrases { pending, probe, starts, triples, stride }
    }

    /// How many phrases not found before occur in `hay`.
    fn scan(&mut self, hay: &[u8]) -> usize {
        let mut found = 0;
        for j in (0..hay.len().saturating_sub(1)).step_by(self.stride) {
            if has(&self.probe, pair(hay[j], hay[j + 1])) {
                found += (0..self.stride.min(j + 1)).map(|o| self.found_at(&hay[j - o..])).sum::<usize>();
            }
        }
        found
    }

    /// How many pending phrases `rest` starts with; they are found now.
    fn found_at(&mut self, rest: &[u8]) -> usize {
        let [a, b, ..] = *rest else { return 0 };
        let k = pair(a, b);
        let third = |bits: &Vec<u64>| rest.get(2).is_some_and(|c| has(bits, triple(k, *c)));
        if !has(&self.starts, k) || !self.triples.as_ref().is_none_or(third) {
            return 0;
        }
        let from = self.pending.partition_point(|(p, _)| *p < k);
        let same = self.pending[from..].iter().take_while(|(p, _)| *p == k).count();
        // Every phrase that matches here (an extra one may repeat a built-in one).
        let before = self.pending.len();
        let mut j = from;
        for _ in 0..same {
            let p = self.pending[j].1;
            match rest.len() >= p.len() && rest[..p.len()].eq_ignore_ascii_case(p) {
                true => drop(self.pending.remove(j)),
                false => j += 1,
            }
        }
        if before - self.pending.len() == same {
            self.starts[k >> 6] &= !(1 << (k & 63));
        }
        before - self.pending.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::borrow::ToOwned;

    #[test]
    fn phrases_ignore_case_count_once_and_fold_other_letters() {
        let extra = ["überweisung".to_owned(), "free money".to_owned(), "click here".to_owned()];
        let cases: [(&[&str], usize); 6] = [
            (&["nothing to see"], 0),
            (&["CLICK HERE now", "", "<b>Click Here</b>"], 2),
            (&["Gefeliciteerd! U heeft gewonnen", "klik hier"], 3),
            (&["Eine ÜBERWEISUNG für Sie", "café"], 1),
            (&["FREE\nMONEY", "free  money"], 0),
            (&["free money, FREE MONEY, wire transfer"], 2),
        ];
        for (parts, want) in cases {
            assert_eq!(found(parts, &extra), want, "{parts:?}");
        }
    }

    /// The one-pass search counts what a search per phrase in the lowercased text
    /// counts, on texts stitched from pieces of phrases in changing case.
    #[test]
    fn phrases_agree_with_a_search_per_phrase() {
        let pieces = [
            "CLICK",
            " here",
            "klik ",
            "HIER",
            "gratis",
            "Ü",
            "berweisung",
            "wire ",
            "TRANSFER",
            "x",
            "\n",
            "wo",
            "N",
            "a",
        ];
        // Without a short extra phrase the probes are four bytes apart; with `won`, two;
        // with `wo`, every byte (and no filter on the first three bytes).
        let extras = [
            vec!["überweisung".to_owned(), "x".to_owned()],
            vec!["won".to_owned(), "ab".to_owned()],
            vec!["wo".to_owned(), "won".to_owned()],
        ];
        let mut seed = 7u32;
        for round in 0..1000 {
            let extra = &extras[round % extras.len()];
            let mut parts = [String::new(), String::new()];
            for part in &mut parts {
                for _ in 0..6 {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    part.push_str(pieces[(seed >> 16) as usize % pieces.len()]);
                }
            }
            let naive = PHRASES
                .iter()
                .copied()
                .chain(extra.iter().map(String::as_str))
                .filter(|p| parts.iter().any(|t| t.to_lowercase().contains(p)))
                .count();
            assert_eq!(found(&[&parts[0], &parts[1]], extra), naive, "{parts:?} {extra:?}");
        }
    }
}
