//! A snapshot directory rewritten in place between ingest and a later read (a vendor's tool or share
//! with write access while Vitrine works): as many bytes, so every size check passes. The indexes are
//! kept under the hashed content's key and reused by every later query of that content, so a build
//! that read other bytes than were hashed would poison them for good (a line the file holds never
//! found again, even in a static copy). Every build refuses instead, naming the file, and leaves no
//! index behind; a query shows no line of the other bytes.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use vitrine_snapshot::progress::Progress;
use vitrine_snapshot::{IngestConfig, Snapshot};

use crate::support::TempTree;

const HONEST: &str = "int honest_check(int uid) { return uid == 0; }\n";
const EVIL: &str = "int evilmk_check(int uid) { return uid >= 0; }\n";

/// A snapshot opened from `tree`, whose `src/auth.c` is then rewritten in place with as many bytes.
fn opened_then_rewritten(tree: &TempTree) -> Arc<Snapshot> {
    assert_eq!(HONEST.len(), EVIL.len());
    tree.file("src/auth.c", HONEST).file("src/other.c", "int other(void) { return 1; }\n");
    let snap = Snapshot::open(tree.path(), &IngestConfig::default(), &Progress::default()).unwrap();
    std::fs::write(tree.path().join("src/auth.c"), EVIL).unwrap();
    Arc::new(snap)
}

fn names_the_file(e: &dyn std::fmt::Display) {
    let text = e.to_string();
    assert!(text.contains("src/auth.c"), "the error must name the file: {text}");
}

#[test]
fn the_search_index_is_not_built_from_bytes_that_were_not_hashed() {
    let tree = TempTree::new();
    let snap = opened_then_rewritten(&tree);
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("index");
    let e = vitrine_search::open_or_build(&snap, &dir, &Progress::default()).unwrap_err();
    names_the_file(&e);
    assert!(!dir.exists(), "no index may be left under the content's key");
}

#[test]
fn the_symbol_index_is_not_built_from_bytes_that_were_not_hashed() {
    let tree = TempTree::new();
    let snap = opened_then_rewritten(&tree);
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("symbols");
    let e = vitrine_syntax::index::build_for_snapshot(&snap, &dir, &Progress::default()).unwrap_err();
    names_the_file(&e);
    assert!(!dir.exists(), "no index may be left under the content's key");
}

#[test]
fn the_ranked_index_is_not_built_from_bytes_that_were_not_hashed() {
    let tree = TempTree::new();
    let snap = opened_then_rewritten(&tree);
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("ranked");
    let e = vitrine_rank::open_or_build(&snap, &dir, None, &Progress::default()).unwrap_err();
    names_the_file(&e);
    assert!(!dir.exists(), "no index may be left under the content's key");
}

/// After the index is built, a same-size rewrite: a search shows no line of the new bytes, and names
/// the file as changed instead.
#[test]
fn a_search_shows_no_line_of_bytes_rewritten_after_indexing() {
    let tree = TempTree::new();
    tree.file("src/auth.c", HONEST).file("src/other.c", "int other(void) { return 1; }\n");
    let snap = Arc::new(Snapshot::open(tree.path(), &IngestConfig::default(), &Progress::default()).unwrap());
    let data = tempfile::tempdir().unwrap();
    let (index, _) =
        vitrine_search::open_or_build(&snap, &data.path().join("index"), &Progress::default()).unwrap();
    std::fs::write(tree.path().join("src/auth.c"), EVIL).unwrap();
    for word in ["honest_check", "return uid"] {
        let query = vitrine_search::Query::new(word).unwrap();
        let options = vitrine_search::SearchOptions { with_text: true, ..Default::default() };
        let mut shown = Vec::new();
        let summary = index
            .search(&query, &options, &AtomicBool::new(false), &mut |h| {
                shown.extend(h.lines.iter().map(|l| String::from_utf8_lossy(&l.text).into_owned()));
                true
            })
            .unwrap();
        assert!(shown.is_empty(), "{word}: lines of bytes that were not hashed: {shown:?}");
        assert_eq!(summary.changed, ["src/auth.c"], "{word}");
    }
}
