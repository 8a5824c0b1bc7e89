//! Errors say one thing once: every crate's I/O error names the operation and the path in its
//! Display and carries the OS text only as its source, so the chain (the CLI's `{e:#}`, the window's
//! `error_chain`) holds the OS text exactly once.

use std::path::PathBuf;

use vitrine_gui::state::errors::error_chain;

use crate::support::vitrine;

fn os_error() -> std::io::Error {
    std::io::Error::from_raw_os_error(13)
}

/// The chain of `e` holds the path, the operation and the OS text, the OS text once.
fn says_once(e: &(dyn std::error::Error + 'static), path: &str, op: &str) {
    let os = os_error().to_string();
    let chain = error_chain(e);
    assert_eq!(chain.matches(&os).count(), 1, "{chain}");
    assert!(chain.contains(path) && chain.contains(op), "{chain}");
    assert!(!e.to_string().contains(&os), "the Display repeats the source: {e}");
}

#[test]
fn every_crates_io_error_holds_the_os_text_once() {
    let path = PathBuf::from("/data/snapshots/x/file.bin");
    let p = "/data/snapshots/x/file.bin";
    says_once(
        &vitrine_snapshot::SnapshotError::Io { op: "read", path: path.clone(), source: os_error() },
        p,
        "read",
    );
    says_once(
        &vitrine_snapshot::tar::TarError::Io { member: p.to_owned(), source: os_error() },
        p,
        "cannot read",
    );
    says_once(
        &vitrine_snapshot::zipread::ZipError::Io { member: p.to_owned(), source: os_error() },
        p,
        "cannot read",
    );
    says_once(&vitrine_record::RecordError::io("open", &path)(os_error()), p, "open");
    says_once(
        &vitrine_search::SearchError::Io { op: "create", path: path.clone(), source: os_error() },
        p,
        "create",
    );
    says_once(
        &vitrine_syntax::SyntaxError::Io { op: "write", path: path.clone(), source: os_error() },
        p,
        "write",
    );
    says_once(
        &vitrine_indexfile::IndexFileError::Io { op: "sync", path: path.clone(), source: os_error() },
        p,
        "sync",
    );
    says_once(
        &vitrine_rank::RankError::Io { op: "remove", path: path.clone(), source: os_error() },
        p,
        "remove",
    );
    says_once(
        &vitrine_library::LibraryError::Io { op: "list", path: path.clone(), source: os_error() },
        p,
        "list",
    );
    says_once(
        &vitrine_base::fs::WriteError { op: "rename", path: path.clone(), source: os_error() },
        p,
        "rename",
    );
}

/// A missing bundle: the whole message names the file and the operation, and the OS text once (it
/// was printed twice before).
#[test]
fn verify_of_a_missing_bundle_says_the_os_text_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("gone.vitrine");
    let (code, out, err) = vitrine(&["verify", missing.to_str().unwrap()]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert_eq!(
        err,
        format!(
            "vitrine: error: {}: cannot open: {}\n",
            missing.display(),
            std::io::Error::from_raw_os_error(2)
        )
    );
}
