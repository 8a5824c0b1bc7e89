//! Carrying the threads of a version's review over to the next version's review: one signed
//! `anchor-port` entry per thread (see `vitrine_record::port` for the entry and [`crate::port`] for how
//! an anchor is found again). The one implementation behind `vitrine port` and the window's port action.

use std::collections::{BTreeMap, HashMap, HashSet};

use vitrine_record::entry::Target;
use vitrine_record::port::{Continues, Outcome, PortBody, PortFrom, target_at};
use vitrine_record::time::OffsetDateTime;
use vitrine_record::{Draft, Kind, RecordError, Review, Signer, Status};
use vitrine_snapshot::progress::Progress;
use vitrine_snapshot::{FileEntry, Snapshot, SnapshotError};

use crate::port::{Anchor, FilePort, Port};
use crate::{CompareError, DiffOptions, FileChange, SnapshotDiff};

/// Why threads could not be carried over.
#[derive(Debug, thiserror::Error)]
pub enum CarryError {
    #[error("the two snapshots are the same (content key {0}): nothing to carry over")]
    /// Both sides are one snapshot: the same content key, every file's bytes, mode and path, those the
    /// tree ids leave out too (equal tree ids are not enough: `.GIT/…` is not in them).
    SameSnapshot(String),
    #[error(
        "the two snapshots share their tree ids (tree {tree}) but differ in {count} file(s) the tree ids \
         leave out ({first}{more}): a review belongs to a tree id, so both versions have the one review \
         and its threads cannot be carried from one to the other; review those files in `vitrine diff`"
    )]
    /// The tree ids are equal but the content is not: only files the tree ids leave out (`.GIT/…`,
    /// `git~1/…`) differ. Both versions would share one review, so nothing can be carried over, and
    /// saying "the same" would hide the change.
    SharedTreeIds {
        /// The shared tree id (SHA-256).
        tree: String,
        /// How many files differ.
        count: usize,
        /// The first of them (escaped for a terminal).
        first: String,
        /// `, …` when there are more.
        more: &'static str,
    },
    #[error(transparent)]
    /// The diff failed.
    Compare(#[from] CompareError),
    #[error(transparent)]
    /// A review could not be read or written.
    Record(#[from] RecordError),
    #[error("thread {thread}: {file} in the old snapshot is not the blob it was written on")]
    /// A thread's file in the old snapshot is not the content the thread was written on.
    WrongBlob {
        /// The thread's root entry id.
        thread: String,
        /// The file and lines, as the thread names them.
        file: String,
    },
    #[error("lines {first}-{last} are outside {path} in the new snapshot")]
    /// The lines a thread was ported to are not in the new file.
    Outside {
        /// The new file.
        path: String,
        /// First line, 1-based.
        first: u32,
        /// Last line, 1-based.
        last: u32,
    },
    #[error("cancelled before anything was written")]
    /// The port was cancelled (the progress's flag) before it wrote an entry.
    Cancelled,
    #[error("{0} is not a file of the snapshot")]
    /// The diff names a file the snapshot does not have.
    NotAFile(String),
    #[error("cannot read {path}: {source}")]
    /// A file's content could not be read back.
    Read {
        /// The file.
        path: String,
        #[source]
        /// The snapshot's error.
        source: SnapshotError,
    },
}

/// One thread carried over.
#[derive(Debug, Clone)]
pub struct Ported {
    /// The thread's root entry in the old review.
    pub thread: String,
    /// The annotation carried over (the original one, for a thread itself carried over before).
    pub annotation: String,
    /// The `anchor-port` entry written in the new review.
    pub entry: String,
    /// How the anchor was found again.
    pub outcome: Outcome,
    /// The old file (text form) and lines.
    pub from: (String, [u64; 2]),
    /// The new file and lines (`None` when outdated).
    pub to: Option<(String, [u64; 2])>,
    /// For `changed`: how sure, 1 to 100.
    pub confidence: Option<u64>,
    /// Other places where the old quoted lines are intact in the new file, besides `to` (file and
    /// lines): for a `changed` port, an unchanged copy the reviewer should know of (it may be a decoy
    /// in dead code, or the code's new home). At most [`crate::port::COPIES_LISTED`].
    pub also: Vec<(String, [u64; 2])>,
    /// How many more such copies there are, not listed.
    pub also_more: usize,
    /// Why a thread the port used to leave out is carried over: [`Revived::Closed`] (closed, or its risk
    /// accepted, and this update changed its lines) or [`Revived::Reappeared`] (outdated at an earlier
    /// port, and its quoted lines are back); `None` for a live thread.
    pub revived: Option<Revived>,
    /// Why lines whose bytes were kept are `changed` (signed in the body): their context changed.
    pub context: Vec<String>,
}

/// Why a thread that was settled in the previous review is carried over all the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revived {
    /// The thread was closed (or its risk accepted) in the previous review, and this update changed the
    /// lines it was closed on: a verified fix reverted is a regression the reviewer must see.
    Closed(Status),
    /// The thread was `outdated` (its lines gone) at an earlier port, and its original quoted lines, by
    /// their hash, are in this version again.
    Reappeared,
}

/// What a port did.
#[derive(Debug, Clone)]
pub struct CarryReport {
    /// One per thread carried over, in the order written.
    pub ports: Vec<Ported>,
    /// Threads not carried over, by reason (retracted, closed, outdated before, ported before).
    pub skipped: BTreeMap<&'static str, usize>,
    /// The review the new one continues (written as its `continues.json`).
    pub continues: Continues,
    /// Principals of the old review added to the new one.
    pub people_added: Vec<String>,
}

/// One thread of the old review to carry over.
struct Job {
    root_id: String,
    body: PortBody,
    class: Option<vitrine_record::Class>,
    severity: Option<vitrine_record::Severity>,
    category: Option<String>,
    /// Where it lands in the new snapshot (set by the porting).
    target: Option<Target>,
    /// Other places of the new file where its quoted lines are intact (named in the report), and how
    /// many more there are.
    also: (Vec<(String, [u64; 2])>, usize),
    /// Why a settled thread is planned at all (see [`Revived`]).
    revived: Option<Revived>,
    /// Whether the update edited or removed its lines in place (`FilePort::edited`): its quote is then
    /// looked for in the other files the update added or changed ([`note_copies`]).
    edited: bool,
}

/// The two versions a port goes between, and what the caller knows already.
#[derive(Debug, Clone, Copy)]
pub struct Versions<'a> {
    /// The version before (the old review's snapshot).
    pub old: &'a Snapshot,
    /// The version under review.
    pub new: &'a Snapshot,
    /// `crate::diff(old, new)` with the default options, when the caller has it (the window's
    /// comparison); computed otherwise.
    pub diff: Option<&'a SnapshotDiff>,
    /// Where to report the threads placed (phase "porting threads", one item per thread), and the
    /// cancel flag, honoured before anything is written.
    pub progress: Option<&'a Progress>,
}

/// Carries every live thread of `old_review` (the review of `old`) over to `new_review` (the review of
/// `new`), signed by `signer` at `now`: the new review also learns the old one's people and records
/// that it continues it. Threads ported before are not ported again.
pub fn carry_over(
    old: &Snapshot,
    new: &Snapshot,
    old_review: &Review,
    new_review: &mut Review,
    signer: &Signer,
    now: OffsetDateTime,
) -> Result<CarryReport, CarryError> {
    let versions = Versions { old, new, diff: None, progress: None };
    carry_threads(&versions, old_review, new_review, signer, now, None)
}

/// Annotates lines of the version before from the comparison (`draft`, an annotation whose target is a
/// file of `v.old`) and carries that one thread over at once.
///
/// An annotation of the old snapshot's lines is an annotation of the old snapshot: it is appended to
/// `old_review` (the review of `v.old`, which learns the signer from `new_review`'s people if it did not
/// know them), where its anchor is checked against the old snapshot like any other. The same thread is
/// then carried over to `new_review` as an `anchor-port` entry (usually `outdated` or `changed`: the
/// lines were removed or edited), so the new record holds it, the vendor answers it there, and a
/// verifier given both snapshots checks its `from` against the old one. Returns the annotation's id
/// and the port.
pub fn annotate_before(
    v: &Versions<'_>,
    old_review: &mut Review,
    new_review: &mut Review,
    signer: &Signer,
    draft: Draft,
    now: OffsetDateTime,
) -> Result<(String, CarryReport), CarryError> {
    if draft.kind != Kind::Annotation || draft.parent.is_some() {
        return Err(
            RecordError::Usage("only a new annotation is written on the version before".into()).into()
        );
    }
    let fp = signer.fingerprint();
    if old_review.people().by_fingerprint(fp).next().is_none() {
        let me = new_review.people().by_fingerprint(fp).next().cloned().ok_or_else(|| {
            RecordError::Usage(format!("key {fp} is not one of this review's people: sign in to it first"))
        })?;
        old_review.add_person(me)?;
    }
    let id = old_review.append(signer, draft, now)?.id.clone();
    let report = carry_threads(v, old_review, new_review, signer, now, Some(&id))?;
    Ok((id, report))
}

/// [`carry_over`] between `v.old` and `v.new`; with `only`, the thread rooted at that entry of the old
/// review and no other (the others are neither carried nor counted as skipped).
pub fn carry_threads(
    v: &Versions<'_>,
    old_review: &Review,
    new_review: &mut Review,
    signer: &Signer,
    now: OffsetDateTime,
    only: Option<&str>,
) -> Result<CarryReport, CarryError> {
    let (old, new) = (v.old, v.new);
    check_versions(old, new)?;
    // The new review continues the old one, with its people (who may then sign and answer there).
    let mut people_added = Vec::new();
    for p in &old_review.people().people {
        if new_review.add_person(p.clone())? {
            people_added.push(p.principal.clone());
        }
    }
    let (mut jobs, mut skipped) = threads_to_carry(old, old_review, new_review, only);

    if let Some(p) = v.progress {
        p.set_phase("porting threads", jobs.len() as u64);
    }
    let computed;
    let d = match v.diff {
        Some(d) => d,
        None => {
            computed = crate::diff(old, new, &DiffOptions::default())?;
            &computed
        }
    };
    let changes = changes_by_old_path(d);
    let mut elsewhere = Elsewhere::new(d);
    // Keyed by the path's one-to-one text form, which is how the diff names files: a thread on
    // `cafe\u{301}.c` is never taken for one on `caf\u{e9}.c`.
    let mut by_path: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut reappearing = Vec::new();
    for (i, j) in jobs.iter().enumerate() {
        if j.revived == Some(Revived::Reappeared) {
            reappearing.push(i);
        } else {
            by_path.entry(j.body.from.as_target().shown()).or_default().push(i);
        }
    }
    for (path, idx) in &by_path {
        port_file(v, path, changes.get(path.as_str()).copied(), idx, &mut jobs, &mut elsewhere)?;
        if let Some(p) = v.progress {
            p.advance(idx.len() as u64, 0);
            if p.is_cancelled() {
                return Err(CarryError::Cancelled);
            }
        }
    }
    for &i in &reappearing {
        if let Some(job) = jobs.get_mut(i) {
            reappear(new, job, &mut elsewhere)?;
        }
        if let Some(p) = v.progress {
            p.advance(1, 0);
            if p.is_cancelled() {
                return Err(CarryError::Cancelled);
            }
        }
    }
    // Before the settled threads are sorted out: lines whose context changed are `changed` (an
    // accepted "compiled only with DEBUG_BUILD" under a flipped `#ifdef` is a reason to look again).
    note_context(old, new, d, &mut jobs)?;
    note_copies(old, new, d, &mut jobs)?;
    // A settled thread is carried only when the update gives a reason: a closed one whose lines were
    // changed, an outdated one whose quote is back. The others are counted as before.
    // A thread whose risk was accepted is carried as before, marked only when its lines changed.
    for j in &mut jobs {
        if j.revived == Some(Revived::Closed(Status::AcceptedRisk)) && j.body.outcome != Outcome::Changed {
            j.revived = None;
        }
    }
    jobs.retain(|j| {
        let keep = match j.revived {
            None | Some(Revived::Closed(Status::AcceptedRisk)) => true,
            Some(Revived::Closed(_)) => j.body.outcome == Outcome::Changed,
            Some(Revived::Reappeared) => j.body.outcome != Outcome::Outdated,
        };
        if !keep {
            let why = match j.revived {
                Some(Revived::Closed(_)) => "closed",
                _ => "outdated before",
            };
            *skipped.entry(why).or_default() += 1;
        }
        keep
    });

    let (ports, continues) = write_ports(&jobs, old, old_review, new_review, signer, now)?;
    Ok(CarryReport { ports, skipped, continues, people_added })
}

/// Refuses a port between two versions that are one snapshot, by every byte (the content key, never
/// the tree id: two versions with one tree id can differ in `.GIT/policy.h`, which the diff compares),
/// and between two versions that share their tree ids but differ in files the tree ids leave out
/// (they would share one review, keyed by tree id: [`CarryError::SharedTreeIds`] names the files).
pub fn check_versions(old: &Snapshot, new: &Snapshot) -> Result<(), CarryError> {
    if old.content_key() == new.content_key() {
        return Err(CarryError::SameSnapshot(old.content_key().to_string()));
    }
    if old.ids().tree_sha256 == new.ids().tree_sha256 {
        let d = crate::diff(old, new, &DiffOptions::default())?;
        let first = d.files.first().map(|c| vitrine_record::shown::escape(c.path()).into_owned());
        return Err(CarryError::SharedTreeIds {
            tree: old.ids().tree_sha256.to_string(),
            count: d.files.len(),
            first: first.unwrap_or_default(),
            more: if d.files.len() > 1 { ", …" } else { "" },
        });
    }
    Ok(())
}

/// The threads of `old_review` to carry over (with `only`, that one thread), and how many were left
/// out for each reason: retracted, closed, outdated before, or already ported into `new_review`.
fn threads_to_carry(
    old: &Snapshot,
    old_review: &Review,
    new_review: &Review,
    only: Option<&str>,
) -> (Vec<Job>, BTreeMap<&'static str, usize>) {
    let already: HashSet<String> = new_review
        .entries()
        .iter()
        .filter(|v| v.entry.kind == Kind::AnchorPort)
        .filter_map(|v| PortBody::parse(v.entry.body.as_deref().unwrap_or_default()).ok())
        .map(|b| b.annotation)
        .collect();
    let mut skipped: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut jobs: Vec<Job> = Vec::new();
    for t in vitrine_record::thread::threads(old_review.entries()) {
        if only.is_some_and(|id| id != t.root.id) {
            continue;
        }
        if t.retracted {
            *skipped.entry("retracted").or_default() += 1;
            continue;
        }
        // A closed thread (or one whose risk was accepted, before round 21 carried like a live one) is
        // planned too: carried, marked, when the update changed its lines (`carry_threads`).
        let settled =
            matches!(t.status, Status::Closed | Status::AcceptedRisk).then_some(Revived::Closed(t.status));
        let job = match job_of(&t.root.id, &t.root.entry, &old.ids().tree_sha256.to_string()) {
            Some(job) => Some(Job { revived: settled, ..job }),
            // Outdated at an earlier port: its original quote (the port's `from`) is looked for again.
            None if t.status != Status::Closed => outdated_job(&t.root.id, &t.root.entry),
            None => None,
        };
        match job {
            None if t.status == Status::Closed => *skipped.entry("closed").or_default() += 1,
            None => *skipped.entry("outdated before").or_default() += 1,
            Some(job) if already.contains(&job.body.annotation) => {
                *skipped.entry("ported before").or_default() += 1
            }
            Some(job) => jobs.push(job),
        }
    }
    (jobs, skipped)
}

/// Finds the anchors of the jobs `idx` (all on the old snapshot's `path`, which the diff shows as
/// `change`) in the new snapshot, and sets each job's outcome, confidence and new target.
fn port_file(
    v: &Versions<'_>,
    path: &str,
    change: Option<&FileChange>,
    idx: &[usize],
    jobs: &mut [Job],
    elsewhere: &mut Elsewhere<'_>,
) -> Result<(), CarryError> {
    let (old, new) = (v.old, v.new);
    // Bytes are read only where the blob changed and the file is still there.
    let new_path = change.filter(|c| c.old_blob != c.new_blob).and_then(|c| c.new_path.as_deref());
    let (old_bytes, new_bytes) = match new_path {
        Some(np) => (read(old, path)?, read(new, np)?),
        None => (Vec::new(), Vec::new()),
    };
    let fp = FilePort::new(path, change, &old_bytes, &new_bytes);
    // The old file's bytes for a search in other files, read once if a thread needs it.
    let mut old_full: Option<Vec<u8>> = None;
    for &i in idx {
        let Some(job) = jobs.get_mut(i) else { continue };
        let f = &job.body.from;
        if new_path.is_some() && vitrine_record::entry::blob_id(&old_bytes) != f.blob {
            return Err(CarryError::WrongBlob { thread: job.root_id.clone(), file: f.as_target().label() });
        }
        let anchor = Anchor {
            path: path.to_owned(),
            start_line: u32::try_from(f.lines[0]).unwrap_or(u32::MAX),
            end_line: u32::try_from(f.lines[1]).unwrap_or(u32::MAX),
        };
        let port = fp.port(&anchor);
        job.edited = fp.edited(&anchor);
        let (copies, more) = fp.intact_copies(&anchor, &port);
        job.also = (
            copies
                .into_iter()
                .map(|(a, b)| (new_path.unwrap_or(path).to_owned(), [u64::from(a), u64::from(b)]))
                .collect(),
            more,
        );
        if port == Port::Outdated {
            // Before `gone`: the file a symlink that replaced it points at, or the quoted lines in
            // another file the update added or changed.
            if old_full.is_none() {
                old_full = Some(if new_path.is_some() { old_bytes.clone() } else { read(old, path)? });
            }
            if let Some((found, bytes)) =
                further(new, old_full.as_deref().unwrap_or_default(), &anchor, change, new_path, elsewhere)?
            {
                let (outcome, path, a, b, confidence) = match found {
                    Port::Moved { path, start_line, end_line } => {
                        (Outcome::Moved, path, start_line, end_line, None)
                    }
                    Port::Changed { path, start_line, end_line, confidence } => {
                        (Outcome::Changed, path, start_line, end_line, Some(u64::from(confidence)))
                    }
                    _ => continue,
                };
                job.body.outcome = outcome;
                job.body.confidence = confidence;
                job.target = Some(located(new, &path, &bytes, a, b)?);
                continue;
            }
        }
        let (outcome, target, confidence) = match port {
            Port::Exact { .. } => (Outcome::Exact, Some(f.as_target()), None),
            Port::Moved { path, .. } if new_path.is_none() => {
                (Outcome::Moved, Some(same_bytes(f, file_of(new, &path)?)), None)
            }
            Port::Moved { path, start_line, end_line } => {
                (Outcome::Moved, Some(located(new, &path, &new_bytes, start_line, end_line)?), None)
            }
            Port::Changed { path, start_line, end_line, confidence } => (
                Outcome::Changed,
                Some(located(new, &path, &new_bytes, start_line, end_line)?),
                Some(u64::from(confidence)),
            ),
            Port::Outdated => (Outcome::Outdated, None, None),
        };
        job.body.outcome = outcome;
        job.body.confidence = confidence;
        job.target = target;
    }
    Ok(())
}

/// Notes on each placed thread whose lines' context the update changed ([`crate::context`]): now inside
/// a comment or an `#if 0`, under other conditionals, or the function around them defined again or as
/// a macro. Such a thread is signed `changed` (90), never a bare `exact` or `moved`: its bytes are the
/// quote's, their meaning may not be. The notes go in the signed body and the report.
fn note_context(
    old: &Snapshot,
    new: &Snapshot,
    d: &SnapshotDiff,
    jobs: &mut [Job],
) -> Result<(), CarryError> {
    use vitrine_record::port::{MAX_CONTEXT_NOTE, MAX_CONTEXT_NOTES};
    let mut check = crate::context::PortContext::new(old, new, d);
    // A thread that reappeared comes from a version before `old`: its lines are not `old`'s to compare.
    for j in jobs.iter_mut().filter(|j| j.revived != Some(Revived::Reappeared)) {
        let Some((t, lines)) = j.target.as_ref().and_then(|t| Some((t, t.lines?))) else { continue };
        let from = &j.body.from;
        let same = t.blob == from.blob && lines == from.lines;
        let mut notes = check.notes((&from.as_target().shown(), from.lines), (&t.shown(), lines), same)?;
        if notes.is_empty() {
            continue;
        }
        notes.truncate(MAX_CONTEXT_NOTES);
        for n in &mut notes {
            if n.chars().count() > MAX_CONTEXT_NOTE {
                *n = n.chars().take(MAX_CONTEXT_NOTE - 1).chain(std::iter::once('…')).collect();
            }
        }
        if matches!(j.body.outcome, Outcome::Exact | Outcome::Moved) {
            j.body.outcome = Outcome::Changed;
            j.body.confidence = Some(90);
        }
        j.body.context = notes;
    }
    Ok(())
}

/// Names, on each thread whose lines the update edited or removed in place, the other places its old
/// lines live on: an intact (or re-indented) copy of the quote in another file the update added or
/// changed, and a new definition there of the function around the quote ([`crate::copies`]). Listed in
/// the report (`also`, for the intact copies) and as context notes in the signed body, and such a
/// thread is `changed`, never a bare `moved`: the edit the reviewer sees may not be the code that is
/// built.
fn note_copies(old: &Snapshot, new: &Snapshot, d: &SnapshotDiff, jobs: &mut [Job]) -> Result<(), CarryError> {
    use crate::copies::{Copy, OldFile};
    use vitrine_record::port::{MAX_CONTEXT_NOTE, MAX_CONTEXT_NOTES};
    let picked: Vec<usize> = jobs
        .iter()
        .enumerate()
        .filter(|(_, j)| j.edited && j.revived != Some(Revived::Reappeared) && j.target.is_some())
        .map(|(i, _)| i)
        .collect();
    if picked.is_empty() {
        return Ok(());
    }
    let changes = changes_by_old_path(d);
    let mut olds: HashMap<String, OldFile> = HashMap::new();
    let mut wanted = Vec::with_capacity(picked.len());
    for &i in &picked {
        let Some(j) = jobs.get(i) else { continue };
        let from = j.body.from.as_target().shown();
        if !olds.contains_key(&from) {
            let file = OldFile::new(&from, &read(old, &from)?);
            olds.insert(from.clone(), file);
        }
        let own = match changes.get(from.as_str()) {
            Some(c) => c.new_path.as_deref().filter(|_| c.status != crate::Status::Deleted),
            None => Some(from.as_str()),
        };
        let target = j.target.as_ref().and_then(|t| Some((t.shown(), t.lines?)));
        if let Some(f) = olds.get(&from) {
            wanted.push(f.wanted(j.body.from.lines, own, target));
        }
    }
    let found = crate::copies::search(old, new, d, &wanted)?;
    let place = |c: &Copy| {
        let lines = format!("{}:{}-{}", vitrine_record::principal::escape(&c.path), c.lines[0], c.lines[1]);
        format!(
            "{lines} ({})",
            if c.added { "a file this update added" } else { "a file this update changed" }
        )
    };
    let list = |at: Vec<String>, more: usize| {
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        format!("{}{more}", at.join(", "))
    };
    for (&i, f) in picked.iter().zip(found) {
        let Some(j) = jobs.get_mut(i) else { continue };
        let mut notes = Vec::new();
        let listed: Vec<&Copy> =
            f.copies.iter().filter(|c| !j.also.0.iter().any(|a| a.0 == c.path && a.1 == c.lines)).collect();
        let (exact, loose): (Vec<&Copy>, Vec<&Copy>) = listed.into_iter().partition(|c| c.exact);
        if !exact.is_empty() || (f.copies_more > 0 && loose.is_empty()) {
            let more = if loose.is_empty() { f.copies_more } else { 0 };
            notes.push(format!(
                "the quoted lines are also intact at {}: the lines edited here may not be the only ones built",
                list(exact.iter().map(|c| place(c)).collect(), more)
            ));
        }
        if !loose.is_empty() {
            notes.push(format!(
                "the quoted lines are also at {}, the same but for whitespace and comments: the lines edited here may not be the only ones built",
                list(loose.iter().map(|c| place(c)).collect(), f.copies_more)
            ));
        }
        let mut names: Vec<&str> = Vec::new();
        for d in &f.defs {
            if !names.contains(&d.name.as_str()) {
                names.push(&d.name);
            }
        }
        let last = names.len().saturating_sub(1);
        for (k, name) in names.into_iter().enumerate() {
            let at: Vec<String> = f
                .defs
                .iter()
                .filter(|d| d.name == name)
                .map(|d| {
                    let how = if d.added { "a file this update added" } else { "a file this update changed" };
                    format!("{}:{} ({how})", vitrine_record::principal::escape(&d.path), d.line)
                })
                .collect();
            notes.push(format!(
                "{name} is now also defined at {}: the quoted lines may no longer be the {name} that runs",
                list(at, if k == last { f.defs_more } else { 0 })
            ));
        }
        for c in exact {
            if j.also.0.len() < crate::port::COPIES_LISTED {
                j.also.0.push((c.path.clone(), c.lines));
            } else {
                j.also.1 += 1;
            }
        }
        j.also.1 += f.copies_more;
        if notes.is_empty() {
            continue;
        }
        for mut n in notes {
            if j.body.context.len() >= MAX_CONTEXT_NOTES {
                break;
            }
            if n.chars().count() > MAX_CONTEXT_NOTE {
                n = n.chars().take(MAX_CONTEXT_NOTE - 1).chain(std::iter::once('…')).collect();
            }
            j.body.context.push(n);
        }
        if matches!(j.body.outcome, Outcome::Exact | Outcome::Moved) {
            j.body.outcome = Outcome::Changed;
            j.body.confidence = Some(90);
        }
    }
    Ok(())
}

/// Signs one `anchor-port` entry per job into `new_review` and writes which review it continues;
/// returns the ports as written and that link.
fn write_ports(
    jobs: &[Job],
    old: &Snapshot,
    old_review: &Review,
    new_review: &mut Review,
    signer: &Signer,
    now: OffsetDateTime,
) -> Result<(Vec<Ported>, Continues), CarryError> {
    let drafts = jobs
        .iter()
        .map(|j| {
            let mut d = Draft::new(Kind::AnchorPort);
            d.target = j.target.clone();
            d.class = j.class;
            d.severity = j.severity;
            d.category = j.category.clone();
            d.body = Some(j.body.to_body()?);
            Ok(d)
        })
        .collect::<Result<Vec<Draft>, RecordError>>()?;
    let first = new_review.entries().len();
    new_review.append_many(signer, drafts, now)?;
    let continues = Continues::of(old_review, &old.ids().tree_sha1.to_string());
    vitrine_record::port::write_continues(new_review.dir(), &continues)?;

    let written = new_review.entries().get(first..).unwrap_or_default();
    let ports = jobs
        .iter()
        .zip(written)
        .map(|(j, v)| Ported {
            thread: j.root_id.clone(),
            annotation: j.body.annotation.clone(),
            entry: v.id.clone(),
            outcome: j.body.outcome,
            from: (j.body.from.as_target().shown(), j.body.from.lines),
            to: j.target.as_ref().and_then(|t| Some((t.shown(), t.lines?))),
            confidence: j.body.confidence,
            also: j.also.0.clone(),
            also_more: j.also.1,
            revived: j.revived,
            context: j.body.context.clone(),
        })
        .collect();
    Ok((ports, continues))
}

/// What to carry over from the thread rooted at `e` (an annotation, or a port of an older version's
/// annotation, which is carried on with the original's id); `None` for a port that found nothing.
fn job_of(root_id: &str, e: &vitrine_record::Entry, old_tree: &str) -> Option<Job> {
    let t = e.target.as_ref()?;
    let (lines, quote) = (t.lines?, t.quote.clone()?);
    let (annotation, author, text) = match e.kind {
        Kind::AnchorPort => {
            let b = PortBody::parse(e.body.as_deref().unwrap_or_default()).ok()?;
            (b.annotation, b.author, b.text)
        }
        _ => (root_id.to_owned(), e.author.principal.clone(), e.body.clone().unwrap_or_default()),
    };
    Some(Job {
        root_id: root_id.to_owned(),
        body: PortBody {
            port: vitrine_record::port::PORT_SCHEMA,
            annotation,
            author,
            text,
            from: PortFrom {
                snapshot: old_tree.to_owned(),
                path: t.path.clone(),
                path_bytes: t.path_bytes.clone(),
                blob: t.blob.clone(),
                lines,
                quote,
            },
            outcome: Outcome::Outdated,
            confidence: None,
            context: Vec::new(),
        },
        class: e.class,
        severity: e.severity,
        category: e.category.clone(),
        target: None,
        also: (Vec::new(), 0),
        revived: None,
        edited: false,
    })
}

/// What to look for again of a thread rooted at `e`, a port that found nothing (`outdated`): its body's
/// `from`, the quote where it was last found, in the version before that port. `None` for anything else.
fn outdated_job(root_id: &str, e: &vitrine_record::Entry) -> Option<Job> {
    if e.kind != Kind::AnchorPort || e.target.is_some() {
        return None;
    }
    let b = PortBody::parse(e.body.as_deref().unwrap_or_default()).ok()?;
    if b.outcome != Outcome::Outdated {
        return None;
    }
    Some(Job {
        root_id: root_id.to_owned(),
        body: PortBody { outcome: Outcome::Outdated, confidence: None, ..b },
        class: e.class,
        severity: e.severity,
        category: e.category.clone(),
        target: None,
        also: (Vec::new(), 0),
        revived: Some(Revived::Reappeared),
        edited: false,
    })
}

/// Looks for the original quote of an outdated thread (`job.body.from`, which names a version before
/// the previous one) in the new snapshot by its hash: in the file at its old path, then in the files the
/// update added or changed. Found, the thread is `moved` there (the claim the entry checks on its own:
/// the quote at the new lines hashes as `from`'s); else it stays `outdated` (and is not carried).
fn reappear(new: &Snapshot, job: &mut Job, elsewhere: &mut Elsewhere<'_>) -> Result<(), CarryError> {
    let f = job.body.from.clone();
    let n = usize::try_from(f.lines[1].saturating_sub(f.lines[0]) + 1).unwrap_or(usize::MAX);
    let own = f.as_target().path_bytes().and_then(|p| new.file(&p)).filter(|e| !is_link(e));
    let mut own_path = None;
    if let Some(e) = own {
        let bytes = new.read(e).map_err(|source| CarryError::Read { path: e.path.display(), source })?;
        let path = e.path.display();
        if let Some(a) = find_quote(&bytes, n, &f.quote, &mut elsewhere.budget, &mut None) {
            return found_again(new, job, &path, &bytes, a, n);
        }
        own_path = Some(path);
    }
    elsewhere.load(new)?;
    let budget = &mut elsewhere.budget;
    for file in elsewhere.loaded.iter_mut().flatten() {
        if Some(file.path) != own_path.as_deref()
            && let Some(a) = find_quote(&file.bytes, n, &f.quote, budget, &mut file.digests)
        {
            return found_again(new, job, file.path, &file.bytes, a, n);
        }
    }
    Ok(())
}

fn found_again(
    new: &Snapshot,
    job: &mut Job,
    path: &str,
    bytes: &[u8],
    a: usize,
    n: usize,
) -> Result<(), CarryError> {
    let (first, last) = (a as u32 + 1, (a + n) as u32);
    job.target = Some(located(new, path, bytes, first, last)?);
    job.body.outcome = Outcome::Moved;
    job.body.confidence = None;
    Ok(())
}

/// At most this many bytes are hashed, window by window, to find outdated threads' quotes by their hash
/// in one port; past it only the windows next to a line that hashes as a quote's neighbour are tried.
const QUOTE_SEARCH_BUDGET: usize = 256 << 20;

/// The first 0-based line where `n` lines of `bytes` hash (SHA-256, as the record quotes them) as
/// `quote`. Every window while the cost (about `n` times the file's size) fits in what is left of
/// `budget`; else only the windows after a line hashing as the quote's `prefix` or before one hashing as
/// its `suffix`, by `digests` (each line's hash, cut to 64 bits, computed once per file: linear).
fn find_quote(
    bytes: &[u8],
    n: usize,
    quote: &vitrine_record::entry::Quote,
    budget: &mut usize,
    digests: &mut Option<Vec<u64>>,
) -> Option<usize> {
    let ls = vitrine_record::entry::split_lines(bytes);
    if n == 0 || n > ls.len() {
        return None;
    }
    let hash =
        |r: std::ops::Range<usize>| vitrine_record::bundle::sha256_hex(bytes.get(r).unwrap_or_default());
    let window = |i: usize| hash(ls[i].start..ls[i + n - 1].end);
    let cost = n.saturating_mul(bytes.len());
    if cost <= *budget {
        *budget -= cost;
        return (0..=ls.len() - n).find(|&i| window(i) == quote.sha256);
    }
    let short = |h: &str| h.get(..16).and_then(|h| u64::from_str_radix(h, 16).ok());
    let d = digests.get_or_insert_with(|| ls.iter().map(|r| short(&hash(r.clone())).unwrap_or(0)).collect());
    let (prefix, suffix) = (short(&quote.prefix), short(&quote.suffix));
    (0..=ls.len() - n).find(|&i| {
        let before = if i == 0 { quote.prefix.is_empty() } else { prefix == d.get(i - 1).copied() };
        let after = d.get(i + n).map_or(quote.suffix.is_empty(), |h| suffix == Some(*h));
        (before || after) && window(i) == quote.sha256
    })
}

fn is_link(e: &FileEntry) -> bool {
    matches!(e.kind, vitrine_snapshot::EntryKind::Symlink { .. })
}

/// Where an anchor that its own file no longer holds went (`change` is that file's diff entry, `old_bytes`
/// the old file's bytes): when a symlink replaced the file, the file it points at inside the new
/// snapshot, ported by the diff as a rename would be; else the other-files search ([`Elsewhere::find`]).
/// With the bytes of the file found.
fn further(
    new: &Snapshot,
    old_bytes: &[u8],
    anchor: &Anchor,
    change: Option<&FileChange>,
    new_path: Option<&str>,
    elsewhere: &mut Elsewhere<'_>,
) -> Result<Option<(Port, Vec<u8>)>, CarryError> {
    if let Some((target, bytes)) = link_target(new, change)? {
        let mut c = change.cloned().unwrap_or_else(|| unreachable!("a link target comes from a change"));
        c.status = crate::Status::Renamed;
        c.new_path = Some(target.path.display());
        c.new_blob = Some(target.blob_sha256);
        let port = FilePort::new(&anchor.path, Some(&c), old_bytes, &bytes).port(anchor);
        if port != Port::Outdated {
            return Ok(Some((port, bytes)));
        }
    }
    let skip = new_path.or(change.and_then(|c| c.new_path.as_deref()));
    Ok(elsewhere.find(new, old_bytes, anchor, skip)?.map(|(p, b)| (p, b.to_vec())))
}

/// The regular file that the symlink now at a changed file's path points at (through up to 8 links),
/// when the target stays inside the snapshot; with its bytes.
fn link_target<'s>(
    new: &'s Snapshot,
    change: Option<&FileChange>,
) -> Result<Option<(&'s FileEntry, Vec<u8>)>, CarryError> {
    let Some(c) = change.filter(|c| c.status == crate::Status::TypeChanged) else { return Ok(None) };
    let Some(np) = c.new_path.as_deref() else { return Ok(None) };
    let Ok(mut e) = file_of(new, np) else { return Ok(None) };
    for _ in 0..8 {
        let vitrine_snapshot::EntryKind::Symlink { target } = &e.kind else {
            let bytes = new.read(e).map_err(|source| CarryError::Read { path: e.path.display(), source })?;
            return Ok(Some((e, bytes)));
        };
        if target.first() == Some(&b'/') {
            return Ok(None);
        }
        let mut parts: Vec<&[u8]> = e.path.parent().split(|&b| b == b'/').filter(|p| !p.is_empty()).collect();
        for part in target.split(|&b| b == b'/') {
            match part {
                b"" | b"." => {}
                b".." => {
                    if parts.pop().is_none() {
                        return Ok(None);
                    }
                }
                p => parts.push(p),
            }
        }
        let Some(next) = new.file(&parts.join(&b'/')) else { return Ok(None) };
        e = next;
    }
    Ok(None)
}

/// The target of a thread whose file kept its bytes, now at `file` (the same path or a new one).
fn same_bytes(f: &PortFrom, file: &FileEntry) -> Target {
    Target::at(file.path.as_bytes(), f.blob.clone(), Some(f.lines), Some(f.quote.clone()))
}

fn located(snap: &Snapshot, path: &str, content: &[u8], first: u32, last: u32) -> Result<Target, CarryError> {
    let file = file_of(snap, path)?;
    target_at(file.path.as_bytes(), content, u64::from(first), u64::from(last))
        .ok_or_else(|| CarryError::Outside { path: path.to_owned(), first, last })
}

/// The file a diff names by `shown`, the one-to-one text form of its path (`RelPath::display`): most
/// paths are their own text form; the others (a backslash, bytes that are not UTF-8) are looked up.
fn file_of<'s>(snap: &'s Snapshot, shown: &str) -> Result<&'s FileEntry, CarryError> {
    snap.file(shown.as_bytes())
        .filter(|e| e.path.display() == shown)
        .or_else(|| snap.files().iter().find(|e| e.path.display() == shown))
        .ok_or_else(|| CarryError::NotAFile(shown.to_owned()))
}

fn read(snap: &Snapshot, path: &str) -> Result<Vec<u8>, CarryError> {
    let e = file_of(snap, path)?;
    snap.read(e).map_err(|source| CarryError::Read { path: path.to_owned(), source })
}

/// Checks the `outdated` claims of port entries against both snapshots: each such thread, planned again
/// from `old` (where its `from` points) to `new` by the same diff and [`FilePort`] as the port, must
/// still find nothing. Returns, per entry (by its `name`) that is found again, the problem; entries that
/// are not outdated ports, or whose `from` does not resolve in `old` (reported by
/// `vitrine_record::port::from_problem`), are left out. The diff is computed only if there is a claim
/// to check.
pub fn disproved_outdated<'e>(
    old: &Snapshot,
    new: &Snapshot,
    entries: impl IntoIterator<Item = (&'e str, &'e vitrine_record::Entry)>,
) -> Result<Vec<(String, String)>, CarryError> {
    let claims: Vec<(&str, PortBody)> = entries
        .into_iter()
        .filter(|(_, e)| e.kind == Kind::AnchorPort)
        .filter_map(|(name, e)| Some((name, PortBody::parse(e.body.as_deref().unwrap_or_default()).ok()?)))
        .filter(|(_, b)| {
            b.outcome == Outcome::Outdated && b.from.snapshot == old.ids().tree_sha256.to_string()
        })
        .collect();
    if claims.is_empty() {
        return Ok(Vec::new());
    }
    let d = crate::diff(old, new, &DiffOptions::default())?;
    let changes = changes_by_old_path(&d);
    let mut elsewhere = Elsewhere::new(&d);
    let mut problems = Vec::new();
    for (name, b) in claims {
        let from = b.from.as_target();
        let Some(entry) = from.path_bytes().and_then(|p| old.file(&p)) else { continue };
        if entry.blob_sha256.to_string() != b.from.blob {
            continue;
        }
        let path = entry.path.display();
        let change = changes.get(path.as_str()).copied();
        let new_path = change.filter(|c| c.old_blob != c.new_blob).and_then(|c| c.new_path.as_deref());
        let (old_bytes, new_bytes) = match new_path {
            Some(np) => (read(old, &path)?, read(new, np)?),
            None => (Vec::new(), Vec::new()),
        };
        let anchor = Anchor {
            path: path.clone(),
            start_line: u32::try_from(b.from.lines[0]).unwrap_or(u32::MAX),
            end_line: u32::try_from(b.from.lines[1]).unwrap_or(u32::MAX),
        };
        let mut port = FilePort::new(&path, change, &old_bytes, &new_bytes).port(&anchor);
        if port == Port::Outdated {
            let old_full = if new_path.is_some() { old_bytes.clone() } else { read(old, &path)? };
            if let Some((found, _)) = further(new, &old_full, &anchor, change, new_path, &mut elsewhere)? {
                port = found;
            }
        }
        let found = match port {
            Port::Outdated => None,
            Port::Exact { path, start_line, end_line } => Some(("exact", path, start_line, end_line)),
            Port::Moved { path, start_line, end_line } => Some(("moved", path, start_line, end_line)),
            Port::Changed { path, start_line, end_line, .. } => Some(("changed", path, start_line, end_line)),
        };
        if let Some((how, p, a, z)) = found {
            problems.push((
                name.to_owned(),
                format!(
                    "port: claimed outdated, but {}:{}-{} of the previous snapshot is found again at {}:{a}-{z} ({how})",
                    vitrine_record::principal::escape(&from.label()),
                    b.from.lines[0],
                    b.from.lines[1],
                    vitrine_record::principal::escape(&p),
                ),
            ));
        }
    }
    Ok(problems)
}

/// The files the update added or changed (new side), read once when a thread would otherwise be
/// `outdated`, to find its quoted lines there: code merged into a file that already existed (the old
/// file deleted), a file renamed and grown below the rename threshold (listed deleted and added), or code
/// moved to a new file and re-indented or commented on the way.
struct Elsewhere<'d> {
    paths: Vec<&'d str>,
    loaded: Option<Vec<Loaded<'d>>>,
    /// What is left of [`QUOTE_SEARCH_BUDGET`].
    budget: usize,
}

/// One file of [`Elsewhere`].
struct Loaded<'d> {
    path: &'d str,
    bytes: Vec<u8>,
    /// Its lines' loose keys ([`crate::port::loose_keys`]), once computed.
    loose: Option<Vec<u64>>,
    /// Its lines' hashes for [`find_quote`], once computed.
    digests: Option<Vec<u64>>,
}

/// One place the other-files search found: the file (its index), the 0-based lines, and whether they are
/// the quote by bytes (`exact`) or only once whitespace and comments are left out.
#[derive(Clone, Copy)]
struct Hit {
    file: usize,
    lines: (usize, usize),
    exact: bool,
    /// The quote's lines but for a CR before their LF.
    keyed: bool,
}

impl<'d> Elsewhere<'d> {
    fn new(d: &'d SnapshotDiff) -> Elsewhere<'d> {
        let paths = d
            .files
            .iter()
            .filter(|f| !matches!(f.status, crate::Status::Deleted | crate::Status::TypeChanged))
            .filter(|f| f.old_blob != f.new_blob)
            .filter_map(|f| f.new_path.as_deref())
            .collect();
        Elsewhere { paths, loaded: None, budget: QUOTE_SEARCH_BUDGET }
    }

    /// Reads the files, the first time.
    fn load(&mut self, new: &Snapshot) -> Result<(), CarryError> {
        if self.loaded.is_none() {
            let mut loaded = Vec::new();
            for p in &self.paths {
                loaded.push(Loaded { path: p, bytes: read(new, p)?, loose: None, digests: None });
            }
            self.loaded = Some(loaded);
        }
        Ok(())
    }

    /// Where the lines of `anchor` in `old_bytes` are in those files other than `skip`, linear in each
    /// file. Compared first as they are (a CR before LF ignored), then loosely: without whitespace and,
    /// in C-like files, comments, over the lines that keep anything ([`crate::port::loose_keys`]), so a
    /// function moved to a new file and re-indented, or given a trailing comment, is found. Found once
    /// with the same bytes, `moved`; else `changed` at the first place with the quote's bytes, or else
    /// the first place (90 when the lines are the quote's but for CRs, 75 when only loosely, divided
    /// among the places). With the file's bytes.
    fn find(
        &mut self,
        new: &Snapshot,
        old_bytes: &[u8],
        anchor: &Anchor,
        skip: Option<&str>,
    ) -> Result<Option<(Port, &[u8])>, CarryError> {
        const KEEP: usize = 8;
        let old_lines = crate::port::lines(old_bytes);
        let (first, last) = (anchor.start_line.max(1) as usize - 1, anchor.end_line as usize);
        let Some(quote) = old_lines.get(first..last) else { return Ok(None) };
        let keys: Vec<&[u8]> = quote.iter().map(|l| crate::port::line_key(l)).collect();
        let old_loose = crate::port::loose_keys(old_bytes, crate::port::c_like(&anchor.path));
        let q_loose: Vec<u64> =
            old_loose.get(first..last).unwrap_or_default().iter().copied().filter(|&k| k != 0).collect();
        self.load(new)?;
        let files = self.loaded.as_deref_mut().unwrap_or_default();
        let mut hits: Vec<Hit> = Vec::new();
        let mut total = 0usize;
        for (k, Loaded { path: p, bytes, loose, .. }) in files.iter_mut().enumerate() {
            if Some(*p) == skip {
                continue;
            }
            let lines = crate::port::lines(bytes);
            let line_keys: Vec<&[u8]> = lines.iter().map(|l| crate::port::line_key(l)).collect();
            let (exact, exact_count) = crate::port::find_some(&line_keys, &keys, KEEP);
            for i in exact {
                let same = lines.get(i..i + keys.len()) == Some(quote);
                hits.push(Hit { file: k, lines: (i, i + keys.len()), exact: same, keyed: true });
            }
            if q_loose.is_empty() {
                total += exact_count;
                continue;
            }
            let keys = loose.get_or_insert_with(|| crate::port::loose_keys(bytes, crate::port::c_like(p)));
            let (kept, at): (Vec<u64>, Vec<usize>) =
                keys.iter().enumerate().filter(|(_, k)| **k != 0).map(|(i, k)| (*k, i)).unzip();
            let (found, count) = crate::port::find_some(&kept, &q_loose, KEEP);
            for j in found {
                let (a, b) = (at[j], at[j + q_loose.len() - 1] + 1);
                // The places found as they are are among these (their lines keep the same keys).
                if !hits.iter().any(|h| h.file == k && h.lines.0 <= a && b <= h.lines.1) {
                    hits.push(Hit { file: k, lines: (a, b), exact: false, keyed: false });
                }
            }
            total += count.max(exact_count);
        }
        let by_bytes = hits.iter().find(|h| h.exact);
        let Some(&hit) = by_bytes.or(hits.iter().find(|h| h.keyed)).or(hits.first()) else { return Ok(None) };
        let Some(Loaded { path: p, bytes, .. }) = files.get(hit.file) else { return Ok(None) };
        let (path, start_line, end_line) = ((*p).to_owned(), hit.lines.0 as u32 + 1, hit.lines.1 as u32);
        let port = if hit.exact && total == 1 {
            Port::Moved { path, start_line, end_line }
        } else {
            let whole = if hit.keyed { 90 } else { 75 };
            Port::Changed { path, start_line, end_line, confidence: crate::port::share(whole, total.max(1)) }
        };
        Ok(Some((port, bytes)))
    }
}

/// The diff's changes by old path. A copy leaves its source where it was (listed modified, or renamed
/// elsewhere), so it never says where a thread went.
fn changes_by_old_path(d: &SnapshotDiff) -> HashMap<&str, &FileChange> {
    d.files
        .iter()
        .filter(|f| f.status != crate::Status::Copied)
        .filter_map(|f| Some((f.old_path.as_deref()?, f)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// F5 of round 21: an outdated thread's quote is found again by its hash alone, every window while
    /// the budget lasts, then only next to a line that hashes as its neighbour (linear).
    #[test]
    fn a_quote_is_found_by_its_hash_within_the_budget_or_next_to_its_neighbours() {
        let old = b"a\nb\nquote one\nquote two\nc\n";
        let quote = vitrine_record::entry::quote_lines(old, 3, 4).unwrap();
        let moved = b"x\ny\nz\nquote one\nquote two\nw\n";
        let mut budget = usize::MAX;
        assert_eq!(find_quote(moved, 2, &quote, &mut budget, &mut None), Some(3));
        // No budget left: neither neighbour is there, so it is not looked at.
        assert_eq!(find_quote(moved, 2, &quote, &mut 0, &mut None), None);
        // ... but next to the old line before (or after) it is.
        let near = b"x\nb\nquote one\nquote two\nw\n";
        assert_eq!(find_quote(near, 2, &quote, &mut 0, &mut None), Some(2));
        let near = b"x\ny\nquote one\nquote two\nc\n";
        assert_eq!(find_quote(near, 2, &quote, &mut 0, &mut None), Some(2));
        assert_eq!(find_quote(b"quote one\n", 2, &quote, &mut budget, &mut None), None);
    }
}
