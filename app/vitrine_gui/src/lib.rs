//! The Vitrine workstation window (eframe/egui). The only crate that names egui.
//!
//! Architecture: [`state::AppState`] holds everything and changes only through
//! [`state::AppState::apply`]. Everything under `state/` is plain Rust that never names egui (a tidy
//! test holds it to that), so every behaviour is testable without a screen; everything under `ui/`
//! draws from a `&AppState` and emits [`state::Command`]s. Long work (ingest, indexes, highlighting,
//! records) runs on background threads and reports through channels, collected by `LoadCmd::Poll`.

#![warn(missing_docs)]

pub mod state;
pub mod ui;

use std::path::PathBuf;

pub use crate::state::compare::CompareCmd;
pub use crate::state::{
    AppState, BottomTab, Command, Load, LoadCmd, NavCmd, OverlayCmd, Panel, PanelSizes, Prefs, ReviewCmd,
    RightTab, SearchCmd, SymbolsCmd, ThreadsCmd, ViewCmd,
};
pub use crate::state::{compare, document, records};
pub use crate::ui::app::VitrineApp;
pub use crate::ui::dialog::Pick;

/// What the window opens.
#[derive(Debug, Clone)]
pub struct Launch {
    /// The snapshot directory or archive to open.
    pub snapshot: PathBuf,
    /// Where indexes, caches and reviews are kept.
    pub data_dir: PathBuf,
    /// A file (path relative to the snapshot root) to open once the snapshot is ready, and a 1-based line.
    pub file: Option<(Vec<u8>, Option<usize>)>,
    /// Force the dark (true) or light (false) theme instead of the saved preference.
    pub dark: Option<bool>,
    /// A query to run in the search panel once the snapshot is open.
    pub search: Option<String>,
    /// A review record to verify against the snapshot once it is open.
    pub verify: Option<PathBuf>,
    /// The version before, to compare the snapshot with once it is open (`file` then opens its diff).
    pub compare: Option<PathBuf>,
}

/// Runs the window until it is closed. Uses the glow (OpenGL) renderer, which also runs on software GL.
pub fn run(launch: Launch) -> anyhow::Result<()> {
    let options = eframe::NativeOptions {
        renderer: eframe::Renderer::Glow,
        viewport: egui::ViewportBuilder::default()
            .with_title("Vitrine")
            .with_app_id("vitrine")
            .with_inner_size([1500.0, 940.0])
            .with_min_inner_size([640.0, 400.0]),
        ..Default::default()
    };
    eframe::run_native(
        "Vitrine",
        options,
        Box::new(move |cc| {
            // A snapshot can contain any character: one that no font has is drawn as a box, never a panic.
            cc.egui_ctx.set_missing_glyph_policy(egui::MissingGlyphPolicy::Tofu);
            let mut prefs: Prefs =
                cc.storage.and_then(|s| eframe::get_value(s, PREFS_KEY)).unwrap_or_default();
            if let Some(dark) = launch.dark {
                prefs.dark = dark;
            }
            let mut state = AppState::new(vitrine_snapshot::store::DataDir::at(&launch.data_dir), prefs);
            state.apply(LoadCmd::Open(launch.snapshot.clone()));
            if let Some(q) = launch.search.clone() {
                state.after_load(ViewCmd::ShowBottom(BottomTab::Search));
                state.after_load(SearchCmd::SetQuery(q));
            }
            if let Some(path) = launch.verify.clone() {
                state.after_load(ReviewCmd::Record(records::RecordAction::Verify { path }));
            }
            if let Some((path, line)) = launch.file.clone() {
                state.after_load(NavCmd::OpenFile { path, line: line.map(|l| l.saturating_sub(1)) });
            }
            if let Some(old) = launch.compare.clone() {
                state.after_load(CompareCmd::Open(old));
                if let Some((path, line)) = launch.file.clone() {
                    let line = line.map(|l| (vitrine_compare::Side::New, l.saturating_sub(1) as u32));
                    let path = vitrine_snapshot::path_display(&path);
                    state.after_load(CompareCmd::OpenAt { path, line });
                }
            }
            Ok(Box::new(VitrineApp::new(state)))
        }),
    )
    .map_err(|e| anyhow::anyhow!("the window could not start: {e}"))
}

/// Storage key of the persisted [`Prefs`].
pub(crate) const PREFS_KEY: &str = "vitrine-prefs";
