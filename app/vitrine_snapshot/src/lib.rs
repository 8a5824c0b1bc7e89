//! Snapshot ingest and identity: what a vendor delivered, byte for byte.
//!
//! A [`Snapshot`] is opened from a directory or an archive (.tar, .tar.gz/.tgz, .tar.xz/.txz, .zip). Every
//! file is hashed and classified, and suspicious content is reported in a [`HealthReport`]. The identity of
//! the snapshot is the git tree id (SHA-256 and SHA-1 object formats) computed exactly as stock git computes
//! it with ignore rules and attributes switched off, plus a `sha256sum`-compatible manifest.
//!
//! Architecture invariant: this crate never follows a symbolic link, never executes anything from the
//! snapshot and never writes outside the blob store and cache directories it is given. An archive is
//! never unpacked as a file tree: its files are kept in a content-addressed [`blobs::BlobStore`], and
//! every read of a file's bytes goes through [`Snapshot::read`], which re-hashes them: what is shown,
//! searched, indexed or signed is what was hashed, or an error naming the file.

#![warn(missing_docs)]

pub mod archive;
pub mod blobs;
mod buildcharset;
mod buildhooks;
mod cache;
pub mod cgo;
mod changed;
pub mod classify;
mod compiled;
mod content;
mod continued;
pub mod disguise;
pub mod encoded;
mod error;
mod files;
pub mod gitid;
pub mod gitrepo;
pub mod gomod;
pub mod health;
mod idents;
pub mod includes;
mod ingest;
pub mod keywords;
pub mod lexis;
pub mod lines;
pub mod manifest;
mod path;
pub mod progress;
pub mod pycookie;
mod pyshadow;
mod record;
mod reopen;
pub mod scriptlex;
pub mod shellnames;
mod shipped;
pub mod store;
mod stored;
mod toolruns;
pub use vitrine_tar as tar;
pub mod terminators;
pub mod text;
pub mod work;
pub mod zipread;

#[cfg(test)]
mod crafted_tests;

use std::path::{Path, PathBuf};

use serde::Serialize;
pub use vitrine_base::{Sha1Id, Sha256Id};

pub use crate::changed::{ChangedSide, changed_between};
pub use crate::classify::{ContentClass, TextEncoding};
pub use crate::error::SnapshotError;
pub use crate::gitid::TreeIds;
pub use crate::gitrepo::GitCheckout;
pub use crate::health::{Finding, FindingKind, HealthReport};
pub use crate::ingest::IngestConfig;
pub use crate::lines::LineIndex;
pub use crate::path::{RelPath, display_bytes as path_display};
pub use crate::progress::Progress;
pub use crate::stored::ImportReport;

/// What kind of tree entry a file is, as git sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum EntryKind {
    /// A regular file; `executable` is the owner execute bit (git mode 100755).
    File {
        /// The owner execute bit: git mode 100755 when set, 100644 otherwise.
        executable: bool,
    },
    /// A symbolic link, recorded with its target bytes and never followed (git mode 120000).
    Symlink {
        /// The link's target bytes exactly as stored (never resolved); the content git hashes.
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
    /// Where the file is, relative to the snapshot root (exact bytes; the key the files are sorted by).
    pub path: RelPath,
    /// Regular file or symlink (directories are not entries; special files are only findings).
    pub kind: EntryKind,
    /// Size in bytes of the content (for a symlink: of its target text).
    pub size_bytes: u64,
    /// SHA-256 of the content, as `sha256sum` prints it.
    pub sha256: Sha256Id,
    /// git blob id in the SHA-256 object format.
    pub blob_sha256: Sha256Id,
    /// git blob id in the SHA-1 object format.
    pub blob_sha1: Sha1Id,
    /// What the file is for indexing and the health report.
    pub class: ContentClass,
    /// Detected text encoding; `None` for binary, symlinks and unreadable files.
    pub encoding: Option<TextEncoding>,
    /// Number of lines (text files only; a last line without a newline counts).
    pub lines: u64,
    /// Whether the file is part of the git tree ids (false for files inside `.git` directories and for
    /// paths that git refuses; those are still listed and flagged).
    pub in_tree: bool,
}

/// [`FileEntry::is_indexable`] from a row's kind and class.
/// The digest of a list of indexed files' paths, in order, as indexes name them
/// ([`RelPath::display`]): SHA-256 over each path's length (`u64`, little-endian) and bytes. An index
/// records the digest of the files it was built from, an imported snapshot's record the digest of its
/// indexable files ([`Snapshot::indexable_paths_digest`]): equal digests bind the index to the snapshot
/// without reading its rows.
pub fn indexable_paths_digest<S: AsRef<str>>(paths: impl IntoIterator<Item = S>) -> Sha256Id {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in paths {
        let p = p.as_ref().as_bytes();
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    Sha256Id::from_bytes(h.finalize().into())
}

/// The rules a health report was made by: the fingerprint of the analysis code and of the settings
/// that decide its findings (the ingest cache's key), hex. Two reports of one snapshot with equal rules
/// are equal; a later Vitrine (new checks, other wording) makes other rules.
pub fn health_rules(config: &IngestConfig) -> String {
    hex::encode(cache::fingerprint(config))
}

/// A health report as a record holds it (`health.json`): the report's fields and `rules`
/// ([`health_rules`]), so that a verifier computing the report again knows whether a difference is a
/// forgery (same rules) or a change of rules since the export.
pub fn recorded_health(report: &HealthReport, config: &IngestConfig) -> serde_json::Result<Vec<u8>> {
    let mut value = serde_json::to_value(report)?;
    if let Some(fields) = value.as_object_mut() {
        fields.insert("rules".into(), health_rules(config).into());
    }
    serde_json::to_vec_pretty(&value)
}

pub(crate) fn indexable(regular: bool, class: ContentClass) -> bool {
    regular && matches!(class, ContentClass::Text | ContentClass::Generated | ContentClass::Vendored)
}

impl FileEntry {
    /// Whether the search index and symbol extraction should read this file.
    pub fn is_indexable(&self) -> bool {
        indexable(matches!(self.kind, EntryKind::File { .. }), self.class)
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
    /// A directory read in place.
    Directory {
        /// The directory as given to [`Snapshot::open`].
        path: PathBuf,
    },
    /// An archive file, never unpacked as a file tree.
    Archive {
        /// The archive file as given to [`Snapshot::open`].
        path: PathBuf,
        /// How it was read (by name, else by its first bytes).
        format: archive::ArchiveFormat,
        /// SHA-256 of the archive file's bytes (hex in JSON, as `sha256sum` prints it).
        sha256: Sha256Id,
    },
    /// A snapshot imported into the data directory's store ([`Snapshot::import`]) and opened by its id
    /// or label: its files are read from the blob store, never from where it was imported from.
    Store {
        /// The directory or archive it was imported from (for display only; never read).
        imported_from: PathBuf,
        /// The format family it was read as when imported (`dir`, `tar`, `zip`; part of its content key).
        family: &'static str,
    },
}

/// An opened, fully hashed and classified snapshot. Immutable once opened.
#[derive(Debug)]
pub struct Snapshot {
    origin: Origin,
    /// Where the content is read from (the directory itself, the blob store, or nowhere when an archive
    /// was only digested).
    source: content::Source,
    files: files::Files,
    ids: TreeIds,
    health: HealthReport,
    git: Option<GitCheckout>,
    /// Files whose hashes and findings came from the ingest cache instead of being read.
    cached_files: u64,
    /// See [`Snapshot::content_key`].
    content_key: Sha256Id,
    /// Whether it was taken whole from the reopen table (see [`Snapshot::reopened`]).
    reopened: bool,
}

impl Snapshot {
    /// Opens a directory or archive, hashes and classifies every file, and computes the tree ids.
    ///
    /// For an archive, the files are kept in the blob store `config.blob_dir` when one is given (never as
    /// a file tree); otherwise the archive is only digested, and [`Snapshot::read`] returns
    /// [`SnapshotError::ContentNotKept`]. A file or directory that cannot be read completely refuses the
    /// whole snapshot ([`SnapshotError::Unreadable`], [`SnapshotError::ChangedWhileRead`]): no identity is
    /// stated for a partly read tree.
    pub fn open(path: &Path, config: &IngestConfig, progress: &Progress) -> Result<Snapshot, SnapshotError> {
        ingest::open(path, config, progress)
    }

    /// Opens the two snapshots of a comparison (an update `new` against the version `old` before it),
    /// giving exactly what two [`Snapshot::open`] calls give, with less work when both are directories:
    /// a file at the same path with the same bytes on both sides is read on both sides, compared, and
    /// hashed and analysed once. Archives, and a directory that reopens from its table, are opened on
    /// their own.
    pub fn open_pair(
        old: &Path,
        new: &Path,
        config: &IngestConfig,
        progress: &Progress,
    ) -> Result<(Snapshot, Snapshot), SnapshotError> {
        ingest::open_pair(old, new, config, progress)
    }

    /// Opens `path` as [`Snapshot::open`] does, beside `beside`, the other version of a comparison that
    /// is already open (the window's "Compare with…"): a file of `path` whose bytes hash to the SHA-256
    /// of `beside`'s file at the same path, where `beside` has no finding, takes that analysis with its
    /// own mode instead of being hashed in both object formats, classified and scanned again. Gives
    /// exactly what [`Snapshot::open`] gives, provided `beside` was opened with the classify and health
    /// settings of `config`.
    pub fn open_beside(
        path: &Path,
        beside: &Snapshot,
        config: &IngestConfig,
        progress: &Progress,
    ) -> Result<Snapshot, SnapshotError> {
        ingest::open_beside(path, beside, config, progress)
    }

    /// Opens a snapshot imported into `data` ([`Snapshot::import`]) by its name: `sha256:` and its id
    /// (the content key) or a prefix of it that only one imported snapshot has, or `@` and a label
    /// ([`store::DataDir::set_label`]). Nothing of the tree is walked or stat-ed: only the snapshot's
    /// record is read, and it must hash to the id; every file is read from the blob store and re-hashed
    /// on every read (see the `stored` module), so a blob changed on disk is an error, never content.
    /// Refused with a clear error when the name is malformed, unknown or ambiguous, or the record was
    /// written by another version of the analysis or with other `config` limits.
    pub fn open_stored(
        data: &store::DataDir,
        name: &str,
        config: &IngestConfig,
    ) -> Result<Snapshot, SnapshotError> {
        let key = data.resolve_name(name)?;
        let record = data.snapshot_dir(&key).join(stored::RECORD_FILE);
        stored::open(&record, &key, blobs::BlobStore::at(data.blob_dir()), config)
    }

    /// Imports this snapshot into `data`: copies every file whose content the blob store lacks (checking
    /// that it still hashes to what the open recorded) and writes the record that
    /// [`Snapshot::open_stored`] opens by the id `sha256:<content key>`. Blobs are shared by every
    /// snapshot that holds the same content. `config` must be the one the snapshot was opened with.
    pub fn import(
        &self,
        data: &store::DataDir,
        config: &IngestConfig,
        progress: &Progress,
    ) -> Result<ImportReport, SnapshotError> {
        let record = data.snapshot_dir(&self.content_key).join(stored::RECORD_FILE);
        stored::import(self, &blobs::BlobStore::at(data.blob_dir()), &record, config, progress)
    }

    /// [`Snapshot::open`] as if the ingest cache and reopen table were taken at `taken_ns` (nanoseconds
    /// since the epoch). For tests only: files a test has just written are within the racy window, so
    /// no table would vouch for them; a later `taken_ns` lets a test exercise the reopen path.
    #[doc(hidden)]
    pub fn open_taken_at(
        path: &Path,
        config: &IngestConfig,
        progress: &Progress,
        taken_ns: i64,
    ) -> Result<Snapshot, SnapshotError> {
        ingest::open_at(path, config, progress, taken_ns, ingest::Hooks::default())
    }

    /// Whether this directory snapshot was taken whole from its reopen table, after a stat of every
    /// entry found nothing changed since the table was written (see the `reopen` module): nothing was
    /// walked, read or hashed. Only with an ingest cache directory.
    pub fn reopened(&self) -> bool {
        self.reopened
    }

    /// How many files were taken from the ingest cache rather than read and hashed (0 without a cache).
    pub fn cached_files(&self) -> u64 {
        self.cached_files
    }

    /// The directory or archive the snapshot was opened from.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// A short human name for the snapshot (the directory or archive file name).
    pub fn name(&self) -> String {
        let path = match &self.origin {
            Origin::Directory { path } | Origin::Archive { path, .. } => path,
            Origin::Store { imported_from, .. } => imported_from,
        };
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string())
    }

    /// All files, sorted by path bytes. A snapshot opened from its stored record or reopen table keeps
    /// its manifest encoded until this is first called; a command that looks at a few files uses
    /// [`Snapshot::file_count`], [`Snapshot::find_file`], [`Snapshot::file_path`] and
    /// [`Snapshot::file_at`], which decode only what they return.
    ///
    /// # Panics
    /// On a snapshot opened by [`Snapshot::open_stored`] whose record turns out damaged when the rows not
    /// read yet are read: call [`Snapshot::try_files`] first where that can happen.
    pub fn files(&self) -> &[FileEntry] {
        self.files.all()
    }

    /// [`Snapshot::files`], or the damage found in an imported snapshot's record (whose rows are read
    /// when first asked for; see [`Snapshot::open_stored`]). Once it succeeds, [`Snapshot::files`]
    /// cannot fail.
    pub fn try_files(&self) -> Result<&[FileEntry], SnapshotError> {
        self.files.try_all()
    }

    /// Looks a file up by its path relative to the snapshot root (`/`-separated). Like
    /// [`Snapshot::files`], decodes the whole manifest on the first call; see [`Snapshot::find_file`].
    pub fn file(&self, path: &[u8]) -> Option<&FileEntry> {
        let files = self.files.all();
        files.binary_search_by(|f| f.path.as_bytes().cmp(path)).ok().and_then(|i| files.get(i))
    }

    /// The file at `path`, like [`Snapshot::file`] but decoding only that row while the manifest is
    /// encoded.
    /// An error only for an imported snapshot whose record is damaged where the lookup read it.
    pub fn file_entry(&self, path: &[u8]) -> Result<Option<std::borrow::Cow<'_, FileEntry>>, SnapshotError> {
        match self.files.find(path)? {
            Some(i) => self.files.get(i),
            None => Ok(None),
        }
    }

    /// The snapshot with its manifest decoded now, and the bytes it was read from let go: for a holder
    /// that keeps the snapshot open and walks every row (the window), so that it does not keep both.
    ///
    /// # Panics
    /// As [`Snapshot::files`] does, on a damaged record: call [`Snapshot::try_files`] first.
    pub fn into_decoded(self) -> Snapshot {
        match self.files.into_decoded() {
            Ok(files) => Snapshot { files, ..self },
            Err(e) => panic!("{e}"),
        }
    }

    /// Number of files (the length of [`Snapshot::files`]).
    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    /// The position in [`Snapshot::files`] of the file at `path`. This and the accessors below fail only
    /// for an imported snapshot whose record is damaged where they read it ([`Snapshot::open_stored`]).
    pub fn find_file(&self, path: &[u8]) -> Result<Option<usize>, SnapshotError> {
        self.files.find(path)
    }

    /// The path bytes of file `i` of [`Snapshot::files`].
    pub fn file_path(&self, i: usize) -> Result<Option<&[u8]>, SnapshotError> {
        self.files.path(i)
    }

    /// The size of file `i` of [`Snapshot::files`].
    pub fn file_size(&self, i: usize) -> Result<Option<u64>, SnapshotError> {
        self.files.size_bytes(i)
    }

    /// The paths of the files that [`FileEntry::is_indexable`] accepts, in manifest order, without
    /// decoding the manifest.
    pub fn indexable_paths(&self) -> impl Iterator<Item = Result<&[u8], SnapshotError>> {
        (0..self.files.len()).filter_map(|i| self.files.indexable_path(i).transpose())
    }

    /// The digest of the displayed paths of [`Snapshot::indexable_paths`] ([`indexable_paths_digest`]),
    /// when the snapshot's record states it (an imported snapshot opened by id); `None` otherwise.
    pub fn indexable_paths_digest(&self) -> Option<Sha256Id> {
        self.files.indexable_digest()
    }

    /// File `i` of [`Snapshot::files`]: borrowed once the manifest is decoded, else decoded alone.
    pub fn file_at(&self, i: usize) -> Result<Option<std::borrow::Cow<'_, FileEntry>>, SnapshotError> {
        self.files.get(i)
    }

    /// The snapshot's identity: git tree ids in both object formats, its SWHID, and file counts.
    pub fn ids(&self) -> &TreeIds {
        &self.ids
    }

    /// Everything found at ingest that could hide something from a reader.
    ///
    /// # Panics
    /// As [`Snapshot::files`] does, when an imported snapshot's record turns out damaged where its
    /// health report is (read when first asked for): call [`Snapshot::try_health`] first.
    pub fn health(&self) -> &HealthReport {
        match self.try_health() {
            Ok(h) => h,
            Err(e) => panic!("{e}"),
        }
    }

    /// [`Snapshot::health`], or the damage found in an imported snapshot's record.
    pub fn try_health(&self) -> Result<&HealthReport, SnapshotError> {
        self.files.stored_health().unwrap_or(Ok(&self.health))
    }

    /// When the snapshot root is a git checkout: its HEAD commit and whether the working tree equals it.
    pub fn git(&self) -> Option<&GitCheckout> {
        self.git.as_ref()
    }

    /// The key of everything derived from this snapshot's content (its data directory, indexes, review
    /// records): hex SHA-256 over the format family read (`dir`, `tar`, `zip`) and every manifest row
    /// (path bytes, mode, SHA-256, whether it is in the tree ids). Unlike the tree id, it differs for
    /// snapshots that differ only in files git leaves out, and for the two readings of a polyglot file.
    pub fn content_key(&self) -> &Sha256Id {
        &self.content_key
    }

    /// Reads the bytes of a file (for a symlink: its target text). Never follows a link, and checks that
    /// the bytes still hash to what was recorded at ingest, so content changed behind Vitrine's back is an
    /// error ([`SnapshotError::ChangedOnDisk`]) rather than a silent mismatch. The one accessor for bytes:
    /// shown, searched, indexed or signed. (There was a size-only read for the indexers, right after
    /// ingest; a file rewritten in place with as many bytes between ingest's read and theirs was then
    /// indexed from other bytes than were hashed, and the index kept under the hashed content's key.)
    pub fn read(&self, entry: &FileEntry) -> Result<Vec<u8>, SnapshotError> {
        content::read(&self.source, entry)
    }

    /// Whether the content of the files can be read (false for an archive that was only digested).
    pub fn has_content(&self) -> bool {
        !matches!(self.source, content::Source::Digested)
    }

    /// The `sha256sum -c` compatible manifest of every regular file.
    pub fn manifest(&self) -> String {
        manifest::render(self.files.all())
    }

    /// Total size in bytes of all files.
    pub fn total_bytes(&self) -> u64 {
        self.files.total_bytes()
    }
}
