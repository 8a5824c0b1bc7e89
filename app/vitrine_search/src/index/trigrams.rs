//! The trigram posting file (`trigrams.bin`), read on demand.

use vitrine_indexfile::CheckedFile;

use super::format::*;
use crate::error::SearchError;
use crate::trigram::Trigram;

/// The trigram posting file, read on demand.
#[derive(Debug)]
pub struct TrigramFile {
    file: CheckedFile,
    /// Entry index where each two-byte prefix starts (65,537 values).
    prefix_start: Vec<u32>,
    entries_at: u64,
    postings_at: u64,
    postings_len: u64,
    files: u32,
}

impl TrigramFile {
    /// Reads and checks the header and the prefix table of `file`, for an index of `files` files.
    pub(super) fn open(file: CheckedFile, files: u32) -> Result<TrigramFile, SearchError> {
        let bad = |d: &str| SearchError::corrupt(file.path(), d.to_owned());
        let head_len = 24 + (PREFIXES + 1) * 4;
        let head = file.read_at(0, head_len).map_err(checked)?;
        let mut r = Reader::new(&head);
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
        let postings_at = n_entries
            .checked_mul(ENTRY_BYTES as u64)
            .and_then(|t| t.checked_add(entries_at))
            .ok_or_else(|| bad("entry count out of range"))?;
        if postings_at.checked_add(postings_len) != Some(file.len())
            || prefix_start.first() != Some(&0)
            || prefix_start.windows(2).any(|w| matches!(w, [a, b] if a > b))
            || prefix_start.last().map(|&p| u64::from(p)) != Some(n_entries)
        {
            return Err(bad("inconsistent trigram table"));
        }
        Ok(TrigramFile { file, prefix_start, entries_at, postings_at, postings_len, files })
    }

    /// The number of files containing trigram `t` (read from the table; the list is not decoded).
    pub fn count(&self, t: Trigram) -> Result<u32, SearchError> {
        Ok(self.entry(t)?.map_or(0, |(count, _, _)| count))
    }

    /// The sorted ids of the files containing trigram `t`.
    pub fn postings(&self, t: Trigram) -> Result<Vec<u32>, SearchError> {
        let Some((count, off, end)) = self.entry(t)? else { return Ok(Vec::new()) };
        let len = usize::try_from(end - off).map_err(|_| self.corrupt("posting list too long"))?;
        let buf = self.file.read_at(self.postings_at + off, len).map_err(checked)?;
        decode_postings(&buf, count, self.files).ok_or_else(|| self.corrupt("bad posting list"))
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
        let table = self
            .file
            .read_at(self.entries_at + u64::from(lo) * ENTRY_BYTES as u64, (hi - lo) as usize * ENTRY_BYTES)
            .map_err(checked)?;
        let found = table.chunks_exact(ENTRY_BYTES).find_map(|e| {
            let mut r = Reader::new(e);
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
            return Err(self.corrupt("posting offsets out of range"));
        }
        Ok(Some((count, off, end)))
    }

    fn next_list_start(&self, entry: u32) -> Result<u64, SearchError> {
        let Some(&total) = self.prefix_start.last() else { return Ok(self.postings_len) };
        if entry >= total {
            return Ok(self.postings_len);
        }
        let e = self
            .file
            .read_at(self.entries_at + u64::from(entry) * ENTRY_BYTES as u64, ENTRY_BYTES)
            .map_err(checked)?;
        let mut r = Reader::new(e.get(8..).unwrap_or_default());
        r.u64().ok_or_else(|| self.corrupt("truncated entry"))
    }

    fn corrupt(&self, detail: &str) -> SearchError {
        SearchError::corrupt(self.file.path(), detail.to_owned())
    }
}

fn decode_postings(buf: &[u8], count: u32, files: u32) -> Option<Vec<u32>> {
    // Every id takes at least one byte: a count larger than the list cannot be true, and must not
    // size an allocation.
    if count as usize > buf.len() {
        return None;
    }
    let mut out = Vec::with_capacity(count as usize);
    let mut pos = 0usize;
    // The first id is stored as is, every later one as a gap of at least 1.
    let mut next_min = 0u32;
    for _ in 0..count {
        // Most gaps fit in one byte: decode those without the general loop.
        let (v, used) = match buf.get(pos) {
            Some(&b) if b < 0x80 => (u32::from(b), 1),
            Some(_) => varint::read_u32(buf.get(pos..)?)?,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posting_lists_decode_and_reject_garbage() {
        let mut buf = Vec::new();
        for v in [3u32, 2, 10] {
            varint::put_u32(&mut buf, v);
        }
        assert_eq!(decode_postings(&buf, 3, 100), Some(vec![3, 5, 15]));
        assert_eq!(decode_postings(&buf, 3, 10), None, "id out of range");
        assert_eq!(decode_postings(&buf, 2, 100), None, "trailing bytes");
        assert_eq!(decode_postings(&[0x80], 1, 100), None, "truncated varint");
        assert_eq!(decode_postings(&[3, 0], 2, 100), None, "a repeated id");
        let mut buf = Vec::new();
        for v in [0u32, 300, 1, 70_000] {
            varint::put_u32(&mut buf, v);
        }
        assert_eq!(decode_postings(&buf, 4, 100_000), Some(vec![0, 300, 301, 70_301]));
    }
}
