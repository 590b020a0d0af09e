//! Generated business mail with personal data: invoices, job applications, order
//! confirmations and support threads between made-up people, with names, addresses,
//! phone numbers, IBANs, dates of birth and customer numbers in the text and, for most,
//! an attachment (a CSV of customer records or a small PDF) of a few kilobytes.
//! Deterministic: the same messages every run.

use base64::Engine;
use std::fmt::Write;

/// A small xorshift64* generator (fixed seeds; no dependency for a benchmark).
pub struct Rng(u64);

impl Rng {
    /// A generator from a non-zero seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n).map(|_| char::from(b'0' + self.below(10) as u8)).collect()
    }
}

const FIRST: &[&str] =
    &["Anna", "Pieter", "Sophie", "Lars", "Emma", "Jan", "Fatima", "Noah", "Chloé", "Mehmet", "Olivia", "Daan"];
const LAST: &[&str] =
    &["de Vries", "Jansen", "Bakker", "Müller", "Smith", "Yilmaz", "Dubois", "van Dijk", "Kowalski", "Visser"];
const STREET: &[&str] = &["Keizersgracht", "Hoofdstraat", "Kerkweg", "Station Road", "Rue de la Paix", "Lindenallee"];
const CITY: &[&str] = &["1017 EG Amsterdam", "3511 AB Utrecht", "SW1A 1AA London", "75002 Paris", "10115 Berlin"];
const COMPANY: &[&str] = &["Acme B.V.", "Noordzee Logistics", "Brightline Ltd", "Atelier Lumière", "Kessler GmbH"];
const LINES: &[&str] = &[
    "Thank you for your message of last week; please find the details below.",
    "As discussed on the phone, I am sending the documents for your records.",
    "Could you confirm the delivery address before we ship the order?",
    "Our finance department will process the payment within 14 days.",
    "Please do not hesitate to contact me if anything is unclear.",
    "The contract renews automatically unless cancelled one month in advance.",
];

/// One made-up person.
struct Person {
    name: String,
    email: String,
    phone: String,
    address: String,
    iban: String,
    born: String,
}

fn person(rng: &mut Rng) -> Person {
    let (first, last) = (rng.pick(FIRST), rng.pick(LAST));
    let email = format!(
        "{}.{}@example.{}",
        first.to_lowercase(),
        last.to_lowercase().replace(' ', ""),
        rng.pick(&["nl", "com", "de"])
    );
    Person {
        name: format!("{first} {last}"),
        email,
        phone: format!("+31 6 {} {}", rng.digits(4), rng.digits(4)),
        address: format!("{} {}, {}", rng.pick(STREET), 1 + rng.below(200), rng.pick(CITY)),
        iban: format!("NL{}ABNA{}", rng.digits(2), rng.digits(10)),
        born: format!("{:02}-{:02}-{}", 1 + rng.below(28), 1 + rng.below(12), 1950 + rng.below(50)),
    }
}

/// Generated messages, added to a mix of `count` messages holding `bytes` until its
/// average size reaches `target` bytes.
pub fn messages(count: usize, bytes: usize, target: usize) -> Vec<Vec<u8>> {
    let mut rng = Rng::new(0x00b5_1e55);
    let (mut count, mut bytes, mut out) = (count, bytes, Vec::new());
    while bytes < target * count.max(1) {
        let m = message(&mut rng, out.len());
        (count, bytes) = (count + 1, bytes + m.len());
        out.push(m);
    }
    out
}

fn message(rng: &mut Rng, n: usize) -> Vec<u8> {
    let (from, to) = (person(rng), person(rng));
    let company = rng.pick(COMPANY);
    let kind = rng.pick(&["Invoice", "Application", "Order confirmation", "Re: Support ticket"]);
    let mut body = format!("Dear {},\r\n\r\n", to.name);
    for _ in 0..4 + rng.below(12) {
        writeln!(body, "{}\r", rng.pick(LINES)).unwrap();
    }
    write!(
        body,
        "\r\nCustomer number: {}\r\nAddress: {}\r\nIBAN: {}\r\nDate of birth: {}\r\nPhone: {}\r\n\r\n\
         Kind regards,\r\n{}\r\n{company}\r\n{}\r\n{}\r\n",
        rng.digits(8),
        to.address,
        to.iban,
        to.born,
        to.phone,
        from.name,
        from.phone,
        from.email
    )
    .unwrap();
    let mut m = format!(
        "From: {} <{}>\r\nTo: {} <{}>\r\nSubject: {kind} {}\r\nDate: Tue, 01 Dec 2026 09:{:02}:00 +0100\r\n\
         Message-ID: <biz-{n}@example.nl>\r\nMIME-Version: 1.0\r\n",
        from.name,
        from.email,
        to.name,
        to.email,
        rng.digits(6),
        rng.below(60)
    );
    if rng.below(5) == 0 {
        write!(m, "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}").unwrap();
    } else {
        attach(rng, &mut m, &body);
    }
    m.into_bytes()
}

/// A multipart/mixed body: the text, then a CSV of customer records or a small PDF.
fn attach(rng: &mut Rng, m: &mut String, body: &str) {
    let csv = rng.below(2) == 0;
    let (name, kind, raw) = if csv {
        let mut t = String::from("name;email;phone;address;iban;born\r\n");
        for _ in 0..20 + rng.below(120) {
            let p = person(rng);
            writeln!(t, "{};{};{};{};{};{}\r", p.name, p.email, p.phone, p.address, p.iban, p.born).unwrap();
        }
        ("customers.csv", "text/csv", t.into_bytes())
    } else {
        let mut t = String::from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\nBT /F1 10 Tf\n");
        for _ in 0..40 + rng.below(160) {
            writeln!(t, "({} {}) Tj T*", rng.pick(LINES), rng.digits(12)).unwrap();
        }
        t.push_str("ET\n%%EOF\n");
        ("invoice.pdf", "application/pdf", t.into_bytes())
    };
    let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
    write!(
        m,
        "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n--b1\r\nContent-Type: {kind}; name=\"{name}\"\r\n\
         Content-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    )
    .unwrap();
    for chunk in encoded.as_bytes().chunks(76) {
        m.push_str(std::str::from_utf8(chunk).unwrap());
        m.push_str("\r\n");
    }
    m.push_str("--b1--\r\n");
}
