#!/usr/bin/env bash
# mpbench plot and report on a fixture: PNGs (and their .dat/.gp) for time,
# RSS, thread scaling and per-thread efficiency; report.md with the machine, matrix, ranking, plot
# links that resolve, tables, failures. Usage: analysis-plot-report.sh BUILD
set -uo pipefail
mpb="${1:?usage: $0 BUILD}/bin/mpbench"
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$mpb" ] || { echo "FAIL: no $mpb after the build"; exit 1; }
command -v gnuplot >/dev/null || { echo "gnuplot not installed"; exit 77; }
. "$here/analysis-fixture.inc"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
d="$tmp/run-1"
mpb_fixture "$d"

"$mpb" plot "$d" > "$tmp/out" 2>&1 || fail "plot exited $?: $(tail -1 "$tmp/out")"
for p in time_t1 time_t2 rss_t1 rss_t2 scaling_pairs scaling_larson scaling_churn \
         efficiency_pairs efficiency_larson efficiency_churn; do
    [ -s "$d/plots/$p.png" ] || fail "no plots/$p.png"
    [ "$(head -c 4 "$d/plots/$p.png" | tail -c 3)" = PNG ] || fail "plots/$p.png is not a PNG"
    [ -s "$d/plots/$p.dat" ] && [ -s "$d/plots/$p.gp" ] || fail "no .dat/.gp for $p"
done
grep -q '^"pairs" 1 ' "$d/plots/time_t1.dat" || fail "time_t1.dat: glibc ratio not 1"

"$mpb" report "$d" > "$tmp/out" 2>&1 || fail "report exited $?"
r="$d/report.md"
[ -s "$r" ] || fail "no report.md"
for s in '## Machine' '## Matrix' '## Ranking' '## Plots' '## Wall time' '## Peak RSS' \
         '## Failures' '## Noisy cells' 'fixture-host' 'perf_event_paranoid' 'timeout x1'; do
    grep -qF "$s" "$r" || fail "report.md lacks '$s'"
done
grep -q '^| 1 | mpalloc | 0.60 | 0.90 |' "$r" || fail "ranking: mpalloc not first at 0.60/0.90"
links=$(grep -o '](plots/[^)]*)' "$r" | sed 's/^](//; s/)$//')
[ "$(echo "$links" | grep -c png)" -eq 10 ] || fail "expected 10 plot links"
for l in $links; do [ -f "$d/$l" ] || fail "broken link $l"; done

rm "$d/meta.json"
"$mpb" report "$d" > /dev/null 2>&1 || fail "report without meta.json exited $?"
grep -q 'meta.json is missing' "$r" || fail "report does not say meta.json is missing"
"$mpb" report "$tmp/nothing" > /dev/null 2>&1; [ $? -eq 2 ] || fail "report on a missing folder: exit not 2"
echo "plot and report: 10 PNGs with data, report sections and links present"
