//! Errors of the ranked code index, each naming the directory or file concerned.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum RankError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("ranked index {path}: {source}")]
    Index { path: PathBuf, source: tantivy::TantivyError },
    #[error("ranked index {path} cannot be used: {reason}")]
    Damaged { path: PathBuf, reason: String },
    #[error("the ranked query has no word to look for")]
    EmptyQuery,
    #[error("building the ranked index was cancelled")]
    Cancelled,
    #[error("the snapshot's files cannot be read (an archive only digested)")]
    NoContent,
}

impl RankError {
    pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RankError + '_ {
        move |source| RankError::Io { path: path.to_path_buf(), source }
    }

    pub(crate) fn index(path: &Path) -> impl FnOnce(tantivy::TantivyError) -> RankError + '_ {
        move |source| RankError::Index { path: path.to_path_buf(), source }
    }

    pub(crate) fn damaged(path: &Path, reason: impl Into<String>) -> RankError {
        RankError::Damaged { path: path.to_path_buf(), reason: reason.into() }
    }
}
