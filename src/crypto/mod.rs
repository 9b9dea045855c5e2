//! Sealing and keys, all with ring except the memory-hard key derivation (`kdf`).
//!
//! A sealed value is `0x01 ‖ nonce(12) ‖ AES-256-GCM(padded plaintext) ‖ tag(16)`; its AAD binds the
//! archive, table, row, student and version, so a value moved to another row fails to open.

mod aead;
pub mod kdf;

use ring::rand::{SecureRandom, SystemRandom};
use ring::{hkdf, hmac};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use aead::{AeadKey, NONCE_LEN, TAG_LEN, VERSION as SEAL_VERSION};

/// A 256-bit key, wiped from memory when dropped.
pub type Key = Zeroizing<[u8; 32]>;

/// Whether this build seals at all. False only in the benchmarks' plaintext build (`--cfg
/// xindang_plain_bench`, set by `cargo xtask bench` alone, in its own target folder): there
/// sealing copies bytes and the key derivation is one HMAC, so the benchmark measures the core's
/// own code with and without its cryptography (docs/benchmarks.md). The values such a build
/// writes carry another first byte: each build refuses the other's archives.
pub const SEALS: bool = !cfg!(xindang_plain_bench);

/// Fills an array from the system's secure random source.
pub fn random<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    // The system RNG fails only if the OS has none, which no supported platform lacks.
    if SystemRandom::new().fill(&mut out).is_err() {
        panic!("the operating system's random number generator failed");
    }
    out
}

/// A fresh random key.
pub fn random_key() -> Key {
    Zeroizing::new(random::<32>())
}

/// A random positive row id: ids reveal neither order nor count.
pub fn random_id() -> i64 {
    (u64::from_le_bytes(random::<8>()) >> 1) as i64 | 1
}

/// What a sealed value is bound to.
#[derive(Debug, Clone, Copy)]
pub struct Binding<'a> {
    /// The archive's random id.
    pub archive: &'a [u8; 16],
    /// The table (or other namespace) of the value.
    pub table: &'a str,
    /// The row id.
    pub row: i64,
    /// The student row id, 0 when none.
    pub student: i64,
    /// The version of the row.
    pub version: i64,
}

impl Binding<'_> {
    fn bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(64);
        v.extend_from_slice(b"xindang/1\0");
        v.extend_from_slice(self.archive);
        v.extend_from_slice(&(self.table.len() as u32).to_be_bytes());
        v.extend_from_slice(self.table.as_bytes());
        v.extend_from_slice(&self.row.to_be_bytes());
        v.extend_from_slice(&self.student.to_be_bytes());
        v.extend_from_slice(&self.version.to_be_bytes());
        v
    }
}

/// The padded size for a plaintext of `len` bytes: powers of two from 64 bytes to 16 KiB, then
/// multiples of 16 KiB, so lengths of names and notes leak only coarsely.
fn padded_len(len: usize) -> usize {
    let need = len + 1;
    if need <= 16 * 1024 {
        need.next_power_of_two().max(64)
    } else {
        need.div_ceil(16 * 1024) * 16 * 1024
    }
}

/// A key made ready for sealing and opening many values: the AES key schedule and the GHASH
/// table are computed once instead of per value (an import seals every change's operation
/// under the same change-log key).
pub struct SealKey(AeadKey);

impl SealKey {
    /// Prepares `key`.
    pub fn new(key: &[u8; 32]) -> SealKey {
        SealKey(AeadKey::new(key))
    }

    /// As [`seal`].
    pub fn seal(&self, binding: &Binding<'_>, plaintext: &[u8]) -> Vec<u8> {
        let padded = padded_len(plaintext.len());
        let mut out = Vec::with_capacity(1 + NONCE_LEN + padded + TAG_LEN);
        out.push(SEAL_VERSION);
        let nonce = aead::nonce();
        out.extend_from_slice(&nonce);
        let start = out.len();
        out.extend_from_slice(plaintext);
        // ISO/IEC 7816-4 padding: 0x80 then zeros.
        out.push(0x80);
        out.resize(start + padded, 0);
        let aad = binding.bytes();
        // Sealed where it lies, the tag appended: no second buffer.
        let tag = self.0.seal_in_place(nonce, &aad, &mut out[start..]);
        out.extend_from_slice(&tag);
        out
    }

    /// As [`open`].
    pub fn open(
        &self,
        binding: &Binding<'_>,
        sealed: &[u8],
        what: &'static str,
    ) -> Result<Zeroizing<Vec<u8>>> {
        if sealed.len() < 1 + NONCE_LEN + TAG_LEN || sealed[0] != SEAL_VERSION {
            return Err(Error::Tamper(what));
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&sealed[1..1 + NONCE_LEN]);
        let mut buf = Zeroizing::new(sealed[1 + NONCE_LEN..].to_vec());
        let aad = binding.bytes();
        let len = self
            .0
            .open_in_place(nonce, &aad, &mut buf)
            .ok_or(Error::Tamper(what))?;
        buf.truncate(len);
        // Strip the padding.
        let end = buf
            .iter()
            .rposition(|&b| b != 0)
            .ok_or(Error::Tamper(what))?;
        if buf[end] != 0x80 {
            return Err(Error::Tamper(what));
        }
        buf.truncate(end);
        Ok(buf)
    }
}

/// Seals `plaintext` under `key`, bound to `binding`.
pub fn seal(key: &[u8; 32], binding: &Binding<'_>, plaintext: &[u8]) -> Vec<u8> {
    SealKey::new(key).seal(binding, plaintext)
}

/// Opens a sealed value; any change to it, its binding or its key is reported as tampering.
pub fn open(
    key: &[u8; 32],
    binding: &Binding<'_>,
    sealed: &[u8],
    what: &'static str,
) -> Result<Zeroizing<Vec<u8>>> {
    SealKey::new(key).open(binding, sealed, what)
}

/// Opens a sealed value and appends its plaintext to `out`, without a buffer of its own: for
/// bulk reads (the index rebuild) that collect many values in one wiped buffer. `out` is never
/// grown in place (that would leave an unwiped copy of what it holds): when it lacks room it is
/// replaced by a larger buffer and the old one wiped. On failure `out` is as it was.
pub fn open_append(
    key: &[u8; 32],
    binding: &Binding<'_>,
    sealed: &[u8],
    what: &'static str,
    out: &mut Zeroizing<Vec<u8>>,
) -> Result<()> {
    if sealed.len() < 1 + NONCE_LEN + TAG_LEN || sealed[0] != SEAL_VERSION {
        return Err(Error::Tamper(what));
    }
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(&sealed[1..1 + NONCE_LEN]);
    let body = &sealed[1 + NONCE_LEN..];
    let start = out.len();
    if start + body.len() > out.capacity() {
        let mut bigger = Zeroizing::new(Vec::with_capacity(
            (start + body.len()).max(2 * out.capacity()),
        ));
        bigger.extend_from_slice(out);
        *out = bigger;
    }
    out.extend_from_slice(body);
    let aad = binding.bytes();
    let opened = AeadKey::new(key).open_in_place(nonce, &aad, &mut out[start..]);
    // Strip the padding: 0x80 then zeros.
    let end = opened.and_then(|len| {
        let plain = &out[start..start + len];
        let end = plain.iter().rposition(|&b| b != 0)?;
        (plain[end] == 0x80).then_some(start + end)
    });
    match end {
        Some(end) => {
            out.truncate(end);
            Ok(())
        }
        None => {
            // Whatever was decrypted is wiped with the rest of the buffer's spare room later;
            // overwrite it now as well.
            out[start..].iter_mut().for_each(|b| *b = 0);
            out.truncate(start);
            Err(Error::Tamper(what))
        }
    }
}

struct Len32;
impl hkdf::KeyType for Len32 {
    fn len(&self) -> usize {
        32
    }
}

/// Derives a named subkey of `master` (HKDF-SHA256, salted with the archive id).
pub fn subkey(master: &[u8; 32], archive: &[u8; 16], label: &str) -> Key {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, archive).extract(master);
    let info = [label.as_bytes()];
    let mut out = Zeroizing::new([0u8; 32]);
    let okm = prk
        .expand(&info, Len32)
        .and_then(|okm| okm.fill(&mut out[..]));
    if okm.is_err() {
        unreachable!("HKDF output of 32 bytes is always valid");
    }
    out
}

/// HMAC-SHA256.
pub fn mac(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    let k = hmac::Key::new(hmac::HMAC_SHA256, key);
    let mut ctx = hmac::Context::with_key(&k);
    for p in parts {
        ctx.update(&(p.len() as u64).to_be_bytes());
        ctx.update(p);
    }
    let tag = ctx.sign();
    let mut out = [0u8; 32];
    out.copy_from_slice(tag.as_ref());
    out
}

/// Constant-time comparison of two MACs.
pub fn mac_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A blind index: an HMAC of a normalised value, for exact lookups without storing the value.
pub fn blind_index(index_key: &[u8; 32], domain: &str, normalised: &str) -> [u8; 16] {
    let full = mac(index_key, &[domain.as_bytes(), normalised.as_bytes()]);
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    out
}

/// SHA-256.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_append_gives_what_open_gives_and_leaves_the_buffer_on_failure() {
        let (archive, key) = ([3u8; 16], random_key());
        let mut out = Zeroizing::new(Vec::with_capacity(8));
        out.extend_from_slice(b"head");
        for (row, text) in [
            (1, &b"short"[..]),
            (2, &[0x80u8, 0, 0x80, 0][..]),
            (3, &[][..]),
        ] {
            let sealed = seal(&key, &b(&archive, row), text);
            let before = out.len();
            open_append(&key, &b(&archive, row), &sealed, "x", &mut out).unwrap();
            assert_eq!(&out[before..], text);
            assert_eq!(&*open(&key, &b(&archive, row), &sealed, "x").unwrap(), text);
        }
        let kept = out.to_vec();
        let sealed = seal(&key, &b(&archive, 4), b"secret");
        // Another row's binding, a flipped byte, a cut value: refused, buffer unchanged.
        let mut flipped = sealed.clone();
        flipped[20] ^= 1;
        for bad in [&sealed[..], &flipped[..], &sealed[..sealed.len() - 1]] {
            let row = if bad.len() == sealed.len() && bad == &sealed[..] {
                5
            } else {
                4
            };
            assert!(open_append(&key, &b(&archive, row), bad, "x", &mut out).is_err());
            assert_eq!(&out[..], &kept[..]);
        }
    }

    fn b<'a>(archive: &'a [u8; 16], row: i64) -> Binding<'a> {
        Binding {
            archive,
            table: "records",
            row,
            student: 7,
            version: 0,
        }
    }

    #[test]
    fn seal_round_trip_and_binding() {
        let key = random_key();
        let a = [1u8; 16];
        let sealed = seal(&key, &b(&a, 1), "谈话内容".as_bytes());
        assert_eq!(sealed.len(), 1 + 12 + 64 + 16);
        let opened = open(&key, &b(&a, 1), &sealed, "x").unwrap();
        assert_eq!(&opened[..], "谈话内容".as_bytes());
        // Another row, another key, a flipped byte: all tamper.
        assert_eq!(
            open(&key, &b(&a, 2), &sealed, "x").unwrap_err().code(),
            "tamper"
        );
        assert_eq!(
            open(&random_key(), &b(&a, 1), &sealed, "x")
                .unwrap_err()
                .code(),
            "tamper"
        );
        for i in 0..sealed.len() {
            let mut t = sealed.clone();
            t[i] ^= 0x01;
            assert_eq!(open(&key, &b(&a, 1), &t, "x").unwrap_err().code(), "tamper");
        }
        assert!(open(&key, &b(&a, 1), &sealed[..20], "x").is_err());
    }

    #[test]
    fn every_build_but_the_plaintext_benchmark_seals_and_refuses_its_values() {
        // The plaintext benchmark build (`--cfg xindang_plain_bench`) is never a test build.
        const { assert!(SEALS) };
        let (key, a) = (random_key(), [5u8; 16]);
        let text = "谈话内容：学生自述失眠".as_bytes();
        let sealed = seal(&key, &b(&a, 1), text);
        assert!(!sealed.windows(text.len()).any(|w| w == text));
        // A value in that build's form: its marker, a zero nonce, the padded plaintext in
        // clear, a tag (zeros here). Refused as tampered, so a misbuilt archive is never read.
        let mut plain = vec![0xb0u8];
        plain.extend_from_slice(&[0u8; 12]);
        plain.extend_from_slice(text);
        plain.push(0x80);
        plain.resize(1 + 12 + padded_len(text.len()) + 16, 0);
        assert_eq!(
            open(&key, &b(&a, 1), &plain, "x").unwrap_err().code(),
            "tamper"
        );
        let mut out = Zeroizing::new(Vec::new());
        assert!(open_append(&key, &b(&a, 1), &plain, "x", &mut out).is_err());
    }

    #[test]
    fn padding_buckets() {
        assert_eq!(padded_len(0), 64);
        assert_eq!(padded_len(63), 64);
        assert_eq!(padded_len(64), 128);
        assert_eq!(padded_len(20_000), 32 * 1024);
        let key = random_key();
        let a = [0u8; 16];
        for len in [0usize, 1, 63, 64, 127, 5000, 40_000] {
            let data = vec![0u8; len];
            let s = seal(&key, &b(&a, 1), &data);
            assert_eq!(&open(&key, &b(&a, 1), &s, "x").unwrap()[..], &data[..]);
        }
    }

    #[test]
    fn blind_index_is_keyed_and_stable() {
        let k = random_key();
        assert_eq!(
            blind_index(&k, "sno", "2024"),
            blind_index(&k, "sno", "2024")
        );
        assert_ne!(
            blind_index(&k, "sno", "2024"),
            blind_index(&k, "phone", "2024")
        );
        assert_ne!(
            blind_index(&k, "sno", "2024"),
            blind_index(&random_key(), "sno", "2024")
        );
    }
}
