#!/usr/bin/env bash
# Latency and cost-growth benchmark (issue 16): whole-process figures for the command line on the Linux
# tree (1x) and on four perturbed copies of it (4x), beside cindex/csearch and ripgrep in the same run.
#
#   scripts/bench-latency.sh [1x] [4x]          (default: 1x; RUNS=5 per-process repetitions, medians)
#
# For each corpus: `vitrine index` with a fresh data directory (ingest + build: time, peak RSS, index size)
# beside `cindex`; `vitrine index --import` (the copy into the blob store, timed on its own); then, per
# process and warm (page cache), `vitrine search --count` for a rare and a common identifier, with the
# snapshot named by its directory (reopen table: a stat of every entry) and by its id (the store: no
# stat), beside `rg -w -c` and `csearch -c`, and `vitrine def` both ways (1x; the symbol index is built
# first, timed apart). Every row carries the 1-minute load average when it was measured. The 4x corpus
# is four copies of the tree (plain copies, no hard links), each with 1% of its files given one extra
# line so that their blobs differ (about 5.2 GB); it is built at $FOURX
# (default $CORPORA/linux-4x) when the disk has room, reused when complete, and deleted afterwards unless
# KEEP_4X=1. VITRINE=path picks a binary
# (default: a release build of this checkout).
set -euo pipefail
set -f
cd "$(dirname "$0")/.."
. scripts/corpora.sh
ensure_packages codesearch ripgrep time
RUNS=${RUNS:-5}
if [ -z "${VITRINE:-}" ]; then
  cargo build --release -q -p vitrine
  VITRINE=${CARGO_TARGET_DIR:-$PWD/target}/release/vitrine
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vitrine-latency.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
RARE=ext4_fc_record_regions
FOURX=${FOURX:-$CORPORA/linux-4x}
COMMON=kmalloc

# ms_median CMD...: median wall time in ms of RUNS runs of CMD (after one warm-up), one process each.
load() { cut -d' ' -f1 /proc/loadavg; }
ms_median() {
  local t0 t1 times=()
  "$@" >/dev/null 2>&1 || true
  for _ in $(seq "$RUNS"); do
    t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s%N)
    times+=("$(( (t1 - t0) / 1000 ))")
  done
  printf '%s\n' "${times[@]}" | median | awk '{printf "%.1f", $1 / 1000}'
}
# timed NAME CMD...: runs CMD once under /usr/bin/time; sets NAME_s and NAME_mb.
timed() {
  local name=$1; shift
  /usr/bin/time -f '%e %M' -o "$WORK/time" "$@" >/dev/null 2>"$WORK/stderr" || { cat "$WORK/stderr" >&2; return 1; }
  read -r t mem < "$WORK/time"
  printf -v "${name}_s" '%s' "$t"
  printf -v "${name}_mb" '%s' "$(( mem / 1024 ))"
}

make_4x() { # make_4x DEST: four copies of $LINUX, 1% of each copy's files perturbed (reused when complete)
  local dest=$1 need_kb avail_kb
  [ -e "$dest.complete" ] && [ -d "$dest" ] && return 0
  need_kb=$(( $(du -sk --apparent-size "$LINUX" | cut -f1) * 4 * 12 / 10 ))
  avail_kb=$(df -Pk "$(dirname "$dest")" | awk 'NR == 2 {print $4}')
  if [ "$avail_kb" -lt $(( need_kb * 2 )) ]; then
    echo "4x: skipped, $(( avail_kb / 1048576 )) GB free, need about $(( need_kb * 2 / 1048576 )) GB (corpus + indexes)" >&2
    return 1
  fi
  rm -rf "$dest"; mkdir -p "$dest"
  for i in 1 2 3 4; do
    cp -r --no-preserve=links "$LINUX" "$dest/copy$i"
    # Every 100th regular file (sorted, offset by the copy number) gets one line naming its copy.
    (cd "$dest/copy$i" && find . -type f -print0 | sort -z | awk -v RS='\0' -v ORS='\0' -v i="$i" 'NR % 100 == i' |
      xargs -0 -n 256 sh -c 'for f; do printf "\n/* vitrine bench copy %s */\n" "$0" >> "$f"; done' "$i")
  done
  touch "$dest.complete"
}

run_corpus() { # run_corpus NAME TREE WITH_DEF
  local name=$1 tree=$2 with_def=$3 data=$WORK/data-$1 cidx=$WORK/$1.csearch
  echo "== $name: $tree ($(du -sh --apparent-size "$tree" | cut -f1), $(find "$tree" -type f | wc -l) files)" >&2
  rm -rf "$data" "$cidx"
  # Both builds read the tree from the page cache: a corpus reused from an earlier run is otherwise cold
  # for whichever tool runs first (on 4x, 71 s against 35 s when warm).
  find "$tree" -type f -print0 | xargs -0 -n 512 cat >/dev/null
  timed vi "$VITRINE" --data "$data" index "$tree"
  export CSEARCHINDEX=$cidx
  timed ci cindex "$tree"
  local vsize csize
  vsize=$(find "$data/snapshots" -mindepth 2 -maxdepth 2 -name index -exec du -sm {} + | awk '{s += $1} END {print s}')
  csize=$(du -sm "$cidx" | cut -f1)
  echo "| $name | \`vitrine index\`, fresh data dir (s) | $vi_s | cindex $ci_s | $(ratio "$vi_s" "$ci_s"); load $(load) |"
  echo "| $name | peak RSS of the index build (MB) | $vi_mb | cindex $ci_mb | $(ratio "$vi_mb" "$ci_mb") |"
  echo "| $name | index size (MB; Vitrine's reopen table and ingest cache: $(du -sm "$data/ingest-cache" | cut -f1) MB more) | $vsize | cindex $csize | $(ratio "$vsize" "$csize") |"
  timed imp "$VITRINE" --data "$data" index "$tree" --import --json
  local id
  id=$("$VITRINE" --data "$data" index "$tree" --import --json | sed -n 's/.*"id":"\(sha256:[0-9a-f]*\)".*/\1/p')
  echo "| $name | \`index --import\` after it: copy into the blob store (s; peak MB) | $imp_s; $imp_mb MB | - | load $(load) |"
  local q v vid rg cs
  for q in "$RARE" "$COMMON"; do
    v=$(ms_median "$VITRINE" --data "$data" search "$tree" "$q" --count)
    vid=$(ms_median "$VITRINE" --data "$data" search "$id" "$q" --count)
    rg=$(ms_median rg --no-ignore --hidden --no-config -w -c "$q" "$tree")
    cs=$(ms_median csearch -c "\\b$q\\b")
    echo "| $name | \`search $q --count\`, per process, warm (ms): by id; by directory | $vid; $v | rg -w -c $rg; csearch -c $cs | $(ratio "$vid" "$rg"); $(ratio "$v" "$rg") × rg; load $(load) |"
  done
  if [ "$with_def" = 1 ]; then
    timed sym "$VITRINE" --data "$data" def "$tree" "$RARE"
    v=$(ms_median "$VITRINE" --data "$data" def "$tree" "$RARE")
    vid=$(ms_median "$VITRINE" --data "$data" def "$id" "$RARE")
    echo "| $name | \`def $RARE\`, per process, warm (ms; by id; by directory; symbol build before it: $sym_s s, $sym_mb MB) | $vid; $v | - | load $(load) |"
  fi
  rm -rf "$data" "$cidx"
  unset CSEARCHINDEX
}

echo "vitrine: $VITRINE; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "| corpus | what | Vitrine | peers (same run) | ratio |"
echo "|---|---|---|---|---|"
for scale in "${@:-1x}"; do
  case $scale in
    1x) run_corpus 1x "$LINUX" 1 ;;
    4x)
      if make_4x "$FOURX"; then
        run_corpus 4x "$FOURX" 0
        [ "${KEEP_4X:-0}" = 1 ] || rm -rf "$FOURX" "$FOURX.complete"
      fi
      ;;
    *) echo "unknown corpus $scale (1x, 4x)" >&2; exit 2 ;;
  esac
done
