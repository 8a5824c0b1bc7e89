//! The Threads tab's search across reviews: the scope (this review / all reviews on this
//! workstation), the search box, the findings library's hits (each naming its snapshot when it is not
//! the open one), and a thread of another review shown read-only with its snapshot named. Every text
//! here comes from review logs (possibly imported): suspicious characters are drawn as markers.

use egui::{Color32, RichText, TextFormat};

use crate::state::ThreadsCmd;
use crate::state::library::{ForeignThread, LibrarySearch, ThreadScope};
use crate::ui::Commands;
use crate::ui::ranked::safe;
use crate::ui::threads::RowView;

/// Id of the search box.
pub fn search_id() -> egui::Id {
    egui::Id::unique("library-search")
}

/// The scope switch and the search box.
pub fn scope_ui(ui: &mut egui::Ui, lib: &LibrarySearch, commands: &mut Commands) {
    ui.horizontal(|ui| {
        let mut scope = lib.scope;
        let a = ui.radio_value(&mut scope, ThreadScope::ThisReview, "this review");
        let b = ui.radio_value(&mut scope, ThreadScope::AllReviews, "all reviews on this workstation");
        if (a.changed() || b.changed()) && scope != lib.scope {
            commands.push(ThreadsCmd::SetScope(scope));
        }
        let label = ui.label("search notes");
        let mut text = lib.text.clone();
        let edit = ui
            .add(
                egui::TextEdit::singleline(&mut text)
                    .id(search_id())
                    .hint_text("words, English or Russian: stems match (leak, утечка)")
                    .desired_width(320.0),
            )
            .labelled_by(label.id);
        if edit.changed() {
            commands.push(ThreadsCmd::SetSearch(text));
        }
    });
}

/// "12 threads found" (or why none could be).
pub fn count(lib: &LibrarySearch) -> String {
    if lib.error.is_some() {
        return "the findings library could not answer".into();
    }
    if !lib.answered {
        return "searching the findings library…".into();
    }
    let more = if lib.hits.len() >= crate::state::library::LIBRARY_LIMIT { " (the first)" } else { "" };
    let scope = match lib.scope {
        ThreadScope::ThisReview => "in this review",
        ThreadScope::AllReviews => "across every review on this workstation",
    };
    format!("{} threads{more} {scope}", lib.hits.len())
}

/// The library's hits, one row each; a click or Enter opens one.
pub fn hits_ui(ui: &mut egui::Ui, state: &crate::state::AppState, commands: &mut Commands) {
    let lib = &state.threads.library;
    if let Some(e) = &lib.error {
        ui.label(RichText::new(e).color(ui.visuals().error_fg_color));
    }
    if lib.answered && lib.hits.is_empty() && lib.error.is_none() {
        ui.label("No thread matches (check the words and the severity and status filters).");
        return;
    }
    let here = state.snapshot.as_ref().map(|s| s.ids().tree_sha256.to_string()).unwrap_or_default();
    crate::ui::threads::list_keys(ui, commands);
    let row_height = crate::ui::threads::row_height(ui);
    egui::ScrollArea::vertical().auto_shrink([false, false]).id_salt("library-rows").show_rows(
        ui,
        row_height,
        lib.hits.len(),
        |ui, visible| {
            for i in visible {
                let Some(hit) = lib.hits.get(i) else { continue };
                let view = RowView {
                    badge: hit.severity.as_deref().or(hit.class.as_deref()).unwrap_or(&hit.kind),
                    badge_color: severity_color(hit.severity.as_deref()),
                    status: &hit.status,
                    elsewhere: (hit.snapshot != here).then_some(hit.label.as_str()),
                    path: hit.path.as_deref(),
                    line: hit.line,
                    title: &hit.excerpt,
                    author: &hit.author,
                    time: &hit.time,
                    after: String::new(),
                };
                crate::ui::threads::row_ui(ui, &view, (i, lib.selected), commands);
            }
        },
    );
}

/// The read-only thread of another review, when one is open (true: it took the tab).
pub fn foreign_ui(ui: &mut egui::Ui, lib: &LibrarySearch, commands: &mut Commands) -> bool {
    let Some(foreign) = &lib.foreign else { return false };
    ui.horizontal(|ui| {
        if ui.button("← back to the list").clicked() {
            commands.push(ThreadsCmd::CloseForeign);
        }
        ui.label(RichText::new("read-only: a thread of another review").strong());
    });
    match foreign {
        Err(e) => {
            ui.label(RichText::new(e).color(ui.visuals().error_fg_color));
        }
        Ok(t) => thread_ui(ui, t),
    }
    true
}

fn thread_ui(ui: &mut egui::Ui, t: &ForeignThread) {
    let text = ui.visuals().text_color();
    let weak = text.gamma_multiply(0.6);
    let fmt = |color| TextFormat { color, ..Default::default() };
    let mut head = egui::text::LayoutJob::default();
    safe(&mut head, &format!("{}  (tree {})", t.label, t.snapshot), &fmt(Color32::from_rgb(90, 150, 230)));
    ui.label(head);
    let mut place = egui::text::LayoutJob::default();
    let at = match (&t.path, t.line) {
        (Some(p), Some(l)) => format!("{p}:{l}"),
        (Some(p), None) => p.clone(),
        (None, _) => "(no file)".into(),
    };
    let sev = t.severity.as_deref().map(|s| format!("{s} · ")).unwrap_or_default();
    safe(&mut place, &format!("{sev}{} · {at}", t.status), &fmt(text));
    ui.label(place);
    ui.separator();
    egui::ScrollArea::vertical().auto_shrink([false, false]).id_salt("foreign-thread").show(ui, |ui| {
        for e in &t.entries {
            let mut who = egui::text::LayoutJob::default();
            let when = e.time.replace('T', " ").trim_end_matches('Z').to_owned();
            safe(&mut who, &format!("{} · {} ({}) · {when}", e.kind, e.author, e.role), &fmt(weak));
            ui.label(who);
            for line in e.body.lines() {
                let mut body = egui::text::LayoutJob::default();
                safe(&mut body, line, &fmt(text));
                ui.label(body);
            }
            ui.add_space(6.0);
        }
    });
}

fn severity_color(s: Option<&str>) -> Option<Color32> {
    let s = vitrine_record::Severity::ALL.iter().copied().find(|v| Some(v.as_str()) == s)?;
    Some(crate::ui::review::severity_color(s))
}
