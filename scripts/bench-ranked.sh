#!/usr/bin/env bash
# Ranked code search (issue 15 part B) on the Linux kernel source: the ranked index's build time beside
# cindex's (codesearch) in the same run, its peak memory, document counts per file and per function,
# warm query times (per process and in process), and precision@10 on the 20 reader-judged queries of
# tests/data/ranked/linux-queries.json.
#
#   nice -n 10 scripts/bench-ranked.sh     (one run: the ratios of one run on a shared machine)
#   SYMBOLS=1 nice -n 10 scripts/bench-ranked.sh
#
# The snapshot is ingested and its trigram index built first (not timed here: bench-search.sh times
# them); then the ranked index is built per file by `vitrine search TREE '~…'` in a fresh data directory,
# timed with /usr/bin/time. With SYMBOLS=1 the symbol index is built next (untimed) and the same command,
# timed again, rebuilds the ranked index per function (what the window builds); the queries then run on
# that one. Every judged query runs twice through the CLI (`--json --limit 10`); the second run's
# in-process query time (stderr: "N ranked hits in X ms", index open excluded, snippets included) is the
# per-process warm time. Then `rank_eval` opens the index once and runs each query twice in one process:
# the second run is the in-process warm time, as the window asks it.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/corpora.sh
ensure_packages codesearch
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
# One cargo command: rank_eval shares vitrine's release build of tantivy (two commands may resolve its
# features apart and build it twice). `--bin vitrine` is needed: `--example` alone selects only the
# example, and the benchmark then ran whatever vitrine binary an older build had left.
cargo build --release -q -p vitrine -p vitrine_rank --bin vitrine --example rank_eval
BIN=$CARGO_TARGET_DIR/release/vitrine
EVAL=$CARGO_TARGET_DIR/release/examples/rank_eval
if [ -z "${KEEP:-}" ]; then
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/vitrine-ranked.XXXXXX")
  trap 'rm -rf "$WORK"' EXIT
else # KEEP=DIR: keep the data directory there (a second run reuses its ingest, trigram and symbol indexes)
  WORK=$KEEP; mkdir -p "$WORK"; rm -rf "$WORK"/data/snapshots/*/ranked
fi
DATA=$WORK/data
JUDGED=tests/data/ranked/linux-queries.json

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# A fresh index every run: with KEEP, cindex would otherwise update the kept one (more work, a larger peak).
rm -f "$WORK/csearchindex"
/usr/bin/time -f '%e %M %U %S' -o "$WORK/cindex.time" env CSEARCHINDEX="$WORK/csearchindex" cindex "$LINUX" >/dev/null 2>&1
read -r cindex_s cindex_kb cindex_u cindex_sys < "$WORK/cindex.time"
cindex_cpu=$(awk -v u="$cindex_u" -v s="$cindex_sys" 'BEGIN{printf "%.1f", u+s}')

"$BIN" --data "$DATA" index "$LINUX" >/dev/null 2>&1   # ingest + trigram index, untimed

# build NAME: builds (or rebuilds) the ranked index through the CLI and reports it.
build() {
  /usr/bin/time -f '%e %M %U %S' -o "$WORK/$1.time" "$BIN" --data "$DATA" search "$LINUX" '~entropy' >/dev/null 2>"$WORK/$1.err" || true
  local s kb u sy cpu dir ms docs
  read -r s kb u sy < "$WORK/$1.time"
  cpu=$(awk -v u="$u" -v s="$sy" 'BEGIN{printf "%.1f", u+s}')
  dir=$(ls -d "$DATA"/snapshots/*/ranked)
  ms=$(sed -n 's/.*"build_ms": \([0-9]*\).*/\1/p' "$dir/ranked.json")
  docs=$(sed -n 's/.*"documents": \([0-9]*\).*/\1/p' "$dir/ranked.json")
  echo "ranked index $1: command ${s} s ($(ratio "$s" "$cindex_s")x cindex), build alone $(awk -v m="$ms" 'BEGIN{printf "%.1f", m/1000}') s ($(ratio "$(awk -v m="$ms" 'BEGIN{print m/1000}')" "$cindex_s")x cindex), CPU ${cpu} s ($(ratio "$cpu" "$cindex_cpu")x cindex), peak $((kb / 1024)) MB, ${docs} documents, $(du -sh "$dir" | cut -f1) on disk, $(ls "$dir"/*.idx 2>/dev/null | wc -l) segments"
}
# Per file means without the symbol index: one a KEEP directory already holds is set aside meanwhile.
snap_dir=$(ls -d "$DATA"/snapshots/*/)
if [ -d "$snap_dir/symbols" ]; then mv "$snap_dir/symbols" "$snap_dir/symbols.aside"; fi
report=$(build "per file")
if [ -d "$snap_dir/symbols.aside" ]; then mv "$snap_dir/symbols.aside" "$snap_dir/symbols"; fi
if [ "${SYMBOLS:-0}" = 1 ]; then
  "$BIN" --data "$DATA" def "$LINUX" kmalloc >/dev/null 2>&1   # symbol index, untimed
  report="$report
$(build "per function")"
fi
/usr/bin/time -f '%e %M' -o "$WORK/query.time" "$BIN" --data "$DATA" search "$LINUX" '~entropy pool' --json >/dev/null 2>&1 || true
read -r cli_s cli_kb < "$WORK/query.time"

python3 - "$BIN" "$DATA" "$LINUX" "$JUDGED" > "$WORK/eval.jsonl" <<'PY'
import fnmatch, json, re, subprocess, sys
binary, data, tree, judged = sys.argv[1:5]
queries = json.load(open(judged))["queries"]
total, times = 0.0, []
for q in queries:
    cmd = [binary, "--data", data, "search", tree, "~" + q["query"], "--json", "--limit", "10"]
    subprocess.run(cmd, capture_output=True)  # warm-up
    r = subprocess.run(cmd, capture_output=True, text=True)
    hits = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
    ms = float(re.search(r"in ([0-9.]+) ms", r.stderr).group(1))
    good = [any(fnmatch.fnmatchcase(h["path"], p) for p in q["relevant"]) for h in hits]
    p10 = sum(good) / 10.0
    total += p10
    times.append(ms)
    top = [("+" if g else "-") + h["path"] + ":" + (h["function"] or "") for h, g in zip(hits, good)]
    print(json.dumps({"query": q["query"], "p_at_10": p10, "ms": ms, "top": top}))
times.sort()
print(json.dumps({"queries": len(queries), "mean_p_at_10": round(total / len(queries), 3),
                  "warm_query_ms_median": times[len(times) // 2], "warm_query_ms_max": times[-1]}))
PY
"$EVAL" "$DATA" "$LINUX" "$JUDGED" > "$WORK/inprocess.jsonl"
echo "per process (CLI):" >&2; cat "$WORK/eval.jsonl" >&2
echo "in process (rank_eval):" >&2; cat "$WORK/inprocess.jsonl" >&2
echo "load average before / after: $load_before / $(cut -d' ' -f1-3 /proc/loadavg)"
echo "cindex build:            ${cindex_s} s, CPU ${cindex_cpu} s (user+sys), peak $((cindex_kb / 1024)) MB"
echo "$report"
echo "one CLI ranked query (new process, snapshot and index open included): ${cli_s} s, peak $((cli_kb / 1024)) MB"
echo "per process summary: $(tail -1 "$WORK/eval.jsonl")"
# The per-field token and posting counts without the lists of most frequent terms (the file has them).
echo "in process summary:  $(tail -1 "$WORK/inprocess.jsonl" | python3 -c 'import json, sys
d = json.load(sys.stdin)
for f in d.get("fields", []): f.pop("most_frequent", None)
print(json.dumps(d))')"
