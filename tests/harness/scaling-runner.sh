#!/usr/bin/env bash
# The thread-scaling mode of `mpbench run` end to end at a tiny scale:
# --threads 1,2,T with T above the machine's PUs (oversubscribed, as
# 1,2,4,8,16 is on 2 cores) on wl-window-churn: every run ok, meta.json says
# how each count was bound, report and efficiency plot present. Then the
# timeout of an oversubscribed run grows with threads per PU (wl-hang, 1 s
# timeout, T threads: killed after ceil(T/PUs) s, not 1 s). NAME@F gives a
# workload its own scale (results.csv, meta.json, matrix.txt). Where hwloc
# cannot bind, runs go unpinned with one warning and meta.json says so.
# Usage: scaling-runner.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
wl="$build/bin/wl-window-churn"
[ -x "$wl" ] || { echo "FAIL: no $wl after the build"; exit 1; }
command -v gnuplot > /dev/null || { echo "gnuplot not installed"; exit 77; }
n=$(getconf _NPROCESSORS_ONLN)
over=$((2 * n + 1))

"$mpb" run --alloc glibc --workload window-churn --threads "1,2,$over" --repeat 2 --warmup 0 \
    --scale 0.00002 --out "$tmp/r" > "$tmp/out" 2> "$tmp/err" || fail "run exited $?: $(tail -3 "$tmp/err")"
csv="$tmp/r/results.csv"
[ "$(csv_rows "$csv")" -eq 6 ] || fail "expected 6 rows, got $(csv_rows "$csv")"
[ "$(grep -c ',ok,' "$csv")" -eq 6 ] || fail "not every run ok: $(cut -d, -f1-6 "$csv")"
grep -q ",window-churn,$over,2,ok," "$csv" || fail "no ok row at $over threads"
[ "$(csv_get "$csv" scale 1)" = 2e-05 ] || fail "scale column: $(csv_get "$csv" scale 1)"
python3 - "$tmp/r/meta.json" "$over" <<'PY' || fail "meta.json binding check failed"
import json, sys
m = json.load(open(sys.argv[1]))
b = m["matrix"]["binding"]
over = sys.argv[2]
assert set(b) == {"1", "2", over}, b
assert "oversubscribed" in b[over] and str(m["pus"]) in b[over], b[over]
assert b["1"] == "core 0", b["1"]
PY
grep -q '^## Thread scaling' "$tmp/r/report.md" || fail "no Thread scaling section"
grep -q "^| $over | " "$tmp/r/report.md" || fail "no efficiency row for $over threads"
[ -s "$tmp/r/plots/efficiency_window-churn.png" ] || fail "no efficiency plot"

# NAME@F: a workload's own scale, in the scale column, meta.json and --resume.
"$mpb" run --alloc glibc --workload "window-churn@0.00001,$tmp/wl-tiny@0.5" --threads 1 \
    --repeat 2 --warmup 0 --scale 3 --no-report --out "$tmp/ws" > /dev/null 2>"$tmp/err" ||
    fail "NAME@F run exited $?: $(tail -3 "$tmp/err")"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    { s[$c["workload"]] = s[$c["workload"]] " " $c["scale"] }
    END { exit !(s["window-churn"] == " 1e-05 1e-05" && s["tiny"] == " 0.5 0.5") }' \
    "$tmp/ws/results.csv" || fail "per-workload scales not in results.csv: $(cut -d, -f3,25 "$tmp/ws/results.csv")"
python3 - "$tmp/ws/meta.json" <<'PY' || fail "meta.json workload_scale wrong"
import json, sys
m = json.load(open(sys.argv[1]))["matrix"]
assert m["workload_scale"]["window-churn"] == 1e-05 and m["scale"] == 3, m
PY
grep -q "^workload=window-churn@0.00001,$tmp/wl-tiny@0.5$" "$tmp/ws/matrix.txt" ||
    fail "matrix.txt: $(grep workload= "$tmp/ws/matrix.txt")"
"$mpb" run --alloc glibc --workload "window-churn@zero" --out "$tmp/bad" > /dev/null 2>&1
[ $? -eq 2 ] || fail "a bad NAME@F was not refused with exit 2"

# A topology hwloc cannot bind with (synthetic): one warning, runs unpinned and ok.
HWLOC_SYNTHETIC="pack:1 core:4 pu:1" "$mpb" run --alloc glibc --workload window-churn \
    --threads 1,2 --repeat 2 --warmup 0 --scale 0.00002 --no-report --out "$tmp/syn" \
    > /dev/null 2> "$tmp/err" || fail "run on a synthetic topology exited $?"
[ "$(grep -c 'cannot bind runs to cores' "$tmp/err")" -eq 1 ] || fail "not one warning: $(cat "$tmp/err")"
[ "$(grep -c ',ok,' "$tmp/syn/results.csv")" -eq 4 ] || fail "runs not ok on a synthetic topology"
grep -q '"1": "unpinned' "$tmp/syn/meta.json" || fail "meta.json does not say the runs were unpinned"

start=$(date +%s.%N)
"$mpb" run --alloc glibc --workload "$tmp/wl-hang" --threads "$over" --repeat 1 --warmup 0 \
    --timeout 1 --no-pin --no-report --out "$tmp/h" > /dev/null 2>&1 || fail "hang run exited $?"
grep -q ',timeout,' "$tmp/h/results.csv" || fail "the hang was not recorded as a timeout"
wall=$(csv_get "$tmp/h/results.csv" wall_s 1)
pus=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pus"])' "$tmp/h/meta.json")
want=$(( (over + pus - 1) / pus ))
awk -v w="$wall" -v k="$want" 'BEGIN { exit !(w >= k - 0.3 && w < k + 5) }' ||
    fail "oversubscribed timeout: killed after $wall s, want about $want s ($over threads, $pus PUs)"
echo "scaling run ok: threads 1,2,$over; timeout ${wall}s for $over threads on $pus PUs"
