//! A search on its own thread: results stream through a bounded channel and can be cancelled.
//!
//! Searches never share workers with background builds: their parallel file reads run on a pool of
//! their own ([`search_pool`]), so a query typed while an index is built (on rayon's global pool, or
//! any other) starts at once instead of queueing behind the build's tasks. A superseded search is
//! cancelled by dropping its handle; its workers stop at the next file.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crossbeam_channel::{Receiver, SendTimeoutError, Sender};

use super::{FileHits, Plan, Query, SearchOptions, Summary};
use crate::error::SearchError;
use crate::index::Index;

/// What a background search sends.
#[derive(Debug)]
pub enum SearchEvent {
    /// Sent once, first.
    Plan(Plan),
    /// The matching lines of one more file, in ranked order.
    Hits(FileHits),
    /// Sent once, last: the totals, or why the search stopped (including [`SearchError::Cancelled`]).
    Done(Result<Summary, SearchError>),
}

/// A search running on its own thread. Dropping the handle cancels it.
#[derive(Debug)]
pub struct SearchHandle {
    events: Receiver<SearchEvent>,
    cancel: Arc<AtomicBool>,
}

impl SearchHandle {
    /// Results in ranked order, then one `Done`.
    pub fn events(&self) -> &Receiver<SearchEvent> {
        &self.events
    }

    /// Asks the search to stop (e.g. the user typed the next character); it ends with `Done(Err(Cancelled))`.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

impl Drop for SearchHandle {
    fn drop(&mut self) {
        self.cancel();
    }
}

/// Starts `query` on a background thread; results stream through a bounded channel, so a query with a
/// million hits never blocks the caller and never piles up unread results.
pub fn spawn_search(index: Arc<Index>, query: Query, opts: SearchOptions) -> SearchHandle {
    let (tx, rx) = crossbeam_channel::bounded(256);
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    let run = move || {
        let mut on_plan = |p: Plan| {
            send(&tx, SearchEvent::Plan(p), &flag);
        };
        let mut sink = |h: FileHits| send(&tx, SearchEvent::Hits(h), &flag);
        let result = index.search_planned(&query, &opts, &flag, &mut on_plan, &mut sink);
        send(&tx, SearchEvent::Done(result), &flag);
    };
    let spawned = std::thread::Builder::new().name("search".into()).spawn(move || match search_pool() {
        Some(pool) => pool.install(run),
        // Without a pool of its own (threads exhausted), the search still runs, on the global pool.
        None => run(),
    });
    if let Err(e) = spawned {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let _ = tx.send(SearchEvent::Done(Err(SearchError::Thread(e.to_string()))));
        return SearchHandle { events: rx, cancel };
    }
    SearchHandle { events: rx, cancel }
}

/// The workers of interactive searches, separate from rayon's global pool where indexes are built.
/// One per core: the operating system shares the cores between this pool and a build's.
pub fn search_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| rayon::ThreadPoolBuilder::new().thread_name(|i| format!("search-{i}")).build().ok())
        .as_ref()
}

fn send(tx: &Sender<SearchEvent>, mut ev: SearchEvent, cancel: &AtomicBool) -> bool {
    loop {
        match tx.send_timeout(ev, Duration::from_millis(50)) {
            Ok(()) => return true,
            Err(SendTimeoutError::Disconnected(_)) => return false,
            Err(SendTimeoutError::Timeout(back)) => {
                if cancel.load(Ordering::Relaxed) {
                    return false;
                }
                ev = back;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use vitrine_snapshot::Snapshot;
    use vitrine_snapshot::progress::Progress;

    use super::*;

    fn run(index: &Arc<Index>, q: &str) -> (Vec<(String, u64)>, Option<Plan>, u64) {
        let handle = spawn_search(index.clone(), Query::new(q).unwrap(), SearchOptions::default());
        let (mut files, mut plan, mut lines) = (Vec::new(), None, 0);
        for ev in handle.events().iter() {
            match ev {
                SearchEvent::Plan(p) => plan = Some(p),
                SearchEvent::Hits(h) => files.push((h.path, h.line_count)),
                SearchEvent::Done(r) => {
                    lines = r.unwrap().lines;
                    break;
                }
            }
        }
        (files, plan, lines)
    }

    #[test]
    fn a_scan_answers_as_the_index_does_reading_every_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("snap");
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(root.join("src/kmalloc.c"), "void *kmalloc(int n);\nint x = kmalloc(2);\n").unwrap();
        std::fs::write(root.join("src/a.c"), "int a(void) { return kmalloc(1) != 0; }\n").unwrap();
        std::fs::write(root.join("src/b.txt"), "KMALLOC in capitals\nnothing\n").unwrap();
        std::fs::write(root.join("bin.dat"), b"kmalloc\0\x01\x02").unwrap();
        std::fs::write(root.join("other.c"), "int other;\n").unwrap();
        let snap = Arc::new(Snapshot::open(&root, &Default::default(), &Progress::default()).unwrap());
        let (built, _) =
            crate::open_or_build(&snap, &dir.path().join("index"), &Progress::default()).unwrap();
        let built = Arc::new(built);
        let scan = Arc::new(Index::scan(snap));
        assert!(scan.is_scan() && !built.is_scan());
        assert_eq!(scan.meta().files_not_searched(), built.meta().files_not_searched());
        for q in
            ["kmalloc", "case:yes KMALLOC", "/km+alloc\\(\\d\\)/", "kmalloc -path:a.c", "lang:c int", "zzz"]
        {
            let (scan_files, scan_plan, scan_lines) = run(&scan, q);
            let (index_files, index_plan, index_lines) = run(&built, q);
            assert_eq!(scan_files, index_files, "{q}");
            assert_eq!(scan_lines, index_lines, "{q}");
            assert!(index_plan.unwrap().candidates <= scan_plan.unwrap().candidates, "{q}");
        }
        // The scan reads every indexable file (the binary one is left out); the index its candidates.
        let (files, scan_plan, _) = run(&scan, "kmalloc");
        assert_eq!(scan_plan.map(|p| p.candidates), Some(4));
        assert_eq!(run(&built, "kmalloc").1.map(|p| p.candidates), Some(3));
        assert_eq!(files.first().map(|f| f.0.as_str()), Some("src/kmalloc.c"), "a path match ranks first");
    }
}
