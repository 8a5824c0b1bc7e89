//! Benchmark driver for `scripts/bench-search.sh`: builds an index, or runs queries against one, and
//! prints timings as JSON lines. Not part of the product; timings are measured here, never in tests.
//!
//! ```text
//! search_bench build TREE INDEX_DIR              ingest, then build; {"ingest_ms", "build_ms", ...}
//! search_bench query TREE INDEX_DIR RUNS QUERY...  per query: open (first query only), first page
//!                                                (100 lines) and full count, median of RUNS in process
//! search_bench first TREE INDEX_DIR RUNS QUERY      only the first page, RUNS times (for `perf record`)
//! ```
//! `query` with RUNS = 1 in a fresh process is the "cold" measurement (the script evicts the page cache
//! of the index and the tree first where it can).

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use vitrine_search::{Index, Query, SearchOptions};
use vitrine_snapshot::progress::Progress;
use vitrine_snapshot::{IngestConfig, Snapshot};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("build") => build(Path::new(&args[2]), Path::new(&args[3])),
        Some("query") => {
            query(Path::new(&args[2]), Path::new(&args[3]), args[4].parse().unwrap(), &args[5..])
        }
        Some("first") => {
            first_pages(Path::new(&args[2]), Path::new(&args[3]), args[4].parse().unwrap(), &args[5])
        }
        _ => {
            eprintln!("usage: search_bench build TREE INDEX_DIR | query TREE INDEX_DIR RUNS QUERY...");
            std::process::exit(2);
        }
    }
}

fn build(tree: &Path, dir: &Path) {
    let t = Instant::now();
    let snap = Snapshot::open(tree, &IngestConfig::default(), &Progress::default()).expect("ingest");
    let ingest_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let meta = vitrine_search::build_into(&snap, dir, &Progress::default()).expect("build");
    let build_ms = t.elapsed().as_secs_f64() * 1000.0;
    println!(
        "{{\"ingest_ms\": {ingest_ms:.0}, \"build_ms\": {build_ms:.0}, \"files_indexed\": {}, \"bytes_indexed\": {}, \"index_bytes\": {}, \"tree\": \"{}\"}}",
        meta.files_indexed,
        meta.bytes_indexed,
        meta.trigrams_bin_bytes + meta.files_bin_bytes,
        meta.tree_sha256
    );
}

/// Opens the index; the snapshot's files are read through its manifest, taken from an ingest cache next
/// to the index (so that only the first run reads the whole tree).
fn open(tree: &Path, dir: &Path) -> Index {
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("meta.json")).unwrap()).unwrap();
    let config =
        IngestConfig { cache_dir: Some(dir.with_extension("ingest-cache")), ..IngestConfig::default() };
    let snap = Snapshot::open(tree, &config, &Progress::default()).expect("ingest");
    Index::open(dir, meta["tree_sha256"].as_str().unwrap(), snap.content()).expect("open index")
}

fn first_page(index: &Index, q: &str) -> u64 {
    let query = Query::new(q).expect("query");
    let opts = SearchOptions { with_text: true, stop_after_lines: Some(100) };
    let mut lines = 0u64;
    index
        .search(&query, &opts, &AtomicBool::new(false), &mut |h| {
            lines += h.lines.len() as u64;
            true
        })
        .expect("search");
    lines
}

fn first_pages(tree: &Path, dir: &Path, runs: usize, q: &str) {
    let index = open(tree, dir);
    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        first_page(&index, q);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!("{}", serde_json::json!({"query": q, "runs": runs, "first_page_ms": median(times)}));
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn query(tree: &Path, dir: &Path, runs: usize, queries: &[String]) {
    let t = Instant::now();
    let index = open(tree, dir);
    let open_ms = t.elapsed().as_secs_f64() * 1000.0;
    let cancel = AtomicBool::new(false);
    for q in queries {
        let mut first = Vec::new();
        let mut full = Vec::new();
        let mut counts = (0, 0, 0);
        for _ in 0..runs {
            // First page: the first 100 lines with their text, as the window shows them.
            let t = Instant::now();
            first_page(&index, q);
            first.push(t.elapsed().as_secs_f64() * 1000.0);
            // Full count: every matching line, no text.
            let t = Instant::now();
            let query = Query::new(q).expect("query");
            let opts = SearchOptions { with_text: false, stop_after_lines: None };
            let s = index.search(&query, &opts, &cancel, &mut |_| true).expect("search");
            full.push(t.elapsed().as_secs_f64() * 1000.0);
            counts = (s.lines, s.files, s.candidates);
        }
        println!(
            "{}",
            serde_json::json!({
                "query": q, "runs": runs, "open_ms": open_ms,
                "first_page_ms": median(first), "count_ms": median(full),
                "lines": counts.0, "files": counts.1, "candidates": counts.2,
            })
        );
    }
}
