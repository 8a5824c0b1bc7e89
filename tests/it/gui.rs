//! The window, driven like a reviewer would with egui_kittest: open the demo snapshot, browse the
//! tree, open files, follow a health finding, close a tab with the keyboard.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use vitrine_gui::{AppState, Command, Prefs, VitrineApp};
use vitrine_snapshot::store::DataDir;

use crate::support::data_dir;

fn demo_app() -> (tempfile::TempDir, VitrineApp) {
    let (dir, data) = data_dir();
    let demo = vitrine::unpack_demo(&data).expect("demo unpacks");
    let mut state = AppState::new(DataDir::at(&data), Prefs::default());
    state.apply(Command::OpenSnapshot(demo));
    state.wait_loaded();
    assert!(state.snapshot.is_some(), "demo snapshot loads: {:?}", state.load);
    (dir, VitrineApp::new(state))
}

fn harness(app: VitrineApp) -> Harness<'static, VitrineApp> {
    Harness::builder()
        .with_size(egui::vec2(1500.0, 950.0))
        .build_ui_state(|ui, app: &mut VitrineApp| app.ui_root(ui), app)
}

#[test]
fn the_window_opens_the_demo_lists_files_and_shows_one() {
    let (_dir, app) = demo_app();
    let tree_id = app.state.snapshot.as_ref().unwrap().ids().tree_sha256.clone();
    let mut h = harness(app);
    h.run();
    // The status bar carries the identity; the tree lists folders and files.
    h.get_by_label(&tree_id);
    h.get_by_label_contains("▾ src/");
    h.get_by_label_contains("▾ firmware/");
    h.get_by_label_contains("CMakeLists.txt");
    // The Trojan Source banner is up.
    h.get_by_label_contains("Trojan Source");

    h.get_by_label("packet.cpp").click();
    h.run();
    assert_eq!(h.state().state.active_tab().unwrap().doc.path.display(), "src/packet.cpp");
    h.get_by_label_contains("std::optional<Packet> Packet::parse(");

    // The bidi controls of the Trojan Source line are drawn as markers, not applied.
    // Tree labels carry the file's finding count.
    h.get_by_label("auth.cpp  ⚑6").click();
    h.run();
    h.get_by_label_contains("/*<U+202E> } <U+2066>if (is_admin)<U+2069> <U+2066> begin admins only */");
    assert_eq!(h.state().state.tabs.len(), 2);

    // A binary file opens as a hex dump.
    h.get_by_label("ng-fw-2.4.1.bin  ⚑1").click();
    h.run();
    h.get_by_label_contains("00000000  7f 45 4c 46");
}

#[test]
fn a_health_finding_opens_its_file_at_its_line_and_ctrl_w_closes_it() {
    let (_dir, app) = demo_app();
    let mut h = harness(app);
    h.run();
    h.get_by_label_contains("src/license.cpp:7:13").scroll_to_me();
    h.run();
    h.get_by_label_contains("src/license.cpp:7:13").click();
    h.run();
    let tab = h.state().state.active_tab().unwrap();
    assert_eq!(tab.doc.path.display(), "src/license.cpp");
    assert_eq!(tab.cursor_line, 6);
    // The homoglyph line is on screen; its Cyrillic letter shows as itself (it is a letter, not hidden).
    h.get_by_label_contains("static bool license_v\u{0430}lid = true;");
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::W);
    h.run();
    assert!(h.state().state.tabs.is_empty());
}

#[test]
fn legacy_encodings_are_decoded_and_named() {
    let (_dir, app) = demo_app();
    let mut h = harness(app);
    h.run();
    h.get_by_label_contains("▸ legacy/").click();
    h.run();
    h.get_by_label("crc16.c  ⚑1").click();
    h.run();
    h.get_by_label_contains("Проверка контрольной суммы");
    h.get_by_label_contains("decoded from windows-1251");
}
