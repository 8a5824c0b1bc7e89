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

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use vitrine_snapshot::progress::Progress;
use vitrine_snapshot::{ContentClass, EntryKind, FileEntry, Snapshot, SnapshotContent};

use crate::error::SearchError;
use crate::text::search_text;
use crate::trigram::{self, Trigram};

/// Bumped whenever the on-disk layout changes; an index of another version is rebuilt.
pub const FORMAT_VERSION: u32 = 2;

const FILES_MAGIC: &[u8; 8] = b"VTFILES1";
const TRI_MAGIC: &[u8; 8] = b"VTTRI001";
const WORDS_MAGIC: &[u8; 8] = b"VTWORDS1";
const WORDS_ENTRY_BYTES: usize = 24;
const PREFIXES: usize = 1 << 16;
const ENTRY_BYTES: usize = 16;

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
    fn code(self) -> u8 {
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

    fn of(entry: &FileEntry) -> FileStatus {
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

/// Every file of the snapshot, in snapshot order; a file id is a position in this table.
#[derive(Debug)]
pub struct FileTable {
    offsets: Vec<u32>,
    status: Vec<u8>,
    sizes: Vec<u64>,
    paths: Vec<u8>,
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

    fn encode(&self) -> Vec<u8> {
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

    fn decode(bytes: &[u8], path: &Path) -> Result<FileTable, SearchError> {
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

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.bytes.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }

    fn u32(&mut self) -> Option<u32> {
        self.take(4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Option<u64> {
        self.take(8).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes)
    }
}

/// The trigram posting file, read on demand.
#[derive(Debug)]
pub struct TrigramFile {
    file: File,
    path: PathBuf,
    /// Entry index where each two-byte prefix starts (65,537 values).
    prefix_start: Vec<u32>,
    entries_at: u64,
    postings_at: u64,
    postings_len: u64,
    files: u32,
}

impl TrigramFile {
    fn open(path: &Path, expected_len: u64, files: u32) -> Result<TrigramFile, SearchError> {
        let file = File::open(path).map_err(|e| SearchError::io(path, e))?;
        let len = file.metadata().map_err(|e| SearchError::io(path, e))?.len();
        let bad = |d: &str| SearchError::corrupt(path, d.to_owned());
        if len != expected_len {
            return Err(bad("length differs from meta.json"));
        }
        let head_len = 24 + (PREFIXES + 1) * 4;
        let mut head = vec![0u8; head_len];
        file.read_exact_at(&mut head, 0).map_err(|_| bad("truncated header"))?;
        let mut r = Reader { bytes: &head, pos: 0 };
        if r.take(8) != Some(TRI_MAGIC) {
            return Err(bad("bad magic"));
        }
        let n_entries = r.u64().ok_or_else(|| bad("truncated"))?;
        let postings_len = r.u64().ok_or_else(|| bad("truncated"))?;
        let mut prefix_start = Vec::with_capacity(PREFIXES + 1);
        for _ in 0..=PREFIXES {
            prefix_start.push(r.u32().ok_or_else(|| bad("truncated prefix table"))?);
        }
        let entries_at = head_len as u64;
        let postings_at = entries_at + n_entries * ENTRY_BYTES as u64;
        if postings_at + postings_len != len
            || prefix_start.first() != Some(&0)
            || prefix_start.windows(2).any(|w| matches!(w, [a, b] if a > b))
            || prefix_start.last().map(|&p| u64::from(p)) != Some(n_entries)
        {
            return Err(bad("inconsistent trigram table"));
        }
        Ok(TrigramFile {
            file,
            path: path.to_path_buf(),
            prefix_start,
            entries_at,
            postings_at,
            postings_len,
            files,
        })
    }

    /// The number of files containing trigram `t` (read from the table; the list is not decoded).
    pub fn count(&self, t: Trigram) -> Result<u32, SearchError> {
        Ok(self.entry(t)?.map_or(0, |(count, _, _)| count))
    }

    /// The sorted ids of the files containing trigram `t`.
    pub fn postings(&self, t: Trigram) -> Result<Vec<u32>, SearchError> {
        let Some((count, off, end)) = self.entry(t)? else { return Ok(Vec::new()) };
        let mut buf = vec![0u8; (end - off) as usize];
        self.file
            .read_exact_at(&mut buf, self.postings_at + off)
            .map_err(|e| SearchError::io(&self.path, e))?;
        decode_postings(&buf, count, self.files)
            .ok_or_else(|| SearchError::corrupt(&self.path, "bad posting list"))
    }

    /// (list length, start and end offsets of the encoded list) of trigram `t`, if any file has it.
    fn entry(&self, t: Trigram) -> Result<Option<(u32, u64, u64)>, SearchError> {
        let prefix = (t >> 8) as usize;
        let (Some(&lo), Some(&hi)) = (self.prefix_start.get(prefix), self.prefix_start.get(prefix + 1))
        else {
            return Ok(None);
        };
        if lo == hi {
            return Ok(None);
        }
        let mut table = vec![0u8; (hi - lo) as usize * ENTRY_BYTES];
        self.file
            .read_exact_at(&mut table, self.entries_at + u64::from(lo) * ENTRY_BYTES as u64)
            .map_err(|e| SearchError::io(&self.path, e))?;
        let found = table.chunks_exact(ENTRY_BYTES).find_map(|e| {
            let mut r = Reader { bytes: e, pos: 0 };
            let (tri, count, off) = (r.u32()?, r.u32()?, r.u64()?);
            (tri == t).then_some((count, off))
        });
        let Some((count, off)) = found else { return Ok(None) };
        let next_off = table
            .chunks_exact(ENTRY_BYTES)
            .filter_map(|e| Some((u32::from_le_bytes(e.get(..4)?.try_into().ok()?), e.get(8..16)?)))
            .skip_while(|(tri, _)| *tri != t)
            .nth(1)
            .and_then(|(_, o)| o.try_into().ok().map(u64::from_le_bytes));
        let end = match next_off {
            Some(o) => o,
            // The last entry of a prefix: its list ends where the next prefix's first list starts.
            None => self.next_list_start(hi)?,
        };
        if off > end || end > self.postings_len {
            return Err(SearchError::corrupt(&self.path, "posting offsets out of range"));
        }
        Ok(Some((count, off, end)))
    }

    fn next_list_start(&self, entry: u32) -> Result<u64, SearchError> {
        let Some(&total) = self.prefix_start.last() else { return Ok(self.postings_len) };
        if entry >= total {
            return Ok(self.postings_len);
        }
        let mut e = [0u8; ENTRY_BYTES];
        self.file
            .read_exact_at(&mut e, self.entries_at + u64::from(entry) * ENTRY_BYTES as u64)
            .map_err(|err| SearchError::io(&self.path, err))?;
        let mut r = Reader { bytes: &e, pos: 8 };
        r.u64().ok_or_else(|| SearchError::corrupt(&self.path, "truncated entry"))
    }
}

fn decode_postings(buf: &[u8], count: u32, files: u32) -> Option<Vec<u32>> {
    let mut out = Vec::with_capacity(count as usize);
    let mut pos = 0usize;
    // The first id is stored as is, every later one as a gap of at least 1.
    let mut next_min = 0u32;
    for _ in 0..count {
        // Most gaps fit in one byte: decode those without the general loop.
        let (v, used) = match buf.get(pos) {
            Some(&b) if b < 0x80 => (u32::from(b), 1),
            Some(_) => read_varint(buf.get(pos..)?)?,
            None => return None,
        };
        pos += used;
        let id = if out.is_empty() { v } else { next_min.checked_add(v)?.checked_sub(1)? };
        if id >= files || (!out.is_empty() && v == 0) {
            return None;
        }
        out.push(id);
        next_min = id + 1;
    }
    (pos == buf.len()).then_some(out)
}

fn read_varint(buf: &[u8]) -> Option<(u32, usize)> {
    let mut v: u32 = 0;
    for (i, &b) in buf.iter().enumerate().take(5) {
        v |= u32::from(b & 0x7f).checked_shl(7 * i as u32)?;
        if b & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

fn write_varint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn varint_len(v: u32) -> u32 {
    match v {
        0..0x80 => 1,
        0x80..0x4000 => 2,
        0x4000..0x20_0000 => 3,
        0x20_0000..0x1000_0000 => 4,
        _ => 5,
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
    content: SnapshotContent,
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
    /// Opens the index in `dir` for the snapshot `tree_sha256` whose files are read through `content`.
    pub fn open(dir: &Path, tree_sha256: &str, content: SnapshotContent) -> Result<Index, SearchError> {
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
        Ok(Index { dir: dir.to_path_buf(), meta, files, trigrams, words, content, definitions: None })
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

    /// Reads file `id` from the snapshot content and calls `f` with its searchable text; `None` when the
    /// file has changed size since indexing (reported to the caller rather than searched).
    ///
    /// Files are read into a buffer kept per thread (no allocation, no page faults per file) with one
    /// `read` of one byte more than the indexed size: a regular file returns fewer bytes than asked only
    /// at its end, so getting exactly the indexed size means the file still has that size, without the
    /// second `read` that would confirm the end (a fifth of the syscalls of a count on Boost).
    pub(crate) fn with_text<R>(&self, id: u32, f: impl FnOnce(&[u8]) -> R) -> Result<Option<R>, SearchError> {
        let rel = self.files.path(id);
        let path = PathBuf::from(vitrine_snapshot::path_display(rel));
        // Only a regular file of the snapshot's manifest, never through a link (see `SnapshotContent`).
        let mut file = match self.content.open(rel) {
            Ok(f) => f,
            Err(vitrine_snapshot::SnapshotError::ChangedOnDisk { .. }) => return Ok(None),
            Err(e) => return Err(SearchError::io(&path, std::io::Error::other(e))),
        };
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

/// The word filters of the large files (see `words.rs`), read on demand.
#[derive(Debug)]
struct WordFilters {
    file: File,
    /// file id -> (offset of the filter's bytes in the file, length in bytes), sorted by id.
    table: Vec<(u32, u64, u64)>,
}

impl WordFilters {
    fn open(path: &Path, expected_len: u64, files: u32) -> Result<WordFilters, SearchError> {
        let bad = |d: &str| SearchError::corrupt(path, d.to_owned());
        let file = File::open(path).map_err(|e| SearchError::corrupt(path, e.to_string()))?;
        let len = file.metadata().map_err(|e| SearchError::io(path, e))?.len();
        if len != expected_len {
            return Err(bad("length differs from meta.json"));
        }
        let mut head = [0u8; 16];
        file.read_exact_at(&mut head, 0).map_err(|_| bad("truncated header"))?;
        let mut r = Reader { bytes: &head, pos: 0 };
        if r.take(8) != Some(WORDS_MAGIC) {
            return Err(bad("bad magic"));
        }
        let n = r.u64().ok_or_else(|| bad("truncated"))?;
        if n > u64::from(files) {
            return Err(bad("too many filters"));
        }
        let mut raw = vec![0u8; n as usize * WORDS_ENTRY_BYTES];
        file.read_exact_at(&mut raw, 16).map_err(|_| bad("truncated table"))?;
        let mut table = Vec::with_capacity(n as usize);
        let mut r = Reader { bytes: &raw, pos: 0 };
        for _ in 0..n {
            let mut field = || r.u64().ok_or_else(|| bad("truncated table"));
            let (id_word, off, len_word) = (field()?, field()?, field()?);
            // Little-endian: the low half of each 8-byte field holds the 4-byte value; the rest is zero.
            let (id, flen) = ((id_word & 0xffff_ffff) as u32, len_word & 0xffff_ffff);
            if id >= files || off.checked_add(flen).is_none_or(|end| end > len) || flen == 0 {
                return Err(bad("filter out of range"));
            }
            table.push((id, off, flen));
        }
        if table.windows(2).any(|w| matches!(w, [a, b] if a.0 >= b.0)) {
            return Err(bad("table not sorted"));
        }
        Ok(WordFilters { file, table })
    }

    fn may_contain(&self, id: u32, word: &str) -> bool {
        let Ok(i) = self.table.binary_search_by_key(&id, |e| e.0) else { return true };
        let Some(&(_, off, len)) = self.table.get(i) else { return true };
        crate::words::probes(word.as_bytes(), len * 8).all(|bit| {
            let mut byte = [0u8; 1];
            // An unreadable filter must not hide a file: treat it as "maybe".
            self.file.read_exact_at(&mut byte, off + bit / 8).is_err() || byte[0] & (1 << (bit % 8)) != 0
        })
    }
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
    if !snap.has_content() {
        return Err(SearchError::NoContent);
    }
    let tree = &snap.ids().tree_sha256;
    let reason = match Index::open(index_dir, tree, snap.content()) {
        Ok(index) => return Ok((index, Opened::Reused)),
        Err(SearchError::Io { source, .. })
            if source.kind() == std::io::ErrorKind::NotFound && !index_dir.exists() =>
        {
            None
        }
        Err(e) => Some(e.to_string()),
    };
    build_into(snap, index_dir, progress)?;
    let index = Index::open(index_dir, tree, snap.content())?;
    Ok((
        index,
        match reason {
            None => Opened::Built,
            Some(reason) => Opened::Rebuilt { reason },
        },
    ))
}

/// Builds the index of `snap` into `index_dir`, replacing whatever is there.
pub fn build_into(snap: &Snapshot, index_dir: &Path, progress: &Progress) -> Result<IndexMeta, SearchError> {
    let parent = index_dir.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| SearchError::io(parent, e))?;
    let name =
        index_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "index".into());
    let tmp = parent.join(format!("{name}.tmp-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| SearchError::io(&tmp, e))?;
    }
    std::fs::create_dir_all(&tmp).map_err(|e| SearchError::io(&tmp, e))?;
    let meta = match build(snap, &tmp, progress) {
        Ok(m) => m,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    if index_dir.exists() {
        std::fs::remove_dir_all(index_dir).map_err(|e| SearchError::io(index_dir, e))?;
    }
    std::fs::rename(&tmp, index_dir).map_err(|e| SearchError::io(index_dir, e))?;
    sync_dir(parent);
    Ok(meta)
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// The ordered part of pass 1: what has been gathered so far, in file order.
struct Fold {
    forward: Vec<u8>,
    files: Vec<u32>,
    bytes: u64,
    filters: Vec<(u32, Vec<u8>)>,
}

impl Fold {
    fn add(
        &mut self,
        results: Vec<(u32, Option<FileTrigrams>)>,
        acc: &mut [[u32; 3]],
        status: &mut [FileStatus],
    ) {
        for (id, result) in results {
            let Some((tris, len, filter)) = result else {
                if let Some(s) = status.get_mut(id as usize) {
                    *s = FileStatus::Unreadable;
                }
                continue;
            };
            self.bytes += len;
            if let Some(f) = filter {
                self.filters.push((id, f));
            }
            self.files.push(id);
            write_varint(&mut self.forward, tris.len() as u32);
            let mut prev = 0u32;
            for &t in &tris {
                write_varint(&mut self.forward, t - prev);
                prev = t;
                let Some(a) = acc.get_mut(t as usize) else { continue };
                a[0] += 1;
                a[1] += varint_len(if a[2] == 0 { id } else { id - (a[2] - 1) });
                a[2] = id + 1;
            }
        }
    }
}

/// A file's distinct trigrams, its size in bytes, and its word filter when it is large.
type FileTrigrams = (Vec<Trigram>, u64, Option<Vec<u8>>);

/// Files per parallel batch: large enough to keep both cores busy, small enough to bound memory.
const BATCH: usize = 512;

/// Builds the index files into `dir` (an empty directory).
pub fn build(snap: &Snapshot, dir: &Path, progress: &Progress) -> Result<IndexMeta, SearchError> {
    let started = Instant::now();
    let entries = snap.files();
    let n = u32::try_from(entries.len()).map_err(|_| SearchError::TooLarge("more than 2^32 files".into()))?;
    let mut status: Vec<FileStatus> = entries.iter().map(FileStatus::of).collect();
    let indexable: Vec<u32> =
        (0..n).filter(|&i| status.get(i as usize).copied() == Some(FileStatus::Indexed)).collect();
    progress.set_phase("indexing", indexable.len() as u64);

    // Pass 1: each file's distinct trigrams, in parallel; in file order, count list lengths and encoded
    // sizes, and keep each file's trigrams delta-encoded (the "forward" lists) for pass 2. The ordered
    // fold of one batch runs while the next batch is read, so neither waits for the other.
    // Per trigram: [list length, encoded bytes, last file id + 1 (0: none)], together for one cache miss.
    let mut acc: Vec<[u32; 3]> = vec![[0; 3]; 1 << 24];
    let mut fold = Fold { forward: Vec::new(), files: Vec::new(), bytes: 0, filters: Vec::new() };
    let compute = |batch: &[u32]| -> Vec<(u32, Option<FileTrigrams>)> {
        batch
            .par_iter()
            .map(|&id| {
                let out = entries.get(id as usize).and_then(|entry| {
                    let raw = snap.read_unverified(entry).ok()?;
                    let text = search_text(&raw);
                    let filter = (text.len() as u64 >= crate::words::MIN_FILE_BYTES)
                        .then(|| crate::words::build(&text));
                    let tris = SEEN.with(|seen| {
                        let mut seen = seen.borrow_mut();
                        if seen.is_empty() {
                            seen.resize(trigram::SEEN_WORDS, 0);
                        }
                        let mut out = Vec::new();
                        trigram::distinct_trigrams(&text, &mut seen, &mut out);
                        out
                    });
                    progress.advance(1, raw.len() as u64);
                    Some((tris, raw.len() as u64, filter))
                });
                (id, out)
            })
            .collect()
    };
    let mut pending: Option<Vec<(u32, Option<FileTrigrams>)>> = None;
    for batch in indexable.chunks(BATCH) {
        if progress.is_cancelled() {
            return Err(SearchError::Cancelled);
        }
        let previous = pending.take();
        let ((), results) = rayon::join(
            || {
                if let Some(p) = previous {
                    fold.add(p, &mut acc, &mut status);
                }
            },
            || compute(batch),
        );
        pending = Some(results);
    }
    if let Some(p) = pending.take() {
        fold.add(p, &mut acc, &mut status);
    }
    if progress.is_cancelled() {
        return Err(SearchError::Cancelled);
    }
    progress.set_phase("writing index", 1);
    let Fold { forward, files: forward_files, bytes: bytes_indexed, filters } = fold;

    // Pass 2: place every list at its offset. acc[t][1] becomes the list's write position and
    // acc[t][2] its last file id + 1 again.
    let mut total: u64 = 0;
    for a in acc.iter_mut() {
        let len = a[1];
        a[1] = u32::try_from(total).map_err(|_| SearchError::TooLarge("posting lists exceed 4 GB".into()))?;
        a[2] = 0;
        total += u64::from(len);
    }
    let total_len = usize::try_from(total).map_err(|_| SearchError::TooLarge("posting lists".into()))?;
    let mut postings = vec![0u8; total_len];
    let mut r = 0usize;
    let mut scratch = Vec::with_capacity(5);
    for &id in &forward_files {
        let (k, used) = read_varint(forward.get(r..).unwrap_or_default()).unwrap_or((0, 1));
        r += used;
        let mut t = 0u32;
        for _ in 0..k {
            let (d, used) = read_varint(forward.get(r..).unwrap_or_default()).unwrap_or((0, 1));
            r += used;
            t += d;
            let Some(a) = acc.get_mut(t as usize) else { continue };
            scratch.clear();
            write_varint(&mut scratch, if a[2] == 0 { id } else { id - (a[2] - 1) });
            a[2] = id + 1;
            let at = a[1] as usize;
            if let Some(dst) = postings.get_mut(at..at + scratch.len()) {
                dst.copy_from_slice(&scratch);
            }
            a[1] += scratch.len() as u32;
        }
    }
    drop(forward);

    // Table: one entry per present trigram; a list's start is its end minus its length.
    let mut table: Vec<u8> = Vec::new();
    let mut prefix_start = vec![0u32; PREFIXES + 1];
    let mut n_entries = 0u32;
    let mut running: u64 = 0;
    for (t, &[c, end, _]) in acc.iter().enumerate() {
        let prefix = t >> 8;
        if t & 0xff == 0
            && let Some(slot) = prefix_start.get_mut(prefix)
        {
            *slot = n_entries;
        }
        if c == 0 {
            continue;
        }
        table.extend_from_slice(&(t as u32).to_le_bytes());
        table.extend_from_slice(&c.to_le_bytes());
        table.extend_from_slice(&running.to_le_bytes());
        running = u64::from(end);
        n_entries += 1;
    }
    if let Some(slot) = prefix_start.get_mut(PREFIXES) {
        *slot = n_entries;
    }

    let tri_path = dir.join("trigrams.bin");
    let mut w = BufWriter::new(File::create(&tri_path).map_err(|e| SearchError::io(&tri_path, e))?);
    let io = |e| SearchError::io(&tri_path, e);
    w.write_all(TRI_MAGIC).map_err(io)?;
    w.write_all(&u64::from(n_entries).to_le_bytes()).map_err(io)?;
    w.write_all(&total.to_le_bytes()).map_err(io)?;
    for p in &prefix_start {
        w.write_all(&p.to_le_bytes()).map_err(io)?;
    }
    w.write_all(&table).map_err(io)?;
    w.write_all(&postings).map_err(io)?;
    let f = w.into_inner().map_err(|e| SearchError::io(&tri_path, e.into_error()))?;
    f.sync_all().map_err(io)?;
    let trigrams_bin_bytes = f.metadata().map_err(io)?.len();

    let words_bin_bytes = write_word_filters(&dir.join("words.bin"), &filters)?;
    drop(filters);

    let mut offsets = Vec::with_capacity(entries.len() + 1);
    let mut paths = Vec::new();
    offsets.push(0u32);
    for e in entries {
        paths.extend_from_slice(e.path.as_bytes());
        offsets.push(u32::try_from(paths.len()).map_err(|_| SearchError::TooLarge("path table".into()))?);
    }
    let table = FileTable {
        offsets,
        status: status.iter().map(|s| s.code()).collect(),
        sizes: entries.iter().map(|e| e.size_bytes).collect(),
        paths,
    };
    let files_bytes = table.encode();
    write_synced(&dir.join("files.bin"), &files_bytes)?;

    let mut left_out = BTreeMap::new();
    for s in &status {
        if *s != FileStatus::Indexed {
            *left_out.entry(s.as_str().to_owned()).or_insert(0) += 1;
        }
    }
    let meta = IndexMeta {
        format: FORMAT_VERSION,
        tree_sha256: snap.ids().tree_sha256.clone(),
        files_total: u64::from(n),
        files_indexed: forward_files.len() as u64,
        bytes_indexed,
        left_out,
        trigrams: u64::from(n_entries),
        files_bin_bytes: files_bytes.len() as u64,
        trigrams_bin_bytes,
        words_bin_bytes,
        build_ms: started.elapsed().as_millis() as u64,
    };
    let meta_json = serde_json::to_vec_pretty(&meta).map_err(|e| SearchError::corrupt(dir, e.to_string()))?;
    write_synced(&dir.join("meta.json"), &meta_json)?;
    progress.advance(1, 0);
    Ok(meta)
}

/// Writes `words.bin`: magic, count, (id, 0, offset, length) entries sorted by id, then the filters.
fn write_word_filters(path: &Path, filters: &[(u32, Vec<u8>)]) -> Result<u64, SearchError> {
    let mut out = Vec::new();
    out.extend_from_slice(WORDS_MAGIC);
    out.extend_from_slice(&(filters.len() as u64).to_le_bytes());
    let mut off = (16 + filters.len() * WORDS_ENTRY_BYTES) as u64;
    for (id, f) in filters {
        let len = u32::try_from(f.len()).map_err(|_| SearchError::TooLarge("word filter".into()))?;
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&off.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        off += u64::from(len);
    }
    for (_, f) in filters {
        out.extend_from_slice(f);
    }
    write_synced(path, &out)?;
    Ok(out.len() as u64)
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), SearchError> {
    let mut f = File::create(path).map_err(|e| SearchError::io(path, e))?;
    f.write_all(bytes).map_err(|e| SearchError::io(path, e))?;
    f.sync_all().map_err(|e| SearchError::io(path, e))
}

thread_local! {
    static SEEN: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip() {
        for v in [0u32, 1, 127, 128, 16_383, 16_384, u32::MAX] {
            let mut buf = Vec::new();
            write_varint(&mut buf, v);
            assert_eq!(buf.len() as u32, varint_len(v));
            assert_eq!(read_varint(&buf), Some((v, buf.len())));
        }
    }

    #[test]
    fn posting_lists_decode_and_reject_garbage() {
        let mut buf = Vec::new();
        for v in [3u32, 2, 10] {
            write_varint(&mut buf, v);
        }
        assert_eq!(decode_postings(&buf, 3, 100), Some(vec![3, 5, 15]));
        assert_eq!(decode_postings(&buf, 3, 10), None, "id out of range");
        assert_eq!(decode_postings(&buf, 2, 100), None, "trailing bytes");
        assert_eq!(decode_postings(&[0x80], 1, 100), None, "truncated varint");
        assert_eq!(decode_postings(&[3, 0], 2, 100), None, "a repeated id");
        let mut buf = Vec::new();
        for v in [0u32, 300, 1, 70_000] {
            write_varint(&mut buf, v);
        }
        assert_eq!(decode_postings(&buf, 4, 100_000), Some(vec![0, 300, 301, 70_301]));
    }
}
