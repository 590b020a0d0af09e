//! The name patterns: gated searches against whole-text ones, signatures, titles.

use super::*;

#[test]
fn whole_text_patterns_run_as_lazy_dfas() {
    let p = &*PATTERNS;
    for re in [&p.address_open, &p.org_suffix, &p.org_prefix, &p.org_words_at_end] {
        super::super::assert_lazy_dfa(re.as_str());
    }
    for gated in [&p.cue, &p.known_name] {
        super::super::assert_lazy_dfa(gated.as_str());
    }
}

/// The names and organisations found in `text`, each once (two patterns may find
/// one name: `mr. J. de Vries` by its title and by its initial).
fn names(text: &str) -> Vec<String> {
    let mut spans = Vec::new();
    find(text, &mut spans);
    let mut seen = std::collections::HashSet::new();
    spans.into_iter().filter(|s| seen.insert(s.range.clone())).map(|s| text[s.range].to_owned()).collect()
}

#[test]
fn a_signature_in_lower_case_is_a_name() {
    assert_eq!(names("Groetjes,\nsander\n"), ["sander"]);
    assert_eq!(names("Kind regards,\r\nmark jansen\r\n"), ["mark jansen"]);
    // Not a listed first name, or more than a name: left to the vocabulary.
    assert!(names("Groetjes,\nde klantenservice\n").is_empty());
    assert!(names("Thanks,\nmark the date in your diary\n").is_empty());
    // A greeting in an HTML body of one line.
    let html = "<div><p class=\"MsoNormal\">Hoi Rose,<o:p></o:p></p><p class=\"MsoNormal\">Zoals besproken.</p>";
    assert_eq!(names(html), ["Rose"]);
    // With particles, and on the closing's own line.
    assert_eq!(names("Groet,\nbas van dam\n"), ["bas van dam"]);
    assert_eq!(names("groet bas van dam\n"), ["bas van dam"]);
    assert_eq!(names("Groetjes, sander\r\n"), ["sander"]);
    assert!(names("Groeten aan iedereen\n").is_empty());
    assert!(names("Great stuff, mark it\n").is_empty());
    // A shouted closing is no name; a shouted name still is.
    assert_eq!(names("MET VRIENDELIJKE GROET,\n"), Vec::<String>::new());
    assert_eq!(names("met JAN BAKKER\n"), ["JAN BAKKER"]);
}

#[test]
fn a_capitalised_word_after_a_title_is_a_name() {
    assert_eq!(names("Meneer Zeeman belt terug, zei mevrouw Schoenmaker."), ["Zeeman", "Schoenmaker"]);
    assert_eq!(names("Namens mr. drs. J. de Vries en Prof. Dr. Ir. Baker."), ["J. de Vries", "Baker"]);
    assert_eq!(names("Ask Dr. Fisher or Mrs Young today"), ["Fisher", "Young"]);
    // A title in another case, without the dot it needs or with one it takes none
    // of, is none; nor is one before a lower-case word, and in `mevrouw Dokter` the
    // title is the name.
    assert!(names("Use MS Teams, ir Jansen or de meneer van de bank").is_empty());
    assert!(names("uw familie. Met dank, naar de dokter. Hij zei: thank you Sir. Your 35 ms Average").is_empty());
    assert_eq!(names("dhr Jansen en mw Bakker"), ["Jansen", "Bakker"]);
    assert_eq!(names("zei mevrouw Dokter gisteren"), ["Dokter"]);
    assert_eq!(names("Beste familie Koopman, dokter Tan en fam. Kraai"), ["Koopman", "Tan", "Kraai"]);
    assert_eq!(names("het bewijs van de heer\r\n   Vonk (penningmeester) en Mrs\n> Lake"), ["Vonk", "Lake"]);
    assert!(names("zei mevrouw\r\n\r\nVonk").is_empty(), "a blank line ends the sentence");
}

#[test]
fn a_capitalised_word_after_a_relative_is_a_name() {
    assert_eq!(names("my partner\nAsh is back, onze dochter Sky en Oma Go"), ["Ash", "Sky", "Go"]);
    assert!(names("Man City and Dear friend Click Here, my son is 4").is_empty());
}

#[test]
fn first_names_are_whole_words_beside_any_letter() {
    fn found(text: &str) -> Vec<&str> {
        let starts = Starts::new(text);
        PATTERNS.known_name.matches(text, |at| starts.first(at, first_name_at)).map(|m| &text[m]).collect()
    }
    assert_eq!(found("Corné, Janneke en Jan"), ["Corné", "Janneke", "Jan"]);
    assert_eq!(found("Cornés Janssen MarJan"), Vec::<&str>::new());
    assert_eq!(found("café Jan Bakker"), ["Jan Bakker"]);
}

/// The gated searches find exactly what the same patterns find over the whole
/// text, on the labelled corpus (every `.eml` file read as text) and on cues at
/// the edges.
#[test]
fn gated_searches_find_what_whole_text_searches_find() {
    let p = &*PATTERNS;
    let (cue, known) = (Regex::new(p.cue.as_str()).unwrap(), Regex::new(p.known_name.as_str()).unwrap());
    let mut texts = super::super::corpus_texts();
    texts.extend(
        [
            "Vraag het aan Jan, vraag het aan\tJan, VRAAG HET AAN Piet Jansen",
            "In The Name Of Jan Bakker and on behalf of  Émile Zola; t.n.v. Ockels, xt.n.v. Ockels",
            "met Jan Bakker, email Anna de Vries, e-mail Anna Smit, xwith Anna Smit, with Anna",
            "aan Jan van der Berg voor Piet Jansen per Ögur Ærø, bel\tJan",
            "with Jan Bakker with Piet Jansen",
            "ZoëPiet Jansen, Zoëmet Jan Bakker, 中文Jan Bakker",
            "Jan",
            "met",
            "zei mevrouw Schoenmaker, mr. drs. J. de Vries en Prof. Dr. Ir. Jansen; 3mr. drs. Zeeman",
            "MS Teams, Ms Teams, mevrouw Heer jansen, dr.Jansen, ir Jansen, ir. Jansen, Mevrouw",
            "Mr Mr Mr Mr Mr Jansen, ask mr. mr. mr. Bakker, vraag het aan Dr. Ir. Smit, familie. Met",
        ]
        .map(String::from),
    );
    // And random texts of cues, names and particles with blanks of every kind.
    let words = "met with van aan vraag het t.n.v. in the name of on behalf bel Jan Bakker de der Berg Corné \
                 Émile Zoë Anna Smit Piet xJan Janneke ÖGUR MET cc mr. drs. Dr Mevrouw mevrouw ir. MS Heer familie. ask Mr";
    texts.extend(super::super::random_text::texts(words, 3000));
    for text in &texts {
        let starts = Starts::new(text);
        let cues = cue_starts(text, &starts);
        let gated: Vec<_> = p.cue.matches(text, |at| cues.get(cues.partition_point(|&c| c < at)).copied()).collect();
        let whole: Vec<_> = cue.find_iter(text).map(|m| m.range()).collect();
        assert_eq!(gated, whole, "cues in {text}");
        let gated: Vec<_> = p.known_name.matches(text, |at| starts.first(at, first_name_at)).collect();
        let whole: Vec<_> = known.find_iter(text).map(|m| m.range()).collect();
        assert_eq!(gated, whole, "first names in {text}");
    }
}

#[test]
fn a_long_run_of_titles_costs_no_more_than_its_length() {
    // Each capital looks back over at most three titles (`Mr` is both), so 20,000 of
    // them are 60,000 steps, not 2e8 (which took seconds and 1.6 GB).
    let capitals = "Mr ".repeat(20_000) + "Jansen";
    assert_eq!(names(&capitals).last().map(String::as_str), Some("Jansen"));
    // A chain holds at most three titles, so the search from each title stops within
    // three of them: a text of titles is searched once over, not once per title.
    let text = "mr. ".repeat(20_000) + "Jansen";
    let starts = Starts::new(&text);
    let cues = cue_starts(&text, &starts);
    let found: Vec<_> =
        PATTERNS.cue.matches(&text, |at| cues.get(cues.partition_point(|&c| c < at)).copied()).collect();
    assert_eq!(found, vec![text.len() - "mr. mr. mr. Jansen".len()..text.len()]);
    assert_eq!(names(&text), ["Jansen"]);
}
