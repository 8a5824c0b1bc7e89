//! The snapshot health panel: every finding, grouped by kind (the deceptive kinds first), each one
//! opening its file at its line.

use egui::{Color32, RichText};
use vitrine_snapshot::FindingKind;

use crate::state::{AppState, Command};

/// Findings listed per kind before "and N more" (the panel is for reading; the CLI lists all).
const ROWS_PER_KIND: usize = 400;

pub fn health_ui(ui: &mut egui::Ui, state: &AppState, commands: &mut Vec<Command>) {
    let Some(snapshot) = &state.snapshot else { return };
    let report = snapshot.health();
    ui.horizontal(|ui| {
        ui.heading("Snapshot health");
        ui.label(format!("{} files:", report.files));
        for (class, n) in &report.classes {
            ui.label(RichText::new(format!("{class} {n}")).weak());
        }
    });
    ui.separator();
    let mut kinds: Vec<FindingKind> = Vec::new();
    for f in &report.findings {
        if !kinds.contains(&f.kind) {
            kinds.push(f.kind);
        }
    }
    kinds.sort_by_key(|k| (!k.is_deceptive(), *k));
    egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
        if kinds.is_empty() {
            ui.label("No findings: no hidden characters, binaries, links or collisions.");
        }
        for kind in kinds {
            let total = report.counts.get(kind.as_str()).copied().unwrap_or(0);
            let color =
                if kind.is_deceptive() { Color32::from_rgb(230, 70, 60) } else { ui.visuals().text_color() };
            let title = RichText::new(format!("{}  ({total})", kind.as_str())).color(color).strong();
            egui::CollapsingHeader::new(title).id_salt(kind.as_str()).default_open(kind.is_deceptive()).show(
                ui,
                |ui| {
                    let rows = report.findings.iter().filter(|f| f.kind == kind);
                    for (i, f) in rows.enumerate() {
                        if i == ROWS_PER_KIND {
                            ui.label(RichText::new("… more in `vitrine health`").weak());
                            break;
                        }
                        let place = match (f.line, f.column) {
                            (Some(l), Some(c)) => format!("{}:{l}:{c}", f.path),
                            _ => f.path.clone(),
                        };
                        let text = RichText::new(format!("{place}   {}", f.detail)).monospace();
                        if ui.selectable_label(false, text).clicked()
                            && let Some(path) = state.path_of_finding(&f.path)
                        {
                            let line = f.line.map(|l| l.saturating_sub(1) as usize);
                            commands.push(Command::OpenFile { path: path.clone(), line });
                        }
                    }
                },
            );
        }
    });
}
