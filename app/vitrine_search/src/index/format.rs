//! What the index files share: magic numbers, record sizes, and the bounded reader and varints of `vitrine_base`.

pub(super) const FILES_MAGIC: &[u8; 8] = b"VTFILES2";
pub(super) const TRI_MAGIC: &[u8; 8] = b"VTTRI001";
pub(super) const WORDS_MAGIC: &[u8; 8] = b"VTWORDS1";
pub(super) const WORDS_ENTRY_BYTES: usize = 24;
pub(super) const PREFIXES: usize = 1 << 16;
pub(super) const ENTRY_BYTES: usize = 16;

pub(super) use vitrine_base::{Reader, varint};

/// An index file that cannot be read or does not match its seal, as this crate's error.
pub(super) fn checked(e: vitrine_indexfile::IndexFileError) -> crate::error::SearchError {
    use crate::error::SearchError;
    use vitrine_indexfile::IndexFileError;
    match e {
        IndexFileError::Io { op, path, source } => SearchError::Io { op, path, source },
        IndexFileError::Corrupt { path, detail } => SearchError::Corrupt { path, detail },
    }
}
