//! The classes of a text's bytes that [`Starts`](super::triggers::Starts), the
//! search for capitalised words and the vocabulary's word lengths need: which bytes
//! are ASCII word characters, and which may start a word a pattern looks for (a digit,
//! an ASCII capital, the first byte of a non-ASCII character). Eight bytes at a time in a `u64` (SWAR: SIMD within a
//! register, in safe code that every target runs), about four operations a byte
//! against fifteen for a table lookup; on x86-64, sixteen at a time with SSE2.

/// The high bit of every byte.
const HIGH: u64 = 0x8080_8080_8080_8080;
/// One in every byte.
const ONES: u64 = 0x0101_0101_0101_0101;

/// The word and starting masks of up to 64 bytes: bit `k` of each for byte `k`.
pub(super) fn classes(chunk: &[u8]) -> (u64, u64) {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    if let Ok(block) = <&[u8; 64]>::try_from(chunk) {
        // SAFETY: the build targets SSE2 (the `cfg` above), so the processor has it.
        return unsafe { sixteen_at_a_time::classes(block) };
    }
    eight_at_a_time(chunk)
}

/// [`classes`] eight bytes at a time, on any target and for a text's last chunk.
fn eight_at_a_time(chunk: &[u8]) -> (u64, u64) {
    let (mut word, mut starting) = (0u64, 0u64);
    for (j, lane) in chunk.chunks(8).enumerate() {
        let eight = match <[u8; 8]>::try_from(lane) {
            Ok(eight) => eight,
            Err(_) => {
                let mut padded = [0u8; 8];
                padded[..lane.len()].copy_from_slice(lane);
                padded
            }
        };
        let (w, s) = classes_of_eight(u64::from_le_bytes(eight));
        word |= w << (8 * j);
        starting |= s << (8 * j);
    }
    (word, starting)
}

/// The two masks of eight bytes (a zero byte is neither).
fn classes_of_eight(x: u64) -> (u64, u64) {
    let (digit, upper) = (within(x, b'0', b'9'), within(x, b'A', b'Z'));
    let word = digit | upper | within(x, b'a', b'z') | within(x, b'_', b'_');
    (high_bits(word), high_bits(digit | upper | leads(x)))
}

/// The searches sixteen bytes at a time with SSE2, which every x86-64 processor has:
/// no run-time check, and no pointer (each `unsafe` is only a call vouching for SSE2).
/// The bytes compare as signed, so every non-ASCII byte (negative) is below each ASCII
/// range and only the lead-byte test (`0xc0` and up) takes it in.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod sixteen_at_a_time {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpeq_epi8, _mm_cmpgt_epi8, _mm_cmplt_epi8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set_epi64x, _mm_set1_epi8,
    };

    /// The word and starting masks of 64 bytes.
    #[target_feature(enable = "sse2")]
    pub(super) fn classes(block: &[u8; 64]) -> (u64, u64) {
        let (mut word, mut starting) = (0u64, 0u64);
        for (j, sixteen) in block.chunks_exact(16).enumerate() {
            let v = load(sixteen.try_into().expect("sixteen bytes"));
            let (digit, upper) = (within(v, b'0', b'9'), within(v, b'A', b'Z'));
            let letter_or_underscore =
                _mm_or_si128(within(v, b'a', b'z'), _mm_cmpeq_epi8(v, _mm_set1_epi8(b'_' as i8)));
            let w = _mm_or_si128(_mm_or_si128(digit, upper), letter_or_underscore);
            let s = _mm_or_si128(_mm_or_si128(digit, upper), leads(v));
            word |= u64::from(_mm_movemask_epi8(w) as u16) << (16 * j);
            starting |= u64::from(_mm_movemask_epi8(s) as u16) << (16 * j);
        }
        (word, starting)
    }

    /// Bit `k` for each byte `k` of sixteen that is an ASCII letter or digit.
    #[target_feature(enable = "sse2")]
    pub(super) fn alphanumerics(sixteen: &[u8; 16]) -> u16 {
        let v = load(sixteen);
        let letters = _mm_or_si128(within(v, b'A', b'Z'), within(v, b'a', b'z'));
        _mm_movemask_epi8(_mm_or_si128(letters, within(v, b'0', b'9'))) as u16
    }

    /// Bit `k` for each byte `k` of sixteen that is an ASCII capital or a lead byte.
    #[target_feature(enable = "sse2")]
    pub(super) fn capitals_or_leads(sixteen: &[u8; 16]) -> u16 {
        let v = load(sixteen);
        _mm_movemask_epi8(_mm_or_si128(within(v, b'A', b'Z'), leads(v))) as u16
    }

    /// Sixteen bytes in a register, byte 0 lowest.
    #[target_feature(enable = "sse2")]
    fn load(sixteen: &[u8; 16]) -> __m128i {
        let half = |k: usize| u64::from_le_bytes(sixteen[k..k + 8].try_into().expect("eight bytes")) as i64;
        _mm_set_epi64x(half(8), half(0))
    }

    /// All ones in each byte that is ASCII and from `lo` to `hi`.
    #[target_feature(enable = "sse2")]
    fn within(v: __m128i, lo: u8, hi: u8) -> __m128i {
        let above = _mm_cmpgt_epi8(v, _mm_set1_epi8(lo as i8 - 1));
        _mm_and_si128(above, _mm_cmplt_epi8(v, _mm_set1_epi8(hi as i8 + 1)))
    }

    /// All ones in each lead byte: its two high bits set, so signed -64 to -1.
    #[target_feature(enable = "sse2")]
    fn leads(v: __m128i) -> __m128i {
        _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(-65)), _mm_cmplt_epi8(v, _mm_set1_epi8(0)))
    }
}

/// The high bit of each of the eight bytes of `x` that is ASCII and from `lo` to `hi`:
/// adding `0x80 - lo` reaches the high bit from `lo` on, adding `0x7f - hi` from
/// `hi + 1` on, and with the high bits cleared first no addition carries into the
/// next byte.
fn within(x: u64, lo: u8, hi: u8) -> u64 {
    let low = x & !HIGH;
    (low + u64::from(0x80 - lo) * ONES) & !(low + u64::from(0x7f - hi) * ONES) & !x & HIGH
}

/// The high bit of each lead byte of a non-ASCII character (its two high bits set).
fn leads(x: u64) -> u64 {
    x & (x << 1) & HIGH
}

/// The first byte at or after `from` that is an ASCII capital or the lead byte of a
/// non-ASCII character (`0xc0` and up): where a capitalised word may start, found
/// sixteen bytes at a time on x86-64, then eight at a time.
pub(super) fn next_capital_or_lead(bytes: &[u8], mut from: usize) -> Option<usize> {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    while let Some(lane) = bytes.get(from..from + 16) {
        // SAFETY: the build targets SSE2 (the `cfg` above), so the processor has it.
        let found = unsafe { sixteen_at_a_time::capitals_or_leads(lane.try_into().expect("sixteen bytes")) };
        if found != 0 {
            return Some(from + found.trailing_zeros() as usize);
        }
        from += 16;
    }
    while let Some(lane) = bytes.get(from..from + 8) {
        let x = u64::from_le_bytes(lane.try_into().expect("eight bytes"));
        let found = within(x, b'A', b'Z') | leads(x);
        if found != 0 {
            return Some(from + (found.trailing_zeros() / 8) as usize);
        }
        from += 8;
    }
    bytes.get(from..)?.iter().position(|b| b.is_ascii_uppercase() || *b >= 0xc0).map(|i| from + i)
}

/// The length of the run of ASCII letters and digits at the head of `bytes`: sixteen
/// bytes at a time on x86-64, so a word costs no loop whose exit the processor must
/// guess at every word's end.
pub(crate) fn alphanumeric_run(bytes: &[u8]) -> usize {
    let mut at = 0;
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    while let Some(lane) = bytes.get(at..at + 16) {
        // SAFETY: the build targets SSE2 (the `cfg` above), so the processor has it.
        let run = unsafe { sixteen_at_a_time::alphanumerics(lane.try_into().expect("sixteen bytes")) };
        if run != u16::MAX {
            return at + run.trailing_ones() as usize;
        }
        at += 16;
    }
    at + bytes[at..].iter().position(|b| !b.is_ascii_alphanumeric()).unwrap_or(bytes.len() - at)
}

/// The high bits of the eight bytes of `v` (nothing else set) as eight bits, byte 0's
/// lowest: each moved to the top byte by one multiplication.
fn high_bits(v: u64) -> u64 {
    ((v >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The classes byte by byte, as a table would give them.
    fn one_by_one(chunk: &[u8]) -> (u64, u64) {
        let (mut word, mut starting) = (0u64, 0u64);
        for (k, &b) in chunk.iter().enumerate() {
            let is_word = b.is_ascii_alphanumeric() || b == b'_';
            let is_starting = b.is_ascii_digit() || b.is_ascii_uppercase() || b >= 0xc0;
            word |= u64::from(is_word) << k;
            starting |= u64::from(is_starting) << k;
        }
        (word, starting)
    }

    #[test]
    fn the_next_capital_or_lead_byte_is_the_first_one_by_one() {
        let one_by_one = |b: &[u8], from: usize| {
            b.get(from..)?.iter().position(|x| x.is_ascii_uppercase() || *x >= 0xc0).map(|i| from + i)
        };
        for b in 0..=255u8 {
            for len in [1, 7, 8, 9, 16, 20, 33] {
                for at in [0, len / 2, len - 1] {
                    let mut bytes = vec![b'x'; len];
                    bytes[at] = b;
                    for from in 0..=len + 1 {
                        assert_eq!(next_capital_or_lead(&bytes, from), one_by_one(&bytes, from), "{b:#x} at {at}");
                    }
                }
            }
        }
    }

    #[test]
    fn an_alphanumeric_run_ends_where_one_by_one_says() {
        let one_by_one = |b: &[u8]| b.iter().position(|x| !x.is_ascii_alphanumeric()).unwrap_or(b.len());
        for b in 0..=255u8 {
            for len in [0, 1, 15, 16, 17, 31, 32, 40] {
                for at in 0..len {
                    let mut bytes = vec![b'k'; len];
                    bytes[at] = b;
                    assert_eq!(alphanumeric_run(&bytes), one_by_one(&bytes), "{b:#x} at {at} of {len}");
                }
            }
        }
        assert_eq!(alphanumeric_run(b""), 0);
    }

    #[test]
    fn every_byte_at_every_place_is_classed_as_one_by_one() {
        for b in 0..=255u8 {
            for len in 1..=64 {
                for at in [0, len / 2, len - 1] {
                    let mut chunk = vec![b'x'; len];
                    chunk[at] = b;
                    assert_eq!(classes(&chunk), one_by_one(&chunk), "byte {b:#04x} at {at} of {len}");
                    assert_eq!(eight_at_a_time(&chunk), one_by_one(&chunk), "byte {b:#04x} at {at} of {len}");
                    let mut around = vec![b; len];
                    around[at] = 0xc3;
                    assert_eq!(classes(&around), one_by_one(&around), "{b:#04x} around a lead byte");
                }
            }
        }
        // Pseudo-random chunks, every byte value mixed with every other.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            let chunk: Vec<u8> = (0..64)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            assert_eq!(classes(&chunk), one_by_one(&chunk), "{chunk:?}");
            assert_eq!(eight_at_a_time(&chunk), one_by_one(&chunk), "{chunk:?}");
        }
    }
}
