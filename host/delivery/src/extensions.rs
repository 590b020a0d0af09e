//! What a copy needs of the next hop's SMTP extensions, and what it asks for.
//!
//! - **SMTPUTF8** (RFC 6531) is asked for on MAIL FROM when the client declared it (or
//!   an address is UTF-8) and the next hop offers it. When the next hop does not offer
//!   it and the copy needs it (a UTF-8 address, or UTF-8 in the headers of a copy the
//!   client sent with SMTPUTF8), §3.2 leaves the relay two choices, refuse in the
//!   transaction or bounce; the `250` was given long ago, so the recipients fail for
//!   good with `5.6.7` and the sender gets the report.
//! - **8BITMIME** (RFC 6152): `BODY=8BITMIME` is asked for when the client declared it
//!   and the next hop offers it. When the next hop does not offer it and the body
//!   really is 8-bit, the recipients fail with `5.6.3`. RFC 6152 would allow a
//!   conversion to 7-bit (quoted-printable) instead, but only a correct one: every
//!   8-bit MIME part re-encoded and its `Content-Transfer-Encoding` rewritten. That
//!   breaks DKIM signatures on the way to the customer, and mxr promises a relayed
//!   message byte-identical but for its added headers; next hops without 8BITMIME are
//!   rare, and a bounce that says why is honest.

use crate::client::Outbound;
use crate::session::Offers;

/// The reason every recipient fails when the next hop lacks an extension the copy
/// needs: an SMTP-style `5xx x.y.z` text, whose enhanced code the bounce reports.
pub(crate) fn refusal(out: &Outbound<'_>, offers: Offers, host: &str) -> Option<String> {
    if needs_smtputf8(out) && !offers.smtputf8 {
        return Some(format!(
            "550 5.6.7 {host} does not offer SMTPUTF8, and this message has UTF-8 addresses or headers (RFC 6531 §3.2)"
        ));
    }
    if out.eight_bit && !offers.eight_bit_mime && !out.message.is_ascii() {
        return Some(format!(
            "554 5.6.3 {host} does not offer 8BITMIME, and this message's body is 8-bit; it is not converted (RFC 6152)"
        ));
    }
    None
}

/// The MAIL FROM line, with `BODY=8BITMIME` and `SMTPUTF8` where the copy has them
/// and the next hop offers them.
pub(crate) fn mail_from(out: &Outbound<'_>, offers: Offers) -> String {
    let mut line = format!("MAIL FROM:<{}>", out.from);
    if out.eight_bit && offers.eight_bit_mime {
        line.push_str(" BODY=8BITMIME");
    }
    if (out.smtputf8 || utf8_addresses(out)) && offers.smtputf8 {
        line.push_str(" SMTPUTF8");
    }
    line
}

fn utf8_addresses(out: &Outbound<'_>) -> bool {
    !out.from.is_ascii() || out.rcpts.iter().any(|r| !r.is_ascii())
}

/// A UTF-8 address always needs SMTPUTF8; UTF-8 in the headers needs it when the
/// client sent them as such (declared SMTPUTF8). Raw 8-bit headers of a client that
/// did not declare it pass as they always did.
fn needs_smtputf8(out: &Outbound<'_>) -> bool {
    let headers_end = mxr_mail::header_section_len(out.message, usize::MAX).unwrap_or(out.message.len());
    utf8_addresses(out) || (out.smtputf8 && !out.message[..headers_end].is_ascii())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out<'a>(rcpts: &'a [String], message: &'a [u8], smtputf8: bool, eight_bit: bool) -> Outbound<'a> {
        Outbound { from: "ann@sender.test", rcpts, message, smtputf8, eight_bit }
    }

    #[test]
    fn extensions_are_asked_for_when_declared_and_offered_and_a_lack_is_named() {
        let ascii = ["bob@acme.test".to_owned()];
        let utf8 = ["björn@acme.test".to_owned()];
        let all = Offers { pipelining: true, smtputf8: true, eight_bit_mime: true };
        let none = Offers::default();
        let header = "Subject: Grüße\r\n\r\nhi\r\n".as_bytes();
        let body = "Subject: x\r\n\r\ncafé\r\n".as_bytes();
        let plain = b"Subject: x\r\n\r\nhi\r\n";
        assert_eq!(
            mail_from(&out(&ascii, body, true, true), all),
            "MAIL FROM:<ann@sender.test> BODY=8BITMIME SMTPUTF8"
        );
        assert_eq!(mail_from(&out(&ascii, body, true, true), none), "MAIL FROM:<ann@sender.test>");
        assert_eq!(mail_from(&out(&utf8, plain, false, false), all), "MAIL FROM:<ann@sender.test> SMTPUTF8");
        assert_eq!(refusal(&out(&ascii, body, true, true), all, "h"), None);
        let why = |o| refusal(&o, none, "h").map(|r| r.split(' ').nth(1).unwrap().to_owned());
        assert_eq!(why(out(&ascii, header, true, false)).as_deref(), Some("5.6.7"), "UTF-8 headers");
        assert_eq!(why(out(&utf8, plain, false, false)).as_deref(), Some("5.6.7"), "a UTF-8 address");
        assert_eq!(why(out(&ascii, header, false, false)), None, "undeclared raw 8-bit headers pass as before");
        assert_eq!(why(out(&ascii, body, false, true)).as_deref(), Some("5.6.3"), "an 8-bit body");
        assert_eq!(why(out(&ascii, plain, true, true)), None, "declared but 7-bit: nothing is needed");
    }
}
