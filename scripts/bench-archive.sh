#!/usr/bin/env bash
# Benchmark: `vitrine digest` of the Linux source .tar.xz against `tar xJf` of the same file, in the same
# run (issue 11's target: at most 1.2x), with both peak RSS figures (`/usr/bin/time`). Medians of $RUNS
# runs (default 1) after one warm-up each; the extraction goes to a temporary folder that is removed.
cd "$(dirname "$0")/.."
. scripts/corpora.sh
cargo build --release --locked --bin vitrine -q
bin=${CARGO_TARGET_DIR:-$PWD/target}/release/vitrine
archive=${ARCHIVE:-/usr/src/linux-source-6.1.tar.xz}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
extract() { rm -rf "$1" && mkdir -p "$1" && tar xJf "$2" -C "$1"; }
export -f extract
RUNS=${RUNS:-1}
measure t bash -c 'extract "$0" "$1"' "$scratch/x" "$archive"
rm -rf "$scratch/x"
measure v "$bin" digest "$archive" --quiet
echo "| archive | size | tar xJf | vitrine digest | ratio | tar peak RSS | vitrine peak RSS |"
echo "|---|---|---|---|---|---|---|"
echo "| ${archive##*/} | $(du -m "$archive" | cut -f1) MB | ${t_s} s | ${v_s} s | $(ratio "$v_s" "$t_s")× | ${t_mb} MB | ${v_mb} MB |"
