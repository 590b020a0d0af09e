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
    (ascii.len() <= 255 && ascii.split('.').all(label_ok)).then_some(ascii)
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

/// True for an address literal: `[192.0.2.1]` or `[IPv6:2001:db8::1]` (§4.1.3).
fn is_address_literal(s: &str) -> bool {
    let Some(inner) = s.strip_prefix('[').and_then(|s| s.strip_suffix(']')) else { return false };
    inner.parse::<std::net::Ipv4Addr>().is_ok()
        || inner.strip_prefix("IPv6:").is_some_and(|v6| v6.parse::<std::net::Ipv6Addr>().is_ok())
}

/// True for the domain of an address: an address literal, or labels of letters
/// (any script, for SMTPUTF8), digits, hyphens and underscores ([`label_ok`]).
fn domain_ok(name: &str) -> bool {
    !name.is_empty() && name.len() <= 255 && (is_address_literal(name) || name.split('.').all(label_ok))
}

/// One label of a domain: 1 to 63 bytes of letters, digits, `-` and `_`, neither
/// starting nor ending with a hyphen (RFC 5321 `sub-domain`; the underscore, which it
/// does not allow, is common in deployed host names).
fn label_ok(l: &str) -> bool {
    !l.is_empty()
        && l.len() <= 63
        && !l.starts_with('-')
        && !l.ends_with('-')
        && l.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_')
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
                && local.chars().all(|c| c.is_alphanumeric() || !c.is_ascii() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
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
/// blanks, or any non-ASCII character (SMTPUTF8), with `"` and `\` only after a
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
            c if !c.is_ascii() => {}
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
