//! The exported record (`.vitrine`): a plain tar that stock tools open, and its verification.
//!
//! Layout (all at the root of the tar): `record.json`, `entries/NNNNNN.json` + `.sig`, `checkpoint` +
//! `checkpoint.sig`, `allowed_signers`, `MANIFEST.sha256`, `health.json`, `results.sarif`, `report.html`,
//! `VERIFY.md`, `verify.sh`. The checkpoint's extension lines carry the SHA-256 of `record.json`,
//! `allowed_signers`, `MANIFEST.sha256` and `health.json`, so the exporter's one signature binds them all.
//! `results.sarif` and `report.html` are views derived from the signed files and are not bound.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::allowed::AllowedSigners;
use crate::entry::{Kind, blob_id, format_time, quote_lines};
use crate::error::RecordError;
use crate::keys::{NS_CHECKPOINT, Signature, Signer};
use crate::merkle::{self, Checkpoint};
use crate::store::Review;
use crate::verify::{Problem, RawEntry, Verified, check_log};

/// Largest file accepted inside a bundle, and largest bundle: a bound against decompression bombs and
/// hostile input, far above any real record.
const MAX_FILE_BYTES: u64 = 256 << 20;
const MAX_TOTAL_BYTES: u64 = 4 << 30;

pub const VERIFY_SH: &str = include_str!("verify.sh");
pub const VERIFY_MD: &str = include_str!("VERIFY.md");

/// The snapshot as the caller sees it: identity, manifest, and a way to read a file's bytes (verified
/// against the ingest hashes by the caller).
pub struct SnapshotData<'a> {
    pub tree_sha256: String,
    pub tree_sha1: String,
    pub swhid: String,
    pub manifest: Vec<u8>,
    pub read: &'a dyn Fn(&str) -> Option<Vec<u8>>,
}

impl std::fmt::Debug for SnapshotData<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotData").field("tree_sha256", &self.tree_sha256).finish_non_exhaustive()
    }
}

/// What goes into an export besides the review itself.
#[derive(Debug)]
pub struct ExportConfig<'a> {
    pub snapshot: SnapshotData<'a>,
    /// The snapshot health report as JSON.
    pub health_json: Vec<u8>,
    pub tool: String,
    /// Leave out everything that reveals source beyond hashes (no manifest paths' neighbours, no
    /// snippets, no health details): the packet a vendor may carry out of the room.
    pub questions_only: bool,
    pub now: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotIds {
    pub tree_sha256: String,
    pub tree_sha1: String,
    pub swhid: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub principal: String,
    pub role: String,
    pub fingerprint: String,
}

/// `record.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordHeader {
    pub format: String,
    pub v: u64,
    pub snapshot: SnapshotIds,
    pub participants: Vec<Participant>,
    pub exported_by: crate::entry::Author,
    pub exported_at: String,
    pub tool: String,
    pub questions_only: bool,
    pub entries: u64,
}

/// The files of a bundle by name.
#[derive(Debug, Clone, Default)]
pub struct BundleFiles {
    pub files: BTreeMap<String, Vec<u8>>,
}

impl BundleFiles {
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.files.get(name).map(Vec::as_slice)
    }

    /// Reads a tar. Refuses links, devices, absolute paths, `..`, duplicates and oversized members.
    pub fn read(path: &Path) -> Result<BundleFiles, RecordError> {
        let file = std::fs::File::open(path).map_err(RecordError::io(path))?;
        let mut archive = tar::Archive::new(file);
        let mut files = BTreeMap::new();
        let mut total = 0u64;
        let bad = |m: String| RecordError::Bundle(format!("{}: {m}", path.display()));
        for item in archive.entries().map_err(|e| bad(e.to_string()))? {
            let mut item = item.map_err(|e| bad(e.to_string()))?;
            let raw_path = item.path_bytes().into_owned();
            let name = String::from_utf8(raw_path).map_err(|_| bad("a member name is not UTF-8".into()))?;
            let kind = item.header().entry_type();
            if kind.is_dir() {
                continue;
            }
            if !kind.is_file() {
                return Err(bad(format!("{name}: only regular files may be in a record")));
            }
            let mut clean = name.as_str();
            while let Some(rest) = clean.strip_prefix("./") {
                clean = rest;
            }
            if clean.is_empty()
                || clean.starts_with('/')
                || clean.split('/').any(|c| c == ".." || c == "." || c.is_empty())
            {
                return Err(bad(format!("{name}: unsafe member name")));
            }
            let size = item.header().size().map_err(|e| bad(e.to_string()))?;
            total = total.saturating_add(size);
            if size > MAX_FILE_BYTES || total > MAX_TOTAL_BYTES {
                return Err(bad(format!("{name}: too large")));
            }
            let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
            item.by_ref().take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| bad(e.to_string()))?;
            if files.insert(clean.to_owned(), bytes).is_some() {
                return Err(bad(format!("{clean}: appears twice")));
            }
        }
        Ok(BundleFiles { files })
    }

    /// Writes a deterministic tar (sorted names, fixed owner, the export time as mtime).
    /// Written straight to a temporary file (a big record is hundreds of megabytes), synced, then
    /// renamed into place.
    pub fn write(&self, path: &Path, mtime: u64) -> Result<(), RecordError> {
        let tmp = crate::store::temp_path(path);
        let file = std::fs::File::create(&tmp).map_err(RecordError::io(&tmp))?;
        {
            let mut b = tar::Builder::new(std::io::BufWriter::with_capacity(1 << 20, &file));
            let mut dirs = std::collections::BTreeSet::new();
            for name in self.files.keys() {
                if let Some((d, _)) = name.rsplit_once('/') {
                    dirs.insert(d.to_owned());
                }
            }
            let io = |e: std::io::Error| RecordError::Io { path: path.to_path_buf(), source: e };
            for d in dirs {
                let mut h = tar::Header::new_ustar();
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(0o755);
                h.set_size(0);
                h.set_mtime(mtime);
                h.set_cksum();
                b.append_data(&mut h, format!("{d}/"), std::io::empty()).map_err(io)?;
            }
            for (name, bytes) in &self.files {
                let mut h = tar::Header::new_ustar();
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(if name.ends_with(".sh") { 0o755 } else { 0o644 });
                h.set_size(bytes.len() as u64);
                h.set_mtime(mtime);
                h.set_cksum();
                b.append_data(&mut h, name, bytes.as_slice()).map_err(io)?;
            }
            b.into_inner().and_then(|mut w| std::io::Write::flush(&mut w)).map_err(io)?;
        }
        file.sync_all().map_err(RecordError::io(&tmp))?;
        drop(file);
        crate::store::rename_synced(&tmp, path)
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The checkpoint origin of a review of `tree_sha256`.
pub fn origin(tree_sha256: &str) -> String {
    format!("vitrine.review/{tree_sha256}")
}

/// Builds the bundle of `review`, signed by `signer`, and records its checkpoint in the review.
pub fn export(
    review: &mut Review,
    signer: &Signer,
    config: &ExportConfig<'_>,
) -> Result<BundleFiles, RecordError> {
    let snap = &config.snapshot;
    if snap.tree_sha256 != review.snapshot() {
        return Err(RecordError::Usage("the snapshot given is not the review's snapshot".into()));
    }
    let exporter = review
        .people()
        .by_fingerprint(signer.fingerprint())
        .next()
        .ok_or_else(|| {
            RecordError::Usage(format!("key {} is not one of this review's people", signer.fingerprint()))
        })?
        .clone();
    let mut files = BundleFiles::default();
    let entries = review.entries();
    for (i, e) in entries.iter().enumerate() {
        files.files.insert(format!("entries/{:06}.json", i + 1), e.bytes.clone());
        files.files.insert(format!("entries/{:06}.json.sig", i + 1), e.sig.clone());
    }
    let people = review.people();
    let header = RecordHeader {
        format: "vitrine-record".into(),
        v: crate::entry::FORMAT_VERSION,
        snapshot: SnapshotIds {
            tree_sha256: snap.tree_sha256.clone(),
            tree_sha1: snap.tree_sha1.clone(),
            swhid: snap.swhid.clone(),
        },
        participants: people
            .people
            .iter()
            .map(|p| Participant {
                principal: p.principal.clone(),
                role: p.role.clone(),
                fingerprint: p.fingerprint.clone(),
            })
            .collect(),
        exported_by: crate::entry::Author {
            principal: exporter.principal.clone(),
            fingerprint: exporter.fingerprint.clone(),
        },
        exported_at: format_time(config.now),
        tool: config.tool.clone(),
        questions_only: config.questions_only,
        entries: entries.len() as u64,
    };
    let mut record = serde_json::to_vec_pretty(&header).map_err(|e| RecordError::Bundle(e.to_string()))?;
    record.push(b'\n');
    let signers = people.render()?.into_bytes();
    let mut extensions = vec![
        format!("exported {}", format_time(config.now)),
        format!("record sha256:{}", sha256_hex(&record)),
        format!("allowed_signers sha256:{}", sha256_hex(&signers)),
    ];
    extensions.push(format!("manifest sha256:{}", sha256_hex(&snap.manifest)));
    files.files.insert("MANIFEST.sha256".into(), snap.manifest.clone());
    if !config.questions_only {
        extensions.push(format!("health sha256:{}", sha256_hex(&config.health_json)));
        files.files.insert("health.json".into(), config.health_json.clone());
    }
    let cp = Checkpoint {
        origin: origin(&snap.tree_sha256),
        size: entries.len() as u64,
        root: review.root(),
        extensions,
    };
    let cp_text = cp.to_text();
    let cp_sig = signer.sign(NS_CHECKPOINT, cp_text.as_bytes())?;
    // Each annotated file is read (and hash-checked by the caller) once, however many threads quote it.
    let mut contents: HashMap<String, Vec<u8>> = HashMap::new();
    if !config.questions_only {
        for e in entries {
            if let Some(t) = &e.entry.target
                && !contents.contains_key(&t.path)
                && let Some(c) = (snap.read)(&t.path)
            {
                contents.insert(t.path.clone(), c);
            }
        }
    }
    let view = ViewInput {
        header: &header,
        entries: review.entries(),
        contents: if config.questions_only { None } else { Some(&contents) },
        health: if config.questions_only { None } else { Some(&config.health_json) },
    };
    files.files.insert("results.sarif".into(), crate::sarif::render(&view)?);
    files.files.insert(
        "report.html".into(),
        crate::report::render(&view, "Every entry's signature, author chain and snapshot binding were verified when this record was exported, and the log extends every checkpoint exported before from the same review. Check it again, without Vitrine, with verify.sh (see VERIFY.md).")
            .into_bytes(),
    );
    files.files.insert("record.json".into(), record);
    files.files.insert("allowed_signers".into(), signers);
    files.files.insert("checkpoint".into(), cp_text.into_bytes());
    let cp_sig_bytes = cp_sig.into_bytes();
    files.files.insert("checkpoint.sig".into(), cp_sig_bytes.clone());
    files.files.insert("verify.sh".into(), VERIFY_SH.as_bytes().to_vec());
    files.files.insert("VERIFY.md".into(), VERIFY_MD.as_bytes().to_vec());
    // Every checkpoint exported before from this review travels with the record, so a third party can
    // check that this log extends each of them (RFC 6962: the old root is the root of the first n entries).
    for (i, (text, sig)) in review.earlier_checkpoints()?.into_iter().enumerate() {
        files.files.insert(format!("checkpoints/{:06}", i + 1), text);
        files.files.insert(format!("checkpoints/{:06}.sig", i + 1), sig);
    }
    review.record_checkpoint(&cp, cp_sig_bytes.as_slice())?;
    Ok(files)
}

/// What the derived views (SARIF, HTML) are made from.
#[derive(Debug)]
pub struct ViewInput<'a> {
    pub header: &'a RecordHeader,
    pub entries: &'a [Verified],
    /// The content of each annotated file, for snippets, read once per file; `None` in a questions-only
    /// packet.
    pub contents: Option<&'a HashMap<String, Vec<u8>>>,
    /// The health report JSON, for the summary; `None` in a questions-only packet.
    pub health: Option<&'a [u8]>,
}

/// The result of verifying a bundle.
#[derive(Debug, Default)]
pub struct VerifyReport {
    pub header: Option<RecordHeader>,
    pub people: AllowedSigners,
    /// Entries that passed every check, in bundle order.
    pub accepted: Vec<Verified>,
    pub entry_files: usize,
    pub problems: Vec<Problem>,
    /// Whether the snapshot itself was compared.
    pub snapshot_checked: bool,
}

impl VerifyReport {
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Verifies a bundle: every entry (signature, shape, chain), the checkpoint (signature, size, root, bound
/// files) and, given the snapshot, its ids, its manifest and every anchor. All problems are collected.
pub fn verify(files: &BundleFiles, snapshot: Option<&SnapshotData<'_>>) -> VerifyReport {
    let mut r = VerifyReport::default();
    let header: Option<RecordHeader> = match files.get("record.json") {
        None => {
            r.problems.push(Problem::new("record.json", "missing"));
            None
        }
        Some(b) => match serde_json::from_slice::<RecordHeader>(b) {
            Ok(h) if h.format == "vitrine-record" && h.v == crate::entry::FORMAT_VERSION => Some(h),
            Ok(h) => {
                r.problems.push(Problem::new("record.json", format!("unknown format {} v{}", h.format, h.v)));
                None
            }
            Err(e) => {
                r.problems.push(Problem::new("record.json", format!("unreadable: {e}")));
                None
            }
        },
    };
    let people = match files.get("allowed_signers").map(|b| {
        std::str::from_utf8(b)
            .map_err(|_| "not UTF-8".to_owned())
            .and_then(|t| AllowedSigners::parse(t).map_err(|e| e.to_string()))
    }) {
        Some(Ok(p)) => p,
        Some(Err(m)) => {
            r.problems.push(Problem::new("allowed_signers", m));
            AllowedSigners::default()
        }
        None => {
            r.problems.push(Problem::new("allowed_signers", "missing"));
            AllowedSigners::default()
        }
    };
    let snapshot_id = header.as_ref().map(|h| h.snapshot.tree_sha256.clone()).unwrap_or_default();

    // Entries, in file-name order; numbering must run 1..n without gaps.
    let mut raws: Vec<RawEntry> = Vec::new();
    for (name, bytes) in &files.files {
        if let Some(stem) = name.strip_prefix("entries/") {
            if let Some(num) = stem.strip_suffix(".json") {
                let expected = format!("{:06}", raws.len() + 1);
                if num != expected {
                    r.problems.push(Problem::new(name.as_str(), format!("out of sequence: expected entries/{expected}.json here (an entry was deleted or added)")));
                }
                raws.push(RawEntry {
                    name: name.clone(),
                    bytes: bytes.clone(),
                    sig: files.get(&format!("{name}.sig")).map(<[u8]>::to_vec),
                });
            } else if let Some(json) = stem.strip_suffix(".json.sig") {
                if files.get(&format!("entries/{json}.json")).is_none() {
                    r.problems.push(Problem::new(name.as_str(), "signature without its entry"));
                }
            } else {
                r.problems.push(Problem::new(name.as_str(), "unexpected file in entries/"));
            }
        }
    }
    r.entry_files = raws.len();
    let check = check_log(&raws, &people, &snapshot_id);
    r.problems.extend(check.refused.into_iter().map(|(_, p)| p));

    // The checkpoint.
    check_checkpoint(files, header.as_ref(), &people, &raws, &mut r.problems);
    check_earlier_checkpoints(files, header.as_ref(), &people, &raws, &mut r.problems);
    if let Some(h) = &header
        && h.entries as usize != raws.len()
    {
        r.problems.push(Problem::new(
            "record.json",
            format!("says {} entries, the bundle has {}", h.entries, raws.len()),
        ));
    }

    if let Some(s) = snapshot {
        r.snapshot_checked = true;
        check_snapshot(files, header.as_ref(), &check.accepted, s, &mut r.problems);
    }
    r.header = header;
    r.people = people;
    r.accepted = check.accepted;
    r
}

fn check_checkpoint(
    files: &BundleFiles,
    header: Option<&RecordHeader>,
    people: &AllowedSigners,
    raws: &[RawEntry],
    problems: &mut Vec<Problem>,
) {
    let Some(text) = files.get("checkpoint") else {
        problems.push(Problem::new("checkpoint", "missing"));
        return;
    };
    let cp = match Checkpoint::parse(text) {
        Ok(c) => c,
        Err(e) => {
            problems.push(Problem::new("checkpoint", e.to_string()));
            return;
        }
    };
    match (files.get("checkpoint.sig"), header) {
        (None, _) => problems.push(Problem::new("checkpoint.sig", "missing")),
        (Some(_), None) => problems.push(Problem::new(
            "checkpoint.sig",
            "cannot tell who exported the record (record.json unreadable)",
        )),
        (Some(sig), Some(h)) => {
            if let Err(m) = check_checkpoint_sig(sig, text, h, people) {
                problems.push(Problem::new("checkpoint.sig", m));
            }
        }
    }
    if let Some(h) = header
        && cp.origin != origin(&h.snapshot.tree_sha256)
    {
        problems
            .push(Problem::new("checkpoint", format!("origin {} is not this record's snapshot", cp.origin)));
    }
    if cp.size != raws.len() as u64 {
        problems.push(Problem::new(
            "checkpoint",
            format!("covers {} entries, the bundle has {}", cp.size, raws.len()),
        ));
    }
    let root = merkle::root(&raws.iter().map(|r| r.bytes.as_slice()).collect::<Vec<_>>());
    if root != cp.root {
        problems.push(Problem::new(
            "checkpoint",
            "the Merkle root of the entries does not match: entries changed, added, removed or reordered",
        ));
    }
    for (ext, file, required) in [
        ("record", "record.json", true),
        ("allowed_signers", "allowed_signers", true),
        ("manifest", "MANIFEST.sha256", true),
        ("health", "health.json", false),
    ] {
        match (cp.extension(ext), files.get(file)) {
            (Some(want), Some(bytes)) => {
                if want != format!("sha256:{}", sha256_hex(bytes)) {
                    problems.push(Problem::new(file, "does not match the hash in the signed checkpoint"));
                }
            }
            (Some(_), None) => problems.push(Problem::new(file, "missing, but the checkpoint lists it")),
            (None, Some(_)) => problems.push(Problem::new(file, "not covered by the checkpoint")),
            (None, None) if required => problems.push(Problem::new("checkpoint", format!("no {ext} line"))),
            (None, None) => {}
        }
    }
}

/// Each `checkpoints/NNNNNN` (exported before from the same review) must be signed by one of the
/// people, valid at the time on its `exported` line, and its root must be the root of the first `size`
/// entries of this record.
fn check_earlier_checkpoints(
    files: &BundleFiles,
    header: Option<&RecordHeader>,
    people: &AllowedSigners,
    raws: &[RawEntry],
    problems: &mut Vec<Problem>,
) {
    let leaves: Vec<merkle::Hash> = raws.iter().map(|r| merkle::leaf_hash(&r.bytes)).collect();
    for (name, text) in files.files.iter().filter(|(n, _)| n.starts_with("checkpoints/")) {
        if name.ends_with(".sig") {
            if files.get(name.trim_end_matches(".sig")).is_none() {
                problems.push(Problem::new(name.as_str(), "signature without its checkpoint"));
            }
            continue;
        }
        let cp = match Checkpoint::parse(text) {
            Ok(c) => c,
            Err(e) => {
                problems.push(Problem::new(name.as_str(), e.to_string()));
                continue;
            }
        };
        if let Some(h) = header
            && cp.origin != origin(&h.snapshot.tree_sha256)
        {
            problems.push(Problem::new(
                name.as_str(),
                format!("origin {} is not this record's snapshot", cp.origin),
            ));
        }
        let at = cp.extension("exported").and_then(|t| {
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
        });
        let signed =
            files.get(&format!("{name}.sig")).ok_or_else(|| "no signature".to_owned()).and_then(|sig| {
                let sig = Signature::parse(sig).map_err(|e| e.to_string())?;
                let fp = sig.fingerprint();
                let p = people
                    .by_fingerprint(&fp)
                    .find(|p| p.allows_namespace(NS_CHECKPOINT))
                    .ok_or_else(|| format!("signed by key {fp}, which may not sign checkpoints here"))?;
                if !at.is_some_and(|t| p.valid_at(t)) {
                    return Err(format!(
                        "the key of {} is not valid at the time on its exported line",
                        p.principal
                    ));
                }
                sig.verify_with(&p.key, &p.verifying_key, NS_CHECKPOINT, text).map_err(|e| e.to_string())
            });
        if let Err(m) = signed {
            problems.push(Problem::new(name.as_str(), format!("signature: {m}")));
        }
        if !merkle::is_consistent(cp.size, &cp.root, &leaves) {
            problems.push(Problem::new(
                name.as_str(),
                format!("this log does not extend it: the root of the first {} entries differs", cp.size),
            ));
        }
    }
}

fn check_checkpoint_sig(
    sig: &[u8],
    text: &[u8],
    h: &RecordHeader,
    people: &AllowedSigners,
) -> Result<(), String> {
    let sig = Signature::parse(sig).map_err(|e| e.to_string())?;
    let fp = sig.fingerprint();
    if fp != h.exported_by.fingerprint {
        return Err(format!(
            "made by key {fp}, but record.json names the exporter's key {}",
            h.exported_by.fingerprint
        ));
    }
    let at = time::OffsetDateTime::parse(&h.exported_at, &time::format_description::well_known::Rfc3339)
        .map_err(|_| "record.json: bad exported_at".to_owned())?;
    let mut why = format!("{} with key {fp} is not in allowed_signers", h.exported_by.principal);
    for p in people.find(&h.exported_by.principal, &fp) {
        if !p.allows_namespace(NS_CHECKPOINT) {
            why = format!("allowed_signers does not allow {} to sign {NS_CHECKPOINT}", p.principal);
        } else if !p.valid_at(at) {
            why = format!("the key of {} is not valid at the export time {}", p.principal, h.exported_at);
        } else {
            return sig.verify_with(&p.key, &p.verifying_key, NS_CHECKPOINT, text).map_err(|e| e.to_string());
        }
    }
    Err(why)
}

fn check_snapshot(
    files: &BundleFiles,
    header: Option<&RecordHeader>,
    accepted: &[Verified],
    s: &SnapshotData<'_>,
    problems: &mut Vec<Problem>,
) {
    if let Some(h) = header {
        if h.snapshot.tree_sha256 != s.tree_sha256 {
            problems.push(Problem::new(
                "record.json",
                format!(
                    "is a record of snapshot {}, the snapshot given is {}",
                    h.snapshot.tree_sha256, s.tree_sha256
                ),
            ));
            return;
        }
        if h.snapshot.tree_sha1 != s.tree_sha1 {
            problems.push(Problem::new("record.json", "SHA-1 tree id differs from the snapshot's"));
        }
    }
    match files.get("MANIFEST.sha256") {
        Some(m) if m != s.manifest.as_slice() => {
            problems.push(Problem::new("MANIFEST.sha256", "differs from the snapshot's manifest"))
        }
        _ => {}
    }
    for v in accepted {
        let Some(t) = &v.entry.target else { continue };
        if !matches!(v.entry.kind, Kind::Annotation | Kind::ReviewMark | Kind::AnchorPort) {
            continue;
        }
        let Some(content) = (s.read)(&t.path) else {
            problems
                .push(Problem::new(v.name.as_str(), format!("anchor: {} is not in the snapshot", t.path)));
            continue;
        };
        if blob_id(&content) != t.blob {
            problems.push(Problem::new(v.name.as_str(), format!("anchor: blob of {} differs", t.path)));
            continue;
        }
        if let (Some([a, b]), Some(q)) = (t.lines, &t.quote)
            && quote_lines(&content, a, b).as_ref() != Some(q)
        {
            problems
                .push(Problem::new(v.name.as_str(), format!("anchor: quote of {}:{a}-{b} differs", t.path)));
        }
    }
}
