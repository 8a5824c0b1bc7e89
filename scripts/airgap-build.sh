#!/usr/bin/env bash
# Builds, tests or installs Vitrine from an unpacked source bundle (scripts/airgap-bundle.sh) with no
# network: every crate comes from vendor/ (.cargo/config.toml), and cargo runs --offline --frozen --locked.
# The binary is reproducible (scripts/lib.sh reproducible_env, Cargo.toml's [profile.dist]): any directory,
# any time, same bytes.
#   scripts/airgap-build.sh build            target/dist/vitrine, plus its man pages and completions
#   scripts/airgap-build.sh test [ARGS...]   the whole test suite (scripts/test.sh's command, offline)
#   scripts/airgap-build.sh install PREFIX   build, then install into PREFIX/bin and PREFIX/share
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
. scripts/lib.sh
if [ ! -d vendor ] || ! grep -q 'directory = "vendor"' .cargo/config.toml 2>/dev/null; then
  echo "$src is not an unpacked source bundle (no vendor/ or .cargo/config.toml): see README, Air-gapped install" >&2
  exit 2
fi
reproducible_env "$src"
offline=(--offline --frozen --locked)
out=target/dist

build() {
  cargo build "${offline[@]}" --profile dist -p vitrine --bin vitrine
  # A separate cargo run, so that the example's dev-dependencies cannot change the binary's features.
  cargo run "${offline[@]}" --profile dist -p vitrine --example vitrine-docs -- "$out/docs" >/dev/null
  echo "built $src/$out/vitrine"
  sha256sum "$out/vitrine"
}

case "${1:-}" in
  build) build ;;
  test) shift; cargo test "${offline[@]}" --workspace --all-targets "$@" ;;
  install)
    [ $# -eq 2 ] || { echo "usage: $0 install PREFIX" >&2; exit 2; }
    build
    prefix=$2; docs=$out/docs
    install -Dm755 "$out/vitrine" "$prefix/bin/vitrine"
    install -d "$prefix/share/man/man1"
    install -m644 "$docs"/man/*.1 "$prefix/share/man/man1/"
    install -Dm644 "$docs/completions/vitrine.bash" "$prefix/share/bash-completion/completions/vitrine"
    install -Dm644 "$docs/completions/_vitrine" "$prefix/share/zsh/vendor-completions/_vitrine"
    install -Dm644 "$docs/completions/vitrine.fish" "$prefix/share/fish/vendor_completions.d/vitrine.fish"
    install -Dm644 vitrine.cdx.json "$prefix/share/doc/vitrine/vitrine.cdx.json"
    echo "installed $prefix/bin/vitrine" ;;
  *) echo "usage: $0 build | test [ARGS...] | install PREFIX" >&2; exit 2 ;;
esac
