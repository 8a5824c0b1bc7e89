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
    /// The status set last in the thread by someone the policy allows (open when none was): last in the
    /// order of signed data ([`crate::order::effective`]), not in log order, which is the exporter's word.
    pub status: Status,
    /// The follow-up whose status change decides [`Thread::status`] (none while the thread is open for
    /// want of one).
    pub decided_by: Option<&'a Verified>,
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
    // Which status change takes effect last: by signed times and answers, never by log position.
    let rank = crate::order::effective(entries).rank;
    // Per thread: the rank of the status change that decides it so far.
    let mut decided: Vec<Option<usize>> = Vec::new();
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
                decided.push(None);
                out.push(Thread {
                    root: e,
                    follow_ups: Vec::new(),
                    status: Status::Open,
                    decided_by: None,
                    retracted: false,
                });
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
                        Some(c @ Change::SetStatus(s)) if permitted(c) => {
                            let r = rank.get(i).copied().unwrap_or(i);
                            if let Some(d) = decided.get_mut(t)
                                && d.is_none_or(|d| d < r)
                            {
                                *d = Some(r);
                                thread.status = s;
                                thread.decided_by = Some(e);
                            }
                        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{Author, Entry};

    /// An entry of `who` (`role`), `seq` in its key's chain after `prev`, answering `parent`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn at(
        id: &str,
        who: &str,
        role: &str,
        kind: Kind,
        (seq, prev): (u64, Option<&str>),
        parent: Option<&str>,
        status: Option<Status>,
        time: &str,
    ) -> Verified {
        let body = match kind {
            Kind::Retire => Some(format!("{{\"principal\":\"{}\"}}", "ven@x")),
            _ => Some("b".into()),
        };
        let entry = Entry {
            v: if kind == Kind::Retire { 3 } else { 1 },
            seq,
            prev: prev.map(str::to_owned),
            kind,
            author: Author { principal: who.into(), fingerprint: format!("SHA256:{who}") },
            role: role.into(),
            time: time.into(),
            snapshot: "s".into(),
            target: None,
            class: None,
            severity: None,
            category: None,
            body,
            parent: parent.map(str::to_owned),
            status,
        };
        Verified {
            name: format!("entries/{id}.json"),
            id: id.into(),
            bytes: Vec::new(),
            sig: Vec::new(),
            entry,
        }
    }

    fn status(log: &[Verified]) -> Status {
        threads(log)[0].status
    }

    /// F2: the vendor's `fixed`, then the reviewer's reopen signed later. A record listing the same signed
    /// entries with the `fixed` last (the exporter's unsigned order) must say what the entries say: open.
    #[test]
    fn a_status_follows_signed_times_never_the_exporters_log_order() {
        let a = at("a", "rev@x", "reviewer", Kind::Annotation, (1, None), None, None, "2026-01-01T10:00:00Z");
        let fixed = |t| at("f", "ven@x", "vendor", Kind::Reply, (1, None), Some("a"), Some(Status::Fixed), t);
        let reopen =
            |t| at("r", "rev@x", "reviewer", Kind::Status, (2, Some("a")), Some("a"), Some(Status::Open), t);
        let (f, r) = (fixed("2026-01-01T10:05:00Z"), reopen("2026-01-01T10:06:00Z"));
        assert_eq!(status(&[a.clone(), f.clone(), r.clone()]), Status::Open);
        assert_eq!(status(&[a.clone(), r.clone(), f.clone()]), Status::Open, "reordered by the exporter");
        // The other way round in time: fixed after the reopen, wherever either sits.
        let (f, r) = (fixed("2026-01-01T10:07:00Z"), reopen("2026-01-01T10:06:00Z"));
        assert_eq!(status(&[a.clone(), f.clone(), r.clone()]), Status::Fixed);
        assert_eq!(status(&[a.clone(), r, f]), Status::Fixed);
        // A reopen that answers the fixed comes after it even when its signer's clock is an hour behind.
        let f = fixed("2026-01-01T10:05:00Z");
        let r = at(
            "r",
            "rev@x",
            "reviewer",
            Kind::Status,
            (2, Some("a")),
            Some("f"),
            Some(Status::Open),
            "2026-01-01T09:05:00Z",
        );
        assert_eq!(status(&[a.clone(), f, r]), Status::Open);
    }

    /// F2 variant B: a retirement counts by signed time, not by where the exporter lists it: the retired
    /// vendor's `fixed` dated after it changes nothing in either order; one dated in its second counts.
    #[test]
    fn a_retirement_voids_what_is_dated_after_it_wherever_it_sits() {
        let a = at("a", "rev@x", "reviewer", Kind::Annotation, (1, None), None, None, "2026-01-01T10:00:00Z");
        let ret =
            at("x", "rev@x", "reviewer", Kind::Retire, (2, Some("a")), None, None, "2026-01-01T10:10:00Z");
        let fixed = |t| at("f", "ven@x", "vendor", Kind::Reply, (1, None), Some("a"), Some(Status::Fixed), t);
        let f = fixed("2026-01-01T10:10:01Z");
        for log in [[a.clone(), f.clone(), ret.clone()], [a.clone(), ret.clone(), f.clone()]] {
            assert_eq!(status(&log), Status::Open, "{:?}", log.iter().map(|v| &v.id).collect::<Vec<_>>());
            let void = crate::people::retirements(&log).violations;
            assert_eq!(void.len(), 1, "{void:?}");
            assert_eq!(log[void[0].0].id, "f");
            assert!(void[0].1.contains("who was retired by entry x"), "{}", void[0].1);
        }
        let f = fixed("2026-01-01T10:10:00Z");
        for log in [[a.clone(), f.clone(), ret.clone()], [a.clone(), ret.clone(), f.clone()]] {
            assert_eq!(status(&log), Status::Fixed);
            assert!(crate::people::retirements(&log).violations.is_empty());
        }
    }
}
