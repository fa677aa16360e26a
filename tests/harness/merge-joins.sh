#!/usr/bin/env bash
# Joins that refuse or say so. merge joined shards of another build under
# the same allocator name (every cell labelled with the first shard's), of
# another program under the same workload name, of another machine (the
# folder described one host) and an interrupted shard (marked complete). Now: another build is refused; another machine or an
# unfinished shard is refused unless --allow-mixed / --allow-incomplete,
# which record each shard and mark the result (meta.json, report). compare
# warns loudly across machines and lists builds that differ side by side;
# summary refuses a folder whose ok rows hold two builds under one name.
# Usage: merge-joins.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
export TINY_MS=5
cp "$tmp/libpass.so" "$tmp/x.so"
cc -O1 -shared -fPIC -DBAD_AFTER=1000000000 -o "$tmp/libother.so" "$fx/badlib.c" || fail "badlib.c"
shard() { # shard I into folder $2
    "$mpb" run --alloc "glibc,x=$tmp/x.so" --workload "$tmp/wl-tiny" --threads 1,2 --repeat 2 \
        --no-pin --no-report --shard "$1/2" --out "$2" > "$tmp/out" 2>&1 || fail "shard $1: $(tail -2 "$tmp/out")"
}
setmeta() { # folder key value: edit meta.json
    python3 - "$1/meta.json" "$2" "$3" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); m[sys.argv[2]] = sys.argv[3]
json.dump(m, open(sys.argv[1], "w"), indent=2)
PY
}
shard 1 "$tmp/s1"
shard 2 "$tmp/s2"
"$mpb" merge "$tmp/m" "$tmp/s1" "$tmp/s2" > "$tmp/out" 2>&1 || fail "merge of two good shards: $(tail -2 "$tmp/out")"
python3 - "$tmp/m/meta.json" <<'PY' || fail "merged meta.json"
import json, sys
m = json.load(open(sys.argv[1]))
assert m["state"] == "complete" and m["mixed"] == [] and len(m["shards"]) == 2, m
PY

# Another build of x in shard 2 (same path, other file).
cp "$tmp/libother.so" "$tmp/x.so"
shard 2 "$tmp/s2b"
"$mpb" merge "$tmp/mb" "$tmp/s1" "$tmp/s2b" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] || fail "shards of two builds of x: exit $rc, expected 2"
grep -q 'refused: two builds under one name (x is build gnu:[0-9a-f]* in .* and build gnu:[0-9a-f]* in' "$tmp/out" \
    || fail "no message naming the two builds: $(cat "$tmp/out")"
[ ! -e "$tmp/mb/results.csv" ] || fail "the refused merge wrote results"
"$mpb" merge --allow-mixed --allow-incomplete "$tmp/mb2" "$tmp/s1" "$tmp/s2b" > /dev/null 2>&1 \
    && fail "two builds merged with --allow-mixed"
echo "merge: two builds under one name refused"

# The workload rebuilt (another program at the same path) in shard 2.
cp "$tmp/libpass.so" "$tmp/x.so"
cp "$tmp/wl-tiny" "$tmp/wl-tiny.orig"
cc -O0 -pthread -o "$tmp/wl-tiny" "$fx/wl_tiny.c" || fail "cannot rebuild wl_tiny.c"
shard 2 "$tmp/s2w"
mv "$tmp/wl-tiny.orig" "$tmp/wl-tiny"
"$mpb" merge "$tmp/mw" "$tmp/s1" "$tmp/s2w" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] || fail "shards of two programs under one workload name: exit $rc, expected 2"
grep -q 'refused: a workload of one name ran another program in two shards (tiny: ' "$tmp/out" \
    || fail "no workload message: $(cat "$tmp/out")"
"$mpb" compare "$tmp/s2" "$tmp/s2w" > "$tmp/out" 2> "$tmp/err"
grep -q 'WARNING: a workload of one name ran another program in A and B (tiny: ' "$tmp/err" \
    || fail "compare does not warn of another program: $(cat "$tmp/err")"
echo "merge refuses, compare warns: one workload name, two programs"

# Another machine.
cp -r "$tmp/s2" "$tmp/s2h" && setmeta "$tmp/s2h" host elsewhere
"$mpb" merge "$tmp/mh" "$tmp/s1" "$tmp/s2h" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] || fail "shards of two machines: exit $rc, expected 2"
grep -q "refused: .*s2h ran on another machine than .*s1 (host '.*' / 'elsewhere')" "$tmp/out" \
    || fail "no machine message: $(cat "$tmp/out")"
"$mpb" merge --allow-mixed "$tmp/mh" "$tmp/s1" "$tmp/s2h" > "$tmp/out" 2>&1 \
    || fail "--allow-mixed: $(tail -2 "$tmp/out")"
python3 - "$tmp/mh/meta.json" <<'PY' || fail "--allow-mixed: meta.json does not mark the machines"
import json, sys
m = json.load(open(sys.argv[1]))
assert m["mixed"] == ["machines"], m["mixed"]
assert sorted(s["host"] for s in m["shards"])[0] == "elsewhere" or "elsewhere" in [s["host"] for s in m["shards"]]
PY
grep -q '^## Read this first' "$tmp/mh/report.md" && grep -q 'Merged from shards whose machines differ' "$tmp/mh/report.md" \
    || fail "the report does not say the shards ran on other machines"
echo "merge: other machine refused, or recorded and marked with --allow-mixed"

# An interrupted shard.
cp -r "$tmp/s2" "$tmp/s2i" && setmeta "$tmp/s2i" state interrupted
"$mpb" merge "$tmp/mi" "$tmp/s1" "$tmp/s2i" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] || fail "an interrupted shard: exit $rc, expected 2"
grep -q 'refused: .*s2i is interrupted' "$tmp/out" || fail "no state message: $(cat "$tmp/out")"
"$mpb" merge --allow-incomplete "$tmp/mi" "$tmp/s1" "$tmp/s2i" > /dev/null 2>&1 || fail "--allow-incomplete failed"
[ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["state"])' "$tmp/mi/meta.json")" = incomplete ] \
    || fail "a merge with an interrupted shard is not marked incomplete"
grep -q 'State: incomplete' "$tmp/mi/report.md" || fail "the report does not say incomplete"
echo "merge: interrupted shard refused, or marked incomplete"

# compare: builds side by side, machines loudly.
"$mpb" compare "$tmp/s2" "$tmp/s2b" > "$tmp/out" 2> "$tmp/err"
grep -q '^BUILDS differ between A and B' "$tmp/out" && grep -A2 '^  x$' "$tmp/out" | grep -q '    B: gnu:' \
    || fail "compare does not show x's two builds: $(head -12 "$tmp/out")"
grep -q 'WARNING: 1 allocator ran as other builds in A and B' "$tmp/err" || fail "no build warning: $(cat "$tmp/err")"
"$mpb" compare "$tmp/s2" "$tmp/s2h" > "$tmp/out" 2> "$tmp/err"
grep -q "WARNING: A and B ran on different machines (host '.*' / 'elsewhere')" "$tmp/err" \
    || fail "compare across machines gives no warning: $(cat "$tmp/err")"
echo "compare: other builds listed side by side, other machines warned"

# One folder whose ok rows hold two builds under one name.
python3 - "$tmp/s1/results.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
n = 0
for r in rows:
    if r["allocator"] == "x" and r["status"] == "ok" and n == 0:
        r["build_id"] = "gnu:0123456789abcdef"; n = 1
w = csv.DictWriter(open(sys.argv[1], "w", newline=""), fieldnames=rows[0].keys(), lineterminator="\n")
w.writeheader(); w.writerows(rows)
PY
"$mpb" summary "$tmp/s1" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] || fail "a folder with two builds of x: summary exit $rc, expected 2"
grep -q 'holds runs of two builds under one allocator name (x: build' "$tmp/out" || fail "no message: $(cat "$tmp/out")"
echo "summary: two builds under one name in a folder refused"
