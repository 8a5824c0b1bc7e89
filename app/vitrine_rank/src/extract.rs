//! One file's text for the ranked index: its comments, string literals and identifier parts, cut into
//! one document per function (where the symbol index knows the functions) and one for the rest of the
//! file. The comment right above a function (its doc comment) belongs to the function.

use vitrine_search::regions::{Family, Region, Regions};

use crate::terms::Normalizer;

/// How many times one word of code (exactly as written, up to 15 bytes: longer ones, rare, are all
/// kept) is indexed in one document; its further occurrences are left out. BM25 saturates a term's frequency anyway, and past two, repetition (a
/// variable used thirty times) says more about a function's length than about its topic. On Linux per
/// function this leaves a third of the identifier tokens (106 M -> 33 M), which tantivy's writer
/// spent most of its time on, and precision@10 on the judged queries went 0.63 -> 0.635.
pub const IDENTIFIER_WORD_REPEATS: u8 = 2;

/// A function of a file as the symbol index knows it: name, first and last line (0-based, inclusive).
pub type FunctionSpan = (String, u32, u32);

/// The text of one document.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DocText {
    /// The function, or `None` for the rest of the file.
    pub function: Option<String>,
    /// First line covered (1-based); for a function, the first line of its doc comment.
    pub start_line: u64,
    /// Last line covered (1-based, inclusive).
    pub end_line: u64,
    /// The terms of its comments (see [`Normalizer`]), each followed by a space (UTF-8).
    pub comments: Vec<u8>,
    /// The terms of its string literals, each followed by a space (UTF-8).
    pub strings: Vec<u8>,
    /// The terms of its identifiers' parts (`uploadTelemetryData` → `upload telemetri data`), each
    /// followed by a space (UTF-8).
    pub identifiers: Vec<u8>,
}

impl DocText {
    /// Whether it holds no terms (such a document is not indexed).
    pub fn is_empty(&self) -> bool {
        self.comments.is_empty() && self.strings.is_empty() && self.identifiers.is_empty()
    }

    /// Empties it for another document, keeping its buffers.
    fn reset(&mut self, function: Option<&str>, start_line: u64, end_line: u64) {
        match (function, &mut self.function) {
            (Some(name), Some(kept)) => name.clone_into(kept),
            (name, kept) => *kept = name.map(str::to_owned),
        }
        (self.start_line, self.end_line) = (start_line, end_line);
        self.comments.clear();
        self.strings.clear();
        self.identifiers.clear();
    }
}

/// The documents of one file (the rest-of-file document first; empty documents left out), their text
/// made of index terms by `norm`.
pub fn extract(path: &[u8], text: &[u8], functions: &[FunctionSpan], norm: &mut Normalizer) -> Vec<DocText> {
    let mut docs = Vec::new();
    let n = extract_into(path, text, functions, norm, &mut docs);
    docs.truncate(n);
    docs.retain(|d| !d.is_empty());
    docs
}

/// [`extract`] into `docs`, reusing its documents' buffers (the build extracts every file of a tree
/// into the same few buffers instead of allocating and growing three strings per document): the
/// file's documents are the first returned many of `docs`, empty ones among them; the rest are
/// left over from earlier files.
pub fn extract_into(
    path: &[u8],
    text: &[u8],
    functions: &[FunctionSpan],
    norm: &mut Normalizer,
    docs: &mut Vec<DocText>,
) -> usize {
    let family = Family::of_file(path, text);
    let regions = Regions::scan(family, text);
    let c_like = matches!(family, Family::CLike { .. });
    let mut line_starts = vec![0usize];
    line_starts.extend(memchr::memchr_iter(b'\n', text).map(|i| i + 1));
    let line_of = |at: usize| line_starts.partition_point(|&s| s <= at) as u64;
    let total_lines = line_of(text.len().saturating_sub(1)).max(1);
    let mut used = 0usize;
    let mut next_doc = |function: Option<&str>, start_line: u64, end_line: u64| {
        if docs.len() <= used {
            docs.push(DocText::default());
        }
        if let Some(d) = docs.get_mut(used) {
            d.reset(function, start_line, end_line);
        }
        used += 1;
    };

    // Top-level functions only (a nested one's text is its parent's), as byte ranges.
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    next_doc(None, 1, total_lines);
    let mut last_end_line: Option<u32> = None;
    for (name, start, end) in functions {
        if last_end_line.is_some_and(|l| *start <= l) || start > end {
            continue;
        }
        let Some(&body_start) = line_starts.get(*start as usize) else { continue };
        let body_end = line_starts.get(*end as usize + 1).copied().unwrap_or(text.len());
        let floor = ranges.last().map_or(0, |r| r.1);
        let begin = doc_comment_start(&regions, text, body_start, floor);
        last_end_line = Some(*end);
        ranges.push((begin, body_end));
        next_doc(Some(name), line_of(begin), u64::from(*end) + 1);
    }
    let docs = docs.get_mut(..used).unwrap_or_default();

    // Identifier words are counted per document (see IDENTIFIER_WORD_REPEATS).
    norm.start_file();
    let mut cursor = 0usize;
    for (start, piece, region) in regions.pieces(text) {
        let each_word = |s: usize, e: usize| {
            let at = start + s;
            while ranges.get(cursor).is_some_and(|r| at >= r.1) {
                cursor += 1;
            }
            let doc = match ranges.get(cursor) {
                Some(r) if at >= r.0 => cursor + 1,
                _ => 0,
            };
            let word = piece.get(s..e).unwrap_or_default();
            if let Some(d) = docs.get_mut(doc) {
                match region {
                    Region::Comment => norm.push_word(&mut d.comments, word),
                    Region::String => norm.push_word(&mut d.strings, word),
                    Region::Code => {
                        norm.push_code_word(&mut d.identifiers, doc, word, IDENTIFIER_WORD_REPEATS)
                    }
                }
            }
        };
        match region {
            Region::Code => code_words(piece, c_like, each_word),
            Region::Comment | Region::String => crate::split::words(piece, each_word),
        }
    }
    used
}

/// The most bytes an extraction thread's [`Buffers`] keep from one file to the next (their strings'
/// capacities and the documents themselves); more are given back.
pub const KEPT_BUFFER_BYTES: usize = 2 << 20;

/// One extraction thread's documents, reused from file to file ([`extract_into`]), with a bound on the
/// memory they keep: a file's large documents are not kept for the rest of the build, nor do the
/// documents of many files, each large at another position, pile up.
#[derive(Debug, Default)]
pub struct Buffers {
    docs: Vec<DocText>,
    /// The bytes `docs` hold ([`held_bytes`]), kept up to date as files are extracted.
    held: usize,
}

impl Buffers {
    /// The documents of one file ([`extract_into`]; empty ones among them).
    pub fn extract(
        &mut self,
        path: &[u8],
        text: &[u8],
        functions: &[FunctionSpan],
        norm: &mut Normalizer,
    ) -> &[DocText] {
        // A file's documents are the first `functions.len() + 1` at most: only those can change.
        let reach = functions.len().saturating_add(1);
        let before = held_bytes(self.docs.iter().take(reach)) + (reach.min(self.docs.len()) * DOC_BYTES);
        let n = extract_into(path, text, functions, norm, &mut self.docs);
        let after = held_bytes(self.docs.iter().take(reach)) + (reach.min(self.docs.len()) * DOC_BYTES);
        self.held = (self.held + after).saturating_sub(before);
        self.docs.get(..n).unwrap_or_default()
    }

    /// Gives the buffers' memory back when they hold more than [`KEPT_BUFFER_BYTES`] (once the
    /// documents of [`Buffers::extract`] are used).
    pub fn trim(&mut self) {
        if self.held > KEPT_BUFFER_BYTES {
            *self = Buffers::default();
        }
    }

    /// The bytes the buffers hold.
    pub fn held(&self) -> usize {
        self.held
    }
}

const DOC_BYTES: usize = std::mem::size_of::<DocText>();

/// The heap bytes of `docs`' strings.
fn held_bytes<'a>(docs: impl Iterator<Item = &'a DocText>) -> usize {
    docs.map(|d| {
        d.function.as_ref().map_or(0, String::capacity)
            + d.comments.capacity()
            + d.strings.capacity()
            + d.identifiers.capacity()
    })
    .sum()
}

/// Calls `f(start, end)` for the words of `code` ([`crate::split::words`]) that say what the code is
/// about: those of its identifiers, leaving out number literals (a run of identifier bytes that starts
/// with a digit: `0`, `0x1f`, `10UL`; digits inside an identifier, `crc32`, stay) and, in a C-like
/// file (`c_like`), the identifiers that are keywords of the C family (`static`, `return`). Either is
/// in nearly every function: as terms they only made documents longer and the build slower, and a
/// function whose only `switch` is the keyword does not talk about switches.
fn code_words(code: &[u8], c_like: bool, mut f: impl FnMut(usize, usize)) {
    // Words never cross `_` or punctuation, so the words of each identifier-like run (letters, digits,
    // `_`, bytes of non-ASCII characters) are the code's words, in order.
    let is_ident = |b: &u8| crate::split::is_ident_byte(*b);
    let mut at = 0usize;
    while let Some(skip) = code.get(at..).and_then(|rest| rest.iter().position(is_ident)) {
        let start = at + skip;
        let rest = code.get(start..).unwrap_or_default();
        let end = start + rest.iter().position(|b| !is_ident(b)).unwrap_or(rest.len());
        let ident = code.get(start..end).unwrap_or_default();
        let literal = ident.first().is_some_and(u8::is_ascii_digit);
        let keyword = c_like && is_keyword(ident);
        if !literal && !keyword {
            crate::split::words(ident, |s, e| f(start + s, start + e));
        }
        at = end;
    }
}

/// Whether `ident` is a keyword of C or C++ (or a preprocessor directive's name): words that say how
/// code is written, not what it is about. Only whole identifiers are keywords: `default_timeout`
/// keeps `default`.
fn is_keyword(ident: &[u8]) -> bool {
    matches!(
        ident,
        b"auto"
            | b"bool"
            | b"break"
            | b"case"
            | b"char"
            | b"class"
            | b"const"
            | b"continue"
            | b"default"
            | b"define"
            | b"do"
            | b"double"
            | b"elif"
            | b"else"
            | b"endif"
            | b"enum"
            | b"extern"
            | b"false"
            | b"float"
            | b"for"
            | b"goto"
            | b"if"
            | b"ifdef"
            | b"ifndef"
            | b"include"
            | b"inline"
            | b"int"
            | b"long"
            | b"pragma"
            | b"register"
            | b"restrict"
            | b"return"
            | b"short"
            | b"signed"
            | b"sizeof"
            | b"static"
            | b"struct"
            | b"switch"
            | b"true"
            | b"typedef"
            | b"undef"
            | b"union"
            | b"unsigned"
            | b"void"
            | b"volatile"
            | b"while"
    )
}

/// Where a function's document starts: at the comments directly above `body_start` (only blank space
/// between them), never before `floor` (the end of the previous function).
fn doc_comment_start(regions: &Regions, text: &[u8], body_start: usize, floor: usize) -> usize {
    let spans = regions.spans();
    let mut begin = body_start;
    let mut i = spans.partition_point(|&(_, e, _)| e <= begin);
    while i > 0 {
        let Some(&(s, e, r)) = spans.get(i - 1) else { break };
        let between = text.get(e..begin).unwrap_or_default();
        if r != Region::Comment || s < floor || !between.iter().all(u8::is_ascii_whitespace) {
            break;
        }
        begin = s;
        i -= 1;
    }
    begin
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: &[u8]) -> &str {
        std::str::from_utf8(bytes).unwrap()
    }

    const SRC: &str = "// SPDX: GPL\n#include <x.h>\n\n/**\n * send_report - upload telemetry\n */\nint send_report(void)\n{\n\treturn post(\"https://collect\", myBuffer);\n}\n\nstatic int other; /* tail */\n";

    #[test]
    fn functions_get_their_doc_comment_and_body() {
        let docs =
            extract(b"a.c", SRC.as_bytes(), &[("send_report".into(), 6, 9)], &mut Normalizer::default());
        assert_eq!(docs.len(), 2);
        let file = &docs[0];
        assert_eq!(file.function, None);
        assert_eq!(text(&file.comments), "spdx gpl tail ");
        assert_eq!(text(&file.identifiers), "x h other ");
        let f = &docs[1];
        assert_eq!(f.function.as_deref(), Some("send_report"));
        assert_eq!((f.start_line, f.end_line), (4, 10));
        assert_eq!(text(&f.comments), "send report upload telemetri ");
        assert_eq!(text(&f.strings), "https collect ");
        assert_eq!(text(&f.identifiers), "send report post my buffer ");
    }

    #[test]
    fn an_identifier_word_counts_at_most_twice_per_document() {
        let src = b"/* data data data */\nint f(void)\n{\n\tdata = data + data + Data; \"data data data\";\n}\nint g = data + data + data;\n";
        let docs = extract(b"a.c", src, &[("f".into(), 1, 4)], &mut Normalizer::default());
        let f = &docs[1];
        // Comments and strings keep every occurrence; in code, `data` twice and `Data` (another
        // word, the same term) twice at most.
        assert_eq!(text(&f.comments), "data data data ");
        assert_eq!(text(&f.strings), "data data data ");
        assert_eq!(text(&f.identifiers), "f data data data ");
        // The count is per document: the rest of the file has its own.
        assert_eq!(text(&docs[0].identifiers), "g data data ");
    }

    #[test]
    fn keywords_and_number_literals_are_left_out_of_code_only() {
        let src = b"/* switch the default port 80 */\nstatic int port_switch(unsigned long defaultValue, register_t r)\n{\n\tswitch (r) { default: return sizeof(struct sw) + 0x1f + 10UL + crc32(r, 8); }\n}\n";
        let n = &mut Normalizer::default();
        let docs = extract(b"a.c", src, &[], n);
        assert_eq!(text(&docs[0].identifiers), "port switch default valu regist t r r sw crc 32 ");
        // Comments keep every word.
        assert_eq!(text(&docs[0].comments), "switch default port 80 ");
        // Another family's code keeps the keywords (`return` is a word of a Makefile), not the numbers.
        let docs = extract(b"Makefile", b"static: return switch 0x10 v4l2\n", &[], n);
        assert_eq!(text(&docs[0].identifiers), "static return switch v 4 l 2 ");
        // Identifiers with non-ASCII letters are split as before (a run of them is one word).
        let docs = extract(b"a.c", "int данные_count = 1; int données;".as_bytes(), &[], n);
        assert_eq!(text(&docs[0].identifiers), "данные count donn é es ");
    }

    #[test]
    fn without_functions_the_file_is_one_document() {
        let n = &mut Normalizer::default();
        let docs = extract(b"a.c", SRC.as_bytes(), &[], n);
        assert_eq!(docs.len(), 1);
        assert!(text(&docs[0].comments).contains("upload telemetri"));
        // Nested and reversed spans are ignored rather than trusted.
        let docs = extract(
            b"a.c",
            SRC.as_bytes(),
            &[("f".into(), 6, 9), ("g".into(), 7, 8), ("h".into(), 12, 11)],
            n,
        );
        assert_eq!(docs.iter().filter(|d| d.function.is_some()).count(), 1);
        // Spans past the end of the file are ignored.
        assert_eq!(extract(b"a.c", SRC.as_bytes(), &[("f".into(), 900, 901)], n).len(), 1);
    }

    #[test]
    fn reused_buffers_keep_a_bounded_amount_of_memory() {
        let n = &mut Normalizer::default();
        let mut buffers = Buffers::default();
        // Each file holds one large function, each at another position: kept buffers would pile
        // up one large string per position.
        let big = format!("/* {} */", "word ".repeat(50_000));
        for i in 0..40u32 {
            let mut src = String::new();
            let mut functions = Vec::new();
            for f in 0..=i {
                functions.push((format!("f{f}"), 2 * f, 2 * f + 1));
                let body = if f == i { big.as_str() } else { "y;" };
                src.push_str(&format!("int f{f}(void)\n{{ {body} }}\n"));
            }
            let docs = buffers.extract(b"a.c", src.as_bytes(), &functions, n);
            assert!(docs.iter().any(|d| d.comments.len() > 100_000));
            buffers.trim();
            let actual = held_bytes(buffers.docs.iter()) + buffers.docs.len() * DOC_BYTES;
            assert_eq!(buffers.held(), actual, "file {i}");
            assert!(actual <= KEPT_BUFFER_BYTES, "file {i}: {actual} bytes kept");
        }
        // Small files keep their buffers.
        let docs = buffers.extract(b"a.c", b"int f(void)\n{ a; }\n", &[("f".into(), 0, 1)], n);
        assert_eq!(docs.len(), 2);
        buffers.trim();
        assert!(buffers.held() > 0);
    }
}
