//! Words joined into one token by hyphens or dots that together name someone: URL
//! slugs and user names (`linkedin.com/in/hope-de-bruin`, `grace.baker`,
//! `lijst/storm-schipper-2026`). Each part alone is a word of the vocabulary in lower
//! case (`hope`, `bruin`, `baker`), so word by word the name would pass. Parts are
//! joined by hyphens, and by dots where host names pass whole (the network category
//! in full, as spam filters have it) or after a listed name (`grace.baker`).

use super::hosts::is_host;
use super::{is_listed_name, is_word};

/// True for a lower-case compound that names someone: an initial, a dot and a word of
/// three letters or more (`a.kramer`), or one of its parts of letters is a listed
/// first name or surname, and another is one too or is no word (`ivy-chen`).
/// Particles (`de`, `van`) and numbers count as neither, so `white-paper`,
/// `long-term` and `page-2` stay words.
pub(super) fn names_someone(compound: &str) -> bool {
    // Capitalised parts are names or not on their own (`Hope-Baker`, `Noord-Holland`).
    if compound.bytes().any(|b| b.is_ascii_uppercase()) {
        return false;
    }
    // An initial and a surname (`a.kramer`, `j.smit`): a user name, whatever the
    // surname is (`kramer` is a Dutch word too). `e.g` and `a.m` are too short, and
    // `a.top` is a host.
    if let Some((initial, surname)) = compound.split_once('.')
        && initial.len() == 1
        && surname.len() >= 3
        && [initial, surname].iter().all(|p| p.bytes().all(|b| b.is_ascii_lowercase()))
        && !is_host(compound)
    {
        return true;
    }
    let (mut listed, mut unknown) = (0, 0);
    let letters = compound.split(['-', '.']).filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphabetic()));
    for part in letters.take(8) {
        if is_listed_name(part) {
            listed += 1;
        } else if !is_word(part) {
            unknown += 1;
        }
    }
    listed >= 1 && listed + unknown >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compounds_of_names_name_someone() {
        for slug in ["hope-de-bruin", "grace-baker", "storm-schipper-2026", "grace.baker", "ivy-chen", "a.kramer"] {
            assert!(names_someone(slug), "{slug}");
        }
        for slug in [
            "white-paper",
            "long-term",
            "page-2",
            "follow-up",
            "www.example.com",
            "king-size",
            "e-mail",
            "Noord-Holland",
            "e.g",
            "a.m",
            "a.top",
        ] {
            assert!(!names_someone(slug), "{slug}");
        }
    }
}
