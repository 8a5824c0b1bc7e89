//! The compare view in the window, driven with egui_kittest: "Compare with…" through the menu and the
//! in-window dialog, the tree filtered to changed files, hunk and file keys, side by side and inline,
//! annotating the new side, the update summary, and a 200k-line diff that lays out only its visible rows.

use std::path::{Path, PathBuf};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use vitrine_compare::Side;
use vitrine_gui::compare::Middle;
use vitrine_gui::{AppState, CompareCmd, LoadCmd, Prefs, VitrineApp};
use vitrine_snapshot::store::DataDir;

use crate::support::data_dir;

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let (src, dst) = (e.path(), to.join(e.file_name()));
        let kind = e.file_type().unwrap();
        if kind.is_dir() {
            copy_tree(&src, &dst);
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src).unwrap(), &dst).unwrap();
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// The demo (the new version, on screen) and a version before it: `src/auth.cpp` without the Trojan
/// Source comments, a `src/packet.cpp` line that differs, a file the update deleted, and the update's
/// `src/log.cpp` not there yet.
fn demo_pair(data: &Path) -> (PathBuf, PathBuf) {
    let demo = vitrine::unpack_demo(data).expect("demo unpacks");
    let old = data.join("v1");
    copy_tree(&demo, &old);
    let auth = std::fs::read_to_string(demo.join("src/auth.cpp")).unwrap();
    let clean: String = auth
        .lines()
        .map(|l| if l.contains('\u{202E}') { "    /* admins only */".to_owned() } else { l.to_owned() })
        .map(|l| l + "\n")
        .collect();
    std::fs::write(old.join("src/auth.cpp"), clean).unwrap();
    let packet = std::fs::read_to_string(demo.join("src/packet.cpp")).unwrap();
    std::fs::write(old.join("src/packet.cpp"), packet.replacen("sizeof", "sizeof ", 1)).unwrap();
    std::fs::write(old.join("src/retired.c"), "int retired(void) { return 0; }\n").unwrap();
    std::fs::remove_file(old.join("src/log.cpp")).unwrap();
    (demo, old)
}

fn harness(app: VitrineApp) -> Harness<'static, VitrineApp> {
    Harness::builder()
        .with_size(egui::vec2(1500.0, 950.0))
        .with_max_steps(64)
        .build_ui_state(|ui, app: &mut VitrineApp| app.ui_root(ui), app)
}

fn open(snapshot: &Path, data: &Path) -> VitrineApp {
    let mut state = AppState::new(DataDir::at(data), Prefs::default());
    state.apply(LoadCmd::Open(snapshot.to_path_buf()));
    state.wait_loaded();
    assert!(state.snapshot.is_some(), "{:?}", state.load);
    VitrineApp::new(state)
}

fn file_diff<'a>(h: &'a Harness<'static, VitrineApp>) -> &'a vitrine_gui::compare::FileDiff {
    h.state().state.compare.as_ref().unwrap().file.as_ref().expect("a diff is open")
}

#[test]
fn compare_with_filters_the_tree_steps_through_hunks_and_annotates_the_new_side() {
    let (_dir, data) = data_dir();
    let (demo, old) = demo_pair(&data);
    let mut h = harness(open(&demo, &data).with_in_window_dialogs());
    h.run();
    // The menu's "Compare with…" opens the path dialog; the folder typed is the version before.
    h.get_by_label("Compare…").click();
    h.run();
    h.get_by_label("Folder…").click();
    h.run();
    h.get_by_label_contains("Compare with the version before: its folder");
    h.get_by_label("Path").focus();
    h.run();
    for _ in 0..80 {
        h.key_press(egui::Key::Backspace);
    }
    h.event(egui::Event::Text(old.display().to_string()));
    h.run();
    h.key_press(egui::Key::Enter);
    h.run();
    h.state_mut().state.wait_compared();
    h.run();
    // The version before was opened beside the one on screen (shared files take its analysis): it
    // states what opening it alone states.
    let compared = h.state().state.compare.as_ref().unwrap().compared().unwrap().clone();
    let alone = vitrine_snapshot::Snapshot::open(&old, &Default::default(), &Default::default()).unwrap();
    assert_eq!(compared.old.ids(), alone.ids());
    assert_eq!(compared.old.manifest(), alone.manifest());
    assert_eq!(format!("{:?}", compared.old.files()), format!("{:?}", alone.files()));
    assert_eq!(format!("{:?}", compared.old.health()), format!("{:?}", alone.health()));
    // The tree is the list of changed files, each with its status.
    h.get_by_label_contains("4 changed files");
    h.get_by_label_contains("src/auth.cpp  +2 −2");
    h.get_by_label_contains("src/log.cpp  +");
    h.get_by_label_contains("src/retired.c  +0 −1");
    assert!(h.query_by_label_contains("CMakeLists.txt").is_none(), "unchanged files are not listed");
    for status in ["A", "D", "M"] {
        assert!(h.query_all_by_label(status).count() >= 1, "{status}");
    }
    h.get_by_label_contains("src/auth.cpp  +2 −2").click();
    h.run();
    assert_eq!(h.state().state.compare.as_ref().unwrap().middle, Middle::Diff);
    assert_eq!(file_diff(&h).info.path(), "src/auth.cpp");
    h.get_by_label("hunk 1/2");
    // The new side draws the bidi controls as markers; the old side has the clean comment.
    h.get_by_label_contains("/*<U+202E> } <U+2066>if (is_admin)<U+2069> <U+2066> begin admins only */");
    assert!(h.query_all_by_label_contains("/* admins only */").count() >= 2);
    // F7: the next hunk; Shift+F7 back.
    h.key_press(egui::Key::F7);
    h.run();
    h.get_by_label("hunk 2/2");
    h.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::F7);
    h.run();
    h.get_by_label("hunk 1/2");
    // Alt+D: inline, then side by side again; the new lines are still there.
    h.key_press_modifiers(egui::Modifiers::ALT, egui::Key::D);
    h.run();
    assert!(h.state().state.compare.as_ref().unwrap().inline);
    h.get_by_label_contains("<U+202E> } <U+2066>if (is_admin)");
    h.key_press_modifiers(egui::Modifiers::ALT, egui::Key::D);
    h.run();
    assert!(!h.state().state.compare.as_ref().unwrap().inline);
    // A click on a new line selects it; Ctrl+Alt+A opens the composer on the new snapshot's file.
    h.get_by_label_contains("<U+202E> } <U+2066>if (is_admin)").click();
    h.run();
    let (side, first, last) = file_diff(&h).selected().unwrap();
    assert_eq!((side, first, last), (Side::New, 12, 12));
    h.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::ALT, egui::Key::A);
    h.run();
    let composer = h.state().state.review.as_ref().unwrap().composer.clone().expect("composer open");
    assert_eq!((composer.path.as_str(), composer.first, composer.last), ("src/auth.cpp", 13, 13));
    h.state_mut().state.apply(vitrine_gui::ReviewCmd::DiscardComposer);
    h.run();
    // F6: the next changed file (the list is in path order).
    h.key_press(egui::Key::F6);
    h.run();
    assert_eq!(file_diff(&h).info.path(), "src/log.cpp");
    // Ctrl+Shift+U: the update summary names the new bidi findings; a row opens its diff.
    h.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::SHIFT, egui::Key::U);
    h.run();
    h.get_by_label_contains("Health delta:");
    h.get_all_by_label("bidi-control").next().expect("a new bidi finding");
    // Each finding is placed at its line and column (two on one line stay apart).
    h.get_by_label("src/auth.cpp:13:7").click();
    h.run();
    assert_eq!(file_diff(&h).info.path(), "src/auth.cpp");
    assert_eq!(file_diff(&h).selected(), Some((Side::New, 12, 12)));
    // Close: the tree again.
    h.get_by_label("Close").click();
    h.run();
    assert!(h.state().state.compare.is_none());
    h.get_by_label_contains("▾ src/");
}

/// A data directory with two empty snapshot folders in it, `old` and `new`: (guard, data, old, new).
fn empty_pair() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let (dir, data) = data_dir();
    let (old, new) = (data.join("old"), data.join("new"));
    std::fs::create_dir_all(&old).unwrap();
    std::fs::create_dir_all(&new).unwrap();
    (dir, data, old, new)
}

#[test]
fn a_200k_line_diff_lays_out_only_the_rows_on_screen() {
    let (_dir, data, old, new) = empty_pair();
    let lines = 200_000;
    let text = |edited: bool| -> String {
        (0..lines)
            .map(|i| {
                if edited && i % 1000 == 500 {
                    format!("int big_line_{i} = {};\n", i + 1)
                } else {
                    format!("int big_line_{i} = {i};\n")
                }
            })
            .collect()
    };
    std::fs::write(old.join("big.c"), text(false)).unwrap();
    std::fs::write(new.join("big.c"), text(true)).unwrap();
    let mut app = open(&new, &data);
    app.state.apply(CompareCmd::Open(old));
    app.state.wait_compared();
    app.state.apply(CompareCmd::OpenChange(0));
    let mut h = harness(app);
    h.run();
    assert_eq!(file_diff(&h).split.rows.len(), lines);
    assert_eq!(file_diff(&h).hunks.len(), 200);
    let laid_out = |h: &Harness<'static, VitrineApp>| h.query_all_by_label_contains("big_line_").count();
    let at_top = laid_out(&h);
    // Two sides of the rows that fit in 950 pixels: bounded, whatever the file's length.
    assert!((20..=200).contains(&at_top), "{at_top} lines laid out");
    h.get_by_label("int big_line_500 = 501;");
    // The last hunk, through the summary's way in (a place of the new side): still only a screenful.
    h.state_mut().state.apply(CompareCmd::OpenAt { path: "big.c".into(), line: Some((Side::New, 199_500)) });
    h.run();
    h.get_by_label("int big_line_199500 = 199501;");
    let at_end = laid_out(&h);
    assert!((20..=200).contains(&at_end), "{at_end} lines laid out");
    assert!(h.query_by_label("int big_line_500 = 501;").is_none());
}

/// Signs in through the form with an unencrypted key (`principal` and `role` for a key the review does
/// not know yet), signing out first if someone is signed in.
fn sign_in_state(h: &mut Harness<'static, VitrineApp>, key: &Path, principal: &str, role: &str) {
    if h.query_by_label("Sign out").is_some() {
        h.get_by_label("Sign out").click();
        h.run();
    }
    h.get_by_label("Sign in…").click();
    h.run();
    for (field, text) in [
        ("Private key file", key.display().to_string()),
        ("Principal (new key)", principal.to_owned()),
        ("Role (new key)", role.to_owned()),
    ] {
        h.get_by_label(field).focus();
        h.run();
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        h.run();
        h.event(egui::Event::Text(text));
        h.run();
    }
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Sign in").click();
    h.run();
    assert_eq!(h.state().state.error, None);
    let who = h.state().state.review.as_ref().unwrap().identity.as_ref().map(|i| i.principal.clone());
    assert_eq!(who.as_deref(), Some(principal));
}

/// The 0-based line of `path` in `root` that contains `needle`.
fn line_of(root: &Path, path: &str, needle: &str) -> usize {
    std::fs::read_to_string(root.join(path)).unwrap().lines().position(|l| l.contains(needle)).unwrap()
}

#[test]
fn both_sides_are_annotated_and_the_vendor_answers_fixed_at_new_lines_then_verify_is_valid() {
    use crate::compare::{keygen, ok, verify_sh};
    use crate::record::annotate;
    let (_dir, data) = data_dir();
    let (v2, v1) = demo_pair(&data);
    let keys = tempfile::tempdir().unwrap();
    let (rev, ven) = (keygen(keys.path(), "rev"), keygen(keys.path(), "ven"));
    // v1 reviewed: a finding on the packet line v2 edits.
    for (p, r, k) in [("reviewer@example", "reviewer", &rev), ("vendor@example", "vendor", &ven)] {
        let pubkey = PathBuf::from(format!("{}.pub", k.display()));
        ok(&data, &[&"people", &"add", &v1, &"--principal", &p, &"--role", &r, &"--pubkey", &pubkey]);
    }
    let packet_line = line_of(&v1, "src/packet.cpp", "sizeof ") + 1;
    let lines = format!("{packet_line}-{packet_line}");
    let finding = annotate(&data, &v1, &rev, "src/packet.cpp", &lines, "finding", "high", "length unchecked");

    // v2 on screen, compared with v1; the reviewer ports the threads with the panel's button.
    let mut app = open(&v2, &data);
    app.state.apply(CompareCmd::Open(v1.clone()));
    app.state.wait_compared();
    let mut h = harness(app);
    h.run();
    sign_in_state(&mut h, &rev, "reviewer@example", "reviewer");
    h.get_by_label("Port threads").click();
    h.run();
    h.state_mut().state.wait_ported();
    h.run();
    h.get_by_label_contains("1 threads carried over: 1 changed");

    // The old side: a click on v1's clean comment, Ctrl+Alt+A, and the composer says whose lines.
    h.get_by_label_contains("src/auth.cpp  +2 −2").click();
    h.run();
    let old_line = line_of(&v1, "src/auth.cpp", "/* admins only */");
    h.get_all_by_label_contains("/* admins only */").next().unwrap().click();
    h.run();
    assert_eq!(file_diff(&h).selected(), Some((Side::Old, old_line as u32, old_line as u32)));
    h.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::ALT, egui::Key::A);
    h.run();
    let at = format!("src/auth.cpp: lines {n}–{n} of the version before", n = old_line + 1);
    h.get_by_label(&at);
    h.get_by_label("What you found, asked or noted (Markdown)").focus();
    h.run();
    h.event(egui::Event::Text("v1 said admins only, plainly".into()));
    h.run();
    h.get_by_label("Sign as reviewer@example and submit (Ctrl+Enter)").click();
    h.run();
    assert_eq!(h.state().state.error, None);
    let ports: Vec<(String, String)> = h
        .state()
        .state
        .review
        .as_ref()
        .unwrap()
        .entries
        .iter()
        .filter(|v| v.entry.kind == vitrine_record::Kind::AnchorPort)
        .map(|v| (v.id.clone(), v.entry.body.clone().unwrap()))
        .collect();
    assert_eq!(ports.len(), 2, "the finding and the old side's note, both carried over");
    assert!(ports[1].1.contains("v1 said admins only, plainly"), "{ports:?}");
    let packet_port = ports
        .iter()
        .find(|(_, b)| b.contains(&finding))
        .map(|(id, _)| id.clone())
        .expect("the finding's port");

    // The vendor, signed in, selects the new packet line in the diff and answers the ported finding
    // "fixed" there.
    sign_in_state(&mut h, &ven, "vendor@example", "vendor");
    h.state_mut().state.apply(vitrine_gui::NavCmd::OpenFile { path: b"src/packet.cpp".to_vec(), line: None });
    h.state_mut().state.apply(CompareCmd::OpenAt { path: "src/packet.cpp".into(), line: None });
    h.state_mut().state.apply(vitrine_gui::ReviewCmd::SelectThread(Some(packet_port.clone())));
    h.run();
    let new_line = line_of(&v2, "src/packet.cpp", "sizeof") as u32;
    h.state_mut().state.apply(CompareCmd::Select { side: Side::New, line: new_line, extend: false });
    h.run();
    h.get_by_role_and_label(egui::accesskit::Role::MultilineTextInput, "Reply").focus();
    h.run();
    h.event(egui::Event::Text("fixed in v2".into()));
    h.run();
    let fixed = format!("Fixed at src/packet.cpp:{}", new_line + 1);
    h.get_by_label(&fixed).click();
    h.run();
    assert_eq!(h.state().state.error, None);
    let r = h.state().state.review.as_ref().unwrap();
    let answer = r.entries.last().unwrap();
    assert_eq!(answer.entry.parent.as_deref(), Some(packet_port.as_str()));
    assert_eq!(answer.entry.status, Some(vitrine_record::Status::Fixed));
    assert_eq!(answer.entry.author.principal, "vendor@example");
    let t = answer.entry.target.as_ref().unwrap();
    assert_eq!((t.path.as_str(), t.lines), ("src/packet.cpp", Some([u64::from(new_line) + 1; 2])));
    drop(h);

    // The record of v2, exported, verifies against both snapshots, with Vitrine and with stock tools.
    let bundle = keys.path().join("v2.vitrine");
    ok(&data, &[&"export", &v2, &"--key", &rev, &"--out", &bundle]);
    let out = ok(&data, &[&"verify", &bundle, &"--snapshot", &v2, &"--previous", &v1]);
    assert!(out.contains("OK:") && out.contains("ported threads match the previous snapshot"), "{out}");
    let (code, out) = verify_sh(&bundle, &v2, &v1);
    assert_eq!(code, Some(0), "{out}");
    // And v1's record holds the note on its own lines, valid against v1.
    let old_bundle = keys.path().join("v1.vitrine");
    ok(&data, &[&"export", &v1, &"--key", &rev, &"--out", &old_bundle]);
    let out = ok(&data, &[&"verify", &old_bundle, &"--snapshot", &v1]);
    assert!(out.contains("OK: 2 entries"), "{out}");
}

#[test]
fn long_lines_scroll_sideways_and_both_sides_move_together() {
    let (_dir, data, old, new) = empty_pair();
    let long = |end: &str| format!("int wide = 1; /* {} */ {end}\nint next;\n", "padding ".repeat(60));
    std::fs::write(old.join("wide.c"), long("END_OLD")).unwrap();
    std::fs::write(new.join("wide.c"), long("END_NEW")).unwrap();
    let mut app = open(&new, &data);
    app.state.apply(CompareCmd::Open(old));
    app.state.wait_compared();
    app.state.apply(CompareCmd::OpenChange(0));
    let mut h = harness(app);
    h.run();
    let at = |h: &Harness<'static, VitrineApp>, text: &str| h.get_by_label_contains(text).rect();
    let (old_before, new_before) = (at(&h, "END_OLD"), at(&h, "END_NEW"));
    let number_before = h.get_all_by_label("1   ").next().map(|n| n.rect());
    // A sideways wheel over the diff: both sides' text moves left by the same amount.
    h.hover_at(egui::pos2(new_before.left() + 40.0, new_before.center().y));
    h.event(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: egui::vec2(-300.0, 0.0),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
        modifiers: egui::Modifiers::NONE,
    });
    h.run();
    let (old_after, new_after) = (at(&h, "END_OLD"), at(&h, "END_NEW"));
    let moved = old_before.left() - old_after.left();
    assert!(moved > 100.0, "the old side moved {moved}");
    assert!((moved - (new_before.left() - new_after.left())).abs() < 0.5, "{old_after:?} {new_after:?}");
    assert_eq!(number_before, h.get_all_by_label("1   ").next().map(|n| n.rect()), "line numbers stay");
    // Far to the left is bounded by the longest line: the text's end stays within the view.
    for _ in 0..20 {
        h.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(-2000.0, 0.0),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
            modifiers: egui::Modifiers::NONE,
        });
        h.run();
    }
    let end = at(&h, "END_NEW");
    assert!(end.right() > new_before.left() && end.right() <= 1500.0, "{end:?}");
}
