#!/usr/bin/env bash
# Search benchmark: Vitrine's index beside codesearch (cindex/csearch) and ripgrep, on the Linux kernel
# source and the Boost headers, in one run so the ratios hold even on a busy machine.
#
#   scripts/bench-search.sh [linux|boost ...]       (default: both; RUNS=5 repetitions, medians)
#
# Installs what it needs from Debian packages (linux-source, libboost1.81-dev, codesearch, ripgrep) when
# run as root, like /work/shared/acceptance/lib.sh. "Cold" means a new process after evicting the index
# and the tree from the page cache with posix_fadvise(DONTNEED) (dropping all caches needs privileges
# this machine does not grant); "warm" is the median of RUNS runs in one process.
set -euo pipefail
set -f # query arguments below are split on spaces but must never be globbed
cd "$(dirname "$0")/.."
CORPORA=${CORPORA:-${TMPDIR:-/tmp}/vitrine-corpora}
RUNS=${RUNS:-5}
BUILD_RUNS=${BUILD_RUNS:-3}
mkdir -p "$CORPORA"

need() { # need PACKAGE COMMAND-OR-PATH
  [ -e "$2" ] || command -v "$2" >/dev/null 2>&1 && return 0
  apt-get update -qq >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null 2>&1
}
linux_tree() {
  need linux-source /usr/src/linux-source-6.1.tar.xz
  [ -d "$CORPORA/linux-source-6.1" ] || tar xJf /usr/src/linux-source-6.1.tar.xz -C "$CORPORA"
  echo "$CORPORA/linux-source-6.1"
}
boost_tree() { need libboost1.81-dev /usr/include/boost; echo /usr/include/boost; }
need codesearch cindex; need ripgrep rg; need jq jq

cargo build --release -q -p vitrine_search --example search_bench
BENCH=$PWD/target/release/examples/search_bench
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vitrine-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

evict() { # evict PATH... : drop these files from the page cache (unprivileged: fadvise per file)
  python3 - "$@" <<'EOF'
import os, sys
for root in sys.argv[1:]:
    paths = [root] if os.path.isfile(root) else (os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs)
    for p in paths:
        try:
            fd = os.open(p, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
EOF
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now_ms() { date +%s%N | awk '{printf "%.1f", $1/1e6}'; }
wall_ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s%N); echo "$(( (t1 - t0) / 1000 ))" | awk '{printf "%.1f", $1/1000}'; }
rg_count() { rg --no-ignore --hidden -c "$@" 2>/dev/null | awk -F: '{s+=$NF} END {print s+0}'; }

run_corpus() { # run_corpus NAME TREE, then one "vitrine query @@ rg args @@ csearch args" per line on stdin
  local name=$1 tree=$2 idx=$WORK/$1.vidx cidx=$WORK/$1.csearch
  echo "== $name: $tree ($(du -sh --apparent-size "$tree" | cut -f1))" >&2
  # Build: Vitrine (ingest reported separately: it hashes every file for the snapshot identity).
  local vb=() vm=() ingest=() cb=() cm=() line
  for _ in $(seq "$BUILD_RUNS"); do
    rm -rf "$idx"
    line=$( { /usr/bin/time -f 'TIME %e %M' "$BENCH" build "$tree" "$idx"; } 2>&1 )
    vb+=("$(echo "$line" | grep '^{' | jq .build_ms)"); ingest+=("$(echo "$line" | grep '^{' | jq .ingest_ms)")
    vm+=("$(echo "$line" | awk '/^TIME/ {print $3}')")
    rm -f "$cidx"
    line=$( { CSEARCHINDEX=$cidx /usr/bin/time -f 'TIME %e %M' cindex "$tree"; } 2>&1 )
    cb+=("$(echo "$line" | awk '/^TIME/ {print $2 * 1000}')"); cm+=("$(echo "$line" | awk '/^TIME/ {print $3}')")
  done
  local vbuild cbuild
  vbuild=$(printf '%s\n' "${vb[@]}" | median); cbuild=$(printf '%s\n' "${cb[@]}" | median)
  echo "| $name | index build (ms) | $vbuild (+ ingest $(printf '%s\n' "${ingest[@]}" | median)) | $cbuild | - | $(awk -v a="$vbuild" -v b="$cbuild" 'BEGIN {printf "%.2f", a/b}') |"
  echo "| $name | peak RSS (MB), build incl. ingest | $(( $(printf '%s\n' "${vm[@]}" | median) / 1024 )) | $(( $(printf '%s\n' "${cm[@]}" | median) / 1024 )) | - | |"
  echo "| $name | index size (MB) | $(du -sm "$idx" | cut -f1) | $(du -sm "$cidx" | cut -f1) | - | |"

  local spec vq rgargs csargs specs
  mapfile -t specs # read all specs first: nothing in the loop may eat them from stdin
  for spec in "${specs[@]}"; do
    [ -n "$spec" ] || continue
    # "vitrine query @@ ripgrep arguments @@ csearch arguments" ('|' belongs to the regexes)
    vq=${spec%% @@ *}; rgargs=${spec#* @@ }; csargs=${rgargs#* @@ }; rgargs=${rgargs%% @@ *}
    # Vitrine warm: one process, RUNS runs of first page and full count.
    local warm; warm=$("$BENCH" query "$tree" "$idx" "$RUNS" "$vq")
    # Vitrine cold: new process after eviction, first page then count (wall time of the process).
    local cold=()
    for _ in $(seq 3); do
      evict "$idx" "$tree"
      cold+=("$("$BENCH" query "$tree" "$idx" 1 "$vq" | jq '.open_ms + .first_page_ms')")
    done
    # ripgrep and csearch, warm medians; csearch's first page is its first 100 lines.
    local rgt=() cst=() csf=() rgcold cscold
    for _ in $(seq "$RUNS"); do
      # shellcheck disable=SC2086
      rgt+=("$(wall_ms rg --no-ignore --hidden -c $rgargs "$tree")")
      cst+=("$(wall_ms env CSEARCHINDEX="$cidx" sh -c "csearch -n $csargs | wc -l")")
      csf+=("$(wall_ms env CSEARCHINDEX="$cidx" sh -c "csearch -n $csargs | head -100")")
    done
    # shellcheck disable=SC2086
    evict "$tree"; rgcold=$(wall_ms rg --no-ignore --hidden -c $rgargs "$tree")
    evict "$cidx" "$tree"; cscold=$(wall_ms env CSEARCHINDEX="$cidx" sh -c "csearch -n $csargs | head -100")
    local rgn csn
    # shellcheck disable=SC2086
    rgn=$(rg_count $rgargs "$tree")
    csn=$(CSEARCHINDEX=$cidx sh -c "csearch -n $csargs" | wc -l)
    local vlines vfirst vcount rgw csw csfw
    vlines=$(echo "$warm" | jq .lines); vfirst=$(echo "$warm" | jq .first_page_ms); vcount=$(echo "$warm" | jq .count_ms)
    rgw=$(printf '%s\n' "${rgt[@]}" | median); csw=$(printf '%s\n' "${cst[@]}" | median); csfw=$(printf '%s\n' "${csf[@]}" | median)
    echo "| $name | \`$vq\` first page warm (ms) | $(printf '%.1f' "$vfirst") | $csfw | - | |"
    echo "| $name | \`$vq\` first page cold, new process (ms) | $(printf '%s\n' "${cold[@]}" | median | xargs printf '%.1f') | $cscold | $rgcold | |"
    echo "| $name | \`$vq\` full count warm (ms) | $(printf '%.1f' "$vcount") | $csw | $rgw | $(awk -v a="$vcount" -v b="$csw" 'BEGIN {printf "%.2f", a/b}') |"
    echo "| $name | \`$vq\` matching lines | $vlines | $csn | $rgn | $([ "$vlines" = "$rgn" ] && echo "= rg" || echo "DIFFERS from rg") |"
  done
}

echo "| corpus | measure | vitrine | codesearch | ripgrep | vitrine / codesearch |"
echo "|---|---|---|---|---|---|"
for corpus in "${@:-linux boost}"; do
  for c in $corpus; do
    case $c in
      linux) run_corpus linux "$(linux_tree)" <<'EOF'
kmalloc @@ -i -w kmalloc @@ -i '\bkmalloc\b'
ext4_fc_record_regions @@ -i -w ext4_fc_record_regions @@ -i '\bext4_fc_record_regions\b'
/spin_lock_irq(save|restore)\(/ @@ -i spin_lock_irq(save|restore)\( @@ -i 'spin_lock_irq(save|restore)\('
"struct file_operations" @@ -i -w struct\s+file_operations @@ -i '\bstruct\s+file_operations\b'
EOF
      ;;
      boost) run_corpus boost "$(boost_tree)" <<'EOF'
shared_ptr @@ -i -w shared_ptr @@ -i '\bshared_ptr\b'
is_nothrow_swappable_impl @@ -i -w is_nothrow_swappable_impl @@ -i '\bis_nothrow_swappable_impl\b'
/template\s*<\s*class\s+T\s*>/ @@ -i template\s*<\s*class\s+T\s*> @@ -i 'template\s*<\s*class\s+T\s*>'
"struct is_same" @@ -i -w struct\s+is_same @@ -i '\bstruct\s+is_same\b'
EOF
      ;;
      *) echo "unknown corpus $c" >&2; exit 2 ;;
    esac
  done
done
