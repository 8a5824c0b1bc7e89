//! Building, querying, reusing and rebuilding the ranked index on a small tree.

use std::sync::Arc;

use vitrine_snapshot::progress::Progress;
use vitrine_snapshot::{IngestConfig, Snapshot};

use super::*;

const TELEMETRY: &str = "// SPDX-License-Identifier: GPL-2.0\n#include <net.h>\n\n/*\n * Periodically upload usage statistics to the vendor.\n */\nstatic int uploadTelemetryData(struct buf *b)\n{\n\treturn http_post(\"https://collect.example/metrics\", b);\n}\n\nstatic int add(int a, int b)\n{\n\treturn a + b;\n}\n";
const LICENCE: &str = "/* Checks the licence key before the feature is enabled. */\nbool check_license_key(const char *key)\n{\n\treturn verify_signature(key);\n}\n";
const OTHER: &str = "int main(void) { return sum(1, 2); } /* arithmetic only */\n";

fn tree() -> (tempfile::TempDir, Arc<Snapshot>) {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("net")).unwrap();
    std::fs::write(src.join("net/stats.c"), TELEMETRY).unwrap();
    std::fs::write(src.join("licence.c"), LICENCE).unwrap();
    std::fs::write(src.join("main.c"), OTHER).unwrap();
    let snap = Snapshot::open(&src, &IngestConfig::default(), &Progress::default()).unwrap();
    (dir, Arc::new(snap))
}

fn functions() -> Functions {
    let mut f = Functions::new();
    f.insert("net/stats.c".into(), vec![("uploadTelemetryData".into(), 6, 9), ("add".into(), 11, 14)]);
    f.insert("licence.c".into(), vec![("check_license_key".into(), 1, 4)]);
    f
}

#[test]
fn ranked_hits_name_the_function_and_mark_the_words() {
    let (dir, snap) = tree();
    let at = dir.path().join("data/ranked");
    let (index, opened) = open_or_build(&snap, &at, Some(&functions()), &Progress::default()).unwrap();
    assert_eq!(opened, Opened::Built);
    assert!(index.meta().per_function);
    let hits = index.search("send telemetry upload", 10).unwrap();
    let first = &hits[0];
    assert_eq!(first.path, "net/stats.c");
    assert_eq!(first.function.as_deref(), Some("uploadTelemetryData"));
    assert_eq!((first.start_line, first.end_line), (4, 10), "from its doc comment to its end");
    let snip = first.snippet.as_ref().unwrap();
    assert_eq!(snip.line, 7, "the line with both words");
    let marked: Vec<&str> = snip.ranges.iter().map(|&(s, e)| &snip.text[s..e]).collect();
    assert_eq!(marked, ["upload", "Telemetry"]);
    // `add` shares no word with the query: it is not a hit at all.
    assert!(hits.iter().all(|h| h.function.as_deref() != Some("add")));

    // Stemming and identifier splitting meet in the middle: "licences checking" finds check_license_key.
    let hits = index.search("checking licence keys", 10).unwrap();
    assert_eq!(hits[0].function.as_deref(), Some("check_license_key"));
    assert!(matches!(index.search("the of", 10), Err(RankError::EmptyQuery)));
}

#[test]
fn without_functions_each_file_is_a_document() {
    let (dir, snap) = tree();
    let at = dir.path().join("ranked");
    let (index, _) = open_or_build(&snap, &at, None, &Progress::default()).unwrap();
    assert!(!index.meta().per_function);
    assert_eq!(index.meta().documents, 3);
    let hits = index.search("uploadTelemetryData", 10).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!((hits[0].path.as_str(), hits[0].function.as_deref()), ("net/stats.c", None));
    // Once functions are known, the per-file index is rebuilt per function.
    let (index, opened) = open_or_build(&snap, &at, Some(&functions()), &Progress::default()).unwrap();
    assert!(matches!(opened, Opened::Rebuilt { .. }));
    assert!(index.meta().documents > 3);
}

#[test]
fn a_built_index_is_reused_and_a_damaged_one_rebuilt() {
    let (dir, snap) = tree();
    let at = dir.path().join("ranked");
    open_or_build(&snap, &at, None, &Progress::default()).unwrap();
    let (_, opened) = open_or_build(&snap, &at, None, &Progress::default()).unwrap();
    assert_eq!(opened, Opened::Reused);

    // Flip a byte in the middle of every segment file: the open fails, on the footer checksum or earlier
    // on what tantivy decodes first (which of the two depends on the segment's layout, and the build is
    // parallel), and the index is rebuilt.
    for e in std::fs::read_dir(&at).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".idx") || name.ends_with(".term") {
            let mut bytes = std::fs::read(&p).unwrap();
            let mid = bytes.len() / 2;
            bytes[mid] ^= 0xff;
            std::fs::write(&p, bytes).unwrap();
        }
    }
    let (index, opened) = open_or_build(&snap, &at, None, &Progress::default()).unwrap();
    let Opened::Rebuilt { reason } = opened else { panic!("expected a rebuild, got {opened:?}") };
    assert!(reason.starts_with("ranked index ") && reason.contains(&*at.to_string_lossy()), "{reason}");
    assert!(reason.len() > "ranked index ".len() + at.as_os_str().len() + 2, "the cause is named: {reason}");
    assert_eq!(index.search("telemetry", 5).unwrap()[0].path, "net/stats.c");

    // An unfinished build (no ranked.json) and a ranked.json of another snapshot are both rebuilt.
    std::fs::remove_file(at.join("ranked.json")).unwrap();
    let (_, opened) = open_or_build(&snap, &at, None, &Progress::default()).unwrap();
    assert!(matches!(opened, Opened::Rebuilt { .. }), "{opened:?}");
    let meta = at.join("ranked.json");
    let text =
        std::fs::read_to_string(&meta).unwrap().replace(&snap.content_key().to_string(), &"0".repeat(64));
    std::fs::write(&meta, text).unwrap();
    let (_, opened) = open_or_build(&snap, &at, None, &Progress::default()).unwrap();
    let Opened::Rebuilt { reason } = opened else { panic!("expected a rebuild") };
    assert!(reason.contains("another snapshot"), "{reason}");
}

#[test]
fn an_index_of_another_format_is_rebuilt() {
    let (dir, snap) = tree();
    let at = dir.path().join("ranked");
    open_or_build(&snap, &at, None, &Progress::default()).unwrap();
    let meta = at.join("ranked.json");
    // Every earlier format (what an older Vitrine left on disk: format 2 still had C keywords and
    // number literals among the identifier terms) is rebuilt, not read.
    for old_format in 1..FORMAT {
        let text = std::fs::read_to_string(&meta).unwrap();
        let old = text.replace(&format!("\"format\": {FORMAT}"), &format!("\"format\": {old_format}"));
        assert_ne!(old, text);
        std::fs::write(&meta, old).unwrap();
        let (index, opened) = open_or_build(&snap, &at, None, &Progress::default()).unwrap();
        let Opened::Rebuilt { reason } = opened else { panic!("expected a rebuild, got {opened:?}") };
        assert!(reason.contains(&format!("format {old_format} ")), "{reason}");
        assert_eq!(index.meta().format, FORMAT);
    }
}

/// A tree of `files` small C files, each with one function, and their functions.
fn many_files(root: &std::path::Path, files: usize) -> (Arc<Snapshot>, Functions) {
    let src = root.join("src");
    std::fs::create_dir_all(&src).unwrap();
    let mut functions = Functions::new();
    for i in 0..files {
        let words = ["upload", "telemetry", "buffer", "licence", "checksum"];
        let (a, b) = (words[i % 5], words[(i / 5) % 5]);
        std::fs::write(
            src.join(format!("f{i}.c")),
            format!("/* part {i}: {a} {a} {b} */\nint f{i}_{b}(void)\n{{\n\treturn {a}_{i}();\n}}\n"),
        )
        .unwrap();
        functions.insert(format!("f{i}.c"), vec![(format!("f{i}_{b}"), 1, 4)]);
    }
    (Arc::new(Snapshot::open(&src, &IngestConfig::default(), &Progress::default()).unwrap()), functions)
}

#[test]
fn scores_do_not_depend_on_the_segments() {
    let dir = tempfile::tempdir().unwrap();
    let (snap, functions) = many_files(dir.path(), 2000);
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    build_with(&snap, &one, Some(&functions), &Progress::default(), 1).unwrap();
    build_with(&snap, &two, Some(&functions), &Progress::default(), MAX_SEGMENTS).unwrap();
    let (one, two) = (RankIndex::open(&one, snap.clone()).unwrap(), RankIndex::open(&two, snap).unwrap());
    assert_eq!(one.segments(), 1);
    // 2,000 documents go to both writer threads: each leaves its segment, and nothing is merged.
    assert_eq!(two.segments(), MAX_SEGMENTS);
    assert_eq!(one.meta().documents, 2000);
    for query in ["upload telemetry", "licence checksum buffer", "part"] {
        let key = |hits: Vec<RankedHit>| -> Vec<(String, Option<String>, u32)> {
            let mut hits: Vec<_> =
                hits.into_iter().map(|h| (h.path, h.function, (h.score * 1e4).round() as u32)).collect();
            // Equal scores may come in either order: compare them as sets.
            hits.sort();
            hits
        };
        let (a, b) = (one.search(query, 3000).unwrap(), two.search(query, 3000).unwrap());
        assert!(!a.is_empty());
        assert_eq!(key(a), key(b), "{query}");
    }
}

#[test]
fn path_words_leave_the_extension_out() {
    assert_eq!(crate::without_extension(b"net/ipv4/tcp_cong.c"), b"net/ipv4/tcp_cong");
    assert_eq!(crate::without_extension(b"a.b/Makefile"), b"a.b/Makefile");
    assert_eq!(crate::without_extension(b"x/.gitignore"), b"x/.gitignore");
    assert_eq!(crate::without_extension(b"doc.tar.gz"), b"doc.tar");
    assert_eq!(crate::without_extension(b"README"), b"README");
}

#[test]
fn merges_share_the_documents_and_leave_few_segments_alone() {
    assert!(crate::merge_groups::<u8>(&[], 2).is_empty());
    assert!(crate::merge_groups(&[(1u8, 10), (2, 20)], 2).is_empty());
    assert!(crate::merge_groups(&[(1u8, 10), (2, 20)], 1).len() == 1);
    // Largest first, each to the lighter group (the first of equals): 50 + 5 | 30 + 20.
    assert_eq!(crate::merge_groups(&[(1u8, 20), (2, 50), (3, 5), (4, 30)], 2), [vec![2, 3], vec![4, 1]]);
    let groups = crate::merge_groups(&[(1u8, 10), (2, 10), (3, 10), (4, 10), (5, 10), (6, 10)], 2);
    assert_eq!(groups.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3]);
}

#[test]
fn query_terms_are_split_and_stemmed_like_the_code() {
    assert_eq!(RankIndex::terms("uploadTelemetry sending the DATA"), ["upload", "telemetri", "send", "data"]);
    assert!(RankIndex::terms("(( ::: ))").is_empty());
}

#[test]
fn snippets_find_every_word_form_and_the_line_test_never_skips_a_holding_line() {
    let terms = RankIndex::terms("happiness hoping dying skies");
    let text =
        "nothing here\nHAPPY path\nfor Hoping and dyingNow\n/* the sky is \u{212A}elvin */\r\nsky SKIES\n";
    let fast = Wanted::new(&terms);
    let slow = Wanted { prefixes: None, ..Wanted::new(&terms) };
    let s = best_line(text.as_bytes(), 1, 9, &fast).unwrap();
    assert_eq!((s.line, s.text.as_str()), (3, "for Hoping and dyingNow"));
    let marked: Vec<&str> = s.ranges.iter().map(|&(a, b)| &s.text[a..b]).collect();
    assert_eq!(marked, ["Hoping", "dying"]);
    // Every range of lines gives what reading every line word by word gives.
    for start in 1..=6 {
        for end in start..=6 {
            assert_eq!(
                best_line(text.as_bytes(), start, end, &fast),
                best_line(text.as_bytes(), start, end, &slow),
                "{start}..={end}"
            );
        }
    }
    assert_eq!(best_line(text.as_bytes(), 2, 2, &fast).map(|s| s.ranges), Some(vec![(0, 5)]));
    assert_eq!(best_line(text.as_bytes(), 5, 5, &fast).map(|s| s.ranges), Some(vec![(0, 3), (4, 9)]));
    assert_eq!(best_line(text.as_bytes(), 1, 1, &fast), None);
}

#[test]
fn an_index_built_per_function_is_reused_without_loading_the_functions() {
    let (dir, snap) = tree();
    let at = dir.path().join("ranked");
    open_or_build(&snap, &at, Some(&functions()), &Progress::default()).unwrap();
    let loaded = std::cell::Cell::new(false);
    let (index, opened) = crate::open_or_build_lazy(
        &snap,
        &at,
        || {
            loaded.set(true);
            Some(functions())
        },
        &Progress::default(),
    )
    .unwrap();
    assert_eq!(opened, Opened::Reused);
    assert!(index.meta().per_function);
    assert!(!loaded.get(), "the functions were loaded for nothing");
    // A per-file index asks for them, and is rebuilt per function when they exist.
    let per_file = dir.path().join("per-file");
    open_or_build(&snap, &per_file, None, &Progress::default()).unwrap();
    let (index, opened) =
        crate::open_or_build_lazy(&snap, &per_file, || Some(functions()), &Progress::default()).unwrap();
    assert!(matches!(opened, Opened::Rebuilt { .. }), "{opened:?}");
    assert!(index.meta().per_function);
}
