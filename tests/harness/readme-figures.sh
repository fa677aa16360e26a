#!/usr/bin/env bash
# The README's figures against the committed results they cite. A table
# preceded by `<!-- check: FILE ... -->` is recomputed from FILE (a
# summary.csv under results/) and every number in it must equal the
# recomputed one to the digits shown:
#   check: FILE metric=M [threads=T] cols=W[#T],...  cell = median of M for
#       (row's allocator, workload W, threads T) -- kernel-sim tables;
#   check: FILE geomean=M1,M2,...  column i = geometric mean over the
#       allocator's cells of its ratio to the baseline for Mi -- rankings.
# A row's allocator is its first word without ** (`glibc 2.36` -> glibc).
# Also: the README's tunables table equals `mpbench sweep --list --markdown`
# (generated from allocator/src/tunables.h). Usage: readme-figures.sh BUILD
set -uo pipefail
build=${1:?usage: $0 BUILD}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mpb="$build/bin/mpbench"
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$mpb" ] || fail "no $mpb after the build"

MPB_SRC_DIR="$root" "$mpb" sweep --list --markdown > "${TMPDIR:-/tmp}/tunables.$$" || fail "sweep --list --markdown failed"
python3 - "$root/README.md" "${TMPDIR:-/tmp}/tunables.$$" <<'PY' || { rm -f "${TMPDIR:-/tmp}/tunables.$$"; fail "README tunables table differs from tunables.h"; }
import sys
readme = open(sys.argv[1]).read().split("\n")
gen = [l for l in open(sys.argv[2]).read().split("\n") if l.startswith("| `MPA_")]
start = readme.index("## Tunables")
table = []
for l in readme[start + 1:]:
    if l.startswith("## "):
        break
    if l.startswith("| `MPA_"):
        table.append(l)
if table != gen:
    for a, b in zip(table + [""] * len(gen), gen + [""] * len(table)):
        if a != b:
            print("README:    %s\ntunables.h: %s" % (a, b))
            break
    sys.exit(1)
print("tunables table: %d rows match tunables.h" % len(gen))
PY
rm -f "${TMPDIR:-/tmp}/tunables.$$"

python3 - "$root" <<'PY' || fail "a README figure differs from the results it cites"
import csv, math, re, sys
root = sys.argv[1]
lines = open(root + "/README.md").read().split("\n")
checked = tables = 0
def digits(s):
    return len(s.split(".")[1]) if "." in s else 0
for i, l in enumerate(lines):
    m = re.match(r"<!-- check: (\S+) (.*) -->", l)
    if not m:
        continue
    tables += 1
    opts = dict(kv.split("=", 1) for kv in m.group(2).split())
    rows = list(csv.DictReader(open(root + "/" + m.group(1))))
    ratio_col = next((c for c in rows[0] if c.startswith("ratio_to_")), None)
    j = i + 1
    while not lines[j].startswith("|"):
        j += 1
    body = []
    for t in lines[j + 2:]:
        if not t.startswith("|"):
            break
        body.append([c.strip() for c in t.strip("|").split("|")])
    for cells in body:
        alloc = cells[0].replace("*", "").split()[0]
        if "geomean" in opts:
            want = []
            for metric in opts["geomean"].split(","):
                v = [float(r[ratio_col]) for r in rows if r["allocator"] == alloc
                     and r["metric"] == metric and r[ratio_col]]
                want.append(math.exp(sum(map(math.log, v)) / len(v)) if v else None)
        else:
            want = []
            for c in opts["cols"].split(","):
                w, _, t = c.partition("#")
                t = t or opts.get("threads", "1")
                v = [float(r["median"]) for r in rows if r["allocator"] == alloc
                     and r["workload"] == w and r["threads"] == t and r["metric"] == opts["metric"]]
                want.append(v[0] if v else None)
        for shown, w in zip(cells[1:], want):
            s = shown.replace("*", "")
            if w is None:
                print("line %d: %s: %s has no value in %s" % (j + 1, alloc, s, m.group(1)))
                sys.exit(1)
            if abs(float(s) - w) > 0.5 * 10 ** -digits(s) + 1e-9:
                print("line %d: %s shows %s, %s says %.6g" % (j + 1, alloc, s, m.group(1), w))
                sys.exit(1)
            checked += 1
if tables < 4:
    print("only %d checked tables in README.md" % tables)
    sys.exit(1)
print("README: %d figures in %d tables match the results they cite" % (checked, tables))
PY
echo "README tunables table and figures match their sources"
