//! The window's state and the one place it changes: panels emit [`Command`]s, [`AppState::apply`]
//! applies them. Nothing here names egui, so every behaviour can be tested without a screen.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use vitrine_snapshot::Snapshot;
use vitrine_snapshot::store::DataDir;

pub mod background;
pub(crate) mod command;
pub mod compare;
pub(crate) mod coverage;
pub mod document;
pub mod errors;
pub(crate) mod find;
pub(crate) mod fuzzy;
pub(crate) mod health;
pub(crate) mod highlight;
mod history;
pub mod library;
pub(crate) mod load;
pub(crate) mod meter;
mod nav;
pub(crate) mod overlay;
pub(crate) mod ported;
pub(crate) mod prefs;
pub(crate) mod progress;
pub mod ranked;
pub mod records;
pub(crate) mod review;
pub(crate) mod review_apply;
pub mod search;
pub(crate) mod symbols;
pub(crate) mod tab;
pub(crate) mod threads;
pub(crate) mod tree;
pub(crate) mod view;
mod viewstate;

#[cfg(test)]
mod alone;
#[cfg(test)]
mod apply_tests;
#[cfg(test)]
mod basic_tests;
#[cfg(test)]
mod compare_tests;

pub use crate::state::command::{
    Command, LoadCmd, NavCmd, OverlayCmd, ReviewCmd, SearchCmd, SymbolsCmd, ThreadsCmd, ViewCmd,
};
pub use crate::state::load::Load;
pub(crate) use crate::state::overlay::{Overlay, OverlayKind};
pub use crate::state::prefs::{Panel, PanelSizes, Prefs};
pub(crate) use crate::state::progress::NodeProgress;
pub(crate) use crate::state::tab::{FindState, Tab};
pub use crate::state::view::{BottomTab, RightTab};

use crate::state::review::ReviewState;
use crate::state::tree::FileTree;

/// Everything the window shows and knows; [`AppState::apply`] is its only writer.
#[derive(Debug)]
pub struct AppState {
    pub(crate) data: DataDir,
    /// Whether a snapshot is opening, open or failed to open.
    pub load: Load,
    /// The open snapshot, once ingested.
    pub snapshot: Option<Arc<Snapshot>>,
    pub(crate) tree: FileTree,
    /// Directories expanded in the tree, by path bytes.
    pub(crate) expanded: BTreeSet<Vec<u8>>,
    pub(crate) tree_filter: String,
    /// The open files, in tab order.
    pub tabs: Vec<Tab>,
    pub(crate) active: Option<usize>,
    /// The preferences, persisted across restarts in the window's storage.
    pub prefs: Prefs,
    /// The last error to show the user (a file not found, a refused signature…) until dismissed.
    pub error: Option<String>,
    /// Finding path (as displayed) to file path bytes, for opening findings.
    finding_paths: HashMap<String, Vec<u8>>,
    /// Applied once the snapshot being loaded is ready (e.g. a file to open at start).
    pending: Vec<Command>,
    /// The modal overlay open over the window (quick open, go to line, help…), if any.
    pub overlay: Option<Overlay>,
    /// Places visited (file, line), for Alt+Left / Alt+Right.
    history: Vec<(Vec<u8>, usize)>,
    /// Position in `history` (the current place).
    history_pos: usize,
    /// The tab shown in the bottom panel.
    pub bottom: BottomTab,
    /// The search of the whole snapshot: index, query and results.
    pub search: crate::state::search::SearchState,
    /// The symbol index and the last definitions, references or callers asked for.
    pub symbols: crate::state::symbols::SymbolState,
    /// The review of the open snapshot (its signed log, sign-in, composer, records), once opened.
    pub review: Option<ReviewState>,
    pub(crate) right: RightTab,
    /// Files opened in this session, and the reading coverage of files whose tab was closed.
    pub(crate) opened: std::collections::HashSet<Vec<u8>>,
    coverage: HashMap<Vec<u8>, crate::state::coverage::LineSet>,
    /// Review progress per tree node (reviewed files, annotations), refreshed when the review changes.
    pub(crate) progress: Vec<NodeProgress>,
    pub(crate) unreviewed_filter: bool,
    /// Threads folded in the code view, by root entry id.
    pub(crate) folded_threads: BTreeSet<String>,
    /// The snapshot's health findings grouped by kind, and the kinds folded in the health panel.
    pub(crate) health_groups: crate::state::health::HealthGroups,
    pub(crate) health_folded: BTreeSet<vitrine_snapshot::FindingKind>,
    /// With a tree filter or the unreviewed filter on: the matching file nodes, in tree order.
    pub(crate) tree_matches: Vec<usize>,
    /// The review-wide list of threads.
    pub threads: crate::state::threads::ThreadList,
    /// A "Mark reviewed" waiting for the reader to confirm (the file was not all on screen).
    pub(crate) mark_warning: Option<crate::state::review_apply::MarkWarning>,
    /// Counts files brought to the front (opened or switched to): the tree scrolls to the active
    /// file when this changes.
    pub(crate) reveal: u64,
    /// "Compare with…": the version before, and the diff on screen.
    pub compare: Option<crate::state::compare::CompareState>,
}

impl AppState {
    /// An empty window (no snapshot) keeping its indexes and reviews under `data`.
    pub fn new(data: DataDir, prefs: Prefs) -> AppState {
        background::pin_mmap_threshold();
        AppState {
            data,
            load: Load::Idle,
            snapshot: None,
            tree: FileTree::default(),
            expanded: BTreeSet::new(),
            tree_filter: String::new(),
            tabs: Vec::new(),
            active: None,
            prefs,
            error: None,
            finding_paths: HashMap::new(),
            pending: Vec::new(),
            overlay: None,
            history: Vec::new(),
            history_pos: 0,
            bottom: BottomTab::default(),
            search: crate::state::search::SearchState::default(),
            symbols: crate::state::symbols::SymbolState::default(),
            review: None,
            right: RightTab::default(),
            opened: Default::default(),
            coverage: HashMap::new(),
            progress: Vec::new(),
            unreviewed_filter: false,
            folded_threads: BTreeSet::new(),
            health_groups: Default::default(),
            health_folded: BTreeSet::new(),
            tree_matches: Vec::new(),
            threads: Default::default(),
            mark_warning: None,
            reveal: 0,
            compare: None,
        }
    }

    /// Queues a command to run when the snapshot being loaded is ready (at once if it already is).
    pub(crate) fn after_load(&mut self, cmd: impl Into<Command>) {
        let cmd = cmd.into();
        if matches!(self.load, Load::Ready) {
            self.apply(cmd);
        } else {
            self.pending.push(cmd);
        }
    }

    /// The only writer of the state: each domain's commands are applied by that domain's code.
    pub fn apply(&mut self, cmd: impl Into<Command>) {
        match cmd.into() {
            Command::Load(c) => self.apply_load(c),
            Command::Nav(c) => {
                // Going to a place in the code shows the code view, not the diff.
                if matches!(c, NavCmd::OpenFile { .. } | NavCmd::OpenAt { .. })
                    && let Some(compare) = &mut self.compare
                {
                    compare.middle = crate::state::compare::Middle::Code;
                }
                self.apply_nav(c)
            }
            Command::Overlay(c) => self.apply_overlay(c),
            Command::Search(c) => {
                let open = self.search.apply(c);
                if let Some((path, line)) = open {
                    self.apply(NavCmd::OpenFile { path, line: Some(line) });
                }
            }
            Command::Symbols(c) => self.apply_symbols(c),
            Command::Review(c) => {
                if self.apply_review(c) {
                    self.refresh_progress();
                    self.threads.refresh(self.review.as_ref());
                    if self.threads.library.active() {
                        self.search_library();
                    }
                }
            }
            Command::Threads(c) => self.apply_threads(c),
            Command::View(c) => self.apply_view(c),
            Command::Compare(c) => self.apply_compare(c),
        }
    }

    /// The tab at the front, if any file is open.
    pub fn active_tab(&self) -> Option<&Tab> {
        self.active.and_then(|i| self.tabs.get(i))
    }

    pub(crate) fn active_tab_mut(&mut self) -> Option<&mut Tab> {
        self.active.and_then(|i| self.tabs.get_mut(i))
    }

    /// File path bytes for a finding's displayed path.
    pub(crate) fn path_of_finding(&self, shown: &str) -> Option<&Vec<u8>> {
        self.finding_paths.get(shown)
    }
}
