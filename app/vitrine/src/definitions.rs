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
        written: &str,
        case_sensitive: bool,
    ) -> Result<vitrine_search::Definitions, String> {
        let pattern = vitrine_syntax::index::NamePattern::parse(written);
        let found = self
            .0
            .definitions_matching(&pattern, case_sensitive, vitrine_syntax::index::PATTERN_NAME_LIMIT)
            .map_err(|e| e.to_string())?;
        Ok(vitrine_search::Definitions {
            list: found
                .hits
                .into_iter()
                .map(|h| vitrine_search::Definition {
                    len: h.name.len(),
                    path: h.path.into_bytes(),
                    line: u64::from(h.at.line) + 1,
                    column: h.at.column as usize,
                })
                .collect(),
            truncated: found.truncated,
        })
    }

    fn close_names(&self, written: &str) -> Vec<String> {
        let bare = vitrine_syntax::index::NamePattern::parse(written).bare();
        let index = &self.0;
        // Suggestions are a nicety: an unreadable name table leaves none rather than failing the search.
        index
            .names(&bare, vitrine_syntax::Match::Fuzzy, 6)
            .unwrap_or_default()
            .into_iter()
            .filter(|n| *n != bare)
            .take(5)
            .collect()
    }
}
