//! An opened symbol index: the path list in memory, every other file read on demand. Every record is
//! decoded once, checked against the sizes of the files it points into, and a record that points
//! outside them makes the lookup fail with `Corrupt`: a damaged index never yields an empty name, a
//! path of another file or a definition that is not in it. Every byte read is first checked against
//! the seals written with the index (`seals.bin`, see `vitrine_indexfile`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use vitrine_indexfile::{CheckedFile, Seals};

use super::format::*;
use super::{CallSite, CallerGroup, DefHit, IndexMeta, Match, NamePattern, PatternHits, RefHit, Role};
use crate::error::SyntaxError;
use crate::lang::{Language, language_for_path};
use crate::symbols::{Point, Reference, SymbolKind};

/// An opened symbol index.
#[derive(Debug)]
pub struct SymbolIndex {
    dir: PathBuf,
    meta: IndexMeta,
    /// `files.bin` and its offsets (`files.idx`), read one file at a time for a hit; the whole table
    /// is decoded only when asked for ([`SymbolIndex::paths`]).
    files_bin: Part,
    files_idx: Part,
    file_count: u32,
    table: std::sync::OnceLock<Result<FileTable, String>>,
    names_idx: Part,
    names_blob: Part,
    names_ci: Part,
    defs: Part,
    scopes_idx: Part,
    scopes_blob: Part,
    calls: Part,
    occ: Part,
    includes_bin: Part,
    counts: Counts,
    includes: std::sync::OnceLock<Result<Vec<Vec<String>>, String>>,
    /// Every name at once (blob and `(offset, length)` per id), loaded on the first fuzzy lookup.
    all_names: std::sync::OnceLock<Result<AllNames, String>>,
}

/// How many records each table holds, from the files' lengths (checked on open).
#[derive(Debug, Clone, Copy)]
struct Counts {
    names: u32,
    defs: u32,
    calls: u32,
    scopes: u32,
}

/// One data file of the index, read by range: every byte is checked against the file's seal, and a
/// range outside the file is `Corrupt`, never a short or wrapped read.
#[derive(Debug)]
struct Part {
    file: CheckedFile,
    len: u64,
}

impl Part {
    fn open(dir: &Path, name: &str, seals: &Seals) -> Result<Part, SyntaxError> {
        let file = CheckedFile::open(dir, name, seals).map_err(checked)?;
        Ok(Part { len: file.len(), file })
    }

    fn corrupt(&self, reason: impl Into<String>) -> SyntaxError {
        SyntaxError::Corrupt { path: self.file.path().to_path_buf(), reason: reason.into() }
    }

    /// `len` bytes at `offset`.
    fn read_at(&self, offset: u64, len: u64) -> Result<Vec<u8>, SyntaxError> {
        let len = usize::try_from(len).map_err(|_| self.corrupt("range too large"))?;
        self.file.read_at(offset, len).map_err(checked)
    }

    fn read_all(&self) -> Result<Vec<u8>, SyntaxError> {
        self.file.read_all().map_err(checked)
    }

    /// Reads the whole file in order, one chunk at a time into one buffer, calling `f` with each
    /// chunk's offset and bytes. A chunk holds whole records of `record` bytes and whole blocks of the
    /// seal (each block is read and checked once), about [`STREAM_BYTES`].
    fn stream(
        &self,
        record: usize,
        mut f: impl FnMut(u64, &[u8]) -> Result<(), SyntaxError>,
    ) -> Result<(), SyntaxError> {
        let unit = lcm(vitrine_indexfile::BLOCK, record.max(1));
        let chunk = (unit * (STREAM_BYTES / unit).max(1)) as u64;
        let mut buf = Vec::new();
        let mut at = 0u64;
        while at < self.len {
            let len = (self.len - at).min(chunk);
            self.file.read_at_into(at, len as usize, &mut buf).map_err(checked)?;
            f(at, &buf)?;
            at += len;
        }
        Ok(())
    }

    /// Record `i` of `size` bytes.
    fn record(&self, i: u32, size: usize) -> Result<Vec<u8>, SyntaxError> {
        self.read_at(u64::from(i) * size as u64, size as u64)
    }

    /// Records `start..start + count` of `size` bytes.
    fn records(&self, start: u32, count: u32, size: usize) -> Result<Vec<u8>, SyntaxError> {
        self.read_at(u64::from(start) * size as u64, u64::from(count) * size as u64)
    }

    /// The number of `size`-byte records the file holds; `Corrupt` unless it holds whole records.
    fn count(&self, size: usize) -> Result<u32, SyntaxError> {
        if !self.len.is_multiple_of(size as u64) {
            return Err(
                self.corrupt(format!("{} bytes is not a whole number of {size}-byte records", self.len))
            );
        }
        u32::try_from(self.len / size as u64).map_err(|_| self.corrupt("too many records"))
    }
}

impl SymbolIndex {
    /// Opens an index directory (reads `meta.json` and the path list; the rest stays on disk), and
    /// checks that the tables agree with each other and with `meta.json`.
    pub fn open(dir: &Path) -> Result<SymbolIndex, SyntaxError> {
        let meta_path = dir.join("meta.json");
        let meta_bytes = std::fs::read(&meta_path).map_err(|source| SyntaxError::Io {
            op: "read",
            path: meta_path.clone(),
            source,
        })?;
        // The format is read before the seals, so that an index of another version is called that,
        // not damaged.
        let format = serde_json::from_slice::<FormatOnly>(&meta_bytes)
            .map_err(|e| SyntaxError::Corrupt { path: meta_path.clone(), reason: e.to_string() })?
            .format;
        if format != FORMAT_VERSION {
            return Err(SyntaxError::Version { path: meta_path, found: format, expected: FORMAT_VERSION });
        }
        let seals = Seals::read(dir).map_err(checked)?;
        let meta_bytes = vitrine_indexfile::read_checked(dir, "meta.json", &seals).map_err(checked)?;
        let meta: IndexMeta = serde_json::from_slice(&meta_bytes)
            .map_err(|e| SyntaxError::Corrupt { path: dir.join("meta.json"), reason: e.to_string() })?;
        let open = |name: &str| Part::open(dir, name, &seals);
        let files_bin = open("files.bin")?;
        let files_idx = open("files.idx")?;
        let file_count = meta.files;
        if files_idx.count(8)? != file_count.saturating_add(1) {
            return Err(files_idx.corrupt("does not hold one offset per file and the end"));
        }
        // The table starts at 0 and ends where `files.bin` does (trailing bytes are damage).
        let bound = |i: u32| -> Result<u64, SyntaxError> {
            let rec = files_idx.record(i, 8)?;
            Reader::exact(&rec, 8).and_then(|mut r| r.u64()).ok_or_else(|| files_idx.corrupt("short offset"))
        };
        if bound(0)? != 0 || bound(file_count)? != files_bin.len {
            return Err(files_bin.corrupt("the file table's offsets do not span it"));
        }
        let names_idx = open("names.idx")?;
        let defs = open("defs.bin")?;
        let calls = open("calls.bin")?;
        let scopes_idx = open("scopes.idx")?;
        let names_ci = open("names_ci.idx")?;
        let counts = Counts {
            names: names_idx.count(NAME_ENTRY)?,
            defs: defs.count(DEF_RECORD)?,
            calls: calls.count(CALL_RECORD)?,
            scopes: scopes_idx.count(SCOPE_ENTRY)?,
        };
        if counts.names != meta.names {
            return Err(names_idx.corrupt("name count differs from meta.json"));
        }
        if u64::from(counts.defs)
            != meta.definitions.saturating_add(meta.declarations).saturating_add(meta.aliases)
        {
            return Err(defs.corrupt("definition count differs from meta.json"));
        }
        if u64::from(counts.calls) != meta.calls {
            return Err(calls.corrupt("call count differs from meta.json"));
        }
        if names_ci.count(4)? != counts.names {
            return Err(names_ci.corrupt("does not hold one id per name"));
        }
        Ok(SymbolIndex {
            dir: dir.to_path_buf(),
            meta,
            files_bin,
            files_idx,
            file_count,
            table: std::sync::OnceLock::new(),
            names_idx,
            names_blob: open("names.bin")?,
            names_ci,
            defs,
            scopes_idx,
            scopes_blob: open("scopes.bin")?,
            calls,
            occ: open("occ.bin")?,
            includes_bin: open("includes.bin")?,
            counts,
            includes: std::sync::OnceLock::new(),
            all_names: std::sync::OnceLock::new(),
        })
    }

    /// What `meta.json` records: counts, sizes, timing and the snapshot the index belongs to.
    pub fn meta(&self) -> &IndexMeta {
        &self.meta
    }

    /// The index directory the files were opened from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Indexed file paths, in file-id order: the whole file table, decoded on the first call (a lookup
    /// reads only the files its hits name).
    pub fn paths(&self) -> Result<&PathTable, SyntaxError> {
        let table = self.table.get_or_init(|| {
            let bytes = self.files_bin.read_all().map_err(|e| e.to_string())?;
            decode_files(&bytes, self.file_count).ok_or_else(|| "the file table does not decode".to_owned())
        });
        match table {
            Ok((paths, _)) => Ok(paths),
            Err(reason) => Err(self.files_bin.corrupt(reason.clone())),
        }
    }

    /// Whether the whole file table was decoded (by [`SymbolIndex::paths`] or [`SymbolIndex::file_id`]).
    #[cfg(test)]
    pub(crate) fn table_decoded(&self) -> bool {
        self.table.get().is_some()
    }

    /// Number of indexed files.
    pub fn file_count(&self) -> usize {
        self.file_count as usize
    }

    /// The path (display form) and language of file `file`, read by itself; `part` names the table
    /// whose record named the file, for the error when there is no such file.
    fn file_of(&self, file: u32, part: &Part) -> Result<(String, Option<Language>), SyntaxError> {
        if file >= self.file_count {
            return Err(part.corrupt(format!("file {file} is not in the index")));
        }
        if let Some(Ok((paths, languages))) = self.table.get() {
            let path = paths.get(file as usize).map(str::to_owned);
            return Ok((path.unwrap_or_default(), languages.get(file as usize).copied().flatten()));
        }
        let bounds = self.files_idx.records(file, 2, 8)?;
        let (start, end) = Reader::exact(&bounds, 16)
            .and_then(|mut r| Some((r.u64()?, r.u64()?)))
            .ok_or_else(|| self.files_idx.corrupt("short offset"))?;
        if start > end || end > self.files_bin.len {
            return Err(self.files_idx.corrupt(format!("the offsets of file {file} leave the file table")));
        }
        let bytes = self.files_bin.read_at(start, end - start)?;
        let (paths, languages) = decode_files(&bytes, 1)
            .ok_or_else(|| self.files_bin.corrupt(format!("the record of file {file} does not decode")))?;
        let path = paths.get(0).map(str::to_owned).unwrap_or_default();
        Ok((path, languages.first().copied().flatten()))
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

    /// Definitions (not declarations) whose name matches `pattern` (a name, `Class::method`, a glob),
    /// for at most `max_names` distinct names; `truncated` says when more matched. A glob reads the
    /// names sharing its literal prefix, or the whole name table when it starts with a wildcard or
    /// ignores case.
    pub fn definitions_matching(
        &self,
        pattern: &NamePattern,
        case_sensitive: bool,
        max_names: usize,
    ) -> Result<PatternHits, SyntaxError> {
        let mut ids: Vec<u32> = if !pattern.is_glob() {
            if case_sensitive {
                self.find_exact(&pattern.name)?.into_iter().collect()
            } else {
                self.find_ignore_case(&pattern.name, false)?
            }
        } else if case_sensitive && !pattern.literal_prefix().is_empty() {
            let prefix = pattern.literal_prefix();
            let mut at = self.lower_bound(prefix)?;
            let mut out = Vec::new();
            while at < self.counts.names && out.len() <= max_names {
                let name = self.name(at)?;
                if !name.starts_with(prefix) {
                    break;
                }
                if pattern.matches(&name, true) {
                    out.push(at);
                }
                at += 1;
            }
            out
        } else {
            let loaded = self.all_names.get_or_init(|| self.load_all_names().map_err(|e| e.to_string()));
            let (blob, spans) = match loaded {
                Ok(all) => all,
                Err(reason) => return Err(self.names_idx.corrupt(reason.clone())),
            };
            let mut out = Vec::new();
            for (id, &(off, len)) in spans.iter().enumerate() {
                let Some(name) = blob.get(off..off + len) else { continue };
                if pattern.matches(&String::from_utf8_lossy(name), case_sensitive) {
                    out.push(id as u32);
                    if out.len() > max_names {
                        break;
                    }
                }
            }
            out
        };
        let truncated = ids.len() > max_names;
        ids.truncate(max_names);
        let mut hits = Vec::new();
        for &id in &ids {
            let entry = self.entry(id)?;
            for d in entry.def_start..entry.def_start + entry.def_count {
                let hit = self.def(d)?;
                // An alias whose definition's own name matches is found under that name already.
                let again = hit.found_as_macro.is_some() && pattern.matches(&hit.name, case_sensitive);
                if hit.role == Role::Definition && pattern.scope_ok(&hit.scope) && !again {
                    hits.push(hit);
                }
            }
        }
        Ok(PatternHits { hits, names: ids.len(), truncated })
    }

    /// Every call of a function or macro named `name`.
    pub fn calls(&self, name: &str) -> Result<Vec<CallSite>, SyntaxError> {
        let Some(id) = self.find_exact(name)? else { return Ok(Vec::new()) };
        let entry = self.entry(id)?;
        let buf = self.calls.records(entry.call_start, entry.call_count, CALL_RECORD)?;
        let mut out = Vec::with_capacity(entry.call_count as usize);
        for rec in buf.chunks_exact(CALL_RECORD) {
            let c = CallRecord::decode(rec).ok_or_else(|| self.calls.corrupt("short call record"))?;
            let caller = match c.caller {
                NONE => None,
                d if d < self.counts.defs => Some(self.def(d)?),
                d => return Err(self.calls.corrupt(format!("caller {d} is not a definition"))),
            };
            out.push(CallSite {
                path: self.path(c.file, &self.calls)?,
                at: Point { line: c.line, column: c.column },
                caller,
            });
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
        self.occurrence_files(name)?.into_iter().map(|f| self.path(f, &self.occ)).collect()
    }

    /// Every reference to `name`: the files it occurs in are re-parsed (in parallel) with `read`
    /// (by path) for exact positions and kinds.
    pub fn references<R>(&self, name: &str, read: R) -> Result<Vec<RefHit>, SyntaxError>
    where
        R: Fn(&str) -> Option<Vec<u8>> + Sync,
    {
        let files = self.occurrence_files(name)?;
        let per_file: Vec<Vec<RefHit>> = vitrine_snapshot::work::map_next(
            &files,
            || (),
            |_, _, &f| -> Result<Vec<RefHit>, SyntaxError> {
                let (path, lang) = self.file_of(f, &self.occ)?;
                let Some(bytes) = read(&path) else { return Ok(Vec::new()) };
                // Names a registry file gives a loader are its calls (as the build recorded them).
                let registry = crate::registry::named(&path, &bytes);
                let loaded = registry.iter().filter(|n| n.name == name).map(|n| RefHit {
                    path: path.clone(),
                    name: n.name.clone(),
                    kind: crate::symbols::RefKind::Call,
                    at: n.at,
                    enclosing: None,
                });
                let loaded: Vec<RefHit> = loaded.collect();
                let Some(lang) = lang.or_else(|| language_for_path(&path, &bytes)) else {
                    return Ok(loaded);
                };
                let fs = crate::symbols::extract(lang, &bytes);
                Ok(fs
                    .references
                    .iter()
                    .filter(|r| r.name == name && !registry.iter().any(|n| n.byte == r.byte))
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
                    .chain(loaded)
                    .collect())
            },
        )
        .into_iter()
        .collect::<Result<_, _>>()?;
        Ok(per_file.into_iter().flatten().collect())
    }

    /// The includes of every file (as written), loaded on first use; none when `includes.bin` is
    /// damaged (see [`SymbolIndex::includes_checked`]).
    pub fn includes(&self, file: u32) -> &[String] {
        self.includes_checked(file).unwrap_or_default()
    }

    /// The includes of `file` (as written), or why `includes.bin` cannot be read.
    pub fn includes_checked(&self, file: u32) -> Result<&[String], SyntaxError> {
        let all = self.includes.get_or_init(|| {
            let bytes = self.includes_bin.read_all().map_err(|e| e.to_string())?;
            decode_includes(&bytes, self.file_count as usize)
                .ok_or_else(|| "the include lists do not decode".to_owned())
        });
        match all {
            Ok(all) => Ok(all.get(file as usize).map(Vec::as_slice).unwrap_or_default()),
            Err(reason) => Err(self.includes_bin.corrupt(reason.clone())),
        }
    }

    /// The id of a path (`None` too when the file table cannot be read: see [`SymbolIndex::paths`]).
    pub fn file_id(&self, path: &str) -> Option<u32> {
        self.paths().ok()?.iter().position(|p| p == path).map(|i| i as u32)
    }

    /// The path of file `file`, named by a record of `part`.
    fn path(&self, file: u32, part: &Part) -> Result<String, SyntaxError> {
        self.file_of(file, part).map(|(path, _)| path)
    }

    /// The entry of name `id`, with every range it gives checked against the files it points into.
    fn entry(&self, id: u32) -> Result<NameEntry, SyntaxError> {
        if id >= self.counts.names {
            return Err(self.names_idx.corrupt(format!("name {id} is not in the index")));
        }
        let rec = self.names_idx.record(id, NAME_ENTRY)?;
        let e = NameEntry::decode(&rec).ok_or_else(|| self.names_idx.corrupt("short name entry"))?;
        let within =
            |start: u64, count: u64, total: u64| start.checked_add(count).is_some_and(|end| end <= total);
        if !within(e.name_off, u64::from(e.name_len), self.names_blob.len)
            || !within(u64::from(e.def_start), u64::from(e.def_count), u64::from(self.counts.defs))
            || !within(u64::from(e.call_start), u64::from(e.call_count), u64::from(self.counts.calls))
            || !within(e.occ_off, u64::from(e.occ_len), self.occ.len)
        {
            return Err(self.names_idx.corrupt(format!("the entry of name {id} points outside the index")));
        }
        Ok(e)
    }

    fn name(&self, id: u32) -> Result<String, SyntaxError> {
        let e = self.entry(id)?;
        let buf = self.names_blob.read_at(e.name_off, u64::from(e.name_len))?;
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }

    /// Binary search for the first name id whose name is >= `key` under `cmp`.
    fn lower_bound(&self, key: &str) -> Result<u32, SyntaxError> {
        let (mut lo, mut hi) = (0u32, self.counts.names);
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
        if at < self.counts.names && self.name(at)? == name {
            return Ok(Some(at));
        }
        Ok(None)
    }

    fn find_prefix(&self, prefix: &str) -> Result<Vec<u32>, SyntaxError> {
        let mut at = self.lower_bound(prefix)?;
        let mut out = Vec::new();
        while at < self.counts.names && self.name(at)?.starts_with(prefix) && out.len() < 10_000 {
            out.push(at);
            at += 1;
        }
        Ok(out)
    }

    /// The name id at position `pos` of the case-insensitive order.
    fn ci_id(&self, pos: u32) -> Result<u32, SyntaxError> {
        let rec = self.names_ci.record(pos, 4)?;
        let id = Reader::exact(&rec, 4)
            .and_then(|mut r| r.u32())
            .ok_or_else(|| self.names_ci.corrupt("short id"))?;
        if id >= self.counts.names {
            return Err(self.names_ci.corrupt(format!("name {id} is not in the index")));
        }
        Ok(id)
    }

    fn find_ignore_case(&self, name: &str, prefix: bool) -> Result<Vec<u32>, SyntaxError> {
        let key = name.to_lowercase();
        let (mut lo, mut hi) = (0u32, self.counts.names);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.name(self.ci_id(mid)?)?.to_lowercase() < key {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let mut out = Vec::new();
        while lo < self.counts.names && out.len() < 10_000 {
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
        let loaded = self.all_names.get_or_init(|| self.load_all_names().map_err(|e| e.to_string()));
        let (blob, spans) = match loaded {
            Ok(all) => all,
            Err(reason) => return Err(self.names_idx.corrupt(reason.clone())),
        };
        let q: Vec<u8> = query.bytes().map(|b| b.to_ascii_lowercase()).collect();
        let mut scored: Vec<(i64, u32)> = Vec::new();
        for (id, &(off, len)) in spans.iter().enumerate() {
            let Some(name) = blob.get(off..off + len) else { continue };
            if let Some(score) = fuzzy_score(&q, name) {
                scored.push((score, id as u32));
            }
        }
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        Ok(scored.into_iter().take(limit).map(|(_, id)| id).collect())
    }

    /// Every function definition (functions, methods, constructors, destructors, operators; not
    /// declarations) per file id: `(name, first line, last line)`, 0-based and inclusive, sorted by
    /// first line; every id is checked.
    ///
    /// `defs.bin`, then the function names' entries of `names.idx`, then their bytes in `names.bin`,
    /// are each read once in order, a chunk at a time: on Linux those files are 500 MB, of which the
    /// 655,000 functions need a small part. Read whole (as before), they took 0.6 s on one core and
    /// as much memory again as the window held, at the moment the ranked build starts.
    pub fn function_spans(&self) -> Result<Vec<Vec<FunctionSpan>>, SyntaxError> {
        // The function definitions: (file, name id, first line, last line).
        let mut found: Vec<[u32; 4]> = Vec::new();
        self.defs.stream(DEF_RECORD, |_, bytes| {
            let records = bytes.chunks_exact(DEF_RECORD);
            if !records.remainder().is_empty() {
                return Err(self.defs.corrupt("a definition record is cut short"));
            }
            for rec in records {
                // The kind and flags are the top byte of the sixth word (`DefRecord::from_words`):
                // most definitions are not functions, and are passed over without decoding the rest.
                let flags = rec.get(23).copied().unwrap_or(0);
                if !is_function_def(flags) {
                    continue;
                }
                let d = DefRecord::decode(rec).ok_or_else(|| self.defs.corrupt("short definition record"))?;
                let end = d
                    .start_line
                    .checked_add(d.span)
                    .ok_or_else(|| self.defs.corrupt("a definition ends past any line"))?;
                if d.file >= self.file_count {
                    return Err(self.defs.corrupt(format!("file {} is not in the index", d.file)));
                }
                if d.name >= self.counts.names {
                    return Err(self.defs.corrupt(format!("name {} is not in the index", d.name)));
                }
                found.push([d.file, d.name, d.start_line, end]);
            }
            Ok(())
        })?;
        // Their names' entries, in id order.
        let mut ids: Vec<u32> = found.iter().map(|f| f[1]).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut spans: Vec<(u64, u32)> = Vec::with_capacity(ids.len());
        self.names_idx.stream(NAME_ENTRY, |at, bytes| {
            let first = at / NAME_ENTRY as u64;
            let end = first + (bytes.len() / NAME_ENTRY) as u64;
            while let Some(&id) = ids.get(spans.len()) {
                if u64::from(id) >= end {
                    break;
                }
                let i =
                    usize::try_from(u64::from(id) - first).unwrap_or(usize::MAX).saturating_mul(NAME_ENTRY);
                let e = bytes
                    .get(i..i.saturating_add(NAME_ENTRY))
                    .and_then(NameEntry::decode)
                    .ok_or_else(|| self.names_idx.corrupt("short name entry"))?;
                spans.push((e.name_off, e.name_len));
            }
            Ok(())
        })?;
        if spans.len() != ids.len() {
            return Err(self.names_idx.corrupt("the name table ends before the names of the definitions"));
        }
        // Their bytes, in offset order; a name across a chunk's end is read on its own.
        let mut by_offset: Vec<usize> = (0..ids.len()).collect();
        by_offset.sort_unstable_by_key(|&k| spans.get(k).map_or(0, |s| s.0));
        let blob_len = self.names_blob.len;
        let mut names: Vec<String> = vec![String::new(); ids.len()];
        let mut taken = 0usize;
        let mut take = |k: usize, bytes: &[u8]| {
            if let Some(slot) = names.get_mut(k) {
                *slot = String::from_utf8_lossy(bytes).into_owned();
            }
        };
        self.names_blob.stream(1, |at, bytes| {
            let end = at + bytes.len() as u64;
            while let Some(&k) = by_offset.get(taken) {
                let Some(&(off, len)) = spans.get(k) else { break };
                if off >= end {
                    break;
                }
                let stop = off
                    .checked_add(u64::from(len))
                    .filter(|&stop| stop <= blob_len)
                    .ok_or_else(|| self.names_blob.corrupt("a name lies outside names.bin"))?;
                if stop <= end {
                    let from = (off - at) as usize;
                    take(k, bytes.get(from..from + len as usize).unwrap_or_default());
                } else {
                    take(k, &self.names_blob.read_at(off, u64::from(len))?);
                }
                taken += 1;
            }
            Ok(())
        })?;
        // Names at the very end of the table: only an empty name may start there.
        for &k in by_offset.get(taken..).unwrap_or_default() {
            match spans.get(k) {
                Some(&(off, 0)) if off <= blob_len => {}
                _ => return Err(self.names_blob.corrupt("a name lies outside names.bin")),
            }
        }
        let mut out: Vec<Vec<FunctionSpan>> = vec![Vec::new(); self.file_count as usize];
        for [file, name, start, end] in found {
            let name = ids.binary_search(&name).ok().and_then(|k| names.get(k)).cloned().unwrap_or_default();
            if let Some(f) = out.get_mut(file as usize) {
                f.push((name, start, end));
            }
        }
        for f in &mut out {
            f.sort_by_key(|&(_, start, end)| (start, std::cmp::Reverse(end)));
        }
        Ok(out)
    }

    /// [`SymbolIndex::function_spans`] as it was written before it streamed: every table read whole
    /// (the tests compare the two).
    #[cfg(test)]
    pub(super) fn function_spans_whole(&self) -> Result<Vec<Vec<FunctionSpan>>, SyntaxError> {
        let (blob, spans) = self.load_all_names()?;
        let mut out: Vec<Vec<FunctionSpan>> = vec![Vec::new(); self.file_count as usize];
        for rec in self.defs.read_all()?.chunks_exact(DEF_RECORD) {
            let d = DefRecord::decode(rec).ok_or_else(|| self.defs.corrupt("short definition record"))?;
            if !is_function_def(d.flags) {
                continue;
            }
            let name = spans
                .get(d.name as usize)
                .and_then(|&(off, len)| blob.get(off..off + len))
                .ok_or_else(|| self.defs.corrupt(format!("name {} is not in the index", d.name)))?;
            let end = d.start_line.checked_add(d.span).ok_or_else(|| self.defs.corrupt("past any line"))?;
            let file = out.get_mut(d.file as usize).ok_or_else(|| self.defs.corrupt("file"))?;
            file.push((String::from_utf8_lossy(name).into_owned(), d.start_line, end));
        }
        for f in &mut out {
            f.sort_by_key(|&(_, start, end)| (start, std::cmp::Reverse(end)));
        }
        Ok(out)
    }

    /// Every name's bytes and span, each span checked to lie within the bytes.
    fn load_all_names(&self) -> Result<AllNames, SyntaxError> {
        let blob = self.names_blob.read_all()?;
        let idx = self.names_idx.read_all()?;
        let mut spans = Vec::with_capacity(self.counts.names as usize);
        for rec in idx.chunks_exact(NAME_ENTRY) {
            let e = NameEntry::decode(rec).ok_or_else(|| self.names_idx.corrupt("short name entry"))?;
            let off = usize::try_from(e.name_off).map_err(|_| self.names_idx.corrupt("name out of range"))?;
            let len = e.name_len as usize;
            if off.checked_add(len).is_none_or(|end| end > blob.len()) {
                return Err(self.names_idx.corrupt("a name lies outside names.bin"));
            }
            spans.push((off, len));
        }
        Ok((blob, spans))
    }

    /// Definition `id` (a position in `defs.bin`), every id in it checked.
    fn def(&self, id: u32) -> Result<DefHit, SyntaxError> {
        if id >= self.counts.defs {
            return Err(self.defs.corrupt(format!("definition {id} is not in the index")));
        }
        let rec = self.defs.record(id, DEF_RECORD)?;
        let d = DefRecord::decode(&rec).ok_or_else(|| self.defs.corrupt("short definition record"))?;
        let kind = SymbolKind::ALL
            .get(usize::from(d.flags & 0x1f))
            .copied()
            .ok_or_else(|| self.defs.corrupt(format!("definition {id} has no valid kind")))?;
        let end_line = d
            .start_line
            .checked_add(d.span)
            .ok_or_else(|| self.defs.corrupt(format!("definition {id} ends past any line")))?;
        // The record's ids are checked here, so that a bad one names `defs.bin`, the file holding it.
        if d.name >= self.counts.names {
            return Err(self
                .defs
                .corrupt(format!("definition {id} names name {}, not in the index", d.name)));
        }
        if d.scope != NONE && d.scope >= self.counts.scopes {
            return Err(self
                .defs
                .corrupt(format!("definition {id} names scope {}, not in the index", d.scope)));
        }
        let (name, scope, found_as_macro) = if d.flags & FLAG_ALIAS != 0 {
            // Filed under the wrapping macro's name; the scope field holds the definition's
            // qualified name.
            let qualified = self.scope(d.scope)?;
            let (scope, name) = match qualified.rsplit_once("::") {
                Some((scope, name)) => (scope.to_string(), name.to_string()),
                None => (String::new(), qualified),
            };
            if name.is_empty() {
                return Err(self.defs.corrupt(format!("alias {id} names no definition")));
            }
            (name, scope, Some(self.name(d.name)?))
        } else {
            (self.name(d.name)?, self.scope(d.scope)?, None)
        };
        // A definition bound by an attribute holds the attribute in its scope field.
        let (scope, defined_by) = if d.defined_by { (String::new(), Some(scope)) } else { (scope, None) };
        let (path, language) = self.file_of(d.file, &self.defs)?;
        Ok(DefHit {
            id,
            name,
            kind,
            role: if d.flags & 0x20 != 0 { Role::Declaration } else { Role::Definition },
            scope,
            found_as_macro,
            path,
            language,
            at: Point { line: d.line, column: d.column },
            start_line: d.start_line,
            end_line,
            via_macro: d.flags & FLAG_VIA_MACRO != 0,
            defined_by,
        })
    }

    fn scope(&self, id: u32) -> Result<String, SyntaxError> {
        if id == NONE {
            return Ok(String::new());
        }
        if id >= self.counts.scopes {
            return Err(self.scopes_idx.corrupt(format!("scope {id} is not in the index")));
        }
        let rec = self.scopes_idx.record(id, SCOPE_ENTRY)?;
        let (off, len) = Reader::exact(&rec, SCOPE_ENTRY)
            .and_then(|mut r| Some((r.u64()?, r.u32()?)))
            .ok_or_else(|| self.scopes_idx.corrupt("short scope entry"))?;
        let s = self.scopes_blob.read_at(off, u64::from(len))?;
        Ok(String::from_utf8_lossy(&s).into_owned())
    }

    /// The files `name` occurs in, each checked to be a file of the index.
    fn occurrence_files(&self, name: &str) -> Result<Vec<u32>, SyntaxError> {
        let Some(id) = self.find_exact(name)? else { return Ok(Vec::new()) };
        let e = self.entry(id)?;
        let buf = self.occ.read_at(e.occ_off, u64::from(e.occ_len))?;
        let mut out = Vec::new();
        let mut r = Reader::new(&buf);
        let mut prev = 0u64;
        while !r.at_end() {
            let delta =
                r.varint().ok_or_else(|| self.occ.corrupt(format!("bad occurrence list of name {id}")))?;
            prev = prev.checked_add(delta).ok_or_else(|| self.occ.corrupt("occurrence out of range"))?;
            let file = u32::try_from(prev)
                .ok()
                .filter(|&f| f < self.file_count)
                .ok_or_else(|| self.occ.corrupt(format!("file {prev} is not in the index")))?;
            out.push(file);
        }
        Ok(out)
    }
}

/// The one field of `meta.json` read before its seal is checked.
#[derive(serde::Deserialize)]
struct FormatOnly {
    format: u32,
}

/// Every name's bytes and `(offset, length)` per name id.
type AllNames = (Vec<u8>, Vec<(usize, usize)>);

/// About how many bytes [`Part::stream`] reads at a time (tests: one unit, so that every record
/// and name meets a chunk's end somewhere).
const STREAM_BYTES: usize = if cfg!(test) { 1 } else { 1 << 20 };

fn lcm(a: usize, b: usize) -> usize {
    let (mut x, mut y) = (a, b);
    while y != 0 {
        (x, y) = (y, x % y);
    }
    a / x.max(1) * b
}

/// Whether a definition's kind and flags byte is a function definition's (a function, method,
/// constructor, destructor or operator; not a declaration, not an alias).
fn is_function_def(flags: u8) -> bool {
    let kind = SymbolKind::ALL.get(usize::from(flags & 0x1f)).copied();
    matches!(
        kind,
        Some(
            SymbolKind::Function
                | SymbolKind::Method
                | SymbolKind::Constructor
                | SymbolKind::Destructor
                | SymbolKind::Operator
        )
    ) && flags & (0x20 | FLAG_ALIAS) == 0
}

/// A function of one file: name, first and last line (0-based, inclusive).
pub type FunctionSpan = (String, u32, u32);

/// The paths of an index's files in their display form (see `vitrine_snapshot::path_display`), in file-id
/// order, held in one string: an index of Linux names 60k files, and a `String` each was a third of a
/// `def`'s process.
#[derive(Debug, Default)]
pub struct PathTable {
    text: String,
    /// Where each path ends in `text`.
    ends: Vec<usize>,
}

impl PathTable {
    /// Number of paths.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Path `i`.
    pub fn get(&self, i: usize) -> Option<&str> {
        let start = match i.checked_sub(1) {
            Some(before) => *self.ends.get(before)?,
            None => 0,
        };
        self.text.get(start..*self.ends.get(i)?)
    }

    /// Every path, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i).unwrap_or_default())
    }

    fn push(&mut self, path: &str) {
        self.text.push_str(path);
        self.ends.push(self.text.len());
    }
}

/// The paths and languages of every file of `files.bin`.
type FileTable = (PathTable, Vec<Option<Language>>);

/// The paths and languages of `count` records of `files.bin` (nothing after them); `None` when they do
/// not decode (a truncated record, an unknown language, trailing bytes).
fn decode_files(bytes: &[u8], count: u32) -> Option<(PathTable, Vec<Option<Language>>)> {
    let files = (count as usize).min(bytes.len() / 9);
    let mut paths = PathTable { text: String::with_capacity(bytes.len()), ends: Vec::with_capacity(files) };
    let mut languages = Vec::with_capacity(files);
    let mut r = Reader::new(bytes);
    for _ in 0..count {
        let len = r.u32()? as usize;
        let path = r.take(len)?;
        let lang = match r.u8()? {
            255 => None,
            l => Some(Language::from_index(l)?),
        };
        let _errors = r.u32()?;
        // The validator's ASCII fast path, rather than the lossy decoder's chunking, for the usual path.
        match std::str::from_utf8(path) {
            Ok(plain) => paths.push(plain),
            Err(_) => paths.push(&String::from_utf8_lossy(path)),
        }
        languages.push(lang);
    }
    r.at_end().then_some((paths, languages))
}

/// The include lists of `includes.bin` (one per file, nothing after them).
fn decode_includes(bytes: &[u8], files: usize) -> Option<Vec<Vec<String>>> {
    let mut r = Reader::new(bytes);
    let mut out = Vec::with_capacity(files.min(bytes.len() / 4));
    for _ in 0..files {
        let n = r.u32()?;
        let mut list = Vec::new();
        for _ in 0..n {
            let len = r.u32()? as usize;
            list.push(String::from_utf8_lossy(r.take(len)?).into_owned());
        }
        out.push(list);
    }
    r.at_end().then_some(out)
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
