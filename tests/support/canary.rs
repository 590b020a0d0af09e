//! Generated messages with a unique canary value for every category at every place a
//! category occurs (envelope, address headers, Received, device headers, tracking
//! links, subject, text and HTML bodies, attachments), in varying encodings: plain,
//! base64, quoted-printable with soft breaks inside values, RFC 2047 encoded words,
//! folded headers. For the spy test: a canary the grant does not allow must never
//! reach a plugin.

use mxr_privacy::Category;
use std::net::IpAddr;

/// Where a canary sits: in the envelope or a header (always offered to a plugin), or
/// inside the body text (offered only as far as the content grant goes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// Envelope or header field.
    Structure,
    /// Text or HTML body.
    Body,
    /// Inside another value or a nested part (a field name, an encoded word, a file
    /// name, a forwarded message, a vCard, a link, a HELO literal): it must not
    /// arrive unless its own category is granted in full; whether it arrives then
    /// depends on its container's form too (the stricter wins). See
    /// [`crate::canary_places`].
    Inside,
}

/// One planted value.
#[derive(Clone, Debug)]
pub struct Canary {
    /// Its category.
    pub category: Category,
    /// The unique text that must not leak.
    pub value: String,
    /// Where it was planted.
    pub place: Place,
}

/// A generated message, its envelope and its canaries.
pub struct CanaryMessage {
    /// The raw message, CRLF line ends.
    pub raw: Vec<u8>,
    /// Envelope sender.
    pub mail_from: String,
    /// Envelope recipient's local part (the domain is the caller's).
    pub rcpt_local: String,
    /// Client IP.
    pub client_ip: IpAddr,
    /// HELO name.
    pub helo: String,
    /// Every canary.
    pub canaries: Vec<Canary>,
}

/// Four letters unique per `n` (below 26⁴).
pub fn letters(mut n: usize) -> String {
    (0..4)
        .map(|_| {
            let c = (b'a' + (n % 26) as u8) as char;
            n /= 26;
            c
        })
        .collect()
}

/// A valid Dutch-shaped IBAN for account number `n` at bank `KZQB`.
pub fn iban(n: usize) -> String {
    let account = format!("{:010}", 1_000_000 + n);
    let digits: String = format!("KZQB{account}NL00").chars().map(|c| c.to_digit(36).unwrap().to_string()).collect();
    let rem = digits.bytes().fold(0u32, |r, b| (r * 10 + (b - b'0') as u32) % 97);
    format!("NL{:02}KZQB{account}", 98 - rem)
}

/// Base64 (standard alphabet, padded).
pub fn b64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            s.push(if i <= c.len() { ABC[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
        }
    }
    s
}

/// Base64 text in lines of 76.
pub fn b64_lines(bytes: &[u8]) -> String {
    let s = b64(bytes);
    s.as_bytes().chunks(76).map(|l| std::str::from_utf8(l).unwrap()).collect::<Vec<_>>().join("\r\n")
}

/// Quoted-printable with soft breaks every `width` characters, inside words too.
pub fn qp(text: &str, width: usize) -> String {
    let mut out = String::new();
    for line in text.split('\n') {
        let mut col = 0;
        for b in line.trim_end_matches('\r').bytes() {
            let piece =
                if b == b'=' || !(32..127).contains(&b) { format!("={b:02X}") } else { (b as char).to_string() };
            if col + piece.len() > width {
                out.push_str("=\r\n");
                col = 0;
            }
            col += piece.len();
            out.push_str(&piece);
        }
        out.push_str("\r\n");
    }
    out
}

/// The body in the transfer encoding chosen by `how` (0 plain, 1 base64, 2 QP).
fn encode(text: &str, how: usize) -> (&'static str, String) {
    match how {
        1 => ("base64", b64_lines(text.as_bytes())),
        2 => ("quoted-printable", qp(text, 9)),
        _ => ("8bit", text.replace('\n', "\r\n")),
    }
}

/// Message `n`.
pub fn message(n: usize) -> CanaryMessage {
    let l = letters(n);
    let (a, b) = (n / 250 % 250 + 1, n % 250 + 1);
    let client_ip: IpAddr = format!("10.{a}.{b}.201").parse().unwrap();
    let (helo, mail_from) = (format!("kzhelo{l}.kzn.test"), format!("from{n}x{l}@d{l}.kzf.test"));
    let phone = format!("{:08}", 20_000_000 + n);
    let iban = iban(n);
    let name = |p: &str| format!("Kz{p}{l}");
    let mut c = vec![
        (Category::EmailAddress, format!("from{n}x{l}"), Place::Structure),
        (Category::EmailAddress, format!("to{n}x{l}"), Place::Structure),
        (Category::EmailAddress, format!("cc{n}x{l}"), Place::Structure),
        (Category::EmailAddress, format!("reply{n}x{l}"), Place::Structure),
        (Category::EmailAddress, format!("body{n}x{l}"), Place::Body),
        (Category::NameAddress, name("d"), Place::Structure),
        (Category::NameAddress, name("t"), Place::Structure),
        (Category::NameAddress, name("y"), Place::Structure),
        (Category::NameAddress, name("q"), Place::Body),
        (Category::NameAddress, name("g"), Place::Body),
        (Category::NameAddress, format!("{}straat", name("v")), Place::Body),
        (Category::NameAddress, iban.clone(), Place::Body),
        (Category::PhoneNumber, phone.clone(), Place::Body),
        (Category::Organisation, name("h"), Place::Structure),
        (Category::Organisation, name("o"), Place::Body),
        (Category::Conversion, format!("kzw{l}"), Place::Structure),
        (Category::Conversion, format!("kzk{l}"), Place::Body),
        (Category::Conversion, format!("kzp{l}"), Place::Body),
        (Category::Device, format!("KzmMailer{l}"), Place::Structure),
        (Category::Device, format!("KzuAgent{l}"), Place::Structure),
        (Category::Network, client_ip.to_string(), Place::Structure),
        (Category::Network, format!("kzhelo{l}"), Place::Structure),
        (Category::Network, format!("172.16.{a}.{b}"), Place::Structure),
        (Category::Network, format!("10.{a}.{b}.202"), Place::Body),
        (Category::Content, name("s"), Place::Structure),
        (Category::Content, name("b"), Place::Body),
        (Category::AttachmentMeta, format!("kza{l}"), Place::Structure),
        (Category::AttachmentContent, name("e"), Place::Structure),
    ];
    let canaries = c.drain(..).map(|(category, value, place)| Canary { category, value, place }).collect();
    let text = format!(
        "Beste Wilhelmus {q},\n\n{bw} is het woord van vandaag. Bel me op +31 6 {phone} of mail naar body{n}x{l}@kzb.test.\n\
         Mijn IBAN is {iban}. Het adres is {v}straat {num}, {pc} KL Amsterdam.\n\
         De server 10.{a}.{b}.202 meldde zich. Klik hier: https://t.kzl.test/click/{n}?utm_source=kzk{l}\n\n\
         Met vriendelijke groet,\nWilhelmus {g}\n{o} Holding B.V.\n",
        q = name("q"),
        bw = name("b"),
        v = name("v"),
        g = name("g"),
        o = name("o"),
        num = n % 300 + 1,
        pc = 1000 + n % 9000,
    );
    let html = format!(
        "<html><body>\n<p>Hallo Wilhelmus {q},</p>\n<p>{bw}: bel +31 6 {phone}.</p>\n\
         <a href=\"https://t.kzl.test/click/{n}?utm_source=kzk{l}\">klik</a>\n\
         <img src=\"https://t.kzl.test/open/{n}.gif?kzp{l}\" width=\"1\" height=\"1\">\n\
         <p>Met vriendelijke groet,<br>\nWilhelmus {g}<br>\n{o} Holding B.V.</p>\n</body></html>\n",
        q = name("q"),
        bw = name("b"),
        g = name("g"),
        o = name("o"),
    );
    let subject_text = format!("Offer {} for you", name("s"));
    let subject = match n % 3 {
        0 => subject_text,
        1 => format!("=?utf-8?B?{}?=", b64(subject_text.as_bytes())),
        _ => format!("=?utf-8?Q?{}?=\r\n =?utf-8?Q?_for_you?=", format!("Offer_{}", name("s"))),
    };
    let from_name = format!("Wilhelmina {}", name("d"));
    let from_name =
        if n % 2 == 1 { format!("=?utf-8?B?{}?=", b64(from_name.as_bytes())) } else { format!("\"{from_name}\"") };
    let (text_cte, text_body) = encode(&text, n % 3);
    let (html_cte, html_body) = encode(&html, (n + 1) % 3);
    let attachment = b64_lines(format!("ATTACH {} BYTES", name("e")).as_bytes());
    let raw = format!(
        "Received: from {helo} ({helo} [{client_ip}])\r\n\tby mx.test with ESMTP id K{n};\r\n\tTue, 24 Nov 2026 06:30:00 +0000\r\n\
         X-Originating-IP: [172.16.{a}.{b}]\r\n\
         From: {from_name} <from{n}x{l}@d{l}.kzf.test>\r\n\
         To: \"Wilhelmina {t}\" <to{n}x{l}@acme.test>\r\n\
         Cc: cc{n}x{l}@kzc.test\r\n\
         Reply-To: {y} Reply <reply{n}x{l}@kzr.test>\r\n\
         Subject: {subject}\r\n\
         Organization: {h} Logistics B.V.\r\n\
         X-Mailer: KzmMailer{l}/2.1\r\n\
         User-Agent: Mozilla/5.0 (KzuAgent{l})\r\n\
         List-Unsubscribe: <https://t.kzl.test/unsub/{n}?utm_source=kzw{l}>\r\n\
         Message-ID: <{n}.k@mail.kzn.test>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b{n}\"\r\n\r\n\
         --b{n}\r\nContent-Type: multipart/alternative; boundary=\"a{n}\"\r\n\r\n\
         --a{n}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: {text_cte}\r\n\r\n{text_body}\r\n\
         --a{n}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: {html_cte}\r\n\r\n{html_body}\r\n\
         --a{n}--\r\n\
         --b{n}\r\nContent-Type: application/octet-stream; name=\"kza{l}.bin\"\r\n\
         Content-Disposition: attachment; filename=\"kza{l}.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{attachment}\r\n\
         --b{n}--\r\n",
        t = name("t"),
        y = name("y"),
        h = name("h"),
    );
    CanaryMessage { raw: raw.into_bytes(), mail_from, rcpt_local: format!("to{n}x{l}"), client_ip, helo, canaries }
}

/// Base64 decoded; characters outside the alphabet count as `/`, whitespace is skipped.
pub fn unbase64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let clean: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let mut out = Vec::new();
    for q in clean.chunks(4) {
        let have = q.iter().take_while(|&&c| c != b'=').count();
        let n = q.iter().take(have).fold(0u32, |n, &c| n << 6 | val(c) as u32) << (6 * (4 - have));
        out.extend_from_slice(&n.to_be_bytes()[1..have.max(1)]);
    }
    out
}

/// Whether `canary` occurs in `dump` in clear or after any trivial decoding (see
/// [`crate::leak`]); case-insensitive, separators ignored. A digit next to a numeric
/// canary makes it another number.
pub fn leaked(dump: &str, canary: &str) -> bool {
    crate::leak::Decoded::of(dump).contains_token(canary)
}
