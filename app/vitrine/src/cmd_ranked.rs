//! `vitrine search PATH '~words'`: ranked concept search over the code (comments, strings, identifier
//! parts) with the ranked index of `vitrine_rank`, built on first use under the snapshot's data
//! directory (per function when the snapshot's symbol index exists, per file otherwise).

use std::io::IsTerminal;
use std::sync::Arc;

use anyhow::Context;
use serde::Serialize;
use vitrine_rank::{Functions, Opened, RankError};
use vitrine_snapshot::progress::Progress;
use vitrine_syntax::SymbolIndex;

use crate::cmd_search::SearchArgs;
use crate::common::{Ctx, Exit, spawn_progress_line, term, term_line};

/// Hits shown when `--limit` is not given.
const DEFAULT_LIMIT: u64 = 20;

#[derive(Serialize)]
struct HitJson<'a> {
    path: &'a str,
    /// The enclosing function (null: text outside every known function).
    function: Option<&'a str>,
    start_line: u64,
    end_line: u64,
    score: f32,
    /// The snippet's line (null when the file could not be read back).
    line: Option<u64>,
    text: Option<&'a str>,
    /// 1-based byte columns `[start, end)` of the query's words in `text`.
    matches: Vec<(usize, usize)>,
}

/// Runs the ranked query `words` (the query without its `~`).
pub(crate) fn run(a: &SearchArgs, words: &str, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    if vitrine_rank::RankIndex::terms(words).is_empty() {
        writeln!(ctx.err, "vitrine: the ranked query '~{}' has no word to look for", term(words))?;
        return Ok(Exit::Usage);
    }
    let snap = Arc::new(ctx.open_snapshot_cached(&a.path, true)?);
    let snap_dir = ctx.data.snapshot_dir(snap.content_key());
    // Functions come from the symbol index when it was built; it is never built here (the ranked
    // index is then per file, and is rebuilt per function once the symbol index exists).
    // They are loaded only when a build needs them: an index built per function is reused as is.
    let functions = || -> Option<Functions> {
        SymbolIndex::open_for(&snap_dir.join("symbols"), &snap).ok().and_then(|s| {
            let spans = s.function_spans().ok()?;
            Some(
                s.paths().ok()?.iter().map(str::to_owned).zip(spans).filter(|(_, f)| !f.is_empty()).collect(),
            )
        })
    };
    let progress = Arc::new(Progress::default());
    let reporter = ctx.show_progress().then(|| spawn_progress_line(progress.clone()));
    let result = vitrine_rank::open_or_build_lazy(&snap, &snap_dir.join("ranked"), functions, &progress);
    if let Some((stop, handle)) = reporter {
        stop.cancel();
        handle.thread().unpark();
        let _ = handle.join();
    }
    let (index, opened) =
        result.with_context(|| format!("cannot build the ranked index of {}", a.path.display()))?;
    if let Opened::Rebuilt { reason } = &opened {
        writeln!(ctx.err, "vitrine: the ranked index could not be used ({reason}); rebuilt it")?;
    }
    let limit = usize::try_from(a.limit.unwrap_or(DEFAULT_LIMIT)).unwrap_or(usize::MAX);
    let started = std::time::Instant::now();
    let hits = match index.search(words, limit) {
        Ok(h) => h,
        Err(RankError::EmptyQuery) => return Ok(Exit::Usage),
        Err(e) => return Err(e.into()),
    };
    if !ctx.quiet {
        let ms = started.elapsed().as_secs_f64() * 1e3;
        writeln!(
            ctx.err,
            "vitrine: {} ranked hits in {ms:.1} ms (index opened, snippets included)",
            hits.len()
        )?;
    }
    if a.count {
        if a.json {
            ctx.json(&serde_json::json!({ "hits": hits.len() }))?;
        } else {
            writeln!(ctx.out, "{} hits", hits.len())?;
        }
    } else {
        let bold = std::io::stdout().is_terminal();
        for h in &hits {
            let snip = h.snippet.as_ref();
            if a.json {
                ctx.json(&HitJson {
                    path: &h.path,
                    function: h.function.as_deref(),
                    start_line: h.start_line,
                    end_line: h.end_line,
                    score: h.score,
                    line: snip.map(|s| s.line),
                    text: snip.map(|s| s.text.as_str()),
                    matches: snip
                        .map(|s| s.ranges.iter().map(|&(b, e)| (b + 1, e + 1)).collect())
                        .unwrap_or_default(),
                })?;
                continue;
            }
            let place = match &h.function {
                Some(f) => format!("{} (lines {}-{})", term(f), h.start_line, h.end_line),
                None => format!("(file, lines {}-{})", h.start_line, h.end_line),
            };
            let line = snip.map_or(h.start_line, |s| s.line);
            writeln!(ctx.out, "{}:{}: {place}  score {:.2}", term(&h.path), line, h.score)?;
            if let Some(s) = snip {
                writeln!(ctx.out, "    {}", marked(&s.text, &s.ranges, bold))?;
            }
        }
    }
    Ok(if hits.is_empty() { Exit::Failed } else { Exit::Ok })
}

/// The snippet's line without its indentation, each query word in bold on a terminal (else between
/// `*`), every piece escaped for the terminal.
fn marked(text: &str, ranges: &[(usize, usize)], bold: bool) -> String {
    let (open, close) = if bold { ("\x1b[1m", "\x1b[0m") } else { ("*", "*") };
    let indent = text.len() - text.trim_start().len();
    let mut out = String::new();
    let mut pos = indent;
    for &(s, e) in ranges {
        let (Some(before), Some(word)) = (text.get(pos..s), text.get(s..e)) else { continue };
        out.push_str(&term_line(before));
        out.push_str(open);
        out.push_str(&term_line(word));
        out.push_str(close);
        pos = e;
    }
    out.push_str(&term_line(text.get(pos..).unwrap_or_default().trim_end()));
    out
}

#[cfg(test)]
mod tests {
    use super::marked;

    #[test]
    fn snippets_mark_the_words_and_escape_the_rest() {
        assert_eq!(marked("\tint uploadData(x);", &[(5, 11)], false), "int *upload*Data(x);");
        assert_eq!(marked("a\u{202e}b send", &[(6, 10)], false), "a<U+202E>b *send*");
    }
}
