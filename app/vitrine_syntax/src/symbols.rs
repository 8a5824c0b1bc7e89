//! Per-file symbols from tree-sitter: definitions and declarations (name, kind, qualified scope, full
//! and name ranges), references classified call / type / field / other, includes, an outline tree, and
//! the count of parse errors.
//!
//! The embedded queries (`assets/queries/<lang>/definitions.scm`, `references.scm`) say what is a
//! definition or a reference; this module turns their matches into symbols: it resolves C declarators
//! to names, splits qualified names (`A::B::f`), nests symbols into scopes, refines kinds
//! (method, constructor, destructor, operator), drops locals, and recovers definitions that macros
//! hide from the grammar (`SYSCALL_DEFINE3(...) {`, `static int __init f(void) {`).

use std::cell::RefCell;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use streaming_iterator::StreamingIterator;
use tree_sitter::{Node, Parser, Query, QueryCursor, Tree};

use crate::grammar;
use crate::lang::Language;

/// A position in a file: 0-based line and 0-based byte column within the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct Point {
    pub line: u32,
    pub column: u32,
}

/// A range of a file, as positions and as byte offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct TextRange {
    pub start: Point,
    pub end: Point,
    pub start_byte: u32,
    pub end_byte: u32,
}

/// What a symbol is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SymbolKind {
    Function,
    Method,
    Constructor,
    Destructor,
    Operator,
    Macro,
    Class,
    Struct,
    Union,
    Enum,
    Enumerator,
    Typedef,
    Field,
    Namespace,
    Variable,
    Constant,
    Interface,
    Trait,
    Impl,
    Module,
    Property,
}

/// How a name is used at a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RefKind {
    Call,
    Type,
    Field,
    Other,
}

/// A definition or a declaration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Symbol {
    pub name: String,
    pub kind: SymbolKind,
    /// The qualified scope the name lives in (`ns::Class`, `pkg.Class`); empty at file level.
    pub scope: String,
    /// The whole construct (for a function: signature and body).
    pub range: TextRange,
    /// The name itself.
    pub name_range: TextRange,
    /// Index in `FileSymbols::definitions` of the enclosing definition (the outline parent).
    pub parent: Option<u32>,
    /// The macro that wraps this definition when the name was recovered from a macro invocation
    /// (`SYSCALL_DEFINE3`), so the match is known to be heuristic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via_macro: Option<String>,
}

/// An occurrence of a name that is not its definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub name: String,
    pub kind: RefKind,
    pub at: Point,
    pub byte: u32,
    /// Index in `FileSymbols::definitions` of the innermost definition containing the reference
    /// (for a call: the caller).
    pub enclosing: Option<u32>,
}

/// Everything extracted from one file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FileSymbols {
    pub language: Option<Language>,
    /// Definitions in source order (functions with bodies, types with bodies, macros, variables,
    /// fields, enumerators, ...).
    pub definitions: Vec<Symbol>,
    /// Declarations without a body: prototypes, method declarations in a class, `extern` variables,
    /// forward declarations.
    pub declarations: Vec<Symbol>,
    /// References in source order (empty when extracted with `references: false`).
    pub references: Vec<Reference>,
    /// Paths named by `#include` / `import` in the file, as written.
    pub includes: Vec<String>,
    /// Number of ERROR and MISSING nodes in the syntax tree.
    pub parse_errors: u32,
    /// The parse ran out of `ExtractOptions::parse_timeout`: no definitions, and the references
    /// are only the file's identifiers read lexically.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub parse_timed_out: bool,
}

/// One node of a file's outline: a definition and the definitions nested in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutlineNode {
    /// Index in `FileSymbols::definitions`.
    pub symbol: u32,
    pub children: Vec<OutlineNode>,
}

/// What to extract.
#[derive(Debug, Clone)]
pub struct ExtractOptions {
    /// Also collect references (slower; the search index only needs definitions).
    pub references: bool,
    /// Files larger than this are not parsed (an empty result with no error is returned).
    pub max_file_bytes: usize,
    /// C and C++: read function bodies lexically instead of parsing them (the snapshot-wide index,
    /// where bodies only matter for their calls and names; see `skim`). Parse errors are then
    /// counted outside those bodies only.
    pub skim_bodies: bool,
    /// Parsing one file stops after this long (a pathological file cannot hold up a whole
    /// snapshot); the file is then reported with `FileSymbols::parse_timed_out`.
    pub parse_timeout: Option<std::time::Duration>,
}

impl Default for ExtractOptions {
    fn default() -> Self {
        ExtractOptions {
            references: true,
            max_file_bytes: 32 * 1024 * 1024,
            skim_bodies: false,
            parse_timeout: None,
        }
    }
}

/// Extracts definitions, declarations, references and includes from one file. Never fails: broken
/// code yields what can be recovered and a parse error count.
pub fn extract(lang: Language, source: &[u8]) -> FileSymbols {
    extract_with(lang, source, &ExtractOptions::default())
}

/// Extracts definitions, declarations and includes only (for the search index's `sym:` filter).
pub fn extract_definitions(lang: Language, source: &[u8]) -> FileSymbols {
    extract_with(lang, source, &ExtractOptions { references: false, ..ExtractOptions::default() })
}

/// `extract` with options.
pub fn extract_with(lang: Language, source: &[u8], options: &ExtractOptions) -> FileSymbols {
    let (mut out, refs) = extract_raw(lang, source, options);
    out.references = refs
        .into_iter()
        .map(|r| Reference {
            name: r.name(source).to_string(),
            kind: r.kind,
            at: r.at,
            byte: r.start,
            enclosing: r.enclosing,
        })
        .collect();
    out
}

/// A reference whose name is still a span of the source (or, rarely, a name built from several
/// nodes): the symbol index interns names per file instead of allocating one string per reference.
#[derive(Debug, Clone)]
pub(crate) struct RawRef {
    /// Byte range of the name in the source.
    pub start: u32,
    pub end: u32,
    pub kind: RefKind,
    pub at: Point,
    pub enclosing: Option<u32>,
    /// The name when it is not the span's text (a qualified name split by `split_name`).
    pub owned: Option<Box<str>>,
}

impl RawRef {
    pub fn name<'s>(&'s self, source: &'s [u8]) -> &'s str {
        match &self.owned {
            Some(name) => name,
            None => source
                .get(self.start as usize..self.end as usize)
                .and_then(|b| std::str::from_utf8(b).ok())
                .unwrap_or_default(),
        }
    }
}

/// `extract_with`, with references left as spans of `source` (`FileSymbols::references` stays empty).
pub(crate) fn extract_raw(
    lang: Language,
    source: &[u8],
    options: &ExtractOptions,
) -> (FileSymbols, Vec<RawRef>) {
    extract_raw_by(lang, source, options, true)
}

/// `extract_raw`; `walk` false runs the queries for C and C++ too (the tests compare both ways).
pub(crate) fn extract_raw_by(
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
    let original = source;
    let mut skimmed = if walk && options.skim_bodies && is_c { crate::skim::skim(source) } else { None };
    // Attribute-like macros are blanked (same length) so the grammar sees the declarations they
    // decorate; every offset still refers to the real file.
    let neutralize = |source: &[u8]| if is_c { crate::macros::neutralize(source) } else { None };
    let first = skimmed.as_ref().map_or(original, |s| s.source.as_slice());
    let mut neutralized = neutralize(first);
    let mut tree = parse(lang, neutralized.as_deref().unwrap_or(first), options.parse_timeout, None);
    // The braces of the function bodies found lexically, in the coordinates of the parsed text.
    let mut functions: Vec<(u32, u32)> = match &skimmed {
        Some(sk) => sk.functions.clone(),
        None if walk && is_c && !options.skim_bodies => crate::skim::function_braces(original),
        None => Vec::new(),
    };
    if let (Some(sk), Some(t)) = (&skimmed, &mut tree)
        && lang == Language::C
        && !mostly_error(t.root_node())
    {
        // Error recovery is not local: a broken construct may run over emptied function bodies
        // and the definitions around them, where their text would have let the grammar find its
        // feet. Those bodies are given back to the grammar, once, and the tree parsed again
        // incrementally (only the broken construct and what follows it until the grammar is back
        // in step). Only for C: on Linux this finds 0.3% more variables for 1% more time; on
        // Boost's C++ it cost a quarter more time and found nothing ctags reports (the functions
        // themselves are recovered from their bodies below, in both languages).
        let keep = swallowed_ranges(t.root_node(), sk);
        if !keep.is_empty() {
            let (restored, edits) = sk.restore(original, &keep);
            functions = sk.function_braces_in_file();
            if let Some(r) = &restored {
                for f in &mut functions {
                    *f = (r.to_source(f.0), r.to_source(f.1));
                }
            }
            let second = restored.as_ref().map_or(original, |s| s.source.as_slice());
            let second_neutralized = neutralize(second);
            let prepared = second_neutralized.as_deref().unwrap_or(second);
            for edit in &edits {
                t.edit(edit);
            }
            // Reuse needs the text outside the edits unchanged (blanking attribute-like macros
            // is local, but a restored body may hold what changes a decision).
            let old = neutralized.as_deref().unwrap_or(first);
            let old_tree = unchanged_outside(old, prepared, &edits).then_some(&*t);
            tree = parse(lang, prepared, options.parse_timeout, old_tree);
            (skimmed, neutralized) = (restored, second_neutralized);
        }
    }
    let source = skimmed.as_ref().map_or(original, |s| s.source.as_slice());
    let source: &[u8] = neutralized.as_deref().unwrap_or(source);
    let mut refs = Vec::new();
    let Some(tree) = tree else {
        // Out of time: the file's identifiers, read lexically, are all it yields.
        out.parse_timed_out = options.parse_timeout.is_some();
        let refs = if options.references { crate::skim::read_all(original) } else { Vec::new() };
        return (out, refs);
    };
    let root = tree.root_node();
    if skimmed.is_some() && mostly_error(root) {
        // Error recovery is not local: with bodies blanked the grammar may lose the whole file where
        // it would have lost one construct. Then the bodies are parsed after all.
        let full = ExtractOptions { skim_bodies: false, ..options.clone() };
        return extract_raw_by(lang, original, &full, walk);
    }
    out.parse_errors = count_errors(root);
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
    ex.recover_skimmed_functions(&functions);
    let (definitions, declarations) = ex.finish();
    out.definitions = definitions;
    out.declarations = declarations;
    if walker.is_none()
        && options.references
        && let Ok(query) = grammar::references_query(lang)
    {
        refs = query_references(query, root, source);
    }
    let Some(sk) = &skimmed else {
        let refs = if options.references { finish_references(lang, refs, source, &out) } else { Vec::new() };
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
    let refs = finish_references(lang, refs, original, &out);
    (out, refs)
}

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

/// Whether a capture name is one the extractor understands (checked by the query test).
pub fn capture_is_known(name: &str) -> bool {
    if matches!(name, "name" | "declarator" | "include" | "scope") {
        return true;
    }
    if let Some(kind) = name.strip_prefix("definition.").or_else(|| name.strip_prefix("declaration.")) {
        return kind == "auto" || kind_from_str(kind).is_some();
    }
    if let Some(kind) = name.strip_prefix("reference.") {
        return ref_kind_from_str(kind).is_some();
    }
    name.starts_with('_')
}

impl SymbolKind {
    /// Functions, methods, constructors, destructors and operators: what has a body.
    pub fn is_function_like(self) -> bool {
        matches!(
            self,
            SymbolKind::Function
                | SymbolKind::Method
                | SymbolKind::Constructor
                | SymbolKind::Destructor
                | SymbolKind::Operator
        )
    }

    /// The lowercase name used in JSON and queries.
    pub fn as_str(self) -> &'static str {
        match self {
            SymbolKind::Function => "function",
            SymbolKind::Method => "method",
            SymbolKind::Constructor => "constructor",
            SymbolKind::Destructor => "destructor",
            SymbolKind::Operator => "operator",
            SymbolKind::Macro => "macro",
            SymbolKind::Class => "class",
            SymbolKind::Struct => "struct",
            SymbolKind::Union => "union",
            SymbolKind::Enum => "enum",
            SymbolKind::Enumerator => "enumerator",
            SymbolKind::Typedef => "typedef",
            SymbolKind::Field => "field",
            SymbolKind::Namespace => "namespace",
            SymbolKind::Variable => "variable",
            SymbolKind::Constant => "constant",
            SymbolKind::Interface => "interface",
            SymbolKind::Trait => "trait",
            SymbolKind::Impl => "impl",
            SymbolKind::Module => "module",
            SymbolKind::Property => "property",
        }
    }

    /// Every kind, in a stable order (the persisted index stores the position).
    pub const ALL: [SymbolKind; 21] = [
        SymbolKind::Function,
        SymbolKind::Method,
        SymbolKind::Constructor,
        SymbolKind::Destructor,
        SymbolKind::Operator,
        SymbolKind::Macro,
        SymbolKind::Class,
        SymbolKind::Struct,
        SymbolKind::Union,
        SymbolKind::Enum,
        SymbolKind::Enumerator,
        SymbolKind::Typedef,
        SymbolKind::Field,
        SymbolKind::Namespace,
        SymbolKind::Variable,
        SymbolKind::Constant,
        SymbolKind::Interface,
        SymbolKind::Trait,
        SymbolKind::Impl,
        SymbolKind::Module,
        SymbolKind::Property,
    ];

    /// Functions and everything callable (function-like macros too).
    pub fn is_callable(self) -> bool {
        self.is_function_like() || self == SymbolKind::Macro
    }

    /// Kinds that name a scope for what is nested in them.
    pub fn is_scope(self) -> bool {
        matches!(
            self,
            SymbolKind::Class
                | SymbolKind::Struct
                | SymbolKind::Union
                | SymbolKind::Enum
                | SymbolKind::Namespace
                | SymbolKind::Interface
                | SymbolKind::Trait
                | SymbolKind::Impl
                | SymbolKind::Module
                | SymbolKind::Typedef
        )
    }
}

impl RefKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RefKind::Call => "call",
            RefKind::Type => "type",
            RefKind::Field => "field",
            RefKind::Other => "other",
        }
    }

    pub const ALL: [RefKind; 4] = [RefKind::Call, RefKind::Type, RefKind::Field, RefKind::Other];
}

impl Symbol {
    /// `scope::name` (or `scope.name`), or the bare name at file level.
    pub fn qualified_name(&self, lang: Option<Language>) -> String {
        if self.scope.is_empty() {
            self.name.clone()
        } else {
            format!("{}{}{}", self.scope, scope_separator(lang), self.name)
        }
    }
}

impl FileSymbols {
    /// The outline: definitions nested by their `parent`, in source order.
    pub fn outline(&self) -> Vec<OutlineNode> {
        let mut children: HashMap<Option<u32>, Vec<u32>> = HashMap::new();
        for (i, d) in self.definitions.iter().enumerate() {
            children.entry(d.parent).or_default().push(i as u32);
        }
        fn build(
            at: Option<u32>,
            children: &HashMap<Option<u32>, Vec<u32>>,
            depth: usize,
        ) -> Vec<OutlineNode> {
            if depth > 64 {
                return Vec::new();
            }
            children
                .get(&at)
                .map(|list| {
                    list.iter()
                        .map(|&i| OutlineNode { symbol: i, children: build(Some(i), children, depth + 1) })
                        .collect()
                })
                .unwrap_or_default()
        }
        build(None, &children, 0)
    }

    /// The innermost definition whose range contains `byte`.
    pub fn enclosing_definition(&self, byte: u32) -> Option<u32> {
        innermost(&self.definitions, byte)
    }

    /// The outline as indented text, one definition per line (`kind name [scope] line`), used by the
    /// golden tests and the CLI.
    pub fn outline_text(&self) -> String {
        let mut out = String::new();
        fn walk(nodes: &[OutlineNode], fs: &FileSymbols, depth: usize, out: &mut String) {
            for n in nodes {
                if let Some(s) = fs.definitions.get(n.symbol as usize) {
                    let via = s.via_macro.as_deref().map(|m| format!(" via {m}")).unwrap_or_default();
                    let scope = if s.scope.is_empty() { String::new() } else { format!(" [{}]", s.scope) };
                    out.push_str(&format!(
                        "{}{} {}{scope} {}-{}{via}\n",
                        "  ".repeat(depth),
                        s.kind.as_str(),
                        s.name,
                        s.range.start.line + 1,
                        s.range.end.line + 1
                    ));
                }
                walk(&n.children, fs, depth + 1, out);
            }
        }
        walk(&self.outline(), self, 0, &mut out);
        if !self.declarations.is_empty() {
            out.push_str("-- declarations\n");
            for s in &self.declarations {
                let scope = if s.scope.is_empty() { String::new() } else { format!(" [{}]", s.scope) };
                out.push_str(&format!(
                    "{} {}{scope} {}\n",
                    s.kind.as_str(),
                    s.name,
                    s.name_range.start.line + 1
                ));
            }
        }
        out
    }
}

/// `::` for C++ and Rust, `.` elsewhere.
pub fn scope_separator(lang: Option<Language>) -> &'static str {
    match lang {
        Some(Language::C | Language::Cpp | Language::Rust) | None => "::",
        _ => ".",
    }
}

// ---------------------------------------------------------------------------------------------------

thread_local! {
    static PARSER: RefCell<Parser> = RefCell::new(Parser::new());
}

fn parse(
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

/// Node kinds and field ids of the C or C++ grammar that the walk dispatches on, looked up once.
/// A kind the grammar lacks is `u16::MAX` (never a node's kind), a missing field 0.
pub(crate) struct CGrammar {
    identifier: u16,
    field_identifier: u16,
    type_identifier: u16,
    namespace_identifier: u16,
    call_expression: u16,
    template_function: u16,
    qualified_identifier: u16,
    template_method: u16,
    field_expression: u16,
    field_designator: u16,
    field_initializer: u16,
    new_expression: u16,
    function_definition: u16,
    declaration: u16,
    field_declaration: u16,
    type_definition: u16,
    struct_specifier: u16,
    union_specifier: u16,
    enum_specifier: u16,
    class_specifier: u16,
    enumerator: u16,
    alias_declaration: u16,
    namespace_definition: u16,
    concept_definition: u16,
    preproc_def: u16,
    preproc_function_def: u16,
    preproc_include: u16,
    translation_unit: u16,
    declaration_list: u16,
    f_function: u16,
    f_name: u16,
    f_field: u16,
    f_type: u16,
    f_declarator: u16,
    f_body: u16,
    f_path: u16,
    /// Kinds at which a definition pattern may match.
    definition_kinds: Vec<u16>,
    /// Kinds that may be references.
    reference_kinds: Vec<u16>,
}

fn c_grammar(lang: Language) -> Option<&'static CGrammar> {
    static C: std::sync::OnceLock<CGrammar> = std::sync::OnceLock::new();
    static CPP: std::sync::OnceLock<CGrammar> = std::sync::OnceLock::new();
    match lang {
        Language::C => Some(C.get_or_init(|| CGrammar::new(lang))),
        Language::Cpp => Some(CPP.get_or_init(|| CGrammar::new(lang))),
        _ => None,
    }
}

impl CGrammar {
    fn new(lang: Language) -> CGrammar {
        let l = grammar::ts_language(lang);
        let k = |name: &str| match l.id_for_node_kind(name, true) {
            0 => u16::MAX,
            id => id,
        };
        let f = |name: &str| l.field_id_for_name(name).map_or(0, |f| f.get());
        let mut g = CGrammar {
            identifier: k("identifier"),
            field_identifier: k("field_identifier"),
            type_identifier: k("type_identifier"),
            namespace_identifier: k("namespace_identifier"),
            call_expression: k("call_expression"),
            template_function: k("template_function"),
            qualified_identifier: k("qualified_identifier"),
            template_method: k("template_method"),
            field_expression: k("field_expression"),
            field_designator: k("field_designator"),
            field_initializer: k("field_initializer"),
            new_expression: k("new_expression"),
            function_definition: k("function_definition"),
            declaration: k("declaration"),
            field_declaration: k("field_declaration"),
            type_definition: k("type_definition"),
            struct_specifier: k("struct_specifier"),
            union_specifier: k("union_specifier"),
            enum_specifier: k("enum_specifier"),
            class_specifier: k("class_specifier"),
            enumerator: k("enumerator"),
            alias_declaration: k("alias_declaration"),
            namespace_definition: k("namespace_definition"),
            concept_definition: k("concept_definition"),
            preproc_def: k("preproc_def"),
            preproc_function_def: k("preproc_function_def"),
            preproc_include: k("preproc_include"),
            translation_unit: k("translation_unit"),
            declaration_list: k("declaration_list"),
            f_function: f("function"),
            f_name: f("name"),
            f_field: f("field"),
            f_type: f("type"),
            f_declarator: f("declarator"),
            f_body: f("body"),
            f_path: f("path"),
            definition_kinds: Vec::new(),
            reference_kinds: Vec::new(),
        };
        g.definition_kinds = [
            g.function_definition,
            g.declaration,
            g.field_declaration,
            g.type_definition,
            g.struct_specifier,
            g.union_specifier,
            g.enum_specifier,
            g.class_specifier,
            g.enumerator,
            g.alias_declaration,
            g.namespace_definition,
            g.concept_definition,
            g.preproc_def,
            g.preproc_function_def,
            g.preproc_include,
        ]
        .into_iter()
        .filter(|&k| k != u16::MAX)
        .collect();
        g.reference_kinds = [g.identifier, g.field_identifier, g.type_identifier, g.namespace_identifier]
            .into_iter()
            .filter(|&k| k != u16::MAX)
            .collect();
        g
    }

    /// How a leaf is used, from its own field and its ancestors (with their fields), as
    /// `references.scm` classifies it; `None` when it is no reference.
    fn classify(&self, kind: u16, field: u16, parents: &[(Node<'_>, u16)]) -> Option<RefKind> {
        let at = |d: usize| d.checked_sub(1).and_then(|i| parents.get(i)).map(|(n, f)| (n.kind_id(), *f));
        let mut d = parents.len();
        let mut f = field;
        if kind == self.identifier {
            // `f(...)`, `ns::f(...)`, `f<T>(...)`, `ns::f<T>(...)`
            if let Some((k, pf)) = at(d)
                && k == self.template_function
                && f == self.f_name
            {
                f = pf;
                d -= 1;
            }
            while let Some((k, pf)) = at(d)
                && k == self.qualified_identifier
                && f == self.f_name
            {
                f = pf;
                d -= 1;
            }
            let call = at(d).is_some_and(|(k, _)| k == self.call_expression) && f == self.f_function;
            return Some(if call { RefKind::Call } else { RefKind::Other });
        }
        if kind == self.field_identifier {
            let mut via_template = false;
            if let Some((k, pf)) = at(d)
                && k == self.template_method
                && f == self.f_name
            {
                f = pf;
                d -= 1;
                via_template = true;
            }
            let (pk, pf) = at(d)?;
            if pk == self.field_expression && f == self.f_field {
                let call = at(d - 1).is_some_and(|(k, _)| k == self.call_expression) && pf == self.f_function;
                return if call {
                    Some(RefKind::Call)
                } else if via_template {
                    None
                } else {
                    Some(RefKind::Field)
                };
            }
            if !via_template && (pk == self.field_designator || pk == self.field_initializer) {
                return Some(RefKind::Field);
            }
            return None;
        }
        if kind == self.type_identifier {
            let new = at(d).is_some_and(|(k, _)| k == self.new_expression) && f == self.f_type;
            return Some(if new { RefKind::Call } else { RefKind::Type });
        }
        if kind == self.namespace_identifier {
            return Some(RefKind::Type);
        }
        None
    }
}

/// Whether one ERROR node covers most of the file (the root itself, or one of its children).
/// The file ranges of broken file-level constructs (other than function definitions, which keep
/// their name) that span emptied function bodies: error recovery then ran over the functions.
fn swallowed_ranges(root: Node<'_>, sk: &crate::skim::Skimmed) -> Vec<(u32, u32)> {
    if !root.has_error() {
        return Vec::new();
    }
    let ends: Vec<u32> = sk.functions.iter().map(|&(_, close)| close).collect();
    let mut cursor = root.walk();
    root.children(&mut cursor)
        .filter(|c| c.has_error() && c.kind() != "function_definition")
        .map(|c| (c.start_byte() as u32, c.end_byte() as u32))
        .filter(|&(start, end)| {
            let first = ends.partition_point(|&e| e <= start);
            ends.get(first).is_some_and(|&e| e < end)
        })
        .map(|(start, end)| (sk.byte(start), sk.byte(end)))
        .collect()
}

/// Whether `new` is `old` with `edits` (last first) applied and nothing else changed.
fn unchanged_outside(old: &[u8], new: &[u8], edits: &[tree_sitter::InputEdit]) -> bool {
    let (mut o, mut n) = (0usize, 0usize);
    for e in edits.iter().rev() {
        // Positions are those of the text left by the later edits, which lie after this one.
        let (start, old_end, new_end) = (e.start_byte, e.old_end_byte, e.new_end_byte);
        if start < o || old.get(o..start) != new.get(n..n + (start - o)) {
            return false;
        }
        n += start - o + (new_end - start);
        o = old_end;
    }
    old.get(o..) == new.get(n..)
}

fn mostly_error(root: Node<'_>) -> bool {
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

fn count_errors(root: Node<'_>) -> u32 {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Definition,
    Declaration,
}

#[derive(Debug)]
struct Raw {
    name: String,
    kind: SymbolKind,
    role: Role,
    /// Qualifiers written in the name (`A::B` of `A::B::f`).
    qualifier: Vec<String>,
    range: TextRange,
    name_range: TextRange,
    via_macro: Option<String>,
}

struct Extractor<'a> {
    lang: Language,
    source: &'a [u8],
    raw: Vec<Raw>,
}

impl<'a> Extractor<'a> {
    fn run_definitions(&mut self, query: &Query, root: Node<'_>, includes: &mut Vec<String>) {
        let names = query.capture_names();
        let mut cursor = QueryCursor::new();
        let mut matches = cursor.matches(query, root, self.source);
        while let Some(m) = matches.next() {
            let mut def: Option<(Node<'_>, &str)> = None;
            let mut name: Option<Node<'_>> = None;
            let mut declarator: Option<Node<'_>> = None;
            let mut scope: Option<Node<'_>> = None;
            for c in m.captures() {
                let Some(cname) = names.get(c.index as usize) else { continue };
                match *cname {
                    "name" => name = Some(c.node),
                    "declarator" => declarator = Some(c.node),
                    "scope" => scope = Some(c.node),
                    "include" => {
                        let t = node_text(c.node, self.source);
                        let t = t.trim_matches(|ch| ch == '"' || ch == '<' || ch == '>' || ch == '\'');
                        includes.push(t.to_string());
                    }
                    other if other.starts_with("definition.") || other.starts_with("declaration.") => {
                        def = Some((c.node, other));
                    }
                    _ => {}
                }
            }
            let Some((node, cname)) = def else { continue };
            let (role, kind_str) = match cname.split_once('.') {
                Some(("definition", k)) => (Role::Definition, k),
                Some((_, k)) => (Role::Declaration, k),
                None => continue,
            };
            if let Some(d) = declarator {
                self.add_from_declarator(node, d, role, kind_str);
            } else if let Some(n) = name {
                let Some(kind) = kind_from_str(kind_str) else { continue };
                let before = self.raw.len();
                self.add_named(node, n, kind, role, None);
                if let (Some(scope), Some(r)) = (scope, self.raw.get_mut(before)) {
                    // A Go method's receiver type is its scope.
                    r.qualifier.insert(0, node_text(scope, self.source).to_string());
                }
            }
        }
    }

    /// One pre-order walk of a C or C++ tree: the definitions that `definitions.scm` describes and, when
    /// `refs` is given, the references that `references.scm` describes (call, field, type, other),
    /// classified from the node's ancestors. Ancestors are kept on a stack (a node's parent is not
    /// cheap to ask tree-sitter for).
    fn walk_c(
        &mut self,
        g: &CGrammar,
        root: Node<'_>,
        includes: &mut Vec<String>,
        mut refs: Option<&mut Vec<RawRef>>,
    ) {
        let mut cursor = root.walk();
        // Ancestors of the current node, each with the field it has in its own parent.
        let mut parents: Vec<(Node<'_>, u16)> = Vec::new();
        let mut nodes: Vec<Node<'_>> = Vec::new();
        loop {
            let node = cursor.node();
            let kind = node.kind_id();
            let field = cursor.field_id().map_or(0, |f| f.get());
            if g.definition_kinds.contains(&kind) {
                nodes.clear();
                nodes.extend(parents.iter().map(|(n, _)| *n));
                self.visit_c_definition(g, node, kind, &nodes, includes);
            }
            if let Some(refs) = refs.as_deref_mut()
                && g.reference_kinds.contains(&kind)
                && let Some(ref_kind) = g.classify(kind, field, &parents)
            {
                let (start, end) = (node.start_byte() as u32, node.end_byte() as u32);
                if end > start {
                    refs.push(RawRef {
                        start,
                        end,
                        kind: ref_kind,
                        at: point(node.start_position()),
                        enclosing: None,
                        owned: None,
                    });
                }
            }
            if cursor.goto_first_child() {
                parents.push((node, field));
                continue;
            }
            loop {
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() {
                    return;
                }
                parents.pop();
            }
        }
    }

    /// What the patterns of the C and C++ `definitions.scm` find at one node.
    fn visit_c_definition(
        &mut self,
        g: &CGrammar,
        node: Node<'_>,
        kind: u16,
        parents: &[Node<'_>],
        includes: &mut Vec<String>,
    ) {
        let named_field = |f: u16| node.child_by_field_id(f).filter(|n| n.is_named());
        if kind == g.function_definition {
            // `for_each_cpu(i) { ... }` inside a body reads as a definition of `i` whose type is
            // `for_each_cpu`; a function's declarator is never just parenthesized.
            if let Some(d) = named_field(g.f_declarator).filter(|d| d.kind() != "parenthesized_declarator") {
                self.add_from_declarator_in(node, d, Role::Definition, "function", Some(parents));
            }
        } else if kind == g.declaration || kind == g.field_declaration || kind == g.type_definition {
            let kind_str = if kind == g.declaration {
                "auto"
            } else if kind == g.field_declaration {
                "field"
            } else {
                "typedef"
            };
            let mut any = false;
            if let Some(f) = std::num::NonZeroU16::new(g.f_declarator) {
                let mut c = node.walk();
                let declarators: Vec<Node<'_>> =
                    node.children_by_field_id(f, &mut c).filter(|d| d.is_named()).collect();
                for d in declarators {
                    any = true;
                    self.add_from_declarator_in(node, d, Role::Definition, kind_str, Some(parents));
                }
            }
            // C++ `class Foo;` / `struct Foo;`: a declaration with a type and no declarator.
            if !any
                && kind == g.declaration
                && self.lang == Language::Cpp
                && let Some(t) = named_field(g.f_type)
                && (t.kind_id() == g.class_specifier || t.kind_id() == g.struct_specifier)
                && t.child_by_field_id(g.f_body).is_none()
                && let Some(name) = t.child_by_field_id(g.f_name).filter(|n| n.is_named())
            {
                let k = if t.kind_id() == g.class_specifier { SymbolKind::Class } else { SymbolKind::Struct };
                self.add_named(node, name, k, Role::Declaration, None);
            }
        } else if kind == g.struct_specifier
            || kind == g.union_specifier
            || kind == g.enum_specifier
            || kind == g.class_specifier
        {
            let k = if kind == g.struct_specifier {
                SymbolKind::Struct
            } else if kind == g.union_specifier {
                SymbolKind::Union
            } else if kind == g.enum_specifier {
                SymbolKind::Enum
            } else {
                SymbolKind::Class
            };
            let Some(name) = named_field(g.f_name) else { return };
            // C names a type only with a type_identifier.
            if self.lang == Language::C && name.kind_id() != g.type_identifier {
                return;
            }
            if named_field(g.f_body).is_some() {
                self.add_named(node, name, k, Role::Definition, None);
            } else if node.child_by_field_id(g.f_body).is_none() {
                // `struct foo;` at file level (C: struct and union; C++: class and struct, also in a
                // namespace).
                let parent = parents.last().map(|p| p.kind_id());
                let at_top = parent == Some(g.translation_unit)
                    || (self.lang == Language::Cpp && parent == Some(g.declaration_list));
                let declares = if self.lang == Language::Cpp {
                    matches!(k, SymbolKind::Class | SymbolKind::Struct)
                } else {
                    matches!(k, SymbolKind::Struct | SymbolKind::Union)
                };
                if at_top && declares {
                    self.add_named(node, name, k, Role::Declaration, None);
                }
            }
        } else if kind == g.enumerator {
            if let Some(name) = named_field(g.f_name).filter(|n| n.kind_id() == g.identifier) {
                self.add_named(node, name, SymbolKind::Enumerator, Role::Definition, None);
            }
        } else if kind == g.preproc_def || kind == g.preproc_function_def {
            if let Some(name) = named_field(g.f_name).filter(|n| n.kind_id() == g.identifier) {
                self.add_named(node, name, SymbolKind::Macro, Role::Definition, None);
            }
        } else if kind == g.preproc_include {
            if let Some(path) = named_field(g.f_path) {
                let t = node_text(path, self.source);
                let t = t.trim_matches(|ch| ch == '"' || ch == '<' || ch == '>' || ch == '\'');
                includes.push(t.to_string());
            }
        } else if kind == g.alias_declaration {
            if let Some(name) = named_field(g.f_name).filter(|n| n.kind_id() == g.type_identifier) {
                self.add_named(node, name, SymbolKind::Typedef, Role::Definition, None);
            }
        } else if kind == g.namespace_definition {
            if let Some(name) = named_field(g.f_name)
                && named_field(g.f_body).is_some()
            {
                self.add_named(node, name, SymbolKind::Namespace, Role::Definition, None);
            }
        } else if kind == g.concept_definition
            && let Some(name) = named_field(g.f_name).filter(|n| n.kind_id() == g.identifier)
        {
            self.add_named(node, name, SymbolKind::Typedef, Role::Definition, None);
        }
    }

    /// A C/C++ declaration: resolves the declarator to its name and decides what it declares.
    fn add_from_declarator(&mut self, node: Node<'_>, declarator: Node<'_>, role: Role, kind_str: &str) {
        self.add_from_declarator_in(node, declarator, role, kind_str, None);
    }

    /// `add_from_declarator` with the node's ancestors when the caller knows them (root first).
    fn add_from_declarator_in(
        &mut self,
        node: Node<'_>,
        declarator: Node<'_>,
        role: Role,
        kind_str: &str,
        parents: Option<&[Node<'_>]>,
    ) {
        let Some(resolved) = resolve_declarator(declarator) else { return };
        let parent = match parents {
            Some(p) => p.last().copied(),
            None => node.parent(),
        };
        let (kind, role) = match kind_str {
            // `declaration`: a prototype, or a variable (file or namespace level only).
            "auto" => {
                let local = match parents {
                    Some(p) => is_local_in(p),
                    None => is_local(node),
                };
                if local {
                    return;
                }
                if resolved.is_function {
                    let in_class = parent.is_some_and(|p| p.kind() == "field_declaration_list");
                    if !in_class && !has_type(node) {
                        // `EXPORT_SYMBOL(f);` and other macro calls at file level parse as
                        // declarations with no type: they declare nothing.
                        return;
                    }
                    (SymbolKind::Function, Role::Declaration)
                } else if is_extern(node, parent, self.source) {
                    (SymbolKind::Variable, Role::Declaration)
                } else {
                    (SymbolKind::Variable, Role::Definition)
                }
            }
            "field" => {
                if resolved.is_function {
                    (SymbolKind::Method, Role::Declaration)
                } else {
                    (SymbolKind::Field, Role::Definition)
                }
            }
            "function" if role == Role::Definition && !resolved.is_function => {
                // A function definition whose declarator is not a function: macro-mangled code the
                // grammar misread. Keep it only if it looks like a name.
                (SymbolKind::Function, Role::Definition)
            }
            other => match kind_from_str(other) {
                Some(k) => (k, role),
                None => return,
            },
        };
        // A variable's extent is its own declarator: `struct S {..} s;` declares the struct beside the
        // variable, not inside it. A typedef of an anonymous type keeps the whole construct so that the
        // fields nest under the typedef name.
        let extent = match kind {
            SymbolKind::Variable => declarator,
            SymbolKind::Typedef => {
                let anonymous_body = node.child_by_field_name("type").is_some_and(|t| {
                    t.child_by_field_name("body").is_some() && t.child_by_field_name("name").is_none()
                });
                if anonymous_body { node } else { declarator }
            }
            _ => node,
        };
        let before = self.raw.len();
        self.add_named(extent, resolved.name, kind, role, None);
        // `SYSCALL_DEFINE0(name) {` parses as a function of "type" SYSCALL_DEFINE0.
        if kind_str == "function" && !resolved.is_function {
            let ty = node.child_by_field_name("type").map(|t| node_text(t, self.source)).unwrap_or_default();
            if is_macro_name(ty)
                && let Some(r) = self.raw.get_mut(before)
            {
                r.name = format!("{}{}", syscall_prefix(ty), r.name);
                r.via_macro = Some(ty.to_string());
            }
        }
    }

    fn add_named(
        &mut self,
        node: Node<'_>,
        name_node: Node<'_>,
        kind: SymbolKind,
        role: Role,
        via: Option<String>,
    ) {
        let (qualifier, name, name_node) = split_name(name_node, self.source);
        if name.is_empty() || !name_is_plausible(&name) {
            return;
        }
        if matches!(self.lang, Language::C | Language::Cpp) && is_c_keyword(&name) {
            // Macro-mangled code can make the grammar take a keyword for a declared name.
            return;
        }
        self.raw.push(Raw {
            name,
            kind,
            role,
            qualifier,
            range: text_range(node),
            name_range: text_range(name_node),
            via_macro: via,
        });
    }

    /// Finds function definitions that macros hid from the grammar. tree-sitter keeps the pieces it
    /// understood, at file level or inside ERROR nodes; a call-like `name(args)` directly followed by
    /// a body `{ ... }` is a definition (`SYSCALL_DEFINE3(open, ...) {`, `FOO_DEFINE(bar) {`).
    fn recover_from_errors(&mut self, root: Node<'_>) {
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            if node.is_error() || matches!(node.kind(), "translation_unit" | "declaration_list") {
                self.recover_in(node);
            }
            let mut cursor = node.walk();
            for child in node.children(&mut cursor) {
                if child.has_error()
                    || child.kind() == "namespace_definition"
                    || child.kind() == "declaration_list"
                {
                    stack.push(child);
                }
            }
        }
    }

    fn recover_in(&mut self, parent: Node<'_>) {
        let mut cursor = parent.walk();
        let children: Vec<Node<'_>> = parent.children(&mut cursor).collect();
        for (i, body) in children.iter().enumerate() {
            self.recover_class_head(parent, &children, i);
            if body.kind() != "compound_statement" || i == 0 {
                continue;
            }
            let Some(prev) = children.get(i - 1) else { continue };
            let mut call = *prev;
            if call.kind() == "expression_statement" {
                let Some(inner) = first_named_child(call) else { continue };
                call = inner;
            }
            let (function, first_arg) = match call.kind() {
                "call_expression" => {
                    let args = call.child_by_field_name("arguments");
                    (call.child_by_field_name("function"), args.and_then(first_named_child))
                }
                "function_declarator" => {
                    let params = call.child_by_field_name("parameters");
                    (call.child_by_field_name("declarator"), params.and_then(first_named_child))
                }
                _ => (None, None),
            };
            let Some(function) = function.filter(|f| f.kind() == "identifier") else { continue };
            let fname = node_text(function, self.source).to_string();
            if is_keyword_like(&fname) {
                continue;
            }
            let range = TextRange {
                start: point(call.start_position()),
                end: point(body.end_position()),
                start_byte: call.start_byte() as u32,
                end_byte: body.end_byte() as u32,
            };
            let wrapped = first_arg.filter(|a| {
                is_macro_name(&fname)
                    && matches!(a.kind(), "identifier" | "type_identifier" | "parameter_declaration")
                    && a.byte_range().len() < 256
            });
            let (name, name_node, via) = match wrapped {
                Some(arg) => {
                    let arg_name = node_text(arg, self.source).to_string();
                    (format!("{}{arg_name}", syscall_prefix(&fname)), arg, Some(fname))
                }
                None => (fname, function, None),
            };
            if !name_is_plausible(&name) || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            if self.raw.iter().any(|r| r.name_range.start_byte as usize == name_node.start_byte()) {
                continue;
            }
            self.raw.push(Raw {
                name,
                kind: SymbolKind::Function,
                role: Role::Definition,
                qualifier: Vec::new(),
                range,
                name_range: text_range(name_node),
                via_macro: via,
            });
        }
    }

    /// Function bodies that `skim` found (so their braces are known to belong to a function; given
    /// as the offsets of `{` and `}` in the parsed text) but that no definition holds: a broken construct before them ran over the signature. The name
    /// is then read from the text before the body: `name(...) {`, `A::name(...) const {`, or a
    /// macro that wraps the name, `SYSCALL_DEFINE2(name, ...) {`.
    fn recover_skimmed_functions(&mut self, functions: &[(u32, u32)]) {
        if functions.is_empty() {
            return;
        }
        let mut held: Vec<(u32, u32)> = self
            .raw
            .iter()
            .filter(|r| r.role == Role::Definition && r.kind.is_function_like())
            .map(|r| (r.range.start_byte, r.range.end_byte))
            .collect();
        held.sort_unstable();
        let mut lines: Option<Vec<u32>> = None;
        for &(open, close) in functions {
            // Definitions do not nest at these levels: the one starting last before the body is
            // the only one that can hold it.
            let i = held.partition_point(|&(start, _)| start <= open);
            if i.checked_sub(1).and_then(|i| held.get(i)).is_some_and(|&(_, end)| end > close) {
                continue;
            }
            let Some((name, qualifier, name_at, via_macro)) = signature_before(self.source, open as usize)
            else {
                continue;
            };
            let lines = lines.get_or_insert_with(|| {
                std::iter::once(0)
                    .chain(memchr::memchr_iter(b'\n', self.source).map(|i| i as u32 + 1))
                    .collect()
            });
            let at = |b: u32| {
                let line = lines.partition_point(|&l| l <= b).saturating_sub(1);
                Point { line: line as u32, column: b - lines.get(line).copied().unwrap_or(0) }
            };
            let name_end = name_at + name.len() as u32;
            let name_range =
                TextRange { start: at(name_at), end: at(name_end), start_byte: name_at, end_byte: name_end };
            let line_start = lines.get(name_range.start.line as usize).copied().unwrap_or(name_at);
            let range = TextRange {
                start: at(line_start),
                end: at(close + 1),
                start_byte: line_start,
                end_byte: close + 1,
            };
            let name = match &via_macro {
                Some(m) => format!("{}{name}", syscall_prefix(m)),
                None => name,
            };
            self.raw.push(Raw {
                name,
                kind: SymbolKind::Function,
                role: Role::Definition,
                qualifier,
                range,
                name_range,
                via_macro,
            });
        }
    }

    /// `class Name {` or `struct Name : Base {` whose body the grammar lost (an `#if` splitting a
    /// member list is enough): the class runs from its keyword to the end of the broken region.
    fn recover_class_head(&mut self, parent: Node<'_>, children: &[Node<'_>], i: usize) {
        if self.lang != Language::Cpp {
            return;
        }
        let Some(keyword) = children.get(i) else { return };
        let kind = match keyword.kind() {
            "class" => SymbolKind::Class,
            "struct" => SymbolKind::Struct,
            "union" => SymbolKind::Union,
            _ => return,
        };
        if keyword.is_named() {
            return;
        }
        let Some(name) = children.get(i + 1).filter(|n| n.kind() == "type_identifier") else { return };
        let opens = children.get(i + 2).is_some_and(|n| matches!(n.kind(), "{" | ":" | "base_class_clause"));
        if !opens || self.raw.iter().any(|r| r.name_range.start_byte as usize == name.start_byte()) {
            return;
        }
        let range = TextRange {
            start: point(keyword.start_position()),
            end: point(parent.end_position()),
            start_byte: keyword.start_byte() as u32,
            end_byte: parent.end_byte() as u32,
        };
        self.raw.push(Raw {
            name: node_text(*name, self.source).to_string(),
            kind,
            role: Role::Definition,
            qualifier: Vec::new(),
            range,
            name_range: text_range(*name),
            via_macro: None,
        });
    }

    /// Nests, scopes and sorts the raw symbols.
    fn finish(mut self) -> (Vec<Symbol>, Vec<Symbol>) {
        self.unwrap_macro_definitions();
        // Source order; an enclosing construct before what it contains.
        self.raw.sort_by(|a, b| {
            a.range
                .start_byte
                .cmp(&b.range.start_byte)
                .then(b.range.end_byte.cmp(&a.range.end_byte))
                .then(a.name_range.start_byte.cmp(&b.name_range.start_byte))
                .then(kind_generality(a.kind).cmp(&kind_generality(b.kind)))
        });
        self.raw.dedup_by(|b, a| a.name_range.start_byte == b.name_range.start_byte && a.name == b.name);
        let sep = scope_separator(Some(self.lang));
        let mut definitions: Vec<Symbol> = Vec::new();
        let mut declarations: Vec<Symbol> = Vec::new();
        // Open definitions containing the current position: indexes into `definitions`.
        let mut open: Vec<u32> = Vec::new();
        let class_names: Vec<String> = self
            .raw
            .iter()
            .filter(|r| matches!(r.kind, SymbolKind::Class | SymbolKind::Struct))
            .map(|r| r.name.clone())
            .collect();
        for r in self.raw {
            while let Some(&top) = open.last() {
                let Some(t) = definitions.get(top as usize) else { break };
                if r.range.start_byte >= t.range.end_byte || r.range.end_byte > t.range.end_byte {
                    open.pop();
                } else {
                    break;
                }
            }
            let parent = open.last().copied();
            let parent_sym = parent.and_then(|p| definitions.get(p as usize));
            let mut scope = match parent_sym {
                Some(p) if p.kind.is_scope() || matches!(self.lang, Language::Python) => {
                    if p.scope.is_empty() { p.name.clone() } else { format!("{}{sep}{}", p.scope, p.name) }
                }
                Some(p) => p.scope.clone(),
                None => String::new(),
            };
            let parent_is_type = parent_sym.is_some_and(|p| {
                matches!(
                    p.kind,
                    SymbolKind::Class
                        | SymbolKind::Struct
                        | SymbolKind::Union
                        | SymbolKind::Interface
                        | SymbolKind::Impl
                        | SymbolKind::Trait
                )
            });
            let parent_name = parent_sym.map(|p| p.name.clone()).unwrap_or_default();
            if !r.qualifier.is_empty() {
                let q = r.qualifier.join(sep);
                scope = if scope.is_empty() { q } else { format!("{scope}{sep}{q}") };
            }
            let kind = refine_kind(self.lang, &r, parent_is_type, &parent_name, &class_names);
            let sym = Symbol {
                name: r.name,
                kind,
                scope,
                range: r.range,
                name_range: r.name_range,
                parent,
                via_macro: r.via_macro,
            };
            match r.role {
                Role::Definition => {
                    definitions.push(sym);
                    open.push((definitions.len() - 1) as u32);
                }
                Role::Declaration => declarations.push(sym),
            }
        }
        (definitions, declarations)
    }

    /// `SYSCALL_DEFINE3(open, ...) { }` parses as a definition of a function named SYSCALL_DEFINE3
    /// whose parameters are `open, ...`. Such macro-named definitions are renamed after their first
    /// argument (with the `sys_` prefix for the syscall macros, which is the name the kernel gives
    /// them), remembering the macro.
    fn unwrap_macro_definitions(&mut self) {
        if !matches!(self.lang, Language::C | Language::Cpp) {
            return;
        }
        for r in &mut self.raw {
            if r.role != Role::Definition || r.kind != SymbolKind::Function || !is_macro_name(&r.name) {
                continue;
            }
            // Only a definition that starts with the macro is one: `static inline u32 REG_X(u32 v)`
            // is a real function with an upper-case name.
            if r.range.start_byte != r.name_range.start_byte {
                continue;
            }
            let Some(args) = self.source.get(r.name_range.end_byte as usize..r.range.end_byte as usize)
            else {
                continue;
            };
            let args = String::from_utf8_lossy(args);
            let Some(inner) = args.trim_start().strip_prefix('(') else { continue };
            let first: String =
                inner.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if first.is_empty() || first.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                continue;
            }
            let offset = inner.len() - inner.trim_start().len();
            let macro_name = std::mem::take(&mut r.name);
            let prefix = syscall_prefix(&macro_name);
            // Position of the wrapped name: after the macro name, `(` and any blanks.
            let lead = args.len() - args.trim_start().len();
            let start = r.name_range.end_byte + (lead + 1 + offset) as u32;
            let col = r.name_range.end.column + (lead + 1 + offset) as u32;
            r.name = format!("{prefix}{first}");
            r.name_range = TextRange {
                start: Point { line: r.name_range.start.line, column: col },
                end: Point { line: r.name_range.start.line, column: col + first.len() as u32 },
                start_byte: start,
                end_byte: start + first.len() as u32,
            };
            r.via_macro = Some(macro_name);
        }
    }
}

/// What a C declarator declares.
struct Resolved<'t> {
    name: Node<'t>,
    /// A function (not a pointer to one).
    is_function: bool,
}

/// Descends a C/C++ declarator to the declared name, noting whether it declares a function:
/// `*f(void)` is a function returning a pointer, `(*f)(void)` a pointer to a function.
fn resolve_declarator(mut node: Node<'_>) -> Option<Resolved<'_>> {
    let mut is_function = false;
    let mut inside_parens_after_function = false;
    for _ in 0..32 {
        match node.kind() {
            "identifier"
            | "field_identifier"
            | "type_identifier"
            | "qualified_identifier"
            | "operator_name"
            | "destructor_name"
            | "template_function"
            | "primitive_type"
            | "namespace_identifier" => {
                return Some(Resolved {
                    name: node,
                    is_function: is_function && !inside_parens_after_function,
                });
            }
            "operator_cast" => return Some(Resolved { name: node, is_function: true }),
            "function_declarator" => {
                if !is_function {
                    is_function = true;
                }
                node = node.child_by_field_name("declarator")?;
            }
            "parenthesized_declarator" => {
                if is_function {
                    inside_parens_after_function = true;
                }
                node = first_named_child(node)?;
            }
            "pointer_declarator"
            | "reference_declarator"
            | "array_declarator"
            | "init_declarator"
            | "attributed_declarator" => {
                let next = node.child_by_field_name("declarator").or_else(|| {
                    // reference_declarator has no field name: its declarator is the last named child.
                    let count = node.named_child_count();
                    node.named_child(count.checked_sub(1)? as u32)
                })?;
                node = next;
            }
            _ => return None,
        }
    }
    None
}

/// Splits a possibly qualified name node into (qualifiers, name, name node).
fn split_name<'t>(node: Node<'t>, source: &[u8]) -> (Vec<String>, String, Node<'t>) {
    let mut qualifier = Vec::new();
    let mut node = node;
    for _ in 0..32 {
        match node.kind() {
            "qualified_identifier"
            | "nested_namespace_specifier"
            | "scoped_identifier"
            | "scoped_type_identifier"
            | "qualified_name" => {
                if let Some(scope) = node
                    .child_by_field_name("scope")
                    .or_else(|| node.child_by_field_name("path"))
                    .or_else(|| node.child_by_field_name("qualifier"))
                {
                    qualifier.extend(qualifier_parts(scope, source));
                }
                let Some(name) = node.child_by_field_name("name") else {
                    // nested_namespace_specifier: `a::b` with no fields.
                    let text = node_text(node, source);
                    let mut parts: Vec<String> =
                        text.split("::").map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
                    let last = parts.pop().unwrap_or_default();
                    qualifier.extend(parts);
                    return (qualifier, last, node);
                };
                node = name;
            }
            "template_function" | "template_type" | "template_method" | "generic_type" | "reference_type"
            | "pointer_type" => {
                let Some(name) = node
                    .child_by_field_name("name")
                    .or_else(|| node.child_by_field_name("type"))
                    .or_else(|| first_named_child(node))
                else {
                    break;
                };
                node = name;
            }
            _ => break,
        }
    }
    if node.kind() == "operator_cast" {
        // `operator bool()`: the name is the operator and its target type.
        let ty = node.child_by_field_name("type").map(|t| node_text(t, source)).unwrap_or_default();
        return (
            qualifier,
            format!("operator {}", ty.split_whitespace().collect::<Vec<_>>().join(" ")),
            node,
        );
    }
    let text = normalize_name(node_text(node, source));
    (qualifier, text, node)
}

fn qualifier_parts(node: Node<'_>, source: &[u8]) -> Vec<String> {
    let text = node_text(node, source);
    let mut parts = Vec::new();
    // Template arguments are not part of the scope name: `A<T>::f` is in scope `A`.
    let mut depth = 0i32;
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            ':' if depth == 0 && chars.peek() == Some(&':') => {
                chars.next();
                parts.push(std::mem::take(&mut current));
            }
            '.' if depth == 0 => parts.push(std::mem::take(&mut current)),
            '*' | '&' => {}
            c if depth == 0 && !c.is_whitespace() => current.push(c),
            _ => {}
        }
    }
    parts.push(current);
    parts.into_iter().filter(|p| !p.is_empty()).collect()
}

/// `operator ==` and `operator  new` become `operator==` and `operator new`.
fn normalize_name(text: &str) -> String {
    if let Some(rest) = text.strip_prefix("operator") {
        let rest = rest.trim();
        let word = rest.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_');
        let squashed: String = rest.split_whitespace().collect::<Vec<_>>().join(if word { " " } else { "" });
        return if word { format!("operator {squashed}") } else { format!("operator{squashed}") };
    }
    if text.contains(char::is_whitespace) {
        return text.split_whitespace().collect::<Vec<_>>().join("");
    }
    text.to_string()
}

fn refine_kind(
    lang: Language,
    r: &Raw,
    parent_is_type: bool,
    parent_name: &str,
    class_names: &[String],
) -> SymbolKind {
    if !matches!(lang, Language::Cpp | Language::C) {
        // Elsewhere a function inside a type (class, impl, trait, interface) is a method.
        let in_type = parent_is_type || !r.qualifier.is_empty();
        return if r.kind == SymbolKind::Function && in_type { SymbolKind::Method } else { r.kind };
    }
    if !matches!(r.kind, SymbolKind::Function | SymbolKind::Method) {
        return r.kind;
    }
    let owner =
        r.qualifier.last().map(String::as_str).unwrap_or(if parent_is_type { parent_name } else { "" });
    if r.name.starts_with('~') {
        return SymbolKind::Destructor;
    }
    if r.name.starts_with("operator") && !r.name.starts_with("operator_") {
        let after = r.name.get(8..).unwrap_or_default();
        if after.is_empty()
            || !after.starts_with(|c: char| c.is_alphanumeric() || c == '_')
            || after.starts_with(' ')
        {
            return SymbolKind::Operator;
        }
    }
    if !owner.is_empty() && owner == r.name {
        return SymbolKind::Constructor;
    }
    if parent_is_type || (!owner.is_empty() && class_names.iter().any(|c| c == owner)) {
        return SymbolKind::Method;
    }
    if !r.qualifier.is_empty() && owner.starts_with(|c: char| c.is_uppercase()) {
        return SymbolKind::Method;
    }
    r.kind
}

/// Whether a C declaration sits inside a function body (a local, which the outline leaves out).
/// Only a real function counts: after a parse error, tree-sitter may wrap the rest of the file in a
/// bogus block, and the declarations in it are still file-level ones.
fn is_local(node: Node<'_>) -> bool {
    let mut p = node.parent();
    while let Some(n) = p {
        match n.kind() {
            "function_definition" | "lambda_expression" | "for_statement" => {
                return true;
            }
            // A block at file level is the body of a macro-wrapped definition.
            "compound_statement" if n.parent().is_some_and(|g| g.kind() == "translation_unit") => {
                return true;
            }
            "translation_unit" | "namespace_definition" | "declaration_list" | "linkage_specification" => {
                return false;
            }
            _ => {}
        }
        p = n.parent();
    }
    false
}

/// `is_local` given the node's ancestors (root first).
fn is_local_in(parents: &[Node<'_>]) -> bool {
    for (i, n) in parents.iter().enumerate().rev() {
        match n.kind() {
            "function_definition" | "lambda_expression" | "for_statement" => return true,
            "compound_statement"
                if i.checked_sub(1)
                    .and_then(|g| parents.get(g))
                    .is_some_and(|g| g.kind() == "translation_unit") =>
            {
                return true;
            }
            "translation_unit" | "namespace_definition" | "declaration_list" | "linkage_specification" => {
                return false;
            }
            _ => {}
        }
    }
    false
}

fn has_type(node: Node<'_>) -> bool {
    node.child_by_field_name("type").is_some_and(|t| !t.is_missing() && !t.byte_range().is_empty())
}

fn is_extern(node: Node<'_>, parent: Option<Node<'_>>, source: &[u8]) -> bool {
    let mut cursor = node.walk();
    let found = node
        .children(&mut cursor)
        .any(|c| c.kind() == "storage_class_specifier" && node_text(c, source) == "extern");
    found
        || parent
            .is_some_and(|p| p.kind() == "linkage_specification" && p.child_by_field_name("body").is_none())
}

fn first_named_child(node: Node<'_>) -> Option<Node<'_>> {
    node.named_child(0)
}

fn node_text<'s>(node: Node<'_>, source: &'s [u8]) -> &'s str {
    source.get(node.byte_range()).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or_default()
}

fn point(p: tree_sitter::Point) -> Point {
    Point { line: p.row as u32, column: p.column as u32 }
}

fn text_range(node: Node<'_>) -> TextRange {
    TextRange {
        start: point(node.start_position()),
        end: point(node.end_position()),
        start_byte: node.start_byte() as u32,
        end_byte: node.end_byte() as u32,
    }
}

/// The function name written before the body that opens at `open`: the identifier (or qualified
/// name) before the parameter list, past trailing `const`, `noexcept`, `override`, `final` or
/// `volatile`; for a macro wrapping a definition (`SYSCALL_DEFINE2(name, ...)`), its first
/// argument. Returns (name, qualifiers, offset of the name, wrapping macro).
fn signature_before(s: &[u8], open: usize) -> Option<(String, Vec<String>, u32, Option<String>)> {
    let is_word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let skip_space = |mut i: usize| {
        while i > 0 && s.get(i - 1).is_some_and(|c| c.is_ascii_whitespace()) {
            i -= 1;
        }
        i
    };
    let word_before = |end: usize| {
        let mut i = end;
        while i > 0 && s.get(i - 1).is_some_and(|&c| is_word(c)) {
            i -= 1;
        }
        (i, s.get(i..end).unwrap_or_default())
    };
    // `i` is just past the last byte of the signature.
    let mut i = skip_space(open);
    loop {
        let (start, w) = word_before(i);
        if matches!(w, b"const" | b"noexcept" | b"override" | b"final" | b"volatile") {
            i = skip_space(start);
        } else {
            break;
        }
    }
    if i == 0 || s.get(i - 1) != Some(&b')') {
        return None;
    }
    // Back to the matching `(` (parameter lists hold no strings or comments with parentheses often
    // enough to matter; any doubt ends the search).
    let close = i - 1;
    let mut depth = 0usize;
    let mut j = close;
    let paren = loop {
        match s.get(j)? {
            b')' => depth += 1,
            b'(' => {
                depth -= 1;
                if depth == 0 {
                    break j;
                }
            }
            b'{' | b'}' | b';' => return None,
            _ => {}
        }
        j = j.checked_sub(1)?;
    };
    let (start, w) = word_before(skip_space(paren));
    let word = std::str::from_utf8(w).ok()?;
    if word.is_empty() || word.as_bytes().first().is_some_and(u8::is_ascii_digit) || is_keyword_like(word) {
        return None;
    }
    if is_macro_name(word) {
        // The first argument names the function the macro defines.
        let args = s.get(paren + 1..close)?;
        let lead = args.iter().take_while(|c| c.is_ascii_whitespace()).count();
        let len = args.iter().skip(lead).take_while(|&&c| is_word(c)).count();
        let rest = args.get(lead + len..)?.iter().find(|c| !c.is_ascii_whitespace());
        if len == 0 || !matches!(rest, None | Some(b',')) {
            return None;
        }
        let arg = std::str::from_utf8(args.get(lead..lead + len)?).ok()?;
        return Some((arg.to_string(), Vec::new(), (paren + 1 + lead) as u32, Some(word.to_string())));
    }
    // Qualifiers: `A::B::name`.
    let mut qualifier = Vec::new();
    let mut k = start;
    while k >= 2 && s.get(k - 2..k) == Some(b"::") {
        let (q_start, q) = word_before(k - 2);
        if q.is_empty() {
            break;
        }
        qualifier.insert(0, String::from_utf8_lossy(q).into_owned());
        k = q_start;
    }
    Some((word.to_string(), qualifier, start as u32, None))
}

fn name_is_plausible(name: &str) -> bool {
    name.len() <= 512 && !name.contains('\n')
}

fn is_macro_name(name: &str) -> bool {
    name.len() > 1
        && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && name.chars().any(|c| c.is_ascii_uppercase())
}

/// The prefix the kernel's syscall macros give the function they define.
fn syscall_prefix(macro_name: &str) -> &'static str {
    if macro_name.starts_with("COMPAT_SYSCALL_DEFINE") {
        "compat_sys_"
    } else if macro_name.starts_with("SYSCALL_DEFINE") {
        "sys_"
    } else {
        ""
    }
}

fn is_keyword_like(name: &str) -> bool {
    matches!(
        name,
        "if" | "for"
            | "while"
            | "switch"
            | "return"
            | "sizeof"
            | "do"
            | "else"
            | "case"
            | "goto"
            | "typeof"
            | "__typeof__"
    )
}

/// When two patterns find the same name, the more specific kind wins (a Go `type X struct` is a
/// struct, not just a type; a JavaScript `const f = () => {}` is a function, not just a variable).
fn kind_generality(kind: SymbolKind) -> u8 {
    match kind {
        SymbolKind::Typedef | SymbolKind::Variable => 1,
        _ => 0,
    }
}

fn kind_from_str(s: &str) -> Option<SymbolKind> {
    SymbolKind::ALL.into_iter().find(|k| k.as_str() == s)
}

fn ref_kind_from_str(s: &str) -> Option<RefKind> {
    RefKind::ALL.into_iter().find(|k| k.as_str() == s)
}

/// Sets each reference's innermost enclosing definition in one sweep (references sorted by byte,
/// definitions by start with containers first), instead of a scan of all definitions per reference.
fn assign_enclosing(defs: &[Symbol], refs: &mut [RawRef]) {
    let mut open: Vec<u32> = Vec::new();
    let mut next = 0usize;
    for r in refs.iter_mut() {
        while let Some(d) = defs.get(next) {
            if d.range.start_byte > r.start {
                break;
            }
            open.push(next as u32);
            next += 1;
        }
        // Drop finished definitions; one still open lower in the stack stays until it ends too.
        open.retain(|&i| defs.get(i as usize).is_some_and(|d| r.start < d.range.end_byte));
        r.enclosing = open.last().copied();
    }
}

/// The innermost symbol (of a list sorted by start, containers first) whose range contains `byte`.
fn innermost(defs: &[Symbol], byte: u32) -> Option<u32> {
    let mut best: Option<u32> = None;
    for (i, d) in defs.iter().enumerate() {
        if d.range.start_byte > byte {
            break;
        }
        if byte < d.range.end_byte {
            best = Some(i as u32);
        }
    }
    best
}

/// References from a language's `references.scm` (languages other than C and C++).
fn query_references(query: &Query, root: Node<'_>, source: &[u8]) -> Vec<RawRef> {
    let names = query.capture_names();
    let mut found: Vec<(u32, RefKind, Node<'_>)> = Vec::new();
    let mut cursor = QueryCursor::new();
    let mut matches = cursor.matches(query, root, source);
    while let Some(m) = matches.next() {
        let mut name = None;
        let mut kind = None;
        for c in m.captures() {
            match names.get(c.index as usize).copied() {
                Some("name") => name = Some(c.node),
                Some(other) => {
                    if let Some(k) = other.strip_prefix("reference.").and_then(ref_kind_from_str) {
                        kind = Some(k);
                    }
                }
                None => {}
            }
        }
        if let (Some(n), Some(k)) = (name, kind) {
            found.push((n.start_byte() as u32, k, n));
        }
    }
    // The most specific classification of a name wins (call before field before type before other).
    found.sort_by_key(|(b, k, _)| (*b, *k));
    found.dedup_by_key(|(b, _, _)| *b);
    let mut refs = Vec::with_capacity(found.len());
    for (byte, kind, node) in found {
        let (_, name, _) = split_name(node, source);
        if name.is_empty() {
            continue;
        }
        let owned = (node_text(node, source) != name).then(|| name.into_boxed_str());
        refs.push(RawRef {
            start: byte,
            end: node.end_byte() as u32,
            kind,
            at: point(node.start_position()),
            enclosing: None,
            owned,
        });
    }
    refs
}

/// Drops the names that are definitions, adds the identifiers of C macro bodies, sorts by position
/// and sets each reference's enclosing definition.
fn finish_references(lang: Language, mut refs: Vec<RawRef>, source: &[u8], fs: &FileSymbols) -> Vec<RawRef> {
    let mut defined: Vec<u32> =
        fs.definitions.iter().chain(&fs.declarations).map(|d| d.name_range.start_byte).collect();
    defined.sort_unstable();
    refs.retain(|r| defined.binary_search(&r.start).is_err());
    if matches!(lang, Language::C | Language::Cpp) {
        macro_body_references(fs, source, &mut refs);
        refs.sort_by_key(|r| r.start);
    }
    assign_enclosing(&fs.definitions, &mut refs);
    refs
}

/// Macro bodies are raw text to the grammar; their identifiers are scanned here so that calls made
/// through a macro show the macro as a caller.
fn macro_body_references(fs: &FileSymbols, source: &[u8], refs: &mut Vec<RawRef>) {
    for d in fs.definitions.iter().filter(|d| d.kind == SymbolKind::Macro) {
        let start = d.name_range.end_byte as usize;
        let end = d.range.end_byte as usize;
        let Some(body) = source.get(start..end) else { continue };
        // Skip the parameter list of a function-like macro.
        let mut i = 0usize;
        if body.first() == Some(&b'(') {
            i = body.iter().position(|&b| b == b')').map(|p| p + 1).unwrap_or(body.len());
        }
        let mut line = d.name_range.end.line;
        let mut line_start_byte: i64 = d.name_range.end_byte as i64 - i64::from(d.name_range.end.column);
        let mut k = 0;
        while k < i {
            if body.get(k) == Some(&b'\n') {
                line += 1;
                line_start_byte = (start + k + 1) as i64;
            }
            k += 1;
        }
        while i < body.len() {
            let b = body.get(i).copied().unwrap_or(b' ');
            if b == b'\n' {
                line += 1;
                line_start_byte = (start + i + 1) as i64;
                i += 1;
                continue;
            }
            if b == b'"' || b == b'\'' {
                // Skip string and character literals.
                let quote = b;
                i += 1;
                while i < body.len() && body.get(i) != Some(&quote) && body.get(i) != Some(&b'\n') {
                    if body.get(i) == Some(&b'\\') {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                continue;
            }
            if b.is_ascii_alphabetic() || b == b'_' {
                let s = i;
                while i < body.len() && body.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
                    i += 1;
                }
                let word = std::str::from_utf8(body.get(s..i).unwrap_or_default()).unwrap_or_default();
                let mut j = i;
                while body.get(j).is_some_and(|c| *c == b' ' || *c == b'\t') {
                    j += 1;
                }
                let prev = if s > 0 { body.get(s - 1).copied() } else { None };
                let kind = if body.get(j) == Some(&b'(') {
                    RefKind::Call
                } else if prev == Some(b'.')
                    || (prev == Some(b'>') && s >= 2 && body.get(s - 2) == Some(&b'-'))
                {
                    RefKind::Field
                } else {
                    RefKind::Other
                };
                if !is_c_keyword(word) {
                    let byte = (start + s) as u32;
                    let column = (byte as i64 - line_start_byte).max(0) as u32;
                    refs.push(RawRef {
                        start: byte,
                        end: byte + word.len() as u32,
                        kind,
                        at: Point { line, column },
                        enclosing: None,
                        owned: None,
                    });
                }
                continue;
            }
            if b.is_ascii_digit() {
                while i < body.len()
                    && body.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'.')
                {
                    i += 1;
                }
                continue;
            }
            i += 1;
        }
    }
}

pub(crate) fn is_c_keyword(w: &str) -> bool {
    matches!(
        w,
        "if" | "else"
            | "for"
            | "while"
            | "do"
            | "switch"
            | "case"
            | "default"
            | "return"
            | "break"
            | "continue"
            | "goto"
            | "sizeof"
            | "typeof"
            | "struct"
            | "union"
            | "enum"
            | "int"
            | "char"
            | "void"
            | "long"
            | "short"
            | "unsigned"
            | "signed"
            | "const"
            | "volatile"
            | "static"
            | "extern"
            | "inline"
            | "float"
            | "double"
            | "defined"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const KERNEL: &[u8] = include_bytes!("../../../tests/data/symbols/kernel_style.c");
    const CPP: &[u8] = include_bytes!("../../../tests/data/symbols/constructs.cpp");

    /// A file-level macro call the grammar cannot read runs over the functions that follow (with
    /// their bodies emptied or not); their names are then read from the text before each body.
    #[test]
    fn functions_swallowed_by_a_broken_construct_are_recovered() {
        let source = include_bytes!("../../../tests/data/symbols/broken_tables.c");
        let sk = crate::skim::skim(source).unwrap();
        let neutralized = crate::macros::neutralize(&sk.source);
        let first = parse(Language::C, neutralized.as_deref().unwrap_or(&sk.source), None, None).unwrap();
        let keep = swallowed_ranges(first.root_node(), &sk);
        assert!(!keep.is_empty(), "the fixture must show the grammar swallowing a body");
        let options = ExtractOptions { skim_bodies: true, ..ExtractOptions::default() };
        let skimmed = extract_with(Language::C, source, &options);
        let full = extract(Language::C, source);
        for fs in [&skimmed, &full] {
            let functions: Vec<&str> = fs
                .definitions
                .iter()
                .filter(|d| d.kind == SymbolKind::Function)
                .map(|d| d.name.as_str())
                .collect();
            assert_eq!(functions, ["demo_reset", "demo_set_clock"]);
        }
    }

    /// An iterator macro followed by a block inside a body reads, to the grammar, as a nested
    /// function definition of its argument.
    #[test]
    fn iterator_macros_in_bodies_define_nothing() {
        let source = b"static void start(int cpu)\n{\n\tstruct nb *nb;\n\tint i, id;\n\n\tid = die_id(cpu);\n\tfor_each_online_cpu(i) {\n\t\tnb = get(i);\n\t}\n}\n";
        let fs = extract(Language::C, source);
        let functions: Vec<&str> =
            fs.definitions.iter().filter(|d| d.kind.is_function_like()).map(|d| d.name.as_str()).collect();
        assert_eq!(functions, ["start"]);
    }

    /// Giving emptied bodies back to the grammar: the edits turn the old text into the new one, and
    /// the tree parsed incrementally from the edited old tree is the tree of a fresh parse.
    #[test]
    fn restored_bodies_reparse_incrementally_to_the_same_tree() {
        let source = include_bytes!("../../../tests/data/symbols/broken_tables.c");
        let sk = crate::skim::skim(source).unwrap();
        let old = parse(Language::C, &sk.source, None, None).unwrap();
        let keep = swallowed_ranges(old.root_node(), &sk);
        let (restored, edits) = sk.restore(source, &keep);
        let new_text = restored.as_ref().map_or(&source[..], |r| r.source.as_slice());
        assert!(!edits.is_empty() && new_text.len() > sk.source.len());
        let at = |text: &[u8], b: usize| {
            let line_start = text[..b].iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1);
            tree_sitter::Point::new(text[..b].iter().filter(|&&c| c == b'\n').count(), b - line_start)
        };
        // Edits come last first; applied in that order to the old text, they give the new one.
        let mut text = sk.source.clone();
        let mut shift = 0usize;
        for e in edits.iter().rev() {
            assert_eq!(e.start_position, at(&sk.source, e.start_byte));
            assert_eq!(e.old_end_position, at(&sk.source, e.old_end_byte));
            assert!(sk.source[e.start_byte..e.old_end_byte].iter().all(|&c| c == b'\n'));
            assert_eq!(e.new_end_position, at(new_text, e.new_end_byte + shift));
            shift += e.new_end_byte - e.old_end_byte;
        }
        for e in &edits {
            let len = e.new_end_byte - e.start_byte;
            let from = e.start_byte
                + edits
                    .iter()
                    .filter(|o| o.start_byte < e.start_byte)
                    .map(|o| o.new_end_byte - o.old_end_byte)
                    .sum::<usize>();
            text.splice(e.start_byte..e.old_end_byte, new_text[from..from + len].iter().copied());
        }
        assert_eq!(text, new_text);
        let mut edited = old.clone();
        for e in &edits {
            edited.edit(e);
        }
        let incremental = parse(Language::C, new_text, None, Some(&edited)).unwrap();
        let fresh = parse(Language::C, new_text, None, None).unwrap();
        assert_eq!(incremental.root_node().to_sexp(), fresh.root_node().to_sexp());
    }

    /// (name, kind, position, enclosing definition) of each reference.
    type Refs = Vec<(String, RefKind, Point, Option<u32>)>;

    fn both_ways(lang: Language, source: &[u8]) -> [(FileSymbols, Refs); 2] {
        [true, false].map(|walk| {
            let (fs, refs) = extract_raw_by(lang, source, &ExtractOptions::default(), walk);
            let refs = refs.iter().map(|r| (r.name(source).to_string(), r.kind, r.at, r.enclosing)).collect();
            (fs, refs)
        })
    }

    #[test]
    fn the_c_and_cpp_walk_finds_what_the_queries_find() {
        for (lang, source) in [(Language::C, KERNEL), (Language::Cpp, CPP)] {
            let [walked, queried] = both_ways(lang, source);
            assert_eq!(walked.0, queried.0, "{lang:?}: definitions differ");
            assert_eq!(walked.1, queried.1, "{lang:?}: references differ");
            assert!(walked.1.iter().any(|r| r.1 == RefKind::Call));
            assert!(walked.1.iter().any(|r| r.1 == RefKind::Field));
            assert!(walked.1.iter().any(|r| r.1 == RefKind::Type));
        }
    }

    #[test]
    fn a_parse_out_of_time_yields_the_names_only_and_says_so() {
        let source: String =
            (0..20_000).map(|i| format!("int f{i}(int a) {{ return g{i}(a); }}\n")).collect();
        let options =
            ExtractOptions { parse_timeout: Some(std::time::Duration::ZERO), ..ExtractOptions::default() };
        let fs = extract_with(Language::C, source.as_bytes(), &options);
        assert!(fs.parse_timed_out);
        assert!(fs.definitions.is_empty());
        assert!(fs.references.iter().any(|r| r.name == "g19999" && r.kind == RefKind::Call));
        // The parser is usable again afterwards.
        let fs = extract(Language::C, b"int ok(void) { return 0; }\n");
        assert!(!fs.parse_timed_out);
        assert_eq!(fs.definitions.len(), 1);
    }

    #[test]
    fn a_qualified_call_is_a_call_of_its_last_name_at_that_name() {
        let source = b"void f() { a::b::c(1); x.g(3); std::make<T>(2); }\n";
        let fs = extract(Language::Cpp, source);
        let kind_at = |name: &str| {
            fs.references.iter().filter(|r| r.name == name).map(|r| (r.kind, r.at.column)).collect::<Vec<_>>()
        };
        assert_eq!(kind_at("c"), vec![(RefKind::Call, 17)]);
        assert_eq!(kind_at("b"), vec![(RefKind::Type, 14)]);
        assert_eq!(kind_at("g"), vec![(RefKind::Call, 25)]);
        assert_eq!(kind_at("make"), vec![(RefKind::Call, 36)]);
    }
}
