//! Unit tests: stemming in both languages, filters, sorting, incremental sync and rebuilds.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use vitrine_record::entry::Target;
use vitrine_record::time::OffsetDateTime;
use vitrine_record::{Class, Draft, Kind, Review, Severity, Signer, Status, allowed};

use super::*;

fn tree(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

/// Writes a review of snapshot `tree(n)` with one annotation per `(body, severity, path)`, and returns
/// the annotation ids.
fn review(data: &Path, n: u8, notes: &[(&str, Severity, &str)]) -> (Review, Signer, Vec<String>) {
    let snap = tree(n);
    let mut r = Review::open(&data.join("snapshots").join(&snap).join("review"), &snap).unwrap();
    let s = Signer::generate("t").unwrap();
    r.add_person(allowed::person("rev@example.org", "reviewer", &s.public_openssh().unwrap()).unwrap())
        .unwrap();
    let mut ids = Vec::new();
    for (i, (body, sev, path)) in notes.iter().enumerate() {
        let mut d = Draft::new(Kind::Annotation);
        d.class = Some(Class::Finding);
        d.severity = Some(*sev);
        d.category = Some("memory".into());
        d.body = Some((*body).into());
        d.target = Some(target(path, 10 + i as u64));
        let t = OffsetDateTime::from_unix_timestamp(1_700_000_000 + i as i64).unwrap();
        ids.push(r.append(&s, d, t).unwrap().id.clone());
    }
    (r, s, ids)
}

/// A target on lines `first..=first+2` of a 20-line file.
fn target(path: &str, first: u64) -> Target {
    let content: String = (1..=20).map(|i| format!("line {i}\n")).collect();
    let quote = vitrine_record::entry::quote_lines(content.as_bytes(), first, first + 2);
    Target {
        path: path.into(),
        path_bytes: None,
        blob: vitrine_record::entry::blob_id(content.as_bytes()),
        lines: Some([first, first + 2]),
        quote,
    }
}

fn query(text: &str) -> FindingsQuery {
    FindingsQuery { text: text.into(), limit: 100, ..Default::default() }
}

fn entries(lib: &Library, q: &FindingsQuery) -> Vec<String> {
    lib.search(q).unwrap().into_iter().map(|h| h.entry).collect()
}

#[test]
fn russian_and_english_words_match_their_other_forms() {
    let d = tempfile::tempdir().unwrap();
    let (_r, _s, ids) = review(
        d.path(),
        1,
        &[
            ("Возможно переполнения буфера при разборе заголовка", Severity::High, "src/parse.c"),
            ("The length check overflows when the header is truncated", Severity::Medium, "src/len.c"),
        ],
    );
    drop(_r);
    let (lib, report) = Library::open(d.path()).unwrap();
    assert_eq!(report.reindexed, 1);
    assert_eq!(entries(&lib, &query("переполнение")), vec![ids[0].clone()]);
    assert_eq!(entries(&lib, &query("ПЕРЕПОЛНЕНИЕ буфер")), vec![ids[0].clone()]);
    assert_eq!(entries(&lib, &query("overflow")), vec![ids[1].clone()]);
    assert_eq!(entries(&lib, &query("truncating headers")), vec![ids[1].clone()]);
    assert!(entries(&lib, &query("overflow переполнение")).is_empty(), "all words must match");
    assert!(entries(&lib, &query("underflow")).is_empty());
}

#[test]
fn filters_scopes_and_sorting() {
    let d = tempfile::tempdir().unwrap();
    let (mut r, s, ids) = review(
        d.path(),
        1,
        &[("leak in the parser", Severity::Low, "a.c"), ("leak in the writer", Severity::Critical, "b.c")],
    );
    let mut fix = Draft::new(Kind::Status);
    fix.parent = Some(ids[1].clone());
    fix.status = Some(Status::Fixed);
    fix.body = Some("fixed upstream".into());
    r.append(&s, fix, OffsetDateTime::from_unix_timestamp(1_700_000_100).unwrap()).unwrap();
    drop(r);
    let (_r2, _s2, other) = review(d.path(), 2, &[("leak again", Severity::Medium, "c.c")]);
    drop(_r2);
    let (lib, _) = Library::open(d.path()).unwrap();

    let mut q = query("leak");
    q.status = Some("fixed".into());
    assert_eq!(entries(&lib, &q), vec![ids[1].clone()]);
    q.status = None;
    q.severity = Some("low".into());
    assert_eq!(entries(&lib, &q), vec![ids[0].clone()]);
    q.severity = None;
    q.snapshot = Some(tree(2)[..8].to_owned());
    assert_eq!(entries(&lib, &q), other);
    q.snapshot = Some("ffff".into());
    assert!(entries(&lib, &q).is_empty());

    let mut q = query("");
    q.sort = Sort::Severity;
    q.kind = Some("annotation".into());
    assert_eq!(entries(&lib, &q), vec![ids[1].clone(), other[0].clone(), ids[0].clone()]);

    // The thread holds its follow-ups' words; the entry for the status change is found by its own.
    let mut q = query("upstream");
    assert_eq!(lib.search(&q).unwrap().iter().map(|h| h.kind.as_str()).collect::<Vec<_>>(), vec!["status"]);
    q.scope = Scope::Threads;
    let hits = lib.search(&q).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].entry, ids[1]);
    assert_eq!(
        (hits[0].path.as_deref(), hits[0].line, hits[0].status.as_str()),
        (Some("b.c"), Some(11), "fixed")
    );
}

#[test]
fn a_write_after_opening_is_seen_by_the_next_sync_only_for_that_review() {
    let d = tempfile::tempdir().unwrap();
    let (r1, _, _) = review(d.path(), 1, &[("first note", Severity::Low, "a.c")]);
    drop(r1);
    let (r2, _, _) = review(d.path(), 2, &[("second note", Severity::Low, "a.c")]);
    drop(r2);
    let (mut lib, report) = Library::open(d.path()).unwrap();
    assert_eq!((report.rebuilt, report.reindexed), (true, 2));
    assert_eq!(lib.sync().unwrap(), SyncReport::default(), "nothing changed, nothing done");

    let snap = tree(1);
    let mut r = Review::open(&d.path().join("snapshots").join(&snap).join("review"), &snap).unwrap();
    let s = Signer::generate("t2").unwrap();
    r.add_person(allowed::person("other@example.org", "reviewer", &s.public_openssh().unwrap()).unwrap())
        .unwrap();
    let mut a = Draft::new(Kind::Annotation);
    a.body = Some("a brand new observation".into());
    a.class = Some(Class::Note);
    a.severity = Some(Severity::Info);
    a.target = Some(target("z.c", 1));
    let id = r.append(&s, a, OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()).unwrap().id.clone();
    drop(r);
    let report = lib.sync().unwrap();
    assert_eq!((report.rebuilt, report.reindexed), (false, 1));
    assert_eq!(entries(&lib, &query("observations")), vec![id]);
    assert_eq!(entries(&lib, &query("note")).len(), 2, "no duplicates after re-indexing");

    fs::remove_dir_all(d.path().join("snapshots").join(tree(2))).unwrap();
    assert_eq!(lib.sync().unwrap().removed, 1);
    assert_eq!(entries(&lib, &query("note")).len(), 1);
}

fn damage_then_reopen(damage: impl Fn(&Path)) {
    let d = tempfile::tempdir().unwrap();
    let (r, _, ids) = review(d.path(), 1, &[("use after free", Severity::High, "a.c")]);
    drop(r);
    drop(Library::open(d.path()).unwrap());
    damage(&d.path().join("library"));
    let (lib, report) = Library::open(d.path()).unwrap();
    assert!(report.rebuilt, "{report:?}");
    assert_eq!(entries(&lib, &query("frees")), ids);
}

#[test]
fn a_deleted_library_is_rebuilt_from_the_logs() {
    damage_then_reopen(|lib| fs::remove_dir_all(lib).unwrap());
}

#[test]
fn a_deleted_state_file_rebuilds() {
    damage_then_reopen(|lib| fs::remove_file(lib.join("state.json")).unwrap());
}

#[test]
fn a_corrupt_meta_file_rebuilds() {
    damage_then_reopen(|lib| fs::write(lib.join("index/meta.json"), b"{ not json").unwrap());
}

/// The segment files of the index, by extension (`idx`, `pos`, `store`, …).
fn segment_files(lib: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(lib.join("index"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x != "json" && x != "lock"))
        .collect();
    files.sort();
    files
}

#[test]
fn a_byte_flipped_in_any_segment_file_rebuilds() {
    let probe = tempfile::tempdir().unwrap();
    drop(review(probe.path(), 1, &[("x", Severity::Low, "a.c")]).0);
    drop(Library::open(probe.path()).unwrap());
    let extensions: Vec<String> = segment_files(&probe.path().join("library"))
        .iter()
        .filter(|p| fs::metadata(p).unwrap().len() > 0)
        .filter_map(|p| p.extension().map(|x| x.to_string_lossy().into_owned()))
        .collect();
    assert!(extensions.len() >= 4, "{extensions:?}");
    for ext in extensions {
        damage_then_reopen(|lib| {
            for p in segment_files(lib).into_iter().filter(|p| p.extension().is_some_and(|x| *x == *ext)) {
                let mut bytes = fs::read(&p).unwrap();
                let mid = bytes.len() / 2;
                if let Some(b) = bytes.get_mut(mid) {
                    *b ^= 0xff;
                }
                fs::write(&p, bytes).unwrap();
            }
        });
    }
}

#[test]
fn printable_neutralises_terminal_control() {
    assert_eq!(printable("a\u{1b}[2Jb\u{202E}c\nd"), "a\u{FFFD}[2Jb\u{FFFD}c\u{FFFD}d");
}
