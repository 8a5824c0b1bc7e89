//! The record of an imported snapshot read by range (record format 2): a query opens it in time that
//! does not grow with the number of files, and reads only the blocks holding the rows it looks at.
//!
//! Layout (integers little-endian). The file is a fixed preamble, a table of block checksums, then the
//! **data**, cut into blocks of [`BLOCK`] bytes counted from the data's start:
//! - preamble ([`PREAMBLE`] bytes): [`MAGIC`], the data's length, the head's length, where the health
//!   section starts and how long it is, where the rows start and how long they are, where the
//!   row-offset table starts, the row count, the CRC-32 of the block table, and the CRC-32 of the
//!   preamble before it;
//! - the block table: one CRC-32 per data block (the last may be short);
//! - data: the **head** (small facts: the analysis fingerprint, format family, imported-from path, tree
//!   ids, content key, counts), then, each from the next block boundary, the **health section** (the
//!   health report: its findings grow with the files, so it is read only when asked for), the **rows**
//!   (as `cache::put_file_entry` writes them, sorted by path), and the **row-offset table**: one `u64`
//!   per row, where it starts in the data.
//!
//! A row never crosses a block boundary unless it starts on one (a row that does not fit in what is left
//! of a block starts the next block; one longer than a block starts on a boundary and spans whole
//! blocks), so the row at offset `s` is read by verifying the blocks from `s`'s one to its end.
//!
//! Opening reads the preamble, the block table (4 bytes per 4 KiB of record) and the head, and checks
//! them; nothing else is read until it is asked for. Every range read later is read from the file in
//! whole blocks, each checked against its CRC before any byte of it is used, and kept (so a block is read
//! and checked once per process). A block that does not match, a row that does not parse or an offset out
//! of place is an error naming the record file and the damage, returned by the read that found it: never
//! a row silently missing.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::cache::{self, RawEntry, Reader};
use crate::error::SnapshotError;
use crate::{EntryKind, FileEntry};

/// The magic of a record in this format (`stored::MAGIC` is format 1, read whole).
pub(crate) const MAGIC: &[u8; 16] = b"VITRINE-STORED\x00\x02";

/// Size of a checksummed block of the data.
pub(crate) const BLOCK: usize = 4096;

/// Size of the preamble: magic, eight `u64` fields, two CRC-32s.
const PREAMBLE: usize = 16 + 8 * 8 + 4 + 4;

/// Where the parts of the data are (offsets into the data).
#[derive(Debug, Clone, Copy)]
struct Layout {
    data_len: u64,
    head_len: u64,
    health_at: u64,
    health_len: u64,
    rows_at: u64,
    rows_len: u64,
    offsets_at: u64,
    rows: u64,
}

/// Encodes a record: `head` (the caller's encoding of the small facts), `health` (its encoding of the
/// health report) and the rows of `files`, which must be sorted by path.
pub(crate) fn encode(head: &[u8], health: &[u8], files: &[FileEntry]) -> Vec<u8> {
    let mut data = Vec::with_capacity(head.len() + health.len() + files.len() * 200 + 3 * BLOCK);
    data.extend_from_slice(head);
    pad(&mut data);
    let health_at = data.len();
    data.extend_from_slice(health);
    pad(&mut data);
    let rows_at = data.len();
    let mut offsets = Vec::with_capacity(files.len() * 8);
    let mut row = Vec::with_capacity(512);
    for f in files {
        row.clear();
        cache::put_file_entry(&mut row, f);
        let used = data.len() % BLOCK;
        if used != 0 && used + row.len() > BLOCK {
            pad(&mut data);
        }
        offsets.extend_from_slice(&(data.len() as u64).to_le_bytes());
        data.extend_from_slice(&row);
    }
    let rows_len = data.len() - rows_at;
    pad(&mut data);
    let offsets_at = data.len();
    data.extend_from_slice(&offsets);
    let layout = Layout {
        data_len: data.len() as u64,
        head_len: head.len() as u64,
        health_at: health_at as u64,
        health_len: health.len() as u64,
        rows_at: rows_at as u64,
        rows_len: rows_len as u64,
        offsets_at: offsets_at as u64,
        rows: files.len() as u64,
    };
    let mut table = Vec::with_capacity(data.len().div_ceil(BLOCK) * 4);
    for block in data.chunks(BLOCK) {
        table.extend_from_slice(&crc32fast::hash(block).to_le_bytes());
    }
    let mut out = Vec::with_capacity(PREAMBLE + table.len() + data.len());
    out.extend_from_slice(MAGIC);
    for v in [
        layout.data_len,
        layout.head_len,
        layout.health_at,
        layout.health_len,
        layout.rows_at,
        layout.rows_len,
        layout.offsets_at,
        layout.rows,
    ] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&crc32fast::hash(&table).to_le_bytes());
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&table);
    out.extend_from_slice(&data);
    out
}

/// Zeroes up to the next block boundary.
fn pad(data: &mut Vec<u8>) {
    let used = data.len() % BLOCK;
    if used != 0 {
        data.resize(data.len() + BLOCK - used, 0);
    }
}

/// Whether `first` (the record's first bytes) starts a record of this format.
pub(crate) fn is_this_format(first: &[u8]) -> bool {
    first.starts_with(MAGIC)
}

/// An open record: its checked preamble and block table, and the blocks read so far.
pub(crate) struct Record {
    file: File,
    path: PathBuf,
    layout: Layout,
    /// Where the data starts in the file.
    data_at: u64,
    crcs: Vec<u32>,
    /// Verified bytes by first block: one block, or the whole blocks of a row longer than one.
    units: Vec<OnceLock<Box<[u8]>>>,
}

impl std::fmt::Debug for Record {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let read = self.units.iter().filter(|u| u.get().is_some()).count();
        f.debug_struct("Record")
            .field("path", &self.path)
            .field("blocks", &self.crcs.len())
            .field("read", &read)
            .finish()
    }
}

impl Record {
    /// Opens `path` (already opened as `file`) and checks its preamble, length and block table.
    pub(crate) fn open(file: File, path: &Path) -> Result<Record, SnapshotError> {
        let damaged = |detail: &str| SnapshotError::StoredRecord {
            path: path.to_path_buf(),
            detail: format!("the record is damaged ({detail})"),
        };
        let io = |e| SnapshotError::io("read", path, e);
        let mut pre = [0u8; PREAMBLE];
        let len = file.metadata().map_err(|e| SnapshotError::io("fstat", path, e))?.len();
        if len < PREAMBLE as u64 {
            return Err(damaged("truncated"));
        }
        file.read_exact_at(&mut pre, 0).map_err(io)?;
        let (body, crc) = pre.split_at(PREAMBLE - 4);
        if crc32fast::hash(body).to_le_bytes() != crc {
            return Err(damaged("preamble checksum"));
        }
        let mut r = Reader::new(body);
        if r.take(MAGIC.len()) != Some(MAGIC.as_slice()) {
            return Err(damaged("not a record of this format"));
        }
        let mut field = || r.u64().ok_or_else(|| damaged("preamble"));
        let layout = Layout {
            data_len: field()?,
            head_len: field()?,
            health_at: field()?,
            health_len: field()?,
            rows_at: field()?,
            rows_len: field()?,
            offsets_at: field()?,
            rows: field()?,
        };
        let table_crc = r.array::<4>().ok_or_else(|| damaged("preamble"))?;
        let block = BLOCK as u64;
        let blocks = layout.data_len.div_ceil(block);
        let rows_end = layout.rows_at.checked_add(layout.rows_len);
        let offsets_end = layout.rows.checked_mul(8).and_then(|n| n.checked_add(layout.offsets_at));
        let health_end = layout.health_at.checked_add(layout.health_len);
        let consistent = layout.head_len <= layout.health_at
            && layout.health_at.is_multiple_of(block)
            && health_end.is_some_and(|e| e <= layout.rows_at)
            && layout.rows_at.is_multiple_of(block)
            && layout.offsets_at.is_multiple_of(block)
            && rows_end.is_some_and(|e| e <= layout.offsets_at)
            && offsets_end == Some(layout.data_len);
        if !consistent {
            return Err(damaged("layout"));
        }
        let data_at = blocks.checked_mul(4).and_then(|t| t.checked_add(PREAMBLE as u64));
        if data_at.and_then(|d| d.checked_add(layout.data_len)) != Some(len) {
            return Err(damaged(&format!("{len} bytes, its preamble describes another length")));
        }
        let data_at = data_at.unwrap_or_default();
        let blocks = usize::try_from(blocks).map_err(|_| damaged("layout"))?;
        let mut table = vec![0u8; blocks * 4];
        file.read_exact_at(&mut table, PREAMBLE as u64).map_err(io)?;
        if crc32fast::hash(&table).to_le_bytes() != table_crc {
            return Err(damaged("block table checksum"));
        }
        let crcs = table.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        let units = (0..blocks).map(|_| OnceLock::new()).collect();
        Ok(Record { file, path: path.to_path_buf(), layout, data_at, crcs, units })
    }

    /// The record's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The damage error for this record.
    fn damaged(&self, detail: String) -> SnapshotError {
        SnapshotError::StoredRecord {
            path: self.path.clone(),
            detail: format!("the record is damaged ({detail})"),
        }
    }

    /// Bytes `start..end` of the data, verified. The range must lie in the blocks of one row (or of the
    /// head): from `start`'s block to `end`'s.
    fn range(&self, start: u64, end: u64) -> Result<&[u8], SnapshotError> {
        if start > end || end > self.layout.data_len {
            return Err(self.damaged(format!("bytes {start}..{end} asked of {}", self.layout.data_len)));
        }
        let block = BLOCK as u64;
        let first = start / block;
        let count = if end > start { (end - 1) / block - first + 1 } else { 1 };
        let base = first * block;
        let unit = self.unit(first as usize, count as usize)?;
        unit.get((start - base) as usize..(end - base) as usize)
            .ok_or_else(|| self.damaged(format!("bytes {start}..{end} cross a block they may not")))
    }

    /// The `count` blocks from `first`, verified and kept (under `first`: a later call for `first` gets
    /// what the first call read).
    fn unit(&self, first: usize, count: usize) -> Result<&[u8], SnapshotError> {
        let slot = self.units.get(first).ok_or_else(|| self.damaged(format!("block {first} asked")))?;
        if let Some(unit) = slot.get() {
            return Ok(unit);
        }
        let block = BLOCK as u64;
        let start = first as u64 * block;
        let len = (count as u64 * block).min(self.layout.data_len.saturating_sub(start));
        let mut buf = vec![0u8; len as usize];
        self.file
            .read_exact_at(&mut buf, self.data_at + start)
            .map_err(|e| SnapshotError::io("read", &self.path, e))?;
        for (i, chunk) in buf.chunks(BLOCK).enumerate() {
            let b = first + i;
            if self.crcs.get(b) != Some(&crc32fast::hash(chunk)) {
                return Err(self.damaged(format!("block {b} does not match its checksum")));
            }
        }
        // Another thread may have set it meanwhile: the same verified bytes.
        let _ = slot.set(buf.into_boxed_slice());
        slot.get().map(|u| &**u).ok_or_else(|| self.damaged(format!("block {first}")))
    }

    /// The head: the small facts the caller encoded.
    pub(crate) fn head(&self) -> Result<&[u8], SnapshotError> {
        self.range(0, self.layout.head_len)
    }

    /// The health section, as the caller encoded it.
    pub(crate) fn health(&self) -> Result<&[u8], SnapshotError> {
        self.range(self.layout.health_at, self.layout.health_at + self.layout.health_len)
    }

    /// The rows, for [`Rows`].
    pub(crate) fn into_rows(self) -> Rows {
        Rows { record: self }
    }
}

/// The manifest rows of a [`Record`], read one at a time.
#[derive(Debug)]
pub(crate) struct Rows {
    record: Record,
}

impl Rows {
    /// Number of rows.
    pub(crate) fn len(&self) -> usize {
        self.record.layout.rows as usize
    }

    /// Where row `i` starts (its entry of the offset table).
    fn offset(&self, i: usize) -> Result<u64, SnapshotError> {
        let at = self.record.layout.offsets_at + i as u64 * 8;
        let bytes = self.record.range(at, at + 8)?;
        Ok(u64::from_le_bytes(bytes.try_into().unwrap_or_default()))
    }

    /// Row `i`, parsed; `None` past the last row.
    pub(crate) fn raw(&self, i: usize) -> Result<Option<RawEntry<'_>>, SnapshotError> {
        if i >= self.len() {
            return Ok(None);
        }
        let l = &self.record.layout;
        let start = self.offset(i)?;
        let end = if i + 1 < self.len() { self.offset(i + 1)? } else { l.rows_at + l.rows_len };
        if start < l.rows_at || end < start || end > l.rows_at + l.rows_len {
            return Err(self.record.damaged(format!("row {i} is out of place")));
        }
        let bytes = self.record.range(start, end)?;
        cache::parse_file_entry(&mut Reader::new(bytes))
            .map(Some)
            .ok_or_else(|| self.record.damaged(format!("row {i} does not parse")))
    }

    /// The health section of the record.
    pub(crate) fn health(&self) -> Result<&[u8], SnapshotError> {
        self.record.health()
    }

    /// The record's path.
    pub(crate) fn path(&self) -> &Path {
        self.record.path()
    }

    /// Every row, decoded.
    pub(crate) fn decode_all(&self) -> Result<Vec<FileEntry>, SnapshotError> {
        let mut out = Vec::with_capacity(self.len());
        for i in 0..self.len() {
            if let Some(row) = self.raw(i)? {
                out.push(row.to_entry());
            }
        }
        Ok(out)
    }
}

/// Number of regular files and total bytes of `files`, as the head records them.
pub(crate) fn totals(files: &[FileEntry]) -> (u64, u64) {
    let regular = files.iter().filter(|f| matches!(f.kind, EntryKind::File { .. })).count() as u64;
    (regular, files.iter().map(|f| f.size_bytes).sum())
}
