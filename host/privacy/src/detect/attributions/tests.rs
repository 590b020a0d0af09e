//! Attribution lines and quoted header blocks, each with the names it holds.

use super::*;

fn names(text: &str) -> Vec<&str> {
    super::super::found_by(find, text)
}

#[test]
fn attributions_name_their_writer() {
    let cases: &[(&str, &[&str])] = &[
        ("On Tue, 1 Dec 2026, Hope Stone wrote:\n> hi", &["Hope Stone"]),
        ("On Tue, 1 Dec 2026 at 10:12, Grace Wolf <g@x.test> wrote:\n", &["Grace Wolf"]),
        ("> Le 3 déc. 2026 à 10:12, Marie Fox a écrit :\n", &["Marie Fox"]),
        ("Op 3 dec. 2026 om 10:12 schreef Roos Vos <roos@x.nl>:\r\n", &["Roos Vos"]),
        ("Am 03.12.2026 um 10:12 schrieb Karl Wolf:\n", &["Karl Wolf"]),
        ("On Mon, \"Stone, Hope\" <h@x.test> wrote:\n", &["Stone, Hope"]),
        ("Will van der Berg (will@x.test) wrote:", &["Will van der Berg"]),
        ("Hope Stone wrote:", &["Hope Stone"]),
        ("On Tue, 1 Dec 2026 at 10:12 AM Hope Stone <h@x.test> wrote:\n", &["Hope Stone"]),
        ("<div>On Tue, Hope Stone &lt;h@x.test&gt; wrote:<br></div>", &["Hope Stone"]),
    ];
    for (text, want) in cases {
        assert_eq!(names(text), *want, "{text:?}");
    }
}

#[test]
fn attribution_verbs_in_prose_name_nobody() {
    for text in [
        "the manual wrote: nothing",
        "hij schreef een brief aan de buren.\n",
        "Ze schreef Brieven: veel\n",
        "12 wrote: x",
        "Il a écrit une lettre",
    ] {
        assert_eq!(names(text), Vec::<&str>::new(), "{text:?}");
    }
}

#[test]
fn quoted_header_blocks_name_their_people() {
    let cases: &[(&str, &[&str])] = &[
        (
            "Van: Storm, Ivo\r\nVerzonden: dinsdag 1 december 2026 10:12\r\nAan: Koster, Mark; Roos Bakker <roos@x.nl>\r\nOnderwerp: plan\r\n",
            &["Storm, Ivo", "Koster, Mark", "Roos Bakker"],
        ),
        ("> From: Hope Baker\n> Sent: Tuesday\n> To: Will Smith; jan@x.nl\n", &["Hope Baker", "Will Smith"]),
        ("<b>From:</b> Grace Fox &lt;grace@x.test&gt;<br><b>Sent:</b> Tuesday<br>", &["Grace Fox"]),
        ("Von: Karl Wolf\nGesendet: Dienstag\n", &["Karl Wolf"]),
        ("<b>To:</b> Will; Mark<br><b>Subject:</b> x; Claim at https://evil.example/win<br>", &["Will", "Mark"]),
    ];
    for (text, want) in cases {
        assert_eq!(names(text), *want, "{text:?}");
    }
}

#[test]
fn field_lines_outside_a_block_or_without_a_name_are_none() {
    for text in [
        "Van: Storm, Ivo\n\nlong after\n\nmore\n\nand more\n\nSubject: x\n",
        "Van: 10:00 tot 12:00\nTot: 14:00\nDatum: morgen\n",
        "To: all staff\nSubject: lunch\n",
        "From: jan@x.nl\nSent: Tuesday\n",
        "From: Account Team https://secure-login.example/verify\nSent: today\n",
        "Cc: \r\nSubject: Lunch with Ivo\r\n",
        "Q: Free?\nA: Yes Totally\nQ: How?\nA: Click Here\n",
        "From: London\nTo: Paris\n",
    ] {
        assert_eq!(names(text), Vec::<&str>::new(), "{text:?}");
    }
}

#[test]
fn a_long_line_of_attributions_or_fields_is_read_in_windows() {
    // Each verb or field once read its line back to its start or on to its end.
    let verbs = " Hope wrote:".repeat(50_000);
    assert_eq!(names(&verbs).len(), 50_000);
    let fields = "<br>To: Ann<br>Sent: b".repeat(20_000);
    assert_eq!(names(&fields).len(), 20_000);
    let items = format!("From: {}\nSent: x\n", "A;".repeat(100_000));
    assert!(!names(&items).is_empty());
}
