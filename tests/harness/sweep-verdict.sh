#!/usr/bin/env bash
# The sweep's verdicts: a variant whose peak RSS is 0.5% below the default
# build's, with an interval that excludes 1 from 5 runs a side, is a gain
# too small to act on, not a "clear gain" (it was); one 20% faster is a
# clear gain. Reads a fabricated sweep folder with `mpbench sweep --analyse`.
# Usage: sweep-verdict.sh BUILD
set -uo pipefail
build=${1:?usage: $0 BUILD}
mpb="$build/bin/mpbench"
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$mpb" ] || fail "no $mpb"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
d="$tmp/s"
mkdir -p "$d"
cat > "$d/sweep.csv" <<'CSV'
variant,allocator,status,flags,MPA_X,message
default,mpalloc,reference,,1,
x2,mpalloc-x2,built,-DMPA_X=2,2,
CSV
awk 'BEGIN { OFS = ","; print "allocator,variant,workload,threads,rep,status,wall_s,max_rss_kb"
    split("0.99 1.00 1.01 1.00 0.995", J, " ")
    for (r = 1; r <= 5; r++) {
        print "mpalloc", "default", "w", 1, r, "ok", 1.0 * J[r], 100000 + r
        print "mpalloc-x2", "x2", "w", 1, r, "ok", 0.8 * J[r], 99500 + r
    } }' > "$d/results.csv"
"$mpb" sweep --analyse "$d" > "$tmp/out" 2>&1 || fail "sweep --analyse: $(tail -3 "$tmp/out")"
grep -q '^| w | 1 | x2 (`-DMPA_X=2`) | 0.80 .* | +20.0% | clear gain |' "$d/report.md" ||
    fail "a 20% faster variant: $(grep '^| w | 1' "$d/report.md" | head -1)"
grep -q '^| w | 1 | x2 (`-DMPA_X=2`) | 1.00 .* | +0.5% | a gain under 5%: not one to act on |' "$d/report.md" ||
    fail "0.5% less RSS called: $(grep '^| w | 1' "$d/report.md" | tail -1)"
echo "sweep verdicts: a clear gain is beyond 5%"
