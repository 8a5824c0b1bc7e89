//! The modal overlays over the code: quick open, go to line, go to symbol, definition candidates and
//! the shortcut help; their rows are computed here from what was typed.

use crate::state::{AppState, NavCmd, OverlayCmd};

/// The modal pickers and panels over the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverlayKind {
    QuickOpen,
    GoToLine,
    Help,
    /// Go-to-definition candidates, when there is more than one.
    Definitions,
    /// Ctrl+T: symbols of the whole snapshot by name.
    Symbols,
}

/// One row of an overlay's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlayItem {
    pub label: String,
    pub detail: String,
    pub path: Vec<u8>,
    /// 0-based line to open at, and byte column (a definition's name).
    pub line: Option<usize>,
    pub col: Option<usize>,
}

/// An open overlay and what has been typed in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlay {
    pub kind: OverlayKind,
    pub input: String,
    /// Highlighted row of the result list.
    pub selected: usize,
    pub results: Vec<OverlayItem>,
}

/// Rows listed by quick open.
const QUICK_OPEN_ROWS: usize = 50;

impl AppState {
    pub(crate) fn apply_overlay(&mut self, cmd: OverlayCmd) {
        match cmd {
            OverlayCmd::Show(kind) => {
                self.overlay =
                    kind.map(|kind| Overlay { kind, input: String::new(), selected: 0, results: Vec::new() });
                self.refresh_overlay();
            }
            OverlayCmd::Input(input) => {
                if let Some(o) = &mut self.overlay {
                    o.input = input;
                    o.selected = 0;
                }
                self.refresh_overlay();
            }
            OverlayCmd::Move(delta) => {
                if let Some(o) = &mut self.overlay {
                    let last = o.results.len().saturating_sub(1);
                    o.selected = o.selected.saturating_add_signed(delta).min(last);
                }
            }
            OverlayCmd::Accept => self.accept_overlay(),
        }
    }

    /// Recomputes the overlay's result rows from its input.
    fn refresh_overlay(&mut self) {
        let Some(o) = &mut self.overlay else { return };
        match o.kind {
            OverlayKind::QuickOpen => {
                let files = self.tree.nodes.iter().filter(|n| !n.is_dir);
                let shown: Vec<(Vec<u8>, String)> =
                    files.map(|n| (n.path.clone(), String::from_utf8_lossy(&n.path).into_owned())).collect();
                let best = crate::state::fuzzy::best(
                    &o.input,
                    shown.iter().map(|(p, s)| (p.clone(), s.as_str())),
                    QUICK_OPEN_ROWS,
                );
                o.results = best
                    .into_iter()
                    .map(|path| OverlayItem {
                        label: String::from_utf8_lossy(&path).into_owned(),
                        detail: String::new(),
                        path,
                        line: None,
                        col: None,
                    })
                    .collect();
            }
            OverlayKind::Symbols => {
                o.results.clear();
                let (Some(index), false) = (self.symbols.ready(), o.input.trim().is_empty()) else { return };
                let names = index
                    .names(o.input.trim(), vitrine_syntax::Match::Fuzzy, QUICK_OPEN_ROWS)
                    .unwrap_or_default();
                for name in names {
                    for hit in index.lookup(&name, vitrine_syntax::Match::Exact).unwrap_or_default() {
                        o.results.push(def_item(&hit, None));
                        if o.results.len() >= QUICK_OPEN_ROWS {
                            return;
                        }
                    }
                }
            }
            OverlayKind::GoToLine | OverlayKind::Help | OverlayKind::Definitions => {}
        }
    }

    fn accept_overlay(&mut self) {
        let Some(o) = self.overlay.take() else { return };
        match o.kind {
            OverlayKind::QuickOpen | OverlayKind::Symbols | OverlayKind::Definitions => {
                if let Some(item) = o.results.get(o.selected).cloned() {
                    match (item.line, item.col) {
                        (Some(line), Some(col)) => self.apply(NavCmd::OpenAt { path: item.path, line, col }),
                        (line, _) => self.apply(NavCmd::OpenFile { path: item.path, line }),
                    }
                }
            }
            OverlayKind::GoToLine => {
                // "120" or "120:7" (the column is accepted and ignored: the cursor is a line).
                let line = o.input.trim().split(':').next().and_then(|l| l.trim().parse::<usize>().ok());
                match line {
                    Some(l) if l > 0 && self.active_tab().is_some_and(|t| t.cursor_line == l - 1) => {
                        // Going to the line already under the cursor is no jump: nothing to remember.
                        if let Some(tab) = self.active_tab_mut() {
                            tab.move_to(l - 1, false);
                        }
                    }
                    Some(l) if l > 0 => {
                        self.remember_place();
                        if let Some(tab) = self.active_tab_mut() {
                            tab.move_to(l - 1, false);
                        }
                        self.remember_place();
                    }
                    _ => self.overlay = Some(o),
                }
            }
            OverlayKind::Help => {}
        }
    }
}

/// An overlay row for a definition: `kind name`, where, and how sure the match is.
pub(crate) fn def_item(
    hit: &vitrine_syntax::DefHit,
    confidence: Option<vitrine_syntax::Confidence>,
) -> OverlayItem {
    let scope = if hit.scope.is_empty() { String::new() } else { format!("{}::", hit.scope) };
    let sure = match confidence {
        Some(vitrine_syntax::Confidence::ExactScope) => " · exact scope",
        Some(vitrine_syntax::Confidence::SameFile) => " · same file",
        Some(vitrine_syntax::Confidence::Included) => " · included header",
        Some(vitrine_syntax::Confidence::SameName) => " · same name only",
        None => "",
    };
    let role = if matches!(hit.role, vitrine_syntax::Role::Declaration) { " (declaration)" } else { "" };
    OverlayItem {
        label: format!("{} {scope}{}{role}", hit.kind.as_str(), hit.name),
        detail: format!("{}:{}{sure}", hit.path, hit.at.line + 1),
        path: hit.path.clone().into_bytes(),
        line: Some(hit.at.line as usize),
        col: Some(hit.at.column as usize),
    }
}
