#!/usr/bin/env bash
# Installs what the window needs (Debian packages), builds Vitrine in release mode and runs it.
# With no argument it opens the bundled demo snapshot; arguments are passed to `vitrine`.
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_packages "${RUN_PACKAGES[@]}"
cargo build --release --locked --bin vitrine
exec ./target/release/vitrine "$@"
