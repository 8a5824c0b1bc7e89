//! The snapshot-wide symbol index: definitions and declarations by name, call sites by callee, and the
//! files each name occurs in. Built in parallel, persisted in a compact format of its own beside the
//! text index (keyed by the snapshot digest), and reopened without loading it: lookups binary-search
//! the sorted name table with positioned reads.
//!
//! Files in the index directory (all integers little-endian):
//! - `meta.json`: format version, snapshot digest, counts;
//! - `files.bin`: per file `u32 path length, path, u8 language, u32 parse errors`;
//! - `includes.bin`: per file `u32 count` then `u32 length, bytes` per include;
//! - `names.bin` + `names.idx`: the distinct names, sorted bytewise; `names.idx` holds one
//!   `NAME_ENTRY`-byte entry per name (offset and length in `names.bin`, its definitions, calls and
//!   occurrence list);
//! - `names_ci.idx`: `u32` name ids in case-insensitive order;
//! - `defs.bin`: `DEF_RECORD`-byte records grouped by name, in name order;
//! - `scopes.bin` + `scopes.idx`: scope strings;
//! - `calls.bin`: `CALL_RECORD`-byte records (file, line, column, caller) grouped by callee name;
//! - `occ.bin`: per name, the files it occurs in as delta-encoded varints.
//!
//! References other than calls are not stored one by one (at Linux scale they would dwarf the rest):
//! the occurrence lists say which files to re-parse, and `references` reads exact positions from them.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use vitrine_snapshot::progress::Progress;

use crate::error::SyntaxError;
use crate::lang::{Language, language_for_path};
use crate::symbols::{ExtractOptions, Point, RefKind, Reference, SymbolKind, extract_with};

/// Bumped whenever the on-disk layout changes; an index of another version is rebuilt.
pub const FORMAT_VERSION: u32 = 1;

const NAME_ENTRY: usize = 40;
const DEF_RECORD: usize = 28;
const CALL_RECORD: usize = 16;
const NONE: u32 = u32::MAX;

/// What the index says about itself (`meta.json`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct IndexMeta {
    pub format: u32,
    /// The snapshot's primary digest (SHA-256 git tree id) the index was built from.
    pub tree_sha256: String,
    pub files: u32,
    /// Files parsed (those with a grammar).
    pub parsed_files: u32,
    pub names: u32,
    pub definitions: u64,
    pub declarations: u64,
    pub calls: u64,
    /// Files with at least one parse error, and the total count of ERROR/MISSING nodes.
    pub files_with_errors: u32,
    pub parse_errors: u64,
    /// Definitions per kind.
    pub kinds: std::collections::BTreeMap<String, u64>,
    pub build_ms: u64,
    pub size_bytes: u64,
}

/// A file to index: its path (relative to the snapshot, `/`-separated) and a way to read it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: String,
    /// Language override; `None` detects it from the path and content.
    pub language: Option<Language>,
}

/// Whether a hit is a definition or a declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Definition,
    Declaration,
}

/// One definition or declaration found in the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DefHit {
    /// Position in the index (stable for one index build).
    #[serde(skip)]
    pub id: u32,
    pub name: String,
    pub kind: SymbolKind,
    pub role: Role,
    pub scope: String,
    pub path: String,
    pub language: Option<Language>,
    /// The name's position (0-based).
    pub at: Point,
    /// Lines of the whole construct (0-based, inclusive).
    pub start_line: u32,
    pub end_line: u32,
    /// Recovered from a macro invocation (`SYSCALL_DEFINE3(open, ...)`).
    pub via_macro: bool,
}

/// One call site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallSite {
    pub path: String,
    pub at: Point,
    /// The definition the call is written in (the caller), if any.
    pub caller: Option<DefHit>,
}

/// Calls grouped by the definition they are written in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallerGroup {
    /// `None` for calls outside any definition (file-level macro invocations).
    pub caller: Option<DefHit>,
    pub path: String,
    pub sites: Vec<Point>,
}

/// A reference found by re-reading the files a name occurs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefHit {
    pub path: String,
    pub name: String,
    pub kind: RefKind,
    pub at: Point,
    /// Name of the enclosing definition.
    pub enclosing: Option<String>,
}

/// How a name is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    Exact,
    IgnoreCase,
    Prefix,
    /// Characters of the query in order, anywhere in the name (case-insensitive), best first.
    Fuzzy,
}

/// An opened symbol index.
#[derive(Debug)]
pub struct SymbolIndex {
    dir: PathBuf,
    meta: IndexMeta,
    paths: Vec<String>,
    languages: Vec<Option<Language>>,
    names_idx: File,
    names_blob: File,
    names_ci: File,
    defs: File,
    scopes_idx: File,
    scopes_blob: File,
    calls: File,
    occ: File,
    name_count: u32,
    includes: std::sync::OnceLock<Vec<Vec<String>>>,
    /// Every name at once (blob and `(offset, length)` per id), loaded on the first fuzzy lookup.
    all_names: std::sync::OnceLock<AllNames>,
}

/// Builds the symbol index of `files` into `dir` (replacing what is there), reading each file with
/// `read` (index into `files`). Parses in parallel on the rayon pool; advances `progress` per file and
/// stops with `Cancelled` when it is cancelled.
pub fn build<R>(
    files: &[SourceFile],
    read: R,
    dir: &Path,
    tree_sha256: &str,
    progress: &Progress,
) -> Result<SymbolIndex, SyntaxError>
where
    R: Fn(usize) -> Option<Vec<u8>> + Sync,
{
    let started = Instant::now();
    progress.set_phase("symbols", files.len() as u64);
    let mut acc = Accumulator {
        languages: vec![None; files.len()],
        parse_errors: vec![0; files.len()],
        includes: vec![Vec::new(); files.len()],
        ..Accumulator::default()
    };
    // Batches keep memory bounded: only one batch's full extraction results live at a time.
    const BATCH: usize = 1024;
    let options = ExtractOptions::default();
    for batch_start in (0..files.len()).step_by(BATCH) {
        if progress.is_cancelled() {
            return Err(SyntaxError::Cancelled);
        }
        let batch_end = (batch_start + BATCH).min(files.len());
        let outs: Vec<Option<FileOut>> = (batch_start..batch_end)
            .into_par_iter()
            .map(|i| {
                if progress.is_cancelled() {
                    return None;
                }
                let out = files.get(i).and_then(|f| extract_file(f, &read, i, &options));
                progress.advance(1, out.as_ref().map(|o| o.bytes).unwrap_or(0));
                out
            })
            .collect();
        for out in outs.into_iter().flatten() {
            acc.merge(out);
        }
    }
    if progress.is_cancelled() {
        return Err(SyntaxError::Cancelled);
    }
    progress.set_phase("symbols: writing", 1);
    write_index(acc, files, dir, tree_sha256, started)?;
    progress.advance(1, 0);
    SymbolIndex::open(dir)
}

/// Builds the index of a snapshot's indexable files into `dir`.
pub fn build_for_snapshot(
    snap: &vitrine_snapshot::Snapshot,
    dir: &Path,
    progress: &Progress,
) -> Result<SymbolIndex, SyntaxError> {
    let entries: Vec<&vitrine_snapshot::FileEntry> =
        snap.files().iter().filter(|e| e.is_indexable()).collect();
    let files: Vec<SourceFile> =
        entries.iter().map(|e| SourceFile { path: e.path.display(), language: None }).collect();
    let read = |i: usize| -> Option<Vec<u8>> {
        let entry = entries.get(i)?;
        let bytes = snap.read_unverified(entry).ok()?;
        match entry.encoding {
            Some(enc) if !enc.is_utf8() => {
                Some(vitrine_snapshot::text::decode(&bytes, enc).into_owned().into_bytes())
            }
            _ => Some(bytes),
        }
    };
    build(&files, read, dir, &snap.ids().tree_sha256, progress)
}

/// Opens the index of a snapshot in `dir` if it exists, matches the digest and the format version;
/// otherwise builds it.
pub fn open_or_build(
    snap: &vitrine_snapshot::Snapshot,
    dir: &Path,
    progress: &Progress,
) -> Result<SymbolIndex, SyntaxError> {
    if let Ok(index) = SymbolIndex::open(dir)
        && index.meta().tree_sha256 == snap.ids().tree_sha256
    {
        return Ok(index);
    }
    build_for_snapshot(snap, dir, progress)
}

impl SymbolIndex {
    /// Opens an index directory (reads `meta.json` and the path list; the rest stays on disk).
    pub fn open(dir: &Path) -> Result<SymbolIndex, SyntaxError> {
        let meta_path = dir.join("meta.json");
        let meta_bytes = std::fs::read(&meta_path)
            .map_err(|source| SyntaxError::Io { path: meta_path.clone(), source })?;
        let meta: IndexMeta = serde_json::from_slice(&meta_bytes)
            .map_err(|e| SyntaxError::Corrupt { path: meta_path.clone(), reason: e.to_string() })?;
        if meta.format != FORMAT_VERSION {
            return Err(SyntaxError::Version {
                path: meta_path,
                found: meta.format,
                expected: FORMAT_VERSION,
            });
        }
        let files_path = dir.join("files.bin");
        let files_bytes = std::fs::read(&files_path)
            .map_err(|source| SyntaxError::Io { path: files_path.clone(), source })?;
        let mut paths = Vec::with_capacity(meta.files as usize);
        let mut languages = Vec::with_capacity(meta.files as usize);
        let mut r = Reader { bytes: &files_bytes, pos: 0 };
        for _ in 0..meta.files {
            let corrupt = || SyntaxError::Corrupt { path: files_path.clone(), reason: "truncated".into() };
            let len = r.u32().ok_or_else(corrupt)? as usize;
            let path = r.take(len).ok_or_else(corrupt)?;
            let lang = r.u8().ok_or_else(corrupt)?;
            let _errors = r.u32().ok_or_else(corrupt)?;
            paths.push(String::from_utf8_lossy(path).into_owned());
            languages.push(if lang == 255 { None } else { Language::from_index(lang) });
        }
        let open = |name: &str| -> Result<File, SyntaxError> {
            let p = dir.join(name);
            File::open(&p).map_err(|source| SyntaxError::Io { path: p, source })
        };
        let names_idx = open("names.idx")?;
        let name_count = file_len(&names_idx, &dir.join("names.idx"))? / NAME_ENTRY as u64;
        Ok(SymbolIndex {
            dir: dir.to_path_buf(),
            meta,
            paths,
            languages,
            names_idx,
            names_blob: open("names.bin")?,
            names_ci: open("names_ci.idx")?,
            defs: open("defs.bin")?,
            scopes_idx: open("scopes.idx")?,
            scopes_blob: open("scopes.bin")?,
            calls: open("calls.bin")?,
            occ: open("occ.bin")?,
            name_count: name_count as u32,
            includes: std::sync::OnceLock::new(),
            all_names: std::sync::OnceLock::new(),
        })
    }

    pub fn meta(&self) -> &IndexMeta {
        &self.meta
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Indexed file paths, in file-id order.
    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    /// Definitions and declarations of `name` (definitions first, then by path and line).
    pub fn lookup(&self, name: &str, how: Match) -> Result<Vec<DefHit>, SyntaxError> {
        let ids = match how {
            Match::Exact => self.find_exact(name)?.into_iter().collect(),
            Match::IgnoreCase => self.find_ignore_case(name, false)?,
            Match::Prefix => self.find_prefix(name)?,
            Match::Fuzzy => self.find_fuzzy(name, 200)?,
        };
        let mut hits = Vec::new();
        for id in ids {
            let entry = self.entry(id)?;
            for d in entry.def_start..entry.def_start + entry.def_count {
                hits.push(self.def(d)?);
            }
        }
        if how != Match::Fuzzy {
            hits.sort_by(|a, b| {
                (a.role != Role::Definition, &a.path, a.at.line).cmp(&(
                    b.role != Role::Definition,
                    &b.path,
                    b.at.line,
                ))
            });
        }
        Ok(hits)
    }

    /// Names matching `query` (for a symbol picker), best first, at most `limit`.
    pub fn names(&self, query: &str, how: Match, limit: usize) -> Result<Vec<String>, SyntaxError> {
        let ids = match how {
            Match::Exact => self.find_exact(query)?.into_iter().collect(),
            Match::IgnoreCase => self.find_ignore_case(query, false)?,
            Match::Prefix => self.find_prefix(query)?,
            Match::Fuzzy => self.find_fuzzy(query, limit)?,
        };
        ids.into_iter().take(limit).map(|id| self.name(id)).collect()
    }

    /// Every call of a function or macro named `name`.
    pub fn calls(&self, name: &str) -> Result<Vec<CallSite>, SyntaxError> {
        let Some(id) = self.find_exact(name)? else { return Ok(Vec::new()) };
        let entry = self.entry(id)?;
        let mut out = Vec::with_capacity(entry.call_count as usize);
        let mut buf = vec![0u8; entry.call_count as usize * CALL_RECORD];
        read_exact_at(
            &self.calls,
            &mut buf,
            entry.call_start * CALL_RECORD as u64,
            &self.dir.join("calls.bin"),
        )?;
        for rec in buf.chunks_exact(CALL_RECORD) {
            let file = le32(rec, 0);
            let line = le32(rec, 4);
            let column = le32(rec, 8);
            let caller = le32(rec, 12);
            let caller = if caller == NONE { None } else { Some(self.def(caller)?) };
            out.push(CallSite { path: self.path(file), at: Point { line, column }, caller });
        }
        Ok(out)
    }

    /// The calls of `name` grouped by the definition they are written in (callers first by path,
    /// then by line).
    pub fn callers(&self, name: &str) -> Result<Vec<CallerGroup>, SyntaxError> {
        let mut groups: Vec<CallerGroup> = Vec::new();
        let mut by_key: HashMap<(String, Option<u32>), usize> = HashMap::new();
        for call in self.calls(name)? {
            let key = (call.path.clone(), call.caller.as_ref().map(|c| c.id));
            let slot = *by_key.entry(key).or_insert_with(|| {
                groups.push(CallerGroup {
                    caller: call.caller.clone(),
                    path: call.path.clone(),
                    sites: Vec::new(),
                });
                groups.len() - 1
            });
            if let Some(g) = groups.get_mut(slot) {
                g.sites.push(call.at);
            }
        }
        Ok(groups)
    }

    /// Files in which `name` occurs (as a reference of any kind).
    pub fn files_with(&self, name: &str) -> Result<Vec<String>, SyntaxError> {
        Ok(self.occurrence_files(name)?.into_iter().map(|f| self.path(f)).collect())
    }

    /// Every reference to `name`: the files it occurs in are re-parsed (in parallel) with `read`
    /// (by path) for exact positions and kinds.
    pub fn references<R>(&self, name: &str, read: R) -> Result<Vec<RefHit>, SyntaxError>
    where
        R: Fn(&str) -> Option<Vec<u8>> + Sync,
    {
        let files = self.occurrence_files(name)?;
        let per_file: Vec<Vec<RefHit>> = files
            .par_iter()
            .map(|&f| {
                let path = self.path(f);
                let Some(bytes) = read(&path) else { return Vec::new() };
                let lang = self.languages.get(f as usize).copied().flatten();
                let Some(lang) = lang.or_else(|| language_for_path(&path, &bytes)) else { return Vec::new() };
                let fs = crate::symbols::extract(lang, &bytes);
                fs.references
                    .iter()
                    .filter(|r| r.name == name)
                    .map(|r: &Reference| RefHit {
                        path: path.clone(),
                        name: r.name.clone(),
                        kind: r.kind,
                        at: r.at,
                        enclosing: r
                            .enclosing
                            .and_then(|e| fs.definitions.get(e as usize))
                            .map(|d| d.name.clone()),
                    })
                    .collect()
            })
            .collect();
        Ok(per_file.into_iter().flatten().collect())
    }

    /// The includes of every file (as written), loaded on first use.
    pub fn includes(&self, file: u32) -> &[String] {
        let all =
            self.includes.get_or_init(|| load_includes(&self.dir.join("includes.bin"), self.paths.len()));
        all.get(file as usize).map(Vec::as_slice).unwrap_or_default()
    }

    /// The id of a path.
    pub fn file_id(&self, path: &str) -> Option<u32> {
        self.paths.iter().position(|p| p == path).map(|i| i as u32)
    }

    fn path(&self, file: u32) -> String {
        self.paths.get(file as usize).cloned().unwrap_or_default()
    }

    fn entry(&self, id: u32) -> Result<NameEntry, SyntaxError> {
        let mut buf = [0u8; NAME_ENTRY];
        read_exact_at(
            &self.names_idx,
            &mut buf,
            u64::from(id) * NAME_ENTRY as u64,
            &self.dir.join("names.idx"),
        )?;
        Ok(NameEntry {
            name_off: le64(&buf, 0),
            name_len: le32(&buf, 8),
            def_start: le32(&buf, 12),
            def_count: le32(&buf, 16),
            call_start: u64::from(le32(&buf, 20)),
            call_count: le32(&buf, 24),
            occ_off: le64(&buf, 28),
            occ_len: le32(&buf, 36),
        })
    }

    fn name(&self, id: u32) -> Result<String, SyntaxError> {
        let e = self.entry(id)?;
        let mut buf = vec![0u8; e.name_len as usize];
        read_exact_at(&self.names_blob, &mut buf, e.name_off, &self.dir.join("names.bin"))?;
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }

    /// Binary search for the first name id whose name is >= `key` under `cmp`.
    fn lower_bound(&self, key: &str) -> Result<u32, SyntaxError> {
        let (mut lo, mut hi) = (0u32, self.name_count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.name(mid)?.as_bytes() < key.as_bytes() {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Ok(lo)
    }

    fn find_exact(&self, name: &str) -> Result<Option<u32>, SyntaxError> {
        let at = self.lower_bound(name)?;
        if at < self.name_count && self.name(at)? == name {
            return Ok(Some(at));
        }
        Ok(None)
    }

    fn find_prefix(&self, prefix: &str) -> Result<Vec<u32>, SyntaxError> {
        let mut at = self.lower_bound(prefix)?;
        let mut out = Vec::new();
        while at < self.name_count && self.name(at)?.starts_with(prefix) && out.len() < 10_000 {
            out.push(at);
            at += 1;
        }
        Ok(out)
    }

    fn ci_id(&self, pos: u32) -> Result<u32, SyntaxError> {
        let mut buf = [0u8; 4];
        read_exact_at(&self.names_ci, &mut buf, u64::from(pos) * 4, &self.dir.join("names_ci.idx"))?;
        Ok(le32(&buf, 0))
    }

    fn find_ignore_case(&self, name: &str, prefix: bool) -> Result<Vec<u32>, SyntaxError> {
        let key = name.to_lowercase();
        let (mut lo, mut hi) = (0u32, self.name_count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.name(self.ci_id(mid)?)?.to_lowercase() < key {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let mut out = Vec::new();
        while lo < self.name_count && out.len() < 10_000 {
            let id = self.ci_id(lo)?;
            let n = self.name(id)?.to_lowercase();
            if n == key || (prefix && n.starts_with(&key)) {
                out.push(id);
                lo += 1;
            } else {
                break;
            }
        }
        Ok(out)
    }

    fn find_fuzzy(&self, query: &str, limit: usize) -> Result<Vec<u32>, SyntaxError> {
        let (blob, spans) = self.all_names.get_or_init(|| {
            let blob = std::fs::read(self.dir.join("names.bin")).unwrap_or_default();
            let idx = std::fs::read(self.dir.join("names.idx")).unwrap_or_default();
            let spans = idx.chunks_exact(NAME_ENTRY).map(|e| (le64(e, 0), le32(e, 8))).collect();
            (blob, spans)
        });
        let q: Vec<u8> = query.bytes().map(|b| b.to_ascii_lowercase()).collect();
        let mut scored: Vec<(i64, u32)> = Vec::new();
        for (id, &(off, len)) in spans.iter().enumerate() {
            let Some(name) = blob.get(off as usize..(off + u64::from(len)) as usize) else { continue };
            if let Some(score) = fuzzy_score(&q, name) {
                scored.push((score, id as u32));
            }
        }
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        Ok(scored.into_iter().take(limit).map(|(_, id)| id).collect())
    }

    fn def(&self, id: u32) -> Result<DefHit, SyntaxError> {
        let mut buf = [0u8; DEF_RECORD];
        read_exact_at(&self.defs, &mut buf, u64::from(id) * DEF_RECORD as u64, &self.dir.join("defs.bin"))?;
        let name_id = le32(&buf, 0);
        let file = le32(&buf, 4);
        let line = le32(&buf, 8);
        let column = le32(&buf, 12);
        let start_line = le32(&buf, 16);
        let span = le32(&buf, 20) & 0x00ff_ffff;
        let scope = le32(&buf, 24);
        let role_flags = (le32(&buf, 20) >> 24) as u8;
        let kind_byte = role_flags & 0x1f;
        let role = if role_flags & 0x20 != 0 { Role::Declaration } else { Role::Definition };
        let via_macro = role_flags & 0x40 != 0;
        Ok(DefHit {
            id,
            name: self.name(name_id)?,
            kind: SymbolKind::ALL.get(usize::from(kind_byte)).copied().unwrap_or(SymbolKind::Function),
            role,
            scope: self.scope(scope)?,
            path: self.path(file),
            language: self.languages.get(file as usize).copied().flatten(),
            at: Point { line, column },
            start_line,
            end_line: start_line + span,
            via_macro,
        })
    }

    fn scope(&self, id: u32) -> Result<String, SyntaxError> {
        if id == NONE {
            return Ok(String::new());
        }
        let mut buf = [0u8; 12];
        read_exact_at(&self.scopes_idx, &mut buf, u64::from(id) * 12, &self.dir.join("scopes.idx"))?;
        let (off, len) = (le64(&buf, 0), le32(&buf, 8));
        let mut s = vec![0u8; len as usize];
        read_exact_at(&self.scopes_blob, &mut s, off, &self.dir.join("scopes.bin"))?;
        Ok(String::from_utf8_lossy(&s).into_owned())
    }

    fn occurrence_files(&self, name: &str) -> Result<Vec<u32>, SyntaxError> {
        let Some(id) = self.find_exact(name)? else { return Ok(Vec::new()) };
        let e = self.entry(id)?;
        let mut buf = vec![0u8; e.occ_len as usize];
        read_exact_at(&self.occ, &mut buf, e.occ_off, &self.dir.join("occ.bin"))?;
        let mut out = Vec::new();
        let mut r = Reader { bytes: &buf, pos: 0 };
        let mut prev = 0u32;
        while let Some(delta) = r.varint() {
            prev = prev.wrapping_add(delta as u32);
            out.push(prev);
        }
        Ok(out)
    }
}

// ---------------------------------------------------------------------------------------------------

/// Every name's bytes and `(offset, length)` per name id.
type AllNames = (Vec<u8>, Vec<(u64, u32)>);

struct NameEntry {
    name_off: u64,
    name_len: u32,
    def_start: u32,
    def_count: u32,
    call_start: u64,
    call_count: u32,
    occ_off: u64,
    occ_len: u32,
}

/// One file's extraction, with names still as strings.
struct FileOut {
    file: u32,
    bytes: u64,
    language: Language,
    parse_errors: u32,
    includes: Vec<String>,
    defs: Vec<FileDef>,
    /// (callee, line, column, index of the caller in `defs`)
    calls: Vec<(String, u32, u32, u32)>,
    /// Distinct names referenced in the file.
    occ: Vec<String>,
}

/// One definition or declaration of a file, before names are interned.
struct FileDef {
    name: String,
    scope: String,
    kind: SymbolKind,
    is_declaration: bool,
    via_macro: bool,
    /// The name's position.
    line: u32,
    column: u32,
    start_line: u32,
    end_line: u32,
}

#[derive(Default)]
struct Accumulator {
    interner: HashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
    scopes: HashMap<Box<str>, u32>,
    scope_list: Vec<Box<str>>,
    /// (name id, file, line, column, start line, span, kind|role|flags, scope, local index)
    defs: Vec<DefRaw>,
    /// Offset in `defs` of each file's first definition, for resolving callers.
    file_def_base: HashMap<u32, u32>,
    calls: Vec<(u32, u32, u32, u32, u32)>,
    occ: Vec<(u32, u32)>,
    languages: Vec<Option<Language>>,
    parse_errors: Vec<u32>,
    includes: Vec<Vec<String>>,
    parsed: u32,
}

#[derive(Clone, Copy)]
struct DefRaw {
    name: u32,
    file: u32,
    line: u32,
    column: u32,
    start_line: u32,
    span: u32,
    flags: u8,
    scope: u32,
}

impl Accumulator {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.interner.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.into());
        self.interner.insert(name.into(), id);
        id
    }

    fn scope_id(&mut self, scope: &str) -> u32 {
        if scope.is_empty() {
            return NONE;
        }
        if let Some(&id) = self.scopes.get(scope) {
            return id;
        }
        let id = self.scope_list.len() as u32;
        self.scope_list.push(scope.into());
        self.scopes.insert(scope.into(), id);
        id
    }

    fn merge(&mut self, out: FileOut) {
        let f = out.file;
        self.parsed += 1;
        if let Some(slot) = self.languages.get_mut(f as usize) {
            *slot = Some(out.language);
        }
        if let Some(slot) = self.parse_errors.get_mut(f as usize) {
            *slot = out.parse_errors;
        }
        if let Some(slot) = self.includes.get_mut(f as usize) {
            *slot = out.includes;
        }
        let base = self.defs.len() as u32;
        self.file_def_base.insert(f, base);
        for d in out.defs {
            let name = self.intern(&d.name);
            let scope = self.scope_id(&d.scope);
            let kind_idx = SymbolKind::ALL.iter().position(|k| *k == d.kind).unwrap_or(0) as u8;
            let flags =
                kind_idx | if d.is_declaration { 0x20 } else { 0 } | if d.via_macro { 0x40 } else { 0 };
            self.defs.push(DefRaw {
                name,
                file: f,
                line: d.line,
                column: d.column,
                start_line: d.start_line,
                span: d.end_line.saturating_sub(d.start_line).min(0x00ff_ffff),
                flags,
                scope,
            });
        }
        for (callee, line, column, caller) in out.calls {
            let callee = self.intern(&callee);
            let caller = if caller == NONE { NONE } else { base + caller };
            self.calls.push((callee, f, line, column, caller));
        }
        for name in out.occ {
            let id = self.intern(&name);
            self.occ.push((id, f));
        }
    }
}

fn extract_file<R>(f: &SourceFile, read: &R, i: usize, options: &ExtractOptions) -> Option<FileOut>
where
    R: Fn(usize) -> Option<Vec<u8>> + Sync,
{
    let bytes = read(i)?;
    let lang = f.language.or_else(|| language_for_path(&f.path, &bytes))?;
    let fs = extract_with(lang, &bytes, options);
    // Definitions first, then declarations: caller indexes point into definitions, which come first.
    let mut defs = Vec::with_capacity(fs.definitions.len() + fs.declarations.len());
    for (list, is_decl) in [(&fs.definitions, false), (&fs.declarations, true)] {
        for d in list {
            defs.push(FileDef {
                name: d.name.clone(),
                scope: d.scope.clone(),
                kind: d.kind,
                is_declaration: is_decl,
                via_macro: d.via_macro.is_some(),
                line: d.name_range.start.line,
                column: d.name_range.start.column,
                start_line: d.range.start.line,
                end_line: last_line(&d.range),
            });
        }
    }
    let mut calls = Vec::new();
    let mut occ: Vec<String> = Vec::new();
    for r in &fs.references {
        if r.kind == RefKind::Call {
            calls.push((r.name.clone(), r.at.line, r.at.column, r.enclosing.unwrap_or(NONE)));
        }
        occ.push(r.name.clone());
    }
    occ.sort_unstable();
    occ.dedup();
    Some(FileOut {
        file: i as u32,
        bytes: bytes.len() as u64,
        language: lang,
        parse_errors: fs.parse_errors,
        includes: fs.includes,
        defs,
        calls,
        occ,
    })
}

/// The last line a range covers (a range ending at column 0 ends on the line before).
pub fn last_line(r: &crate::symbols::TextRange) -> u32 {
    if r.end.column == 0 && r.end.line > r.start.line { r.end.line - 1 } else { r.end.line }
}

fn write_index(
    acc: Accumulator,
    files: &[SourceFile],
    dir: &Path,
    tree_sha256: &str,
    started: Instant,
) -> Result<(), SyntaxError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source: std::io::Error| SyntaxError::Io { path: path.clone(), source }
    };
    // Write into a fresh sibling directory, then swap it in, so a reader never sees half an index.
    let tmp = dir.with_extension("tmp-build");
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
    }
    std::fs::create_dir_all(&tmp).map_err(io(&tmp))?;

    // Names sorted bytewise; `rank[id]` is the position of name `id`.
    let mut order: Vec<u32> = (0..acc.names.len() as u32).collect();
    order.sort_by(|&a, &b| acc.names.get(a as usize).cmp(&acc.names.get(b as usize)));
    let mut rank = vec![0u32; acc.names.len()];
    for (pos, &id) in order.iter().enumerate() {
        if let Some(r) = rank.get_mut(id as usize) {
            *r = pos as u32;
        }
    }

    // Definitions grouped by name rank; remember where each original definition went.
    let mut def_order: Vec<u32> = (0..acc.defs.len() as u32).collect();
    let def_key = |i: u32| {
        let d = acc.defs.get(i as usize).copied();
        d.map(|d| (rank.get(d.name as usize).copied().unwrap_or(0), d.flags & 0x20, d.file, d.line))
    };
    def_order.sort_by_key(|&i| def_key(i));
    let mut def_pos = vec![0u32; acc.defs.len()];
    for (pos, &i) in def_order.iter().enumerate() {
        if let Some(p) = def_pos.get_mut(i as usize) {
            *p = pos as u32;
        }
    }

    let mut calls = acc.calls;
    calls.sort_unstable_by_key(|c| (rank.get(c.0 as usize).copied().unwrap_or(0), c.1, c.2, c.3));
    let mut occ = acc.occ;
    occ.sort_unstable_by_key(|&(n, f)| (rank.get(n as usize).copied().unwrap_or(0), f));
    occ.dedup();

    let mut kinds: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    let mut declarations = 0u64;
    {
        let path = tmp.join("defs.bin");
        let mut w = BufWriter::new(File::create(&path).map_err(io(&path))?);
        for &i in &def_order {
            let Some(d) = acc.defs.get(i as usize) else { continue };
            if d.flags & 0x20 != 0 {
                declarations += 1;
            } else if let Some(k) = SymbolKind::ALL.get(usize::from(d.flags & 0x1f)) {
                *kinds.entry(k.as_str().to_string()).or_default() += 1;
            }
            let mut rec = [0u8; DEF_RECORD];
            put32(&mut rec, 0, rank.get(d.name as usize).copied().unwrap_or(0));
            put32(&mut rec, 4, d.file);
            put32(&mut rec, 8, d.line);
            put32(&mut rec, 12, d.column);
            put32(&mut rec, 16, d.start_line);
            put32(&mut rec, 20, (d.span & 0x00ff_ffff) | (u32::from(d.flags) << 24));
            put32(&mut rec, 24, d.scope);
            w.write_all(&rec).map_err(io(&path))?;
        }
        w.flush().map_err(io(&path))?;
    }
    {
        let path = tmp.join("calls.bin");
        let mut w = BufWriter::new(File::create(&path).map_err(io(&path))?);
        for &(_, file, line, column, caller) in &calls {
            let caller =
                if caller == NONE { NONE } else { def_pos.get(caller as usize).copied().unwrap_or(NONE) };
            let mut rec = [0u8; CALL_RECORD];
            put32(&mut rec, 0, file);
            put32(&mut rec, 4, line);
            put32(&mut rec, 8, column);
            put32(&mut rec, 12, caller);
            w.write_all(&rec).map_err(io(&path))?;
        }
        w.flush().map_err(io(&path))?;
    }
    // Names, their entries and occurrence lists, in rank order.
    {
        let (blob_path, idx_path, occ_path) =
            (tmp.join("names.bin"), tmp.join("names.idx"), tmp.join("occ.bin"));
        let mut blob = BufWriter::new(File::create(&blob_path).map_err(io(&blob_path))?);
        let mut idx = BufWriter::new(File::create(&idx_path).map_err(io(&idx_path))?);
        let mut occ_w = BufWriter::new(File::create(&occ_path).map_err(io(&occ_path))?);
        let (mut name_off, mut occ_off) = (0u64, 0u64);
        let (mut d, mut c, mut o) = (0usize, 0usize, 0usize);
        let def_rank = |i: usize| {
            def_order
                .get(i)
                .and_then(|&x| acc.defs.get(x as usize))
                .map(|x| rank.get(x.name as usize).copied().unwrap_or(0))
        };
        for (r, &id) in order.iter().enumerate() {
            let r = r as u32;
            let name = acc.names.get(id as usize).map(|n| n.as_bytes()).unwrap_or_default();
            blob.write_all(name).map_err(io(&blob_path))?;
            let def_start = d;
            while def_rank(d) == Some(r) {
                d += 1;
            }
            let call_start = c;
            while calls.get(c).is_some_and(|x| rank.get(x.0 as usize).copied() == Some(r)) {
                c += 1;
            }
            let mut list = Vec::new();
            let mut prev = 0u32;
            while let Some(&(n, f)) = occ.get(o) {
                if rank.get(n as usize).copied() != Some(r) {
                    break;
                }
                put_varint(&mut list, u64::from(f - prev));
                prev = f;
                o += 1;
            }
            occ_w.write_all(&list).map_err(io(&occ_path))?;
            let mut e = [0u8; NAME_ENTRY];
            put64(&mut e, 0, name_off);
            put32(&mut e, 8, name.len() as u32);
            put32(&mut e, 12, def_start as u32);
            put32(&mut e, 16, (d - def_start) as u32);
            put32(&mut e, 20, call_start as u32);
            put32(&mut e, 24, (c - call_start) as u32);
            put64(&mut e, 28, occ_off);
            put32(&mut e, 36, list.len() as u32);
            idx.write_all(&e).map_err(io(&idx_path))?;
            name_off += name.len() as u64;
            occ_off += list.len() as u64;
        }
        blob.flush().map_err(io(&blob_path))?;
        idx.flush().map_err(io(&idx_path))?;
        occ_w.flush().map_err(io(&occ_path))?;
    }
    {
        let path = tmp.join("names_ci.idx");
        let mut ci: Vec<u32> = (0..order.len() as u32).collect();
        let lower: Vec<String> = order
            .iter()
            .map(|&id| acc.names.get(id as usize).map(|n| n.to_lowercase()).unwrap_or_default())
            .collect();
        ci.sort_by(|&a, &b| lower.get(a as usize).cmp(&lower.get(b as usize)).then(a.cmp(&b)));
        let mut w = BufWriter::new(File::create(&path).map_err(io(&path))?);
        for r in ci {
            w.write_all(&r.to_le_bytes()).map_err(io(&path))?;
        }
        w.flush().map_err(io(&path))?;
    }
    {
        let (blob_path, idx_path) = (tmp.join("scopes.bin"), tmp.join("scopes.idx"));
        let mut blob = BufWriter::new(File::create(&blob_path).map_err(io(&blob_path))?);
        let mut idx = BufWriter::new(File::create(&idx_path).map_err(io(&idx_path))?);
        let mut off = 0u64;
        for s in &acc.scope_list {
            blob.write_all(s.as_bytes()).map_err(io(&blob_path))?;
            let mut e = [0u8; 12];
            put64(&mut e, 0, off);
            put32(&mut e, 8, s.len() as u32);
            idx.write_all(&e).map_err(io(&idx_path))?;
            off += s.len() as u64;
        }
        blob.flush().map_err(io(&blob_path))?;
        idx.flush().map_err(io(&idx_path))?;
    }
    {
        let path = tmp.join("files.bin");
        let mut w = BufWriter::new(File::create(&path).map_err(io(&path))?);
        for (i, f) in files.iter().enumerate() {
            w.write_all(&(f.path.len() as u32).to_le_bytes()).map_err(io(&path))?;
            w.write_all(f.path.as_bytes()).map_err(io(&path))?;
            let lang = acc.languages.get(i).copied().flatten().map(Language::index).unwrap_or(255);
            w.write_all(&[lang]).map_err(io(&path))?;
            w.write_all(&acc.parse_errors.get(i).copied().unwrap_or(0).to_le_bytes()).map_err(io(&path))?;
        }
        w.flush().map_err(io(&path))?;
        let path = tmp.join("includes.bin");
        let mut w = BufWriter::new(File::create(&path).map_err(io(&path))?);
        for list in &acc.includes {
            w.write_all(&(list.len() as u32).to_le_bytes()).map_err(io(&path))?;
            for inc in list {
                w.write_all(&(inc.len() as u32).to_le_bytes()).map_err(io(&path))?;
                w.write_all(inc.as_bytes()).map_err(io(&path))?;
            }
        }
        w.flush().map_err(io(&path))?;
    }
    let mut meta = IndexMeta {
        format: FORMAT_VERSION,
        tree_sha256: tree_sha256.to_string(),
        files: files.len() as u32,
        parsed_files: acc.parsed,
        names: order.len() as u32,
        definitions: acc.defs.len() as u64 - declarations,
        declarations,
        calls: calls.len() as u64,
        files_with_errors: acc.parse_errors.iter().filter(|&&e| e > 0).count() as u32,
        parse_errors: acc.parse_errors.iter().map(|&e| u64::from(e)).sum(),
        kinds,
        build_ms: 0,
        size_bytes: 0,
    };
    let size: u64 = std::fs::read_dir(&tmp)
        .map_err(io(&tmp))?
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    meta.size_bytes = size;
    meta.build_ms = started.elapsed().as_millis() as u64;
    let meta_path = tmp.join("meta.json");
    let json = serde_json::to_vec_pretty(&meta)
        .map_err(|e| SyntaxError::Corrupt { path: meta_path.clone(), reason: e.to_string() })?;
    std::fs::write(&meta_path, json).map_err(io(&meta_path))?;
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(io(dir))?;
    }
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    std::fs::rename(&tmp, dir).map_err(io(dir))?;
    Ok(())
}

fn load_includes(path: &Path, files: usize) -> Vec<Vec<String>> {
    let Ok(bytes) = std::fs::read(path) else { return vec![Vec::new(); files] };
    let mut r = Reader { bytes: &bytes, pos: 0 };
    let mut out = Vec::with_capacity(files);
    for _ in 0..files {
        let n = r.u32().unwrap_or(0);
        let mut list = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let len = r.u32().unwrap_or(0) as usize;
            let Some(b) = r.take(len) else { break };
            list.push(String::from_utf8_lossy(b).into_owned());
        }
        out.push(list);
    }
    out
}

/// Subsequence match score (higher is better), or `None` when `query` is not a subsequence of `name`.
/// Consecutive characters, a match at the start and word starts (`_`, case change) score higher;
/// shorter names break ties.
fn fuzzy_score(query: &[u8], name: &[u8]) -> Option<i64> {
    if query.is_empty() {
        return Some(0);
    }
    let mut score = 0i64;
    let mut qi = 0usize;
    let mut prev_match: Option<usize> = None;
    for (i, &c) in name.iter().enumerate() {
        let Some(&q) = query.get(qi) else { break };
        if c.to_ascii_lowercase() == q {
            let mut s = 1;
            if prev_match.is_some_and(|p| p + 1 == i) {
                s += 5;
            }
            let prev = if i > 0 { name.get(i - 1).copied() } else { None };
            if i == 0
                || prev == Some(b'_')
                || (prev.is_some_and(|p| p.is_ascii_lowercase()) && c.is_ascii_uppercase())
            {
                s += 8;
            }
            score += s;
            prev_match = Some(i);
            qi += 1;
        }
    }
    if qi < query.len() {
        return None;
    }
    if name.eq_ignore_ascii_case(query) {
        score += 100;
    }
    Some(score * 16 - name.len() as i64)
}

fn file_len(f: &File, path: &Path) -> Result<u64, SyntaxError> {
    f.metadata().map(|m| m.len()).map_err(|source| SyntaxError::Io { path: path.to_path_buf(), source })
}

fn read_exact_at(f: &File, buf: &mut [u8], offset: u64, path: &Path) -> Result<(), SyntaxError> {
    f.read_exact_at(buf, offset).map_err(|source| SyntaxError::Io { path: path.to_path_buf(), source })
}

fn le32(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        a.copy_from_slice(s);
    }
    u32::from_le_bytes(a)
}

fn le64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    if let Some(s) = b.get(at..at + 8) {
        a.copy_from_slice(s);
    }
    u64::from_le_bytes(a)
}

fn put32(b: &mut [u8], at: usize, v: u32) {
    if let Some(s) = b.get_mut(at..at + 4) {
        s.copy_from_slice(&v.to_le_bytes());
    }
}

fn put64(b: &mut [u8], at: usize, v: u64) {
    if let Some(s) = b.get_mut(at..at + 8) {
        s.copy_from_slice(&v.to_le_bytes());
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.bytes.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }

    fn u32(&mut self) -> Option<u32> {
        Some(le32(self.take(4)?, 0))
    }

    fn varint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let b = self.u8()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
            shift += 7;
            if shift > 63 {
                return None;
            }
        }
    }
}
