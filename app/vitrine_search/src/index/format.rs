//! What the index files share: magic numbers, record sizes, a bounded reader and varints.

pub(super) const FILES_MAGIC: &[u8; 8] = b"VTFILES2";
pub(super) const TRI_MAGIC: &[u8; 8] = b"VTTRI001";
pub(super) const WORDS_MAGIC: &[u8; 8] = b"VTWORDS1";
pub(super) const WORDS_ENTRY_BYTES: usize = 24;
pub(super) const PREFIXES: usize = 1 << 16;
pub(super) const ENTRY_BYTES: usize = 16;

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

    pub(super) fn u32(&mut self) -> Option<u32> {
        self.take(4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes)
    }

    pub(super) fn u64(&mut self) -> Option<u64> {
        self.take(8).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes)
    }
}

pub(super) fn read_varint(buf: &[u8]) -> Option<(u32, usize)> {
    let mut v: u32 = 0;
    for (i, &b) in buf.iter().enumerate().take(5) {
        v |= u32::from(b & 0x7f).checked_shl(7 * i as u32)?;
        if b & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

pub(super) fn write_varint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub(super) fn varint_len(v: u32) -> u32 {
    match v {
        0..0x80 => 1,
        0x80..0x4000 => 2,
        0x4000..0x20_0000 => 3,
        0x20_0000..0x1000_0000 => 4,
        _ => 5,
    }
}

/// An index file that cannot be read or does not match its seal, as this crate's error.
pub(super) fn checked(e: vitrine_indexfile::IndexFileError) -> crate::error::SearchError {
    use crate::error::SearchError;
    use vitrine_indexfile::IndexFileError;
    match e {
        IndexFileError::Io { path, source } => SearchError::Io { path, source },
        IndexFileError::Corrupt { path, detail } => SearchError::Corrupt { path, detail },
    }
}
