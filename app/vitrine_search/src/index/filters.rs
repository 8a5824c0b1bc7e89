//! The word filters of the large files (`words.bin`, see `words.rs`), read on demand.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use super::format::*;
use crate::error::SearchError;

/// The word filters of the large files (see `words.rs`), read on demand.
#[derive(Debug)]
pub(super) struct WordFilters {
    file: File,
    /// file id -> (offset of the filter's bytes in the file, length in bytes), sorted by id.
    table: Vec<(u32, u64, u64)>,
}

impl WordFilters {
    pub(super) fn open(path: &Path, expected_len: u64, files: u32) -> Result<WordFilters, SearchError> {
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

    pub(super) fn may_contain(&self, id: u32, word: &str) -> bool {
        let Ok(i) = self.table.binary_search_by_key(&id, |e| e.0) else { return true };
        let Some(&(_, off, len)) = self.table.get(i) else { return true };
        crate::words::probes(word.as_bytes(), len * 8).all(|bit| {
            let mut byte = [0u8; 1];
            // An unreadable filter must not hide a file: treat it as "maybe".
            self.file.read_exact_at(&mut byte, off + bit / 8).is_err() || byte[0] & (1 << (bit % 8)) != 0
        })
    }
}
