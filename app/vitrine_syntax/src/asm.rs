//! Definitions that are not function bodies, and calls that are not C calls: what the linker sees and a
//! C grammar does not.
//!
//! - Assembly (`.S`/`.s` files, and the strings of `asm("…")` statements in C and C++): a label made
//!   global (`.globl name`/`.global name` + `name:`, or the kernel's `SYM_FUNC_START(name)`/`ENTRY(name)`)
//!   defines `name` (kind [`SymbolKind::Label`]); `call`/`jmp`/`j<cc>`/`bl`/`b`/`b.<cc>`/`tail`/`jal`/`cbz`
//!   … to a symbol are calls of it, made by the global label before them.
//! - Attributes that bind a declared name to other code (`alias("x")`, `weakref("x")`, `ifunc("r")`):
//!   the declaration is a definition of that name (marked [`Symbol::defined_by`]), and the symbol in the
//!   attribute is called by it, so the alias target is not dead code and `callers` leads to it.
//!
//! All of it is lexical and linear in the file's bytes.

use std::collections::HashSet;

use crate::lang::Language;
use crate::symbols::RawRef;
use crate::symbols::{FileSymbols, Point, RefKind, Symbol, SymbolKind, TextRange};

/// Whether a path names an assembly file the index reads (`.S`, `.s`, `.sx`).
pub fn is_assembly(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(name.rsplit_once('.'), Some((stem, "S" | "s" | "sx")) if !stem.is_empty())
}

/// Line starts of a text, for positions (also `bindings`').
pub(crate) struct Lines(Vec<u32>);

impl Lines {
    pub(crate) fn of(text: &[u8]) -> Lines {
        let mut starts = vec![0u32];
        starts.extend(memchr::memchr_iter(b'\n', text).map(|i| i as u32 + 1));
        Lines(starts)
    }

    pub(crate) fn point(&self, byte: u32) -> Point {
        let line = self.0.partition_point(|&s| s <= byte).saturating_sub(1);
        let start = self.0.get(line).copied().unwrap_or(0);
        Point { line: line as u32, column: byte - start }
    }

    pub(crate) fn range(&self, start: u32, end: u32) -> TextRange {
        TextRange { start: self.point(start), end: self.point(end), start_byte: start, end_byte: end }
    }
}

/// What one piece of assembly holds, in its own coordinates.
#[derive(Debug, Default)]
struct Scanned {
    /// Labels: (name start, name end, what makes it one).
    labels: Vec<(usize, usize, LabelKind)>,
    /// Names made global by `.globl`/`.global`.
    globals: HashSet<Vec<u8>>,
    /// Call targets: (start, end).
    calls: Vec<(usize, usize)>,
    /// `.set name, target` (`.equ`, `.equiv`): (statement start, name start, name end, target start,
    /// target end, statement end).
    sets: Vec<[usize; 6]>,
}

/// What makes a name a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LabelKind {
    /// `name:`, global when a `.globl` names it.
    Plain,
    /// A kernel macro (`SYM_FUNC_START(name)`): global.
    Macro,
    /// Go assembly's `TEXT ·name(SB)`: a function's body, global.
    GoText,
}

/// The kernel's macros that open a global function or code label (`SYM_FUNC_START(name)`).
const GLOBAL_MACROS: [&[u8]; 10] = [
    b"ENTRY",
    b"GLOBAL",
    b"SYM_FUNC_START",
    b"SYM_FUNC_START_WEAK",
    b"SYM_FUNC_START_NOALIGN",
    b"SYM_FUNC_START_ALIAS",
    b"SYM_TYPED_FUNC_START",
    b"SYM_CODE_START",
    b"SYM_CODE_START_NOALIGN",
    b"SYM_FUNC_ALIAS",
];

fn is_sym_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'.' || b == b'$'
}

fn is_sym(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'$'
}

/// The mnemonics whose first operand is a branch target, and those whose last is.
fn target_operand(mnemonic: &[u8]) -> Option<bool> {
    let m = mnemonic.to_ascii_lowercase();
    if matches!(m.as_slice(), b"jr" | b"jalr") {
        return None;
    }
    let first = matches!(
        m.as_slice(),
        b"call" | b"calll" | b"callq" | b"jmp" | b"jmpl" | b"jmpq" | b"bl" | b"blx" | b"b" | b"bra" | b"bsr"
            | b"jsr" | b"j" | b"tail" | b"beq" | b"bne" | b"bcs" | b"bcc" | b"bmi" | b"bpl" | b"bvs"
            | b"bvc" | b"bhi" | b"bls" | b"bge" | b"blt" | b"bgt" | b"ble" | b"bal" | b"bhs" | b"blo"
    ) || m.strip_prefix(b"b.").is_some_and(|c| !c.is_empty() && c.iter().all(u8::is_ascii_alphabetic))
        // x86 conditional jumps: je, jne, jz, jae, jecxz, …
        || (m.first() == Some(&b'j') && (2..=5).contains(&m.len()) && m.iter().all(u8::is_ascii_alphabetic));
    if first {
        return Some(true);
    }
    matches!(m.as_slice(), b"jal" | b"cbz" | b"cbnz" | b"tbz" | b"tbnz").then_some(false)
}

/// Register names a branch may take bare (Arm, AArch64, RISC-V, MIPS).
fn is_register(name: &[u8]) -> bool {
    let lower = name.to_ascii_lowercase();
    if matches!(lower.as_slice(), b"lr" | b"pc" | b"sp" | b"ip" | b"fp" | b"ra" | b"zero") {
        return true;
    }
    match lower.split_first() {
        Some((b'r' | b'x' | b'w' | b'a' | b't' | b's' | b'v', digits)) => {
            !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
        }
        _ => false,
    }
}

/// Scans assembly text. `directives`: lines starting with `#` are preprocessor directives (a `.S`
/// file, or none in an `asm` string, where `#` starts a comment anyway).
fn scan(text: &[u8]) -> Scanned {
    let mut out = Scanned::default();
    let mut pos = 0usize;
    let mut in_comment = false;
    for line in text.split(|&b| b == b'\n') {
        let base = pos;
        pos += line.len() + 1;
        // Comments: `/* … */` (possibly across lines), `//`, and from `#` (x86) or ` @` (Arm).
        let mut code: Vec<u8> = line.to_vec();
        let mut i = 0usize;
        while i < code.len() {
            if in_comment {
                if code.get(i..i + 2) == Some(b"*/") {
                    code[i] = b' ';
                    code[i + 1] = b' ';
                    in_comment = false;
                    i += 2;
                } else {
                    code[i] = b' ';
                    i += 1;
                }
                continue;
            }
            match (code[i], code.get(i + 1).copied()) {
                (b'/', Some(b'*')) => {
                    in_comment = true;
                }
                (b'/', Some(b'/')) | (b'#', _) => {
                    code.truncate(i);
                    break;
                }
                (b'@', _) if i > 0 && code[i - 1].is_ascii_whitespace() => {
                    code.truncate(i);
                    break;
                }
                _ => i += 1,
            }
        }
        let mut start = 0usize;
        for stmt in code.split(|&b| b == b';') {
            let at = base + start;
            start += stmt.len() + 1;
            statement(stmt, at, &mut out);
        }
    }
    out
}

fn statement(stmt: &[u8], at: usize, out: &mut Scanned) {
    let mut i = 0usize;
    loop {
        while stmt.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        let word_start = i;
        if !stmt.get(i).copied().is_some_and(is_sym_start) {
            return;
        }
        while stmt.get(i).copied().is_some_and(is_sym) {
            i += 1;
        }
        let word = stmt.get(word_start..i).unwrap_or_default();
        match stmt.get(i) {
            // `name:` (a label; more may follow on the line)
            Some(b':') => {
                out.labels.push((at + word_start, at + i, LabelKind::Plain));
                i += 1;
                continue;
            }
            Some(b'(') if GLOBAL_MACROS.contains(&word) => {
                let s = i + 1;
                let mut e = s;
                while stmt.get(e).copied().is_some_and(is_sym) {
                    e += 1;
                }
                if e > s {
                    out.labels.push((at + s, at + e, LabelKind::Macro));
                }
                return;
            }
            _ => {}
        }
        if word == b"TEXT" {
            if let Some((s, e)) = go_symbol(stmt, i) {
                out.labels.push((at + s, at + e, LabelKind::GoText));
            }
            return;
        }
        let rest = stmt.get(i..).unwrap_or_default();
        if [&b".set"[..], b".equ", b".equiv"].iter().any(|w| word.eq_ignore_ascii_case(w)) {
            set_statement(stmt, at, word_start, i, out);
            return;
        }
        if word.eq_ignore_ascii_case(b".globl")
            || word.eq_ignore_ascii_case(b".global")
            || word.eq_ignore_ascii_case(b".weak")
        {
            for name in rest.split(|&b| b == b',') {
                let name = name.trim_ascii();
                if !name.is_empty() {
                    out.globals.insert(name.to_vec());
                }
            }
            return;
        }
        let Some(first) = target_operand(word) else { return };
        let operands: Vec<(usize, &[u8])> = {
            let mut v = Vec::new();
            let mut off = i;
            for op in rest.split(|&b| b == b',') {
                v.push((off, op));
                off += op.len() + 1;
            }
            v
        };
        let Some(&(off, op)) = (if first { operands.first() } else { operands.last() }) else { return };
        let lead = op.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let s = off + lead;
        let mut e = s;
        if let Some((gs, ge)) = go_symbol(stmt, s) {
            // Go assembly: `CALL ·f(SB)`, `JMP pkg·f<ABIInternal>(SB)`.
            out.calls.push((at + gs, at + ge));
            return;
        }
        if !stmt.get(s).copied().is_some_and(is_sym_start) {
            return;
        }
        while stmt.get(e).copied().is_some_and(is_sym) {
            e += 1;
        }
        let name = stmt.get(s..e).unwrap_or_default();
        // Local labels (`.Lx`), and registers written bare (`blx r3`, `jr ra`: no symbol).
        if name.starts_with(b".L") || name.starts_with(b"$") || is_register(name) {
            return;
        }
        out.calls.push((at + s, at + e));
        return;
    }
}

/// A Go assembly symbol operand at `from` (blanks first): `·name(SB)`, `pkg·name(SB)`,
/// `a∕b·name<ABIInternal>(SB)`, `·name+8(SB)`, a method `·(*T).name(SB)`, or a name without `·`
/// (`_rt0_amd64(SB)`). Returns the function's name (after the last `·` and `.`), or `None` when the
/// operand is not one (no `(SB)`).
fn go_symbol(stmt: &[u8], from: usize) -> Option<(usize, usize)> {
    const DOT: &[u8] = "\u{b7}".as_bytes();
    let s = from + stmt.get(from..)?.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let operand = stmt.get(s..)?;
    let operand = operand.split(|&b| b == b',').next().unwrap_or_default();
    let sb = memchr::memmem::find(operand, b"(SB)")?;
    let symbol = operand.get(..sb)?;
    // The name ends at an offset (`+8`) or an ABI selector (`<ABIInternal>`).
    let symbol = symbol.split(|&b| b == b'+' || b == b'<').next().unwrap_or_default();
    let mut name_from = memchr::memmem::rfind(symbol, DOT).map_or(0, |k| k + DOT.len());
    // A method: `·(*T).m`, `·T.m`.
    if let Some(dot) = memchr::memrchr(b'.', symbol.get(name_from..)?) {
        name_from += dot + 1;
    }
    let name = symbol.get(name_from..)?;
    let ident = |c: char| c == '_' || c.is_alphanumeric();
    let text = std::str::from_utf8(name).ok()?;
    if text.is_empty() || text.starts_with(|c: char| c.is_ascii_digit()) || !text.chars().all(ident) {
        return None;
    }
    Some((s + name_from, s + name_from + name.len()))
}

/// `.set name, target`: recorded when both are symbols (not `.set X, 0x10` or an expression).
fn set_statement(stmt: &[u8], at: usize, word_start: usize, i: usize, out: &mut Scanned) {
    let rest = stmt.get(i..).unwrap_or_default();
    let Some(comma) = memchr::memchr(b',', rest) else { return };
    let sym = |from: usize, to: usize| -> Option<(usize, usize)> {
        let part = stmt.get(from..to)?;
        let lead = part.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let s = from + lead;
        let mut e = s;
        if !stmt.get(s).copied().is_some_and(is_sym_start) {
            return None;
        }
        while e < to && stmt.get(e).copied().is_some_and(is_sym) {
            e += 1;
        }
        stmt.get(e..to)?.iter().all(u8::is_ascii_whitespace).then_some((s, e))
    };
    let Some((ns, ne)) = sym(i, i + comma) else { return };
    let Some((ts, te)) = sym(i + comma + 1, stmt.len()) else { return };
    if stmt.get(ts..te).is_some_and(|t| t.starts_with(b".L") || t == b".") {
        return;
    }
    let end = stmt.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(stmt.len(), |p| p + 1);
    out.sets.push([at + word_start, at + ns, at + ne, at + ts, at + te, at + end]);
}

/// The definitions and calls of an assembly piece, added to `fs` and `refs` in the file's coordinates:
/// `text` is the assembly and `map(i)` the file offset of its byte `i` (the identity for a `.S` file;
/// into the string literals for an `asm("…")`). `end` is where the piece ends in the file; calls before
/// any global label are made by `outer` (the C function holding an inline `asm`).
fn add_piece(
    text: &[u8],
    map: &dyn Fn(usize) -> u32,
    end: u32,
    outer: Option<u32>,
    lines: &Lines,
    fs: &mut FileSymbols,
    refs: &mut Vec<RawRef>,
) {
    let s = scan(text);
    // (start in text, definition index)
    let mut defs: Vec<(usize, u32)> = Vec::new();
    let globals: Vec<(usize, usize, LabelKind)> = s
        .labels
        .iter()
        .filter(|(a, b, kind)| {
            *kind != LabelKind::Plain || text.get(*a..*b).is_some_and(|n| s.globals.contains(n))
        })
        .map(|&(a, b, kind)| (a, b, kind))
        .collect();
    for (k, &(a, b, kind)) in globals.iter().enumerate() {
        let name = String::from_utf8_lossy(text.get(a..b).unwrap_or_default()).into_owned();
        let start = map(a);
        let stop = globals.get(k + 1).map_or(end, |&(next, _, _)| map(next)).max(start);
        let name_end = map(b.saturating_sub(1)) + 1;
        defs.push((a, fs.definitions.len() as u32));
        fs.definitions.push(Symbol {
            name,
            kind: if kind == LabelKind::GoText { SymbolKind::Function } else { SymbolKind::Label },
            scope: String::new(),
            range: lines.range(start, stop),
            name_range: lines.range(start, name_end),
            parent: None,
            via_macro: None,
            defined_by: None,
        });
    }
    // `.globl name` + `.set name, target`: `name` is the target's code under another name.
    for &[st, ns, ne, ts, te, se] in &s.sets {
        let name = text.get(ns..ne).unwrap_or_default();
        if !s.globals.contains(name) {
            continue;
        }
        let written = String::from_utf8_lossy(text.get(st..se).unwrap_or_default()).into_owned();
        let (start, stop) = (map(st), map(se.saturating_sub(1)) + 1);
        let index = fs.definitions.len() as u32;
        fs.definitions.push(Symbol {
            name: String::from_utf8_lossy(name).into_owned(),
            kind: SymbolKind::Label,
            scope: String::new(),
            range: lines.range(start, stop),
            name_range: lines.range(map(ns), map(ne.saturating_sub(1)) + 1),
            parent: None,
            via_macro: None,
            defined_by: Some(written),
        });
        let t = map(ts);
        refs.push(RawRef {
            start: t,
            end: map(te.saturating_sub(1)) + 1,
            kind: RefKind::Call,
            at: lines.point(t),
            enclosing: Some(index),
            owned: Some(String::from_utf8_lossy(text.get(ts..te).unwrap_or_default()).into()),
        });
    }
    for &(a, b) in &s.calls {
        let name = text.get(a..b).unwrap_or_default();
        let start = map(a);
        let end = map(b.saturating_sub(1)) + 1;
        let enclosing = match defs.partition_point(|&(d, _)| d <= a) {
            0 => outer,
            n => defs.get(n - 1).map(|&(_, i)| i),
        };
        refs.push(RawRef {
            start,
            end,
            kind: RefKind::Call,
            at: lines.point(start),
            enclosing,
            owned: Some(String::from_utf8_lossy(name).into()),
        });
    }
}

/// The definitions of an assembly file (`.S`, `.s`, Go assembly), for its outline: its global labels
/// and Go `TEXT` symbols (no grammar reads it; the symbol index reads it the same way).
pub fn assembly_definitions(source: &[u8]) -> FileSymbols {
    extract_assembly(source, false).0
}

/// The symbols of an assembly file (`.S`, `.s`): its global labels and its calls.
pub(crate) fn extract_assembly(source: &[u8], references: bool) -> (FileSymbols, Vec<RawRef>) {
    let mut fs = FileSymbols::default();
    let mut refs = Vec::new();
    let lines = Lines::of(source);
    // Preprocessor lines (`#include`, `#define`) are not assembly: blanked, same length.
    let mut text = source.to_vec();
    let mut at = 0usize;
    for line in source.split(|&b| b == b'\n') {
        if line.trim_ascii_start().first() == Some(&b'#')
            && let Some(l) = text.get_mut(at..at + line.len())
        {
            l.fill(b' ');
        }
        at += line.len() + 1;
    }
    add_piece(&text, &|i| i as u32, source.len() as u32, None, &lines, &mut fs, &mut refs);
    if !references {
        refs.clear();
    }
    (fs, refs)
}

/// Adds to a C or C++ file's symbols what its `asm` statements and binding attributes define and call.
pub(crate) fn augment_c(lang: Language, source: &[u8], fs: &mut FileSymbols, refs: Option<&mut Vec<RawRef>>) {
    if !matches!(lang, Language::C | Language::Cpp) {
        return;
    }
    let has_asm = may_hold_asm_statement(source);
    let has_attr =
        ["alias", "weakref", "ifunc"].iter().any(|w| memchr::memmem::find(source, w.as_bytes()).is_some());
    if !has_asm && !has_attr {
        return;
    }
    let lines = Lines::of(source);
    let mut local = Vec::new();
    let refs = match refs {
        Some(r) => r,
        None => &mut local,
    };
    if has_attr {
        bind_attributes(source, &lines, fs, refs);
    }
    if has_asm {
        for (pieces, end) in asm_statements(source) {
            let mut text = Vec::new();
            let mut offsets: Vec<u32> = Vec::new();
            let mut prev: Option<usize> = None;
            for (s, e) in pieces {
                // Literals apart (macro arguments: `ALTERNATIVE("call a", "call b", …)`) are separate
                // lines; only literals with nothing but blanks between them are one string.
                let between = prev.and_then(|p| source.get(p..s)).unwrap_or_default();
                if !between.iter().all(u8::is_ascii_whitespace) {
                    text.push(b'\n');
                    offsets.push(s as u32);
                }
                decode_literal(source, s, e, &mut text, &mut offsets);
                prev = Some(e);
            }
            if text.is_empty() {
                continue;
            }
            let first = offsets.first().copied().unwrap_or(0);
            let outer = fs.enclosing_definition(first);
            let last = offsets.last().copied().unwrap_or(0);
            let map = |i: usize| offsets.get(i).copied().unwrap_or(last);
            add_piece(&text, &map, end, outer, &lines, fs, refs);
        }
    }
    refs.sort_by_key(|r| r.start);
}

/// Declarations bound to other code by `alias("x")`, `weakref("x")` or `ifunc("r")` become definitions,
/// and call the symbol named.
fn bind_attributes(source: &[u8], lines: &Lines, fs: &mut FileSymbols, refs: &mut Vec<RawRef>) {
    let mut kept = Vec::with_capacity(fs.declarations.len());
    for mut d in std::mem::take(&mut fs.declarations) {
        let text = source.get(d.range.start_byte as usize..d.range.end_byte as usize).unwrap_or_default();
        // Comments are blanks to GCC, inside an attribute too.
        let Some((attr, lit_start, lit_end)) =
            binding_attribute(&vitrine_snapshot::lexis::c_comments_blanked(text))
        else {
            kept.push(d);
            continue;
        };
        let base = d.range.start_byte as usize;
        let (s, e) = ((base + lit_start) as u32, (base + lit_end) as u32);
        let target = String::from_utf8_lossy(text.get(lit_start..lit_end).unwrap_or_default()).into_owned();
        d.defined_by = Some(format!("{attr}(\"{target}\")"));
        let index = fs.definitions.len() as u32;
        fs.definitions.push(d);
        if !target.is_empty() {
            refs.push(RawRef {
                start: s,
                end: e,
                kind: RefKind::Call,
                at: lines.point(s),
                enclosing: Some(index),
                owned: None,
            });
        }
    }
    fs.declarations = kept;
}

/// The first binding attribute of a declaration's text: (`alias`, `weakref` or `ifunc`, start and end of
/// the name inside the quotes).
fn binding_attribute(text: &[u8]) -> Option<(&'static str, usize, usize)> {
    let mut from = 0usize;
    while let Some(n) = memchr::memchr3(b'a', b'w', b'i', text.get(from..)?) {
        let at = from + n;
        from = at + 1;
        if at > 0 && text.get(at - 1).copied().is_some_and(|b| b.is_ascii_alphanumeric()) {
            continue;
        }
        for (word, shown) in [
            ("alias__", "alias"),
            ("alias", "alias"),
            ("weakref__", "weakref"),
            ("weakref", "weakref"),
            ("ifunc__", "ifunc"),
            ("ifunc", "ifunc"),
        ] {
            if !text.get(at..).is_some_and(|t| t.starts_with(word.as_bytes())) {
                continue;
            }
            let mut i = at + word.len();
            if text.get(i).copied().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') {
                continue;
            }
            while text.get(i).is_some_and(u8::is_ascii_whitespace) {
                i += 1;
            }
            if text.get(i) != Some(&b'(') {
                continue;
            }
            i += 1;
            while text.get(i).is_some_and(u8::is_ascii_whitespace) {
                i += 1;
            }
            if text.get(i) != Some(&b'"') {
                continue;
            }
            let s = i + 1;
            let e = s + memchr::memchr(b'"', text.get(s..)?)?;
            return Some((shown, s, e));
        }
    }
    None
}

/// The `asm`/`__asm`/`__asm__` statements of a C text, outside comments and literals: the spans of their
/// template's string literals (before the first `:`) and where each statement ends.
/// Whether `source` holds the word `asm`, `__asm` or `__asm__` followed (after blanks and comments) by `(` or a word,
/// as [`asm_statements`] needs: not `#include <asm/io.h>`, which nearly every Linux file has.
fn may_hold_asm_statement(source: &[u8]) -> bool {
    let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    memchr::memmem::find_iter(source, b"asm").any(|at| {
        let start = if at >= 2 && source.get(at - 2..at) == Some(b"__") { at - 2 } else { at };
        let end = if source.get(at + 3..at + 5) == Some(b"__") { at + 5 } else { at + 3 };
        if start.checked_sub(1).and_then(|k| source.get(k)).is_some_and(word)
            || source.get(end).is_some_and(word)
        {
            return false;
        }
        source
            .get(vitrine_snapshot::lexis::blanks_end(source, end, false))
            .is_some_and(|b| *b == b'(' || word(b))
    })
}

fn asm_statements(source: &[u8]) -> Vec<(Vec<(usize, usize)>, u32)> {
    let mut out = Vec::new();
    let mut i = 0usize;
    while i < source.len() {
        let b = source[i];
        match b {
            b'/' if source.get(i + 1) == Some(&b'/') => {
                i = memchr::memchr(b'\n', &source[i..]).map_or(source.len(), |n| i + n);
            }
            b'/' if source.get(i + 1) == Some(&b'*') => {
                i = memchr::memmem::find(&source[i + 2..], b"*/").map_or(source.len(), |n| i + 2 + n + 2);
            }
            b'"' | b'\'' if !vitrine_snapshot::lexis::c_quote_in_number(source, i) => {
                i = literal_end(source, i)
            }
            _ if b.is_ascii_alphabetic() || b == b'_' => {
                let s = i;
                while source.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
                    i += 1;
                }
                let word = &source[s..i];
                if matches!(word, b"asm" | b"__asm" | b"__asm__")
                    && let Some(found) = asm_operands(source, i)
                {
                    i = found.1 as usize;
                    out.push(found);
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// Past a `"…"` or `'…'` literal opening at `at`.
fn literal_end(source: &[u8], at: usize) -> usize {
    vitrine_snapshot::lexis::quoted_end(source, at + 1, source.get(at).copied().unwrap_or(b'"'))
}

/// After the `asm` keyword at `from`: qualifiers, `(`, the template's literals up to `:` or the closing
/// `)`.
fn asm_operands(source: &[u8], mut i: usize) -> Option<(Vec<(usize, usize)>, u32)> {
    loop {
        i = vitrine_snapshot::lexis::blanks_end(source, i, false);
        let s = i;
        while source.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
            i += 1;
        }
        match source.get(s..i)? {
            b"" => break,
            b"volatile" | b"__volatile__" | b"__volatile" | b"goto" | b"inline" => {}
            _ => return None,
        }
    }
    if source.get(i) != Some(&b'(') {
        return None;
    }
    i += 1;
    let mut pieces = Vec::new();
    let mut depth = 0usize;
    let mut template = true;
    while let Some(&c) = source.get(i) {
        match c {
            b'"' => {
                let e = literal_end(source, i);
                if template {
                    pieces.push((i, e));
                }
                i = e;
                continue;
            }
            b'(' => depth += 1,
            b')' if depth == 0 => return Some((pieces, i as u32 + 1)),
            b')' => depth -= 1,
            b':' if depth == 0 => template = false,
            b';' | b'{' | b'}' => return Some((pieces, i as u32)),
            _ => {}
        }
        i += 1;
    }
    Some((pieces, source.len() as u32))
}

/// Appends the content of the literal `source[s..e]` (quotes included) to `text`, with the file offset
/// of each byte in `offsets`. Escapes are decoded (`\n`, `\t`, `\\`, `\"`, octal, `\x`).
fn decode_literal(source: &[u8], s: usize, e: usize, text: &mut Vec<u8>, offsets: &mut Vec<u32>) {
    let body_end = if e > s + 1 && source.get(e - 1) == Some(&b'"') { e - 1 } else { e };
    let mut i = s + 1;
    while i < body_end {
        let c = source[i];
        if c != b'\\' {
            text.push(c);
            offsets.push(i as u32);
            i += 1;
            continue;
        }
        let at = i as u32;
        let next = source.get(i + 1).copied().unwrap_or(b'\\');
        i += 2;
        let decoded = match next {
            b'n' => b'\n',
            b't' => b'\t',
            b'r' => b'\r',
            b'0'..=b'7' => {
                let mut v = u32::from(next - b'0');
                while i < body_end && (b'0'..=b'7').contains(&source[i]) && v < 32 {
                    v = v * 8 + u32::from(source[i] - b'0');
                    i += 1;
                }
                v as u8
            }
            b'x' => {
                let mut v = 0u32;
                while i < body_end && source[i].is_ascii_hexdigit() {
                    v = (v * 16 + (source[i] as char).to_digit(16).unwrap_or(0)) & 0xff;
                    i += 1;
                }
                v as u8
            }
            other => other,
        };
        text.push(decoded);
        offsets.push(at);
    }
    // Adjacent literals are one string; a line break between them is none.
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(fs: &FileSymbols) -> Vec<(String, SymbolKind, u32)> {
        fs.definitions.iter().map(|d| (d.name.clone(), d.kind, d.name_range.start.line + 1)).collect()
    }

    fn calls(refs: &[RawRef], fs: &FileSymbols) -> Vec<(String, u32, Option<String>)> {
        refs.iter()
            .filter(|r| r.kind == RefKind::Call)
            .map(|r| {
                let by = r.enclosing.and_then(|e| fs.definitions.get(e as usize)).map(|d| d.name.clone());
                (r.owned.as_deref().unwrap_or_default().to_string(), r.at.line + 1, by)
            })
            .collect()
    }

    #[test]
    fn global_labels_define_and_branches_call() {
        let src = b"#include <linkage.h>\n/* a comment: call nowhere */\n\t.globl check_license, other\ncheck_license: mov $1, %eax # jmp not_me\n\tcall grant_root@PLT\n\tjne fail_path\nlocal: jmp *%rax\n\tjmp .Lout\n1:\tb.eq 1f\nSYM_FUNC_START(kernel_entry)\n\tbl do_thing\n\tcbz x0, bail\nSYM_FUNC_END(kernel_entry)\n";
        let (fs, refs) = extract_assembly(src, true);
        assert_eq!(
            names(&fs),
            [
                ("check_license".to_string(), SymbolKind::Label, 4),
                ("kernel_entry".into(), SymbolKind::Label, 10)
            ]
        );
        assert_eq!(
            calls(&refs, &fs),
            [
                ("grant_root".to_string(), 5, Some("check_license".to_string())),
                ("fail_path".into(), 6, Some("check_license".into())),
                ("do_thing".into(), 11, Some("kernel_entry".into())),
                ("bail".into(), 12, Some("kernel_entry".into())),
            ]
        );
    }

    /// f15 (round 25): Go assembly (Plan 9 syntax). `TEXT ·name(SB)` (or `pkg·name`, a path with `∕`,
    /// an ABI suffix `<ABIInternal>`) defines `name`: the body of a Go function declared without one;
    /// `CALL`/`JMP`/`BL`/`B` to `·f(SB)` or `pkg·f(SB)` call `f`. A data symbol (`DATA`/`GLOBL`) and a
    /// branch to a label or a register are not calls.
    #[test]
    fn go_assembly_text_symbols_define_and_calls_call() {
        let src = "#include \"textflag.h\"\n\n// func checkPassword(user, pw string) bool\nTEXT \u{b7}checkPassword(SB), NOSPLIT, $0-33\n\tMOVB $1, ret+32(FP)\n\tCALL runtime\u{b7}grantRoot(SB)\n\tJMP  \u{b7}helper<ABIInternal>(SB)\n\tRET\n\nTEXT crypto\u{2215}auth\u{b7}verify<ABIInternal>(SB),NOSPLIT,$0\n\tBL \u{b7}other+0(SB)\n\tB loop\n\tJMP (R1)\n\tRET\nTEXT \u{b7}(*Checker).allow(SB), NOSPLIT, $0\n\tRET\nDATA \u{b7}table+0(SB)/8, $0\nGLOBL \u{b7}table(SB), RODATA, $8\n";
        let (fs, refs) = extract_assembly(src.as_bytes(), true);
        assert_eq!(
            names(&fs),
            [
                ("checkPassword".to_string(), SymbolKind::Function, 4),
                ("verify".into(), SymbolKind::Function, 10),
                ("allow".into(), SymbolKind::Function, 15)
            ]
        );
        let d = &fs.definitions[0];
        assert_eq!(&src[d.name_range.start_byte as usize..d.name_range.end_byte as usize], "checkPassword");
        assert_eq!(
            calls(&refs, &fs),
            [
                ("grantRoot".to_string(), 6, Some("checkPassword".to_string())),
                ("helper".into(), 7, Some("checkPassword".into())),
                ("other".into(), 11, Some("verify".into())),
                ("loop".into(), 12, Some("verify".into())),
            ]
        );
    }

    /// GCC reads a comment as a blank anywhere between `asm`, its qualifiers and `(`: a statement written
    /// so still defines and calls.
    #[test]
    fn comments_between_asm_and_its_operands_hide_nothing() {
        for (i, src) in [
            "asm/**/(\".globl hidden\\nhidden:\\n\\tjmp target\");\n",
            "__asm__ /* a */ __volatile__ // b\n (\".globl hidden\\nhidden:\\n\\tjmp target\");\n",
            "__asm/*\n*/(\".globl hidden\\nhidden:\\n\\tjmp target\");\n",
        ]
        .into_iter()
        .enumerate()
        {
            let (fs, refs) = crate::symbols::extract_raw(Language::C, src.as_bytes(), &Default::default());
            assert!(names(&fs).iter().any(|(name, ..)| name == "hidden"), "{i}: {src:?}: {:?}", names(&fs));
            assert!(calls(&refs, &fs).iter().any(|(name, ..)| name == "target"), "{i}: {src:?}");
        }
    }

    #[test]
    fn the_quick_look_for_asm_passes_over_no_statement() {
        for text in [
            "asm(\"nop\");",
            "__asm__ __volatile__ (\"nop\");",
            "__asm volatile(\"x\");",
            "x = 1; asm\n(\"nop\");",
            "asm goto (\"jmp %l0\" :::: l);",
            "#include <asm/io.h>\n#include <asm-generic/x.h>\nint basm; int asmx(void);",
            "int chasm = 0; /* asm */ ___asm(\"no\");",
        ] {
            let found = !asm_statements(text.as_bytes()).is_empty();
            assert!(!found || may_hold_asm_statement(text.as_bytes()), "{text:?}");
        }
        assert!(!may_hold_asm_statement(b"#include <asm/io.h>\n#include <asm-generic/x.h>\nint basm;\n"));
    }

    #[test]
    fn asm_statements_in_c_and_binding_attributes() {
        let src = "int grant_root(int);\nint f(void);\n/* asm(\".globl no\\nno:\") */\n__asm__(\".globl check_token\\n\\t.type check_token,@function\\n\"\n        \"check_token:\\n\\txor %edi,%edi\\n\\tjmp grant_root\\n\");\nint g(void) { asm volatile(\"call helper\" ::: \"memory\"); return 0; }\nint pw(int) __attribute__((weak, alias(\"impl\")));\nasm(ALT(\"call one\", \"call two\"));\n";
        let lang = Language::C;
        let (mut fs, mut refs) = crate::symbols::extract_raw(lang, src.as_bytes(), &Default::default());
        // (extract_raw has augmented already: check the result)
        let n = names(&fs);
        assert!(n.contains(&("check_token".to_string(), SymbolKind::Label, 5)), "{n:?}");
        assert!(!n.iter().any(|(name, ..)| name == "no"), "{n:?}");
        let pw = fs.definitions.iter().find(|d| d.name == "pw").expect("pw is a definition");
        assert_eq!(pw.defined_by.as_deref(), Some("alias(\"impl\")"));
        assert!(!fs.declarations.iter().any(|d| d.name == "pw"));
        let c = calls(&refs, &fs);
        let named = |r: &RawRef| r.name(src.as_bytes()).to_string();
        let all: Vec<(String, Option<String>)> = refs
            .iter()
            .filter(|r| r.kind == RefKind::Call)
            .map(|r| {
                (named(r), r.enclosing.and_then(|e| fs.definitions.get(e as usize)).map(|d| d.name.clone()))
            })
            .collect();
        assert!(all.contains(&("grant_root".into(), Some("check_token".into()))), "{all:?} {c:?}");
        assert!(all.contains(&("helper".into(), Some("g".into()))), "{all:?}");
        assert!(all.contains(&("impl".into(), Some("pw".into()))), "{all:?}");
        // Literals that are separate macro arguments are separate statements.
        assert!(all.contains(&("one".into(), None)) && all.contains(&("two".into(), None)), "{all:?}");
        fs.definitions.clear();
        refs.clear();
    }
}
