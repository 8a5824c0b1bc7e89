//! The exported record (`.vitrine`): a plain tar that stock tools open, and its verification.
//!
//! Layout (all at the root of the tar): `record.json`, `entries/NNNNNN.json` + `.sig`, `checkpoint` +
//! `checkpoint.sig`, `checkpoints/NNNNNN` + `.sig`, `allowed_signers`, `MANIFEST.sha256`, `health.json`,
//! `results.sarif`, `report.html`, `VERIFY.md`, `verify.sh`, and (format 2) `FILES.sha256` +
//! `FILES.sha256.sig`. The checkpoint's extension lines carry the SHA-256 of `record.json`,
//! `allowed_signers`, `MANIFEST.sha256` and `health.json`. `FILES.sha256` (in `sha256sum` format) lists
//! the SHA-256 of every other file of the bundle and is signed by the exporter in its own namespace
//! (`bundle@vitrine`), so no file, not even `verify.sh` or a view, can change unnoticed; the views
//! (`results.sarif`, `report.html`) are in addition rendered again from the entries by `vitrine verify`
//! and compared, so a view that says what the entries do not is caught even when its exporter signed it.
//! Format 1 (no `FILES.sha256`, views not bound) still verifies.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use rayon::prelude::*;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::allowed::AllowedSigners;
use crate::entry::{Kind, Target, blob_id, format_time, quote_lines};
use crate::error::RecordError;
use crate::keys::{NS_BUNDLE, NS_CHECKPOINT, NS_ENTRY, Signature, Signer};
use crate::merkle::{self, Checkpoint};
use crate::store::Review;
use crate::verify::{Problem, ProblemKind, RawEntry, Verified, check_log_bounded};
use time::format_description::well_known::Rfc3339;

/// Largest file accepted inside a bundle, and largest bundle: a bound against decompression bombs and
/// hostile input, far above any real record.
const MAX_FILE_BYTES: u64 = 256 << 20;
const MAX_TOTAL_BYTES: u64 = 4 << 30;

/// The bundle format this Vitrine writes (`v` in `record.json`); it reads 1 and 2. Format 2 added
/// `FILES.sha256` and views that `vitrine verify` renders again; a change to how the views are rendered
/// is a new format.
pub const BUNDLE_FORMAT: u64 = 2;
/// Since when every record Vitrine exports is of format 2 (with a day's margin for clocks): an entry dated
/// later cannot be in an honest record of format 1.
pub const FORMAT_2_SINCE: &str = "2026-12-06T12:00:00Z";
/// The statement of every file's hash, and its signature.
pub const FILES_STATEMENT: &str = "FILES.sha256";
/// The exporter's SSHSIG over [`FILES_STATEMENT`], in the `bundle@vitrine` namespace.
pub const FILES_STATEMENT_SIG: &str = "FILES.sha256.sig";

/// `VERIFY.md`, written into every bundle: how to check the record by hand and with `verify.sh`.
pub use crate::scripts::VERIFY_MD;
/// `verify.sh`, written into every bundle: checks a record with stock tools only (`ssh-keygen`,
/// `sha256sum`, `jq`, coreutils), without Vitrine.
pub use crate::scripts::VERIFY_SH;

/// The snapshot as the caller sees it: identity, manifest, and a way to read a file's bytes (verified
/// against the ingest hashes by the caller).
pub struct SnapshotData<'a> {
    /// git tree id of the snapshot, SHA-256 object format (hex): what the review is bound to.
    pub tree_sha256: String,
    /// git tree id, SHA-1 object format (hex).
    pub tree_sha1: String,
    /// Software Heritage identifier of the snapshot directory (`swh:1:dir:…`).
    pub swhid: String,
    /// The `sha256sum`-format manifest, written as `MANIFEST.sha256` and bound by the checkpoint (also
    /// in a questions-only packet: it holds paths and hashes, no source).
    pub manifest: Vec<u8>,
    /// Reads the file whose path is exactly these bytes (no normalisation, no other lookup).
    pub read: &'a dyn Fn(&[u8]) -> Option<Vec<u8>>,
}

impl std::fmt::Debug for SnapshotData<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotData").field("tree_sha256", &self.tree_sha256).finish_non_exhaustive()
    }
}

/// What goes into an export besides the review itself.
#[derive(Debug)]
pub struct ExportConfig<'a> {
    /// The reviewed snapshot; it must be the review's own (by SHA-256 tree id).
    pub snapshot: SnapshotData<'a>,
    /// The snapshot health report as JSON.
    pub health_json: Vec<u8>,
    /// The exporting program and version, written in `record.json` (`vitrine 0.1.0`).
    pub tool: String,
    /// Leave out everything that reveals source beyond hashes (no manifest paths' neighbours, no
    /// snippets, no health details): the packet a vendor may carry out of the room.
    pub questions_only: bool,
    /// The export time: `exported_at` in `record.json` and the checkpoint's `exported` line.
    pub now: OffsetDateTime,
}

/// The identity of the reviewed snapshot, as `record.json` states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotIds {
    /// git tree id, SHA-256 object format (hex): every entry's `snapshot` must equal it.
    pub tree_sha256: String,
    /// git tree id, SHA-1 object format (hex).
    pub tree_sha1: String,
    /// Software Heritage identifier of the directory (`swh:1:dir:` + the SHA-1 tree id).
    pub swhid: String,
}

/// One key of the review's people, as `record.json` lists it (a summary of `allowed_signers`, which is
/// what verification trusts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    /// The person's principal.
    pub principal: String,
    /// The person's role word.
    pub role: String,
    /// `SHA256:…` fingerprint of the key.
    pub fingerprint: String,
}

/// `record.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordHeader {
    /// Always `vitrine-record`: what the file is.
    pub format: String,
    /// The bundle format, 1 or 2 (see [`BUNDLE_FORMAT`]).
    pub v: u64,
    /// The snapshot the record is about.
    pub snapshot: SnapshotIds,
    /// Every key of the review's people at export, in `allowed_signers` order.
    pub participants: Vec<Participant>,
    /// Who exported the bundle and signed its checkpoint and statement of files.
    pub exported_by: crate::entry::Author,
    /// Export time, RFC 3339 UTC in whole seconds.
    pub exported_at: String,
    /// The exporting program and version.
    pub tool: String,
    /// Whether this is a questions-only packet (no health report, no snippets).
    pub questions_only: bool,
    /// Number of entries in `entries/`.
    pub entries: u64,
    /// The review of the earlier version this review continues (see [`crate::port`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continues: Option<crate::port::Continues>,
}

/// The files of a bundle by name.
#[derive(Debug, Clone, Default)]
pub struct BundleFiles {
    /// File name (relative, `/`-separated, no `.`/`..`, no leading `./`) to its bytes.
    pub files: BTreeMap<String, Vec<u8>>,
    /// The directory members of the archive (names as `files`, no trailing `/`), the root left out.
    /// Vitrine writes only `entries` and `checkpoints`; any other is a problem for `verify` (and for
    /// `verify.sh`, which would otherwise see `entries/000005.json/` where an entry goes).
    pub dirs: std::collections::BTreeSet<String>,
}

/// The only directories a record holds.
const RECORD_DIRS: [&str; 2] = ["entries", "checkpoints"];

/// The files Vitrine writes at the root of a record; besides them a record holds only `entries/` and
/// `checkpoints/`, whose names their own checks judge. Any other name is refused, whoever signed it: a
/// name Vitrine never writes can only be there to be read for another (`Report.html` replaces
/// `report.html` when the record is unpacked on a disk that ignores case).
pub const RECORD_FILES: [&str; 12] = [
    "record.json",
    "checkpoint",
    "checkpoint.sig",
    "allowed_signers",
    "MANIFEST.sha256",
    "health.json",
    "results.sarif",
    "report.html",
    "VERIFY.md",
    "verify.sh",
    FILES_STATEMENT,
    FILES_STATEMENT_SIG,
];

/// What `vitrine verify` and `verify.sh` say of a file of a record that Vitrine does not write.
pub const NOT_A_RECORD_FILE: &str = "not a file Vitrine writes: a record holds record.json, checkpoint(.sig), allowed_signers, MANIFEST.sha256, health.json, results.sarif, report.html, VERIFY.md, verify.sh, FILES.sha256(.sig), entries/ and checkpoints/, and nothing else (another name, such as a case variant of one of these, would replace the genuine file on a disk that ignores case)";

/// Whether `name` is a file Vitrine writes in a record: one of [`RECORD_FILES`], or a name in `entries/`
/// or `checkpoints/` (which the checks of entries and checkpoints judge).
pub fn is_record_file(name: &str) -> bool {
    RECORD_FILES.contains(&name) || name.starts_with("entries/") || name.starts_with("checkpoints/")
}

impl BundleFiles {
    /// The bytes of the file `name`, if the bundle has it.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.files.get(name).map(Vec::as_slice)
    }

    /// Reads a bundle with Vitrine's own tar reader ([`vitrine_tar`], the one view of an
    /// archive that GNU tar, bsdtar and Python's `tarfile` share), so that `vitrine verify` and a stranger's
    /// `tar -xf` read the same files, or the bundle is refused. On top of that reader's rules (a non-zero
    /// size only on a regular file, strict pax records, nothing but zeros after the end marker, ...) a
    /// bundle holds exactly what Vitrine writes: plain ustar headers for regular files and directories,
    /// no extension header (pax, GNU long name or link) at all, no link, device or FIFO, no name twice
    /// (as a file or a directory), no absolute path and no `.` or `..` component.
    pub fn read(path: &Path) -> Result<BundleFiles, RecordError> {
        use std::os::unix::fs::FileExt;
        use vitrine_tar::{MemberKind, TarReader};
        let file = std::fs::File::open(path).map_err(RecordError::io("open", path))?;
        // A second handle to read each member's own header block (its type flag) at its offset.
        let headers = std::fs::File::open(path).map_err(RecordError::io("open", path))?;
        let mut tar = TarReader::new(std::io::BufReader::with_capacity(1 << 20, file));
        let mut files = BTreeMap::new();
        let mut dirs = std::collections::BTreeSet::new();
        // Every name case-folded, to the name as written: on a disk that ignores case (FAT, exFAT, NTFS,
        // APFS by default) two names that differ only by case are one file, the later written over the
        // earlier, so a record holds no two such names.
        let mut folded: HashMap<String, String> = HashMap::new();
        let mut total = 0u64;
        let bad = |m: String| RecordError::Bundle(format!("{}: {m}", path.display()));
        while let Some(member) = tar.next_member().map_err(|e| bad(e.to_string()))? {
            let name = String::from_utf8(member.path.clone())
                .map_err(|_| bad(format!("{}: the name is not UTF-8", member.display())))?;
            let mut block = [0u8; vitrine_tar::BLOCK];
            headers
                .read_exact_at(&mut block, member.header_offset)
                .map_err(|e| bad(format!("member `{name}`: cannot read its header: {e}")))?;
            // The first header of the member is its own: no extension header came before it.
            let flag = block.get(156).copied().unwrap_or_default();
            let is_dir = match (&member.kind, flag) {
                (MemberKind::File, b'0' | 0) => false,
                (MemberKind::Directory, b'5') => true,
                (MemberKind::File | MemberKind::Directory, b'x' | b'g' | b'L' | b'K') => {
                    return Err(bad(format!(
                        "member `{name}`: an extension header (type `{}`) before it; Vitrine writes plain \
                         ustar headers only, and tar readers disagree on extension headers",
                        char::from(flag)
                    )));
                }
                _ => {
                    return Err(bad(format!(
                        "member `{name}`: only regular files and directories may be in a record"
                    )));
                }
            };
            let mut clean = name.as_str();
            while let Some(rest) = clean.strip_prefix("./") {
                clean = rest;
            }
            if is_dir {
                clean = clean.trim_end_matches('/');
                // The archive's root (`./`) is no member of the record.
                if clean.is_empty() || clean == "." {
                    continue;
                }
            }
            if clean.is_empty()
                || clean.starts_with('/')
                || clean.split('/').any(|c| c == ".." || c == "." || c.is_empty())
            {
                return Err(bad(format!("{name}: unsafe member name")));
            }
            if files.contains_key(clean) || dirs.contains(clean) {
                return Err(bad(format!("{clean}: appears twice")));
            }
            if let Some(other) = folded.insert(clean.to_lowercase(), clean.to_owned()) {
                return Err(bad(format!(
                    "{clean}: appears twice on a disk that ignores case, as {other} and {clean}: unpacked there, one replaces the other"
                )));
            }
            if is_dir {
                dirs.insert(clean.to_owned());
                continue;
            }
            let size = member.size_bytes;
            total = total.saturating_add(size);
            if size > MAX_FILE_BYTES || total > MAX_TOTAL_BYTES {
                return Err(bad(format!("{name}: too large")));
            }
            let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
            tar.data().read_to_end(&mut bytes).map_err(|e| bad(format!("{name}: {e}")))?;
            files.insert(clean.to_owned(), bytes);
        }
        Ok(BundleFiles { files, dirs })
    }

    /// Writes a deterministic tar (sorted names, fixed owner, the export time as mtime).
    /// Written straight to a temporary file (a big record is hundreds of megabytes), synced, then
    /// renamed into place.
    pub fn write(&self, path: &Path, mtime: u64) -> Result<(), RecordError> {
        let tmp = crate::store::temp_path(path);
        let file = std::fs::File::create(&tmp).map_err(RecordError::io("create", &tmp))?;
        {
            let mut b = tar::Builder::new(std::io::BufWriter::with_capacity(1 << 20, &file));
            let mut dirs = std::collections::BTreeSet::new();
            for name in self.files.keys() {
                if let Some((d, _)) = name.rsplit_once('/') {
                    dirs.insert(d.to_owned());
                }
            }
            let io = RecordError::io_at("write", &tmp);
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
        file.sync_all().map_err(RecordError::io("sync", &tmp))?;
        drop(file);
        crate::store::rename_synced(&tmp, path)
    }
}

/// SHA-256 of `bytes` in lower-case hex, as `sha256sum` prints it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The checkpoint origin of a review of `tree_sha256`.
pub fn origin(tree_sha256: &str) -> String {
    format!("vitrine.review/{tree_sha256}")
}

/// Why a record exported by `principal`, whom `by` retired, is refused (by `export` and both verifiers).
pub fn retired_exporter(principal: &str, by: &crate::people::Retired) -> String {
    format!(
        "people: exported by {}, whom entry {} (log position {}) retired: a retired principal exports nothing",
        crate::principal::display(principal),
        by.by.get(..12).unwrap_or(&by.by),
        by.at + 1
    )
}

/// Builds the bundle of `review`, signed by `signer`, and records its checkpoint in the review.
/// A key whose every principal the log retires exports nothing (a renamed person's key exports under
/// its new name).
pub fn export(
    review: &mut Review,
    signer: &Signer,
    config: &ExportConfig<'_>,
) -> Result<BundleFiles, RecordError> {
    let snap = &config.snapshot;
    if snap.tree_sha256 != review.snapshot() {
        return Err(RecordError::Usage("the snapshot given is not the review's snapshot".into()));
    }
    let retirements = review.retirements();
    let holders: Vec<&crate::allowed::Person> =
        review.people().by_fingerprint(signer.fingerprint()).collect();
    let Some(first) = holders.first() else {
        return Err(RecordError::Usage(format!(
            "key {} is not one of this review's people",
            signer.fingerprint()
        )));
    };
    let exporter = match holders.iter().find(|p| !retirements.retired.contains_key(&p.principal)) {
        Some(p) => (*p).clone(),
        None => {
            let by = retirements.retired.get(&first.principal).ok_or_else(|| {
                RecordError::Usage(format!("key {} is not one of this review's people", signer.fingerprint()))
            })?;
            return Err(RecordError::Policy(retired_exporter(&first.principal, by)));
        }
    };
    let mut files = BundleFiles::default();
    let entries = review.entries();
    for (i, e) in entries.iter().enumerate() {
        files.files.insert(format!("entries/{:06}.json", i + 1), e.bytes.clone());
        files.files.insert(format!("entries/{:06}.json.sig", i + 1), e.sig.clone());
    }
    let people = review.people();
    let header = RecordHeader {
        format: "vitrine-record".into(),
        v: BUNDLE_FORMAT,
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
        continues: crate::port::read_continues(review.dir())?,
    };
    let mut record = serde_json::to_vec_pretty(&header).map_err(|e| RecordError::Bundle(e.to_string()))?;
    record.push(b'\n');
    // Whoever may sign this review's checkpoints may sign the statement of its files (people added before
    // format 2 were given only the entry and checkpoint namespaces).
    let mut bundle_people = people.clone();
    for p in &mut bundle_people.people {
        if let Some(ns) = &mut p.namespaces
            && ns.iter().any(|n| n == NS_CHECKPOINT)
            && !ns.iter().any(|n| n == NS_BUNDLE)
        {
            ns.push(NS_BUNDLE.to_owned());
        }
    }
    let signers = bundle_people.render()?.into_bytes();
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
    let contents = if config.questions_only { None } else { Some(view_contents(entries, snap.read)) };
    let view = ViewInput {
        header: &header,
        entries: review.entries(),
        contents: contents.as_ref(),
        health: if config.questions_only { None } else { Some(&config.health_json) },
    };
    let (sarif, html) = render_views(&view)?;
    files.files.insert("results.sarif".into(), sarif);
    files.files.insert("report.html".into(), html);
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
    // Last, the statement of every other file, signed in its own namespace.
    let statement = files_statement(&files);
    let statement_sig = signer.sign(NS_BUNDLE, statement.as_bytes())?;
    files.files.insert(FILES_STATEMENT.into(), statement.into_bytes());
    files.files.insert(FILES_STATEMENT_SIG.into(), statement_sig.into_bytes());
    review.record_checkpoint(&cp, cp_sig_bytes.as_slice())?;
    Ok(files)
}

/// `FILES.sha256`: `sha256sum` lines (`HEX  NAME`) for every file of the bundle but the statement and its
/// signature, in name order.
pub fn files_statement(files: &BundleFiles) -> String {
    let mut out = String::new();
    for (name, bytes) in &files.files {
        if name != FILES_STATEMENT && name != FILES_STATEMENT_SIG {
            out.push_str(&format!("{}  {name}\n", sha256_hex(bytes)));
        }
    }
    out
}

/// The content of every file an entry targets, by the path's exact bytes, read (and hash-checked by the
/// caller) once each.
pub fn view_contents(entries: &[Verified], read: &dyn Fn(&[u8]) -> Option<Vec<u8>>) -> Contents {
    let mut contents: Contents = HashMap::new();
    for e in entries {
        if let Some(path) = e.entry.target.as_ref().and_then(Target::path_bytes)
            && !contents.contains_key(path.as_ref())
            && let Some(c) = read(&path)
        {
            contents.insert(path.into_owned(), c);
        }
    }
    contents
}

/// File contents by the exact bytes of their paths.
pub type Contents = HashMap<Vec<u8>, Vec<u8>>;

/// The sentence on verification that `report.html` carries.
const REPORT_VERIFICATION: &str = "Every entry's signature, author chain and snapshot binding were verified when this record was exported, and the log extends every checkpoint exported before from the same review. Check it again, without Vitrine, with verify.sh (see VERIFY.md).";

/// `results.sarif` and `report.html`, rendered from the entries (at export, and again at verification).
pub fn render_views(view: &ViewInput<'_>) -> Result<(Vec<u8>, Vec<u8>), RecordError> {
    Ok((crate::sarif::render(view)?, crate::report::render(view, REPORT_VERIFICATION).into_bytes()))
}

/// What the derived views (SARIF, HTML) are made from.
#[derive(Debug)]
pub struct ViewInput<'a> {
    /// The record's `record.json`.
    pub header: &'a RecordHeader,
    /// The verified entries, in log order.
    pub entries: &'a [Verified],
    /// The content of each annotated file, for snippets, read once per file; `None` in a questions-only
    /// packet.
    pub contents: Option<&'a Contents>,
    /// The health report JSON, for the summary; `None` in a questions-only packet.
    pub health: Option<&'a [u8]>,
}

/// The result of verifying a bundle.
#[derive(Debug, Default)]
pub struct VerifyReport {
    /// `record.json`, when it could be read (a problem says why not otherwise).
    pub header: Option<RecordHeader>,
    /// The bundle's `allowed_signers`: the keys its entries are checked against (empty if unreadable).
    pub people: AllowedSigners,
    /// Entries that passed every check, in bundle order.
    pub accepted: Vec<Verified>,
    /// Entry files found in `entries/`; the bundle is complete only if all of them were accepted.
    pub entry_files: usize,
    /// Everything that failed, all listed rather than stopping at the first; none means the bundle
    /// verifies.
    pub problems: Vec<Problem>,
    /// Whether the snapshot itself was compared.
    pub snapshot_checked: bool,
    /// Every file of the bundle, with what binds it (or what is wrong with it).
    pub files: Vec<FileCheck>,
    /// Fingerprints of the keys that signed the earlier checkpoints, in file order.
    pub checkpoint_signers: Vec<String>,
}

/// One file of a bundle and how it was checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileCheck {
    /// The file's name in the bundle.
    pub name: String,
    /// Whether the file is bound by a signature and, for a view, matches its rendering from the entries.
    pub ok: bool,
    /// `signed (FILES.sha256)`, `re-derived from the entries: matches`, `hash differs`, …
    pub how: String,
}

/// One key of a record's `allowed_signers`, with what it signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignerRow {
    /// The principal exactly as `allowed_signers` has it.
    pub principal: String,
    /// The principal as it may be shown (escaped when it is not what it looks like).
    pub shown: String,
    /// The person's role word.
    pub role: String,
    /// `SHA256:…` fingerprint of the key.
    pub fingerprint: String,
    /// Entries of the bundle signed with this key (that verified).
    pub entries: usize,
    /// Whether this key signed the checkpoint (and the statement of files).
    pub exporter: bool,
    /// Earlier checkpoints signed with this key.
    pub checkpoints: usize,
    /// What a reader should know: a second key of the principal, a principal that is not valid or that
    /// looks like another.
    pub flags: Vec<String>,
}

impl SignerRow {
    /// Whether this key signed anything in the bundle.
    pub fn signed_anything(&self) -> bool {
        self.entries > 0 || self.exporter || self.checkpoints > 0
    }
}

impl VerifyReport {
    /// Whether the bundle verifies: no problem at all was found.
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }

    /// Every key of the record's people, with its entry count and flags, in `allowed_signers` order.
    pub fn signers(&self) -> Vec<SignerRow> {
        let people = &self.people.people;
        let principals: Vec<&str> = people.iter().map(|p| p.principal.as_str()).collect();
        people
            .iter()
            .map(|p| {
                let mut flags = Vec::new();
                let keys = people.iter().filter(|o| o.principal == p.principal).count();
                if keys > 1 {
                    flags.push(format!("{keys} keys share this principal"));
                }
                if let Err(e) = crate::principal::validate_principal(&p.principal) {
                    flags.push(e.to_string());
                }
                let others = principals.iter().copied().filter(|o| *o != p.principal);
                if let Some(o) = crate::principal::looks_like(&p.principal, others) {
                    flags.push(format!("looks like {}", crate::principal::escape(o)));
                }
                let shown = if flags.iter().any(|f| !f.ends_with("share this principal")) {
                    crate::principal::escape(&p.principal)
                } else {
                    crate::principal::display(&p.principal)
                };
                SignerRow {
                    principal: p.principal.clone(),
                    shown,
                    role: p.role.clone(),
                    fingerprint: p.fingerprint.clone(),
                    entries: self
                        .accepted
                        .iter()
                        .filter(|v| {
                            v.entry.author.fingerprint == p.fingerprint
                                && v.entry.author.principal == p.principal
                        })
                        .count(),
                    exporter: self.header.as_ref().is_some_and(|h| {
                        h.exported_by.fingerprint == p.fingerprint && h.exported_by.principal == p.principal
                    }),
                    checkpoints: self.checkpoint_signers.iter().filter(|f| **f == p.fingerprint).count(),
                    flags,
                }
            })
            .collect()
    }

    /// Compares the record's health.json with `ours`, the health report this Vitrine computes from the
    /// snapshot the record was verified against (`serde_json::to_vec_pretty` of it): a record's report
    /// is its exporter's word until then. Every finding one lists and the other does not is named (by
    /// path, line, column and kind; the first few), and a difference in the counts per kind too. A record without
    /// health.json (a questions-only packet) has nothing to compare.
    pub fn check_health(&mut self, theirs: Option<&[u8]>, ours: &[u8]) {
        let Some(theirs) = theirs else { return };
        let (Ok(t), Ok(o)) = (read_health(theirs), read_health(ours)) else { return };
        // The same rules give the same report: a difference is then the exporter's doing. Other rules
        // (a record exported by another version of Vitrine, or one that names none) find otherwise as
        // a matter of course: the differences are listed for the reader, not judged.
        let rules = |m: &serde_json::Map<String, serde_json::Value>| {
            m.get("rules").and_then(|r| r.as_str()).map(str::to_owned)
        };
        // Every health.json exported since [`HEALTH_RULES_SINCE`] names its rules: one that names none
        // in a record stating a later time (its export, or any entry's signed time, which the exporter
        // cannot move for another signer) dropped them to escape the comparison.
        let since = OffsetDateTime::parse(HEALTH_RULES_SINCE, &Rfc3339).ok();
        let stated = self.header.as_ref().and_then(|h| OffsetDateTime::parse(&h.exported_at, &Rfc3339).ok());
        let latest = self.accepted.iter().filter_map(|v| v.entry.parsed_time().ok()).chain(stated).max();
        let must_name = latest.zip(since).is_some_and(|(l, s)| l >= s);
        let same_rules =
            (rules(&t).is_some() && rules(&t) == rules(&o)) || (rules(&t).is_none() && must_name);
        let how = match health_difference(&t, &o) {
            None => Ok("computed again from the snapshot: identical".to_owned()),
            Some(d) if rules(&t).is_none() && must_name => Err(format!(
                "names no rules, as only a record made before {HEALTH_RULES_SINCE} may, and differs from the health report computed again from the snapshot: {d} (the report.html health table is rendered from it)"
            )),
            Some(d) if same_rules => Err(format!(
                "differs from the health report computed again from the snapshot by the same rules: {d} (the report.html health table is rendered from it)"
            )),
            Some(d) => Ok(format!(
                "the exporter's claim, made by other rules than this Vitrine's ({}): computed again from the snapshot by this Vitrine's rules, it differs: {d}",
                rules(&t).map_or_else(
                    || "it names none".to_owned(),
                    |r| format!("rules {}", r.get(..12).unwrap_or(&r))
                )
            )),
        };
        if let Err(why) = &how {
            self.problems.push(Problem::new(ProblemKind::Snapshot, HEALTH, why.as_str()));
        }
        for f in self.files.iter_mut().filter(|f| f.name == HEALTH) {
            match &how {
                Ok(same) => f.how = f.how.replace(HEALTH_CLAIM, same),
                Err(why) => {
                    f.ok = false;
                    f.how.clone_from(why);
                }
            }
        }
    }

    /// Pins the signers to `trusted` (an `allowed_signers` file from outside the bundle, `label` naming
    /// it): the record's own `allowed_signers` is the exporter's word, so everything it decides is decided
    /// again by `trusted`. Every key that signed anything must be listed there under the same principal
    /// and with the same role; every entry must be allowed there as it is by the record (namespace
    /// `entry@vitrine`, validity at the entry's time, the entry's role); the exporter's key must be
    /// allowed to sign the checkpoint at the export time. Each miss is reported by name and fingerprint,
    /// and the record is not valid.
    pub fn pin_signers(&mut self, trusted: &AllowedSigners, label: &str) {
        let mut problems = Vec::new();
        for row in self.signers() {
            if !row.signed_anything() {
                // Who signed nothing is still one of the record's participants, with the role it
                // shows: a key `trusted` lists must have the role it gives there.
                let roles: std::collections::BTreeSet<&str> =
                    trusted.by_fingerprint(&row.fingerprint).map(|p| p.role.as_str()).collect();
                if !roles.is_empty() && (roles.len() != 1 || !roles.contains(row.role.as_str())) {
                    problems.push(Problem::new(
                        ProblemKind::People,
                        "record.json",
                        format!(
                            "participant {} key {} has the role {} in the record but another in {label}",
                            row.shown, row.fingerprint, row.role
                        ),
                    ));
                }
                continue;
            }
            let lines: Vec<&crate::allowed::Person> =
                trusted.find(&row.principal, &row.fingerprint).collect();
            if lines.is_empty() {
                problems.push(Problem::new(
                    ProblemKind::Signer,
                    format!("signer {}", row.shown),
                    format!("{} ({}) key {} is not in {label}", row.shown, row.role, row.fingerprint),
                ));
                continue;
            }
            // The role the record gives the key must be the one the trusted file gives it (on every line
            // that holds the key, whatever the principal: one key, one role).
            let roles: std::collections::BTreeSet<&str> =
                trusted.by_fingerprint(&row.fingerprint).map(|p| p.role.as_str()).collect();
            if roles.len() != 1 || !roles.contains(row.role.as_str()) {
                let listed: Vec<&str> =
                    roles.into_iter().map(|r| if r.is_empty() { "no role" } else { r }).collect();
                problems.push(Problem::new(
                    ProblemKind::Signer,
                    format!("signer {}", row.shown),
                    format!(
                        "{} key {} has the role {} in the record but {} in {label}",
                        row.shown,
                        row.fingerprint,
                        row.role,
                        listed.join(" and ")
                    ),
                ));
            }
        }
        for v in &self.accepted {
            let e = &v.entry;
            let Ok(time) = e.parsed_time() else { continue };
            let mut lines = trusted.find(&e.author.principal, &e.author.fingerprint).peekable();
            // A key missing from the trusted file is reported once, above.
            if lines.peek().is_none() {
                continue;
            }
            if !lines.any(|p| p.allows_namespace(NS_ENTRY) && p.valid_at(time) && p.role == e.role) {
                problems.push(Problem::new(
                    ProblemKind::Signer,
                    &v.name,
                    format!(
                        "{label} does not let {} ({}) sign entries at {}: namespace, validity or role",
                        crate::principal::escape(&e.author.principal),
                        e.role,
                        e.time
                    ),
                ));
            }
        }
        if let Some(h) = &self.header {
            let by = &h.exported_by;
            let at =
                time::OffsetDateTime::parse(&h.exported_at, &time::format_description::well_known::Rfc3339);
            let mut lines = trusted.find(&by.principal, &by.fingerprint).peekable();
            if lines.peek().is_some()
                && !lines
                    .any(|p| p.allows_namespace(NS_CHECKPOINT) && at.as_ref().is_ok_and(|t| p.valid_at(*t)))
            {
                problems.push(Problem::new(
                    ProblemKind::Signer,
                    "checkpoint",
                    format!(
                        "{label} does not let the exporter {} sign checkpoints at {}: namespace or validity",
                        crate::principal::escape(&by.principal),
                        h.exported_at
                    ),
                ));
            }
        }
        self.problems.extend(problems);
    }
}

/// What an anchor on a symbolic link is, wherever one is made: refused. Vitrine resolves anchors in its
/// manifest, which lists links, but `MANIFEST.sha256` (all a stranger's `verify.sh` has) lists regular
/// files only, so the two verifiers would disagree on the same record; an anchor names a regular file.
pub const ANCHOR_ON_LINK: &str = "is a symbolic link: an anchor names a regular file (MANIFEST.sha256, against which verify.sh checks anchors, lists regular files only)";

/// Why an entry's target does not resolve in the snapshot (`read` gives a file's bytes), or `None` when
/// it does: the file is missing, its blob differs, or the quoted lines are not there.
/// The file is the one whose path is exactly the target's bytes: never another spelling of its name.
pub fn anchor_problem(kind: Kind, t: &Target, read: &dyn Fn(&[u8]) -> Option<Vec<u8>>) -> Option<String> {
    if !matches!(kind, Kind::Annotation | Kind::ReviewMark | Kind::AnchorPort) {
        return None;
    }
    let shown = crate::principal::escape(&t.label());
    let Some(content) = t.path_bytes().and_then(|p| read(&p)) else {
        return Some(format!("anchor: {shown} is not in the snapshot"));
    };
    if blob_id(&content) != t.blob {
        return Some(format!("anchor: blob of {shown} differs"));
    }
    if let (Some([a, b]), Some(q)) = (t.lines, &t.quote)
        && quote_lines(&content, a, b).as_ref() != Some(q)
    {
        return Some(format!("anchor: quote of {shown}:{a}-{b} differs"));
    }
    None
}

/// What `vitrine verify` and `verify.sh` say of a directory of a record other than `entries/` and
/// `checkpoints/`.
pub const NOT_A_RECORD_DIR: &str =
    "a directory where a record has none: a record holds no directories but entries/ and checkpoints/";

/// What `vitrine verify` (and `verify.sh`, in the same words) says of a principal listed with several
/// roles.
pub fn principal_roles_problem(principal: &str, roles: &[String]) -> String {
    let roles: Vec<&str> = roles.iter().map(|r| if r.is_empty() { "(none)" } else { r.as_str() }).collect();
    format!(
        "principal {} is listed with the roles {}: one principal has one role (a second key inherits none of its own)",
        crate::principal::escape(principal),
        roles.join(" and ")
    )
}

/// Verifies a bundle: every entry (signature, shape, chain), the checkpoint (signature, size, root, bound
/// files) and, given the snapshot, its ids, its manifest and every anchor. All problems are collected.
pub fn verify(files: &BundleFiles, snapshot: Option<&SnapshotData<'_>>) -> VerifyReport {
    verify_with_previous(files, snapshot, None)
}

/// [`verify`], and given the snapshot of the version this record continues (`previous`), the record's
/// `continues` ids and where every port entry says its thread pointed (see [`crate::port`]).
///
/// Longer than 120 lines on purpose: the checks run in the order `verify.sh` runs them and the report
/// lists them, each a few lines adding to the one report; the larger ones are functions of their own.
pub fn verify_with_previous(
    files: &BundleFiles,
    snapshot: Option<&SnapshotData<'_>>,
    previous: Option<&SnapshotData<'_>>,
) -> VerifyReport {
    let mut r = VerifyReport::default();
    let header: Option<RecordHeader> = match files.get("record.json") {
        None => {
            r.problems.push(Problem::new(ProblemKind::Missing, "record.json", "missing"));
            None
        }
        Some(b) => match serde_json::from_slice::<RecordHeader>(b) {
            Ok(h) if h.format == "vitrine-record" && (h.v == 1 || h.v == BUNDLE_FORMAT) => Some(h),
            Ok(h) => {
                r.problems.push(Problem::new(
                    ProblemKind::Unreadable,
                    "record.json",
                    format!("unknown format {} v{}", h.format, h.v),
                ));
                None
            }
            Err(e) => {
                r.problems.push(Problem::new(
                    ProblemKind::Unreadable,
                    "record.json",
                    format!("unreadable: {e}"),
                ));
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
            r.problems.push(Problem::new(ProblemKind::Unreadable, "allowed_signers", m));
            AllowedSigners::default()
        }
        None => {
            r.problems.push(Problem::new(ProblemKind::Missing, "allowed_signers", "missing"));
            AllowedSigners::default()
        }
    };
    for (fp, roles) in people.role_conflicts() {
        r.problems.push(Problem::new(
            ProblemKind::People,
            "allowed_signers",
            format!("key {fp} is listed with the roles {}: one key has one role", roles.join(" and ")),
        ));
    }
    for d in files.dirs.iter().filter(|d| !RECORD_DIRS.contains(&d.as_str())) {
        r.problems.push(Problem::new(ProblemKind::Unexpected, d.as_str(), NOT_A_RECORD_DIR));
    }
    for (who, roles) in people.principal_role_conflicts() {
        r.problems.push(Problem::new(
            ProblemKind::People,
            "allowed_signers",
            principal_roles_problem(&who, &roles),
        ));
    }
    if let Some(h) = &header {
        check_header_claims(h, &people, &mut r.problems);
    }
    let snapshot_id = header.as_ref().map(|h| h.snapshot.tree_sha256.clone()).unwrap_or_default();

    // Entries, in file-name order; numbering must run 1..n without gaps.
    let mut raws: Vec<RawEntry> = Vec::new();
    for (name, bytes) in &files.files {
        if let Some(stem) = name.strip_prefix("entries/") {
            if let Some(num) = stem.strip_suffix(".json") {
                let expected = format!("{:06}", raws.len() + 1);
                if num != expected {
                    r.problems.push(Problem::new(ProblemKind::Sequence, name.as_str(), format!("out of sequence: expected entries/{expected}.json here (an entry was deleted or added)")));
                }
                raws.push(RawEntry {
                    name: name.clone(),
                    bytes: bytes.clone(),
                    sig: files.get(&format!("{name}.sig")).map(<[u8]>::to_vec),
                });
            } else if let Some(json) = stem.strip_suffix(".json.sig") {
                if files.get(&format!("entries/{json}.json")).is_none() {
                    r.problems.push(Problem::new(
                        ProblemKind::Unexpected,
                        name.as_str(),
                        "signature without its entry",
                    ));
                }
            } else {
                r.problems.push(Problem::new(
                    ProblemKind::Unexpected,
                    name.as_str(),
                    "unexpected file in entries/",
                ));
            }
        }
    }
    r.entry_files = raws.len();
    // No entry is dated more than the clocks' skew after the record's export or this machine's clock (an
    // entry from the future makes every honest answer to it look backdated), nor is the export itself.
    let exported = header.as_ref().and_then(|h| OffsetDateTime::parse(&h.exported_at, &Rfc3339).ok());
    let clock = crate::verify::NotAfter::this_clock();
    let mut bounds = Vec::new();
    if let Some(at) = exported {
        bounds.push(crate::verify::NotAfter::new(at, "this record's exported_at"));
        if clock.check(at.unix_timestamp(), "").is_err() {
            r.problems.push(Problem::new(
                ProblemKind::Chain,
                "record.json",
                format!(
                    "exported_at {}, more than a day after this machine's clock ({}): dated in the future, or clocks far apart",
                    format_time(at),
                    crate::verify::unix_text(clock.at)
                ),
            ));
        }
    }
    bounds.push(clock);
    let check = check_log_bounded(&raws, &people, &snapshot_id, &bounds);
    r.problems.extend(check.refused.into_iter().map(|(_, p)| p));

    // The checkpoint.
    check_checkpoint(files, header.as_ref(), &people, &raws, &mut r.problems);
    check_earlier_checkpoints(files, header.as_ref(), &people, &raws, &mut r.problems);
    if let Some(h) = &header
        && h.entries as usize != raws.len()
    {
        r.problems.push(Problem::new(
            ProblemKind::Sequence,
            "record.json",
            format!("says {} entries, the bundle has {}", h.entries, raws.len()),
        ));
    }

    // The status policy, over the entries that verified.
    for (i, v) in crate::policy::violations(&check.accepted) {
        if let Some(e) = check.accepted.get(i) {
            r.problems.push(Problem::new(
                ProblemKind::Policy,
                e.name.as_str(),
                format!("status policy: {v}"),
            ));
        }
    }
    // Retired principals sign nothing more; only the reviewing side retires or renames.
    let retirements = crate::people::retirements(&check.accepted);
    for (i, why) in &retirements.violations {
        if let Some(e) = check.accepted.get(*i) {
            r.problems.push(Problem::new(ProblemKind::People, e.name.as_str(), format!("people: {why}")));
        }
    }
    // Nor do they export: the checkpoint and FILES.sha256 are the exporter's signatures, and a record
    // exported under a principal its own log retires is refused, whatever its exported_at says (a key
    // reported lost signs any time it likes). A renamed person exports under the new name.
    if let Some(h) = &header
        && let Some(by) = retirements.retired.get(&h.exported_by.principal)
    {
        r.problems.push(Problem::new(
            ProblemKind::People,
            "record.json",
            retired_exporter(&h.exported_by.principal, by),
        ));
    }

    if let Some(s) = snapshot {
        r.snapshot_checked = true;
        check_snapshot(files, header.as_ref(), &check.accepted, s, &mut r.problems);
    }
    if let Some(p) = previous {
        crate::port::check_previous(
            header.as_ref().and_then(|h| h.continues.as_ref()),
            &check.accepted,
            p,
            &mut r.problems,
        );
    }
    r.checkpoint_signers = files
        .files
        .iter()
        .filter(|(n, _)| n.starts_with("checkpoints/") && n.ends_with(".sig"))
        .filter_map(|(_, sig)| Signature::parse(sig).ok().map(|s| s.fingerprint()))
        .collect();
    r.header = header;
    r.people = people;
    r.accepted = check.accepted;
    // Format 1 binds neither the views nor verify.sh. Every record exported since format 2 binds every
    // file, so a format-1 record holding an entry dated after that (the reviewer's own entries carry
    // the reviewer's clock) was written down to format 1 to carry unbound files.
    if r.header.as_ref().is_some_and(|h| h.v == 1) {
        let since =
            OffsetDateTime::parse(FORMAT_2_SINCE, &time::format_description::well_known::Rfc3339).ok();
        if let Some(late) =
            r.accepted.iter().find(|v| v.entry.parsed_time().ok().zip(since).is_some_and(|(t, s)| t > s))
        {
            r.problems.push(Problem::new(
                ProblemKind::Unreadable,
                "record.json",
                format!(
                    "format 1, but {} is dated {}, after format 2 replaced it ({FORMAT_2_SINCE}): a record written down to format 1, whose views and verify.sh nothing binds",
                    late.name, late.entry.time
                ),
            ));
        }
    }
    r.files = check_files(files, &r, snapshot);
    // Subjects already reported, looked up once per file (a hostile bundle has as many problems as
    // files: a scan per file would be quadratic).
    let reported: std::collections::HashSet<&str> = r.problems.iter().map(|p| p.subject.as_str()).collect();
    let file_problems: Vec<Problem> = r
        .files
        .iter()
        .filter(|f| !f.ok)
        .filter(|f| !reported.contains(f.name.as_str()))
        .map(|f| Problem::new(ProblemKind::File, f.name.as_str(), f.how.as_str()))
        .collect();
    r.problems.extend(file_problems);
    r
}

/// What record.json says that no view re-derives (the views render it from the header): `swhid` is
/// `swh:1:dir:` and the SHA-1 tree id (which the snapshot checks), and `participants` are the
/// principal, role and key of each line of allowed_signers, in its order, as `export` writes them.
/// verify.sh checks the same.
fn check_header_claims(h: &RecordHeader, people: &AllowedSigners, problems: &mut Vec<Problem>) {
    let ids = &h.snapshot;
    if ids.tree_sha1.len() != 40 || !ids.tree_sha1.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        problems.push(Problem::new(
            ProblemKind::Unreadable,
            "record.json",
            "snapshot.tree_sha1 is not a SHA-1 tree id (40 lowercase hex digits)",
        ));
    } else if ids.swhid != format!("swh:1:dir:{}", ids.tree_sha1) {
        problems.push(Problem::new(
            ProblemKind::Snapshot,
            "record.json",
            format!(
                "snapshot.swhid {} is not swh:1:dir: and the record's SHA-1 tree id {}: it names another directory",
                crate::principal::escape(&ids.swhid),
                ids.tree_sha1
            ),
        ));
    }
    let listed = h.participants.iter().map(|p| (&p.principal, &p.role, &p.fingerprint));
    let signers = people.people.iter().map(|p| (&p.principal, &p.role, &p.fingerprint));
    if !listed.eq(signers) {
        problems.push(Problem::new(
            ProblemKind::People,
            "record.json",
            "participants are not allowed_signers' people (the principal, role and key of each line, in its order): the record lists its people otherwise than the file that decides who signed",
        ));
    }
}

/// What binds each file: the checkpoint (entries through the Merkle root, the files on its extension
/// lines), the statement of files (format 2), and for the views, their rendering from the entries.
fn check_files(files: &BundleFiles, r: &VerifyReport, snapshot: Option<&SnapshotData<'_>>) -> Vec<FileCheck> {
    let format = r.header.as_ref().map_or(0, |h| h.v);
    let mut out = Vec::new();
    let statement = if format >= 2 { Some(check_statement(files, r)) } else { None };
    // Every file hashed in parallel (a record of 100,000 entries has 200,000 files).
    let hashes: HashMap<&str, String> = match &statement {
        Some(Ok(_)) => files.files.par_iter().map(|(n, b)| (n.as_str(), sha256_hex(b))).collect(),
        _ => HashMap::new(),
    };
    // The views say what the entries say, whatever the format: rendered again and compared.
    let mut views = rederive_views(files, r, snapshot);
    if let Some(b) = files.get(HEALTH) {
        views.push((HEALTH.to_owned(), read_health(b).map(|_| HEALTH_CLAIM.to_owned())));
    }
    let view = |name: &str| views.iter().find(|(n, _)| n == name).map(|(_, v)| v);
    for name in files.files.keys() {
        let check = |ok: bool, how: String| FileCheck { name: name.clone(), ok, how };
        if !is_record_file(name) {
            out.push(check(false, NOT_A_RECORD_FILE.into()));
            continue;
        }
        // A verify.sh or VERIFY.md that no Vitrine wrote is never good, whoever signed it: the stock
        // procedure would have a stranger run it.
        let script = crate::scripts::written(name, files.get(name).unwrap_or_default());
        let script_problem = (script == Some(crate::scripts::Written::Unknown)).then(|| {
            format!("no version of Vitrine wrote this {name}: do not run or follow it (VERIFY.md: take verify.sh from Vitrine)")
        });
        let script_note = match script {
            Some(crate::scripts::Written::Earlier) => "; Vitrine's, of an earlier version",
            _ => "",
        };
        let item = match &statement {
            // Format 1 binds the entries and the checkpoint's files; nothing else may be taken on trust.
            None => {
                let bound = name.starts_with("entries/")
                    || name.starts_with("checkpoint")
                    || matches!(
                        name.as_str(),
                        "record.json" | "allowed_signers" | "MANIFEST.sha256" | "health.json"
                    );
                match (bound, view(name), script_problem) {
                    (true, Some(Err(why)), _) => check(false, why.clone()),
                    (true, _, _) => check(true, "bound by the checkpoint".into()),
                    (false, Some(Ok(how)), _) => check(true, format!("not bound (format 1); {how}")),
                    // A view of an earlier renderer: honest records of format 1 were exported before
                    // format 2 (a record written down to format 1 since is refused: `FORMAT_2_SINCE`).
                    (false, Some(Err(_)), _) => check(
                        true,
                        "not bound (format 1), and not what this version renders: do not rely on it".into(),
                    ),
                    (false, None, Some(why)) => check(false, format!("not bound (format 1), and {why}")),
                    (false, None, None) if script.is_some() => {
                        check(true, format!("not bound (format 1), but Vitrine's own{script_note}"))
                    }
                    (false, None, None) => {
                        check(false, "not bound (format 1): nothing vouches for it".into())
                    }
                }
            }
            Some(Err(e)) if e.text_at_fault && name == FILES_STATEMENT_SIG => check(
                true,
                format!("a signature of the exporter ({NS_BUNDLE}) over a {FILES_STATEMENT} that is refused"),
            ),
            Some(Err(e)) if name == FILES_STATEMENT || name == FILES_STATEMENT_SIG => {
                check(false, e.why.clone())
            }
            Some(Err(_)) => check(false, format!("not bound: {FILES_STATEMENT} does not verify")),
            Some(Ok(_)) if name == FILES_STATEMENT || name == FILES_STATEMENT_SIG => {
                check(true, format!("signed by the exporter ({NS_BUNDLE})"))
            }
            Some(Ok(listed)) => match listed.get(name.as_str()) {
                None => check(false, format!("not listed in {FILES_STATEMENT}")),
                Some(want) if hashes.get(name.as_str()) != Some(want) => {
                    check(false, format!("does not match its hash in the signed {FILES_STATEMENT}"))
                }
                Some(_) => match (view(name), script_problem) {
                    (Some(Err(why)), _) => check(false, why.clone()),
                    (Some(Ok(how)), _) => check(true, format!("signed ({FILES_STATEMENT}); {how}")),
                    (None, Some(why)) => check(false, format!("signed ({FILES_STATEMENT}), but {why}")),
                    (None, None) => check(true, format!("signed ({FILES_STATEMENT}){script_note}")),
                },
            },
        };
        out.push(item);
    }
    if let Some(Ok(listed)) = &statement {
        for name in listed.keys().filter(|n| files.get(n).is_none()) {
            out.push(FileCheck {
                name: (*name).to_owned(),
                ok: false,
                how: format!("missing, but {FILES_STATEMENT} lists it"),
            });
        }
    }
    if format >= 2 && files.get(FILES_STATEMENT).is_none() {
        out.push(FileCheck {
            name: FILES_STATEMENT.into(),
            ok: false,
            how: "missing (format 2 binds every file)".into(),
        });
    }
    out
}

/// Checks the signature of `FILES.sha256` (by the exporter, in `bundle@vitrine`, valid at the export
/// time) and reads it: file name to hash.
fn check_statement<'a>(
    files: &'a BundleFiles,
    r: &VerifyReport,
) -> Result<BTreeMap<&'a str, String>, StatementRefused> {
    let signature = |why: String| StatementRefused { text_at_fault: false, why };
    let text = files
        .get(FILES_STATEMENT)
        .ok_or_else(|| signature("missing (format 2 binds every file)".to_owned()))?;
    let sig =
        files.get(FILES_STATEMENT_SIG).ok_or_else(|| signature(format!("{FILES_STATEMENT_SIG} missing")))?;
    let h = r.header.as_ref().ok_or_else(|| signature("cannot tell who exported the record".to_owned()))?;
    check_signed_by_exporter(sig, text, h, &r.people, NS_BUNDLE)
        .map_err(|m| signature(format!("{FILES_STATEMENT_SIG}: {m}")))?;
    read_statement(text).map_err(|why| StatementRefused { text_at_fault: true, why })
}

/// Why `FILES.sha256` binds nothing: its signature (or who signed it), or its own text, which the
/// signature verifies but which is not a statement as Vitrine writes it (then the message names
/// `FILES.sha256`, not its signature).
struct StatementRefused {
    text_at_fault: bool,
    why: String,
}

/// Reads a signed `FILES.sha256`: `SHA256  NAME` lines, each name once, each line ending in a newline.
fn read_statement(text: &[u8]) -> Result<BTreeMap<&str, String>, String> {
    let text = std::str::from_utf8(text).map_err(|_| "not UTF-8".to_owned())?;
    let mut listed = BTreeMap::new();
    for (i, line) in text.split_terminator('\n').enumerate() {
        let bad = || format!("line {} is not `SHA256  NAME`", i + 1);
        let (hash, name) = line.split_once("  ").ok_or_else(bad)?;
        if !crate::entry::is_hex64(hash)
            || name.is_empty()
            || name == FILES_STATEMENT
            || name == FILES_STATEMENT_SIG
        {
            return Err(bad());
        }
        if listed.insert(name, hash.to_owned()).is_some() {
            return Err(format!("lists {name} twice"));
        }
    }
    if !text.ends_with('\n') && !text.is_empty() {
        return Err("does not end with a newline".into());
    }
    Ok(listed)
}

/// Renders the views again from the verified entries and compares them with the bundle's, byte for byte.
/// The quoted source (snippets, and the artifacts' content hashes) is read from the snapshot when it is
/// given (a questions-only packet has none); otherwise only the snapshot could confirm it, so the log is
/// rendered with the bundle's own snippets and hashes in their places, and the report is compared without
/// its `<pre>` blocks: everything else must be what the entries say.
fn rederive_views(
    files: &BundleFiles,
    r: &VerifyReport,
    snapshot: Option<&SnapshotData<'_>>,
) -> Vec<(String, Result<String, String>)> {
    let names = ["results.sarif", "report.html"];
    let Some(h) = r.header.as_ref() else { return Vec::new() };
    if r.accepted.len() != r.entry_files {
        let why = "not re-derived: not every entry verified".to_owned();
        return names.iter().map(|n| ((*n).to_owned(), Ok(why.clone()))).collect();
    }
    let contents = match (h.questions_only, snapshot) {
        (false, Some(s)) => Some(view_contents(&r.accepted, s.read)),
        _ => None,
    };
    let exact = h.questions_only || snapshot.is_some();
    let view = ViewInput {
        header: h,
        entries: &r.accepted,
        contents: contents.as_ref(),
        health: if h.questions_only { None } else { files.get("health.json") },
    };
    let theirs_sarif = files.get("results.sarif").unwrap_or_default();
    let theirs_html = files.get("report.html").unwrap_or_default();
    let claims = if exact { None } else { crate::sarif::SourceClaims::of(theirs_sarif) };
    let sarif_as = |text| match (exact, &claims) {
        (false, None) => Ok(false),
        (_, claims) => crate::sarif::render_as(&view, claims.as_ref(), text).map(|ours| ours == theirs_sarif),
    };
    let sarif_same = sarif_as(crate::sarif::Text::ESCAPED);
    // An earlier renderer is granted only to a record written before its replacement: exported before it
    // and holding nothing dated since (every entry, every checkpoint carried), as `FORMAT_2_SINCE` is
    // judged. `exported_at` alone is the exporter's word, and may be up to the clocks' skew before the
    // newest entry.
    let latest = latest_time(files, h, &r.accepted);
    let exported_before = |since: &str| {
        latest
            .zip(OffsetDateTime::parse(since, &time::format_description::well_known::Rfc3339).ok())
            .is_some_and(|(at, since)| at < since)
    };
    // A log exported before its artifact URIs were percent-encoded says the same with the URIs as written.
    let sarif_uris_as_written = matches!(sarif_same, Ok(false))
        && exported_before(crate::sarif::SARIF_URIS_ENCODED_SINCE)
        && matches!(sarif_as(crate::sarif::Text::URIS_AS_WRITTEN), Ok(true));
    // A log exported before its text was escaped says the same with the text (and URIs) as written.
    let sarif_as_written = matches!(sarif_same, Ok(false))
        && !sarif_uris_as_written
        && exported_before(crate::sarif::SARIF_ESCAPED_SINCE)
        && matches!(sarif_as(crate::sarif::Text::AS_WRITTEN), Ok(true));
    let ours_html = crate::report::render(&view, REPORT_VERIFICATION).into_bytes();
    let html_same =
        if exact { ours_html == theirs_html } else { same_but_for_snippets(&ours_html, theirs_html) };
    // Its health table is rendered from health.json: a health.json that is refused is named (by
    // `check_files`), not the report rendered from it.
    let health_refused = view.health.is_some_and(|b| read_health(b).is_err());

    let verdict = |same: Result<bool, RecordError>| {
        match same {
        Ok(true) if exact => Ok("re-derived from the entries: identical".to_owned()),
        Ok(true) => Ok("re-derived from the entries: identical but for the quoted source (give --snapshot to compare it too)".to_owned()),
        Ok(false) => Err("says something the entries do not: it differs from the view rendered from the verified entries".to_owned()),
        Err(e) => Err(format!("cannot render: {e}")),
    }
    };
    let sarif = sarif_verdict(sarif_same, sarif_uris_as_written, sarif_as_written, &verdict);
    let html = if !html_same && health_refused {
        Ok("not re-derived: its health table is rendered from health.json, which is refused".to_owned())
    } else {
        verdict(Ok(html_same))
    };
    vec![(names[0].to_owned(), sarif), (names[1].to_owned(), html)]
}

/// What is said of results.sarif: the rendering it matched, if an earlier one, or `verdict` of this one.
fn sarif_verdict(
    same: Result<bool, RecordError>,
    uris_as_written: bool,
    as_written: bool,
    verdict: &dyn Fn(Result<bool, RecordError>) -> Result<String, String>,
) -> Result<String, String> {
    if uris_as_written {
        Ok(format!(
            "re-derived from the entries: identical as an earlier Vitrine wrote it, before {}, with its artifact URIs as written: a SARIF viewer may read a file name as URI syntax (%XX, a scheme, ?, #) and show a result on another file",
            crate::sarif::SARIF_URIS_ENCODED_SINCE
        ))
    } else if as_written {
        Ok(format!(
            "re-derived from the entries: identical as an earlier Vitrine wrote it, before {}, with the text as written: do not open it in a SARIF viewer (a message may hold links, placeholders or characters that reorder it)",
            crate::sarif::SARIF_ESCAPED_SINCE
        ))
    } else {
        verdict(same)
    }
}

/// How health report `theirs` differs from `ours`: the findings each lists that the other does not
/// (by path, line, column and kind), then whether the counts per kind differ; `None` when neither does.
/// A finding's `detail` sentence and the file classes are not compared: their wording and rules are
/// the renderer's and change between versions, where what was found, and where, does not (an honest
/// record of an earlier version must still verify).
fn health_difference(
    theirs: &serde_json::Map<String, serde_json::Value>,
    ours: &serde_json::Map<String, serde_json::Value>,
) -> Option<String> {
    let keys = |m: &serde_json::Map<String, serde_json::Value>| -> Vec<String> {
        let list = m.get("findings").and_then(|f| f.as_array()).cloned().unwrap_or_default();
        let mut out: Vec<String> = list
            .iter()
            .map(|f| {
                let text = |k: &str| f.get(k).and_then(|v| v.as_str()).unwrap_or("?").to_owned();
                let num = |k: &str| f.get(k).and_then(serde_json::Value::as_u64).map(|n| format!(":{n}"));
                format!(
                    "{}{}{} {}",
                    crate::principal::escape(&text("path")),
                    num("line").unwrap_or_default(),
                    num("column").unwrap_or_default(),
                    crate::principal::escape(&text("kind"))
                )
            })
            .collect();
        out.sort();
        out
    };
    let (t, o) = (keys(theirs), keys(ours));
    let only = |a: &[String], b: &[String]| -> Vec<String> {
        let mut b = b.to_vec();
        a.iter()
            .filter(|x| match b.iter().position(|y| y == *x) {
                Some(i) => {
                    b.swap_remove(i);
                    false
                }
                None => true,
            })
            .cloned()
            .collect()
    };
    let (missing, extra) = (only(&o, &t), only(&t, &o));
    let list = |v: &[String]| {
        format!("{}{}", v[..v.len().min(5)].join(", "), if v.len() > 5 { ", ..." } else { "" })
    };
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!("{} missing ({})", missing.len(), list(&missing)));
    }
    if !extra.is_empty() {
        parts.push(format!("{} extra ({})", extra.len(), list(&extra)));
    }
    if parts.is_empty() && theirs.get("counts") != ours.get("counts") {
        parts.push("the same findings, but other counts per kind".to_owned());
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// The name of the snapshot health report in a record.
const HEALTH: &str = "health.json";

/// Since when every exported health.json names the rules it was made by (`rules`): a record stating a
/// later time whose health.json names none is judged as if made by this Vitrine's rules.
pub const HEALTH_RULES_SINCE: &str = "2026-12-08T04:30:00Z";

/// What `vitrine verify` says of a health.json it has not computed again (no snapshot given).
const HEALTH_CLAIM: &str = "the exporter's report of the snapshot's health, not checked against the snapshot (give --snapshot to compute it again)";

/// A record's health.json: one JSON object (as `jq -s -e 'length == 1 and (.[0] | type == "object")'`
/// reads it in verify.sh).
fn read_health(bytes: &[u8]) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("not one JSON object: {e}"))
}

/// The latest time a record states: its `exported_at`, every accepted entry's signed time and the
/// `exported` line of every checkpoint it carries; `None` when one of them cannot be read (then no
/// earlier renderer is granted).
fn latest_time(files: &BundleFiles, h: &RecordHeader, accepted: &[Verified]) -> Option<OffsetDateTime> {
    let mut latest = OffsetDateTime::parse(&h.exported_at, &Rfc3339).ok()?;
    for v in accepted {
        latest = latest.max(v.entry.parsed_time().ok()?);
    }
    let carried = files.files.iter().filter(|(n, _)| n.starts_with("checkpoints/") && !n.ends_with(".sig"));
    for (_, text) in carried {
        let cp = Checkpoint::parse(text).ok()?;
        let at = cp.extension("exported")?;
        latest = latest.max(OffsetDateTime::parse(at, &Rfc3339).ok()?);
    }
    Some(latest)
}

/// Whether `theirs` is the report `ours` (rendered without the snapshot, so with no quoted source) with
/// at most one `<pre>` block of quoted source at each place a thread's quote goes (between the meta line
/// and the body), each holding escaped text only, as the renderer writes it. A block anywhere else, or
/// one holding markup (a stylesheet, a script, a `</pre>` that ends it early), makes them differ.
fn same_but_for_snippets(ours: &[u8], theirs: &[u8]) -> bool {
    const SLOT: &[u8] = b"</p>\n<div class=\"body\">";
    const META_END: usize = 5; // `</p>\n`: the quote comes after it.
    let mut rest = theirs;
    let mut from = 0;
    let mut slots = Vec::new();
    while let Some(k) = find(ours.get(from..).unwrap_or_default(), SLOT) {
        slots.push(from + k + META_END);
        from += k + SLOT.len();
    }
    let mut start = 0;
    for at in slots.into_iter().chain(std::iter::once(ours.len())) {
        let Some(segment) = ours.get(start..at) else { return false };
        let Some(after) = rest.strip_prefix(segment) else { return false };
        rest = after;
        start = at;
        if at == ours.len() {
            break;
        }
        if let Some(block) = rest.strip_prefix(b"<pre>".as_slice()) {
            let Some(end) = find(block, b"</pre>\n") else { return false };
            let text = block.get(..end).unwrap_or_default();
            if !is_escaped_text(text) {
                return false;
            }
            rest = block.get(end + 7..).unwrap_or_default();
        }
    }
    rest.is_empty()
}

/// Whether `html` is exactly what [`crate::report::esc`] writes for some text: entities for `& < > " '`,
/// a marked code point for a hidden character, no other markup.
fn is_escaped_text(html: &[u8]) -> bool {
    let Ok(html) = std::str::from_utf8(html) else { return false };
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        let entity = [("&amp;", '&'), ("&lt;", '<'), ("&gt;", '>'), ("&quot;", '"'), ("&#39;", '\'')]
            .into_iter()
            .find(|(e, _)| rest.starts_with(e));
        if let Some((e, ch)) = entity {
            text.push(ch);
            rest = &rest[e.len()..];
        } else if let Some(mark) = rest.strip_prefix("<span class=\"mark\">&lt;U+") {
            let Some((hex, after)) = mark.split_once("&gt;</span>") else { return false };
            let Some(ch) = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) else { return false };
            text.push(ch);
            rest = after;
        } else if matches!(c, '&' | '<' | '>') {
            return false;
        } else {
            text.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    crate::report::esc(&text) == html
}

/// The first position of `needle` in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut at = 0;
    while let Some(i) = hay.get(at..)?.iter().position(|&b| b == first) {
        let start = at + i;
        if hay.get(start..)?.starts_with(needle) {
            return Some(start);
        }
        at = start + 1;
    }
    None
}

fn check_checkpoint(
    files: &BundleFiles,
    header: Option<&RecordHeader>,
    people: &AllowedSigners,
    raws: &[RawEntry],
    problems: &mut Vec<Problem>,
) {
    let Some(text) = files.get("checkpoint") else {
        problems.push(Problem::new(ProblemKind::Missing, "checkpoint", "missing"));
        return;
    };
    let cp = match Checkpoint::parse(text) {
        Ok(c) => c,
        Err(e) => {
            problems.push(Problem::new(ProblemKind::Unreadable, "checkpoint", e.to_string()));
            return;
        }
    };
    match (files.get("checkpoint.sig"), header) {
        (None, _) => problems.push(Problem::new(ProblemKind::Missing, "checkpoint.sig", "missing")),
        (Some(_), None) => problems.push(Problem::new(
            ProblemKind::Signature,
            "checkpoint.sig",
            "cannot tell who exported the record (record.json unreadable)",
        )),
        (Some(sig), Some(h)) => {
            if let Err(m) = check_checkpoint_sig(sig, text, h, people) {
                problems.push(Problem::new(ProblemKind::Signature, "checkpoint.sig", m));
            }
        }
    }
    if let Some(h) = header
        && cp.origin != origin(&h.snapshot.tree_sha256)
    {
        problems.push(Problem::new(
            ProblemKind::Checkpoint,
            "checkpoint",
            format!("origin {} is not this record's snapshot", cp.origin),
        ));
    }
    if cp.size != raws.len() as u64 {
        problems.push(Problem::new(
            ProblemKind::Checkpoint,
            "checkpoint",
            format!("covers {} entries, the bundle has {}", cp.size, raws.len()),
        ));
    }
    let root = merkle::root(&raws.iter().map(|r| r.bytes.as_slice()).collect::<Vec<_>>());
    if root != cp.root {
        problems.push(Problem::new(
            ProblemKind::Checkpoint,
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
                    problems.push(Problem::new(
                        ProblemKind::Checkpoint,
                        file,
                        "does not match the hash in the signed checkpoint",
                    ));
                }
            }
            (Some(_), None) => problems.push(Problem::new(
                ProblemKind::Missing,
                file,
                "missing, but the checkpoint lists it",
            )),
            (None, Some(_)) => {
                problems.push(Problem::new(ProblemKind::Unexpected, file, "not covered by the checkpoint"))
            }
            (None, None) if required => {
                problems.push(Problem::new(ProblemKind::Checkpoint, "checkpoint", format!("no {ext} line")))
            }
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
    let mut times: Option<Vec<Option<OffsetDateTime>>> = None;
    for (name, text) in files.files.iter().filter(|(n, _)| n.starts_with("checkpoints/")) {
        // Vitrine writes checkpoints/NNNNNN and its .sig only (as verify.sh reads them).
        let stem = &name["checkpoints/".len()..];
        let number = stem.strip_suffix(".sig").unwrap_or(stem);
        if number.len() != 6 || !number.bytes().all(|b| b.is_ascii_digit()) {
            problems.push(Problem::new(
                ProblemKind::Unexpected,
                name.as_str(),
                "unexpected file in checkpoints/",
            ));
            continue;
        }
        if name.ends_with(".sig") {
            if files.get(name.trim_end_matches(".sig")).is_none() {
                problems.push(Problem::new(
                    ProblemKind::Unexpected,
                    name.as_str(),
                    "signature without its checkpoint",
                ));
            }
            continue;
        }
        let cp = match Checkpoint::parse(text) {
            Ok(c) => c,
            Err(e) => {
                problems.push(Problem::new(ProblemKind::Unreadable, name.as_str(), e.to_string()));
                continue;
            }
        };
        if let Some(h) = header
            && cp.origin != origin(&h.snapshot.tree_sha256)
        {
            problems.push(Problem::new(
                ProblemKind::Checkpoint,
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
        let signed = match signed {
            Ok(()) => true,
            Err(m) => {
                problems.push(Problem::new(ProblemKind::Signature, name.as_str(), format!("signature: {m}")));
                false
            }
        };
        if !merkle::is_consistent(cp.size, &cp.root, &leaves) {
            problems.push(Problem::new(
                ProblemKind::Checkpoint,
                name.as_str(),
                format!("this log does not extend it: the root of the first {} entries differs", cp.size),
            ));
        } else if signed && let Some(at) = at {
            // What was appended after a checkpoint was signed after it: an entry dated before it was
            // backdated (past a key's validity, say).
            // Each entry's time is read once for all the checkpoints (a record may carry many).
            let times = times.get_or_insert_with(|| {
                raws.par_iter()
                    .map(|r| crate::entry::Entry::from_bytes(&r.bytes).and_then(|e| e.parsed_time()).ok())
                    .collect::<Vec<_>>()
            });
            let from = usize::try_from(cp.size).unwrap_or(usize::MAX);
            // What a checkpoint covers was written before it was signed: an entry dated more than the
            // skew after it was dated in the future.
            let bound = crate::verify::NotAfter::new(at, format!("the export of {name}, which covers it"));
            for (raw, t) in raws.iter().zip(times.iter()).take(from) {
                let Some(t) = *t else { continue };
                if let Err(why) = bound.check(t.unix_timestamp(), &format_time(t)) {
                    problems.push(Problem::new(ProblemKind::Chain, raw.name.as_str(), why.to_string()));
                }
            }
            let after = raws.iter().zip(times.iter()).skip(from);
            for (raw, t) in after {
                let Some(t) = *t else { continue };
                if t.unix_timestamp() < at.unix_timestamp() - crate::verify::MAX_CLOCK_SKEW_SECONDS {
                    problems.push(Problem::new(
                        ProblemKind::Chain,
                        raw.name.as_str(),
                        format!(
                            "dated {}, before {name} (exported {}), which it follows in the log: backdated, or clocks far apart",
                            format_time(t),
                            format_time(at)
                        ),
                    ));
                }
            }
        }
    }
}

fn check_checkpoint_sig(
    sig: &[u8],
    text: &[u8],
    h: &RecordHeader,
    people: &AllowedSigners,
) -> Result<(), String> {
    check_signed_by_exporter(sig, text, h, people, NS_CHECKPOINT)
}

/// Checks that `sig` is the exporter's signature of `text` in `namespace`, made with the key
/// `record.json` names, allowed that namespace and valid at the export time.
fn check_signed_by_exporter(
    sig: &[u8],
    text: &[u8],
    h: &RecordHeader,
    people: &AllowedSigners,
    namespace: &str,
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
        if !p.allows_namespace(namespace) {
            why = format!("allowed_signers does not allow {} to sign {namespace}", p.principal);
        } else if !p.valid_at(at) {
            why = format!("the key of {} is not valid at the export time {}", p.principal, h.exported_at);
        } else {
            return sig.verify_with(&p.key, &p.verifying_key, namespace, text).map_err(|e| e.to_string());
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
                ProblemKind::Snapshot,
                "record.json",
                format!(
                    "is a record of snapshot {}, the snapshot given is {}",
                    h.snapshot.tree_sha256, s.tree_sha256
                ),
            ));
            return;
        }
        if h.snapshot.tree_sha1 != s.tree_sha1 {
            problems.push(Problem::new(
                ProblemKind::Snapshot,
                "record.json",
                "SHA-1 tree id differs from the snapshot's",
            ));
        }
    }
    match files.get("MANIFEST.sha256") {
        Some(m) if m != s.manifest.as_slice() => problems.push(Problem::new(
            ProblemKind::Snapshot,
            "MANIFEST.sha256",
            "differs from the snapshot's manifest",
        )),
        _ => {}
    }
    for v in accepted {
        let Some(t) = &v.entry.target else { continue };
        if let Some(m) = anchor_problem(v.entry.kind, t, s.read) {
            problems.push(Problem::new(ProblemKind::Anchor, v.name.as_str(), m));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One ustar header block: `name`, type `flag`, `size` bytes of data.
    fn header(name: &str, flag: u8, size: usize) -> Vec<u8> {
        let mut h = vec![0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..107].copy_from_slice(if flag == b'5' { b"0000755" } else { b"0000644" });
        h[108..115].copy_from_slice(b"0000000");
        h[116..123].copy_from_slice(b"0000000");
        h[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
        h[136..147].copy_from_slice(b"00000000000");
        h[156] = flag;
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        h
    }

    /// A link header named `name` to `target`.
    fn link(name: &str, flag: u8, target: &str) -> Vec<u8> {
        let mut h = header(name, flag, 0);
        h[157..157 + target.len()].copy_from_slice(target.as_bytes());
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        h
    }

    /// A member: its header (of size `size`, which may lie) and `data` padded to whole blocks.
    fn member(name: &str, flag: u8, size: usize, data: &[u8]) -> Vec<u8> {
        let mut m = header(name, flag, size);
        m.extend_from_slice(data);
        m.resize(m.len().next_multiple_of(512), 0);
        m
    }

    /// A pax header whose data is `records`, raw.
    fn pax(records: &[u8]) -> Vec<u8> {
        member("PaxHeaders/x", b'x', records.len(), records)
    }

    fn read_bytes(tar: &[u8]) -> Result<BundleFiles, RecordError> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.vitrine");
        std::fs::write(&p, tar).unwrap();
        BundleFiles::read(&p)
    }

    fn end(mut tar: Vec<u8>) -> Vec<u8> {
        tar.extend_from_slice(&[0u8; 1024]);
        tar
    }

    /// What Vitrine writes reads back unchanged; every layout on which tar readers (the `tar` crate,
    /// GNU tar, bsdtar, Python's `tarfile`) could see other files, or that Vitrine never writes, is
    /// refused with the member named.
    #[test]
    fn a_bundle_is_read_as_every_tar_reads_it_or_refused() {
        let mut honest = BundleFiles::default();
        honest.files.insert("record.json".into(), b"{}".to_vec());
        honest.files.insert("entries/000001.json".into(), b"{\"a\":1}".to_vec());
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ok.vitrine");
        honest.write(&p, 1_790_000_000).unwrap();
        let back = BundleFiles::read(&p).unwrap();
        assert_eq!(back.files, honest.files);
        assert_eq!(back.dirs.iter().collect::<Vec<_>>(), ["entries"]);
        let ok =
            end([member("entries/", b'5', 0, b""), member("entries/000001.json", b'0', 2, b"{}")].concat());
        assert!(read_bytes(&ok).is_ok());

        let file = member("record.json", b'0', 2, b"{}");
        let hostile: Vec<(&str, Vec<u8>, &str)> = vec![
            // A directory whose size covers the next member: the `tar` crate skips it, GNU tar reads it.
            ("dir size", end([member("checkpoints/", b'5', 512, &[]), file.clone()].concat()), "checkpoints"),
            // A pax value with a newline (the `tar` crate splits records at newlines), then `size`.
            (
                "pax newline",
                end([
                    pax(b"21 comment=a\nsize=0\n\n12 size=512\n"),
                    member("record.json", b'0', 0, &[0; 512]),
                ]
                .concat()),
                "extension header",
            ),
            // Two `path` records (the `tar` crate takes the first, GNU tar the last).
            (
                "two paths",
                end([pax(b"15 path=a.json\n15 path=b.json\n"), file.clone()].concat()),
                "given twice",
            ),
            // Even one well-formed pax record: Vitrine writes none.
            ("one pax", end([pax(b"20 path=record.json\n"), file.clone()].concat()), "extension header"),
            (
                "long name",
                end([member("././@LongLink", b'L', 12, b"record.json\0"), file.clone()].concat()),
                "extension header",
            ),
            (
                "symlink",
                end([file.clone(), link("VERIFY.md", b'2', "record.json")].concat()),
                "only regular files",
            ),
            (
                "hard link",
                end([file.clone(), link("VERIFY.md", b'1', "record.json")].concat()),
                "only regular files",
            ),
            ("twice", end([file.clone(), file.clone()].concat()), "appears twice"),
            // Two names one file on a disk that ignores case: the later replaces the earlier there.
            (
                "case variant",
                end([member("report.html", b'0', 2, b"ok"), member("Report.html", b'0', 2, b"no")].concat()),
                "appears twice on a disk that ignores case, as report.html and Report.html",
            ),
            (
                "case variant of a directory",
                end([member("entries/", b'5', 0, b""), member("Entries/", b'5', 0, b"")].concat()),
                "ignores case",
            ),
            (
                "file and dir",
                end([file.clone(), member("record.json/", b'5', 0, b"")].concat()),
                "appears twice",
            ),
            ("after end", [end(file.clone()), file.clone()].concat(), "after the end-of-archive marker"),
            ("no end", file.clone(), "truncated"),
            ("dotdot", end(member("../x", b'0', 2, b"{}")), "unsafe"),
        ];
        for (what, tar, says) in hostile {
            let e = read_bytes(&tar).expect_err(what).to_string();
            assert!(e.contains(says), "{what}: {e}");
        }
    }

    const OURS: &[u8] = b"<h2>Threads</h2>\n<div class=\"thread\"><p class=\"meta\">a</p>\n<div class=\"body\"><p>x</p>\n</div>\n<div class=\"thread\"><p class=\"meta\">b</p>\n<div class=\"body\"><p>y</p>\n</div>\n";

    fn with_blocks(first: &str, second: &str) -> Vec<u8> {
        String::from_utf8_lossy(OURS)
            .replacen("a</p>\n", &format!("a</p>\n{first}"), 1)
            .replacen("b</p>\n", &format!("b</p>\n{second}"), 1)
            .into_bytes()
    }

    /// Without the snapshot a report may hold quoted source only where quotes go, and only as escaped
    /// text: markup hidden in a block, a block elsewhere, or a block that ends early are all caught.
    #[test]
    fn a_report_differs_but_for_its_quoted_source_only_by_escaped_blocks_where_quotes_go() {
        assert!(same_but_for_snippets(OURS, OURS));
        let quote = format!("<pre>{}</pre>\n", crate::report::esc("if (a < b && c) { \"x\" }\u{202E}\n"));
        assert!(quote.contains("<span class=\"mark\">"), "{quote}");
        assert!(same_but_for_snippets(OURS, &with_blocks(&quote, "")));
        assert!(same_but_for_snippets(OURS, &with_blocks(&quote, &quote)));
        for hostile in [
            "<pre><style>.thread{display:none}</style></pre>\n",
            "<pre>x</pre><script>alert(1)</script></pre>\n",
            "<pre>a \" b</pre>\n",
            "<pre>&amp</pre>\n",
            "<pre><span class=\"mark\">&lt;U+110000&gt;</span></pre>\n",
            "<pre>unterminated",
        ] {
            assert!(!same_but_for_snippets(OURS, &with_blocks(hostile, "")), "{hostile}");
        }
        // A block where no quote goes (after the body), or two blocks at one place.
        let elsewhere =
            String::from_utf8_lossy(OURS).replacen("<p>x</p>\n", &format!("<p>x</p>\n{quote}"), 1);
        assert!(!same_but_for_snippets(OURS, elsewhere.as_bytes()));
        assert!(!same_but_for_snippets(OURS, &with_blocks(&format!("{quote}{quote}"), "")));
        // Anything else that differs.
        assert!(!same_but_for_snippets(OURS, &with_blocks("", "x")));
        assert!(!same_but_for_snippets(OURS, &OURS[..OURS.len() - 1]));
    }
}
