//! The file tree panel: directories expand and collapse, files open in a tab; a filter box turns it
//! into a flat list of matching paths. Beside each file: its review state (unread, opened, reviewed),
//! its health findings and its annotations; beside each folder, the same summed up.

use egui::{Color32, RichText};

use crate::state::tree::Node;
use crate::state::{AppState, NavCmd, NodeProgress, ViewCmd};
use crate::ui::Commands;

const REVIEWED: Color32 = Color32::from_rgb(60, 170, 90);

pub fn tree_ui(ui: &mut egui::Ui, state: &AppState, commands: &mut Commands) {
    // While comparing, the tree is the list of changed files with their status.
    if let Some(compare) = &state.compare {
        crate::ui::diff_view::changes_ui(ui, state, compare, commands);
        return;
    }
    ui.horizontal(|ui| {
        let label = ui.label("Files");
        let mut filter = state.tree_filter.clone();
        let edit = ui
            .add(
                egui::TextEdit::singleline(&mut filter)
                    .hint_text("filter paths")
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id);
        if edit.changed() {
            commands.push(ViewCmd::SetTreeFilter(filter));
        }
    });
    let root_progress = state.progress.first().copied().unwrap_or_default();
    if let Some(root) = state.tree.root() {
        let files = root.files.max(1);
        let lines = root_progress.lines.max(1);
        ui.label(
            RichText::new(format!(
                "reviewed {}/{} files ({:.0}%), {:.0}% of lines",
                root_progress.reviewed,
                root.files,
                100.0 * root_progress.reviewed as f64 / files as f64,
                100.0 * root_progress.reviewed_lines as f64 / lines as f64
            ))
            .weak(),
        );
    }
    let mut only = state.unreviewed_filter;
    if ui.checkbox(&mut only, "Unreviewed files with findings").changed() {
        commands.push(ViewCmd::SetUnreviewedFilter(only));
    }
    ui.separator();
    let active = state.active_tab().map(|t| t.doc.path.as_bytes().to_vec());
    if !state.tree_filter.is_empty() || state.unreviewed_filter {
        // Matches are computed when a filter changes; only the rows on screen are laid out.
        if state.tree_matches.is_empty() {
            ui.label(RichText::new("no file matches").weak());
            return;
        }
        ui.label(RichText::new(format!("{} files match", state.tree_matches.len())).weak());
        let row_height = ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y + 4.0;
        egui::ScrollArea::both().auto_shrink([false, false]).id_salt("tree-matches").show_rows(
            ui,
            row_height,
            state.tree_matches.len(),
            |ui, visible| {
                for &i in state.tree_matches.get(visible).unwrap_or_default() {
                    let Some(n) = state.tree.nodes.get(i) else { continue };
                    let p = state.progress.get(i).copied().unwrap_or_default();
                    let name = String::from_utf8_lossy(&n.path);
                    file_row_ui(ui, state, n, &p, &name, active.as_deref(), commands);
                }
            },
        );
        return;
    }
    egui::ScrollArea::both().auto_shrink([false, false]).show(ui, |ui| {
        if let Some(root) = state.tree.root() {
            for &c in &root.children {
                node_ui(ui, state, c, active.as_deref(), commands);
            }
        }
    });
}

fn node_ui(ui: &mut egui::Ui, state: &AppState, idx: usize, active: Option<&[u8]>, commands: &mut Commands) {
    let Some(node) = state.tree.node(idx) else { return };
    let p = state.progress.get(idx).copied().unwrap_or_default();
    if node.is_dir {
        let open = state.expanded.contains(&node.path);
        let arrow = if open { "▾" } else { "▸" };
        ui.horizontal(|ui| {
            let label =
                file_label(&format!("{arrow} {}/", node.name), node.findings, node.deceptive, p.annotations);
            let response = ui.selectable_label(false, label).on_hover_text(format!("{} files", node.files));
            if response.clicked() {
                commands.push(ViewCmd::ToggleDir(node.path.clone()));
            }
            let color = if p.reviewed == node.files { REVIEWED } else { ui.visuals().weak_text_color() };
            ui.label(RichText::new(format!("{}/{} ✔", p.reviewed, node.files)).small().color(color))
                .on_hover_text("files marked reviewed / files in this folder");
        });
        if open {
            ui.indent(("dir", idx), |ui| {
                for &c in &node.children {
                    node_ui(ui, state, c, active, commands);
                }
            });
        }
    } else {
        file_row_ui(ui, state, node, &p, &node.name, active, commands);
    }
}

fn file_row_ui(
    ui: &mut egui::Ui,
    state: &AppState,
    node: &Node,
    p: &NodeProgress,
    name: &str,
    active: Option<&[u8]>,
    commands: &mut Commands,
) {
    ui.horizontal(|ui| {
        let (mark, color, what) = if p.reviewed > 0 {
            ("●", REVIEWED, "reviewed (a signed review-mark for this content)")
        } else if state.opened.contains(&node.path) {
            ("◐", ui.visuals().text_color(), "opened, not marked reviewed")
        } else {
            ("○", ui.visuals().weak_text_color(), "not opened yet")
        };
        ui.label(RichText::new(mark).color(color)).on_hover_text(what);
        let selected = active == Some(node.path.as_slice());
        let row =
            ui.selectable_label(selected, file_label(name, node.findings, node.deceptive, p.annotations));
        if selected {
            // A file just opened (from anywhere) is scrolled into view, once per opening.
            let id = egui::Id::unique("tree-revealed");
            if ui.ctx().data(|d| d.get_temp::<u64>(id)) != Some(state.reveal) {
                ui.ctx().data_mut(|d| d.insert_temp(id, state.reveal));
                row.scroll_to_me(Some(egui::Align::Center));
            }
        }
        if row.clicked() {
            commands.push(NavCmd::OpenFile { path: node.path.clone(), line: None });
        }
    });
}

/// A file or folder name with its finding count (red when a finding can deceive a reader) and its
/// annotation count.
fn file_label(name: &str, findings: u32, deceptive: u32, annotations: u32) -> egui::WidgetText {
    let mut job = egui::text::LayoutJob::default();
    let plain = egui::TextFormat::default();
    job.append(name, 0.0, egui::TextFormat { color: Color32::PLACEHOLDER, ..plain.clone() });
    if findings > 0 {
        let color =
            if deceptive > 0 { Color32::from_rgb(230, 70, 60) } else { Color32::from_rgb(200, 150, 40) };
        job.append(&format!("  ⚑{findings}"), 0.0, egui::TextFormat { color, ..plain.clone() });
    }
    if annotations > 0 {
        let color = Color32::from_rgb(90, 150, 220);
        job.append(&format!("  ✎{annotations}"), 0.0, egui::TextFormat { color, ..plain });
    }
    job.into()
}
