//! Comments continued by a backslash-newline in languages that do so outside the C preprocessor: the
//! line after `# … \` is part of the comment, though the view (and every reader) shows it as a live
//! line.
//!
//! - GNU make: "if a backslash-newline appears in a comment, the comment continues on the next line"
//!   (its manual; checked with GNU make 4.3). That holds for a comment line, a comment after code, a
//!   comment indented by a tab before the first rule, and a column-0 comment inside a rule's recipe
//!   (which then swallows the recipe line after it). Not for a recipe line's own `#`, which is the
//!   shell's (its comments end at the newline), nor inside a `define` body (kept verbatim), nor for a
//!   `\#` (an escaped hash) or a `#` inside `$(…)` (literal in GNU make 4.3).
//! - Tcl: a `#` where a command starts (first on a line, or after a `;` outside quotes) comments out
//!   up to the newline, and backslash-newline substitution happens first (checked with tclsh 8.6, in
//!   a proc body too).
//!
//! An even run of backslashes is escaped backslashes and continues nothing. Python, sh (dash, bash),
//! Perl, Lua and CMake (its manual: a line comment runs to the end of the line) end a `#` comment at
//! the newline, backslash or not (checked with python3, dash, bash, perl and lua5.4).

/// A language whose comments a backslash-newline continues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    /// Makefiles, by name (see `crate::shipped::is_make_file`).
    Make,
    /// Tcl scripts, by extension or `#!` line.
    Tcl,
}

impl Lang {
    fn name(self) -> &'static str {
        match self {
            Lang::Make => "make",
            Lang::Tcl => "Tcl",
        }
    }
}

/// Whether `bytes` may hold a backslash-newline at all (the cheap test before `continued_comments`).
pub(crate) fn may_continue(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, b"\\\n").is_some() || memchr::memmem::find(bytes, b"\\\r\n").is_some()
}

/// One continued comment: the line and column (in characters) of the backslash that continues it onto
/// a line that reads as code, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Continued {
    pub(crate) line: u64,
    pub(crate) column: u64,
    pub(crate) detail: String,
}

/// Whether `line` ends in an odd number of backslashes (a backslash-newline); the byte offset of the
/// last one.
fn continues(line: &str) -> Option<usize> {
    let n = line.bytes().rev().take_while(|&b| b == b'\\').count();
    (n % 2 == 1).then(|| line.len() - 1)
}

/// Whether a line reads as a comment or a blank line (so that continuing a comment onto it hides
/// nothing).
fn reads_as_comment_or_blank(line: &str) -> bool {
    let t = line.trim_start();
    t.is_empty() || t.starts_with('#')
}

/// The byte offset where a make comment starts in `line`: the first `#` not escaped by a backslash
/// and not inside a `$(…)` or `${…}` reference.
fn make_comment_start(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    let mut depth = 0usize;
    let mut i = 0usize;
    while let Some(&c) = b.get(i) {
        match c {
            b'\\' => {
                i += 2;
                continue;
            }
            b'$' if matches!(b.get(i + 1), Some(b'(' | b'{')) => {
                depth += 1;
                i += 2;
                continue;
            }
            b'(' | b'{' if depth > 0 => depth += 1,
            b')' | b'}' if depth > 0 => depth -= 1,
            b'#' if depth == 0 => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// The byte offset where a Tcl comment starts in `line`, the first line of a command: a `#` first on
/// the line or after a `;` outside double quotes.
fn tcl_comment_start(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    let first = b.iter().position(|&c| c != b' ' && c != b'\t')?;
    if b.get(first) == Some(&b'#') {
        return Some(first);
    }
    let mut quoted = false;
    let mut i = first;
    while let Some(&c) = b.get(i) {
        match c {
            b'\\' => i += 1,
            b'"' => quoted = !quoted,
            b';' if !quoted => {
                let next = b.get(i + 1..)?.iter().position(|&c| c != b' ' && c != b'\t')? + i + 1;
                if b.get(next) == Some(&b'#') {
                    return Some(next);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Whether a make line (the code before any comment) starts or ends a rule's context: `Some(true)` for
/// a rule (`targets: prerequisites`), `Some(false)` for an assignment or other line, `None` for a
/// conditional or include directive (which leaves the context as it was).
fn make_rule_context(code: &str) -> Option<bool> {
    let t = code.trim();
    let word = t.split_whitespace().next().unwrap_or_default();
    if matches!(
        word,
        "ifeq"
            | "ifneq"
            | "ifdef"
            | "ifndef"
            | "else"
            | "endif"
            | "include"
            | "-include"
            | "sinclude"
            | "vpath"
    ) {
        return None;
    }
    let Some(colon) = t.find(':') else { return Some(false) };
    let before = t.get(..colon).unwrap_or_default();
    let after = t.get(colon..).unwrap_or_default();
    let assignment = before.contains('=') || after.starts_with(":=") || after.starts_with("::=");
    Some(!assignment)
}

/// Whether a make line opens a `define` block (`define X`, `override define X`, `export define X`).
fn opens_define(code: &str) -> bool {
    let mut words = code.split_whitespace();
    let mut w = words.next();
    while matches!(w, Some("override" | "export" | "private")) {
        w = words.next();
    }
    w == Some("define")
}

/// Shortened for a finding's detail.
fn snippet(line: &str) -> String {
    let t = line.trim();
    let mut s: String = t.chars().take(60).collect();
    if t.chars().count() > 60 {
        s.push('…');
    }
    s
}

/// The comments of `text` (a file of `lang`) that a backslash-newline continues onto a line that reads
/// as code (neither blank nor a comment); one finding per such run, at the backslash before it.
pub(crate) fn continued_comments(text: &str, lang: Lang) -> Vec<Continued> {
    let lines: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
    let mut out = Vec::new();
    let mut in_rule = false;
    let mut defines = 0usize;
    let mut cont = false;
    let mut comment = false;
    let mut recipe = false;
    // Whether the current run of continued lines was reported already.
    let mut reported = false;
    let mut idx = 0usize;
    while let Some(&line) = lines.get(idx) {
        if !cont {
            comment = false;
            recipe = false;
            reported = false;
            if lang == Lang::Make {
                let code = line.get(..make_comment_start(line).unwrap_or(line.len())).unwrap_or_default();
                if defines > 0 {
                    let w = code.split_whitespace().next();
                    if w == Some("endef") {
                        defines -= 1;
                    } else if opens_define(code) {
                        defines += 1;
                    }
                    cont = continues(line).is_some();
                    idx += 1;
                    continue;
                }
                recipe = line.starts_with('\t') && in_rule;
                if !recipe {
                    if opens_define(code) {
                        defines += 1;
                    } else if !code.trim().is_empty()
                        && let Some(rule) = make_rule_context(code)
                    {
                        in_rule = rule;
                    }
                }
            }
        }
        if !comment && !recipe {
            comment = match lang {
                Lang::Make => make_comment_start(line).is_some(),
                Lang::Tcl => !cont && tcl_comment_start(line).is_some(),
            };
        }
        let Some(at) = continues(line) else {
            cont = false;
            idx += 1;
            continue;
        };
        cont = true;
        if comment && defines == 0 && !reported {
            let next = lines.get(idx + 1).copied().unwrap_or_default();
            if lines.get(idx + 1).is_some() && !reads_as_comment_or_blank(next) {
                reported = true;
                // The run of lines the comment takes over: each continued one, up to the first that is
                // not (looked for once per reported comment: a run of `# \` lines each looking ahead
                // to its end was quadratic, 10 s for 20,000 lines).
                let mut last = idx + 1;
                while lines.get(last).is_some_and(|l| continues(l).is_some()) {
                    last += 1;
                }
                let last = last.min(lines.len() - 1);
                let range = if last == idx + 1 {
                    format!("line {}", idx + 2)
                } else {
                    format!("lines {}-{}", idx + 2, last + 1)
                };
                out.push(Continued {
                    line: idx as u64 + 1,
                    column: line.get(..at).map_or(0, |l| l.chars().count()) as u64 + 1,
                    detail: format!(
                        "this comment ends in a backslash, which {} reads as continuing the comment onto the next line: {range} (`{}`) is comment for {}, though it reads as a live line",
                        lang.name(),
                        snippet(next),
                        lang.name()
                    ),
                });
            }
        }
        idx += 1;
    }
    out
}
