//! Opening files and jumping to definitions.

use crate::state::document::Document;
use crate::state::errors::error_chain;
use crate::state::overlay::{Overlay, OverlayItem, OverlayKind, def_item};
use crate::state::tab::{Tab, start_find};
use crate::state::{AppState, BottomTab, NavCmd, RightTab, SymbolsCmd, ViewCmd};

impl AppState {
    pub(crate) fn apply_nav(&mut self, cmd: NavCmd) {
        match cmd {
            NavCmd::OpenFile { path, line } => self.jump(&path, line, None),
            NavCmd::OpenAt { path, line, col } => self.jump(&path, Some(line), Some(col)),
            NavCmd::ActivateTab(i) => {
                if i < self.tabs.len() {
                    self.active = Some(i);
                }
            }
            NavCmd::CloseTab(i) => {
                if i < self.tabs.len() {
                    let tab = self.tabs.remove(i);
                    self.coverage.insert(tab.doc.path.as_bytes().to_vec(), tab.seen);
                    self.active = match self.active {
                        _ if self.tabs.is_empty() => None,
                        Some(a) if a > i => Some(a - 1),
                        Some(a) => Some(a.min(self.tabs.len() - 1)),
                        None => None,
                    };
                }
            }
            NavCmd::SetCursorLine(line) => {
                if let Some(tab) = self.active_tab_mut() {
                    tab.cursor_line = line.min(tab.doc.line_count().saturating_sub(1));
                    tab.anchor_line = None;
                }
            }
            NavCmd::MoveCursor { delta, extend } => {
                if let Some(tab) = self.active_tab_mut() {
                    let line = tab.cursor_line.saturating_add_signed(delta);
                    tab.move_to(line, extend);
                }
            }
            NavCmd::CursorTo { line, extend } => {
                if let Some(tab) = self.active_tab_mut() {
                    tab.move_to(line, extend);
                }
            }
            NavCmd::ClickAt { line, col, extend } => {
                if let Some(tab) = self.active_tab_mut() {
                    let line = line.min(tab.doc.line_count().saturating_sub(1));
                    if extend {
                        tab.anchor_line.get_or_insert(tab.cursor_line);
                    } else {
                        tab.anchor_line = None;
                    }
                    tab.cursor_line = line;
                    tab.scroll_to = None;
                    tab.cursor_col = col;
                }
            }
            NavCmd::Find(query) => {
                if let Some(tab) = self.active_tab_mut() {
                    match query {
                        Some(q) => {
                            let from = tab.cursor_line;
                            start_find(tab, q, from);
                            tab.go_to_find_match();
                        }
                        None => {
                            tab.find = None;
                            tab.find_job = None;
                        }
                    }
                }
            }
            NavCmd::FindStep(forward) => {
                if let Some(tab) = self.active_tab_mut()
                    && let Some(f) = &mut tab.find
                    && !f.matches.is_empty()
                {
                    let n = f.matches.len();
                    f.current = if forward { (f.current + 1) % n } else { (f.current + n - 1) % n };
                    if let Some((line, range)) = f.matches.get(f.current).cloned() {
                        tab.cursor_line = line;
                        tab.cursor_col = range.start;
                        tab.anchor_line = None;
                        tab.scroll_to_line(line);
                    }
                }
            }
            NavCmd::HistoryBack => self.go_history(false),
            NavCmd::HistoryForward => self.go_history(true),
            NavCmd::Seen(range) => {
                if let Some(tab) = self.active_tab_mut() {
                    tab.seen.insert(range);
                }
            }
        }
    }

    /// Opens a file at a place (a jump: recorded in the history), the cursor on column `col` if given.
    fn jump(&mut self, path: &[u8], line: Option<usize>, col: Option<usize>) {
        self.remember_place();
        self.open_file(path, line);
        if let (Some(col), Some(tab)) = (col, self.active_tab_mut()) {
            tab.cursor_col = col;
        }
        self.remember_place();
        // Landing on an annotated line shows its thread.
        if let (Some(line), Some(r)) = (line, &mut self.review) {
            let shown = vitrine_snapshot::path_display(path);
            let l = line as u64 + 1;
            let hit = r.threads(Some(&shown)).iter().find_map(|t| {
                let [a, b] = t.root.entry.target.as_ref()?.lines?;
                (a..=b).contains(&l).then(|| t.root.id.clone())
            });
            if let Some(id) = hit {
                r.selected = Some(id);
                self.right = RightTab::Annotations;
            }
        }
    }

    /// Go to definition while the symbol index is built: the definitions found in the files parsed so
    /// far answer (one jumps, several are listed), and the files still pending are named by count.
    fn go_to_partial_definition(&mut self) {
        let Some(tab) = self.active_tab() else {
            self.error = Some("The symbol index is still being built; try again in a moment.".into());
            return;
        };
        let crate::state::document::Content::Text(t) = &tab.doc.content else { return };
        let at = vitrine_syntax::Point { line: tab.cursor_line as u32, column: tab.cursor_col as u32 };
        let Some(name) = vitrine_syntax::nav::name_at(t.text.as_bytes(), at).map(|n| n.name) else {
            self.error = Some("No identifier at the cursor (click on a name first).".into());
            return;
        };
        let answer = self.symbols.partial.lookup(&name);
        let pending = format!(
            "the symbol index is still being built: {} of {} files parsed, {} pending",
            answer.parsed,
            answer.total,
            answer.pending()
        );
        match answer.hits.as_slice() {
            [] => self.error = Some(format!("No definition of `{name}` found yet ({pending}).")),
            [one] => {
                let (path, line, col) =
                    (one.path.clone().into_bytes(), one.line as usize, one.column as usize);
                self.apply(NavCmd::OpenAt { path, line, col });
                if answer.pending() > 0 {
                    self.error =
                        Some(format!("Went to the one definition of `{name}` found so far ({pending})."));
                }
            }
            many => {
                let results = many
                    .iter()
                    .map(|h| OverlayItem {
                        label: format!("{}:{}", h.path, h.line + 1),
                        detail: format!("found so far; {pending}"),
                        path: h.path.clone().into_bytes(),
                        line: Some(h.line as usize),
                        col: Some(h.column as usize),
                    })
                    .collect();
                self.overlay = Some(Overlay {
                    kind: OverlayKind::Definitions,
                    input: String::new(),
                    selected: 0,
                    results,
                });
            }
        }
    }

    pub(crate) fn apply_symbols(&mut self, cmd: SymbolsCmd) {
        match cmd {
            SymbolsCmd::GoToDefinition => self.go_to_definition(),
            SymbolsCmd::FindReferences => {
                if let (Some(name), Some(snapshot)) = (self.name_at_cursor(), self.snapshot.clone()) {
                    self.symbols.trail.clear();
                    self.symbols.query(name, false, snapshot);
                    self.apply(ViewCmd::ShowBottom(BottomTab::References));
                }
            }
            SymbolsCmd::ShowCallers { name, deeper } => {
                let name = name.or_else(|| self.name_at_cursor());
                if let (Some(name), Some(snapshot)) = (name, self.snapshot.clone()) {
                    if deeper {
                        if let Some(prev) = self.symbols.subject.clone() {
                            self.symbols.trail.push(prev);
                        }
                    } else {
                        self.symbols.trail.clear();
                    }
                    self.symbols.query(name, true, snapshot);
                    self.apply(ViewCmd::ShowBottom(BottomTab::Callers));
                }
            }
            SymbolsCmd::ToggleCallerNode(node) => self.symbols.toggle_caller(node),
        }
    }

    /// The identifier under the cursor of the active tab.
    fn name_at_cursor(&self) -> Option<String> {
        let tab = self.active_tab()?;
        let crate::state::document::Content::Text(t) = &tab.doc.content else { return None };
        let at = vitrine_syntax::Point { line: tab.cursor_line as u32, column: tab.cursor_col as u32 };
        vitrine_syntax::nav::name_at(t.text.as_bytes(), at).map(|n| n.name)
    }

    fn go_to_definition(&mut self) {
        let Some(index) = self.symbols.ready().cloned() else {
            self.go_to_partial_definition();
            return;
        };
        let Some(tab) = self.active_tab() else { return };
        let crate::state::document::Content::Text(t) = &tab.doc.content else { return };
        let at = vitrine_syntax::Point { line: tab.cursor_line as u32, column: tab.cursor_col as u32 };
        let file = tab.doc.path.display();
        let candidates = match vitrine_syntax::definition(&index, &file, t.text.as_bytes(), at) {
            Ok(c) => c,
            Err(e) => {
                self.error = Some(error_chain(&e));
                return;
            }
        };
        match candidates.as_slice() {
            [] => {
                let name = vitrine_syntax::nav::name_at(t.text.as_bytes(), at).map(|n| n.name);
                self.error = Some(match name {
                    Some(n) => format!("No definition of `{n}` found in this snapshot."),
                    None => "No identifier at the cursor (click on a name first).".into(),
                });
            }
            [one] => {
                // The cursor lands on the definition's name, not on the call site's column.
                let (path, line) = (one.hit.path.clone().into_bytes(), one.hit.at.line as usize);
                self.apply(NavCmd::OpenAt { path, line, col: one.hit.at.column as usize });
            }
            many => {
                let results = many.iter().map(|c| def_item(&c.hit, Some(c.confidence))).collect();
                self.overlay = Some(Overlay {
                    kind: OverlayKind::Definitions,
                    input: String::new(),
                    selected: 0,
                    results,
                });
            }
        }
    }

    pub(crate) fn open_file(&mut self, path: &[u8], line: Option<usize>) {
        if self.active_tab().is_none_or(|t| t.doc.path.as_bytes() != path) {
            self.reveal += 1;
        }
        if let Some(i) = self.tabs.iter().position(|t| t.doc.path.as_bytes() == path) {
            self.active = Some(i);
        } else {
            let Some(snapshot) = self.snapshot.clone() else { return };
            let Some(entry) = snapshot.file(path) else {
                self.error =
                    Some(format!("no file {} in this snapshot", vitrine_snapshot::path_display(path)));
                return;
            };
            let doc = Document::open(&snapshot, entry);
            let mut tab = Tab::new(doc);
            if let Some(seen) = self.coverage.remove(path) {
                tab.seen = seen;
            }
            self.tabs.push(tab);
            self.opened.insert(path.to_vec());
            self.active = Some(self.tabs.len() - 1);
            // Reveal the file in the tree.
            let mut prefix = Vec::new();
            for c in
                path.split(|&b| b == b'/').collect::<Vec<_>>().split_last().map(|x| x.1).unwrap_or_default()
            {
                if !prefix.is_empty() {
                    prefix.push(b'/');
                }
                prefix.extend_from_slice(c);
                self.expanded.insert(prefix.clone());
            }
        }
        if let Some(tab) = self.active_tab_mut() {
            match line {
                Some(line) => tab.move_to(line, false),
                // A file opened without a line shows its cursor: the view never keeps a scroll position
                // of its own that could disagree with it.
                None if tab.scroll_to.is_none() => tab.scroll_to_line(tab.cursor_line),
                None => {}
            }
        }
    }
}
