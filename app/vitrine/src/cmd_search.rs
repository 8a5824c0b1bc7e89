//! `index` and `search`: build a snapshot's search index, and query it from the command line.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde::Serialize;
use vitrine_search::{Index, Opened, Query, SearchError, SearchOptions};
use vitrine_snapshot::progress::Progress;
use vitrine_syntax::SymbolIndex;

use crate::common::{Ctx, Exit, spawn_progress_line, term, term_line};

#[derive(Debug, Subcommand)]
pub enum SearchCmd {
    /// Build (or reuse) the search index of a snapshot.
    Index(IndexArgs),
    /// Search a snapshot (builds the index first if it is missing). Exit 0 with hits, 1 with none.
    ///
    /// Query language: words (all must appear in a file; whole words, as `rg -w`), "a phrase",
    /// /regex/, word* (prefix), sub:text (anywhere), path:text (^start, end$, or a glob with **),
    /// -path:text, lang:c, sym:name,
    /// case:yes, multiline:yes (ml:yes: regexes may match line breaks, as `rg -U`), -term, `or`,
    /// parentheses, in:comment / in:string / in:code (only matches inside that region). Case-insensitive
    /// unless case:yes.
    ///
    /// A query starting with ~ is ranked concept search instead (`~upload telemetry`): functions (or
    /// files) whose comments, strings and identifier parts hold the words, best first (BM25), each with
    /// its enclosing function and a snippet; --json gives one object per hit {"path", "function",
    /// "start_line", "end_line", "score", "line", "text", "matches"}.
    Search(SearchArgs),
}

#[derive(Debug, Args)]
pub struct IndexArgs {
    /// A directory or archive (or an imported snapshot: sha256:ID, @LABEL).
    pub path: PathBuf,
    /// Print one JSON object describing the index.
    #[arg(long)]
    pub json: bool,
    /// Also import the snapshot into the data directory's blob store (only content it lacks is copied)
    /// and print its id: every query command then takes `sha256:ID` (or a unique prefix) in place of
    /// the path and answers from the store, without walking or checking the directory.
    #[arg(long)]
    pub import: bool,
    /// With --import: let `@NAME` name the imported snapshot too.
    #[arg(long, value_name = "NAME", requires = "import")]
    pub label: Option<String>,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// A directory or archive, or an imported snapshot (sha256:ID, a unique prefix of it, or @LABEL; see
    /// `index --import`).
    pub path: PathBuf,
    /// The query.
    pub query: String,
    /// One JSON object per matching line: {"path", "line", "end_line", "column", "end_column", "text"}
    /// (1-based; columns are byte columns, as ripgrep's --column; end_line is the last line the match
    /// reaches, the same line unless multiline:yes).
    #[arg(long)]
    pub json: bool,
    /// Print at most N matching lines.
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
    /// Print only the number of matching lines and files.
    #[arg(long)]
    pub count: bool,
}

pub fn run(cmd: SearchCmd, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    match cmd {
        SearchCmd::Index(a) => index(a, ctx),
        SearchCmd::Search(a) => search(a, ctx),
    }
}

#[derive(Serialize)]
struct IndexJson<'a> {
    index: String,
    opened: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rebuilt_because: Option<&'a str>,
    /// With --import: `sha256:<content key>`, the name queries take.
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(flatten)]
    meta: &'a vitrine_search::IndexMeta,
}

fn index(a: IndexArgs, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    let snap = Arc::new(ctx.open_snapshot_cached(&a.path, true)?);
    let (index, opened) = open_index_of(snap.clone(), &a.path, Symbols::Skip, ctx)?;
    let id = if a.import {
        let progress = Arc::new(Progress::default());
        let reporter = ctx.show_progress().then(|| spawn_progress_line(progress.clone()));
        let result = snap.import(&ctx.data, &ctx.ingest, &progress);
        if let Some((stop, handle)) = reporter {
            stop.cancel();
            handle.thread().unpark();
            let _ = handle.join();
        }
        let report = result.with_context(|| format!("cannot import {}", a.path.display()))?;
        if let Some(label) = &a.label {
            ctx.data.set_label(label, snap.content_key())?;
        }
        if !a.json {
            writeln!(
                ctx.out,
                "imported   {} blobs copied ({} bytes), {} already in the store",
                report.blobs_copied, report.bytes_copied, report.blobs_shared
            )?;
        }
        Some(format!("sha256:{}", snap.content_key()))
    } else {
        None
    };
    let meta = index.meta();
    let (label, reason) = match &opened {
        Opened::Reused => ("reused", None),
        Opened::Built => ("built", None),
        Opened::Rebuilt { reason } => ("rebuilt", Some(reason.as_str())),
    };
    if a.json {
        ctx.json(&IndexJson {
            index: index.dir().display().to_string(),
            opened: label,
            rebuilt_because: reason,
            id,
            meta,
        })?;
        return Ok(Exit::Ok);
    }
    if let Some(id) = &id {
        writeln!(ctx.out, "id         {id}")?;
    }
    writeln!(ctx.out, "index      {} ({label})", index.dir().display())?;
    writeln!(ctx.out, "files      {} indexed of {}", meta.files_indexed, meta.files_total)?;
    for (why, n) in &meta.left_out {
        writeln!(ctx.out, "  not searched ({why}): {n}")?;
    }
    writeln!(ctx.out, "bytes      {}", meta.bytes_indexed)?;
    writeln!(
        ctx.out,
        "trigrams   {} ({} bytes on disk)",
        meta.trigrams,
        meta.trigrams_bin_bytes + meta.files_bin_bytes
    )?;
    Ok(Exit::Ok)
}

/// Whether a command needs the symbol index beside the search index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Symbols {
    /// Not at all (`index`, and `search --count` without `sym:`, whose answer does not depend on order).
    Skip,
    /// For ranking definitions first, when it exists.
    IfPresent,
    /// For `sym:`: built first when missing.
    Required,
}

/// Opens the snapshot and its index, building it when missing; says so on stderr when it had to be
/// rebuilt because the one on disk could not be trusted. The symbol index (for `sym:` and ranking
/// definitions first) is plugged in as `symbols` says.
fn open_index(
    path: &std::path::Path,
    symbols: Symbols,
    ctx: &mut Ctx<'_>,
) -> anyhow::Result<(Index, Opened)> {
    let snap = Arc::new(ctx.open_snapshot_for_query(path, true)?);
    open_index_of(snap, path, symbols, ctx)
}

/// [`open_index`] of a snapshot already opened from `path`.
fn open_index_of(
    snap: Arc<vitrine_snapshot::Snapshot>,
    path: &std::path::Path,
    symbols: Symbols,
    ctx: &mut Ctx<'_>,
) -> anyhow::Result<(Index, Opened)> {
    crate::common::keep_until_exit(snap.clone());
    let snap_dir = ctx.data.snapshot_dir(snap.content_key());
    let dir = snap_dir.join("index");
    let progress = Arc::new(Progress::default());
    let reporter = ctx.show_progress().then(|| spawn_progress_line(progress.clone()));
    let result = vitrine_search::open_or_build(&snap, &dir, &progress);
    if let Some((stop, handle)) = reporter {
        stop.cancel();
        handle.thread().unpark();
        let _ = handle.join();
    }
    let (mut index, opened) = result.with_context(|| format!("cannot index {}", path.display()))?;
    if let Opened::Rebuilt { reason } = &opened {
        writeln!(ctx.err, "vitrine: the index could not be used ({reason}); rebuilt it")?;
    }
    if symbols == Symbols::Skip {
        return Ok((index, opened));
    }
    let symbols_dir = snap_dir.join("symbols");
    let symbols = match SymbolIndex::open_for(&symbols_dir, &snap) {
        Ok(s) => Some(s),
        // The snapshot's record is damaged: the command fails, whatever the symbol index's state.
        Err(e @ vitrine_syntax::SyntaxError::Snapshot(_)) => {
            return Err(e).context("cannot bind the symbol index to the snapshot");
        }
        Err(e) if symbols == Symbols::Required => {
            if symbols_dir.exists() {
                writeln!(ctx.err, "vitrine: the symbol index could not be used ({e}); rebuilding it")?;
            }
            let progress = Arc::new(Progress::default());
            let reporter = ctx.show_progress().then(|| spawn_progress_line(progress.clone()));
            let built = vitrine_syntax::index::build_for_snapshot(&snap, &symbols_dir, &progress);
            if let Some((stop, handle)) = reporter {
                stop.cancel();
                handle.thread().unpark();
                let _ = handle.join();
            }
            Some(built.context("cannot build the symbol index")?)
        }
        // Without `sym:`, a missing or damaged symbol index only costs the ranking of definitions.
        Err(_) => None,
    };
    if let Some(s) = symbols {
        index.set_definitions(Arc::new(crate::definitions::SymbolDefinitions(Arc::new(s))));
    }
    Ok((index, opened))
}

#[derive(Serialize)]
struct LineJson<'a> {
    path: &'a str,
    line: u64,
    end_line: u64,
    column: usize,
    end_column: usize,
    text: std::borrow::Cow<'a, str>,
    /// A `sym:` glob matched more names than the symbol index hands over: the results are cut.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    truncated: bool,
}

#[derive(Serialize)]
struct CountJson {
    lines: u64,
    files: u64,
    /// As in [`LineJson`].
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    truncated: bool,
}

fn search(a: SearchArgs, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    if let Some(words) = a.query.trim_start().strip_prefix('~') {
        return crate::cmd_ranked::run(&a, words, ctx);
    }
    // Parse first: a malformed query is a usage error, reported before any slow work.
    let query = match Query::new(&a.query) {
        Ok(q) => q,
        Err(e @ SearchError::Query { .. }) => {
            writeln!(ctx.err, "vitrine: {e}")?;
            return Ok(Exit::Usage);
        }
        Err(e) => return Err(e.into()),
    };
    let symbols = if a.query.contains("sym:") {
        Symbols::Required
    } else if a.count {
        Symbols::Skip
    } else {
        Symbols::IfPresent
    };
    let (index, _) = open_index(&a.path, symbols, ctx)?;
    let opts = SearchOptions { with_text: !a.count, stop_after_lines: if a.count { None } else { a.limit } };
    let cancel = AtomicBool::new(false);
    let mut printed = 0u64;
    // Set from the plan, before any hit: whether a `sym:` glob was cut (said on every JSON line).
    let truncated = std::cell::Cell::new(false);
    let mut write_error: Option<std::io::Error> = None;
    let (json, count, limit) = (a.json, a.count, a.limit);
    let out = &mut *ctx.out;
    let mut sink = |hits: vitrine_search::FileHits| {
        if count {
            return true;
        }
        for l in &hits.lines {
            if limit.is_some_and(|n| printed >= n) {
                return false;
            }
            printed += 1;
            if let Err(e) = write_line(&mut *out, &hits.path, l, json, truncated.get()) {
                write_error = Some(e);
                return false;
            }
        }
        true
    };
    let mut on_plan = |plan: vitrine_search::Plan| truncated.set(plan.syms_truncated);
    let summary = match index.search_planned(&query, &opts, &cancel, &mut on_plan, &mut sink) {
        Ok(s) => s,
        Err(e @ SearchError::Query { .. }) => {
            writeln!(ctx.err, "vitrine: {e}")?;
            return Ok(Exit::Usage);
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(e) = write_error {
        // A closed pipe (`| head`) is not an error worth reporting.
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(e).context("cannot write results");
        }
    }
    report_syms(ctx.err, &summary.syms)?;
    let truncated = summary.syms.iter().any(|r| r.truncated);
    if a.count {
        if a.json {
            ctx.json(&CountJson { lines: summary.lines, files: summary.files, truncated })?;
        } else {
            writeln!(ctx.out, "{} lines in {} files", summary.lines, summary.files)?;
        }
    }
    if !ctx.quiet {
        report_not_searched(ctx.err, &summary)?;
    }
    Ok(if summary.lines > 0 || summary.files > 0 { Exit::Ok } else { Exit::Failed })
}

/// One matching line: `path:line:column:text`, or a JSON line.
fn write_line(
    out: &mut dyn std::io::Write,
    path: &str,
    l: &vitrine_search::LineHit,
    json: bool,
    truncated: bool,
) -> std::io::Result<()> {
    let (col, end) = l.ranges.first().map_or((0, 0), |&(s, e)| (s, e));
    let text = String::from_utf8_lossy(&l.text);
    if json {
        serde_json::to_writer(
            &mut *out,
            &LineJson {
                path,
                line: l.line,
                end_line: l.end_line,
                column: col + 1,
                end_column: end + 1,
                text,
                truncated,
            },
        )
        .map_err(std::io::Error::other)
        .and_then(|()| writeln!(out))
    } else {
        writeln!(out, "{}:{}:{}:{}", term(path), l.line, col + 1, term_line(&text))
    }
}

/// An empty or cut `sym:` answer is said, never silent.
fn report_syms(err: &mut dyn std::io::Write, syms: &[vitrine_search::SymReport]) -> std::io::Result<()> {
    for r in syms {
        if r.truncated {
            writeln!(
                err,
                "vitrine: sym:{}: results cut at {} names (the symbol index's limit for a pattern); narrow it",
                term(&r.written),
                vitrine_syntax::index::PATTERN_NAME_LIMIT
            )?;
        } else if r.definitions == 0 {
            let close = if r.close_names.is_empty() {
                String::new()
            } else {
                format!("; close names: {}", term(&r.close_names.join(", ")))
            };
            writeln!(err, "vitrine: sym:{}: no definition{close}", term(&r.written))?;
        }
    }
    Ok(())
}

/// The files a search skipped: binary, too large or links; changed since indexing; unreadable.
fn report_not_searched(
    err: &mut dyn std::io::Write,
    summary: &vitrine_search::Summary,
) -> std::io::Result<()> {
    if summary.files_not_searched > 0 {
        writeln!(
            err,
            "vitrine: {} files not searched (binary, too large or links)",
            summary.files_not_searched
        )?;
    }
    for p in &summary.changed {
        writeln!(err, "vitrine: {p}: changed since indexing, not searched")?;
    }
    for p in &summary.unreadable {
        writeln!(err, "vitrine: {p}: cannot be read, not searched")?;
    }
    Ok(())
}
