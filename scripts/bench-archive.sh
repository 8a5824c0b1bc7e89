#!/usr/bin/env bash
# Benchmark: `vitrine digest` of the Linux source .tar.xz against `tar xJf` of the same file, in the same
# run (issue 11's target: at most 1.2x), with the peak RSS of each from `/usr/bin/time -v`. Medians of
# $RUNS runs (default 1); the extraction goes to a temporary folder that is removed.
# QUICK=1 measures the `digest_bench` example of vitrine_snapshot (the same `Snapshot::open` as `vitrine
# digest`, without building the window's dependencies) instead of the `vitrine` binary.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_packages linux-source-6.1 xz-utils time
target=${CARGO_TARGET_DIR:-$PWD/target}
if [ "${QUICK:-0}" = 1 ]; then
  cargo build --release --locked -p vitrine_snapshot --example digest_bench -q
  digest=("$target/release/examples/digest_bench")
else
  cargo build --release --locked --bin vitrine -q
  digest=("$target/release/vitrine" digest --quiet)
fi
archive=${ARCHIVE:-/usr/src/linux-source-6.1.tar.xz}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# run NAME CMD...: appends "seconds peak_kB" of one run of CMD to $scratch/NAME.
run() {
  local name=$1; shift
  /usr/bin/time -v -o "$scratch/time" "$@" >/dev/null
  awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]}
              /Maximum resident set size/ {kb = $2} END {print s, kb}' "$scratch/time" >> "$scratch/$name"
}
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
for _ in $(seq "${RUNS:-1}"); do
  mkdir "$scratch/x"
  run tar tar xJf "$archive" -C "$scratch/x"
  rm -rf "$scratch/x"
  run vitrine "${digest[@]}" "$archive"
done
t_s=$(cut -d' ' -f1 "$scratch/tar" | median); v_s=$(cut -d' ' -f1 "$scratch/vitrine" | median)
t_mb=$(cut -d' ' -f2 "$scratch/tar" | sort -g | tail -1 | awk '{printf "%.0f", $1/1024}')
v_mb=$(cut -d' ' -f2 "$scratch/vitrine" | sort -g | tail -1 | awk '{printf "%.0f", $1/1024}')
echo "| archive | tar xJf | ${digest[0]##*/} digest | ratio | tar peak RSS | vitrine peak RSS | load at end |"
echo "|---|---|---|---|---|---|---|"
echo "| ${archive##*/} ($(du -m "$archive" | cut -f1) MB) | ${t_s} s | ${v_s} s | $(awk -v a="$v_s" -v b="$t_s" 'BEGIN {printf "%.2f", a / b}')× | ${t_mb} MB | ${v_mb} MB | $(cut -d' ' -f1 /proc/loadavg) |"
