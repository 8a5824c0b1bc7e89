//! `symbols`, `def`, `refs` and `callers`: a file's outline, and definitions, references and callers
//! from the snapshot's symbol index (built on first use, then reopened).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde::Serialize;
use vitrine_snapshot::Snapshot;
use vitrine_snapshot::progress::Progress;
use vitrine_syntax::Candidate;
use vitrine_syntax::index::{self, DefHit, Match, Role, SymbolIndex};
use vitrine_syntax::symbols::{Point, RefKind};

use crate::common::{Ctx, Exit, spawn_progress_line, term};

#[derive(Debug, Subcommand)]
pub enum SymbolsCmd {
    /// Print the outline of one file: its definitions, nested, then its declarations.
    Symbols(SymbolsArgs),
    /// Print the definitions (then declarations) of a name, best first.
    Def(DefArgs),
    /// Print every reference to a name (calls, type uses, field accesses, other uses).
    Refs(NameArgs),
    /// Print the calls of a function or macro, grouped by the definition they are written in.
    Callers(NameArgs),
}

#[derive(Debug, Args)]
pub struct SymbolsArgs {
    /// A directory or archive, or an imported snapshot (sha256:ID or @LABEL; see `index --import`).
    pub path: PathBuf,
    /// The file, relative to the snapshot root.
    pub file: String,
    /// One JSON object per symbol: {path, line, column, end_line, kind, name, scope, role, depth}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DefArgs {
    /// A directory or archive, or an imported snapshot (sha256:ID or @LABEL; see `index --import`).
    pub path: PathBuf,
    /// The name (`Class::method` narrows by scope).
    pub name: String,
    /// One JSON object per candidate: {path, line, column, end_line, kind, name, scope, role, ...}.
    #[arg(long)]
    pub json: bool,
    /// Match names case-insensitively.
    #[arg(long, short = 'i', conflicts_with_all = ["prefix", "fuzzy"])]
    pub ignore_case: bool,
    /// Match names starting with NAME.
    #[arg(long, conflicts_with = "fuzzy")]
    pub prefix: bool,
    /// Match names containing NAME's characters in order (as a symbol picker does).
    #[arg(long)]
    pub fuzzy: bool,
    /// Rank candidates from a use site: FILE:LINE:COLUMN (1-based), e.g. `kernel/fork.c:120:9`.
    #[arg(long, value_name = "FILE:LINE:COL")]
    pub from: Option<String>,
}

#[derive(Debug, Args)]
pub struct NameArgs {
    /// A directory or archive, or an imported snapshot (sha256:ID or @LABEL; see `index --import`).
    pub path: PathBuf,
    /// The name (`Class::method` and `ns::f` are accepted as by `def`; calls and references are
    /// matched by the last name).
    pub name: String,
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
}

pub fn run(cmd: SymbolsCmd, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    match cmd {
        SymbolsCmd::Symbols(a) => outline(a, ctx),
        SymbolsCmd::Def(a) => def(a, ctx),
        SymbolsCmd::Refs(a) => refs(a, ctx),
        SymbolsCmd::Callers(a) => callers(a, ctx),
    }
}

/// One symbol as printed by `--json` (1-based line and column).
#[derive(Serialize)]
struct SymbolJson<'a> {
    path: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    kind: &'a str,
    name: &'a str,
    scope: &'a str,
    role: Role,
    #[serde(skip_serializing_if = "Option::is_none")]
    depth: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    via_macro: bool,
    /// Found under the name of the macro that wraps the definition (`TEST_F`).
    #[serde(skip_serializing_if = "Option::is_none")]
    found_as_macro: Option<&'a str>,
    /// The attribute that binds the declaration to other code (`alias("x")`).
    #[serde(skip_serializing_if = "Option::is_none")]
    defined_by: Option<&'a str>,
    /// The line (1-based) of a later definition in the same scope that replaces this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    replaced_by: Option<u32>,
    /// Local to the function `depth` scopes out of the use asked from (0: the innermost).
    #[serde(skip_serializing_if = "Option::is_none")]
    local_depth: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    proximity: Option<vitrine_syntax::Proximity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    confidence: Option<vitrine_syntax::Confidence>,
    /// The index's limit cut the results: more names match than are listed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    truncated: bool,
    /// The attribute that makes the loader run this function (`constructor`, `destructor`).
    #[serde(skip_serializing_if = "Option::is_none")]
    loader: Option<LoaderJson>,
}

/// A loader attribute as `--json` prints it.
#[derive(Serialize)]
struct LoaderJson {
    /// What it does: `run by the loader before main: constructor attribute`.
    what: &'static str,
    /// The declaration that carries it, when it is not the symbol itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    on: Option<PlaceJson>,
}

/// A place in the snapshot (1-based line and column).
#[derive(Serialize)]
struct PlaceJson {
    path: String,
    line: u32,
    column: u32,
}

impl PlaceJson {
    fn at(path: &str, at: Point) -> PlaceJson {
        PlaceJson { path: path.to_string(), line: at.line + 1, column: at.column + 1 }
    }
}

impl<'a> SymbolJson<'a> {
    fn of(hit: &'a DefHit) -> SymbolJson<'a> {
        SymbolJson {
            path: &hit.path,
            line: hit.at.line + 1,
            column: hit.at.column + 1,
            end_line: hit.end_line + 1,
            kind: hit.kind.as_str(),
            name: &hit.name,
            scope: &hit.scope,
            role: hit.role,
            depth: None,
            language: hit.language.map(|l| l.as_str()),
            via_macro: hit.via_macro,
            found_as_macro: hit.found_as_macro.as_deref(),
            defined_by: hit.defined_by.as_deref(),
            replaced_by: None,
            local_depth: None,
            proximity: None,
            confidence: None,
            truncated: false,
            loader: None,
        }
    }
}

fn outline(a: SymbolsArgs, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    let snap = ctx.open_snapshot_for_query(&a.path, true)?;
    let rel = relative_path(&a.path, &a.file);
    let entry =
        snap.file_entry(rel.as_bytes())?.with_context(|| format!("{rel}: no such file in the snapshot"))?;
    let bytes = snap.read(&entry).with_context(|| format!("cannot read {rel}"))?;
    // An assembly file has no grammar: its labels and Go `TEXT` symbols are read as the index reads them.
    let (lang, fs) = match vitrine_syntax::language_in_snapshot(&snap, &rel, &bytes) {
        Some(lang) => (Some(lang), vitrine_syntax::extract(lang, &bytes)),
        None if vitrine_syntax::asm::is_assembly(&rel) => {
            (None, vitrine_syntax::asm::assembly_definitions(&bytes))
        }
        None => anyhow::bail!("{rel}: no grammar for this file type"),
    };
    let mut rows: Vec<(usize, &vitrine_syntax::Symbol, Role)> = Vec::new();
    fn walk<'s>(
        nodes: &[vitrine_syntax::OutlineNode],
        fs: &'s vitrine_syntax::FileSymbols,
        depth: usize,
        rows: &mut Vec<(usize, &'s vitrine_syntax::Symbol, Role)>,
    ) {
        for n in nodes {
            if let Some(s) = fs.definitions.get(n.symbol as usize) {
                rows.push((depth, s, Role::Definition));
            }
            walk(&n.children, fs, depth + 1, rows);
        }
    }
    walk(&fs.outline(), &fs, 0, &mut rows);
    rows.extend(fs.declarations.iter().map(|s| (0, s, Role::Declaration)));
    for (depth, s, role) in &rows {
        if a.json {
            ctx.json(&SymbolJson {
                path: &rel,
                line: s.name_range.start.line + 1,
                column: s.name_range.start.column + 1,
                end_line: index::last_line(&s.range) + 1,
                kind: s.kind.as_str(),
                name: &s.name,
                scope: &s.scope,
                role: *role,
                depth: Some(*depth),
                language: lang.map(|l| l.as_str()),
                via_macro: s.via_macro.is_some(),
                found_as_macro: None,
                defined_by: s.defined_by.as_deref(),
                replaced_by: None,
                local_depth: None,
                proximity: None,
                confidence: None,
                truncated: false,
                loader: None,
            })?;
        } else {
            let decl = if *role == Role::Declaration { " (declaration)" } else { "" };
            // One row for a definition a macro wraps, saying which (`def MACRO` finds it too).
            let mut via = match s.via_macro.as_deref() {
                Some(m) if m != s.name => format!(" (via {})", term(m)),
                _ => String::new(),
            };
            if let Some(attr) = &s.defined_by {
                via.push_str(&format!(" (defined by {})", term(attr)));
            }
            writeln!(
                ctx.out,
                "{:>6}  {}{} {}{decl}{via}",
                s.name_range.start.line + 1,
                "  ".repeat(*depth),
                s.kind.as_str(),
                term(&s.qualified_name(lang))
            )?;
        }
    }
    if !a.json && fs.parse_errors > 0 {
        writeln!(
            ctx.err,
            "{rel}: {} parse errors (symbols outside the broken regions are listed)",
            fs.parse_errors
        )?;
    }
    Ok(if rows.is_empty() { Exit::Failed } else { Exit::Ok })
}

fn def(a: DefArgs, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    let (snap, index) = open_index(&a.path, ctx)?;
    let exit = def_in(a, &snap, &index, ctx);
    crate::common::keep_until_exit((snap, index));
    exit
}

/// [`def`] on an opened snapshot and its symbol index.
fn def_in(a: DefArgs, snap: &Snapshot, index: &SymbolIndex, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    let (qualifier, name) = split_qualified(&a.name);
    let how = if a.ignore_case {
        Match::IgnoreCase
    } else if a.prefix {
        Match::Prefix
    } else if a.fuzzy {
        Match::Fuzzy
    } else {
        Match::Exact
    };
    let candidates: Vec<Candidate> = match &a.from {
        Some(from) => {
            let (file, at) = parse_from(from)?;
            let file = relative_path(&a.path, &file);
            let entry = snap
                .file_entry(file.as_bytes())?
                .with_context(|| format!("{file}: no such file in the snapshot"))?;
            let source = snap.read(&entry).with_context(|| format!("cannot read {file}"))?;
            vitrine_syntax::nav::definition_reading(index, &file, &source, at, &|p: &str| read_file(snap, p))?
        }
        None => {
            let hits = index.lookup(&name, how)?;
            let target = vitrine_syntax::nav::NameAt {
                name: name.clone(),
                qualifier: qualifier.clone(),
                member: false,
                call: false,
            };
            let mut ranked =
                vitrine_syntax::nav::rank_with_locals(hits, "", &[], &target, &[], &|p: &str| {
                    read_file(snap, p)
                });
            if let Some(q) = &qualifier {
                ranked.retain(|c| {
                    c.confidence == vitrine_syntax::Confidence::ExactScope
                        || c.hit.scope.is_empty() && q.is_empty()
                });
            }
            if how != Match::Exact {
                // Keep the matcher's order (fuzzy: best first) but definitions before declarations.
                ranked.sort_by_key(|c| c.hit.role != Role::Definition);
            }
            ranked
        }
    };
    let cap = match how {
        _ if a.from.is_some() => None,
        Match::Exact => None,
        Match::Prefix | Match::IgnoreCase => Some(INDEX_NAME_CAP),
        Match::Fuzzy => Some(INDEX_FUZZY_CAP),
    };
    let names: std::collections::HashSet<&str> = candidates.iter().map(|c| c.hit.name.as_str()).collect();
    let truncated = cap.is_some_and(|cap| names.len() >= cap);
    if truncated {
        writeln!(
            ctx.err,
            "vitrine: results cut at {} names (the symbol index's limit for this kind of match); narrow the name",
            names.len()
        )?;
    }
    // A `constructor` on a prototype makes the plain definition of the same name run before main.
    let hits: Vec<DefHit> = candidates.iter().map(|c| c.hit.clone()).collect();
    let loader = vitrine_syntax::loader_attributes(&hits, &|p: &str| read_file(snap, p));
    for (c, run) in candidates.iter().zip(&loader) {
        if a.json {
            let mut j = SymbolJson::of(&c.hit);
            j.replaced_by = c.replaced_by.map(|l| l + 1);
            j.local_depth = c.local_depth;
            if a.from.is_some() {
                j.proximity = Some(c.proximity);
                j.confidence = Some(c.confidence);
            }
            j.truncated = truncated;
            j.loader = run.as_ref().map(|l| LoaderJson {
                what: l.what,
                on: l.on.as_ref().map(|(path, at)| PlaceJson::at(path, *at)),
            });
            ctx.json(&j)?;
        } else {
            let decl = if c.hit.role == Role::Declaration { " (declaration)" } else { "" };
            let mut via =
                c.hit.found_as_macro.as_deref().map(|m| format!(" (via {})", term(m))).unwrap_or_default();
            if let Some(attr) = &c.hit.defined_by {
                via.push_str(&format!(" (defined by {})", term(attr)));
            }
            if let Some(line) = c.replaced_by {
                via.push_str(&format!(" (replaced by line {})", line + 1));
            }
            if c.local_depth.is_some() {
                via.push_str(" (local: shadows the outer definitions)");
            }
            match run {
                Some(vitrine_syntax::LoaderAttribute { what, on: None }) => {
                    via.push_str(&format!(" ({what})"))
                }
                Some(vitrine_syntax::LoaderAttribute { what, on: Some((path, at)) }) => {
                    via.push_str(&format!(
                        " ({what} on its declaration at {}:{}:{})",
                        term(path),
                        at.line + 1,
                        at.column + 1
                    ))
                }
                None => {}
            }
            let scoped = if c.hit.scope.is_empty() {
                c.hit.name.clone()
            } else {
                format!("{}::{}", c.hit.scope, c.hit.name)
            };
            writeln!(
                ctx.out,
                "{}:{}:{}: {} {}{decl}{via}",
                term(&c.hit.path),
                c.hit.at.line + 1,
                c.hit.at.column + 1,
                c.hit.kind.as_str(),
                term(&scoped)
            )?;
        }
    }
    if candidates.is_empty() {
        nothing_found(ctx, index, &format!("no definition of {}", a.name), &name)?;
        return Ok(Exit::Failed);
    }
    Ok(Exit::Ok)
}

#[derive(Serialize)]
struct RefJson<'a> {
    path: &'a str,
    line: u32,
    column: u32,
    kind: &'a str,
    name: &'a str,
    /// The enclosing definition.
    scope: &'a str,
    /// Who makes a call no expression makes (`by the loader before main (constructor attribute)`,
    /// `at scope exit (cleanup attribute of a variable)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    called_by: Option<&'static str>,
    /// For a call the loader makes, the definitions elsewhere of the function it runs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    runs: Vec<PlaceJson>,
}

fn refs(a: NameArgs, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    let (snap, index) = open_index(&a.path, ctx)?;
    // A damaged record of an imported snapshot fails the command (after the lookup, which reads
    // through this closure); a file that cannot be read is left out, as before.
    let damage = std::sync::OnceLock::new();
    let read = |path: &str| -> Option<Vec<u8>> {
        let entry = match snap.file_entry(path.as_bytes()) {
            Ok(entry) => entry?,
            Err(e) => {
                let _ = damage.set(e);
                return None;
            }
        };
        snap.read(&entry).ok()
    };
    let (_, name) = split_qualified(&a.name);
    let hits = index.references(&name, read)?;
    if let Some(e) = damage.into_inner() {
        return Err(e.into());
    }
    let mut lines = ImplicitCalls::default();
    let read = |path: &str| read_file(&snap, path);
    for h in &hits {
        let enclosing = h.enclosing.as_deref().unwrap_or("");
        let implicit = if h.kind == RefKind::Call { lines.caller(&h.path, h.at, &read) } else { None };
        let runs = implicit.map(|by| loader_runs(&index, &h.name, &h.path, h.at, by)).unwrap_or_default();
        if a.json {
            ctx.json(&RefJson {
                path: &h.path,
                line: h.at.line + 1,
                column: h.at.column + 1,
                kind: h.kind.as_str(),
                name: &h.name,
                scope: enclosing,
                called_by: implicit,
                runs,
            })?;
        } else {
            let mut within =
                if enclosing.is_empty() { String::new() } else { format!(" in {}", term(enclosing)) };
            if let Some(by) = implicit {
                within.push_str(&format!(" {by}"));
                within.push_str(&runs_text(&runs));
            }
            writeln!(
                ctx.out,
                "{}:{}:{}: {}{within}",
                term(&h.path),
                h.at.line + 1,
                h.at.column + 1,
                h.kind.as_str()
            )?;
        }
    }
    if hits.is_empty() {
        nothing_found(ctx, &index, &format!("no references to {}", a.name), &name)?;
        return Ok(Exit::Failed);
    }
    Ok(Exit::Ok)
}

#[derive(Serialize)]
struct CallerJson<'a> {
    /// Where the calling definition is (its name), or the first call site for file-level calls.
    path: &'a str,
    line: u32,
    column: u32,
    kind: &'a str,
    name: &'a str,
    scope: &'a str,
    /// Each call site of the callee inside this caller (1-based).
    calls: Vec<[u32; 2]>,
    /// Who makes the calls when no expression does (see `RefJson`).
    #[serde(skip_serializing_if = "Option::is_none")]
    called_by: Option<&'static str>,
    /// For calls the loader makes, the definitions elsewhere of the function it runs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    runs: Vec<PlaceJson>,
}

fn callers(a: NameArgs, ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    let (snap, index) = open_index(&a.path, ctx)?;
    let (_, callee) = split_qualified(&a.name);
    let groups = index.callers(&callee)?;
    let mut lines = ImplicitCalls::default();
    for g in &groups {
        let calls: Vec<[u32; 2]> = g.sites.iter().map(|p| [p.line + 1, p.column + 1]).collect();
        let first = g.sites.first().copied().unwrap_or_default();
        let (line, column, kind, name, scope) = match &g.caller {
            Some(c) => (c.at.line + 1, c.at.column + 1, c.kind.as_str(), c.name.as_str(), c.scope.as_str()),
            None => (first.line + 1, first.column + 1, "file", "", ""),
        };
        let implicit = lines.caller(&g.path, first, &|p: &str| read_file(&snap, p));
        // The loader runs the definitions elsewhere of a function it calls at file level.
        let runs = match implicit {
            Some(by) if name.is_empty() => loader_runs(&index, &callee, &g.path, first, by),
            _ => Vec::new(),
        };
        if a.json {
            ctx.json(&CallerJson {
                path: &g.path,
                line,
                column,
                kind,
                name,
                scope,
                calls,
                called_by: implicit,
                runs,
            })?;
        } else {
            let who = match (name.is_empty(), implicit) {
                (true, Some(by)) => format!("(file level) called {by}"),
                (true, None) => "(file level)".to_string(),
                (false, _) => format!("{kind} {}", term(name)),
            };
            let sites: Vec<String> = calls.iter().map(|[l, c]| format!("{l}:{c}")).collect();
            let at_exit = match implicit {
                Some(by) if !name.is_empty() => format!(" {by}"),
                Some(_) => runs_text(&runs),
                None => String::new(),
            };
            writeln!(
                ctx.out,
                "{}:{line}:{column}: {who}  calls at {}{at_exit}",
                term(&g.path),
                sites.join(", ")
            )?;
        }
    }
    if groups.is_empty() {
        nothing_found(ctx, &index, &format!("no calls of {}", a.name), &callee)?;
        return Ok(Exit::Failed);
    }
    Ok(Exit::Ok)
}

/// For a call the loader makes because of a `constructor` or `destructor` attribute on a declaration
/// (`by`, as [`vitrine_syntax::implicit_caller`] says it), the definitions of the function it runs
/// that are elsewhere (GCC merges the attribute into the function: the plain definition in a `.c` is
/// what runs); none for other calls.
fn loader_runs(index: &SymbolIndex, name: &str, path: &str, at: Point, by: &str) -> Vec<PlaceJson> {
    if !by.starts_with("by the loader before main") && !by.starts_with("by the loader after main") {
        return Vec::new();
    }
    let Ok(hits) = index.lookup(name, Match::Exact) else { return Vec::new() };
    hits.iter()
        .filter(|h| {
            h.role == Role::Definition
                && h.kind.is_function_like()
                && matches!(h.language, Some(vitrine_syntax::Language::C | vitrine_syntax::Language::Cpp))
                && !(h.path == path && (h.start_line..=h.end_line).contains(&at.line))
        })
        .map(|h| PlaceJson::at(&h.path, h.at))
        .collect()
}

/// What [`loader_runs`] found, as the text output says it: ` (runs the definition at util.c:10:6)`,
/// or nothing.
fn runs_text(runs: &[PlaceJson]) -> String {
    if runs.is_empty() {
        return String::new();
    }
    let at: Vec<String> = runs.iter().map(|p| format!("{}:{}:{}", term(&p.path), p.line, p.column)).collect();
    let s = if runs.len() == 1 { "" } else { "s" };
    format!(" (runs the definition{s} at {})", at.join(", "))
}

/// A file of the snapshot, if it can be read.
fn read_file(snap: &Snapshot, path: &str) -> Option<Vec<u8>> {
    let entry = snap.file_entry(path.as_bytes()).ok()??;
    snap.read(&entry).ok()
}

/// The lines of the files `refs` and `callers` show calls in, read once each, to say who makes a call
/// no expression makes (the loader for a `constructor` attribute, scope exit for `cleanup`).
#[derive(Default)]
struct ImplicitCalls {
    files: std::collections::HashMap<String, Option<Vec<u8>>>,
}

impl ImplicitCalls {
    fn caller(
        &mut self,
        path: &str,
        at: Point,
        read: &dyn Fn(&str) -> Option<Vec<u8>>,
    ) -> Option<&'static str> {
        // A registry file's calls are made by the loader that reads it (`META-INF/services`).
        if let Some(by) = vitrine_syntax::registry_loader(path) {
            return Some(by);
        }
        // Otherwise only C and C++ have such calls.
        if !matches!(
            vitrine_syntax::language_for_path(path, b""),
            Some(vitrine_syntax::Language::C | vitrine_syntax::Language::Cpp)
        ) {
            return None;
        }
        let text = self.files.entry(path.to_string()).or_insert_with(|| read(path)).as_deref()?;
        let line = text.split(|&b| b == b'\n').nth(at.line as usize)?;
        vitrine_syntax::implicit_caller(line, at.column as usize)
    }
}

/// How many names the symbol index returns at most for a prefix or case-insensitive match, and
/// for a fuzzy one (`vitrine_syntax::index`'s `find_prefix`, `find_ignore_case`, `lookup`).
const INDEX_NAME_CAP: usize = 10_000;
const INDEX_FUZZY_CAP: usize = 200;

/// A name as written on the command line: `A::B::name` gives (`A::B`, `name`); a trailing `::` or
/// none gives the whole text as the name. Calls and references are matched by the last name.
fn split_qualified(written: &str) -> (Option<String>, String) {
    // A name copied as the code spells it (`check_p\u0430ss`) is the name the index stores decoded,
    // and a Rust raw identifier (`r#verify`) the name without its prefix.
    let decoded = vitrine_base::ucn::decode_identifier(written, vitrine_base::ucn::Escapes::Ucn);
    let written = decoded.as_deref().unwrap_or(written);
    let raw = |n: &str| n.strip_prefix("r#").filter(|n| !n.is_empty()).unwrap_or(n).to_string();
    match written.rsplit_once("::") {
        Some((q, n)) if !n.is_empty() => (Some(q.to_string()), raw(n)),
        _ => (None, raw(written)),
    }
}

/// Says on stderr that a lookup found nothing, with the close names a fuzzy match finds.
fn nothing_found(ctx: &mut Ctx<'_>, index: &SymbolIndex, what: &str, name: &str) -> anyhow::Result<()> {
    let close: Vec<String> =
        index.names(name, Match::Fuzzy, 6)?.into_iter().filter(|n| n != name).take(5).collect();
    if close.is_empty() {
        writeln!(ctx.err, "vitrine: {what}")?;
    } else {
        writeln!(ctx.err, "vitrine: {what}; close names: {}", close.join(", "))?;
    }
    Ok(())
}

/// Opens the snapshot and its symbol index, building the index (with a progress line) if it is
/// missing or stale.
fn open_index(path: &Path, ctx: &mut Ctx<'_>) -> anyhow::Result<(Snapshot, SymbolIndex)> {
    let snap = ctx.open_snapshot_for_query(path, true)?;
    // A language mapping changes what is indexed: its index lives beside the default one.
    let folder = match vitrine_syntax::user_map() {
        Some(map) => format!("symbols-langmap-{:016x}", fnv1a(map.spec().as_bytes())),
        None => "symbols".to_string(),
    };
    let dir = ctx.data.snapshot_dir(snap.content_key()).join(folder);
    match SymbolIndex::open_for(&dir, &snap) {
        Ok(index) => return Ok((snap, index)),
        Err(e) if dir.exists() => {
            writeln!(ctx.err, "vitrine: the symbol index could not be used ({e}); rebuilding it")?;
        }
        Err(_) => {}
    }
    let progress = Arc::new(Progress::default());
    let reporter = ctx.show_progress().then(|| spawn_progress_line(progress.clone()));
    let result = index::build_for_snapshot(&snap, &dir, &progress);
    if let Some((stop, handle)) = reporter {
        stop.cancel();
        handle.thread().unpark();
        let _ = handle.join();
    }
    let index = result.context("cannot build the symbol index")?;
    Ok((snap, index))
}

/// FNV-1a, 64 bits: a stable name for a cache folder (not a security measure).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// A file argument relative to the snapshot root: a path under the snapshot directory is made
/// relative.
fn relative_path(root: &Path, file: &str) -> String {
    let p = Path::new(file);
    if let Ok(rest) = p.strip_prefix(root) {
        return rest.to_string_lossy().into_owned();
    }
    file.trim_start_matches("./").to_string()
}

/// `FILE:LINE:COL` (1-based) to a path and a 0-based point.
fn parse_from(s: &str) -> anyhow::Result<(String, Point)> {
    let mut parts = s.rsplitn(3, ':');
    let col = parts.next().and_then(|c| c.parse::<u32>().ok());
    let line = parts.next().and_then(|l| l.parse::<u32>().ok());
    let file = parts.next();
    match (file, line, col) {
        (Some(f), Some(l), Some(c)) if l > 0 && c > 0 => {
            Ok((f.to_string(), Point { line: l - 1, column: c - 1 }))
        }
        _ => anyhow::bail!("--from wants FILE:LINE:COLUMN with 1-based numbers, got {s:?}"),
    }
}
