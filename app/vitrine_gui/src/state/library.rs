//! The Threads tab's search across reviews: its scope (this review, or every review on this
//! workstation) and its search box, answered by the findings library (`vitrine_library`, tantivy over
//! every review's signed log in the data directory) on a thread of its own, with the tab's severity
//! and status filters as facets. A hit from another snapshot opens read-only: its thread is read from
//! that review's own log (verified as every log is), and shown with the snapshot it is about.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crossbeam_channel::{Receiver, TryRecvError};
use vitrine_library::{FindingsQuery, Hit, Library, Scope, Sort};

/// Most hits shown for one search.
pub const LIBRARY_LIMIT: usize = 500;

/// Which reviews the Threads tab lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ThreadScope {
    /// The open snapshot's review.
    #[default]
    ThisReview,
    /// Every review in the data directory (every snapshot, every imported record).
    AllReviews,
}

/// One entry of a thread from another review, as written in its log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignEntry {
    /// The entry's kind (annotation, reply, status…).
    pub kind: String,
    /// The signer's principal.
    pub author: String,
    /// The signer's role.
    pub role: String,
    /// When it was signed, as written in the entry.
    pub time: String,
    /// What it says.
    pub body: String,
}

/// A thread of another snapshot's review, shown read-only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignThread {
    /// The snapshot's SHA-256 tree id and the label the library shows for it.
    pub snapshot: String,
    /// The product and version label the library shows for that snapshot.
    pub label: String,
    /// The file the thread is about, if any.
    pub path: Option<String>,
    /// Its first line (1-based), if any.
    pub line: Option<u64>,
    /// The thread's current status.
    pub status: String,
    /// The annotation's severity, if it has one.
    pub severity: Option<String>,
    /// The annotation first, then its follow-ups in log order.
    pub entries: Vec<ForeignEntry>,
}

/// The library's side of the Threads tab.
#[derive(Debug, Default)]
pub struct LibrarySearch {
    /// This review only, or every review on the workstation.
    pub scope: ThreadScope,
    /// The search box: words, stemmed in English and Russian (empty: every thread of the scope).
    pub text: String,
    /// The library's answer to the query.
    pub hits: Vec<Hit>,
    /// Why the query could not run.
    pub error: Option<String>,
    /// The highlighted hit.
    pub selected: usize,
    /// Whether `hits` answer the current query (false while it runs).
    pub answered: bool,
    /// The thread of another review being read, or why it could not be read.
    pub foreign: Option<Result<ForeignThread, String>>,
    /// Opened once, kept for the next queries (each brings it up to date with the logs first).
    library: Arc<Mutex<Option<Library>>>,
    running: Option<Receiver<Result<Vec<Hit>, String>>>,
    reading: Option<Receiver<Result<ForeignThread, String>>>,
}

impl LibrarySearch {
    /// Whether the tab lists the library's hits rather than the review's own rows: all reviews, or
    /// words to search.
    pub fn active(&self) -> bool {
        self.scope == ThreadScope::AllReviews || !self.text.trim().is_empty()
    }

    /// Whether a query or a foreign thread's read is in flight.
    pub fn is_running(&self) -> bool {
        self.running.is_some() || self.reading.is_some()
    }

    /// Runs the search (when active) in the background; `snapshot` is the open review's tree id, the
    /// scope of "this review".
    pub fn run(
        &mut self,
        data: PathBuf,
        snapshot: Option<&str>,
        status: Option<String>,
        severity: Option<String>,
    ) {
        self.running = None;
        self.error = None;
        self.answered = false;
        if !self.active() {
            self.hits.clear();
            return;
        }
        let text = self.text.trim().to_owned();
        let query = FindingsQuery {
            sort: if text.is_empty() { Sort::Newest } else { Sort::Relevance },
            text,
            status,
            severity,
            snapshot: match self.scope {
                ThreadScope::ThisReview => snapshot.map(str::to_owned),
                ThreadScope::AllReviews => None,
            },
            scope: Scope::Threads,
            limit: LIBRARY_LIMIT,
            ..FindingsQuery::default()
        };
        let library = self.library.clone();
        let (tx, rx) = crossbeam_channel::bounded(1);
        let spawned = std::thread::Builder::new().name("library".into()).spawn(move || {
            let _ = tx.send(search(&library, &data, &query));
        });
        match spawned {
            Ok(_) => self.running = Some(rx),
            Err(e) => self.error = Some(format!("cannot start the library search: {e}")),
        }
    }

    /// Reads a hit's thread from its own review's log, in the background.
    pub fn read_foreign(&mut self, data: PathBuf, hit: &Hit) {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let hit = hit.clone();
        let spawned = std::thread::Builder::new().name("library-thread".into()).spawn(move || {
            let _ = tx.send(read_thread(&data, &hit));
        });
        match spawned {
            Ok(_) => {
                self.foreign = None;
                self.reading = Some(rx);
            }
            Err(e) => self.foreign = Some(Err(format!("cannot start reading the thread: {e}"))),
        }
    }

    /// Takes what the background threads produced. Returns true if anything changed.
    pub fn poll(&mut self) -> bool {
        let mut changed = false;
        if let Some(rx) = &self.running {
            match rx.try_recv() {
                Ok(r) => {
                    self.take(r);
                    changed = true;
                }
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => {
                    self.take(Err("the library search stopped".into()));
                    changed = true;
                }
            }
        }
        if let Some(rx) = &self.reading {
            match rx.try_recv() {
                Ok(r) => {
                    self.reading = None;
                    self.foreign = Some(r);
                    changed = true;
                }
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => {
                    self.reading = None;
                    self.foreign = Some(Err("reading the thread stopped".into()));
                    changed = true;
                }
            }
        }
        changed
    }

    /// Blocks until the search and the thread being read are done (tests).
    pub fn wait(&mut self) {
        if let Some(rx) = self.running.take() {
            self.take(rx.recv().unwrap_or_else(|_| Err("the library search stopped".into())));
        }
        if let Some(rx) = self.reading.take() {
            self.foreign = Some(rx.recv().unwrap_or_else(|_| Err("reading the thread stopped".into())));
        }
    }

    fn take(&mut self, r: Result<Vec<Hit>, String>) {
        self.running = None;
        self.answered = true;
        match r {
            Ok(hits) => self.hits = hits,
            Err(e) => {
                self.hits.clear();
                self.error = Some(e);
            }
        }
        self.selected = self.selected.min(self.hits.len().saturating_sub(1));
    }
}

/// Opens the library once (building it from the logs when missing or damaged), brings it up to date,
/// and searches.
fn search(
    library: &Mutex<Option<Library>>,
    data: &std::path::Path,
    q: &FindingsQuery,
) -> Result<Vec<Hit>, String> {
    let mut slot = library.lock().map_err(|_| "the library is unusable after a failed search".to_owned())?;
    let lib = match slot.take() {
        Some(mut lib) => {
            lib.sync().map_err(|e| e.to_string())?;
            lib
        }
        None => Library::open(data).map_err(|e| e.to_string())?.0,
    };
    let hits = lib.search(q).map_err(|e| e.to_string());
    *slot = Some(lib);
    hits
}

/// The thread `hit` belongs to, read from its review's log (verified on open).
fn read_thread(data: &std::path::Path, hit: &Hit) -> Result<ForeignThread, String> {
    let Ok(tree) = hit.snapshot.parse::<vitrine_snapshot::Sha256Id>() else {
        return Err(format!("the library names a snapshot that is not a tree id: {}", hit.snapshot));
    };
    let dir = vitrine_snapshot::store::DataDir::at(data).review_dir(&tree);
    let review = vitrine_record::Review::open(&dir, &hit.snapshot)
        .map_err(|e| format!("cannot read the review of snapshot {}: {e}", hit.snapshot))?;
    let all = vitrine_record::thread::threads(review.entries());
    let t = all.iter().find(|t| t.root.id == hit.thread).ok_or_else(|| {
        format!("thread {} is no longer in the review of snapshot {}", hit.thread, hit.snapshot)
    })?;
    let entry = |v: &vitrine_record::Verified| ForeignEntry {
        kind: v.entry.kind.as_str().to_owned(),
        author: v.entry.author.principal.clone(),
        role: v.entry.role.clone(),
        time: v.entry.time.clone(),
        body: v.entry.body.clone().unwrap_or_default(),
    };
    let root = &t.root.entry;
    Ok(ForeignThread {
        snapshot: hit.snapshot.clone(),
        label: hit.label.clone(),
        path: root.target.as_ref().map(|t| t.shown()),
        line: root.target.as_ref().and_then(|t| t.lines.map(|[a, _]| a)),
        status: if t.retracted { "retracted".to_owned() } else { t.status.as_str().to_owned() },
        severity: root.severity.map(|s| s.as_str().to_owned()),
        entries: std::iter::once(t.root).chain(t.follow_ups.iter().copied()).map(entry).collect(),
    })
}
