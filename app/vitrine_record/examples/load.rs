//! Opens an existing review directory (load and re-verify every entry) and reports the time it took: the
//! load phase of `bench` on its own, for profiling (`BENCH_KEEP=1 scripts/bench-record.sh` keeps a review).
//!
//! `cargo run --release -p vitrine_record --example load -- DIR [SNAPSHOT] [RUNS]`; SNAPSHOT defaults to the
//! one recorded in `DIR/snapshot`. Each run also reopens the review knowing the signatures it has just
//! verified, as the window does for every write.

use std::time::Instant;

use vitrine_record::{RecordError, Review};

fn cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = after.split_whitespace().map(|x| x.parse().unwrap_or(0.0)).collect();
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}

fn main() -> Result<(), RecordError> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(
        args.next().ok_or_else(|| RecordError::Usage("usage: load DIR [SNAPSHOT] [RUNS]".into()))?,
    );
    let snapshot = match args.next() {
        Some(s) if s != "-" => s,
        _ => {
            let p = dir.join("snapshot");
            std::fs::read_to_string(&p).map_err(RecordError::io("read", &p))?.trim().to_owned()
        }
    };
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    for _ in 0..runs {
        let t = Instant::now();
        let c = cpu_s();
        let review = Review::open(&dir, &snapshot)?;
        let wall = t.elapsed().as_secs_f64();
        let cpu = cpu_s() - c;
        let load_average = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        println!(
            "load + re-verify: {} entries in {wall:.3} s ({} threads, {cpu:.2} CPU s, load average {}), {} \
             problems",
            review.entries().len(),
            rayon::current_num_threads(),
            load_average.split_whitespace().next().unwrap_or("?"),
            review.problems().len()
        );
        // What the window does for each write: reopen, knowing the signatures it verified.
        let known = vitrine_record::KnownSignatures::of(review.entries());
        drop(review);
        let t = Instant::now();
        let c = cpu_s();
        let review = Review::open_knowing(&dir, &snapshot, &known)?;
        println!(
            "reopen knowing its signatures: {} entries in {:.3} s ({:.2} CPU s)",
            review.entries().len(),
            t.elapsed().as_secs_f64(),
            cpu_s() - c
        );
    }
    Ok(())
}
