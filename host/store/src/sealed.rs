//! Authenticated encryption of files at rest: XChaCha20-Poly1305 with a random 192-bit
//! nonce per file, and associated data binding each file to its identity.

use chacha20poly1305::aead::{Aead, AeadInOut, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};

/// Bytes of nonce in front of every sealed blob.
pub const NONCE_LEN: usize = 24;
/// Bytes of authentication tag behind every sealed blob.
pub const TAG_LEN: usize = 16;

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

impl Sealer {
    /// Seals the end of `buf` where it lies, with no second copy: `buf[from..]` holds
    /// [`NONCE_LEN`] bytes of room and then the plaintext, and becomes
    /// `nonce || ciphertext || tag` (what [`Sealer::seal`] gives for that plaintext).
    /// Whatever is before `from` is left alone.
    pub fn seal_in_place(&self, aad: &[u8], buf: &mut Vec<u8>, from: usize) {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).expect("the OS random source");
        let (room, plain) = buf[from..].split_at_mut(NONCE_LEN);
        room.copy_from_slice(&nonce);
        let tag =
            self.0.encrypt_inout_detached(&XNonce::from(nonce), aad, plain.into()).expect("encryption cannot fail");
        buf.extend_from_slice(&tag);
    }

    /// Opens `sealed` where it lies, with no second copy: the plaintext is the slice
    /// returned, inside `sealed`, if it is intact and was sealed with this key and `aad`.
    /// On failure the bytes may be left half decrypted.
    pub fn open_in_place<'b>(&self, aad: &[u8], sealed: &'b mut [u8]) -> Result<&'b [u8], SealError> {
        let end = sealed.len().checked_sub(TAG_LEN).filter(|&e| e >= NONCE_LEN).ok_or(SealError::Authentication)?;
        let (head, tag) = sealed.split_at_mut(end);
        let (nonce, ct) = head.split_at_mut(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = (&*nonce).try_into().map_err(|_| SealError::Authentication)?;
        let tag = (&*tag).try_into().map_err(|_| SealError::Authentication)?;
        self.0
            .decrypt_inout_detached(&XNonce::from(nonce), aad, (&mut *ct).into(), tag)
            .map_err(|_| SealError::Authentication)?;
        Ok(&sealed[NONCE_LEN..end])
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

    #[test]
    fn in_place_sealing_is_the_same_format_both_ways_and_refuses_what_open_refuses() {
        let s = Sealer::new(&[1; 32]);
        let mut buf = b"head".to_vec();
        buf.extend_from_slice(&[0; NONCE_LEN]);
        buf.extend_from_slice(b"secret message");
        s.seal_in_place(b"id", &mut buf, 4);
        assert_eq!(&buf[..4], b"head", "what is before `from` stays");
        assert_eq!(s.open(b"id", &buf[4..]).unwrap(), b"secret message", "opens as a sealed blob");
        let mut copy = buf[4..].to_vec();
        assert_eq!(s.open_in_place(b"id", &mut copy).unwrap(), b"secret message");
        let mut sealed = s.seal(b"id", b"secret message");
        assert_eq!(s.open_in_place(b"id", &mut sealed.clone()).unwrap(), b"secret message", "opens seal's blobs");
        sealed[30] ^= 1;
        for (aad, mut bytes) in [(&b"id"[..], sealed.clone()), (b"other", buf[4..].to_vec()), (b"id", vec![0; 39])] {
            assert_eq!(s.open_in_place(aad, &mut bytes), Err(SealError::Authentication));
        }
        let mut empty = Vec::from([0; NONCE_LEN]);
        s.seal_in_place(b"", &mut empty, 0);
        assert_eq!(s.open_in_place(b"", &mut empty).unwrap(), b"", "an empty plaintext");
    }
}
