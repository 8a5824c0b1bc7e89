//! Highlighting of an open file that follows the reader.
//!
//! A background thread owns the file's [`HighlightCache`] outright and publishes finished spans as
//! immutable windows ([`SpanWindow`]) swapped behind an `Arc`: the view only ever clones the current
//! `Arc` (a lock held for a pointer copy, never for a parse), so it cannot lose a race to the thread.
//!
//! Exact spans need the parser state at the line, which for the end of a 260k-line file means parsing
//! everything before it. Until the thread has got that far, the rows on screen are highlighted
//! provisionally, from the grammar's initial state a few dozen lines above them: right for ordinary
//! code, and replaced by the exact spans as soon as the thread publishes them. So the rows on screen
//! are coloured on the first frame after arriving anywhere.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use vitrine_snapshot::LineIndex;
use vitrine_syntax::{HighlightCache, HighlightConfig, Span, Syntax};

/// The spans of consecutive lines starting at `first`.
#[derive(Debug, Default)]
pub struct SpanWindow {
    pub first: usize,
    pub lines: Vec<Vec<Span>>,
}

impl SpanWindow {
    pub fn get(&self, line: usize) -> Option<&[Span]> {
        self.lines.get(line.checked_sub(self.first)?).map(Vec::as_slice)
    }

    fn covers(&self, rows: &Range<usize>) -> bool {
        rows.start >= self.first && rows.end <= self.first + self.lines.len()
    }
}

/// What the view draws a frame with: exact spans where the thread has published them, provisional
/// ones elsewhere.
#[derive(Debug, Clone)]
pub struct FrameSpans {
    exact: Arc<SpanWindow>,
    provisional: Option<Arc<SpanWindow>>,
}

impl FrameSpans {
    pub fn get(&self, line: usize) -> Option<&[Span]> {
        self.exact.get(line).or_else(|| self.provisional.as_ref()?.get(line))
    }

    /// Whether every line of `rows` has exact spans (nothing will change when the thread catches up).
    pub fn exact_for(&self, rows: &Range<usize>) -> bool {
        self.exact.covers(rows)
    }
}

/// Lines parsed above the rows on screen for a provisional highlight: enough for most constructs
/// (a comment or a string opened above) to close, little enough for a frame (about a millisecond).
const LOOKBACK: usize = 48;
/// Lines of parse checkpoints prepared between two looks at the reader's requests.
const PREPARE_CHUNK: usize = 2048;

/// The highlighting of one text document.
pub struct Highlighter {
    text: Arc<str>,
    syntax: Syntax,
    lines: usize,
    /// The latest window the thread published (swapped whole; the lock is held for a pointer copy).
    exact: Arc<Mutex<Arc<SpanWindow>>>,
    /// The last provisional window (the view's own; computed on the UI thread for rows not covered).
    provisional: Mutex<Option<Arc<SpanWindow>>>,
    /// Rows on screen, sent to the thread when they change.
    wanted: Option<Sender<Range<usize>>>,
    last_wanted: Mutex<Range<usize>>,
    /// A message after each publication (for tests that wait for the thread).
    published: Receiver<()>,
    /// Set by the thread once parse checkpoints cover the whole file.
    prepared: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl std::fmt::Debug for Highlighter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Highlighter")
            .field("lines", &self.lines)
            .field("syntax", &self.syntax.name())
            .finish()
    }
}

impl Drop for Highlighter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Highlighter {
    /// Starts highlighting `text` (whose lines `lines` indexes) with `syntax` on a background thread.
    pub fn start(text: Arc<str>, lines: &LineIndex, syntax: Syntax) -> Highlighter {
        let exact = Arc::new(Mutex::new(Arc::new(SpanWindow::default())));
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, rx) = crossbeam_channel::bounded(64);
        let (done_tx, done_rx) = crossbeam_channel::bounded(1);
        // Checkpoints every 32 lines: a jump anywhere already prepared costs at most 32 lines of parse.
        let config = HighlightConfig { checkpoint_every: 32, ..HighlightConfig::default() };
        let cache = HighlightCache::with_config(text.clone(), syntax, config);
        let prepared = Arc::new(AtomicBool::new(false));
        let worker = Worker {
            cache,
            exact: exact.clone(),
            stop: stop.clone(),
            wanted: rx,
            published: done_tx,
            prepared: prepared.clone(),
        };
        let spawned = std::thread::Builder::new().name("highlight".into()).spawn(move || worker.run());
        Highlighter {
            text,
            syntax,
            lines: lines.line_count(),
            exact,
            provisional: Mutex::new(None),
            // Without the thread, every row is highlighted provisionally (still coloured, never blocking).
            wanted: spawned.ok().map(|_| tx),
            last_wanted: Mutex::new(0..0),
            published: done_rx,
            prepared,
            stop,
        }
    }

    /// The spans to draw `rows` with this frame. Rows the thread has not published are highlighted
    /// here, provisionally; the thread is told which rows are on screen (once per change), and
    /// highlights them exactly first.
    pub fn frame(&self, rows: Range<usize>, lines: &LineIndex) -> FrameSpans {
        let rows = rows.start.min(self.lines)..rows.end.min(self.lines);
        self.show_rows(rows.clone());
        let exact = lock(&self.exact).clone();
        if exact.covers(&rows) {
            return FrameSpans { exact, provisional: None };
        }
        let mut provisional = lock(&self.provisional);
        if !provisional.as_ref().is_some_and(|p| p.covers(&rows)) {
            *provisional = Some(Arc::new(self.provisional_window(rows, lines)));
        }
        FrameSpans { exact, provisional: provisional.clone() }
    }

    fn show_rows(&self, rows: Range<usize>) {
        let Some(tx) = &self.wanted else { return };
        let mut last = lock(&self.last_wanted);
        if *last != rows {
            *last = rows.clone();
            let _ = tx.try_send(rows);
        }
    }

    /// Highlights `rows` from the grammar's initial state, `LOOKBACK` lines above them (exact when that
    /// reaches the top of the file).
    fn provisional_window(&self, rows: Range<usize>, lines: &LineIndex) -> SpanWindow {
        let from = rows.start.saturating_sub(LOOKBACK);
        let bytes = self.text.as_bytes();
        let start = lines.line_range(bytes, from).map_or(0, |r| r.start);
        let end = rows.end.checked_sub(1).and_then(|l| lines.line_range(bytes, l)).map_or(start, |r| r.end);
        let slice: Arc<str> = Arc::from(self.text.get(start..end.max(start)).unwrap_or_default());
        let mut cache = HighlightCache::new(slice, self.syntax);
        let (a, b) = (rows.start - from, rows.end - from);
        cache.highlight_range(a..b);
        let lines =
            (a..b).map(|l| cache.cached_line_spans(l).map(<[Span]>::to_vec).unwrap_or_default()).collect();
        SpanWindow { first: rows.start, lines }
    }

    /// Whether the thread has published exact spans for every line of `rows`.
    pub fn is_exact(&self, rows: &Range<usize>) -> bool {
        lock(&self.exact).covers(rows)
    }

    /// Whether the thread has parse checkpoints through the whole file (any jump is then exact within
    /// one checkpoint interval).
    pub fn is_prepared(&self) -> bool {
        self.prepared.load(Ordering::Relaxed)
    }

    /// Blocks until the whole file is prepared (benchmarks), or the thread has stopped.
    pub fn wait_prepared(&self) {
        while !self.is_prepared() {
            if self.published.recv().is_err() {
                return;
            }
        }
    }

    /// Blocks until the thread has published exact spans for `rows` (tests), or has stopped.
    pub fn wait_exact(&self, rows: Range<usize>) {
        self.show_rows(rows.clone());
        while !self.is_exact(&rows) {
            if self.published.recv().is_err() {
                return;
            }
        }
    }
}

/// The background half: owns the cache, prepares parse checkpoints through the file, and highlights
/// the rows on screen (and the pages around them) as soon as checkpoints reach them.
struct Worker {
    cache: HighlightCache,
    exact: Arc<Mutex<Arc<SpanWindow>>>,
    stop: Arc<AtomicBool>,
    wanted: Receiver<Range<usize>>,
    published: Sender<()>,
    prepared: Arc<AtomicBool>,
}

impl Worker {
    fn run(mut self) {
        // The rows on screen still waiting for exact spans.
        let mut pending: Option<Range<usize>> = None;
        while !self.stop.load(Ordering::Relaxed) {
            while let Ok(r) = self.wanted.try_recv() {
                pending = Some(r);
            }
            if let Some(rows) = pending.clone() {
                if self.reachable(&rows) {
                    pending = None;
                    self.serve(rows);
                } else {
                    // Parse toward the rows (checking for a newer request between chunks).
                    self.prepare_chunk();
                }
                continue;
            }
            if !self.prepared.load(Ordering::Relaxed) {
                self.prepare_chunk();
                continue;
            }
            match self.wanted.recv_timeout(std::time::Duration::from_millis(250)) {
                Ok(r) => pending = Some(r),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    fn prepare_chunk(&mut self) {
        if self.cache.prepare(PREPARE_CHUNK) && !self.prepared.swap(true, Ordering::Relaxed) {
            let _ = self.published.try_send(());
        }
    }

    /// Whether checkpoints reach `rows` (so highlighting them costs at most one checkpoint interval).
    fn reachable(&self, rows: &Range<usize>) -> bool {
        self.cache.is_prepared() || rows.start <= self.cache.prepared_lines()
    }

    /// Highlights the rows, publishes them, then the page above and two below, and publishes again.
    fn serve(&mut self, rows: Range<usize>) {
        self.cache.highlight_range(rows.clone());
        self.publish(rows.clone());
        let page = rows.len().max(32);
        let around = rows.start.saturating_sub(page)..(rows.end + 2 * page).min(self.cache.line_count());
        self.cache.highlight_range(around.clone());
        self.publish(around);
    }

    fn publish(&self, rows: Range<usize>) {
        let lines =
            rows.clone().map(|l| self.cache.cached_line_spans(l).map(<[Span]>::to_vec).unwrap_or_default());
        let window = Arc::new(SpanWindow { first: rows.start, lines: lines.collect() });
        *lock(&self.exact) = window;
        let _ = self.published.try_send(());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big(lines: usize) -> (Arc<str>, LineIndex) {
        let text: String =
            (0..lines).map(|i| format!("static int f{i}(void) {{ return {i}; /* n */ }}\n")).collect();
        let index = LineIndex::new(text.as_bytes());
        (Arc::from(text), index)
    }

    fn coloured(spans: &[Span]) -> bool {
        spans.iter().any(|s| s.class != vitrine_syntax::HighlightClass::Plain)
    }

    #[test]
    fn the_rows_on_screen_are_coloured_at_once_anywhere_in_a_large_file() {
        let (text, lines) = big(40_000);
        let h = Highlighter::start(text, &lines, vitrine_syntax::syntax_for("big.c", b""));
        let rows = 39_950..40_000;
        // The first frame at the end: nothing exact yet (the thread has 40k lines to get through), and
        // still every row has coloured spans.
        let frame = h.frame(rows.clone(), &lines);
        assert!(!frame.exact_for(&rows));
        for line in rows.clone() {
            assert!(frame.get(line).is_some_and(coloured), "line {line} has no colour");
        }
        // The thread catches up and publishes exact spans for the same rows.
        h.wait_exact(rows.clone());
        let frame = h.frame(rows.clone(), &lines);
        assert!(frame.exact_for(&rows));
        assert!(rows.clone().all(|l| frame.get(l).is_some_and(coloured)));
    }

    #[test]
    fn provisional_spans_at_the_top_are_the_exact_ones() {
        let (text, lines) = big(3000);
        let syntax = vitrine_syntax::syntax_for("big.c", b"");
        let h = Highlighter::start(text.clone(), &lines, syntax);
        let provisional = h.provisional_window(0..40, &lines);
        let mut cache = HighlightCache::new(text, syntax);
        for l in 0..40 {
            assert_eq!(provisional.get(l), Some(cache.line_spans(l)), "line {l}");
        }
    }

    #[test]
    fn a_window_answers_only_for_its_lines() {
        let w = SpanWindow { first: 10, lines: vec![Vec::new(); 5] };
        assert!(w.get(9).is_none() && w.get(10).is_some() && w.get(14).is_some() && w.get(15).is_none());
        assert!(w.covers(&(10..15)) && !w.covers(&(9..12)) && !w.covers(&(12..16)));
    }
}
