//! Judges the ranked index against queries with reader-judged relevant files (precision@10) and times
//! warm queries: `rank_eval DATA_DIR TREE JUDGED.json` prints one JSON line per query and a summary.
//! The index must already be built (`vitrine --data DATA_DIR search TREE '~x'`); this opens it as is.

use std::sync::Arc;
use std::time::Instant;

use vitrine_snapshot::progress::Progress;
use vitrine_snapshot::store::DataDir;
use vitrine_snapshot::{IngestConfig, Snapshot};

/// A glob over a whole path: `*` matches any run of bytes, `/` included.
fn glob(pattern: &[u8], path: &[u8]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((b'*', rest)) => (0..=path.len()).any(|i| path.get(i..).is_some_and(|p| glob(rest, p))),
        Some((c, rest)) => path.split_first().is_some_and(|(p, tail)| p == c && glob(rest, tail)),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, data, tree, judged] = args.as_slice() else {
        return Err("usage: rank_eval DATA_DIR TREE JUDGED.json".into());
    };
    let judged: serde_json::Value = serde_json::from_slice(&std::fs::read(judged)?)?;
    let queries = judged["queries"].as_array().ok_or("no queries")?;
    let snap =
        Arc::new(Snapshot::open(std::path::Path::new(tree), &IngestConfig::default(), &Progress::default())?);
    let dir =
        DataDir::resolve(Some(std::path::Path::new(data))).snapshot_dir(snap.content_key()).join("ranked");
    let opened = Instant::now();
    let index = vitrine_rank::RankIndex::open(&dir, snap.clone())?;
    let open_ms = opened.elapsed().as_secs_f64() * 1e3;
    let (mut sum_p, mut times) = (0.0f64, Vec::new());
    for q in queries {
        let text = q["query"].as_str().ok_or("query without text")?;
        let relevant: Vec<&str> =
            q["relevant"].as_array().ok_or("no relevant list")?.iter().filter_map(|v| v.as_str()).collect();
        index.search(text, 10)?; // warm-up
        let t = Instant::now();
        let hits = index.search(text, 10)?;
        let ms = t.elapsed().as_secs_f64() * 1e3;
        times.push(ms);
        let good: Vec<bool> =
            hits.iter().map(|h| relevant.iter().any(|r| glob(r.as_bytes(), h.path.as_bytes()))).collect();
        let p = good.iter().filter(|&&g| g).count() as f64 / 10.0;
        sum_p += p;
        let top: Vec<String> = hits
            .iter()
            .zip(&good)
            .map(|(h, g)| {
                format!("{}{}:{}", if *g { "+" } else { "-" }, h.path, h.function.as_deref().unwrap_or(""))
            })
            .collect();
        println!("{}", serde_json::json!({"query": text, "p_at_10": p, "ms": ms, "top": top}));
    }
    times.sort_by(f64::total_cmp);
    let median = times.get(times.len() / 2).copied().unwrap_or(0.0);
    let max = times.last().copied().unwrap_or(0.0);
    println!(
        "{}",
        serde_json::json!({
            "queries": queries.len(),
            "mean_p_at_10": sum_p / queries.len().max(1) as f64,
            "warm_query_ms_median": median,
            "warm_query_ms_max": max,
            "open_ms": open_ms,
            "documents": index.meta().documents,
            "per_function": index.meta().per_function,
            "segments": index.segments(),
            "build_ms": index.meta().build_ms,
            "fields": index.field_stats()?,
        })
    );
    Ok(())
}
