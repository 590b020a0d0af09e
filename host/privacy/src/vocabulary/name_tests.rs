//! Tests of the rules for names, codes and dates that the thirteenth probe and the
//! re-runs of the earlier probes asked for: names in lower case, name words beside
//! kin, greetings and conjunctions, initials joined by a dot, and cues in more
//! languages.

use super::render_into;
use super::tests::render;
use crate::Pseudonymizer;

#[test]
fn a_name_word_after_a_name_and_a_conjunction_or_in_a_subjects_list_is_a_name() {
    let out = render("Doopdienst - Hope en Bo. Coffee with Anna and Bee Patel. Programme - Poppy, Rose, Noah");
    for name in [" Bo", "Bee", "Poppy"] {
        assert!(!out.contains(name), "{name} in {out}");
    }
    // Not after a name: `and` alone makes nothing a name.
    assert!(render("Salt and Pepper, bread and Bo").ends_with("Salt and Pepper, bread and Bo"));
}

#[test]
fn a_listed_surname_in_lower_case_after_a_name_is_its_surname() {
    let out = render("08:02  Lucas smit        halte Dorpsstraat\nbo keizer, Anna bakker");
    for surname in ["smit", "bakker"] {
        assert!(!out.contains(surname), "{surname} in {out}");
    }
    // Only surnames: a first name or a frequent word after a name passes.
    let out = render("Sarah will call, Jan belt, Anna harm");
    for word in [" will call,", " belt,", " harm"] {
        assert!(out.contains(word), "{word} in {out}");
    }
}

#[test]
fn the_surnames_alone_are_the_three_sections_of_surnames() {
    for surname in ["smit", "bakker", "keizer", "ridder"] {
        assert!(super::name_lists::is_surname(surname), "{surname}");
    }
    for word in ["will", "bill", "harm", "april", "galaxy", "willow"] {
        assert!(!super::name_lists::is_surname(word), "{word}");
    }
}

#[test]
fn feasts_pass_and_merry_beside_a_surname_is_a_name() {
    let out = render("Merry Christmas and Happy Easter! Best laugh: Merry Chambers.");
    assert!(out.starts_with("Merry Christmas and Happy Easter! Best laugh: p."), "{out}");
    assert!(!out.contains("Chambers") && out.matches("Merry").count() == 1, "{out}");
}

#[test]
fn a_first_name_and_a_surname_in_lower_case_are_a_name() {
    let out = render("zeg tegen tom baker en mark zeeman dat ik niet kan, want de winkel is dicht. groetjes bo keizer");
    for word in ["tom", "baker", "mark", "zeeman", "bo", "keizer"] {
        assert!(!out.split(' ').any(|w| w == word), "{word} in {out}");
    }
    assert!(out.contains(" dat ik niet kan, want de winkel is dicht. groetjes "), "{out}");
    // `will`, `said` and `de` are words first: the words after them pass.
    let clear = "we will go, he said no, de prins en de huisman";
    assert_eq!(render(clear), clear);
}

#[test]
fn the_first_name_filter_holds_every_given_name() {
    for name in super::name_lists::given_names() {
        assert!(super::name_lists::may_be_a_first_name(name.as_bytes()), "{name}");
    }
    let words = ["the", "quick", "fox", "jumps", "over", "lazy", "dog", "again", "and", "with", "from", "about"];
    assert!(words.iter().filter(|w| super::name_lists::may_be_a_first_name(w.as_bytes())).count() <= 2);
}

#[test]
fn an_initial_and_a_surname_joined_by_a_dot_are_one_pseudonym_where_hosts_are_kept_or_not() {
    for hosts_clear in [true, false] {
        let mut out = String::new();
        let p = Pseudonymizer::derive(&[1; 32], "malware-scanning");
        render_into("Owner: a.kramer, ?x=j.smit&y=1, e.g. 8 a.m.", &p, hosts_clear, &mut out);
        assert!(!out.contains("kramer") && !out.contains("smit"), "{out}");
        assert!(out.ends_with(", e.g. 8 a.m."), "{out}");
    }
}

#[test]
fn a_name_word_after_kin_or_a_greeting_is_a_name() {
    let out = render("Groetjes, Jet\r\nCheers, Rain\r\nThanks Sky!\r\nWe bring little Rain and baby Sky.");
    for name in ["Jet", "Rain", "Sky"] {
        assert!(!out.contains(name), "{name} in {out}");
    }
    assert!(render("Thanks Sky News, and the Rain came.").ends_with("Thanks Sky News, and the Rain came."));
}

#[test]
fn codes_after_spanish_italian_or_alarm_cues_and_dates_of_birth_in_words_are_pseudonyms() {
    let out = render("El código del garaje es 4-8-1-2. Il codice è 4812. Alarm: 4812.");
    assert!(!out.contains("4812") && !out.contains("4-8"), "{out}");
    let out = render("geboren te Zwolle op zeventien maart negentienhonderd zesenvijftig");
    for word in ["zeventien", "maart", "negentienhonderd", "zesenvijftig"] {
        assert!(!out.contains(word), "{word} in {out}");
    }
}

#[test]
fn a_list_after_a_name_with_letters_beyond_ascii_or_after_kin_is_of_names() {
    let out = render("Kun je de lijst invullen (Aydın, Can, Er en Kaya)? En de kleinkinderen Bo, Sem en Tess.");
    for name in ["Can,", " Bo,"] {
        assert!(!out.contains(name), "{name} in {out}");
    }
}

#[test]
fn a_lower_case_given_name_after_kin_and_a_name_word_after_thank_you_are_names() {
    let out = render("faith + uncle bob, and Thank you Kit!");
    assert!(!out.contains("bob") && !out.contains("Kit"), "{out}");
    assert_eq!(render("thank you for the bob cut"), "thank you for the bob cut");
}

#[test]
fn a_date_of_birth_on_the_line_after_its_cue_or_after_a_star_and_a_place_is_pseudonyms() {
    let out = render("a pupil (date of birth\n3 February 2008), who\nRiek\n* Amsterdam, 8 maart 1937\n* 4 items");
    for part in ["February", "2008", "maart", "1937"] {
        assert!(!out.contains(part), "{part} in {out}");
    }
    assert!(out.ends_with("\n* 4 items"), "{out}");
}
