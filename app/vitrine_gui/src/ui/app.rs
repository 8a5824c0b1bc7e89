//! The window's frame: menu bar, banner, file tree, tabs and code view, health panel, status bar.

use egui::{Color32, RichText};
use vitrine_snapshot::progress::ProgressView;

use crate::state::compare::{CompareCmd, Middle};
use crate::state::records::RecordAction;
use crate::state::{
    AppState, BottomTab, Load, LoadCmd, OverlayCmd, OverlayKind, Panel, ReviewCmd, RightTab, ViewCmd,
};
use crate::ui::Commands;
use crate::ui::dialog::{Backend, Dialogs, Outcome, Pick};
use crate::ui::keymap::{self, Action};
use crate::ui::{
    code_view, diff_view, fonts, health as health_ui, overlay as overlay_ui, review as review_ui,
    search as search_ui, symbols as symbols_ui, threads as threads_ui, tree as tree_ui,
};

/// The eframe application: draws [`AppState`] each frame and applies the commands the frame emitted.
pub struct VitrineApp {
    /// Everything the window shows; changed only through [`AppState::apply`].
    pub state: AppState,
    /// File dialogs: the desktop's, or the in-window one.
    dialogs: Dialogs,
    fonts_installed: bool,
    applied_dark: Option<bool>,
    /// Rows of code that fit on screen at the last frame (PageUp / PageDown step).
    page_rows: usize,
    /// The passphrase being typed in the sign-in form: kept here, in the view, and moved (not copied)
    /// into the sign-in command; wiped when dropped.
    passphrase: zeroize::Zeroizing<String>,
    /// The loading screen's phase and the furthest fraction shown in it, and the phases seen so far.
    load_shown: Option<(String, f32)>,
    load_steps: usize,
    /// The import dialog's "I checked the second keys" box.
    second_keys: bool,
    /// Each resizable panel's size at the last frame (tree, bottom, side), to tell a drag from a
    /// window that was resized.
    panel_seen: [u32; 3],
}

impl VitrineApp {
    /// A window over `state`, with the desktop's file dialogs where there are any.
    pub fn new(state: AppState) -> VitrineApp {
        VitrineApp {
            state,
            dialogs: Dialogs::default(),
            fonts_installed: false,
            applied_dark: None,
            page_rows: 30,
            passphrase: review_ui::passphrase_buffer(),
            load_shown: None,
            load_steps: 0,
            second_keys: false,
            panel_seen: [0; 3],
        }
    }

    /// Always use the in-window file dialog (as on a machine with no desktop dialog).
    pub fn with_in_window_dialogs(mut self) -> VitrineApp {
        self.dialogs.backend = Backend::InWindow;
        self
    }

    /// Opens the file dialog for `pick` (the menu's items; tests call it directly).
    pub fn open_dialog(&mut self, pick: Pick) {
        let start = match pick {
            Pick::Folder | Pick::Archive | Pick::Compare { .. } => None,
            _ => self.state.data.root().parent().map(std::path::Path::to_path_buf),
        };
        self.dialogs.open(pick, start.as_deref());
    }

    /// Draws the whole window and applies the commands it emitted. eframe and the tests both call this.
    pub fn ui_root(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.install_style(&ctx);
        self.state.apply(LoadCmd::Poll);
        if !matches!(self.state.load, Load::Loading { .. }) {
            (self.load_shown, self.load_steps) = (None, 0);
        }
        let mut commands = Commands::default();
        self.dialogs_and_keys(&ctx, &mut commands);

        egui::Panel::top("menu").show(ui, |ui| self.menu_ui(ui, &mut commands));
        self.trojan_banner(ui, &mut commands);
        egui::Panel::bottom("status").show(ui, |ui| self.status_ui(ui));
        match &self.state.load {
            Load::Ready => self.snapshot_ui(ui, &mut commands),
            Load::Loading { path, progress, .. } => {
                let view = progress.view();
                let path = path.display().to_string();
                self.loading_ui(ui, &path, view, &mut commands);
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
        self.windows_ui(&ctx, &mut commands);
        for c in commands.into_vec() {
            self.state.apply(c);
        }
        if self.state.busy() {
            // Background work shows its progress at a bounded rate (~10 Hz), not every frame it can.
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    /// Installs the fonts once and follows the light/dark preference.
    fn install_style(&mut self, ctx: &egui::Context) {
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
    }

    /// Takes a path chosen in a file dialog; while the in-window dialog is open it has the keyboard,
    /// otherwise the key bindings do.
    fn dialogs_and_keys(&mut self, ctx: &egui::Context, commands: &mut Commands) {
        if let Some((pick, path)) = self.dialogs.poll() {
            self.picked(pick, path, commands);
        }
        if let Some(dialog) = &mut self.dialogs.in_window {
            match dialog.ui(ctx) {
                Outcome::Open => {}
                Outcome::Cancelled => self.dialogs.in_window = None,
                Outcome::Chosen(path) => {
                    let pick = dialog.pick;
                    self.dialogs.in_window = None;
                    self.picked(pick, path, commands);
                }
            }
        } else {
            self.keyboard(ctx, commands);
        }
    }

    /// The red Trojan Source banner, shown when the snapshot holds bidirectional control characters.
    fn trojan_banner(&self, ui: &mut egui::Ui, commands: &mut Commands) {
        let Some(snapshot) = &self.state.snapshot else { return };
        let bidi = snapshot.health().counts.get("bidi-control").copied().unwrap_or(0);
        if bidi == 0 {
            return;
        }
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
                        commands.push(ViewCmd::ToggleHealthPanel);
                    }
                });
            });
    }

    /// An open snapshot: the file tree, the bottom and side panels, and the code, diff or summary in
    /// the middle.
    fn snapshot_ui(&mut self, ui: &mut egui::Ui, commands: &mut Commands) {
        let sizes = self.state.prefs.panels;
        if self.state.prefs.show_tree {
            let open_at = sizes.size(Panel::Tree, ui.available_width());
            let shown = egui::Panel::left("files")
                .resizable(true)
                .default_size(open_at)
                .min_size(160.0)
                .show(ui, |ui| tree_ui::tree_ui(ui, &self.state, commands));
            remember_drag(ui, Panel::Tree, shown.response.rect.width(), &mut self.panel_seen, commands);
        }
        if self.state.prefs.show_health {
            let open_at = sizes.size(Panel::Bottom, ui.available_height());
            let shown = egui::Panel::bottom("bottom")
                .resizable(true)
                .default_size(open_at)
                .min_size(80.0)
                .show(ui, |ui| self.bottom_panel_ui(ui, commands));
            remember_drag(ui, Panel::Bottom, shown.response.rect.height(), &mut self.panel_seen, commands);
        }
        if self.state.active_tab().is_some() && self.state.prefs.show_side {
            let open_at = sizes.size(Panel::Side, ui.available_width());
            let shown = egui::Panel::right("outline")
                .resizable(true)
                .default_size(open_at)
                .min_size(120.0)
                .show(ui, |ui| self.side_panel_ui(ui, commands));
            remember_drag(ui, Panel::Side, shown.response.rect.width(), &mut self.panel_seen, commands);
        }
        let page = egui::CentralPanel::default()
            .show(ui, |ui| match &self.state.compare {
                Some(c) if c.middle == Middle::Diff => diff_view::diff_ui(ui, &self.state, c, commands),
                Some(c) if c.middle == Middle::Summary => {
                    diff_view::summary_ui(ui, c, commands);
                    0
                }
                _ => code_view::tabs_ui(ui, &self.state, commands),
            })
            .inner;
        if page > 0 {
            self.page_rows = page;
        }
    }

    /// The bottom panel: its tab strip, then the chosen tab.
    fn bottom_panel_ui(&self, ui: &mut egui::Ui, commands: &mut Commands) {
        ui.horizontal(|ui| {
            // Every finding counts, including those summed up rather than listed one by one.
            let findings: u64 = self.state.snapshot.as_ref().map_or(0, |s| s.health().counts.values().sum());
            let threads = self.state.threads.total();
            for (tab, name) in [
                (BottomTab::Health, format!("Health ({findings})")),
                (BottomTab::Search, keymap::tooltip("Search", Action::SearchSnapshot)),
                (BottomTab::References, keymap::tooltip("References", Action::References)),
                (BottomTab::Callers, keymap::tooltip("Callers", Action::Callers)),
                (BottomTab::Threads, keymap::tooltip(&format!("Threads {threads}"), Action::Threads)),
                (BottomTab::Record, "Record".to_owned()),
            ] {
                if ui.selectable_label(self.state.bottom == tab, name).clicked() {
                    commands.push(ViewCmd::ShowBottom(tab));
                }
            }
        });
        ui.separator();
        match self.state.bottom {
            BottomTab::Health => health_ui::health_ui(ui, &self.state, commands),
            BottomTab::Search => search_ui::search_ui(ui, &self.state.search, commands),
            BottomTab::References => symbols_ui::references_ui(ui, &self.state, false, commands),
            BottomTab::Callers => symbols_ui::references_ui(ui, &self.state, true, commands),
            BottomTab::Threads => threads_ui::threads_ui(ui, &self.state, commands),
            BottomTab::Record => review_ui::record_ui(ui, &self.state),
        }
    }

    /// The side panel: the outline or the open file's annotations.
    fn side_panel_ui(&self, ui: &mut egui::Ui, commands: &mut Commands) {
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
                    commands.push(ViewCmd::ShowRight(tab));
                }
            }
        });
        ui.separator();
        match self.state.right {
            RightTab::Outline => symbols_ui::outline_ui(ui, &self.state, commands),
            RightTab::Annotations => review_ui::annotations_ui(ui, &self.state, commands),
        }
    }

    /// The loading screen for `path`: the phase, its counts and a bar that never goes back within a
    /// phase, and Cancel.
    fn loading_ui(&mut self, ui: &mut egui::Ui, path: &str, view: ProgressView, commands: &mut Commands) {
        // Each phase counts from zero: the bar names the phase and never goes back within it.
        let fraction = match &self.load_shown {
            Some((phase, shown)) if *phase == view.phase => view.fraction().max(*shown),
            _ => view.fraction(),
        };
        let steps =
            self.load_steps + usize::from(self.load_shown.as_ref().is_none_or(|(p, _)| *p != view.phase));
        egui::CentralPanel::default().show(ui, |ui| {
            ui.vertical_centered(|ui| {
                ui.add_space(ui.available_height() / 3.0);
                ui.heading(format!("Opening {path}"));
                let items = if view.total_items > 0 {
                    format!("{} of {} files", view.done_items, view.total_items)
                } else {
                    format!("{} files", view.done_items)
                };
                ui.label(format!(
                    "step {steps}, {}: {items}, {} MB",
                    view.phase,
                    view.done_bytes / 1_000_000
                ));
                ui.add(egui::ProgressBar::new(fraction).desired_width(420.0).text(format!(
                    "{} {:.0}%",
                    view.phase,
                    fraction * 100.0
                )));
                if ui.button("Cancel").clicked() {
                    commands.push(LoadCmd::Cancel);
                }
            });
        });
        self.load_steps = steps;
        self.load_shown = Some((view.phase, fraction));
    }

    /// The floating windows: overlays, the review's sign-in, composer, warnings and import, and errors.
    fn windows_ui(&mut self, ctx: &egui::Context, commands: &mut Commands) {
        overlay_ui::overlay_ui(ctx, &self.state, commands);
        if let Some(review) = &self.state.review {
            let browse = review_ui::sign_in_ui(ctx, review, &mut self.passphrase, commands);
            review_ui::composer_ui(ctx, review, commands);
            review_ui::mark_warning_ui(ctx, &self.state, commands);
            review_ui::import_ui(ctx, review, &mut self.second_keys, commands);
            if browse {
                self.open_dialog(Pick::Key);
            }
        }
        if let Some(error) = self.state.error.clone() {
            egui::Window::new("Error").collapsible(false).resizable(false).show(ctx, |ui| {
                ui.label(error);
                if ui.button("Close").clicked() {
                    commands.push(ViewCmd::DismissError);
                }
            });
        }
    }

    /// The keys of [`keymap::BINDINGS`] pressed this frame, as commands.
    fn keyboard(&mut self, ctx: &egui::Context, commands: &mut Commands) {
        let cx = keymap::Context { page_rows: self.page_rows };
        for action in keymap::pressed(ctx, &self.state) {
            match action {
                Action::SearchSnapshot => ctx.memory_mut(|m| m.request_focus(search_ui::query_id())),
                Action::FindInFile => ctx.memory_mut(|m| m.request_focus(code_view::find_id())),
                Action::CompareWith => self.open_dialog(Pick::Compare { archive: false }),
                _ => {}
            }
            if let Some(c) = keymap::command(action, &self.state, cx) {
                commands.push(c);
            }
        }
    }

    /// A dialog's answer, as the command it was opened for.
    fn picked(&mut self, pick: Pick, path: std::path::PathBuf, commands: &mut Commands) {
        match pick {
            Pick::Folder | Pick::Archive => commands.push(LoadCmd::Open(path)),
            Pick::Compare { .. } => commands.push(CompareCmd::Open(path)),
            Pick::Export { questions_only } => {
                commands.push(ReviewCmd::Record(RecordAction::Export { path, questions_only }))
            }
            Pick::Import => commands.push(ReviewCmd::Record(RecordAction::Import { path })),
            Pick::Verify => commands.push(ReviewCmd::Record(RecordAction::Verify { path })),
            Pick::Key => {
                if let Some(mut form) = self.state.review.as_ref().and_then(|r| r.sign_in.clone()) {
                    form.key_path = path.display().to_string();
                    commands.push(ReviewCmd::EditSignIn(form));
                }
            }
        }
    }

    fn menu_ui(&mut self, ui: &mut egui::Ui, commands: &mut Commands) {
        let mut want_pick = None;
        // Wrapped: on a narrow window (or with a long identity) the last items go to a second row
        // instead of off the edge.
        ui.horizontal_wrapped(|ui| {
            self.open_menu_ui(ui, &mut want_pick);
            ui.separator();
            self.view_menu_ui(ui, commands);
            if let Some(s) = &self.state.snapshot {
                ui.separator();
                ui.label(RichText::new(s.name()).strong());
            }
            if let Some(review) = &self.state.review {
                ui.separator();
                self.review_menu_ui(ui, review, &mut want_pick, commands);
            }
        });
        if let Some(pick) = want_pick {
            self.open_dialog(pick);
        }
    }

    /// The menu bar's start: the name, Open folder / Open archive, and Compare once a snapshot is open.
    fn open_menu_ui(&self, ui: &mut egui::Ui, want_pick: &mut Option<Pick>) {
        ui.label(RichText::new("Vitrine").strong());
        ui.separator();
        if ui.button("Open folder…").on_hover_text("Open a snapshot directory").clicked() {
            *want_pick = Some(Pick::Folder);
        }
        if ui
            .button("Open archive…")
            .on_hover_text("Open a .tar, .tar.gz, .tar.xz or .zip snapshot")
            .clicked()
        {
            *want_pick = Some(Pick::Archive);
        }
        if self.state.snapshot.is_some() {
            // Short: the menu row is full (its hover and items say what it compares with).
            let menu = ui.menu_button("Compare…", |ui| {
                let hover = keymap::tooltip("The version before, as a folder", Action::CompareWith);
                if ui.button("Folder…").on_hover_text(hover).clicked() {
                    *want_pick = Some(Pick::Compare { archive: false });
                }
                if ui.button("Archive…").on_hover_text("The version before, as an archive").clicked() {
                    *want_pick = Some(Pick::Compare { archive: true });
                }
            });
            menu.response.on_hover_text("Compare with the version before (this snapshot is the new one)");
        }
    }

    /// Go to file, the view toggles (highlighted when on), the theme switch and Help.
    fn view_menu_ui(&self, ui: &mut egui::Ui, commands: &mut Commands) {
        if ui
            .button("Go to file…")
            .on_hover_text(keymap::tooltip("Open a file by name", Action::QuickOpen))
            .clicked()
        {
            commands.push(OverlayCmd::Show(Some(OverlayKind::QuickOpen)));
        }
        // View toggles: highlighted when on.
        let prefs = &self.state.prefs;
        let toggles = [
            (
                prefs.show_tree,
                "Tree",
                keymap::tooltip("The file tree", Action::ToggleTree),
                ViewCmd::ToggleTreePanel,
            ),
            (
                prefs.show_side,
                "Side panel",
                keymap::tooltip("The outline and annotations panel", Action::ToggleSide),
                ViewCmd::ToggleSidePanel,
            ),
            (
                prefs.show_health,
                "Bottom panel",
                keymap::tooltip(
                    "The health, search, references, callers, threads and record tabs",
                    Action::ToggleBottom,
                ),
                ViewCmd::ToggleHealthPanel,
            ),
            (
                prefs.wrap,
                "Wrap",
                keymap::tooltip("Wrap long lines at the width of the view", Action::ToggleWrap),
                ViewCmd::ToggleWrap,
            ),
            (
                prefs.inline_threads,
                "Threads",
                keymap::tooltip(
                    "Annotation threads under their lines in the code",
                    Action::ToggleInlineThreads,
                ),
                ViewCmd::ToggleInlineThreads,
            ),
        ];
        for (on, text, hover, command) in toggles {
            if ui.add(egui::Button::new(text).selected(on)).on_hover_text(hover).clicked() {
                commands.push(command);
            }
        }
        let theme = if self.state.prefs.dark { "Light theme" } else { "Dark theme" };
        if ui.button(theme).on_hover_text("Switch between the light and the dark theme").clicked() {
            commands.push(ViewCmd::SetDarkTheme(!self.state.prefs.dark));
        }
        if ui.button("Help").on_hover_text(keymap::tooltip("Keyboard shortcuts", Action::Help)).clicked() {
            commands.push(OverlayCmd::Show(Some(OverlayKind::Help)));
        }
    }

    /// With a review open: Annotate, the Record menu (export, import, verify) and the identity.
    fn review_menu_ui(
        &self,
        ui: &mut egui::Ui,
        review: &crate::state::review::ReviewState,
        want_pick: &mut Option<Pick>,
        commands: &mut Commands,
    ) {
        if ui
            .button("Annotate…")
            .on_hover_text(keymap::tooltip("Annotate the selected lines", Action::Annotate))
            .clicked()
        {
            match &self.state.compare {
                Some(c) if c.middle == Middle::Diff => commands.push(CompareCmd::Annotate),
                _ => commands.push(ReviewCmd::Annotate),
            }
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
                    *want_pick = Some(pick);
                }
            }
        });
        review_ui::identity_ui(ui, review, commands);
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
            ui.label(RichText::new(ids.tree_sha256.to_string()).monospace())
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
        use crate::state::search::IndexState;
        use crate::state::symbols::SymIndexState;
        let text = match &self.state.search.index {
            IndexState::None => "index —".to_owned(),
            IndexState::Building { .. } => format!("search index: {}", self.state.search.meter.label()),
            IndexState::Ready(_) => "index ready".to_owned(),
            IndexState::Failed(_) => "index failed".to_owned(),
        };
        let symbols = match &self.state.symbols.index {
            SymIndexState::None => "symbols —".to_owned(),
            SymIndexState::Building { .. } => format!("symbols: {}", self.state.symbols.meter.label()),
            SymIndexState::Ready(_) => "symbols ready".to_owned(),
            SymIndexState::Failed(_) => "symbols failed".to_owned(),
        };
        format!("{text} · {symbols}")
    }
}

/// Keeps a panel's size in the window's settings once the reader has dragged it: when it changed
/// since the last frame while the pointer was pressed (or just released). A window resized under it
/// is not a choice to keep.
fn remember_drag(ui: &egui::Ui, panel: Panel, now: f32, seen: &mut [u32; 3], commands: &mut Commands) {
    let slot = match panel {
        Panel::Tree => 0,
        Panel::Bottom => 1,
        Panel::Side => 2,
    };
    let points = now.round().max(0.0) as u32;
    let before = std::mem::replace(&mut seen[slot], points);
    let pressed = ui.input(|i| i.pointer.primary_down() || i.pointer.primary_released());
    if pressed && before != 0 && before != points {
        commands.push(ViewCmd::PanelSize(panel, points));
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
        // The tabs and cursors go with the snapshot's data, not with the window's settings. Failing to
        // save them loses a convenience, not review data: nothing to interrupt the reader with.
        let _ = self.state.save_view();
    }
}
