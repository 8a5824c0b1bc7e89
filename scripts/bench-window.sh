#!/usr/bin/env bash
# The window, cold, on a large tree (default: the Linux 6.1 tree of scripts/corpora.sh): the real window's
# code driven headless (egui_kittest) at 10 Hz with an empty data directory, a query typed as soon as the
# snapshot is open. Prints the time to the snapshot open, the first search results (scan or index), the
# search index and the symbols ready, and the resident memory; then the same window reopened on the data
# directory it left (as after a restart).
# Usage: scripts/bench-window.sh [SNAPSHOT_DIR] [--query Q]
#   BASE=OTHER_WINDOW_BENCH PAIRS=N: compare with another build of window_bench (say, the last release's),
#   in N pairs run alternately (the order swapped from one pair to the next), each cold then restarted;
#   one line per run, then the all-ready times side by side. On a shared or virtual machine the speed
#   drifts by several seconds within minutes: only such pairs compare two builds.
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
if [ -z "${BASE:-}" ]; then
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$bin" "$snap" --data "$data/data" "$@"
  echo "restart (same data directory):"
  "$bin" "$snap" --data "$data/data" "$@"
  exit 0
fi
[ -x "$BASE" ] || { echo "BASE=$BASE is not an executable window_bench" >&2; exit 2; }
# run LABEL BIN: one cold run and its restart; prints one line and appends LABEL's all-ready time.
run() {
  local label=$1 b=$2 load cold restart all
  shift 2
  rm -rf "$data/data"
  load=$(cut -d' ' -f1 /proc/loadavg)
  cold=$(/usr/bin/time -f 'cpu %U %S' "$b" "$snap" --data "$data/data" "$@" 2>&1) || { echo "$cold" >&2; return 1; }
  restart=$("$b" "$snap" --data "$data/data" "$@" 2>&1) || { echo "$restart" >&2; return 1; }
  all=$(sed -n 's/^  ranked index ready *\([0-9.]*\) s.*/\1/p' <<<"$cold")
  echo "$label: load $load, search index $(sed -n 's/^  search index ready *//p' <<<"$cold"), symbols $(sed -n 's/^  symbols ready *//p' <<<"$cold"), all ready ${all} s, $(grep -o 'peak [0-9]* MB' <<<"$cold"), $(sed -n 's/^cpu \([0-9.]*\) \([0-9.]*\)/CPU \1 + \2 s/p' <<<"$cold"); restart: all ready $(sed -n 's/^  ranked index ready *//p' <<<"$restart")"
  eval "times_$label+=\" $all\""
}
times_new="" times_base=""
for k in $(seq "${PAIRS:-3}"); do
  if [ $((k % 2)) -eq 1 ]; then order="new base"; else order="base new"; fi
  for who in $order; do
    if [ "$who" = new ]; then run new "$bin" "$@"; else run base "$BASE" "$@"; fi
  done
done
echo "all ready, this build:${times_new}"
echo "all ready, BASE:      ${times_base}"
