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
//!
//! The parts: `compile` turns a parsed query into matchers and a trigram query (`strip` keeps a
//! regex within one line), `postings` evaluates the trigram query to candidate files, `exec`
//! verifies the candidates and ranks them, and `job` runs a search on its own thread.

mod compile;
mod exec;
mod job;
mod postings;
mod strip;

use regex::bytes::Regex;
use serde::Serialize;

use crate::trigram::TriQuery;

pub use self::job::{SearchEvent, SearchHandle, search_pool, spawn_search};

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
    /// `in:` regions: only matches wholly inside one of them count (empty: anywhere).
    regions: Vec<crate::regions::Region>,
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
    /// Neither: after both; within a rank, files keep manifest (id) order.
    Other,
}

/// The matching lines of one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileHits {
    /// The file's id in the index's [`FileTable`](crate::FileTable).
    pub file: u32,
    /// The path, for display (invalid UTF-8 shown lossily).
    pub path: String,
    /// Why the file sits where it does in the result order.
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
    /// A `sym:` glob matched more names than the symbol index hands over: the answer is cut.
    pub syms_truncated: bool,
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
    /// What each `sym:` name found, in query order.
    pub syms: Vec<SymReport>,
}

/// What one `sym:` name found, so that an empty or cut answer is said rather than silent.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct SymReport {
    /// The name as written after `sym:`.
    pub written: String,
    /// Definitions found in indexed files.
    pub definitions: u64,
    /// The symbol index's limit on matching names cut the answer: more names match than were used.
    pub truncated: bool,
    /// Without definitions: close names the index knows (what a fuzzy match finds).
    pub close_names: Vec<String>,
}

/// For one `sym:` name: the files defining it and (1-based line, 0-based byte column, name length) of
/// each definition.
type SymFiles = std::collections::BTreeMap<u32, Vec<(u64, usize, usize)>>;
