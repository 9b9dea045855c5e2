//! A site's identity: who signs and who can open bundles (docs/bundle-format.md).
//!
//! Every archive is a site (站点): a college's counselor office or the counseling center. A site
//! holds an Ed25519 signing key (ring) for the manifests it writes and an X25519 identity of the
//! age format to which peers encrypt. The public halves travel as a profile file; both sides
//! compare the short fingerprint by phone before trusting a profile.

use std::str::FromStr;

use age::secrecy::ExposeSecret;
use ring::signature::{self, Ed25519KeyPair, KeyPair};
use serde::{Deserialize, Serialize};
use typeshare::typeshare;
use zeroize::Zeroizing;

use crate::archive::SiteKind;
use crate::crypto;
use crate::error::{Error, Result};

/// The name every center site carries, so colleges can address it as `--to center`.
pub const CENTER_NAME: &str = "center";

/// The format tag of profile files.
pub const PROFILE_FORMAT: &str = "xindang-site-profile/1";

/// The public profile of a site, as exported to and imported from a file.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteProfile {
    /// Always [`PROFILE_FORMAT`].
    pub format: String,
    /// The name peers address the site by (the center's is `center`).
    pub name: String,
    /// College or center.
    pub kind: SiteKind,
    /// The Ed25519 public key, lower-case hex.
    pub signing_key: String,
    /// The age X25519 recipient (`age1…`).
    pub age_recipient: String,
    /// The short fingerprint, four groups of four base32 characters.
    pub fingerprint: String,
}

impl SiteProfile {
    /// The stable id of the site: hex of the first 16 bytes of SHA-256 over both public keys.
    pub fn site_id(&self) -> String {
        crypto::hex(&key_hash(&self.signing_key, &self.age_recipient)[..16])
    }

    /// Checks that the keys parse and the fingerprint matches them.
    pub fn validate(&self) -> Result<()> {
        let bad = |reason| Error::Invalid {
            field: "profile",
            reason,
        };
        if self.format != PROFILE_FORMAT {
            return Err(bad("not a XinDang site profile of a known version"));
        }
        if self.name.trim().is_empty() || self.name.len() > 100 {
            return Err(bad("the site name is missing or too long"));
        }
        if unhex(&self.signing_key).map(|k| k.len()) != Some(32) {
            return Err(bad("the signing key is not 32 bytes of hex"));
        }
        if age::x25519::Recipient::from_str(&self.age_recipient).is_err() {
            return Err(bad("the age recipient does not parse"));
        }
        if fingerprint(&self.signing_key, &self.age_recipient) != self.fingerprint {
            return Err(bad("the fingerprint does not match the keys"));
        }
        Ok(())
    }

    /// Verifies an Ed25519 signature by this site.
    pub fn verify(&self, message: &[u8], sig: &[u8]) -> bool {
        let Some(pk) = unhex(&self.signing_key) else {
            return false;
        };
        signature::UnparsedPublicKey::new(&signature::ED25519, pk)
            .verify(message, sig)
            .is_ok()
    }

    /// The age recipient to encrypt to.
    pub fn recipient(&self) -> Result<age::x25519::Recipient> {
        age::x25519::Recipient::from_str(&self.age_recipient).map_err(|_| Error::Invalid {
            field: "profile",
            reason: "the age recipient does not parse",
        })
    }
}

fn key_hash(signing_key: &str, age_recipient: &str) -> [u8; 32] {
    crypto::sha256(format!("xindang-site/1\0{signing_key}\0{age_recipient}").as_bytes())
}

/// The short fingerprint of a pair of public keys: the first 80 bits of their SHA-256 in base32
/// (RFC 4648 alphabet), as `ABCD-EFGH-IJKL-MNOP`, easy to read out over the phone.
pub fn fingerprint(signing_key: &str, age_recipient: &str) -> String {
    let h = key_hash(signing_key, age_recipient);
    let b32 = base32(&h[..10]);
    b32.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

pub(crate) fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The secret half of a site, stored sealed in the `site` table.
#[derive(Serialize, Deserialize)]
pub(crate) struct SiteSecrets {
    pub name: String,
    pub kind: SiteKind,
    /// The PKCS#8 document of the Ed25519 key pair.
    pub signing_pkcs8: Vec<u8>,
    /// The age identity, `AGE-SECRET-KEY-1…`.
    pub age_identity: String,
}

impl Drop for SiteSecrets {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.signing_pkcs8.zeroize();
        self.age_identity.zeroize();
    }
}

/// An unlocked site identity.
pub struct SiteIdentity {
    pub(crate) secrets: SiteSecrets,
    signer: Ed25519KeyPair,
    age: age::x25519::Identity,
    profile: SiteProfile,
}

impl SiteIdentity {
    /// Fresh keys for a site named `name`.
    pub(crate) fn generate(name: &str, kind: SiteKind) -> Result<SiteIdentity> {
        let rng = ring::rand::SystemRandom::new();
        let doc = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| Error::Invalid {
            field: "site identity",
            reason: "the random number generator failed",
        })?;
        let age = age::x25519::Identity::generate();
        Self::from_secrets(SiteSecrets {
            name: name.to_string(),
            kind,
            signing_pkcs8: doc.as_ref().to_vec(),
            age_identity: age.to_string().expose_secret().to_string(),
        })
    }

    pub(crate) fn from_secrets(secrets: SiteSecrets) -> Result<SiteIdentity> {
        let signer = Ed25519KeyPair::from_pkcs8(&secrets.signing_pkcs8)
            .map_err(|_| Error::Tamper("the site identity"))?;
        let age = age::x25519::Identity::from_str(&secrets.age_identity)
            .map_err(|_| Error::Tamper("the site identity"))?;
        let signing_key = crypto::hex(signer.public_key().as_ref());
        let age_recipient = age.to_public().to_string();
        let profile = SiteProfile {
            format: PROFILE_FORMAT.into(),
            name: secrets.name.clone(),
            kind: secrets.kind,
            fingerprint: fingerprint(&signing_key, &age_recipient),
            signing_key,
            age_recipient,
        };
        Ok(SiteIdentity {
            secrets,
            signer,
            age,
            profile,
        })
    }

    /// The public profile.
    pub fn profile(&self) -> &SiteProfile {
        &self.profile
    }

    /// The site id (see [`SiteProfile::site_id`]).
    pub fn site_id(&self) -> String {
        self.profile.site_id()
    }

    /// Signs `message` with the site's Ed25519 key.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.signer.sign(message).as_ref().to_vec()
    }

    /// The age identity, to decrypt bundles addressed to this site.
    pub fn age_identity(&self) -> &age::x25519::Identity {
        &self.age
    }

    /// The age identity as text, for the disaster-recovery export.
    pub fn age_identity_text(&self) -> Zeroizing<String> {
        Zeroizing::new(self.secrets.age_identity.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_round_trip_and_fingerprint() {
        let id = SiteIdentity::generate("计算机学院", SiteKind::College).unwrap();
        let p = id.profile().clone();
        p.validate().unwrap();
        assert_eq!(p.fingerprint.len(), 19);
        assert_eq!(p.site_id().len(), 32);
        let sig = id.sign(b"hello");
        assert!(p.verify(b"hello", &sig));
        assert!(!p.verify(b"hellp", &sig));
        let mut bad = p.clone();
        bad.fingerprint = "AAAA-AAAA-AAAA-AAAA".into();
        assert!(bad.validate().is_err());
        // The secrets reload to the same profile.
        let again = SiteIdentity::from_secrets(SiteSecrets {
            name: id.secrets.name.clone(),
            kind: id.secrets.kind,
            signing_pkcs8: id.secrets.signing_pkcs8.clone(),
            age_identity: id.secrets.age_identity.clone(),
        })
        .unwrap();
        assert_eq!(again.profile(), &p);
    }

    #[test]
    fn base32_known_values() {
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
    }
}
