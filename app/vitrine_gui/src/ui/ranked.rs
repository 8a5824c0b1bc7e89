//! The search panel's ranked results: one row per hit (the file, the enclosing function and its
//! lines, the score, then the line that best shows why, its query words marked), best first; a click
//! or Enter opens the file at that line. While the ranked index is built, the status says so. Paths,
//! names and snippets come from the snapshot: suspicious characters in them are drawn as red
//! `<U+XXXX>` markers, never as themselves.

use egui::text::LayoutJob;
use egui::{Color32, FontId, RichText, TextFormat};

use crate::state::SearchCmd;
use crate::state::ranked::{RANKED_LIMIT, RankIndexState};
use crate::state::search::SearchState;
use crate::ui::Commands;

/// The status beside the query box in ranked mode.
pub fn status(search: &SearchState) -> String {
    let ranked = &search.ranked;
    let index = match &ranked.index {
        RankIndexState::None => return "no ranked index".into(),
        RankIndexState::Failed(e) => return format!("ranked index unavailable: {e}"),
        RankIndexState::Building { progress, .. } => {
            let v = progress.view();
            let what = if v.total_items > 0 {
                format!("{} {}/{} files", v.phase, v.done_items, v.total_items)
            } else {
                v.phase
            };
            return format!(
                "ranked index building ({what}): the query runs once it is ready; exact search works meanwhile"
            );
        }
        RankIndexState::Ready(index) => index,
    };
    let meta = index.meta();
    let per = if meta.per_function { "per function" } else { "per file" };
    let docs = format!("{} documents ({per}) from {} files", meta.documents, meta.files);
    if ranked.words.is_empty() {
        return format!("ranked: {docs}");
    }
    if ranked.is_searching() {
        return format!("ranking… over {docs}");
    }
    match ranked.elapsed_ms {
        Some(ms) => {
            let more = if ranked.hits.len() >= RANKED_LIMIT { " (the best)" } else { "" };
            format!("{} ranked hits{more} in {ms:.0} ms · {docs}", ranked.hits.len())
        }
        None => String::new(),
    }
}

pub fn results_ui(ui: &mut egui::Ui, search: &SearchState, commands: &mut Commands) {
    let ranked = &search.ranked;
    if let Some(e) = &ranked.error {
        ui.label(RichText::new(e).monospace().color(ui.visuals().error_fg_color));
    }
    if ranked.elapsed_ms.is_some() && ranked.hits.is_empty() {
        ui.label("Nothing in the comments, strings or names of the code matches these words.");
    }
    let font = FontId::monospace(12.5);
    let row_height = 2.0 * ui.fonts_mut(|f| f.row_height(&font)) + 6.0;
    let color = ui.visuals().text_color();
    egui::ScrollArea::both().auto_shrink([false, false]).id_salt("ranked-results").show_rows(
        ui,
        row_height,
        ranked.hits.len(),
        |ui, visible| {
            for i in visible {
                let Some(hit) = ranked.hits.get(i) else { continue };
                if ui.selectable_label(i == search.selected, hit_job(hit, &font, color)).clicked() {
                    commands.push(SearchCmd::Open(i));
                }
            }
        },
    );
}

/// Two lines: `path · function (lines a–b)  score`, then `line: snippet` with the query's words marked.
fn hit_job(hit: &vitrine_rank::RankedHit, font: &FontId, color: Color32) -> LayoutJob {
    let mut job = LayoutJob::default();
    let plain = TextFormat { font_id: font.clone(), color, ..Default::default() };
    let dim = TextFormat { color: color.gamma_multiply(0.55), ..plain.clone() };
    let strong = TextFormat { color: color.gamma_multiply(1.2), ..plain.clone() };
    let mark = TextFormat { background: Color32::from_rgba_unmultiplied(255, 190, 0, 90), ..plain.clone() };
    safe(&mut job, &hit.path, &strong);
    job.append("  · ", 0.0, plain.clone());
    safe(&mut job, hit.function.as_deref().unwrap_or("outside functions"), &plain);
    job.append(&format!("  (lines {}–{})", hit.start_line, hit.end_line), 0.0, plain.clone());
    job.append(&format!("  score {:.1}\n", hit.score), 0.0, dim.clone());
    let Some(s) = &hit.snippet else {
        job.append("         (the file cannot be read back)", 0.0, dim);
        return job;
    };
    job.append(&format!("{:>7}: ", s.line), 0.0, dim);
    let text = s.text.as_str();
    let indent = text.len() - text.trim_start().len();
    let mut at = indent;
    for &(b, e) in &s.ranges {
        let (Some(before), Some(word)) = (text.get(at..b), text.get(b..e)) else { continue };
        safe(&mut job, before, &plain);
        safe(&mut job, word, &mark);
        at = e;
        if at > 400 {
            break;
        }
    }
    let rest: String = text.get(at..).unwrap_or_default().trim_end().chars().take(400).collect();
    safe(&mut job, &rest, &plain);
    job
}

/// Appends `text` in `format`, each suspicious character (bidi control, invisible, line break a
/// compiler honours) as a red `<U+XXXX>` marker instead of itself.
pub(crate) fn safe(job: &mut LayoutJob, text: &str, format: &TextFormat) {
    let marker =
        TextFormat { background: Color32::from_rgb(200, 30, 30), color: Color32::WHITE, ..format.clone() };
    let mut from = 0;
    for (i, c) in text.char_indices() {
        if vitrine_snapshot::text::suspicious(c).is_some() || c == '\n' {
            job.append(text.get(from..i).unwrap_or_default(), 0.0, format.clone());
            job.append(&format!("<U+{:04X}>", c as u32), 0.0, marker.clone());
            from = i + c.len_utf8();
        }
    }
    job.append(text.get(from..).unwrap_or_default(), 0.0, format.clone());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snippet_shows_bidi_controls_as_markers_and_marks_the_words() {
        let hit = vitrine_rank::RankedHit {
            file: 0,
            path: "src/a\u{202E}b.c".into(),
            function: Some("send\u{2066}_data".into()),
            start_line: 3,
            end_line: 9,
            score: 1.5,
            snippet: Some(vitrine_rank::Snippet {
                line: 4,
                text: "  /* \u{202E} upload */".into(),
                ranges: vec![(9, 15)],
            }),
        };
        let job = hit_job(&hit, &FontId::monospace(12.0), Color32::GRAY);
        assert_eq!(
            job.text,
            "src/a<U+202E>b.c  · send<U+2066>_data  (lines 3–9)  score 1.5\n      4: /* <U+202E> upload */"
        );
        assert!(!job.text.contains('\u{202E}') && !job.text.contains('\u{2066}'));
        let at = job.text.rfind("upload").unwrap();
        let word = job.sections.iter().find(|s| s.byte_range.start.0 == at).unwrap();
        assert_eq!(word.format.background, Color32::from_rgba_unmultiplied(255, 190, 0, 90));
    }
}
