//! Errors of the ranked code index, each naming the directory or file concerned.

use std::path::{Path, PathBuf};

/// Why the ranked index could not be built, opened or asked. The Display names the operation and the
/// path; the OS or tantivy text is the source, so `{e:#}` prints it once.
#[derive(Debug, thiserror::Error)]
pub enum RankError {
    /// A file or directory of the index could not be read or written.
    #[error("{path}: cannot {op}")]
    Io {
        /// What was being done (`read`, `write`, `move into place`…).
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// tantivy refused the index directory.
    #[error("ranked index {path}")]
    Index {
        /// The index directory.
        path: PathBuf,
        /// tantivy's error.
        source: tantivy::TantivyError,
    },
    /// The index exists but does not belong to this snapshot or format, or fails its checks: it is
    /// rebuilt.
    #[error("ranked index {path} cannot be used: {reason}")]
    Damaged {
        /// The index directory or the file that failed.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// The query has no word left once split and stop words dropped.
    #[error("the ranked query has no word to look for")]
    EmptyQuery,
    /// The build was cancelled by its caller.
    #[error("building the ranked index was cancelled")]
    Cancelled,
    /// The snapshot was only digested: its files' bytes are not kept to be read.
    #[error("the snapshot's files cannot be read (an archive only digested)")]
    NoContent,
    /// A file of the snapshot could not be read, or no longer holds the bytes that were hashed.
    #[error(transparent)]
    Snapshot(#[from] vitrine_snapshot::SnapshotError),
}

impl RankError {
    pub(crate) fn io<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> RankError + 'a {
        move |source| RankError::Io { op, path: path.to_path_buf(), source }
    }

    pub(crate) fn index(path: &Path) -> impl FnOnce(tantivy::TantivyError) -> RankError + '_ {
        move |source| RankError::Index { path: path.to_path_buf(), source }
    }

    pub(crate) fn damaged(path: &Path, reason: impl Into<String>) -> RankError {
        RankError::Damaged { path: path.to_path_buf(), reason: reason.into() }
    }
}
