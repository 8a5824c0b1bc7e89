//! The `vitrine` command line: parses arguments, dispatches to one module per family of subcommands,
//! and maps outcomes to exit codes (0 ok, 1 verification failed or nothing found, 2 usage or input error).
//!
//! The command line is a library so that the integration tests can run it in process.

mod cli;
mod cmd_compare;
mod cmd_findings;
mod cmd_port;
mod cmd_ranked;
mod cmd_record;
mod cmd_search;
mod cmd_snapshot;
mod cmd_symbols;
mod common;
mod definitions;
mod demo;
mod version;

use std::ffi::OsString;

pub use crate::common::Exit;

/// Runs the command line with `args` (the first being the program name) and returns the exit code.
pub fn run<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    common::PROCESS_ENDS_AFTER_COMMAND.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr();
    cli::run(args, &mut out, &mut err)
}

/// Runs the command line writing to the given streams (used by tests).
pub fn run_with<I, T>(args: I, out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    cli::run(args, out, err)
}

pub use crate::demo::unpack_demo;

/// The command line's definition, from which the man page and shell completions are generated
/// (`examples/vitrine-docs.rs`).
pub fn command() -> clap::Command {
    cli::command()
}
