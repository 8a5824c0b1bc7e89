//! Building a ranked index: documents extracted on the build's workers and handed to tantivy's writer
//! threads, then committed, merged down to [`MAX_SEGMENTS`] when needed, and moved into place.
//!
//! [`build`] reads the snapshot and feeds each file, with its functions, to a `RankBuilder`.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use tantivy::indexer::UserOperation;
use tantivy::{Index, IndexWriter};
use vitrine_snapshot::progress::Progress;
use vitrine_snapshot::{FileEntry, Sha256Id, Snapshot};

use crate::doc::{FileDocs, RankDoc};
use crate::extract::{self, FunctionSpan};
use crate::terms::{self, Normalizer};
use crate::{ANALYZER, FORMAT, Fields, Functions, MAX_FILE_BYTES, MAX_SEGMENTS, RankError, RankMeta};

/// The tantivy writer's memory budget, shared by its threads (Linux's per-function documents fit
/// in it without a flush: each thread writes one segment, peak RSS of the build 480 MB).
const WRITER_BYTES: usize = 256 << 20;

/// Builds the ranked index of `snap` into `dir` (replacing whatever is there) and returns its meta.
pub fn build(
    snap: &Arc<Snapshot>,
    dir: &Path,
    functions: Option<&Functions>,
    progress: &Progress,
) -> Result<RankMeta, RankError> {
    build_with(snap, dir, functions, progress, writer_threads())
}

/// The tantivy writer's threads: one per core, at most [`MAX_SEGMENTS`]. Each writes its own segment
/// while the build's pool extracts the documents (Linux per function: about 57% of the CPU in the
/// extraction, 43% in the writer). One writer thread on two cores was the build's last step: it shares
/// the cores with the extraction, falls behind, and drains its queue alone once the extraction ends
/// (per-thread samples: 2.5 s of one core busy and one idle at the end of a 12.5 s build). Two drain it
/// together, and the build ended 1-2 s sooner in alternating runs, with the same CPU and peak memory.
fn writer_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, MAX_SEGMENTS)
}

/// [`build`] with `threads` writer threads.
pub(crate) fn build_with(
    snap: &Arc<Snapshot>,
    dir: &Path,
    functions: Option<&Functions>,
    progress: &Progress,
    threads: usize,
) -> Result<RankMeta, RankError> {
    let builder = RankBuilder::start_with(snap, dir, functions.is_some(), threads)?;
    let files: Vec<(usize, &FileEntry)> =
        snap.files().iter().enumerate().filter(|(_, e)| RankBuilder::wants(e)).collect();
    progress.set_phase("ranked index", files.len() as u64);
    // Each worker takes the next file when it is free (a run of large files is never left to one).
    vitrine_snapshot::work::for_each_next(
        &files,
        || builder.worker(),
        |worker, &(id, entry)| {
            if builder.failed() {
                return;
            }
            if progress.is_cancelled() {
                builder.fail(RankError::Cancelled);
                return;
            }
            // A file that cannot be read, or no longer hashes to the manifest, fails the build, as it
            // fails the trigram and symbol builds: the index is kept for the snapshot's content.
            let bytes = match snap.read(entry) {
                Ok(bytes) => bytes,
                Err(e) => {
                    builder.fail(RankError::from(e));
                    return;
                }
            };
            progress.advance(1, bytes.len() as u64);
            let path = entry.path.as_bytes();
            let spans = functions
                .and_then(|f| std::str::from_utf8(path).ok().and_then(|p| f.get(p)))
                .map(Vec::as_slice)
                .unwrap_or_default();
            builder.add(worker, id, entry, &bytes, spans);
        },
    );
    builder.finish(progress)
}

/// A ranked index being built into a sibling directory of its place: files are added from any number
/// of threads (each with its own [`RankWorker`]); [`RankBuilder::finish`] commits it and moves it into
/// place. Dropped unfinished (an error, a cancelled build), it leaves nothing behind.
pub(crate) struct RankBuilder {
    dir: PathBuf,
    tmp: PathBuf,
    index: Index,
    /// `None` once committed (or dropped).
    writer: Option<IndexWriter<RankDoc>>,
    fields: Fields,
    per_function: bool,
    content_key: Sha256Id,
    started: Instant,
    files: AtomicU64,
    documents: AtomicU64,
    failed: AtomicBool,
    first_error: Mutex<Option<RankError>>,
    /// Moved into place: nothing to clean up.
    placed: bool,
}

impl std::fmt::Debug for RankBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RankBuilder").field("dir", &self.dir).field("tmp", &self.tmp).finish_non_exhaustive()
    }
}

/// A build thread's own state: its word cache and document buffers.
#[derive(Default)]
pub(crate) struct RankWorker {
    norm: Normalizer,
    buffers: extract::Buffers,
}

impl RankBuilder {
    /// Starts building the ranked index of `snap` for `dir` (what is there is replaced when the build
    /// finishes) with `threads` writer threads; `per_function` says whether the files come with their
    /// functions.
    fn start_with(
        snap: &Snapshot,
        dir: &Path,
        per_function: bool,
        threads: usize,
    ) -> Result<RankBuilder, RankError> {
        if !snap.has_content() {
            return Err(RankError::NoContent);
        }
        let started = Instant::now();
        let parent = dir.parent().unwrap_or_else(|| Path::new("."));
        fs::create_dir_all(parent).map_err(RankError::io("create directory", parent))?;
        let name =
            dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "ranked".into());
        let tmp = parent.join(format!(".{name}.building-{}", std::process::id()));
        if tmp.exists() {
            fs::remove_dir_all(&tmp).map_err(RankError::io("remove", &tmp))?;
        }
        fs::create_dir_all(&tmp).map_err(RankError::io("create directory", &tmp))?;
        let made = (|| {
            let (schema, fields) = Fields::schema();
            let index = Index::create_in_dir(&tmp, schema).map_err(RankError::index(&tmp))?;
            index.tokenizers().register(ANALYZER, terms::index_tokenizer());
            let writer: IndexWriter<RankDoc> =
                index.writer_with_num_threads(threads, WRITER_BYTES).map_err(RankError::index(&tmp))?;
            writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
            Ok((index, writer, fields))
        })();
        let (index, writer, fields) = match made {
            Ok(made) => made,
            Err(e) => {
                let _ = fs::remove_dir_all(&tmp);
                return Err(e);
            }
        };
        Ok(RankBuilder {
            dir: dir.to_path_buf(),
            tmp,
            index,
            writer: Some(writer),
            fields,
            per_function,
            content_key: *snap.content_key(),
            started,
            files: AtomicU64::new(0),
            documents: AtomicU64::new(0),
            failed: AtomicBool::new(false),
            first_error: Mutex::new(None),
            placed: false,
        })
    }

    /// Whether the ranked index holds a file: text files of at most [`MAX_FILE_BYTES`].
    pub(crate) fn wants(entry: &FileEntry) -> bool {
        entry.is_indexable() && entry.size_bytes <= MAX_FILE_BYTES
    }

    /// A new build thread's state.
    pub(crate) fn worker(&self) -> RankWorker {
        RankWorker::default()
    }

    /// Adds the documents of one file: `manifest_index` is its position in `Snapshot::files`, `bytes`
    /// its content as checked against the manifest, `functions` its functions (name, first and last
    /// line, 0-based, sorted by first line; empty when not known). Does nothing once the build failed.
    pub(crate) fn add(
        &self,
        worker: &mut RankWorker,
        manifest_index: usize,
        entry: &FileEntry,
        bytes: &[u8],
        functions: &[FunctionSpan],
    ) {
        let Some(writer) = self.writer.as_ref().filter(|_| !self.failed()) else { return };
        self.files.fetch_add(1, Ordering::Relaxed);
        let path = entry.path.as_bytes();
        let mut path_words = Vec::new();
        worker.norm.push_terms(&mut path_words, without_extension(path));
        let docs = worker.buffers.extract(path, bytes, functions, &mut worker.norm);
        let packed = FileDocs::pack(self.fields, manifest_index as u64, &path_words, docs.iter());
        worker.buffers.trim();
        let count = packed.len() as u64;
        if count == 0 {
            return;
        }
        // The file's documents go to the writer as one batch (one message, one wake-up of a writer
        // thread per file rather than per function).
        if let Err(e) = writer.run(packed.into_docs().map(UserOperation::Add)) {
            self.fail(RankError::Index { path: self.tmp.clone(), source: e });
            return;
        }
        self.documents.fetch_add(count, Ordering::Relaxed);
    }

    /// Fails the build with `e` (the first error is the one [`RankBuilder::finish`] returns).
    pub(crate) fn fail(&self, e: RankError) {
        self.failed.store(true, Ordering::Relaxed);
        if let Ok(mut slot) = self.first_error.lock() {
            slot.get_or_insert(e);
        }
    }

    /// Whether the build has failed (further files are not added).
    pub(crate) fn failed(&self) -> bool {
        self.failed.load(Ordering::Relaxed)
    }

    /// Commits the index, merges its segments down to [`MAX_SEGMENTS`] if the writer flushed more,
    /// writes `ranked.json` and moves the whole into place; or returns the build's first error (and
    /// leaves nothing behind).
    pub(crate) fn finish(mut self, progress: &Progress) -> Result<RankMeta, RankError> {
        if let Some(e) = self.first_error.lock().ok().and_then(|mut slot| slot.take()) {
            return Err(e);
        }
        if self.failed() {
            return Err(RankError::Cancelled);
        }
        self.commit(progress)?;
        let meta = RankMeta {
            format: FORMAT,
            content_key: self.content_key,
            per_function: self.per_function,
            files: self.files.load(Ordering::Relaxed),
            documents: self.documents.load(Ordering::Relaxed),
            build_ms: self.started.elapsed().as_millis() as u64,
        };
        let meta_path = self.tmp.join("ranked.json");
        let text =
            serde_json::to_vec_pretty(&meta).map_err(|e| RankError::damaged(&meta_path, e.to_string()))?;
        fs::write(&meta_path, text).map_err(RankError::io("write", &meta_path))?;
        if self.dir.exists() {
            fs::remove_dir_all(&self.dir).map_err(RankError::io("remove", &self.dir))?;
        }
        fs::rename(&self.tmp, &self.dir).map_err(RankError::io("move into place", &self.dir))?;
        self.placed = true;
        Ok(meta)
    }

    fn commit(&mut self, progress: &Progress) -> Result<(), RankError> {
        let dir = self.tmp.clone();
        let Some(mut writer) = self.writer.take() else {
            return Err(RankError::damaged(&dir, "the build was already committed"));
        };
        writer.commit().map_err(RankError::index(&dir))?;
        // No merge when each writer thread wrote one segment (Linux per function: a final merge into
        // one segment took 7% of the build's CPU on one core while the other sat idle). When the
        // threads flushed more (a tree larger than the memory budget), merges bring them back to
        // MAX_SEGMENTS, run at once: a query then still looks each term up in at most MAX_SEGMENTS
        // dictionaries.
        let metas = self.index.searchable_segment_metas().map_err(RankError::index(&dir))?;
        let sizes: Vec<_> = metas.iter().map(|m| (m.id(), m.num_docs())).collect();
        let groups = merge_groups(&sizes, MAX_SEGMENTS);
        if !groups.is_empty() {
            progress.set_phase("ranked index: merging", 0);
            let merges: Vec<_> = groups.iter().filter(|g| g.len() > 1).map(|g| writer.merge(g)).collect();
            for merge in merges {
                merge.wait().map_err(RankError::index(&dir))?;
            }
            writer.garbage_collect_files().wait().map_err(RankError::index(&dir))?;
        }
        writer.wait_merging_threads().map_err(RankError::index(&dir))?;
        Ok(())
    }
}

impl Drop for RankBuilder {
    fn drop(&mut self) {
        if !self.placed {
            // The writer's threads and lock go first, then its directory.
            drop(self.writer.take());
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}

/// `path` without its file name's extension (`net/ipv4/tcp_cong.c` → `net/ipv4/tcp_cong`): it says
/// which language a file is in, not what it is about, and as a path word it was in nearly every
/// document (`c` in 627,000 of Linux's 736,000). A name that starts with its only dot (`.gitignore`)
/// keeps it.
pub(crate) fn without_extension(path: &[u8]) -> &[u8] {
    let name_start = memchr::memrchr(b'/', path).map_or(0, |i| i + 1);
    match memchr::memrchr(b'.', path) {
        Some(dot) if dot > name_start => path.get(..dot).unwrap_or(path),
        _ => path,
    }
}

/// The segments to merge so that at most `most` are left: nothing when there are no more than
/// `most`, else `most` groups of about as many documents each (largest segment first, each to the
/// group with the fewest documents so far), so that the merges share the work.
pub(crate) fn merge_groups<Id: Copy>(segments: &[(Id, u32)], most: usize) -> Vec<Vec<Id>> {
    if segments.len() <= most.max(1) {
        return Vec::new();
    }
    let mut groups: Vec<(u64, Vec<Id>)> = vec![(0, Vec::new()); most.max(1)];
    let mut by_size: Vec<&(Id, u32)> = segments.iter().collect();
    by_size.sort_by_key(|&&(_, docs)| std::cmp::Reverse(docs));
    for &(id, docs) in by_size {
        if let Some(lightest) = groups.iter_mut().min_by_key(|g| g.0) {
            lightest.0 += u64::from(docs);
            lightest.1.push(id);
        }
    }
    groups.into_iter().map(|(_, ids)| ids).collect()
}
