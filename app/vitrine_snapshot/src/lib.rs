//! Snapshot ingest and identity: what a vendor delivered, byte for byte.
//!
//! A [`Snapshot`] is opened from a directory or an archive (.tar, .tar.gz/.tgz, .tar.xz/.txz, .zip). Every
//! file is hashed and classified, and suspicious content is reported in a [`HealthReport`]. The identity of
//! the snapshot is the git tree id (SHA-256 and SHA-1 object formats) computed exactly as stock git computes
//! it with ignore rules and attributes switched off, plus a `sha256sum`-compatible manifest.
//!
//! Architecture invariant: this crate never follows a symbolic link, never executes anything from the
//! snapshot and never writes outside the scratch directory it is given.

pub mod archive;
mod cache;
pub mod classify;
mod error;
pub mod gitid;
pub mod gitrepo;
pub mod health;
mod ingest;
pub mod lines;
pub mod manifest;
mod path;
pub mod progress;
pub mod store;
pub mod tar;
pub mod text;
pub mod zipread;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use crate::classify::{ContentClass, TextEncoding};
pub use crate::error::SnapshotError;
pub use crate::gitid::TreeIds;
pub use crate::gitrepo::GitCheckout;
pub use crate::health::{Finding, FindingKind, HealthReport};
pub use crate::ingest::IngestConfig;
pub use crate::lines::LineIndex;
pub use crate::path::{RelPath, display_bytes as path_display};
pub use crate::progress::Progress;

/// What kind of tree entry a file is, as git sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum EntryKind {
    /// A regular file; `executable` is the owner execute bit (git mode 100755).
    File { executable: bool },
    /// A symbolic link, recorded with its target bytes and never followed (git mode 120000).
    Symlink {
        #[serde(serialize_with = "path::serialize_bytes_lossy")]
        target: Vec<u8>,
    },
}

impl EntryKind {
    /// The git tree mode of this entry.
    pub fn git_mode(&self) -> &'static str {
        match self {
            EntryKind::File { executable: false } => "100644",
            EntryKind::File { executable: true } => "100755",
            EntryKind::Symlink { .. } => "120000",
        }
    }
}

/// One file of the snapshot with its hashes and classification.
#[derive(Debug, Clone, Serialize)]
pub struct FileEntry {
    pub path: RelPath,
    pub kind: EntryKind,
    /// Size in bytes of the content (for a symlink: of its target text).
    pub size_bytes: u64,
    /// SHA-256 of the content, as `sha256sum` prints it.
    #[serde(with = "hex_bytes")]
    pub sha256: [u8; 32],
    /// git blob id in the SHA-256 object format.
    #[serde(with = "hex_bytes")]
    pub blob_sha256: [u8; 32],
    /// git blob id in the SHA-1 object format.
    #[serde(with = "hex_bytes")]
    pub blob_sha1: [u8; 20],
    pub class: ContentClass,
    /// Detected text encoding; `None` for binary, symlinks and unreadable files.
    pub encoding: Option<TextEncoding>,
    /// Number of lines (text files only; a last line without a newline counts).
    pub lines: u64,
    /// Whether the file is part of the git tree ids (false for files inside `.git` directories and for
    /// paths that git refuses; those are still listed and flagged).
    pub in_tree: bool,
}

impl FileEntry {
    /// Whether the search index and symbol extraction should read this file.
    pub fn is_indexable(&self) -> bool {
        matches!(self.kind, EntryKind::File { .. })
            && matches!(self.class, ContentClass::Text | ContentClass::Generated | ContentClass::Vendored)
    }

    /// Lower-case file extension, if any.
    pub fn extension(&self) -> Option<String> {
        self.path.extension().map(|e| e.to_ascii_lowercase())
    }
}

/// Where a snapshot came from.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum Origin {
    Directory { path: PathBuf },
    Archive { path: PathBuf, format: archive::ArchiveFormat, sha256: String },
}

/// An opened, fully hashed and classified snapshot. Immutable once opened.
#[derive(Debug)]
pub struct Snapshot {
    origin: Origin,
    /// Directory that holds the content on disk (the directory itself, or the unpacked archive); `None`
    /// when an archive was only digested and its content not kept.
    content_root: Option<PathBuf>,
    files: Vec<FileEntry>,
    ids: TreeIds,
    health: HealthReport,
    git: Option<GitCheckout>,
    /// Files whose hashes and findings came from the ingest cache instead of being read.
    cached_files: u64,
}

impl Snapshot {
    /// Opens a directory or archive, hashes and classifies every file, and computes the tree ids.
    ///
    /// For an archive, the content is unpacked (after every hostile-archive check) into
    /// `config.scratch_dir` when one is given; otherwise it is only digested, and [`Snapshot::read`]
    /// returns [`SnapshotError::ContentNotKept`].
    pub fn open(path: &Path, config: &IngestConfig, progress: &Progress) -> Result<Snapshot, SnapshotError> {
        ingest::open(path, config, progress)
    }

    /// How many files were taken from the ingest cache rather than read and hashed (0 without a cache).
    pub fn cached_files(&self) -> u64 {
        self.cached_files
    }

    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// A short human name for the snapshot (the directory or archive file name).
    pub fn name(&self) -> String {
        let path = match &self.origin {
            Origin::Directory { path } | Origin::Archive { path, .. } => path,
        };
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string())
    }

    /// All files, sorted by path bytes.
    pub fn files(&self) -> &[FileEntry] {
        &self.files
    }

    /// Looks a file up by its path relative to the snapshot root (`/`-separated).
    pub fn file(&self, path: &[u8]) -> Option<&FileEntry> {
        self.files.binary_search_by(|f| f.path.as_bytes().cmp(path)).ok().and_then(|i| self.files.get(i))
    }

    pub fn ids(&self) -> &TreeIds {
        &self.ids
    }

    pub fn health(&self) -> &HealthReport {
        &self.health
    }

    /// When the snapshot root is a git checkout: its HEAD commit and whether the working tree equals it.
    pub fn git(&self) -> Option<&GitCheckout> {
        self.git.as_ref()
    }

    /// The directory holding the content, if the content is kept.
    pub fn content_root(&self) -> Option<&Path> {
        self.content_root.as_deref()
    }

    /// Reads the bytes of a file (for a symlink: its target text). Never follows a link, and checks that
    /// the bytes still hash to what was recorded at ingest, so content changed behind Vitrine's back is an
    /// error rather than a silent mismatch.
    pub fn read(&self, entry: &FileEntry) -> Result<Vec<u8>, SnapshotError> {
        ingest::read_verified(self, entry)
    }

    /// Reads a file without re-hashing it (for bulk readers, such as the indexer, that run right after
    /// ingest and do not hand the bytes to a signature).
    pub fn read_unverified(&self, entry: &FileEntry) -> Result<Vec<u8>, SnapshotError> {
        ingest::read_raw(self, entry)
    }

    /// The `sha256sum -c` compatible manifest of every regular file.
    pub fn manifest(&self) -> String {
        manifest::render(&self.files)
    }

    /// Total size in bytes of all files.
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size_bytes).sum()
    }
}

mod hex_bytes {
    use serde::Serializer;

    pub fn serialize<S: Serializer, const N: usize>(bytes: &[u8; N], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }
}
