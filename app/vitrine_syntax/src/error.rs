//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong in this crate. Parsing source never fails (broken code is data);
/// these are I/O and index-format problems.
#[derive(Debug, thiserror::Error)]
pub enum SyntaxError {
    /// A file of the symbol index could not be read or written. The Display names the operation and
    /// the path; the OS text is only the source.
    #[error("{path}: cannot {op}")]
    Io {
        /// What was being done (`read`, `create`, `move into place`…).
        op: &'static str,
        /// The index file that failed.
        path: PathBuf,
        /// What the operating system reported.
        #[source]
        source: std::io::Error,
    },
    #[error("symbol index {path} is damaged: {reason}")]
    /// The symbol index on disk fails its checks (seal, bounds, `meta.json`), or a build thread
    /// failed; the caller rebuilds the index.
    Corrupt {
        /// The index file or directory at fault.
        path: PathBuf,
        /// What does not check out, for the user.
        reason: String,
    },
    #[error("symbol index {path} was written by another format version ({found}, expected {expected})")]
    /// The symbol index was written in another on-disk format; it is rebuilt, never read.
    Version {
        /// The index's `meta.json`.
        path: PathBuf,
        /// The format number the index records.
        found: u32,
        /// [`FORMAT_VERSION`](crate::index::FORMAT_VERSION), the only format this build reads.
        expected: u32,
    },
    #[error("query for {lang} does not compile: {message}")]
    /// A built-in tree-sitter query does not compile against its grammar: a bug in this crate, not
    /// in the input.
    Query {
        /// The language's canonical name (`c`, `rust`).
        lang: &'static str,
        /// tree-sitter's message.
        message: String,
    },
    #[error("grammar for {lang} cannot be loaded: {message}")]
    /// A tree-sitter grammar cannot be loaded. Not returned by this crate today.
    Grammar {
        /// The language's canonical name.
        lang: &'static str,
        /// Why it cannot be loaded.
        message: String,
    },
    /// The build was stopped through its progress cancel flag; nothing is wrong.
    #[error("the symbol index build was cancelled")]
    Cancelled,
    /// Reading the snapshot failed, with the snapshot's message (an imported snapshot whose record is
    /// damaged where binding an index to it read it).
    #[error("snapshot: {0}")]
    Snapshot(String),
}
