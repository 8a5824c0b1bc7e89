//! Times "Compare with…" as the window runs it: NEW opened and ingested, then OLD compared with it
//! (ingest of OLD, then the diff), the first diff of the largest change laid out, and one frame of
//! the compare view drawn headless.
//!
//!     cargo run --release -p vitrine_gui --example compare_bench -- OLD NEW [DATA_DIR]
//!
//! Run it twice: the second run reads OLD and NEW from the ingest cache, which is "both snapshots
//! ingested", the target's starting point.

use std::time::Instant;

use vitrine_gui::compare::Phase;
use vitrine_gui::{AppState, CompareCmd, LoadCmd, Prefs, VitrineApp};
use vitrine_snapshot::store::DataDir;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(old), Some(new)) = (args.first(), args.get(1)) else {
        anyhow::bail!("usage: compare_bench OLD NEW [DATA_DIR]");
    };
    let data = args.get(2).map_or_else(|| std::env::temp_dir().join("vitrine-compare-bench"), Into::into);
    let mut state = AppState::new(DataDir::at(&data), Prefs::default());
    let t = Instant::now();
    state.apply(LoadCmd::Open(new.into()));
    state.wait_loaded();
    let new_ms = t.elapsed().as_millis();
    let t = Instant::now();
    state.apply(CompareCmd::Open(old.into()));
    // The file list comes before the summary: wait for it only, polling as the window's frames do.
    while state.compare.as_ref().is_some_and(|c| matches!(c.phase, Phase::Loading { .. })) {
        state.apply(LoadCmd::Poll);
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let listed_ms = t.elapsed().as_millis();
    let c = state.compare.as_ref().ok_or_else(|| anyhow::anyhow!("no comparison"))?;
    let compared = match &c.phase {
        Phase::Ready(c) => c.clone(),
        Phase::Failed(e) => anyhow::bail!("{e}"),
        Phase::Loading { .. } => anyhow::bail!("still loading"),
    };
    let largest = compared
        .diff
        .files
        .iter()
        .enumerate()
        .max_by_key(|(_, f)| f.additions.unwrap_or(0) + f.deletions.unwrap_or(0))
        .map(|(i, _)| i)
        .unwrap_or(0);
    let t = Instant::now();
    state.apply(CompareCmd::OpenChange(largest));
    let open_ms = t.elapsed().as_millis();
    let mut app = VitrineApp::new(state);
    let ctx = egui::Context::default();
    let t = Instant::now();
    let mut output = ctx.run_ui(egui::RawInput::default(), |ui| app.ui_root(ui));
    output.textures_delta.clear();
    let frame_ms = t.elapsed().as_millis();
    let t = Instant::now();
    if let Some(c) = app.state.compare.as_mut() {
        c.wait();
    }
    let summary_ms = t.elapsed().as_millis();
    let path = compared.diff.files.get(largest).map(|f| f.path().to_owned()).unwrap_or_default();
    println!("new opened (ingest or cache)     {new_ms} ms");
    println!("old opened (ingest or cache)     {} ms", compared.ingest_ms);
    println!(
        "diff once both are ingested      {} ms ({} changed files)",
        compared.diff_ms,
        compared.diff.files.len()
    );
    println!("compare opened (old + diff)      {listed_ms} ms");
    println!("largest file diff laid out       {open_ms} ms ({path})");
    println!("first frame of the compare view  {frame_ms} ms");
    println!("update summary after that        {summary_ms} ms");
    Ok(())
}
