//! Release links: `<tenant>.<queue id>.<expires>.<nonce>.<mac>` (a queue id may hold
//! dots; a tenant id never does), an HMAC-SHA256 over the
//! rest under a key derived from the tenant's own key, so a link works only for the
//! message and tenant it names, only until it expires, and (with [`crate::state`]) only
//! once. Destroying a tenant's key (offboarding) voids its links.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// What the link key is derived with, from the tenant's pseudonym root.
const LABEL: &[u8] = b"mxr release link v1";

/// A link's key, one per tenant.
pub struct LinkKey([u8; 32]);

impl LinkKey {
    /// The tenant's link key, derived from its pseudonym root (a key of its own, never
    /// the root itself).
    pub fn derive(tenant_root: &[u8; 32]) -> LinkKey {
        let mut mac = HmacSha256::new_from_slice(tenant_root).expect("any key length");
        mac.update(LABEL);
        LinkKey(mac.finalize().into_bytes().into())
    }

    fn mac(&self, body: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("any key length");
        mac.update(body.as_bytes());
        mac
    }
}

/// What a release link names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseLink {
    /// The tenant.
    pub tenant: String,
    /// The quarantined message's queue id.
    pub queue_id: String,
    /// Unix seconds after which it no longer works.
    pub expires: u64,
    /// 128 random bits, hex: what makes it single-use.
    pub nonce: String,
}

/// Why a link is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LinkError {
    /// Not five dot-separated parts of the right shapes.
    #[error("this is not a release link")]
    Malformed,
    /// The signature does not match (altered, or another node's or tenant's key).
    #[error("this release link is not valid")]
    BadSignature,
    /// Past its expiry.
    #[error("this release link has expired")]
    Expired,
}

impl ReleaseLink {
    /// A new link for `queue_id` of `tenant`, valid until `expires`.
    pub fn new(tenant: &str, queue_id: &str, expires: u64) -> ReleaseLink {
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce).expect("the system's random source");
        ReleaseLink { tenant: tenant.into(), queue_id: queue_id.into(), expires, nonce: hex::encode(nonce) }
    }

    fn body(&self) -> String {
        format!("{}.{}.{}.{}", self.tenant, self.queue_id, self.expires, self.nonce)
    }

    /// The link text, signed with `key`.
    pub fn sign(&self, key: &LinkKey) -> String {
        let body = self.body();
        let mac = hex::encode(key.mac(&body).finalize().into_bytes());
        format!("{body}.{mac}")
    }

    /// Reads a link's parts without checking its signature (to find the tenant whose
    /// key checks it).
    pub fn parse(text: &str) -> Result<(ReleaseLink, Vec<u8>), LinkError> {
        // The tenant id has no dot; a queue id may (`<id>.<copy>`): it is what lies
        // between the tenant and the last three parts.
        let text = text.trim();
        let Some((tenant, rest)) = text.split_once('.') else { return Err(LinkError::Malformed) };
        let mut tail = rest.rsplitn(4, '.');
        let (Some(mac), Some(nonce), Some(expires), Some(queue_id)) =
            (tail.next(), tail.next(), tail.next(), tail.next())
        else {
            return Err(LinkError::Malformed);
        };
        let id_like = |s: &str, max: usize, dot: bool| {
            !s.is_empty()
                && s.len() <= max
                && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || (dot && b == b'.'))
        };
        let hex_of = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
        if !id_like(tenant, 64, false) || !id_like(queue_id, 128, true) || !hex_of(nonce, 32) || !hex_of(mac, 64) {
            return Err(LinkError::Malformed);
        }
        let expires = expires.parse().map_err(|_| LinkError::Malformed)?;
        let mac = hex::decode(mac).map_err(|_| LinkError::Malformed)?;
        let link = ReleaseLink { tenant: tenant.into(), queue_id: queue_id.into(), expires, nonce: nonce.into() };
        Ok((link, mac))
    }

    /// Checks `text` against `key` and the clock (`now`, Unix seconds).
    pub fn verify(text: &str, key: &LinkKey, now: u64) -> Result<ReleaseLink, LinkError> {
        let (link, mac) = ReleaseLink::parse(text)?;
        key.mac(&link.body()).verify_slice(&mac).map_err(|_| LinkError::BadSignature)?;
        if now > link.expires {
            return Err(LinkError::Expired);
        }
        Ok(link)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_verifies_until_it_expires_and_not_once_altered() {
        let key = LinkKey::derive(&[7; 32]);
        let link = ReleaseLink::new("acme", "661003F7B18DE-0000-4B9D.1", 1_000);
        let text = link.sign(&key);
        assert_eq!(ReleaseLink::verify(&text, &key, 999), Ok(link.clone()));
        assert_eq!(ReleaseLink::verify(&text, &key, 1_000), Ok(link));
        assert_eq!(ReleaseLink::verify(&text, &key, 1_001), Err(LinkError::Expired));
        let other = LinkKey::derive(&[8; 32]);
        assert_eq!(ReleaseLink::verify(&text, &other, 0), Err(LinkError::BadSignature));
        for (from, to) in [("acme.", "beta."), (".1000.", ".9000."), ("-0000-", "-0001-")] {
            let altered = text.replacen(from, to, 1);
            assert_eq!(ReleaseLink::verify(&altered, &key, 0), Err(LinkError::BadSignature), "{altered}");
        }
        for bad in ["", "acme", "a.b.c.d.e", &text.replace('.', "/"), &format!("{text}.x"), &format!("x_{text}")] {
            assert_eq!(ReleaseLink::verify(bad, &key, 0), Err(LinkError::Malformed), "{bad}");
        }
    }

    #[test]
    fn every_link_has_its_own_nonce() {
        let (a, b) = (ReleaseLink::new("acme", "q", 1), ReleaseLink::new("acme", "q", 1));
        assert_ne!(a.nonce, b.nonce);
    }
}
