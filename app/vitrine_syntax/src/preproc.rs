//! What the grammar should not see of a C or C++ file, found lexically before parsing: preprocessor
//! branches it cannot read together, statement-like macro invocations, and template blocks.
//!
//! tree-sitter reads `#if` chains as syntax, which holds only when each branch is a complete
//! construct. When the branches of one chain each open or close a brace or a parenthesis
//! (`#ifdef FIPS` / `if (a) {` / `#else` / `if (b) {` / `#endif`), or each write the signature of
//! the body that follows (`#ifdef X` / `void f(int a)` / `#else` / `void g(int a)` / `#endif` /
//! `{`), the parse loses the function around them. Such a chain is resolved as universal-ctags
//! does: its first branch is parsed as plain code and the others are kept as text. Branches whose
//! condition is known are resolved by it: `#if 0`, `#if 1`, and `__cplusplus` (never defined in C,
//! always in C++).
//!
//! A macro invocation written as a statement, with no `;` (`IMPLEMENT_ASN1_FUNCTIONS(X509)` at file
//! level, `X(NO_ERROR)` in an X-macro `switch`), runs the grammar into the next definition; it is
//! kept as text too. So are OpenSSL's template blocks `{- perl -}` in `*.h.in` and `*.c.in`.
//!
//! "Kept as text" means blanked in a copy of the source of the same length (newlines kept, so every
//! offset, line and column is the file's), with the identifiers of the blanked code read lexically
//! as references. The ranges of the branches left out are reported (`inactive_ranges`) so the code
//! view can dim them.

use std::ops::Range;

use serde::Serialize;

use crate::lang::Language;
use crate::skim::{BLANK, HIGH, WORD, is_class, run_end};

/// Why a range of a file is left out of the parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Inactive {
    /// A branch whose condition is known false: `#if 0`, the `#else` of `#if 1`, `#ifdef
    /// __cplusplus` in C, `#ifndef __cplusplus` in C++.
    Disabled,
    /// A branch of a chain whose branches cannot be parsed together; the chain's first branch is
    /// parsed and this one is kept as text.
    Alternative,
    /// A template block (`{- ... -}`) of a `*.in` file.
    Template,
}

/// A range of a file that navigation leaves out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InactiveRange {
    /// 0-based lines, end exclusive: from the line of the branch's directive (`#else`, `#if 0`) to
    /// the line of the directive that ends it.
    pub lines: Range<u32>,
    /// File offsets, end exclusive.
    pub bytes: Range<u32>,
    /// Why the range is left out.
    pub why: Inactive,
}

/// A C or C++ source prepared for the grammar.
pub(crate) struct Prepared {
    /// The file with the left-out code blanked: same length, newlines kept.
    pub source: Vec<u8>,
    /// Blanked code whose identifiers are references: (file range, line of its start).
    pub text: Vec<(Range<u32>, u32)>,
    pub inactive: Vec<InactiveRange>,
}

/// The ranges of a C or C++ file left out of the parse (empty for other languages), in file order,
/// for a file of unknown name: `__cplusplus` is then decided by nothing ([`inactive_ranges_at`]).
pub fn inactive_ranges(lang: Language, source: &[u8]) -> Vec<InactiveRange> {
    inactive_ranges_with(lang, source, None)
}

/// [`inactive_ranges`] of the file at `path`, whose name may decide `__cplusplus` ([`cplusplus_by_name`]).
pub fn inactive_ranges_at(path: &str, lang: Language, source: &[u8]) -> Vec<InactiveRange> {
    inactive_ranges_with(lang, source, cplusplus_by_name(path))
}

fn inactive_ranges_with(lang: Language, source: &[u8], cplusplus: Option<bool>) -> Vec<InactiveRange> {
    // Read as the symbol pipeline reads it (`%:else`, `#en\` + newline + `dif`: see `disguise`).
    let normalized = crate::symbols::as_compiled(lang, source);
    prepare(lang, normalized.as_deref().unwrap_or(source), cplusplus).map(|p| p.inactive).unwrap_or_default()
}

/// Whether `__cplusplus` is defined when the file at `path` is compiled, when its name decides it:
/// `Some(false)` for a C source (`.c`), `Some(true)` for a C++ source or header (`.cpp`, `.hpp`, …),
/// `None` for everything else. A `.h` (or `.inc`, or a file included as code) is compiled in each of its
/// includers' languages, and a header that guards `extern "C"` by `#ifdef __cplusplus` says itself that
/// C++ files include it: its text (C++ markers, a `-*- C -*-` modeline) does not tell which, so both
/// branches are read (`def` lists the C++ body beside the C one; neither is dimmed). Deciding it by the
/// guessed language hid the body g++ compiled in a header only a `.cpp` included.
pub fn cplusplus_by_name(path: &str) -> Option<bool> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let name = crate::lang::guest_name(name).unwrap_or(name);
    let (_, ext) = name.rsplit_once('.')?;
    if ext.eq_ignore_ascii_case("h") {
        return None;
    }
    match vitrine_snapshot::includes::c_family(name.as_bytes())? {
        vitrine_snapshot::includes::CFamily::C => Some(false),
        vitrine_snapshot::includes::CFamily::Cpp => Some(true),
    }
}

/// `None` when nothing needs to be left out (or the file is not C or C++). `cplusplus`: whether
/// `__cplusplus` is defined, when known ([`cplusplus_by_name`]).
pub(crate) fn prepare(lang: Language, source: &[u8], cplusplus: Option<bool>) -> Option<Prepared> {
    if !matches!(lang, Language::C | Language::Cpp) || u32::try_from(source.len()).is_err() {
        return None;
    }
    let toks = &mut lex(source, cplusplus);
    let mut plan = Plan::default();
    resolve_conditionals(toks, &mut plan)?;
    // One pass: what is blanked besides the branches, and the list compacted in place to the code
    // the grammar reads.
    toks.retain(|t| {
        match t.kind {
            Kind::Asm => plan.blank.push(t.start..t.end),
            Kind::Directive(_) if t.end_line > t.line => {
                directive_comments(source, t.start as usize, t.end as usize, &mut plan.blank);
            }
            Kind::Template => {
                plan.blank.push(t.start..t.end);
                plan.inactive.push(InactiveRange {
                    lines: t.line..t.end_line + 1,
                    bytes: t.start..t.end,
                    why: Inactive::Template,
                });
            }
            _ => {}
        }
        !matches!(t.kind, Kind::Directive(_) | Kind::Dead | Kind::Template | Kind::Asm)
    });
    statement_macros(source, toks, &mut plan);
    if plan.blank.is_empty() {
        return None;
    }
    let mut out = source.to_vec();
    for r in &plan.blank {
        if let Some(bytes) = out.get_mut(r.start as usize..r.end as usize) {
            for b in bytes.iter_mut().filter(|b| **b != b'\n') {
                *b = b' ';
            }
        }
    }
    plan.inactive.sort_by_key(|r| r.bytes.start);
    plan.text.sort_by_key(|(r, _)| r.start);
    Some(Prepared { source: out, text: plan.text, inactive: plan.inactive })
}

#[derive(Default)]
struct Plan {
    blank: Vec<Range<u32>>,
    text: Vec<(Range<u32>, u32)>,
    inactive: Vec<InactiveRange>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    /// One byte of punctuation (the byte is the token's text).
    Punct,
    Literal,
    /// A preprocessor line (with its continuations).
    Directive(Dir),
    Template,
    /// The inside of an assembly block (`__asm { ... }`).
    Asm,
    /// A token of a branch left out (no longer part of the code).
    Dead,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dir {
    If(Cond),
    Elif(Cond),
    Else,
    Endif,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cond {
    True,
    False,
    Unknown,
}

#[derive(Debug, Clone, Copy)]
struct Tok {
    kind: Kind,
    /// The token's first byte (a punctuation token's text).
    byte: u8,
    start: u32,
    end: u32,
    line: u32,
    /// Line of the token's last byte (directives and literals may span lines).
    end_line: u32,
}

/// The tokens of a C or C++ file that matter here: words, punctuation, literals, directives and
/// template blocks; comments and blanks are skipped.
fn lex(s: &[u8], cpp: Option<bool>) -> Vec<Tok> {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut toks = Vec::with_capacity(s.len() / 6);
    let (mut i, mut line) = (0usize, 0u32);
    let mut bol = true;
    // Once no `-}` follows some offset, none follows any later one.
    let mut template_ends = true;
    // Likewise for the `}` that closes an `__asm {` block.
    let mut asm_ends = true;
    let count_lines = |from: usize, to: usize| {
        memchr::memchr_iter(b'\n', s.get(from..to).unwrap_or_default()).count() as u32
    };
    while i < s.len() {
        let c = at(i);
        match c {
            b'\n' => {
                i += 1;
                line += 1;
                bol = true;
                continue;
            }
            b' ' | b'\t' | b'\r' | 0x0b | 0x0c => {
                i = run_end(s, i, s.len(), BLANK);
                continue;
            }
            b'\\' if at(i + 1) == b'\n' => {
                i += 2;
                line += 1;
                continue;
            }
            b'/' if at(i + 1) == b'/' => {
                i = line_comment_end(s, i);
                continue;
            }
            b'/' if at(i + 1) == b'*' => {
                let end = block_comment_end(s, i);
                line += count_lines(i, end);
                i = end;
                continue;
            }
            _ => {}
        }
        let first_on_line = bol;
        bol = false;
        let start = i;
        let kind = if c == b'#' && first_on_line {
            let (dir, end) = directive(s, i, cpp);
            i = end;
            Kind::Directive(dir)
        } else if c == b'{' && at(i + 1) == b'-' && first_on_line && template_ends {
            match memchr::memmem::find(s.get(i + 2..).unwrap_or_default(), b"-}") {
                Some(k) => {
                    i += 2 + k + 2;
                    Kind::Template
                }
                None => {
                    template_ends = false;
                    i += 1;
                    Kind::Punct
                }
            }
        } else if c == b'"' || (c == b'\'' && !vitrine_snapshot::lexis::c_quote_in_number(s, i)) {
            i = crate::skim::literal_end(s, i, s.len()).min(s.len());
            Kind::Literal
        } else if is_class(c, WORD | HIGH) {
            i = run_end(s, i, s.len(), WORD | HIGH);
            Kind::Word
        } else {
            i += 1;
            Kind::Punct
        };
        let end_line =
            line + if matches!(kind, Kind::Word | Kind::Punct) { 0 } else { count_lines(start, i) };
        toks.push(Tok { kind, byte: c, start: start as u32, end: i as u32, line, end_line });
        line = end_line;
        // `__asm { mov eax, 1 ; comment }` (MSVC) holds assembly, not C: its inside is text.
        if matches!(kind, Kind::Word) && matches!(s.get(start..i), Some(b"__asm" | b"_asm" | b"asm")) {
            let open =
                i + s.get(i..).unwrap_or_default().iter().take_while(|b| b.is_ascii_whitespace()).count();
            let close = if at(open) == b'{' && asm_ends {
                memchr::memchr(b'}', s.get(open..).unwrap_or_default())
            } else {
                None
            };
            asm_ends &= at(open) != b'{' || close.is_some();
            if let Some(k) = close {
                line += count_lines(i, open);
                toks.push(Tok {
                    kind: Kind::Punct,
                    byte: b'{',
                    start: open as u32,
                    end: open as u32 + 1,
                    line,
                    end_line: line,
                });
                let close = open + k;
                let inner_end_line = line + count_lines(open, close);
                toks.push(Tok {
                    kind: Kind::Asm,
                    byte: 0,
                    start: open as u32 + 1,
                    end: close as u32,
                    line,
                    end_line: inner_end_line,
                });
                line = inner_end_line;
                i = close;
                bol = false;
            }
        }
    }
    toks
}

/// Just past a `//` comment (a backslash before the newline continues it), at its newline.
fn line_comment_end(s: &[u8], mut i: usize) -> usize {
    while i < s.len() {
        match s.get(i) {
            Some(b'\n') if i == 0 || s.get(i - 1) != Some(&b'\\') => return i,
            _ => i += 1,
        }
    }
    i
}

/// The block comments inside a directive continued over several lines, each within one line.
/// tree-sitter ends a directive's text at a comment, so a `#define` whose lines are separated by
/// `/* … */ \` lost the rest of its body, which the grammar then read as file-level code (a
/// macro that writes functions gave fake definitions of half-pasted names). Blanked, the comments
/// keep the directive whole; one spanning lines is kept (blanking it would end the directive).
fn directive_comments(s: &[u8], start: usize, end: usize, out: &mut Vec<Range<u32>>) {
    let mut i = start;
    while i < end {
        match (s.get(i), s.get(i + 1)) {
            (Some(b'"' | b'\''), _) if !vitrine_snapshot::lexis::c_quote_in_number(s, i) => {
                i = crate::skim::literal_end(s, i, end).max(i + 1)
            }
            (Some(b'/'), Some(b'*')) => {
                let e = block_comment_end(s, i).min(end);
                if !s.get(i..e).unwrap_or_default().contains(&b'\n') {
                    out.push(i as u32..e as u32);
                }
                i = e;
            }
            // A `//` comment runs to the directive's end (a continuation continues it).
            (Some(b'/'), Some(b'/')) => return,
            _ => i += 1,
        }
    }
}

/// Just past the `*/` of the block comment that opens at `i` (or the end of the file).
fn block_comment_end(s: &[u8], i: usize) -> usize {
    match memchr::memmem::find(s.get(i + 2..).unwrap_or_default(), b"*/") {
        Some(k) => i + 2 + k + 2,
        None => s.len(),
    }
}

/// The directive whose `#` is at `hash`, and the offset of the newline that ends its logical line
/// (continuations and block comments included).
fn directive(s: &[u8], hash: usize, cpp: Option<bool>) -> (Dir, usize) {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut j = hash + 1;
    while matches!(at(j), b' ' | b'\t') {
        j += 1;
    }
    let name_start = j;
    while at(j).is_ascii_alphabetic() {
        j += 1;
    }
    let name = s.get(name_start..j).unwrap_or_default();
    // Only a condition is kept (blanks removed); other directives (`#define` bodies, most of the
    // bytes) are passed over to the next byte that could end the line or open a comment.
    let keep = matches!(name, b"if" | b"ifdef" | b"ifndef" | b"elif");
    let mut cond = Vec::new();
    let mut k = j;
    while k < s.len() {
        match at(k) {
            b'\n' => break,
            b'\\' if at(k + 1) == b'\n' => k += 2,
            b'\\' if at(k + 1) == b'\r' && at(k + 2) == b'\n' => k += 3,
            b'/' if at(k + 1) == b'*' => k = block_comment_end(s, k),
            b'/' if at(k + 1) == b'/' => k = line_comment_end(s, k),
            c if keep => {
                if !c.is_ascii_whitespace() {
                    cond.push(c);
                }
                k += 1;
            }
            _ => {
                let rest = s.get(k + 1..).unwrap_or_default();
                k = memchr::memchr3(b'\n', b'\\', b'/', rest).map_or(s.len(), |n| k + 1 + n);
            }
        }
    }
    let end = k.min(s.len());
    let dir = match name {
        b"if" => Dir::If(condition(&cond, cpp)),
        b"ifdef" => Dir::If(defined(&cond, cpp)),
        b"ifndef" => Dir::If(not(defined(&cond, cpp))),
        b"elif" => Dir::Elif(condition(&cond, cpp)),
        b"else" => Dir::Else,
        b"endif" => Dir::Endif,
        _ => Dir::Other,
    };
    (dir, end)
}

/// The value of an `#if` condition (blanks removed), when it is one of the few known here.
fn condition(c: &[u8], cpp: Option<bool>) -> Cond {
    match c {
        b"0" | b"false" => Cond::False,
        b"1" | b"true" => Cond::True,
        b"defined(__cplusplus)" | b"defined__cplusplus" => defined(b"__cplusplus", cpp),
        b"!defined(__cplusplus)" | b"!defined__cplusplus" => not(defined(b"__cplusplus", cpp)),
        _ => Cond::Unknown,
    }
}

/// Whether a macro is defined, when known: only `__cplusplus`, and only where the file's name decides
/// its language (`cpp`, [`cplusplus_by_name`]).
fn defined(name: &[u8], cpp: Option<bool>) -> Cond {
    match (name, cpp) {
        (b"__cplusplus", Some(true)) => Cond::True,
        (b"__cplusplus", Some(false)) => Cond::False,
        _ => Cond::Unknown,
    }
}

fn not(c: Cond) -> Cond {
    match c {
        Cond::True => Cond::False,
        Cond::False => Cond::True,
        Cond::Unknown => Cond::Unknown,
    }
}

/// Nesting of `#if` beyond this is not resolved (the file is parsed as written).
const MAX_NESTING: usize = 256;

/// One branch of an open chain: its directive (token index), its value, and the brace and
/// parenthesis balance of the code it keeps.
struct Branch {
    dir: usize,
    cond: Cond,
    braces: i64,
    parens: i64,
}

/// Decides each `#if` chain: which branches are parsed, which blanked. Marks the tokens of blanked
/// branches `Dead`. `None` when the nesting is too deep to resolve.
fn resolve_conditionals(toks: &mut [Tok], plan: &mut Plan) -> Option<()> {
    // Without an `#if` there is no chain to decide (most files): the table below is not built.
    if !toks.iter().any(|t| matches!(t.kind, Kind::Directive(Dir::If(_)))) {
        return Some(());
    }
    // For each token, the index of the first token at or after it that is not a directive.
    let mut next_code = vec![toks.len() as u32; toks.len() + 1];
    for i in (0..toks.len()).rev() {
        let here = toks.get(i).is_some_and(|t| !matches!(t.kind, Kind::Directive(_)));
        let after = next_code.get(i + 1).copied().unwrap_or(toks.len() as u32);
        if let Some(slot) = next_code.get_mut(i) {
            *slot = if here { i as u32 } else { after };
        }
    }
    let mut open: Vec<Vec<Branch>> = Vec::new();
    for i in 0..toks.len() {
        let Some(t) = toks.get(i).copied() else { break };
        match t.kind {
            Kind::Directive(Dir::If(cond)) => {
                if open.len() >= MAX_NESTING {
                    return None;
                }
                open.push(vec![Branch { dir: i, cond, braces: 0, parens: 0 }]);
            }
            Kind::Directive(Dir::Elif(cond)) => {
                if let Some(chain) = open.last_mut() {
                    chain.push(Branch { dir: i, cond, braces: 0, parens: 0 });
                }
            }
            Kind::Directive(Dir::Else) => {
                if let Some(chain) = open.last_mut() {
                    chain.push(Branch { dir: i, cond: Cond::True, braces: 0, parens: 0 });
                }
            }
            Kind::Directive(Dir::Endif) => {
                if let Some(chain) = open.pop() {
                    let (braces, parens) = close_chain(toks, &next_code, chain, Some(i), plan);
                    if let Some(b) = open.last_mut().and_then(|c| c.last_mut()) {
                        b.braces += braces;
                        b.parens += parens;
                    }
                }
            }
            Kind::Punct => {
                if let Some(b) = open.last_mut().and_then(|c| c.last_mut()) {
                    match t.byte {
                        b'{' => b.braces += 1,
                        b'}' => b.braces -= 1,
                        b'(' => b.parens += 1,
                        b')' => b.parens -= 1,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    // Chains left open at the end of the file end there.
    while let Some(chain) = open.pop() {
        let (braces, parens) = close_chain(toks, &next_code, chain, None, plan);
        if let Some(b) = open.last_mut().and_then(|c| c.last_mut()) {
            b.braces += braces;
            b.parens += parens;
        }
    }
    Some(())
}

/// Decides a chain that ends at `endif` (a token index; `None` at the end of the file): blanks the
/// branches left out and, when any is, every directive of the chain. Returns the brace and
/// parenthesis balance of the code the chain keeps.
fn close_chain(
    toks: &mut [Tok],
    next_code: &[u32],
    chain: Vec<Branch>,
    endif: Option<usize>,
    plan: &mut Plan,
) -> (i64, i64) {
    // Known values first: branches after a true one, and false ones, are disabled.
    let mut out: Vec<Option<Inactive>> = Vec::with_capacity(chain.len());
    let mut taken = false;
    for b in &chain {
        out.push(match b.cond {
            _ if taken => Some(Inactive::Disabled),
            Cond::False => Some(Inactive::Disabled),
            Cond::True => {
                taken = true;
                None
            }
            Cond::Unknown => None,
        });
    }
    let end_tok = endif.unwrap_or(toks.len());
    // Tokens after the `#endif` are not decided yet (chains close inner first, in file order).
    let body_follows = next_code
        .get(end_tok + 1)
        .and_then(|&n| toks.get(n as usize))
        .is_some_and(|t| matches!(t.kind, Kind::Punct) && t.byte == b'{');
    let live = || chain.iter().zip(&out).filter(|(_, o)| o.is_none()).map(|(b, _)| b);
    // A branch of nothing but labels (lz4's `#if LZ4_FAST_DEC_LOOP` / `safe_literal_copy:` /
    // `#endif` inside a function): a label needs a statement after it, which stands after the
    // `#endif`, and the grammar, reading the branch alone, lost the whole function. The labels are
    // blanked for the grammar and read as text; the directives stay, with their conditions.
    for (k, b) in chain.iter().enumerate() {
        if out.get(k).is_some_and(Option::is_some) {
            continue;
        }
        let next = chain.get(k + 1).map_or(end_tok, |n| n.dir);
        let code = || {
            toks.get(b.dir + 1..next)
                .unwrap_or_default()
                .iter()
                .filter(|t| !matches!(t.kind, Kind::Directive(_) | Kind::Dead))
        };
        // Words each followed by a `:`, nothing else (checked without collecting the branch).
        let mut count = 0usize;
        let only_labels = code().enumerate().all(|(i, t)| {
            count += 1;
            if i % 2 == 0 {
                matches!(t.kind, Kind::Word)
            } else {
                matches!(t.kind, Kind::Punct) && t.byte == b':'
            }
        }) && count > 0
            && count.is_multiple_of(2);
        if only_labels {
            for t in code() {
                plan.blank.push(t.start..t.end);
                if matches!(t.kind, Kind::Word) {
                    // Still read, as the name a `goto` refers to.
                    plan.text.push((t.start..t.end, t.line));
                }
            }
        }
    }
    let fragmentary = live().any(|b| b.braces != 0 || b.parens != 0)
        || (endif.is_some() && body_follows && live().count() > 0);
    if fragmentary {
        // The first branch still in play is parsed; the others are kept as text.
        let mut first = true;
        for o in out.iter_mut().filter(|o| o.is_none()) {
            if !first {
                *o = Some(Inactive::Alternative);
            }
            first = false;
        }
    }
    let kept =
        chain.iter().zip(&out).find(|(_, o)| o.is_none()).map_or((0, 0), |(b, _)| (b.braces, b.parens));
    if out.iter().all(Option::is_none) && !fragmentary {
        return (0, 0);
    }
    // Blank: every directive of the chain, and the branches left out.
    let mut dirs: Vec<usize> = chain.iter().map(|b| b.dir).collect();
    dirs.extend(endif);
    for &d in &dirs {
        if let Some(t) = toks.get(d) {
            plan.blank.push(t.start..t.end);
        }
    }
    for (k, (b, why)) in chain.iter().zip(&out).enumerate() {
        let Some(why) = *why else { continue };
        let next = chain.get(k + 1).map_or(end_tok, |n| n.dir);
        let (Some(dir), last) =
            (toks.get(b.dir).copied(), next.checked_sub(1).and_then(|l| toks.get(l)).copied())
        else {
            continue;
        };
        let end = toks.get(next).map_or_else(|| last.map_or(dir.end, |l| l.end), |n| n.start);
        let end_line =
            toks.get(next).map_or_else(|| last.map_or(dir.end_line, |l| l.end_line) + 1, |n| n.line);
        // The directive itself is blanked with the others; the code after it is text.
        if dir.end < end {
            plan.blank.push(dir.end..end);
            plan.text.push((dir.end..end, dir.end_line));
        }
        plan.inactive.push(InactiveRange {
            lines: dir.line..end_line.max(dir.line + 1),
            bytes: dir.start..end,
            why,
        });
        for t in toks.get_mut(b.dir + 1..next).unwrap_or_default() {
            t.kind = Kind::Dead;
        }
    }
    kept
}

/// Words that start a statement or a declaration and are followed by `(` without being a macro
/// invocation.
fn is_not_a_macro(w: &[u8]) -> bool {
    crate::symbols::is_c_keyword_bytes(w)
        || matches!(
            w,
            b"__attribute__"
                | b"__attribute"
                | b"__declspec"
                | b"asm"
                | b"__asm__"
                | b"__asm"
                | b"_Static_assert"
                | b"static_assert"
                | b"alignas"
                | b"_Alignas"
                | b"decltype"
                | b"__typeof__"
                | b"__typeof"
                | b"catch"
                | b"throw"
                | b"try"
                | b"operator"
                | b"template"
                | b"new"
                | b"delete"
                | b"co_return"
                | b"co_await"
                | b"co_yield"
                | b"requires"
                | b"__extension__"
        )
}

/// Longest argument list of a statement-like macro invocation, in tokens.
const MAX_INVOCATION_TOKENS: usize = 4096;

/// Finds macro invocations written as statements without a `;`: at the start of a statement
/// (after `;`, `{` or `}`, or another such invocation), a name and a parenthesized argument list
/// that ends its line, followed on a later line by a name or `}` (not by `{`, `;`, an operator or
/// a parameter list). `LHASH_OF(X)` before `*f(void)` and `SYSCALL_DEFINE1(x)` before `{` stay.
/// `live` holds the code's tokens only (no directive, template, assembly or blanked branch).
fn statement_macros(s: &[u8], live: &[Tok], plan: &mut Plan) {
    let punct = |k: usize, b: u8| live.get(k).is_some_and(|t| matches!(t.kind, Kind::Punct) && t.byte == b);
    let mut at_start = true;
    let mut k = 0usize;
    // Braces open around the current token: 0 at file level.
    let mut depth = 0u32;
    while let Some(t) = live.get(k) {
        let word = s.get(t.start as usize..t.end as usize).unwrap_or_default();
        // `if mi_unlikely(x) {`: a macro supplies the parentheses of the condition. Its name is
        // blanked (read lexically, as a call) and the grammar reads `if (x) {`.
        if matches!(t.kind, Kind::Word)
            && matches!(word, b"if" | b"while" | b"switch")
            && let Some(name) = live.get(k + 1)
            && matches!(name.kind, Kind::Word)
            && punct(k + 2, b'(')
            && !is_not_a_macro(s.get(name.start as usize..name.end as usize).unwrap_or_default())
            && !matches!(
                s.get(name.start as usize..name.end as usize).unwrap_or_default(),
                b"constexpr" | b"consteval"
            )
        {
            plan.blank.push(name.start..name.end);
            // The text read runs to the `(`, so the name reads as the call it is.
            let open = live.get(k + 2).map_or(name.end, |p| p.end);
            plan.text.push((name.start..open, name.line));
            at_start = false;
            k += 2;
            continue;
        }
        // After a `)` that ended an earlier line, an upper-case invocation starting its own line
        // starts a statement too: `ASN1_ITEM_TEMPLATE_END(X)` after `... = TEMPLATE(...)`.
        let after_line_end = k
            .checked_sub(1)
            .and_then(|p| live.get(p))
            .is_some_and(|p| matches!(p.kind, Kind::Punct) && p.byte == b')' && p.end_line < t.line)
            && is_macro_like(word);
        if (at_start || after_line_end)
            && matches!(t.kind, Kind::Word)
            && !is_not_a_macro(word)
            && punct(k + 1, b'(')
        {
            // The matching `)`.
            let mut depth = 0i64;
            let mut close = None;
            for j in k + 1..live.len().min(k + 1 + MAX_INVOCATION_TOKENS) {
                if punct(j, b'(') {
                    depth += 1;
                } else if punct(j, b')') {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(j);
                        break;
                    }
                } else if punct(j, b';') || punct(j, b'{') || punct(j, b'}') {
                    // Each scan stops where the next candidate could start: linear in the file.
                    break;
                }
            }
            if let Some(close) = close
                && let Some(last) = live.get(close)
                && statement_ends_after(s, live, close, word, depth == 0)
            {
                plan.blank.push(t.start..last.end);
                plan.text.push((t.start..last.end, t.line));
                k = close + 1;
                at_start = true;
                continue;
            }
        }
        at_start = matches!(t.kind, Kind::Punct) && matches!(t.byte, b';' | b'{' | b'}');
        if matches!(t.kind, Kind::Punct) {
            match t.byte {
                b'{' => depth += 1,
                b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        k += 1;
    }
}

/// Whether the invocation whose `)` is `live[close]` is a statement of its own: the `)` ends its
/// line, and what follows starts something new. A macro-like invocation followed by a signature,
/// `FT_EXPORT_DEF( FT_Error )` then `FT_Add_Module( … )` and `{` (or `;` at file level, a
/// prototype), is the return type: the grammar reads `NAME(type) name(params) {` as a function.
fn statement_ends_after(s: &[u8], live: &[Tok], close: usize, name: &[u8], file_level: bool) -> bool {
    let Some(last) = live.get(close) else { return false };
    let Some(next) = live.get(close + 1) else { return true };
    if next.line <= last.end_line {
        return false;
    }
    match next.kind {
        Kind::Punct => next.byte == b'}',
        Kind::Word => {
            let next_word = s.get(next.start as usize..next.end as usize).unwrap_or_default();
            let called = live.get(close + 2).is_some_and(|t| matches!(t.kind, Kind::Punct) && t.byte == b'(');
            // `ret_type(x)` then `name(args)` on the next line is a signature, unless one of them
            // is named like a macro (invocations in a row: `IMPLEMENT_X(a)` / `DECLARE_Y(b)`)
            // and what follows the arguments is not a body (or, at file level, a `;`).
            let signature = || match after_arguments(s, live, close + 2) {
                Some((t, declares)) => {
                    matches!(t.kind, Kind::Punct)
                        && (t.byte == b'{' || (file_level && declares && t.byte == b';'))
                }
                None => false,
            };
            !called || is_macro_like(next_word) || (is_macro_like(name) && !signature())
        }
        _ => false,
    }
}

/// The token after the parenthesized list that opens at `live[open]`, if it closes before a brace
/// or a `;` (and within [`MAX_INVOCATION_TOKENS`]), and whether the list reads as parameter
/// declarations (`(void)`, two names in a row, or a `*`) rather than as arguments (`(x)`, `(a, b)`).
fn after_arguments<'t>(s: &[u8], live: &'t [Tok], open: usize) -> Option<(&'t Tok, bool)> {
    let mut depth = 0usize;
    let mut declares = false;
    for j in open..live.len().min(open + MAX_INVOCATION_TOKENS) {
        let t = live.get(j)?;
        if matches!(t.kind, Kind::Word) {
            let word = s.get(t.start as usize..t.end as usize).unwrap_or_default();
            declares |= word == b"void" || live.get(j + 1).is_some_and(|n| matches!(n.kind, Kind::Word));
            continue;
        }
        if !matches!(t.kind, Kind::Punct) {
            continue;
        }
        match t.byte {
            b'(' => depth += 1,
            b')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return live.get(j + 1).map(|n| (n, declares));
                }
            }
            b'*' => declares = true,
            b'{' | b'}' | b';' => return None,
            _ => {}
        }
    }
    None
}

/// An upper-case name, or a name with `_` mostly in upper case (`DECLARE_ASN1_ENCODE_FUNCTIONS_name`,
/// `static_ASN1_SEQUENCE_END`).
fn is_macro_like(w: &[u8]) -> bool {
    let upper = w.iter().filter(|c| c.is_ascii_uppercase()).count();
    let lower = w.iter().filter(|c| c.is_ascii_lowercase()).count();
    is_macro_name(w) || (w.contains(&b'_') && upper >= 2 && upper > lower)
}

/// An upper-case name (`X` of an X-macro list included).
fn is_macro_name(w: &[u8]) -> bool {
    w.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
        && w.iter().any(u8::is_ascii_uppercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The prepared text with blanked lines shown as `~` (and blank lines dropped), for asserting.
    fn kept(lang: Language, src: &str) -> String {
        let p = prepare(lang, src.as_bytes(), Some(lang == Language::Cpp));
        let text = p.map_or(src.to_string(), |p| String::from_utf8(p.source).unwrap());
        assert_eq!(text.len(), src.len());
        assert_eq!(text.matches('\n').count(), src.matches('\n').count());
        text.lines().map(str::trim_end).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn branches_that_each_open_a_brace_keep_the_first() {
        let src = "int f(int n)\n{\n#ifdef FIPS\n    if (n != 2048) {\n#else\n    if (n < 512) {\n#endif\n        return 0;\n    }\n    return 1;\n}\n";
        assert_eq!(
            kept(Language::C, src),
            "int f(int n)\n{\n    if (n != 2048) {\n        return 0;\n    }\n    return 1;\n}"
        );
        let r = inactive_ranges(Language::C, src.as_bytes());
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].lines.clone(), r[0].why), (4..6, Inactive::Alternative));
    }

    #[test]
    fn signatures_in_branches_before_a_body_keep_the_first() {
        let src = "#ifdef DONT_UPDATE_IV\nvoid des_cbc(const unsigned char *in, long n)\n#else\nvoid des_ncbc(const unsigned char *in, long n)\n#endif\n{\n    return;\n}\n";
        assert_eq!(
            kept(Language::C, src),
            "void des_cbc(const unsigned char *in, long n)\n{\n    return;\n}"
        );
    }

    #[test]
    fn balanced_chains_are_left_to_the_grammar() {
        let src = "#ifdef A\nint a(void) { return 1; }\n#else\nint a(void) { return 2; }\n#endif\n";
        assert!(prepare(Language::C, src.as_bytes(), Some(false)).is_none());
        assert!(inactive_ranges(Language::C, src.as_bytes()).is_empty());
    }

    #[test]
    fn known_conditions_decide_by_the_language() {
        let src = "#ifdef __cplusplus\nextern \"C\" {\n#endif\nint f(void);\n#ifdef __cplusplus\n}\n#endif\n#if 0\nint dead(void) { }\n#else\nint live(void) { }\n#endif\n";
        assert_eq!(kept(Language::C, src), "int f(void);\nint live(void) { }");
        assert_eq!(kept(Language::Cpp, src), "extern \"C\" {\nint f(void);\n}\nint live(void) { }");
        let whys: Vec<_> = inactive_ranges_at("src/x.c", Language::C, src.as_bytes())
            .iter()
            .map(|r| (r.lines.clone(), r.why))
            .collect();
        assert_eq!(
            whys,
            [(0..2, Inactive::Disabled), (4..6, Inactive::Disabled), (7..9, Inactive::Disabled)]
        );
    }

    /// f4 (session 25): a header's language is its includers', which its text does not give: in a
    /// `.h`, `#ifdef __cplusplus` decides nothing, whatever the header looks like (no C++ marker, a
    /// `-*- C -*-` modeline), so the C++ body g++ compiles is neither blanked nor dimmed.
    #[test]
    fn cplusplus_is_decided_only_by_a_source_name() {
        let src = "/* -*- C -*- */\n#ifdef __cplusplus\nextern \"C\" {\nstatic int ok(void) { return 1; }\n}\n#else\nstatic int ok(void) { return 0; }\n#endif\n";
        for path in ["include/auth_policy.h", "auth.H", "policy.h.in", "table.inc", "noext"] {
            assert_eq!(cplusplus_by_name(path), None, "{path}");
            assert!(inactive_ranges_at(path, Language::C, src.as_bytes()).is_empty(), "{path}");
        }
        assert!(inactive_ranges(Language::C, src.as_bytes()).is_empty());
        assert_eq!(cplusplus_by_name("a.c"), Some(false));
        assert_eq!(cplusplus_by_name("a.cpp"), Some(true));
        assert_eq!(cplusplus_by_name("a.hpp"), Some(true));
        assert_eq!(inactive_ranges_at("src/a.c", Language::C, src.as_bytes()).len(), 1);
        // The index reads both bodies of such a header.
        let (fs, _) = crate::symbols::extract_raw(
            Language::C,
            src.as_bytes(),
            &crate::symbols::ExtractOptions::default(),
        );
        let lines: Vec<u32> =
            fs.definitions.iter().filter(|d| d.name == "ok").map(|d| d.name_range.start.line).collect();
        assert_eq!(lines, [3, 6]);
    }

    #[test]
    fn nested_chains_count_only_what_they_keep() {
        // The inner chain is fragmentary (each branch opens a brace); the outer one then opens
        // one brace in each branch too.
        let src = "#ifdef A\n# ifdef B\nif (x) {\n# else\nif (y) {\n# endif\n#else\nif (z) {\n#endif\n}\n";
        assert_eq!(kept(Language::C, src), "if (x) {\n}");
    }

    #[test]
    fn statement_like_macro_invocations_are_text() {
        let src = "IMPLEMENT_ASN1_FUNCTIONS(EXTENDED_KEY_USAGE)\n\nstatic int v2i(void *a)\n{\n    switch (a) {\n#define X(n) case n: return #n;\n    X(ONE)\n    X(TWO)\n#undef X\n    }\n}\n";
        let out = kept(Language::C, src);
        assert!(!out.contains("IMPLEMENT") && !out.contains("X(ONE)") && !out.contains("X(TWO)"), "{out}");
        assert!(out.contains("static int v2i(void *a)") && out.contains("#define X(n)"), "{out}");
        let p = prepare(Language::C, src.as_bytes(), Some(false)).unwrap();
        assert_eq!(p.text.len(), 3);
        assert!(p.inactive.is_empty());
    }

    #[test]
    fn invocations_after_an_unterminated_one_are_text_too() {
        let src = "TEMPLATE(EKU) = TEMPLATE_TYPE(0, EKU)\nTEMPLATE_END(EKU)\n\nIMPLEMENT_FUNCTIONS(EKU)\nDECLARE_FUNCTIONS_name(EKU)\nstatic int v2i(void)\n{\n}\nSEQ(S) = {\n} static_SEQUENCE_END(S)\n\nIMPLEMENT_FUNCTIONS(S)\nS *s_new(void)\n{\n}\n";
        assert_eq!(
            kept(Language::C, src),
            "TEMPLATE(EKU) = TEMPLATE_TYPE(0, EKU)\nstatic int v2i(void)\n{\n}\nSEQ(S) = {\n}\nS *s_new(void)\n{\n}"
        );
    }

    #[test]
    fn invocations_that_are_part_of_a_construct_stay() {
        for src in [
            "LHASH_OF(FOO)\n*foo_new(void)\n{\n}\n",
            "SYSCALL_DEFINE1(close, int, fd)\n{\n}\n",
            "DEFINE_RUN_ONCE_STATIC(do_init) {\n}\n",
            "static int\nfoo(int a)\n{\n}\n",
            "void f(void)\n{\n    foo(a)\n        + bar(b);\n    if (x)\n        y();\n}\n",
            "TEST_F(Fixture, Name)\n{\n}\n",
            "Foo::Foo(int a)\n    : a_(a) {}\n",
        ] {
            assert_eq!(kept(Language::Cpp, src), src.lines().collect::<Vec<_>>().join("\n"), "{src}");
        }
    }

    #[test]
    fn template_blocks_are_blanked() {
        let src =
            "{-\n use OpenSSL::stackhash;\n-}\nint f(void);\n{- generate(\"X\") -}\nint a[] = {-1, 2};\n";
        assert_eq!(kept(Language::C, src), "int f(void);\nint a[] = {-1, 2};");
    }

    #[test]
    fn assembly_blocks_are_blanked() {
        let src = "void t(void){\n  __asm {\n    rdtsc\n    ret ; value at EDX:EAX\n  }\n}\nint after(void) { return 0; }\n";
        assert_eq!(kept(Language::C, src), "void t(void){\n  __asm {\n  }\n}\nint after(void) { return 0; }");
    }

    /// Shapes that would cost quadratic time if a scan went on past where the next one starts.
    #[test]
    fn hostile_repetitions_stay_linear() {
        let n = 100_000;
        for src in [
            "#if A\n#endif\n".repeat(n) + "int x;\n",
            "{ a(((( ".repeat(n),
            "__asm {\n".repeat(n),
            "{-\n".repeat(n),
        ] {
            // Completes (in milliseconds) and keeps the length.
            if let Some(p) = prepare(Language::C, src.as_bytes(), Some(false)) {
                assert_eq!(p.source.len(), src.len());
            }
        }
    }

    #[test]
    fn hostile_nesting_and_strays_are_harmless() {
        let deep = "#if A\n".repeat(10_000) + "int x;\n";
        assert!(prepare(Language::C, deep.as_bytes(), Some(false)).is_none());
        let strays = "#endif\n#else\nint x;\n#elif 0\n";
        assert!(prepare(Language::C, strays.as_bytes(), Some(false)).is_none());
        // An `#if` left open at the end of the file ends there.
        let open = "#if 0\nint dead;\n";
        assert_eq!(kept(Language::C, open), "");
    }
}
