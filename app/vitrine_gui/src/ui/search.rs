//! The search tab of the bottom panel: the query box (the query language of `vitrine search`), results
//! streaming in grouped by file, keyboard navigation, and the count of files not searched, never hidden.
//! With the Ranked toggle on (or a query starting with `~`) the results are ranked hits (`ui::ranked`).

use egui::text::LayoutJob;
use egui::{Color32, FontId, RichText, TextFormat};

use crate::state::SearchCmd;
use crate::state::search::{IndexState, MAX_RESULT_LINES, Row, SearchState};
use crate::ui::Commands;

/// Id of the query box, so Ctrl+Shift+F can focus it.
pub fn query_id() -> egui::Id {
    egui::Id::unique("search-query")
}

pub fn search_ui(ui: &mut egui::Ui, search: &SearchState, commands: &mut Commands) {
    ui.horizontal(|ui| {
        let label = ui.label("Search");
        let mut q = search.query.clone();
        let ranked = search.is_ranked();
        let hint = if ranked {
            "what the code does, in words: upload telemetry, licence check"
        } else {
            "words  \"phrase\"  /regex/  path:  lang:  sym:  in:comment  -term  or  ~ranked words"
        };
        let edit = ui
            .add(
                egui::TextEdit::singleline(&mut q)
                    .id(query_id())
                    .hint_text(hint)
                    .font(egui::TextStyle::Monospace)
                    .desired_width(520.0),
            )
            .labelled_by(label.id);
        if edit.changed() {
            commands.push(SearchCmd::SetQuery(q));
        }
        if edit.has_focus() {
            if ui.input(|i| i.key_pressed(egui::Key::ArrowDown)) {
                commands.push(SearchCmd::Move(1));
            }
            if ui.input(|i| i.key_pressed(egui::Key::ArrowUp)) {
                commands.push(SearchCmd::Move(-1));
            }
        }
        let any = if ranked { !search.ranked.hits.is_empty() } else { !search.rows.is_empty() };
        if edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) && any {
            commands.push(SearchCmd::Open(search.selected));
        }
        let mut toggle = search.ranked_mode;
        if ui
            .toggle_value(&mut toggle, "Ranked")
            .on_hover_text("Rank functions by what their comments, strings and names say (BM25); same as starting the query with ~")
            .changed()
        {
            commands.push(SearchCmd::SetRanked(toggle));
        }
        ui.label(if ranked { crate::ui::ranked::status(search) } else { status(search) });
    });
    if search.is_ranked() {
        crate::ui::ranked::results_ui(ui, search, commands);
        return;
    }
    if let Some(e) = &search.error {
        ui.label(RichText::new(e).monospace().color(ui.visuals().error_fg_color));
    }
    let font = FontId::monospace(12.5);
    let row_height = ui.fonts_mut(|f| f.row_height(&font)) + 2.0;
    egui::ScrollArea::both().auto_shrink([false, false]).id_salt("search-results").show_rows(
        ui,
        row_height,
        search.rows.len(),
        |ui, visible| {
            for i in visible {
                let Some(row) = search.rows.get(i) else { continue };
                let selected = i == search.selected;
                let clicked = match *row {
                    Row::File(f) => {
                        let Some(h) = search.files.get(f) else { continue };
                        let rank = match h.rank {
                            vitrine_search::Rank::Definition => "  · defines it",
                            vitrine_search::Rank::PathMatch => "  · name matches",
                            vitrine_search::Rank::Other => "",
                        };
                        let text = RichText::new(format!("{}  ({}){rank}", h.path, h.line_count))
                            .font(font.clone())
                            .strong();
                        ui.selectable_label(selected, text).clicked()
                    }
                    Row::Line(f, l) => {
                        let Some(hit) = search.files.get(f).and_then(|h| h.lines.get(l)) else { continue };
                        ui.selectable_label(selected, hit_job(hit, &font, ui.visuals().text_color()))
                            .clicked()
                    }
                };
                if clicked {
                    commands.push(SearchCmd::Open(i));
                }
            }
        },
    );
}

fn status(search: &SearchState) -> String {
    let building = match &search.index {
        IndexState::None => return "no index".into(),
        IndexState::Failed(e) if !search.scanning => return format!("index unavailable: {e}"),
        IndexState::Failed(_) => "index unavailable".to_owned(),
        IndexState::Building { progress, .. } => {
            let v = progress.view();
            format!("index building ({} {}/{} files)", v.phase, v.done_items, v.total_items)
        }
        IndexState::Ready(_) => String::new(),
    };
    if search.query.trim().is_empty() {
        return match &search.index {
            IndexState::Ready(index) => format!("{} files indexed{}", index.files().len(), skipped(search)),
            _ => format!("{building}: a search now scans every file"),
        };
    }
    let how = if search.scanning { format!("scanning every file, {building}") } else { String::new() };
    match &search.summary {
        None => {
            let of = search.planned_files.map(|n| format!(" of {n}")).unwrap_or_default();
            let verb = if search.scanning { "scanning" } else { "searching" };
            let lines = search.lines_so_far;
            let files = search.files.len();
            let extra = if search.scanning { format!(" ({building})") } else { String::new() };
            format!("{verb}… {lines} lines in {files}{of} files so far{extra}{}", skipped(search))
        }
        Some(s) => {
            let more = if s.complete { "" } else { "+ (stopped: refine the query)" };
            let scan = if s.scanned_all && !search.scanning {
                " · no literal to index: every file scanned"
            } else {
                ""
            };
            let lines = if s.complete { s.lines } else { MAX_RESULT_LINES.min(s.lines) };
            let how = if how.is_empty() { how } else { format!(" · {how}") };
            format!("{lines}{more} lines in {} files{scan}{how}{}", s.files, skipped(search))
        }
    }
}

/// " · N files not searched (…)", from the index (or the scan) that answered.
fn skipped(search: &SearchState) -> String {
    let not = search.files_not_searched();
    if not > 0 {
        format!(" · {not} files not searched (binary, too large or symlinks)")
    } else {
        String::new()
    }
}

/// A result line: its number, its text, the matches highlighted.
fn hit_job(hit: &vitrine_search::LineHit, font: &FontId, color: Color32) -> LayoutJob {
    let mut job = LayoutJob::default();
    let plain = TextFormat { font_id: font.clone(), color, ..Default::default() };
    let dim = TextFormat { color: color.gamma_multiply(0.5), ..plain.clone() };
    let mark = TextFormat { background: Color32::from_rgba_unmultiplied(255, 190, 0, 90), ..plain.clone() };
    job.append(&format!("{:>7}: ", hit.line), 0.0, dim.clone());
    let text = String::from_utf8_lossy(&hit.text);
    let text = text.trim_end();
    // Show at most 400 characters around the first match.
    let mut at = 0usize;
    for &(s, e) in &hit.ranges {
        let (s, e) = (s.min(text.len()), e.min(text.len()));
        if s < at || !text.is_char_boundary(s) || !text.is_char_boundary(e) {
            continue;
        }
        job.append(text.get(at..s).unwrap_or_default(), 0.0, plain.clone());
        job.append(text.get(s..e).unwrap_or_default(), 0.0, mark.clone());
        at = e;
        if at > 400 {
            break;
        }
    }
    let rest = text.get(at..).unwrap_or_default();
    let cut: String = rest.chars().take(400).collect();
    job.append(&cut, 0.0, plain);
    // A multiline:yes match that goes on over the next lines says how far.
    if hit.end_line > hit.line {
        job.append(&format!("  ⏎ to line {}", hit.end_line), 0.0, dim.clone());
    }
    job
}
