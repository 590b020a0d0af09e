//! The spy: declares the purpose given at build time (`SPY_PURPOSE`, default
//! spam-filtering), asks for every category, hooks every stage, reads everything every
//! accessor will give it (`header()` also on guessed field names, and the
//! authentication results), and hands it all
//! back in `X-Spy-NNNN` headers (base64 of `accessor<TAB>form<TAB>value` lines), so the
//! privacy tests can look for what must not have reached it.
use mxr_sdk::{Envelope, Filter, MailAddress, Message, Shown, Verdict};

struct Spy;

const PURPOSE: &str = match option_env!("SPY_PURPOSE") {
    Some(p) => p,
    None => "spam-filtering",
};

fn put(out: &mut Vec<u8>, what: &str, shown: &Shown) {
    let (form, value) = match shown {
        Shown::Full(v) => ("full", v.as_str()),
        Shown::Pseudonym(v) => ("pseudonym", v.as_str()),
        Shown::Domain(v) => ("domain", v.as_str()),
        Shown::Redacted(v) => ("redacted", v.as_str()),
        Shown::Withheld => ("withheld", ""),
    };
    out.extend_from_slice(format!("{what}\t{form}\t{value}\n").as_bytes());
}

fn envelope(out: &mut Vec<u8>, env: &Envelope) {
    put(out, "client-ip", &env.client_ip());
    put(out, "helo", &env.helo());
    put(out, "mail-from", &env.mail_from());
    for r in env.recipients() {
        put(out, "recipient", &r);
    }
}

fn addresses(out: &mut Vec<u8>, what: &str, list: Vec<MailAddress>) {
    for a in list {
        put(out, &format!("{what}.name"), &a.name);
        put(out, &format!("{what}.address"), &a.address);
    }
}

/// Field names an attacker would try whether or not `header-names()` lists them, in
/// several spellings (names are case-insensitive: each must give the same or nothing).
const GUESSED: &[&str] = &[
    "subject", "SUBJECT", "from", "FROM", "to", "cc", "reply-to", "Reply-To", "sender", "x-mailer", "X-MAILER",
    "user-agent", "User-Agent", "organization", "Organisation", "x-originating-ip", "received", "Received",
    "thread-topic", "Thread-Topic", "comments", "keywords", "dkim-signature", "DKIM-Signature", "content-type",
    "Content-Disposition", "content-disposition", "list-unsubscribe", "x-phone", "X-Sender", "return-path",
    "message-id", "references", "x-forwarded-for", "x-envelope-from",
];

fn message(out: &mut Vec<u8>, msg: &Message) {
    let names = msg.header_names();
    for name in names.iter().map(String::as_str).chain(GUESSED.iter().copied()) {
        for v in msg.header(name) {
            put(out, &format!("header.{name}"), &v);
        }
    }
    put(out, "header-names", &Shown::Full(names.join("\n")));
    addresses(out, "from", msg.from());
    addresses(out, "to", msg.to());
    addresses(out, "cc", msg.cc());
    addresses(out, "reply-to", msg.reply_to());
    put(out, "subject", &msg.subject());
    put(out, "text", &msg.text_body());
    put(out, "html", &msg.html_body());
    for a in msg.attachments() {
        let meta = format!("{:?} {} {} {}", a.name, a.content_type, a.size, a.sha256);
        put(out, "attachment", &Shown::Full(meta));
        if let Ok(bytes) = msg.attachment_content(a.index) {
            put(out, "attachment-content", &Shown::Full(String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
}

/// Every identity of the authentication results (importing the interface asks for the
/// `authentication` category).
fn authentication(out: &mut Vec<u8>) {
    let Some(r) = mxr_sdk::authentication() else { return };
    put(out, "auth.spf", &r.spf.domain);
    for d in &r.dkim {
        put(out, "auth.dkim", &d.domain);
        put(out, "auth.dkim-selector", &d.selector);
    }
    put(out, "auth.dmarc", &r.dmarc.domain);
    put(out, "auth.iprev", &r.iprev.name);
}

fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            s.push(if i <= c.len() { ABC[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
        }
    }
    s
}

fn report(stage: &str, out: Vec<u8>) -> Verdict {
    let encoded = base64(&out);
    let mut v = Verdict::next().with_tag(&format!("spy.{stage}"));
    for (i, chunk) in encoded.as_bytes().chunks(900).enumerate() {
        v = v.with_header(&format!("X-Spy-{stage}-{i:04}"), std::str::from_utf8(chunk).unwrap());
    }
    v
}

impl Filter for Spy {
    fn on_connect(env: &Envelope) -> Verdict {
        let mut out = Vec::new();
        envelope(&mut out, env);
        report("connect", out)
    }
    fn on_mail_from(env: &Envelope) -> Verdict {
        let mut out = Vec::new();
        envelope(&mut out, env);
        report("mail", out)
    }
    fn on_rcpt(env: &Envelope, rcpt: Shown) -> Verdict {
        let mut out = Vec::new();
        envelope(&mut out, env);
        put(&mut out, "rcpt", &rcpt);
        report("rcpt", out)
    }
    fn on_data(env: &Envelope, msg: &Message) -> Verdict {
        let mut out = Vec::new();
        envelope(&mut out, env);
        message(&mut out, msg);
        authentication(&mut out);
        report("data", out)
    }
}

mxr_sdk::export_filter!(
    Spy,
    purpose = PURPOSE,
    categories = [
        NameAddress,
        EmailAddress,
        PhoneNumber,
        Organisation,
        Conversion,
        Device,
        Network,
        Content,
        AttachmentMeta,
        AttachmentContent
    ],
    stages = [Connect, MailFrom, Rcpt, Data]
);
