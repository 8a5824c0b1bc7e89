#!/usr/bin/env bash
# Update-review benchmark on the Linux pair: the Linux tree against one copy of it in which a script
# changes 2% of the files (edits, renames with and without an edit, deletions, copies with an edit, and
# as many additions as deletions).
# In one run: `vitrine diff --stat` beside `git diff --no-index -M --numstat` (target <= 0.5x), cold
# (neither snapshot seen before, `--no-cache`: the diff-only path) and warm (both ingested before), the
# full paired ingest for comparison (`--json --no-cache`: it states tree ids, so it hashes everything),
# with wall and CPU time, peak memory and whether they list the same records, the update summary (`diff --summary`, warm), then the window's
# "Compare with…" once both snapshots are ingested (target <= 2 s), with its memory.
#
#   scripts/bench-compare-linux.sh
#
# The copy lives under WORK (default /tmp/compare-linux2) and is deleted at the end (KEEP=1 keeps it).
# Output: a summary on stdout, raw files under WORK/out. Needs: git, GNU time, ~2 GB free under WORK.
set -u
cd "$(dirname "$0")/.." || exit 2
# shellcheck source=scripts/corpora.sh
. scripts/corpora.sh
WORK=$(realpath -m "${WORK:-/tmp/compare-linux2}")
OLD=$LINUX
NEW=$WORK/linux-v2
OUT=$WORK/out
NICE=${NICE:-10}
rm -rf "$WORK"
mkdir -p "$OUT"
# VITRINE=path: use that release binary instead of building one; WINDOW=0: leave out the window's figure
# (it needs a release build of vitrine_gui's compare_bench example).
BIN=${CARGO_TARGET_DIR:-$PWD/target}/release
if [ -z "${VITRINE:-}" ]; then
  nice -n "$NICE" cargo build --release -q -p vitrine || exit 2
  VITRINE=$BIN/vitrine
fi
if [ "${WINDOW:-1}" = 1 ]; then
  nice -n "$NICE" cargo build --release -q -p vitrine_gui --example compare_bench || exit 2
fi
cleanup() { [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK/linux-v2" "$WORK/data"; }
trap cleanup EXIT

# The perturbed copy. Every 50th file (sorted by path, so the same files every run) is changed: of
# those, 5 in 10 edited (a line changed near the top, three appended), 2 in 10 renamed within their
# directory (one of them also edited), 1.5 in 10 deleted, and 0.5 in 10 copied within their directory
# and edited (the copy given one more line: what `-C` finds, an addition for `-M`); and for each deleted
# file one new file is added.
cp -a "$OLD" "$NEW" || exit 2
(cd "$NEW" && find . -type f ! -path './.git/*' -printf '%P\n' | LC_ALL=C sort) > "$OUT/files"
awk 'NR % 50 == 0' "$OUT/files" > "$OUT/chosen"
edit() {
  sed -i '5s/$/ \/* changed in v2 *\//' "$1" 2>/dev/null
  printf '/* v2: one */\n/* v2: two */\n/* v2: three */\n' >> "$1"
}
i=0 added=0
while IFS= read -r f; do
  p=$NEW/$f
  case $((i % 20)) in
    0|1|2|3|4|5|6|7|8|9) edit "$p" ;;
    10|11) mv "$p" "$(dirname "$p")/v2_$(basename "$p")" ;;
    12|13) edit "$p"; mv "$p" "$(dirname "$p")/v2_$(basename "$p")" ;;
    14|15|16) rm "$p"
      printf '// SPDX-License-Identifier: GPL-2.0\n/* added in v2: %d */\nint v2_added_%d(void)\n{\n\treturn %d;\n}\n' \
        "$added" "$added" "$added" > "$(dirname "$p")/v2_added_$added.c"
      added=$((added + 1)) ;;
    17) c="$(dirname "$p")/v2_copy_$(basename "$p")"
      cp -p "$p" "$c" && printf '/* v2: copied */\n' >> "$c" && edit "$p" ;;
    *) ;; # left as they are: 2 in 20 of the chosen files
  esac
  i=$((i + 1))
done < "$OUT/chosen"
echo "files: $(wc -l < "$OUT/files"); chosen (2%): $(wc -l < "$OUT/chosen"); added: $added"
echo "vitrine: $VITRINE ($("$VITRINE" --version))"

# Wall time, CPU time (user + system: less disturbed than wall time by other work on the machine) and
# peak memory of one command.
timed() {
  local label=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o "$OUT/$label.time" nice -n "$NICE" "$@" > "$OUT/$label.out" 2> "$OUT/$label.err" || true  # git diff exits 1 when it finds differences
  read -r secs user sys kb < <(tail -n 1 "$OUT/$label.time")
  printf '%-22s %8.2f s wall %7.2f s CPU %7d MB   (load %s)\n' "$label" "$secs" "$(echo "$user + $sys" | bc)" $((kb / 1024)) \
    "$(cut -d' ' -f1 /proc/loadavg)"
}
# git runs in $OUT (`-C`), outside any repository: run inside one (this checkout), `git diff --no-index`
# took 1.6x the CPU on this pair (4.6 s against 2.9 s), which flattered every ratio before session 10.
printf '* -text -eol -filter -ident -working-tree-encoding\n' > "$OUT/attributes"
# Both read every file once before the timed runs, so the page cache holds both trees for both tools.
timed git-warmup env GIT_CONFIG_NOSYSTEM=1 HOME="$OUT" git -C "$OUT" -c core.autocrlf=false -c core.excludesFile=/dev/null \
  -c core.attributesFile="$OUT/attributes" -c diff.renames=true diff --no-index -M --numstat -z "$OLD" "$NEW"
timed git env GIT_CONFIG_NOSYSTEM=1 HOME="$OUT" git -C "$OUT" -c core.autocrlf=false -c core.excludesFile=/dev/null \
  -c core.attributesFile="$OUT/attributes" -c diff.renames=true diff --no-index -M --numstat -z "$OLD" "$NEW"
# vitrine diff, cold: neither snapshot seen before and no ingest cache, so the listing takes the
# diff-only path (both trees walked, every same-path pair read and compared byte for byte as git does,
# only the files that differ hashed and classified). Then the full paired ingest on the same cold
# footing (`--json` states both tree ids: every byte hashed and classified). Then warm, as in a review centre where v1 was reviewed and v2 opened:
# one run fills the ingest cache and the reopen tables (both trees hashed once more, timed as
# vitrine-fill), and the timed run reopens both after one statx pass each. git runs right before each.
timed vitrine-cold "$VITRINE" --data "$WORK/data" diff --stat -q --no-cache "$OLD" "$NEW"
timed vitrine-cold-json "$VITRINE" --data "$WORK/data" diff --json -q --no-cache "$OLD" "$NEW"
timed vitrine-fill "$VITRINE" --data "$WORK/data" diff --stat -q "$OLD" "$NEW"
timed git-again env GIT_CONFIG_NOSYSTEM=1 HOME="$OUT" git -C "$OUT" -c core.autocrlf=false -c core.excludesFile=/dev/null \
  -c core.attributesFile="$OUT/attributes" -c diff.renames=true diff --no-index -M --numstat -z "$OLD" "$NEW"
timed vitrine "$VITRINE" --data "$WORK/data" diff --stat -q "$OLD" "$NEW"
# The update summary (health delta and the symbol delta: both sides of every changed file parsed), warm.
timed vitrine-summary "$VITRINE" --data "$WORK/data" diff --summary -q "$OLD" "$NEW"
echo "summary: $(head -n 1 "$OUT/vitrine-summary.out"); $(grep -c '^  [^ ]' "$OUT/vitrine-summary.out") lines of files and findings"

# Same records? git's `--numstat -z` records written as `vitrine diff --stat` prints them: additions,
# deletions and the path, `old => new` when the paths differ (a rename or a copy, so its source counts).
records() {
  tr '\0' '\n' < "$OUT/$1.out" | awk -v old="$OLD/" -v new="$NEW/" '
    /^[0-9-]+\t[0-9-]+\t$/ { counts = $0; getline o; getline n
      o = (o != "/dev/null") ? substr(o, length(old) + 1) : ""; n = (n != "/dev/null") ? substr(n, length(new) + 1) : ""
      print counts ((o == "") ? n : (n == "" || o == n) ? o : o " => " n) }' | LC_ALL=C sort > "$OUT/$1.records"
  LC_ALL=C sort "$OUT/$2.out" > "$OUT/$2.records"
  echo "records $3: git $(wc -l < "$OUT/$1.records"), vitrine $(wc -l < "$OUT/$2.records")"
  if cmp -s "$OUT/$1.records" "$OUT/$2.records"; then echo "records $3: identical (counts and paths)"; else
    echo "records $3 differ (< git, > vitrine):"; diff "$OUT/$1.records" "$OUT/$2.records" | head -20 || true; fi
}
records git vitrine -M
if cmp -s "$OUT/vitrine-cold.out" "$OUT/vitrine.out"; then echo "cold and warm: the same output"; else
  echo "cold and warm outputs differ"; fi
# Each vitrine run against the git run right before it: wall and CPU ratios.
for pair in vitrine-cold:git vitrine-cold-json:git vitrine:git-again; do
  v=${pair%%:*} g=${pair##*:}
  read -r gs gu gy _ < <(tail -n 1 "$OUT/$g.time")
  read -r vs vu vy _ < <(tail -n 1 "$OUT/$v.time")
  awk -v gs="$gs" -v vs="$vs" -v gc="$(echo "$gu + $gy" | bc)" -v vc="$(echo "$vu + $vy" | bc)" -v l="$v/$g" \
    'BEGIN { if (gs > 0 && gc > 0) printf "ratio %s: %.2fx wall, %.2fx CPU\n", l, vs / gs, vc / gc }'
done

# Copies: git -M -C beside vitrine diff -C (warm), the same records?
timed git-copies env GIT_CONFIG_NOSYSTEM=1 HOME="$OUT" git -C "$OUT" -c core.autocrlf=false -c core.excludesFile=/dev/null \
  -c core.attributesFile="$OUT/attributes" -c diff.renames=true diff --no-index -M -C --numstat -z "$OLD" "$NEW"
timed vitrine-copies "$VITRINE" --data "$WORK/data" diff -C --stat -q "$OLD" "$NEW"
records git-copies vitrine-copies -C
echo "copies found by vitrine -C: $(grep -c ' => .*v2_copy_' "$OUT/vitrine-copies.out")"

# The window: NEW on screen, "Compare with…" OLD. The first run ingests both (the CLI above filled the
# ingest cache already); the second is "both snapshots ingested", the target's starting point.
[ "${WINDOW:-1}" = 1 ] || exit 0
timed window-first "$BIN/examples/compare_bench" "$OLD" "$NEW" "$WORK/data"
timed window "$BIN/examples/compare_bench" "$OLD" "$NEW" "$WORK/data"
cat "$OUT/window.out"
