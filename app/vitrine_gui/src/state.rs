//! The window's state and the one place it changes: panels emit [`Command`]s, [`AppState::apply`]
//! applies them. Nothing here names egui, so every behaviour can be tested without a screen.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use crossbeam_channel::{Receiver, TryRecvError};
use vitrine_snapshot::progress::Progress;
use vitrine_snapshot::store::DataDir;
use vitrine_snapshot::{IngestConfig, Snapshot};

use crate::document::Document;
use crate::review_state::{Composer, ReviewState, SignInForm};
use crate::tree::FileTree;

/// Everything the user (or a test) can ask the window to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Start opening a snapshot (directory or archive) in the background.
    OpenSnapshot(PathBuf),
    /// Stop the ingest in progress.
    CancelLoading,
    /// Open a file of the snapshot in a tab (or switch to its tab), optionally at a 0-based line.
    OpenFile {
        path: Vec<u8>,
        line: Option<usize>,
    },
    ActivateTab(usize),
    CloseTab(usize),
    /// Move the cursor of the active tab to a 0-based line.
    SetCursorLine(usize),
    /// Expand or collapse a directory of the file tree.
    ToggleDir(Vec<u8>),
    SetTreeFilter(String),
    ToggleHealthPanel,
    SetDarkTheme(bool),
    DismissError,
    /// Move the cursor by `delta` lines (negative: up); with `extend`, grow the line selection.
    MoveCursor {
        delta: isize,
        extend: bool,
    },
    /// Put the cursor on a 0-based line; with `extend`, select from the anchor to it.
    CursorTo {
        line: usize,
        extend: bool,
    },
    /// Open an overlay (quick open, go to line, help), or close it with `None`.
    ShowOverlay(Option<OverlayKind>),
    /// The text typed in the open overlay.
    SetOverlayInput(String),
    /// Move the overlay's highlighted row.
    OverlayMove(isize),
    /// Accept the overlay's highlighted row or input.
    OverlayAccept,
    /// Open find-in-file on the active tab (with its query), or close it with `None`.
    Find(Option<String>),
    /// Go to the next (true) or previous (false) find match.
    FindStep(bool),
    HistoryBack,
    HistoryForward,
    /// Change the code font size by a step (+1 / -1), or reset it with 0.
    FontSize(i32),
    /// Record that lines of the active tab have been on screen (reading coverage).
    Seen(std::ops::Range<usize>),
    /// Show a tab of the bottom panel (and the panel itself).
    ShowBottom(BottomTab),
    /// The search query typed: cancels the previous search and starts this one.
    SetSearchQuery(String),
    /// Move the highlighted search result row.
    SearchMove(isize),
    /// Open a search result row (its file at its line).
    SearchOpen(usize),
    /// A click in the code: cursor to a 0-based line and byte column.
    ClickAt {
        line: usize,
        col: usize,
        extend: bool,
    },
    /// F12: go to the definition of the identifier at the cursor (a candidate list when ambiguous).
    GoToDefinition,
    /// Shift+F12: every reference to the identifier at the cursor.
    FindReferences,
    /// The callers of a function (`None`: the identifier at the cursor). Following a caller's callers
    /// keeps a trail.
    ShowCallers {
        name: Option<String>,
        deeper: bool,
    },
    /// Fold or unfold a kind of finding in the health panel.
    ToggleHealthKind(vitrine_snapshot::FindingKind),
    /// Expand or fold a node of the callers tree: the names from a caller of the subject down to it.
    ToggleCallerNode(Vec<String>),
    /// Show or hide the sign-in form.
    ShowSignIn(bool),
    EditSignIn(SignInForm),
    SignIn,
    SignOut,
    /// Ctrl+Alt+A: open the composer on the selected lines of the active tab.
    Annotate,
    EditComposer(Composer),
    SubmitAnnotation,
    DiscardComposer,
    /// Expand a thread (by its root entry id) in the annotations panel.
    SelectThread(Option<String>),
    EditReply(String),
    /// Reply to a thread with the typed text and/or set its status.
    Answer {
        parent: String,
        status: Option<vitrine_record::Status>,
    },
    Retract(String),
    /// Sign a review-mark for the active file.
    MarkReviewed,
    ShowRight(RightTab),
    /// Alt+Z: wrap long lines at the view's width, or scroll sideways.
    ToggleWrap,
    /// Ctrl+B: show or hide the file tree.
    ToggleTreePanel,
    /// Ctrl+Alt+B: show or hide the outline / annotations panel.
    ToggleSidePanel,
    /// Draw annotation threads under their lines, or only as gutter marks.
    ToggleInlineThreads,
    /// Fold or unfold one thread (by its root entry id) in the code view.
    ToggleInlineThread(String),
    /// Show only files not yet reviewed that have findings or annotations.
    SetUnreviewedFilter(bool),
    /// Export, import or verify a review record (in the background).
    Record(crate::records::RecordAction),
}

/// The tabs of the right panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RightTab {
    #[default]
    Outline,
    Annotations,
}

/// The tabs of the bottom panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BottomTab {
    #[default]
    Health,
    Search,
    References,
    Callers,
    Record,
}

/// The modal pickers and panels over the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverlayKind {
    QuickOpen,
    GoToLine,
    Help,
    /// Go-to-definition candidates, when there is more than one.
    Definitions,
    /// Ctrl+T: symbols of the whole snapshot by name.
    Symbols,
}

/// One row of an overlay's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlayItem {
    pub label: String,
    pub detail: String,
    pub path: Vec<u8>,
    /// 0-based line to open at.
    pub line: Option<usize>,
}

/// An open overlay and what has been typed in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlay {
    pub kind: OverlayKind,
    pub input: String,
    /// Highlighted row of the result list.
    pub selected: usize,
    pub results: Vec<OverlayItem>,
}

/// Find-in-file state of a tab.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindState {
    pub query: String,
    /// (0-based line, byte range in the line) of every match, in order.
    pub matches: Vec<(usize, std::ops::Range<usize>)>,
    /// Index of the current match.
    pub current: usize,
}

/// Most find matches collected in one file.
const FIND_LIMIT: usize = 100_000;
/// Rows listed by quick open.
const QUICK_OPEN_ROWS: usize = 50;
/// Steps of history kept.
const HISTORY_LEN: usize = 200;
/// Code font sizes in points.
pub const FONT_MIN: f32 = 8.0;
pub const FONT_MAX: f32 = 32.0;
pub const FONT_DEFAULT: f32 = 13.5;

/// Where the snapshot is in its life.
#[derive(Debug)]
pub enum Load {
    Idle,
    Loading { path: PathBuf, progress: Arc<Progress>, result: Receiver<Result<Snapshot, String>> },
    Ready,
    Failed { path: PathBuf, error: String },
}

/// One open file.
#[derive(Debug)]
pub struct Tab {
    pub doc: Document,
    /// 0-based line of the cursor.
    pub cursor_line: usize,
    /// Byte column of the cursor in its line (set by clicks; used to find the identifier under it).
    pub cursor_col: usize,
    /// Other end of the line selection (the selection is anchor..=cursor, in either order).
    pub anchor_line: Option<usize>,
    /// A line the view must scroll to on its next frame (consumed by the view).
    pub scroll_to: Option<usize>,
    pub find: Option<FindState>,
    /// Lines that have been on screen: the reader's coverage of this file.
    pub seen: crate::coverage::LineSet,
}

impl Tab {
    fn new(doc: Document) -> Tab {
        let lines = doc.line_count();
        Tab {
            doc,
            cursor_line: 0,
            cursor_col: 0,
            anchor_line: None,
            scroll_to: None,
            find: None,
            seen: crate::coverage::LineSet::new(lines),
        }
    }

    /// The selected lines (0-based, inclusive), or just the cursor line.
    pub fn selection(&self) -> std::ops::RangeInclusive<usize> {
        let a = self.anchor_line.unwrap_or(self.cursor_line);
        a.min(self.cursor_line)..=a.max(self.cursor_line)
    }

    fn move_to(&mut self, line: usize, extend: bool) {
        let line = line.min(self.doc.line_count().saturating_sub(1));
        if extend {
            self.anchor_line.get_or_insert(self.cursor_line);
        } else {
            self.anchor_line = None;
        }
        self.cursor_line = line;
        self.scroll_to = Some(line);
    }
}

/// User preferences kept across restarts (never review data).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Prefs {
    pub dark: bool,
    pub show_health: bool,
    /// Code font size in points (stored as tenths, to stay an integer in the settings file).
    pub font_tenths: u32,
    /// Long lines wrap at the width of the view instead of scrolling sideways (Alt+Z).
    pub wrap: bool,
    /// Annotation threads are drawn under the lines they are about.
    pub inline_threads: bool,
    /// The file tree (left) and the outline / annotations panel (right) are shown.
    pub show_tree: bool,
    pub show_side: bool,
}

impl Default for Prefs {
    fn default() -> Self {
        Prefs {
            dark: true,
            show_health: true,
            font_tenths: (FONT_DEFAULT * 10.0) as u32,
            wrap: false,
            inline_threads: true,
            show_tree: true,
            show_side: true,
        }
    }
}

impl Prefs {
    pub fn font_size(&self) -> f32 {
        (self.font_tenths as f32 / 10.0).clamp(FONT_MIN, FONT_MAX)
    }
}

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
    pub search: crate::search_state::SearchState,
    pub symbols: crate::symbols_state::SymbolState,
    pub review: Option<ReviewState>,
    pub right: RightTab,
    /// Files opened in this session, and the reading coverage of files whose tab was closed.
    pub opened: std::collections::HashSet<Vec<u8>>,
    coverage: HashMap<Vec<u8>, crate::coverage::LineSet>,
    /// Review progress per tree node (reviewed files, annotations), refreshed when the review changes.
    pub progress: Vec<NodeProgress>,
    pub unreviewed_filter: bool,
    /// Threads folded in the code view, by root entry id.
    pub folded_threads: BTreeSet<String>,
    /// The snapshot's health findings grouped by kind, and the kinds folded in the health panel.
    pub health_groups: crate::health_ui::HealthGroups,
    pub health_folded: BTreeSet<vitrine_snapshot::FindingKind>,
    /// With a tree filter or the unreviewed filter on: the matching file nodes, in tree order.
    pub tree_matches: Vec<usize>,
}

/// Review progress of a tree node (a file, or every file below a folder).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NodeProgress {
    pub reviewed: u32,
    pub annotations: u32,
    /// Lines below the node, and lines in reviewed files.
    pub lines: u64,
    pub reviewed_lines: u64,
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
            search: crate::search_state::SearchState::default(),
            symbols: crate::symbols_state::SymbolState::default(),
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
        }
    }

    /// Queues a command to run when the snapshot being loaded is ready (at once if it already is).
    pub fn after_load(&mut self, cmd: Command) {
        if matches!(self.load, Load::Ready) {
            self.apply(cmd);
        } else {
            self.pending.push(cmd);
        }
    }

    /// The only writer of the state.
    pub fn apply(&mut self, cmd: Command) {
        let review_changes = matches!(
            cmd,
            Command::SubmitAnnotation
                | Command::Answer { .. }
                | Command::Retract(_)
                | Command::MarkReviewed
                | Command::SignIn
        );
        self.apply_one(cmd);
        if review_changes {
            self.refresh_progress();
        }
    }

    /// Recomputes review progress for every node of the tree (files, then folders bottom-up).
    pub fn refresh_progress(&mut self) {
        let (Some(snap), Some(review)) = (&self.snapshot, &self.review) else { return };
        let mut progress = vec![NodeProgress::default(); self.tree.nodes.len()];
        // Nodes are created parents first, so walking backwards visits children before parents.
        for i in (0..self.tree.nodes.len()).rev() {
            let Some(node) = self.tree.nodes.get(i) else { continue };
            let mut p = NodeProgress::default();
            if node.is_dir {
                for &c in &node.children {
                    if let Some(cp) = progress.get(c) {
                        p.reviewed += cp.reviewed;
                        p.annotations += cp.annotations;
                        p.lines += cp.lines;
                        p.reviewed_lines += cp.reviewed_lines;
                    }
                }
            } else if let Some(entry) = snap.file(&node.path) {
                let shown = entry.path.display();
                let blob: String = entry.blob_sha256.iter().map(|b| format!("{b:02x}")).collect();
                let done = review.is_reviewed(&shown, &blob);
                p.reviewed = u32::from(done);
                p.annotations = review.annotations_on(&shown);
                p.lines = entry.lines;
                p.reviewed_lines = if done { entry.lines } else { 0 };
            }
            if let Some(slot) = progress.get_mut(i) {
                *slot = p;
            }
        }
        self.progress = progress;
        self.refresh_tree_matches();
    }

    /// Recomputes the files the tree filters let through (once per change, not per frame).
    fn refresh_tree_matches(&mut self) {
        self.tree_matches.clear();
        if self.tree_filter.is_empty() && !self.unreviewed_filter {
            return;
        }
        let needle = self.tree_filter.to_lowercase();
        for (i, n) in self.tree.nodes.iter().enumerate() {
            if n.is_dir || !String::from_utf8_lossy(&n.path).to_lowercase().contains(&needle) {
                continue;
            }
            let p = self.progress.get(i).copied().unwrap_or_default();
            if self.unreviewed_filter && (p.reviewed > 0 || (n.findings == 0 && p.annotations == 0)) {
                continue;
            }
            self.tree_matches.push(i);
        }
    }

    fn apply_one(&mut self, cmd: Command) {
        match cmd {
            Command::OpenSnapshot(path) => self.start_loading(path),
            Command::CancelLoading => {
                if let Load::Loading { progress, .. } = &self.load {
                    progress.cancel();
                }
            }
            Command::OpenFile { path, line } => {
                self.remember_place();
                self.open_file(&path, line);
                self.remember_place();
                // Landing on an annotated line shows its thread.
                if let (Some(line), Some(r)) = (line, &mut self.review) {
                    let shown = vitrine_snapshot::path_display(&path);
                    let l = line as u64 + 1;
                    let hit = r.threads(Some(&shown)).iter().find_map(|t| {
                        let [a, b] = t.root.entry.target.as_ref()?.lines?;
                        (a..=b).contains(&l).then(|| t.root.id.clone())
                    });
                    if let Some(id) = hit {
                        r.selected = Some(id);
                        self.right = RightTab::Annotations;
                    }
                }
            }
            Command::ActivateTab(i) => {
                if i < self.tabs.len() {
                    self.active = Some(i);
                }
            }
            Command::CloseTab(i) => {
                if i < self.tabs.len() {
                    let tab = self.tabs.remove(i);
                    self.coverage.insert(tab.doc.path.as_bytes().to_vec(), tab.seen);
                    self.active = match self.active {
                        _ if self.tabs.is_empty() => None,
                        Some(a) if a > i => Some(a - 1),
                        Some(a) => Some(a.min(self.tabs.len() - 1)),
                        None => None,
                    };
                }
            }
            Command::SetCursorLine(line) => {
                if let Some(tab) = self.active_tab_mut() {
                    tab.cursor_line = line.min(tab.doc.line_count().saturating_sub(1));
                    tab.anchor_line = None;
                }
            }
            Command::MoveCursor { delta, extend } => {
                if let Some(tab) = self.active_tab_mut() {
                    let line = tab.cursor_line.saturating_add_signed(delta);
                    tab.move_to(line, extend);
                }
            }
            Command::CursorTo { line, extend } => {
                if let Some(tab) = self.active_tab_mut() {
                    tab.move_to(line, extend);
                }
            }
            Command::ShowOverlay(kind) => {
                self.overlay =
                    kind.map(|kind| Overlay { kind, input: String::new(), selected: 0, results: Vec::new() });
                self.refresh_overlay();
            }
            Command::SetOverlayInput(input) => {
                if let Some(o) = &mut self.overlay {
                    o.input = input;
                    o.selected = 0;
                }
                self.refresh_overlay();
            }
            Command::OverlayMove(delta) => {
                if let Some(o) = &mut self.overlay {
                    let last = o.results.len().saturating_sub(1);
                    o.selected = o.selected.saturating_add_signed(delta).min(last);
                }
            }
            Command::OverlayAccept => self.accept_overlay(),
            Command::Find(query) => {
                if let Some(tab) = self.active_tab_mut() {
                    tab.find = query.map(|q| find_state(&tab.doc, q, tab.cursor_line));
                    if let Some((line, range)) =
                        tab.find.as_ref().and_then(|f| f.matches.get(f.current)).cloned()
                    {
                        // As FindStep: the cursor goes to the match and the selection is dropped, so a
                        // following Ctrl+Alt+A annotates the match's line, not a range reaching it.
                        tab.cursor_line = line;
                        tab.cursor_col = range.start;
                        tab.anchor_line = None;
                        tab.scroll_to = Some(line);
                    }
                }
            }
            Command::FindStep(forward) => {
                if let Some(tab) = self.active_tab_mut()
                    && let Some(f) = &mut tab.find
                    && !f.matches.is_empty()
                {
                    let n = f.matches.len();
                    f.current = if forward { (f.current + 1) % n } else { (f.current + n - 1) % n };
                    if let Some((line, range)) = f.matches.get(f.current).cloned() {
                        tab.cursor_line = line;
                        tab.cursor_col = range.start;
                        tab.anchor_line = None;
                        tab.scroll_to = Some(line);
                    }
                }
            }
            Command::HistoryBack => self.go_history(false),
            Command::HistoryForward => self.go_history(true),
            Command::FontSize(step) => {
                let size = if step == 0 { FONT_DEFAULT } else { self.prefs.font_size() + step as f32 };
                self.prefs.font_tenths = (size.clamp(FONT_MIN, FONT_MAX) * 10.0).round() as u32;
            }
            Command::Seen(range) => {
                if let Some(tab) = self.active_tab_mut() {
                    tab.seen.insert(range);
                }
            }
            Command::ShowBottom(tab) => {
                self.bottom = tab;
                self.prefs.show_health = true;
            }
            Command::SetSearchQuery(q) => self.search.set_query(q),
            Command::SearchMove(delta) => {
                let last = self.search.rows.len().saturating_sub(1);
                self.search.selected = self.search.selected.saturating_add_signed(delta).min(last);
            }
            Command::ClickAt { line, col, extend } => {
                if let Some(tab) = self.active_tab_mut() {
                    tab.move_to(line, extend);
                    tab.scroll_to = None;
                    tab.cursor_col = col;
                }
            }
            Command::GoToDefinition => self.go_to_definition(),
            Command::FindReferences => {
                if let (Some(name), Some(snapshot)) = (self.name_at_cursor(), self.snapshot.clone()) {
                    self.symbols.trail.clear();
                    self.symbols.query(name, false, snapshot);
                    self.apply(Command::ShowBottom(BottomTab::References));
                }
            }
            Command::ShowCallers { name, deeper } => {
                let name = name.or_else(|| self.name_at_cursor());
                if let (Some(name), Some(snapshot)) = (name, self.snapshot.clone()) {
                    if deeper {
                        if let Some(prev) = self.symbols.subject.clone() {
                            self.symbols.trail.push(prev);
                        }
                    } else {
                        self.symbols.trail.clear();
                    }
                    self.symbols.query(name, true, snapshot);
                    self.apply(Command::ShowBottom(BottomTab::Callers));
                }
            }
            Command::ToggleCallerNode(node) => self.symbols.toggle_caller(node),
            Command::ToggleHealthKind(kind) => toggle(&mut self.health_folded, kind),
            Command::ShowSignIn(show) => {
                if let Some(r) = &mut self.review {
                    r.sign_in = show.then(SignInForm::default);
                }
            }
            Command::EditSignIn(form) => {
                if let Some(r) = &mut self.review {
                    r.sign_in = Some(form);
                }
            }
            Command::SignIn => {
                let Some(r) = &mut self.review else { return };
                let Some(form) = r.sign_in.clone() else { return };
                match r.sign_in(&form) {
                    Ok(()) => r.sign_in = None,
                    Err(e) => self.error = Some(e),
                }
            }
            Command::SignOut => {
                if let Some(r) = &mut self.review {
                    r.sign_out();
                }
            }
            Command::Annotate => {
                let Some(tab) = self.active_tab() else { return };
                let sel = tab.selection();
                let (path, first, last) =
                    (tab.doc.path.display(), *sel.start() as u64 + 1, *sel.end() as u64 + 1);
                if let Some(r) = &mut self.review {
                    r.compose(path, first, last);
                    if r.identity.is_none() {
                        r.sign_in.get_or_insert_with(SignInForm::default);
                    }
                }
            }
            Command::EditComposer(c) => {
                if let Some(r) = &mut self.review {
                    r.edit(c);
                }
            }
            Command::SubmitAnnotation => {
                let (Some(r), Some(snap)) = (&mut self.review, &self.snapshot) else { return };
                if let Err(e) = r.submit(snap) {
                    self.error = Some(e);
                } else {
                    self.right = RightTab::Annotations;
                }
            }
            Command::DiscardComposer => {
                if let Some(r) = &mut self.review {
                    r.discard();
                }
            }
            Command::SelectThread(id) => {
                if let Some(r) = &mut self.review {
                    if r.selected != id {
                        r.reply.clear();
                    }
                    r.selected = id;
                }
                self.right = RightTab::Annotations;
            }
            Command::EditReply(text) => {
                if let Some(r) = &mut self.review {
                    r.reply = text;
                }
            }
            Command::Answer { parent, status } => {
                let Some(r) = &mut self.review else { return };
                let body = r.reply.clone();
                if let Err(e) = r.answer(&parent, &body, status) {
                    self.error = Some(e);
                }
            }
            Command::Retract(id) => {
                if let Some(r) = &mut self.review
                    && let Err(e) = r.retract(&id)
                {
                    self.error = Some(e);
                }
            }
            Command::MarkReviewed => {
                let path = self.active_tab().map(|t| t.doc.path.as_bytes().to_vec());
                let (Some(r), Some(snap), Some(path)) = (&mut self.review, &self.snapshot, path) else {
                    return;
                };
                if let Err(e) = r.mark_reviewed(snap, &path) {
                    self.error = Some(e);
                }
            }
            Command::ShowRight(tab) => self.right = tab,
            Command::ToggleWrap => self.prefs.wrap = !self.prefs.wrap,
            Command::ToggleInlineThreads => self.prefs.inline_threads = !self.prefs.inline_threads,
            Command::ToggleInlineThread(id) => toggle(&mut self.folded_threads, id),
            Command::SetUnreviewedFilter(on) => {
                self.unreviewed_filter = on;
                self.refresh_tree_matches();
            }
            Command::Record(action) => {
                let (Some(r), Some(snap)) = (&mut self.review, &self.snapshot) else { return };
                r.start_record(action, snap.clone());
                self.bottom = BottomTab::Record;
                self.prefs.show_health = true;
            }
            Command::SearchOpen(row) => {
                let crate::search_state::IndexState::Ready(index) = &self.search.index else { return };
                self.search.selected = row;
                if let Some((path, line)) = self.search.target(row, index) {
                    self.apply(Command::OpenFile { path, line: Some(line) });
                }
            }
            Command::ToggleDir(dir) => toggle(&mut self.expanded, dir),
            Command::SetTreeFilter(f) => {
                self.tree_filter = f;
                self.refresh_tree_matches();
            }
            Command::ToggleHealthPanel => self.prefs.show_health = !self.prefs.show_health,
            Command::ToggleTreePanel => self.prefs.show_tree = !self.prefs.show_tree,
            Command::ToggleSidePanel => self.prefs.show_side = !self.prefs.show_side,
            Command::SetDarkTheme(dark) => self.prefs.dark = dark,
            Command::DismissError => self.error = None,
        }
    }

    /// Collects the results of background work. Returns true if anything changed.
    pub fn poll(&mut self) -> bool {
        let searched = self.search.poll();
        let navigated = self.symbols.poll();
        let recorded = self.review.as_mut().is_some_and(|r| r.poll());
        if recorded {
            self.refresh_progress();
        }
        self.poll_load() || searched || navigated || recorded
    }

    /// Whether background work is under way (the window keeps repainting to show it).
    pub fn busy(&self) -> bool {
        matches!(self.load, Load::Loading { .. })
            || self.search.is_running()
            || self.symbols.is_running()
            || self.review.as_ref().is_some_and(|r| r.record_running())
    }

    fn poll_load(&mut self) -> bool {
        let Load::Loading { path, result, .. } = &self.load else { return false };
        match result.try_recv() {
            Ok(Ok(snapshot)) => {
                self.install(snapshot);
                true
            }
            Ok(Err(error)) => {
                let path = path.clone();
                self.fail(path, error);
                true
            }
            Err(TryRecvError::Empty) => false,
            Err(TryRecvError::Disconnected) => {
                let path = path.clone();
                self.fail(path, "the ingest thread stopped".into());
                true
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

    /// Records where the cursor is, so Alt+Left can come back to it. Consecutive duplicates collapse.
    fn remember_place(&mut self) {
        let Some(tab) = self.active_tab() else { return };
        let place = (tab.doc.path.as_bytes().to_vec(), tab.cursor_line);
        self.history.truncate(self.history_pos + 1);
        if self.history.last() != Some(&place) {
            self.history.push(place);
            if self.history.len() > HISTORY_LEN {
                self.history.remove(0);
            }
        }
        self.history_pos = self.history.len().saturating_sub(1);
    }

    fn go_history(&mut self, forward: bool) {
        // The current place may have moved since it was recorded: record it before leaving it.
        if !forward && self.history_pos + 1 == self.history.len() {
            self.remember_place();
        }
        let target = if forward { self.history_pos + 1 } else { self.history_pos.wrapping_sub(1) };
        let Some((path, line)) = self.history.get(target).cloned() else { return };
        self.history_pos = target;
        self.open_file(&path, Some(line));
    }

    /// Recomputes the overlay's result rows from its input.
    fn refresh_overlay(&mut self) {
        let Some(o) = &mut self.overlay else { return };
        match o.kind {
            OverlayKind::QuickOpen => {
                let files = self.tree.nodes.iter().filter(|n| !n.is_dir);
                let shown: Vec<(Vec<u8>, String)> =
                    files.map(|n| (n.path.clone(), String::from_utf8_lossy(&n.path).into_owned())).collect();
                let best = crate::fuzzy::best(
                    &o.input,
                    shown.iter().map(|(p, s)| (p.clone(), s.as_str())),
                    QUICK_OPEN_ROWS,
                );
                o.results = best
                    .into_iter()
                    .map(|path| OverlayItem {
                        label: String::from_utf8_lossy(&path).into_owned(),
                        detail: String::new(),
                        path,
                        line: None,
                    })
                    .collect();
            }
            OverlayKind::Symbols => {
                o.results.clear();
                let (Some(index), false) = (self.symbols.ready(), o.input.trim().is_empty()) else { return };
                let names = index
                    .names(o.input.trim(), vitrine_syntax::Match::Fuzzy, QUICK_OPEN_ROWS)
                    .unwrap_or_default();
                for name in names {
                    for hit in index.lookup(&name, vitrine_syntax::Match::Exact).unwrap_or_default() {
                        o.results.push(def_item(&hit, None));
                        if o.results.len() >= QUICK_OPEN_ROWS {
                            return;
                        }
                    }
                }
            }
            OverlayKind::GoToLine | OverlayKind::Help | OverlayKind::Definitions => {}
        }
    }

    /// The identifier under the cursor of the active tab.
    fn name_at_cursor(&self) -> Option<String> {
        let tab = self.active_tab()?;
        let crate::document::Content::Text(t) = &tab.doc.content else { return None };
        let at = vitrine_syntax::Point { line: tab.cursor_line as u32, column: tab.cursor_col as u32 };
        vitrine_syntax::nav::name_at(t.text.as_bytes(), at).map(|n| n.name)
    }

    fn go_to_definition(&mut self) {
        let Some(index) = self.symbols.ready().cloned() else {
            self.error = Some("The symbol index is still being built; try again in a moment.".into());
            return;
        };
        let Some(tab) = self.active_tab() else { return };
        let crate::document::Content::Text(t) = &tab.doc.content else { return };
        let at = vitrine_syntax::Point { line: tab.cursor_line as u32, column: tab.cursor_col as u32 };
        let file = tab.doc.path.display();
        let candidates = match vitrine_syntax::definition(&index, &file, t.text.as_bytes(), at) {
            Ok(c) => c,
            Err(e) => {
                self.error = Some(e.to_string());
                return;
            }
        };
        match candidates.as_slice() {
            [] => {
                let name = vitrine_syntax::nav::name_at(t.text.as_bytes(), at).map(|n| n.name);
                self.error = Some(match name {
                    Some(n) => format!("No definition of `{n}` found in this snapshot."),
                    None => "No identifier at the cursor (click on a name first).".into(),
                });
            }
            [one] => {
                let (path, line) = (one.hit.path.clone().into_bytes(), one.hit.at.line as usize);
                self.apply(Command::OpenFile { path, line: Some(line) });
            }
            many => {
                let results = many.iter().map(|c| def_item(&c.hit, Some(c.confidence))).collect();
                self.overlay = Some(Overlay {
                    kind: OverlayKind::Definitions,
                    input: String::new(),
                    selected: 0,
                    results,
                });
            }
        }
    }

    fn accept_overlay(&mut self) {
        let Some(o) = self.overlay.take() else { return };
        match o.kind {
            OverlayKind::QuickOpen | OverlayKind::Symbols | OverlayKind::Definitions => {
                if let Some(item) = o.results.get(o.selected).cloned() {
                    self.apply(Command::OpenFile { path: item.path, line: item.line });
                }
            }
            OverlayKind::GoToLine => {
                // "120" or "120:7" (the column is accepted and ignored: the cursor is a line).
                let line = o.input.trim().split(':').next().and_then(|l| l.trim().parse::<usize>().ok());
                match line {
                    Some(l) if l > 0 => {
                        self.remember_place();
                        if let Some(tab) = self.active_tab_mut() {
                            tab.move_to(l - 1, false);
                        }
                        self.remember_place();
                    }
                    _ => self.overlay = Some(o),
                }
            }
            OverlayKind::Help => {}
        }
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
            let r = Snapshot::open(&input, &config, &p).map_err(|e| e.to_string());
            let _ = tx.send(r);
        });
        self.load = match spawned {
            Ok(_) => Load::Loading { path, progress, result: rx },
            Err(e) => Load::Failed { path, error: format!("cannot start the ingest thread: {e}") },
        };
    }

    fn install(&mut self, snapshot: Snapshot) {
        self.tree = FileTree::build(&snapshot);
        self.health_groups = crate::health_ui::HealthGroups::build(snapshot.health());
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
        let snapshot = Arc::new(snapshot);
        self.search = crate::search_state::SearchState::default();
        self.symbols = crate::symbols_state::SymbolState::default();
        // One index after the other: each build uses every core, and their peaks of memory do not add up.
        let search_done =
            self.search.start_index(snapshot.clone(), &self.data, self.symbols.definitions.clone());
        self.symbols.start_index(snapshot.clone(), &self.data, Some(search_done));
        let dir = self.data.snapshot_dir(snapshot.content_key());
        let (review, problem) = ReviewState::open(
            dir.join("review"),
            snapshot.ids().tree_sha256.clone(),
            dir.join("drafts").join("annotation.json"),
        );
        self.review = Some(review);
        if let Some(p) = problem {
            self.error = Some(p);
        }
        self.opened.clear();
        self.coverage.clear();
        self.snapshot = Some(snapshot);
        self.load = Load::Ready;
        self.refresh_progress();
        for cmd in std::mem::take(&mut self.pending) {
            self.apply(cmd);
        }
    }

    fn open_file(&mut self, path: &[u8], line: Option<usize>) {
        if let Some(i) = self.tabs.iter().position(|t| t.doc.path.as_bytes() == path) {
            self.active = Some(i);
        } else {
            let Some(snapshot) = self.snapshot.clone() else { return };
            let Some(entry) = snapshot.file(path) else {
                self.error =
                    Some(format!("no file {} in this snapshot", vitrine_snapshot::path_display(path)));
                return;
            };
            let doc = Document::open(&snapshot, entry);
            let mut tab = Tab::new(doc);
            if let Some(seen) = self.coverage.remove(path) {
                tab.seen = seen;
            }
            self.tabs.push(tab);
            self.opened.insert(path.to_vec());
            self.active = Some(self.tabs.len() - 1);
            // Reveal the file in the tree.
            let mut prefix = Vec::new();
            for c in
                path.split(|&b| b == b'/').collect::<Vec<_>>().split_last().map(|x| x.1).unwrap_or_default()
            {
                if !prefix.is_empty() {
                    prefix.push(b'/');
                }
                prefix.extend_from_slice(c);
                self.expanded.insert(prefix.clone());
            }
        }
        if let (Some(line), Some(tab)) = (line, self.active_tab_mut()) {
            tab.move_to(line, false);
        }
    }
}

/// An overlay row for a definition: `kind name`, where, and how sure the match is.
fn def_item(hit: &vitrine_syntax::DefHit, confidence: Option<vitrine_syntax::Confidence>) -> OverlayItem {
    let scope = if hit.scope.is_empty() { String::new() } else { format!("{}::", hit.scope) };
    let sure = match confidence {
        Some(vitrine_syntax::Confidence::ExactScope) => " · exact scope",
        Some(vitrine_syntax::Confidence::SameFile) => " · same file",
        Some(vitrine_syntax::Confidence::Included) => " · included header",
        Some(vitrine_syntax::Confidence::SameName) => " · same name only",
        None => "",
    };
    let role = if matches!(hit.role, vitrine_syntax::Role::Declaration) { " (declaration)" } else { "" };
    OverlayItem {
        label: format!("{} {scope}{}{role}", hit.kind.as_str(), hit.name),
        detail: format!("{}:{}{sure}", hit.path, hit.at.line + 1),
        path: hit.path.clone().into_bytes(),
        line: Some(hit.at.line as usize),
    }
}

/// Find state for `query` in `doc`, starting at the first match at or after `from_line`.
fn find_state(doc: &Document, query: String, from_line: usize) -> FindState {
    let matches = match &doc.content {
        crate::document::Content::Text(t) => crate::find::find_all(&t.text, &query, FIND_LIMIT),
        _ => Vec::new(),
    };
    let current = matches.iter().position(|m| m.0 >= from_line).unwrap_or(0);
    FindState { query, matches, current }
}

/// Adds `item` to `set`, or takes it out if it was there.
fn toggle<T: Ord>(set: &mut BTreeSet<T>, item: T) {
    if !set.remove(&item) {
        set.insert(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded() -> (tempfile::TempDir, AppState) {
        let dir = tempfile::tempdir().unwrap();
        let snap = dir.path().join("snap");
        for (p, c) in [("a/one.c", "int one;\n"), ("a/b/two.c", "1\n2\n3\n4\n"), ("top.txt", "t\n")] {
            let f = snap.join(p);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, c).unwrap();
        }
        let mut s = AppState::new(DataDir::at(dir.path().join("data")), Prefs::default());
        s.apply(Command::OpenSnapshot(snap));
        s.wait_loaded();
        (dir, s)
    }

    #[test]
    fn opening_files_reuses_tabs_reveals_them_and_clamps_lines() {
        let (_d, mut s) = loaded();
        assert!(matches!(s.load, Load::Ready));
        s.apply(Command::OpenFile { path: b"a/b/two.c".to_vec(), line: Some(99) });
        assert_eq!(s.tabs.len(), 1);
        let tab = s.active_tab().unwrap();
        assert_eq!((tab.cursor_line, tab.scroll_to), (3, Some(3)));
        assert!(s.expanded.contains(b"a/b".as_slice()) && s.expanded.contains(b"a".as_slice()));
        s.apply(Command::OpenFile { path: b"top.txt".to_vec(), line: None });
        s.apply(Command::OpenFile { path: b"a/b/two.c".to_vec(), line: None });
        assert_eq!((s.tabs.len(), s.active), (2, Some(0)));
        s.apply(Command::SetCursorLine(1));
        assert_eq!(s.active_tab().unwrap().cursor_line, 1);
        s.apply(Command::OpenFile { path: b"missing".to_vec(), line: None });
        assert!(s.error.as_deref().unwrap().contains("missing"));
        s.apply(Command::DismissError);
        assert!(s.error.is_none());
    }

    #[test]
    fn closing_tabs_keeps_a_sensible_active_tab() {
        let (_d, mut s) = loaded();
        for p in ["a/one.c", "a/b/two.c", "top.txt"] {
            s.apply(Command::OpenFile { path: p.as_bytes().to_vec(), line: None });
        }
        s.apply(Command::ActivateTab(2));
        s.apply(Command::CloseTab(0));
        assert_eq!(s.active, Some(1));
        assert_eq!(s.active_tab().unwrap().doc.path.display(), "top.txt");
        s.apply(Command::CloseTab(1));
        assert_eq!(s.active, Some(0));
        s.apply(Command::CloseTab(0));
        assert_eq!(s.active, None);
        s.apply(Command::CloseTab(5));
        assert!(s.tabs.is_empty());
    }

    #[test]
    fn tree_filter_theme_health_and_dirs_toggle() {
        let (_d, mut s) = loaded();
        s.apply(Command::ToggleDir(b"a".to_vec()));
        let open = s.expanded.contains(b"a".as_slice());
        s.apply(Command::ToggleDir(b"a".to_vec()));
        assert_ne!(open, s.expanded.contains(b"a".as_slice()));
        s.apply(Command::SetTreeFilter("two".into()));
        assert_eq!(s.tree.filter(&s.tree_filter, 10).len(), 1);
        let matched: Vec<&[u8]> = s.tree_matches.iter().map(|&i| s.tree.nodes[i].path.as_slice()).collect();
        assert_eq!(matched, [b"a/b/two.c".as_slice()]);
        s.apply(Command::SetTreeFilter(".C".into()));
        assert_eq!(s.tree_matches.len(), 2, "the filter ignores case");
        s.apply(Command::SetTreeFilter(String::new()));
        assert!(s.tree_matches.is_empty());
        let health = s.prefs.show_health;
        s.apply(Command::ToggleHealthPanel);
        assert_ne!(health, s.prefs.show_health);
        s.apply(Command::SetDarkTheme(false));
        assert!(!s.prefs.dark);
        // Word wrap and inline threads are preferences; folding a thread is per thread.
        assert!(!s.prefs.wrap && s.prefs.inline_threads);
        s.apply(Command::ToggleWrap);
        s.apply(Command::ToggleInlineThreads);
        assert!(s.prefs.wrap && !s.prefs.inline_threads);
        assert!(s.prefs.show_tree && s.prefs.show_side);
        s.apply(Command::ToggleTreePanel);
        s.apply(Command::ToggleSidePanel);
        assert!(!s.prefs.show_tree && !s.prefs.show_side);
        s.apply(Command::ToggleTreePanel);
        assert!(s.prefs.show_tree);
        s.apply(Command::ToggleInlineThread("e1".into()));
        s.apply(Command::ToggleInlineThread("e2".into()));
        s.apply(Command::ToggleInlineThread("e1".into()));
        assert_eq!(s.folded_threads.iter().collect::<Vec<_>>(), ["e2"]);
        // Preferences written by an older version (without the new fields) still load.
        let old: Prefs =
            serde_json::from_str(r#"{"dark":false,"show_health":true,"font_tenths":140}"#).unwrap();
        assert!(!old.dark && !old.wrap && old.inline_threads && old.show_tree && old.show_side);
    }

    #[test]
    fn a_bad_snapshot_fails_with_its_path_and_a_queued_open_waits_for_load() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = AppState::new(DataDir::at(dir.path()), Prefs::default());
        s.apply(Command::OpenSnapshot(dir.path().join("nope")));
        s.after_load(Command::OpenFile { path: b"x".to_vec(), line: None });
        s.wait_loaded();
        let Load::Failed { error, .. } = &s.load else { panic!("{:?}", s.load) };
        assert!(error.contains("nope"), "{error}");
        assert!(s.tabs.is_empty());
    }
}
