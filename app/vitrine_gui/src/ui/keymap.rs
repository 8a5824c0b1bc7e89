//! The one table of keys: key → action → description. The keyboard handler, the F1 help and the
//! tooltips all read [`BINDINGS`], so they cannot drift apart.

use egui::{Key, Modifiers};

use crate::state::compare::{CompareCmd, Middle};
use crate::state::{
    AppState, BottomTab, Command, NavCmd, OverlayCmd, OverlayKind, ReviewCmd, SymbolsCmd, ThreadsCmd, ViewCmd,
};

/// One key with its modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Chord {
    pub mods: Modifiers,
    pub key: Key,
}

const fn chord(command: bool, shift: bool, alt: bool, key: Key) -> Chord {
    Chord { mods: Modifiers { alt, ctrl: false, shift, mac_cmd: false, command }, key }
}
const fn key(key: Key) -> Chord {
    chord(false, false, false, key)
}
const fn ctrl(key: Key) -> Chord {
    chord(true, false, false, key)
}
const fn ctrl_shift(key: Key) -> Chord {
    chord(true, true, false, key)
}
const fn ctrl_alt(key: Key) -> Chord {
    chord(true, false, true, key)
}
const fn shift(key: Key) -> Chord {
    chord(false, true, false, key)
}
const fn alt(key: Key) -> Chord {
    chord(false, false, true, key)
}

/// When a binding acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum When {
    /// An overlay is open (its keys take precedence over every other).
    Overlay,
    /// Always (no overlay open).
    Always,
    /// A snapshot is open.
    Ready,
    /// A file is open in a tab.
    Tab,
    /// The find bar of the active tab is open.
    Find,
    /// A file is open and no text field has the keyboard (cursor movement).
    Reading,
    /// A comparison is open (Compare with…).
    Compare,
    /// Handled by a widget rather than this table (listed in the help only).
    Widget,
}

/// What a key does; [`command`] turns it into a [`Command`] with the frame's context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    CloseOverlay,
    OverlayDown,
    OverlayUp,
    OverlayAccept,
    Help,
    QuickOpen,
    GoToLine,
    FindInFile,
    FindNext,
    FindPrevious,
    CloseFind,
    SearchSnapshot,
    GoToSymbol,
    Definition,
    References,
    Callers,
    Back,
    Forward,
    Threads,
    NextFinding,
    PreviousFinding,
    Down,
    Up,
    PageDown,
    PageUp,
    Top,
    Bottom,
    SelectDown,
    SelectUp,
    SelectPageDown,
    SelectPageUp,
    SelectTop,
    SelectBottom,
    Annotate,
    CloseTab,
    FontLarger,
    FontSmaller,
    FontReset,
    ToggleWrap,
    ToggleTree,
    ToggleSide,
    ToggleBottom,
    ToggleInlineThreads,
    CompareWith,
    NextHunk,
    PreviousHunk,
    NextChangedFile,
    PreviousChangedFile,
    ToggleDiffLayout,
    UpdateSummary,
    /// Help-only rows: keys that widgets handle themselves.
    WidgetKeys,
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    /// The keys, as the help shows them.
    pub keys: &'static str,
    /// The chords that trigger it (a longer chord before a shorter one it contains: egui ignores an
    /// unrequested Shift, so Shift+F12 must be looked for before F12).
    pub(crate) chords: &'static [Chord],
    pub(crate) when: When,
    pub(crate) action: Action,
    /// What the keys do, as the help and the tooltips say it.
    pub help: &'static str,
}

const fn b(
    keys: &'static str,
    chords: &'static [Chord],
    when: When,
    action: Action,
    help: &'static str,
) -> Binding {
    Binding { keys, chords, when, action, help }
}

/// Every key of the window, in the order the keyboard handler looks for them and the help lists them.
pub static BINDINGS: &[Binding] = &[
    b("Escape", &[key(Key::Escape)], When::Overlay, Action::CloseOverlay, "Close the overlay"),
    b("Down", &[key(Key::ArrowDown)], When::Overlay, Action::OverlayDown, "Next row of the overlay"),
    b("Up", &[key(Key::ArrowUp)], When::Overlay, Action::OverlayUp, "Previous row of the overlay"),
    b("Enter", &[key(Key::Enter)], When::Overlay, Action::OverlayAccept, "Open the highlighted row"),
    b("F1", &[key(Key::F1)], When::Always, Action::Help, "This help (F1 again closes it)"),
    b("Ctrl+P", &[ctrl(Key::P)], When::Ready, Action::QuickOpen, "Open a file by name (fuzzy)"),
    b(
        "Ctrl+Shift+F",
        &[ctrl_shift(Key::F)],
        When::Ready,
        Action::SearchSnapshot,
        "Search the whole snapshot",
    ),
    b(
        "Ctrl+T",
        &[ctrl(Key::T)],
        When::Ready,
        Action::GoToSymbol,
        "Go to a symbol of the snapshot by name (fuzzy)",
    ),
    b(
        "Shift+F12",
        &[shift(Key::F12)],
        When::Ready,
        Action::References,
        "Find every reference to the name under the cursor",
    ),
    b(
        "F12",
        &[key(Key::F12)],
        When::Ready,
        Action::Definition,
        "Go to the definition of the name under the cursor",
    ),
    b(
        "Ctrl+Shift+H",
        &[ctrl_shift(Key::H)],
        When::Ready,
        Action::Callers,
        "Callers of the function under the cursor (callers of callers from there)",
    ),
    b(
        "Ctrl+Alt+A",
        &[ctrl_alt(Key::A)],
        When::Ready,
        Action::Annotate,
        "Annotate the selected lines (signed with your key)",
    ),
    b(
        "Ctrl+Shift+L",
        &[ctrl_shift(Key::L)],
        When::Ready,
        Action::Threads,
        "Every thread of the review, filtered and sorted",
    ),
    b(
        "Shift+F8",
        &[shift(Key::F8)],
        When::Ready,
        Action::PreviousFinding,
        "Previous thread of the review's thread list",
    ),
    b("F8", &[key(Key::F8)], When::Ready, Action::NextFinding, "Next thread of the review's thread list"),
    b(
        "Alt+Left",
        &[alt(Key::ArrowLeft)],
        When::Always,
        Action::Back,
        "Back to the place before the last jump",
    ),
    b("Alt+Right", &[alt(Key::ArrowRight)], When::Always, Action::Forward, "Forward again"),
    b(
        "Ctrl+= / Ctrl++",
        &[ctrl(Key::Equals), ctrl(Key::Plus), ctrl_shift(Key::Equals)],
        When::Always,
        Action::FontLarger,
        "Larger code font",
    ),
    b("Ctrl+-", &[ctrl(Key::Minus)], When::Always, Action::FontSmaller, "Smaller code font"),
    b("Ctrl+0", &[ctrl(Key::Num0)], When::Always, Action::FontReset, "Default code font"),
    b(
        "Alt+Z",
        &[alt(Key::Z)],
        When::Always,
        Action::ToggleWrap,
        "Wrap long lines at the width of the view, or scroll sideways",
    ),
    b(
        "Alt+T",
        &[alt(Key::T)],
        When::Always,
        Action::ToggleInlineThreads,
        "Show annotation threads under their lines, or only as gutter marks",
    ),
    b(
        "Ctrl+Alt+B",
        &[ctrl_alt(Key::B)],
        When::Tab,
        Action::ToggleSide,
        "Hide or show the outline and annotations panel",
    ),
    b(
        "Ctrl+J",
        &[ctrl(Key::J)],
        When::Always,
        Action::ToggleBottom,
        "Hide or show the bottom panel (health, search, references, callers, threads, record)",
    ),
    b(
        "Ctrl+Shift+D",
        &[ctrl_shift(Key::D)],
        When::Ready,
        Action::CompareWith,
        "Compare with the version before (a folder; the menu also takes an archive)",
    ),
    b("Shift+F7", &[shift(Key::F7)], When::Compare, Action::PreviousHunk, "Previous hunk of the diff"),
    b("F7", &[key(Key::F7)], When::Compare, Action::NextHunk, "Next hunk of the diff"),
    b("Shift+F6", &[shift(Key::F6)], When::Compare, Action::PreviousChangedFile, "Previous changed file"),
    b("F6", &[key(Key::F6)], When::Compare, Action::NextChangedFile, "Next changed file"),
    b("Alt+D", &[alt(Key::D)], When::Compare, Action::ToggleDiffLayout, "Diff side by side or inline"),
    b(
        "Ctrl+Shift+U",
        &[ctrl_shift(Key::U)],
        When::Compare,
        Action::UpdateSummary,
        "The update summary: new findings, binaries and symbols of this version",
    ),
    b("Ctrl+B", &[ctrl(Key::B)], When::Tab, Action::ToggleTree, "Hide or show the file tree"),
    b("Ctrl+W", &[ctrl(Key::W)], When::Tab, Action::CloseTab, "Close the tab"),
    b("Ctrl+G", &[ctrl(Key::G)], When::Tab, Action::GoToLine, "Go to line"),
    b("Ctrl+F", &[ctrl(Key::F)], When::Tab, Action::FindInFile, "Find in file"),
    b(
        "Shift+F3",
        &[shift(Key::F3)],
        When::Find,
        Action::FindPrevious,
        "Previous match (also Shift+Enter in the find bar)",
    ),
    b("F3", &[key(Key::F3)], When::Find, Action::FindNext, "Next match (also Enter in the find bar)"),
    b("Escape", &[key(Key::Escape)], When::Find, Action::CloseFind, "Close the find bar"),
    b("Shift+Down", &[shift(Key::ArrowDown)], When::Reading, Action::SelectDown, "Select one more line down"),
    b("Shift+Up", &[shift(Key::ArrowUp)], When::Reading, Action::SelectUp, "Select one more line up"),
    b("Shift+PageDown", &[shift(Key::PageDown)], When::Reading, Action::SelectPageDown, "Select a page down"),
    b("Shift+PageUp", &[shift(Key::PageUp)], When::Reading, Action::SelectPageUp, "Select a page up"),
    b(
        "Ctrl+Shift+Home",
        &[ctrl_shift(Key::Home)],
        When::Reading,
        Action::SelectTop,
        "Select to the first line",
    ),
    b(
        "Ctrl+Shift+End",
        &[ctrl_shift(Key::End)],
        When::Reading,
        Action::SelectBottom,
        "Select to the last line",
    ),
    b("Down", &[key(Key::ArrowDown)], When::Reading, Action::Down, "Cursor one line down"),
    b("Up", &[key(Key::ArrowUp)], When::Reading, Action::Up, "Cursor one line up"),
    b("PageDown", &[key(Key::PageDown)], When::Reading, Action::PageDown, "Cursor a page down"),
    b("PageUp", &[key(Key::PageUp)], When::Reading, Action::PageUp, "Cursor a page up"),
    b("Ctrl+Home", &[ctrl(Key::Home)], When::Reading, Action::Top, "First line"),
    b("Ctrl+End", &[ctrl(Key::End)], When::Reading, Action::Bottom, "Last line"),
    b(
        "Ctrl+click, Shift+click, Ctrl+Enter",
        &[],
        When::Widget,
        Action::WidgetKeys,
        "Go to definition; select lines; submit the annotation being written",
    ),
];

/// The binding of an action (every action has exactly one row).
pub(crate) fn binding(action: Action) -> Option<&'static Binding> {
    BINDINGS.iter().find(|b| b.action == action)
}

/// A tooltip: `what` followed by the action's keys, e.g. "The file tree (Ctrl+B)".
pub(crate) fn tooltip(what: &str, action: Action) -> String {
    match binding(action) {
        Some(b) => format!("{what} ({})", b.keys),
        None => what.to_owned(),
    }
}

/// What the frame knows that an action needs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context {
    /// Rows of code on screen (the PageUp / PageDown step).
    pub page_rows: usize,
}

/// The command an action stands for in the current state (`None`: nothing to do).
pub(crate) fn command(action: Action, state: &AppState, cx: Context) -> Option<Command> {
    let page = cx.page_rows.max(2) as isize - 1;
    let tab = state.active_tab();
    Some(match action {
        Action::CloseOverlay => OverlayCmd::Show(None).into(),
        Action::OverlayDown => OverlayCmd::Move(1).into(),
        Action::OverlayUp => OverlayCmd::Move(-1).into(),
        Action::OverlayAccept => OverlayCmd::Accept.into(),
        Action::Help => OverlayCmd::Show(Some(OverlayKind::Help)).into(),
        Action::QuickOpen => OverlayCmd::Show(Some(OverlayKind::QuickOpen)).into(),
        Action::GoToLine => OverlayCmd::Show(Some(OverlayKind::GoToLine)).into(),
        Action::GoToSymbol => OverlayCmd::Show(Some(OverlayKind::Symbols)).into(),
        Action::FindInFile => {
            NavCmd::Find(Some(tab?.find.as_ref().map(|f| f.query.clone()).unwrap_or_default())).into()
        }
        Action::FindNext => NavCmd::FindStep(true).into(),
        Action::FindPrevious => NavCmd::FindStep(false).into(),
        Action::CloseFind => NavCmd::Find(None).into(),
        Action::SearchSnapshot => ViewCmd::ShowBottom(BottomTab::Search).into(),
        Action::Definition => SymbolsCmd::GoToDefinition.into(),
        Action::References => SymbolsCmd::FindReferences.into(),
        Action::Callers => SymbolsCmd::ShowCallers { name: None, deeper: false }.into(),
        Action::Back => NavCmd::HistoryBack.into(),
        Action::Forward => NavCmd::HistoryForward.into(),
        Action::Threads => ThreadsCmd::Show.into(),
        Action::NextFinding => ThreadsCmd::Step(true).into(),
        Action::PreviousFinding => ThreadsCmd::Step(false).into(),
        Action::Down => NavCmd::MoveCursor { delta: 1, extend: false }.into(),
        Action::Up => NavCmd::MoveCursor { delta: -1, extend: false }.into(),
        Action::PageDown => NavCmd::MoveCursor { delta: page, extend: false }.into(),
        Action::PageUp => NavCmd::MoveCursor { delta: -page, extend: false }.into(),
        Action::Top => NavCmd::CursorTo { line: 0, extend: false }.into(),
        Action::Bottom => NavCmd::CursorTo { line: usize::MAX, extend: false }.into(),
        Action::SelectDown => NavCmd::MoveCursor { delta: 1, extend: true }.into(),
        Action::SelectUp => NavCmd::MoveCursor { delta: -1, extend: true }.into(),
        Action::SelectPageDown => NavCmd::MoveCursor { delta: page, extend: true }.into(),
        Action::SelectPageUp => NavCmd::MoveCursor { delta: -page, extend: true }.into(),
        Action::SelectTop => NavCmd::CursorTo { line: 0, extend: true }.into(),
        Action::SelectBottom => NavCmd::CursorTo { line: usize::MAX, extend: true }.into(),
        Action::Annotate => match &state.compare {
            Some(c) if c.middle == Middle::Diff => CompareCmd::Annotate.into(),
            _ => ReviewCmd::Annotate.into(),
        },
        Action::CompareWith => return None,
        Action::NextHunk => CompareCmd::StepHunk(true).into(),
        Action::PreviousHunk => CompareCmd::StepHunk(false).into(),
        Action::NextChangedFile => CompareCmd::StepFile(true).into(),
        Action::PreviousChangedFile => CompareCmd::StepFile(false).into(),
        Action::UpdateSummary => CompareCmd::Show(Middle::Summary).into(),
        Action::ToggleDiffLayout => CompareCmd::SetInline(!state.compare.as_ref()?.inline).into(),
        Action::CloseTab => NavCmd::CloseTab(state.active?).into(),
        Action::FontLarger => ViewCmd::FontSize(1).into(),
        Action::FontSmaller => ViewCmd::FontSize(-1).into(),
        Action::FontReset => ViewCmd::FontSize(0).into(),
        Action::ToggleWrap => ViewCmd::ToggleWrap.into(),
        Action::ToggleTree => ViewCmd::ToggleTreePanel.into(),
        Action::ToggleSide => ViewCmd::ToggleSidePanel.into(),
        Action::ToggleBottom => ViewCmd::ToggleHealthPanel.into(),
        Action::ToggleInlineThreads => ViewCmd::ToggleInlineThreads.into(),
        Action::WidgetKeys => return None,
    })
}

/// Whether a binding's context holds this frame.
fn applies(when: When, state: &AppState, text_focus: bool) -> bool {
    let ready = matches!(state.load, crate::state::Load::Ready);
    match when {
        When::Overlay => state.overlay.is_some(),
        When::Always => state.overlay.is_none(),
        When::Ready => state.overlay.is_none() && ready,
        When::Tab => state.overlay.is_none() && state.active_tab().is_some(),
        When::Find => state.overlay.is_none() && state.active_tab().is_some_and(|t| t.find.is_some()),
        When::Reading => state.overlay.is_none() && state.active_tab().is_some() && !text_focus,
        When::Compare => {
            state.overlay.is_none() && state.compare.as_ref().is_some_and(|c| c.compared().is_some())
        }
        When::Widget => false,
    }
}

/// The actions whose keys were pressed this frame, in table order (each key press is consumed, so a
/// text field never sees a shortcut).
pub(crate) fn pressed(ctx: &egui::Context, state: &AppState) -> Vec<Action> {
    let mut out = Vec::new();
    // The help overlay closes with F1 as well as Escape.
    if state.overlay.as_ref().is_some_and(|o| o.kind == OverlayKind::Help)
        && ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::F1))
    {
        out.push(Action::CloseOverlay);
    }
    // Keys that move the cursor act only when no text field has focus.
    let text_focus = ctx.egui_wants_keyboard_input();
    for binding in BINDINGS {
        if !applies(binding.when, state, text_focus) {
            continue;
        }
        for c in binding.chords {
            if ctx.input_mut(|i| i.consume_key(c.mods, c.key)) {
                out.push(binding.action);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{LoadCmd, Overlay, Prefs};
    use vitrine_snapshot::store::DataDir;

    /// A snapshot open, a file in a tab with its find bar open: every context but the overlay holds.
    fn reading() -> (tempfile::TempDir, AppState) {
        let dir = tempfile::tempdir().unwrap();
        let snap = dir.path().join("snap");
        std::fs::create_dir_all(&snap).unwrap();
        std::fs::write(snap.join("a.c"), "int a;\nint b;\n").unwrap();
        let old = dir.path().join("old");
        std::fs::create_dir_all(&old).unwrap();
        std::fs::write(old.join("a.c"), "int a;\n").unwrap();
        let mut s = AppState::new(DataDir::at(dir.path().join("data")), Prefs::default());
        s.apply(LoadCmd::Open(snap));
        s.wait_loaded();
        s.apply(CompareCmd::Open(old));
        s.compare.as_mut().unwrap().wait();
        s.apply(NavCmd::OpenFile { path: b"a.c".to_vec(), line: None });
        s.apply(NavCmd::Find(Some("int".into())));
        (dir, s)
    }

    /// The actions one key press gives, in a fresh frame.
    fn press(state: &AppState, c: Chord) -> Vec<Action> {
        let ctx = egui::Context::default();
        let mut input = egui::RawInput::default();
        input.events.push(egui::Event::Key {
            key: c.key,
            physical_key: None,
            pressed: true,
            repeat: false,
            modifiers: c.mods,
        });
        let mut out = Vec::new();
        let mut output = ctx.run_ui(input, |ui| out = pressed(ui.ctx(), state));
        output.textures_delta.clear();
        out
    }

    #[test]
    fn every_key_of_the_table_does_what_its_help_row_says() {
        let (_d, mut s) = reading();
        for b in BINDINGS.iter().filter(|b| !matches!(b.when, When::Overlay | When::Widget)) {
            for &c in b.chords {
                assert_eq!(press(&s, c), [b.action], "{}", b.keys);
                // "Compare with…" opens a dialog, which the window does itself.
                let by_window = b.action == Action::CompareWith;
                assert!(
                    by_window || command(b.action, &s, Context { page_rows: 30 }).is_some(),
                    "{}",
                    b.keys
                );
            }
        }
        s.overlay = Some(Overlay {
            kind: OverlayKind::QuickOpen,
            input: String::new(),
            selected: 0,
            results: Vec::new(),
        });
        for b in BINDINGS.iter().filter(|b| b.when == When::Overlay) {
            for &c in b.chords {
                assert_eq!(press(&s, c), [b.action], "{}", b.keys);
            }
        }
        // An overlay takes the keyboard: the other keys wait.
        assert_eq!(press(&s, ctrl(Key::P)), []);
    }

    #[test]
    fn every_action_has_one_row_with_keys_and_a_description() {
        for b in BINDINGS {
            assert!(!b.help.is_empty() && !b.keys.is_empty(), "{:?}", b.action);
            assert_eq!(BINDINGS.iter().filter(|o| o.action == b.action).count(), 1, "{:?}", b.action);
            assert_eq!(b.chords.is_empty(), b.when == When::Widget, "{:?}", b.action);
        }
    }

    #[test]
    fn no_chord_is_bound_twice_in_one_context_and_shifted_chords_come_first() {
        for (i, a) in BINDINGS.iter().enumerate() {
            for (j, b) in BINDINGS.iter().enumerate().skip(i + 1) {
                if a.when != b.when {
                    continue;
                }
                for ca in a.chords {
                    for cb in b.chords {
                        assert!(ca != cb, "{:?} and {:?} share a chord", a.action, b.action);
                        // egui ignores an unrequested Shift: a plain chord before its shifted twin
                        // would take it.
                        let shadowed = ca.key == cb.key
                            && !ca.mods.shift
                            && cb.mods.shift
                            && ca.mods.command == cb.mods.command
                            && ca.mods.alt == cb.mods.alt;
                        assert!(!shadowed, "{:?} (row {i}) shadows {:?} (row {j})", a.action, b.action);
                    }
                }
            }
        }
    }
}
