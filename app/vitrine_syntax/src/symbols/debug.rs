//! Debug helpers for the examples and benchmarks (`sexp`, `symbench`): the syntax tree as text, the
//! skimmed source, the cost of a parse. Reached through `vitrine_syntax::debug`, not part of the API.

use super::pipeline::parse;
use crate::lang::Language;

/// The syntax tree of a file as an S-expression with positions (for writing queries).
pub fn debug_tree(lang: Language, source: &[u8]) -> Option<String> {
    let tree = parse(lang, source, None, None)?;
    let mut out = String::new();
    let mut cursor = tree.walk();
    let mut depth = 0usize;
    loop {
        let node = cursor.node();
        if node.is_named() || node.is_missing() {
            let field = cursor.field_name().map(|f| format!("{f}: ")).unwrap_or_default();
            let p = node.start_position();
            let text = if node.child_count() == 0 {
                format!(" {:?}", node.utf8_text(source).unwrap_or("?"))
            } else {
                String::new()
            };
            let missing = if node.is_missing() { " MISSING" } else { "" };
            out.push_str(&format!(
                "{}{field}{}{missing} [{}:{}]{text}\n",
                "  ".repeat(depth),
                node.kind(),
                p.row + 1,
                p.column + 1
            ));
        }
        if cursor.goto_first_child() {
            depth += 1;
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return Some(out);
            }
            depth = depth.saturating_sub(1);
        }
    }
}

/// A C or C++ source as the index's parser sees it: function bodies it reads lexically blanked
/// (for checking the skimming on real code); `None` when nothing is skimmed.
pub fn debug_skim(source: &[u8]) -> Option<Vec<u8>> {
    crate::skim::skim(source).map(|s| s.source)
}

/// Parses a file and returns its node count (for benchmarks: the cost of parsing alone).
pub fn debug_tree_len(lang: Language, source: &[u8]) -> usize {
    parse(lang, source, None, None).map(|t| t.root_node().descendant_count()).unwrap_or(0)
}
