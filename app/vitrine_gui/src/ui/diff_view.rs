//! The compare view: the list of changed files (in place of the tree while comparing) and the diff of
//! one file, side by side or inline. Only the rows on screen are laid out (`show_rows`), highlighted by
//! each side's own [`crate::state::highlight::Highlighter`] (the code view's), with the changed words
//! of a changed line marked.

use egui::{Color32, FontId, RichText};
use vitrine_compare::display::intra_line;
use vitrine_compare::{FileChange, Side, Status};
use vitrine_syntax::Theme;

use crate::state::AppState;
use crate::state::compare::{
    CompareCmd, CompareState, Compared, FileDiff, Middle, Phase, Row, RowKind, SideText, SummaryState,
};
use crate::state::highlight::FrameSpans;
use crate::ui::Commands;
use crate::ui::code_view::{layout_line_marked, rgb};
use crate::ui::keymap::{self, Action};
use crate::ui::review::{InlineThread, inline_threads};

/// The colour of a status letter.
fn status_color(status: Status) -> Color32 {
    match status {
        Status::Added => Color32::from_rgb(60, 170, 90),
        Status::Deleted => Color32::from_rgb(220, 70, 60),
        Status::Modified => Color32::from_rgb(200, 150, 40),
        Status::Renamed | Status::Copied => Color32::from_rgb(90, 150, 220),
        Status::TypeChanged => Color32::from_rgb(170, 110, 220),
    }
}

/// `M`, `R87%`, `T`: what the list shows before a path.
pub fn status_label(change: &FileChange) -> String {
    match change.similarity {
        Some(s) if change.status == Status::Renamed => format!("R{s}%"),
        _ => change.status.letter().to_string(),
    }
}

/// What the list says of a change after its path: line counts and a mode change.
fn change_detail(change: &FileChange) -> String {
    let mut out = match (change.additions, change.deletions) {
        (Some(a), Some(d)) => format!("+{a} −{d}"),
        _ => "binary".to_owned(),
    };
    if let (Some(o), Some(n)) = (change.old_mode, change.new_mode)
        && o != n
    {
        out.push_str(&format!("  mode {o} → {n}"));
    }
    out
}

/// The left panel while comparing: what is compared, the changed files, and the way back.
pub fn changes_ui(ui: &mut egui::Ui, state: &AppState, compare: &CompareState, commands: &mut Commands) {
    let old = compare.old_path.display().to_string();
    ui.horizontal(|ui| {
        ui.label(RichText::new("Compare").strong());
        if ui.button("Close").on_hover_text("Leave the comparison: the tree again").clicked() {
            commands.push(CompareCmd::Close);
        }
    });
    ui.label(RichText::new(format!("before: {old}")).weak()).on_hover_text(&old);
    let compared = match &compare.phase {
        Phase::Loading { progress } => {
            let view = progress.view();
            ui.label(format!("{}: {} files", view.phase, view.done_items));
            ui.add(egui::ProgressBar::new(view.fraction()).desired_width(240.0));
            return;
        }
        Phase::Failed(e) => {
            ui.label(RichText::new(e).color(ui.visuals().error_fg_color));
            return;
        }
        Phase::Ready(c) => c,
    };
    let files = &compared.diff.files;
    let (added, deleted) = files
        .iter()
        .fold((0, 0), |(a, d), f| (a + f.additions.unwrap_or_default(), d + f.deletions.unwrap_or_default()));
    ui.label(format!("{} changed files, +{added} −{deleted}", files.len()))
        .on_hover_text(format!("compared in {} ms once both snapshots were ingested", compared.diff_ms));
    let root = state.progress.first().copied().unwrap_or_default();
    let all = state.tree.root().map_or(0, |r| r.files);
    ui.label(RichText::new(format!("reviewed {}/{all} files", root.reviewed)).weak()).on_hover_text(
        "Marked reviewed in this review, or unchanged since a signed review-mark of the version before",
    );
    let (seen, total) = compare.changed_lines_seen();
    let percent = if total == 0 { 100.0 } else { 100.0 * seen as f64 / total as f64 };
    ui.label(RichText::new(format!("changed lines seen: {percent:.0}%")).weak())
        .on_hover_text("Added and changed lines of the new version that have been on screen in the diff");
    ui.horizontal(|ui| {
        let summary = ui.add(egui::Button::new("Update summary").selected(compare.middle == Middle::Summary));
        if summary.on_hover_text("New findings, binaries and symbols of this version").clicked() {
            commands.push(CompareCmd::Show(Middle::Summary));
        }
        if compare.file.is_some()
            && ui.add(egui::Button::new("Diff").selected(compare.middle == Middle::Diff)).clicked()
        {
            commands.push(CompareCmd::Show(Middle::Diff));
        }
        let signed_in = state.review.as_ref().is_some_and(|r| r.identity.is_some());
        if let Some(progress) = compare.porting() {
            let view = progress.view();
            ui.label(format!("porting threads: {}/{}", view.done_items, view.total_items));
            ui.add(egui::ProgressBar::new(view.fraction()).desired_width(160.0));
            if ui.button("Stop").on_hover_text("Stop the port before it writes anything").clicked() {
                commands.push(CompareCmd::CancelPort);
            }
        } else {
            let port = ui.add_enabled(signed_in, egui::Button::new("Port threads"));
            let hover = "Carry the threads of the version before's review over to this one, one signed \
                         anchor-port entry each (as vitrine port)";
            if port.on_hover_text(hover).on_disabled_hover_text("Sign in first").clicked() {
                commands.push(CompareCmd::Port);
            }
        }
    });
    match &compare.ported {
        Some(Ok(text)) => {
            ui.label(RichText::new(text).color(Color32::from_rgb(60, 170, 90)));
        }
        Some(Err(e)) => {
            ui.label(RichText::new(e).color(ui.visuals().error_fg_color));
        }
        None => {}
    }
    ui.separator();
    if files.is_empty() {
        ui.label(RichText::new("no file changed").weak());
        return;
    }
    let current = compare.file.as_ref().map(|f| f.change);
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y + 4.0;
    egui::ScrollArea::both().auto_shrink([false, false]).id_salt("compare-files").show_rows(
        ui,
        row_height,
        files.len(),
        |ui, visible| {
            for i in visible {
                let Some(change) = files.get(i) else { continue };
                change_row_ui(ui, state, compare, change, i, current == Some(i), commands);
            }
        },
    );
}

fn change_row_ui(
    ui: &mut egui::Ui,
    state: &AppState,
    compare: &CompareState,
    change: &FileChange,
    index: usize,
    selected: bool,
    commands: &mut Commands,
) {
    ui.horizontal(|ui| {
        let reviewed = reviewed_before(state, compare, change);
        let (mark, what) = match (reviewed, compare.changed_seen(change)) {
            (true, _) => ("●", "unchanged since a signed review-mark".to_owned()),
            (false, Some(f)) => ("◐", format!("changed lines seen: {:.0}%", f * 100.0)),
            (false, None) => ("○", "not reviewed".to_owned()),
        };
        ui.label(mark).on_hover_text(what);
        ui.label(RichText::new(status_label(change)).monospace().strong().color(status_color(change.status)))
            .on_hover_text(change.status.as_str());
        let name = match (&change.old_path, &change.new_path) {
            (Some(o), Some(n)) if o != n => format!("{o} → {n}"),
            _ => change.path().to_owned(),
        };
        let row = ui.selectable_label(selected, format!("{name}  {}", change_detail(change)));
        if selected {
            let id = egui::Id::unique("compare-revealed");
            let seq = compare.file.as_ref().and_then(|f| f.scroll_to).map_or(0, |(_, s)| s);
            if ui.ctx().data(|d| d.get_temp::<(usize, u64)>(id)) != Some((index, seq)) {
                ui.ctx().data_mut(|d| d.insert_temp(id, (index, seq)));
                row.scroll_to_me(Some(egui::Align::Center));
            }
        }
        if row.clicked() {
            commands.push(CompareCmd::OpenChange(index));
        }
    });
}

/// Whether the new side of a change has a signed review-mark for its content in the review on screen
/// (a reviewed file whose blob an update leaves alone is not listed at all).
fn reviewed_before(state: &AppState, compare: &CompareState, change: &FileChange) -> bool {
    let (Some(review), Some(path), Some(blob)) = (&state.review, &change.new_path, &change.new_blob) else {
        return false;
    };
    let blob = blob.to_string();
    review.is_reviewed(path, &blob) || compare.compared().is_some_and(|c| c.reviewed_before(path, &blob))
}

/// Draws the diff of the change on screen. Returns the rows that fit (the page size).
pub fn diff_ui(
    ui: &mut egui::Ui,
    state: &AppState,
    compare: &CompareState,
    commands: &mut Commands,
) -> usize {
    let Some(file) = &compare.file else { return 0 };
    let Some(compared) = compare.compared() else { return 0 };
    header_ui(ui, compare, compared, file, commands);
    ui.separator();
    if let Some(note) = &file.note {
        ui.label(RichText::new(note).weak());
        return 0;
    }
    if file.hunks.is_empty() {
        ui.label(RichText::new("Same text on both sides (a rename or a mode change).").weak());
    }
    // Threads of the new version on this file (ported ones show their state): a strip above the
    // rows, and a bar beside the lines they are on.
    let threads: Vec<InlineThread> = match (&state.review, &file.info.new_path) {
        (Some(r), Some(path)) => inline_threads(r, path, &Default::default()),
        _ => Vec::new(),
    };
    threads_strip_ui(ui, &threads, commands);
    let theme = if state.prefs.dark { Theme::dark() } else { Theme::light() };
    let font = FontId::monospace(state.prefs.font_size());
    egui::Frame::new()
        .fill(rgb(theme.background))
        .show(ui, |ui| rows_ui(ui, compare, file, &threads, &theme, &font, commands))
        .inner
}

fn header_ui(
    ui: &mut egui::Ui,
    compare: &CompareState,
    compared: &Compared,
    file: &FileDiff,
    commands: &mut Commands,
) {
    let change = &file.info;
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(status_label(change)).monospace().strong().color(status_color(change.status)));
        let name = match (&change.old_path, &change.new_path) {
            (Some(o), Some(n)) if o != n => format!("{o} → {n}"),
            _ => change.path().to_owned(),
        };
        ui.label(RichText::new(name).strong());
        ui.label(RichText::new(change_detail(change)).weak());
        ui.separator();
        let hunks = file.layout(compare.inline).hunk_starts.as_slice();
        let at = hunks.partition_point(|&s| s <= file.cursor);
        ui.label(format!("hunk {at}/{}", hunks.len()));
        let buttons = [
            ("◀ hunk", Action::PreviousHunk, CompareCmd::StepHunk(false)),
            ("hunk ▶", Action::NextHunk, CompareCmd::StepHunk(true)),
            ("◀ file", Action::PreviousChangedFile, CompareCmd::StepFile(false)),
            ("file ▶", Action::NextChangedFile, CompareCmd::StepFile(true)),
        ];
        for (text, action, cmd) in buttons {
            if ui.button(text).on_hover_text(keymap::tooltip(text, action)).clicked() {
                commands.push(cmd);
            }
        }
        ui.label(format!("{}/{}", file.change + 1, compared.diff.files.len()));
        ui.separator();
        for (inline, text) in [(false, "Side by side"), (true, "Inline")] {
            let b = ui.add(egui::Button::new(text).selected(compare.inline == inline));
            if b.on_hover_text(keymap::tooltip("Side by side or inline", Action::ToggleDiffLayout)).clicked()
            {
                commands.push(CompareCmd::SetInline(inline));
            }
        }
        ui.separator();
        let hover = match file.selected() {
            Some((Side::New, a, b)) => format!("Annotate lines {}–{} of the new version", a + 1, b + 1),
            Some((Side::Old, a, b)) => format!("Lines {}–{} of the old version", a + 1, b + 1),
            None => "Select lines first (click, Shift+click)".to_owned(),
        };
        if ui.button("Annotate…").on_hover_text(keymap::tooltip(&hover, Action::Annotate)).clicked() {
            commands.push(CompareCmd::Annotate);
        }
        if ui.button("Code view").on_hover_text("The tabs of the new version").clicked() {
            commands.push(CompareCmd::Show(Middle::Code));
        }
    });
}

/// Background of a removed line, an added line, and of their changed words.
struct Palette {
    removed: Color32,
    added: Color32,
    removed_word: Color32,
    added_word: Color32,
    empty: Color32,
    selected: Color32,
    number: Color32,
}

impl Palette {
    fn new(theme: &Theme) -> Palette {
        Palette {
            removed: Color32::from_rgba_unmultiplied(220, 60, 60, 40),
            added: Color32::from_rgba_unmultiplied(60, 180, 90, 40),
            removed_word: Color32::from_rgba_unmultiplied(230, 60, 60, 120),
            added_word: Color32::from_rgba_unmultiplied(40, 190, 80, 120),
            empty: rgb(theme.foreground).gamma_multiply(0.05),
            selected: Color32::from_rgba_unmultiplied(90, 150, 220, 60),
            number: rgb(theme.foreground).gamma_multiply(0.45),
        }
    }
}

/// The rows on screen, and nothing else.
fn rows_ui(
    ui: &mut egui::Ui,
    compare: &CompareState,
    file: &FileDiff,
    threads: &[InlineThread],
    theme: &Theme,
    font: &FontId,
    commands: &mut Commands,
) -> usize {
    let layout = file.layout(compare.inline);
    let rows = layout.rows.len();
    let row_height = ui.fonts_mut(|f| f.row_height(font));
    let page_rows = (ui.available_height() / row_height.max(1.0)) as usize;
    let id = egui::Id::unique(("diff", file.change, compare.inline));
    let mut area = egui::ScrollArea::vertical().auto_shrink([false, false]).id_salt(id);
    let seq_id = id.with("scroll-seq");
    if let Some((row, seq)) = file.scroll_to
        && ui.ctx().data(|d| d.get_temp::<u64>(seq_id)) != Some(seq)
    {
        ui.ctx().data_mut(|d| d.insert_temp(seq_id, seq));
        let y = row.min(rows) as f32 * row_height;
        area = area.vertical_scroll_offset((y - page_rows as f32 * row_height / 4.0).max(0.0));
    }
    let palette = Palette::new(theme);
    let digits = file
        .old
        .as_ref()
        .map_or(1, |s| s.count)
        .max(file.new.as_ref().map_or(1, |s| s.count))
        .to_string()
        .len();
    let shift = ui.input(|i| i.modifiers.shift);
    // Rows touch: `show_rows` steps by the row height plus this spacing, so it must be none.
    ui.spacing_mut().item_spacing.y = 0.0;
    // The width is the view's, fixed before the rows: a long line laid out inside must not widen the
    // scrolled content (and with it both halves) on the next frame.
    let width = (ui.available_width() - ui.spacing().scroll.allocated_width()).max(100.0);
    // Sideways: one offset for the whole diff, so both sides of side by side move together; the line
    // numbers stay. Moved by a sideways wheel or Shift+wheel over the diff, kept within the longest
    // line laid out on the last frame.
    let x_id = id.with("x");
    let widest_id = id.with("widest");
    let number_w = ui.fonts_mut(|f| f.glyph_width(font, '0')) * (digits + 3) as f32;
    let text_w = if compare.inline { width - number_w } else { width / 2.0 - 1.0 - number_w };
    let widest = ui.ctx().data(|d| d.get_temp::<f32>(widest_id)).unwrap_or(0.0);
    let mut x_offset = ui.ctx().data(|d| d.get_temp::<f32>(x_id)).unwrap_or(0.0);
    if ui.rect_contains_pointer(ui.available_rect_before_wrap()) {
        let (delta, shift_wheel) = ui.input(|i| (i.smooth_scroll_delta, i.modifiers.shift));
        let dx = if delta.x != 0.0 {
            delta.x
        } else if shift_wheel {
            delta.y
        } else {
            0.0
        };
        x_offset -= dx;
    }
    x_offset = x_offset.clamp(0.0, (widest - text_w + 2.0 * row_height).max(0.0));
    ui.ctx().data_mut(|d| d.insert_temp(x_id, x_offset));
    let mut widest_now = 0.0f32;
    area.show_rows(ui, row_height, rows, |ui, visible| {
        let seen_id = id.with("seen");
        if ui.ctx().data(|d| d.get_temp::<std::ops::Range<usize>>(seen_id)) != Some(visible.clone()) {
            ui.ctx().data_mut(|d| d.insert_temp(seen_id, visible.clone()));
            commands.push(CompareCmd::Seen(visible.clone()));
        }
        let slice = layout.rows.get(visible.clone()).unwrap_or_default();
        let spans = |side: Option<&SideText>, pick: fn(&Row) -> Option<u32>| -> Option<FrameSpans> {
            let side = side?;
            let lines = slice.iter().filter_map(pick);
            let (lo, hi) = lines.fold((u32::MAX, 0), |(lo, hi), l| (lo.min(l), hi.max(l)));
            (lo <= hi).then(|| side.highlight.frame(lo as usize..hi as usize + 1, &side.lines))
        };
        let old_spans = spans(file.old.as_ref(), |r| r.old);
        let new_spans = spans(file.new.as_ref(), |r| r.new);
        let ctx = RowCtx {
            file,
            theme,
            font,
            palette: &palette,
            digits,
            row_height,
            old_spans: old_spans.as_ref(),
            new_spans: new_spans.as_ref(),
            shift,
            threads,
            number_w,
            x_offset,
            widest: std::cell::Cell::new(0.0),
        };
        ui.spacing_mut().item_spacing = egui::vec2(0.0, 0.0);
        for row in slice {
            let (rect, _) = ui.allocate_exact_size(egui::vec2(width, row_height), egui::Sense::hover());
            if compare.inline {
                let (side, line) = match row.kind {
                    RowKind::Removed => (Side::Old, row.old),
                    _ => (Side::New, row.new),
                };
                ctx.cell_ui(ui, rect, row, side, line, true, commands);
            } else {
                let half = rect.width() / 2.0;
                let left = egui::Rect::from_min_size(rect.min, egui::vec2(half - 1.0, row_height));
                let right = egui::Rect::from_min_size(
                    rect.min + egui::vec2(half + 1.0, 0.0),
                    egui::vec2(half - 1.0, row_height),
                );
                ui.painter().vline(rect.center().x, rect.y_range(), (1.0, palette.empty));
                ctx.cell_ui(ui, left, row, Side::Old, row.old, false, commands);
                ctx.cell_ui(ui, right, row, Side::New, row.new, false, commands);
            }
        }
        widest_now = ctx.widest.get();
    });
    ui.ctx().data_mut(|d| d.insert_temp(widest_id, widest_now));
    page_rows
}

/// What every cell of a frame shares.
struct RowCtx<'a> {
    file: &'a FileDiff,
    theme: &'a Theme,
    font: &'a FontId,
    palette: &'a Palette,
    digits: usize,
    row_height: f32,
    old_spans: Option<&'a FrameSpans>,
    new_spans: Option<&'a FrameSpans>,
    shift: bool,
    /// Threads of the new version on this file.
    threads: &'a [InlineThread],
    /// Width of the line-number column (it does not scroll sideways).
    number_w: f32,
    /// How far the text is scrolled sideways, in points (the same on both sides).
    x_offset: f32,
    /// The widest line text laid out in this frame (bounds the sideways scroll on the next).
    widest: std::cell::Cell<f32>,
}

impl RowCtx<'_> {
    /// One side of a row: line number, text with its changed words, background; a click selects it.
    #[allow(clippy::too_many_arguments)]
    fn cell_ui(
        &self,
        ui: &mut egui::Ui,
        rect: egui::Rect,
        row: &Row,
        side: Side,
        line: Option<u32>,
        inline: bool,
        commands: &mut Commands,
    ) {
        let Some(line) = line else {
            ui.painter().rect_filled(rect, 0.0, self.palette.empty);
            return;
        };
        let changed = row.kind != RowKind::Same;
        let (text_side, other_side, spans) = match side {
            Side::Old => (self.file.old.as_ref(), self.file.new.as_ref(), self.old_spans),
            Side::New => (self.file.new.as_ref(), self.file.old.as_ref(), self.new_spans),
        };
        let Some(text_side) = text_side else { return };
        let text = text_side.line(line);
        let selected = self.file.selected().is_some_and(|(s, a, b)| s == side && (a..=b).contains(&line));
        let bg = match (selected, changed, side) {
            (true, _, _) => Some(self.palette.selected),
            (false, true, Side::Old) => Some(self.palette.removed),
            (false, true, Side::New) => Some(self.palette.added),
            (false, false, _) => None,
        };
        if let Some(bg) = bg {
            ui.painter().rect_filled(rect, 0.0, bg);
        }
        // The changed words, against the line it is paired with on the other side.
        let partner = match side {
            Side::Old => row.new,
            Side::New => row.old,
        };
        let marks: Vec<(std::ops::Range<usize>, bool)> = match (changed, partner, other_side) {
            (true, Some(p), Some(other)) => {
                let (o, n) = match side {
                    Side::Old => intra_line(text, other.line(p)),
                    Side::New => intra_line(other.line(p), text),
                };
                let mine = if side == Side::Old { o } else { n };
                mine.into_iter().map(|r| (r, side == Side::New)).collect()
            }
            _ => Vec::new(),
        };
        let (removed_word, added_word) = (self.palette.removed_word, self.palette.added_word);
        let word_bg = move |added: bool| if added { added_word } else { removed_word };
        let jobs = layout_line_marked(
            text,
            spans.and_then(|s| s.get(line as usize)),
            self.theme,
            self.font,
            &marks,
            None,
            word_bg,
        );
        let sign = match (inline, changed, side) {
            (true, true, Side::Old) => "−",
            (true, true, Side::New) => "+",
            _ => " ",
        };
        let number = format!("{:>w$} {sign} ", line + 1, w = self.digits);
        let mut cell = ui.new_child(
            egui::UiBuilder::new().max_rect(rect).layout(egui::Layout::left_to_right(egui::Align::Min)),
        );
        cell.set_clip_rect(rect.intersect(ui.clip_rect()));
        let mut n = cell.add_sized(
            egui::vec2(self.number_w, rect.height()),
            egui::Label::new(RichText::new(number).font(self.font.clone()).color(self.palette.number))
                .selectable(false)
                .sense(egui::Sense::click()),
        );
        if side == Side::New {
            let on = self.threads.iter().filter(|t| (t.first..=t.last).contains(&(line as usize)));
            let mut hover = Vec::new();
            for t in on {
                let bar = egui::Rect::from_min_size(rect.min, egui::vec2(3.0, rect.height()));
                ui.painter().rect_filled(bar, 0.0, t.color);
                hover.push(format!("{}\n{}", t.header.trim_start_matches(['▾', '▸', ' ']), t.body));
            }
            if !hover.is_empty() {
                n = n.on_hover_text(hover.join("\n\n"));
            }
        }
        // The text, shifted left by the sideways scroll and clipped at the number column.
        let text_rect = egui::Rect::from_min_max(
            egui::pos2(rect.min.x + self.number_w - self.x_offset, rect.min.y),
            egui::pos2(f32::INFINITY, rect.max.y),
        );
        let mut text_ui = ui.new_child(
            egui::UiBuilder::new().max_rect(text_rect).layout(egui::Layout::left_to_right(egui::Align::Min)),
        );
        let visible = egui::Rect::from_min_max(egui::pos2(rect.min.x + self.number_w, rect.min.y), rect.max);
        text_ui.set_clip_rect(visible.intersect(ui.clip_rect()));
        let code = text_ui.add(
            egui::Label::new(jobs.into_iter().next().unwrap_or_default())
                .extend()
                .selectable(false)
                .sense(egui::Sense::click()),
        );
        self.widest.set(self.widest.get().max(code.rect.width()));
        let _ = self.row_height;
        if n.clicked() || code.clicked() {
            commands.push(CompareCmd::Select { side, line, extend: self.shift });
        }
    }
}

/// The threads on the file's new version, one line each (header, then the first line of the body);
/// a click selects the thread's lines in the diff.
fn threads_strip_ui(ui: &mut egui::Ui, threads: &[InlineThread], commands: &mut Commands) {
    let live: Vec<&InlineThread> = threads.iter().filter(|t| !t.retracted).collect();
    if live.is_empty() {
        return;
    }
    egui::ScrollArea::vertical().max_height(120.0).id_salt("diff-threads").show(ui, |ui| {
        for t in live {
            let header = t.header.trim_start_matches(['▾', '▸', ' ']);
            // The body's first line as plain text (a port's starts with its state, in bold).
            let first = t
                .body
                .lines()
                .map(|l| l.trim_start_matches(['>', ' ']).replace(['*', '`'], ""))
                .find(|l| !l.is_empty());
            // One truncated line per thread: a long header must not widen the view.
            let text =
                format!("▌ lines {}–{}  {header}  {}", t.first + 1, t.last + 1, first.unwrap_or_default());
            let row = ui.add(
                egui::Label::new(RichText::new(text).color(t.color)).truncate().sense(egui::Sense::click()),
            );
            if row.on_hover_text(&t.body).clicked() {
                commands.push(CompareCmd::Select { side: Side::New, line: t.first as u32, extend: false });
                commands.push(CompareCmd::Select { side: Side::New, line: t.last as u32, extend: true });
            }
        }
    });
    ui.separator();
}

/// The update summary: what the new version brings that can deceive or hide code, and its symbol
/// delta; every row opens its diff.
pub fn summary_ui(ui: &mut egui::Ui, compare: &CompareState, commands: &mut Commands) {
    ui.heading("Update summary");
    let summary = match &compare.summary {
        SummaryState::Pending => {
            ui.label(RichText::new("computing the health and symbol delta…").weak());
            return;
        }
        SummaryState::Failed(e) => {
            ui.label(RichText::new(e).color(ui.visuals().error_fg_color));
            return;
        }
        SummaryState::Ready(s) => s,
    };
    egui::ScrollArea::vertical().auto_shrink([false, false]).id_salt("update-summary").show(ui, |ui| {
        ui.label(
            RichText::new(format!("Health delta: {} new findings", summary.new_findings.len())).strong(),
        );
        if summary.new_findings.is_empty() {
            ui.label(RichText::new("nothing new that can hide or smuggle code").weak());
        }
        for f in &summary.new_findings {
            // Line and column, as the health panel shows them: two findings on one line stay apart.
            let place = match (f.line, f.column) {
                (Some(l), Some(c)) => format!("{}:{l}:{c}", f.path),
                (Some(l), None) => format!("{}:{l}", f.path),
                _ => f.path.clone(),
            };
            let color = if f.kind.is_deceptive() {
                Color32::from_rgb(230, 70, 60)
            } else {
                Color32::from_rgb(200, 150, 40)
            };
            ui.horizontal(|ui| {
                ui.label(RichText::new(f.kind.as_str()).color(color).strong());
                let line = f.line.map(|l| (Side::New, l.saturating_sub(1) as u32));
                if ui.link(&place).on_hover_text(&f.detail).clicked() {
                    commands.push(CompareCmd::OpenAt { path: f.path.clone(), line });
                }
                ui.label(RichText::new(&f.detail).weak());
            });
        }
        if !summary.gone_findings.is_empty() {
            ui.label(
                RichText::new(format!(
                    "{} findings of the old version are gone",
                    summary.gone_findings.len()
                ))
                .weak(),
            );
        }
        ui.separator();
        ui.label(RichText::new(format!("Binaries added or changed: {}", summary.binaries.len())).strong());
        for b in &summary.binaries {
            ui.horizontal(|ui| {
                ui.label(RichText::new(b.status.as_str()).color(status_color(b.status)));
                if ui.link(&b.path).clicked() {
                    commands.push(CompareCmd::OpenAt { path: b.path.clone(), line: None });
                }
            });
        }
        // Renames, copies, mode and type changes, files added and deleted: a rename without an edit
        // is no text change, yet `auth.c` -> `auth.c.orig` leaves the C sources (the flags say so).
        ui.separator();
        ui.label(
            RichText::new(format!(
                "Paths renamed, copied, added, deleted, or with a new mode or type: {}",
                summary.paths.len()
            ))
            .strong(),
        );
        for p in &summary.paths {
            ui.horizontal(|ui| {
                ui.label(RichText::new(p.status.as_str()).color(status_color(p.status)));
                let shown = match (&p.old_path, &p.new_path) {
                    (Some(o), Some(n)) if o != n => format!("{o} → {n}"),
                    (o, n) => n.clone().or_else(|| o.clone()).unwrap_or_default(),
                };
                match &p.new_path {
                    Some(n) => {
                        if ui.link(&shown).clicked() {
                            commands.push(CompareCmd::OpenAt { path: n.clone(), line: None });
                        }
                    }
                    None => {
                        ui.label(&shown);
                    }
                }
                if let Some(sim) = p.similarity {
                    ui.label(RichText::new(format!("{sim}%")).weak());
                }
                if let (Some(o), Some(n)) = (p.old_mode, p.new_mode)
                    && o != n
                {
                    ui.label(RichText::new(format!("mode {o} → {n}")).weak());
                }
            });
            for f in &p.flags {
                ui.label(RichText::new(format!("    ! {f}")).color(Color32::from_rgb(200, 150, 40)));
            }
        }
        ui.separator();
        let (a, r, c) = summary
            .symbols
            .iter()
            .fold((0, 0, 0), |(a, r, c), f| (a + f.added.len(), r + f.removed.len(), c + f.changed.len()));
        ui.label(
            RichText::new(format!(
                "Changed text files: {}; symbols: {a} added, {r} removed, {c} changed",
                summary.symbols.len()
            ))
            .strong(),
        );
        for f in &summary.symbols {
            ui.label(RichText::new(&f.path).monospace());
            ui.indent(("symbols", &f.path), |ui| {
                if f.too_large {
                    ui.label(RichText::new("too large to compare line by line").weak());
                }
                let groups =
                    [("+", Side::New, &f.added), ("−", Side::Old, &f.removed), ("~", Side::New, &f.changed)];
                for (sign, side, symbols) in groups {
                    for s in symbols {
                        let text = format!("{sign} {} {}", s.kind, s.name);
                        if ui.link(text).on_hover_text(format!("line {}", s.line)).clicked() {
                            let line = Some((side, s.line.saturating_sub(1)));
                            commands.push(CompareCmd::OpenAt { path: f.path.clone(), line });
                        }
                    }
                }
                // Directives added and removed (a flipped `#ifdef` changes what is compiled), then the
                // lines changed outside any definition: file-scope tables and flags.
                for d in &f.directives {
                    let (sign, side) =
                        if d.change == "added" { ("+", Side::New) } else { ("−", Side::Old) };
                    if ui
                        .link(format!("{sign} {}", d.text))
                        .on_hover_text(format!("line {}", d.line))
                        .clicked()
                    {
                        let line = Some((side, d.line.saturating_sub(1)));
                        commands.push(CompareCmd::OpenAt { path: f.path.clone(), line });
                    }
                }
                // Go build constraints and Rust `cfg` attributes added and removed.
                for d in &f.build {
                    let (sign, side) =
                        if d.change == "added" { ("+", Side::New) } else { ("−", Side::Old) };
                    if ui
                        .link(format!("{sign} build condition {}", d.text))
                        .on_hover_text(format!("line {}", d.line))
                        .clicked()
                    {
                        let line = Some((side, d.line.saturating_sub(1)));
                        commands.push(CompareCmd::OpenAt { path: f.path.clone(), line });
                    }
                }
                if let Some(first) = f.outside.first() {
                    let label =
                        if f.grammar { "lines changed outside any definition" } else { "lines changed" };
                    let text = format!("{label}: {}", vitrine_compare::summary::outside_text(&f.outside, 20));
                    if ui.link(text).clicked() {
                        let line = match (first.new, first.old) {
                            (Some([n, _]), _) => Some((Side::New, n.saturating_sub(1))),
                            (None, Some([o, _])) => Some((Side::Old, o.saturating_sub(1))),
                            (None, None) => None,
                        };
                        commands.push(CompareCmd::OpenAt { path: f.path.clone(), line });
                    }
                }
            });
        }
    });
}
