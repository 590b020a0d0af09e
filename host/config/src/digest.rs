//! `[tenant.digest]`: the tenant's quarantine digest, a mail listing newly quarantined
//! messages with release links, sent to one address at an interval the tenant sets.

use crate::ConfigError;
use crate::names::is_domain;
use serde::{Deserialize, Serialize};

/// The shortest interval between two digests, in hours.
pub const MIN_DIGEST_HOURS: u32 = 1;
/// The longest interval between two digests, in hours (a week).
pub const MAX_DIGEST_HOURS: u32 = 168;

/// `[tenant.digest]`: where the digest goes and how often.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestFile {
    /// The address the digest is mailed to (`local@domain`).
    pub to: String,
    /// Hours between two digests, [`MIN_DIGEST_HOURS`] to [`MAX_DIGEST_HOURS`]. A
    /// digest is sent only when something new was quarantined.
    pub every_hours: u32,
}

impl DigestFile {
    /// Checks the address and the interval; `key` names the table in errors.
    pub fn check(&self, key: &str) -> Result<(), ConfigError> {
        let invalid = |field: &str, problem: String| ConfigError::Invalid { key: format!("{key}.{field}"), problem };
        let domain = self.to.rsplit_once('@').map(|(local, domain)| (local, domain.to_ascii_lowercase()));
        let valid = domain.as_ref().is_some_and(|(local, domain)| {
            !local.is_empty() && local.len() <= 64 && !local.contains(['<', '>', ' ', '\r', '\n']) && is_domain(domain)
        });
        if !valid {
            return Err(invalid("to", format!("{:?} is not an address (local@domain)", self.to)));
        }
        if !(MIN_DIGEST_HOURS..=MAX_DIGEST_HOURS).contains(&self.every_hours) {
            return Err(invalid(
                "every_hours",
                format!("{} is not from {MIN_DIGEST_HOURS} to {MAX_DIGEST_HOURS}", self.every_hours),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_and_interval_are_checked_and_named() {
        let ok = DigestFile { to: "postmaster@acme.test".into(), every_hours: 24 };
        assert!(ok.check("tenant[0].digest").is_ok());
        let cases = [
            ("acme.test", 24, "tenant[0].digest.to"),
            ("@acme.test", 24, "tenant[0].digest.to"),
            ("a b@acme.test", 24, "tenant[0].digest.to"),
            ("x@not a domain", 24, "tenant[0].digest.to"),
            ("x@acme.test", 0, "tenant[0].digest.every_hours"),
            ("x@acme.test", 169, "tenant[0].digest.every_hours"),
        ];
        for (to, every_hours, key) in cases {
            let e = DigestFile { to: to.into(), every_hours }.check("tenant[0].digest").unwrap_err();
            assert!(matches!(&e, ConfigError::Invalid { key: k, .. } if k == key), "{to} {every_hours}: {e}");
        }
    }
}
