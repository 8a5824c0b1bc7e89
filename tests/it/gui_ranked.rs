//! The window's two tantivy-backed parts, driven with egui_kittest: ranked search in the search panel
//! (the `~` prefix and the Ranked toggle, hits with their function and a marked snippet, opening at the
//! line, the status while the ranked index builds), and the Threads tab's search across every review
//! on the workstation (a hit of another snapshot opens read-only, naming that snapshot).

use std::path::Path;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use vitrine_gui::state::library::ThreadScope;
use vitrine_gui::state::ranked::RankIndexState;
use vitrine_gui::{AppState, LoadCmd, Prefs, SearchCmd, ThreadsCmd, VitrineApp};
use vitrine_snapshot::store::DataDir;

use crate::findings::{annotate, cli, keygen};
use crate::support::{TempTree, data_dir};

fn harness(app: VitrineApp) -> Harness<'static, VitrineApp> {
    Harness::builder()
        .with_size(egui::vec2(1500.0, 950.0))
        .with_max_steps(64)
        .build_ui_state(|ui, app: &mut VitrineApp| app.ui_root(ui), app)
}

fn open(data: &Path, snapshot: &Path) -> VitrineApp {
    let mut state = AppState::new(DataDir::at(data), Prefs::default());
    state.apply(LoadCmd::Open(snapshot.to_path_buf()));
    state.wait_loaded();
    assert!(state.snapshot.is_some(), "the snapshot loads: {:?}", state.load);
    VitrineApp::new(state)
}

fn cursor(h: &Harness<'static, VitrineApp>) -> (String, usize) {
    let tab = h.state().state.active_tab().expect("a tab is open");
    (tab.doc.path.display(), tab.cursor_line)
}

#[test]
fn ranked_search_finds_the_function_by_what_it_says_and_opens_at_the_line() {
    let (_dir, data) = data_dir();
    let demo = vitrine::unpack_demo(&data).expect("demo unpacks");
    let mut h = harness(open(&data, &demo));
    h.run();
    // Typed before the ranked index exists: the panel says it is being built and exact search works.
    h.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::SHIFT, egui::Key::F);
    h.run();
    h.state_mut().state.apply(SearchCmd::SetQuery("~licence checks".into()));
    if matches!(h.state().state.search.ranked.index, RankIndexState::Building { .. }) {
        h.run();
        h.get_by_label_contains("ranked index building");
    }
    let state = &mut h.state_mut().state;
    state.search.wait_index();
    state.symbols.wait_index();
    state.search.ranked.wait_index();
    state.search.ranked.wait_results();
    h.run();
    let ranked = &h.state().state.search.ranked;
    assert!(ranked.ready().is_some_and(|i| i.meta().per_function), "built per function after the symbols");
    let first = ranked.hits.first().expect("a ranked hit");
    assert_eq!((first.path.as_str(), first.function.as_deref()), ("src/license.cpp", Some("check_license")));
    h.get_by_label_contains("src/license.cpp  · check_license  (lines");
    h.get_by_label_contains("ranked hits in");
    h.key_press(egui::Key::Enter);
    h.run();
    let (path, line) = cursor(&h);
    assert_eq!(path, "src/license.cpp");
    let snippet_line = h.state().state.search.ranked.hits[0].snippet.as_ref().unwrap().line as usize;
    assert_eq!(line, snippet_line - 1, "the hit opens at its snippet's line");

    // The Ranked toggle makes a plain query ranked; off again, the same words are an exact search.
    h.state_mut().state.apply(SearchCmd::SetQuery("licence checks".into()));
    assert!(!h.state().state.search.is_ranked());
    h.get_by_label("Ranked").click();
    h.run();
    assert!(h.state().state.search.is_ranked());
    h.state_mut().state.search.ranked.wait_results();
    h.run();
    assert_eq!(h.state().state.search.ranked.hits.first().map(|h| h.path.as_str()), Some("src/license.cpp"));
    h.state_mut().state.apply(SearchCmd::SetRanked(false));
    h.state_mut().state.search.wait_results();
    h.run();
    let search = &h.state().state.search;
    assert!(!search.is_ranked());
    assert_eq!(search.summary.as_ref().map(|s| s.lines), Some(0), "no line holds both exact words");
}

#[test]
fn the_threads_tab_searches_every_review_and_opens_another_versions_thread_read_only() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let v1 = TempTree::new();
    v1.file("src/parse.c", "int parse(void);\n").file("src/len.c", "int len;\n");
    let v2 = TempTree::new();
    v2.file("src/parse.c", "int parse(int);\n");
    let rev = keygen(tmp.path(), "rev");
    for s in [v1.path(), v2.path()] {
        let pubkey = format!("{}.pub", rev.display());
        let (code, _, err) = cli(
            &data,
            &[
                &"people",
                &"add",
                &s,
                &"--principal",
                &"rev@example.org",
                &"--role",
                &"reviewer",
                &"--pubkey",
                &pubkey,
            ],
        );
        assert_eq!(code, 0, "{err}");
    }
    annotate(&data, v1.path(), &rev, "src/len.c", "medium", "The length check overflows on short input");
    annotate(&data, v1.path(), &rev, "src/parse.c", "high", "Возможно переполнения буфера при разборе");
    annotate(&data, v2.path(), &rev, "src/parse.c", "low", "Переполнение исправлено не полностью");

    let mut h = harness(open(&data, v2.path()));
    h.state_mut().state.apply(ThreadsCmd::Show);
    h.run();
    let v1_tree = crate::support::git_tree_ids(v1.path()).0;
    let v2_tree = h.state().state.snapshot.as_ref().unwrap().ids().tree_sha256.to_string();

    // This review: the search box finds the Russian note by another word form, and only this one.
    h.state_mut().state.apply(ThreadsCmd::SetSearch("переполнение".into()));
    h.state_mut().state.threads.library.wait();
    h.run();
    let lib = &h.state().state.threads.library;
    assert_eq!(lib.error, None);
    assert_eq!(lib.hits.iter().map(|h| h.snapshot.as_str()).collect::<Vec<_>>(), [v2_tree.as_str()]);
    h.get_by_label_contains("1 threads in this review");

    // All reviews: the earlier version's note too, its snapshot named on the row.
    h.get_by_label("all reviews on this workstation").click_accesskit();
    h.run();
    assert_eq!(h.state().state.threads.library.scope, ThreadScope::AllReviews);
    h.state_mut().state.threads.library.wait();
    h.run();
    let lib = &h.state().state.threads.library;
    assert_eq!(lib.hits.len(), 2, "{:?}", lib.hits);
    let label = format!("[snapshot {}]", &v1_tree[..12]);
    h.get_by_label_contains(&label);
    // The severity facet keeps only the high one (the earlier version's).
    let mut filter = h.state().state.threads.filter.clone();
    filter.severity = Some(vitrine_record::Severity::High);
    h.state_mut().state.apply(ThreadsCmd::SetFilter(filter));
    h.state_mut().state.threads.library.wait();
    h.run();
    let lib = &h.state().state.threads.library;
    assert_eq!(lib.hits.iter().map(|h| h.snapshot.as_str()).collect::<Vec<_>>(), [v1_tree.as_str()]);

    // Opening it shows the thread read-only with its snapshot named; no file of this snapshot opens.
    h.get_by_label_contains(&label).click();
    h.run();
    h.state_mut().state.threads.library.wait();
    h.run();
    assert!(h.state().state.active_tab().is_none());
    let foreign =
        h.state().state.threads.library.foreign.clone().expect("a thread opened").expect("it reads");
    assert_eq!((foreign.snapshot.as_str(), foreign.path.as_deref()), (v1_tree.as_str(), Some("src/parse.c")));
    h.get_by_label_contains("read-only: a thread of another review");
    h.get_by_label_contains(&format!("snapshot {}  (tree {v1_tree})", &v1_tree[..12]));
    h.get_by_label_contains("Возможно переполнения буфера при разборе");
    h.get_by_label("← back to the list").click();
    h.run();
    assert!(h.state().state.threads.library.foreign.is_none());

    // A hit of this review opens its file at its line.
    let mut filter = h.state().state.threads.filter.clone();
    filter.severity = Some(vitrine_record::Severity::Low);
    h.state_mut().state.apply(ThreadsCmd::SetFilter(filter));
    h.state_mut().state.threads.library.wait();
    h.state_mut().state.apply(ThreadsCmd::Open);
    h.run();
    assert_eq!(cursor(&h), ("src/parse.c".to_owned(), 0));
    assert!(h.state().state.threads.library.foreign.is_none());
}
