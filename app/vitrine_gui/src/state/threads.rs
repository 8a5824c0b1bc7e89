//! The review-wide list of threads: every annotation thread of the review, filtered by severity,
//! status, kind, author and file, sorted, and walked with the keyboard (next / previous finding). With
//! words in its search box, or the scope "all reviews on this workstation", it lists the findings
//! library's hits instead (`state::library`).

use vitrine_record::{Class, Severity, Status};

use crate::state::review::ReviewState;
use crate::state::{AppState, BottomTab, NavCmd, ThreadsCmd, ViewCmd};

/// How the list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ThreadSort {
    /// Most severe first (questions and notes last), then by file and line.
    #[default]
    Severity,
    /// By file, then line.
    File,
    /// Most recent activity first.
    Recent,
}

/// What the list shows. Empty text filters and `None` let everything through.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ThreadFilter {
    pub severity: Option<Severity>,
    pub status: Option<Status>,
    pub class: Option<Class>,
    /// Part of the author's principal.
    pub author: String,
    /// Part of the file's path.
    pub file: String,
    /// Show retracted threads too.
    pub retracted: bool,
    pub sort: ThreadSort,
}

/// One thread, as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadRow {
    /// The root entry's id.
    pub id: String,
    pub path: String,
    /// First line, 1-based (none for a thread on a whole file).
    pub line: Option<u64>,
    pub class: Class,
    pub severity: Option<Severity>,
    pub status: Status,
    pub author: String,
    /// The root's time, and the time of the thread's last entry (RFC 3339).
    pub time: String,
    pub last_time: String,
    /// The first line of the root's body.
    pub title: String,
    pub replies: usize,
    pub retracted: bool,
}

impl ThreadRow {
    fn matches(&self, f: &ThreadFilter) -> bool {
        let contains = |hay: &str, needle: &str| {
            needle.trim().is_empty() || hay.to_lowercase().contains(&needle.trim().to_lowercase())
        };
        (f.retracted || !self.retracted)
            && f.severity.is_none_or(|s| self.severity == Some(s))
            && f.status.is_none_or(|s| self.status == s)
            && f.class.is_none_or(|c| self.class == c)
            && contains(&self.author, &f.author)
            && contains(&self.path, &f.file)
    }
}

/// The list: every thread of the review, and the rows the filter lets through, in order.
#[derive(Debug, Default)]
pub struct ThreadList {
    pub filter: ThreadFilter,
    all: Vec<ThreadRow>,
    /// Indexes into the review's threads, filtered and sorted.
    pub shown: Vec<usize>,
    /// The highlighted row (an index into `shown`).
    pub selected: usize,
    /// The scope, the search box and the findings library's answer.
    pub library: crate::state::library::LibrarySearch,
}

impl ThreadList {
    /// Every thread of the review (once per change of the log).
    pub fn refresh(&mut self, review: Option<&ReviewState>) {
        let selected = self.selected_row().map(|r| r.id.clone());
        self.all = review.map(rows_of).unwrap_or_default();
        self.reorder();
        if let Some(id) = selected
            && let Some(i) = self.shown.iter().position(|&i| self.all.get(i).is_some_and(|r| r.id == id))
        {
            self.selected = i;
        }
    }

    /// The rows shown, in order.
    pub fn rows(&self) -> impl Iterator<Item = &ThreadRow> {
        self.shown.iter().filter_map(|&i| self.all.get(i))
    }

    /// Threads in the review, shown or not.
    pub fn total(&self) -> usize {
        self.all.len()
    }

    pub fn selected_row(&self) -> Option<&ThreadRow> {
        self.shown.get(self.selected).and_then(|&i| self.all.get(i))
    }

    fn reorder(&mut self) {
        let mut shown: Vec<usize> =
            (0..self.all.len()).filter(|&i| self.all[i].matches(&self.filter)).collect();
        let all = &self.all;
        let place = |r: &ThreadRow| (r.path.clone(), r.line.unwrap_or(0));
        match self.filter.sort {
            ThreadSort::Severity => shown.sort_by_key(|&i| {
                let r = &all[i];
                (std::cmp::Reverse(r.severity), r.class != Class::Finding, place(r))
            }),
            ThreadSort::File => shown.sort_by_key(|&i| place(&all[i])),
            ThreadSort::Recent => shown.sort_by(|&a, &b| all[b].last_time.cmp(&all[a].last_time)),
        }
        self.shown = shown;
        self.selected = self.selected.min(self.shown.len().saturating_sub(1));
    }
}

fn rows_of(review: &ReviewState) -> Vec<ThreadRow> {
    review
        .threads(None)
        .iter()
        .filter_map(|t| {
            let e = &t.root.entry;
            let target = e.target.as_ref()?;
            let body = e.body.as_deref().unwrap_or_default();
            let last = t.follow_ups.last().map_or(&e.time, |f| &f.entry.time);
            Some(ThreadRow {
                id: t.root.id.clone(),
                path: target.shown(),
                line: target.lines.map(|[a, _]| a),
                class: e.class.unwrap_or(Class::Note),
                severity: e.severity,
                status: t.status,
                author: review.author(&e.author),
                time: e.time.clone(),
                last_time: last.clone(),
                title: body.lines().find(|l| !l.trim().is_empty()).unwrap_or_default().trim().to_owned(),
                replies: t.follow_ups.len(),
                retracted: t.retracted,
            })
        })
        .collect()
}

impl AppState {
    pub(crate) fn apply_threads(&mut self, cmd: ThreadsCmd) {
        match cmd {
            ThreadsCmd::Show => self.apply(ViewCmd::ShowBottom(BottomTab::Threads)),
            ThreadsCmd::SetFilter(filter) => {
                self.threads.filter = filter;
                self.threads.reorder();
                self.search_library();
            }
            ThreadsCmd::SetScope(scope) => {
                self.threads.library.scope = scope;
                self.search_library();
            }
            ThreadsCmd::SetSearch(text) => {
                self.threads.library.text = text;
                self.search_library();
            }
            ThreadsCmd::CloseForeign => self.threads.library.foreign = None,
            ThreadsCmd::Move(delta) if self.threads.library.active() => {
                let lib = &mut self.threads.library;
                let last = lib.hits.len().saturating_sub(1);
                lib.selected = lib.selected.saturating_add_signed(delta).min(last);
            }
            ThreadsCmd::Open if self.threads.library.active() => self.open_library_hit(),
            ThreadsCmd::Move(delta) => {
                let last = self.threads.shown.len().saturating_sub(1);
                self.threads.selected = self.threads.selected.saturating_add_signed(delta).min(last);
            }
            ThreadsCmd::Open => self.open_selected_thread(),
            ThreadsCmd::Step(forward) => {
                let n = self.threads.shown.len();
                if n == 0 {
                    self.error = Some("No thread in the list (check the filters of the Threads tab).".into());
                    return;
                }
                // From the thread at the cursor when there is one, else from the highlighted row.
                let here = self.thread_at_cursor();
                let from = here.unwrap_or(self.threads.selected);
                self.threads.selected = match (here, forward) {
                    (None, _) => from.min(n - 1),
                    (Some(_), true) => (from + 1) % n,
                    (Some(_), false) => (from + n - 1) % n,
                };
                self.open_selected_thread();
            }
        }
    }

    /// The position in the list of the thread whose lines hold the cursor of the active tab.
    fn thread_at_cursor(&self) -> Option<usize> {
        let tab = self.active_tab()?;
        let path = tab.doc.path.display();
        let line = tab.cursor_line as u64 + 1;
        self.threads.rows().position(|r| r.path == path && r.line == Some(line))
    }

    /// Runs the library search of the tab's scope, words and severity / status filters (when the tab
    /// shows the library).
    pub(crate) fn search_library(&mut self) {
        let f = &self.threads.filter;
        let status = f.status.map(|s| s.as_str().to_owned());
        let severity = f.severity.map(|s| s.as_str().to_owned());
        let tree = self.snapshot.as_ref().map(|s| s.ids().tree_sha256.to_string());
        let data = self.data.root().to_path_buf();
        self.threads.library.run(data, tree.as_deref(), status, severity);
    }

    /// Opens the highlighted library hit: a thread of this review at its line; a thread of another
    /// snapshot's review read-only, with that snapshot named.
    fn open_library_hit(&mut self) {
        let lib = &self.threads.library;
        let Some(hit) = lib.hits.get(lib.selected).cloned() else { return };
        let here = self.snapshot.as_ref().is_some_and(|s| s.ids().tree_sha256.to_string() == hit.snapshot);
        if !here {
            let data = self.data.root().to_path_buf();
            self.threads.library.read_foreign(data, &hit);
            return;
        }
        self.threads.library.foreign = None;
        let Some(path) = hit.path.as_ref().and_then(|p| self.finding_paths.get(p)).cloned() else {
            self.error = Some(format!(
                "The thread's file {} is not in this snapshot.",
                hit.path.as_deref().unwrap_or("(none)")
            ));
            return;
        };
        let line = hit.line.map(|l| l.saturating_sub(1) as usize);
        self.apply(NavCmd::OpenFile { path, line });
        if let Some(r) = &mut self.review {
            r.selected = Some(hit.thread);
        }
    }

    fn open_selected_thread(&mut self) {
        let Some(row) = self.threads.selected_row().cloned() else { return };
        let Some(path) = self.finding_paths.get(&row.path).cloned() else {
            self.error = Some(format!("The thread's file {} is not in this snapshot.", row.path));
            return;
        };
        let line = row.line.map(|l| l.saturating_sub(1) as usize);
        self.apply(NavCmd::OpenFile { path, line });
        if let Some(r) = &mut self.review {
            r.selected = Some(row.id);
        }
    }
}
