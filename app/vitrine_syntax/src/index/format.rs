//! The on-disk layout of the symbol index: record sizes, little-endian field access, a bounded reader.

use std::path::Path;

use crate::error::SyntaxError;

/// Bumped whenever the on-disk layout changes; an index of another version is rebuilt.
pub const FORMAT_VERSION: u32 = 3;

pub(super) const NAME_ENTRY: usize = 40;
pub(super) const DEF_RECORD: usize = 28;
pub(super) const CALL_RECORD: usize = 16;
pub(super) const NONE: u32 = u32::MAX;

/// One entry of `names.idx`: where the name's bytes, definitions, calls and occurrences are.
#[derive(Debug, Clone, Copy)]
pub(super) struct NameEntry {
    pub(super) name_off: u64,
    pub(super) name_len: u32,
    pub(super) def_start: u32,
    pub(super) def_count: u32,
    pub(super) call_start: u32,
    pub(super) call_count: u32,
    pub(super) occ_off: u64,
    pub(super) occ_len: u32,
}

impl NameEntry {
    /// Decodes one `NAME_ENTRY`-byte record; `None` for a record of another size.
    pub(super) fn decode(rec: &[u8]) -> Option<NameEntry> {
        let mut r = Reader::exact(rec, NAME_ENTRY)?;
        Some(NameEntry {
            name_off: r.u64()?,
            name_len: r.u32()?,
            def_start: r.u32()?,
            def_count: r.u32()?,
            call_start: r.u32()?,
            call_count: r.u32()?,
            occ_off: r.u64()?,
            occ_len: r.u32()?,
        })
    }
}

/// One record of `defs.bin`.
#[derive(Debug, Clone, Copy)]
pub(super) struct DefRecord {
    pub(super) name: u32,
    pub(super) file: u32,
    pub(super) line: u32,
    pub(super) column: u32,
    pub(super) start_line: u32,
    /// Lines of the construct after its first (24 bits).
    pub(super) span: u32,
    /// Kind index | 0x20 declaration | 0x40 via a macro.
    pub(super) flags: u8,
    /// Scope id, or `NONE`.
    pub(super) scope: u32,
}

impl DefRecord {
    /// Decodes one `DEF_RECORD`-byte record; `None` for a record of another size.
    pub(super) fn decode(rec: &[u8]) -> Option<DefRecord> {
        let mut r = Reader::exact(rec, DEF_RECORD)?;
        let (name, file, line, column, start_line) = (r.u32()?, r.u32()?, r.u32()?, r.u32()?, r.u32()?);
        let packed = r.u32()?;
        Some(DefRecord {
            name,
            file,
            line,
            column,
            start_line,
            span: packed & 0x00ff_ffff,
            flags: (packed >> 24) as u8,
            scope: r.u32()?,
        })
    }
}

/// One record of `calls.bin`.
#[derive(Debug, Clone, Copy)]
pub(super) struct CallRecord {
    pub(super) file: u32,
    pub(super) line: u32,
    pub(super) column: u32,
    /// The caller's position in `defs.bin`, or `NONE`.
    pub(super) caller: u32,
}

impl CallRecord {
    /// Decodes one `CALL_RECORD`-byte record; `None` for a record of another size.
    pub(super) fn decode(rec: &[u8]) -> Option<CallRecord> {
        let mut r = Reader::exact(rec, CALL_RECORD)?;
        Some(CallRecord { file: r.u32()?, line: r.u32()?, column: r.u32()?, caller: r.u32()? })
    }
}

/// One entry of `scopes.idx`: offset and length in `scopes.bin`.
pub(super) const SCOPE_ENTRY: usize = 12;

pub(super) fn io_err<'a>(op: &'static str, path: &'a Path) -> impl Fn(std::io::Error) -> SyntaxError + 'a {
    move |source| SyntaxError::Io { op, path: path.to_path_buf(), source }
}

pub(super) fn le32(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        a.copy_from_slice(s);
    }
    u32::from_le_bytes(a)
}

pub(super) fn put32(b: &mut [u8], at: usize, v: u32) {
    if let Some(s) = b.get_mut(at..at + 4) {
        s.copy_from_slice(&v.to_le_bytes());
    }
}

pub(super) fn put64(b: &mut [u8], at: usize, v: u64) {
    if let Some(s) = b.get_mut(at..at + 8) {
        s.copy_from_slice(&v.to_le_bytes());
    }
}

pub(super) use vitrine_base::{Reader, varint};

/// An index file that cannot be read or does not match its seal, as this crate's error.
pub(super) fn checked(e: vitrine_indexfile::IndexFileError) -> SyntaxError {
    use vitrine_indexfile::IndexFileError;
    match e {
        IndexFileError::Io { op, path, source } => SyntaxError::Io { op, path, source },
        IndexFileError::Corrupt { path, detail } => SyntaxError::Corrupt { path, reason: detail },
    }
}
