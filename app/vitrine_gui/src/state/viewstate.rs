//! What the reader had open in a snapshot (tabs, their cursors, the active tab), kept with the
//! snapshot's data under `--data` so that reopening the snapshot comes back to the same places, with
//! the scroll position following the cursor (they are never saved apart, so they cannot disagree).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::state::AppState;
use crate::state::errors::error_chain;

/// One tab as saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct SavedTab {
    /// The file's path bytes in the snapshot.
    path: Vec<u8>,
    line: usize,
    column: usize,
}

/// The view of one snapshot as saved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct SavedView {
    tabs: Vec<SavedTab>,
    active: Option<usize>,
}

/// Tabs restored at most (a hand-edited or hostile file could list millions).
const MAX_TABS: usize = 64;

impl AppState {
    fn view_file(&self) -> Option<PathBuf> {
        let snap = self.snapshot.as_ref()?;
        Some(self.data.snapshot_dir(&snap.ids().tree_sha256).join("view.json"))
    }

    /// Writes the open tabs and cursors next to the snapshot's data (the window calls this when it
    /// saves its settings and when it closes).
    pub fn save_view(&self) -> Result<(), String> {
        let Some(file) = self.view_file() else { return Ok(()) };
        let view = SavedView {
            tabs: self
                .tabs
                .iter()
                .map(|t| SavedTab {
                    path: t.doc.path.as_bytes().to_vec(),
                    line: t.cursor_line,
                    column: t.cursor_col,
                })
                .collect(),
            active: self.active,
        };
        let json = serde_json::to_vec(&view).map_err(|e| error_chain(&e))?;
        vitrine_base::fs::write_atomic(&file, &json).map_err(|e| error_chain(&e))
    }

    /// Reopens the tabs saved for this snapshot, each at its cursor (files no longer in the snapshot,
    /// or an unreadable file, are skipped: the view is a convenience, never an error).
    pub(crate) fn restore_view(&mut self) {
        let Some(file) = self.view_file() else { return };
        let Ok(bytes) = std::fs::read(&file) else { return };
        let Ok(view) = serde_json::from_slice::<SavedView>(&bytes) else { return };
        for t in view.tabs.iter().take(MAX_TABS) {
            if self.snapshot.as_ref().and_then(|s| s.file(&t.path)).is_none() {
                continue;
            }
            self.open_file(&t.path, Some(t.line));
            if let Some(tab) = self.active_tab_mut() {
                tab.cursor_col = t.column;
            }
        }
        if let Some(a) = view.active.filter(|&a| a < self.tabs.len()) {
            self.active = Some(a);
        }
    }
}
