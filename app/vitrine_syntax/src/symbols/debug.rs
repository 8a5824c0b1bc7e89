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

/// A C or C++ source as the grammar first reads it: preprocessor branches and statement-like macro
/// invocations blanked, bodies skimmed when `skim` is set, attribute-like macros blanked.
pub fn debug_prepared(lang: Language, source: &[u8], skim: bool) -> Vec<u8> {
    let prepared = crate::preproc::prepare(lang, source, None).map_or_else(|| source.to_vec(), |p| p.source);
    let skimmed = if skim { crate::skim::skim(&prepared).map(|s| s.source) } else { None };
    let first = skimmed.unwrap_or(prepared);
    crate::macros::neutralize(&first).unwrap_or(first)
}

/// Parses a file and returns its node count (for benchmarks: the cost of parsing alone).
pub fn debug_tree_len(lang: Language, source: &[u8]) -> usize {
    parse(lang, source, None, None).map(|t| t.root_node().descendant_count()).unwrap_or(0)
}

/// Seconds spent in each step of the symbol index's extraction of one C or C++ file (for
/// `symbench steps`: where the build's time goes).
#[derive(Debug, Clone, Copy, Default)]
pub struct StepTimes {
    /// The whole extraction, as the index runs it (`extract_raw` with bodies skimmed).
    pub total: f64,
    /// The directives-only scan (`defines::scan`), which ends the extraction when it succeeds.
    pub defines_scan: f64,
    /// Whether the file was read by the directives-only scan (no other step then runs).
    pub defines_only: bool,
    /// Preprocessor branches and statement macros blanked (`preproc::prepare`).
    pub prepare: f64,
    /// Bodies and initializers read lexically and emptied (`skim::skim`).
    pub skim: f64,
    /// Attribute-like macros blanked (`macros::neutralize`).
    pub neutralize: f64,
    /// The first tree-sitter parse of the emptied text.
    pub parse: f64,
    /// Bytes of that text (what tree-sitter reads).
    pub parsed_bytes: usize,
    /// Whether that tree has ERROR or MISSING nodes.
    pub parse_errors: bool,
}

/// Times the steps of the index's extraction of a C or C++ file, each run again on its own after
/// a timed whole extraction (so `total` minus the steps is the walk, the recovery, the references
/// and any second parse). `None` for other languages.
pub fn debug_step_times(lang: Language, source: &[u8]) -> Option<StepTimes> {
    use std::time::Instant;
    if !matches!(lang, Language::C | Language::Cpp) {
        return None;
    }
    let options = super::ExtractOptions {
        skim_bodies: true,
        parse_timeout: Some(crate::index::PARSE_TIMEOUT),
        ..super::ExtractOptions::default()
    };
    let mut t = StepTimes::default();
    let clock = Instant::now();
    let _ = super::extract_raw(lang, source, &options);
    t.total = clock.elapsed().as_secs_f64();
    let clock = Instant::now();
    t.defines_only = crate::defines::scan(source).is_some();
    t.defines_scan = clock.elapsed().as_secs_f64();
    if t.defines_only {
        return Some(t);
    }
    let clock = Instant::now();
    let prepared = crate::preproc::prepare(lang, source, None);
    t.prepare = clock.elapsed().as_secs_f64();
    let original: &[u8] = prepared.as_ref().map_or(source, |p| p.source.as_slice());
    let clock = Instant::now();
    let skimmed = crate::skim::skim(original);
    t.skim = clock.elapsed().as_secs_f64();
    let first = skimmed.as_ref().map_or(original, |s| s.source.as_slice());
    let clock = Instant::now();
    let neutralized = crate::macros::neutralize(first);
    t.neutralize = clock.elapsed().as_secs_f64();
    let text = neutralized.as_deref().unwrap_or(first);
    let clock = Instant::now();
    let tree = parse(lang, text, options.parse_timeout, None);
    t.parse = clock.elapsed().as_secs_f64();
    t.parsed_bytes = text.len();
    t.parse_errors = tree.is_some_and(|tree| tree.root_node().has_error());
    Some(t)
}

/// What the first parse of the index's extraction made of a C or C++ file (for `symbench errors`:
/// why trees hold errors, and which files are parsed a second time).
#[derive(Debug, Clone, Default)]
pub struct FirstError {
    /// Bytes of the text the first parse read (bodies skimmed, macros blanked).
    pub parsed_bytes: usize,
    /// 0-based line (of the file) and text of the line of the first ERROR or MISSING node.
    pub first: Option<(u32, String)>,
    /// Whether the first node in error is MISSING (the grammar inserted a token) rather than ERROR.
    pub missing: bool,
    /// One ERROR covers most of the file: the extraction parses the whole file again, bodies and all.
    pub reparsed_whole: bool,
    /// Broken file-level constructs ran over skimmed bodies: those are given back and parsed again.
    pub bodies_given_back: usize,
    /// Bytes of the parsed text in function bodies the skimming left to the grammar (outermost
    /// function definitions' bodies).
    pub body_bytes: usize,
    /// Bytes of the parsed text in comments.
    pub comment_bytes: usize,
    /// Bytes of the parsed text in `#define` lines.
    pub define_bytes: usize,
}

/// The first parse of the index's extraction of a C or C++ file and its first error; `None` for
/// other languages and for files read without a parse (directives only).
pub fn debug_first_error(lang: Language, source: &[u8]) -> Option<FirstError> {
    if !matches!(lang, Language::C | Language::Cpp) || crate::defines::scan(source).is_some() {
        return None;
    }
    let prepared = crate::preproc::prepare(lang, source, None);
    let original: &[u8] = prepared.as_ref().map_or(source, |p| p.source.as_slice());
    let skimmed = crate::skim::skim(original);
    let first = skimmed.as_ref().map_or(original, |s| s.source.as_slice());
    let neutralized = crate::macros::neutralize(first);
    let text = neutralized.as_deref().unwrap_or(first);
    let tree = parse(lang, text, None, None)?;
    let root = tree.root_node();
    let mut out = FirstError { parsed_bytes: text.len(), ..FirstError::default() };
    let mut stack = vec![root];
    let mut cursor = root.walk();
    while let Some(node) = stack.pop() {
        let len = node.byte_range().len();
        match node.kind() {
            "comment" => out.comment_bytes += len,
            "preproc_def" | "preproc_function_def" => out.define_bytes += len,
            "function_definition" => {
                out.body_bytes += node.child_by_field_name("body").map_or(0, |b| b.byte_range().len());
            }
            _ => stack.extend(node.children(&mut cursor)),
        }
    }
    if !root.has_error() {
        return Some(out);
    }
    out.reparsed_whole =
        skimmed.as_ref().is_some_and(crate::skim::Skimmed::has_bodies) && super::pipeline::mostly_error(root);
    if let Some(sk) = &skimmed
        && lang == Language::C
        && !out.reparsed_whole
    {
        out.bodies_given_back = super::recover::swallowed_ranges(root, sk).len();
    }
    // The first node in error, in document order.
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        if node.is_error() || node.is_missing() {
            let line = node.start_position().row;
            let text_line = text.split(|&b| b == b'\n').nth(line).unwrap_or_default();
            let shown: String = String::from_utf8_lossy(text_line).trim().chars().take(140).collect();
            out.missing = node.is_missing();
            out.first = Some((line as u32, shown));
            break;
        }
        let descend = node.has_error() && cursor.goto_first_child();
        if !descend && !cursor.goto_next_sibling() {
            // Up until a sibling follows.
            loop {
                if !cursor.goto_parent() {
                    return Some(out);
                }
                if cursor.goto_next_sibling() {
                    break;
                }
            }
        }
    }
    Some(out)
}
