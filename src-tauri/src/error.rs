//! What a failed command sends to the webview: a stable code, the field and the typed reason code
//! the core gave, and an English message. The UI shows the Chinese text its one table has for the
//! reason (else the code) and marks the field; the message is for logs and bug reports. None of
//! them ever carries student data (the core's errors name fields, never values).

use serde::Serialize;
use typeshare::typeshare;

/// A command's error as the webview receives it: `{ code, message }`.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommandError {
    /// Stable code, e.g. `wrong_passphrase`; the UI maps it to a Chinese message.
    pub code: String,
    /// English description, for logs.
    pub message: String,
    /// The field refused (e.g. `date`, `level`), when the error names one.
    pub field: Option<String>,
    /// The core's reason code (e.g. `bad_date`, `raise_not_higher`), when the refusal has one.
    pub reason: Option<String>,
}

impl CommandError {
    fn new(code: &str, message: &str) -> Self {
        Self {
            code: code.to_owned(),
            message: message.to_owned(),
            field: None,
            reason: None,
        }
    }

    /// The archive is locked (or was auto-locked) and the command needs it unlocked.
    pub fn locked() -> Self {
        Self::new("locked", "the archive is locked")
    }

    /// The archive is already unlocked.
    pub fn already_unlocked() -> Self {
        Self::new("already_unlocked", "the archive is already unlocked")
    }

    /// An argument fails the shell's validation; names the field, never its value.
    pub fn invalid(field: &str, reason: &str) -> Self {
        Self {
            code: "invalid_input".to_owned(),
            message: format!("invalid {field}: {reason}"),
            field: Some(field.to_owned()),
            reason: None,
        }
    }
}

impl From<xindang::Error> for CommandError {
    fn from(e: xindang::Error) -> Self {
        Self {
            code: e.code().to_owned(),
            message: e.to_string(),
            field: e.field().map(str::to_owned),
            reason: e.reason().map(|r| r.code().to_owned()),
        }
    }
}

impl From<std::io::Error> for CommandError {
    fn from(e: std::io::Error) -> Self {
        xindang::Error::from(e).into()
    }
}
