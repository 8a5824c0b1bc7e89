//! The one error type of the search crate.

use std::path::PathBuf;

/// Everything that can go wrong while building, opening or querying an index.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("{path}: cannot {op}")]
    /// A file of the index, or of the snapshot behind it, could not be read or written. The Display
    /// names the operation and the path; the OS text is only the source.
    Io {
        /// What was being done (`read`, `create`, `move into place`…).
        op: &'static str,
        /// The file that failed.
        path: PathBuf,
        #[source]
        /// What the operating system reported.
        source: std::io::Error,
    },
    /// The index directory exists but cannot be trusted; the caller rebuilds it.
    #[error("index at {path} is corrupt: {detail}")]
    Corrupt {
        /// The index file (or directory) that failed its checks.
        path: PathBuf,
        /// What does not check out, for the user.
        detail: String,
    },
    /// The index was built for another snapshot or by another format version.
    #[error("index at {path} does not match: {detail}")]
    Mismatch {
        /// The index directory whose `meta.json` does not match.
        path: PathBuf,
        /// Which of tree id, manifest hash or format version differs, and how.
        detail: String,
    },
    /// The query could not be parsed; `position` is the byte offset of the offending character.
    #[error("{}", render_query_error(.query, *.position, .message))]
    Query {
        /// The whole query as the user typed it.
        query: String,
        /// Byte offset in `query` of the offending character (shown as a column under the query).
        position: usize,
        /// What is wrong there, for the user (`case: takes yes or no`).
        message: String,
    },
    #[error("the snapshot's content is not available on disk (an archive opened without unpacking)")]
    /// The snapshot has no unpacked content to index or search (it was opened from an archive
    /// without unpacking).
    NoContent,
    /// The definition source behind `sym:` failed.
    #[error("symbol index: {0}")]
    Definitions(String),
    #[error("cancelled")]
    /// The search or build was stopped through its cancel flag before it finished; nothing is wrong.
    Cancelled,
    /// A search's thread could not be started.
    #[error("cannot start the search thread: {0}")]
    Thread(String),
    #[error("index too large: {0}")]
    /// The snapshot is beyond what the index format can address (more than 2^32 files, posting
    /// lists over 4 GB); the text says which limit.
    TooLarge(String),
    #[error(transparent)]
    /// Opening or reading the snapshot itself failed.
    Snapshot(#[from] vitrine_snapshot::SnapshotError),
}

impl SearchError {
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> SearchError {
        SearchError::Io { op, path: path.into(), source }
    }

    pub(crate) fn corrupt(path: impl Into<PathBuf>, detail: impl Into<String>) -> SearchError {
        SearchError::Corrupt { path: path.into(), detail: detail.into() }
    }
}

/// `query error at column N: message`, then the query and a caret under the offending character.
fn render_query_error(query: &str, position: usize, message: &str) -> String {
    let column = query.get(..position).map_or(position, |s| s.chars().count());
    format!("query error at column {}: {message}\n  {query}\n  {}^", column + 1, " ".repeat(column))
}
