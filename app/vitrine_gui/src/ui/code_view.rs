//! Tabs and the code view. Only visible rows are laid out (`show_rows`), so a 200k-line file scrolls
//! like a 20-line one. Suspicious characters (bidi controls, invisible and control characters) are
//! never rendered as themselves: each is drawn as a red `<U+XXXX>` marker, so the reader sees the
//! bytes the compiler sees.

use egui::text::LayoutJob;
use egui::{Color32, FontFamily, FontId, RichText, TextFormat};
use vitrine_snapshot::text::suspicious;
use vitrine_syntax::{HighlightClass, Span, Theme};

use crate::state::document::{Content, Document};
use crate::state::{AppState, NavCmd, SymbolsCmd};
use crate::ui::Commands;
use crate::ui::fonts::MONO_BOLD_FAMILY;
use crate::ui::review::{InlineThread, inline_threads};

/// Visual width of a tab stop.
const TAB_WIDTH: usize = 4;
/// Characters of one line laid out at most; the rest is summarised (a minified megabyte line would
/// otherwise cost a frame's budget to lay out).
const MAX_LINE_CHARS: usize = 4000;

/// Draws the tabs and the active document. Returns how many rows of code fit on screen (the page size
/// for PageUp / PageDown).
pub fn tabs_ui(ui: &mut egui::Ui, state: &AppState, commands: &mut Commands) -> usize {
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
                commands.push(NavCmd::ActivateTab(i));
            }
            if ui.small_button("×").on_hover_text(format!("Close {name} (Ctrl+W)")).clicked() {
                commands.push(NavCmd::CloseTab(i));
            }
            ui.add_space(6.0);
        }
    });
    ui.separator();
    let dark = state.prefs.dark;
    let font = FontId::monospace(state.prefs.font_size());
    // Threads of the active file, and their line ranges (0-based, inclusive) for the gutter.
    let threads: Vec<InlineThread> = match (&state.review, state.active_tab()) {
        (Some(r), Some(tab)) => inline_threads(r, &tab.doc.path.display(), &state.folded_threads),
        _ => Vec::new(),
    };
    let annotated: Vec<(usize, usize, Color32)> =
        threads.iter().filter(|t| !t.retracted).map(|t| (t.first, t.last, t.color)).collect();
    let wrap = state.prefs.wrap;
    let inline = if state.prefs.inline_threads { threads.as_slice() } else { &[] };
    let Some(tab) = state.active_tab() else { return 0 };
    header_ui(ui, tab);
    if let Some(find) = &tab.find {
        find_bar_ui(ui, find, commands);
    }
    let theme = if dark { Theme::dark() } else { Theme::light() };
    // The identifier under the cursor is marked wherever it appears on screen.
    let word = match &tab.doc.content {
        Content::Text(_) => {
            // Only the cursor's line: finding it in the whole text would cost a scan of the file per frame.
            let line = tab.doc.line_text(tab.cursor_line).unwrap_or_default();
            let at = vitrine_syntax::Point { line: 0, column: tab.cursor_col as u32 };
            vitrine_syntax::nav::name_at(line.as_bytes(), at).map(|n| n.name).filter(|n| n.len() > 1)
        }
        _ => None,
    };
    let view = View {
        word: word.as_deref(),
        cursor: tab.cursor_line,
        selection: tab.anchor_line.map(|_| tab.selection()),
        scroll_to: tab.scroll_to.map(|line| (line, tab.scroll_seq)),
        find: tab.find.as_ref(),
        annotated: &annotated,
        wrap,
        threads: inline,
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
    /// A line to bring on screen, and the request's count (the view scrolls once per request).
    scroll_to: Option<(usize, u64)>,
    find: Option<&'a crate::state::FindState>,
    annotated: &'a [(usize, usize, Color32)],
    /// Wrap long lines at the view's width.
    wrap: bool,
    /// Threads drawn under their last line.
    threads: &'a [InlineThread],
}

/// Id of the find bar's field, so Ctrl+F can focus it.
pub fn find_id() -> egui::Id {
    egui::Id::unique("find-in-file")
}

fn find_bar_ui(ui: &mut egui::Ui, find: &crate::state::FindState, commands: &mut Commands) {
    ui.horizontal(|ui| {
        let label = ui.label("Find");
        let mut q = find.query.clone();
        let edit = ui
            .add(egui::TextEdit::singleline(&mut q).id(find_id()).desired_width(260.0))
            .labelled_by(label.id);
        if edit.changed() {
            commands.push(NavCmd::Find(Some(q)));
        }
        if edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
            let back = ui.input(|i| i.modifiers.shift);
            commands.push(NavCmd::FindStep(!back));
            edit.request_focus();
        }
        let n = find.matches.len();
        let at_least = if find.capped { "≥" } else { "" };
        let place = if find.searching {
            "searching…".to_owned()
        } else if n == 0 {
            "no matches".to_owned()
        } else {
            format!("{} of {at_least}{n}", find.current + 1)
        };
        let counted = ui.label(place);
        if find.capped {
            counted.on_hover_text(format!("Matches are counted up to {n}; this file has more."));
        }
        if ui.small_button("↑").on_hover_text("Previous match (Shift+Enter, Shift+F3)").clicked() {
            commands.push(NavCmd::FindStep(false));
        }
        if ui.small_button("↓").on_hover_text("Next match (Enter, F3)").clicked() {
            commands.push(NavCmd::FindStep(true));
        }
        if ui.small_button("×").on_hover_text("Close find (Escape)").clicked() {
            commands.push(NavCmd::Find(None));
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

pub(crate) fn rgb(c: vitrine_syntax::Rgb) -> Color32 {
    Color32::from_rgb(c.r, c.g, c.b)
}

/// Where lines and inline threads sit, top to bottom: a line takes one row, or as many as it wraps to;
/// a thread takes the height it had when last drawn (an estimate before that).
struct Vertical<'a> {
    row_height: f32,
    lines: usize,
    /// With word wrap: display rows before each line (`lines + 1` entries).
    wrap: Option<&'a [u32]>,
    /// Inline threads: the 0-based line each one follows, and its height, in line order.
    blocks: Vec<(usize, f32)>,
    /// Heights of the blocks before each block (`blocks + 1` entries).
    block_tops: Vec<f32>,
}

impl<'a> Vertical<'a> {
    fn new(row_height: f32, lines: usize, wrap: Option<&'a [u32]>, blocks: Vec<(usize, f32)>) -> Self {
        let mut block_tops = Vec::with_capacity(blocks.len() + 1);
        let mut sum = 0.0;
        block_tops.push(0.0);
        for (_, h) in &blocks {
            sum += h;
            block_tops.push(sum);
        }
        Vertical { row_height, lines, wrap, blocks, block_tops }
    }

    fn rows_before(&self, line: usize) -> usize {
        match self.wrap {
            Some(w) => w.get(line.min(self.lines)).map_or(line, |&r| r as usize),
            None => line,
        }
    }

    fn rows_of(&self, line: usize) -> usize {
        self.rows_before(line + 1) - self.rows_before(line)
    }

    /// Top of a line (content coordinates); `top(lines)` is the total height.
    fn top(&self, line: usize) -> f32 {
        let blocks = self.blocks.partition_point(|b| b.0 < line);
        self.rows_before(line) as f32 * self.row_height + self.block_tops.get(blocks).copied().unwrap_or(0.0)
    }

    /// The line drawn at height `y` (or the one whose threads are there).
    fn line_at(&self, y: f32) -> usize {
        let (mut lo, mut hi) = (0usize, self.lines);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.top(mid + 1) <= y { lo = mid + 1 } else { hi = mid }
        }
        lo.min(self.lines.saturating_sub(1))
    }
}

/// Marks a line width that needs the exact wrapping walk.
const EXACT: u32 = 1 << 31;

/// Per line of a document: its display width in columns, with the top bit set when the line holds a
/// unit wider than one column (a `<U+XXXX>` marker, the overlong-line note) and must be wrapped exactly.
fn line_widths<'t>(count: usize, line_text: impl Fn(usize) -> &'t str) -> Vec<u32> {
    (0..count)
        .map(|line| {
            let text = line_text(line);
            let b = text.as_bytes();
            if b.iter().all(|&c| (0x20..0x7f).contains(&c)) && b.len() <= MAX_LINE_CHARS {
                return b.len() as u32;
            }
            let mut width = 0u32;
            let mut exact = false;
            units(text, |_, u| {
                let w = unit_width(&u);
                exact |= w > 1;
                width = width.saturating_add(w as u32);
            });
            if exact { EXACT | width.min(EXACT - 1) } else { width }
        })
        .collect()
}

/// Display rows before each line when wrapped at `cols` columns.
fn wrap_prefix<'t>(widths: &[u32], cols: usize, line_text: impl Fn(usize) -> &'t str) -> Vec<u32> {
    let cols = cols.max(1);
    let mut out = Vec::with_capacity(widths.len() + 1);
    let mut rows = 0u32;
    out.push(0);
    for (line, &w) in widths.iter().enumerate() {
        let n = if w & EXACT != 0 {
            wrapped_rows(line_text(line), cols)
        } else {
            (w as usize).div_ceil(cols).max(1)
        };
        rows = rows.saturating_add(n as u32);
        out.push(rows);
    }
    out
}

fn text_view(
    ui: &mut egui::Ui,
    doc: &Document,
    theme: &Theme,
    font: &FontId,
    view: &View<'_>,
    commands: &mut Commands,
) -> usize {
    let Content::Text(t) = &doc.content else { return 0 };
    let row_height = ui.fonts_mut(|f| f.row_height(font));
    let glyph = ui.fonts_mut(|f| f.glyph_width(font, 'x')).max(1.0);
    let page_rows = (ui.available_height() / row_height.max(1.0)) as usize;
    let rows = t.lines.line_count();
    let digits = rows.to_string().len();
    let path_id = egui::Id::unique(("code", doc.path.as_bytes()));
    // Word wrap: columns that fit beside the line numbers and the minimap.
    let wrap_cols = view.wrap.then(|| {
        let gutter = (digits + 2) as f32 * glyph;
        (((ui.available_width() - gutter - 24.0) / glyph).floor() as usize).max(16)
    });
    let wrap = wrap_cols.map(|cols| wrap_rows_cached(ui.ctx(), doc, path_id, rows, cols));
    // Inline threads, at the height they had when last drawn.
    let heights_id = path_id.with("thread-heights");
    let mut heights: std::collections::HashMap<String, f32> =
        ui.ctx().data_mut(|d| d.get_temp(heights_id)).unwrap_or_default();
    let estimate = |t: &InlineThread| {
        if t.expanded { row_height * (4.0 + 3.0 * t.follow_ups.len() as f32) } else { row_height * 1.6 }
    };
    let blocks: Vec<(usize, f32)> = view
        .threads
        .iter()
        .map(|t| {
            (
                t.last.min(rows.saturating_sub(1)),
                heights.get(&height_key(t)).copied().unwrap_or_else(|| estimate(t)),
            )
        })
        .collect();
    let layout = Vertical::new(row_height, rows, wrap.as_deref().map(|v| v.as_slice()), blocks);
    let total = layout.top(rows);
    let area = if view.wrap { egui::ScrollArea::vertical() } else { egui::ScrollArea::both() }
        .auto_shrink([false, false])
        .id_salt(("code", doc.path.as_bytes()));
    let area = scroll_to_target(ui, area, view.scroll_to, path_id, &layout, page_rows);
    let mut waiting_for_highlight = false;
    let mut measured = false;
    let output = area.show_viewport(ui, |ui, viewport| {
        ui.ctx().data_mut(|d| d.insert_temp(path_id.with("viewport"), (viewport.top(), viewport.bottom())));
        let origin = ui.min_rect().min;
        ui.set_min_height(total);

        let first = layout.line_at(viewport.top());
        let mut last = first;
        while last < rows && layout.top(last) < viewport.bottom() {
            last += 1;
        }
        let visible = first..last.max(first + 1).min(rows.max(1));
        if rows == 0 {
            return;
        }
        commands.push(NavCmd::Seen(visible.clone()));
        ui.spacing_mut().item_spacing = egui::vec2(0.0, 0.0);
        // Exact spans where the background thread has published them, provisional ones (computed
        // here, for the rows on screen only) elsewhere: never a frame without colour, never a wait.
        let spans = t.highlight.frame(visible.clone(), &t.lines);
        waiting_for_highlight = !spans.exact_for(&visible);
        let width = ui.available_width().max(viewport.width());
        let frame =
            RowFrame { doc, theme, font, view, layout: &layout, origin, width, glyph, digits, wrap_cols };
        for line in visible {
            let bottom = code_row(ui, &frame, line, spans.get(line), commands);
            measured |= threads_under(ui, &frame, line, bottom, viewport.width(), &mut heights, commands);
        }
    });
    if measured {
        ui.ctx().data_mut(|d| d.insert_temp(heights_id, heights));
        ui.ctx().request_repaint();
    }
    minimap_ui(ui, output.inner_rect, rows, doc, view);
    if waiting_for_highlight {
        // Exact spans replace the provisional ones when the thread publishes them: look again at ~10 Hz.
        ui.ctx().request_repaint_after(std::time::Duration::from_millis(100));
    }
    page_rows
}

/// The display rows before each line wrapped at `cols` columns, kept in the context's memory (with
/// the lines' widths) per document and width.
fn wrap_rows_cached(
    ctx: &egui::Context,
    doc: &Document,
    path_id: egui::Id,
    rows: usize,
    cols: usize,
) -> std::sync::Arc<Vec<u32>> {
    let widths = ctx
        .data_mut(|d| d.get_temp::<std::sync::Arc<Vec<u32>>>(path_id.with("widths")))
        .unwrap_or_else(|| {
            let w = std::sync::Arc::new(line_widths(rows, |l| doc.line_text(l).unwrap_or_default()));
            ctx.data_mut(|d| d.insert_temp(path_id.with("widths"), w.clone()));
            w
        });
    let key = path_id.with(("wrap", cols));
    ctx.data_mut(|d| d.get_temp::<std::sync::Arc<Vec<u32>>>(key)).unwrap_or_else(|| {
        let p = std::sync::Arc::new(wrap_prefix(&widths, cols, |l| doc.line_text(l).unwrap_or_default()));
        ctx.data_mut(|d| d.insert_temp(key, p.clone()));
        p
    })
}

/// The memory key of an inline thread's measured height (it differs folded and expanded).
fn height_key(t: &InlineThread) -> String {
    format!("{}:{}", t.id, t.expanded)
}

/// Scrolls `area` to a requested line once per request, keeping some context above it, and only
/// when the line is not already on screen.
fn scroll_to_target<'a>(
    ui: &egui::Ui,
    mut area: egui::ScrollArea,
    scroll_to: Option<(usize, u64)>,
    path_id: egui::Id,
    layout: &Vertical<'a>,
    page_rows: usize,
) -> egui::ScrollArea {
    let (rows, row_height) = (layout.lines, layout.row_height);
    let scroll_seq_id = path_id.with("scroll-seq");
    let done_seq: Option<u64> = ui.ctx().data(|d| d.get_temp(scroll_seq_id));
    if let Some((line, seq)) = scroll_to.filter(|&(_, seq)| done_seq != Some(seq)) {
        ui.ctx().data_mut(|d| d.insert_temp(scroll_seq_id, seq));
        // Keep the target in view with some context; scroll only when it is not already visible.
        let shown: Option<(f32, f32)> = ui.ctx().data(|d| d.get_temp(path_id.with("viewport")));
        let y = layout.top(line.min(rows));
        let visible =
            shown.is_some_and(|(top, bottom)| y >= top + 2.0 * row_height && y + 3.0 * row_height <= bottom);
        if !visible {
            area = area.vertical_scroll_offset((y - page_rows as f32 * row_height / 3.0).max(0.0));
        }
    }
    area
}

/// What every row of one frame of the text view shares.
struct RowFrame<'f, 'v> {
    doc: &'f Document,
    theme: &'f Theme,
    font: &'f FontId,
    view: &'f View<'v>,
    layout: &'f Vertical<'f>,
    /// The scrolled content's top left corner.
    origin: egui::Pos2,
    width: f32,
    glyph: f32,
    /// Digits of the last line number.
    digits: usize,
    wrap_cols: Option<usize>,
}

/// The find matches on `line` (the current one flagged), or else the marks of the word under the cursor.
fn marks_of(doc: &Document, view: &View<'_>, line: usize) -> Vec<(std::ops::Range<usize>, bool)> {
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
}

/// One line of code: its number (with finding and inactive-code hovers), its text, the clicks on
/// both, the annotation bar, and the inactive, cursor and selection backgrounds. Returns the bottom
/// of the line's rows.
fn code_row(
    ui: &mut egui::Ui,
    frame: &RowFrame<'_, '_>,
    line: usize,
    spans: Option<&[Span]>,
    commands: &mut Commands,
) -> f32 {
    let RowFrame { doc, theme, font, view, layout, origin, width, glyph, digits, wrap_cols } = *frame;
    let row_height = layout.row_height;
    let text = doc.line_text(line).unwrap_or_default();
    let jobs = layout_line(text, spans, theme, font, &marks_of(doc, view, line), wrap_cols);
    let findings = doc.findings.get(&Some(line));
    let top = origin.y + layout.top(line);
    let rect = egui::Rect::from_min_size(
        egui::pos2(origin.x, top),
        egui::vec2(width, layout.rows_of(line) as f32 * row_height),
    );
    let bg = ui.painter().add(egui::Shape::Noop);
    let mut row_ui = ui.new_child(
        egui::UiBuilder::new().max_rect(rect).layout(egui::Layout::left_to_right(egui::Align::Min)),
    );
    let row = &mut row_ui;
    let number_color = if findings.is_some() {
        Color32::from_rgb(230, 70, 60)
    } else {
        rgb(theme.foreground).gamma_multiply(0.45)
    };
    let number = row.add(
        egui::Label::new(
            RichText::new(format!("{:>digits$}  ", line + 1)).font(font.clone()).color(number_color),
        )
        .selectable(false)
        .sense(egui::Sense::click()),
    );
    let inactive = doc.outline().and_then(|o| o.inactive_at(line as u32));
    let mut hover: Vec<String> = findings.cloned().unwrap_or_default();
    if let Some(why) = inactive {
        hover.push(inactive_text(why).to_owned());
    }
    if !hover.is_empty() {
        number.clone().on_hover_text(hover.join("\n"));
    }
    let code = if jobs.len() == 1 {
        row.add(
            egui::Label::new(jobs.into_iter().next().unwrap_or_default())
                .extend()
                .sense(egui::Sense::click()),
        )
    } else {
        row.vertical(|ui| {
            for job in jobs {
                ui.add(egui::Label::new(job).extend().selectable(false));
            }
        })
        .response
        .interact(egui::Sense::click())
    };
    if number.clicked() {
        let extend = row.input(|i| i.modifiers.shift);
        commands.push(NavCmd::CursorTo { line, extend });
    }
    if code.clicked() {
        let (extend, ctrl) = row.input(|i| (i.modifiers.shift, i.modifiers.command));
        let pos = code.interact_pointer_pos().unwrap_or(code.rect.min);
        let row = ((pos.y - code.rect.top()) / row_height).max(0.0) as usize;
        let x = ((pos.x - code.rect.left()) / glyph).max(0.0) as usize;
        let col = byte_of_display_col(text, row * wrap_cols.unwrap_or(0) + x);
        commands.push(NavCmd::ClickAt { line, col, extend });
        if ctrl {
            commands.push(SymbolsCmd::GoToDefinition);
        }
    }
    if let Some(&(_, _, color)) = view.annotated.iter().find(|(a, b, _)| (*a..=*b).contains(&line)) {
        let r = number.rect;
        let bar = egui::Rect::from_min_max(r.min, egui::pos2(r.min.x + 3.0, rect.max.y));
        row.painter().rect_filled(bar, 0.0, color);
    }
    let selected = view.selection.as_ref().is_some_and(|s| s.contains(&line));
    let band = egui::Rect::from_min_max(rect.min, egui::pos2(row.clip_rect().right(), rect.max.y));
    if inactive.is_some() && line != view.cursor && !selected {
        // Marked, not faded: the text keeps its colours and its markers, only the row's
        // background says that navigation does not read it.
        let fill = rgb(theme.foreground).gamma_multiply(0.05);
        row.painter().set(bg, egui::Shape::rect_filled(band, 0.0, fill));
        let r = number.rect;
        let edge = egui::Rect::from_min_max(
            egui::pos2(r.max.x - glyph * 0.6, r.min.y),
            egui::pos2(r.max.x - glyph * 0.45, rect.max.y),
        );
        row.painter().rect_filled(edge, 0.0, rgb(theme.foreground).gamma_multiply(0.35));
    }
    if line == view.cursor || selected {
        mark_selected_rows(row.ctx(), band);
        let fill = if selected {
            Color32::from_rgba_unmultiplied(70, 130, 220, 60)
        } else {
            rgb(theme.foreground).gamma_multiply(0.08)
        };
        row.painter().set(bg, egui::Shape::rect_filled(band, 0.0, fill));
    }
    let drawn = row_ui.min_rect();
    ui.expand_to_include_rect(drawn);
    rect.max.y
}

/// The inline threads that end on `line`, drawn from `y` down; records each one's measured height
/// and returns whether any changed.
fn threads_under(
    ui: &mut egui::Ui,
    frame: &RowFrame<'_, '_>,
    line: usize,
    mut y: f32,
    viewport_width: f32,
    heights: &mut std::collections::HashMap<String, f32>,
    commands: &mut Commands,
) -> bool {
    let (rows, row_height) = (frame.layout.lines, frame.layout.row_height);
    let mut measured = false;
    for t in frame.view.threads.iter().filter(|t| t.last.min(rows.saturating_sub(1)) == line) {
        let indent = (frame.digits + 2) as f32 * frame.glyph;
        let avail = (viewport_width - indent - 28.0).max(200.0);
        let area =
            egui::Rect::from_min_size(egui::pos2(frame.origin.x + indent, y), egui::vec2(avail, 10_000.0));
        let mut block = ui.new_child(
            egui::UiBuilder::new().max_rect(area).layout(egui::Layout::top_down(egui::Align::Min)),
        );
        crate::ui::review::inline_thread_ui(&mut block, t, commands);
        let h = block.min_rect().height() + row_height * 0.3;
        let key = height_key(t);
        if heights.get(&key).is_none_or(|old| (old - h).abs() > 0.5) {
            heights.insert(key, h);
            measured = true;
        }
        y += heights.get(&height_key(t)).copied().unwrap_or(h);
    }
    measured
}

/// Whether the view draws `c` as a `<U+XXXX>` marker: every suspicious character, and the form feed,
/// which is a page break to a printer but also resets Python's indentation column (drawn as a blank, a
/// line indented across one would look inside another block than the one it is in).
fn marked(c: char) -> bool {
    c == '\u{0C}' || suspicious(c).is_some()
}

/// One display unit of a line: a character, a space of an expanded tab, a `<U+XXXX>` marker or the note
/// on an overlong line. A wrapped row never splits a unit.
enum Unit<'a> {
    Char(char),
    Marker(String),
    Note(&'a str),
}

/// Walks the display units of a line in order (what [`layout_line`] lays out and [`wrapped_rows`] counts),
/// with the byte offset each comes from.
fn units(text: &str, mut visit: impl FnMut(usize, Unit<'_>)) {
    let mut column = 0usize;
    for (shown, (i, c)) in text.char_indices().enumerate() {
        if shown >= MAX_LINE_CHARS {
            let note = format!("  … {} more characters on this line", text[i..].chars().count());
            visit(i, Unit::Note(&note));
            return;
        }
        if marked(c) {
            let label = format!("<U+{:04X}>", c as u32);
            column += label.len();
            visit(i, Unit::Marker(label));
        } else if c == '\t' {
            let n = TAB_WIDTH - column % TAB_WIDTH;
            for _ in 0..n {
                visit(i, Unit::Char(' '));
            }
            column += n;
        } else {
            visit(i, Unit::Char(c));
            column += 1;
        }
    }
}

fn unit_width(u: &Unit<'_>) -> usize {
    match u {
        Unit::Char(_) => 1,
        Unit::Marker(s) => s.len(),
        Unit::Note(s) => s.chars().count(),
    }
}

/// How many rows a line takes when wrapped at `cols` columns (at least one).
/// Where the rows of the cursor and the selection were drawn this frame (screen coordinates), for
/// windows that must not cover them (the annotation composer).
pub fn selected_rows(ctx: &egui::Context) -> Option<egui::Rect> {
    let frame = ctx.cumulative_frame_nr();
    ctx.data(|d| d.get_temp::<(u64, egui::Rect)>(selected_rows_id()))
        .filter(|(f, _)| *f == frame)
        .map(|(_, r)| r)
}

fn selected_rows_id() -> egui::Id {
    egui::Id::unique("vitrine-selected-rows")
}

fn mark_selected_rows(ctx: &egui::Context, band: egui::Rect) {
    let frame = ctx.cumulative_frame_nr();
    ctx.data_mut(|d| {
        let rows = match d.get_temp::<(u64, egui::Rect)>(selected_rows_id()) {
            Some((f, r)) if f == frame => r.union(band),
            _ => band,
        };
        d.insert_temp(selected_rows_id(), (frame, rows));
    });
}

pub fn wrapped_rows(text: &str, cols: usize) -> usize {
    let cols = cols.max(1);
    let mut rows = 1;
    let mut at = 0;
    units(text, |_, u| {
        let w = unit_width(&u);
        if at > 0 && at + w > cols {
            rows += 1;
            at = 0;
        }
        at += w;
    });
    rows
}

/// Lays out one line: highlighted spans, tabs expanded, suspicious characters as visible markers, and
/// find matches (byte ranges in the line; `true` for the current match) with a background. One job, or
/// with `wrap_cols` one job per wrapped row.
/// What the gutter says of a line in a branch navigation leaves out.
fn inactive_text(why: vitrine_syntax::Inactive) -> &'static str {
    match why {
        vitrine_syntax::Inactive::Disabled => {
            "inactive branch (its condition is known false): not read by the outline or go-to-definition"
        }
        vitrine_syntax::Inactive::Alternative => {
            "alternative #if branch: navigation reads the first branch of this chain, not this one"
        }
        vitrine_syntax::Inactive::Template => "template block: not read by the outline or go-to-definition",
    }
}

pub fn layout_line(
    text: &str,
    spans: Option<&[Span]>,
    theme: &Theme,
    font: &FontId,
    marks: &[(std::ops::Range<usize>, bool)],
    wrap_cols: Option<usize>,
) -> Vec<LayoutJob> {
    let find_bg = |current: bool| {
        if current {
            Color32::from_rgba_unmultiplied(255, 170, 0, 150)
        } else {
            Color32::from_rgba_unmultiplied(255, 200, 0, 70)
        }
    };
    layout_line_marked(text, spans, theme, font, marks, wrap_cols, find_bg)
}

/// [`layout_line`] with the marks' background chosen by the caller (the diff view's changed words).
pub fn layout_line_marked(
    text: &str,
    spans: Option<&[Span]>,
    theme: &Theme,
    font: &FontId,
    marks: &[(std::ops::Range<usize>, bool)],
    wrap_cols: Option<usize>,
    mark_bg: impl Fn(bool) -> Color32,
) -> Vec<LayoutJob> {
    let mark_at = |off: usize| marks.iter().find(|(r, _)| r.contains(&off)).map(|(_, current)| *current);
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
    let note_format =
        TextFormat { font_id: font.clone(), color: Color32::from_rgb(200, 150, 40), ..Default::default() };
    let plain = [Span { range: 0..text.len(), class: HighlightClass::Plain }];
    let spans = spans.unwrap_or(&plain);
    // The highlight class of each byte offset, found by walking the spans alongside the units.
    let mut span_at = 0usize;
    let mut class_of = |off: usize| {
        while spans.get(span_at).is_some_and(|s| s.range.end <= off) {
            span_at += 1;
        }
        spans.get(span_at).filter(|s| s.range.contains(&off)).map_or(HighlightClass::Plain, |s| s.class)
    };
    let mut jobs = Vec::new();
    let mut job = LayoutJob::default();
    let mut at = 0usize;
    let mut run = String::new();
    let mut run_format: Option<TextFormat> = None;
    let mut last_class: Option<HighlightClass> = None;
    let mut base = format_of(HighlightClass::Plain);
    let flush = |job: &mut LayoutJob, run: &mut String, run_format: &Option<TextFormat>| {
        if let Some(f) = run_format
            && !run.is_empty()
        {
            job.append(&std::mem::take(run), 0.0, f.clone());
        }
    };
    units(text, |off, unit| {
        let w = unit_width(&unit);
        if let Some(cols) = wrap_cols
            && at > 0
            && at + w > cols.max(1)
        {
            flush(&mut job, &mut run, &run_format);
            jobs.push(std::mem::take(&mut job));
            at = 0;
        }
        at += w;
        match unit {
            Unit::Char(c) => {
                let class = class_of(off);
                if last_class != Some(class) {
                    base = format_of(class);
                    last_class = Some(class);
                }
                let mut format = base.clone();
                if let Some(current) = mark_at(off) {
                    format.background = mark_bg(current);
                }
                if run_format.as_ref() != Some(&format) {
                    flush(&mut job, &mut run, &run_format);
                    run_format = Some(format);
                }
                run.push(c);
            }
            Unit::Marker(label) => {
                flush(&mut job, &mut run, &run_format);
                job.append(&label, 0.0, marker.clone());
            }
            Unit::Note(note) => {
                flush(&mut job, &mut run, &run_format);
                job.append(note, 0.0, note_format.clone());
            }
        }
    });
    flush(&mut job, &mut run, &run_format);
    jobs.push(job);
    for j in &mut jobs {
        j.wrap.max_width = f32::INFINITY;
    }
    jobs
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

/// The byte offset in `text` of display column `col`, laid out as `layout_line` lays it out (tabs
/// expanded, suspicious characters as `<U+XXXX>` markers).
pub fn byte_of_display_col(text: &str, col: usize) -> usize {
    let mut column = 0usize;
    for (i, c) in text.char_indices() {
        let width = if marked(c) {
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

    fn line_job(
        text: &str,
        spans: Option<&[Span]>,
        theme: &Theme,
        font: &FontId,
        marks: &[(std::ops::Range<usize>, bool)],
    ) -> LayoutJob {
        let mut jobs = layout_line(text, spans, theme, font, marks, None);
        assert_eq!(jobs.len(), 1);
        jobs.remove(0)
    }

    #[test]
    fn wrapping_counts_the_rows_it_lays_out() {
        let theme = Theme::dark();
        let font = FontId::monospace(12.0);
        let long = "y".repeat(MAX_LINE_CHARS + 7);
        let lines = [
            "",
            "int x;",
            "\tif (a)\t{ return 1; }",
            "/*\u{202E} } \u{2066}if (is_admin)\u{2069} \u{2066} begin admins only */",
            "Проверка контрольной суммы: 漢字 and ASCII mixed",
            "\u{202E}\u{202E}\u{202E}",
            long.as_str(),
        ];
        for cols in [1, 3, 7, 16, 80] {
            let widths = line_widths(lines.len(), |l| lines[l]);
            let prefix = wrap_prefix(&widths, cols, |l| lines[l]);
            for (i, text) in lines.iter().enumerate() {
                let jobs = layout_line(text, None, &theme, &font, &[], Some(cols));
                assert_eq!(wrapped_rows(text, cols), jobs.len(), "{text:?} at {cols}");
                assert_eq!((prefix[i + 1] - prefix[i]) as usize, jobs.len(), "{text:?} at {cols}");
                let whole = layout_line(text, None, &theme, &font, &[], None);
                let joined: String = jobs.iter().map(|j| j.text.as_str()).collect();
                assert_eq!(joined, whole[0].text, "wrapping only splits, at {cols}");
                for j in &jobs {
                    let w = j.text.chars().count();
                    // A row overflows only when it holds one unit wider than the row (a marker, the note).
                    assert!(w <= cols || j.sections.len() == 1, "{:?} at {cols}", j.text);
                }
            }
        }
        // Without markers the count is plain arithmetic: 6 columns at 4 per row is 2 rows.
        assert_eq!(line_widths(1, |_| "abcdef")[0], 6);
        assert_eq!(wrap_prefix(&[6, 0, 8], 4, |_| ""), [0, 2, 3, 5]);
    }

    #[test]
    fn lines_and_inline_threads_stack_without_gaps() {
        // Ten lines of 10 px; two threads under line 2 (30 and 10 px), one under line 7 (5 px).
        let v = Vertical::new(10.0, 10, None, vec![(2, 30.0), (2, 10.0), (7, 5.0)]);
        assert_eq!(v.top(0), 0.0);
        assert_eq!(v.top(2), 20.0);
        assert_eq!(v.top(3), 70.0);
        assert_eq!(v.top(8), 125.0);
        assert_eq!(v.top(10), 145.0);
        assert_eq!(v.line_at(0.0), 0);
        assert_eq!(v.line_at(25.0), 2);
        assert_eq!(v.line_at(69.9), 2, "the threads under line 2 belong to it");
        assert_eq!(v.line_at(70.0), 3);
        assert_eq!(v.line_at(1e9), 9);
        // Wrapped: line 1 takes three rows.
        let wrap = [0, 1, 4, 5];
        let v = Vertical::new(10.0, 3, Some(&wrap), Vec::new());
        assert_eq!((v.top(1), v.top(2), v.top(3)), (10.0, 40.0, 50.0));
        assert_eq!(v.rows_of(1), 3);
        assert_eq!(v.line_at(39.0), 1);
    }

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
        // Line terminators a compiler honours and the view does not break at are marked too.
        let job = line_job("// note\rok = 1;\u{2028}x\u{2029}", None, &theme, &font, &[]);
        assert_eq!(job.text, "// note<U+000D>ok = 1;<U+2028>x<U+2029>");
        // A form feed is never drawn blank (Python resets the indentation at it).
        let job = line_job("    \x0c    delete()", None, &theme, &font, &[]);
        assert_eq!(job.text, "    <U+000C>    delete()");
        assert_eq!(byte_of_display_col("    \x0c    delete()", 12), 5);
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
