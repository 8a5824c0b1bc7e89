//! The order in which entries take effect: decided by signed data only, never by their place in a log.
//!
//! A log's order is its exporter's word: nothing signs it (a checkpoint binds one exporter's order, and a
//! record need not carry anyone else's). Two records holding the same signed entries in two orders must
//! say the same thing, so a thread's status and whether a retirement voids an entry follow this order:
//!
//! 1. what an entry answers comes before it: its `parent` and its key's previous entry (`prev`), both
//!    signed, so an entry's *effective time* is the latest of its own signed time and the effective
//!    times of those two, and its *depth* is one more than theirs;
//! 2. then by effective time, then depth (so an answer dated, within the clocks' skew, before what it
//!    answers still comes after it), then entry id (SHA-256 of the entry: no signer chooses it freely).
//!
//! When every entry is dated no earlier than what it answers and log order is time order, as in every
//! log written on one machine, this is log order but for entries of different signers within one second.

use std::collections::HashMap;

use crate::verify::Verified;

/// Where each entry of a log takes effect.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Order {
    /// Positions (in the log given) of the entries, in the order they take effect.
    pub sequence: Vec<usize>,
    /// For each position in the log given, its place in [`Order::sequence`].
    pub rank: Vec<usize>,
    /// For each position in the log given, its effective time (Unix seconds).
    pub effective_time: Vec<i64>,
}

/// The order in which the entries of `entries` (verified, in any order) take effect. The result does not
/// depend on the order of `entries`: links are followed by id wherever the linked entry sits.
pub fn effective(entries: &[Verified]) -> Order {
    let n = entries.len();
    let mut at: HashMap<&str, usize> = HashMap::with_capacity(n);
    for (i, v) in entries.iter().enumerate() {
        at.entry(v.id.as_str()).or_insert(i);
    }
    let links = |i: usize| {
        let e = &entries[i].entry;
        [e.parent.as_deref(), e.prev.as_deref()].into_iter().flatten().filter_map(|l| at.get(l).copied())
    };
    let mut time = vec![i64::MIN; n];
    let mut depth = vec![0u64; n];
    // 0: not reached, 1: its links are being read, 2: done. Iterative: a key's chain may be 100,000
    // entries long. A link back to an entry being read (a cycle, which entry ids make impossible in a
    // verified log) is not followed.
    let mut state = vec![0u8; n];
    let mut stack: Vec<usize> = Vec::new();
    for first in 0..n {
        stack.push(first);
        while let Some(&i) = stack.last() {
            match state[i] {
                0 => {
                    state[i] = 1;
                    stack.extend(links(i).filter(|&j| state[j] == 0));
                }
                1 => {
                    let own = entries[i].entry.parsed_time().map_or(i64::MIN, |t| t.unix_timestamp());
                    let (mut t, mut d) = (own, 0u64);
                    for j in links(i).filter(|&j| state[j] == 2) {
                        t = t.max(time[j]);
                        d = d.max(depth[j] + 1);
                    }
                    time[i] = t;
                    depth[i] = d;
                    state[i] = 2;
                    stack.pop();
                }
                _ => {
                    stack.pop();
                }
            }
        }
    }
    let mut sequence: Vec<usize> = (0..n).collect();
    sequence.sort_by(|&a, &b| {
        (time[a], depth[a], entries[a].id.as_str()).cmp(&(time[b], depth[b], entries[b].id.as_str()))
    });
    let mut rank = vec![0; n];
    for (r, &i) in sequence.iter().enumerate() {
        rank[i] = r;
    }
    Order { sequence, rank, effective_time: time }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Entry;

    fn v(id: &str, who: &str, seq: u64, prev: Option<&str>, parent: Option<&str>, time: &str) -> Verified {
        let entry = Entry::for_test(who, seq, prev, parent, time);
        Verified { name: String::new(), id: id.into(), bytes: Vec::new(), sig: Vec::new(), entry }
    }

    /// The same entries in two log orders take effect in one order: by signed time, and an answer after
    /// what it answers even when its signer's clock is behind.
    #[test]
    fn the_order_follows_signed_times_and_links_never_log_positions() {
        let a = v("a", "rev", 1, None, None, "2026-01-01T10:00:00Z");
        let f = v("f", "ven", 1, None, Some("a"), "2026-01-01T10:05:00Z");
        let r = v("r", "rev", 2, Some("a"), Some("a"), "2026-01-01T10:06:00Z");
        // An answer to r dated an hour before it (a clock behind): still after r.
        let late = v("0", "ven", 2, Some("f"), Some("r"), "2026-01-01T09:06:00Z");
        let ids = |log: &[Verified]| -> Vec<String> {
            effective(log).sequence.iter().map(|&i| log[i].id.clone()).collect()
        };
        let one = [a.clone(), f.clone(), r.clone(), late.clone()];
        let other = [a.clone(), r.clone(), f.clone(), late.clone()];
        assert_eq!(ids(&one), ["a", "f", "r", "0"]);
        assert_eq!(ids(&other), ids(&one));
        assert_eq!(effective(&other).rank, vec![0, 2, 1, 3]);
        // Even an order no verifier accepts (answers before what they answer) changes nothing.
        assert_eq!(ids(&[late, r, f, a]), ids(&one));
    }
}
