//! Tabs and the code view. Only visible rows are laid out (`show_rows`), so a 200k-line file scrolls
//! like a 20-line one. Suspicious characters (bidi controls, invisible and control characters) are
//! never rendered as themselves: each is drawn as a red `<U+XXXX>` marker, so the reader sees the
//! bytes the compiler sees.

use egui::text::LayoutJob;
use egui::{Color32, FontFamily, FontId, RichText, TextFormat};
use vitrine_snapshot::text::suspicious;
use vitrine_syntax::{HighlightClass, Span, Theme};

use crate::document::{Content, Document};
use crate::fonts::MONO_BOLD_FAMILY;
use crate::state::{AppState, Command};

/// Visual width of a tab stop.
const TAB_WIDTH: usize = 4;
/// Characters of one line laid out at most; the rest is summarised (a minified megabyte line would
/// otherwise cost a frame's budget to lay out).
const MAX_LINE_CHARS: usize = 4000;

/// Draws the tabs and the active document. Returns how many rows of code fit on screen (the page size
/// for PageUp / PageDown).
pub fn tabs_ui(ui: &mut egui::Ui, state: &mut AppState, commands: &mut Vec<Command>) -> usize {
    if state.tabs.is_empty() {
        ui.vertical_centered(|ui| {
            ui.add_space(ui.available_height() / 3.0);
            ui.heading("Open a file from the tree (Ctrl+P), or a finding from the health panel");
            ui.label("F1 lists every shortcut.");
        });
        return 0;
    }
    ui.horizontal_wrapped(|ui| {
        for (i, tab) in state.tabs.iter().enumerate() {
            let name = vitrine_snapshot::path_display(tab.doc.path.file_name());
            let active = state.active == Some(i);
            let r = ui
                .selectable_label(active, RichText::new(&name).strong())
                .on_hover_text(tab.doc.path.display());
            if r.clicked() {
                commands.push(Command::ActivateTab(i));
            }
            if ui.small_button("×").on_hover_text(format!("Close {name} (Ctrl+W)")).clicked() {
                commands.push(Command::CloseTab(i));
            }
            ui.add_space(6.0);
        }
    });
    ui.separator();
    let dark = state.prefs.dark;
    let font = FontId::monospace(state.prefs.font_size());
    // Annotated line ranges of the active file (0-based, inclusive) with their severity colour.
    let annotated: Vec<(usize, usize, Color32)> = match (&state.review, state.active_tab()) {
        (Some(r), Some(tab)) => r
            .threads(Some(&tab.doc.path.display()))
            .iter()
            .filter(|t| !t.retracted)
            .filter_map(|t| {
                let [a, b] = t.root.entry.target.as_ref()?.lines?;
                let sev = t.root.entry.severity.unwrap_or(vitrine_record::Severity::Info);
                Some((
                    a.saturating_sub(1) as usize,
                    b.saturating_sub(1) as usize,
                    crate::review_ui::severity_color(sev),
                ))
            })
            .collect(),
        _ => Vec::new(),
    };
    let Some(tab) = state.active_tab_mut() else { return 0 };
    header_ui(ui, tab);
    if let Some(find) = &tab.find {
        find_bar_ui(ui, find, commands);
    }
    let theme = if dark { Theme::dark() } else { Theme::light() };
    // The identifier under the cursor is marked wherever it appears on screen.
    let word = match &tab.doc.content {
        Content::Text(t) => {
            let at = vitrine_syntax::Point { line: tab.cursor_line as u32, column: tab.cursor_col as u32 };
            vitrine_syntax::nav::name_at(t.text.as_bytes(), at).map(|n| n.name).filter(|n| n.len() > 1)
        }
        _ => None,
    };
    let view = View {
        word: word.as_deref(),
        cursor: tab.cursor_line,
        selection: tab.anchor_line.map(|_| tab.selection()),
        scroll_to: tab.scroll_to.take(),
        find: tab.find.as_ref(),
        annotated: &annotated,
    };
    egui::Frame::new()
        .fill(rgb(theme.background))
        .show(ui, |ui| match &tab.doc.content {
            Content::Text(_) => text_view(ui, &tab.doc, &theme, &font, &view, commands),
            Content::Binary { bytes } => {
                hex_view(ui, bytes, &theme, &font);
                0
            }
            Content::Symlink { target } => {
                ui.label(
                    RichText::new(format!("symbolic link → {target}"))
                        .monospace()
                        .color(rgb(theme.foreground)),
                );
                ui.label("Recorded as a link and never followed: its target text is part of the tree id.");
                0
            }
            Content::Unreadable { error } => {
                ui.label(RichText::new(error).color(ui.visuals().error_fg_color));
                0
            }
        })
        .inner
}

/// What the text view needs to know about the tab besides its document.
struct View<'a> {
    /// The identifier under the cursor, marked in every visible row.
    word: Option<&'a str>,
    cursor: usize,
    selection: Option<std::ops::RangeInclusive<usize>>,
    scroll_to: Option<usize>,
    find: Option<&'a crate::state::FindState>,
    annotated: &'a [(usize, usize, Color32)],
}

fn find_bar_ui(ui: &mut egui::Ui, find: &crate::state::FindState, commands: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        let label = ui.label("Find");
        let mut q = find.query.clone();
        let edit = ui
            .add(egui::TextEdit::singleline(&mut q).id(egui::Id::unique("find-in-file")).desired_width(260.0))
            .labelled_by(label.id);
        if edit.changed() {
            commands.push(Command::Find(Some(q)));
        }
        if edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
            let back = ui.input(|i| i.modifiers.shift);
            commands.push(Command::FindStep(!back));
            edit.request_focus();
        }
        let n = find.matches.len();
        let place = if n == 0 { "no matches".to_owned() } else { format!("{} of {n}", find.current + 1) };
        ui.label(place);
        if ui.small_button("↑").on_hover_text("Previous match (Shift+Enter, Shift+F3)").clicked() {
            commands.push(Command::FindStep(false));
        }
        if ui.small_button("↓").on_hover_text("Next match (Enter, F3)").clicked() {
            commands.push(Command::FindStep(true));
        }
        if ui.small_button("×").on_hover_text("Close find (Escape)").clicked() {
            commands.push(Command::Find(None));
        }
    });
}

fn header_ui(ui: &mut egui::Ui, tab: &crate::state::Tab) {
    let doc = &tab.doc;
    if let Some(outline) = doc.outline() {
        let crumbs = outline.scope_at(tab.cursor_line as u32);
        if !crumbs.is_empty() {
            let trail: Vec<String> =
                crumbs.iter().map(|s| format!("{} {}", s.kind.as_str(), s.name)).collect();
            ui.label(RichText::new(trail.join("  ›  ")).weak().monospace());
        }
    }
    ui.horizontal(|ui| {
        ui.label(RichText::new(doc.path.display()).monospace().strong());
        let mut facts = vec![doc.entry.class.as_str().to_owned(), format!("{} bytes", doc.entry.size_bytes)];
        if let Content::Text(t) = &doc.content {
            facts.push(format!("{} lines", t.lines.line_count()));
            facts.push(t.syntax.name().to_owned());
            if !t.encoding.is_utf8() {
                facts.push(format!("decoded from {}", t.encoding.name()));
            }
        }
        if let vitrine_snapshot::EntryKind::File { executable: true } = doc.entry.kind {
            facts.push("executable".into());
        }
        ui.label(RichText::new(facts.join(" · ")).weak());
        if let Some(file_level) = doc.findings.get(&None) {
            ui.label(
                RichText::new(format!("⚑ {}", file_level.join("; "))).color(Color32::from_rgb(200, 150, 40)),
            );
        }
        if matches!(doc.content, Content::Text(_)) {
            let seen = tab.seen.fraction();
            let hover = format!(
                "{} of {} lines of this file have been on screen",
                tab.seen.count(),
                tab.seen.total()
            );
            ui.add(egui::ProgressBar::new(seen).desired_width(60.0).desired_height(6.0))
                .on_hover_text(&hover);
            ui.label(RichText::new(format!("seen {:.0}%", seen * 100.0)).weak()).on_hover_text(hover);
        }
    });
}

fn rgb(c: vitrine_syntax::Rgb) -> Color32 {
    Color32::from_rgb(c.r, c.g, c.b)
}

fn text_view(
    ui: &mut egui::Ui,
    doc: &Document,
    theme: &Theme,
    font: &FontId,
    view: &View<'_>,
    commands: &mut Vec<Command>,
) -> usize {
    let Content::Text(t) = &doc.content else { return 0 };
    let row_height = ui.fonts_mut(|f| f.row_height(font));
    let page_rows = (ui.available_height() / row_height.max(1.0)) as usize;
    let rows = t.lines.line_count();
    let digits = rows.to_string().len();
    let mut area =
        egui::ScrollArea::both().auto_shrink([false, false]).id_salt(("code", doc.path.as_bytes()));
    if let Some(line) = view.scroll_to {
        // Keep the target in view with some context; scroll only when it is not already visible.
        let top = ui.ctx().data(|d| d.get_temp::<usize>(egui::Id::unique(("top-row", doc.path.as_bytes()))));
        let visible = top.is_some_and(|t| line >= t + 2 && line + 3 < t + page_rows);
        if !visible {
            area = area.vertical_scroll_offset(line.saturating_sub(page_rows / 3) as f32 * row_height);
        }
    }
    let mut waiting_for_highlight = false;
    let output = area.show_rows(ui, row_height, rows, |ui, visible| {
        ui.ctx()
            .data_mut(|d| d.insert_temp(egui::Id::unique(("top-row", doc.path.as_bytes())), visible.start));
        commands.push(Command::Seen(visible.clone()));
        ui.spacing_mut().item_spacing = egui::vec2(0.0, 0.0);
        let marks_of = |line: usize| -> Vec<(std::ops::Range<usize>, bool)> {
            let Some(f) = view.find else {
                return word_marks(doc.line_text(line).unwrap_or_default(), view.word);
            };
            let first = f.matches.partition_point(|m| m.0 < line);
            f.matches
                .iter()
                .enumerate()
                .skip(first)
                .take_while(|(_, m)| m.0 == line)
                .map(|(i, m)| (m.1.clone(), i == f.current))
                .collect()
        };
        // Highlight what is visible, but never parse past the checkpoints the background thread has
        // prepared: that would block this frame on a long parse. Those rows are drawn plain until then.
        let mut cache = t.highlight.try_lock().ok();
        if let Some(c) = cache.as_mut() {
            let prepared = if c.is_prepared() { rows } else { c.prepared_lines() };
            let end = visible.end.min(prepared + 1);
            if visible.start < end {
                c.highlight_range(visible.start..end);
            }
            waiting_for_highlight = visible.end > prepared + 1;
        } else {
            waiting_for_highlight = true;
        }
        for line in visible {
            let text = doc.line_text(line).unwrap_or_default();
            let spans = cache.as_ref().and_then(|c| c.cached_line_spans(line));
            let job = line_job(text, spans, theme, font, &marks_of(line));
            let findings = doc.findings.get(&Some(line));
            ui.horizontal(|ui| {
                let bg = ui.painter().add(egui::Shape::Noop);
                let number_color = if findings.is_some() {
                    Color32::from_rgb(230, 70, 60)
                } else {
                    rgb(theme.foreground).gamma_multiply(0.45)
                };
                let number = ui.add(
                    egui::Label::new(
                        RichText::new(format!("{:>digits$}  ", line + 1))
                            .font(font.clone())
                            .color(number_color),
                    )
                    .selectable(false)
                    .sense(egui::Sense::click()),
                );
                if let Some(f) = findings {
                    number.clone().on_hover_text(f.join("\n"));
                }
                let code = ui.add(egui::Label::new(job).extend().sense(egui::Sense::click()));
                if number.clicked() {
                    let extend = ui.input(|i| i.modifiers.shift);
                    commands.push(Command::CursorTo { line, extend });
                }
                if code.clicked() {
                    let (extend, ctrl) = ui.input(|i| (i.modifiers.shift, i.modifiers.command));
                    let x = code.interact_pointer_pos().map_or(0.0, |p| p.x - code.rect.left());
                    let glyph = ui.fonts_mut(|f| f.glyph_width(font, 'x')).max(1.0);
                    let col = byte_of_display_col(text, (x / glyph) as usize);
                    commands.push(Command::ClickAt { line, col, extend });
                    if ctrl {
                        commands.push(Command::GoToDefinition);
                    }
                }
                if let Some(&(_, _, color)) =
                    view.annotated.iter().find(|(a, b, _)| (*a..=*b).contains(&line))
                {
                    let r = number.rect;
                    let bar = egui::Rect::from_min_max(r.min, egui::pos2(r.min.x + 3.0, r.max.y));
                    ui.painter().rect_filled(bar, 0.0, color);
                }
                let selected = view.selection.as_ref().is_some_and(|s| s.contains(&line));
                if line == view.cursor || selected {
                    let rect = egui::Rect::from_min_max(
                        number.rect.min,
                        egui::pos2(ui.clip_rect().right(), number.rect.max.y),
                    );
                    let fill = if selected {
                        Color32::from_rgba_unmultiplied(70, 130, 220, 60)
                    } else {
                        rgb(theme.foreground).gamma_multiply(0.08)
                    };
                    ui.painter().set(bg, egui::Shape::rect_filled(rect, 0.0, fill));
                }
            });
        }
    });
    minimap_ui(ui, output.inner_rect, rows, doc, view);
    if waiting_for_highlight {
        ui.ctx().request_repaint_after(std::time::Duration::from_millis(50));
    }
    page_rows
}

/// Lays out one line: highlighted spans, tabs expanded, suspicious characters as visible markers, and
/// find matches (byte ranges in the line; `true` for the current match) with a background.
pub fn line_job(
    text: &str,
    spans: Option<&[Span]>,
    theme: &Theme,
    font: &FontId,
    marks: &[(std::ops::Range<usize>, bool)],
) -> LayoutJob {
    let mut job = LayoutJob::default();
    let mark_at = |off: usize| marks.iter().find(|(r, _)| r.contains(&off)).map(|(_, current)| *current);
    let mark_bg = |current: bool| {
        if current {
            Color32::from_rgba_unmultiplied(255, 170, 0, 150)
        } else {
            Color32::from_rgba_unmultiplied(255, 200, 0, 70)
        }
    };
    let format_of = |class: HighlightClass| {
        let style = theme.style(class);
        let font_id = if style.bold {
            FontId::new(font.size, FontFamily::Name(MONO_BOLD_FAMILY.into()))
        } else {
            font.clone()
        };
        TextFormat { font_id, color: rgb(style.color), italics: style.italic, ..Default::default() }
    };
    let marker = TextFormat {
        font_id: FontId::new(font.size, FontFamily::Name(MONO_BOLD_FAMILY.into())),
        color: Color32::WHITE,
        background: Color32::from_rgb(200, 30, 30),
        ..Default::default()
    };
    let plain = [Span { range: 0..text.len(), class: HighlightClass::Plain }];
    let spans = spans.unwrap_or(&plain);
    let mut column = 0usize;
    let mut shown = 0usize;
    let mut run = String::new();
    let mut run_format: Option<TextFormat> = None;
    for span in spans {
        let Some(piece) = text.get(span.range.clone()) else { continue };
        let base = format_of(span.class);
        for (i, c) in piece.char_indices() {
            if shown >= MAX_LINE_CHARS {
                break;
            }
            shown += 1;
            let mut format = base.clone();
            if let Some(current) = mark_at(span.range.start + i) {
                format.background = mark_bg(current);
            }
            if run_format.as_ref() != Some(&format) {
                if let Some(f) = run_format.take()
                    && !run.is_empty()
                {
                    job.append(&std::mem::take(&mut run), 0.0, f);
                }
                run_format = Some(format.clone());
            }
            if suspicious(c).is_some() {
                if !run.is_empty() {
                    job.append(&std::mem::take(&mut run), 0.0, format.clone());
                }
                let label = format!("<U+{:04X}>", c as u32);
                column += label.len();
                job.append(&label, 0.0, marker.clone());
            } else if c == '\t' {
                let n = TAB_WIDTH - column % TAB_WIDTH;
                run.extend(std::iter::repeat_n(' ', n));
                column += n;
            } else {
                run.push(c);
                column += 1;
            }
        }
    }
    if let Some(f) = run_format
        && !run.is_empty()
    {
        job.append(&run, 0.0, f);
    }
    let total = text.chars().count();
    if total > MAX_LINE_CHARS {
        let note = format!("  … {} more characters on this line", total - MAX_LINE_CHARS);
        job.append(
            &note,
            0.0,
            TextFormat {
                font_id: font.clone(),
                color: Color32::from_rgb(200, 150, 40),
                ..Default::default()
            },
        );
    }
    job.wrap.max_width = f32::INFINITY;
    job
}

/// Marks along the right edge of the code, one per annotation, find match and health finding, at the
/// height of its line in the whole file: where to look, at a glance, in a file of any length.
fn minimap_ui(ui: &egui::Ui, rect: egui::Rect, rows: usize, doc: &Document, view: &View<'_>) {
    if rows == 0 {
        return;
    }
    let strip = egui::Rect::from_min_max(
        egui::pos2(rect.right() - 18.0, rect.top()),
        egui::pos2(rect.right() - 12.0, rect.bottom()),
    );
    let y = |line: usize| strip.top() + strip.height() * (line as f32 / rows as f32);
    let painter = ui.painter();
    let tick = |line: usize, color: Color32, h: f32| {
        let top = y(line);
        painter.rect_filled(
            egui::Rect::from_min_max(egui::pos2(strip.left(), top), egui::pos2(strip.right(), top + h)),
            0.0,
            color,
        );
    };
    for line in doc.findings.keys().flatten() {
        tick(*line, Color32::from_rgb(230, 70, 60), 2.0);
    }
    if let Some(f) = view.find {
        // At most one tick per pixel row: a common word in a huge file must not cost a frame.
        let mut last = f32::MIN;
        for (line, _) in &f.matches {
            let top = y(*line);
            if top - last >= 1.0 {
                tick(*line, Color32::from_rgb(255, 190, 0), 2.0);
                last = top;
            }
        }
    }
    for &(a, b, color) in view.annotated {
        let h = (y(b + 1) - y(a)).max(3.0);
        let top = y(a);
        painter.rect_filled(
            egui::Rect::from_min_max(egui::pos2(strip.left() - 3.0, top), egui::pos2(strip.right(), top + h)),
            1.0,
            color,
        );
    }
}

/// Whole-word occurrences of `word` in a line (for the identifier under the cursor).
fn word_marks(text: &str, word: Option<&str>) -> Vec<(std::ops::Range<usize>, bool)> {
    let Some(w) = word else { return Vec::new() };
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(w)
        .filter(|(i, _)| {
            let before = text.get(..*i).and_then(|s| s.chars().next_back());
            let after = text.get(i + w.len()..).and_then(|s| s.chars().next());
            !before.is_some_and(ident) && !after.is_some_and(ident)
        })
        .map(|(i, _)| (i..i + w.len(), false))
        .collect()
}

/// The byte offset in `text` of display column `col`, laid out as `line_job` lays it out (tabs
/// expanded, suspicious characters as `<U+XXXX>` markers).
pub fn byte_of_display_col(text: &str, col: usize) -> usize {
    let mut column = 0usize;
    for (i, c) in text.char_indices() {
        let width = if suspicious(c).is_some() {
            format!("<U+{:04X}>", c as u32).len()
        } else if c == '\t' {
            TAB_WIDTH - column % TAB_WIDTH
        } else {
            1
        };
        if col < column + width {
            return i;
        }
        column += width;
    }
    text.len()
}

fn hex_view(ui: &mut egui::Ui, bytes: &[u8], theme: &Theme, font: &FontId) {
    let row_height = ui.fonts_mut(|f| f.row_height(font));
    let rows = bytes.len().div_ceil(16).max(1);
    ui.label(RichText::new(format!("binary file, {} bytes: hex view", bytes.len())).weak());
    egui::ScrollArea::both().auto_shrink([false, false]).show_rows(ui, row_height, rows, |ui, visible| {
        ui.spacing_mut().item_spacing = egui::vec2(0.0, 0.0);
        for row in visible {
            let chunk = bytes.get(row * 16..(row * 16 + 16).min(bytes.len())).unwrap_or_default();
            let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
            let ascii: String = chunk
                .iter()
                .map(|&b| if b.is_ascii_graphic() || b == b' ' { b as char } else { '.' })
                .collect();
            let line = format!("{:08x}  {:<47}  |{ascii}|", row * 16, hex.join(" "));
            ui.label(RichText::new(line).font(font.clone()).color(rgb(theme.foreground)));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_under_the_cursor_is_marked_as_a_whole_word() {
        assert_eq!(word_marks("len = strlen(len_x) + len;", Some("len")), [(0..3, false), (22..25, false)]);
        assert!(word_marks("abc", None).is_empty());
    }

    #[test]
    fn display_columns_map_back_to_bytes() {
        let text = "\tab\u{202E}cd";
        assert_eq!(byte_of_display_col(text, 0), 0);
        assert_eq!(byte_of_display_col(text, 3), 0);
        assert_eq!(byte_of_display_col(text, 4), 1);
        assert_eq!(byte_of_display_col(text, 6), 3);
        assert_eq!(byte_of_display_col(text, 13), 3);
        assert_eq!(byte_of_display_col(text, 14), 6);
        assert_eq!(byte_of_display_col(text, 99), text.len());
    }

    #[test]
    fn suspicious_characters_become_markers_and_tabs_expand() {
        let theme = Theme::dark();
        let font = FontId::monospace(12.0);
        let job = line_job("\tif (x)\u{202E} y", None, &theme, &font, &[]);
        assert_eq!(job.text, "    if (x)<U+202E> y");
        let at = job.text.find("<U+202E>").unwrap();
        let marker = job.sections.iter().find(|s| s.byte_range.start.0 == at).unwrap();
        assert_eq!(marker.format.background, Color32::from_rgb(200, 30, 30));
        let long = "x".repeat(MAX_LINE_CHARS + 10);
        assert!(line_job(&long, None, &theme, &font, &[]).text.ends_with("10 more characters on this line"));
        // Find matches get a background; the current one a stronger one.
        let job = line_job("size = size;", None, &theme, &font, &[(0..4, false), (7..11, true)]);
        assert_eq!(job.text, "size = size;");
        let bg: Vec<_> = job.sections.iter().map(|s| (s.byte_range.start.0, s.format.background)).collect();
        assert_eq!(bg.iter().map(|b| b.0).collect::<Vec<_>>(), [0, 4, 7, 11]);
        assert_ne!(bg[0].1, Color32::TRANSPARENT);
        assert_eq!(bg[1].1, Color32::TRANSPARENT);
        assert_ne!(bg[2].1, bg[0].1);
        assert_eq!(bg[3].1, Color32::TRANSPARENT);
    }
}
