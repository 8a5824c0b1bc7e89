//! Benchmark driver for scripts/bench-compare.sh: opens two directories and prints what `vitrine diff
//! --stat` prints (git's numstat lines), through the same library calls, without building the window.

use std::io::Write;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [old, new] = args.as_slice() else {
        return Err("usage: comparebench OLD NEW".into());
    };
    let config = vitrine_snapshot::IngestConfig::default();
    let progress = vitrine_snapshot::Progress::default();
    // As `vitrine diff` opens them: together, so the bytes both share are hashed and analysed once.
    let (old, new) = vitrine_snapshot::Snapshot::open_pair(old, new, &config, &progress)?;
    let started = std::time::Instant::now();
    let d = vitrine_compare::diff(&old, &new, &Default::default())?;
    let elapsed = started.elapsed();
    let mut out = std::io::stdout().lock();
    let count = |n: Option<u64>| n.map_or_else(|| "-".to_string(), |n| n.to_string());
    for f in &d.files {
        let path = match (&f.old_path, &f.new_path) {
            (Some(o), Some(n)) if o != n => format!("{o} => {n}"),
            _ => f.path().to_string(),
        };
        writeln!(out, "{}\t{}\t{path}", count(f.additions), count(f.deletions))?;
    }
    eprintln!(
        "diff (after both snapshots are open): {:.3} s, {} files",
        elapsed.as_secs_f64(),
        d.files.len()
    );
    Ok(())
}
