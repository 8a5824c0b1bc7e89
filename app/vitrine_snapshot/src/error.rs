//! The typed errors of snapshot ingest. Every variant names the file it is about.
//!
//! An OS error is carried as the `source` and never repeated in the Display, which names the operation
//! and the path (as gitoxide does), so that `{e:#}` prints the OS text once.

use std::path::PathBuf;

/// Why a snapshot could not be opened or a file of it not read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// An OS call failed on a file Vitrine reads or writes (the input itself, the blob store, the
    /// ingest cache), outside the walk of a directory snapshot (that is [`SnapshotError::Unreadable`]).
    #[error("{path}: cannot {op}")]
    Io {
        /// The operation that failed, as a verb for the message ("open", "read", "fstat", …).
        op: &'static str,
        /// The file on disk it failed on.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The input is neither a directory nor an archive recognised by name or by its first bytes.
    #[error("{path}: not a directory or a supported archive (.tar, .tar.gz, .tgz, .tar.xz, .txz, .zip)")]
    UnsupportedInput {
        /// The input as given.
        path: PathBuf,
    },
    /// The archive holds something Vitrine will not take (a path climbing out, an entry below a link, a
    /// device file, a duplicate, a decompression bomb, an ambiguity between extractors, …): the whole
    /// archive is refused, not just the entry.
    #[error("{archive}: refused: {reason}")]
    HostileArchive {
        /// The archive file.
        archive: PathBuf,
        /// What was refused, naming the member.
        reason: String,
    },
    /// The archive cannot be read to its end as its format says: truncated, a failed checksum or
    /// compression check, or a read error. No partial snapshot is made from it.
    #[error("{archive}: corrupt or truncated archive: {detail}")]
    CorruptArchive {
        /// The archive file.
        archive: PathBuf,
        /// What is wrong, naming the member where there is one.
        detail: String,
    },
    /// A file's size or SHA-256 no longer matches what was recorded at ingest (or it was replaced by a
    /// link): its bytes are not handed out.
    #[error("{path}: changed on disk since the snapshot was opened (hash mismatch)")]
    ChangedOnDisk {
        /// The snapshot path, as [`crate::RelPath::display`] renders it.
        path: String,
    },
    /// Content was asked of an archive snapshot opened without a blob store: it was only digested.
    #[error("{path}: the content of this archive snapshot was digested but not kept")]
    ContentNotKept {
        /// The snapshot path, as [`crate::RelPath::display`] renders it.
        path: String,
    },
    /// A file or directory of the snapshot could not be read completely: no identity is stated for a
    /// tree that was only partly read.
    #[error(
        "{path}: cannot {op}, so the snapshot cannot be read completely (no tree id is stated for a partly read tree)"
    )]
    Unreadable {
        /// The operation that failed, as a verb for the message.
        op: &'static str,
        /// The file or directory on disk.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A directory snapshot exceeds a limit of [`crate::archive::ArchiveLimits`] (total bytes, bytes per
    /// file, entries) or holds a sparse file ([`crate::archive::SPARSE_MIN_BYTES`]): refused after the
    /// walk's `lstat`, before any file is read.
    #[error("{path}: refused: {reason}")]
    OverLimit {
        /// The file (or, for the entry count, the entry) that crossed the limit.
        path: PathBuf,
        /// Which limit, with the numbers.
        reason: String,
    },
    /// A file kept changing (or was replaced by something else) while it was read.
    #[error("{path}: changed while it was read ({detail}); refused rather than mixing two versions")]
    ChangedWhileRead {
        /// The file on disk.
        path: PathBuf,
        /// How it changed: removed, replaced by a link or another kind of file, or different from one
        /// read to the next.
        detail: String,
    },
    /// The job was stopped through [`crate::Progress::cancel`]; nothing was kept.
    #[error("cancelled")]
    Cancelled,
    /// A snapshot named by id (`sha256:PREFIX`) or label (`@NAME`) that the data directory does not
    /// hold.
    #[error(
        "{name}: no imported snapshot has this name in {data} (`vitrine index --import DIR` imports one and prints its id)"
    )]
    UnknownSnapshot {
        /// The name as given.
        name: String,
        /// The data directory searched.
        data: PathBuf,
    },
    /// An id prefix that more than one imported snapshot starts with.
    #[error("{name}: names {} imported snapshots ({}); give more digits", .matches.len(), .matches.join(", "))]
    AmbiguousSnapshot {
        /// The name as given.
        name: String,
        /// The content keys it matches.
        matches: Vec<String>,
    },
    /// A snapshot name that is neither `sha256:` and hex digits nor `@` and a label of letters, digits,
    /// `.`, `_` and `-`.
    #[error("{name}: not a snapshot name ({detail})")]
    BadSnapshotName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        detail: &'static str,
    },
    /// The record of an imported snapshot cannot be used (damaged, written by another version of
    /// Vitrine's analysis or with other limits, or not the snapshot its id names).
    #[error(
        "{path}: cannot use this imported snapshot: {detail}; import it again (`vitrine index --import DIR`)"
    )]
    StoredRecord {
        /// The record file.
        path: PathBuf,
        /// What is wrong with it.
        detail: String,
    },
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
