//! The AEAD under the sealed format (AES-256-GCM), or, in the benchmarks' plaintext build only
//! (`--cfg xindang_plain_bench`, docs/benchmarks.md), its absence: the same format with the
//! plaintext left in clear and a tag that checks only the key and the binding, marked by another
//! first byte so neither build opens the other's values. Nothing but `cargo xtask bench` sets that cfg, into its own target
//! folder; the command line and the app refuse to compile under it.

#[cfg(not(xindang_plain_bench))]
pub use sealed::{AeadKey, VERSION};

#[cfg(xindang_plain_bench)]
pub use plain::{AeadKey, VERSION};

/// Bytes of a nonce.
pub const NONCE_LEN: usize = ring::aead::NONCE_LEN;
/// Bytes of a tag.
pub const TAG_LEN: usize = 16;

/// A fresh nonce: random (96 bits, so never reused in practice) when sealing; zeros in the
/// plaintext build, which has nothing to protect.
pub fn nonce() -> [u8; NONCE_LEN] {
    if cfg!(xindang_plain_bench) {
        [0u8; NONCE_LEN]
    } else {
        super::random::<NONCE_LEN>()
    }
}

#[cfg(not(xindang_plain_bench))]
mod sealed {
    use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};

    use super::{NONCE_LEN, TAG_LEN};

    /// The first byte of a sealed value.
    pub const VERSION: u8 = 1;

    /// An AES-256-GCM key with its schedule computed.
    pub struct AeadKey(LessSafeKey);

    impl AeadKey {
        pub fn new(key: &[u8; 32]) -> AeadKey {
            // A 32-byte key is always a valid AES-256 key.
            match UnboundKey::new(&AES_256_GCM, key) {
                Ok(k) => AeadKey(LessSafeKey::new(k)),
                Err(_) => unreachable!("AES-256 key length is 32"),
            }
        }

        /// Encrypts `buf` where it lies; returns the tag.
        pub fn seal_in_place(
            &self,
            nonce: [u8; NONCE_LEN],
            aad: &[u8],
            buf: &mut [u8],
        ) -> [u8; TAG_LEN] {
            match self.0.seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad),
                buf,
            ) {
                Ok(tag) => {
                    let mut out = [0u8; TAG_LEN];
                    out.copy_from_slice(tag.as_ref());
                    out
                }
                Err(_) => unreachable!("sealing fails only for inputs over 64 GiB"),
            }
        }

        /// Decrypts `buf` (ciphertext ‖ tag) where it lies; the plaintext's length, or `None`
        /// when the value, its binding or the key is not the one sealed.
        pub fn open_in_place(
            &self,
            nonce: [u8; NONCE_LEN],
            aad: &[u8],
            buf: &mut [u8],
        ) -> Option<usize> {
            self.0
                .open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(aad), buf)
                .ok()
                .map(|p| p.len())
        }
    }
}

#[cfg(xindang_plain_bench)]
mod plain {
    use std::hash::{Hash, Hasher};

    use super::{NONCE_LEN, TAG_LEN};

    /// The first byte of a value "sealed" by the plaintext benchmark build: a normal build
    /// refuses it as tampered, and this build refuses a normal build's values.
    pub const VERSION: u8 = 0xb0;

    /// The key, kept only to check it: the plaintext build copies bytes.
    pub struct AeadKey(zeroize::Zeroizing<[u8; 32]>);

    impl AeadKey {
        pub fn new(key: &[u8; 32]) -> AeadKey {
            AeadKey(zeroize::Zeroizing::new(*key))
        }

        /// The tag of the plaintext build: a plain (not cryptographic) hash of the key and the
        /// binding, not of the value, so a value read under another key or binding is still
        /// refused as the core expects (a passphrase is checked that way, and the index
        /// snapshot finds its last chunk that way), for the cost of hashing about 100 bytes.
        fn tag(&self, aad: &[u8]) -> [u8; TAG_LEN] {
            let mut tag = [0u8; TAG_LEN];
            for (half, seed) in tag.chunks_exact_mut(8).zip([0u8, 1]) {
                let mut h = std::hash::DefaultHasher::new();
                (seed, &self.0[..], aad).hash(&mut h);
                half.copy_from_slice(&h.finish().to_le_bytes());
            }
            tag
        }

        pub fn seal_in_place(
            &self,
            _nonce: [u8; NONCE_LEN],
            aad: &[u8],
            _buf: &mut [u8],
        ) -> [u8; TAG_LEN] {
            self.tag(aad)
        }

        pub fn open_in_place(
            &self,
            _nonce: [u8; NONCE_LEN],
            aad: &[u8],
            buf: &mut [u8],
        ) -> Option<usize> {
            let len = buf.len().checked_sub(TAG_LEN)?;
            (buf[len..] == self.tag(aad)).then_some(len)
        }
    }
}
