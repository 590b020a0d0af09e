//! Which category a header field belongs to, and how its value is rendered.

use crate::Category;

/// How a header's value is turned into its granted form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderKind {
    /// A list of addresses (From, To, …): names and addresses each in their form.
    Addresses,
    /// Free text of a category, with the personal data inside rendered span by span.
    Text(Category),
    /// One datum of a category as a whole (X-Mailer, Organization).
    Value(Category),
}

/// The table: header name (lower-case) → kind. Anything not listed is content text.
const TABLE: &[(&str, HeaderKind)] = {
    use Category::*;
    use HeaderKind::*;
    &[
        ("from", Addresses),
        ("to", Addresses),
        ("cc", Addresses),
        ("bcc", Addresses),
        ("reply-to", Addresses),
        ("sender", Addresses),
        ("return-path", Addresses),
        ("delivered-to", Addresses),
        ("resent-from", Addresses),
        ("resent-to", Addresses),
        ("resent-cc", Addresses),
        ("resent-sender", Addresses),
        ("disposition-notification-to", Addresses),
        ("received", Text(Network)),
        ("x-originating-ip", Text(Network)),
        ("x-forwarded-for", Text(Network)),
        ("x-real-ip", Text(Network)),
        ("message-id", Text(Network)),
        ("in-reply-to", Text(Network)),
        ("references", Text(Network)),
        ("authentication-results", Text(Network)),
        ("received-spf", Text(Network)),
        ("dkim-signature", Text(Network)),
        ("arc-seal", Text(Network)),
        ("arc-message-signature", Text(Network)),
        ("arc-authentication-results", Text(Network)),
        ("x-mailer", Value(Device)),
        ("user-agent", Value(Device)),
        ("organization", Value(Organisation)),
        ("organisation", Value(Organisation)),
        ("list-unsubscribe", Text(Conversion)),
    ]
};

/// The kind of a header by name, case-insensitive.
pub fn header_kind(name: &str) -> HeaderKind {
    TABLE.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map_or(HeaderKind::Text(Category::Content), |(_, k)| *k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_headers() {
        assert_eq!(header_kind("FROM"), HeaderKind::Addresses);
        assert_eq!(header_kind("Received"), HeaderKind::Text(Category::Network));
        assert_eq!(header_kind("X-Mailer"), HeaderKind::Value(Category::Device));
        assert_eq!(header_kind("X-Whatever"), HeaderKind::Text(Category::Content));
    }
}
