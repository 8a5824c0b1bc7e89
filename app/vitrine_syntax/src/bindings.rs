//! Names the compiler or the linker binds that no call expression or definition shows (round 8; round
//! 7's `alias("x")` and global asm labels live in [`crate::asm`]):
//!
//! - Definitions under another name. C and C++ `#pragma weak a = b` and `#pragma redefine_extname a b`,
//!   an asm label on a declaration (`int f(void) __asm__("check_token");` gives `f` the symbol name
//!   `check_token`); Go `//go:linkname local pkg.remote`; Rust `#[export_name = "x"]` on a function
//!   and `#[link_name = "x"]` on a foreign one. Each becomes a definition of the bound name, marked
//!   [`Symbol::defined_by`] with the directive as written, that calls the code it is bound to, as an
//!   `alias("x")` does: `def check_password` finds the pragma, and the permissive function behind it is
//!   called, not dead.
//! - Calls no expression makes. `__attribute__((constructor))`/`destructor` (with a priority, on a
//!   declaration or a definition, `[[gnu::constructor]]` too) run the function before or after `main`;
//!   `cleanup(f)` on a variable calls `f` when it leaves scope; a pointer in `.init_array`/`.ctors`
//!   (`.preinit_array`, `.fini_array`, `.dtors`) is called by the loader. Each is a call of the
//!   function at the attribute's word, by the enclosing definition for `cleanup` and by no definition
//!   (the loader) otherwise.
//! - One name, two spellings: Java `\u` escapes in a reference (`gr\u0061ntRoot(uid)` calls
//!   `grantRoot`; the grammar cannot read an escape in a name, so the file's escaped names are read
//!   lexically) and Rust raw identifiers (`r#verify` is `verify`, in definitions and references).
//!
//! Each part first looks for its trigger bytes (`pragma`, `asm`, `constructor`, `go:linkname`, …) and
//! costs one search on a file without them; the rest is linear in the bytes of what it reads.

use crate::asm::Lines;
use crate::lang::Language;
use crate::symbols::{FileSymbols, RawRef, RefKind, Symbol, SymbolKind, TextRange};

fn has(source: &[u8], word: &str) -> bool {
    memchr::memmem::find(source, word.as_bytes()).is_some()
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// An identifier at `at` (ASCII): its end.
fn ident_at(text: &[u8], at: usize) -> Option<usize> {
    if !text.get(at).copied().is_some_and(is_ident_start) {
        return None;
    }
    let mut e = at + 1;
    while text.get(e).copied().is_some_and(is_ident) {
        e += 1;
    }
    Some(e)
}

/// Past the blanks and comments from `i` (a comment is a blank to GCC: `cleanup /* */ (f)`).
fn skip_blanks(text: &[u8], i: usize) -> usize {
    vitrine_snapshot::lexis::blanks_end(text, i, false)
}

/// Whether the word `word` is at `at` of `text` as a whole word.
fn word_at(text: &[u8], at: usize, word: &[u8]) -> bool {
    text.get(at..).is_some_and(|t| t.starts_with(word))
        && !(at > 0 && text.get(at - 1).copied().is_some_and(is_ident))
        && !text.get(at + word.len()).copied().is_some_and(is_ident)
}

/// What [`augment`] adds to one file.
struct Out<'a> {
    lines: Lines,
    fs: &'a mut FileSymbols,
    refs: &'a mut Vec<RawRef>,
}

impl Out<'_> {
    /// A definition of `name` at `range` (its name at `name_range`) bound by `by`; returns its index.
    fn define(
        &mut self,
        name: &str,
        kind: SymbolKind,
        range: (u32, u32),
        name_range: (u32, u32),
        by: String,
    ) -> u32 {
        let index = self.fs.definitions.len() as u32;
        self.fs.definitions.push(Symbol {
            name: name.to_string(),
            kind,
            scope: String::new(),
            range: self.lines.range(range.0, range.1),
            name_range: self.lines.range(name_range.0, name_range.1),
            parent: None,
            via_macro: None,
            defined_by: Some(by),
        });
        index
    }

    /// A call of `name` written at `start..end` (the span's text unless `name` is given) by `enclosing`.
    fn call(&mut self, start: u32, end: u32, name: Option<&str>, enclosing: Option<u32>) {
        if name.is_some_and(str::is_empty) || start >= end {
            return;
        }
        self.refs.push(RawRef {
            start,
            end,
            kind: RefKind::Call,
            at: self.lines.point(start),
            enclosing,
            owned: name.map(Into::into),
        });
    }
}

/// Adds to a file's symbols what the bindings above define and call (`refs`: `None` when references
/// are not extracted).
pub(crate) fn augment(lang: Language, source: &[u8], fs: &mut FileSymbols, refs: Option<&mut Vec<RawRef>>) {
    let c = matches!(lang, Language::C | Language::Cpp);
    // The file's macros that write a function through a parameter (f5, round 26).
    let c_macros = if c && has(source, "define") { c_function_macros(source) } else { Vec::new() };
    let wanted = match lang {
        Language::C | Language::Cpp => {
            [
                "pragma",
                "asm",
                "constructor",
                "destructor",
                "cleanup",
                "init_array",
                "fini_array",
                ".ctors",
                ".dtors",
            ]
            .iter()
            .any(|w| has(source, w))
                || !c_macros.is_empty()
        }
        Language::Go => has(source, "go:linkname"),
        Language::Rust => has(source, "_name") || has(source, "r#") || has(source, "macro_rules"),
        Language::Java => has(source, "\\u"),
        Language::Python => fs.definitions.iter().any(|d| python_rebinding(source, d).is_some()),
        Language::JavaScript | Language::TypeScript | Language::Tsx => {
            fs.definitions.iter().any(|d| js_rebinding(source, d).is_some())
        }
        _ => false,
    };
    if !wanted {
        return;
    }
    let mut local = Vec::new();
    let with_refs = refs.is_some();
    let refs = match refs {
        Some(r) => r,
        None => &mut local,
    };
    let mut out = Out { lines: Lines::of(source), fs, refs };
    match lang {
        _ if c => {
            if has(source, "pragma") {
                pragmas(source, &mut out);
            }
            if has(source, "asm") {
                asm_labels(source, &mut out);
            }
            if ["constructor", "destructor", "cleanup", "init_array", "fini_array", ".ctors", ".dtors"]
                .iter()
                .any(|w| has(source, w))
            {
                implicit_calls(source, &mut out);
            }
            if !c_macros.is_empty() {
                macro_written_functions(source, &c_macros, false, &mut out);
            }
        }
        Language::Go => go_linknames(source, &mut out),
        Language::Rust => {
            if has(source, "_name") {
                rust_link_names(source, &mut out);
            }
            raw_identifiers(source, &mut out);
            if has(source, "macro_rules") {
                let macros = rust_function_macros(source);
                macro_written_functions(source, &macros, true, &mut out);
            }
        }
        Language::Java if with_refs => java_escaped_references(source, &mut out),
        Language::Python => python_rebindings(source, &mut out),
        Language::JavaScript | Language::TypeScript | Language::Tsx => js_rebindings(source, &mut out),
        _ => {}
    }
    if !with_refs {
        local.clear();
    } else {
        out.refs.sort_by_key(|r| r.start);
    }
}

/// The lines of a text with their start offsets (a `\`-newline continues a directive's line).
fn lines_of(source: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut pos = 0usize;
    source.split(|&b| b == b'\n').map(move |line| {
        let at = pos;
        pos += line.len() + 1;
        (at, line)
    })
}

/// `#pragma weak a = b` and `#pragma redefine_extname a b`: `a` is a definition that calls `b`. Only
/// the lines holding `pragma` are read.
fn pragmas(source: &[u8], out: &mut Out<'_>) {
    let mut last_line = usize::MAX;
    for hit in memchr::memmem::find_iter(source, b"pragma") {
        let at = memchr::memrchr(b'\n', source.get(..hit).unwrap_or_default()).map_or(0, |n| n + 1);
        if at == last_line {
            continue;
        }
        last_line = at;
        let end =
            memchr::memchr(b'\n', source.get(hit..).unwrap_or_default()).map_or(source.len(), |n| hit + n);
        let written_line = source.get(at..end).unwrap_or_default();
        // Comments are blanks to GCC, between a pragma's words too.
        let view = vitrine_snapshot::lexis::c_comments_blanked(written_line);
        let line: &[u8] = &view;
        let mut i = skip_blanks(line, 0);
        if line.get(i) != Some(&b'#') {
            continue;
        }
        i = skip_blanks(line, i + 1);
        if !word_at(line, i, b"pragma") {
            continue;
        }
        i = skip_blanks(line, i + b"pragma".len());
        let Some(e) = ident_at(line, i) else { continue };
        let directive = line.get(i..e).unwrap_or_default();
        let weak = directive == b"weak";
        if !weak && directive != b"redefine_extname" {
            continue;
        }
        let ns = skip_blanks(line, e);
        let Some(ne) = ident_at(line, ns) else { continue };
        let mut ts = skip_blanks(line, ne);
        if weak {
            if line.get(ts) != Some(&b'=') {
                continue;
            }
            ts = skip_blanks(line, ts + 1);
        }
        let Some(te) = ident_at(line, ts) else { continue };
        let name = String::from_utf8_lossy(line.get(ns..ne).unwrap_or_default()).into_owned();
        let end = line.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(line.len(), |p| p + 1);
        let written =
            String::from_utf8_lossy(written_line.get(skip_blanks(line, 0)..end).unwrap_or_default())
                .into_owned();
        let (a, n, t) = (at as u32, (at + ns) as u32, (at + ts) as u32);
        let index =
            out.define(&name, SymbolKind::Function, (a, (at + end) as u32), (n, (at + ne) as u32), written);
        out.call(t, (at + te) as u32, None, Some(index));
    }
}

/// The asm label of a declaration's text (`__asm__("name")` after the declarator): the span of the name
/// inside the quotes and where the `asm` word starts. A `register` variable's label names a register.
fn asm_label(text: &[u8]) -> Option<(usize, usize, usize)> {
    let mut from = 0usize;
    while let Some(n) = memchr::memmem::find(text.get(from..)?, b"asm") {
        let mut at = from + n;
        from = at + 3;
        // `asm`, `__asm`, `__asm__`
        if at >= 2 && text.get(at - 2..at) == Some(b"__") {
            at -= 2;
        }
        let mut i = at;
        while text.get(i).copied().is_some_and(is_ident) {
            i += 1;
        }
        if !matches!(text.get(at..i), Some(b"asm" | b"__asm" | b"__asm__"))
            || (at > 0 && is_ident(text[at - 1]))
        {
            continue;
        }
        let mut j = i;
        while text.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        if text.get(j) != Some(&b'(') {
            continue;
        }
        j += 1;
        while text.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        if text.get(j) != Some(&b'"') {
            continue;
        }
        let s = j + 1;
        let e = s + memchr::memchr(b'"', text.get(s..)?)?;
        let label = text.get(s..e)?;
        if label.is_empty() || !label.iter().all(|&b| is_ident(b) || b == b'.' || b == b'$') {
            return None;
        }
        return Some((at, s, e));
    }
    None
}

/// Declarations with an asm label (`int f(const char *) __asm__("check_token");`): the label is a
/// definition (the symbol the linker sees) that calls the declared name's code.
fn asm_labels(source: &[u8], out: &mut Out<'_>) {
    let found: Vec<(String, SymbolKind, TextRange, usize, usize, usize)> = out
        .fs
        .declarations
        .iter()
        .chain(out.fs.definitions.iter().filter(|d| d.kind == SymbolKind::Variable))
        .filter_map(|d| {
            let base = d.range.start_byte as usize;
            let text = source.get(base..d.range.end_byte as usize)?;
            // The label follows the declarator; a `register` variable's names a register.
            let after = (d.name_range.end_byte as usize).checked_sub(base)?;
            if memchr::memmem::find(text, b"register").is_some() {
                return None;
            }
            let (at, s, e) = asm_label(&vitrine_snapshot::lexis::c_comments_blanked(text.get(after..)?))?;
            Some((d.name.clone(), d.kind, d.range, base + after + at, base + after + s, base + after + e))
        })
        .collect();
    for (name, kind, range, at, s, e) in found {
        let label = String::from_utf8_lossy(source.get(s..e).unwrap_or_default()).into_owned();
        if label == name {
            continue;
        }
        let written = String::from_utf8_lossy(source.get(at..e + 2).unwrap_or_default()).into_owned();
        let by = format!("{name} {}", written.trim_end());
        let index = out.define(&label, kind, (range.start_byte, range.end_byte), (s as u32, e as u32), by);
        out.call(at as u32, s.saturating_sub(2).max(at + 1) as u32, Some(&name), Some(index));
    }
}

/// The attributes that make the loader or the scope's end call a function.
const LOADER_ATTRIBUTES: [&[u8]; 2] = [b"constructor", b"destructor"];

/// The sections whose pointers the loader calls.
const LOADER_SECTIONS: [&[u8]; 5] = [b".init_array", b".preinit_array", b".fini_array", b".ctors", b".dtors"];

/// Whether `word` at `at` is an attribute's name: a whole word (or `__word__`) after `(`, `,` or `::`
/// (`__attribute__((constructor(101)))`, `((used, constructor))`, `[[gnu::constructor]]`), not a
/// function or parameter named so.
fn in_attribute(text: &[u8], at: usize, word: &[u8]) -> bool {
    let (start, end) = if at >= 2
        && text.get(at - 2..at) == Some(b"__")
        && text.get(at + word.len()..at + word.len() + 2) == Some(b"__")
    {
        (at - 2, at + word.len() + 2)
    } else {
        (at, at + word.len())
    };
    if start > 0 && text.get(start - 1).copied().is_some_and(is_ident)
        || text.get(end).copied().is_some_and(is_ident)
    {
        return false;
    }
    let before = text.get(..start).unwrap_or_default();
    matches!(before.iter().rev().find(|b| !b.is_ascii_whitespace()), Some(b'(' | b',' | b':'))
}

/// `constructor`/`destructor` attributes on functions, `cleanup(f)` on variables and pointers placed in
/// `.init_array`-like sections: calls no expression makes.
fn implicit_calls(source: &[u8], out: &mut Out<'_>) {
    // Functions: a declaration's text, a definition's up to its body.
    let mut calls: Vec<(u32, u32, String, Option<u32>)> = Vec::new();
    let fs = &*out.fs;
    let attributes = has(source, "constructor") || has(source, "destructor");
    let functions = fs
        .declarations
        .iter()
        .map(|d| (d, None))
        .chain(fs.definitions.iter().enumerate().map(|(i, d)| (d, Some(i as u32))))
        .filter(|(d, _)| attributes && d.kind.is_function_like());
    for (d, _) in functions {
        let base = d.range.start_byte as usize;
        let text = source.get(base..d.range.end_byte as usize).unwrap_or_default();
        let head = match memchr::memchr(b'{', text) {
            Some(b) => text.get(..b).unwrap_or_default(),
            None => text,
        };
        let head: &[u8] = &vitrine_snapshot::lexis::c_comments_blanked(head);
        if memchr::memmem::find(head, b"__attribute").is_none() && memchr::memmem::find(head, b"[[").is_none()
        {
            continue;
        }
        for word in LOADER_ATTRIBUTES {
            let Some(at) = memchr::memmem::find_iter(head, word).find(|&at| in_attribute(head, at, word))
            else {
                continue;
            };
            // `__attribute__((constructor))`, `[[gnu::constructor]]`, `__constructor__`.
            let (s, e) = ((base + at) as u32, (base + at + word.len()) as u32);
            calls.push((s, e, d.name.clone(), None));
            break;
        }
    }
    // `cleanup(f)` anywhere in code: a call of `f` by the enclosing definition.
    for at in memchr::memmem::find_iter(source, b"cleanup") {
        let mut i = at + b"cleanup".len();
        if at > 0 && source.get(at - 1).copied().is_some_and(|b| is_ident(b) && b != b'_') {
            continue;
        }
        if source.get(i..i + 2) == Some(b"__") {
            i += 2;
        }
        let j = skip_blanks(source, i);
        if source.get(j) != Some(&b'(') {
            continue;
        }
        let s = skip_blanks(source, j + 1);
        let Some(e) = ident_at(source, s) else { continue };
        if source.get(skip_blanks(source, e)) != Some(&b')') {
            continue;
        }
        // Only inside an attribute: `__attribute__((cleanup(f)))` or a macro standing for one
        // (`__cleanup(f)`) — not a call of a function named `cleanup`.
        let window = source.get(at.saturating_sub(64)..at).unwrap_or_default();
        let attribute = memchr::memmem::rfind(window, b"__attribute__").is_some()
            || memchr::memmem::rfind(window, b"[[").is_some()
            || source.get(at.saturating_sub(2)..at) == Some(b"__");
        if !attribute {
            continue;
        }
        let enclosing = fs
            .enclosing_definition(s as u32)
            .filter(|&i| fs.definitions.get(i as usize).is_some_and(|d| d.kind.is_function_like()));
        calls.push((s as u32, e as u32, String::new(), enclosing));
    }
    // Pointers in the loader's sections: `… __attribute__((section(".init_array"))) = f;`
    let sections = LOADER_SECTIONS.iter().any(|s| memchr::memmem::find(source, s).is_some());
    for d in fs.definitions.iter().filter(|d| sections && d.kind == SymbolKind::Variable) {
        let base = d.range.start_byte as usize;
        let text = source.get(base..d.range.end_byte as usize).unwrap_or_default();
        if !LOADER_SECTIONS.iter().any(|s| memchr::memmem::find(text, s).is_some()) {
            continue;
        }
        let Some(eq) = memchr::memrchr(b'=', text) else { continue };
        let mut i = eq + 1;
        while i < text.len() {
            match ident_at(text, i) {
                Some(e) => {
                    let name = text.get(i..e).unwrap_or_default();
                    if !crate::symbols::is_c_keyword_bytes(name) {
                        calls.push(((base + i) as u32, (base + e) as u32, String::new(), None));
                    }
                    i = e;
                }
                None => i += 1,
            }
        }
    }
    // A `cleanup(f)` the grammar already read as a reference of another kind becomes the call.
    out.refs.retain(|r| !calls.iter().any(|c| c.0 == r.start && c.1 == r.end));
    for (s, e, name, enclosing) in calls {
        let name = (!name.is_empty()).then_some(name);
        out.call(s, e, name.as_deref(), enclosing);
    }
}

/// Go's `//go:linkname local importpath.remote`: the two names are one symbol. A body-less `local` is
/// defined by `remote` (and calls it); a `local` with a body is what `remote` runs (a definition of
/// `remote` that calls `local`).
fn go_linknames(source: &[u8], out: &mut Out<'_>) {
    for (at, line) in lines_of(source) {
        let Some(rest) = line.strip_prefix(b"//go:linkname") else { continue };
        let base = at + b"//go:linkname".len();
        if !rest.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
            continue;
        }
        let ls = skip_blanks(rest, 0);
        let Some(le) = ident_at(rest, ls) else { continue };
        let rs = skip_blanks(rest, le);
        let re =
            rs + rest.get(rs..).unwrap_or_default().iter().take_while(|b| !b.is_ascii_whitespace()).count();
        let remote = rest.get(rs..re).unwrap_or_default();
        if remote.is_empty() {
            continue;
        }
        // `example.com/auth/compat.legacyAccept` → `legacyAccept`; `pkg.(*T).m` → `m`.
        let last = remote.rsplit(|&b| b == b'/').next().unwrap_or(remote);
        let Some(dot) = memchr::memrchr(b'.', last) else { continue };
        let name_start = rs + (last.as_ptr() as usize - remote.as_ptr() as usize) + dot + 1;
        let Some(name_end) = ident_at(rest, name_start) else { continue };
        let local = String::from_utf8_lossy(rest.get(ls..le).unwrap_or_default()).into_owned();
        let remote_name =
            String::from_utf8_lossy(rest.get(name_start..name_end).unwrap_or_default()).into_owned();
        let end = line.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(line.len(), |p| p + 1);
        let written = String::from_utf8_lossy(line.get(2..end).unwrap_or_default()).into_owned();
        let (n_s, n_e) = ((base + name_start) as u32, (base + name_end) as u32);
        // The local function of this file, by name; which way the binding goes is whether it has a body.
        // A body-less one is a declaration (its body is elsewhere): bound here, it is defined here.
        if !out.fs.definitions.iter().any(|d| d.name == local && d.kind.is_function_like())
            && let Some(k) =
                out.fs.declarations.iter().position(|d| d.name == local && d.kind.is_function_like())
        {
            let d = out.fs.declarations.remove(k);
            out.fs.definitions.push(d);
        }
        let local_def = out.fs.definitions.iter().position(|d| d.name == local && d.kind.is_function_like());
        let has_body = local_def.and_then(|i| out.fs.definitions.get(i)).is_some_and(|d| {
            let text = source.get(d.range.start_byte as usize..d.range.end_byte as usize).unwrap_or_default();
            memchr::memchr(b'{', text).is_some()
        });
        match local_def {
            Some(i) if !has_body => {
                if let Some(d) = out.fs.definitions.get_mut(i) {
                    d.defined_by = Some(written);
                }
                out.call(n_s, n_e, None, Some(i as u32));
            }
            Some(_) => {
                let index = out.define(
                    &remote_name,
                    SymbolKind::Function,
                    (at as u32, (at + end) as u32),
                    (n_s, n_e),
                    written,
                );
                out.call((base + ls) as u32, (base + le) as u32, None, Some(index));
            }
            None => {
                // The local name is a variable or declared elsewhere: the remote is still used.
                out.call(n_s, n_e, None, None);
            }
        }
    }
}

/// How a Python definition that is no `def` binds its name (the query's rebindings, see
/// `python/definitions.scm`): `Some(after)` for `X.f = value` and `setattr(X, "f", value)`, where
/// `after` is the offset where the value's text may start (past the `=`, or past the name's string);
/// `None` for any other definition.
fn python_rebinding(source: &[u8], d: &Symbol) -> Option<usize> {
    if d.kind != SymbolKind::Function && d.kind != SymbolKind::Method {
        return None;
    }
    let start = d.range.start_byte as usize;
    let name_end = d.name_range.end_byte as usize;
    let text = source.get(start..d.range.end_byte as usize)?;
    if text.starts_with(b"setattr") {
        // Past the name's closing quote and the comma.
        let mut i = name_end;
        while source.get(i).is_some_and(|&b| b == b'"' || b == b'\'') {
            i += 1;
        }
        let i = skip_blanks(source, i);
        return (source.get(i) == Some(&b',')).then_some(i + 1);
    }
    if text.starts_with(b"def") || text.starts_with(b"async") || text.starts_with(b"@") {
        return None;
    }
    // The assignment's `=` after the name (past a closing quote and `]`, or an annotation): the first
    // `=` that is no comparison.
    let end = d.range.end_byte as usize;
    let mut i = name_end;
    while i < end {
        match (source.get(i).copied()?, source.get(i + 1).copied()) {
            (b'=' | b'!' | b'<' | b'>', Some(b'=')) => i += 2,
            (b'=', _) => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Python rebinding (monkey-patching): `auth.check = _compat`, `Cls.m = lambda …`, `setattr(mod,
/// "f", g)`. The grammar's query made each a definition of the attribute's name; here it is marked
/// [`Symbol::defined_by`] with the statement as written (its first line), and the code bound, the last
/// name of a dotted value, is called by it: `callers _compat` lists the rebinding.
fn python_rebindings(source: &[u8], out: &mut Out<'_>) {
    let mut calls: Vec<(u32, u32, u32)> = Vec::new();
    for (index, d) in out.fs.definitions.iter_mut().enumerate() {
        let Some(after) = python_rebinding(source, d) else { continue };
        let start = d.range.start_byte as usize;
        let end = d.range.end_byte as usize;
        let text = source.get(start..end).unwrap_or_default();
        let first = text.split(|&b| b == b'\n').next().unwrap_or_default();
        let first = first.strip_suffix(b"\r").unwrap_or(first);
        let mut written = String::from_utf8_lossy(first).trim_end().to_string();
        if first.len() < text.len() {
            written.push_str(" …");
        }
        d.defined_by = Some(written);
        // The value: a dotted name (its last name is the code bound; in a wrapper, `partial(g, …)`,
        // its first argument's), or a lambda (its body is there).
        let mut i = skip_blanks(source, after);
        let mut last = None;
        while let Some(e) = ident_at(source, i).filter(|&e| e <= end) {
            if source.get(i..e) == Some(b"lambda".as_slice()) {
                break;
            }
            last = Some((i, e));
            let next = skip_blanks(source, e);
            match source.get(next) {
                Some(b'.') => i = skip_blanks(source, next + 1),
                Some(b'(') if last.is_some() => {
                    // A wrapper's call: the code is its first argument (the query admits only wrappers).
                    last = None;
                    i = skip_blanks(source, next + 1);
                }
                _ => break,
            }
        }
        if let Some((s, e)) = last {
            calls.push((s as u32, e as u32, index as u32));
        }
    }
    rebound_calls(out, calls);
}

/// Where the value of a JavaScript/TypeScript rebinding starts (see [`js_rebindings`]), if `d` is one:
/// the value is a name or a dotted name (a function expression bound to a property is a definition
/// with its own body, not a rebinding).
fn js_rebinding(source: &[u8], d: &Symbol) -> Option<usize> {
    if d.kind != SymbolKind::Function {
        return None;
    }
    let start = d.range.start_byte as usize;
    let end = d.range.end_byte as usize;
    let text = source.get(start..end)?;
    let mut i = d.name_range.end_byte as usize;
    while source.get(i).is_some_and(|&b| b == b'"' || b == b'\'' || b == b'`') {
        i += 1;
    }
    i = skip_blanks(source, i);
    let value = if text.starts_with(b"Object.defineProperty") {
        // The descriptor's `value:` or `get:`.
        (i..end).find_map(|j| {
            let key = [b"value".as_slice(), b"get"].into_iter().find(|k| word_at(source, j, k))?;
            let k = skip_blanks(source, j + key.len());
            (source.get(k) == Some(&b':')).then_some(k + 1)
        })?
    } else if text.starts_with(b"Object.assign") {
        (source.get(i) == Some(&b':')).then_some(i + 1)?
    } else if text.starts_with(b"Reflect.set") {
        (source.get(i) == Some(&b',')).then_some(i + 1)?
    } else {
        if source.get(i) == Some(&b']') {
            i = skip_blanks(source, i + 1);
        }
        let assign = source.get(i) == Some(&b'=') && !matches!(source.get(i + 1), Some(b'=' | b'>'));
        assign.then_some(i + 1)?
    };
    let v = skip_blanks(source, value);
    let e = ident_at(source, v).filter(|&e| e <= end)?;
    let word = source.get(v..e)?;
    let after = skip_blanks(source, e);
    let arrow = source.get(after..after + 2) == Some(b"=>".as_slice());
    if matches!(word, b"function" | b"async" | b"class" | b"new" | b"this")
        || arrow
        || source.get(after) == Some(&b'(')
    {
        return None;
    }
    Some(v)
}

/// JavaScript/TypeScript rebinding (round 26, round 9's rule for Python): `auth.f = g`, `auth["f"] =
/// g`, `Object.defineProperty(auth, "f", {value: g})`, `Object.assign(auth, {f: g})`, `Reflect.set(auth,
/// "f", g)` (the query made each a definition of `f`): marked [`Symbol::defined_by`] with the statement
/// as written (its first line), and the code bound, the dotted value's last name, is called by it.
fn js_rebindings(source: &[u8], out: &mut Out<'_>) {
    let mut calls: Vec<(u32, u32, u32)> = Vec::new();
    for (index, d) in out.fs.definitions.iter_mut().enumerate() {
        let Some(value) = js_rebinding(source, d) else { continue };
        let start = d.range.start_byte as usize;
        let end = d.range.end_byte as usize;
        let text = source.get(start..end).unwrap_or_default();
        let first = text.split(|&b| b == b'\n').next().unwrap_or_default();
        let first = first.strip_suffix(b"\r").unwrap_or(first);
        let mut written = String::from_utf8_lossy(first).trim_end().to_string();
        if first.len() < text.len() {
            written.push_str(" …");
        }
        d.defined_by = Some(written);
        let mut i = value;
        let mut last = None;
        while let Some(e) = ident_at(source, i).filter(|&e| e <= end) {
            last = Some((i, e));
            let next = skip_blanks(source, e);
            match source.get(next) {
                Some(b'.') => i = skip_blanks(source, next + 1),
                _ => break,
            }
        }
        if let Some((s, e)) = last {
            calls.push((s as u32, e as u32, index as u32));
        }
    }
    rebound_calls(out, calls);
}

/// The index of the bracket that closes the one at `open` (`(`, `[` or `{`), past quoted literals,
/// read no further than `limit`: `Err(where the reading stopped)` when it is not closed there.
fn close_within(s: &[u8], open: usize, limit: usize) -> Result<usize, usize> {
    let mut depth = 0u32;
    let mut i = open;
    while i < limit {
        let Some(&c) = s.get(i) else { break };
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth = depth.checked_sub(1).ok_or(i)?;
                if depth == 0 {
                    return Ok(i);
                }
            }
            b'"' => {
                i += 1;
                while let Some(&q) = s.get(i).filter(|_| i < limit) {
                    match q {
                        b'\\' => i += 1,
                        b'"' => break,
                        _ => {}
                    }
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    Err(i.min(limit))
}

/// The start of the line holding `k`, found from the previous answer (`prev`: an offset before `k`
/// and its line's start), so that the hits of one pass read each byte once.
fn line_start(s: &[u8], prev: &mut (usize, usize), k: usize) -> usize {
    let from = prev.0.min(k);
    let start = memchr::memrchr(b'\n', s.get(from..k).unwrap_or_default()).map_or(prev.1, |n| from + n + 1);
    *prev = (k, start);
    start
}

/// The top-level comma-separated pieces of `s[from..to]`, trimmed of blanks.
fn pieces(s: &[u8], from: usize, to: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = from;
    let mut i = from;
    while i < to {
        match s.get(i).copied().unwrap_or(0) {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            b'"' => {
                if let Some(e) = close_of_quote(s, i, to) {
                    i = e;
                }
            }
            b',' if depth == 0 => {
                out.push((start, i));
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push((start, to));
    out.into_iter()
        .map(|(a, b)| {
            let text = s.get(a..b).unwrap_or_default();
            let lead = text.iter().take_while(|c| c.is_ascii_whitespace()).count();
            let trail = text.iter().rev().take_while(|c| c.is_ascii_whitespace()).count();
            (a + lead, (b - trail).max(a + lead))
        })
        .collect()
}

/// The closing quote of the literal opened at `open` (before `limit`).
fn close_of_quote(s: &[u8], open: usize, limit: usize) -> Option<usize> {
    let mut i = open + 1;
    while i < limit {
        match s.get(i)? {
            b'\\' => i += 1,
            b'"' => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// The `macro_rules!` of a Rust file whose expansion writes `fn $p` for a parameter `$p` matched at
/// the top level of a rule's matcher: (macro name, the argument's place).
fn rust_function_macros(s: &[u8]) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    // Past the last macro read (a `macro_rules!` inside another one is not read again).
    let mut covered = 0usize;
    for k in memchr::memmem::find_iter(s, b"macro_rules!") {
        if k < covered {
            continue;
        }
        let n = skip_blanks(s, k + b"macro_rules!".len());
        let Some(ne) = ident_at(s, n) else { continue };
        let open = skip_blanks(s, ne);
        if !matches!(s.get(open), Some(b'{' | b'(' | b'[')) {
            continue;
        }
        let close = match close_within(s, open, s.len()) {
            Ok(close) => close,
            Err(stop) => {
                covered = stop;
                continue;
            }
        };
        covered = close;
        // The rules: `(matcher) => {transcriber}`, separated by `;`.
        let mut i = skip_blanks(s, open + 1);
        let mut found = None;
        while i < close && found.is_none() {
            let Ok(m_end) = close_within(s, i, close) else { break };
            let arrow = skip_blanks(s, m_end + 1);
            if s.get(arrow..arrow + 2) != Some(b"=>".as_slice()) {
                break;
            }
            let t = skip_blanks(s, arrow + 2);
            let Ok(t_end) = close_within(s, t, close) else { break };
            let body = s.get(t..t_end).unwrap_or_default();
            for f in memchr::memmem::find_iter(body, b"fn") {
                if !word_at(s, t + f, b"fn") {
                    continue;
                }
                let d = skip_blanks(s, t + f + 2);
                if s.get(d) != Some(&b'$') {
                    continue;
                }
                let Some(pe) = ident_at(s, d + 1) else { continue };
                let param = s.get(d..pe).unwrap_or_default();
                // Its place among the matcher's top-level pieces.
                found = pieces(s, i + 1, m_end).iter().position(|&(a, b)| {
                    s.get(a..b).is_some_and(|p| {
                        p.starts_with(param)
                            && p.get(param.len()..).is_some_and(|r| r.trim_ascii_start().starts_with(b":"))
                    })
                });
                if found.is_some() {
                    break;
                }
            }
            i = skip_blanks(s, t_end + 1);
            if s.get(i) == Some(&b';') {
                i = skip_blanks(s, i + 1);
            }
        }
        if let (Some(place), Some(name)) = (found, s.get(n..ne)) {
            out.push((String::from_utf8_lossy(name).into_owned(), place));
        }
    }
    out
}

/// The function-like `#define`s of a C file whose replacement is a function head through a parameter
/// (`int name(…) {`: the parameter, not pasted, after a type's word or a `*`, before `(`, the `)` that
/// closes it followed by `{`): (macro name, the parameter's place). Only the lines a `#` starts are read.
fn c_function_macros(s: &[u8]) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut prev = (0usize, 0usize);
    for k in memchr::memmem::find_iter(s, b"define") {
        let line = line_start(s, &mut prev, k);
        let head = s.get(line..k).unwrap_or_default();
        if head.iter().filter(|c| !c.is_ascii_whitespace()).copied().ne([b'#']) {
            continue;
        }
        let n = skip_blanks(s, k + b"define".len());
        let Some(ne) = ident_at(s, n) else { continue };
        if s.get(ne) != Some(&b'(') {
            continue;
        }
        let Some(pclose) = memchr::memchr(b')', s.get(ne..).unwrap_or_default()).map(|p| ne + p) else {
            continue;
        };
        // The replacement: to the end of the line, with its `\`-newline continuations.
        let mut end = pclose;
        while let Some(nl) = memchr::memchr(b'\n', s.get(end..).unwrap_or_default()).map(|p| end + p) {
            end = nl;
            let before = s.get(..nl).unwrap_or_default();
            let before = before.strip_suffix(b"\r").unwrap_or(before);
            if !before.ends_with(b"\\") {
                break;
            }
            end = nl + 1;
        }
        if end <= pclose {
            end = s.len();
        }
        let body = s.get(pclose + 1..end).unwrap_or_default();
        if memchr::memchr(b'{', body).is_none() {
            continue;
        }
        // The first parameters only, and for each its first place before a `(`: linear in the define.
        let params = pieces(s, ne + 1, pclose);
        let place = params.iter().take(8).position(|&(a, b)| {
            let Some(p) = s.get(a..b).filter(|p| !p.is_empty() && ident_at(p, 0) == Some(p.len())) else {
                return false;
            };
            let head = memchr::memmem::find_iter(body, p).map(|o| pclose + 1 + o).find(|&at| {
                let before = s.get(pclose + 1..at).unwrap_or_default().trim_ascii_end();
                word_at(s, at, p)
                    && before.last().is_some_and(|&c| c == b'*' || is_ident(c))
                    && !before.ends_with(b"##")
                    && s.get(skip_blanks(s, at + p.len())) == Some(&b'(')
            });
            head.is_some_and(|at| {
                let open = skip_blanks(s, at + p.len());
                close_within(s, open, end).is_ok_and(|c| s.get(skip_blanks(s, c + 1)) == Some(&b'{'))
            })
        });
        if let (Some(place), Some(name)) = (place, s.get(n..ne)) {
            out.push((String::from_utf8_lossy(name).into_owned(), place));
        }
    }
    out
}

/// Each invocation of one of `macros` (name, the argument's place) whose argument there is a name
/// defines a function of that name, defined by the invocation as written (its first line). Rust
/// invocations are `m!(…)`, `m![…]`, `m! {…}`; C ones start their line (file level), outside
/// directives.
fn macro_written_functions(s: &[u8], macros: &[(String, usize)], rust: bool, out: &mut Out<'_>) {
    for (name, place) in macros {
        // Past the last invocation read: an invocation inside another's arguments is not read again,
        // so each byte is read once per macro.
        let mut covered = 0usize;
        let mut prev = (0usize, 0usize);
        for k in memchr::memmem::find_iter(s, name.as_bytes()) {
            if k < covered || !word_at(s, k, name.as_bytes()) {
                continue;
            }
            let mut open = k + name.len();
            if rust {
                if s.get(open) != Some(&b'!') {
                    continue;
                }
                open = skip_blanks(s, open + 1);
                if !matches!(s.get(open), Some(b'(' | b'[' | b'{')) {
                    continue;
                }
            } else {
                let line = line_start(s, &mut prev, k);
                if !s.get(line..k).unwrap_or_default().iter().all(|c| c.is_ascii_whitespace()) {
                    continue;
                }
                open = skip_blanks(s, open);
                if s.get(open) != Some(&b'(') {
                    continue;
                }
            }
            let close = match close_within(s, open, s.len()) {
                Ok(close) => close,
                Err(stop) => {
                    covered = stop;
                    continue;
                }
            };
            covered = close;
            let Some(&(a, b)) = pieces(s, open + 1, close).get(*place) else { continue };
            let Some(arg) = s.get(a..b).filter(|p| !p.is_empty() && ident_at(p, 0) == Some(p.len())) else {
                continue;
            };
            let text = s.get(k..=close).unwrap_or_default();
            let first = text.split(|&c| c == b'\n').next().unwrap_or_default();
            let first = first.strip_suffix(b"\r").unwrap_or(first);
            let mut written = String::from_utf8_lossy(first).trim_end().to_string();
            if first.len() < text.len() {
                written.push_str(" …");
            }
            let arg = String::from_utf8_lossy(arg).into_owned();
            out.define(
                &arg,
                SymbolKind::Function,
                (k as u32, close as u32 + 1),
                (a as u32, b as u32),
                written,
            );
        }
    }
}

/// Where the first word inside each attribute of a Rust text is: after `#[`, or `#[unsafe(`, and the
/// blanks and comments (nested) that follow. One pass: a `#[` inside the blanks and comments of an
/// earlier one is comment text and is passed over, so no run of `#[/*#[/*…` is read more than once.
fn attribute_first_words(source: &[u8]) -> std::collections::HashSet<usize> {
    use vitrine_snapshot::lexis::blanks_end;
    let mut out = std::collections::HashSet::new();
    let mut covered = 0usize;
    for k in memchr::memmem::find_iter(source, b"#[") {
        if k < covered {
            continue;
        }
        let mut i = blanks_end(source, k + 2, true);
        if source.get(i..).is_some_and(|t| t.starts_with(b"unsafe")) {
            let open = blanks_end(source, i + b"unsafe".len(), true);
            if source.get(open) == Some(&b'(') {
                i = blanks_end(source, open + 1, true);
            }
        }
        covered = i;
        out.insert(i);
    }
    out
}

/// Rust `#[export_name = "x"]` (the function is the symbol `x`) and `#[link_name = "x"]` on a foreign
/// function (the declared name is the symbol `x`).
fn rust_link_names(source: &[u8], out: &mut Out<'_>) {
    let first_words = attribute_first_words(source);
    for (attr, export) in [(&b"export_name"[..], true), (&b"link_name"[..], false)] {
        for at in memchr::memmem::find_iter(source, attr) {
            if !word_at(source, at, attr) {
                continue;
            }
            // `#[export_name = "x"]`, also inside `#[unsafe(export_name = "x")]`, comments anywhere.
            if !first_words.contains(&at) {
                continue;
            }
            let i = vitrine_snapshot::lexis::blanks_end(source, at + attr.len(), true);
            if source.get(i) != Some(&b'=') {
                continue;
            }
            let q = vitrine_snapshot::lexis::blanks_end(source, i + 1, true);
            if source.get(q) != Some(&b'"') {
                continue;
            }
            let s = q + 1;
            let Some(len) = source.get(s..).and_then(|t| memchr::memchr(b'"', t)) else { continue };
            let e = s + len;
            let symbol = String::from_utf8_lossy(source.get(s..e).unwrap_or_default()).into_owned();
            if symbol.is_empty() || !symbol.bytes().all(|b| is_ident(b) || b == b'$' || b == b'.') {
                continue;
            }
            // The item the attribute is on: the first function-like definition or declaration after it.
            let item = |syms: &[Symbol]| {
                syms.iter()
                    .enumerate()
                    .filter(|(_, d)| {
                        d.kind.is_function_like() && d.range.start_byte as usize >= at.saturating_sub(2)
                    })
                    .min_by_key(|(_, d)| d.name_range.start_byte)
                    .map(|(i, d)| (i, d.name.clone(), d.name_range.start_byte, d.kind))
            };
            let def = item(&out.fs.definitions);
            let decl = item(&out.fs.declarations);
            let target = match (def, decl) {
                (Some(a), Some(b)) if b.2 < a.2 => (b, false),
                (Some(a), _) => (a, true),
                (None, Some(b)) => (b, false),
                (None, None) => continue,
            };
            let ((index, name, _, kind), is_def) = target;
            if name == symbol {
                continue;
            }
            let end = source.get(e..).and_then(|t| memchr::memchr(b']', t)).map_or(e, |n| e + n + 1);
            let written = String::from_utf8_lossy(source.get(at.saturating_sub(2)..end).unwrap_or_default())
                .trim_start_matches(|c: char| c != '#')
                .to_string();
            let (s, e) = (s as u32, e as u32);
            if export {
                // `symbol` is defined by this function.
                let d = out.define(&symbol, kind, (at as u32, end as u32), (s, e), written);
                out.call(at as u32, (at + attr.len()) as u32, Some(&name), Some(d));
            } else {
                // The foreign declaration `name` is the symbol: defined by it, calls it.
                let index = if is_def {
                    index as u32
                } else {
                    let mut d = out.fs.declarations.remove(index);
                    d.defined_by = Some(written.clone());
                    out.fs.definitions.push(d);
                    out.fs.definitions.len() as u32 - 1
                };
                if let Some(d) = out.fs.definitions.get_mut(index as usize) {
                    d.defined_by = Some(written);
                }
                out.call(s, e, None, Some(index));
            }
        }
    }
}

/// Rust raw identifiers: `r#verify` is the name `verify` (only keywords need the prefix to be names).
fn raw_identifiers(source: &[u8], out: &mut Out<'_>) {
    if !has(source, "r#") {
        return;
    }
    for d in out.fs.definitions.iter_mut().chain(out.fs.declarations.iter_mut()) {
        if let Some(n) = d.name.strip_prefix("r#") {
            d.name = n.to_string();
        }
    }
    for r in out.refs.iter_mut() {
        let spelled = r.name(source);
        if let Some(n) = spelled.strip_prefix("r#") {
            r.owned = Some(n.into());
        }
    }
}

/// Java names spelled with `\u` escapes (`gr\u0061ntRoot(uid)`): javac reads the escapes first, the
/// grammar cannot read them in a name. The file's escaped names outside comments and literals are read
/// lexically, decoded, and are calls when a `(` follows; what the grammar made of their pieces is
/// dropped.
fn java_escaped_references(source: &[u8], out: &mut Out<'_>) {
    use vitrine_base::ucn::{Escapes, decode_identifier};
    let mut found: Vec<(u32, u32, String, RefKind)> = Vec::new();
    let mut i = 0usize;
    let n = source.len();
    while i < n {
        match source[i] {
            b'/' if source.get(i + 1) == Some(&b'/') => {
                i = memchr::memchr(b'\n', &source[i..]).map_or(n, |k| i + k);
            }
            b'/' if source.get(i + 1) == Some(&b'*') => {
                i = memchr::memmem::find(&source[i + 2..], b"*/").map_or(n, |k| i + 2 + k + 2);
            }
            b'"' | b'\'' => {
                let q = source[i];
                let block = q == b'"' && source.get(i..i + 3) == Some(b"\"\"\"");
                if block {
                    i = memchr::memmem::find(&source[i + 3..], b"\"\"\"").map_or(n, |k| i + 3 + k + 3);
                    continue;
                }
                i += 1;
                while i < n && source[i] != q && source[i] != b'\n' {
                    i += if source[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b if is_ident(b) || b == b'$' || b == b'\\' || b >= 0x80 => {
                let s = i;
                let mut escaped = false;
                while i < n {
                    let b = source[i];
                    if b == b'\\' && source.get(i + 1) == Some(&b'u') {
                        escaped = true;
                        i += 2;
                        while source.get(i) == Some(&b'u') {
                            i += 1;
                        }
                        i += 4.min(n - i);
                    } else if is_ident(b) || b == b'$' || b >= 0x80 {
                        i += 1;
                    } else {
                        break;
                    }
                }
                if i == s {
                    i += 1;
                    continue;
                }
                if !escaped {
                    continue;
                }
                let spelled = String::from_utf8_lossy(source.get(s..i).unwrap_or_default()).into_owned();
                let Some(name) = decode_identifier(&spelled, Escapes::Java) else { continue };
                if !name.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
                    || !name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '$')
                {
                    continue;
                }
                let mut j = i;
                while source.get(j).is_some_and(u8::is_ascii_whitespace) {
                    j += 1;
                }
                let kind = if source.get(j) == Some(&b'(') { RefKind::Call } else { RefKind::Other };
                found.push((s as u32, i as u32, name, kind));
            }
            _ => i += 1,
        }
    }
    if found.is_empty() {
        return;
    }
    // The grammar's pieces of these names, and names it already decoded, are replaced.
    out.refs.retain(|r| !found.iter().any(|&(s, e, ..)| r.start < e && s < r.end));
    let defined: Vec<u32> =
        out.fs.definitions.iter().chain(&out.fs.declarations).map(|d| d.name_range.start_byte).collect();
    for (s, e, name, kind) in found {
        if defined.contains(&s) {
            continue;
        }
        let enclosing = out.fs.enclosing_definition(s);
        out.refs.push(RawRef {
            start: s,
            end: e,
            kind,
            at: out.lines.point(s),
            enclosing,
            owned: Some(name.into()),
        });
    }
}

/// Who makes a call no expression makes, as words to follow "call" (`by the loader before main
/// (constructor attribute)`): `line` is the text of the line the call is
/// recorded on and `column` the byte where its name or attribute word starts (as the symbol index
/// stores it). `None` for an ordinary call.
pub fn implicit_caller(line: &[u8], column: usize) -> Option<&'static str> {
    let here = line.get(column..).unwrap_or_default();
    if here.starts_with(b"constructor") {
        return Some("by the loader before main (constructor attribute)");
    }
    if here.starts_with(b"destructor") {
        return Some("by the loader after main (destructor attribute)");
    }
    let before = line.get(..column).unwrap_or_default();
    let open = before.iter().rposition(|b| !b.is_ascii_whitespace());
    if open.is_some_and(|o| before.get(o) == Some(&b'(')) {
        let word = before.get(..open.unwrap_or(0)).unwrap_or_default();
        let word = word.strip_suffix(b"__").unwrap_or(word);
        if word.trim_ascii_end().ends_with(b"cleanup") {
            return Some("at scope exit (cleanup attribute of a variable)");
        }
    }
    LOADER_SECTIONS
        .iter()
        .any(|s| memchr::memmem::find(line, s).is_some())
        .then_some("by the loader (a pointer in a loader section)")
}

/// The attribute that makes the loader call the function a declaration's or definition's first line
/// declares (`__attribute__((constructor(101))) void f(void);`), for `def` to show.
pub fn loader_attribute(line: &[u8]) -> Option<&'static str> {
    LOADER_ATTRIBUTES.iter().enumerate().find_map(|(i, w)| {
        memchr::memmem::find_iter(line, w).any(|at| in_attribute(line, at, w)).then_some(match i {
            0 => "run by the loader before main: constructor attribute",
            _ => "run by the loader after main: destructor attribute",
        })
    })
}

/// The attribute that makes the loader call a function, as [`loader_attributes`] finds it for a hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoaderAttribute {
    /// What it does, as [`loader_attribute`] says it (`run by the loader before main: constructor
    /// attribute`).
    pub what: &'static str,
    /// Where the declaration that carries it is (its path and the 0-based position of its name), when
    /// it is not the hit itself.
    pub on: Option<(String, crate::symbols::Point)>,
}

/// For each of `hits` (the definitions and declarations `def` lists), the attribute that makes the
/// loader call it, if it is a C or C++ function: its own (on the line of its name or the line before, past
/// the last declaration or block that line ends:
/// `__attribute__((constructor(101)))` above or before the name, `… __attribute__((destructor));` after
/// it), else the one on any other declaration of the same name among `hits`, with where that one is.
/// GCC merges the attributes of every declaration of a function into it (`constructor` and
/// `destructor` are attributes of the function, not of the one declaration), so a prototype
/// `__attribute__((constructor)) void f(void);` in a header makes the plain `void f(void) {…}` of a
/// `.c` run before `main`. `read` gives a file's bytes (each file is read once).
pub fn loader_attributes(
    hits: &[crate::index::DefHit],
    read: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> Vec<Option<LoaderAttribute>> {
    let mut files: std::collections::HashMap<&str, Option<Vec<u8>>> = std::collections::HashMap::new();
    let own: Vec<Option<&'static str>> = hits
        .iter()
        .map(|hit| {
            if !hit.kind.is_function_like() || !matches!(hit.language, Some(Language::C | Language::Cpp)) {
                return None;
            }
            let text = files.entry(hit.path.as_str()).or_insert_with(|| read(&hit.path)).as_deref()?;
            let line = hit.at.line as usize;
            let mut lines = text.split(|&b| b == b'\n').skip(line.saturating_sub(1));
            let before = if line > 0 { lines.next().unwrap_or_default() } else { &[][..] };
            let this = lines.next().unwrap_or_default();
            // Of the line before, only what follows the last declaration or block it ends
            // (`__attribute__((destructor)) void g(void);` above `void f(void);` is `g`'s).
            let before = match before.iter().rposition(|&b| matches!(b, b';' | b'{' | b'}')) {
                Some(end) => before.get(end + 1..).unwrap_or_default(),
                None => before,
            };
            loader_attribute(this).or_else(|| loader_attribute(before))
        })
        .collect();
    hits.iter()
        .zip(&own)
        .map(|(hit, mine)| {
            if let Some(what) = mine {
                return Some(LoaderAttribute { what, on: None });
            }
            if !hit.kind.is_function_like() || !matches!(hit.language, Some(Language::C | Language::Cpp)) {
                return None;
            }
            hits.iter().zip(&own).find_map(|(other, theirs)| {
                let what = (*theirs)?;
                (other.name == hit.name && other.scope == hit.scope)
                    .then(|| LoaderAttribute { what, on: Some((other.path.clone(), other.at)) })
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;

/// Makes each rebinding's value (`(start, end, definition index)`) a call by that definition: the
/// value's name is already a reference (other, or field) where the grammar read one.
fn rebound_calls(out: &mut Out<'_>, calls: Vec<(u32, u32, u32)>) {
    for (s, e, index) in calls {
        let at = out.refs.partition_point(|r| r.start < s);
        match out.refs.get_mut(at).filter(|r| r.start == s) {
            Some(r) => {
                r.kind = RefKind::Call;
                r.enclosing = Some(index);
            }
            None => out.call(s, e, None, Some(index)),
        }
    }
}
