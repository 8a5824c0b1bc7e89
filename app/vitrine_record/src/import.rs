//! Importing a verified bundle into a review in two steps, so that a person decides before anything is
//! merged: [`Review::plan_import`] says what the bundle would bring (new people with what they signed, a
//! second key for a principal the review knows, people refused, entries held apart because their
//! anchors do not resolve in the snapshot), and [`Review::apply_import`] merges it with the consent given.
//! Cancelling is not calling `apply_import`: planning writes nothing.

use std::collections::HashSet;

use crate::allowed::AllowedSigners;
use crate::bundle::{VerifyReport, anchor_problem};
use crate::entry::Kind;
use crate::error::RecordError;
use crate::principal;
use crate::store::{ImportReport, Review};
use crate::verify::Verified;

/// A key the review does not know, with who it claims to be and what it signed in the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewKey {
    /// The principal exactly as the bundle's `allowed_signers` has it.
    pub principal: String,
    /// The principal as it may be shown: itself, or escaped (`<U+0430>lice@x`) when it is not what it
    /// looks like (see [`principal::display`]).
    pub shown: String,
    /// The role word the bundle gives the key.
    pub role: String,
    /// `SHA256:…` fingerprint of the key.
    pub fingerprint: String,
    /// A principal of this review that this one differs from but looks like (`аlice` for `alice`).
    pub looks_like: Option<String>,
    /// One line per entry of the bundle signed with this key (`finding high on src/a.c:3-5`, …).
    pub signed: Vec<String>,
}

/// A key for a principal the review already knows under other keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondKey {
    /// The new key, with what it signed.
    pub key: NewKey,
    /// The fingerprints this review knows for the principal.
    pub known: Vec<String>,
}

impl SecondKey {
    /// "a second key for alice@agency.example, not the one this review knows: SHA256:…".
    pub fn message(&self) -> String {
        format!(
            "a second key for {}, not the one this review knows: {} (known: {})",
            shown(&self.key.principal, &self.key.shown),
            self.key.fingerprint,
            self.known.join(", ")
        )
    }
}

/// A person of the bundle that cannot be added, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedPerson {
    /// The principal exactly as the bundle's `allowed_signers` has it.
    pub principal: String,
    /// The principal as it may be shown (escaped when it is not what it looks like).
    pub shown: String,
    /// `SHA256:…` fingerprint of the key.
    pub fingerprint: String,
    /// Why it cannot be added: its principal is not valid, or it looks like a principal of this review.
    pub reason: String,
}

/// An entry of the bundle left out of the log, and why (its anchor, or an entry it depends on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldEntry {
    /// Where it is in the bundle (`entries/000003.json`).
    pub name: String,
    /// The entry id (SHA-256 hex of its bytes).
    pub id: String,
    /// Why it is held: its anchor does not resolve in the snapshot, or an entry it depends on is held.
    pub reason: String,
}

/// A thread to which the bundle, read alone, gives another status than this review's log does once the
/// bundle is merged into it (the bundle lacks some of this review's entries, or this review lacks some
/// of the bundle's that are held apart). The bundle's views and a stranger reading it say `bundle`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusDifference {
    /// The thread's root entry id.
    pub thread: String,
    /// Its status (or `retracted`) in the bundle alone.
    pub bundle: String,
    /// Its status (or `retracted`) in this review with the bundle merged.
    pub merged: String,
}

impl StatusDifference {
    /// "thread 1a2b3c4d5e6f: fixed in the bundle, open in this review once merged".
    pub fn message(&self) -> String {
        format!(
            "thread {}: {} in the bundle, {} in this review once merged (the bundle lacks entries this review has, or holds entries held apart here)",
            self.thread.get(..12).unwrap_or(&self.thread),
            self.bundle,
            self.merged
        )
    }
}

/// Each thread's status as its views show it (`retracted` for a retracted thread), by root id.
fn statuses(entries: &[Verified]) -> std::collections::HashMap<String, String> {
    crate::thread::threads(entries)
        .into_iter()
        .map(|t| {
            let s = if t.retracted { "retracted" } else { t.status.as_str() };
            (t.root.id.clone(), s.to_owned())
        })
        .collect()
}

/// What importing a bundle would do. Built by [`Review::plan_import`]; nothing is written until
/// [`Review::apply_import`].
#[derive(Debug, Clone)]
pub struct ImportPlan {
    /// Keys of principals this review does not know.
    pub new_people: Vec<NewKey>,
    /// New keys of principals this review knows: each needs [`Consent::second_keys`].
    pub second_keys: Vec<SecondKey>,
    /// People that cannot be added: when any, the import is refused as a whole.
    pub refused_people: Vec<RefusedPerson>,
    /// Entries that would be added, in bundle order.
    pub entries: Vec<Verified>,
    /// Entries of the bundle this review already has (by id): skipped, not counted in `entries`.
    pub already_present: usize,
    /// Entries held apart (not merged), each with its reason.
    pub held: Vec<HeldEntry>,
    /// Whether this review has no people yet (its first import learns them without asking).
    pub first_import: bool,
    /// Threads the bundle alone gives another status than this review once merged, in bundle order.
    pub status_differences: Vec<StatusDifference>,
    people: AllowedSigners,
}

/// What the person importing agreed to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Consent {
    /// Add the keys of principals the review does not know.
    pub new_people: bool,
    /// Add a second key for a principal the review knows.
    pub second_keys: bool,
}

impl ImportPlan {
    /// The consent this plan needs: what must be asked before [`Review::apply_import`].
    pub fn needs(&self) -> Consent {
        Consent {
            new_people: !self.first_import && !self.new_people.is_empty(),
            second_keys: !self.second_keys.is_empty(),
        }
    }

    /// Why `consent` is not enough for this plan, if it is not.
    pub fn missing(&self, consent: Consent) -> Option<String> {
        if let Some(r) = self.refused_people.first() {
            let who = shown(&r.principal, &r.shown);
            return Some(format!("{who} ({}) cannot be added: {}", r.fingerprint, r.reason));
        }
        let needs = self.needs();
        if needs.second_keys && !consent.second_keys {
            let all: Vec<String> = self.second_keys.iter().map(SecondKey::message).collect();
            return Some(format!("the bundle brings {}", all.join("; ")));
        }
        if needs.new_people && !consent.new_people {
            let all: Vec<String> = self
                .new_people
                .iter()
                .map(|p| format!("{} ({}) {}", shown(&p.principal, &p.shown), p.role, p.fingerprint))
                .collect();
            return Some(format!("the bundle brings people this review does not know: {}", all.join(", ")));
        }
        None
    }
}

/// A principal in a message of one line of plain text (the command line's): `shown` when it is escaped
/// already, else [`principal::annotated`], so no non-ASCII letter is shown without its code point.
fn shown(principal: &str, shown: &str) -> String {
    if shown == principal { principal::annotated(principal) } else { shown.to_owned() }
}

/// One line saying what an entry is, for the list of what a new key signed.
fn describe(v: &Verified) -> String {
    let e = &v.entry;
    let short = |id: &str| id.get(..12).unwrap_or(id).to_owned();
    let at = e.target.as_ref().map(|t| match t.lines {
        Some([a, b]) => format!(" on {}:{a}-{b}", principal::escape(&t.label())),
        None => format!(" on {}", principal::escape(&t.label())),
    });
    match e.kind {
        Kind::Annotation => format!(
            "{} {}{}",
            e.class.map_or("annotation", |c| c.as_str()),
            e.severity.map_or("", |s| s.as_str()),
            at.unwrap_or_default()
        ),
        Kind::ReviewMark => format!("review mark{}", at.unwrap_or_default()),
        Kind::Retire | Kind::Rename => {
            match crate::people::PersonChange::parse(e.body.as_deref().unwrap_or_default()) {
                Ok(c) => match c.to {
                    Some(to) => {
                        format!("rename of {} to {}", principal::escape(&c.principal), principal::escape(&to))
                    }
                    None => format!("retirement of {}", principal::escape(&c.principal)),
                },
                Err(_) => e.kind.as_str().to_owned(),
            }
        }
        kind => format!(
            "{}{} to {}",
            kind.as_str(),
            e.status.map(|s| format!(" ({})", s.as_str())).unwrap_or_default(),
            e.parent.as_deref().map(short).unwrap_or_default()
        ),
    }
}

impl Review {
    /// Plans the import of a verified bundle (`report`, from [`crate::bundle::verify`]), checking each
    /// new entry's anchor against the snapshot through `read` (the caller's hash-checked reader). Writes
    /// nothing. Refused when the bundle does not verify or belongs to another snapshot.
    pub fn plan_import(
        &self,
        report: &VerifyReport,
        read: &dyn Fn(&[u8]) -> Option<Vec<u8>>,
    ) -> Result<ImportPlan, RecordError> {
        if let Some(h) = &report.header
            && h.snapshot.tree_sha256 != self.snapshot()
        {
            return Err(RecordError::Import(format!(
                "the bundle is a record of snapshot {}, not {}",
                h.snapshot.tree_sha256,
                self.snapshot()
            )));
        }
        if !report.is_valid() {
            let first = report.problems.first().map(ToString::to_string).unwrap_or_default();
            let n = report.problems.len();
            let problems = if n == 1 { "1 problem".to_owned() } else { format!("{n} problems") };
            return Err(RecordError::Import(format!(
                "the bundle does not verify ({problems}; first: {first})"
            )));
        }
        let known = &self.people().people;
        let known_principals: Vec<&str> = known.iter().map(|p| p.principal.as_str()).collect();
        let mut plan = ImportPlan {
            new_people: Vec::new(),
            second_keys: Vec::new(),
            refused_people: Vec::new(),
            entries: Vec::new(),
            already_present: 0,
            held: Vec::new(),
            first_import: known.is_empty(),
            status_differences: Vec::new(),
            people: AllowedSigners::default(),
        };
        for p in &report.people.people {
            let shown = principal::display(&p.principal);
            // One principal, one role: a key of a principal this review knows (the same key or a second
            // one) takes the principal's role here; a bundle that gives it another is refused, naming both.
            if let Some(role) = self.people().role_of(&p.principal)
                && role != p.role
            {
                plan.refused_people.push(RefusedPerson {
                    principal: p.principal.clone(),
                    shown,
                    fingerprint: p.fingerprint.clone(),
                    reason: format!(
                        "{} is {} in this review, and the bundle gives this key the role {}: one principal has one role, and a second key inherits none of its own",
                        principal::annotated(&p.principal),
                        crate::store::role_word(role),
                        crate::store::role_word(&p.role)
                    ),
                });
                continue;
            }
            if known.iter().any(|k| k.fingerprint == p.fingerprint && k.principal == p.principal) {
                continue;
            }
            if let Some(other) = known.iter().find(|k| k.fingerprint == p.fingerprint) {
                plan.refused_people.push(RefusedPerson {
                    principal: p.principal.clone(),
                    shown,
                    fingerprint: p.fingerprint.clone(),
                    reason: format!("this key is {} here", principal::annotated(&other.principal)),
                });
                continue;
            }
            if let Err(e) = principal::validate_principal(&p.principal) {
                plan.refused_people.push(RefusedPerson {
                    principal: p.principal.clone(),
                    shown,
                    fingerprint: p.fingerprint.clone(),
                    reason: e.to_string(),
                });
                continue;
            }
            let looks_like = principal::looks_like(&p.principal, known_principals.iter().copied());
            let key = NewKey {
                shown: if looks_like.is_some() { principal::escape(&p.principal) } else { shown },
                principal: p.principal.clone(),
                role: p.role.clone(),
                fingerprint: p.fingerprint.clone(),
                looks_like: looks_like.map(str::to_owned),
                signed: report
                    .accepted
                    .iter()
                    .filter(|v| v.entry.author.fingerprint == p.fingerprint)
                    .map(describe)
                    .collect(),
            };
            let same: Vec<String> =
                known.iter().filter(|k| k.principal == p.principal).map(|k| k.fingerprint.clone()).collect();
            if same.is_empty() {
                plan.new_people.push(key);
            } else {
                plan.second_keys.push(SecondKey { key, known: same });
            }
            plan.people.people.push(p.clone());
        }
        let present: HashSet<&str> = self.entries().iter().map(|e| e.id.as_str()).collect();
        // Held apart: an entry whose anchor does not resolve, and every entry that depends on a held one
        // (its parent, or its author key's previous entry, which its chain names).
        let mut held_ids: HashSet<String> = HashSet::new();
        for v in &report.accepted {
            if present.contains(v.id.as_str()) {
                plan.already_present += 1;
                continue;
            }
            let e = &v.entry;
            let depends = [e.parent.as_deref(), e.prev.as_deref()]
                .into_iter()
                .flatten()
                .find(|d| held_ids.contains(*d));
            let reason = match depends {
                Some(d) => {
                    Some(format!("depends on entry {}, which is held apart", d.get(..12).unwrap_or(d)))
                }
                None => e.target.as_ref().and_then(|t| anchor_problem(e.kind, t, read)),
            };
            match reason {
                Some(reason) => {
                    held_ids.insert(v.id.clone());
                    plan.held.push(HeldEntry { name: v.name.clone(), id: v.id.clone(), reason });
                }
                None => plan.entries.push(v.clone()),
            }
        }
        // Statuses follow signed data only, so the log order of either side changes none; what differs
        // is which entries each side has.
        let theirs = statuses(&report.accepted);
        let mut merged: Vec<Verified> = self.entries().to_vec();
        merged.extend(plan.entries.iter().cloned());
        let ours = statuses(&merged);
        for t in crate::thread::threads(&report.accepted) {
            if let (Some(b), Some(m)) = (theirs.get(&t.root.id), ours.get(&t.root.id))
                && b != m
            {
                plan.status_differences.push(StatusDifference {
                    thread: t.root.id.clone(),
                    bundle: b.clone(),
                    merged: m.clone(),
                });
            }
        }
        Ok(plan)
    }

    /// Merges what `plan` (from [`Review::plan_import`] on this review) brings, if `consent` covers
    /// what it needs ([`ImportPlan::needs`]); otherwise refuses, naming what was not agreed to. Held
    /// entries are not merged: they are written to `quarantine/` with their reasons.
    pub fn apply_import(&mut self, plan: ImportPlan, consent: Consent) -> Result<ImportReport, RecordError> {
        if let Some(why) = plan.missing(consent) {
            return Err(RecordError::Import(why));
        }
        let mut people = self.people().clone();
        people.people.extend(plan.people.people.iter().cloned());
        let mut report = self.import(&people, &plan.entries)?;
        report.already_present += plan.already_present;
        if !plan.held.is_empty() {
            let mut text = String::from("Entries of an imported bundle held apart (not in the log):\n");
            for h in &plan.held {
                text.push_str(&format!("{} {}: {}\n", h.name, h.id, h.reason));
            }
            self.write_quarantine_note("import-held.txt", text.as_bytes())?;
        }
        report.held = plan.held;
        Ok(report)
    }
}
