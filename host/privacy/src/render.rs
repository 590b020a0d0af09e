//! Applying a grant to values: each function returns a value in exactly its granted form.

use super::detect::{Detector, Span};
use super::markup::Markup;
use super::message_names::MessageNames;
use super::pseudonym::{domain_of, network_of};
use super::{Category, Form, Grant, Pseudonymizer};
use std::borrow::Cow;
use std::net::IpAddr;

/// The personal categories free text may hold: what the detector finds (device
/// strings too, though only by their usual shapes, so the vocabulary keeps out the
/// rest). Free text passes raw only when every one of them is granted in full.
pub const IN_FREE_TEXT: [Category; 7] = [
    Category::NameAddress,
    Category::EmailAddress,
    Category::PhoneNumber,
    Category::Organisation,
    Category::Conversion,
    Category::Network,
    Category::Device,
];

/// The categories of free text: what a sender writes, where personal data may stand
/// anywhere (network text too: a Received line names laptops and login names). Views of them fail closed (only vocabulary passes between the spans)
/// unless every personal category is granted in full.
const FREE_TEXT: [Category; 3] = [Category::Content, Category::AttachmentMeta, Category::Network];

/// One value as a plugin may see it (the host's side of WIT `shown`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "form", content = "value", rename_all = "kebab-case")]
pub enum Shown {
    /// As it is.
    Full(String),
    /// A pseudonym.
    Pseudonym(String),
    /// A domain or network.
    Domain(String),
    /// Text with personal data replaced by placeholders, or a lone placeholder.
    Redacted(String),
    /// Not given.
    Withheld,
}

impl Shown {
    /// The text a plugin would read, whatever the form; `None` when withheld.
    pub fn into_text(self) -> Option<String> {
        match self {
            Shown::Withheld => None,
            Shown::Full(v) | Shown::Pseudonym(v) | Shown::Domain(v) | Shown::Redacted(v) => Some(v),
        }
    }
}

/// Renders values under one grant, with the tenant-and-purpose pseudonym key.
#[derive(Clone, Copy)]
pub struct Renderer<'a> {
    /// The grant.
    pub grant: &'a Grant,
    /// The pseudonym key.
    pub pseudonyms: &'a Pseudonymizer,
    /// The detector for personal data inside text.
    pub detector: &'a dyn Detector,
    /// Names found elsewhere in the message being rendered, if any: their words are
    /// pseudonyms in its free text ([`MessageNames`]).
    pub names: Option<&'a MessageNames>,
}

impl<'a> Renderer<'a> {
    /// A renderer under `grant` with the key `pseudonyms`, for values of no message.
    pub fn new(grant: &'a Grant, pseudonyms: &'a Pseudonymizer, detector: &'a dyn Detector) -> Renderer<'a> {
        Renderer { grant, pseudonyms, detector, names: None }
    }

    /// The same renderer, for the values of a message whose found names are `names`.
    pub fn knowing<'b>(&'b self, names: &'b MessageNames) -> Renderer<'b> {
        Renderer { names: Some(names), ..*self }
    }

    /// True when free text is rendered at all: some personal category in it is not
    /// granted in full, so the detector and the vocabulary run.
    pub fn renders_free_text(&self) -> bool {
        !IN_FREE_TEXT.iter().all(|c| self.grant.form(*c) == Form::Full)
    }

    /// An e-mail address (category email-address). Something in an address's place
    /// that is no address (`<Lotte Zwanenburg 0612345678>`) is one pseudonym (nothing
    /// under the domain form); an address whose domain is an IP literal
    /// (`x@[192.0.2.7]`) shows that IP in the network's form, not whole.
    pub fn address(&self, address: &str) -> Shown {
        let form = self.grant.form(Category::EmailAddress);
        let whole = || self.pseudonyms.token("email", &address.trim().to_lowercase());
        // No address, or a domain holding a long number (`x@0612345678.nl`, which shows
        // no more than a host name in text would): one pseudonym, and nothing under the
        // domain form, which has no domain to give (a pseudonym would link).
        let numbered = || address.rsplit_once('@').is_some_and(|(_, d)| crate::vocabulary::long_digits(d));
        let opaque = !plain_address(address) || (form != Form::Full && numbered());
        match form {
            Form::Full | Form::Pseudonym if opaque => return Shown::Pseudonym(whole()),
            Form::Domain if opaque => return Shown::Withheld,
            _ => {}
        }
        let literal = address.rsplit_once('@').and_then(|(_, d)| mxr_mail::address_literal_ip(d));
        if let Some(ip) = literal.filter(|_| matches!(form, Form::Pseudonym | Form::Domain)) {
            let network = match self.ip(ip) {
                Shown::Redacted(_) => None,
                shown => shown.into_text().map(|n| format!("[{n}]")),
            };
            return match (form, network) {
                (Form::Domain, Some(n)) => Shown::Domain(n),
                (Form::Domain, None) => Shown::Withheld,
                (_, n) => Shown::Pseudonym(n.map_or_else(whole, |n| format!("{}@{n}", whole()))),
            };
        }
        match form {
            Form::Full => Shown::Full(address.to_owned()),
            Form::Pseudonym => Shown::Pseudonym(self.pseudonyms.address(address)),
            Form::Domain => domain_of(address).map_or(Shown::Withheld, Shown::Domain),
            Form::Redacted => Shown::Redacted(Category::EmailAddress.placeholder().into()),
            Form::Withheld => Shown::Withheld,
        }
    }

    /// True when the grant shows names and phone numbers in full.
    fn names_and_phones_full(&self) -> bool {
        [Category::NameAddress, Category::PhoneNumber].iter().all(|c| self.grant.form(*c) == Form::Full)
    }

    /// An IP address (category network).
    pub fn ip(&self, ip: IpAddr) -> Shown {
        match self.grant.form(Category::Network) {
            Form::Full => Shown::Full(ip.to_string()),
            Form::Pseudonym => Shown::Pseudonym(self.pseudonyms.token("ip", &ip.to_string())),
            Form::Domain => Shown::Domain(network_of(ip)),
            Form::Redacted => Shown::Redacted(Category::Network.placeholder().into()),
            Form::Withheld => Shown::Withheld,
        }
    }

    /// A single value of a category that is one datum as a whole (a display name, an
    /// X-Mailer value, a HELO name).
    pub fn value(&self, category: Category, value: &str) -> Shown {
        match self.grant.form(category) {
            Form::Full => Shown::Full(value.to_owned()),
            Form::Pseudonym => Shown::Pseudonym(self.pseudonyms.token(category.name(), &value.trim().to_lowercase())),
            Form::Domain => match category {
                Category::EmailAddress => self.address(value),
                _ => match value.trim().parse::<IpAddr>() {
                    Ok(ip) => Shown::Domain(network_of(ip)),
                    Err(_) => Shown::Domain(registrable_tail(value)),
                },
            },
            Form::Redacted => Shown::Redacted(category.placeholder().into()),
            Form::Withheld => Shown::Withheld,
        }
    }

    /// Free text whose own category is `base` (content for bodies and subject, network
    /// for Received). Withheld when `base` is; otherwise the personal data found
    /// inside is rendered span by span: each in its own category's form, or, when
    /// `base` itself is only redacted, every span as a placeholder.
    pub fn text(&self, base: Category, text: &str) -> Shown {
        self.text_spanned(base, text, || std::borrow::Cow::Owned(self.detector.detect(text)))
    }

    /// As [`text`](Self::text), with the spans of `text` from `spans` (a cache), asked
    /// for only when the grant needs them.
    pub fn text_spanned<'s>(&self, base: Category, text: &str, spans: impl FnOnce() -> Cow<'s, [Span]>) -> Shown {
        self.spanned(base, text, spans, None)
    }

    /// An HTML body (category content): as [`text_spanned`](Self::text_spanned), but
    /// markup passes as markup and only what the sender wrote fails closed.
    pub fn html_spanned<'s>(&self, html: &str, spans: impl FnOnce() -> Cow<'s, [Span]>) -> Shown {
        self.spanned(Category::Content, html, spans, Some(&mut Markup::default()))
    }

    fn spanned<'s>(
        &self,
        base: Category,
        text: &str,
        spans: impl FnOnce() -> Cow<'s, [Span]>,
        mut markup: Option<&mut Markup>,
    ) -> Shown {
        let base_form = self.grant.form(base);
        if base_form == Form::Withheld {
            return Shown::Withheld;
        }
        let personal_full = !self.renders_free_text();
        // Nothing a detector could find would change form: no need to look.
        if base_form == Form::Full && personal_full {
            return Shown::Full(text.to_owned());
        }
        // Invisible characters split what the detector would find (`Koolhaas` with a
        // zero-width joiner inside): detection and rendering both see the text without
        // them, its spans found anew, as the spans given were found with them.
        let cleaned = crate::vocabulary::without_invisible(text);
        let text = cleaned.as_deref().unwrap_or(text);
        // Free text that may hold personal data the detector misses fails closed: only
        // vocabulary passes between the spans (see `vocabulary`). So do a device string
        // (`Mozilla/5.0 (Lotte Zwanenburg)`) and the text around a tracking link,
        // whose own words pass.
        let fail_closed = FREE_TEXT.contains(&base) || matches!(base, Category::Device | Category::Conversion);
        let hosts_clear = self.grant.form(Category::Network) == Form::Full;
        let spans = match cleaned {
            Some(_) => Cow::Owned(self.detector.detect(text)),
            None => spans(),
        };
        if spans.is_empty() && !fail_closed {
            return Shown::Full(text.to_owned());
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        let mut words = crate::vocabulary::Words::new(self.pseudonyms, hosts_clear).knowing(self.names);
        if base == Category::Device {
            words = words.with_device_words();
        }
        let mut gap = |out: &mut String, piece: &str| match (fail_closed, markup.as_deref_mut()) {
            (true, Some(m)) => m.render_into(piece, &mut words, out),
            (true, None) => words.render_into(piece, out),
            (false, _) => out.push_str(piece),
        };
        for span in spans.iter() {
            gap(&mut out, &text[at..span.range.start]);
            let piece = &text[span.range.clone()];
            let form = if base_form == Form::Redacted { Form::Redacted } else { self.grant.form(span.category()) };
            if fail_closed && span.category() == Category::Device && form == Form::Full {
                // A device string granted in full is still free text (`Sent from my
                // Lotte's iPhone`): it fails closed like the text around it.
                gap(&mut out, piece);
            } else {
                self.span_into(span.category(), form, piece, &mut out);
            }
            at = span.range.end;
        }
        gap(&mut out, &text[at..]);
        if out != text { Shown::Redacted(out) } else { Shown::Full(out) }
    }

    /// One piece of data a detector found, in its category's granted form.
    pub fn piece(&self, category: Category, piece: &str) -> String {
        let mut out = String::new();
        self.span_into(category, self.grant.form(category), piece, &mut out);
        out
    }

    /// Appends `piece`, of `category`, to `out` in `form` (or stricter, for a link
    /// that carries an address): the forms that keep or replace it whole are copied
    /// in place rather than built apart.
    fn span_into(&self, category: Category, form: Form, piece: &str, out: &mut String) {
        // A link that carries an address (`?email=jan%40x.nl`) takes the stricter form:
        // only its host, unless addresses too are granted in full.
        let form = match (category, form) {
            (Category::Conversion, Form::Full) if carries_address(piece) => {
                match self.grant.form(Category::EmailAddress) {
                    Form::Full => Form::Full,
                    stricter => stricter.stricter(Form::Domain),
                }
            }
            _ => form,
        };
        let built = match (category, form) {
            // Name or phone data in a tracking link's query takes its stricter form.
            (Category::Conversion, Form::Full) if !self.names_and_phones_full() => {
                match crate::link_query::without_personal_values(piece, self.pseudonyms) {
                    Some(url) => url,
                    None => return out.push_str(piece),
                }
            }
            (_, Form::Full) => return out.push_str(piece),
            (_, Form::Redacted | Form::Withheld) => return out.push_str(category.placeholder()),
            (Category::EmailAddress, Form::Pseudonym) => self.pseudonyms.address(piece),
            (Category::PhoneNumber, Form::Pseudonym) => self.pseudonyms.phone(piece),
            (_, Form::Pseudonym) => self.pseudonyms.token(category.name(), &piece.to_lowercase()),
            (Category::EmailAddress, Form::Domain) => {
                domain_of(piece).unwrap_or_else(|| category.placeholder().to_owned())
            }
            (Category::Network, Form::Domain) => match piece.parse::<IpAddr>() {
                Ok(ip) => network_of(ip),
                Err(_) => category.placeholder().to_owned(),
            },
            (Category::Conversion, Form::Domain) => {
                url_host(piece).map_or_else(|| category.placeholder().to_owned(), |h| format!("<tracking:{h}>"))
            }
            (_, Form::Domain) => category.placeholder().to_owned(),
        };
        out.push_str(&built);
    }
}

/// True when a URL holds an address, plainly or %-encoded.
fn carries_address(url: &str) -> bool {
    url.contains('@') || url.to_ascii_lowercase().contains("%40")
}

/// The last two labels of a host name (`mail.example.com` → `example.com`).
fn registrable_tail(host: &str) -> String {
    let labels: Vec<&str> = host.trim().trim_end_matches('.').rsplit('.').take(2).collect();
    labels.into_iter().rev().collect::<Vec<_>>().join(".").to_lowercase()
}

/// The host of a link, if it is a host name or an IPv4 address: no user (`jan:pw@`),
/// no port, nothing that only looks like a link (`?next=https://0612345678`). One
/// without a scheme (`//trk.test/o/…`, `links.test/c/…`) has one only when a path
/// follows a name with a dot: a value that is no link has none.
fn url_host(url: &str) -> Option<&str> {
    let scheme_end = url.find("://").filter(|&i| i > 0 && url[..i].bytes().all(|b| b.is_ascii_alphabetic()));
    let (rest, needs_path) = match scheme_end {
        Some(i) => (&url[i + 3..], false),
        None => (url.strip_prefix("//").unwrap_or(url), true),
    };
    let end = rest.find(['/', '?', '#']);
    if needs_path && !end.is_some_and(|i| rest[i..].starts_with('/')) {
        return None;
    }
    let host = &rest[..end.unwrap_or(rest.len())];
    let host_like = host.contains('.') && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'));
    host_like.then_some(host)
}

/// True for an address as RFC 5321 writes one: a local part and a domain (a host name
/// or an address literal) around one `@`, with no space or control character outside
/// a quoted local part. Anything else in an address's place is text, not an address.
fn plain_address(address: &str) -> bool {
    let Some((local, domain)) = address.trim().rsplit_once('@') else { return false };
    let quoted = local.len() >= 2 && local.starts_with('"') && local.ends_with('"');
    let clean = |s: &str| !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control());
    (quoted || clean(local))
        && !(quoted && local.chars().any(|c| c.is_whitespace()))
        && clean(domain)
        && (mxr_mail::address_literal_ip(domain).is_some() || !domain.contains(['[', ']', '<', '>', '"', '@', ',']))
}

#[cfg(test)]
mod tests;
