//! Function bodies and initializers of C and C++ files, read without the grammar (for the
//! snapshot-wide index). Bodies and data tables (`static const u32 regs[] = { ... };`) are most of
//! a C file's bytes but hold no definitions the index keeps; parsing them dominates the cost of
//! indexing. `skim` finds each body lexically, empties it for the grammar (only its newlines are
//! kept, so lines stay those of the file; offsets and columns are mapped back), and reads its
//! identifiers directly: an identifier before `(` is a call, after `.` or `->` a field, otherwise
//! another reference.
//!
//! Only bodies that can be told apart with certainty are skimmed: a `{` right after `)` (or a
//! trailing `const`, `noexcept`, `override`, `final`) in a statement without `=`, or right after
//! `=` (an initializer), at file level or directly inside namespaces, `extern "C"` blocks and class
//! bodies, closed by a balancing `}` that starts its line at the indentation of the line of the
//! `{`. A body is left to the grammar when it holds a definition of its own (`struct x {`, `enum
//! {`, `typedef`, `using`, `#define`, `#include`) or a preprocessor conditional that does not close
//! inside it; any imbalance (braces split by `#if` branches, a closing brace elsewhere than at the
//! start of a line) leaves the body to the grammar. Error recovery is not local, so when the
//! grammar loses most of a skimmed file (one ERROR over more than half of it) the file is parsed
//! whole after all.
//!
//! Comments outside the emptied bodies are squeezed too, to one space and their newlines: a comment
//! is one space to C, no definition reads one, and they were 27% of the text the grammar read for
//! Linux (85 of 311 MB). A comment is squeezed only where the lexer cannot be wrong about it: a
//! `//` comment that a backslash does not continue, a `/*` comment that closes, in a file without
//! C++ raw strings (`R"(…)"`, whose text may hold `//` after a `"`) and without a preprocessor line
//! whose `/*` comment runs past it (the lexer reads the rest of such a comment as code).

use crate::symbols::{Point, RawRef, RefKind, TextRange};

/// A C or C++ source with its skimmable bodies emptied (only their newlines kept, so lines stay
/// those of the file), the references read from them, and what it takes to map a position in the
/// emptied source back to the file.
pub(crate) struct Skimmed {
    pub source: Vec<u8>,
    pub refs: Vec<RawRef>,
    /// (offset in `source` from which it applies, bytes removed before it), in order.
    shifts: Vec<(u32, u32)>,
    /// Offsets in `source` of the braces (`{`, `}`) of each emptied function body, in order.
    pub functions: Vec<(u32, u32)>,
    /// Offset in the file of each line's first byte.
    line_starts: Vec<u32>,
    /// The emptied bodies, in order.
    bodies: Vec<Body>,
    /// The squeezed comments (file offsets, `/*` or `//` to just past the comment), in order, none
    /// inside a body.
    comments: Vec<(usize, usize)>,
}

impl Skimmed {
    /// The file offset of an offset in the emptied source.
    pub fn byte(&self, b: u32) -> u32 {
        let i = self.shifts.partition_point(|&(at, _)| at <= b);
        match i.checked_sub(1).and_then(|i| self.shifts.get(i)) {
            Some(&(_, removed)) => b + removed,
            None => b,
        }
    }

    /// The file position of a position (and offset) in the emptied source: lines are unchanged,
    /// the column is counted again from the file offset.
    pub fn point(&self, p: Point, b: u32) -> Point {
        let file_byte = self.byte(b);
        let start = self.line_starts.get(p.line as usize).copied().unwrap_or(0);
        Point { line: p.line, column: file_byte.saturating_sub(start) }
    }

    pub fn range(&self, r: TextRange) -> TextRange {
        TextRange {
            start: self.point(r.start, r.start_byte),
            end: self.point(r.end, r.end_byte),
            start_byte: self.byte(r.start_byte),
            end_byte: self.byte(r.end_byte),
        }
    }
}

impl Skimmed {
    /// The file offsets of the braces of each emptied function body.
    pub fn function_braces_in_file(&self) -> Vec<(u32, u32)> {
        braces(&self.bodies)
    }

    /// The offset in the emptied source of a file offset outside the emptied bodies.
    pub fn to_source(&self, file_offset: u32) -> u32 {
        let i = self.shifts.partition_point(|&(at, removed)| at + removed <= file_offset);
        match i.checked_sub(1).and_then(|i| self.shifts.get(i)) {
            Some(&(_, removed)) => file_offset - removed,
            None => file_offset,
        }
    }

    /// `self` with the bodies that start inside one of the `keep` file ranges given back to the
    /// grammar (`src` is the file), and the edits that turn a syntax tree of `self.source` into one
    /// of the new source, last first (as `Tree::edit` wants them, each in the coordinates left by
    /// the ones before).
    pub fn restore(&self, src: &[u8], keep: &[(u32, u32)]) -> (Option<Skimmed>, Vec<tree_sitter::InputEdit>) {
        let kept =
            |b: &Body| keep.iter().any(|&(start, end)| (start as usize..end as usize).contains(&b.start));
        let mut edits = Vec::new();
        let mut removed_before = 0u32;
        for (region, &(_, removed)) in regions(&self.bodies, &self.comments).zip(&self.shifts) {
            if let Region::Body(b) = region
                && kept(b)
            {
                let len = b.end - b.start;
                let newlines = len - (removed - removed_before) as usize;
                let start = b.start - removed_before as usize;
                let column = start
                    - memchr::memrchr(b'\n', self.source.get(..start).unwrap_or_default())
                        .map_or(0, |i| i + 1);
                let row = b.line as usize;
                let body = src.get(b.start..b.end).unwrap_or_default();
                let (old_end, new_end) = match memchr::memrchr(b'\n', body) {
                    None => {
                        (tree_sitter::Point::new(row, column), tree_sitter::Point::new(row, column + len))
                    }
                    Some(last) => (
                        tree_sitter::Point::new(row + newlines, 0),
                        tree_sitter::Point::new(row + newlines, len - last - 1),
                    ),
                };
                edits.push(tree_sitter::InputEdit {
                    start_byte: start,
                    old_end_byte: start + newlines,
                    new_end_byte: start + len,
                    start_position: tree_sitter::Point::new(row, column),
                    old_end_position: old_end,
                    new_end_position: new_end,
                });
            }
            removed_before = removed;
        }
        edits.reverse();
        let bodies: Vec<Body> = self.bodies.iter().filter(|b| !kept(b)).copied().collect();
        // The kept bodies' names were read already; the restored ones' are now the grammar's.
        let restored: Vec<&Body> = self.bodies.iter().filter(|b| kept(b)).collect();
        let refs = self
            .refs
            .iter()
            .filter(|r| !restored.iter().any(|b| (b.start..b.end).contains(&(r.start as usize))))
            .cloned()
            .collect();
        let comments = self.comments.clone();
        (skim_bodies(src, Found { bodies, comments }, Some(refs)), edits)
    }

    /// Whether any body was emptied (else only comments were squeezed).
    pub fn has_bodies(&self) -> bool {
        !self.bodies.is_empty()
    }
}

/// A stretch of the file `skim` empties.
#[derive(Clone, Copy)]
enum Region<'a> {
    /// A body: only its newlines are kept.
    Body(&'a Body),
    /// A comment (file offsets): one space and its newlines are kept.
    Comment(usize, usize),
}

/// The bodies and the comments, merged in file order (they never overlap).
fn regions<'a>(bodies: &'a [Body], comments: &'a [(usize, usize)]) -> impl Iterator<Item = Region<'a>> + 'a {
    let (mut b, mut c) = (bodies.iter().peekable(), comments.iter().peekable());
    std::iter::from_fn(move || match (b.peek(), c.peek()) {
        (Some(body), Some(&&(start, _))) if body.start < start => b.next().map(Region::Body),
        (Some(_), None) => b.next().map(Region::Body),
        _ => c.next().map(|&(start, end)| Region::Comment(start, end)),
    })
}

/// The offsets of the braces (`{`, `}`) of the function bodies that `skim` would empty.
pub(crate) fn function_braces(src: &[u8]) -> Vec<(u32, u32)> {
    braces(&find(src).bodies)
}

/// The file offsets of `{` and `}` of the function bodies among `bodies`.
fn braces(bodies: &[Body]) -> Vec<(u32, u32)> {
    bodies.iter().filter(|b| b.function).map(|b| (b.start as u32 - 1, b.end as u32)).collect()
}

/// `None` when no body could be skimmed and no comment squeezed.
pub(crate) fn skim(src: &[u8]) -> Option<Skimmed> {
    skim_bodies(src, find(src), None)
}

/// Empties the bodies and squeezes the comments of `found` in `src`; the bodies' names are read,
/// unless `read` already holds them.
fn skim_bodies(src: &[u8], found: Found, read: Option<Vec<RawRef>>) -> Option<Skimmed> {
    let Found { bodies, comments } = found;
    if bodies.is_empty() && comments.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(src.len() / 2);
    let reread = read.is_none();
    let mut refs = read.unwrap_or_default();
    if reread {
        // About one name in 16 bytes of C: the list grows once or not at all.
        refs.reserve(bodies.iter().map(|b| b.end.saturating_sub(b.start)).sum::<usize>() / 16);
    }
    let mut shifts = Vec::with_capacity(bodies.len() + comments.len());
    let mut functions = Vec::new();
    let (mut copied, mut removed) = (0usize, 0u32);
    for region in regions(&bodies, &comments) {
        let b = match region {
            Region::Body(b) => b,
            Region::Comment(start, end) => {
                out.extend_from_slice(src.get(copied..start).unwrap_or_default());
                let text = src.get(start..end).unwrap_or_default();
                let newlines = memchr::memchr_iter(b'\n', text).count();
                out.push(b' ');
                out.resize(out.len() + newlines, b'\n');
                removed += (text.len() - newlines - 1) as u32;
                shifts.push((out.len() as u32, removed));
                copied = end;
                continue;
            }
        };
        out.extend_from_slice(src.get(copied..b.start).unwrap_or_default());
        let region = src.get(b.start..b.end).unwrap_or_default();
        let newlines = memchr::memchr_iter(b'\n', region).count();
        let open = out.len().saturating_sub(1) as u32;
        out.resize(out.len() + newlines, b'\n');
        removed += (region.len() - newlines) as u32;
        shifts.push((out.len() as u32, removed));
        if b.function {
            functions.push((open, out.len() as u32));
        }
        copied = b.end;
        if reread {
            read_body(src, b, false, &mut refs);
        }
    }
    out.extend_from_slice(src.get(copied..).unwrap_or_default());
    let mut line_starts = vec![0u32];
    line_starts.extend(memchr::memchr_iter(b'\n', src).map(|i| i as u32 + 1));
    Some(Skimmed { source: out, refs, shifts, functions, line_starts, bodies, comments })
}

/// Every identifier of a file as a reference, read lexically (for a file the grammar ran out of
/// time on).
pub(crate) fn read_all(src: &[u8]) -> Vec<RawRef> {
    let mut refs = Vec::new();
    let all = Body { start: 0, end: src.len(), line: 0, line_start: 0, function: false };
    read_body(src, &all, false, &mut refs);
    refs
}

/// The identifiers of `range` of `src`, which starts on 0-based `line`, as references (for code
/// kept out of the parse, which may hold signatures: `int f(void)` names `f` but does not call it).
pub(crate) fn read_range(src: &[u8], range: std::ops::Range<u32>, line: u32, refs: &mut Vec<RawRef>) {
    let (start, end) = (range.start as usize, (range.end as usize).min(src.len()));
    if start >= end {
        return;
    }
    let line_start = memchr::memrchr(b'\n', src.get(..start).unwrap_or_default()).map_or(0, |i| i + 1);
    read_body(src, &Body { start, end, line, line_start, function: false }, true, refs);
}

/// The inside of a body: bytes `start..end` (after `{`, before `}`), starting on `line` whose first
/// byte is at `line_start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Body {
    start: usize,
    end: usize,
    line: u32,
    line_start: usize,
    /// A function's body (else an initializer's).
    function: bool,
}

/// What an open brace belongs to.
#[derive(Debug, Clone, Copy)]
enum Open {
    /// `namespace x {`, `extern "C" {`, a class, struct or union body: functions may be inside.
    Scope,
    /// A function body being read, and the indentation of the line of its `{`.
    Body(Body, usize),
    /// Anything else (initializers, enums, blocks inside bodies).
    Other,
}

/// Whether braces after a macro invocation (`inner`: what they hold; `after`: the bytes after the
/// closing brace) are a brace initializer rather than a function body: a designator first
/// (`{ .field = 1, }`), or no `;` inside and a `;` after (`{ "a", "b" };`). A `;` in a comment or a
/// string inside keeps it a body: the safe side.
pub(crate) fn braced_initializer(inner: &[u8], after: &[u8]) -> bool {
    let Some(first) = inner.iter().position(|b| !b.is_ascii_whitespace()) else { return false };
    let designator =
        inner[first] == b'.' && inner.get(first + 1).is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_');
    let semicolon_after = after.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b';');
    designator || (semicolon_after && !inner.contains(&b';'))
}

/// What `find` read in a file: the bodies to empty and the comments to squeeze.
struct Found {
    bodies: Vec<Body>,
    comments: Vec<(usize, usize)>,
}

/// The bodies `skim` may empty, in order.
#[cfg(test)]
fn find_bodies(s: &[u8]) -> Vec<Body> {
    find(s).bodies
}

/// The bodies `skim` may empty and the comments it may squeeze, in order.
fn find(s: &[u8]) -> Found {
    let mut comments = Vec::new();
    // C++ raw strings are read as plain literals here: a `//` in one may seem to be a comment.
    let mut squeeze = memchr::memmem::find(s, b"R\"").is_none();
    let bodies = find_into(s, &mut comments, &mut squeeze);
    if !squeeze {
        comments.clear();
    }
    // The comments inside emptied bodies go with them.
    let mut inside = bodies.iter().map(|b| b.start..b.end).peekable();
    comments.retain(|&(start, _)| {
        while inside.next_if(|r| r.end <= start).is_some() {}
        !inside.peek().is_some_and(|r| r.contains(&start))
    });
    Found { bodies, comments }
}

/// [`find`]'s lexer: the bodies, with the comments (outside preprocessor lines) pushed to
/// `comments`; `squeeze` turns false when one of them may not be what the lexer takes it for.
///
/// One pass of a lexer with a little state (the brace stack, the statement before a `{`, the open
/// body's safety) that every byte goes through; it stays one function, longer than the others,
/// because splitting it would pass that state around by hand at every token.
fn find_into(s: &[u8], comments: &mut Vec<(usize, usize)>, squeeze: &mut bool) -> Vec<Body> {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut bodies = Vec::new();
    let (mut i, mut line, mut line_start) = (0usize, 0u32, 0usize);
    let mut stack: Vec<Open> = Vec::new();
    // Index in `stack` of the open body, if any (braces inside it are `Other`).
    let mut body_at: Option<usize> = None;
    let mut prev = 0u8; // last significant byte outside comments ('a' for a word, '"' for a literal)
    let mut prev_word: &[u8] = b"";
    let mut unsafe_body = false;
    let mut conditionals = 0i64;
    // Inside the current body, a `struct`/`union`/`enum`/`class` head is being read (its tag, base
    // classes): a `{` then defines a type there, which the grammar must see (a local class's
    // methods are definitions).
    let mut type_head = false;
    // What the statement before a `{` at scope level holds.
    let (mut st_scope, mut st_assign, mut st_extern) = (false, false, false);
    // Whether the current line has had a token yet (a `#` first on a line starts a directive).
    let mut bol = true;
    // Parentheses open at scope level: a `{` inside them is code handed to a macro
    // (`TP_fast_assign(… for_each_x(a, b) { … } …)`), not a body. The count restarts at a word that
    // starts a line at column 0 (a new file-level construct), so an imbalance (`#if` branches that
    // each open a parameter list) cannot outlive its construct.
    let mut parens = 0u32;
    let indent_of =
        |ls: usize| s.get(ls..).map_or(0, |r| r.iter().take_while(|b| matches!(b, b' ' | b'\t')).count());
    while i < s.len() {
        let c = at(i);
        match c {
            b'\n' => {
                i += 1;
                line += 1;
                line_start = i;
                bol = true;
                continue;
            }
            b' ' | b'\t' | b'\r' | 0x0b | 0x0c => {
                i = run_end(s, i, s.len(), BLANK);
                continue;
            }
            b'\\' if at(i + 1) == b'\n' => {
                i += 1;
                continue;
            }
            _ => {}
        }
        let first_on_line = bol;
        bol = false;
        if c == b'#' && first_on_line {
            // A preprocessor line, with its continuations.
            let (ws, j) = directive_name(s, i);
            let directive = s.get(ws..j).unwrap_or_default();
            if body_at.is_some() {
                match directive {
                    b"if" | b"ifdef" | b"ifndef" => conditionals += 1,
                    b"endif" => conditionals -= 1,
                    b"define" | b"include" => unsafe_body = true,
                    _ => {}
                }
                if conditionals < 0 {
                    unsafe_body = true;
                }
            }
            let end = directive_end(s, i, &mut line, &mut line_start);
            if *squeeze && comment_left_open(s.get(i..end).unwrap_or_default()) {
                *squeeze = false;
            }
            i = end;
            continue;
        }
        if c == b'/' && at(i + 1) == b'/' {
            let end = line_end(s, i, s.len());
            let text = s.get(i..end).unwrap_or_default();
            // A backslash at the end of the line (before a CR or not) continues the comment: it is
            // not squeezed, and its next lines are comment too.
            if !text.strip_suffix(b"\r").unwrap_or(text).ends_with(b"\\") {
                comments.push((i, end));
                i = end;
            } else {
                let end = continued_line_end(s, i, s.len());
                count_newlines(s, i, end, &mut line, &mut line_start);
                i = end;
            }
            bol = first_on_line;
            continue;
        }
        if c == b'/' && at(i + 1) == b'*' {
            let close = comment_close(s, i + 2, s.len());
            count_newlines(s, i + 2, close, &mut line, &mut line_start);
            if close + 2 <= s.len() {
                comments.push((i, close + 2));
            }
            i = close + 2;
            // A comment does not count as the line's first token.
            bol = first_on_line;
            continue;
        }
        // A `'` inside a number is a digit separator (`3'600`), not a literal's quote.
        if c == b'"' || (c == b'\'' && !vitrine_snapshot::lexis::c_quote_in_number(s, i)) {
            let end = literal_end(s, i, s.len());
            // A backslash-newline inside a literal continues it on the next line.
            if let Some(last) = memchr::memrchr(b'\n', s.get(i..end.min(s.len())).unwrap_or_default()) {
                line +=
                    memchr::memchr_iter(b'\n', s.get(i..end.min(s.len())).unwrap_or_default()).count() as u32;
                line_start = i + last + 1;
            }
            i = end;
            prev = b'"';
            continue;
        }
        if is_class(c, WORD) {
            let start = i;
            if first_on_line && start == line_start && body_at.is_none() {
                parens = 0;
            }
            i = run_end(s, i, s.len(), WORD);
            let word = s.get(start..i).unwrap_or_default();
            if body_at.is_some() {
                if word == b"typedef" || word == b"using" {
                    unsafe_body = true;
                }
                if matches!(word, b"struct" | b"union" | b"enum" | b"class") {
                    type_head = true;
                }
            } else {
                match word {
                    b"namespace" | b"class" | b"struct" | b"union" => st_scope = true,
                    b"extern" => st_extern = true,
                    _ => {}
                }
            }
            prev = b'a';
            prev_word = word;
            continue;
        }
        match c {
            b'{' => {
                if body_at.is_some() {
                    if type_head || (prev == b')' && nested_function_head(s, i)) {
                        // A type or a GNU C nested function defined inside the body: the grammar
                        // must see it (the nested function is a definition, and it shadows a global
                        // one of its name in the body).
                        unsafe_body = true;
                    }
                    stack.push(Open::Other);
                } else if stack.iter().all(|o| matches!(o, Open::Scope)) {
                    // `class A final {` is a class head, not a signature ending in `final`.
                    let after_signature = prev == b')'
                        || (prev == b'a'
                            && !st_scope
                            && matches!(
                                prev_word,
                                b"const" | b"noexcept" | b"override" | b"final" | b"volatile"
                            ));
                    // A function body, or the initializer of a variable (`= {`, data tables).
                    if parens > 0 {
                        stack.push(Open::Other);
                    } else if (after_signature && !st_assign) || (st_assign && prev == b'=') {
                        body_at = Some(stack.len());
                        stack.push(Open::Body(
                            Body { start: i + 1, end: i + 1, line, line_start, function: prev != b'=' },
                            indent_of(line_start),
                        ));
                        unsafe_body = false;
                        conditionals = 0;
                    } else if (st_scope && !st_assign) || (st_extern && prev == b'"') {
                        stack.push(Open::Scope);
                    } else {
                        stack.push(Open::Other);
                    }
                } else {
                    stack.push(Open::Other);
                }
                (st_scope, st_assign, st_extern) = (false, false, false);
            }
            b'}' => {
                let closed = stack.pop();
                if let Some(Open::Body(mut body, indent)) = closed {
                    // Blanked only if this `}` starts its line at the indentation of the `{` line.
                    let aligned = first_on_line && i - line_start == indent;
                    // `MACRO(a, b) { .x = 1 };` is a variable's initializer behind a macro: left
                    // to the grammar, so that it is seen whole and not taken for a function.
                    let initializer = body.function
                        && braced_initializer(
                            s.get(body.start..i).unwrap_or_default(),
                            s.get(i + 1..).unwrap_or_default(),
                        );
                    if aligned && !unsafe_body && conditionals == 0 && !initializer {
                        body.end = i;
                        bodies.push(body);
                    }
                    body_at = None;
                } else if let Some(b) = body_at
                    && let Some(Open::Body(_, indent)) = stack.get(b)
                    && first_on_line
                    && i - line_start <= *indent
                {
                    // A brace where the body's own should be, but the braces inside do not balance
                    // (split by #if branches): the body ends here, left to the grammar.
                    stack.truncate(b);
                    body_at = None;
                }
                if closed.is_none() {
                    return bodies;
                }
                (st_scope, st_assign, st_extern) = (false, false, false);
            }
            b'(' if body_at.is_none() => parens += 1,
            b')' if body_at.is_none() => parens = parens.saturating_sub(1),
            b';' => (st_scope, st_assign, st_extern) = (false, false, false),
            b'=' if prev_word != b"operator" || prev != b'a' => st_assign = true,
            _ => {}
        }
        // A head goes on through `:`, `::`, `<`, `>` and `,` (`struct A : public B, C {`); anything
        // else (`*`, `=`, `(`, `;`, the `{` itself) ends it.
        type_head &= matches!(c, b':' | b'<' | b'>' | b',');
        prev = c;
        i += 1;
    }
    bodies
}

/// Whether the `{` at `brace`, inside a body and after a `)`, opens a GNU C nested function: the
/// `)` closes a parenthesis that a name follows, itself after a type's last word or a `*` (`int
/// check(const char *p) {`), and the name is no keyword (`if (…) {`, `while (…) {`) and the word
/// before it none that ends a statement's head (`else each(x) {`). Read backwards from the `)`:
/// only at `) {` inside a body.
pub(crate) fn nested_function_head(s: &[u8], brace: usize) -> bool {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let back_blanks = |mut i: usize| {
        while i > 0 && at(i - 1).is_ascii_whitespace() {
            i -= 1;
        }
        i
    };
    let close = back_blanks(brace);
    if close == 0 || at(close - 1) != b')' {
        return false;
    }
    let mut depth = 0u32;
    let mut i = close;
    let open = loop {
        if i == 0 {
            return false;
        }
        i -= 1;
        match at(i) {
            b')' => depth += 1,
            b'(' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break i;
                }
            }
            b';' | b'{' | b'}' => return false,
            _ => {}
        }
    };
    let name_end = back_blanks(open);
    let mut name_start = name_end;
    while name_start > 0 && is_class(at(name_start - 1), WORD) {
        name_start -= 1;
    }
    let name = s.get(name_start..name_end).unwrap_or_default();
    if name.is_empty()
        || name.first().is_some_and(u8::is_ascii_digit)
        || matches!(
            name,
            b"if" | b"while" | b"for" | b"switch" | b"catch" | b"sizeof" | b"return" | b"__attribute__"
        )
    {
        return false;
    }
    let before = back_blanks(name_start);
    if before == 0 {
        return false;
    }
    match at(before - 1) {
        b'*' => true,
        c if is_class(c, WORD) => {
            let mut w = before;
            while w > 0 && is_class(at(w - 1), WORD) {
                w -= 1;
            }
            !matches!(s.get(w..before).unwrap_or_default(), b"else" | b"do" | b"return" | b"case" | b"goto")
        }
        _ => false,
    }
}

/// The identifiers of one body, as references (kinds from the neighbouring bytes). With
/// `signatures`, a name before `(` that follows another name (`int f(`, `Foo x(`) is declared
/// there, not called.
fn read_body(s: &[u8], b: &Body, signatures: bool, refs: &mut Vec<RawRef>) {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let (mut i, mut line, mut line_start) = (b.start, b.line, b.line_start);
    // Inside a preprocessor line: whether its identifiers are references (`#if` conditions).
    let mut directive: Option<bool> = None;
    let mut first_on_line = false;
    while i < b.end {
        let c = at(i);
        if c == b'\n' {
            if at(i.saturating_sub(1)) != b'\\' {
                directive = None;
            }
            i += 1;
            line += 1;
            line_start = i;
            first_on_line = true;
            continue;
        }
        if matches!(c, b' ' | b'\t' | b'\r' | 0x0b | 0x0c) {
            i = run_end(s, i, b.end, BLANK);
            continue;
        }
        if c == b'#' && first_on_line && directive.is_none() {
            let (ws, j) = directive_name(s, i);
            let word = s.get(ws..j).unwrap_or_default();
            directive = Some(matches!(word, b"if" | b"elif" | b"ifdef" | b"ifndef"));
            i = j;
            first_on_line = false;
            continue;
        }
        first_on_line = false;
        if c == b'/' && at(i + 1) == b'/' {
            // A backslash-newline continues the comment (the text's splices are `\` + LF).
            let end = continued_line_end(s, i, b.end);
            count_newlines(s, i, end, &mut line, &mut line_start);
            i = end;
            continue;
        }
        if c == b'/' && at(i + 1) == b'*' {
            let close = comment_close(s, i + 2, b.end);
            count_newlines(s, i + 2, close, &mut line, &mut line_start);
            i = close + 2;
            continue;
        }
        if c == b'"' || c == b'\'' {
            let end = literal_end(s, i, b.end);
            if let Some(last) = memchr::memrchr(b'\n', s.get(i..end.min(b.end)).unwrap_or_default()) {
                line +=
                    memchr::memchr_iter(b'\n', s.get(i..end.min(b.end)).unwrap_or_default()).count() as u32;
                line_start = i + last + 1;
            }
            i = end;
            continue;
        }
        if c.is_ascii_digit() {
            // A number, its digit separators included (`3'600`).
            i = vitrine_snapshot::lexis::c_number_at(s, i).unwrap_or(i + 1).min(b.end);
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 || ucn_at(s, i, b.end).is_some() {
            let start = i;
            i = word_end(s, i, b.end);
            // A name with non-ASCII letters or universal character names is read whole (the symbol
            // index stores it decoded); bytes that are not UTF-8 name nothing.
            let word = s.get(start..i).unwrap_or_default();
            if !word.is_ascii() && std::str::from_utf8(word).is_err() {
                continue;
            }
            let counts = match directive {
                Some(is_condition) => is_condition && word != b"defined",
                None => true,
            };
            if counts && !is_not_a_name(word) {
                // Blanks, newlines and splices (`\` + LF) between a name and its `(`.
                let mut j = i;
                while matches!(at(j), b' ' | b'\t' | b'\n' | b'\r' | b'\\') {
                    j += 1;
                }
                let before = |k: usize| if start >= k { at(start - k) } else { 0 };
                let mut p = 1;
                while matches!(before(p), b' ' | b'\t' | b'\n' | b'\r' | b'\\') {
                    p += 1;
                }
                let declared = signatures && at(j) == b'(' && is_declared(s, start - (p - 1));
                let kind = if at(j) == b'(' && !declared {
                    RefKind::Call
                } else if declared {
                    RefKind::Other
                } else if before(p) == b'.' || (before(p) == b'>' && before(p + 1) == b'-') {
                    RefKind::Field
                } else {
                    RefKind::Other
                };
                refs.push(RawRef {
                    start: start as u32,
                    end: i as u32,
                    kind,
                    at: Point { line, column: (start - line_start) as u32 },
                    enclosing: None,
                    owned: None,
                });
            }
            continue;
        }
        i += 1;
    }
}

/// The length of the universal character name (`\u0430`, `\U00000430`) at `i`, if one starts there
/// before `limit`.
fn ucn_at(s: &[u8], i: usize, limit: usize) -> Option<usize> {
    if s.get(i) != Some(&b'\\') {
        return None;
    }
    let (len, _) =
        vitrine_base::ucn::escape_at(s.get(i..limit.min(s.len()))?, vitrine_base::ucn::Escapes::Ucn)?;
    Some(len)
}

/// The end of the name that starts at `from`: ASCII letters, digits and `_`, bytes >= 0x80 and universal
/// character names (no further than `limit`).
fn word_end(s: &[u8], from: usize, limit: usize) -> usize {
    let mut i = from;
    loop {
        i = run_end(s, i, limit, WORD | HIGH);
        match ucn_at(s, i, limit) {
            Some(len) => i += len,
            None => return i,
        }
    }
}

/// Byte classes of the lexical passes, one table lookup per byte: identifier bytes (ASCII letters,
/// digits, `_`), bytes >= 0x80 (identifier bytes for the preprocessor's lexer), and blanks other
/// than the newline (space, tab, carriage return, vertical tab, form feed).
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = if c.is_ascii_alphanumeric() || c == b'_' {
            WORD
        } else if c >= 0x80 {
            HIGH
        } else if matches!(c, b' ' | b'\t' | b'\r' | 0x0b | 0x0c) {
            BLANK
        } else {
            0
        };
        i += 1;
    }
    t
};
/// An ASCII letter, digit or `_`.
pub(crate) const WORD: u8 = 1;
/// A byte >= 0x80.
pub(crate) const HIGH: u8 = 2;
/// A blank other than the newline.
pub(crate) const BLANK: u8 = 4;

/// Whether `c` is of one of `classes`.
#[inline]
pub(crate) fn is_class(c: u8, classes: u8) -> bool {
    CLASS[c as usize] & classes != 0
}

/// The end of the run of bytes of `classes` that starts at `from` (no further than `limit`).
#[inline]
pub(crate) fn run_end(s: &[u8], from: usize, limit: usize, classes: u8) -> usize {
    let run = s.get(from..limit.min(s.len())).unwrap_or_default();
    from + run.iter().position(|&b| CLASS[b as usize] & classes == 0).unwrap_or(run.len())
}

/// The offset of the newline at or after `from` (or `limit`, if none comes before it).
pub(crate) fn line_end(s: &[u8], from: usize, limit: usize) -> usize {
    let limit = limit.min(s.len());
    s.get(from..limit).and_then(|r| memchr::memchr(b'\n', r)).map_or(limit.max(from), |k| from + k)
}

/// The offset of the newline that ends a `//` comment at `from` (a backslash right before a newline
/// continues it onto the next line), or `limit`.
pub(crate) fn continued_line_end(s: &[u8], from: usize, limit: usize) -> usize {
    let mut end = line_end(s, from, limit);
    while end < limit.min(s.len()) && end > from && s.get(end - 1) == Some(&b'\\') {
        end = line_end(s, end + 1, limit);
    }
    end
}

/// The offset of the `*/` that closes a block comment whose text starts at `from`, or `limit`
/// (no further than `limit`).
pub(crate) fn comment_close(s: &[u8], from: usize, limit: usize) -> usize {
    let limit = limit.min(s.len());
    s.get(from..limit).and_then(|r| memchr::memmem::find(r, b"*/")).map_or(limit.max(from), |k| from + k)
}

/// The offset of the newline that ends the preprocessor line holding `from` (backslash-newlines
/// continue it), or the end of `s`; the continuations are counted into `line` and `line_start`.
pub(crate) fn directive_end(s: &[u8], mut from: usize, line: &mut u32, line_start: &mut usize) -> usize {
    while let Some(k) = s.get(from..).and_then(|r| memchr::memchr(b'\n', r)) {
        let nl = from + k;
        if nl == 0 || s.get(nl - 1) != Some(&b'\\') {
            return nl;
        }
        *line += 1;
        *line_start = nl + 1;
        from = nl + 1;
    }
    s.len().max(from)
}

/// Whether a preprocessor line's text leaves a `/*` comment open at its end (read roughly, which
/// errs on the side of open: a `/*` in a string counts).
fn comment_left_open(directive: &[u8]) -> bool {
    memchr::memmem::rfind(directive, b"/*").is_some_and(|open| {
        memchr::memmem::find(directive.get(open + 2..).unwrap_or_default(), b"*/").is_none()
    })
}

/// Counts the newlines of `s[from..to]` into `line`, and moves `line_start` past the last one.
fn count_newlines(s: &[u8], from: usize, to: usize, line: &mut u32, line_start: &mut usize) {
    let Some(text) = s.get(from..to) else { return };
    if let Some(last) = memchr::memrchr(b'\n', text) {
        *line += memchr::memchr_iter(b'\n', text).count() as u32;
        *line_start = from + last + 1;
    }
}

/// Whether the word that ends just before `end` (past any blanks) is a type or a qualifier rather
/// than a keyword that precedes an expression: `int f(` declares `f`, `return f(` calls it.
fn is_declared(s: &[u8], end: usize) -> bool {
    let word_end = end;
    let mut start = word_end;
    while start > 0 && s.get(start - 1).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
        start -= 1;
    }
    let word = s.get(start..word_end).unwrap_or_default();
    !word.is_empty()
        && !word.first().is_some_and(u8::is_ascii_digit)
        && !matches!(
            word,
            b"return"
                | b"else"
                | b"case"
                | b"do"
                | b"if"
                | b"while"
                | b"switch"
                | b"new"
                | b"throw"
                | b"co_return"
                | b"co_await"
                | b"sizeof"
                | b"typeof"
                | b"defined"
                | b"goto"
                | b"and"
                | b"or"
                | b"not"
        )
}

/// Just past the character or string literal whose quote is at `i` (an unterminated one ends at
/// its line's end, a backslash escapes the next byte); reads no further than `limit`.
pub(crate) fn literal_end(s: &[u8], i: usize, limit: usize) -> usize {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let quote = at(i);
    let mut i = i + 1;
    while i < limit {
        // The next quote, newline or backslash (bytes past the end of `s` are none of them).
        let rest = s.get(i..limit.min(s.len())).unwrap_or_default();
        let Some(n) = memchr::memchr3(quote, b'\n', b'\\', rest) else {
            i = limit;
            break;
        };
        i += n;
        if at(i) != b'\\' {
            break;
        }
        i += 2;
    }
    i + 1
}

/// The name of the preprocessor directive whose `#` is at `hash`: its start and end.
fn directive_name(s: &[u8], hash: usize) -> (usize, usize) {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut j = hash + 1;
    while matches!(at(j), b' ' | b'\t') {
        j += 1;
    }
    let start = j;
    while at(j).is_ascii_alphabetic() {
        j += 1;
    }
    (start, j)
}

/// Keywords, primitive types and literals that the grammar never reports as names.
fn is_not_a_name(w: &[u8]) -> bool {
    crate::symbols::is_c_keyword_bytes(w)
        || matches!(
            w,
            b"__attribute__"
                | b"__attribute"
                | b"asm"
                | b"__asm__"
                | b"__asm"
                | b"__volatile__"
                | b"__typeof__"
                | b"__typeof"
                | b"_Alignof"
                | b"__alignof__"
                | b"alignof"
                | b"_Static_assert"
                | b"register"
                | b"auto"
                | b"restrict"
                | b"__restrict"
                | b"__restrict__"
                | b"_Bool"
                | b"bool"
                | b"true"
                | b"false"
                | b"NULL"
                | b"nullptr"
                | b"size_t"
                | b"ssize_t"
                | b"ptrdiff_t"
                | b"intptr_t"
                | b"uintptr_t"
                | b"int8_t"
                | b"int16_t"
                | b"int32_t"
                | b"int64_t"
                | b"uint8_t"
                | b"uint16_t"
                | b"uint32_t"
                | b"uint64_t"
                | b"char16_t"
                | b"char32_t"
                | b"__inline"
                | b"__inline__"
                | b"__extension__"
                | b"_Noreturn"
                | b"noreturn"
                | b"__thread"
                | b"_Thread_local"
                | b"thread_local"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    const KERNEL: &str = "static int f(int a)\n{\n\tstruct x *p = get(a); /* } */\n\tif (p->ops->open(p))\n\t\treturn \"}\"[0];\n#ifdef CONFIG_Y\n\tcall_y(p.field);\n#endif\n\treturn 0;\n}\n\nint g(void) { return 1; }\n\nvoid h(void)\n{\n#ifdef A\n\tif (a) {\n#else\n\tif (b) {\n#endif\n\t\tdo_it();\n\t}\n}\n\nvoid k(void)\n{\n\tstruct local { int v; } l;\n\tuse(&l);\n}\n\nint after(void)\n{\n\treturn done();\n}\n";

    const CPP: &str = "namespace a {\nclass B : public C {\npublic:\n    int get() const\n    {\n        return helper(x_);\n    }\n    B() : x_(0) {}\n    int x_ = f(1);\n};\ninline void free_fn(int v)\n{\n    call(v);\n}\nauto l = [](int v) {\n    return v;\n};\n}\n";

    /// A class declared `final` is a scope whose members' bodies are skimmed, not a function body
    /// ending in `final` (which would hide every member from the grammar).
    /// `literal_end` against the byte-by-byte reading it replaced, on escapes, newlines, limits
    /// inside and past the text, and a backslash just before the limit.
    #[test]
    fn literals_end_where_a_byte_by_byte_reading_ends_them() {
        fn reference(s: &[u8], i: usize, limit: usize) -> usize {
            let at = |i: usize| s.get(i).copied().unwrap_or(0);
            let quote = at(i);
            let mut i = i + 1;
            while i < limit && at(i) != quote && at(i) != b'\n' {
                if at(i) == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i + 1
        }
        let texts: [&[u8]; 7] = [
            b"\"abc\" x",
            b"'\\''",
            b"\"a\\\"b\" c",
            b"\"open\nnext\"",
            b"\"ends\\",
            b"'x",
            b"\"\\\\\" \"\\",
        ];
        for s in texts {
            for limit in 0..s.len() + 3 {
                assert_eq!(literal_end(s, 0, limit), reference(s, 0, limit), "{:?} {limit}", s);
            }
        }
    }

    /// Comments become one space and their newlines, where the lexer cannot be wrong about them.
    #[test]
    fn comments_are_squeezed_only_where_they_surely_are_comments() {
        let squeezed = |s: &str| skim(s.as_bytes()).map(|sk| String::from_utf8(sk.source).unwrap());
        // Outside bodies: one space and the newlines; inside an emptied body: gone with it.
        assert_eq!(
            squeezed("int a/**/b; // note\n/* two\nlines */ int f(void)\n{\n\t/* in */ g();\n}\n").as_deref(),
            Some("int a b;  \n \n int f(void)\n{\n\n}\n")
        );
        // A `//` comment continued by a backslash, and a `/*` that never closes, stay.
        assert_eq!(squeezed("int a; // more \\\nint b;\n"), None);
        assert_eq!(squeezed("int a; // more \\\r\nint b;\n"), None);
        assert_eq!(squeezed("int a; /* open\nint b;\n"), None);
        // A raw string anywhere, or a directive whose comment runs on: no comment is squeezed.
        assert_eq!(squeezed("auto s = R\"(a\"//b)\"; /* c */\n"), None);
        assert_eq!(squeezed("#define X 1 /* runs\n  http://on */\nint b; /* c */\n"), None);
        assert_eq!(
            squeezed("#define X 1 /* closed */\nint b; /* c */\n").as_deref(),
            Some("#define X 1 /* closed */\nint b;  \n")
        );
    }

    /// Offsets in the squeezed text map back to the file, across comments and bodies.
    #[test]
    fn offsets_map_back_across_squeezed_comments() {
        let src = b"/* head\n */ int f(void)\n{\n\treturn 1;\n}\nint /* x */ g;\n";
        let sk = skim(src).unwrap();
        let text = &sk.source;
        for word in [&b"f(void)"[..], b"g;"] {
            let at = memchr::memmem::find(text, word).unwrap();
            let file = memchr::memmem::find(src, word).unwrap();
            assert_eq!(sk.byte(at as u32) as usize, file, "{}", String::from_utf8_lossy(word));
            assert_eq!(sk.to_source(file as u32) as usize, at);
        }
    }

    #[test]
    fn runs_stop_at_the_first_byte_of_another_class_or_at_the_limit() {
        let s = "ab_9 \t\r\x0b\x0c\nx\u{e9}y+".as_bytes();
        assert_eq!(run_end(s, 0, s.len(), WORD), 4);
        assert_eq!(run_end(s, 2, 3, WORD), 3);
        assert_eq!(run_end(s, 4, s.len(), BLANK), 9);
        assert_eq!(run_end(s, 10, s.len(), WORD), 11);
        assert_eq!(run_end(s, 10, s.len(), WORD | HIGH), 14);
        // A start past the limit or the end reads nothing.
        assert_eq!(run_end(s, 3, 2, WORD), 3);
        assert_eq!(run_end(s, 99, 200, WORD), 99);
    }

    #[test]
    fn a_final_class_is_a_scope_not_a_body() {
        let s = b"class Manager final {\n public:\n  bool enabled() const { return size() > 0; }\n  int get() final\n  {\n    return 1;\n  }\n};\n";
        let text: Vec<String> = find_bodies(s)
            .iter()
            .map(|b| std::str::from_utf8(&s[b.start..b.end]).unwrap().trim().to_string())
            .collect();
        assert_eq!(text, vec!["return 1;"]);
    }

    #[test]
    fn cpp_bodies_in_namespaces_and_classes_are_skimmed() {
        let s = CPP.as_bytes();
        let bodies = find_bodies(s);
        let text: Vec<String> = bodies
            .iter()
            .map(|b| std::str::from_utf8(&s[b.start..b.end]).unwrap().trim().to_string())
            .collect();
        assert_eq!(text, vec!["return helper(x_);", "call(v);"]);
    }

    #[test]
    fn initializers_of_variables_are_skimmed_but_not_types_or_enums() {
        let src = "static const struct ops demo_ops = {\n\t.open = demo_open,\n\t.read = demo_read,\n};\n\nstatic const u32 table[] = {\n\t0x1, 0x2,\n#ifdef BIG\n\t0x3,\n#endif\n};\n\nenum e {\n\tA = 1,\n};\n\nstruct s {\n\tint v;\n};\n\nint one[] = { 1 };\n\nstatic int bad[] = {\n#define X 1\n\tX,\n};\n";
        let s = src.as_bytes();
        let text: Vec<String> = find_bodies(s)
            .iter()
            .map(|b| {
                std::str::from_utf8(&s[b.start..b.end])
                    .unwrap()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        // The enum and struct bodies define names; `one` closes on its own line; `bad` defines a macro.
        assert_eq!(text, vec![".open = demo_open, .read = demo_read,", "0x1, 0x2, #ifdef BIG 0x3, #endif"]);
        let skimmed = skim(s).unwrap();
        let refs: Vec<(&str, RefKind)> = skimmed.refs.iter().map(|r| (r.name(s), r.kind)).collect();
        assert_eq!(
            refs,
            vec![
                ("open", RefKind::Field),
                ("demo_open", RefKind::Other),
                ("read", RefKind::Field),
                ("demo_read", RefKind::Other),
                ("BIG", RefKind::Other)
            ]
        );
    }

    #[test]
    fn bodies_defining_a_local_class_are_left_to_the_grammar() {
        let src = b"void f(void)\n{\n    struct R : public log::Reader::Reporter {\n        void Corruption(int n) override {\n        }\n    };\n}\nvoid g(void)\n{\n    struct s *p = q;\n    return (struct s){ 0 };\n}\n";
        let bodies = find_bodies(src);
        assert_eq!(bodies.len(), 1, "only g's body is skimmed");
        assert!(src[bodies[0].start..bodies[0].end].starts_with(b"\n    struct s *p"));
    }

    #[test]
    fn a_literal_continued_over_lines_keeps_the_lines_counted() {
        // SQLite's hwtime.h: inline assembly in a string continued with backslash-newlines.
        let src = b"void t(void)\n{\n    asm(\"\\n\\\n   mftbu %1\\n\\\n   bne 1b\");\n}\nint after(void)\n{\n    return callee();\n}\n";
        let sk = skim(src).unwrap();
        let call = sk.refs.iter().find(|r| r.name(src) == "callee").unwrap();
        assert_eq!((call.at.line, call.at.column), (8, 11));
        let lines = |b: &[u8]| b.iter().filter(|&&c| c == b'\n').count();
        assert_eq!(lines(&sk.source), lines(src));
    }

    #[test]
    fn only_clean_bodies_are_blanked_and_their_names_read() {
        let s = KERNEL.as_bytes();
        let bodies = find_bodies(s);
        let text = |b: &Body| std::str::from_utf8(&s[b.start..b.end]).unwrap().to_string();
        // f and after: blanked. g ends on its own line: kept. h's braces are split by #ifdef, k
        // defines a type: both left to the grammar.
        assert_eq!(bodies.len(), 2, "{:?}", bodies.iter().map(text).collect::<Vec<_>>());
        assert!(text(&bodies[0]).contains("get(a)"));
        assert!(text(&bodies[1]).contains("done()"));
        let skimmed = skim(s).unwrap();
        assert_eq!(
            skimmed.source.iter().filter(|&&c| c == b'\n').count(),
            s.iter().filter(|&&c| c == b'\n').count()
        );
        // A position after an emptied body maps back to the file.
        let compact = std::str::from_utf8(&skimmed.source).unwrap();
        let (after, compact_after) = (KERNEL.find("int after").unwrap(), compact.find("int after").unwrap());
        assert!(compact_after < after);
        assert_eq!(skimmed.byte(compact_after as u32), after as u32);
        let (closing, compact_closing) = (KERNEL.rfind('}').unwrap(), compact.rfind('}').unwrap());
        assert_eq!(skimmed.byte(compact_closing as u32), closing as u32);
        // The closing brace of `f` keeps its line; its column is counted from the file.
        let f_end = KERNEL.find("\n}\n").unwrap() + 1;
        let compact_f_end = compact.find("\n}\n").unwrap() + 1;
        assert_eq!(
            skimmed.point(Point { line: 9, column: 0 }, compact_f_end as u32),
            Point { line: 9, column: 0 }
        );
        assert_eq!(skimmed.byte(compact_f_end as u32), f_end as u32);
        let got: Vec<(String, RefKind, u32, u32)> = skimmed
            .refs
            .iter()
            .map(|r| (r.name(s).to_string(), r.kind, r.at.line + 1, r.at.column + 1))
            .collect();
        let want = [
            ("x", RefKind::Other, 3, 9),
            ("p", RefKind::Other, 3, 12),
            ("get", RefKind::Call, 3, 16),
            ("a", RefKind::Other, 3, 20),
            ("p", RefKind::Other, 4, 6),
            ("ops", RefKind::Field, 4, 9),
            ("open", RefKind::Call, 4, 14),
            ("p", RefKind::Other, 4, 19),
            ("CONFIG_Y", RefKind::Other, 6, 8),
            ("call_y", RefKind::Call, 7, 2),
            ("p", RefKind::Other, 7, 9),
            ("field", RefKind::Field, 7, 11),
            ("done", RefKind::Call, 33, 9),
        ];
        let want: Vec<(String, RefKind, u32, u32)> =
            want.iter().map(|(n, k, l, c)| (n.to_string(), *k, *l, *c)).collect();
        assert_eq!(got, want);
    }
}
