#!/usr/bin/env bash
# Ranked code search (issue 15 part B) on the Linux kernel source: the ranked index's build time beside
# cindex's (codesearch), its peak memory, warm query times, and precision@10 on the 20 reader-judged
# queries of tests/data/ranked/linux-queries.json.
#
#   scripts/bench-ranked.sh            (one run: the ratios of one run on a shared machine)
#
# The snapshot is ingested and its trigram index built first (not timed here: bench-search.sh times
# them); then the ranked index is built by `vitrine search TREE '~…'` in a fresh data directory, timed
# with /usr/bin/time, then every judged query runs twice through the CLI (`--json --limit 10`); the
# second run's in-process query time (stderr: "N ranked hits in X ms", index open excluded, snippets
# included) is the warm time. (`cargo run --release -p vitrine_rank --example rank_eval DATA TREE
# JUDGED` does the same in one process.)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/corpora.sh
ensure_packages codesearch
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
cargo build --release -q -p vitrine
BIN=$CARGO_TARGET_DIR/release/vitrine
if [ -z "${KEEP:-}" ]; then
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/vitrine-ranked.XXXXXX")
  trap 'rm -rf "$WORK"' EXIT
else # KEEP=DIR: keep the data directory there (a second run reuses its ingest, trigram and symbol indexes)
  WORK=$KEEP; mkdir -p "$WORK"; rm -rf "$WORK"/data/snapshots/*/ranked
fi
DATA=$WORK/data

/usr/bin/time -f '%e %M' -o "$WORK/cindex.time" env CSEARCHINDEX="$WORK/csearchindex" cindex "$LINUX" >/dev/null 2>&1
read -r cindex_s cindex_kb < "$WORK/cindex.time"

"$BIN" --data "$DATA" index "$LINUX" >/dev/null 2>&1   # ingest + trigram index, untimed
# SYMBOLS=1: build the symbol index too (untimed), so the ranked index is per function.
[ "${SYMBOLS:-0}" = 1 ] && "$BIN" --data "$DATA" def "$LINUX" kmalloc >/dev/null 2>&1
/usr/bin/time -f '%e %M' -o "$WORK/ranked.time" "$BIN" --data "$DATA" search "$LINUX" '~entropy' >/dev/null 2>"$WORK/ranked.err" || true
read -r ranked_s ranked_kb < "$WORK/ranked.time"
/usr/bin/time -f '%e %M' -o "$WORK/query.time" "$BIN" --data "$DATA" search "$LINUX" '~entropy pool' --json >/dev/null 2>&1 || true
read -r cli_s _ < "$WORK/query.time"
ranked_dir=$(ls -d "$DATA"/snapshots/*/ranked)
build_ms=$(sed -n 's/.*"build_ms": \([0-9]*\).*/\1/p' "$ranked_dir/ranked.json")

python3 - "$BIN" "$DATA" "$LINUX" tests/data/ranked/linux-queries.json > "$WORK/eval.jsonl" <<'PY'
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
cat "$WORK/eval.jsonl" >&2
summary=$(tail -1 "$WORK/eval.jsonl")
echo "cindex build:            ${cindex_s} s, peak $((cindex_kb / 1024)) MB"
echo "ranked index (CLI, incl. snapshot open from the ingest cache): ${ranked_s} s ($(ratio "$ranked_s" "$cindex_s")x cindex), peak $((ranked_kb / 1024)) MB"
echo "ranked index build alone: $((build_ms / 1000)).$(printf %03d $((build_ms % 1000))) s ($(ratio "$(awk -v m="$build_ms" 'BEGIN{print m/1000}')" "$cindex_s")x cindex)"
echo "ranked index size:       $(du -sh "$ranked_dir" | cut -f1)"
echo "one CLI ranked query (new process, snapshot open included): ${cli_s} s"
echo "summary: $summary"
