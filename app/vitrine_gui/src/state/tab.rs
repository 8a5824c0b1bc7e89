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
}

/// Most find matches collected in one file.
pub const FIND_LIMIT: usize = 100_000;

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

/// Find state for `query` in `doc`, starting at the first match at or after `from_line`.
pub(crate) fn find_state(doc: &Document, query: String, from_line: usize) -> FindState {
    let matches = match &doc.content {
        Content::Text(t) => crate::state::find::find_all(&t.text, &query, FIND_LIMIT),
        _ => Vec::new(),
    };
    let current = matches.iter().position(|m| m.0 >= from_line).unwrap_or(0);
    let capped = matches.len() >= FIND_LIMIT;
    FindState { query, matches, current, capped }
}
