//! Snapshot comparison: which files an update added, deleted, modified, renamed, copied or changed in
//! type, with git's rename and copy detection (`-M`, `-C`, 50%) and the line counts `git diff --numstat`
//! prints.
//!
//! Every file of the two manifests takes part, those git leaves out of the tree ids too (`.git/…`,
//! `.GIT/…`, `git~1/…`, `lib/.git/…`): they are ordinary files to a compiler or a makefile, so a
//! change to one is listed like any other, marked [`FileChange::outside_tree_ids`]. Files whose blob
//! id and mode are equal on both sides are skipped without being read. Line counts
//! come from imara-diff's Myers algorithm (git's default diff algorithm, with its heuristics) behind
//! git's own preprocessing ([`numstat`]), so the counts agree with `git diff --numstat`.
#![warn(missing_docs)]

pub mod build;
pub mod carry;
pub mod context;
pub mod copies;
pub mod display;
pub mod numstat;
pub mod port;
pub mod similarity;
pub mod summary;

use std::collections::HashMap;

use rayon::prelude::*;
use serde::Serialize;
use vitrine_snapshot::work::map_next;
use vitrine_snapshot::{ChangedSide, EntryKind, FileEntry, Sha256Id, Snapshot, SnapshotError, TreeIds};

use crate::similarity::{Fingerprint, MAX_SCORE};

/// What went wrong while comparing two snapshots.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("cannot read {path} of the {side} snapshot: {source}")]
    /// A file could not be read from one of the snapshots (its content is gone or fails its check).
    Read {
        /// The file's path in that snapshot, `/`-separated, invalid UTF-8 escaped for display.
        path: String,
        /// Which snapshot it is missing from.
        side: Side,
        #[source]
        /// The snapshot's error.
        source: SnapshotError,
    },
}

/// Which of the two snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    /// The snapshot before the update.
    Old,
    /// The snapshot after the update.
    New,
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Side::Old => "old",
            Side::New => "new",
        })
    }
}

/// How a file changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Only in the new snapshot.
    Added,
    /// Only in the old snapshot.
    Deleted,
    /// Same path, other content or mode.
    Modified,
    /// Another path with similar content (git's `-M`, similarity at least 50%).
    Renamed,
    /// A copy of another file that is still there, modified, or of a deleted file renamed elsewhere
    /// too (git's `-C`, similarity at least 50%); only when [`DiffOptions::copies`] asks for it.
    Copied,
    /// Same path, another kind of entry (a regular file became a symlink or the reverse).
    TypeChanged,
}

impl Status {
    /// The status as a word (`added`, `type-changed`), the same as its JSON value.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Added => "added",
            Status::Deleted => "deleted",
            Status::Modified => "modified",
            Status::Renamed => "renamed",
            Status::Copied => "copied",
            Status::TypeChanged => "type-changed",
        }
    }

    /// git's one-letter status (`--name-status`).
    pub fn letter(self) -> char {
        match self {
            Status::Added => 'A',
            Status::Deleted => 'D',
            Status::Modified => 'M',
            Status::Renamed => 'R',
            Status::Copied => 'C',
            Status::TypeChanged => 'T',
        }
    }
}

/// One changed file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileChange {
    /// How the file changed.
    pub status: Status,
    /// Path in the old snapshot (`None` when added).
    pub old_path: Option<String>,
    /// Path in the new snapshot (`None` when deleted).
    pub new_path: Option<String>,
    /// git tree modes (`100644`, `100755`, `120000`).
    pub old_mode: Option<&'static str>,
    /// Mode on the new side (`None` when deleted).
    pub new_mode: Option<&'static str>,
    /// For renamed and copied files: git's similarity index in percent.
    pub similarity: Option<u8>,
    /// Lines added and deleted; `None` for a binary file (git prints `-`).
    pub additions: Option<u64>,
    /// Lines deleted; `None` for a binary file.
    pub deletions: Option<u64>,
    /// Blob ids (SHA-256 object format, hex) on each side.
    pub old_blob: Option<Sha256Id>,
    /// Blob id on the new side (`None` when deleted).
    pub new_blob: Option<Sha256Id>,
    /// A side of the change is a file git leaves out of the tree ids (`.git/…`, `.GIT/…`, `git~1/…`,
    /// `lib/.git/…`): two snapshots can share their tree ids and still differ in such a file, so the
    /// listing shows it and says so.
    pub outside_tree_ids: bool,
}

impl FileChange {
    /// Whether git marks this change binary (`-\t-` in `--numstat`).
    pub fn is_binary(&self) -> bool {
        self.additions.is_none()
    }

    /// The path this change is listed under (the new one when there is one).
    pub fn path(&self) -> &str {
        self.new_path.as_deref().or(self.old_path.as_deref()).unwrap_or_default()
    }
}

/// The changes between two snapshots.
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotDiff {
    /// Identity of the old snapshot.
    pub old: TreeIds,
    /// Identity of the new snapshot.
    pub new: TreeIds,
    /// Sorted by path (the new path when there is one).
    pub files: Vec<FileChange>,
}

/// How to compare.
#[derive(Debug, Clone)]
pub struct DiffOptions {
    /// Detect renames (git's `-M`).
    pub renames: bool,
    /// Also detect copies (git's `-C`, with `renames`): a new file similar to a file modified in the
    /// same diff, or a second copy of a deleted one. As in git without `--find-copies-harder`, files
    /// that did not change are not copy sources.
    pub copies: bool,
    /// Minimum similarity of an inexact rename, in percent (git's default 50).
    pub rename_threshold: u8,
    /// Inexact rename detection is skipped when deleted × added files exceed this squared (git's
    /// `diff.renameLimit`, 1000 by default); exact and same-basename renames are still found.
    pub rename_limit: u64,
}

impl Default for DiffOptions {
    fn default() -> DiffOptions {
        DiffOptions { renames: true, copies: false, rename_threshold: 50, rename_limit: 1000 }
    }
}

/// git's binary test: a NUL byte in the first 8000 bytes.
pub fn is_binary(data: &[u8]) -> bool {
    memchr_nul(&data[..data.len().min(8000)])
}

fn memchr_nul(data: &[u8]) -> bool {
    data.contains(&0)
}

/// Lines added and deleted between two contents, as `git diff --numstat` counts them (`None` when
/// either side is binary).
pub fn line_counts(old: &[u8], new: &[u8]) -> Option<(u64, u64)> {
    if is_binary(old) || is_binary(new) {
        return None;
    }
    Some(numstat::counts(old, new))
}

/// One side of a comparison: its files and a checked read of their bytes. A [`Snapshot`] is one (all
/// its files); so is a [`ChangedSide`] (only the files that differ from the other side): both give the
/// same changes, because a file the same on both sides (same blob, same mode) never takes part in one,
/// not even as a rename or copy source.
pub trait Tree: Sync {
    /// The files, sorted by path bytes, those left out of the tree ids included.
    fn files(&self) -> &[FileEntry];
    /// Reads a file's bytes (a symlink's target), checked against the hash recorded for it.
    fn read(&self, entry: &FileEntry) -> Result<Vec<u8>, SnapshotError>;
}

impl Tree for Snapshot {
    fn files(&self) -> &[FileEntry] {
        Snapshot::files(self)
    }
    fn read(&self, entry: &FileEntry) -> Result<Vec<u8>, SnapshotError> {
        Snapshot::read(self, entry)
    }
}

impl Tree for ChangedSide {
    fn files(&self) -> &[FileEntry] {
        ChangedSide::files(self)
    }
    fn read(&self, entry: &FileEntry) -> Result<Vec<u8>, SnapshotError> {
        ChangedSide::read(self, entry)
    }
}

/// Compares two opened snapshots: every file of their manifests, those left out of the tree ids too
/// (a git tree diff would not see them; `git diff --no-index` does).
pub fn diff(old: &Snapshot, new: &Snapshot, options: &DiffOptions) -> Result<SnapshotDiff, CompareError> {
    let files = changes(old, new, options)?;
    Ok(SnapshotDiff { old: old.ids().clone(), new: new.ids().clone(), files })
}

/// The changes between two trees, sorted by path (the new path when there is one): what [`diff`] lists,
/// without the snapshots' identities, so that it also runs on the two sides of
/// [`vitrine_snapshot::changed_between`], which hashes only the files that differ.
pub fn changes(
    old: &dyn Tree,
    new: &dyn Tree,
    options: &DiffOptions,
) -> Result<Vec<FileChange>, CompareError> {
    // Every row, in the tree ids or not: a file the build reads is compared whatever git thinks of
    // its name.
    let olds: Vec<&FileEntry> = old.files().iter().collect();
    let news: Vec<&FileEntry> = new.files().iter().collect();

    // Both lists are sorted by path bytes: walk them together. The rename (and copy) sources are the
    // deleted files and, with copies, the old side of every modified file.
    let mut pairs: Vec<(&FileEntry, &FileEntry)> = Vec::new();
    let mut sources: Vec<Source<'_>> = Vec::new();
    let mut added: Vec<&FileEntry> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < olds.len() || j < news.len() {
        match (olds.get(i), news.get(j)) {
            (Some(o), Some(n)) if o.path.as_bytes() == n.path.as_bytes() => {
                if o.blob_sha256 != n.blob_sha256 || o.kind.git_mode() != n.kind.git_mode() {
                    if options.copies {
                        sources.push(Source { entry: o, modified: true });
                    }
                    pairs.push((o, n));
                }
                i += 1;
                j += 1;
            }
            (Some(o), Some(n)) if o.path.as_bytes() < n.path.as_bytes() => {
                sources.push(Source { entry: o, modified: false });
                i += 1;
            }
            (Some(_), Some(n)) | (None, Some(n)) => {
                added.push(n);
                j += 1;
            }
            (Some(o), None) => {
                sources.push(Source { entry: o, modified: false });
                i += 1;
            }
            (None, None) => break,
        }
    }

    // git's rename detection sees sources and destinations in its diff queue's order, a tree walk:
    // the first of several exact matches, ties in the matrix and which pairing of a source is its
    // rename all follow it.
    sources.sort_by(|a, b| tree_order(a.entry.path.as_bytes(), b.entry.path.as_bytes()));
    added.sort_by(|a, b| tree_order(a.path.as_bytes(), b.path.as_bytes()));
    let found = if options.renames { find_renames(old, new, &sources, &added, options)? } else { Vec::new() };
    let statuses = rename_or_copy(&sources, &found);
    let mut src_used = vec![false; sources.len()];
    let mut dst_used = vec![false; added.len()];
    for r in &found {
        src_used[r.src] = true;
        dst_used[r.dst] = true;
    }

    let mut jobs: Vec<Job<'_>> = Vec::new();
    for (o, n) in pairs {
        jobs.push(Job { old: Some(o), new: Some(n), found: None });
    }
    for (r, status) in found.iter().zip(statuses) {
        jobs.push(Job {
            old: Some(sources[r.src].entry),
            new: Some(added[r.dst]),
            found: Some((status, r.score)),
        });
    }
    // A modified source stays where it is, listed as modified; a deleted one is deleted unless a
    // rename or copy took it.
    for (k, s) in sources.iter().enumerate() {
        if !s.modified && !src_used[k] {
            jobs.push(Job { old: Some(s.entry), new: None, found: None });
        }
    }
    for (k, a) in added.iter().enumerate() {
        if !dst_used[k] {
            jobs.push(Job { old: None, new: Some(a), found: None });
        }
    }
    // Each worker takes the next file when it is free: a run of large files is never left to one.
    let mut files = vitrine_snapshot::work::map_next(&jobs, || (), |_, _, job| job.run(old, new))
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    files.sort_by(|a, b| a.path().cmp(b.path()).then_with(|| a.old_path.cmp(&b.old_path)));
    Ok(files)
}

/// A rename or copy source: a deleted file, or (with copies) the old side of a modified one.
struct Source<'a> {
    entry: &'a FileEntry,
    /// The file is still there, modified: it can only be copied, never renamed.
    modified: bool,
}

#[derive(Clone, Copy)]
struct Job<'a> {
    old: Option<&'a FileEntry>,
    new: Option<&'a FileEntry>,
    /// A rename's or copy's status and score (git's scale).
    found: Option<(Status, u64)>,
}

impl Job<'_> {
    fn run(&self, old_snap: &dyn Tree, new_snap: &dyn Tree) -> Result<FileChange, CompareError> {
        let read_old = |e: &FileEntry| read(old_snap, e, Side::Old);
        let read_new = |e: &FileEntry| read(new_snap, e, Side::New);
        let (status, counts) = match (self.old, self.new) {
            (Some(o), Some(n)) => {
                let status = if let Some((status, _)) = self.found {
                    status
                } else if is_link(o) != is_link(n) {
                    Status::TypeChanged
                } else {
                    Status::Modified
                };
                // A mode change alone: same bytes, nothing to read.
                let counts = if o.blob_sha256 == n.blob_sha256 {
                    Some((0, 0))
                } else {
                    line_counts(&read_old(o)?, &read_new(n)?)
                };
                (status, counts)
            }
            (Some(o), None) => (Status::Deleted, line_counts(&read_old(o)?, b"")),
            (None, Some(n)) => (Status::Added, line_counts(b"", &read_new(n)?)),
            (None, None) => (Status::Modified, Some((0, 0))),
        };
        Ok(FileChange {
            status,
            old_path: self.old.map(|e| e.path.display()),
            new_path: self.new.map(|e| e.path.display()),
            old_mode: self.old.map(|e| e.kind.git_mode()),
            new_mode: self.new.map(|e| e.kind.git_mode()),
            similarity: self.found.map(|(_, s)| (s * 100 / MAX_SCORE) as u8),
            additions: counts.map(|c| c.0),
            deletions: counts.map(|c| c.1),
            old_blob: self.old.map(|e| e.blob_sha256),
            new_blob: self.new.map(|e| e.blob_sha256),
            outside_tree_ids: self.old.iter().chain(&self.new).any(|e| !e.in_tree),
        })
    }
}

fn is_link(e: &FileEntry) -> bool {
    matches!(e.kind, EntryKind::Symlink { .. })
}

fn read(snap: &dyn Tree, e: &FileEntry, side: Side) -> Result<Vec<u8>, CompareError> {
    snap.read(e).map_err(|source| CompareError::Read { path: e.path.display(), side, source })
}

/// One detected rename or copy: indexes into the sources and added lists, and git's score.
struct Rename {
    src: usize,
    dst: usize,
    score: u64,
}

fn basename(e: &FileEntry) -> &[u8] {
    e.path.file_name()
}

/// The order of git's diff queue: a tree walk, so paths compare component by component (`a/x` comes
/// before `a-b`, although `-` sorts before `/`).
fn tree_order(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    a.split(|&c| c == b'/').cmp(b.split(|&c| c == b'/'))
}

/// Whether each pairing is a rename or a copy, as git's `diff_resolve_rename_copy` decides: a source
/// that is still there (modified) is only ever copied; a deleted source used by several destinations
/// is copied to all of them but the last in the diff's order (destinations are in that order), which is
/// its rename.
fn rename_or_copy(sources: &[Source<'_>], found: &[Rename]) -> Vec<Status> {
    let mut uses = vec![0usize; sources.len()];
    for r in found {
        uses[r.src] += 1;
    }
    let mut order: Vec<usize> = (0..found.len()).collect();
    order.sort_by_key(|&k| found[k].dst);
    let mut statuses = vec![Status::Renamed; found.len()];
    for k in order {
        let src = found[k].src;
        uses[src] -= 1;
        if sources[src].modified || uses[src] > 0 {
            statuses[k] = Status::Copied;
        }
    }
    statuses
}

/// git's diffcore-rename for `-M`, and for `-C` with copies: exact matches by blob id, then (renames
/// only) unique basenames at a raised threshold, then the similarity matrix keeping the best 4 sources
/// per destination, renames first and copies after.
fn find_renames(
    old: &dyn Tree,
    new: &dyn Tree,
    sources: &[Source<'_>],
    added: &[&FileEntry],
    options: &DiffOptions,
) -> Result<Vec<Rename>, CompareError> {
    let mut p = Pairing {
        copies: options.copies,
        renames: Vec::new(),
        // git counts a modified source as used once by itself, so it is never renamed away.
        src_used: sources.iter().map(|s| usize::from(s.modified)).collect(),
        dst_used: vec![false; added.len()],
    };
    exact_renames(sources, added, &mut p);
    let min_score = u64::from(options.rename_threshold.min(100)) * MAX_SCORE / 100;
    if min_score >= MAX_SCORE {
        return Ok(p.renames);
    }

    // Fingerprints of the regular files that can still take part (read once, in parallel). Without
    // copies a source already renamed is out; with copies every source stays one.
    let fingerprint =
        |snap: &dyn Tree, e: &FileEntry, side: Side| -> Result<Option<Fingerprint>, CompareError> {
            if is_link(e) {
                return Ok(None);
            }
            let data = read(snap, e, side)?;
            Ok(Some(Fingerprint::new(&data, !is_binary(&data))))
        };
    let src_fp: Vec<Option<Fingerprint>> = map_next(
        sources,
        || (),
        |_, k, s| {
            if p.src_out(k) { Ok(None) } else { fingerprint(old, s.entry, Side::Old) }
        },
    )
    .into_iter()
    .collect::<Result<_, _>>()?;
    let dst_fp: Vec<Option<Fingerprint>> = map_next(
        added,
        || (),
        |_, k, a| {
            if p.dst_used[k] { Ok(None) } else { fingerprint(new, a, Side::New) }
        },
    )
    .into_iter()
    .collect::<Result<_, _>>()?;
    let estimate = |s: usize, d: usize, min: u64| -> u64 {
        match (&src_fp[s], &dst_fp[d]) {
            (Some(sf), Some(df)) => {
                let (ss, ds) = (sources[s].entry.size_bytes, added[d].size_bytes);
                if !similarity::sizes_compatible(ss, ds, min) {
                    return 0;
                }
                similarity::score(sf, ss, df, ds)
            }
            _ => 0,
        }
    };
    if !options.copies {
        basename_renames(sources, added, min_score, &estimate, &mut p);
    }
    matrix_renames(sources, added, min_score, options.rename_limit, &estimate, &mut p);
    Ok(p.renames)
}

/// The renames and copies found so far, how many times each source is used (git's `rename_used`), and
/// which added files (destinations) are paired.
struct Pairing {
    copies: bool,
    renames: Vec<Rename>,
    src_used: Vec<usize>,
    dst_used: Vec<bool>,
}

impl Pairing {
    fn pair(&mut self, src: usize, dst: usize, score: u64) {
        self.src_used[src] += 1;
        self.dst_used[dst] = true;
        self.renames.push(Rename { src, dst, score });
    }

    /// Whether source `src` can no longer be paired: it is used and copies are off.
    fn src_out(&self, src: usize) -> bool {
        !self.copies && self.src_used[src] > 0
    }
}

/// Rename detection, step 1, as git's `find_identical_files`. Exact matches: same blob and same kind of
/// entry. An unused source scores one more than a used one (with copies only: without, a used source
/// is out), a source with the same basename one more; the first best in tree order wins, and at most
/// 100 candidates are looked at.
fn exact_renames(sources: &[Source<'_>], added: &[&FileEntry], p: &mut Pairing) {
    let mut by_blob: HashMap<(Sha256Id, bool), Vec<usize>> = HashMap::new();
    for (k, s) in sources.iter().enumerate() {
        by_blob.entry((s.entry.blob_sha256, is_link(s.entry))).or_default().push(k);
    }
    for (k, a) in added.iter().enumerate() {
        let Some(cands) = by_blob.get(&(a.blob_sha256, is_link(a))) else { continue };
        let mut best: Option<(usize, u8)> = None;
        for &s in cands.iter().take(100) {
            if p.src_out(s) {
                continue;
            }
            let score = u8::from(p.src_used[s] == 0) + u8::from(basename(sources[s].entry) == basename(a));
            if best.is_none_or(|(_, b)| score > b) {
                best = Some((s, score));
                if score == 2 {
                    break;
                }
            }
        }
        if let Some((s, _)) = best {
            p.pair(s, k, MAX_SCORE);
        }
    }
}

/// Rename detection, step 2 (renames only: git skips it when it looks for copies). Basenames unique
/// among the unpaired sources and among the unpaired destinations, at halfway between the threshold
/// and 100%.
fn basename_renames(
    sources: &[Source<'_>],
    added: &[&FileEntry],
    min_score: u64,
    estimate: &dyn Fn(usize, usize, u64) -> u64,
    p: &mut Pairing,
) {
    let basename_min = min_score + (MAX_SCORE - min_score) / 2;
    let mut src_names: HashMap<&[u8], Option<usize>> = HashMap::new();
    for (k, s) in sources.iter().enumerate().filter(|(k, _)| !p.src_out(*k)) {
        src_names.entry(basename(s.entry)).and_modify(|v| *v = None).or_insert(Some(k));
    }
    let mut dst_names: HashMap<&[u8], Option<usize>> = HashMap::new();
    for (k, a) in added.iter().enumerate().filter(|(k, _)| !p.dst_used[*k]) {
        dst_names.entry(basename(a)).and_modify(|v| *v = None).or_insert(Some(k));
    }
    for (s, source) in sources.iter().enumerate() {
        if p.src_out(s) {
            continue;
        }
        let name = basename(source.entry);
        let (Some(Some(_)), Some(Some(d))) = (src_names.get(name), dst_names.get(name)) else { continue };
        let d = *d;
        let score = estimate(s, d, basename_min);
        if score >= basename_min {
            p.pair(s, d, score);
        }
    }
}

/// Rename detection, step 3. The similarity matrix of the destinations still unpaired against the
/// sources still in play, unless it is larger than `rename_limit` squared: the best 4 sources per
/// destination, highest score first. Renames take unused sources first; with copies, a second pass
/// pairs what is left with any source (git's `find_renames` twice).
fn matrix_renames(
    sources: &[Source<'_>],
    added: &[&FileEntry],
    min_score: u64,
    rename_limit: u64,
    estimate: &(dyn Fn(usize, usize, u64) -> u64 + Sync),
    p: &mut Pairing,
) {
    let srcs: Vec<usize> = (0..sources.len()).filter(|&s| !p.src_out(s)).collect();
    let dsts: Vec<usize> = (0..added.len()).filter(|&d| !p.dst_used[d]).collect();
    let limit = rename_limit.max(1);
    if (srcs.len() as u128) * (dsts.len() as u128) > u128::from(limit) * u128::from(limit) {
        return;
    }
    const CANDIDATES_PER_DST: usize = 4;
    let mut candidates: Vec<(u64, bool, usize, usize)> = dsts
        .par_iter()
        .flat_map_iter(|&d| {
            let mut best: Vec<(u64, bool, usize, usize)> = Vec::with_capacity(CANDIDATES_PER_DST + 1);
            for &s in &srcs {
                let score = estimate(s, d, min_score);
                if score < min_score {
                    continue;
                }
                best.push((score, basename(sources[s].entry) == basename(added[d]), s, d));
                best.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
                best.truncate(CANDIDATES_PER_DST);
            }
            best
        })
        .collect();
    // Highest score first; on a tie, a same-basename pair, then tree order of destination, source.
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.3.cmp(&b.3)).then(a.2.cmp(&b.2)));
    let passes: &[bool] = if p.copies { &[false, true] } else { &[false] };
    for &copies in passes {
        for &(score, _, s, d) in &candidates {
            if p.dst_used[d] || (!copies && p.src_used[s] > 0) {
                continue;
            }
            p.pair(s, d, score);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use vitrine_snapshot::{IngestConfig, Progress};

    use super::*;

    fn write(root: &Path, rel: &str, content: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    fn lines(n: usize, tag: &str) -> String {
        (0..n).map(|i| format!("{tag} line {i} with enough words to be a line\n")).collect()
    }

    /// Every status, renames exact and edited, copies from a modified file and a deleted one, and
    /// unchanged files that would be copy or rename sources if they took part.
    fn pair() -> (tempfile::TempDir, tempfile::TempDir) {
        let (old, new) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (a, b) = (old.path(), new.path());
        for root in [a, b] {
            write(root, "same.c", &lines(20, "same"));
            write(root, "dup/same.c", &lines(20, "same"));
        }
        // An unchanged file's exact copy: added (unchanged files are no sources), with -C too.
        write(b, "copy_of_same.c", &lines(20, "same"));
        write(a, "main.c", &lines(30, "main"));
        write(b, "main.c", &lines(30, "main").replace("line 7 ", "LINE 7 "));
        write(b, "vendor/main_copy.c", &(lines(30, "main") + "extra\n"));
        write(a, "old/exact.txt", &lines(10, "exact"));
        write(b, "new/exact.txt", &lines(10, "exact"));
        write(a, "lib/util.c", &lines(40, "util"));
        write(b, "src/util2.c", &lines(40, "util").replace("line 3 ", "three "));
        write(a, "gone.txt", &lines(8, "gone"));
        write(b, "fresh.txt", &lines(8, "fresh"));
        write(a, "img.bin", "\0\x01binary\n");
        write(b, "img.bin", "\0\x02binary\n");
        write(a, "mode.sh", "#!/bin/sh\n");
        write(b, "mode.sh", "#!/bin/sh\n");
        std::fs::set_permissions(b.join("mode.sh"), std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        write(a, "link", "was a file\n");
        std::os::unix::fs::symlink("same.c", b.join("link")).unwrap();
        // A directory that becomes a file, and a file that becomes a directory.
        write(a, "swap/inner.c", &lines(5, "inner"));
        write(b, "swap", &lines(5, "inner"));
        write(a, "grow", "a file\n");
        write(b, "grow/now.c", "a file\n");
        // Files git leaves out of the tree ids, which a build reads all the same: changed, added,
        // deleted, and one unchanged.
        for (rel, before, after) in [
            (".GIT/policy.h", Some("#define CHECK 1\n"), Some("#define CHECK 0\n")),
            (
                "git~1/flags.mk",
                Some("CFLAGS += -fstack-protector\n"),
                Some("CFLAGS += -fno-stack-protector\n"),
            ),
            ("lib/.git/config.h", Some("int a;\n"), Some("int b;\n")),
            (".git./x.c", Some("int x;\n"), Some("int y;\n")),
            ("x/.Git/hooks.c", None, Some("void backdoor(void) {}\n")),
            (".GIT/gone.h", Some(&*lines(6, "gone header")), None),
            (".GIT/kept.h", Some("int kept;\n"), Some("int kept;\n")),
        ] {
            if let Some(t) = before {
                write(a, rel, t);
            }
            if let Some(t) = after {
                write(b, rel, t);
            }
        }
        (old, new)
    }

    #[test]
    fn the_changed_files_alone_give_the_changes_the_whole_snapshots_give() {
        let (old, new) = pair();
        let (config, progress) = (IngestConfig::default(), Progress::default());
        let whole_old = Snapshot::open(old.path(), &config, &progress).unwrap();
        let whole_new = Snapshot::open(new.path(), &config, &progress).unwrap();
        let (part_old, part_new) =
            vitrine_snapshot::changed_between(old.path(), new.path(), &config, &progress).unwrap();
        assert!(part_old.files().len() < whole_old.files().len());
        for options in [
            DiffOptions::default(),
            DiffOptions { copies: true, ..DiffOptions::default() },
            DiffOptions { renames: false, ..DiffOptions::default() },
            DiffOptions { rename_threshold: 90, ..DiffOptions::default() },
        ] {
            let whole = changes(&whole_old, &whole_new, &options).unwrap();
            let part = changes(&part_old, &part_new, &options).unwrap();
            assert_eq!(part, whole, "{options:?}");
            assert_eq!(diff(&whole_old, &whole_new, &options).unwrap().files, whole);
        }
        // The fixture has what it says: renames, copies with -C, a mode and a type change.
        let with_copies =
            changes(&part_old, &part_new, &DiffOptions { copies: true, ..DiffOptions::default() }).unwrap();
        let status = |p: &str| with_copies.iter().find(|f| f.path() == p).map(|f| f.status);
        assert_eq!(status("new/exact.txt"), Some(Status::Renamed));
        assert_eq!(status("src/util2.c"), Some(Status::Renamed));
        assert_eq!(status("vendor/main_copy.c"), Some(Status::Copied));
        assert_eq!(status("copy_of_same.c"), Some(Status::Added));
        assert_eq!(status("mode.sh"), Some(Status::Modified));
        assert_eq!(status("link"), Some(Status::TypeChanged));
        assert_eq!(status("same.c"), None);
        assert_eq!(status("swap"), Some(Status::Renamed));
        assert_eq!(status("grow/now.c"), Some(Status::Renamed));
    }

    /// A file git leaves out of the tree ids is compared like any other, and marked: a change there
    /// leaves the tree ids alone, so a listing without it would hide a change the build reads.
    #[test]
    fn files_outside_the_tree_ids_are_compared_and_marked() {
        let (old, new) = pair();
        let (config, progress) = (IngestConfig::default(), Progress::default());
        let whole_old = Snapshot::open(old.path(), &config, &progress).unwrap();
        let whole_new = Snapshot::open(new.path(), &config, &progress).unwrap();
        let (part_old, part_new) =
            vitrine_snapshot::changed_between(old.path(), new.path(), &config, &progress).unwrap();
        for files in [
            diff(&whole_old, &whole_new, &DiffOptions::default()).unwrap().files,
            changes(&part_old, &part_new, &DiffOptions::default()).unwrap(),
        ] {
            let get = |p: &str| files.iter().find(|f| f.path() == p);
            for (p, st) in [
                (".GIT/policy.h", Status::Modified),
                ("git~1/flags.mk", Status::Modified),
                ("lib/.git/config.h", Status::Modified),
                (".git./x.c", Status::Modified),
                ("x/.Git/hooks.c", Status::Added),
                (".GIT/gone.h", Status::Deleted),
            ] {
                let f = get(p).unwrap_or_else(|| panic!("{p} is not listed: {files:#?}"));
                assert_eq!(f.status, st, "{p}");
                assert!(f.outside_tree_ids, "{p}");
                assert_eq!(
                    (f.additions, f.deletions),
                    if st == Status::Modified { (Some(1), Some(1)) } else { (f.additions, f.deletions) }
                );
            }
            assert!(get(".GIT/kept.h").is_none());
            assert!(!get("main.c").unwrap().outside_tree_ids);
        }
        // Only files the tree ids leave out differ: the tree ids are equal, the content keys are not.
        let only = tempfile::tempdir().unwrap();
        write(only.path(), "src/v.c", "int v;\n");
        write(only.path(), ".GIT/policy.h", "#define CHECK 0\n");
        let (o, n) = (tempfile::tempdir().unwrap(), only);
        write(o.path(), "src/v.c", "int v;\n");
        write(o.path(), ".GIT/policy.h", "#define CHECK 1\n");
        let so = Snapshot::open(o.path(), &config, &progress).unwrap();
        let sn = Snapshot::open(n.path(), &config, &progress).unwrap();
        assert_eq!(so.ids().tree_sha256, sn.ids().tree_sha256);
        assert_ne!(so.content_key(), sn.content_key());
        let d = diff(&so, &sn, &DiffOptions::default()).unwrap();
        assert_eq!(d.files.len(), 1);
        assert_eq!(d.files[0].path(), ".GIT/policy.h");
    }
}
