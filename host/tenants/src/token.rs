//! API tokens: 256 random bits shown once, stored only as their SHA-256, scoped to the
//! operator or to one tenant, and revocable.

use mxr_config::TenantId;
use sha2::{Digest, Sha256};
use std::fmt;

/// The SHA-256 of a token's secret: what the store keeps and looks up.
pub type TokenHash = [u8; 32];

/// The prefix of every secret, so that a leaked one is recognisable (secret scanners).
pub const SECRET_PREFIX: &str = "mxr_";

/// What a token may see and change.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Everything: tenants, tokens, plugins, the queue, metrics.
    Operator,
    /// One tenant's own state, quarantine and history, and nothing else.
    Tenant(TenantId),
}

impl Scope {
    /// The tenant a tenant token is bound to.
    pub fn tenant(&self) -> Option<&TenantId> {
        match self {
            Scope::Operator => None,
            Scope::Tenant(t) => Some(t),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Operator => f.write_str("operator"),
            Scope::Tenant(t) => write!(f, "tenant:{t}"),
        }
    }
}

impl std::str::FromStr for Scope {
    type Err = String;
    /// `operator` or `tenant:<id>`.
    fn from_str(s: &str) -> Result<Scope, String> {
        match s.split_once(':') {
            None if s == "operator" => Ok(Scope::Operator),
            Some(("tenant", id)) => TenantId::try_from(id).map(Scope::Tenant),
            _ => Err(format!("{s:?} is not a scope (operator or tenant:<id>)")),
        }
    }
}

/// A token as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// Its public id (12 hex digits), for listing and revoking.
    pub id: String,
    /// What it may do.
    pub scope: Scope,
    /// SHA-256 of the secret.
    pub hash: TokenHash,
    /// A note saying what it is for.
    pub label: String,
    /// When it was made, in seconds since the epoch.
    pub created: u64,
    /// When it was revoked, if it was.
    pub revoked: Option<u64>,
}

/// A token just made: the record to store, and the secret to show once.
pub struct NewToken {
    /// What the store keeps.
    pub record: TokenRecord,
    /// `mxr_` and 64 hex digits (256 random bits); never stored.
    pub secret: String,
}

impl NewToken {
    /// A new random token for `scope`.
    pub fn generate(scope: Scope, label: &str, now: u64) -> Result<NewToken, getrandom::Error> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret)?;
        let mut id = [0u8; 6];
        getrandom::fill(&mut id)?;
        let secret = format!("{SECRET_PREFIX}{}", hex::encode(secret));
        let record = TokenRecord {
            id: hex::encode(id),
            scope,
            hash: hash(&secret),
            label: label.into(),
            created: now,
            revoked: None,
        };
        Ok(NewToken { record, secret })
    }
}

/// The hash a secret is stored and looked up by.
pub fn hash(secret: &str) -> TokenHash {
    Sha256::digest(secret.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_256_random_bits_and_only_its_hash_is_kept() {
        let scope = Scope::Tenant(TenantId::try_from("acme").unwrap());
        let a = NewToken::generate(scope.clone(), "ci", 1).unwrap();
        let b = NewToken::generate(scope, "ci", 1).unwrap();
        assert_eq!(a.secret.len(), SECRET_PREFIX.len() + 64);
        assert_ne!(a.secret, b.secret);
        assert_eq!(a.record.hash, hash(&a.secret));
        assert!(!format!("{:?}", a.record).contains(&a.secret[4..]));
    }

    #[test]
    fn scopes_read_back_as_written() {
        for s in ["operator", "tenant:acme-2"] {
            assert_eq!(s.parse::<Scope>().unwrap().to_string(), s);
        }
        for bad in ["", "tenant:", "tenant:Acme", "root", "operator:x"] {
            assert!(bad.parse::<Scope>().is_err(), "{bad}");
        }
    }
}
