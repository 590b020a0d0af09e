//! `[[audit.witness]]`: the witnesses the relay sends its audit checkpoints to, each an
//! HTTP address and the witness's C2SP verifier key. Both are decided as the file is
//! deserialised: a key that is not a cosignature key, or whose key id does not match
//! its name and key, is refused under its own key (`audit.witness[0].key`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::VerifyingKey;
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The signature types a verifier key may name (a closed set: the two mxr uses).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// `0x01`: Ed25519 note signatures (a log's checkpoints).
    Ed25519,
    /// `0x04`: timestamped Ed25519 cosignatures (a witness's).
    Cosignature,
}

/// Why a verifier key is refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum VkeyError {
    /// Not `<name>+<8 hex digits>+<base64>`.
    #[error("{0:?} is not <name>+<key id in hex>+<base64 key>")]
    Shape(String),
    /// An empty name, or one with spaces.
    #[error("key name {0:?} is empty or holds a space")]
    Name(String),
    /// A type byte other than 0x01 and 0x04, or not 32 key bytes after it.
    #[error("the key is not an Ed25519 (0x01) or cosignature (0x04) key of 32 bytes")]
    Material,
    /// Not a valid Ed25519 point.
    #[error("the key is not a valid Ed25519 public key")]
    Point,
    /// The key id does not follow from the name and key.
    #[error("key id {0} does not match the name and key")]
    KeyId(String),
    /// A key of the other kind than its place asks for.
    #[error("a {0} key is needed here")]
    WrongKind(&'static str),
}

/// A C2SP verifier key, `<name>+<hex key id>+<base64(type || key)>`, checked whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierKey {
    /// The key name.
    pub name: String,
    /// What it verifies.
    pub kind: KeyKind,
    /// The Ed25519 public key.
    pub public: VerifyingKey,
}

impl std::str::FromStr for VerifierKey {
    type Err = VkeyError;
    fn from_str(s: &str) -> Result<Self, VkeyError> {
        let shape = || VkeyError::Shape(s.to_owned());
        let mut parts = s.splitn(3, '+');
        let (Some(name), Some(id), Some(material)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(shape());
        };
        if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(VkeyError::Name(name.to_owned()));
        }
        if id.len() != 8 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(shape());
        }
        let material = B64.decode(material).map_err(|_| shape())?;
        let (kind, key) = match material.split_first() {
            Some((0x01, key)) => (KeyKind::Ed25519, key),
            Some((0x04, key)) => (KeyKind::Cosignature, key),
            _ => return Err(VkeyError::Material),
        };
        let key: [u8; 32] = key.try_into().map_err(|_| VkeyError::Material)?;
        let public = VerifyingKey::from_bytes(&key).map_err(|_| VkeyError::Point)?;
        let mut h = Sha256::new();
        h.update(name.as_bytes());
        h.update([b'\n', material[0]]);
        h.update(key);
        if hex_id(&h.finalize()[..4]) != id.to_ascii_lowercase() {
            return Err(VkeyError::KeyId(id.to_owned()));
        }
        Ok(VerifierKey { name: name.to_owned(), kind, public })
    }
}

fn hex_id(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl VerifierKey {
    /// This key if it is of `kind`.
    pub fn of_kind(self, kind: KeyKind) -> Result<Self, VkeyError> {
        match (self.kind == kind, kind) {
            (true, _) => Ok(self),
            (false, KeyKind::Ed25519) => Err(VkeyError::WrongKind("log (Ed25519, type 0x01)")),
            (false, KeyKind::Cosignature) => Err(VkeyError::WrongKind("witness cosignature (type 0x04)")),
        }
    }
}

/// A witness's cosignature key, as `[[audit.witness]].key` holds it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct WitnessKey(pub VerifierKey);

impl TryFrom<String> for WitnessKey {
    type Error = VkeyError;
    fn try_from(s: String) -> Result<Self, VkeyError> {
        Ok(WitnessKey(s.parse::<VerifierKey>()?.of_kind(KeyKind::Cosignature)?))
    }
}

/// A witness's address: `http://host:port` and an optional path prefix. Plain HTTP:
/// what travels is checkpoints (sizes and hashes) and signatures, which hold no
/// personal data and are checked on arrival.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct WitnessUrl(String);

/// Why a witness address is refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not http://host:port[/prefix] (https is not supported: put a proxy in front)")]
pub struct UrlError(String);

impl TryFrom<String> for WitnessUrl {
    type Error = UrlError;
    fn try_from(s: String) -> Result<Self, UrlError> {
        let rest = s.strip_prefix("http://").ok_or_else(|| UrlError(s.clone()))?;
        let authority = rest.split('/').next().unwrap_or_default();
        let port_ok = authority.rsplit_once(':').is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok());
        let clean = s.bytes().all(|b| b.is_ascii_graphic()) && !s.contains(['?', '#']);
        if !port_ok || !clean {
            return Err(UrlError(s));
        }
        Ok(WitnessUrl(s.trim_end_matches('/').to_owned()))
    }
}

impl WitnessUrl {
    /// The `add-checkpoint` endpoint under this prefix.
    pub fn add_checkpoint(&self) -> String {
        format!("{}/add-checkpoint", self.0)
    }

    /// The address as given (without a trailing slash).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `[[audit.witness]]` as written and as validated.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessConfig {
    /// The witness's submission prefix.
    pub url: WitnessUrl,
    /// The witness's cosignature verifier key.
    pub key: WitnessKey,
}

/// `[audit]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditFile {
    /// The witnesses, in the order they are asked.
    #[serde(default)]
    pub witness: Vec<WitnessConfig>,
}

/// Refuses two witnesses with one key name: their cosignatures could not be told apart.
pub fn check_witnesses(audit: &AuditFile) -> Result<(), crate::ConfigError> {
    for (i, w) in audit.witness.iter().enumerate() {
        if audit.witness[..i].iter().any(|o| o.key.0.name == w.key.0.name) {
            return Err(crate::ConfigError::Invalid {
                key: format!("audit.witness[{i}].key"),
                problem: format!("a second witness named {:?}", w.key.0.name),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Go note package's example verifier key (type 0x01).
    const PETER: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

    #[test]
    fn verifier_keys_are_checked_whole() {
        let k: VerifierKey = PETER.parse().unwrap();
        assert_eq!((k.name.as_str(), k.kind), ("PeterNeumann", KeyKind::Ed25519));
        let cases = [
            ("PeterNeumann", VkeyError::Shape("PeterNeumann".into())),
            ("PeterNeumann+c74f20a3", VkeyError::Shape("PeterNeumann+c74f20a3".into())),
            (" +c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", VkeyError::Name(" ".into())),
            ("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", VkeyError::KeyId("c74f20a4".into())),
            ("PeterNeumann+c74f20a3+AhpcC2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", VkeyError::Shape(String::new())),
            ("PeterNeumann+c74f20a3+AhpcC2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T", VkeyError::Material),
        ];
        for (text, want) in cases {
            let got = text.parse::<VerifierKey>().unwrap_err();
            match want {
                VkeyError::Shape(s) if s.is_empty() => assert!(matches!(got, VkeyError::Shape(_)), "{text}: {got}"),
                want => assert_eq!(got, want, "{text}"),
            }
        }
        assert_eq!(
            WitnessKey::try_from(PETER.to_owned()),
            Err(VkeyError::WrongKind("witness cosignature (type 0x04)"))
        );
    }

    #[test]
    fn witness_urls_are_plain_http_with_a_port() {
        for good in ["http://127.0.0.1:7380", "http://w.example:80/prefix/"] {
            assert!(WitnessUrl::try_from(good.to_owned()).is_ok(), "{good}");
        }
        for bad in ["https://w.example:443", "http://w.example", "http://:80", "http://w:80/a b", "http://w:80/?x"] {
            assert!(WitnessUrl::try_from(bad.to_owned()).is_err(), "{bad}");
        }
        let u = WitnessUrl::try_from("http://w.example:80/prefix/".to_owned()).unwrap();
        assert_eq!(u.add_checkpoint(), "http://w.example:80/prefix/add-checkpoint");
    }
}
