//! Benchmark driver for `scripts/bench-archive.sh`: opens a snapshot exactly as `vitrine digest` does
//! (every byte hashed, no cache, content not kept) and prints its SHA-256 tree id. It builds in a
//! fraction of the time of the whole `vitrine` binary; the script uses the binary when it is built.

#![allow(clippy::print_stdout)]

use vitrine_snapshot::progress::Progress;
use vitrine_snapshot::{IngestConfig, Snapshot};

fn main() {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: digest_bench SNAPSHOT");
        std::process::exit(2);
    };
    match Snapshot::open(path.as_ref(), &IngestConfig::default(), &Progress::default()) {
        Ok(s) => println!("{}", s.ids().tree_sha256),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    }
}
