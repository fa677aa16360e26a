#!/usr/bin/env bash
# `mpbench kernel` writes a results folder in the runner's format (results.csv
# with the contract's columns, summary.csv, meta.json, plots, report.md; no
# private kernel.csv), and `mpbench compare` reads two kernel folders:
# cycles_per_op by default, exit 0 for a folder against itself, exit 1 with
# "slower" when one allocator's cycles triple. Usage: kernel-results.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
[ -x "$build/bin/ks-bench" ] || fail "no $build/bin/ks-bench"

small=(--alloc mpalloc,buddy-slab --cpus 1,2 --reps 5 --test pair,remote,churn --size 8,64)
for r in a b; do
    t0=$(date +%s)
    "$mpb" kernel "${small[@]}" --out "$tmp/$r" > "$tmp/out" 2>&1 \
        || fail "mpbench kernel failed: $(tail -3 "$tmp/out")"
    # progress while ks-bench runs (it was silent for 18 s on the quick matrix)
    [ $(( $(date +%s) - t0 )) -lt 3 ] || grep -q '^mpbench kernel: [0-9]* rows in [0-9]* s; last: ' "$tmp/out" ||
        fail "no progress from mpbench kernel: $(head -3 "$tmp/out")"
done
d="$tmp/a"
for f in results.csv summary.csv meta.json report.md; do
    [ -s "$d/$f" ] || fail "kernel folder lacks $f"
done
[ ! -e "$d/kernel.csv" ] || fail "kernel.csv still written"
head -1 "$d/results.csv" | grep -q '^allocator,variant,workload,threads,rep,status,wall_s,user_s,sys_s,max_rss_kb,minflt,majflt,ops,ops_per_s,' \
    || fail "results.csv header is not the runner's: $(head -1 "$d/results.csv")"
python3 - "$d" <<'PY' || fail "kernel folder contents are wrong"
import csv, json, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(d + "/results.csv")))
assert len(rows) == 2 * 5 * (2 * 2 + 2 + 2), "rows: %d" % len(rows)   # pair 2 sizes x 2 CPUs, churn x 2, remote 2 sizes at 2 CPUs
assert {r["workload"] for r in rows} == {"pair", "remote", "churn"}
assert all(float(r["cycles_per_op"]) > 0 for r in rows if r["status"] == "ok")
summ = list(csv.DictReader(open(d + "/summary.csv")))
keys = {(r["allocator"], r["workload"], r["threads"], r["metric"]) for r in summ}
assert ("mpalloc", "pair/64B", "2", "cycles_per_op") in keys, sorted(keys)[:5]
assert ("mpalloc", "churn", "1", "held_per_live") in keys
assert "ratio_to_buddy-slab" in summ[0]
assert all(r["ratio_to_buddy-slab"] == "1" for r in summ if r["allocator"] == "buddy-slab" and r["median"])
m = json.load(open(d + "/meta.json"))
assert m["kind"] == "kernel" and m["state"] == "complete" and m["notes"]
assert m["build"]["tunables"]["MPA_MANTISSA_BITS"] and m["build"]["source_id"], m.get("build")
PY
ls "$d"/plots/kernel_size_pair_t1.png "$d"/plots/kernel_cpus_pair.png > /dev/null 2>&1 \
    || fail "kernel plots missing: $(ls "$d/plots")"
grep -q '^## Kernel path: TSC cycles per operation' "$d/report.md" || fail "report.md has no cycles table"
grep -q 'kernel_size_pair_t1.png' "$d/report.md" || fail "report.md does not show the plots"

"$mpb" compare "$tmp/a" "$tmp/a" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 0 ] || fail "compare of a kernel folder with itself: exit $rc: $(tail -3 "$tmp/out")"
grep -q 'cycles_per_op' "$tmp/out" || fail "compare did not pick cycles_per_op: $(head -3 "$tmp/out")"
"$mpb" compare "$tmp/a" "$tmp/b" > "$tmp/out" 2>&1; rc=$?
[ $rc -le 1 ] || [ $rc -eq 3 ] || fail "compare of two kernel runs: exit $rc: $(tail -3 "$tmp/out")"
grep -q 'pair/64B' "$tmp/out" || fail "compare does not list the pair/64B cells"
mkdir "$tmp/c" && cp "$tmp/a/meta.json" "$tmp/c/"
python3 - "$tmp/a/results.csv" "$tmp/c/results.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
w = csv.DictWriter(open(sys.argv[2], "w", newline=""), fieldnames=rows[0].keys(), lineterminator="\n")
w.writeheader()
for r in rows:
    if r["allocator"] == "mpalloc" and r["status"] == "ok":
        r["cycles_per_op"] = "%.2f" % (3 * float(r["cycles_per_op"]))
    w.writerow(r)
PY
"$mpb" compare "$tmp/a" "$tmp/c" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 1 ] || fail "compare with mpalloc 3x slower: exit $rc, expected 1"
grep -qi 'mpalloc.*slower' "$tmp/out" || fail "compare does not call mpalloc slower: $(head -5 "$tmp/out")"
# An option ks-bench refuses (unknown allocator, test) is bad usage: exit 2,
# ks-bench's message shown (it was exit 1 with a raw wait status).
for bad in "--alloc nosuch" "--test nosuch"; do
    # shellcheck disable=SC2086
    "$mpb" kernel $bad --out "$tmp/bad" > "$tmp/out" 2>&1; rc=$?
    [ $rc -eq 2 ] || fail "mpbench kernel $bad: exit $rc, expected 2: $(tail -2 "$tmp/out")"
    grep -q "nosuch" "$tmp/out" || fail "mpbench kernel $bad: the refused value is not named: $(cat "$tmp/out")"
    rm -rf "$tmp/bad"
done
echo "kernel folders in the runner's format; compare: same on itself, 3x slower flagged; bad options exit 2"
