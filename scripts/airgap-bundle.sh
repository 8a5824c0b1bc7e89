#!/usr/bin/env bash
# Writes OUT_DIR/vitrine-VERSION-src.tar.xz, the source bundle for an air-gapped workstation (README,
# "Air-gapped install"), and OUT_DIR/vitrine-VERSION-src.tar.xz.sha256. Runs on a connected machine.
# The bundle holds: the source of HEAD (git archive), every crate vendored (vendor/) with the
# .cargo/config.toml that makes cargo use it, the CycloneDX SBOM of the binary's dependency graph
# (vitrine.cdx.json, checked against `cargo tree`), the exact Debian packages and toolchain it was made
# with (debian-packages.txt, toolchain.txt), the commit and its time (SOURCE_COMMIT, SOURCE_DATE_EPOCH),
# and SHA256SUMS over every file. The tarball is reproducible: the same commit gives the same bytes
# (sorted names, fixed times, owners and modes, single-threaded xz).
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
mkdir -p "$1"
out=$(cd "$1" && pwd)
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_packages git tar xz-utils coreutils jq
command -v cargo-cyclonedx >/dev/null || cargo install --locked cargo-cyclonedx

if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  echo "note: uncommitted changes are not in the bundle (it is made from HEAD)" >&2
fi
commit=$(git rev-parse HEAD)
export SOURCE_DATE_EPOCH=$(git log -1 --format=%ct HEAD)
version=$(cargo metadata --locked --offline --no-deps --format-version 1 2>/dev/null ||
  cargo metadata --locked --no-deps --format-version 1)
version=$(jq -r '.packages[] | select(.name == "vitrine") | .version' <<<"$version")
name=vitrine-$version
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage=$work/$name
mkdir "$stage"

echo "== source of $commit" >&2
git archive --format=tar HEAD | tar -x -C "$stage"
echo "$commit" >"$stage/SOURCE_COMMIT"
echo "$SOURCE_DATE_EPOCH" >"$stage/SOURCE_DATE_EPOCH"

echo "== vendoring every crate of Cargo.lock" >&2
(cd "$stage" && CARGO_TARGET_DIR="$work/target" cargo vendor --locked --versioned-dirs vendor >/dev/null)
mkdir -p "$stage/.cargo"
cat >"$stage/.cargo/config.toml" <<'TOML'
# Written by scripts/airgap-bundle.sh: every crate comes from vendor/, nothing from the network.
[source.crates-io]
replace-with = "vendored-sources"

[source.vendored-sources]
directory = "vendor"

[net]
offline = true
TOML

echo "== SBOM" >&2
(cd "$stage" && CARGO_TARGET_DIR="$work/target" bash scripts/sbom.sh vitrine.cdx.json)

echo "== Debian packages and toolchain" >&2
packages=("${RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}" libc6-dev util-linux dpkg-dev)
mapfile -t packages < <(printf '%s\n' "${packages[@]}" | sort -u)
{
  echo "# The Debian 12 packages this bundle was built, run and tested with (package=version architecture)."
  echo "# Install them from local media: apt-get install \$(grep -v '^#' debian-packages.txt | cut -d' ' -f1)"
  dpkg-query -W -f='${Package}=${Version} ${Architecture}\n' "${packages[@]}"
} >"$stage/debian-packages.txt"
{
  echo "# The Rust toolchain this bundle was made and tested with (bring it as a standalone installer)."
  rustc -vV
  cargo -V
} >"$stage/toolchain.txt"

echo "== SHA256SUMS" >&2
(cd "$stage" && find . -type f ! -name SHA256SUMS -printf '%P\0' | LC_ALL=C sort -z | xargs -0 sha256sum) \
  >"$work/SHA256SUMS"
mv "$work/SHA256SUMS" "$stage/SHA256SUMS"

echo "== tarball" >&2
tarball=$out/$name-src.tar.xz
LC_ALL=C tar --sort=name --format=gnu --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
  --mode='u+rwX,go+rX,go-w' -C "$work" -cf - "$name" | xz -T1 -6 >"$tarball.tmp"
mv "$tarball.tmp" "$tarball"
(cd "$out" && sha256sum "$name-src.tar.xz" >"$name-src.tar.xz.sha256")
echo "$(du -h "$tarball" | cut -f1) $tarball" >&2
cat "$tarball.sha256"
