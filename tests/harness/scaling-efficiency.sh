#!/usr/bin/env bash
# Per-thread efficiency on a fixture with known ops/s: the report's "Thread
# scaling" table must hold E(N) = (ops/s at N / N) / ops/s at 1 exactly, the
# ceiling min(N, PUs)/N from meta.json ("?" when meta.json has no PUs), the
# binding line, the oversubscribed slowdown 1/E(N) against N/PUs; `mpbench plot` must write efficiency_<W>.png with its data.
# One thread count: no section, no efficiency plot. Usage: scaling-efficiency.sh BUILD
set -uo pipefail
mpb="${1:?usage: $0 BUILD}/bin/mpbench"
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$mpb" ] || { echo "FAIL: no $mpb after the build"; exit 1; }
command -v gnuplot > /dev/null || { echo "gnuplot not installed"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# fixture DIR THREADS...: glibc and mpalloc on workload "wc", 3 equal reps;
# ops/s per thread count from the tables below.
fixture() {
    local d=$1
    shift
    mkdir -p "$d"
    awk -v list="$*" 'BEGIN {
        OFS = ","
        G[1] = 100; G[2] = 160; G[4] = 200; G[8] = 200     # glibc ops/s
        M[1] = 200; M[2] = 400; M[4] = 400; M[8] = 100     # mpalloc ops/s
        print "allocator,variant,workload,threads,rep,status,wall_s,max_rss_kb,ops,ops_per_s"
        n = split(list, T, " ")
        for (i = 1; i <= n; i++) for (r = 1; r <= 3; r++) {
            t = T[i]
            print "glibc", "default", "wc", t, r, "ok", 1000 * t / G[t], 1000, 1000 * t, G[t]
            print "mpalloc", "default", "wc", t, r, "ok", 1000 * t / M[t], 1000, 1000 * t, M[t]
        }
    }' > "$d/results.csv"
}

d="$tmp/s"
fixture "$d" 1 2 4 8
cat > "$d/meta.json" <<'JSON'
{"host": "fixture", "pus": 2, "cores": 2,
 "matrix": {"binding": {"1": "core 0", "2": "cores 0-1", "4": "all 2 PUs (oversubscribed 2x)",
                        "8": "all 2 PUs (oversubscribed 4x)"}}}
JSON
"$mpb" plot "$d" > "$tmp/out" 2>&1 || fail "plot exited $?: $(tail -1 "$tmp/out")"
"$mpb" report "$d" > "$tmp/out" 2>&1 || fail "report exited $?: $(tail -1 "$tmp/out")"
r="$d/report.md"
grep -q '^## Thread scaling' "$r" || fail "report.md has no Thread scaling section"
for row in '| 2 | 1.00 | 0.80 [0.80, 0.80] | 1.00 [1.00, 1.00] |' \
           '| 4 | 0.50 | 0.50 [0.50, 0.50] | 0.50 [0.50, 0.50] |' \
           '| 8 | 0.25 | 0.25 [0.25, 0.25] | 0.0625 [0.0625, 0.0625] |'; do
    grep -qF "$row" "$r" || fail "efficiency row missing: $row
$(sed -n '/^### wc/,/^Plots/p' "$r")"
done
grep -qF 'Thread counts above 2 are oversubscribed' "$r" || fail "no oversubscription note"
# The slowdown table: 1/E(N) against N / PUs, oversubscribed counts only.
for row in '| wc | 4 | 2.00 | 2.00 [2.00, 2.00] | 2.00 [2.00, 2.00] |' \
           '| wc | 8 | 4.00 | 4.00 [4.00, 4.00] | 16.00 [16.00, 16.00] |'; do
    grep -qF "$row" "$r" || fail "slowdown row missing: $row
$(sed -n '/^### Oversubscribed/,/^Plots/p' "$r")"
done
sed -n '/^### Oversubscribed/,/^Plots/p' "$r" | grep -q '^| wc | 2 |' && fail "slowdown row for 2 threads on 2 PUs"
grep -qF '8 threads: all 2 PUs (oversubscribed 4x)' "$r" || fail "no binding line"
p="$d/plots/efficiency_wc"
[ "$(head -c 4 "$p.png" | tail -c 3)" = PNG ] || fail "no efficiency_wc.png"
grep -q '^8 0.25 0.25 0.25 0.25 0.0625 0.0625 0.0625$' "$p.dat" || fail "efficiency_wc.dat: $(cat "$p.dat")"
grep -q "ceiling on 2 PUs" "$p.gp" || fail "efficiency_wc.gp draws no ceiling"
grep -qF '](plots/efficiency_wc.png)' "$r" || fail "report does not link the efficiency plot"

# Without PUs in meta.json: ceiling unknown, plot still drawn without it.
echo '{"host": "fixture"}' > "$d/meta.json"
rm -rf "$d/plots"
"$mpb" plot "$d" > "$tmp/out" 2>&1 || fail "plot without PUs exited $?: $(tail -1 "$tmp/out")"
"$mpb" report "$d" > /dev/null 2>&1 || fail "report without PUs exited $?"
grep -qF '| 2 | ? | 0.80 [0.80, 0.80] |' "$r" || fail "unknown ceiling not shown as ?"
[ -s "$d/plots/efficiency_wc.png" ] || fail "no efficiency plot without PUs"
grep -q "ceiling" "$d/plots/efficiency_wc.gp" && fail "ceiling drawn though PUs are unknown"

# One thread count: nothing about scaling.
d1="$tmp/one"
fixture "$d1" 2
"$mpb" plot "$d1" > /dev/null 2>&1 || fail "plot of one thread count exited $?"
"$mpb" report "$d1" > /dev/null 2>&1 || fail "report of one thread count exited $?"
grep -q '^## Thread scaling' "$d1/report.md" && fail "Thread scaling section with one thread count"
ls "$d1/plots" | grep -q efficiency && fail "efficiency plot with one thread count"
echo "efficiency, ceiling, binding and plot as expected"
