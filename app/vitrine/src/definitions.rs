//! The symbol index as the search's source of definitions (`sym:` and definitions-first ranking) for
//! the command line, where the symbol index is opened before the search runs.

use std::sync::Arc;

use vitrine_syntax::SymbolIndex;

/// Definitions read from an opened symbol index.
#[derive(Debug)]
pub(crate) struct SymbolDefinitions(pub(crate) Arc<SymbolIndex>);

impl vitrine_search::DefinitionSource for SymbolDefinitions {
    fn definitions(
        &self,
        name: &str,
        case_sensitive: bool,
    ) -> Result<Vec<vitrine_search::Definition>, String> {
        let how =
            if case_sensitive { vitrine_syntax::Match::Exact } else { vitrine_syntax::Match::IgnoreCase };
        let hits = self.0.lookup(name, how).map_err(|e| e.to_string())?;
        Ok(hits
            .into_iter()
            .filter(|h| h.role == vitrine_syntax::Role::Definition)
            .map(|h| vitrine_search::Definition {
                path: h.path.into_bytes(),
                line: u64::from(h.at.line) + 1,
                column: h.at.column as usize,
            })
            .collect())
    }
}
