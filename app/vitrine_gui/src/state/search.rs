//! The search panel's state: the index (opened or built in the background after a snapshot loads), the
//! query being typed, and its results streaming in from a cancellable background search.

use std::sync::Arc;

use crossbeam_channel::{Receiver, TryRecvError};
use vitrine_search::{FileHits, Index, Query, SearchEvent, SearchHandle, SearchOptions, Summary};
use vitrine_snapshot::Snapshot;
use vitrine_snapshot::progress::Progress;
use vitrine_snapshot::store::DataDir;

/// Lines of results kept for one query; past this the search stops and says so.
pub const MAX_RESULT_LINES: u64 = 20_000;
/// Result files taken from the channel per frame, so a flood of hits never stalls a frame.
const DRAIN_PER_POLL: usize = 256;

/// The search index of the open snapshot.
#[derive(Debug, Default)]
pub enum IndexState {
    #[default]
    None,
    Building {
        progress: Arc<Progress>,
        result: Receiver<Result<Index, String>>,
    },
    Ready(Arc<Index>),
    Failed(String),
}

/// One row of the flattened result list: a file header or one of its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    File(usize),
    Line(usize, usize),
}

#[derive(Debug, Default)]
pub struct SearchState {
    pub index: IndexState,
    pub query: String,
    /// Why the query could not run (a parse error names the offending character).
    pub error: Option<String>,
    pub files: Vec<FileHits>,
    pub rows: Vec<Row>,
    /// Highlighted row (keyboard navigation).
    pub selected: usize,
    pub summary: Option<Summary>,
    pub lines_so_far: u64,
    running: Option<SearchHandle>,
}

impl SearchState {
    /// Opens the snapshot's index, building it first if needed, on a background thread.
    /// Opens or builds the snapshot's search index on a background thread. The receiver returned is
    /// disconnected when that thread ends (whatever the outcome), for work that should not overlap it.
    pub fn start_index(
        &mut self,
        snapshot: Arc<Snapshot>,
        data: &DataDir,
        definitions: Arc<dyn vitrine_search::DefinitionSource>,
    ) -> crossbeam_channel::Receiver<()> {
        let progress = Arc::new(Progress::default());
        let (tx, rx) = crossbeam_channel::bounded(1);
        let (ended, ended_rx) = crossbeam_channel::bounded::<()>(0);
        let dir = data.snapshot_dir(snapshot.content_key()).join("index");
        let p = progress.clone();
        let spawned = std::thread::Builder::new().name("index".into()).spawn(move || {
            let _ended = ended;
            let r = vitrine_search::open_or_build(&snapshot, &dir, &p)
                .map(|(mut index, _)| {
                    index.set_definitions(definitions);
                    index
                })
                .map_err(|e| e.to_string());
            let _ = tx.send(r);
        });
        self.index = match spawned {
            Ok(_) => IndexState::Building { progress, result: rx },
            Err(e) => IndexState::Failed(format!("cannot start the index thread: {e}")),
        };
        ended_rx
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
    pub fn cancel(&mut self) {
        if let IndexState::Building { progress, .. } = &self.index {
            progress.cancel();
        }
        self.running = None;
    }

    /// Applies a search command; returns a place to open (a result row's file and 0-based line).
    pub(crate) fn apply(&mut self, cmd: crate::state::SearchCmd) -> Option<(Vec<u8>, usize)> {
        use crate::state::SearchCmd;
        match cmd {
            SearchCmd::SetQuery(q) => self.set_query(q),
            SearchCmd::Move(delta) => {
                let last = self.rows.len().saturating_sub(1);
                self.selected = self.selected.saturating_add_signed(delta).min(last);
            }
            SearchCmd::Open(row) => {
                let IndexState::Ready(index) = &self.index else { return None };
                self.selected = row;
                return self.target(row, index);
            }
        }
        None
    }

    /// Sets the query: the previous search is cancelled and a new one starts (when the index is ready).
    pub fn set_query(&mut self, query: String) {
        self.query = query;
        self.restart();
    }

    fn restart(&mut self) {
        self.running = None;
        self.files.clear();
        self.rows.clear();
        self.selected = 0;
        self.summary = None;
        self.error = None;
        self.lines_so_far = 0;
        if self.query.trim().is_empty() {
            return;
        }
        let IndexState::Ready(index) = &self.index else { return };
        match Query::new(&self.query) {
            Ok(q) => {
                let opts = SearchOptions { with_text: true, stop_after_lines: Some(MAX_RESULT_LINES) };
                self.running = Some(vitrine_search::spawn_search(index.clone(), q, opts));
            }
            Err(e) => self.error = Some(e.to_string()),
        }
    }

    pub fn is_running(&self) -> bool {
        self.running.is_some() || matches!(self.index, IndexState::Building { .. })
    }

    /// Takes what the background threads have produced. Returns true if anything changed.
    pub fn poll(&mut self) -> bool {
        let mut changed = false;
        if let IndexState::Building { result, .. } = &self.index {
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
            // How many files the index let through: shown by the summary at the end.
            SearchEvent::Plan(_) => {}
            SearchEvent::Done(r) => {
                match r {
                    Ok(s) => self.summary = Some(s),
                    Err(e) => self.error = Some(e.to_string()),
                }
                self.running = None;
            }
        }
    }

    /// The file path bytes and 0-based line of a row (a file row points at its first match).
    pub fn target(&self, row: usize, index: &Index) -> Option<(Vec<u8>, usize)> {
        let (fi, li) = match self.rows.get(row)? {
            Row::File(f) => (*f, 0),
            Row::Line(f, l) => (*f, *l),
        };
        let hits = self.files.get(fi)?;
        let line = hits.lines.get(li).map_or(0, |l| l.line.saturating_sub(1) as usize);
        Some((index.files().path(hits.file).to_vec(), line))
    }
}
