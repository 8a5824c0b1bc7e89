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
use crate::symbols::{ExtractOptions, Point, RefKind, Reference, SymbolKind, extract_raw};

/// Bumped whenever the on-disk layout changes; an index of another version is rebuilt.
pub const FORMAT_VERSION: u32 = 2;

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
    /// Files whose parse ran out of time (`PARSE_TIMEOUT`): only their names are indexed.
    #[serde(default)]
    pub parse_timeouts: Vec<String>,
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
///
/// Memory stays bounded: workers hand each file's result (names interned per file) to one merging
/// thread, which interns names once for the whole snapshot and streams definitions, calls and
/// occurrences to scratch files; the final files are then written a window of names at a time.
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
    // Write into a fresh sibling directory, then swap it in, so a reader never sees half an index.
    let tmp = dir.with_extension("tmp-build");
    let result = build_into(files, &read, dir, &tmp, tree_sha256, progress, started);
    if result.is_err() && tmp.exists() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result?;
    progress.advance(1, 0);
    SymbolIndex::open(dir)
}

fn build_into<R>(
    files: &[SourceFile],
    read: &R,
    dir: &Path,
    tmp: &Path,
    tree_sha256: &str,
    progress: &Progress,
    started: Instant,
) -> Result<(), SyntaxError>
where
    R: Fn(usize) -> Option<Vec<u8>> + Sync,
{
    if tmp.exists() {
        std::fs::remove_dir_all(tmp).map_err(io_err(tmp))?;
    }
    std::fs::create_dir_all(tmp).map_err(io_err(tmp))?;
    let acc = Accumulator::new(tmp, files.len())?;
    // Function bodies are read lexically: the index keeps only their calls and names.
    let options =
        ExtractOptions { skim_bodies: true, parse_timeout: Some(PARSE_TIMEOUT), ..ExtractOptions::default() };
    // A few hundred files' results in flight at most.
    let (tx, rx) = std::sync::mpsc::sync_channel::<FileOut>(256);
    let acc = std::thread::scope(|s| {
        let merger = s.spawn(move || {
            let mut acc = acc;
            let mut result = Ok(());
            for out in rx {
                // After an error, keep draining so that the workers never block.
                if result.is_ok() {
                    result = acc.merge(out);
                }
            }
            result.map(|()| acc)
        });
        (0..files.len()).into_par_iter().for_each_with(tx, |tx, i| {
            if progress.is_cancelled() {
                return;
            }
            let out = files.get(i).and_then(|f| extract_file(f, read, i, &options));
            progress.advance(1, out.as_ref().map(|o| o.bytes).unwrap_or(0));
            if let Some(out) = out {
                let _ = tx.send(out);
            }
        });
        merger.join().unwrap_or_else(|_| {
            Err(SyntaxError::Corrupt { path: tmp.to_path_buf(), reason: "index merge panicked".into() })
        })
    })?;
    if progress.is_cancelled() {
        return Err(SyntaxError::Cancelled);
    }
    progress.set_phase("symbols: writing", 1);
    acc.write(files, tmp, tree_sha256, started)?;
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(io_err(dir))?;
    }
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent).map_err(io_err(parent))?;
    }
    std::fs::rename(tmp, dir).map_err(io_err(dir))?;
    Ok(())
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

/// A definition in a window of the final sort: (rank, declaration, file, line, column, sequence
/// number) and its record.
type WindowDef = (u32, u8, u32, u32, u32, u32, [u8; DEF_RECORD]);

/// How long one file may take to parse during a build (the slowest files of Linux and Boost take
/// a few seconds on a loaded machine).
pub const PARSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Names longer than this are not indexed as references (generated data, not identifiers).
const MAX_NAME: usize = 1024;

/// Records per window of the final sort (a window's records, their keys and the output buffer are
/// what the writing phase holds beside the name table).
const WINDOW: u64 = if cfg!(test) { 3 } else { 1 << 20 };

/// Scratch records (little-endian `u32`s): a definition as in `defs.bin` but with the name id and
/// its sequence number implied by its position; a call (callee id, file, line, column, caller
/// definition's sequence number); an occurrence (name id, file).
const SCRATCH_DEF: usize = DEF_RECORD;
const SCRATCH_CALL: usize = 20;
const SCRATCH_OCC: usize = 8;

/// One file's extraction, with names interned per file (`names` holds them end to end).
struct FileOut {
    file: u32,
    bytes: u64,
    language: Language,
    parse_errors: u32,
    timed_out: bool,
    /// The includes, encoded as in `includes.bin`.
    includes: Vec<u8>,
    names: Vec<u8>,
    /// `(offset, length)` in `names` per local name id.
    spans: Vec<(u32, u32)>,
    defs: Vec<FileDef>,
    /// (callee local id, line, column, index of the caller in `defs` or `NONE`)
    calls: Vec<[u32; 4]>,
    /// Distinct local name ids referenced in the file.
    occ: Vec<u32>,
}

impl FileOut {
    fn name(&self, local: u32) -> &[u8] {
        let Some(&(off, len)) = self.spans.get(local as usize) else { return &[] };
        self.names.get(off as usize..(off + len) as usize).unwrap_or_default()
    }
}

/// One definition or declaration of a file, with a local name id.
struct FileDef {
    name: u32,
    scope: String,
    /// Kind index | 0x20 declaration | 0x40 via a macro.
    flags: u8,
    /// The name's position.
    line: u32,
    column: u32,
    start_line: u32,
    end_line: u32,
}

/// Per-file name interning (names borrowed from the file's source or its symbols).
#[derive(Default)]
struct LocalNames<'a> {
    ids: HashMap<&'a [u8], u32, FastHash>,
    names: Vec<u8>,
    spans: Vec<(u32, u32)>,
}

impl<'a> LocalNames<'a> {
    fn id(&mut self, name: &'a [u8]) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.spans.len() as u32;
        self.spans.push((self.names.len() as u32, name.len() as u32));
        self.names.extend_from_slice(name);
        self.ids.insert(name, id);
        id
    }
}

fn extract_file<R>(f: &SourceFile, read: &R, i: usize, options: &ExtractOptions) -> Option<FileOut>
where
    R: Fn(usize) -> Option<Vec<u8>> + Sync,
{
    let bytes = read(i)?;
    let lang = f.language.or_else(|| language_for_path(&f.path, &bytes))?;
    let (fs, refs) = extract_raw(lang, &bytes, options);
    let mut local = LocalNames::default();
    // Definitions first, then declarations: caller indexes point into definitions, which come first.
    let mut defs = Vec::with_capacity(fs.definitions.len() + fs.declarations.len());
    for (list, is_decl) in [(&fs.definitions, false), (&fs.declarations, true)] {
        for d in list {
            let kind_idx = SymbolKind::ALL.iter().position(|k| *k == d.kind).unwrap_or(0) as u8;
            let flags =
                kind_idx | if is_decl { 0x20 } else { 0 } | if d.via_macro.is_some() { 0x40 } else { 0 };
            defs.push(FileDef {
                name: local.id(d.name.as_bytes()),
                scope: d.scope.clone(),
                flags,
                line: d.name_range.start.line,
                column: d.name_range.start.column,
                start_line: d.range.start.line,
                end_line: last_line(&d.range),
            });
        }
    }
    let mut calls = Vec::new();
    let mut occ = Vec::new();
    let seen_before = local.spans.len();
    let mut seen = vec![false; seen_before];
    for r in &refs {
        let name = r.name(&bytes).as_bytes();
        if name.len() > MAX_NAME {
            continue;
        }
        let id = local.id(name);
        if id as usize >= seen.len() {
            seen.resize(id as usize + 1, false);
        }
        if let Some(s) = seen.get_mut(id as usize)
            && !*s
        {
            *s = true;
            occ.push(id);
        }
        if r.kind == RefKind::Call {
            calls.push([id, r.at.line, r.at.column, r.enclosing.unwrap_or(NONE)]);
        }
    }
    let mut includes = Vec::new();
    includes.extend_from_slice(&(fs.includes.len() as u32).to_le_bytes());
    for inc in &fs.includes {
        includes.extend_from_slice(&(inc.len() as u32).to_le_bytes());
        includes.extend_from_slice(inc.as_bytes());
    }
    let LocalNames { names, spans, .. } = local;
    Some(FileOut {
        file: i as u32,
        bytes: bytes.len() as u64,
        language: lang,
        parse_errors: fs.parse_errors,
        timed_out: fs.parse_timed_out,
        includes,
        names,
        spans,
        defs,
        calls,
        occ,
    })
}

/// The last line a range covers (a range ending at column 0 ends on the line before).
pub fn last_line(r: &crate::symbols::TextRange) -> u32 {
    if r.end.column == 0 && r.end.line > r.start.line { r.end.line - 1 } else { r.end.line }
}

/// What the merging thread keeps: the snapshot-wide name table, counts per name, per-file facts,
/// and writers of the scratch files.
struct Accumulator {
    names: Interner,
    scopes: HashMap<Box<str>, u32, FastHash>,
    scope_list: Vec<Box<str>>,
    defs: Scratch,
    calls: Scratch,
    occ: Scratch,
    declarations: u64,
    kinds: [u64; SymbolKind::ALL.len()],
    languages: Vec<Option<Language>>,
    parse_errors: Vec<u32>,
    includes: Vec<Box<[u8]>>,
    timed_out: Vec<u32>,
    parsed: u32,
}

/// A scratch file of fixed-size records, written while merging and read back in windows.
struct Scratch {
    path: PathBuf,
    writer: BufWriter<File>,
    count: u64,
}

impl Scratch {
    fn create(path: PathBuf) -> Result<Scratch, SyntaxError> {
        let file = File::create(&path).map_err(io_err(&path))?;
        Ok(Scratch { writer: BufWriter::with_capacity(1 << 20, file), path, count: 0 })
    }

    fn push(&mut self, words: &[u32]) -> Result<(), SyntaxError> {
        for w in words {
            self.writer.write_all(&w.to_le_bytes()).map_err(io_err(&self.path))?;
        }
        self.count += 1;
        Ok(())
    }

    /// Flushes and reopens for reading.
    fn finish(self) -> Result<(PathBuf, u64), SyntaxError> {
        let Scratch { path, mut writer, count } = self;
        writer.flush().map_err(io_err(&path))?;
        drop(writer);
        Ok((path, count))
    }
}

/// Calls `each(record index, record)` for every `size`-byte record of a scratch file, in order.
fn scan_scratch(path: &Path, size: usize, mut each: impl FnMut(u64, &[u8])) -> Result<(), SyntaxError> {
    let file = File::open(path).map_err(io_err(path))?;
    let mut r = std::io::BufReader::with_capacity(1 << 20, file);
    let mut rec = vec![0u8; size];
    let mut i = 0u64;
    loop {
        match std::io::Read::read_exact(&mut r, &mut rec) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(source) => return Err(SyntaxError::Io { path: path.to_path_buf(), source }),
        }
        each(i, &rec);
        i += 1;
    }
}

/// Records per name id in a scratch file (whose records start with the name id).
fn count_names(path: &Path, size: usize, names: usize) -> Result<Vec<u32>, SyntaxError> {
    let mut counts = vec![0u32; names];
    scan_scratch(path, size, |_, rec| {
        if let Some(c) = counts.get_mut(le32(rec, 0) as usize) {
            *c += 1;
        }
    })?;
    Ok(counts)
}

/// Splits a scratch file of `size`-byte records (name id first) in one pass into one file per
/// window of name ranks, each record followed by its position in the scratch file (a `u32`), so that
/// each window reads only its own records.
fn split_scratch(
    path: &Path,
    size: usize,
    windows: &[(u32, u32)],
    rank_of: &impl Fn(u32) -> u32,
) -> Result<Vec<PathBuf>, SyntaxError> {
    let paths: Vec<PathBuf> = (0..windows.len()).map(|w| path.with_extension(format!("w{w}"))).collect();
    let mut writers = Vec::with_capacity(paths.len());
    for p in &paths {
        writers.push(BufWriter::with_capacity(1 << 16, File::create(p).map_err(io_err(p))?));
    }
    let mut failed: Option<SyntaxError> = None;
    scan_scratch(path, size, |seq, rec| {
        let r = rank_of(le32(rec, 0));
        let w = windows.partition_point(|&(r0, _)| r0 <= r).saturating_sub(1);
        if let (Some(writer), Some(p), None) = (writers.get_mut(w), paths.get(w), failed.as_ref()) {
            let wrote = writer.write_all(rec).and_then(|()| writer.write_all(&(seq as u32).to_le_bytes()));
            if let Err(source) = wrote {
                failed = Some(SyntaxError::Io { path: p.clone(), source });
            }
        }
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    for (mut w, p) in writers.into_iter().zip(&paths) {
        w.flush().map_err(io_err(p))?;
    }
    Ok(paths)
}

/// Consecutive ranges of name ranks whose records (counted by `count(rank)`) fill at most about
/// `WINDOW` records each.
fn windows(names: usize, count: impl Fn(usize) -> u64) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let (mut start, mut filled) = (0usize, 0u64);
    for r in 0..names {
        let c = count(r);
        if filled > 0 && filled + c > WINDOW {
            out.push((start as u32, r as u32));
            start = r;
            filled = 0;
        }
        filled += c;
    }
    if start < names || out.is_empty() {
        out.push((start as u32, names as u32));
    }
    out
}

impl Accumulator {
    fn new(tmp: &Path, files: usize) -> Result<Accumulator, SyntaxError> {
        Ok(Accumulator {
            names: Interner::default(),
            scopes: HashMap::default(),
            scope_list: Vec::new(),
            defs: Scratch::create(tmp.join("defs.scratch"))?,
            calls: Scratch::create(tmp.join("calls.scratch"))?,
            occ: Scratch::create(tmp.join("occ.scratch"))?,
            declarations: 0,
            kinds: [0; SymbolKind::ALL.len()],
            languages: vec![None; files],
            parse_errors: vec![0; files],
            includes: vec![Box::default(); files],
            timed_out: Vec::new(),
            parsed: 0,
        })
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

    fn merge(&mut self, out: FileOut) -> Result<(), SyntaxError> {
        let f = out.file;
        self.parsed += 1;
        if let Some(slot) = self.languages.get_mut(f as usize) {
            *slot = Some(out.language);
        }
        if let Some(slot) = self.parse_errors.get_mut(f as usize) {
            *slot = out.parse_errors;
        }
        if out.timed_out {
            self.timed_out.push(f);
        }
        // Local name ids to global ones.
        let global = self.names.ids((0..out.spans.len() as u32).map(|l| out.name(l)));
        let base = self.defs.count as u32;
        for d in &out.defs {
            let name = global.get(d.name as usize).copied().unwrap_or(0);
            let scope = self.scope_id(&d.scope);
            if d.flags & 0x20 != 0 {
                self.declarations += 1;
            } else if let Some(k) = self.kinds.get_mut(usize::from(d.flags & 0x1f)) {
                *k += 1;
            }
            let span = d.end_line.saturating_sub(d.start_line).min(0x00ff_ffff);
            self.defs.push(&[
                name,
                f,
                d.line,
                d.column,
                d.start_line,
                span | (u32::from(d.flags) << 24),
                scope,
            ])?;
        }
        for &[callee, line, column, caller] in &out.calls {
            let callee = global.get(callee as usize).copied().unwrap_or(0);
            let caller = if caller == NONE { NONE } else { base + caller };
            self.calls.push(&[callee, f, line, column, caller])?;
        }
        for &l in &out.occ {
            let name = global.get(l as usize).copied().unwrap_or(0);
            self.occ.push(&[name, f])?;
        }
        if let Some(slot) = self.includes.get_mut(f as usize) {
            *slot = out.includes.into_boxed_slice();
        }
        Ok(())
    }

    /// Writes the index files into `tmp` from the name table and the scratch files.
    fn write(
        self,
        files: &[SourceFile],
        tmp: &Path,
        tree_sha256: &str,
        started: Instant,
    ) -> Result<(), SyntaxError> {
        let Accumulator {
            mut names,
            scope_list,
            defs,
            calls,
            occ,
            declarations,
            kinds,
            languages,
            parse_errors,
            includes,
            mut timed_out,
            parsed,
            ..
        } = self;
        names.drop_table();
        let (defs_path, def_total) = defs.finish()?;
        let (calls_path, call_total) = calls.finish()?;
        let (occ_path, _) = occ.finish()?;
        let n = names.len();

        // Names sorted bytewise; `rank[id]` is the position of name `id`.
        // The first 8 bytes of each name as a number, beside its id, settle most comparisons
        // without touching the names themselves.
        let mut keyed: Vec<(u64, u32)> =
            (0..n as u32).into_par_iter().map(|id| (prefix_key(names.get(id), false), id)).collect();
        keyed.par_sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| names.get(a.1).cmp(names.get(b.1))));
        let order: Vec<u32> = keyed.iter().map(|&(_, id)| id).collect();
        drop(keyed);
        let mut rank = vec![0u32; n];
        for (pos, &id) in order.iter().enumerate() {
            if let Some(r) = rank.get_mut(id as usize) {
                *r = pos as u32;
            }
        }
        let by_rank = |counts: &[u32]| -> Vec<u32> {
            order.iter().map(|&id| counts.get(id as usize).copied().unwrap_or(0)).collect()
        };
        let rank_of = |id: u32| rank.get(id as usize).copied().unwrap_or(0);
        // Scopes sorted too, so that the files do not depend on the order in which files were merged.
        let mut scope_order: Vec<u32> = (0..scope_list.len() as u32).collect();
        scope_order.sort_unstable_by(|&a, &b| scope_list.get(a as usize).cmp(&scope_list.get(b as usize)));
        let mut scope_rank = vec![NONE; scope_list.len()];
        for (pos, &id) in scope_order.iter().enumerate() {
            if let Some(r) = scope_rank.get_mut(id as usize) {
                *r = pos as u32;
            }
        }

        std::thread::scope(|sc| -> Result<(), SyntaxError> {
            // The case-insensitive order needs only the names: it is sorted meanwhile.
            let ci_job = sc.spawn(|| ci_order(&names, &order));
            // Definitions grouped by name rank, then definitions before declarations, then by file and
            // position. `def_pos[sequence number]` is where each one went (calls name their caller so).
            let defs_per_rank = by_rank(&count_names(&defs_path, SCRATCH_DEF, n)?);
            let mut def_pos = vec![NONE; def_total as usize];
            {
                let path = tmp.join("defs.bin");
                let mut w = BufWriter::with_capacity(1 << 20, File::create(&path).map_err(io_err(&path))?);
                let mut written = 0u32;
                let ws = windows(n, |r| u64::from(defs_per_rank.get(r).copied().unwrap_or(0)));
                let buckets = split_scratch(&defs_path, SCRATCH_DEF, &ws, &rank_of)?;
                for (&(r0, r1), bucket) in ws.iter().zip(&buckets) {
                    let mut window: Vec<WindowDef> = Vec::new();
                    scan_scratch(bucket, SCRATCH_DEF + 4, |_, rec| {
                        let seq = le32(rec, SCRATCH_DEF);
                        let r = rank_of(le32(rec, 0));
                        if r >= r0 && r < r1 {
                            let decl = (le32(rec, 20) >> 29) as u8 & 1;
                            let mut out = [0u8; DEF_RECORD];
                            out.copy_from_slice(rec.get(..DEF_RECORD).unwrap_or(&[0; DEF_RECORD]));
                            put32(&mut out, 0, r);
                            let scope = le32(rec, 24);
                            put32(&mut out, 24, scope_rank.get(scope as usize).copied().unwrap_or(NONE));
                            window.push((r, decl, le32(rec, 4), le32(rec, 8), le32(rec, 12), seq, out));
                        }
                    })?;
                    std::fs::remove_file(bucket).map_err(io_err(bucket))?;
                    window.par_sort_unstable_by_key(|e| (e.0, e.1, e.2, e.3, e.4, e.5));
                    for e in &window {
                        if let Some(p) = def_pos.get_mut(e.5 as usize) {
                            *p = written;
                        }
                        written += 1;
                        w.write_all(&e.6).map_err(io_err(&path))?;
                    }
                }
                w.flush().map_err(io_err(&path))?;
            }
            std::fs::remove_file(&defs_path).map_err(io_err(&defs_path))?;

            // Calls grouped by callee rank, then by file and position.
            let calls_per_rank = by_rank(&count_names(&calls_path, SCRATCH_CALL, n)?);
            {
                let path = tmp.join("calls.bin");
                let mut w = BufWriter::with_capacity(1 << 20, File::create(&path).map_err(io_err(&path))?);
                let ws = windows(n, |r| u64::from(calls_per_rank.get(r).copied().unwrap_or(0)));
                let buckets = split_scratch(&calls_path, SCRATCH_CALL, &ws, &rank_of)?;
                for (&(r0, r1), bucket) in ws.iter().zip(&buckets) {
                    let mut window: Vec<[u32; 5]> = Vec::new();
                    scan_scratch(bucket, SCRATCH_CALL + 4, |_, rec| {
                        let r = rank_of(le32(rec, 0));
                        if r >= r0 && r < r1 {
                            window.push([r, le32(rec, 4), le32(rec, 8), le32(rec, 12), le32(rec, 16)]);
                        }
                    })?;
                    std::fs::remove_file(bucket).map_err(io_err(bucket))?;
                    window.par_sort_unstable();
                    for &[_, file, line, column, caller] in &window {
                        let caller = if caller == NONE {
                            NONE
                        } else {
                            def_pos.get(caller as usize).copied().unwrap_or(NONE)
                        };
                        let mut rec = [0u8; CALL_RECORD];
                        put32(&mut rec, 0, file);
                        put32(&mut rec, 4, line);
                        put32(&mut rec, 8, column);
                        put32(&mut rec, 12, caller);
                        w.write_all(&rec).map_err(io_err(&path))?;
                    }
                }
                w.flush().map_err(io_err(&path))?;
            }
            drop(def_pos);
            std::fs::remove_file(&calls_path).map_err(io_err(&calls_path))?;

            // Occurrence lists (files in order, delta-encoded) per name rank.
            let occ_per_rank = by_rank(&count_names(&occ_path, SCRATCH_OCC, n)?);
            let mut occ_len = vec![0u32; n];
            {
                let path = tmp.join("occ.bin");
                let mut w = BufWriter::with_capacity(1 << 20, File::create(&path).map_err(io_err(&path))?);
                let ws = windows(n, |r| u64::from(occ_per_rank.get(r).copied().unwrap_or(0)));
                let buckets = split_scratch(&occ_path, SCRATCH_OCC, &ws, &rank_of)?;
                for (&(r0, r1), bucket) in ws.iter().zip(&buckets) {
                    let mut window: Vec<(u32, u32)> = Vec::new();
                    scan_scratch(bucket, SCRATCH_OCC + 4, |_, rec| {
                        let r = rank_of(le32(rec, 0));
                        if r >= r0 && r < r1 {
                            window.push((r, le32(rec, 4)));
                        }
                    })?;
                    std::fs::remove_file(bucket).map_err(io_err(bucket))?;
                    window.par_sort_unstable();
                    window.dedup();
                    let mut list = Vec::new();
                    let mut i = 0usize;
                    while let Some(&(r, _)) = window.get(i) {
                        list.clear();
                        let mut prev = 0u32;
                        while let Some(&(rr, f)) = window.get(i) {
                            if rr != r {
                                break;
                            }
                            put_varint(&mut list, u64::from(f - prev));
                            prev = f;
                            i += 1;
                        }
                        if let Some(l) = occ_len.get_mut(r as usize) {
                            *l = list.len() as u32;
                        }
                        w.write_all(&list).map_err(io_err(&path))?;
                    }
                }
                w.flush().map_err(io_err(&path))?;
            }
            drop(occ_per_rank);
            std::fs::remove_file(&occ_path).map_err(io_err(&occ_path))?;

            // Names and their entries, in rank order.
            {
                let (blob_path, idx_path) = (tmp.join("names.bin"), tmp.join("names.idx"));
                let mut blob =
                    BufWriter::with_capacity(1 << 20, File::create(&blob_path).map_err(io_err(&blob_path))?);
                let mut idx =
                    BufWriter::with_capacity(1 << 20, File::create(&idx_path).map_err(io_err(&idx_path))?);
                let (mut name_off, mut occ_off, mut def_start, mut call_start) = (0u64, 0u64, 0u32, 0u32);
                for (r, &id) in order.iter().enumerate() {
                    let name = names.get(id);
                    blob.write_all(name).map_err(io_err(&blob_path))?;
                    let dc = defs_per_rank.get(r).copied().unwrap_or(0);
                    let cc = calls_per_rank.get(r).copied().unwrap_or(0);
                    let ol = occ_len.get(r).copied().unwrap_or(0);
                    let mut e = [0u8; NAME_ENTRY];
                    put64(&mut e, 0, name_off);
                    put32(&mut e, 8, name.len() as u32);
                    put32(&mut e, 12, def_start);
                    put32(&mut e, 16, dc);
                    put32(&mut e, 20, call_start);
                    put32(&mut e, 24, cc);
                    put64(&mut e, 28, occ_off);
                    put32(&mut e, 36, ol);
                    idx.write_all(&e).map_err(io_err(&idx_path))?;
                    name_off += name.len() as u64;
                    occ_off += u64::from(ol);
                    def_start += dc;
                    call_start += cc;
                }
                blob.flush().map_err(io_err(&blob_path))?;
                idx.flush().map_err(io_err(&idx_path))?;
            }
            drop((defs_per_rank, calls_per_rank, occ_len));
            // Case-insensitive order (as `to_lowercase` orders, which is what lookups compare).
            let ci = ci_job.join().map_err(|_| SyntaxError::Corrupt {
                path: tmp.to_path_buf(),
                reason: "sorting names panicked".into(),
            })?;
            let path = tmp.join("names_ci.idx");
            let mut w = BufWriter::with_capacity(1 << 20, File::create(&path).map_err(io_err(&path))?);
            for r in ci {
                w.write_all(&r.to_le_bytes()).map_err(io_err(&path))?;
            }
            w.flush().map_err(io_err(&path))?;
            Ok(())
        })?;
        drop((names, order, rank));
        {
            let (blob_path, idx_path) = (tmp.join("scopes.bin"), tmp.join("scopes.idx"));
            let mut blob = BufWriter::new(File::create(&blob_path).map_err(io_err(&blob_path))?);
            let mut idx = BufWriter::new(File::create(&idx_path).map_err(io_err(&idx_path))?);
            let mut off = 0u64;
            for s in scope_order.iter().filter_map(|&id| scope_list.get(id as usize)) {
                blob.write_all(s.as_bytes()).map_err(io_err(&blob_path))?;
                let mut e = [0u8; 12];
                put64(&mut e, 0, off);
                put32(&mut e, 8, s.len() as u32);
                idx.write_all(&e).map_err(io_err(&idx_path))?;
                off += s.len() as u64;
            }
            blob.flush().map_err(io_err(&blob_path))?;
            idx.flush().map_err(io_err(&idx_path))?;
        }
        {
            let path = tmp.join("files.bin");
            let mut w = BufWriter::new(File::create(&path).map_err(io_err(&path))?);
            for (i, f) in files.iter().enumerate() {
                w.write_all(&(f.path.len() as u32).to_le_bytes()).map_err(io_err(&path))?;
                w.write_all(f.path.as_bytes()).map_err(io_err(&path))?;
                let lang = languages.get(i).copied().flatten().map(Language::index).unwrap_or(255);
                w.write_all(&[lang]).map_err(io_err(&path))?;
                w.write_all(&parse_errors.get(i).copied().unwrap_or(0).to_le_bytes())
                    .map_err(io_err(&path))?;
            }
            w.flush().map_err(io_err(&path))?;
            let path = tmp.join("includes.bin");
            let mut w = BufWriter::new(File::create(&path).map_err(io_err(&path))?);
            for list in &includes {
                let list: &[u8] = if list.is_empty() { &[0, 0, 0, 0] } else { list };
                w.write_all(list).map_err(io_err(&path))?;
            }
            w.flush().map_err(io_err(&path))?;
        }
        let mut kind_counts = std::collections::BTreeMap::new();
        for (k, &c) in SymbolKind::ALL.iter().zip(kinds.iter()) {
            if c > 0 {
                kind_counts.insert(k.as_str().to_string(), c);
            }
        }
        let mut meta = IndexMeta {
            format: FORMAT_VERSION,
            tree_sha256: tree_sha256.to_string(),
            files: files.len() as u32,
            parsed_files: parsed,
            names: n as u32,
            definitions: def_total - declarations,
            declarations,
            calls: call_total,
            files_with_errors: parse_errors.iter().filter(|&&e| e > 0).count() as u32,
            parse_errors: parse_errors.iter().map(|&e| u64::from(e)).sum(),
            kinds: kind_counts,
            parse_timeouts: {
                timed_out.sort_unstable();
                timed_out.iter().filter_map(|&f| files.get(f as usize)).map(|f| f.path.clone()).collect()
            },
            build_ms: 0,
            size_bytes: 0,
        };
        let size: u64 = std::fs::read_dir(tmp)
            .map_err(io_err(tmp))?
            .filter_map(|e| e.ok()?.metadata().ok())
            .map(|m| m.len())
            .sum();
        meta.size_bytes = size;
        meta.build_ms = started.elapsed().as_millis() as u64;
        let meta_path = tmp.join("meta.json");
        let json = serde_json::to_vec_pretty(&meta)
            .map_err(|e| SyntaxError::Corrupt { path: meta_path.clone(), reason: e.to_string() })?;
        std::fs::write(&meta_path, json).map_err(io_err(&meta_path))?;
        Ok(())
    }
}

/// The first 8 bytes of a name as a big-endian number (shorter names padded with zeros), ASCII
/// letters lowered for `ignore_case`, so that comparing keys orders names as far as they go. A name
/// with a byte above ASCII in those 8 bytes gets `u64::MAX` under `ignore_case` (its lowercase form
/// is not predictable from bytes): comparisons with it are left to `cmp_ignore_case` entirely.
fn prefix_key(name: &[u8], ignore_case: bool) -> u64 {
    let mut k = [0u8; 8];
    for (dst, &b) in k.iter_mut().zip(name) {
        if ignore_case && !b.is_ascii() {
            return u64::MAX;
        }
        *dst = if ignore_case { b.to_ascii_lowercase() } else { b };
    }
    u64::from_be_bytes(k)
}

/// Name ranks (positions in the bytewise `order` of ids) in the order of their lowercase forms.
fn ci_order(names: &Interner, order: &[u32]) -> Vec<u32> {
    let name_at = |r: u32| names.get(order.get(r as usize).copied().unwrap_or(0));
    let mut ci: Vec<(u64, u32)> =
        (0..order.len() as u32).into_par_iter().map(|r| (prefix_key(name_at(r), true), r)).collect();
    // Stable, from the bytewise order: names that differ only past a common case pattern are
    // already in order, and runs of them are merged rather than sorted again.
    ci.par_sort_by(|&(ka, a), &(kb, b)| {
        let by_key = if ka == u64::MAX || kb == u64::MAX { std::cmp::Ordering::Equal } else { ka.cmp(&kb) };
        by_key.then_with(|| cmp_ignore_case(name_at(a), name_at(b)))
    });
    ci.into_iter().map(|(_, r)| r).collect()
}

/// Orders names as their `to_lowercase` forms order: on ASCII, eight bytes at a time without
/// allocating (generated register names share long prefixes, so most comparisons of a sort run
/// far into both names).
fn cmp_ignore_case(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Big-endian, so that comparing the numbers compares the bytes in order; zeros past the end.
    let chunk = |s: &[u8], at: usize| {
        let mut k = [0u8; 8];
        let part = s.get(at..).unwrap_or_default();
        let n = part.len().min(8);
        k[..n].copy_from_slice(&part[..n]);
        u64::from_be_bytes(k)
    };
    let mut at = 0usize;
    loop {
        let (x, y) = (chunk(a, at), chunk(b, at));
        if (x | y) & HIGH != 0 {
            break;
        }
        let (x, y) = (ascii_lower8(x), ascii_lower8(y));
        if x != y {
            return x.cmp(&y);
        }
        if a.len() <= at + 8 || b.len() <= at + 8 {
            return a.len().cmp(&b.len());
        }
        at += 8;
    }
    // Only what comes before the first difference decides, and that was ASCII up to here.
    String::from_utf8_lossy(a).to_lowercase().cmp(&String::from_utf8_lossy(b).to_lowercase())
}

/// `to_ascii_lowercase` of eight ASCII bytes at once.
fn ascii_lower8(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    // A byte's high bit is set by the first sum when it is at least `A`, by the second when it is
    // past `Z` (no byte carries into the next: they are all below 0x80).
    let at_least_a = x + ONES * (0x80 - u64::from(b'A'));
    let past_z = x + ONES * (0x80 - u64::from(b'Z') - 1);
    let upper = at_least_a & !past_z & 0x8080_8080_8080_8080;
    x | (upper >> 2)
}

/// The snapshot-wide name table: every name once, in fixed-size blocks (no string per name, no
/// doubling of one huge buffer), found through an open-addressing table of ids.
#[derive(Default)]
struct Interner {
    blocks: Vec<Vec<u8>>,
    /// Per id: position (block * `BLOCK` + offset) << 24 | length.
    spans: Vec<u64>,
    /// Slots: the high 32 bits of the name's hash << 32 | id + 1; 0 when empty. A name's first
    /// slot is given by the top bits of its hash, so the stored bits also tell most probes apart
    /// without reading a name, and growing the table is one pass in slot order that reads no name.
    /// The length is a power of two, at most 70% full.
    table: Vec<u64>,
    /// Names seen again, kept with their bytes in a small direct-mapped cache: the names every
    /// file uses (`dev`, `ret`, `NULL`) are found without touching the table or the blocks.
    recent: Vec<RecentName>,
}

/// An entry of `Interner::recent`: a short name, its hash and its id.
#[derive(Clone, Copy, Default)]
struct RecentName {
    hash: u64,
    id: u32,
    /// The name's length + 1 (0: an empty slot).
    len: u8,
    bytes: [u8; RECENT_BYTES],
}

/// The longest name `Interner::recent` keeps (an entry is then 32 bytes).
const RECENT_BYTES: usize = 19;
const RECENT_SLOTS: usize = 1 << 15;

/// Size of a block of names (a name longer than this gets a block of its own).
const BLOCK: usize = 1 << 22;

impl Interner {
    fn len(&self) -> usize {
        self.spans.len()
    }

    fn get(&self, id: u32) -> &[u8] {
        let Some(&s) = self.spans.get(id as usize) else { return &[] };
        let (pos, len) = ((s >> 24) as usize, (s & 0x00ff_ffff) as usize);
        let Some(block) = self.blocks.get(pos / BLOCK) else { return &[] };
        block.get(pos % BLOCK..pos % BLOCK + len).unwrap_or_default()
    }

    #[cfg(test)]
    fn id(&mut self, name: &[u8]) -> u32 {
        let name = name.get(..name.len().min(BLOCK)).unwrap_or_default();
        self.id_hashed(name, hash_bytes(name))
    }

    /// The ids of a file's names. Each name's table slot and cache entry are read first, in one
    /// pass of independent loads, so that the memory system fetches many at once instead of one
    /// miss after another.
    fn ids<'n>(&mut self, names: impl ExactSizeIterator<Item = &'n [u8]>) -> Vec<u32> {
        let names: Vec<&[u8]> = names.map(|n| n.get(..n.len().min(BLOCK)).unwrap_or_default()).collect();
        while (self.spans.len() + names.len() + 1) * 10 > self.table.len() * 7 {
            self.grow();
        }
        let hashes: Vec<u64> = names.iter().map(|n| hash_bytes(n)).collect();
        let mut touched = 0u64;
        for &h in &hashes {
            touched ^= self.table.get(first_slot(h >> 32, self.table.len())).copied().unwrap_or(0);
            touched ^= self.recent.get(recent_slot(h)).map_or(0, |e| e.hash);
        }
        std::hint::black_box(touched);
        names.iter().zip(&hashes).map(|(n, &h)| self.id_hashed(n, h)).collect()
    }

    fn id_hashed(&mut self, name: &[u8], h: u64) -> u32 {
        let short = name.len() <= RECENT_BYTES;
        let cached = recent_slot(h);
        if short
            && let Some(e) = self.recent.get(cached)
            && e.hash == h
            && usize::from(e.len) == name.len() + 1
            && e.bytes.get(..name.len()) == Some(name)
        {
            return e.id;
        }
        if (self.spans.len() + 1) * 10 > self.table.len() * 7 {
            self.grow();
        }
        let mask = self.table.len() - 1;
        let tag = h & 0xffff_ffff_0000_0000;
        let mut slot = first_slot(h >> 32, self.table.len());
        loop {
            let v = self.table.get(slot).copied().unwrap_or(0);
            if v == 0 {
                let id = self.spans.len() as u32;
                let pos = self.store(name);
                self.spans.push(((pos as u64) << 24) | name.len() as u64);
                if let Some(s) = self.table.get_mut(slot) {
                    *s = tag | u64::from(id + 1);
                }
                return id;
            }
            let id = (v as u32).wrapping_sub(1);
            if v & 0xffff_ffff_0000_0000 == tag && self.get(id) == name {
                // Seen before: worth caching (a name seen once, like most generated register
                // names, would only push out the frequent ones).
                if short {
                    if self.recent.is_empty() {
                        self.recent = vec![RecentName::default(); RECENT_SLOTS];
                    }
                    if let Some(e) = self.recent.get_mut(cached) {
                        let mut bytes = [0u8; RECENT_BYTES];
                        if let Some(dst) = bytes.get_mut(..name.len()) {
                            dst.copy_from_slice(name);
                        }
                        *e = RecentName { hash: h, id, len: name.len() as u8 + 1, bytes };
                    }
                }
                return id;
            }
            slot = (slot + 1) & mask;
        }
    }

    /// Appends a name to the blocks; returns its position.
    fn store(&mut self, name: &[u8]) -> usize {
        let fits = self.blocks.last().is_some_and(|b| b.len() + name.len() <= BLOCK);
        if !fits {
            self.blocks.push(Vec::with_capacity(BLOCK));
        }
        let index = self.blocks.len() - 1;
        let Some(block) = self.blocks.last_mut() else { return 0 };
        let pos = index * BLOCK + block.len();
        block.extend_from_slice(name);
        pos
    }

    fn grow(&mut self) {
        let size = (self.table.len() * 2).max(1 << 12);
        let mut table = vec![0u64; size];
        let mask = size - 1;
        // Old slots in order land in new slots in (nearly) increasing order: the writes stream.
        for &v in self.table.iter().filter(|&&v| v != 0) {
            let mut slot = first_slot(v >> 32, size);
            while table.get(slot).is_some_and(|&t| t != 0) {
                slot = (slot + 1) & mask;
            }
            if let Some(t) = table.get_mut(slot) {
                *t = v;
            }
        }
        self.table = table;
    }

    /// Frees the hash table once no more names come (the writing phase only reads names by id).
    fn drop_table(&mut self) {
        self.table = Vec::new();
        self.recent = Vec::new();
    }
}

/// A name's entry in `Interner::recent`.
fn recent_slot(h: u64) -> usize {
    (h as usize >> 7) % RECENT_SLOTS
}

/// A name's first slot in a table of `size` (a power of two, at most 2^32) slots: the top bits of
/// the high half of its hash.
fn first_slot(high: u64, size: usize) -> usize {
    let bits = size.trailing_zeros();
    if bits == 0 { 0 } else { (high >> (32 - bits.min(32))) as usize }
}

/// A fast non-cryptographic hash of a name (multiply-rotate over 8-byte words, then a final mix).
fn hash_bytes(b: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = b.len() as u64;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        if let Some(dst) = w.get_mut(..rest.len()) {
            dst.copy_from_slice(rest);
        }
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    h ^= h >> 29;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^ (h >> 32)
}

/// `BuildHasher` for the per-file and scope maps, using `hash_bytes`.
#[derive(Default, Clone, Copy)]
struct FastHash;

impl std::hash::BuildHasher for FastHash {
    type Hasher = FastHasher;
    fn build_hasher(&self) -> FastHasher {
        FastHasher(0)
    }
}

struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = hash_bytes(bytes) ^ self.0.rotate_left(7);
    }
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> SyntaxError + '_ {
    move |source| SyntaxError::Io { path: path.to_path_buf(), source }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_case_order_is_that_of_lowercase_forms() {
        let alphabet: Vec<&str> =
            vec!["A", "Z", "a", "z", "_", "[", "`", "@", "0", "9", "M", "m", "é", "É", "K"];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut words: Vec<String> = Vec::new();
        for _ in 0..3000 {
            let len = (next() % 20) as usize;
            words.push((0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect());
        }
        // Long shared prefixes, as in generated register names.
        words.push("mmDCN_DCN_3_2_0_REG_A".into());
        words.push("MMdcn_dcn_3_2_0_reg_b".into());
        words.push("mmDCN_DCN_3_2_0_REG_".into());
        for a in &words {
            for b in words.iter().step_by(7) {
                assert_eq!(
                    cmp_ignore_case(a.as_bytes(), b.as_bytes()),
                    a.to_lowercase().cmp(&b.to_lowercase()),
                    "{a:?} {b:?}"
                );
            }
        }
    }
    use std::collections::BTreeSet;

    const FILES: [(&str, &str); 4] = [
        (
            "a.c",
            "#include \"b.h\"\n#define MAX_A 4\nstruct point { int x, y; };\nstatic int helper(int v) { return v + MAX_A; }\nint run(struct point *p) {\n  p->x = helper(p->y);\n  return helper(2) + Shared();\n}\n",
        ),
        (
            "b.h",
            "#ifndef B_H\n#define B_H\nint run(struct point *p);\nint Shared(void);\nenum mode { MODE_OFF, MODE_ON };\ntypedef unsigned long word_t;\n#endif\n",
        ),
        (
            "c.c",
            "#include \"b.h\"\nint Shared(void) { return run(0) + helper_c(); }\nint helper_c(void) { return MODE_ON; }\nSYSCALL_DEFINE1(zap, int, fd) { return Shared(); }\n",
        ),
        (
            "d.cpp",
            "namespace ns { class Box { public: Box(); int get() const; }; }\nint ns::Box::get() const { return run(nullptr); }\nint shared() { ns::Box b; return b.get(); }\n",
        ),
    ];

    fn build_in(dir: &Path) -> SymbolIndex {
        let sources: Vec<SourceFile> =
            FILES.iter().map(|(p, _)| SourceFile { path: p.to_string(), language: None }).collect();
        let read = |i: usize| FILES.get(i).map(|(_, c)| c.as_bytes().to_vec());
        build(&sources, read, dir, "digest", &Progress::default()).unwrap()
    }

    /// With windows of a few records (the test build), the index must still hold exactly what
    /// per-file extraction finds: every definition and declaration, every call with its caller,
    /// every file a name occurs in.
    #[test]
    fn the_index_holds_what_each_file_extracts_across_many_windows() {
        let tmp = tempfile::tempdir().unwrap();
        let idx = build_in(&tmp.path().join("sym"));
        let mut def_total = 0;
        let mut call_total = 0;
        let mut occurs: HashMap<String, BTreeSet<String>> = HashMap::new();
        for (path, text) in FILES {
            let lang = language_for_path(path, text.as_bytes()).unwrap();
            let options = ExtractOptions { skim_bodies: true, ..ExtractOptions::default() };
            let fs = crate::symbols::extract_with(lang, text.as_bytes(), &options);
            for (list, role) in [(&fs.definitions, Role::Definition), (&fs.declarations, Role::Declaration)] {
                for d in list {
                    def_total += 1;
                    let hits = idx.lookup(&d.name, Match::Exact).unwrap();
                    assert!(
                        hits.iter().any(|h| h.path == path
                            && h.at == d.name_range.start
                            && h.kind == d.kind
                            && h.role == role
                            && h.scope == d.scope),
                        "{path}: {} {:?} missing from {hits:?}",
                        d.name,
                        d.kind
                    );
                }
            }
            for r in &fs.references {
                occurs.entry(r.name.clone()).or_default().insert(path.to_string());
                if r.kind != RefKind::Call {
                    continue;
                }
                call_total += 1;
                let caller = r.enclosing.and_then(|e| fs.definitions.get(e as usize)).map(|d| d.name.clone());
                let calls = idx.calls(&r.name).unwrap();
                assert!(
                    calls.iter().any(|c| c.path == path
                        && c.at == r.at
                        && c.caller.as_ref().map(|d| d.name.clone()) == caller),
                    "{path}: call of {} at {:?} by {caller:?} missing from {calls:?}",
                    r.name,
                    r.at
                );
            }
        }
        let meta = idx.meta();
        assert_eq!(meta.definitions + meta.declarations, def_total);
        assert_eq!(meta.calls, call_total);
        assert!(meta.names > 3 * WINDOW as u32, "several windows of names");
        for (name, files) in &occurs {
            let found: BTreeSet<String> = idx.files_with(name).unwrap().into_iter().collect();
            assert_eq!(&found, files, "{name}");
        }
        // The sorted tables answer every kind of lookup.
        assert_eq!(idx.lookup("sys_zap", Match::Exact).unwrap().len(), 1);
        let ci: Vec<String> =
            idx.lookup("SHARED", Match::IgnoreCase).unwrap().into_iter().map(|h| h.path).collect();
        assert_eq!(ci, vec!["c.c", "d.cpp", "b.h"]);
        assert_eq!(idx.names("MODE_", Match::Prefix, 10).unwrap(), vec!["MODE_OFF", "MODE_ON"]);
        let helper = idx.callers("helper").unwrap();
        assert_eq!(helper.len(), 1);
        assert_eq!(helper[0].sites.len(), 2);
        assert_eq!(idx.includes(idx.file_id("c.c").unwrap()), ["b.h".to_string()]);
    }

    #[test]
    fn building_twice_gives_the_same_files() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        build_in(&a);
        build_in(&b);
        for name in
            ["names.bin", "names.idx", "names_ci.idx", "defs.bin", "calls.bin", "occ.bin", "scopes.bin"]
        {
            assert_eq!(std::fs::read(a.join(name)).unwrap(), std::fs::read(b.join(name)).unwrap(), "{name}");
        }
    }

    #[test]
    fn the_name_table_grows_and_finds_every_name_again() {
        let mut names = Interner::default();
        let words: Vec<String> = (0..20_000).map(|i| format!("name_{i}")).collect();
        let ids: Vec<u32> = words.iter().map(|w| names.id(w.as_bytes())).collect();
        assert_eq!(names.len(), words.len());
        for (w, &id) in words.iter().zip(&ids) {
            assert_eq!(names.id(w.as_bytes()), id);
            assert_eq!(names.get(id), w.as_bytes());
        }
        assert_eq!(names.id(b""), words.len() as u32);
        // A file's names at once (through the cache of names seen again, and past it: long names,
        // new names).
        let mut batch: Vec<&[u8]> = words.iter().rev().take(500).map(|w| w.as_bytes()).collect();
        batch.push(b"a_name_longer_than_what_the_cache_of_recent_names_keeps");
        batch.push(b"fresh");
        let got = names.ids(batch.iter().copied());
        for (n, id) in batch.iter().zip(&got) {
            assert_eq!(names.get(*id), *n);
        }
        assert_eq!(&got[..500], &ids.iter().rev().take(500).copied().collect::<Vec<_>>()[..]);
        assert_eq!(names.ids([&b"fresh"[..]].into_iter()), vec![got[501]]);
    }
}
