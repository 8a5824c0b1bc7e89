#!/usr/bin/env bash
# Benchmark: `vitrine digest` against stock git (add + write-tree, SHA-256, the DESIGN.md recipe) and against
# `find | xargs sha256sum`, on the Linux kernel source and the Boost headers, warm page cache, medians of
# $RUNS runs (default 3). Prints a Markdown table with ratios and peak memory.
cd "$(dirname "$0")/.."
. scripts/corpora.sh
cargo build --release --locked --bin vitrine -q
bin=$PWD/target/release/vitrine
git_tree() { # the DESIGN.md recipe, SHA-256 object format
  local H; H=$(mktemp -d)
  git init -q --bare --object-format=sha256 "$H"
  printf '* -text -eol -filter -ident -working-tree-encoding\n' > "$H/info/attributes"
  GIT_DIR=$H GIT_INDEX_FILE=$H/idx git -c core.autocrlf=false -c core.excludesFile=/dev/null --work-tree="$1" add -A -f
  GIT_DIR=$H GIT_INDEX_FILE=$H/idx git write-tree; rm -rf "$H"
}
sums() { (cd "$1" && find . -type f -print0 | xargs -0 sha256sum); }
export -f git_tree sums
echo "| corpus | files | vitrine digest | git add + write-tree | ratio | find+sha256sum | ratio | vitrine peak RSS |"
echo "|---|---|---|---|---|---|---|---|"
for tree in "$LINUX" "$BOOST"; do
  files=$(find "$tree" -type f | wc -l)
  measure v "$bin" digest "$tree" --quiet
  measure g bash -c 'git_tree "$0"' "$tree"
  measure s bash -c 'sums "$0"' "$tree"
  echo "| ${tree##*/} | $files | ${v_s} s | ${g_s} s | $(ratio "$v_s" "$g_s")× | ${s_s} s | $(ratio "$v_s" "$s_s")× | ${v_mb} MB |"
done
