#!/usr/bin/env bash
# Ranked code search (issue 15 part B) on the Linux kernel source: the ranked index's build time beside
# cindex's (codesearch), its peak memory, warm query times, and precision@10 on the 20 reader-judged
# queries of tests/data/ranked/linux-queries.json.
#
#   scripts/bench-ranked.sh            (one run: the ratios of one run on a shared machine)
#
# The snapshot is ingested and its trigram index built first (not timed here: bench-search.sh times
# them); then the ranked index is built by `vitrine search TREE '~…'` in a fresh data directory, timed
# with /usr/bin/time, and judged by the rank_eval example, which opens the built index once and runs
# every query twice (the second run is the warm time).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/corpora.sh
ensure_packages codesearch
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
cargo build --release -q -p vitrine -p vitrine_rank --example rank_eval
BIN=$CARGO_TARGET_DIR/release/vitrine
EVAL=$CARGO_TARGET_DIR/release/examples/rank_eval
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vitrine-ranked.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
DATA=$WORK/data

/usr/bin/time -f '%e %M' -o "$WORK/cindex.time" env CSEARCHINDEX="$WORK/csearchindex" cindex "$LINUX" >/dev/null 2>&1
read -r cindex_s cindex_kb < "$WORK/cindex.time"

"$BIN" --data "$DATA" search index "$LINUX" >/dev/null 2>&1   # ingest + trigram index, untimed
/usr/bin/time -f '%e %M' -o "$WORK/ranked.time" "$BIN" --data "$DATA" search "$LINUX" '~entropy' >/dev/null 2>"$WORK/ranked.err" || true
read -r ranked_s ranked_kb < "$WORK/ranked.time"
/usr/bin/time -f '%e %M' -o "$WORK/query.time" "$BIN" --data "$DATA" search "$LINUX" '~entropy pool' --json >/dev/null 2>&1 || true
read -r cli_s _ < "$WORK/query.time"
ranked_dir=$(ls -d "$DATA"/snapshots/*/ranked)
build_ms=$(sed -n 's/.*"build_ms": \([0-9]*\).*/\1/p' "$ranked_dir/ranked.json")

"$EVAL" "$DATA" "$LINUX" tests/data/ranked/linux-queries.json | tee "$WORK/eval.jsonl" >&2
summary=$(tail -1 "$WORK/eval.jsonl")
echo "cindex build:            ${cindex_s} s, peak $((cindex_kb / 1024)) MB"
echo "ranked index (CLI, incl. snapshot open from the ingest cache): ${ranked_s} s ($(ratio "$ranked_s" "$cindex_s")x cindex), peak $((ranked_kb / 1024)) MB"
echo "ranked index build alone: $((build_ms / 1000)).$(printf %03d $((build_ms % 1000))) s ($(ratio "$(awk -v m="$build_ms" 'BEGIN{print m/1000}')" "$cindex_s")x cindex)"
echo "ranked index size:       $(du -sh "$ranked_dir" | cut -f1)"
echo "one CLI ranked query (new process, snapshot open included): ${cli_s} s"
echo "summary: $summary"
