#!/usr/bin/env bash
# Every libmpalloc build carries its build record, mpbench reads it from the
# library that ran, and a build that is not what its name asks for is
# refused (it was labelled with the source tree's tunables and the variant's
# flags file, whatever the library was built with):
#  - `make variant` again with other FLAGS rebuilds (it rewrote the flags
#    file and kept the old library), and with the same FLAGS compiles nothing;
#  - meta.json gives each allocator's build id and record (tunables as
#    compiled), read back from inside the runs; each row has the build id;
#  - mpalloc when allocator/src/tunables.h changed since the build, and a
#    variant whose flags file names other flags than it was built with, are
#    refused (exit 2) with the command that rebuilds them;
#  - a library replaced during the matrix makes its later rows unverified.
# Usage: provenance-builds.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
root=$(cd "$here/../.." && pwd)
vname="i19test$$"
cleanup() { rm -rf "$tmp" "$build/variants/$vname"; }
trap cleanup EXIT
export TINY_MS=5
record() { # the .mpa_build record of library $1, as JSON
    python3 - "$1" <<'PY'
import subprocess, sys
out = subprocess.run(["objcopy", "-O", "binary", "--only-section=.mpa_build", sys.argv[1], "/dev/stdout"],
                     capture_output=True).stdout
print(out.rstrip(b"\0").decode())
PY
}
tunable() { record "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)['tunables']['$2'])"; }

# make variant: rebuilt when its flags change, not when they do not.
mk() { make -C "$root" --no-print-directory BUILD="$tmp/b" OPT=-O0 variant NAME=v FLAGS="$1" 2>&1; }
mk '-DMPA_MANTISSA_BITS=1' > "$tmp/make1" || fail "make variant: $(tail -3 "$tmp/make1")"
lib="$tmp/b/variants/v/lib/libmpalloc.so"
[ "$(tunable "$lib" MPA_MANTISSA_BITS)" = 1 ] || fail "the record does not say MANTISSA_BITS 1"
mk '-DMPA_MANTISSA_BITS=3' > "$tmp/make2" || fail "make variant again: $(tail -3 "$tmp/make2")"
[ "$(tunable "$lib" MPA_MANTISSA_BITS)" = 3 ] \
    || fail "make variant with other FLAGS did not rebuild: the library still has MANTISSA_BITS $(tunable "$lib" MPA_MANTISSA_BITS)"
[ "$(cat "$tmp/b/variants/v/flags")" = '-DMPA_MANTISSA_BITS=3' ] || fail "flags file not rewritten"
mk '-DMPA_MANTISSA_BITS=3' > "$tmp/make3" || fail "make variant a third time"
grep -q -- '-c allocator/src' "$tmp/make3" && fail "the same FLAGS recompiled: $(grep -c -- '-c allocator' "$tmp/make3") files"
echo "make variant: rebuilt for other FLAGS, nothing compiled for the same"

# The record read from the library that ran, in meta.json and every row.
"$mpb" run --alloc glibc,mpalloc --workload "$tmp/wl-tiny" --threads 1 --repeat 2 --no-pin \
    --no-report --out "$tmp/r" > "$tmp/out" 2>&1 || fail "run: $(tail -3 "$tmp/out")"
record "$build/lib/libmpalloc.so" > "$tmp/rec.json"
python3 - "$tmp/r" "$tmp/rec.json" <<'PY' || fail "builds not recorded"
import csv, json, sys
meta = json.load(open(sys.argv[1] + "/meta.json"))
rec = json.load(open(sys.argv[2]))
a = {x["name"]: x for x in meta["allocators"]}
m = a["mpalloc"]
assert m["build_id"] == "mpa:" + rec["build_id"], (m["build_id"], rec["build_id"])
assert m["build"]["tunables"] == rec["tunables"] and m["build"]["source_id"] == rec["source_id"]
assert m["build_read_from"].startswith("the library that ran"), m["build_read_from"]
assert m["build_confirmed_by_runs"] == 2, m
assert a["glibc"]["build_id"].startswith("gnu:"), a["glibc"]
for r in csv.DictReader(open(sys.argv[1] + "/results.csv")):
    assert r["status"] == "ok" and r["build_id"] == a[r["allocator"]]["build_id"], r
PY
echo "meta.json and rows carry the build read from the library that ran"

# A stale default build: the source tree changed since it was built.
mkdir -p "$tmp/src/scripts" && cp -a "$root/allocator" "$tmp/src/" && cp -a "$root/scripts/build-info" "$tmp/src/scripts/"
MPB_SRC_DIR="$tmp/src" "$mpb" run --alloc mpalloc --workload "$tmp/wl-tiny" --threads 1 --repeat 1 \
    --no-pin --no-report --out "$tmp/same" > "$tmp/out" 2>&1 \
    || fail "an unchanged copy of the sources made the build stale: $(tail -3 "$tmp/out")"
sleep 1; t="$tmp/src/allocator/src/tunables.h" # another mantissa, whatever the default
awk '$1 == "#define" && $2 == "MPA_MANTISSA_BITS" { $3 = ($3 == 1 ? 2 : 1) } { print }' "$t" > "$t.new" && mv "$t.new" "$t"
MPB_SRC_DIR="$tmp/src" "$mpb" run --alloc mpalloc --workload "$tmp/wl-tiny" --threads 1 --repeat 1 \
    --no-pin --no-report --out "$tmp/stale" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] || fail "tunables.h changed after the build: exit $rc, expected 2 (stale)"
grep -q 'refused: mpalloc is stale: .*newer than it: allocator/src/tunables.h' "$tmp/out" \
    || fail "no stale message naming tunables.h: $(head -2 "$tmp/out")"
grep -q "make -C $tmp/src BUILD=.* lib" "$tmp/out" || fail "no rebuild command: $(cat "$tmp/out")"
[ ! -e "$tmp/stale/results.csv" ] || fail "the stale build ran"
MPB_SRC_DIR="$tmp/src" "$mpb" kernel --quick --out "$tmp/kstale" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q 'refused: ks-bench is stale: .*newer than it: allocator/src/tunables.h' "$tmp/out" \
    || fail "a stale ks-bench: exit $rc: $(head -2 "$tmp/out")"
[ ! -e "$tmp/kstale" ] || fail "the stale ks-bench left a folder"
echo "stale default build and ks-bench refused with their rebuild commands"

# A variant whose flags file names other flags than the library's.
mkdir -p "$build/variants/$vname/lib" && cp "$lib" "$build/variants/$vname/lib/"
echo '-DMPA_MANTISSA_BITS=3' > "$build/variants/$vname/flags"
"$mpb" run --alloc "mpalloc-$vname" --workload "$tmp/wl-tiny" --threads 1 --repeat 1 --no-pin \
    --no-report --out "$tmp/v1" > "$tmp/out" 2>&1 || fail "variant with its own flags refused: $(tail -2 "$tmp/out")"
echo '-DMPA_MANTISSA_BITS=1' > "$build/variants/$vname/flags"
"$mpb" run --alloc "mpalloc-$vname" --workload "$tmp/wl-tiny" --threads 1 --repeat 1 --no-pin \
    --no-report --out "$tmp/v2" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] || fail "variant flags file differs from the built flags: exit $rc, expected 2"
grep -q "names the flags '-DMPA_MANTISSA_BITS=1', but .* was built with '-DMPA_MANTISSA_BITS=3'" "$tmp/out" \
    || fail "no message naming both flags: $(head -2 "$tmp/out")"
grep -q "variant NAME=$vname FLAGS='-DMPA_MANTISSA_BITS=1'" "$tmp/out" || fail "no rebuild command"
echo "variant with a flags file other than its build refused"

# The library replaced between two runs of the matrix: the later row is
# not credited to the build recorded at the start.
cp "$build/lib/libmpalloc.so" "$tmp/x.so"
cat > "$tmp/wl-swap" <<SH
#!/usr/bin/env bash
if [ ! -e "$tmp/swapped" ]; then
    touch "$tmp/swapped"
    cp "$lib" "$tmp/x.so.new" && mv "$tmp/x.so.new" "$tmp/x.so"
fi
echo "mpbench-ops: 1"
SH
chmod +x "$tmp/wl-swap"
"$mpb" run --alloc "x=$tmp/x.so" --workload "$tmp/wl-swap" --threads 1 --repeat 2 --warmup 0 --no-pin \
    --no-report --out "$tmp/sw" > "$tmp/out" 2>&1
[ "$(csv_get "$tmp/sw/results.csv" status 1)" = ok ] || fail "the run before the swap is not ok"
[ "$(csv_get "$tmp/sw/results.csv" status 2)" = unverified ] || fail "the run after the swap is $(csv_get "$tmp/sw/results.csv" status 2)"
grep -q 'the library that ran is build mpa:[0-9a-f]*, not build mpa:[0-9a-f]* that mpbench recorded' "$tmp/sw/results.csv" \
    || fail "the unverified row does not say which build ran"
echo "a library replaced during the matrix: later rows unverified"

# --resume after the library or the workload changed: refused (one cell
# would pool two builds, or two programs).
cp "$build/lib/libmpalloc.so" "$tmp/y.so" && cp "$tmp/wl-tiny" "$tmp/wl-t"
"$mpb" run --alloc "y=$tmp/y.so" --workload "$tmp/wl-t" --threads 1 --repeat 2 --no-pin --no-report \
    --out "$tmp/res" > "$tmp/out" 2>&1 || fail "run y: $(tail -2 "$tmp/out")"
sed -i '$d' "$tmp/res/results.csv"
cp "$lib" "$tmp/y.so"
"$mpb" run --resume "$tmp/res" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q 'refused: --resume .*: y is build mpa:[0-9a-f]* now, but the folder.s runs of it were made with build' "$tmp/out" \
    || fail "resume with another build of y: exit $rc: $(tail -2 "$tmp/out")"
cp "$build/lib/libmpalloc.so" "$tmp/y.so"
cc -O0 -pthread -o "$tmp/wl-t" "$fx/wl_tiny.c" || fail "cannot rebuild wl_tiny.c"
"$mpb" run --resume "$tmp/res" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q 'refused: --resume .*: workload t is gnu:[0-9a-f]* now, but the folder.s runs of it ran' "$tmp/out" \
    || fail "resume with a rebuilt workload: exit $rc: $(tail -2 "$tmp/out")"
echo "--resume with another build or another workload program refused"
