//! Export, import and verification of review records from the window. Each runs on a background
//! thread (a large review takes seconds to sign and verify) and ends in a [`RecordOutcome`] that the
//! record tab shows entry by entry.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::state::errors::error_chain;
use vitrine_record::bundle::{self, BundleFiles, ExportConfig, SnapshotData};
use vitrine_record::{Consent, ImportPlan, Problem, Review, Signer, VerifyReport};
use vitrine_snapshot::progress::Progress;
use vitrine_snapshot::{IngestConfig, Snapshot};

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordAction {
    /// Sign a checkpoint and write the review record as a bundle (needs a signed-in key).
    Export {
        /// Where the bundle is written.
        path: PathBuf,
        /// Leave out everything that reveals source beyond hashes: the packet a vendor may carry out.
        questions_only: bool,
    },
    /// Verify a bundle and plan its import: merged at once only when it brings no one new; otherwise
    /// the plan comes back (`RecordOutcome::plan`) for the user to accept or cancel.
    Import {
        /// The bundle to import.
        path: PathBuf,
    },
    /// Merge a planned import with what the user agreed to.
    ApplyImport {
        /// The plan the user answered.
        plan: PlannedImport,
        /// Which new people and second keys the user accepted.
        consent: Consent,
    },
    /// Verify a bundle against the open snapshot and show its entries and problems; nothing is merged.
    Verify {
        /// The bundle to verify.
        path: PathBuf,
    },
}

/// An import plan waiting for the user's answer (compared by identity: one plan, one question).
#[derive(Debug, Clone)]
pub struct PlannedImport {
    pub(crate) path: PathBuf,
    pub(crate) plan: Arc<ImportPlan>,
}

impl PartialEq for PlannedImport {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.plan, &other.plan)
    }
}

impl Eq for PlannedImport {}

impl PlannedImport {
    /// Whether merging needs the user's word: someone new, a second key, or someone refused.
    pub(crate) fn needs_asking(&self) -> bool {
        let p = &self.plan;
        !p.new_people.is_empty() || !p.second_keys.is_empty() || !p.refused_people.is_empty()
    }
}

/// One entry of a verified bundle, for the per-entry view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EntryRow {
    pub(crate) seq: u64,
    pub(crate) kind: String,
    pub(crate) author: String,
    pub(crate) id: String,
}

/// The verification of a bundle, as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verification {
    pub(crate) path: PathBuf,
    pub(crate) valid: bool,
    pub(crate) entry_files: usize,
    pub(crate) accepted: Vec<EntryRow>,
    pub(crate) problems: Vec<Problem>,
    pub(crate) snapshot_checked: bool,
}

/// How an action ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordOutcome {
    pub(crate) summary: String,
    pub(crate) verification: Option<Verification>,
    /// An import that waits for the user to accept who it brings.
    pub(crate) plan: Option<PlannedImport>,
}

/// The snapshot as the record crate sees it: ids, manifest, and a way to read files (for anchors).
pub fn snapshot_data<'a>(snap: &'a Snapshot, read: &'a dyn Fn(&[u8]) -> Option<Vec<u8>>) -> SnapshotData<'a> {
    let ids = snap.ids();
    SnapshotData {
        tree_sha256: ids.tree_sha256.to_string(),
        tree_sha1: ids.tree_sha1.to_string(),
        swhid: ids.swhid.clone(),
        manifest: vitrine_snapshot::manifest::render_bytes(snap.files()),
        read,
    }
}

/// The content an anchor may name at `p`: a regular file's bytes, `None` for a symbolic link or a path
/// not in the snapshot. Every `read` given to the record crate for anchors is this one, so that a link
/// never resolves as an anchor ([`vitrine_record::bundle::ANCHOR_ON_LINK`]), as in `verify.sh`.
pub fn anchor_content(snap: &Snapshot, p: &[u8]) -> Option<Vec<u8>> {
    snap.file(p)
        .filter(|e| matches!(e.kind, vitrine_snapshot::EntryKind::File { .. }))
        .and_then(|e| snap.read(e).ok())
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
        vitrine_snapshot::Origin::Store { imported_from, .. } => {
            return Err(format!(
                "this snapshot was opened from the blob store: open {} itself to hash it again",
                imported_from.display()
            ));
        }
    };
    let fresh = Snapshot::open(path, &IngestConfig::default(), &Progress::default())
        .map_err(|e| format!("cannot hash the snapshot again: {}", error_chain(&e)))?;
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
    let files = BundleFiles::read(path).map_err(|e| error_chain(&e))?;
    let fresh = rehash(snap)?;
    let read = |p: &[u8]| anchor_content(snap, p);
    let report = bundle::verify(&files, Some(&snapshot_data(&fresh, &read)));
    Ok(verification(path, &report))
}

/// Runs `action` for the review in `dir` of `snap`, signing with `signer` where needed.
pub(crate) fn run(
    action: RecordAction,
    dir: &Path,
    snap: &Arc<Snapshot>,
    signer: Option<Arc<Signer>>,
) -> Result<RecordOutcome, String> {
    let tree = snap.ids().tree_sha256.to_string();
    match action {
        RecordAction::Export { path, questions_only } => {
            let signer = signer.ok_or("sign in first: an export signs a checkpoint")?;
            let mut review = Review::open(dir, &tree).map_err(|e| error_chain(&e))?;
            let now = vitrine_record::time::OffsetDateTime::now_utc();
            let fresh = rehash(snap)?;
            let read = |p: &[u8]| anchor_content(snap, p);
            let config = ExportConfig {
                snapshot: snapshot_data(&fresh, &read),
                health_json: vitrine_snapshot::recorded_health(fresh.health(), &IngestConfig::default())
                    .map_err(|e| error_chain(&e))?,
                tool: format!("vitrine {}", env!("CARGO_PKG_VERSION")),
                questions_only,
                now,
            };
            let files = bundle::export(&mut review, &signer, &config).map_err(|e| error_chain(&e))?;
            files
                .write(&path, u64::try_from(now.unix_timestamp()).unwrap_or(0))
                .map_err(|e| error_chain(&e))?;
            let entries = review.entries().len();
            drop(review);
            // Read back what was written and verify it, as a third party would.
            let v = verify_file(&path, snap)?;
            Ok(RecordOutcome {
                summary: format!("exported {entries} entries to {}", path.display()),
                verification: Some(v),
                plan: None,
            })
        }
        RecordAction::Import { path } => {
            let files = BundleFiles::read(&path).map_err(|e| error_chain(&e))?;
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
                    plan: None,
                });
            }
            let review = Review::open(dir, &tree).map_err(|e| error_chain(&e))?;
            // Anchors are checked against the snapshot on screen: an entry that does not resolve is
            // held apart rather than merged.
            let read = |p: &[u8]| anchor_content(snap, p);
            let plan = review.plan_import(&report, &read).map_err(|e| error_chain(&e))?;
            drop(review);
            let planned = PlannedImport { path: path.clone(), plan: Arc::new(plan) };
            if planned.needs_asking() {
                let p = &planned.plan;
                return Ok(RecordOutcome {
                    summary: format!(
                        "{}: {} new entries, signed by {} people this review does not know; nothing merged \
                         until you accept them",
                        path.display(),
                        p.entries.len(),
                        p.new_people.len() + p.second_keys.len() + p.refused_people.len()
                    ),
                    verification: Some(v),
                    plan: Some(planned),
                });
            }
            let mut outcome = apply_import(dir, &tree, &planned, Consent::default())?;
            outcome.verification = Some(v);
            Ok(outcome)
        }
        RecordAction::ApplyImport { plan, consent } => apply_import(dir, &tree, &plan, consent),
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
            Ok(RecordOutcome { summary, verification: Some(v), plan: None })
        }
    }
}

/// Merges a planned import into the review in `dir` with the consent given.
fn apply_import(
    dir: &Path,
    tree: &str,
    planned: &PlannedImport,
    consent: Consent,
) -> Result<RecordOutcome, String> {
    let mut review = Review::open(dir, tree).map_err(|e| error_chain(&e))?;
    let r = review.apply_import((*planned.plan).clone(), consent).map_err(|e| error_chain(&e))?;
    let people = if r.people_added.is_empty() {
        String::new()
    } else {
        format!("; new people: {}", r.people_added.join(", "))
    };
    let held = match r.held.as_slice() {
        [] => String::new(),
        held => format!(
            "; {} held apart (not merged): {}",
            held.len(),
            held.iter().map(|h| format!("{}: {}", h.name, h.reason)).collect::<Vec<_>>().join("; ")
        ),
    };
    Ok(RecordOutcome {
        summary: format!(
            "imported {} new entries from {} ({} already present){people}{held}",
            r.added.len(),
            planned.path.display(),
            r.already_present
        ),
        verification: None,
        plan: None,
    })
}
