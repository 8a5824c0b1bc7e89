//! The search panel's state: the index (opened or built in the background after a snapshot loads), the
//! query being typed, and its results streaming in from a cancellable background search. While the
//! index is built, a query is answered by a scan of every file ([`Index::scan`]), whose results stream
//! in the same way and which the panel names as a scan; the query runs again on the index once it is
//! ready. A query starting with `~`, or any query with the Ranked toggle on, is a ranked query,
//! answered by [`RankedState`] instead.

use std::sync::Arc;

use crate::state::errors::error_chain;
use crossbeam_channel::{Receiver, TryRecvError};
use vitrine_search::{FileHits, Index, Query, SearchEvent, SearchHandle, SearchOptions, Summary};
use vitrine_snapshot::Snapshot;
use vitrine_snapshot::progress::Progress;
use vitrine_snapshot::store::DataDir;

use crate::state::ranked::RankedState;

/// Lines of results kept for one query; past this the search stops and says so.
pub(crate) const MAX_RESULT_LINES: u64 = 20_000;
/// Result files taken from the channel per frame, so a flood of hits never stalls a frame.
const DRAIN_PER_POLL: usize = 256;

/// The search index of the open snapshot.
#[derive(Debug, Default)]
pub enum IndexState {
    /// No snapshot open, so no index.
    #[default]
    None,
    /// The index is being opened or built on a background thread (queries are answered by a scan).
    Building {
        /// The build's progress: shown in the panel, cancelled when the window closes or another snapshot opens.
        progress: Arc<Progress>,
        /// Where the build thread sends the index, or why it failed.
        result: Receiver<Result<Index, String>>,
    },
    /// The index answers queries.
    Ready(Arc<Index>),
    /// The index could not be built: why (queries keep being answered by a scan).
    Failed(String),
}

/// One row of the flattened result list: a file header or one of its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// The header of the file at this index of [`SearchState::files`].
    File(usize),
    /// A matching line: the file's index in [`SearchState::files`], then the line's index in its hits.
    Line(usize, usize),
}

/// The search panel: the index, the query and its results.
#[derive(Debug, Default)]
pub struct SearchState {
    /// The snapshot's search index, built or opened in the background.
    pub index: IndexState,
    pub(crate) query: String,
    /// Why the query could not run (a parse error names the offending character).
    pub error: Option<String>,
    /// The files with hits received so far, in the order they arrived.
    pub files: Vec<FileHits>,
    /// The result list as drawn: each file's header followed by its matching lines.
    pub rows: Vec<Row>,
    /// Highlighted row (keyboard navigation).
    pub(crate) selected: usize,
    /// The finished search's totals (`None` while it runs).
    pub summary: Option<Summary>,
    pub(crate) lines_so_far: u64,
    /// Files the running query will read (from its plan), and files it has reported so far.
    pub(crate) planned_files: Option<u64>,
    /// The index build's progress as shown: phase named, never going back.
    pub(crate) meter: crate::state::meter::Meter,
    /// Whether the shown results come from a scan (the index is still being built).
    pub scanning: bool,
    running: Option<SearchHandle>,
    /// The index that answered the shown results (the scan or the built index): result rows name
    /// files by its ids.
    source: Option<Arc<Index>>,
    /// Answers queries while the index is built; dropped once it is ready.
    scan: Option<Arc<Index>>,
    /// The Ranked toggle: every query is a ranked one (as if it started with `~`).
    pub ranked_mode: bool,
    /// The ranked index and the answer to a ranked query.
    pub ranked: RankedState,
}

impl SearchState {
    /// Opens or builds the snapshot's search index on a background thread. The receiver returned is
    /// disconnected as soon as the build has read every file and placed the posting lists (writing
    /// them, short and sequential, is left), or when that thread ends, whatever the outcome: the next
    /// build may start then and share the cores with that last step.
    pub(crate) fn start_index(
        &mut self,
        snapshot: Arc<Snapshot>,
        data: &DataDir,
        definitions: Arc<dyn vitrine_search::DefinitionSource>,
    ) -> crossbeam_channel::Receiver<()> {
        let progress = Arc::new(Progress::default());
        let (tx, rx) = crossbeam_channel::bounded(1);
        let (read_all, read_all_rx) = crossbeam_channel::bounded::<()>(0);
        let dir = data.snapshot_dir(snapshot.content_key()).join("index");
        let mut scan = Index::scan(snapshot.clone());
        scan.set_definitions(definitions.clone());
        self.scan = Some(Arc::new(scan));
        let p = progress.clone();
        let spawned = std::thread::Builder::new().name("index".into()).spawn(move || {
            let r = crate::state::background::run(|| {
                vitrine_search::open_or_build_then(&snapshot, &dir, &p, move || drop(read_all))
            })
            .map(|(mut index, _)| {
                index.set_definitions(definitions);
                index
            })
            .map_err(|e| error_chain(&e));
            let _ = tx.send(r);
        });
        self.index = match spawned {
            Ok(_) => IndexState::Building { progress, result: rx },
            Err(e) => IndexState::Failed(format!("cannot start the index thread: {e}")),
        };
        read_all_rx
    }

    /// Blocks until the index is ready or failed (tests).
    pub fn wait_index(&mut self) {
        if let IndexState::Building { result, .. } = &self.index {
            self.index = match result.recv() {
                Ok(Ok(i)) => IndexState::Ready(Arc::new(i)),
                Ok(Err(e)) => IndexState::Failed(e),
                Err(_) => IndexState::Failed("the index thread stopped".into()),
            };
            self.restart();
        }
    }

    /// Cancels a build in progress (the window is closing or another snapshot is opening).
    pub(crate) fn cancel(&mut self) {
        if let IndexState::Building { progress, .. } = &self.index {
            progress.cancel();
        }
        self.running = None;
        self.ranked.cancel();
    }

    /// Applies a search command; returns a place to open (a result row's file and 0-based line).
    pub(crate) fn apply(&mut self, cmd: crate::state::SearchCmd) -> Option<(Vec<u8>, usize)> {
        use crate::state::SearchCmd;
        match cmd {
            SearchCmd::SetQuery(q) => self.set_query(q),
            SearchCmd::SetRanked(on) => {
                self.ranked_mode = on;
                self.restart();
            }
            SearchCmd::Move(delta) => {
                let rows = if self.is_ranked() { self.ranked.hits.len() } else { self.rows.len() };
                let last = rows.saturating_sub(1);
                self.selected = self.selected.saturating_add_signed(delta).min(last);
            }
            SearchCmd::Open(row) if self.is_ranked() => {
                self.selected = row;
                return self.ranked.target(row);
            }
            SearchCmd::Open(row) => {
                let index = self.source.clone()?;
                self.selected = row;
                return self.target(row, &index);
            }
        }
        None
    }

    /// Sets the query: the previous search is cancelled and a new one starts (when the index is ready).
    pub(crate) fn set_query(&mut self, query: String) {
        self.query = query;
        self.restart();
    }

    /// The words of the ranked query, when the query is one (`~words`, or anything with the toggle on).
    pub fn ranked_words(&self) -> Option<&str> {
        let q = self.query.trim_start();
        match q.strip_prefix('~') {
            Some(words) => Some(words),
            None => self.ranked_mode.then_some(q),
        }
    }

    /// Whether the panel shows ranked hits.
    pub fn is_ranked(&self) -> bool {
        self.ranked_words().is_some()
    }

    /// Cancels the running query (dropping its handle) and starts the current one on the index, or on
    /// the scan while the index is built; a ranked query goes to the ranked index.
    fn restart(&mut self) {
        self.running = None;
        self.files.clear();
        self.rows.clear();
        self.selected = 0;
        self.summary = None;
        self.error = None;
        self.lines_so_far = 0;
        self.planned_files = None;
        self.source = None;
        self.scanning = false;
        if matches!(self.index, IndexState::Ready(_)) {
            self.scan = None;
        }
        if let Some(words) = self.ranked_words() {
            let words = words.to_owned();
            self.ranked.set_query(&words);
            return;
        }
        self.ranked.clear();
        if self.query.trim().is_empty() {
            return;
        }
        let index = match (&self.index, &self.scan) {
            (IndexState::Ready(index), _) => index.clone(),
            // A failed build leaves the scan: slower, never wrong.
            (IndexState::Building { .. } | IndexState::Failed(_), Some(scan)) => scan.clone(),
            _ => return,
        };
        match Query::new(&self.query) {
            Ok(q) => {
                let opts = SearchOptions { with_text: true, stop_after_lines: Some(MAX_RESULT_LINES) };
                self.scanning = index.is_scan();
                self.running = Some(vitrine_search::spawn_search(index.clone(), q, opts));
                self.source = Some(index);
            }
            Err(e) => self.error = Some(error_chain(&e)),
        }
    }

    /// Files searches leave out (binary, too large, links), from whichever index answers.
    pub(crate) fn files_not_searched(&self) -> u64 {
        match (&self.index, &self.source, &self.scan) {
            (IndexState::Ready(i), _, _) => i.meta().files_not_searched(),
            (_, Some(i), _) | (_, None, Some(i)) => i.meta().files_not_searched(),
            _ => 0,
        }
    }

    pub(crate) fn is_running(&self) -> bool {
        self.running.is_some() || matches!(self.index, IndexState::Building { .. })
    }

    /// Takes what the background threads have produced. Returns true if anything changed.
    pub(crate) fn poll(&mut self) -> bool {
        let mut changed = self.ranked.poll();
        if let IndexState::Building { result, progress } = &self.index {
            self.meter.update(&progress.view());
            match result.try_recv() {
                Ok(r) => {
                    self.index = match r {
                        Ok(i) => IndexState::Ready(Arc::new(i)),
                        Err(e) => IndexState::Failed(e),
                    };
                    self.restart();
                    changed = true;
                }
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => {
                    self.index = IndexState::Failed("the index thread stopped".into());
                    changed = true;
                }
            }
        }
        for _ in 0..DRAIN_PER_POLL {
            let Some(run) = &self.running else { break };
            match run.events().try_recv() {
                Ok(ev) => {
                    self.take(ev);
                    changed = true;
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.running = None;
                    changed = true;
                }
            }
        }
        changed
    }

    /// Runs the current query to the end (tests).
    pub fn wait_results(&mut self) {
        while let Some(run) = &self.running {
            match run.events().recv() {
                Ok(ev) => self.take(ev),
                Err(_) => self.running = None,
            }
        }
    }

    fn take(&mut self, ev: SearchEvent) {
        match ev {
            SearchEvent::Hits(h) => {
                let fi = self.files.len();
                self.rows.push(Row::File(fi));
                self.rows.extend((0..h.lines.len()).map(|li| Row::Line(fi, li)));
                self.lines_so_far += h.line_count;
                self.files.push(h);
            }
            SearchEvent::Plan(p) => self.planned_files = Some(p.candidates),
            SearchEvent::Done(r) => {
                match r {
                    Ok(s) => self.summary = Some(s),
                    Err(e) => self.error = Some(error_chain(&e)),
                }
                self.running = None;
            }
        }
    }

    /// The file path bytes and 0-based line of a row (a file row points at its first match).
    pub(crate) fn target(&self, row: usize, index: &Index) -> Option<(Vec<u8>, usize)> {
        let (fi, li) = match self.rows.get(row)? {
            Row::File(f) => (*f, 0),
            Row::Line(f, l) => (*f, *l),
        };
        let hits = self.files.get(fi)?;
        let line = hits.lines.get(li).map_or(0, |l| l.line.saturating_sub(1) as usize);
        // The window opens directories (their manifest decoded): no record is read here.
        Some((index.files().path(hits.file).ok()?.to_vec(), line))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::state::symbols::{SymIndexState, SymbolState};

    /// Long enough for any healthy run on a loaded machine; only a search stuck behind held workers
    /// reaches it.
    const LIMIT: Duration = Duration::from_secs(60);

    /// Holds every worker of rayon's global pool and of the window's build pool, as a long index build
    /// does, until dropped (also when a test fails, so that other tests are not stuck).
    struct Gate {
        release: Option<crossbeam_channel::Sender<()>>,
    }

    impl Gate {
        fn hold_every_build_worker() -> Gate {
            let (release, held) = crossbeam_channel::unbounded::<()>();
            let (started, workers) = crossbeam_channel::unbounded::<()>();
            let hold = move |_: rayon::BroadcastContext<'_>| {
                let _ = started.send(());
                let _ = held.recv();
            };
            let mut expected = rayon::current_num_threads();
            rayon::spawn_broadcast(hold.clone());
            let pool = crate::state::background::pool().expect("the build pool starts");
            expected += pool.current_num_threads();
            pool.spawn_broadcast(hold);
            for _ in 0..expected {
                workers.recv_timeout(LIMIT).expect("every worker is held");
            }
            Gate { release: Some(release) }
        }
    }

    /// Whether the calling test is to run its body here: only in a process of its own. A gate needs
    /// every worker of the shared pools, which other tests of this binary use at the same time (a
    /// worker busy with another test's job, itself waiting for a job queued behind the gate, held the
    /// gate past its limit in full runs).
    fn alone(name: &str) -> bool {
        crate::state::alone::alone(module_path!(), name)
    }

    impl Drop for Gate {
        fn drop(&mut self) {
            self.release = None;
        }
    }

    impl SearchState {
        /// Takes the running query's events until it is done; false if it is not done within `limit`.
        fn finish_within(&mut self, limit: Duration) -> bool {
            while let Some(run) = &self.running {
                match run.events().recv_timeout(limit) {
                    Ok(ev) => self.take(ev),
                    Err(crossbeam_channel::RecvTimeoutError::Disconnected) => self.running = None,
                    Err(crossbeam_channel::RecvTimeoutError::Timeout) => return false,
                }
            }
            true
        }
    }

    /// 40 files, `needle` on one line of every fourth; a function `alpha` in each.
    fn snapshot(dir: &std::path::Path) -> Arc<Snapshot> {
        let snap = dir.join("snap");
        std::fs::create_dir_all(&snap).unwrap();
        for i in 0..40 {
            let needle = if i % 4 == 0 { "/* needle */\n" } else { "" };
            std::fs::write(
                snap.join(format!("f{i:02}.c")),
                format!("int alpha{i}(void) {{ return {i}; }}\n{needle}"),
            )
            .unwrap();
        }
        Arc::new(Snapshot::open(&snap, &Default::default(), &Progress::default()).unwrap())
    }

    #[test]
    fn a_search_answers_while_every_build_worker_is_busy() {
        if !alone("a_search_answers_while_every_build_worker_is_busy") {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let snapshot = snapshot(dir.path());
        let data = DataDir::at(dir.path().join("data"));
        let mut symbols = SymbolState::default();
        let mut search = SearchState::default();
        search.start_index(snapshot.clone(), &data, symbols.definitions.clone());
        search.wait_index();
        assert!(matches!(search.index, IndexState::Ready(_)));

        let gate = Gate::hold_every_build_worker();
        symbols.start_index(snapshot, &data, None);
        search.set_query("needle".into());
        assert!(search.finish_within(LIMIT), "the search queued behind the symbol build");
        assert_eq!(search.summary.as_ref().map(|s| (s.lines, s.files)), Some((10, 10)));
        assert!(!search.scanning);
        // The build could not move meanwhile: the answer did not wait for it.
        let SymIndexState::Building { result, .. } = &symbols.index else { panic!("{:?}", symbols.index) };
        assert!(result.try_recv().is_err());

        drop(gate);
        symbols.wait_index();
        assert!(symbols.ready().is_some());
    }

    #[test]
    fn while_the_index_builds_a_query_is_answered_by_a_scan_then_by_the_index() {
        if !alone("while_the_index_builds_a_query_is_answered_by_a_scan_then_by_the_index") {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let snapshot = snapshot(dir.path());
        let data = DataDir::at(dir.path().join("data"));
        let mut search = SearchState::default();
        let gate = Gate::hold_every_build_worker();
        search.start_index(snapshot, &data, Arc::new(crate::state::symbols::LateDefinitions::default()));

        search.set_query("needle".into());
        assert!(search.scanning, "the query runs on the scan");
        assert!(search.finish_within(LIMIT), "the scan waited for the index");
        assert!(matches!(search.index, IndexState::Building { .. }), "the index cannot be ready yet");
        assert_eq!(search.summary.as_ref().map(|s| (s.lines, s.files)), Some((10, 10)));
        assert_eq!(search.planned_files, Some(40));
        let path = |s: &SearchState, row| {
            let index = s.source.clone().unwrap();
            s.target(row, &index).map(|(p, l)| (String::from_utf8(p).unwrap(), l))
        };
        assert_eq!(path(&search, 0), Some(("f00.c".to_owned(), 1)));

        drop(gate);
        search.wait_index();
        assert!(matches!(search.index, IndexState::Ready(_)));
        assert!(!search.scanning, "once ready, the query runs again on the index");
        assert!(search.finish_within(LIMIT));
        assert_eq!(search.summary.as_ref().map(|s| (s.lines, s.files)), Some((10, 10)));
        assert_eq!(search.planned_files, Some(10), "the index narrows the files read");
        assert_eq!(path(&search, 0), Some(("f00.c".to_owned(), 1)));
        assert!(search.scan.is_none(), "the scan is dropped once the index answers");
    }

    #[test]
    fn a_superseded_query_is_cancelled() {
        let dir = tempfile::tempdir().unwrap();
        let snapshot = snapshot(dir.path());
        let data = DataDir::at(dir.path().join("data"));
        let mut search = SearchState::default();
        search.start_index(snapshot, &data, Arc::new(crate::state::symbols::LateDefinitions::default()));
        search.wait_index();
        search.set_query("needle".into());
        let first = search.running.as_ref().map(|r| r.events().clone()).unwrap();
        search.set_query("return".into());
        // The first query's thread sees its handle dropped: it ends (cancelled or done) and its
        // channel disconnects without anyone reading it.
        loop {
            match first.recv_timeout(LIMIT) {
                Ok(_) => {}
                Err(e) => break assert!(e.is_disconnected(), "the superseded search still runs"),
            }
        }
        assert!(search.finish_within(LIMIT));
        assert_eq!(search.summary.as_ref().map(|s| s.lines), Some(40));
    }
}
