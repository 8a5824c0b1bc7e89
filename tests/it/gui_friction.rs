//! The window's rough edges of a first day of review (issue 13, point 9), each driven with
//! egui_kittest as a reviewer meets it: signing in without a typed path, the annotation composer
//! beside the lines it annotates, find in file past its count limit, the file tree following the
//! file opened, marking a file reviewed that was not all on screen, and a thread row whose title is
//! longer than the list is wide.

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use vitrine_gui::{AppState, LoadCmd, NavCmd, Prefs, ReviewCmd, VitrineApp};
use vitrine_snapshot::store::DataDir;

use crate::gui::{demo_app, harness};
use crate::support::data_dir;

fn type_text(h: &mut Harness<'static, VitrineApp>, text: &str) {
    h.event(egui::Event::Text(text.to_owned()));
    h.run();
}

/// Writes an unencrypted Ed25519 key whose comment is `principal` (and its public half beside it,
/// as ssh-keygen does) and returns the private key's path.
fn write_key(dir: &std::path::Path, file: &str, principal: &str) -> std::path::PathBuf {
    let signer = vitrine_record::Signer::generate(principal).unwrap();
    let path = dir.join(file);
    std::fs::write(&path, signer.to_openssh(None).unwrap()).unwrap();
    std::fs::write(dir.join(format!("{file}.pub")), signer.public_openssh().unwrap()).unwrap();
    path
}

/// Sign-in: an empty key path is explained (not ": No such file or directory"), Browse… opens a file
/// dialog that works with no desktop portal, and the chosen key fills in the principal from the
/// key's comment.
#[test]
fn sign_in_explains_an_empty_key_path_browses_for_the_key_and_reads_the_principal_from_it() {
    let (_dir, app) = demo_app();
    let keys = tempfile::tempdir().unwrap();
    let key = write_key(keys.path(), "id_ed25519", "carol@agency.example");
    let mut h = harness(app.with_in_window_dialogs());
    h.run();
    h.get_by_label("Sign in…").click();
    h.run();
    h.get_by_role_and_label(Role::Button, "Sign in").click();
    h.run();
    let error = h.state().state.error.clone().expect("an empty key path is an error");
    assert!(error.starts_with("Choose your private key file"), "{error}");
    assert!(!error.contains("No such file"), "{error}");
    h.get_by_label_contains("Choose your private key file");

    h.get_by_label("Browse…").click();
    h.run();
    h.get_by_label("Choose your private key");
    h.get_by_label("Path").focus();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.run();
    type_text(&mut h, &key.display().to_string());
    h.key_press(egui::Key::Enter);
    h.run();
    let form = h.state().state.review.as_ref().unwrap().sign_in.clone().expect("the form stays open");
    assert_eq!(form.key_path, key.display().to_string());
    assert_eq!(form.principal, "carol@agency.example", "the principal is the key's comment");
}

/// Signs in through the form with an unencrypted key whose comment names the reviewer.
fn sign_in(h: &mut Harness<'static, VitrineApp>, keys: &std::path::Path) {
    let key = write_key(keys, "id_ed25519", "alice@agency.example");
    h.get_by_label("Sign in…").click();
    h.run();
    for (field, text) in
        [("Private key file", key.display().to_string()), ("Role (new key)", "reviewer".into())]
    {
        h.get_by_label(field).focus();
        h.run();
        type_text(h, &text);
    }
    h.get_by_role_and_label(Role::Button, "Sign in").click();
    h.run();
    assert_eq!(h.state().state.error, None);
    assert!(h.state().state.review.as_ref().unwrap().identity.is_some(), "signed in");
}

/// A window on a snapshot of `files` (path, text).
fn window_on(
    files: &[(&str, String)],
) -> (crate::support::TempTree, tempfile::TempDir, Harness<'static, VitrineApp>) {
    let tree = crate::support::TempTree::new();
    for (path, text) in files {
        tree.file(path, text);
    }
    let (d, data) = data_dir();
    let mut state = AppState::new(DataDir::at(&data), Prefs::default());
    state.apply(LoadCmd::Open(tree.path().to_path_buf()));
    state.wait_loaded();
    let mut h = harness(VitrineApp::new(state));
    h.run();
    (tree, d, h)
}

/// A file opened from elsewhere (quick open, a search hit, a thread) is scrolled into view in the
/// file tree.
#[test]
fn the_file_tree_scrolls_to_the_file_just_opened() {
    let files: Vec<(String, String)> =
        (0..300).map(|i| (format!("src/m{i:03}.c"), format!("int f{i};\n"))).collect();
    let files: Vec<(&str, String)> = files.iter().map(|(p, t)| (p.as_str(), t.clone())).collect();
    let (_t, _d, mut h) = window_on(&files);
    for name in ["m299.c", "m000.c", "m150.c"] {
        h.state_mut().state.apply(NavCmd::OpenFile { path: format!("src/{name}").into_bytes(), line: None });
        h.run();
        let tree_rows: Vec<egui::Rect> =
            h.query_all_by_label_contains(name).map(|n| n.rect()).filter(|r| r.left() < 400.0).collect();
        assert!(!tree_rows.is_empty(), "{name} is a row of the tree");
        assert!(
            tree_rows.iter().any(|r| r.top() >= 0.0 && r.bottom() <= 950.0),
            "{name}'s row is on screen: {tree_rows:?}"
        );
    }
}

/// "Mark reviewed" on a file that was not all on screen asks first, saying how much was seen.
#[test]
fn mark_reviewed_below_full_coverage_warns_and_cancel_signs_nothing() {
    let text: String = (0..400).map(|i| format!("int v{i} = {i};\n")).collect();
    let (_t, _d, mut h) = window_on(&[("long.c", text)]);
    let keys = tempfile::tempdir().unwrap();
    sign_in(&mut h, keys.path());
    h.state_mut().state.apply(NavCmd::OpenFile { path: b"long.c".to_vec(), line: Some(0) });
    h.state_mut().state.apply(vitrine_gui::ViewCmd::ShowRight(vitrine_gui::RightTab::Annotations));
    h.run();
    h.get_by_label("Mark reviewed").click();
    h.run();
    // "Only N% of the lines of long.c have been on screen in this window."
    h.get_by_label_contains("% of the lines of long.c have been on screen in this window.");
    h.get_by_role_and_label(Role::Button, "Cancel").click();
    h.run();
    assert!(h.query_by_label_contains("have been on screen in this window").is_none());
    assert!(h.state().state.review.as_ref().unwrap().entries.is_empty(), "nothing was signed");
    h.get_by_label("Mark reviewed").click();
    h.run();
    h.get_by_label("Mark reviewed anyway").click();
    h.run();
    assert_eq!(h.state().state.review.as_ref().unwrap().entries.len(), 1, "marked when asked again");
}

/// The composer opens beside the code, never over the lines being annotated: at the top of a long
/// file, in its middle and at its end, with lines as long as real code has.
#[test]
fn the_annotation_composer_leaves_the_annotated_lines_readable() {
    let text: String = (0..300)
        .map(|i| format!("    int value_{i} = compute_the_thing(alpha_{i}, beta_{i}, gamma_{i}); /* checked by the caller {i} */\n"))
        .collect();
    let (_t, _d, mut h) = window_on(&[("long.c", text)]);
    let keys = tempfile::tempdir().unwrap();
    sign_in(&mut h, keys.path());
    for first in [3usize, 150, 294] {
        h.state_mut().state.apply(ReviewCmd::DiscardComposer);
        h.state_mut().state.apply(NavCmd::OpenFile { path: b"long.c".to_vec(), line: Some(first) });
        h.run();
        for _ in 0..4 {
            h.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::ArrowDown);
        }
        h.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::ALT, egui::Key::A);
        h.run();
        let heading = format!("long.c: lines {}–{}", first + 1, first + 5);
        // The composer's extent: from its heading to its buttons.
        let composer = h
            .get_by_label_contains(&heading)
            .rect()
            .union(h.get_by_role_and_label(Role::Button, "Discard").rect())
            .union(h.get_by_label("What you found, asked or noted (Markdown)").rect());
        let mut seen = 0;
        for line in first..first + 5 {
            let needle = format!("value_{line} =");
            for shape in &h.output().shapes {
                if let egui::epaint::Shape::Text(t) = &shape.shape
                    && t.galley.text().contains(&needle)
                {
                    let row = t.galley.rect.translate(t.pos.to_vec2()).intersect(shape.clip_rect);
                    if row.is_positive() {
                        seen += 1;
                        assert!(
                            !row.intersects(composer),
                            "line {} at {row:?} is under the composer at {composer:?}",
                            line + 1
                        );
                    }
                }
            }
        }
        assert_eq!(seen, 5, "the five annotated lines from {} are on screen", first + 1);
    }
}

/// Find in file counts up to its limit and says so: "1 of ≥100000", never a silent "1 of 100000".
#[test]
fn find_in_file_says_when_it_stopped_counting() {
    let tree = crate::support::TempTree::new();
    // The window's count limit (`FIND_LIMIT`): the file holds a few more matches than that.
    let limit = 100_000;
    let text: String = (0..limit / 2 + 10).map(|i| format!("needle {i} needle\n")).collect();
    tree.file("many.txt", text);
    tree.file("few.txt", "needle\nhay\nneedle\n");
    let (_d, data) = data_dir();
    let mut state = AppState::new(DataDir::at(&data), Prefs::default());
    state.apply(LoadCmd::Open(tree.path().to_path_buf()));
    state.wait_loaded();
    let mut h = harness(VitrineApp::new(state));
    for (file, shown) in [("many.txt", format!("1 of ≥{limit}")), ("few.txt", "1 of 2".to_owned())] {
        h.state_mut().state.apply(NavCmd::OpenFile { path: file.as_bytes().to_vec(), line: Some(0) });
        h.run();
        h.state_mut().state.apply(NavCmd::Find(Some("needle".into())));
        // Polled as frames do, until the answer is in.
        while h.state().state.active_tab().unwrap().find.as_ref().unwrap().searching {
            std::thread::yield_now();
            h.state_mut().state.apply(LoadCmd::Poll);
        }
        h.run();
        h.get_by_label(&shown);
    }
}

/// A thread whose title is longer than the list is wide keeps one row: the title is shortened with
/// "…" (the whole of it in the tooltip), never the place, the author or the time, and the next
/// thread's row does not overlap it (the list is virtualised with one row height).
#[test]
fn a_thread_row_with_a_long_title_stays_one_line_and_keeps_its_author_and_time() {
    let text: String = (0..40).map(|i| format!("int v{i} = {i};\n")).collect();
    let (_t, _d, mut h) = window_on(&[("long.c", text)]);
    let keys = tempfile::tempdir().unwrap();
    sign_in(&mut h, keys.path());
    let long_title = "The length field read from the packet header is trusted without a bound check, \
        so a peer can make the parser copy past the end of its buffer on every reconnect attempt";
    for (line, body) in [(3usize, long_title), (20, "Short note")] {
        let st = &mut h.state_mut().state;
        st.apply(NavCmd::OpenFile { path: b"long.c".to_vec(), line: Some(line) });
        st.apply(ReviewCmd::Annotate);
        let mut composer = st.review.as_ref().unwrap().composer.clone().expect("the composer opens");
        composer.body = body.to_owned();
        st.apply(ReviewCmd::EditComposer(composer));
        st.apply(ReviewCmd::SubmitAnnotation);
        st.review.as_mut().unwrap().wait_record();
        h.run();
    }
    assert_eq!(h.state().state.review.as_ref().unwrap().entries.len(), 2);
    let st = &mut h.state_mut().state;
    st.threads.refresh(st.review.as_ref());
    h.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::SHIFT, egui::Key::L);
    h.run();
    h.get_by_label_contains("2 of 2 threads");
    let long = h.get_by_label_contains("long.c:4");
    let label = egui_kittest::kittest::NodeT::accesskit_node(&long).label().unwrap_or_default();
    assert!(label.contains('…') && label.contains("alice@agency.example"), "{label}");
    assert!(label.contains("The length field read"), "the title's start is kept: {label}");
    let short = h.get_by_label_contains("long.c:21").rect();
    let long = long.rect();
    assert!(long.height() < 1.6 * short.height(), "one line: {long:?} against {short:?}");
    assert!(!long.intersects(short.shrink(1.0)), "rows overlap: {long:?} {short:?}");
}
