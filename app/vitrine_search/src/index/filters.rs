//! The word filters of the large files (`words.bin`, see `words.rs`), read on demand.

use vitrine_indexfile::CheckedFile;

use super::format::*;
use crate::error::SearchError;

/// The word filters of the large files (see `words.rs`), read on demand.
#[derive(Debug)]
pub(super) struct WordFilters {
    file: CheckedFile,
    /// file id -> (offset of the filter's bytes in the file, length in bytes), sorted by id.
    table: Vec<(u32, u64, u64)>,
}

impl WordFilters {
    /// Reads and checks the table of `file`, for an index of `files` files.
    pub(super) fn open(file: CheckedFile, files: u32) -> Result<WordFilters, SearchError> {
        let bad = |d: &str| SearchError::corrupt(file.path(), d.to_owned());
        let len = file.len();
        let head = file.read_at(0, 16).map_err(checked)?;
        let mut r = Reader::new(&head);
        if r.take(8) != Some(WORDS_MAGIC) {
            return Err(bad("bad magic"));
        }
        let n = r.u64().ok_or_else(|| bad("truncated"))?;
        if n > u64::from(files) {
            return Err(bad("too many filters"));
        }
        let raw = file.read_at(16, n as usize * WORDS_ENTRY_BYTES).map_err(checked)?;
        let mut table = Vec::with_capacity(n as usize);
        let mut r = Reader::new(&raw);
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
            // An unreadable or damaged filter must not hide a file: treat it as "maybe".
            self.file
                .read_at(off + bit / 8, 1)
                .map_or(true, |b| b.first().is_none_or(|&b| b & (1 << (bit % 8)) != 0))
        })
    }
}
