#!/usr/bin/env bash
# Two builds compared by the instructions they execute (valgrind's callgrind), phase by phase, on a slice of
# the Linux tree (kernel/, drivers/net/ethernet/intel, include/linux, fs/ext4, net/ipv4, arch/x86/kernel:
# about 56 MB, 3,900 files). Instruction counts do not move with the machine's load or speed, which on a
# shared 2-core VM moved the cold window by 25% from one evening to the next: this tells which phase a
# change made dearer when timings cannot. SHA-1 and SHA-256 are left out of the totals (under valgrind they
# run their portable code, not SHA-NI).
# Usage: BASE=OTHER_VITRINE scripts/bench-instructions.sh   (this tree's release build is the other side)
# Phases: health (the ingest), index (ingest again + the search index), def (the symbol index), a ranked
# query (the ranked index). Prints, per phase, both totals and the functions that grew or shrank most.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_packages valgrind
. scripts/corpora.sh
[ -x "${BASE:-}" ] || { echo "BASE=... must name another build's vitrine executable" >&2; exit 2; }
cargo build --release --locked -q -p vitrine --bin vitrine
new=${CARGO_TARGET_DIR:-target}/release/vitrine
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for d in kernel drivers/net/ethernet/intel include/linux fs/ext4 net/ipv4 arch/x86/kernel; do
  mkdir -p "$work/slice/$d" && cp -a "$LINUX/$d/." "$work/slice/$d/"
done
profile() { # LABEL BIN
  local data=$work/data-$1 i=0 c
  for c in "health" "index" "def kmalloc" "search ~upload_telemetry"; do
    i=$((i + 1))
    # The command, the snapshot, then the command's argument (if any).
    # shellcheck disable=SC2086 # the argument is empty or one word
    valgrind --tool=callgrind --callgrind-out-file="$work/$1-$i.cg" "$2" --data "$data" -q ${c%% *} \
      "$work/slice" $([ "${c#* }" = "$c" ] || echo "${c#* }") >/dev/null 2>"$work/$1-$i.log" || true
  done
}
profile base "$BASE"
profile new "$new"
i=0
for phase in "ingest (health)" "search index (index)" "symbol index (def)" "ranked index (~query)"; do
  i=$((i + 1))
  echo "== $phase"
  python3 scripts/callgrind-diff.py "$work/base-$i.cg" "$work/new-$i.cg" 12
done
