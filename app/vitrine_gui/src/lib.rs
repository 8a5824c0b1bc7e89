//! The Vitrine workstation window (eframe/egui). The only crate that names egui.
//!
//! Architecture: [`state::AppState`] holds everything and changes only through
//! [`state::AppState::apply`]; the `*_ui` functions draw from the state and emit
//! [`state::Command`]s. Long work (ingest, highlighting of large files) runs on background threads
//! and reports through channels.

mod app;
mod code_view;
mod coverage;
pub mod document;
mod find;
mod fonts;
mod fuzzy;
mod health_ui;
mod markdown;
mod overlay_ui;
pub mod records;
pub mod review_state;
mod review_ui;
pub mod search_state;
mod search_ui;
pub mod state;
#[cfg(test)]
mod state_tests;
pub mod symbols_state;
mod symbols_ui;
pub mod tree;
mod tree_ui;

use std::path::PathBuf;

pub use crate::app::VitrineApp;
pub use crate::state::{AppState, BottomTab, Command, Load, Prefs, RightTab};

/// What the window opens.
#[derive(Debug, Clone)]
pub struct Launch {
    pub snapshot: PathBuf,
    pub data_dir: PathBuf,
    /// A file (path relative to the snapshot root) to open once the snapshot is ready, and a 1-based line.
    pub file: Option<(Vec<u8>, Option<usize>)>,
    /// Force the dark (true) or light (false) theme instead of the saved preference.
    pub dark: Option<bool>,
    /// A query to run in the search panel once the snapshot is open.
    pub search: Option<String>,
    /// A review record to verify against the snapshot once it is open.
    pub verify: Option<PathBuf>,
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
            state.apply(Command::OpenSnapshot(launch.snapshot.clone()));
            if let Some(q) = launch.search.clone() {
                state.after_load(Command::ShowBottom(BottomTab::Search));
                state.after_load(Command::SetSearchQuery(q));
            }
            if let Some(path) = launch.verify.clone() {
                state.after_load(Command::Record(records::RecordAction::Verify { path }));
            }
            if let Some((path, line)) = launch.file.clone() {
                state.after_load(Command::OpenFile { path, line: line.map(|l| l.saturating_sub(1)) });
            }
            Ok(Box::new(VitrineApp::new(state)))
        }),
    )
    .map_err(|e| anyhow::anyhow!("the window could not start: {e}"))
}

/// Storage key of the persisted [`Prefs`].
pub const PREFS_KEY: &str = "vitrine-prefs";
