//! An opened symbol index: the path list in memory, every other file read on demand.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::format::*;
use super::{CallSite, CallerGroup, DefHit, IndexMeta, Match, RefHit, Role};
use crate::error::SyntaxError;
use crate::lang::{Language, language_for_path};
use crate::symbols::{Point, Reference, SymbolKind};

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

/// Every name's bytes and `(offset, length)` per name id.
type AllNames = (Vec<u8>, Vec<(u64, u32)>);

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
