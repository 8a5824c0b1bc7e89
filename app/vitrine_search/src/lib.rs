//! Search over one snapshot: a persistent trigram index, a query language, and exact line matching.
//!
//! ```text
//! Snapshot --build--> <data>/snapshots/<tree>/index/{files.bin, trigrams.bin, meta.json}
//! query text --parse--> Query --trigrams--> candidate files --regex over each file--> lines, ranked
//! ```
//! Counts are counts of matching lines and equal ripgrep's (`rg --no-ignore --hidden`, with `-w` for
//! words, `-i` unless `case:yes`) on the text files. The index only narrows the files to read; every
//! reported line is verified against the file's bytes, so the index can make a search slower, never
//! wrong. Search is a library call ([`Index::search`]) or a background job with streaming results and
//! cancellation ([`spawn_search`]) for the workstation.
#![warn(missing_docs)]

mod error;
mod index;
mod lang;
mod query;
pub mod regions;
mod search;
mod text;
mod trigram;
mod words;

pub use crate::error::SearchError;
pub use crate::index::{
    Definition, DefinitionSource, Definitions, FORMAT_VERSION, FileStatus, FileTable, Index, IndexMeta,
    Opened, build, build_into, open_or_build, open_or_build_then,
};
pub use crate::query::{Node, ParsedQuery, Term, TermKind, parse};
pub use crate::search::{
    FileHits, LineHit, Plan, Query, Rank, SearchEvent, SearchHandle, SearchOptions, Summary, SymReport,
    search_pool, spawn_search,
};
/// The trigram build's per-file pass, for its benchmark (`examples/trigrams_bench.rs`).
pub use crate::trigram::{SEEN_WORDS, distinct_trigrams};
