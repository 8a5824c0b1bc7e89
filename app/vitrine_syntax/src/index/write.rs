//! Writing the index files from the name table and the scratch files, one function per file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;

use vitrine_base::Sha256Id;
use vitrine_indexfile::{SealingWriter, Seals};

use super::build::Accumulator;
use super::format::*;
use super::interner::Interner;
use super::order::{ci_order, prefix_key};
use super::scratch::*;
use super::{IndexMeta, SourceFile};
use crate::error::SyntaxError;
use crate::lang::Language;
use crate::symbols::SymbolKind;

/// A definition in a window of the final sort: (rank, declaration, file, line, column, sequence
/// number) and its record.
type WindowDef = (u32, u8, u32, u32, u32, u32, [u8; DEF_RECORD]);

impl Accumulator {
    /// Writes the index files into `tmp` from the name table and the scratch files: the name-keyed
    /// files first (the case-insensitive order is sorted meanwhile on another thread), then the
    /// scopes, the per-file tables and `meta.json` last.
    pub(super) fn write(
        self,
        files: &[SourceFile],
        tmp: &Path,
        tree_sha256: &Sha256Id,
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
            timed_out,
            parsed,
            ..
        } = self;
        names.drop_table();
        let (defs_path, def_total) = defs.finish()?;
        let (calls_path, call_total) = calls.finish()?;
        let (occ_path, _) = occ.finish()?;
        let n = names.len();
        let order = NameOrder::new(&names);
        let scopes = Ranking::of(&scope_list);
        let mut seals = Seals::default();

        std::thread::scope(|sc| -> Result<(), SyntaxError> {
            let seals = &mut seals;
            // The case-insensitive order needs only the names, and the occurrences only the name
            // order: both are written meanwhile, on threads of their own.
            let ci_job = sc.spawn(|| ci_order(&names, &order.order));
            let occ_job = sc.spawn(|| {
                let mut own = Seals::default();
                write_occurrences(tmp, &occ_path, &order, &mut own).map(|len| (len, own))
            });
            let defs_per_rank = order.by_rank(&count_names(&defs_path, SCRATCH_DEF, n)?);
            let def_pos =
                write_defs(tmp, &defs_path, def_total, &defs_per_rank, &order, &scopes.rank, seals)?;
            let calls_per_rank = order.by_rank(&count_names(&calls_path, SCRATCH_CALL, n)?);
            write_calls(tmp, &calls_path, &calls_per_rank, &order, &def_pos, seals)?;
            drop(def_pos);
            let (occ_len, occ_seals) = occ_job.join().map_err(|_| SyntaxError::Corrupt {
                path: tmp.to_path_buf(),
                reason: "writing the occurrences panicked".into(),
            })??;
            // Sealed in the same order as before (defs, calls, occurrences), so `seals.bin` is too.
            if let Some(seal) = occ_seals.get("occ.bin") {
                seals.insert("occ.bin", seal.clone());
            }
            let counts = RankCounts { defs: defs_per_rank, calls: calls_per_rank, occ_len };
            write_names(tmp, &names, &order, &counts, seals)?;
            drop(counts);
            // Case-insensitive order (as `to_lowercase` orders, which is what lookups compare).
            let ci = ci_job.join().map_err(|_| SyntaxError::Corrupt {
                path: tmp.to_path_buf(),
                reason: "sorting names panicked".into(),
            })?;
            write_names_ci(tmp, &ci, seals)
        })?;
        drop((names, order));
        write_scopes(tmp, &scope_list, &scopes.order, &mut seals)?;
        write_files(tmp, files, &languages, &parse_errors, &mut seals)?;
        write_includes(tmp, &includes, &mut seals)?;
        let mut kind_counts = std::collections::BTreeMap::new();
        for (k, &c) in SymbolKind::ALL.iter().zip(kinds.iter()) {
            if c > 0 {
                kind_counts.insert(k.as_str().to_string(), c);
            }
        }
        let meta = IndexMeta {
            format: FORMAT_VERSION,
            tree_sha256: *tree_sha256,
            files: files.len() as u32,
            parsed_files: parsed,
            names: n as u32,
            definitions: def_total - declarations,
            declarations,
            calls: call_total,
            files_with_errors: parse_errors.iter().filter(|&&e| e > 0).count() as u32,
            parse_errors: parse_errors.iter().map(|&e| u64::from(e)).sum(),
            kinds: kind_counts,
            parse_timeouts: timeout_paths(files, timed_out),
            build_ms: 0,
            size_bytes: 0,
        };
        write_meta(tmp, meta, started, seals)
    }
}

/// The names in bytewise order (`order[rank]` is a name id) and the inverse (`rank[id]`).
struct NameOrder {
    order: Vec<u32>,
    rank: Vec<u32>,
}

impl NameOrder {
    fn new(names: &Interner) -> NameOrder {
        let n = names.len();
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
        NameOrder { order, rank }
    }

    fn len(&self) -> usize {
        self.order.len()
    }

    fn rank_of(&self, id: u32) -> u32 {
        self.rank.get(id as usize).copied().unwrap_or(0)
    }

    /// Per-id counts rearranged by rank.
    fn by_rank(&self, counts: &[u32]) -> Vec<u32> {
        self.order.iter().map(|&id| counts.get(id as usize).copied().unwrap_or(0)).collect()
    }
}

/// The scopes in sorted order, so that the files do not depend on the order in which files were
/// merged: `order[rank]` is a scope id, `rank[id]` its rank.
struct Ranking {
    order: Vec<u32>,
    rank: Vec<u32>,
}

impl Ranking {
    fn of(scope_list: &[Box<str>]) -> Ranking {
        let mut order: Vec<u32> = (0..scope_list.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| scope_list.get(a as usize).cmp(&scope_list.get(b as usize)));
        let mut rank = vec![NONE; scope_list.len()];
        for (pos, &id) in order.iter().enumerate() {
            if let Some(r) = rank.get_mut(id as usize) {
                *r = pos as u32;
            }
        }
        Ranking { order, rank }
    }
}

/// Per name rank: its definitions, its calls, and the encoded length of its occurrence list.
struct RankCounts {
    defs: Vec<u32>,
    calls: Vec<u32>,
    occ_len: Vec<u32>,
}

/// A file of the index being written, sealed as it goes.
type Out = SealingWriter<BufWriter<File>>;

fn create(path: &Path) -> Result<Out, SyntaxError> {
    Ok(SealingWriter::new(BufWriter::with_capacity(
        1 << 20,
        File::create(path).map_err(io_err("create", path))?,
    )))
}

/// Flushes `w` and records the seal of what it wrote under the file's name.
fn finish(w: Out, path: &Path, seals: &mut Seals) -> Result<(), SyntaxError> {
    let (mut w, seal) = w.finish();
    w.flush().map_err(io_err("write", path))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    seals.insert(&name, seal);
    Ok(())
}

/// `defs.bin`: definitions grouped by name rank, then definitions before declarations, then by
/// file and position. Returns where each definition went, by its sequence number in the scratch
/// file (calls name their caller so).
fn write_defs(
    tmp: &Path,
    scratch: &Path,
    def_total: u64,
    defs_per_rank: &[u32],
    order: &NameOrder,
    scope_rank: &[u32],
    seals: &mut Seals,
) -> Result<Vec<u32>, SyntaxError> {
    let mut def_pos = vec![NONE; def_total as usize];
    let path = tmp.join("defs.bin");
    let mut w = create(&path)?;
    let mut written = 0u32;
    let ws = windows(order.len(), |r| u64::from(defs_per_rank.get(r).copied().unwrap_or(0)));
    let buckets = split_scratch(scratch, SCRATCH_DEF, &ws, &|id| order.rank_of(id))?;
    for (&(r0, r1), bucket) in ws.iter().zip(&buckets) {
        let mut window: Vec<WindowDef> = Vec::new();
        scan_scratch(bucket, SCRATCH_DEF + 4, |_, rec| {
            let seq = le32(rec, SCRATCH_DEF);
            let r = order.rank_of(le32(rec, 0));
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
        std::fs::remove_file(bucket).map_err(io_err("remove", bucket))?;
        window.par_sort_unstable_by_key(|e| (e.0, e.1, e.2, e.3, e.4, e.5));
        for e in &window {
            if let Some(p) = def_pos.get_mut(e.5 as usize) {
                *p = written;
            }
            written += 1;
            w.write_all(&e.6).map_err(io_err("write", &path))?;
        }
    }
    finish(w, &path, seals)?;
    std::fs::remove_file(scratch).map_err(io_err("remove", scratch))?;
    Ok(def_pos)
}

/// `calls.bin`: calls grouped by callee rank, then by file and position; each names its caller by
/// the caller's position in `defs.bin`.
fn write_calls(
    tmp: &Path,
    scratch: &Path,
    calls_per_rank: &[u32],
    order: &NameOrder,
    def_pos: &[u32],
    seals: &mut Seals,
) -> Result<(), SyntaxError> {
    let path = tmp.join("calls.bin");
    let mut w = create(&path)?;
    let ws = windows(order.len(), |r| u64::from(calls_per_rank.get(r).copied().unwrap_or(0)));
    let buckets = split_scratch(scratch, SCRATCH_CALL, &ws, &|id| order.rank_of(id))?;
    for (&(r0, r1), bucket) in ws.iter().zip(&buckets) {
        let mut window: Vec<[u32; 5]> = Vec::new();
        scan_scratch(bucket, SCRATCH_CALL + 4, |_, rec| {
            let r = order.rank_of(le32(rec, 0));
            if r >= r0 && r < r1 {
                window.push([r, le32(rec, 4), le32(rec, 8), le32(rec, 12), le32(rec, 16)]);
            }
        })?;
        std::fs::remove_file(bucket).map_err(io_err("remove", bucket))?;
        window.par_sort_unstable();
        for &[_, file, line, column, caller] in &window {
            let caller =
                if caller == NONE { NONE } else { def_pos.get(caller as usize).copied().unwrap_or(NONE) };
            let mut rec = [0u8; CALL_RECORD];
            put32(&mut rec, 0, file);
            put32(&mut rec, 4, line);
            put32(&mut rec, 8, column);
            put32(&mut rec, 12, caller);
            w.write_all(&rec).map_err(io_err("write", &path))?;
        }
    }
    finish(w, &path, seals)?;
    std::fs::remove_file(scratch).map_err(io_err("remove", scratch))
}

/// `occ.bin`: per name rank, the files it occurs in (in order, delta-encoded). Returns each list's
/// encoded length, by rank.
fn write_occurrences(
    tmp: &Path,
    scratch: &Path,
    order: &NameOrder,
    seals: &mut Seals,
) -> Result<Vec<u32>, SyntaxError> {
    let n = order.len();
    let occ_per_rank = order.by_rank(&count_names(scratch, SCRATCH_OCC, n)?);
    let mut occ_len = vec![0u32; n];
    let path = tmp.join("occ.bin");
    let mut w = create(&path)?;
    let ws = windows(n, |r| u64::from(occ_per_rank.get(r).copied().unwrap_or(0)));
    let buckets = split_scratch(scratch, SCRATCH_OCC, &ws, &|id| order.rank_of(id))?;
    for (&(r0, r1), bucket) in ws.iter().zip(&buckets) {
        let mut window: Vec<(u32, u32)> = Vec::new();
        scan_scratch(bucket, SCRATCH_OCC + 4, |_, rec| {
            let r = order.rank_of(le32(rec, 0));
            if r >= r0 && r < r1 {
                window.push((r, le32(rec, 4)));
            }
        })?;
        std::fs::remove_file(bucket).map_err(io_err("remove", bucket))?;
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
                varint::put_u64(&mut list, u64::from(f - prev));
                prev = f;
                i += 1;
            }
            if let Some(l) = occ_len.get_mut(r as usize) {
                *l = list.len() as u32;
            }
            w.write_all(&list).map_err(io_err("write", &path))?;
        }
    }
    finish(w, &path, seals)?;
    std::fs::remove_file(scratch).map_err(io_err("remove", scratch))?;
    Ok(occ_len)
}

/// `names.bin` and `names.idx`: the names and their entries, in rank order.
fn write_names(
    tmp: &Path,
    names: &Interner,
    order: &NameOrder,
    counts: &RankCounts,
    seals: &mut Seals,
) -> Result<(), SyntaxError> {
    let (blob_path, idx_path) = (tmp.join("names.bin"), tmp.join("names.idx"));
    let mut blob = create(&blob_path)?;
    let mut idx = create(&idx_path)?;
    let (mut name_off, mut occ_off, mut def_start, mut call_start) = (0u64, 0u64, 0u32, 0u32);
    for (r, &id) in order.order.iter().enumerate() {
        let name = names.get(id);
        blob.write_all(name).map_err(io_err("write", &blob_path))?;
        let dc = counts.defs.get(r).copied().unwrap_or(0);
        let cc = counts.calls.get(r).copied().unwrap_or(0);
        let ol = counts.occ_len.get(r).copied().unwrap_or(0);
        let mut e = [0u8; NAME_ENTRY];
        put64(&mut e, 0, name_off);
        put32(&mut e, 8, name.len() as u32);
        put32(&mut e, 12, def_start);
        put32(&mut e, 16, dc);
        put32(&mut e, 20, call_start);
        put32(&mut e, 24, cc);
        put64(&mut e, 28, occ_off);
        put32(&mut e, 36, ol);
        idx.write_all(&e).map_err(io_err("write", &idx_path))?;
        name_off += name.len() as u64;
        occ_off += u64::from(ol);
        def_start += dc;
        call_start += cc;
    }
    finish(blob, &blob_path, seals)?;
    finish(idx, &idx_path, seals)
}

/// `names_ci.idx`: name ranks in case-insensitive order.
fn write_names_ci(tmp: &Path, ci: &[u32], seals: &mut Seals) -> Result<(), SyntaxError> {
    let path = tmp.join("names_ci.idx");
    let mut w = create(&path)?;
    for r in ci {
        w.write_all(&r.to_le_bytes()).map_err(io_err("write", &path))?;
    }
    finish(w, &path, seals)
}

/// `scopes.bin` and `scopes.idx`: the scope strings in sorted order.
fn write_scopes(
    tmp: &Path,
    scope_list: &[Box<str>],
    scope_order: &[u32],
    seals: &mut Seals,
) -> Result<(), SyntaxError> {
    let (blob_path, idx_path) = (tmp.join("scopes.bin"), tmp.join("scopes.idx"));
    let mut blob = create(&blob_path)?;
    let mut idx = create(&idx_path)?;
    let mut off = 0u64;
    for s in scope_order.iter().filter_map(|&id| scope_list.get(id as usize)) {
        blob.write_all(s.as_bytes()).map_err(io_err("write", &blob_path))?;
        let mut e = [0u8; 12];
        put64(&mut e, 0, off);
        put32(&mut e, 8, s.len() as u32);
        idx.write_all(&e).map_err(io_err("write", &idx_path))?;
        off += s.len() as u64;
    }
    finish(blob, &blob_path, seals)?;
    finish(idx, &idx_path, seals)
}

/// `files.bin`: per file its path, language and parse error count.
fn write_files(
    tmp: &Path,
    files: &[SourceFile],
    languages: &[Option<Language>],
    parse_errors: &[u32],
    seals: &mut Seals,
) -> Result<(), SyntaxError> {
    let path = tmp.join("files.bin");
    let mut w = create(&path)?;
    for (i, f) in files.iter().enumerate() {
        w.write_all(&(f.path.len() as u32).to_le_bytes()).map_err(io_err("write", &path))?;
        w.write_all(f.path.as_bytes()).map_err(io_err("write", &path))?;
        let lang = languages.get(i).copied().flatten().map(Language::index).unwrap_or(255);
        w.write_all(&[lang]).map_err(io_err("write", &path))?;
        w.write_all(&parse_errors.get(i).copied().unwrap_or(0).to_le_bytes())
            .map_err(io_err("write", &path))?;
    }
    finish(w, &path, seals)
}

/// `includes.bin`: per file its includes, as encoded while merging (a file without any: a zero count).
fn write_includes(tmp: &Path, includes: &[Box<[u8]>], seals: &mut Seals) -> Result<(), SyntaxError> {
    let path = tmp.join("includes.bin");
    let mut w = create(&path)?;
    for list in includes {
        let list: &[u8] = if list.is_empty() { &[0, 0, 0, 0] } else { list };
        w.write_all(list).map_err(io_err("write", &path))?;
    }
    finish(w, &path, seals)
}

/// The paths of the files whose parse ran out of time, in file order.
fn timeout_paths(files: &[SourceFile], mut timed_out: Vec<u32>) -> Vec<String> {
    timed_out.sort_unstable();
    timed_out.iter().filter_map(|&f| files.get(f as usize)).map(|f| f.path.clone()).collect()
}

/// `meta.json`, written last: `meta` completed with the size of the files written and the build time.
fn write_meta(
    tmp: &Path,
    mut meta: IndexMeta,
    started: Instant,
    mut seals: Seals,
) -> Result<(), SyntaxError> {
    let size: u64 = std::fs::read_dir(tmp)
        .map_err(io_err("list", tmp))?
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    meta.size_bytes = size;
    meta.build_ms = started.elapsed().as_millis() as u64;
    let meta_path = tmp.join("meta.json");
    let json = serde_json::to_vec_pretty(&meta)
        .map_err(|e| SyntaxError::Corrupt { path: meta_path.clone(), reason: e.to_string() })?;
    vitrine_indexfile::write_sealed(tmp, "meta.json", &json, &mut seals).map_err(checked)?;
    seals.write(tmp).map_err(checked)
}
