//! `report.html`: one self-contained, printable page (no scripts, no external resources) that a person
//! can read without Vitrine: snapshot identity, participants, summary, every thread (most severe first)
//! with its quoted lines, the verification result and the health summary.
//!
//! Everything taken from the record or the source is escaped, and characters that hide or reorder text
//! (bidirectional controls, invisible characters, controls) are drawn as visible `<U+XXXX>` markers, as
//! the window draws them. Bodies are Markdown, rendered as text only: emphasis, code, lists, quotes and
//! headings become markup; raw HTML is shown as text, a link shows its target after its text and is
//! never a link, an image shows its description and address and is never fetched.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::bundle::ViewInput;
use crate::entry::line_bytes;
use crate::thread::threads;

/// Escapes text for HTML element content and attribute values, drawing every character that hides or
/// reorders text as a visible `<U+XXXX>` marker.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if crate::principal::hidden_kind(c).is_some() => {
                let _ = write!(out, "<span class=\"mark\">&lt;U+{:04X}&gt;</span>", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// A body (Markdown) as HTML, text only (see the module documentation).
pub fn markdown(body: &str) -> String {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let mut out = String::with_capacity(body.len() + 16);
    // Link and image targets, shown after their text when the link ends.
    let mut targets: Vec<String> = Vec::new();
    for event in Parser::new_ext(body, Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Start(tag) => match tag {
                Tag::Paragraph => out.push_str("<p>"),
                Tag::Heading { .. } => out.push_str("<p><strong>"),
                Tag::BlockQuote(_) => out.push_str("<blockquote>"),
                Tag::CodeBlock(_) => out.push_str("<pre class=\"md\">"),
                Tag::List(Some(n)) => {
                    let _ = write!(out, "<ol start=\"{n}\">");
                }
                Tag::List(None) => out.push_str("<ul>"),
                Tag::Item => out.push_str("<li>"),
                Tag::Emphasis => out.push_str("<em>"),
                Tag::Strong => out.push_str("<strong>"),
                Tag::Strikethrough => out.push_str("<del>"),
                Tag::Link { dest_url, .. } => targets.push(dest_url.into_string()),
                Tag::Image { dest_url, .. } => {
                    out.push_str("[image: ");
                    targets.push(dest_url.into_string());
                }
                _ => {}
            },
            Event::End(tag) => match tag {
                TagEnd::Paragraph => out.push_str("</p>\n"),
                TagEnd::Heading(_) => out.push_str("</strong></p>\n"),
                TagEnd::BlockQuote(_) => out.push_str("</blockquote>\n"),
                TagEnd::CodeBlock => out.push_str("</pre>\n"),
                TagEnd::List(true) => out.push_str("</ol>\n"),
                TagEnd::List(false) => out.push_str("</ul>\n"),
                TagEnd::Item => out.push_str("</li>\n"),
                TagEnd::Emphasis => out.push_str("</em>"),
                TagEnd::Strong => out.push_str("</strong>"),
                TagEnd::Strikethrough => out.push_str("</del>"),
                TagEnd::Link => {
                    let _ = write!(out, " (<code>{}</code>)", esc(&targets.pop().unwrap_or_default()));
                }
                TagEnd::Image => {
                    let _ = write!(out, " <code>{}</code>]", esc(&targets.pop().unwrap_or_default()));
                }
                _ => {}
            },
            Event::Text(t) => out.push_str(&esc(&t)),
            Event::Code(t) => {
                let _ = write!(out, "<code>{}</code>", esc(&t));
            }
            Event::Html(t) | Event::InlineHtml(t) => out.push_str(&esc(&t)),
            Event::SoftBreak => out.push('\n'),
            Event::HardBreak => out.push_str("<br>\n"),
            Event::Rule => out.push_str("<hr>\n"),
            other => {
                // Extensions not enabled above produce no other events; any would still be text only.
                if let Event::FootnoteReference(t) | Event::InlineMath(t) | Event::DisplayMath(t) = other {
                    out.push_str(&esc(&t));
                }
            }
        }
    }
    out
}

const STYLE: &str = "body{font:14px/1.45 sans-serif;max-width:60em;margin:2em auto;color:#111}\
table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:.2em .5em;text-align:left;vertical-align:top}\
code,pre{font:12px/1.4 monospace}pre{background:#f4f4f4;border:1px solid #ddd;padding:.5em;overflow-x:auto;white-space:pre-wrap}\
.thread{border:1px solid #999;margin:1em 0;padding:.5em 1em;page-break-inside:avoid}.meta{color:#555;font-size:12px}\
.reply{border-left:3px solid #ccc;margin:.5em 0;padding-left:.7em}.sev-critical,.sev-high{color:#a00}\
.mark{color:#fff;background:#c00;font:11px monospace;padding:0 .15em}blockquote{border-left:3px solid #ddd;margin:.3em 0;padding-left:.7em}\
@media print{body{margin:0;max-width:none}}";

/// Renders the report. `verification` is a sentence saying what was verified and the outcome.
pub fn render(view: &ViewInput<'_>, verification: &str) -> String {
    let h = view.header;
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Vitrine review record {}</title><style>{STYLE}</style></head><body>\n",
        esc(&h.snapshot.tree_sha256)
    );
    let _ = write!(s, "<h1>Review record</h1>\n<h2>Snapshot</h2>\n<table>");
    for (k, v) in [
        ("git tree (SHA-256)", &h.snapshot.tree_sha256),
        ("git tree (SHA-1)", &h.snapshot.tree_sha1),
        ("SWHID", &h.snapshot.swhid),
        ("exported by", &h.exported_by.principal),
        ("exported at", &h.exported_at),
        ("tool", &h.tool),
    ] {
        let _ = write!(s, "<tr><th>{}</th><td><code>{}</code></td></tr>", esc(k), esc(v));
    }
    let _ = write!(
        s,
        "</table>\n<h2>Verification</h2>\n<p>{}</p>\n<h2>Participants</h2>\n<table><tr><th>principal</th><th>role</th><th>key fingerprint</th></tr>",
        esc(verification)
    );
    for p in &h.participants {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            esc(&p.principal),
            esc(&p.role),
            esc(&p.fingerprint)
        );
    }
    s.push_str("</table>\n");

    let mut all = threads(view.entries);
    // Most severe first; threads of equal severity in log order.
    all.sort_by_key(|t| std::cmp::Reverse(t.root.entry.severity));
    let mut by_severity: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
    for t in &all {
        *by_severity.entry(t.root.entry.severity.map_or("-", |x| x.as_str())).or_default() += 1;
        *by_status.entry(if t.retracted { "retracted" } else { t.status.as_str() }).or_default() += 1;
    }
    // Only the review marks the policy counts (signed by the reviewing side, by no retired principal);
    // any other is named as not counted. (A log whose marks all count reads as every earlier version
    // wrote it, so that the reports of earlier exports are still re-derived identical.)
    let marks = crate::policy::counted_review_marks(view.entries);
    let all_marks = view.entries.iter().filter(|e| e.entry.kind == crate::entry::Kind::ReviewMark).count();
    let uncounted = match all_marks - marks.len() {
        0 => String::new(),
        n => format!(
            "; {n} review mark{} not counted (signed by a role that may not mark a file reviewed, or by a retired principal)",
            if n == 1 { "" } else { "s" }
        ),
    };
    let _ = write!(
        s,
        "<h2>Summary</h2>\n<p>{} entries, {} threads, {} files marked reviewed{uncounted}.</p>\n<table><tr><th>severity</th><th>threads</th></tr>",
        view.entries.len(),
        all.len(),
        marks.len()
    );
    for (k, n) in &by_severity {
        let _ = write!(s, "<tr><td>{}</td><td>{n}</td></tr>", esc(k));
    }
    s.push_str("</table>\n<table><tr><th>status</th><th>threads</th></tr>");
    for (k, n) in &by_status {
        let _ = write!(s, "<tr><td>{}</td><td>{n}</td></tr>", esc(k));
    }
    s.push_str("</table>\n<h2>Threads</h2>\n");
    for t in &all {
        let e = &t.root.entry;
        let sev = e.severity.map_or("-", |x| x.as_str());
        let (path, lines) =
            e.target.as_ref().map_or((String::new(), [0, 0]), |t| (t.label(), t.lines.unwrap_or([0, 0])));
        let _ = write!(
            s,
            "<div class=\"thread\" id=\"e{id}\"><h3 class=\"sev-{sev}\">{class} · {sev} · {status}{retracted}</h3>\n<p class=\"meta\"><code>{path}:{a}-{b}</code> · {who} ({role}) · {time} · entry <code>{id}</code>{cat}</p>\n",
            id = esc(&t.root.id),
            class = e.class.map_or("annotation", |c| c.as_str()),
            sev = esc(sev),
            status = t.status.as_str(),
            retracted = if t.retracted { " · retracted" } else { "" },
            path = esc(&path),
            a = lines[0],
            b = lines[1],
            who = esc(&e.author.principal),
            role = esc(&e.role),
            time = esc(&e.time),
            cat = e.category.as_ref().map(|c| format!(" · {}", esc(c))).unwrap_or_default(),
        );
        let exact = e.target.as_ref().and_then(|t| t.path_bytes());
        if let Some(content) = view.contents.zip(exact).and_then(|(c, p)| c.get(p.as_ref()))
            && let Some(quoted) = line_bytes(content, lines[0], lines[1])
        {
            let _ = writeln!(s, "<pre>{}</pre>", esc(&String::from_utf8_lossy(quoted)));
        }
        let _ = writeln!(s, "<div class=\"body\">{}</div>", markdown(e.body.as_deref().unwrap_or("")));
        for f in &t.follow_ups {
            let fe = &f.entry;
            let _ = writeln!(
                s,
                "<div class=\"reply\"><p class=\"meta\">{} · {} ({}) · {}{}</p>{}</div>",
                fe.kind.as_str(),
                esc(&fe.author.principal),
                esc(&fe.role),
                esc(&fe.time),
                fe.status.map(|x| format!(" · status {}", x.as_str())).unwrap_or_default(),
                markdown(fe.body.as_deref().unwrap_or(""))
            );
        }
        s.push_str("</div>\n");
    }
    s.push_str("<h2>Snapshot health</h2>\n");
    match health_summary(view) {
        Some(rows) => {
            s.push_str("<table><tr><th>finding</th><th>count</th></tr>");
            for (k, n) in rows {
                let _ = write!(s, "<tr><td>{}</td><td>{n}</td></tr>", esc(&k));
            }
            s.push_str("</table>\n<p>The full report is <code>health.json</code> in this record.</p>\n");
        }
        None => s.push_str("<p>Not included (questions-only packet, or no health report).</p>\n"),
    }
    s.push_str("</body></html>\n");
    s
}

/// Counts per finding kind, read from the health JSON handed to the export.
fn health_summary(view: &ViewInput<'_>) -> Option<Vec<(String, u64)>> {
    let json = view.health?;
    let v: serde_json::Value = serde_json::from_slice(json).ok()?;
    let counts = v.get("counts")?.as_object()?;
    Some(counts.iter().map(|(k, n)| (k.clone(), n.as_u64().unwrap_or(0))).collect())
}
