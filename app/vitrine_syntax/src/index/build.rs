//! Building the index: files parsed in parallel, their results merged by one thread into the
//! snapshot-wide name table and scratch files, then written and swapped into place.

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use vitrine_base::Sha256Id;
use vitrine_snapshot::progress::Progress;

use super::SourceFile;
use super::format::*;
use super::interner::{Interner, KeyedHash};
use super::partial::PartialDefinitions;
use super::reader::SymbolIndex;
use super::scratch::{CALL_WORDS, DEF_WORDS, OCC_WORDS, Scratch};
use crate::error::SyntaxError;
use crate::lang::{Language, language_for_path};
use crate::symbols::{ExtractOptions, RefKind, SymbolKind, extract_raw};

/// Builds the symbol index of `files` into `dir` (replacing what is there), reading each file with
/// `read` (index into `files`). Parses in parallel on the rayon pool, the largest of `sizes` (one per
/// file) first when given, as a snapshot's build does; advances `progress` per file and stops with
/// `Cancelled` when it is cancelled.
///
/// Memory stays bounded: workers hand each file's result (names interned per file) to one merging
/// thread, which interns names once for the whole snapshot and streams definitions, calls and
/// occurrences to scratch files; the final files are then written a window of names at a time.
pub fn build<R>(
    files: &[SourceFile],
    sizes: Option<&[u64]>,
    read: R,
    dir: &Path,
    tree_sha256: &Sha256Id,
    progress: &Progress,
) -> Result<SymbolIndex, SyntaxError>
where
    R: Fn(usize) -> Option<Vec<u8>> + Sync,
{
    build_reporting(files, read, dir, tree_sha256, progress, None, sizes, None)
}

/// [`build`], recording each parsed file's definitions in `partial` as it goes, and parsing the
/// files in the order of `sizes` (largest first) when given.
#[allow(clippy::too_many_arguments)]
pub(super) fn build_reporting<R>(
    files: &[SourceFile],
    read: R,
    dir: &Path,
    tree_sha256: &Sha256Id,
    progress: &Progress,
    partial: Option<&PartialDefinitions>,
    sizes: Option<&[u64]>,
    links: Option<&IncludeLinks>,
) -> Result<SymbolIndex, SyntaxError>
where
    R: Fn(usize) -> Option<Vec<u8>> + Sync,
{
    let started = Instant::now();
    progress.set_phase("symbols", files.len() as u64);
    if let Some(p) = partial {
        p.start(files.iter().map(|f| f.path.clone()).collect());
    }
    // Write into a fresh sibling directory, then swap it in, so a reader never sees half an index.
    let tmp = dir.with_extension("tmp-build");
    let order = parse_order(files.len(), sizes);
    let result = build_into(files, &order, &read, dir, &tmp, tree_sha256, progress, started, partial, links);
    if result.is_err() && tmp.exists() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result?;
    progress.advance(1, 0);
    SymbolIndex::open(dir)
}

/// The order in which the files are handed to the workers: the largest first when their sizes are
/// known, so that the build does not end with one core parsing a large file while the others wait
/// (the index does not depend on the order: it is sorted when written).
pub(super) fn parse_order(n: usize, sizes: Option<&[u64]>) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    if let Some(sizes) = sizes {
        order.sort_by_key(|&i| std::cmp::Reverse(sizes.get(i).copied().unwrap_or(0)));
    }
    order
}

#[allow(clippy::too_many_arguments)]
fn build_into<R>(
    files: &[SourceFile],
    order: &[usize],
    read: &R,
    dir: &Path,
    tmp: &Path,
    tree_sha256: &Sha256Id,
    progress: &Progress,
    started: Instant,
    partial: Option<&PartialDefinitions>,
    links: Option<&IncludeLinks>,
) -> Result<(), SyntaxError>
where
    R: Fn(usize) -> Option<Vec<u8>> + Sync,
{
    if tmp.exists() {
        std::fs::remove_dir_all(tmp).map_err(io_err("remove", tmp))?;
    }
    std::fs::create_dir_all(tmp).map_err(io_err("create directory", tmp))?;
    let acc = Accumulator::new(tmp, files.len())?;
    // Function bodies are read lexically: the index keeps only their calls and names.
    let options =
        ExtractOptions { skim_bodies: true, parse_timeout: Some(PARSE_TIMEOUT), ..ExtractOptions::default() };
    // A few hundred files' results in flight at most.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<FileOut>>(256 / SEND_BATCH);
    let acc = std::thread::scope(|s| {
        let merger = s.spawn(move || {
            let mut acc = acc;
            let mut result = Ok(());
            for out in rx.into_iter().flatten() {
                if let Some(p) = partial {
                    let defs = out.defs.iter().filter(|d| d.flags & (0x20 | FLAG_ALIAS) == 0);
                    p.record(out.file, defs.map(|d| (out.name(d.name), d.line, d.column)));
                }
                // After an error, keep draining so that the workers never block.
                if result.is_ok() {
                    result = acc.merge(out);
                }
            }
            result.map(|()| acc)
        });
        // Each worker takes the next file of `order` as soon as it is free (a parallel iterator
        // left one core parsing the largest quarter alone, see `for_each_next`).
        vitrine_snapshot::work::for_each_next(
            order,
            || Outbox { tx: tx.clone(), pending: Vec::with_capacity(SEND_BATCH) },
            |outbox, &i| {
                if progress.is_cancelled() {
                    return;
                }
                let Some(f) = files.get(i) else { return };
                let Some(bytes) = read(i) else {
                    progress.advance(1, 0);
                    return;
                };
                let out = extract_file(f, &bytes, i, &options, links);
                progress.advance(1, out.as_ref().map(|o| o.bytes).unwrap_or(0));
                drop(bytes);
                match out {
                    Some(out) => outbox.push(out),
                    // A file without symbols is parsed all the same: it is no longer pending.
                    None => {
                        if let (Some(p), Ok(file)) = (partial, u32::try_from(i)) {
                            p.record(file, std::iter::empty());
                        }
                    }
                }
            },
        );
        // The merger's input ends when the last sender is gone.
        drop(tx);
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
        std::fs::remove_dir_all(dir).map_err(io_err("remove", dir))?;
    }
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent).map_err(io_err("create directory", parent))?;
    }
    std::fs::rename(tmp, dir).map_err(io_err("move into place", dir))?;
    Ok(())
}

/// A snapshot's symbolic links and indexed files, to name the file an include opens when a link is on
/// the way.
pub(super) struct IncludeLinks {
    links: vitrine_snapshot::includes::Links,
    files: std::collections::HashSet<Vec<u8>>,
    /// The snapshot's Go modules: a Go file's import also names the directory the go command builds
    /// the package from (`vendor/<path>/` under `-mod=vendor`, a `replace` target), as `dir/`.
    go: vitrine_snapshot::gomod::GoModules,
}

impl IncludeLinks {
    /// Adds to a file's includes (the names as written) the path of the file each opens, for those that
    /// meet a link (`data/steps.txt` through `src/data -> ../assets` opens `assets/steps.txt`): the
    /// ranking of `def` matches an include to a file by its name's end, which a link changes. One
    /// search per component of each include's name when the snapshot has links, nothing otherwise.
    fn add_resolved(&self, path: &str, includes: &mut Vec<String>) {
        let mut resolved = Vec::new();
        if !self.go.is_empty() && path.ends_with(".go") {
            for inc in includes.iter() {
                if let Some(dir) = self.go.built_dir(path.as_bytes(), inc.as_bytes())
                    && let Ok(dir) = String::from_utf8(dir)
                {
                    resolved.push(format!("{dir}/"));
                }
            }
        }
        for inc in includes.iter() {
            if !self.links.may_meet_a_link(inc.as_bytes()) {
                continue;
            }
            let form = vitrine_snapshot::includes::Form::Preprocessor;
            let opened = self.links.open(form, path.as_bytes(), inc.as_bytes(), |p| self.files.contains(p));
            if let Some(opened) = opened.and_then(|p| String::from_utf8(p).ok()) {
                resolved.push(opened);
            }
        }
        for r in resolved {
            if !includes.contains(&r) {
                includes.push(r);
            }
        }
    }
}

/// The files of `snap` the symbol index covers, in manifest order.
fn indexed_entries(
    snap: &vitrine_snapshot::Snapshot,
) -> Result<Vec<&vitrine_snapshot::FileEntry>, SyntaxError> {
    let files = snap.try_files().map_err(|e| SyntaxError::Snapshot(e.to_string()))?;
    Ok(files.iter().filter(|e| e.is_indexable()).collect())
}

/// Builds the index of a snapshot's indexable files into `dir`.
pub fn build_for_snapshot(
    snap: &vitrine_snapshot::Snapshot,
    dir: &Path,
    progress: &Progress,
) -> Result<SymbolIndex, SyntaxError> {
    build_snapshot_reporting(snap, dir, progress, None)
}

fn build_snapshot_reporting(
    snap: &vitrine_snapshot::Snapshot,
    dir: &Path,
    progress: &Progress,
    partial: Option<&PartialDefinitions>,
) -> Result<SymbolIndex, SyntaxError> {
    let entries = indexed_entries(snap)?;
    // A file a C or C++ file includes as code (`#include "table.txt"`) is read as its includer's
    // language, as the compiler reads it, unless its name gives it a grammar of its own (decided at
    // ingest: the snapshot's `included-as-code` findings).
    let health = snap.try_health().map_err(|e| SyntaxError::Snapshot(e.to_string()))?;
    let included = vitrine_snapshot::includes::languages(&health.findings);
    let files: Vec<SourceFile> = entries
        .iter()
        .map(|e| {
            let path = e.path.display();
            let read_as = included.get(&path).copied().filter(|_| language_for_path(&path, b"").is_none());
            let language = read_as.and_then(crate::lang::from_included);
            let assembly = read_as == Some(vitrine_snapshot::includes::CodeLanguage::Assembly);
            SourceFile { path, language, assembly }
        })
        .collect();
    // A file that cannot be read, or no longer hashes to the manifest, stops the build: the index is
    // kept for the snapshot's tree, so it must be made of exactly the bytes that were hashed.
    let failed: std::sync::Mutex<Option<vitrine_snapshot::SnapshotError>> = std::sync::Mutex::new(None);
    let read = |i: usize| -> Option<Vec<u8>> {
        let entry = entries.get(i)?;
        let bytes = match snap.read(entry) {
            Ok(bytes) => bytes,
            Err(e) => {
                if let Ok(mut first) = failed.lock() {
                    first.get_or_insert(e);
                }
                progress.cancel();
                return None;
            }
        };
        match entry.encoding {
            Some(enc) if !enc.is_utf8() => {
                Some(vitrine_snapshot::text::decode(&bytes, enc).into_owned().into_bytes())
            }
            _ => Some(bytes),
        }
    };
    let sizes: Vec<u64> = entries.iter().map(|e| e.size_bytes).collect();
    // Includes that go through the snapshot's own links (`src/data -> ../assets`) also name the file
    // they open, resolved as the health report's `included-as-code` resolves them.
    let all = snap.try_files().map_err(|e| SyntaxError::Snapshot(e.to_string()))?;
    let links = vitrine_snapshot::includes::Links::of_manifest(all.iter());
    // Go imports also name the package directory the go command builds (`go.mod` read only when the
    // snapshot has one).
    let go = {
        let index: std::collections::HashMap<&[u8], usize> =
            entries.iter().enumerate().map(|(i, e)| (e.path.as_bytes(), i)).collect();
        vitrine_snapshot::gomod::GoModules::of(all.iter().map(|e| e.path.as_bytes()), |p| {
            index.get(p).and_then(|&i| read(i))
        })
    };
    let links = (!links.is_empty() || !go.is_empty()).then(|| IncludeLinks {
        links,
        files: entries.iter().map(|e| e.path.as_bytes().to_vec()).collect(),
        go,
    });
    let built = build_reporting(
        &files,
        read,
        dir,
        &snap.ids().tree_sha256,
        progress,
        partial,
        Some(&sizes),
        links.as_ref(),
    );
    match failed.into_inner().ok().flatten() {
        Some(e) => Err(SyntaxError::Snapshot(e.to_string())),
        None => built,
    }
}

/// What happened when the symbol index of a snapshot was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// An existing index was opened as is.
    Reused,
    /// There was none; it was built.
    Built,
    /// The one on disk could not be used (damaged, another format, another snapshot); it was
    /// rebuilt. The reason is for the user.
    Rebuilt {
        /// Why the old index was refused (the damage, format or snapshot mismatch), for the user.
        reason: String,
    },
}

impl SymbolIndex {
    /// Opens the index in `dir` for `snap`: it must have been built for `snap`'s tree and name exactly
    /// `snap`'s indexed files, in manifest order, so that every path it gives is one of the manifest.
    pub fn open_for(dir: &Path, snap: &vitrine_snapshot::Snapshot) -> Result<SymbolIndex, SyntaxError> {
        let index = SymbolIndex::open(dir)?;
        let corrupt = |reason: String| SyntaxError::Corrupt { path: dir.to_path_buf(), reason };
        if index.meta().tree_sha256 != snap.ids().tree_sha256 {
            return Err(corrupt(format!("built for snapshot {}", index.meta().tree_sha256)));
        }
        // An imported snapshot's record states the digest of its indexable paths (computed at the
        // import, as the build computes the index's): equal digests are equal lists, so the rows need
        // not be read, one by one, on every query. Otherwise they are compared row by row.
        if let (Some(ours), Some(its)) = (snap.indexable_paths_digest(), index.meta().files_sha256) {
            if ours != its {
                return Err(corrupt("its files are not the snapshot's".to_owned()));
            }
            return Ok(index);
        }
        // Row by row, without decoding the snapshot's manifest (a stored snapshot keeps it encoded).
        let mut ours = snap.indexable_paths();
        let mut same = true;
        for p in index.paths()?.iter() {
            match ours.next().transpose().map_err(|e| SyntaxError::Snapshot(e.to_string()))? {
                Some(q) if shown_as(q, p) => {}
                _ => {
                    same = false;
                    break;
                }
            }
        }
        if !same || ours.next().is_some() {
            return Err(corrupt("its files are not the snapshot's".to_owned()));
        }
        Ok(index)
    }
}

/// Whether `shown` is how the index names the path `path` (its display form; see
/// [`vitrine_snapshot::path_display`]), without building that form for the usual path.
fn shown_as(path: &[u8], shown: &str) -> bool {
    if path == shown.as_bytes() {
        // Valid UTF-8, then, shown as is unless a backslash is doubled.
        !shown.contains('\\')
    } else {
        vitrine_snapshot::path_display(path) == shown
    }
}

/// Opens the index of a snapshot in `dir` if it exists and can be trusted ([`SymbolIndex::open_for`]);
/// otherwise builds it.
pub fn open_or_build(
    snap: &vitrine_snapshot::Snapshot,
    dir: &Path,
    progress: &Progress,
) -> Result<SymbolIndex, SyntaxError> {
    open_or_build_reporting(snap, dir, progress).map(|(index, _)| index)
}

/// [`open_or_build`], saying whether the index was reused, built, or rebuilt and why.
pub fn open_or_build_reporting(
    snap: &vitrine_snapshot::Snapshot,
    dir: &Path,
    progress: &Progress,
) -> Result<(SymbolIndex, Opened), SyntaxError> {
    let opened = match SymbolIndex::open_for(dir, snap) {
        Ok(index) => return Ok((index, Opened::Reused)),
        // A damaged snapshot record is the snapshot's problem, not the index's: no rebuild.
        Err(e @ SyntaxError::Snapshot(_)) => return Err(e),
        Err(_) if !dir.exists() => Opened::Built,
        Err(e) => Opened::Rebuilt { reason: e.to_string() },
    };
    Ok((build_for_snapshot(snap, dir, progress)?, opened))
}

/// [`open_or_build`], recording while it builds the definitions of each file parsed in `partial`, so
/// that they can be looked up before the index is ready.
pub fn open_or_build_progressive(
    snap: &vitrine_snapshot::Snapshot,
    dir: &Path,
    progress: &Progress,
    partial: &PartialDefinitions,
) -> Result<SymbolIndex, SyntaxError> {
    match SymbolIndex::open_for(dir, snap) {
        Ok(index) => return Ok(index),
        Err(e @ SyntaxError::Snapshot(_)) => return Err(e),
        Err(_) => {}
    }
    build_snapshot_reporting(snap, dir, progress, Some(partial))
}

/// How long one file may take to parse during a build (the slowest files of Linux and Boost take
/// a few seconds on a loaded machine).
pub const PARSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Names longer than this are not indexed as references (generated data, not identifiers).
const MAX_NAME: usize = 1024;

/// One file's extraction, with names interned per file (`names` holds them end to end).
pub(super) struct FileOut {
    file: u32,
    bytes: u64,
    /// `None` for an assembly file, read without a grammar.
    language: Option<Language>,
    parse_errors: u32,
    timed_out: bool,
    /// The includes, encoded as in `includes.bin`.
    includes: Vec<u8>,
    names: Vec<u8>,
    /// `(offset, length)` in `names` per local name id.
    spans: Vec<(u32, u32)>,
    pub(super) defs: Vec<FileDef>,
    /// (callee local id, line, column, index of the caller in `defs` or `NONE`)
    calls: Vec<[u32; 4]>,
    /// Distinct local name ids referenced in the file.
    occ: Vec<u32>,
}

impl FileOut {
    /// The name of a local id. Invariant (local): every id this is asked for was handed out by the
    /// file's `LocalNames::id`, which pushed its span into `names` as it stored the bytes.
    #[expect(clippy::expect_used, reason = "local ids come from LocalNames, which stored each span")]
    pub(super) fn name(&self, local: u32) -> &[u8] {
        let &(off, len) = self.spans.get(local as usize).expect("BUG: a local name id without a span");
        self.names.get(off as usize..(off + len) as usize).expect("BUG: a local name span past the names")
    }
}

/// One definition or declaration of a file, with a local name id.
pub(super) struct FileDef {
    pub(super) name: u32,
    scope: String,
    /// Kind index | 0x20 declaration | `FLAG_VIA_MACRO` | `FLAG_ALIAS`.
    pub(super) flags: u8,
    /// `scope` holds the binding attribute (`SPAN_DEFINED_BY`).
    defined_by: bool,
    /// The name's position.
    pub(super) line: u32,
    pub(super) column: u32,
    pub(super) start_line: u32,
    pub(super) end_line: u32,
}

/// Results a worker hands to the merging thread together: one wake of that thread per batch, not per
/// file (Linux's 55,000 files woke it 55,000 times, half a second of CPU in futex calls).
const SEND_BATCH: usize = 8;
/// A file's results of at least this many bytes of source are sent at once, with those before them.
/// The files come largest first, so results held back wait at most for the parse of a smaller file
/// than this (the progressive definitions are recorded as results are merged).
const SEND_AT_ONCE_BYTES: u64 = 32 * 1024;

/// A worker's results not yet sent to the merging thread; what is left is sent when it is dropped
/// (the worker has no more files).
struct Outbox {
    tx: std::sync::mpsc::SyncSender<Vec<FileOut>>,
    pending: Vec<FileOut>,
}

impl Outbox {
    fn push(&mut self, out: FileOut) {
        let large = out.bytes >= SEND_AT_ONCE_BYTES;
        self.pending.push(out);
        if large || self.pending.len() >= SEND_BATCH {
            self.send();
        }
    }

    fn send(&mut self) {
        if !self.pending.is_empty() {
            // The merger drains its input to the end, even after an error: a send fails only if it
            // panicked, which the join below reports.
            let _ = self.tx.send(std::mem::replace(&mut self.pending, Vec::with_capacity(SEND_BATCH)));
        }
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        self.send();
    }
}

/// Per-file name interning (names borrowed from the file's source or its symbols).
#[derive(Default)]
struct LocalNames<'a> {
    ids: HashMap<&'a [u8], u32, KeyedHash>,
    names: Vec<u8>,
    spans: Vec<(u32, u32)>,
}

impl<'a> LocalNames<'a> {
    fn with_capacity(names: usize) -> LocalNames<'a> {
        LocalNames {
            ids: HashMap::with_capacity_and_hasher(names, KeyedHash::default()),
            names: Vec::with_capacity(names * 8),
            spans: Vec::with_capacity(names),
        }
    }

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

fn extract_file(
    f: &SourceFile,
    bytes: &[u8],
    i: usize,
    options: &ExtractOptions,
    links: Option<&IncludeLinks>,
) -> Option<FileOut> {
    let lang = f.language.or_else(|| language_for_path(&f.path, bytes));
    // An assembly file has no grammar here: its global labels and branches are read lexically.
    // A registry file names code a loader runs (`META-INF/services`, entry points): calls by the loader.
    let registry = crate::registry::named(&f.path, bytes);
    let Some(lang) = lang else {
        if !registry.is_empty() {
            return Some(file_out(bytes, i, None, Default::default(), registry_refs(&registry, Vec::new())));
        }
        // A build file's `-DNAME=value` defines NAME for the sources it builds: `def NAME` lists it;
        // a shell script's functions (`gpg() {…}`, read lexically) are definitions too.
        let build = vitrine_snapshot::keywords::reads_build_defines(f.path.as_bytes());
        let shell = !f.assembly && vitrine_snapshot::shellnames::is_shell(&f.path, bytes);
        if build || shell {
            let mut fs = if build { build_file_defines(bytes) } else { Default::default() };
            if shell {
                fs.definitions.extend(shell_functions(bytes).definitions);
            }
            return (!fs.definitions.is_empty()).then(|| file_out(bytes, i, None, fs, Vec::new()));
        }
        return (f.assembly || crate::asm::is_assembly(&f.path)).then(|| {
            let (fs, refs) = crate::asm::extract_assembly(bytes, true);
            file_out(bytes, i, None, fs, refs)
        });
    };
    // Read as the compiler reads it (splices, digraphs): same length, same lines.
    let compiled = crate::symbols::as_compiled(lang, bytes);
    let bytes = compiled.as_deref().unwrap_or(bytes);
    // `__cplusplus` is decided only where the file's name decides the language (not in a `.h`).
    let cplusplus = crate::preproc::cplusplus_by_name(&f.path);
    let (mut fs, refs) = if cplusplus == options.cplusplus {
        extract_raw(lang, bytes, options)
    } else {
        extract_raw(lang, bytes, &ExtractOptions { cplusplus, ..options.clone() })
    };
    if let Some(links) = links {
        links.add_resolved(&f.path, &mut fs.includes);
    }
    let refs = if registry.is_empty() { refs } else { registry_refs(&registry, refs) };
    Some(file_out(bytes, i, Some(lang), fs, refs))
}

/// The functions a shell script defines, as definitions of kind function at their name.
fn shell_functions(bytes: &[u8]) -> crate::symbols::FileSymbols {
    let text = String::from_utf8_lossy(bytes);
    let mut fs = crate::symbols::FileSymbols::default();
    for d in vitrine_snapshot::shellnames::functions(&text) {
        fs.definitions.push(lexical_definition(
            &text,
            d.offset,
            d.line,
            d.name,
            crate::symbols::SymbolKind::Function,
        ));
    }
    fs
}

/// A definition read lexically (no grammar): `name` at the byte `offset` of `text`, on the 1-based
/// `line`, its range the name's.
fn lexical_definition(
    text: &str,
    offset: usize,
    line: u32,
    name: String,
    kind: crate::symbols::SymbolKind,
) -> crate::symbols::Symbol {
    use crate::symbols::{Point, Symbol, TextRange};
    let line_start = text.get(..offset).and_then(|t| t.rfind('\n')).map_or(0, |n| n + 1);
    let column = (offset - line_start) as u32;
    let line = line.saturating_sub(1);
    let end = offset + name.len();
    let name_range = TextRange {
        start: Point { line, column },
        end: Point { line, column: column + name.len() as u32 },
        start_byte: offset as u32,
        end_byte: end as u32,
    };
    Symbol {
        name,
        kind,
        scope: String::new(),
        range: name_range,
        name_range,
        parent: None,
        via_macro: None,
        defined_by: None,
    }
}

/// A file's references with the names its registry lines give a loader as calls at file level (a
/// reference the grammar read at the same place is replaced).
fn registry_refs(
    named: &[crate::registry::Named],
    mut refs: Vec<crate::symbols::RawRef>,
) -> Vec<crate::symbols::RawRef> {
    refs.retain(|r| !named.iter().any(|n| n.byte == r.start));
    refs.extend(named.iter().map(|n| crate::symbols::RawRef {
        start: n.byte,
        end: n.byte + n.name.len() as u32,
        kind: crate::symbols::RefKind::Call,
        at: n.at,
        enclosing: None,
        owned: Some(n.name.as_str().into()),
    }));
    refs
}

/// The macros a build file defines for the compiler, as definitions of kind macro at their `-D`.
fn build_file_defines(bytes: &[u8]) -> crate::symbols::FileSymbols {
    let text = String::from_utf8_lossy(bytes);
    let mut fs = crate::symbols::FileSymbols::default();
    for d in vitrine_snapshot::keywords::build_defines(&text) {
        fs.definitions.push(lexical_definition(
            &text,
            d.offset,
            d.line,
            d.name,
            crate::symbols::SymbolKind::Macro,
        ));
    }
    fs
}

/// A file's extraction as the merging thread takes it: names interned per file.
fn file_out(
    bytes: &[u8],
    i: usize,
    lang: Option<Language>,
    fs: crate::symbols::FileSymbols,
    refs: Vec<crate::symbols::RawRef>,
) -> FileOut {
    // A file names a few distinct names per reference: sized once, the table is not rehashed as
    // it fills.
    let mut local = LocalNames::with_capacity(fs.definitions.len() + fs.declarations.len() + refs.len() / 4);
    // Definitions first, then declarations: caller indexes point into definitions, which come first.
    let mut defs = Vec::with_capacity(fs.definitions.len() + fs.declarations.len());
    for (list, is_decl) in [(&fs.definitions, false), (&fs.declarations, true)] {
        for d in list {
            let kind_idx = d.kind.index();
            let flags = kind_idx
                | if is_decl { 0x20 } else { 0 }
                | if d.via_macro.is_some() { FLAG_VIA_MACRO } else { 0 };
            defs.push(FileDef {
                name: local.id(d.name.as_bytes()),
                // A definition bound by an attribute keeps the attribute where a scope would be (C
                // has none at file level).
                scope: d.defined_by.clone().unwrap_or_else(|| d.scope.clone()),
                defined_by: d.defined_by.is_some(),
                flags,
                line: d.name_range.start.line,
                column: d.name_range.start.column,
                start_line: d.range.start.line,
                end_line: last_line(&d.range),
            });
        }
    }
    // A definition a macro wraps (`TEST_F(A, B) {…}`, `DEFINE_RUN_ONCE_STATIC(f) {…}`) is found under
    // the macro's name as well: an alias record, after every real one so that caller indexes keep
    // pointing into the definitions, whose scope holds the definition's qualified name.
    for d in &fs.definitions {
        let Some(m) = d.via_macro.as_deref().filter(|m| *m != d.name && m.len() <= MAX_NAME) else {
            continue;
        };
        defs.push(FileDef {
            name: local.id(m.as_bytes()),
            scope: d.qualified_name(lang),
            defined_by: false,
            flags: d.kind.index() | FLAG_VIA_MACRO | FLAG_ALIAS,
            line: d.name_range.start.line,
            column: d.name_range.start.column,
            start_line: d.range.start.line,
            end_line: last_line(&d.range),
        });
    }
    let mut calls = Vec::new();
    let mut occ = Vec::new();
    let seen_before = local.spans.len();
    let mut seen = vec![false; seen_before];
    for r in &refs {
        let name = r.name_bytes(bytes);
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
    FileOut {
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
    }
}

/// The last line a range covers (a range ending at column 0 ends on the line before).
pub fn last_line(r: &crate::symbols::TextRange) -> u32 {
    if r.end.column == 0 && r.end.line > r.start.line { r.end.line - 1 } else { r.end.line }
}

/// What the merging thread keeps: the snapshot-wide name table, counts per name, per-file facts,
/// and writers of the scratch files.
pub(super) struct Accumulator {
    pub(super) names: Interner,
    pub(super) scopes: HashMap<Box<str>, u32, KeyedHash>,
    pub(super) scope_list: Vec<Box<str>>,
    pub(super) defs: Scratch<DEF_WORDS>,
    pub(super) calls: Scratch<CALL_WORDS>,
    pub(super) occ: Scratch<OCC_WORDS>,
    pub(super) declarations: u64,
    pub(super) aliases: u64,
    pub(super) kinds: [u64; SymbolKind::ALL.len()],
    pub(super) languages: Vec<Option<Language>>,
    pub(super) parse_errors: Vec<u32>,
    pub(super) includes: Vec<Box<[u8]>>,
    pub(super) timed_out: Vec<u32>,
    pub(super) parsed: u32,
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
            aliases: 0,
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
            *slot = out.language;
        }
        if let Some(slot) = self.parse_errors.get_mut(f as usize) {
            *slot = out.parse_errors;
        }
        if out.timed_out {
            self.timed_out.push(f);
        }
        // Local name ids to global ones.
        let global = self.names.ids((0..out.spans.len() as u32).map(|l| out.name(l)));
        // Every local id comes from the file's own interning, so each has a global id; a miss is a
        // bug, reported rather than written as name 0.
        let scratch = self.defs.path.clone();
        let bug = |what: &str| SyntaxError::Corrupt {
            path: scratch.clone(),
            reason: format!("BUG: {what} of file {f} has no global name id"),
        };
        let global_id = |local: u32, what: &str| global.get(local as usize).copied().ok_or_else(|| bug(what));
        let base = self.defs.count as u32;
        for d in &out.defs {
            let name = global_id(d.name, "a definition")?;
            let scope = self.scope_id(&d.scope);
            if d.flags & FLAG_ALIAS != 0 {
                // Counted apart: the definition it names is counted once, by kind.
                self.aliases += 1;
            } else if d.flags & 0x20 != 0 {
                self.declarations += 1;
            } else if let Some(k) = self.kinds.get_mut(usize::from(d.flags & 0x1f)) {
                *k += 1;
            }
            let span = d.end_line.saturating_sub(d.start_line).min(SPAN_MAX)
                | if d.defined_by { SPAN_DEFINED_BY } else { 0 };
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
            let callee = global_id(callee, "a call")?;
            let caller = if caller == NONE { NONE } else { base + caller };
            self.calls.push(&[callee, f, line, column, caller])?;
        }
        for &l in &out.occ {
            let name = global_id(l, "an occurrence")?;
            self.occ.push(&[name, f])?;
        }
        if let Some(slot) = self.includes.get_mut(f as usize) {
            *slot = out.includes.into_boxed_slice();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::IncludeLinks;

    /// An include whose name meets one of the snapshot's links also names the file it opens (so that
    /// `def` ranks that file's definitions as included); one that meets none, or whose link leads out
    /// of the snapshot or loops, is left as written.
    #[test]
    fn includes_through_links_also_name_the_file_they_open() {
        let links = vitrine_snapshot::includes::Links::new(
            [("c/src/data", "../assets"), ("loop/a", "b"), ("loop/b", "a"), ("c/src/out", "../../..")]
                .map(|(l, t)| (l.as_bytes().to_vec(), t.as_bytes().to_vec())),
        );
        let files = ["c/assets/api.h", "c/src/main.c", "c/src/plain.h", "c/assets/data.h"]
            .map(|f| f.as_bytes().to_vec())
            .into_iter()
            .collect();
        let il = IncludeLinks { links, files, go: Default::default() };
        let mut includes: Vec<String> =
            ["data/api.h", "plain.h", "stdio.h", "out/etc/passwd", "data/missing.h", "data/../src/plain.h"]
                .map(String::from)
                .to_vec();
        il.add_resolved("c/src/main.c", &mut includes);
        assert_eq!(
            includes,
            [
                "data/api.h",
                "plain.h",
                "stdio.h",
                "out/etc/passwd",
                "data/missing.h",
                "data/../src/plain.h",
                "c/assets/api.h",
                "c/src/plain.h"
            ]
        );
        let mut looping = vec!["a/x.h".to_string()];
        il.add_resolved("loop/main.c", &mut looping);
        assert_eq!(looping, ["a/x.h"]);
    }
}
