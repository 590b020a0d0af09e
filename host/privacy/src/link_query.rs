//! The query of a tracking link shown in full: a conversion purpose reads its
//! campaign and click ids, but a value that names a person (`n=Lotte+Zwanenburg`,
//! `tel=0612345678`) is name or phone data inside a conversion value, and takes the
//! stricter form: a keyed pseudonym in its place.

use crate::Pseudonymizer;

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
/// is. A value is personal by its parameter's name, by a word that is a listed first
/// name or common surname (any case), or by holding more than six digits. The path's
/// segments are looked at the same way.
pub fn without_personal_values(url: &str, p: &Pseudonymizer) -> Option<String> {
    let (head, query) = url.split_once('?').unwrap_or((url, ""));
    let (scheme_host, path) = head.split_once("://").map_or(("", head), |(s, rest)| (s, rest));
    let segments: Vec<&str> = path.split('/').collect();
    // The first segment is the host: its long numbers are the host rule's business.
    let path: Vec<String> = segments
        .iter()
        .enumerate()
        .map(|(i, seg)| match i > 0 && personal("", seg) {
            true => p.token("path", &seg.to_lowercase()),
            false => (*seg).to_owned(),
        })
        .collect();
    let path_changed = path.iter().zip(&segments).any(|(shown, seg)| shown != seg);
    let head = match scheme_host {
        "" => path.join("/"),
        scheme => format!("{scheme}://{}", path.join("/")),
    };
    if query.is_empty() {
        return path_changed.then_some(head);
    }
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
    (changed || path_changed).then(|| format!("{head}?{}{fragment}", pairs.join("&")))
}

fn personal(name: &str, value: &str) -> bool {
    let decoded = decode(value);
    PERSONAL.iter().any(|n| n.eq_ignore_ascii_case(name))
        || decoded.split(|c: char| !c.is_alphanumeric()).any(crate::vocabulary::is_listed_name)
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
        let path = without_personal_values("https://t.test/c/Pieternella-Vosmaer/x", &p).unwrap();
        assert!(path.starts_with("https://t.test/c/p.") && path.ends_with("/x"), "{path}");
        let lower =
            without_personal_values("https://t.test/c?ref=lotte+zwanenburg&utm_campaign=marketing", &p).unwrap();
        assert!(!lower.contains("lotte") && lower.ends_with("&utm_campaign=marketing"), "{lower}");
    }
}
