//! Errors of the findings library, each naming the file or directory concerned.

use std::path::{Path, PathBuf};

/// Why the findings library could not be opened, refreshed or queried.
#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    /// A file or directory of the library or of the data directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory that failed.
        path: PathBuf,
        /// What the operating system reported.
        source: std::io::Error,
    },
    /// tantivy failed on the index directory (open, write, commit or search).
    #[error("findings index {path}: {source}")]
    Index {
        /// The tantivy index directory (`<data>/library/index`).
        path: PathBuf,
        /// tantivy's error.
        source: tantivy::TantivyError,
    },
    /// The library's state file, schema or index files do not check out; the message names the file.
    /// [`Library::open`](crate::Library::open) answers this by rebuilding from the logs.
    #[error("findings library damaged: {0}")]
    Damaged(String),
    /// `state.json` could not be replaced atomically (the record crate writes it). A review whose log
    /// cannot be read is not an error: it is listed in
    /// [`SyncReport::skipped`](crate::SyncReport::skipped).
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
