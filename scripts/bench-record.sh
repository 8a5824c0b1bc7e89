#!/usr/bin/env bash
# Benchmark of the review record (issue 5): annotate N entries (default 100,000), reopen the review (load and
# re-verify everything), export the bundle, verify it on one thread and on all. Prints entries per second for
# each phase, the bundle size, the peak memory and the load average when the review was reopened.
# Usage: scripts/bench-record.sh [N] [DIR]. With BENCH_KEEP=1 the review is kept (DIR/vitrine-record-bench-PID/
# review), and `cargo run --release -p vitrine_record --example load -- THAT_DIR - RUNS` times its load alone,
# `--example verify -- THAT_DIR/../bench.vitrine RUNS` its verify alone.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p vitrine_record --example bench
exec "${CARGO_TARGET_DIR:-target}/release/examples/bench" "$@"
