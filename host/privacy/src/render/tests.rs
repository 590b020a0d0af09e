//! Each category's form applied to values, and text rendered span by span.
use super::*;
use crate::detect::PatternDetector;
use crate::{CategorySet, PurposePolicy};

fn with<T>(purpose: &str, f: impl FnOnce(&Renderer) -> T) -> T {
    let policy = PurposePolicy::default_policy();
    let all: CategorySet = Category::ALL.into_iter().collect();
    let grant = Grant::for_purpose(&policy, purpose, all).unwrap();
    let p = Pseudonymizer::derive(&[9; 32], purpose);
    f(&Renderer::new(&grant, &p, &PatternDetector))
}

#[test]
fn what_stands_in_an_address_place_is_shown_as_an_address_only_when_it_is_one() {
    let odd = ["Pieternella Vosmaer 0612345678", "undisclosed Zwanenburg", "\"Lotte Zwanenburg\"@example.nl"];
    for (value, purpose) in odd.into_iter().flat_map(|v| [(v, "delivery"), (v, "statistics")]) {
        let shown = with(purpose, |r| r.address(value));
        assert!(matches!(&shown, Shown::Pseudonym(p) if p.starts_with("p.") && !p.contains('@')), "{value}: {shown:?}");
    }
    assert_eq!(with("delivery", |r| r.address("jan@example.nl")), Shown::Full("jan@example.nl".into()));
    let literal = "hans@[192.0.2.55]";
    let stats = with("statistics", |r| r.address(literal));
    assert!(matches!(&stats, Shown::Pseudonym(p) if p.ends_with("@[192.0.2.0/24]")), "{stats:?}");
    let tracked = with("conversion-tracking", |r| r.address(literal));
    assert!(matches!(&tracked, Shown::Pseudonym(p) if !p.contains("192.0.2")), "{tracked:?}");
    for numbered in ["x@0612345678.nl", "y@06-1234-5678.example.com"] {
        let shown = with("statistics", |r| r.address(numbered));
        assert!(matches!(&shown, Shown::Pseudonym(p) if !p.contains("5678")), "{numbered}: {shown:?}");
    }
    let v6 = with("statistics", |r| r.address("x@[IPv6:2001:db8:1:2::77]"));
    assert!(matches!(&v6, Shown::Pseudonym(d) if d.contains("/48") && !d.contains("::77")), "{v6:?}");
}

#[test]
fn spam_filtering_text_redacts_personal_data_in_place() {
    let text = "Call 06-12345678 or mail jan@example.nl from 192.0.2.1";
    let Shown::Redacted(out) = with("spam-filtering", |r| r.text(Category::Content, text)) else {
        panic!("expected redacted text")
    };
    assert!(out.starts_with("Call <phone> or mail p."), "{out}");
    assert!(out.contains("@example.nl from 192.0.2.1"), "network is full: {out}");
    assert!(!out.contains("jan@") && !out.contains("12345678"));
}

#[test]
fn organisations_of_ordinary_words_do_not_pass_in_clear() {
    for purpose in ["spam-filtering", "malware-scanning"] {
        let text = "Thanks for the order.\nRegards from Copper Kettle & Sons and Groene Vallei Kwekerij too.";
        let Shown::Redacted(out) = with(purpose, |r| r.text(Category::Content, text)) else { panic!() };
        for word in ["Copper", "Kettle", "Sons", "Groene", "Vallei", "Kwekerij"] {
            assert!(!out.contains(word), "{purpose}: {word} in {out}");
        }
    }
    // Phrases, headings and line starts stay readable.
    let phrases = "Kind Regards, and please Click Here\nBlue Harbour Lights shine today.";
    assert_eq!(with("spam-filtering", |r| r.text(Category::Content, phrases)), Shown::Full(phrases.into()));
}

#[test]
fn an_address_inside_a_tracking_link_takes_the_stricter_form() {
    with("conversion-tracking", |r| {
        let url = "https://t.example.test/c/track?id=9&u=jan%40example.nl";
        assert_eq!(r.piece(Category::Conversion, url), "<tracking:t.example.test>");
        let plain = "https://t.example.test/c/track?id=9";
        assert_eq!(r.piece(Category::Conversion, plain), plain);
    });
}

#[test]
fn a_link_without_a_scheme_keeps_only_its_host() {
    assert_eq!(url_host("//trk.example/o/pixel/237d85b65.png"), Some("trk.example"));
    assert_eq!(url_host("links.winkel.test/v/981d8da1"), Some("links.winkel.test"));
    // A link inside the link's query is not its host.
    let nested = "go.shop.test/r/?id=a1b2c3d4&next=https://0612345678";
    assert_eq!(url_host(nested), Some("go.shop.test"));
    // No host in a value that is no link: nothing of it is shown.
    for value in [
        "237d85b65",
        "a1b2/c3",
        "jan@x.test/c/1",
        "//x/o/1",
        "https://jan:pw@x.test/c/ab12cd",
        "https://x.test:8080/c/ab12cd",
    ] {
        assert_eq!(url_host(value), None, "{value}");
    }
}

#[test]
fn text_glued_onto_an_address_is_no_part_of_its_domain() {
    // Table cells joined without a blank, and flattened spans.
    let text = "E-mail jan@kpnmail.nl0623456781dijkhuizenmarco x@hotmail.comnl18rabo0123459876ramdin \
                p@planet.nlnienke z@example.community q@intranet.corp";
    let Shown::Redacted(out) = with("spam-filtering", |r| r.text(Category::Content, text)) else { panic!() };
    for glued in ["0623456781", "dijkhuizen", "nl18rabo", "ramdin", "nienke", "intranet"] {
        assert!(!out.contains(glued), "{glued} in {out}");
    }
    for domain in ["@kpnmail.nlp.", "@hotmail.comp.", "@planet.nlp.", "@example.community "] {
        assert!(out.contains(domain), "{domain} in {out}");
    }
    assert!(!out.contains(".corp"), "an unknown top-level domain is not shown: {out}");
    let stats = with("statistics", |r| r.address("q@intranet.corp"));
    assert!(matches!(&stats, Shown::Pseudonym(p) if !p.contains('@')), "{stats:?}");
    with("delivery", |r| assert_eq!(r.address("q@intranet.corp"), Shown::Full("q@intranet.corp".into())));
    // Letters that case-fold to ASCII (`ſ`, the Kelvin sign) are cut nowhere.
    for odd in ["mail jan@example.ſſſx now", "x@b.nl\u{212a}abc", "y@b.xn--p1ai"] {
        let _ = with("spam-filtering", |r| r.text(Category::Content, odd));
    }
    let idn = with("statistics", |r| r.address("y@site.xn--p1ai"));
    assert_eq!(
        idn,
        Shown::Pseudonym(format!(
            "{}@site.xn--p1ai",
            with("statistics", |r| { r.pseudonyms.token("email", "y@site.xn--p1ai") })
        ))
    );
}

#[test]
fn malware_scanning_sees_no_addresses() {
    with("malware-scanning", |r| {
        assert_eq!(r.address("a@b.test"), Shown::Withheld);
        let Shown::Redacted(t) = r.text(Category::Content, "mail a@b.test") else { panic!() };
        assert_eq!(t, "mail <email>");
    });
}

#[test]
fn statistics_gets_domains_and_pseudonyms() {
    with("statistics", |r| {
        assert_eq!(r.ip("192.0.2.9".parse().unwrap()), Shown::Domain("192.0.2.0/24".into()));
        assert!(matches!(r.address("a@b.test"), Shown::Pseudonym(p) if p.ends_with("@b.test")));
        assert_eq!(r.text(Category::Content, "hello"), Shown::Withheld);
    });
}
