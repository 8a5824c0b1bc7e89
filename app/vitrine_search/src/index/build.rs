//! Building the index files of a snapshot: trigrams per file in parallel, posting lists placed in a
//! second pass, then the file table, the word filters and `meta.json` last.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;
use vitrine_snapshot::Snapshot;
use vitrine_snapshot::progress::Progress;

use vitrine_indexfile::{SealingWriter, Seals, write_sealed};

use super::files::{FileStatus, FileTable};
use super::format::*;
use super::{FORMAT_VERSION, IndexMeta, manifest_sha256};
use crate::error::SearchError;
use crate::text::search_text;
use crate::trigram::{self, Trigram};

/// Builds the index of `snap` into `index_dir`, replacing whatever is there.
pub fn build_into(snap: &Snapshot, index_dir: &Path, progress: &Progress) -> Result<IndexMeta, SearchError> {
    build_into_then(snap, index_dir, progress, || ())
}

/// [`build_into`], calling `read_all` once every file has been read and the posting lists are placed:
/// what is left (writing them) is short and sequential, so another build may start then and share the
/// cores. Not before: the placement keeps both cores busy and holds the build's peak memory, which
/// another build starting beside it would add to. `read_all` is not called when the build stops
/// before (error, cancelled).
pub(crate) fn build_into_then(
    snap: &Snapshot,
    index_dir: &Path,
    progress: &Progress,
    read_all: impl FnOnce(),
) -> Result<IndexMeta, SearchError> {
    let parent = index_dir.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| SearchError::io("create directory", parent, e))?;
    let name =
        index_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "index".into());
    let tmp = parent.join(format!("{name}.tmp-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| SearchError::io("remove", &tmp, e))?;
    }
    std::fs::create_dir_all(&tmp).map_err(|e| SearchError::io("create directory", &tmp, e))?;
    let meta = match build_then(snap, &tmp, progress, read_all) {
        Ok(m) => m,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    if index_dir.exists() {
        std::fs::remove_dir_all(index_dir).map_err(|e| SearchError::io("remove", index_dir, e))?;
    }
    std::fs::rename(&tmp, index_dir).map_err(|e| SearchError::io("move into place", index_dir, e))?;
    sync_dir(parent);
    Ok(meta)
}

/// Best effort: the index is a cache, rebuilt if a crash loses it.
fn sync_dir(dir: &Path) {
    let _ = vitrine_base::fs::sync_dir(dir);
}

/// The ordered part of pass 1: what has been gathered so far, in file order.
struct Fold {
    forward: Vec<u8>,
    files: Vec<u32>,
    bytes: u64,
    filters: Vec<(u32, Vec<u8>)>,
}

impl Fold {
    fn add(
        &mut self,
        results: Vec<(u32, Option<FileTrigrams>)>,
        acc: &mut [[u32; 3]],
        status: &mut [FileStatus],
    ) {
        for (id, result) in results {
            let Some((tris, len, filter)) = result else {
                if let Some(s) = status.get_mut(id as usize) {
                    *s = FileStatus::Unreadable;
                }
                continue;
            };
            self.bytes += len;
            if let Some(f) = filter {
                self.filters.push((id, f));
            }
            self.files.push(id);
            varint::put_u32(&mut self.forward, tris.len() as u32);
            let mut prev = 0u32;
            for &t in &tris {
                varint::put_u32(&mut self.forward, t - prev);
                prev = t;
                let Some(a) = acc.get_mut(t as usize) else { continue };
                a[0] += 1;
                a[1] += varint::len_u32(if a[2] == 0 { id } else { id - (a[2] - 1) });
                a[2] = id + 1;
            }
        }
    }
}

/// A file's distinct trigrams, its size in bytes, and its word filter when it is large.
type FileTrigrams = (Vec<Trigram>, u64, Option<Vec<u8>>);

/// Files per parallel batch: large enough to keep both cores busy, small enough to bound memory.
const BATCH: usize = 512;

/// Builds the index files into `dir` (an empty directory).
pub fn build(snap: &Snapshot, dir: &Path, progress: &Progress) -> Result<IndexMeta, SearchError> {
    build_then(snap, dir, progress, || ())
}

/// [`build`], calling `read_all` when the posting lists are placed (see [`build_into_then`]).
fn build_then(
    snap: &Snapshot,
    dir: &Path,
    progress: &Progress,
    read_all: impl FnOnce(),
) -> Result<IndexMeta, SearchError> {
    let started = Instant::now();
    let entries = snap.files();
    let n = u32::try_from(entries.len()).map_err(|_| SearchError::TooLarge("more than 2^32 files".into()))?;
    let mut status: Vec<FileStatus> = entries.iter().map(FileStatus::of).collect();
    let indexable: Vec<u32> =
        (0..n).filter(|&i| status.get(i as usize).copied() == Some(FileStatus::Indexed)).collect();
    progress.set_phase("indexing", indexable.len() as u64);
    let (fold, mut acc) = gather(snap, &indexable, &mut status, progress)?;
    if progress.is_cancelled() {
        return Err(SearchError::Cancelled);
    }
    progress.set_phase("writing index", 1);
    let Fold { forward, files: forward_files, bytes: bytes_indexed, filters } = fold;
    let postings = place_postings(&mut acc, &forward, &forward_files)?;
    drop(forward);
    let table = PostingTable::of(&acc);
    drop(acc);
    // The placement used every core and held the build's peak (the counts, the forward lists and
    // the posting lists at once); what is left is writing, sequential, with the posting lists alone.
    read_all();
    let mut seals = Seals::default();
    let trigrams_bin_bytes = write_trigrams(dir, &table, &postings, &mut seals)?;
    let words_bin_bytes = write_word_filters(dir, &filters, &mut seals)?;
    drop(filters);
    let files_bytes = FileTable::encode(&status);
    write_sealed(dir, "files.bin", &files_bytes, &mut seals).map_err(checked)?;

    let mut left_out = BTreeMap::new();
    for s in &status {
        if *s != FileStatus::Indexed {
            *left_out.entry(s.as_str().to_owned()).or_insert(0) += 1;
        }
    }
    let meta = IndexMeta {
        format: FORMAT_VERSION,
        tree_sha256: snap.ids().tree_sha256,
        manifest_sha256: manifest_sha256(snap),
        content_key: Some(*snap.content_key()),
        files_total: u64::from(n),
        files_indexed: forward_files.len() as u64,
        bytes_indexed,
        left_out,
        trigrams: u64::from(table.n_entries),
        files_bin_bytes: files_bytes.len() as u64,
        trigrams_bin_bytes,
        words_bin_bytes,
        build_ms: started.elapsed().as_millis() as u64,
    };
    let meta_json = serde_json::to_vec_pretty(&meta).map_err(|e| SearchError::corrupt(dir, e.to_string()))?;
    write_sealed(dir, "meta.json", &meta_json, &mut seals).map_err(checked)?;
    seals.write(dir).map_err(checked)?;
    progress.advance(1, 0);
    Ok(meta)
}

/// Per trigram: [list length, encoded bytes, last file id + 1 (0: none)], together for one cache miss.
type TrigramCounts = Vec<[u32; 3]>;

/// Pass 1: each file's distinct trigrams, in parallel; in file order, count list lengths and encoded
/// sizes, and keep each file's trigrams delta-encoded (the "forward" lists) for pass 2. The ordered
/// fold of one batch runs while the next batch is read, so neither waits for the other. A file that
/// cannot be read, or no longer hashes to the manifest, fails the build: the index is kept under the
/// snapshot's content key, so it must be made of exactly the bytes that were hashed.
fn gather(
    snap: &Snapshot,
    indexable: &[u32],
    status: &mut [FileStatus],
    progress: &Progress,
) -> Result<(Fold, TrigramCounts), SearchError> {
    let entries = snap.files();
    let mut acc: TrigramCounts = vec![[0; 3]; 1 << 24];
    let mut fold = Fold { forward: Vec::new(), files: Vec::new(), bytes: 0, filters: Vec::new() };
    let seen_sets = SeenSets::default();
    let failed: std::sync::Mutex<Option<vitrine_snapshot::SnapshotError>> = std::sync::Mutex::new(None);
    let compute = |batch: &[u32]| -> Vec<(u32, Option<FileTrigrams>)> {
        // Each worker takes the next file when it is free (a file far larger than the rest, such
        // as a generated header, holds back no run of files behind it).
        vitrine_snapshot::work::map_next(
            batch,
            || (),
            |_, _, &id| {
                let out = entries.get(id as usize).and_then(|entry| {
                    let raw = match snap.read(entry) {
                        Ok(raw) => raw,
                        Err(e) => {
                            if let Ok(mut first) = failed.lock() {
                                first.get_or_insert(e);
                            }
                            return None;
                        }
                    };
                    let text = search_text(&raw);
                    let filter = (text.len() as u64 >= crate::words::MIN_FILE_BYTES)
                        .then(|| crate::words::build(&text));
                    let tris = seen_sets.with(|seen| {
                        let mut out = Vec::new();
                        trigram::distinct_trigrams(&text, seen, &mut out);
                        out
                    });
                    progress.advance(1, raw.len() as u64);
                    Some((tris, raw.len() as u64, filter))
                });
                (id, out)
            },
        )
    };
    let mut pending: Option<Vec<(u32, Option<FileTrigrams>)>> = None;
    for batch in indexable.chunks(BATCH) {
        if progress.is_cancelled() {
            return Err(SearchError::Cancelled);
        }
        if let Some(e) = failed.lock().ok().and_then(|mut f| f.take()) {
            return Err(e.into());
        }
        let previous = pending.take();
        let ((), results) = rayon::join(
            || {
                if let Some(p) = previous {
                    fold.add(p, &mut acc, status);
                }
            },
            || compute(batch),
        );
        pending = Some(results);
    }
    if let Some(e) = failed.lock().ok().and_then(|mut f| f.take()) {
        return Err(e.into());
    }
    if let Some(p) = pending.take() {
        fold.add(p, &mut acc, status);
    }
    Ok((fold, acc))
}

/// Pass 2: places every list at its offset in one buffer of all posting lists. `acc[t][1]` becomes
/// the list's end and `acc[t][2]` its last file id + 1 again.
///
/// The trigrams are cut into ranges of about equal encoded bytes, one per worker; each worker reads
/// all the forward lists and places only its own range's entries (its own slices of `acc` and of
/// the buffer), so the random writes, which are the cost, are shared and the bytes are those of a
/// single pass.
fn place_postings(acc: &mut TrigramCounts, forward: &[u8], files: &[u32]) -> Result<Vec<u8>, SearchError> {
    let mut total: u64 = 0;
    for a in acc.iter_mut() {
        let len = a[1];
        a[1] = u32::try_from(total).map_err(|_| SearchError::TooLarge("posting lists exceed 4 GB".into()))?;
        a[2] = 0;
        total += u64::from(len);
    }
    let total_len = usize::try_from(total).map_err(|_| SearchError::TooLarge("posting lists".into()))?;
    let mut postings = vec![0u8; total_len];
    let parts = rayon::current_num_threads().clamp(1, 16) as u64;
    // Trigram bounds of each range, and where its lists start in the buffer (starts only grow).
    let mut bounds: Vec<(usize, usize)> = Vec::with_capacity(parts as usize + 1);
    for i in 0..parts {
        let target = total * i / parts;
        let t = acc.partition_point(|a| u64::from(a[1]) < target);
        let t = bounds.last().map_or(t, |&(prev, _)| t.max(prev));
        let at = acc.get(t).map_or(total_len, |a| a[1] as usize);
        bounds.push((t, at));
    }
    bounds.push((acc.len(), total_len));
    let mut ranges = Vec::with_capacity(parts as usize);
    let (mut acc_rest, mut post_rest) = (acc.as_mut_slice(), postings.as_mut_slice());
    for w in bounds.windows(2) {
        let &[(t0, at0), (t1, at1)] = w else { continue };
        let (a, rest) = std::mem::take(&mut acc_rest).split_at_mut(t1 - t0);
        acc_rest = rest;
        let (p, rest) = std::mem::take(&mut post_rest).split_at_mut(at1 - at0);
        post_rest = rest;
        ranges.push((t0 as u32, at0, a, p));
    }
    ranges.into_par_iter().for_each(|(first, base, acc, postings)| {
        place_range(first, base, acc, postings, forward, files);
    });
    Ok(postings)
}

/// [`place_postings`] for the trigrams from `first` on that `acc` covers, whose lists start at `base`
/// in the whole buffer and are placed into `postings`, this range's slice of it.
///
/// Invariant (local): `forward` is exactly what `Fold::add` wrote for `files`, in the same order
/// (per file a count, then that many trigram gaps, each a varint `put_u32` wrote), and pass 1 sized
/// each list from the same ids with the same gaps, so every read succeeds and every posting lands
/// inside its list, which lies inside this range's slice. A failure is a bug in this file, never data
/// read from disk.
#[expect(clippy::expect_used, reason = "forward lists and list sizes are written just above, in this build")]
fn place_range(
    first: u32,
    base: usize,
    acc: &mut [[u32; 3]],
    postings: &mut [u8],
    forward: &[u8],
    files: &[u32],
) {
    let end = first as usize + acc.len();
    let mut rest = forward;
    let mut next = || {
        let (v, used) = varint::read_u32(rest).expect("BUG: the forward lists end early");
        rest = &rest[used..];
        v
    };
    for &id in files {
        let k = next();
        let mut t = 0u32;
        for _ in 0..k {
            t += next();
            if (t as usize) < first as usize || t as usize >= end {
                continue;
            }
            // `Fold::add` counted no trigram outside the table either.
            let Some(a) = acc.get_mut((t - first) as usize) else { continue };
            let gap = if a[2] == 0 { id } else { id - (a[2] - 1) };
            a[2] = id + 1;
            let at = (a[1] as usize).wrapping_sub(base);
            // In place: a copy from a scratch buffer was a `memmove` call per posting.
            let written = postings
                .get_mut(at..)
                .and_then(|place| varint::write_u32(place, gap))
                .expect("BUG: a posting past the list pass 1 sized");
            a[1] += written as u32;
        }
    }
}

/// The table of `trigrams.bin`: one entry per present trigram, and where each two-byte prefix starts.
struct PostingTable {
    entries: Vec<u8>,
    prefix_start: Vec<u32>,
    n_entries: u32,
}

impl PostingTable {
    /// From the placed lists (a list's start is its end minus its length).
    fn of(acc: &TrigramCounts) -> PostingTable {
        let mut entries: Vec<u8> = Vec::new();
        let mut prefix_start = vec![0u32; PREFIXES + 1];
        let mut n_entries = 0u32;
        let mut running: u64 = 0;
        for (t, &[c, end, _]) in acc.iter().enumerate() {
            let prefix = t >> 8;
            if t & 0xff == 0
                && let Some(slot) = prefix_start.get_mut(prefix)
            {
                *slot = n_entries;
            }
            if c == 0 {
                continue;
            }
            entries.extend_from_slice(&(t as u32).to_le_bytes());
            entries.extend_from_slice(&c.to_le_bytes());
            entries.extend_from_slice(&running.to_le_bytes());
            running = u64::from(end);
            n_entries += 1;
        }
        if let Some(slot) = prefix_start.get_mut(PREFIXES) {
            *slot = n_entries;
        }
        PostingTable { entries, prefix_start, n_entries }
    }
}

/// Writes `trigrams.bin`: magic, entry count, postings length, prefix table, entries, postings.
/// Returns its length.
fn write_trigrams(
    dir: &Path,
    table: &PostingTable,
    postings: &[u8],
    seals: &mut Seals,
) -> Result<u64, SearchError> {
    let path = dir.join("trigrams.bin");
    let file = File::create(&path).map_err(|e| SearchError::io("create", &path, e))?;
    let mut w = SealingWriter::new(BufWriter::new(file));
    let io = |e| SearchError::io("write", &path, e);
    w.write_all(TRI_MAGIC).map_err(io)?;
    w.write_all(&u64::from(table.n_entries).to_le_bytes()).map_err(io)?;
    w.write_all(&(postings.len() as u64).to_le_bytes()).map_err(io)?;
    for p in &table.prefix_start {
        w.write_all(&p.to_le_bytes()).map_err(io)?;
    }
    w.write_all(&table.entries).map_err(io)?;
    w.write_all(postings).map_err(io)?;
    let (w, seal) = w.finish();
    let f = w.into_inner().map_err(|e| SearchError::io("write", &path, e.into_error()))?;
    f.sync_all().map_err(io)?;
    let len = seal.len();
    seals.insert("trigrams.bin", seal);
    Ok(len)
}

/// Writes `words.bin`: magic, count, (id, 0, offset, length) entries sorted by id, then the filters.
fn write_word_filters(dir: &Path, filters: &[(u32, Vec<u8>)], seals: &mut Seals) -> Result<u64, SearchError> {
    let mut out = Vec::new();
    out.extend_from_slice(WORDS_MAGIC);
    out.extend_from_slice(&(filters.len() as u64).to_le_bytes());
    let mut off = (16 + filters.len() * WORDS_ENTRY_BYTES) as u64;
    for (id, f) in filters {
        let len = u32::try_from(f.len()).map_err(|_| SearchError::TooLarge("word filter".into()))?;
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&off.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        off += u64::from(len);
    }
    for (_, f) in filters {
        out.extend_from_slice(f);
    }
    write_sealed(dir, "words.bin", &out, seals).map_err(checked)?;
    Ok(out.len() as u64)
}

/// The bit sets `distinct_trigrams` marks trigrams in (2 MB and a 32 KB summary each), one per file
/// being read at a time, owned by one build: a thread-local set would stay behind on every worker of
/// the pool, which lives as long as the process. A set is handed back cleared (`distinct_trigrams`
/// unmarks what it marked).
#[derive(Default)]
struct SeenSets(std::sync::Mutex<Vec<Vec<u64>>>);

impl SeenSets {
    fn with<R>(&self, f: impl FnOnce(&mut [u64]) -> R) -> R {
        let free = || self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut seen = free().pop().unwrap_or_else(|| vec![0; trigram::SEEN_WORDS]);
        let out = f(&mut seen);
        free().push(seen);
        out
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use vitrine_snapshot::IngestConfig;

    use super::*;

    /// A tree of files with overlapping and distinct trigrams, and its snapshot.
    fn snapshot(dir: &Path) -> Arc<Snapshot> {
        let tree = dir.join("tree");
        std::fs::create_dir_all(tree.join("src")).unwrap();
        for i in 0..40 {
            let body: String =
                (0..i * 7).map(|j| format!("int f_{i}_{j}(void) {{ return g{j}(); }}\n")).collect();
            std::fs::write(tree.join("src").join(format!("f{i}.c")), body).unwrap();
        }
        std::fs::write(tree.join("one.h"), "x").unwrap();
        Arc::new(Snapshot::open(&tree, &IngestConfig::default(), &Progress::default()).unwrap())
    }

    /// The lists are placed by as many workers as the pool has, each its own range of trigrams: the
    /// files must be those of one worker, byte for byte, whatever the number of ranges (more ranges
    /// than workers would be idle, and several empty ones, included).
    #[test]
    fn posting_lists_are_the_same_whatever_the_number_of_workers() {
        let tmp = tempfile::tempdir().unwrap();
        let snap = snapshot(tmp.path());
        // Not `seals.bin`: it seals `meta.json`, which holds the build time.
        const FILES: [&str; 3] = ["trigrams.bin", "files.bin", "words.bin"];
        let built = |threads: usize| -> Vec<Vec<u8>> {
            let dir = tmp.path().join(format!("index-{threads}"));
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| build_into(&snap, &dir, &Progress::default())).unwrap();
            FILES.iter().map(|f| std::fs::read(dir.join(f)).unwrap()).collect()
        };
        let one = built(1);
        assert!(one[0].len() > 10_000, "enough lists to cut into ranges");
        for threads in [2, 3, 16] {
            for (name, (a, b)) in FILES.iter().zip(built(threads).iter().zip(&one)) {
                let first = a.iter().zip(b).position(|(x, y)| x != y);
                assert!(
                    a == b,
                    "{threads} workers: {name} differs ({} vs {} bytes, first at {first:?})",
                    a.len(),
                    b.len()
                );
            }
        }
    }

    /// `read_all` is called once when a build has placed its posting lists, and once when an index is
    /// reused.
    #[test]
    fn read_all_is_called_once_built_or_reused() {
        let tmp = tempfile::tempdir().unwrap();
        let snap = snapshot(tmp.path());
        let dir = tmp.path().join("index");
        let calls = AtomicUsize::new(0);
        let count = || {
            calls.fetch_add(1, Ordering::SeqCst);
        };
        let (_, opened) = crate::open_or_build_then(&snap, &dir, &Progress::default(), count).unwrap();
        assert_eq!((opened, calls.load(Ordering::SeqCst)), (crate::Opened::Built, 1));
        let (_, opened) = crate::open_or_build_then(&snap, &dir, &Progress::default(), count).unwrap();
        assert_eq!((opened, calls.load(Ordering::SeqCst)), (crate::Opened::Reused, 2));
        let cancelled = Progress::default();
        cancelled.cancel();
        let other = tmp.path().join("cancelled");
        assert!(crate::open_or_build_then(&snap, &other, &cancelled, count).is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 2, "a cancelled build never read every file");
    }
}
