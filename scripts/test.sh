#!/usr/bin/env bash
# Installs what the tests need (Debian packages) and runs the whole test suite.
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_packages "${TEST_PACKAGES[@]}"
cargo test --workspace --all-targets --locked "$@"
