//! The findings library: one tantivy index over every review in the data directory, so that "what did we
//! say about this before?" is answered across snapshots, products and versions.
//!
//! The signed review logs (`<data>/snapshots/<tree id>/review`, which also hold every imported record)
//! are the truth; the index in `<data>/library/` is only a cache. Before every query the library compares
//! each review's log files (names, sizes, modification times) with what it indexed and re-indexes only
//! the reviews that changed, so a write or an import is visible to the next query without any hook. A
//! missing, unreadable or damaged index is deleted and rebuilt from the logs.
//!
//! The body is indexed twice, once through an English and once through a Russian Snowball stemmer, and a
//! query word matches when either stemmed form matches. Reviews mix both languages within one note, so a
//! per-document language guess would stem half of such a note wrongly; two fields cost a second
//! posting list and make the choice per word instead.
#![warn(missing_docs)]

mod docs;
mod error;
mod schema;

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tantivy::collector::TopDocs;
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, Index, IndexReader, Order, ReloadPolicy, TantivyDocument, Term};
use vitrine_record::Review;
use vitrine_record::entry::is_hex64;

pub use crate::error::LibraryError;
use crate::schema::Fields;

/// Version of the index layout; a library written with another one is rebuilt.
const FORMAT: u32 = 1;
/// Memory budget of the tantivy writer.
const WRITER_BYTES: usize = 50_000_000;

/// Which documents a query returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// One hit per entry (annotation, reply, status change, …); its status is its thread's.
    #[default]
    Entries,
    /// One hit per thread: the annotation with the text of every follow-up.
    Threads,
}

/// How hits are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// By BM25 relevance when there are query words, else newest first.
    #[default]
    Relevance,
    /// Most recent entry time first.
    Newest,
    /// Earliest entry time first.
    Oldest,
    /// Most severe first.
    Severity,
}

/// A search: words (stemmed, all must match) and exact-value filters.
#[derive(Debug, Clone, Default)]
pub struct FindingsQuery {
    /// Words to find in the body (and, for a thread, its follow-ups); empty matches every document.
    pub text: String,
    /// Only hits whose thread has this status (`open`, `fixed`, …, or `retracted`).
    pub status: Option<String>,
    /// Only hits with this severity (`info` … `critical`), a follow-up taking its thread's.
    pub severity: Option<String>,
    /// Only entries of this kind (`annotation`, `reply`, `status`, …).
    pub kind: Option<String>,
    /// Only hits with this category, a follow-up taking its thread's.
    pub category: Option<String>,
    /// Only entries signed by this principal.
    pub author: Option<String>,
    /// A snapshot's SHA-256 tree id, or a prefix of it.
    pub snapshot: Option<String>,
    /// One hit per entry or one per thread.
    pub scope: Scope,
    /// Order of the hits.
    pub sort: Sort,
    /// Most hits returned; 0 is taken as 1.
    pub limit: usize,
}

/// One hit, as stored in the index. Text from the logs is returned as written: callers that print to a
/// terminal must neutralise it (see [`printable`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hit {
    /// Id of the entry (SHA-256 hex); for a thread hit, its annotation's.
    pub entry: String,
    /// Id of the thread's annotation (the entry's own id when it starts a thread or belongs to none).
    pub thread: String,
    /// SHA-256 git tree id of the snapshot the entry is about.
    pub snapshot: String,
    /// What the review is shown as (`snapshot ` and the first 12 hex digits of the tree id).
    pub label: String,
    /// Path of the target file, relative to the snapshot root, `/`-separated; a follow-up has its thread's.
    pub path: Option<String>,
    /// First line of the target range, 1-based, when the target names lines.
    pub line: Option<u64>,
    /// Kind of the entry (`annotation`, `reply`, `status`, `retract`, …); a thread hit carries its
    /// annotation's.
    pub kind: String,
    /// `finding`, `question` or `note`, a follow-up taking its thread's.
    pub class: Option<String>,
    /// `info` … `critical`, a follow-up taking its thread's.
    pub severity: Option<String>,
    /// The thread's current status, `retracted` for a retracted thread, `none` outside any thread.
    pub status: String,
    /// Free-text category, a follow-up taking its thread's.
    pub category: Option<String>,
    /// Principal that signed the entry.
    pub author: String,
    /// Role the author signed the entry in, as written in the entry.
    pub role: String,
    /// `SHA256:…` fingerprint of the signing key.
    pub fingerprint: String,
    /// Entry time as written in the log (RFC 3339 UTC, whole seconds).
    pub time: String,
    /// The body on one line (whitespace runs collapsed), cut at 160 characters with `…`.
    pub excerpt: String,
}

/// What was indexed from each review: its tree id and the fingerprint of its log files.
#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    format: u32,
    reviews: BTreeMap<String, String>,
}

/// What one synchronisation did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncReport {
    /// Whether the index was (re)built from nothing.
    pub rebuilt: bool,
    /// Reviews indexed again because their logs changed.
    pub reindexed: usize,
    /// Reviews dropped because their directory is gone.
    pub removed: usize,
    /// Reviews that could not be read (they are left out until they can), with the reason.
    pub skipped: Vec<String>,
}

/// An open findings library.
pub struct Library {
    data: PathBuf,
    dir: PathBuf,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    state: State,
}

impl std::fmt::Debug for Library {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Library").field("dir", &self.dir).finish_non_exhaustive()
    }
}

impl Library {
    /// Opens the library of the data directory `data`, building it (or rebuilding it, when it is damaged
    /// or of another format) from the review logs, and brings it up to date with them.
    pub fn open(data: &Path) -> Result<(Library, SyncReport), LibraryError> {
        let dir = data.join("library");
        fs::create_dir_all(&dir).map_err(LibraryError::io("create directory", &dir))?;
        let _lock = lock(&dir)?;
        let (mut lib, rebuilt) = match Library::open_existing(data, &dir) {
            Ok(lib) => (lib, false),
            Err(_) => (Library::create(data, &dir)?, true),
        };
        let mut report = match lib.sync_locked() {
            Ok(r) => r,
            Err(_) => {
                // Damage that only shows when writing: start again from the logs.
                lib = Library::create(data, &dir)?;
                let mut r = lib.sync_locked()?;
                r.rebuilt = true;
                r
            }
        };
        report.rebuilt |= rebuilt;
        Ok((lib, report))
    }

    fn open_existing(data: &Path, dir: &Path) -> Result<Library, LibraryError> {
        let state_path = dir.join("state.json");
        let text = fs::read(&state_path).map_err(LibraryError::io("read", &state_path))?;
        let state: State = serde_json::from_slice(&text)
            .map_err(|e| LibraryError::Damaged(format!("{}: {e}", state_path.display())))?;
        if state.format != FORMAT {
            return Err(LibraryError::Damaged(format!("{}: format {}", state_path.display(), state.format)));
        }
        let index_dir = dir.join("index");
        let index = Index::open_in_dir(&index_dir).map_err(LibraryError::index(&index_dir))?;
        let fields = Fields::of(&index.schema())
            .ok_or_else(|| LibraryError::Damaged(format!("{}: unexpected schema", index_dir.display())))?;
        schema::register_tokenizers(&index);
        // Reads every file's footer checksum: a damaged segment is found here, not in the middle of a
        // query.
        let bad = index.validate_checksum().map_err(LibraryError::index(&index_dir))?;
        if !bad.is_empty() {
            return Err(LibraryError::Damaged(format!(
                "{}: {} files fail their checksum",
                index_dir.display(),
                bad.len()
            )));
        }
        let reader = reader(&index, &index_dir)?;
        // Touch every segment once so that a damaged one is found now.
        let searcher = reader.searcher();
        searcher.search(&AllQuery, &tantivy::collector::Count).map_err(LibraryError::index(&index_dir))?;
        Ok(Library { data: data.to_path_buf(), dir: dir.to_path_buf(), index, reader, fields, state })
    }

    /// Deletes whatever is in the library directory and creates an empty index.
    fn create(data: &Path, dir: &Path) -> Result<Library, LibraryError> {
        let index_dir = dir.join("index");
        if index_dir.exists() {
            fs::remove_dir_all(&index_dir).map_err(LibraryError::io("remove", &index_dir))?;
        }
        let state_path = dir.join("state.json");
        if state_path.exists() {
            fs::remove_file(&state_path).map_err(LibraryError::io("remove", &state_path))?;
        }
        fs::create_dir_all(&index_dir).map_err(LibraryError::io("create directory", &index_dir))?;
        let (schema, fields) = schema::build()?;
        let index = Index::create_in_dir(&index_dir, schema).map_err(LibraryError::index(&index_dir))?;
        schema::register_tokenizers(&index);
        let reader = reader(&index, &index_dir)?;
        let state = State { format: FORMAT, reviews: BTreeMap::new() };
        Ok(Library { data: data.to_path_buf(), dir: dir.to_path_buf(), index, reader, fields, state })
    }

    /// Brings the index up to date with the review logs (cheap when nothing changed: one directory
    /// listing per review).
    pub fn sync(&mut self) -> Result<SyncReport, LibraryError> {
        let _lock = lock(&self.dir)?;
        match self.sync_locked() {
            Ok(r) => Ok(r),
            Err(_) => {
                *self = Library::create(&self.data, &self.dir)?;
                let mut r = self.sync_locked()?;
                r.rebuilt = true;
                Ok(r)
            }
        }
    }

    fn sync_locked(&mut self) -> Result<SyncReport, LibraryError> {
        let mut report = SyncReport::default();
        // Another process may have indexed since this one loaded the state.
        if let Ok(text) = fs::read(self.dir.join("state.json"))
            && let Ok(state) = serde_json::from_slice::<State>(&text)
            && state.format == FORMAT
        {
            self.state = state;
        }
        let current = list_reviews(&self.data)?;
        let changed: Vec<(&String, &String)> =
            current.iter().filter(|(id, fp)| self.state.reviews.get(*id) != Some(*fp)).collect();
        let removed: Vec<String> =
            self.state.reviews.keys().filter(|id| !current.contains_key(*id)).cloned().collect();
        if changed.is_empty() && removed.is_empty() {
            return Ok(report);
        }
        let index_dir = self.dir.join("index");
        let mut writer: tantivy::IndexWriter<TantivyDocument> =
            self.index.writer_with_num_threads(1, WRITER_BYTES).map_err(LibraryError::index(&index_dir))?;
        for id in &removed {
            writer.delete_term(Term::from_field_text(self.fields.snapshot, id));
            self.state.reviews.remove(id);
            report.removed += 1;
        }
        for (id, fp) in changed {
            writer.delete_term(Term::from_field_text(self.fields.snapshot, id));
            let dir = self.data.join("snapshots").join(id).join("review");
            match Review::open(&dir, id) {
                Ok(review) => {
                    for d in docs::documents(&self.fields, &review) {
                        writer.add_document(d).map_err(LibraryError::index(&index_dir))?;
                    }
                    self.state.reviews.insert(id.clone(), fp.clone());
                    report.reindexed += 1;
                }
                Err(e) => {
                    self.state.reviews.remove(id);
                    report.skipped.push(format!("{}: {e}", dir.display()));
                }
            }
        }
        writer.commit().map_err(LibraryError::index(&index_dir))?;
        writer.wait_merging_threads().map_err(LibraryError::index(&index_dir))?;
        let state_path = self.dir.join("state.json");
        let bytes = serde_json::to_vec(&self.state).map_err(|e| LibraryError::Damaged(e.to_string()))?;
        vitrine_record::store::write_atomic(&state_path, &bytes)?;
        self.reader.reload().map_err(LibraryError::index(&index_dir))?;
        Ok(report)
    }

    /// Searches the index as it is (call [`Library::sync`] first to see the latest writes).
    pub fn search(&self, q: &FindingsQuery) -> Result<Vec<Hit>, LibraryError> {
        let index_dir = self.dir.join("index");
        let f = &self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let scope = match q.scope {
            Scope::Entries => "entry",
            Scope::Threads => "thread",
        };
        clauses.push((Occur::Must, term_query(f.doc, scope)));
        let words = self.words(&q.text)?;
        let has_words = !words.is_empty();
        for alternatives in words {
            let any: Vec<(Occur, Box<dyn Query>)> =
                alternatives.into_iter().map(|(field, t)| (Occur::Should, term_query(field, &t))).collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        for (field, value) in [
            (f.status, &q.status),
            (f.severity, &q.severity),
            (f.kind, &q.kind),
            (f.category, &q.category),
            (f.author, &q.author),
        ] {
            if let Some(v) = value {
                clauses.push((Occur::Must, term_query(field, v)));
            }
        }
        if let Some(prefix) = &q.snapshot {
            let ids: Vec<(Occur, Box<dyn Query>)> = self
                .state
                .reviews
                .keys()
                .filter(|id| id.starts_with(prefix.as_str()))
                .map(|id| (Occur::Should, term_query(f.snapshot, id)))
                .collect();
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(ids))));
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let limit = TopDocs::with_limit(q.limit.max(1));
        let err = LibraryError::index(&index_dir);
        let addresses: Vec<DocAddress> = match (q.sort, has_words) {
            (Sort::Relevance, true) => searcher
                .search(&query, &limit.order_by_score())
                .map_err(err)?
                .into_iter()
                .map(|(_, a)| a)
                .collect(),
            (Sort::Relevance | Sort::Newest, _) => searcher
                .search(&query, &limit.order_by_fast_field::<tantivy::DateTime>(schema::TIME, Order::Desc))
                .map_err(err)?
                .into_iter()
                .map(|(_, a)| a)
                .collect(),
            (Sort::Oldest, _) => searcher
                .search(&query, &limit.order_by_fast_field::<tantivy::DateTime>(schema::TIME, Order::Asc))
                .map_err(err)?
                .into_iter()
                .map(|(_, a)| a)
                .collect(),
            (Sort::Severity, _) => searcher
                .search(&query, &limit.order_by_u64_field(schema::SEVERITY_RANK, Order::Desc))
                .map_err(err)?
                .into_iter()
                .map(|(_, a)| a)
                .collect(),
        };
        addresses
            .into_iter()
            .map(|a| {
                let d: TantivyDocument = searcher.doc(a).map_err(LibraryError::index(&index_dir))?;
                Ok(self.hit(&d))
            })
            .collect()
    }

    /// The query's words, each as its English and Russian stemmed terms.
    fn words(&self, text: &str) -> Result<Vec<Vec<(tantivy::schema::Field, String)>>, LibraryError> {
        let index_dir = self.dir.join("index");
        let mut split =
            tantivy::tokenizer::TextAnalyzer::from(tantivy::tokenizer::SimpleTokenizer::default());
        let mut raw = Vec::new();
        let mut stream = split.token_stream(text);
        while stream.advance() {
            raw.push(stream.token().text.clone());
        }
        let mut out = Vec::new();
        for word in raw {
            let mut alternatives = Vec::new();
            for field in [self.fields.body_en, self.fields.body_ru] {
                let mut analyzer =
                    self.index.tokenizer_for_field(field).map_err(LibraryError::index(&index_dir))?;
                let mut s = analyzer.token_stream(&word);
                while s.advance() {
                    alternatives.push((field, s.token().text.clone()));
                }
            }
            // A word every filter removed (too long) constrains nothing.
            if !alternatives.is_empty() {
                out.push(alternatives);
            }
        }
        Ok(out)
    }

    fn hit(&self, d: &TantivyDocument) -> Hit {
        let f = &self.fields;
        let text = |field| d.get_first(field).and_then(|v| v.as_str()).map(str::to_owned);
        let body = text(f.body).unwrap_or_default();
        Hit {
            entry: text(f.entry).unwrap_or_default(),
            thread: text(f.thread).unwrap_or_default(),
            snapshot: text(f.snapshot).unwrap_or_default(),
            label: text(f.label).unwrap_or_default(),
            path: text(f.path),
            line: d.get_first(f.line).and_then(|v| v.as_u64()),
            kind: text(f.kind).unwrap_or_default(),
            class: text(f.class),
            severity: text(f.severity),
            status: text(f.status).unwrap_or_default(),
            category: text(f.category),
            author: text(f.author).unwrap_or_default(),
            role: text(f.role).unwrap_or_default(),
            fingerprint: text(f.fingerprint).unwrap_or_default(),
            time: text(f.time_text).unwrap_or_default(),
            excerpt: excerpt(&body, 160),
        }
    }

    /// Number of documents (threads and entries) in the index.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Whether the index holds no document (no review, or reviews without entries).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn term_query(field: tantivy::schema::Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::WithFreqs))
}

fn reader(index: &Index, dir: &Path) -> Result<IndexReader, LibraryError> {
    index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into().map_err(LibraryError::index(dir))
}

/// Holds the library's lock file locked until dropped: one writer per library across processes.
fn lock(dir: &Path) -> Result<File, LibraryError> {
    let path = dir.join("lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(LibraryError::io("open", &path))?;
    file.lock().map_err(LibraryError::io("lock", &path))?;
    Ok(file)
}

/// Every review in the data directory, by tree id, with the fingerprint of its files.
fn list_reviews(data: &Path) -> Result<BTreeMap<String, String>, LibraryError> {
    let root = data.join("snapshots");
    let mut out = BTreeMap::new();
    let entries = match fs::read_dir(&root) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(LibraryError::io("list", &root)(e)),
    };
    for e in entries {
        let e = e.map_err(LibraryError::io("list", &root))?;
        let Some(id) = e.file_name().to_str().map(str::to_owned) else { continue };
        if !is_hex64(&id) {
            continue;
        }
        let review = e.path().join("review");
        if !review.join("log").is_dir() {
            continue;
        }
        out.insert(id, fingerprint(&review)?);
    }
    Ok(out)
}

/// Names, sizes and modification times of the files a review's content depends on.
fn fingerprint(review: &Path) -> Result<String, LibraryError> {
    let mut h = Sha256::new();
    let mut files: Vec<(String, PathBuf)> = vec![
        ("snapshot".into(), review.join("snapshot")),
        ("allowed_signers".into(), review.join("allowed_signers")),
    ];
    let log = review.join("log");
    for e in fs::read_dir(&log).map_err(LibraryError::io("list", &log))? {
        let e = e.map_err(LibraryError::io("list", &log))?;
        files.push((format!("log/{}", e.file_name().to_string_lossy()), e.path()));
    }
    files.sort();
    for (name, path) in files {
        h.update(name.as_bytes());
        h.update([0]);
        match fs::metadata(&path) {
            Ok(m) => {
                h.update(m.len().to_le_bytes());
                let t = m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
                h.update(t.map_or(0, |d| d.as_nanos()).to_le_bytes());
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => h.update(b"-"),
            Err(e) => return Err(LibraryError::io("stat", &path)(e)),
        }
    }
    Ok(hex::encode(h.finalize()))
}

/// The start of `body` on one line, at most `max` characters, cut at a character boundary.
fn excerpt(body: &str, max: usize) -> String {
    let one_line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = one_line.chars().take(max).collect();
    if one_line.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// `s` with control characters and bidirectional formatting characters replaced by U+FFFD, so text
/// from a hostile log cannot move the cursor, recolour a terminal or reorder what is shown.
pub fn printable(s: &str) -> String {
    s.chars()
        .map(|c| {
            let bidi = matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
            if c.is_control() || bidi { '\u{FFFD}' } else { c }
        })
        .collect()
}

#[cfg(test)]
mod tests;
