//! Opening a snapshot: the ingest on its own thread, and what is set up once it is ready.

use std::path::PathBuf;
use std::sync::Arc;

use crossbeam_channel::{Receiver, TryRecvError};
use vitrine_snapshot::progress::Progress;
use vitrine_snapshot::{IngestConfig, Snapshot};

use crate::state::errors::error_chain;
use crate::state::review::ReviewState;
use crate::state::tree::FileTree;
use crate::state::{AppState, LoadCmd};

/// Where the snapshot is in its life.
#[derive(Debug)]
pub enum Load {
    /// No snapshot opened yet: the window offers to open one.
    Idle,
    /// The ingest is running on its own thread.
    Loading {
        /// The directory or archive being opened.
        path: PathBuf,
        /// The ingest's progress, shown while it runs and cancelled by [`LoadCmd::Cancel`].
        progress: Arc<Progress>,
        /// Where the ingest thread sends the snapshot, or why it failed.
        result: Receiver<Result<Snapshot, String>>,
    },
    /// The snapshot is open ([`AppState::snapshot`] holds it).
    Ready,
    /// Opening failed: the window says why and offers to open another.
    Failed {
        /// The directory or archive that could not be opened.
        path: PathBuf,
        /// Why it could not be opened.
        error: String,
    },
}

impl AppState {
    pub(crate) fn apply_load(&mut self, cmd: LoadCmd) {
        match cmd {
            LoadCmd::Open(path) => self.start_loading(path),
            LoadCmd::Cancel => {
                if let Load::Loading { progress, .. } = &self.load {
                    progress.cancel();
                }
            }
            LoadCmd::Poll => self.poll(),
        }
    }

    /// Collects the results of background work.
    fn poll(&mut self) {
        let active = self.active;
        for (i, tab) in self.tabs.iter_mut().enumerate() {
            if tab.poll_find() && Some(i) == active {
                tab.go_to_find_match();
            }
        }
        self.search.poll();
        self.symbols.poll();
        self.threads.library.poll();
        if self.review.as_mut().is_some_and(|r| r.poll()) {
            self.refresh_progress();
            self.threads.refresh(self.review.as_ref());
            if self.threads.library.active() {
                self.search_library();
            }
        }
        self.poll_compare();
        self.poll_load();
    }

    /// Whether background work is under way (the window keeps repainting to show it).
    pub fn busy(&self) -> bool {
        matches!(self.load, Load::Loading { .. })
            || self.tabs.iter().any(|t| t.find_job.is_some())
            || self.search.is_running()
            || self.search.ranked.is_running()
            || self.symbols.is_running()
            || self.review.as_ref().is_some_and(|r| r.record_running())
            || self.compare.as_ref().is_some_and(|c| c.running())
            || self.threads.library.is_running()
    }

    fn start_loading(&mut self, path: PathBuf) {
        if let Load::Loading { progress, .. } = &self.load {
            progress.cancel();
        }
        self.search.cancel();
        self.symbols.cancel();
        let progress = Arc::new(Progress::default());
        let (tx, rx) = crossbeam_channel::bounded(1);
        let config = IngestConfig {
            blob_dir: Some(self.data.blob_dir()),
            cache_dir: Some(self.data.ingest_cache_dir()),
            ..IngestConfig::default()
        };
        let p = progress.clone();
        let input = path.clone();
        let spawned = std::thread::Builder::new().name("ingest".into()).spawn(move || {
            // The window walks every manifest row (tree, health, search): decoded once, here.
            let r =
                Snapshot::open(&input, &config, &p).map(Snapshot::into_decoded).map_err(|e| error_chain(&e));
            let _ = tx.send(r);
        });
        self.load = match spawned {
            Ok(_) => Load::Loading { path, progress, result: rx },
            Err(e) => Load::Failed { path, error: format!("cannot start the ingest thread: {e}") },
        };
    }

    fn install(&mut self, snapshot: Snapshot) {
        let snapshot = Arc::new(snapshot);
        self.search = crate::state::search::SearchState::default();
        self.symbols = crate::state::symbols::SymbolState::default();
        // One index after the other: each build uses every core, and their peaks of memory do not add up.
        // The symbols start as soon as the search build has placed its posting lists: its last step
        // (writing them) is short and sequential, and leaves cores idle. Not sooner: the placement
        // uses every core and holds the search build's peak of memory. The builds start before the
        // window's own tables of the snapshot are made (the tree, the health groups: a fifth of a
        // second on Linux's 78,000 files, on this thread), so that no core waits for them.
        let search_done =
            self.search.start_index(snapshot.clone(), &self.data, self.symbols.definitions.clone());
        let symbols_done = self.symbols.start_index(snapshot.clone(), &self.data, Some(search_done));
        // The ranked index last, on the same nice pool: it never delays exact search.
        self.search.ranked.start_index(snapshot.clone(), &self.data, Some(symbols_done));
        self.tree = FileTree::build(&snapshot);
        self.health_groups = crate::state::health::HealthGroups::build(snapshot.health());
        // Kinds that can change what code means start unfolded; the others folded.
        self.health_folded =
            self.health_groups.groups.iter().map(|(k, _)| *k).filter(|k| !k.is_deceptive()).collect();
        self.finding_paths =
            snapshot.files().iter().map(|f| (f.path.display(), f.path.as_bytes().to_vec())).collect();
        self.expanded.clear();
        // Top-level directories start expanded when there are few of them.
        if self.tree.top_level_dirs().len() <= 12 {
            self.expanded.extend(self.tree.top_level_dirs());
        }
        self.tabs.clear();
        self.active = None;
        self.compare = None;
        // The review and its unsigned drafts are kept by tree id, beside each other (see `review_dir`).
        let review_dir = self.data.review_dir(&snapshot.ids().tree_sha256);
        let drafts = review_dir.with_file_name("drafts").join("annotation.json");
        let (review, problem) = ReviewState::open(review_dir, snapshot.ids().tree_sha256.to_string(), drafts);
        self.review = Some(review);
        if let Some(p) = problem {
            self.error = Some(p.to_string());
        }
        self.opened.clear();
        self.coverage.clear();
        self.snapshot = Some(snapshot);
        self.load = Load::Ready;
        self.refresh_progress();
        self.threads = Default::default();
        self.threads.refresh(self.review.as_ref());
        self.restore_view();
        for cmd in std::mem::take(&mut self.pending) {
            self.apply(cmd);
        }
    }

    fn poll_load(&mut self) {
        let Load::Loading { path, result, .. } = &self.load else { return };
        match result.try_recv() {
            Ok(Ok(snapshot)) => self.install(snapshot),
            Ok(Err(error)) => {
                let path = path.clone();
                self.fail(path, error);
            }
            Err(TryRecvError::Empty) => {}
            Err(TryRecvError::Disconnected) => {
                let path = path.clone();
                self.fail(path, "the ingest thread stopped".into());
            }
        }
    }

    /// Blocks until the snapshot being loaded is ready or failed (for tests and the CLI).
    pub fn wait_loaded(&mut self) {
        while let Load::Loading { result, .. } = &self.load {
            let r = result.recv().unwrap_or_else(|_| Err("the ingest thread stopped".into()));
            let Load::Loading { path, .. } = &self.load else { break };
            let path = path.clone();
            match r {
                Ok(s) => self.install(s),
                Err(error) => self.fail(path, error),
            }
        }
    }

    /// The snapshot could not be opened: what was queued for it is dropped with it.
    fn fail(&mut self, path: PathBuf, error: String) {
        self.pending.clear();
        self.load = Load::Failed { path, error };
    }
}
