# Benchmark corpora from Debian packages: the Linux kernel source and the Boost headers. Sourced.
# Sets LINUX and BOOST. $CORPORA (default: a folder under the temp dir) holds the unpacked kernel.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CORPORA=${CORPORA:-${TMPDIR:-/tmp}/vitrine-corpora}
mkdir -p "$CORPORA"
ensure_packages linux-source-6.1 libboost1.81-dev xz-utils time
[ -d "$CORPORA/linux-source-6.1" ] || tar xJf /usr/src/linux-source-6.1.tar.xz -C "$CORPORA"
LINUX=$CORPORA/linux-source-6.1
BOOST=/usr/include/boost
# median of numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
# measure OUTVAR_PREFIX CMD...: runs CMD $RUNS times (after one warm-up), sets <prefix>_s (median seconds)
# and <prefix>_mb (max peak RSS in MB).
measure() {
  local prefix=$1; shift
  local t mem times=() mems=()
  "$@" >/dev/null 2>&1 || true
  for _ in $(seq "${RUNS:-3}"); do
    /usr/bin/time -f '%e %M' -o /tmp/vitrine-bench-time "$@" >/dev/null 2>&1 || true
    read -r t mem < /tmp/vitrine-bench-time
    times+=("$t"); mems+=("$mem")
  done
  printf -v "${prefix}_s" '%s' "$(printf '%s\n' "${times[@]}" | median)"
  printf -v "${prefix}_mb" '%s' "$(printf '%s\n' "${mems[@]}" | sort -g | tail -1 | awk '{printf "%.0f", $1/1024}')"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }
