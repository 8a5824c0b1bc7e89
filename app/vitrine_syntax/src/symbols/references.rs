//! References: spans of names with their use (call, type, field, other), from the queries for
//! languages other than C and C++, from macro bodies read lexically, and each given its enclosing
//! definition.

use streaming_iterator::StreamingIterator;
use tree_sitter::{Node, Query, QueryCursor};

use super::names::{is_c_keyword, node_text, point, split_name};
use super::{FileSymbols, Point, RefKind, Symbol, SymbolKind, ref_kind_from_str};
use crate::lang::Language;

/// A reference whose name is still a span of the source (or, rarely, a name built from several
/// nodes): the symbol index interns names per file instead of allocating one string per reference.
#[derive(Debug, Clone)]
pub(crate) struct RawRef {
    /// Byte range of the name in the source.
    pub start: u32,
    pub end: u32,
    pub kind: RefKind,
    pub at: Point,
    pub enclosing: Option<u32>,
    /// The name when it is not the span's text (a qualified name split by `split_name`).
    pub owned: Option<Box<str>>,
}

impl RawRef {
    pub fn name<'s>(&'s self, source: &'s [u8]) -> &'s str {
        match &self.owned {
            Some(name) => name,
            None => source
                .get(self.start as usize..self.end as usize)
                .and_then(|b| std::str::from_utf8(b).ok())
                .unwrap_or_default(),
        }
    }

    /// [`RawRef::name`] as bytes: the same bytes (empty where the span is not UTF-8), without
    /// validating a span of ASCII, which nearly every identifier is.
    pub fn name_bytes<'s>(&'s self, source: &'s [u8]) -> &'s [u8] {
        match (&self.owned, source.get(self.start as usize..self.end as usize)) {
            (Some(name), _) => name.as_bytes(),
            (None, Some(span)) if span.is_ascii() => span,
            (None, _) => self.name(source).as_bytes(),
        }
    }
}

/// Sets each reference's innermost enclosing definition in one sweep (references sorted by byte,
/// definitions by start with containers first), instead of a scan of all definitions per reference.
pub(super) fn assign_enclosing(defs: &[Symbol], refs: &mut [RawRef]) {
    let mut open: Vec<u32> = Vec::new();
    let mut next = 0usize;
    for r in refs.iter_mut() {
        while let Some(d) = defs.get(next) {
            if d.range.start_byte > r.start {
                break;
            }
            open.push(next as u32);
            next += 1;
        }
        // Drop finished definitions; one still open lower in the stack stays until it ends too.
        open.retain(|&i| defs.get(i as usize).is_some_and(|d| r.start < d.range.end_byte));
        r.enclosing = open.last().copied();
    }
}

/// The innermost symbol (of a list sorted by start, containers first) whose range contains `byte`.
pub(super) fn innermost(defs: &[Symbol], byte: u32) -> Option<u32> {
    let mut best: Option<u32> = None;
    for (i, d) in defs.iter().enumerate() {
        if d.range.start_byte > byte {
            break;
        }
        if byte < d.range.end_byte {
            best = Some(i as u32);
        }
    }
    best
}

/// References from a language's `references.scm` (languages other than C and C++).
pub(super) fn query_references(query: &Query, root: Node<'_>, source: &[u8]) -> Vec<RawRef> {
    let names = query.capture_names();
    let mut found: Vec<(u32, RefKind, Node<'_>)> = Vec::new();
    let mut cursor = QueryCursor::new();
    let mut matches = cursor.matches(query, root, source);
    while let Some(m) = matches.next() {
        let mut name = None;
        let mut kind = None;
        for c in m.captures() {
            match names.get(c.index as usize).copied() {
                Some("name") => name = Some(c.node),
                Some(other) => {
                    if let Some(k) = other.strip_prefix("reference.").and_then(ref_kind_from_str) {
                        kind = Some(k);
                    }
                }
                None => {}
            }
        }
        if let (Some(n), Some(k)) = (name, kind) {
            found.push((n.start_byte() as u32, k, n));
        }
    }
    // The most specific classification of a name wins (call before field before type before other).
    found.sort_by_key(|(b, k, _)| (*b, *k));
    found.dedup_by_key(|(b, _, _)| *b);
    let mut refs = Vec::with_capacity(found.len());
    for (byte, kind, node) in found {
        let (_, name, _) = split_name(node, source);
        if name.is_empty() {
            continue;
        }
        let owned = (node_text(node, source) != name).then(|| name.into_boxed_str());
        refs.push(RawRef {
            start: byte,
            end: node.end_byte() as u32,
            kind,
            at: point(node.start_position()),
            enclosing: None,
            owned,
        });
    }
    refs
}

/// Drops the names that are definitions, adds the identifiers of C macro bodies, sorts by position
/// and sets each reference's enclosing definition.
pub(super) fn finish_references(
    lang: Language,
    mut refs: Vec<RawRef>,
    source: &[u8],
    fs: &FileSymbols,
) -> Vec<RawRef> {
    let mut defined: Vec<u32> =
        fs.definitions.iter().chain(&fs.declarations).map(|d| d.name_range.start_byte).collect();
    defined.sort_unstable();
    retain_undefined(&mut refs, &defined);
    if matches!(lang, Language::C | Language::Cpp) {
        macro_body_references(fs, source, &mut refs);
        refs.sort_by_key(|r| r.start);
    }
    assign_enclosing(&fs.definitions, &mut refs);
    refs
}

/// Drops the references that start where a name is defined (`defined`: sorted starts). The
/// references come in a few runs in file order (the tree's, the skimmed bodies', the blanked
/// text's), so each is looked up from where the one before was found, by a search that gallops
/// forward (a few comparisons for the next name, logarithmic in a jump); a step back searches the
/// whole list. Any order gives the same result as a binary search of each.
pub(super) fn retain_undefined(refs: &mut Vec<RawRef>, defined: &[u32]) {
    // `defined[at..]` holds every start >= the last reference's start.
    let mut at = 0usize;
    let mut last = 0u32;
    refs.retain(|r| {
        if r.start < last {
            at = defined.partition_point(|&d| d < r.start);
        } else {
            let mut step = 1usize;
            while defined.get(at + step - 1).is_some_and(|&d| d < r.start) {
                step *= 2;
            }
            let end = (at + step).min(defined.len());
            at += defined.get(at..end).map_or(0, |w| w.partition_point(|&d| d < r.start));
        }
        last = r.start;
        defined.get(at) != Some(&r.start)
    });
}

/// Macro bodies are raw text to the grammar; their identifiers are scanned here so that calls made
/// through a macro show the macro as a caller.
pub(super) fn macro_body_references(fs: &FileSymbols, source: &[u8], refs: &mut Vec<RawRef>) {
    for d in fs.definitions.iter().filter(|d| d.kind == SymbolKind::Macro) {
        let start = d.name_range.end_byte as usize;
        let end = d.range.end_byte as usize;
        let Some(body) = source.get(start..end) else { continue };
        // Skip the parameter list of a function-like macro.
        let mut i = 0usize;
        if body.first() == Some(&b'(') {
            i = body.iter().position(|&b| b == b')').map(|p| p + 1).unwrap_or(body.len());
        }
        let mut line = d.name_range.end.line;
        let mut line_start_byte: i64 = d.name_range.end_byte as i64 - i64::from(d.name_range.end.column);
        let mut k = 0;
        while k < i {
            if body.get(k) == Some(&b'\n') {
                line += 1;
                line_start_byte = (start + k + 1) as i64;
            }
            k += 1;
        }
        while i < body.len() {
            let b = body.get(i).copied().unwrap_or(b' ');
            if b == b'\n' {
                line += 1;
                line_start_byte = (start + i + 1) as i64;
                i += 1;
                continue;
            }
            if b == b'/' && matches!(body.get(i + 1), Some(b'*' | b'/')) {
                // A comment names no calls (`#define M 3 /* f() */`).
                let block = body.get(i + 1) == Some(&b'*');
                i += 2;
                while i < body.len() {
                    match body.get(i) {
                        Some(b'*') if block && body.get(i + 1) == Some(&b'/') => {
                            i += 2;
                            break;
                        }
                        Some(b'\n') if !block => break,
                        Some(b'\n') => {
                            line += 1;
                            line_start_byte = (start + i + 1) as i64;
                            i += 1;
                        }
                        _ => i += 1,
                    }
                }
                continue;
            }
            if b == b'"' || (b == b'\'' && !vitrine_snapshot::lexis::c_quote_in_number(body, i)) {
                // Skip string and character literals (a `'` in a number separates digits).
                let quote = b;
                i += 1;
                while i < body.len() && body.get(i) != Some(&quote) && body.get(i) != Some(&b'\n') {
                    if body.get(i) == Some(&b'\\') {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                continue;
            }
            if b.is_ascii_alphabetic() || b == b'_' {
                let s = i;
                while i < body.len() && body.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
                    i += 1;
                }
                let word = std::str::from_utf8(body.get(s..i).unwrap_or_default()).unwrap_or_default();
                let mut j = i;
                while body.get(j).is_some_and(|c| *c == b' ' || *c == b'\t') {
                    j += 1;
                }
                let prev = if s > 0 { body.get(s - 1).copied() } else { None };
                let kind = if body.get(j) == Some(&b'(') {
                    RefKind::Call
                } else if prev == Some(b'.')
                    || (prev == Some(b'>') && s >= 2 && body.get(s - 2) == Some(&b'-'))
                {
                    RefKind::Field
                } else {
                    RefKind::Other
                };
                if !is_c_keyword(word) {
                    let byte = (start + s) as u32;
                    let column = (byte as i64 - line_start_byte).max(0) as u32;
                    refs.push(RawRef {
                        start: byte,
                        end: byte + word.len() as u32,
                        kind,
                        at: Point { line, column },
                        enclosing: None,
                        owned: None,
                    });
                }
                continue;
            }
            if b.is_ascii_digit() {
                while i < body.len()
                    && body.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'.')
                {
                    i += 1;
                }
                continue;
            }
            i += 1;
        }
    }
}
