//! The typed errors of snapshot ingest. Every variant names the file it is about.

use std::path::PathBuf;

/// Why a snapshot could not be opened or a file of it not read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("{path}: {source}")]
    Io {
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
    #[error("{path}: is a {kind}, which a snapshot cannot contain")]
    SpecialFile { path: PathBuf, kind: &'static str },
    #[error("cancelled")]
    Cancelled,
}

impl SnapshotError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> SnapshotError {
        SnapshotError::Io { path: path.into(), source }
    }

    pub(crate) fn hostile(archive: impl Into<PathBuf>, reason: impl Into<String>) -> SnapshotError {
        SnapshotError::HostileArchive { archive: archive.into(), reason: reason.into() }
    }

    pub(crate) fn corrupt(archive: impl Into<PathBuf>, detail: impl ToString) -> SnapshotError {
        SnapshotError::CorruptArchive { archive: archive.into(), detail: detail.to_string() }
    }
}
