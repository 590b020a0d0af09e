//! Parsing SMTP command lines (RFC 5321 §4.1), separate from any I/O.
//!
//! A line arrives without its line end. Every refusal maps to the reply RFC 5321
//! prescribes: 500 for an unknown verb or a line too long, 502 for a known one this
//! relay does not implement, 501 for bad arguments, 555 for an unknown MAIL/RCPT
//! parameter, 504 for an unsupported value.

use super::address::{helo_ascii, mailbox};
use super::reply::Reply;

/// Longest command line, line end included (RFC 5321 §4.5.3.1.4).
pub const MAX_COMMAND_LINE: usize = 512;

/// A parsed command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// EHLO with the client's name.
    Ehlo(String),
    /// HELO with the client's name.
    Helo(String),
    /// MAIL FROM; `from` is empty for the null sender.
    Mail {
        /// Reverse path without brackets.
        from: String,
        /// Declared size (SIZE=).
        size: Option<u64>,
        /// BODY=8BITMIME given.
        eight_bit: bool,
        /// SMTPUTF8 given.
        smtputf8: bool,
    },
    /// RCPT TO.
    Rcpt {
        /// Forward path without brackets.
        to: String,
    },
    /// DATA.
    Data,
    /// RSET.
    Rset,
    /// NOOP.
    Noop,
    /// QUIT.
    Quit,
    /// VRFY (always answered 252).
    Vrfy,
    /// HELP.
    Help,
    /// STARTTLS.
    StartTls,
}

fn bad(code: u16, enhanced: &'static str, text: &'static str) -> Reply {
    Reply::new(code, enhanced, text)
}

/// Parses one command line (no CRLF).
pub fn parse(line: &[u8]) -> Result<Command, Reply> {
    if line.len() + 2 > MAX_COMMAND_LINE {
        return Err(bad(500, "5.5.2", "Line too long"));
    }
    let Ok(line) = std::str::from_utf8(line) else {
        return Err(bad(500, "5.5.2", "Syntax error, command line is not valid UTF-8"));
    };
    if line.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
        return Err(bad(500, "5.5.2", "Syntax error, control characters in command"));
    }
    let (verb, rest) = line.split_once(' ').unwrap_or((line, ""));
    let rest = rest.trim();
    let no_args = |cmd: Command| {
        if rest.is_empty() { Ok(cmd) } else { Err(bad(501, "5.5.4", "Syntax error, no parameters allowed")) }
    };
    match verb.to_ascii_uppercase().as_str() {
        "EHLO" => helo_arg(rest).map(Command::Ehlo),
        "HELO" => helo_arg(rest).map(Command::Helo),
        "MAIL" => mail(rest),
        "RCPT" => rcpt(rest),
        "DATA" => no_args(Command::Data),
        "RSET" => no_args(Command::Rset),
        "QUIT" => no_args(Command::Quit),
        "STARTTLS" => no_args(Command::StartTls),
        "NOOP" => Ok(Command::Noop),
        // RFC 5321 4.1.1.6: VRFY names what to verify.
        "VRFY" if rest.is_empty() => Err(bad(501, "5.5.4", "Syntax error, VRFY needs a user or mailbox")),
        "VRFY" => Ok(Command::Vrfy),
        "HELP" => Ok(Command::Help),
        // RFC 5321 §4.2.4: a command of the standard, or an extension, that this relay
        // recognises but does not offer (no EXPN, no ETRN or TURN, no AUTH, no CHUNKING).
        "EXPN" | "TURN" | "ETRN" | "ATRN" | "AUTH" | "BDAT" => Err(bad(502, "5.5.1", "Command not implemented")),
        "" if line.is_empty() => Err(bad(500, "5.5.2", "Syntax error, empty command")),
        "" => Err(bad(500, "5.5.2", "Syntax error, a blank before the command")),
        _ => Err(bad(500, "5.5.1", "Command not recognized")),
    }
}

/// The client's name after EHLO or HELO: a domain, in U-label or A-label form, or an
/// address literal (RFC 5321 §4.1.1.1); anything else gets `501 5.5.2`.
fn helo_arg(rest: &str) -> Result<String, Reply> {
    let name = rest.split_whitespace().next().unwrap_or("");
    match helo_ascii(name) {
        Some(_) => Ok(name.to_owned()),
        None => Err(bad(501, "5.5.2", "Syntax error, a domain name or address literal is required")),
    }
}

/// Splits `FROM:<path> PARAMS` (tolerating a space after the colon, as deployed
/// clients send it) into the path and its parameters. The path ends at the first `>`
/// outside a quoted local part; after it comes nothing, or a blank and parameters.
fn path_and_params<'a>(rest: &'a str, keyword: &str) -> Option<(&'a str, &'a str)> {
    let head = rest.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let after = rest[keyword.len()..].trim_start();
    let after = after.strip_prefix('<')?;
    let end = path_end(after)?;
    let params = &after[end + 1..];
    (params.is_empty() || params.starts_with([' ', '\t'])).then(|| (&after[..end], params.trim()))
}

/// Where the `>` closing a path is: the first outside a quoted string, in which a
/// backslash escapes the next character.
fn path_end(path: &str) -> Option<usize> {
    let (mut quoted, mut escaped) = (false, false);
    for (i, c) in path.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '>' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

fn mail(rest: &str) -> Result<Command, Reply> {
    let (path, params) =
        path_and_params(rest, "FROM:").ok_or_else(|| bad(501, "5.5.4", "Syntax: MAIL FROM:<address>"))?;
    let from = if path.is_empty() {
        String::new()
    } else {
        mailbox(path).ok_or_else(|| bad(501, "5.1.7", "Bad sender address syntax"))?
    };
    let (mut size, mut eight_bit, mut smtputf8) = (None, false, false);
    for param in params.split_whitespace() {
        let (key, value) = param.split_once('=').unwrap_or((param, ""));
        match key.to_ascii_uppercase().as_str() {
            "SIZE" => size = Some(size_value(value)?),
            "BODY" => match value.to_ascii_uppercase().as_str() {
                "8BITMIME" => eight_bit = true,
                "7BIT" => eight_bit = false,
                _ => return Err(bad(504, "5.5.4", "BODY must be 7BIT or 8BITMIME")),
            },
            "SMTPUTF8" if value.is_empty() => smtputf8 = true,
            _ => return Err(bad(555, "5.5.4", "MAIL FROM parameter not recognized")),
        }
    }
    if !smtputf8 && !from.is_ascii() {
        return Err(bad(553, "5.6.7", "Non-ASCII address requires SMTPUTF8"));
    }
    Ok(Command::Mail { from, size, eight_bit, smtputf8 })
}

/// A SIZE value (RFC 1870: one to twenty digits). One too large for a `u64` is
/// larger than any limit, and gets the `552` of a message too big, not a `501`.
fn size_value(value: &str) -> Result<u64, Reply> {
    if value.is_empty() || value.len() > 20 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(501, "5.5.4", "Syntax error in SIZE parameter"));
    }
    Ok(value.parse().unwrap_or(u64::MAX))
}

fn rcpt(rest: &str) -> Result<Command, Reply> {
    let (path, params) = path_and_params(rest, "TO:").ok_or_else(|| bad(501, "5.5.4", "Syntax: RCPT TO:<address>"))?;
    if !params.is_empty() {
        return Err(bad(555, "5.5.4", "RCPT TO parameters not recognized"));
    }
    let to = if path.eq_ignore_ascii_case("postmaster") {
        "postmaster".to_owned()
    } else {
        mailbox(path).ok_or_else(|| bad(501, "5.1.3", "Bad recipient address syntax"))?
    };
    Ok(Command::Rcpt { to })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(line: &str) -> Command {
        parse(line.as_bytes()).unwrap_or_else(|r| panic!("{line}: {r}"))
    }
    fn err(line: &[u8]) -> String {
        parse(line).expect_err(&String::from_utf8_lossy(line)).to_string()
    }

    #[test]
    fn good_commands() {
        let mail =
            |from: &str, size, eight_bit, smtputf8| Command::Mail { from: from.into(), size, eight_bit, smtputf8 };
        let cases = [
            ("EHLO mx.example.com", Command::Ehlo("mx.example.com".into())),
            ("ehlo [192.0.2.1]", Command::Ehlo("[192.0.2.1]".into())),
            ("HELO [IPv6:2001:db8::1]", Command::Helo("[IPv6:2001:db8::1]".into())),
            ("EHLO [ipv6:2001:db8::1]", Command::Ehlo("[ipv6:2001:db8::1]".into())),
            ("RCPT TO:<c@[ipv6:2001:db8::1]>", Command::Rcpt { to: "c@[ipv6:2001:db8::1]".into() }),
            ("MAIL FROM:<a@b.test>", mail("a@b.test", None, false, false)),
            ("mail from:<>", mail("", None, false, false)),
            ("MAIL FROM: <a@b.test> SIZE=1000 BODY=8BITMIME", mail("a@b.test", Some(1000), true, false)),
            ("MAIL FROM:<jöran@b.test> SMTPUTF8", mail("jöran@b.test", None, false, true)),
            ("MAIL FROM:<@relay.test:a@b.test>", mail("a@b.test", None, false, false)),
            ("MAIL FROM:<\"odd name\"@b.test>", mail("\"odd name\"@b.test", None, false, false)),
            ("RCPT TO:<c@d.test>", Command::Rcpt { to: "c@d.test".into() }),
            ("RCPT TO:<Postmaster>", Command::Rcpt { to: "postmaster".into() }),
            ("RCPT TO:<c@d.test.>", Command::Rcpt { to: "c@d.test".into() }),
            ("RCPT TO:<jö@Bücher.example>", Command::Rcpt { to: "jö@Bücher.example".into() }),
            ("RCPT TO:<a@हिन्दी.example>", Command::Rcpt { to: "a@हिन्दी.example".into() }),
            ("EHLO host-.example", Command::Ehlo("host-.example".into())),
            ("RCPT TO:<\"a>b\"@d.test>", Command::Rcpt { to: "\"a>b\"@d.test".into() }),
            ("RCPT TO:<\"a\\\"b\"@d.test>", Command::Rcpt { to: "\"a\\\"b\"@d.test".into() }),
            ("RCPT TO:<@a.test,@b.test:c@d.test>", Command::Rcpt { to: "c@d.test".into() }),
            ("MAIL FROM:<a@b.test> SIZE=99999999999999999999", mail("a@b.test", Some(u64::MAX), false, false)),
            ("DATA", Command::Data),
            ("rset", Command::Rset),
            ("NOOP anything", Command::Noop),
            ("VRFY someone", Command::Vrfy),
            ("HELP", Command::Help),
            ("QUIT", Command::Quit),
            ("STARTTLS", Command::StartTls),
        ];
        assert!(!cases.is_empty());
        for (line, want) in cases {
            assert_eq!(ok(line), want, "{line}");
        }
    }

    #[test]
    fn bad_commands_get_precise_replies() {
        let long = format!("EHLO {}", "a".repeat(600));
        let cases: &[(&[u8], &str)] = &[
            (b"", "500 5.5.2"),
            (b"FOO bar", "500 5.5.1 Command not recognized"),
            (long.as_bytes(), "500 5.5.2 Line too long"),
            (b"VRFY", "501 5.5.4 Syntax error, VRFY needs"),
            (b"EHLO \xff\xfe", "500 5.5.2"),
            (b"EHLO a\x00b", "500 5.5.2"),
            (b"EHLO", "501 5.5.2"),
            (b"EHLO bad..name", "501 5.5.2"),
            (b"EHLO a/b.test", "501 5.5.2"),
            ("EHLO caf\u{e9}\u{2603}!.test".as_bytes(), "501 5.5.2"),
            (b"EHLO [192.0.2.300]", "501 5.5.2"),
            (b"MAIL TO:<a@b.test>", "501 5.5.4 Syntax: MAIL FROM"),
            (b"MAIL FROM:a@b.test", "501 5.5.4"),
            (b"MAIL FROM:<a@>", "501 5.1.7"),
            (b"MAIL FROM:<a..b@c.test>", "501 5.1.7"),
            (b"MAIL FROM:<a@b.test> SIZE=big", "501 5.5.4 Syntax error in SIZE"),
            (b"MAIL FROM:<a@b.test> SIZE=999999999999999999999", "501 5.5.4 Syntax error in SIZE"),
            (b"MAIL FROM:<x@spam.example x>", "501 5.1.7"),
            (b"MAIL FROM:<x@spam.example\tx>", "501 5.1.7"),
            (b"MAIL FROM:<a@b.test dkim=pass header.d=paypal.com>", "501 5.1.7"),
            (b"MAIL FROM:<a@b.test>junk", "501 5.5.4 Syntax: MAIL FROM"),
            (b"MAIL FROM:<a@b.test>>", "501 5.5.4 Syntax: MAIL FROM"),
            (b"RCPT TO:<c@d.test >", "501 5.1.3"),
            (b"RCPT TO:<c@d.test extra stuff>", "501 5.1.3"),
            (b"EXPN staff", "502 5.5.1"),
            (b"expn", "502 5.5.1"),
            (b"AUTH PLAIN AGFsaWNlAHNlY3JldA==", "502 5.5.1"),
            (b"BDAT 100 LAST", "502 5.5.1"),
            (b"ETRN example.test", "502 5.5.1"),
            (b"TURN", "502 5.5.1"),
            // An odd quote leaves the path unclosed: the command's syntax is wrong.
            (b"RCPT TO:<\"a\"b\"@d.test>", "501 5.5.4"),
            (b"RCPT TO:<\"a\"b@d.test>", "501 5.1.3"),
            (b"RCPT TO:<\"\\\"@d.test>", "501 5.5.4"),
            (b"RCPT TO:<\"a\\\"@d.test>", "501 5.5.4"),
            (b"RCPT TO:<\"a\tb\"@d.test>", "501 5.1.3"),
            (b"RCPT TO:<c@-d.test>", "501 5.1.3"),
            (b"RCPT TO:<c@d-.test>", "501 5.1.3"),
            (b"RCPT TO:<@:c@d.test>", "501 5.1.3"),
            (b"RCPT TO:<c@d.test..>", "501 5.1.3"),
            ("MAIL FROM:<x@ｓｐａｍ.example> SMTPUTF8".as_bytes(), "501 5.1.7"),
            ("MAIL FROM:<x@spam.exampl\u{212f}> SMTPUTF8".as_bytes(), "501 5.1.7"),
            ("MAIL FROM:<a\u{3000}dkim=pass@b.test> SMTPUTF8".as_bytes(), "501 5.1.7"),
            ("MAIL FROM:<a\u{202e}b@b.test> SMTPUTF8".as_bytes(), "501 5.1.7"),
            ("RCPT TO:<\"a\u{a0}b\"@d.test>".as_bytes(), "501 5.1.3"),
            (b" NOOP", "500 5.5.2 Syntax error, a blank before"),
            (b"MAIL FROM:<a@b.test> BODY=BINARYMIME", "504 5.5.4"),
            (b"MAIL FROM:<a@b.test> AUTH=<>", "555 5.5.4"),
            ("MAIL FROM:<jöran@b.test>".as_bytes(), "553 5.6.7"),
            (b"RCPT TO:<c>", "501 5.1.3"),
            (b"RCPT TO:<c@d.test> NOTIFY=NEVER", "555 5.5.4"),
            (b"DATA now", "501 5.5.4"),
            (b"QUIT please", "501 5.5.4"),
        ];
        for (line, want) in cases {
            let got = err(line);
            assert!(got.starts_with(want), "{:?}: got {got}, want {want}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn client_names_outside_smtputf8_are_ascii() {
        assert_eq!(ok("EHLO bücher.example"), Command::Ehlo("bücher.example".into()), "a U-label name is a domain");
        assert_eq!(helo_ascii("bücher.example").as_deref(), Some("xn--bcher-kva.example"));
        assert_eq!(helo_ascii("xn--bcher-kva.example").as_deref(), Some("xn--bcher-kva.example"));
        assert_eq!(helo_ascii("Mail.Example").as_deref(), Some("Mail.Example"), "ASCII names stay as they are");
        assert_eq!(helo_ascii("[IPv6:2001:db8::1]").as_deref(), Some("[IPv6:2001:db8::1]"));
        assert_eq!(helo_ascii("a b"), None);
    }

    #[test]
    fn random_lines_get_ok_or_a_5xx_never_a_panic() {
        // A deterministic xorshift stream, biased towards SMTP-ish bytes: a cheap
        // stand-in for the fuzz target (fuzz/fuzz_targets/smtp_command.rs) in CI.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let alphabet = b"MAILFROMRCPTOEHLO:<>@.\" =-[]\r\n\x00\xffSIZE8BIT";
        for _ in 0..20_000 {
            let len = (x % 80) as usize;
            let line: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    if x.is_multiple_of(4) { (x >> 8) as u8 } else { alphabet[(x >> 8) as usize % alphabet.len()] }
                })
                .collect();
            if let Err(r) = parse(&line) {
                assert!((500..600).contains(&r.code), "{r}");
            }
        }
    }

    #[test]
    fn never_panics_on_any_prefix_of_odd_input() {
        let seeds: [&[u8]; 4] =
            [b"MAIL FROM:<\"a\"@[IPv6:::1]> SIZE=1", b"RCPT TO:<@a,@b:c@d>", "EHLO é.test".as_bytes(), b"\xff\r\n\x00"];
        for seed in seeds {
            for i in 0..=seed.len() {
                let _ = parse(&seed[..i]);
            }
        }
    }
}
