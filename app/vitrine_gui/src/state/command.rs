//! Everything the user (or a test) can ask the window to do, grouped by the part of the state that
//! applies it: [`Command::Nav`] by the tabs and history, [`Command::Review`] by the review, and so on.

use std::path::PathBuf;

use crate::state::compare::CompareCmd;
use crate::state::overlay::OverlayKind;
use crate::state::records::RecordAction;
use crate::state::review::{Composer, Passphrase, SignInForm};
use crate::state::view::{BottomTab, RightTab};

/// A request to change the state; [`crate::state::AppState::apply`] is the only place one is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Open a snapshot or collect background results.
    Load(LoadCmd),
    /// Move between files, tabs, lines and places.
    Nav(NavCmd),
    /// Drive the modal overlays.
    Overlay(OverlayCmd),
    /// Drive the search of the whole snapshot.
    Search(SearchCmd),
    /// Navigate by symbols (definitions, references, callers).
    Symbols(SymbolsCmd),
    /// Sign in, annotate, answer, mark reviewed, move records.
    Review(ReviewCmd),
    /// Drive the review-wide thread list.
    Threads(ThreadsCmd),
    /// Change panels, preferences and the file tree.
    View(ViewCmd),
    /// Compare the snapshot on screen with the version before, and drive the diff view.
    Compare(CompareCmd),
}

/// Opening a snapshot and collecting the results of background work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadCmd {
    /// Start opening a snapshot (directory or archive) in the background.
    Open(PathBuf),
    /// Stop the ingest in progress.
    Cancel,
    /// Collect what the background threads finished (the window sends this once per frame).
    Poll,
}

/// Tabs, the cursor, find in file and the history of places.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NavCmd {
    /// Open a file of the snapshot in a tab (or switch to its tab), optionally at a 0-based line.
    OpenFile {
        /// The file's path bytes, relative to the snapshot root.
        path: Vec<u8>,
        /// The 0-based line to put the cursor on (`None`: where the tab's cursor was, or the top).
        line: Option<usize>,
    },
    /// Open a file with the cursor on a 0-based line and byte column (a definition's name).
    OpenAt {
        /// The file's path bytes, relative to the snapshot root.
        path: Vec<u8>,
        /// The 0-based line.
        line: usize,
        /// The 0-based byte column in that line.
        col: usize,
    },
    /// Bring the tab at this index to the front (an index past the last tab is ignored).
    ActivateTab(usize),
    /// Close the tab at this index, keeping its reading coverage for the session.
    CloseTab(usize),
    /// Move the cursor of the active tab to a 0-based line.
    SetCursorLine(usize),
    /// Move the cursor by `delta` lines (negative: up); with `extend`, grow the line selection.
    MoveCursor {
        /// Lines to move by; negative moves up.
        delta: isize,
        /// Grow the line selection instead of dropping it.
        extend: bool,
    },
    /// Put the cursor on a 0-based line; with `extend`, select from the anchor to it.
    CursorTo {
        /// The 0-based line (past the end: the last line).
        line: usize,
        /// Select from the anchor to the line instead of dropping the selection.
        extend: bool,
    },
    /// A click in the code: cursor to a 0-based line and byte column.
    ClickAt {
        /// The 0-based line clicked.
        line: usize,
        /// The 0-based byte column clicked.
        col: usize,
        /// Shift was held: select from the anchor to the click.
        extend: bool,
    },
    /// Open find-in-file on the active tab (with its query), or close it with `None`.
    Find(Option<String>),
    /// Go to the next (true) or previous (false) find match.
    FindStep(bool),
    /// Alt+Left: go back to the place before the last jump.
    HistoryBack,
    /// Alt+Right: go forward again to the place `HistoryBack` left.
    HistoryForward,
    /// Record that lines of the active tab have been on screen (reading coverage).
    Seen(std::ops::Range<usize>),
}

/// The modal overlays (quick open, go to line, go to symbol, definitions, help).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverlayCmd {
    /// Open an overlay, or close it with `None`.
    Show(Option<OverlayKind>),
    /// The text typed in the open overlay.
    Input(String),
    /// Move the overlay's highlighted row.
    Move(isize),
    /// Accept the overlay's highlighted row or input.
    Accept,
}

/// The search of the whole snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchCmd {
    /// The search query typed: cancels the previous search and starts this one.
    SetQuery(String),
    /// The Ranked toggle: every query is ranked (as `~words` is).
    SetRanked(bool),
    /// Move the highlighted result row.
    Move(isize),
    /// Open a result row (its file at its line).
    Open(usize),
}

/// Symbol navigation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SymbolsCmd {
    /// F12: go to the definition of the identifier at the cursor (a candidate list when ambiguous).
    GoToDefinition,
    /// Shift+F12: every reference to the identifier at the cursor.
    FindReferences,
    /// The callers of a function (`None`: the identifier at the cursor). Following a caller's callers
    /// keeps a trail.
    ShowCallers {
        /// The function whose callers to show (`None`: the identifier at the cursor).
        name: Option<String>,
        /// Push the current subject onto the trail (following a caller) instead of starting afresh.
        deeper: bool,
    },
    /// Expand or fold a node of the callers tree: the names from a caller of the subject down to it.
    ToggleCallerNode(Vec<String>),
}

/// Signing in, annotating, answering, marking reviewed, and moving records in and out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewCmd {
    /// Show or hide the sign-in form.
    ShowSignIn(bool),
    /// The key path, principal or role typed in the sign-in form (never the passphrase).
    EditSignIn(SignInForm),
    /// Unlock the form's key with this passphrase and sign in.
    SignIn(Passphrase),
    /// Forget the unlocked key: nothing more is signed until the next sign-in.
    SignOut,
    /// Open the composer on the selected lines of the active tab.
    Annotate,
    /// The composer's fields as edited (saved as a draft at once).
    EditComposer(Composer),
    /// Sign and append the composed annotation to the review log.
    SubmitAnnotation,
    /// Close the composer and delete its saved draft.
    DiscardComposer,
    /// Expand a thread (by its root entry id) in the annotations panel.
    SelectThread(Option<String>),
    /// The reply text typed under the expanded thread.
    EditReply(String),
    /// Reply to a thread with the typed text and/or set its status.
    Answer {
        /// The id of the entry answered.
        parent: String,
        /// The thread's new status, if one was chosen.
        status: Option<vitrine_record::Status>,
    },
    /// Retract one's own annotation (by entry id); someone else's is refused.
    Retract(String),
    /// Sign a review-mark for the active file. Unless `anyway`, a file not yet fully on screen asks
    /// first (`AppState::mark_warning`).
    MarkReviewed {
        /// Sign without asking even if the file has not all been on screen.
        anyway: bool,
    },
    /// Drop the question "mark reviewed anyway?".
    CancelMark,
    /// Export, import or verify a review record (in the background).
    Record(RecordAction),
    /// Merge the import waiting for an answer: its new people are accepted, and its second keys for
    /// known principals only with `second_keys`.
    AcceptImport {
        /// Also accept new keys the import brings for principals already known.
        second_keys: bool,
    },
    /// Drop the import waiting for an answer: nothing is merged.
    CancelImport,
}

/// The review-wide list of threads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreadsCmd {
    /// Show the list (in the bottom panel).
    Show,
    /// Change the filters and the sort order.
    SetFilter(crate::state::threads::ThreadFilter),
    /// Move the highlighted row.
    Move(isize),
    /// Open the highlighted row's thread at its line.
    Open,
    /// Go to the next (true) or previous (false) finding of the list, from the place in the list.
    Step(bool),
    /// List this review's threads or every review's on this workstation (the findings library).
    SetScope(crate::state::library::ThreadScope),
    /// The search box: words the findings library looks for in the threads of the scope.
    SetSearch(String),
    /// Close the read-only thread of another review, back to the list.
    CloseForeign,
}

/// Panels, preferences and the file tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViewCmd {
    /// Expand or collapse a directory of the file tree.
    ToggleDir(Vec<u8>),
    /// Show only the files whose path contains this text (case-insensitive; empty: all files).
    SetTreeFilter(String),
    /// Show only files not yet reviewed that have findings or annotations.
    SetUnreviewedFilter(bool),
    /// Show or hide the snapshot health panel (a saved preference).
    ToggleHealthPanel,
    /// Fold or unfold a kind of finding in the health panel.
    ToggleHealthKind(vitrine_snapshot::FindingKind),
    /// Use the dark (true) or light (false) theme (a saved preference).
    SetDarkTheme(bool),
    /// Close the error message shown at the top of the window.
    DismissError,
    /// Change the code font size by a step (+1 / -1), or reset it with 0.
    FontSize(i32),
    /// Show a tab of the bottom panel (and the panel itself).
    ShowBottom(BottomTab),
    /// Show a tab of the right-hand side panel.
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
    /// The reader dragged a panel to this size (points); kept in the window's settings.
    PanelSize(crate::state::prefs::Panel, u32),
}

macro_rules! into_command {
    ($($domain:ident => $variant:ident),*) => {
        $(impl From<$domain> for Command {
            fn from(c: $domain) -> Command {
                Command::$variant(c)
            }
        })*
    };
}

into_command!(LoadCmd => Load, NavCmd => Nav, OverlayCmd => Overlay, SearchCmd => Search,
    SymbolsCmd => Symbols, ReviewCmd => Review, ThreadsCmd => Threads, ViewCmd => View,
    CompareCmd => Compare);
