//! tree-sitter symbols (definitions, references, outline) and syntect highlighting as plain spans.
//!
//! Nothing here knows about the UI: highlighting yields byte ranges with a class, symbols yield names,
//! kinds and positions. Parsing never fails on broken input: a file with syntax errors still yields
//! every symbol outside the broken region, and the error count is reported with them.
#![warn(missing_docs)]

pub mod asm;
mod bindings;
pub use bindings::{LoaderAttribute, implicit_caller, loader_attribute, loader_attributes};
mod cgo;
mod defines;
mod error;
pub mod grammar;
pub mod highlight;
pub mod index;
pub mod lang;
mod macros;
pub mod nav;
pub mod preproc;
mod registry;
pub use registry::loader_of as registry_loader;
mod skim;
pub mod symbols;

pub use crate::error::SyntaxError;
pub use crate::highlight::{
    HighlightCache, HighlightClass, HighlightConfig, Rgb, Span, Style, Syntax, Theme, highlight_snippet,
    syntax_for,
};
pub use crate::index::{
    CallSite, CallerGroup, DefHit, IndexMeta, Match, RefHit, Role, SourceFile, SymbolIndex,
};
pub use crate::lang::{LangMap, Language, language_for_path, language_in_snapshot, set_user_map, user_map};
pub use crate::nav::{Candidate, Confidence, Proximity, definition};
pub use crate::preproc::{Inactive, InactiveRange, cplusplus_by_name, inactive_ranges, inactive_ranges_at};
pub use crate::symbols::{
    ExtractOptions, FileSymbols, OutlineNode, Point, RefKind, Reference, Symbol, SymbolKind, TextRange,
    extract, extract_definitions, extract_with,
};

/// Debug helpers for the examples and benchmarks (the syntax tree as text, the skimmed source, the
/// cost of a parse). Not part of the API: hidden from the documentation and free to change.
#[doc(hidden)]
pub mod debug {
    pub use crate::symbols::debug::{
        FirstError, StepTimes, debug_first_error, debug_prepared, debug_skim, debug_step_times, debug_tree,
        debug_tree_len,
    };
}
