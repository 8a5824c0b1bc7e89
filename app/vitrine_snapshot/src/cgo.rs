//! The cgo preamble of a Go file: the comment immediately above `import "C"` (a `/* … */` block or a
//! run of `//` lines, no blank line between them and the import) is C code. `go build` hands it to the
//! C compiler and links it, and the Go code calls its functions as `C.name(…)`. Read as an ordinary Go
//! comment it would hide code from the reviewer's navigation, so every reader of a Go file reads the
//! preamble as C: the symbol index (definitions and calls), the `in:` regions, the C checks of the
//! health report and its quoted includes (see [`crate::includes`]); a finding says the file holds C.
//!
//! The rule is `cmd/cgo`'s: the doc comment of each import spec of `"C"` (of the declaration when the
//! spec stands alone), several preambles concatenated. The reading is lexical and stops at the first
//! top-level declaration that is not an import (imports come first in Go), so it costs a pass over the
//! file's header only, after one search for `"C"` in the whole file.

/// The preamble of one `import "C"`: the comment group above it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preamble {
    /// Byte range of the comment group, its delimiters included.
    pub start: usize,
    /// End (exclusive) of the comment group.
    pub end: usize,
    /// The C text: byte ranges inside the comments, their `//`, `/*` and `*/` left out.
    pub pieces: Vec<(usize, usize)>,
    /// 1-based line of the group's first line.
    pub first_line: u32,
    /// 1-based line of the group's last line.
    pub last_line: u32,
    /// 1-based line of the `"C"` it documents.
    pub import_line: u32,
}

/// A comment of the header: its byte range, its content's, its first and last lines (1-based).
#[derive(Debug, Clone, Copy)]
struct Comment {
    start: usize,
    end: usize,
    body: (usize, usize),
    first_line: u32,
    last_line: u32,
}

/// Whether a path names a Go source file (`.go`).
pub fn is_go(path: &[u8]) -> bool {
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    name.len() > 3 && name.ends_with(b".go")
}

/// The cgo preambles of a Go source, in order; none when the file does not import `"C"`.
pub fn preambles(text: &[u8]) -> Vec<Preamble> {
    if memchr::memmem::find(text, b"\"C\"").is_none() {
        return Vec::new();
    }
    Header { s: text, i: 0, line: 1, group: Vec::new(), out: Vec::new() }.run()
}

/// `text` with everything but the preambles' C text blanked: same length and same line breaks, so byte
/// offsets, lines and columns are the Go file's. `None` when the file has no preamble.
pub fn c_view(text: &[u8]) -> Option<Vec<u8>> {
    let found = preambles(text);
    if found.is_empty() {
        return None;
    }
    Some(c_view_of(text, &found))
}

/// [`c_view`] for preambles already found.
pub fn c_view_of(text: &[u8], found: &[Preamble]) -> Vec<u8> {
    let mut view: Vec<u8> = text.iter().map(|&b| if b == b'\n' { b'\n' } else { b' ' }).collect();
    for &(s, e) in found.iter().flat_map(|p| p.pieces.iter()) {
        if let (Some(to), Some(from)) = (view.get_mut(s..e), text.get(s..e)) {
            to.copy_from_slice(from);
        }
    }
    view
}

struct Header<'a> {
    s: &'a [u8],
    i: usize,
    line: u32,
    /// The comment group being read (comments with no blank line and no token between them).
    group: Vec<Comment>,
    out: Vec<Preamble>,
}

impl Header<'_> {
    fn peek(&self, k: usize) -> Option<u8> {
        self.s.get(self.i + k).copied()
    }

    fn run(mut self) -> Vec<Preamble> {
        // Depth of `import ( … )`: 0 outside.
        let mut in_group = false;
        let mut after_import = false;
        while let Some(b) = self.peek(0) {
            match b {
                b'\n' => {
                    self.i += 1;
                    self.line += 1;
                }
                b' ' | b'\t' | b'\r' => self.i += 1,
                b'/' if self.peek(1) == Some(b'/') => {
                    let start = self.i;
                    let end = memchr::memchr(b'\n', self.s.get(start..).unwrap_or_default())
                        .map_or(self.s.len(), |n| start + n);
                    self.comment(start, end, (start + 2, end));
                }
                b'/' if self.peek(1) == Some(b'*') => {
                    let start = self.i;
                    let rest = self.s.get(start + 2..).unwrap_or_default();
                    let (body_end, end) = match memchr::memmem::find(rest, b"*/") {
                        Some(n) => (start + 2 + n, start + 2 + n + 2),
                        None => (self.s.len(), self.s.len()),
                    };
                    self.comment(start, end, (start + 2, body_end));
                }
                b'"' | b'`' => {
                    let (start, line) = (self.i, self.line);
                    self.literal(b);
                    let lit = self.s.get(start..self.i).unwrap_or_default();
                    if lit == b"\"C\"" && (after_import || in_group) {
                        self.preamble(line);
                    }
                    self.group.clear();
                    after_import = false;
                }
                b'(' if after_import => {
                    in_group = true;
                    after_import = false;
                    self.i += 1;
                    self.group.clear();
                }
                b')' if in_group => {
                    in_group = false;
                    self.i += 1;
                    self.group.clear();
                }
                b if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 => {
                    let start = self.i;
                    while self.peek(0).is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80) {
                        self.i += 1;
                    }
                    let word = self.s.get(start..self.i).unwrap_or_default();
                    if !in_group && matches!(word, b"func" | b"type" | b"var" | b"const") {
                        // The imports are over.
                        break;
                    }
                    if word == b"import" && !in_group {
                        after_import = true;
                        // The spec's own doc is the declaration's when it stands alone: keep the group.
                        continue;
                    }
                    // A name before the path (`import C "C"` is refused by cgo; `_`, `.`) or any other
                    // token ends the group.
                    self.group.clear();
                }
                _ => {
                    self.i += 1;
                    self.group.clear();
                }
            }
        }
        self.out
    }

    /// Records a comment, extending the current group when no blank line separates them.
    fn comment(&mut self, start: usize, end: usize, body: (usize, usize)) {
        let first_line = self.line;
        let inner = self.s.get(start..end).unwrap_or_default();
        let newlines = memchr::memchr_iter(b'\n', inner).count() as u32;
        self.line += newlines;
        self.i = end;
        let c = Comment { start, end, body, first_line, last_line: self.line };
        match self.group.last() {
            Some(prev) if prev.last_line + 1 >= first_line => self.group.push(c),
            _ => self.group = vec![c],
        }
    }

    /// Skips a `"…"` (escapes; ends at the line's end) or a backquoted literal.
    fn literal(&mut self, quote: u8) {
        self.i += 1;
        while let Some(b) = self.peek(0) {
            self.i += 1;
            match b {
                b'\\' if quote == b'"' => self.i += 1,
                b'\n' if quote == b'"' => {
                    self.i -= 1;
                    return;
                }
                b'\n' => self.line += 1,
                _ if b == quote => return,
                _ => {}
            }
        }
    }

    /// The group read so far documents the `"C"` on `line` if it ends on the line before.
    fn preamble(&mut self, line: u32) {
        let (Some(first), Some(last)) = (self.group.first(), self.group.last()) else { return };
        if last.last_line + 1 != line {
            return;
        }
        self.out.push(Preamble {
            start: first.start,
            end: last.end,
            pieces: self.group.iter().map(|c| c.body).collect(),
            first_line: first.first_line,
            last_line: last.last_line,
            import_line: line,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c_text(src: &str) -> String {
        let view = c_view(src.as_bytes()).unwrap_or_default();
        String::from_utf8(view).unwrap().split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn the_block_or_line_comment_right_above_import_c_is_the_preamble() {
        let src = "package main\n\n/*\n#include <stdio.h>\nstatic int grant_root(int u) { return u; }\n*/\nimport \"C\"\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(C.grant_root(1)) }\n";
        let p = preambles(src.as_bytes());
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].first_line, p[0].last_line, p[0].import_line), (3, 6, 7));
        assert_eq!(c_text(src), "#include <stdio.h> static int grant_root(int u) { return u; }");
        let view = c_view(src.as_bytes()).unwrap();
        assert_eq!(view.len(), src.len());
        assert_eq!(view.iter().filter(|&&b| b == b'\n').count(), src.matches('\n').count());

        // `//` lines, several groups in an import block, the declaration's doc for a lone spec.
        let src = "package p\n// #include \"impl.inc\"\n// int f(void) { return 1; }\nimport \"C\"\n";
        assert_eq!(c_text(src), "#include \"impl.inc\" int f(void) { return 1; }");
        let src = "package p\nimport (\n\t\"fmt\"\n\t// int g(void);\n\t\"C\"\n)\n";
        assert_eq!(c_text(src), "int g(void);");
        let src = "package p\n/* int a; */ // int b;\n// int c;\nimport \"C\"\n";
        assert_eq!(c_text(src), "int a; int b; int c;");
    }

    #[test]
    fn comments_not_right_above_import_c_are_comments() {
        // A blank line between, another import between, "C" elsewhere, no cgo at all.
        for src in [
            "package p\n/* int a; */\n\nimport \"C\"\n",
            "package p\n/* int a; */\nimport \"fmt\"\nimport \"C\"\n",
            "package p\n// see \"C\"\nimport \"fmt\"\n",
            "package p\n/* int a; */\nimport \"fmt\"\nfunc f() { _ = \"C\" }\n",
            "package p\n/* int a; */\nvar s = \"C\"\n",
        ] {
            assert!(preambles(src.as_bytes()).is_empty(), "{src:?}");
        }
        // Reading stops at the first declaration: a late "C" string costs nothing more.
        let src = "package p\n// int x;\nimport \"C\"\nfunc f() {}\n// int y;\nimport \"C\"\n";
        assert_eq!(preambles(src.as_bytes()).len(), 1);
    }
}
