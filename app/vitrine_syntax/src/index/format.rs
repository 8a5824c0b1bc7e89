//! The on-disk layout of the symbol index: record sizes, little-endian field access, a bounded reader.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use crate::error::SyntaxError;

/// Bumped whenever the on-disk layout changes; an index of another version is rebuilt.
pub const FORMAT_VERSION: u32 = 2;

pub(super) const NAME_ENTRY: usize = 40;
pub(super) const DEF_RECORD: usize = 28;
pub(super) const CALL_RECORD: usize = 16;
pub(super) const NONE: u32 = u32::MAX;

pub(super) struct NameEntry {
    pub(super) name_off: u64,
    pub(super) name_len: u32,
    pub(super) def_start: u32,
    pub(super) def_count: u32,
    pub(super) call_start: u64,
    pub(super) call_count: u32,
    pub(super) occ_off: u64,
    pub(super) occ_len: u32,
}

pub(super) fn io_err(path: &Path) -> impl Fn(std::io::Error) -> SyntaxError + '_ {
    move |source| SyntaxError::Io { path: path.to_path_buf(), source }
}

pub(super) fn file_len(f: &File, path: &Path) -> Result<u64, SyntaxError> {
    f.metadata().map(|m| m.len()).map_err(|source| SyntaxError::Io { path: path.to_path_buf(), source })
}

pub(super) fn read_exact_at(f: &File, buf: &mut [u8], offset: u64, path: &Path) -> Result<(), SyntaxError> {
    f.read_exact_at(buf, offset).map_err(|source| SyntaxError::Io { path: path.to_path_buf(), source })
}

pub(super) fn le32(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        a.copy_from_slice(s);
    }
    u32::from_le_bytes(a)
}

pub(super) fn le64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    if let Some(s) = b.get(at..at + 8) {
        a.copy_from_slice(s);
    }
    u64::from_le_bytes(a)
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

pub(super) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub(super) struct Reader<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) pos: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.bytes.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }

    pub(super) fn u8(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }

    pub(super) fn u32(&mut self) -> Option<u32> {
        Some(le32(self.take(4)?, 0))
    }

    pub(super) fn varint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let b = self.u8()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
            shift += 7;
            if shift > 63 {
                return None;
            }
        }
    }
}
