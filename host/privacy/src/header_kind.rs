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
    /// A technical field holding no personal data (Date, MIME-Version): shown as it
    /// is to a purpose that may read content.
    Technical,
    /// A MIME field with parameters (Content-Type, Content-Disposition): the type and
    /// parameter names pass, file names render as file names, other values as text.
    Mime,
    /// Message ids (Message-ID, In-Reply-To, References), network data: each id's
    /// left part is a pseudonym whatever it looks like (a mailer may write a name or
    /// a phone number there, and it is no e-mail address), so threads still match.
    MessageIds,
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
        ("message-id", MessageIds),
        ("in-reply-to", MessageIds),
        ("references", MessageIds),
        ("resent-message-id", MessageIds),
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
        ("date", Technical),
        ("mime-version", Technical),
        ("content-transfer-encoding", Technical),
        ("x-priority", Technical),
        ("importance", Technical),
        ("precedence", Technical),
        ("auto-submitted", Technical),
        ("content-type", Mime),
        ("content-disposition", Mime),
    ]
};

/// Field names that pass in clear in `header-names()`: the table above and the
/// registered fields every mail carries. Any other name is rendered like content.
const COMMON: &[&str] = &[
    "subject",
    "date",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "content-disposition",
    "content-id",
    "content-language",
    "content-description",
    "thread-topic",
    "thread-index",
    "comments",
    "keywords",
    "list-id",
    "list-post",
    "list-help",
    "list-subscribe",
    "list-owner",
    "list-archive",
    "precedence",
    "auto-submitted",
    "importance",
    "priority",
    "x-priority",
    "x-msmail-priority",
    "sensitivity",
    "return-receipt-to",
    "errors-to",
    "feedback-id",
    "x-spam-status",
    "x-spam-flag",
    "x-spam-score",
    "x-mailer",
    "x-auto-response-suppress",
    "x-ms-has-attach",
    "x-ms-tnef-correlator",
    "resent-date",
    "resent-message-id",
    "archived-at",
    "autocrypt",
    "openpgp",
    "require-recipient-valid-since",
];

/// True for a registered or common field name (case-insensitive).
pub fn is_common(name: &str) -> bool {
    COMMON.iter().chain(TABLE.iter().map(|(n, _)| n)).any(|n| n.eq_ignore_ascii_case(name))
}

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
