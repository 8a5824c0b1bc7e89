//! Ranked concept search over a snapshot's code: what people write in code (comments, string literals,
//! identifier parts) indexed as text in tantivy, one document per function where the symbol index knows
//! the functions and one per file for the rest, scored by BM25.
//!
//! ```text
//! Snapshot --regions (vitrine_search::regions) + identifier split--> documents --tantivy--> <data>/snapshots/<key>/ranked/
//! "~upload telemetry" --same split + stemmer--> BM25 top N --re-read each hit's lines--> snippet with ranges
//! ```
//! Each distinct word is lower-cased, filtered and stemmed once per build thread (`terms.rs`), so
//! tantivy receives finished terms. The build leaves at most [`MAX_SEGMENTS`] segments (one per
//! writer thread, merged only when the threads flushed more), which each query reads through the one
//! searcher the reader keeps; BM25's statistics are the searcher's, so the segments change no score.
//! Exact and regex search stay on the trigram index (`vitrine_search`), which knows nothing of this
//! crate. This index is a cache: `ranked.json` (written last) binds it to the snapshot's content key and
//! format; a missing, unfinished, damaged (tantivy's footer checksums are checked on open) or foreign
//! index is deleted and built again. A build writes into a sibling directory and renames it into place,
//! so an interrupted build never leaves a half index where a reader looks.
#![warn(missing_docs)]

mod build;
mod doc;
mod error;
pub mod extract;
mod snippet;
pub mod split;
pub mod terms;
mod wordtable;

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions, Value};
use tantivy::{Index, IndexReader, ReloadPolicy, TantivyDocument, Term};
use vitrine_snapshot::Snapshot;
use vitrine_snapshot::progress::Progress;

use crate::snippet::{Wanted, best_line};

pub use crate::build::build;
#[cfg(test)]
use crate::build::{build_with, merge_groups, without_extension};
pub use crate::error::RankError;
pub use crate::extract::{DocText, FunctionSpan};
pub use crate::terms::Normalizer;
pub use vitrine_search::Opened;

/// Bumped whenever the documents or the analyzer change: an index of another format is rebuilt (4: the
/// regions of Java, JavaScript, Rust and C# files are read with their own literal and comment rules;
/// 5: a Go file's cgo preamble is code, not comment; 6: Rust's and Python's comments and literals are
/// read by `lexis`'s rules: lifetimes, raw C strings and literal suffixes, `#` anywhere in Python).
pub const FORMAT: u32 = 6;
/// Files larger than this are left out (generated register tables, not prose).
pub const MAX_FILE_BYTES: u64 = 4 << 20;
/// The most segments a build leaves. A query reads each; more are merged, in at most this many merges
/// at once.
pub const MAX_SEGMENTS: usize = 2;
const ANALYZER: &str = "vitrine_code";

/// Functions per snapshot path (as the symbol index names them), each file's sorted by first line.
pub type Functions = HashMap<String, Vec<FunctionSpan>>;

/// What `ranked.json` records about a built index.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RankMeta {
    /// The on-disk format version; another version is rebuilt.
    pub format: u32,
    /// The snapshot's content key (hex), which binds the index to exactly one snapshot.
    pub content_key: vitrine_snapshot::Sha256Id,
    /// Whether functions were known (from the symbol index) when it was built.
    pub per_function: bool,
    /// Files read into documents.
    pub files: u64,
    /// Documents in the index (checked against tantivy's count on open).
    pub documents: u64,
    /// How long the build took, in milliseconds.
    pub build_ms: u64,
}

#[derive(Debug, Clone, Copy)]
struct Fields {
    file: Field,
    function: Field,
    start: Field,
    end: Field,
    comments: Field,
    strings: Field,
    identifiers: Field,
    path_words: Field,
}

impl Fields {
    fn schema() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let fields = Fields {
            // Read back from each hit, never searched: no posting list (a token per document).
            file: b.add_u64_field("file", STORED),
            function: b.add_text_field("function", STORED),
            start: b.add_u64_field("start", STORED),
            end: b.add_u64_field("end", STORED),
            comments: b.add_text_field("comments", text.clone()),
            strings: b.add_text_field("strings", text.clone()),
            identifiers: b.add_text_field("identifiers", text.clone()),
            path_words: b.add_text_field("path_words", text),
        };
        (b.build(), fields)
    }

    fn of(schema: &Schema) -> Option<Fields> {
        let f = |name: &str| schema.get_field(name).ok();
        Some(Fields {
            file: f("file")?,
            function: f("function")?,
            start: f("start")?,
            end: f("end")?,
            comments: f("comments")?,
            strings: f("strings")?,
            identifiers: f("identifiers")?,
            path_words: f("path_words")?,
        })
    }

    fn text_fields(&self) -> [Field; 4] {
        [self.comments, self.strings, self.identifiers, self.path_words]
    }
}

/// An opened ranked index of one snapshot.
pub struct RankIndex {
    dir: PathBuf,
    reader: IndexReader,
    fields: Fields,
    meta: RankMeta,
    snap: Arc<Snapshot>,
}

impl std::fmt::Debug for RankIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RankIndex").field("dir", &self.dir).field("meta", &self.meta).finish()
    }
}

/// One ranked hit: a function (or the rest of a file) with the line that best shows why.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RankedHit {
    /// The file's index in the snapshot's manifest (`Snapshot::files`): its exact path bytes, to open it.
    #[serde(skip)]
    pub file: usize,
    /// The path, for display (invalid UTF-8 shown lossily, as exact search does).
    pub path: String,
    /// The enclosing function, `None` for text outside every known function.
    pub function: Option<String>,
    /// First line of the document (1-based).
    pub start_line: u64,
    /// Last line of the document (1-based, inclusive).
    pub end_line: u64,
    /// BM25 score (higher is more relevant).
    pub score: f32,
    /// The line holding the most query words, with their byte ranges; `None` when the file cannot
    /// be read now or changed size since indexing.
    pub snippet: Option<Snippet>,
}

/// What one text field of the index holds.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldStats {
    /// The field's name in the schema.
    pub name: String,
    /// Tokens indexed (the sum of the documents' lengths).
    pub tokens: u64,
    /// Distinct terms (summed over segments: a term in two segments counts twice).
    pub terms: u64,
    /// (term, document) pairs: the postings the build wrote.
    pub postings: u64,
    /// The terms in the most documents, with their document counts, most first.
    pub most_frequent: Vec<(String, u64)>,
}

/// Terms [`FieldStats::most_frequent`] lists.
const STATS_TERMS: usize = 40;

/// One line of a hit with the query's words marked.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Snippet {
    /// 1-based.
    pub line: u64,
    /// The line without its terminator (invalid UTF-8 shown lossily).
    pub text: String,
    /// Byte ranges of the query's words within `text` (0-based, end exclusive).
    pub ranges: Vec<(usize, usize)>,
}

/// Opens the ranked index of `snap` under `dir`, building it when missing and rebuilding it when the
/// one there cannot be used (damaged, unfinished, another format or snapshot, or built without
/// functions when `functions` are now known).
pub fn open_or_build(
    snap: &Arc<Snapshot>,
    dir: &Path,
    functions: Option<&Functions>,
    progress: &Progress,
) -> Result<(RankIndex, Opened), RankError> {
    open_or_build_lazy(snap, dir, || functions, progress)
}

/// [`open_or_build`] with the functions loaded only when they decide or make a build: an index built
/// per function is reused without loading them (for Linux, the symbol index's 700,000 function names
/// and spans: seconds and hundreds of MB that a reopened window would spend for nothing).
pub fn open_or_build_lazy<F: std::borrow::Borrow<Functions>>(
    snap: &Arc<Snapshot>,
    dir: &Path,
    load_functions: impl FnOnce() -> Option<F>,
    progress: &Progress,
) -> Result<(RankIndex, Opened), RankError> {
    if !snap.has_content() {
        return Err(RankError::NoContent);
    }
    let (functions, reason) = match RankIndex::open(dir, snap.clone()) {
        Ok(index) if index.meta.per_function => return Ok((index, Opened::Reused)),
        Ok(index) => match load_functions() {
            None => return Ok((index, Opened::Reused)),
            Some(f) => (Some(f), Some("the symbol index now knows the functions".to_owned())),
        },
        Err(RankError::Io { source, .. })
            if source.kind() == std::io::ErrorKind::NotFound && !dir.exists() =>
        {
            (load_functions(), None)
        }
        Err(e) => (load_functions(), Some(error_chain(&e))),
    };
    build(snap, dir, functions.as_ref().map(std::borrow::Borrow::borrow), progress)?;
    drop(functions);
    let index = RankIndex::open(dir, snap.clone())?;
    Ok((
        index,
        match reason {
            None => Opened::Built,
            Some(reason) => Opened::Rebuilt { reason },
        },
    ))
}

impl RankIndex {
    /// Opens a built index and checks it belongs to `snap`, is of this format and is undamaged.
    pub fn open(dir: &Path, snap: Arc<Snapshot>) -> Result<RankIndex, RankError> {
        let meta_path = dir.join("ranked.json");
        let text = fs::read(&meta_path).map_err(RankError::io("read", &meta_path))?;
        let meta: RankMeta =
            serde_json::from_slice(&text).map_err(|e| RankError::damaged(&meta_path, e.to_string()))?;
        if meta.format != FORMAT {
            return Err(RankError::damaged(
                dir,
                format!("format {} (this build reads {FORMAT})", meta.format),
            ));
        }
        if meta.content_key != *snap.content_key() {
            return Err(RankError::damaged(dir, "it was built for another snapshot"));
        }
        let index = Index::open_in_dir(dir).map_err(RankError::index(dir))?;
        let fields =
            Fields::of(&index.schema()).ok_or_else(|| RankError::damaged(dir, "unexpected schema"))?;
        index.tokenizers().register(ANALYZER, terms::index_tokenizer());
        let bad = index.validate_checksum().map_err(RankError::index(dir))?;
        if !bad.is_empty() {
            return Err(RankError::damaged(dir, format!("{} files fail their checksum", bad.len())));
        }
        let reader: IndexReader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(RankError::index(dir))?;
        let searcher = reader.searcher();
        let docs = searcher.num_docs();
        if docs != meta.documents {
            return Err(RankError::damaged(
                dir,
                format!("{docs} documents, ranked.json says {}", meta.documents),
            ));
        }
        Ok(RankIndex { dir: dir.to_path_buf(), reader, fields, meta, snap })
    }

    /// What `ranked.json` records about this index.
    pub fn meta(&self) -> &RankMeta {
        &self.meta
    }

    /// The index directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The segments a query reads (a build leaves at most [`MAX_SEGMENTS`]).
    pub fn segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// Per text field: its name, the tokens indexed and the distinct terms, summed over segments (what
    /// a build spent its indexing on; `rank_eval` prints it).
    pub fn field_stats(&self) -> Result<Vec<FieldStats>, RankError> {
        let searcher = self.reader.searcher();
        let schema = searcher.schema();
        let mut out = Vec::new();
        for field in self.fields.text_fields() {
            let mut stats = FieldStats {
                name: schema.get_field_name(field).to_owned(),
                tokens: 0,
                terms: 0,
                postings: 0,
                most_frequent: Vec::new(),
            };
            let mut by_docs: HashMap<String, u64> = HashMap::new();
            for segment in searcher.segment_readers() {
                let inverted = segment.inverted_index(field).map_err(RankError::index(&self.dir))?;
                stats.tokens += inverted.total_num_tokens();
                stats.terms += inverted.terms().num_terms() as u64;
                let mut stream = inverted.terms().stream().map_err(RankError::io("read", &self.dir))?;
                while stream.advance() {
                    let docs = u64::from(stream.value().doc_freq);
                    stats.postings += docs;
                    *by_docs.entry(String::from_utf8_lossy(stream.key()).into_owned()).or_default() += docs;
                }
            }
            let mut by_docs: Vec<(String, u64)> = by_docs.into_iter().collect();
            by_docs.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            by_docs.truncate(STATS_TERMS);
            stats.most_frequent = by_docs;
            out.push(stats);
        }
        Ok(out)
    }

    /// The query's terms as the index holds them (identifier parts, lower-cased, stemmed), unique, in
    /// the order written.
    pub fn terms(query: &str) -> Vec<String> {
        Normalizer::default().terms(query)
    }

    /// The `limit` most relevant documents for `query` (free text; identifiers in it are split as in
    /// the code), best first, each with a snippet.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<RankedHit>, RankError> {
        let terms = RankIndex::terms(query);
        if terms.is_empty() {
            return Err(RankError::EmptyQuery);
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for t in &terms {
            for field in self.fields.text_fields() {
                clauses.push((
                    Occur::Should,
                    Box::new(TermQuery::new(Term::from_field_text(field, t), IndexRecordOption::WithFreqs)),
                ));
            }
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let top = searcher
            .search(&query, &TopDocs::with_limit(limit.max(1)).order_by_score())
            .map_err(RankError::index(&self.dir))?;
        let wanted = Wanted::new(&terms);
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address).map_err(RankError::index(&self.dir))?;
            let u = |f: Field| doc.get_first(f).and_then(|v| v.as_u64());
            let file =
                u(self.fields.file).ok_or_else(|| RankError::damaged(&self.dir, "a document has no file"))?;
            let entry_index = usize::try_from(file).unwrap_or(usize::MAX);
            let entry = self.snap.files().get(entry_index).ok_or_else(|| {
                RankError::damaged(&self.dir, format!("file {file} is not in the snapshot"))
            })?;
            let (start_line, end_line) = (u(self.fields.start).unwrap_or(1), u(self.fields.end).unwrap_or(1));
            hits.push(RankedHit {
                file: entry_index,
                path: String::from_utf8_lossy(entry.path.as_bytes()).into_owned(),
                function: doc.get_first(self.fields.function).and_then(|v| v.as_str()).map(str::to_owned),
                start_line,
                end_line,
                score,
                snippet: None,
            });
        }
        // Each snippet re-reads its file: the hits' files are read in parallel.
        hits.par_iter_mut().for_each(|hit| {
            if let Some(entry) = self.snap.files().get(hit.file) {
                hit.snippet = self.snippet(entry, hit.start_line, hit.end_line, &wanted);
            }
        });
        Ok(hits)
    }

    /// The line of `start..=end` holding the most distinct query terms (the first such line), with the
    /// ranges of the words that are query terms; `None` when the file cannot be read back as indexed.
    fn snippet(
        &self,
        entry: &vitrine_snapshot::FileEntry,
        start: u64,
        end: u64,
        wanted: &Wanted,
    ) -> Option<Snippet> {
        let bytes = self.snap.read(entry).ok()?;
        best_line(&bytes, start, end, wanted)
    }
}

#[cfg(test)]
mod tests;

/// An error and its sources, `: `-separated, as `{e:#}` prints an anyhow chain: the reason a rebuild
/// states names the path and says what was wrong with it.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
