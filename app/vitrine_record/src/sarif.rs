//! `results.sarif`: the record as SARIF 2.1.0, for tools that read static-analysis results.
//!
//! One result per annotation thread. SARIF's `guid` must be a UUID, so it is made from the first 128 bits
//! of the entry id (shaped as a version-4 UUID); the full entry id is in `partialFingerprints` and
//! `properties.entryId`. The vendor's disposition becomes a `suppressions` entry.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::bundle::ViewInput;
use crate::entry::{Class, Severity, Status, line_bytes};
use crate::error::RecordError;
use crate::thread::threads;
use crate::verify::Verified;

/// A UUID-shaped identifier derived from an entry id (hex SHA-256).
pub fn guid_from_id(id: &str) -> String {
    let mut h: Vec<u8> = hex::decode(id).unwrap_or_default();
    h.resize(16, 0);
    if let Some(b) = h.get_mut(6) {
        *b = (*b & 0x0f) | 0x40;
    }
    if let Some(b) = h.get_mut(8) {
        *b = (*b & 0x3f) | 0x80;
    }
    let x = hex::encode(&h);
    format!(
        "{}-{}-{}-{}-{}",
        x.get(0..8).unwrap_or(""),
        x.get(8..12).unwrap_or(""),
        x.get(12..16).unwrap_or(""),
        x.get(16..20).unwrap_or(""),
        x.get(20..32).unwrap_or("")
    )
}

fn level(s: Option<Severity>) -> &'static str {
    match s {
        Some(Severity::Critical | Severity::High) => "error",
        Some(Severity::Medium) => "warning",
        _ => "note",
    }
}

fn result_kind(c: Option<Class>) -> &'static str {
    match c {
        Some(Class::Finding) => "fail",
        Some(Class::Question) => "review",
        _ => "informational",
    }
}

fn suppression_status(s: Status) -> Option<&'static str> {
    match s {
        Status::Open => None,
        Status::Acknowledged | Status::Disputed => Some("underReview"),
        Status::Fixed | Status::AcceptedRisk | Status::Closed => Some("accepted"),
    }
}

fn entry_summary(v: &Verified) -> Value {
    let e = &v.entry;
    let mut m = json!({
        "id": v.id,
        "kind": e.kind.as_str(),
        "author": {"principal": e.author.principal, "fingerprint": e.author.fingerprint},
        "role": e.role,
        "time": e.time,
        "signature": String::from_utf8_lossy(&v.sig),
    });
    if let Some(obj) = m.as_object_mut() {
        if let Some(b) = &e.body {
            obj.insert("body".into(), json!(b));
        }
        if let Some(s) = e.status {
            obj.insert("status".into(), json!(s.as_str()));
        }
    }
    m
}

/// Renders the SARIF log.
pub fn render(view: &ViewInput<'_>) -> Result<Vec<u8>, RecordError> {
    let h = view.header;
    let mut artifacts: BTreeMap<String, (usize, Value)> = BTreeMap::new();
    let mut results = Vec::new();
    for t in threads(view.entries) {
        let e = &t.root.entry;
        let Some(target) = &e.target else { continue };
        let content = view.snapshot.and_then(|s| (s.read)(&target.path));
        let next = artifacts.len();
        let (index, _) = artifacts.entry(target.path.clone()).or_insert_with(|| {
            let mut hashes = json!({"git-blob-sha256": target.blob});
            if let (Some(c), Some(obj)) = (&content, hashes.as_object_mut()) {
                obj.insert("sha-256".into(), json!(hex::encode(Sha256::digest(c))));
            }
            (next, json!({"location": {"uri": target.path}, "hashes": hashes}))
        });
        let index = *index;
        let [a, b] = target.lines.unwrap_or([1, 1]);
        let mut region = json!({"startLine": a, "endLine": b});
        if let (Some(c), Some(obj)) = (&content, region.as_object_mut())
            && let Some(snippet) = line_bytes(c, a, b)
        {
            obj.insert("snippet".into(), json!({"text": String::from_utf8_lossy(snippet)}));
        }
        let mut fingerprints = json!({"entryId/v1": t.root.id});
        if let (Some(q), Some(obj)) = (&target.quote, fingerprints.as_object_mut()) {
            obj.insert("quoteSha256/v1".into(), json!(q.sha256));
        }
        let mut result = json!({
            "ruleId": e.class.map_or("note", Class::as_str),
            "kind": result_kind(e.class),
            "level": level(e.severity),
            "message": {"text": e.body.clone().unwrap_or_default()},
            "guid": guid_from_id(&t.root.id),
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": target.path, "index": index}, "region": region}}],
            "partialFingerprints": fingerprints,
            "properties": {
                "entryId": t.root.id,
                "author": {"principal": e.author.principal, "fingerprint": e.author.fingerprint},
                "role": e.role,
                "time": e.time,
                "severity": e.severity.map(Severity::as_str),
                "category": e.category,
                "status": t.status.as_str(),
                "retracted": t.retracted,
                "signature": String::from_utf8_lossy(&t.root.sig),
                "thread": t.follow_ups.iter().map(|f| entry_summary(f)).collect::<Vec<_>>(),
            },
        });
        if let (Some(status), Some(obj)) = (suppression_status(t.status), result.as_object_mut()) {
            let last = t.follow_ups.iter().rev().find(|f| f.entry.status.is_some());
            let mut s = json!({"kind": "external", "status": status});
            if let (Some(l), Some(so)) = (last, s.as_object_mut()) {
                so.insert(
                    "justification".into(),
                    json!(format!(
                        "{} ({}, {}): {}",
                        t.status.as_str(),
                        l.entry.author.principal,
                        l.entry.role,
                        l.entry.body.clone().unwrap_or_default()
                    )),
                );
            }
            obj.insert("suppressions".into(), json!([s]));
        }
        results.push(result);
    }
    let mut artifact_list: Vec<(usize, Value)> = artifacts.into_values().collect();
    artifact_list.sort_by_key(|(i, _)| *i);
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "Vitrine",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": [
                    {"id": "finding", "shortDescription": {"text": "A reviewer's finding"}},
                    {"id": "question", "shortDescription": {"text": "A question to the vendor"}},
                    {"id": "note", "shortDescription": {"text": "A note"}},
                ],
            }},
            "versionControlProvenance": [{
                "repositoryUri": h.snapshot.swhid,
                "revisionId": h.snapshot.tree_sha1,
                "properties": {"treeSha256": h.snapshot.tree_sha256, "treeSha1": h.snapshot.tree_sha1, "swhid": h.snapshot.swhid},
            }],
            "artifacts": artifact_list.into_iter().map(|(_, a)| a).collect::<Vec<_>>(),
            "results": results,
            "properties": {
                "exportedBy": {"principal": h.exported_by.principal, "fingerprint": h.exported_by.fingerprint},
                "exportedAt": h.exported_at,
                "questionsOnly": h.questions_only,
            },
        }],
    });
    let mut out = serde_json::to_vec_pretty(&log).map_err(|e| RecordError::Bundle(e.to_string()))?;
    out.push(b'\n');
    Ok(out)
}
