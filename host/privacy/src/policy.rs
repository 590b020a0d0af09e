//! The purpose policy: purpose → category → form, from a TOML file.
//!
//! mxr ships a default (`host/policy/default-policy.toml`); operators may point the
//! config at their own, which is validated the same way. Any category a purpose does
//! not list is withheld.

use super::{Category, Form};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The policy mxr ships.
pub const DEFAULT_POLICY_TOML: &str = include_str!("../policy/default-policy.toml");

/// A purpose id: lower-case `[a-z0-9-]`, 1 to 64 characters.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PurposeId(String);

/// A purpose id that is not `[a-z0-9-]{1,64}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid purpose id {0:?}")]
pub struct InvalidPurposeId(pub String);

impl PurposeId {
    /// Validates a purpose id.
    pub fn parse(s: &str) -> Result<Self, InvalidPurposeId> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok { Ok(PurposeId(s.to_owned())) } else { Err(InvalidPurposeId(s.to_owned())) }
    }
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One purpose's entry.
#[derive(Clone, Debug)]
pub struct PurposeRule {
    /// What the purpose is for, in words a customer reads.
    pub description: String,
    /// True when a tenant must name the purpose explicitly to authorise it.
    pub explicit: bool,
    forms: BTreeMap<Category, Form>,
}

impl PurposeRule {
    /// The form this purpose gives a category (withheld when not listed).
    pub fn form(&self, c: Category) -> Form {
        self.forms.get(&c).copied().unwrap_or(Form::Withheld)
    }
}

/// A validated purpose policy.
#[derive(Clone, Debug)]
pub struct PurposePolicy {
    purposes: BTreeMap<PurposeId, PurposeRule>,
}

/// Why a policy file was refused; each names the key at fault.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file could not be read.
    #[error("cannot read policy {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// TOML syntax, an unknown key or a wrong type; the message names the key.
    #[error("policy: {0}")]
    Syntax(String),
    /// `version` is not one this mxr reads.
    #[error("policy: version: unsupported version {0} (this mxr reads version 1)")]
    Version(u32),
    /// A key with a value that is not allowed.
    #[error("policy: {key}: {problem}")]
    Invalid {
        /// The dotted key.
        key: String,
        /// What is wrong.
        problem: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    version: u32,
    purposes: BTreeMap<String, PurposeFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PurposeFile {
    #[serde(default)]
    description: String,
    #[serde(default)]
    explicit: bool,
    #[serde(default)]
    forms: BTreeMap<Category, Form>,
}

impl PurposePolicy {
    /// The shipped default policy.
    pub fn default_policy() -> Self {
        Self::parse(DEFAULT_POLICY_TOML).expect("the shipped policy is valid")
    }

    /// Reads and validates a policy file.
    pub fn load(path: &Path) -> Result<Self, PolicyError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| PolicyError::Read { path: path.display().to_string(), source })?;
        Self::parse(&text)
    }

    /// Parses and validates policy text.
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        let file: PolicyFile = toml::from_str(text).map_err(|e| PolicyError::Syntax(e.to_string()))?;
        if file.version != 1 {
            return Err(PolicyError::Version(file.version));
        }
        let mut purposes = BTreeMap::new();
        for (name, p) in file.purposes {
            let id = PurposeId::parse(&name)
                .map_err(|e| PolicyError::Invalid { key: format!("purposes.{name}"), problem: e.to_string() })?;
            for (c, f) in &p.forms {
                if !c.allowed_forms().contains(f) {
                    return Err(PolicyError::Invalid {
                        key: format!("purposes.{name}.forms.{c}"),
                        problem: format!(
                            "form {f} does not apply to {c} (allowed: {})",
                            c.allowed_forms().iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
                        ),
                    });
                }
            }
            let rule = PurposeRule { description: p.description, explicit: p.explicit, forms: p.forms };
            purposes.insert(id, rule);
        }
        Ok(PurposePolicy { purposes })
    }

    /// The rule for a purpose, if the policy has it.
    pub fn purpose(&self, id: &str) -> Option<&PurposeRule> {
        self.purposes.iter().find(|(k, _)| k.as_str() == id).map(|(_, v)| v)
    }

    /// Every purpose id, sorted.
    pub fn purpose_ids(&self) -> impl Iterator<Item = &str> {
        self.purposes.keys().map(|k| k.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_matches_design() {
        let p = PurposePolicy::default_policy();
        let spam = p.purpose("spam-filtering").unwrap();
        assert_eq!(spam.form(Category::Content), Form::Full);
        assert_eq!(spam.form(Category::EmailAddress), Form::Pseudonym);
        assert_eq!(spam.form(Category::PhoneNumber), Form::Redacted);
        assert_eq!(spam.form(Category::AttachmentContent), Form::Withheld);
        let malware = p.purpose("malware-scanning").unwrap();
        assert_eq!(malware.form(Category::AttachmentContent), Form::Full);
        assert_eq!(malware.form(Category::EmailAddress), Form::Withheld);
        assert!(p.purpose("conversion-tracking").unwrap().explicit);
        assert_eq!(p.purpose_ids().count(), 5);
    }

    #[test]
    fn invalid_policies_name_the_key() {
        let cases = [
            ("version = 2\n[purposes]\n", "version"),
            ("version = 1\ncolour = 1\n[purposes]\n", "colour"),
            ("version = 1\n[purposes.x.forms]\ncontent = \"pseudonym\"\n", "purposes.x.forms.content"),
            ("version = 1\n[purposes.x.forms]\nbogus = \"full\"\n", "bogus"),
            ("version = 1\n[purposes.Bad]\n", "purposes.Bad"),
        ];
        for (text, key) in cases {
            let err = PurposePolicy::parse(text).unwrap_err().to_string();
            assert!(err.contains(key), "{text:?}: {err} should name {key}");
        }
    }
}
