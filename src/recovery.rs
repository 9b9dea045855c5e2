//! The recovery key: 160 random bits shown once at creation as eight groups of four characters
//! (Crockford base32, so O/0 and I/1/L confusions on paper don't matter).

use std::fmt;

use zeroize::Zeroizing;

use crate::crypto;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A recovery key. `Display` prints it grouped, e.g. `7K3Q-…`; it is never logged.
pub struct RecoveryKey(Zeroizing<[u8; 20]>);

impl RecoveryKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        Self(Zeroizing::new(crypto::random::<20>()))
    }

    /// The raw bytes.
    pub fn bytes(&self) -> &[u8; 20] {
        &self.0
    }

    /// Parses a typed key; tolerant of case, spaces, dashes and look-alike letters.
    pub fn parse(text: &str) -> Option<Self> {
        let mut bits: u64 = 0;
        let mut nbits = 0u32;
        let mut out = Zeroizing::new([0u8; 20]);
        let mut n = 0usize;
        for c in crate::normalize::identifier(text).chars() {
            let c = match c {
                '-' | '_' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            let v = ALPHABET.iter().position(|&a| a as char == c)? as u64;
            bits = (bits << 5) | v;
            nbits += 5;
            if nbits >= 8 {
                nbits -= 8;
                if n == 20 {
                    return None;
                }
                out[n] = (bits >> nbits) as u8;
                n += 1;
            }
        }
        (n == 20 && nbits == 0).then_some(Self(out))
    }
}

impl fmt::Display for RecoveryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut chars = Zeroizing::new(String::with_capacity(39));
        let mut bits: u64 = 0;
        let mut nbits = 0u32;
        for &b in self.0.iter() {
            bits = (bits << 8) | b as u64;
            nbits += 8;
            while nbits >= 5 {
                nbits -= 5;
                if !chars.is_empty() && chars.len() % 5 == 4 {
                    chars.push('-');
                }
                chars.push(ALPHABET[((bits >> nbits) & 31) as usize] as char);
            }
        }
        f.write_str(&chars)
    }
}

impl fmt::Debug for RecoveryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryKey([secret])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tolerance() {
        let k = RecoveryKey::generate();
        let s = k.to_string();
        assert_eq!(s.len(), 39);
        assert_eq!(s.matches('-').count(), 7);
        assert_eq!(RecoveryKey::parse(&s).unwrap().bytes(), k.bytes());
        let sloppy = s.to_lowercase().replace('-', " ").replace('0', "o");
        assert_eq!(RecoveryKey::parse(&sloppy).unwrap().bytes(), k.bytes());
        assert!(RecoveryKey::parse(&s[..30]).is_none());
        assert!(RecoveryKey::parse("not a key").is_none());
    }
}
