//! `port`: the threads of an earlier version's review carried over to the new version's review, one
//! signed `anchor-port` entry per thread (see `vitrine_record::port` for the entry, and
//! `vitrine_compare::port` for how an anchor is found again).

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::{Context, bail};
use serde::Serialize;
use vitrine_compare::port::{Anchor, FilePort, Port};
use vitrine_record::entry::Target;
use vitrine_record::port::{Continues, Outcome, PortBody, PortFrom, target_at};
use vitrine_record::time::OffsetDateTime;
use vitrine_record::{Draft, Kind, Status};
use vitrine_snapshot::{FileEntry, Snapshot};

use crate::cmd_compare::PortArgs;
use crate::common::{Ctx, Exit};

/// One thread of the old review to carry over.
struct Job {
    /// The root entry in the old review (an annotation, or the port of an older version's annotation).
    root_id: String,
    body: PortBody,
    class: Option<vitrine_record::Class>,
    severity: Option<vitrine_record::Severity>,
    category: Option<String>,
    /// Where it lands in the new snapshot (set by the porting).
    target: Option<Target>,
}

#[derive(Serialize)]
struct PortJson {
    /// The old review's entry that was carried over (the thread's root there).
    thread: String,
    annotation: String,
    entry: String,
    outcome: &'static str,
    from: Place,
    to: Option<Place>,
    #[serde(skip_serializing_if = "Option::is_none")]
    confidence: Option<u64>,
}

#[derive(Serialize)]
struct Place {
    path: String,
    lines: [u64; 2],
}

#[derive(Serialize)]
struct Report<'a> {
    old: &'a vitrine_snapshot::TreeIds,
    new: &'a vitrine_snapshot::TreeIds,
    continues: &'a Continues,
    ports: Vec<PortJson>,
    skipped: BTreeMap<&'static str, usize>,
}

pub fn port(a: PortArgs, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    let old = ctx.open_snapshot_cached(&a.old, true)?;
    let new = ctx.open_snapshot_cached(&a.new, true)?;
    if old.ids().tree_sha256 == new.ids().tree_sha256 {
        bail!("the two snapshots are the same (tree {}): nothing to carry over", old.ids().tree_sha256);
    }
    let signer = crate::cmd_record::signer(&a.key)?;
    let old_review = crate::cmd_record::open_review(ctx, &old)?;
    let mut new_review = crate::cmd_record::open_review(ctx, &new)?;

    // The new review continues the old one, with its people (who may then sign and answer there).
    for p in &old_review.people().people {
        if new_review.add_person(p.clone())? {
            writeln!(ctx.err, "added person {} (from the review of the old snapshot)", p.principal)?;
        }
    }
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
        let why = if t.retracted {
            Some("retracted")
        } else if t.status == Status::Closed {
            Some("closed")
        } else {
            None
        };
        if let Some(why) = why {
            *skipped.entry(why).or_default() += 1;
            continue;
        }
        match job_of(&t.root.id, &t.root.entry, &old.ids().tree_sha256.to_string()) {
            None => *skipped.entry("outdated before").or_default() += 1,
            Some(job) if already.contains(&job.body.annotation) => {
                *skipped.entry("ported before").or_default() += 1
            }
            Some(job) => jobs.push(job),
        }
    }

    let d = vitrine_compare::diff(&old, &new, &vitrine_compare::DiffOptions::default())?;
    let changes: HashMap<&str, &vitrine_compare::FileChange> =
        d.files.iter().filter_map(|f| Some((f.old_path.as_deref()?, f))).collect();
    // Keyed by the path's one-to-one text form, which is how the diff names files: a thread on
    // `cafe\u{301}.c` is never taken for one on `caf\u{e9}.c`.
    let mut by_path: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, j) in jobs.iter().enumerate() {
        by_path.entry(j.body.from.as_target().shown()).or_default().push(i);
    }
    for (path, idx) in &by_path {
        let change = changes.get(path.as_str()).copied();
        // Bytes are read only where the blob changed and the file is still there.
        let new_path = change.filter(|c| c.old_blob != c.new_blob).and_then(|c| c.new_path.as_deref());
        let (old_bytes, new_bytes) = match new_path {
            Some(np) => (read(&old, path)?, read(&new, np)?),
            None => (Vec::new(), Vec::new()),
        };
        let fp = FilePort::new(path, change, &old_bytes, &new_bytes);
        for &i in idx {
            let job = &mut jobs[i];
            let f = &job.body.from;
            if new_path.is_some() && vitrine_record::entry::blob_id(&old_bytes) != f.blob {
                bail!(
                    "thread {}: {} in the old snapshot is not the blob it was written on",
                    job.root_id,
                    f.as_target().label()
                );
            }
            let anchor = Anchor {
                path: path.clone(),
                start_line: u32::try_from(f.lines[0]).unwrap_or(u32::MAX),
                end_line: u32::try_from(f.lines[1]).unwrap_or(u32::MAX),
            };
            let (outcome, target, confidence) = match fp.port(&anchor) {
                Port::Exact { .. } => (Outcome::Exact, Some(f.as_target()), None),
                Port::Moved { path, .. } if new_path.is_none() => {
                    (Outcome::Moved, Some(same_bytes(f, file_of(&new, &path)?)), None)
                }
                Port::Moved { path, start_line, end_line } => {
                    (Outcome::Moved, Some(located(&new, &path, &new_bytes, start_line, end_line)?), None)
                }
                Port::Changed { path, start_line, end_line, confidence } => (
                    Outcome::Changed,
                    Some(located(&new, &path, &new_bytes, start_line, end_line)?),
                    Some(u64::from(confidence)),
                ),
                Port::Outdated => (Outcome::Outdated, None, None),
            };
            job.body.outcome = outcome;
            job.body.confidence = confidence;
            job.target = target;
        }
    }

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
        .collect::<anyhow::Result<Vec<Draft>>>()?;
    let first = new_review.entries().len();
    new_review.append_many(&signer, drafts, OffsetDateTime::now_utc())?;
    let continues = Continues::of(&old_review, &old.ids().tree_sha1.to_string());
    vitrine_record::port::write_continues(new_review.dir(), &continues)?;

    let written = new_review.entries().get(first..).unwrap_or_default();
    let ports: Vec<PortJson> = jobs
        .iter()
        .zip(written)
        .map(|(j, v)| PortJson {
            thread: j.root_id.clone(),
            annotation: j.body.annotation.clone(),
            entry: v.id.clone(),
            outcome: j.body.outcome.as_str(),
            from: Place { path: j.body.from.as_target().shown(), lines: j.body.from.lines },
            to: j.target.as_ref().and_then(|t| Some(Place { path: t.shown(), lines: t.lines? })),
            confidence: j.body.confidence,
        })
        .collect();
    if a.json {
        ctx.json(&Report { old: old.ids(), new: new.ids(), continues: &continues, ports, skipped })?;
        return Ok(Exit::Ok);
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &ports {
        *counts.entry(p.outcome).or_default() += 1;
        let to = p.to.as_ref().map_or_else(
            || "gone".to_owned(),
            |t| format!("{}:{}-{}", crate::common::term(&t.path), t.lines[0], t.lines[1]),
        );
        let conf = p.confidence.map(|c| format!(" ({c}%)")).unwrap_or_default();
        writeln!(
            ctx.out,
            "{} {:<8} {}:{}-{} -> {to}{conf}",
            p.thread.get(..12).unwrap_or_default(),
            p.outcome,
            crate::common::term(&p.from.path),
            p.from.lines[0],
            p.from.lines[1],
        )?;
    }
    let list =
        |m: &BTreeMap<&str, usize>| m.iter().map(|(k, v)| format!("{v} {k}")).collect::<Vec<_>>().join(", ");
    writeln!(
        ctx.out,
        "ported {} threads into the review of {}{}{}",
        ports.len(),
        new.ids().tree_sha256,
        if counts.is_empty() { String::new() } else { format!(": {}", list(&counts)) },
        if skipped.is_empty() { String::new() } else { format!("; not carried over: {}", list(&skipped)) },
    )?;
    Ok(Exit::Ok)
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
        },
        class: e.class,
        severity: e.severity,
        category: e.category.clone(),
        target: None,
    })
}

/// The target of a thread whose file kept its bytes, now at `file` (the same path or a new one).
fn same_bytes(f: &PortFrom, file: &FileEntry) -> Target {
    Target::at(file.path.as_bytes(), f.blob.clone(), Some(f.lines), Some(f.quote.clone()))
}

fn located(snap: &Snapshot, path: &str, content: &[u8], first: u32, last: u32) -> anyhow::Result<Target> {
    let file = file_of(snap, path)?;
    target_at(file.path.as_bytes(), content, u64::from(first), u64::from(last))
        .with_context(|| format!("lines {first}-{last} are outside {path} in the new snapshot"))
}

/// The file a diff names by `shown`, the one-to-one text form of its path (`RelPath::display`): most
/// paths are their own text form; the others (a backslash, bytes that are not UTF-8) are looked up.
fn file_of<'s>(snap: &'s Snapshot, shown: &str) -> anyhow::Result<&'s FileEntry> {
    snap.file(shown.as_bytes())
        .filter(|e| e.path.display() == shown)
        .or_else(|| snap.files().iter().find(|e| e.path.display() == shown))
        .with_context(|| format!("{shown} is not a file of the snapshot"))
}

fn read(snap: &Snapshot, path: &str) -> anyhow::Result<Vec<u8>> {
    let e = file_of(snap, path)?;
    snap.read(e).with_context(|| format!("cannot read {path}"))
}
