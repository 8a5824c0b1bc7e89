//! References and callers (bottom panel tabs) and the outline of the current file (right panel).

use egui::RichText;

use crate::state::symbols::{NavResult, SymIndexState};
use crate::state::{AppState, NavCmd, SymbolsCmd};
use crate::ui::Commands;

/// Rows listed at most in the references tab.
const MAX_ROWS: usize = 5000;

pub fn references_ui(ui: &mut egui::Ui, state: &AppState, callers: bool, commands: &mut Commands) {
    let sym = &state.symbols;
    ui.horizontal(|ui| {
        match &sym.index {
            SymIndexState::Building { progress, .. } => {
                let v = progress.view();
                ui.label(format!("symbol index: {} {}/{}", v.phase, v.done_items, v.total_items));
            }
            SymIndexState::Failed(e) => {
                ui.label(
                    RichText::new(format!("symbol index unavailable: {e}"))
                        .color(ui.visuals().error_fg_color),
                );
            }
            _ => {}
        }
        if callers && !sym.trail.is_empty() {
            for (i, name) in sym.trail.iter().enumerate() {
                if ui.link(name).on_hover_text("Back to the callers of this function").clicked() {
                    commands.push(SymbolsCmd::ShowCallers { name: Some(name.clone()), deeper: false });
                    let _ = i;
                }
                ui.label("←");
            }
        }
        if let Some(subject) = &sym.subject {
            let what = if callers { "callers of" } else { "references to" };
            ui.label(RichText::new(format!("{what} {subject}")).strong());
        } else {
            ui.label("Put the cursor on a name: Shift+F12 for references, Ctrl+Shift+H for callers.");
        }
        ui.label(RichText::new("(syntactic: macros and overloads are matched by name)").weak());
    });
    let open = |commands: &mut Commands, path: &str, line: u32| {
        commands.push(NavCmd::OpenFile { path: path.as_bytes().to_vec(), line: Some(line as usize) });
    };
    egui::ScrollArea::vertical().auto_shrink([false, false]).id_salt(("nav", callers)).show(ui, |ui| {
        match &sym.result {
            None if sym.subject.is_some() => {
                ui.label("searching…");
            }
            None => {}
            Some(NavResult::Error(e)) => {
                ui.label(RichText::new(e).color(ui.visuals().error_fg_color));
            }
            Some(NavResult::References(refs)) if !callers => {
                ui.label(format!("{} references", refs.len()));
                for r in refs.iter().take(MAX_ROWS) {
                    let inside = r.enclosing.as_deref().map(|e| format!("  in {e}")).unwrap_or_default();
                    let text =
                        format!("{}:{}:{}  {:?}{inside}", r.path, r.at.line + 1, r.at.column + 1, r.kind);
                    if ui.selectable_label(false, RichText::new(text).monospace()).clicked() {
                        open(commands, &r.path, r.at.line);
                    }
                }
            }
            Some(NavResult::Callers(groups)) if callers => {
                let sites = groups.iter().map(|g| g.sites.len()).sum::<usize>();
                ui.label(format!(
                    "{} caller{}, {sites} call site{}",
                    groups.len(),
                    if groups.len() == 1 { "" } else { "s" },
                    if sites == 1 { "" } else { "s" }
                ));
                let root = sym.subject.clone().into_iter().collect::<Vec<_>>();
                caller_rows(ui, sym, groups, &root, commands);
            }
            Some(_) => {}
        }
    });
}

/// Deepest level of the callers tree drawn.
const MAX_CALLER_DEPTH: usize = 24;

/// Rows of the callers tree below `above` (the subject, then the callers expanded to get here): each
/// caller with its call sites, unfolding into its own callers.
fn caller_rows(
    ui: &mut egui::Ui,
    sym: &crate::state::symbols::SymbolState,
    groups: &[vitrine_syntax::CallerGroup],
    above: &[String],
    commands: &mut Commands,
) {
    for g in groups {
        let who = g.caller.as_ref().map_or("(file level)".to_owned(), |c| c.name.clone());
        let first = g.sites.first().map_or(0, |p| p.line);
        // The node's names below the subject (the subject itself is not part of a node's key).
        let node: Vec<String> = above.iter().skip(1).cloned().chain(std::iter::once(who.clone())).collect();
        let recursive = g.caller.is_some() && above.contains(&who);
        let expanded = sym.expanded_callers.contains(&node);
        ui.horizontal(|ui| {
            if g.caller.is_some() && !recursive && above.len() < MAX_CALLER_DEPTH {
                let toggle = if expanded { "▾ callers" } else { "▸ callers" };
                if ui.small_button(toggle).on_hover_text(format!("Who calls {who}?")).clicked() {
                    commands.push(SymbolsCmd::ToggleCallerNode(node.clone()));
                }
            } else {
                ui.add_space(ui.spacing().interact_size.x + 28.0);
            }
            let text = format!("{who}  {}:{}  ({} calls)", g.path, first + 1, g.sites.len());
            if ui.selectable_label(false, RichText::new(text).monospace()).clicked() {
                commands
                    .push(NavCmd::OpenFile { path: g.path.as_bytes().to_vec(), line: Some(first as usize) });
            }
            if recursive {
                ui.label(RichText::new("(recursive)").weak());
            }
        });
        if expanded {
            ui.indent(("callers", &node), |ui| match sym.caller_cache.get(&who) {
                None | Some(crate::state::symbols::CallerLoad::Loading) => {
                    ui.label(RichText::new("finding callers…").weak());
                }
                Some(crate::state::symbols::CallerLoad::Error(e)) => {
                    ui.label(RichText::new(e).color(ui.visuals().error_fg_color));
                }
                Some(crate::state::symbols::CallerLoad::Ready(children)) if children.is_empty() => {
                    ui.label(RichText::new(format!("no calls of {who} found")).weak());
                }
                Some(crate::state::symbols::CallerLoad::Ready(children)) => {
                    let mut path = above.to_vec();
                    path.push(who.clone());
                    caller_rows(ui, sym, children, &path, commands);
                }
            });
        }
    }
}

/// The outline of the active file: definitions nested by scope; a click goes to the definition, and
/// the one containing the cursor is highlighted.
pub fn outline_ui(ui: &mut egui::Ui, state: &AppState, commands: &mut Commands) {
    let Some(tab) = state.active_tab() else { return };
    let Some(outline) = tab.doc.outline() else {
        ui.label(RichText::new("no symbols (not a recognised language, or still parsing)").weak());
        return;
    };
    if outline.parse_errors > 0 {
        ui.label(
            RichText::new(format!(
                "{} parse errors: symbols outside them are still listed",
                outline.parse_errors
            ))
            .weak(),
        );
    }
    let path = tab.doc.path.as_bytes();
    let cursor = tab.cursor_line as u32;
    let row_height = ui.text_style_height(&egui::TextStyle::Monospace) + ui.spacing().item_spacing.y + 2.0;
    egui::ScrollArea::vertical().auto_shrink([false, false]).show_rows(
        ui,
        row_height,
        outline.rows.len(),
        |ui, visible| {
            for &(depth, idx) in outline.rows.get(visible).unwrap_or_default() {
                let Some(sym) = outline.symbols.get(idx as usize) else { continue };
                let here = sym.range.start.line <= cursor && cursor <= sym.range.end.line;
                ui.horizontal(|ui| {
                    ui.add_space(depth as f32 * 14.0);
                    let text =
                        RichText::new(format!("{} {}", kind_icon(sym.kind.as_str()), sym.name)).monospace();
                    let hover = format!("{} · line {}", sym.kind.as_str(), sym.name_range.start.line + 1);
                    if ui.selectable_label(here, text).on_hover_text(hover).clicked() {
                        commands.push(NavCmd::OpenFile {
                            path: path.to_vec(),
                            line: Some(sym.name_range.start.line as usize),
                        });
                    }
                });
            }
        },
    );
}

fn kind_icon(kind: &str) -> &'static str {
    match kind {
        "function" | "method" | "constructor" | "destructor" | "operator" => "ƒ",
        "class" | "struct" | "union" | "interface" | "trait" => "◆",
        "enum" => "∈",
        "macro" => "#",
        "namespace" | "module" => "▣",
        "field" | "variable" | "constant" | "enumerator" => "·",
        _ => "○",
    }
}
