//! Name reading: C declarators down to the declared name, qualified names split into scope and name,
//! operator names normalized, and the small lexical predicates on names.

use tree_sitter::Node;

use super::Point;
use super::TextRange;

/// What a C declarator declares.
pub(super) struct Resolved<'t> {
    pub(super) name: Node<'t>,
    /// A function (not a pointer to one).
    pub(super) is_function: bool,
    /// The macro the name is written through, `BZ_API` of `int BZ_API(name)(int a)`.
    pub(super) via: Option<Node<'t>>,
}

/// Descends a C/C++ declarator to the declared name, noting whether it declares a function: what
/// the declarator nearest the name says. `*f(void)` is a function returning a pointer, `(*f)(void)`
/// a pointer to a function, `(f)(void)` a function, `(*f(int))(void)` a function returning a pointer
/// to a function.
///
/// A function declarator whose own declarator is a function declarator of one name, `NAME(arg)
/// (params)`, is a macro wrapping the declared name (bzip2's `int BZ_API(BZ2_bzRead)(int *e)`; the
/// grammar reads Lua's `int (lua_gettop)(lua_State *L)` so when `LUA_API` stands before it): a
/// function cannot return a function, so only a macro reads so. The name is the argument.
pub(super) fn resolve_declarator(mut node: Node<'_>) -> Option<Resolved<'_>> {
    let mut is_function = false;
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
                return Some(Resolved { name: node, is_function, via: None });
            }
            "operator_cast" => return Some(Resolved { name: node, is_function: true, via: None }),
            "function_declarator" => {
                is_function = true;
                let inner = node.child_by_field_name("declarator")?;
                if inner.kind() == "function_declarator"
                    && let Some((name, via)) = wrapped_name(inner)
                {
                    return Some(Resolved { name, is_function: true, via: Some(via) });
                }
                node = inner;
            }
            "parenthesized_declarator" => {
                // `(mi_cdecl name)`, `(__stdcall *name)`, `(APIENTRY *name)`: a calling convention
                // (known to the grammar, or a lone unknown word it could not place) before the
                // declarator.
                let mut cursor = node.walk();
                let inner = node.named_children(&mut cursor).find(|c| match c.kind() {
                    "ms_call_modifier" | "attribute_specifier" | "comment" => false,
                    "ERROR" => {
                        !(c.child_count() == 1
                            && c.child(0).is_some_and(|w| {
                                matches!(w.kind(), "identifier" | "type_identifier" | "field_identifier")
                            }))
                    }
                    _ => true,
                });
                node = inner.filter(|n| n.kind() != "ERROR")?;
            }
            "pointer_declarator"
            | "reference_declarator"
            | "array_declarator"
            | "init_declarator"
            | "attributed_declarator" => {
                if node.kind() != "init_declarator" && node.kind() != "attributed_declarator" {
                    is_function = false;
                }
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

/// (argument, macro) of `MACRO(name)` read as a function declarator: an identifier invoked with one
/// parameter that is a bare name.
fn wrapped_name(declarator: Node<'_>) -> Option<(Node<'_>, Node<'_>)> {
    let via = declarator.child_by_field_name("declarator").filter(|d| d.kind() == "identifier")?;
    let params = declarator.child_by_field_name("parameters")?;
    if params.named_child_count() != 1 {
        return None;
    }
    let param = first_named_child(params)?;
    let name = match param.kind() {
        "parameter_declaration" if param.named_child_count() == 1 => {
            param.child_by_field_name("type").filter(|t| t.kind() == "type_identifier")?
        }
        "identifier" => param,
        _ => return None,
    };
    Some((name, via))
}

/// Splits a possibly qualified name node into (qualifiers, name, name node).
pub(super) fn split_name<'t>(node: Node<'t>, source: &[u8]) -> (Vec<String>, String, Node<'t>) {
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

pub(super) fn qualifier_parts(node: Node<'_>, source: &[u8]) -> Vec<String> {
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

/// `operator ==` and `operator  new` become `operator==` and `operator new`. An identifier that
/// merely starts with `operator` (`operatorMask`, `operator_count`: C has no such keyword, and in
/// C++ the keyword is a word of its own) is left as written.
pub(super) fn normalize_name(text: &str) -> String {
    if let Some(rest) = text.strip_prefix("operator")
        && !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_')
    {
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

pub(super) fn first_named_child(node: Node<'_>) -> Option<Node<'_>> {
    node.named_child(0)
}

pub(super) fn node_text<'s>(node: Node<'_>, source: &'s [u8]) -> &'s str {
    source.get(node.byte_range()).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or_default()
}

pub(super) fn point(p: tree_sitter::Point) -> Point {
    Point { line: p.row as u32, column: p.column as u32 }
}

pub(super) fn text_range(node: Node<'_>) -> TextRange {
    TextRange {
        start: point(node.start_position()),
        end: point(node.end_position()),
        start_byte: node.start_byte() as u32,
        end_byte: node.end_byte() as u32,
    }
}

pub(super) fn name_is_plausible(name: &str) -> bool {
    name.len() <= 512 && !name.contains('\n')
}

pub(super) fn is_macro_name(name: &str) -> bool {
    name.len() > 1
        && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && name.chars().any(|c| c.is_ascii_uppercase())
}

/// Test macros that name what they define by their second argument, in the scope of their first
/// (googletest's `TEST_F(Fixture, Name) {`): the first alone would name the fixture.
pub(super) fn names_by_second_argument(macro_name: &str) -> bool {
    matches!(macro_name, "TEST" | "TEST_F" | "TEST_P" | "TYPED_TEST" | "TYPED_TEST_P")
}

/// The prefix the kernel's syscall macros give the function they define.
pub(super) fn syscall_prefix(macro_name: &str) -> &'static str {
    if macro_name.starts_with("COMPAT_SYSCALL_DEFINE") {
        "compat_sys_"
    } else if macro_name.starts_with("SYSCALL_DEFINE") {
        "sys_"
    } else {
        ""
    }
}

pub(super) fn is_keyword_like(name: &str) -> bool {
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

pub(crate) fn is_c_keyword(w: &str) -> bool {
    is_c_keyword_bytes(w.as_bytes())
}

/// [`is_c_keyword`] on bytes (what the lexical passes read: no UTF-8 check per word).
pub(crate) fn is_c_keyword_bytes(w: &[u8]) -> bool {
    matches!(
        w,
        b"if"
            | b"else"
            | b"for"
            | b"while"
            | b"do"
            | b"switch"
            | b"case"
            | b"default"
            | b"return"
            | b"break"
            | b"continue"
            | b"goto"
            | b"sizeof"
            | b"typeof"
            | b"struct"
            | b"union"
            | b"enum"
            | b"int"
            | b"char"
            | b"void"
            | b"long"
            | b"short"
            | b"unsigned"
            | b"signed"
            | b"const"
            | b"volatile"
            | b"static"
            | b"extern"
            | b"inline"
            | b"float"
            | b"double"
            | b"defined"
    )
}

/// A one-parameter macro that this file defines as pasting its parameter between fixed words:
/// `#define JE(n) je_##n` makes `JE(malloc)` the function `je_malloc` (`pfx_##n`, `n##_sfx` and
/// `pfx_##n##_sfx`). A macro of another file is not seen here.
pub(super) struct PastingMacro {
    prefix: String,
    suffix: String,
}

impl PastingMacro {
    /// `macro_name`'s definition in `source`, when it is such a macro (`None` for a plain wrapper,
    /// `#define W(x) x`, for a stringizing `#x`, or for anything else).
    pub(super) fn find(source: &[u8], macro_name: &str) -> Option<PastingMacro> {
        let (param, body) = one_parameter_define(source, macro_name.as_bytes())?;
        // Only `##` joins the parts: a lone `#` stringizes, which names nothing.
        let joins = body.windows(2).filter(|w| w == b"##").count();
        if body.iter().filter(|&&b| b == b'#').count() != 2 * joins || joins == 0 {
            return None;
        }
        let (mut prefix, mut suffix) = (String::new(), String::new());
        let mut pasted = false;
        for part in body.split(|&b| b == b'#').filter(|p| !p.is_empty()) {
            let word = part.trim_ascii();
            if word.is_empty() || !word.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_') {
                return None;
            }
            match (word == param, pasted) {
                (true, true) => return None,
                (true, false) => pasted = true,
                (false, false) => prefix.push_str(std::str::from_utf8(word).ok()?),
                (false, true) => suffix.push_str(std::str::from_utf8(word).ok()?),
            }
        }
        pasted.then_some(PastingMacro { prefix, suffix })
    }

    /// The name `MACRO(arg)` stands for.
    pub(super) fn paste(&self, arg: &str) -> Option<String> {
        (!self.prefix.is_empty() || !self.suffix.is_empty())
            .then(|| format!("{}{arg}{}", self.prefix, self.suffix))
    }
}

/// (parameter, body) of `#define NAME(param) body` in `source` (one logical line, comments and
/// continuations left out), when NAME is defined with exactly one parameter.
fn one_parameter_define<'s>(source: &'s [u8], name: &[u8]) -> Option<(&'s [u8], Vec<u8>)> {
    let mut from = 0;
    while let Some(k) = memchr::memmem::find(source.get(from..)?, name) {
        let at = from + k;
        from = at + name.len();
        // `#` and `define` before the name, on its line.
        let line_start = memchr::memrchr(b'\n', source.get(..at)?).map_or(0, |i| i + 1);
        let head = source.get(line_start..at)?.trim_ascii_start();
        let Some(rest) = head.strip_prefix(b"#") else { continue };
        let Some(rest) = rest.trim_ascii_start().strip_prefix(b"define") else { continue };
        if rest.is_empty() || !rest.iter().all(|b| matches!(b, b' ' | b'\t')) {
            continue;
        }
        let after = source.get(from..)?;
        let Some(params) = after.strip_prefix(b"(") else { continue };
        let close = memchr::memchr(b')', params)?;
        let param = params.get(..close)?.trim_ascii();
        if param.is_empty() || !param.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_') {
            return None;
        }
        // The body: to the end of the logical line, without comments.
        let mut body = Vec::new();
        let mut i = from + 1 + close + 1;
        while let Some(&b) = source.get(i) {
            match b {
                b'\\' if source.get(i + 1) == Some(&b'\n') => i += 2,
                b'\n' => break,
                b'/' if source.get(i + 1) == Some(&b'*') => {
                    let end = memchr::memmem::find(source.get(i + 2..)?, b"*/")?;
                    i += 2 + end + 2;
                    body.push(b' ');
                }
                b'/' if source.get(i + 1) == Some(&b'/') => break,
                _ => {
                    body.push(b);
                    i += 1;
                }
            }
        }
        return Some((param, body));
    }
    None
}
