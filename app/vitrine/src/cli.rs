//! Argument parsing and dispatch.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use vitrine_snapshot::IngestConfig;

use crate::cmd_snapshot;
use crate::common::{Ctx, Exit};

/// Vitrine: review a vendor's source snapshot offline. With no subcommand, opens the window on the
/// bundled demo snapshot.
#[derive(Debug, Parser)]
#[command(name = "vitrine", version, long_about = None, disable_version_flag = true)]
#[command(about = "Vitrine: an offline workstation for reviewing a vendor's source snapshot.")]
#[command(
    allow_external_subcommands = true,
    override_usage = "vitrine [OPTIONS] [PATH]\n       vitrine [OPTIONS] <COMMAND>"
)]
pub struct Cli {
    /// Data directory for indexes, reviews and unpacked archives [default: $VITRINE_DATA, else the XDG
    /// data directory]
    #[arg(long, global = true, value_name = "DIR")]
    pub data: Option<PathBuf>,

    /// No progress output on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,

    /// Hash every file again instead of reusing what an earlier run found in unchanged files. `digest`,
    /// `health`, `export` and `verify` always hash everything.
    #[arg(long, global = true)]
    pub no_cache: bool,

    /// Read the files matching PATTERN as LANGUAGE, e.g. `--lang-map '*.inc=c'`. A pattern without `/`
    /// matches the file name, one with `/` the path in the snapshot; several are separated by commas
    /// or given by repeating the option. Templates (`ssl.h.in`, `x.c.tmpl`) need none: they are read
    /// by the extension before `.in`.
    #[arg(long, global = true, value_name = "PATTERN=LANGUAGE")]
    pub lang_map: Vec<String>,

    /// Print the version.
    #[arg(short = 'V', long, global = true)]
    pub version: bool,

    /// With --version: also print the build's provenance (source commit, Cargo.lock and SBOM SHA-256), which
    /// ties this binary to its source bundle.
    #[arg(long, requires = "version")]
    pub verbose: bool,

    #[command(flatten)]
    pub ingest: IngestArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Limits applied when a snapshot is opened. Global, so they are taken in any position after any
/// subcommand, but hidden from the subcommands' help pages, where they would repeat on every one:
/// `vitrine --help` lists them once ([`limits_help`]).
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Text files larger than this are hashed and listed but not indexed [default: 67108864]
    #[arg(long, global = true, hide = true, value_name = "BYTES")]
    pub max_text_bytes: Option<u64>,
    /// Refuse an archive that unpacks to, or a directory whose files hold, more bytes than this [default: 34359738368]
    #[arg(long, global = true, hide = true, value_name = "BYTES")]
    pub archive_max_bytes: Option<u64>,
    /// Refuse an archive or a directory holding a file larger than this (a directory: also a file of 64 MiB or more with under an eighth of it on disk, sparse) [default: 8589934592]
    #[arg(long, global = true, hide = true, value_name = "BYTES")]
    pub max_file_bytes: Option<u64>,
    /// Refuse an archive or a directory with more entries than this [default: 2000000]
    #[arg(long, global = true, hide = true, value_name = "N")]
    pub archive_max_entries: Option<u64>,
    /// Refuse an archive that unpacks to more than N bytes per archive byte (past 64 MiB) [default: 100]
    #[arg(long, global = true, hide = true, value_name = "N")]
    pub archive_max_ratio: Option<u64>,
}

/// The snapshot limits as a help section for the top-level help, written from [`IngestArgs`]' own
/// definitions so the two cannot drift apart.
fn limits_help() -> String {
    let limits = <IngestArgs as Args>::augment_args(clap::Command::new("limits"));
    let rows: Vec<(String, String)> = limits
        .get_arguments()
        .filter_map(|a| {
            let long = a.get_long()?;
            let value =
                a.get_value_names().and_then(|v| v.first()).map(|v| format!(" <{v}>")).unwrap_or_default();
            Some((format!("--{long}{value}"), a.get_help().map(|h| h.to_string()).unwrap_or_default()))
        })
        .collect();
    let mut text = String::from("Snapshot limits (any command that opens a snapshot, in any position):\n");
    for (flag, help) in rows {
        text.push_str(&format!("      {flag}\n          {help}\n"));
    }
    text
}

impl IngestArgs {
    fn config(&self) -> IngestConfig {
        let mut c = IngestConfig::default();
        if let Some(n) = self.max_text_bytes {
            c.classify.max_text_bytes = n;
        }
        if let Some(n) = self.archive_max_bytes {
            c.archive.max_total_bytes = n;
        }
        if let Some(n) = self.max_file_bytes {
            c.archive.max_file_bytes = n;
        }
        if let Some(n) = self.archive_max_entries {
            c.archive.max_entries = n;
        }
        if let Some(n) = self.archive_max_ratio {
            c.archive.max_ratio = n;
        }
        c
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// A snapshot path instead of a subcommand: open it in the window.
    #[command(external_subcommand)]
    Path(Vec<OsString>),
    #[command(flatten)]
    Snapshot(cmd_snapshot::SnapshotCmd),
    #[command(flatten)]
    Record(crate::cmd_record::RecordCmd),
    #[command(flatten)]
    Symbols(crate::cmd_symbols::SymbolsCmd),
    #[command(flatten)]
    Search(crate::cmd_search::SearchCmd),
    #[command(flatten)]
    Compare(crate::cmd_compare::CompareCmd),
    #[command(flatten)]
    Findings(crate::cmd_findings::FindingsCmd),
}

/// The command line's definition (for the man page and the shell completions).
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command().after_help(limits_help())
}

/// Whether `--version` or `-V` stands among the options (before any `--`), after the program name.
fn asks_version(args: &[OsString]) -> bool {
    args.iter().skip(1).take_while(|a| *a != "--").any(|a| a == "--version" || a == "-V")
}

pub fn run<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let parse = |args: &[OsString]| {
        command().try_get_matches_from(args).and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m))
    };
    let parsed = match parse(&args) {
        // `vitrine PATH --data DIR`: clap hands everything after a path to the external subcommand,
        // global options included. Parsed again with the path last, the options are taken as they are
        // in any other position.
        Ok(Cli { command: Some(Command::Path(rest)), .. }) if rest.len() > 1 => {
            let (path, options) = rest.split_at(1);
            let reordered: Vec<OsString> =
                args.iter().take(args.len() - rest.len()).chain(options).chain(path).cloned().collect();
            parse(&reordered)
        }
        other => other,
    };
    let cli = match parsed {
        Ok(cli) => cli,
        // `--version` answers after any subcommand too, as clap's own flag does, even where the
        // subcommand's required arguments are missing (`vitrine search --version`).
        Err(_) if asks_version(&args) => {
            let verbose = args.iter().skip(1).take_while(|a| *a != "--").any(|a| a == "--verbose");
            let _ = write!(out, "{}", crate::version::text(verbose));
            return Exit::Ok as u8;
        }
        Err(e) => {
            let code = if e.use_stderr() { Exit::Usage } else { Exit::Ok };
            let rendered = e.render();
            let _ = if e.use_stderr() { write!(err, "{rendered}") } else { write!(out, "{rendered}") };
            return code as u8;
        }
    };
    if cli.version {
        let _ = write!(out, "{}", crate::version::text(cli.verbose));
        return Exit::Ok as u8;
    }
    let mut lang_map = vitrine_syntax::LangMap::default();
    for spec in &cli.lang_map {
        if let Err(e) = lang_map.extend(spec) {
            let _ = writeln!(err, "vitrine: error: --lang-map: {e}");
            return Exit::Usage as u8;
        }
    }
    // Process-wide, as the data directory is: the snapshot-wide index build reads it on its workers.
    // Only set when given, so that one in-process run cannot clear another's.
    if !lang_map.is_empty() {
        vitrine_syntax::set_user_map(Some(lang_map));
    }
    // The record family prints what signed records and bundles say, all of it hostile when it comes from
    // the vendor: every line of it goes through the escaping writer (stdout and stderr alike).
    let record_family = matches!(
        cli.command,
        Some(
            Command::Record(_)
                | Command::Findings(_)
                | Command::Compare(crate::cmd_compare::CompareCmd::Port(_))
        )
    );
    // `diff` prints the vendor's file names, details and link targets: through the escaping writer too,
    // keeping the tabs that separate `--stat`'s columns (its fields are escaped whole, tabs and all).
    let listing = matches!(cli.command, Some(Command::Compare(crate::cmd_compare::CompareCmd::Diff(_))));
    let (mut term_out, mut term_err);
    let (out, err): (&mut dyn Write, &mut dyn Write) = if record_family {
        term_out = crate::common::TermWriter::new(out);
        term_err = crate::common::TermWriter::new(err);
        (&mut term_out, &mut term_err)
    } else if listing {
        term_out = crate::common::TermWriter::keeping_tabs(out);
        term_err = crate::common::TermWriter::new(err);
        (&mut term_out, &mut term_err)
    } else {
        (out, err)
    };
    let mut ctx = Ctx::new(cli.data.as_deref(), cli.quiet, out, err);
    ctx.ingest = cli.ingest.config();
    ctx.use_cache = !cli.no_cache;
    let result = match cli.command {
        None => cmd_snapshot::open_window(None, Default::default(), &mut ctx),
        // `vitrine PATH` opens the window on PATH, as `vitrine open PATH` does.
        Some(Command::Path(args)) => match args.as_slice() {
            [path] => cmd_snapshot::open_window(Some(PathBuf::from(path)), Default::default(), &mut ctx),
            _ => Err(anyhow::anyhow!(
                "unexpected arguments {args:?}: give one snapshot PATH, or a subcommand (see --help)"
            )),
        },
        Some(Command::Snapshot(cmd)) => cmd_snapshot::run(cmd, &mut ctx),
        Some(Command::Record(cmd)) => crate::cmd_record::run(cmd, &mut ctx),
        Some(Command::Symbols(cmd)) => crate::cmd_symbols::run(cmd, &mut ctx),
        Some(Command::Search(cmd)) => crate::cmd_search::run(cmd, &mut ctx),
        Some(Command::Compare(cmd)) => crate::cmd_compare::run(cmd, &mut ctx),
        Some(Command::Findings(cmd)) => crate::cmd_findings::run(cmd, &mut ctx),
    };
    match result {
        Ok(exit) => exit as u8,
        // Output piped into a reader that stopped (`| head`): nothing is wrong and nothing is said.
        Err(e) if is_broken_pipe(&e) => Exit::Ok as u8,
        Err(e) => {
            let _ = writeln!(ctx.err, "vitrine: error: {}", crate::common::term(&format!("{e:#}")));
            Exit::Usage as u8
        }
    }
}

/// Whether an error comes from writing into a closed pipe.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}
