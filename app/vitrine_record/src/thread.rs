//! Threads: an annotation with the replies, status changes and retractions that point at it, and the
//! status that results. Derived from the log on every read; never stored. A change the status policy
//! ([`crate::policy`]) does not allow stays in the thread as written but changes nothing.

use std::collections::HashMap;

use crate::entry::{Kind, Status};
use crate::policy::{self, Change};
use crate::verify::Verified;

/// One annotation and what followed it.
#[derive(Debug, Clone)]
pub struct Thread<'a> {
    /// The annotation (or `anchor-port` entry, for a thread carried over from an earlier version) that
    /// starts the thread.
    pub root: &'a Verified,
    /// Replies, status changes and retractions, in log order.
    pub follow_ups: Vec<&'a Verified>,
    /// The last status set in the thread by someone the policy allows (open when none was).
    pub status: Status,
    /// Whether the annotation's author retracted it (a retraction by anyone else changes nothing).
    pub retracted: bool,
}

/// Groups the annotations of a log into threads, in log order of their roots.
pub fn threads(entries: &[Verified]) -> Vec<Thread<'_>> {
    let mut out: Vec<Thread<'_>> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    // Per thread: its author for the policy (a port's: the carried annotation's author).
    let mut authors: Vec<std::borrow::Cow<'_, str>> = Vec::new();
    // What a retired principal signed after its retirement does not count.
    let void: std::collections::HashSet<usize> =
        crate::people::retirements(entries).violations.into_iter().map(|(i, _)| i).collect();
    for (i, e) in entries.iter().enumerate() {
        if void.contains(&i) {
            continue;
        }
        match e.entry.kind {
            // A port entry is the root of the thread it carries over from the review of an earlier
            // version (it names that annotation in its body, not as a parent).
            Kind::Annotation | Kind::AnchorPort if e.entry.parent.is_none() => {
                // A port by anyone but the reviewing side starts nothing (the policy reports it).
                if policy::starts_thread(&e.entry).is_some_and(|r| r.is_err()) {
                    continue;
                }
                index.insert(&e.id, out.len());
                authors.push(policy::thread_author(&e.entry));
                out.push(Thread { root: e, follow_ups: Vec::new(), status: Status::Open, retracted: false });
            }
            Kind::Annotation | Kind::Reply | Kind::Status | Kind::Retract | Kind::AnchorPort => {
                let Some(parent) = e.entry.parent.as_deref() else { continue };
                let Some(&t) = index.get(parent) else { continue };
                // A reply to a reply belongs to the same thread.
                index.insert(&e.id, t);
                if let Some(thread) = out.get_mut(t) {
                    thread.follow_ups.push(e);
                    let is_author = authors.get(t).is_some_and(|a| **a == e.entry.author.principal);
                    let permitted =
                        |c| policy::check(&e.entry.author.principal, &e.entry.role, is_author, c).is_ok();
                    match policy::change_of(e) {
                        Some(c @ Change::SetStatus(s)) if permitted(c) => thread.status = s,
                        Some(c @ Change::Retract) if permitted(c) => thread.retracted = true,
                        _ => {}
                    }
                }
            }
            Kind::ReviewMark | Kind::Retire | Kind::Rename => {}
        }
    }
    out
}
