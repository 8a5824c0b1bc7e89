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
//! - Rust: block comments nest ([`block_comment_end`]); a `'` starts a character literal or a
//!   lifetime, and `r#"…"#`, `b"…"`, `cr"…"` are strings only at the start of a name: every reader of
//!   Rust (the lexers here, `vitrine_compare`'s build-attribute scan) asks [`rust_token_at`] where a
//!   comment, literal or lifetime starts and ends.
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
    /// For each open `{`: whether it opens a block (a statement list), not an object literal.
    braces: Vec<bool>,
    /// Open braces beyond [`MAX_PARENS`].
    deep_braces: usize,
    /// The offset of the last `}` that closed a block.
    block_close: Option<usize>,
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

    /// A `{` of code at `at` (not a template's `${`): a block where a statement starts (after `)`,
    /// `;`, `{`, `}`, `=>`, `else`/`do`/`try`/`finally`, a class or type name, a label's or a case's
    /// `:` outside an object), an object literal where an expression starts (after `=`, `(`, `,`,
    /// `return`, an operator, a property's `:`).
    pub fn open_brace(&mut self, s: &[u8], at: usize) {
        if self.braces.len() >= MAX_PARENS {
            self.deep_braces += 1;
            return;
        }
        let before = s.get(..at).unwrap_or_default();
        let end = before.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(0, |k| k + 1);
        let block = match before.get(end.wrapping_sub(1)) {
            None => true,
            Some(b')' | b';' | b'{' | b'}') => true,
            Some(b'>') => end >= 2 && before.get(end - 2) == Some(&b'='),
            Some(b':') => self.braces.last() != Some(&false),
            Some(&b) if is_word(b) => {
                let (_, word) = word_before(s, end);
                // `do {` and `else {` open blocks (a `/` after the word alone starts a regex).
                !is_expression_keyword(word) || matches!(word, b"do" | b"else")
            }
            Some(_) => false,
        };
        self.braces.push(block);
    }

    /// A `}` of code at `at` (not one closing a template's `${`).
    pub fn close_brace(&mut self, at: usize) {
        if self.deep_braces > 0 {
            self.deep_braces -= 1;
            return;
        }
        if self.braces.pop() == Some(true) {
            self.block_close = Some(at);
        }
    }

    /// Whether the `/` at `slash` (which opens no comment) starts a regular expression literal: what
    /// comes before it (blanks skipped) is no operand: an operator or punctuator other than `)`, `]`
    /// and `}`; a keyword after which an expression starts (`return /x/`); a `)` closing the head
    /// of `if`/`while`/`for`/`with`; or a `}` closing a block (a statement follows it).
    pub fn starts_regex(&self, s: &[u8], slash: usize) -> bool {
        let before = s.get(..slash).unwrap_or_default();
        let end = before.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(0, |k| k + 1);
        let Some(&last) = before.get(end.wrapping_sub(1)) else { return true };
        if last == b')' {
            return self.head_close == Some(end - 1);
        }
        if last == b'}' {
            return self.block_close == Some(end - 1);
        }
        if matches!(last, b']' | b'"' | b'\'' | b'`') {
            return false;
        }
        if !is_word(last) {
            return true;
        }
        let (_, word) = word_before(s, end);
        is_expression_keyword(word)
    }
}

/// A keyword after which an expression starts (a `/` there starts a regular expression, a `{` an
/// object literal).
fn is_expression_keyword(word: &[u8]) -> bool {
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

/// What a JSX element holds, told to [`jsx_element`]'s caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jsx {
    /// Text: a child's text or an attribute's quoted value (`start`, `end`); the caller answers 0.
    Text(usize, usize),
    /// The code of a `{…}` container whose text starts here; the caller lexes it as code and answers
    /// the offset of the `}` that closes it (the text's length when none does).
    Code(usize),
}

/// Whether the `<` at `lt`, where an expression starts (the caller's [`JsSlash::starts_regex`]
/// position: there `<` is no operator), opens a JSX element: a name or `>` (a fragment) follows, and
/// not a TSX type parameter list (`<T,>`, `<T extends U>`).
pub fn jsx_starts(s: &[u8], lt: usize) -> bool {
    match s.get(lt + 1) {
        Some(b'>') => true,
        Some(&b) if b.is_ascii_alphabetic() || b == b'_' || b == b'$' || b >= 0x80 => {
            let mut i = lt + 1;
            while s.get(i).is_some_and(|&b| is_word(b) || matches!(b, b'.' | b':' | b'-')) {
                i += 1;
            }
            while s.get(i).is_some_and(u8::is_ascii_whitespace) {
                i += 1;
            }
            let rest = s.get(i..).unwrap_or_default();
            !(rest.starts_with(b",")
                || (rest.starts_with(b"extends") && rest.get(7).is_some_and(|b| !is_word(*b))))
        }
        _ => false,
    }
}

/// Reads the JSX element whose `<` is at `lt` ([`jsx_starts`]) to its end, as Babel and tsc read it:
/// tags are code, attribute values in quotes (no escapes, over lines) and the children's text are text
/// (an apostrophe there opens nothing, a `/` in `</p>` is no regular expression), `{…}` containers
/// are code the caller lexes ([`Jsx::Code`]), nested elements too. Returns the offset after the
/// element.
pub fn jsx_element(s: &[u8], lt: usize, on: &mut dyn FnMut(Jsx) -> usize) -> usize {
    let n = s.len();
    let mut open = 0usize;
    let mut i = lt;
    loop {
        // A tag at `i`.
        if s.get(i + 1) == Some(&b'/') {
            i = s.get(i..).and_then(|t| memchr::memchr(b'>', t)).map_or(n, |k| i + k + 1);
            open = open.saturating_sub(1);
            if open == 0 {
                return i;
            }
        } else {
            i += 1;
            let self_closing = loop {
                match s.get(i) {
                    None => return n,
                    Some(b'{') => i = on(Jsx::Code(i + 1)).saturating_add(1),
                    Some(&q @ (b'"' | b'\'')) => {
                        let end =
                            s.get(i + 1..).and_then(|t| memchr::memchr(q, t)).map_or(n, |k| i + 1 + k + 1);
                        on(Jsx::Text(i, end));
                        i = end;
                    }
                    Some(b'/') if s.get(i + 1) == Some(&b'>') => {
                        i += 2;
                        break true;
                    }
                    Some(b'>') => {
                        i += 1;
                        break false;
                    }
                    Some(_) => i += 1,
                }
            };
            if !self_closing {
                open += 1;
            } else if open == 0 {
                return i;
            }
        }
        // Children to the next tag.
        loop {
            match s.get(i) {
                None => return n,
                Some(b'{') => i = on(Jsx::Code(i + 1)).saturating_add(1),
                Some(b'<') => break,
                Some(_) => {
                    let end = s.get(i..).and_then(|t| memchr::memchr2(b'{', b'<', t)).map_or(n, |k| i + k);
                    on(Jsx::Text(i, end));
                    i = end;
                }
            }
        }
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

/// What starts at an offset of Rust source that is not a token of plain code, as rustc's lexer
/// (`rustc_lexer`) reads it: [`rust_token_at`] says which, and where it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RustToken {
    /// `//` to the end of the line (the newline is not part of it).
    LineComment,
    /// `/* */`, nested: each `/*` inside opens a level that its own `*/` closes.
    BlockComment,
    /// `"…"`, a byte string `b"…"` or a C string `c"…"`: a backslash escapes the next character, and
    /// the string runs over lines.
    Str,
    /// `r"…"`, `r#"…"#`, `br##"…"##`, `cr"…"`: no escapes; it ends at a quote followed by as many `#`
    /// as opened it.
    RawStr,
    /// A character literal `'a'`, `'"'`, `'\''`, `'\u{22}'`, or a byte literal `b'"'`.
    Char,
    /// A lifetime or a label, `'a`, `'static`, `'r#a`: code (the quote and the name after it, as one
    /// token: in `'r"…"` the `r` is the lifetime's, and `"…"` a plain string).
    Lifetime,
}

/// A byte that may continue a Rust identifier (ASCII letters, digits, `_`, and any byte of a non-ASCII
/// character): no literal prefix (`b`, `r`, `c`) starts right after one.
pub fn rust_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// The character at `i` of UTF-8 text and its length in bytes (`None` at the end or on bad UTF-8).
fn char_at(s: &[u8], i: usize) -> Option<(char, usize)> {
    let b = *s.get(i)?;
    let len = match b {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    };
    let c = std::str::from_utf8(s.get(i..i + len)?).ok()?.chars().next()?;
    Some((c, len))
}

/// The comment, literal or lifetime of Rust source that starts at `i`, and where it ends (after its
/// closing delimiter, or the end of the text when it is not closed); `None` when plain code starts
/// there. Read as rustc reads it, so that every reader of Rust finds the same literals and comments:
/// a prefix `b`, `r`, `br`, `c`, `cr` counts only at the start of a name (`bar"x"` is a name, then a
/// string at the quote); `r#name` is a raw identifier, not a string; after a `'`, one character and a
/// quote make a character literal (`'"'`), else a name makes a lifetime (`'a`, which takes the whole
/// name: `'r"\""` is the lifetime `'r` and the string `"\""`), else the literal runs to its closing
/// quote (`'\''`, `'\u{22}'`). A character literal that is not closed stops where rustc stops it: at
/// a `/`, or at a line break not followed by a quote. A literal takes the name right after it as its
/// suffix (`"a"r"b"` is `"a"` with suffix `r`, then the plain string `"b"`).
pub fn rust_token_at(s: &[u8], i: usize) -> Option<(RustToken, usize)> {
    let (token, end) = rust_token_body(s, i)?;
    let suffixed = match token {
        RustToken::Str | RustToken::RawStr => true,
        // Not `'ab'`, which rustc reads as a name between quotes.
        RustToken::Char => !(s.get(i) == Some(&b'\'') && rust_quote_is_name(s, i)),
        _ => false,
    };
    if !suffixed {
        return Some((token, end));
    }
    let mut k = end;
    if char_at(s, k).is_some_and(|(c, _)| c == '_' || unicode_ident::is_xid_start(c)) {
        while let Some((_, l)) = char_at(s, k).filter(|&(c, _)| unicode_ident::is_xid_continue(c)) {
            k += l;
        }
    }
    Some((token, k))
}

/// Whether the `'` at `open` is followed by a name (not one character and a quote): a lifetime, or
/// rustc's `'name'`.
fn rust_quote_is_name(s: &[u8], open: usize) -> bool {
    let Some((c, len)) = char_at(s, open + 1) else { return false };
    c != '\\'
        && s.get(open + 1 + len) != Some(&b'\'')
        && (c.is_ascii_digit() || c == '_' || unicode_ident::is_xid_start(c))
}

/// For a reader that jumps from one `/`, `"` or `'` of Rust source to the next (the bytes where a
/// comment or literal can be told from code): the comment, literal or lifetime that the byte at `at`
/// starts, or that holds it through a prefix right before it (`r#`, `b`, `br`, `c`, `cr`), as (token,
/// start, end), read by [`rust_token_at`]. `code_from` is where the plain code before `at` starts (the
/// end of the last token the reader skipped): a prefix is looked for only there, so that in `'r"…"`
/// the `r` stays the lifetime's. `None` when `at` starts none (the `/` of a division).
pub fn rust_token_through(s: &[u8], at: usize, code_from: usize) -> Option<(RustToken, usize, usize)> {
    let before = s.get(code_from.min(at)..at).unwrap_or_default();
    // How far before the quote a prefix may start: `br#"`/`cr#"` first, then `r#"`, `b"`, `c"`.
    let back: [usize; 2] = match s.get(at) {
        Some(b'"') => {
            let hashes = before.iter().rev().take_while(|&&b| b == b'#').count();
            [hashes + 2, hashes + 1]
        }
        Some(b'\'') if before.last() == Some(&b'b') => [1, 1],
        _ => [0, 0],
    };
    for p in back.into_iter().filter(|&k| k > 0 && k <= before.len()).map(|k| at - k) {
        if let Some((token, end)) = rust_token_at(s, p)
            && end > at
            && token != RustToken::Lifetime
        {
            return Some((token, p, end));
        }
    }
    rust_token_at(s, at).map(|(token, end)| (token, at, end))
}

/// [`rust_token_at`] without the literal's suffix.
fn rust_token_body(s: &[u8], i: usize) -> Option<(RustToken, usize)> {
    let at = |k: usize| s.get(k).copied().unwrap_or(0);
    match at(i) {
        b'/' if at(i + 1) == b'/' => {
            let end = s.get(i..).and_then(|t| memchr::memchr(b'\n', t)).map_or(s.len(), |k| i + k);
            Some((RustToken::LineComment, end))
        }
        b'/' if at(i + 1) == b'*' => Some((RustToken::BlockComment, block_comment_end(s, i, true))),
        b'"' => Some((RustToken::Str, rust_string_end(s, i + 1))),
        b'\'' => Some(rust_quote(s, i)),
        b'b' | b'c' | b'r' if i == 0 || !rust_ident_byte(at(i - 1)) => {
            let first = at(i);
            let mut k = i + 1;
            if first != b'r' && at(k) == b'r' {
                k += 1;
            } else if first != b'r' {
                return match at(k) {
                    b'"' => Some((RustToken::Str, rust_string_end(s, k + 1))),
                    b'\'' if first == b'b' => Some((RustToken::Char, rust_quoted_end(s, k + 1))),
                    _ => None,
                };
            }
            // A raw string: `#`s, then the quote (else a raw identifier `r#name`, or a name).
            let hashes = s.get(k..).unwrap_or_default().iter().take_while(|&&b| b == b'#').count();
            (at(k + hashes) == b'"').then(|| (RustToken::RawStr, rust_raw_end(s, k + hashes + 1, hashes)))
        }
        _ => None,
    }
}

/// The end of a Rust string whose text starts at `from` (after its opening quote): after the first
/// quote that no backslash escapes, or the end of the text.
pub fn rust_string_end(s: &[u8], from: usize) -> usize {
    let mut i = from;
    while let Some(off) = s.get(i..).and_then(|t| memchr::memchr2(b'"', b'\\', t)) {
        let k = i + off;
        if s.get(k) == Some(&b'"') {
            return k + 1;
        }
        i = k + 2;
    }
    s.len()
}

/// The end of a Rust raw string whose text starts at `from` and that `hashes` `#`s opened: after the
/// first quote followed by as many `#`, or the end of the text.
pub fn rust_raw_end(s: &[u8], from: usize, hashes: usize) -> usize {
    let mut close = Vec::with_capacity(hashes + 1);
    close.push(b'"');
    close.extend(std::iter::repeat_n(b'#', hashes));
    s.get(from..).and_then(|t| memchr::memmem::find(t, &close)).map_or(s.len(), |k| from + k + close.len())
}

/// What a `'` at `open` starts in Rust: a character literal or a lifetime, with its end
/// ([`rust_token_at`] says how they are told apart).
fn rust_quote(s: &[u8], open: usize) -> (RustToken, usize) {
    if rust_quote_is_name(s, open) {
        let c = s.get(open + 1).copied().unwrap_or(0);
        let mut k = open + 1;
        // A raw lifetime `'r#name`.
        if c == b'r'
            && s.get(open + 2) == Some(&b'#')
            && char_at(s, open + 3).is_some_and(|(n, _)| n == '_' || unicode_ident::is_xid_start(n))
        {
            k = open + 3;
        }
        k += char_at(s, k).map_or(1, |(_, l)| l);
        while let Some((_, l)) = char_at(s, k).filter(|&(n, _)| unicode_ident::is_xid_continue(n)) {
            k += l;
        }
        // A quote right after the name: a (malformed) literal, as rustc reads it.
        if s.get(k) == Some(&b'\'') {
            return (RustToken::Char, k + 1);
        }
        return (RustToken::Lifetime, k);
    }
    (RustToken::Char, rust_quoted_end(s, open + 1))
}

/// The end of a character or byte literal whose text starts at `from`: after the closing quote; an
/// unclosed one stops, as rustc's lexer stops it, before a `/` or at a line break not followed by a
/// quote.
fn rust_quoted_end(s: &[u8], from: usize) -> usize {
    if let Some((c, len)) = char_at(s, from)
        && c != '\\'
        && s.get(from + len) == Some(&b'\'')
    {
        return from + len + 1;
    }
    let mut i = from;
    while let Some(&b) = s.get(i) {
        match b {
            b'\'' => return i + 1,
            b'/' => return i,
            b'\n' if s.get(i + 1) != Some(&b'\'') => return i,
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    s.len()
}

/// What starts at an offset of Python source that is not plain code: [`python_token_at`] says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PythonToken {
    /// `#` to the end of the line (the newline is not part of it).
    Comment,
    /// A string literal, its prefix included (`rb'…'`, `f"""…"""`).
    Str,
}

/// Strings inside f-string fields inside strings … beyond this depth, the rest of a string is read
/// without fields (hostile nesting stays bounded).
const MAX_PY_NESTING: usize = 32;

/// The comment or string literal of Python source that starts at `i`, and where it ends (the end of
/// the text when it is not closed); `None` when plain code starts there. A `#` outside a string starts
/// a comment anywhere (`x = 1#"` is code and a comment); a string's prefix (`r`, `u`, `b`, `f`, `t`,
/// `rb`, `br`, `fr`, `rf`, `tr`, `rt`, any case) counts only at the start of a name; the string's end
/// is [`python_string_end`]'s.
pub fn python_token_at(s: &[u8], i: usize) -> Option<(PythonToken, usize)> {
    let at = |k: usize| s.get(k).copied().unwrap_or(0);
    match at(i) {
        b'#' => {
            let end = s.get(i..).and_then(|t| memchr::memchr(b'\n', t)).map_or(s.len(), |k| i + k);
            Some((PythonToken::Comment, end))
        }
        b'"' | b'\'' => Some((PythonToken::Str, python_string_end(s, i))),
        c if c.is_ascii_alphabetic() && (i == 0 || !rust_ident_byte(at(i - 1))) => {
            let len =
                s.get(i..).unwrap_or_default().iter().take(3).take_while(|b| b.is_ascii_alphabetic()).count();
            if len > 2 || !matches!(at(i + len), b'"' | b'\'') {
                return None;
            }
            python_prefix_valid(s.get(i..i + len).unwrap_or_default())
                .then(|| (PythonToken::Str, python_string_end(s, i + len)))
        }
        _ => None,
    }
}

/// Whether `p` is a Python string prefix (any case): `r`, `u`, `b`, `f`, `t`, or a pair of `r` with
/// `b`, `f` or `t`.
fn python_prefix_valid(p: &[u8]) -> bool {
    let l: Vec<u8> = p.iter().map(u8::to_ascii_lowercase).collect();
    matches!(l.as_slice(), b"r" | b"u" | b"b" | b"f" | b"t" | b"rb" | b"br" | b"fr" | b"rf" | b"tr" | b"rt")
}

/// The end of the Python string literal whose opening quote is at `q` (its prefix, when one starts the
/// name right before `q`, says whether it has `{…}` fields): after the closing quote or quotes, or, for
/// a string in single quotes that a line break ends unclosed, at that line break. A backslash escapes
/// the next character (in a raw string too: `r"\""` does not end at the second quote); `{{` is text;
/// a field of an f-string or t-string is code, whose strings may use the same quotes (PEP 701:
/// `f"{x["k"]}"` is one string), to its `}`.
pub fn python_string_end(s: &[u8], q: usize) -> usize {
    python_string_walk(s, q, 0, &mut |_, _| {})
}

/// [`python_string_end`], calling `text(start, end)` for each piece of the string that is text, in
/// order: from the quote to the first field's `{`, from after its `}` to the next, … to after the
/// closing quote; a field is code, and the strings inside it give their own pieces.
pub fn python_string_pieces(s: &[u8], q: usize, text: &mut dyn FnMut(usize, usize)) -> usize {
    python_string_walk(s, q, 0, text)
}

fn python_string_walk(s: &[u8], q: usize, depth: usize, text: &mut dyn FnMut(usize, usize)) -> usize {
    let quote = s.get(q).copied().unwrap_or(b'"');
    let tripled = s.get(q..q + 3).is_some_and(|t| t.iter().all(|&c| c == quote));
    let mut p = q;
    while p > 0 && q - p < 2 && s.get(p - 1).is_some_and(u8::is_ascii_alphabetic) {
        p -= 1;
    }
    // The prefix: the letters right before the quote, when they are the whole name and a prefix.
    let name_start = p == 0 || !rust_ident_byte(s.get(p - 1).copied().unwrap_or(0));
    let prefix = s.get(p..q).filter(|pre| name_start && python_prefix_valid(pre)).unwrap_or_default();
    let fields = prefix.iter().any(|c| b"fFtT".contains(c)) && depth < MAX_PY_NESTING;
    let raw = prefix.iter().any(|c| b"rR".contains(c));
    let open_len = if tripled { 3 } else { 1 };
    let mut seg = q;
    let mut i = q + open_len;
    while let Some(b) = s.get(i).copied() {
        match b {
            b'\\' if fields && !raw && s.get(i + 1) == Some(&b'N') && s.get(i + 2) == Some(&b'{') => {
                // A named character escape `\N{…}`, not a field.
                i = s.get(i..).and_then(|t| memchr::memchr(b'}', t)).map_or(s.len(), |j| i + j + 1);
            }
            b'\\' if s.get(i + 1) == Some(&b'{') && fields => i += 1,
            b'\\' => i += 2,
            b'\n' if !tripled => {
                text(seg, i);
                return i;
            }
            b'{' if fields => {
                if s.get(i + 1) == Some(&b'{') {
                    i += 2;
                    continue;
                }
                text(seg, i);
                i = (python_field_end(s, i + 1, depth + 1, text) + 1).min(s.len());
                seg = i;
            }
            _ if b == quote
                && (!tripled || s.get(i..i + 3).is_some_and(|t| t.iter().all(|&c| c == quote))) =>
            {
                text(seg, i + open_len);
                return i + open_len;
            }
            _ => i += 1,
        }
    }
    text(seg, s.len());
    s.len()
}

/// The offset of the `}` that closes an f-string field whose code starts at `from` (the end of the
/// text when none does): brackets counted, strings skipped.
fn python_field_end(s: &[u8], from: usize, depth: usize, text: &mut dyn FnMut(usize, usize)) -> usize {
    let mut nesting = 0usize;
    let mut i = from;
    while let Some(off) = s.get(i..).and_then(|t| {
        t.iter().position(|&b| matches!(b, b'"' | b'\'' | b'(' | b'[' | b'{' | b')' | b']' | b'}'))
    }) {
        i += off;
        match s.get(i).copied().unwrap_or_default() {
            b'"' | b'\'' => i = python_string_walk(s, i, depth, text).max(i + 1),
            b'(' | b'[' | b'{' => {
                nesting += 1;
                i += 1;
            }
            b'}' if nesting == 0 => return i,
            _ => {
                nesting = nesting.saturating_sub(1);
                i += 1;
            }
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

/// `s` with each C or C++ comment (`/* … */`, and `// …` to its line's end, spliced lines included)
/// blanked to spaces, newlines kept and literals left alone: the same offsets, and every place GCC reads
/// as a blank is blank, for the readers that look for words and punctuation in a declaration or a
/// directive (`__attribute__ /**/ ((alias /* */ ("x")))` is an alias). Borrowed when `s` holds no `/`.
pub fn c_comments_blanked(s: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if memchr::memchr(b'/', s).is_none() {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = s.to_vec();
    // From one `/`, `"` or `'` to the next: nothing else starts a comment or a literal, and a number
    // holds none of them but a digit separator's `'` (the readers of every header's include guard come
    // here: asking for a number at every byte cost 0.5 G on a Linux slice). `last` is where the bytes
    // not yet read as tokens start, so a quote's number is looked for after it only.
    let (mut i, mut last) = (0, 0);
    while let Some(k) = memchr::memchr3(b'/', b'"', b'\'', s.get(i..).unwrap_or_default()) {
        i += k;
        let end = match (s.get(i), s.get(i + 1)) {
            (Some(b'\''), _) if let Some(end) = number_over(s, last, i) => {
                (i, last) = (end, end);
                continue;
            }
            (Some(&q @ (b'"' | b'\'')), _) => {
                i = quoted_end(s, i + 1, q);
                last = i;
                continue;
            }
            (Some(b'/'), Some(b'*')) => memchr::memmem::find(s.get(i + 2..).unwrap_or_default(), b"*/")
                .map_or(s.len(), |k| i + 2 + k + 2),
            (Some(b'/'), Some(b'/')) => line_comment_end(s, i),
            _ => {
                i += 1;
                last = i;
                continue;
            }
        };
        for b in out.get_mut(i..end).unwrap_or_default() {
            if *b != b'\n' {
                *b = b' ';
            }
        }
        (i, last) = (end, end);
    }
    std::borrow::Cow::Owned(out)
}

/// The end of the C/C++ number (`c_number_at`) that holds the `'` at `quote`, if one does: the names,
/// numbers and signs just before it are read again as tokens, back to the first byte that is none of
/// those (a quote is one) or to `from` (a reader that knows where its last token ended passes it, so a
/// number with separators before this one, `0x1'F3'600`, is read whole).
fn number_over(s: &[u8], from: usize, quote: usize) -> Option<usize> {
    let mut k = quote;
    while k > from && s.get(k - 1).is_some_and(|&c| c_name_byte(c) || matches!(c, b'.' | b'+' | b'-')) {
        k -= 1;
    }
    while k < quote {
        if let Some(end) = c_number_at(s, k) {
            if end > quote {
                return Some(end);
            }
            k = end;
        } else if s.get(k).is_some_and(|&c| c_name_byte(c)) {
            while s.get(k).is_some_and(|&c| c_name_byte(c)) {
                k += 1;
            }
        } else {
            k += 1;
        }
    }
    None
}

/// The end of the `//` comment at `i`: its newline, or a later one when a backslash before the newline
/// continues the comment onto the next line.
fn line_comment_end(s: &[u8], i: usize) -> usize {
    let mut end = i;
    loop {
        match memchr::memchr(b'\n', s.get(end..).unwrap_or_default()) {
            Some(k) => {
                end += k;
                let body = s.get(..end).unwrap_or_default();
                let body = body.strip_suffix(b"\r").unwrap_or(body);
                if body.trim_ascii_end().ends_with(b"\\") {
                    end += 1;
                    continue;
                }
                return end;
            }
            None => return s.len(),
        }
    }
}

/// Past the blanks and comments from `i` (`/* … */`, nested when `nested` as Rust's are, and `// …` to
/// its newline): what a compiler reads as one blank between two tokens.
pub fn blanks_end(s: &[u8], mut i: usize, nested: bool) -> usize {
    loop {
        while s.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        let rest = s.get(i..).unwrap_or_default();
        i = match rest {
            [b'/', b'*', ..] => block_comment_end(s, i, nested),
            [b'/', b'/', ..] => memchr::memchr(b'\n', rest).map_or(s.len(), |n| i + n),
            _ => return i,
        };
    }
}

/// Which characters end a line comment, besides LF (see [`crate::terminators`]'s table).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineEnds {
    /// A CR not followed by LF (C, C++, Java, JavaScript, C#, Python, PHP, Lua, Tcl).
    pub lone_cr: bool,
    /// U+2028 and U+2029 (JavaScript, TypeScript, C#).
    pub separators: bool,
    /// U+0085 NEXT LINE (C#).
    pub nel: bool,
}

/// Where a line comment (or anything read to the end of its line) starting at `from` ends: the first
/// LF, or the first other line terminator of `ends` (a CR of a CRLF is not one: the LF is). The one
/// rule for every lexical view, so that a `// …<CR>code` is code for `in:` where the compiler reads it.
pub fn line_end(s: &[u8], from: usize, ends: LineEnds) -> usize {
    let rest = s.get(from..).unwrap_or_default();
    if !ends.lone_cr && !ends.separators && !ends.nel {
        return memchr::memchr(b'\n', rest).map_or(s.len(), |n| from + n);
    }
    let lead = if ends.separators { 0xE2 } else { 0xC2 };
    let next = |t: &[u8]| {
        if ends.separators && ends.nel {
            t.iter().position(|&b| matches!(b, b'\n' | b'\r' | 0xE2 | 0xC2))
        } else {
            memchr::memchr3(b'\n', b'\r', lead, t)
        }
    };
    let mut i = 0usize;
    while let Some(off) = rest.get(i..).and_then(next) {
        let at = i + off;
        let ended = match rest.get(at..).unwrap_or_default() {
            [b'\n', ..] => true,
            [b'\r', b'\n', ..] => false,
            [b'\r', ..] => ends.lone_cr,
            [0xE2, 0x80, 0xA8 | 0xA9, ..] => ends.separators,
            [0xC2, 0x85, ..] => ends.nel,
            _ => false,
        };
        if ended {
            return from + at;
        }
        i = at + 1;
    }
    s.len()
}

/// Whether `b` continues a C or C++ name (GCC also takes `$` and any byte of a UTF-8 letter).
fn c_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// The end of the C/C++ preprocessing number that starts at `i`, if one does: a digit (or `.` and a
/// digit) not inside a name, then digits, letters, `_`, `.`, a sign after `e`/`E`/`p`/`P`, and a `'`
/// before a digit, letter or `_` (C++14 and C23 digit separators: `3'600`). Every lexical reader of C
/// asks it before it reads a `'` as a character literal's quote: a separator read as a quote hid the
/// rest of the line (`long ttl = 3'600; if (u == 4242) return debug_hook(u); char c = 'x';` lost its
/// call); `u8'x'`, `L'x'` and `u'x'` stay literals (a name, not a number, precedes their quote).
pub fn c_number_at(s: &[u8], i: usize) -> Option<usize> {
    let first = *s.get(i)?;
    let digit_start =
        first.is_ascii_digit() || (first == b'.' && s.get(i + 1).is_some_and(u8::is_ascii_digit));
    if !digit_start || (i > 0 && s.get(i - 1).is_some_and(|&p| c_name_byte(p))) {
        return None;
    }
    Some(number_rest(s, i + 1))
}

/// The end of a C/C++ preprocessing number whose bytes before `j` are read ([`c_number_at`]).
fn number_rest(s: &[u8], mut j: usize) -> usize {
    while let Some(&b) = s.get(j) {
        let ok = match b {
            b'+' | b'-' => matches!(s.get(j - 1), Some(b'e' | b'E' | b'p' | b'P')),
            b'\'' => s.get(j + 1).is_some_and(|&n| n.is_ascii_alphanumeric() || n == b'_'),
            _ => b.is_ascii_alphanumeric() || b == b'_' || b == b'.',
        };
        if !ok {
            break;
        }
        j += 1;
    }
    j
}

/// Whether the `'` at `quote` is a digit separator inside a C/C++ number (`c_number_at`), for the
/// readers that ask at each quote without remembering where their last token ended (the skimmed body,
/// macro bodies, `#if`, defines, recovery, asm, the disguise scan): decided exactly as
/// [`c_comments_blanked`] decides it ([`c_number_over_quote`]).
pub fn c_quote_in_number(s: &[u8], quote: usize) -> bool {
    c_number_over_quote(s, quote).is_some()
}

/// How far back [`c_number_over_quote`] reads a run of names, numbers, signs and separators (no C or
/// C++ number is this long; a longer run is decided by the separator's shape, on the side that hides
/// nothing).
const NUMBER_RUN_BACK: usize = 256;

/// The end of the C/C++ number holding the `'` at `quote`, if one does, read without a reader's state:
/// back to the start of the run of names, numbers, signs and separator-shaped quotes (a `'` between a
/// name byte or `.` and a letter, digit or `_`) before it, then forward as [`c_comments_blanked`] reads
/// it (numbers by [`c_number_at`], names, a `'` at a token's start a character literal). A digit run
/// after a separator (`F3` in `0x1'F3'600`, `0` in `0b1'0'1`) looks like a name or a number of its own
/// from the quote's left: the number's start decides. A run longer than 256 bytes is decided by the
/// quote's shape (between a name byte and a letter, digit or `_`: a separator), which never opens a
/// literal that would hide code.
pub fn c_number_over_quote(s: &[u8], quote: usize) -> Option<usize> {
    let sep_after = |j: usize| s.get(j + 1).is_some_and(|&n| n.is_ascii_alphanumeric() || n == b'_');
    let in_run = |j: usize| match s.get(j) {
        Some(b'\'') => j > 0 && s.get(j - 1).is_some_and(|&p| c_name_byte(p) || p == b'.') && sep_after(j),
        Some(&c) => c_name_byte(c) || matches!(c, b'.' | b'+' | b'-'),
        None => false,
    };
    let floor = quote.saturating_sub(NUMBER_RUN_BACK);
    let mut k = quote;
    while k > floor && in_run(k - 1) {
        k -= 1;
    }
    if k == floor && k > 0 && in_run(k - 1) {
        let shaped =
            quote > 0 && s.get(quote - 1).is_some_and(|&p| c_name_byte(p) || p == b'.') && sep_after(quote);
        return shaped.then(|| number_rest(s, quote + 1));
    }
    while k < quote {
        if let Some(end) = c_number_at(s, k) {
            if end > quote {
                return Some(end);
            }
            k = end;
        } else if s.get(k) == Some(&b'\'') {
            k = quoted_end(s, k + 1, b'\'');
            if k > quote {
                return None;
            }
        } else if s.get(k).is_some_and(|&c| c_name_byte(c)) {
            while s.get(k).is_some_and(|&c| c_name_byte(c)) {
                k += 1;
            }
        } else {
            k += 1;
        }
    }
    None
}

/// The end of a quoted literal whose text starts at `from` (C's, and the C-like languages' that do not
/// run a literal over lines): just past the closing `quote`, a backslash escaping the byte after it, or
/// at the newline where an unclosed one stops.
pub fn quoted_end(s: &[u8], from: usize, quote: u8) -> usize {
    let mut i = from;
    while let Some(&c) = s.get(i) {
        match c {
            b'\\' => i += 2,
            b'\n' => return i,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    s.len()
}

#[cfg(test)]
mod tests {
    /// The per-byte reading `c_comments_blanked` had (a number asked for at every byte): the jumping
    /// one must blank exactly what it blanked.
    fn c_comments_blanked_by_byte(s: &[u8]) -> Vec<u8> {
        let mut out = s.to_vec();
        let mut i = 0;
        while i < s.len() {
            if let Some(end) = super::c_number_at(s, i) {
                i = end;
                continue;
            }
            let end = match (s.get(i), s.get(i + 1)) {
                (Some(&q @ (b'"' | b'\'')), _) => {
                    i = super::quoted_end(s, i + 1, q);
                    continue;
                }
                (Some(b'/'), Some(b'*')) => memchr::memmem::find(s.get(i + 2..).unwrap_or_default(), b"*/")
                    .map_or(s.len(), |k| i + 2 + k + 2),
                (Some(b'/'), Some(b'/')) => super::line_comment_end(s, i),
                _ => {
                    i += 1;
                    continue;
                }
            };
            for b in out.get_mut(i..end).unwrap_or_default() {
                if *b != b'\n' {
                    *b = b' ';
                }
            }
            i = end;
        }
        out
    }

    #[test]
    fn comments_are_blanked_as_the_per_byte_reading_blanked_them() {
        let pieces: [&[u8]; 22] = [
            b"/* c */",
            b"// d \\\n e\n",
            b"3'600",
            b"1'2'3",
            b"'a'",
            b"u8'x'",
            b"L'/'",
            b"\"/*\"",
            b"'\\''",
            b"0x1'F",
            b"1e+5'0",
            b".5'1",
            b"a1'2'",
            b"/",
            b"*",
            b"'",
            b"\"",
            b"\n",
            b" ",
            b"x",
            b"9",
            b"\\",
        ];
        // Every sequence of up to four pieces, and a pseudo-random longer mix.
        let mut texts: Vec<Vec<u8>> = Vec::new();
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    texts.push([a, b, c].concat());
                }
            }
        }
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..2000 {
            let mut t = Vec::new();
            for _ in 0..12 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                t.extend_from_slice(pieces[(seed % pieces.len() as u64) as usize]);
            }
            texts.push(t);
        }
        for t in &texts {
            assert_eq!(
                super::c_comments_blanked(t).as_ref(),
                c_comments_blanked_by_byte(t).as_slice(),
                "{}",
                String::from_utf8_lossy(t)
            );
        }
    }

    use super::*;

    #[test]
    fn c_digit_separators_are_part_of_the_number() {
        let s = b"long t = 3'600; f(u); char c = 'x'; 0x1'ff; 1.5e+1'0; u8'x'; L'\"'; a1'";
        let at = |pat: &[u8]| s.windows(pat.len()).position(|w| w == pat).unwrap();
        assert_eq!(c_number_at(s, at(b"3'600")), Some(at(b"3'600") + 5));
        assert_eq!(c_number_at(s, at(b"0x1'ff")), Some(at(b"0x1'ff") + 6), "a `'` before a letter");
        assert_eq!(c_number_at(s, at(b"1.5e+1'0")), Some(at(b"1.5e+1'0") + 8));
        // A prefix's digit is part of a name: `u8'x'` is a literal.
        assert_eq!(c_number_at(s, at(b"8'x'")), None);
        assert_eq!(c_number_at(s, s.len() - 2), None, "a name's digit");
        // `'x'` is no number, and the quote ending `3'600;` is not swallowed past the `;`.
        assert_eq!(c_number_at(s, at(b"'x'")), None);
        assert_eq!(c_number_at(b"x = .5'0;", 4), Some(8));
        for (src, quote, separator) in [
            ("size+5'000", 6, true),
            ("u8'x'", 2, false),
            ("1e+5'0", 4, true),
            ("a1'", 2, false),
            ("'x'", 0, false),
        ] {
            assert_eq!(c_quote_in_number(src.as_bytes(), quote), separator, "{src}");
        }
        // Separators inside hex, binary and octal digits (exec26): the digits after a separator look like
        // a name (`F3`) or a number of their own (`0`) from the quote's left; the number's start decides,
        // as the comment blanker does.
        for (src, quote, separator) in [
            ("x = 0x1'F3'600;", 9, true),
            ("x = 0x1'F3'600;", 6, true),
            ("x = 0b1'0'1;", 8, true),
            ("x = 017'7'7;", 8, true),
            ("x = 0xA'b'C'd;", 10, true),
            ("c = ' '+1'0;", 9, true),
            ("c = 'x'+1'0;", 9, true),
            ("f(u8'x', 'y');", 4, false),
            ("f(u8'x', 'y');", 9, false),
            ("a1'b'", 2, false),
        ] {
            assert_eq!(c_quote_in_number(src.as_bytes(), quote), separator, "{src} at {quote}");
        }
        // A reader that asks at each quote, stepping byte by byte and skipping the literals it opens,
        // blanks the comments the blanker blanks (the one that remembers where its last token ended).
        for src in [
            "n = 0x1'F3'600; g(); /* c */ char d = '/';",
            "n = 0b1'0'1 + 0x1'F'F; g(); char e = 'x'; /* c */ h('/');",
            "n = 0xAB'CD'EF'01'23; char z = u8'\\''; k = 1'0'0'0; /* c */ g('/');",
            "c = ' '+1'0; /* c */ d = 'x'+0x1'F'2; // e\n f('/*');",
        ] {
            let s = src.as_bytes();
            let mut out = s.to_vec();
            let mut i = 0;
            while i < s.len() {
                match (s[i], s.get(i + 1)) {
                    (b'\'', _) if c_quote_in_number(s, i) => i += 1,
                    (q @ (b'"' | b'\''), _) => i = quoted_end(s, i + 1, q),
                    (b'/', Some(b'*')) => {
                        let end = memchr::memmem::find(&s[i + 2..], b"*/").map_or(s.len(), |k| i + 4 + k);
                        out[i..end].fill(b' ');
                        i = end;
                    }
                    (b'/', Some(b'/')) => {
                        let end = memchr::memchr(b'\n', &s[i..]).map_or(s.len(), |k| i + k);
                        out[i..end].fill(b' ');
                        i = end;
                    }
                    _ => i += 1,
                }
            }
            assert_eq!(
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&c_comments_blanked(s)),
                "{src}"
            );
            assert!(!out.windows(7).any(|w| w == b"/* c */"), "{src}");
        }
        // The comment blanker reads the separator too: the call after it is not inside a literal.
        let b = c_comments_blanked(b"n = 3'600; g(); /* c */ char d = '/';");
        assert_eq!(&b[..], b"n = 3'600; g();         char d = '/';".as_slice());
    }

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

    /// Each row: a text, the token a reader finds at its start, and the text of that token.
    fn check_tokens<T: PartialEq + std::fmt::Debug + Copy>(
        table: &[(&str, Option<T>, &str)],
        read: impl Fn(&[u8], usize) -> Option<(T, usize)>,
    ) {
        for &(src, token, text) in table {
            let got = read(src.as_bytes(), 0);
            assert_eq!(got.map(|g| g.0), token, "{src:?}");
            if let Some((_, end)) = got {
                assert_eq!(&src[..end], text, "{src:?}");
            }
        }
    }

    /// Each Rust form, as rustc's lexer reads it: what starts at the first byte and the text it spans
    /// (the rest of each sample is what follows it).
    #[test]
    fn rust_literals_comments_and_lifetimes_end_where_rustc_ends_them() {
        use RustToken::*;
        let table: &[(&str, Option<RustToken>, &str)] = &[
            ("// a \" quote\nx", Some(LineComment), "// a \" quote"),
            ("/* /* */ #[cfg(test)] */ x", Some(BlockComment), "/* /* */ #[cfg(test)] */"),
            ("/* a */ */", Some(BlockComment), "/* a */"),
            ("\"a \\\" b\" x", Some(Str), "\"a \\\" b\""),
            ("\"a\nb\" x", Some(Str), "\"a\nb\""),
            ("\"\\\\\" x\"", Some(Str), "\"\\\\\""),
            ("b\"\\\"\" x", Some(Str), "b\"\\\"\""),
            ("c\"x\" y", Some(Str), "c\"x\""),
            ("r\"\\\" x\"", Some(RawStr), "r\"\\\""),
            ("r##\"a \"# b\"## x", Some(RawStr), "r##\"a \"# b\"##"),
            ("br#\"\"\"# x", Some(RawStr), "br#\"\"\"#"),
            ("cr##\"\"#\"## x", Some(RawStr), "cr##\"\"#\"##"),
            ("r#type x", None, ""),
            ("bar\"x\"", None, ""),
            ("b'\"' x", Some(Char), "b'\"'"),
            ("b'\\'' x", Some(Char), "b'\\''"),
            ("'\"' \"", Some(Char), "'\"'"),
            ("'\\'' x'", Some(Char), "'\\''"),
            ("'\\u{22}' x", Some(Char), "'\\u{22}'"),
            ("'é' x", Some(Char), "'é'"),
            ("'a' x", Some(Char), "'a'"),
            ("'a b'", Some(Lifetime), "'a"),
            ("'static str", Some(Lifetime), "'static"),
            ("'r\"\\\"\"", Some(Lifetime), "'r"),
            ("'r#a x", Some(Lifetime), "'r#a"),
            ("'ab' x", Some(Char), "'ab'"),
            ("'/ x'", Some(Char), "'"),
            ("x", None, ""),
        ];
        check_tokens(table, rust_token_at);
        // A prefix counts only at the start of a name.
        assert_eq!(rust_token_at(b"xr\"a\"", 1), None);
        assert_eq!(rust_token_at(b"xr\"a\"", 2).map(|t| t.0), Some(Str));
        assert_eq!(rust_token_at(b"(r\"a\")", 1), Some((RawStr, 5)));
        // Read from the quote, as a reader that jumps to quotes does.
        let through = |src: &str, at: &str, from: usize| {
            rust_token_through(src.as_bytes(), src.find(at).unwrap(), from)
                .map(|(t, s, e)| (t, src[s..e].to_owned()))
        };
        assert_eq!(through("x = br##\"a\"#\"## y", "\"", 0), Some((RawStr, "br##\"a\"#\"##".to_owned())));
        assert_eq!(through("x = cr\"\\\" y", "\"", 0), Some((RawStr, "cr\"\\\"".to_owned())));
        assert_eq!(through("x = b'\"' y", "'", 0), Some((Char, "b'\"'".to_owned())));
        assert_eq!(through("xb\"a\" y", "\"", 0), Some((Str, "\"a\"".to_owned())));
        // After the lifetime `'r` (skipped to offset 2), the quote opens a plain string.
        assert_eq!(through("'r\"\\\"\" y", "\"", 2), Some((Str, "\"\\\"\"".to_owned())));
        assert_eq!(through("a / b", "/", 0), None);
        // A literal's suffix is its own: `"a"r` then a plain string.
        assert_eq!(rust_token_at(b"\"a\"r\"\\\"\"", 0), Some((Str, 4)));
        assert_eq!(rust_token_at(b"'ab'cd", 0), Some((Char, 4)));
        assert_eq!(rust_token_at(b"'a'cd", 0), Some((Char, 5)));
        // Unclosed: to the end of the text.
        assert_eq!(rust_token_at(b"r#\"a\"", 0), Some((RawStr, 5)));
        assert_eq!(rust_token_at(b"/* /* */", 0), Some((BlockComment, 8)));
        assert_eq!(rust_token_at(b"\"a\\", 0), Some((Str, 3)));
    }

    /// Python's strings and comments, as its tokenizer reads them.
    #[test]
    fn python_strings_and_comments_end_where_python_ends_them() {
        use PythonToken::*;
        let table: &[(&str, Option<PythonToken>, &str)] = &[
            ("# a \" quote\nx", Some(Comment), "# a \" quote"),
            ("'\"\"\"' x", Some(Str), "'\"\"\"'"),
            ("\"\"\"a \" '''\n b\"\"\" x", Some(Str), "\"\"\"a \" '''\n b\"\"\""),
            ("r\"\\\"\" x\"", Some(Str), "r\"\\\"\""),
            ("rb'a' x", Some(Str), "rb'a'"),
            ("F'{x['k']}' y'", Some(Str), "F'{x['k']}'"),
            ("f\"{'}'}\" y", Some(Str), "f\"{'}'}\""),
            ("f'{{' x '}}' y", Some(Str), "f'{{'"),
            ("'a\nb'", Some(Str), "'a"),
            ("'a\\\nb' x", Some(Str), "'a\\\nb'"),
            ("ub'x'", None, ""),
            ("x", None, ""),
        ];
        check_tokens(table, python_token_at);
        // A prefix only at the start of a name; a `#` anywhere outside a string.
        assert_eq!(python_token_at(b"xf'a'", 1), None);
        assert_eq!(python_string_end(b"xf'{'}'", 2), 5, "no fields: `xf` is a name");
        assert_eq!(python_token_at(b"x=1#'", 3), Some((Comment, 5)));
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

    #[test]
    fn c_comments_are_blanked_where_gcc_reads_blanks_and_nowhere_else() {
        let blank =
            |s: &str| String::from_utf8(super::c_comments_blanked(s.as_bytes()).into_owned()).unwrap();
        assert_eq!(blank("a /* b */ c"), "a         c");
        assert_eq!(blank("x(\"/* kept */\") '/' // gone\ny"), "x(\"/* kept */\") '/'        \ny");
        // A spliced line comment runs on; a comment never closed runs to the end; lengths never change.
        assert_eq!(blank("a // b \\\nc\nd"), "a       \n \nd");
        assert_eq!(blank("a /* b\nc"), "a     \n ");
        assert!(matches!(super::c_comments_blanked(b"no slash"), std::borrow::Cow::Borrowed(_)));
    }
}

/// Round 25 (obf f2): a `/` after the `}` that closes a block starts a regular expression (a statement
/// follows), after an object literal's `}` it is division: the identifier scan reads the names after
/// such a regex as code and checks them.
#[cfg(test)]
mod block_braces {
    use crate::health::{FileFindings, FindingKind, HealthConfig, scan_text};

    fn kinds(path: &str, text: &str) -> Vec<(u64, FindingKind)> {
        let config = HealthConfig::default();
        let mut f = FileFindings::new(path, &config);
        scan_text(text, &mut f);
        f.finish().0.into_iter().map(|f| (f.line.unwrap_or(0), f.kind)).collect()
    }

    #[test]
    fn names_after_a_regex_after_a_block_are_checked() {
        use FindingKind::{ConfusableIdentifier as C, EscapedIdentifier as E};
        let js = "function login(u){\n  if (u === \"svc-backup\") { u = u.trim() }\n  /\"/.test(u); const \u{435}\u{445}\u{435}\u{441} = execSync; gr\\u0061ntRoot(u); var note = \"/\";\n  return u;\n}\n";
        for path in ["auth.js", "auth.ts", "auth.mjs"] {
            assert_eq!(kinds(path, js), [(3, C), (3, E)], "{path}");
        }
        // After an object literal's `}`, `/` divides: the `"` opens a string and nothing is read.
        let obj = "var o = { a: 1 } / \"x gr\\u0061ntRoot(u)\";\n";
        assert_eq!(kinds("a.js", obj), []);
        // `else {`, `do {`, `try {`, arrow bodies and class bodies are blocks.
        let more =
            "if (a) { } else { } /\"/.test(u); gr\\u0061ntRoot(1);\nclass K { } /\"/; gr\\u0061ntRoot(2);\n";
        assert_eq!(kinds("b.js", more), [(1, E), (2, E)]);
    }

    /// Round 25 (obf f13): JSX text (`Don't`) and closing tags (`</p>`) are neither string nor regex:
    /// the names after an element are read and checked.
    #[test]
    fn names_after_a_jsx_element_are_checked() {
        use FindingKind::{ConfusableIdentifier as C, EscapedIdentifier as E};
        let tsx = "export function Banner(user: string) {\n  const note = <p>Don't worry, {user}</p>; const \u{435}\u{445}\u{435}\u{441} = grantRoot; \u{435}\u{445}\u{435}\u{441}(user); gr\\u0061ntRoot(user);\n  return note;\n}\n";
        for path in ["Banner.tsx", "Banner.jsx", "banner.js"] {
            assert_eq!(kinds(path, tsx), [(2, C), (2, C), (2, E)], "{path}");
        }
        // Inside a JSX text, an escape is text.
        assert_eq!(kinds("a.jsx", "x = <p>gr\\u0061nt it's</p>;\n"), []);
    }
}
