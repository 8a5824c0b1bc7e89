#!/usr/bin/env bash
# The window, cold, on a large tree (default: the Linux 6.1 tree of scripts/corpora.sh): the real window's
# code driven headless (egui_kittest) at 10 Hz with an empty data directory, a query typed as soon as the
# snapshot is open. Prints the time to the snapshot open, the first search results (scan or index), the
# search index and the symbols ready, and the resident memory; then the same window reopened on the data
# directory it left (as after a restart).
# Usage: scripts/bench-window.sh [SNAPSHOT_DIR] [--query Q]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ] || [ "${1#--}" != "$1" ]; then
  . scripts/corpora.sh
  set -- "$LINUX" "$@"
fi
snap=$1; shift
cargo build --release --locked -q -p vitrine_gui --example window_bench
bin=${CARGO_TARGET_DIR:-target}/release/examples/window_bench
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$bin" "$snap" --data "$data/data" "$@"
echo "restart (same data directory):"
"$bin" "$snap" --data "$data/data" "$@"
