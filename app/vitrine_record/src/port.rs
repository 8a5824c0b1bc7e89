//! The `anchor-port` entry: a thread of the review of an earlier version carried over to the review of
//! the next one, signed, and the `continues` link between the two reviews.
//!
//! A port entry lives in the *new* review's log. It has no `parent` (parents are entries earlier in the
//! same log, and the annotation it carries over is in the old review's log); its `body` is the canonical
//! JSON of a [`PortBody`]: the old annotation's id, where it pointed (`from`: the old snapshot's tree id,
//! path, blob, lines and quote hashes), how it was found again (`outcome`) and, for `changed`, a
//! confidence in percent. Its `target` is where the thread now points in the new snapshot (absent when
//! `outdated`). The old annotation is never edited, and a port entry is a thread's root in the new
//! review: the vendor answers it there ("fixed in v2", pointing at new lines).
//!
//! Each outcome makes a claim that the entry alone can check against its own hashes
//! ([`check_entry`], part of [`crate::Entry::validate`]):
//! - `exact`: same path, same blob, same lines and quote;
//! - `moved`: the quote at the new lines hashes as the old quote (renamed file, or lines shifted);
//! - `changed`: a confidence from 1 to 100 (and a target); no hash relation to the old quote is
//!   claimed (edited neighbours, a line-ending conversion or a re-encoding leave none), so
//!   `vitrine verify --previous` plans such a port again;
//! - `outdated`: no target.
//!
//! The hashes themselves are checked against the snapshots: the target against the new one (as every
//! anchor), `from` against the old one ([`from_problem`]).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::canon;
use crate::entry::{Entry, Quote, Target, blob_id, is_hex64, quote_lines};
use crate::error::RecordError;
use crate::store::write_atomic;

/// The version of the port body schema (`port` in the body).
pub const PORT_SCHEMA: u64 = 1;

/// How a thread was found again in the new snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Same blob at the same path: the same lines.
    Exact,
    /// The same quoted bytes at other lines or another path.
    Moved,
    /// The quoted lines were edited: found again through the lines around them.
    Changed,
    /// Gone.
    Outdated,
}

impl Outcome {
    /// The kebab-case name, as serialised in the body and shown in listings.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Exact => "exact",
            Outcome::Moved => "moved",
            Outcome::Changed => "changed",
            Outcome::Outdated => "outdated",
        }
    }
}

/// Where the carried-over annotation pointed in the old snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortFrom {
    /// SHA-256 git tree id of the old snapshot.
    pub snapshot: String,
    /// The old file's path as text (NFC); its exact bytes are `path_bytes` when they are not NFC UTF-8,
    /// as in a [`Target`].
    pub path: String,
    /// The old file's exact path bytes (lowercase hex), only when they are not NFC UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_bytes: Option<String>,
    /// git blob id (SHA-256 object format, hex) of the old file.
    pub blob: String,
    /// First and last line of the old anchor, 1-based, inclusive.
    pub lines: [u64; 2],
    /// The quote hashes of the old anchor.
    pub quote: Quote,
}

impl PortFrom {
    /// The old anchor as a target, which names its file by the same rules (exact bytes).
    pub fn as_target(&self) -> Target {
        Target {
            path: self.path.clone(),
            path_bytes: self.path_bytes.clone(),
            blob: self.blob.clone(),
            lines: Some(self.lines),
            quote: Some(self.quote.clone()),
        }
    }
}

/// The body of an `anchor-port` entry, stored as canonical JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortBody {
    /// [`PORT_SCHEMA`].
    pub port: u64,
    /// The id of the annotation carried over (an entry of the old review).
    pub annotation: String,
    /// Who signed that annotation (its principal), and what it said, so the new record reads without
    /// the old one.
    pub author: String,
    /// The annotation's body as carried over, so a reader need not open the old record.
    pub text: String,
    /// Where the annotation pointed in the old snapshot.
    pub from: PortFrom,
    /// How the anchor was found again; each outcome's claim is checked by [`check_entry`].
    pub outcome: Outcome,
    /// For `changed`: how sure the match is, 1 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<u64>,
    /// Why lines whose bytes the update kept are `changed` all the same: their context changed (now
    /// inside a comment or an `#if 0`, other enclosing conditionals, the function around them defined
    /// again or as a macro elsewhere). Absent from records written before it, and when there is
    /// nothing to say; at most [`MAX_CONTEXT_NOTES`] notes of at most [`MAX_CONTEXT_NOTE`] characters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<String>,
}

/// The most context notes a port body holds.
pub const MAX_CONTEXT_NOTES: usize = 16;
/// The longest context note, in characters.
pub const MAX_CONTEXT_NOTE: usize = 1000;

impl PortBody {
    /// The canonical JSON text stored in the entry's `body`.
    pub fn to_body(&self) -> Result<String, RecordError> {
        let bytes = canon::canonical_bytes(self)?;
        String::from_utf8(bytes).map_err(|_| RecordError::Entry("port body is not UTF-8".into()))
    }

    /// Parses an entry's `body`; it must be the canonical JSON of a port body of a known schema.
    pub fn parse(body: &str) -> Result<PortBody, String> {
        canon::check_canonical(body.as_bytes()).map_err(|e| format!("port body: {e}"))?;
        let b: PortBody = serde_json::from_str(body).map_err(|e| format!("port body: {e}"))?;
        if b.port != PORT_SCHEMA {
            return Err(format!("port body schema {} (this Vitrine reads {PORT_SCHEMA})", b.port));
        }
        Ok(b)
    }
}

/// The rules of an `anchor-port` entry that need no snapshot: the body's shape, and that each outcome's
/// claim holds between `from` and the target.
pub fn check_entry(e: &Entry) -> Result<(), String> {
    if e.parent.is_some() || e.status.is_some() {
        return Err("anchor-port entry has no parent or status (the annotation is named in its body)".into());
    }
    let body = PortBody::parse(e.body.as_deref().unwrap_or_default())?;
    let f = &body.from;
    if !is_hex64(&body.annotation) || !is_hex64(&f.snapshot) || !is_hex64(&f.blob) {
        return Err("port body: annotation, from.snapshot and from.blob must be SHA-256 hex".into());
    }
    if f.snapshot == e.snapshot {
        return Err("port body: from.snapshot is this review's own snapshot".into());
    }
    if f.path.is_empty() || f.lines[0] == 0 || f.lines[1] < f.lines[0] {
        return Err("port body: from needs a path and a line range".into());
    }
    f.as_target().check_path().map_err(|m| format!("port body: from: {m}"))?;
    let hex_or_empty = |s: &str| s.is_empty() || is_hex64(s);
    if !is_hex64(&f.quote.sha256) || !hex_or_empty(&f.quote.prefix) || !hex_or_empty(&f.quote.suffix) {
        return Err("port body: from.quote hashes must be SHA-256 hex".into());
    }
    if body.text.trim().is_empty() || body.author.is_empty() {
        return Err("port body: needs the annotation's author and text".into());
    }
    let located = e.target.as_ref().and_then(|t| Some((t, t.lines?, t.quote.as_ref()?)));
    if body.context.len() > MAX_CONTEXT_NOTES
        || body.context.iter().any(|n| n.trim().is_empty() || n.chars().count() > MAX_CONTEXT_NOTE)
    {
        return Err(format!(
            "port body: context holds at most {MAX_CONTEXT_NOTES} notes, each 1 to {MAX_CONTEXT_NOTE} characters"
        ));
    }
    if !body.context.is_empty() && body.outcome == Outcome::Outdated {
        return Err("port body: an outdated port has no context notes".into());
    }
    if (body.confidence.is_some()) != (body.outcome == Outcome::Changed) {
        return Err("port body: a confidence goes with `changed` and only with it".into());
    }
    match (body.outcome, located) {
        (Outcome::Outdated, _) if e.target.is_some() => Err("an outdated port has no target".into()),
        (Outcome::Outdated, _) => Ok(()),
        (_, None) => Err(format!("a {} port needs a target with lines and quote", body.outcome.as_str())),
        (Outcome::Exact, Some((t, lines, q))) => {
            let same_path = t.path == f.path && t.path_bytes == f.path_bytes;
            if same_path && t.blob == f.blob && lines == f.lines && *q == f.quote {
                Ok(())
            } else {
                Err("exact port: the target is not the same path, blob, lines and quote".into())
            }
        }
        (Outcome::Moved, Some((_, _, q))) => {
            if q.sha256 == f.quote.sha256 {
                Ok(())
            } else {
                Err("moved port: the quote at the new lines is not the old quote".into())
            }
        }
        (Outcome::Changed, Some(_)) => {
            // No hash relation is claimed: lines edited together with their neighbours, or converted to
            // other line endings or another encoding, share no hash with the old quote, and a port that
            // could only say `changed` next to an unchanged neighbour said `moved` onto an intact copy or
            // `outdated` instead. `vitrine verify --previous` plans the port again.
            if matches!(body.confidence, Some(1..=100)) {
                Ok(())
            } else {
                Err("changed port: confidence must be 1 to 100".into())
            }
        }
    }
}

/// Why a port entry's `from` does not resolve in the old snapshot (tree id `old_tree`, `read` giving a
/// file's bytes), or `None` when it does. Entries that are not port entries have nothing to check.
pub fn from_problem(e: &Entry, old_tree: &str, read: &dyn Fn(&[u8]) -> Option<Vec<u8>>) -> Option<String> {
    if e.kind != crate::entry::Kind::AnchorPort {
        return None;
    }
    let body = match PortBody::parse(e.body.as_deref().unwrap_or_default()) {
        Ok(b) => b,
        Err(m) => return Some(m),
    };
    let f = &body.from;
    let from = f.as_target();
    let shown = crate::principal::escape(&from.label());
    if f.snapshot != old_tree {
        // A thread outdated at an earlier port whose quoted lines came back (`vitrine port` looks for them
        // again): `from` is where it was last found, in a version before the previous one, which is not
        // given; its `moved` claim (the quote at the new lines hashes as `from`'s) is checked on the entry.
        if body.outcome == Outcome::Moved {
            return None;
        }
        return Some(format!(
            "port: continues snapshot {}, the previous snapshot given is {old_tree}",
            f.snapshot
        ));
    }
    let Some(content) = from.path_bytes().and_then(|p| read(&p)) else {
        return Some(format!("port: {shown} is not in the previous snapshot"));
    };
    if blob_id(&content) != f.blob {
        return Some(format!("port: blob of {shown} in the previous snapshot differs"));
    }
    if quote_lines(&content, f.lines[0], f.lines[1]).as_ref() != Some(&f.quote) {
        return Some(format!(
            "port: quote of {shown}:{}-{} in the previous snapshot differs",
            f.lines[0], f.lines[1]
        ));
    }
    None
}

/// Checks a record against the snapshot of the version it continues: `record.json`'s `continues` ids,
/// and every accepted port entry's `from` (file, blob, quote), collecting the problems.
pub fn check_previous(
    continues: Option<&Continues>,
    accepted: &[crate::verify::Verified],
    previous: &crate::bundle::SnapshotData<'_>,
    problems: &mut Vec<crate::verify::Problem>,
) {
    use crate::verify::{Problem, ProblemKind};
    match continues {
        None => problems.push(Problem::new(
            ProblemKind::Snapshot,
            "record.json",
            "continues no earlier review, but a previous snapshot was given",
        )),
        Some(c) if c.tree_sha256 != previous.tree_sha256 => problems.push(Problem::new(
            ProblemKind::Snapshot,
            "record.json",
            format!(
                "continues snapshot {}, the previous snapshot given is {}",
                c.tree_sha256, previous.tree_sha256
            ),
        )),
        Some(c) if c.tree_sha1 != previous.tree_sha1 => problems.push(Problem::new(
            ProblemKind::Snapshot,
            "record.json",
            "continues a snapshot whose SHA-1 tree id differs from the previous snapshot's",
        )),
        Some(_) => {}
    }
    for v in accepted {
        if let Some(m) = from_problem(&v.entry, &previous.tree_sha256, previous.read) {
            problems.push(Problem::new(ProblemKind::Port, v.name.as_str(), m));
        }
    }
}

/// The target of a port found in the file whose path is exactly `path` (bytes), lines `first..=last` of
/// its `content` in the new snapshot.
pub fn target_at(path: &[u8], content: &[u8], first: u64, last: u64) -> Option<Target> {
    let quote = quote_lines(content, first, last)?;
    Some(Target::at(path, blob_id(content), Some([first, last]), Some(quote)))
}

/// Which review a review continues: the old snapshot's tree ids and the old log's state when it was
/// carried over (as the first three lines of a checkpoint: origin, size, root in base64), so an archivist
/// can follow the chain of versions to the old record and check that it is the one continued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Continues {
    /// SHA-256 git tree id (hex) of the earlier snapshot: the old review's own snapshot.
    pub tree_sha256: String,
    /// SHA-1 git tree id (hex) of the earlier snapshot.
    pub tree_sha1: String,
    /// The old log's state when it was carried over.
    pub checkpoint: ContinuedCheckpoint,
}

/// The first three lines of a checkpoint of the old review's log, to match against the old record's own
/// signed checkpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContinuedCheckpoint {
    /// The old log's origin, `vitrine.review/<old SHA-256 tree id>`.
    pub origin: String,
    /// Number of entries of the old log carried over from.
    pub size: u64,
    /// The RFC 6962 root of the old log's first `size` entries, base64 as in a checkpoint.
    pub root: String,
}

/// The file in a review directory that names the review it continues.
pub const CONTINUES_FILE: &str = "continues.json";

impl Continues {
    /// What a review of a new snapshot continues: `old` (its log as it stands), of tree ids
    /// `tree_sha256`, `tree_sha1`.
    pub fn of(old: &crate::store::Review, tree_sha1: &str) -> Continues {
        use base64::Engine as _;
        Continues {
            tree_sha256: old.snapshot().to_owned(),
            tree_sha1: tree_sha1.to_owned(),
            checkpoint: ContinuedCheckpoint {
                origin: crate::bundle::origin(old.snapshot()),
                size: old.entries().len() as u64,
                root: base64::engine::general_purpose::STANDARD.encode(old.root()),
            },
        }
    }
}

/// What the review in `dir` continues, if it continues one.
pub fn read_continues(dir: &Path) -> Result<Option<Continues>, RecordError> {
    let path = dir.join(CONTINUES_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| RecordError::Usage(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(RecordError::io("read", &path)(e)),
    }
}

/// Records that the review in `dir` continues `c`. A review continues one review only: a second,
/// different one is refused.
pub fn write_continues(dir: &Path, c: &Continues) -> Result<(), RecordError> {
    if let Some(old) = read_continues(dir)? {
        if old.tree_sha256 != c.tree_sha256 {
            return Err(RecordError::Usage(format!(
                "{} already continues the review of snapshot {}, not {}",
                dir.display(),
                old.tree_sha256,
                c.tree_sha256
            )));
        }
        if old.checkpoint.size > c.checkpoint.size {
            return Ok(());
        }
    }
    write_atomic(&dir.join(CONTINUES_FILE), &canon::canonical_bytes(c)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{Author, Kind};

    const OLD: &[u8] = b"a\nb\nquote\nc\nd\n";

    fn port(outcome: Outcome, target: Option<Target>, confidence: Option<u64>) -> Entry {
        let body = PortBody {
            port: PORT_SCHEMA,
            annotation: "ab".repeat(32),
            author: "rev@x".into(),
            text: "finding".into(),
            from: PortFrom {
                snapshot: "01".repeat(32),
                path: "f.c".into(),
                path_bytes: None,
                blob: blob_id(OLD),
                lines: [3, 3],
                quote: quote_lines(OLD, 3, 3).unwrap(),
            },
            outcome,
            confidence,
            context: Vec::new(),
        };
        Entry {
            v: 1,
            seq: 1,
            prev: None,
            kind: Kind::AnchorPort,
            author: Author { principal: "rev@x".into(), fingerprint: format!("SHA256:{}", "x".repeat(43)) },
            role: "reviewer".into(),
            time: "2026-01-31T12:00:00Z".into(),
            snapshot: "02".repeat(32),
            target,
            class: None,
            severity: None,
            category: None,
            body: Some(body.to_body().unwrap()),
            parent: None,
            status: None,
        }
    }

    #[test]
    fn each_outcome_claim_is_checked_on_the_entry() {
        port(Outcome::Exact, target_at(b"f.c", OLD, 3, 3), None).validate().unwrap();
        let e = port(Outcome::Exact, target_at(b"f.c", OLD, 2, 2), None);
        assert!(e.validate().is_err(), "exact at other lines");

        let shifted = b"new\na\nb\nquote\nc\nd\n";
        port(Outcome::Moved, target_at(b"g.c", shifted, 4, 4), None).validate().unwrap();
        assert!(port(Outcome::Moved, target_at(b"g.c", shifted, 3, 3), None).validate().is_err());

        let edited = b"a\nb\nQUOTE\nc\nd\n";
        port(Outcome::Changed, target_at(b"f.c", edited, 3, 3), Some(90)).validate().unwrap();
        assert!(port(Outcome::Changed, target_at(b"f.c", edited, 3, 3), None).validate().is_err());
        // No hash relation is claimed (a CRLF conversion shares none): any lines of the new file.
        port(Outcome::Changed, target_at(b"f.c", b"a\r\nb\r\nquote\r\n", 3, 3), Some(90)).validate().unwrap();
        assert!(port(Outcome::Changed, target_at(b"f.c", edited, 3, 3), Some(101)).validate().is_err());

        port(Outcome::Outdated, None, None).validate().unwrap();
        assert!(port(Outcome::Outdated, target_at(b"f.c", OLD, 3, 3), None).validate().is_err());
        assert!(port(Outcome::Moved, None, None).validate().is_err());

        let mut with_parent = port(Outcome::Outdated, None, None);
        with_parent.parent = Some("cd".repeat(32));
        assert!(with_parent.validate().is_err());
        let mut spaced = port(Outcome::Outdated, None, None);
        spaced.body = spaced.body.map(|b| b.replacen(':', ": ", 1));
        assert!(spaced.validate().is_err(), "the body must be canonical");
    }

    /// Context notes (session 21 F3) are optional: a body written before them is the same canonical
    /// JSON and validates; with notes, the note count and length are bounded and an outdated port has
    /// none.
    #[test]
    fn context_notes_are_optional_and_bounded() {
        let plain = port(Outcome::Changed, target_at(b"f.c", OLD, 3, 3), Some(90));
        plain.validate().unwrap();
        assert!(!plain.body.as_deref().unwrap().contains("context"), "no notes, no field");
        let with = |outcome, target, confidence, notes: Vec<String>| {
            let mut e: Entry = port(outcome, target, confidence);
            let mut b = PortBody::parse(e.body.as_deref().unwrap()).unwrap();
            b.context = notes;
            e.body = Some(b.to_body().unwrap());
            e
        };
        let t = || target_at(b"f.c", OLD, 3, 3);
        let e = with(Outcome::Changed, t(), Some(90), vec!["now inside `#if 0` (line 2)".into()]);
        e.validate().unwrap();
        assert_eq!(PortBody::parse(e.body.as_deref().unwrap()).unwrap().context.len(), 1);
        assert!(with(Outcome::Changed, t(), Some(90), vec![" ".into()]).validate().is_err(), "empty note");
        assert!(
            with(Outcome::Changed, t(), Some(90), vec!["x".repeat(1001)]).validate().is_err(),
            "long note"
        );
        assert!(with(Outcome::Changed, t(), Some(90), vec!["n".into(); 17]).validate().is_err(), "17 notes");
        assert!(with(Outcome::Outdated, None, None, vec!["n".into()]).validate().is_err(), "outdated");
    }

    #[test]
    fn from_is_checked_against_the_previous_snapshot() {
        let e = port(Outcome::Outdated, None, None);
        let old = "01".repeat(32);
        assert_eq!(from_problem(&e, &old, &|p| (p == b"f.c").then(|| OLD.to_vec())), None);
        assert!(from_problem(&e, &"03".repeat(32), &|_| Some(OLD.to_vec())).is_some(), "other snapshot");
        assert!(from_problem(&e, &old, &|_| None).is_some(), "file missing");
        assert!(from_problem(&e, &old, &|_| Some(b"a\nb\nquote\nc\n".to_vec())).is_some(), "other blob");
    }
}
