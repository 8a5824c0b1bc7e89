//! The file table (`files.bin`): why each file of the snapshot is or is not indexed.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use vitrine_snapshot::{ContentClass, EntryKind, FileEntry, Snapshot};

use super::format::*;
use crate::error::SearchError;

/// Why a file is, or is not, in the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileStatus {
    /// A regular file whose text is in the trigram index.
    Indexed,
    /// Classified as binary content; not searched.
    Binary,
    /// Over the snapshot's size limit for text; not searched.
    TooLarge,
    /// A symbolic link; its target is not followed or searched.
    Symlink,
    /// Anything else that could not be read as text (special files, unreadable content).
    Unreadable,
}

impl FileStatus {
    pub(super) fn code(self) -> u8 {
        match self {
            FileStatus::Indexed => 0,
            FileStatus::Binary => 1,
            FileStatus::TooLarge => 2,
            FileStatus::Symlink => 3,
            FileStatus::Unreadable => 4,
        }
    }

    fn from_code(code: u8) -> Option<FileStatus> {
        Some(match code {
            0 => FileStatus::Indexed,
            1 => FileStatus::Binary,
            2 => FileStatus::TooLarge,
            3 => FileStatus::Symlink,
            4 => FileStatus::Unreadable,
            _ => return None,
        })
    }

    /// The name used in `meta.json`'s `left_out` and in the CLI output (`too-large`, kebab-case).
    pub fn as_str(self) -> &'static str {
        match self {
            FileStatus::Indexed => "indexed",
            FileStatus::Binary => "binary",
            FileStatus::TooLarge => "too-large",
            FileStatus::Symlink => "symlink",
            FileStatus::Unreadable => "unreadable",
        }
    }

    pub(super) fn of(entry: &FileEntry) -> FileStatus {
        if matches!(entry.kind, EntryKind::Symlink { .. }) {
            return FileStatus::Symlink;
        }
        if entry.is_indexable() {
            return FileStatus::Indexed;
        }
        match entry.class {
            ContentClass::Binary => FileStatus::Binary,
            ContentClass::TooLarge => FileStatus::TooLarge,
            ContentClass::Symlink => FileStatus::Symlink,
            _ => FileStatus::Unreadable,
        }
    }
}

/// Every file of the snapshot, in snapshot order; a file id is a position in the snapshot's manifest.
/// `files.bin` holds only why each file is or is not indexed: paths and sizes are the manifest's,
/// never the index's, so a damaged or crafted index cannot name a file that is not in the snapshot.
#[derive(Debug)]
pub struct FileTable {
    snap: Arc<Snapshot>,
    status: Vec<u8>,
}

impl FileTable {
    /// Number of files in the table: every manifest entry, indexed or not.
    pub fn len(&self) -> usize {
        self.status.len()
    }

    /// Whether the snapshot has no files at all.
    pub fn is_empty(&self) -> bool {
        self.status.is_empty()
    }

    /// The snapshot whose manifest this table follows.
    pub(super) fn snapshot(&self) -> &Snapshot {
        &self.snap
    }

    /// The manifest entry of file `id` (decoded alone while the snapshot's manifest is not: see
    /// [`Snapshot::file_at`]). This and the accessors below fail only when an imported snapshot's
    /// record is found damaged where they read it.
    pub fn entry(&self, id: u32) -> Result<Option<Cow<'_, FileEntry>>, SearchError> {
        Ok(self.snap.file_at(id as usize)?)
    }

    /// The path bytes of file `id` (relative, `/`-separated); empty for an id that is not a file.
    pub fn path(&self, id: u32) -> Result<&[u8], SearchError> {
        Ok(self.snap.file_path(id as usize)?.unwrap_or_default())
    }

    /// Why file `id` is or is not indexed; an id out of range reads as [`FileStatus::Unreadable`].
    pub fn status(&self, id: u32) -> FileStatus {
        self.status.get(id as usize).and_then(|&c| FileStatus::from_code(c)).unwrap_or(FileStatus::Unreadable)
    }

    /// The id of the file at `path`.
    pub fn find(&self, path: &[u8]) -> Result<Option<u32>, SearchError> {
        Ok(self.snap.find_file(path)?.and_then(|i| u32::try_from(i).ok()))
    }

    /// The size of file `id` as the manifest records it (0 for an id that is not a file).
    pub fn size_bytes(&self, id: u32) -> Result<u64, SearchError> {
        Ok(self.snap.file_size(id as usize)?.unwrap_or(0))
    }

    /// The table of `snap` with the given statuses (one per manifest row).
    pub(super) fn new(snap: Arc<Snapshot>, status: &[FileStatus]) -> FileTable {
        FileTable { snap, status: status.iter().map(|s| s.code()).collect() }
    }

    /// `files.bin`: magic, count, one status code per file.
    pub(super) fn encode(status: &[FileStatus]) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + status.len());
        out.extend_from_slice(FILES_MAGIC);
        out.extend_from_slice(&(status.len() as u64).to_le_bytes());
        out.extend(status.iter().map(|s| s.code()));
        out
    }

    /// Decodes `files.bin` for `snap`: exactly one known status per file of its manifest.
    pub(super) fn decode(bytes: &[u8], path: &Path, snap: Arc<Snapshot>) -> Result<FileTable, SearchError> {
        let bad = |d: &str| SearchError::corrupt(path, d.to_owned());
        let mut r = Reader::new(bytes);
        if r.take(8).ok_or_else(|| bad("truncated"))? != FILES_MAGIC {
            return Err(bad("bad magic"));
        }
        let n = r.u64().ok_or_else(|| bad("truncated"))?;
        if n != snap.file_count() as u64 {
            return Err(bad("file count differs from the snapshot's manifest"));
        }
        let status = r.rest().to_vec();
        if status.len() as u64 != n || status.iter().any(|&s| FileStatus::from_code(s).is_none()) {
            return Err(bad("inconsistent file table"));
        }
        Ok(FileTable { snap, status })
    }
}
