//! Compiling a parsed query and running it: trigram candidates, then exact verification per file.
//!
//! Every text term becomes a `regex::bytes` matcher over the whole file buffer (one search per file,
//! jumping to the next line after a hit: about nine times faster than matching line by line), plus a
//! trigram query that selects the candidate files. Matching is line-based like ripgrep's: no term can
//! match a newline (newlines are removed from classes, and a literal newline is an error), `^`/`$` are
//! line anchors, and word boundaries are checked around the match as `rg -w` does. With `multiline:yes`
//! a regex keeps its newlines and is run over the whole file as `rg -U` runs it (every match, each
//! search starting where the previous match ended); a match is reported on the line where it starts,
//! with the last line it reaches. Files are verified in parallel in growing batches and handed to the
//! caller in ranked order, so the first page arrives long before the total count.

use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossbeam_channel::{Receiver, SendTimeoutError, Sender};
use rayon::prelude::*;
use regex::bytes::Regex;
use regex_syntax::hir::{Class, ClassBytes, ClassBytesRange, ClassUnicode, ClassUnicodeRange, Hir, HirKind};
use serde::Serialize;

use crate::error::SearchError;
use crate::index::{FileStatus, Index};
use crate::lang;
use crate::query::{self, Node, TermKind};
use crate::text::{boundary_after, boundary_before};
use crate::trigram::{self, TriQuery};

/// A compiled query, ready to run against any index.
#[derive(Debug, Clone)]
pub struct Query {
    text: String,
    expr: Expr,
    matchers: Vec<Matcher>,
    /// Whether each matcher contributes lines (false when it only appears negated).
    positive: Vec<bool>,
    /// Lower-cased words used to rank files whose name contains them first.
    rank_words: Vec<Vec<u8>>,
    /// Bare words: files that define one of them rank first.
    def_words: Vec<String>,
    /// `sym:` names, and whether each contributes lines (false when only negated).
    syms: Vec<(String, bool)>,
    case_sensitive: bool,
    multiline: bool,
}

#[derive(Debug, Clone)]
enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Term(usize),
    Path(Regex),
    Lang(&'static str),
    Sym(usize),
}

#[derive(Debug, Clone)]
struct Matcher {
    re: Regex,
    start_bound: bool,
    end_bound: bool,
    tri: TriQuery,
    /// Whole words every match contains (checked against large files' word filters).
    words: Vec<String>,
    /// A `multiline:yes` regex: matches may span lines.
    multiline: bool,
}

/// Options for one run of a query.
#[derive(Debug, Clone)]
pub struct SearchOptions {
    /// Build line texts and match ranges (a count-only run skips this work).
    pub with_text: bool,
    /// Stop once this many lines have been handed over (the count is then incomplete).
    pub stop_after_lines: Option<u64>,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions { with_text: true, stop_after_lines: None }
    }
}

/// One matching line: a line where at least one match starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineHit {
    /// 1-based line number.
    pub line: u64,
    /// The last line reached by a match that starts on this line: `line` itself unless a
    /// `multiline:yes` regex matched across line breaks (a match ending with its `\n` ends on that line).
    pub end_line: u64,
    /// Byte ranges of the matches within the line (0-based, end exclusive), first one first; a match
    /// that continues on the next lines is cut at the end of this one.
    pub ranges: Vec<(usize, usize)>,
    /// The line without its line terminator (`\n` or `\r\n`); empty unless `with_text`.
    pub text: Vec<u8>,
}

/// Why a file is ranked where it is (lower first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rank {
    /// The file defines a symbol the query asks for.
    Definition,
    /// The file's name contains a query word.
    PathMatch,
    Other,
}

/// The matching lines of one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileHits {
    pub file: u32,
    /// The path, for display (invalid UTF-8 shown lossily).
    pub path: String,
    pub rank: Rank,
    /// Number of matching lines.
    pub line_count: u64,
    /// The lines (with text only when asked for).
    pub lines: Vec<LineHit>,
}

/// What a run is about to do, known before any file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// Files to verify.
    pub candidates: u64,
    /// No usable literal: every indexed file is read.
    pub scanned_all: bool,
}

/// The outcome of a completed (or stopped) run.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Matching lines (with `multiline:yes`, lines where a match starts).
    pub lines: u64,
    /// Files with at least one match.
    pub files: u64,
    /// Files the trigram index let through to verification.
    pub candidates: u64,
    /// The query had no usable literal: every indexed file was scanned.
    pub scanned_all: bool,
    /// Files never searched (binary, too large, symlinks, unreadable at index time).
    pub files_not_searched: u64,
    /// Files whose size changed since indexing (not searched).
    pub changed: Vec<String>,
    /// Files that could not be read now.
    pub unreadable: Vec<String>,
    /// False when the run stopped early (`stop_after_lines`).
    pub complete: bool,
}

impl Query {
    /// Parses and compiles a query.
    pub fn new(text: &str) -> Result<Query, SearchError> {
        let parsed = query::parse(text)?;
        let mut q = Query {
            text: text.to_owned(),
            expr: Expr::Or(Vec::new()),
            matchers: Vec::new(),
            positive: Vec::new(),
            rank_words: Vec::new(),
            def_words: Vec::new(),
            syms: Vec::new(),
            case_sensitive: parsed.case_sensitive,
            multiline: parsed.multiline,
        };
        q.expr = q.compile(&parsed.root, true)?;
        Ok(q)
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn case_sensitive(&self) -> bool {
        self.case_sensitive
    }

    /// Whether the query said `multiline:yes` (its regexes may match across lines).
    pub fn multiline(&self) -> bool {
        self.multiline
    }

    fn compile(&mut self, node: &Node, positive: bool) -> Result<Expr, SearchError> {
        Ok(match node {
            Node::And(v) => Expr::And(v.iter().map(|n| self.compile(n, positive)).collect::<Result<_, _>>()?),
            Node::Or(v) => Expr::Or(v.iter().map(|n| self.compile(n, positive)).collect::<Result<_, _>>()?),
            Node::Not(n) => Expr::Not(Box::new(self.compile(n, !positive)?)),
            Node::Path(p) => Expr::Path(self.path_regex(p)?),
            Node::Lang(l) => Expr::Lang(l),
            Node::Sym(s) => {
                self.syms.push((s.clone(), positive));
                Expr::Sym(self.syms.len() - 1)
            }
            Node::Term(t) => {
                let m = compile_term(&self.text, t, self.case_sensitive, self.multiline)?;
                if positive && matches!(t.kind, TermKind::Word | TermKind::Prefix | TermKind::Sub) {
                    self.rank_words.push(t.text.to_lowercase().into_bytes());
                }
                if positive && t.kind == TermKind::Word {
                    self.def_words.push(t.text.clone());
                }
                self.matchers.push(m);
                self.positive.push(positive);
                Expr::Term(self.matchers.len() - 1)
            }
        })
    }

    fn path_regex(&self, pattern: &str) -> Result<Regex, SearchError> {
        let body: Vec<String> = pattern.split('*').map(regex::escape).collect();
        regex::bytes::RegexBuilder::new(&body.join(".*"))
            .case_insensitive(!self.case_sensitive)
            .build()
            .map_err(|e| SearchError::Query { query: self.text.clone(), position: 0, message: e.to_string() })
    }

    /// The query that selects candidate files: trigrams, and the defining files of `sym:` names.
    fn trigram_query(&self, e: &Expr, syms: &[SymFiles]) -> TriQuery {
        match e {
            Expr::Term(i) => self.matchers.get(*i).map_or(TriQuery::All, |m| m.tri.clone()),
            Expr::Sym(i) => {
                syms.get(*i).map_or(TriQuery::All, |m| TriQuery::Files(m.keys().copied().collect()))
            }
            Expr::And(v) => v.iter().fold(TriQuery::All, |acc, x| acc.and(self.trigram_query(x, syms))),
            Expr::Or(v) => v.iter().fold(TriQuery::None, |acc, x| acc.or(self.trigram_query(x, syms))),
            Expr::Not(_) | Expr::Path(_) | Expr::Lang(_) => TriQuery::All,
        }
    }
}

/// The pattern and word-boundary checks of a term, compiled to a line-based matcher (or, for a regex
/// with `multiline`, to one whose matches may span lines).
fn compile_term(
    query: &str,
    t: &query::Term,
    case_sensitive: bool,
    multiline: bool,
) -> Result<Matcher, SearchError> {
    let qerr =
        |at: usize, m: String| SearchError::Query { query: query.to_owned(), position: at, message: m };
    let (pattern, start_bound, end_bound) = match t.kind {
        TermKind::Word => (regex::escape(&t.text), true, true),
        TermKind::Prefix => (regex::escape(&t.text), true, false),
        TermKind::Sub => (regex::escape(&t.text), false, false),
        TermKind::Phrase => {
            let words: Vec<String> = t.text.split_whitespace().map(regex::escape).collect();
            (words.join(r"[\s&&[^\n]]+"), true, true)
        }
        TermKind::Regex => (t.text.clone(), false, false),
    };
    let hir = regex_syntax::ParserBuilder::new()
        .case_insensitive(!case_sensitive)
        .multi_line(true)
        .unicode(true)
        .utf8(false)
        .build()
        .parse(&pattern)
        .map_err(|e| {
            let (offset, msg) = match &e {
                regex_syntax::Error::Parse(p) => (p.span().start.offset, p.kind().to_string()),
                regex_syntax::Error::Translate(p) => (p.span().start.offset, p.kind().to_string()),
                _ => (0, e.to_string()),
            };
            let at = if t.kind == TermKind::Regex { t.at + offset } else { t.at };
            qerr(at, format!("invalid regex: {msg}"))
        })?;
    let multiline = multiline && t.kind == TermKind::Regex;
    let hir = if multiline {
        hir
    } else {
        strip_newlines(hir).ok_or_else(|| {
            qerr(
                t.at,
                "a regex matches within one line (as in ripgrep); add multiline:yes to match line breaks"
                    .to_owned(),
            )
        })?
    };
    let tri = trigram::query_for(&hir);
    let re = regex::bytes::RegexBuilder::new(&hir.to_string())
        .build()
        .map_err(|e| qerr(t.at, format!("invalid regex: {e}")))?;
    let words = match t.kind {
        TermKind::Word | TermKind::Phrase => t
            .text
            .split_whitespace()
            .filter(|w| crate::words::filterable(w))
            .map(str::to_ascii_lowercase)
            .collect(),
        _ => Vec::new(),
    };
    Ok(Matcher { re, start_bound, end_bound, tri, words, multiline })
}

/// Removes `\n` from every class, as ripgrep does, so no match spans lines; `None` for a literal `\n`.
fn strip_newlines(hir: Hir) -> Option<Hir> {
    Some(match hir.into_kind() {
        HirKind::Empty => Hir::empty(),
        HirKind::Literal(lit) => {
            if lit.0.contains(&b'\n') {
                return None;
            }
            Hir::literal(lit.0)
        }
        HirKind::Class(Class::Unicode(mut c)) => {
            c.difference(&ClassUnicode::new([ClassUnicodeRange::new('\n', '\n')]));
            Hir::class(Class::Unicode(c))
        }
        HirKind::Class(Class::Bytes(mut c)) => {
            c.difference(&ClassBytes::new([ClassBytesRange::new(b'\n', b'\n')]));
            Hir::class(Class::Bytes(c))
        }
        HirKind::Look(l) => Hir::look(l),
        HirKind::Repetition(mut r) => {
            r.sub = Box::new(strip_newlines(*r.sub)?);
            Hir::repetition(r)
        }
        HirKind::Capture(mut c) => {
            c.sub = Box::new(strip_newlines(*c.sub)?);
            Hir::capture(c)
        }
        HirKind::Concat(v) => Hir::concat(v.into_iter().map(strip_newlines).collect::<Option<_>>()?),
        HirKind::Alternation(v) => {
            Hir::alternation(v.into_iter().map(strip_newlines).collect::<Option<_>>()?)
        }
    })
}

impl Matcher {
    /// The first accepted match starting at or after `from`, within `hay`.
    fn find(&self, hay: &[u8], mut from: usize) -> Option<(usize, usize)> {
        loop {
            let m = self.re.find_at(hay, from)?;
            let ok = (!self.start_bound || boundary_before(hay, m.start()))
                && (!self.end_bound || boundary_after(hay, m.end()));
            if ok {
                return Some((m.start(), m.end()));
            }
            from = m.start() + 1;
            if from > hay.len() {
                return None;
            }
        }
    }

    /// Calls `f(line_start, match_start, match_end)` for the first match on each matching line, in
    /// order, until `f` returns false. A multiline matcher reports every match instead (several may
    /// start on one line), each search starting where the previous match ended, as `rg -U` does.
    fn each_line(&self, buf: &[u8], mut f: impl FnMut(usize, usize, usize) -> bool) {
        let ends_with_newline = buf.last() == Some(&b'\n');
        if self.multiline {
            let mut pos = 0usize;
            while pos <= buf.len() {
                let Some(m) = self.re.find_at(buf, pos) else { break };
                let (s, e) = (m.start(), m.end());
                // After the final newline, or in an empty file, there is no line (ripgrep agrees).
                if s >= buf.len() && (ends_with_newline || buf.is_empty()) {
                    break;
                }
                let line_start = buf.get(..s).and_then(|h| memchr::memrchr(b'\n', h)).map_or(0, |i| i + 1);
                if !f(line_start, s, e) {
                    break;
                }
                pos = if e > s { e } else { s + 1 };
            }
            return;
        }
        let mut pos = 0usize;
        while pos < buf.len() {
            let Some((s, e)) = self.find(buf, pos) else { break };
            // A match after the final newline is on no line at all (ripgrep agrees).
            if s >= buf.len() && ends_with_newline {
                break;
            }
            let line_start = buf.get(..s).and_then(|h| memchr::memrchr(b'\n', h)).map_or(0, |i| i + 1);
            if !f(line_start, s, e) {
                break;
            }
            match buf.get(s..).and_then(|t| memchr::memchr(b'\n', t)) {
                Some(i) => pos = s + i + 1,
                None => break,
            }
        }
    }
}

/// For one `sym:` name: the files defining it and (1-based line, 0-based byte column) of each definition.
type SymFiles = std::collections::BTreeMap<u32, Vec<(u64, usize)>>;

enum FileOutcome {
    Hit(FileHits),
    NoMatch,
    Changed(String),
    Unreadable(String),
}

impl Index {
    /// Runs `query`, handing each file's hits to `sink` in ranked order; `sink` returns false to stop.
    /// Checks `cancel` between batches and returns [`SearchError::Cancelled`] when it is set.
    pub fn search(
        &self,
        query: &Query,
        opts: &SearchOptions,
        cancel: &AtomicBool,
        sink: &mut dyn FnMut(FileHits) -> bool,
    ) -> Result<Summary, SearchError> {
        self.search_planned(query, opts, cancel, &mut |_| {}, sink)
    }

    /// Like [`Index::search`], first telling `on_plan` how many files will be read and whether the
    /// query forced a scan of every file (no usable literal), so a window can show "scanning".
    pub fn search_planned(
        &self,
        query: &Query,
        opts: &SearchOptions,
        cancel: &AtomicBool,
        on_plan: &mut dyn FnMut(Plan),
        sink: &mut dyn FnMut(FileHits) -> bool,
    ) -> Result<Summary, SearchError> {
        let syms = self.resolve_syms(query)?;
        let def_files = self.defining_files(query);
        let tri = query.trigram_query(&query.expr, &syms);
        let scanned_all = tri.is_all();
        let ids = self.candidates(&tri)?;
        let mut ranked: Vec<(Rank, u32)> = ids
            .into_iter()
            .filter(|&id| self.files().status(id) == FileStatus::Indexed)
            .filter(|&id| eval_path(&query.expr, self.files().path(id)) != Some(false))
            .map(|id| (if def_files.contains(&id) { Rank::Definition } else { self.rank_of(query, id) }, id))
            .collect();
        ranked.sort_unstable();
        let mut summary = Summary {
            candidates: ranked.len() as u64,
            scanned_all,
            files_not_searched: self.meta().files_not_searched(),
            complete: true,
            ..Summary::default()
        };
        on_plan(Plan { candidates: summary.candidates, scanned_all });
        let mut batch = 8usize;
        let mut files_read = 0usize;
        let mut rest = ranked.as_slice();
        while !rest.is_empty() {
            if cancel.load(Ordering::Relaxed) {
                return Err(SearchError::Cancelled);
            }
            let (now, later) = rest.split_at(batch.min(rest.len()));
            rest = later;
            files_read += now.len();
            let outcomes: Vec<FileOutcome> = now
                .par_iter()
                .map(|&(rank, id)| self.search_file(query, &syms, opts, rank, id, cancel))
                .collect();
            for outcome in outcomes {
                match outcome {
                    FileOutcome::Hit(h) => {
                        summary.lines += h.line_count;
                        summary.files += 1;
                        if !sink(h) {
                            if cancel.load(Ordering::Relaxed) {
                                return Err(SearchError::Cancelled);
                            }
                            summary.complete = false;
                            return Ok(summary);
                        }
                        if opts.stop_after_lines.is_some_and(|n| summary.lines >= n) {
                            summary.complete = false;
                            return Ok(summary);
                        }
                    }
                    FileOutcome::NoMatch => {}
                    FileOutcome::Changed(p) => summary.changed.push(p),
                    FileOutcome::Unreadable(p) => summary.unreadable.push(p),
                }
            }
            batch = next_batch(batch, files_read, summary.lines, opts.stop_after_lines);
        }
        if cancel.load(Ordering::Relaxed) {
            return Err(SearchError::Cancelled);
        }
        Ok(summary)
    }

    /// Looks every `sym:` name up in the definition source.
    fn resolve_syms(&self, query: &Query) -> Result<Vec<SymFiles>, SearchError> {
        let mut out = Vec::with_capacity(query.syms.len());
        for (name, _) in &query.syms {
            let Some(source) = self.definitions() else {
                return Err(SearchError::Query {
                    query: query.text.clone(),
                    position: query.text.find("sym:").unwrap_or(0),
                    message: format!("sym:{name} needs the symbol index, which is not available"),
                });
            };
            let defs = source.definitions(name, query.case_sensitive).map_err(SearchError::Definitions)?;
            let mut files = SymFiles::new();
            for d in defs {
                if let Some(id) = self.files().find(&d.path) {
                    files.entry(id).or_default().push((d.line, d.column));
                }
            }
            for lines in files.values_mut() {
                lines.sort_unstable();
                lines.dedup();
            }
            out.push(files);
        }
        Ok(out)
    }

    /// Files that define one of the query's bare words (ranked first); empty without a source.
    fn defining_files(&self, query: &Query) -> std::collections::HashSet<u32> {
        let mut out = std::collections::HashSet::new();
        let Some(source) = self.definitions() else { return out };
        for w in &query.def_words {
            // Ranking is a nicety: a failed lookup leaves the order by path; it does not fail the search.
            for d in source.definitions(w, query.case_sensitive).unwrap_or_default() {
                if let Some(id) = self.files().find(&d.path) {
                    out.insert(id);
                }
            }
        }
        out
    }

    fn rank_of(&self, query: &Query, id: u32) -> Rank {
        if query.rank_words.is_empty() {
            return Rank::Other;
        }
        let path = self.files().path(id);
        let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path).to_ascii_lowercase();
        if query.rank_words.iter().any(|w| memchr::memmem::find(&name, w).is_some()) {
            Rank::PathMatch
        } else {
            Rank::Other
        }
    }

    /// Candidate file ids for a trigram query, sorted.
    fn candidates(&self, q: &TriQuery) -> Result<Vec<u32>, SearchError> {
        let mut lists = PostingCache::default();
        Ok(match self.eval_tri(&q.clone().simplify(), None, &mut lists)? {
            Some(ids) => Rc::try_unwrap(ids).unwrap_or_else(|shared| (*shared).clone()),
            None => (0..self.files().len() as u32).collect(),
        })
    }

    /// The files satisfying `q` among `within` (`None`: among all files); `None` means every file of
    /// `within`'s range. Each posting list is read and decoded once per query; in an `And`, the single
    /// trigrams are intersected shortest first, and the remaining parts (alternatives) are evaluated
    /// only among the files that are left, so a common trigram inside an alternative costs little.
    fn eval_tri(
        &self,
        q: &TriQuery,
        within: Option<&Rc<Vec<u32>>>,
        lists: &mut PostingCache,
    ) -> Result<Option<Rc<Vec<u32>>>, SearchError> {
        let restrict = |ids: Rc<Vec<u32>>| match within {
            Some(w) => Rc::new(intersect(w, &ids)),
            None => ids,
        };
        Ok(match q {
            TriQuery::All => within.cloned(),
            TriQuery::None => Some(Rc::new(Vec::new())),
            TriQuery::Tri(t) => Some(restrict(self.posting_list(*t, lists)?)),
            TriQuery::Files(ids) => Some(restrict(Rc::new(ids.clone()))),
            TriQuery::And(v) => {
                let mut acc: Option<Rc<Vec<u32>>> = within.cloned();
                let mut files: Vec<&Vec<u32>> = Vec::new();
                let mut tris: Vec<(u32, trigram::Trigram)> = Vec::new();
                for x in v {
                    match x {
                        TriQuery::Tri(t) => tris.push((self.list_len(*t, lists)?, *t)),
                        TriQuery::Files(ids) => files.push(ids),
                        _ => {}
                    }
                }
                for ids in files {
                    acc = Some(match acc {
                        None => Rc::new(ids.clone()),
                        Some(a) => Rc::new(intersect(&a, ids)),
                    });
                }
                // Rarest first (lengths come from the table): an empty list ends the work before the
                // long lists are decoded.
                tris.sort_unstable();
                for (_, t) in tris {
                    if acc.as_ref().is_some_and(|a| a.is_empty()) {
                        return Ok(acc);
                    }
                    let ids = self.posting_list(t, lists)?;
                    acc = Some(match acc {
                        None => ids,
                        Some(a) => Rc::new(intersect(&a, &ids)),
                    });
                }
                if acc.as_ref().is_some_and(|a| a.is_empty()) {
                    return Ok(acc);
                }
                for x in v.iter().filter(|x| !matches!(x, TriQuery::Tri(_) | TriQuery::Files(_))) {
                    if let Some(ids) = self.eval_tri(x, acc.as_ref(), lists)? {
                        let empty = ids.is_empty();
                        acc = Some(ids);
                        if empty {
                            break;
                        }
                    }
                }
                acc
            }
            TriQuery::Or(v) => {
                let mut parts: Vec<Rc<Vec<u32>>> = Vec::with_capacity(v.len());
                for x in v {
                    match self.eval_tri(x, within, lists)? {
                        None => return Ok(None),
                        Some(ids) => parts.push(ids),
                    }
                }
                Some(Rc::new(union_all(parts)))
            }
        })
    }

    /// The length of the posting list of `t` (without decoding it unless it is already).
    fn list_len(&self, t: trigram::Trigram, lists: &PostingCache) -> Result<u32, SearchError> {
        match lists.get(&t) {
            Some(ids) => Ok(ids.len() as u32),
            None => self.trigrams().count(t),
        }
    }

    /// The decoded posting list of `t`, read once per query.
    fn posting_list(
        &self,
        t: trigram::Trigram,
        lists: &mut PostingCache,
    ) -> Result<Rc<Vec<u32>>, SearchError> {
        if let Some(ids) = lists.get(&t) {
            return Ok(ids.clone());
        }
        let ids = Rc::new(self.trigrams().postings(t)?);
        lists.insert(t, ids.clone());
        Ok(ids)
    }

    fn search_file(
        &self,
        q: &Query,
        syms: &[SymFiles],
        opts: &SearchOptions,
        rank: Rank,
        id: u32,
        cancel: &AtomicBool,
    ) -> FileOutcome {
        if cancel.load(Ordering::Relaxed) {
            return FileOutcome::NoMatch;
        }
        let path = self.files().path(id);
        let display = String::from_utf8_lossy(path).into_owned();
        let has_sym = |i: usize| syms.get(i).is_some_and(|m| m.contains_key(&id));
        // Large files: skip reading when their word filter rules out a required whole word.
        let maybe =
            |i: usize| q.matchers.get(i).is_none_or(|m| m.words.iter().all(|w| self.may_contain_word(id, w)));
        if self.files().size_bytes(id) >= crate::words::MIN_FILE_BYTES
            && !eval_maybe(&q.expr, path, &maybe, &has_sym)
        {
            return FileOutcome::NoMatch;
        }
        if q.matchers.is_empty() && q.syms.is_empty() {
            // Only path and language filters: the file itself is the hit.
            return FileOutcome::Hit(FileHits {
                file: id,
                path: display,
                rank,
                line_count: 0,
                lines: Vec::new(),
            });
        }
        match self.with_text(id, |buf| self.verify(q, syms, opts, rank, id, buf)) {
            Ok(Some(outcome)) => outcome,
            Ok(None) => FileOutcome::Changed(display),
            Err(_) => FileOutcome::Unreadable(display),
        }
    }

    /// The hits of file `id` in its text `buf`.
    fn verify(
        &self,
        q: &Query,
        syms: &[SymFiles],
        opts: &SearchOptions,
        rank: Rank,
        id: u32,
        buf: &[u8],
    ) -> FileOutcome {
        let path = self.files().path(id);
        let has_sym = |i: usize| syms.get(i).is_some_and(|m| m.contains_key(&id));
        // (line_start, match_start, match_end) of the first match of every matching line, per term.
        let mut per_term: Vec<Vec<(usize, usize, usize)>> = Vec::with_capacity(q.matchers.len());
        for (m, &positive) in q.matchers.iter().zip(&q.positive) {
            let mut lines = Vec::new();
            m.each_line(buf, |ls, s, e| {
                lines.push((ls, s, e));
                positive
            });
            per_term.push(lines);
        }
        if !eval_full(&q.expr, path, &|i| per_term.get(i).is_some_and(|l| !l.is_empty()), &has_sym) {
            return FileOutcome::NoMatch;
        }
        let mut merged: Vec<(usize, usize, usize)> = Vec::new();
        for (lines, &positive) in per_term.iter().zip(&q.positive) {
            if positive {
                merged.extend_from_slice(lines);
            }
        }
        for ((name, positive), files) in q.syms.iter().zip(syms) {
            if let (true, Some(lines)) = (*positive, files.get(&id)) {
                merged.extend(definition_lines(buf, lines, name));
            }
        }
        if per_term.len() + q.syms.len() > 1 {
            merged.sort_unstable();
        }
        if per_term.len() + q.syms.len() > 1 || q.matchers.iter().any(|m| m.multiline) {
            merged.dedup_by_key(|l| l.0);
        }
        let line_count = merged.len() as u64;
        let mut lines = Vec::new();
        if opts.with_text {
            lines.reserve(merged.len());
            // Per multiline matcher: the next of its matches to place on a line.
            let mut next_match = vec![0usize; q.matchers.len()];
            let mut line_no = 1u64;
            let mut counted_to = 0usize;
            for &(ls, _, _) in &merged {
                line_no +=
                    buf.get(counted_to..ls).map_or(0, |s| memchr::memchr_iter(b'\n', s).count() as u64);
                counted_to = ls;
                let le = buf.get(ls..).and_then(|t| memchr::memchr(b'\n', t)).map_or(buf.len(), |i| ls + i);
                let hay = buf.get(..le).unwrap_or_default();
                let mut ranges = Vec::new();
                let mut end_line = line_no;
                for ((name, positive), files) in q.syms.iter().zip(syms) {
                    let Some(defs) = files.get(&id).filter(|_| *positive) else { continue };
                    for &(_, col) in defs.iter().filter(|&&(l, _)| l == line_no) {
                        ranges.push((col, (col + name.len()).min(le - ls)));
                    }
                }
                for (i, (m, &positive)) in q.matchers.iter().zip(&q.positive).enumerate() {
                    if !positive {
                        continue;
                    }
                    if m.multiline {
                        let (Some(found), Some(cursor)) = (per_term.get(i), next_match.get_mut(i)) else {
                            continue;
                        };
                        while let Some(&(mls, s, e)) = found.get(*cursor) {
                            if mls > ls {
                                break;
                            }
                            *cursor += 1;
                            if mls < ls {
                                continue;
                            }
                            ranges.push((s - ls, e.min(le).max(s) - ls));
                            // A match that ends with its line break ends on that line.
                            let last = if e > s && buf.get(e - 1) == Some(&b'\n') { e - 1 } else { e };
                            let spans = buf.get(s..last).map_or(0, |t| memchr::memchr_iter(b'\n', t).count());
                            end_line = end_line.max(line_no + spans as u64);
                        }
                        continue;
                    }
                    let mut from = ls;
                    while let Some((s, e)) = m.find(hay, from) {
                        ranges.push((s - ls, e - ls));
                        from = if e > s { e } else { s + 1 };
                        if from > le {
                            break;
                        }
                    }
                }
                ranges.sort_unstable();
                ranges.dedup();
                let mut text = buf.get(ls..le).unwrap_or_default().to_vec();
                if text.last() == Some(&b'\r') {
                    text.pop();
                }
                lines.push(LineHit { line: line_no, end_line, ranges, text });
            }
        }
        FileOutcome::Hit(FileHits {
            file: id,
            path: String::from_utf8_lossy(path).into_owned(),
            rank,
            line_count,
            lines,
        })
    }
}

/// How many files to verify next: twice as many as last time (up to 512), but when the run stops after
/// a number of lines, no more than the files read so far suggest are still needed (with a quarter more),
/// so a first page does not read a large batch it mostly does not use.
fn next_batch(batch: usize, files_read: usize, lines: u64, stop_after_lines: Option<u64>) -> usize {
    let doubled = (batch * 2).min(512);
    match stop_after_lines {
        Some(stop) if lines > 0 && lines < stop => {
            let need = (stop - lines) as f64 * files_read as f64 / lines as f64 * 1.25;
            (need.ceil() as usize).clamp(rayon::current_num_threads().max(2), doubled)
        }
        _ => doubled,
    }
}

/// (line_start, name_start, name_end) of each definition in `defs` (sorted by line), for `sym:` hits.
fn definition_lines(buf: &[u8], defs: &[(u64, usize)], name: &str) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::with_capacity(defs.len());
    let mut line_no = 1u64;
    let mut start = 0usize;
    for &(want, col) in defs {
        while line_no < want {
            match buf.get(start..).and_then(|t| memchr::memchr(b'\n', t)) {
                Some(i) => {
                    start += i + 1;
                    line_no += 1;
                }
                None => return out,
            }
        }
        let end = buf.get(start..).and_then(|t| memchr::memchr(b'\n', t)).map_or(buf.len(), |i| start + i);
        let at = (start + col).min(end);
        out.push((start, at, (at + name.len()).min(end)));
    }
    out
}

/// What the path alone decides: `None` when content terms must be checked.
fn eval_path(e: &Expr, path: &[u8]) -> Option<bool> {
    match e {
        Expr::Term(_) | Expr::Sym(_) => None,
        Expr::Path(re) => Some(re.is_match(path)),
        Expr::Lang(l) => Some(lang::path_is(l, path)),
        Expr::Not(x) => eval_path(x, path).map(|b| !b),
        Expr::And(v) => {
            let mut unknown = false;
            for x in v {
                match eval_path(x, path) {
                    Some(false) => return Some(false),
                    None => unknown = true,
                    Some(true) => {}
                }
            }
            if unknown { None } else { Some(true) }
        }
        Expr::Or(v) => {
            let mut unknown = false;
            for x in v {
                match eval_path(x, path) {
                    Some(true) => return Some(true),
                    None => unknown = true,
                    Some(false) => {}
                }
            }
            if unknown { None } else { Some(false) }
        }
    }
}

/// An over-approximation of [`eval_full`] from what is known without reading the file: `maybe(i)` may
/// say true wrongly, never false wrongly, so a negation cannot be decided and counts as true.
fn eval_maybe(e: &Expr, path: &[u8], maybe: &dyn Fn(usize) -> bool, sym: &dyn Fn(usize) -> bool) -> bool {
    match e {
        Expr::Term(i) => maybe(*i),
        Expr::Sym(i) => sym(*i),
        Expr::Path(re) => re.is_match(path),
        Expr::Lang(l) => lang::path_is(l, path),
        Expr::Not(_) => true,
        Expr::And(v) => v.iter().all(|x| eval_maybe(x, path, maybe, sym)),
        Expr::Or(v) => v.iter().any(|x| eval_maybe(x, path, maybe, sym)),
    }
}

fn eval_full(e: &Expr, path: &[u8], term: &dyn Fn(usize) -> bool, sym: &dyn Fn(usize) -> bool) -> bool {
    match e {
        Expr::Term(i) => term(*i),
        Expr::Sym(i) => sym(*i),
        Expr::Path(re) => re.is_match(path),
        Expr::Lang(l) => lang::path_is(l, path),
        Expr::Not(x) => !eval_full(x, path, term, sym),
        Expr::And(v) => v.iter().all(|x| eval_full(x, path, term, sym)),
        Expr::Or(v) => v.iter().any(|x| eval_full(x, path, term, sym)),
    }
}

/// Decoded posting lists of one query evaluation, by trigram.
type PostingCache = std::collections::HashMap<trigram::Trigram, Rc<Vec<u32>>>;

/// The sorted intersection of two sorted lists. A much shorter list is looked up in the longer one by
/// galloping, in time proportional to the short one; otherwise the shorter list is marked in a bitmap
/// of file ids and the longer one filtered through it (a predictable branch per id: measured on the
/// Linux tree's phrase query, galloping from the 4x ratio a merge needs cost more than the page's
/// reading).
fn intersect(a: &[u32], b: &[u32]) -> Vec<u32> {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let mut out = Vec::with_capacity(small.len());
    if small.len().saturating_mul(64) < large.len() {
        let mut rest = large;
        for &x in small {
            // Gallop: find a window that must hold x, then search it.
            let mut step = 1usize;
            while rest.get(step).is_some_and(|&y| y < x) {
                step *= 2;
            }
            let window = rest.get(..(step + 1).min(rest.len())).unwrap_or_default();
            let i = window.partition_point(|&y| y < x);
            rest = rest.get(i..).unwrap_or_default();
            if rest.first() == Some(&x) {
                out.push(x);
            }
            if rest.is_empty() {
                break;
            }
        }
        return out;
    }
    let Some(&max) = small.last() else { return out };
    let mut bits = vec![0u64; max as usize / 64 + 1];
    for &x in small {
        if let Some(w) = bits.get_mut(x as usize / 64) {
            *w |= 1 << (x % 64);
        }
    }
    for &y in large {
        if bits.get(y as usize / 64).is_some_and(|w| w >> (y % 64) & 1 == 1) {
            out.push(y);
        }
    }
    out
}

/// The sorted union of sorted lists.
fn union_all(parts: Vec<Rc<Vec<u32>>>) -> Vec<u32> {
    if parts.len() <= 2 {
        let mut iter = parts.into_iter();
        let a = iter.next().map(|p| (*p).clone()).unwrap_or_default();
        return match iter.next() {
            Some(b) => union(&a, &b),
            None => a,
        };
    }
    let mut all: Vec<u32> = Vec::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in &parts {
        all.extend_from_slice(p);
    }
    all.sort_unstable();
    all.dedup();
    all
}

fn union(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    loop {
        match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) => {
                out.push(x.min(y));
                if x <= y {
                    i += 1;
                }
                if y <= x {
                    j += 1;
                }
            }
            (Some(&x), None) => {
                out.push(x);
                i += 1;
            }
            (None, Some(&y)) => {
                out.push(y);
                j += 1;
            }
            (None, None) => break,
        }
    }
    out
}

/// What a background search sends.
#[derive(Debug)]
pub enum SearchEvent {
    /// Sent once, first.
    Plan(Plan),
    Hits(FileHits),
    Done(Result<Summary, SearchError>),
}

/// A search running on its own thread. Dropping the handle cancels it.
#[derive(Debug)]
pub struct SearchHandle {
    events: Receiver<SearchEvent>,
    cancel: Arc<AtomicBool>,
}

impl SearchHandle {
    /// Results in ranked order, then one `Done`.
    pub fn events(&self) -> &Receiver<SearchEvent> {
        &self.events
    }

    /// Asks the search to stop (e.g. the user typed the next character); it ends with `Done(Err(Cancelled))`.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

impl Drop for SearchHandle {
    fn drop(&mut self) {
        self.cancel();
    }
}

/// Starts `query` on a background thread; results stream through a bounded channel, so a query with a
/// million hits never blocks the caller and never piles up unread results.
pub fn spawn_search(index: Arc<Index>, query: Query, opts: SearchOptions) -> SearchHandle {
    let (tx, rx) = crossbeam_channel::bounded(256);
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    std::thread::spawn(move || {
        let mut on_plan = |p: Plan| {
            send(&tx, SearchEvent::Plan(p), &flag);
        };
        let mut sink = |h: FileHits| send(&tx, SearchEvent::Hits(h), &flag);
        let result = index.search_planned(&query, &opts, &flag, &mut on_plan, &mut sink);
        send(&tx, SearchEvent::Done(result), &flag);
    });
    SearchHandle { events: rx, cancel }
}

fn send(tx: &Sender<SearchEvent>, mut ev: SearchEvent, cancel: &AtomicBool) -> bool {
    loop {
        match tx.send_timeout(ev, Duration::from_millis(50)) {
            Ok(()) => return true,
            Err(SendTimeoutError::Disconnected(_)) => return false,
            Err(SendTimeoutError::Timeout(back)) => {
                if cancel.load(Ordering::Relaxed) {
                    return false;
                }
                ev = back;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(q: &str, text: &str) -> Vec<usize> {
        let query = Query::new(q).unwrap();
        let m = &query.matchers[0];
        let mut out = Vec::new();
        m.each_line(text.as_bytes(), |ls, _, _| {
            out.push(text[..ls].matches('\n').count() + 1);
            true
        });
        out
    }

    #[test]
    fn words_respect_boundaries_and_case() {
        assert_eq!(lines("foo", "foo\nfoobar\nbar_foo\nx.FOO()\n"), vec![1, 4]);
        assert_eq!(lines("case:yes foo", "FOO\nfoo"), vec![2]);
        assert_eq!(lines("foo*", "foobar\nbarfoo\n"), vec![1]);
        assert_eq!(lines("sub:foo", "foobar\nbarfoo\nnope\n"), vec![1, 2]);
    }

    #[test]
    fn regexes_never_cross_lines() {
        assert_eq!(lines(r"/a[^x]*b/", "a\nb\nab\n"), vec![3]);
        assert_eq!(lines(r"/^$/", "a\n\nb\n"), vec![2]);
        assert!(Query::new(r"/a\nb/").is_err());
    }

    #[test]
    fn multiline_regexes_report_every_match_where_it_starts() {
        assert_eq!(lines(r"ml:yes /a[^x]*b/", "a\nb\nab\n"), vec![1]);
        assert_eq!(lines(r"ml:yes /a[^x]*?b/", "a\nb\nab\n"), vec![1, 3]);
        assert_eq!(lines(r"ml:yes /a\nb/", "xa\nb a\nb\n"), vec![1, 2]);
        assert_eq!(lines(r"ml:yes /b\s*a/", "ab ab\nab\n"), vec![1, 1]);
        // After the final newline there is no line.
        assert_eq!(lines(r"ml:yes /^/", "a\nb\n"), vec![1, 2]);
        assert_eq!(lines(r"ml:yes /^/", "a\nb"), vec![1, 2]);
        assert_eq!(lines(r"ml:yes /^$/", ""), Vec::<usize>::new());
        assert!(Query::new(r"/a\nb/ ml:no").is_err());
    }

    #[test]
    fn phrases_allow_any_inline_whitespace() {
        assert_eq!(
            lines("\"struct file\"", "struct  file\nstruct\tfile x\nstruct\nfile\nstruct files\n"),
            vec![1, 2]
        );
    }

    #[test]
    fn batches_grow_but_a_first_page_reads_what_it_needs() {
        assert_eq!(next_batch(8, 8, 3, None), 16);
        assert_eq!(next_batch(512, 5000, 10, None), 512);
        assert_eq!(next_batch(8, 8, 0, Some(100)), 16, "no line yet: no estimate");
        // 120 files gave 80 lines: 20 more lines need about 30 files, plus a quarter.
        assert_eq!(next_batch(64, 120, 80, Some(100)), 38);
        assert!(next_batch(64, 120, 99, Some(100)) >= 2);
        assert_eq!(next_batch(64, 120, 1, Some(100)), 128, "never more than doubling");
    }

    #[test]
    fn set_operations() {
        assert_eq!(intersect(&[1, 3, 5], &[3, 4, 5]), vec![3, 5]);
        let large: Vec<u32> = (0..1000).map(|i| i * 3).collect();
        assert_eq!(intersect(&[0, 4, 6, 2997, 5000], &large), vec![0, 6, 2997]);
        assert_eq!(intersect(&large, &[2, 2999]), Vec::<u32>::new());
        let evens: Vec<u32> = (0..400).map(|i| i * 2).collect();
        let thirds: Vec<u32> = (0..300).map(|i| i * 3).collect();
        let sixths: Vec<u32> = (0..134).map(|i| i * 6).collect();
        assert_eq!(intersect(&evens, &thirds), sixths, "bitmap path");
        assert_eq!(intersect(&thirds, &evens), sixths);
        assert_eq!(intersect(&[], &evens), Vec::<u32>::new());
        assert_eq!(
            union_all(vec![Rc::new(vec![1, 4]), Rc::new(vec![2]), Rc::new(vec![4, 9])]),
            vec![1, 2, 4, 9]
        );
        assert_eq!(union(&[1, 3, 5], &[3, 4, 5]), vec![1, 3, 4, 5]);
    }
}
