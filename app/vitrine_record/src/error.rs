//! The one error type of the crate.

use std::path::PathBuf;

/// Everything that can go wrong in the review record. Verification *findings* (a bad signature in a
/// bundle, a broken chain) are not errors: they are reported as [`crate::verify::Problem`]s so that all of
/// them can be listed at once.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("not canonical JSON: {0}")]
    Canonical(String),
    #[error("invalid entry: {0}")]
    Entry(String),
    #[error("key: {0}")]
    Key(String),
    #[error("wrong passphrase or corrupt key {0}")]
    Passphrase(PathBuf),
    #[error("signature: {0}")]
    Signature(String),
    #[error("allowed_signers line {line}: {message}")]
    AllowedSigners { line: usize, message: String },
    #[error("{0}")]
    Usage(String),
    #[error("bundle: {0}")]
    Bundle(String),
    #[error("import refused: {0}")]
    Import(String),
    /// A change the status policy does not allow (see [`crate::policy`]).
    #[error("not allowed: {0}")]
    Policy(String),
}

impl RecordError {
    /// Wraps an I/O error with the path it concerns, so every message names its file.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> RecordError {
        let path = path.into();
        move |source| RecordError::Io { path, source }
    }
}
