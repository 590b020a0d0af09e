//! Authenticated encryption of files at rest: XChaCha20-Poly1305 with a random 192-bit
//! nonce per file, and associated data binding each file to its identity.

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};

/// Bytes of nonce in front of every sealed blob.
pub const NONCE_LEN: usize = 24;

/// Why a sealed blob would not open.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    /// Wrong key, or the bytes or the associated data changed.
    #[error("authentication failed (wrong key, or the data was changed or cut short)")]
    Authentication,
}

/// Seals and opens with one 256-bit key.
pub struct Sealer(XChaCha20Poly1305);

impl Sealer {
    /// A sealer for `key`.
    pub fn new(key: &[u8; 32]) -> Self {
        Sealer(XChaCha20Poly1305::new(&(*key).into()))
    }

    /// `nonce || ciphertext || tag`.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).expect("the OS random source");
        let ct = self.0.encrypt(&XNonce::from(nonce), Payload { msg: plaintext, aad }).expect("encryption cannot fail");
        let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    /// The plaintext, if `sealed` is intact and was sealed with this key and `aad`.
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        let (nonce, ct) = sealed.split_at_checked(NONCE_LEN).ok_or(SealError::Authentication)?;
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| SealError::Authentication)?;
        self.0.decrypt(&XNonce::from(nonce), Payload { msg: ct, aad }).map_err(|_| SealError::Authentication)
    }
}

/// 32 random bytes.
pub fn random_key() -> [u8; 32] {
    let mut k = [0u8; 32];
    getrandom::fill(&mut k).expect("the OS random source");
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_every_kind_of_tampering() {
        let s = Sealer::new(&[1; 32]);
        let sealed = s.seal(b"id", b"secret message");
        assert_eq!(s.open(b"id", &sealed).unwrap(), b"secret message");
        assert!(!sealed.windows(6).any(|w| w == b"secret"), "no plaintext in the sealed bytes");
        let mut flipped = sealed.clone();
        flipped[30] ^= 1;
        let cases: [(&[u8], &[u8]); 4] =
            [(b"other", &sealed), (b"id", &flipped), (b"id", &sealed[..sealed.len() - 1]), (b"id", &sealed[..10])];
        for (aad, bytes) in cases {
            assert_eq!(s.open(aad, bytes), Err(SealError::Authentication));
        }
        assert_eq!(Sealer::new(&[2; 32]).open(b"id", &sealed), Err(SealError::Authentication));
    }
}
