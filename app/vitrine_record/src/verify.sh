#!/bin/sh
# verify.sh: checks this Vitrine review record with stock tools only (sh, git, ssh-keygen, sha256sum, xxd,
# base64, jq). Run it inside the unpacked record:   sh ./verify.sh [SNAPSHOT_DIR]
# It checks that every entry is in canonical JSON form, every entry signature against allowed_signers
# (principal, namespace, validity at the entry time), each author's seq/prev chain, the Merkle root and size against the signed checkpoint, the files the
# checkpoint binds, and, given the snapshot directory, its git tree id, its manifest and every anchor.
# Prints one line per problem ("entries/000003.json: ...") and exits 0 when valid, 1 when not, 2 when it
# cannot run.
set -u
SNAP_DIR=${1:-}
cd "$(dirname "$0")" || exit 2
for t in ssh-keygen sha256sum xxd base64 jq; do
  command -v "$t" >/dev/null 2>&1 || { echo "verify.sh: $t is needed" >&2; exit 2; }
done
fail=0
problem() { echo "$1: $2"; fail=1; }
T=$(mktemp -d) || exit 2
trap 'rm -rf "$T"' EXIT
sha() { sha256sum < "$1" | cut -d' ' -f1; }
# An RFC 3339 UTC time (2026-01-31T12:00:00Z) as ssh-keygen takes it (20260131120000Z).
sshtime() { printf '%s' "$1" | tr -d ':T-'; }

[ -f record.json ] && jq -e '.format == "vitrine-record" and .v == 1' record.json >/dev/null 2>&1 \
  || { echo "record.json: missing or unreadable"; exit 1; }
snap=$(jq -r .snapshot.tree_sha256 record.json)
exporter=$(jq -r .exported_by.principal record.json)
exported_at=$(jq -r .exported_at record.json)
[ -f allowed_signers ] || problem allowed_signers missing

# The checkpoint: its signature, then the files its extension lines bind.
if [ ! -f checkpoint ]; then
  problem checkpoint missing
else
  if [ ! -f checkpoint.sig ]; then
    problem checkpoint.sig missing
  elif ! ssh-keygen -Y verify -f allowed_signers -I "$exporter" -n checkpoint@vitrine -s checkpoint.sig \
      -Overify-time="$(sshtime "$exported_at")" < checkpoint > /dev/null 2>&1; then
    problem checkpoint.sig "does not verify for $exporter (namespace checkpoint@vitrine)"
  fi
  [ "$(sed -n 1p checkpoint)" = "vitrine.review/$snap" ] || problem checkpoint "origin is not this record's snapshot"
  for pair in record:record.json allowed_signers:allowed_signers manifest:MANIFEST.sha256 health:health.json; do
    name=${pair%%:*}; file=${pair#*:}
    want=$(sed -n "4,\$s/^$name sha256://p" checkpoint)
    if [ -n "$want" ]; then
      if [ ! -f "$file" ]; then problem "$file" "missing, but the checkpoint lists it"
      elif [ "$(sha "$file")" != "$want" ]; then problem "$file" "does not match the hash in the signed checkpoint"; fi
    elif [ -f "$file" ]; then
      problem "$file" "not covered by the checkpoint"
    fi
  done
fi

# Canonical form: jq parses the entry and writes it again by the rules of RFC 8785 as Vitrine's entries
# use it (keys sorted, no whitespace, integers within +-(2^53-1) in plain decimal, strings escaped exactly
# as JSON.stringify escapes them), spelled out here rather than left to jq's own printing, which escapes
# DEL and, from jq 1.7, keeps number literals as written. The result must be the file, byte for byte, so
# anything else cannot pass: a second value, whitespace, a fraction, an exponent, -0, a leading zero, another
# escape, a duplicate or non-ASCII key, invalid UTF-8. Not checked here: that text is in Unicode NFC (no
# stock tool normalises); vitrine verify checks that too.
CANON='
def canon_int: if . < 0 then "-" + (-. | canon_int) elif . < 10 then [48 + .] | implode
  else ((. - (. % 10)) / 10 | canon_int) + ([48 + (. % 10)] | implode) end;
def canon_str: "\"" + (explode | map(
    if . == 34 then "\\\"" elif . == 92 then "\\\\" elif . == 8 then "\\b" elif . == 9 then "\\t"
    elif . == 10 then "\\n" elif . == 12 then "\\f" elif . == 13 then "\\r"
    elif . < 32 then . as $c | "\\u00" + ("01"[($c / 16 | floor):($c / 16 | floor) + 1])
      + ("0123456789abcdef"[($c % 16):($c % 16) + 1])
    else [.] | implode end) | add // "") + "\"";
def canon: if type == "object" then
    if all(keys[]; explode | all(. < 128)) then
      "{" + ([keys[] as $k | ($k | canon_str) + ":" + (.[$k] | canon)] | join(",")) + "}"
    else error("non-ASCII key") end
  elif type == "array" then "[" + (map(canon) | join(",")) + "]"
  elif type == "string" then canon_str
  elif type == "number" then
    if . == floor and . <= 9007199254740991 and . >= -9007199254740991 then canon_int
    else error("not an integer within 2^53") end
  else tojson end;
if length == 1 then .[0] | canon else error("not one JSON value") end'

# Entries, in name order: numbering, canonical form, signature, snapshot, role, chain.
: > "$T/ids"; : > "$T/leaves"
n=0
for e in entries/*.json; do
  [ -f "$e" ] || continue
  n=$((n + 1))
  sha "$e" > "$T/id"; id=$(cat "$T/id")
  { printf '\000'; cat "$e"; } | sha256sum | cut -d' ' -f1 >> "$T/leaves"
  expected=$(printf 'entries/%06d.json' "$n")
  [ "$e" = "$expected" ] || problem "$e" "out of sequence: expected $expected here (an entry was deleted or added)"
  if [ ! -f "$e.sig" ]; then problem "$e" "no signature file"; continue; fi
  if ! jq -sj "$CANON" "$e" > "$T/canon" 2> /dev/null || [ "$(sha "$T/canon")" != "$id" ]; then
    problem "$e" "not in canonical JSON form (RFC 8785)"; continue
  fi
  if ! jq -e 'type == "object" and .v == 1' "$e" > /dev/null 2>&1; then problem "$e" "not a version 1 entry"; continue; fi
  principal=$(jq -r .author.principal "$e"); fp=$(jq -r .author.fingerprint "$e")
  role=$(jq -r .role "$e"); when=$(jq -r .time "$e")
  esnap=$(jq -r .snapshot "$e"); seq=$(jq -r .seq "$e"); prev=$(jq -r '.prev // ""' "$e")
  parent=$(jq -r '.parent // ""' "$e")
  if [ "$esnap" != "$snap" ]; then problem "$e" "belongs to snapshot $esnap, not $snap (replayed from another review?)"; continue; fi
  if ! out=$(ssh-keygen -Y verify -f allowed_signers -I "$principal" -n entry@vitrine -s "$e.sig" \
      -Overify-time="$(sshtime "$when")" < "$e" 2>&1); then
    problem "$e" "signature does not verify for $principal at $when (namespace entry@vitrine)"; continue
  fi
  case "$out" in *" key $fp"*) ;; *) problem "$e" "signed by a key other than $fp"; continue ;; esac
  awk -v p="$principal" -v r="role=$role" '$1 == p { for (i = 2; i <= NF; i++) if ($i == r) ok = 1 } END { exit !ok }' allowed_signers \
    || { problem "$e" "role $role is not $principal's role in allowed_signers"; continue; }
  if grep -qx "$id" "$T/ids"; then problem "$e" "duplicate of entry $id"; continue; fi
  key=$(printf '%s' "$fp" | sha256sum | cut -c1-16)
  if [ -f "$T/head-$key" ]; then
    read -r hseq hid < "$T/head-$key"
    if [ "$seq" != "$((hseq + 1))" ]; then problem "$e" "seq $seq of $principal follows seq $hseq: entries missing, duplicated or out of order"; continue; fi
    if [ "$prev" != "$hid" ]; then problem "$e" "prev does not match $principal's previous entry $hid: chain broken"; continue; fi
  elif [ "$seq" != 1 ]; then
    problem "$e" "seq $seq of $principal, but no earlier entry of that key is in the log"; continue
  fi
  if [ -n "$parent" ] && ! grep -qx "$parent" "$T/ids"; then problem "$e" "refers to entry $parent, which is not earlier in the log"; continue; fi
  echo "$seq $id" > "$T/head-$key"
  echo "$id" >> "$T/ids"
done
for s in entries/*.json.sig; do
  [ -f "$s" ] && [ ! -f "${s%.sig}" ] && problem "$s" "signature without its entry"
done
[ "$(jq -r .entries record.json)" = "$n" ] || problem record.json "says $(jq -r .entries record.json) entries, the bundle has $n"

# RFC 6962 Merkle root of the first $1 entries: leaves are SHA-256(0x00 || entry); a lone last node moves
# up a level unchanged.
root_of() {
  if [ "$1" -eq 0 ]; then printf '' | sha256sum | cut -d' ' -f1; return; fi
  head -n "$1" "$T/leaves" > "$T/level"
  while [ "$(wc -l < "$T/level")" -gt 1 ]; do
    : > "$T/next"; left=
    while read -r h; do
      if [ -z "$left" ]; then left=$h; else
        { printf '\001'; printf '%s%s' "$left" "$h" | xxd -r -p; } | sha256sum | cut -d' ' -f1 >> "$T/next"; left=
      fi
    done < "$T/level"
    [ -n "$left" ] && echo "$left" >> "$T/next"
    mv "$T/next" "$T/level"
  done
  cat "$T/level"
}
if [ -f checkpoint ]; then
  [ "$(sed -n 2p checkpoint)" = "$n" ] || problem checkpoint "covers $(sed -n 2p checkpoint) entries, the bundle has $n"
  [ "$(root_of "$n" | xxd -r -p | base64)" = "$(sed -n 3p checkpoint)" ] \
    || problem checkpoint "the Merkle root of the entries does not match: entries changed, added, removed or reordered"
fi

# Checkpoints exported before from the same review: each signed by one of the people (valid at the time
# on its "exported" line), and this log must extend each (its root is the root of the first SIZE entries).
for c in checkpoints/*; do
  [ -f "$c" ] || continue
  case "$c" in
    *.sig) [ -f "${c%.sig}" ] || problem "$c" "signature without its checkpoint"; continue ;;
  esac
  when=$(sshtime "$(sed -n 's/^exported //p' "$c" | head -n 1)")
  who=$(ssh-keygen -Y find-principals -s "$c.sig" -f allowed_signers -Overify-time="$when" 2> /dev/null | head -n 1)
  if [ -z "$who" ] || ! ssh-keygen -Y verify -f allowed_signers -I "$who" -n checkpoint@vitrine -s "$c.sig" \
      -Overify-time="$when" < "$c" > /dev/null 2>&1; then
    problem "$c" "signature: does not verify"
  fi
  [ "$(sed -n 1p "$c")" = "vitrine.review/$snap" ] || problem "$c" "origin is not this record's snapshot"
  size=$(sed -n 2p "$c")
  if [ "$size" -gt "$n" ] 2> /dev/null || [ "$(root_of "$size" | xxd -r -p | base64)" != "$(sed -n 3p "$c")" ]; then
    problem "$c" "this log does not extend it: the root of the first $size entries differs"
  fi
done

# The snapshot, when given: git tree id (SHA-256 object format), manifest, anchors.
if [ -n "$SNAP_DIR" ]; then
  S=$(cd "$SNAP_DIR" && pwd) || exit 2
  H="$T/git"; git init -q --bare --object-format=sha256 "$H" || exit 2
  printf '* -text -eol -filter -ident -working-tree-encoding\n' > "$H/info/attributes"
  GIT_DIR=$H GIT_INDEX_FILE=$H/idx git -c core.autocrlf=false -c core.excludesFile=/dev/null --work-tree="$S" add -A -f > /dev/null 2>&1
  tree=$(GIT_DIR=$H GIT_INDEX_FILE=$H/idx git write-tree)
  if [ "$tree" != "$snap" ]; then
    problem record.json "is a record of snapshot $snap, the snapshot given is $tree"
  else
    [ -f MANIFEST.sha256 ] && ! (cd "$S" && sha256sum --quiet --strict -c "$OLDPWD/MANIFEST.sha256" > /dev/null 2>&1) \
      && problem MANIFEST.sha256 "differs from the snapshot's manifest"
    for e in entries/*.json; do
      [ -f "$e" ] || continue
      jq -e '(.kind == "annotation" or .kind == "review-mark" or .kind == "anchor-port") and .target != null' "$e" > /dev/null 2>&1 || continue
      p=$(jq -r .target.path "$e"); f="$S/$p"
      if [ ! -f "$f" ]; then problem "$e" "anchor: $p is not in the snapshot"; continue; fi
      blob=$({ printf 'blob %d\000' "$(wc -c < "$f")"; cat "$f"; } | sha256sum | cut -d' ' -f1)
      [ "$blob" = "$(jq -r .target.blob "$e")" ] || { problem "$e" "anchor: blob of $p differs"; continue; }
      jq -e '.target.lines != null' "$e" > /dev/null || continue
      a=$(jq -r '.target.lines[0]' "$e"); b=$(jq -r '.target.lines[1]' "$e")
      lines=$(wc -l < "$f"); [ -s "$f" ] && [ "$(tail -c 1 "$f" | xxd -p)" != 0a ] && lines=$((lines + 1))
      q=; pre=; suf=
      if [ "$b" -le "$lines" ]; then
        q=$(sed -n "${a},${b}p" "$f" | sha256sum | cut -d' ' -f1)
        [ "$a" -gt 1 ] && pre=$(sed -n "$((a - 1))p" "$f" | sha256sum | cut -d' ' -f1)
        [ "$b" -lt "$lines" ] && suf=$(sed -n "$((b + 1))p" "$f" | sha256sum | cut -d' ' -f1)
      fi
      [ "$q $pre $suf" = "$(jq -r '[.target.quote.sha256, .target.quote.prefix, .target.quote.suffix] | join(" ")' "$e")" ] \
        || problem "$e" "anchor: quote of $p:$a-$b differs"
    done
  fi
fi

if [ "$fail" -eq 0 ]; then
  echo "OK: $n entries; signatures, chains and checkpoint verified${SNAP_DIR:+; snapshot, manifest and anchors match}"
  exit 0
fi
echo "INVALID"
exit 1
