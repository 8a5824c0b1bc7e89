//! Panels, preferences and the file tree's folding and filters.

use std::collections::BTreeSet;

use crate::state::prefs::{FONT_DEFAULT, FONT_MAX, FONT_MIN};
use crate::state::{AppState, ViewCmd};

/// The tabs of the right panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RightTab {
    /// The definitions of the active file, nested.
    #[default]
    Outline,
    /// The review's threads on the active file, with the one selected expanded.
    Annotations,
}

/// The tabs of the bottom panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BottomTab {
    /// The snapshot's health findings, grouped by kind.
    #[default]
    Health,
    /// The search of the whole snapshot.
    Search,
    /// Every reference to a name (Shift+F12).
    References,
    /// The callers of a function, as a tree (Ctrl+Shift+H).
    Callers,
    /// Every thread of the review, filtered and sorted.
    Threads,
    /// Export, import and verification of review records, and how the last one ended.
    Record,
}

impl AppState {
    pub(crate) fn apply_view(&mut self, cmd: ViewCmd) {
        match cmd {
            ViewCmd::ToggleDir(dir) => toggle(&mut self.expanded, dir),
            ViewCmd::SetTreeFilter(f) => {
                self.tree_filter = f;
                self.refresh_tree_matches();
            }
            ViewCmd::SetUnreviewedFilter(on) => {
                self.unreviewed_filter = on;
                self.refresh_tree_matches();
            }
            ViewCmd::ToggleHealthPanel => self.prefs.show_health = !self.prefs.show_health,
            ViewCmd::ToggleHealthKind(kind) => toggle(&mut self.health_folded, kind),
            ViewCmd::SetDarkTheme(dark) => self.prefs.dark = dark,
            ViewCmd::DismissError => self.error = None,
            ViewCmd::FontSize(step) => {
                let size = if step == 0 { FONT_DEFAULT } else { self.prefs.font_size() + step as f32 };
                self.prefs.font_tenths = (size.clamp(FONT_MIN, FONT_MAX) * 10.0).round() as u32;
            }
            ViewCmd::ShowBottom(tab) => {
                self.bottom = tab;
                self.prefs.show_health = true;
            }
            ViewCmd::ShowRight(tab) => self.right = tab,
            ViewCmd::ToggleWrap => self.prefs.wrap = !self.prefs.wrap,
            ViewCmd::ToggleTreePanel => self.prefs.show_tree = !self.prefs.show_tree,
            ViewCmd::PanelSize(panel, points) => self.prefs.panels.set(panel, points),
            ViewCmd::ToggleSidePanel => self.prefs.show_side = !self.prefs.show_side,
            ViewCmd::ToggleInlineThreads => self.prefs.inline_threads = !self.prefs.inline_threads,
            ViewCmd::ToggleInlineThread(id) => toggle(&mut self.folded_threads, id),
        }
    }
}

/// Adds `item` to `set`, or takes it out if it was there.
fn toggle<T: Ord>(set: &mut BTreeSet<T>, item: T) {
    if !set.remove(&item) {
        set.insert(item);
    }
}
