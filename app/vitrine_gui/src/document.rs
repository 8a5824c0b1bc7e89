//! An open file: its bytes decoded for display, its lines, the suspicious characters in it, and its
//! highlighting, prepared on a background thread so that the first jump to the end of a huge file
//! does not freeze the window.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use vitrine_snapshot::{ContentClass, EntryKind, FileEntry, LineIndex, RelPath, Snapshot, TextEncoding};
use vitrine_syntax::{HighlightCache, Syntax};

/// What the view shows for a file.
#[derive(Debug)]
pub enum Content {
    Text(TextContent),
    /// Shown as a hex dump.
    Binary {
        bytes: Arc<[u8]>,
    },
    Symlink {
        target: String,
    },
    Unreadable {
        error: String,
    },
}

pub struct TextContent {
    pub text: Arc<str>,
    pub lines: LineIndex,
    pub encoding: TextEncoding,
    pub syntax: Syntax,
    /// Shared with the background thread that prepares it; the view only `try_lock`s it while the thread
    /// prepares parse checkpoints (long holds), and locks it once they are ready (holds of one block).
    pub highlight: Arc<Mutex<HighlightCache>>,
    /// Set when the document is dropped, so the preparing thread stops.
    stop: Arc<AtomicBool>,
    /// Set by the background thread once every checkpoint is prepared.
    prepared: Arc<AtomicBool>,
    /// The rows on screen, sent to the background thread, which highlights the pages around them before
    /// the reader gets there (so scrolling draws from cached spans instead of parsing on the UI thread).
    wanted: Option<crossbeam_channel::Sender<std::ops::Range<usize>>>,
    last_wanted: Mutex<std::ops::Range<usize>>,
}

impl TextContent {
    /// Whether the background thread has prepared every parse checkpoint (always true for small files,
    /// which are highlighted on demand).
    pub fn is_prepared(&self) -> bool {
        self.prepared.load(Ordering::Relaxed)
    }

    /// Tells the background highlighter which rows are on screen (once per change).
    pub fn show_rows(&self, rows: std::ops::Range<usize>) {
        let Some(tx) = &self.wanted else { return };
        if let Ok(mut last) = self.last_wanted.lock()
            && *last != rows
        {
            *last = rows.clone();
            let _ = tx.try_send(rows);
        }
    }
}

impl std::fmt::Debug for TextContent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextContent")
            .field("lines", &self.lines.line_count())
            .field("encoding", &self.encoding)
            .finish()
    }
}

impl Drop for TextContent {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[derive(Debug)]
pub struct Document {
    pub path: RelPath,
    pub entry: FileEntry,
    pub content: Content,
    /// Health findings of this file by 0-based line (file-level findings under `None`).
    pub findings: BTreeMap<Option<usize>, Vec<String>>,
    /// The outline, parsed with tree-sitter on a background thread.
    outline: Arc<OnceLock<Outline>>,
}

/// The definitions of a file and their nesting.
#[derive(Debug, Default)]
pub struct Outline {
    pub symbols: Vec<vitrine_syntax::Symbol>,
    pub tree: Vec<vitrine_syntax::OutlineNode>,
    pub parse_errors: u32,
    /// The tree flattened in display order as (depth, symbol index), so the panel draws only visible rows.
    pub rows: Vec<(u32, u32)>,
}

fn flatten(nodes: &[vitrine_syntax::OutlineNode], depth: u32, out: &mut Vec<(u32, u32)>) {
    for n in nodes {
        out.push((depth, n.symbol));
        flatten(&n.children, depth + 1, out);
    }
}

impl Outline {
    /// Names of the definitions containing a 0-based line, outermost first (the breadcrumbs).
    pub fn scope_at(&self, line: u32) -> Vec<&vitrine_syntax::Symbol> {
        let mut out = Vec::new();
        let mut level = &self.tree;
        'descend: loop {
            for node in level {
                let Some(sym) = self.symbols.get(node.symbol as usize) else { continue };
                if sym.range.start.line <= line && line <= sym.range.end.line {
                    out.push(sym);
                    level = &node.children;
                    continue 'descend;
                }
            }
            return out;
        }
    }
}

/// Lines of highlighting prepared per lock of the background thread: small enough that the view,
/// which only `try_lock`s, rarely finds the lock taken for long.
const PREPARE_CHUNK: usize = 2048;

impl Document {
    pub fn open(snapshot: &Snapshot, entry: &FileEntry) -> Document {
        let content = match (&entry.kind, entry.class, entry.encoding) {
            (EntryKind::Symlink { target }, _, _) => {
                Content::Symlink { target: vitrine_snapshot::path_display(target) }
            }
            (_, ContentClass::Unreadable, _) => {
                Content::Unreadable { error: "the file could not be read at ingest".into() }
            }
            (_, _, None) => match snapshot.read(entry) {
                Ok(bytes) => Content::Binary { bytes: bytes.into() },
                Err(e) => Content::Unreadable { error: e.to_string() },
            },
            (_, _, Some(encoding)) => match snapshot.read(entry) {
                Ok(bytes) => Content::Text(text_content(&entry.path, &bytes, encoding)),
                Err(e) => Content::Unreadable { error: e.to_string() },
            },
        };
        let shown = entry.path.display();
        let mut findings: BTreeMap<Option<usize>, Vec<String>> = BTreeMap::new();
        for f in snapshot.health().findings.iter().filter(|f| f.path == shown) {
            let line = f.line.map(|l| l.saturating_sub(1) as usize);
            findings.entry(line).or_default().push(format!("{}: {}", f.kind.as_str(), f.detail));
        }
        let outline = Arc::new(OnceLock::new());
        if let Content::Text(t) = &content {
            let head = t.text.as_bytes().get(..t.text.len().min(512)).unwrap_or_default();
            if let Some(lang) = vitrine_syntax::language_for_path(&shown, head) {
                let (text, slot) = (t.text.clone(), outline.clone());
                let _ = std::thread::Builder::new().name("outline".into()).spawn(move || {
                    let (fs, tree) = vitrine_syntax::nav::outline(lang, text.as_bytes());
                    let mut rows = Vec::new();
                    flatten(&tree, 0, &mut rows);
                    let _ = slot.set(Outline {
                        symbols: fs.definitions,
                        tree,
                        parse_errors: fs.parse_errors,
                        rows,
                    });
                });
            }
        }
        Document { path: entry.path.clone(), entry: entry.clone(), content, findings, outline }
    }

    /// The outline, once parsed.
    pub fn outline(&self) -> Option<&Outline> {
        self.outline.get()
    }

    /// Blocks until the outline is parsed, if the file has a language (tests).
    pub fn wait_outline(&self) -> Option<&Outline> {
        let Content::Text(t) = &self.content else { return None };
        let head = t.text.as_bytes().get(..t.text.len().min(512)).unwrap_or_default();
        vitrine_syntax::language_for_path(&self.path.display(), head)?;
        loop {
            if let Some(o) = self.outline.get() {
                return Some(o);
            }
            std::thread::yield_now();
        }
    }

    /// Number of rows the view shows.
    pub fn line_count(&self) -> usize {
        match &self.content {
            Content::Text(t) => t.lines.line_count(),
            Content::Binary { bytes } => bytes.len().div_ceil(16).max(1),
            Content::Symlink { .. } | Content::Unreadable { .. } => 1,
        }
    }

    /// The text of a 0-based line (text documents only).
    pub fn line_text(&self, line: usize) -> Option<&str> {
        let Content::Text(t) = &self.content else { return None };
        let range = t.lines.line_range(t.text.as_bytes(), line)?;
        t.text.get(range)
    }
}

fn text_content(path: &RelPath, bytes: &[u8], encoding: TextEncoding) -> TextContent {
    let text: Arc<str> = Arc::from(vitrine_snapshot::text::decode(bytes, encoding).into_owned());
    let lines = LineIndex::new(text.as_bytes());
    let head = bytes.get(..bytes.len().min(512)).unwrap_or_default();
    let syntax = vitrine_syntax::syntax_for(&path.display(), head);
    // Checkpoints every 32 lines: reaching any line re-parses at most 32 lines before it, which keeps a
    // frame that scrolls into new lines within budget (128 measured ~20 ms p95 on a 200k-line file).
    let config = vitrine_syntax::HighlightConfig {
        checkpoint_every: 32,
        ..vitrine_syntax::HighlightConfig::default()
    };
    let highlight = Arc::new(Mutex::new(HighlightCache::with_config(text.clone(), syntax, config)));
    let stop = Arc::new(AtomicBool::new(false));
    let prepared = Arc::new(AtomicBool::new(true));
    let mut wanted = None;
    // Small files are highlighted on demand; large ones get their parse checkpoints prepared in the
    // background so that any later jump costs at most one checkpoint interval, then the pages around the
    // rows on screen highlighted ahead of the reader.
    if lines.line_count() > PREPARE_CHUNK {
        prepared.store(false, Ordering::Relaxed);
        let (tx, rx) = crossbeam_channel::bounded(64);
        let (cache, stop2, done) = (highlight.clone(), stop.clone(), prepared.clone());
        let spawned = std::thread::Builder::new()
            .name("highlight".into())
            .spawn(move || highlight_worker(&cache, &stop2, &done, &rx));
        match spawned {
            Ok(_) => wanted = Some(tx),
            // Without the thread the view highlights what it shows itself, from the first line.
            Err(_) => prepared.store(true, Ordering::Relaxed),
        }
    }
    TextContent {
        text,
        lines,
        encoding,
        syntax,
        highlight,
        stop,
        prepared,
        wanted,
        last_wanted: Mutex::new(0..0),
    }
}

/// Lines per lock when highlighting ahead of the reader: one checkpoint block, about a millisecond.
const PREFETCH_BLOCK: usize = 32;

/// The background highlighter of a large file: prepares every parse checkpoint, serving the rows on
/// screen first, then keeps the pages around the rows on screen highlighted until the file is closed.
fn highlight_worker(
    cache: &Mutex<HighlightCache>,
    stop: &AtomicBool,
    prepared: &AtomicBool,
    wanted: &crossbeam_channel::Receiver<std::ops::Range<usize>>,
) {
    let mut pending: Option<std::ops::Range<usize>> = None;
    while !stop.load(Ordering::Relaxed) {
        while let Ok(r) = wanted.try_recv() {
            pending = Some(r);
        }
        if let Some(rows) = pending.take() {
            pending = prefetch(cache, stop, wanted, rows);
            continue;
        }
        if !prepared.load(Ordering::Relaxed) {
            let Ok(mut c) = cache.lock() else { return };
            if c.prepare(PREPARE_CHUNK) {
                prepared.store(true, Ordering::Relaxed);
            }
            continue;
        }
        match wanted.recv_timeout(std::time::Duration::from_millis(250)) {
            Ok(r) => pending = Some(r),
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// Highlights the rows on screen, the two pages below and the page above, a block per lock, as far as
/// checkpoints are prepared. Returns a newer request that arrived meanwhile (the reader moved on).
fn prefetch(
    cache: &Mutex<HighlightCache>,
    stop: &AtomicBool,
    wanted: &crossbeam_channel::Receiver<std::ops::Range<usize>>,
    rows: std::ops::Range<usize>,
) -> Option<std::ops::Range<usize>> {
    let page = rows.len().max(PREFETCH_BLOCK);
    let below = rows.end..rows.end + 2 * page;
    let above = rows.start.saturating_sub(page)..rows.start;
    for range in [rows.clone(), below, above] {
        let first = range.start / PREFETCH_BLOCK;
        for block in first..range.end.div_ceil(PREFETCH_BLOCK) {
            if stop.load(Ordering::Relaxed) {
                return None;
            }
            if let Ok(newer) = wanted.try_recv() {
                return Some(newer);
            }
            let Ok(mut c) = cache.lock() else { return None };
            let lines = block * PREFETCH_BLOCK..(block + 1) * PREFETCH_BLOCK;
            // Past the prepared checkpoints a block would be parsed from far away: leave it for later.
            if lines.start > c.prepared_lines() || lines.start >= c.line_count() {
                break;
            }
            c.highlight_range(lines);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache_of(lines: usize) -> Mutex<HighlightCache> {
        let text: String = (0..lines).map(|i| format!("static int f{i}(void) {{ return {i}; }}\n")).collect();
        let syntax = vitrine_syntax::syntax_for("big.c", b"");
        let config = vitrine_syntax::HighlightConfig { checkpoint_every: 32, ..Default::default() };
        Mutex::new(HighlightCache::with_config(text, syntax, config))
    }

    #[test]
    fn the_pages_around_the_rows_on_screen_are_highlighted_ahead() {
        let cache = cache_of(3000);
        let stop = AtomicBool::new(false);
        let (_tx, rx) = crossbeam_channel::bounded(4);
        // Nothing is prepared yet: only what checkpoints reach is highlighted (here the first block).
        assert_eq!(prefetch(&cache, &stop, &rx, 1000..1050), None);
        assert!(cache.lock().unwrap().cached_line_spans(1000).is_none());
        while !cache.lock().unwrap().prepare(PREPARE_CHUNK) {}
        assert_eq!(prefetch(&cache, &stop, &rx, 1000..1050), None);
        let c = cache.lock().unwrap();
        // The rows, two pages below and one above are ready; further away is not.
        for line in [1000, 1049, 1050, 1149, 950] {
            assert!(c.cached_line_spans(line).is_some_and(|s| !s.is_empty()), "line {line}");
        }
        assert!(c.cached_line_spans(1300).is_none() && c.cached_line_spans(800).is_none());
    }

    #[test]
    fn a_newer_request_interrupts_highlighting_ahead() {
        let cache = cache_of(3000);
        while !cache.lock().unwrap().prepare(PREPARE_CHUNK) {}
        let stop = AtomicBool::new(false);
        let (tx, rx) = crossbeam_channel::bounded(4);
        tx.send(2000..2050).unwrap();
        assert_eq!(prefetch(&cache, &stop, &rx, 0..50), Some(2000..2050));
        assert!(cache.lock().unwrap().cached_line_spans(0).is_none(), "stopped before its first block");
        stop.store(true, Ordering::Relaxed);
        assert_eq!(prefetch(&cache, &stop, &rx, 0..50), None);
    }
}
