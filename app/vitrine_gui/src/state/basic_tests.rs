//! Basic state tests: tabs, the tree, preferences, a failing snapshot.

use crate::state::*;
use vitrine_snapshot::store::DataDir;

fn loaded() -> (tempfile::TempDir, AppState) {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    for (p, c) in [("a/one.c", "int one;\n"), ("a/b/two.c", "1\n2\n3\n4\n"), ("top.txt", "t\n")] {
        let f = snap.join(p);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, c).unwrap();
    }
    let mut s = AppState::new(DataDir::at(dir.path().join("data")), Prefs::default());
    s.apply(LoadCmd::Open(snap));
    s.wait_loaded();
    (dir, s)
}

#[test]
fn opening_files_reuses_tabs_reveals_them_and_clamps_lines() {
    let (_d, mut s) = loaded();
    assert!(matches!(s.load, Load::Ready));
    s.apply(NavCmd::OpenFile { path: b"a/b/two.c".to_vec(), line: Some(99) });
    assert_eq!(s.tabs.len(), 1);
    let tab = s.active_tab().unwrap();
    assert_eq!((tab.cursor_line, tab.scroll_to), (3, Some(3)));
    assert!(s.expanded.contains(b"a/b".as_slice()) && s.expanded.contains(b"a".as_slice()));
    s.apply(NavCmd::OpenFile { path: b"top.txt".to_vec(), line: None });
    s.apply(NavCmd::OpenFile { path: b"a/b/two.c".to_vec(), line: None });
    assert_eq!((s.tabs.len(), s.active), (2, Some(0)));
    s.apply(NavCmd::SetCursorLine(1));
    assert_eq!(s.active_tab().unwrap().cursor_line, 1);
    s.apply(NavCmd::OpenFile { path: b"missing".to_vec(), line: None });
    assert!(s.error.as_deref().unwrap().contains("missing"));
    s.apply(ViewCmd::DismissError);
    assert!(s.error.is_none());
}

#[test]
fn closing_tabs_keeps_a_sensible_active_tab() {
    let (_d, mut s) = loaded();
    for p in ["a/one.c", "a/b/two.c", "top.txt"] {
        s.apply(NavCmd::OpenFile { path: p.as_bytes().to_vec(), line: None });
    }
    s.apply(NavCmd::ActivateTab(2));
    s.apply(NavCmd::CloseTab(0));
    assert_eq!(s.active, Some(1));
    assert_eq!(s.active_tab().unwrap().doc.path.display(), "top.txt");
    s.apply(NavCmd::CloseTab(1));
    assert_eq!(s.active, Some(0));
    s.apply(NavCmd::CloseTab(0));
    assert_eq!(s.active, None);
    s.apply(NavCmd::CloseTab(5));
    assert!(s.tabs.is_empty());
}

#[test]
fn tree_filter_theme_health_and_dirs_toggle() {
    let (_d, mut s) = loaded();
    s.apply(ViewCmd::ToggleDir(b"a".to_vec()));
    let open = s.expanded.contains(b"a".as_slice());
    s.apply(ViewCmd::ToggleDir(b"a".to_vec()));
    assert_ne!(open, s.expanded.contains(b"a".as_slice()));
    s.apply(ViewCmd::SetTreeFilter("two".into()));
    let matched: Vec<&[u8]> = s.tree_matches.iter().map(|&i| s.tree.nodes[i].path.as_slice()).collect();
    assert_eq!(matched, [b"a/b/two.c".as_slice()]);
    s.apply(ViewCmd::SetTreeFilter(".C".into()));
    assert_eq!(s.tree_matches.len(), 2, "the filter ignores case");
    s.apply(ViewCmd::SetTreeFilter(String::new()));
    assert!(s.tree_matches.is_empty());
    let health = s.prefs.show_health;
    s.apply(ViewCmd::ToggleHealthPanel);
    assert_ne!(health, s.prefs.show_health);
    s.apply(ViewCmd::SetDarkTheme(false));
    assert!(!s.prefs.dark);
    // Word wrap and inline threads are preferences; folding a thread is per thread.
    assert!(!s.prefs.wrap && s.prefs.inline_threads);
    s.apply(ViewCmd::ToggleWrap);
    s.apply(ViewCmd::ToggleInlineThreads);
    assert!(s.prefs.wrap && !s.prefs.inline_threads);
    assert!(s.prefs.show_tree && s.prefs.show_side);
    s.apply(ViewCmd::ToggleTreePanel);
    s.apply(ViewCmd::ToggleSidePanel);
    assert!(!s.prefs.show_tree && !s.prefs.show_side);
    s.apply(ViewCmd::ToggleTreePanel);
    assert!(s.prefs.show_tree);
    s.apply(ViewCmd::ToggleInlineThread("e1".into()));
    s.apply(ViewCmd::ToggleInlineThread("e2".into()));
    s.apply(ViewCmd::ToggleInlineThread("e1".into()));
    assert_eq!(s.folded_threads.iter().collect::<Vec<_>>(), ["e2"]);
    // Preferences written by an older version (without the new fields) still load.
    let old: Prefs = serde_json::from_str(r#"{"dark":false,"show_health":true,"font_tenths":140}"#).unwrap();
    assert!(!old.dark && !old.wrap && old.inline_threads && old.show_tree && old.show_side);
}

#[test]
fn a_bad_snapshot_fails_with_its_path_and_a_queued_open_waits_for_load() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = AppState::new(DataDir::at(dir.path()), Prefs::default());
    s.apply(LoadCmd::Open(dir.path().join("nope")));
    s.after_load(NavCmd::OpenFile { path: b"x".to_vec(), line: None });
    s.wait_loaded();
    let Load::Failed { error, .. } = &s.load else { panic!("{:?}", s.load) };
    assert!(error.contains("nope"), "{error}");
    assert!(s.tabs.is_empty());
}

/// A passphrase never prints: not on its own, not inside the command that carries it, and the sign-in
/// form (cloned into a command on every edit) holds none.
#[test]
fn a_passphrase_never_prints() {
    let pass = crate::state::review::Passphrase::new("hunter2-secret");
    let cmd = ReviewCmd::SignIn(pass.clone());
    for shown in [format!("{pass:?}"), format!("{cmd:?}"), format!("{:?}", Command::from(cmd.clone()))] {
        assert!(!shown.contains("hunter2"), "{shown}");
    }
    let form = format!("{:?}", crate::state::review::SignInForm::default());
    assert!(!form.contains("pass"), "{form}");
}
