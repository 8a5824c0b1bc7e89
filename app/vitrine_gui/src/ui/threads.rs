//! The Threads tab of the bottom panel: every thread of the review, with filters (severity, status,
//! kind, author, file), a sort order, and keyboard navigation (Up / Down / Enter once the list has
//! focus; F8 / Shift+F8 from anywhere). A scope (this review / all reviews on this workstation) and a
//! search box turn it into a search of the findings library (`ui::library`).

use egui::{Key, RichText};
use vitrine_record::{Class, Severity, Status};

use crate::state::review::word;
use crate::state::threads::{ThreadFilter, ThreadSort};
use crate::state::{AppState, ThreadsCmd};
use crate::ui::Commands;
use crate::ui::keymap::{self, Action};
use crate::ui::review::severity_color;

const SEVERITIES: [Severity; 5] =
    [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info];
const CLASSES: [Class; 3] = [Class::Finding, Class::Question, Class::Note];

/// Id of the list, which takes the keyboard when clicked.
pub fn list_id() -> egui::Id {
    egui::Id::unique("thread-list")
}

/// A combo box of "any" and the given values.
fn choice<T: Copy + PartialEq + serde::Serialize>(
    ui: &mut egui::Ui,
    label: &str,
    value: &mut Option<T>,
    all: &[T],
) -> bool {
    let before = *value;
    let shown = value.map_or_else(|| "any".to_owned(), word);
    egui::ComboBox::from_label(label).selected_text(shown).show_ui(ui, |ui| {
        ui.selectable_value(value, None, "any");
        for v in all {
            ui.selectable_value(value, Some(*v), word(*v));
        }
    });
    before != *value
}

pub fn threads_ui(ui: &mut egui::Ui, state: &AppState, commands: &mut Commands) {
    let list = &state.threads;
    if crate::ui::library::foreign_ui(ui, &list.library, commands) {
        return;
    }
    crate::ui::library::scope_ui(ui, &list.library, commands);
    let mut f: ThreadFilter = list.filter.clone();
    let mut changed = false;
    ui.horizontal_wrapped(|ui| {
        changed |= choice(ui, "severity", &mut f.severity, &SEVERITIES);
        changed |= choice(ui, "status", &mut f.status, Status::ALL);
        changed |= choice(ui, "kind", &mut f.class, &CLASSES);
        let l = ui.label("author");
        changed |= ui
            .add(egui::TextEdit::singleline(&mut f.author).desired_width(120.0))
            .labelled_by(l.id)
            .changed();
        let l = ui.label("file");
        changed |=
            ui.add(egui::TextEdit::singleline(&mut f.file).desired_width(160.0)).labelled_by(l.id).changed();
        changed |= ui.checkbox(&mut f.retracted, "retracted").changed();
        let sort = match f.sort {
            ThreadSort::Severity => "severity",
            ThreadSort::File => "file",
            ThreadSort::Recent => "recent activity",
        };
        egui::ComboBox::from_label("sort").selected_text(sort).show_ui(ui, |ui| {
            for (v, name) in [
                (ThreadSort::Severity, "severity"),
                (ThreadSort::File, "file"),
                (ThreadSort::Recent, "recent activity"),
            ] {
                changed |= ui.selectable_value(&mut f.sort, v, name).changed();
            }
        });
        let count = if list.library.active() {
            crate::ui::library::count(&list.library)
        } else {
            format!("{} of {} threads", list.shown.len(), list.total())
        };
        ui.label(RichText::new(count).weak()).on_hover_text(format!(
            "{}; {}",
            keymap::tooltip("Next thread", Action::NextFinding),
            keymap::tooltip("previous", Action::PreviousFinding)
        ));
    });
    if changed {
        commands.push(ThreadsCmd::SetFilter(f));
    }
    ui.separator();
    if list.library.active() {
        crate::ui::library::hits_ui(ui, state, commands);
        return;
    }
    if list.total() == 0 {
        ui.label("No thread in this review yet: select lines and annotate them (Ctrl+Alt+A).");
        return;
    }
    let focused = ui.memory(|m| m.has_focus(list_id()));
    if focused {
        let (down, up, enter) = ui.input_mut(|i| {
            (
                i.consume_key(egui::Modifiers::NONE, Key::ArrowDown),
                i.consume_key(egui::Modifiers::NONE, Key::ArrowUp),
                i.consume_key(egui::Modifiers::NONE, Key::Enter),
            )
        });
        if down {
            commands.push(ThreadsCmd::Move(1));
        }
        if up {
            commands.push(ThreadsCmd::Move(-1));
        }
        if enter {
            commands.push(ThreadsCmd::Open);
        }
    }
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
    let output = egui::ScrollArea::vertical().auto_shrink([false, false]).id_salt("thread-rows").show_rows(
        ui,
        row_height,
        list.shown.len(),
        |ui, visible| {
            for (i, row) in list.rows().enumerate().skip(visible.start).take(visible.len()) {
                let selected = i == list.selected;
                let mut job = egui::text::LayoutJob::default();
                let text = ui.visuals().text_color();
                let weak = text.gamma_multiply(0.6);
                let fmt = |color| egui::TextFormat { color, ..Default::default() };
                let (badge, color) = match (row.class, row.severity) {
                    (Class::Finding, Some(s)) => (word(s), severity_color(s)),
                    (class, _) => (word(class), weak),
                };
                job.append(&format!("{badge:<9}"), 0.0, fmt(color));
                job.append(&format!("{:<14}", word(row.status)), 6.0, fmt(text));
                let place = match row.line {
                    Some(l) => format!("{}:{l}", row.path),
                    None => row.path.clone(),
                };
                job.append(&place, 6.0, fmt(text));
                job.append(&format!("  {}", row.title), 0.0, fmt(text));
                let when = row.last_time.replace('T', " ").trim_end_matches('Z').to_owned();
                let retracted = if row.retracted { " · retracted" } else { "" };
                job.append(
                    &format!("   {} · {when} · {} replies{retracted}", row.author, row.replies),
                    0.0,
                    fmt(weak),
                );
                let r = ui.selectable_label(selected, job);
                if selected && focused {
                    r.scroll_to_me(None);
                }
                if r.clicked() {
                    ui.memory_mut(|m| m.request_focus(list_id()));
                    commands.push(ThreadsCmd::Move(i as isize - list.selected as isize));
                    commands.push(ThreadsCmd::Open);
                }
            }
        },
    );
    // The list keeps the keyboard once clicked; the rows are its parts.
    let area = ui.interact(output.inner_rect, list_id(), egui::Sense::focusable_noninteractive());
    if focused {
        ui.painter().rect_stroke(area.rect, 2.0, ui.visuals().selection.stroke, egui::StrokeKind::Inside);
    }
}
