#!/usr/bin/env bash
# mpbench list: every known allocator (tbbmalloc and scudo too) once, the
# state column aligned however long a name is (a long variant name made
# here), and a variant folder without a library (what a failed build leaves)
# counted, not listed as an allocator. Usage: list.sh BUILD
set -uo pipefail
build=${1:?usage: $0 BUILD}
mpb="$build/bin/mpbench"
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$mpb" ] || fail "no $mpb after the build"
[ -f "$build/lib/libmpalloc.so" ] || fail "no libmpalloc.so after the build"
v="$build/variants"
long="zz-list-test-a-rather-long-variant-name-$$" empty="zz-list-test-empty-$$"
trap 'rm -rf "$v/$long" "$v/$empty"' EXIT
mkdir -p "$v/$long/lib" "$v/$empty"
cp "$build/lib/libmpalloc.so" "$v/$long/lib/libmpalloc.so"
echo "-DMPA_LIST_TEST=1" > "$v/$long/flags"
out=$("$mpb" list 2>&1) || fail "list exited $?"
for a in glibc jemalloc tcmalloc mimalloc tbbmalloc scudo mpalloc; do
    [ "$(grep -cE "^  $a +(found|MISSING) " <<<"$out")" -eq 1 ] || fail "$a not listed once"
done
grep -qE "^  mpalloc-$long +found .*flags: -DMPA_LIST_TEST=1" <<<"$out" || fail "the long variant is not listed with its flags"
grep -qE "^  mpalloc-$empty " <<<"$out" && fail "a variant folder without a library is listed"
grep -q "without a library.*$empty" <<<"$out" || fail "the empty variant folder is not counted"
# In each table, the state column starts at the same place on every row.
awk '/^[a-z].*:$/ { t++ } /^  [^ (]/ { p = index($0, " found "); if (!p) p = index($0, " MISSING ");
        if (p && col[t] && p != col[t]) { print "misaligned: " $0; bad = 1 } if (p) col[t] = p }
     END { exit bad }' <<<"$out" || fail "columns misaligned"
echo "list: known allocators, aligned columns, failed-build folders not listed"
