//! Pseudonyms: HMAC-SHA256 keyed per tenant and purpose, over a normalised value.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::net::IpAddr;

type HmacSha256 = Hmac<Sha256>;

/// Makes pseudonyms for one tenant and purpose. Stable within them, unlinkable across.
#[derive(Clone)]
pub struct Pseudonymizer {
    /// HMAC-SHA256 already keyed with the purpose key: cloning it per token skips the
    /// key schedule (two of the four compressions of a short token).
    keyed: HmacSha256,
}

impl std::fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymizer(<key>)")
    }
}

impl Pseudonymizer {
    /// Derives the purpose key from a tenant's secret key.
    pub fn derive(tenant_key: &[u8; 32], purpose: &str) -> Self {
        let mut mac = HmacSha256::new_from_slice(tenant_key).expect("any key length");
        mac.update(b"mxr/pseudonym/v1\0");
        mac.update(purpose.as_bytes());
        let key: [u8; 32] = mac.finalize().into_bytes().into();
        Pseudonymizer { keyed: HmacSha256::new_from_slice(&key).expect("any key length") }
    }

    /// A token for a value already normalised: `p.` and 20 hex digits (80 bits).
    pub fn token(&self, kind: &str, normalised: &str) -> String {
        let mut mac = self.keyed.clone();
        mac.update(kind.as_bytes());
        mac.update(b"\0");
        mac.update(normalised.as_bytes());
        let digest = mac.finalize().into_bytes();
        // Written in place: one allocation of exactly the token's 22 bytes (a text
        // view makes one for every distinct token outside the vocabulary).
        let mut token = *b"p.00000000000000000000";
        hex::encode_to_slice(&digest[..10], &mut token[2..]).expect("twenty hex digits for ten bytes");
        String::from_utf8(token.to_vec()).expect("ASCII")
    }

    /// An address's pseudonym: the local part hashed, the domain kept
    /// (`p.3f…@example.com`), so filters can judge domains but not identify people.
    pub fn address(&self, address: &str) -> String {
        let normal = address.trim().to_lowercase();
        let token = self.token("email", &normal);
        match domain_of(&normal) {
            Some(d) => format!("{token}@{d}"),
            None => token,
        }
    }

    /// A phone number's pseudonym, over its digits (with a leading `+` kept).
    pub fn phone(&self, phone: &str) -> String {
        self.token("phone", &normalise_phone(phone))
    }
}

/// One tenant's pseudonym keys, from the tenant's pseudonym root (which the key
/// store keeps): a key per purpose, and the audit key, derived once.
#[derive(Clone, Debug)]
pub struct TenantPseudonyms {
    root: [u8; 32],
    audit: Pseudonymizer,
    index: Pseudonymizer,
}

impl TenantPseudonyms {
    /// The keys derived from `root`.
    pub fn new(root: &[u8; 32]) -> Self {
        TenantPseudonyms {
            root: *root,
            audit: Pseudonymizer::derive(root, "\0audit"),
            index: Pseudonymizer::derive(root, "\0index"),
        }
    }

    /// The pseudonymizer for one of the tenant's purposes.
    pub fn purpose(&self, purpose: &str) -> Pseudonymizer {
        Pseudonymizer::derive(&self.root, purpose)
    }

    /// A data subject's pseudonym in the audit log, under the tenant's audit key: the
    /// whole normalised address hashed, domain included (a domain can name a person).
    /// The key is separate from every purpose's (purpose names cannot hold a NUL), so
    /// no plugin's pseudonyms join with the audit log.
    pub fn audit_subject(&self, address: &str) -> String {
        self.audit.token("email", &address.trim().to_lowercase())
    }

    /// An address's token in the subject index of stored mail, under a key of its own
    /// (so index and audit log join only for whoever holds the tenant key), over the
    /// whole normalised address.
    pub fn index_subject(&self, address: &str) -> String {
        self.index.token("email", &address.trim().trim_matches(['<', '>']).to_lowercase())
    }
}

/// The domain of an address, lower-cased, when it ends in a known top-level domain
/// ([`is_tld`](crate::vocabulary::is_tld)): what follows an `@` otherwise may be text
/// glued onto an address (`x@home.nl5211ablodewijks`), which no form shows.
pub fn domain_of(address: &str) -> Option<String> {
    let domain = address.rsplit_once('@').map(|(_, d)| d.trim_end_matches('>').to_lowercase())?;
    let tld = domain.rsplit('.').next().unwrap_or_default();
    crate::vocabulary::is_tld(tld).then_some(domain)
}

/// The network of an IP: the /24 of IPv4, the /48 of IPv6.
pub fn network_of(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.0/24", o[0], o[1], o[2])
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
        }
    }
}

/// Digits of a phone number, Dutch national numbers as E.164 (`06…` → `+316…`).
pub fn normalise_phone(phone: &str) -> String {
    let digits: String = phone.chars().filter(|c| c.is_ascii_digit()).collect();
    let trimmed = phone.trim_start();
    if trimmed.starts_with('+') {
        format!("+{digits}")
    } else if let Some(rest) = digits.strip_prefix("00") {
        format!("+{rest}")
    } else if let Some(rest) = digits.strip_prefix('0') {
        format!("+31{rest}")
    } else {
        digits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_stable_per_purpose_and_differ_across() {
        let key = [7u8; 32];
        let a = Pseudonymizer::derive(&key, "spam-filtering");
        let b = Pseudonymizer::derive(&key, "statistics");
        assert_eq!(a.address("Alice@Example.com"), a.address("alice@example.com"));
        assert_ne!(a.address("alice@example.com"), b.address("alice@example.com"));
        assert!(a.address("alice@example.com").ends_with("@example.com"));
        assert!(!a.address("alice@example.com").contains("alice"));
    }

    /// Pseudonyms are stored (the subject index, the audit log): their form never
    /// changes. Each is `p.` and the hex of the HMAC's first ten bytes.
    #[test]
    fn a_token_is_p_dot_and_the_hex_of_ten_bytes_of_the_hmac() {
        let key = [7u8; 32];
        let p = Pseudonymizer::derive(&key, "spam-filtering");
        for (kind, value) in [("word", ""), ("word", "jansen"), ("number", "0612345678"), ("email", "é@x.nl")] {
            let mut mac = p.keyed.clone();
            mac.update(kind.as_bytes());
            mac.update(b"\0");
            mac.update(value.as_bytes());
            let digest = mac.finalize().into_bytes();
            let want = format!("p.{}", hex::encode(&digest[..10]));
            assert_eq!(p.token(kind, value), want, "{kind} {value}");
        }
        // One value pinned (Python's hmac module gives the same), so that the key
        // derivation cannot drift either.
        assert_eq!(p.token("word", "jansen"), "p.c32af4a328381f801a2d");
    }

    #[test]
    fn phones_normalise_to_e164() {
        assert_eq!(normalise_phone("06-12345678"), "+31612345678");
        assert_eq!(normalise_phone("+31 6 1234 5678"), "+31612345678");
        assert_eq!(normalise_phone("0031 6 12345678"), "+31612345678");
        let p = Pseudonymizer::derive(&[1; 32], "x");
        assert_eq!(p.phone("06 12345678"), p.phone("+31612345678"));
    }

    #[test]
    fn networks() {
        assert_eq!(network_of("192.0.2.77".parse().unwrap()), "192.0.2.0/24");
        assert_eq!(network_of("2001:db8:aa:1::5".parse().unwrap()), "2001:db8:aa::/48");
    }
}
