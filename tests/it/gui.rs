//! The window, driven like a reviewer would with egui_kittest: open the demo snapshot, browse the
//! tree, open files, follow a health finding, close a tab with the keyboard.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use vitrine_gui::{
    AppState, BottomTab, LoadCmd, NavCmd, Prefs, ReviewCmd, SearchCmd, SymbolsCmd, ViewCmd, VitrineApp,
};
use vitrine_snapshot::store::DataDir;

use crate::support::data_dir;

pub(crate) fn demo_app() -> (tempfile::TempDir, VitrineApp) {
    demo_app_with(Prefs::default())
}

fn demo_app_with(prefs: Prefs) -> (tempfile::TempDir, VitrineApp) {
    let (dir, data) = data_dir();
    let demo = vitrine::unpack_demo(&data).expect("demo unpacks");
    let mut state = AppState::new(DataDir::at(&data), prefs);
    state.apply(LoadCmd::Open(demo));
    state.wait_loaded();
    assert!(state.snapshot.is_some(), "demo snapshot loads: {:?}", state.load);
    (dir, VitrineApp::new(state))
}

pub(crate) fn harness(app: VitrineApp) -> Harness<'static, VitrineApp> {
    // Scrolling animates over a few frames: allow `run` enough steps to settle.
    Harness::builder()
        .with_size(egui::vec2(1500.0, 950.0))
        .with_max_steps(64)
        .build_ui_state(|ui, app: &mut VitrineApp| app.ui_root(ui), app)
}

#[test]
fn the_window_opens_the_demo_lists_files_and_shows_one() {
    let (_dir, app) = demo_app();
    let tree_id = app.state.snapshot.as_ref().unwrap().ids().tree_sha256.to_string();
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
    // A bottom panel dragged small, so that the findings below the first kind are off screen.
    let mut prefs = Prefs::default();
    prefs.panels.bottom = 240;
    let (_dir, app) = demo_app_with(prefs);
    let mut h = harness(app);
    h.run();
    // Kinds that change what code means come first, unfolded; only rows on screen are laid out, so the
    // homoglyph finding appears once the kinds above it are folded.
    h.get_by_label("▾ bidi-control  (6)");
    assert!(h.query_by_label_contains("src/license.cpp:7:13").is_none());
    h.get_by_label("▾ bidi-control  (6)").click();
    h.run();
    h.get_by_label_contains("▾ invisible-char").click();
    h.run();
    h.get_by_label("▸ bidi-control  (6)");
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

#[test]
fn alt_z_wraps_a_long_line_into_rows_and_back() {
    let (_dir, app) = demo_app();
    let mut h = harness(app);
    h.state_mut().state.apply(NavCmd::OpenFile { path: b"src/hosts.inc".to_vec(), line: Some(1) });
    h.run();
    // Unwrapped, the 2,068-character line is one row holding its first and last hosts.
    let rows =
        |h: &Harness<'static, VitrineApp>| h.query_all_by_label_contains("update.netguard.example").count();
    assert_eq!(rows(&h), 1);
    h.get_by_label_contains("host59.update.netguard.example");
    h.key_press_modifiers(egui::Modifiers::ALT, egui::Key::Z);
    h.run();
    assert!(h.state().state.prefs.wrap);
    // Wrapped at the view's width (about 120 columns here): many rows, none holding the whole line.
    let n = rows(&h);
    assert!(n >= 12, "{n} rows");
    h.get_by_label_contains("static const char* kAllowedHosts[]");
    assert!(h.query_by_label_contains("host59.update.netguard.example\"}").is_some());
    h.get_by_label("Wrap");
    h.key_press_modifiers(egui::Modifiers::ALT, egui::Key::Z);
    h.run();
    assert_eq!(rows(&h), 1);
    // Ctrl+B hides the file tree, Ctrl+Alt+B the outline panel; again shows them.
    h.get_by_label("Files");
    h.get_by_label("Outline");
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::B);
    h.run();
    assert!(h.query_by_label("Files").is_none());
    h.get_by_label("Outline");
    h.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::ALT, egui::Key::B);
    h.run();
    assert!(h.query_by_label("Outline").is_none());
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::B);
    h.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::ALT, egui::Key::B);
    h.run();
    h.get_by_label("Files");
    h.get_by_label("Outline");
}

fn type_text(h: &mut Harness<'static, VitrineApp>, text: &str) {
    h.event(egui::Event::Text(text.into()));
    h.run();
}

fn cursor(h: &Harness<'static, VitrineApp>) -> (String, usize) {
    let t = h.state().state.active_tab().expect("a tab is open");
    (t.doc.path.display(), t.cursor_line)
}

#[test]
fn keyboard_first_quick_open_go_to_line_find_and_history() {
    let (_dir, app) = demo_app();
    let mut h = harness(app);
    h.run();
    // F1 lists the shortcuts.
    h.key_press(egui::Key::F1);
    h.run();
    h.get_by_label("Keyboard shortcuts");
    h.get_by_label("Go to line");
    h.key_press(egui::Key::Escape);
    h.run();
    assert!(h.query_by_label("Keyboard shortcuts").is_none());

    // Ctrl+P, a fuzzy name, Enter.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::P);
    h.run();
    type_text(&mut h, "pktcpp");
    h.key_press(egui::Key::Enter);
    h.run();
    assert_eq!(cursor(&h), ("src/packet.cpp".into(), 0));

    // Ctrl+G 21 Enter puts the cursor on line 21.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::G);
    h.run();
    type_text(&mut h, "21");
    h.key_press(egui::Key::Enter);
    h.run();
    assert_eq!(cursor(&h).1, 20);

    // Down, then Shift+Down twice selects three lines.
    h.key_press(egui::Key::ArrowDown);
    h.run();
    h.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::ArrowDown);
    h.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::ArrowDown);
    h.run();
    assert_eq!(h.state().state.active_tab().unwrap().selection(), 21..=23);

    // Ctrl+F finds from the cursor; F3 steps on and wraps.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
    h.run();
    type_text(&mut h, "memcpy");
    let find = h.state().state.active_tab().unwrap().find.clone().unwrap();
    // Both matches are above the cursor (line 24): the search wraps to the first.
    assert_eq!(find.matches.iter().map(|m| m.0).collect::<Vec<_>>(), [9, 18]);
    assert_eq!(cursor(&h).1, 9);
    h.get_by_label("1 of 2");
    h.key_press(egui::Key::F3);
    h.run();
    assert_eq!(cursor(&h).1, 18);
    h.get_by_label("2 of 2");
    h.key_press(egui::Key::Escape);
    h.run();
    assert!(h.state().state.active_tab().unwrap().find.is_none());

    // Alt+Left returns to where Ctrl+G left from, then to the previous file; Alt+Right comes back.
    h.get_by_label("auth.cpp  ⚑6").click();
    h.run();
    assert_eq!(cursor(&h).0, "src/auth.cpp");
    h.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowLeft);
    h.run();
    assert_eq!(cursor(&h).0, "src/packet.cpp");
    h.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowRight);
    h.run();
    assert_eq!(cursor(&h).0, "src/auth.cpp");

    // Ctrl+= and Ctrl+- change the code font.
    let before = h.state().state.prefs.font_size();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Equals);
    h.run();
    assert_eq!(h.state().state.prefs.font_size(), before + 1.0);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Minus);
    h.run();
    assert_eq!(h.state().state.prefs.font_size(), before);
}

#[test]
fn reading_coverage_grows_as_lines_come_on_screen() {
    let (_dir, app) = demo_app();
    let mut h = harness(app);
    h.run();
    h.get_by_label("packet.cpp").click();
    h.run();
    let first = h.state().state.active_tab().unwrap().seen.count();
    assert!(first > 10, "{first}");
    // Ctrl+End brings the last lines on screen: every line has now been seen.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::End);
    h.run();
    let seen = h.state().state.active_tab().unwrap().seen.clone();
    assert_eq!((seen.count(), seen.total()), (33, 33));
    assert_eq!(h.state().state.active_tab().unwrap().cursor_line, 32);
    h.get_by_label("seen 100%");
}

#[test]
fn ctrl_shift_f_searches_the_snapshot_and_enter_opens_a_hit() {
    let (_dir, app) = demo_app();
    let mut h = harness(app);
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::SHIFT, egui::Key::F);
    h.run();
    type_text(&mut h, "memcpy");
    // The index builds in the background after the snapshot loads; the typed query runs once it is ready.
    h.state_mut().state.search.wait_index();
    h.state_mut().state.search.wait_results();
    h.run();
    let search = &h.state().state.search;
    let summary = search.summary.clone().expect("the search completed");
    assert_eq!((summary.lines, summary.files), (2, 1));
    assert_eq!(summary.files_not_searched, 2, "the binary and the symlink are counted, not hidden");
    h.get_by_label_contains("2 lines in 1 files");
    h.get_by_label_contains("2 files not searched");
    h.get_by_label_contains("src/packet.cpp  (2)");
    h.key_press(egui::Key::ArrowDown);
    h.run();
    h.key_press(egui::Key::ArrowDown);
    h.run();
    h.key_press(egui::Key::Enter);
    h.run();
    assert_eq!(cursor(&h), ("src/packet.cpp".into(), 18));

    // `sym:` finds definitions through the symbol index, built alongside the search index.
    h.state_mut().state.symbols.wait_index();
    h.state_mut().state.apply(SearchCmd::SetQuery("sym:load_config".into()));
    h.state_mut().state.search.wait_results();
    h.run();
    let search = &h.state().state.search;
    assert_eq!(search.error, None);
    assert_eq!(
        search.files.iter().map(|f| (f.path.as_str(), f.line_count)).collect::<Vec<_>>(),
        [("src/config.cpp", 1)]
    );
    // A plain word ranks the file that defines it first.
    h.state_mut().state.apply(SearchCmd::SetQuery("load_config".into()));
    h.state_mut().state.search.wait_results();
    let search = &h.state().state.search;
    assert_eq!(search.files.len(), 3);
    assert_eq!(
        (search.files[0].path.as_str(), search.files[0].rank),
        ("src/config.cpp", vitrine_search::Rank::Definition)
    );

    // A multi-line regex (ml:yes) shows its match at its first line and says where it ends.
    h.state_mut()
        .state
        .apply(SearchCmd::SetQuery(r"ml:yes /is_operator\(const std::string& user\);\s+int/".into()));
    h.state_mut().state.search.wait_results();
    h.run();
    assert_eq!(h.state().state.search.error, None);
    h.get_by_label_contains("      6: bool is_operator(const std::string& user);  ⏎ to line 8");

    // A malformed query says where it is wrong, and nothing runs.
    h.state_mut().state.apply(SearchCmd::SetQuery("/unclosed(/".into()));
    h.run();
    assert!(h.state().state.search.error.is_some());
    assert!(h.state().state.search.rows.is_empty());
}

/// Opens `path` and puts the cursor on the first occurrence of `name` (as a click would).
fn cursor_on(h: &mut Harness<'static, VitrineApp>, path: &str, name: &str) {
    h.state_mut().state.apply(NavCmd::OpenFile { path: path.as_bytes().to_vec(), line: None });
    let tab = h.state().state.active_tab().unwrap();
    let text: Vec<String> =
        (0..tab.doc.line_count()).map(|l| tab.doc.line_text(l).unwrap_or_default().to_owned()).collect();
    let (line, col) = text.iter().enumerate().find_map(|(l, t)| t.find(name).map(|c| (l, c + 1))).unwrap();
    h.state_mut().state.apply(NavCmd::ClickAt { line, col, extend: false });
    h.run();
}

#[test]
fn f12_definitions_references_callers_symbols_and_outline() {
    let (_dir, app) = demo_app();
    let mut h = harness(app);
    h.state_mut().state.symbols.wait_index();
    h.run();

    // F12 on a call with a definition and a declaration: candidates, definition first, labelled.
    cursor_on(&mut h, "src/main.cpp", "load_config(");
    h.key_press(egui::Key::F12);
    h.run();
    h.get_by_label_contains("src/config.cpp:8");
    h.get_by_label_contains("(declaration)");
    h.key_press(egui::Key::Enter);
    h.run();
    assert_eq!(cursor(&h), ("src/config.cpp".into(), 7));

    // Shift+F12: the references, in the bottom panel.
    cursor_on(&mut h, "src/main.cpp", "log_line(\"license");
    h.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::F12);
    h.run();
    h.state_mut().state.symbols.wait_result();
    h.run();
    h.get_by_label_contains("references to log_line");
    h.get_by_label_contains("src/main.cpp:20:19");

    // Ctrl+Shift+H: callers, grouped by the calling function.
    h.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::SHIFT, egui::Key::H);
    h.run();
    h.state_mut().state.symbols.wait_result();
    h.run();
    h.get_by_label_contains("callers of log_line");
    h.get_by_label_contains("main  src/main.cpp:20  (1 calls)");

    // Ctrl+T: a symbol by a fuzzy name.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::T);
    h.run();
    type_text(&mut h, "run_comm");
    h.get_by_label_contains("function netguard::run_command   src/auth.cpp:8");
    h.get_by_label_contains("function netguard::run_command (declaration)");
    h.key_press(egui::Key::Enter);
    h.run();
    assert_eq!(cursor(&h).0, "src/auth.cpp");

    // The outline of a file, with the breadcrumbs of the cursor's scope.
    h.state_mut().state.apply(NavCmd::OpenFile { path: b"src/packet.cpp".to_vec(), line: Some(15) });
    h.state().state.active_tab().unwrap().doc.wait_outline();
    h.run();
    h.get_by_label("ƒ parse");
    h.get_by_label("ƒ payload_size");
    h.get_by_label_contains("namespace netguard  ›  method parse");
}

#[test]
fn the_callers_tree_unfolds_into_callers_of_callers() {
    let (_dir, app) = demo_app();
    let mut h = harness(app);
    h.state_mut().state.symbols.wait_index();
    h.run();
    cursor_on(&mut h, "src/auth.cpp", "is_operator(user) ?");
    h.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::SHIFT, egui::Key::H);
    h.run();
    h.state_mut().state.symbols.wait_result();
    h.run();
    h.get_by_label_contains("callers of is_operator");
    h.get_by_label_contains("run_command  src/auth.cpp:18  (1 calls)");
    assert!(h.query_by_label_contains("main  src/main.cpp").is_none());
    // Who calls run_command? main, one level down; main has no callers; run_command is not recursive.
    h.get_by_label("▸ callers").click();
    h.run();
    h.state_mut().state.symbols.wait_callers();
    h.run();
    h.get_by_label("▾ callers");
    h.get_by_label_contains("main  src/main.cpp:27  (1 calls)");
    h.get_by_label("▸ callers").click();
    h.run();
    h.state_mut().state.symbols.wait_callers();
    h.run();
    h.get_by_label_contains("no calls of main found");
    assert_eq!(h.query_all_by_label("▾ callers").count(), 2);
    // Folding run_command hides everything below it; a row opens its call site.
    h.query_all_by_label("▾ callers").next().unwrap().click();
    h.run();
    assert!(h.query_by_label_contains("main  src/main.cpp").is_none());
    h.get_by_label_contains("run_command  src/auth.cpp:18").click();
    h.run();
    assert_eq!(cursor(&h), ("src/auth.cpp".into(), 17));
}

/// Writes a fresh Ed25519 key (encrypted with `pass`, or not) and returns its path.
fn write_key(dir: &std::path::Path, name: &str, pass: Option<&str>) -> std::path::PathBuf {
    let signer = vitrine_record::Signer::generate(name).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, signer.to_openssh(pass).unwrap()).unwrap();
    std::fs::write(dir.join(format!("{name}.pub")), signer.public_openssh().unwrap()).unwrap();
    path
}

fn sign_in(
    h: &mut Harness<'static, VitrineApp>,
    key: &std::path::Path,
    pass: &str,
    principal: &str,
    role: &str,
) {
    h.get_by_label("Sign in…").click();
    h.run();
    for (field, text) in [
        ("Private key file", key.display().to_string()),
        ("Passphrase", pass.to_owned()),
        ("Principal (new key)", principal.to_owned()),
        ("Role (new key)", role.to_owned()),
    ] {
        h.get_by_label(field).focus();
        h.run();
        if field.starts_with("Principal") {
            // Filled from the key's comment (its public half beside it); typed over here.
            let comment = key.file_name().unwrap().to_str().unwrap();
            let form = h.state().state.review.as_ref().unwrap().sign_in.clone().unwrap();
            assert_eq!(form.principal, comment);
            h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
            h.run();
        }
        type_text(h, &text);
    }
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Sign in").click();
    h.run();
    assert!(h.state().state.error.is_none(), "{:?}", h.state().state.error);
}

#[test]
fn a_reviewer_annotates_a_vendor_answers_and_the_log_verifies() {
    let (dir, app) = demo_app();
    let keys = tempfile::tempdir().unwrap();
    let reviewer = write_key(keys.path(), "reviewer", Some("rev-pass"));
    let vendor = write_key(keys.path(), "vendor", Some("ven-pass"));
    let mut h = harness(app);
    h.run();
    sign_in(&mut h, &reviewer, "rev-pass", "alice@agency.example", "reviewer");
    h.get_by_label("✔ alice@agency.example (reviewer)");
    h.get_by_label("signing as alice@agency.example (reviewer)");

    // Select the Trojan Source lines (13-17) and annotate them.
    h.state_mut().state.apply(NavCmd::OpenFile { path: b"src/auth.cpp".to_vec(), line: Some(12) });
    h.run();
    for _ in 0..4 {
        h.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::ArrowDown);
    }
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::ALT, egui::Key::A);
    h.run();
    h.get_by_label_contains("src/auth.cpp: lines 13–17");
    h.get_by_label("high").click();
    h.get_by_label("What you found, asked or noted (Markdown)").focus();
    h.run();
    type_text(&mut h, "Bidi controls hide an early return: the admin check is not what it reads.");
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
    h.run();
    let review = h.state().state.review.as_ref().unwrap();
    assert!(review.composer.is_none());
    assert_eq!(review.entries.len(), 1);
    let root = review.entries[0].id.clone();
    assert_eq!(review.entries[0].entry.target.as_ref().unwrap().lines, Some([13, 17]));
    h.get_by_label_contains("finding high · open · 13–17");

    // Mark the file reviewed.
    h.get_by_label("Mark reviewed").click();
    h.run();
    h.get_by_label_contains("reviewed by alice@agency.example");
    // Review progress: the tree counts it, and the filter of unreviewed files with findings drops it.
    h.get_by_label_contains("reviewed 1/21 files");
    assert_eq!(h.query_all_by_label("auth.cpp  ⚑6  ✎1").count(), 1);
    h.get_by_label("Unreviewed files with findings").click();
    h.run();
    assert!(h.query_by_label("src/auth.cpp  ⚑6  ✎1").is_none());
    h.get_by_label("src/license.cpp  ⚑2");
    h.get_by_label("Unreviewed files with findings").click();
    h.run();

    // The vendor engineer signs in with their own key and answers with a status.
    h.get_by_label("Sign out").click();
    h.run();
    sign_in(&mut h, &vendor, "ven-pass", "bob@vendor.example", "vendor");
    // The thread submitted last is the one expanded, with its reply box.
    assert_eq!(h.state().state.review.as_ref().unwrap().selected.as_deref(), Some(root.as_str()));
    h.get_by_role_and_label(egui::accesskit::Role::MultilineTextInput, "Reply").focus();
    h.run();
    type_text(&mut h, "Confirmed; removed in 2.4.2.");
    h.get_by_label("fixed").click();
    h.run();
    let review = h.state().state.review.as_ref().unwrap();
    assert_eq!(review.entries.len(), 3);
    let answer = &review.entries[2].entry;
    assert_eq!((answer.parent.as_deref(), answer.role.as_str()), (Some(root.as_str()), "vendor"));
    h.get_by_label_contains("finding high · fixed");
    // The answer shows in the annotations panel and inline under the lines, its body as Markdown.
    // Thread headers carry the time of each entry (UTC, to the minute).
    let who = "↳ bob@vendor.example (vendor) · ";
    assert_eq!(h.query_all_by_label_contains(who).count(), 2);
    h.get_by_label_contains(" UTC: [fixed]");
    h.get_by_label_contains(" UTC · fixed");
    assert_eq!(h.query_all_by_label("Confirmed; removed in 2.4.2.").count(), 2);
    // Folding the inline thread leaves its header; Alt+T hides inline threads altogether.
    h.get_by_label_contains("▾ finding · high · fixed — alice@agency.example (reviewer) · 2").click();
    h.run();
    h.get_by_label_contains("▸ finding · high · fixed");
    assert_eq!(h.query_all_by_label("Confirmed; removed in 2.4.2.").count(), 1);
    h.get_by_label_contains("▸ finding · high · fixed").click();
    h.run();
    assert_eq!(h.query_all_by_label("Confirmed; removed in 2.4.2.").count(), 2);
    h.key_press_modifiers(egui::Modifiers::ALT, egui::Key::T);
    h.run();
    assert!(h.query_by_label_contains("▾ finding · high").is_none());
    h.key_press_modifiers(egui::Modifiers::ALT, egui::Key::T);
    h.run();
    h.get_by_label_contains("▾ finding · high");

    // Export from the window: the bundle is written, read back and verified entry by entry.
    let bundle = keys.path().join("answers.vitrine");
    h.state_mut().state.apply(ReviewCmd::Record(vitrine_gui::records::RecordAction::Export {
        path: bundle.clone(),
        questions_only: false,
    }));
    h.state_mut().state.review.as_mut().unwrap().wait_record();
    h.run();
    h.get_by_label_contains("✔ VALID: 3 of 3 entries verified, snapshot checked");
    // A flipped byte in an entry is caught, and named.
    let mut bytes = std::fs::read(&bundle).unwrap();
    let at = bytes.windows(16).position(|w| w == b"removed in 2.4.2").unwrap();
    bytes[at + 15] = b'3';
    let tampered = keys.path().join("tampered.vitrine");
    std::fs::write(&tampered, bytes).unwrap();
    h.state_mut()
        .state
        .apply(ReviewCmd::Record(vitrine_gui::records::RecordAction::Verify { path: tampered }));
    h.state_mut().state.review.as_mut().unwrap().wait_record();
    h.run();
    h.get_by_label_contains("✘ INVALID");
    h.get_by_label_contains("✘ entries/000003.json");

    // Another reviewer's window imports the bundle: it shows who is new, with what they signed, and
    // merges nothing until accepted. Cancel merges nothing.
    let (_dir2, mut other) = demo_app();
    other.state.apply(ReviewCmd::Record(vitrine_gui::records::RecordAction::Import { path: bundle.clone() }));
    other.state.review.as_mut().unwrap().wait_record();
    let mut o = harness(other);
    o.run();
    o.get_by_label_contains("New: alice@agency.example (reviewer)");
    o.get_by_label_contains("New: bob@vendor.example (vendor)");
    o.get_by_label_contains("signed: finding high on src/auth.cpp:13-17");
    assert!(o.query_all_by_label_contains("SHA256:").count() >= 2, "fingerprints are shown");
    o.get_by_label("Cancel").click();
    o.run();
    assert!(o.state().state.review.as_ref().unwrap().entries.is_empty());
    o.get_by_label_contains("cancelled: nothing merged");
    // Asked again, accepted: merged.
    o.state_mut()
        .state
        .apply(ReviewCmd::Record(vitrine_gui::records::RecordAction::Import { path: bundle.clone() }));
    o.state_mut().state.review.as_mut().unwrap().wait_record();
    o.run();
    o.get_by_label("Accept and import").click();
    o.run();
    o.state_mut().state.review.as_mut().unwrap().wait_record();
    o.run();
    assert_eq!(o.state().state.review.as_ref().unwrap().entries.len(), 3);

    // Ctrl+Shift+L: every thread of the review in one list, with its place, status and author; a click
    // opens the thread's file. (`wait_record` took the job past `poll`, which refreshes the list in the
    // window: refresh it as `poll` does.)
    let st = &mut o.state_mut().state;
    st.threads.refresh(st.review.as_ref());
    o.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::SHIFT, egui::Key::L);
    o.run();
    o.get_by_label_contains("1 of 1 threads");
    let row = o.get_by_label_contains("src/auth.cpp:13");
    let text = egui_kittest::kittest::NodeT::accesskit_node(&row).label().unwrap_or_default();
    assert!(text.contains("fixed") && text.contains("alice@agency.example"), "{text}");
    o.state_mut().state.apply(NavCmd::OpenFile { path: b"src/main.cpp".to_vec(), line: Some(1) });
    o.run();
    o.get_by_label_contains("src/auth.cpp:13").click();
    o.run();
    assert_eq!(cursor(&o).0, "src/auth.cpp");

    // The command line loads and re-verifies the same log.
    let data = dir.path().to_path_buf();
    let demo = vitrine::unpack_demo(&data).unwrap();
    let (code, out, err) = crate::support::vitrine_os(&[
        "log".as_ref(),
        demo.as_os_str(),
        "--json".as_ref(),
        "--data".as_ref(),
        data.as_os_str(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("removed in 2.4.2") && out.contains("early return"), "{out}");
}

/// The child half of the draft crash test: writes a draft, then dies without any clean-up.
#[test]
fn draft_child_process() {
    let Some(data) = std::env::var_os("VITRINE_TEST_DRAFT_CHILD") else { return };
    let data = std::path::PathBuf::from(data);
    let demo = vitrine::unpack_demo(&data).unwrap();
    let mut state = AppState::new(DataDir::at(&data), Prefs::default());
    state.apply(LoadCmd::Open(demo));
    state.wait_loaded();
    state.apply(NavCmd::OpenFile { path: b"src/packet.cpp".to_vec(), line: Some(20) });
    state.apply(ReviewCmd::Annotate);
    let mut c = state.review.as_ref().unwrap().composer.clone().unwrap();
    c.body = "The declared length is trusted: heap overread.".into();
    state.apply(ReviewCmd::EditComposer(c));
    std::process::abort();
}

#[test]
fn a_draft_annotation_survives_a_killed_process() {
    let (dir, data) = crate::support::data_dir();
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "gui::draft_child_process", "--nocapture", "--test-threads=1"])
        .env("VITRINE_TEST_DRAFT_CHILD", &data)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success(), "the child was meant to die");
    let demo = vitrine::unpack_demo(&data).unwrap();
    let mut state = AppState::new(DataDir::at(&data), Prefs::default());
    state.apply(LoadCmd::Open(demo));
    state.wait_loaded();
    let c = state.review.as_ref().unwrap().composer.clone().expect("the draft came back");
    assert_eq!((c.path.as_str(), c.first, c.last), ("src/packet.cpp", 21, 21));
    assert_eq!(c.body, "The declared length is trusted: heap overread.");
    drop(dir);
}

/// The colours of the text shapes painted last frame whose text contains `needle`.
fn painted_colours(h: &Harness<'static, VitrineApp>, needle: &str) -> Vec<Vec<egui::Color32>> {
    h.output()
        .shapes
        .iter()
        .filter_map(|s| match &s.shape {
            egui::epaint::Shape::Text(t) if t.galley.text().contains(needle) => {
                Some(t.galley.job.sections.iter().map(|sec| sec.format.color).collect())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_large_file_opened_at_its_end_is_coloured_within_two_frames() {
    let tree = crate::support::TempTree::new();
    let lines = 120_000;
    let text: String =
        (0..lines).map(|i| format!("static int f{i}(void) {{ return {i}; /* note */ }}\n")).collect();
    tree.file("big.c", text);
    let (_d, data) = data_dir();
    let mut state = AppState::new(DataDir::at(&data), Prefs::default());
    state.apply(LoadCmd::Open(tree.path().to_path_buf()));
    state.wait_loaded();
    let mut h = harness(VitrineApp::new(state));
    h.step();
    h.state_mut().state.apply(NavCmd::OpenFile { path: b"big.c".to_vec(), line: Some(lines - 1) });
    // Two frames: the first lays the view out and scrolls, the second draws the last rows. The
    // background thread has not parsed 120k lines by then; the rows are coloured anyway.
    h.step();
    h.step();
    let last = format!("f{}(void)", lines - 1);
    let rows = painted_colours(&h, &last);
    assert!(!rows.is_empty(), "the last line is on screen");
    for colours in rows {
        let distinct: std::collections::BTreeSet<_> = colours.iter().map(|c| c.to_array()).collect();
        assert!(distinct.len() >= 3, "the last line is highlighted: {colours:?}");
    }
}

#[test]
fn f12_lands_on_the_definitions_name_not_the_call_sites_column() {
    let tree = crate::support::TempTree::new();
    tree.file("a.c", "static int helper(int x)\n{\n    return x;\n}\n");
    tree.file("b.c", "/* helper */\nint main(void) { return                helper(1); }\n");
    let (_d, data) = data_dir();
    let mut state = AppState::new(DataDir::at(&data), Prefs::default());
    state.apply(LoadCmd::Open(tree.path().to_path_buf()));
    state.wait_loaded();
    state.symbols.wait_index();
    state.apply(NavCmd::OpenFile { path: b"b.c".to_vec(), line: Some(1) });
    let col = "int main(void) { return                helper".find("helper").unwrap();
    state.apply(NavCmd::ClickAt { line: 1, col, extend: false });
    state.apply(SymbolsCmd::GoToDefinition);
    assert_eq!(state.error, None);
    let tab = state.active_tab().unwrap();
    assert_eq!((tab.doc.path.display().as_str(), tab.cursor_line, tab.cursor_col), ("a.c", 0, 11));
}

#[test]
fn the_help_lists_the_keyboard_table_and_f1_toggles_it() {
    let (_dir, app) = demo_app();
    let mut h = harness(app);
    h.run();
    h.key_press(egui::Key::F1);
    h.run();
    // Every row of the one table is in the help, keys and description.
    for b in vitrine_gui::ui::keymap::BINDINGS {
        assert!(h.query_all_by_label(b.help).count() > 0, "{} is not in the help", b.keys);
        assert!(h.query_all_by_label(b.keys).count() > 0, "{} is not in the help", b.keys);
    }
    h.key_press(egui::Key::F1);
    h.run();
    assert!(h.state().state.overlay.is_none());
}

/// Ctrl+J hides the bottom panel (the code gets its height) and shows it again; a key that opens one
/// of its tabs (Ctrl+Shift+F) shows it too.
#[test]
fn ctrl_j_hides_and_shows_the_bottom_panel_and_its_tab_keys_bring_it_back() {
    let (_dir, app) = demo_app();
    let mut h = harness(app);
    h.run();
    h.get_by_label("packet.cpp").click();
    h.run();
    let strip =
        |h: &Harness<'static, VitrineApp>| h.query_by_label_contains("Search (Ctrl+Shift+F)").is_some();
    assert!(strip(&h), "the bottom panel is shown at first");
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::J);
    h.run();
    assert!(!strip(&h), "Ctrl+J hid the bottom panel");
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::J);
    h.run();
    assert!(strip(&h), "Ctrl+J showed it again");
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::J);
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::SHIFT, egui::Key::F);
    h.run();
    assert!(strip(&h), "Ctrl+Shift+F brings the panel back on its Search tab");
    assert_eq!(h.state().state.bottom, BottomTab::Search);
}

#[test]
fn file_dialogs_fall_back_to_an_in_window_dialog_driven_by_the_keyboard() {
    let (_dir, app) = demo_app();
    let records = tempfile::tempdir().unwrap();
    std::fs::create_dir(records.path().join("inbox")).unwrap();
    std::fs::write(records.path().join("inbox").join("answers.vitrine"), "not a bundle").unwrap();
    let mut h = harness(app.with_in_window_dialogs());
    h.run();
    // The menu's item opens the dialog: never a silent no-op.
    // The menu's "Record" (the bottom panel has a tab of the same name, drawn after it).
    h.get_all_by_label("Record").next().unwrap().click();
    h.run();
    h.get_by_label("Verify a record…").click();
    h.run();
    h.get_by_label_contains("Verify: choose a review record");
    // Type a folder and Enter: the dialog lists it; Down selects its file; Enter chooses it.
    h.get_by_label("Path").focus();
    h.run();
    for _ in 0..40 {
        h.key_press(egui::Key::Backspace);
    }
    type_text(&mut h, &records.path().join("inbox").display().to_string());
    h.key_press(egui::Key::Enter);
    h.run();
    h.get_by_label_contains("answers.vitrine");
    h.key_press(egui::Key::ArrowDown);
    h.key_press(egui::Key::ArrowUp);
    h.run();
    h.key_press(egui::Key::Enter);
    h.run();
    assert!(h.query_by_label_contains("Verify: choose a review record").is_none(), "the dialog closed");
    // The choice went where the menu item said: the record tab, verifying that file (and failing).
    h.state_mut().state.review.as_mut().unwrap().wait_record();
    h.run();
    assert_eq!(h.state().state.bottom, vitrine_gui::BottomTab::Record);
    let outcome = h.state().state.review.as_ref().unwrap().outcome.clone().unwrap();
    assert!(outcome.is_err(), "{outcome:?}");
    // Escape cancels a dialog.
    h.state_mut().open_dialog(vitrine_gui::Pick::Folder);
    h.run();
    h.get_by_label_contains("Open a snapshot folder");
    h.key_press(egui::Key::Escape);
    h.run();
    assert!(h.query_by_label_contains("Open a snapshot folder").is_none());
}

#[test]
fn preprocessor_branches_navigation_leaves_out_are_marked_in_the_view() {
    use vitrine_syntax::Inactive;
    let t = crate::support::TempTree::new();
    t.file(
        "src/x.c",
        "int a;\n#if 0\nint hidden(void) { return 1; }\n#endif\n#ifdef FAST\nint f(void) {\n#else\nint f(int x) {\n#endif\n  return 0;\n}\n",
    );
    let (_d, data) = data_dir();
    let mut state = AppState::new(DataDir::at(&data), Prefs::default());
    state.apply(LoadCmd::Open(t.path().to_path_buf()));
    state.wait_loaded();
    state.apply(NavCmd::OpenFile { path: b"src/x.c".to_vec(), line: Some(3) });
    let outline = state.active_tab().unwrap().doc.wait_outline().unwrap();
    let marks: Vec<Option<Inactive>> = (0..11).map(|l| outline.inactive_at(l)).collect();
    // `#if 0` to its `#endif` (0-based lines 1-2), and the `#else` branch of a chain whose branches each
    // open the function (lines 6-7): navigation reads the first branch.
    assert_eq!(
        marks,
        [
            None,
            Some(Inactive::Disabled),
            Some(Inactive::Disabled),
            None,
            None,
            None,
            Some(Inactive::Alternative),
            Some(Inactive::Alternative),
            None,
            None,
            None
        ]
    );
    // The view draws those rows (and survives them).
    let mut h = harness(VitrineApp::new(state));
    h.run();
    h.get_by_label_contains("int hidden(void)");
}

/// The result rows of the search panel drawn wholly inside the window (rows are `   N: text`).
fn visible_result_rows(h: &Harness<'static, VitrineApp>, window_height: f32) -> Vec<egui::Rect> {
    h.query_all_by(|n| {
        n.label().is_some_and(|l| {
            let l = l.trim_start();
            l.find(": ").is_some_and(|i| i > 0 && l[..i].bytes().all(|b| b.is_ascii_digit()))
        })
    })
    .map(|n| n.rect())
    .filter(|r| r.max.y <= window_height)
    .collect()
}

#[test]
fn the_search_panel_uses_the_height_and_a_dragged_panel_keeps_its_size_across_restarts() {
    let (dir, app) = demo_app();
    let size = egui::vec2(1500.0, 940.0);
    let build = |app: VitrineApp| {
        Harness::builder()
            .with_size(size)
            .with_max_steps(64)
            .build_ui_state(|ui, app: &mut VitrineApp| app.ui_root(ui), app)
    };
    let mut h = build(app);
    h.run();
    h.state_mut().state.apply(ViewCmd::ShowBottom(BottomTab::Search));
    h.state_mut().state.search.wait_index();
    // Every line that ends with `;`: far more than fit.
    h.state_mut().state.apply(SearchCmd::SetQuery("/;$/".into()));
    h.state_mut().state.search.wait_results();
    h.run();
    assert!(h.state().state.search.rows.len() > 40, "{}", h.state().state.search.rows.len());
    let rows = visible_result_rows(&h, size.y);
    assert!(rows.len() > 7, "only {} result rows visible at 1500×940", rows.len());
    let before = rows.len();

    // Drag the bottom panel's top edge 120 points up: more rows, and the size goes into the settings.
    let tab = h.get_by_label_contains("Health (").rect();
    let mut edge = None;
    for dy in 1..16 {
        let y = tab.min.y - dy as f32;
        h.hover_at(egui::pos2(700.0, y));
        h.run();
        let icon = h.output().platform_output.cursor_icon;
        if matches!(
            icon,
            egui::CursorIcon::ResizeVertical | egui::CursorIcon::ResizeNorth | egui::CursorIcon::ResizeSouth
        ) {
            edge = Some(y);
            break;
        }
    }
    let edge = edge.expect("the bottom panel's edge shows a resize cursor above its tabs");
    h.drag_at(egui::pos2(700.0, edge));
    h.run();
    for step in 1..=4 {
        h.hover_at(egui::pos2(700.0, edge - 30.0 * step as f32));
        h.run();
    }
    h.drop_at(egui::pos2(700.0, edge - 120.0));
    h.run();
    let saved = h.state().state.prefs.panels;
    assert!(saved.bottom > 0, "the dragged height is kept: {saved:?}");
    let rows = visible_result_rows(&h, size.y).len();
    assert!(rows >= before + 4, "{before} rows before the drag, {rows} after");
    let tab_after = h.get_by_label_contains("Health (").rect();
    assert!((tab_after.min.y - (tab.min.y - 120.0)).abs() <= 2.0, "{tab:?} -> {tab_after:?}");

    // A restart with the saved settings (a new window, no egui memory) opens the panel at that size.
    let prefs = h.state().state.prefs.clone();
    drop(h);
    let data = dir.path().to_path_buf();
    let mut state = AppState::new(DataDir::at(&data), prefs);
    let demo = vitrine::unpack_demo(&data).expect("demo unpacks");
    state.apply(LoadCmd::Open(demo));
    state.wait_loaded();
    let mut h = build(VitrineApp::new(state));
    h.run();
    let tab_restarted = h.get_by_label_contains("Health (").rect();
    assert!((tab_restarted.min.y - tab_after.min.y).abs() <= 1.0, "{tab_after:?} vs {tab_restarted:?}");
}
