//! Per-file symbols from tree-sitter: definitions and declarations (name, kind, qualified scope, full
//! and name ranges), references classified call / type / field / other, includes, an outline tree, and
//! the count of parse errors.
//!
//! The embedded queries (`assets/queries/<lang>/definitions.scm`, `references.scm`) say what is a
//! definition or a reference; this module turns their matches into symbols: it resolves C declarators
//! to names, splits qualified names (`A::B::f`), nests symbols into scopes, refines kinds
//! (method, constructor, destructor, operator), drops locals, and recovers definitions that macros
//! hide from the grammar (`SYSCALL_DEFINE3(...) {`, `static int __init f(void) {`).
//!
//! This file holds the data types and the entry points; `pipeline` runs a file through the steps,
//! `c_walk` walks C and C++ trees, `recover` finds what broken regions hid, `names` reads names,
//! `references` classifies and places references, `extractor` nests what was found, and `debug`
//! serves the examples.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::lang::Language;

mod c_walk;
pub(crate) mod debug;
mod extractor;
mod names;
mod pipeline;
mod recover;
mod references;
#[cfg(test)]
mod tests;

pub(crate) use names::is_c_keyword_bytes;
pub(crate) use pipeline::extract_raw;
#[cfg(test)]
pub(crate) use pipeline::extract_raw_by;
pub(crate) use references::RawRef;
use references::innermost;

/// A position in a file: 0-based line and 0-based byte column within the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct Point {
    /// 0-based line number.
    pub line: u32,
    /// 0-based byte offset from the start of the line (not a character count).
    pub column: u32,
}

/// A range of a file, as positions and as byte offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct TextRange {
    /// Where the range starts.
    pub start: Point,
    /// Where the range ends (exclusive).
    pub end: Point,
    /// Byte offset of the start from the start of the file.
    pub start_byte: u32,
    /// Byte offset of the end from the start of the file (exclusive).
    pub end_byte: u32,
}

/// What a symbol is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SymbolKind {
    /// A function that belongs to no type.
    Function,
    /// A function that belongs to a type (class, `impl`, trait or interface member, Go method).
    Method,
    /// A constructor (C++, Java, C#).
    Constructor,
    /// A destructor (C++ `~T`, C#).
    Destructor,
    /// A C++ operator overload (`operator+`).
    Operator,
    /// A macro: C/C++ `#define`, Rust `macro_rules!`.
    Macro,
    /// A class.
    Class,
    /// A struct.
    Struct,
    /// A union (C, C++, Rust).
    Union,
    /// An enum.
    Enum,
    /// One constant of an enum.
    Enumerator,
    /// A type alias (`typedef`, `using`, `type`).
    Typedef,
    /// A field of a struct, class or union.
    Field,
    /// A namespace (C++, C#, TypeScript).
    Namespace,
    /// A variable outside a function (global, static, module-level).
    Variable,
    /// A named constant (Go and Rust `const`, Java interface constants).
    Constant,
    /// An interface (Java, C#, Go, TypeScript).
    Interface,
    /// A Rust trait.
    Trait,
    /// A Rust `impl` block.
    Impl,
    /// A module (Rust `mod`, TypeScript `module`).
    Module,
    /// A property (C#).
    Property,
    /// An assembly label made global (`.globl name` + `name:`, in a `.S`/`.s` file or a top-level
    /// `asm("…")`): code others call by that name.
    Label,
}

/// How a name is used at a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RefKind {
    /// The name is called (`f(…)`, `obj.m(…)`, a macro invocation).
    Call,
    /// The name is used as a type.
    Type,
    /// The name is a field or member access (`s.f`, `p->f`).
    Field,
    /// Any other use (a variable read, a function's address).
    Other,
}

/// A definition or a declaration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Symbol {
    /// The name as written (unqualified).
    pub name: String,
    /// What it is.
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
    /// The attribute that makes this declaration a definition of another symbol's code, as written
    /// (`alias("compat_check")`, `weakref("x")`, `ifunc("resolve_x")`): the name is bound to that
    /// symbol (or to what the resolver returns), so the declaration defines it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defined_by: Option<String>,
}

/// An occurrence of a name that is not its definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// The name as written.
    pub name: String,
    /// How the name is used there.
    pub kind: RefKind,
    /// Position of the name.
    pub at: Point,
    /// Byte offset of the name from the start of the file.
    pub byte: u32,
    /// Index in `FileSymbols::definitions` of the innermost definition containing the reference
    /// (for a call: the caller).
    pub enclosing: Option<u32>,
}

/// Everything extracted from one file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FileSymbols {
    /// The detected (or mapped) language; `None` when no grammar applies and nothing was parsed.
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
    /// The definitions nested directly in this one, in source order.
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
    /// C and C++: whether `__cplusplus` is defined, when the file's name decides it
    /// ([`crate::preproc::cplusplus_by_name`]); `None` reads both branches of `#ifdef __cplusplus`.
    pub cplusplus: Option<bool>,
}

impl Default for ExtractOptions {
    fn default() -> Self {
        ExtractOptions {
            references: true,
            max_file_bytes: 32 * 1024 * 1024,
            skim_bodies: false,
            parse_timeout: None,
            cplusplus: None,
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

/// The text the symbol passes read for a file of `lang`: for C and C++, a copy of the same length
/// written as the compiler reads it where the file disguises a name, a comment's end or a directive
/// (`send_tel\` + newline + `emetry`, `*\` + newline + `/`, `#en\` + newline + `dif`, `%:endif`:
/// see `vitrine_snapshot::disguise::normalize`), so that definitions, calls and preprocessor
/// branches are those compiled; `None` when the file is read as it is. Offsets and lines are the
/// file's (the moved part of a split name shifts the columns of its line).
///
/// Java: escapes of quotes, backslashes and comment delimiters' characters, which javac translates
/// before it lexes (`vitrine_snapshot::lexis::java_as_compiled`). JavaScript (read as a script, as node
/// reads `.js` and `.cjs`): the HTML-like comments of Annex B, which the grammar does not know
/// (`vitrine_snapshot::lexis::js_script_as_compiled`).
pub(crate) fn as_compiled(lang: Language, source: &[u8]) -> Option<Vec<u8>> {
    match lang {
        Language::C | Language::Cpp => vitrine_snapshot::disguise::normalize(source),
        Language::Java => vitrine_snapshot::lexis::java_as_compiled(source),
        Language::JavaScript => vitrine_snapshot::lexis::js_script_as_compiled(source),
        _ => None,
    }
}

/// `extract` with options.
pub fn extract_with(lang: Language, source: &[u8], options: &ExtractOptions) -> FileSymbols {
    let compiled = as_compiled(lang, source);
    let source = compiled.as_deref().unwrap_or(source);
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

/// Whether a capture name is one the extractor understands (checked by the query test).
#[cfg(test)]
pub(crate) fn capture_is_known(name: &str) -> bool {
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
            SymbolKind::Label => "label",
        }
    }

    /// Every kind, in a stable order (the persisted index stores the position).
    pub const ALL: [SymbolKind; 22] = [
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
        SymbolKind::Label,
    ];

    /// The kind's position in [`SymbolKind::ALL`] (what the persisted index stores): the order of the
    /// enum, which `ALL` lists in order (a test keeps the two equal).
    pub fn index(self) -> u8 {
        self as u8
    }

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
    /// The lowercase name used in JSON and the CLI (`call`, `type`, `field`, `other`).
    pub fn as_str(self) -> &'static str {
        match self {
            RefKind::Call => "call",
            RefKind::Type => "type",
            RefKind::Field => "field",
            RefKind::Other => "other",
        }
    }

    /// Every kind, in the order of the enum.
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

fn kind_from_str(s: &str) -> Option<SymbolKind> {
    SymbolKind::ALL.into_iter().find(|k| k.as_str() == s)
}

fn ref_kind_from_str(s: &str) -> Option<RefKind> {
    RefKind::ALL.into_iter().find(|k| k.as_str() == s)
}
