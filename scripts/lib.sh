# Shared by the scripts: install Debian packages that are missing (as root, or through sudo).
# Sourced, not run.
set -euo pipefail
ensure_packages() {
  local missing=() p
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing Debian packages: ${missing[*]}" >&2
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
# What the window loads at run time (it links none of them at build time). The .deb declares them
# (scripts/deb.sh).
RUN_PACKAGES=(libgl1 libegl1 libgl1-mesa-dri libxkbcommon-x11-0 libxcursor1 libxrandr2 libxi6 libx11-xcb1
  libfontconfig1 libdbus-1-3 gcc)
# What the tests call: stock git, ssh-keygen, sha256sum, ripgrep (search is checked against it), jq and xxd
# (the record's verify.sh), a C compiler for the tree-sitter grammars; strace, Xvfb, a D-Bus session bus and
# the accessibility bus launcher for the no-network test (tests/it/network.rs), which runs the window, so
# also what the window loads.
TEST_PACKAGES=(git openssh-client coreutils ripgrep jq xxd gcc tar xz-utils gzip
  strace xvfb dbus-daemon dbus-bin at-spi2-core "${RUN_PACKAGES[@]}")
# Reproducible release builds (scripts/airgap-build.sh, scripts/deb.sh): nothing in the binary may depend on
# where the source lies or when it is built. The source dir (with vendor/ and target/ inside it) and
# CARGO_HOME are remapped to fixed names in debug info and panic paths, for rustc and for the C compiler
# (tree-sitter grammars); SOURCE_DATE_EPOCH is the commit's time (file SOURCE_DATE_EPOCH in a source bundle).
reproducible_env() {
  local src=$1 home=${CARGO_HOME:-$HOME/.cargo}
  if [ -f "$src/SOURCE_DATE_EPOCH" ]; then SOURCE_DATE_EPOCH=$(cat "$src/SOURCE_DATE_EPOCH")
  else SOURCE_DATE_EPOCH=$(git -C "$src" log -1 --format=%ct HEAD); fi
  export SOURCE_DATE_EPOCH
  export CARGO_TARGET_DIR=$src/target
  export RUSTFLAGS="--remap-path-prefix=$src=/vitrine --remap-path-prefix=$home=/cargo-home"
  export CFLAGS="-ffile-prefix-map=$src=/vitrine -ffile-prefix-map=$home=/cargo-home"
  export CXXFLAGS=$CFLAGS
  unset CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS RUSTC_WRAPPER CARGO_BUILD_RUSTC_WRAPPER
}
