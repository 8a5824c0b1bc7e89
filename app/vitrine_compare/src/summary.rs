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
    /// Per changed text file: symbols added, removed and changed (with a grammar), preprocessor
    /// directives added and removed, and the lines changed outside any definition.
    pub symbols: Vec<FileSymbolDelta>,
    /// Every change that is not only new bytes at the same path, as `git diff --summary` lists them
    /// (renames and copies with their similarity, files added and deleted, mode and type changes),
    /// and any other changed path the lists above do not name: a rename without an edit is no text
    /// change, yet `auth.c` -> `auth.c.orig` takes the file out of the C sources. Each with what it
    /// does to the build ([`PathChange::flags`]).
    pub paths: Vec<PathChange>,
}

/// One changed path, as the update summary names it.
#[derive(Debug, Clone, Serialize)]
pub struct PathChange {
    /// How it changed.
    pub status: Status,
    /// The old path (`None` when added).
    pub old_path: Option<String>,
    /// The new path (`None` when deleted).
    pub new_path: Option<String>,
    /// For a rename or copy: git's similarity index in percent.
    pub similarity: Option<u8>,
    /// The old mode (`100644`, `100755`, `120000`).
    pub old_mode: Option<&'static str>,
    /// The new mode.
    pub new_mode: Option<&'static str>,
    /// What the change does to whether the file is built, run or tested: a rename out of its language
    /// or with a set-aside suffix, Go's file-name conditions, a test runner no longer collecting it, the
    /// executable bit gained or lost ([`crate::build::path_flags`], [`crate::build::mode_flag`]).
    pub flags: Vec<String>,
}

/// A binary file the update added or whose content it changed.
#[derive(Debug, Clone, Serialize)]
pub struct BinaryChange {
    /// Where it is in the new snapshot, `/`-separated.
    pub path: String,
    /// Added, modified, renamed or type-changed (never deleted).
    pub status: Status,
}

/// What changed in one text file: every text file the update added, deleted or whose bytes it
/// changed has one, so that a change outside any function or type (a privilege table, a global flag,
/// a flipped `#ifdef`) never leaves a file out of the summary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FileSymbolDelta {
    /// The file's path (the new one when there is one), `/`-separated.
    pub path: String,
    /// Whether the file has a grammar: then `added`, `removed` and `changed` list its definitions, and
    /// `outside` only the changes outside them; without one, `outside` is every change.
    pub grammar: bool,
    /// Too large to compare line by line (listed, nothing more).
    pub too_large: bool,
    /// Renamed without an edit to a name of another language (or none): listed for the symbols the
    /// rename takes out of (or into) that language's sources.
    pub same_bytes: bool,
    /// Symbols only in the new version.
    pub added: Vec<SymbolRef>,
    /// Symbols only in the old version.
    pub removed: Vec<SymbolRef>,
    /// Present on both sides with a different text (signature or body).
    pub changed: Vec<SymbolRef>,
    /// Preprocessor directives (other than `#define`, a macro above) on lines the update removed or
    /// added: `#include`, `#undef`, `#pragma`, `#if`/`#ifdef`/`#else`/`#endif` (C, C++, C#).
    pub directives: Vec<DirectiveChange>,
    /// Lines that decide what is built, on lines the update removed or added: Go build constraints
    /// (`//go:build ignore`), Rust `cfg`, `cfg_attr` and `test` attributes ([`crate::build::build_lines`]).
    pub build: Vec<DirectiveChange>,
    /// Changed lines outside every function, type and macro (file-scope data, `asm`, comments): runs of
    /// consecutive lines, a hunk's new and old run together when it has one of each; directive lines
    /// (in `directives`) and blank lines left out.
    pub outside: Vec<OutsideChange>,
}

/// A preprocessor directive the update removed or added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DirectiveChange {
    /// `added` (on a new line) or `removed` (an old line).
    pub change: &'static str,
    /// The directive, whitespace collapsed.
    pub text: String,
    /// 1-based line, in the new version when added, the old one when removed.
    pub line: u32,
}

/// Lines of one hunk outside every definition: 1-based inclusive ranges, the new lines added and the
/// old lines removed (`None` when there are none of that side).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutsideChange {
    /// New lines (added or changed).
    pub new: Option<[u32; 2]>,
    /// Old lines (removed or changed).
    pub old: Option<[u32; 2]>,
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

    let binaries: Vec<BinaryChange> = diff
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
    let symbols: Vec<FileSymbolDelta> = deltas.into_iter().flatten().collect();
    let paths = path_changes(diff, &symbols, &binaries);
    Ok(Summary { new_findings, gone_findings, outside_tree_ids, binaries, symbols, paths })
}

/// Every change of `diff` but new bytes at the same path and mode that `symbols` or `binaries` already
/// name, with its flags.
fn path_changes(
    diff: &SnapshotDiff,
    symbols: &[FileSymbolDelta],
    binaries: &[BinaryChange],
) -> Vec<PathChange> {
    let named: std::collections::HashSet<&str> =
        symbols.iter().map(|f| f.path.as_str()).chain(binaries.iter().map(|b| b.path.as_str())).collect();
    diff.files
        .iter()
        .filter(|c| c.status != Status::Modified || c.old_mode != c.new_mode || !named.contains(c.path()))
        .map(|c| {
            let mut flags = match (c.old_path.as_deref(), c.new_path.as_deref()) {
                (Some(o), Some(n)) => crate::build::path_flags(o, n),
                _ => Vec::new(),
            };
            flags.extend(crate::build::mode_flag(c.old_mode, c.new_mode).map(str::to_owned));
            if c.status == Status::Added && c.new_mode == Some("100755") {
                flags.push("added executable".to_owned());
            }
            PathChange {
                status: c.status,
                old_path: c.old_path.clone(),
                new_path: c.new_path.clone(),
                similarity: c.similarity,
                old_mode: c.old_mode,
                new_mode: c.new_mode,
                flags,
            }
        })
        .collect()
}

/// Sorted line numbers as runs of consecutive lines, 1-based inclusive.
fn runs(lines: &[u32]) -> Vec<[u32; 2]> {
    let mut out: Vec<[u32; 2]> = Vec::new();
    for &l in lines {
        match out.last_mut() {
            Some(r) if r[1] + 1 == l => r[1] = l,
            _ => out.push([l, l]),
        }
    }
    out
}

/// The changes outside definitions as text, at most `most` of them: `5, 9-12, old 20-21 removed, … and
/// 3 more` (new lines, or the old lines of a hunk that only removed some).
pub fn outside_text(outside: &[OutsideChange], most: usize) -> String {
    let range = |[a, b]: [u32; 2]| if a == b { a.to_string() } else { format!("{a}-{b}") };
    let mut parts: Vec<String> = outside
        .iter()
        .take(most)
        .map(|o| match (o.new, o.old) {
            (Some(n), _) => range(n),
            (None, Some(o)) => format!("old {} removed", range(o)),
            (None, None) => String::new(),
        })
        .collect();
    if outside.len() > most {
        parts.push(format!("… and {} more", outside.len() - most));
    }
    parts.join(", ")
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

/// One side of a changed text file: its bytes, and with a grammar its definitions and the 0-based
/// lines (inclusive) each spans.
struct SideText {
    bytes: Vec<u8>,
    lang: Option<Language>,
    table: SymbolTable,
    spans: Vec<(u32, u32)>,
}

/// How a side of a change reads.
enum SideRead {
    /// No file on this side (added or deleted).
    Absent,
    /// Text, read.
    Text(SideText),
    /// Text above the size limit: listed, not compared.
    TooLarge,
    /// Binary, a symlink, or otherwise not text: not this list's (binaries are listed above).
    Other,
}

fn side_text(snap: &Snapshot, path: Option<&str>, side: Side) -> Result<SideRead, CompareError> {
    let Some(path) = path else { return Ok(SideRead::Absent) };
    let Some(entry) = snap.file(path.as_bytes()) else { return Ok(SideRead::Absent) };
    if entry.class == ContentClass::TooLarge {
        return Ok(SideRead::TooLarge);
    }
    if !entry.is_indexable() {
        return Ok(SideRead::Other);
    }
    let bytes = read_side(snap, entry, path, side)?;
    let lang: Option<Language> = vitrine_syntax::language_for_path(path, &bytes);
    let mut table = SymbolTable::new();
    let mut spans = Vec::new();
    if let Some(lang) = lang {
        let fs = vitrine_syntax::extract_definitions(lang, &bytes);
        for s in fs.definitions.iter().filter(|s| is_summarised_symbol(s.kind)) {
            let name = if s.scope.is_empty() { s.name.clone() } else { format!("{}::{}", s.scope, s.name) };
            let text = bytes
                .get(s.range.start_byte as usize..s.range.end_byte as usize)
                .unwrap_or_default()
                .to_vec();
            let mut repeat = 0;
            while table.contains_key(&(s.kind.as_str(), name.clone(), repeat)) {
                repeat += 1;
            }
            table.insert((s.kind.as_str(), name, repeat), (s.name_range.start.line + 1, text));
            // The last line holding a byte of it (an end at column 0 is the line before's end).
            let last =
                if s.range.end.column == 0 { s.range.end.line.saturating_sub(1) } else { s.range.end.line };
            spans.push((s.range.start.line, last.max(s.range.start.line)));
        }
    }
    Ok(SideRead::Text(SideText { bytes, lang, table, spans }))
}

fn symbol_delta(
    old: &Snapshot,
    new: &Snapshot,
    c: &FileChange,
) -> Result<Option<FileSymbolDelta>, CompareError> {
    // A rename without an edit that changes the file's language by name (`auth.c` -> `auth.c.orig`)
    // is listed too: its symbols leave (or join) the language's sources.
    let language_by_name = |p: Option<&str>| p.and_then(|p| vitrine_syntax::language_for_path(p, b""));
    let language_moved = c.old_blob == c.new_blob
        && c.old_path.is_some()
        && c.new_path.is_some()
        && language_by_name(c.old_path.as_deref()) != language_by_name(c.new_path.as_deref());
    if c.status == Status::TypeChanged || (c.old_blob == c.new_blob && !language_moved) {
        return Ok(None);
    }
    let empty = || SideText { bytes: Vec::new(), lang: None, table: SymbolTable::new(), spans: Vec::new() };
    let mut delta =
        FileSymbolDelta { path: c.path().to_owned(), same_bytes: language_moved, ..Default::default() };
    let (before, after) = match (
        side_text(old, c.old_path.as_deref(), Side::Old)?,
        side_text(new, c.new_path.as_deref(), Side::New)?,
    ) {
        (SideRead::Other, _) | (_, SideRead::Other) | (SideRead::Absent, SideRead::Absent) => {
            return Ok(None);
        }
        (SideRead::TooLarge, _) | (_, SideRead::TooLarge) => {
            delta.too_large = true;
            return Ok(Some(delta));
        }
        (a, b) => {
            let text = |s: SideRead| if let SideRead::Text(t) = s { t } else { empty() };
            (text(a), text(b))
        }
    };
    // A file with a grammar on one side (added, deleted, or renamed to a source name) is compared as one.
    let lang = after.lang.or(before.lang);
    delta.grammar = lang.is_some();
    let as_ref =
        |k: &(&'static str, String, usize), line: u32| SymbolRef { kind: k.0, name: k.1.clone(), line };
    for (k, (line, text)) in &after.table {
        match before.table.get(k) {
            None => delta.added.push(as_ref(k, *line)),
            Some((_, old_text)) if old_text != text => delta.changed.push(as_ref(k, *line)),
            Some(_) => {}
        }
    }
    for (k, (line, _)) in &before.table {
        if !after.table.contains_key(k) {
            delta.removed.push(as_ref(k, *line));
        }
    }
    for list in [&mut delta.added, &mut delta.removed, &mut delta.changed] {
        list.sort_by(|a, b| a.line.cmp(&b.line).then_with(|| a.name.cmp(&b.name)));
    }
    // Directives by 0-based line, each side (C, C++, C#).
    let directives = |s: &SideText| -> HashMap<u32, String> {
        let Some(lang) = lang else { return HashMap::new() };
        crate::context::scan(lang, &s.bytes)
            .map(|sc| sc.directives.into_iter().map(|d| (d.line - 1, d.text)).collect())
            .unwrap_or_default()
    };
    let (od, nd) = (directives(&before), directives(&after));
    // Go constraint lines and Rust build attributes, by 0-based line, each side.
    let build = |s: &SideText| -> HashMap<u32, String> {
        crate::build::build_lines(lang, &s.bytes)
            .into_iter()
            .map(|l| (l.line - 1, crate::build::build_line_text(&l)))
            .collect()
    };
    let (ob, nb) = (build(&before), build(&after));
    let inside = |spans: &[(u32, u32)], l: u32| spans.iter().any(|&(a, b)| a <= l && l <= b);
    // Blank lines are left out of the lines changed outside definitions (noise between functions).
    let (old_lines, new_lines) = (crate::port::lines(&before.bytes), crate::port::lines(&after.bytes));
    let blank =
        |ls: &[&[u8]], l: u32| ls.get(l as usize).is_none_or(|t| t.iter().all(u8::is_ascii_whitespace));
    for h in crate::display::line_hunks(&before.bytes, &after.bytes) {
        for l in h.old.clone() {
            if let Some(t) = ob.get(&l) {
                delta.build.push(DirectiveChange { change: "removed", text: t.clone(), line: l + 1 });
            }
        }
        for l in h.new.clone() {
            if let Some(t) = nb.get(&l) {
                delta.build.push(DirectiveChange { change: "added", text: t.clone(), line: l + 1 });
            }
        }
        let mut removed = Vec::new();
        for l in h.old.clone() {
            match od.get(&l) {
                Some(t) if !t.starts_with("#define") => {
                    delta.directives.push(DirectiveChange { change: "removed", text: t.clone(), line: l + 1 })
                }
                Some(_) => {}
                None if !inside(&before.spans, l) && !blank(&old_lines, l) => removed.push(l + 1),
                None => {}
            }
        }
        let mut added = Vec::new();
        for l in h.new.clone() {
            match nd.get(&l) {
                Some(t) if !t.starts_with("#define") => {
                    delta.directives.push(DirectiveChange { change: "added", text: t.clone(), line: l + 1 })
                }
                Some(_) => {}
                None if !inside(&after.spans, l) && !blank(&new_lines, l) => added.push(l + 1),
                None => {}
            }
        }
        // Runs of consecutive lines: a hunk spanning a definition (an added file) is split around it.
        let (new_runs, old_runs) = (runs(&added), runs(&removed));
        match (new_runs.as_slice(), old_runs.as_slice()) {
            ([n], [o]) => delta.outside.push(OutsideChange { new: Some(*n), old: Some(*o) }),
            _ => {
                delta.outside.extend(new_runs.iter().map(|&n| OutsideChange { new: Some(n), old: None }));
                delta.outside.extend(old_runs.iter().map(|&o| OutsideChange { new: None, old: Some(o) }));
            }
        }
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
