//! The snapshot health panel: every finding, grouped by kind (the deceptive kinds first), each one
//! opening its file at its line.

use egui::{Color32, RichText};

use crate::state::{AppState, NavCmd, ViewCmd};
use crate::ui::Commands;

/// One row of the panel: a kind's header, or one finding (by its index in the report).
enum Row {
    Kind(usize),
    Finding(u32),
}

pub fn health_ui(ui: &mut egui::Ui, state: &AppState, commands: &mut Commands) {
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
    let groups = &state.health_groups.groups;
    if groups.is_empty() {
        ui.label("No findings: no hidden characters, binaries, links or collisions.");
        return;
    }
    // Every row of every open kind, laid out only when on screen (the Linux tree has thousands).
    let rows: Vec<Row> = groups
        .iter()
        .enumerate()
        .flat_map(|(g, (kind, found))| {
            let open = !state.health_folded.contains(kind);
            std::iter::once(Row::Kind(g)).chain(found.iter().filter(move |_| open).map(|&i| Row::Finding(i)))
        })
        .collect();
    let row_height =
        ui.text_style_height(&egui::TextStyle::Monospace).max(ui.text_style_height(&egui::TextStyle::Body))
            + 6.0;
    egui::ScrollArea::vertical().auto_shrink([false, false]).show_rows(
        ui,
        row_height,
        rows.len(),
        |ui, visible| {
            // Each row takes exactly `row_height`, as `show_rows` assumes when it places them.
            ui.spacing_mut().item_spacing.y = 0.0;
            for row in rows.get(visible).unwrap_or_default() {
                let (rect, _) = ui
                    .allocate_exact_size(egui::vec2(ui.available_width(), row_height), egui::Sense::hover());
                let mut cell = ui.new_child(
                    egui::UiBuilder::new()
                        .max_rect(rect)
                        .layout(egui::Layout::left_to_right(egui::Align::Center)),
                );
                let ui = &mut cell;
                match row {
                    Row::Kind(g) => {
                        let Some((kind, found)) = groups.get(*g) else { return };
                        let total = report.counts.get(kind.as_str()).copied().unwrap_or(0);
                        let color = if kind.is_deceptive() {
                            Color32::from_rgb(230, 70, 60)
                        } else {
                            ui.visuals().text_color()
                        };
                        let open = !state.health_folded.contains(kind);
                        let more = (total as usize).saturating_sub(found.len());
                        let title = format!(
                            "{} {}  ({total}){}",
                            if open { "▾" } else { "▸" },
                            kind.as_str(),
                            if more > 0 {
                                format!(", {more} more summed up per file")
                            } else {
                                String::new()
                            }
                        );
                        if ui
                            .add(
                                egui::Label::new(RichText::new(title).color(color).strong())
                                    .sense(egui::Sense::click()),
                            )
                            .on_hover_text(if open { "Fold" } else { "Unfold" })
                            .clicked()
                        {
                            commands.push(ViewCmd::ToggleHealthKind(*kind));
                        }
                    }
                    Row::Finding(i) => {
                        let Some(f) = report.findings.get(*i as usize) else { return };
                        let place = match (f.line, f.column) {
                            (Some(l), Some(c)) => format!("{}:{l}:{c}", f.path),
                            _ => f.path.clone(),
                        };
                        ui.add_space(14.0);
                        let text = RichText::new(format!("{place}   {}", f.detail)).monospace();
                        if ui.selectable_label(false, text).clicked()
                            && let Some(path) = state.path_of_finding(&f.path)
                        {
                            let line = f.line.map(|l| l.saturating_sub(1) as usize);
                            commands.push(NavCmd::OpenFile { path: path.clone(), line });
                        }
                    }
                }
            }
        },
    );
}
