//! One open file in a tab: its document, cursor and selection, find-in-file and reading coverage.

use crate::state::coverage::LineSet;
use crate::state::document::{Content, Document};

/// Find-in-file state of a tab.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindState {
    pub query: String,
    /// (0-based line, byte range in the line) of every match, in order.
    pub matches: Vec<(usize, std::ops::Range<usize>)>,
    /// Index of the current match.
    pub current: usize,
    /// The file has more matches than were collected (`FIND_LIMIT`): the count is a lower bound.
    pub capped: bool,
    /// The matches of `query` are being collected on a background thread; `matches` is empty until
    /// they arrive.
    pub searching: bool,
    /// The line from which the current match is chosen when the matches arrive.
    pub from_line: usize,
}

/// The matches of one needle, collected off the UI thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundMatches {
    pub query: String,
    pub matches: Vec<(usize, std::ops::Range<usize>)>,
    pub capped: bool,
}

impl FindState {
    /// Takes the matches found for a needle: only those of the needle now in the field and still
    /// awaited, so a result for a needle typed over is dropped. Returns whether they were taken.
    pub fn accept(&mut self, found: FoundMatches) -> bool {
        if !self.searching || found.query != self.query {
            return false;
        }
        self.current = found.matches.iter().position(|m| m.0 >= self.from_line).unwrap_or(0);
        self.matches = found.matches;
        self.capped = found.capped;
        self.searching = false;
        true
    }
}

/// A find running off the UI thread: its result, and a flag that stops it when it is superseded.
#[derive(Debug)]
pub(crate) struct FindJob {
    result: crossbeam_channel::Receiver<FoundMatches>,
    cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Drop for FindJob {
    fn drop(&mut self) {
        self.cancel.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Most find matches collected in one file.
pub const FIND_LIMIT: usize = 100_000;

/// Texts up to this size are searched at once on the UI thread (well under a millisecond); larger
/// ones on a thread, so typing in the find field never waits for a scan of a large file.
pub const FIND_SYNC_BYTES: usize = 256 * 1024;

/// One open file.
#[derive(Debug)]
pub struct Tab {
    pub doc: Document,
    /// 0-based line of the cursor.
    pub cursor_line: usize,
    /// Byte column of the cursor in its line (set by clicks; used to find the identifier under it).
    pub cursor_col: usize,
    /// Other end of the line selection (the selection is anchor..=cursor, in either order).
    pub anchor_line: Option<usize>,
    /// A line the view must bring on screen, and a count of such requests: the view scrolls when the
    /// count changes (so the state never needs the view to hand the request back).
    pub scroll_to: Option<usize>,
    pub scroll_seq: u64,
    pub find: Option<FindState>,
    /// The find running for `find`'s needle off the UI thread, if any.
    pub(crate) find_job: Option<FindJob>,
    /// Lines that have been on screen: the reader's coverage of this file.
    pub seen: LineSet,
}

impl Tab {
    pub(crate) fn new(doc: Document) -> Tab {
        let lines = doc.line_count();
        Tab {
            doc,
            cursor_line: 0,
            cursor_col: 0,
            anchor_line: None,
            scroll_to: None,
            scroll_seq: 0,
            find: None,
            find_job: None,
            seen: LineSet::new(lines),
        }
    }

    /// The selected lines (0-based, inclusive), or just the cursor line.
    pub fn selection(&self) -> std::ops::RangeInclusive<usize> {
        let a = self.anchor_line.unwrap_or(self.cursor_line);
        a.min(self.cursor_line)..=a.max(self.cursor_line)
    }

    /// Asks the view to bring `line` on screen.
    pub(crate) fn scroll_to_line(&mut self, line: usize) {
        /// Unique across tabs, so a reopened tab's first request is never taken for an old one.
        static REQUESTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        self.scroll_to = Some(line);
        self.scroll_seq = REQUESTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    pub(crate) fn move_to(&mut self, line: usize, extend: bool) {
        let line = line.min(self.doc.line_count().saturating_sub(1));
        if extend {
            self.anchor_line.get_or_insert(self.cursor_line);
        } else {
            self.anchor_line = None;
        }
        self.cursor_line = line;
        self.scroll_to_line(line);
    }
}

/// Find state for `query` in `doc`, starting at the first match at or after `from_line`: computed at
/// once for a small text, else started on a thread (`find_job`) and `searching` until it arrives.
pub(crate) fn start_find(tab: &mut Tab, query: String, from_line: usize) {
    tab.find_job = None;
    let text = match &tab.doc.content {
        Content::Text(t) => t.text.clone(),
        _ => std::sync::Arc::from(""),
    };
    let mut state = FindState { query: query.clone(), from_line, searching: true, ..FindState::default() };
    if text.len() <= FIND_SYNC_BYTES {
        let never = std::sync::atomic::AtomicBool::new(false);
        state.accept(found_matches(&text, query, &never));
        tab.find = Some(state);
        return;
    }
    let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (tx, rx) = crossbeam_channel::bounded(1);
    let stop = cancel.clone();
    let spawned = std::thread::Builder::new().name("find".into()).spawn(move || {
        let found = found_matches(&text, query, &stop);
        if !stop.load(std::sync::atomic::Ordering::Relaxed) {
            let _ = tx.send(found);
        }
    });
    match spawned {
        Ok(_) => tab.find_job = Some(FindJob { result: rx, cancel }),
        // No thread: the find answers nothing rather than blocking the window.
        Err(_) => state.searching = false,
    }
    tab.find = Some(state);
}

fn found_matches(text: &str, query: String, cancel: &std::sync::atomic::AtomicBool) -> FoundMatches {
    let matches = crate::state::find::find_all(text, &query, FIND_LIMIT, cancel);
    let capped = matches.len() >= FIND_LIMIT;
    FoundMatches { query, matches, capped }
}

impl Tab {
    /// Takes the matches of the running find if they have arrived; true if they were taken (the
    /// caller then moves the cursor to the current match).
    pub(crate) fn poll_find(&mut self) -> bool {
        let Some(job) = &self.find_job else { return false };
        let found = match job.result.try_recv() {
            Ok(found) => found,
            Err(crossbeam_channel::TryRecvError::Empty) => return false,
            Err(crossbeam_channel::TryRecvError::Disconnected) => {
                self.find_job = None;
                if let Some(f) = &mut self.find {
                    f.searching = false;
                }
                return true;
            }
        };
        self.find_job = None;
        self.find.as_mut().is_some_and(|f| f.accept(found))
    }

    /// Moves the cursor to the current find match, if any. As FindStep: the selection is dropped, so a
    /// following Ctrl+Alt+A annotates the match's line, not a range reaching it.
    pub(crate) fn go_to_find_match(&mut self) {
        if let Some((line, range)) = self.find.as_ref().and_then(|f| f.matches.get(f.current)).cloned() {
            self.cursor_line = line;
            self.cursor_col = range.start;
            self.anchor_line = None;
            self.scroll_to_line(line);
        }
    }

    /// Blocks until the running find is done (tests).
    pub fn wait_find(&mut self) {
        if let Some(job) = self.find_job.take()
            && let (Ok(found), Some(f)) = (job.result.recv(), &mut self.find)
        {
            f.accept(found);
        }
    }
}
