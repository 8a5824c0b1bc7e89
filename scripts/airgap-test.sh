#!/usr/bin/env bash
# The long check of the air-gapped install (not in every CI run: two release builds, about 15 minutes each
# on 2 cores). Unpacks the source bundle into two fresh empty directories and, in each, checks SHA256SUMS
# and builds with the README's offline command inside a network namespace with no interface
# (`unshare -n`, as root) and an empty CARGO_HOME, the second build starting after the first has ended.
# Prints both SHA-256 of the `vitrine` binary (target/dist/vitrine, Cargo.toml's [profile.dist]) and fails
# unless they are identical.
#   scripts/airgap-test.sh BUNDLE.tar.xz [--deb OUT_DIR] [--tests] [--keep]
#   --deb: then package the first build offline (scripts/deb.sh --no-build, lintian included) and copy the
#   .deb into OUT_DIR; --tests: then run the test suite offline in the first directory (README's second
#   command); --keep: leave the directories.
# The directories are made under $TMPDIR (default /tmp).
set -euo pipefail
usage="usage: $0 BUNDLE.tar.xz [--deb OUT_DIR] [--tests] [--keep]"
[ $# -ge 1 ] || { echo "$usage" >&2; exit 2; }
bundle=$(realpath "$1")
shift
tests=false keep=false deb_out=""
while [ $# -gt 0 ]; do
  case $1 in
    --tests) tests=true ;;
    --keep) keep=true ;;
    --deb) [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }; deb_out=$(realpath -m "$2"); shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
. "$(dirname "$0")/lib.sh"
ensure_packages util-linux tar xz-utils coreutils
[ "$(id -u)" -eq 0 ] || { echo "unshare -n needs root" >&2; exit 2; }
if [ -f "$bundle.sha256" ]; then (cd "$(dirname "$bundle")" && sha256sum -c "$bundle.sha256"); fi

base=$(mktemp -d "${TMPDIR:-/tmp}/vitrine-airgap.XXXXXX")
$keep || trap 'rm -rf "$base"' EXIT

# Runs "$@" with no network: a new network namespace (only a loopback, down), a clean environment, an
# empty CARGO_HOME (nothing from this machine's registry cache), the toolchain from RUSTUP_HOME.
offline() {
  local home=$1
  shift
  unshare -n -- env -i PATH="$PATH" HOME="$HOME" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" \
    RUSTUP_TOOLCHAIN="$(rustup show active-toolchain | cut -d' ' -f1)" CARGO_HOME="$home" LANG=C.UTF-8 \
    "$@"
}

sums=()
for run in 1 2; do
  # Two directories that differ in name and length.
  dir=$base/$([ $run = 1 ] && echo a || echo second-build-elsewhere)
  mkdir -p "$dir/cargo-home"
  tar -xJf "$bundle" -C "$dir"
  src=$(find "$dir" -mindepth 1 -maxdepth 1 -type d -name 'vitrine-*')
  (cd "$src" && sha256sum --quiet -c SHA256SUMS) && echo "build $run: SHA256SUMS ok in $src"
  echo "build $run: network interfaces inside the namespace:"
  offline "$dir/cargo-home" cat /proc/net/dev | tail -n +3
  start=$(date +%s)
  echo "build $run: started $(date -u +%FT%TZ)"
  offline "$dir/cargo-home" "$src/scripts/airgap-build.sh" build
  echo "build $run: $(($(date +%s) - start)) s; CARGO_HOME now holds: $(ls -A "$dir/cargo-home" | tr '\n' ' ')"
  sums+=("$(sha256sum "$src/target/dist/vitrine" | cut -d' ' -f1)")
  offline "$dir/cargo-home" "$src/target/dist/vitrine" --version --verbose
  if [ $run = 1 ]; then first=$src first_home=$dir/cargo-home; fi
done
echo "sha256 build 1: ${sums[0]}"
echo "sha256 build 2: ${sums[1]}"
reproducible=true
if [ "${sums[0]}" != "${sums[1]}" ]; then
  echo "NOT REPRODUCIBLE: the two binaries differ (compare them with diffoscope; --keep leaves them)" >&2
  reproducible=false
else
  echo "reproducible: byte-identical"
fi
# The package from the first build, offline too: same CARGO_HOME and flags, so cargo rebuilds nothing.
if [ -n "$deb_out" ]; then
  offline "$first_home" "$first/scripts/deb.sh" --no-build
  mkdir -p "$deb_out"
  cp "$first"/target/debian/vitrine_*.deb "$deb_out/"
  echo "deb: copied to $deb_out: $(cd "$deb_out" && sha256sum vitrine_*.deb)"
fi
# The tests last, so that the two builds' verdict comes first (the test build is the longest part).
if $tests; then
  start=$(date +%s)
  offline "$first_home" "$first/scripts/airgap-build.sh" test
  echo "tests: passed offline in $(($(date +%s) - start)) s"
fi
$reproducible
