//! Errors of the findings library, each naming the file or directory concerned.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("findings index {path}: {source}")]
    Index { path: PathBuf, source: tantivy::TantivyError },
    #[error("findings library damaged: {0}")]
    Damaged(String),
    #[error(transparent)]
    Record(#[from] vitrine_record::RecordError),
}

impl LibraryError {
    pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> LibraryError + '_ {
        move |source| LibraryError::Io { path: path.to_path_buf(), source }
    }

    pub(crate) fn index(path: &Path) -> impl FnOnce(tantivy::TantivyError) -> LibraryError + '_ {
        move |source| LibraryError::Index { path: path.to_path_buf(), source }
    }
}
