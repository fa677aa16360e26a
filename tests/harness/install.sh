#!/usr/bin/env bash
# make install installs the whole toolkit: the three libraries, header and
# pkg-config file, mpbench (PREFIX/bin) with its workloads, probe, recorder
# and replayer, the real-program workloads' data, and a man page per command
# made from --help. The installed mpbench, run from anywhere, lists and runs
# allocators and workloads from the install (a real-program workload
# included), and records and replays a program. DESTDIR stages an install.
# Usage: install.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:?usage: $0 BUILD}
build=$(cd "$build" && pwd)
fail() { echo "FAIL: $*"; exit 1; }
command -v help2man > /dev/null || { echo "no help2man (scripts/install-deps installs it)"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
p="$tmp/prefix"
make -C "$root" --no-print-directory install BUILD="$build" PREFIX="$p" > "$tmp/out" 2>&1 ||
    fail "make install: $(tail -5 "$tmp/out")"
for f in bin/mpbench include/mpalloc.h lib/libmpalloc.so lib/libmpalloc.a lib/libmpalloc-checked.so \
         lib/libmpalloc-debug.so lib/pkgconfig/mpalloc.pc lib/mpalloc/bin/mpb-replay \
         lib/mpalloc/bin/wl-pairs lib/mpalloc/bin/wl-gcc lib/mpalloc/lib/mpbench-probe.so \
         lib/mpalloc/lib/libmpatrace.so share/mpalloc/data/gen_c.awk share/man/man1/mpbench.1; do
    [ -e "$p/$f" ] || fail "make install left out $f"
done
grep -q "$p/share/mpalloc/data" "$p/lib/mpalloc/bin/wl-gcc" || fail "wl-gcc does not use the installed data"
grep -q "$root" "$p/lib/mpalloc/bin/wl-gcc" && fail "wl-gcc still points into the source tree"
mpb="$p/bin/mpbench"
"$mpb" --version | grep -q '^mpbench (mpalloc) [0-9]' || fail "--version: $("$mpb" --version)"
for cmd in $("$mpb" --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }'); do
    page="$p/share/man/man1/mpbench-$cmd.1"
    [ -s "$page" ] || fail "no man page for mpbench $cmd"
    grep -q "^\.TH MPBENCH-$(echo "$cmd" | tr a-z A-Z) " "$page" || fail "mpbench-$cmd.1: $(grep '^\.TH' "$page")"
    grep -q 'usage: mpbench' "$page" || fail "mpbench-$cmd.1 does not hold its --help"
done

cd "$tmp" || fail "cd"
"$mpb" list > "$tmp/list" 2>&1 || fail "installed list: $(tail -2 "$tmp/list")"
grep -qE "^  mpalloc +found .*$p/lib/libmpalloc.so" "$tmp/list" || fail "installed list: mpalloc: $(grep mpalloc "$tmp/list" | head -2)"
grep -q "^workloads (in $p/lib/mpalloc/bin)" "$tmp/list" && grep -q '^  pairs ' "$tmp/list" ||
    fail "installed list: workloads: $(grep -A2 workloads "$tmp/list")"
"$mpb" run --alloc glibc,mpalloc,mpalloc-checked --workload pairs,gcc --threads 1 --repeat 1 --scale 0.02 \
    --warmup 0 --no-report --out r > "$tmp/out" 2>&1 || fail "installed run: $(tail -3 "$tmp/out")"
[ "$(grep -c ',ok,' r/results.csv)" -eq 6 ] || fail "installed run rows: $(cut -d, -f1,3,6 r/results.csv | tr '\n' ' ')"
grep -q "^mpalloc,default,pairs,.*,$p/lib/libmpalloc.so," r/results.csv || fail "mpalloc is not the installed library"
cc -O1 -pthread -o "$tmp/threads" "$here/fixtures/trace_threads.c" || fail "cannot build trace_threads.c"
"$mpb" record -o t.mpt -- "$tmp/threads" > /dev/null 2>&1 || fail "installed record"
"$mpb" replay t.mpt --alloc glibc,mpalloc --repeat 1 --no-report --out rp > "$tmp/out" 2>&1 ||
    fail "installed replay: $(tail -2 "$tmp/out")"
[ "$(grep -c ',ok,' rp/results.csv)" -eq 2 ] || fail "installed replay rows"

# DESTDIR: staged under it, the paths inside are PREFIX's.
make -C "$root" --no-print-directory install BUILD="$build" PREFIX=/opt/mpt DESTDIR="$tmp/stage" > "$tmp/out" 2>&1 ||
    fail "make install DESTDIR: $(tail -3 "$tmp/out")"
[ -x "$tmp/stage/opt/mpt/lib/mpalloc/bin/mpbench" ] && [ -L "$tmp/stage/opt/mpt/bin/mpbench" ] ||
    fail "DESTDIR install incomplete"
grep -q "/opt/mpt/share/mpalloc/data" "$tmp/stage/opt/mpt/lib/mpalloc/bin/wl-gcc" || fail "DESTDIR leaked into wl-gcc"
grep -q "$tmp/stage" "$tmp/stage/opt/mpt/lib/pkgconfig/mpalloc.pc" && fail "DESTDIR leaked into mpalloc.pc"
echo "make install: libraries, toolkit, data, man pages; the installed mpbench runs, records and replays"
