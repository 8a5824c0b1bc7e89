//! A line scanner for C headers made only of preprocessor directives and comments (generated register
//! maps such as Linux's `drivers/gpu/drm/amd/include/asic_reg`, a third of that tree's bytes). Such a
//! file yields what the grammar would give — `#define` names as macro definitions, `#include` paths,
//! the identifiers tested by `#if`/`#ifdef` as references — without building a syntax tree. Any line
//! that is not a directive, a comment or blank (or a comment left open inside a directive) makes the
//! scanner give up, and the file is parsed as usual.

use crate::symbols::{FileSymbols, Point, RawRef, RefKind, Symbol, SymbolKind, TextRange};

/// Scans `source`; `None` when it holds anything but directives, comments and blank lines.
pub(crate) fn scan(source: &[u8]) -> Option<(FileSymbols, Vec<RawRef>)> {
    let mut s = Scanner { src: source, pos: 0, line: 0, line_start: 0 };
    let mut fs = FileSymbols::default();
    let mut refs = Vec::new();
    loop {
        s.skip_blanks();
        let Some(b) = s.peek() else { break };
        match b {
            b'\n' => s.newline(),
            b'/' if s.peek_at(1) == Some(b'*') => {
                s.block_comment()?;
                // Only blanks or another comment may follow a comment on its line.
                s.skip_blanks();
                if !matches!(s.peek(), None | Some(b'\n') | Some(b'/')) {
                    return None;
                }
            }
            b'/' if s.peek_at(1) == Some(b'/') => s.line_comment(),
            b'#' => s.directive(&mut fs, &mut refs)?,
            _ => return None,
        }
    }
    Some((fs, refs))
}

struct Scanner<'a> {
    src: &'a [u8],
    pos: usize,
    line: u32,
    line_start: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn peek_at(&self, k: usize) -> Option<u8> {
        self.src.get(self.pos + k).copied()
    }

    fn point(&self, at: usize) -> Point {
        Point { line: self.line, column: (at - self.line_start) as u32 }
    }

    fn newline(&mut self) {
        self.pos += 1;
        self.line += 1;
        self.line_start = self.pos;
    }

    /// Spaces, tabs, carriage returns, form feeds and backslash-newline continuations.
    fn skip_blanks(&mut self) {
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'\t' | b'\r' | 0x0b | 0x0c => self.pos += 1,
                b'\\' if self.continuation_len() > 0 => {
                    self.pos += self.continuation_len() - 1;
                    self.newline();
                }
                _ => break,
            }
        }
    }

    /// Length of a backslash-newline (`\` `\n` or `\` `\r` `\n`) at the current position, or 0.
    fn continuation_len(&self) -> usize {
        match (self.peek(), self.peek_at(1), self.peek_at(2)) {
            (Some(b'\\'), Some(b'\n'), _) => 2,
            (Some(b'\\'), Some(b'\r'), Some(b'\n')) => 3,
            _ => 0,
        }
    }

    /// `/* ... */`, possibly over several lines; `None` when it never closes.
    fn block_comment(&mut self) -> Option<()> {
        self.pos += 2;
        loop {
            match self.peek()? {
                b'*' if self.peek_at(1) == Some(b'/') => {
                    self.pos += 2;
                    return Some(());
                }
                b'\n' => self.newline(),
                _ => self.pos += 1,
            }
        }
    }

    /// `// ...` to the end of the line (a backslash-newline continues it, as in C).
    fn line_comment(&mut self) {
        while let Some(b) = self.peek() {
            if b == b'\n' {
                return;
            }
            let cont = self.continuation_len();
            if cont > 0 {
                self.pos += cont - 1;
                self.newline();
            } else {
                self.pos += 1;
            }
        }
    }

    fn word(&mut self) -> Option<(usize, usize)> {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') {
            self.pos += 1;
        }
        (self.pos > start).then_some((start, self.pos))
    }

    /// One directive, from `#` to the end of its logical line (its newline consumed).
    fn directive(&mut self, fs: &mut FileSymbols, refs: &mut Vec<RawRef>) -> Option<()> {
        let hash = self.pos;
        let hash_point = self.point(hash);
        self.pos += 1;
        self.skip_blanks();
        let (ds, de) = self.word().unwrap_or((self.pos, self.pos));
        let directive = self.src.get(ds..de).unwrap_or_default();
        match directive {
            b"define" => {
                self.skip_blanks();
                let name_point = self.point(self.pos);
                let (ns, ne) = self.word()?;
                let name = std::str::from_utf8(self.src.get(ns..ne)?).ok()?;
                if name.starts_with(|c: char| c.is_ascii_digit()) {
                    return None;
                }
                if self.peek() == Some(b'(') {
                    // A function-like macro's parameters are identifiers in the grammar's tree.
                    while let Some(b) = self.peek() {
                        match b {
                            b')' | b'\n' => break,
                            b'\\' if self.continuation_len() > 0 => {
                                self.pos += self.continuation_len() - 1;
                                self.newline();
                            }
                            b if b.is_ascii_alphabetic() || b == b'_' => {
                                let at = self.point(self.pos);
                                let (s, e) = self.word()?;
                                let kind = RefKind::Other;
                                refs.push(RawRef {
                                    start: s as u32,
                                    end: e as u32,
                                    kind,
                                    at,
                                    enclosing: None,
                                    owned: None,
                                });
                            }
                            _ => self.pos += 1,
                        }
                    }
                }
                self.rest_of_line(None)?;
                let end = self.end_of_directive();
                // Every macro, whatever its name: `#define if(c) if (!(c))` is the one a reviewer must find.
                if name.len() <= 512 {
                    let name_range = TextRange {
                        start: name_point,
                        end: Point { line: name_point.line, column: name_point.column + name.len() as u32 },
                        start_byte: ns as u32,
                        end_byte: ne as u32,
                    };
                    fs.definitions.push(Symbol {
                        name: name.to_string(),
                        kind: SymbolKind::Macro,
                        scope: String::new(),
                        range: TextRange {
                            start: hash_point,
                            end,
                            start_byte: hash as u32,
                            end_byte: self.pos as u32,
                        },
                        name_range,
                        parent: None,
                        via_macro: None,
                        defined_by: None,
                    });
                }
            }
            b"include" => {
                self.skip_blanks();
                let start = self.pos;
                let close = match self.peek() {
                    Some(b'"') => Some(b'"'),
                    Some(b'<') => Some(b'>'),
                    _ => None,
                };
                let path_end = match close {
                    Some(c) => {
                        self.pos += 1;
                        while self.peek().is_some_and(|b| b != c && b != b'\n') {
                            self.pos += 1;
                        }
                        self.pos += usize::from(self.peek() == Some(c));
                        self.pos
                    }
                    None => {
                        self.word();
                        self.pos
                    }
                };
                let path = std::str::from_utf8(self.src.get(start..path_end)?).ok()?;
                let path = path.trim_matches(|ch| ch == '"' || ch == '<' || ch == '>' || ch == '\'');
                if !path.is_empty() {
                    fs.includes.push(path.to_string());
                }
                self.rest_of_line(None)?;
                self.end_of_directive();
            }
            b"if" | b"elif" | b"ifdef" | b"ifndef" | b"elifdef" | b"elifndef" => {
                self.rest_of_line(Some(refs))?;
                self.end_of_directive();
            }
            b"endif" | b"else" | b"undef" | b"pragma" | b"error" | b"warning" | b"line" => {
                self.rest_of_line(None)?;
                self.end_of_directive();
            }
            _ => return None,
        }
        Some(())
    }

    /// Moves to the newline that ends the directive's logical line, skipping strings and comments;
    /// with `refs`, collects the identifiers (an identifier before `(` is a call; `defined` is not a
    /// name). `None` when a block comment stays open past the line.
    fn rest_of_line(&mut self, mut refs: Option<&mut Vec<RawRef>>) -> Option<()> {
        while let Some(b) = self.peek() {
            match b {
                b'\n' => return Some(()),
                b'\\' if self.continuation_len() > 0 => {
                    self.pos += self.continuation_len() - 1;
                    self.newline();
                }
                b'/' if self.peek_at(1) == Some(b'*') => {
                    let line = self.line;
                    self.block_comment()?;
                    if self.line != line {
                        // The grammar ends a directive differently around a multi-line comment.
                        return None;
                    }
                }
                b'/' if self.peek_at(1) == Some(b'/') => self.line_comment(),
                b'"' | b'\'' if !vitrine_snapshot::lexis::c_quote_in_number(self.src, self.pos) => {
                    self.pos += 1;
                    while let Some(c) = self.peek() {
                        if c == b || c == b'\n' {
                            break;
                        }
                        if c == b'/' && matches!(self.peek_at(1), Some(b'*' | b'/')) {
                            // The grammar's directive text ends at a comment opener, even in a
                            // string: leave such a line to it.
                            return None;
                        }
                        self.pos += if c == b'\\' && self.peek_at(1) != Some(b'\n') { 2 } else { 1 };
                    }
                    self.pos += usize::from(self.peek() == Some(b));
                }
                b if b.is_ascii_digit() => {
                    while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.') {
                        self.pos += 1;
                    }
                }
                b if b.is_ascii_alphabetic() || b == b'_' => {
                    let at = self.point(self.pos);
                    let (s, e) = self.word()?;
                    if let Some(refs) = refs.as_deref_mut() {
                        let word = self.src.get(s..e).unwrap_or_default();
                        if word != b"defined" {
                            let mut j = self.pos;
                            while matches!(self.src.get(j), Some(b' ' | b'\t')) {
                                j += 1;
                            }
                            let kind =
                                if self.src.get(j) == Some(&b'(') { RefKind::Call } else { RefKind::Other };
                            refs.push(RawRef {
                                start: s as u32,
                                end: e as u32,
                                kind,
                                at,
                                enclosing: None,
                                owned: None,
                            });
                        }
                    }
                }
                _ => self.pos += 1,
            }
        }
        Some(())
    }

    /// Consumes the directive's newline; returns the end point of the directive (the start of the
    /// next line, as the grammar's directive nodes end).
    fn end_of_directive(&mut self) -> Point {
        if self.peek() == Some(b'\n') {
            self.newline();
        }
        self.point(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Language;
    use crate::symbols::{ExtractOptions, extract_raw, extract_raw_by};

    const REGISTERS: &str = "/*\n * Generated. /* not nested\n */\n#ifndef _REGS_H\n#define _REGS_H\n\n\
        #include <linux/bits.h>\n// offsets\n#define mmGRBM_CNTL 0x0000 // grbm\n#define mmGRBM_CNTL_BASE_IDX 0\n\
        #define REG_FIELD(x, y) \\\n  (((x) << SHIFT) | MASK_OF(y))\n  #  define INDENTED \"a string\"\n\
        #if defined(CONFIG_X) && IS_ENABLED(CONFIG_Y) || LEVEL > 2\n#define ONLY_IF 1\n#elif OTHER\n\
        #undef ONLY_IF\n#endif /* CONFIG_X */\n#endif\n";

    #[test]
    fn a_defines_only_header_yields_what_the_grammar_gives() {
        let source = REGISTERS.as_bytes();
        let (fs, refs) = scan(source).expect("only directives and comments");
        assert!(fs.definitions.len() >= 6);
        let options = ExtractOptions::default();
        for lang in [Language::C, Language::Cpp] {
            let (scanned, scanned_refs) = extract_raw(lang, source, &options);
            let (parsed, parsed_refs) = extract_raw_by(lang, source, &options, false);
            assert_eq!(parsed.parse_errors, 0);
            assert_eq!(scanned, parsed, "{lang:?}");
            let view = |refs: &[RawRef]| -> Vec<(String, RefKind, Point, Option<u32>)> {
                refs.iter().map(|r| (r.name(source).to_string(), r.kind, r.at, r.enclosing)).collect()
            };
            assert_eq!(view(&scanned_refs), view(&parsed_refs), "{lang:?}");
        }
        assert!(refs.iter().any(|r| r.name(source) == "IS_ENABLED" && r.kind == RefKind::Call));
    }

    #[test]
    fn code_or_an_open_comment_is_left_to_the_parser() {
        assert!(scan(b"#define A 1\nint x;\n").is_none());
        assert!(scan(b"#define A 1 /* open\n continues */\n").is_none());
        assert!(scan(b"/* c */ int y;\n").is_none());
        assert!(scan(b"#unknown thing\n").is_none());
        assert!(scan(b"").is_some());
    }
}
