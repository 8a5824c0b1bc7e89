//! State tests of [`AppState::apply`], one or more per [`Command`], without egui (issue #6).
//!
//! Every test builds a small snapshot in a temporary directory, opens it with `OpenSnapshot` and waits
//! with the blocking helpers (`wait_loaded`, `wait_index`, `wait_result`, `wait_record`, …), never with
//! sleeps. Edge cases are covered too: no snapshot, no tab, out-of-range lines, not signed in.

use std::path::{Path, PathBuf};

use vitrine_record::{Class, Kind, Severity, Status};
use vitrine_snapshot::FindingKind;
use vitrine_snapshot::store::DataDir;

use crate::state::prefs::{FONT_DEFAULT, FONT_MAX, FONT_MIN};
use crate::state::records::RecordAction;
use crate::state::review::{Composer, Passphrase, SignInForm};
use crate::state::search::{IndexState, Row};
use crate::state::symbols::{CallerLoad, NavResult, SymIndexState};
use crate::state::{
    AppState, BottomTab, Load, LoadCmd, NavCmd, OverlayCmd, OverlayKind, Prefs, ReviewCmd, RightTab,
    SearchCmd, SymbolsCmd, ThreadsCmd, ViewCmd,
};

/// `src/util.c` defines `helper`; `src/main.c` declares it and calls it from `relay` and `main`.
const UTIL_C: &str = "int helper(int x)\n{\n    return x + 1;\n}\n";
const MAIN_C: &str = "int helper(int x);\n\
                      \n\
                      int relay(int y)\n\
                      {\n    return helper(y);\n}\n\
                      \n\
                      int main(void)\n\
                      {\n    return relay(2) + helper(3);\n}\n";
/// Line (0-based) of `main.c` with `relay(2) + helper(3)`.
const MAIN_CALL_LINE: usize = 9;
/// A right-to-left override inside a comment: a bidi-control finding (deceptive, unfolded at load).
const BIDI_C: &str =
    "int check(int admin)\n{\n    /* \u{202E} } if (admin) { \u{2066} */\n    return missing_fn(admin);\n}\n";
/// Lines of `lines.txt`; `needle` is on lines 10, 50 and 90 (0-based).
const LINES: usize = 100;

fn lines_txt() -> String {
    (0..LINES).map(|i| if i % 40 == 10 { format!("needle {i}\n") } else { format!("line {i}\n") }).collect()
}

fn write_tree(root: &Path, files: &[(&str, String)]) {
    for (p, c) in files {
        let f = root.join(p);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, c).unwrap();
    }
}

/// A temporary snapshot and data directory, and a state with the snapshot open.
struct Fx {
    dir: tempfile::TempDir,
    snap: PathBuf,
    s: AppState,
}

impl Fx {
    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Another window on the same snapshot and data directory (as after a restart).
    fn reopen(&self) -> AppState {
        open(&self.snap, &self.data())
    }
}

fn open(snap: &Path, data: &Path) -> AppState {
    let mut s = AppState::new(DataDir::at(data), Prefs::default());
    s.apply(LoadCmd::Open(snap.to_path_buf()));
    s.wait_loaded();
    assert!(matches!(s.load, Load::Ready), "{:?}", s.load);
    s
}

fn fixture() -> Fx {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    write_tree(
        &snap,
        &[
            ("src/util.c", UTIL_C.into()),
            ("src/main.c", MAIN_C.into()),
            ("src/bidi.c", BIDI_C.into()),
            ("docs/long.txt", format!("{}\n", "x".repeat(1200))),
            ("lines.txt", lines_txt()),
        ],
    );
    let s = open(&snap, &dir.path().join("data"));
    Fx { dir, snap, s }
}

/// A state with no snapshot at all.
fn empty() -> (tempfile::TempDir, AppState) {
    let dir = tempfile::tempdir().unwrap();
    let s = AppState::new(DataDir::at(dir.path()), Prefs::default());
    (dir, s)
}

fn open_file(s: &mut AppState, path: &str, line: Option<usize>) {
    s.apply(NavCmd::OpenFile { path: path.as_bytes().to_vec(), line });
}

/// (path, cursor line) of the active tab.
fn cursor(s: &AppState) -> (String, usize) {
    let t = s.active_tab().expect("a tab is open");
    (t.doc.path.display(), t.cursor_line)
}

/// Puts the cursor on the first occurrence of `needle` on `line` of the active tab, as a click would.
fn click_on(s: &mut AppState, line: usize, needle: &str) {
    let col = s.active_tab().unwrap().doc.line_text(line).unwrap().find(needle).unwrap() + 1;
    s.apply(NavCmd::ClickAt { line, col, extend: false });
}

fn node_of(s: &AppState, path: &str) -> usize {
    s.tree.nodes.iter().position(|n| n.path == path.as_bytes()).unwrap()
}

fn matched_paths(s: &AppState) -> Vec<String> {
    s.tree_matches.iter().map(|&i| String::from_utf8_lossy(&s.tree.nodes[i].path).into_owned()).collect()
}

fn write_key(dir: &Path, name: &str, pass: &str) -> PathBuf {
    let signer = vitrine_record::Signer::generate(name).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, signer.to_openssh(Some(pass)).unwrap()).unwrap();
    path
}

fn form(key: &Path, principal: &str, role: &str) -> SignInForm {
    SignInForm { key_path: key.display().to_string(), principal: principal.into(), role: role.into() }
}

/// Signs in through the form, as the sign-in panel does, and checks that it worked.
fn sign_in(s: &mut AppState, key: &Path, pass: &str, principal: &str, role: &str) {
    s.apply(ReviewCmd::ShowSignIn(true));
    s.apply(ReviewCmd::EditSignIn(form(key, principal, role)));
    s.apply(ReviewCmd::SignIn(Passphrase::new(pass)));
    assert_eq!(s.error, None);
    let r = s.review.as_ref().unwrap();
    assert!(r.sign_in.is_none(), "the form closes on success");
    let who = r.identity.as_ref().unwrap();
    assert_eq!((who.principal.as_str(), who.role.as_str()), (principal, role));
}

/// A fixture with a signed-in reviewer and one annotation on lines 3-4 of `src/bidi.c`; returns its id.
fn annotated() -> (Fx, tempfile::TempDir, String) {
    let mut fx = fixture();
    let keys = tempfile::tempdir().unwrap();
    let key = write_key(keys.path(), "alice", "pw");
    sign_in(&mut fx.s, &key, "pw", "alice@example.org", "reviewer");
    open_file(&mut fx.s, "src/bidi.c", Some(2));
    fx.s.apply(NavCmd::CursorTo { line: 3, extend: true });
    fx.s.apply(ReviewCmd::Annotate);
    let mut c = fx.s.review.as_ref().unwrap().composer.clone().unwrap();
    c.body = "The bidi override hides what the comment closes.".into();
    fx.s.apply(ReviewCmd::EditComposer(c));
    fx.s.apply(ReviewCmd::SubmitAnnotation);
    assert_eq!(fx.s.error, None);
    let id = fx.s.review.as_ref().unwrap().entries[0].id.clone();
    (fx, keys, id)
}

// ---------------------------------------------------------------------------------------------------
// Loading

#[test]
fn open_snapshot_builds_tree_health_review_and_starts_the_indexes() {
    let fx = fixture();
    let s = &fx.s;
    assert!(s.snapshot.is_some() && s.error.is_none());
    let files: Vec<&[u8]> = s.tree.nodes.iter().filter(|n| !n.is_dir).map(|n| n.path.as_slice()).collect();
    assert_eq!(files.len(), 5, "{files:?}");
    // Few top-level directories: they start expanded.
    assert!(s.expanded.contains(b"src".as_slice()) && s.expanded.contains(b"docs".as_slice()));
    // Health: the deceptive kind starts unfolded, the long line folded.
    let kinds: Vec<FindingKind> = s.health_groups.groups.iter().map(|(k, _)| *k).collect();
    assert_eq!(kinds.first(), Some(&FindingKind::BidiControl), "{kinds:?}");
    assert!(kinds.contains(&FindingKind::LongLine));
    assert!(!s.health_folded.contains(&FindingKind::BidiControl));
    assert!(s.health_folded.contains(&FindingKind::LongLine));
    assert_eq!(s.path_of_finding("src/bidi.c").map(Vec::as_slice), Some(b"src/bidi.c".as_slice()));
    // An empty review, and both indexes building in the background.
    let r = s.review.as_ref().unwrap();
    assert!(r.entries.is_empty() && r.identity.is_none());
    assert!(matches!(s.search.index, IndexState::Building { .. }));
    assert!(matches!(s.symbols.index, SymIndexState::Building { .. }));
    assert!(s.busy());
    assert_eq!(s.progress.len(), s.tree.nodes.len());
}

#[test]
fn opening_another_snapshot_replaces_tabs_review_and_coverage() {
    let mut fx = fixture();
    open_file(&mut fx.s, "lines.txt", Some(5));
    fx.s.apply(NavCmd::Seen(0..10));
    assert_eq!(fx.s.opened.len(), 1);
    let other = fx.dir.path().join("other");
    write_tree(&other, &[("only.c", "int only;\n".into())]);
    fx.s.apply(LoadCmd::Open(other.clone()));
    assert!(matches!(&fx.s.load, Load::Loading { path, .. } if *path == other));
    fx.s.wait_loaded();
    assert!(matches!(fx.s.load, Load::Ready));
    assert!(fx.s.tabs.is_empty() && fx.s.active.is_none() && fx.s.opened.is_empty());
    assert_eq!(fx.s.tree.nodes.iter().filter(|n| !n.is_dir).count(), 1);
    // Coming back: the coverage of the first snapshot's files starts again from nothing.
    fx.s.apply(LoadCmd::Open(fx.snap.clone()));
    fx.s.wait_loaded();
    open_file(&mut fx.s, "lines.txt", None);
    assert_eq!(fx.s.active_tab().unwrap().seen.count(), 0);
}

#[test]
fn a_second_open_snapshot_while_loading_wins() {
    let fx = fixture();
    let other = fx.dir.path().join("other");
    write_tree(&other, &[("only.c", "int only;\n".into())]);
    let (_d, mut s) = empty();
    s.apply(LoadCmd::Open(fx.snap.clone()));
    let Load::Loading { progress: first, .. } = &s.load else { panic!("{:?}", s.load) };
    let first = first.clone();
    s.apply(LoadCmd::Open(other));
    assert!(first.is_cancelled(), "the first ingest is cancelled");
    s.wait_loaded();
    assert_eq!(s.snapshot.as_ref().unwrap().files().len(), 1);
}

#[test]
fn a_missing_snapshot_fails_naming_it_and_drops_queued_commands() {
    let (d, mut s) = empty();
    s.apply(LoadCmd::Open(d.path().join("nope")));
    s.after_load(ViewCmd::ShowBottom(BottomTab::Search));
    s.wait_loaded();
    let Load::Failed { path, error } = &s.load else { panic!("{:?}", s.load) };
    assert_eq!(path, &d.path().join("nope"));
    assert!(error.contains("nope"), "{error}");
    assert!(s.snapshot.is_none() && s.review.is_none());
    assert_eq!(s.bottom, BottomTab::Health, "the queued command was dropped");
}

#[test]
fn commands_queued_for_after_load_run_once_it_is_ready() {
    let fx = fixture();
    let (_d, mut s) = empty();
    s.apply(LoadCmd::Open(fx.snap.clone()));
    s.after_load(NavCmd::OpenFile { path: b"lines.txt".to_vec(), line: Some(41) });
    assert!(s.tabs.is_empty());
    s.wait_loaded();
    assert_eq!(cursor(&s), ("lines.txt".into(), 41));
    // Once ready, `after_load` applies at once.
    s.after_load(ViewCmd::ShowRight(RightTab::Annotations));
    assert_eq!(s.right, RightTab::Annotations);
}

#[test]
fn cancel_loading_cancels_the_ingest_and_is_a_no_op_otherwise() {
    let (d, mut s) = empty();
    // Nothing loading: nothing happens.
    s.apply(LoadCmd::Cancel);
    assert!(matches!(s.load, Load::Idle));
    let snap = d.path().join("snap");
    write_tree(&snap, &[("a.c", "int a;\n".into())]);
    s.apply(LoadCmd::Open(snap.clone()));
    let Load::Loading { progress, .. } = &s.load else { panic!("{:?}", s.load) };
    let progress = progress.clone();
    assert!(!progress.is_cancelled());
    s.apply(LoadCmd::Cancel);
    assert!(progress.is_cancelled());
    s.wait_loaded();
    // The ingest may have finished before it looked at the flag; if it did look, it says so.
    if let Load::Failed { error, .. } = &s.load {
        assert!(error.to_lowercase().contains("cancel"), "{error}");
        assert!(s.snapshot.is_none());
    }
    // Once ready (or failed), cancelling changes nothing.
    s.apply(LoadCmd::Open(snap));
    s.wait_loaded();
    s.apply(LoadCmd::Cancel);
    assert!(matches!(s.load, Load::Ready));
}

// ---------------------------------------------------------------------------------------------------
// Tabs and cursor

#[test]
fn open_file_with_no_snapshot_or_an_unknown_path() {
    let (_d, mut s) = empty();
    open_file(&mut s, "lines.txt", Some(3));
    assert!(s.tabs.is_empty() && s.active.is_none());
    let mut fx = fixture();
    open_file(&mut fx.s, "src/nope.c", Some(3));
    assert!(fx.s.tabs.is_empty());
    assert!(fx.s.error.as_deref().unwrap().contains("src/nope.c"));
    fx.s.apply(ViewCmd::DismissError);
    assert_eq!(fx.s.error, None);
    // Opening a file reveals it in the tree, moves to the line, and reuses its tab.
    fx.s.expanded.clear();
    open_file(&mut fx.s, "src/util.c", Some(2));
    assert!(fx.s.expanded.contains(b"src".as_slice()));
    assert_eq!(cursor(&fx.s), ("src/util.c".into(), 2));
    assert_eq!(fx.s.active_tab().unwrap().scroll_to, Some(2));
    open_file(&mut fx.s, "lines.txt", Some(1000));
    assert_eq!(cursor(&fx.s), ("lines.txt".into(), LINES - 1), "clamped to the last line");
    open_file(&mut fx.s, "src/util.c", None);
    assert_eq!((fx.s.tabs.len(), fx.s.active), (2, Some(0)));
    assert_eq!(cursor(&fx.s), ("src/util.c".into(), 2), "no line: the cursor stays");
    assert!(fx.s.opened.contains(b"lines.txt".as_slice()));
}

#[test]
fn activate_tab_ignores_out_of_range() {
    let mut fx = fixture();
    fx.s.apply(NavCmd::ActivateTab(0));
    assert_eq!(fx.s.active, None, "no tabs: nothing to activate");
    open_file(&mut fx.s, "src/util.c", None);
    open_file(&mut fx.s, "src/main.c", None);
    assert_eq!(fx.s.active, Some(1));
    fx.s.apply(NavCmd::ActivateTab(0));
    assert_eq!(cursor(&fx.s).0, "src/util.c");
    fx.s.apply(NavCmd::ActivateTab(2));
    assert_eq!(fx.s.active, Some(0));
}

#[test]
fn close_tab_keeps_the_active_file_and_its_reading_coverage() {
    let mut fx = fixture();
    for p in ["src/util.c", "src/main.c", "lines.txt"] {
        open_file(&mut fx.s, p, None);
    }
    fx.s.apply(NavCmd::Seen(0..30));
    // Closing a tab before the active one keeps the same file active.
    fx.s.apply(NavCmd::CloseTab(0));
    assert_eq!((fx.s.active, cursor(&fx.s).0), (Some(1), "lines.txt".into()));
    // Closing the active (last) tab activates the one before it.
    fx.s.apply(NavCmd::CloseTab(1));
    assert_eq!((fx.s.active, cursor(&fx.s).0), (Some(0), "src/main.c".into()));
    fx.s.apply(NavCmd::CloseTab(7));
    assert_eq!(fx.s.tabs.len(), 1);
    // The coverage of a closed tab comes back when the file is opened again.
    open_file(&mut fx.s, "lines.txt", None);
    assert_eq!(fx.s.active_tab().unwrap().seen.count(), 30);
    fx.s.apply(NavCmd::CloseTab(0));
    fx.s.apply(NavCmd::CloseTab(0));
    assert!(fx.s.tabs.is_empty() && fx.s.active.is_none());
    fx.s.apply(NavCmd::CloseTab(0));
    assert!(fx.s.active.is_none());
}

#[test]
fn set_cursor_line_clamps_and_drops_the_selection() {
    let mut fx = fixture();
    fx.s.apply(NavCmd::SetCursorLine(5));
    assert!(fx.s.tabs.is_empty(), "no tab: nothing happens");
    open_file(&mut fx.s, "lines.txt", None);
    fx.s.apply(NavCmd::CursorTo { line: 8, extend: true });
    assert_eq!(fx.s.active_tab().unwrap().selection(), 0..=8);
    fx.s.apply(NavCmd::SetCursorLine(20));
    let t = fx.s.active_tab().unwrap();
    assert_eq!((t.cursor_line, t.anchor_line, t.selection()), (20, None, 20..=20));
    fx.s.apply(NavCmd::SetCursorLine(usize::MAX));
    assert_eq!(fx.s.active_tab().unwrap().cursor_line, LINES - 1);
}

#[test]
fn move_cursor_saturates_at_both_ends_and_extends_the_selection() {
    let mut fx = fixture();
    fx.s.apply(NavCmd::MoveCursor { delta: 3, extend: false });
    assert!(fx.s.tabs.is_empty());
    open_file(&mut fx.s, "lines.txt", Some(10));
    fx.s.apply(NavCmd::MoveCursor { delta: -30, extend: false });
    let t = fx.s.active_tab().unwrap();
    assert_eq!((t.cursor_line, t.scroll_to), (0, Some(0)));
    fx.s.apply(NavCmd::MoveCursor { delta: 5, extend: false });
    fx.s.apply(NavCmd::MoveCursor { delta: 2, extend: true });
    fx.s.apply(NavCmd::MoveCursor { delta: 2, extend: true });
    let t = fx.s.active_tab().unwrap();
    assert_eq!((t.anchor_line, t.cursor_line, t.selection()), (Some(5), 9, 5..=9));
    // Extending back past the anchor selects upwards.
    fx.s.apply(NavCmd::MoveCursor { delta: -7, extend: true });
    assert_eq!(fx.s.active_tab().unwrap().selection(), 2..=5);
    // A page down past the end stops on the last line; a plain move drops the selection.
    fx.s.apply(NavCmd::MoveCursor { delta: isize::MAX, extend: false });
    let t = fx.s.active_tab().unwrap();
    assert_eq!((t.cursor_line, t.anchor_line, t.scroll_to), (LINES - 1, None, Some(LINES - 1)));
    fx.s.apply(NavCmd::MoveCursor { delta: isize::MIN, extend: false });
    assert_eq!(fx.s.active_tab().unwrap().cursor_line, 0);
}

#[test]
fn cursor_to_clamps_and_selects_from_the_anchor() {
    let mut fx = fixture();
    fx.s.apply(NavCmd::CursorTo { line: 3, extend: true });
    assert!(fx.s.tabs.is_empty());
    open_file(&mut fx.s, "lines.txt", Some(40));
    fx.s.apply(NavCmd::CursorTo { line: 1000, extend: true });
    let t = fx.s.active_tab().unwrap();
    assert_eq!((t.selection(), t.scroll_to), (40..=LINES - 1, Some(LINES - 1)));
    fx.s.apply(NavCmd::CursorTo { line: 30, extend: true });
    assert_eq!(fx.s.active_tab().unwrap().selection(), 30..=40, "the anchor stays");
    fx.s.apply(NavCmd::CursorTo { line: 12, extend: false });
    let t = fx.s.active_tab().unwrap();
    assert_eq!((t.anchor_line, t.selection()), (None, 12..=12));
}

#[test]
fn click_at_sets_line_and_column_without_scrolling() {
    let mut fx = fixture();
    fx.s.apply(NavCmd::ClickAt { line: 1, col: 1, extend: false });
    assert!(fx.s.tabs.is_empty());
    open_file(&mut fx.s, "lines.txt", Some(50));
    fx.s.apply(NavCmd::ClickAt { line: 52, col: 4, extend: false });
    let t = fx.s.active_tab().unwrap();
    assert_eq!((t.cursor_line, t.cursor_col, t.scroll_to, t.anchor_line), (52, 4, None, None));
    fx.s.apply(NavCmd::ClickAt { line: 55, col: 2, extend: true });
    let t = fx.s.active_tab().unwrap();
    assert_eq!((t.selection(), t.cursor_col), (52..=55, 2));
    fx.s.apply(NavCmd::ClickAt { line: 5000, col: 0, extend: false });
    let t = fx.s.active_tab().unwrap();
    assert_eq!((t.cursor_line, t.anchor_line), (LINES - 1, None));
}

// ---------------------------------------------------------------------------------------------------
// Tree and filters

#[test]
fn toggle_dir_expands_and_collapses() {
    let mut fx = fixture();
    assert!(fx.s.expanded.contains(b"src".as_slice()));
    fx.s.apply(ViewCmd::ToggleDir(b"src".to_vec()));
    assert!(!fx.s.expanded.contains(b"src".as_slice()));
    fx.s.apply(ViewCmd::ToggleDir(b"src".to_vec()));
    assert!(fx.s.expanded.contains(b"src".as_slice()));
    // Works without a snapshot too (it is only a set of paths).
    let (_d, mut s) = empty();
    s.apply(ViewCmd::ToggleDir(b"x".to_vec()));
    assert!(s.expanded.contains(b"x".as_slice()));
}

#[test]
fn tree_filter_matches_file_paths_ignoring_case() {
    let mut fx = fixture();
    assert!(fx.s.tree_matches.is_empty());
    fx.s.apply(ViewCmd::SetTreeFilter("SRC/".into()));
    assert_eq!(fx.s.tree_filter, "SRC/");
    let mut got = matched_paths(&fx.s);
    got.sort();
    assert_eq!(got, ["src/bidi.c", "src/main.c", "src/util.c"]);
    fx.s.apply(ViewCmd::SetTreeFilter("nothing-like-it".into()));
    assert!(fx.s.tree_matches.is_empty());
    fx.s.apply(ViewCmd::SetTreeFilter(String::new()));
    assert!(fx.s.tree_matches.is_empty());
    // No snapshot: the filter is kept, nothing matches, nothing breaks.
    let (_d, mut s) = empty();
    s.apply(ViewCmd::SetTreeFilter("a".into()));
    assert!(s.tree_matches.is_empty());
}

#[test]
fn unreviewed_filter_lists_unreviewed_files_with_findings_or_annotations() {
    let (mut fx, _keys, _id) = annotated();
    fx.s.apply(ViewCmd::SetUnreviewedFilter(true));
    assert!(fx.s.unreviewed_filter);
    let mut got = matched_paths(&fx.s);
    got.sort();
    assert_eq!(got, ["docs/long.txt", "src/bidi.c"]);
    // Combined with the name filter.
    fx.s.apply(ViewCmd::SetTreeFilter("bidi".into()));
    assert_eq!(matched_paths(&fx.s), ["src/bidi.c"]);
    // A reviewed file drops out.
    fx.s.apply(ReviewCmd::MarkReviewed { anyway: true });
    assert_eq!(fx.s.error, None);
    assert!(fx.s.tree_matches.is_empty());
    fx.s.apply(ViewCmd::SetTreeFilter(String::new()));
    assert_eq!(matched_paths(&fx.s), ["docs/long.txt"]);
    fx.s.apply(ViewCmd::SetUnreviewedFilter(false));
    assert!(fx.s.tree_matches.is_empty());
}

// ---------------------------------------------------------------------------------------------------
// Preferences and panels

#[test]
fn health_panel_theme_wrap_and_inline_thread_toggles() {
    let mut fx = fixture();
    let s = &mut fx.s;
    assert!(s.prefs.show_health && s.prefs.dark && !s.prefs.wrap && s.prefs.inline_threads);
    s.apply(ViewCmd::ToggleHealthPanel);
    assert!(!s.prefs.show_health);
    s.apply(ViewCmd::ToggleHealthPanel);
    assert!(s.prefs.show_health);
    s.apply(ViewCmd::SetDarkTheme(false));
    assert!(!s.prefs.dark);
    s.apply(ViewCmd::SetDarkTheme(false));
    assert!(!s.prefs.dark, "setting, not toggling");
    s.apply(ViewCmd::SetDarkTheme(true));
    assert!(s.prefs.dark);
    s.apply(ViewCmd::ToggleWrap);
    assert!(s.prefs.wrap);
    s.apply(ViewCmd::ToggleWrap);
    assert!(!s.prefs.wrap);
    s.apply(ViewCmd::ToggleInlineThreads);
    assert!(!s.prefs.inline_threads);
    s.apply(ViewCmd::ToggleInlineThreads);
    assert!(s.prefs.inline_threads);
    s.apply(ViewCmd::ToggleInlineThread("t1".into()));
    s.apply(ViewCmd::ToggleInlineThread("t2".into()));
    assert_eq!(s.folded_threads.iter().map(String::as_str).collect::<Vec<_>>(), ["t1", "t2"]);
    s.apply(ViewCmd::ToggleInlineThread("t1".into()));
    assert_eq!(s.folded_threads.iter().map(String::as_str).collect::<Vec<_>>(), ["t2"]);
}

#[test]
fn toggle_health_kind_folds_and_unfolds_one_kind() {
    let mut fx = fixture();
    let folded_before = fx.s.health_folded.clone();
    fx.s.apply(ViewCmd::ToggleHealthKind(FindingKind::BidiControl));
    assert!(fx.s.health_folded.contains(&FindingKind::BidiControl));
    fx.s.apply(ViewCmd::ToggleHealthKind(FindingKind::LongLine));
    assert!(!fx.s.health_folded.contains(&FindingKind::LongLine));
    fx.s.apply(ViewCmd::ToggleHealthKind(FindingKind::BidiControl));
    fx.s.apply(ViewCmd::ToggleHealthKind(FindingKind::LongLine));
    assert_eq!(fx.s.health_folded, folded_before);
}

#[test]
fn font_size_steps_clamps_and_resets() {
    let (_d, mut s) = empty();
    assert_eq!(s.prefs.font_size(), FONT_DEFAULT);
    s.apply(ViewCmd::FontSize(1));
    assert_eq!(s.prefs.font_size(), FONT_DEFAULT + 1.0);
    s.apply(ViewCmd::FontSize(-1));
    s.apply(ViewCmd::FontSize(-1));
    assert_eq!(s.prefs.font_size(), FONT_DEFAULT - 1.0);
    s.apply(ViewCmd::FontSize(1000));
    assert_eq!((s.prefs.font_size(), s.prefs.font_tenths), (FONT_MAX, 320));
    s.apply(ViewCmd::FontSize(1));
    assert_eq!(s.prefs.font_size(), FONT_MAX);
    s.apply(ViewCmd::FontSize(-1000));
    assert_eq!((s.prefs.font_size(), s.prefs.font_tenths), (FONT_MIN, 80));
    s.apply(ViewCmd::FontSize(0));
    assert_eq!(s.prefs.font_size(), FONT_DEFAULT);
}

#[test]
fn show_bottom_and_show_right_pick_tabs() {
    let (_d, mut s) = empty();
    s.apply(ViewCmd::ToggleHealthPanel);
    assert!(!s.prefs.show_health);
    for tab in
        [BottomTab::Search, BottomTab::References, BottomTab::Callers, BottomTab::Record, BottomTab::Health]
    {
        s.apply(ViewCmd::ShowBottom(tab));
        assert_eq!(s.bottom, tab);
        assert!(s.prefs.show_health, "showing a bottom tab shows the bottom panel");
        s.apply(ViewCmd::ToggleHealthPanel);
    }
    s.apply(ViewCmd::ShowRight(RightTab::Annotations));
    assert_eq!(s.right, RightTab::Annotations);
    s.apply(ViewCmd::ShowRight(RightTab::Outline));
    assert_eq!(s.right, RightTab::Outline);
}

#[test]
fn dismiss_error_clears_it() {
    let (_d, mut s) = empty();
    s.apply(ViewCmd::DismissError);
    assert_eq!(s.error, None);
    s.apply(SymbolsCmd::GoToDefinition);
    assert!(s.error.is_some());
    s.apply(ViewCmd::DismissError);
    assert_eq!(s.error, None);
}

// ---------------------------------------------------------------------------------------------------
// Overlays

#[test]
fn quick_open_lists_filters_moves_and_opens() {
    let mut fx = fixture();
    fx.s.apply(OverlayCmd::Show(Some(OverlayKind::QuickOpen)));
    let o = fx.s.overlay.as_ref().unwrap();
    assert_eq!((o.kind, o.input.as_str(), o.selected, o.results.len()), (OverlayKind::QuickOpen, "", 0, 5));
    fx.s.apply(OverlayCmd::Move(3));
    assert_eq!(fx.s.overlay.as_ref().unwrap().selected, 3);
    // Typing resets the highlighted row.
    fx.s.apply(OverlayCmd::Input("utilc".into()));
    let o = fx.s.overlay.as_ref().unwrap();
    assert_eq!((o.input.as_str(), o.selected), ("utilc", 0));
    assert_eq!(o.results.first().map(|r| r.path.as_slice()), Some(b"src/util.c".as_slice()));
    let n = o.results.len();
    fx.s.apply(OverlayCmd::Move(100));
    assert_eq!(fx.s.overlay.as_ref().unwrap().selected, n - 1);
    fx.s.apply(OverlayCmd::Move(-100));
    assert_eq!(fx.s.overlay.as_ref().unwrap().selected, 0);
    fx.s.apply(OverlayCmd::Accept);
    assert!(fx.s.overlay.is_none());
    assert_eq!(cursor(&fx.s), ("src/util.c".into(), 0));
    // No match: accepting closes the overlay and opens nothing.
    fx.s.apply(OverlayCmd::Show(Some(OverlayKind::QuickOpen)));
    fx.s.apply(OverlayCmd::Input("qqqqzzzz".into()));
    assert!(fx.s.overlay.as_ref().unwrap().results.is_empty());
    fx.s.apply(OverlayCmd::Move(1));
    assert_eq!(fx.s.overlay.as_ref().unwrap().selected, 0);
    fx.s.apply(OverlayCmd::Accept);
    assert!(fx.s.overlay.is_none());
    assert_eq!(fx.s.tabs.len(), 1);
}

#[test]
fn overlay_commands_without_an_overlay_do_nothing() {
    let mut fx = fixture();
    fx.s.apply(OverlayCmd::Input("x".into()));
    fx.s.apply(OverlayCmd::Move(1));
    fx.s.apply(OverlayCmd::Accept);
    assert!(fx.s.overlay.is_none() && fx.s.tabs.is_empty());
    // Help lists nothing, and accepting or `None` closes it.
    fx.s.apply(OverlayCmd::Show(Some(OverlayKind::Help)));
    assert!(fx.s.overlay.as_ref().unwrap().results.is_empty());
    fx.s.apply(OverlayCmd::Accept);
    assert!(fx.s.overlay.is_none());
    fx.s.apply(OverlayCmd::Show(Some(OverlayKind::Help)));
    fx.s.apply(OverlayCmd::Show(None));
    assert!(fx.s.overlay.is_none());
    // Quick open with no snapshot lists nothing.
    let (_d, mut s) = empty();
    s.apply(OverlayCmd::Show(Some(OverlayKind::QuickOpen)));
    assert!(s.overlay.as_ref().unwrap().results.is_empty());
    s.apply(OverlayCmd::Accept);
    assert!(s.overlay.is_none() && s.tabs.is_empty());
}

#[test]
fn go_to_line_accepts_line_or_line_colon_column_and_keeps_bad_input_open() {
    let mut fx = fixture();
    open_file(&mut fx.s, "lines.txt", None);
    let go = |s: &mut AppState, input: &str| {
        s.apply(OverlayCmd::Show(Some(OverlayKind::GoToLine)));
        s.apply(OverlayCmd::Input(input.into()));
        s.apply(OverlayCmd::Accept);
    };
    go(&mut fx.s, "21");
    assert!(fx.s.overlay.is_none());
    let t = fx.s.active_tab().unwrap();
    assert_eq!((t.cursor_line, t.scroll_to), (20, Some(20)));
    go(&mut fx.s, " 42:7 ");
    assert_eq!(cursor(&fx.s).1, 41);
    go(&mut fx.s, "100000");
    assert_eq!(cursor(&fx.s).1, LINES - 1, "clamped");
    for bad in ["", "0", "abc", "-3", ":5"] {
        go(&mut fx.s, bad);
        let o = fx.s.overlay.as_ref().unwrap_or_else(|| panic!("{bad:?} closed the overlay"));
        assert_eq!((o.kind, o.input.as_str()), (OverlayKind::GoToLine, bad));
        assert_eq!(cursor(&fx.s).1, LINES - 1, "{bad:?} moved the cursor");
    }
    // Go to line is recorded in the history: back returns to where it left from.
    fx.s.apply(OverlayCmd::Show(None));
    go(&mut fx.s, "5");
    fx.s.apply(NavCmd::HistoryBack);
    assert_eq!(cursor(&fx.s).1, LINES - 1);
    // No tab: a valid line closes the overlay and nothing else happens.
    let (_d, mut s) = empty();
    go(&mut s, "3");
    assert!(s.overlay.is_none() && s.tabs.is_empty());
}

#[test]
fn symbols_overlay_finds_definitions_by_fuzzy_name_once_the_index_is_ready() {
    let mut fx = fixture();
    fx.s.apply(OverlayCmd::Show(Some(OverlayKind::Symbols)));
    fx.s.apply(OverlayCmd::Input("helper".into()));
    assert!(fx.s.overlay.as_ref().unwrap().results.is_empty(), "index not ready: no rows, no panic");
    fx.s.symbols.wait_index();
    assert!(fx.s.symbols.ready().is_some());
    fx.s.apply(OverlayCmd::Input("   ".into()));
    assert!(fx.s.overlay.as_ref().unwrap().results.is_empty(), "blank input lists nothing");
    fx.s.apply(OverlayCmd::Input("helpr".into()));
    let o = fx.s.overlay.as_ref().unwrap();
    let at = o.results.iter().position(|r| r.path == b"src/util.c").unwrap_or_else(|| panic!("{o:?}"));
    let row = &o.results[at];
    assert!(row.label.contains("helper") && row.detail.starts_with("src/util.c:1"), "{row:?}");
    assert_eq!(row.line, Some(0));
    fx.s.apply(OverlayCmd::Move(at as isize));
    fx.s.apply(OverlayCmd::Accept);
    assert!(fx.s.overlay.is_none());
    assert_eq!(cursor(&fx.s), ("src/util.c".into(), 0));
}

// ---------------------------------------------------------------------------------------------------
// Find in file and history

#[test]
fn find_starts_at_the_cursor_steps_and_wraps() {
    let mut fx = fixture();
    fx.s.apply(NavCmd::Find(Some("needle".into())));
    assert!(fx.s.tabs.is_empty(), "no tab: nothing happens");
    open_file(&mut fx.s, "lines.txt", Some(30));
    fx.s.apply(NavCmd::CursorTo { line: 31, extend: true });
    fx.s.apply(NavCmd::Find(Some("needle".into())));
    let t = fx.s.active_tab().unwrap();
    let f = t.find.as_ref().unwrap();
    assert_eq!(f.matches.iter().map(|m| m.0).collect::<Vec<_>>(), [10, 50, 90]);
    assert_eq!(f.matches[0].1, 0..6);
    assert_eq!((f.current, t.cursor_line, t.cursor_col, t.scroll_to), (1, 50, 0, Some(50)));
    fx.s.apply(NavCmd::FindStep(true));
    let t = fx.s.active_tab().unwrap();
    assert_eq!((t.find.as_ref().unwrap().current, t.cursor_line, t.anchor_line), (2, 90, None));
    fx.s.apply(NavCmd::FindStep(true));
    assert_eq!(cursor(&fx.s).1, 10, "wraps forward");
    fx.s.apply(NavCmd::FindStep(false));
    assert_eq!(cursor(&fx.s).1, 90, "wraps backward");
    fx.s.apply(NavCmd::FindStep(false));
    assert_eq!(cursor(&fx.s).1, 50);
    // After the last match, the search starts again from the top.
    fx.s.apply(NavCmd::CursorTo { line: 95, extend: false });
    fx.s.apply(NavCmd::Find(Some("needle".into())));
    assert_eq!(fx.s.active_tab().unwrap().find.as_ref().unwrap().current, 0);
    assert_eq!(cursor(&fx.s).1, 10);
    // No match: the cursor stays, stepping does nothing.
    fx.s.apply(NavCmd::Find(Some("absent".into())));
    assert!(fx.s.active_tab().unwrap().find.as_ref().unwrap().matches.is_empty());
    fx.s.apply(NavCmd::FindStep(true));
    assert_eq!(cursor(&fx.s).1, 10);
    // Closing find; stepping without find does nothing.
    fx.s.apply(NavCmd::Find(None));
    assert!(fx.s.active_tab().unwrap().find.is_none());
    fx.s.apply(NavCmd::FindStep(true));
    assert_eq!(cursor(&fx.s).1, 10);
}

#[test]
fn find_in_a_large_file_runs_off_the_ui_thread_and_drops_a_superseded_needle() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    // Past FIND_SYNC_BYTES: `needle` on every 1000th line.
    let lines = crate::state::tab::FIND_SYNC_BYTES / 10 + 5000;
    let big: String = (0..lines)
        .map(|i| if i % 1000 == 7 { format!("needle {i:07}\n") } else { format!("line {i:09}\n") })
        .collect();
    write_tree(&snap, &[("big.txt", big)]);
    let mut s = open(&snap, &dir.path().join("data"));
    open_file(&mut s, "big.txt", Some(2500));
    s.apply(NavCmd::Find(Some("needl".into())));
    let f = s.active_tab().unwrap().find.clone().unwrap();
    assert!(f.searching && f.matches.is_empty(), "the apply did not scan the file: {f:?}");
    // Typed over before the first answer: that answer, whenever it comes, is not taken.
    s.apply(NavCmd::Find(Some("needle 00".into())));
    let stale =
        crate::state::tab::FoundMatches { query: "needl".into(), matches: vec![(7, 0..5)], capped: false };
    let tab = s.active_tab_mut().unwrap();
    assert!(!tab.find.as_mut().unwrap().accept(stale));
    assert!(tab.find.as_ref().unwrap().searching);
    tab.wait_find();
    let f = tab.find.clone().unwrap();
    assert!(!f.searching);
    let expected: Vec<usize> = (0..lines).filter(|i| i % 1000 == 7 && *i < 100_000).collect();
    assert_eq!(f.matches.iter().map(|m| m.0).collect::<Vec<_>>(), expected);
    // The current match is the first at or after the cursor; a second answer is not taken.
    assert_eq!(f.matches.get(f.current).map(|m| m.0), Some(3007));
    let again =
        crate::state::tab::FoundMatches { query: "needle 00".into(), matches: Vec::new(), capped: false };
    assert!(!s.active_tab_mut().unwrap().find.as_mut().unwrap().accept(again));
    assert_eq!(s.active_tab().unwrap().find.as_ref().unwrap().matches.len(), expected.len());
}

#[test]
fn a_find_answer_reaches_the_cursor_through_poll() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    let lines = crate::state::tab::FIND_SYNC_BYTES / 10 + 100;
    let big: String = (0..lines)
        .map(|i| if i == lines - 3 { "target\n".to_owned() } else { format!("{i:09}\n") })
        .collect();
    write_tree(&snap, &[("big.txt", big)]);
    let mut s = open(&snap, &dir.path().join("data"));
    open_file(&mut s, "big.txt", None);
    s.apply(NavCmd::Find(Some("target".into())));
    assert!(s.busy(), "a find under way keeps the window polling");
    // Polled as frames do, until the answer is in (or the thread ended).
    while s.active_tab().unwrap().find.as_ref().unwrap().searching {
        std::thread::yield_now();
        s.apply(LoadCmd::Poll);
    }
    assert_eq!(cursor(&s).1, lines - 3, "the cursor goes to the match when it arrives");
}

#[test]
fn find_moves_the_cursor_to_a_match_and_drops_the_selection_as_find_step_does() {
    let mut fx = fixture();
    open_file(&mut fx.s, "lines.txt", Some(30));
    fx.s.apply(NavCmd::CursorTo { line: 31, extend: true });
    assert_eq!(fx.s.active_tab().unwrap().selection(), 30..=31);
    fx.s.apply(NavCmd::Find(Some("needle".into())));
    let t = fx.s.active_tab().unwrap();
    assert_eq!(t.cursor_line, 50);
    // Expected: the cursor jumped to the match, so the selection is the match's line (as after F3).
    assert_eq!((t.anchor_line, t.selection()), (None, 50..=50));
}

#[test]
fn history_goes_back_and_forward_and_forgets_the_future_on_a_new_step() {
    let mut fx = fixture();
    fx.s.apply(NavCmd::HistoryBack);
    fx.s.apply(NavCmd::HistoryForward);
    assert!(fx.s.tabs.is_empty(), "no history: nothing happens");
    open_file(&mut fx.s, "lines.txt", None);
    // A move that is not a jump is still remembered when leaving the file.
    fx.s.apply(NavCmd::CursorTo { line: 40, extend: false });
    open_file(&mut fx.s, "src/util.c", Some(2));
    fx.s.apply(NavCmd::HistoryBack);
    assert_eq!(cursor(&fx.s), ("lines.txt".into(), 40));
    fx.s.apply(NavCmd::HistoryBack);
    assert_eq!(cursor(&fx.s), ("lines.txt".into(), 0));
    fx.s.apply(NavCmd::HistoryBack);
    assert_eq!(cursor(&fx.s), ("lines.txt".into(), 0), "at the start: stays");
    fx.s.apply(NavCmd::HistoryForward);
    assert_eq!(cursor(&fx.s), ("lines.txt".into(), 40));
    fx.s.apply(NavCmd::HistoryForward);
    assert_eq!(cursor(&fx.s), ("src/util.c".into(), 2));
    fx.s.apply(NavCmd::HistoryForward);
    assert_eq!(cursor(&fx.s), ("src/util.c".into(), 2), "at the end: stays");
    // Back, then a new jump: forward has nowhere to go.
    fx.s.apply(NavCmd::HistoryBack);
    open_file(&mut fx.s, "src/main.c", Some(1));
    fx.s.apply(NavCmd::HistoryForward);
    assert_eq!(cursor(&fx.s), ("src/main.c".into(), 1));
    fx.s.apply(NavCmd::HistoryBack);
    assert_eq!(cursor(&fx.s), ("lines.txt".into(), 40));
    // History reopens a file whose tab was closed.
    fx.s.apply(NavCmd::CloseTab(fx.s.active.unwrap()));
    fx.s.apply(NavCmd::HistoryForward);
    assert_eq!(cursor(&fx.s), ("src/main.c".into(), 1));
    fx.s.apply(NavCmd::HistoryBack);
    assert_eq!(cursor(&fx.s), ("lines.txt".into(), 40));
}

#[test]
fn history_keeps_jumps_only_not_cursor_moves_or_going_to_the_same_line() {
    let mut fx = fixture();
    open_file(&mut fx.s, "lines.txt", Some(10));
    open_file(&mut fx.s, "src/util.c", Some(2));
    // Ctrl+Home and arrows are moves, not jumps; Ctrl+G to the line already there is no jump either.
    fx.s.apply(NavCmd::CursorTo { line: 0, extend: false });
    fx.s.apply(NavCmd::MoveCursor { delta: 1, extend: false });
    fx.s.apply(OverlayCmd::Show(Some(OverlayKind::GoToLine)));
    fx.s.apply(OverlayCmd::Input("2".into()));
    fx.s.apply(OverlayCmd::Accept);
    assert_eq!(cursor(&fx.s), ("src/util.c".into(), 1));
    fx.s.apply(NavCmd::HistoryBack);
    assert_eq!(cursor(&fx.s), ("lines.txt".into(), 10), "straight back to where the jump came from");
    fx.s.apply(NavCmd::HistoryForward);
    assert_eq!(cursor(&fx.s), ("src/util.c".into(), 2));
}

#[test]
fn seen_records_reading_coverage_clamped_to_the_file() {
    let mut fx = fixture();
    fx.s.apply(NavCmd::Seen(0..10));
    assert!(fx.s.tabs.is_empty());
    open_file(&mut fx.s, "lines.txt", None);
    fx.s.apply(NavCmd::Seen(0..10));
    fx.s.apply(NavCmd::Seen(5..20));
    fx.s.apply(NavCmd::Seen(95..500));
    let seen = &fx.s.active_tab().unwrap().seen;
    assert_eq!((seen.count(), seen.total()), (25, LINES));
    assert_eq!(seen.ranges(), [0..20, 95..100]);
    fx.s.apply(NavCmd::Seen(500..600));
    fx.s.apply(NavCmd::Seen(20..95));
    let seen = &fx.s.active_tab().unwrap().seen;
    assert_eq!((seen.count(), seen.fraction()), (LINES, 1.0));
    // Only the active tab's coverage grows.
    open_file(&mut fx.s, "src/util.c", None);
    fx.s.apply(NavCmd::Seen(0..2));
    assert_eq!(fx.s.tabs[0].seen.count(), LINES);
    assert_eq!(fx.s.tabs[1].seen.count(), 2);
}

// ---------------------------------------------------------------------------------------------------
// Search

#[test]
fn search_query_runs_once_the_index_is_ready_moves_and_opens_hits() {
    let mut fx = fixture();
    fx.s.apply(SearchCmd::Open(0));
    assert!(fx.s.tabs.is_empty(), "index not ready: nothing opens");
    fx.s.apply(SearchCmd::SetQuery("relay".into()));
    assert_eq!(fx.s.search.query, "relay");
    assert!(fx.s.search.rows.is_empty());
    fx.s.search.wait_index();
    fx.s.search.wait_results();
    let search = &fx.s.search;
    assert_eq!(search.error, None);
    assert_eq!(search.files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(), ["src/main.c"]);
    assert_eq!(search.files[0].lines.iter().map(|l| l.line).collect::<Vec<_>>(), [3, 10]);
    assert_eq!(search.rows, [Row::File(0), Row::Line(0, 0), Row::Line(0, 1)]);
    assert_eq!(search.summary.as_ref().unwrap().lines, 2);
    fx.s.apply(SearchCmd::Move(-1));
    assert_eq!(fx.s.search.selected, 0);
    fx.s.apply(SearchCmd::Move(2));
    assert_eq!(fx.s.search.selected, 2);
    fx.s.apply(SearchCmd::Move(5));
    assert_eq!(fx.s.search.selected, 2, "clamped to the last row");
    fx.s.apply(SearchCmd::Open(2));
    assert_eq!(cursor(&fx.s), ("src/main.c".into(), MAIN_CALL_LINE));
    // A file row opens at its first hit.
    fx.s.apply(SearchCmd::Open(0));
    assert_eq!((fx.s.search.selected, cursor(&fx.s)), (0, ("src/main.c".into(), 2)));
    // A row past the end selects it but opens nothing.
    fx.s.apply(NavCmd::CursorTo { line: 5, extend: false });
    fx.s.apply(SearchCmd::Open(99));
    assert_eq!(cursor(&fx.s).1, 5);
    // A malformed query says so and runs nothing; an empty one clears.
    fx.s.apply(SearchCmd::SetQuery("/unclosed(/".into()));
    assert!(fx.s.search.error.is_some());
    assert!(fx.s.search.rows.is_empty() && !fx.s.search.is_running());
    fx.s.apply(SearchCmd::SetQuery("needle".into()));
    fx.s.search.wait_results();
    assert_eq!(fx.s.search.summary.as_ref().unwrap().lines, 3);
    fx.s.apply(SearchCmd::SetQuery(String::new()));
    assert!(fx.s.search.rows.is_empty() && fx.s.search.error.is_none() && fx.s.search.summary.is_none());
    fx.s.apply(SearchCmd::Move(1));
    assert_eq!(fx.s.search.selected, 0, "no rows: stays on 0");
}

// ---------------------------------------------------------------------------------------------------
// Symbols: definitions, references, callers

#[test]
fn go_to_definition_before_the_index_or_without_a_name_says_why() {
    let (_d, mut s) = empty();
    s.apply(SymbolsCmd::GoToDefinition);
    assert!(s.error.as_deref().unwrap().contains("symbol index"), "{:?}", s.error);
    let mut fx = fixture();
    open_file(&mut fx.s, "src/main.c", Some(MAIN_CALL_LINE));
    click_on(&mut fx.s, MAIN_CALL_LINE, "relay");
    let built = still_building(&mut fx.s, &[]);
    fx.s.apply(SymbolsCmd::GoToDefinition);
    assert!(fx.s.error.as_deref().unwrap().contains("still being built"));
    fx.s.apply(ViewCmd::DismissError);
    fx.s.symbols.index = built;
    fx.s.symbols.wait_index();
    // On blank space: no identifier.
    fx.s.apply(NavCmd::ClickAt { line: 1, col: 0, extend: false });
    fx.s.apply(SymbolsCmd::GoToDefinition);
    assert!(fx.s.error.as_deref().unwrap().contains("No identifier"), "{:?}", fx.s.error);
    // On a name defined nowhere.
    open_file(&mut fx.s, "src/bidi.c", None);
    click_on(&mut fx.s, 3, "missing_fn");
    fx.s.apply(ViewCmd::DismissError);
    fx.s.apply(SymbolsCmd::GoToDefinition);
    assert_eq!(fx.s.error.as_deref(), Some("No definition of `missing_fn` found in this snapshot."));
    assert_eq!(cursor(&fx.s), ("src/bidi.c".into(), 3), "the cursor stays");
    // No tab: nothing.
    let mut s = fx.reopen();
    s.symbols.wait_index();
    s.apply(SymbolsCmd::GoToDefinition);
    assert_eq!(s.error, None);
    assert!(s.tabs.is_empty() && s.overlay.is_none());
}

/// A definition as the build records it: name, 0-based line, byte column.
type PartialDef = (&'static str, u32, u32);

/// Makes the symbol index look as if it were being built, with `parsed` (path, definitions) the files
/// parsed so far out of 4; returns the real index state to put back.
fn still_building(s: &mut AppState, parsed: &[(&str, &[PartialDef])]) -> SymIndexState {
    s.symbols.wait_index();
    let partial = vitrine_syntax::index::PartialDefinitions::default();
    partial.start(["a.c", "src/main.c", "src/util.c", "z.c"].map(String::from).to_vec());
    for (path, defs) in parsed {
        let file = ["a.c", "src/main.c", "src/util.c", "z.c"].iter().position(|p| p == path).unwrap() as u32;
        partial.record(file, defs.iter().map(|(n, l, c)| (n.as_bytes(), *l, *c)));
    }
    s.symbols.partial = std::sync::Arc::new(partial);
    let (_tx, result) = crossbeam_channel::bounded(1);
    std::mem::replace(&mut s.symbols.index, SymIndexState::Building { progress: Default::default(), result })
}

#[test]
fn while_the_symbols_are_built_files_already_parsed_answer_and_the_rest_are_named_pending() {
    let mut fx = fixture();
    open_file(&mut fx.s, "src/main.c", Some(MAIN_CALL_LINE));
    // Only main.c parsed: `relay` (main.c, line 2) is found, `helper` (util.c, pending) is not.
    still_building(&mut fx.s, &[("src/main.c", &[("relay", 2, 4), ("main", 7, 4)])]);
    click_on(&mut fx.s, MAIN_CALL_LINE, "relay");
    fx.s.apply(SymbolsCmd::GoToDefinition);
    let t = fx.s.active_tab().unwrap();
    assert_eq!((t.doc.path.display(), t.cursor_line, t.cursor_col), ("src/main.c".into(), 2, 4));
    assert_eq!(
        fx.s.error.as_deref(),
        Some(
            "Went to the one definition of `relay` found so far (the symbol index is still being built: \
             1 of 4 files parsed, 3 pending)."
        )
    );
    fx.s.apply(ViewCmd::DismissError);
    fx.s.apply(NavCmd::CursorTo { line: MAIN_CALL_LINE, extend: false });
    click_on(&mut fx.s, MAIN_CALL_LINE, "helper");
    fx.s.apply(SymbolsCmd::GoToDefinition);
    assert_eq!(
        fx.s.error.as_deref(),
        Some(
            "No definition of `helper` found yet (the symbol index is still being built: 1 of 4 files parsed, 3 pending)."
        )
    );
    assert_eq!(cursor(&fx.s), ("src/main.c".into(), MAIN_CALL_LINE), "the cursor stays");
    // Two parsed files define it: both are listed, with what is still pending.
    fx.s.apply(ViewCmd::DismissError);
    still_building(&mut fx.s, &[("src/util.c", &[("helper", 0, 4)]), ("a.c", &[("helper", 9, 0)])]);
    fx.s.apply(SymbolsCmd::GoToDefinition);
    let o = fx.s.overlay.as_ref().expect("a list of the definitions found so far");
    let rows: Vec<(&str, Option<usize>)> = o.results.iter().map(|r| (r.label.as_str(), r.line)).collect();
    assert_eq!(rows, [("a.c:10", Some(9)), ("src/util.c:1", Some(0))]);
    assert!(o.results[0].detail.contains("2 of 4 files parsed, 2 pending"), "{}", o.results[0].detail);
}

#[test]
fn go_to_definition_jumps_to_one_candidate_or_lists_several() {
    let mut fx = fixture();
    fx.s.symbols.wait_index();
    open_file(&mut fx.s, "src/main.c", Some(MAIN_CALL_LINE));
    click_on(&mut fx.s, MAIN_CALL_LINE, "relay");
    fx.s.apply(SymbolsCmd::GoToDefinition);
    assert_eq!(fx.s.error, None);
    assert!(fx.s.overlay.is_none());
    assert_eq!(cursor(&fx.s), ("src/main.c".into(), 2));
    // The jump is in the history.
    fx.s.apply(NavCmd::HistoryBack);
    assert_eq!(cursor(&fx.s), ("src/main.c".into(), MAIN_CALL_LINE));
    // `helper` has a definition (util.c) and a declaration (main.c): a list, accepted with Enter.
    click_on(&mut fx.s, MAIN_CALL_LINE, "helper");
    fx.s.apply(SymbolsCmd::GoToDefinition);
    assert_eq!(fx.s.error, None);
    let o = fx.s.overlay.as_ref().expect("a list of candidates");
    assert_eq!(o.kind, OverlayKind::Definitions);
    assert!(o.results.len() >= 2, "{:?}", o.results);
    assert_eq!(o.results[0].path, b"src/util.c", "the definition first: {:?}", o.results);
    assert!(o.results.iter().any(|r| r.path == b"src/main.c" && r.label.contains("(declaration)")));
    fx.s.apply(OverlayCmd::Accept);
    assert!(fx.s.overlay.is_none());
    assert_eq!(cursor(&fx.s), ("src/util.c".into(), 0));
}

#[test]
fn find_references_lists_every_reference_in_the_bottom_panel() {
    let mut fx = fixture();
    open_file(&mut fx.s, "src/main.c", Some(MAIN_CALL_LINE));
    click_on(&mut fx.s, MAIN_CALL_LINE, "helper");
    // Index not ready: the panel says so.
    fx.s.apply(SymbolsCmd::FindReferences);
    assert_eq!(fx.s.bottom, BottomTab::References);
    assert!(matches!(&fx.s.symbols.result, Some(NavResult::Error(e)) if e.contains("not ready")));
    fx.s.apply(ViewCmd::ShowBottom(BottomTab::Health));
    fx.s.symbols.wait_index();
    fx.s.symbols.trail.push("stale".into());
    fx.s.apply(SymbolsCmd::FindReferences);
    assert_eq!(fx.s.bottom, BottomTab::References);
    assert_eq!(fx.s.symbols.subject.as_deref(), Some("helper"));
    assert!(fx.s.symbols.trail.is_empty());
    fx.s.symbols.wait_result();
    let Some(NavResult::References(refs)) = &fx.s.symbols.result else { panic!("{:?}", fx.s.symbols.result) };
    let mut at: Vec<(&str, u32)> = refs.iter().map(|r| (r.path.as_str(), r.at.line)).collect();
    at.sort();
    // The two calls (the definition and the declaration are not references).
    assert_eq!(at, [("src/main.c", 4), ("src/main.c", 9)]);
    assert!(refs.iter().all(|r| r.name == "helper"));
    // No identifier at the cursor: nothing changes.
    fx.s.apply(ViewCmd::ShowBottom(BottomTab::Health));
    fx.s.apply(NavCmd::ClickAt { line: 1, col: 0, extend: false });
    fx.s.apply(SymbolsCmd::FindReferences);
    assert_eq!((fx.s.bottom, fx.s.symbols.subject.as_deref()), (BottomTab::Health, Some("helper")));
}

#[test]
fn show_callers_groups_calls_by_caller_and_keeps_a_trail() {
    let mut fx = fixture();
    fx.s.apply(SymbolsCmd::ShowCallers { name: None, deeper: false });
    assert_eq!((fx.s.bottom, fx.s.symbols.subject.as_ref()), (BottomTab::Health, None), "no tab, no name");
    fx.s.symbols.wait_index();
    open_file(&mut fx.s, "src/main.c", Some(MAIN_CALL_LINE));
    click_on(&mut fx.s, MAIN_CALL_LINE, "helper");
    fx.s.apply(SymbolsCmd::ShowCallers { name: None, deeper: false });
    assert_eq!((fx.s.bottom, fx.s.symbols.subject.as_deref()), (BottomTab::Callers, Some("helper")));
    fx.s.symbols.wait_result();
    let Some(NavResult::Callers(groups)) = &fx.s.symbols.result else { panic!("{:?}", fx.s.symbols.result) };
    let mut callers: Vec<(String, usize)> =
        groups.iter().map(|g| (g.caller.as_ref().unwrap().name.clone(), g.sites.len())).collect();
    callers.sort();
    assert_eq!(callers, [("main".to_owned(), 1), ("relay".to_owned(), 1)]);
    // Following a caller keeps the trail; a fresh query clears it.
    fx.s.apply(SymbolsCmd::ShowCallers { name: Some("relay".into()), deeper: true });
    assert_eq!(fx.s.symbols.trail, ["helper"]);
    assert_eq!(fx.s.symbols.subject.as_deref(), Some("relay"));
    fx.s.symbols.wait_result();
    let Some(NavResult::Callers(groups)) = &fx.s.symbols.result else { panic!("{:?}", fx.s.symbols.result) };
    assert_eq!(
        groups.iter().filter_map(|g| g.caller.as_ref()).map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["main"]
    );
    fx.s.apply(SymbolsCmd::ShowCallers { name: Some("main".into()), deeper: true });
    assert_eq!(fx.s.symbols.trail, ["helper", "relay"]);
    fx.s.symbols.wait_result();
    assert_eq!(fx.s.symbols.result, Some(NavResult::Callers(Vec::new())));
    fx.s.apply(SymbolsCmd::ShowCallers { name: Some("helper".into()), deeper: false });
    assert!(fx.s.symbols.trail.is_empty());
}

#[test]
fn toggle_caller_node_loads_callers_of_callers_and_folds() {
    let mut fx = fixture();
    // Before the symbol index is ready there is nothing to load: the node stays folded.
    let mut early = crate::state::symbols::SymbolState::default();
    early.toggle_caller(vec!["relay".to_owned()]);
    assert!(early.expanded_callers.is_empty() && early.caller_cache.is_empty());
    fx.s.symbols.wait_index();
    fx.s.apply(SymbolsCmd::ShowCallers { name: Some("helper".into()), deeper: false });
    fx.s.symbols.wait_result();
    let node = vec!["relay".to_owned()];
    fx.s.apply(SymbolsCmd::ToggleCallerNode(node.clone()));
    assert!(fx.s.symbols.expanded_callers.contains(&node));
    assert_eq!(fx.s.symbols.caller_cache.get("relay"), Some(&CallerLoad::Loading));
    fx.s.symbols.wait_callers();
    let Some(CallerLoad::Ready(groups)) = fx.s.symbols.caller_cache.get("relay") else {
        panic!("{:?}", fx.s.symbols.caller_cache)
    };
    assert_eq!(
        groups.iter().filter_map(|g| g.caller.as_ref()).map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["main"]
    );
    // One level further down: main has no callers.
    let deeper = vec!["relay".to_owned(), "main".to_owned()];
    fx.s.apply(SymbolsCmd::ToggleCallerNode(deeper.clone()));
    fx.s.symbols.wait_callers();
    assert_eq!(fx.s.symbols.caller_cache.get("main"), Some(&CallerLoad::Ready(Vec::new())));
    // Folding keeps what was loaded; unfolding again does not reload it.
    fx.s.apply(SymbolsCmd::ToggleCallerNode(node.clone()));
    assert!(!fx.s.symbols.expanded_callers.contains(&node));
    assert!(fx.s.symbols.expanded_callers.contains(&deeper));
    fx.s.apply(SymbolsCmd::ToggleCallerNode(node.clone()));
    assert!(matches!(fx.s.symbols.caller_cache.get("relay"), Some(CallerLoad::Ready(_))));
    // An empty node is nothing to expand.
    fx.s.apply(SymbolsCmd::ToggleCallerNode(Vec::new()));
    assert!(!fx.s.symbols.expanded_callers.contains(&Vec::new()));
}

// ---------------------------------------------------------------------------------------------------
// Signing in

#[test]
fn sign_in_form_shows_edits_and_hides_and_needs_a_review() {
    let (_d, mut s) = empty();
    s.apply(ReviewCmd::ShowSignIn(true));
    s.apply(ReviewCmd::EditSignIn(SignInForm::default()));
    s.apply(ReviewCmd::SignIn(Passphrase::default()));
    s.apply(ReviewCmd::SignOut);
    assert!(s.review.is_none() && s.error.is_none(), "no snapshot: no review, nothing to sign in to");
    let mut fx = fixture();
    fx.s.apply(ReviewCmd::ShowSignIn(true));
    assert_eq!(fx.s.review.as_ref().unwrap().sign_in, Some(SignInForm::default()));
    let f = form(Path::new("/k"), "who", "reviewer");
    fx.s.apply(ReviewCmd::EditSignIn(f.clone()));
    assert_eq!(fx.s.review.as_ref().unwrap().sign_in, Some(f));
    fx.s.apply(ReviewCmd::ShowSignIn(false));
    assert_eq!(fx.s.review.as_ref().unwrap().sign_in, None);
    // Signing in with the form hidden does nothing.
    fx.s.apply(ReviewCmd::SignIn(Passphrase::new("p")));
    assert!(fx.s.error.is_none() && fx.s.review.as_ref().unwrap().identity.is_none());
}

#[test]
fn sign_in_errors_stay_in_the_form_and_a_known_key_needs_no_principal() {
    let mut fx = fixture();
    let keys = tempfile::tempdir().unwrap();
    let key = write_key(keys.path(), "alice", "pw");
    let attempt = |s: &mut AppState, f: SignInForm, pass: &str| {
        s.apply(ViewCmd::DismissError);
        s.apply(ReviewCmd::EditSignIn(f));
        s.apply(ReviewCmd::SignIn(Passphrase::new(pass)));
        assert!(s.review.as_ref().unwrap().identity.is_none());
        assert!(s.review.as_ref().unwrap().sign_in.is_some(), "the form stays open to fix");
        s.error.clone().unwrap_or_else(|| panic!("no error"))
    };
    attempt(&mut fx.s, form(&keys.path().join("missing"), "a", "reviewer"), "pw");
    attempt(&mut fx.s, form(&key, "alice@example.org", "reviewer"), "wrong");
    let e = attempt(&mut fx.s, form(&key, "", ""), "pw");
    assert!(e.contains("principal"), "{e}");
    fx.s.apply(ViewCmd::DismissError);
    sign_in(&mut fx.s, &key, "pw", "alice@example.org", "reviewer");
    fx.s.apply(ReviewCmd::SignOut);
    assert!(fx.s.review.as_ref().unwrap().identity.is_none());
    // Now among the review's people: no principal or role needed (and the given ones are ignored).
    sign_in(&mut fx.s, &key, "pw", "alice@example.org", "reviewer");
    fx.s.apply(ReviewCmd::SignOut);
    fx.s.apply(ReviewCmd::EditSignIn(form(&key, "", "")));
    fx.s.apply(ReviewCmd::SignIn(Passphrase::new("pw")));
    assert_eq!(fx.s.error, None);
    let who = fx.s.review.as_ref().unwrap().identity.clone().unwrap();
    assert_eq!((who.principal.as_str(), who.role.as_str()), ("alice@example.org", "reviewer"));
}

// ---------------------------------------------------------------------------------------------------
// Annotating

#[test]
fn annotate_opens_the_composer_on_the_selection_and_asks_to_sign_in() {
    let mut fx = fixture();
    fx.s.apply(ReviewCmd::Annotate);
    assert!(fx.s.review.as_ref().unwrap().composer.is_none(), "no tab: no composer");
    open_file(&mut fx.s, "lines.txt", Some(20));
    fx.s.apply(NavCmd::CursorTo { line: 17, extend: true });
    fx.s.apply(ReviewCmd::Annotate);
    let r = fx.s.review.as_ref().unwrap();
    let c = r.composer.clone().unwrap();
    assert_eq!((c.path.as_str(), c.first, c.last), ("lines.txt", 18, 21), "1-based, in order");
    assert_eq!((c.class, c.severity, c.body.as_str()), (Class::Finding, Severity::Medium, ""));
    assert_eq!(r.sign_in, Some(SignInForm::default()), "not signed in: the form opens");
    // A composer already open is kept (a draft is never lost to a second Annotate).
    fx.s.apply(NavCmd::CursorTo { line: 60, extend: false });
    fx.s.apply(ReviewCmd::Annotate);
    assert_eq!(fx.s.review.as_ref().unwrap().composer.as_ref(), Some(&c));
    // No snapshot, no review: nothing, no panic.
    let (_d, mut s) = empty();
    s.apply(ReviewCmd::Annotate);
    s.apply(ReviewCmd::EditComposer(c));
    s.apply(ReviewCmd::SubmitAnnotation);
    s.apply(ReviewCmd::DiscardComposer);
    assert!(s.review.is_none() && s.error.is_none());
}

#[test]
fn edit_composer_saves_a_draft_that_a_new_window_gets_back_and_discard_deletes_it() {
    let mut fx = fixture();
    open_file(&mut fx.s, "src/util.c", Some(2));
    fx.s.apply(ReviewCmd::Annotate);
    let mut c = fx.s.review.as_ref().unwrap().composer.clone().unwrap();
    c.body = "Off by one?".into();
    c.class = Class::Question;
    c.severity = Severity::Low;
    c.category = "logic".into();
    fx.s.apply(ReviewCmd::EditComposer(c.clone()));
    assert_eq!(fx.s.review.as_ref().unwrap().composer.as_ref(), Some(&c));
    let again = fx.reopen();
    assert_eq!(again.review.as_ref().unwrap().composer.as_ref(), Some(&c), "the draft was saved");
    fx.s.apply(ReviewCmd::DiscardComposer);
    assert!(fx.s.review.as_ref().unwrap().composer.is_none());
    let again = fx.reopen();
    assert!(again.review.as_ref().unwrap().composer.is_none(), "the draft was deleted");
    // Discarding with no composer is harmless.
    fx.s.apply(ReviewCmd::DiscardComposer);
    assert!(fx.s.error.is_none());
}

#[test]
fn submit_annotation_needs_a_signer_and_a_body_then_signs_and_selects_it() {
    let mut fx = fixture();
    fx.s.apply(ReviewCmd::SubmitAnnotation);
    assert!(fx.s.error.as_deref().unwrap().contains("nothing to submit"), "{:?}", fx.s.error);
    fx.s.apply(ViewCmd::DismissError);
    open_file(&mut fx.s, "src/bidi.c", Some(2));
    fx.s.apply(NavCmd::CursorTo { line: 3, extend: true });
    fx.s.apply(ReviewCmd::Annotate);
    fx.s.apply(ReviewCmd::SubmitAnnotation);
    assert!(fx.s.error.as_deref().unwrap().contains("write"), "{:?}", fx.s.error);
    fx.s.apply(ViewCmd::DismissError);
    let mut c = fx.s.review.as_ref().unwrap().composer.clone().unwrap();
    c.body = "Hidden text.".into();
    c.severity = Severity::High;
    fx.s.apply(ReviewCmd::EditComposer(c.clone()));
    fx.s.apply(ReviewCmd::SubmitAnnotation);
    assert!(fx.s.error.as_deref().unwrap().contains("sign in"), "{:?}", fx.s.error);
    assert_eq!(fx.s.review.as_ref().unwrap().composer.as_ref(), Some(&c), "kept after a failure");
    assert!(fx.s.review.as_ref().unwrap().entries.is_empty());
    fx.s.apply(ViewCmd::DismissError);
    let keys = tempfile::tempdir().unwrap();
    let key = write_key(keys.path(), "alice", "pw");
    sign_in(&mut fx.s, &key, "pw", "alice@example.org", "reviewer");
    fx.s.apply(ViewCmd::ShowRight(RightTab::Outline));
    fx.s.apply(ReviewCmd::SubmitAnnotation);
    assert_eq!(fx.s.error, None);
    assert_eq!(fx.s.right, RightTab::Annotations);
    let r = fx.s.review.as_ref().unwrap();
    assert!(r.composer.is_none());
    assert_eq!(r.entries.len(), 1);
    let e = &r.entries[0];
    assert_eq!(r.selected.as_deref(), Some(e.id.as_str()));
    assert_eq!(
        (e.entry.kind, e.entry.severity, e.entry.body.as_deref()),
        (Kind::Annotation, Some(Severity::High), Some("Hidden text."))
    );
    let t = e.entry.target.as_ref().unwrap();
    assert_eq!((t.path.as_str(), t.lines), ("src/bidi.c", Some([3, 4])));
    assert_eq!(r.annotations_on("src/bidi.c"), 1);
    // Progress counts the annotation on the file and its folders.
    assert_eq!(fx.s.progress[node_of(&fx.s, "src/bidi.c")].annotations, 1);
    assert_eq!(fx.s.progress[node_of(&fx.s, "src")].annotations, 1);
    assert_eq!(fx.s.progress[0].annotations, 1);
    // The entry is on disk: a new window sees it, verified.
    assert_eq!(fx.reopen().review.as_ref().unwrap().entries.len(), 1);
}

#[test]
fn submit_annotation_with_lines_outside_the_file_is_refused() {
    let mut fx = fixture();
    let keys = tempfile::tempdir().unwrap();
    let key = write_key(keys.path(), "alice", "pw");
    sign_in(&mut fx.s, &key, "pw", "alice@example.org", "reviewer");
    let c = Composer {
        before: None,
        path: "src/util.c".into(),
        first: 3,
        last: 400,
        class: Class::Note,
        severity: Severity::Info,
        category: String::new(),
        body: "past the end".into(),
    };
    fx.s.apply(ReviewCmd::EditComposer(c.clone()));
    fx.s.apply(ReviewCmd::SubmitAnnotation);
    assert!(fx.s.error.as_deref().unwrap().contains("outside"), "{:?}", fx.s.error);
    fx.s.apply(ReviewCmd::EditComposer(Composer { path: "src/gone.c".into(), last: 3, ..c }));
    fx.s.apply(ReviewCmd::SubmitAnnotation);
    assert!(fx.s.error.as_deref().unwrap().contains("src/gone.c"), "{:?}", fx.s.error);
    assert!(fx.s.review.as_ref().unwrap().entries.is_empty());
}

// ---------------------------------------------------------------------------------------------------
// Threads

#[test]
fn select_thread_and_edit_reply() {
    let (mut fx, _keys, id) = annotated();
    fx.s.apply(ReviewCmd::SelectThread(None));
    assert_eq!(fx.s.review.as_ref().unwrap().selected, None);
    fx.s.apply(ViewCmd::ShowRight(RightTab::Outline));
    fx.s.apply(ReviewCmd::SelectThread(Some(id.clone())));
    assert_eq!(fx.s.right, RightTab::Annotations);
    fx.s.apply(ReviewCmd::EditReply("half typed".into()));
    assert_eq!(fx.s.review.as_ref().unwrap().reply, "half typed");
    // Selecting the same thread keeps the reply; another thread clears it.
    fx.s.apply(ReviewCmd::SelectThread(Some(id.clone())));
    assert_eq!(fx.s.review.as_ref().unwrap().reply, "half typed");
    fx.s.apply(ReviewCmd::SelectThread(None));
    let r = fx.s.review.as_ref().unwrap();
    assert_eq!((r.selected.as_ref(), r.reply.as_str()), (None, ""));
    // No review: the panel still switches, nothing else.
    let (_d, mut s) = empty();
    s.apply(ReviewCmd::SelectThread(Some(id)));
    s.apply(ReviewCmd::EditReply("x".into()));
    assert_eq!((s.right, s.review.is_none()), (RightTab::Annotations, true));
}

#[test]
fn opening_a_file_on_an_annotated_line_selects_its_thread() {
    let (mut fx, _keys, id) = annotated();
    fx.s.apply(ReviewCmd::SelectThread(None));
    fx.s.apply(ViewCmd::ShowRight(RightTab::Outline));
    open_file(&mut fx.s, "src/bidi.c", Some(0));
    assert_eq!((fx.s.right, fx.s.review.as_ref().unwrap().selected.as_ref()), (RightTab::Outline, None));
    open_file(&mut fx.s, "src/bidi.c", Some(3));
    assert_eq!(fx.s.right, RightTab::Annotations);
    assert_eq!(fx.s.review.as_ref().unwrap().selected.as_deref(), Some(id.as_str()));
}

#[test]
fn answer_replies_and_sets_status_or_says_what_is_missing() {
    let (mut fx, keys, id) = annotated();
    fx.s.apply(ReviewCmd::SelectThread(Some(id.clone())));
    fx.s.apply(ReviewCmd::Answer { parent: id.clone(), status: None });
    assert!(fx.s.error.as_deref().unwrap().contains("reply"), "empty: {:?}", fx.s.error);
    fx.s.apply(ViewCmd::DismissError);
    // The vendor answers, with a status and a reply.
    fx.s.apply(ReviewCmd::SignOut);
    fx.s.apply(ReviewCmd::EditReply("We will look.".into()));
    fx.s.apply(ReviewCmd::Answer { parent: id.clone(), status: Some(Status::Acknowledged) });
    assert!(fx.s.error.as_deref().unwrap().contains("sign in"), "{:?}", fx.s.error);
    assert_eq!(fx.s.review.as_ref().unwrap().reply, "We will look.", "the reply is kept");
    fx.s.apply(ViewCmd::DismissError);
    let vendor = write_key(keys.path(), "bob", "pw2");
    sign_in(&mut fx.s, &vendor, "pw2", "bob@vendor.example", "vendor");
    fx.s.apply(ReviewCmd::Answer { parent: id.clone(), status: Some(Status::Acknowledged) });
    assert_eq!(fx.s.error, None);
    let r = fx.s.review.as_ref().unwrap();
    assert_eq!(r.reply, "", "sent: the box empties");
    let e = &r.entries.last().unwrap().entry;
    assert_eq!(
        (e.kind, e.parent.as_deref(), e.body.as_deref(), e.status),
        (Kind::Reply, Some(id.as_str()), Some("We will look."), Some(Status::Acknowledged))
    );
    assert_eq!(e.role, "vendor");
    // A status alone is a status entry.
    fx.s.apply(ReviewCmd::Answer { parent: id.clone(), status: Some(Status::Fixed) });
    let r = fx.s.review.as_ref().unwrap();
    let e = &r.entries.last().unwrap().entry;
    assert_eq!((e.kind, e.body.as_ref(), e.status), (Kind::Status, None, Some(Status::Fixed)));
    let threads = r.threads(Some("src/bidi.c"));
    assert_eq!((threads.len(), threads[0].status, threads[0].follow_ups.len()), (1, Status::Fixed, 2));
    assert_eq!(r.entries.len(), 3);
}

#[test]
fn retract_withdraws_a_thread_and_needs_a_signer() {
    let (mut fx, keys, id) = annotated();
    assert_eq!(fx.s.progress[node_of(&fx.s, "src/bidi.c")].annotations, 1);
    fx.s.apply(ReviewCmd::SignOut);
    fx.s.apply(ReviewCmd::Retract(id.clone()));
    assert!(fx.s.error.as_deref().unwrap().contains("sign in"), "{:?}", fx.s.error);
    assert_eq!(fx.s.review.as_ref().unwrap().entries.len(), 1);
    fx.s.apply(ViewCmd::DismissError);
    // The author signs in again (the key is known now: no principal needed) and retracts.
    let key = keys.path().join("alice");
    fx.s.apply(ReviewCmd::EditSignIn(form(&key, "", "")));
    fx.s.apply(ReviewCmd::SignIn(Passphrase::new("pw")));
    assert_eq!(fx.s.error, None);
    fx.s.apply(ReviewCmd::Retract(id.clone()));
    assert_eq!(fx.s.error, None);
    let r = fx.s.review.as_ref().unwrap();
    let last = &r.entries.last().unwrap().entry;
    assert_eq!((last.kind, last.parent.as_deref()), (Kind::Retract, Some(id.as_str())));
    assert!(r.threads(Some("src/bidi.c"))[0].retracted);
    assert_eq!(r.annotations_on("src/bidi.c"), 0);
    assert_eq!(fx.s.progress[node_of(&fx.s, "src/bidi.c")].annotations, 0, "progress refreshed");
}

#[test]
fn retract_by_someone_other_than_the_author_is_refused() {
    let (mut fx, keys, id) = annotated();
    fx.s.apply(ReviewCmd::SignOut);
    let vendor = write_key(keys.path(), "bob", "pw2");
    sign_in(&mut fx.s, &vendor, "pw2", "bob@vendor.example", "vendor");
    fx.s.apply(ReviewCmd::Retract(id));
    let r = fx.s.review.as_ref().unwrap();
    assert!(!r.threads(Some("src/bidi.c"))[0].retracted, "only the author can retract");
    // Expected: an error, and no signed entry that has no effect.
    assert!(fx.s.error.is_some(), "a retraction that cannot take effect is signed silently");
    assert_eq!(r.entries.len(), 1, "{:?}", r.entries.last().map(|e| e.entry.kind));
}

#[test]
fn answer_or_retract_of_an_unknown_entry_is_an_error_not_a_panic() {
    let (mut fx, _keys, _id) = annotated();
    fx.s.apply(ReviewCmd::Retract("0".repeat(64)));
    assert!(fx.s.error.as_deref().unwrap().contains(&"0".repeat(64)), "{:?}", fx.s.error);
    fx.s.apply(ViewCmd::DismissError);
    fx.s.apply(ReviewCmd::EditReply("to nobody".into()));
    fx.s.apply(ReviewCmd::Answer { parent: "nope".into(), status: Some(Status::Closed) });
    assert!(fx.s.error.as_deref().unwrap().contains("no entry nope"), "{:?}", fx.s.error);
    let r = fx.s.review.as_ref().unwrap();
    assert_eq!((r.entries.len(), r.reply.as_str()), (1, "to nobody"), "nothing written, the reply kept");
}

// ---------------------------------------------------------------------------------------------------
// Review marks

#[test]
fn mark_reviewed_signs_a_mark_for_the_active_file_and_counts_it() {
    let mut fx = fixture();
    fx.s.apply(ReviewCmd::MarkReviewed { anyway: true });
    assert_eq!(fx.s.error, None, "no tab: nothing to mark");
    open_file(&mut fx.s, "src/util.c", None);
    fx.s.apply(ReviewCmd::MarkReviewed { anyway: true });
    assert!(fx.s.error.as_deref().unwrap().contains("sign in"), "{:?}", fx.s.error);
    fx.s.apply(ViewCmd::DismissError);
    let keys = tempfile::tempdir().unwrap();
    let key = write_key(keys.path(), "alice", "pw");
    sign_in(&mut fx.s, &key, "pw", "alice@example.org", "reviewer");
    fx.s.apply(ReviewCmd::MarkReviewed { anyway: true });
    assert_eq!(fx.s.error, None);
    let r = fx.s.review.as_ref().unwrap();
    let e = &r.entries[0].entry;
    assert_eq!((e.kind, e.target.as_ref().unwrap().path.as_str()), (Kind::ReviewMark, "src/util.c"));
    let blob = e.target.as_ref().unwrap().blob.clone();
    assert!(r.is_reviewed("src/util.c", &blob));
    assert_eq!(r.reviewed_by("src/util.c", &blob), ["alice@example.org"]);
    let file = fx.s.progress[node_of(&fx.s, "src/util.c")];
    assert_eq!((file.reviewed, file.lines, file.reviewed_lines), (1, 4, 4));
    let src = fx.s.progress[node_of(&fx.s, "src")];
    assert_eq!((src.reviewed, src.reviewed_lines), (1, 4));
    assert_eq!(fx.s.progress[0].reviewed, 1);
}

// ---------------------------------------------------------------------------------------------------
// Records: export, verify, import

#[test]
fn record_without_a_snapshot_does_nothing_and_export_needs_a_signer() {
    let (d, mut s) = empty();
    s.apply(ReviewCmd::Record(RecordAction::Verify { path: d.path().join("x.vitrine") }));
    assert_eq!(s.bottom, BottomTab::Health);
    assert!(!s.busy());
    let mut fx = fixture();
    fx.s.apply(ViewCmd::ToggleHealthPanel);
    let out = fx.dir.path().join("out.vitrine");
    fx.s.apply(ReviewCmd::Record(RecordAction::Export { path: out.clone(), questions_only: false }));
    assert_eq!((fx.s.bottom, fx.s.prefs.show_health), (BottomTab::Record, true));
    assert!(fx.s.review.as_ref().unwrap().record_running());
    fx.s.review.as_mut().unwrap().wait_record();
    let outcome = fx.s.review.as_ref().unwrap().outcome.clone().unwrap();
    assert!(outcome.as_ref().is_err_and(|e| e.contains("sign in")), "{outcome:?}");
    assert!(!out.exists());
    // A bundle that does not exist: an error outcome naming nothing verified.
    fx.s.apply(ReviewCmd::Record(RecordAction::Verify { path: fx.dir.path().join("none.vitrine") }));
    fx.s.review.as_mut().unwrap().wait_record();
    assert!(fx.s.review.as_ref().unwrap().outcome.as_ref().unwrap().is_err());
    fx.s.apply(ReviewCmd::Record(RecordAction::Import { path: fx.dir.path().join("none.vitrine") }));
    fx.s.review.as_mut().unwrap().wait_record();
    assert!(fx.s.review.as_ref().unwrap().outcome.as_ref().unwrap().is_err());
}

/// h23 F4: a review mark is the reviewing side's attestation: a vendor signed in cannot sign one (the
/// record refuses it, naming the rule), and nothing counts as reviewed.
#[test]
fn a_vendor_cannot_mark_a_file_reviewed() {
    let mut fx = fixture();
    open_file(&mut fx.s, "src/util.c", None);
    let keys = tempfile::tempdir().unwrap();
    let vendor = write_key(keys.path(), "bob", "pw2");
    sign_in(&mut fx.s, &vendor, "pw2", "bob@vendor.example", "vendor");
    fx.s.apply(ReviewCmd::MarkReviewed { anyway: true });
    let err = fx.s.error.clone().unwrap_or_default();
    assert!(err.contains("may not mark a file reviewed"), "{err}");
    let r = fx.s.review.as_ref().unwrap();
    assert!(r.entries.iter().all(|e| e.entry.kind != Kind::ReviewMark), "nothing signed");
    assert_eq!(fx.s.progress[0].reviewed, 0);
}

#[test]
fn mark_reviewed_asks_first_when_the_file_was_not_all_on_screen() {
    let mut fx = fixture();
    let keys = tempfile::tempdir().unwrap();
    let key = write_key(keys.path(), "alice", "pw");
    sign_in(&mut fx.s, &key, "pw", "alice@example.org", "reviewer");
    open_file(&mut fx.s, "lines.txt", None);
    fx.s.apply(NavCmd::Seen(0..26));
    fx.s.apply(ReviewCmd::MarkReviewed { anyway: false });
    let w = fx.s.mark_warning.clone().expect("a question, not a mark");
    assert_eq!((w.path.as_str(), w.seen_percent), ("lines.txt", 26));
    assert!(fx.s.review.as_ref().unwrap().entries.is_empty());
    fx.s.apply(ReviewCmd::CancelMark);
    assert!(fx.s.mark_warning.is_none() && fx.s.review.as_ref().unwrap().entries.is_empty());
    // Once it has all been on screen, no question.
    fx.s.apply(NavCmd::Seen(0..LINES));
    fx.s.apply(ReviewCmd::MarkReviewed { anyway: false });
    assert!(fx.s.mark_warning.is_none());
    assert_eq!(fx.s.review.as_ref().unwrap().entries.len(), 1);
}

#[test]
fn record_export_verify_tamper_and_import_into_another_review() {
    let (mut fx, keys, _id) = annotated();
    fx.s.apply(ReviewCmd::MarkReviewed { anyway: true });
    assert_eq!(fx.s.review.as_ref().unwrap().entries.len(), 2);
    let bundle = keys.path().join("review.vitrine");
    fx.s.apply(ReviewCmd::Record(RecordAction::Export { path: bundle.clone(), questions_only: false }));
    fx.s.review.as_mut().unwrap().wait_record();
    let outcome = fx.s.review.as_ref().unwrap().outcome.clone().unwrap().unwrap();
    assert!(outcome.summary.contains("exported 2 entries"), "{}", outcome.summary);
    let v = outcome.verification.unwrap();
    assert!(v.valid && v.snapshot_checked, "{v:?}");
    assert_eq!(v.accepted.len(), 2);
    // Verify on its own.
    fx.s.apply(ReviewCmd::Record(RecordAction::Verify { path: bundle.clone() }));
    fx.s.review.as_mut().unwrap().wait_record();
    let outcome = fx.s.review.as_ref().unwrap().outcome.clone().unwrap().unwrap();
    assert!(outcome.verification.unwrap().valid, "{}", outcome.summary);
    // One byte changed in an entry's body is caught.
    let mut bytes = std::fs::read(&bundle).unwrap();
    let needle = b"hides what the comment";
    let at = bytes.windows(needle.len()).position(|w| w == needle).unwrap();
    bytes[at] = b'H';
    let tampered = keys.path().join("tampered.vitrine");
    std::fs::write(&tampered, bytes).unwrap();
    fx.s.apply(ReviewCmd::Record(RecordAction::Verify { path: tampered.clone() }));
    fx.s.review.as_mut().unwrap().wait_record();
    let outcome = fx.s.review.as_ref().unwrap().outcome.clone().unwrap().unwrap();
    let v = outcome.verification.unwrap();
    assert!(!v.valid && !v.problems.is_empty(), "{}", outcome.summary);
    assert!(outcome.summary.contains("NOT"), "{}", outcome.summary);
    // Import: another data directory on the same snapshot gets the entries; the tampered one is refused.
    let data2 = fx.dir.path().join("data2");
    let mut other = open(&fx.snap, &data2);
    other.apply(ReviewCmd::Record(RecordAction::Import { path: tampered }));
    other.review.as_mut().unwrap().wait_record();
    let outcome = other.review.as_ref().unwrap().outcome.clone().unwrap().unwrap();
    assert!(outcome.summary.contains("refused"), "{}", outcome.summary);
    assert!(other.review.as_ref().unwrap().entries.is_empty());
    // The bundle's signer is new here: the window shows who it is and what they signed, and asks.
    other.apply(ReviewCmd::Record(RecordAction::Import { path: bundle.clone() }));
    other.review.as_mut().unwrap().wait_record();
    let outcome = other.review.as_ref().unwrap().outcome.clone().unwrap().unwrap();
    assert!(outcome.summary.contains("nothing merged"), "{}", outcome.summary);
    let asked = other.review.as_ref().unwrap().import.clone().expect("a question before merging");
    let alice = &asked.plan.new_people[0];
    assert_eq!((alice.principal.as_str(), alice.role.as_str()), ("alice@example.org", "reviewer"));
    assert!(alice.fingerprint.starts_with("SHA256:"), "{}", alice.fingerprint);
    assert_eq!(alice.signed.len(), 2, "{:?}", alice.signed);
    assert!(other.review.as_ref().unwrap().entries.is_empty(), "nothing merged while asking");
    // Cancel merges nothing.
    other.apply(ReviewCmd::CancelImport);
    let r = other.review.as_ref().unwrap();
    assert!(r.import.is_none() && r.entries.is_empty());
    assert!(r.outcome.clone().unwrap().unwrap().summary.contains("cancelled: nothing merged"));
    // Asked again and accepted: merged.
    other.apply(ReviewCmd::Record(RecordAction::Import { path: bundle.clone() }));
    other.review.as_mut().unwrap().wait_record();
    other.apply(ReviewCmd::AcceptImport { second_keys: false });
    other.review.as_mut().unwrap().wait_record();
    let outcome = other.review.as_ref().unwrap().outcome.clone().unwrap().unwrap();
    assert!(outcome.summary.contains("imported 2 new entries"), "{}", outcome.summary);
    assert_eq!(other.review.as_ref().unwrap().entries.len(), 2, "reloaded after the import");
    // The imported review mark and annotation count once the state refreshes its progress.
    other.refresh_progress();
    assert_eq!(other.progress[node_of(&other, "src/bidi.c")].reviewed, 1);
    assert_eq!(other.progress[node_of(&other, "src/bidi.c")].annotations, 1);
    // Importing again adds nothing.
    other.apply(ReviewCmd::Record(RecordAction::Import { path: bundle }));
    other.review.as_mut().unwrap().wait_record();
    let outcome = other.review.as_ref().unwrap().outcome.clone().unwrap().unwrap();
    assert!(outcome.summary.contains("imported 0 new entries"), "{}", outcome.summary);
}

#[test]
fn record_import_of_another_snapshots_bundle_is_refused() {
    let (mut fx, keys, _id) = annotated();
    let bundle = keys.path().join("review.vitrine");
    fx.s.apply(ReviewCmd::Record(RecordAction::Export { path: bundle.clone(), questions_only: false }));
    fx.s.review.as_mut().unwrap().wait_record();
    assert!(fx.s.review.as_ref().unwrap().outcome.as_ref().unwrap().is_ok());
    let elsewhere = fx.dir.path().join("elsewhere");
    write_tree(&elsewhere, &[("x.c", "int x;\n".into())]);
    let mut other = open(&elsewhere, &fx.data());
    other.apply(ReviewCmd::Record(RecordAction::Import { path: bundle.clone() }));
    other.review.as_mut().unwrap().wait_record();
    let outcome = other.review.as_ref().unwrap().outcome.clone().unwrap();
    assert!(outcome.as_ref().is_err_and(|e| e.contains("not of this one")), "{outcome:?}");
    assert!(other.review.as_ref().unwrap().entries.is_empty());
    // Verifying it against the wrong snapshot does not pass either.
    other.apply(ReviewCmd::Record(RecordAction::Verify { path: bundle }));
    other.review.as_mut().unwrap().wait_record();
    let outcome = other.review.as_ref().unwrap().outcome.clone().unwrap();
    let valid = outcome.as_ref().is_ok_and(|o| o.verification.as_ref().is_some_and(|v| v.valid));
    assert!(!valid, "{outcome:?}");
}

// ---------------------------------------------------------------------------------------------------
// The review-wide thread list

/// Adds a question on `line` (0-based) of `path`, as the signed-in person.
fn ask(fx: &mut Fx, path: &str, line: usize, body: &str) {
    open_file(&mut fx.s, path, Some(line));
    fx.s.apply(ReviewCmd::Annotate);
    let mut c = fx.s.review.as_ref().unwrap().composer.clone().unwrap();
    c.class = Class::Question;
    c.body = body.into();
    fx.s.apply(ReviewCmd::EditComposer(c));
    fx.s.apply(ReviewCmd::SubmitAnnotation);
    assert_eq!(fx.s.error, None);
}

#[test]
fn the_thread_list_filters_sorts_and_steps_through_threads_opening_each_at_its_line() {
    let (mut fx, _keys, first) = annotated();
    ask(&mut fx, "lines.txt", 50, "Why is this needle here?");
    ask(&mut fx, "src/util.c", 1, "Can x overflow?");
    let list = &fx.s.threads;
    assert_eq!((list.total(), list.shown.len()), (3, 3));
    // Severity first: the finding, then the questions by file.
    let order: Vec<&str> = list.rows().map(|r| r.path.as_str()).collect();
    assert_eq!(order, ["src/bidi.c", "lines.txt", "src/util.c"]);
    assert_eq!(list.rows().next().unwrap().id, first);
    // Filters: kind, file (part of the path), author, status.
    let filter = |f: crate::state::threads::ThreadFilter, s: &mut AppState| {
        s.apply(ThreadsCmd::SetFilter(f));
        s.threads.rows().map(|r| r.path.clone()).collect::<Vec<_>>()
    };
    let questions =
        crate::state::threads::ThreadFilter { class: Some(Class::Question), ..Default::default() };
    assert_eq!(filter(questions, &mut fx.s), ["lines.txt", "src/util.c"]);
    let util = crate::state::threads::ThreadFilter { file: "UTIL".into(), ..Default::default() };
    assert_eq!(filter(util, &mut fx.s), ["src/util.c"]);
    let nobody = crate::state::threads::ThreadFilter { author: "bob".into(), ..Default::default() };
    assert!(filter(nobody, &mut fx.s).is_empty());
    let closed = crate::state::threads::ThreadFilter { status: Some(Status::Closed), ..Default::default() };
    assert!(filter(closed, &mut fx.s).is_empty());
    let by_file = crate::state::threads::ThreadFilter {
        sort: crate::state::threads::ThreadSort::File,
        ..Default::default()
    };
    assert_eq!(filter(by_file, &mut fx.s), ["lines.txt", "src/bidi.c", "src/util.c"]);
    // Keyboard: Down / Enter open the highlighted thread at its first line and expand it.
    fx.s.apply(ThreadsCmd::Move(1));
    fx.s.apply(ThreadsCmd::Open);
    assert_eq!(cursor(&fx.s), ("src/bidi.c".into(), 2));
    assert_eq!(fx.s.review.as_ref().unwrap().selected.as_deref(), Some(first.as_str()));
    // Next / previous finding from the thread at the cursor, wrapping around.
    fx.s.apply(ThreadsCmd::Step(true));
    assert_eq!(cursor(&fx.s), ("src/util.c".into(), 1));
    fx.s.apply(ThreadsCmd::Step(true));
    assert_eq!(cursor(&fx.s), ("lines.txt".into(), 50));
    fx.s.apply(ThreadsCmd::Step(false));
    assert_eq!(cursor(&fx.s), ("src/util.c".into(), 1));
    // A retracted thread leaves the list unless asked for.
    fx.s.apply(ReviewCmd::Retract(first.clone()));
    assert_eq!(fx.s.threads.total(), 3);
    assert_eq!(fx.s.threads.shown.len(), 2);
}

#[test]
fn stepping_through_an_empty_thread_list_says_so() {
    let mut fx = fixture();
    fx.s.apply(ThreadsCmd::Step(true));
    assert!(fx.s.error.as_deref().unwrap().contains("No thread"), "{:?}", fx.s.error);
    fx.s.apply(ThreadsCmd::Show);
    assert_eq!(fx.s.bottom, BottomTab::Threads);
}

#[test]
fn tabs_cursors_and_the_active_tab_are_saved_with_the_snapshot_and_restored() {
    let mut fx = fixture();
    open_file(&mut fx.s, "lines.txt", Some(50));
    fx.s.apply(NavCmd::ClickAt { line: 50, col: 3, extend: false });
    open_file(&mut fx.s, "src/main.c", Some(MAIN_CALL_LINE));
    open_file(&mut fx.s, "src/util.c", Some(2));
    fx.s.apply(NavCmd::OpenFile { path: b"lines.txt".to_vec(), line: None });
    assert_eq!(cursor(&fx.s), ("lines.txt".into(), 50));
    fx.s.save_view().unwrap();
    // Under the data directory, beside the snapshot's indexes: nothing in the window's own settings.
    let saved = fx.data().join("snapshots");
    let found = walk(&saved).into_iter().filter(|p| p.ends_with("view.json")).count();
    assert_eq!(found, 1);

    let again = fx.reopen();
    let tabs: Vec<(String, usize, usize)> =
        again.tabs.iter().map(|t| (t.doc.path.display(), t.cursor_line, t.cursor_col)).collect();
    assert_eq!(
        tabs,
        [("lines.txt".into(), 50, 3), ("src/main.c".into(), MAIN_CALL_LINE, 0), ("src/util.c".into(), 2, 0)]
    );
    assert_eq!(cursor(&again), ("lines.txt".into(), 50), "the active tab comes back");
    // The scroll follows the cursor: the view is asked to bring the cursor's line on screen.
    assert_eq!(again.active_tab().unwrap().scroll_to, Some(50));

    // A damaged or hostile view file is ignored, never an error.
    let file = walk(&saved).into_iter().find(|p| p.ends_with("view.json")).unwrap();
    std::fs::write(&file, b"{\"tabs\":[{\"path\":[110,111],\"line\":1,\"column\":0}],\"active\":7}").unwrap();
    let again = fx.reopen();
    assert!(again.tabs.is_empty() && again.error.is_none());
    std::fs::write(&file, b"not json").unwrap();
    assert!(fx.reopen().tabs.is_empty());
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
