//! The query of a tracking link shown in full: a conversion purpose reads its
//! campaign and click ids, but a value that names a person (`n=Lotte+Zwanenburg`,
//! `tel=0612345678`) is name or phone data inside a conversion value, and takes the
//! stricter form: a keyed pseudonym in its place.

use crate::Pseudonymizer;
use crate::detect::name_starts::first_name_at;

/// Query parameter names whose values are a person's data in any language mail uses.
const PERSONAL: &[&str] = &[
    "n",
    "name",
    "naam",
    "fn",
    "ln",
    "firstname",
    "first_name",
    "lastname",
    "last_name",
    "voornaam",
    "achternaam",
    "fullname",
    "full_name",
    "tel",
    "phone",
    "telefoon",
    "mobile",
    "mobiel",
    "gsm",
    "address",
    "adres",
    "street",
    "straat",
    "zip",
    "postcode",
    "postal",
    "city",
    "plaats",
    "woonplaats",
    "birthdate",
    "geboortedatum",
    "iban",
];

/// `url` with each personal query value replaced by a pseudonym, or `None` when none
/// is. A value is personal by its parameter's name, by a listed first name at the
/// start of one of its words, or by holding more than six digits.
pub fn without_personal_values(url: &str, p: &Pseudonymizer) -> Option<String> {
    let (head, query) = url.split_once('?')?;
    let (query, fragment) = query.split_once('#').map_or((query, None), |(q, f)| (q, Some(f)));
    let mut changed = false;
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if value.is_empty() || !personal(name, value) {
                return pair.to_owned();
            }
            changed = true;
            format!("{name}={}", p.token("query", &value.to_lowercase()))
        })
        .collect();
    let fragment = fragment.map(|f| format!("#{f}")).unwrap_or_default();
    changed.then(|| format!("{head}?{}{fragment}", pairs.join("&")))
}

fn personal(name: &str, value: &str) -> bool {
    let decoded = decode(value);
    let bytes = decoded.as_bytes();
    let word_starts = (0..bytes.len()).filter(|i| *i == 0 || !bytes[i - 1].is_ascii_alphanumeric());
    PERSONAL.iter().any(|n| n.eq_ignore_ascii_case(name))
        || word_starts.clone().any(|i| first_name_at(bytes, i))
        || decoded.bytes().filter(u8::is_ascii_digit).count() > 6
}

/// `%XX` and `+` decoded (as a form value); bytes that are no UTF-8 are replaced.
fn decode(value: &str) -> String {
    let b = value.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (b[i], hex) {
            (b'%', Some(x)) => (out.push(x), i += 3),
            (b'+', _) => (out.push(b' '), i += 1),
            (c, _) => (out.push(c), i += 1),
        };
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_values_become_pseudonyms_and_campaign_ids_stay() {
        let p = Pseudonymizer::derive(&[5; 32], "conversion-tracking");
        let url = "https://t.example.com/c/track?utm_source=x&utm_campaign=spring_sale&n=Pieternella+Vosmaer&tel=0612345678#top";
        let out = without_personal_values(url, &p).unwrap();
        assert!(out.starts_with("https://t.example.com/c/track?utm_source=x&utm_campaign=spring_sale&n=p."), "{out}");
        assert!(out.ends_with("#top") && !out.contains("Pieternella") && !out.contains("0612345678"), "{out}");
        let by_value = without_personal_values("https://t.test/o?ref=Lotte%20Zwanenburg&id=42", &p).unwrap();
        assert!(!by_value.contains("Lotte") && by_value.ends_with("&id=42"), "{by_value}");
        assert_eq!(without_personal_values("https://t.test/c?utm_source=news&id=8f3a", &p), None);
        assert_eq!(without_personal_values("https://t.test/c", &p), None);
    }
}
