//! What the reviewer of an update looks at first: the health delta (findings the new version brings,
//! binaries added or changed) and the symbol delta (functions and types added, removed, or whose body
//! changed, per changed file).

use std::collections::HashMap;

use serde::Serialize;
use vitrine_snapshot::{ContentClass, FileEntry, Finding, FindingKind, Snapshot};
use vitrine_syntax::{Language, SymbolKind};

use crate::{CompareError, FileChange, Side, SnapshotDiff, Status};

/// The update summary.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Findings of the new snapshot that the old one did not have. A finding on a line the update added
    /// or changed is new, whatever else the file holds; one elsewhere is matched by kind, path (the old
    /// path for a renamed file), detail and its line as the old version numbers it (so lines shifted
    /// by edits above them do not make a finding new, and a finding removed in one place never cancels
    /// one added in another).
    pub new_findings: Vec<Finding>,
    /// Findings of the old snapshot that are gone from the new one (one on a line the update deleted or
    /// changed is gone, by the same rule).
    pub gone_findings: Vec<Finding>,
    /// Changed files that git leaves out of the tree ids (`.git/…`, `.GIT/…`, `git~1/…`), by the path
    /// they are listed under: a change there leaves the tree ids as they were.
    pub outside_tree_ids: Vec<String>,
    /// Binary files added or changed (by content).
    pub binaries: Vec<BinaryChange>,
    /// Per changed source file with a grammar: symbols added, removed and changed.
    pub symbols: Vec<FileSymbolDelta>,
}

/// A binary file the update added or whose content it changed.
#[derive(Debug, Clone, Serialize)]
pub struct BinaryChange {
    /// Where it is in the new snapshot, `/`-separated.
    pub path: String,
    /// Added, modified, renamed or type-changed (never deleted).
    pub status: Status,
}

/// The symbol changes of one file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FileSymbolDelta {
    /// The file's path (the new one when there is one), `/`-separated.
    pub path: String,
    /// Symbols only in the new version.
    pub added: Vec<SymbolRef>,
    /// Symbols only in the old version.
    pub removed: Vec<SymbolRef>,
    /// Present on both sides with a different text (signature or body).
    pub changed: Vec<SymbolRef>,
}

/// A function or type, located on the side where it exists (the new side when on both).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SymbolRef {
    /// What the symbol is (`function`, `struct`, …, as [`SymbolKind`]'s lowercase name).
    pub kind: &'static str,
    /// `scope::name` when it has a scope.
    pub name: String,
    /// 1-based line of its name.
    pub line: u32,
}

/// Whether a finding kind belongs in the update summary (what can hide or smuggle code).
fn summarised(kind: FindingKind) -> bool {
    kind.is_deceptive()
        || matches!(
            kind,
            FindingKind::NestedRepo
                | FindingKind::Symlink
                | FindingKind::SymlinkAbsolute
                | FindingKind::SymlinkEscapes
                | FindingKind::Binary
                | FindingKind::GitRefusedPath
        )
}

/// How the lines of a file's new version map to its old version's lines.
enum LineMap {
    /// The same text on both sides (unchanged, or renamed alone): line `n` is line `n`.
    Same,
    /// The update's hunks (0-based half-open line ranges, old and new, in order).
    Hunks(Vec<crate::display::Hunk>),
    /// The text could not be compared line by line (binary on a side): every line counts as changed.
    AllChanged,
}

impl LineMap {
    /// The old version's 1-based line for the new version's 1-based `line`, or `None` when the update
    /// added or changed that line.
    fn old_line(&self, line: u64) -> Option<u64> {
        let hunks = match self {
            LineMap::Same => return Some(line),
            LineMap::AllChanged => return None,
            LineMap::Hunks(h) => h,
        };
        let n = line.checked_sub(1)?;
        let mut shift: i64 = 0;
        for h in hunks {
            let (start, end) = (u64::from(h.new.start), u64::from(h.new.end));
            if n < start {
                break;
            }
            if n < end {
                return None;
            }
            shift += i64::from(h.old.end - h.old.start) - i64::from(h.new.end - h.new.start);
        }
        u64::try_from(i64::try_from(line).ok()? + shift).ok()
    }
}

/// Where a finding is for telling new from old: kind, path (the old path of a renamed file), detail,
/// and its line as the old version numbers it (`None` for a file-level finding).
type Place = (FindingKind, String, String, Option<u64>);

/// The line maps of the files the update modified or renamed with other bytes and where the new
/// snapshot has line findings (only those are read, both sides decoded as the health scan decoded
/// them, so the lines are the findings' lines).
fn line_maps<'d>(
    old: &Snapshot,
    new: &Snapshot,
    diff: &'d SnapshotDiff,
) -> Result<HashMap<&'d str, LineMap>, CompareError> {
    let mut with_lines: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for f in new.health().findings.iter().filter(|f| summarised(f.kind) && f.line.is_some()) {
        with_lines.insert(f.path.as_str());
    }
    let jobs: Vec<&FileChange> = diff
        .files
        .iter()
        .filter(|c| matches!(c.status, Status::Modified | Status::Renamed) && c.old_blob != c.new_blob)
        .filter(|c| c.new_path.as_deref().is_some_and(|p| with_lines.contains(p)))
        .collect();
    let text = |snap: &Snapshot, path: &str, side: Side| -> Result<Option<Vec<u8>>, CompareError> {
        let Some(entry) = snap.file(path.as_bytes()) else { return Ok(None) };
        let Some(enc) =
            entry.encoding.filter(|_| !matches!(entry.kind, vitrine_snapshot::EntryKind::Symlink { .. }))
        else {
            return Ok(None);
        };
        let bytes = read_side(snap, entry, path, side)?;
        Ok(Some(vitrine_snapshot::text::decode(&bytes, enc).into_owned().into_bytes()))
    };
    let maps: Vec<(&str, LineMap)> = vitrine_snapshot::work::map_next(
        &jobs,
        || (),
        |_, _, c| -> Result<(&str, LineMap), CompareError> {
            let (Some(op), Some(np)) = (c.old_path.as_deref(), c.new_path.as_deref()) else {
                return Ok((c.path(), LineMap::AllChanged));
            };
            let map = match (text(old, op, Side::Old)?, text(new, np, Side::New)?) {
                (Some(a), Some(b)) => LineMap::Hunks(crate::display::line_hunks(&a, &b)),
                _ => LineMap::AllChanged,
            };
            Ok((np, map))
        },
    )
    .into_iter()
    .collect::<Result<_, _>>()?;
    Ok(maps.into_iter().collect())
}

fn read_side(snap: &Snapshot, entry: &FileEntry, path: &str, side: Side) -> Result<Vec<u8>, CompareError> {
    snap.read(entry).map_err(|source| CompareError::Read { path: path.to_owned(), side, source })
}

/// Builds the summary of `diff` between `old` and `new`. Reads and parses only the changed files with a
/// grammar (both sides of each), in parallel.
pub fn summarize(old: &Snapshot, new: &Snapshot, diff: &SnapshotDiff) -> Result<Summary, CompareError> {
    // The path a new-side file had before (renames), so a renamed file's findings are not new.
    let renamed_from: HashMap<&str, &str> = diff
        .files
        .iter()
        .filter(|f| f.status == Status::Renamed)
        .filter_map(|f| Some((f.new_path.as_deref()?, f.old_path.as_deref()?)))
        .collect();
    let maps = line_maps(old, new, diff)?;
    let old_key = |f: &Finding| -> Place { (f.kind, f.path.clone(), f.detail.clone(), f.line) };
    // A new finding's place in the old version: `None` when its line is one the update added or
    // changed (then it is new whatever the old version held).
    let new_key = |f: &Finding| -> Option<Place> {
        let path = renamed_from.get(f.path.as_str()).copied().unwrap_or(&f.path);
        let line = match f.line {
            None => None,
            Some(l) => Some(maps.get(f.path.as_str()).unwrap_or(&LineMap::Same).old_line(l)?),
        };
        Some((f.kind, path.to_owned(), f.detail.clone(), line))
    };
    let mut old_counts: HashMap<Place, usize> = HashMap::new();
    for f in old.health().findings.iter().filter(|f| summarised(f.kind)) {
        *old_counts.entry(old_key(f)).or_default() += 1;
    }
    let mut new_findings = Vec::new();
    for f in new.health().findings.iter().filter(|f| summarised(f.kind)) {
        match new_key(f).and_then(|k| old_counts.get_mut(&k)) {
            Some(n) if *n > 0 => *n -= 1,
            _ => new_findings.push(f.clone()),
        }
    }
    let mut gone_findings = Vec::new();
    for f in old.health().findings.iter().filter(|f| summarised(f.kind)) {
        if let Some(n) = old_counts.get_mut(&old_key(f))
            && *n > 0
        {
            *n -= 1;
            gone_findings.push(f.clone());
        }
    }
    let outside_tree_ids =
        diff.files.iter().filter(|c| c.outside_tree_ids).map(|c| c.path().to_owned()).collect();

    let binaries = diff
        .files
        .iter()
        .filter(|c| c.status != Status::Deleted && c.old_blob != c.new_blob)
        .filter(|c| {
            c.new_path
                .as_deref()
                .and_then(|p| new.file(p.as_bytes()))
                .is_some_and(|e| e.class == ContentClass::Binary)
        })
        .map(|c| BinaryChange { path: c.path().to_owned(), status: c.status })
        .collect();

    // Only the changed files' two sides are parsed, each file on its own worker; the deltas stay in
    // the diff's order.
    let deltas: Vec<Option<FileSymbolDelta>> =
        vitrine_snapshot::work::map_next(&diff.files, || (), |_, _, c| symbol_delta(old, new, c))
            .into_iter()
            .collect::<Result<_, _>>()?;
    let symbols = deltas.into_iter().flatten().collect();
    Ok(Summary { new_findings, gone_findings, outside_tree_ids, binaries, symbols })
}

fn is_summarised_symbol(kind: SymbolKind) -> bool {
    kind.is_function_like()
        || matches!(
            kind,
            SymbolKind::Class
                | SymbolKind::Struct
                | SymbolKind::Union
                | SymbolKind::Enum
                | SymbolKind::Typedef
                | SymbolKind::Interface
                | SymbolKind::Trait
                | SymbolKind::Macro
        )
}

/// One side's functions and types: (kind, qualified name, repeat index) -> (line, text).
type SymbolTable = HashMap<(&'static str, String, usize), (u32, Vec<u8>)>;

fn side_symbols(
    snap: &Snapshot,
    path: Option<&str>,
    side: Side,
) -> Result<Option<SymbolTable>, CompareError> {
    let Some(path) = path else { return Ok(Some(SymbolTable::new())) };
    let Some(entry) = snap.file(path.as_bytes()).filter(|e| e.is_indexable()) else { return Ok(None) };
    let bytes =
        snap.read(entry).map_err(|source| CompareError::Read { path: path.to_owned(), side, source })?;
    let Some(lang): Option<Language> = vitrine_syntax::language_for_path(path, &bytes) else {
        return Ok(None);
    };
    let fs = vitrine_syntax::extract_definitions(lang, &bytes);
    let mut table = SymbolTable::new();
    for s in fs.definitions.iter().filter(|s| is_summarised_symbol(s.kind)) {
        let name = if s.scope.is_empty() { s.name.clone() } else { format!("{}::{}", s.scope, s.name) };
        let text =
            bytes.get(s.range.start_byte as usize..s.range.end_byte as usize).unwrap_or_default().to_vec();
        let mut repeat = 0;
        while table.contains_key(&(s.kind.as_str(), name.clone(), repeat)) {
            repeat += 1;
        }
        table.insert((s.kind.as_str(), name, repeat), (s.name_range.start.line + 1, text));
    }
    Ok(Some(table))
}

fn symbol_delta(
    old: &Snapshot,
    new: &Snapshot,
    c: &FileChange,
) -> Result<Option<FileSymbolDelta>, CompareError> {
    if c.status == Status::TypeChanged || c.old_blob == c.new_blob {
        return Ok(None);
    }
    let (Some(before), Some(after)) = (
        side_symbols(old, c.old_path.as_deref(), Side::Old)?,
        side_symbols(new, c.new_path.as_deref(), Side::New)?,
    ) else {
        return Ok(None);
    };
    let mut delta = FileSymbolDelta { path: c.path().to_owned(), ..Default::default() };
    let as_ref =
        |k: &(&'static str, String, usize), line: u32| SymbolRef { kind: k.0, name: k.1.clone(), line };
    for (k, (line, text)) in &after {
        match before.get(k) {
            None => delta.added.push(as_ref(k, *line)),
            Some((_, old_text)) if old_text != text => delta.changed.push(as_ref(k, *line)),
            Some(_) => {}
        }
    }
    for (k, (line, _)) in &before {
        if !after.contains_key(k) {
            delta.removed.push(as_ref(k, *line));
        }
    }
    for list in [&mut delta.added, &mut delta.removed, &mut delta.changed] {
        list.sort_by(|a, b| a.line.cmp(&b.line).then_with(|| a.name.cmp(&b.name)));
    }
    if delta.added.is_empty() && delta.removed.is_empty() && delta.changed.is_empty() {
        return Ok(None);
    }
    Ok(Some(delta))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::display::line_hunks;

    #[test]
    fn a_line_outside_the_hunks_keeps_its_old_number_and_one_inside_has_none() {
        let old = b"a\nb\nc\nd\ne\n";
        // Two lines inserted at the top, `c` changed, `e` deleted, a line added at the end.
        let new = b"x\ny\na\nb\nC\nd\nz\n";
        let map = LineMap::Hunks(line_hunks(old, new));
        let got: Vec<Option<u64>> = (1..=7).map(|l| map.old_line(l)).collect();
        assert_eq!(got, [None, None, Some(1), Some(2), None, Some(4), None]);
        assert_eq!(LineMap::Same.old_line(3), Some(3));
        assert_eq!(LineMap::AllChanged.old_line(1), None);
        assert_eq!(map.old_line(0), None);
    }
}
