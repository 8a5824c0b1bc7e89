//! What the reviewer of an update looks at first: the health delta (findings the new version brings,
//! binaries added or changed) and the symbol delta (functions and types added, removed, or whose body
//! changed, per changed file).

use std::collections::HashMap;

use serde::Serialize;
use vitrine_snapshot::{ContentClass, Finding, FindingKind, Snapshot};
use vitrine_syntax::{Language, SymbolKind};

use crate::{CompareError, FileChange, Side, SnapshotDiff, Status};

/// The update summary.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Findings of the new snapshot that the old one did not have (compared by kind, path (the old
    /// path for a renamed file) and detail, counting repeats, so shifted lines do not make a finding new).
    pub new_findings: Vec<Finding>,
    /// Findings of the old snapshot that are gone from the new one.
    pub gone_findings: Vec<Finding>,
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
        )
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
    let key = |f: &Finding, rename: bool| {
        let path =
            if rename { renamed_from.get(f.path.as_str()).copied().unwrap_or(&f.path) } else { &f.path };
        (f.kind, path.to_owned(), f.detail.clone())
    };
    let mut old_counts: HashMap<(FindingKind, String, String), usize> = HashMap::new();
    for f in old.health().findings.iter().filter(|f| summarised(f.kind)) {
        *old_counts.entry(key(f, false)).or_default() += 1;
    }
    let mut new_findings = Vec::new();
    for f in new.health().findings.iter().filter(|f| summarised(f.kind)) {
        match old_counts.get_mut(&key(f, true)) {
            Some(n) if *n > 0 => *n -= 1,
            _ => new_findings.push(f.clone()),
        }
    }
    let mut gone_findings = Vec::new();
    for f in old.health().findings.iter().filter(|f| summarised(f.kind)) {
        if let Some(n) = old_counts.get_mut(&key(f, false))
            && *n > 0
        {
            *n -= 1;
            gone_findings.push(f.clone());
        }
    }

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
    Ok(Summary { new_findings, gone_findings, binaries, symbols })
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
