//! The syntax of RFC 5321's mailboxes and domains (§4.1.2, §4.1.3), and of the client
//! names after EHLO, apart from the command lines that carry them.

/// A client name as it may appear outside an SMTPUTF8 transaction: an address
/// literal as it is, an ASCII name as it is, an internationalised name as its
/// A-label (punycode) form; `None` when it is neither a domain nor a literal.
pub fn helo_ascii(name: &str) -> Option<String> {
    if is_address_literal(name) {
        return Some(name.to_owned());
    }
    let ascii = if name.is_ascii() { name.to_owned() } else { idna::domain_to_ascii(name).ok()? };
    (ascii.len() <= 255 && ascii.split('.').all(name_label_ok)).then_some(ascii)
}

/// True when an address's local part routes onward: `user%other`, `other!user`, or
/// a quoted local part holding `@`, `%` or `!` (the sender-routing forms a server
/// that honours them turns into an open relay; Postfix `allow_untrusted_routing`).
pub fn routes_onward(address: &str) -> bool {
    let local = address.rsplit_once('@').map_or(address, |(l, _)| l);
    let quoted = local.strip_prefix('"').and_then(|l| l.strip_suffix('"'));
    match quoted {
        Some(q) => q.contains(['@', '%', '!']),
        None => local.contains(['%', '!']),
    }
}

/// True for an address literal: `[192.0.2.1]` or `[IPv6:2001:db8::1]`, the tag in
/// any case (§4.1.3).
fn is_address_literal(s: &str) -> bool {
    mxr_mail::address_literal_ip(s).is_some()
}

/// True for the domain of an address: an address literal, or ASCII labels
/// ([`label_ok`]), or (SMTPUTF8) a name in the very form IDNA gives it back, any
/// case: one that IDNA maps to another name (full-width `ｓｐａｍ.example` to
/// `spam.example`) is refused, or it would pass a check made on the other name.
fn domain_ok(name: &str) -> bool {
    if is_address_literal(name) {
        return true;
    }
    if name.is_ascii() {
        return !name.is_empty() && name.len() <= 255 && name.split('.').all(label_ok);
    }
    let Ok(ascii) = idna::domain_to_ascii(name) else { return false };
    let (unicode, mapped) = idna::domain_to_unicode(&ascii);
    mapped.is_ok() && unicode == name.to_lowercase() && ascii.len() <= 255 && ascii.split('.').all(label_ok)
}

/// One ASCII label of an address's domain: a [`name_label_ok`] label that neither
/// starts nor ends with a hyphen (RFC 5321 `sub-domain`).
fn label_ok(l: &str) -> bool {
    name_label_ok(l) && !l.starts_with('-') && !l.ends_with('-')
}

/// One ASCII label of a client's name: 1 to 63 letters, digits, `-` and `_` (the
/// underscore, which RFC 5321 does not allow, is common in deployed host names, and a
/// misplaced hyphen is left to pass, as Postfix lets any EHLO name pass).
fn name_label_ok(l: &str) -> bool {
    !l.is_empty() && l.len() <= 63 && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

/// A non-ASCII character a local part may hold (RFC 6531), minus those that show
/// nothing or break a line: blanks, controls and format characters (bidi overrides,
/// zero-width characters), with which an address would read as words.
fn visible_non_ascii(c: char) -> bool {
    !c.is_ascii() && !c.is_whitespace() && !c.is_control() && !is_format(c)
}

/// Unicode's format characters (general category `Cf`) that occur in text.
fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{ad}' | '\u{600}'..='\u{605}' | '\u{61c}' | '\u{6dd}' | '\u{70f}' | '\u{180e}' | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206f}' | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}' | '\u{e0001}' | '\u{e0020}'..='\u{e007f}'
    )
}

/// Validates `local@domain` (RFC 5321 §4.1.2): a source route `@a,@b:` is dropped,
/// and a final dot of the domain too (`example.test.` names the same domain). No
/// blank may stand outside a quoted local part: `<x@spam.example x>` is no address.
pub(crate) fn mailbox(path: &str) -> Option<String> {
    let path = without_source_route(path)?;
    let (local, domain) = path.rsplit_once('@')?;
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    let local_ok = match local.strip_prefix('"').and_then(|l| l.strip_suffix('"')) {
        Some(quoted) => quoted_ok(quoted),
        None => {
            !local.is_empty()
                && !local.starts_with('.')
                && !local.ends_with('.')
                && !local.contains("..")
                && local
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || visible_non_ascii(c) || "!#$%&'*+-/=?^_`{|}~.".contains(c))
        }
    };
    let address = format!("{local}@{domain}");
    (local.len() <= 64 && local_ok && domain_ok(domain) && address.len() <= 254).then_some(address)
}

/// `path` without its source route (`@a,@b:`), each of whose hops must be a domain.
fn without_source_route(path: &str) -> Option<&str> {
    if !path.starts_with('@') {
        return Some(path);
    }
    let (route, rest) = path.split_once(':')?;
    route.split(',').all(|hop| hop.strip_prefix('@').is_some_and(domain_ok)).then_some(rest)
}

/// The inside of a quoted local part (RFC 5321 `QcontentSMTP`): printable ASCII and
/// blanks, or a [`visible_non_ascii`] character (SMTPUTF8), with `"` and `\` only after a
/// backslash; not empty.
fn quoted_ok(inside: &str) -> bool {
    let mut escaped = false;
    for c in inside.chars() {
        match c {
            ' '..='~' if escaped => escaped = false,
            _ if escaped => return false,
            '\\' => escaped = true,
            '"' => return false,
            ' '..='~' => {}
            c if visible_non_ascii(c) => {}
            _ => return false,
        }
    }
    !inside.is_empty() && !escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sender_routing_forms_are_recognised() {
        for routed in
            ["user%other@served.test", "other!user@served.test", "\"user@other\"@served.test", "\"a%b\"@s.test"]
        {
            assert!(routes_onward(routed), "{routed}");
        }
        for plain in ["user@served.test", "first.last+tag@served.test", "\"odd name\"@served.test", "postmaster"] {
            assert!(!routes_onward(plain), "{plain}");
        }
    }
}
