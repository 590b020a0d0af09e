//! A plugin's grant: the form each category reaches it in.

use super::policy::PurposePolicy;
use super::{Category, CategorySet, Form};
use std::collections::BTreeMap;

/// The form of every category for one plugin (and, once tightened, one tenant).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grant {
    forms: [Form; Category::ALL.len()],
}

/// Why a grant could not be made.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GrantError {
    /// The plugin declares a purpose the policy does not know.
    #[error("purpose {0:?} is not in the purpose policy (known: {1})")]
    UnknownPurpose(String, String),
}

impl Grant {
    /// Every category withheld.
    pub const NOTHING: Grant = Grant { forms: [Form::Withheld; Category::ALL.len()] };

    /// Every category in full: for comparisons in benchmarks, never a default.
    pub const EVERYTHING: Grant = Grant { forms: [Form::Full; Category::ALL.len()] };

    /// Every category redacted: what scrubs plugin log lines and panic messages.
    pub const SCRUB: Grant = Grant { forms: [Form::Redacted; Category::ALL.len()] };

    /// The grant a plugin gets under `policy` for its declared purpose: the policy's
    /// form for each category it asked for, and withheld for the rest.
    pub fn for_purpose(policy: &PurposePolicy, purpose: &str, requested: CategorySet) -> Result<Grant, GrantError> {
        let rule = policy.purpose(purpose).ok_or_else(|| {
            GrantError::UnknownPurpose(purpose.to_owned(), policy.purpose_ids().collect::<Vec<_>>().join(", "))
        })?;
        let mut grant = Grant::NOTHING;
        for c in requested.iter() {
            grant.forms[c as usize] = rule.form(c);
        }
        Ok(grant)
    }

    /// The form for one category.
    pub fn form(&self, c: Category) -> Form {
        self.forms[c as usize]
    }

    /// A grant no wider than this one: each category takes the stricter form.
    pub fn tighten(&self, overrides: &BTreeMap<Category, Form>) -> Grant {
        let mut g = *self;
        for (c, f) in overrides {
            g.forms[*c as usize] = g.forms[*c as usize].stricter(*f);
        }
        g
    }

    /// Every category with its form, in declaration order.
    pub fn entries(&self) -> impl Iterator<Item = (Category, Form)> + '_ {
        Category::ALL.into_iter().map(|c| (c, self.form(c)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unrequested_categories_are_withheld() {
        let policy = PurposePolicy::default_policy();
        let asked: CategorySet = [Category::Content].into_iter().collect();
        let g = Grant::for_purpose(&policy, "spam-filtering", asked).unwrap();
        assert_eq!(g.form(Category::Content), Form::Full);
        assert_eq!(g.form(Category::Network), Form::Withheld, "not asked for");
    }

    #[test]
    fn tenants_only_tighten() {
        let policy = PurposePolicy::default_policy();
        let asked: CategorySet = Category::ALL.into_iter().collect();
        let g = Grant::for_purpose(&policy, "spam-filtering", asked).unwrap();
        let wider = BTreeMap::from([(Category::EmailAddress, Form::Full)]);
        assert_eq!(g.tighten(&wider).form(Category::EmailAddress), Form::Pseudonym);
        let stricter = BTreeMap::from([(Category::Content, Form::Withheld)]);
        assert_eq!(g.tighten(&stricter).form(Category::Content), Form::Withheld);
    }

    #[test]
    fn unknown_purpose_is_refused() {
        let policy = PurposePolicy::default_policy();
        let err = Grant::for_purpose(&policy, "marketing", CategorySet::default()).unwrap_err();
        assert!(err.to_string().contains("marketing"));
    }
}
