#!/usr/bin/env bash
# Update-review benchmark: Vitrine's snapshot diff beside `git diff --no-index -M --numstat` on the
# libgit2 sources of two libgit2-sys crate versions (1.7.2 and 1.9.x), in one run, with peak memory.
# Then `vitrine port` of 10,000 threads between the same two versions.
#
#   scripts/bench-compare.sh
#
# The sources come from `cargo fetch` in throw-away projects (one per version: both crates link git2).
# Output: a summary on stdout and raw files under OUT (default /tmp/vitrine-bench-compare).
# Needs: git, GNU time (/usr/bin/time), cargo with access to the crates.io registry.
set -u
cd "$(dirname "$0")/.."
OUT=$(realpath -m "${OUT:-/tmp/vitrine-bench-compare}")
OLD_VERSION=${OLD_VERSION:-=0.16.2}
NEW_VERSION=${NEW_VERSION:-0.18}
mkdir -p "$OUT"
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }
cargo build --release -q -p vitrine_compare --example comparebench || exit 2
CB=${CARGO_TARGET_DIR:-$PWD/target}/release/examples/comparebench

# fetch_libgit2 VERSION: prints the directory of the libgit2 sources inside that libgit2-sys crate.
fetch_libgit2() {
  local proj="$OUT/fetch-${1//[^0-9.]/}"
  mkdir -p "$proj/src"
  printf '[package]\nname = "fetchonly"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\nlibgit2-sys = "%s"\n' "$1" > "$proj/Cargo.toml"
  echo 'fn main() {}' > "$proj/src/main.rs"
  (cd "$proj" && cargo fetch -q) || exit 2
  local v
  v=$(cd "$proj" && cargo metadata --format-version 1 -q | jq -r '.packages[] | select(.name == "libgit2-sys") | .manifest_path')
  echo "$(dirname "$v")/libgit2"
}
OLD=$(fetch_libgit2 "$OLD_VERSION")
NEW=$(fetch_libgit2 "$NEW_VERSION")
echo "old: $OLD"
echo "new: $NEW"

timed() {
  local label=$1; shift
  "$TIME" -f '%e %M' -o "$OUT/$label.time" "$@" > "$OUT/$label.out" 2> "$OUT/$label.err"
  # GNU time writes "Command exited with non-zero status 1" first when git finds differences.
  read -r secs kb < <(tail -n 1 "$OUT/$label.time")
  printf '%-12s %8.2f s %7d MB\n' "$label" "$secs" $((kb / 1024))
}
printf '* -text -eol -filter -ident -working-tree-encoding\n' > "$OUT/attributes"
# git runs in $OUT (`-C`), outside any repository: inside this checkout it spends more (1.6x the CPU on
# the Linux pair of bench-compare-linux.sh).
timed git env GIT_CONFIG_NOSYSTEM=1 HOME="$OUT" git -C "$OUT" -c core.autocrlf=false -c core.excludesFile=/dev/null \
  -c core.attributesFile="$OUT/attributes" -c diff.renames=true diff --no-index -M --numstat -z "$OLD" "$NEW"
timed vitrine "$CB" "$OLD" "$NEW"
grep '^diff' "$OUT/vitrine.err"

# Same records? git -z prints "A<TAB>D<TAB>" then the old and the new path (/dev/null when absent);
# compare (additions, deletions, path) with Vitrine's, the path being the new one, else the old one.
tr '\0' '\n' < "$OUT/git.out" | awk -v old="$OLD/" -v new="$NEW/" '
  /^[0-9-]+\t[0-9-]+\t$/ { counts = $0; getline o; getline n
    p = (n != "/dev/null") ? substr(n, length(new) + 1) : substr(o, length(old) + 1)
    print counts p }' | sort > "$OUT/git.records"
sed -E 's/^([^\t]*\t[^\t]*\t)(.* => )?/\1/' "$OUT/vitrine.out" | sort > "$OUT/vitrine.records"
echo "records: git $(wc -l < "$OUT/git.records"), vitrine $(wc -l < "$OUT/vitrine.records")"
if cmp -s "$OUT/git.records" "$OUT/vitrine.records"; then echo "records: identical (counts and paths)"; else
  echo "records differ (< git, > vitrine):"; diff "$OUT/git.records" "$OUT/vitrine.records" | head -20; fi
read -r gs _ < <(tail -n 1 "$OUT/git.time"); read -r vs _ < <(tail -n 1 "$OUT/vitrine.time")
awk -v g="$gs" -v v="$vs" 'BEGIN { if (g > 0) printf "ratio vitrine/git: %.2fx (vitrine includes opening and hashing both snapshots)\n", v / g }'

# Porting threads (`vitrine port`): PORT_THREADS (10,000) single-line threads on the old version, carried
# over to the new one in process; the example prints the port's own time (target: <= 5 s), `timed` the
# whole run with writing the threads, and its peak memory.
cargo build --release -q -p vitrine --example portbench || exit 2
timed port "${CARGO_TARGET_DIR:-$PWD/target}/release/examples/portbench" "$OLD" "$NEW" "${PORT_THREADS:-10000}"
cat "$OUT/port.out"
