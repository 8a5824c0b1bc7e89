//! The file tree panel: directories expand and collapse, files open in a tab; a filter box turns it
//! into a flat list of matching paths. Health findings are counted beside each file and folder.

use egui::{Color32, RichText};

use crate::state::{AppState, Command};

/// Most paths listed for a filter (the tree of a kernel has 78k files).
const FILTER_LIMIT: usize = 500;

pub fn tree_ui(ui: &mut egui::Ui, state: &AppState, commands: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        ui.label("Files");
        let mut filter = state.tree_filter.clone();
        let edit = ui.add(
            egui::TextEdit::singleline(&mut filter).hint_text("filter paths").desired_width(f32::INFINITY),
        );
        if edit.changed() {
            commands.push(Command::SetTreeFilter(filter));
        }
    });
    ui.separator();
    let active = state.active_tab().map(|t| t.doc.path.as_bytes().to_vec());
    egui::ScrollArea::both().auto_shrink([false, false]).show(ui, |ui| {
        if !state.tree_filter.is_empty() {
            let hits = state.tree.filter(&state.tree_filter, FILTER_LIMIT);
            for n in &hits {
                let text = String::from_utf8_lossy(&n.path).into_owned();
                let selected = active.as_deref() == Some(n.path.as_slice());
                if ui.selectable_label(selected, file_label(&text, n.findings, n.deceptive)).clicked() {
                    commands.push(Command::OpenFile { path: n.path.clone(), line: None });
                }
            }
            if hits.len() == FILTER_LIMIT {
                ui.label(RichText::new(format!("first {FILTER_LIMIT} matches shown")).weak());
            }
            return;
        }
        if let Some(root) = state.tree.root() {
            for &c in &root.children {
                node_ui(ui, state, c, active.as_deref(), commands);
            }
        }
    });
}

fn node_ui(
    ui: &mut egui::Ui,
    state: &AppState,
    idx: usize,
    active: Option<&[u8]>,
    commands: &mut Vec<Command>,
) {
    let Some(node) = state.tree.node(idx) else { return };
    if node.is_dir {
        let open = state.expanded.contains(&node.path);
        let arrow = if open { "▾" } else { "▸" };
        let label = file_label(&format!("{arrow} {}/", node.name), node.findings, node.deceptive);
        let response = ui.selectable_label(false, label).on_hover_text(format!("{} files", node.files));
        if response.clicked() {
            commands.push(Command::ToggleDir(node.path.clone()));
        }
        if open {
            ui.indent(("dir", idx), |ui| {
                for &c in &node.children {
                    node_ui(ui, state, c, active, commands);
                }
            });
        }
    } else {
        let selected = active == Some(node.path.as_slice());
        if ui.selectable_label(selected, file_label(&node.name, node.findings, node.deceptive)).clicked() {
            commands.push(Command::OpenFile { path: node.path.clone(), line: None });
        }
    }
}

/// A file or folder name with its finding count: red when a finding can deceive a reader.
fn file_label(name: &str, findings: u32, deceptive: u32) -> egui::WidgetText {
    let mut job = egui::text::LayoutJob::default();
    let plain = egui::TextFormat::default();
    job.append(name, 0.0, egui::TextFormat { color: Color32::PLACEHOLDER, ..plain.clone() });
    if findings > 0 {
        let color =
            if deceptive > 0 { Color32::from_rgb(230, 70, 60) } else { Color32::from_rgb(200, 150, 40) };
        job.append(&format!("  ⚑{findings}"), 0.0, egui::TextFormat { color, ..plain });
    }
    job.into()
}
