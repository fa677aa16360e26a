#!/usr/bin/env bash
# mpbench summary on a fixture with known medians: checks medians, ratios to
# glibc, counts of failed runs, the CI, the noise flag, empty ratio columns
# without glibc, and exit status 2 on bad input. Usage: analysis-summary.sh BUILD
set -uo pipefail
mpb="${1:?usage: $0 BUILD}/bin/mpbench"
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$mpb" ] || { echo "FAIL: no $mpb after the build"; exit 1; }
. "$here/analysis-fixture.inc"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

mpb_fixture "$tmp/r"
"$mpb" summary "$tmp/r" >/dev/null || fail "summary exited $?"
csv="$tmp/r/summary.csv"
head -1 "$csv" | grep -q '^allocator,workload,threads,metric,n_ok,n_failed,median,min,max,ci_lo,ci_hi,ratio_to_glibc,ratio_ci_lo,ratio_ci_hi,noisy$' \
    || fail "summary.csv header: $(head -1 "$csv")"

# field VALUE of the row alloc,workload,threads,metric (columns by name)
get() {
    awk -F, -v k="$1,$2,$3,$4" -v col="$5" '
        NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        $1 "," $2 "," $3 "," $4 == k { print $c[col]; found = 1 }
        END { if (!found) print "MISSING" }' "$csv"
}
# expect ALLOC WORKLOAD THREADS METRIC COLUMN VALUE (numeric, 0.1% tolerance)
expect() {
    local v; v=$(get "$1" "$2" "$3" "$4" "$5")
    awk -v a="$v" -v b="$6" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && a != "MISSING" && d <= 0.001 * (b < 0 ? -b : b) + 1e-9) }' \
        || fail "$1/$2/$3 $4 $5 = '$v', expected $6"
}
expect glibc pairs 1 wall_s median 2
expect glibc pairs 1 wall_s ratio_to_glibc 1
expect mpalloc pairs 1 wall_s median 1.2
expect mpalloc pairs 1 wall_s ratio_to_glibc 0.6
expect tcmalloc larson 2 wall_s median 1.4
expect jemalloc churn 1 max_rss_kb median 36000
expect jemalloc churn 1 max_rss_kb ratio_to_glibc 1.2
expect mimalloc pairs 2 ops_per_s ratio_to_glibc 1.33333
expect mpalloc pairs 1 wall_s min 1.176
expect mpalloc pairs 1 wall_s ci_lo 1.176      # n = 5: CI is min..max
expect mpalloc pairs 1 wall_s ci_hi 1.236
expect mpalloc churn 2 wall_s n_ok 5
expect mpalloc churn 2 wall_s n_failed 2
expect glibc pairs 1 wall_s n_failed 0
expect glibc pairs 1 wall_s noisy 0
lo=$(get mpalloc pairs 1 wall_s ratio_ci_lo); hi=$(get mpalloc pairs 1 wall_s ratio_ci_hi)
awk -v l="$lo" -v h="$hi" 'BEGIN { exit !(l != "" && l < 0.6 && h > 0.6 && l > 0.5 && h < 0.7) }' \
    || fail "ratio CI [$lo, $hi] does not bracket 0.6"
[ "$(grep -c ',wall_s,' "$csv")" -eq 30 ] || fail "expected 30 wall_s rows"
grep -q ',instructions,' "$csv" && fail "instructions rows although the column is empty"

# a noisy cell: one run of glibc/pairs/1 made 50% slower
awk -F, 'BEGIN { OFS = "," } $1 == "glibc" && $3 == "pairs" && $4 == 1 && $5 == 1 && $6 == "ok" { $7 = $7 * 1.5 } { print }' \
    "$tmp/r/results.csv" > "$tmp/n.csv" && mkdir -p "$tmp/n" && mv "$tmp/n.csv" "$tmp/n/results.csv"
"$mpb" summary "$tmp/n" >/dev/null || fail "summary (noisy) exited $?"
csv="$tmp/n/summary.csv"
[ "$(get glibc pairs 1 wall_s noisy)" = 1 ] || fail "50% outlier not flagged noisy"

# without glibc the ratio columns are empty
mkdir -p "$tmp/ng" && grep -v '^glibc,' "$tmp/r/results.csv" > "$tmp/ng/results.csv"
"$mpb" summary "$tmp/ng" >/dev/null || fail "summary (no glibc) exited $?"
csv="$tmp/ng/summary.csv"
[ -z "$(get mpalloc pairs 1 wall_s ratio_to_glibc)" ] || fail "ratio present without glibc"
expect mpalloc pairs 1 wall_s median 1.2

# bad input: exit 2
"$mpb" summary "$tmp/nonexistent" >/dev/null 2>&1; [ $? -eq 2 ] || fail "missing folder: exit not 2"
mkdir -p "$tmp/bad" && printf 'a,b\n1,2\n' > "$tmp/bad/results.csv"
"$mpb" summary "$tmp/bad" >/dev/null 2>&1; [ $? -eq 2 ] || fail "CSV without the columns: exit not 2"
echo "summary: medians, ratios, CI, noise flag and failures as expected"
