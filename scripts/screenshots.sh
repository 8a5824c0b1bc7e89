#!/usr/bin/env bash
# Starts the real window under Xvfb on the demo snapshot, scene by scene, and writes PNGs to screenshots/.
# Usage: scripts/screenshots.sh [--debug]   (default: release build)
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_packages "${RUN_PACKAGES[@]}" xvfb xauth x11-utils imagemagick
profile=release; [ "${1:-}" = "--debug" ] && profile=debug
cargo build --locked $([ $profile = release ] && echo --release) --bin vitrine
bin=$PWD/target/$profile/vitrine
out=$PWD/screenshots; mkdir -p "$out"
export VITRINE_DATA=$(mktemp -d) XDG_DATA_HOME=$(mktemp -d)
disp=:$((100 + RANDOM % 400))
Xvfb $disp -screen 0 1500x940x24 -nolisten tcp >/dev/null 2>&1 & xvfb=$!
trap 'kill $xvfb 2>/dev/null' EXIT
for _ in $(seq 50); do DISPLAY=$disp xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done

# shot NAME ARGS...: start the window with ARGS, wait until it has drawn and settled, capture it.
shot() {
  local name=$1; shift
  DISPLAY=$disp "$bin" open "$@" >/dev/null 2>&1 & local app=$!
  local prev="" cur n
  for n in $(seq 60); do
    sleep 0.5
    DISPLAY=$disp import -window root "$out/$name.png" 2>/dev/null || continue
    cur=$(/usr/bin/convert "$out/$name.png" -format '%k %#' info: 2>/dev/null)
    # Settled: many colours (text drawn) and the same picture twice in a row.
    if [ "${cur%% *}" -gt 200 ] 2>/dev/null && [ "$cur" = "$prev" ]; then break; fi
    prev=$cur
  done
  kill $app 2>/dev/null; wait $app 2>/dev/null || true
  echo "screenshots/$name.png"
}
shot overview --file src/auth.cpp --line 13
shot homoglyph --file src/license.cpp --line 7
shot legacy-encoding --file src/legacy/crc16.c --line 2
shot hex-view --file firmware/ng-fw-2.4.1.bin
shot light-theme --theme light --file src/packet.cpp --line 14
