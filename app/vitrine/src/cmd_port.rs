//! `port`: the threads of an earlier version's review carried over to the new version's review, one
//! signed `anchor-port` entry per thread (see `vitrine_record::port` for the entry, and
//! `vitrine_compare::port` for how an anchor is found again).

use std::collections::BTreeMap;

use serde::Serialize;
use vitrine_compare::carry::{Revived, carry_over};
use vitrine_record::port::Continues;
use vitrine_record::time::OffsetDateTime;

use crate::cmd_compare::PortArgs;
use crate::common::{Ctx, Exit};

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
    /// Other places of the new file where the old quoted lines are intact (an unchanged copy next to
    /// the edited lines: dead code, or the code's new home).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    also: Vec<Place>,
    /// How many more such copies there are, not listed (the list is capped).
    #[serde(skip_serializing_if = "is_zero")]
    also_more: usize,
    /// Why a thread settled in the previous review is carried: `closed` or `accepted-risk` (the update
    /// changed its lines), `reappeared` (outdated at an earlier port, its quoted lines back).
    #[serde(skip_serializing_if = "Option::is_none")]
    revived: Option<&'static str>,
    /// Why lines whose bytes were kept are `changed`: their context changed (signed in the entry).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    context: Vec<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
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
    let (old, new) = ctx.open_pair_cached(&a.old, &a.new, true)?;
    // Said before the key's passphrase is asked for: the same only by every byte (the content key),
    // never by tree id, which leaves out `.GIT/…` and its aliases (the diff compares them).
    vitrine_compare::carry::check_versions(&old, &new)?;
    let signer = crate::cmd_record::signer(&a.key)?;
    let old_review = crate::cmd_record::open_review(ctx, &old)?;
    let mut new_review = crate::cmd_record::open_review(ctx, &new)?;
    let report = carry_over(&old, &new, &old_review, &mut new_review, &signer, OffsetDateTime::now_utc())?;
    for p in &report.people_added {
        writeln!(
            ctx.err,
            "added person {} (from the review of the old snapshot)",
            vitrine_record::principal::annotated(p)
        )?;
    }
    let (continues, skipped) = (&report.continues, report.skipped.clone());
    let ports: Vec<PortJson> = report
        .ports
        .iter()
        .map(|p| PortJson {
            thread: p.thread.clone(),
            annotation: p.annotation.clone(),
            entry: p.entry.clone(),
            outcome: p.outcome.as_str(),
            from: Place { path: p.from.0.clone(), lines: p.from.1 },
            to: p.to.as_ref().map(|(path, lines)| Place { path: path.clone(), lines: *lines }),
            confidence: p.confidence,
            also: p.also.iter().map(|(path, lines)| Place { path: path.clone(), lines: *lines }).collect(),
            also_more: p.also_more,
            revived: p.revived.map(|r| match r {
                Revived::Closed(s) => s.as_str(),
                Revived::Reappeared => "reappeared",
            }),
            context: p.context.clone(),
        })
        .collect();
    if a.json {
        ctx.json(&Report { old: old.ids(), new: new.ids(), continues, ports, skipped })?;
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
        match p.revived {
            Some("reappeared") => writeln!(
                ctx.out,
                "             outdated at an earlier port: its quoted lines are back in this version (carried over again)"
            )?,
            Some(status) if p.context.is_empty() => writeln!(
                ctx.out,
                "             {status} in the previous review, but this update changed its lines: carried over to be checked again"
            )?,
            Some(status) => writeln!(
                ctx.out,
                "             {status} in the previous review, but this update changed what its lines mean (see `context:`): carried over to be checked again"
            )?,
            None => {}
        }
        for note in &p.context {
            writeln!(ctx.out, "             context: {}", crate::common::term(note))?;
        }
        for a in &p.also {
            writeln!(
                ctx.out,
                "             the quoted lines are also intact at {}:{}-{} (unchanged copy; the thread is on the lines above)",
                crate::common::term(&a.path),
                a.lines[0],
                a.lines[1],
            )?;
        }
        if p.also_more > 0 {
            writeln!(ctx.out, "             ... and {} more intact copies of the quoted lines", p.also_more)?;
        }
    }
    let list =
        |m: &BTreeMap<&str, usize>| m.iter().map(|(k, v)| format!("{v} {k}")).collect::<Vec<_>>().join(", ");
    let context = ports.iter().filter(|p| !p.context.is_empty()).count();
    writeln!(
        ctx.out,
        "ported {} threads into the review of {}{}{}{}{}",
        ports.len(),
        new.ids().tree_sha256,
        if counts.is_empty() { String::new() } else { format!(": {}", list(&counts)) },
        if context == 0 {
            String::new()
        } else {
            format!(" ({context} of them on lines whose context changed: see `context:` above)")
        },
        copies_summary(&ports),
        if skipped.is_empty() { String::new() } else { format!("; not carried over: {}", list(&skipped)) },
    )?;
    Ok(Exit::Ok)
}

/// The summary's word on intact copies: how many threads have their old quoted lines intact elsewhere
/// (in their own file or another one the update added or changed), each named above.
fn copies_summary(ports: &[PortJson]) -> String {
    let threads = ports.iter().filter(|p| !p.also.is_empty() || p.also_more > 0).count();
    if threads == 0 {
        return String::new();
    }
    let copies: usize = ports.iter().map(|p| p.also.len() + p.also_more).sum();
    format!(
        "; {threads} of them with the quoted lines still intact elsewhere ({copies} {}: see `also intact` above)",
        if copies == 1 { "copy" } else { "copies" }
    )
}
