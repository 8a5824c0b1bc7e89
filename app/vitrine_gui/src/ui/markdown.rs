//! Markdown in annotation threads, shown as text and nothing more: no HTML is interpreted, no image or
//! link is ever fetched or opened (a link shows its target after its text), and characters that hide or
//! reorder text are drawn as `<U+XXXX>` markers, as in the code view. A body is written by a party to the
//! review, so it is shown as exactly what it says.

use egui::text::LayoutJob;
use egui::{Color32, FontFamily, FontId, TextFormat};
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use vitrine_snapshot::text::suspicious;

/// How a run of text looks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    pub bold: bool,
    pub italic: bool,
    pub code: bool,
    pub strike: bool,
    /// A link's text or target (shown, never opened).
    pub link: bool,
    /// A suspicious character drawn as its code point.
    pub marker: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub text: String,
    pub style: Style,
}

/// One block of a rendered body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Heading {
        level: u8,
        runs: Vec<Run>,
    },
    Paragraph {
        runs: Vec<Run>,
    },
    /// A list item's first paragraph, with its nesting depth (0 = top level) and marker (`•`, `3.`).
    Item {
        depth: usize,
        marker: String,
        runs: Vec<Run>,
    },
    Quote {
        runs: Vec<Run>,
    },
    Code {
        text: String,
    },
    Rule,
}

/// Parses a body into blocks.
///
/// Longer than 120 lines on purpose: one state machine over the Markdown event stream, whose arms all
/// update the same open state (runs, style, lists, item marker, quote depth, code, heading, links);
/// split up, that state would be passed around by hand at every event.
pub fn parse(source: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut runs: Vec<Run> = Vec::new();
    let mut style = Style::default();
    // Open lists: the next number of each ordered list, `None` for bullets.
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut item_marker: Option<(usize, String)> = None;
    let mut quote_depth = 0usize;
    let mut code: Option<String> = None;
    let mut heading: Option<u8> = None;
    let mut links: Vec<String> = Vec::new();
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let flush = |runs: &mut Vec<Run>,
                 out: &mut Vec<Block>,
                 item: &mut Option<(usize, String)>,
                 heading: Option<u8>,
                 quote: bool| {
        if runs.is_empty() && item.is_none() {
            return;
        }
        let taken = std::mem::take(runs);
        let block = if let Some(level) = heading {
            Block::Heading { level, runs: taken }
        } else if let Some((depth, marker)) = item.take() {
            Block::Item { depth, marker, runs: taken }
        } else if quote {
            Block::Quote { runs: taken }
        } else {
            Block::Paragraph { runs: taken }
        };
        out.push(block);
    };
    for event in Parser::new_ext(source, options) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some(match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    _ => 3,
                });
            }
            Event::End(TagEnd::Heading(_)) => {
                flush(&mut runs, &mut out, &mut item_marker, heading, quote_depth > 0);
                heading = None;
            }
            Event::Start(Tag::Paragraph) => {}
            Event::End(TagEnd::Paragraph) => {
                flush(&mut runs, &mut out, &mut item_marker, None, quote_depth > 0)
            }
            Event::Start(Tag::BlockQuote(_)) => quote_depth += 1,
            Event::End(TagEnd::BlockQuote(_)) => quote_depth = quote_depth.saturating_sub(1),
            Event::Start(Tag::List(start)) => {
                flush(&mut runs, &mut out, &mut item_marker, None, quote_depth > 0);
                lists.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                flush(&mut runs, &mut out, &mut item_marker, None, quote_depth > 0);
                lists.pop();
            }
            Event::Start(Tag::Item) => {
                flush(&mut runs, &mut out, &mut item_marker, None, quote_depth > 0);
                let depth = lists.len().saturating_sub(1);
                let marker = match lists.last_mut() {
                    Some(Some(n)) => {
                        let m = format!("{n}.");
                        *n += 1;
                        m
                    }
                    _ => "•".to_owned(),
                };
                item_marker = Some((depth, marker));
            }
            Event::End(TagEnd::Item) => flush(&mut runs, &mut out, &mut item_marker, None, quote_depth > 0),
            Event::TaskListMarker(done) => {
                if let Some((_, m)) = &mut item_marker {
                    *m = if done { "☑".into() } else { "☐".into() };
                }
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                flush(&mut runs, &mut out, &mut item_marker, None, quote_depth > 0);
                let _ = matches!(kind, CodeBlockKind::Fenced(_));
                code = Some(String::new());
            }
            Event::End(TagEnd::CodeBlock) => {
                let mut text = code.take().unwrap_or_default();
                if text.ends_with('\n') {
                    text.pop();
                }
                out.push(Block::Code { text: visible(&text) });
            }
            Event::Start(Tag::Emphasis) => style.italic = true,
            Event::End(TagEnd::Emphasis) => style.italic = false,
            Event::Start(Tag::Strong) => style.bold = true,
            Event::End(TagEnd::Strong) => style.bold = false,
            Event::Start(Tag::Strikethrough) => style.strike = true,
            Event::End(TagEnd::Strikethrough) => style.strike = false,
            Event::Start(Tag::Link { dest_url, .. }) => {
                style.link = true;
                links.push(dest_url.into_string());
            }
            Event::End(TagEnd::Link) => {
                style.link = false;
                if let Some(url) = links.pop() {
                    push_text(&mut runs, &format!(" <{url}>"), Style { link: true, ..style });
                }
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                push_text(&mut runs, "[image: ", style);
                links.push(dest_url.into_string());
            }
            Event::End(TagEnd::Image) => {
                let url = links.pop().unwrap_or_default();
                push_text(&mut runs, &format!("] <{url}> (not loaded)"), style);
            }
            Event::Text(t) => match &mut code {
                Some(c) => c.push_str(&t),
                None => push_text(&mut runs, &t, style),
            },
            Event::Code(t) => push_text(&mut runs, &t, Style { code: true, ..style }),
            // HTML is shown as the text it is, never interpreted.
            Event::Html(t) | Event::InlineHtml(t) => match &mut code {
                Some(c) => c.push_str(&t),
                None => push_text(&mut runs, &t, Style { code: true, ..style }),
            },
            Event::SoftBreak => push_text(&mut runs, " ", style),
            Event::HardBreak => push_text(&mut runs, "\n", style),
            Event::Rule => {
                flush(&mut runs, &mut out, &mut item_marker, None, quote_depth > 0);
                out.push(Block::Rule);
            }
            Event::FootnoteReference(t) => push_text(&mut runs, &format!("[^{t}]"), style),
            Event::InlineMath(t) | Event::DisplayMath(t) => {
                push_text(&mut runs, &t, Style { code: true, ..style })
            }
            Event::Start(_) | Event::End(_) => {}
        }
    }
    flush(&mut runs, &mut out, &mut item_marker, None, false);
    out
}

/// Appends text, splitting out suspicious characters as markers and merging with the last run.
fn push_text(runs: &mut Vec<Run>, text: &str, style: Style) {
    let mut plain = String::new();
    let emit = |runs: &mut Vec<Run>, s: &str, style: Style| {
        if s.is_empty() {
            return;
        }
        match runs.last_mut() {
            Some(last) if last.style == style => last.text.push_str(s),
            _ => runs.push(Run { text: s.to_owned(), style }),
        }
    };
    for c in text.chars() {
        if suspicious(c).is_some() {
            emit(runs, &std::mem::take(&mut plain), style);
            emit(runs, &format!("<U+{:04X}>", c as u32), Style { marker: true, ..style });
        } else {
            plain.push(c);
        }
    }
    emit(runs, &plain, style);
}

/// Code block text with suspicious characters made visible.
fn visible(text: &str) -> String {
    text.chars()
        .map(|c| if suspicious(c).is_some() { format!("<U+{:04X}>", c as u32) } else { c.to_string() })
        .collect()
}

#[derive(Clone, Copy)]
struct Colors {
    text: Color32,
    strong: Color32,
    code_bg: Color32,
}

/// Draws a Markdown body at the width available.
pub fn show(ui: &mut egui::Ui, source: &str) {
    let size = egui::TextStyle::Body.resolve(ui.style()).size;
    let color = ui.visuals().text_color();
    let weak = ui.visuals().weak_text_color();
    let code_bg = ui.visuals().code_bg_color;
    let colors = Colors { text: color, strong: ui.visuals().strong_text_color(), code_bg };
    let width = ui.available_width();
    let spacing = ui.spacing().item_spacing.y;
    ui.spacing_mut().item_spacing.y = spacing.max(3.0);
    for block in parse(source) {
        match block {
            Block::Heading { level, runs } => {
                let grow = match level {
                    1 => 1.35,
                    2 => 1.2,
                    _ => 1.08,
                };
                let job = job(&runs, size * grow, colors, width, true);
                ui.label(job);
            }
            Block::Paragraph { runs } => {
                ui.label(job(&runs, size, colors, width, false));
            }
            Block::Item { depth, marker, runs } => {
                ui.horizontal_top(|ui| {
                    ui.add_space(12.0 * depth as f32);
                    ui.label(egui::RichText::new(marker).color(weak));
                    let w = ui.available_width();
                    ui.label(job(&runs, size, colors, w, false));
                });
            }
            Block::Quote { runs } => {
                egui::Frame::new()
                    .inner_margin(egui::Margin { left: 8, right: 0, top: 0, bottom: 0 })
                    .stroke(egui::Stroke::NONE)
                    .show(ui, |ui| {
                        let r =
                            ui.label(job(&runs, size, Colors { text: weak, ..colors }, width - 10.0, false));
                        let bar = egui::Rect::from_min_max(
                            egui::pos2(r.rect.left() - 7.0, r.rect.top()),
                            egui::pos2(r.rect.left() - 4.0, r.rect.bottom()),
                        );
                        ui.painter().rect_filled(bar, 1.0, weak);
                    });
            }
            Block::Code { text } => {
                egui::Frame::new().fill(code_bg).inner_margin(4).corner_radius(3).show(ui, |ui| {
                    ui.label(egui::RichText::new(text).monospace().color(color));
                });
            }
            Block::Rule => {
                ui.separator();
            }
        }
    }
    ui.spacing_mut().item_spacing.y = spacing;
}

fn job(runs: &[Run], size: f32, colors: Colors, width: f32, bold_all: bool) -> LayoutJob {
    let Colors { text: color, strong, code_bg } = colors;
    let mut job = LayoutJob::default();
    for r in runs {
        let bold = bold_all || r.style.bold;
        // The bundled sans font has no bold face: bold prose is drawn in the strong colour, bold code in
        // the bold monospace face.
        let family = if r.style.code || r.style.marker {
            if bold {
                FontFamily::Name(crate::ui::fonts::MONO_BOLD_FAMILY.into())
            } else {
                FontFamily::Monospace
            }
        } else {
            FontFamily::Proportional
        };
        let mut format = TextFormat {
            font_id: FontId::new(if r.style.code { size * 0.92 } else { size }, family),
            color: if bold { strong } else { color },
            italics: r.style.italic,
            ..Default::default()
        };
        if r.style.code {
            format.background = code_bg;
        }
        if r.style.link {
            format.color = Color32::from_rgb(90, 150, 230);
            format.underline = egui::Stroke::new(1.0, format.color);
        }
        if r.style.strike {
            format.strikethrough = egui::Stroke::new(1.0, color);
        }
        if r.style.marker {
            format.color = Color32::WHITE;
            format.background = Color32::from_rgb(200, 30, 30);
        }
        job.append(&r.text, 0.0, format);
    }
    job.wrap.max_width = width.max(40.0);
    job
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(runs: &[Run]) -> String {
        runs.iter().map(|r| r.text.as_str()).collect()
    }

    #[test]
    fn crlf_line_ends_are_not_marked_and_a_lone_cr_is() {
        let b = parse("Text\r\nmore\r\n\r\n```c\r\nint a;\r\n```\r\n");
        assert!(!format!("{b:?}").contains("U+000D"), "{b:?}");
        let b = parse("```c\r\n// note\rrun();\r\n```\r\n");
        assert!(format!("{b:?}").contains("<U+000D>"), "{b:?}");
    }

    #[test]
    fn inline_styles_become_runs() {
        let b = parse("Use **`memcpy_s`** here, *not* ~~memcpy~~.");
        let [Block::Paragraph { runs }] = b.as_slice() else { panic!("{b:?}") };
        assert_eq!(text_of(runs), "Use memcpy_s here, not memcpy.");
        let code = runs.iter().find(|r| r.text == "memcpy_s").unwrap();
        assert!(code.style.code && code.style.bold);
        assert!(runs.iter().any(|r| r.text == "not" && r.style.italic));
        assert!(runs.iter().any(|r| r.text == "memcpy" && r.style.strike));
    }

    #[test]
    fn blocks_lists_code_and_quotes() {
        let md = "# Overflow\n\nSteps:\n\n1. call `f`\n2. pass 300\n   - nested\n\n> vendor said\n\n```c\nmemcpy(d, s, n);\n```\n\n---\n\n- [x] fixed";
        let b = parse(md);
        assert!(matches!(&b[0], Block::Heading { level: 1, runs } if text_of(runs) == "Overflow"));
        assert!(matches!(&b[1], Block::Paragraph { runs } if text_of(runs) == "Steps:"));
        assert!(
            matches!(&b[2], Block::Item { depth: 0, marker, runs } if marker == "1." && text_of(runs) == "call f")
        );
        assert!(matches!(&b[3], Block::Item { depth: 0, marker, .. } if marker == "2."));
        assert!(
            matches!(&b[4], Block::Item { depth: 1, marker, runs } if marker == "•" && text_of(runs) == "nested")
        );
        assert!(matches!(&b[5], Block::Quote { runs } if text_of(runs) == "vendor said"));
        assert!(matches!(&b[6], Block::Code { text } if text == "memcpy(d, s, n);"));
        assert_eq!(b[7], Block::Rule);
        assert!(matches!(&b[8], Block::Item { marker, .. } if marker == "☑"));
        assert_eq!(b.len(), 9);
    }

    #[test]
    fn links_images_and_html_are_shown_never_followed() {
        let b = parse(
            "See [the spec](https://example.org/x) and ![diagram](http://h/i.png) <img src=x onerror=y>",
        );
        let [Block::Paragraph { runs }] = b.as_slice() else { panic!("{b:?}") };
        let all = text_of(runs);
        assert!(all.contains("the spec <https://example.org/x>"), "{all}");
        assert!(all.contains("[image: diagram] <http://h/i.png> (not loaded)"), "{all}");
        assert!(all.contains("<img src=x onerror=y>"), "{all}");
    }

    #[test]
    fn hidden_characters_in_a_body_are_made_visible() {
        let b = parse("fine\u{202E}dlrow `a\u{200B}b`\n\n```\nx\u{2066}y\n```");
        let Block::Paragraph { runs } = &b[0] else { panic!("{b:?}") };
        assert_eq!(text_of(runs), "fine<U+202E>dlrow a<U+200B>b");
        assert!(runs.iter().any(|r| r.style.marker && r.text == "<U+202E>"));
        assert_eq!(b[1], Block::Code { text: "x<U+2066>y".into() });
    }
}
