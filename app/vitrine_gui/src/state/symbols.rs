//! Symbol navigation state: the snapshot's symbol index (opened or built in the background), and the
//! results of the last references / callers query, computed on a background thread because references
//! re-read every file a name occurs in.

use std::sync::Arc;

use crate::state::errors::error_chain;
use crossbeam_channel::{Receiver, TryRecvError};
use vitrine_search::{Definition, Definitions};
use vitrine_snapshot::Snapshot;
use vitrine_snapshot::progress::Progress;
use vitrine_snapshot::store::DataDir;
use vitrine_syntax::{CallerGroup, RefHit, SymbolIndex};

#[derive(Debug, Default)]
pub enum SymIndexState {
    #[default]
    None,
    Building {
        progress: Arc<Progress>,
        result: Receiver<Result<SymbolIndex, String>>,
    },
    Ready(Arc<SymbolIndex>),
    Failed(String),
}

/// What the references / callers tabs show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NavResult {
    References(Vec<RefHit>),
    Callers(Vec<CallerGroup>),
    Error(String),
}

/// The symbol index as the search's source of definitions (for `sym:` and definitions-first ranking).
/// Both indexes are built in parallel, so the search index gets this source at once and the symbol index
/// is put into it when ready; until then `sym:` says it is not ready rather than finding nothing.
#[derive(Debug, Default)]
pub(crate) struct LateDefinitions(std::sync::OnceLock<Arc<SymbolIndex>>);

impl LateDefinitions {
    pub fn set(&self, index: Arc<SymbolIndex>) {
        let _ = self.0.set(index);
    }
}

impl vitrine_search::DefinitionSource for LateDefinitions {
    fn definitions(&self, written: &str, case_sensitive: bool) -> Result<Definitions, String> {
        let index = self.0.get().ok_or("the symbol index is still being built")?;
        let (list, truncated) =
            index.written_definitions(written, case_sensitive).map_err(|e| error_chain(&e))?;
        let list = list
            .into_iter()
            .map(|d| Definition { path: d.path.into_bytes(), line: d.line, column: d.column, len: d.len })
            .collect();
        Ok(Definitions { list, truncated })
    }

    fn close_names(&self, written: &str) -> Vec<String> {
        self.0.get().map(|index| index.close_names(written)).unwrap_or_default()
    }
}

/// The callers of one function, for the callers tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallerLoad {
    Loading,
    Ready(Vec<CallerGroup>),
    Error(String),
}

#[derive(Debug, Default)]
pub struct SymbolState {
    /// Filled when the symbol index is ready; shared with the search index.
    pub(crate) definitions: Arc<LateDefinitions>,
    pub index: SymIndexState,
    /// While the index is built: the definitions of the files parsed so far (emptied once it is ready).
    pub partial: Arc<vitrine_syntax::index::PartialDefinitions>,
    /// The build's progress as shown: phase named, never going back.
    pub meter: crate::state::meter::Meter,
    /// The name the references / callers tab is about, and the trail of callers followed to reach it.
    pub subject: Option<String>,
    pub trail: Vec<String>,
    pub result: Option<NavResult>,
    running: Option<Receiver<NavResult>>,
    /// Callers of the functions expanded in the callers tree, by function name, loaded on demand.
    pub caller_cache: std::collections::HashMap<String, CallerLoad>,
    /// Expanded nodes of the callers tree: the names from a caller of the subject down to the node.
    pub expanded_callers: std::collections::BTreeSet<Vec<String>>,
    loading_callers: Vec<(String, Receiver<CallerLoad>)>,
}

impl SymbolState {
    /// Opens or builds the snapshot's symbol index on a background thread, once `after` is disconnected
    /// (when given): building both indexes at once would add their peak memory for little gain, as each
    /// build already uses every core. The receiver returned is disconnected when that thread ends.
    pub fn start_index(
        &mut self,
        snapshot: Arc<Snapshot>,
        data: &DataDir,
        after: Option<crossbeam_channel::Receiver<()>>,
    ) -> crossbeam_channel::Receiver<()> {
        let (ended, ended_rx) = crossbeam_channel::bounded::<()>(0);
        let progress = Arc::new(Progress::default());
        let (tx, rx) = crossbeam_channel::bounded(1);
        let dir = data.snapshot_dir(snapshot.content_key()).join("symbols");
        let p = progress.clone();
        self.partial = Arc::default();
        let partial = self.partial.clone();
        let spawned = std::thread::Builder::new().name("symbols".into()).spawn(move || {
            let _ended = ended;
            if let Some(after) = after {
                p.set_phase("waiting for the search index", 0);
                let _ = after.recv();
            }
            let r = crate::state::background::run(|| {
                vitrine_syntax::index::open_or_build_progressive(&snapshot, &dir, &p, &partial)
            })
            .map_err(|e| error_chain(&e));
            let _ = tx.send(r);
        });
        self.index = match spawned {
            Ok(_) => SymIndexState::Building { progress, result: rx },
            Err(e) => SymIndexState::Failed(format!("cannot start the symbol thread: {e}")),
        };
        ended_rx
    }

    pub fn cancel(&mut self) {
        if let SymIndexState::Building { progress, .. } = &self.index {
            progress.cancel();
        }
        self.running = None;
    }

    pub fn ready(&self) -> Option<&Arc<SymbolIndex>> {
        match &self.index {
            SymIndexState::Ready(i) => Some(i),
            _ => None,
        }
    }

    pub fn is_running(&self) -> bool {
        self.running.is_some() || matches!(self.index, SymIndexState::Building { .. })
    }

    /// Blocks until the index is ready or failed (tests).
    pub fn wait_index(&mut self) {
        if let SymIndexState::Building { result, .. } = &self.index {
            self.index = match result.recv() {
                Ok(Ok(i)) => {
                    let i = Arc::new(i);
                    self.definitions.set(i.clone());
                    self.partial = Arc::default();
                    SymIndexState::Ready(i)
                }
                Ok(Err(e)) => SymIndexState::Failed(e),
                Err(_) => SymIndexState::Failed("the symbol thread stopped".into()),
            };
        }
    }

    /// Blocks until the running references / callers query is done (tests).
    pub fn wait_result(&mut self) {
        if let Some(rx) = self.running.take() {
            self.result = rx.recv().ok();
        }
    }

    /// Starts finding the references (or the callers) of `name` on a background thread.
    pub fn query(&mut self, name: String, callers: bool, snapshot: Arc<Snapshot>) {
        let Some(index) = self.ready().cloned() else {
            self.result = Some(NavResult::Error("the symbol index is not ready yet".into()));
            return;
        };
        self.subject = Some(name.clone());
        self.result = None;
        self.expanded_callers.clear();
        let (tx, rx) = crossbeam_channel::bounded(1);
        let spawned = std::thread::Builder::new().name("references".into()).spawn(move || {
            let r = if callers {
                index.callers(&name).map(NavResult::Callers)
            } else {
                let read = |path: &str| {
                    let entry = snapshot.file(path.as_bytes())?;
                    let bytes = snapshot.read(entry).ok()?;
                    Some(match entry.encoding {
                        Some(e) if !e.is_utf8() => {
                            vitrine_snapshot::text::decode(&bytes, e).into_owned().into_bytes()
                        }
                        _ => bytes,
                    })
                };
                index.references(&name, read).map(NavResult::References)
            };
            let _ = tx.send(r.unwrap_or_else(|e| NavResult::Error(error_chain(&e))));
        });
        match spawned {
            Ok(_) => self.running = Some(rx),
            Err(e) => self.result = Some(NavResult::Error(error_chain(&e))),
        }
    }

    /// Expands (loading its callers if needed) or folds a node of the callers tree.
    pub fn toggle_caller(&mut self, node: Vec<String>) {
        if self.expanded_callers.remove(&node) {
            return;
        }
        let Some(name) = node.last().cloned() else { return };
        if self.caller_cache.contains_key(&name) {
            self.expanded_callers.insert(node);
            return;
        }
        // Without the index there is nothing to load: the node stays folded rather than waiting forever.
        let Some(index) = self.ready().cloned() else { return };
        self.expanded_callers.insert(node);
        self.caller_cache.insert(name.clone(), CallerLoad::Loading);
        let (tx, rx) = crossbeam_channel::bounded(1);
        let n = name.clone();
        let spawned = std::thread::Builder::new().name("callers".into()).spawn(move || {
            let r = index.callers(&n).map_or_else(|e| CallerLoad::Error(error_chain(&e)), CallerLoad::Ready);
            let _ = tx.send(r);
        });
        match spawned {
            Ok(_) => self.loading_callers.push((name, rx)),
            Err(e) => {
                self.caller_cache.insert(name, CallerLoad::Error(error_chain(&e)));
            }
        }
    }

    /// Blocks until every callers-tree node being loaded is loaded (tests).
    pub fn wait_callers(&mut self) {
        for (name, rx) in std::mem::take(&mut self.loading_callers) {
            let r = rx.recv().unwrap_or_else(|_| CallerLoad::Error("the callers thread stopped".into()));
            self.caller_cache.insert(name, r);
        }
    }

    pub fn poll(&mut self) -> bool {
        let mut changed = false;
        let mut still = Vec::new();
        for (name, rx) in std::mem::take(&mut self.loading_callers) {
            match rx.try_recv() {
                Ok(r) => {
                    self.caller_cache.insert(name, r);
                    changed = true;
                }
                Err(TryRecvError::Empty) => still.push((name, rx)),
                Err(TryRecvError::Disconnected) => {
                    self.caller_cache.insert(name, CallerLoad::Error("the callers thread stopped".into()));
                    changed = true;
                }
            }
        }
        self.loading_callers = still;
        if let SymIndexState::Building { result, progress } = &self.index {
            self.meter.update(&progress.view());
            match result.try_recv() {
                Ok(r) => {
                    self.index = match r {
                        Ok(i) => {
                            let i = Arc::new(i);
                            self.definitions.set(i.clone());
                            self.partial = Arc::default();
                            SymIndexState::Ready(i)
                        }
                        Err(e) => SymIndexState::Failed(e),
                    };
                    changed = true;
                }
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => {
                    self.index = SymIndexState::Failed("the symbol thread stopped".into());
                    changed = true;
                }
            }
        }
        if let Some(rx) = &self.running {
            match rx.try_recv() {
                Ok(r) => {
                    self.result = Some(r);
                    self.running = None;
                    changed = true;
                }
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => {
                    self.running = None;
                    changed = true;
                }
            }
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_symbol_index_waits_for_the_work_it_is_told_to_follow() {
        let dir = tempfile::tempdir().unwrap();
        let snap = dir.path().join("snap");
        std::fs::create_dir_all(&snap).unwrap();
        std::fs::write(snap.join("a.c"), "int alpha(void) { return 1; }\n").unwrap();
        let snapshot = Arc::new(Snapshot::open(&snap, &Default::default(), &Progress::default()).unwrap());
        let data = DataDir::at(dir.path().join("data"));
        let (hold, after) = crossbeam_channel::bounded::<()>(0);
        let mut s = SymbolState::default();
        s.start_index(snapshot, &data, Some(after));
        let SymIndexState::Building { progress, result } = &s.index else { panic!("{:?}", s.index) };
        while progress.view().phase != "waiting for the search index" {
            std::thread::yield_now();
        }
        // While the work it follows runs, nothing is built.
        assert!(result.try_recv().is_err());
        assert!(!dir.path().join("data").join("snapshots").exists());
        drop(hold);
        s.wait_index();
        let index = s.ready().expect("built once the other work ended");
        assert_eq!(index.lookup("alpha", vitrine_syntax::Match::Exact).unwrap().len(), 1);
    }
}
