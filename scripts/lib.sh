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
# What the tests call: stock git, ssh-keygen, sha256sum, ripgrep (search is checked against it), jq and xxd
# (the record's verify.sh), a C compiler for the tree-sitter grammars.
TEST_PACKAGES=(git openssh-client coreutils ripgrep jq xxd gcc tar xz-utils gzip libarchive-tools unzip)
# What the window loads at run time (it links none of them at build time).
RUN_PACKAGES=(libgl1 libegl1 libgl1-mesa-dri libxkbcommon-x11-0 libxcursor1 libxrandr2 libxi6 libx11-xcb1
  libfontconfig1 libdbus-1-3 gcc)
