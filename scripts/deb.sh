#!/usr/bin/env bash
# Builds target/debian/vitrine_VERSION_amd64.deb with cargo-deb, from a git checkout or an unpacked source
# bundle (then offline): the reproducible binary (scripts/lib.sh reproducible_env, Cargo.toml's
# [profile.dist]: target/dist/vitrine, which cargo-deb --profile dist finds under the assets' magic
# `target/release/` prefix), its man pages and shell completions (examples/vitrine-docs.rs: clap_mangen,
# clap_complete), the desktop entry and icon (assets/packaging/), the CycloneDX SBOM (scripts/sbom.sh) and
# the README. Then checks the package: its Depends name every run-time library of scripts/lib.sh, and
# lintian reports no error.
#   scripts/deb.sh [--no-build]     --no-build: package the target/dist/vitrine already built
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
. scripts/lib.sh
ensure_packages dpkg-dev lintian jq gzip
command -v cargo-deb >/dev/null || cargo install --locked cargo-deb
reproducible_env "$src"
cargo_flags=(--locked)
[ -d vendor ] && cargo_flags=(--offline --frozen --locked)

docs=target/dist/docs
mkdir -p "$docs"
# The SBOM the binary records (build.rs): the bundle's own, else one made now.
if [ -f vitrine.cdx.json ]; then
  cp vitrine.cdx.json "$docs/vitrine.cdx.json"
else
  bash scripts/sbom.sh "$docs/vitrine.cdx.json"
  export VITRINE_SBOM=$src/$docs/vitrine.cdx.json
fi
if [ "${1:-}" != "--no-build" ]; then
  cargo build "${cargo_flags[@]}" --profile dist -p vitrine --bin vitrine
fi
rm -rf "$docs/man" "$docs/completions"
cargo run "${cargo_flags[@]}" --profile dist -p vitrine --example vitrine-docs -- "$docs" >/dev/null
gzip -9n "$docs"/man/*.1
gzip -9nc assets/packaging/changelog >"$docs/changelog.gz"

mkdir -p target/debian
deb=$(cargo deb -p vitrine --profile dist --no-build --output target/debian/ | tail -1)
echo "$deb"

depends=$(dpkg-deb -f "$deb" Depends)
for p in "${RUN_PACKAGES[@]}"; do
  [ "$p" = gcc ] && continue # only run.sh's build needs it
  grep -Eq "(^|, )$p( |,|$)" <<<"$depends" || { echo "Depends lacks $p: $depends" >&2; exit 1; }
done
echo "Depends: $depends"
lintian --fail-on error --suppress-tags-from-file /dev/null "$deb"
echo "lintian: no error"
sha256sum "$deb"
