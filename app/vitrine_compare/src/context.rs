//! What a file's lines are in, read lexically: a comment, a preprocessor branch whose condition is
//! known false (`#if 0`), and the chain of enclosing conditionals; and the file's preprocessor
//! directives. Two uses: the update summary names directives added, removed or changed (a flipped
//! `#ifdef` changes what is compiled without changing any function's text), and a port says on a thread
//! when its lines kept their bytes but not their meaning ([`port_notes`]: now inside a comment or a
//! false branch, under other conditionals, or a name they define defined again).
//!
//! The scan is one linear pass over the bytes (strings and character literals skipped, so a `"/*"` opens
//! nothing); it does not evaluate conditions beyond the constants `0`, `1`, `false` and `true`.

use std::collections::HashMap;

use vitrine_snapshot::Snapshot;
use vitrine_syntax::{Language, SymbolKind};

use crate::{CompareError, Side, SnapshotDiff, Status};

/// One conditional enclosing a line: the directive that opened it and, when the line is in a later
/// branch, that branch's directive (`#ifdef DEBUG … #else`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The directives, whitespace collapsed: `#ifdef DEBUG_BUILD`, `#if 0 … #else`.
    pub text: String,
    /// 1-based line of the directive that opened the conditional.
    pub line: u32,
    /// Whether the branch is known never compiled (`#if 0`, the `#else` of `#if 1`).
    pub dead: bool,
}

/// A preprocessor directive of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// 1-based line of its `#`.
    pub line: u32,
    /// Its text, comments removed, continuation lines joined and whitespace collapsed (`#include "a.h"`).
    pub text: String,
}

/// What each line of a file is in.
#[derive(Debug, Default)]
pub struct Scan {
    /// Per line (0-based): whether every non-blank byte of it is in a comment (a blank line inside a
    /// block comment counts), with the 1-based line where that comment opened.
    pub comment: Vec<Option<u32>>,
    /// Per line (0-based): index in `chains` of the conditionals enclosing it.
    pub chain: Vec<u32>,
    /// The distinct chains of enclosing conditionals, outermost first (`chains[0]` is none).
    pub chains: Vec<Vec<Frame>>,
    /// The preprocessor directives, in file order (C, C++ and C# only).
    pub directives: Vec<Directive>,
}

/// How a language writes comments and strings, for the scan.
#[derive(Clone, Copy)]
struct Syntax {
    /// `#` directives at the start of a line.
    preprocessor: bool,
    /// `'x'` is a character literal (not in Rust, where `'a` is a lifetime).
    char_literals: bool,
    /// `` `…` `` is a string (JavaScript templates, Go raw strings).
    backtick: bool,
}

fn syntax_of(lang: Language) -> Option<Syntax> {
    let s = |preprocessor, char_literals, backtick| Some(Syntax { preprocessor, char_literals, backtick });
    match lang {
        Language::C | Language::Cpp | Language::CSharp => s(true, true, false),
        Language::Java => s(false, true, false),
        Language::Go | Language::JavaScript | Language::TypeScript | Language::Tsx => s(false, true, true),
        Language::Rust => s(false, false, false),
        Language::Python => None,
    }
}

/// Scans `source` (a file in `lang`); `None` for a language without `/* */` comments (Python).
pub fn scan(lang: Language, source: &[u8]) -> Option<Scan> {
    let syn = syntax_of(lang)?;
    let mut out = Scan { chains: vec![Vec::new()], ..Scan::default() };
    let mut stack: Vec<(Frame, bool)> = Vec::new(); // (frame, a constant-true branch was taken)
    let mut chain_id = 0u32;
    let mut line = 0u32; // 0-based
    let mut i = 0usize;
    // State at the start of the current line.
    let mut block_from: Option<u32> = None; // inside a block comment opened at this 1-based line
    let mut line_start = true;
    let mut has_code = false;
    let mut has_comment = block_from.is_some();
    let mut directive: Option<(u32, Vec<u8>)> = None;
    let n = source.len();
    let end_line = |out: &mut Scan, has_code: bool, has_comment: bool, from: Option<u32>, chain: u32| {
        out.comment.push(if !has_code && has_comment { from } else { None });
        out.chain.push(chain);
    };
    let mut comment_from: Option<u32> = None; // where the comment covering this line opened
    while i < n {
        let b = source[i];
        if let Some(from) = block_from {
            if b == b'*' && source.get(i + 1) == Some(&b'/') {
                block_from = None;
                comment_from = comment_from.or(Some(from));
                i += 2;
                continue;
            }
            if b == b'\n' {
                end_line(&mut out, has_code, true, comment_from.or(Some(from)), chain_id);
                line += 1;
                line_start = true;
                has_code = false;
                has_comment = true;
                comment_from = Some(from);
                if let Some((_, text)) = directive.as_mut() {
                    text.push(b' ');
                }
            }
            i += 1;
            continue;
        }
        match b {
            b'\n' => {
                let continued = directive.is_some() && source[..i].ends_with(b"\\")
                    || directive.is_some() && source[..i].ends_with(b"\\\r");
                if !continued && let Some((at, text)) = directive.take() {
                    let text = collapse(&text);
                    let before = chain_id;
                    conditional(&text, at, &mut stack);
                    if stack_changed(&out.chains[before as usize], &stack) {
                        out.chains.push(stack.iter().map(|(f, _)| f.clone()).collect());
                        chain_id = out.chains.len() as u32 - 1;
                    }
                    // The directive's own line keeps the chain it was read in.
                    end_line(&mut out, has_code, has_comment, comment_from, before);
                    out.directives.push(Directive { line: at, text });
                } else {
                    end_line(&mut out, has_code, has_comment, comment_from, chain_id);
                    if let Some((_, text)) = directive.as_mut() {
                        text.pop(); // the backslash
                        text.push(b' ');
                    }
                }
                line += 1;
                line_start = true;
                has_code = false;
                has_comment = false;
                comment_from = None;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\x0c' | b'\x0b' => {
                if let Some((_, text)) = directive.as_mut() {
                    text.push(b' ');
                }
                i += 1;
                continue;
            }
            b'/' if source.get(i + 1) == Some(&b'*') => {
                block_from = Some(line + 1);
                has_comment = true;
                comment_from = comment_from.or(Some(line + 1));
                i += 2;
                continue;
            }
            b'/' if source.get(i + 1) == Some(&b'/') => {
                has_comment = true;
                comment_from = comment_from.or(Some(line + 1));
                while i < n && source[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            _ => {}
        }
        if line_start && b == b'#' && syn.preprocessor && directive.is_none() {
            directive = Some((line + 1, Vec::new()));
        }
        line_start = false;
        has_code = true;
        let quote = match b {
            b'"' => Some(b'"'),
            b'\'' if syn.char_literals => Some(b'\''),
            b'`' if syn.backtick => Some(b'`'),
            _ => None,
        };
        let Some(q) = quote else {
            if let Some((_, text)) = directive.as_mut() {
                text.push(b);
            }
            i += 1;
            continue;
        };
        // A string or character literal, to its closing quote (a newline ends all but a backtick one).
        let start = i;
        i += 1;
        while i < n && source[i] != q && !(source[i] == b'\n' && q != b'`') {
            i += if source[i] == b'\\' { 2 } else { 1 };
        }
        if i < n && source[i] == q {
            i += 1;
        }
        let i_end = i.min(n);
        if q == b'`' {
            // Lines inside a multi-line template are code lines.
            for _ in source[start..i_end].iter().filter(|&&c| c == b'\n') {
                end_line(&mut out, true, false, None, chain_id);
                line += 1;
            }
        }
        if let Some((_, text)) = directive.as_mut() {
            text.extend_from_slice(&source[start..i_end]);
        }
    }
    if i > 0 && source.last() != Some(&b'\n') {
        if let Some((at, text)) = directive.take() {
            let text = collapse(&text);
            conditional(&text, at, &mut stack);
            out.directives.push(Directive { line: at, text });
        }
        let from = comment_from.or(block_from);
        end_line(&mut out, has_code, has_comment || block_from.is_some(), from, chain_id);
    }
    Some(out)
}

fn stack_changed(chain: &[Frame], stack: &[(Frame, bool)]) -> bool {
    chain.len() != stack.len() || chain.iter().zip(stack).any(|(a, (b, _))| a != b)
}

/// Whitespace runs as one space, trimmed, `# if` as `#if`.
fn collapse(text: &[u8]) -> String {
    let s = String::from_utf8_lossy(text);
    let words: Vec<&str> = s.split_whitespace().collect();
    let joined = words.join(" ");
    match joined.strip_prefix("# ") {
        Some(rest) => format!("#{rest}"),
        None => joined,
    }
}

/// A constant condition: `Some(false)` for `0`/`false`, `Some(true)` for `1`/`true`, with parentheses.
fn constant(cond: &str) -> Option<bool> {
    let c: String = cond.chars().filter(|c| !c.is_whitespace() && *c != '(' && *c != ')').collect();
    match c.as_str() {
        "0" | "false" => Some(false),
        "1" | "true" => Some(true),
        _ => None,
    }
}

/// Applies one directive to the stack of open conditionals.
fn conditional(text: &str, line: u32, stack: &mut Vec<(Frame, bool)>) {
    let body = text.trim_start_matches('#').trim_start();
    let (word, rest) = body.split_once(' ').unwrap_or((body, ""));
    match word {
        "if" | "ifdef" | "ifndef" => {
            let c = if word == "if" { constant(rest) } else { None };
            stack.push((Frame { text: text.to_owned(), line, dead: c == Some(false) }, c == Some(true)));
        }
        "elif" | "elifdef" | "elifndef" | "else" => {
            if let Some((frame, taken)) = stack.last_mut() {
                let opener = frame.text.split(" … ").next().unwrap_or_default().to_owned();
                let c = if word == "elif" {
                    constant(rest)
                } else if word == "else" {
                    Some(true)
                } else {
                    None
                };
                frame.text = format!("{opener} … {text}");
                frame.dead = *taken || c == Some(false);
                *taken = *taken || (c == Some(true) && word == "elif");
            }
        }
        "endif" => {
            stack.pop();
        }
        _ => {}
    }
}

impl Scan {
    fn frames(&self, line0: usize) -> &[Frame] {
        let id = self.chain.get(line0).copied().unwrap_or(0) as usize;
        self.chains.get(id).map_or(&[], |c| c.as_slice())
    }

    /// The first known-false branch enclosing 0-based line `line0`: (its text, its line).
    fn dead(&self, line0: usize) -> Option<&Frame> {
        self.frames(line0).iter().find(|f| f.dead)
    }
}

/// The chain as text: `#ifdef A (line 3) > #if B (line 9)`, or `none`.
fn chain_text(frames: &[Frame]) -> String {
    if frames.is_empty() {
        return "none".to_owned();
    }
    frames.iter().map(|f| format!("`{}` (line {})", f.text, f.line)).collect::<Vec<_>>().join(" > ")
}

/// A definition around some lines: (qualified name, first and last 0-based line, 1-based line of its
/// name).
type Def = (String, u32, u32, u32);

/// One side of a file, read once for every thread on it: its scan and its functions and macros.
#[derive(Default)]
pub struct FileContext {
    scan: Option<Scan>,
    defs: Vec<Def>,
}

impl FileContext {
    /// Reads `source`, a file in `lang` (nothing to read without a language).
    pub fn new(lang: Option<Language>, source: &[u8]) -> FileContext {
        let Some(lang) = lang else { return FileContext::default() };
        let defs = vitrine_syntax::extract_definitions(lang, source)
            .definitions
            .into_iter()
            .filter(|s| s.kind.is_function_like() || s.kind == SymbolKind::Macro)
            .map(|s| {
                let name = if s.scope.is_empty() { s.name } else { format!("{}::{}", s.scope, s.name) };
                (name, s.range.start.line, s.range.end.line, s.name_range.start.line + 1)
            })
            .collect();
        FileContext { scan: scan(lang, source), defs }
    }
}

/// The notes a port writes on a thread whose lines `old_lines` of `old` (1-based, inclusive) are now
/// `new_lines` of `new` (the file at `new_path`): lines that are now inside a comment or a known-false
/// branch, a changed chain of enclosing conditionals, and a name defined on those lines (the function
/// or macro around them) now defined again elsewhere in the file. `macros` gives, for a name, the
/// macros of that name the update added (path and line). Empty when the lines' context is as it was.
pub fn port_notes(
    (old, old_lines): (&FileContext, [u32; 2]),
    (new, new_path, new_lines): (&FileContext, &str, [u32; 2]),
    macros: &dyn Fn(&str) -> Vec<(String, u32)>,
) -> Vec<String> {
    let mut notes = Vec::new();
    let range = |l: [u32; 2]| (l[0].max(1) as usize - 1)..(l[1].max(l[0]).max(1) as usize);
    let (or, nr) = (range(old_lines), range(new_lines));
    if let (Some(os), Some(ns)) = (&old.scan, &new.scan) {
        let count = |s: &Scan, r: &std::ops::Range<usize>, f: &dyn Fn(&Scan, usize) -> bool| {
            r.clone().filter(|&l| f(s, l)).count()
        };
        let in_comment = |s: &Scan, l: usize| s.comment.get(l).is_some_and(|c| c.is_some());
        let (oc, nc) = (count(os, &or, &in_comment), count(ns, &nr, &in_comment));
        if nc > oc {
            let from = nr.clone().find_map(|l| ns.comment.get(l).copied().flatten()).unwrap_or_default();
            notes.push(format!(
                "{nc} of the {} quoted lines are now inside a comment (opened at line {from}): the compiler no longer sees them",
                nr.len()
            ));
        }
        let is_dead = |s: &Scan, l: usize| s.dead(l).is_some();
        let (od, nd) = (count(os, &or, &is_dead), count(ns, &nr, &is_dead));
        let mut dead_noted = false;
        if nd > od
            && let Some(f) = nr.clone().find_map(|l| ns.dead(l))
        {
            notes.push(format!(
                "{nd} of the {} quoted lines are now inside `{}` (line {}): a branch never compiled",
                nr.len(),
                f.text,
                f.line
            ));
            dead_noted = true;
        }
        let texts = |fs: &[Frame]| fs.iter().map(|f| f.text.clone()).collect::<Vec<_>>();
        let ends = |s: &Scan, r: &std::ops::Range<usize>| {
            [r.start, r.end.saturating_sub(1)].map(|l| texts(s.frames(l)))
        };
        if !dead_noted && ends(os, &or) != ends(ns, &nr) {
            notes.push(format!(
                "the conditionals around the quoted lines changed: {} before, {} now",
                chain_text(os.frames(or.start)),
                chain_text(ns.frames(nr.start))
            ));
        }
    }
    // Names defined around the quoted lines, defined again.
    let overlaps = |d: &Def, r: &std::ops::Range<usize>| (d.1 as usize) < r.end && (d.2 as usize) >= r.start;
    let mut names: Vec<&str> = old.defs.iter().filter(|d| overlaps(d, &or)).map(|d| d.0.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let list = |at: Vec<String>, total: usize| {
        let more = if total > at.len() { format!(" and {} more", total - at.len()) } else { String::new() };
        format!("{}{more}", at.join(", "))
    };
    for name in names {
        let others = |ds: &[Def], r: &std::ops::Range<usize>| -> Vec<u32> {
            ds.iter().filter(|d| d.0 == name && !overlaps(d, r)).map(|d| d.3).collect()
        };
        let (oo, no) = (others(&old.defs, &or), others(&new.defs, &nr));
        if no.len() > oo.len() {
            let at = no.iter().take(3).map(|l| format!("{new_path}:{l}")).collect();
            notes.push(format!(
                "{name} is also defined at {}: the quoted lines may no longer be the {name} that runs",
                list(at, no.len())
            ));
        }
        let elsewhere: Vec<(String, u32)> = macros(name).into_iter().filter(|(p, _)| p != new_path).collect();
        if !elsewhere.is_empty() {
            let at = elsewhere.iter().take(3).map(|(p, l)| format!("{p}:{l}")).collect();
            notes.push(format!(
                "{name} is now also defined as a macro at {}: where that is included, a call no longer reaches the quoted lines",
                list(at, elsewhere.len())
            ));
        }
    }
    notes
}

/// The context checks of one port between two snapshots: each thread's file read and scanned once per
/// side, and the macros the update added (in the files it added or changed) found once, when first
/// needed.
pub struct PortContext<'a> {
    old: &'a Snapshot,
    new: &'a Snapshot,
    diff: &'a SnapshotDiff,
    /// By side (`true`: the new one) and path.
    files: HashMap<(bool, String), FileContext>,
    macros: Option<HashMap<String, Vec<(String, u32)>>>,
    /// What decides whether the lines are built, besides the preprocessor ([`crate::build`]).
    build: crate::build::BuildCheck<'a>,
}

impl<'a> PortContext<'a> {
    /// Checks between `old` and `new`, whose diff is `diff`.
    pub fn new(old: &'a Snapshot, new: &'a Snapshot, diff: &'a SnapshotDiff) -> PortContext<'a> {
        let build = crate::build::BuildCheck::new(old, new, diff);
        PortContext { old, new, diff, files: HashMap::new(), macros: None, build }
    }

    /// The notes for a thread on `old_lines` of the old snapshot's `old_path`, ported to `new_lines` of
    /// the new snapshot's `new_path` (paths as the diff shows them). `same_bytes`: the file's bytes
    /// and the lines did not change (an `exact` port, or a rename alone), so only a macro added
    /// elsewhere can change what the lines mean.
    pub fn notes(
        &mut self,
        (old_path, old_lines): (&str, [u64; 2]),
        (new_path, new_lines): (&str, [u64; 2]),
        same_bytes: bool,
    ) -> Result<Vec<String>, CompareError> {
        if self.macros.is_none() {
            self.macros = Some(self.added_macros()?);
        }
        let to32 = |l: [u64; 2]| l.map(|x| u32::try_from(x).unwrap_or(u32::MAX));
        // Whatever the language: a rename, a build constraint, a `cfg`, a `mod` line, a definition
        // added in the same package (the lines' bytes may be the same).
        let mut notes =
            self.build.notes((old_path, to32(old_lines)), (new_path, to32(new_lines)), same_bytes)?;
        if same_bytes && self.macros.as_ref().is_some_and(HashMap::is_empty) {
            return Ok(notes);
        }
        for (side, path) in [(Side::Old, old_path), (Side::New, new_path)] {
            if !self.files.contains_key(&(side == Side::New, path.to_owned())) {
                let snap = if side == Side::Old { self.old } else { self.new };
                let ctx = match read(snap, path, side)? {
                    Some(bytes) => FileContext::new(vitrine_syntax::language_for_path(path, &bytes), &bytes),
                    None => FileContext::default(),
                };
                self.files.insert((side == Side::New, path.to_owned()), ctx);
            }
        }
        let (Some(o), Some(n)) =
            (self.files.get(&(false, old_path.to_owned())), self.files.get(&(true, new_path.to_owned())))
        else {
            return Ok(notes);
        };
        let macros = self.macros.as_ref();
        let find = |name: &str| macros.and_then(|m| m.get(name)).cloned().unwrap_or_default();
        let mut preprocessor = port_notes((o, to32(old_lines)), (n, new_path, to32(new_lines)), &find);
        preprocessor.append(&mut notes);
        Ok(preprocessor)
    }

    /// Name -> (path, line) of each macro a file the update added or changed defines more often than
    /// before (C, C++ and C# files).
    fn added_macros(&self) -> Result<HashMap<String, Vec<(String, u32)>>, CompareError> {
        let mut out: HashMap<String, Vec<(String, u32)>> = HashMap::new();
        for c in &self.diff.files {
            if matches!(c.status, Status::Deleted | Status::TypeChanged) || c.old_blob == c.new_blob {
                continue;
            }
            let Some(np) = c.new_path.as_deref() else { continue };
            let Some(new_bytes) = read(self.new, np, Side::New)? else { continue };
            let Some(lang) = vitrine_syntax::language_for_path(np, &new_bytes)
                .filter(|l| matches!(l, Language::C | Language::Cpp | Language::CSharp))
            else {
                continue;
            };
            let old_bytes = match c.old_path.as_deref().filter(|_| c.status != Status::Copied) {
                Some(op) => read(self.old, op, Side::Old)?.unwrap_or_default(),
                None => Vec::new(),
            };
            for (name, lines) in added_macros(lang, &old_bytes, &new_bytes) {
                out.entry(name).or_default().extend(lines.into_iter().map(|l| (np.to_owned(), l)));
            }
        }
        Ok(out)
    }
}

/// A text file's bytes by the path a diff shows (`None` when it is not a readable text file there).
pub(crate) fn read(snap: &Snapshot, shown: &str, side: Side) -> Result<Option<Vec<u8>>, CompareError> {
    let entry = snap
        .file(shown.as_bytes())
        .filter(|e| e.path.display() == shown)
        .or_else(|| snap.files().iter().find(|e| e.path.display() == shown));
    let Some(entry) = entry.filter(|e| e.is_indexable()) else { return Ok(None) };
    snap.read(entry).map(Some).map_err(|source| CompareError::Read { path: shown.to_owned(), side, source })
}

/// The name a `#define` directive defines (`#define check(a, b) 1` defines `check`).
pub fn defined_name(directive: &str) -> Option<&str> {
    let rest = directive.strip_prefix("#define ")?;
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$')).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|n| !n.is_empty())
}

/// The macros a file's new version defines more often than its old version, by name: name -> 1-based
/// lines in the new version (the last ones, beyond the old count). Both sides scanned as `lang`.
pub fn added_macros(lang: Language, old: &[u8], new: &[u8]) -> HashMap<String, Vec<u32>> {
    let defs = |src: &[u8]| -> HashMap<String, Vec<u32>> {
        let mut m: HashMap<String, Vec<u32>> = HashMap::new();
        if !src.windows(6).any(|w| w == b"define") {
            return m;
        }
        for d in scan(lang, src).map(|s| s.directives).unwrap_or_default() {
            if let Some(n) = defined_name(&d.text) {
                m.entry(n.to_owned()).or_default().push(d.line);
            }
        }
        m
    };
    let (o, mut n) = (defs(old), defs(new));
    n.retain(|name, lines| {
        let before = o.get(name).map_or(0, Vec::len);
        if lines.len() > before {
            lines.drain(..before);
            true
        } else {
            false
        }
    });
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUTH: &str = "#include <string.h>\n\nint check_password(const char *given, const char *stored)\n{\n    if (strlen(given) == 0)\n        return 1;\n    return strcmp(given, stored) == 0;\n}\n";

    fn none(_: &str) -> Vec<(String, u32)> {
        Vec::new()
    }

    fn notes(
        old: &str,
        ol: [u32; 2],
        new: &str,
        nl: [u32; 2],
        macros: &dyn Fn(&str) -> Vec<(String, u32)>,
    ) -> Vec<String> {
        let c = |s: &str| FileContext::new(Some(Language::C), s.as_bytes());
        port_notes((&c(old), ol), (&c(new), "a.c", nl), macros)
    }

    #[test]
    fn comments_strings_and_conditionals_are_read_per_line() {
        let src = b"int a; /* x\n\n still */ int b;\nchar *s = \"/* no\";\n// line\n#ifdef X\nint c;\n#else\nint d;\n#endif\n#if 0\nint e;\n#endif\n";
        let s = scan(Language::C, src).unwrap();
        assert_eq!(s.comment[..5], [None, Some(1), None, None, Some(5)]);
        let f = |l: usize| s.frames(l).iter().map(|f| f.text.clone()).collect::<Vec<_>>();
        assert_eq!(f(6), ["#ifdef X"]);
        assert_eq!(f(8), ["#ifdef X … #else"]);
        assert!(f(10).is_empty());
        assert!(s.dead(11).is_some() && s.dead(8).is_none() && s.dead(6).is_none());
        let d: Vec<&str> = s.directives.iter().map(|d| d.text.as_str()).collect();
        assert_eq!(d, ["#ifdef X", "#else", "#endif", "#if 0", "#endif"]);
        // A continued directive is one directive; `# define` is `#define`.
        let s = scan(Language::C, b"# define  A(x) \\\n  (x)\nint z;\n").unwrap();
        assert_eq!(s.directives, [Directive { line: 1, text: "#define A(x) (x)".into() }]);
        assert_eq!(defined_name(&s.directives[0].text), Some("A"));
        assert!(scan(Language::Python, b"# if 0\n").is_none());
    }

    #[test]
    fn unchanged_context_has_no_note() {
        let new = format!("/* a header comment */\n{AUTH}");
        assert!(notes(AUTH, [5, 7], &new, [6, 8], &none).is_empty());
    }

    #[test]
    fn lines_put_in_if0_a_comment_or_under_a_flipped_ifdef_are_noted() {
        let ifzero = AUTH.replace("int check_password", "#if 0\nint check_password").replace(
            "== 0;\n}\n",
            "== 0;\n}\n#endif\nint check_password(const char *g, const char *s) { return 1; }\n",
        );
        let n = notes(AUTH, [5, 7], &ifzero, [6, 8], &none);
        assert!(n.iter().any(|n| n.contains("inside `#if 0` (line 3)")), "{n:?}");
        assert!(n.iter().any(|n| n.contains("check_password is also defined at a.c:11")), "{n:?}");
        let comment = AUTH.replace("int check_password", "/* old\nint check_password").replace(
            "== 0;\n}\n",
            "== 0;\n}\n*/\nint check_password(const char *g, const char *s) { return 1; }\n",
        );
        let n = notes(AUTH, [5, 7], &comment, [6, 8], &none);
        assert!(
            n.iter()
                .any(|n| n.contains("3 of the 3 quoted lines are now inside a comment (opened at line 3)")),
            "{n:?}"
        );
        assert!(n.iter().any(|n| n.contains("also defined at a.c:11")), "{n:?}");
        let old = "#ifdef DEBUG\nint t(void)\n{\n    return 1;\n}\n#endif\n";
        let new = old.replace("#ifdef", "#ifndef");
        let n = notes(old, [3, 4], &new, [3, 4], &none);
        assert_eq!(
            n,
            [
                "the conditionals around the quoted lines changed: `#ifdef DEBUG` (line 1) before, `#ifndef DEBUG` (line 1) now"
            ]
        );
        // An `#else` branch of `#if 1` is dead too.
        let new = format!("#if 1\n#else\n{AUTH}#endif\n");
        let n = notes(AUTH, [5, 7], &new, [7, 9], &none);
        assert!(n.iter().any(|n| n.contains("`#if 1 … #else` (line 1)")), "{n:?}");
    }

    #[test]
    fn a_macro_of_the_same_name_elsewhere_is_noted() {
        let macros = |name: &str| {
            if name == "check_password" { vec![("src/compat.h".to_owned(), 1)] } else { Vec::new() }
        };
        let n = notes(AUTH, [5, 7], AUTH, [5, 7], &macros);
        assert_eq!(n.len(), 1, "{n:?}");
        assert!(n[0].starts_with("check_password is now also defined as a macro at src/compat.h:1"), "{n:?}");
        let m = added_macros(
            Language::C,
            b"#define A 1\n",
            b"#define A 1\n#define check_password(g, s) 1\n/* #define B 1 */\n",
        );
        assert_eq!(m.into_iter().collect::<Vec<_>>(), [("check_password".to_owned(), vec![2])]);
    }
}
