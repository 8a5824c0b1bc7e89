#!/usr/bin/env bash
# Benchmark: peak memory of `vitrine digest`, `health`, `index`, `search` and `def` on every hostile fixture
# of tests/it/hostile.rs (the target is at most 256 MB each). Prints a Markdown table of peak RSS in MB and
# the exit codes, and exits 1 if any run crashed or went over the target.
#
#   FIXTURES=DIR     reuse fixtures written earlier (DIR/FIXTURES lists them); default: write them now
#                    through the test binary (hostile::write_fixtures)
#   VITRINE_BIN=BIN  the binary to measure; default: a release build
#   LIMIT_MB=N       the target (default 256)
#   COLLIDE_WORDS=N  then times the ranked build on N comment words written to collide in tantivy's stock
#                    term table (tests/collide.rs; default 400000, 0 skips it)
cd "$(dirname "$0")/.."
set -euo pipefail
target=${CARGO_TARGET_DIR:-$PWD/target}
bin=${VITRINE_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release --locked --bin vitrine -q
  bin=$target/release/vitrine
fi
[ -x /usr/bin/time ] || { . scripts/lib.sh; ensure_packages time; }
fix=${FIXTURES:-}
if [ -z "$fix" ]; then
  fix=$(mktemp -d)
  VITRINE_HOSTILE_FIXTURES=$fix cargo test -q -p vitrine_tests --test it -- --ignored --exact hostile::write_fixtures >/dev/null
fi
limit=${LIMIT_MB:-256}
data=$(mktemp -d)
out=$(mktemp)
trap 'rm -rf "$data" "$out"' EXIT
bad=0
echo "| fixture | digest | health | index | search | def |"
echo "|---|---|---|---|---|---|"
while read -r snap; do
  row="| ${snap##*/} |"
  for cmd in digest health index search def; do
    case $cmd in
      search) extra=(int) ;;
      def) extra=(main) ;;
      *) extra=() ;;
    esac
    /usr/bin/time -v -o "$out" "$bin" --data "$data" --quiet "$cmd" "$snap" "${extra[@]}" >/dev/null 2>&1 || true
    kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out")
    code=$(sed -n 's/.*Exit status: //p' "$out")
    if grep -q "terminated by signal" "$out"; then code="signal $(sed -n 's/.*terminated by signal //p' "$out")"; bad=1; fi
    mb=$(( (kb + 1023) / 1024 ))
    [ "$mb" -le "$limit" ] || bad=1
    row="$row $mb MB (exit $code) |"
  done
  echo "$row"
done < "$fix/FIXTURES"
words=${COLLIDE_WORDS:-400000}
if [ "$words" -gt 0 ]; then
  cargo build --release --locked -q -p vitrine_tests --example term_collisions
  coll=$(mktemp -d)
  trap 'rm -rf "$data" "$out" "$coll"' EXIT
  word=$("$target/release/examples/term_collisions" "$coll/src" "$words")
  /usr/bin/time -f '%e %U %M' -o "$out" "$bin" --data "$coll/data" --quiet search "$coll/src" "~$word" >/dev/null 2>&1 || bad=1
  read -r wall user kb < "$out"
  echo
  echo "ranked build on $words words written to collide ($(du -sh "$coll/src" | cut -f1)): ${wall} s wall, ${user} s user, peak $(( (kb + 1023) / 1024 )) MB"
fi
[ "$bad" -eq 0 ] || { echo "some run crashed or used more than $limit MB" >&2; exit 1; }
