#!/usr/bin/env bash
# Starts the real window under Xvfb on the demo snapshot, scene by scene (driven with xdotool where a
# scene needs keys), and writes PNGs to screenshots/. Usage: scripts/screenshots.sh [--debug]
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_packages "${RUN_PACKAGES[@]}" xvfb xauth x11-utils xdotool imagemagick jq
profile=release; [ "${1:-}" = "--debug" ] && profile=debug
cargo build --locked $([ $profile = release ] && echo --release) --bin vitrine
bin=${CARGO_TARGET_DIR:-$PWD/target}/$profile/vitrine
out=$PWD/screenshots; mkdir -p "$out"
work=$(mktemp -d)
export VITRINE_DATA=$work/data XDG_DATA_HOME=$work/xdg
demo=$PWD/assets/demo
disp=:$((100 + RANDOM % 400))
Xvfb $disp -screen 0 1500x940x24 -nolisten tcp >/dev/null 2>&1 & xvfb=$!
trap 'kill $xvfb 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do DISPLAY=$disp xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done

# A review to show: a reviewer's signed finding on the Trojan Source lines, a vendor's signed answer, and an
# exported record.
"$bin" key new --principal alice@agency.example --role reviewer --out "$work/rev" --no-passphrase -q >/dev/null
"$bin" key new --principal bob@vendor.example --role vendor --out "$work/ven" --no-passphrase -q >/dev/null
"$bin" people add "$demo" --principal alice@agency.example --role reviewer --pubkey "$work/rev.pub" -q >/dev/null
"$bin" people add "$demo" --principal bob@vendor.example --role vendor --pubkey "$work/ven.pub" -q >/dev/null
id=$("$bin" annotate "$demo" --key "$work/rev" --file src/auth.cpp --lines 13-17 --kind finding --severity high \
  --category backdoor -q --body 'Bidi controls hide an early return: `shutdown` runs for every user, not only admins.' | tail -1)
"$bin" reply "$demo" --key "$work/ven" --to "$id" --status acknowledged -q \
  --body 'Confirmed. The comment was pasted from a translation tool; fixed in 2.4.2.' >/dev/null
"$bin" annotate "$demo" --key "$work/rev" --file src/license.cpp --lines 7-7 --kind question --severity medium -q \
  --body 'Why are there two license flags that render the same?' >/dev/null
"$bin" mark-reviewed "$demo" --key "$work/rev" --file src/packet.cpp -q >/dev/null
"$bin" export "$demo" --key "$work/rev" --out "$work/review.vitrine" -q >/dev/null
# A second review for the findings library: the vendor's next version (2.4.2), its own note on the same lines.
demo2=$work/demo-2.4.2
cp -r "$demo" "$demo2" && printf '\n// 2.4.2: the early return is removed.\n' >> "$demo2/src/auth.cpp"
"$bin" people add "$demo2" --principal alice@agency.example --role reviewer --pubkey "$work/rev.pub" -q >/dev/null
"$bin" annotate "$demo2" --key "$work/rev" --file src/auth.cpp --lines 13-17 --kind finding --severity medium -q \
  --body 'Still there in 2.4.2: the bidi controls remain in the comment, though the early return is gone.' >/dev/null

# settle FILE: capture until the picture has text (many colours) and is the same twice in a row.
settle() {
  local prev="" cur
  for _ in $(seq 60); do
    sleep 0.5
    DISPLAY=$disp import -window root "$1" 2>/dev/null || continue
    cur=$(/usr/bin/convert "$1" -format '%k %#' info: 2>/dev/null)
    if [ "${cur%% *}" -gt 200 ] 2>/dev/null && [ "$cur" = "$prev" ]; then return 0; fi
    prev=$cur
  done
}
keys() { DISPLAY=$disp xdotool search --sync --name '^Vitrine$' windowfocus --sync >/dev/null 2>&1; DISPLAY=$disp xdotool "$@"; }
# click X Y: a left click at window coordinates (the window fills the 1500x940 screen).
click() { DISPLAY=$disp xdotool mousemove "$1" "$2" click 1; sleep 0.3; }
# shot NAME "ACTIONS" ARGS...: start the window on the demo (or $SNAP) with ARGS, let it settle, run ACTIONS, capture.
shot() {
  local name=$1 actions=$2; shift 2
  DISPLAY=$disp "$bin" open "${SNAP:-$demo}" "$@" >/dev/null 2>&1 & local app=$!
  settle "$out/$name.png"
  if [ -n "$actions" ]; then eval "$actions"; settle "$out/$name.png"; fi
  kill $app 2>/dev/null; wait $app 2>/dev/null || true
  echo "screenshots/$name.png"
}
shot overview "" --file src/auth.cpp --line 13
shot search "" --search 'memcpy or sizeof' --file src/packet.cpp --line 19
shot definition "keys key ctrl+f; keys type 'load_config('; keys key Escape F12" --file src/main.cpp --line 16
shot homoglyph "" --file src/license.cpp --line 7
shot verify-record "" --verify "$work/review.vitrine" --file src/packet.cpp --line 1
shot help "keys key F1" --file src/crypto.cpp --line 20
shot legacy-encoding "" --file src/legacy/crc16.c --line 2
shot hex-view "" --file firmware/ng-fw-2.4.1.bin
shot light-theme "" --theme light --file src/packet.cpp --line 14
shot callers "keys key ctrl+f; keys type 'is_operator(user)'; keys key Escape ctrl+shift+h" --file src/auth.cpp --line 18
shot word-wrap "keys key alt+z" --file src/hosts.inc --line 2
shot ranked-search "sleep 10" --search '~licence check' --file src/license.cpp --line 9
# The Threads tab of 2.4.2 searching every review: the scope radio and the search box are clicked (their
# place in the 1500x940 window with the bottom panel at its default 42% of the height).
SNAP=$demo2 shot findings-library "keys key ctrl+shift+l; sleep 1; click 411 599; click 877 599; keys type 'bidi'" \
  --file src/auth.cpp --line 13

shot threads "keys key ctrl+shift+l" --file src/auth.cpp --line 13

# Compare: the demo is the update; the version before it had no size check in Packet::parse, no
# Trojan Source comments, and no src/log.cpp. Its review's two findings are carried over (signed
# anchor-port entries), and the vendor answers the one the update fixed.
v1=$work/v1; cp -a "$demo" "$v1"
sed -i 's/    if (data == nullptr || size < sizeof(Header)) {/    if (data == nullptr) {/; /The declared length is trusted here/d' \
  "$v1/src/packet.cpp"
perl -CSD -i -pe 's{^.*\x{202E}.*$}{    /* admins only */}' "$v1/src/auth.cpp"
rm "$v1/src/log.cpp"
"$bin" people add "$v1" --principal alice@agency.example --role reviewer --pubkey "$work/rev.pub" -q >/dev/null
"$bin" people add "$v1" --principal bob@vendor.example --role vendor --pubkey "$work/ven.pub" -q >/dev/null
"$bin" annotate "$v1" --key "$work/rev" --file src/packet.cpp --lines 15-15 --kind finding --severity high -q \
  --body 'No size check: the `memcpy` below reads `sizeof(Header)` bytes from a buffer that may be shorter.' >/dev/null
"$bin" annotate "$v1" --key "$work/rev" --file src/packet.cpp --lines 20-20 --kind finding --severity medium -q \
  --body 'The declared length is trusted: `copy` reads past `size`.' >/dev/null
fixed=$("$bin" port "$v1" "$demo" --key "$work/rev" --json | jq -r '.ports[] | select(.outcome == "changed") | .entry')
"$bin" reply "$demo" --key "$work/ven" --to "$fixed" --status fixed --file src/packet.cpp --lines 15-17 -q --body 'Fixed in 2.4.2: the size is checked first.' >/dev/null
# The diff gets the window's height: Ctrl+J hides the bottom panel (a saved preference, so the update
# summary after it is shown without the panel too).
shot compare-diff "keys key ctrl+j" --compare "$v1" --file src/packet.cpp --line 15
shot update-summary "keys key ctrl+shift+u" --compare "$v1" --file src/auth.cpp --line 13
