//! The overlays over the code: quick open (Ctrl+P), go to line (Ctrl+G), go to symbol (Ctrl+T),
//! definition candidates and the shortcut help (F1), which lists [`crate::ui::keymap::BINDINGS`].

use egui::{Align2, RichText};

use crate::state::{AppState, OverlayCmd, OverlayKind};
use crate::ui::Commands;

pub fn overlay_ui(ctx: &egui::Context, state: &AppState, commands: &mut Commands) {
    let Some(o) = &state.overlay else { return };
    let title = match o.kind {
        OverlayKind::QuickOpen => "Open file",
        OverlayKind::GoToLine => "Go to line",
        OverlayKind::Help => "Keyboard shortcuts",
        OverlayKind::Definitions => "Definitions (syntactic match: check the confidence)",
        OverlayKind::Symbols => "Go to symbol",
    };
    egui::Window::new(title)
        .anchor(Align2::CENTER_TOP, [0.0, 70.0])
        .collapsible(false)
        .resizable(false)
        .default_width(560.0)
        .show(ctx, |ui| match o.kind {
            OverlayKind::Help => {
                // The keyboard handler's own table: what is listed is what the keys do.
                egui::ScrollArea::vertical().max_height(560.0).show(ui, |ui| {
                    egui::Grid::new("shortcuts").striped(true).num_columns(2).show(ui, |ui| {
                        for b in crate::ui::keymap::BINDINGS {
                            ui.label(RichText::new(b.keys).monospace().strong());
                            ui.label(b.help);
                            ui.end_row();
                        }
                    });
                });
                if ui.button("Close").clicked() {
                    commands.push(OverlayCmd::Show(None));
                }
            }
            OverlayKind::Definitions => {
                items_ui(ui, o, commands);
                ui.label(RichText::new("Enter opens the highlighted candidate; Escape closes.").weak());
            }
            OverlayKind::QuickOpen | OverlayKind::GoToLine | OverlayKind::Symbols => {
                let hint = match o.kind {
                    OverlayKind::QuickOpen => "file name, e.g. pktcpp",
                    OverlayKind::Symbols => "symbol name, e.g. parse",
                    _ => "line number",
                };
                let mut input = o.input.clone();
                let label = ui.label(title);
                let edit = ui
                    .add(
                        egui::TextEdit::singleline(&mut input)
                            .id(egui::Id::unique("overlay-input"))
                            .hint_text(hint)
                            .desired_width(f32::INFINITY),
                    )
                    .labelled_by(label.id);
                edit.request_focus();
                if edit.changed() {
                    commands.push(OverlayCmd::Input(input));
                }
                if o.kind == OverlayKind::GoToLine {
                    if let Some(tab) = state.active_tab() {
                        ui.label(format!("1 to {} (now {})", tab.doc.line_count(), tab.cursor_line + 1));
                    }
                    return;
                }
                items_ui(ui, o, commands);
                if o.results.is_empty() && !o.input.is_empty() {
                    let what = if o.kind == OverlayKind::Symbols {
                        "no symbol matches (or the index is not ready)"
                    } else {
                        "no file matches"
                    };
                    ui.label(RichText::new(what).weak());
                }
            }
        });
}

fn items_ui(ui: &mut egui::Ui, o: &crate::state::Overlay, commands: &mut Commands) {
    egui::ScrollArea::vertical().max_height(420.0).show(ui, |ui| {
        for (i, item) in o.results.iter().enumerate() {
            let mut job = egui::text::LayoutJob::default();
            let color = ui.visuals().text_color();
            let mono = egui::FontId::monospace(13.0);
            job.append(
                &item.label,
                0.0,
                egui::TextFormat { font_id: mono.clone(), color, ..Default::default() },
            );
            if !item.detail.is_empty() {
                let weak = egui::TextFormat {
                    font_id: mono,
                    color: color.gamma_multiply(0.55),
                    ..Default::default()
                };
                job.append(&format!("   {}", item.detail), 0.0, weak);
            }
            let r = ui.selectable_label(i == o.selected, job);
            if i == o.selected {
                r.scroll_to_me(None);
            }
            if r.clicked() {
                commands.push(OverlayCmd::Move(i as isize - o.selected as isize));
                commands.push(OverlayCmd::Accept);
            }
        }
    });
}
