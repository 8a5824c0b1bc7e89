//! The file table (`files.bin`): every file of the snapshot, why it is or is not indexed, its size.

use std::path::Path;

use serde::{Deserialize, Serialize};
use vitrine_snapshot::{ContentClass, EntryKind, FileEntry};

use super::format::*;
use crate::error::SearchError;

/// Why a file is, or is not, in the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileStatus {
    Indexed,
    Binary,
    TooLarge,
    Symlink,
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

/// Every file of the snapshot, in snapshot order; a file id is a position in this table.
#[derive(Debug)]
pub struct FileTable {
    pub(super) offsets: Vec<u32>,
    pub(super) status: Vec<u8>,
    pub(super) sizes: Vec<u64>,
    pub(super) paths: Vec<u8>,
}

impl FileTable {
    pub fn len(&self) -> usize {
        self.status.len()
    }

    pub fn is_empty(&self) -> bool {
        self.status.is_empty()
    }

    /// The path bytes of file `id` (relative, `/`-separated).
    pub fn path(&self, id: u32) -> &[u8] {
        let i = id as usize;
        let (Some(&a), Some(&b)) = (self.offsets.get(i), self.offsets.get(i + 1)) else { return &[] };
        self.paths.get(a as usize..b as usize).unwrap_or_default()
    }

    pub fn status(&self, id: u32) -> FileStatus {
        self.status.get(id as usize).and_then(|&c| FileStatus::from_code(c)).unwrap_or(FileStatus::Unreadable)
    }

    /// The id of the file at `path` (the table is sorted by path bytes, as the snapshot is).
    pub fn find(&self, path: &[u8]) -> Option<u32> {
        let (mut lo, mut hi) = (0usize, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.path(mid as u32).cmp(path) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid as u32),
            }
        }
        None
    }

    pub fn size_bytes(&self, id: u32) -> u64 {
        self.sizes.get(id as usize).copied().unwrap_or(0)
    }

    pub(super) fn encode(&self) -> Vec<u8> {
        let n = self.len();
        let mut out = Vec::with_capacity(16 + (n + 1) * 4 + n * 9 + self.paths.len());
        out.extend_from_slice(FILES_MAGIC);
        out.extend_from_slice(&(n as u64).to_le_bytes());
        for o in &self.offsets {
            out.extend_from_slice(&o.to_le_bytes());
        }
        out.extend_from_slice(&self.status);
        for s in &self.sizes {
            out.extend_from_slice(&s.to_le_bytes());
        }
        out.extend_from_slice(&self.paths);
        out
    }

    pub(super) fn decode(bytes: &[u8], path: &Path) -> Result<FileTable, SearchError> {
        let bad = |d: &str| SearchError::corrupt(path, d.to_owned());
        let mut r = Reader { bytes, pos: 0 };
        if r.take(8).ok_or_else(|| bad("truncated"))? != FILES_MAGIC {
            return Err(bad("bad magic"));
        }
        let n = usize::try_from(r.u64().ok_or_else(|| bad("truncated"))?).map_err(|_| bad("bad count"))?;
        if n > bytes.len() {
            return Err(bad("bad count"));
        }
        let mut offsets = Vec::with_capacity(n + 1);
        for _ in 0..=n {
            offsets.push(r.u32().ok_or_else(|| bad("truncated offsets"))?);
        }
        let status = r.take(n).ok_or_else(|| bad("truncated status"))?.to_vec();
        let mut sizes = Vec::with_capacity(n);
        for _ in 0..n {
            sizes.push(r.u64().ok_or_else(|| bad("truncated sizes"))?);
        }
        let paths = bytes.get(r.pos..).ok_or_else(|| bad("truncated paths"))?.to_vec();
        if offsets.first() != Some(&0)
            || offsets.windows(2).any(|w| matches!(w, [a, b] if a > b))
            || offsets.last().map(|&o| o as usize) != Some(paths.len())
            || status.iter().any(|&s| FileStatus::from_code(s).is_none())
        {
            return Err(bad("inconsistent file table"));
        }
        Ok(FileTable { offsets, status, sizes, paths })
    }
}
