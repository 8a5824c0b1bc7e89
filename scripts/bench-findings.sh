#!/usr/bin/env bash
# The findings library (issue 15 part A) at scale: 100,000 signed entries written through the record API
# into ten reviews of a fresh data directory, the library built from those logs, then warm query times
# (words, stemmed and Russian forms, facets, sorts). Target: <= 20 ms per query.
#
#   scripts/bench-findings.sh [N]      (N entries, default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
cargo build --release -q -p vitrine_library --example findings_bench
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vitrine-findings.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
/usr/bin/time -f 'peak %M KB, %e s in all' "$CARGO_TARGET_DIR/release/examples/findings_bench" "$WORK/data" "${1:-100000}"
echo "library on disk: $(du -sh "$WORK/data/library" | cut -f1); logs: $(du -sh "$WORK/data/snapshots" | cut -f1)"
