#!/usr/bin/env bash
# Symbol index benchmark: Vitrine's symbol index beside universal-ctags, GNU global and cscope on the
# same trees, in one run; then recall of Vitrine's definitions against ctags'.
#
#   scripts/bench-symbols.sh [linux|boost|openssl|rocksdb|all] [recall]      (default: all)
#
# With `recall`, only Vitrine's build, the recall against ctags and the extras (names only Vitrine
# defines) are run: no gtags/cscope builds, no lookup timings.
#
# Corpora: LINUX (default /tmp/vitrine-corpora/linux-source-6.1), BOOST (default /usr/include/boost),
# OPENSSL and ROCKSDB (source trees, e.g. `git archive` of openssl/openssl and facebook/rocksdb; skipped
# when unset).
# Output: a summary on stdout and raw files under OUT (default /tmp/vitrine-bench-symbols).
# Needs: universal-ctags, global and cscope (not with `recall`), GNU time (/usr/bin/time), jq.
set -u
cd "$(dirname "$0")/.."
WHICH=${1:-all}
ONLY_RECALL=$([ "${2:-}" = recall ] && echo 1 || echo 0)
LINUX=${LINUX:-/tmp/vitrine-corpora/linux-source-6.1}
BOOST=${BOOST:-/usr/include/boost}
OUT=${OUT:-/tmp/vitrine-bench-symbols}
mkdir -p "$OUT"
cargo build --release -q -p vitrine_syntax --example symbench || exit 2
SB=${CARGO_TARGET_DIR:-$PWD/target}/release/examples/symbench
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }

# timed LABEL CMD...: runs CMD, prints "LABEL seconds peak_MB CPU seconds (user + system)" and keeps
# CMD's stdout in $OUT/LABEL.out. CPU time is printed because the wall time of a shared machine is not
# comparable from run to run: the symbol build target (≤ 0.7× ctags' wall on 2 cores) needs both.
timed() {
  local label=$1; shift
  "$TIME" -f '%e %M %U %S' -o "$OUT/$label.time" "$@" > "$OUT/$label.out" 2> "$OUT/$label.err"
  read -r secs kb user sys < "$OUT/$label.time"
  printf '%-28s %8.1f s %7d MB %8.1f CPU s (%s user + %s sys)\n' "$label" "$secs" $((kb / 1024)) \
    "$(echo "$user + $sys" | bc)" "$user" "$sys"
}

# ratio A B FIELD: A's wall time (FIELD 1) or CPU time (FIELD cpu) over B's, from their .time files.
ratio() {
  local a b
  if [ "$3" = cpu ]; then
    a=$(awk '{print $3 + $4}' "$OUT/$1.time"); b=$(awk '{print $3 + $4}' "$OUT/$2.time")
  else
    a=$(awk '{print $1}' "$OUT/$1.time"); b=$(awk '{print $1}' "$OUT/$2.time")
  fi
  awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'
}

# ms_per_call N CMD...: mean wall time of N runs, in milliseconds (process start included).
ms_per_call() {
  local n=$1; shift
  "$@" >/dev/null 2>&1
  local t0 t1
  t0=$(date +%s%N)
  for _ in $(seq "$n"); do "$@" >/dev/null 2>&1; done
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / n / 1000000 ))
}

bench() {
  local name=$1 dir=$2; shift 2
  local names=("$@")
  [ -d "$dir" ] || { echo "skip $name: $dir missing" >&2; return; }
  local files mb
  files=$(find "$dir" -type f | wc -l); mb=$(du -sm "$dir" | cut -f1)
  echo "== $name: $dir ($files files, $mb MB)"
  rm -rf "$OUT/$name-vitrine" "$OUT/$name-gtags" "$OUT/$name-cscope"; mkdir -p "$OUT/$name-gtags" "$OUT/$name-cscope"

  echo "-- index build (wall time, peak RSS; load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
  timed "$name-vitrine" "$SB" build "$dir" "$OUT/$name-vitrine"
  if [ "$ONLY_RECALL" = 0 ]; then
  timed "$name-ctags" sh -c "cd '$dir' && ctags -R --languages=C,C++ -f '$OUT/$name.tags' ."
  echo "   vitrine/ctags: wall $(ratio "$name-vitrine" "$name-ctags" 1), CPU $(ratio "$name-vitrine" "$name-ctags" cpu) (load average now: $(cut -d' ' -f1-3 /proc/loadavg))"
  timed "$name-gtags" sh -c "cd '$dir' && gtags '$OUT/$name-gtags'"
  (cd "$dir" && find . -type f \( -name '*.[ch]' -o -name '*.[ch]pp' -o -name '*.cc' -o -name '*.hh' -o -name '*.ipp' \) > "$OUT/$name-cscope/files")
  timed "$name-cscope" sh -c "cd '$dir' && cscope -b -q -k -i '$OUT/$name-cscope/files' -f '$OUT/$name-cscope/cscope.out'"
  echo "-- index size"
  printf '%-28s %8s MB\n' "$name-vitrine" "$(du -sm "$OUT/$name-vitrine" | cut -f1)"
  printf '%-28s %8s MB\n' "$name-ctags" "$(du -sm "$OUT/$name.tags" | cut -f1)"
  printf '%-28s %8s MB\n' "$name-gtags" "$(du -sm "$OUT/$name-gtags" | cut -f1)"
  printf '%-28s %8s MB\n' "$name-cscope" "$(du -sm "$OUT/$name-cscope" | cut -f1)"
  fi
  echo "-- vitrine counts"
  jq -c '{files, parsed_files, definitions, declarations, calls, names, files_with_errors, parse_errors, parse_timeouts: (.parse_timeouts | length), kinds}' "$OUT/$name-vitrine.out"
  if [ "$ONLY_RECALL" = 0 ]; then

  echo "-- lookups (vitrine: in process, index reopened, median of 5 warm; others: per process, mean of 5)"
  "$SB" lookup "$OUT/$name-vitrine" "${names[@]}" | jq -c '{name, defs, caller_groups, open_ms, def_ms, callers_ms}'
  for n in "${names[@]}"; do
    local gd gr cs1 cs3
    gd=$(cd "$dir" && GTAGSROOT=$dir GTAGSDBPATH=$OUT/$name-gtags ms_per_call 5 global -d "$n")
    gr=$(cd "$dir" && GTAGSROOT=$dir GTAGSDBPATH=$OUT/$name-gtags ms_per_call 5 global -r "$n")
    cs1=$(cd "$dir" && ms_per_call 5 cscope -d -f "$OUT/$name-cscope/cscope.out" -L1 "$n")
    cs3=$(cd "$dir" && ms_per_call 5 cscope -d -f "$OUT/$name-cscope/cscope.out" -L3 "$n")
    echo "{\"name\":\"$n\",\"global_d_ms\":$gd,\"global_r_ms\":$gr,\"cscope_L1_ms\":$cs1,\"cscope_L3_ms\":$cs3}"
  done
  fi

  echo "-- recall against ctags (function, class, struct, union, enum, typedef, macro definitions in C/C++ files)"
  (cd "$dir" && ctags -R -x --languages=C,C++ --kinds-C=fsugtd --kinds-C++=fcsugtd --_xformat='%N	%n	%F	%K' . 2>/dev/null) \
    | awk -F'\t' '$1 !~ /^__anon/' > "$OUT/$name-ctags.tsv"
  MISSES="$OUT/$name-misses.tsv" "$SB" recall "$OUT/$name-vitrine" "$OUT/$name-ctags.tsv" "$dir" > "$OUT/$name-recall.json"
  jq -c '{ctags_definitions, same_line, within_2_lines, recall_same_line, recall_within_2, missed_by_kind}' "$OUT/$name-recall.json"
  jq -r '.missed_examples | to_entries[] | "   missed \(.key): \(.value[:4] | join(", "))"' "$OUT/$name-recall.json"
  echo "-- function definitions (ctags kind f; Vitrine must have a definition, not a declaration, within 2 lines)"
  jq -c '{ctags_functions, functions_defined_within_2, function_recall, function_recall_judged, function_misses_by_class}' "$OUT/$name-recall.json"
  # Misses read from the source: ctags naming a return-type macro (STACK_OF(X) *f), a macro with no
  # function written after it (IMPLEMENT_ASN1_FUNCTIONS(X), struct ALIGN_AS(64) S), or a real miss.
  jq -r '.function_miss_examples | to_entries[] | "   \(.key): \(.value[:6] | join(", "))"' "$OUT/$name-recall.json"
  echo "-- function definitions only Vitrine has (sampled 1 in 25 to judge: $OUT/$name-extras.json)"
  SAMPLE_EVERY=25 "$SB" extras "$dir" "$OUT/$name-ctags.tsv" > "$OUT/$name-extras.json"
  jq -c '{vitrine_functions, only_vitrine, only_vitrine_via_macro}' "$OUT/$name-extras.json"
}

case $WHICH in
  linux|all) bench linux "$LINUX" kmalloc schedule do_sys_open task_struct mutex_lock ;;
esac
case $WHICH in
  boost|all) bench boost "$BOOST" shared_ptr any_cast lexical_cast io_context to_string ;;
esac
case $WHICH in
  openssl|all) [ -n "${OPENSSL:-}" ] && bench openssl "$OPENSSL" EVP_DigestInit_ex SSL_read ERR_raise BIO_new ;;
esac
case $WHICH in
  rocksdb|all) [ -n "${ROCKSDB:-}" ] && bench rocksdb "$ROCKSDB" DBImpl Get WriteImpl Status ;;
esac
