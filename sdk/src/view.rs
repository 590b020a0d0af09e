//! Reading the values a filter is shown: which form arrived, and the text inside it.

use crate::{MailAddress, Shown};

impl Shown {
    /// The text of the value in whatever form it arrived; `None` when withheld.
    ///
    /// Use this for matching that works on any form: a pseudonym or a redacted text is
    /// still a string to compare or search.
    pub fn text(&self) -> Option<&str> {
        match self {
            Shown::Full(s) | Shown::Pseudonym(s) | Shown::Domain(s) | Shown::Redacted(s) => Some(s),
            Shown::Withheld => None,
        }
    }

    /// The value only if it arrived in full.
    pub fn full(&self) -> Option<&str> {
        match self {
            Shown::Full(s) => Some(s),
            _ => None,
        }
    }

    /// The domain part, for a full address, a pseudonymised address whose domain was
    /// kept (`p.<hash>@example.com`), or a domain form.
    pub fn domain(&self) -> Option<&str> {
        match self {
            Shown::Domain(d) => Some(d),
            Shown::Full(s) | Shown::Pseudonym(s) => s.rsplit_once('@').map(|(_, d)| d),
            _ => None,
        }
    }

    /// True when the grant withheld the value.
    pub fn is_withheld(&self) -> bool {
        matches!(self, Shown::Withheld)
    }
}

impl MailAddress {
    /// The domain of the address, when the grant shows one.
    pub fn domain(&self) -> Option<&str> {
        self.address.domain()
    }
}
