//! The config's validated names and closed sets. Each is decided when the file is
//! deserialised, so a value that is not one of them never reaches [`crate::validate`],
//! and the error names its key (`tenant[0].next_hop.tls: unknown variant ...`).

use serde::{Deserialize, Serialize};
use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

/// True for `[a-z0-9-]`, 1 to 64 characters: the shape of tenant ids and plugin names.
fn is_id(s: &str) -> bool {
    (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// True for two lower-case ASCII letters: the shape of an ISO 3166-1 alpha-2 code.
fn is_country(s: &str) -> bool {
    s.len() == 2 && s.bytes().all(|b| b.is_ascii_lowercase())
}

/// A string newtype whose every value passed `$check`; reads as `&str` everywhere.
macro_rules! checked_name {
    ($(#[$doc:meta])* $name:ident, $check:path, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The value as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            /// Refuses a value of the wrong shape, saying what the shape is.
            fn try_from(s: String) -> Result<Self, String> {
                if $check(&s) { Ok($name(s)) } else { Err(format!("{s:?} is not {}", $what)) }
            }
        }

        impl TryFrom<&str> for $name {
            type Error = String;
            /// As `TryFrom<String>`.
            fn try_from(s: &str) -> Result<Self, String> {
                Self::try_from(s.to_owned())
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl From<$name> for String {
            fn from(n: $name) -> String {
                n.0
            }
        }
    };
}

checked_name!(
    /// A tenant id: `[a-z0-9-]`, 1 to 64 characters. It names the tenant's key, spool
    /// entries, audit records and default Maildir, so it is also a safe file name.
    TenantId,
    is_id,
    "an id of [a-z0-9-] (1 to 64 characters)"
);

checked_name!(
    /// A plugin name: `[a-z0-9-]`, 1 to 64 characters, as a plugin's manifest declares it.
    PluginName,
    is_id,
    "a plugin name of [a-z0-9-] (1 to 64 characters)"
);

checked_name!(
    /// A country: an ISO 3166-1 alpha-2 code, lower-case (`nl`). Not checked against the
    /// list of assigned codes; [`Region::is_eu`] is what the transfer rule reads.
    Region,
    is_country,
    "a lower-case ISO 3166 country code such as \"nl\""
);

/// The member states of the European Union (ISO 3166-1 alpha-2, lower-case).
pub const EU_MEMBERS: [&str; 27] = [
    "at", "be", "bg", "cy", "cz", "de", "dk", "ee", "es", "fi", "fr", "gr", "hr", "hu", "ie", "it", "lt", "lu", "lv",
    "mt", "nl", "pl", "pt", "ro", "se", "si", "sk",
];

impl Region {
    /// True inside the EU, where mail may go without the tenant's transfer consent.
    pub fn is_eu(&self) -> bool {
        EU_MEMBERS.contains(&self.as_str())
    }
}

/// TLS towards a next hop (`tls = "required"`, the default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Refuse to deliver without TLS; never falls back to plaintext.
    #[default]
    Required,
    /// TLS when offered, plaintext otherwise.
    Opportunistic,
    /// Never TLS.
    None,
}

/// What kind of next hop a tenant's mail goes to (`next_hop.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NextHopKind {
    /// The customer's SMTP server.
    Smtp,
    /// The mail exchangers (MX records) of a domain, looked up at delivery.
    Mx,
    /// A local Maildir folder.
    Maildir,
}

/// Whether a tenant's mail is taken (`status`, default `active`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TenantStatus {
    /// Mail is accepted and filtered.
    #[default]
    Active,
    /// Paused by the operator: RCPT gets `450 4.7.1`, so senders retry and nothing is
    /// lost while the pause lasts.
    Suspended,
    /// Being offboarded or gone (agreement art. 11.4): RCPT gets `550 5.1.2`.
    Offboarded,
}

/// True for a host name of dot-separated labels of `[A-Za-z0-9-]`, at most 253
/// characters, each label 1 to 63 characters and not starting or ending in `-`.
pub fn is_domain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_on_construction() {
        assert!(TenantId::try_from("acme-2").is_ok());
        assert!(TenantId::try_from("Acme").is_err());
        assert!(PluginName::try_from("").is_err());
        assert!(PluginName::try_from("a".repeat(65)).is_err());
        assert_eq!(Region::try_from("nl").unwrap(), "nl");
        assert!(Region::try_from("NL").is_err() && Region::try_from("nld").is_err());
        assert!(Region::try_from("de").unwrap().is_eu() && !Region::try_from("us").unwrap().is_eu());
    }

    #[test]
    fn names_deserialise_through_their_check() {
        #[derive(Deserialize)]
        struct T {
            #[allow(dead_code)]
            id: TenantId,
        }
        let err = toml::from_str::<T>("id = \"Bad Id\"").err().unwrap().to_string();
        assert!(err.contains("\"Bad Id\" is not an id of [a-z0-9-]"), "{err}");
    }
}
