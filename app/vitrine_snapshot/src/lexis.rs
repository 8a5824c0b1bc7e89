//! Lexical rules that every lexical view of a file shares: the `in:` region lexer of exact search and
//! the ranked extraction (`vitrine_search::regions`), and the identifier scan of the health check
//! (`idents`). Each rule here is read as the language's compiler or engine reads it, not as a C-like
//! eye reads it, and the two lexers call the same function, so they cannot disagree on it:
//!
//! - Java translates every Unicode escape `\uXXXX` (any number of `u`s, JLS 3.3) before it lexes:
//!   `\u0022` is a quote that ends a string, `\u002a/` ends a comment. [`java_translate`] gives the
//!   text javac lexes with a map back to the file's bytes; the lexers read that text.
//! - JavaScript: a `/` starts a regular expression literal, not a division, after a `)` that closes
//!   the head of `if`, `while`, `for` or `with` ([`JsSlash`]); in a script (not a module), `<!--`
//!   starts a line comment anywhere and `-->` does at the start of a line (ECMA-262 Annex B.1.1,
//!   [`html_open_comment`], [`html_close_comment`]).
//! - Rust: block comments nest ([`block_comment_end`]).
//! - Java text blocks, C# verbatim and raw strings, Rust byte literals: [`text_block_end`],
//!   [`verbatim_end`], [`csharp_raw_end`].
//!
//! [`java_escape_matters`] names the characters whose escapes a reader must be told about: the
//! health check reports such an escape (`lexical-disguise`), as it reports HTML-like comments and
//! nested Rust comments that end elsewhere than a C-like reading ends them.

/// A Java file's text as javac lexes it: every Unicode escape translated, with the offset in the file
/// of each translated byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translated {
    /// The translated text (UTF-8 when the file was).
    pub text: Vec<u8>,
    /// `origin[i]`: the file offset of the character that translated byte `i` belongs to; one more
    /// entry for the end (the file's length).
    pub origin: Vec<usize>,
    /// Each escape translated: (file offset, length in the file, offset in `text`, character).
    pub escapes: Vec<(usize, usize, usize, char)>,
}

impl Translated {
    /// The file offset of translated offset `at` (the end for offsets past it).
    pub fn file_offset(&self, at: usize) -> usize {
        self.origin.get(at).or(self.origin.last()).copied().unwrap_or(0)
    }
}

/// The Unicode escapes of a Java text (JLS 3.3): a `\` that is preceded by an even number of
/// contiguous backslashes, one or more `u`, four hex digits. Each as (offset, length, character);
/// escapes of surrogates (which name no character alone) are left as written.
pub fn java_escapes(s: &[u8]) -> Vec<(usize, usize, char)> {
    let mut out = Vec::new();
    let mut from = 0usize;
    while let Some(off) = s.get(from..).and_then(|t| memchr::memmem::find(t, b"\\u")) {
        let at = from + off;
        let before = s.get(..at).unwrap_or_default().iter().rev().take_while(|&&b| b == b'\\').count();
        if before % 2 == 0
            && let Some((len, c)) = vitrine_base::ucn::escape_at(
                s.get(at..).unwrap_or_default(),
                vitrine_base::ucn::Escapes::Java,
            )
        {
            out.push((at, len, c));
            from = at + len;
        } else {
            from = at + 2;
        }
    }
    out
}

/// The text javac lexes: `None` when the file holds no Unicode escape (it is lexed as written).
pub fn java_translate(s: &[u8]) -> Option<Translated> {
    let escapes = java_escapes(s);
    if escapes.is_empty() {
        return None;
    }
    let mut text = Vec::with_capacity(s.len());
    let mut origin = Vec::with_capacity(s.len() + 1);
    let mut done = Vec::with_capacity(escapes.len());
    let mut pos = 0usize;
    for (at, len, c) in escapes {
        let plain = s.get(pos..at).unwrap_or_default();
        text.extend_from_slice(plain);
        origin.extend(pos..at);
        let mut buf = [0u8; 4];
        let bytes = c.encode_utf8(&mut buf).as_bytes();
        done.push((at, len, text.len(), c));
        text.extend_from_slice(bytes);
        origin.extend(std::iter::repeat_n(at, bytes.len()));
        pos = at + len;
    }
    text.extend_from_slice(s.get(pos..).unwrap_or_default());
    origin.extend(pos..s.len());
    origin.push(s.len());
    Some(Translated { text, origin, escapes: done })
}

/// Whether an escape of `c` changes what a lexer finds (a quote, a backslash, a comment delimiter's
/// character): written as an escape, the reader sees letters where javac sees the character.
pub fn java_escape_matters(c: char) -> bool {
    matches!(c, '"' | '\'' | '\\' | '*' | '/')
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// The word that ends right before `end` once blanks are skipped, and where it starts.
fn word_before(s: &[u8], end: usize) -> (usize, &[u8]) {
    let before = s.get(..end).unwrap_or_default();
    let end = before.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(0, |k| k + 1);
    let start = before.get(..end).unwrap_or_default().iter().rposition(|&b| !is_word(b)).map_or(0, |k| k + 1);
    (start, before.get(start..end).unwrap_or_default())
}

/// Parentheses beyond this depth are counted, not remembered (hostile nesting stays bounded).
const MAX_PARENS: usize = 256;

/// What a JavaScript `/` starts, read as the engine reads it: the lexer reports each `(` and `)` of
/// code to [`JsSlash::open`] and [`JsSlash::close`], and asks [`JsSlash::starts_regex`] at each `/`
/// that opens no comment. A `)` that closes the head of `if`, `while`, `for` or `with` ends no
/// operand: a statement follows, so `/` there starts a regular expression (a C-like guess of division
/// reads `if (u) /"/.test(u)` as opening a string at the `"`).
#[derive(Debug, Clone, Default)]
pub struct JsSlash {
    /// For each open `(`: whether it opens the head of `if`, `while`, `for` or `with`.
    stack: Vec<bool>,
    /// Open parentheses beyond [`MAX_PARENS`].
    deep: usize,
    /// The offset of the last `)` that closed such a head.
    head_close: Option<usize>,
}

impl JsSlash {
    /// A `(` of code at `at`.
    pub fn open(&mut self, s: &[u8], at: usize) {
        if self.stack.len() >= MAX_PARENS {
            self.deep += 1;
            return;
        }
        let (_, word) = word_before(s, at);
        self.stack.push(matches!(word, b"if" | b"while" | b"for" | b"with"));
    }

    /// A `)` of code at `at`.
    pub fn close(&mut self, at: usize) {
        if self.deep > 0 {
            self.deep -= 1;
            return;
        }
        if self.stack.pop() == Some(true) {
            self.head_close = Some(at);
        }
    }

    /// Whether the `/` at `slash` (which opens no comment) starts a regular expression literal: what
    /// comes before it (blanks skipped) is no operand: an operator or punctuator other than `)`, `]`
    /// and `}`; a keyword after which an expression starts (`return /x/`); or a `)` closing the head
    /// of `if`/`while`/`for`/`with`.
    pub fn starts_regex(&self, s: &[u8], slash: usize) -> bool {
        let before = s.get(..slash).unwrap_or_default();
        let end = before.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(0, |k| k + 1);
        let Some(&last) = before.get(end.wrapping_sub(1)) else { return true };
        if last == b')' {
            return self.head_close == Some(end - 1);
        }
        if matches!(last, b']' | b'}' | b'"' | b'\'' | b'`') {
            return false;
        }
        if !is_word(last) {
            return true;
        }
        let (_, word) = word_before(s, end);
        matches!(
            word,
            b"return"
                | b"typeof"
                | b"case"
                | b"in"
                | b"of"
                | b"delete"
                | b"void"
                | b"throw"
                | b"new"
                | b"instanceof"
                | b"do"
                | b"else"
                | b"yield"
                | b"await"
        )
    }
}

/// The end of a regular expression literal whose text starts at `from` (after its opening `/`): after
/// the closing `/` (not one inside a `[…]` class) and its flags, or at the end of the line.
pub fn regex_end(s: &[u8], from: usize) -> usize {
    let mut i = from;
    let mut class = false;
    while let Some(&b) = s.get(i) {
        match b {
            b'\\' => i += 2,
            b'\n' | b'\r' => return i,
            b'[' => {
                class = true;
                i += 1;
            }
            b']' => {
                class = false;
                i += 1;
            }
            b'/' if !class => {
                i += 1;
                while s.get(i).is_some_and(|&b| is_word(b)) {
                    i += 1;
                }
                return i;
            }
            _ => i += 1,
        }
    }
    s.len()
}

/// Whether a JavaScript file of this name is read as a script, where the HTML-like comments of Annex
/// B exist: `.js`, `.cjs`, `.jsx` (and a script without an extension, given by its `#!` line), not an
/// ES module (`.mjs`) nor TypeScript, whose compiler has no such comments. A `.js` file of a package
/// with `"type": "module"` is a module to node: the comment reading is then the script's, and the
/// health check's finding says so.
pub fn js_is_script(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name.rsplit_once('.') {
        Some((_, ext)) => matches!(ext.to_ascii_lowercase().as_str(), "js" | "cjs" | "jsx"),
        None => true,
    }
}

/// Whether `<!--` is at `i` (Annex B: in a script it starts a comment to the end of the line).
pub fn html_open_comment(s: &[u8], i: usize) -> bool {
    s.get(i..).is_some_and(|t| t.starts_with(b"<!--"))
}

/// Whether `-->` is at `i` where it starts a comment to the end of the line (Annex B): first on its
/// line after blanks and comments on that line, or after a `/* */` comment that holds a line break.
pub fn html_close_comment(s: &[u8], i: usize) -> bool {
    if !s.get(i..).is_some_and(|t| t.starts_with(b"-->")) {
        return false;
    }
    let mut k = i;
    loop {
        while k > 0 && matches!(s.get(k - 1), Some(b' ' | b'\t' | 0x0B | 0x0C)) {
            k -= 1;
        }
        if k == 0 || matches!(s.get(k - 1), Some(b'\n' | b'\r')) {
            return true;
        }
        // A comment `/* … */` right before: a line break in it is the line start.
        if k >= 2 && s.get(k - 2..k) == Some(b"*/") {
            let Some(open) = s.get(..k - 2).and_then(|t| memchr::memmem::rfind(t, b"/*")) else {
                return false;
            };
            if s.get(open..k).is_some_and(|c| c.contains(&b'\n') || c.contains(&b'\r')) {
                return true;
            }
            k = open;
            continue;
        }
        return false;
    }
}

/// The end of a `/* */` comment opened at `open` (after its closing `*/`, or the end of the text);
/// with `nested` (Rust), each `/*` inside opens a level that its own `*/` closes.
pub fn block_comment_end(s: &[u8], open: usize, nested: bool) -> usize {
    let mut depth = 0usize;
    let mut i = open;
    while i + 1 < s.len() {
        match (s.get(i).copied().unwrap_or(0), s.get(i + 1).copied().unwrap_or(0)) {
            (b'/', b'*') if nested || depth == 0 => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth = depth.saturating_sub(1);
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    s.len()
}

/// For a Rust block comment at `open`, where it ends for rustc (nested) when that is not where a
/// C-like reading ends it, with the offset of the first nested `/*`.
pub fn nested_comment_differs(s: &[u8], open: usize) -> Option<(usize, usize)> {
    let nested = block_comment_end(s, open, true);
    let flat = block_comment_end(s, open, false);
    if nested == flat {
        return None;
    }
    let inner = s.get(open + 2..).and_then(|t| memchr::memmem::find(t, b"/*")).map(|k| open + 2 + k)?;
    Some((inner, nested))
}

/// The end of a Java text block or a C# raw string whose opening `"""` starts at `open`: the text
/// runs to the next `"""` (in Java, one not escaped by a backslash), after it.
pub fn text_block_end(s: &[u8], open: usize, escapes: bool) -> usize {
    let mut i = open + 3;
    while let Some(&b) = s.get(i) {
        match b {
            b'\\' if escapes => i += 2,
            b'"' if s.get(i..i + 3) == Some(b"\"\"\"") => return i + 3,
            _ => i += 1,
        }
    }
    s.len()
}

/// The end of a C# 11 raw string whose first quote is at `open` (three or more `"`): it ends at a run
/// of as many quotes; no escapes.
pub fn csharp_raw_end(s: &[u8], open: usize) -> usize {
    let n = s.get(open..).unwrap_or_default().iter().take_while(|&&b| b == b'"').count();
    let mut i = open + n;
    while let Some(off) = s.get(i..).and_then(|t| memchr::memchr(b'"', t)) {
        let q = i + off;
        let run = s.get(q..).unwrap_or_default().iter().take_while(|&&b| b == b'"').count();
        if run >= n {
            return q + run;
        }
        i = q + run;
    }
    s.len()
}

/// The end of a C# verbatim string whose text starts at `from` (after `@"`): no escapes, `""` is a
/// quote; after the closing quote.
pub fn verbatim_end(s: &[u8], from: usize) -> usize {
    let mut i = from;
    while let Some(off) = s.get(i..).and_then(|t| memchr::memchr(b'"', t)) {
        let q = i + off;
        if s.get(q + 1) == Some(&b'"') {
            i = q + 2;
            continue;
        }
        return q + 1;
    }
    s.len()
}

/// A Java file rewritten, same length and same lines, so that a parser that does not translate Unicode
/// escapes (tree-sitter) finds javac's strings and comments: each escape of a quote, a backslash, `*` or
/// `/` ([`java_escape_matters`]) that delimits a literal or a comment for javac (the ones the health
/// check reports; escapes inside a literal's text stay) becomes its character, padded with spaces (a run of such escapes
/// keeps its characters together, next to the delimiter they complete: `\u002a/` becomes `     */`,
/// `/\u002a` becomes `/*     `). Escapes of letters stay (the symbol passes decode names), and so do
/// line breaks (reported as `line-terminator`). `None` when nothing changes.
pub fn java_as_compiled(s: &[u8]) -> Option<Vec<u8>> {
    let t = java_translate(s)?;
    let escapes: Vec<(usize, usize, char)> =
        crate::idents::java_structural_escapes(&t).into_iter().map(|(at, len, _, c)| (at, len, c)).collect();
    if escapes.is_empty() {
        return None;
    }
    let mut out = s.to_vec();
    let mut k = 0usize;
    while let Some(&(first, _, c0)) = escapes.get(k) {
        // A run of adjacent escapes.
        let mut chars = vec![c0 as u8];
        let mut end = first + escapes.get(k).map_or(0, |e| e.1);
        k += 1;
        while let Some(&(at, len, c)) = escapes.get(k).filter(|e| e.0 == end) {
            chars.push(c as u8);
            end = at + len;
            k += 1;
        }
        let completes_before = first > 0
            && matches!(s.get(first - 1), Some(b'/' | b'*'))
            && matches!(chars.first(), Some(b'/' | b'*'));
        if let Some(slot) = out.get_mut(first..end) {
            slot.fill(b' ');
            let at = if completes_before { 0 } else { slot.len() - chars.len() };
            if let Some(place) = slot.get_mut(at..at + chars.len()) {
                place.copy_from_slice(&chars);
            }
        }
    }
    Some(out)
}

/// A JavaScript script rewritten, same length, so that a parser without Annex B (tree-sitter) finds its
/// HTML-like comments: `<!--` becomes `//  `, and a `-->` that starts a comment `// `. `None` when the
/// file has none.
pub fn js_script_as_compiled(s: &[u8]) -> Option<Vec<u8>> {
    if memchr::memmem::find(s, b"<!--").is_none() && memchr::memmem::find(s, b"-->").is_none() {
        return None;
    }
    let mut starts = Vec::new();
    crate::idents::html_comments(s, &mut starts);
    if starts.is_empty() {
        return None;
    }
    let mut out = s.to_vec();
    for at in starts {
        let len = if s.get(at) == Some(&b'<') { 4 } else { 3 };
        if let Some(slot) = out.get_mut(at..at + len) {
            slot.fill(b' ');
            if let Some(head) = slot.get_mut(..2) {
                head.copy_from_slice(b"//");
            }
        }
    }
    Some(out)
}

/// The identifiers of code in `text` (byte ranges, in order) as the health check's identifier scan reads
/// them, for a file of a language that scan knows (by its name, or its `#!` line); `None` for others.
/// The other lexical views are tested against it, so that the two lexers cannot drift apart.
pub fn code_identifiers(path: &str, text: &str) -> Option<Vec<(usize, usize)>> {
    let syntax = crate::idents::syntax_for(path, text)?;
    let mut out = Vec::new();
    crate::idents::each_ident(text.as_bytes(), syntax, &mut |start, end| out.push((start, end)));
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_escapes_are_translated_with_a_map_back() {
        let src = br#"s = "a \u0022; f(); \uu0022 b"; t = "\\u0022";"#;
        let t = java_translate(src).unwrap();
        assert_eq!(t.text, br#"s = "a "; f(); " b"; t = "\\u0022";"#.to_vec());
        let f = t.text.iter().position(|&b| b == b'f').unwrap();
        assert_eq!(t.file_offset(f), src.iter().position(|&b| b == b'f').unwrap());
        assert_eq!(t.file_offset(t.text.len()), src.len());
        assert_eq!(t.escapes.len(), 2);
        assert_eq!(t.escapes[1].1, 7, "\\uu0022");
        assert!(java_translate(b"no escapes \\\\u0041").is_none());
        // A multi-byte character: every byte maps to the escape.
        let t = java_translate(b"a\\u0430b").unwrap();
        assert_eq!(t.text, "a\u{430}b".as_bytes());
        assert_eq!(t.origin, [0, 1, 1, 7, 8]);
    }

    #[test]
    fn a_regex_follows_the_head_of_if_while_for_with() {
        let s = b"if (u) /\"/.test(u); x = (a) / 2; while (f(x)) /a/; g() / 3";
        let mut j = JsSlash::default();
        let mut regex = Vec::new();
        for (i, &b) in s.iter().enumerate() {
            match b {
                b'(' => j.open(s, i),
                b')' => j.close(i),
                b'/' => regex.push(j.starts_regex(s, i)),
                _ => {}
            }
        }
        // Both slashes of `/"/` (the lexer would skip the closing one), `/ 2`, both of `/a/`, `/ 3`.
        assert_eq!(regex, [true, false, false, true, false, false]);
        assert!(j.starts_regex(b"return /x/", 7));
        assert!(!j.starts_regex(b"a /x/", 2));
    }

    #[test]
    fn html_like_comments_where_annex_b_has_them() {
        let s = b"x = 1 <!-- c\n  --> d\n/* a\n */ --> e\n/* a */ --> f\ny-->0\na; /* b */ --> g\n";
        let at =
            |p: &[u8], n: usize| s.windows(p.len()).enumerate().filter(|(_, w)| *w == p).nth(n).unwrap().0;
        assert!(html_open_comment(s, at(b"<!--", 0)));
        assert!(html_close_comment(s, at(b"-->", 0)));
        assert!(html_close_comment(s, at(b"-->", 1)), "after a multi-line comment");
        assert!(html_close_comment(s, at(b"-->", 2)), "after a one-line comment first on its line");
        assert!(!html_close_comment(s, at(b"-->", 3)), "y-->0 is a decrement and a comparison");
        assert!(!html_close_comment(s, at(b"-->", 4)), "code before the comment on its line");
        assert!(
            js_is_script("a/b.js")
                && js_is_script("x.cjs")
                && !js_is_script("m.mjs")
                && !js_is_script("t.ts")
        );
    }

    #[test]
    fn rust_comments_nest() {
        let s = b"/* see docs/*.md */ live(); // end */ after";
        assert_eq!(block_comment_end(s, 0, false), s.iter().position(|&b| b == b'l').unwrap() - 1);
        assert_eq!(block_comment_end(s, 0, true), s.len() - " after".len());
        assert_eq!(nested_comment_differs(s, 0).map(|(inner, _)| inner), Some(11));
        assert_eq!(nested_comment_differs(b"/* a */ b", 0), None);
    }

    #[test]
    fn same_length_copies_for_parsers_without_these_rules() {
        let java =
            b"a = \"x \\u0022; f(); \\u0022\"; /* off \\u002a/ g(); /\\u002a c \\u002a\\u002f h(); \\u0061;";
        let out = java_as_compiled(java).unwrap();
        assert_eq!(out.len(), java.len());
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a = \"x      \"; f();      \"\"; /* off      */ g(); /*      c           */ h(); \\u0061;"
        );
        assert!(java_as_compiled(b"\\u0061 \\\\u0022").is_none());
        assert!(java_as_compiled(b"c = '\\u002F'; s = \"\\u002a\\u002f\";").is_none(), "inside literals");
        let js = b"x = 1 <!-- y\n--> z\nn-->0\n";
        assert_eq!(js_script_as_compiled(js).unwrap(), b"x = 1 //   y\n//  z\nn-->0\n".to_vec());
        assert!(js_script_as_compiled(b"s = '<!--';").is_none());
    }

    #[test]
    fn text_blocks_raw_and_verbatim_strings() {
        assert_eq!(text_block_end(b"\"\"\"\n a \\\"\"\" \"\"\"; f", 0, true), 15);
        assert_eq!(csharp_raw_end(b"\"\"\"\" a \"\"\" b \"\"\"\"; f", 0), 17);
        assert_eq!(verbatim_end(b"C:\\tools\\\"; f", 0), 10);
        assert_eq!(verbatim_end(b"a \"\"q\"\" b\"; f", 0), 10);
    }
}
