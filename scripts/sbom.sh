#!/usr/bin/env bash
# Writes FILE: the CycloneDX SBOM (JSON, spec 1.5) of the `vitrine` binary's dependency graph. Made by
# cargo-cyclonedx, then cut to exactly the crates `cargo tree -p vitrine -e normal` lists (cargo-cyclonedx
# 0.5.9 also lists optional dependencies whose features are off, such as wgpu, arboard or rsa, which are not
# compiled in), and checked to list all of them. Reproducible: the timestamp is SOURCE_DATE_EPOCH, there is
# no random serial number, and the workspace path is written /vitrine (as the binary's remapped paths).
#   scripts/sbom.sh FILE
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 FILE" >&2; exit 2; }
out=$(realpath -m "$1")
cd "$(dirname "$0")/.."
src=$PWD
. scripts/lib.sh
ensure_packages jq
command -v cargo-cyclonedx >/dev/null || cargo install --locked cargo-cyclonedx
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  if [ -f SOURCE_DATE_EPOCH ]; then SOURCE_DATE_EPOCH=$(cat SOURCE_DATE_EPOCH)
  else SOURCE_DATE_EPOCH=$(git log -1 --format=%ct HEAD); fi
fi
export SOURCE_DATE_EPOCH
work=$(mktemp -d)
tmpname=sbom-$$-$RANDOM
trap 'rm -rf "$work"; find "$src/app" "$src/tests" -maxdepth 2 -name "$tmpname.json" -delete' EXIT

# cargo-cyclonedx writes one file beside every manifest of the workspace: keep the binary's.
cargo cyclonedx --quiet --manifest-path app/vitrine/Cargo.toml --format json --spec-version 1.5 \
  --no-build-deps --override-filename "$tmpname"
mv "app/vitrine/$tmpname.json" "$work/raw.json"

cargo tree --locked -p vitrine -e normal --prefix none -f '{p}' |
  sed 's/ (\*)$//; s/ (.*)$//; s/ v\([^ ]*\)$/ \1/' | grep -v '^vitrine [^ ]*$' | sort -u >"$work/tree.txt"

jq --rawfile keep "$work/tree.txt" --arg src "file://$src" '
  ($keep | split("\n") | map(select(length > 0) | {(.): true}) | add) as $in_tree
  | .components |= map(select($in_tree["\(.name) \(.version)"]))
  | ([.components[]."bom-ref", .metadata.component."bom-ref"] | map({(.): true}) | add) as $refs
  | .dependencies |= map(select($refs[.ref]) | if .dependsOn then .dependsOn |= map(select($refs[.])) else . end)
  | walk(if type == "string" then (split($src) | join("file:///vitrine")) else . end)
' "$work/raw.json" >"$work/sbom.json"

jq -r '.components[] | "\(.name) \(.version)"' "$work/sbom.json" | sort -u >"$work/listed.txt"
if ! diff -u "$work/tree.txt" "$work/listed.txt" >&2; then
  echo "the SBOM does not list what cargo tree lists (- cargo tree, + SBOM)" >&2
  exit 1
fi
if grep -qF "$src" "$work/sbom.json"; then echo "the SBOM names the build directory $src" >&2; exit 1; fi
mkdir -p "$(dirname "$out")"
mv "$work/sbom.json" "$out"
echo "$out: $(wc -l <"$work/tree.txt") crates, as cargo tree -p vitrine -e normal lists them" >&2
