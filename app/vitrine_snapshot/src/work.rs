//! Work over a snapshot's files on the current rayon pool, each worker taking the next file as soon
//! as it is free.
//!
//! A parallel iterator over a slice splits it into runs that each worker then works through alone:
//! rayon splits a range further only when part of it is stolen, so the first worker keeps a quarter
//! of the items (on two threads) that no idle worker can take from it. When the costs are uneven
//! (the largest files first, or a directory of generated headers), one core then works alone while
//! the others wait: on Linux the symbol build parsed its largest quarter on one core for 20 s of the
//! window's cold start. Here every worker takes one item at a time from a shared cursor, so the
//! items are taken in order and no worker idles while any item is left.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// Calls `each(state, item)` for every item, in parallel on the current rayon pool (the global
/// pool outside one), one worker per pool thread, each with its own `init()` state; the items are
/// taken in order, each by the first worker free. Returns when every item is done.
pub fn for_each_next<T, S>(items: &[T], init: impl Fn() -> S + Sync, each: impl Fn(&mut S, &T) + Sync)
where
    T: Sync,
{
    workers(items.len(), |next| {
        let mut state = None;
        while let Some(item) = items.get(next()) {
            each(state.get_or_insert_with(&init), item);
        }
    });
}

/// `map(state, i, &items[i])` for every item, taken as [`for_each_next`] takes them; the results in
/// the order of the items.
pub fn map_next<T, S, R>(
    items: &[T],
    init: impl Fn() -> S + Sync,
    map: impl Fn(&mut S, usize, &T) -> R + Sync,
) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    let done: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::with_capacity(items.len()));
    workers(items.len(), |next| {
        let mut state = None;
        let mut mine = Vec::new();
        loop {
            let i = next();
            let Some(item) = items.get(i) else { break };
            mine.push((i, map(state.get_or_insert_with(&init), i, item)));
        }
        done.lock().unwrap_or_else(PoisonError::into_inner).append(&mut mine);
    });
    let mut done = done.into_inner().unwrap_or_else(PoisonError::into_inner);
    done.sort_unstable_by_key(|&(i, _)| i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// Runs `work(next)` on as many workers as the pool has threads (at most `n`), `next` handing out
/// 0, 1, 2, … across them.
fn workers(n: usize, work: impl Fn(&dyn Fn() -> usize) + Sync) {
    let cursor = AtomicUsize::new(0);
    let next = || cursor.fetch_add(1, Ordering::Relaxed);
    rayon::scope(|s| {
        for _ in 0..rayon::current_num_threads().min(n) {
            s.spawn(|_| work(&next));
        }
    });
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Condvar, Mutex};
    use std::time::Duration;

    use super::for_each_next;

    /// The first item does not finish until every other item has been taken: with the items split
    /// into runs (a parallel iterator), the items behind it in its run wait for it and it gives up.
    #[test]
    fn a_slow_item_holds_back_no_other_item() {
        const N: usize = 64;
        let items: Vec<usize> = (0..N).collect();
        let others = Mutex::new(0usize);
        let changed = Condvar::new();
        let held_back = AtomicBool::new(false);
        let states = AtomicUsize::new(0);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let done = Mutex::new(vec![0u32; N]);
        pool.install(|| {
            for_each_next(
                &items,
                || states.fetch_add(1, Ordering::SeqCst),
                |_, &i| {
                    let mut n = others.lock().unwrap();
                    if i == 0 {
                        let (_n, wait) =
                            changed.wait_timeout_while(n, Duration::from_secs(30), |n| *n < N - 1).unwrap();
                        held_back.store(wait.timed_out(), Ordering::SeqCst);
                    } else {
                        *n += 1;
                        changed.notify_all();
                    }
                    done.lock().unwrap()[i] += 1;
                },
            );
        });
        assert!(!held_back.load(Ordering::SeqCst), "items waited behind the first one");
        assert_eq!(*done.lock().unwrap(), vec![1; N], "every item exactly once");
        assert_eq!(states.load(Ordering::SeqCst), 2, "one state per worker");
    }

    #[test]
    fn map_next_keeps_the_order_of_its_items() {
        let items: Vec<u64> = (0..1000).rev().collect();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
        let got = pool.install(|| {
            super::map_next(
                &items,
                || 0u32,
                |calls, i, &item| {
                    *calls += 1;
                    (i, item * 2)
                },
            )
        });
        assert_eq!(got, items.iter().enumerate().map(|(i, x)| (i, x * 2)).collect::<Vec<_>>());
    }

    #[test]
    fn no_items_start_no_worker() {
        let states = AtomicUsize::new(0);
        for_each_next(&[] as &[u8], || states.fetch_add(1, Ordering::SeqCst), |_, _| {});
        assert_eq!(states.load(Ordering::SeqCst), 0);
    }
}
