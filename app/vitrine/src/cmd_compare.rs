//! `diff`: the changes between two snapshots (an update against the version reviewed before); `port`:
//! the threads of the old version's review carried over to the new version's review, signed.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;

use crate::common::{Ctx, Exit, term};

#[derive(Debug, Subcommand)]
pub enum CompareCmd {
    /// List the files an update changed: added, deleted, modified, renamed or (with -C) copied, with
    /// similarity %, type changes (file <-> symlink), mode changes, and lines added and deleted, as
    /// `git diff --no-index -M --numstat` counts them. Every file of the snapshots is compared, those
    /// git leaves out of the tree ids too (.git/, .GIT/, git~1/: marked "outside the git tree ids").
    /// Names are escaped for the terminal (\x1B, <U+202E>). With --no-cache, the listings (--stat and
    /// the plain one) of two directories compare the files byte for byte, as git does, and hash only
    /// those that differ.
    Diff(DiffArgs),
    /// Carry the threads of OLD's review over to NEW's review: one signed anchor-port entry per thread
    /// (not retracted, not closed) saying where it now points and how it was found (exact: same blob;
    /// moved: renamed or shifted; changed: edited, found again near its old neighbours, with a
    /// confidence; outdated: gone). The old entries are never edited; NEW's review records that it
    /// continues OLD's (tree ids and the old log's checkpoint) and learns OLD's people.
    Port(PortArgs),
}

#[derive(Debug, Args)]
pub struct PortArgs {
    /// The snapshot reviewed before (directory or archive).
    pub old: PathBuf,
    /// The new snapshot (directory or archive).
    pub new: PathBuf,
    /// Private key file of the person who signs the port entries.
    #[arg(long)]
    pub key: PathBuf,
    /// Print one JSON object: {old, new, continues, ports: [{annotation, entry, outcome, from, to,
    /// confidence}], skipped}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old snapshot (directory or archive).
    pub old: PathBuf,
    /// The new snapshot (directory or archive).
    pub new: PathBuf,
    /// Print one JSON object: {old: {tree ids}, new: {tree ids}, files: [{status, old_path, new_path,
    /// similarity, additions, deletions, outside_tree_ids, ...}]}.
    #[arg(long)]
    pub json: bool,
    /// Print git's `--numstat` lines (`added<TAB>deleted<TAB>path`, `-` for binary files).
    #[arg(long, conflicts_with = "json")]
    pub stat: bool,
    /// Print what a reviewer of an update looks at first instead: new health findings (bidi,
    /// invisible, homoglyph, nested repositories, symlinks; any finding on a line the update added or
    /// changed is new), changed files outside the git tree ids, binaries added or changed, and functions
    /// and types added, removed or changed per file. With --json: {old, new, summary}.
    #[arg(long, conflicts_with = "stat")]
    pub summary: bool,
    /// Minimum similarity of a rename, in percent.
    #[arg(long, value_name = "PERCENT", default_value_t = 50, value_parser = clap::value_parser!(u8).range(0..=100))]
    pub rename_threshold: u8,
    /// Do not detect renames (nor copies).
    #[arg(long, conflicts_with = "find_copies")]
    pub no_renames: bool,
    /// Also detect copies, as `git diff -C`: a new file similar to a file modified in the same update
    /// (status copied, with similarity %). Files the update did not change are not copy sources.
    #[arg(short = 'C', long)]
    pub find_copies: bool,
}

pub fn run(cmd: CompareCmd, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    match cmd {
        CompareCmd::Diff(a) => diff(a, ctx),
        CompareCmd::Port(a) => crate::cmd_port::port(a, ctx),
    }
}

#[derive(Serialize)]
struct DiffJson<'a> {
    old: &'a vitrine_snapshot::TreeIds,
    new: &'a vitrine_snapshot::TreeIds,
    files: &'a [vitrine_compare::FileChange],
}

fn diff(a: DiffArgs, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    let options = vitrine_compare::DiffOptions {
        renames: !a.no_renames,
        copies: a.find_copies,
        rename_threshold: a.rename_threshold,
        ..Default::default()
    };
    // The listing states no identity: without the ingest cache (which a full open fills for the next
    // run), two directories are compared as git compares them, hashing only the files that differ.
    if !a.json && !a.summary && !ctx.use_cache && ctx.are_directories(&a.old, &a.new) {
        let (old, new) = ctx.changed_between(&a.old, &a.new)?;
        let files = vitrine_compare::changes(&old, &new, &options)?;
        return listing(&files, a.stat, ctx);
    }
    // Archives are unpacked (keep_content) because changed files are read. Two directories are opened
    // together: what they share is hashed and analysed once.
    let (old, new) = ctx.open_pair_cached(&a.old, &a.new, true)?;
    let d = vitrine_compare::diff(&old, &new, &options)?;
    if a.summary {
        return summary(&old, &new, &d, a.json, ctx);
    }
    if a.json {
        ctx.json(&DiffJson { old: &d.old, new: &d.new, files: &d.files })?;
        return Ok(Exit::Ok);
    }
    listing(&d.files, a.stat, ctx)
}

/// The changes as lines: git's `--numstat` lines with `stat`, else status (with similarity), counts,
/// path, mode change and, for a file git leaves out of the tree ids, a mark saying so. Every name is
/// escaped for the terminal ([`term`]: a control, bidi or invisible character in a vendor's file name is
/// shown as `\x1B` or `<U+202E>`, a tab as `\x09`, so a name can neither rewrite the rows before it
/// nor add a column to `--stat`); the command's writer escapes whatever else a line holds.
fn listing(files: &[vitrine_compare::FileChange], stat: bool, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    let count = |n: Option<u64>| n.map_or_else(|| "-".to_string(), |n| n.to_string());
    for f in files {
        let path = match (&f.old_path, &f.new_path) {
            (Some(o), Some(n)) if o != n => format!("{} => {}", term(o), term(n)),
            _ => term(f.path()).into_owned(),
        };
        if stat {
            writeln!(ctx.out, "{}\t{}\t{path}", count(f.additions), count(f.deletions))?;
            continue;
        }
        let mut status = f.status.letter().to_string();
        if let Some(s) = f.similarity {
            status.push_str(&format!("{s:03}"));
        }
        let mut mode = match (f.old_mode, f.new_mode) {
            (Some(o), Some(n)) if o != n => format!("  ({o} -> {n})"),
            _ => String::new(),
        };
        if f.outside_tree_ids {
            mode.push_str("  (outside the git tree ids)");
        }
        writeln!(ctx.out, "{status:<5} +{:<6} -{:<6} {path}{mode}", count(f.additions), count(f.deletions))?;
    }
    Ok(Exit::Ok)
}

#[derive(Serialize)]
struct SummaryJson<'a> {
    old: &'a vitrine_snapshot::TreeIds,
    new: &'a vitrine_snapshot::TreeIds,
    summary: &'a vitrine_compare::summary::Summary,
}

fn summary(
    old: &vitrine_snapshot::Snapshot,
    new: &vitrine_snapshot::Snapshot,
    d: &vitrine_compare::SnapshotDiff,
    json: bool,
    ctx: &mut Ctx<'_>,
) -> anyhow::Result<Exit> {
    let s = vitrine_compare::summary::summarize(old, new, d)?;
    if json {
        ctx.json(&SummaryJson { old: &d.old, new: &d.new, summary: &s })?;
        return Ok(Exit::Ok);
    }
    let count = |st: vitrine_compare::Status| d.files.iter().filter(|f| f.status == st).count();
    writeln!(
        ctx.out,
        "{} files changed: {} added, {} deleted, {} modified, {} renamed, {} copied, {} type-changed",
        d.files.len(),
        count(vitrine_compare::Status::Added),
        count(vitrine_compare::Status::Deleted),
        count(vitrine_compare::Status::Modified),
        count(vitrine_compare::Status::Renamed),
        count(vitrine_compare::Status::Copied),
        count(vitrine_compare::Status::TypeChanged),
    )?;
    // Names, details and symbol names are the vendor's text: each is escaped for the terminal.
    // Every rename, copy, mode or type change, file added or deleted (as `git diff --summary`), and
    // what it does to the build.
    writeln!(ctx.out)?;
    writeln!(
        ctx.out,
        "paths renamed, copied, added, deleted, or with a new mode or type: {}",
        s.paths.len()
    )?;
    for c in &s.paths {
        writeln!(ctx.out, "  {}", path_line(c))?;
        for f in &c.flags {
            writeln!(ctx.out, "    ! {}", term(f))?;
        }
    }
    writeln!(ctx.out)?;
    writeln!(ctx.out, "new findings: {}", s.new_findings.len())?;
    for f in &s.new_findings {
        let (path, detail) = (term(&f.path), term(&f.detail));
        match f.line {
            Some(l) => writeln!(ctx.out, "  {path}:{l}: {}: {detail}", f.kind.as_str())?,
            None => writeln!(ctx.out, "  {path}: {}: {detail}", f.kind.as_str())?,
        }
    }
    writeln!(ctx.out, "findings gone: {}", s.gone_findings.len())?;
    writeln!(ctx.out)?;
    writeln!(ctx.out, "files outside the git tree ids changed: {}", s.outside_tree_ids.len())?;
    for p in &s.outside_tree_ids {
        writeln!(ctx.out, "  {}", term(p))?;
    }
    writeln!(ctx.out)?;
    writeln!(ctx.out, "binaries added or changed: {}", s.binaries.len())?;
    for b in &s.binaries {
        writeln!(ctx.out, "  {} {}", b.status.letter(), term(&b.path))?;
    }
    writeln!(ctx.out)?;
    // Every changed text file: its symbols, its directives, and what changed outside any definition.
    writeln!(ctx.out, "symbols and other changes, per changed text file: {}", s.symbols.len())?;
    for f in &s.symbols {
        writeln!(ctx.out, "  {}", term(&f.path))?;
        if f.too_large {
            writeln!(ctx.out, "    (too large to compare line by line)")?;
        }
        if f.same_bytes {
            writeln!(ctx.out, "    (renamed without an edit to a name of another language, or of none)")?;
        }
        for (mark, list) in [('+', &f.added), ('-', &f.removed), ('~', &f.changed)] {
            for sym in list {
                writeln!(ctx.out, "    {mark} {} {} (line {})", sym.kind, term(&sym.name), sym.line)?;
            }
        }
        for d in &f.directives {
            let mark = if d.change == "added" { '+' } else { '-' };
            writeln!(ctx.out, "    {mark} {} (line {})", term(&d.text), d.line)?;
        }
        for d in &f.build {
            let mark = if d.change == "added" { '+' } else { '-' };
            writeln!(ctx.out, "    {mark} build condition {} (line {})", term(&d.text), d.line)?;
        }
        if !f.too_large
            && !f.same_bytes
            && f.outside.is_empty()
            && f.directives.is_empty()
            && f.build.is_empty()
            && [&f.added, &f.removed, &f.changed].iter().all(|l| l.is_empty())
        {
            writeln!(ctx.out, "    (only blank lines changed)")?;
        }
        if !f.outside.is_empty() {
            let label = if f.grammar { "lines changed outside any definition" } else { "lines changed" };
            writeln!(ctx.out, "    {label}: {}", vitrine_compare::summary::outside_text(&f.outside, 20))?;
        }
    }
    Ok(Exit::Ok)
}

/// One changed path as `git diff --summary` words it: `rename a => b (100%)`, `create mode 100644 x`,
/// `mode change 100644 => 100755 x`; the names escaped for the terminal.
fn path_line(c: &vitrine_compare::summary::PathChange) -> String {
    use vitrine_compare::Status;
    let (o, n) = (c.old_path.as_deref().map(term), c.new_path.as_deref().map(term));
    let (o, n) = (o.as_deref().unwrap_or_default(), n.as_deref().unwrap_or_default());
    let (om, nm) = (c.old_mode.unwrap_or("-"), c.new_mode.unwrap_or("-"));
    let mode = if c.old_mode != c.new_mode && c.old_mode.is_some() && c.new_mode.is_some() {
        format!(", mode change {om} => {nm}")
    } else {
        String::new()
    };
    let sim = c.similarity.map(|s| format!(" ({s}%)")).unwrap_or_default();
    match c.status {
        Status::Added => format!("create mode {nm} {n}"),
        Status::Deleted => format!("delete mode {om} {o}"),
        Status::Renamed => format!("rename {o} => {n}{sim}{mode}"),
        Status::Copied => format!("copy {o} => {n}{sim}{mode}"),
        Status::TypeChanged => format!("type change {n} ({om} => {nm})"),
        Status::Modified if mode.is_empty() => format!("modified {n}"),
        Status::Modified => format!("mode change {om} => {nm} {n}"),
    }
}
