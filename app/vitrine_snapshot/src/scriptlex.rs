//! Lexical rules of the languages whose comments and literals span lines otherwise than a
//! line-by-line reading shows them, shared by the `in:` regions (`vitrine_search::regions`) and the
//! health check (`lexical-disguise`), so the two cannot disagree:
//!
//! - shell (sh, bash, dash, ksh, zsh): `'…'` and `"…"` run over lines, an apostrophe inside a word
//!   opens a quote, `\` outside quotes escapes the next character (`\'` is a plain `'`), `#` starts a
//!   comment only where a word starts, `$(…)` inside `"…"` is code (its own quotes nest), here-document
//!   bodies are text to their delimiter line ([`shell_pieces`]);
//! - CMake: bracket comments `#[=*[ … ]=*]`, bracket arguments `[=*[ … ]=*]`, quoted arguments over
//!   lines ([`cmake_pieces`]); Lua: long comments `--[=*[ … ]=*]` and long strings ([`lua_pieces`]);
//! - Kotlin, Swift and Scala: block comments nest, as Rust's do ([`nesting_language`]);
//! - a `#!` line naming another language than the file's extension ([`shebang_mismatch`]): the
//!   kernel runs the interpreter it names, so the file is read in that language.
//!
//! `disguises` (crate-private) is the health check over them: each place where the language reads comments or
//! literals elsewhere than a line-by-line (or non-nesting) eye does. Every pass runs only when its
//! trigger bytes are in the file (one `memchr`/`memmem`).

/// What a span of a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece {
    /// A comment, its markers included.
    Comment,
    /// A quoted string (or a bracket argument, a long string), its quotes included.
    Quoted,
    /// A here-document's body, its delimiter line included.
    HereDoc,
}

/// Interpolations (`"$(…"…")"`) nested deeper than this are read as string.
const MAX_DEPTH: usize = 32;
/// Here-document delimiters never found (each such search reads to the end): after this many, `<<`
/// opens none (the text is then read as code, the safe side).
const MAX_MISSING_HEREDOCS: usize = 64;

fn line_end(s: &[u8], from: usize) -> usize {
    s.get(from..).and_then(|t| memchr::memchr(b'\n', t)).map_or(s.len(), |k| from + k)
}

/// Whether a shell word starts at `i` (a `#` there starts a comment): the start of the text, or after
/// a blank or an operator character.
fn shell_word_start(s: &[u8], i: usize) -> bool {
    i == 0
        || s.get(i - 1).is_some_and(|&p| {
            matches!(p, b' ' | b'\t' | b'\n' | b'\r' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>')
        })
}

/// The shell's comments, quoted strings and here-document bodies, in order (dash and bash's reading).
pub fn shell_pieces(s: &[u8], on: &mut dyn FnMut(Piece, usize, usize)) {
    let mut st = Shell { s, pending: Vec::new(), missing: Vec::new() };
    st.code(0, 0, on);
}

struct Shell<'a> {
    s: &'a [u8],
    /// Here-documents opened on the current line: (delimiter, leading tabs stripped).
    pending: Vec<(Vec<u8>, bool)>,
    /// Delimiters searched for and not found.
    missing: Vec<Vec<u8>>,
}

impl Shell<'_> {
    /// Reads code from `i`; at `depth` > 0 (inside `$(`), stops after the `)` that closes it.
    fn code(&mut self, mut i: usize, depth: usize, on: &mut dyn FnMut(Piece, usize, usize)) -> usize {
        let s = self.s;
        let mut parens = 0usize;
        while let Some(&b) = s.get(i) {
            match b {
                b'\\' => i += 2,
                b'\'' => {
                    // `$'…'` (bash): backslash escapes; `'…'`: none, to the next quote.
                    let end = if i > 0 && s.get(i - 1) == Some(&b'$') {
                        escaped_quote_end(s, i + 1, b'\'')
                    } else {
                        s.get(i + 1..)
                            .and_then(|t| memchr::memchr(b'\'', t))
                            .map_or(s.len(), |k| i + 1 + k + 1)
                    };
                    on(Piece::Quoted, i, end);
                    i = end;
                }
                b'"' => i = self.double(i, depth, on),
                b'#' if shell_word_start(s, i) => {
                    let end = line_end(s, i);
                    on(Piece::Comment, i, end);
                    i = end;
                }
                b'\n' => {
                    i += 1;
                    if !self.pending.is_empty() {
                        i = self.bodies(i, on);
                    }
                }
                b'<' if s.get(i + 1) == Some(&b'<') && s.get(i + 2) != Some(&b'<') => i = self.heredoc(i + 2),
                b'(' if depth > 0 => {
                    parens += 1;
                    i += 1;
                }
                b')' if depth > 0 => {
                    if parens == 0 {
                        return i + 1;
                    }
                    parens -= 1;
                    i += 1;
                }
                _ => i += 1,
            }
        }
        s.len()
    }

    /// A `"…"` opened at `open`: its text is string, each `$(…)` code; returns its end.
    fn double(&mut self, open: usize, depth: usize, on: &mut dyn FnMut(Piece, usize, usize)) -> usize {
        let s = self.s;
        let mut seg = open;
        let mut i = open + 1;
        while let Some(&b) = s.get(i) {
            match b {
                b'\\' => i += 2,
                b'"' => {
                    on(Piece::Quoted, seg, i + 1);
                    return i + 1;
                }
                b'$' if s.get(i + 1) == Some(&b'(') && s.get(i + 2) != Some(&b'(') && depth < MAX_DEPTH => {
                    on(Piece::Quoted, seg, i);
                    i = self.code(i + 2, depth + 1, on);
                    seg = i;
                }
                _ => i += 1,
            }
        }
        on(Piece::Quoted, seg, s.len());
        s.len()
    }

    /// A `<<` whose word starts at `from`: records the delimiter; returns where code resumes.
    fn heredoc(&mut self, from: usize) -> usize {
        let s = self.s;
        let mut i = from;
        let strip = s.get(i) == Some(&b'-');
        if strip {
            i += 1;
        }
        while matches!(s.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        let mut delim = Vec::new();
        let mut quote = 0u8;
        while let Some(&b) = s.get(i) {
            match b {
                b'\'' | b'"' if quote == 0 => quote = b,
                _ if b == quote => quote = 0,
                b'\\' if quote == 0 => {
                    if let Some(&n) = s.get(i + 1) {
                        delim.push(n);
                    }
                    i += 2;
                    continue;
                }
                b'\n' => break,
                b' ' | b'\t' | b'\r' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>' if quote == 0 => break,
                _ => delim.push(b),
            }
            i += 1;
        }
        // A shift in arithmetic (`1<<2`) names no delimiter a script would write.
        if delim.first().is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_') {
            self.pending.push((delim, strip));
        }
        i.max(from)
    }

    /// The bodies of the pending here-documents, from the line start `i`; returns where code resumes.
    /// A delimiter that no line closes opens no body (read as code: the safe side).
    fn bodies(&mut self, mut i: usize, on: &mut dyn FnMut(Piece, usize, usize)) -> usize {
        let s = self.s;
        for (delim, strip) in std::mem::take(&mut self.pending) {
            if self.missing.len() >= MAX_MISSING_HEREDOCS || self.missing.contains(&delim) {
                continue;
            }
            let mut k = i;
            let mut found = None;
            while k < s.len() {
                let e = line_end(s, k);
                let mut line = s.get(k..e).unwrap_or_default();
                if strip {
                    while let Some(rest) = line.strip_prefix(b"\t") {
                        line = rest;
                    }
                }
                if line == delim.as_slice() {
                    found = Some(e);
                    break;
                }
                k = e + 1;
            }
            match found {
                Some(e) => {
                    on(Piece::HereDoc, i, e);
                    i = (e + 1).min(s.len());
                }
                None => self.missing.push(delim),
            }
        }
        i
    }
}

/// The end of a literal whose text starts at `from`, closed by `quote`, a backslash escaping the next
/// byte, over lines.
fn escaped_quote_end(s: &[u8], from: usize, quote: u8) -> usize {
    let mut i = from;
    while let Some(&c) = s.get(i) {
        match c {
            b'\\' => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    s.len()
}

/// The level of a long bracket opening `[=*[` at `i` (the number of `=`).
pub fn long_bracket_open(s: &[u8], i: usize) -> Option<usize> {
    if s.get(i) != Some(&b'[') {
        return None;
    }
    let eq = s.get(i + 1..)?.iter().take_while(|&&b| b == b'=').count();
    (s.get(i + 1 + eq) == Some(&b'[')).then_some(eq)
}

/// The end (after its `]=*]`) of a long bracket of `level` whose text starts at `from`, or the end of
/// the text.
pub fn long_bracket_end(s: &[u8], from: usize, level: usize) -> usize {
    let mut k = from;
    while let Some(off) = s.get(k..).and_then(|t| memchr::memchr(b']', t)) {
        let j = k + off;
        let eq = s.get(j + 1..).unwrap_or_default().iter().take_while(|&&b| b == b'=').count();
        if eq == level && s.get(j + 1 + eq) == Some(&b']') {
            return j + 2 + eq;
        }
        k = j + 1 + eq;
    }
    s.len()
}

/// CMake's comments (`#` to the line's end, bracket comments `#[=*[ … ]=*]`), quoted arguments (over
/// lines, `\` escapes) and bracket arguments `[=*[ … ]=*]`, in order (cmake-language(7)).
pub fn cmake_pieces(s: &[u8], on: &mut dyn FnMut(Piece, usize, usize)) {
    let mut i = 0usize;
    while let Some(off) =
        s.get(i..).and_then(|t| t.iter().position(|&b| matches!(b, b'#' | b'"' | b'[' | b'\\')))
    {
        i += off;
        match s.get(i).copied().unwrap_or_default() {
            b'\\' => i += 2,
            b'#' => {
                let end = match long_bracket_open(s, i + 1) {
                    Some(level) => long_bracket_end(s, i + 1 + level + 2, level),
                    None => line_end(s, i),
                };
                on(Piece::Comment, i, end);
                i = end;
            }
            b'"' => {
                let end = escaped_quote_end(s, i + 1, b'"');
                on(Piece::Quoted, i, end);
                i = end;
            }
            _ => match long_bracket_open(s, i) {
                // A bracket argument starts an argument.
                Some(level)
                    if i == 0 || s.get(i - 1).is_some_and(|&p| p.is_ascii_whitespace() || p == b'(') =>
                {
                    let end = long_bracket_end(s, i + level + 2, level);
                    on(Piece::Quoted, i, end);
                    i = end;
                }
                _ => i += 1,
            },
        }
    }
}

/// Lua's comments (`--` to the line's end, long comments `--[=*[ … ]=*]`) and strings (`"…"`, `'…'`
/// with escapes, `\z` skipping the blanks after it, long strings `[=*[ … ]=*]`), in order.
pub fn lua_pieces(s: &[u8], on: &mut dyn FnMut(Piece, usize, usize)) {
    let mut i = 0usize;
    while let Some(off) =
        s.get(i..).and_then(|t| t.iter().position(|&b| matches!(b, b'-' | b'"' | b'\'' | b'[')))
    {
        i += off;
        match s.get(i).copied().unwrap_or_default() {
            b'-' if s.get(i + 1) == Some(&b'-') => {
                let end = match long_bracket_open(s, i + 2) {
                    Some(level) => long_bracket_end(s, i + 2 + level + 2, level),
                    None => line_end(s, i),
                };
                on(Piece::Comment, i, end);
                i = end;
            }
            q @ (b'"' | b'\'') => {
                let mut k = i + 1;
                let end = loop {
                    match s.get(k) {
                        None => break s.len(),
                        Some(b'\\') if s.get(k + 1) == Some(&b'z') => {
                            k += 2;
                            while s.get(k).is_some_and(u8::is_ascii_whitespace) {
                                k += 1;
                            }
                        }
                        Some(b'\\') => k += 2,
                        Some(b'\n') => break k,
                        Some(&c) if c == q => break k + 1,
                        Some(_) => k += 1,
                    }
                };
                let end = end.min(s.len());
                on(Piece::Quoted, i, end);
                i = end;
            }
            b'[' => match long_bracket_open(s, i) {
                Some(level) => {
                    let end = long_bracket_end(s, i + level + 2, level);
                    on(Piece::Quoted, i, end);
                    i = end;
                }
                None => i += 1,
            },
            _ => i += 1,
        }
    }
}

/// The language whose block comments nest (`/* /* */ */` is one comment) for a file of this name:
/// Kotlin, Swift, Scala (Rust is [`crate::lexis`]'s).
pub fn nesting_language(path: &[u8]) -> Option<&'static str> {
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    let dot = name.iter().rposition(|&b| b == b'.')?;
    match name.get(dot + 1..)?.to_ascii_lowercase().as_slice() {
        b"kt" | b"kts" => Some("Kotlin"),
        b"swift" => Some("Swift"),
        b"scala" | b"sc" => Some("Scala"),
        _ => None,
    }
}

/// The block comments of a Kotlin, Swift or Scala text whose nested end is not where a C-like
/// reading ends them: (offset of the first inner `/*`, comment start, nested end).
fn nested_comments(s: &[u8]) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0usize;
    while let Some(off) = s.get(i..).and_then(|t| memchr::memchr3(b'/', b'"', b'\'', t)) {
        i += off;
        match (s.get(i).copied().unwrap_or_default(), s.get(i + 1).copied()) {
            (b'/', Some(b'/')) => i = line_end(s, i),
            (b'/', Some(b'*')) => {
                if let Some((inner, end)) = crate::lexis::nested_comment_differs(s, i) {
                    out.push((inner, i, end));
                }
                i = crate::lexis::block_comment_end(s, i, true);
            }
            (b'"', _) if s.get(i..i + 3) == Some(b"\"\"\"") => i = crate::lexis::text_block_end(s, i, true),
            (q @ (b'"' | b'\''), _) => i = crate::lexis::quoted_end(s, i + 1, q),
            _ => i += 1,
        }
    }
    out
}

/// The language a `#!` line runs the file with, when it is one whose lexical rules differ from
/// others': `Python`, `shell`, `JavaScript`, `Perl`, `Ruby`, `Lua`, `PHP`.
pub fn shebang_language(text: &[u8]) -> Option<&'static str> {
    let first = text.strip_prefix(b"#!")?;
    let first = first.get(..line_end(first, 0).min(256)).unwrap_or_default();
    let first = std::str::from_utf8(first).ok()?;
    let mut words = first.split_whitespace();
    let mut prog = words.next()?.rsplit('/').next().unwrap_or_default();
    if prog == "env" {
        prog = words.find(|w| !w.starts_with('-') && !w.contains('='))?;
    }
    Some(match prog.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.') {
        "python" | "pypy" => "Python",
        "sh" | "bash" | "dash" | "ksh" | "zsh" | "ash" | "mksh" => "shell",
        "node" | "nodejs" | "deno" | "bun" | "ts-node" => "JavaScript",
        "perl" => "Perl",
        "ruby" => "Ruby",
        "lua" | "luajit" => "Lua",
        "php" | "php-cgi" => "PHP",
        _ => return None,
    })
}

/// The language of a file's extension, named as [`shebang_language`] names them (`None`: no
/// extension, or one of another language).
pub fn extension_language(path: &[u8]) -> Option<&'static str> {
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    let dot = name.iter().rposition(|&b| b == b'.')?;
    Some(match name.get(dot + 1..)?.to_ascii_lowercase().as_slice() {
        b"py" | b"pyw" | b"pyi" => "Python",
        b"sh" | b"bash" | b"ksh" | b"zsh" => "shell",
        b"js" | b"cjs" | b"mjs" | b"jsx" | b"ts" | b"mts" | b"cts" | b"tsx" => "JavaScript",
        b"pl" | b"pm" => "Perl",
        b"rb" => "Ruby",
        b"lua" => "Lua",
        b"php" => "PHP",
        b"c" | b"h" | b"cc" | b"cpp" | b"cxx" | b"hpp" | b"java" | b"go" | b"rs" | b"cs" | b"kt"
        | b"swift" | b"scala" => "C-like",
        _ => return None,
    })
}

/// When the `#!` line names another language than the extension: (the `#!` language, the
/// extension's).
pub fn shebang_mismatch(path: &[u8], text: &[u8]) -> Option<(&'static str, &'static str)> {
    if !text.starts_with(b"#!") {
        return None;
    }
    let by_ext = extension_language(path)?;
    let by_bang = shebang_language(text)?;
    (by_ext != by_bang).then_some((by_bang, by_ext))
}

/// Whether a line reads as a command or statement of code to an eye that takes it for one (its first
/// word a keyword of `keywords`, or a name followed by `(`, `=`, `.` or `:`).
fn looks_like_code(line: &[u8], keywords: &[&[u8]]) -> bool {
    let t = line.trim_ascii();
    let word = t.iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'_').count();
    if word == 0 {
        return false;
    }
    let (w, rest) = t.split_at(word);
    if keywords.contains(&w) && rest.first().is_none_or(|b| b.is_ascii_whitespace() || *b == b'(') {
        return true;
    }
    matches!(rest.trim_ascii_start().first(), Some(b'(' | b'=' | b'.' | b':'))
}

fn line_of(s: &[u8], at: usize) -> usize {
    memchr::memchr_iter(b'\n', s.get(..at).unwrap_or_default()).count() + 1
}

fn line_start(s: &[u8], at: usize) -> usize {
    s.get(..at).and_then(|t| memchr::memrchr(b'\n', t)).map_or(0, |k| k + 1)
}

/// The lexical disguises of a file of these languages: (byte offset, detail), in order.
pub(crate) fn disguises(path: &str, text: &[u8]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let p = path.as_bytes();
    if let Some((bang, ext)) = shebang_mismatch(p, text) {
        out.push((
            0,
            format!(
                "the `#!` line runs this file with {bang}, though its name says {ext}: executed, it is {bang}; Vitrine reads it as {bang} (search regions and checks), an eye going by its name reads another language's comments and strings"
            ),
        ));
    }
    let lang = shebang_language(text).or_else(|| extension_language(p));
    if let Some(name) = nesting_language(p)
        && memchr::memmem::find(text, b"/*").is_some()
    {
        for (inner, start, end) in nested_comments(text) {
            out.push((
                inner,
                format!(
                    "block comments nest in {name}: this `/*` inside the comment opened at line {} opens a second level, so the comment runs on to line {}, not to the first `*/`; what lies between reads as code and is not compiled",
                    line_of(text, start),
                    line_of(text, end.saturating_sub(1))
                ),
            ));
        }
    }
    let file = p.rsplit(|&b| b == b'/').next().unwrap_or(p);
    let cmake = file == b"CMakeLists.txt" || file.to_ascii_lowercase().ends_with(b".cmake");
    if (cmake && memchr::memmem::find(text, b"#[").is_some())
        || (lang == Some("Lua") && memchr::memmem::find(text, b"--[").is_some())
    {
        let (marker, keywords, reader): (&[u8], &[&[u8]], _) = if cmake {
            (b"#", &[b"if", b"elseif", b"else", b"endif", b"foreach", b"function", b"set"], "CMake")
        } else {
            (
                b"--",
                &[b"if", b"local", b"return", b"for", b"while", b"function", b"end", b"repeat", b"goto"],
                "Lua",
            )
        };
        let mut found = Vec::new();
        let mut on = |piece: Piece, start: usize, end: usize| {
            if piece == Piece::Comment && text.get(start..end).is_some_and(|c| c.contains(&b'\n')) {
                found.push((start, end));
            }
        };
        if cmake {
            cmake_pieces(text, &mut on)
        } else {
            lua_pieces(text, &mut on)
        }
        for (start, end) in found {
            // The closing bracket written after other text on its line (not alone, after the line
            // comment's marker): the comment's end hides in what reads as a line comment.
            if end < 2 || text.get(end - 1) != Some(&b']') {
                continue;
            }
            let eq = text.get(..end - 1).unwrap_or_default().iter().rev().take_while(|&&b| b == b'=').count();
            let close = end.saturating_sub(2 + eq);
            let ls = line_start(text, close);
            let before = text.get(ls..close).unwrap_or_default().trim_ascii();
            let hidden_close = !before.strip_prefix(marker).unwrap_or(before).trim_ascii().is_empty();
            let body = text.get(line_end(text, start) + 1..ls).unwrap_or_default();
            let code = body
                .split(|&b| b == b'\n')
                .position(|l| !l.trim_ascii_start().starts_with(marker) && looks_like_code(l, keywords));
            if hidden_close && let Some(k) = code {
                let (first, last) = (line_of(text, start), line_of(text, ls));
                out.push((
                    start,
                    format!(
                        "this {reader} bracket comment runs from line {first} to line {last}, where its `]…]` closes it at the end of what reads as a line comment: line {} reads as code and is never run ({reader} reads lines {first}-{last} as one comment)",
                        first + 1 + k
                    ),
                ));
            }
        }
    }
    if lang == Some("shell")
        && (memchr::memchr(b'\'', text).is_some() || memchr::memchr(b'"', text).is_some())
    {
        let mut found = Vec::new();
        shell_pieces(text, &mut |piece, start, end| {
            if piece == Piece::Quoted && text.get(start..end).is_some_and(|c| c.contains(&b'\n')) {
                found.push((start, end));
            }
        });
        for (start, end) in found {
            // The quote closes on a line that starts with `#`, and code follows it there.
            let ls = line_start(text, end.saturating_sub(1));
            if ls <= start || !text.get(ls..).is_some_and(|l| l.trim_ascii_start().starts_with(b"#")) {
                continue;
            }
            let after = text.get(end..line_end(text, end)).unwrap_or_default().trim_ascii();
            if after.is_empty() || after.starts_with(b"#") {
                continue;
            }
            out.push((
                ls + text.get(ls..).map_or(0, |l| l.len() - l.trim_ascii_start().len()),
                format!(
                    "this line starts with `#` but is inside the quote opened at line {}: the shell reads no comment here, the quote ends on this line and what follows it runs",
                    line_of(text, start)
                ),
            ));
        }
    }
    out.sort_by_key(|&(at, _)| at);
    out
}

/// Round 25 (obf f1, f8, f12, f14): each attack, as the language reads it, is a `lexical-disguise`
/// finding; the ordinary forms are not.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::{FileFindings, FindingKind, HealthConfig, scan_text};

    fn found(path: &str, text: &str) -> Vec<(u64, u64, String)> {
        let config = HealthConfig::default();
        let mut f = FileFindings::new(path, &config);
        scan_text(text, &mut f);
        f.finish()
            .0
            .into_iter()
            .filter(|f| f.kind == FindingKind::LexicalDisguise)
            .map(|f| (f.line.unwrap_or(0), f.column.unwrap_or(0), f.detail))
            .collect()
    }

    fn lines(path: &str, text: &str) -> Vec<(u64, u64)> {
        found(path, text).into_iter().map(|(l, c, _)| (l, c)).collect()
    }

    const KOTLIN: &str = "fun login(uid: Int): Boolean {\n    /* Policy: see docs/policy/*.md for the rules; only root may log in. */\n    if (uid != 0) return deny(uid)\n    // end of policy */\n    println(\"ROOT $uid\")\n    return true\n}\n";

    #[test]
    fn nested_block_comments_in_kotlin_swift_and_scala() {
        for path in ["src/Auth.kt", "build.gradle.kts", "Auth.swift", "Auth.scala"] {
            assert_eq!(lines(path, KOTLIN), [(2, 31)], "{path}");
        }
        assert!(
            found("Auth.kt", KOTLIN)[0].2.contains("nest in Kotlin")
                && found("Auth.kt", KOTLIN)[0].2.contains("line 4")
        );
        // Not nested, or inside a string.
        let ok =
            "/* a */ val x = 1 /* b // c */\nval s = \"/* not a comment\"\nval t = \"\"\"\n/* x\"\"\" */\n";
        assert_eq!(lines("A.kt", ok), []);
        // Java does not nest: none.
        assert_eq!(lines("A.java", KOTLIN), []);
    }

    #[test]
    fn cmake_bracket_and_lua_long_comments_that_close_inside_a_line_comment() {
        let cm = "project(x NONE)\n\n#[=[ Release builds must be signed.\nif(NOT DEFINED SIGNING_KEY)\n  message(FATAL_ERROR \"unsigned\")\nendif()\n# end of signing section ]=]\nmessage(STATUS ok)\n";
        assert_eq!(lines("CMakeLists.txt", cm), [(3, 1)]);
        assert_eq!(lines("cmake/sign.cmake", cm), [(3, 1)]);
        assert!(found("CMakeLists.txt", cm)[0].2.contains("line 7"));
        let lua = "local function login(uid)\n  --[==[ Policy: only root may log in\n  if uid ~= 0 then return deny(uid) end\n  -- end of policy ]==]\n  return true\nend\n";
        assert_eq!(lines("auth.lua", lua), [(2, 3)]);
        assert_eq!(lines("run", &format!("#!/usr/bin/env lua\n{lua}")), [(3, 3)]);
        // The ordinary forms: a doc block closed on its own line, commented-out code closed by `--]]`,
        // a one-line bracket comment, prose.
        let doc = "#[=======================================================================[.rst:\nFindFoo\n-------\n  find_package(Foo)\n#]=======================================================================]\n#[[ one line ]] set(X 1)\n#[[\nprose only\n]]\n";
        assert_eq!(lines("FindFoo.cmake", doc), []);
        let toggled = "--[[\nif x then return 1 end\n--]]\nlocal s = [[\nif in a string\n]] print(s)\n";
        assert_eq!(lines("a.lua", toggled), []);
    }

    #[test]
    fn a_comment_line_the_shell_reads_inside_a_quote() {
        let sh = "#!/bin/sh\nMSG='deploy notes:\n# rotate logs'; echo PAYLOAD-A; echo '\n'\necho Starting deploy, it's quick\n# keep quiet'; echo PAYLOAD-B; echo '\n'\necho done\n";
        assert_eq!(lines("deploy.sh", sh), [(3, 1), (6, 1)]);
        assert!(found("deploy.sh", sh)[0].2.contains("opened at line 2"));
        let bash = "LOG=\"release log:\n  # nothing to see\"; echo PAYLOAD-C; echo \"\n\"\n";
        assert_eq!(lines("deploy.bash", bash), [(2, 3)]);
        // Without an extension, by its `#!` line.
        assert_eq!(lines("bin/deploy", sh), [(3, 1)].into_iter().chain([(6, 1)]).collect::<Vec<_>>());
        // Ordinary: a multi-line string, a comment with an apostrophe, a here-document, `\'`, `$'…'`.
        let ok = "X='a\nb'\n# it's fine\ncat <<EOF\nit's\n# x' ; y\nEOF\necho Don\\'t; echo $'it\\'s' # c\nY=\"a\n# b\"\n";
        assert_eq!(lines("ok.sh", ok), []);
    }

    #[test]
    fn a_shebang_naming_another_language_than_the_extension() {
        let py = "#!/usr/bin/env python3\nimport os\nkeep = len(logs) // 4; os.system(\"x\")\n";
        let f = found("tools/rotate_logs.js", py);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!((f[0].0, f[0].1), (1, 1));
        assert!(f[0].2.contains("Python") && f[0].2.contains("JavaScript"), "{}", f[0].2);
        assert_eq!(shebang_mismatch(b"a.js", py.as_bytes()), Some(("Python", "JavaScript")));
        // The same language, or no extension: none.
        assert_eq!(lines("a.py", py), []);
        assert_eq!(lines("rotate", py), []);
        assert_eq!(lines("a.js", "#!/usr/bin/env node\nx()\n"), []);
        assert_eq!(lines("a.sh", "#!/bin/bash\nx\n"), []);
    }

    #[test]
    fn shell_pieces_read_quotes_over_lines_and_heredocs() {
        let sh = b"a='x\n# y' b\ncat <<-\"END\" | f 'q'\n\tit's\n\tEND\nc \\' d # e\ne=\"$(g \")\")\" h\n";
        let mut got = Vec::new();
        shell_pieces(sh, &mut |p, s, e| got.push((p, String::from_utf8_lossy(&sh[s..e]).into_owned())));
        assert_eq!(
            got,
            [
                (Piece::Quoted, "'x\n# y'".to_owned()),
                (Piece::Quoted, "'q'".to_owned()),
                (Piece::HereDoc, "\tit's\n\tEND".to_owned()),
                (Piece::Comment, "# e".to_owned()),
                (Piece::Quoted, "\"".to_owned()),
                (Piece::Quoted, "\")\"".to_owned()),
                (Piece::Quoted, "\"".to_owned()),
            ]
        );
        // A here-document never closed opens nothing; `1<<2` is a shift.
        let mut got = Vec::new();
        let t = b"cat <<EOF\nit's\nx=$((1<<2)) 'q'\n";
        shell_pieces(t, &mut |p, s, e| got.push((p, s, e)));
        assert_eq!(got.len(), 2, "{got:?}");
    }
}
