//! The views of header fields, parts and names, case by case.
use super::*;
use crate::detect::PatternDetector;
use crate::{CategorySet, Grant, Pseudonymizer, PurposePolicy};

/// [`super::textual_part`] of an attachment without a file name.
fn textual_part(r: &Renderer, content_type: &str, bytes: &[u8]) -> Option<Option<Vec<u8>>> {
    super::textual_part(r, &part(content_type, None, bytes))
}

fn part(content_type: &str, name: Option<&str>, bytes: &[u8]) -> mxr_mail::AttachmentEntry {
    let (name, content_type) = (name.map(str::to_owned), content_type.to_owned());
    mxr_mail::AttachmentEntry { name, content_type, bytes: bytes.to_vec(), sha256: String::new() }
}

fn with<T>(purpose: &str, f: impl FnOnce(&Renderer) -> T) -> T {
    let all: CategorySet = Category::ALL.into_iter().collect();
    let grant = Grant::for_purpose(&PurposePolicy::default_policy(), purpose, all).unwrap();
    let p = Pseudonymizer::derive(&[7; 32], purpose);
    f(&Renderer::new(&grant, &p, &PatternDetector))
}

fn text(s: Shown) -> String {
    match s {
        Shown::Full(v) | Shown::Pseudonym(v) | Shown::Domain(v) | Shown::Redacted(v) => v,
        Shown::Withheld => "<withheld>".into(),
    }
}

#[test]
fn encoded_words_are_decoded_before_rendering() {
    // "Afspraak met Lotte Zwanenburg", base64 and Q encoded.
    for raw in ["=?UTF-8?B?QWZzcHJhYWsgbWV0IExvdHRlIFp3YW5lbmJ1cmc=?=", "=?utf-8?q?Afspraak_met_Lotte_Zwanenburg?="] {
        let out = with("spam-filtering", |r| text(header(r, "Subject", raw).1));
        assert!(out.starts_with("Afspraak met "), "{out}");
        assert!(!out.contains("Lotte") && !out.contains("Zwanenburg") && !out.contains("=?"), "{out}");
    }
}

#[test]
fn uncommon_field_names_are_rendered_and_common_ones_pass() {
    with("spam-filtering", |r| {
        assert_eq!(header_name(r, "Content-Type").as_deref(), Some("Content-Type"));
        let out = header_name(r, "X-Phone-0612345678").unwrap();
        assert!(!out.contains("0612345678"), "{out}");
        for words in ["X-MS-Exchange-Transport-EndToEndLatency", "X-Report-Abuse-To", "X-MS-Has-Attach"] {
            assert_eq!(header_name(r, words).as_deref(), Some(words), "a name of words passes");
        }
        let named = ["X-Lotte-Zwanenburg", "X-MarkBaker-Id", "X-Sender-Jansen", "X-User-Öztürk", "X-Jan", "X-Bob-Kok"];
        for named in named.into_iter().chain(["X-Phone-06-1234-5678"]) {
            let out = header_name(r, named).unwrap();
            assert_ne!(out, named, "a name in a field name fails closed");
        }
    });
    with("statistics", |r| assert_eq!(header_name(r, "X-Lotte-Zwanenburg"), None));
}

#[test]
fn helo_under_domain_is_a_network_or_a_domain_never_the_literal() {
    with("statistics", |r| {
        assert_eq!(helo(r, "[198.51.100.7]"), Shown::Domain("198.51.100.0/24".into()));
        assert!(!text(helo(r, "[IPv6:2001:db8::1]")).contains("2001:db8::1"));
        assert_eq!(helo(r, "[ipv6:2001:db8::1]"), helo(r, "[IPv6:2001:db8::1]"), "the tag in any case");
        assert_eq!(helo(r, "mail.example.com"), Shown::Domain("example.com".into()));
        assert_eq!(helo(r, "jan's laptop"), Shown::Withheld);
        assert_eq!(helo(r, "LOTTE-ZWANENBURG-PC"), Shown::Withheld);
        assert_eq!(helo(r, "lotte.zwanenburg"), Shown::Withheld);
        assert_eq!(helo(r, "Jans-MacBook-Pro.local"), Shown::Withheld, "a computer's own name");
    });
    with("spam-filtering", |r| {
        assert_eq!(helo(r, "mail.example.com"), Shown::Full("mail.example.com".into()));
        let odd = text(helo(r, "Pieternella-Vosmaer-0612345678"));
        assert!(!odd.contains("Pieternella") && !odd.contains("Vosmaer") && !odd.contains("5678"), "{odd}");
        assert!(!text(helo(r, "Jans-MacBook-Pro.local")).contains("Jans"));
        let received = text(header(r, "Received", "from Ruuds-iMac.local (unknown [192.0.2.1]) by mx.example.nl").1);
        assert!(!received.contains("Ruuds") && received.contains("mx.example.nl"), "{received}");
    });
}

#[test]
fn mime_fields_keep_types_and_lose_names_in_file_names() {
    with("spam-filtering", |r| {
        let raw = "application/pdf; name=\"cv Lotte Zwanenburg.pdf\"; charset=utf-8";
        let out = text(header(r, "Content-Type", raw).1);
        assert!(out.starts_with("application/pdf; name=\"cv ") && out.ends_with(".pdf\"; charset=\"utf-8\""), "{out}");
        assert!(!out.contains("Lotte") && !out.contains("Zwanenburg"), "{out}");
        let date = "Mon, 23 Nov 2026 10:00:00 +0100";
        assert_eq!(header(r, "Date", date).1, Shown::Full(date.into()));
        let commented = text(header(r, "Date", "Mon, 23 Nov 2026 10:00 +0100 (Lotte Zwanenburg 06-16809762)").1);
        assert!(!commented.contains("Lotte") && !commented.contains("16809762"), "{commented}");
        let made_up = text(header(r, "Content-Type", "application/lotte-zwanenburg.0616809762; Lotte-x=y").1);
        assert!(
            !made_up.contains("lotte") && !made_up.contains("Lotte") && !made_up.contains("0616809762"),
            "{made_up}"
        );
        // Registered and common types pass whole, in lower case, so a scanner can match
        // them; a made-up subtype under a real type still fails closed.
        let docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
        for kind in ["image/PNG", "message/rfc822", "application/x-msdownload", "application/ms-tnef", docx] {
            assert_eq!(media_type(r, kind), kind.to_ascii_lowercase(), "{kind}");
        }
        let mixed = text(header(r, "Content-Type", "multipart/mixed; boundary=\"XX\"").1);
        assert!(mixed.starts_with("multipart/mixed;"), "{mixed}");
        assert!(!media_type(r, "image/x-lotte-0616809762").contains("0616809762"));
    });
    with("statistics", |r| assert_eq!(header(r, "Content-Type", "text/plain").1, Shown::Withheld));
}

#[test]
fn a_verp_address_is_one_address() {
    let verp = "<linux-nl-bounces+annelies.peeters=skynet.be@lists.linux-nl.org>";
    let whole = "linux-nl-bounces+annelies.peeters=skynet.be@lists.linux-nl.org";
    with("delivery", |r| assert_eq!(text(header(r, "Return-Path", verp).1), whole, "it must still route"));
    let srs = "SRS0=Ab12=XY=skynet.be=annelies.peeters@forwarder.example";
    with("delivery", |r| assert_eq!(text(header(r, "Return-Path", &format!("<{srs}>")).1), srs));
    with("spam-filtering", |r| {
        let out = text(header(r, "Return-Path", verp).1);
        assert!(!out.contains("annelies") && !out.contains("skynet.be@"), "{out}");
    });
}

#[test]
fn message_ids_are_pseudonyms_that_still_match_and_never_addresses() {
    with("delivery", |r| {
        let id = "<0612345678.Pieternella.Vosmaer@example.com>";
        let out = text(header(r, "Message-ID", id).1);
        assert!(out.starts_with("<p.") && out.ends_with("@example.com>"), "{out}");
        assert!(!out.contains("0612345678") && !out.contains("Pieternella"), "{out}");
        let reply = text(header(r, "In-Reply-To", &format!("(a comment) {id}")).1);
        assert_eq!(reply, out, "a reply names the same pseudonym");
        let refs = text(header(r, "References", "<a@x.test> <Timmerman.06_1234_5678@mail.example>").1);
        assert_eq!(refs.matches("<p.").count(), 2, "{refs}");
        assert!(!refs.contains("Timmerman") && !refs.contains("5678"), "{refs}");
    });
}

#[test]
fn technical_fields_and_mime_parameters_pass_only_as_protocol_tokens() {
    with("malware-scanning", |r| {
        assert_eq!(text(header(r, "X-Priority", "3 (Normal)").1), "3 (Normal)");
        for (name, value) in
            [("X-Priority", "0612345678"), ("Importance", "31 6 12345678"), ("Precedence", "192.0.2.55")]
        {
            let out = text(header(r, name, value).1);
            assert!(!out.contains("5678") && !out.contains("192.0"), "{name}: {out}");
        }
        let ct =
            text(header(r, "Content-Type", "text/plain; charset=Timmerman-0612345678; format=NL91ABNA0417164300").1);
        assert!(!ct.contains("Timmerman") && !ct.contains("0612345678") && !ct.contains("0417164300"), "{ct}");
        let plain = text(header(r, "Content-Type", "text/plain; charset=\"utf-8\"; format=flowed").1);
        assert!(plain.contains("charset=\"utf-8\"") && plain.contains("format=\"flowed\""), "{plain}");
    });
}

#[test]
fn a_value_inside_a_value_gets_the_stricter_form() {
    with("conversion-tracking", |r| {
        let out = text(header(r, "X-Mailer", "Thunderbird 2.1 (jan.jansen@example.nl, +31 6 12345678)").1);
        assert!(out.starts_with("Thunderbird 2.1"), "device is full: {out}");
        assert!(!out.contains("jan.jansen@") && !out.contains("12345678"), "{out}");
        let agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0";
        assert_eq!(text(header(r, "User-Agent", agent).1), agent, "a browser's own words pass");
        for (name, value) in
            [("X-Mailer", "iPhone (06_1234_5678)"), ("User-Agent", "Mozilla/5.0 (Pieternella Vosmaer)")]
        {
            let out = text(header(r, name, value).1);
            assert!(!out.contains("5678") && !out.contains("Pieternella") && !out.contains("Vosmaer"), "{out}");
        }
        let tracked = "<https://t.example.com/c/track?utm_source=x&n=Pieternella+Vosmaer&tel=0612345678>";
        let out = text(header(r, "List-Unsubscribe", tracked).1);
        assert!(out.contains("utm_source=x") && !out.contains("Pieternella") && !out.contains("5678"), "{out}");
        let unsubscribe = "<mailto:u@example.com?subject=lotte%40example.org&body=Pieternella%20Vosmaer>";
        let out = text(header(r, "List-Unsubscribe", unsubscribe).1);
        assert!(!out.contains("lotte") && !out.contains("Pieternella"), "{out}");
    });
}

#[test]
fn nested_mail_and_cards_are_rendered_as_text_not_bytes() {
    with("malware-scanning", |r| {
        let card = b"BEGIN:VCARD\r\nFN:Lotte Zwanenburg\r\nTEL:+31 6 16809762\r\nEMAIL:lotte@example.nl\r\n\
ORG:Puffin Kayaks\r\nitem1.ADR;TYPE=work;LABEL=\"Kade 1\":;;Dorp\r\n dsweg 2\r\nEND:VCARD\r\n";
        let out = String::from_utf8(textual_part(r, "text/vcard", card).unwrap().unwrap()).unwrap();
        assert!(out.starts_with("BEGIN:VCARD\r\nFN:p.") && out.contains("ADR;TYPE=work;LABEL=p."), "{out}");
        let invite =
            b"BEGIN:VCALENDAR\r\nATTENDEE;CN=Bramble and Thorn;ROLE=CHAIR:mailto:x@y.test\r\nEND:VCALENDAR\r\n";
        let shown = String::from_utf8(textual_part(r, "text/calendar", invite).unwrap().unwrap()).unwrap();
        assert!(shown.contains("ROLE=CHAIR") && !shown.contains("Bramble") && !shown.contains("x@y"), "{shown}");
        for secret in ["Zwanenburg", "16809762", "lotte@", "Puffin", "Kayaks", "Kade", "Dorpsweg", "Dorp"] {
            assert!(!out.contains(secret), "{secret}: {out}");
        }
        let odd = b"BEGIN:VCARD\r\nPRODID:-//Apple Inc.//iPhone OS 17.1//EN\r\nX-TIMMERMAN:y\r\n\
TEL;TYPE=06_1234_5678;X-PIETERNELLA-VOSMAER=1:x\r\nADR;LANGUAGE=Kerkstraat-12-Amsterdam:;;x\r\n\
TEL;TYPE=cell,voice;LANGUAGE=nl-NL:y\r\nEND:VCARD\r\n";
        let odd = String::from_utf8(textual_part(r, "text/vcard", odd).unwrap().unwrap()).unwrap();
        for secret in ["iPhone", "TIMMERMAN", "5678", "PIETERNELLA", "Kerkstraat"] {
            assert!(!odd.contains(secret), "{secret}: {odd}");
        }
        assert!(odd.contains("TEL;TYPE=cell,voice;LANGUAGE=nl-NL:p."), "known types pass: {odd}");
        let structural = b"BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:Lotte Zwanenburg 0612345678\r\n\
STATUS:CONFIRMED\r\nDTSTART:20261202T100000Z\r\nRRULE:FREQ=WEEKLY;BYDAY=MO\r\n\
DTSTART;VALUE=DATE:19410312\r\nEND:VCARD\r\n";
        let shown = String::from_utf8(textual_part(r, "text/vcard", structural).unwrap().unwrap()).unwrap();
        assert!(!shown.contains("Zwanenburg") && !shown.contains("0612345678"), "{shown}");
        assert!(!shown.contains("19410312"), "a date alone is a birthday's: {shown}");
        let birthday = b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:19410312T000000\r\n\
RRULE:FREQ=YEARLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let yearly = String::from_utf8(textual_part(r, "text/calendar", birthday).unwrap().unwrap()).unwrap();
        assert!(!yearly.contains("19410312") && yearly.contains("RRULE:FREQ=YEARLY"), "{yearly}");
        for kept in ["VERSION:4.0", "STATUS:CONFIRMED", "DTSTART:20261202T100000Z", "RRULE:FREQ=WEEKLY;BYDAY=MO"] {
            assert!(shown.contains(kept), "{kept}: {shown}");
        }
        assert_eq!(textual_part(r, "application/pdf", b"%PDF-"), None, "binary stays attachment content");
    });
    with("statistics", |r| assert_eq!(textual_part(r, "message/rfc822", b"From: a@b.test\r\n\r\nhi"), Some(None)));
}

#[test]
fn cards_and_mail_under_another_type_are_known_by_their_start() {
    with("malware-scanning", |r| {
        let card = b"BEGIN:VCARD\r\nFN:Pieternella Vosmaer\r\nTEL:0612345678\r\nEND:VCARD\r\n";
        let mail = b"From: Pieternella Vosmaer <pv@example.com>\r\nSubject: Bel 0612345678\r\n\r\nhoi\r\n";
        let headers = b"Subject: Bel 06 1234\r\n 5678\r\n\r\n";
        let mbox = b"From lotte@x.test Mon Nov 30 10:00:00 2026\nFrom: Pieternella Vosmaer <pv@x.test>\n\nhoi\n";
        let cases: [(&str, &[u8]); 5] = [
            ("application/mbox", mbox),
            ("application/x-vcard", card),
            ("application/octet-stream", card),
            ("application/octet-stream", mail),
            ("text/rfc822-headers", headers),
        ];
        for (kind, bytes) in cases {
            let out = String::from_utf8(textual_part(r, kind, bytes).expect("text").expect("content")).unwrap();
            for secret in ["Pieternella", "Vosmaer", "0612345678", "5678"] {
                assert!(!out.contains(secret), "{kind}: {secret} in {out}");
            }
        }
        assert_eq!(textual_part(r, "application/octet-stream", b"MZ\x90\0binary"), None, "binary stays binary");
        assert_eq!(textual_part(r, "application/javascript", b"var a = 1;\n"), None, "a script stays a script");
        let script = b"Subject: x\r\n\r\nalert(1)\r\n";
        assert_eq!(textual_part(r, "application/x-msdownload", script), None, "a program is never sniffed");
        assert_eq!(textual_part(r, "application/octet-stream", b"Subject: x\r\n\r\nMZ\0\0"), None, "bytes with NUL");
    });
}

#[test]
fn mail_inside_parts_of_other_types_is_rendered_to_a_bounded_depth() {
    // Each level a message whose one part, declared as bytes, is the next message.
    let mut msg = String::from("From: a@b.test\r\nSubject: bottom\r\n\r\nBel 0612345678\r\n");
    for k in 0..300 {
        msg = format!(
            "From: a@b.test\r\nContent-Type: multipart/mixed; boundary=b{k}\r\n\r\n--b{k}\r\n\
             Content-Type: application/octet-stream\r\n\r\n{msg}\r\n--b{k}--\r\n"
        );
    }
    with("malware-scanning", |r| {
        let out = textual_part(r, "message/rfc822", msg.as_bytes()).expect("text").expect("content");
        assert!(out.len() < msg.len(), "rendered to a bounded depth: {} bytes of {}", out.len(), msg.len());
    });
}

#[test]
fn a_forwarded_message_is_decoded_before_it_is_rendered() {
    let forward = "Subject: =?utf-8?q?Mevrouw?= =?utf-8?q?Zwanen?= =?utf-8?q?burg_0612?= =?utf-8?q?3456?= =?utf-8?q?78?=\r\n\
        From: Lotte Zwanenburg <lotte@example.nl>\r\nContent-Type: text/plain\r\n\
        Content-Transfer-Encoding: quoted-printable\r\n\r\nBel 0612=\r\n3456=\r\n78, ip 192.0=\r\n.2.55\r\n";
    let outer = format!(
        "Subject: fwd\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
        base64_lines(forward.as_bytes())
    );
    with("malware-scanning", |r| {
        for bytes in [forward.as_bytes(), outer.as_bytes()] {
            let out = String::from_utf8(textual_part(r, "message/rfc822", bytes).unwrap().unwrap()).unwrap();
            assert!(out.contains("Bel "), "the body is there: {out}");
            for secret in ["Zwanen", "0612", "3456", "lotte@", "192.0", "=?utf-8"] {
                assert!(!out.contains(secret), "{secret}: {out}");
            }
        }
    });
}

/// `bytes` in base64, in lines of 76.
fn base64_lines(bytes: &[u8]) -> String {
    use base64::Engine;
    let all = base64::engine::general_purpose::STANDARD.encode(bytes);
    all.as_bytes().chunks(76).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join("\r\n")
}

#[test]
fn device_strings_in_text_do_not_pass_where_device_is_not_granted() {
    with("spam-filtering", |r| {
        let body = "Thanks!\n\nSent from my iPhone\nVerzonden vanaf mijn Samsung Galaxy S23 (SM-S911B)";
        let out = text(r.text(Category::Content, body));
        for device in ["iPhone", "Samsung", "S23", "SM-S911B", "S911B"] {
            assert!(!out.contains(device), "{device}: {out}");
        }
    });
}

#[test]
fn file_names_keep_extensions_and_lose_names() {
    with("spam-filtering", |r| {
        let out = file_name(r, "Motivatiebrief - Lotte Zwanenburg.pdf.exe").unwrap();
        assert!(out.ends_with(".pdf.exe"), "{out}");
        assert!(!out.contains("Lotte") && !out.contains("Zwanenburg"), "{out}");
        for lower in ["cv_floor_vos.pdf", "cv_jan_de_wit.pdf", "offerte-bakker.docx"] {
            let out = file_name(r, lower).unwrap();
            let clear = ["floor", "vos", "jan", "wit", "bakker"].into_iter().find(|n| out.to_lowercase().contains(n));
            assert!(clear.is_none(), "a name in lower case: {out}");
        }
        assert_eq!(file_name(r, "invoice_november.pdf").unwrap(), "invoice_november.pdf");
        for hidden in ["cv.lotte.de.vries.pdf", "06.1680.9762.pdf", "NL91.ABNA.0417.1643.00.pdf"] {
            let out = file_name(r, hidden).unwrap();
            assert!(out.ends_with(".pdf"), "{out}");
            for secret in ["lotte", "vries", "9762", "ABNA", "1643"] {
                assert!(!out.contains(secret), "{secret}: {out}");
            }
        }
    });
}

#[test]
fn text_files_sent_as_bytes_are_text() {
    with("malware-scanning", |r| {
        let csv = b"naam;tel\nLotte Zwanenburg;0612345678\n";
        let utf16: Vec<u8> = [0xfe, 0xff]
            .into_iter()
            .chain("Lotte Zwanenburg 0612345678".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        let cases: [(&str, &str, &[u8]); 7] = [
            ("application/octet-stream", "notes.txt", csv),
            ("application/octet-stream", "ledenlijst_backup.dat", csv),
            ("application/octet-stream", "adresboek.ldif", b"dn: cn=Lotte Zwanenburg\ntelephoneNumber: 0612345678\n"),
            ("application/gpx+xml", "route.gpx", b"<gpx><name>Lotte Zwanenburg</name><desc>0612345678</desc></gpx>"),
            ("application/vnd.ms-excel", "lijst.csv", csv),
            ("application/x-csv", "LIJST.CSV", csv),
            ("application/octet-stream", "u16.txt", &utf16),
        ];
        for (kind, name, bytes) in cases {
            let shown = super::textual_part(r, &part(kind, Some(name), bytes)).expect("text").expect("content");
            let shown = String::from_utf8(shown).unwrap();
            assert!(!shown.contains("Zwanenburg") && !shown.contains("0612345678"), "{kind} {name}: {shown}");
        }
        let mail = "From: Pieternella Vosmaer <pv@x.test>\r\nSubject: Bel 0612345678\r\n\r\nhoi\r\n";
        let mail: Vec<u8> = [0xff, 0xfe].into_iter().chain(mail.encode_utf16().flat_map(u16::to_le_bytes)).collect();
        let shown =
            super::textual_part(r, &part("application/octet-stream", None, &mail)).expect("mail").expect("content");
        let shown = String::from_utf8(shown).unwrap();
        assert!(!shown.contains("Vosmaer") && !shown.contains("0612345678") && !shown.contains('\0'), "{shown}");
        // Scripts, binaries and text without a text file's name keep their bytes.
        for (kind, name, bytes) in [
            ("application/octet-stream", "run.vbs", &csv[..]),
            ("application/vnd.ms-excel", "lijst.xls", b"\xd0\xcf\x11\xe0\0\0"),
            ("application/octet-stream", "notes.txt", b"MZ\x90\0"),
            ("application/pdf", "notes.txt", b"%PDF-1.7"),
        ] {
            assert_eq!(super::textual_part(r, &part(kind, Some(name), bytes)), None, "{kind} {name}");
        }
    });
}

#[test]
fn table_cells_of_an_html_only_body_are_apart_in_its_text() {
    let raw = "From: a@b.nl\r\nSubject: x\r\nContent-Type: text/html\r\n\r\n<table><tr><td>jan@kpnmail.nl</td>\
               <td>0623456781</td><td>Dijkhuizen</td></tr></table>\r\n";
    let msg = crate::ScannedMail::parse(raw.as_bytes());
    with("spam-filtering", |r| {
        let out = text(crate::accessors::text_body(r, &msg));
        assert!(out.contains("@kpnmail.nl ") && !out.contains("0623456781"), "{out}");
    });
}

#[test]
fn an_invisible_character_inside_a_name_splits_nothing() {
    with("spam-filtering", |r| {
        for body in ["Groeten,\nPieter Berg\u{200d}huis\n", "Beste Anna Zwanen\u{200c}burg,\n\nDank je."] {
            let out = text(r.text(Category::Content, body));
            assert!(out.contains("<name>") && !out.contains("huis") && !out.contains("burg"), "{out}");
        }
    });
}

#[test]
fn a_name_found_once_is_a_name_everywhere_in_its_message() {
    let raw = "From: \"Sky de Boer\" <sky@example.nl>\r\nSubject: RE: ziekmelding Bo\r\n\r\nBo belde net.\r\n\r\nMet vriendelijke groet,\r\nBo Koster\r\nSky\r\n";
    let msg = crate::ScannedMail::parse(raw.as_bytes());
    let (subject, body, plain) = with("spam-filtering", |r| {
        let plain = r.text(Category::Content, "RE: ziekmelding Bo");
        (text(crate::accessors::subject(r, &msg)), text(crate::accessors::text_body(r, &msg)), text(plain))
    });
    // Alone, `Bo` is a word of the vocabulary; in this message it is a found name.
    assert_eq!(plain, "RE: ziekmelding Bo");
    assert!(subject.starts_with("RE: ziekmelding p.") && !subject.contains("Bo"), "{subject}");
    assert!(body.starts_with("p.") && !body.contains("Bo ") && !body.contains("\r\nSky"), "{body}");
}

#[test]
fn a_cue_reaches_past_a_detected_span() {
    // The name between the cue and the date is a span: the date is rendered in the
    // piece after it, and the cue's window goes on there.
    let out = with("spam-filtering", |r| text(r.text(Category::Content, "Geboortedatum Jan Jansen: 9 juli 1971")));
    assert!(out.contains("<name>") && !out.contains("juli") && !out.contains("1971"), "{out}");
}
