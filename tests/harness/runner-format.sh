#!/usr/bin/env bash
# What a finished run leaves: results.csv with the contract's columns first
# and the extra ones, ops and ops_per_s from the workload's mpbench-ops line,
# counters the machine lacks as empty cells (never 0), meta.json valid JSON
# with the machine, allocators, tunables, commit, command line and times,
# and matrix.txt. Usage: runner-format.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
export TINY_MS=20

"$mpb" run --alloc "glibc,$tmp/libpass.so" --workload "$tmp/wl-tiny" --threads 1,2 --repeat 2 \
    --out "$tmp/r" --no-report > "$tmp/out" 2>"$tmp/err" || fail "run failed: $(tail -1 "$tmp/err")"
[ "$(tail -1 "$tmp/out")" = "$tmp/r/report.md" ] || fail "last stdout line is not the report path"
csv="$tmp/r/results.csv"
head -1 "$csv" | grep -q '^allocator,variant,workload,threads,rep,status,wall_s,user_s,sys_s,max_rss_kb,minflt,majflt,ops,ops_per_s,' \
    || fail "results.csv header: $(head -1 "$csv")"
for col in exit_code signal task_clock_ms ctx_switches cycles instructions cache_misses \
           live_peak_bytes scale lib; do
    head -1 "$csv" | tr , '\n' | grep -qx "$col" || fail "results.csv has no $col column"
done
[ "$(csv_rows "$csv")" -eq 8 ] || fail "expected 8 rows"
[ "$(csv_get "$csv" ops 1)" -gt 0 ] 2>/dev/null || fail "ops not recorded"
[ -n "$(csv_get "$csv" ops_per_s 1)" ] || fail "ops_per_s not recorded"
[ "$(csv_get "$csv" live_peak_bytes 1)" = 1040 ] || fail "mpbench-live-peak-bytes not recorded"
python3 -m json.tool "$tmp/r/meta.json" > /dev/null || fail "meta.json is not valid JSON"
python3 - "$tmp/r/meta.json" "$csv" <<'PY' || fail "meta.json / counters check failed"
import csv, json, sys
m = json.load(open(sys.argv[1]))
need = ["host", "cpu_model", "cores", "pus", "topology", "kernel", "compiler", "counters",
        "allocators", "matrix", "tunables", "git_commit", "command_line", "start", "end", "state"]
missing = [k for k in need if k not in m]
assert not missing, "meta.json lacks %s" % missing
assert m["end"] and m["state"] == "complete", "end/state not set at the end"
assert len(m["allocators"]) == 2 and all("version" in a and "path" in a for a in m["allocators"])
rows = list(csv.DictReader(open(sys.argv[2])))
for col in m["counters"]["missing"]:
    assert all(r[col] == "" for r in rows), "missing counter %s has values" % col
for col in m["counters"]["available"]:
    assert all(r[col] != "" for r in rows), "available counter %s is empty" % col
PY
grep -q '^alloc=glibc,' "$tmp/r/matrix.txt" || fail "matrix.txt missing or wrong"
grep -q '^\[8/8\] .* elapsed .* ETA ' "$tmp/err" || fail "no progress line on stderr"
echo "results.csv columns, meta.json fields and matrix.txt present"
