//! The C-family walk: one pre-order walk of a C or C++ tree finds the definitions that
//! `definitions.scm` describes and the references that `references.scm` describes, dispatching on node
//! kinds and field ids looked up once per grammar.

use tree_sitter::Node;

use super::extractor::{Extractor, Role};
use super::names::{is_macro_name, node_text, point, resolve_declarator, syscall_prefix};
use super::references::RawRef;
use super::{RefKind, SymbolKind, kind_from_str};
use crate::grammar;
use crate::lang::Language;

/// Node kinds and field ids of the C or C++ grammar that the walk dispatches on, looked up once.
/// A kind the grammar lacks is `u16::MAX` (never a node's kind), a missing field 0.
pub(super) struct CGrammar {
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
    /// Per node kind id: `DEFINITION` and `REFERENCE` bits (the two lists above as one lookup, which
    /// the walk does at every node).
    roles: Vec<u8>,
}

/// A kind of `CGrammar::definition_kinds`.
const DEFINITION: u8 = 1;
/// A kind of `CGrammar::reference_kinds`.
const REFERENCE: u8 = 2;

pub(super) fn c_grammar(lang: Language) -> Option<&'static CGrammar> {
    static C: std::sync::OnceLock<CGrammar> = std::sync::OnceLock::new();
    static CPP: std::sync::OnceLock<CGrammar> = std::sync::OnceLock::new();
    match lang {
        Language::C => Some(C.get_or_init(|| CGrammar::new(lang))),
        Language::Cpp => Some(CPP.get_or_init(|| CGrammar::new(lang))),
        _ => None,
    }
}

impl CGrammar {
    pub(super) fn new(lang: Language) -> CGrammar {
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
            roles: Vec::new(),
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
        g.roles = vec![0; l.node_kind_count()];
        for (list, bit) in [(&g.definition_kinds, DEFINITION), (&g.reference_kinds, REFERENCE)] {
            for &k in list {
                if let Some(r) = g.roles.get_mut(k as usize) {
                    *r |= bit;
                }
            }
        }
        g
    }

    /// How a leaf is used, from its own field and its ancestors (with their fields), as
    /// `references.scm` classifies it; `None` when it is no reference.
    pub(super) fn classify(&self, kind: u16, field: u16, parents: &[(Node<'_>, u16)]) -> Option<RefKind> {
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

impl Extractor<'_> {
    /// One pre-order walk of a C or C++ tree: the definitions that `definitions.scm` describes and, when
    /// `refs` is given, the references that `references.scm` describes (call, field, type, other),
    /// classified from the node's ancestors. Ancestors are kept on a stack (a node's parent is not
    /// cheap to ask tree-sitter for).
    pub(super) fn walk_c(
        &mut self,
        g: &CGrammar,
        root: Node<'_>,
        includes: &mut Vec<String>,
        mut refs: Option<&mut Vec<RawRef>>,
    ) {
        let mut cursor = root.walk();
        // Ancestors of the current node, each with the field it has in its own parent; `nodes`
        // holds the same ancestors alone (what the definitions read), kept beside it.
        let mut parents: Vec<(Node<'_>, u16)> = Vec::new();
        let mut nodes: Vec<Node<'_>> = Vec::new();
        loop {
            let node = cursor.node();
            let kind = node.kind_id();
            let role = g.roles.get(kind as usize).copied().unwrap_or(0);
            // A node's field serves its own classification and, as an ancestor, its children's:
            // a leaf that is no reference (punctuation, keywords, literals) needs none.
            // Asked once: a leaf needs no field as an ancestor, and no move to a first child.
            let has_children = node.child_count() > 0;
            let field = if role & REFERENCE != 0 || has_children {
                cursor.field_id().map_or(0, |f| f.get())
            } else {
                0
            };
            if role & DEFINITION != 0 {
                self.visit_c_definition(g, node, kind, &nodes, includes);
            }
            if let Some(refs) = refs.as_deref_mut()
                && role & REFERENCE != 0
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
            if has_children && cursor.goto_first_child() {
                parents.push((node, field));
                nodes.push(node);
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
                nodes.pop();
            }
        }
    }

    /// What the patterns of the C and C++ `definitions.scm` find at one node.
    pub(super) fn visit_c_definition(
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
    pub(super) fn add_from_declarator(
        &mut self,
        node: Node<'_>,
        declarator: Node<'_>,
        role: Role,
        kind_str: &str,
    ) {
        self.add_from_declarator_in(node, declarator, role, kind_str, None);
    }

    /// `add_from_declarator` with the node's ancestors when the caller knows them (root first).
    pub(super) fn add_from_declarator_in(
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
        // `int BZ_API(name)(…)`: the macro is shown with the name (not when the grammar took a
        // type keyword for it, `int (name)(…)` after a blanked `LUA_API`).
        let via = resolved.via.map(|v| node_text(v, self.source)).filter(|v| is_macro_name(v));
        self.add_named(extent, resolved.name, kind, role, via.map(str::to_string));
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
}

/// Whether a C declaration sits inside a function body (a local, which the outline leaves out).
/// Only a real function counts: after a parse error, tree-sitter may wrap the rest of the file in a
/// bogus block, and the declarations in it are still file-level ones.
pub(super) fn is_local(node: Node<'_>) -> bool {
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
pub(super) fn is_local_in(parents: &[Node<'_>]) -> bool {
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

pub(super) fn has_type(node: Node<'_>) -> bool {
    node.child_by_field_name("type").is_some_and(|t| !t.is_missing() && !t.byte_range().is_empty())
}

pub(super) fn is_extern(node: Node<'_>, parent: Option<Node<'_>>, source: &[u8]) -> bool {
    let mut cursor = node.walk();
    let found = node
        .children(&mut cursor)
        .any(|c| c.kind() == "storage_class_specifier" && node_text(c, source) == "extern");
    found
        || parent
            .is_some_and(|p| p.kind() == "linkage_specification" && p.child_by_field_name("body").is_none())
}
