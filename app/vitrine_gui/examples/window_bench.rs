//! The window, cold: the real window's code (`VitrineApp::ui_root`, driven headless by egui_kittest at
//! the 10 Hz the window repaints at while busy) opens a snapshot with an empty data directory, and a
//! query is typed as soon as the snapshot is open. Reports, in wall-clock seconds from the start: the
//! snapshot open, the first search results (and whether a scan gave them), the search's end, the search
//! index ready, the symbols ready, the ranked index ready (built last, for the Ranked mode); and the
//! resident memory (peak; when the search and symbol indexes are ready; after every build has ended,
//! and the heap the allocator holds free then; anonymous and file-backed apart).
//!
//! Usage: cargo run --release -p vitrine_gui --example window_bench -- SNAPSHOT_DIR [--query Q]
//!        [--data DIR]   (an existing data directory: the window reopened, as after a restart)

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use vitrine_gui::{AppState, LoadCmd, Prefs, VitrineApp};
use vitrine_snapshot::store::DataDir;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let snap = args.first().filter(|a| !a.starts_with("--")).ok_or("usage: window_bench SNAPSHOT_DIR")?;
    let opt = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let query = opt("--query").unwrap_or_else(|| "kmalloc".to_owned());
    let tmp = tempfile::tempdir()?;
    let data = opt("--data").map_or_else(|| tmp.path().join("data"), std::path::PathBuf::from);
    let fresh = !data.exists();
    let start = Instant::now();
    let mut state = AppState::new(DataDir::at(&data), Prefs::default());
    state.apply(LoadCmd::Open(snap.into()));
    let app = VitrineApp::new(state);
    let mut h = Harness::builder()
        .with_size(egui::vec2(1500.0, 940.0))
        .with_max_steps(1000)
        .allow_missing_glyphs()
        .build_ui_state(|ui, app: &mut VitrineApp| app.ui_root(ui), app);
    let secs = |t: Instant| t.duration_since(start).as_secs_f64();
    let mut loaded = None;
    let mut first_hit: Option<(f64, bool)> = None;
    let mut search_done: Option<(f64, bool, u64)> = None;
    let mut index_ready = None;
    let mut symbols_ready = None;
    let mut ranked_ready = None;
    let mut rss_at_symbols = None;
    let mut frames = 0u64;
    let mut frame_cpu = Duration::ZERO;
    let mut worst_frame = Duration::ZERO;
    loop {
        let t = Instant::now();
        h.step();
        let spent = t.elapsed();
        frames += 1;
        frame_cpu += spent;
        worst_frame = worst_frame.max(spent);
        let now = Instant::now();
        let s = &h.state().state;
        if loaded.is_none() && matches!(s.load, vitrine_gui::state::Load::Ready) {
            loaded = Some(secs(now));
            h.state_mut().state.apply(vitrine_gui::state::SearchCmd::SetQuery(query.clone()));
            continue;
        }
        if let vitrine_gui::state::Load::Failed { error, .. } = &s.load {
            return Err(error.clone().into());
        }
        if loaded.is_some() {
            if first_hit.is_none() && !s.search.files.is_empty() {
                first_hit = Some((secs(now), s.search.scanning));
            }
            if search_done.is_none()
                && let Some(sum) = &s.search.summary
            {
                search_done = Some((secs(now), s.search.scanning, sum.lines));
            }
            if index_ready.is_none()
                && matches!(s.search.index, vitrine_gui::state::search::IndexState::Ready(_))
            {
                index_ready = Some(secs(now));
            }
            if symbols_ready.is_none() && s.symbols.ready().is_some() {
                symbols_ready = Some(secs(now));
                rss_at_symbols = Some(rss_mb().0);
            }
            if ranked_ready.is_none()
                && !matches!(
                    s.search.ranked.index,
                    vitrine_gui::state::ranked::RankIndexState::None
                        | vitrine_gui::state::ranked::RankIndexState::Building { .. }
                )
            {
                ranked_ready = Some(secs(now));
            }
            if index_ready.is_some()
                && symbols_ready.is_some()
                && ranked_ready.is_some()
                && s.search.summary.is_some()
            {
                break;
            }
        }
        if start.elapsed() > Duration::from_secs(600) {
            return Err("not ready after 600 s".into());
        }
        // The window repaints at ~10 Hz while background work runs.
        std::thread::sleep(Duration::from_millis(100).saturating_sub(spent));
    }
    let s = &h.state().state;
    let files = s.snapshot.as_ref().map_or(0, |s| s.files().len());
    let f = |o: Option<f64>| o.map_or("-".to_owned(), |t| format!("{t:.1} s"));
    println!("snapshot: {snap} ({files} files), data dir {}", if fresh { "fresh" } else { "reused" });
    println!("  snapshot open          {}", f(loaded));
    if let Some((t, scan)) = first_hit {
        println!(
            "  first results ({query:?}) {t:.1} s{}",
            if scan { " (scan: index not ready)" } else { " (index)" }
        );
    }
    if let Some((t, scan, lines)) = search_done {
        println!("  search done            {t:.1} s, {lines} lines{}", if scan { " (scan)" } else { "" });
    }
    println!("  search index ready     {}", f(index_ready));
    println!("  symbols ready          {}", f(symbols_ready));
    println!("  ranked index ready     {}", f(ranked_ready));
    println!(
        "  frames {frames}: {:.1} ms mean, {:.1} ms worst (wall, incl. background load)",
        frame_cpu.as_secs_f64() * 1000.0 / frames.max(1) as f64,
        worst_frame.as_secs_f64() * 1000.0
    );
    let (rss, peak) = rss_mb();
    let at_symbols = rss_at_symbols.map_or("-".to_owned(), |m| format!("{m} MB"));
    println!(
        "  RSS when symbols ready {at_symbols}; when every build has ended {rss} MB, peak {peak} MB; \
         heap held free by malloc {} MB",
        heap_free_mb()
    );
    vitrine_gui::state::background::release_freed_memory();
    println!("  RSS after another malloc_trim {} MB", rss_mb().0);
    let (anon, file) = (status_mb("RssAnon:"), status_mb("RssFile:"));
    println!("    of which anonymous {anon} MB, file-backed {file} MB (the binary, the mapped indexes)");
    Ok(())
}

/// (VmRSS, VmHWM) of this process in MB.
fn rss_mb() -> (u64, u64) {
    (status_mb("VmRSS:"), status_mb("VmHWM:"))
}

/// A field of /proc/self/status given in kB, in MB (0 if absent).
fn status_mb(name: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

/// Bytes free in malloc's arenas (not returned to the system), in MB.
#[allow(unsafe_code)]
fn heap_free_mb() -> u64 {
    // SAFETY: mallinfo2 takes no argument and returns a plain struct by value.
    let info = unsafe { libc::mallinfo2() };
    (info.fordblks / (1024 * 1024)) as u64
}
