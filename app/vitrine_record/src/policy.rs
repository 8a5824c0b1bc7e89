//! Who may change a thread: the status policy per role, one function that every writer (CLI, window)
//! asks before signing and every reader (threads, `vitrine verify`, `verify.sh`) applies to what it reads.
//!
//! | change                                   | annotation's author | reviewer, lead | vendor | any other role |
//! |------------------------------------------|:-------------------:|:--------------:|:------:|:--------------:|
//! | acknowledged, disputed, fixed            | yes                 | yes            | yes    | no             |
//! | accepted-risk, closed                    | yes                 | yes            | no     | no             |
//! | open (reopen)                            | yes                 | yes            | no     | no             |
//! | retract (withdraw the annotation)        | yes                 | no             | no     | no             |
//!
//! "The annotation's author" is the principal who signed the thread's annotation (with any of that
//! principal's keys). The vendor answers a finding (acknowledges, disputes, says it is fixed) but never
//! disposes of it: accepting a risk, closing and reopening are the reviewing side's decisions. A change
//! the policy does not allow is refused when written and, when found in a record, reported by `vitrine
//! verify` and `verify.sh` and ignored when the thread's status is derived.

use crate::entry::{Kind, Status};
use crate::verify::Verified;

/// The side a role is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// `reviewer` and `lead`: they raise findings and decide their outcome.
    Reviewing,
    /// `vendor`: answers findings.
    Vendor,
    /// Any other role (an observer, an auditor): may annotate and reply, changes no one else's thread.
    Other,
}

impl Side {
    /// The side of the role word `role` as written in `allowed_signers` and in entries (exact,
    /// case-sensitive: `Reviewer` is [`Side::Other`]).
    pub fn of(role: &str) -> Side {
        match role {
            "reviewer" | "lead" => Side::Reviewing,
            "vendor" => Side::Vendor,
            _ => Side::Other,
        }
    }
}

/// What a signer tried to do to a thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A status set on the thread (by a `status` entry, or a reply carrying a status).
    SetStatus(Status),
    /// A `retract` entry withdrawing the annotation.
    Retract,
}

/// A change the status policy does not allow, with the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{role} {principal} may not {action} another party's annotation: {rule}")]
pub struct PolicyViolation {
    /// Who tried it (the signer's principal).
    pub principal: String,
    /// The role the signer's entry carries.
    pub role: String,
    /// What was tried.
    pub change: Change,
    /// `set accepted-risk on`, `retract`, …
    pub action: String,
    /// The rule broken, as a sentence for the message (a row of the table above).
    pub rule: &'static str,
}

/// Whether `role`, acting on a thread whose annotation `is_author` wrote (same principal) or not, may
/// set `status`. The one rule every writer and reader applies.
pub fn check_status(
    principal: &str,
    role: &str,
    is_author: bool,
    status: Status,
) -> Result<(), PolicyViolation> {
    check(principal, role, is_author, Change::SetStatus(status))
}

/// Whether the signer may retract the annotation: only its author.
pub fn check_retract(principal: &str, role: &str, is_author: bool) -> Result<(), PolicyViolation> {
    check(principal, role, is_author, Change::Retract)
}

/// [`check_status`] and [`check_retract`] in one.
pub fn check(principal: &str, role: &str, is_author: bool, change: Change) -> Result<(), PolicyViolation> {
    if is_author {
        return Ok(());
    }
    let side = Side::of(role);
    let rule = match change {
        Change::Retract => Some("only the annotation's author retracts it"),
        Change::SetStatus(Status::Acknowledged | Status::Disputed | Status::Fixed) => (side == Side::Other)
            .then_some("only the reviewing side (reviewer, lead) and the vendor answer a finding"),
        Change::SetStatus(Status::AcceptedRisk | Status::Closed) => (side != Side::Reviewing).then_some(
            "only the annotation's author, a reviewer or a lead accepts a risk or closes a thread",
        ),
        Change::SetStatus(Status::Open) => (side != Side::Reviewing)
            .then_some("only the annotation's author, a reviewer or a lead reopens a thread"),
    };
    match rule {
        None => Ok(()),
        Some(rule) => Err(PolicyViolation {
            principal: principal.to_owned(),
            role: role.to_owned(),
            change,
            action: match change {
                Change::Retract => "retract".to_owned(),
                Change::SetStatus(s) => format!("set {} on", s.as_str()),
            },
            rule,
        }),
    }
}

/// The statuses `role` may set on a thread (for menus): every status for the author.
pub fn allowed_statuses(role: &str, is_author: bool) -> Vec<Status> {
    Status::ALL.iter().copied().filter(|&s| check_status("", role, is_author, s).is_ok()).collect()
}

/// The change entry `e` makes to its thread, if any: a status (on any follow-up kind) or a retraction.
pub fn change_of(e: &Verified) -> Option<Change> {
    match (e.entry.kind, e.entry.status) {
        (Kind::Annotation | Kind::ReviewMark, _) => None,
        (Kind::Retract, _) => Some(Change::Retract),
        (_, Some(s)) => Some(Change::SetStatus(s)),
        (_, None) => None,
    }
}

/// Every entry of a log (in log order) that breaks the policy: its position and the violation. An entry
/// whose parent is not in a thread (no annotation at its root) changes nothing and is not reported.
pub fn violations(entries: &[Verified]) -> Vec<(usize, PolicyViolation)> {
    let mut root_of: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        // Thread roots: annotations, and port entries (the threads carried over from an earlier version).
        if matches!(e.entry.kind, Kind::Annotation | Kind::AnchorPort) && e.entry.parent.is_none() {
            root_of.insert(&e.id, i);
            continue;
        }
        let Some(&root) = e.entry.parent.as_deref().and_then(|p| root_of.get(p)) else { continue };
        root_of.insert(&e.id, root);
        let (Some(change), Some(r)) = (change_of(e), entries.get(root)) else { continue };
        let is_author = r.entry.author.principal == e.entry.author.principal;
        if let Err(v) = check(&e.entry.author.principal, &e.entry.role, is_author, change) {
            out.push((i, v));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vendor_answers_but_never_disposes_of_a_finding() {
        for s in [Status::Acknowledged, Status::Disputed, Status::Fixed] {
            check_status("v", "vendor", false, s).unwrap();
        }
        for s in [Status::AcceptedRisk, Status::Closed, Status::Open] {
            let err = check_status("v@x", "vendor", false, s).unwrap_err();
            assert!(err.to_string().starts_with("vendor v@x may not set"), "{err}");
        }
        assert_eq!(
            allowed_statuses("vendor", false),
            [Status::Acknowledged, Status::Disputed, Status::Fixed]
        );
        assert_eq!(allowed_statuses("vendor", true).len(), 6, "a vendor disposes of its own annotations");
    }

    #[test]
    fn the_reviewing_side_decides_others_only_answer_and_only_authors_retract() {
        for role in ["reviewer", "lead"] {
            assert_eq!(allowed_statuses(role, false).len(), 6);
            assert!(check_retract("r", role, false).is_err());
        }
        assert!(allowed_statuses("observer", false).is_empty());
        assert_eq!(allowed_statuses("observer", true).len(), 6);
        check_retract("o", "observer", true).unwrap();
        assert!(check_retract("v", "vendor", false).is_err());
    }
}
