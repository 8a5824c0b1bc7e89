//! A search on its own thread: results stream through a bounded channel and can be cancelled.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
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
    std::thread::spawn(move || {
        let mut on_plan = |p: Plan| {
            send(&tx, SearchEvent::Plan(p), &flag);
        };
        let mut sink = |h: FileHits| send(&tx, SearchEvent::Hits(h), &flag);
        let result = index.search_planned(&query, &opts, &flag, &mut on_plan, &mut sink);
        send(&tx, SearchEvent::Done(result), &flag);
    });
    SearchHandle { events: rx, cancel }
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
