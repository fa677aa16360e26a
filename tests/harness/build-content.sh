#!/usr/bin/env bash
# A library's build record and its code come from the same sources, even
# when an edit leaves a file no newer than the objects (a clock set back,
# `cp -p`, `tar x`, `rsync -a`): make decides by modification times and
# rebuilt nothing but the record (its header is regenerated from the
# content), so the library said MPA_MANTISSA_BITS 1 in meta.json while its
# code ran with 2, and mpbench, which checks the record's source id against
# the tree, found nothing stale. scripts/build-info sync (run by the
# Makefile) removes what depends on a source whose content changed.
# Checked on a copy of the allocator's sources (Makefile, scripts,
# allocator/), built at -O0:
#  - a .c edited with an old time: the library holds the new code;
#  - tunables.h edited with an old time: the record and the code agree
#    (malloc_usable_size(65) is 96 with 1 mantissa bit, 80 with 2 or more);
#  - with nothing changed, nothing is compiled.
# Usage: build-content.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
src="$tmp/src"
mkdir -p "$src" && cp -r "$root/Makefile" "$root/scripts" "$root/allocator" "$src/" ||
    fail "cannot copy the sources"
mk() { make -C "$src" --no-print-directory OPT=-O0 lib > "$tmp/make.log" 2>&1 ||
    fail "make lib: $(tail -3 "$tmp/make.log")"; }
lib="$src/build/lib/libmpalloc.so"
tunable() { # the compiled value of tunable $1 in the library's build record
    objcopy -O binary --only-section=.mpa_build "$lib" /dev/stdout | tr -d '\0' |
        python3 -c "import json,sys; print(json.load(sys.stdin)['tunables']['$1'])"
}
cat > "$tmp/usable.c" <<'EOF'
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
int main(void) {
    void *p = malloc(65);
    printf("%zu\n", malloc_usable_size(p));
    free(p);
    return 0;
}
EOF
cc -O1 -o "$tmp/usable" "$tmp/usable.c" || fail "cannot build usable.c"
usable() { LD_PRELOAD="$lib" "$tmp/usable"; }
old() { touch -d '-1 day' "$1"; } # an mtime older than every object

echo 'const char mpa_test_marker[] __attribute__((used)) = "marker-one";' >> "$src/allocator/src/stats.c"
mk
grep -q marker-one "$lib" || fail "the first build lacks its marker"
# The default (2 or more bits) gives 65 bytes an 80-byte class; 1 bit, 96.
def=$(sed -n 's/^#define MPA_MANTISSA_BITS \([0-9]*\)$/\1/p' "$src/allocator/src/tunables.h")
[ -n "$def" ] && [ "$def" -ge 2 ] || fail "tunables.h: default MPA_MANTISSA_BITS '$def' (expected 2 or more)"
[ "$(tunable MPA_MANTISSA_BITS)" = "$def" ] && [ "$(usable)" = 80 ] ||
    fail "default build: record $(tunable MPA_MANTISSA_BITS), usable(65) $(usable) (expected $def, 80)"

sed -i 's/marker-one/marker-two/' "$src/allocator/src/stats.c" && old "$src/allocator/src/stats.c"
mk
grep -q marker-two "$lib" && ! grep -q marker-one "$lib" ||
    fail "stats.c edited with an old time: the library still holds the old code"
echo "a .c edited with an old time: rebuilt"

sed -i "s/^#define MPA_MANTISSA_BITS $def\$/#define MPA_MANTISSA_BITS 1/" "$src/allocator/src/tunables.h"
grep -q '^#define MPA_MANTISSA_BITS 1$' "$src/allocator/src/tunables.h" || fail "cannot edit tunables.h"
old "$src/allocator/src/tunables.h"
mk
[ "$(tunable MPA_MANTISSA_BITS)" = 1 ] || fail "the record says MANTISSA_BITS $(tunable MPA_MANTISSA_BITS)"
[ "$(usable)" = 96 ] ||
    fail "the record says MANTISSA_BITS 1, but the code runs with $def (usable(65) $(usable), expected 96)"
echo "tunables.h edited with an old time: record and code agree (1 mantissa bit)"

mk
grep -q -- '-c allocator/' "$tmp/make.log" &&
    fail "nothing changed, yet $(grep -c -- '-c allocator/' "$tmp/make.log") files were compiled"
echo "nothing changed: nothing compiled"
exit 0
