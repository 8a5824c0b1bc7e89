//! Highlighting benchmark: `hlbench FILE [REPEAT]` highlights FILE (its text repeated REPEAT times to
//! make a huge file), then prints the time of the first open at the top, of a first jump to the last
//! visible rows (one pass up to there), of the background `prepare` pass, and of showing 50 rows at
//! random places once prepared.

use std::time::Instant;

use vitrine_syntax::{HighlightCache, syntax_for};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: hlbench FILE [REPEAT]");
        std::process::exit(2);
    };
    let repeat: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(1);
    let Ok(one) = std::fs::read_to_string(path) else {
        eprintln!("cannot read {path} as UTF-8");
        std::process::exit(2);
    };
    let text = one.repeat(repeat);
    let syntax = syntax_for(path, one.as_bytes());
    let rows = 50;

    let t = Instant::now();
    let mut cache = HighlightCache::new(text.as_str(), syntax);
    cache.highlight_range(0..rows);
    let first_ms = t.elapsed().as_secs_f64() * 1000.0;
    let lines = cache.line_count();

    let mut jump = HighlightCache::new(text.as_str(), syntax);
    let t = Instant::now();
    jump.highlight_range(lines.saturating_sub(rows)..lines);
    let jump_ms = t.elapsed().as_secs_f64() * 1000.0;

    let t = Instant::now();
    while !cache.prepare(10_000) {}
    let prepare_ms = t.elapsed().as_secs_f64() * 1000.0;

    let mut worst = 0f64;
    let mut total = 0f64;
    let samples = 200usize;
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..samples {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let start = (seed as usize) % lines.max(1);
        let t = Instant::now();
        cache.highlight_range(start..(start + rows).min(lines));
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        worst = worst.max(ms);
        total += ms;
    }
    println!(
        "{{\"file\":{path:?},\"syntax\":{:?},\"lines\":{lines},\"first_rows_ms\":{first_ms:.1},\"first_jump_to_end_ms\":{jump_ms:.1},\"prepare_all_ms\":{prepare_ms:.1},\"visible_rows_after_prepare_mean_ms\":{:.2},\"visible_rows_after_prepare_worst_ms\":{worst:.2}}}",
        syntax.name(),
        total / samples as f64
    );
}
