//! The window's state and the one place it changes: panels emit [`Command`]s, [`AppState::apply`]
//! applies them. Nothing here names egui, so every behaviour can be tested without a screen.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use vitrine_snapshot::Snapshot;
use vitrine_snapshot::store::DataDir;

pub mod background;
pub mod command;
pub mod coverage;
pub mod document;
pub mod errors;
pub mod find;
pub mod fuzzy;
pub mod health;
pub mod highlight;
mod history;
pub mod load;
pub mod meter;
mod nav;
pub mod overlay;
pub mod prefs;
pub mod progress;
pub mod records;
pub mod review;
pub mod review_apply;
pub mod search;
pub mod symbols;
pub mod tab;
pub mod threads;
pub mod tree;
pub mod view;
mod viewstate;

#[cfg(test)]
mod apply_tests;
#[cfg(test)]
mod basic_tests;

pub use crate::state::command::{
    Command, LoadCmd, NavCmd, OverlayCmd, ReviewCmd, SearchCmd, SymbolsCmd, ThreadsCmd, ViewCmd,
};
pub use crate::state::load::Load;
pub use crate::state::overlay::{Overlay, OverlayItem, OverlayKind};
pub use crate::state::prefs::{FONT_DEFAULT, FONT_MAX, FONT_MIN, Prefs};
pub use crate::state::progress::NodeProgress;
pub use crate::state::tab::{FindState, Tab};
pub use crate::state::view::{BottomTab, RightTab};

use crate::state::review::ReviewState;
use crate::state::tree::FileTree;

#[derive(Debug)]
pub struct AppState {
    pub data: DataDir,
    pub load: Load,
    pub snapshot: Option<Arc<Snapshot>>,
    pub tree: FileTree,
    /// Directories expanded in the tree, by path bytes.
    pub expanded: BTreeSet<Vec<u8>>,
    pub tree_filter: String,
    pub tabs: Vec<Tab>,
    pub active: Option<usize>,
    pub prefs: Prefs,
    pub error: Option<String>,
    /// Finding path (as displayed) to file path bytes, for opening findings.
    finding_paths: HashMap<String, Vec<u8>>,
    /// Applied once the snapshot being loaded is ready (e.g. a file to open at start).
    pending: Vec<Command>,
    pub overlay: Option<Overlay>,
    /// Places visited (file, line), for Alt+Left / Alt+Right.
    history: Vec<(Vec<u8>, usize)>,
    /// Position in `history` (the current place).
    history_pos: usize,
    pub bottom: BottomTab,
    pub search: crate::state::search::SearchState,
    pub symbols: crate::state::symbols::SymbolState,
    pub review: Option<ReviewState>,
    pub right: RightTab,
    /// Files opened in this session, and the reading coverage of files whose tab was closed.
    pub opened: std::collections::HashSet<Vec<u8>>,
    coverage: HashMap<Vec<u8>, crate::state::coverage::LineSet>,
    /// Review progress per tree node (reviewed files, annotations), refreshed when the review changes.
    pub progress: Vec<NodeProgress>,
    pub unreviewed_filter: bool,
    /// Threads folded in the code view, by root entry id.
    pub folded_threads: BTreeSet<String>,
    /// The snapshot's health findings grouped by kind, and the kinds folded in the health panel.
    pub health_groups: crate::state::health::HealthGroups,
    pub health_folded: BTreeSet<vitrine_snapshot::FindingKind>,
    /// With a tree filter or the unreviewed filter on: the matching file nodes, in tree order.
    pub tree_matches: Vec<usize>,
    /// The review-wide list of threads.
    pub threads: crate::state::threads::ThreadList,
    /// A "Mark reviewed" waiting for the reader to confirm (the file was not all on screen).
    pub mark_warning: Option<crate::state::review_apply::MarkWarning>,
    /// Counts files brought to the front (opened or switched to): the tree scrolls to the active
    /// file when this changes.
    pub reveal: u64,
}

impl AppState {
    pub fn new(data: DataDir, prefs: Prefs) -> AppState {
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
        }
    }

    /// Queues a command to run when the snapshot being loaded is ready (at once if it already is).
    pub fn after_load(&mut self, cmd: impl Into<Command>) {
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
            Command::Nav(c) => self.apply_nav(c),
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
                }
            }
            Command::Threads(c) => self.apply_threads(c),
            Command::View(c) => self.apply_view(c),
        }
    }

    pub fn active_tab(&self) -> Option<&Tab> {
        self.active.and_then(|i| self.tabs.get(i))
    }

    pub fn active_tab_mut(&mut self) -> Option<&mut Tab> {
        self.active.and_then(|i| self.tabs.get_mut(i))
    }

    /// File path bytes for a finding's displayed path.
    pub fn path_of_finding(&self, shown: &str) -> Option<&Vec<u8>> {
        self.finding_paths.get(shown)
    }
}
