//! Who may sign what: the policy per role, two tables that every writer (CLI, window) asks before
//! signing and every reader (threads, review progress, `report.html`, `vitrine verify`, `verify.sh`)
//! applies to what it reads. `verify.sh` carries a copy of both tables (`KIND_SIGNERS`, `CHANGERS`),
//! which a test of `scripts.rs` compares with [`signers_of`] and [`changers_of`].
//!
//! Who signs an entry of each kind at all ([`signers_of`]):
//!
//! | kind                                           | reviewer, lead | vendor | any other role |
//! |------------------------------------------------|:--------------:|:------:|:--------------:|
//! | annotation, reply, status, retract             | yes            | yes    | yes            |
//! | review-mark (attests a file's content reviewed) | yes            | no     | no             |
//! | anchor-port (carries a thread over)            | yes            | no     | no             |
//! | retire, rename (a person)                      | yes            | no     | no             |
//!
//! Who changes a thread ([`changers_of`]: the annotation's author always may):
//!
//! | change                                   | annotation's author | reviewer, lead | vendor | any other role |
//! |------------------------------------------|:-------------------:|:--------------:|:------:|:--------------:|
//! | acknowledged, disputed, fixed            | yes                 | yes            | yes    | no             |
//! | accepted-risk, closed                    | yes                 | yes            | no     | no             |
//! | open (reopen)                            | yes                 | yes            | no     | no             |
//! | retract (withdraw the annotation)        | yes                 | no             | no     | no             |
//!
//! "The annotation's author" is the principal who signed the thread's annotation (with any of that
//! principal's keys); in a thread carried over from the review of an earlier version, the author its port
//! entry names (the annotation's author in the old review), never the porter. Only the reviewing side
//! carries threads over: a port signed by anyone else would make its signer the root of a reviewer's
//! thread. Only the reviewing side attests that a file was reviewed: a review mark is the reviewer's
//! statement about coverage, and one signed by the party under review would steer the reviewers away
//! from files nobody read. The vendor answers a finding (acknowledges, disputes, says it is fixed) but
//! never disposes of it: accepting a risk, closing and reopening are the reviewing side's decisions. An
//! entry the policy does not allow is refused when written and, when found in a record, reported by
//! `vitrine verify` and `verify.sh` (so an import refuses the bundle) and ignored wherever the log is
//! read: it changes no thread's status and counts as no review mark.

use std::borrow::Cow;

use crate::entry::{Entry, Kind, Status};
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

/// What a signer tried to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A status set on the thread (by a `status` entry, or a reply carrying a status).
    SetStatus(Status),
    /// A `retract` entry withdrawing the annotation.
    Retract,
    /// Sign an entry of this kind at all (the first table, [`signers_of`]).
    Sign(Kind),
}

/// The sides that may sign an entry of `kind` at all, whatever thread it is in (the first table of the
/// module documentation). A new kind must be given its row here before it compiles.
pub const fn signers_of(kind: Kind) -> &'static [Side] {
    match kind {
        Kind::Annotation | Kind::Reply | Kind::Status | Kind::Retract => {
            &[Side::Reviewing, Side::Vendor, Side::Other]
        }
        Kind::ReviewMark | Kind::AnchorPort | Kind::Retire | Kind::Rename => &[Side::Reviewing],
    }
}

/// The sides that may make `change` to a thread whose annotation they did not write (the second table
/// of the module documentation); the annotation's author always may. For [`Change::Sign`], the
/// [`signers_of`] its kind.
pub const fn changers_of(change: Change) -> &'static [Side] {
    match change {
        Change::SetStatus(Status::Acknowledged | Status::Disputed | Status::Fixed) => {
            &[Side::Reviewing, Side::Vendor]
        }
        Change::SetStatus(Status::AcceptedRisk | Status::Closed | Status::Open) => &[Side::Reviewing],
        Change::Retract => &[],
        Change::Sign(kind) => signers_of(kind),
    }
}

/// What `change` is, as the policy's messages say it, and the rule that allows it (a row of the tables).
fn wording(change: Change) -> (String, &'static str) {
    let annotation = "another party's annotation";
    match change {
        Change::Sign(Kind::AnchorPort) => (
            format!("carry over {annotation}"),
            "only a reviewer or a lead carries a thread over to a new version",
        ),
        Change::Sign(Kind::ReviewMark) => (
            "mark a file reviewed (sign a review-mark)".to_owned(),
            "only a reviewer or a lead attests that a file was reviewed",
        ),
        Change::Sign(Kind::Retire | Kind::Rename) => {
            ("retire or rename a person".to_owned(), "only a reviewer or a lead does")
        }
        Change::Sign(k) => (format!("sign a {} entry", k.as_str()), "no role may"),
        Change::Retract => (format!("retract {annotation}"), "only the annotation's author retracts it"),
        Change::SetStatus(s @ (Status::Acknowledged | Status::Disputed | Status::Fixed)) => (
            format!("set {} on {annotation}", s.as_str()),
            "only the reviewing side (reviewer, lead) and the vendor answer a finding",
        ),
        Change::SetStatus(s @ (Status::AcceptedRisk | Status::Closed)) => (
            format!("set {} on {annotation}", s.as_str()),
            "only the annotation's author, a reviewer or a lead accepts a risk or closes a thread",
        ),
        Change::SetStatus(s @ Status::Open) => (
            format!("set {} on {annotation}", s.as_str()),
            "only the annotation's author, a reviewer or a lead reopens a thread",
        ),
    }
}

/// A change the policy does not allow, with the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{role} {principal} may not {action}: {rule}")]
pub struct PolicyViolation {
    /// Who tried it (the signer's principal).
    pub principal: String,
    /// The role the signer's entry carries.
    pub role: String,
    /// What was tried.
    pub change: Change,
    /// `set accepted-risk on another party's annotation`, `mark a file reviewed (sign a review-mark)`, …
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

/// Whether a signer of `role` may sign an entry of `kind` at all ([`signers_of`]): only the reviewing
/// side marks files reviewed, carries threads over, retires or renames.
pub fn check_kind(principal: &str, role: &str, kind: Kind) -> Result<(), PolicyViolation> {
    check(principal, role, false, Change::Sign(kind))
}

/// Whether the signer may carry a thread over (sign an `anchor-port` entry): only the reviewing side.
pub fn check_port(principal: &str, role: &str) -> Result<(), PolicyViolation> {
    check_kind(principal, role, Kind::AnchorPort)
}

/// The principal the policy takes for the author of the thread that `root` starts: its signer, or for a
/// port entry the author of the annotation it carries over, as its body names it (the port's signer is
/// on the reviewing side, [`check_port`], and vouches for it). A body that does not parse (never in a
/// verified entry) falls back to the signer.
pub fn thread_author(root: &Entry) -> Cow<'_, str> {
    if root.kind == Kind::AnchorPort
        && let Ok(body) = crate::port::PortBody::parse(root.body.as_deref().unwrap_or_default())
    {
        return Cow::Owned(body.author);
    }
    Cow::Borrowed(&root.author.principal)
}

/// Whether `e` starts a thread the policy recognises: an annotation with no parent, or a port entry
/// with no parent signed by the reviewing side (`Err` with the violation for a port signed by anyone
/// else, which starts nothing).
pub fn starts_thread(e: &Entry) -> Option<Result<(), PolicyViolation>> {
    match e.kind {
        Kind::Annotation if e.parent.is_none() => Some(Ok(())),
        Kind::AnchorPort if e.parent.is_none() => Some(check_port(&e.author.principal, &e.role)),
        _ => None,
    }
}

/// Whether the signer may retract the annotation: only its author.
pub fn check_retract(principal: &str, role: &str, is_author: bool) -> Result<(), PolicyViolation> {
    check(principal, role, is_author, Change::Retract)
}

/// Whether a signer of `role` may make `change`, on a thread whose annotation it wrote (`is_author`) or
/// not: the tables of the module documentation.
pub fn check(principal: &str, role: &str, is_author: bool, change: Change) -> Result<(), PolicyViolation> {
    // The annotation's author changes its own thread; who signs a kind at all is no one's own claim.
    if is_author && !matches!(change, Change::Sign(_)) {
        return Ok(());
    }
    if changers_of(change).contains(&Side::of(role)) {
        return Ok(());
    }
    let (action, rule) = wording(change);
    Err(PolicyViolation { principal: principal.to_owned(), role: role.to_owned(), change, action, rule })
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

/// The review marks of a log that count (for the review progress, the report, the window): each signed
/// by a side that may sign one ([`signers_of`]) and not by a principal retired before it
/// ([`crate::people::retirements`]). The others stay in the log and count for nothing.
pub fn counted_review_marks(entries: &[Verified]) -> Vec<&Verified> {
    let void: std::collections::HashSet<usize> =
        crate::people::retirements(entries).violations.into_iter().map(|(i, _)| i).collect();
    entries
        .iter()
        .enumerate()
        .filter(|(i, e)| {
            e.entry.kind == Kind::ReviewMark
                && !void.contains(i)
                && check_kind(&e.entry.author.principal, &e.entry.role, e.entry.kind).is_ok()
        })
        .map(|(_, e)| e)
        .collect()
}

/// Every entry of a log (in log order) that breaks the policy: its position and the violation. An entry
/// whose parent is not in a thread (no annotation at its root) changes nothing and is not reported. A
/// `retire` or `rename` signed by a side that may not is reported by [`crate::people::retirements`],
/// which also decides what it does.
pub fn violations(entries: &[Verified]) -> Vec<(usize, PolicyViolation)> {
    // Per entry id in a thread: the thread's author.
    let mut author_of: std::collections::HashMap<&str, Cow<'_, str>> = std::collections::HashMap::new();
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        // Who may sign the kind at all (a port signed by anyone else starts no thread either).
        if !matches!(e.entry.kind, Kind::Retire | Kind::Rename)
            && let Err(v) = check_kind(&e.entry.author.principal, &e.entry.role, e.entry.kind)
        {
            out.push((i, v));
            continue;
        }
        // Thread roots: annotations, and port entries (the threads carried over from an earlier version).
        match starts_thread(&e.entry) {
            Some(Ok(())) => {
                author_of.insert(&e.id, thread_author(&e.entry));
                continue;
            }
            Some(Err(v)) => {
                out.push((i, v));
                continue;
            }
            None => {}
        }
        let Some(author) = e.entry.parent.as_deref().and_then(|p| author_of.get(p)).cloned() else {
            continue;
        };
        let is_author = *author == e.entry.author.principal;
        author_of.insert(&e.id, author);
        let Some(change) = change_of(e) else { continue };
        if let Err(v) = check(&e.entry.author.principal, &e.entry.role, is_author, change) {
            out.push((i, v));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Author;
    use crate::port::{Outcome, PORT_SCHEMA, PortBody, PortFrom};

    /// An entry of `who` (`role`) of `kind`, answering `parent` with `status`; `id` is its id.
    fn entry(
        id: &str,
        who: &str,
        role: &str,
        kind: Kind,
        parent: Option<&str>,
        status: Option<Status>,
    ) -> Verified {
        let body = (kind == Kind::AnchorPort).then(|| {
            PortBody {
                port: PORT_SCHEMA,
                annotation: "ab".repeat(32),
                author: "rev@x".into(),
                text: "finding".into(),
                from: PortFrom {
                    snapshot: "01".repeat(32),
                    path: "f.c".into(),
                    path_bytes: None,
                    blob: "cd".repeat(32),
                    lines: [3, 3],
                    quote: crate::entry::quote_lines(b"a\nb\nc\n", 3, 3).unwrap(),
                },
                outcome: Outcome::Outdated,
                confidence: None,
                context: Vec::new(),
            }
            .to_body()
            .unwrap()
        });
        let entry = Entry {
            v: 1,
            seq: 1,
            prev: None,
            kind,
            author: Author { principal: who.into(), fingerprint: format!("SHA256:{who}") },
            role: role.into(),
            time: "2026-01-31T12:00:00Z".into(),
            snapshot: "02".repeat(32),
            target: None,
            class: None,
            severity: None,
            category: None,
            body,
            parent: parent.map(str::to_owned),
            status,
        };
        Verified { name: id.into(), id: id.into(), bytes: Vec::new(), sig: Vec::new(), entry }
    }

    /// A port names the annotation's author (`rev@x`); only the reviewing side signs one, and its signer
    /// is not the thread's author: a vendor that ports a reviewer's finding neither starts a thread nor
    /// becomes the author who may close it.
    #[test]
    fn only_the_reviewing_side_carries_a_thread_over_and_the_author_stays_the_annotations() {
        let vendor_port = [
            entry("p", "ven@x", "vendor", Kind::AnchorPort, None, None),
            entry("c", "ven@x", "vendor", Kind::Status, Some("p"), Some(Status::Closed)),
        ];
        let v = violations(&vendor_port);
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!((v[0].0, v[0].1.change), (0, Change::Sign(Kind::AnchorPort)));
        assert!(v[0].1.to_string().contains("only a reviewer or a lead carries a thread over"), "{}", v[0].1);
        assert!(crate::thread::threads(&vendor_port).is_empty(), "a vendor's port starts no thread");

        let lead_port = [
            entry("p", "lead@x", "lead", Kind::AnchorPort, None, None),
            entry("c", "ven@x", "vendor", Kind::Status, Some("p"), Some(Status::Closed)),
            entry("r", "lead@x", "lead", Kind::Retract, Some("p"), None),
            entry("a", "rev@x", "reviewer", Kind::Retract, Some("p"), None),
        ];
        assert_eq!(thread_author(&lead_port[0].entry), "rev@x");
        let v: Vec<(usize, Change)> =
            violations(&lead_port).into_iter().map(|(i, v)| (i, v.change)).collect();
        // The vendor may not close it, the porter may not retract it; its author may.
        assert_eq!(v, [(1, Change::SetStatus(Status::Closed)), (2, Change::Retract)]);
        let t = crate::thread::threads(&lead_port);
        assert_eq!((t.len(), t[0].status, t[0].retracted), (1, Status::Open, true));
    }

    /// h23 F4: a review mark is the reviewing side's attestation. One signed by the vendor (or any other
    /// role) is a violation, and counts as no review mark; the reviewer's counts.
    #[test]
    fn only_the_reviewing_side_marks_a_file_reviewed() {
        let log = [
            entry("a", "rev@x", "reviewer", Kind::Annotation, None, None),
            entry("m1", "ven@x", "vendor", Kind::ReviewMark, None, None),
            entry("m2", "obs@x", "observer", Kind::ReviewMark, None, None),
            entry("m3", "rev@x", "reviewer", Kind::ReviewMark, None, None),
            entry("m4", "lead@x", "lead", Kind::ReviewMark, None, None),
        ];
        let v = violations(&log);
        let got: Vec<(usize, Change)> = v.iter().map(|(i, v)| (*i, v.change)).collect();
        assert_eq!(got, [(1, Change::Sign(Kind::ReviewMark)), (2, Change::Sign(Kind::ReviewMark))]);
        assert_eq!(
            v[0].1.to_string(),
            "vendor ven@x may not mark a file reviewed (sign a review-mark): only a reviewer or a lead attests that a file was reviewed"
        );
        let counted: Vec<&str> = counted_review_marks(&log).iter().map(|e| e.id.as_str()).collect();
        assert_eq!(counted, ["m3", "m4"]);
        assert!(check_kind("ven@x", "vendor", Kind::ReviewMark).is_err());
        check_kind("rev@x", "reviewer", Kind::ReviewMark).unwrap();
    }

    /// Every kind has its row, the reviewing side may sign every kind, and the kinds that speak for the
    /// review (a review mark, a port, a retirement, a rename) are the reviewing side's alone. Being the
    /// thread's author lets no one sign a kind its side may not.
    #[test]
    fn every_kind_has_its_signers_and_the_reviewing_kinds_are_the_reviewing_sides() {
        for &k in Kind::ALL {
            assert!(signers_of(k).contains(&Side::Reviewing), "{k:?}");
            let reviewing_only =
                matches!(k, Kind::ReviewMark | Kind::AnchorPort | Kind::Retire | Kind::Rename);
            assert_eq!(signers_of(k) == [Side::Reviewing], reviewing_only, "{k:?}");
            for role in ["vendor", "observer"] {
                assert_eq!(check(role, role, true, Change::Sign(k)).is_err(), reviewing_only, "{k:?} {role}");
            }
        }
        assert!(crate::people::check_role("v@x", "vendor").is_err());
        crate::people::check_role("l@x", "lead").unwrap();
    }

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
