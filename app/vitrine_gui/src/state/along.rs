//! The ranked index built along with the symbol index, from the same reads.
//!
//! On a snapshot opened for the first time the window builds three indexes, one after the other. The
//! ranked index (documents per function) needs each file's functions, which only the symbol build
//! finds: built after it, it read and hashed every file a second time and loaded the 700,000 function
//! spans of Linux back from the symbol index. Built along with it, each file the symbol build has read
//! (and checked against the manifest) and parsed goes to the ranked index's writer with its functions,
//! as the finished symbol index gives them back; the ranked index is committed once the symbol index is
//! written. A ranked index already there for the snapshot, per function, is kept.

use std::path::Path;
use std::sync::Arc;

use vitrine_rank::{RankBuilder, RankError, RankWorker};
use vitrine_snapshot::progress::Progress;
use vitrine_snapshot::{FileEntry, Snapshot};
use vitrine_syntax::index::{FunctionSpan, SnapshotVisitor};

/// The ranked index's share of a symbol build: where it goes and the progress the ranked panel shows.
#[derive(Debug, Clone)]
pub struct RankedAlong {
    /// The ranked index's directory (`<data>/snapshots/<key>/ranked`).
    pub dir: std::path::PathBuf,
    /// The ranked index's progress (cancelled when the ranked build is).
    pub progress: Arc<Progress>,
}

impl RankedAlong {
    /// A builder for the ranked index when the snapshot needs one: `None` when a ranked index per
    /// function is already there for it (it is kept), or when the build cannot start (the ranked
    /// index is then built after the symbol index, alone, as before; its error is reported there).
    pub(crate) fn start(&self, snap: &Arc<Snapshot>) -> Option<RankBuilder> {
        if per_function_index_exists(&self.dir, snap) {
            return None;
        }
        let builder = RankBuilder::start(snap, &self.dir, true).ok()?;
        let wanted = snap.files().iter().filter(|e| RankBuilder::wants(e)).count();
        self.progress.set_phase("ranked index (read with the symbols)", wanted as u64);
        Some(builder)
    }

    /// Commits `builder` once the symbol build that fed it succeeded; else drops it (nothing is left
    /// behind: the ranked index is then built alone).
    pub(crate) fn finish(&self, builder: RankBuilder, symbols_built: bool) {
        if !symbols_built {
            return;
        }
        self.progress.set_phase("ranked index: writing", 0);
        // A failure leaves no index: the ranked thread builds it alone and reports its own error.
        let _ = builder.finish(&self.progress);
    }
}

/// Whether `dir` holds a usable ranked index of `snap` made per function.
fn per_function_index_exists(dir: &Path, snap: &Arc<Snapshot>) -> bool {
    dir.join("ranked.json").exists()
        && vitrine_rank::RankIndex::open(dir, snap.clone()).is_ok_and(|i| i.meta().per_function)
}

/// The symbol build's visitor that feeds the ranked index.
pub(crate) struct Feed<'a> {
    pub(crate) builder: &'a RankBuilder,
    pub(crate) progress: &'a Progress,
    pub(crate) snap: &'a Snapshot,
}

impl SnapshotVisitor for Feed<'_> {
    type Worker = RankWorker;

    fn worker(&self) -> RankWorker {
        self.builder.worker()
    }

    fn visit(
        &self,
        worker: &mut RankWorker,
        manifest_index: usize,
        entry: &FileEntry,
        bytes: &[u8],
        functions: Vec<FunctionSpan>,
    ) {
        if !RankBuilder::wants(entry) || self.builder.failed() {
            return;
        }
        if self.progress.is_cancelled() {
            self.builder.fail(RankError::Cancelled);
            return;
        }
        // The symbol build reads a file stored in another encoding decoded to UTF-8; the ranked index
        // holds it as stored, as its snippets read it back.
        let stored;
        let bytes = match entry.encoding {
            Some(enc) if !enc.is_utf8() => match self.snap.read(entry) {
                Ok(b) => {
                    stored = b;
                    stored.as_slice()
                }
                Err(e) => {
                    self.builder.fail(RankError::from(e));
                    return;
                }
            },
            _ => bytes,
        };
        self.progress.advance(1, bytes.len() as u64);
        self.builder.add(worker, manifest_index, entry, bytes, &functions);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use vitrine_rank::{RankBuilder, RankIndex};
    use vitrine_snapshot::progress::Progress;
    use vitrine_snapshot::store::DataDir;
    use vitrine_snapshot::{IngestConfig, Snapshot};

    use super::RankedAlong;
    use crate::state::ranked::RankedState;
    use crate::state::symbols::SymbolState;

    fn snapshot(dir: &std::path::Path) -> Arc<Snapshot> {
        let snap = dir.join("snap");
        std::fs::create_dir_all(snap.join("net")).unwrap();
        std::fs::write(
            snap.join("net/upload.c"),
            "/* Sends the collected telemetry to the vendor's server. */\nint upload_telemetry(void) {\n  \
             return post(\"https://collector.example\");\n}\n\n/* Retries a failed upload later. */\n\
             static int retry_upload(int n) { return n > 0 ? upload_telemetry() : -1; }\nint x;\n",
        )
        .unwrap();
        std::fs::write(
            snap.join("math.cpp"),
            "namespace m {\n// adds two numbers\nint add(int a, int b) { return a + b; }\nstruct Acc {\n  \
             // accumulates a running total\n  void push(int v) { total += v; }\n  int total;\n};\n}\n",
        )
        .unwrap();
        std::fs::write(
            snap.join("tool.py"),
            "def telemetry_window():\n    \"\"\"upload window\"\"\"\n    return 3\n",
        )
        .unwrap();
        // Stored as Latin-1: the symbol build reads it decoded, the ranked index as stored.
        std::fs::write(
            snap.join("legacy.c"),
            b"/* caf\xe9 upload */\nint legacy_upload(void) { return 0; }\n",
        )
        .unwrap();
        std::fs::write(snap.join("NOTES"), "upload schedule: nightly\n").unwrap();
        Arc::new(Snapshot::open(&snap, &IngestConfig::default(), &Progress::default()).unwrap())
    }

    /// Builds the symbol index of `snapshot` in `data`, the ranked index along with it when `along`.
    fn build_symbols(snapshot: &Arc<Snapshot>, data: &DataDir, along: Option<RankedAlong>) {
        let mut symbols = SymbolState::default();
        let ended = symbols.start_index_with(snapshot.clone(), data, None, along);
        symbols.wait_index();
        assert!(symbols.ready().is_some(), "{:?}", symbols.index);
        // Disconnected once the thread, ranked commit included, is done.
        assert!(ended.recv().is_err());
    }

    /// The names in `dir`, sorted.
    fn names_in(dir: &std::path::Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn along(data: &DataDir, snapshot: &Snapshot) -> RankedAlong {
        RankedAlong {
            dir: data.snapshot_dir(snapshot.content_key()).join("ranked"),
            progress: Arc::new(Progress::default()),
        }
    }

    /// The ranked index the symbol build feeds holds what the ranked build made after the symbol
    /// index holds: the same files, documents, terms and postings per field, and the same hits.
    #[test]
    fn the_ranked_index_built_along_the_symbols_is_the_one_built_after_them() {
        let dir = tempfile::tempdir().unwrap();
        let snapshot = snapshot(dir.path());
        let (fed, after) = (DataDir::at(dir.path().join("fed")), DataDir::at(dir.path().join("after")));
        let fed_along = along(&fed, &snapshot);
        build_symbols(&snapshot, &fed, Some(fed_along.clone()));
        let fed_index = RankIndex::open(&fed_along.dir, snapshot.clone()).unwrap();

        build_symbols(&snapshot, &after, None);
        let after_dir = after.snapshot_dir(snapshot.content_key());
        let functions = crate::state::ranked::functions(&snapshot, &after_dir).expect("functions");
        let ranked_dir = after_dir.join("ranked");
        vitrine_rank::build(&snapshot, &ranked_dir, Some(&functions), &Progress::default()).unwrap();
        let after_index = RankIndex::open(&ranked_dir, snapshot.clone()).unwrap();

        let (a, b) = (fed_index.meta(), after_index.meta());
        assert!(a.per_function && b.per_function);
        assert_eq!((a.files, a.documents), (b.files, b.documents));
        let wanted = snapshot.files().iter().filter(|e| RankBuilder::wants(e)).count() as u64;
        assert_eq!(a.files, wanted);
        // Per field: tokens, postings and the most frequent terms (the distinct terms are counted per
        // segment, and which writer thread takes a file is not fixed).
        let stats = |i: &RankIndex| -> Vec<_> {
            i.field_stats()
                .unwrap()
                .into_iter()
                .map(|f| (f.name, f.tokens, f.postings, f.most_frequent))
                .collect()
        };
        assert_eq!(stats(&fed_index), stats(&after_index));
        for query in ["upload telemetry", "running total", "cafe", "nightly schedule", "retries"] {
            // Scores to four decimals: which segment holds a document changes the last bit of a sum.
            let key = |h: &vitrine_rank::RankedHit| {
                (h.path.clone(), h.function.clone(), h.start_line, h.end_line, (h.score * 1e4).round() as i64)
            };
            let mut x: Vec<_> = fed_index.search(query, 50).unwrap().iter().map(key).collect();
            let mut y: Vec<_> = after_index.search(query, 50).unwrap().iter().map(key).collect();
            x.sort();
            y.sort();
            assert_eq!(x, y, "{query}");
        }
        let hits = fed_index.search("retries", 5).unwrap();
        assert_eq!(hits.first().and_then(|h| h.function.as_deref()), Some("retry_upload"), "{hits:?}");
        // Nothing is left beside the indexes.
        assert_eq!(names_in(&fed.snapshot_dir(snapshot.content_key())), ["ranked", "symbols"]);
    }

    /// The window's ranked state opens the index the symbol build left, without building it again;
    /// a ranked index already there is kept when the symbols are built again.
    #[test]
    fn the_ranked_state_opens_what_the_symbol_build_left_and_a_kept_index_is_not_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let snapshot = snapshot(dir.path());
        let data = DataDir::at(dir.path().join("data"));
        let fed = along(&data, &snapshot);
        let mut ranked = RankedState::default();
        let mut symbols = SymbolState::default();
        let ended = symbols.start_index_with(snapshot.clone(), &data, None, Some(fed.clone()));
        ranked.start_index_with(snapshot.clone(), &data, Some(ended), fed.progress.clone());
        ranked.wait_index();
        let built = ranked.ready().expect("ranked index").meta().clone();
        assert!(built.per_function);
        symbols.wait_index();

        // The symbol index removed: rebuilt, with the ranked index kept as it was.
        std::fs::remove_dir_all(data.snapshot_dir(snapshot.content_key()).join("symbols")).unwrap();
        build_symbols(&snapshot, &data, Some(along(&data, &snapshot)));
        let kept = RankIndex::open(&fed.dir, snapshot.clone()).unwrap();
        assert_eq!(kept.meta(), &built, "the ranked index was rebuilt");
    }

    /// A ranked build cancelled while the symbols are built leaves no index and nothing half made; the
    /// symbol index is built all the same.
    #[test]
    fn a_cancelled_ranked_build_leaves_nothing_and_the_symbols_are_built() {
        let dir = tempfile::tempdir().unwrap();
        let snapshot = snapshot(dir.path());
        let data = DataDir::at(dir.path().join("data"));
        let fed = along(&data, &snapshot);
        fed.progress.cancel();
        build_symbols(&snapshot, &data, Some(fed.clone()));
        assert!(!fed.dir.exists());
        assert_eq!(names_in(&data.snapshot_dir(snapshot.content_key())), ["symbols"]);
    }
}
