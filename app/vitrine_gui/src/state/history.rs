//! Places visited, for Alt+Left / Alt+Right. Only jumps are recorded (opening a file, a definition,
//! a search hit, going to a line), never the cursor's every move.

use crate::state::AppState;

/// Steps of history kept.
const HISTORY_LEN: usize = 200;

impl AppState {
    /// Records where the cursor is, so Alt+Left can come back to it. Consecutive duplicates collapse.
    pub(crate) fn remember_place(&mut self) {
        let Some(tab) = self.active_tab() else { return };
        let place = (tab.doc.path.as_bytes().to_vec(), tab.cursor_line);
        self.history.truncate(self.history_pos + 1);
        if self.history.last() != Some(&place) {
            self.history.push(place);
            if self.history.len() > HISTORY_LEN {
                self.history.remove(0);
            }
        }
        self.history_pos = self.history.len().saturating_sub(1);
    }

    pub(crate) fn go_history(&mut self, forward: bool) {
        // Only jumps are places: where the cursor moved since (arrows, Ctrl+Home) is not recorded, so
        // Alt+Left goes straight back to where the last jump came from.
        let target = if forward { self.history_pos + 1 } else { self.history_pos.wrapping_sub(1) };
        let Some((path, line)) = self.history.get(target).cloned() else { return };
        self.history_pos = target;
        self.open_file(&path, Some(line));
    }
}
