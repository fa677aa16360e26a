#!/usr/bin/env bash
# A tiny `mpbench sweep` end to end: MPA_MANTISSA_BITS=1,9 on one quick
# workload. 9 must fail with the header's #error, be reported, recorded
# (sweep.csv, build-failed rows) and skipped; 1 must build (into the build's
# variants/), run beside the default build, and get its plots and report
# section. A second sweep with the same flags reuses the variant.
# Usage: sweep-tiny.sh BUILD
set -uo pipefail
build=${1:?usage: $0 BUILD}
mpb="$build/bin/mpbench"
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$mpb" ] || { echo "FAIL: no $mpb after the build"; exit 1; }
[ -x "$build/bin/wl-pairs" ] || fail "no $build/bin/wl-pairs after the build"
[ -f "$build/lib/libmpalloc.so" ] || fail "no $build/lib/libmpalloc.so after the build"
command -v make > /dev/null && command -v cc > /dev/null || { echo "no make/cc"; exit 77; }
tmp=$(mktemp -d) || exit 1
# The variants this test makes are removed again (`mpbench list` would show
# them as if a user had built them); ones that were there before are kept.
# The default mantissa, read from tunables.h, and the value tried beside it.
def=$(awk '$1 == "#define" && $2 == "MPA_MANTISSA_BITS" { print $3 }' "$here/../../allocator/src/tunables.h")
[ -n "$def" ] && [ "$def" != 1 ] || fail "this test needs a default MPA_MANTISSA_BITS other than 1 (got '$def')"
made=()
for v in mantissa_bits1 mantissa_bits$def mantissa_bits9; do
    [ -e "$build/variants/$v" ] || made+=("$build/variants/$v")
done
trap 'rm -rf "$tmp" "${made[@]}"' EXIT
export MPB_SRC_DIR="$here/../.."
d="$tmp/s1"
"$mpb" sweep --tunable MPA_MANTISSA_BITS=1,$def,9 -w pairs -t 1 --repeat 1 --scale 0.05 \
    --warmup 0 --out "$d" > "$tmp/out" 2> "$tmp/err" || { cat "$tmp/err"; fail "sweep exited $?"; }
grep -q '#error.*MPA_MANTISSA_BITS' "$tmp/err" || fail "the #error of MANTISSA_BITS=9 was not reported"
[ "$(tail -n 1 "$tmp/out")" = "$d/report.md" ] || fail "last line is not the report's path"
grep -q '^mantissa_bits9,mpalloc-mantissa_bits9,build-failed,.*#error' "$d/sweep.csv" ||
    fail "sweep.csv does not record the failed build with its #error"
grep -Eq '^mantissa_bits1,mpalloc-mantissa_bits1,(built|reused),-DMPA_MANTISSA_BITS=1,1,' \
    "$d/sweep.csv" || fail "sweep.csv does not record mantissa_bits1 as built"
grep -q '^mpalloc-mantissa_bits9,mantissa_bits9,pairs,1,1,build-failed' "$d/results.csv" ||
    fail "results.csv has no build-failed row"
for a in mpalloc mpalloc-mantissa_bits1; do
    grep -q "^$a,[^,]*,pairs,1,1,ok," "$d/results.csv" || fail "no ok run of $a"
done
grep -q 'mpalloc-mantissa_bits9,[^,]*,pairs,1,1,ok' "$d/results.csv" && fail "the failed variant ran"
python3 - "$d/meta.json" "$def" <<'PY' || fail "meta.json lacks the variant's build record (flags, tunables as compiled)"
import json, sys
a = {x["name"]: x for x in json.load(open(sys.argv[1]))["allocators"]}
v = a["mpalloc-mantissa_bits1"]["build"]
assert v["flags"].strip() == "-DMPA_MANTISSA_BITS=1" and v["tunables"]["MPA_MANTISSA_BITS"] == "1", v
assert a["mpalloc"]["build"]["tunables"]["MPA_MANTISSA_BITS"] == sys.argv[2], a["mpalloc"]["build"]
PY
# $def is the default: the default build itself, not built or run again
grep -q "^mantissa_bits$def,mpalloc,default," "$d/sweep.csv" || fail "the default value is not the default build in sweep.csv"
grep -q "^mpalloc-mantissa_bits$def," "$d/results.csv" && fail "the default value ran as a separate variant"
[ ! -e "$d/builds/mantissa_bits$def.log" ] && [ ! -e "$build/variants/mantissa_bits$def" ] ||
    fail "the default value was built as a variant"
[ -f "$build/variants/mantissa_bits1/lib/libmpalloc.so" ] || fail "variant not under $build/variants"
grep -q '^## Sweep' "$d/report.md" || fail "report.md has no Sweep section"
grep -q '^| pairs | 1 | mantissa_bits1 ' "$d/report.md" || fail "report does not name the best variant"
grep -q 'MPA_MANTISSA_BITS must be 0..4' "$d/report.md" || fail "report does not show the #error"
if command -v gnuplot > /dev/null; then
    for p in sweep_MPA_MANTISSA_BITS_time_t1 sweep_MPA_MANTISSA_BITS_rss_t1 sweep_pareto_t1; do
        [ -s "$d/plots/$p.png" ] || fail "no plot $p.png"
        grep -q "plots/$p.png" "$d/report.md" || fail "report does not link $p.png"
    done
fi
"$mpb" sweep --tunable MPA_MANTISSA_BITS=1 -w pairs -t 1 --repeat 1 --scale 0.05 --warmup 0 \
    --out "$tmp/s2" > "$tmp/out2" 2>&1 || fail "second sweep exited $?"
grep -q 'mantissa_bits1.*reused' "$tmp/out2" || fail "second sweep did not reuse the variant"
"$mpb" sweep --tunable MPA_MANTISSA_BITS=1 -w pairs --out "$d" > /dev/null 2>&1
[ $? -eq 2 ] || fail "a sweep into a finished folder was not refused"
echo "tiny sweep: #error reported and skipped, variant built, run, plotted, reported"
