//! Reads a bundle and verifies it (without a snapshot), reporting wall time, CPU time and peak memory: the
//! verify phase of `bench` on its own, for profiling (`BENCH_KEEP=1 scripts/bench-record.sh` keeps the
//! bundle, `bench.vitrine`, next to the review).
//!
//! `cargo run --release -p vitrine_record --example verify -- FILE [RUNS]`.

use std::time::Instant;

use vitrine_record::RecordError;
use vitrine_record::bundle::{self, BundleFiles};

fn cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = after.split_whitespace().map(|x| x.parse().unwrap_or(0.0)).collect();
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("VmHWM:")
                    .map(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().unwrap_or(0.0))
            })
        })
        .unwrap_or(0.0)
        / 1024.0
}

fn main() -> Result<(), RecordError> {
    let mut args = std::env::args().skip(1);
    let file = std::path::PathBuf::from(
        args.next().ok_or_else(|| RecordError::Usage("usage: verify FILE [RUNS]".into()))?,
    );
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    for _ in 0..runs {
        let t = Instant::now();
        let c = cpu_s();
        let files = BundleFiles::read(&file)?;
        let read_s = t.elapsed().as_secs_f64();
        let read_cpu = cpu_s() - c;
        let report = bundle::verify(&files, None);
        let load_average = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        println!(
            "read {read_s:.2} s ({read_cpu:.2} CPU s); read + verify: {} entries in {:.2} s ({} threads, \
             {:.2} CPU s, load average {}), valid {}, {} problems; peak RSS {:.0} MB",
            report.entry_files,
            t.elapsed().as_secs_f64(),
            rayon::current_num_threads(),
            cpu_s() - c,
            load_average.split_whitespace().next().unwrap_or("?"),
            report.is_valid(),
            report.problems.len(),
            peak_rss_mb()
        );
    }
    Ok(())
}
