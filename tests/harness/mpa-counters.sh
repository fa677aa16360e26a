#!/usr/bin/env bash
# scripts/mpa-counters on a tiny matrix run with WL_MPA_STATS=1: one row per
# mpalloc run (none for glibc) in mpa_counters.csv with the flattened
# mpa_stats_json numbers and the run's ops; the .md table per cell. Without
# WL_MPA_STATS the script finds nothing and exits 1. Usage: mpa-counters.sh BUILD
set -uo pipefail
build=${1:?usage: $0 BUILD}
mpb="$build/bin/mpbench"
here=$(cd "$(dirname "$0")" && pwd)
script="$here/../../scripts/mpa-counters"
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$mpb" ] && [ -x "$build/bin/wl-window-churn" ] || { echo "FAIL: no mpbench/wl-window-churn after the build"; exit 1; }
[ -f "$build/lib/libmpalloc.so" ] || { echo "FAIL: no libmpalloc.so after the build"; exit 1; }
command -v python3 > /dev/null || { echo "no python3"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
args=(--alloc "glibc,mpalloc" --workload window-churn --threads 1,2 --repeat 2 --warmup 0
      --scale 0.00002 --no-report)
WL_MPA_STATS=1 "$mpb" run "${args[@]}" --out "$tmp/r" > /dev/null 2>&1 || fail "run exited $?"
"$script" "$tmp/r" > "$tmp/out" 2> "$tmp/err" || fail "mpa-counters exited $?: $(cat "$tmp/err")"
python3 - "$tmp/r/mpa_counters.csv" <<'PY' || fail "mpa_counters.csv wrong"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 4, rows
assert all(r["allocator"] == "mpalloc" and int(r["ops"]) > 0 for r in rows), rows
assert sorted((r["threads"], r["rep"]) for r in rows) == [("1", "1"), ("1", "2"), ("2", "1"), ("2", "2")]
assert all(r["stats"] in ("0", "1") and r["committed_bytes"] != "" for r in rows), rows[0]
if "backend.lock_acquisitions" in rows[0]:
    assert all(int(r["backend.lock_acquisitions"]) >= 0 for r in rows)
PY
grep -q '^| mpalloc | window-churn | 2 | 2 | ' "$tmp/r/mpa_counters.md" || fail "no .md row: $(cat "$tmp/out")"
"$mpb" run "${args[@]}" --out "$tmp/n" > /dev/null 2>&1 || fail "second run exited $?"
"$script" "$tmp/n" > /dev/null 2>&1; rc=$?
[ $rc -eq 1 ] || fail "without WL_MPA_STATS: exit $rc, want 1"
"$script" > /dev/null 2>&1; [ $? -eq 2 ] || fail "no argument: exit not 2"
echo "mpa_counters.csv and .md as expected"
