//! Canary messages for the places a value hides inside another one (issue 9's holes):
//! a phone number in a field name, RFC 2047 words in Thread-Topic and Comments,
//! RFC 2231 and RFC 2047 file names, a forwarded message/rfc822 (headers and body), a
//! vCard and an invitation, HTML entities and values split by tags, `%40` and base64
//! in link parameters, an address inside a tracking URL, DKIM `z=` copies, X-Mailer
//! and User-Agent with an address and a phone inside, HELO literals and personal
//! host names, and an Outlook `winmail.dat` (TNEF) with a body, MAPI properties and
//! files inside. Every canary is [`Place::Inside`]: it must not reach a purpose that
//! does not get its category in full, in any trivial encoding.

use crate::canary::{Canary, CanaryMessage, Place, b64, b64_lines, iban, letters, qp};
use mxr_privacy::Category;

/// The HELO of message `n` and its canary: an IPv6 literal, an IPv4 literal or a
/// two-label personal host name, in turn.
fn helo(n: usize, l: &str) -> (String, String) {
    let (a, b) = (n / 100 % 100, n % 100 + 100);
    match n % 3 {
        0 => (format!("[IPv6:2001:db8:{a:x}::{b:x}]"), format!("2001:db8:{a:x}::{b:x}")),
        1 => (format!("[198.51.{a}.{b}]"), format!("198.51.{a}.{b}")),
        _ => (format!("kqo{l}.kqp{l}"), format!("kqo{l}")),
    }
}

/// The canaries of message `n`, in the order they are planted.
fn canaries(n: usize, l: &str, helo_canary: String) -> Vec<(Category, String)> {
    use Category::{EmailAddress as E, NameAddress as N, Network as I, PhoneNumber as P};
    let phone = |k: usize| format!("063{k}{n:06}");
    let name = |c: char| format!("Kq{c}{l}");
    let mail = |p: &str| format!("{p}{n}q{l}");
    vec![
        (P, phone(1)),
        (N, name('a')),
        (P, phone(2)),
        (N, name('b')),
        (N, name('c')),
        (N, name('d')),
        (E, mail("nested")),
        (N, name('e')),
        (P, phone(3)),
        (E, mail("nbody")),
        (N, name('f')),
        (P, phone(4)),
        (E, mail("vcard")),
        (N, iban(400_000 + n)),
        (N, name('g')),
        (E, mail("org")),
        (N, name('h')),
        (E, mail("att")),
        (N, format!("{}straat", name('i'))),
        (E, mail("ent")),
        (E, mail("at")),
        (N, name('j')),
        (P, phone(5)),
        (E, mail("pct")),
        (E, mail("bsf")),
        (E, mail("url")),
        (N, name('k')),
        (E, mail("dkim")),
        (E, mail("xm")),
        (E, mail("ua")),
        (P, phone(7)),
        (I, helo_canary),
        (P, phone(8)),
        (E, mail("tnef")),
        (N, name('m')),
        (N, name('r')),
    ]
}

/// The text body and the HTML body of message `n`.
fn bodies(n: usize, l: &str) -> (String, String) {
    let links = format!(
        "https://t.kql.test/c/{n}?e=pct{n}q{l}%40kqh.test\nhttps://t.kql.test/c/{n}?d={}\n\
         https://t.kql.test/r/?id={n}&email=url{n}q{l}@kqh.test\n",
        b64(format!("bsf{n}q{l}@kqh.test").as_bytes()).trim_end_matches('=')
    );
    let text = format!("Beste collega,\n\nDe links:\n{links}\nGroet,\nWilhelmus\n");
    let entities: String = format!("ent{n}q{l}@kqh.test").chars().map(|c| format!("&#{};", c as u32)).collect();
    let html = format!(
        "<html><body><p>Mail {entities} of at{n}q{l}&#64;kqh.test.</p>\n\
         <p>Groet, <span>Kqj</span>{l}, tel <b>0635</b>&nbsp;{n:06}</p>\n<p>{}</p></body></html>\n",
        links.lines().map(|u| format!("<a href=\"{}\">link</a>", u.replace('&', "&amp;"))).collect::<String>()
    );
    (text, html)
}

/// The parts after the bodies: a forwarded message, a vCard, an invitation, two
/// attachments whose names are encoded (RFC 2231 split inside the canary, RFC 2047)
/// and a `winmail.dat`.
fn parts(n: usize, l: &str) -> String {
    let nested = format!(
        "From: \"Kqd{l} Nest\" <nested{n}q{l}@kqn.test>\r\nSubject: Doorgestuurd voor Kqe{l}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nBel 0633{n:06}, mail nbody{n}q{l}@kqn.test\r\n"
    );
    let vcard = format!(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Kqf{l} Kaart\r\nTEL;TYPE=cell:0634{n:06}\r\nEMAIL:vcard{n}q{l}@kqv.test\r\n\
         NOTE:IBAN {}\r\nEND:VCARD\r\n",
        iban(400_000 + n)
    );
    let ics = format!(
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nORGANIZER;CN=Kqg{l}:mailto:org{n}q{l}@kqc.test\n\
         ATTENDEE;CN=Kqh{l}:mailto:att{n}q{l}@kqc.test\nLOCATION:Kqi{l}straat 5\nEND:VEVENT\nEND:VCALENDAR\n"
    );
    let rfc2047_name = b64(format!("Brief Kqc{l}.pdf").as_bytes());
    format!(
        "--m{n}\r\nContent-Type: message/rfc822\r\n\r\n{nested}\r\n\
         --m{n}\r\nContent-Type: text/vcard; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n\
         --m{n}\r\nContent-Type: text/calendar; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{}\r\n\
         --m{n}\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\
         Content-Disposition: attachment;\r\n filename*0*=UTF-8''cv_Kqb;\r\n filename*1*={l}.pdf\r\n\r\nJVBERi0xLjQK\r\n\
         --m{n}\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\
         Content-Disposition: attachment; filename=\"=?utf-8?B?{rfc2047_name}?=\"\r\n\r\nJVBERi0xLjQK\r\n\
         --m{n}\r\nContent-Type: application/ms-tnef; name=\"winmail.dat\"\r\nContent-Transfer-Encoding: base64\r\n\
         Content-Disposition: attachment; filename=\"winmail.dat\"\r\n\r\n{}\r\n--m{n}--\r\n",
        b64_lines(vcard.as_bytes()),
        qp(&ics, 30),
        b64_lines(&winmail(n, l)),
    )
}

/// An Outlook `winmail.dat` (TNEF): a body with a phone number, MAPI properties with
/// a name and an address, a file whose name is a name and a text file that names
/// someone.
fn winmail(n: usize, l: &str) -> Vec<u8> {
    let attr = |level: u8, id: u32, data: &[u8]| {
        let sum = data.iter().map(|b| u16::from(*b)).fold(0u16, u16::wrapping_add);
        [&[level][..], &id.to_le_bytes(), &(data.len() as u32).to_le_bytes(), data, &sum.to_le_bytes()].concat()
    };
    let mapi = format!("\x01\0\0\0\x1e\0\x1a\x0c\x01\0\0\0\x20\0\0\0Kqm{l} <tnef{n}q{l}@kqt.test>\0");
    [
        mxr_mail::tnef::SIGNATURE.to_vec(),
        vec![0x01, 0x00],
        attr(1, 0x0002_800c, format!("Bel me op 0638{n:06}.").as_bytes()),
        attr(1, 0x0006_9003, mapi.as_bytes()),
        attr(2, 0x0006_9002, &[0; 14]),
        attr(2, 0x0001_8010, format!("cv_Kqr{l}.pdf\0").as_bytes()),
        attr(2, 0x0006_800f, b"%PDF-1.4\n"),
        attr(2, 0x0006_9002, &[0; 14]),
        attr(2, 0x0001_8010, b"notes.txt\0"),
        attr(2, 0x0006_800f, format!("Gesprek met Kqm{l} over de huur.").as_bytes()),
    ]
    .concat()
}

/// Message `n` (below 26⁴) with its canaries.
pub fn located(n: usize) -> CanaryMessage {
    let l = letters(n);
    let (helo, helo_canary) = helo(n, &l);
    let (text, html) = bodies(n, &l);
    let comments = b64(format!("Bel 0632{n:06}").as_bytes());
    let head = format!(
        "From: Kqn{l} <lf{n}q{l}@kqf.test>\r\nTo: to{n}q{l}@acme.test\r\nSubject: Links\r\n\
         X-Phone-0631{n:06}: ja\r\nThread-Topic: =?utf-8?Q?Overleg_Kqa{l}?=\r\nComments: =?utf-8?B?{comments}?=\r\n\
         DKIM-Signature: v=1; a=rsa-sha256; d=kqf.test; s=s1;\r\n\tz=From:Kqk{l}=20Dkim=20<dkim{n}q{l}@kqf.test>|Subject:Links;\r\n\
         \tbh=abc; b=def\r\nX-Mailer: KqMailer 2.0 (xm{n}q{l}@kqx.test)\r\n\
         User-Agent: Mozilla/5.0 (compatible; ua{n}q{l}@kqx.test; tel 0637{n:06})\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"m{n}\"\r\n\r\n"
    );
    let alternative = format!(
        "--m{n}\r\nContent-Type: multipart/alternative; boundary=\"a{n}\"\r\n\r\n\
         --a{n}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{}\r\n\
         --a{n}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--a{n}--\r\n",
        qp(&text, 20),
        b64_lines(html.as_bytes()),
    );
    let raw = head + &alternative + &parts(n, &l);
    let canaries = canaries(n, &l, helo_canary)
        .into_iter()
        .map(|(category, value)| Canary { category, value, place: Place::Inside })
        .collect();
    CanaryMessage {
        raw: raw.into_bytes(),
        mail_from: format!("lf{n}q{l}@kqf.test"),
        rcpt_local: format!("to{n}q{l}"),
        client_ip: format!("10.{}.{}.9", n / 250 % 250 + 1, n % 250 + 1).parse().unwrap(),
        helo,
        canaries,
    }
}

/// Message `n` whose HTML writes an address and a phone number so that every piece
/// between tags and entities is harmless on its own: `info&#64;kqw….test` (a word and
/// a host name) and `<b>06-41</b>123 456` (short digit groups). Only a view that reads
/// the HTML as a person would (entities decoded, tags joined) sees the whole value.
pub fn split_into_harmless_pieces(n: usize) -> CanaryMessage {
    let l = letters(n);
    let (hi, lo) = (n / 1000, n % 1000);
    let html =
        format!("<html><body><p>Mail info&#64;kqw{l}.test of bel <b>06-41</b>{hi:03} {lo:03}.</p></body></html>\r\n");
    let raw = format!(
        "From: Kqn{l} <sp{n}q{l}@kqf.test>\r\nTo: to{n}q{l}@acme.test\r\nSubject: Hallo\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/html; charset=utf-8\r\n\r\n{html}"
    );
    let canaries =
        [(Category::EmailAddress, format!("info@kqw{l}.test")), (Category::PhoneNumber, format!("0641{n:06}"))];
    CanaryMessage {
        raw: raw.into_bytes(),
        mail_from: format!("sp{n}q{l}@kqf.test"),
        rcpt_local: format!("to{n}q{l}"),
        client_ip: format!("10.{}.{}.9", n / 250 % 250 + 1, n % 250 + 1).parse().unwrap(),
        helo: "mx.kqf.test".into(),
        canaries: canaries
            .into_iter()
            .map(|(category, value)| Canary { category, value, place: Place::Inside })
            .collect(),
    }
}
