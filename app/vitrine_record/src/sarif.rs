//! `results.sarif`: the record as SARIF 2.1.0, for tools that read static-analysis results.
//!
//! One result per annotation thread. SARIF's `guid` must be a UUID, so it is made from the first 128 bits
//! of the entry id (shaped as a version-4 UUID); the full entry id is in `partialFingerprints` and
//! `properties.entryId`.
//!
//! SARIF 2.1.0 rules kept here: only a finding is `kind: "fail"` with a `level`; a question or a note is
//! `review` or `informational` with no `level` (§3.27.10 allows only `none` or absence). A thread is
//! suppressed only when its risk was accepted or it was closed (which the status policy lets only the
//! annotation's author or the reviewing side do); an acknowledged, disputed or fixed finding is still a
//! result that viewers must show. Artifact locations are relative to `SNAPSHOT`, which
//! `originalUriBaseIds` describes.
//!
//! Text is inert in every viewer, as in `report.html` and the terminal: SARIF gives a message's plain text
//! a syntax of its own (§3.11.5 placeholders `{0}`, §3.11.6 embedded links `[text](target)`), so every
//! message string and `suppressions[].justification` is escaped by [`message_text`] (`{{`, `}}`, `\[`,
//! `\]`), and every character that hides or reorders text (bidirectional controls, invisible characters,
//! controls) is drawn as a visible `<U+XXXX>` marker there and in every other text from the record
//! (thread bodies, categories, the tool's name, quoted lines): a vendor's `[approved](file:///…)` is
//! never a link, `{0}` never a placeholder, U+202E never reorders what follows.

use std::collections::HashMap;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::bundle::{Contents, ViewInput};
use crate::entry::{Class, Severity, Status, line_bytes};
use crate::error::RecordError;
use crate::thread::{Thread, threads};
use crate::verify::Verified;

/// `s` as the plain text of a SARIF message string: a literal `{` or `}` doubled (§3.11.5), a literal `[`
/// or `]` escaped with a backslash (§3.11.6; backslashes right before one are doubled, so that a reader
/// that unescapes `\\` and one that does not both see the text as written), and every hidden character
/// as a `<U+XXXX>` marker ([`marked`]).
pub fn message_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut backslashes = 0usize;
    for c in s.chars() {
        if c == '\\' {
            backslashes += 1;
            continue;
        }
        let run = if matches!(c, '[' | ']') { 2 * backslashes } else { backslashes };
        out.extend(std::iter::repeat_n('\\', run));
        backslashes = 0;
        match c {
            '[' => out.push_str("\\["),
            ']' => out.push_str("\\]"),
            '{' => out.push_str("{{"),
            '}' => out.push_str("}}"),
            c => push_marked(&mut out, c),
        }
    }
    out.extend(std::iter::repeat_n('\\', backslashes));
    out
}

/// `s` with every character that hides or reorders text (what `report.html` draws as a marker:
/// bidirectional controls, invisible characters, controls but tab, newline, carriage return and form
/// feed) written as a visible `<U+XXXX>`.
pub fn marked(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        push_marked(&mut out, c);
    }
    out
}

/// How a rendering writes record text: [`message_text`] and [`marked`], or, to compare with a log an
/// earlier Vitrine wrote, as it is ([`Text::AS_WRITTEN`]).
#[derive(Clone, Copy)]
pub(crate) struct Text {
    message: fn(&str) -> String,
    other: fn(&str) -> String,
    uri: fn(&crate::entry::Target) -> String,
}

impl Text {
    /// Message syntax escaped, hidden characters marked, every artifact URI percent-encoded: what this
    /// version writes.
    pub(crate) const ESCAPED: Text = Text { message: message_text, other: marked, uri };
    /// Message syntax escaped and hidden characters marked, but the artifact URIs as Vitrine wrote them
    /// before [`SARIF_URIS_ENCODED_SINCE`] (an NFC UTF-8 path as it is).
    pub(crate) const URIS_AS_WRITTEN: Text =
        Text { message: message_text, other: marked, uri: uri_as_written };
    /// The text and URIs as they are, as Vitrine wrote logs before [`SARIF_ESCAPED_SINCE`].
    pub(crate) const AS_WRITTEN: Text =
        Text { message: |s| s.to_owned(), other: |s| s.to_owned(), uri: uri_as_written };
}

/// When results.sarif began to escape its message strings and mark hidden characters. A log of a record
/// exported before then may hold the text as it is (`vitrine verify` accepts that one, and says not to
/// open it in a SARIF viewer); one exported since may not.
pub const SARIF_ESCAPED_SINCE: &str = "2026-12-07T06:00:00Z";

/// When results.sarif began to percent-encode every artifact URI. A log of a record exported before then
/// may hold an NFC UTF-8 path as it is (`src/parse%2Ec`, `file:/etc/passwd`, which a SARIF viewer reads
/// as URI syntax: `vitrine verify` accepts that one, and says so); one exported since may not.
pub const SARIF_URIS_ENCODED_SINCE: &str = "2026-12-07T12:00:00Z";

fn push_marked(out: &mut String, c: char) {
    if crate::principal::hidden_kind(c).is_some() {
        out.push_str(&crate::principal::marker(c));
    } else {
        out.push(c);
    }
}

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

/// A suppression for a thread's status: only the reviewing side's decisions (accepted risk, closed)
/// hide a result.
fn suppression_status(s: Status) -> Option<&'static str> {
    match s {
        Status::Open | Status::Acknowledged | Status::Disputed | Status::Fixed => None,
        Status::AcceptedRisk | Status::Closed => Some("accepted"),
    }
}

fn entry_summary(v: &Verified, text: Text) -> Value {
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
            obj.insert("body".into(), json!((text.other)(b)));
        }
        if let Some(s) = e.status {
            obj.insert("status".into(), json!(s.as_str()));
        }
    }
    m
}

/// The base every artifact path is relative to: the snapshot root, which the version-control provenance
/// maps to the snapshot's tree.
const URI_BASE: &str = "SNAPSHOT";

/// What a log says that only the snapshot can confirm: each result's quoted lines (`snippet.text` of its
/// one location) and each artifact's content hash (`hashes["sha-256"]`), by position.
///
/// To compare a bundle's `results.sarif` with the log rendered again from its entries when the snapshot
/// is not at hand, the log is rendered again with these taken from the bundle's own log, and the two are
/// compared byte for byte: everything else must be exactly what the entries say. Read with typed serde
/// (everything else skipped unparsed), so a 200 MB log costs no JSON tree.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SourceClaims {
    /// Per result, in order: the `snippet.text` of its one location, if it has one.
    pub snippets: Vec<Option<String>>,
    /// Per artifact, in order: its `hashes["sha-256"]` (hex), if it has one.
    pub hashes: Vec<Option<String>>,
}

impl SourceClaims {
    /// Reads the claims of the first run of a SARIF log, or `None` when it is not a log of that shape
    /// (then it cannot be the log the entries render to, whatever it says).
    pub fn of(bytes: &[u8]) -> Option<SourceClaims> {
        #[derive(serde::Deserialize)]
        struct LogIn {
            runs: Vec<RunIn>,
        }
        #[derive(serde::Deserialize)]
        struct RunIn {
            #[serde(default)]
            artifacts: Vec<ArtifactIn>,
            #[serde(default)]
            results: Vec<ResultIn>,
        }
        #[derive(serde::Deserialize)]
        struct ArtifactIn {
            #[serde(default)]
            hashes: Option<HashesIn>,
        }
        #[derive(serde::Deserialize)]
        struct HashesIn {
            #[serde(rename = "sha-256")]
            sha256: Option<String>,
        }
        #[derive(serde::Deserialize)]
        struct ResultIn {
            #[serde(default)]
            locations: Vec<LocationIn>,
        }
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct LocationIn {
            physical_location: Option<PhysicalIn>,
        }
        #[derive(serde::Deserialize)]
        struct PhysicalIn {
            region: Option<RegionIn>,
        }
        #[derive(serde::Deserialize)]
        struct RegionIn {
            snippet: Option<SnippetIn>,
        }
        #[derive(serde::Deserialize)]
        struct SnippetIn {
            text: String,
        }
        let log: LogIn = serde_json::from_slice(bytes).ok()?;
        let run = log.runs.into_iter().next()?;
        Some(SourceClaims {
            snippets: run
                .results
                .into_iter()
                .map(|r| {
                    let first = r.locations.into_iter().next()?;
                    Some(first.physical_location?.region?.snippet?.text)
                })
                .collect(),
            hashes: run.artifacts.into_iter().map(|a| a.hashes?.sha256).collect(),
        })
    }
}

/// Where the quoted lines and content hashes of a rendering come from.
#[derive(Clone, Copy)]
enum Source<'a> {
    /// The snapshot's files (at export, or verifying with the snapshot); `None` in a questions-only packet.
    Contents(Option<&'a Contents>),
    /// Another log's claims, to compare everything but them.
    Claims(&'a SourceClaims),
}

impl Source<'_> {
    fn snippet(self, text: Text, result: usize, path: &[u8], a: u64, b: u64) -> Option<String> {
        match self {
            Source::Contents(c) => {
                let content = c?.get(path)?;
                Some((text.other)(&String::from_utf8_lossy(line_bytes(content, a, b)?)))
            }
            Source::Claims(c) => c.snippets.get(result)?.clone(),
        }
    }

    fn sha256(self, artifact: usize, path: &[u8]) -> Option<String> {
        match self {
            Source::Contents(c) => Some(hex::encode(Sha256::digest(c?.get(path)?))),
            Source::Claims(c) => c.hashes.get(artifact)?.clone(),
        }
    }
}

/// An artifact's URI, relative to `SNAPSHOT`: the path's exact bytes percent-encoded (RFC 3986: every byte
/// but unreserved characters and `/`), for every path. So no name is read as URI syntax (a `%2E` that a
/// viewer decodes to another file's name, a `file:` or `https:` segment that makes the URI absolute, a
/// `?` or `#`), and two files whose names differ only in their bytes never share a URI.
fn uri(target: &crate::entry::Target) -> String {
    match target.path_bytes() {
        Some(b) => percent_encoded(&b),
        None => percent_encoded(target.path.as_bytes()),
    }
}

/// An artifact's URI as Vitrine wrote it before [`SARIF_URIS_ENCODED_SINCE`]: the path as it is when it
/// is NFC UTF-8, otherwise as [`uri`] writes it.
fn uri_as_written(target: &crate::entry::Target) -> String {
    match target.path_bytes.as_ref().and_then(|_| target.path_bytes()) {
        Some(b) => percent_encoded(&b),
        None => target.path.clone(),
    }
}

/// `bytes` percent-encoded but for unreserved characters and `/`.
fn percent_encoded(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for &b in bytes.iter() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One result per annotation thread (`number` counts the results).
fn result_value(
    t: &Thread<'_>,
    source: Source<'_>,
    text: Text,
    number: usize,
    index: usize,
) -> Option<Value> {
    let e = &t.root.entry;
    let target = e.target.as_ref()?;
    let [a, b] = target.lines.unwrap_or([1, 1]);
    let path = target.path_bytes()?;
    let mut region = json!({"startLine": a, "endLine": b});
    if let (Some(snippet), Some(obj)) = (source.snippet(text, number, &path, a, b), region.as_object_mut()) {
        obj.insert("snippet".into(), json!({"text": snippet}));
    }
    let mut fingerprints = json!({"entryId/v1": t.root.id});
    if let (Some(q), Some(obj)) = (&target.quote, fingerprints.as_object_mut()) {
        obj.insert("quoteSha256/v1".into(), json!(q.sha256));
    }
    let kind = result_kind(e.class);
    let mut result = json!({
        "ruleId": e.class.map_or("note", Class::as_str),
        "kind": kind,
        "message": {"text": (text.message)(e.body.as_deref().unwrap_or_default())},
        "guid": guid_from_id(&t.root.id),
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": (text.uri)(target), "uriBaseId": URI_BASE, "index": index}, "region": region}}],
        "partialFingerprints": fingerprints,
        "properties": {
            "entryId": t.root.id,
            "author": {"principal": e.author.principal, "fingerprint": e.author.fingerprint},
            "role": e.role,
            "time": e.time,
            "severity": e.severity.map(Severity::as_str),
            "category": e.category.as_deref().map(text.other),
            "status": t.status.as_str(),
            "retracted": t.retracted,
            "signature": String::from_utf8_lossy(&t.root.sig),
            "thread": t.follow_ups.iter().map(|f| entry_summary(f, text)).collect::<Vec<_>>(),
        },
    });
    if let (true, Some(obj)) = (kind == "fail", result.as_object_mut()) {
        obj.insert("level".into(), json!(level(e.severity)));
    }
    if let (Some(status), Some(obj)) = (suppression_status(t.status), result.as_object_mut()) {
        let last = t.decided_by;
        let mut s = json!({"kind": "external", "status": status});
        if let (Some(l), Some(so)) = (last, s.as_object_mut()) {
            so.insert(
                "justification".into(),
                json!((text.message)(&format!(
                    "{} ({}, {}): {}",
                    t.status.as_str(),
                    l.entry.author.principal,
                    l.entry.role,
                    l.entry.body.clone().unwrap_or_default()
                ))),
            );
        }
        obj.insert("suppressions".into(), json!([s]));
    }
    Some(result)
}

/// The results array, built one result at a time while it is written, so a record of 100,000 threads
/// never holds 100,000 JSON trees at once.
struct Results<'a> {
    threads: &'a [Thread<'a>],
    source: Source<'a>,
    text: Text,
    index: &'a HashMap<Vec<u8>, usize>,
}

impl serde::Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.threads.iter().filter(|t| t.root.entry.target.is_some()).enumerate().filter_map(
            |(number, t)| {
                let path = t.root.entry.target.as_ref()?.path_bytes()?;
                result_value(
                    t,
                    self.source,
                    self.text,
                    number,
                    self.index.get(path.as_ref()).copied().unwrap_or(0),
                )
            },
        ))
    }
}

#[derive(serde::Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Value,
    original_uri_base_ids: Value,
    version_control_provenance: Value,
    artifacts: Vec<Value>,
    results: Results<'a>,
    properties: Value,
}

/// Renders the SARIF log.
pub fn render(view: &ViewInput<'_>) -> Result<Vec<u8>, RecordError> {
    render_from(view, Source::Contents(view.contents), Text::ESCAPED)
}

/// Renders the SARIF log with the quoted lines and content hashes that `claims` gives, in place of the
/// snapshot's: equal to a bundle's log exactly when that log says what the entries say.
pub fn render_with_claims(view: &ViewInput<'_>, claims: &SourceClaims) -> Result<Vec<u8>, RecordError> {
    render_from(view, Source::Claims(claims), Text::ESCAPED)
}

/// [`render`] or [`render_with_claims`] (with `claims`), writing record text as `text` says.
pub(crate) fn render_as(
    view: &ViewInput<'_>,
    claims: Option<&SourceClaims>,
    text: Text,
) -> Result<Vec<u8>, RecordError> {
    let source = claims.map_or(Source::Contents(view.contents), Source::Claims);
    render_from(view, source, text)
}

fn render_from(view: &ViewInput<'_>, source: Source<'_>, text: Text) -> Result<Vec<u8>, RecordError> {
    let h = view.header;
    let all = threads(view.entries);
    let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut artifacts: Vec<Value> = Vec::new();
    for t in &all {
        let Some(target) = &t.root.entry.target else { continue };
        let Some(path) = target.path_bytes() else { continue };
        if index.contains_key(path.as_ref()) {
            continue;
        }
        let number = artifacts.len();
        let mut hashes = json!({"git-blob-sha256": target.blob});
        if let (Some(sha), Some(obj)) = (source.sha256(number, &path), hashes.as_object_mut()) {
            obj.insert("sha-256".into(), json!(sha));
        }
        index.insert(path.into_owned(), number);
        artifacts
            .push(json!({"location": {"uri": (text.uri)(target), "uriBaseId": URI_BASE}, "hashes": hashes}));
    }
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            // The exporting tool as record.json names it (not this build's version), so that the view can
            // be rendered again, identically, by a later Vitrine.
            tool: json!({"driver": {
                "name": "Vitrine",
                "fullName": (text.other)(&h.tool),
                "version": (text.other)(h.tool.rsplit(' ').next().unwrap_or_default()),
                "rules": [
                    {"id": "finding", "shortDescription": {"text": "A reviewer's finding"}},
                    {"id": "question", "shortDescription": {"text": "A question to the vendor"}},
                    {"id": "note", "shortDescription": {"text": "A note"}},
                ],
            }}),
            original_uri_base_ids: json!({URI_BASE: {"description": {"text": (text.message)(&format!(
                "The root of the reviewed snapshot: git tree {} (SHA-256), {}",
                h.snapshot.tree_sha256, h.snapshot.swhid
            ))}}}),
            version_control_provenance: json!([{
                "repositoryUri": h.snapshot.swhid,
                "revisionId": h.snapshot.tree_sha1,
                "mappedTo": {"uriBaseId": URI_BASE},
                "properties": {"treeSha256": h.snapshot.tree_sha256, "treeSha1": h.snapshot.tree_sha1, "swhid": h.snapshot.swhid},
            }]),
            artifacts,
            results: Results { threads: &all, source, text, index: &index },
            properties: json!({
                "exportedBy": {"principal": h.exported_by.principal, "fingerprint": h.exported_by.fingerprint},
                "exportedAt": h.exported_at,
                "questionsOnly": h.questions_only,
            }),
        }],
    };
    let mut out = serde_json::to_vec_pretty(&log).map_err(|e| RecordError::Bundle(e.to_string()))?;
    out.push(b'\n');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    /// Every artifact URI is the path percent-encoded (all but unreserved characters and `/`): no name
    /// reads as URI syntax (an escape that decodes to another file's name, a scheme, a query, a fragment),
    /// and an ordinary name is unchanged. Logs written before keep their URIs as written.
    #[test]
    fn every_artifact_uri_is_percent_encoded_so_no_name_reads_as_uri_syntax() {
        let t = |p: &str| crate::entry::Target::at(p.as_bytes(), "0".repeat(64), None, None);
        for (path, want) in [
            ("src/main.c", "src/main.c"),
            ("src/parse%2Ec", "src/parse%252Ec"),
            ("file:/etc/passwd", "file%3A/etc/passwd"),
            ("https:/x", "https%3A/x"),
            ("src/x/..%2F..%2Fhome", "src/x/..%252F..%252Fhome"),
            ("a b?c#d.c", "a%20b%3Fc%23d.c"),
            ("src/caf\u{e9}.c", "src/caf%C3%A9.c"),
            ("~user/a_b-c.d", "~user/a_b-c.d"),
        ] {
            assert_eq!(super::uri(&t(path)), want, "{path}");
            assert_eq!((super::Text::ESCAPED.uri)(&t(path)), want, "{path}");
            assert_eq!((super::Text::URIS_AS_WRITTEN.uri)(&t(path)), path, "{path}");
        }
    }

    /// SARIF 2.1.0 §3.11.5 and §3.11.6: braces doubled, brackets escaped (a backslash run before one
    /// doubled), hidden characters marked; nothing else changes.
    #[test]
    fn message_text_is_inert_sarif_plain_text() {
        assert_eq!(message_text("plain text, é, a\\b"), "plain text, é, a\\b");
        assert_eq!(message_text("[t](file:///x)"), "\\[t\\](file:///x)");
        assert_eq!(message_text("{0} {{ }"), "{{0}} {{{{ }}");
        assert_eq!(message_text("a\\[b\\\\]"), "a\\\\\\[b\\\\\\\\\\]");
        assert_eq!(message_text("x\u{202E}y\u{200B}z\u{7}\nw\t"), "x<U+202E>y<U+200B>z<U+0007>\nw\t");
        assert_eq!(message_text("end\\"), "end\\");
        assert_eq!(marked("[{\u{2066}}]"), "[{<U+2066>}]");
    }

    use serde_json::Value;

    use super::*;
    use crate::bundle::{ExportConfig, SnapshotData, export};
    use crate::entry::{Kind, Target, blob_id, quote_lines};
    use crate::store::{Draft, Review};
    use crate::{Signer, allowed};

    /// A small JSON Schema (draft-07) validator covering the keywords the SARIF schema uses. Returns
    /// the paths of every violation.
    struct Validator<'a> {
        root: &'a Value,
        errors: Vec<String>,
    }

    impl Validator<'_> {
        fn check(&mut self, schema: &Value, v: &Value, path: &str) {
            if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
                let name = r.strip_prefix("#/definitions/").expect("local ref");
                let target = &self.root["definitions"][name];
                assert!(!target.is_null(), "unknown ref {r}");
                return self.check(target, v, path);
            }
            if let Some(t) = schema.get("type") {
                let types: Vec<&str> = match t {
                    Value::String(s) => vec![s.as_str()],
                    Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                    _ => vec![],
                };
                let ok = types.iter().any(|t| match *t {
                    "object" => v.is_object(),
                    "array" => v.is_array(),
                    "string" => v.is_string(),
                    "integer" => v.is_i64() || v.is_u64(),
                    "number" => v.is_number(),
                    "boolean" => v.is_boolean(),
                    "null" => v.is_null(),
                    _ => false,
                });
                if !ok {
                    self.errors.push(format!("{path}: expected {types:?}"));
                    return;
                }
            }
            if let Some(e) = schema.get("enum").and_then(Value::as_array)
                && !e.contains(v)
            {
                self.errors.push(format!("{path}: {v} not in {e:?}"));
            }
            if let (Some(m), Some(n)) = (schema.get("minimum").and_then(Value::as_f64), v.as_f64())
                && n < m
            {
                self.errors.push(format!("{path}: {n} < {m}"));
            }
            if let (Some(p), Some(s)) = (schema.get("pattern").and_then(Value::as_str), v.as_str())
                && !regex::Regex::new(p).unwrap().is_match(s)
            {
                self.errors.push(format!("{path}: {s:?} does not match {p}"));
            }
            if schema.get("format").and_then(Value::as_str) == Some("uri")
                && let Some(s) = v.as_str()
                && !s.split_once(':').is_some_and(|(scheme, _)| {
                    !scheme.is_empty()
                        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                })
            {
                self.errors.push(format!("{path}: {s:?} is not a URI"));
            }
            if let Some(any) = schema.get("anyOf").and_then(Value::as_array) {
                let ok = any.iter().any(|alt| {
                    let mut sub = Validator { root: self.root, errors: Vec::new() };
                    sub.check(alt, v, path);
                    sub.errors.is_empty()
                });
                if !ok {
                    self.errors.push(format!("{path}: matches none of anyOf"));
                }
            }
            if let Some(obj) = v.as_object() {
                if let Some(req) = schema.get("required").and_then(Value::as_array) {
                    for r in req.iter().filter_map(Value::as_str) {
                        if !obj.contains_key(r) {
                            self.errors.push(format!("{path}: missing required {r}"));
                        }
                    }
                }
                let props = schema.get("properties").and_then(Value::as_object);
                for (k, x) in obj {
                    let sub = format!("{path}/{k}");
                    match (props.and_then(|p| p.get(k)), schema.get("additionalProperties")) {
                        (Some(s), _) => self.check(s, x, &sub),
                        (None, Some(Value::Bool(false))) => self.errors.push(format!("{sub}: not allowed")),
                        (None, Some(s @ Value::Object(_))) => self.check(s, x, &sub),
                        _ => {}
                    }
                }
            }
            if let Some(arr) = v.as_array() {
                if let Some(m) = schema.get("minItems").and_then(Value::as_u64)
                    && (arr.len() as u64) < m
                {
                    self.errors.push(format!("{path}: fewer than {m} items"));
                }
                if schema.get("uniqueItems") == Some(&Value::Bool(true)) {
                    for (i, a) in arr.iter().enumerate() {
                        if arr.iter().skip(i + 1).any(|b| a == b) {
                            self.errors.push(format!("{path}: items not unique"));
                        }
                    }
                }
                if let Some(items) = schema.get("items") {
                    for (i, x) in arr.iter().enumerate() {
                        self.check(items, x, &format!("{path}/{i}"));
                    }
                }
            }
        }
    }

    fn schema() -> Value {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/data/record/sarif-schema-2.1.0-subset.json");
        serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
    }

    fn validate(doc: &Value) -> Vec<String> {
        let schema = schema();
        let mut v = Validator { root: &schema, errors: Vec::new() };
        v.check(&schema, doc, "");
        v.errors
    }

    fn exported(questions_only: bool) -> (crate::bundle::BundleFiles, String) {
        let tmp = tempfile::tempdir().unwrap();
        let snapshot = "cd".repeat(32);
        let files: HashMap<&str, &[u8]> =
            HashMap::from([("src/a.c", b"int a;\nint b = a / 0;\nint c;\n".as_slice())]);
        let rev = Signer::generate("r").unwrap();
        let ven = Signer::generate("v").unwrap();
        let mut review = Review::open(tmp.path(), &snapshot).unwrap();
        review
            .add_person(allowed::person("rev@x", "reviewer", &rev.public_openssh().unwrap()).unwrap())
            .unwrap();
        review
            .add_person(allowed::person("ven@x", "vendor", &ven.public_openssh().unwrap()).unwrap())
            .unwrap();
        let now = time::OffsetDateTime::now_utc();
        let content = files["src/a.c"];
        let mut d = Draft::new(Kind::Annotation);
        d.target = Some(Target {
            path: "src/a.c".into(),
            path_bytes: None,
            blob: blob_id(content),
            lines: Some([2, 2]),
            quote: quote_lines(content, 2, 2),
        });
        d.class = Some(Class::Finding);
        d.severity = Some(Severity::High);
        d.body = Some("Division by zero <b>".into());
        let id = review.append(&rev, d.clone(), now).unwrap().id.clone();
        let mut r = Draft::new(Kind::Reply);
        r.parent = Some(id.clone());
        r.body = Some("Dead code".into());
        r.status = Some(Status::Disputed);
        review.append(&ven, r.clone(), now).unwrap();
        // The vendor may dispute, never accept the risk: the reviewer does.
        r.status = Some(Status::AcceptedRisk);
        let refused = review.append(&ven, r.clone(), now).unwrap_err();
        assert!(matches!(refused, crate::RecordError::Policy(_)), "{refused}");
        r.body = Some("Accepted **for this release**".into());
        review.append(&rev, r, now).unwrap();
        // A second finding, only disputed; a question; a note whose body hides characters.
        d.severity = Some(Severity::Medium);
        d.body = Some("Second finding".into());
        let second = review.append(&rev, d.clone(), now).unwrap().id.clone();
        let mut r = Draft::new(Kind::Reply);
        r.parent = Some(second);
        r.body = Some("Not a bug".into());
        r.status = Some(Status::Disputed);
        review.append(&ven, r, now).unwrap();
        d.class = Some(Class::Question);
        d.severity = Some(Severity::Low);
        d.body = Some("Why?".into());
        review.append(&rev, d.clone(), now).unwrap();
        d.class = Some(Class::Note);
        d.severity = Some(Severity::Critical);
        d.body = Some(
            "See `x`\u{202E}evil <script>alert(1)</script> [docs](https://example.com/x) **bold**".into(),
        );
        review.append(&rev, d, now).unwrap();
        let read = |p: &[u8]| files.get(std::str::from_utf8(p).ok()?).map(|b| b.to_vec());
        let config = ExportConfig {
            snapshot: SnapshotData {
                tree_sha256: snapshot.clone(),
                tree_sha1: "ab".repeat(20),
                swhid: format!("swh:1:dir:{}", "ab".repeat(20)),
                manifest: b"".to_vec(),
                read: &read,
            },
            health_json: b"{\"counts\":{\"bidi-control\":2}}".to_vec(),
            tool: "test".into(),
            questions_only,
            now,
        };
        (export(&mut review, &rev, &config).unwrap(), id)
    }

    #[test]
    fn results_sarif_validates_against_the_sarif_2_1_0_schema() {
        let (files, id) = exported(false);
        let doc: Value = serde_json::from_slice(files.get("results.sarif").unwrap()).unwrap();
        assert_eq!(validate(&doc), Vec::<String>::new());
        let result = &doc["runs"][0]["results"][0];
        assert_eq!(result["guid"], guid_from_id(&id).as_str());
        assert_eq!(result["properties"]["entryId"], id.as_str());
        assert_eq!(result["level"], "error");
        assert_eq!(
            result["locations"][0]["physicalLocation"]["region"]["snippet"]["text"],
            "int b = a / 0;\n"
        );
        assert_eq!(result["suppressions"][0]["status"], "accepted");
        assert!(result["suppressions"][0]["justification"].as_str().unwrap().contains("rev@x, reviewer"));
        assert_eq!(result["properties"]["thread"][0]["role"], "vendor");
        assert_eq!(
            doc["runs"][0]["originalUriBaseIds"]["SNAPSHOT"]["description"]["text"]
                .as_str()
                .map(|t| t.contains(&"cd".repeat(32))),
            Some(true)
        );
        assert_eq!(
            doc["runs"][0]["versionControlProvenance"][0]["properties"]["treeSha256"],
            "cd".repeat(32).as_str()
        );
        // The validator itself rejects what the schema forbids.
        let mut broken = doc.clone();
        broken["runs"][0]["results"][0]["guid"] = Value::String(id.clone());
        broken["runs"][0]["results"][0]["level"] = Value::String("fatal".into());
        broken["runs"][0]["results"][0].as_object_mut().unwrap().remove("message");
        assert_eq!(validate(&broken).len(), 3, "{:?}", validate(&broken));
    }

    #[test]
    fn only_findings_have_a_level_and_only_the_reviewing_side_suppresses() {
        let (files, _) = exported(false);
        let doc: Value = serde_json::from_slice(files.get("results.sarif").unwrap()).unwrap();
        let results = doc["runs"][0]["results"].as_array().unwrap();
        let by_body =
            |b: &str| results.iter().find(|r| r["message"]["text"].as_str().unwrap().starts_with(b)).unwrap();
        // SARIF 2.1.0 §3.27.10: a result whose kind is not "fail" has level "none" or none at all.
        for r in results {
            if r["kind"] != "fail" {
                assert!(r.get("level").is_none_or(|l| l == "none"), "{r}");
            }
        }
        assert_eq!(by_body("Why?")["kind"], "review");
        assert!(by_body("Why?").get("level").is_none());
        assert_eq!(by_body("Second finding")["level"], "warning");
        // A dispute is not a suppression: viewers must keep showing the finding.
        assert_eq!(by_body("Second finding")["properties"]["status"], "disputed");
        assert!(by_body("Second finding").get("suppressions").is_none());
        assert_eq!(by_body("Division")["suppressions"][0]["status"], "accepted");
        // Every uriBaseId used is described.
        let bases = doc["runs"][0]["originalUriBaseIds"].as_object().unwrap();
        for r in results {
            let base =
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"].as_str().unwrap();
            assert!(bases.contains_key(base), "{base}");
        }
    }

    #[test]
    fn report_html_orders_by_severity_renders_markdown_as_text_and_shows_hidden_characters() {
        let (files, _) = exported(false);
        let html = String::from_utf8(files.get("report.html").unwrap().to_vec()).unwrap();
        let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("{s} not in the report"));
        // critical note, high finding, medium finding, low question.
        assert!(at("See <code>x</code>") < at("Division by zero"));
        assert!(at("Division by zero") < at("Second finding"));
        assert!(at("Second finding") < at("Why?"));
        assert!(!html.contains('\u{202E}'), "a raw bidi control in the report");
        assert!(html.contains("<span class=\"mark\">&lt;U+202E&gt;</span>evil"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("<strong>bold</strong>") && html.contains("<strong>for this release</strong>"));
        assert!(html.contains("docs (<code>https://example.com/x</code>)"));
        for forbidden in ["<script", "<a ", "href=", "<img", "src="] {
            assert!(!html.contains(forbidden), "report.html has {forbidden}");
        }
    }

    #[test]
    fn questions_only_packet_carries_no_source() {
        let (files, _) = exported(true);
        assert!(files.get("health.json").is_none());
        for name in ["results.sarif", "report.html"] {
            let text = String::from_utf8(files.get(name).unwrap().to_vec()).unwrap();
            assert!(!text.contains("a / 0"), "{name} leaks source");
        }
        for (name, bytes) in &files.files {
            assert!(!String::from_utf8_lossy(bytes).contains("a / 0"), "{name} leaks source");
        }
        let doc: Value = serde_json::from_slice(files.get("results.sarif").unwrap()).unwrap();
        assert_eq!(validate(&doc), Vec::<String>::new());
        assert!(crate::bundle::verify(&files, None).is_valid());
    }

    #[test]
    fn report_html_is_self_contained_and_escaped() {
        let (files, _) = exported(false);
        let html = String::from_utf8(files.get("report.html").unwrap().to_vec()).unwrap();
        assert!(html.contains("Division by zero &lt;b&gt;"));
        assert!(html.contains("int b = a / 0;"));
        assert!(html.contains("bidi-control"));
        for external in ["<script", "src=", "href=\"http", "@import", "url("] {
            assert!(!html.contains(external), "report.html references {external}");
        }
    }

    /// The bundle's log with the first `from` replaced by `to` (which must change it).
    fn edited(files: &crate::bundle::BundleFiles, from: &str, to: &str) -> Vec<u8> {
        let text = String::from_utf8(files.get("results.sarif").unwrap().to_vec()).unwrap();
        let out = text.replacen(from, to, 1);
        assert_ne!(out, text, "{from} not in the log");
        out.into_bytes()
    }

    #[test]
    fn without_the_snapshot_everything_but_the_quoted_source_must_be_what_the_entries_say() {
        let (files, _) = exported(false);
        let report = crate::bundle::verify(&files, None);
        assert!(report.is_valid(), "{:?}", report.problems);
        let header = report.header.as_ref().unwrap();
        let view =
            ViewInput { header, entries: &report.accepted, contents: None, health: files.get("health.json") };
        let agrees =
            |log: &[u8]| SourceClaims::of(log).is_some_and(|c| render_with_claims(&view, &c).unwrap() == log);
        let theirs = files.get("results.sarif").unwrap();
        assert!(agrees(theirs));
        assert_eq!(SourceClaims::of(theirs).unwrap().snippets[0].as_deref(), Some("int b = a / 0;\n"));
        // Only the snapshot can tell a changed snippet or content hash.
        let hash = hex::encode(Sha256::digest(b"int a;\nint b = a / 0;\nint c;\n"));
        assert!(agrees(&edited(&files, "\"text\": \"int b = a / 0;\\n\"", "\"text\": \"int b = 1;\\n\"")));
        assert!(theirs.windows(hash.len()).any(|w| w == hash.as_bytes()), "the artifact hash");
        assert!(agrees(&edited(&files, &hash, &"00".repeat(32))));
        // Anything else is caught: the message, the level, a snippet where the entries put none, one on a
        // second location, a log of another shape.
        for (what, log) in [
            ("message", edited(&files, "Division by zero", "Fine")),
            ("level", edited(&files, "\"level\": \"error\"", "\"level\": \"note\"")),
            (
                "snippet in a message",
                edited(&files, "\"message\": {", "\"message\": {\"snippet\": {\"text\": \"x\"}, "),
            ),
            ("second location", edited(&files, "\"locations\": [", "\"locations\": [{}, ")),
            ("no runs", b"{\"runs\": []}\n".to_vec()),
            ("not JSON", b"<html>".to_vec()),
        ] {
            assert!(!agrees(&log), "{what}");
        }
        // A key given twice is not read as either value.
        let twice = String::from_utf8(theirs.to_vec()).unwrap().replacen(
            "\"snippet\": {",
            "\"snippet\": {\"text\": \"other\"}, \"snippet\": {",
            1,
        );
        assert!(SourceClaims::of(twice.as_bytes()).is_none());
    }

    /// The export of a one-person review of `src/a.c`: a note signed at `signed` whose text is SARIF
    /// syntax, exported at `exported`, its results.sarif then written as a Vitrine before
    /// [`SARIF_ESCAPED_SINCE`] wrote it (text and URIs as written) and signed again by the exporter.
    fn legacy_log_export(signed: &str, exported: &str) -> crate::bundle::BundleFiles {
        use time::format_description::well_known::Rfc3339;
        let tmp = tempfile::tempdir().unwrap();
        let snapshot = "cd".repeat(32);
        let content = b"int a;\nint b = a / 0;\nint c;\n".as_slice();
        let rev = Signer::generate("r").unwrap();
        let mut review = Review::open(tmp.path(), &snapshot).unwrap();
        review
            .add_person(allowed::person("rev@x", "reviewer", &rev.public_openssh().unwrap()).unwrap())
            .unwrap();
        let mut d = Draft::new(Kind::Annotation);
        d.target = Some(Target {
            path: "src/a.c".into(),
            path_bytes: None,
            blob: blob_id(content),
            lines: Some([2, 2]),
            quote: quote_lines(content, 2, 2),
        });
        d.class = Some(Class::Note);
        d.severity = Some(Severity::Info);
        d.body = Some("See [the fix](https://example.com/pr/42) {0} \u{202E}closed\u{202C}".into());
        review.append(&rev, d, time::OffsetDateTime::parse(signed, &Rfc3339).unwrap()).unwrap();
        let read = |p: &[u8]| (p == b"src/a.c").then(|| content.to_vec());
        let config = ExportConfig {
            snapshot: SnapshotData {
                tree_sha256: snapshot.clone(),
                tree_sha1: "ab".repeat(20),
                swhid: format!("swh:1:dir:{}", "ab".repeat(20)),
                manifest: b"".to_vec(),
                read: &read,
            },
            health_json: b"{\"counts\":{}}".to_vec(),
            tool: "test".into(),
            questions_only: false,
            now: time::OffsetDateTime::parse(exported, &Rfc3339).unwrap(),
        };
        let mut files = export(&mut review, &rev, &config).unwrap();
        let report = crate::bundle::verify(&files, None);
        let header = report.header.as_ref().unwrap();
        let contents = crate::bundle::view_contents(&report.accepted, &read);
        let view = ViewInput {
            header,
            entries: &report.accepted,
            contents: Some(&contents),
            health: files.get("health.json"),
        };
        let legacy = render_as(&view, None, Text::AS_WRITTEN).unwrap();
        assert!(String::from_utf8_lossy(&legacy).contains("[the fix](https://example.com/pr/42) {0}"));
        files.files.insert("results.sarif".into(), legacy);
        let statement = crate::bundle::files_statement(&files);
        let sig = rev.sign(crate::keys::NS_BUNDLE, statement.as_bytes()).unwrap();
        files.files.insert("FILES.sha256".into(), statement.into_bytes());
        files.files.insert("FILES.sha256.sig".into(), sig.into_bytes());
        files
    }

    /// h26 F4: a log as an earlier Vitrine wrote it (text as written) is granted only to a record whose
    /// every entry is dated before the fix, never on `exported_at` alone, which its exporter writes: an
    /// export dated 05:00 holding a note signed at 10:00, after the 06:00 cutoff, was written after it.
    #[test]
    fn a_log_as_written_before_the_fix_is_refused_in_a_record_holding_an_entry_signed_after_it() {
        let old = legacy_log_export("2026-12-07T04:10:00Z", "2026-12-07T05:00:00Z");
        let report = crate::bundle::verify(&old, None);
        assert!(report.is_valid(), "{:?}", report.problems);
        let row = report.files.iter().find(|f| f.name == "results.sarif").unwrap();
        assert!(row.how.contains("as an earlier Vitrine wrote it"), "{}", row.how);

        let late = legacy_log_export("2026-12-07T10:00:00Z", "2026-12-07T05:00:00Z");
        let report = crate::bundle::verify(&late, None);
        assert!(!report.is_valid());
        let row = report.files.iter().find(|f| f.name == "results.sarif").unwrap();
        assert!(!row.ok && row.how.contains("says something the entries do not"), "{}", row.how);
    }
}
