//! Region filters (`in:comment|string|code`) counted on fixtures, and ranked concept search (`~words`)
//! through the CLI: per-function hits with the enclosing function and a marked snippet, JSON, exit codes,
//! and the index rebuilt when damaged.

use std::path::{Path, PathBuf};

use crate::support::{arg, data_dir, vitrine_os};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/ranked/fixture")
}

fn count(data: &Path, query: &str) -> (u64, u64) {
    let (code, out, err) = vitrine_os(&[
        "--data".as_ref(),
        arg(data),
        "search".as_ref(),
        arg(&fixture()),
        query.as_ref(),
        "--count".as_ref(),
        "--json".as_ref(),
    ]);
    assert!(code <= 1, "{query}: exit {code}: {err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("count JSON");
    (v["lines"].as_u64().unwrap_or(u64::MAX), v["files"].as_u64().unwrap_or(u64::MAX))
}

/// Each count was checked by hand against the fixture (`cat -n`); the unfiltered ones equal
/// `rg -c -w -i send` (2 lines in telemetry.c, 4 in tool.py).
#[test]
fn region_filters_count_only_matches_inside_the_region() {
    let (_d, data) = data_dir();
    assert_eq!(count(&data, "send"), (6, 2));
    // telemetry.c 7 (`// send endpoint`), 13 (`/* no send here */`); tool.py 1, 4 (`# send once`).
    assert_eq!(count(&data, "in:comment send"), (4, 2));
    // tool.py 3 (the docstring), 4 (`"send"`).
    assert_eq!(count(&data, "in:string send"), (2, 1));
    // tool.py 2 (`def send`); `http_send` is no whole word.
    assert_eq!(count(&data, "in:code send"), (1, 1));
    assert_eq!(count(&data, "in:comment in:string send"), (5, 2));
    // A URL in a string, a word in a comment, identifiers in code.
    assert_eq!(count(&data, "in:string telemetry"), (1, 1));
    assert_eq!(count(&data, "in:comment telemetry"), (1, 1));
    assert_eq!(count(&data, "in:code payload"), (2, 1));
    assert_eq!(count(&data, "in:comment payload"), (0, 0));
    let (code, _, err) = vitrine_os(&[
        "--data".as_ref(),
        arg(&data),
        "search".as_ref(),
        arg(&fixture()),
        "in:prose x".as_ref(),
    ]);
    assert_eq!(code, 2, "an unknown region is a usage error");
    assert!(err.contains("in: takes comment, string or code"), "{err}");
}

fn ranked(data: &Path, query: &str, json: bool) -> (u8, String, String) {
    let fixture = fixture();
    let mut args: Vec<&std::ffi::OsStr> =
        vec!["--data".as_ref(), arg(data), "search".as_ref(), arg(&fixture), query.as_ref()];
    if json {
        args.push("--json".as_ref());
    }
    vitrine_os(&args)
}

#[test]
fn ranked_search_names_the_function_and_marks_the_words() {
    let (_d, data) = data_dir();
    // Without a symbol index the ranked index is per file.
    let (code, out, err) = ranked(&data, "~send usage data", true);
    assert_eq!(code, 0, "{err}");
    let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(first["path"], "telemetry.c");
    assert!(first["function"].is_null());

    // Build the symbol index (any symbol command does), then the ranked index is rebuilt per function.
    let (code, _, err) =
        vitrine_os(&["--data".as_ref(), arg(&data), "def".as_ref(), arg(&fixture()), "send".as_ref()]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = ranked(&data, "~send usage data", true);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("rebuilt"), "{err}");
    let hits: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let first = &hits[0];
    assert_eq!(first["path"], "telemetry.c");
    assert_eq!(first["function"], "uploadTelemetryData");
    assert_eq!((first["start_line"].as_u64(), first["end_line"].as_u64()), (Some(4), Some(9)));
    assert_eq!(first["line"], 4, "the doc comment holds all three words");
    let text = first["text"].as_str().unwrap();
    let marked: Vec<&str> = first["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &text[m[0].as_u64().unwrap() as usize - 1..m[1].as_u64().unwrap() as usize - 1])
        .collect();
    assert_eq!(marked, ["sends", "usage", "data"]);
    // `add` holds only one `send` (in a comment): below; the Python function `send` is a hit too.
    let add = hits.iter().position(|h| h["function"] == "add");
    assert!(add.is_some_and(|i| i > 0), "{out}");
    assert!(hits.iter().any(|h| h["path"] == "tool.py" && h["function"] == "send"));

    // Text output: path:line, the function, the snippet with the words marked.
    let (code, out, _) = ranked(&data, "~uploadTelemetryData", false);
    assert_eq!(code, 0);
    let mut lines = out.lines();
    assert!(lines.next().unwrap().starts_with("telemetry.c:"), "{out}");
    assert!(out.contains("uploadTelemetryData (lines 4-9)"), "{out}");
    assert!(out.contains("*Upload* *telemetry*"), "{out}");

    // Nothing found: exit 1. No word at all: exit 2.
    assert_eq!(ranked(&data, "~kangaroo", false).0, 1);
    let (code, _, err) = ranked(&data, "~the of", false);
    assert_eq!(code, 2);
    assert!(err.contains("no word"), "{err}");
}

#[test]
fn a_damaged_ranked_index_is_rebuilt_and_said_so() {
    let (_d, data) = data_dir();
    assert_eq!(ranked(&data, "~telemetry", false).0, 0);
    let ranked_dir =
        std::fs::read_dir(data.join("snapshots")).unwrap().next().unwrap().unwrap().path().join("ranked");
    let mut damaged = 0;
    for e in std::fs::read_dir(&ranked_dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "term" || x == "idx") {
            let mut bytes = std::fs::read(&p).unwrap();
            let mid = bytes.len() / 2;
            bytes[mid] ^= 0x55;
            std::fs::write(&p, bytes).unwrap();
            damaged += 1;
        }
    }
    assert!(damaged > 0);
    let (code, out, err) = ranked(&data, "~telemetry", false);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("the ranked index could not be used") && err.contains("rebuilt"), "{err}");
    assert!(out.starts_with("telemetry.c:"), "{out}");
}

/// The longest run of occupied slots met while inserting `hashes` into a linear-probing table of `slots`
/// slots, probing as tantivy-stacker does (the slot after `hash & mask`, then the next ones).
fn longest_probe_run(hashes: impl Iterator<Item = u64>, slots: usize) -> usize {
    let mut taken = vec![false; slots];
    let mut longest = 0;
    for h in hashes {
        let mut at = h as usize;
        let mut run = 0;
        loop {
            at = at.wrapping_add(1) & (slots - 1);
            run += 1;
            if !taken[at] {
                taken[at] = true;
                break;
            }
        }
        longest = longest.max(run);
    }
    longest
}

/// A vendor can write comment words that all hash alike in tantivy's stock term table (MurmurHash2 under
/// a fixed seed, linear probing: `vitrine_tests::collide`), which makes indexing them quadratic in their
/// number. The workspace builds tantivy with that table keyed at run time (`compare_hash_only`: ahash,
/// keyed from getrandom): the same words spread over the table, and each is still its own term.
#[test]
fn words_written_to_collide_in_tantivys_term_table_spread_in_the_keyed_one() {
    use std::hash::Hasher;

    use vitrine_tests::collide::{murmur_colliding_words, serialized_term};

    const COMMENTS: u32 = 4;
    const WORDS: usize = 2048;
    let words = murmur_colliding_words(COMMENTS, WORDS, 7);
    let terms = || words.iter().map(|w| serialized_term(COMMENTS, w));
    // The attack is real: under the stock hash every word's term has one value, and one run holds them all.
    let stock: std::collections::HashSet<u32> = terms().map(|t| murmurhash32::murmurhash2(&t)).collect();
    assert_eq!(stock.len(), 1);
    assert_eq!(longest_probe_run(terms().map(|t| u64::from(murmurhash32::murmurhash2(&t))), 8192), WORDS);
    // Each word is one term, as written (so a comment of them reaches tantivy's table as these terms).
    let mut normalizer = vitrine_rank::Normalizer::default();
    for w in words.iter().step_by(64) {
        assert_eq!(normalizer.terms(w), std::slice::from_ref(w));
    }
    // The table tantivy fills holds 64-bit hashes (a slot of a 4-byte address and an 8-byte hash, 16
    // bytes; the stock table's 32-bit MurmurHash2 makes it 8), computed by ahash keyed at run time.
    assert_eq!(tantivy_stacker::compute_table_memory_size(1), 16, "tantivy without compare_hash_only");
    let keyed = longest_probe_run(
        terms().map(|t| {
            let mut h = ahash::AHasher::default();
            h.write(&t);
            h.finish()
        }),
        8192,
    );
    assert!(keyed < 64, "the keyed hash left a run of {keyed} slots");

    // End to end: a snapshot whose comment holds every word builds, the words are terms of field 4, and
    // any of them finds the file.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    let text = format!("/* {} */\nint main(void) {{ return 0; }}\n", words.join(" "));
    std::fs::write(src.join("a.c"), text).unwrap();
    let progress = vitrine_snapshot::progress::Progress::default();
    let config = vitrine_snapshot::IngestConfig::default();
    let snap = std::sync::Arc::new(vitrine_snapshot::Snapshot::open(&src, &config, &progress).unwrap());
    let at = dir.path().join("ranked");
    let (index, _) = vitrine_rank::open_or_build(&snap, &at, None, &progress).unwrap();
    let schema = tantivy::Index::open_in_dir(&at).unwrap().schema();
    assert_eq!(schema.get_field("comments").unwrap().field_id(), COMMENTS);
    for w in [&words[0], &words[WORDS / 2], &words[WORDS - 1]] {
        let hits = index.search(w, 10).unwrap();
        assert_eq!(hits.iter().map(|h| h.path.as_str()).collect::<Vec<_>>(), ["a.c"], "{w}");
    }
}
