//! The extraction pipeline for one file: skim C bodies, blank attribute-like macros, parse (with a
//! timeout), give swallowed bodies back to the grammar, collect definitions by walk or query, recover
//! what the grammar lost, and map everything back to the file's offsets.

use std::cell::RefCell;

use tree_sitter::{Node, Parser, Tree};

use super::c_walk::c_grammar;
use super::extractor::Extractor;
use super::references::{RawRef, finish_references, query_references};
use super::{ExtractOptions, FileSymbols};
use crate::grammar;
use crate::lang::Language;

/// `extract_with`, with references left as spans of `source` (`FileSymbols::references` stays empty).
pub(crate) fn extract_raw(
    lang: Language,
    source: &[u8],
    options: &ExtractOptions,
) -> (FileSymbols, Vec<RawRef>) {
    let (mut fs, mut refs) = extract_raw_by(lang, source, options, true);
    decode_escaped_names(lang, source, &mut fs, &mut refs);
    // A Go file's cgo preamble is C that is compiled with it.
    if lang == Language::Go && source.len() <= options.max_file_bytes {
        crate::cgo::add_preamble(source, options, &mut fs, &mut refs);
    }
    (fs, refs)
}

/// Names spelled with the escapes the language allows in identifiers (C and C++ universal character
/// names `check_p\u0430ss`, Java `\u0430`, JavaScript `\u{430}`) are stored as the name the compiler
/// reads (`check_pаss`), so that a definition written with escapes and a use written with the raw
/// letter (or other escapes) are one name to `def`, `refs` and `callers`. Ranges stay the escaped
/// text. A file without a `\u` or `\U` costs one search.
pub(crate) fn decode_escaped_names(lang: Language, source: &[u8], fs: &mut FileSymbols, refs: &mut [RawRef]) {
    use vitrine_base::ucn::{Escapes, decode_identifier};
    let style = match lang {
        Language::C | Language::Cpp => Escapes::Ucn,
        Language::Java => Escapes::Java,
        Language::JavaScript | Language::TypeScript | Language::Tsx => Escapes::Js,
        _ => return,
    };
    if memchr::memmem::find(source, b"\\u").is_none() && memchr::memmem::find(source, b"\\U").is_none() {
        return;
    }
    for d in fs.definitions.iter_mut().chain(fs.declarations.iter_mut()) {
        if let Some(name) = decode_identifier(&d.name, style) {
            d.name = name;
        }
        if let Some(scope) = decode_identifier(&d.scope, style) {
            d.scope = scope;
        }
    }
    for r in refs {
        let spelled = r.name(source);
        if spelled.contains('\\')
            && let Some(name) = decode_identifier(spelled, style)
        {
            r.owned = Some(name.into_boxed_str());
        }
    }
}

/// `extract_raw`; `walk` false runs the queries for C and C++ too (the tests compare both ways). C and
/// C++ files then get what their `asm` statements and binding attributes (`alias("x")`) define and
/// call (see [`crate::asm`]).
pub(crate) fn extract_raw_by(
    lang: Language,
    source: &[u8],
    options: &ExtractOptions,
    walk: bool,
) -> (FileSymbols, Vec<RawRef>) {
    let (mut fs, mut refs) = extract_grammar(lang, source, options, walk);
    if source.len() <= options.max_file_bytes {
        crate::asm::augment_c(lang, source, &mut fs, options.references.then_some(&mut refs));
        crate::bindings::augment(lang, source, &mut fs, options.references.then_some(&mut refs));
    }
    (fs, refs)
}

/// What the grammar (and the recovery around it) finds in a file.
fn extract_grammar(
    lang: Language,
    source: &[u8],
    options: &ExtractOptions,
    walk: bool,
) -> (FileSymbols, Vec<RawRef>) {
    let mut out = FileSymbols { language: Some(lang), ..FileSymbols::default() };
    if source.len() > options.max_file_bytes {
        return (out, Vec::new());
    }
    let is_c = matches!(lang, Language::C | Language::Cpp);
    // A header of nothing but directives and comments (generated register maps) needs no tree.
    if walk
        && is_c
        && let Some((mut fs, refs)) = crate::defines::scan(source)
    {
        fs.language = Some(lang);
        let refs = if options.references { finish_references(lang, refs, source, &fs) } else { Vec::new() };
        return (fs, refs);
    }
    // Preprocessor branches the grammar cannot read together, and macro invocations written as
    // statements, are blanked (same length): `original` is the file as the grammar should see it.
    let prepared = if is_c { crate::preproc::prepare(lang, source, options.cplusplus) } else { None };
    let original: &[u8] = prepared.as_ref().map_or(source, |p| p.source.as_slice());
    let mut parsed = Parsed::first(lang, original, options, walk);
    if lang == Language::C {
        parsed.give_back_swallowed(lang, original, options);
    }
    let Some(tree) = parsed.tree.take() else {
        // Out of time: the file's identifiers, read lexically, are all it yields.
        out.parse_timed_out = options.parse_timeout.is_some();
        let refs = if options.references { crate::skim::read_all(source) } else { Vec::new() };
        return (out, refs);
    };
    let root = tree.root_node();
    if parsed.skimmed.as_ref().is_some_and(crate::skim::Skimmed::has_bodies) && mostly_error(root) {
        // Error recovery is not local: with bodies blanked the grammar may lose the whole file where
        // it would have lost one construct. Then the bodies are parsed after all.
        let full = ExtractOptions { skim_bodies: false, ..options.clone() };
        return extract_grammar(lang, source, &full, walk);
    }
    out.parse_errors = count_errors(root);
    let file = source;
    let source = parsed.text(original);
    let mut refs = collect(lang, source, root, walk, options, &parsed.functions, &mut out);
    // The blanked code's identifiers, read lexically (already in the file's coordinates).
    let text_refs = |refs: &mut Vec<RawRef>| {
        for (range, line) in prepared.iter().flat_map(|p| &p.text) {
            crate::skim::read_range(file, range.clone(), *line, refs);
        }
    };
    let Some(sk) = &parsed.skimmed else {
        if !options.references {
            return (out, Vec::new());
        }
        text_refs(&mut refs);
        let refs = finish_references(lang, refs, source, &out);
        return (out, refs);
    };
    // Back to the file's offsets and columns; the bodies' own references already are.
    for d in out.definitions.iter_mut().chain(out.declarations.iter_mut()) {
        d.range = sk.range(d.range);
        d.name_range = sk.range(d.name_range);
    }
    if !options.references {
        return (out, Vec::new());
    }
    for r in &mut refs {
        r.at = sk.point(r.at, r.start);
        r.start = sk.byte(r.start);
        r.end = sk.byte(r.end);
    }
    refs.extend(sk.refs.iter().cloned());
    text_refs(&mut refs);
    let refs = finish_references(lang, refs, original, &out);
    (out, refs)
}

/// Definitions (into `out`) and references (returned, in the coordinates of `source`, the parsed
/// text) from the tree.
fn collect(
    lang: Language,
    source: &[u8],
    root: Node<'_>,
    walk: bool,
    options: &ExtractOptions,
    functions: &[(u32, u32)],
    out: &mut FileSymbols,
) -> Vec<RawRef> {
    let is_c = matches!(lang, Language::C | Language::Cpp);
    let mut refs = Vec::new();
    let mut ex = Extractor { lang, source, raw: Vec::new() };
    let walker = if walk && is_c { c_grammar(lang) } else { None };
    if let Some(g) = walker {
        // C and C++: one walk of the tree finds definitions and references (tree-sitter queries
        // cost several times more than the walk).
        ex.walk_c(g, root, &mut out.includes, options.references.then_some(&mut refs));
    } else if let Ok(query) = grammar::definitions_query(lang) {
        ex.run_definitions(query, root, &mut out.includes);
    }
    if is_c {
        ex.recover_from_errors(root);
    }
    ex.recover_skimmed_functions(functions);
    let (definitions, declarations) = ex.finish();
    out.definitions = definitions;
    out.declarations = declarations;
    if walker.is_none()
        && options.references
        && let Ok(query) = grammar::references_query(lang)
    {
        refs = query_references(query, root, source);
    }
    refs
}

/// A file as the grammar saw it: bodies skimmed (C and C++ in the index), attribute-like macros
/// blanked, and the tree.
pub(super) struct Parsed {
    pub(super) skimmed: Option<crate::skim::Skimmed>,
    /// The parsed text with attribute-like macros blanked (same length as the skimmed text).
    pub(super) neutralized: Option<Vec<u8>>,
    /// `None` when the parse ran out of time.
    pub(super) tree: Option<Tree>,
    /// The braces of the function bodies found lexically, in the coordinates of the parsed text.
    pub(super) functions: Vec<(u32, u32)>,
}

impl Parsed {
    fn first(lang: Language, original: &[u8], options: &ExtractOptions, walk: bool) -> Parsed {
        let is_c = matches!(lang, Language::C | Language::Cpp);
        let skimmed = if walk && options.skim_bodies && is_c { crate::skim::skim(original) } else { None };
        let first = skimmed.as_ref().map_or(original, |s| s.source.as_slice());
        // Attribute-like macros are blanked (same length) so the grammar sees the declarations they
        // decorate; every offset still refers to the real file.
        let neutralized = if is_c { crate::macros::neutralize(first) } else { None };
        let tree = parse(lang, neutralized.as_deref().unwrap_or(first), options.parse_timeout, None);
        let functions: Vec<(u32, u32)> = match &skimmed {
            Some(sk) => sk.functions.clone(),
            None if walk && is_c && !options.skim_bodies => crate::skim::function_braces(original),
            None => Vec::new(),
        };
        Parsed { skimmed, neutralized, tree, functions }
    }

    /// The text the tree was parsed from.
    pub(super) fn text<'a>(&'a self, original: &'a [u8]) -> &'a [u8] {
        let skimmed = self.skimmed.as_ref().map_or(original, |s| s.source.as_slice());
        self.neutralized.as_deref().unwrap_or(skimmed)
    }
}

// ---------------------------------------------------------------------------------------------------

thread_local! {
    static PARSER: RefCell<Parser> = RefCell::new(Parser::new());
}

pub(super) fn parse(
    lang: Language,
    source: &[u8],
    timeout: Option<std::time::Duration>,
    old_tree: Option<&Tree>,
) -> Option<Tree> {
    PARSER.with(|p| {
        let mut parser = p.borrow_mut();
        parser.set_language(&grammar::ts_language(lang)).ok()?;
        let Some(timeout) = timeout else { return parser.parse(source, old_tree) };
        let started = std::time::Instant::now();
        let mut give_up = |_: &tree_sitter::ParseState| {
            if started.elapsed() > timeout {
                std::ops::ControlFlow::Break(())
            } else {
                std::ops::ControlFlow::Continue(())
            }
        };
        let options = tree_sitter::ParseOptions::new().progress_callback(&mut give_up);
        let len = source.len();
        let tree = parser.parse_with_options(
            &mut |i: usize, _| source.get(i..len).unwrap_or_default(),
            old_tree,
            Some(options),
        );
        if tree.is_none() {
            // A cancelled parse leaves state behind; the next file starts afresh.
            parser.reset();
        }
        tree
    })
}

/// Whether one ERROR node covers most of the file (the root itself, or one of its children).
pub(super) fn mostly_error(root: Node<'_>) -> bool {
    if !root.has_error() {
        return false;
    }
    let half = root.byte_range().len() / 2;
    if root.is_error() {
        return true;
    }
    let mut cursor = root.walk();
    root.children(&mut cursor).any(|c| c.is_error() && c.byte_range().len() > half)
}

pub(super) fn count_errors(root: Node<'_>) -> u32 {
    if !root.has_error() {
        return 0;
    }
    let mut count = 0u32;
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            count += 1;
        }
        if node.has_error() {
            let mut cursor = node.walk();
            for child in node.children(&mut cursor) {
                if child.has_error() || child.is_missing() {
                    stack.push(child);
                }
            }
        }
    }
    count
}
