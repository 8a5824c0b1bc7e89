//! The one error type of the search crate.

use std::path::PathBuf;

/// Everything that can go wrong while building, opening or querying an index.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The index directory exists but cannot be trusted; the caller rebuilds it.
    #[error("index at {path} is corrupt: {detail}")]
    Corrupt { path: PathBuf, detail: String },
    /// The index was built for another snapshot or by another format version.
    #[error("index at {path} does not match: {detail}")]
    Mismatch { path: PathBuf, detail: String },
    /// The query could not be parsed; `position` is the byte offset of the offending character.
    #[error("{}", render_query_error(.query, *.position, .message))]
    Query { query: String, position: usize, message: String },
    #[error("the snapshot's content is not available on disk (an archive opened without unpacking)")]
    NoContent,
    /// The definition source behind `sym:` failed.
    #[error("symbol index: {0}")]
    Definitions(String),
    #[error("cancelled")]
    Cancelled,
    /// A search's thread could not be started.
    #[error("cannot start the search thread: {0}")]
    Thread(String),
    #[error("index too large: {0}")]
    TooLarge(String),
    #[error(transparent)]
    Snapshot(#[from] vitrine_snapshot::SnapshotError),
}

impl SearchError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> SearchError {
        SearchError::Io { path: path.into(), source }
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
