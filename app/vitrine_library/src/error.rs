//! Errors of the findings library, each naming the file or directory concerned.

use std::path::{Path, PathBuf};

/// Why the findings library could not be opened, refreshed or queried.
#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    /// A file or directory of the library or of the data directory could not be read or written.
    /// Its Display names the operation and the path; the OS text is only the source.
    #[error("{path}: cannot {op}")]
    Io {
        /// What was being done (`read`, `list`, `lock`…).
        op: &'static str,
        /// The file or directory that failed.
        path: PathBuf,
        /// What the operating system reported.
        source: std::io::Error,
    },
    /// tantivy failed on the index directory (open, write, commit or search).
    #[error("findings index {path}")]
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
    pub(crate) fn io<'a>(
        op: &'static str,
        path: &'a Path,
    ) -> impl FnOnce(std::io::Error) -> LibraryError + 'a {
        move |source| LibraryError::Io { op, path: path.to_path_buf(), source }
    }

    pub(crate) fn index(path: &Path) -> impl FnOnce(tantivy::TantivyError) -> LibraryError + '_ {
        move |source| LibraryError::Index { path: path.to_path_buf(), source }
    }
}
