//! The typed errors of snapshot ingest. Every variant names the file it is about.
//!
//! An OS error is carried as the `source` and never repeated in the Display, which names the operation
//! and the path (as gitoxide does), so that `{e:#}` prints the OS text once.

use std::path::PathBuf;

/// Why a snapshot could not be opened or a file of it not read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("{path}: cannot {op}")]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a directory or a supported archive (.tar, .tar.gz, .tgz, .tar.xz, .txz, .zip)")]
    UnsupportedInput { path: PathBuf },
    #[error("{archive}: refused: {reason}")]
    HostileArchive { archive: PathBuf, reason: String },
    #[error("{archive}: corrupt or truncated archive: {detail}")]
    CorruptArchive { archive: PathBuf, detail: String },
    #[error("{path}: changed on disk since the snapshot was opened (hash mismatch)")]
    ChangedOnDisk { path: String },
    #[error("{path}: the content of this archive snapshot was digested but not kept")]
    ContentNotKept { path: String },
    #[error("{path}: not a regular file of this snapshot's manifest")]
    NotInManifest { path: String },
    /// A file or directory of the snapshot could not be read completely: no identity is stated for a
    /// tree that was only partly read.
    #[error(
        "{path}: cannot {op}, so the snapshot cannot be read completely (no tree id is stated for a partly read tree)"
    )]
    Unreadable {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file kept changing (or was replaced by something else) while it was read.
    #[error("{path}: changed while it was read ({detail}); refused rather than mixing two versions")]
    ChangedWhileRead { path: PathBuf, detail: String },
    #[error("cancelled")]
    Cancelled,
}

impl SnapshotError {
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> SnapshotError {
        SnapshotError::Io { op, path: path.into(), source }
    }

    pub(crate) fn hostile(archive: impl Into<PathBuf>, reason: impl Into<String>) -> SnapshotError {
        SnapshotError::HostileArchive { archive: archive.into(), reason: reason.into() }
    }

    pub(crate) fn corrupt(archive: impl Into<PathBuf>, detail: impl ToString) -> SnapshotError {
        SnapshotError::CorruptArchive { archive: archive.into(), detail: detail.to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_os_text_is_the_source_and_not_repeated_in_the_display() {
        let e = SnapshotError::io("open", "/x/a.c", std::io::Error::from_raw_os_error(libc::EACCES));
        let shown = e.to_string();
        assert_eq!(shown, "/x/a.c: cannot open");
        let source = std::error::Error::source(&e).map(|s| s.to_string()).unwrap_or_default();
        assert!(source.contains("ermission denied"), "{source}");
    }
}
