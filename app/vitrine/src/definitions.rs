//! The symbol index as the search's source of definitions (`sym:` and definitions-first ranking) for
//! the command line, where the symbol index is opened before the search runs. The lookups are
//! `vitrine_syntax`'s (`SymbolIndex::written_definitions`, `close_names`), shared with the window.

use std::sync::Arc;

use vitrine_search::{Definition, Definitions};
use vitrine_syntax::SymbolIndex;

/// Definitions read from an opened symbol index.
#[derive(Debug)]
pub(crate) struct SymbolDefinitions(pub(crate) Arc<SymbolIndex>);

impl vitrine_search::DefinitionSource for SymbolDefinitions {
    fn definitions(&self, written: &str, case_sensitive: bool) -> Result<Definitions, String> {
        let (list, truncated) =
            self.0.written_definitions(written, case_sensitive).map_err(|e| e.to_string())?;
        let list = list
            .into_iter()
            .map(|d| Definition { path: d.path.into_bytes(), line: d.line, column: d.column, len: d.len })
            .collect();
        Ok(Definitions { list, truncated })
    }

    fn close_names(&self, written: &str) -> Vec<String> {
        self.0.close_names(written)
    }
}
