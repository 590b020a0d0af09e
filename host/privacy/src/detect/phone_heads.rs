//! Digit groups glued to the front of a phone number, which the phone pattern left
//! out: a national number whose tail looks like a phone number loses its head to
//! nobody (the Belgian `88.07.30-244.61` showed `88.<phone>`, its birth year; the
//! French `1 85 05 59 350 012 47` showed `1 85 <phone>`, sex and birth year). Up to
//! three groups of at most four digits, each joined to the next by one `.`, `-`, `/`
//! or blank, become part of the number.

use super::{Kind, Span};

/// Most groups taken in front of one number.
const MOST_GROUPS: usize = 3;

/// Extends each phone number among `spans` (sorted, not overlapping) of `text` over
/// the digit groups right before it, up to the span before it.
pub(super) fn extend(text: &str, spans: &mut [Span]) {
    let mut floor = 0;
    for span in spans.iter_mut() {
        if span.kind == Kind::Phone {
            span.range.start = head_start(text.as_bytes(), floor, span.range.start);
        }
        floor = span.range.end;
    }
}

/// Where the number starting at `start` starts once the groups before it (not before
/// `floor`) are taken.
fn head_start(b: &[u8], floor: usize, mut start: usize) -> usize {
    for _ in 0..MOST_GROUPS {
        let Some(sep) = start.checked_sub(1).filter(|&s| s > floor) else { break };
        if !matches!(b[sep], b'.' | b'-' | b'/' | b' ') {
            break;
        }
        let digits = b[floor..sep].iter().rev().take_while(|c| c.is_ascii_digit()).count();
        let group = sep - digits;
        // A whole group: nothing alphanumeric glued to its front (`A12 0612…` is no
        // group), and a separator before the phone's own digits.
        let whole = group == 0 || !b[group - 1].is_ascii_alphanumeric();
        if !(1..=4).contains(&digits) || !whole || !b[start].is_ascii_digit() {
            break;
        }
        start = group;
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone(text: &str, piece: &str) -> Vec<Span> {
        let at = text.find(piece).expect("piece in text");
        vec![Span { kind: Kind::Phone, range: at..at + piece.len() }]
    }

    #[test]
    fn the_groups_before_a_number_join_it() {
        for (text, phone_part, whole) in [
            ("Rijksregisternummer: 88.07.30-244.61.", "07.30-244.61", "88.07.30-244.61"),
            ("NIR 1 85 05 59 350 012 47", "05 59 350 012 47", "1 85 05 59 350 012 47"),
            ("Tel. 06-12345678", "06-12345678", "06-12345678"),
            ("kamer A12 0612345678", "0612345678", "0612345678"),
            ("op 12345 0612345678", "0612345678", "0612345678"),
        ] {
            let mut spans = phone(text, phone_part);
            extend(text, &mut spans);
            assert_eq!(&text[spans[0].range.clone()], whole, "{text}");
        }
    }
}
