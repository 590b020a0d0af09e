//! Rendering the parts of a message that need more than one value's form: address
//! lists and header fields. Shared by the plugin accessors and `mxr plugin run`, so
//! what authors are shown is exactly what plugins get.

use super::render::{Renderer, Shown};
use super::{Category, Form};
use crate::header_kind::{HeaderKind, header_kind};
use mxr_mail::AddressEntry;

/// One address from an address header: (display name, address), each in its form.
pub fn address(r: &Renderer, a: &AddressEntry) -> (Shown, Shown) {
    // A display name is a name as a whole, whatever a detector would make of it.
    let name = a.name.as_deref().map_or(Shown::Withheld, |n| r.value(Category::NameAddress, n));
    let address = a.address.as_deref().map_or(Shown::Withheld, |x| r.address(x));
    (name, address)
}

/// A header field's value in its granted form, and the category that governs it.
pub fn header(r: &Renderer, name: &str, value: &str) -> (Category, Shown) {
    match header_kind(name) {
        HeaderKind::Text(c) if c == Category::Content || r.grant.form(c) == Form::Full => (c, r.text(c, value)),
        HeaderKind::Text(c) => (c, data_only(r, c, value)),
        HeaderKind::Value(c) => (c, r.value(c, value)),
        HeaderKind::Addresses => (Category::EmailAddress, address_header(r, value)),
    }
}

/// A header of a technical category (Received, X-Originating-IP, List-Unsubscribe)
/// granted in less than full: only the data of that category found in it, each in its
/// form, joined; the rest (host names, ids, comments) is dropped, since it is the
/// same category and nothing the form allows.
fn data_only(r: &Renderer, c: Category, value: &str) -> Shown {
    let form = r.grant.form(c);
    if form == Form::Withheld {
        return Shown::Withheld;
    }
    let parts: Vec<String> = r
        .detector
        .detect(value)
        .into_iter()
        .filter(|s| s.category() == c)
        .map(|s| r.piece(c, &value[s.range]))
        .collect();
    let joined = parts.join(", ");
    match form {
        Form::Pseudonym => Shown::Pseudonym(joined),
        Form::Domain => Shown::Domain(joined),
        _ => Shown::Redacted(joined),
    }
}

/// An address header as a whole: raw only when both names and addresses are granted
/// in full; otherwise the addresses alone, each in its form, names dropped.
fn address_header(r: &Renderer, value: &str) -> Shown {
    let (names, addrs) = (r.grant.form(Category::NameAddress), r.grant.form(Category::EmailAddress));
    if addrs == Form::Withheld {
        return Shown::Withheld;
    }
    if names == Form::Full && addrs == Form::Full {
        return Shown::Full(value.to_owned());
    }
    let parts: Vec<String> = r
        .detector
        .detect(value)
        .into_iter()
        .filter(|s| s.category() == Category::EmailAddress)
        .filter_map(|s| match r.address(&value[s.range]) {
            Shown::Withheld => None,
            Shown::Full(v) | Shown::Pseudonym(v) | Shown::Domain(v) | Shown::Redacted(v) => Some(v),
        })
        .collect();
    let joined = parts.join(", ");
    match addrs {
        Form::Full => Shown::Redacted(joined), // names were dropped
        Form::Pseudonym => Shown::Pseudonym(joined),
        Form::Domain => Shown::Domain(joined),
        Form::Redacted | Form::Withheld => Shown::Redacted(joined),
    }
}
