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

/// A combo box of "any" and the given values, its label before it (as the text fields' are).
fn choice<T: Copy + PartialEq + serde::Serialize>(
    ui: &mut egui::Ui,
    label: &str,
    value: &mut Option<T>,
    all: &[T],
) -> bool {
    let before = *value;
    let shown = value.map_or_else(|| "any".to_owned(), word);
    let l = ui.label(label);
    egui::ComboBox::from_id_salt(label)
        .selected_text(shown)
        .show_ui(ui, |ui| {
            ui.selectable_value(value, None, "any");
            for v in all {
                ui.selectable_value(value, Some(*v), word(*v));
            }
        })
        .response
        .labelled_by(l.id);
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
        let l = ui.label("sort by");
        egui::ComboBox::from_id_salt("sort")
            .selected_text(sort)
            .show_ui(ui, |ui| {
                for (v, name) in [
                    (ThreadSort::Severity, "severity"),
                    (ThreadSort::File, "file"),
                    (ThreadSort::Recent, "recent activity"),
                ] {
                    changed |= ui.selectable_value(&mut f.sort, v, name).changed();
                }
            })
            .response
            .labelled_by(l.id);
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
    let focused = list_keys(ui, commands);
    let row_height = row_height(ui);
    let output = egui::ScrollArea::vertical().auto_shrink([false, false]).id_salt("thread-rows").show_rows(
        ui,
        row_height,
        list.shown.len(),
        |ui, visible| {
            for (i, row) in list.rows().enumerate().skip(visible.start).take(visible.len()) {
                let retracted = if row.retracted { " · retracted" } else { "" };
                let (badge, color) = match (row.class, row.severity) {
                    (Class::Finding, Some(s)) => (word(s), Some(severity_color(s))),
                    (class, _) => (word(class), None),
                };
                let status = word(row.status);
                let view = RowView {
                    badge: &badge,
                    badge_color: color,
                    status: &status,
                    elsewhere: None,
                    path: Some(&row.path),
                    line: row.line,
                    title: &row.title,
                    author: &row.author,
                    time: &row.last_time,
                    after: format!(
                        " · {} {}{retracted}",
                        row.replies,
                        if row.replies == 1 { "reply" } else { "replies" }
                    ),
                };
                let r = row_ui(ui, &view, (i, list.selected), commands);
                if i == list.selected && focused {
                    r.scroll_to_me(None);
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

/// Up / Down / Enter, when the list of threads has the keyboard, move the selection and open the
/// selected thread (in this review's list and in the findings library's hits alike). Returns whether
/// the list has the keyboard.
pub(crate) fn list_keys(ui: &mut egui::Ui, commands: &mut Commands) -> bool {
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
    focused
}

/// The height of one row of a list of threads.
pub(crate) fn row_height(ui: &egui::Ui) -> f32 {
    ui.text_style_height(&egui::TextStyle::Body) + 6.0
}

/// The text of one row, with `title` in the place of the row's title.
fn row_job(ui: &egui::Ui, row: &RowView<'_>, title: &str) -> egui::text::LayoutJob {
    use crate::ui::ranked::safe;
    let text = ui.visuals().text_color();
    let weak = text.gamma_multiply(0.6);
    let fmt = |color| egui::TextFormat { color, ..Default::default() };
    let mut job = egui::text::LayoutJob::default();
    safe(&mut job, &format!("{:<9}", row.badge), &fmt(row.badge_color.unwrap_or(weak)));
    safe(&mut job, &format!(" {:<14} ", row.status), &fmt(text));
    if let Some(label) = row.elsewhere {
        safe(&mut job, &format!("[{label}] "), &fmt(egui::Color32::from_rgb(90, 150, 230)));
    }
    let place = match (row.path, row.line) {
        (Some(p), Some(l)) => format!("{p}:{l}"),
        (Some(p), None) => p.to_owned(),
        (None, _) => "(no file)".into(),
    };
    safe(&mut job, &place, &fmt(text));
    safe(&mut job, &format!("  {title}"), &fmt(text));
    let when = row.time.replace('T', " ").trim_end_matches('Z').to_owned();
    safe(&mut job, &format!("   {} · {when}{}", row.author, row.after), &fmt(weak));
    job
}

/// What one row of a list of threads shows: this review's threads and the findings library's hits
/// are drawn by the same [`row_ui`].
pub(crate) struct RowView<'a> {
    /// Severity, class or kind.
    pub badge: &'a str,
    /// The badge's colour (a severity's); `None`: the weak text colour.
    pub badge_color: Option<egui::Color32>,
    pub status: &'a str,
    /// The label of the review's snapshot, when it is not the open one.
    pub elsewhere: Option<&'a str>,
    pub path: Option<&'a str>,
    pub line: Option<u64>,
    pub title: &'a str,
    pub author: &'a str,
    /// RFC 3339 time of the last entry.
    pub time: &'a str,
    /// What follows the author and time (` · 3 replies`).
    pub after: String,
}

/// Draws one row as a selectable line; `at` is (this row's position, the selected one). A click gives
/// the list the keyboard and opens the row. Every text may come from an imported log: suspicious
/// characters are drawn as markers (`ui::ranked::safe`).
pub(crate) fn row_ui(
    ui: &mut egui::Ui,
    row: &RowView<'_>,
    (i, selected): (usize, usize),
    commands: &mut Commands,
) -> egui::Response {
    // One line per row, always: the list is virtualised with one row height, and a row that wrapped
    // would overlap the next. When the row does not fit, the title is shortened (the whole title is
    // in the tooltip), never the place, the author or the time.
    let room = ui.available_width() - 2.0 * ui.spacing().button_padding.x;
    let width =
        |ui: &egui::Ui, job: &egui::text::LayoutJob| ui.fonts_mut(|f| f.layout_job(job.clone()).size().x);
    let mut job = row_job(ui, row, row.title);
    let mut shortened = false;
    if width(ui, &job) > room {
        let ends: Vec<usize> = row.title.char_indices().map(|(at, _)| at).collect();
        // The longest prefix of the title whose row fits (binary search over char boundaries).
        let (mut fits, mut over) = (0, ends.len());
        while over - fits > 1 {
            let mid = (fits + over) / 2;
            let candidate = row_job(ui, row, &format!("{}…", &row.title[..ends[mid]]));
            if width(ui, &candidate) <= room {
                fits = mid;
            } else {
                over = mid;
            }
        }
        let cut = ends.get(fits).copied().unwrap_or(0);
        job = row_job(ui, row, &format!("{}…", &row.title[..cut]));
        shortened = true;
    }
    job.wrap.max_rows = 1;
    job.wrap.break_anywhere = true;
    let mut r = ui.selectable_label(i == selected, job);
    if shortened {
        r = r.on_hover_text(row.title);
    }
    if r.clicked() {
        ui.memory_mut(|m| m.request_focus(list_id()));
        commands.push(ThreadsCmd::Move(i as isize - selected as isize));
        commands.push(ThreadsCmd::Open);
    }
    r
}
