//! The one error type of the crate.

use std::path::PathBuf;

/// Everything that can go wrong in the review record. Verification *findings* (a bad signature in a
/// bundle, a broken chain) are not errors: they are reported as [`crate::verify::Problem`]s so that all of
/// them can be listed at once.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// An OS call failed on a file of the record, a key or a bundle (see [`RecordError::io`]).
    /// Its Display names the operation and the path; the OS text is only its [`std::error::Error::source`],
    /// so a chain printed with `{e:#}` says it once.
    #[error("{path}: cannot {op}")]
    Io {
        /// What was being done (`read`, `create directory`, `move into place`…).
        op: &'static str,
        /// The file or directory it failed on.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Bytes that must be canonical JSON ([`crate::canon`]) are not, or a value cannot be made
    /// canonical (a float, an integer beyond ±(2^53 − 1), a non-ASCII key, text that is not NFC).
    #[error("not canonical JSON: {0}")]
    Canonical(String),
    /// An entry breaks the rules of its format or kind (see [`crate::Entry::validate`]): unknown version,
    /// broken chain fields, a missing field its kind needs, a malformed id or time.
    #[error("invalid entry: {0}")]
    Entry(String),
    /// A private or public key cannot be read or used: not OpenSSH, not Ed25519, or not encodable.
    #[error("key: {0}")]
    Key(String),
    /// An encrypted private key did not decrypt with the passphrase given (the key file named).
    #[error("wrong passphrase or corrupt key {0}")]
    Passphrase(PathBuf),
    /// A signature cannot be made, parsed or encoded (an SSHSIG that does not verify is a
    /// [`crate::Problem`] instead).
    #[error("signature: {0}")]
    Signature(String),
    /// A line of an `allowed_signers` file cannot be parsed.
    #[error("allowed_signers line {line}: {message}")]
    AllowedSigners {
        /// 1-based line number in the file.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// The caller asked for something the record cannot do as asked (an unknown or ambiguous entry id,
    /// a principal that is not allowed, passphrases that differ, a snapshot that is not the review's);
    /// the message is for the user and says what to change.
    #[error("{0}")]
    Usage(String),
    /// A bundle's tar cannot be read or holds a refused member (a link, `..`, a duplicate, too large), a
    /// checkpoint is malformed, or a bundle file cannot be serialised.
    #[error("bundle: {0}")]
    Bundle(String),
    /// A verified bundle cannot be merged into this review (another snapshot, failed verification, a
    /// key that names another person here); nothing was imported.
    #[error("import refused: {0}")]
    Import(String),
    /// A change the status policy does not allow (see [`crate::policy`]).
    #[error("not allowed: {0}")]
    Policy(String),
}

impl RecordError {
    /// Wraps an I/O error with the operation and the path it concerns, so every message names its file.
    pub fn io(op: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> RecordError {
        let path = path.into();
        move |source| RecordError::Io { op, path, source }
    }

    /// [`RecordError::io`] for several errors of one operation on one file.
    pub(crate) fn io_at<'a>(
        op: &'static str,
        path: &'a std::path::Path,
    ) -> impl Fn(std::io::Error) -> RecordError + Copy + 'a {
        move |source| RecordError::Io { op, path: path.to_path_buf(), source }
    }
}
