#!/usr/bin/env bash
# gnuplot never goes through a shell: a results folder named with a single
# quote, a double quote, a dollar sign and spaces, and a workload whose name
# holds a quote, still get every plot inside DIR/plots (and none in the
# current folder), with the scripts beside them redrawing the same files.
# Usage: analysis-plot-odd-dir.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
export TINY_MS=10
mpb=$(cd "$(dirname "$mpb")" && pwd)/mpbench
mkdir "$tmp/cwd" && cd "$tmp/cwd" || fail "cannot enter $tmp/cwd"

odd="$tmp/it's a \"dir\" \$HOME"
cp "$tmp/wl-tiny" "$tmp/wl-it's"
"$mpb" run --alloc "glibc,$tmp/libpass.so" --workload "$tmp/wl-it's" --threads 1,2 --repeat 2 \
    --out "$odd" --no-report > "$tmp/out" 2>&1 || fail "run failed: $(tail -1 "$tmp/out")"
"$mpb" plot "$odd" > "$tmp/out" 2>&1 || fail "plot failed: $(cat "$tmp/out")"
for p in time_t1 time_t2 rss_t1 rss_t2; do
    [ -s "$odd/plots/$p.png" ] || fail "no $p.png in the odd folder: $(ls "$odd/plots")"
done
ls "$odd/plots"/scaling_*.png > /dev/null 2>&1 || fail "no scaling plot: $(ls "$odd/plots")"
[ -z "$(ls -A "$tmp/cwd")" ] || fail "plots landed in the current folder: $(ls -A "$tmp/cwd")"
grep -q "it''s" "$odd/plots/scaling_"*.gp || fail "workload name not quoted for gnuplot in the title"
rm "$odd/plots/time_t1.png"
(cd "$odd/plots" && gnuplot time_t1.gp) || fail "saved script does not redraw its plot"
[ -s "$odd/plots/time_t1.png" ] || fail "redrawing time_t1.gp made no time_t1.png"
echo "plots of a folder named with quotes and \$ drawn inside it; saved scripts redraw them"
