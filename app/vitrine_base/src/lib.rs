//! The std-only leaf every Vitrine crate may use: what was copied between crates before, kept once.
//! Ids are [`Sha256Id`] and [`Sha1Id`]: raw digest bytes that print and parse as lowercase hex.
//!
//! - [`Reader`]: a bounded little-endian reader over a byte slice, which answers `None` instead of
//!   reading past the end, for the on-disk formats (index files, caches) that are decoded once, checked.
//! - [`varint`]: LEB128 unsigned varints, the encoding of the posting lists and the symbol index.
//! - [`id`]: the typed digest ids, with serde behind the optional `serde` feature (the one optional
//!   dependency: the crate stays std-only for everything else).
//! - [`fs`]: atomic file replacement (temporary file beside the target, sync, rename, directory sync).
//! - [`display_bytes`]: a path's or a name's bytes as text, one-to-one (invalid bytes as `\xNN`).
//! - [`chars`]: the one definition of the characters shown as markers, never as themselves (bidi
//!   controls, format and default-ignorable characters, controls), for the health report, the code view
//!   and the terminal escaper alike.
//! - [`ucn`]: identifiers spelled with escapes (`check_p\u0430ss`) decoded to the name a compiler reads.
#![warn(missing_docs)]

pub mod chars;
mod display;
pub mod fs;
pub mod id;
mod reader;
pub mod ucn;
pub mod varint;

pub use display::display_bytes;
pub use id::{ParseIdError, Sha1Id, Sha256Id};
pub use reader::Reader;
