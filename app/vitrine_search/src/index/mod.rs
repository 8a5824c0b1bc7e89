//! The on-disk index of one snapshot: the file table and the trigram posting file.
//!
//! Layout of `<data>/snapshots/<tree_sha256>/index/`:
//! - `files.bin`: every file of the snapshot (indexed or not, and why not), its size and path;
//! - `trigrams.bin`: for every lower-cased byte trigram, the ids of the files that contain it
//!   (delta + varint), behind a table sorted by trigram and a 64 K-entry table by the first two bytes,
//!   so that opening reads 256 KB and a lookup reads only the lists it needs;
//! - `meta.json`: format version, snapshot id, counts and the byte length of each file, written last.
//!
//! The build writes into a temporary sibling directory and renames it into place, so a reader never
//! sees half an index; any structural inconsistency on open is reported as [`SearchError::Corrupt`].
//!
//! A plain posting file rather than a tantivy field: measured on the Linux tree (STACK.md), it builds in
//! a third of the time of tantivy-based trigram storage with half the memory, and byte trigrams need no
//! UTF-8 mapping.
//!
//! The parts: `files` is the file table, `trigrams` the posting file, `filters` the word filters of
//! large files, `format` their shared encodings, and `build` writes all of them.

mod build;
mod files;
mod filters;
mod format;
mod trigrams;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use vitrine_snapshot::Snapshot;
use vitrine_snapshot::progress::Progress;

use self::filters::WordFilters;
use crate::error::SearchError;
use crate::text::search_text;

pub use self::build::{build, build_into};
pub use self::files::{FileStatus, FileTable};
pub use self::trigrams::TrigramFile;

/// Bumped whenever the on-disk layout changes; an index of another version is rebuilt.
pub const FORMAT_VERSION: u32 = 2;

/// What `meta.json` records about a finished index.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct IndexMeta {
    pub format: u32,
    pub tree_sha256: String,
    pub files_total: u64,
    pub files_indexed: u64,
    pub bytes_indexed: u64,
    /// Files not searched, by reason (`binary`, `too-large`, `symlink`, `unreadable`).
    pub left_out: BTreeMap<String, u64>,
    pub trigrams: u64,
    pub files_bin_bytes: u64,
    pub trigrams_bin_bytes: u64,
    /// Absent in format 1, so that such an index is refused for its version, not called corrupt.
    #[serde(default)]
    pub words_bin_bytes: u64,
    pub build_ms: u64,
}

impl IndexMeta {
    /// Number of files that searches do not look into.
    pub fn files_not_searched(&self) -> u64 {
        self.left_out.values().sum()
    }
}

/// An opened index: the file table in memory and the posting file on demand.
#[derive(Debug)]
pub struct Index {
    dir: PathBuf,
    meta: IndexMeta,
    files: FileTable,
    trigrams: TrigramFile,
    words: WordFilters,
    content_root: PathBuf,
    definitions: Option<Arc<dyn DefinitionSource>>,
}

/// Where `sym:` finds definitions and what lets files that define a query word rank first: the symbol
/// index, plugged in by the application, so that this crate needs no parser.
pub trait DefinitionSource: Send + Sync + std::fmt::Debug {
    /// Every definition named exactly `name` (ignoring case unless `case_sensitive`).
    fn definitions(&self, name: &str, case_sensitive: bool) -> Result<Vec<Definition>, String>;
}

/// Where a definition's name is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    /// The file's path as in the snapshot.
    pub path: Vec<u8>,
    /// 1-based line of the name.
    pub line: u64,
    /// 0-based byte column of the name in its line.
    pub column: usize,
}

impl Index {
    /// Opens the index in `dir` for the snapshot `tree_sha256` whose files are under `content_root`.
    pub fn open(dir: &Path, tree_sha256: &str, content_root: &Path) -> Result<Index, SearchError> {
        let meta_path = dir.join("meta.json");
        let meta_bytes = std::fs::read(&meta_path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => SearchError::io(&meta_path, e),
            _ => SearchError::corrupt(&meta_path, e.to_string()),
        })?;
        let meta: IndexMeta = serde_json::from_slice(&meta_bytes)
            .map_err(|e| SearchError::corrupt(&meta_path, e.to_string()))?;
        if meta.format != FORMAT_VERSION {
            return Err(SearchError::Mismatch {
                path: dir.to_path_buf(),
                detail: format!("format {} (this build reads {FORMAT_VERSION})", meta.format),
            });
        }
        if meta.tree_sha256 != tree_sha256 {
            return Err(SearchError::Mismatch {
                path: dir.to_path_buf(),
                detail: format!("built for snapshot {}", meta.tree_sha256),
            });
        }
        let files_path = dir.join("files.bin");
        let files_bytes =
            std::fs::read(&files_path).map_err(|e| SearchError::corrupt(&files_path, e.to_string()))?;
        if files_bytes.len() as u64 != meta.files_bin_bytes {
            return Err(SearchError::corrupt(&files_path, "length differs from meta.json"));
        }
        let files = FileTable::decode(&files_bytes, &files_path)?;
        if files.len() as u64 != meta.files_total {
            return Err(SearchError::corrupt(&files_path, "file count differs from meta.json"));
        }
        let n =
            u32::try_from(files.len()).map_err(|_| SearchError::corrupt(&files_path, "too many files"))?;
        let trigrams = TrigramFile::open(&dir.join("trigrams.bin"), meta.trigrams_bin_bytes, n)?;
        let words = WordFilters::open(&dir.join("words.bin"), meta.words_bin_bytes, n)?;
        Ok(Index {
            dir: dir.to_path_buf(),
            meta,
            files,
            trigrams,
            words,
            content_root: content_root.to_path_buf(),
            definitions: None,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn meta(&self) -> &IndexMeta {
        &self.meta
    }

    pub fn files(&self) -> &FileTable {
        &self.files
    }

    pub fn trigrams(&self) -> &TrigramFile {
        &self.trigrams
    }

    /// Whether file `id` may contain the whole word `word` (lower-case ASCII identifier): false only
    /// when its word filter rules it out; files without a filter always may.
    pub(crate) fn may_contain_word(&self, id: u32, word: &str) -> bool {
        self.words.may_contain(id, word)
    }

    /// Plugs in the definitions behind `sym:` and the ranking of defining files.
    pub fn set_definitions(&mut self, source: Arc<dyn DefinitionSource>) {
        self.definitions = Some(source);
    }

    pub fn definitions(&self) -> Option<&dyn DefinitionSource> {
        self.definitions.as_deref()
    }

    pub fn content_root(&self) -> &Path {
        &self.content_root
    }

    /// Reads file `id` from the snapshot content and calls `f` with its searchable text; `None` when the
    /// file has changed size since indexing (reported to the caller rather than searched).
    ///
    /// Files are read into a buffer kept per thread (no allocation, no page faults per file) with one
    /// `read` of one byte more than the indexed size: a regular file returns fewer bytes than asked only
    /// at its end, so getting exactly the indexed size means the file still has that size, without the
    /// second `read` that would confirm the end (a fifth of the syscalls of a count on Boost).
    pub(crate) fn with_text<R>(&self, id: u32, f: impl FnOnce(&[u8]) -> R) -> Result<Option<R>, SearchError> {
        use std::os::unix::ffi::OsStrExt;
        use std::os::unix::fs::OpenOptionsExt;
        let path = self.content_root.join(std::ffi::OsStr::from_bytes(self.files.path(id)));
        // Never follow a link that appeared after ingest.
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
            .map_err(|e| SearchError::io(&path, e))?;
        let Ok(size) = usize::try_from(self.files.size_bytes(id)) else { return Ok(None) };
        let mut read = |buf: &mut Vec<u8>| -> Result<bool, SearchError> {
            if buf.len() < size + 1 {
                buf.resize(size + 1, 0);
            }
            let mut got = 0usize;
            while let Some(dst) = buf.get_mut(got..=size) {
                match file.read(dst) {
                    Ok(0) => break,
                    Ok(n) => {
                        got += n;
                        if got == size {
                            break;
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(SearchError::io(&path, e)),
                }
            }
            Ok(got == size)
        };
        let text = |raw: &[u8]| match search_text(raw) {
            std::borrow::Cow::Borrowed(b) => f(b),
            std::borrow::Cow::Owned(b) => f(&b),
        };
        if size > READ_BUFFER_MAX {
            let mut own = Vec::new();
            return Ok(read(&mut own)?.then(|| text(own.get(..size).unwrap_or_default())));
        }
        READ_BUFFER.with(|cell| {
            let mut buf = cell.borrow_mut();
            Ok(read(&mut buf)?.then(|| text(buf.get(..size).unwrap_or_default())))
        })
    }
}

/// Files up to this size are read into the per-thread buffer; larger ones into their own.
const READ_BUFFER_MAX: usize = 1 << 20;

thread_local! {
    static READ_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// What happened when an index was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// An existing index was opened as is.
    Reused,
    /// There was none; it was built.
    Built,
    /// The one on disk could not be used (corrupt, other format); it was rebuilt. The reason is for
    /// the user.
    Rebuilt { reason: String },
}

/// Opens the index of `snap` under `index_dir`, building it when missing and rebuilding it when the one
/// on disk cannot be trusted.
pub fn open_or_build(
    snap: &Snapshot,
    index_dir: &Path,
    progress: &Progress,
) -> Result<(Index, Opened), SearchError> {
    let root = snap.content_root().ok_or(SearchError::NoContent)?;
    let tree = &snap.ids().tree_sha256;
    let reason = match Index::open(index_dir, tree, root) {
        Ok(index) => return Ok((index, Opened::Reused)),
        Err(SearchError::Io { source, .. })
            if source.kind() == std::io::ErrorKind::NotFound && !index_dir.exists() =>
        {
            None
        }
        Err(e) => Some(e.to_string()),
    };
    build_into(snap, index_dir, progress)?;
    let index = Index::open(index_dir, tree, root)?;
    Ok((
        index,
        match reason {
            None => Opened::Built,
            Some(reason) => Opened::Rebuilt { reason },
        },
    ))
}
