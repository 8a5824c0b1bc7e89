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
