//! Comment, string and code regions of a file, read lexically per language family, for the `in:`
//! filters of exact search and for the ranked code index (`vitrine_rank`).
//!
//! A lexer per family rather than a parse: it runs at the speed of a byte scan (the ranked index reads
//! every file of a kernel tree), needs no grammar, and cannot fail on broken code. The families:
//!
//! - C-like (C, C++, Java, Go, Rust, JavaScript, TypeScript, C#, assembly with the C preprocessor,
//!   device trees): `//` and `/* */` comments, `"…"` and `'…'` literals with backslash escapes; Go and
//!   JavaScript backquoted strings; Rust raw strings `r#"…"#` and lifetimes (`'a` is code);
//! - hash (Python, shell, Perl, Ruby, make, Kconfig, YAML, TOML, CMake): `#` comments, `"…"` and `'…'`
//!   strings; Python's triple-quoted strings;
//! - prose (Markdown, reStructuredText, plain text): the whole file is comment;
//! - anything else: the whole file is code.
//!
//! A literal or comment left open runs to the end of the file, as a compiler reads it; a `"` or `'`
//! literal also ends at the end of its line (C and the shells do not continue them without `\`), so one
//! stray quote cannot turn the rest of a file into a string.

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
    },
    /// `#` comments, `"…"` and `'…'` strings.
    Hash {
        /// Python's triple-quoted strings too.
        triple: bool,
    },
    /// The whole file is comment (Markdown, reStructuredText, plain text).
    Prose,
    /// The whole file is code (a format none of the others describes).
    Plain,
}

impl Family {
    /// The family of a path, from its name.
    pub fn of_path(path: &[u8]) -> Family {
        let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
        if matches!(
            name,
            b"Makefile" | b"makefile" | b"GNUmakefile" | b"Kbuild" | b"Kconfig" | b"CMakeLists.txt"
        ) || name.starts_with(b"Kconfig.")
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
            | b"tpp" | b"inl" | b"java" | b"cs" | b"s" | b"dts" | b"dtsi" | b"css" | b"kt" | b"swift"
            | b"scala" | b"proto" | b"y" | b"l" | b"lds" => Family::CLike { backquote: false, rust: false },
            b"go" | b"js" | b"mjs" | b"cjs" | b"jsx" | b"ts" | b"tsx" | b"mts" | b"cts" => {
                Family::CLike { backquote: true, rust: false }
            }
            b"rs" => Family::CLike { backquote: false, rust: true },
            b"py" | b"pyi" => Family::Hash { triple: true },
            b"sh" | b"bash" | b"pl" | b"pm" | b"rb" | b"mk" | b"mak" | b"yaml" | b"yml" | b"toml"
            | b"cmake" | b"awk" | b"tcl" | b"conf" => Family::Hash { triple: false },
            b"md" | b"rst" | b"txt" | b"adoc" => Family::Prose,
            _ => Family::Plain,
        }
    }
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
            Family::CLike { backquote, rust } => scan_c_like(text, backquote, rust),
            Family::Hash { triple } => scan_hash(text, triple),
            Family::Prose if !text.is_empty() => vec![(0, text.len(), Region::Comment)],
            Family::Prose | Family::Plain => Vec::new(),
        };
        Regions { spans }
    }

    /// The regions of a file, its family taken from its path.
    pub fn of_file(path: &[u8], text: &[u8]) -> Regions {
        Regions::scan(Family::of_path(path), text)
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
/// escapes; it stops at an unescaped newline unless `multiline`.
fn quoted_end(text: &[u8], open: usize, quote: u8, multiline: bool) -> usize {
    let mut i = open + 1;
    while let Some(&b) = text.get(i) {
        match b {
            b'\\' => i += 2,
            b'\n' if !multiline => return i,
            _ if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    text.len()
}

fn line_end(text: &[u8], from: usize) -> usize {
    text.get(from..).and_then(|t| memchr::memchr(b'\n', t)).map_or(text.len(), |i| from + i)
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

fn scan_c_like(text: &[u8], backquote: bool, rust: bool) -> Vec<(usize, usize, Region)> {
    let mut spans = Vec::new();
    let mut i = 0usize;
    while i < text.len() {
        // Jump to the next byte that can open a comment or a literal (`memchr3` reads a vector of
        // bytes at a time; a backquote is looked for only where it quotes).
        let Some(off) = text.get(i..).and_then(|t| {
            if backquote {
                t.iter().position(|&b| matches!(b, b'/' | b'"' | b'\'' | b'`'))
            } else {
                memchr::memchr3(b'/', b'"', b'\'', t)
            }
        }) else {
            break;
        };
        i += off;
        let b = text.get(i).copied().unwrap_or_default();
        let next = text.get(i + 1).copied();
        match (b, next) {
            (b'/', Some(b'/')) => {
                let end = line_end(text, i);
                push(&mut spans, i, end, Region::Comment);
                i = end;
            }
            (b'/', Some(b'*')) => {
                let end = text
                    .get(i + 2..)
                    .and_then(|t| memchr::memmem::find(t, b"*/"))
                    .map_or(text.len(), |j| i + 2 + j + 2);
                push(&mut spans, i, end, Region::Comment);
                i = end;
            }
            (b'/', _) => i += 1,
            (b'"', _) => {
                // Rust raw strings: r"…", r#"…"#, br##"…"##.
                if rust {
                    let mut h = i;
                    while h > 0 && text.get(h - 1) == Some(&b'#') {
                        h -= 1;
                    }
                    let hashes = i - h;
                    if h > 0
                        && text.get(h - 1) == Some(&b'r')
                        && (h < 2
                            || !is_ident(text.get(h - 2).copied().unwrap_or(b' '))
                            || text.get(h - 2) == Some(&b'b'))
                    {
                        let mut close = vec![b'"'];
                        close.extend(std::iter::repeat_n(b'#', hashes));
                        let end = text
                            .get(i + 1..)
                            .and_then(|t| memchr::memmem::find(t, &close))
                            .map_or(text.len(), |j| i + 1 + j + close.len());
                        push(&mut spans, h - 1, end, Region::String);
                        i = end;
                        continue;
                    }
                }
                let end = quoted_end(text, i, b'"', rust);
                push(&mut spans, i, end, Region::String);
                i = end.max(i + 1);
            }
            (b'\'', _) => {
                // After an identifier character the quote is not a literal (C++14 digit separators
                // `1'000`); in Rust, a quote not closed within a character is a lifetime or label.
                if i > 0 && text.get(i - 1).is_some_and(|&p| p.is_ascii_alphanumeric() || p == b'_') {
                    i += 1;
                    continue;
                }
                if rust {
                    let close = match text.get(i + 1) {
                        Some(b'\\') => text
                            .get(i + 2..)
                            .and_then(|t| t.iter().take(12).position(|&c| c == b'\''))
                            .map(|j| i + 2 + j),
                        Some(_) => {
                            // One character (up to 4 UTF-8 bytes) then a quote.
                            (i + 2..(i + 6).min(text.len())).find(|&j| text.get(j) == Some(&b'\''))
                        }
                        None => None,
                    };
                    match close {
                        Some(c) if text.get(i + 1..c).is_some_and(|s| !s.contains(&b'\n')) => {
                            push(&mut spans, i, c + 1, Region::String);
                            i = c + 1;
                        }
                        _ => i += 1,
                    }
                    continue;
                }
                let end = quoted_end(text, i, b'\'', false);
                push(&mut spans, i, end, Region::String);
                i = end.max(i + 1);
            }
            (b'`', _) if backquote => {
                let end = text
                    .get(i + 1..)
                    .and_then(|t| memchr::memchr(b'`', t))
                    .map_or(text.len(), |j| i + 1 + j + 1);
                push(&mut spans, i, end, Region::String);
                i = end;
            }
            _ => i += 1,
        }
    }
    spans
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
                // `$#` and `${#x}` in shells are not comments: a comment starts a word.
                let starts_word =
                    i == 0 || text.get(i - 1).is_some_and(|p| p.is_ascii_whitespace() || *p == b';');
                if !starts_word {
                    i += 1;
                    continue;
                }
                let end = line_end(text, i);
                push(&mut spans, i, end, Region::Comment);
                i = end;
            }
            _ => {
                if triple && text.get(i..i + 3).is_some_and(|t| t[1] == b && t[2] == b) {
                    let close = [b, b, b];
                    let end = text
                        .get(i + 3..)
                        .and_then(|t| memchr::memmem::find(t, &close))
                        .map_or(text.len(), |j| i + 3 + j + 3);
                    push(&mut spans, i, end, Region::String);
                    i = end;
                    continue;
                }
                // An apostrophe inside a word (`don't` in a make recipe) opens nothing.
                if b == b'\'' && i > 0 && text.get(i - 1).is_some_and(|p| p.is_ascii_alphanumeric()) {
                    i += 1;
                    continue;
                }
                let end = quoted_end(text, i, b, false);
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
            ]
        );
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
}
