#!/usr/bin/env bash
# The long check of the Debian package (not in every CI run): installs vitrine_VERSION_amd64.deb
# (scripts/deb.sh) on a fresh Debian 12 and runs it there. A minimal Debian 12 (debootstrap
# --variant=minbase bookworm) is made once into ROOT (default /tmp/vitrine-deb-root) and kept pristine; each
# run copies it to a fresh directory, installs the package with apt-get (its Depends pulled from the Debian
# mirror, no recommends) and checks, inside the chroot:
#   - `vitrine --version --verbose` prints the commit, Cargo.lock hash and SBOM hash of this source tree
#     (SOURCE_COMMIT or git HEAD, Cargo.lock, vitrine.cdx.json: run it from the unpacked bundle);
#   - the man page, the completions, the desktop entry, the icon and the SBOM are installed;
#   - `vitrine digest` on the demo snapshot (assets/demo) prints the same tree id as on this machine's
#     git (git hashes the same tree);
#   - the window opens on the demo under Xvfb with only the declared dependencies installed, and is
#     still running when stopped after a few seconds.
# Runs as root (debootstrap, chroot, mounts in a private mount namespace).
#   scripts/deb-test.sh DEB [ROOT]
set -euo pipefail
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 DEB [ROOT]" >&2; exit 2; }
deb=$(realpath "$1")
pristine=$(realpath -m "${2:-/tmp/vitrine-deb-root}")
cd "$(dirname "$0")/.."
src=$PWD
. scripts/lib.sh
[ "$(id -u)" -eq 0 ] || { echo "debootstrap and chroot need root" >&2; exit 2; }
ensure_packages debootstrap dpkg-dev util-linux git

if [ ! -e "$pristine/etc/debian_version" ]; then
  echo "== debootstrap bookworm into $pristine" >&2
  debootstrap --variant=minbase bookworm "$pristine" http://deb.debian.org/debian >/dev/null
fi
echo "fresh Debian $(cat "$pristine/etc/debian_version") (debootstrap --variant=minbase bookworm)"

run=$(mktemp -d "${TMPDIR:-/tmp}/vitrine-deb-test.XXXXXX")
trap 'rm -rf "$run"' EXIT
cp -a "$pristine/." "$run/"
cp "$deb" "$run/tmp/"
cp -a assets/demo "$run/tmp/demo"
cp /etc/resolv.conf "$run/etc/resolv.conf"

# What the package must report, from this source tree.
if [ -f SOURCE_COMMIT ]; then commit=$(cat SOURCE_COMMIT); else commit=$(git rev-parse HEAD); fi
lock=$(sha256sum Cargo.lock | cut -d' ' -f1)
sbom=$(dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./usr/share/doc/vitrine/vitrine.cdx.json | sha256sum | cut -d' ' -f1)
[ ! -f vitrine.cdx.json ] || [ "$(sha256sum vitrine.cdx.json | cut -d' ' -f1)" = "$sbom" ] ||
  { echo "the package's SBOM is not this bundle's vitrine.cdx.json" >&2; exit 1; }
# The demo's tree id as git computes it (sha1 object format), for the digest check.
tree=$(cd "$run/tmp/demo" && git init -q && git add -A && git write-tree)
rm -rf "$run/tmp/demo/.git"

# Inside: a private mount namespace (the mounts vanish with it), /proc and /dev for apt and the window.
unshare -m --propagation private -- bash -s "$run" "$(basename "$deb")" "$commit" "$lock" "$sbom" "$tree" <<'INNER'
set -euo pipefail
run=$1 deb=$2 commit=$3 lock=$4 sbom=$5 tree=$6
mount -t proc proc "$run/proc"
mount --rbind /dev "$run/dev"
inside() { chroot "$run" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }
inside apt-get update -qq
echo "== apt-get install ./$deb"
inside env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "/tmp/$deb" \
  >"$run/tmp/apt.log" 2>&1 || { cat "$run/tmp/apt.log"; exit 1; }
echo "packages set up (vitrine and its dependencies): $(grep -c '^Setting up' "$run/tmp/apt.log" || true)"
inside dpkg -s vitrine | grep -E '^(Version|Installed-Size|Depends):'

echo "== vitrine --version --verbose"
out=$(inside vitrine --version --verbose)
echo "$out"
field() { sed -n "s/^$1: //p" <<<"$out"; }
[ "$(field commit)" = "$commit" ] || { echo "commit is not $commit" >&2; exit 1; }
[ "$(field cargo-lock-sha256)" = "$lock" ] || { echo "cargo-lock-sha256 is not $lock" >&2; exit 1; }
[ "$(field sbom-sha256)" = "$sbom" ] || { echo "sbom-sha256 is not the packaged SBOM's $sbom" >&2; exit 1; }
echo "provenance: commit, Cargo.lock and SBOM hashes match"

for f in /usr/share/man/man1/vitrine.1.gz /usr/share/bash-completion/completions/vitrine \
  /usr/share/zsh/vendor-completions/_vitrine /usr/share/fish/vendor_completions.d/vitrine.fish \
  /usr/share/applications/vitrine.desktop /usr/share/icons/hicolor/scalable/apps/vitrine.svg \
  /usr/share/doc/vitrine/vitrine.cdx.json /usr/share/doc/vitrine/copyright \
  /usr/share/doc/vitrine/verify.sh /usr/share/doc/vitrine/VERIFY.md; do
  [ -s "$run$f" ] || { echo "missing from the package: $f" >&2; exit 1; }
done
# The stock verifier installed is the one every record of this version carries.
cmp "$run/usr/share/doc/vitrine/verify.sh" app/vitrine_record/src/verify.sh \
  || { echo "the package's verify.sh is not this version's" >&2; exit 1; }
echo "installed: man page, bash/zsh/fish completions, desktop entry, icon, SBOM, copyright, verify.sh and VERIFY.md"

echo "== vitrine digest /tmp/demo"
inside vitrine --data /tmp/vitrine-data digest /tmp/demo | tee "$run/tmp/digest.txt"
grep -q "$tree" "$run/tmp/digest.txt" || { echo "the digest does not show git's tree id $tree" >&2; exit 1; }
echo "digest: git tree id $tree, as git computes it"

echo "== the window under Xvfb (only the package's Depends installed, then xvfb for the display)"
inside env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends xvfb xauth >/dev/null 2>&1
set +e
inside xvfb-run -a -s "-nolisten tcp -screen 0 1280x800x24" \
  timeout --signal=KILL 8 vitrine --data /tmp/vitrine-data open /tmp/demo >"$run/tmp/window.log" 2>&1
status=$?
set -e
# timeout kills the window after 8 s (status 137); xvfb-run passes that on and stops its Xvfb.
if [ $status -ne 137 ]; then
  echo "the window exited by itself (status $status):" >&2
  cat "$run/tmp/window.log" >&2
  exit 1
fi
echo "window: still running after 8 s on the demo, then stopped; what it wrote on stderr:"
sed 's/^/    /' "$run/tmp/window.log"
INNER
echo "deb-test: $(basename "$deb") installs and runs on a fresh Debian 12"
