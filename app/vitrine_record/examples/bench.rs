//! Benchmark of the review record: annotate N entries, reopen (load + re-verify), export, verify.
//!
//! `cargo run --release -p vitrine_record --example bench -- [N] [DIR]`; prints one line per phase and a
//! JSON summary. DIR (default: a temporary directory) must be on the disk whose speed you want to know,
//! since every entry is synced before it counts as written.

use std::time::Instant;

use vitrine_record::bundle::{self, BundleFiles, ExportConfig, SnapshotData};
use vitrine_record::entry::{Target, blob_id, quote_lines};
use vitrine_record::time::OffsetDateTime;
use vitrine_record::{Class, Draft, Kind, RecordError, Review, Severity, Signer, allowed};

/// Entries appended one by one (each synced, with its directory) before switching to batches, to measure
/// the interactive path too.
const SINGLE: usize = 1_000;
const BATCH: usize = 1_000;

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

/// The 1-minute load average (`/proc/loadavg`): on a shared machine, the wall times mean little without it.
fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|x| x.parse().ok()))
        .unwrap_or(0.0)
}

/// CPU seconds (user + system, all threads) used by this process so far: with a busy machine the wall
/// time says little, the CPU time still says what the work costs.
fn cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = after.split_whitespace().map(|x| x.parse().unwrap_or(0.0)).collect();
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}

fn draft(i: usize, content: &[u8]) -> Draft {
    let line = (i % 40) as u64 + 1;
    let mut d = Draft::new(Kind::Annotation);
    d.target = Some(Target {
        path: format!("src/file{:03}.c", i % 500),
        path_bytes: None,
        blob: blob_id(content),
        lines: Some([line, line + 2]),
        quote: quote_lines(content, line, line + 2),
    });
    d.class = Some(if i.is_multiple_of(3) { Class::Question } else { Class::Finding });
    d.severity = Some(Severity::Medium);
    d.category = Some("memory-safety".into());
    d.body =
        Some(format!("Entry {i}: the length is not checked before the copy into the fixed-size buffer."));
    d
}

fn main() -> Result<(), RecordError> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let tmp = tempfile_dir(args.next())?;
    let content: Vec<u8> =
        (0..50).map(|i| format!("    line {i} of a C file;\n")).collect::<String>().into_bytes();
    let mut bench = Bench {
        n,
        dir: tmp.join("review"),
        snapshot: "5a".repeat(32),
        content,
        signer: Signer::generate("bench@example")?,
        now: OffsetDateTime::now_utc(),
        summary: serde_json::Map::new(),
    };
    bench.annotate()?;
    let review = bench.load()?;
    let out = bench.export(review, &tmp)?;
    bench.verify(&out)?;
    bench.put("peak_rss_mb", peak_rss_mb().round().into());
    bench.put("entries", n.into());
    println!("{}", serde_json::Value::Object(bench.summary));
    if std::env::var_os("BENCH_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    Ok(())
}

/// One run: what every phase works on, and the JSON summary the phases fill in.
struct Bench {
    n: usize,
    /// The review's directory.
    dir: std::path::PathBuf,
    snapshot: String,
    /// The annotated file's content.
    content: Vec<u8>,
    signer: Signer,
    now: OffsetDateTime,
    summary: serde_json::Map<String, serde_json::Value>,
}

impl Bench {
    fn put(&mut self, k: &str, v: serde_json::Value) {
        self.summary.insert(k.into(), v);
    }

    /// Annotate: the first entries one by one, the rest in batches.
    fn annotate(&mut self) -> Result<(), RecordError> {
        let (n, now) = (self.n, self.now);
        let t = Instant::now();
        {
            let mut review = Review::open(&self.dir, &self.snapshot)?;
            review.add_person(allowed::person(
                "bench@example",
                "reviewer",
                &self.signer.public_openssh()?,
            )?)?;
            let single = SINGLE.min(n);
            let t1 = Instant::now();
            for i in 0..single {
                review.append(&self.signer, draft(i, &self.content), now)?;
            }
            let single_s = t1.elapsed().as_secs_f64();
            println!(
                "annotate one by one: {single} entries in {single_s:.2} s = {:.0} entries/s",
                single as f64 / single_s
            );
            self.put("annotate_single_entries_per_s", (single as f64 / single_s).round().into());
            let mut i = single;
            let t2 = Instant::now();
            while i < n {
                let end = (i + BATCH).min(n);
                review.append_many(&self.signer, (i..end).map(|k| draft(k, &self.content)).collect(), now)?;
                i = end;
            }
            let batch_s = t2.elapsed().as_secs_f64();
            if n > single {
                println!(
                    "annotate in batches of {BATCH}: {} entries in {batch_s:.2} s = {:.0} entries/s",
                    n - single,
                    (n - single) as f64 / batch_s
                );
                self.put("annotate_batch_entries_per_s", ((n - single) as f64 / batch_s).round().into());
            }
        }
        let annotate_s = t.elapsed().as_secs_f64();
        println!(
            "annotate total: {n} entries in {annotate_s:.2} s = {:.0} entries/s; peak RSS {:.0} MB",
            n as f64 / annotate_s,
            peak_rss_mb()
        );
        self.put("annotate_entries_per_s", (n as f64 / annotate_s).round().into());
        Ok(())
    }

    /// Load: open the review again, which re-reads and re-verifies every entry.
    fn load(&mut self) -> Result<Review, RecordError> {
        let n = self.n;
        let t = Instant::now();
        let c = cpu_s();
        let review = Review::open(&self.dir, &self.snapshot)?;
        let load_s = t.elapsed().as_secs_f64();
        let load_cpu = cpu_s() - c;
        assert_eq!(review.entries().len(), n);
        let load_average = load_average();
        println!(
            "load + re-verify: {n} entries in {load_s:.2} s ({} threads, {load_cpu:.2} CPU s, load average \
             {load_average:.1}); peak RSS {:.0} MB",
            rayon::current_num_threads(),
            peak_rss_mb()
        );
        self.put("load_average", load_average.into());
        self.put("load_s", ((load_s * 1000.0).round() / 1000.0).into());
        self.put("load_cpu_s", ((load_cpu * 100.0).round() / 100.0).into());
        Ok(review)
    }

    /// Export the review as a bundle in `tmp`; returns the bundle's path.
    fn export(
        &mut self,
        mut review: Review,
        tmp: &std::path::Path,
    ) -> Result<std::path::PathBuf, RecordError> {
        let n = self.n;
        let read = |_: &[u8]| Some(self.content.clone());
        let config = ExportConfig {
            snapshot: SnapshotData {
                tree_sha256: self.snapshot.clone(),
                tree_sha1: "5a".repeat(20),
                swhid: format!("swh:1:dir:{}", "5a".repeat(20)),
                manifest: Vec::new(),
                read: &read,
            },
            health_json: b"{}".to_vec(),
            tool: "bench".into(),
            questions_only: false,
            now: self.now,
        };
        let t = Instant::now();
        let files = bundle::export(&mut review, &self.signer, &config)?;
        let out = tmp.join("bench.vitrine");
        files.write(&out, 0)?;
        let export_s = t.elapsed().as_secs_f64();
        let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
        drop(files);
        drop(review);
        println!(
            "export: {n} entries in {export_s:.2} s = {:.0} entries/s; bundle {:.1} MB; peak RSS {:.0} MB",
            n as f64 / export_s,
            size as f64 / 1e6,
            peak_rss_mb()
        );
        self.put("export_entries_per_s", (n as f64 / export_s).round().into());
        self.put("bundle_mb", ((size as f64 / 1e5).round() / 10.0).into());
        Ok(out)
    }

    /// Verify the bundle at `out`, on one thread and on all.
    fn verify(&mut self, out: &std::path::Path) -> Result<(), RecordError> {
        let n = self.n;
        let files = BundleFiles::read(out)?;
        for threads in [1, rayon::current_num_threads()] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .map_err(|e| RecordError::Usage(e.to_string()))?;
            let t = Instant::now();
            let c = cpu_s();
            let report = pool.install(|| bundle::verify(&files, None));
            let verify_s = t.elapsed().as_secs_f64();
            let verify_cpu = cpu_s() - c;
            assert!(report.is_valid(), "{:?}", report.problems.first());
            println!(
                "verify on {threads} thread(s): {n} entries in {verify_s:.2} s = {:.0} entries/s \
                 ({verify_cpu:.2} CPU s = {:.0} entries per CPU second)",
                n as f64 / verify_s,
                n as f64 / verify_cpu
            );
            self.put(
                &format!("verify_{threads}_thread_entries_per_cpu_s"),
                (n as f64 / verify_cpu).round().into(),
            );
            self.put(&format!("verify_{threads}_thread_entries_per_s"), (n as f64 / verify_s).round().into());
        }
        Ok(())
    }
}

fn tempfile_dir(arg: Option<String>) -> Result<std::path::PathBuf, RecordError> {
    let base = arg.map(std::path::PathBuf::from).unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("vitrine-record-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(RecordError::io("create directory", &dir))?;
    Ok(dir)
}
