//! The extractor's state: raw symbols as the walk, the queries and the recovery find them, then
//! nested into scopes with refined kinds (`finish`).

use std::collections::HashMap;
use streaming_iterator::StreamingIterator;
use tree_sitter::{Node, Query, QueryCursor};

use super::names::{
    is_c_keyword, is_macro_name, name_is_plausible, names_by_second_argument, node_text, split_name,
    syscall_prefix, text_range,
};
use super::{Point, Symbol, SymbolKind, TextRange, kind_from_str, scope_separator};
use crate::lang::Language;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Definition,
    Declaration,
}

#[derive(Debug)]
pub(super) struct Raw {
    pub(super) name: String,
    pub(super) kind: SymbolKind,
    pub(super) role: Role,
    /// Qualifiers written in the name (`A::B` of `A::B::f`).
    pub(super) qualifier: Vec<String>,
    pub(super) range: TextRange,
    pub(super) name_range: TextRange,
    pub(super) via_macro: Option<String>,
}

pub(super) struct Extractor<'a> {
    pub(super) lang: Language,
    pub(super) source: &'a [u8],
    pub(super) raw: Vec<Raw>,
}

impl<'a> Extractor<'a> {
    pub(super) fn run_definitions(&mut self, query: &Query, root: Node<'_>, includes: &mut Vec<String>) {
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

    pub(super) fn add_named(
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
        if matches!(self.lang, Language::C | Language::Cpp)
            && is_c_keyword(&name)
            && kind != SymbolKind::Macro
        {
            // Macro-mangled code can make the grammar take a keyword for a declared name (a macro may
            // have any name: `#define if(c) if (!(c))`).
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

    /// Nests, scopes and sorts the raw symbols.
    pub(super) fn finish(mut self) -> (Vec<Symbol>, Vec<Symbol>) {
        self.unwrap_macro_definitions();
        self.paste_macro_names();
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
                defined_by: None,
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
    pub(super) fn unwrap_macro_definitions(&mut self) {
        if !matches!(self.lang, Language::C | Language::Cpp) {
            return;
        }
        let source = self.source;
        self.raw.retain(|r| {
            let candidate = r.role == Role::Definition
                && r.kind == SymbolKind::Function
                && is_macro_name(&r.name)
                && r.range.start_byte == r.name_range.start_byte;
            !(candidate && is_brace_initializer(source, r.name_range.end_byte, r.range.end_byte))
        });
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
            let mut offset = inner.len() - inner.trim_start().len();
            let mut first = first;
            // `TEST_F(Fixture, Name) {` defines the test `Fixture::Name`; kselftest's one-argument
            // `TEST(name) {` is named by its argument like any wrapping macro.
            let after = inner.get(offset + first.len()..).unwrap_or_default();
            if names_by_second_argument(&r.name)
                && let Some(rest) = after.trim_start().strip_prefix(',')
            {
                let second: String =
                    rest.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if second.is_empty() || second.contains('\n') {
                    continue;
                }
                let skipped = inner.len() - rest.trim_start().len();
                if inner.get(offset..skipped).is_some_and(|t| t.contains('\n')) {
                    continue;
                }
                r.qualifier = vec![std::mem::replace(&mut first, second)];
                offset = skipped;
            }
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

    /// A name written through a macro that this file defines as pasting it (`#define JE(n) je_##n`,
    /// then `void *JE(malloc)(size_t n)`) is the pasted name: that is the function a caller calls.
    fn paste_macro_names(&mut self) {
        // Each macro's `#define` is looked up once per file (bzip2 writes 24 functions through one).
        let mut defines: HashMap<String, Option<super::names::PastingMacro>> = HashMap::new();
        for r in &mut self.raw {
            let Some(m) = r.via_macro.as_deref() else { continue };
            let define = defines
                .entry(m.to_owned())
                .or_insert_with(|| super::names::PastingMacro::find(self.source, m));
            if let Some(name) = define.as_ref().and_then(|d| d.paste(&r.name)) {
                r.name = name;
            }
        }
    }
}

/// Whether the "body" of a macro-named definition (`MACRO(args) { … }`, the bytes from the end of
/// the macro's name to `end`) is a brace initializer rather than a function body
/// (`FIXTURE_VARIANT_ADD(f, v) { .x = 1, };`, `STATIC_AVOID_DESTRUCTION(T, name){ "a", "b" };`):
/// see [`crate::skim::braced_initializer`]. `skim` leaves such braces to the grammar, so they are
/// seen whole here.
pub(super) fn is_brace_initializer(source: &[u8], name_end: u32, end: u32) -> bool {
    let Some(text) = source.get(name_end as usize..end as usize) else { return false };
    // The body starts at the first `{` after the arguments' closing parenthesis.
    let mut depth = 0i32;
    let mut body_at = None;
    for (i, &b) in text.iter().enumerate() {
        match b {
            b'(' => depth += 1,
            b')' => depth -= 1,
            b'{' if depth == 0 => {
                body_at = Some(i);
                break;
            }
            _ => {}
        }
    }
    let Some(body_at) = body_at else { return false };
    let Some(body) = text.get(body_at + 1..) else { return false };
    // The braces' own end, counted: after a parse error the grammar's definition may run on past
    // it (to the end of an enclosing function).
    let mut depth = 1usize;
    let close = body.iter().position(|&b| {
        match b {
            b'{' => depth += 1,
            b'}' => depth -= 1,
            _ => {}
        }
        depth == 0
    });
    let (inner, after_at) = match close {
        Some(c) => (&body[..c], name_end as usize + body_at + 1 + c + 1),
        None => (body, end as usize),
    };
    let after = source.get(after_at..).unwrap_or_default();
    crate::skim::braced_initializer(inner, after)
}

pub(super) fn refine_kind(
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
    if lang == Language::Cpp && r.name.starts_with("operator") {
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

/// When two patterns find the same name, the more specific kind wins (a Go `type X struct` is a
/// struct, not just a type; a JavaScript `const f = () => {}` is a function, not just a variable).
pub(super) fn kind_generality(kind: SymbolKind) -> u8 {
    match kind {
        SymbolKind::Typedef | SymbolKind::Variable => 1,
        _ => 0,
    }
}
