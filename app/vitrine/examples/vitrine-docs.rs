//! Writes the man pages (clap_mangen) and the bash, zsh and fish completions (clap_complete) of the
//! `vitrine` command line into OUT_DIR/man and OUT_DIR/completions, for the .deb and the offline install.
//!
//! `cargo run --release -p vitrine --example vitrine-docs -- OUT_DIR`

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap_complete::Shell;

fn main() -> ExitCode {
    let Some(out) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: vitrine-docs OUT_DIR");
        return ExitCode::from(2);
    };
    match write_all(&out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vitrine-docs: {e}");
            ExitCode::FAILURE
        }
    }
}

fn write_all(out: &Path) -> Result<(), String> {
    let man = out.join("man");
    let completions = out.join("completions");
    for dir in [&man, &completions] {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    // One page for `vitrine`, one per subcommand (vitrine-digest.1, ...).
    clap_mangen::generate_to(vitrine::command(), &man)
        .map_err(|e| format!("cannot write the man pages into {}: {e}", man.display()))?;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        clap_complete::generate_to(shell, &mut vitrine::command(), "vitrine", &completions).map_err(|e| {
            format!("cannot write the {shell} completion into {}: {e}", completions.display())
        })?;
    }
    println!("{}", out.display());
    Ok(())
}
