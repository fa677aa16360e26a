#!/usr/bin/env bash
# One identity per allocator: --alloc NAME=PATH labels a library NAME in
# results.csv, logs, matrix.txt (so --resume keeps it) and plots; a bare .so
# path is labelled by its file's stem and soname version (not its full
# path); a path that is a known allocator's own file keeps that name; two
# allocators that would share a label, a bad NAME and a NAME that is another
# allocator's are refused (exit 2, nothing written). Every plot of two
# folders draws one allocator in one colour. Usage: identity.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
mkdir -p "$tmp/a" "$tmp/b"
cp "$tmp/libpass.so" "$tmp/a/libpass.so.2"
cp "$tmp/libpass.so" "$tmp/b/libpass.so.2"
run() { "$mpb" run --workload "$tmp/wl-tiny" --repeat 1 --warmup 0 --scale 0.1 "$@"; }

run --alloc "glibc,mine=$tmp/libpass.so,$tmp/a/libpass.so.2" --threads 1,2 --out "$tmp/r1" \
    > "$tmp/out" 2>&1 || fail "run with NAME=PATH and a path failed: $(tail -3 "$tmp/out")"
csv="$tmp/r1/results.csv"
for a in glibc mine pass-2; do
    [ "$(grep -c "^$a,[^,]*,tiny," "$csv")" -eq 2 ] || fail "no 2 rows labelled $a: $(cut -d, -f1 "$csv" | sort -u | tr '\n' ' ')"
done
grep -q "^mine,.*,ok,.*,$tmp/libpass.so," "$csv" || fail "the lib column does not hold mine's path"
grep -q "$tmp/a/libpass" <(cut -d, -f1 "$csv") && fail "a full path is still the allocator column"
grep -qx "alloc=glibc,mine=$tmp/libpass.so,pass-2=$tmp/a/libpass.so.2" "$tmp/r1/matrix.txt" ||
    fail "matrix.txt does not keep the labels for --resume: $(grep alloc= "$tmp/r1/matrix.txt")"
grep -q '"name": "mine"' "$tmp/r1/meta.json" || fail "meta.json does not name mine"

# The same label twice, a bad name, a name that is another allocator's.
expect_refusal() { # $1: what, $2: message regex, rest: --alloc value
    local what=$1 re=$2 out="$tmp/refused"
    rm -rf "$out"
    run --alloc "$3" --threads 1 --out "$out" > "$tmp/out" 2>&1; rc=$?
    [ $rc -eq 2 ] || fail "$what: exit $rc, expected 2: $(tail -2 "$tmp/out")"
    grep -Eq "$re" "$tmp/out" || fail "$what: message: $(head -2 "$tmp/out")"
    [ ! -e "$out/results.csv" ] || fail "$what: results.csv was written"
}
expect_refusal "two libraries with one stem" "share the label 'pass-2'" \
    "$tmp/a/libpass.so.2,$tmp/b/libpass.so.2"
expect_refusal "a NAME twice" "share the label 'x'" "x=$tmp/a/libpass.so.2,x=$tmp/b/libpass.so.2"
expect_refusal "a bad NAME" "bad allocator name 'a b'" "a b=$tmp/libpass.so"
expect_refusal "glibc as a NAME" "'glibc' is the name of the system's malloc" "glibc=$tmp/libpass.so"
expect_refusal "an mpalloc name" "'mpalloc' is the name of" "mpalloc=$tmp/libpass.so"
# Two names for two different files that differ only in folder: fine once named.
run --alloc "p1=$tmp/a/libpass.so.2,p2=$tmp/b/libpass.so.2" --threads 1 --out "$tmp/r2" \
    > "$tmp/out" 2>&1 || fail "two named copies refused: $(tail -2 "$tmp/out")"
# mpalloc's own file given by path is mpalloc.
if [ -f "$build/lib/libmpalloc.so" ]; then
    run --alloc "$build/lib/libmpalloc.so" --threads 1 --out "$tmp/r3" > "$tmp/out" 2>&1 ||
        fail "libmpalloc.so by path failed: $(tail -2 "$tmp/out")"
    grep -q '^mpalloc,default,tiny,' "$tmp/r3/results.csv" ||
        fail "libmpalloc.so by path is not labelled mpalloc: $(tail -1 "$tmp/r3/results.csv")"
fi

# The palette: one colour per allocator in every plot of both folders.
command -v gnuplot > /dev/null || { echo "labels checked; no gnuplot: palette not checked"; exit 0; }
run --alloc "mine=$tmp/libpass.so,glibc" --threads 1,2 --out "$tmp/r4" > "$tmp/out" 2>&1 ||
    fail "second folder: $(tail -2 "$tmp/out")"
colour_of() { # $1 .gp file, $2 label: the rgb its clause or linetype gives that label
    local gp=$1 l=$2 n
    if grep -q "title '$l'" "$gp"; then
        grep "title '$l'" "$gp" | grep -o "lc rgb '#[0-9a-f]*'" | head -1
    else # linetype i for the i-th word of names
        n=$(awk -v l="$l" '/^names = / { gsub(/"/, ""); for (i = 3; i <= NF; i++) if ($i == l) print i - 2 }' "$gp")
        [ -n "$n" ] && grep "^set linetype $n " "$gp" | grep -o "lc rgb '#[0-9a-f]*'"
    fi
}
for l in mine glibc; do
    seen=""
    for gp in "$tmp"/r1/plots/*.gp "$tmp"/r4/plots/*.gp; do
        c=$(colour_of "$gp" "$l")
        case $(basename "$gp") in # a run too short to sample leaves a timeline without it
        timeline_*) [ -n "$c" ] || continue ;;
        *) [ -n "$c" ] || fail "$(basename "$gp") does not draw $l" ;;
        esac
        [ -z "$seen" ] || [ "$c" = "$seen" ] || fail "$l is $seen in one plot and $c in $(basename "$gp")"
        seen=$c
    done
done
[ "$(colour_of "$tmp/r1/plots/time_t1.gp" mine)" != "$(colour_of "$tmp/r1/plots/time_t1.gp" glibc)" ] ||
    fail "mine and glibc share a colour"
echo "labels from NAME=PATH and paths, refusals, one colour per allocator in every plot"
