//! Reading passphrases and the recovery key: from the environment for scripts, else from the
//! terminal without echo.

use xindang::error::{Error, Result};
use zeroize::Zeroizing;

fn read(var: &str, prompt: &str) -> Result<Zeroizing<String>> {
    if let Ok(v) = std::env::var(var) {
        return Ok(Zeroizing::new(v));
    }
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|_| Error::Invalid {
            field: "passphrase",
            reason: "no terminal to ask in; set the environment variable",
        })
}

/// The passphrase that unlocks.
pub fn passphrase() -> Result<Zeroizing<String>> {
    read("XINDANG_PASSPHRASE", "Passphrase: ")
}

/// A new passphrase, typed twice when prompted.
pub fn new_passphrase(var: &str) -> Result<Zeroizing<String>> {
    if let Ok(v) = std::env::var(var) {
        return Ok(Zeroizing::new(v));
    }
    let first = read(var, "New passphrase: ")?;
    let again = read(var, "Repeat the new passphrase: ")?;
    if *first != *again {
        return Err(Error::Invalid {
            field: "passphrase",
            reason: "the two entries differ",
        });
    }
    Ok(first)
}

/// The passphrase of a passphrase-protected bundle: `XINDANG_BUNDLE_PASSPHRASE`, else asked (twice
/// when `new`, for the one who encrypts).
pub fn bundle_passphrase(new: bool) -> Result<Zeroizing<String>> {
    const VAR: &str = "XINDANG_BUNDLE_PASSPHRASE";
    let first = read(VAR, "Bundle passphrase: ")?;
    if new && std::env::var(VAR).is_err() {
        let again = read(VAR, "Repeat the bundle passphrase: ")?;
        if *first != *again {
            return Err(Error::Invalid {
                field: "passphrase",
                reason: "the two entries differ",
            });
        }
    }
    Ok(first)
}

/// The recovery key.
pub fn recovery_key() -> Result<Zeroizing<String>> {
    read("XINDANG_RECOVERY_KEY", "Recovery key: ")
}

/// A handover's passphrase and whether this program made it up.
pub struct HandoverPassphrase {
    pub text: Zeroizing<String>,
    pub generated: bool,
}

/// The passphrase a handover is encrypted to: `XINDANG_BUNDLE_PASSPHRASE` if set; else typed twice
/// when `own`; else generated ([`xindang::bundle::generate_passphrase`]), which is the default
/// because a person rarely invents one as strong and as easy to read out by phone.
pub fn handover_passphrase(own: bool) -> Result<HandoverPassphrase> {
    if std::env::var_os("XINDANG_BUNDLE_PASSPHRASE").is_some() || own {
        return Ok(HandoverPassphrase {
            text: bundle_passphrase(true)?,
            generated: false,
        });
    }
    Ok(HandoverPassphrase {
        text: xindang::bundle::generate_passphrase(),
        generated: true,
    })
}
