//! A domain in one comparable form: each `xn--` label (an IDNA A-label) decoded to its
//! Unicode (U-label) form by RFC 3492's algorithm, and every label lower-cased. So
//! `xn--bcher-kva.example`, `bücher.example` and `BÜCHER.example` are one domain to the
//! lists, whichever form the customer wrote and whichever the sender used. The relay
//! accepts a non-ASCII domain only in the form IDNA gives back for it, so no further
//! mapping (width, compatibility forms) is needed here. Small by intent: the `idna`
//! crate would bring its Unicode tables into every instance of the plugin.

/// The comparable form of `domain`: labels decoded from `xn--` where they decode,
/// lower-cased, a final dot dropped. A label that does not decode stays as written
/// (lower-cased), so it can only match a pattern written the same way.
use alloc::{string::String, vec::Vec};

pub fn comparable(domain: &str) -> String {
    let domain = domain.trim_end_matches('.');
    let labels = domain.split('.').map(|label| {
        let lower = label.to_lowercase();
        match lower.strip_prefix("xn--").and_then(decode) {
            Some(unicode) => unicode.to_lowercase(),
            None => lower,
        }
    });
    labels.collect::<Vec<_>>().join(".")
}

const BASE: u32 = 36;
const T_MIN: u32 = 1;
const T_MAX: u32 = 26;
const SKEW: u32 = 38;
const DAMP: u32 = 700;
const INITIAL_BIAS: u32 = 72;
const INITIAL_N: u32 = 128;

/// RFC 3492 §6.1: the bias after a code point.
fn adapt(delta: u32, points: u32, first: bool) -> u32 {
    let mut delta = if first { delta / DAMP } else { delta / 2 };
    delta += delta / points;
    let mut k = 0;
    while delta > ((BASE - T_MIN) * T_MAX) / 2 {
        delta /= BASE - T_MIN;
        k += BASE;
    }
    k + (BASE - T_MIN + 1) * delta / (delta + SKEW)
}

fn digit(b: u8) -> Option<u32> {
    match b {
        b'a'..=b'z' => Some(u32::from(b - b'a')),
        b'A'..=b'Z' => Some(u32::from(b - b'A')),
        b'0'..=b'9' => Some(u32::from(b - b'0') + 26),
        _ => None,
    }
}

/// RFC 3492 §6.2: the Unicode string a Punycode string (without `xn--`) encodes;
/// `None` when it is malformed or overflows.
pub fn decode(input: &str) -> Option<String> {
    let (basic, extended) = match input.rfind('-') {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => ("", input),
    };
    if !basic.is_ascii() || extended.is_empty() {
        return None;
    }
    let mut output: Vec<char> = basic.chars().collect();
    let (mut n, mut i, mut bias) = (INITIAL_N, 0u32, INITIAL_BIAS);
    let mut bytes = extended.bytes();
    let mut next = bytes.next();
    while next.is_some() {
        let (old_i, mut w, mut k) = (i, 1u32, BASE);
        loop {
            let d = digit(next?)?;
            next = bytes.next();
            i = i.checked_add(d.checked_mul(w)?)?;
            let t = if k <= bias { T_MIN } else { (k - bias).min(T_MAX) };
            if d < t {
                break;
            }
            w = w.checked_mul(BASE - t)?;
            k += BASE;
        }
        let points = output.len() as u32 + 1;
        bias = adapt(i - old_i, points, old_i == 0);
        n = n.checked_add(i / points)?;
        i %= points;
        output.insert(i as usize, char::from_u32(n)?);
        i += 1;
    }
    Some(output.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_rfc_3492_and_registry_samples() {
        let cases = [
            ("bcher-kva", "bücher"),
            ("mnchen-3ya", "münchen"),
            ("fiqs8s", "中国"),
            ("fa-hia", "faß"),
            // RFC 3492 §7.1 (L), Japanese: "3年B組金八先生".
            ("3B-ww4c5e180e575a65lsy2b", "3年B組金八先生"),
            // §7.1 (B), Chinese (simplified).
            ("ihqwcrb4cv8a8dqg056pqjye", "他们为什么不说中文"),
        ];
        for (puny, unicode) in cases {
            assert_eq!(decode(puny).as_deref(), Some(unicode), "{puny}");
        }
    }

    #[test]
    fn malformed_input_decodes_to_nothing() {
        for bad in ["", "abc-", "ü-abc", "a!b", "99999999999999999999"] {
            assert_eq!(decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn one_form_for_a_and_u_labels_in_any_case() {
        for spelling in ["xn--bcher-kva.example", "XN--BCHER-KVA.example.", "bücher.example", "BÜCHER.Example"] {
            assert_eq!(comparable(spelling), "bücher.example", "{spelling}");
        }
        assert_eq!(comparable("xn--!!.test"), "xn--!!.test", "an undecodable label stays as written");
        assert_eq!(comparable("Spam.Example"), "spam.example");
    }
}
