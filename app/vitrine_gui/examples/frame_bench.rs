//! Frame-time benchmark of the real window, driven headless with egui_kittest: opens a large C file,
//! scrolls through it a page at a time, jumps to its end, types a search query, and reports the CPU time
//! time of each frame on the UI thread (UI logic, layout and tessellation; no GPU), so the load of other
//! processes does not count. Memory is the process's peak RSS.
//!
//! Then find in file (Ctrl+F) typed key by key: each frame's CPU time, and the wall time from a key
//! until its matches are in.
//!
//! Usage: cargo run --release -p vitrine_gui --example frame_bench -- [SNAPSHOT_DIR FILE] [--pages N]
//! [--lines N]. Without a snapshot it generates a C file of N lines (200,000) in a temporary snapshot.

use std::time::Duration;

use egui_kittest::Harness;
use vitrine_gui::{AppState, LoadCmd, NavCmd, Prefs, ViewCmd, VitrineApp};
use vitrine_snapshot::store::DataDir;

/// CPU time consumed by the calling thread (the UI thread), unaffected by other processes' load.
#[allow(unsafe_code)]
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime only writes the timespec we pass, which lives for the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Measures `f` in CPU time of this thread.
struct Instant(Duration);

impl Instant {
    fn now() -> Instant {
        Instant(thread_cpu())
    }

    fn elapsed(&self) -> Duration {
        thread_cpu().saturating_sub(self.0)
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let pages: usize = flag(&args, "--pages").unwrap_or(400);
    let generated_lines: usize = flag(&args, "--lines").unwrap_or(200_000);
    let tmp = tempfile::tempdir()?;
    let (snap, file) = match (args.first(), args.get(1)) {
        (Some(s), Some(f)) if !s.starts_with("--") => (std::path::PathBuf::from(s), f.clone()),
        _ => {
            let dir = tmp.path().join("snap");
            std::fs::create_dir_all(&dir)?;
            std::fs::write(dir.join("big.c"), generated_c(generated_lines))?;
            (dir, "big.c".to_owned())
        }
    };
    let data = tmp.path().join("data");
    let mut state = AppState::new(DataDir::at(&data), Prefs::default());
    state.apply(LoadCmd::Open(snap.clone()));
    let wall = std::time::Instant::now();
    state.wait_loaded();
    let ingest = wall.elapsed();
    state.search.wait_index();
    state.symbols.wait_index();
    let indexes = wall.elapsed();
    let app = VitrineApp::new(state);
    let mut h = Harness::builder()
        .with_size(egui::vec2(1500.0, 940.0))
        .with_max_steps(1000)
        // A real tree has text no bundled font covers (Hangul identifiers in Linux): draw boxes, as the
        // window does, instead of the test harness's default panic.
        .allow_missing_glyphs()
        .build_ui_state(|ui, app: &mut VitrineApp| app.ui_root(ui), app);
    h.run();

    let mut f = Figures { ingest, indexes, ..Figures::default() };
    open_and_jump_to_end(&mut h, &file, &mut f);
    scroll_pages(&mut h, pages, &mut f);
    jump_around(&mut h, &mut f);
    type_search(&mut h, &mut f);
    type_find(&mut h, &mut f);
    let files = h.state().state.snapshot.as_ref().map_or(0, |s| s.files().len());
    f.print(&snap, files, &file);
    Ok(())
}

/// The number after `name` on the command line.
fn flag(args: &[String], name: &str) -> Option<usize> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|n| n.parse().ok())
}

/// Everything measured: wall times for the background work, CPU times of the UI thread for frames
/// (in ms for the series).
#[derive(Default)]
struct Figures {
    ingest: Duration,
    indexes: Duration,
    open_first: Duration,
    /// Lines of the measured file.
    lines: usize,
    jump_end: Duration,
    prepare: Duration,
    scroll: Vec<f64>,
    wrap_on: Duration,
    wrapped: Vec<f64>,
    jumps: Vec<f64>,
    typing: Vec<f64>,
    find_frames: Vec<f64>,
    find_ready: Vec<f64>,
    /// Matches of the find in file.
    found: usize,
}

type Window = Harness<'static, VitrineApp>;

/// Opens `file`, jumps to its last line and back, and waits for the background highlighter.
fn open_and_jump_to_end(h: &mut Window, file: &str, f: &mut Figures) {
    let t = Instant::now();
    h.state_mut().state.apply(NavCmd::OpenFile { path: file.to_owned().into_bytes(), line: None });
    h.step();
    f.open_first = t.elapsed();
    f.lines = h.state().state.active_tab().map_or(0, |t| t.doc.line_count());
    let t = Instant::now();
    h.state_mut().state.apply(NavCmd::CursorTo { line: usize::MAX, extend: false });
    h.step();
    h.step();
    f.jump_end = t.elapsed();
    h.state_mut().state.apply(NavCmd::CursorTo { line: 0, extend: false });
    h.run();
    // Scroll only once the background highlighter has prepared the whole file, so every frame below
    // draws exact spans published by the thread (not provisional ones computed in the frame).
    let wall = std::time::Instant::now();
    if let Some(vitrine_gui::document::Content::Text(t)) =
        h.state().state.active_tab().map(|t| &t.doc.content)
    {
        t.highlight.wait_prepared();
    }
    f.prepare = wall.elapsed();
}

/// A page per frame through the file, then the same with word wrap on.
fn scroll_pages(h: &mut Window, pages: usize, f: &mut Figures) {
    for _ in 0..pages {
        h.key_press(egui::Key::PageDown);
        let t = Instant::now();
        h.step();
        f.scroll.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    // The same with word wrap on (Alt+Z): the first wrapped frame computes every line's row count.
    h.state_mut().state.apply(NavCmd::CursorTo { line: 0, extend: false });
    h.run();
    let t = Instant::now();
    h.state_mut().state.apply(ViewCmd::ToggleWrap);
    h.step();
    f.wrap_on = t.elapsed();
    for _ in 0..pages / 2 {
        h.key_press(egui::Key::PageDown);
        let t = Instant::now();
        h.step();
        f.wrapped.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    h.state_mut().state.apply(ViewCmd::ToggleWrap);
    h.run();
}

/// 50 jumps to lines spread over the file.
fn jump_around(h: &mut Window, f: &mut Figures) {
    for i in 0..50usize {
        let line = (i * 7919 * 31) % f.lines.max(1);
        h.state_mut().state.apply(NavCmd::CursorTo { line, extend: false });
        let t = Instant::now();
        h.step();
        f.jumps.push(t.elapsed().as_secs_f64() * 1000.0);
    }
}

/// A snapshot search query (Ctrl+Shift+F) typed key by key.
fn type_search(h: &mut Window, f: &mut Figures) {
    h.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::SHIFT, egui::Key::F);
    h.step();
    for c in "spin_lock_irqsave".chars() {
        h.event(egui::Event::Text(c.to_string()));
        let t = Instant::now();
        h.step();
        f.typing.push(t.elapsed().as_secs_f64() * 1000.0);
    }
}

/// Find in file (Ctrl+F in the code view), typed key by key: the frame each key costs on the UI
/// thread (CPU time), and the wall time from the key until its matches are in (the count is final;
/// the search runs on a thread of its own, so this one counts other processes' load too).
fn type_find(h: &mut Window, f: &mut Figures) {
    h.key_press(egui::Key::Escape);
    h.run();
    h.state_mut().state.apply(NavCmd::CursorTo { line: 0, extend: false });
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
    h.step();
    for c in "spin_lock_irqsave".chars() {
        h.event(egui::Event::Text(c.to_string()));
        let wall = std::time::Instant::now();
        let t = Instant::now();
        h.step();
        f.find_frames.push(t.elapsed().as_secs_f64() * 1000.0);
        while h.state().state.active_tab().and_then(|t| t.find.as_ref()).is_some_and(|f| f.searching) {
            let t = Instant::now();
            h.step();
            f.find_frames.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        f.find_ready.push(wall.elapsed().as_secs_f64() * 1000.0);
    }
    f.found = h.state().state.active_tab().and_then(|t| t.find.as_ref()).map_or(0, |f| f.matches.len());
}

impl Figures {
    /// Prints the figures of a run on `file` of the snapshot `snap` (of `files` files).
    fn print(&mut self, snap: &std::path::Path, files: usize, file: &str) {
        println!(
            "snapshot: {} ({files} files): ingest {:.1} s, search and symbol indexes ready {:.1} s after start (wall clock)",
            snap.display(),
            self.ingest.as_secs_f64(),
            self.indexes.as_secs_f64()
        );
        println!("file: {} ({} lines)", file, self.lines);
        println!("open and draw the first frame: {:.1} ms", self.open_first.as_secs_f64() * 1000.0);
        println!("jump to the last line (2 frames): {:.1} ms", self.jump_end.as_secs_f64() * 1000.0);
        println!(
            "highlighting prepared in the background in {:.1} s (wall clock)",
            self.prepare.as_secs_f64()
        );
        report("scroll a page per frame", &mut self.scroll);
        println!("turn word wrap on (first frame): {:.1} ms", self.wrap_on.as_secs_f64() * 1000.0);
        report("scroll a page per frame, wrapped", &mut self.wrapped);
        report("jump to a random line", &mut self.jumps);
        report("type a search query", &mut self.typing);
        report("find in file, every frame while typing", &mut self.find_frames);
        report(&format!("find in file, key to matches ready ({} matches)", self.found), &mut self.find_ready);
        println!("peak RSS: {} MB", peak_rss_mb());
    }
}

fn report(what: &str, ms: &mut [f64]) {
    ms.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| ms.get(((ms.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(0.0);
    println!(
        "{what}: {} frames, p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        ms.len(),
        at(0.5),
        at(0.95),
        at(1.0)
    );
}

fn peak_rss_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

/// C code of `lines` lines: functions with loops, strings, comments and macros, like a driver.
fn generated_c(lines: usize) -> String {
    let mut s = String::with_capacity(lines * 40);
    let mut n = 0;
    let mut f = 0;
    while n < lines {
        s.push_str(&format!(
            "/* Handler {f}: copies a request into the ring, under the device lock. */\n\
             static int handle_{f}(struct dev *d, const char *buf, size_t len)\n\
             {{\n\
             \tunsigned long flags;\n\
             \tint i, ret = 0;\n\n\
             \tspin_lock_irqsave(&d->lock, flags);\n\
             \tfor (i = 0; i < len && i < RING_SIZE; i++)\n\
             \t\td->ring[(d->head + i) % RING_SIZE] = buf[i];\n\
             \tif (len > RING_SIZE) {{\n\
             \t\tpr_warn(\"handle_{f}: %zu bytes truncated\\n\", len - RING_SIZE);\n\
             \t\tret = -EOVERFLOW;\n\
             \t}}\n\
             \tspin_unlock_irqrestore(&d->lock, flags);\n\
             \treturn ret;\n\
             }}\n\n"
        ));
        n += 17;
        f += 1;
    }
    s
}
