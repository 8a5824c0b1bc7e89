//! The search panel's ranked mode (a query starting with `~`, or the Ranked toggle): the snapshot's
//! ranked index (`vitrine_rank`, BM25 over comments, strings and identifier parts), opened or built on
//! the background pool once the search and symbol indexes are done, so it never delays exact search,
//! and the hits of the last ranked query, computed on a thread of their own (each hit's snippet re-reads
//! its file).

use std::sync::Arc;

use crossbeam_channel::{Receiver, TryRecvError};
use vitrine_rank::{Functions, RankIndex, RankedHit};
use vitrine_snapshot::Snapshot;
use vitrine_snapshot::progress::Progress;
use vitrine_snapshot::store::DataDir;

/// Hits shown for one ranked query.
pub const RANKED_LIMIT: usize = 50;

/// The ranked index of the open snapshot.
#[derive(Debug, Default)]
pub enum RankIndexState {
    /// No snapshot open yet.
    #[default]
    None,
    /// Waiting for the other indexes, then opening or building (the progress names which).
    Building {
        /// The build's progress, shown in the panel.
        progress: Arc<Progress>,
        /// The index once opened or built, or why it failed.
        result: Receiver<Result<RankIndex, String>>,
    },
    /// Ready to answer.
    Ready(Arc<RankIndex>),
    /// Opening or building failed, with the reason.
    Failed(String),
}

/// What a finished ranked query sends back.
type Answer = Result<(Vec<RankedHit>, f64), String>;

/// The search panel's ranked mode: the index, the query and its hits.
#[derive(Debug, Default)]
pub struct RankedState {
    /// The ranked index of the open snapshot.
    pub index: RankIndexState,
    /// The words of the query answered (or to answer once the index is ready), without the `~`.
    pub words: String,
    /// The hits, best first.
    pub hits: Vec<RankedHit>,
    /// Why the query could not run.
    pub error: Option<String>,
    /// How long the last query took (search and snippets), in milliseconds.
    pub elapsed_ms: Option<f64>,
    /// The snapshot the hits name files of (by manifest index).
    snapshot: Option<Arc<Snapshot>>,
    running: Option<Receiver<Answer>>,
}

impl RankedState {
    /// Opens or builds the snapshot's ranked index on a background thread, once `after` is
    /// disconnected (the symbol index is done: its functions make the documents per function, and
    /// the builds' peaks of memory do not add up). Its parallel work runs on the nice build pool.
    pub fn start_index(&mut self, snapshot: Arc<Snapshot>, data: &DataDir, after: Option<Receiver<()>>) {
        let progress = Arc::new(Progress::default());
        let (tx, rx) = crossbeam_channel::bounded(1);
        let snap_dir = data.snapshot_dir(snapshot.content_key());
        self.snapshot = Some(snapshot.clone());
        let p = progress.clone();
        let spawned = std::thread::Builder::new().name("ranked".into()).spawn(move || {
            if let Some(after) = after {
                p.set_phase("waiting for the search and symbol indexes", 0);
                let _ = after.recv();
            }
            if p.is_cancelled() {
                let _ = tx.send(Err("cancelled".to_owned()));
                return;
            }
            // The functions are loaded only when a build needs them (a reopened window reuses the
            // index without them).
            let r = crate::state::background::run(|| {
                vitrine_rank::open_or_build_lazy(
                    &snapshot,
                    &snap_dir.join("ranked"),
                    || functions(&snapshot, &snap_dir),
                    &p,
                )
            })
            .map(|(index, _)| index)
            .map_err(|e| e.to_string());
            let _ = tx.send(r);
        });
        self.index = match spawned {
            Ok(_) => RankIndexState::Building { progress, result: rx },
            Err(e) => RankIndexState::Failed(format!("cannot start the ranked index thread: {e}")),
        };
    }

    /// Cancels a build in progress and the running query.
    pub fn cancel(&mut self) {
        if let RankIndexState::Building { progress, .. } = &self.index {
            progress.cancel();
        }
        self.running = None;
    }

    /// The index, once ready.
    pub fn ready(&self) -> Option<&Arc<RankIndex>> {
        match &self.index {
            RankIndexState::Ready(i) => Some(i),
            _ => None,
        }
    }

    /// Whether a build or a query is in flight.
    pub fn is_running(&self) -> bool {
        self.running.is_some() || matches!(self.index, RankIndexState::Building { .. })
    }

    /// Whether a query is being answered now.
    pub fn is_searching(&self) -> bool {
        self.running.is_some()
    }

    /// Sets the query's words: runs them now when the index is ready, else once it is. The same words
    /// again keep their answer.
    pub fn set_query(&mut self, words: &str) {
        let words = words.trim();
        let answered = self.running.is_some() || self.elapsed_ms.is_some() || self.error.is_some();
        if words == self.words && answered {
            return;
        }
        self.words = words.to_owned();
        self.run();
    }

    /// Forgets the query and its answer (the panel went back to exact search).
    pub fn clear(&mut self) {
        self.words.clear();
        self.hits.clear();
        self.error = None;
        self.elapsed_ms = None;
        self.running = None;
    }

    fn run(&mut self) {
        self.running = None;
        self.hits.clear();
        self.error = None;
        self.elapsed_ms = None;
        if self.words.is_empty() {
            return;
        }
        if RankIndex::terms(&self.words).is_empty() {
            self.error = Some(format!("'~{}' has no word to look for (only stop words)", self.words));
            return;
        }
        let Some(index) = self.ready().cloned() else { return };
        let (tx, rx) = crossbeam_channel::bounded(1);
        let words = self.words.clone();
        let spawned = std::thread::Builder::new().name("ranked-query".into()).spawn(move || {
            let started = std::time::Instant::now();
            let r = index
                .search(&words, RANKED_LIMIT)
                .map(|hits| (hits, started.elapsed().as_secs_f64() * 1e3))
                .map_err(|e| e.to_string());
            let _ = tx.send(r);
        });
        match spawned {
            Ok(_) => self.running = Some(rx),
            Err(e) => self.error = Some(format!("cannot start the ranked query: {e}")),
        }
    }

    /// Takes what the background threads produced. Returns true if anything changed.
    pub fn poll(&mut self) -> bool {
        let mut changed = false;
        if let RankIndexState::Building { result, .. } = &self.index {
            match result.try_recv() {
                Ok(r) => {
                    self.finish_index(r);
                    changed = true;
                }
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => {
                    self.index = RankIndexState::Failed("the ranked index thread stopped".into());
                    changed = true;
                }
            }
        }
        if let Some(rx) = &self.running {
            match rx.try_recv() {
                Ok(answer) => {
                    self.take(answer);
                    changed = true;
                }
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => {
                    self.running = None;
                    self.error = Some("the ranked query stopped".into());
                    changed = true;
                }
            }
        }
        changed
    }

    fn finish_index(&mut self, r: Result<RankIndex, String>) {
        self.index = match r {
            Ok(i) => RankIndexState::Ready(Arc::new(i)),
            Err(e) => RankIndexState::Failed(e),
        };
        // A query typed while the index was built runs now.
        if self.running.is_none() && self.elapsed_ms.is_none() && self.error.is_none() {
            self.run();
        }
    }

    fn take(&mut self, answer: Answer) {
        self.running = None;
        match answer {
            Ok((hits, ms)) => {
                self.hits = hits;
                self.elapsed_ms = Some(ms);
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// Blocks until the index is ready or failed (tests).
    pub fn wait_index(&mut self) {
        if let RankIndexState::Building { result, .. } = &self.index {
            let r = result.recv().unwrap_or_else(|_| Err("the ranked index thread stopped".into()));
            self.finish_index(r);
        }
    }

    /// Blocks until the running query is answered (tests).
    pub fn wait_results(&mut self) {
        if let Some(rx) = self.running.take() {
            let answer = rx.recv().unwrap_or_else(|_| Err("the ranked query stopped".into()));
            self.take(answer);
        }
    }

    /// The exact path bytes and the 0-based line a hit opens at: its snippet's line, else its first.
    pub fn target(&self, hit: usize) -> Option<(Vec<u8>, usize)> {
        let hit = self.hits.get(hit)?;
        let entry = self.snapshot.as_ref()?.files().get(hit.file)?;
        let line = hit.snippet.as_ref().map_or(hit.start_line, |s| s.line);
        Some((entry.path.as_bytes().to_vec(), line.saturating_sub(1) as usize))
    }
}

/// The functions of each file, from the snapshot's symbol index when it was built (else `None`: the
/// ranked index is then per file, and rebuilt per function once the symbol index exists).
fn functions(snapshot: &Snapshot, snap_dir: &std::path::Path) -> Option<Functions> {
    let symbols = vitrine_syntax::SymbolIndex::open_for(&snap_dir.join("symbols"), snapshot).ok()?;
    let spans = symbols.function_spans().ok()?;
    Some(symbols.paths().ok()?.iter().map(str::to_owned).zip(spans).filter(|(_, f)| !f.is_empty()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(dir: &std::path::Path) -> Arc<Snapshot> {
        let snap = dir.join("snap");
        std::fs::create_dir_all(&snap).unwrap();
        std::fs::write(
            snap.join("net.c"),
            "int x;\n\n/* Sends the collected telemetry to the vendor's server. */\n\
             int upload_telemetry(void) {\n  return post(\"https://collector.example\");\n}\n",
        )
        .unwrap();
        std::fs::write(
            snap.join("math.c"),
            "/* adds two numbers */\nint add(int a, int b) { return a + b; }\n",
        )
        .unwrap();
        Arc::new(Snapshot::open(&snap, &Default::default(), &Progress::default()).unwrap())
    }

    #[test]
    fn a_query_typed_while_the_index_builds_runs_once_it_is_ready_and_opens_at_the_snippet() {
        let dir = tempfile::tempdir().unwrap();
        let snapshot = snapshot(dir.path());
        let data = DataDir::at(dir.path().join("data"));
        let (hold, after) = crossbeam_channel::bounded::<()>(0);
        let mut ranked = RankedState::default();
        ranked.start_index(snapshot, &data, Some(after));
        ranked.set_query("telemetry upload");
        assert!(matches!(ranked.index, RankIndexState::Building { .. }), "it waits for the other indexes");
        assert!(!ranked.is_searching(), "nothing runs before the index is ready");
        assert!(ranked.hits.is_empty());
        drop(hold);
        ranked.wait_index();
        assert!(ranked.ready().is_some(), "{:?}", ranked.index);
        ranked.wait_results();
        assert_eq!(ranked.error, None);
        let first = ranked.hits.first().expect("a hit");
        assert_eq!(first.path, "net.c");
        assert!(ranked.hits.iter().all(|h| h.path != "math.c"), "{:?}", ranked.hits);
        // The snippet is the line with both words; the hit opens there (0-based).
        assert_eq!(ranked.target(0), Some((b"net.c".to_vec(), 3)));
    }

    #[test]
    fn stop_words_alone_are_said_not_searched() {
        let dir = tempfile::tempdir().unwrap();
        let snapshot = snapshot(dir.path());
        let data = DataDir::at(dir.path().join("data"));
        let mut ranked = RankedState::default();
        ranked.start_index(snapshot, &data, None);
        ranked.wait_index();
        ranked.set_query("the of");
        assert!(ranked.error.as_deref().is_some_and(|e| e.contains("no word")), "{:?}", ranked.error);
        assert!(!ranked.is_searching());
    }
}
