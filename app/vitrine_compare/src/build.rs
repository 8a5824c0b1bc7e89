//! What decides whether a file's lines are built, besides the C preprocessor ([`crate::context`]): the
//! file's name (its language by extension, a `.orig`/`.disabled` suffix that sets it aside, Go's
//! `_GOOS`/`_GOARCH`/`_test` suffixes and ignored `_x`/`.x`/`testdata` directories, a name test runners
//! collect), Go build constraint lines (`//go:build ignore`, `// +build`), Rust attributes (`#[cfg(…)]`,
//! `#[cfg_attr(…)]`, `#[test]`) on the items around the lines, the file's `#![cfg]`, the `mod` line that
//! brings a Rust file into its crate, and Python's enclosing `if`s (`if TYPE_CHECKING:`, `if False:`).
//!
//! Two uses, like [`crate::context`]'s: a port notes on a thread whose lines kept their bytes when what
//! decides whether they are built changed ([`BuildCheck::notes`]: the port then signs `changed`, never a
//! bare `exact` or `moved`), and the update summary names every rename and mode change with the flags of
//! [`path_flags`] and the build lines ([`build_lines`]) the update added or removed.
//!
//! Everything here is read lexically, in one linear pass per file; conditions are compared as text, and
//! evaluated only for the constant Rust `cfg` forms (`any()` is never true, `all()` always).

use std::collections::HashMap;

use vitrine_snapshot::{Snapshot, lexis};
use vitrine_syntax::Language;

use crate::{CompareError, Side, SnapshotDiff, Status};

/// The operating systems Go knows as `GOOS` (a `_GOOS` file-name suffix builds the file only there).
const GOOS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "zos",
];

/// The architectures Go knows as `GOARCH`.
const GOARCH: &[&str] = &[
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "ppc64",
    "ppc64le",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

/// Suffixes that set a file aside: no build rule or test runner takes `auth.c.orig` for `auth.c`.
const SET_ASIDE: &[&str] = &[
    ".orig",
    ".bak",
    ".backup",
    ".old",
    ".disabled",
    ".disable",
    ".off",
    ".skip",
    ".rej",
    ".save",
    ".tmp",
    ".swp",
    ".dist",
    ".sample",
    ".example",
    ".unused",
    ".deleted",
    "~",
];

/// What Go's file-name rules say of `path` (go/build's `goodOSArchFile` and `_test.go`, and the `_x`,
/// `.x` and `testdata` names the go tool skips): empty for a `.go` file built everywhere, and for any
/// other file.
pub fn go_name_conditions(path: &str) -> Vec<String> {
    let Some(stem) = path.strip_suffix(".go") else { return Vec::new() };
    let mut out = Vec::new();
    let mut parts: Vec<&str> = path.split('/').collect();
    let file = parts.pop().unwrap_or_default();
    if let Some(d) = parts.iter().find(|d| d.starts_with('_') || d.starts_with('.') || **d == "testdata") {
        out.push(format!("in a directory the go tool skips (`{d}/`)"));
    }
    if file.starts_with('_') || file.starts_with('.') {
        out.push(format!("a file name the go tool skips (`{file}`)"));
    }
    let name = stem.rsplit('/').next().unwrap_or(stem);
    // As go/build: only what follows the first `_` of the name before its first dot counts.
    let name = name.split('.').next().unwrap_or(name);
    let Some(i) = name.find('_') else { return out };
    let mut l: Vec<&str> = name[i..].split('_').collect();
    if l.len() >= 2 && l.last() == Some(&"test") {
        out.push("a `_test.go` file: built only by `go test`".to_owned());
        l.pop();
    }
    let n = l.len();
    if n >= 2 && GOOS.contains(&l[n - 2]) && GOARCH.contains(&l[n - 1]) {
        out.push(format!(
            "file name `_{}_{}`: built only when GOOS is {} and GOARCH {}",
            l[n - 2],
            l[n - 1],
            l[n - 2],
            l[n - 1]
        ));
    } else if n >= 1 && GOOS.contains(&l[n - 1]) {
        out.push(format!("file name `_{}`: built only when GOOS is {}", l[n - 1], l[n - 1]));
    } else if n >= 1 && GOARCH.contains(&l[n - 1]) {
        out.push(format!("file name `_{}`: built only when GOARCH is {}", l[n - 1], l[n - 1]));
    }
    out
}

/// Whether test runners collect `path` by its name (pytest's `test_*.py`/`*_test.py`, Go's `_test.go`,
/// JavaScript's `*.test.js`/`*.spec.ts`, Java's `*Test.java`, a Rust file under `tests/`).
pub fn is_test_name(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    let (stem, ext) = file.rsplit_once('.').unwrap_or((file, ""));
    match ext {
        "py" => stem.starts_with("test_") || stem.ends_with("_test"),
        "go" => stem.ends_with("_test"),
        "js" | "mjs" | "cjs" | "jsx" | "ts" | "tsx" | "mts" | "cts" => {
            stem.ends_with(".test") || stem.ends_with(".spec")
        }
        "java" | "kt" | "cs" => stem.ends_with("Test") || stem.ends_with("Tests") || stem.starts_with("Test"),
        "rs" => path.starts_with("tests/") || path.contains("/tests/"),
        _ => false,
    }
}

/// What a rename from `old` to `new` changes in whether the file is built or run, said for a reader: its
/// language by name (`auth.c` -> `auth.c.orig` leaves the C sources), a suffix that sets it aside, Go's
/// file-name conditions, a test runner no longer collecting it. Empty when the names say the same.
pub fn path_flags(old: &str, new: &str) -> Vec<String> {
    let mut out = Vec::new();
    if old == new {
        return out;
    }
    let (lo, ln) = (vitrine_syntax::language_for_path(old, b""), vitrine_syntax::language_for_path(new, b""));
    let ext = |p: &str| {
        let f = p.rsplit('/').next().unwrap_or(p);
        f.split_once('.').map_or_else(|| "no extension".to_owned(), |(_, e)| format!("`.{e}`"))
    };
    match (lo, ln) {
        (Some(a), None) => out.push(format!(
            "no longer a {} source file by its name ({} -> {}): build rules and tools that select files by extension leave it out",
            lang_name(a),
            ext(old),
            ext(new)
        )),
        (Some(a), Some(b)) if a != b => {
            out.push(format!("its language by name changes from {} to {}", lang_name(a), lang_name(b)))
        }
        (None, Some(b)) => out.push(format!("now a {} source file by its name ({} -> {})", lang_name(b), ext(old), ext(new))),
        _ => {}
    }
    let file = |p: &str| p.rsplit('/').next().unwrap_or(p).to_ascii_lowercase();
    if let Some(s) = SET_ASIDE.iter().find(|s| file(new).ends_with(*s) && !file(old).ends_with(*s)) {
        out.push(format!("renamed with a `{s}` suffix: set aside from the build and the tests"));
    }
    if is_test_name(old) && !is_test_name(new) {
        out.push("no longer named as a test: test runners that collect tests by name skip it".to_owned());
    }
    let (go, gn) = (go_name_conditions(old), go_name_conditions(new));
    if go != gn && new.ends_with(".go") {
        out.push(format!(
            "Go file-name build conditions: {} before, {} now",
            list_or_none(&go),
            list_or_none(&gn)
        ));
    }
    out
}

/// What a mode change does: the executable bit gained or lost (`None` for other changes, or none).
pub fn mode_flag(old: Option<&str>, new: Option<&str>) -> Option<&'static str> {
    let exec = |m: &str| m == "100755";
    match (old, new) {
        (Some(o), Some(n)) if o != n && !exec(o) && exec(n) => Some("made executable"),
        (Some(o), Some(n)) if o != n && exec(o) && !exec(n) => Some("no longer executable"),
        _ => None,
    }
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() { "none".to_owned() } else { items.join("; ") }
}

/// A line that decides what is built: its 1-based line and text (`//go:build ignore`, `#[cfg(any())]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildLine {
    /// 1-based line where it starts.
    pub line: u32,
    /// Its text, whitespace collapsed.
    pub text: String,
}

/// Go build constraint lines (`//go:build …`, `// +build …`), read as go/build reads a file's header
/// (`parseFileHeader`, `shouldBuild`): the header runs to the first text that is neither blank nor a
/// comment (a `package` inside a `/* */` comment does not end it); a `//go:build` line counts when it
/// starts its line outside a `/* */` comment; a `// +build` line only before the header's last blank
/// line.
fn go_constraints(source: &[u8]) -> Vec<BuildLine> {
    let word_after = |line: &[u8], prefix: &[u8]| {
        line.strip_prefix(prefix).is_some_and(|r| r.first().is_none_or(|c| matches!(c, b' ' | b'\t')))
    };
    let mut out = Vec::new();
    let mut plus = Vec::new(); // `+build` lines: (line, offset after it)
    let (mut end, mut ended, mut in_comment, mut offset) = (0usize, false, false, 0usize);
    'lines: for (i, raw) in source.split_inclusive(|&b| b == b'\n').enumerate() {
        offset += raw.len();
        let line = raw.trim_ascii();
        if line.is_empty() && !ended {
            end = offset;
            continue;
        }
        if !line.starts_with(b"//") {
            ended = true;
        }
        let text = || collapse(&String::from_utf8_lossy(line));
        if !in_comment && word_after(line, b"//go:build") {
            out.push(BuildLine { line: i as u32 + 1, text: text() });
        }
        if line.starts_with(b"//") && word_after(line[2..].trim_ascii(), b"+build") {
            plus.push((BuildLine { line: i as u32 + 1, text: text() }, offset));
        }
        let mut rest = line;
        loop {
            if in_comment {
                match rest.windows(2).position(|w| w == b"*/") {
                    Some(k) => {
                        in_comment = false;
                        rest = rest[k + 2..].trim_ascii();
                    }
                    None => continue 'lines,
                }
            } else if rest.is_empty() || rest.starts_with(b"//") {
                continue 'lines;
            } else if let Some(r) = rest.strip_prefix(b"/*") {
                in_comment = true;
                rest = r.trim_ascii();
            } else {
                break 'lines;
            }
        }
    }
    out.extend(plus.into_iter().filter(|(_, after)| *after <= end).map(|(l, _)| l));
    out.sort_by_key(|l| l.line);
    out
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A Rust file read for the attributes that decide what is built.
#[derive(Debug, Default)]
pub struct RustScan {
    /// The `cfg`, `cfg_attr` and `test` attributes, in file order.
    pub attrs: Vec<BuildLine>,
    /// Those of them that are inner attributes of the file (`#![cfg(test)]` at the top level).
    pub file_attrs: Vec<usize>,
    /// Per line (0-based): index in `chains` of the attributes of the items around or on it.
    chain: Vec<u32>,
    chains: Vec<Vec<usize>>,
    /// `mod name;` declarations: (name, 1-based line, the attributes in effect on it).
    pub mods: Vec<(String, u32, Vec<usize>)>,
}

impl RustScan {
    /// The attributes of the items around or on the 0-based lines `r` (the file's own left out).
    fn item_attrs(&self, r: &std::ops::Range<usize>) -> Vec<&BuildLine> {
        let mut ids: Vec<usize> = r.clone().flat_map(|l| self.at(l).to_vec()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter().filter(|i| !self.file_attrs.contains(i)).filter_map(|i| self.attrs.get(i)).collect()
    }

    /// The attributes around or on 0-based line `l`, as indices into `attrs`.
    fn at(&self, l: usize) -> &[usize] {
        let id = self.chain.get(l).copied().unwrap_or(0) as usize;
        self.chains.get(id).map_or(&[], Vec::as_slice)
    }
}

/// Whether an attribute's text (`#[cfg(x)]`, `#![cfg_attr(a, b)]`) is one that decides what is built.
fn is_build_attr(text: &str) -> bool {
    let inner = text
        .trim_start_matches('#')
        .trim_start_matches('!')
        .trim_start()
        .trim_start_matches('[')
        .trim_start();
    let word: String = inner.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
    matches!(word.as_str(), "cfg" | "cfg_attr" | "test" | "core::prelude::v1::test")
}

/// Scans Rust source: its build attributes, which lines each applies to, and its `mod name;` lines.
pub fn scan_rust(source: &[u8]) -> RustScan {
    let mut out = RustScan { chains: vec![Vec::new()], ..RustScan::default() };
    let mut interned: HashMap<Vec<usize>, u32> = HashMap::from([(Vec::new(), 0)]);
    let mut stack: Vec<Vec<usize>> = Vec::new(); // per open brace: the attributes of its item
    let mut pending: Vec<usize> = Vec::new();
    let mut parens = 0i64;
    let mut touched: Vec<usize> = Vec::new();
    let start_line = |stack: &Vec<Vec<usize>>, pending: &Vec<usize>| -> Vec<usize> {
        stack.iter().flatten().chain(pending.iter()).copied().collect()
    };
    let mut end_line = |out: &mut RustScan, touched: &mut Vec<usize>| {
        touched.sort_unstable();
        touched.dedup();
        let id = match interned.get(touched.as_slice()) {
            Some(&id) => id,
            None => {
                let id = out.chains.len() as u32;
                out.chains.push(touched.clone());
                interned.insert(touched.clone(), id);
                id
            }
        };
        out.chain.push(id);
    };
    let n = source.len();
    let mut i = 0usize;
    let mut line = 0u32;
    let mut prev_ident_end = false;
    while i < n {
        // Comments, literals and lifetimes, as rustc reads them (one rule for every reader of Rust).
        if let Some((_, end)) = lexis::rust_token_at(source, i) {
            let end = end.clamp(i + 1, n);
            for _ in source[i..end].iter().filter(|&&c| c == b'\n') {
                end_line(&mut out, &mut touched);
                touched = start_line(&stack, &pending);
                line += 1;
            }
            i = end;
            prev_ident_end = false;
            continue;
        }
        let b = source[i];
        match b {
            b'\n' => {
                end_line(&mut out, &mut touched);
                touched = start_line(&stack, &pending);
                line += 1;
                i += 1;
                prev_ident_end = false;
                continue;
            }
            b'#' => {
                let mut j = i + 1;
                let inner = source.get(j) == Some(&b'!');
                if inner {
                    j += 1;
                }
                while j < n && matches!(source[j], b' ' | b'\t' | b'\r' | b'\n') {
                    j += 1;
                }
                if source.get(j) == Some(&b'[') {
                    // The attribute, brackets balanced, strings skipped.
                    let mut depth = 0i64;
                    let mut k = j;
                    while k < n {
                        match source[k] {
                            b'[' => depth += 1,
                            b']' => {
                                depth -= 1;
                                if depth == 0 {
                                    k += 1;
                                    break;
                                }
                            }
                            _ => {
                                if let Some((_, end)) = lexis::rust_token_at(source, k) {
                                    k = end.max(k + 1);
                                    continue;
                                }
                            }
                        }
                        k += 1;
                    }
                    let text = collapse(&String::from_utf8_lossy(&source[i..k.min(n)]));
                    let newlines = source[i..k.min(n)].iter().filter(|&&c| c == b'\n').count();
                    if is_build_attr(&text) {
                        let idx = out.attrs.len();
                        out.attrs.push(BuildLine { line: line + 1, text });
                        touched.push(idx);
                        if inner {
                            match stack.last_mut() {
                                Some(frame) => frame.push(idx),
                                None => out.file_attrs.push(idx),
                            }
                        } else {
                            pending.push(idx);
                        }
                    }
                    for _ in 0..newlines {
                        end_line(&mut out, &mut touched);
                        touched = start_line(&stack, &pending);
                        line += 1;
                    }
                    i = k.min(n);
                    continue;
                }
            }
            b'{' => {
                stack.push(std::mem::take(&mut pending));
                parens = 0;
            }
            b'}' => {
                stack.pop();
                pending.clear();
                parens = 0;
            }
            b'(' | b'[' => parens += 1,
            b')' | b']' => parens -= 1,
            b';' | b',' if parens <= 0 => pending.clear(),
            _ => {}
        }
        if (b.is_ascii_alphabetic() || b == b'_') && !prev_ident_end {
            let s = i;
            while i < n && (source[i].is_ascii_alphanumeric() || source[i] == b'_') {
                i += 1;
            }
            if &source[s..i] == b"mod" {
                // `mod name;`: a file of the crate, and the attributes in effect on it.
                let mut j = i;
                while j < n && matches!(source[j], b' ' | b'\t' | b'\r') {
                    j += 1;
                }
                let ns = j;
                while j < n && (source[j].is_ascii_alphanumeric() || source[j] == b'_') {
                    j += 1;
                }
                let name = String::from_utf8_lossy(&source[ns..j]).into_owned();
                while j < n && matches!(source[j], b' ' | b'\t' | b'\r') {
                    j += 1;
                }
                if !name.is_empty() && source.get(j) == Some(&b';') {
                    let name = name.strip_prefix("r#").unwrap_or(&name).to_owned();
                    let mut attrs: Vec<usize> =
                        stack.iter().flatten().chain(pending.iter()).copied().collect();
                    attrs.sort_unstable();
                    attrs.dedup();
                    out.mods.push((name, line + 1, attrs));
                }
            }
            prev_ident_end = false;
            continue;
        }
        prev_ident_end = b.is_ascii_digit();
        i += 1;
    }
    if n > 0 && source.last() != Some(&b'\n') {
        end_line(&mut out, &mut touched);
    }
    out
}

/// A constant `cfg` predicate's value: `Some(false)` for `any()`, `not(all())` and the like, `Some(true)`
/// for `all()`, `None` when it depends on the build (`unix`, `feature = "x"`).
pub fn cfg_value(pred: &str) -> Option<bool> {
    let p = pred.trim();
    let args = |name: &str| -> Option<Vec<String>> {
        let rest = p.strip_prefix(name)?.trim_start();
        let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
        Some(split_top(inner))
    };
    if let Some(a) = args("any") {
        let vals: Vec<Option<bool>> = a.iter().map(|x| cfg_value(x)).collect();
        return if vals.contains(&Some(true)) {
            Some(true)
        } else if vals.iter().all(|v| *v == Some(false)) {
            Some(false)
        } else {
            None
        };
    }
    if let Some(a) = args("all") {
        let vals: Vec<Option<bool>> = a.iter().map(|x| cfg_value(x)).collect();
        return if vals.contains(&Some(false)) {
            Some(false)
        } else if vals.iter().all(|v| *v == Some(true)) {
            Some(true)
        } else {
            None
        };
    }
    if let Some(a) = args("not") {
        return match a.as_slice() {
            [x] => cfg_value(x).map(|v| !v),
            _ => None,
        };
    }
    None
}

/// The comma-separated parts of `s` at parenthesis depth 0, empty ones left out.
fn split_top(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    let mut in_str = false;
    for c in s.chars() {
        match c {
            '"' => in_str = !in_str,
            '(' if !in_str => depth += 1,
            ')' if !in_str => depth -= 1,
            ',' if depth == 0 && !in_str => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out.into_iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect()
}

/// Whether an attribute is a `cfg` that is never true (`#[cfg(any())]`: Rust's `#if 0`).
fn never(a: &BuildLine) -> bool {
    let body = a.text.trim_start_matches('#').trim_start_matches('!').trim();
    let body = body.strip_prefix('[').and_then(|b| b.strip_suffix(']')).unwrap_or(body).trim();
    body.strip_prefix("cfg")
        .map(str::trim_start)
        .and_then(|r| r.strip_prefix('('))
        .and_then(|r| r.strip_suffix(')'))
        .is_some_and(|pred| cfg_value(pred) == Some(false))
}

/// An attribute as a reader sees it: its text, its line, and "never true" when its `cfg` is constant false.
fn attr_text(a: &BuildLine) -> String {
    format!("`{}` (line {}{})", a.text, a.line, if never(a) { ", never true: never compiled" } else { "" })
}

/// [`attr_text`] without the line (lines move with edits above).
fn attr_plain(a: &BuildLine) -> String {
    format!("`{}`{}", a.text, if never(a) { " (never true: never compiled)" } else { "" })
}

/// Python's enclosing conditionals, per line: `if X:`, `elif`, `else` (joined to their `if`), by
/// indentation; the lines that continue a logical line (inside a string, inside brackets, after a
/// backslash) keep the line before's.
#[derive(Debug, Default)]
pub struct PyScan {
    chain: Vec<u32>,
    chains: Vec<Vec<BuildLine>>,
}

/// Per line of Python source (as [`crate::port::lines`] splits it): whether it continues the logical
/// line before (it starts inside a string, inside brackets, or after a backslash), and the length of
/// its code before a comment. Strings and comments are `lexis::python_token_at`'s: a `"""` inside a
/// string or a comment opens nothing, a `#` inside a string starts no comment.
fn python_lines(source: &[u8]) -> Vec<(bool, usize)> {
    let n = source.len();
    let mut out = Vec::new();
    let (mut line_start, mut continued, mut code_end) = (0usize, false, None::<usize>);
    let (mut depth, mut backslash) = (0usize, false);
    let mut i = 0usize;
    while i < n {
        if let Some((token, end)) = lexis::python_token_at(source, i) {
            let end = end.clamp(i + 1, n);
            if token == lexis::PythonToken::Comment {
                code_end.get_or_insert(i - line_start);
            }
            // The lines a string runs over continue the line it starts on.
            for (k, _) in source[i..end].iter().enumerate().filter(|(_, c)| **c == b'\n') {
                let nl = i + k;
                out.push((continued, code_end.take().unwrap_or(nl - line_start)));
                (line_start, continued) = (nl + 1, true);
            }
            i = end;
            continue;
        }
        match source[i] {
            b'\n' => {
                out.push((continued, code_end.take().unwrap_or(i - line_start)));
                (line_start, continued) = (i + 1, depth > 0 || backslash);
                backslash = false;
            }
            b'\\' => backslash = matches!(source.get(i + 1..), Some([b'\n', ..] | [b'\r', b'\n', ..])),
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    if line_start < n {
        out.push((continued, code_end.unwrap_or(n - line_start)));
    }
    out
}

/// Scans Python source for the conditionals around each line.
pub fn scan_python(source: &[u8]) -> PyScan {
    let mut out = PyScan { chains: vec![Vec::new()], ..PyScan::default() };
    let mut stack: Vec<(usize, BuildLine)> = Vec::new(); // (indent, header)
    let mut current = 0u32;
    let lines: Vec<&[u8]> = crate::port::lines(source);
    let info = python_lines(source);
    // A line's code: before its comment, without the line break or a joining backslash.
    let code_of = |l: usize| -> String {
        let raw = lines.get(l).copied().unwrap_or_default();
        let len = info.get(l).map_or(raw.len(), |x| x.1).min(raw.len());
        let code = String::from_utf8_lossy(&raw[..len]);
        let code = code.trim();
        code.strip_suffix('\\').unwrap_or(code).trim().to_owned()
    };
    for (i, raw) in lines.iter().enumerate() {
        if info.get(i).is_some_and(|x| x.0) {
            out.chain.push(current);
            continue;
        }
        let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
        let text = String::from_utf8_lossy(raw);
        let first = code_of(i);
        if first.is_empty() {
            out.chain.push(current);
            continue;
        }
        let indent: usize =
            text.chars().take_while(|c| c.is_whitespace()).map(|c| if c == '\t' { 8 } else { 1 }).sum();
        let mut joined: Option<BuildLine> = None;
        while stack.last().is_some_and(|(d, _)| *d >= indent) {
            let (d, h) = stack.pop().unwrap_or_else(|| unreachable!());
            if d == indent {
                joined = Some(h);
            }
        }
        let frames: Vec<BuildLine> = stack.iter().map(|(_, h)| h.clone()).collect();
        current = match out.chains.iter().position(|c| *c == frames) {
            Some(p) => p as u32,
            None => {
                out.chains.push(frames);
                out.chains.len() as u32 - 1
            }
        };
        out.chain.push(current);
        let word =
            first.split(|c: char| !c.is_alphanumeric() && c != '_').next().unwrap_or_default().to_owned();
        if !matches!(word.as_str(), "if" | "elif" | "else") {
            continue;
        }
        // The header's logical line: this line's code and its continuation lines'.
        let mut code = first;
        for l in (i + 1..lines.len()).take_while(|&l| info.get(l).is_some_and(|x| x.0)) {
            let more = code_of(l);
            if !more.is_empty() {
                code.push(' ');
                code.push_str(&more);
            }
        }
        if code.ends_with(':') {
            let text = match (&joined, word.as_str()) {
                (Some(j), "elif" | "else") => {
                    format!("{} … {}", j.text.split(" … ").next().unwrap_or_default(), code)
                }
                _ => code,
            };
            stack.push((indent, BuildLine { line: i as u32 + 1, text }));
        }
    }
    out
}

impl PyScan {
    fn at(&self, l: usize) -> &[BuildLine] {
        let id = self.chain.get(l).copied().unwrap_or(0) as usize;
        self.chains.get(id).map_or(&[], Vec::as_slice)
    }
}

/// Whether a Python conditional is known never to run its branch: `if False:`, `if 0:`, `if
/// TYPE_CHECKING:` (true only for type checkers), the `else` of `if True:`.
fn py_dead(text: &str) -> bool {
    let first = text.split(" … ").next().unwrap_or_default();
    let cond = |s: &str| {
        s.trim_start_matches("if").trim().trim_end_matches(':').trim().trim_matches(['(', ')']).to_owned()
    };
    let c = cond(first);
    if text.contains(" … else") {
        return matches!(c.as_str(), "True" | "1");
    }
    if text.contains(" … elif") {
        return false;
    }
    matches!(c.as_str(), "False" | "0" | "None" | "TYPE_CHECKING" | "typing.TYPE_CHECKING")
}

/// One side of a file, read once for every thread on it.
#[derive(Default)]
struct FileBuild {
    /// Go constraint lines, or a Rust file's inner `cfg` attributes.
    header: Vec<String>,
    rust: Option<RustScan>,
    python: Option<PyScan>,
    /// Functions: (name, first and last 0-based line).
    defs: Vec<(String, u32, u32)>,
}

impl FileBuild {
    fn new(path: &str, bytes: &[u8]) -> FileBuild {
        let lang = vitrine_syntax::language_for_path(path, bytes);
        let mut f = FileBuild::default();
        match lang {
            Some(Language::Go) => {
                f.header = go_constraints(bytes).into_iter().map(|l| attr_line(&l)).collect()
            }
            Some(Language::Rust) => {
                let s = scan_rust(bytes);
                f.header = s.file_attrs.iter().filter_map(|&i| s.attrs.get(i)).map(attr_text).collect();
                f.rust = Some(s);
            }
            Some(Language::Python) => f.python = Some(scan_python(bytes)),
            _ => {}
        }
        // Only a Go package or a Rust crate is searched for a second definition.
        if let Some(lang) = lang.filter(|l| matches!(l, Language::Go | Language::Rust)) {
            f.defs = functions(lang, bytes);
        }
        f
    }
}

fn attr_line(l: &BuildLine) -> String {
    format!("`{}` (line {})", l.text, l.line)
}

/// The functions of a file: (name, first and last 0-based line).
fn functions(lang: Language, bytes: &[u8]) -> Vec<(String, u32, u32)> {
    vitrine_syntax::extract_definitions(lang, bytes)
        .definitions
        .into_iter()
        .filter(|s| s.kind.is_function_like())
        .map(|s| {
            let name = if s.scope.is_empty() { s.name } else { format!("{}::{}", s.scope, s.name) };
            (name, s.range.start.line, s.range.end.line)
        })
        .collect()
}

/// Where a file's definitions share one namespace with others: a Go package (its directory) or a Rust
/// crate (the directory of the nearest `Cargo.toml`, else the snapshot's root).
fn package_of(snap: &Snapshot, lang: Language, path: &str) -> Option<Package> {
    let dir = |p: &str| p.rsplit_once('/').map_or(String::new(), |(d, _)| d.to_owned());
    match lang {
        Language::Go => Some((lang, dir(path))),
        Language::Rust => {
            let mut d = dir(path);
            loop {
                let manifest = if d.is_empty() { "Cargo.toml".to_owned() } else { format!("{d}/Cargo.toml") };
                if snap.file(manifest.as_bytes()).is_some() || d.is_empty() {
                    return Some((lang, d));
                }
                d = dir(&d);
            }
        }
        _ => None,
    }
}

/// A Go package or a Rust crate: its language and directory.
type Package = (Language, String);

/// By function name: where a file defines it (path, 1-based line).
type Places = HashMap<String, Vec<(String, u32)>>;

/// The `mod` line that brings a Rust file into its crate: the declaring file, its line, its attributes.
type ModLine = (String, u32, Vec<String>);

/// The build checks of one port between two snapshots ([`crate::context::PortContext`] asks them for
/// every placed thread): files read once per side, packages' added definitions found once, when needed.
pub struct BuildCheck<'a> {
    old: &'a Snapshot,
    new: &'a Snapshot,
    diff: &'a SnapshotDiff,
    files: HashMap<(bool, String), FileBuild>,
    /// Per package: name -> (path, 1-based line) of each function a file the update added or changed
    /// in that package defines more often than before.
    added: HashMap<Package, Places>,
    /// Per side and Rust file: the `mod` line that declares it (parent path, line, its attributes).
    mods: HashMap<(bool, String), Option<ModLine>>,
}

impl<'a> BuildCheck<'a> {
    /// Checks between `old` and `new`, whose diff is `diff`.
    pub fn new(old: &'a Snapshot, new: &'a Snapshot, diff: &'a SnapshotDiff) -> BuildCheck<'a> {
        BuildCheck { old, new, diff, files: HashMap::new(), added: HashMap::new(), mods: HashMap::new() }
    }

    fn file(&mut self, side: Side, path: &str) -> Result<&FileBuild, CompareError> {
        let key = (side == Side::New, path.to_owned());
        if !self.files.contains_key(&key) {
            let snap = if side == Side::Old { self.old } else { self.new };
            let f = match crate::context::read(snap, path, side)? {
                Some(bytes) => FileBuild::new(path, &bytes),
                None => FileBuild::default(),
            };
            self.files.insert(key.clone(), f);
        }
        Ok(&self.files[&key])
    }

    /// The notes for a thread on `old_lines` of `old_path` now on `new_lines` of `new_path` (paths as
    /// the diff shows them): what decides whether those lines are built, when the update changed it.
    /// `same_bytes`: the file's bytes and the lines are as they were.
    pub fn notes(
        &mut self,
        (old_path, old_lines): (&str, [u32; 2]),
        (new_path, new_lines): (&str, [u32; 2]),
        same_bytes: bool,
    ) -> Result<Vec<String>, CompareError> {
        let mut notes = Vec::new();
        let renamed = old_path != new_path;
        if renamed {
            for f in path_flags(old_path, new_path) {
                notes.push(format!("the file was renamed {old_path} -> {new_path}: {f}"));
            }
        }
        let range = |l: [u32; 2]| (l[0].max(1) as usize - 1)..(l[1].max(l[0]).max(1) as usize);
        let (or, nr) = (range(old_lines), range(new_lines));
        if renamed || !same_bytes {
            self.file(Side::Old, old_path)?;
            self.file(Side::New, new_path)?;
            let o = &self.files[&(false, old_path.to_owned())];
            let n = &self.files[&(true, new_path.to_owned())];
            if o.header != n.header {
                notes.push(format!(
                    "the file's build constraints changed: {} before, {} now",
                    list_or_none(&o.header),
                    list_or_none(&n.header)
                ));
            }
            if let (Some(os), Some(ns)) = (&o.rust, &n.rust) {
                let (oa, na) = (os.item_attrs(&or), ns.item_attrs(&nr));
                let texts = |a: &[&BuildLine]| a.iter().map(|l| l.text.clone()).collect::<Vec<_>>();
                if texts(&oa) != texts(&na) {
                    let show = |a: &[&BuildLine]| {
                        if a.is_empty() {
                            "none".to_owned()
                        } else {
                            a.iter().map(|l| attr_text(l)).collect::<Vec<_>>().join(", ")
                        }
                    };
                    notes.push(format!(
                        "the Rust attributes that decide whether the quoted lines are compiled changed: {} before, {} now",
                        show(&oa),
                        show(&na)
                    ));
                }
            }
            if let (Some(os), Some(ns)) = (&o.python, &n.python) {
                let chain = |s: &PyScan, r: &std::ops::Range<usize>| -> Vec<BuildLine> {
                    [r.start, r.end.saturating_sub(1)].iter().flat_map(|&l| s.at(l).to_vec()).collect()
                };
                let (oc, nc) = (chain(os, &or), chain(ns, &nr));
                let texts = |c: &[BuildLine]| c.iter().map(|l| l.text.clone()).collect::<Vec<_>>();
                if texts(&oc) != texts(&nc) {
                    let show = |c: &[BuildLine]| {
                        if c.is_empty() {
                            "none".to_owned()
                        } else {
                            let mut seen = Vec::new();
                            for l in c {
                                let s = format!(
                                    "`{}` (line {}{})",
                                    l.text,
                                    l.line,
                                    if py_dead(&l.text) { ", never run" } else { "" }
                                );
                                if !seen.contains(&s) {
                                    seen.push(s);
                                }
                            }
                            seen.join(" > ")
                        }
                    };
                    notes.push(format!(
                        "the conditionals around the quoted lines changed: {} before, {} now",
                        show(&oc),
                        show(&nc)
                    ));
                }
            }
        }
        // By name: an unchanged file in another language is not read at all.
        let lang = vitrine_syntax::language_for_path(new_path, b"");
        if lang == Some(Language::Rust) {
            let (om, nm) = (self.rust_mod(Side::Old, old_path)?, self.rust_mod(Side::New, new_path)?);
            let show = |m: &Option<ModLine>| match m {
                None => "not declared by a `mod` line (not compiled)".to_owned(),
                Some((p, l, a)) if a.is_empty() => format!("declared at {p}:{l} with no `cfg`"),
                Some((p, l, a)) => format!("declared at {p}:{l} under {}", a.join(", ")),
            };
            let attrs = |m: &Option<ModLine>| m.as_ref().map(|(_, _, a)| a.clone());
            // A file that is a crate root (no `mod` line either side) says nothing.
            if attrs(&om) != attrs(&nm) {
                notes.push(format!(
                    "the module that holds the file changed: {} before, {} now",
                    show(&om),
                    show(&nm)
                ));
            }
        }
        if let Some(lang) = lang.filter(|l| matches!(l, Language::Go | Language::Rust))
            && let Some(pkg) = package_of(self.new, lang, new_path)
        {
            if !self.added.contains_key(&pkg) {
                let found = self.added_in(&pkg)?;
                self.added.insert(pkg.clone(), found);
            }
            if !self.added[&pkg].is_empty() {
                let o = self.file(Side::Old, old_path)?;
                let mut names: Vec<String> = o
                    .defs
                    .iter()
                    .filter(|d| (d.1 as usize) < or.end && (d.2 as usize) >= or.start)
                    .map(|d| d.0.clone())
                    .collect();
                names.sort_unstable();
                names.dedup();
                let what = if lang == Language::Go { "Go package" } else { "Rust crate" };
                for name in names {
                    let at: Vec<&(String, u32)> = self.added[&pkg]
                        .get(&name)
                        .map(|v| v.iter().filter(|(p, _)| p != new_path).collect())
                        .unwrap_or_default();
                    if at.is_empty() {
                        continue;
                    }
                    let list: Vec<String> = at.iter().take(3).map(|(p, l)| format!("{p}:{l}")).collect();
                    let more =
                        if at.len() > 3 { format!(" and {} more", at.len() - 3) } else { String::new() };
                    notes.push(format!(
                        "{name} is now also defined at {}{more}, in the same {what} (a file this update added or changed): the quoted lines may no longer be the {name} that is built",
                        list.join(", ")
                    ));
                }
            }
        }
        Ok(notes)
    }

    /// The `mod` line declaring Rust file `path` on `side`: in `dir/mod.rs`, `dir/lib.rs`, `dir/main.rs`
    /// or `dir.rs` (for `dir/name.rs`; for `dir/mod.rs` one level up), with its `cfg` attributes as
    /// text. `None` when no such file declares it (a crate root, or a file left out of the crate).
    fn rust_mod(&mut self, side: Side, path: &str) -> Result<Option<ModLine>, CompareError> {
        let key = (side == Side::New, path.to_owned());
        if let Some(m) = self.mods.get(&key) {
            return Ok(m.clone());
        }
        let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
        let stem = file.strip_suffix(".rs").unwrap_or(file);
        let (name, parent_dir) = if stem == "mod" {
            let (pd, name) = dir.rsplit_once('/').unwrap_or(("", dir));
            (name.to_owned(), pd.to_owned())
        } else {
            (stem.to_owned(), dir.to_owned())
        };
        let join = |d: &str, f: &str| if d.is_empty() { f.to_owned() } else { format!("{d}/{f}") };
        let mut candidates: Vec<String> =
            ["mod.rs", "lib.rs", "main.rs"].iter().map(|f| join(&parent_dir, f)).collect();
        if !parent_dir.is_empty() {
            candidates.push(format!("{parent_dir}.rs"));
        }
        let snap = if side == Side::Old { self.old } else { self.new };
        let mut found = None;
        for c in candidates.iter().filter(|c| c.as_str() != path) {
            let Some(bytes) = crate::context::read(snap, c, side)? else { continue };
            let s = scan_rust(&bytes);
            if let Some((_, line, attrs)) = s.mods.iter().find(|(n, _, _)| *n == name) {
                // Compared by text only: lines move with edits above.
                let texts = attrs.iter().filter_map(|&i| s.attrs.get(i)).map(attr_plain).collect();
                found = Some((c.clone(), *line, texts));
                break;
            }
        }
        self.mods.insert(key, found.clone());
        Ok(found)
    }

    /// The functions the files of `pkg` that the update added or changed define more often than before.
    fn added_in(&self, pkg: &Package) -> Result<Places, CompareError> {
        let mut out = Places::new();
        for c in &self.diff.files {
            if matches!(c.status, Status::Deleted | Status::TypeChanged) || c.old_blob == c.new_blob {
                continue;
            }
            let Some(np) = c.new_path.as_deref() else { continue };
            if vitrine_syntax::language_for_path(np, b"") != Some(pkg.0)
                || package_of(self.new, pkg.0, np).as_ref() != Some(pkg)
            {
                continue;
            }
            let Some(new_bytes) = crate::context::read(self.new, np, Side::New)? else { continue };
            let old_bytes = match c.old_path.as_deref().filter(|_| c.status != Status::Copied) {
                Some(op) => crate::context::read(self.old, op, Side::Old)?.unwrap_or_default(),
                None => Vec::new(),
            };
            let count = |b: &[u8]| -> HashMap<String, Vec<u32>> {
                let mut m: HashMap<String, Vec<u32>> = HashMap::new();
                if !b.is_empty() {
                    for (name, first, _) in functions(pkg.0, b) {
                        m.entry(name).or_default().push(first + 1);
                    }
                }
                m
            };
            let (o, n) = (count(&old_bytes), count(&new_bytes));
            for (name, lines) in n {
                let before = o.get(&name).map_or(0, Vec::len);
                for l in lines.into_iter().skip(before) {
                    out.entry(name.clone()).or_default().push((np.to_owned(), l));
                }
            }
        }
        Ok(out)
    }
}

/// The lines of a file that decide what is built, for the update summary: Go constraint lines and Rust
/// build attributes (`cfg`, `cfg_attr`, `test`). Empty for other languages (C's directives are
/// [`crate::context::scan`]'s).
pub fn build_lines(lang: Option<Language>, source: &[u8]) -> Vec<BuildLine> {
    match lang {
        Some(Language::Go) => go_constraints(source),
        Some(Language::Rust) => scan_rust(source).attrs,
        _ => Vec::new(),
    }
}

/// A build line as the summary shows it: its text, and "never true" for a constant-false `cfg`.
pub fn build_line_text(l: &BuildLine) -> String {
    if never(l) { format!("{} (never true: never compiled)", l.text) } else { l.text.clone() }
}

/// A language's name for a reader.
fn lang_name(l: Language) -> &'static str {
    match l {
        Language::C => "C",
        Language::Cpp => "C++",
        Language::Rust => "Rust",
        Language::Python => "Python",
        Language::Java => "Java",
        Language::Go => "Go",
        Language::JavaScript => "JavaScript",
        Language::TypeScript => "TypeScript",
        Language::Tsx => "TSX",
        Language::CSharp => "C#",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_file_names_say_where_a_file_is_built() {
        assert!(go_name_conditions("auth/auth.go").is_empty());
        assert_eq!(
            go_name_conditions("auth/auth_windows.go"),
            ["file name `_windows`: built only when GOOS is windows"]
        );
        assert_eq!(
            go_name_conditions("auth/auth_linux_arm64.go"),
            ["file name `_linux_arm64`: built only when GOOS is linux and GOARCH arm64"]
        );
        assert_eq!(
            go_name_conditions("x/a_arm64.go"),
            ["file name `_arm64`: built only when GOARCH is arm64"]
        );
        assert_eq!(go_name_conditions("x/a_test.go"), ["a `_test.go` file: built only by `go test`"]);
        assert_eq!(
            go_name_conditions("windows.go"),
            Vec::<String>::new(),
            "no `_`: the whole name is not a suffix"
        );
        assert_eq!(go_name_conditions("x/_auth.go").len(), 1);
        assert_eq!(go_name_conditions("x/testdata/auth.go").len(), 1);
        assert!(go_name_conditions("auth_windows.c").is_empty());
    }

    #[test]
    fn renames_that_take_a_file_out_of_its_build_are_flagged() {
        let f = path_flags("src/auth.c", "src/auth.c.orig");
        assert!(
            f.iter().any(|f| f.starts_with("no longer a C source file by its name (`.c` -> `.c.orig`)")),
            "{f:?}"
        );
        assert!(f.iter().any(|f| f.contains("`.orig` suffix")), "{f:?}");
        let f = path_flags("tests/test_auth.py", "tests/test_auth.py.disabled");
        assert!(f.iter().any(|f| f.contains("no longer named as a test")), "{f:?}");
        assert!(f.iter().any(|f| f.contains("`.disabled` suffix")), "{f:?}");
        let f = path_flags("auth/auth.go", "auth/auth_windows.go");
        assert_eq!(
            f,
            [
                "Go file-name build conditions: none before, file name `_windows`: built only when GOOS is windows now"
            ]
        );
        assert!(path_flags("src/a.c", "lib/a.c").is_empty(), "a move alone says nothing");
        assert_eq!(mode_flag(Some("100644"), Some("100755")), Some("made executable"));
        assert_eq!(mode_flag(Some("100755"), Some("100644")), Some("no longer executable"));
        assert_eq!(mode_flag(Some("100644"), Some("100644")), None);
    }

    #[test]
    fn rust_attributes_apply_to_the_lines_of_their_item() {
        let src = b"#![cfg(unix)]\n\n/// doc\n#[cfg(any())]\npub fn check(a: &str) -> bool {\n    let s = \"}{\";\n    a.is_empty()\n}\n\nfn other() {}\n#[cfg(any())] mod m;\n";
        let s = scan_rust(src);
        let texts: Vec<&str> = s.attrs.iter().map(|a| a.text.as_str()).collect();
        assert_eq!(texts, ["#![cfg(unix)]", "#[cfg(any())]", "#[cfg(any())]"]);
        assert_eq!(s.file_attrs, [0]);
        assert_eq!(s.at(5), [1], "the body's lines");
        assert_eq!(s.at(6), [1]);
        assert!(s.at(9).is_empty(), "the next item has none");
        assert_eq!(s.mods, [("m".to_owned(), 11, vec![2])]);
        assert_eq!(cfg_value("any()"), Some(false));
        assert_eq!(cfg_value("all(any())"), Some(false));
        assert_eq!(cfg_value("not(all())"), Some(false));
        assert_eq!(cfg_value("all()"), Some(true));
        assert_eq!(cfg_value("any(unix, any())"), None);
        assert_eq!(cfg_value("unix"), None);
        assert!(attr_text(&s.attrs[1]).contains("never true"));
        // `cfg_attr` and `#[test]` too; `#[derive]` is not a build attribute.
        let s = scan_rust(b"#[derive(Debug)]\n#[cfg_attr(test, path = \"x\")]\n#[test]\nfn t() {\n}\n");
        assert_eq!(s.attrs.len(), 2);
    }

    /// The build attributes `scan_rust` finds, as text.
    fn attr_texts(src: &[u8]) -> Vec<String> {
        scan_rust(src).attrs.into_iter().map(|a| a.text).collect()
    }

    /// Hostile Rust: an attribute's text hidden in a literal or a comment, or a literal that a reading
    /// other than rustc's ends elsewhere. Each is read as rustc reads it (`vitrine_snapshot::lexis`).
    #[test]
    fn literals_and_comments_hide_attributes_as_rustc_reads_them() {
        let live = |src: &[u8]| {
            let s = scan_rust(src);
            let l = src.split(|&b| b == b'\n').position(|l| l.starts_with(b"fn live")).unwrap();
            (s.attrs.iter().map(|a| a.text.clone()).collect::<Vec<_>>(), s.at(l).to_vec())
        };
        // A raw string with hashes: `"#` does not close `r##"`; nor `cr##"` (a C string).
        for prefix in ["r", "br", "cr"] {
            let src = format!("const S: &str = {prefix}##\"a \"# #[cfg(any())] b\"##;\nfn live() {{}}\n");
            assert_eq!(live(src.as_bytes()), (vec![], vec![]), "{prefix}##\"");
        }
        // A nested comment: the first `*/` closes the inner one only.
        assert_eq!(live(b"/* /* */ #[cfg(test)] */\nfn live() {}\n"), (vec![], vec![]));
        // A character literal `'"'` and a lifetime `'a` before a string.
        let src =
            b"fn f<'a>(x: &'a str) -> char { let _ = \"#[cfg(any())]\"; '\"' }\n#[cfg(unix)]\nfn live() {}\n";
        assert_eq!(live(src), (vec!["#[cfg(unix)]".to_owned()], vec![0]));
        // A lifetime named `r`, then a plain string (escapes), not a raw string: `\"` does not end it.
        let src = b"m!('r\"\\\" #[cfg(any())] \\\"\");\nfn live() {}\n";
        assert_eq!(live(src), (vec![], vec![]), "'r\"…\" is a lifetime and a string");
        // A byte string `b"\""` and a byte literal `b'"'`.
        let src = b"const Q: &[u8] = b\"\\\"\"; const C: u8 = b'\"';\n#[cfg(any())]\nfn live() {}\n";
        assert_eq!(live(src), (vec!["#[cfg(any())]".to_owned()], vec![0]));
        // A `"` inside comments.
        let src = b"// a \" quote\n/* and \" one */\n#[cfg(any())]\nfn live() {}\n";
        assert_eq!(live(src), (vec!["#[cfg(any())]".to_owned()], vec![0]));
        // Literals and comments inside an attribute: its `]` is the one rustc closes it with.
        assert_eq!(
            attr_texts(b"#[doc = r\"\\\"] fn a() {}\n#[cfg(any())]\nfn live() {}\n\"\n"),
            ["#[cfg(any())]"],
            "a raw string in an attribute has no escapes"
        );
        assert_eq!(
            attr_texts(b"#[my_attr('\"')] fn a() {}\n#[cfg(any())]\nfn live() {}\n\"\n"),
            ["#[cfg(any())]"],
            "a character literal in an attribute"
        );
        assert_eq!(attr_texts(b"#[cfg(any() /* ] */)]\nfn live() {}\n"), ["#[cfg(any() /* ] */)]"]);
    }

    /// The build-attribute scan and `lexis`'s rules agree on where each literal and comment ends: over
    /// generated Rust (hostile fragments joined in a pseudo-random order), an attribute `#[cfg(mK)]`
    /// is found exactly when a walk of the text by `lexis::rust_token_at` finds it in code, and so is
    /// the name `mK` by the health check's identifier scan.
    #[test]
    fn the_attribute_scan_and_lexis_agree_on_generated_rust() {
        const FRAGMENTS: &[&str] = &[
            "r##\" @ \"# @ \"##",
            "/* /* */ @ */",
            "'\"'",
            "'a",
            "'r\"\\\" @ \\\"\"",
            "b\"\\\"\"",
            "b'\"'",
            "// \" @\n",
            "/* \" */",
            "\"\\\\\"",
            "'\\''",
            "br#\"\"# @\"#",
            "c\"@\"",
            "cr\"\\\"",
            "'static",
            "\"a\"r\"\\\" @ \\\"\"",
            "r#type",
            "x / y",
            "'\\u{22}'",
            "\"line\n @ \"",
            "@",
            "@",
            "fn f() {}\n",
            "#[doc = r\"\\\"] ",
            "'é'",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut checked = (0, 0);
        for _ in 0..400 {
            let mut text = String::new();
            for _ in 0..1 + next(8) {
                text.push_str(FRAGMENTS[next(FRAGMENTS.len())]);
                text.push_str([" ", "\n", ""][next(3)]);
            }
            let mut k = 0;
            while let Some(at) = text.find('@') {
                text.replace_range(at..at + 1, &format!("#[cfg(m{k})]"));
                k += 1;
            }
            let src = text.as_bytes();
            // Where lexis finds the markers in code.
            let mut expected = Vec::new();
            let mut i = 0;
            while i < src.len() {
                if let Some((_, end)) = lexis::rust_token_at(src, i) {
                    i = end.max(i + 1);
                    continue;
                }
                if src[i..].starts_with(b"#[cfg(m") {
                    let close = i + text[i..].find(']').unwrap() + 1;
                    expected.push((i + 6, text[i..close].to_owned()));
                }
                i += 1;
            }
            let found: Vec<String> = scan_rust(src).attrs.into_iter().map(|a| a.text).collect();
            let texts: Vec<String> = expected.iter().map(|e| e.1.clone()).collect();
            assert_eq!(found, texts, "{text:?}");
            let idents = lexis::code_identifiers("x.rs", &text).unwrap();
            for m in 0..k {
                let name = format!("m{m}");
                let at = text.find(&format!("#[cfg({name})]")).unwrap() + 6;
                let code = idents.contains(&(at, at + name.len()));
                assert_eq!(code, expected.iter().any(|e| e.0 == at), "{name} in {text:?}");
                if code { checked.0 += 1 } else { checked.1 += 1 }
            }
        }
        assert!(checked.0 > 100 && checked.1 > 100, "{checked:?}");
    }

    /// Hostile Python: quotes in strings and comments that a count of `"""` per line, or a split at
    /// ` #`, misreads; a header over several lines. Read by `lexis::python_token_at`.
    #[test]
    fn python_conditionals_are_found_past_hostile_strings_and_comments() {
        let t =
            |src: &[u8], l: usize| scan_python(src).at(l).iter().map(|b| b.text.clone()).collect::<Vec<_>>();
        let src = b"x = '\"\"\"'\nif False:\n    def f():\n        return 1\n";
        assert_eq!(t(src, 3), ["if False:"], "a triple quote inside a string");
        let src = b"s = \"\"\"a\"\"\" + '\"\"\"'\nif False:\n    run()\n";
        assert_eq!(t(src, 2), ["if False:"], "three triple quotes, one of them in a string");
        let src = b"# \"\"\" note\nif TYPE_CHECKING:\n    import x\n";
        assert_eq!(t(src, 2), ["if TYPE_CHECKING:"], "a triple quote in a comment");
        let src = b"if sep == \" #\":  # the separator\n    run()\n";
        assert_eq!(t(src, 1), ["if sep == \" #\":"], "` #` inside a string");
        let src = b"if (False or\n        DEBUG):\n    run()\nlive()\n";
        assert_eq!(t(src, 2), ["if (False or DEBUG):"], "a header over two lines");
        assert!(t(src, 3).is_empty());
        let src = b"doc = \"\"\"\nif False:\n    x\n\"\"\"\nrun()\n";
        assert!(t(src, 2).is_empty() && t(src, 4).is_empty(), "a header inside a string is text");
    }

    /// Go's build constraints, read as go/build reads a file's header: a `//go:build` line in a
    /// `/* */` comment is none, one after a block comment that holds the word `package` is one, and a
    /// `// +build` line counts only when a blank line follows it in the header.
    #[test]
    fn go_constraints_are_read_as_go_build_reads_the_header() {
        let texts =
            |src: &[u8]| go_constraints(src).into_iter().map(|l| (l.line, l.text)).collect::<Vec<_>>();
        let src = b"/*\npackage docs\n*/\n//go:build ignore\n\npackage x\n";
        assert_eq!(texts(src), [(4, "//go:build ignore".to_owned())]);
        assert!(texts(b"/*\n//go:build ignore\n*/\npackage x\n").is_empty());
        assert!(texts(b"/* a */ //go:build ignore\npackage x\n").is_empty(), "not first on its line");
        assert!(texts(b"// +build linux\npackage x\n").is_empty(), "no blank line after it");
        assert_eq!(texts(b"// +build linux\n\npackage x\n"), [(1, "// +build linux".to_owned())]);
        assert_eq!(
            texts(b"// Copyright\n\n//go:build linux\n// +build linux\n\n// Package x.\npackage x\n"),
            [(3, "//go:build linux".to_owned()), (4, "// +build linux".to_owned())]
        );
        assert!(texts(b"package x\n\nvar s = `\n//go:build ignore\n`\n").is_empty());
    }

    #[test]
    fn python_conditionals_are_read_by_indentation() {
        let src = b"import typing\nif typing.TYPE_CHECKING:\n    def f():\n        return 1\nelse:\n    def f():\n        return 2\n\ndef g():\n    return 3\n";
        let s = scan_python(src);
        let t = |l: usize| s.at(l).iter().map(|b| b.text.clone()).collect::<Vec<_>>();
        assert_eq!(t(3), ["if typing.TYPE_CHECKING:"]);
        assert_eq!(t(6), ["if typing.TYPE_CHECKING: … else:"]);
        assert!(t(9).is_empty());
        assert!(py_dead("if typing.TYPE_CHECKING:") && py_dead("if False:") && py_dead("if True: … else:"));
        assert!(!py_dead("if DEBUG:"));
    }
}
