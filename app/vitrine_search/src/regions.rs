//! Comment, string and code regions of a file, read lexically per language family, for the `in:`
//! filters of exact search and for the ranked code index (`vitrine_rank`).
//!
//! A lexer per family rather than a parse: it runs at the speed of a byte scan (the ranked index reads
//! every file of a kernel tree), needs no grammar, and cannot fail on broken code. The families:
//!
//! - C-like (C, C++, Java, Go, Rust, JavaScript, TypeScript, C#, assembly with the C preprocessor,
//!   device trees): `//` and `/* */` comments, `"…"` and `'…'` literals with backslash escapes; Go and
//!   JavaScript backquoted strings, and in JavaScript and TypeScript the `${…}` of a template literal
//!   as code and regular expression literals (after the head of `if (…)`, `while (…)`, `for (…)` too);
//!   in JavaScript scripts the HTML-like comments `<!--` and `-->` of Annex B; Java read after its
//!   Unicode escapes are translated (JLS 3.3) and its text blocks `"""…"""`; C# verbatim `@"…"` and raw
//!   `"""…"""` strings; Rust raw strings `r#"…"#`, byte literals `b'"'`, nested block comments and
//!   lifetimes (`'a` is code). These rules are `vitrine_snapshot::lexis`, which the health check's
//!   identifier scan reads too; in the languages read by the C
//!   preprocessor, backslash-newline splices as the compiler reads them (before comments: a `//`
//!   comment whose line ends in `\` runs on, a `*\`-newline-`/` closes a comment) and C++ raw strings
//!   `R"x(…)x"`;
//!   Kotlin, Swift and Scala block comments nest, and their `"""…"""` strings run over lines;
//! - hash (Python, Perl, Ruby, make, Kconfig, YAML, TOML): `#` comments, `"…"` and `'…'`
//!   strings; Python's triple-quoted strings, and the `{…}` replacement fields of its f-strings (and
//!   t-strings) as code;
//! - shell, CMake and Lua (`vitrine_snapshot::scriptlex`, which the health check reads too): shell
//!   quotes over lines (an apostrophe inside a word opens one, `\'` outside quotes is a character,
//!   `$(…)` inside `"…"` is code) and here-document bodies as string; CMake bracket comments
//!   `#[=[…]=]`, bracket arguments and quoted arguments over lines; Lua long comments `--[[…]]` and
//!   long strings;
//! - prose (Markdown, reStructuredText, plain text): the whole file is comment;
//! - anything else: the whole file is code.
//!
//! A `#!` line naming another language than the extension decides the family ([`Family::of_file`]).
//!
//! A literal or comment left open runs to the end of the file, as a compiler reads it; a `"` or `'`
//! literal also ends at the end of its line (C and the shells do not continue them without `\`), so one
//! stray quote cannot turn the rest of a file into a string.

use vitrine_snapshot::disguise::splice_len;

/// What a byte of a file is part of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Region {
    /// Inside a comment, its delimiters included.
    Comment,
    /// Inside a string or character literal, its quotes included.
    String,
    /// Everything else.
    Code,
}

impl Region {
    /// The name used by `in:` (`comment`, `string`, `code`).
    pub fn name(self) -> &'static str {
        match self {
            Region::Comment => "comment",
            Region::String => "string",
            Region::Code => "code",
        }
    }

    /// The region for an `in:` value (`comment`/`comments`, `string`/`strings`, `code`).
    pub fn parse(value: &str) -> Option<Region> {
        match value.to_ascii_lowercase().as_str() {
            "comment" | "comments" => Some(Region::Comment),
            "string" | "strings" | "str" => Some(Region::String),
            "code" => Some(Region::Code),
            _ => None,
        }
    }
}

/// How a file's comments and literals are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `//` and `/* */` comments, `"…"` and `'…'` literals with backslash escapes.
    CLike {
        /// Backquoted strings too (Go, JavaScript, TypeScript).
        backquote: bool,
        /// Rust's raw strings `r#"…"#`, and `'a` read as a lifetime (code), not a literal.
        rust: bool,
        /// Read by the C preprocessor: backslash-newline splices come before comments and literals,
        /// and C++ raw strings `R"x(…)x"`.
        cpp: bool,
        /// A backquoted string is a template literal whose `${…}` is code, and a `/` where no operand
        /// ends starts a regular expression (JavaScript, TypeScript).
        template: bool,
        /// Java: Unicode escapes are translated before lexing (`\u0022` is a quote), `"""` opens a text
        /// block.
        java: bool,
        /// C#: verbatim strings `@"…"` (no escapes, `""` a quote) and raw strings `"""…"""`.
        csharp: bool,
        /// A JavaScript script: `<!--`, and `-->` first on a line, start line comments (ECMA-262
        /// Annex B).
        html_comments: bool,
        /// Block comments nest (Kotlin, Swift, Scala) and `"""` opens a multi-line string.
        nested: bool,
        /// JSX elements where an expression starts (`.js`, `.jsx`, `.mjs`, `.cjs`, `.tsx`): their text
        /// and quoted attribute values are string, their tags and `{…}` code.
        jsx: bool,
    },
    /// `#` comments, `"…"` and `'…'` strings.
    Hash {
        /// Python: triple-quoted strings too, and f-strings' `{…}` fields as code.
        triple: bool,
    },
    /// Shell scripts (`vitrine_snapshot::scriptlex::shell_pieces`): quotes over lines, here-documents,
    /// `#` comments where a word starts.
    Shell,
    /// CMake (`scriptlex::cmake_pieces`): bracket comments and arguments, quoted arguments over lines.
    CMake,
    /// Lua (`scriptlex::lua_pieces`): `--` and long comments, long strings.
    Lua,
    /// The whole file is comment (Markdown, reStructuredText, plain text).
    Prose,
    /// The whole file is code (a format none of the others describes).
    Plain,
}

/// The C-like family with these options.
fn c_like(f: Flags) -> Family {
    let Flags { backquote, rust, cpp, template, java, csharp, html_comments, nested, jsx } = f;
    Family::CLike { backquote, rust, cpp, template, java, csharp, html_comments, nested, jsx }
}

impl Family {
    /// The family of a path, from its name.
    pub fn of_path(path: &[u8]) -> Family {
        let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
        if name == b"CMakeLists.txt" {
            return Family::CMake;
        }
        if matches!(name, b"Makefile" | b"makefile" | b"GNUmakefile" | b"Kbuild" | b"Kconfig")
            || name.starts_with(b"Kconfig.")
            || name.starts_with(b"Makefile.")
        {
            return Family::Hash { triple: false };
        }
        let ext = match name.iter().rposition(|&b| b == b'.') {
            Some(dot) => name.get(dot + 1..).unwrap_or_default().to_ascii_lowercase(),
            None => return Family::Plain,
        };
        match ext.as_slice() {
            b"c" | b"h" | b"cc" | b"cpp" | b"cxx" | b"c++" | b"hh" | b"hpp" | b"hxx" | b"h++" | b"ipp"
            | b"tpp" | b"inl" | b"s" | b"dts" | b"dtsi" | b"y" | b"l" | b"lds" => {
                c_like(Flags { cpp: true, ..Flags::default() })
            }
            b"java" => c_like(Flags { java: true, ..Flags::default() }),
            b"cs" => c_like(Flags { csharp: true, ..Flags::default() }),
            b"css" | b"proto" => c_like(Flags::default()),
            b"kt" | b"kts" | b"swift" | b"scala" | b"sc" => {
                c_like(Flags { nested: true, ..Flags::default() })
            }
            b"go" => c_like(Flags { backquote: true, ..Flags::default() }),
            b"js" | b"cjs" | b"jsx" => c_like(Flags {
                backquote: true,
                template: true,
                html_comments: true,
                jsx: true,
                ..Flags::default()
            }),
            b"mjs" | b"tsx" => {
                c_like(Flags { backquote: true, template: true, jsx: true, ..Flags::default() })
            }
            b"ts" | b"mts" | b"cts" => c_like(Flags { backquote: true, template: true, ..Flags::default() }),
            b"rs" => c_like(Flags { rust: true, ..Flags::default() }),
            b"py" | b"pyi" => Family::Hash { triple: true },
            b"sh" | b"bash" | b"ksh" | b"zsh" => Family::Shell,
            b"cmake" => Family::CMake,
            b"lua" => Family::Lua,
            b"pl" | b"pm" | b"rb" | b"mk" | b"mak" | b"yaml" | b"yml" | b"toml" | b"awk" | b"tcl"
            | b"conf" => Family::Hash { triple: false },
            b"md" | b"rst" | b"txt" | b"adoc" => Family::Prose,
            _ => Family::Plain,
        }
    }

    /// The family of a file from its name and its text: a `#!` line naming another language than the
    /// extension decides (the kernel runs that interpreter: a `.js` file starting
    /// `#!/usr/bin/env python3` is Python, and its `//` floor division no comment); a script without
    /// an extension is its `#!` language's. One look at the first bytes.
    pub fn of_file(path: &[u8], text: &[u8]) -> Family {
        let by_path = Family::of_path(path);
        if !text.starts_with(b"#!") {
            return by_path;
        }
        let Some(bang) = vitrine_snapshot::scriptlex::shebang_language(text) else { return by_path };
        let ext = vitrine_snapshot::scriptlex::extension_language(path);
        if ext == Some(bang) {
            return by_path;
        }
        match bang {
            "Python" => Family::Hash { triple: true },
            "shell" => Family::Shell,
            "JavaScript" => c_like(Flags {
                backquote: true,
                template: true,
                html_comments: true,
                jsx: true,
                ..Flags::default()
            }),
            "Perl" | "Ruby" | "PHP" => Family::Hash { triple: false },
            "Lua" => Family::Lua,
            _ => by_path,
        }
    }
}

/// Replaces the spans of a Go file's cgo preambles ([`vitrine_snapshot::cgo`]: comments for Go, C code
/// for the compiler) with C's: the C text's own comments and literals, its code as code, and only the
/// Go comment markers (`/*`, `*/`, `//`) as comment. One search for `"C"` in a file without cgo.
fn cgo_preambles(text: &[u8], spans: &mut Vec<(usize, usize, Region)>) {
    let found = vitrine_snapshot::cgo::preambles(text);
    if found.is_empty() {
        return;
    }
    let view = vitrine_snapshot::cgo::c_view_of(text, &found);
    let mut c_spans = Vec::new();
    CLexer { text: &view, flags: Flags { cpp: true, ..Flags::default() } }.scan(0, false, 0, &mut c_spans);
    spans.retain(|&(s, e, _)| found.iter().all(|p| e <= p.start || s >= p.end));
    for p in &found {
        let mut at = p.start;
        for &(ps, pe) in &p.pieces {
            if ps > at {
                spans.push((at, ps, Region::Comment));
            }
            // The C spans, cut to this piece (a C comment left open does not run into the Go code).
            for &(s, e, r) in &c_spans {
                let (s, e) = (s.max(ps), e.min(pe));
                if s < e {
                    spans.push((s, e, r));
                }
            }
            at = pe;
        }
        if p.end > at {
            spans.push((at, p.end, Region::Comment));
        }
    }
    spans.sort_unstable();
}

/// The comment and string spans of a file (byte ranges, sorted, not overlapping); every other byte is
/// code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Regions {
    spans: Vec<(usize, usize, Region)>,
}

impl Regions {
    /// Reads the regions of `text` as written in `family`.
    pub fn scan(family: Family, text: &[u8]) -> Regions {
        let spans = match family {
            Family::CLike { backquote, rust, cpp, template, java, csharp, html_comments, nested, jsx } => {
                let flags =
                    Flags { backquote, rust, cpp, template, java, csharp, html_comments, nested, jsx };
                // Java: javac lexes the text with its Unicode escapes translated; the spans found
                // there are mapped back to the file's bytes.
                if java && let Some(t) = vitrine_snapshot::lexis::java_translate(text) {
                    let mut spans = Vec::new();
                    CLexer { text: &t.text, flags }.scan(0, false, 0, &mut spans);
                    let mut mapped = Vec::with_capacity(spans.len());
                    for (s, e, r) in spans {
                        push(&mut mapped, t.file_offset(s), t.file_offset(e), r);
                    }
                    return Regions { spans: mapped };
                }
                let mut spans = Vec::new();
                CLexer { text, flags }.scan(0, false, 0, &mut spans);
                // Go (backquotes and nothing else): a cgo preamble is C.
                if flags == (Flags { backquote: true, ..Flags::default() }) {
                    cgo_preambles(text, &mut spans);
                }
                spans
            }
            Family::Hash { triple } => scan_hash(text, triple),
            Family::Shell | Family::CMake | Family::Lua => {
                use vitrine_snapshot::scriptlex::{Piece, cmake_pieces, lua_pieces, shell_pieces};
                let mut spans = Vec::new();
                let mut on = |piece: Piece, start: usize, end: usize| {
                    let region = if piece == Piece::Comment { Region::Comment } else { Region::String };
                    push(&mut spans, start, end.min(text.len()), region);
                };
                match family {
                    Family::Shell => shell_pieces(text, &mut on),
                    Family::CMake => cmake_pieces(text, &mut on),
                    _ => lua_pieces(text, &mut on),
                }
                spans
            }
            Family::Prose if !text.is_empty() => vec![(0, text.len(), Region::Comment)],
            Family::Prose | Family::Plain => Vec::new(),
        };
        Regions { spans }
    }

    /// The regions of a file, its family taken from its path and its `#!` line ([`Family::of_file`]).
    pub fn of_file(path: &[u8], text: &[u8]) -> Regions {
        Regions::scan(Family::of_file(path, text), text)
    }

    /// The comment and string spans, in order.
    pub fn spans(&self) -> &[(usize, usize, Region)] {
        &self.spans
    }

    /// The region of byte `at`.
    pub fn at(&self, at: usize) -> Region {
        let i = self.spans.partition_point(|&(_, end, _)| end <= at);
        match self.spans.get(i) {
            Some(&(start, _, region)) if start <= at => region,
            _ => Region::Code,
        }
    }

    /// Whether the whole range `start..end` (a match) lies in `region` (an empty match: its position).
    pub fn contains(&self, region: Region, start: usize, end: usize) -> bool {
        if self.at(start) != region {
            return false;
        }
        if end <= start + 1 {
            return true;
        }
        let last = end - 1;
        match region {
            // Code: no comment or string begins inside the range.
            Region::Code => {
                let i = self.spans.partition_point(|&(_, e, _)| e <= start);
                self.spans.get(i).is_none_or(|&(s, _, _)| s > last)
            }
            // A comment or string: the same span holds both ends.
            _ => {
                let i = self.spans.partition_point(|&(_, e, _)| e <= start);
                self.spans.get(i).is_some_and(|&(s, e, _)| s <= start && last < e)
            }
        }
    }

    /// Every piece of `text` with its region, in order (code between the spans included).
    pub fn pieces<'a>(&'a self, text: &'a [u8]) -> impl Iterator<Item = (usize, &'a [u8], Region)> + 'a {
        let mut out = Vec::with_capacity(self.spans.len() * 2 + 1);
        let mut pos = 0usize;
        for &(s, e, r) in &self.spans {
            if s > pos {
                out.push((pos, s, Region::Code));
            }
            out.push((s, e, r));
            pos = e;
        }
        if pos < text.len() {
            out.push((pos, text.len(), Region::Code));
        }
        out.into_iter().map(move |(s, e, r)| (s, text.get(s..e).unwrap_or_default(), r))
    }
}

fn push(spans: &mut Vec<(usize, usize, Region)>, start: usize, end: usize, region: Region) {
    if end <= start {
        return;
    }
    // Adjacent spans of one region merge (`// a` then `// b` on the next line stay two: a newline is code).
    if let Some(last) = spans.last_mut()
        && last.1 == start
        && last.2 == region
    {
        last.1 = end;
        return;
    }
    spans.push((start, end, region));
}

/// The end of a quoted literal opened at `open` (the index after its closing quote): backslash
/// escapes; it stops at an unescaped newline.
fn quoted_end(text: &[u8], open: usize, quote: u8) -> usize {
    vitrine_snapshot::lexis::quoted_end(text, open + 1, quote)
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Nesting of code inside string interpolations (`${` in a template inside `${` …) read as such;
/// deeper, the rest of a literal is read as string, so hostile nesting cannot exhaust the stack.
const MAX_NESTING: usize = 32;

/// The options of [`Family::CLike`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Flags {
    backquote: bool,
    rust: bool,
    cpp: bool,
    template: bool,
    java: bool,
    csharp: bool,
    html_comments: bool,
    nested: bool,
    jsx: bool,
}

/// The C-like lexer of one file.
struct CLexer<'t> {
    text: &'t [u8],
    flags: Flags,
}

impl std::ops::Deref for CLexer<'_> {
    type Target = Flags;
    fn deref(&self) -> &Flags {
        &self.flags
    }
}

impl CLexer<'_> {
    fn at(&self, i: usize) -> Option<u8> {
        self.text.get(i).copied()
    }

    /// `i` moved past any splices (only where the C preprocessor reads the file).
    fn skip_splices(&self, mut i: usize) -> usize {
        if self.cpp {
            while let Some(n) = splice_len(self.text, i) {
                i += n;
            }
        }
        i
    }

    /// The line terminators of this language besides LF ([`vitrine_snapshot::lexis::line_end`]: the
    /// compilers' and ECMA-262's, as `terminators` reports them).
    fn line_ends(&self) -> vitrine_snapshot::lexis::LineEnds {
        vitrine_snapshot::lexis::LineEnds {
            lone_cr: self.cpp || self.template || self.java || self.csharp,
            separators: self.template || self.csharp,
            nel: self.csharp,
        }
    }

    /// The end of a `//` comment at `i`: the line terminator that no splice continues.
    fn line_comment_end(&self, i: usize) -> usize {
        let ends = self.line_ends();
        let mut from = i;
        loop {
            let end = vitrine_snapshot::lexis::line_end(self.text, from, ends);
            if !self.cpp || end >= self.text.len() {
                return end;
            }
            // Is the newline the end of a splice (a backslash, blanks, maybe a CR)?
            let mut k = end;
            if k > from && self.at(k - 1) == Some(b'\r') {
                k -= 1;
            }
            while k > from && matches!(self.at(k - 1), Some(b' ' | b'\t' | 0x0B | 0x0C)) {
                k -= 1;
            }
            if k > from && self.at(k - 1) == Some(b'\\') {
                from = end + 1;
            } else {
                return end;
            }
        }
    }

    /// The end of a `/* */` comment whose opening `*` is at `star` (after its closing `/`).
    fn block_comment_end(&self, star: usize) -> usize {
        let mut k = star + 1;
        while let Some(off) = self.text.get(k..).and_then(|t| memchr::memchr(b'*', t)) {
            let s = k + off;
            let j = self.skip_splices(s + 1);
            if self.at(j) == Some(b'/') {
                return j + 1;
            }
            k = s + 1;
        }
        self.text.len()
    }

    /// The end of a quoted literal opened at `open`, as [`quoted_end`], with splices where the C
    /// preprocessor reads the file.
    fn quoted_end(&self, open: usize, quote: u8) -> usize {
        if !self.cpp {
            return quoted_end(self.text, open, quote);
        }
        let mut i = open + 1;
        while let Some(b) = self.at(i) {
            match b {
                b'\\' => match splice_len(self.text, i) {
                    // A splice: the literal goes on on the next line.
                    Some(n) => i += n,
                    // An escape: of the next character after any splices (phase 2 comes first).
                    None => i = self.skip_splices(i + 1) + 1,
                },
                b'\n' => return i,
                _ if b == quote => return i + 1,
                _ => i += 1,
            }
        }
        self.text.len()
    }

    /// A C++ raw string whose `"` is at `i`: its start (the prefix) and end, when `R` (with an
    /// encoding prefix `u8`, `u`, `U` or `L`) comes right before the quote and a valid delimiter
    /// (at most 16 characters, then `(`) right after it.
    fn raw_string(&self, i: usize) -> Option<(usize, usize)> {
        if i == 0 || self.at(i - 1) != Some(b'R') {
            return None;
        }
        let mut start = i - 1;
        for prefix in [&b"u8"[..], b"u", b"U", b"L"] {
            if self.text.get(..start).is_some_and(|t| t.ends_with(prefix)) {
                start -= prefix.len();
                break;
            }
        }
        if start > 0 && self.at(start - 1).is_some_and(is_ident) {
            return None;
        }
        let rest = self.text.get(i + 1..)?;
        let open = rest.iter().take(17).position(|&b| b == b'(')?;
        let delim = rest.get(..open)?;
        if delim.iter().any(|&b| matches!(b, b' ' | b')' | b'\\' | b'\t' | b'\n' | 0x0B | 0x0C | b'"')) {
            return None;
        }
        let mut close = vec![b')'];
        close.extend_from_slice(delim);
        close.push(b'"');
        let from = i + 1 + open + 1;
        let end = self
            .text
            .get(from..)
            .and_then(|t| memchr::memmem::find(t, &close))
            .map_or(self.text.len(), |j| from + j + close.len());
        Some((start, end))
    }

    /// A template literal opened at `open` (a backquote): its text is string, each `${…}` code (read
    /// as code, nested literals included); returns the index after the closing backquote.
    fn template_literal(&self, open: usize, depth: usize, spans: &mut Vec<(usize, usize, Region)>) -> usize {
        let mut seg = open;
        let mut i = open + 1;
        while let Some(b) = self.at(i) {
            match b {
                b'\\' => i += 2,
                b'`' => {
                    push(spans, seg, i + 1, Region::String);
                    return i + 1;
                }
                b'$' if self.at(i + 1) == Some(b'{') && depth < MAX_NESTING => {
                    push(spans, seg, i, Region::String);
                    let close = self.scan(i + 2, true, depth + 1, spans);
                    // `${` and its `}` are code; the literal goes on after the `}`.
                    i = (close + 1).min(self.text.len());
                    seg = i;
                }
                _ => i += 1,
            }
        }
        push(spans, seg, self.text.len(), Region::String);
        self.text.len()
    }

    /// Reads code from `from`; with `in_field`, stops at the `}` that closes an interpolation and
    /// returns its index; otherwise reads to the end.
    fn scan(
        &self,
        from: usize,
        in_field: bool,
        depth: usize,
        spans: &mut Vec<(usize, usize, Region)>,
    ) -> usize {
        let text = self.text;
        let mut braces = 0usize;
        let mut slash = vitrine_snapshot::lexis::JsSlash::default();
        let mut i = from;
        // Rust: where the plain code since the last comment or literal starts.
        let mut code_from = from;
        while i < text.len() {
            // Jump to the next byte that can open a comment or a literal (`memchr3` reads a vector of
            // bytes at a time; a backquote, braces, parentheses (for JavaScript's regular expressions),
            // `<` and `-` (its HTML-like comments) and `@` (C#) are looked for only where they matter).
            let Some(off) = text.get(i..).and_then(|t| {
                if self.template || self.csharp {
                    t.iter().position(|&b| match b {
                        b'/' | b'"' | b'\'' => true,
                        b'`' => self.backquote,
                        b'{' | b'}' => in_field || self.template,
                        b'(' | b')' => self.template,
                        b'<' => self.html_comments || self.jsx,
                        b'-' => self.html_comments,
                        b'@' => self.csharp,
                        _ => false,
                    })
                } else if in_field {
                    t.iter().position(|&b| matches!(b, b'/' | b'"' | b'\'' | b'`' | b'{' | b'}'))
                } else if self.backquote {
                    t.iter().position(|&b| matches!(b, b'/' | b'"' | b'\'' | b'`'))
                } else {
                    memchr::memchr3(b'/', b'"', b'\'', t)
                }
            }) else {
                break;
            };
            i += off;
            if self.rust {
                // Rust's comments, literals and lifetimes are `lexis`'s (the prefix of `r#"…"#`,
                // `b'"'`, `cr"…"` looked for only in the code since the last one: `'r"…"` is a
                // lifetime and a plain string).
                match vitrine_snapshot::lexis::rust_token_through(text, i, code_from) {
                    Some((token, start, end)) => {
                        use vitrine_snapshot::lexis::RustToken;
                        match token {
                            RustToken::LineComment | RustToken::BlockComment => {
                                push(spans, start, end, Region::Comment)
                            }
                            RustToken::Lifetime => {}
                            RustToken::Str | RustToken::RawStr | RustToken::Char => {
                                push(spans, start, end, Region::String)
                            }
                        }
                        i = end.max(i + 1);
                        code_from = i;
                    }
                    None => i += 1,
                }
                continue;
            }
            let b = text.get(i).copied().unwrap_or_default();
            let next_at = if b == b'/' { self.skip_splices(i + 1) } else { i + 1 };
            let next = text.get(next_at).copied();
            match (b, next) {
                (b'{', _) => {
                    if self.template {
                        slash.open_brace(text, i);
                    }
                    braces += 1;
                    i += 1;
                }
                (b'}', _) => {
                    if braces == 0 && in_field {
                        return i;
                    }
                    if self.template {
                        slash.close_brace(i);
                    }
                    braces = braces.saturating_sub(1);
                    i += 1;
                }
                (b'/', Some(b'/')) => {
                    let end = self.line_comment_end(i);
                    push(spans, i, end, Region::Comment);
                    i = end;
                }
                (b'/', Some(b'*')) if self.nested => {
                    let end = vitrine_snapshot::lexis::block_comment_end(text, i, true);
                    push(spans, i, end, Region::Comment);
                    i = end;
                }
                (b'/', Some(b'*')) => {
                    let end = self.block_comment_end(next_at);
                    push(spans, i, end, Region::Comment);
                    i = end;
                }
                (b'/', _) if self.template && slash.starts_regex(text, i) => {
                    let end = vitrine_snapshot::lexis::regex_end(text, i + 1);
                    push(spans, i, end, Region::String);
                    i = end;
                }
                (b'/', _) => i += 1,
                (b'(', _) if self.template => {
                    slash.open(text, i);
                    i += 1;
                }
                (b')', _) if self.template => {
                    slash.close(i);
                    i += 1;
                }
                (b'<', _)
                    if self.jsx
                        && depth < MAX_NESTING
                        && slash.starts_regex(text, i)
                        && vitrine_snapshot::lexis::jsx_starts(text, i) =>
                {
                    use vitrine_snapshot::lexis::Jsx;
                    i = vitrine_snapshot::lexis::jsx_element(text, i, &mut |piece| match piece {
                        Jsx::Text(s, e) => {
                            push(spans, s, e, Region::String);
                            0
                        }
                        Jsx::Code(from) => self.scan(from, true, depth + 1, spans),
                    });
                }
                (b'<' | b'-', _)
                    if self.html_comments
                        && (vitrine_snapshot::lexis::html_open_comment(text, i)
                            || vitrine_snapshot::lexis::html_close_comment(text, i)) =>
                {
                    let end = vitrine_snapshot::lexis::line_end(text, i, self.line_ends());
                    push(spans, i, end, Region::Comment);
                    i = end;
                }
                (b'@', Some(b'"' | b'$')) if self.csharp => {
                    let quote = if next == Some(b'"') { i + 1 } else { i + 2 };
                    if text.get(quote) != Some(&b'"') {
                        i += 1;
                        continue;
                    }
                    let start = if i > 0 && text.get(i - 1) == Some(&b'$') { i - 1 } else { i };
                    let end = vitrine_snapshot::lexis::verbatim_end(text, quote + 1);
                    push(spans, start, end, Region::String);
                    i = end;
                }
                (b'"', Some(b'"'))
                    if (self.java || self.csharp || self.nested) && text.get(i + 2) == Some(&b'"') =>
                {
                    // A Java text block (escapes), a C# raw string (none, closed by as many quotes), a
                    // Kotlin, Scala or Swift multi-line string.
                    let end = if self.java || self.nested {
                        vitrine_snapshot::lexis::text_block_end(text, i, true)
                    } else {
                        vitrine_snapshot::lexis::csharp_raw_end(text, i)
                    };
                    push(spans, i, end, Region::String);
                    i = end;
                }
                (b'"', _) => {
                    if self.cpp
                        && let Some((start, end)) = self.raw_string(i)
                    {
                        push(spans, start, end, Region::String);
                        i = end;
                        continue;
                    }
                    let end = self.quoted_end(i, b'"');
                    push(spans, i, end, Region::String);
                    i = end.max(i + 1);
                }
                (b'\'', _) => {
                    // After an identifier character the quote is not a literal (C++14 digit separators
                    // `1'000`).
                    if i > 0 && text.get(i - 1).is_some_and(|&p| p.is_ascii_alphanumeric() || p == b'_') {
                        i += 1;
                        continue;
                    }
                    let end = self.quoted_end(i, b'\'');
                    push(spans, i, end, Region::String);
                    i = end.max(i + 1);
                }
                (b'`', _) if self.backquote => {
                    if self.template {
                        i = self.template_literal(i, depth, spans);
                        continue;
                    }
                    let end = text
                        .get(i + 1..)
                        .and_then(|t| memchr::memchr(b'`', t))
                        .map_or(text.len(), |j| i + 1 + j + 1);
                    push(spans, i, end, Region::String);
                    i = end;
                }
                _ => i += 1,
            }
        }
        text.len()
    }
}

/// A Python string literal whose first quote is at `q`: pushes its spans (an f-string's or
/// t-string's `{…}` replacement fields as code, their own literals included) and returns its end
/// (`lexis::python_string_pieces`, the one reading of Python's strings).
fn python_string(text: &[u8], q: usize, spans: &mut Vec<(usize, usize, Region)>) -> usize {
    vitrine_snapshot::lexis::python_string_pieces(text, q, &mut |start, end| {
        push(spans, start, end, Region::String)
    })
}

fn scan_hash(text: &[u8], triple: bool) -> Vec<(usize, usize, Region)> {
    let mut spans = Vec::new();
    let mut i = 0usize;
    while i < text.len() {
        let Some(off) = text.get(i..).and_then(|t| memchr::memchr3(b'#', b'"', b'\'', t)) else {
            break;
        };
        i += off;
        let b = text.get(i).copied().unwrap_or_default();
        match b {
            b'#' => {
                // `$#` and `${#x}` in shells are not comments: a comment starts a word. In Python
                // (`lexis::python_token_at`) a `#` outside a string starts one anywhere: `x = y#'''`.
                let starts_word =
                    i == 0 || text.get(i - 1).is_some_and(|p| p.is_ascii_whitespace() || *p == b';');
                if !starts_word && !triple {
                    i += 1;
                    continue;
                }
                // Python ends a line at a lone CR too (its tokenizer's newline).
                let ends = vitrine_snapshot::lexis::LineEnds { lone_cr: triple, ..Default::default() };
                let end = vitrine_snapshot::lexis::line_end(text, i, ends);
                push(&mut spans, i, end, Region::Comment);
                i = end;
            }
            _ if triple => {
                // Python: triple quotes, prefixes, f-string fields.
                i = python_string(text, i, &mut spans).max(i + 1);
            }
            _ => {
                // An apostrophe inside a word (`don't` in a make recipe) opens nothing.
                if b == b'\'' && i > 0 && text.get(i - 1).is_some_and(|p| p.is_ascii_alphanumeric()) {
                    i += 1;
                    continue;
                }
                let end = quoted_end(text, i, b);
                push(&mut spans, i, end, Region::String);
                i = end.max(i + 1);
            }
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_c_like(text: &[u8], backquote: bool, rust: bool) -> Vec<(usize, usize, Region)> {
        let mut spans = Vec::new();
        CLexer { text, flags: Flags { backquote, rust, ..Flags::default() } }.scan(0, false, 0, &mut spans);
        spans
    }

    proptest::proptest! {
        /// Where no backquote is written, the vector search for the next byte that opens a comment
        /// or a literal (`memchr3`, languages without backquoted strings) finds what the byte-by-byte
        /// search finds (languages with them): the same regions, on any text.
        #[test]
        fn the_vector_search_finds_what_the_byte_search_finds(
            text in proptest::collection::vec(proptest::sample::select(b"/*\"'\\\nab#r_1 ".to_vec()), 0..400),
            rust in proptest::bool::ANY,
        ) {
            proptest::prop_assert_eq!(scan_c_like(&text, false, rust), scan_c_like(&text, true, rust));
        }
    }

    fn texts(path: &str, text: &str) -> Vec<(&'static str, String)> {
        Regions::of_file(path.as_bytes(), text.as_bytes())
            .spans()
            .iter()
            .map(|&(s, e, r)| (r.name(), text[s..e].to_owned()))
            .collect()
    }

    /// snap F7 (round 9): a line comment ends at the line terminators of its language (ECMA-262's lone
    /// CR, U+2028 and U+2029 in JavaScript; a lone CR for C, Java, C# and Python; NEL for C#), so the
    /// code after one is `in:code`; where the language runs a comment to LF (Rust, Go, shell), it does.
    #[test]
    fn line_comments_end_where_the_language_ends_lines() {
        for (path, src) in [
            ("a.js", "// x\rcall();\n"),
            ("a.js", "// x\u{2028}call();\n"),
            ("a.ts", "// x\u{2029}call();\n"),
            ("a.js", "<!-- x\rcall();\n"),
            ("a.c", "// x\rcall();\n"),
            ("a.java", "// x\rcall();\n"),
            ("a.cs", "// x\u{85}call();\n"),
            ("a.py", "# x\rcall()\n"),
        ] {
            let t = texts(path, src);
            assert_eq!(t.len(), 1, "{path} {src:?}: {t:?}");
            assert!(!t[0].1.contains("call"), "{path} {src:?}: {t:?}");
        }
        for (path, src) in [("a.rs", "// x\rcall();\n"), ("a.go", "// x\rcall()\n"), ("a.sh", "# x\rcall\n")]
        {
            let t = texts(path, src);
            assert!(t[0].1.contains("call"), "{path}: {t:?}");
        }
        // A CRLF ends the comment at its LF, as before; a splice before a lone CR continues a C comment.
        assert_eq!(texts("a.js", "// x\r\ncall();\n"), vec![("comment", "// x\r".to_owned())]);
        assert!(texts("a.c", "// x \\\rcall();\n")[0].1.contains("call"));
    }

    #[test]
    fn c_comments_and_literals() {
        let src =
            "int a = 1; // one\n/* two\n three */ char *s = \"x // not \\\" comment\"; char c = '\"';\n";
        assert_eq!(
            texts("a.c", src),
            vec![
                ("comment", "// one".to_owned()),
                ("comment", "/* two\n three */".to_owned()),
                ("string", "\"x // not \\\" comment\"".to_owned()),
                ("string", "'\"'".to_owned()),
            ]
        );
        let r = Regions::of_file(b"a.c", src.as_bytes());
        assert_eq!(r.at(0), Region::Code);
        assert_eq!(r.at(src.find("one").unwrap()), Region::Comment);
        assert_eq!(r.at(src.find("not").unwrap()), Region::String);
    }

    #[test]
    fn a_stray_quote_ends_at_the_line() {
        let src = "x = \"open\ny = 1; // c\n";
        assert_eq!(texts("a.c", src), vec![("string", "\"open".to_owned()), ("comment", "// c".to_owned())]);
        // An unterminated block comment runs to the end, as the compiler reads it.
        assert_eq!(texts("a.c", "a /* b\nc"), vec![("comment", "/* b\nc".to_owned())]);
    }

    #[test]
    fn rust_lifetimes_and_raw_strings() {
        let src = "fn f<'a>(x: &'a str) -> char { let r = r#\"a \"b\" // c\"#; 'x' }";
        assert_eq!(
            texts("a.rs", src),
            vec![("string", "r#\"a \"b\" // c\"#".to_owned()), ("string", "'x'".to_owned())]
        );
    }

    #[test]
    fn hash_family_and_python_docstrings() {
        let src = "# top\nx = \"a # b\"  # tail\ns = '''doc\n# in doc'''\necho $# ${#x}\n";
        assert_eq!(
            texts("a.py", src),
            vec![
                ("comment", "# top".to_owned()),
                ("string", "\"a # b\"".to_owned()),
                ("comment", "# tail".to_owned()),
                ("string", "'''doc\n# in doc'''".to_owned()),
                // Python: a `#` outside a string is a comment wherever it is.
                ("comment", "# ${#x}".to_owned()),
            ]
        );
        // A shell: `$#` and `${#x}` are no comments.
        assert_eq!(texts("a.sh", "echo $# ${#x} # c\n"), vec![("comment", "# c".to_owned())]);
        assert_eq!(Family::of_path(b"drivers/net/Kconfig"), Family::Hash { triple: false });
    }

    #[test]
    fn containment_of_matches() {
        let src = b"a /* b */ c \"d\"";
        let r = Regions::of_file(b"x.c", src);
        assert!(r.contains(Region::Comment, 5, 6));
        assert!(!r.contains(Region::Comment, 0, 6), "starts in code");
        assert!(!r.contains(Region::Code, 0, 4), "runs into a comment");
        assert!(r.contains(Region::Code, 9, 11));
        assert!(r.contains(Region::String, 12, 15));
        assert_eq!(
            r.pieces(src).map(|(_, _, r)| r).collect::<Vec<_>>(),
            vec![Region::Code, Region::Comment, Region::Code, Region::String]
        );
    }

    /// Round 22 (obf f1, f4): in the languages the C preprocessor reads, backslash-newline splices
    /// come before comments, as the compiler reads them: a `//` comment whose line ends in `\` (also
    /// with blanks or a CR after it) runs on; `*\`-newline-`/` closes a comment, `/\`-newline-`*`
    /// opens one. Java and JavaScript do not splice.
    #[test]
    fn splices_decide_comments_where_the_c_preprocessor_reads() {
        let f4 = "int su(int uid) {\n    // (C:\\tools\\policy\\\n    if (uid != 0) return -1;\n    return 0;\n}\n";
        let r = Regions::of_file(b"auth.c", f4.as_bytes());
        let at = |s: &str| f4.find(s).unwrap();
        assert_eq!(r.at(at("return -1")), Region::Comment);
        assert_eq!(r.at(at("return 0")), Region::Code);
        let blanks = "// x \\  \r\nhidden();\nlive();\n";
        let r = Regions::of_file(b"a.h", blanks.as_bytes());
        assert_eq!(r.at(blanks.find("hidden").unwrap()), Region::Comment);
        assert_eq!(r.at(blanks.find("live").unwrap()), Region::Code);
        assert_eq!(Regions::of_file(b"A.java", f4.as_bytes()).at(at("return -1")), Region::Code);
        let f1 = "int check(int uid) {\n    /* audit only *\\\n/ grant_root(uid); /* see */\n}\n";
        let r = Regions::of_file(b"auth.c", f1.as_bytes());
        assert_eq!(r.at(f1.find("grant_root").unwrap()), Region::Code);
        assert_eq!(r.at(f1.find("audit").unwrap()), Region::Comment);
        assert_eq!(r.at(f1.find("see").unwrap()), Region::Comment);
        let open = "a = b /\\\n* hidden */ + c;\n";
        let r = Regions::of_file(b"x.cpp", open.as_bytes());
        assert_eq!(r.at(open.find("hidden").unwrap()), Region::Comment);
        assert_eq!(r.at(open.find("c;").unwrap()), Region::Code);
        // A string continued by a splice stays one literal; an escaped backslash before a newline is
        // still a splice (phase 2 first), so the literal goes on.
        let s = "char *s = \"a\\\nb\"; f();\n";
        let r = Regions::of_file(b"x.c", s.as_bytes());
        assert_eq!(r.at(s.find("b\"").unwrap()), Region::String);
        assert_eq!(r.at(s.find("f()").unwrap()), Region::Code);
    }

    /// Round 22 (obf f10): code inside string interpolation is code: a JavaScript template
    /// literal's `${…}` (nested literals and templates included), a Python f-string's `{…}` (not
    /// `{{`, not `\N{…}`), and the code after a C++ raw string that holds `"` and `*/`.
    #[test]
    fn interpolated_code_is_code_and_raw_strings_end_where_they_end() {
        let js = "const l = `build ${require('cp').execSync(`curl ${u}`)} done`; f();\n";
        let r = Regions::of_file(b"version.js", js.as_bytes());
        let at = |s: &str| js.find(s).unwrap();
        assert_eq!(r.at(at("build")), Region::String);
        assert_eq!(r.at(at("execSync")), Region::Code);
        assert_eq!(r.at(at("'cp'")), Region::String);
        assert_eq!(r.at(at("curl")), Region::String);
        assert_eq!(r.at(at("u}")), Region::Code);
        assert_eq!(r.at(at("done")), Region::String);
        assert_eq!(r.at(at("f()")), Region::Code);
        assert!(r.contains(Region::Code, at("execSync"), at("execSync") + 8));
        // Go's backquoted strings have no interpolation.
        assert_eq!(Regions::of_file(b"a.go", js.as_bytes()).at(at("execSync")), Region::String);
        let py = "label = f\"build {__import__('os').system('curl | sh')} {{x}} \\N{BULLET} done\"\nrun()\n";
        let r = Regions::of_file(b"version.py", py.as_bytes());
        let at = |s: &str| py.find(s).unwrap();
        assert_eq!(r.at(at("build")), Region::String);
        assert_eq!(r.at(at("system")), Region::Code);
        assert_eq!(r.at(at("'os'")), Region::String);
        assert_eq!(r.at(at("{x}")), Region::String);
        assert_eq!(r.at(at("BULLET")), Region::String);
        assert_eq!(r.at(at("done")), Region::String);
        assert_eq!(r.at(at("run")), Region::Code);
        // Not an f-string: braces are text; a triple-quoted f-string with a nested same-quote string.
        let plain = "s = \"{os.system(1)}\"\nt = rf'''{x[\"k\"]} \\{y}'''\n";
        let r = Regions::of_file(b"a.py", plain.as_bytes());
        assert_eq!(r.at(plain.find("system").unwrap()), Region::String);
        assert_eq!(r.at(plain.find("x[").unwrap()), Region::Code);
        assert_eq!(r.at(plain.find("\"k\"").unwrap()), Region::String);
        assert_eq!(r.at(plain.find("y}").unwrap()), Region::Code);
        let cpp =
            "int banner(int u) { const char *s = R\"x( */ \" )x\"; exfiltrate(u); /* \" */ return s[0]; }\n";
        let r = Regions::of_file(b"fmt.cpp", cpp.as_bytes());
        assert_eq!(r.at(cpp.find("exfiltrate").unwrap()), Region::Code);
        assert_eq!(r.at(cpp.find(" */ \"").unwrap()), Region::String);
        assert_eq!(r.at(cpp.find("return").unwrap()), Region::Code);
        // `LR"(…)"` and `u8R"d(…)d"`; an identifier ending in R is no prefix.
        let more = "a = u8R\"d(\")d\"; b = LR\"(x)\"; c = FOOR\"(\"; d();\n";
        let r = Regions::of_file(b"a.cc", more.as_bytes());
        assert_eq!(r.at(more.find("u8R").unwrap()), Region::String);
        assert_eq!(r.at(more.find("b =").unwrap()), Region::Code);
        assert_eq!(r.at(more.find("c =").unwrap()), Region::Code);
        assert_eq!(r.at(more.find("d()").unwrap()), Region::Code);
    }

    /// Hostile nesting of interpolations stays bounded (no stack exhaustion).
    #[test]
    fn deep_interpolation_is_bounded() {
        let js = "`${".repeat(100_000);
        let _ = Regions::of_file(b"a.js", js.as_bytes());
        let py = "f'{".repeat(100_000);
        let _ = Regions::of_file(b"a.py", py.as_bytes());
    }

    #[test]
    fn a_cgo_preamble_is_c_code_with_c_comments_and_strings() {
        let src = b"package main\n\n/*\nstatic int grant_root(int u) { puts(\"ok no\"); return u; } // note\n*/\nimport \"C\"\n\n// grant_root in Go\nfunc f() { C.grant_root(1) }\n";
        let r = Regions::of_file(b"main.go", src);
        let find =
            |pat: &[u8], from: usize| from + src[from..].windows(pat.len()).position(|w| w == pat).unwrap();
        let def = find(b"grant_root", 0);
        assert_eq!(r.at(def), Region::Code);
        assert_eq!(r.at(find(b"ok", 0)), Region::String);
        assert_eq!(r.at(find(b"note", 0)), Region::Comment);
        assert_eq!(r.at(find(b"/*", 0)), Region::Comment);
        assert_eq!(r.at(find(b"grant_root in Go", 0)), Region::Comment);
        assert_eq!(r.at(find(b"C.grant_root", 0) + 2), Region::Code);
        // Without `import "C"` the comment is a comment.
        let plain = String::from_utf8(src.to_vec()).unwrap().replace("import \"C\"", "import \"fmt\"");
        let r = Regions::of_file(b"main.go", plain.as_bytes());
        assert_eq!(r.at(def), Region::Comment);
    }
}

/// Round 23 (obf f2, f6, f7, f9): the literal and comment forms of Java, JavaScript, Rust and C# that a
/// C-like reading misplaces, read as their compilers and engines read them; and the identifier scan of
/// the health check (`vitrine_snapshot::lexis::code_identifiers`) agrees with these regions on every
/// sample: each name it reads as code is code here.
#[cfg(test)]
mod other_languages {
    use super::*;

    const JAVA: &str = "public class Auth {\n    static boolean check(String user, int uid) {\n        String banner = \"login for \\u0022; grantRoot(uid); String tail = \\u0022 ok\";\n        /* audit hook disabled \\u002a/ grantRoot(uid + 1); /* see AUDIT.md */\n        String usage = \"\"\"\n            usage: login \"user\" \\\"\"\"\n            \"\"\"; grantRoot(uid + 2); String more = \"\"\"\n            see README\n            \"\"\";\n        // note \\u000a grantRoot(uid + 3);\n        return user.equals(\"admin\");\n    }\n}\n";
    const JS: &str = "function check(u) {\n  if (u) /\"/.test(u); const x = execSync; grantRoot(u); var note = \"/\";\n  while (f(u)) /'/.exec(u); grantRoot(2); var y = (a) / 2; var z = 'k';\n  /* Only administrators.\n   */ --> if (!isAdmin(u)) return deny(u);\n  var checked = 1 <!-- if (u === \"guest\") return deny(u);\n  while (n-->0) live();\n  return grant(u);\n}\n";
    const RUST: &str = "fn check(uid: u32) -> bool {\n    /* Policy: see docs/policy/*.md; only root. */\n    if uid != 0 { return deny(uid); }\n    // end of policy check */\n    let quote = b'\"'; grant_root(uid); let end = \"\";\n    true\n}\n";
    /// Python: PEP 701 f-strings that reuse their quotes inside fields, a `#` glued to code, quotes in
    /// strings (`lexis::python_token_at` for both readers).
    const PYTHON: &str = "def check(user, uid):\n    label = f\"{user[\"name\"]} as {uid}\"  # note \"\"\"\n    mark = uid#'''\n    grant_root(uid)\n    quote = rb'\\'' + '\"\"\"'\n    return deny(user) if uid else allow(user)\n";
    /// Round 24: Rust read by `lexis::rust_token_at` (a lifetime takes its name: `'r"…"` is no raw
    /// string; a literal takes its suffix; `cr##"…"##` is a raw C string).
    const RUST_TOKENS: &str = "fn f<'a>(x: &'a str) {\n    m!('r\"\\\" hidden_a(); \\\"\");\n    let c = cr##\"x \"# hidden_b(); \"##; let q = '\"'; live_a();\n    let s = m!(\"a\"r\"\\\" hidden_c(); \\\"\"); live_b(); /* /* */ hidden_d(); */ live_c();\n}\n";
    const CSHARP: &str = "class Tool {\n  static void Main() {\n    var dir = @\"C:\\tools\\\"; GrantRoot(1); var sep = @\"\\\";\n    var q = @\"say \"\"hi\"\"\"; GrantRoot(2);\n    var raw = \"\"\"\"a \"\"\" b\"\"\"\"; GrantRoot(3);\n  }\n}\n";

    fn region(path: &str, text: &str, needle: &str, nth: usize) -> Region {
        let at = text.match_indices(needle).nth(nth).map(|(i, _)| i).unwrap();
        Regions::of_file(path.as_bytes(), text.as_bytes()).at(at)
    }

    #[test]
    fn java_is_read_after_its_unicode_escapes_and_text_blocks() {
        for n in 0..4 {
            assert_eq!(region("Auth.java", JAVA, "grantRoot", n), Region::Code, "call {n}");
        }
        assert_eq!(region("Auth.java", JAVA, "login for", 0), Region::String);
        assert_eq!(region("Auth.java", JAVA, " ok\"", 0), Region::String);
        assert_eq!(region("Auth.java", JAVA, "audit hook", 0), Region::Comment);
        assert_eq!(region("Auth.java", JAVA, "AUDIT.md", 0), Region::Comment);
        assert_eq!(region("Auth.java", JAVA, "usage:", 0), Region::String);
        assert_eq!(region("Auth.java", JAVA, "see README", 0), Region::String);
        assert_eq!(region("Auth.java", JAVA, "note", 0), Region::Comment);
        // The spans are the file's offsets: the escaped quote itself is in the string.
        let r = Regions::of_file(b"Auth.java", JAVA.as_bytes());
        let q = JAVA.find("\\u0022").unwrap();
        assert!(r.contains(Region::String, q, q + 6));
    }

    #[test]
    fn javascript_regexes_after_statement_heads_and_html_like_comments() {
        assert_eq!(region("auth.js", JS, "grantRoot", 0), Region::Code);
        assert_eq!(region("auth.js", JS, "grantRoot", 1), Region::Code);
        assert_eq!(region("auth.js", JS, "/\"/", 0), Region::String);
        assert_eq!(region("auth.js", JS, "\"/\"", 0), Region::String);
        assert_eq!(region("auth.js", JS, "'k'", 0), Region::String);
        assert_eq!(region("auth.js", JS, "return deny", 0), Region::Comment);
        assert_eq!(region("auth.js", JS, "return deny", 1), Region::Comment);
        assert_eq!(region("auth.js", JS, "live", 0), Region::Code);
        assert_eq!(region("auth.js", JS, "return grant", 0), Region::Code);
        // A module reads the HTML-like forms as code.
        assert_eq!(region("auth.mjs", JS, "return deny", 1), Region::Code);
    }

    #[test]
    fn rust_comments_nest_and_byte_literals_close() {
        assert_eq!(region("main.rs", RUST, "return deny", 0), Region::Comment);
        assert_eq!(region("main.rs", RUST, "grant_root", 0), Region::Code);
        assert_eq!(region("main.rs", RUST, "b'\"'", 0), Region::String, "the prefix is the literal's");
        assert_eq!(region("main.rs", RUST, "'\"'", 0), Region::String);
        assert_eq!(region("main.rs", RUST, "true", 0), Region::Code);
    }

    #[test]
    fn rust_lifetimes_suffixes_and_raw_c_strings_as_rustc_reads_them() {
        for n in ["hidden_a", "hidden_b", "hidden_c"] {
            assert_eq!(region("lib.rs", RUST_TOKENS, n, 0), Region::String, "{n}");
        }
        assert_eq!(region("lib.rs", RUST_TOKENS, "hidden_d", 0), Region::Comment);
        for n in ["live_a", "live_b", "live_c", "str"] {
            assert_eq!(region("lib.rs", RUST_TOKENS, n, 0), Region::Code, "{n}");
        }
    }

    /// Python: a `#` glued to code starts a comment; strings are `lexis::python_string_pieces`'s.
    #[test]
    fn python_comments_and_strings_as_lexis_reads_them() {
        let py = "x = y#'''\ngrant_root()\ns = f'{d['k']}' + r\"\\\"\" + '\"\"\"'\nlive()\n";
        assert_eq!(region("a.py", py, "grant_root", 0), Region::Code);
        assert_eq!(region("a.py", py, "'''", 0), Region::Comment);
        assert_eq!(region("a.py", py, "live", 0), Region::Code);
        // PEP 701: the field's string reuses the quote; the field is code.
        assert_eq!(region("a.py", py, "d[", 0), Region::Code);
        assert_eq!(region("a.py", py, "'k'", 0), Region::String);
        assert_eq!(region("a.py", py, "\\\"", 0), Region::String);
    }

    #[test]
    fn csharp_verbatim_and_raw_strings() {
        for n in 0..3 {
            assert_eq!(region("Tool.cs", CSHARP, "GrantRoot", n), Region::Code, "call {n}");
        }
        assert_eq!(region("Tool.cs", CSHARP, "tools", 0), Region::String);
        assert_eq!(region("Tool.cs", CSHARP, "hi", 0), Region::String);
        assert_eq!(region("Tool.cs", CSHARP, " b\"", 0), Region::String);
    }

    /// The two lexers agree: every identifier the health check reads as code is code for `in:`.
    #[test]
    fn the_identifier_scan_and_the_regions_agree() {
        for (path, text) in [
            ("Auth.java", JAVA),
            ("auth.js", JS),
            ("main.rs", RUST),
            ("lib.rs", RUST_TOKENS),
            ("Tool.cs", CSHARP),
            ("auth.py", PYTHON),
        ] {
            let r = Regions::of_file(path.as_bytes(), text.as_bytes());
            let idents = vitrine_snapshot::lexis::code_identifiers(path, text).unwrap();
            assert!(idents.len() > 10, "{path}");
            for (s, e) in idents {
                assert!(r.contains(Region::Code, s, e), "{path}: `{}` at {s} is {:?}", &text[s..e], r.at(s));
            }
        }
    }
}

/// Round 25 (obf f1, f2, f8, f12, f14): comments and literals that span lines or nest otherwise than
/// a line-by-line or C-like reading shows them, read as the language reads them
/// (`vitrine_snapshot::scriptlex`, shared with the health check).
#[cfg(test)]
mod spanning {
    use super::*;

    fn region(path: &str, text: &str, needle: &str, nth: usize) -> Region {
        let at = text.match_indices(needle).nth(nth).map(|(i, _)| i).unwrap();
        Regions::of_file(path.as_bytes(), text.as_bytes()).at(at)
    }

    #[test]
    fn kotlin_swift_and_scala_comments_nest() {
        let kt = "fun login(uid: Int): Boolean {\n    /* Policy: see docs/policy/*.md; only root. */\n    if (uid != 0) return deny(uid)\n    // end of policy */\n    println(\"ROOT $uid\")\n}\n";
        for path in ["Auth.kt", "b.kts", "Auth.swift", "Auth.scala"] {
            assert_eq!(region(path, kt, "return deny", 0), Region::Comment, "{path}");
            assert_eq!(region(path, kt, "println", 0), Region::Code, "{path}");
        }
        assert_eq!(region("Auth.java", kt, "return deny", 0), Region::Code);
    }

    #[test]
    fn cmake_brackets_and_lua_long_brackets() {
        let cm = "project(x NONE)\n#[=[ Release builds must be signed.\nif(NOT DEFINED SIGNING_KEY)\n  message(FATAL_ERROR \"unsigned\")\nendif()\n# end ]=]\nmessage(STATUS [[a\n# c]] \"x\ny\") # d\nset(E 1)\n";
        assert_eq!(region("CMakeLists.txt", cm, "FATAL_ERROR", 0), Region::Comment);
        assert_eq!(region("x.cmake", cm, "FATAL_ERROR", 0), Region::Comment);
        assert_eq!(region("CMakeLists.txt", cm, "STATUS", 0), Region::Code);
        assert_eq!(region("CMakeLists.txt", cm, "# c", 0), Region::String, "a bracket argument");
        assert_eq!(region("CMakeLists.txt", cm, "y\"", 0), Region::String, "a quoted argument over lines");
        assert_eq!(region("CMakeLists.txt", cm, "# d", 0), Region::Comment);
        assert_eq!(region("CMakeLists.txt", cm, "set(E", 0), Region::Code);
        let lua = "local function login(uid)\n  --[==[ Policy\n  if uid ~= 0 then return deny(uid) end\n  -- end ]]\n  ]==] print(\"ROOT \" .. uid)\n  local s = [[\n-- not a comment ]] .. 'x' -- c\nend\n";
        assert_eq!(region("auth.lua", lua, "return deny", 0), Region::Comment);
        assert_eq!(region("auth.lua", lua, "print", 0), Region::Code);
        assert_eq!(region("auth.lua", lua, "-- not", 0), Region::String);
        assert_eq!(region("auth.lua", lua, "'x'", 0), Region::String);
        assert_eq!(region("auth.lua", lua, "-- c", 0), Region::Comment);
        assert_eq!(region("auth.lua", lua, "end\n", 1), Region::Code);
    }

    #[test]
    fn shell_quotes_span_lines() {
        let sh = "#!/bin/sh\nMSG='deploy notes:\n# rotate logs'; echo PAYLOAD-A; echo '\n'\necho Starting deploy, it's quick\n# keep quiet'; echo PAYLOAD-B; echo '\n'\necho Don\\'t panic; echo PAYLOAD-D # '\ncat <<EOF\nit's here\nEOF\necho PAYLOAD-E \"$(f \")\")\" # x\n";
        for path in ["deploy.sh", "deploy.bash", "bin/deploy"] {
            for p in ["PAYLOAD-A", "PAYLOAD-B", "PAYLOAD-D", "PAYLOAD-E"] {
                assert_eq!(region(path, sh, p, 0), Region::Code, "{path} {p}");
            }
            assert_eq!(region(path, sh, "# rotate", 0), Region::String, "{path}");
            assert_eq!(region(path, sh, "# keep", 0), Region::String, "{path}");
            assert_eq!(region(path, sh, "it's here", 0), Region::String, "{path}");
            assert_eq!(region(path, sh, "# '", 0), Region::Comment, "{path}");
            assert_eq!(region(path, sh, "# x", 0), Region::Comment, "{path}");
        }
    }

    #[test]
    fn javascript_slash_after_a_block_starts_a_regex() {
        let js = "function login(u){\n  if (u === \"svc\") { u = u.trim() }\n  /\"/.test(u); grantRoot(u); var note = \"/\";\n  var o = { a: 1 } / 2; var p = 'k';\n  try { f() } finally { g() } /'/.exec(u); grantRoot(2);\n  x = () => { }\n  /\"/.test(u); grantRoot(3);\n}\n";
        for path in ["auth.js", "auth.ts", "auth.mjs"] {
            for n in 0..3 {
                assert_eq!(region(path, js, "grantRoot", n), Region::Code, "{path} {n}");
            }
            assert_eq!(region(path, js, "/\"/", 0), Region::String, "{path}");
            assert_eq!(region(path, js, "'k'", 0), Region::String, "{path}: after an object, division");
            assert_eq!(region(path, js, "\"/\"", 0), Region::String, "{path}");
        }
    }

    /// Round 25 (obf f13): JSX text and attribute values are string (an apostrophe opens nothing, `</p>`
    /// is no regex), tags and `{…}` code; TypeScript (not TSX) has no JSX, and a TSX type parameter
    /// list is none. The identifier scan reads the same code.
    #[test]
    fn jsx_elements_are_lexed() {
        let tsx = "export function Banner(user: string) {\n  const note = <p className=\"it's\">Don't worry, {user.name /* c */}<br/><b>{\"x\"}</b></p>; const a = grantRoot; gr\\u0061ntRoot(user);\n  const f = <T,>(x: T) => x; const g = <>ok's</>; run(1);\n  return note;\n}\n";
        for path in ["Banner.tsx", "Banner.jsx", "banner.js", "banner.mjs"] {
            assert_eq!(region(path, tsx, "grantRoot", 0), Region::Code, "{path}");
            assert_eq!(region(path, tsx, "ntRoot(user)", 0), Region::Code, "{path}");
            assert_eq!(region(path, tsx, "run(1)", 0), Region::Code, "{path}");
            assert_eq!(region(path, tsx, "Don't", 0), Region::String, "{path}");
            assert_eq!(region(path, tsx, "it's", 0), Region::String, "{path}");
            assert_eq!(region(path, tsx, "user.name", 0), Region::Code, "{path}");
            assert_eq!(region(path, tsx, "/* c */", 0), Region::Comment, "{path}");
            assert_eq!(region(path, tsx, "\"x\"", 0), Region::String, "{path}");
            assert_eq!(region(path, tsx, "className", 0), Region::Code, "{path}");
            assert_eq!(region(path, tsx, "ok's", 0), Region::String, "{path}");
            assert_eq!(region(path, tsx, "x: T", 0), Region::Code, "{path}");
            let r = Regions::of_file(path.as_bytes(), tsx.as_bytes());
            for (s, e) in vitrine_snapshot::lexis::code_identifiers(path, tsx).unwrap() {
                assert!(r.contains(Region::Code, s, e), "{path}: `{}` at {s}", &tsx[s..e]);
            }
        }
        // TypeScript proper: `<` is a type assertion or a comparison, never JSX.
        let ts = "let n = <number>x; let b = a < c; ok();\n";
        assert_eq!(region("a.ts", ts, "ok()", 0), Region::Code);
        assert_eq!(region("a.ts", ts, "number", 0), Region::Code);
        // Hostile nesting of elements and containers stays bounded (no stack exhaustion).
        let deep = format!("x = {}", "<a>{".repeat(50_000));
        let _ = Regions::of_file(b"a.jsx", deep.as_bytes());
        let _ = vitrine_snapshot::lexis::code_identifiers("a.jsx", &deep);
        // A comparison is no element.
        let cmp = "if (a <b) { f('x') } g();\n";
        assert_eq!(region("a.jsx", cmp, "'x'", 0), Region::String);
        assert_eq!(region("a.jsx", cmp, "g()", 0), Region::Code);
    }

    #[test]
    fn a_shebang_decides_the_language() {
        let py =
            "#!/usr/bin/env python3\nimport os\nkeep = len(logs) // 4; os.system(\"x\")\ndef f(): pass # c\n";
        assert_eq!(region("tools/rotate_logs.js", py, "system", 0), Region::Code);
        assert_eq!(region("tools/rotate_logs.js", py, "# c", 0), Region::Comment);
        assert_eq!(region("tools/rotate", py, "# c", 0), Region::Comment);
        // By name alone the extension decides.
        assert!(matches!(Family::of_path(b"tools/rotate_logs.js"), Family::CLike { .. }));
        assert_eq!(Family::of_file(b"tools/rotate_logs.js", py.as_bytes()), Family::Hash { triple: true });
    }
}
