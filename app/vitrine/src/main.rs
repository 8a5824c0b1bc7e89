//! The `vitrine` executable: the workstation window and its command-line subcommands.

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(vitrine::run(std::env::args_os()))
}
