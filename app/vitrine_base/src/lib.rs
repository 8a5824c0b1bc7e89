//! The std-only leaf every Vitrine crate may use: what was copied between crates before, kept once.
//! (Hex is the `hex` crate's, everywhere.)
//!
//! - [`Reader`]: a bounded little-endian reader over a byte slice, which answers `None` instead of
//!   reading past the end, for the on-disk formats (index files, caches) that are decoded once, checked.
//! - [`varint`]: LEB128 unsigned varints, the encoding of the posting lists and the symbol index.
//! - [`fs`]: atomic file replacement (temporary file beside the target, sync, rename, directory sync).
#![warn(missing_docs)]

pub mod fs;
mod reader;
pub mod varint;

pub use reader::Reader;
