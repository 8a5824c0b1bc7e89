//! The Vitrine workstation window (eframe/egui). The only crate that names egui.

use std::path::PathBuf;

/// What the window opens.
#[derive(Debug, Clone)]
pub struct Launch {
    pub snapshot: PathBuf,
    pub data_dir: PathBuf,
}

/// Runs the window until it is closed.
pub fn run(launch: Launch) -> anyhow::Result<()> {
    anyhow::bail!("the window is not built yet (snapshot {})", launch.snapshot.display())
}
