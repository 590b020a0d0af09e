//! Names a message gives away in one place, as names everywhere in it; and the codes
//! of its code columns ([`crate::code_columns`]), as codes everywhere in it.
//!
//! A name the detector finds once (`Bo Koster` in a sign-off, `Sky de Boer` as the
//! sender's display name) often stands alone elsewhere in the same message, where no
//! cue marks it and the word passes as vocabulary: `RE: ziekmelding Bo`, `Bo belde
//! net`, `Sky` on the last line. The words of such names that would pass in clear are
//! collected once per message; capitalised, they are pseudonyms in every view of that
//! message (subject, bodies, headers, file names). Only within one message: nothing
//! carries over to the next.
//!
//! Only words known to be names are taken (listed first names and surnames that are
//! also words, and the frequent words that are often names: `Bo`, `Sky`, `Kit`): the
//! sender writes the display name, and `"Anna Casino Bonus"` must not hide `Casino`
//! from a spam filter's keyword rules everywhere in the message.

use crate::detect::{Kind, Span};
use crate::vocabulary;
use std::collections::HashSet;

/// The words of a message's found names that would pass in clear, lower-case.
#[derive(Debug, Default)]
pub struct MessageNames {
    words: HashSet<String>,
    /// Codes of the message's code columns ([`crate::code_columns`]), as written.
    codes: HashSet<String>,
}

impl MessageNames {
    /// Adds the words of the names among `spans` of `text`, and of the organisations
    /// that are shaped like a person's name ([`add_display_name`](Self::add_display_name)):
    /// a sign-off's `Bo Koster` may be found as a firm of two capitalised words.
    pub fn add_found(&mut self, text: &str, spans: &[Span]) {
        for span in spans {
            match (span.kind, text.get(span.range.clone())) {
                (Kind::Name, Some(name)) => self.add_words(name),
                (Kind::Organisation, Some(name)) => self.add_display_name(name),
                _ => {}
            }
        }
    }

    /// Adds the words of a display name (`"Sky de Boer" <…>`) when it is a person's: two
    /// to four capitalised words (particles between), one of them a listed first name
    /// or surname. `PayPal Security` and `Team Support` are no one's.
    pub fn add_display_name(&mut self, name: &str) {
        let words: Vec<&str> = name.split_whitespace().collect();
        let capitalised = |w: &str| w.chars().next().is_some_and(char::is_uppercase);
        let particle = |w: &str| crate::detect::names::PARTICLES.contains(&w);
        let named = words.iter().filter(|w| capitalised(w)).count();
        if (2..=4).contains(&named)
            && words.iter().all(|w| capitalised(w) || particle(w))
            && words.iter().any(|w| vocabulary::is_listed_name(w))
        {
            self.add_words(name);
        }
    }

    /// Adds the codes of the code columns of `text` ([`crate::code_columns`]).
    pub fn add_codes(&mut self, text: &str) {
        self.codes.extend(crate::code_columns::codes(text).into_iter().map(str::to_owned));
    }

    /// True when the capitalised `token` is a word of a name found in this message, or
    /// `token` is a code of one of its code columns.
    pub fn contains(&self, token: &str) -> bool {
        let name = !self.words.is_empty()
            && token.chars().next().is_some_and(char::is_uppercase)
            && vocabulary::in_lower_case(token, |w| self.words.contains(w));
        name || (!self.codes.is_empty() && self.codes.contains(token))
    }

    /// True when no name or code of the message would pass in clear.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.codes.is_empty()
    }

    fn add_words(&mut self, name: &str) {
        for word in name.split(|c: char| !c.is_alphabetic()) {
            let lower = word.to_lowercase();
            let worth = word.chars().count() >= 2
                && word.chars().next().is_some_and(char::is_uppercase)
                && vocabulary::passes_in_clear(word)
                && (vocabulary::is_listed_name(word) || vocabulary::is_name_word(word))
                // `De Vries`, `Van Dijk`: the particle opens sentences as an article.
                && !crate::detect::names::PARTICLES.contains(&lower.as_str())
                && !crate::detect::name_starts::is_title(word);
            if worth {
                self.words.insert(lower);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{Detector, PatternDetector};

    #[test]
    fn words_of_found_names_that_pass_are_kept() {
        let text = "Met vriendelijke groet,\nBo Koster\n";
        let mut names = MessageNames::default();
        names.add_found(text, &PatternDetector.detect(text));
        assert!(names.contains("Bo") && names.contains("BO"), "{names:?}");
        // Only capitalised tokens count, and words that are pseudonyms anyway are not kept.
        assert!(!names.contains("bo") && !names.contains("Koster") && !names.contains("Met"), "{names:?}");
    }

    #[test]
    fn a_display_name_counts_when_it_is_a_persons() {
        let mut names = MessageNames::default();
        for display in ["PayPal Security", "Team Support", "Sky", "Sky News Daily Alerts Now", "Hope and Rose"] {
            names.add_display_name(display);
        }
        assert!(names.is_empty(), "{names:?}");
        names.add_display_name("Sky de Boer");
        assert!(names.contains("Sky") && !names.contains("De"), "{names:?}");
        // A capitalised particle is an article at a sentence's start.
        names.add_found("Bo De Vries", &[Span::new(0..11, Kind::Name)]);
        assert!(names.contains("Bo") && !names.contains("De"), "{names:?}");
        // A person's name found as an organisation counts as a display name would.
        let mut found = MessageNames::default();
        found.add_found(
            "Kit Koster; Centraal Beheer",
            &[Span::new(0..10, Kind::Organisation), Span::new(12..27, Kind::Organisation)],
        );
        assert!(found.contains("Kit") && !found.contains("Centraal"), "{found:?}");
        // The sender writes the display name: words that are no names are not taken.
        names.add_display_name("Anna Casino Bonus");
        assert!(!names.contains("Casino") && !names.contains("Bonus"), "{names:?}");
    }
}
