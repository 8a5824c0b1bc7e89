//! The window's frame: menu bar, banner, file tree, tabs and code view, health panel, status bar.

use std::path::PathBuf;

use crossbeam_channel::Receiver;
use egui::{Color32, RichText};

use crate::records::RecordAction;
use crate::state::{AppState, Command, Load};
use crate::state::{BottomTab, OverlayKind, RightTab};
use crate::{code_view, fonts, health_ui, overlay_ui, review_ui, search_ui, symbols_ui, tree_ui};

/// What a file dialog was opened for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pick {
    Folder,
    Archive,
    Export { questions_only: bool },
    Import,
    Verify,
}

pub struct VitrineApp {
    pub state: AppState,
    /// A file dialog running on its own thread (a blocking dialog in `ui` would freeze the window).
    picker: Option<(Pick, Receiver<Option<PathBuf>>)>,
    fonts_installed: bool,
    applied_dark: Option<bool>,
    /// Rows of code that fit on screen at the last frame (PageUp / PageDown step).
    page_rows: usize,
}

impl VitrineApp {
    pub fn new(state: AppState) -> VitrineApp {
        VitrineApp { state, picker: None, fonts_installed: false, applied_dark: None, page_rows: 30 }
    }

    /// Draws the whole window and applies the commands it emitted. eframe and the tests both call this.
    pub fn ui_root(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if !self.fonts_installed {
            ctx.set_fonts(fonts::definitions());
            // Ctrl+= and Ctrl+- change the code font, not the whole interface.
            ctx.options_mut(|o| o.zoom_with_keyboard = false);
            self.fonts_installed = true;
        }
        if self.applied_dark != Some(self.state.prefs.dark) {
            ctx.set_theme(if self.state.prefs.dark { egui::Theme::Dark } else { egui::Theme::Light });
            self.applied_dark = Some(self.state.prefs.dark);
        }
        self.state.poll();
        let mut commands = Vec::new();
        if let Some((pick, picked)) =
            self.picker.as_ref().and_then(|(p, rx)| rx.try_recv().ok().map(|r| (*p, r)))
        {
            if let Some(path) = picked {
                commands.push(match pick {
                    Pick::Folder | Pick::Archive => Command::OpenSnapshot(path),
                    Pick::Export { questions_only } => {
                        Command::Record(RecordAction::Export { path, questions_only })
                    }
                    Pick::Import => Command::Record(RecordAction::Import { path }),
                    Pick::Verify => Command::Record(RecordAction::Verify { path }),
                });
            }
            self.picker = None;
        }
        self.keyboard(&ctx, &mut commands);

        egui::Panel::top("menu").show(ui, |ui| self.menu_ui(ui, &mut commands));
        if let Some(snapshot) = &self.state.snapshot {
            let bidi = snapshot.health().counts.get("bidi-control").copied().unwrap_or(0);
            if bidi > 0 {
                egui::Panel::top("trojan-banner")
                    .frame(egui::Frame::new().fill(Color32::from_rgb(150, 24, 24)).inner_margin(6.0))
                    .show(ui, |ui| {
                        ui.horizontal(|ui| {
                            ui.label(
                                RichText::new(format!(
                                    "⚠ Trojan Source: this snapshot contains {bidi} bidirectional control characters. \
                                     They are drawn as red <U+…> markers in the code."
                                ))
                                .color(Color32::WHITE)
                                .strong(),
                            );
                            if !self.state.prefs.show_health && ui.button("Show findings").clicked() {
                                commands.push(Command::ToggleHealthPanel);
                            }
                        });
                    });
            }
        }
        egui::Panel::bottom("status").show(ui, |ui| self.status_ui(ui));
        match &self.state.load {
            Load::Ready => {
                if self.state.prefs.show_tree {
                    egui::Panel::left("files")
                        .resizable(true)
                        .default_size(300.0)
                        .min_size(160.0)
                        .show(ui, |ui| tree_ui::tree_ui(ui, &self.state, &mut commands));
                }
                if self.state.prefs.show_health {
                    egui::Panel::bottom("bottom").resizable(true).default_size(240.0).min_size(80.0).show(
                        ui,
                        |ui| {
                            ui.horizontal(|ui| {
                                // Every finding counts, including those summed up rather than listed one by one.
                                let findings: u64 = self
                                    .state
                                    .snapshot
                                    .as_ref()
                                    .map_or(0, |s| s.health().counts.values().sum());
                                for (tab, name) in [
                                    (BottomTab::Health, format!("Health ({findings})")),
                                    (BottomTab::Search, "Search (Ctrl+Shift+F)".to_owned()),
                                    (BottomTab::References, "References (Shift+F12)".to_owned()),
                                    (BottomTab::Callers, "Callers (Ctrl+Shift+H)".to_owned()),
                                    (BottomTab::Record, "Record".to_owned()),
                                ] {
                                    if ui.selectable_label(self.state.bottom == tab, name).clicked() {
                                        commands.push(Command::ShowBottom(tab));
                                    }
                                }
                            });
                            ui.separator();
                            match self.state.bottom {
                                BottomTab::Health => health_ui::health_ui(ui, &self.state, &mut commands),
                                BottomTab::Search => {
                                    search_ui::search_ui(ui, &self.state.search, &mut commands)
                                }
                                BottomTab::References => {
                                    symbols_ui::references_ui(ui, &self.state, false, &mut commands)
                                }
                                BottomTab::Callers => {
                                    symbols_ui::references_ui(ui, &self.state, true, &mut commands)
                                }
                                BottomTab::Record => review_ui::record_ui(ui, &self.state),
                            }
                        },
                    );
                }
                if self.state.active_tab().is_some() && self.state.prefs.show_side {
                    egui::Panel::right("outline").resizable(true).default_size(250.0).min_size(120.0).show(
                        ui,
                        |ui| {
                            ui.horizontal(|ui| {
                                let n = self.state.review.as_ref().map_or(0, |r| {
                                    let path = self.state.active_tab().map(|t| t.doc.path.display());
                                    r.threads(path.as_deref()).len()
                                });
                                for (tab, name) in [
                                    (RightTab::Outline, "Outline".to_owned()),
                                    (RightTab::Annotations, format!("Annotations ({n})")),
                                ] {
                                    if ui.selectable_label(self.state.right == tab, name).clicked() {
                                        commands.push(Command::ShowRight(tab));
                                    }
                                }
                            });
                            ui.separator();
                            match self.state.right {
                                RightTab::Outline => symbols_ui::outline_ui(ui, &self.state, &mut commands),
                                RightTab::Annotations => {
                                    review_ui::annotations_ui(ui, &self.state, &mut commands)
                                }
                            }
                        },
                    );
                }
                let page = egui::CentralPanel::default()
                    .show(ui, |ui| code_view::tabs_ui(ui, &mut self.state, &mut commands))
                    .inner;
                if page > 0 {
                    self.page_rows = page;
                }
            }
            Load::Loading { path, progress, .. } => {
                let view = progress.view();
                let path = path.display().to_string();
                egui::CentralPanel::default().show(ui, |ui| {
                    ui.vertical_centered(|ui| {
                        ui.add_space(ui.available_height() / 3.0);
                        ui.heading(format!("Opening {path}"));
                        ui.label(format!(
                            "{}: {} of {} files, {} MB",
                            view.phase,
                            view.done_items,
                            view.total_items,
                            view.done_bytes / 1_000_000
                        ));
                        ui.add(
                            egui::ProgressBar::new(view.fraction()).desired_width(420.0).show_percentage(),
                        );
                        if ui.button("Cancel").clicked() {
                            commands.push(Command::CancelLoading);
                        }
                    });
                });
                ctx.request_repaint_after(std::time::Duration::from_millis(100));
            }
            Load::Failed { path, error } => {
                let (path, error) = (path.display().to_string(), error.clone());
                egui::CentralPanel::default().show(ui, |ui| {
                    ui.vertical_centered(|ui| {
                        ui.add_space(ui.available_height() / 3.0);
                        ui.heading(format!("Could not open {path}"));
                        ui.label(RichText::new(error).color(ui.visuals().error_fg_color));
                        ui.label("Nothing was changed. Open another folder or archive from the menu.");
                    });
                });
            }
            Load::Idle => {
                egui::CentralPanel::default().show(ui, |ui| {
                    ui.vertical_centered(|ui| {
                        ui.add_space(ui.available_height() / 3.0);
                        ui.heading("Open a snapshot: a folder, or a .tar, .tar.gz, .tar.xz or .zip archive");
                    });
                });
            }
        }
        overlay_ui::overlay_ui(&ctx, &self.state, &mut commands);
        if let Some(review) = &self.state.review {
            review_ui::sign_in_ui(&ctx, review, &mut commands);
            review_ui::composer_ui(&ctx, review, &mut commands);
        }
        if let Some(error) = self.state.error.clone() {
            egui::Window::new("Error").collapsible(false).resizable(false).show(&ctx, |ui| {
                ui.label(error);
                if ui.button("Close").clicked() {
                    commands.push(Command::DismissError);
                }
            });
        }
        for c in commands {
            self.state.apply(c);
        }
        if self.state.busy() {
            ctx.request_repaint_after(std::time::Duration::from_millis(50));
        }
    }

    /// The keyboard map (F1 lists it). Keys that move the cursor act only when no text field has focus.
    fn keyboard(&self, ctx: &egui::Context, commands: &mut Vec<Command>) {
        use egui::{Key, Modifiers};
        let cmd = Modifiers::COMMAND;
        let cmd_shift = Modifiers::COMMAND | Modifiers::SHIFT;
        let pressed = |m: Modifiers, k: Key| ctx.input_mut(|i| i.consume_key(m, k));
        if let Some(o) = &self.state.overlay {
            if pressed(Modifiers::NONE, Key::Escape)
                || (o.kind == OverlayKind::Help && pressed(Modifiers::NONE, Key::F1))
            {
                commands.push(Command::ShowOverlay(None));
            } else if pressed(Modifiers::NONE, Key::ArrowDown) {
                commands.push(Command::OverlayMove(1));
            } else if pressed(Modifiers::NONE, Key::ArrowUp) {
                commands.push(Command::OverlayMove(-1));
            } else if pressed(Modifiers::NONE, Key::Enter) {
                commands.push(Command::OverlayAccept);
            }
            return;
        }
        let ready = matches!(self.state.load, Load::Ready);
        if pressed(Modifiers::NONE, Key::F1) {
            commands.push(Command::ShowOverlay(Some(OverlayKind::Help)));
        }
        if ready && pressed(cmd_shift, Key::F) {
            commands.push(Command::ShowBottom(BottomTab::Search));
            ctx.memory_mut(|m| m.request_focus(search_ui::query_id()));
        }
        if ready && pressed(Modifiers::COMMAND | Modifiers::ALT, Key::A) {
            commands.push(Command::Annotate);
        }
        if ready && pressed(cmd, Key::T) {
            commands.push(Command::ShowOverlay(Some(OverlayKind::Symbols)));
        }
        if ready && pressed(cmd_shift, Key::H) {
            commands.push(Command::ShowCallers { name: None, deeper: false });
        }
        if ready && pressed(Modifiers::SHIFT, Key::F12) {
            commands.push(Command::FindReferences);
        }
        if ready && pressed(Modifiers::NONE, Key::F12) {
            commands.push(Command::GoToDefinition);
        }
        if ready && pressed(cmd, Key::P) {
            commands.push(Command::ShowOverlay(Some(OverlayKind::QuickOpen)));
        }
        if pressed(cmd, Key::Equals) || pressed(cmd, Key::Plus) || pressed(cmd_shift, Key::Equals) {
            commands.push(Command::FontSize(1));
        }
        if pressed(cmd, Key::Minus) {
            commands.push(Command::FontSize(-1));
        }
        if pressed(cmd, Key::Num0) {
            commands.push(Command::FontSize(0));
        }
        if pressed(Modifiers::ALT, Key::ArrowLeft) {
            commands.push(Command::HistoryBack);
        }
        if pressed(Modifiers::ALT, Key::Z) {
            commands.push(Command::ToggleWrap);
        }
        if pressed(Modifiers::ALT, Key::T) {
            commands.push(Command::ToggleInlineThreads);
        }
        if pressed(Modifiers::ALT, Key::ArrowRight) {
            commands.push(Command::HistoryForward);
        }
        let Some(tab) = self.state.active_tab() else { return };
        // Ctrl+Alt+B before Ctrl+B, so the longer chord is never taken for the shorter one.
        if pressed(Modifiers::COMMAND | Modifiers::ALT, Key::B) {
            commands.push(Command::ToggleSidePanel);
        }
        if pressed(cmd, Key::B) {
            commands.push(Command::ToggleTreePanel);
        }
        if pressed(cmd, Key::W) {
            if let Some(a) = self.state.active {
                commands.push(Command::CloseTab(a));
            }
            return;
        }
        if pressed(cmd, Key::G) {
            commands.push(Command::ShowOverlay(Some(OverlayKind::GoToLine)));
        }
        if pressed(cmd, Key::F) {
            let q = tab.find.as_ref().map(|f| f.query.clone()).unwrap_or_default();
            commands.push(Command::Find(Some(q)));
            ctx.memory_mut(|m| m.request_focus(egui::Id::unique("find-in-file")));
        }
        if tab.find.is_some() {
            if pressed(Modifiers::NONE, Key::F3) {
                commands.push(Command::FindStep(true));
            }
            if pressed(Modifiers::SHIFT, Key::F3) {
                commands.push(Command::FindStep(false));
            }
            if pressed(Modifiers::NONE, Key::Escape) {
                commands.push(Command::Find(None));
            }
        }
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        let page = self.page_rows.max(2) as isize - 1;
        // Shift+key first: egui's key matching ignores an unrequested Shift, so the plain key would
        // also take Shift+key.
        for extend in [true, false] {
            let m = if extend { Modifiers::SHIFT } else { Modifiers::NONE };
            let moves =
                [(Key::ArrowDown, 1), (Key::ArrowUp, -1), (Key::PageDown, page), (Key::PageUp, -page)];
            for (key, delta) in moves {
                if pressed(m, key) {
                    commands.push(Command::MoveCursor { delta, extend });
                }
            }
            let m = if extend { cmd_shift } else { cmd };
            if pressed(m, Key::Home) {
                commands.push(Command::CursorTo { line: 0, extend });
            }
            if pressed(m, Key::End) {
                commands.push(Command::CursorTo { line: usize::MAX, extend });
            }
        }
    }

    fn menu_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let mut want_pick = None;
        ui.horizontal(|ui| {
            ui.label(RichText::new("Vitrine").strong());
            ui.separator();
            if ui.button("Open folder…").on_hover_text("Open a snapshot directory").clicked() {
                want_pick = Some(Pick::Folder);
            }
            if ui
                .button("Open archive…")
                .on_hover_text("Open a .tar, .tar.gz, .tar.xz or .zip snapshot")
                .clicked()
            {
                want_pick = Some(Pick::Archive);
            }
            ui.separator();
            if ui.button("Go to file…").on_hover_text("Open a file by name (Ctrl+P)").clicked() {
                commands.push(Command::ShowOverlay(Some(OverlayKind::QuickOpen)));
            }
            // View toggles: highlighted when on.
            let prefs = &self.state.prefs;
            let toggles = [
                (prefs.show_tree, "Tree", "The file tree (Ctrl+B)", Command::ToggleTreePanel),
                (
                    prefs.show_side,
                    "Side panel",
                    "The outline and annotations panel (Ctrl+Alt+B)",
                    Command::ToggleSidePanel,
                ),
                (
                    prefs.show_health,
                    "Health",
                    "The snapshot health report and the other tabs below",
                    Command::ToggleHealthPanel,
                ),
                (prefs.wrap, "Wrap", "Wrap long lines at the width of the view (Alt+Z)", Command::ToggleWrap),
                (
                    prefs.inline_threads,
                    "Threads",
                    "Annotation threads under their lines in the code (Alt+T)",
                    Command::ToggleInlineThreads,
                ),
            ];
            for (on, text, hover, command) in toggles {
                if ui.add(egui::Button::new(text).selected(on)).on_hover_text(hover).clicked() {
                    commands.push(command);
                }
            }
            let theme = if self.state.prefs.dark { "Light theme" } else { "Dark theme" };
            if ui.button(theme).on_hover_text("Switch between the light and the dark theme").clicked() {
                commands.push(Command::SetDarkTheme(!self.state.prefs.dark));
            }
            if ui.button("Help").on_hover_text("Keyboard shortcuts (F1)").clicked() {
                commands.push(Command::ShowOverlay(Some(OverlayKind::Help)));
            }
            if let Some(s) = &self.state.snapshot {
                ui.separator();
                ui.label(RichText::new(s.name()).strong());
            }
            if let Some(review) = &self.state.review {
                ui.separator();
                if ui.button("Annotate…").on_hover_text("Annotate the selected lines (Ctrl+Alt+A)").clicked()
                {
                    commands.push(Command::Annotate);
                }
                ui.menu_button("Record", |ui| {
                    let items = [
                        (
                            "Export…",
                            "A signed .vitrine bundle that stock tools verify",
                            Pick::Export { questions_only: false },
                        ),
                        (
                            "Export questions only…",
                            "Hashes only, no source: for the vendor to carry out",
                            Pick::Export { questions_only: true },
                        ),
                        ("Import answers…", "Verify, then merge another party's entries", Pick::Import),
                        ("Verify a record…", "Check a record against this snapshot", Pick::Verify),
                    ];
                    for (name, hover, pick) in items {
                        if ui.button(name).on_hover_text(hover).clicked() {
                            want_pick = Some(pick);
                        }
                    }
                });
                review_ui::identity_ui(ui, review, commands);
            }
        });
        if let Some(pick) = want_pick {
            self.pick(pick);
        }
    }

    /// Opens a file dialog on its own thread (a blocking dialog inside `ui` would freeze the window).
    fn pick(&mut self, pick: Pick) {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let spawned = std::thread::Builder::new().name("file-dialog".into()).spawn(move || {
            let dialog = rfd::FileDialog::new();
            let picked = match pick {
                Pick::Folder => dialog.set_title("Open a snapshot folder").pick_folder(),
                Pick::Archive => dialog
                    .set_title("Open a snapshot archive")
                    .add_filter("Snapshot archives", &["tar", "gz", "tgz", "xz", "txz", "zip"])
                    .pick_file(),
                Pick::Export { .. } => dialog
                    .set_title("Export the review record")
                    .add_filter("Vitrine record", &["vitrine"])
                    .set_file_name("review.vitrine")
                    .save_file(),
                Pick::Import | Pick::Verify => dialog
                    .set_title("Choose a review record")
                    .add_filter("Vitrine record", &["vitrine"])
                    .pick_file(),
            };
            let _ = tx.send(picked);
        });
        if spawned.is_ok() {
            self.picker = Some((pick, rx));
        }
    }

    fn status_ui(&self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let Some(s) = &self.state.snapshot else {
                ui.label("No snapshot");
                return;
            };
            let ids = s.ids();
            ui.label("tree sha256")
                .on_hover_text("git tree id, SHA-256 object format: the snapshot's identity");
            ui.label(RichText::new(&ids.tree_sha256).monospace())
                .on_hover_text(format!("sha1 tree {}\n{}", ids.tree_sha1, ids.swhid));
            ui.separator();
            ui.label(format!("{} files", ids.files));
            if let Some(g) = s.git() {
                ui.separator();
                match (g.matches_head, &g.commit) {
                    (Some(true), Some(c)) => ui.label(
                        RichText::new(format!("= HEAD {}", short(c))).color(Color32::from_rgb(60, 170, 90)),
                    ),
                    (Some(false), Some(c)) => ui.label(
                        RichText::new(format!("≠ HEAD {}", short(c))).color(ui.visuals().warn_fg_color),
                    ),
                    _ => ui.label(g.problem.clone().unwrap_or_default()),
                };
            }
            ui.separator();
            ui.label(self.index_status()).on_hover_text("search index · symbol index");
            if let Some(r) = &self.state.review {
                ui.separator();
                let entries = r.entries.len();
                if r.problems.is_empty() {
                    ui.label(
                        RichText::new(format!("log: {entries} entries verified"))
                            .color(Color32::from_rgb(60, 170, 90)),
                    )
                    .on_hover_text(
                        "Every entry's signature, chain position and sequence was checked on load",
                    );
                } else {
                    ui.label(
                        RichText::new(format!("log: {entries} verified, {} problems", r.problems.len()))
                            .color(Color32::from_rgb(230, 70, 60)),
                    );
                }
                ui.separator();
                match &r.identity {
                    Some(who) => ui.label(format!("signing as {} ({})", who.principal, who.role)),
                    None => ui.label(RichText::new("not signed in").weak()),
                };
            }
            if let Some(tab) = self.state.active_tab() {
                ui.separator();
                let enc = tab.doc.entry.encoding.map(|e| e.name()).unwrap_or(tab.doc.entry.class.as_str());
                ui.label(format!("Ln {}, Col {}  {}", tab.cursor_line + 1, tab.cursor_col + 1, enc));
            }
        });
    }

    /// "index ready · symbols 40%": the state of the background indexes.
    fn index_status(&self) -> String {
        use crate::search_state::IndexState;
        use crate::symbols_state::SymIndexState;
        let text = match &self.state.search.index {
            IndexState::None => "index —".to_owned(),
            IndexState::Building { progress, .. } => {
                format!("indexing {:.0}%", progress.view().fraction() * 100.0)
            }
            IndexState::Ready(_) => "index ready".to_owned(),
            IndexState::Failed(_) => "index failed".to_owned(),
        };
        let symbols = match &self.state.symbols.index {
            SymIndexState::None => "symbols —".to_owned(),
            SymIndexState::Building { progress, .. } => {
                format!("symbols {:.0}%", progress.view().fraction() * 100.0)
            }
            SymIndexState::Ready(_) => "symbols ready".to_owned(),
            SymIndexState::Failed(_) => "symbols failed".to_owned(),
        };
        format!("{text} · {symbols}")
    }
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

impl eframe::App for VitrineApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.ui_root(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, crate::PREFS_KEY, &self.state.prefs);
    }
}
