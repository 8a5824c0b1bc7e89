//! Recovery of broken regions: definitions that macros or error recovery hid from the grammar, read
//! from what tree-sitter kept (a call followed by a body) or from the text before a body `skim` found;
//! and the broken file-level constructs whose swallowed bodies are given back to the grammar.

use tree_sitter::Node;

use super::ExtractOptions;
use super::extractor::{Extractor, Raw, Role};
use super::names::{
    first_named_child, is_keyword_like, is_macro_name, name_is_plausible, names_by_second_argument,
    node_text, point, syscall_prefix, text_range,
};
use super::pipeline::{Parsed, mostly_error, parse};
use super::{Point, SymbolKind, TextRange};
use crate::lang::Language;

impl Parsed {
    /// Error recovery is not local: a broken construct may run over emptied function bodies and
    /// the definitions around them, where their text would have let the grammar find its feet.
    /// Those bodies are given back to the grammar, once, and the tree parsed again incrementally
    /// (only the broken construct and what follows it until the grammar is back in step). Only
    /// for C: on Linux this finds 0.3% more variables for 1% more time; on Boost's C++ it cost a
    /// quarter more time and found nothing ctags reports (the functions themselves are recovered
    /// from their bodies, in both languages).
    pub(super) fn give_back_swallowed(&mut self, lang: Language, original: &[u8], options: &ExtractOptions) {
        let (Some(sk), Some(t)) = (&self.skimmed, &mut self.tree) else { return };
        if mostly_error(t.root_node()) {
            return;
        }
        let keep = swallowed_ranges(t.root_node(), sk);
        if keep.is_empty() {
            return;
        }
        let (restored, edits) = sk.restore(original, &keep);
        let mut functions = sk.function_braces_in_file();
        if let Some(r) = &restored {
            for f in &mut functions {
                *f = (r.to_source(f.0), r.to_source(f.1));
            }
        }
        let second = restored.as_ref().map_or(original, |s| s.source.as_slice());
        let second_neutralized = crate::macros::neutralize(second);
        let prepared = second_neutralized.as_deref().unwrap_or(second);
        for edit in &edits {
            t.edit(edit);
        }
        // Reuse needs the text outside the edits unchanged (blanking attribute-like macros is
        // local, but a restored body may hold what changes a decision).
        let first = sk.source.as_slice();
        let old = self.neutralized.as_deref().unwrap_or(first);
        let old_tree = unchanged_outside(old, prepared, &edits).then_some(&*t);
        let tree = parse(lang, prepared, options.parse_timeout, old_tree);
        *self = Parsed { skimmed: restored, neutralized: second_neutralized, tree, functions };
    }
}

/// The file ranges of broken file-level constructs (other than function definitions, which keep
/// their name) that span emptied function bodies: error recovery then ran over the functions.
pub(super) fn swallowed_ranges(root: Node<'_>, sk: &crate::skim::Skimmed) -> Vec<(u32, u32)> {
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
pub(super) fn unchanged_outside(old: &[u8], new: &[u8], edits: &[tree_sitter::InputEdit]) -> bool {
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

impl Extractor<'_> {
    /// Finds function definitions that macros hid from the grammar. tree-sitter keeps the pieces it
    /// understood, at file level or inside ERROR nodes; a call-like `name(args)` directly followed by
    /// a body `{ ... }` is a definition (`SYSCALL_DEFINE3(open, ...) {`, `FOO_DEFINE(bar) {`).
    pub(super) fn recover_from_errors(&mut self, root: Node<'_>) {
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

    pub(super) fn recover_in(&mut self, parent: Node<'_>) {
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
            if is_keyword_like(&fname) || pasted(self.source, function.start_byte()) {
                continue;
            }
            // Inside a macro's arguments (`TP_fast_assign(… for_each_x(a, b) { … } …)`), a call
            // followed by a block is a statement of the code handed to the macro.
            if inside_parentheses(self.source, call) {
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
            // `MACRO(a, b) { .x = 1 };`: a variable's brace initializer, not a body.
            if is_macro_name(&fname)
                && super::extractor::is_brace_initializer(
                    self.source,
                    function.end_byte() as u32,
                    body.end_byte() as u32,
                )
            {
                continue;
            }
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
    pub(super) fn recover_skimmed_functions(&mut self, functions: &[(u32, u32)]) {
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
            if via_macro.is_some() && super::extractor::is_brace_initializer(self.source, open, close + 1) {
                continue;
            }
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
    pub(super) fn recover_class_head(&mut self, parent: Node<'_>, children: &[Node<'_>], i: usize) {
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
}

/// The function name written before the body that opens at `open`: the identifier (or qualified
/// name) before the parameter list, past trailing `const`, `noexcept`, `override`, `final` or
/// `volatile`; for a macro wrapping a definition (`SYSCALL_DEFINE2(name, ...)`), its first
/// argument. Returns (name, qualifiers, offset of the name, wrapping macro).
pub(super) fn signature_before(s: &[u8], open: usize) -> Option<(String, Vec<String>, u32, Option<String>)> {
    let is_word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    // Blanks and block comments (`BDF_Face_Done( FT_Face face ) /* BDF_Face */ {`).
    let skip_space = |mut i: usize| loop {
        while i > 0 && s.get(i - 1).is_some_and(|c| c.is_ascii_whitespace()) {
            i -= 1;
        }
        match i.checked_sub(2).and_then(|c| s.get(c..i)) {
            Some(b"*/") => match memchr::memmem::rfind(s.get(..i - 2).unwrap_or_default(), b"/*") {
                Some(k) => i = k,
                None => return i,
            },
            _ => return i,
        }
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
    if word.is_empty()
        || word.as_bytes().first().is_some_and(u8::is_ascii_digit)
        || is_keyword_like(word)
        || pasted(s, start)
    {
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
        if names_by_second_argument(word) && rest == Some(&b',') {
            // `TEST_F(Fixture, Name) {`: the test `Fixture::Name` (a one-argument `TEST(name) {`
            // is named by its argument).
            let after = args.get(lead + len..)?;
            let comma = after.iter().position(|&c| c == b',')?;
            let from = lead + len + comma + 1;
            let tail = args.get(from..)?;
            let lead2 = tail.iter().take_while(|c| c.is_ascii_whitespace()).count();
            let len2 = tail.iter().skip(lead2).take_while(|&&c| is_word(c)).count();
            let name = std::str::from_utf8(tail.get(lead2..lead2 + len2)?).ok()?;
            if len2 == 0 || tail.get(..lead2).is_some_and(|t| t.contains(&b'\n')) {
                return None;
            }
            let at = (paren + 1 + from + lead2) as u32;
            return Some((name.to_string(), vec![arg.to_string()], at, Some(word.to_string())));
        }
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

/// Whether the word starting at `start` is pasted onto another by `##` (`ITPREFIX ## _iter_first`):
/// half a name, which names nothing.
pub(super) fn pasted(s: &[u8], start: usize) -> bool {
    let before = s.get(..start).unwrap_or_default();
    let trimmed = before.iter().rposition(|c| !matches!(c, b' ' | b'\t')).map_or(&[][..], |i| &before[..=i]);
    trimmed.ends_with(b"##")
}

/// Whether `node` lies inside parentheses opened before it within its file-level construct (the
/// arguments of a macro invocation), counted lexically from the construct's start: the grammar's
/// error recovery may have split the invocation into pieces.
fn inside_parentheses(s: &[u8], node: Node<'_>) -> bool {
    let mut top = node;
    while let Some(p) = top.parent() {
        if matches!(p.kind(), "translation_unit" | "declaration_list") {
            break;
        }
        top = p;
    }
    let text = s.get(top.start_byte()..node.start_byte()).unwrap_or_default();
    let mut depth = 0i32;
    let mut i = 0;
    while i < text.len() {
        match (text.get(i), text.get(i + 1)) {
            (Some(b'"' | b'\''), _) if !vitrine_snapshot::lexis::c_quote_in_number(text, i) => {
                i = crate::skim::literal_end(text, i, text.len()).max(i + 1);
                continue;
            }
            (Some(b'/'), Some(b'*')) => {
                i = memchr::memmem::find(text.get(i + 2..).unwrap_or_default(), b"*/")
                    .map_or(text.len(), |k| i + 4 + k);
                continue;
            }
            (Some(b'/'), Some(b'/')) => {
                i = memchr::memchr(b'\n', text.get(i..).unwrap_or_default()).map_or(text.len(), |k| i + k);
                continue;
            }
            (Some(b'('), _) => depth += 1,
            (Some(b')'), _) => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    depth > 0
}
