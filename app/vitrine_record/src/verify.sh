#!/bin/sh
# verify.sh: checks a Vitrine review record with stock tools only (sh, ssh-keygen, sha256sum, xxd,
# base64, jq, coreutils; git with a snapshot):
#   sh verify.sh [-t TRUSTED_ALLOWED_SIGNERS] [-r RECORD_DIR] [SNAPSHOT_DIR [PREVIOUS_SNAPSHOT_DIR]]
# RECORD_DIR is the unpacked record (default: the directory this script is in, so that `sh ./verify.sh`
# inside a record checks that record). Run a copy of this script you trust, never one a record brought
# whose exporter is not on your side (VERIFY.md says where a trusted copy comes from and how to check it).
# With -t, every signature must also verify against TRUSTED_ALLOWED_SIGNERS (your own allowed_signers,
# from outside the record), and the roles come from it; without it, who signed and with which role is
# only the record's own allowed_signers' word, that is the exporter's.
#
# It checks every entry (size, then signature, then canonical JSON form, fields, signer and role, each
# author's seq/prev chain, the status policy), the Merkle root and size against the signed checkpoint,
# the earlier checkpoints, the files the checkpoint binds, the signed statement of every file of the
# bundle (FILES.sha256, format 2), that the record holds only regular files and directories, what
# record.json says of the snapshot and the people (swhid made of the SHA-1 tree id, participants as in
# allowed_signers, the exporter's key the one that signed), and, given the snapshot directory, its git tree
# ids (SHA-256 and SHA-1), its manifest and every anchor; given the snapshot of the version this record
# continues (`vitrine port`), its git tree ids and where every ported thread pointed there (same blob, the
# quote's hash at the old lines). health.json, the snapshot health report, is only read as JSON: it is the
# exporter's claim here (a note says so), which vitrine verify --snapshot computes again. Each port entry's claim (exact, moved; changed: a confidence)
# is checked against its own hashes. Prints one line per problem ("entries/000003.json: ...") and exits
# 0 when valid, 1 when not, 2 when it cannot run.
#
# Every byte of the record is hostile input: each entry's size and signature are checked before it is
# parsed any further; every field is checked against a strict pattern before it is used; no value from
# the record is ever placed in a program text (sed, awk or jq programs, eval, command substitution):
# values reach jq only as input or through --arg, and other tools only as arguments. A file name is
# never parsed out of a sha256sum list: sha256sum itself writes the line (or the name's part of it) a
# name would have, and whole lines are compared.
set -u
# No program of the record (or of a snapshot) ever runs: every tool is found through PATH, and an empty,
# "." or other relative entry of PATH (PATH=$EXTRA:$PATH with EXTRA unset gives one) names the current
# directory, which is the record's below. So PATH keeps only its absolute entries, before any tool is
# looked up (dirname and mktemp too), and every tool is then resolved once and refused if it lies inside
# the record or a snapshot given (tools_ok below).
abs_path=
old_ifs=$IFS
IFS=:
set -f
for d in $PATH; do
  case $d in /*) abs_path=${abs_path:+$abs_path:}$d ;; esac
done
set +f
IFS=$old_ifs
PATH=$abs_path
export PATH
LC_ALL=C
export LC_ALL
# A time in allowed_signers without a zone is UTC to Vitrine; ssh-keygen reads it in the local zone.
TZ=UTC0
export TZ
umask 077
usage() { echo "usage: sh verify.sh [-t TRUSTED_ALLOWED_SIGNERS] [-r RECORD_DIR] [SNAPSHOT_DIR [PREVIOUS_SNAPSHOT_DIR]]" >&2; exit 2; }
# A path given by the caller, made absolute (relative to where the command was run), before the cd
# below. The value is the caller's, not the record's.
absolute() { case $1 in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$(pwd)" "$1" ;; esac; }
TRUSTED=
RECORD_DIR=
while getopts t:r: opt; do
  case $opt in
    t) TRUSTED=$OPTARG ;;
    r) RECORD_DIR=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ "$#" -le 2 ] || usage
SNAP_DIR=${1:-}
PREV_DIR=${2:-}
if [ -n "$TRUSTED" ]; then
  [ -f "$TRUSTED" ] && [ -r "$TRUSTED" ] || { echo "verify.sh: -t: $TRUSTED is not a readable file" >&2; exit 2; }
  TRUSTED=$(absolute "$TRUSTED")
fi
[ -z "$SNAP_DIR" ] || SNAP_DIR=$(absolute "$SNAP_DIR")
[ -z "$PREV_DIR" ] || PREV_DIR=$(absolute "$PREV_DIR")
# The default record: the directory this script is in (its name's part before the last slash, no
# dirname run for it).
if [ -z "$RECORD_DIR" ]; then
  case $0 in
    */*) RECORD_DIR=${0%/*}; [ -n "$RECORD_DIR" ] || RECORD_DIR=/ ;;
    *) RECORD_DIR=. ;;
  esac
fi
# The tools this script runs (every program it names but the shell's own builtins); a test runs it with a
# PATH that holds these alone. git is needed only with a snapshot.
TOOLS="ssh-keygen sha256sum xxd base64 jq head tail wc cut tr find sed grep sort xargs cmp cat date awk mktemp rm mkdir mv"
[ -z "$SNAP_DIR$PREV_DIR" ] || TOOLS="$TOOLS git"
# The physical path of directory $1 (empty when it is none).
physical() { (cd "$1" 2> /dev/null && pwd -P); }
# Each tool is a program outside the record and the snapshots (an absolute PATH entry could still name
# one of them), or a builtin of the shell: refused otherwise, before the cd into the record.
tools_ok() {
  for t in $TOOLS; do
    at=$(command -v "$t" 2> /dev/null) || { echo "verify.sh: $t is needed" >&2; exit 2; }
    case $at in
      */*) ;;
      *) continue ;;
    esac
    dir=$(physical "${at%/*}")
    for inside in "$RECORD_DIR" ${SNAP_DIR:+"$SNAP_DIR"} ${PREV_DIR:+"$PREV_DIR"}; do
      top=$(physical "$inside")
      [ -n "$top" ] || continue
      case $dir/ in
        "$top"/*) echo "verify.sh: $t would run $at, a program inside $inside, which this script checks: remove that directory from PATH" >&2; exit 2 ;;
      esac
    done
  done
}
tools_ok
cd "$RECORD_DIR" || exit 2
fail=0
T=$(mktemp -d) || exit 2
trap 'rm -rf "$T"' EXIT
# One line per problem; what each concerns is kept, so that a file is not named twice for one cause.
problem() { printf '%s: %s\n' "$1" "$2"; printf '%s\n' "$1" >> "$T/subjects"; fail=1; }
# Bounds, the same as vitrine verify's: an entry or a signature above them is refused unread.
MAX_ENTRY=1048576
MAX_SIG=4096
MAX_META=16777216
sha() { sha256sum < "$1" | cut -d' ' -f1; }
size() { wc -c < "$1" | tr -d ' '; }
b64() { printf '%s' "$1" | base64 | tr -d '\n'; }
# A file name shown in a message: only its safe characters.
shown() { printf '%s' "$1" | tr -c 'A-Za-z0-9._/-' '?'; }
# An RFC 3339 UTC time (2026-01-31T12:00:00Z, already checked) as ssh-keygen takes it (20260131120000Z).
sshtime() { printf '%s' "$1" | tr -d ':T-'; }
# Whether $1 (YYYY-MM-DDTHH:MM:SSZ by pattern) is a real date and time: GNU date reads it and writes it
# back the same. 2026-02-30 or 23:59:60 match the pattern, but ssh-keygen normalises them (to 2026-03-02,
# to the next minute) where date -d refuses them: such a time would check a key at another time than the
# one shown, and turn off the time-order checks. vitrine verify refuses them too ("bad time").
real_time() { [ "$(date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ 2> /dev/null)" = "$1" ]; }
# Seconds since 1970 of a time already checked by real_time; "x" (never a number: every comparison with
# it fails the record, see is_uint) if date cannot read it after all.
epoch() { date -u -d "$1" +%s 2> /dev/null || echo x; }
# How far an entry may be dated before what it follows (the clocks of an air-gapped room differ).
SKEW=86400
# Whether $1 is a decimal integer (no sign, no other character).
is_uint() { case $1 in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac; }

# The record holds regular files and directories only, each file once: a symbolic link, a fifo, a
# device or a socket could make a check read something else than what was signed (or block it forever),
# and a hard link is a member stored twice. Nothing is read before this holds.
find . ! -type f ! -type d -print > "$T/odd" 2> /dev/null || { echo ".: cannot list the record"; echo "INVALID"; exit 1; }
find . -type f -links +1 -print >> "$T/odd" 2> /dev/null || { echo ".: cannot list the record"; echo "INVALID"; exit 1; }
if [ -s "$T/odd" ]; then
  head -n 100 "$T/odd" | while IFS= read -r f; do
    printf '%s: %s\n' "$(shown "${f#./}")" "not a regular file or directory (a link, fifo, device or second copy): a record holds only regular files"
  done
  echo "INVALID"
  exit 1
fi

# The members of the record, before any tool reads one: the only directories are entries/ and checkpoints/,
# and the only files the ones Vitrine writes (a member named jq or find is reported here; it never runs,
# as PATH holds only absolute entries, none inside the record).
# The only directories of a record are entries/ and checkpoints/: any other (an empty one named
# entries/000005.json, say) is reported, and never read as an entry.
find . -mindepth 1 -type d ! -path ./entries ! -path ./checkpoints -print > "$T/dirs" 2> /dev/null \
  || { echo ".: cannot list the record"; echo "INVALID"; exit 1; }
head -n 100 "$T/dirs" | while IFS= read -r f; do
  printf '%s: %s\n' "$(shown "${f#./}")" "a directory where a record has none: a record holds no directories but entries/ and checkpoints/"
done
[ -s "$T/dirs" ] && fail=1
# The files of a record are the ones Vitrine writes, and no other name (a case variant of one, such as
# Report.html, would replace the genuine file on a disk that ignores case): the fixed files at the root,
# and entries/ and checkpoints/, whose names their own checks judge below.
find . -type f ! -path './entries/*' ! -path './checkpoints/*' -print > "$T/files" 2> /dev/null \
  || { echo ".: cannot list the record"; echo "INVALID"; exit 1; }
while IFS= read -r f; do
  case $f in
    ./record.json | ./checkpoint | ./checkpoint.sig | ./allowed_signers | ./MANIFEST.sha256 | ./health.json \
      | ./results.sarif | ./report.html | ./VERIFY.md | ./verify.sh | ./FILES.sha256 | ./FILES.sha256.sig) ;;
    *) problem "$(shown "${f#./}")" "not a file Vitrine writes: a record holds record.json, checkpoint(.sig), allowed_signers, MANIFEST.sha256, health.json, results.sarif, report.html, VERIFY.md, verify.sh, FILES.sha256(.sig), entries/ and checkpoints/, and nothing else (another name, such as a case variant of one of these, would replace the genuine file on a disk that ignores case)" ;;
  esac
done < "$T/files"
# What the members' names broke is reported at the end; record.json's own checks below stop early alone.
members_fail=$fail
fail=0
# The keys each object of a record may have, at every depth: the fields Vitrine's reader knows, whose
# structs refuse any other (serde's deny_unknown_fields), so that both verifiers refuse a key this version
# does not define, and a key a later version gives meaning to does not verify today. Each list is the
# field list of one Rust struct (named beside it); a test of scripts.rs compares them.
# shellcheck disable=SC2016 # a jq program: its $names are jq's
KEYS='
def entry_keys: ["author", "body", "category", "class", "kind", "parent", "prev", "role", "seq", "severity", "snapshot", "status", "target", "time", "v"]; # Entry
def author_keys: ["fingerprint", "principal"]; # Author
def target_keys: ["blob", "lines", "path", "path_bytes", "quote"]; # Target
def quote_keys: ["prefix", "sha256", "suffix"]; # Quote
def port_body_keys: ["annotation", "author", "confidence", "context", "from", "outcome", "port", "text"]; # PortBody
def port_from_keys: ["blob", "lines", "path", "path_bytes", "quote", "snapshot"]; # PortFrom
def person_change_keys: ["principal", "reason", "to"]; # PersonChange
def continues_keys: ["checkpoint", "tree_sha1", "tree_sha256"]; # Continues
def continued_checkpoint_keys: ["origin", "root", "size"]; # ContinuedCheckpoint
def only($k): type != "object" or (keys - $k == []);
'
# record.json holds one JSON value, and no object in it holds a key twice: jq would take the last of two
# (and read a second value as another record), where vitrine verify refuses the file. jq --stream gives
# every key as written, duplicates too: each event's path is compared with the one before it, and a key
# is new to its object where the path first differs (or after the object that held the last one closed).
# Prints "dup" for a key seen twice in one object.
# shellcheck disable=SC2016 # a jq program: its $names are jq's
DUPKEYS='
reduce inputs as $e ({prev: [], seen: [], dup: false};
  if .dup then .
  elif ($e | length) == 1 then
    ($e[0] | length - 2) as $n | .prev = (if $n < 0 then [] else $e[0][:$n] end)
  else
    $e[0] as $p | .prev as $q
    | ([range(0; [($p | length) - 1, ($q | length)] | min) | select($p[.] != $q[.])] | first // ([($p | length) - 1, ($q | length)] | min)) as $i
    | if ($p[$i] | type) == "string" and ((.seen[$i] // []) | index([$p[$i]])) != null then .dup = true
      else .seen = .seen[:$i] + [(.seen[$i] // []) + [$p[$i]]] + [$p[$i + 1:][] | [.]] | .prev = $p end
  end)
| if .dup then "dup" else empty end'
# record.json: size, then its fields, each against a pattern.
# shellcheck disable=SC2016 # a jq program: its $names are jq's
HEADER="$KEYS"'
def hex64: type == "string" and test("^[0-9a-f]{64}$");
def name: type == "string" and length > 0 and length <= 256
  and (explode | all(. > 32 and . != 127 and (. < 128 or . > 159) and . != 34 and . != 33 and . != 35
    and . != 42 and . != 44 and . != 63));
def time: type == "string" and test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$");
if type == "object" and .format == "vitrine-record" and (.v == 1 or .v == 2)
  and (.snapshot | type == "object") and (.snapshot.tree_sha256 | hex64)
  and (.exported_by | type == "object") and (.exported_by.principal | name)
  and (.exported_at | time)
  and (.entries | type == "number" and . == floor and . >= 0 and . <= 9007199254740991)
  and (.exported_by | only(author_keys)) and (.continues | only(continues_keys))
  and (.continues | if type == "object" then .checkpoint | only(continued_checkpoint_keys) else true end)
then .v, .snapshot.tree_sha256, .exported_by.principal, .exported_at, .entries
else error("record.json") end'
# One grammar with vitrine verify for the exporter's own record.json: no byte order mark (jq skips one,
# serde refuses it) and every number an integer as Vitrine writes it: with the strings taken out, no digit
# is followed by a fraction or an exponent and there is no minus sign (jq reads 2.0 and 2e0 as 2, serde
# refuses them where it wants an unsigned integer). A string cannot span lines, so sed sees each whole.
if [ ! -f record.json ] || [ "$(size record.json)" -gt "$MAX_META" ] \
    || [ "$(head -c 3 record.json | xxd -p)" = efbbbf ] \
    || sed -E 's/"([^"\\]|\\.)*"//g' record.json | grep -Eq '[0-9][.eE]|-' \
    || [ "$(jq -s length record.json 2> /dev/null)" != 1 ] \
    || [ -n "$(jq -n --stream -r "$DUPKEYS" record.json 2> /dev/null || echo error)" ] \
    || ! jq -r "$HEADER" record.json > "$T/header" 2> /dev/null; then
  echo "record.json: missing, unreadable or not a record of a format this script knows (the record checked is the directory -r names, else the one this script is in: $(shown "$(pwd)"))"
  echo "INVALID"
  exit 1
fi
{ read -r format; read -r snap; read -r exporter; read -r exported_at; read -r declared; } < "$T/header"
real_time "$exported_at" || problem record.json "bad exported_at $exported_at: not a real date and time"
# No entry is dated more than the clocks' skew after the record's export or this machine's clock (an entry
# from the future makes every honest answer to it look backdated), nor is the export itself.
NOW=$(date -u +%s)
NOW_TEXT=$(date -u -d "@$NOW" +%Y-%m-%dT%H:%M:%SZ)
FUTURE="dated in the future, or clocks far apart"
exp_t=$(epoch "$exported_at")
if is_uint "$exp_t" && [ "$exp_t" -gt $((NOW + SKEW)) ]; then
  problem record.json "exported_at $exported_at, more than a day after this machine's clock ($NOW_TEXT): $FUTURE"
fi
for f in allowed_signers checkpoint checkpoint.sig FILES.sha256 FILES.sha256.sig MANIFEST.sha256 health.json; do
  [ -f "$f" ] && [ "$(size "$f")" -gt "$MAX_META" ] && { problem "$f" "larger than $MAX_META bytes"; }
done
[ "$fail" -eq 0 ] || { echo "INVALID"; exit 1; }
[ "$members_fail" -eq 0 ] || fail=1
[ -f allowed_signers ] || problem allowed_signers missing

# The people: one line "FINGERPRINT ROLE PRINCIPAL_BASE64" per key of allowed_signers, the fingerprint
# computed by ssh-keygen, for the role check. jq splits each line (principal, options, key, comment).
# shellcheck disable=SC2016 # a jq program: its $names are jq's
PEOPLE='
select(test("^[ \t]*(#|$)") | not)
| [splits("[ \t]+")] | map(select(length > 0))
| (if (.[1] // "" | startswith("ssh-")) then 1 else 2 end) as $k
| (.[$k] // ""), (.[$k + 1] // ""),
  ((.[$k + 2:] | map(select(startswith("role="))) | first // "role=") | .[5:]),
  (.[0] | ltrimstr("\"") | rtrimstr("\"") | @base64)'
# One grammar with vitrine verify (and ssh-keygen): fields are separated by spaces and tabs only, and a
# line (a comment too) holding any other whitespace or control character (CR, U+00A0, U+3000, ...) is
# refused, so that no two readers split it differently; a quoted principal is one token "NAME"; options are
# name="value" pairs (no quote, backslash or space inside), each once: namespaces, literal (ssh-keygen reads
# * ? ! as patterns), valid-after and valid-before as YYYYMMDD[HHMM[SS]][Z] from 1970 on, a real date and
# time (no "UTC" suffix, no second 60, no 31 February). A line vitrine verify would refuse (a principal
# pattern, another key type, an option or a form it does not know) makes the whole file unreadable for
# both: no entry then has a signer.
# shellcheck disable=SC2016 # a jq program: its $names are jq's
ODD='
def refused: . != 9 and (. < 32 or (. >= 127 and . <= 160) or . == 5760 or (. >= 8192 and . <= 8202)
  or . == 8232 or . == 8233 or . == 8239 or . == 8287 or . == 12288);
def leap: (. % 4 == 0 and . % 100 != 0) or . % 400 == 0;
def num($a; $b): .[$a:$b] | if . == "" then 0 else tonumber end;
def sshtime: test("^[0-9]{8}([0-9]{4}([0-9]{2})?)?Z?$") and (rtrimstr("Z")
  | num(0; 4) as $y | num(4; 6) as $m | num(6; 8) as $d
  | $y >= 1970 and $m >= 1 and $m <= 12 and $d >= 1
  and $d <= ([31, (if ($y | leap) then 29 else 28 end), 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] | .[$m - 1])
  and num(8; 10) <= 23 and num(10; 12) <= 59 and num(12; 14) <= 59);
def option_ok: (.n | IN("namespaces", "valid-after", "valid-before"))
  and (if .n == "namespaces" then .v | test("[*?!]") | not else .v | sshtime end);
def options_ok: test("^[A-Za-z-]+=\"[^\"\\\\]*\"(,[A-Za-z-]+=\"[^\"\\\\]*\")*$")
  and ([match("([A-Za-z-]+)=\"([^\"\\\\]*)\""; "g")
    | {n: (.captures[0].string | ascii_downcase), v: .captures[1].string}]
    | (map(.n) | length == (unique | length)) and all(option_ok));
if explode | any(refused) then "odd"
elif test("^[ \t]*(#|$)") then empty
else [splits("[ \t]+")] | map(select(length > 0))
  | (if (.[1] // "" | startswith("ssh-")) then 1 else 2 end) as $k
  | if (.[0] | test("^\"[^\"]*\"$") or (test("\"") | not) | not)
      or (.[0] | ltrimstr("\"") | rtrimstr("\"") | length == 0 or test("[*?!,\"#]"))
      or .[$k] != "ssh-ed25519"
      or ($k == 2 and (.[1] | options_ok | not))
    then "odd" else empty end
end'
# Whether allowed_signers file $1 is text as jq reads it: valid UTF-8 (jq would read an invalid byte as
# U+FFFD, where vitrine verify refuses the file).
utf8_file() { [ "$(jq -Rsj . "$1" 2> /dev/null | sha256sum)" = "$(sha256sum < "$1")" ]; }
: > "$T/people"
# The Ed25519 public keys of small order (the identity and the seven other points of order 2, 4 and 8,
# each encoding: canonical, y + p, either sign bit), in hex. For such a key R = identity, S = 0 verifies
# for every message (ssh-keygen accepts it), so a signature under it binds no one: vitrine refuses them.
WEAK_KEYS='0000000000000000000000000000000000000000000000000000000000000000 0000000000000000000000000000000000000000000000000000000000000080 edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff 0100000000000000000000000000000000000000000000000000000000000000 0100000000000000000000000000000000000000000000000000000000000080 eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff 26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05 26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85 c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa'
WEAK_KEY="is an Ed25519 key of small order (a weak key: anyone can make a signature that verifies under it), refused"
# people_of FILE OUT: the people of an allowed_signers file, as above (a key without a role: "(none)",
# which no entry's role can be). A weak key makes the file unreadable ($kwhy says so), as for vitrine.
people_of() {
  kwhy=
  jq -Rr "$PEOPLE" "$1" > "$T/people.raw" 2> /dev/null || return 1
  : > "$2"
  while read -r ktype; read -r kdata; read -r krole; read -r kwho; do
    khex=$(printf '%s' "$kdata" | base64 -d 2> /dev/null | xxd -p | tr -d '\n')
    case " $WEAK_KEYS " in
      *" ${khex#0000000b7373682d6564323535313900000020} "*)
        kwhy="key $kdata $WEAK_KEY"; return 1 ;;
    esac
    printf '%s %s\n' "$ktype" "$kdata" > "$T/key.pub"
    kfp=$(ssh-keygen -l -f "$T/key.pub" 2> /dev/null | cut -d' ' -f2)
    # A key ssh-keygen cannot read makes the file unreadable, as it does for vitrine verify.
    [ -n "$kfp" ] || return 1
    printf '%s %s %s\n' "$kfp" "${krole:-(none)}" "$kwho" >> "$2"
  done < "$T/people.raw"
}
# The file every signature is checked against with ssh-keygen: allowed_signers, or, when vitrine verify
# cannot read it (and so finds no signer for anything), an empty one, so that neither verifier finds one.
SIGNERS=allowed_signers
if [ -f allowed_signers ] && { ! utf8_file allowed_signers \
    || [ -n "$(jq -Rr "$ODD" allowed_signers 2> /dev/null | head -n 1)" ]; }; then
  problem allowed_signers "a line is not one Vitrine reads (a character, principal pattern, key type, option or form)"
  : > "$T/people"
elif [ -f allowed_signers ] && people_of allowed_signers "$T/people"; then
  :
else
  [ -f allowed_signers ] && problem allowed_signers "${kwhy:-unreadable}"
  : > "$T/people"
fi
[ -s "$T/people" ] || { : > "$T/nobody"; SIGNERS=$T/nobody; }
# One key, one role; one principal, one role (a second key of a principal inherits none of its own): each
# conflict is a problem, in vitrine verify's words. Principals and roles are shown with every character
# but printable ASCII as <U+XXXX>.
# shellcheck disable=SC2016 # a jq program: its $names are jq's
CONFLICTS='
def hex: if . < 16 then "0123456789ABCDEF"[.:. + 1] else (. / 16 | floor | hex) + (. % 16 | hex) end;
def marker: "<U+" + (hex | if length < 4 then "0000"[length:] + . else . end) + ">";
def esc: explode | map(if . > 32 and . < 127 then [.] | implode else marker end) | add // "";
[inputs | split(" ")] as $l
| ($l | group_by(.[0])[] | select(map(.[1]) | unique | length > 1)
    | "key \(.[0][0]) is listed with the roles \(map(.[1]) | unique | map(esc) | join(" and ")): one key has one role"),
  ($l | group_by(.[2])[] | select(map(.[1]) | unique | length > 1)
    | "principal \(.[0][2] | @base64d | esc) is listed with the roles \(map(.[1]) | unique | map(esc) | join(" and ")): one principal has one role (a second key inherits none of its own)")'
jq -Rnr "$CONFLICTS" < "$T/people" > "$T/conflicts" 2> /dev/null || problem allowed_signers "unreadable"
while IFS= read -r c; do problem allowed_signers "$c"; done < "$T/conflicts"
# What record.json says that no view re-derives (the views render it from the header), checked as vitrine
# verify checks it: swhid is swh:1:dir: and the SHA-1 tree id (which the snapshot, when given, checks
# below), participants are allowed_signers' people (principal, role, key of each line, in its order, as
# Vitrine exports them), and the exporter's key is the one that signed the checkpoint and FILES.sha256.
# shellcheck disable=SC2016 # a jq program: its $names are jq's
CLAIMS='
(.snapshot.tree_sha1 | if type == "string" and test("^[0-9a-f]{40}$") then . else "-" end),
(.snapshot.swhid | tostring | @base64),
(.exported_by.fingerprint | if type == "string" and test("^SHA256:[A-Za-z0-9+/]{43}$") then . else "-" end),
(.continues.tree_sha1 // "-" | tostring | @base64)'
# shellcheck disable=SC2016 # a jq program: its $names are jq's
PARTICIPANTS='
if (.participants | type) == "array" then .participants[]
  | if type == "object" and (.fingerprint | type == "string" and test("^SHA256:[A-Za-z0-9+/]{43}$"))
      and (.role | type == "string" and test("^[^ \t\n]*$") and . != "(none)") and (.principal | type == "string")
    then "\(.fingerprint) \(if .role == "" then "(none)" else .role end) \(.principal | @base64)"
    else "malformed" end
else "malformed" end'
if jq -r "$CLAIMS" record.json > "$T/claims" 2> /dev/null; then
  { read -r snap1; read -r swhid64; read -r exp_fp; read -r cont1_64; } < "$T/claims"
else
  snap1=-; swhid64=; exp_fp=-; cont1_64=
fi
if [ "$snap1" = - ]; then
  problem record.json "snapshot.tree_sha1 is not a SHA-1 tree id (40 lowercase hex digits)"
elif [ "$swhid64" != "$(b64 "swh:1:dir:$snap1")" ]; then
  problem record.json "snapshot.swhid $(shown "$(printf '%s' "$swhid64" | base64 -d 2> /dev/null)") is not swh:1:dir: and the record's SHA-1 tree id $snap1: it names another directory"
fi
if ! jq -r "$PARTICIPANTS" record.json > "$T/participants" 2> /dev/null || ! cmp -s "$T/participants" "$T/people"; then
  problem record.json "participants are not allowed_signers' people (the principal, role and key of each line, in its order): the record lists its people otherwise than the file that decides who signed"
fi
# Whether the output $1 of ssh-keygen -Y verify names the exporter's key (it ends with the signing key's
# fingerprint) as record.json does; says which key signed when not.
exporter_key() {
  [ "${1##* }" = "$exp_fp" ] && return 0
  echo "made by key $(shown "${1##* }"), but record.json names the exporter's key $(shown "$exp_fp")"
  return 1
}
# The trusted signers (-t): the caller's own allowed_signers, from outside the record. Every signature
# must verify against it too, and an entry's role must be the one it gives that key and principal.
if [ -n "$TRUSTED" ]; then
  if ! utf8_file "$TRUSTED" || [ -n "$(jq -Rr "$ODD" "$TRUSTED" 2> /dev/null | head -n 1)" ] \
      || ! people_of "$TRUSTED" "$T/trusted"; then
    echo "verify.sh: -t: cannot read $TRUSTED as an allowed_signers file${kwhy:+: $kwhy}" >&2; exit 2
  fi
fi
# The role the trusted signers file gives key $1 under principal $2 (base64): the role of the lines that
# list both, "(none)" when none does, "(several)" when they differ.
trusted_role() {
  tr_role=
  while read -r tfp trole twho; do
    [ "$tfp" = "$1" ] && [ "$twho" = "$2" ] || continue
    if [ -z "$tr_role" ]; then tr_role=$trole; elif [ "$tr_role" != "$trole" ]; then tr_role="(several)"; fi
  done < "$T/trusted"
  printf '%s' "${tr_role:-(none)}"
}
# With trusted signers: each of the record's people (its participants, checked above to be these) has the
# role the trusted file gives its key, whoever signed anything (vitrine verify's pin_signers), when it
# lists that key at all.
if [ -n "$TRUSTED" ]; then
  while read -r pfp prole _; do
    troles=$(while read -r tfp trole _; do [ "$tfp" = "$pfp" ] && printf '%s\n' "$trole"; done < "$T/trusted" | sort -u)
    [ -z "$troles" ] || [ "$troles" = "$prole" ] \
      || problem record.json "participant key $pfp has the role $(shown "$prole") in the record but another in the trusted signers file"
  done < "$T/people"
fi
# Whether signature $2 over file $1 verifies for principal $3, namespace $4, at time $5 (ssh-keygen's
# form) against the trusted signers; true when none were given.
trusted_sig() {
  [ -z "$TRUSTED" ] || ssh-keygen -Y verify -f "$TRUSTED" -I "$3" -n "$4" -s "$2" -Overify-time="$5" < "$1" > /dev/null 2>&1
}
# What vitrine verify says of a signature whose Ed25519 scalar S is not below the group order L.
NOT_CANONICAL="is not canonical Ed25519 (S >= L): a signature altered without its key, refused"
# What vitrine verify says of a signature file in any layout but the one ssh-keygen -Y sign writes.
NOT_AS_WRITTEN="not laid out as ssh-keygen -Y sign writes it (the BEGIN line, Base64 in 70-column lines, the END line, each ending in LF, nothing else), refused"
# Whether signature file $1 is laid out byte for byte as ssh-keygen -Y sign writes it: the BEGIN line,
# Base64 lines of exactly 70 characters but the last (1 to 70), the END line, each ending in LF (no CR,
# no blank, nothing after END). ssh-keygen ignores text after END and blanks in the Base64 but refuses CRLF,
# vitrine's reader the same as this: one armor rule in both verifiers, so that no one can re-wrap a
# signature without its key to make it verify in one and not the other.
armor_ok() {
  [ "$(tail -c 1 "$1" | xxd -p)" = 0a ] || return 1
  LC_ALL=C awk 'NR == 1 { if ($0 != "-----BEGIN SSH SIGNATURE-----") bad = 1; next }
    done { bad = 1 }
    $0 == "-----END SSH SIGNATURE-----" { if (NR < 3) bad = 1; done = 1; next }
    short || length($0) > 70 || $0 !~ /^[A-Za-z0-9+\/=]+$/ { bad = 1 }
    length($0) < 70 { short = 1 }
    END { exit !(done && !bad) }' "$1"
}
# Whether the SSHSIG in file $1 (one ssh-keygen has accepted, so its blob ends with the signature, and no
# data follows it) holds an Ed25519 signature whose S is below the group order L. ssh-keygen checks only
# the top three bits of S, so S + L, which anyone can make from a genuine signature without the key,
# passes there; vitrine verify (and RFC 8032) refuses it. The blob's last 87 bytes are the signature
# string: lengths 83, 11, "ssh-ed25519", 64, then R and S (32 bytes each, little-endian); jq compares
# S, written most significant byte first in hex, with L as strings of the same length.
canonical_sig() {
  tail87=$(sed -n '2,/^-----END SSH SIGNATURE-----/p' "$1" | sed '$d' | tr -d ' \t\r\n\v\f' \
    | base64 -d 2> /dev/null | tail -c 87 | xxd -p | tr -d '\n')
  # shellcheck disable=SC2016 # a jq program: its $names are jq's
  [ "$(jq -n --arg t "$tail87" '$t | length == 174
    and startswith("000000530000000b7373682d6564323535313900000040")
    and ([range(31; -1; -1) as $i | .[110 + 2 * $i:112 + 2 * $i]] | add)
      < "1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed"' 2> /dev/null)" = true ]
}
# The name part of each line of a sha256sum list (MANIFEST.sha256, FILES.sha256): the line without its
# hash, the escape mark "\" kept in front. Names are never unescaped or parsed: a name is looked up as
# sha256sum writes it (listed_name below).
names_of() { sed 's/^\(\\\{0,1\}\)[0-9a-f]\{64\}  /\1/' "$1"; }
# sha256sum lines (stdin) of names given to it as ./NAME, written as for NAME: the "./" it was given
# (so that no name is read as an option or as "-", standard input) is taken off each line, after the
# hash and its escape mark. Nothing else of a line changes.
undot() { sed 's/^\(\\\{0,1\}[0-9a-f]\{64\}  \)\.\//\1/'; }
# Whether the list of names $2 (from names_of) lists the path $1: sha256sum writes the line an empty file
# of that name has (escaping a backslash, a newline or a carriage return as it does), and its name part
# must be a whole line of $2. Nothing but the empty file is opened.
listed_name() {
  rm -rf "$T/n" && mkdir "$T/n" || exit 2
  case $1 in */*) mkdir -p -- "$T/n/${1%/*}" 2> /dev/null || return 1 ;; esac
  { : > "$T/n/$1"; } 2> /dev/null || return 1
  k=$(cd "$T/n" && sha256sum -- "./$1" < /dev/null > "$T/nline0" && undot < "$T/nline0" > "$T/nline" \
    && names_of "$T/nline") || { echo "verify.sh: sha256sum failed on a name of the manifest" >&2; exit 2; }
  [ -n "$k" ] && grep -Fxq -e "$k" "$2"
}
# A path from an entry (base64 of its text, or hex of its bytes, as $1 says) as its bytes, in $p, whole
# (a trailing newline too).
path_of() {
  case $1 in
    text) p=$(printf '%s' "$2" | base64 -d && printf x) ;;
    *) p=$(printf '%s' "$2" | xxd -r -p && printf x) ;;
  esac
  p=${p%x}
}

# Whether checkpoint file $1 is one as Vitrine writes and reads it (prints why not): UTF-8, every line
# ending in a newline and none empty, the size a decimal number without leading zeros, the root 32 bytes
# of canonical Base64. vitrine verify reads nothing else of a checkpoint that is not.
checkpoint_ok() {
  if [ "$(tail -c 1 "$1" | xxd -p)" != 0a ]; then echo "does not end with a newline"; return 1; fi
  if grep -q '^$' "$1"; then echo "empty line"; return 1; fi
  if ! utf8_file "$1"; then echo "not UTF-8"; return 1; fi
  if ! sed -n 2p "$1" | grep -Eqx '0|[1-9][0-9]*'; then echo "size is not a decimal number"; return 1; fi
  if ! sed -n 3p "$1" | grep -Eqx '[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]='; then echo "root is not base64 of 32 bytes"; return 1; fi
}
# The checkpoint: its signature, then the files its extension lines bind.
cp_ok=0
if [ ! -f checkpoint ]; then
  problem checkpoint missing
elif ! cp_why=$(checkpoint_ok checkpoint); then
  problem checkpoint "$cp_why"
else
  cp_ok=1
  if [ ! -f checkpoint.sig ]; then
    problem checkpoint.sig missing
  elif ! armor_ok checkpoint.sig; then
    problem checkpoint.sig "unreadable SSHSIG: $NOT_AS_WRITTEN"
  elif ! out=$(ssh-keygen -Y verify -f "$SIGNERS" -I "$exporter" -n checkpoint@vitrine -s checkpoint.sig \
      -Overify-time="$(sshtime "$exported_at")" < checkpoint 2>&1); then
    problem checkpoint.sig "does not verify for the exporter (namespace checkpoint@vitrine)"
  elif ! why=$(exporter_key "$out"); then
    problem checkpoint.sig "$why"
  elif ! trusted_sig checkpoint checkpoint.sig "$exporter" checkpoint@vitrine "$(sshtime "$exported_at")"; then
    problem checkpoint.sig "does not verify for the exporter against the trusted signers file (namespace checkpoint@vitrine)"
  elif ! canonical_sig checkpoint.sig; then
    problem checkpoint.sig "signature: $NOT_CANONICAL"
  fi
  [ "$(head -n 1 checkpoint)" = "vitrine.review/$snap" ] || problem checkpoint "origin is not this record's snapshot"
  for pair in record:record.json allowed_signers:allowed_signers manifest:MANIFEST.sha256 health:health.json; do
    name=${pair%%:*}; file=${pair#*:}
    # The extension lines from line 4 on: "NAME sha256:HEX", NAME one of the constants above.
    want=$(tail -n +4 checkpoint | jq -Rr --arg n "$name " 'select(startswith($n)) | .[($n | length):] | ltrimstr("sha256:")' | head -n 1)
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
# shellcheck disable=SC2016 # a jq program: its $names are jq's
CANON_DEFS='
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
  else tojson end;'
# shellcheck disable=SC2016 # a jq program: its $names are jq's
CANON="$CANON_DEFS"'
if length == 1 then .[0] | canon else error("not one JSON value") end'
# Every key of an entry, at every depth, is one its structure defines (KEYS above): the entry itself, its
# author, target and quote, and the JSON of a port's or a person change's body, which must itself be
# canonical (no key twice: jq would take the last). Prints true, or false, or fails.
# shellcheck disable=SC2016 # a jq program: its $names are jq's
SCHEMA="$KEYS$CANON_DEFS"'
only(entry_keys) and (.author | only(author_keys)) and (.target | only(target_keys))
and (.target | if type == "object" then .quote | only(quote_keys) else true end)
and (if (.kind | IN("anchor-port", "retire", "rename")) and (.body | type == "string") then
    .body as $text | ($text | fromjson) as $b | ($b | canon) == $text
    and if .kind == "anchor-port" then ($b | only(port_body_keys))
        and ($b.from | only(port_from_keys))
        and ($b.from | if type == "object" then .quote | only(quote_keys) else true end)
      else $b | only(person_change_keys) end
  else true end)'

# The fields of an entry, each checked against its pattern, one per line (or an error).
# shellcheck disable=SC2016 # a jq program: its $names are jq's
FIELDS='
def hex64: type == "string" and test("^[0-9a-f]{64}$");
def name: type == "string" and length > 0 and length <= 256
  and (explode | all(. > 32 and . != 127 and (. < 128 or . > 159) and . != 34 and . != 33 and . != 35
    and . != 42 and . != 44 and . != 63));
def person: (.kind | IN("retire", "rename")) as $p
  | ($p == (.v == 3))
  and (if $p then .target == null and .parent == null and .status == null and (.body | type == "string")
    and (.body | fromjson | type == "object" and (.principal | name) and ((.to // "") | . == "" or name))
    and ((.kind == "rename") == ((.body | fromjson | .to) != null))
  else true end);
if type == "object" and (.v == 1 or .v == 2 or .v == 3)
  and (.seq | type == "number" and . == floor and . >= 1 and . <= 9007199254740991)
  and ((.prev // "") | . == "" or hex64) and ((.parent // "") | . == "" or hex64)
  and (.kind | IN("annotation", "reply", "status", "retract", "review-mark", "anchor-port", "retire", "rename"))
  and (.author | type == "object") and (.author.principal | name)
  and (.author.fingerprint | type == "string" and test("^SHA256:[A-Za-z0-9+/]{43}$"))
  and (.role | type == "string" and test("^[A-Za-z0-9_-]{1,64}$"))
  and (.time | type == "string" and test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"))
  and (.snapshot | hex64)
  and ((.status // "") | . == "" or IN("open", "acknowledged", "disputed", "fixed", "accepted-risk", "closed"))
  and (.target == null or (.target | type == "object" and (.path | type == "string") and (.blob | hex64)
    and (.path_bytes == null or (.path_bytes | type == "string" and test("^([0-9a-f]{2})+$")))
    and (.lines == null or (.lines | type == "array" and length == 2
      and all(type == "number" and . == floor and . >= 1 and . <= 9007199254740991)))))
  and ((.v == 2) == (.target != null and .target.path_bytes != null)) and person
then .seq, (.prev // "-"), (.parent // "-"), .kind, .author.principal, .author.fingerprint, .role, .time,
  .snapshot, (.status // "-"), (if .kind | IN("retire", "rename") then .body | fromjson | .principal
    elif .kind == "anchor-port" then .body | fromjson | .author | if name then . else error("fields") end
    else "-" end)
else error("fields") end'

# The policy (policy.rs, ARCHITECTURE.md), as two tables, each line "WHAT SIDE...": who signs an entry of
# each kind at all (KIND_SIGNERS), and who besides the annotation's author makes each change to a thread
# (CHANGERS: a status, or retract). A side is reviewing (reviewer, lead), vendor, or other (any other
# role). A test of scripts.rs compares both with Vitrine's (policy::signers_of, policy::changers_of).
KIND_SIGNERS='
annotation reviewing vendor other
reply reviewing vendor other
status reviewing vendor other
retract reviewing vendor other
review-mark reviewing
anchor-port reviewing
retire reviewing
rename reviewing
'
CHANGERS='
open reviewing
acknowledged reviewing vendor
disputed reviewing vendor
fixed reviewing vendor
accepted-risk reviewing
closed reviewing
retract
'
# The side of role $1 (the role word exactly, as Vitrine reads it).
side_of() { case $1 in reviewer | lead) echo reviewing ;; vendor) echo vendor ;; *) echo other ;; esac; }
# Whether table $1 lets side $3 do $2 (a kind or a change): the sides on the line of $2.
allows() { # TABLE WHAT SIDE
  while read -r what sides; do
    [ "$what" = "$2" ] || continue
    case " $sides " in *" $3 "*) return 0 ;; esac
    return 1
  done << EOF_TABLE
$1
EOF_TABLE
  return 1
}
# Prints why the signer (role $1, principal $2) may not sign an entry of kind $3, nothing when it may.
kind_policy() { # ROLE PRINCIPAL KIND
  allows "$KIND_SIGNERS" "$3" "$(side_of "$1")" && return 0
  case $3 in
    review-mark) echo "$1 $(shown "$2") may not mark a file reviewed (sign a review-mark): only a reviewer or a lead attests that a file was reviewed" ;;
    anchor-port) echo "$1 $(shown "$2") may not carry over another party's annotation: only a reviewer or a lead carries a thread over to a new version" ;;
    retire | rename) echo "$1 $(shown "$2") may not retire or rename a person: only a reviewer or a lead does" ;;
    *) echo "$1 $(shown "$2") may not sign a $3 entry" ;;
  esac
}
# Prints why a change to a thread (by role $1, the annotation's author or not: $2, kind $3, status $4) is
# not allowed, nothing when it is.
policy() { # ROLE IS_AUTHOR KIND STATUS
  [ "$2" = yes ] && return 0
  change=$4
  [ "$3" = retract ] && change=retract
  allows "$CHANGERS" "$change" "$(side_of "$1")" && return 0
  case $change in
    retract) echo "only the annotation's author retracts it" ;;
    *) echo "$1 may not set $change on another party's annotation: only the annotation's author, a reviewer or a lead accepts a risk, closes or reopens; only they and the vendor answer a finding" ;;
  esac
}

# Entries, in name order: numbering, size, signature, canonical form, fields, snapshot, signer, role,
# chain, parent, policy. The entries that pass are listed in $T/ok for the anchor checks.
: > "$T/ids"; : > "$T/leaves"; : > "$T/ok"; : > "$T/retired"; : > "$T/times"; : > "$T/order"
mkdir "$T/e" "$T/h" "$T/t" "$T/f" "$T/r" || exit 2
n=0
for e in entries/*; do
  [ -e "$e" ] || continue
  # A directory is reported above, with the record's other directories; it is no entry.
  [ -d "$e" ] && continue
  case $e in
    entries/*.json) ;;
    entries/*.json.sig) [ -f "${e%.sig}" ] || problem "$(shown "$e")" "signature without its entry"; continue ;;
    *) problem "$(shown "$e")" "unexpected file in entries/"; continue ;;
  esac
  n=$((n + 1))
  { printf '\000'; cat "$e"; } | sha256sum | cut -d' ' -f1 >> "$T/leaves"
  expected=$(printf 'entries/%06d.json' "$n")
  if [ "$e" != "$expected" ]; then
    problem "$(shown "$e")" "out of sequence: expected $expected here (an entry was deleted or added)"
    [ "$(shown "$e")" = "$e" ] || continue
  fi
  if [ ! -f "$e" ]; then problem "$e" "not a regular file"; continue; fi
  if [ "$(size "$e")" -gt "$MAX_ENTRY" ]; then problem "$e" "larger than $MAX_ENTRY bytes: refused unread"; continue; fi
  if [ ! -f "$e.sig" ]; then problem "$e" "no signature file"; continue; fi
  if [ "$(size "$e.sig")" -gt "$MAX_SIG" ]; then problem "$e" "signature larger than $MAX_SIG bytes: refused unread"; continue; fi
  # The signature, by any key, before the entry is parsed; the signer is checked below.
  if ! armor_ok "$e.sig"; then problem "$e" "signature: unreadable SSHSIG: $NOT_AS_WRITTEN"; continue; fi
  if ! ssh-keygen -Y check-novalidate -n entry@vitrine -s "$e.sig" < "$e" > /dev/null 2>&1; then
    problem "$e" "signature does not verify (namespace entry@vitrine)"; continue
  fi
  if ! canonical_sig "$e.sig"; then problem "$e" "signature $NOT_CANONICAL"; continue; fi
  id=$(sha "$e")
  if ! jq -sj "$CANON" "$e" > "$T/canon" 2> /dev/null || [ "$(sha "$T/canon")" != "$id" ]; then
    problem "$e" "not in canonical JSON form (RFC 8785)"; continue
  fi
  if ! jq -r "$FIELDS" "$e" > "$T/fields" 2> /dev/null; then problem "$e" "a field is missing or malformed"; continue; fi
  if [ "$(jq -r "$SCHEMA" "$e" 2> /dev/null)" != true ]; then
    problem "$e" "unknown field: a key its format does not define (at any depth, the body of a port or a person change too), or a body that is not canonical JSON"; continue
  fi
  { read -r seq; read -r prev; read -r parent; read -r kind; read -r principal; read -r fp; read -r role
    read -r when; read -r esnap; read -r status; read -r subject; } < "$T/fields"
  if ! real_time "$when"; then problem "$e" "bad time $when: not a real date and time"; continue; fi
  if [ "$esnap" != "$snap" ]; then problem "$e" "belongs to snapshot $esnap, not $snap (replayed from another review?)"; continue; fi
  if ! out=$(ssh-keygen -Y verify -f "$SIGNERS" -I "$principal" -n entry@vitrine -s "$e.sig" \
      -Overify-time="$(sshtime "$when")" < "$e" 2>&1); then
    problem "$e" "signature does not verify for its author at $when (namespace entry@vitrine)"; continue
  fi
  # ssh-keygen ends its line with the signing key's fingerprint: it must be the entry's, whole.
  kfp=${out##* }
  if [ "$kfp" != "$fp" ]; then problem "$e" "signed by key $(shown "$kfp"), not the $fp the entry names"; continue; fi
  who=$(b64 "$principal")
  grep -Fxq -e "$fp $role $who" "$T/people" || { problem "$e" "role $role is not its author's role in allowed_signers"; continue; }
  # With trusted signers: the same key under the same principal, valid at the entry's time, and the
  # role the trusted file gives it (which the status policy below then uses).
  if ! trusted_sig "$e" "$e.sig" "$principal" entry@vitrine "$(sshtime "$when")"; then
    problem "$e" "signature does not verify against the trusted signers file for its author at $when: that key is not trusted as $(shown "$principal")"; continue
  fi
  if [ -n "$TRUSTED" ]; then
    trole=$(trusted_role "$fp" "$who")
    if [ "$trole" != "$role" ]; then
      problem "$e" "role $role in the record, $(shown "$trole") in the trusted signers file"; continue
    fi
    role=$trole
  fi
  if grep -Fxq -e "$id" "$T/ids"; then problem "$e" "duplicate of entry $id"; continue; fi
  key=$(printf '%s' "$fp" | sha256sum | cut -c1-16)
  if [ -f "$T/h/$key" ]; then
    read -r hseq hid < "$T/h/$key"
    if [ "$seq" != "$((hseq + 1))" ]; then problem "$e" "seq $seq follows seq $hseq of that key: entries missing, duplicated or out of order"; continue; fi
    if [ "$prev" != "$hid" ]; then problem "$e" "prev does not match the previous entry $hid of that key: chain broken"; continue; fi
  elif [ "$seq" != 1 ]; then
    problem "$e" "seq $seq, but no earlier entry of that key is in the log"; continue
  fi
  if [ "$parent" != - ] && ! grep -Fxq -e "$parent" "$T/ids"; then problem "$e" "refers to entry $parent, which is not earlier in the log"; continue; fi
  # Not dated before its key's previous entry or the entry it answers, beyond the clocks' skew: an entry's
  # time is its signer's word, and a key that has expired would otherwise sign on under an earlier date.
  t=$(epoch "$when")
  if ! is_uint "$t"; then problem "$e" "bad time $when: not a real date and time"; continue; fi
  if [ -f "$T/h/$key" ] && [ "$t" -lt $(($(cat "$T/t/$hid") - SKEW)) ]; then
    problem "$e" "dated $when, before its key's previous entry $hid: backdated, or clocks far apart"; continue
  fi
  if [ "$parent" != - ] && [ "$t" -lt $(($(cat "$T/t/$parent") - SKEW)) ]; then
    problem "$e" "dated $when, before the entry it answers $parent: backdated, or clocks far apart"; continue
  fi
  if is_uint "$exp_t" && [ "$t" -gt $((exp_t + SKEW)) ]; then
    problem "$e" "dated $when, more than a day after this record's exported_at ($exported_at): $FUTURE; an answer to it would be refused as backdated"; continue
  fi
  if [ "$t" -gt $((NOW + SKEW)) ]; then
    problem "$e" "dated $when, more than a day after this machine's clock ($NOW_TEXT): $FUTURE; an answer to it would be refused as backdated"; continue
  fi
  # The entry's effective time (the latest of its own and those of the entry it answers and its key's
  # previous entry, all signed) and its depth (one more than theirs): retirements take effect in that
  # order below, never in log order, which is the exporter's word.
  eff=$t; depth=0; before=-
  [ -f "$T/h/$key" ] && before=$hid
  for link in "$before" "$parent"; do
    [ "$link" != - ] && [ -f "$T/f/$link" ] || continue
    read -r lt ld < "$T/f/$link"
    [ "$lt" -gt "$eff" ] && eff=$lt
    [ "$ld" -ge "$depth" ] && depth=$((ld + 1))
  done
  echo "$eff $depth" > "$T/f/$id"
  echo "$eff $depth $id" >> "$T/order"
  sb=-; case $kind in retire | rename) sb=$(b64 "$subject") ;; esac
  printf '%s\n%s\n%s\n%s\n%s\n%s\n' "$e" "$who" "$kind" "$role" "$sb" "$principal" > "$T/r/$id"
  # Who may sign this kind at all (KIND_SIGNERS; a retirement or rename is judged with the people below).
  # An entry of a kind its signer's side may not sign is reported and changes nothing: a port starts no
  # thread, a review mark counts for nothing.
  sigwhy=
  case $kind in retire | rename) ;; *) sigwhy=$(kind_policy "$role" "$principal" "$kind") ;; esac
  [ -z "$sigwhy" ] || problem "$e" "status policy: $sigwhy"
  echo "$t" > "$T/t/$id"
  echo "$n $t" >> "$T/times"
  echo "$seq $id" > "$T/h/$key"
  echo "$id" >> "$T/ids"
  echo "$e" >> "$T/ok"
  if [ "$kind" = retire ] || [ "$kind" = rename ]; then
    echo - > "$T/e/$id"; continue
  fi
  # Threads: each entry's file holds its thread's annotation author (base64), or - outside a thread.
  # A port entry (no parent) is the root of a thread carried over from an earlier version: only the
  # reviewing side carries one over, and the thread's author is the annotation's, as the port names it.
  if [ -n "$sigwhy" ]; then
    echo - > "$T/e/$id"
  elif [ "$kind" = anchor-port ] && [ "$parent" = - ]; then
    b64 "$subject" > "$T/e/$id"; echo >> "$T/e/$id"
  elif [ "$kind" = annotation ]; then
    echo "$who" > "$T/e/$id"
  elif [ "$parent" != - ]; then
    cat "$T/e/$parent" > "$T/e/$id"
    root=$(cat "$T/e/$id")
    if [ "$root" != - ] && [ "$kind" != review-mark ] && { [ "$kind" = retract ] || [ "$status" != - ]; }; then
      author=no; [ "$root" = "$who" ] && author=yes
      why=$(policy "$role" "$author" "$kind" "$status")
      [ -z "$why" ] || problem "$e" "status policy: $why"
    fi
  else
    echo - > "$T/e/$id"
  fi
done
# People: a principal retired (or renamed) signs nothing more that counts; only the reviewing side
# retires or renames. In the order of signed data (effective time, then depth, then id), not log order:
# an entry whose effective time is after the second of its signer's retirement does not count wherever
# it sits in the log (what was signed in that second counts). Such entries stay in the log.
sec=
while read -r eff _ id; do
  [ -n "$id" ] || continue
  if [ "$eff" != "$sec" ]; then
    [ ! -s "$T/pending" ] || cat "$T/pending" >> "$T/retired"
    : > "$T/pending"; sec=$eff
  fi
  { read -r e; read -r who; read -r kind; read -r role; read -r subj; read -r principal; } < "$T/r/$id"
  if grep -Fxq -e "$who" "$T/retired"; then
    problem "$e" "people: signed by $(shown "$principal"), who was retired by an entry dated before this entry (signed times and what it answers decide, not log order)"
    continue
  fi
  if [ "$kind" = retire ] || [ "$kind" = rename ]; then
    sigwhy=$(kind_policy "$role" "$principal" "$kind")
    if [ -z "$sigwhy" ]; then printf '%s\n' "$subj" >> "$T/pending"; else problem "$e" "people: $sigwhy"; fi
  fi
done << EOF_ORDER
$(sort -k1,1n -k2,2n -k3,3 "$T/order")
EOF_ORDER
[ ! -s "$T/pending" ] || cat "$T/pending" >> "$T/retired"
# Nor does a retired principal export: the checkpoint and FILES.sha256 are the exporter's signatures, and
# a record exported under a principal its own log retires is refused, whatever its exported_at says. (A
# retirement the record leaves out is caught by the trusted signers file: Vitrine writes valid-before on
# a retired key's line, and ssh-keygen refuses the exporter's signatures made after it.)
if grep -Fxq -e "$(b64 "$exporter")" "$T/retired"; then
  problem record.json "people: exported by $(shown "$exporter"), whom an entry of this record retired: a retired principal exports nothing"
fi
[ "$declared" = "$n" ] || problem record.json "says $declared entries, the bundle has $n"
# Format 1 binds neither the views nor verify.sh; every record exported since format 2 binds every file,
# so a format-1 record with an entry dated after that was written down to format 1.
if [ "$format" = 1 ]; then
  since=$(epoch 2026-12-06T12:00:00Z)
  while read -r i t; do
    if [ "$t" -gt "$since" ]; then
      problem record.json "format 1, but $(printf 'entries/%06d.json' "$i") is dated after format 2 replaced it (2026-12-06T12:00:00Z): a record written down to format 1"
      break
    fi
  done < "$T/times"
fi

# Port entries: the claim of each outcome against the entry's own hashes (the body is JSON in a string;
# jq decodes it as input).
# shellcheck disable=SC2016 # a jq program: its $names are jq's
PORT='
if .kind != "anchor-port" then empty else
  (.body | fromjson) as $b | .target as $t
  | if ($b | type) != "object" or $b.port != 1 or ($b.from | type) != "object"
      or ($b.from.quote | type) != "object" then "port: malformed body"
    elif $b.outcome == "outdated" then (if $t == null then empty else "an outdated port has no target" end)
    elif ($t | type) != "object" or ($t.quote | type) != "object" then "a port needs a target with lines and quote"
    elif $b.outcome == "exact" then
      (if $t.path == $b.from.path and $t.blob == $b.from.blob and $t.lines == $b.from.lines
         and $t.quote == $b.from.quote then empty
       else "exact port: the target is not the same path, blob, lines and quote" end)
    elif $b.outcome == "moved" then
      (if $t.quote.sha256 == $b.from.quote.sha256 then empty
       else "moved port: the quote at the new lines is not the old quote" end)
    elif $b.outcome == "changed" then
      (if ($b.confidence | type) == "number" and $b.confidence >= 1 and $b.confidence <= 100 then empty
       else "changed port: confidence must be 1 to 100" end)
    else "port: unknown outcome" end
end'
while read -r e; do
  if ! jq -r "$PORT" "$e" > "$T/port" 2> /dev/null; then problem "$e" "port: malformed body"; continue; fi
  [ -s "$T/port" ] && problem "$e" "$(head -n 1 "$T/port" | tr -c 'A-Za-z0-9 .,:-' '?')"
done < "$T/ok"

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
if [ "$cp_ok" = 1 ]; then
  covers=$(head -n 2 checkpoint | tail -n 1)
  [ "$covers" = "$n" ] || problem checkpoint "covers $(shown "$covers") entries, the bundle has $n"
  [ "$(root_of "$n" | xxd -r -p | base64)" = "$(head -n 3 checkpoint | tail -n 1)" ] \
    || problem checkpoint "the Merkle root of the entries does not match: entries changed, added, removed or reordered"
fi

# Checkpoints exported before from the same review: each signed by one of the people (valid at the time
# on its "exported" line), and this log must extend each (its root is the root of the first SIZE entries).
for c in checkpoints/*; do
  [ -f "$c" ] || continue
  case $c in
    checkpoints/[0-9][0-9][0-9][0-9][0-9][0-9].sig) [ -f "${c%.sig}" ] || problem "$c" "signature without its checkpoint"; continue ;;
    checkpoints/[0-9][0-9][0-9][0-9][0-9][0-9]) ;;
    *) problem "$(shown "$c")" "unexpected file in checkpoints/"; continue ;;
  esac
  if [ "$(size "$c")" -gt "$MAX_META" ] || { [ -f "$c.sig" ] && [ "$(size "$c.sig")" -gt "$MAX_SIG" ]; }; then
    problem "$c" "larger than allowed"; continue
  fi
  if ! why=$(checkpoint_ok "$c"); then problem "$c" "$why"; continue; fi
  at=$(tail -n +4 "$c" | jq -Rr 'select(startswith("exported ")) | .[9:]' | head -n 1)
  case $at in
    [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z) when=$(sshtime "$at") ;;
    *) problem "$c" "no valid exported line"; continue ;;
  esac
  if ! real_time "$at"; then problem "$c" "bad time $at on its exported line: not a real date and time"; continue; fi
  if [ -f "$c.sig" ] && ! armor_ok "$c.sig"; then
    problem "$c" "signature: unreadable SSHSIG: $NOT_AS_WRITTEN"; continue
  fi
  who=$(ssh-keygen -Y find-principals -s "$c.sig" -f "$SIGNERS" -Overify-time="$when" 2> /dev/null | head -n 1)
  if [ -z "$who" ] || ! ssh-keygen -Y verify -f "$SIGNERS" -I "$who" -n checkpoint@vitrine -s "$c.sig" \
      -Overify-time="$when" < "$c" > /dev/null 2>&1; then
    problem "$c" "signature: does not verify"
  elif ! canonical_sig "$c.sig"; then
    problem "$c" "signature: signature: $NOT_CANONICAL"
  elif [ -n "$TRUSTED" ]; then
    twho=$(ssh-keygen -Y find-principals -s "$c.sig" -f "$TRUSTED" -Overify-time="$when" 2> /dev/null | head -n 1)
    if [ -z "$twho" ] || ! trusted_sig "$c" "$c.sig" "$twho" checkpoint@vitrine "$when"; then
      problem "$c" "signature: does not verify against the trusted signers file"
    fi
  fi
  [ "$(head -n 1 "$c")" = "vitrine.review/$snap" ] || problem "$c" "origin is not this record's snapshot"
  size=$(head -n 2 "$c" | tail -n 1)
  if ! is_uint "$size" || [ "$size" -gt "$n" ] || [ "$(root_of "$size" | xxd -r -p | base64)" != "$(head -n 3 "$c" | tail -n 1)" ]; then
    problem "$c" "this log does not extend it: the root of the first $(shown "$size") entries differs"
  else
    # What was appended after a checkpoint was signed after it.
    cat_t=$(epoch "$at")
    is_uint "$cat_t" || problem "$c" "bad time $at on its exported line: not a real date and time"
    while read -r i t; do
      # What a checkpoint covers was written before it was signed.
      if [ "$i" -le "$size" ] && [ "$t" -gt $((cat_t + SKEW)) ]; then
        problem "$(printf 'entries/%06d.json' "$i")" "dated $(date -u -d "@$t" +%Y-%m-%dT%H:%M:%SZ), more than a day after the export of $c, which covers it ($at): $FUTURE; an answer to it would be refused as backdated"
      fi
      if [ "$i" -gt "$size" ] && [ "$t" -lt $((cat_t - SKEW)) ]; then
        problem "$(printf 'entries/%06d.json' "$i")" "dated before $c (exported $at), which it follows in the log: backdated, or clocks far apart"
      fi
    done < "$T/times"
  fi
done

# Format 2: FILES.sha256 lists every other file of the bundle with its SHA-256, signed by the exporter
# in the namespace bundle@vitrine.
# When it does not verify, nothing is bound by it: every other file not named already is named, as vitrine
# verify names it.
unbound_all() {
  : >> "$T/subjects"
  find . -type f -print | while IFS= read -r f; do
    f=${f#./}
    case $f in FILES.sha256 | FILES.sha256.sig) continue ;; esac
    grep -Fxq -e "$f" "$T/subjects" || printf '%s: %s\n' "$(shown "$f")" "not bound: FILES.sha256 does not verify"
  done
}
if [ "$format" = 2 ]; then
  if [ ! -f FILES.sha256 ]; then
    problem FILES.sha256 "missing (format 2 binds every file)"
    unbound_all
  elif [ ! -f FILES.sha256.sig ]; then
    problem FILES.sha256.sig "missing"
    unbound_all
  elif ! armor_ok FILES.sha256.sig; then
    problem FILES.sha256 "FILES.sha256.sig: unreadable SSHSIG: $NOT_AS_WRITTEN"
    unbound_all
  elif ! out=$(ssh-keygen -Y verify -f "$SIGNERS" -I "$exporter" -n bundle@vitrine -s FILES.sha256.sig \
      -Overify-time="$(sshtime "$exported_at")" < FILES.sha256 2>&1); then
    problem FILES.sha256 "signature does not verify for the exporter (namespace bundle@vitrine)"
    unbound_all
  elif ! why=$(exporter_key "$out"); then
    problem FILES.sha256 "FILES.sha256.sig: $why"
    unbound_all
  elif ! trusted_sig FILES.sha256 FILES.sha256.sig "$exporter" bundle@vitrine "$(sshtime "$exported_at")"; then
    problem FILES.sha256 "signature does not verify for the exporter against the trusted signers file (namespace bundle@vitrine)"
  elif ! canonical_sig FILES.sha256.sig; then
    problem FILES.sha256 "FILES.sha256.sig: signature: $NOT_CANONICAL"
    unbound_all
  elif [ -s FILES.sha256 ] && [ "$(tail -c 1 FILES.sha256 | xxd -p)" != 0a ]; then
    problem FILES.sha256 "does not end with a newline"
    unbound_all
  elif grep -Evxq -e '[0-9a-f]{64}  [A-Za-z0-9_][A-Za-z0-9._/-]*' FILES.sha256 \
      || grep -Eq -e '(^|/)\.\.?(/|$)' FILES.sha256; then
    problem FILES.sha256 "a line is not \"SHA256  NAME\" with a plain relative name"
    unbound_all
  else
    # Every line was checked above to be "HASH  NAME" with a plain name (Vitrine's member names are
    # plain; sha256sum writes such a name as it is), so each line is read as two words.
    names_of FILES.sha256 > "$T/listed"
    while read -r want name; do
      if [ ! -f "$name" ]; then problem "$name" "missing, but FILES.sha256 lists it"
      elif [ "$(sha "$name")" != "$want" ]; then problem "$name" "does not match its hash in the signed FILES.sha256"; fi
    done < FILES.sha256
    # The files of the record. A file whose path has a byte outside [A-Za-z0-9._/-] (a newline, a
    # backslash) cannot be listed, by the rule above: it is reported, not read as a line. The others are
    # whole lines of find's output.
    find . -type f -path '*[!A-Za-z0-9._/-]*' -print > "$T/oddnames"
    if [ -s "$T/oddnames" ]; then
      problem "$(head -n 1 "$T/oddnames" | cut -c3- | tr -c 'A-Za-z0-9._/-' '?')" "not listed in FILES.sha256 (a file name that is not plain)"
    fi
    find . -type f ! -path '*[!A-Za-z0-9._/-]*' -print > "$T/all"
    while read -r f; do
      f=${f#./}
      case $f in FILES.sha256 | FILES.sha256.sig) continue ;; esac
      grep -Fxq -e "$f" "$T/listed" || problem "$f" "not listed in FILES.sha256"
    done < "$T/all"
  fi
fi

# The snapshot, when given: git tree id (SHA-256 object format), manifest, anchors of the entries that
# passed every check above.
# A path in a target or a port's `from`: text that is a relative path, or, for a path that is not NFC
# UTF-8, its exact bytes in hex, with no NUL byte and not absolute (its components are checked after
# decoding). Any other byte may be in a file's name (a newline, a backslash): a path reaches the shell as
# base64 or hex, never as a line of text, and is compared with the manifest only as sha256sum writes it.
# shellcheck disable=SC2016 # a jq program: its $names are jq's
PATH_OK='def path_ok:
  if .path_bytes == null then
    .path | type == "string" and length > 0 and length <= 4096
    and (explode | all(. != 0)) and (startswith("/") | not)
    and (split("/") | all(. != "" and . != "." and . != ".."))
  else
    .path_bytes | type == "string" and length <= 8192 and test("^([0-9a-f]{2})+$")
    and ([range(0; length; 2) as $i | .[$i:$i + 2]] | all(. != "00"))
    and (startswith("2f") | not)
  end;'
# shellcheck disable=SC2016 # a jq program: its $names are jq's
ANCHOR="$PATH_OK"'
def uint: type == "number" and . == floor and . >= 1 and . <= 9007199254740991;
def hex64: type == "string" and test("^[0-9a-f]{64}$");
if (.kind == "annotation" or .kind == "review-mark" or .kind == "anchor-port") and (.target | type == "object")
then .target |
  if path_ok
    and (.blob | hex64)
    and (.lines == null or (.lines | type == "array" and length == 2 and (.[0] | uint) and (.[1] | uint)
      and .[0] <= .[1]))
  then (if .path_bytes == null then "text", (.path | @base64) else "hex", .path_bytes end), .blob,
    (if .lines == null or .quote == null then "-", "-", "-" else .lines[0], .lines[1],
    ([.quote.sha256, .quote.prefix, .quote.suffix] | map(tostring) | join(" ")) end)
  else error("target") end
else empty end'
# The quote hashes of lines $2-$3 of file $1 (quote, prefix, suffix; empty where out of range).
quote_of() {
  lines=$(wc -l < "$1" | tr -d ' '); [ -s "$1" ] && [ "$(tail -c 1 "$1" | xxd -p)" != 0a ] && lines=$((lines + 1))
  q=; pre=; suf=
  if [ "$3" -le "$lines" ]; then
    q=$(head -n "$3" "$1" | tail -n "+$2" | sha256sum | cut -d' ' -f1)
    [ "$2" -gt 1 ] && pre=$(head -n "$(($2 - 1))" "$1" | tail -n 1 | sha256sum | cut -d' ' -f1)
    [ "$3" -lt "$lines" ] && suf=$(head -n "$(($3 + 1))" "$1" | tail -n 1 | sha256sum | cut -d' ' -f1)
  fi
  printf '%s %s %s' "$q" "$pre" "$suf"
}
# The git tree id of directory $1 (in $tree_id) in object format $3 (sha256 or sha1), its objects written
# to the bare repository $2:
# every regular file and symbolic link, each named to `git update-index` (NUL-terminated, so any byte
# may be in a name), never a walk of git's own. So the tree holds the files Vitrine's tree ids hold and
# no other: git ignores, with a message and no failure, a path it refuses to track (a component `.git`
# in any case, or an NTFS alias of it such as `.GIT`, `.git.`, `git~1`; a link named `.gitmodules`),
# which Vitrine leaves out too (health.json lists them as git-refused-path or nested-repo); the files of
# a nested repository's work tree are files like any other (where `git add` would record a gitlink).
# Any failure (a file that cannot be read) stops the script.
tree_of() {
  git init -q --bare --object-format="$3" "$2" > /dev/null 2>&1 \
    || { echo "verify.sh: git init failed (git 2.29 or later is needed for the SHA-256 object format)" >&2; exit 2; }
  printf '* -text -eol -filter -ident -working-tree-encoding\n' > "$2/info/attributes"
  (cd "$1" && find . \( -type f -o -type l \) -print0 \
    | GIT_DIR=$2 GIT_INDEX_FILE=$2/idx git -c core.autocrlf=false -c core.fileMode=true -c core.symlinks=true \
      --work-tree=. update-index --add -z --stdin) > /dev/null 2> "$T/git-add.err"
  rc=$?
  # Its status alone says whether it failed: a name may hold a newline, so its messages are not parsed.
  if [ "$rc" -ne 0 ]; then
    echo "verify.sh: git update-index failed on $(shown "$1") (a file that cannot be read?):" >&2
    head -n 5 "$T/git-add.err" | tr -c 'A-Za-z0-9 ._/:,()\n-' '?' >&2; exit 2
  fi
  if [ -s "$T/git-add.err" ] && [ "$3" = sha256 ]; then
    echo "note: $(shown "${1##*/}"): git refuses some of its paths (.git in any case or an alias of it): left out of the tree id, as Vitrine leaves them out (health.json lists them)"
  fi
  tree_id=$(GIT_DIR=$2 GIT_INDEX_FILE=$2/idx git write-tree) && [ -n "$tree_id" ] \
    || { echo "verify.sh: git write-tree failed on $(shown "$1")" >&2; exit 2; }
}
# The manifest of directory $1 (into file $2) as Vitrine writes it: one sha256sum line per regular file
# (no link, no directory), in byte order of the path, each name as sha256sum writes it. Each name is
# given to sha256sum as ./NAME (a name "-" or "-x" is then no option and no standard input) and the "./"
# taken off its line again. A file that cannot be read stops the script.
manifest_of() {
  # find's own failure (a directory it cannot read) is its message: the pipeline's status is xargs's.
  { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum --) > "$T/manifest.raw" 2> "$T/manifest.err" \
    && [ ! -s "$T/manifest.err" ]; } || { echo "verify.sh: cannot read every file of $(shown "$1") (sha256sum failed):" >&2
      head -n 5 "$T/manifest.err" | tr -c 'A-Za-z0-9 ._/:,()\n-' '?' >&2; exit 2; }
  undot < "$T/manifest.raw" > "$2"
}
if [ -n "$SNAP_DIR" ]; then
  command -v git > /dev/null 2>&1 || { echo "verify.sh: git is needed to check a snapshot" >&2; exit 2; }
  S=$(cd "$SNAP_DIR" && pwd) || exit 2
  manifest_of "$S" "$T/snapmanifest"
  tree_of "$S" "$T/git" sha256
  tree=$tree_id
  if [ "$tree" != "$snap" ]; then
    problem record.json "is a record of snapshot $snap, the snapshot given is $tree"
  else
    # The SHA-1 tree id (and so the swhid, checked above to be made of it), with git's default object
    # format, as vitrine verify compares it.
    tree_of "$S" "$T/git1" sha1
    [ "$tree_id" = "$snap1" ] || problem record.json "SHA-1 tree id differs from the snapshot's"
    # The record's manifest must be the snapshot's, byte for byte, as vitrine verify compares them.
    [ -f MANIFEST.sha256 ] && ! cmp -s MANIFEST.sha256 "$T/snapmanifest" \
      && problem MANIFEST.sha256 "differs from the snapshot's manifest"
    : > "$T/manifest"
    [ -f MANIFEST.sha256 ] && names_of MANIFEST.sha256 > "$T/manifest"
    while read -r e; do
      if ! jq -r "$ANCHOR" "$e" > "$T/anchor" 2> /dev/null; then problem "$e" "anchor: malformed target"; continue; fi
      [ -s "$T/anchor" ] || continue
      { read -r how; read -r p; read -r blob; read -r a; read -r b; IFS= read -r quote; } < "$T/anchor"
      # The path's bytes (text as base64, or, for a path that is not NFC UTF-8, its exact bytes in hex;
      # checked above: no NUL, not absolute); its components are checked again here, after decoding.
      path_of "$how" "$p"
      case /$p/ in */../* | */./* | *//*) problem "$e" "anchor: malformed target"; continue ;; esac
      # Only a path the manifest lists is opened.
      if ! listed_name "$p" "$T/manifest" || [ ! -f "$S/$p" ]; then
        problem "$e" "anchor: $(shown "$p") is not in the snapshot"; continue
      fi
      f="$S/$p"
      got=$({ printf 'blob %d\000' "$(size "$f")"; cat "$f"; } | sha256sum | cut -d' ' -f1)
      [ "$got" = "$blob" ] || { problem "$e" "anchor: blob of $(shown "$p") differs"; continue; }
      [ "$a" = - ] && continue
      [ "$(quote_of "$f" "$a" "$b")" = "$quote" ] || problem "$e" "anchor: quote of $(shown "$p"):$a-$b differs"
    done < "$T/ok"
  fi
fi

# The previous version's snapshot, when given: the tree id the record continues, and for every port entry
# the blob at its old path (from git's own tree, so nothing outside the snapshot is opened) and the
# quote's hash at its old lines.
# shellcheck disable=SC2016 # a jq program: its $names are jq's
FROM="$PATH_OK"'
def uint: type == "number" and . == floor and . >= 1 and . <= 9007199254740991;
def hex64: type == "string" and test("^[0-9a-f]{64}$");
if .kind == "anchor-port" then (.body | fromjson) as $b | $b.from |
  if (.snapshot | hex64) and (.blob | hex64)
    and path_ok
    and (.lines | type == "array" and length == 2 and (.[0] | uint) and (.[1] | uint) and .[0] <= .[1])
    and (.quote | type == "object")
  then .snapshot, (if .path_bytes == null then "text", (.path | @base64) else "hex", .path_bytes end), .blob,
    .lines[0], .lines[1],
    ([.quote.sha256, .quote.prefix, .quote.suffix] | map(tostring) | join(" ")),
    ($b.outcome | tostring)
  else error("from") end
else empty end'
if [ -n "$PREV_DIR" ]; then
  command -v git > /dev/null 2>&1 || { echo "verify.sh: git is needed to check a snapshot" >&2; exit 2; }
  P=$(cd "$PREV_DIR" && pwd) || exit 2
  PG="$T/prev"
  tree_of "$P" "$PG" sha256
  ptree=$tree_id
  cont=$(jq -r '.continues.tree_sha256 // "-" | tostring' record.json 2> /dev/null)
  if [ "$cont" != "$ptree" ]; then
    problem record.json "continues snapshot $(shown "$cont"), the previous snapshot given is $ptree"
  else
    tree_of "$P" "$T/prev1" sha1
    [ "$cont1_64" = "$(b64 "$tree_id")" ] \
      || problem record.json "continues a snapshot whose SHA-1 tree id differs from the previous snapshot's"
  fi
  while read -r e; do
    if ! jq -r "$FROM" "$e" > "$T/from" 2> /dev/null; then problem "$e" "port: malformed from"; continue; fi
    [ -s "$T/from" ] || continue
    { read -r fsnap; read -r how; read -r p; read -r blob; read -r a; read -r b; IFS= read -r quote; read -r outcome; } < "$T/from"
    if [ "$fsnap" != "$ptree" ]; then
      # A thread outdated at an earlier port whose quoted lines came back: its `from` is where it was last
      # found, a version before the previous one, and its `moved` claim was checked on the entry above.
      [ "$outcome" = moved ] && continue
      problem "$e" "port: continues snapshot $fsnap, the previous snapshot given is $ptree"; continue
    fi
    # The old file's exact bytes, as for an anchor.
    path_of "$how" "$p"
    case /$p/ in */../* | */./* | *//*) problem "$e" "port: malformed from"; continue ;; esac
    got=$(GIT_DIR=$PG git rev-parse -q --verify "$ptree:$p" 2> /dev/null)
    if [ -z "$got" ] || [ "$(GIT_DIR=$PG git cat-file -t "$got" 2> /dev/null)" != blob ]; then
      problem "$e" "port: $(shown "$p") is not in the previous snapshot"; continue
    fi
    [ "$got" = "$blob" ] || { problem "$e" "port: blob of $(shown "$p") in the previous snapshot differs"; continue; }
    GIT_DIR=$PG git cat-file blob "$got" > "$T/prevfile" || exit 2
    if [ "$(quote_of "$T/prevfile" "$a" "$b")" != "$quote" ]; then
      problem "$e" "port: quote of $(shown "$p"):$a-$b in the previous snapshot differs"; continue
    fi
    # An `outdated` claim, given the new snapshot too: a regular file at the same path in the new snapshot
    # must not hold the quoted lines intact (the port would have found them: moved or changed). Where the
    # file went otherwise (git's rename guess) is checked by `vitrine verify`, which ports it again.
    if [ "$outcome" != outdated ] || [ -z "$SNAP_DIR" ] || [ "${tree:-}" != "$snap" ]; then continue; fi
    mode=$(GIT_DIR=$T/git git ls-tree "$snap" -- "$p" 2> /dev/null | cut -d' ' -f1)
    case $mode in 100644 | 100755) ;; *) continue ;; esac
    GIT_DIR=$T/git git cat-file blob "$snap:$p" > "$T/newfile" || exit 2
    sed -n "${a},${b}p" "$T/prevfile" > "$T/quoted"
    first=$(head -n 1 "$T/quoted")
    n=$((b - a + 1))
    grep -a -n -x -F -e "$first" "$T/newfile" 2> /dev/null | cut -d: -f1 > "$T/starts"
    while read -r k; do
      if sed -n "${k},$((k + n - 1))p" "$T/newfile" | cmp -s - "$T/quoted"; then
        problem "$e" "port: claimed outdated, but $(shown "$p"):$a-$b of the previous snapshot is intact at $(shown "$p"):$k-$((k + n - 1))"
        break
      fi
    done < "$T/starts"
  done < "$T/ok"
fi

# health.json is one JSON object (as vitrine verify reads it), and the exporter's claim: this script cannot
# compute a snapshot's health report (vitrine verify --snapshot computes it again and compares).
if [ -f health.json ]; then
  if [ "$(size health.json)" -gt "$MAX_META" ] || [ "$(head -c 3 health.json | xxd -p)" = efbbbf ] \
      || [ "$(jq -s -e 'length == 1 and (.[0] | type == "object")' health.json 2> /dev/null)" != true ]; then
    problem health.json "not one JSON object"
  fi
  echo "note: health.json (the snapshot health report, and report.html's health table) is the exporter's claim: this script does not compute it from the snapshot (vitrine verify --snapshot does)"
fi
if [ -z "$TRUSTED" ]; then
  echo "note: no trusted signers file (-t FILE): who signed and each signer's role are only what the record's own allowed_signers says, that is the exporter's word"
fi
if [ "$fail" -eq 0 ]; then
  echo "OK: $n entries; signatures, chains and checkpoint verified${SNAP_DIR:+; snapshot, manifest and anchors match}${PREV_DIR:+; ported threads match the previous snapshot}${TRUSTED:+; every signer and role is as the trusted signers file says}"
  exit 0
fi
echo "INVALID"
exit 1
