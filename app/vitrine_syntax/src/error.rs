//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong in this crate. Parsing source never fails (broken code is data);
/// these are I/O and index-format problems.
#[derive(Debug, thiserror::Error)]
pub enum SyntaxError {
    #[error("cannot read or write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("symbol index {path} is damaged: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error("symbol index {path} was written by another format version ({found}, expected {expected})")]
    Version { path: PathBuf, found: u32, expected: u32 },
    #[error("query for {lang} does not compile: {message}")]
    Query { lang: &'static str, message: String },
    #[error("grammar for {lang} cannot be loaded: {message}")]
    Grammar { lang: &'static str, message: String },
    #[error("the symbol index build was cancelled")]
    Cancelled,
    #[error("snapshot: {0}")]
    Snapshot(String),
}
