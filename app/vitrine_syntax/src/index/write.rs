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
type WindowDef = (u32, u8, u32, u32, u32, u32, DefRecord);

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
            aliases,
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
            let rank_of = |id| order.rank_of(id);
            let defs_per_rank = count_ranks::<DEF_WORDS>(&defs_path, n, &rank_of)?;
            let def_pos =
                write_defs(tmp, &defs_path, def_total, &defs_per_rank, &order, &scopes.rank, seals)?;
            let calls_per_rank = count_ranks::<CALL_WORDS>(&calls_path, n, &rank_of)?;
            // The name tables need the per-rank counts and the occurrences' lengths, not the calls
            // themselves: they are written meanwhile, on a thread of their own (after the calls, they
            // were the writing phase's last second, on one core).
            let (names, order) = (&names, &order);
            let calls_for_names = calls_per_rank.clone();
            let names_job = sc.spawn(move || -> Result<Seals, SyntaxError> {
                let (occ_len, mut own) = occ_job.join().map_err(|_| SyntaxError::Corrupt {
                    path: tmp.to_path_buf(),
                    reason: "writing the occurrences panicked".into(),
                })??;
                let counts = RankCounts { defs: defs_per_rank, calls: calls_for_names, occ_len };
                write_names(tmp, names, order, &counts, &mut own)?;
                drop(counts);
                // Case-insensitive order (as `to_lowercase` orders, which is what lookups compare).
                let ci = ci_job.join().map_err(|_| SyntaxError::Corrupt {
                    path: tmp.to_path_buf(),
                    reason: "sorting names panicked".into(),
                })?;
                write_names_ci(tmp, &ci, &mut own)?;
                Ok(own)
            });
            write_calls(tmp, &calls_path, &calls_per_rank, order, &def_pos, seals)?;
            drop((def_pos, calls_per_rank));
            let own = names_job.join().map_err(|_| SyntaxError::Corrupt {
                path: tmp.to_path_buf(),
                reason: "writing the names panicked".into(),
            })??;
            // Sealed in the same order as before (defs, calls, occurrences, names), so `seals.bin` is too.
            for file in ["occ.bin", "names.bin", "names.idx", "names_ci.idx"] {
                if let Some(seal) = own.get(file) {
                    seals.insert(file, seal.clone());
                }
            }
            Ok(())
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
            files_sha256: Some(vitrine_snapshot::indexable_paths_digest(
                files.iter().map(|f| f.path.as_str()),
            )),
            files: files.len() as u32,
            parsed_files: parsed,
            names: n as u32,
            definitions: def_total - declarations - aliases,
            declarations,
            aliases,
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

    /// The rank of a name id; `None` for an id the name table does not hold (a scratch record that
    /// does not hold what the build wrote).
    fn rank_of(&self, id: u32) -> Option<u32> {
        self.rank.get(id as usize).copied()
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

/// The rank of a bucket record's name, which must lie in the bucket's window `r0..r1`.
fn window_rank(
    bucket: &Path,
    record: u64,
    rank: Option<u32>,
    (r0, r1): (u32, u32),
) -> Result<u32, SyntaxError> {
    match rank {
        Some(r) if (r0..r1).contains(&r) => Ok(r),
        Some(r) => Err(corrupt(bucket, format!("record {record}: rank {r} outside the window {r0}..{r1}"))),
        None => Err(corrupt(bucket, format!("record {record} names an id the name table does not hold"))),
    }
}

/// Writes the windows of a file on a thread of their own while the calling thread reads and sorts
/// the next one (its sorts run on the caller's rayon pool, the build's): `load(k)` reads window `k`,
/// `emit(&mut out, window)` writes it, in window order, one window loaded ahead at most. Returns
/// `out` after the last window, or the first error either side met.
fn pipelined<T: Send, O: Send>(
    windows: usize,
    mut load: impl FnMut(usize) -> Result<T, SyntaxError>,
    mut out: O,
    mut emit: impl FnMut(&mut O, T) -> Result<(), SyntaxError> + Send,
    tmp: &Path,
) -> Result<O, SyntaxError> {
    std::thread::scope(|s| {
        // A rendezvous: the loader hands a window over only when the writer takes it, so at most two
        // windows are held (the one being written and the next), not three.
        let (tx, rx) = std::sync::mpsc::sync_channel::<T>(0);
        let writer = s.spawn(move || -> Result<O, SyntaxError> {
            for window in rx {
                emit(&mut out, window)?;
            }
            Ok(out)
        });
        let mut loaded = Ok(());
        for k in 0..windows {
            match load(k) {
                Ok(window) => {
                    // A closed channel means the writer stopped on an error, which its result reports.
                    if tx.send(window).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    loaded = Err(e);
                    break;
                }
            }
        }
        drop(tx);
        let written = writer.join().map_err(|_| corrupt(tmp, "writing an index file panicked"))?;
        loaded.and(written)
    })
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
    let path = tmp.join("defs.bin");
    let ws = windows(defs_per_rank);
    let buckets = split_scratch::<DEF_WORDS>(scratch, &ws, &|id| order.rank_of(id))?;
    let load = |k: usize| -> Result<(&Path, Vec<WindowDef>), SyntaxError> {
        let (Some(&(r0, r1)), Some(bucket)) = (ws.get(k), buckets.get(k)) else {
            return Err(corrupt(scratch, format!("BUG: window {k} has no bucket")));
        };
        let mut window: Vec<WindowDef> = Vec::new();
        scan_scratch::<{ DEF_WORDS + 1 }>(bucket, |i, rec| {
            let [name, file, line, column, start_line, packed, scope, seq] = rec;
            let r = window_rank(bucket, i, order.rank_of(name), (r0, r1))?;
            let scope = if scope == NONE {
                NONE
            } else {
                *scope_rank.get(scope as usize).ok_or_else(|| {
                    corrupt(bucket, format!("record {i} names scope {scope}, which the build never saw"))
                })?
            };
            let def = DefRecord::from_words([r, file, line, column, start_line, packed, scope]);
            let decl = (def.flags >> 5) & 1;
            window.push((r, decl, file, line, column, seq, def));
            Ok(())
        })?;
        std::fs::remove_file(bucket).map_err(io_err("remove", bucket))?;
        window.par_sort_unstable_by_key(|e| (e.0, e.1, e.2, e.3, e.4, e.5));
        Ok((bucket.as_path(), window))
    };
    let out = (create(&path)?, vec![NONE; def_total as usize], 0u32);
    let emit = |(w, def_pos, written): &mut (Out, Vec<u32>, u32),
                (bucket, window): (&Path, Vec<WindowDef>)| {
        for e in &window {
            let pos = def_pos.get_mut(e.5 as usize).ok_or_else(|| {
                corrupt(bucket, format!("sequence number {} past the {def_total} definitions", e.5))
            })?;
            *pos = *written;
            *written += 1;
            w.write_all(&e.6.encode()).map_err(io_err("write", &path))?;
        }
        Ok(())
    };
    let (w, def_pos, _) = pipelined(ws.len(), load, out, emit, tmp)?;
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
    let ws = windows(calls_per_rank);
    let buckets = split_scratch::<CALL_WORDS>(scratch, &ws, &|id| order.rank_of(id))?;
    let load = |k: usize| -> Result<Vec<[u32; CALL_WORDS]>, SyntaxError> {
        let (Some(&(r0, r1)), Some(bucket)) = (ws.get(k), buckets.get(k)) else {
            return Err(corrupt(scratch, format!("BUG: window {k} has no bucket")));
        };
        let mut window: Vec<[u32; CALL_WORDS]> = Vec::new();
        scan_scratch::<{ CALL_WORDS + 1 }>(bucket, |i, rec| {
            let [callee, file, line, column, caller, _seq] = rec;
            let r = window_rank(bucket, i, order.rank_of(callee), (r0, r1))?;
            let caller = if caller == NONE {
                NONE
            } else {
                *def_pos.get(caller as usize).ok_or_else(|| {
                    corrupt(bucket, format!("record {i} names caller {caller}, past the definitions"))
                })?
            };
            window.push([r, file, line, column, caller]);
            Ok(())
        })?;
        std::fs::remove_file(bucket).map_err(io_err("remove", bucket))?;
        window.par_sort_unstable();
        Ok(window)
    };
    let emit = |w: &mut Out, window: Vec<[u32; CALL_WORDS]>| {
        for &[_, file, line, column, caller] in &window {
            let rec = CallRecord { file, line, column, caller };
            w.write_all(&rec.encode()).map_err(io_err("write", &path))?;
        }
        Ok(())
    };
    let w = pipelined(ws.len(), load, create(&path)?, emit, tmp)?;
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
    let occ_per_rank = count_ranks::<OCC_WORDS>(scratch, n, &|id| order.rank_of(id))?;
    let mut occ_len = vec![0u32; n];
    let path = tmp.join("occ.bin");
    let mut w = create(&path)?;
    let ws = windows(&occ_per_rank);
    let buckets = split_scratch::<OCC_WORDS>(scratch, &ws, &|id| order.rank_of(id))?;
    for (&(r0, r1), bucket) in ws.iter().zip(&buckets) {
        let mut window: Vec<(u32, u32)> = Vec::new();
        scan_scratch::<{ OCC_WORDS + 1 }>(bucket, |i, [name, file, _seq]| {
            window.push((window_rank(bucket, i, order.rank_of(name), (r0, r1))?, file));
            Ok(())
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
            let l = occ_len
                .get_mut(r as usize)
                .ok_or_else(|| corrupt(bucket, format!("rank {r} past the names")))?;
            *l = list.len() as u32;
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
    let n = order.order.len();
    if [counts.defs.len(), counts.calls.len(), counts.occ_len.len()] != [n; 3] {
        return Err(corrupt(tmp, "BUG: the per-rank counts do not cover every name"));
    }
    let (mut name_off, mut occ_off, mut def_start, mut call_start) = (0u64, 0u64, 0u32, 0u32);
    let per_rank = counts.defs.iter().zip(&counts.calls).zip(&counts.occ_len);
    for (&id, ((&def_count, &call_count), &occ_len)) in order.order.iter().zip(per_rank) {
        let name = names.get(id);
        blob.write_all(name).map_err(io_err("write", &blob_path))?;
        let e = NameEntry {
            name_off,
            name_len: name.len() as u32,
            def_start,
            def_count,
            call_start,
            call_count,
            occ_off,
            occ_len,
        };
        idx.write_all(&e.encode()).map_err(io_err("write", &idx_path))?;
        name_off += name.len() as u64;
        occ_off += u64::from(occ_len);
        def_start += def_count;
        call_start += call_count;
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
        idx.write_all(&scope_entry(off, s.len() as u32)).map_err(io_err("write", &idx_path))?;
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
    let idx_path = tmp.join("files.idx");
    let mut w = create(&path)?;
    let mut idx = create(&idx_path)?;
    if languages.len() != files.len() || parse_errors.len() != files.len() {
        return Err(corrupt(tmp, "BUG: the per-file tables do not cover every file"));
    }
    let mut at = 0u64;
    for ((f, lang), errors) in files.iter().zip(languages).zip(parse_errors) {
        idx.write_all(&at.to_le_bytes()).map_err(io_err("write", &idx_path))?;
        w.write_all(&(f.path.len() as u32).to_le_bytes()).map_err(io_err("write", &path))?;
        w.write_all(f.path.as_bytes()).map_err(io_err("write", &path))?;
        // 255: a file no grammar read.
        w.write_all(&[lang.map_or(255, Language::index)]).map_err(io_err("write", &path))?;
        w.write_all(&errors.to_le_bytes()).map_err(io_err("write", &path))?;
        at += 4 + f.path.len() as u64 + 1 + 4;
    }
    idx.write_all(&at.to_le_bytes()).map_err(io_err("write", &idx_path))?;
    finish(w, &path, seals)?;
    finish(idx, &idx_path, seals)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The windows reach the writer in order; an error on either side stops both and is the result,
    /// never a file written short without one.
    fn push(out: &mut Vec<usize>, k: usize) -> Result<(), SyntaxError> {
        out.push(k);
        Ok(())
    }

    #[test]
    fn pipelined_windows_arrive_in_order_and_errors_stop_both_sides() {
        let tmp = Path::new("index.tmp");
        let all = pipelined(5, Ok, Vec::new(), push, tmp).unwrap();
        assert_eq!(all, [0, 1, 2, 3, 4]);

        let bad_load = pipelined(
            5,
            |k| if k == 2 { Err(corrupt(tmp, "window 2 unreadable")) } else { Ok(k) },
            Vec::new(),
            push,
            tmp,
        );
        assert!(matches!(&bad_load, Err(SyntaxError::Corrupt { reason, .. }) if reason.contains("window 2")));

        let loaded = std::sync::atomic::AtomicUsize::new(0);
        let bad_write = pipelined(
            100,
            |k| {
                loaded.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok(k)
            },
            (),
            |_: &mut (), k| if k == 1 { Err(corrupt(tmp, "disk full")) } else { Ok(()) },
            tmp,
        );
        assert!(
            matches!(&bad_write, Err(SyntaxError::Corrupt { reason, .. }) if reason.contains("disk full"))
        );
        assert!(
            loaded.load(std::sync::atomic::Ordering::SeqCst) < 100,
            "the loads went on after the writer stopped"
        );
    }
}
