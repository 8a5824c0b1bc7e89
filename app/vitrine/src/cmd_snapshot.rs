//! `digest`, `health` and `open`: the snapshot's identity, its health report, and the window.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde::Serialize;

use crate::common::{Ctx, Exit, term, term_name};

#[derive(Debug, Subcommand)]
pub enum SnapshotCmd {
    /// Print the snapshot's identity: git tree ids (SHA-256 and SHA-1 object formats), SWHID, counts.
    Digest(DigestArgs),
    /// Print the snapshot health report: file classes and every suspicious finding.
    Health(HealthArgs),
    /// Open the workstation window on a snapshot (no PATH: the bundled demo snapshot).
    Open(OpenArgs),
}

#[derive(Debug, Args)]
pub struct DigestArgs {
    /// A directory, or a .tar, .tar.gz, .tgz, .tar.xz, .txz or .zip archive.
    pub path: PathBuf,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Also write the `sha256sum -c` compatible manifest to FILE.
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Print every file instead (with --json: one object per line with path, mode, size, sha256, blob
    /// ids, class, encoding and whether it is part of the tree ids).
    #[arg(long)]
    pub files: bool,
}

#[derive(Debug, Args)]
pub struct HealthArgs {
    /// A directory or archive.
    pub path: PathBuf,
    /// Print one JSON object: {files, classes, counts, findings: [{path, line, column, kind, detail}]}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct OpenArgs {
    /// A directory or archive; without it, the bundled demo snapshot.
    pub path: Option<PathBuf>,
    /// A file to open at start (path relative to the snapshot root).
    #[arg(long, value_name = "REL")]
    pub file: Option<String>,
    /// The 1-based line to show in that file.
    #[arg(long, value_name = "N", requires = "file")]
    pub line: Option<usize>,
    /// Colour theme for this run (default: the one last chosen in the window).
    #[arg(long, value_enum)]
    pub theme: Option<ThemeArg>,
    /// Run this query in the search panel once the snapshot is open.
    #[arg(long, value_name = "QUERY")]
    pub search: Option<String>,
    /// Verify this review record against the snapshot once it is open (shown in the Record tab).
    #[arg(long, value_name = "FILE.vitrine")]
    pub verify: Option<PathBuf>,
    /// Compare the snapshot with the version before (a directory or archive) once it is open; with
    /// --file, that file's diff is shown.
    #[arg(long, value_name = "OLD")]
    pub compare: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ThemeArg {
    Light,
    Dark,
}

pub fn run(cmd: SnapshotCmd, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    match cmd {
        SnapshotCmd::Digest(a) => digest(a, ctx),
        SnapshotCmd::Health(a) => health(a, ctx),
        SnapshotCmd::Open(a) => {
            let launch = LaunchOptions {
                file: a.file.map(|f| (f.into_bytes(), a.line)),
                dark: a.theme.map(|t| matches!(t, ThemeArg::Dark)),
                search: a.search,
                verify: a.verify,
                compare: a.compare,
            };
            open_window(a.path, launch, ctx)
        }
    }
}

#[derive(Serialize)]
struct DigestJson<'a> {
    #[serde(flatten)]
    ids: &'a vitrine_snapshot::TreeIds,
    origin: &'a vitrine_snapshot::Origin,
    #[serde(skip_serializing_if = "Option::is_none")]
    git: Option<&'a vitrine_snapshot::GitCheckout>,
}

#[derive(Serialize)]
struct FileJson<'a> {
    mode: &'a str,
    #[serde(flatten)]
    entry: &'a vitrine_snapshot::FileEntry,
}

fn digest(a: DigestArgs, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    let snap = ctx.open_snapshot(&a.path, false)?;
    if let Some(m) = &a.manifest {
        write_atomically(m, &vitrine_snapshot::manifest::render_bytes(snap.files()))?;
    }
    if a.files {
        for f in snap.files() {
            if a.json {
                ctx.json(&FileJson { mode: f.kind.git_mode(), entry: f })?;
            } else {
                let mark = if f.in_tree { "" } else { "  (not in the tree ids)" };
                writeln!(
                    ctx.out,
                    "{} {} {} {}{mark}",
                    f.kind.git_mode(),
                    f.blob_sha256,
                    f.sha256,
                    term_name(&f.path.display())
                )?;
            }
        }
        return Ok(Exit::Ok);
    }
    if a.json {
        ctx.json(&DigestJson { ids: snap.ids(), origin: snap.origin(), git: snap.git() })?;
        return Ok(Exit::Ok);
    }
    let ids = snap.ids();
    writeln!(ctx.out, "tree (sha256)  {}", ids.tree_sha256)?;
    writeln!(ctx.out, "tree (sha1)    {}", ids.tree_sha1)?;
    writeln!(ctx.out, "swhid          {}", ids.swhid)?;
    writeln!(ctx.out, "files          {} ({} in the tree ids)", ids.files, ids.files_in_tree)?;
    writeln!(ctx.out, "bytes          {}", ids.bytes)?;
    if let Some(g) = snap.git() {
        print_git(g, ctx)?;
    }
    Ok(Exit::Ok)
}

fn print_git(g: &vitrine_snapshot::GitCheckout, ctx: &mut Ctx<'_>) -> anyhow::Result<()> {
    match (&g.commit, g.matches_head) {
        (Some(c), Some(true)) => writeln!(ctx.out, "git checkout   HEAD {c}: working tree equals its tree")?,
        (Some(c), Some(false)) => writeln!(
            ctx.out,
            "git checkout   HEAD {c}: working tree DIFFERS from its tree {}",
            g.commit_tree.as_deref().unwrap_or("?")
        )?,
        _ => writeln!(ctx.out, "git checkout   {}", term(g.problem.as_deref().unwrap_or("HEAD unknown")))?,
    }
    Ok(())
}

fn health(a: HealthArgs, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    let snap = ctx.open_snapshot(&a.path, false)?;
    let report = snap.health();
    if a.json {
        ctx.json(report)?;
        return Ok(Exit::Ok);
    }
    writeln!(ctx.out, "{} files", report.files)?;
    for (class, n) in &report.classes {
        writeln!(ctx.out, "  {class:<12} {n}")?;
    }
    writeln!(ctx.out, "{} findings", report.findings.len())?;
    for (kind, n) in &report.counts {
        writeln!(ctx.out, "  {kind:<24} {n}")?;
    }
    // Paths and details come from the snapshot: escaped, so that no name can rewrite the terminal.
    for f in &report.findings {
        let (path, kind, detail) = (term(&f.path), f.kind.as_str(), term(&f.detail));
        match (f.line, f.column) {
            (Some(l), Some(c)) => writeln!(ctx.out, "{path}:{l}:{c}: {kind}: {detail}")?,
            _ => writeln!(ctx.out, "{path}: {kind}: {detail}")?,
        }
    }
    Ok(Exit::Ok)
}

/// How the window starts, beyond the snapshot it opens.
#[derive(Debug, Default)]
pub struct LaunchOptions {
    pub file: Option<(Vec<u8>, Option<usize>)>,
    pub dark: Option<bool>,
    pub search: Option<String>,
    pub verify: Option<PathBuf>,
    pub compare: Option<PathBuf>,
}

pub fn open_window(path: Option<PathBuf>, launch: LaunchOptions, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    let path = match path {
        // Say so before a window opens on nothing (and before one is needed at all).
        Some(p) if !p.exists() => {
            anyhow::bail!("cannot open snapshot {}: no such file or directory", p.display())
        }
        Some(p) => p,
        None => crate::demo::unpack_demo(ctx.data.root()).context("cannot unpack the demo snapshot")?,
    };
    vitrine_gui::run(vitrine_gui::Launch {
        snapshot: path,
        data_dir: ctx.data.root().to_path_buf(),
        file: launch.file,
        dark: launch.dark,
        search: launch.search,
        verify: launch.verify,
        compare: launch.compare,
    })?;
    Ok(Exit::Ok)
}

/// Writes a file through a temporary file, a sync and a rename, so a reader never sees half of it.
pub fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    Ok(vitrine_base::fs::write_atomic(path, bytes)?)
}
