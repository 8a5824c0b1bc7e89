//! Turns a review's verified log into index documents: one per thread and one per entry.

use std::collections::HashMap;

use tantivy::TantivyDocument;
use vitrine_record::entry::{Entry, Severity};
use vitrine_record::thread::{Thread, threads};
use vitrine_record::{Review, Verified};

use crate::schema::Fields;

/// The label shown for a review: the record carries no product or version, so the snapshot's short
/// tree id names it.
pub fn label(snapshot: &str) -> String {
    format!("snapshot {}", snapshot.get(..12).unwrap_or(snapshot))
}

fn rank(s: Option<Severity>) -> u64 {
    match s {
        None => 0,
        Some(Severity::Info) => 1,
        Some(Severity::Low) => 2,
        Some(Severity::Medium) => 3,
        Some(Severity::High) => 4,
        Some(Severity::Critical) => 5,
    }
}

pub fn documents(f: &Fields, review: &Review) -> Vec<TantivyDocument> {
    let label = label(review.snapshot());
    let all = threads(review.entries());
    let mut thread_of: HashMap<&str, &Thread<'_>> = HashMap::new();
    for t in &all {
        thread_of.insert(t.root.id.as_str(), t);
        for e in &t.follow_ups {
            thread_of.insert(e.id.as_str(), t);
        }
    }
    let mut out = Vec::with_capacity(review.entries().len() + all.len());
    for t in &all {
        let mut body = t.root.entry.body.clone().unwrap_or_default();
        for e in &t.follow_ups {
            if let Some(b) = &e.entry.body {
                body.push('\n');
                body.push_str(b);
            }
        }
        out.push(document(f, "thread", t.root, Some(t), &body, &label));
    }
    for v in review.entries() {
        let t = thread_of.get(v.id.as_str()).copied();
        let body = v.entry.body.clone().unwrap_or_default();
        out.push(document(f, "entry", v, t, &body, &label));
    }
    out
}

fn document(
    f: &Fields,
    doc: &str,
    v: &Verified,
    thread: Option<&Thread<'_>>,
    body: &str,
    label: &str,
) -> TantivyDocument {
    let e: &Entry = &v.entry;
    // A follow-up has no target, severity or category of its own: it is about its thread's.
    let root = thread.map(|t| &t.root.entry);
    let target = e.target.as_ref().or(root.and_then(|r| r.target.as_ref()));
    let severity = e.severity.or(root.and_then(|r| r.severity));
    let category = e.category.as_ref().or(root.and_then(|r| r.category.as_ref()));
    let class = e.class.or(root.and_then(|r| r.class));
    let status = match thread {
        Some(t) if t.retracted => "retracted",
        Some(t) => t.status.as_str(),
        None => "none",
    };
    let mut d = TantivyDocument::default();
    d.add_text(f.doc, doc);
    d.add_text(f.entry, &v.id);
    d.add_text(f.thread, thread.map_or(v.id.as_str(), |t| t.root.id.as_str()));
    d.add_text(f.snapshot, &e.snapshot);
    d.add_text(f.label, label);
    d.add_text(f.kind, e.kind.as_str());
    if let Some(c) = class {
        d.add_text(f.class, c.as_str());
    }
    if let Some(s) = severity {
        d.add_text(f.severity, s.as_str());
    }
    d.add_u64(f.severity_rank, rank(severity));
    d.add_text(f.status, status);
    if let Some(c) = category {
        d.add_text(f.category, c);
    }
    d.add_text(f.author, &e.author.principal);
    d.add_text(f.role, &e.role);
    d.add_text(f.fingerprint, &e.author.fingerprint);
    if let Some(t) = target {
        d.add_text(f.path, &t.path);
        if let Some([first, _]) = t.lines {
            d.add_u64(f.line, first);
        }
    }
    if let Ok(t) = e.parsed_time() {
        d.add_date(f.time, tantivy::DateTime::from_timestamp_secs(t.unix_timestamp()));
    }
    d.add_text(f.time_text, &e.time);
    d.add_text(f.body, body);
    d.add_text(f.body_en, body);
    d.add_text(f.body_ru, body);
    d
}
