//! Export, import and verification of review records from the window. Each runs on a background
//! thread (a large review takes seconds to sign and verify) and ends in a [`RecordOutcome`] that the
//! record tab shows entry by entry.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use vitrine_record::bundle::{self, BundleFiles, ExportConfig, SnapshotData};
use vitrine_record::{Problem, Review, Signer, VerifyReport};
use vitrine_snapshot::progress::Progress;
use vitrine_snapshot::{IngestConfig, Snapshot};

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordAction {
    Export { path: PathBuf, questions_only: bool },
    Import { path: PathBuf },
    Verify { path: PathBuf },
}

/// One entry of a verified bundle, for the per-entry view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRow {
    pub seq: u64,
    pub kind: String,
    pub author: String,
    pub id: String,
}

/// The verification of a bundle, as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub path: PathBuf,
    pub valid: bool,
    pub entry_files: usize,
    pub accepted: Vec<EntryRow>,
    pub problems: Vec<Problem>,
    pub snapshot_checked: bool,
}

/// How an action ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordOutcome {
    pub summary: String,
    pub verification: Option<Verification>,
}

/// The snapshot as the record crate sees it: ids, manifest, and a way to read files (for anchors).
pub fn snapshot_data<'a>(snap: &'a Snapshot, read: &'a dyn Fn(&str) -> Option<Vec<u8>>) -> SnapshotData<'a> {
    let ids = snap.ids();
    SnapshotData {
        tree_sha256: ids.tree_sha256.clone(),
        tree_sha1: ids.tree_sha1.clone(),
        swhid: ids.swhid.clone(),
        manifest: vitrine_snapshot::manifest::render_bytes(snap.files()),
        read,
    }
}

fn verification(path: &Path, report: &VerifyReport) -> Verification {
    Verification {
        path: path.to_path_buf(),
        valid: report.is_valid(),
        entry_files: report.entry_files,
        accepted: report
            .accepted
            .iter()
            .map(|v| EntryRow {
                seq: v.entry.seq,
                kind: crate::state::review::word(v.entry.kind),
                author: format!("{} ({})", v.entry.author.principal, v.entry.role),
                id: v.id.clone(),
            })
            .collect(),
        problems: report.problems.clone(),
        snapshot_checked: report.snapshot_checked,
    }
}

/// Hashes every file of the open snapshot again, without the ingest cache the window opened it with, and
/// checks that it is still the snapshot on screen: what an export binds and a verification checks must
/// come from the bytes on disk now.
fn rehash(snap: &Snapshot) -> Result<Snapshot, String> {
    let path = match snap.origin() {
        vitrine_snapshot::Origin::Directory { path } | vitrine_snapshot::Origin::Archive { path, .. } => path,
    };
    let fresh = Snapshot::open(path, &IngestConfig::default(), &Progress::default())
        .map_err(|e| format!("cannot hash the snapshot again: {e}"))?;
    if fresh.ids() != snap.ids() {
        return Err(format!(
            "{} changed on disk since it was opened (tree {} now, {} on screen): reopen it first",
            path.display(),
            fresh.ids().tree_sha256,
            snap.ids().tree_sha256
        ));
    }
    Ok(fresh)
}

fn verify_file(path: &Path, snap: &Snapshot) -> Result<Verification, String> {
    let files = BundleFiles::read(path).map_err(|e| e.to_string())?;
    let fresh = rehash(snap)?;
    let read = |p: &str| snap.file(p.as_bytes()).and_then(|e| snap.read(e).ok());
    let report = bundle::verify(&files, Some(&snapshot_data(&fresh, &read)));
    Ok(verification(path, &report))
}

/// Runs `action` for the review in `dir` of `snap`, signing with `signer` where needed.
pub fn run(
    action: RecordAction,
    dir: &Path,
    snap: &Arc<Snapshot>,
    signer: Option<Arc<Signer>>,
) -> Result<RecordOutcome, String> {
    let tree = snap.ids().tree_sha256.clone();
    match action {
        RecordAction::Export { path, questions_only } => {
            let signer = signer.ok_or("sign in first: an export signs a checkpoint")?;
            let mut review = Review::open(dir, &tree).map_err(|e| e.to_string())?;
            let now = vitrine_record::time::OffsetDateTime::now_utc();
            let fresh = rehash(snap)?;
            let read = |p: &str| snap.file(p.as_bytes()).and_then(|e| snap.read(e).ok());
            let config = ExportConfig {
                snapshot: snapshot_data(&fresh, &read),
                health_json: serde_json::to_vec_pretty(fresh.health()).map_err(|e| e.to_string())?,
                tool: format!("vitrine {}", env!("CARGO_PKG_VERSION")),
                questions_only,
                now,
            };
            let files = bundle::export(&mut review, &signer, &config).map_err(|e| e.to_string())?;
            files
                .write(&path, u64::try_from(now.unix_timestamp()).unwrap_or(0))
                .map_err(|e| e.to_string())?;
            let entries = review.entries().len();
            drop(review);
            // Read back what was written and verify it, as a third party would.
            let v = verify_file(&path, snap)?;
            Ok(RecordOutcome {
                summary: format!("exported {entries} entries to {}", path.display()),
                verification: Some(v),
            })
        }
        RecordAction::Import { path } => {
            let files = BundleFiles::read(&path).map_err(|e| e.to_string())?;
            let report = bundle::verify(&files, None);
            if let Some(h) = &report.header
                && h.snapshot.tree_sha256 != tree
            {
                return Err(format!(
                    "{} is a record of snapshot {}, not of this one ({tree}): refused",
                    path.display(),
                    h.snapshot.tree_sha256
                ));
            }
            let v = verification(&path, &report);
            if !report.is_valid() {
                return Ok(RecordOutcome {
                    summary: format!(
                        "import refused: {} does not verify ({} problems)",
                        path.display(),
                        report.problems.len()
                    ),
                    verification: Some(v),
                });
            }
            let mut review = Review::open(dir, &tree).map_err(|e| e.to_string())?;
            let r = review.import(&report.people, &report.accepted).map_err(|e| e.to_string())?;
            Ok(RecordOutcome {
                summary: format!(
                    "imported {} new entries ({} already present){}",
                    r.added.len(),
                    r.already_present,
                    if r.people_added.is_empty() {
                        String::new()
                    } else {
                        format!("; new people: {}", r.people_added.join(", "))
                    }
                ),
                verification: Some(v),
            })
        }
        RecordAction::Verify { path } => {
            let v = verify_file(&path, snap)?;
            let summary = if v.valid {
                format!(
                    "{} verifies: {} entries, signatures, chain, checkpoint and snapshot",
                    path.display(),
                    v.accepted.len()
                )
            } else {
                format!("{} does NOT verify: {} problems", path.display(), v.problems.len())
            };
            Ok(RecordOutcome { summary, verification: Some(v) })
        }
    }
}
