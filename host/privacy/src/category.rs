//! The category model (agreement annex 1 plus technical categories) and the forms.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A kind of personal or technical data a mail carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Person names, street addresses, cities.
    NameAddress,
    /// E-mail addresses.
    EmailAddress,
    /// Telephone numbers.
    PhoneNumber,
    /// Organisation names.
    Organisation,
    /// Tracking links and ids.
    Conversion,
    /// Mail client and device.
    Device,
    /// Client IP, HELO, Received hops.
    Network,
    /// Subject and text.
    Content,
    /// Attachment names, types, sizes, hashes.
    AttachmentMeta,
    /// Attachment bytes.
    AttachmentContent,
    /// SPF, DKIM, DMARC and iprev results: the domains and host names they checked.
    /// Not in the WIT `category` enum (which old plugins are built against): a plugin
    /// asks for it by importing `mxr:filter/authentication`.
    Authentication,
}

impl Category {
    /// Every category, in declaration order.
    pub const ALL: [Category; 11] = [
        Category::NameAddress,
        Category::EmailAddress,
        Category::PhoneNumber,
        Category::Organisation,
        Category::Conversion,
        Category::Device,
        Category::Network,
        Category::Content,
        Category::AttachmentMeta,
        Category::AttachmentContent,
        Category::Authentication,
    ];

    /// The kebab-case name used in WIT, config and output.
    pub fn name(self) -> &'static str {
        match self {
            Category::NameAddress => "name-address",
            Category::EmailAddress => "email-address",
            Category::PhoneNumber => "phone-number",
            Category::Organisation => "organisation",
            Category::Conversion => "conversion",
            Category::Device => "device",
            Category::Network => "network",
            Category::Content => "content",
            Category::AttachmentMeta => "attachment-meta",
            Category::AttachmentContent => "attachment-content",
            Category::Authentication => "authentication",
        }
    }

    /// The placeholder that stands in for a redacted value of this category.
    pub fn placeholder(self) -> &'static str {
        match self {
            Category::NameAddress => "<name>",
            Category::EmailAddress => "<email>",
            Category::PhoneNumber => "<phone>",
            Category::Organisation => "<organisation>",
            Category::Conversion => "<tracking>",
            Category::Device => "<device>",
            Category::Network => "<ip>",
            Category::Content => "<text>",
            Category::AttachmentMeta => "<attachment>",
            Category::AttachmentContent => "<attachment>",
            Category::Authentication => "<domain>",
        }
    }

    /// The forms that make sense for this category; a policy naming another is refused.
    pub fn allowed_forms(self) -> &'static [Form] {
        use Form::*;
        match self {
            Category::EmailAddress | Category::Network | Category::Authentication => {
                &[Full, Pseudonym, Domain, Redacted, Withheld]
            }
            Category::NameAddress | Category::PhoneNumber | Category::Organisation => {
                &[Full, Pseudonym, Redacted, Withheld]
            }
            Category::Conversion => &[Full, Domain, Redacted, Withheld],
            Category::Device | Category::Content => &[Full, Redacted, Withheld],
            Category::AttachmentMeta | Category::AttachmentContent => &[Full, Withheld],
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a value may reach a plugin, ordered from most to least revealing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Form {
    /// As it is.
    Full,
    /// A keyed HMAC per tenant and purpose (an address keeps its domain).
    Pseudonym,
    /// The domain of an address, the /24 (IPv4) or /48 (IPv6) of an IP.
    Domain,
    /// A typed placeholder in place.
    Redacted,
    /// Absent.
    Withheld,
}

impl Form {
    /// The kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Form::Full => "full",
            Form::Pseudonym => "pseudonym",
            Form::Domain => "domain",
            Form::Redacted => "redacted",
            Form::Withheld => "withheld",
        }
    }

    /// The stricter of two forms: tightening never widens.
    pub fn stricter(self, other: Form) -> Form {
        self.max(other)
    }
}

impl fmt::Display for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A small set of categories, e.g. those a call actually disclosed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CategorySet(u16);

impl CategorySet {
    /// Adds a category.
    pub fn insert(&mut self, c: Category) {
        self.0 |= c.bit();
    }
    /// True when the set holds `c`.
    pub fn contains(&self, c: Category) -> bool {
        self.0 & c.bit() != 0
    }
    /// The categories in declaration order.
    pub fn iter(&self) -> impl Iterator<Item = Category> + '_ {
        Category::ALL.into_iter().filter(|c| self.contains(*c))
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }
}

impl FromIterator<Category> for CategorySet {
    fn from_iter<I: IntoIterator<Item = Category>>(iter: I) -> Self {
        let mut s = CategorySet::default();
        iter.into_iter().for_each(|c| s.insert(c));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stricter_never_widens() {
        for a in [Form::Full, Form::Pseudonym, Form::Domain, Form::Redacted, Form::Withheld] {
            for b in [Form::Full, Form::Pseudonym, Form::Domain, Form::Redacted, Form::Withheld] {
                let s = a.stricter(b);
                assert!(s >= a && s >= b, "{a} ∧ {b} gave {s}");
            }
        }
    }

    #[test]
    fn category_set_round_trips() {
        let set: CategorySet = [Category::Content, Category::Network].into_iter().collect();
        assert_eq!(set.iter().collect::<Vec<_>>(), vec![Category::Network, Category::Content]);
        assert!(!set.contains(Category::Device));
    }
}
