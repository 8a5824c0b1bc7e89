//! Review entries: the immutable, signed units of a review record, and the rules each kind must follow.
//!
//! An entry is stored as canonical JSON ([`crate::canon`]); its id is the SHA-256 of those bytes. `seq`
//! and `prev` chain the entries of one author key (seq 1 has no `prev`), so that the entries of several
//! parties can be merged as a union while each author's chain stays checkable.
//!
//! Anchors never carry source text: `target.quote` holds the SHA-256 of the quoted lines and of the lines
//! just before and after them, so a record (and a questions-only packet) reveals no code, while a later
//! snapshot can still be searched for the same lines.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::canon;
use crate::error::RecordError;

/// The format version of an entry whose paths are all NFC UTF-8 (`v`).
pub const FORMAT_VERSION: u64 = 1;
/// The format version of an entry whose target carries `path_bytes` (a path that is not NFC UTF-8): the
/// first version's fields plus that one. An entry is v2 exactly when it needs it, so every other entry
/// stays readable by a Vitrine that knows only v1, and one that needs it is refused by such a Vitrine
/// (unknown version) instead of being resolved to another file.
pub const EXACT_PATH_VERSION: u64 = 2;
/// The format version of an entry that retires or renames a person ([`Kind::Retire`], [`Kind::Rename`]):
/// an entry is v3 exactly when it is one of those, so a Vitrine that knows only v1 and v2 refuses it as
/// an unknown version instead of ignoring a decision about who may sign.
pub const PEOPLE_VERSION: u64 = 3;

/// What an entry does; each kind has its own required fields ([`Entry::validate`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Starts a thread on lines of a file: needs a target with lines and quote, a class, a severity and
    /// a body; no parent, no status.
    Annotation,
    /// Answers an entry of a thread (`parent`) with a body; may also set a status.
    Reply,
    /// Sets the status of the thread of `parent`, as the status policy allows ([`crate::policy`]).
    Status,
    /// Withdraws the annotation `parent`; only its author's retraction counts.
    Retract,
    /// Marks a whole file as reviewed: a target without lines.
    ReviewMark,
    /// Carries a thread over from the review of an earlier version ([`crate::port`]).
    AnchorPort,
    /// Retires a principal: nothing it signs later in the log counts ([`crate::people`]). The body is a
    /// canonical [`crate::people::PersonChange`]; only the reviewing side may sign it.
    Retire,
    /// Retires a principal in favour of a new name for the same person (a mistyped principal): the body
    /// is a canonical [`crate::people::PersonChange`] with `to`; only the reviewing side may sign it.
    Rename,
}

/// What an annotation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// Something wrong in the code, to be answered and resolved.
    Finding,
    /// Something the reviewer asks the vendor.
    Question,
    /// A remark that asks for nothing.
    Note,
}

/// How serious an annotation is, in increasing order (the derived `Ord` sorts `Info` lowest). The
/// reviewer judges it; Vitrine only orders, filters and maps it (to a SARIF level).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// No risk stated: for information (SARIF level `note`).
    Info,
    /// The lowest risk level (SARIF `note`).
    Low,
    /// Between low and high (SARIF `warning`).
    Medium,
    /// Serious (SARIF `error`).
    High,
    /// The most serious level (SARIF `error`).
    Critical,
}

/// Where a thread stands. Who may set which status is the status policy's ([`crate::policy`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Not resolved: every thread's status until one is set, and what a reopen sets.
    Open,
    /// The vendor (or the reviewing side) agrees there is something to do.
    Acknowledged,
    /// The vendor (or the reviewing side) does not agree with the annotation.
    Disputed,
    /// Said to be fixed; the reviewing side then closes the thread or reopens it.
    Fixed,
    /// The reviewing side accepts the risk without a fix.
    AcceptedRisk,
    /// The reviewing side closed the thread.
    Closed,
}

macro_rules! word_enum {
    ($t:ty { $($v:ident = $s:literal),* }) => {
        impl $t {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$v),*];

            /// The kebab-case word stored in entries and accepted on the command line.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),* }
            }
        }
        impl std::str::FromStr for $t {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s { $($s => Ok(Self::$v),)* _ => Err(format!("expected one of: {}", [$($s),*].join(", "))) }
            }
        }
    };
}
word_enum!(Kind { Annotation = "annotation", Reply = "reply", Status = "status", Retract = "retract", ReviewMark = "review-mark", AnchorPort = "anchor-port", Retire = "retire", Rename = "rename" });
word_enum!(Class { Finding = "finding", Question = "question", Note = "note" });
word_enum!(Severity { Info = "info", Low = "low", Medium = "medium", High = "high", Critical = "critical" });
word_enum!(Status { Open = "open", Acknowledged = "acknowledged", Disputed = "disputed", Fixed = "fixed", AcceptedRisk = "accepted-risk", Closed = "closed" });

/// Who signed an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Author {
    /// The signer's principal; it must be listed with `fingerprint` in `allowed_signers`.
    pub principal: String,
    /// `SHA256:…` of the signing key.
    pub fingerprint: String,
}

/// The hashes that pin an anchor's lines without carrying their text (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quote {
    /// SHA-256 (hex) of the bytes of the quoted lines, from the start of the first to the end of the last
    /// including its line terminator.
    pub sha256: String,
    /// SHA-256 (hex) of the line before the range (with its terminator); empty at the start of the file.
    pub prefix: String,
    /// SHA-256 (hex) of the line after the range; empty at the end of the file.
    pub suffix: String,
}

/// What an entry points at: a file of the snapshot (by path and blob) and, for an annotation, lines of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Path relative to the snapshot root, `/`-separated: the path itself when it is NFC UTF-8, else
    /// its one-to-one text form ([`shown_path`]) in NFC, for people; `path_bytes` then names the file.
    pub path: String,
    /// The exact bytes of the path (lowercase hex), present exactly when the path is not NFC UTF-8 (the
    /// canonical JSON holds only NFC text, and `é` as one code point or as `e` + U+0301 are two files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_bytes: Option<String>,
    /// git blob id of the file in the SHA-256 object format (hex).
    pub blob: String,
    /// First and last line, 1-based, inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<[u64; 2]>,
    /// The hashes of those lines and their neighbours; present with `lines` (an annotation needs both).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<Quote>,
}

impl Target {
    /// The target of the file whose path is exactly `path` (bytes, as the snapshot's manifest has it).
    pub fn at(path: &[u8], blob: String, lines: Option<[u64; 2]>, quote: Option<Quote>) -> Target {
        let plain = std::str::from_utf8(path).ok().filter(|p| canon::to_nfc(p) == *p);
        Target {
            path: plain.map_or_else(|| canon::to_nfc(&shown_path(path)), str::to_owned),
            path_bytes: plain.is_none().then(|| hex::encode(path)),
            blob,
            lines,
            quote,
        }
    }

    /// The exact bytes of the path: what names the file. `None` only for a malformed `path_bytes`, which
    /// [`Entry::validate`] refuses.
    pub fn path_bytes(&self) -> Option<std::borrow::Cow<'_, [u8]>> {
        match &self.path_bytes {
            None => Some(std::borrow::Cow::Borrowed(self.path.as_bytes())),
            Some(h) => hex::decode(h).ok().map(std::borrow::Cow::Owned),
        }
    }

    /// The path as text, one-to-one with its bytes ([`shown_path`]): what to show and to key by.
    pub fn shown(&self) -> String {
        self.path_bytes().map_or_else(|| self.path.clone(), |b| shown_path(&b))
    }

    /// The path for people: `path`, followed by its exact bytes when they are not NFC UTF-8, so that two
    /// files whose names look alike (`é` as one code point or two) are never shown alike.
    pub fn label(&self) -> String {
        match &self.path_bytes {
            None => self.path.clone(),
            Some(hex) => format!("{} [path bytes {hex}]", self.path),
        }
    }

    pub(crate) fn check_path(&self) -> Result<(), String> {
        let Some(hex) = &self.path_bytes else {
            return if self.path.is_empty() { Err("target needs a path".into()) } else { Ok(()) };
        };
        let bytes = match hex::decode(hex) {
            Ok(b) if !b.is_empty() && hex::encode(&b) == *hex => b,
            _ => return Err("target.path_bytes must be the path's bytes in lowercase hex".into()),
        };
        if std::str::from_utf8(&bytes).is_ok_and(|p| canon::to_nfc(p) == p) {
            return Err("target.path_bytes is only for a path that is not NFC UTF-8: use path".into());
        }
        if self.path != canon::to_nfc(&shown_path(&bytes)) {
            return Err("target.path must be the text form of target.path_bytes".into());
        }
        Ok(())
    }
}

/// A path's bytes as text, one-to-one ([`vitrine_base::display_bytes`], as `RelPath::display`): UTF-8 as it is
/// (not normalised), a backslash doubled, every byte that is not UTF-8 as `\xNN`. Two different paths
/// never give the same text.
pub fn shown_path(bytes: &[u8]) -> String {
    vitrine_base::display_bytes(bytes)
}

/// One entry, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Format version: [`FORMAT_VERSION`], or [`EXACT_PATH_VERSION`] exactly when the target carries
    /// `path_bytes` (see [`Entry::version_needed`]).
    pub v: u64,
    /// Position in its author key's chain, from 1.
    pub seq: u64,
    /// Id of the same key's entry of `seq - 1`; absent exactly for seq 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
    /// What the entry does.
    pub kind: Kind,
    /// Who signed it.
    pub author: Author,
    /// The signer's role when it was signed, as `allowed_signers` gave it; what the status policy
    /// judges.
    pub role: String,
    /// RFC 3339 UTC, whole seconds (`2026-01-31T12:00:00Z`).
    pub time: String,
    /// SHA-256 git tree id of the snapshot.
    pub snapshot: String,
    /// The file (and lines) it is about: required for an annotation, a review mark and a port (unless
    /// `outdated`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// An annotation's class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<Class>,
    /// An annotation's severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// Free-text category the reviewer chose (a CWE id, "crypto", …); only filtered on, never
    /// interpreted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The text, NFC: an annotation's or a reply's words (required non-blank for both), or a port's
    /// canonical [`crate::port::PortBody`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The entry this one answers, changes or retracts (its id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// The status a status entry (or a reply) sets on the thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
}

#[cfg(test)]
impl Entry {
    /// For tests: `who`'s annotation (a reply when it has a `parent`), a reviewer's, on one snapshot.
    pub(crate) fn for_test(
        who: &str,
        seq: u64,
        prev: Option<&str>,
        parent: Option<&str>,
        time: &str,
    ) -> Entry {
        Entry {
            v: 1,
            seq,
            prev: prev.map(str::to_owned),
            kind: if parent.is_some() { Kind::Reply } else { Kind::Annotation },
            author: Author { principal: who.into(), fingerprint: format!("SHA256:{who}") },
            role: "reviewer".into(),
            time: time.into(),
            snapshot: "02".repeat(32),
            target: None,
            class: None,
            severity: None,
            category: None,
            body: Some("x".into()),
            parent: parent.map(str::to_owned),
            status: None,
        }
    }
}

/// SHA-256 of `bytes` in lower-case hex: the id of an entry stored as `bytes`.
pub fn entry_id(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Whether `s` is 64 lower-case hex digits: the form of every SHA-256 id in an entry (entry ids, tree
/// ids, blob ids, quote hashes).
pub fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Whether `s` is a whole key fingerprint as `ssh-keygen -l` prints it: `SHA256:` and 43 characters of
/// unpadded Base64.
pub fn is_fingerprint(s: &str) -> bool {
    s.strip_prefix("SHA256:").is_some_and(|b| {
        b.len() == 43 && b.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
    })
}

/// Formats a time as entries store it.
pub fn format_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

impl Entry {
    /// The canonical bytes of this entry (after checking its shape).
    pub fn to_bytes(&self) -> Result<Vec<u8>, RecordError> {
        self.validate()?;
        canon::canonical_bytes(self)
    }

    /// Parses stored bytes: they must be canonical, of a known version and shape.
    /// The bytes are checked in one pass ([`canon::check_canonical`]) and decoded once; the canonical value
    /// is built only to explain a refusal.
    pub fn from_bytes(bytes: &[u8]) -> Result<Entry, RecordError> {
        canon::check_canonical(bytes)?;
        let parsed = serde_json::from_slice::<Entry>(bytes);
        let known = |v: u64| v == FORMAT_VERSION || v == EXACT_PATH_VERSION || v == PEOPLE_VERSION;
        let known_version = match &parsed {
            Ok(entry) => known(entry.v),
            // Another version may have other fields: say so rather than name a field.
            Err(_) => match canon::parse(bytes)? {
                canon::Value::Object(m) => match m.get("v") {
                    Some(canon::Value::Int(v)) => u64::try_from(*v).is_ok_and(known),
                    _ => true,
                },
                _ => true,
            },
        };
        if !known_version {
            return Err(RecordError::Entry(format!(
                "unknown format version (this Vitrine reads v{FORMAT_VERSION} to v{PEOPLE_VERSION})"
            )));
        }
        let entry = parsed.map_err(|e| RecordError::Entry(e.to_string()))?;
        entry.validate()?;
        Ok(entry)
    }

    /// The format version this entry's content needs: [`PEOPLE_VERSION`] for a retirement or a rename,
    /// [`EXACT_PATH_VERSION`] when its target carries `path_bytes`, else [`FORMAT_VERSION`].
    pub fn version_needed(&self) -> u64 {
        if matches!(self.kind, Kind::Retire | Kind::Rename) {
            PEOPLE_VERSION
        } else if self.target.as_ref().is_some_and(|t| t.path_bytes.is_some()) {
            EXACT_PATH_VERSION
        } else {
            FORMAT_VERSION
        }
    }

    /// The entry time, parsed.
    pub fn parsed_time(&self) -> Result<OffsetDateTime, RecordError> {
        let t = OffsetDateTime::parse(&self.time, &Rfc3339)
            .map_err(|_| RecordError::Entry(format!("bad time {:?}", self.time)))?;
        if format_time(t) != self.time {
            return Err(RecordError::Entry(format!(
                "time {:?} is not RFC 3339 UTC in whole seconds",
                self.time
            )));
        }
        Ok(t)
    }

    /// Checks the rules of each kind, so that no reader has to guess what a malformed entry means.
    pub fn validate(&self) -> Result<(), RecordError> {
        let bad = |m: String| Err(RecordError::Entry(m));
        if self.v != self.version_needed() {
            return bad(
                if self.v == FORMAT_VERSION || self.v == EXACT_PATH_VERSION || self.v == PEOPLE_VERSION {
                    format!(
                        "v{} entry: an entry is v{EXACT_PATH_VERSION} exactly when its target has path_bytes, \
                     and v{PEOPLE_VERSION} exactly when it retires or renames a person",
                        self.v
                    )
                } else {
                    format!("unknown format version {}", self.v)
                },
            );
        }
        if self.seq == 0 {
            return bad("seq starts at 1".into());
        }
        match (&self.prev, self.seq) {
            (None, 1) => {}
            (Some(p), s) if s > 1 && is_hex64(p) => {}
            _ => return bad("prev must be absent for seq 1 and the previous entry id otherwise".into()),
        }
        if !is_fingerprint(&self.author.fingerprint) {
            return bad("author.fingerprint must be a whole SHA256: key fingerprint".into());
        }
        if !is_hex64(&self.snapshot) {
            return bad("snapshot must be a SHA-256 tree id".into());
        }
        self.parsed_time()?;
        if let Some(p) = &self.parent
            && !is_hex64(p)
        {
            return bad("parent must be an entry id".into());
        }
        if let Some(t) = &self.target {
            if !is_hex64(&t.blob) || t.path.is_empty() {
                return bad("target needs a path and a SHA-256 blob id".into());
            }
            t.check_path().map_err(RecordError::Entry)?;
            if let Some([a, b]) = t.lines
                && (a == 0 || b < a)
            {
                return bad(format!("bad line range {a}-{b}"));
            }
            if let Some(q) = &t.quote
                && (!is_hex64(&q.sha256)
                    || !(q.prefix.is_empty() || is_hex64(&q.prefix))
                    || !(q.suffix.is_empty() || is_hex64(&q.suffix)))
            {
                return bad("quote hashes must be SHA-256 hex".into());
            }
        }
        let has = |b: bool, what: &str| {
            if b { Ok(()) } else { Err(RecordError::Entry(format!("{} entry {what}", self.kind.as_str()))) }
        };
        let nonempty_body = self.body.as_deref().is_some_and(|b| !b.trim().is_empty());
        match self.kind {
            Kind::Annotation => {
                has(
                    self.target.as_ref().is_some_and(|t| t.lines.is_some() && t.quote.is_some()),
                    "needs a target with lines and quote",
                )?;
                has(self.class.is_some() && self.severity.is_some(), "needs class and severity")?;
                has(nonempty_body, "needs a body")?;
                has(self.parent.is_none() && self.status.is_none(), "has no parent or status")?;
            }
            Kind::Reply => {
                has(self.parent.is_some(), "needs a parent")?;
                has(nonempty_body, "needs a body")?;
            }
            Kind::Status => {
                has(self.parent.is_some() && self.status.is_some(), "needs a parent and a status")?
            }
            Kind::Retract => has(self.parent.is_some(), "needs a parent")?,
            Kind::ReviewMark => {
                has(self.target.as_ref().is_some_and(|t| t.lines.is_none()), "needs a whole-file target")?
            }
            Kind::AnchorPort => crate::port::check_entry(self).map_err(RecordError::Entry)?,
            Kind::Retire | Kind::Rename => crate::people::check_entry(self).map_err(RecordError::Entry)?,
        }
        Ok(())
    }
}

/// The quote of lines `first..=last` (1-based) of `content`, or `None` when the range is outside the file.
pub fn quote_lines(content: &[u8], first: u64, last: u64) -> Option<Quote> {
    let lines = split_lines(content);
    let a = usize::try_from(first).ok()?.checked_sub(1)?;
    let b = usize::try_from(last).ok()?.checked_sub(1)?;
    if b < a || b >= lines.len() {
        return None;
    }
    let start = lines.get(a)?.start;
    let end = lines.get(b)?.end;
    let hash = |r: Option<&std::ops::Range<usize>>| {
        r.and_then(|r| content.get(r.clone())).map(|s| hex::encode(Sha256::digest(s))).unwrap_or_default()
    };
    Some(Quote {
        sha256: hex::encode(Sha256::digest(content.get(start..end)?)),
        prefix: if a == 0 { String::new() } else { hash(lines.get(a - 1)) },
        suffix: hash(lines.get(b + 1)),
    })
}

/// The quoted lines' bytes (for snippets in reports), or `None` when out of range.
pub fn line_bytes(content: &[u8], first: u64, last: u64) -> Option<&[u8]> {
    let lines = split_lines(content);
    let a = lines.get(usize::try_from(first).ok()?.checked_sub(1)?)?;
    let b = lines.get(usize::try_from(last).ok()?.checked_sub(1)?)?;
    content.get(a.start..b.end)
}

/// Byte ranges of each line including its `\n`; a last line without a newline counts.
pub fn split_lines(content: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &b) in content.iter().enumerate() {
        if b == b'\n' {
            out.push(start..i + 1);
            start = i + 1;
        }
    }
    if start < content.len() {
        out.push(start..content.len());
    }
    out
}

/// git blob id (SHA-256 object format) of `content`, hex.
pub fn blob_id(content: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(format!("blob {}\0", content.len()).as_bytes());
    h.update(content);
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Entry {
        let c = b"l1\nl2\nl3";
        Entry {
            v: 1,
            seq: 1,
            prev: None,
            kind: Kind::Annotation,
            author: Author { principal: "a@x".into(), fingerprint: format!("SHA256:{}", "x".repeat(43)) },
            role: "reviewer".into(),
            time: "2026-01-31T12:00:00Z".into(),
            snapshot: "ab".repeat(32),
            target: Some(Target {
                path: "f".into(),
                path_bytes: None,
                blob: blob_id(c),
                lines: Some([2, 3]),
                quote: quote_lines(c, 2, 3),
            }),
            class: Some(Class::Finding),
            severity: Some(Severity::High),
            category: None,
            body: Some("café".into()),
            parent: None,
            status: None,
        }
    }

    #[test]
    fn bytes_round_trip_and_refuse_other_forms() {
        let e = sample();
        let b = e.to_bytes().unwrap();
        assert_eq!(Entry::from_bytes(&b).unwrap(), e);
        assert!(b.starts_with(b"{\"author\":{\"fingerprint\""));
        let spaced = String::from_utf8(b.clone()).unwrap().replacen(':', ": ", 1);
        assert!(Entry::from_bytes(spaced.as_bytes()).is_err());
        let extra = String::from_utf8(b).unwrap().replacen("{", "{\"zz\":1,", 1);
        assert!(Entry::from_bytes(extra.as_bytes()).is_err());
    }

    #[test]
    fn kinds_have_rules() {
        for fp in [
            "",
            "SHA256:",
            "SHA256:xxxx",
            &format!("SHA256:{}=", "x".repeat(42)),
            &format!("MD5:{}", "x".repeat(43)),
        ] {
            let mut e = sample();
            e.author.fingerprint = fp.to_owned();
            assert!(e.validate().is_err(), "fingerprint {fp:?}");
        }
        let mut e = sample();
        e.time = "2026-01-31T12:00:00+01:00".into();
        assert!(e.validate().is_err());
        let mut e = sample();
        e.body = Some("  ".into());
        assert!(e.validate().is_err());
        let mut e = sample();
        e.seq = 2;
        assert!(e.validate().is_err(), "seq 2 needs prev");
        let mut r = sample();
        r.kind = Kind::Reply;
        assert!(r.validate().is_err(), "a reply needs a parent");
        r.parent = Some("cd".repeat(32));
        r.target = None;
        r.class = None;
        r.severity = None;
        r.validate().unwrap();
    }

    #[test]
    fn quotes_and_lines() {
        let c = b"l1\nl2\nl3";
        let q = quote_lines(c, 3, 3).unwrap();
        assert_eq!(q.sha256, hex::encode(Sha256::digest(b"l3")));
        assert_eq!(q.prefix, hex::encode(Sha256::digest(b"l2\n")));
        assert_eq!(q.suffix, "");
        assert!(quote_lines(c, 3, 4).is_none());
        assert!(quote_lines(c, 0, 1).is_none());
        assert!(quote_lines(b"", 1, 1).is_none());
        assert_eq!(line_bytes(c, 1, 2), Some(&b"l1\nl2\n"[..]));
        // git's blob id of "l1\nl2\nl3" in the SHA-256 object format.
        assert_eq!(blob_id(b""), "473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813");
    }

    /// An entry targeting exactly `path`, signed by no one (shape only), as `Review` would stage it.
    fn targeting(path: &[u8]) -> Entry {
        let mut e = sample();
        let t = e.target.take().unwrap();
        e.target = Some(Target::at(path, t.blob, t.lines, t.quote));
        e.v = e.version_needed();
        e
    }

    #[test]
    fn a_path_is_named_by_its_exact_bytes_whenever_text_would_not_say_them() {
        let (nfc, nfd) = ("caf\u{e9}.c".as_bytes(), "cafe\u{301}.c".as_bytes());
        // NFC UTF-8: the path itself, version 1, byte for byte what v1 wrote.
        let plain = targeting(nfc);
        let t = plain.target.as_ref().unwrap();
        assert_eq!((t.path.as_bytes(), t.path_bytes.as_deref(), plain.v), (nfc, None, 1));
        assert_eq!(Entry::from_bytes(&plain.to_bytes().unwrap()).unwrap(), plain);
        // The decomposed sibling: its bytes, version 2; the text form is NFC and alike, the bytes are not.
        let decomposed = targeting(nfd);
        let t = decomposed.target.as_ref().unwrap();
        let want = hex::encode(nfd);
        assert_eq!((t.path.as_bytes(), t.path_bytes.as_deref(), decomposed.v), (nfc, Some(want.as_str()), 2));
        assert_eq!(t.path_bytes().unwrap().as_ref(), nfd);
        assert_ne!(t.shown(), plain.target.as_ref().unwrap().shown(), "never shown alike");
        assert!(t.label().contains(&hex::encode(nfd)));
        let bytes = decomposed.to_bytes().unwrap();
        assert_eq!(Entry::from_bytes(&bytes).unwrap(), decomposed);
        // Not UTF-8 at all, and a backslash: one-to-one text, exact bytes.
        let odd = targeting(b"bad\xff\\.c");
        let t = odd.target.as_ref().unwrap();
        assert_eq!((t.path.as_str(), t.shown().as_str()), ("bad\\xFF\\\\.c", "bad\\xFF\\\\.c"));
        assert_eq!(t.path_bytes().unwrap().as_ref(), b"bad\xff\\.c");
        assert_ne!(shown_path(b"bad\xff.c"), shown_path(b"bad\\xFF.c"));
    }

    #[test]
    fn every_other_spelling_of_a_target_path_is_refused() {
        let refused = |e: &Entry| e.validate().unwrap_err().to_string();
        let nfd = "cafe\u{301}.c".as_bytes();
        // v1 with path_bytes, v2 without.
        let mut e = targeting(nfd);
        e.v = 1;
        assert!(refused(&e).contains("exactly when its target has path_bytes"), "{}", refused(&e));
        let mut e = targeting(b"plain.c");
        e.v = 2;
        assert!(refused(&e).contains("exactly when its target has path_bytes"), "{}", refused(&e));
        // path_bytes for a path that is NFC UTF-8 (two spellings of one entry).
        let mut e = targeting(nfd);
        e.target.as_mut().unwrap().path_bytes = Some(hex::encode("plain.c"));
        e.target.as_mut().unwrap().path = "plain.c".into();
        assert!(refused(&e).contains("only for a path that is not NFC UTF-8"), "{}", refused(&e));
        // A text form that says another path than the bytes; upper-case or odd hex; empty.
        let mut e = targeting(nfd);
        e.target.as_mut().unwrap().path = "other.c".into();
        assert!(refused(&e).contains("text form"), "{}", refused(&e));
        for bad in [hex::encode(nfd).to_uppercase(), "6".into(), String::new()] {
            let mut e = targeting(nfd);
            e.target.as_mut().unwrap().path_bytes = Some(bad.clone());
            assert!(refused(&e).contains("lowercase hex"), "{bad}: {}", refused(&e));
        }
        // A reader of v1 only would refuse a v2 entry by its version, never resolve its text form.
        let v4 = String::from_utf8(targeting(nfd).to_bytes().unwrap()).unwrap().replace("\"v\":2", "\"v\":4");
        let err = Entry::from_bytes(v4.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("unknown format version"), "{err}");
    }
}
