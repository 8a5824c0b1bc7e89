"""Compares two callgrind profiles by self cost per function: totals without SHA-1/SHA-256, then the
functions that grew and shrank most (B - A). Usage: callgrind-diff.py A.cg B.cg [N]"""
import collections
import re
import subprocess
import sys


def load(path):
    out = subprocess.run(["callgrind_annotate", "--auto=no", "--threshold=100", path],
                         capture_output=True, text=True, check=True).stdout
    cost = collections.Counter()
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+) \([\s\d.]+%\)\s+(.*)$", line)
        if not m or "PROGRAM TOTALS" in line:
            continue
        name = re.sub(r" \[[^\]]*\]$", "", m.group(2))
        name = name.split(":", 1)[1] if ":" in name else name
        cost[name] += int(m.group(1).replace(",", ""))
    return cost


def main():
    a, b = load(sys.argv[1]), load(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    hashing = lambda f: "sha1::" in f or "sha2::" in f
    ta = sum(v for k, v in a.items() if not hashing(k))
    tb = sum(v for k, v in b.items() if not hashing(k))
    print("instructions without SHA: base %.3f G, new %.3f G (%+.1f%%)" % (ta / 1e9, tb / 1e9, 100 * (tb - ta) / max(ta, 1)))
    diff = sorted(((b[k] - a[k], k) for k in set(a) | set(b) if not hashing(k)), reverse=True)
    for v, k in diff[:n] + [(0, "...")] + diff[-(n // 2):]:
        if k == "...":
            print("   ...")
            continue
        print("%+9.1f M  base %8.1f M  new %8.1f M  %s" % (v / 1e6, a[k] / 1e6, b[k] / 1e6, k[:110]))


main()
