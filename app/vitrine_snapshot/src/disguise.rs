//! Spellings that C's translation phases rewrite before the compiler finds comments, directives and
//! names, so that the text a reader (and every lexical view of Vitrine) sees is not the text compiled.
//!
//! Phase 1 replaces trigraphs (`??/` is a backslash, `??=` a `#`, … where trigraphs are on: `-std=c11`,
//! `-std=c++11` and the other strict ISO modes before C23 and C++17, `-trigraphs`, MSVC
//! `/Zc:trigraphs`); phase 2 deletes every backslash-newline (GCC and Clang also a backslash, blanks,
//! newline), joining two lines into one; only then are comments, literals, directives and identifiers
//! found. Digraphs (`%:` for `#`, `%:%:` for `##`) are tokens of every C since C95 and every C++. So:
//!
//! - `int send_tel\` + newline + `emetry(…)` defines `send_telemetry`;
//! - `/* … *\` + newline + `/ grant_root(uid);` ends the comment at the start of the second line;
//! - `// …\` + newline + `if (uid != 0) return -1;` makes the check a comment;
//! - `#en\` + newline + `dif`, `%:endif` and `#/* x */endif` are each an `#endif`.
//!
//! [`disguises`] reports each such spelling with its byte offset. An ordinary line continuation (a
//! backslash after a complete token, as in every multi-line `#define`) is not reported: a splice is
//! reported only where it joins two characters into one token (an identifier, a number or a
//! punctuator such as `//`, `*/`, `->`, `++`), ends a `//` comment, splits a comment's `*/` or comes
//! between `#` and a directive's name.

/// Punctuator prefixes that two characters joined by a splice form (the first two characters of every
/// multi-character punctuator of C and C++, digraphs included, and both comment delimiters).
const JOINED_PUNCTUATORS: &[[u8; 2]] = &[
    *b"//", *b"/*", *b"*/", *b"++", *b"--", *b"->", *b"<<", *b">>", *b"&&", *b"||", *b"==", *b"!=", *b"<=",
    *b">=", *b"+=", *b"-=", *b"*=", *b"/=", *b"%=", *b"&=", *b"|=", *b"^=", *b"##", *b"::", *b"..", *b"<:",
    *b":>", *b"<%", *b"%>", *b"%:", *b".*",
];

/// The length of the backslash-newline at `i` as GCC and Clang splice it (a backslash, optional blanks,
/// then LF or CRLF), or `None`.
pub fn splice_len(s: &[u8], i: usize) -> Option<usize> {
    if s.get(i) != Some(&b'\\') {
        return None;
    }
    let mut j = i + 1;
    while matches!(s.get(j), Some(b' ' | b'\t' | 0x0B | 0x0C)) {
        j += 1;
    }
    match (s.get(j), s.get(j + 1)) {
        (Some(b'\n'), _) => Some(j + 1 - i),
        (Some(b'\r'), Some(b'\n')) => Some(j + 2 - i),
        _ => None,
    }
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// Whether a splice between `prev` and `next` joins them into one token.
fn joins(prev: u8, next: u8) -> bool {
    (is_ident(prev) && is_ident(next))
        || (prev == b'.' && next.is_ascii_digit())
        || JOINED_PUNCTUATORS.contains(&[prev, next])
}

/// A trigraph's replacement (`??=` is `#`, …), from the character after `??`.
fn trigraph(c: u8) -> Option<char> {
    Some(match c {
        b'=' => '#',
        b'/' => '\\',
        b'\'' => '^',
        b'(' => '[',
        b')' => ']',
        b'!' => '|',
        b'<' => '{',
        b'>' => '}',
        b'-' => '~',
        _ => return None,
    })
}

const TERMINATOR: &str = "a backslash-newline splits the `*/` that ends this comment: the compiler ends the comment at the start of the next line, and what follows it there is code";

fn joined_detail(prev: u8, next: u8) -> String {
    format!(
        "a backslash-newline joins `{}` and `{}` into one token for the compiler: what the view shows as two lines is one {}",
        prev as char,
        next as char,
        if is_ident(prev) { "name or number" } else { "operator or comment delimiter" }
    )
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Code,
    LineComment,
    BlockComment,
    Literal(u8),
}

/// Whether the file could hold anything [`disguises`] reports: a cheap pre-check that never says no
/// where the lexer reports something (a test compares them on random texts), for most C files have
/// backslash-newlines (multi-line macros), `%` (format strings) and `#` with `/*` (every include
/// beside a comment), yet none of what the lexer reports. That needs a trigraph, a `%:`, a splice
/// that joins the characters around it into one token, a splice on a line holding `//` (a comment
/// continued), a splice or a `/*` right after a `#` (blanks between), so the check looks only at
/// those.
fn may_hold_any(s: &[u8]) -> bool {
    // Overlapping: `???)` holds the trigraph `??)`.
    let trigraphs = memchr::memchr_iter(b'?', s)
        .any(|i| s.get(i + 1) == Some(&b'?') && s.get(i + 2).is_some_and(|&c| trigraph(c).is_some()));
    if trigraphs || memchr::memmem::find(s, b"%:").is_some() {
        return true;
    }
    // The bytes of `i`'s line before it.
    let line_before = |i: usize| {
        let head = s.get(..i).unwrap_or_default();
        head.get(memchr::memrchr(b'\n', head).map_or(0, |k| k + 1)..).unwrap_or_default()
    };
    let after_hash = |i: usize| line_before(i).trim_ascii_end().ends_with(b"#");
    let splice_matters = |i: usize| {
        let mut next_at = i;
        while let Some(n) = splice_len(s, next_at) {
            next_at += n;
        }
        let prev = i.checked_sub(1).and_then(|k| s.get(k)).copied().unwrap_or(b'\n');
        let next = s.get(next_at).copied().unwrap_or(0);
        // `//` searched byte by byte: a searcher built per splice (every line of a multi-line macro)
        // cost more than the short line it searched.
        let line = line_before(i);
        joins(prev, next)
            || after_hash(i)
            || memchr::memchr_iter(b'/', line).any(|k| line.get(k + 1) == Some(&b'/'))
    };
    memchr::memchr_iter(b'\\', s).any(|i| splice_len(s, i).is_some() && splice_matters(i))
        || memchr::memmem::find_iter(s, b"/*").any(after_hash)
}

/// The bytes at which each state must look (every other byte is passed over in one run).
const fn table(bytes: &[u8]) -> [bool; 256] {
    let mut t = [false; 256];
    let mut k = 0;
    while k < bytes.len() {
        t[bytes[k] as usize] = true;
        k += 1;
    }
    t
}
static CODE: [bool; 256] = table(b"\\?/\"'#%\n");
static LINE_COMMENT: [bool; 256] = table(b"\\?\n");
static BLOCK_COMMENT: [bool; 256] = table(b"\\?*");
static LITERAL: [bool; 256] = table(b"\\?\"'\n");

/// One disguised spelling, at a byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A splice (at the event) joins `prev` and `next` (at `next_at`) into one token.
    Joined { prev: u8, next: u8, next_at: usize },
    /// A splice at the end of a `//` comment.
    LineCommentContinued,
    /// A splice between the `*` and the `/` (at `next_at`) of a comment's end.
    SplitTerminator { next_at: usize },
    /// A trigraph: `??` and this character.
    Trigraph(u8),
    /// `%:` first on a line: a directive.
    DigraphDirective,
    /// `%:%:`: token pasting.
    DigraphPaste,
    /// `%:` elsewhere: stringizing.
    Digraph,
    /// A splice between `#` and a directive's name (at `next_at`).
    DirectiveSplice { next_at: usize },
    /// A comment between `#` and a directive's name, to `end`.
    DirectiveComment { end: usize },
}

impl Kind {
    fn detail(self, s: &[u8], at: usize) -> String {
        match self {
            Kind::Joined { prev, next, .. } => joined_detail(prev, next),
            Kind::LineCommentContinued => "a backslash-newline at the end of a `//` comment continues it: the compiler reads the next line as comment too (GCC's -Wcomment)".to_owned(),
            Kind::SplitTerminator { .. } => TERMINATOR.to_owned(),
            Kind::Trigraph(c) => {
                let to = trigraph(c).unwrap_or('?');
                // `??/` right before a newline (maybe after blanks) is a splice.
                let rest = s.get(at + 3..).unwrap_or_default();
                let ends_line = rest.iter().position(|&b| !matches!(b, b' ' | b'\t' | b'\r')).is_none_or(|k| rest.get(k) == Some(&b'\n'));
                let effect = if to == '\\' && ends_line {
                    ": at the end of a line it joins the next line to this one"
                } else {
                    ""
                };
                format!(
                    "trigraph `??{}` is `{to}` where trigraphs are on (-std=c11, -std=c++11 and other strict ISO modes before C23 and C++17, -trigraphs){effect}",
                    c as char
                )
            }
            Kind::DigraphDirective => "`%:` is the digraph of `#`: this line is a preprocessor directive for the compiler".to_owned(),
            Kind::DigraphPaste => "`%:%:` is the digraph of `##` (token pasting)".to_owned(),
            Kind::Digraph => "`%:` is the digraph of `#` (stringizing or a directive)".to_owned(),
            Kind::DirectiveSplice { .. } => "a backslash-newline between `#` and the directive's name: the compiler reads one directive across the lines".to_owned(),
            Kind::DirectiveComment { .. } => "a comment between `#` and the directive's name: the compiler reads the directive after it".to_owned(),
        }
    }
}

/// Every disguised spelling of a C or C++ file: byte offset and why it is reported, in order.
pub fn disguises(s: &[u8]) -> Vec<(usize, String)> {
    events(s).into_iter().map(|(at, kind)| (at, kind.detail(s, at))).collect()
}

/// The spellings of a C or C++ file, as events.
fn events(s: &[u8]) -> Vec<(usize, Kind)> {
    if !may_hold_any(s) {
        return Vec::new();
    }
    lex(s)
}

/// [`events`] without the pre-check.
fn lex(s: &[u8]) -> Vec<(usize, Kind)> {
    let mut out: Vec<(usize, Kind)> = Vec::new();
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    // The logical position after `i`: past any splices.
    let skip_splices = |mut i: usize| {
        while let Some(n) = splice_len(s, i) {
            i += n;
        }
        i
    };
    let mut state = State::Code;
    // The last byte read (not a splice), and whether only blanks came since the last logical newline.
    let mut prev = b'\n';
    let mut line_start = true;
    let mut i = 0usize;
    while i < s.len() {
        // Jump over the bytes that cannot change the state or start a spelling reported here.
        let table = match state {
            State::Code => &CODE,
            State::LineComment => &LINE_COMMENT,
            State::BlockComment => &BLOCK_COMMENT,
            State::Literal(_) => &LITERAL,
        };
        let skipped =
            s.get(i..).map_or(0, |r| r.iter().position(|&b| table[usize::from(b)]).unwrap_or(r.len()));
        if skipped > 0 {
            let run = s.get(i..i + skipped).unwrap_or_default();
            if state == State::Code && line_start {
                line_start = run.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r' | 0x0B | 0x0C));
            }
            prev = run.last().copied().unwrap_or(prev);
            i += skipped;
            continue;
        }
        if let Some(n) = splice_len(s, i) {
            let next_at = skip_splices(i);
            let next = at(next_at);
            match state {
                State::Code if joins(prev, next) => out.push((i, Kind::Joined { prev, next, next_at })),
                State::LineComment => out.push((i, Kind::LineCommentContinued)),
                _ => {}
            }
            i += n;
            continue;
        }
        let b = at(i);
        if b == b'?' && at(i + 1) == b'?' && trigraph(at(i + 2)).is_some() {
            // In code every trigraph changes a token. In a comment or a literal only `??/` matters
            // where it acts as a splice (`//` comment continued, `*??/` + newline + `/`, a literal
            // continued) or escapes a literal's closing quote.
            let after = i + 3;
            let splices = || {
                let k = after
                    + s.get(after..)
                        .map_or(0, |r| r.iter().take_while(|&&c| matches!(c, b' ' | b'\t' | b'\r')).count());
                s.get(k).is_none_or(|&c| c == b'\n')
            };
            let report = match state {
                State::Code => true,
                _ if at(i + 2) != b'/' => false,
                State::LineComment => splices(),
                State::BlockComment => {
                    prev == b'*' && splices() && {
                        let nl = after + s.get(after..).and_then(|r| memchr::memchr(b'\n', r)).unwrap_or(0);
                        at(nl + 1) == b'/'
                    }
                }
                State::Literal(q) => splices() || at(after) == q,
            };
            if report {
                out.push((i, Kind::Trigraph(at(i + 2))));
            }
        }
        match state {
            State::Code => match b {
                b'\n' => {
                    line_start = true;
                    prev = b;
                    i += 1;
                    continue;
                }
                b'/' => {
                    let j = skip_splices(i + 1);
                    if j > i + 1 && matches!(at(j), b'/' | b'*') {
                        out.push((i + 1, Kind::Joined { prev: b'/', next: at(j), next_at: j }));
                    }
                    match at(j) {
                        b'/' => {
                            state = State::LineComment;
                            prev = b'/';
                            i = j + 1;
                            line_start = false;
                            continue;
                        }
                        b'*' => {
                            state = State::BlockComment;
                            prev = 0;
                            i = j + 1;
                            continue;
                        }
                        _ => {}
                    }
                }
                // A quote inside a number is a C++14 digit separator (`1'000`); after a prefix
                // (`u8'x'`, `L'x'`) it opens a literal.
                b'"' | b'\'' if !(b == b'\'' && crate::lexis::c_quote_in_number(s, i)) => {
                    if b == b'"' && prev == b'R' {
                        // A raw string `R"delim(…)delim"`: no escapes, no splices inside.
                        let open = s.get(i + 1..).and_then(|r| memchr::memchr(b'(', r));
                        if let Some(o) = open.filter(|&o| o <= 16) {
                            let delim = s.get(i + 1..i + 1 + o).unwrap_or_default();
                            let mut close = vec![b')'];
                            close.extend_from_slice(delim);
                            close.push(b'"');
                            let from = i + 2 + o;
                            i = s
                                .get(from..)
                                .and_then(|r| memchr::memmem::find(r, &close))
                                .map_or(s.len(), |k| from + k + close.len());
                            prev = b'"';
                            line_start = false;
                            continue;
                        }
                    }
                    state = State::Literal(b);
                }
                b'#' if line_start => directive(s, i, &mut out),
                b'%' if at(skip_splices(i + 1)) == b':' => {
                    let j = skip_splices(i + 1);
                    if line_start {
                        out.push((i, Kind::DigraphDirective));
                    } else if at(skip_splices(j + 1)) == b'%'
                        && at(skip_splices(skip_splices(j + 1) + 1)) == b':'
                    {
                        out.push((i, Kind::DigraphPaste));
                        prev = b':';
                        i = skip_splices(skip_splices(j + 1) + 1) + 1;
                        continue;
                    } else {
                        out.push((i, Kind::Digraph));
                    }
                }
                _ => {}
            },
            State::LineComment => {
                if b == b'\n' {
                    state = State::Code;
                    line_start = true;
                }
            }
            State::BlockComment => {
                let j = skip_splices(i + 1);
                if b == b'*' && at(j) == b'/' {
                    if j > i + 1 {
                        out.push((i + 1, Kind::SplitTerminator { next_at: j }));
                    }
                    state = State::Code;
                    prev = b' ';
                    i = j + 1;
                    continue;
                }
                prev = b;
                i += 1;
                continue;
            }
            State::Literal(q) => match b {
                b'\\' => {
                    // The escaped character is the next one after any splices (phase 2 comes first).
                    prev = b;
                    i = skip_splices(i + 1) + 1;
                    continue;
                }
                b'\n' => {
                    state = State::Code;
                    line_start = true;
                }
                _ if b == q => {
                    state = State::Code;
                    prev = b;
                    i += 1;
                    continue;
                }
                _ => {}
            },
        }
        if !matches!(b, b' ' | b'\t' | b'\r' | 0x0B | 0x0C) {
            line_start = line_start && (b == b'\n');
        }
        prev = b;
        i += 1;
    }
    out
}

/// The names of the preprocessor's directives (C23 and C++26, and GCC's).
const DIRECTIVES: [&[u8]; 19] = [
    b"if",
    b"ifdef",
    b"ifndef",
    b"elif",
    b"elifdef",
    b"elifndef",
    b"else",
    b"endif",
    b"define",
    b"undef",
    b"include",
    b"include_next",
    b"import",
    b"embed",
    b"line",
    b"error",
    b"warning",
    b"pragma",
    b"ident",
];

/// A directive at `hash`: reports a comment or a splice between `#` and the directive's name.
fn directive(s: &[u8], hash: usize, out: &mut Vec<(usize, Kind)>) {
    let mut j = hash + 1;
    loop {
        match s.get(j) {
            Some(b' ' | b'\t') => j += 1,
            Some(b'\\') if let Some(n) = splice_len(s, j) => {
                out.push((j, Kind::DirectiveSplice { next_at: j + n }));
                return;
            }
            Some(b'/') if matches!(s.get(j + 1), Some(b'*')) => {
                let end = s
                    .get(j + 2..)
                    .and_then(|r| memchr::memmem::find(r, b"*/"))
                    .map_or(s.len(), |k| j + 2 + k + 2);
                // Only a directive's name after the comment makes it a directive the text hides
                // (`#/**/endif`); `# /* … */` alone is a null directive (Boost.Preprocessor's style for
                // its comments), and another word is none (`#` starts a comment in m68k assembly,
                // which `.S` files hand to cpp).
                let after =
                    s.get(end..).map_or(0, |r| r.iter().take_while(|&&b| b == b' ' || b == b'\t').count());
                let name_at = end + after;
                let name_len = s.get(name_at..).map_or(0, |r| r.iter().take_while(|&&b| is_ident(b)).count());
                if s.get(name_at..name_at + name_len).is_some_and(|name| DIRECTIVES.contains(&name)) {
                    out.push((j, Kind::DirectiveComment { end }));
                }
                return;
            }
            _ => return,
        }
    }
}

/// A copy of a C or C++ file of the same length with the disguised spellings written as the
/// compiler reads them, where that can be done in place, for the lexical passes and the grammar
/// that read names and directives (`None`: nothing to rewrite):
///
/// - every splice is written `\` + newline right before the newline (blanks and a CR before it);
/// - a token split by a splice is joined, its second part moved before the splice (`send_tel\` +
///   newline + `emetry(` becomes `send_telemetry\` + newline + `(`): the name is whole at its first
///   part's offset, and every byte after the moved part keeps its offset (its line's columns before
///   it shift);
/// - the same for the `/` of a split `*/`, the name after `#\` + newline, and a split `/*` or `//`;
/// - `%:` is written `# `, `%:%:` is written `##  `;
/// - a one-line comment between `#` and a directive's name is blanked.
///
/// Trigraphs are left as they are: whether they apply depends on the compiler's mode.
pub fn normalize(s: &[u8]) -> Option<Vec<u8>> {
    let found = events(s);
    let has_splice_forms = memchr::memchr_iter(b'\\', s).any(|i| splice_len(s, i).is_some_and(|n| n > 2));
    if found.iter().all(|(_, k)| matches!(k, Kind::Trigraph(_) | Kind::LineCommentContinued))
        && !has_splice_forms
    {
        return None;
    }
    let mut out = s.to_vec();
    if has_splice_forms {
        for i in memchr::memchr_iter(b'\\', s) {
            if let Some(n) = splice_len(s, i).filter(|&n| n > 2)
                && let Some(region) = out.get_mut(i..i + n)
            {
                // `\`, blanks, maybe CR, LF -> blanks, maybe CR, `\`, LF.
                region.rotate_left(1);
                let len = region.len();
                region.swap(len - 2, len - 1);
            }
        }
    }
    // Moves the token part at `next_at` (a name's rest, or one byte) before the splice at `at`.
    let move_before = |out: &mut Vec<u8>, at: usize, next_at: usize| {
        let next = s.get(next_at).copied().unwrap_or(0);
        let run = if is_ident(next) {
            s.get(next_at..).map_or(0, |r| r.iter().take_while(|&&b| is_ident(b)).count()).max(1)
        } else {
            1
        };
        if next_at + run > s.len() || next_at != at + splice_len(s, at).unwrap_or(usize::MAX) {
            return;
        }
        if let Some(region) = out.get_mut(at..next_at + run) {
            region.rotate_right(run);
        }
    };
    for &(at, kind) in &found {
        match kind {
            Kind::Joined { next_at, .. }
            | Kind::SplitTerminator { next_at }
            | Kind::DirectiveSplice { next_at } => move_before(&mut out, at, next_at),
            Kind::DigraphDirective | Kind::Digraph => {
                if let Some(d) = out.get_mut(at..at + 2).filter(|d| *d == b"%:") {
                    d.copy_from_slice(b"# ");
                }
            }
            Kind::DigraphPaste => {
                if let Some(d) = out.get_mut(at..at + 4).filter(|d| *d == b"%:%:") {
                    d.copy_from_slice(b"##  ");
                }
            }
            Kind::DirectiveComment { end } => {
                if let Some(c) = out.get_mut(at..end).filter(|c| !c.contains(&b'\n')) {
                    c.fill(b' ');
                }
            }
            Kind::Trigraph(_) | Kind::LineCommentContinued => {}
        }
    }
    (out != s).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offsets(s: &str) -> Vec<usize> {
        disguises(s.as_bytes()).into_iter().map(|(o, _)| o).collect()
    }

    #[test]
    fn splices_inside_tokens_comment_ends_and_directive_names_are_reported() {
        // f2: an identifier split across lines.
        let src = "int send_tel\\\nemetry(int);\n";
        assert_eq!(offsets(src), [src.find('\\').unwrap()]);
        // f1: the `*/` of a comment split by a splice; the call after it is live.
        let src = "int f(void) {\n  /* audit only *\\\n/ grant_root(1); /* x */\n}\n";
        assert_eq!(offsets(src), [src.find('\\').unwrap()]);
        // f4: a `//` comment continued, also with blanks after the backslash and a CRLF.
        for src in ["  // C:\\tools\\\n  if (uid) return -1;\n", "  // x \\  \r\n  return -1;\n"] {
            assert_eq!(offsets(src), [src.rfind('\\').unwrap()], "{src:?}");
        }
        // f3: a splice inside a directive name, between `#` and the name, a comment there, digraphs.
        let src = "#if 0\n#en\\\ndif\n";
        assert_eq!(offsets(src), [src.find('\\').unwrap()]);
        assert_eq!(offsets("#\\\nendif\n"), [1]);
        assert_eq!(offsets("#if 0\n#/* end */endif\n"), [7]);
        assert_eq!(offsets("#if 0\n%:else\n  %:endif\n"), [6, 15]);
        assert_eq!(offsets("#define P(a, b) a %:%: b\n"), [18]);
        // Joined punctuators: `/` + `*` opening a comment, `-` + `>`.
        assert_eq!(offsets("x = a /\\\n* b */;\n"), [7]);
        assert_eq!(offsets("p-\\\n>x;\n"), [2]);
        // Trigraphs in code; `??/` in a comment or literal where it splices or escapes the quote.
        let found = disguises(b"// no ??/\ncheck();\n??=define X 1\nchar *s = \"??!\", *t = \"a??/\";\n");
        assert_eq!(found.iter().map(|f| f.0).collect::<Vec<_>>(), [6, 19, 57]);
        assert!(found[0].1.contains("joins the next line"), "{found:?}");
        assert!(!found[1].1.contains("joins the next line"), "{found:?}");
        assert_eq!(offsets("/* x *??/\n/ live(); */\n"), [6]);
    }

    #[test]
    fn a_quote_after_a_literal_prefix_opens_a_literal_and_one_in_a_number_does_not() {
        // `u8'"'` is a character literal (its `"` opens nothing): the split `*/` after it is found.
        let src = "char c = u8'\"'; /* x *\\\n/ live(); */\n";
        assert_eq!(offsets(src), [src.find('\\').unwrap()]);
        let src = "long t = 3'600; /* x *\\\n/ live(); */ char d = '\"';\n";
        assert_eq!(offsets(src), [src.find('\\').unwrap()]);
        // exec26: separators inside hex, binary and octal digits: the number's start decides.
        for src in [
            "long t = 0x1'F3'600; /* x *\\\n/ live(); */ char d = '\"';\n",
            "long t = 0b1'0'1; /* x *\\\n/ live(); */ char d = '\"';\n",
            "long t = 017'7'7; /* x *\\\n/ live(); */ char d = '\"';\n",
        ] {
            assert_eq!(offsets(src), [src.find('\\').unwrap()], "{src}");
        }
    }

    #[test]
    fn ordinary_continuations_and_lookalikes_are_not_reported() {
        let src = "#define M(x) \\\n\tdo {\t\t\\\n\t\tf(x);\t\\\n\t} while (0)\n\
                   #define N(a,b) a,\\\nb\n\
                   char *s = \"a long \\\nstring\";\n\
                   /* a comment \\\n still a comment */\n\
                   # define SPACED 1\n\
                   /* x */ # endif\n\
                   int y = 10 % z ? 1 : 2; printf(\"%:\"); // ?? 100%\n\
                   int q = 1'000'000; /* why??) (??) asm-???/x.h */ char *w = \"???/%d\";\n\
                   const char *r = R\"x(??= \\\n %: )x\";\n\
                   # /* Copyright (C) 2001\n\
                   #  * Housemarque Oy (Boost.Preprocessor's comments are null directives)\n\
                   #  */\n\
                   # /* See http://www.boost.org for most recent version. */\n";
        assert_eq!(disguises(src.as_bytes()), Vec::<(usize, String)>::new());
        // A directive's name after the comment is a directive the comment hides (a comment over
        // lines too); another word is none (m68k assembly's `#` comments in `.S` files).
        let hidden = "#/**/endif\n# /* a\n b */ define X 1\n#\t/* A7 */ New frame\n";
        assert_eq!(disguises(hidden.as_bytes()).len(), 2, "{:?}", disguises(hidden.as_bytes()));
    }

    /// The pre-check never says no where the lexer reports something: random texts made of the
    /// pieces each rule reads (it failed on `???)` when `??` was searched without overlaps).
    #[test]
    fn the_pre_check_never_hides_what_the_lexer_reports() {
        const PIECES: [&str; 30] = [
            "\\\n", "\\ \n", "\\\r\n", "\\", "#", "# ", "/*", "*/", "//", "/", "*", "%", ":", "%:", "??",
            "?", "=", "a", "b_", "1", " ", "\t", "\n", "\r\n", "\"", "'", "R\"(", ")\"", "endif", "-",
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        };
        let (mut reported, mut checked) = (0, 0);
        for _ in 0..60_000 {
            let len = 1 + next(24);
            let text: String = (0..len).map(|_| PIECES[next(PIECES.len())]).collect();
            let found = lex(text.as_bytes());
            if !found.is_empty() {
                reported += 1;
                assert!(may_hold_any(text.as_bytes()), "{text:?}: {found:?}");
            } else if !may_hold_any(text.as_bytes()) {
                checked += 1;
            }
        }
        // Both sides were exercised: texts with reports, and texts the pre-check passes over.
        assert!(reported > 5_000 && checked > 5_000, "{reported} reported, {checked} passed over");
    }

    fn normalized(s: &str) -> String {
        let out = normalize(s.as_bytes()).map_or_else(|| s.to_owned(), |v| String::from_utf8(v).unwrap());
        assert_eq!(out.len(), s.len(), "{s:?}");
        assert_eq!(out.matches('\n').count(), s.matches('\n').count(), "{s:?}");
        out
    }

    /// The copy the symbol passes read: the same length and lines, each disguise written as the
    /// compiler reads it where that fits in place.
    #[test]
    fn normalized_copies_spell_what_the_compiler_reads() {
        assert_eq!(normalized("int send_tel\\\nemetry(int);\n"), "int send_telemetry\\\n(int);\n");
        assert_eq!(
            normalized("  /* x *\\\n/ grant_root(uid); /* y */\n"),
            "  /* x */\\\n grant_root(uid); /* y */\n"
        );
        assert_eq!(normalized("#if 0\n#en\\\ndif\nint f;\n"), "#if 0\n#endif\\\n\nint f;\n");
        assert_eq!(normalized("#def\\\nine check(u) 1\n"), "#define\\\n check(u) 1\n");
        assert_eq!(normalized("#\\\nendif\n"), "#endif\\\n\n");
        assert_eq!(normalized("#if 0\n%:else\n%:endif\n"), "#if 0\n# else\n# endif\n");
        assert_eq!(normalized("#define P(a,b) a%:%:b\n"), "#define P(a,b) a##  b\n");
        assert_eq!(normalized("#/* end */endif\n"), "#         endif\n");
        // Splices with blanks or a CR after the backslash take the plain form.
        assert_eq!(normalized("// x \\  \r\nhidden();\n"), "// x   \r\\\nhidden();\n");
        // Nothing to do: ordinary continuations, trigraphs (mode-dependent), other text.
        assert!(normalize(b"#define M(x) \\\n\tf(x)\n// ok ??/\nint a;\n").is_none());
    }
}
