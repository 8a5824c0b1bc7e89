//! Progress and cancellation shared between a long job and whoever watches it (CLI bar or GUI).

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Counters a background job advances and a watcher reads; `cancel` asks the job to stop.
#[derive(Debug, Default)]
pub struct Progress {
    phase: Mutex<String>,
    total_items: AtomicU64,
    done_items: AtomicU64,
    done_bytes: AtomicU64,
    cancelled: AtomicBool,
}

/// A consistent reading of a [`Progress`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressView {
    /// What the job is doing now, for people ("hashing", "indexing", …); empty before the first phase.
    pub phase: String,
    /// Items the current phase expects to process; 0 when it does not know.
    pub total_items: u64,
    /// Items of the current phase done so far.
    pub done_items: u64,
    /// Bytes of content processed in the current phase so far.
    pub done_bytes: u64,
}

impl Progress {
    /// Starts a new phase of `total_items` items (0: unknown) and resets the done counters.
    pub fn set_phase(&self, phase: &str, total_items: u64) {
        if let Ok(mut p) = self.phase.lock() {
            phase.clone_into(&mut p);
        }
        self.total_items.store(total_items, Ordering::Relaxed);
        self.done_items.store(0, Ordering::Relaxed);
        self.done_bytes.store(0, Ordering::Relaxed);
    }

    /// Records `items` more items and `bytes` more bytes done in the current phase. Callable from any
    /// thread.
    pub fn advance(&self, items: u64, bytes: u64) {
        self.done_items.fetch_add(items, Ordering::Relaxed);
        self.done_bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Asks the job to stop: it checks [`Progress::is_cancelled`] between items and then returns its
    /// own cancellation error (for ingest, [`crate::SnapshotError::Cancelled`]). It cannot be undone.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// Whether [`Progress::cancel`] has been called.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// A reading of the counters for display. The fields are read one by one, so a view taken during
    /// a phase change may mix the two phases for one frame.
    pub fn view(&self) -> ProgressView {
        ProgressView {
            phase: self.phase.lock().map(|p| p.clone()).unwrap_or_default(),
            total_items: self.total_items.load(Ordering::Relaxed),
            done_items: self.done_items.load(Ordering::Relaxed),
            done_bytes: self.done_bytes.load(Ordering::Relaxed),
        }
    }
}

impl ProgressView {
    /// Fraction done in 0..=1 (0 when the total is unknown).
    pub fn fraction(&self) -> f32 {
        if self.total_items == 0 {
            0.0
        } else {
            (self.done_items as f64 / self.total_items as f64).min(1.0) as f32
        }
    }
}
