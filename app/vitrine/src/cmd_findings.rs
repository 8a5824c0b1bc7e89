//! `findings`: search what was written in every review in the data directory (the findings library).

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;
use vitrine_library::{FindingsQuery, Library, Scope, Sort, printable};

use crate::common::{Ctx, Exit};

#[derive(Debug, Subcommand)]
pub enum FindingsCmd {
    /// Search the notes of every review in the data directory, across snapshots and imported records.
    /// Exit 0 with hits, 1 with none.
    ///
    /// QUERY words are matched in English and Russian with their other forms ("overflows" finds
    /// "overflow", "переполнение" finds "переполнения"); every word must match. Without QUERY, lists the
    /// newest entries. The index in <data>/library is a cache of the signed logs: it is brought up to
    /// date on every run and rebuilt when missing or damaged.
    Findings(FindingsArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SortArg {
    /// By relevance with QUERY, else newest first.
    Relevance,
    Newest,
    Oldest,
    /// Most severe first.
    Severity,
}

#[derive(Debug, Args)]
pub struct FindingsArgs {
    /// Words to find (all must match).
    pub query: Option<String>,
    /// Only threads with this status (open, acknowledged, disputed, fixed, accepted-risk, closed,
    /// retracted).
    #[arg(long, value_name = "S")]
    pub status: Option<String>,
    /// Only this severity (info, low, medium, high, critical).
    #[arg(long, value_name = "S")]
    pub severity: Option<String>,
    /// Only this kind of entry (annotation, reply, status, retract, review-mark, anchor-port).
    #[arg(long, value_name = "K")]
    pub kind: Option<String>,
    /// Only this category.
    #[arg(long, value_name = "C")]
    pub category: Option<String>,
    /// Only entries signed by this principal.
    #[arg(long, value_name = "PRINCIPAL")]
    pub author: Option<String>,
    /// Only the review of this snapshot (its SHA-256 tree id, or a prefix of it).
    #[arg(long, value_name = "ID")]
    pub snapshot: Option<String>,
    /// One hit per thread (the annotation with its replies' words) instead of one per entry.
    #[arg(long)]
    pub threads: bool,
    #[arg(long, value_enum, default_value = "relevance")]
    pub sort: SortArg,
    /// Print at most N hits.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub limit: usize,
    /// One JSON object per hit: {"entry", "snapshot", "path", "line", "kind", "severity", "status",
    /// "author", "excerpt", …}.
    #[arg(long)]
    pub json: bool,
}

pub fn run(cmd: FindingsCmd, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    let FindingsCmd::Findings(a) = cmd;
    let (lib, report) = Library::open(ctx.data.root())
        .with_context(|| format!("cannot open the findings library in {}", ctx.data.root().display()))?;
    for s in &report.skipped {
        writeln!(ctx.err, "vitrine: warning: findings library: left out {}", printable(s))?;
    }
    let q = FindingsQuery {
        text: a.query.unwrap_or_default(),
        status: a.status,
        severity: a.severity,
        kind: a.kind,
        category: a.category,
        author: a.author,
        snapshot: a.snapshot.map(|s| s.to_ascii_lowercase()),
        scope: if a.threads { Scope::Threads } else { Scope::Entries },
        sort: match a.sort {
            SortArg::Relevance => Sort::Relevance,
            SortArg::Newest => Sort::Newest,
            SortArg::Oldest => Sort::Oldest,
            SortArg::Severity => Sort::Severity,
        },
        limit: a.limit,
    };
    let hits = lib.search(&q)?;
    for h in &hits {
        if a.json {
            ctx.json(&HitJson::from(h))?;
        } else {
            let place = match (&h.path, h.line) {
                (Some(p), Some(l)) => format!("{}:{l}", printable(p)),
                (Some(p), None) => printable(p),
                (None, _) => "(no file)".into(),
            };
            writeln!(
                ctx.out,
                "{} {} {place} [{}{}] {} {}: {}",
                h.label,
                &h.entry[..h.entry.len().min(12)],
                h.status,
                h.severity.as_deref().map(|s| format!(", {s}")).unwrap_or_default(),
                h.kind,
                printable(&h.author),
                printable(&h.excerpt),
            )?;
        }
    }
    Ok(if hits.is_empty() { Exit::Failed } else { Exit::Ok })
}

#[derive(Serialize)]
struct HitJson<'a> {
    entry: &'a str,
    thread: &'a str,
    snapshot: &'a str,
    review: &'a str,
    path: Option<&'a str>,
    line: Option<u64>,
    kind: &'a str,
    severity: Option<&'a str>,
    status: &'a str,
    category: Option<&'a str>,
    author: &'a str,
    role: &'a str,
    fingerprint: &'a str,
    time: &'a str,
    excerpt: &'a str,
}

impl<'a> From<&'a vitrine_library::Hit> for HitJson<'a> {
    fn from(h: &'a vitrine_library::Hit) -> Self {
        HitJson {
            entry: &h.entry,
            thread: &h.thread,
            snapshot: &h.snapshot,
            review: &h.label,
            path: h.path.as_deref(),
            line: h.line,
            kind: &h.kind,
            severity: h.severity.as_deref(),
            status: &h.status,
            category: h.category.as_deref(),
            author: &h.author,
            role: &h.role,
            fingerprint: &h.fingerprint,
            time: &h.time,
            excerpt: &h.excerpt,
        }
    }
}
