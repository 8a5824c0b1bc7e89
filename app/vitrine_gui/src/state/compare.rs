//! "Compare with…": the version before (a second snapshot, folder or archive) opened against the
//! snapshot on screen, off the UI thread, and the diff of one changed file at a time.
//!
//! The snapshot on screen is the new version (the one under review); the one picked is the old one.
//! The file list and counts are `vitrine_compare::diff` (git's `-M` renames and `--numstat` counts);
//! a file's hunks are `vitrine_compare::display::line_hunks` (the same imara-diff Myers): no second diff
//! algorithm. A file's diff is laid out as rows once, for both layouts, so the view only slices them.

use std::collections::HashMap;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::{Receiver, TryRecvError};
use vitrine_compare::carry::{CarryReport, Versions};
use vitrine_compare::display::{Hunk, line_hunks};
use vitrine_compare::summary::Summary;
use vitrine_compare::{DiffOptions, FileChange, Side, SnapshotDiff};
use vitrine_snapshot::progress::Progress;
use vitrine_snapshot::{EntryKind, FileEntry, IngestConfig, LineIndex, Snapshot};
use vitrine_syntax::Syntax;

use crate::state::coverage::LineSet;
use crate::state::highlight::Highlighter;
use crate::state::{AppState, NavCmd, ReviewCmd};

/// What the compare view can be asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompareCmd {
    /// Open the version before (a folder or an archive) and compare it with the snapshot on screen.
    Open(PathBuf),
    /// Leave the comparison: the tree and the code view are the snapshot's again.
    Close,
    /// Show the diff of a changed file (an index into the comparison's file list).
    OpenChange(usize),
    /// The next (true) or previous (false) changed file.
    StepFile(bool),
    /// The next (true) or previous (false) hunk of the diff on screen.
    StepHunk(bool),
    /// Side by side (false) or inline (true).
    SetInline(bool),
    /// What the middle of the window shows.
    Show(Middle),
    /// Show the diff of the change listed under `path` (its new path, or the old one of a deleted
    /// file), at a 0-based line of one side (the update summary's rows).
    OpenAt {
        /// The change's path as the file list shows it.
        path: String,
        /// The side and 0-based line to bring on screen.
        line: Option<(Side, u32)>,
    },
    /// A click on a line of one side; with `extend`, the selection grows from its anchor.
    Select {
        /// The side clicked.
        side: Side,
        /// The 0-based line clicked.
        line: u32,
        /// Grow the selection from its anchor (Shift+click) instead of starting a new one.
        extend: bool,
    },
    /// Annotate the selected lines, through the review's composer: on the new side an annotation of
    /// the snapshot on screen; on the old side an annotation of the version before, written in its
    /// review and carried over at once (`vitrine_compare::carry::annotate_before`).
    Annotate,
    /// Answer a thread (by its root entry id) with the reply typed, pointing at the lines selected on
    /// the new side of the diff (where the vendor fixed it), optionally setting its status.
    AnswerAt {
        /// The thread's root entry id.
        parent: String,
        /// The thread's new status, if one was chosen.
        status: Option<vitrine_record::Status>,
    },
    /// Rows of the diff that have been on screen (the new side's changed lines count as seen).
    Seen(Range<usize>),
    /// Carry the threads of the version before's review over to the review on screen, signed with the
    /// signed-in key (what `vitrine port` does), on a thread of its own with progress.
    Port,
    /// Stop the port under way (before it writes anything).
    CancelPort,
}

/// The comparison and the diff on screen.
#[derive(Debug)]
pub struct CompareState {
    /// What was picked as the version before.
    pub old_path: PathBuf,
    /// Loading, ready or failed.
    pub phase: Phase,
    /// The diff of the change on screen.
    pub file: Option<FileDiff>,
    /// Inline rather than side by side (kept from file to file).
    pub inline: bool,
    /// What the middle of the window shows.
    pub middle: Middle,
    /// The update summary (health and symbol delta), computed after the file list.
    pub summary: SummaryState,
    /// Changed lines of the new side seen on screen, per new path.
    seen: HashMap<String, LineSet>,
    /// The background thread's messages (the file list, then the summary).
    rx: Option<Receiver<Message>>,
    /// Commands given before the comparison was ready (a file to show at start), applied once it is.
    pending: Vec<CompareCmd>,
    /// What the last port did ("2 threads carried over: 1 changed, 1 moved"), or why it failed.
    pub ported: Option<Result<String, String>>,
    /// The port under way: its progress, and where its result arrives.
    porting: Option<PortJob>,
    /// Whether the review progress has counted the version before's review-marks yet.
    progress_counted: bool,
}

/// A port running on its own thread: the review it wrote (the window takes its entries) and the report.
type PortResult = Result<(vitrine_record::Review, CarryReport), String>;

#[derive(Debug)]
struct PortJob {
    progress: Arc<Progress>,
    rx: Receiver<PortResult>,
}

/// What the middle of the window shows while comparing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Middle {
    /// The tabs of the snapshot on screen.
    #[default]
    Code,
    /// The diff of the change selected.
    Diff,
    /// The update summary.
    Summary,
}

/// Where the comparison is.
#[derive(Debug)]
pub enum Phase {
    /// The version before is being opened and compared.
    Loading {
        /// The ingest's progress, shown in the status line.
        progress: Arc<Progress>,
    },
    /// Both versions compared.
    Ready(Arc<Compared>),
    /// Opening or comparing failed, with the reason.
    Failed(String),
}

/// The update summary's state.
#[derive(Debug, Default)]
pub enum SummaryState {
    /// Not computed yet.
    #[default]
    Pending,
    /// The health and symbol delta.
    Ready(Arc<Summary>),
    /// Computing it failed, with the reason.
    Failed(String),
}

/// What the background thread sends: the file list first, then the summary.
#[derive(Debug)]
pub enum Message {
    /// The comparison (file list), or why it failed.
    Diff(Result<Arc<Compared>, String>),
    /// The update summary, or why it failed.
    Summary(Result<Arc<Summary>, String>),
}

/// Two snapshots compared.
#[derive(Debug)]
pub struct Compared {
    /// The version before.
    pub old: Arc<Snapshot>,
    /// The snapshot on screen.
    pub new: Arc<Snapshot>,
    /// The changed files, as `vitrine diff` lists them.
    pub diff: SnapshotDiff,
    /// Time to compare once both snapshots were ingested.
    pub diff_ms: u64,
    /// Ingest of the old snapshot.
    pub ingest_ms: u64,
    /// Review-marks of the version before's review, as (path, blob id): a file of the new version with
    /// the same bytes (at the same path, or renamed without an edit) is reviewed already.
    pub old_marks: std::collections::HashSet<(String, String)>,
    /// New path -> old path of the exact renames.
    renamed_from: HashMap<String, String>,
    /// Manifest entry index by displayed path, on each side.
    old_index: HashMap<String, usize>,
    /// The same for the new side.
    new_index: HashMap<String, usize>,
}

impl Compared {
    /// The version before's manifest entry at a displayed path.
    pub fn old_entry(&self, path: &str) -> Option<&FileEntry> {
        self.old.files().get(*self.old_index.get(path)?)
    }

    /// The new version's manifest entry at a displayed path.
    pub fn new_entry(&self, path: &str) -> Option<&FileEntry> {
        self.new.files().get(*self.new_index.get(path)?)
    }

    /// Whether the new version's file `path` with blob `blob` (hex) carries a review-mark of the version
    /// before: the same bytes were marked reviewed there, at this path or at the one it was renamed from.
    pub fn reviewed_before(&self, path: &str, blob: &str) -> bool {
        let key = |p: &str| (p.to_owned(), blob.to_owned());
        self.old_marks.contains(&key(path))
            || self.renamed_from.get(path).is_some_and(|old| self.old_marks.contains(&key(old)))
    }

    /// The change listed for a new path (or, for a deleted file, its old path).
    pub fn change_of(&self, path: &str) -> Option<usize> {
        self.diff.files.iter().position(|c| c.path() == path)
    }
}

/// A side of one file's diff, as text.
pub struct SideText {
    /// The file's text (decoded for display).
    pub text: Arc<str>,
    /// Where each line starts.
    pub lines: LineIndex,
    /// Lines as the diff counts them (an empty text has none).
    pub count: u32,
    /// The grammar its highlighting uses.
    pub syntax: Syntax,
    /// This side's highlighter (the code view's own).
    pub highlight: Highlighter,
}

impl std::fmt::Debug for SideText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SideText").field("count", &self.count).finish()
    }
}

impl SideText {
    fn new(path: &str, text: String) -> SideText {
        let count = u32::try_from(vitrine_snapshot::lines::count_lines(text.as_bytes())).unwrap_or(u32::MAX);
        let text: Arc<str> = Arc::from(text);
        let lines = LineIndex::new(text.as_bytes());
        let head = text.as_bytes().get(..text.len().min(512)).unwrap_or_default();
        let syntax = vitrine_syntax::syntax_for(path, head);
        let highlight = Highlighter::start(text.clone(), &lines, syntax);
        SideText { text, lines, count, syntax, highlight }
    }

    /// The text of a 0-based line, without its terminator.
    pub fn line(&self, line: u32) -> &str {
        self.lines
            .line_range(self.text.as_bytes(), line as usize)
            .and_then(|r| self.text.get(r))
            .unwrap_or("")
    }
}

/// What a row of the diff shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// The same line on both sides.
    Same,
    /// Side by side: a line of a hunk on either side or both.
    Changed,
    /// Inline: a removed line (`new` is the added line it is compared with, if any).
    Removed,
    /// Inline: an added line (`old` is the removed line it is compared with, if any).
    Added,
}

/// One row: 0-based lines of each side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// The version before's line, if the row shows one.
    pub old: Option<u32>,
    /// The new version's line, if the row shows one.
    pub new: Option<u32>,
    /// How the row is drawn.
    pub kind: RowKind,
}

/// One layout's rows and where each hunk starts.
#[derive(Debug, Default)]
pub struct Layout {
    /// Every row, top to bottom.
    pub rows: Vec<Row>,
    /// The first row of each hunk (F7 / Shift+F7 step through them).
    pub hunk_starts: Vec<usize>,
}

/// The diff of one changed file.
#[derive(Debug)]
pub struct FileDiff {
    /// Index into the comparison's file list.
    pub change: usize,
    /// Status, paths and counts of the change.
    pub info: FileChange,
    /// The version before's text, if it has one.
    pub old: Option<SideText>,
    /// The new version's text, if it has one.
    pub new: Option<SideText>,
    /// Why a side has no text (binary, symlink, unreadable).
    pub note: Option<String>,
    /// The hunks, with their changed words (vitrine_compare's display diff).
    pub hunks: Vec<Hunk>,
    /// The rows side by side.
    pub split: Layout,
    /// The rows inline.
    pub inline: Layout,
    /// The row the reader is at (hunk steps start from it).
    pub cursor: usize,
    /// A row to bring on screen, and the request's count (the view scrolls once per request).
    pub scroll_to: Option<(usize, u64)>,
    /// Selected lines: the side, the anchor and the line clicked last.
    pub selection: Option<(Side, u32, u32)>,
}

impl FileDiff {
    /// The rows of the layout on screen.
    pub fn layout(&self, inline: bool) -> &Layout {
        if inline { &self.inline } else { &self.split }
    }

    /// The selection as an inclusive range of 0-based lines of its side.
    pub fn selected(&self) -> Option<(Side, u32, u32)> {
        self.selection.map(|(side, a, b)| (side, a.min(b), a.max(b)))
    }

    fn scroll(&mut self, row: usize) {
        self.cursor = row;
        let seq = self.scroll_to.map_or(1, |(_, s)| s + 1);
        self.scroll_to = Some((row, seq));
    }
}

/// Rows of both layouts for `hunks` between texts of `old_count` and `new_count` lines.
pub fn layouts(hunks: &[Hunk], old_count: u32, new_count: u32) -> (Layout, Layout) {
    let (mut split, mut inline) = (Layout::default(), Layout::default());
    let (mut o, mut n) = (0u32, 0u32);
    let same = |o: u32, n: u32| Row { old: Some(o), new: Some(n), kind: RowKind::Same };
    for h in hunks {
        while o < h.old.start && n < h.new.start {
            split.rows.push(same(o, n));
            inline.rows.push(same(o, n));
            o += 1;
            n += 1;
        }
        split.hunk_starts.push(split.rows.len());
        inline.hunk_starts.push(inline.rows.len());
        let (lo, ln) = (h.old.end - h.old.start, h.new.end - h.new.start);
        let at = |base: u32, len: u32, i: u32| (i < len).then_some(base + i);
        for i in 0..lo.max(ln) {
            let row =
                Row { old: at(h.old.start, lo, i), new: at(h.new.start, ln, i), kind: RowKind::Changed };
            split.rows.push(row);
        }
        for i in 0..lo {
            inline.rows.push(Row {
                old: Some(h.old.start + i),
                new: at(h.new.start, ln, i),
                kind: RowKind::Removed,
            });
        }
        for i in 0..ln {
            inline.rows.push(Row {
                old: at(h.old.start, lo, i),
                new: Some(h.new.start + i),
                kind: RowKind::Added,
            });
        }
        (o, n) = (h.old.end, h.new.end);
    }
    while o < old_count && n < new_count {
        split.rows.push(same(o, n));
        inline.rows.push(same(o, n));
        o += 1;
        n += 1;
    }
    (split, inline)
}

impl CompareState {
    /// The comparison, once ready.
    pub fn compared(&self) -> Option<&Arc<Compared>> {
        match &self.phase {
            Phase::Ready(c) => Some(c),
            _ => None,
        }
    }

    /// Whether the background thread is still working (the window keeps repainting).
    pub fn running(&self) -> bool {
        self.rx.is_some() || self.porting.is_some()
    }

    /// The progress of the port under way, if one is.
    pub fn porting(&self) -> Option<&Arc<Progress>> {
        self.porting.as_ref().map(|j| &j.progress)
    }

    /// Share of the changed lines of `path` (new side) seen on screen, 0..=1 (`None`: it adds no line).
    pub fn changed_seen(&self, change: &FileChange) -> Option<f32> {
        let added = change.additions.filter(|&a| a > 0)?;
        let seen = self.seen.get(change.new_path.as_deref()?).map_or(0, LineSet::count);
        Some((seen as f64 / added as f64).min(1.0) as f32)
    }

    /// Changed lines seen and changed (added) lines in all, over every changed file's new side.
    pub fn changed_lines_seen(&self) -> (u64, u64) {
        let Some(c) = self.compared() else { return (0, 0) };
        let total: u64 = c.diff.files.iter().filter_map(|f| f.additions).sum();
        let seen: u64 = self.seen.values().map(|s| s.count() as u64).sum();
        (seen.min(total), total)
    }

    /// Collects what the background thread sent.
    fn poll(&mut self) {
        while let Some(rx) = &self.rx {
            match rx.try_recv() {
                Ok(m) => self.handle(Some(m)),
                Err(TryRecvError::Empty) => return,
                Err(TryRecvError::Disconnected) => self.handle(None),
            }
        }
    }

    /// Blocks until the thread is done (tests and benchmarks).
    pub fn wait(&mut self) {
        while let Some(rx) = &self.rx {
            let m = rx.recv().ok();
            self.handle(m);
        }
    }

    /// One message of the thread (`None`: it has stopped).
    fn handle(&mut self, message: Option<Message>) {
        match message {
            Some(Message::Diff(Ok(c))) => self.phase = Phase::Ready(c),
            Some(Message::Diff(Err(e))) => self.phase = Phase::Failed(e),
            Some(Message::Summary(Ok(s))) => self.summary = SummaryState::Ready(s),
            Some(Message::Summary(Err(e))) => self.summary = SummaryState::Failed(e),
            None => {
                if matches!(self.phase, Phase::Loading { .. }) {
                    self.phase = Phase::Failed("the compare thread stopped".into());
                }
                if matches!(self.summary, SummaryState::Pending) {
                    self.summary = SummaryState::Failed("the compare thread stopped".into());
                }
                self.rx = None;
            }
        }
    }
}

/// The (path, blob) pairs of the review-marks of the review in `dir` (none when it cannot be read: a
/// missing review is no review, and the window's own review panel reports a broken one).
fn review_marks(dir: &std::path::Path, tree: &str) -> std::collections::HashSet<(String, String)> {
    let Ok(review) = vitrine_record::Review::open(dir, tree) else { return Default::default() };
    // Only the marks the policy counts (signed by the reviewing side, by no retired principal).
    vitrine_record::policy::counted_review_marks(review.entries())
        .into_iter()
        .filter_map(|v| v.entry.target.as_ref())
        .map(|t| (t.shown(), t.blob.clone()))
        .collect()
}

/// The text of a manifest entry for the diff: decoded text, a symlink's target, or why there is none.
fn side_text(snapshot: &Snapshot, entry: &FileEntry) -> Result<String, String> {
    if let EntryKind::Symlink { target } = &entry.kind {
        return Ok(format!("symbolic link -> {}\n", vitrine_snapshot::path_display(target)));
    }
    let Some(encoding) = entry.encoding else {
        return Err(format!("binary file, {} bytes", entry.size_bytes));
    };
    let bytes = snapshot.read(entry).map_err(|e| e.to_string())?;
    Ok(vitrine_snapshot::text::decode(&bytes, encoding).into_owned())
}

impl AppState {
    pub(crate) fn apply_compare(&mut self, cmd: CompareCmd) {
        // What needs the file list waits for it.
        if let Some(c) = &mut self.compare
            && matches!(c.phase, Phase::Loading { .. })
            && matches!(cmd, CompareCmd::OpenAt { .. } | CompareCmd::Show(_) | CompareCmd::SetInline(_))
        {
            c.pending.push(cmd);
            return;
        }
        match cmd {
            CompareCmd::Open(path) => self.start_compare(path),
            CompareCmd::Close => self.close_compare(),
            CompareCmd::OpenChange(i) => self.open_change(i),
            CompareCmd::StepFile(forward) => self.step_file(forward),
            CompareCmd::StepHunk(forward) => self.step_hunk(forward),
            CompareCmd::SetInline(inline) => self.set_inline(inline),
            CompareCmd::Show(middle) => {
                if let Some(c) = &mut self.compare
                    && c.compared().is_some()
                {
                    c.middle = if middle == Middle::Diff && c.file.is_none() { Middle::Code } else { middle };
                }
            }
            CompareCmd::OpenAt { path, line } => self.open_at(&path, line),
            CompareCmd::Select { side, line, extend } => {
                let Some(f) = self.compare.as_mut().and_then(|c| c.file.as_mut()) else { return };
                f.selection = match f.selection {
                    Some((s, anchor, _)) if extend && s == side => Some((side, anchor, line)),
                    _ => Some((side, line, line)),
                };
            }
            CompareCmd::Annotate => self.annotate_diff(),
            CompareCmd::AnswerAt { parent, status } => {
                if let Err(e) = self.answer_at_selection(&parent, status) {
                    self.error = Some(e);
                }
                self.refresh_progress();
                self.threads.refresh(self.review.as_ref());
            }
            CompareCmd::Port => self.start_port(),
            CompareCmd::CancelPort => {
                if let Some(job) = self.compare.as_ref().and_then(|c| c.porting.as_ref()) {
                    job.progress.cancel();
                }
            }
            CompareCmd::Seen(rows) => self.mark_seen(rows),
        }
    }

    /// Closes the comparison, cancelling its load; refused while a port is running.
    fn close_compare(&mut self) {
        // A port writes to the review on screen: its result must be taken before the comparison
        // (which holds the job) goes.
        if self.compare.as_ref().is_some_and(|c| c.porting.is_some()) {
            self.error = Some("Threads are being ported: wait for the port or stop it, then close.".into());
            return;
        }
        if let Some(Phase::Loading { progress }) = self.compare.as_ref().map(|c| &c.phase) {
            progress.cancel();
        }
        self.compare = None;
        self.refresh_progress();
    }

    /// Opens the next (or previous) changed file, the first (or last) when none is open.
    fn step_file(&mut self, forward: bool) {
        let Some(c) = &self.compare else { return };
        let Some(compared) = c.compared() else { return };
        let n = compared.diff.files.len();
        let next = match (c.file.as_ref().map(|f| f.change), forward) {
            (None, true) => 0,
            (None, false) => n.saturating_sub(1),
            (Some(i), true) => (i + 1).min(n.saturating_sub(1)),
            (Some(i), false) => i.saturating_sub(1),
        };
        if n > 0 {
            self.open_change(next);
        }
    }

    /// Moves the diff's cursor to the next (or previous) hunk, showing the diff.
    fn step_hunk(&mut self, forward: bool) {
        let Some(c) = &mut self.compare else { return };
        if c.file.is_some() {
            c.middle = Middle::Diff;
        }
        let inline = c.inline;
        let Some(f) = &mut c.file else { return };
        let starts = &f.layout(inline).hunk_starts;
        let target = if forward {
            starts.iter().copied().find(|&s| s > f.cursor)
        } else {
            starts.iter().copied().rev().find(|&s| s < f.cursor)
        };
        if let Some(row) = target {
            f.scroll(row);
        }
    }

    /// Switches between the inline and the side-by-side diff, keeping the cursor's place.
    fn set_inline(&mut self, inline: bool) {
        let Some(c) = &mut self.compare else { return };
        if c.inline == inline {
            return;
        }
        if let Some(f) = &mut c.file {
            // The same place in the other layout: the first row at or after the cursor's lines.
            let at = f.layout(c.inline).rows.get(f.cursor).copied();
            let rows = &f.layout(inline).rows;
            let row = at.map_or(0, |at| {
                rows.iter()
                    .position(|r| match (at.new, r.new, at.old, r.old) {
                        (Some(a), Some(b), _, _) => b >= a,
                        (_, _, Some(a), Some(b)) => b >= a,
                        _ => false,
                    })
                    .unwrap_or(0)
            });
            f.scroll(row);
        }
        c.inline = inline;
    }

    /// Opens the change of `path` and, with a line, scrolls to it and selects it.
    fn open_at(&mut self, path: &str, line: Option<(Side, u32)>) {
        let Some(index) = self.compare.as_ref().and_then(|c| c.compared()?.change_of(path)) else {
            return;
        };
        self.open_change(index);
        let Some(c) = &mut self.compare else { return };
        let inline = c.inline;
        let (Some(f), Some((side, line))) = (&mut c.file, line) else { return };
        let row = f.layout(inline).rows.iter().position(|r| match side {
            Side::Old => r.old.is_some_and(|o| o >= line),
            Side::New => r.new.is_some_and(|n| n >= line),
        });
        if let Some(row) = row {
            f.scroll(row);
            f.selection = Some((side, line, line));
        }
    }

    /// Counts the new side's changed and added lines among `rows` (on screen) as seen.
    fn mark_seen(&mut self, rows: std::ops::Range<usize>) {
        let Some(c) = &mut self.compare else { return };
        let inline = c.inline;
        let Some(f) = &c.file else { return };
        let (Some(path), Some(new)) = (f.info.new_path.clone(), &f.new) else { return };
        let set = c.seen.entry(path).or_insert_with(|| LineSet::new(new.count as usize));
        for r in f.layout(inline).rows.get(rows).unwrap_or_default() {
            if let (RowKind::Changed | RowKind::Added, Some(n)) = (r.kind, r.new) {
                set.insert(n as usize..n as usize + 1);
            }
        }
    }

    fn start_compare(&mut self, path: PathBuf) {
        let Some(new) = self.snapshot.clone() else {
            self.error = Some("Open the new version first, then compare it with the version before.".into());
            return;
        };
        if let Some(Phase::Loading { progress }) = self.compare.as_ref().map(|c| &c.phase) {
            progress.cancel();
        }
        let progress = Arc::new(Progress::default());
        let (tx, rx) = crossbeam_channel::bounded(2);
        let config = IngestConfig {
            blob_dir: Some(self.data.blob_dir()),
            cache_dir: Some(self.data.ingest_cache_dir()),
            ..IngestConfig::default()
        };
        let (p, input) = (progress.clone(), path.clone());
        let data = self.data.clone();
        let spawned = std::thread::Builder::new().name("compare".into()).spawn(move || {
            let started = Instant::now();
            let old = match Snapshot::open_beside(&input, &new, &config, &p) {
                Ok(s) => Arc::new(s),
                Err(e) => {
                    let _ = tx.send(Message::Diff(Err(format!("cannot open {}: {e}", input.display()))));
                    return;
                }
            };
            let ingest_ms = started.elapsed().as_millis() as u64;
            let old_review_dir = data.review_dir(&old.ids().tree_sha256);
            let started = Instant::now();
            let diff = match vitrine_compare::diff(&old, &new, &DiffOptions::default()) {
                Ok(d) => d,
                Err(e) => {
                    let _ = tx.send(Message::Diff(Err(e.to_string())));
                    return;
                }
            };
            let index = |s: &Snapshot| -> HashMap<String, usize> {
                s.files().iter().enumerate().map(|(i, f)| (f.path.display(), i)).collect()
            };
            let (old_index, new_index) = (index(&old), index(&new));
            let diff_ms = started.elapsed().as_millis() as u64;
            let renamed_from = diff
                .files
                .iter()
                .filter(|f| f.old_blob == f.new_blob)
                .filter_map(|f| Some((f.new_path.clone()?, f.old_path.clone()?)))
                .collect();
            let old_marks = review_marks(&old_review_dir, &old.ids().tree_sha256.to_string());
            let compared = Compared {
                old,
                new,
                diff,
                diff_ms,
                ingest_ms,
                old_marks,
                renamed_from,
                old_index,
                new_index,
            };
            let compared = Arc::new(compared);
            if tx.send(Message::Diff(Ok(compared.clone()))).is_err() {
                return;
            }
            let summary = vitrine_compare::summary::summarize(&compared.old, &compared.new, &compared.diff)
                .map(Arc::new)
                .map_err(|e| e.to_string());
            let _ = tx.send(Message::Summary(summary));
        });
        let (phase, rx) = match spawned {
            Ok(_) => (Phase::Loading { progress }, Some(rx)),
            Err(e) => (Phase::Failed(format!("cannot start the compare thread: {e}")), None),
        };
        self.compare = Some(CompareState {
            old_path: path,
            phase,
            file: None,
            inline: false,
            middle: Middle::Code,
            summary: SummaryState::Pending,
            seen: HashMap::new(),
            rx,
            pending: Vec::new(),
            ported: None,
            porting: None,
            progress_counted: false,
        });
    }

    /// Collects the compare thread's results (once per frame, with the other background work).
    pub(crate) fn poll_compare(&mut self) {
        let Some(c) = &mut self.compare else { return };
        c.poll();
        let done = match c.porting.as_ref().map(|j| j.rx.try_recv()) {
            Some(Ok(result)) => Some(result),
            Some(Err(TryRecvError::Disconnected)) => Some(Err("the port thread stopped".into())),
            Some(Err(TryRecvError::Empty)) | None => None,
        };
        if let Some(result) = done {
            self.port_done(result);
        }
        let Some(c) = &mut self.compare else { return };
        if c.compared().is_some() {
            if !std::mem::replace(&mut c.progress_counted, true) {
                // Files unchanged since a review-mark of the version before count as reviewed.
                self.refresh_progress();
            }
            let pending = self.compare.as_mut().map(|c| std::mem::take(&mut c.pending)).unwrap_or_default();
            for cmd in pending {
                self.apply_compare(cmd);
            }
        }
    }

    /// Blocks until the port under way is done and applies its result (tests and benchmarks).
    pub fn wait_ported(&mut self) {
        let result = match self.compare.as_ref().and_then(|c| c.porting.as_ref()) {
            Some(job) => job.rx.recv().unwrap_or_else(|_| Err("the port thread stopped".into())),
            None => return,
        };
        self.port_done(result);
    }

    /// Blocks until the comparison and its summary are done, and applies what waited for it (tests).
    pub fn wait_compared(&mut self) {
        if let Some(c) = &mut self.compare {
            c.wait();
        }
        self.poll_compare();
    }

    fn open_change(&mut self, index: usize) {
        let Some(c) = &mut self.compare else { return };
        let Some(compared) = c.compared().cloned() else { return };
        let Some(info) = compared.diff.files.get(index).cloned() else { return };
        let mut notes = Vec::new();
        let mut side = |entry: Option<&FileEntry>, snap: &Snapshot, path: Option<&str>, name: &str| {
            let (entry, path) = (entry?, path?);
            match side_text(snap, entry) {
                Ok(text) => Some(SideText::new(path, text)),
                Err(why) => {
                    notes.push(format!("{name}: {why}"));
                    None
                }
            }
        };
        let old_path = info.old_path.as_deref();
        let new_path = info.new_path.as_deref();
        let old = side(old_path.and_then(|p| compared.old_entry(p)), &compared.old, old_path, "old");
        let new = side(new_path.and_then(|p| compared.new_entry(p)), &compared.new, new_path, "new");
        let (old_text, new_text) =
            (old.as_ref().map_or("", |s| &*s.text), new.as_ref().map_or("", |s| &*s.text));
        let (old_count, new_count) =
            (old.as_ref().map_or(0, |s| s.count), new.as_ref().map_or(0, |s| s.count));
        // A side that is not text (binary, unreadable) shows no lines: the other side's are not "added".
        let hunks =
            if notes.is_empty() { line_hunks(old_text.as_bytes(), new_text.as_bytes()) } else { Vec::new() };
        let (split, inline) = if notes.is_empty() {
            layouts(&hunks, old_count, new_count)
        } else {
            (Layout::default(), Layout::default())
        };
        let first = split.hunk_starts.first().copied().unwrap_or(0);
        let first_inline = inline.hunk_starts.first().copied().unwrap_or(0);
        let mut file = FileDiff {
            change: index,
            info,
            old,
            new,
            note: (!notes.is_empty()).then(|| notes.join("; ")),
            hunks,
            split,
            inline,
            cursor: 0,
            scroll_to: None,
            selection: None,
        };
        // The first hunk a few rows down from the top of the view.
        file.scroll(if c.inline { first_inline } else { first });
        c.file = Some(file);
        c.middle = Middle::Diff;
    }

    /// Starts carrying the old review's threads over to the review on screen, on a thread of its own
    /// (the diff the window has is reused): the window stays responsive and shows the progress.
    fn start_port(&mut self) {
        let Some(c) = &self.compare else { return };
        if c.porting.is_some() {
            return;
        }
        let ready =
            c.compared().cloned().ok_or_else(|| "the comparison is not ready".to_owned()).and_then(|cmp| {
                let review = self.review.as_ref().ok_or("no review is open")?;
                Ok((cmp, review.port_writer().map_err(|e| e.to_string())?))
            });
        let (compared, writer) = match ready {
            Ok(r) => r,
            Err(e) => {
                if let Some(c) = &mut self.compare {
                    c.ported = Some(Err(e));
                }
                return;
            }
        };
        let old_tree = compared.old.ids().tree_sha256.to_string();
        let old_dir = self.data.review_dir(&compared.old.ids().tree_sha256);
        let progress = Arc::new(Progress::default());
        let p = progress.clone();
        let (tx, rx) = crossbeam_channel::bounded(1);
        let spawned = std::thread::Builder::new().name("port".into()).spawn(move || {
            let run = || -> PortResult {
                let old_review = vitrine_record::Review::open(&old_dir, &old_tree).map_err(|e| {
                    format!(
                        "cannot open the review of the version before in {}: {}",
                        old_dir.display(),
                        crate::state::errors::error_chain(&e)
                    )
                })?;
                let mut review = writer.open()?;
                let v = Versions {
                    old: &compared.old,
                    new: &compared.new,
                    diff: Some(&compared.diff),
                    progress: Some(&p),
                };
                let now = vitrine_record::time::OffsetDateTime::now_utc();
                let report = vitrine_compare::carry::carry_threads(
                    &v,
                    &old_review,
                    &mut review,
                    &writer.signer,
                    now,
                    None,
                )
                .map_err(|e| crate::state::errors::error_chain(&e))?;
                Ok((review, report))
            };
            let _ = tx.send(run());
        });
        let Some(c) = &mut self.compare else { return };
        match spawned {
            Ok(_) => {
                c.ported = None;
                c.porting = Some(PortJob { progress, rx });
            }
            Err(e) => c.ported = Some(Err(format!("cannot start the port thread: {e}"))),
        }
    }

    /// Applies a finished port: the review's new entries, and what it did ("2 threads carried over: 1
    /// changed, 1 moved"), or why it failed.
    fn port_done(&mut self, result: PortResult) {
        let text = result.map(|(review, report)| {
            if let Some(r) = &mut self.review {
                r.written(&review);
            }
            port_text(&report)
        });
        if let Some(c) = &mut self.compare {
            c.porting = None;
            c.ported = Some(text);
        }
        self.refresh_progress();
        self.threads.refresh(self.review.as_ref());
    }

    /// Signs the review's reply to thread `parent`, pointing at the lines selected on the new side of the
    /// diff (1-based in the entry), with `status` if one was chosen.
    fn answer_at_selection(
        &mut self,
        parent: &str,
        status: Option<vitrine_record::Status>,
    ) -> Result<String, String> {
        let c = self.compare.as_ref().ok_or("nothing is being compared")?;
        let compared = c.compared().ok_or("the comparison is not ready")?;
        let f = c.file.as_ref().ok_or("open a changed file and select lines of the new version first")?;
        let Some((Side::New, first, last)) = f.selected() else {
            return Err("select lines of the new version (the right side of the diff) first".into());
        };
        let entry = f
            .info
            .new_path
            .as_deref()
            .and_then(|p| compared.new_entry(p))
            .ok_or("the selected lines are not in a file of the new version")?;
        let content = compared.new.read(entry).map_err(|e| crate::state::errors::error_chain(&e))?;
        let (first, last) = (u64::from(first) + 1, u64::from(last) + 1);
        let target = vitrine_record::port::target_at(entry.path.as_bytes(), &content, first, last)
            .ok_or_else(|| format!("lines {first}-{last} are outside {}", entry.path.display()))?;
        let review = self.review.as_mut().ok_or("no review is open")?;
        let body = review.reply.clone();
        review.answer_at(parent, &body, status, Some(target)).map_err(|e| e.to_string())
    }

    /// Signs the composer's annotation of lines of the version before in that version's review and
    /// carries it over to the review on screen (the composer's `before`).
    pub(crate) fn submit_before(&mut self) -> Result<String, String> {
        let compared =
            self.compare.as_ref().and_then(|c| c.compared().cloned()).ok_or("the comparison is not ready")?;
        let old_dir = self.data.review_dir(&compared.old.ids().tree_sha256);
        let review = self.review.as_mut().ok_or("no review is open")?;
        let v =
            Versions { old: &compared.old, new: &compared.new, diff: Some(&compared.diff), progress: None };
        review.submit_before(&v, &old_dir).map_err(|e| e.to_string())
    }

    /// Opens the composer on the diff's selected lines: a selection of the new side annotates the
    /// snapshot on screen (its file opened in a tab with those lines selected, the existing composer).
    fn annotate_diff(&mut self) {
        let Some(c) = &self.compare else { return };
        let (Some(compared), Some(f)) = (c.compared(), &c.file) else { return };
        let Some((side, first, last)) = f.selected() else {
            self.error = Some("Select lines of the diff first (click, Shift+click), then annotate.".into());
            return;
        };
        match side {
            Side::New => {
                let Some(entry) = f.info.new_path.as_deref().and_then(|p| compared.new_entry(p)) else {
                    return;
                };
                let path = entry.path.as_bytes().to_vec();
                self.apply(NavCmd::OpenFile { path, line: Some(first as usize) });
                self.apply(NavCmd::CursorTo { line: first as usize, extend: false });
                self.apply(NavCmd::CursorTo { line: last as usize, extend: true });
                self.apply(ReviewCmd::Annotate);
                if let Some(c) = &mut self.compare {
                    c.middle = Middle::Diff;
                }
            }
            Side::Old => {
                let Some(entry) = f.info.old_path.as_deref().and_then(|p| compared.old_entry(p)) else {
                    return;
                };
                let (path, tree) = (entry.path.display(), compared.old.ids().tree_sha256);
                let Some(r) = &mut self.review else { return };
                if r.composer.as_ref().is_some_and(|c| c.before != Some(tree) || c.path != path) {
                    self.error = Some("An annotation is being written: submit or discard it first.".into());
                    return;
                }
                r.compose(path, u64::from(first) + 1, u64::from(last) + 1);
                if let Some(c) = &mut r.composer {
                    c.before = Some(tree);
                    let c = c.clone();
                    r.edit(c);
                }
                if r.identity.is_none() {
                    r.sign_in.get_or_insert_with(Default::default);
                }
            }
        }
    }
}

/// What a port did, as the compare panel says it: "2 threads carried over: 1 changed, 1 moved".
fn port_text(report: &CarryReport) -> String {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for p in &report.ports {
        *counts.entry(p.outcome.as_str()).or_default() += 1;
    }
    let list = |m: &std::collections::BTreeMap<&str, usize>| {
        m.iter().map(|(k, v)| format!("{v} {k}")).collect::<Vec<_>>().join(", ")
    };
    let mut text = format!("{} threads carried over", report.ports.len());
    if !counts.is_empty() {
        text.push_str(&format!(": {}", list(&counts)));
    }
    if !report.skipped.is_empty() {
        text.push_str(&format!("; not carried over: {}", list(&report.skipped)));
    }
    // Lines kept byte for byte whose context changed (now in a comment or `#if 0`, other conditionals,
    // shadowed by a macro): counted here, each thread's notes shown on the thread.
    let context = report.ports.iter().filter(|p| !p.context.is_empty()).count();
    if context > 0 {
        text.push_str(&format!(
            "; {context} threads' lines kept their text but not their context (now in a comment or a \
             false #if, other conditionals, or defined again): each thread says what changed"
        ));
    }
    // An unchanged copy of edited lines (dead code, or the code's new home) is named, never followed.
    let copies: usize = report.ports.iter().map(|p| p.also.len() + p.also_more).sum();
    if copies > 0 {
        text.push_str(&format!(
            "; {copies} unchanged copies of edited lines elsewhere (the threads stay on the edited lines; \
             `vitrine port` lists them)"
        ));
    }
    let revived = report.ports.iter().filter(|p| p.revived.is_some()).count();
    if revived > 0 {
        text.push_str(&format!(
            "; {revived} settled threads carried again (closed with their lines changed, or outdated with \
             their lines back: `vitrine port` names them)"
        ));
    }
    text
}
