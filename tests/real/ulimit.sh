#!/usr/bin/env bash
# Address-space limits: a program under ulimit gets NULL or MemoryError,
# never a crash. Under `ulimit -v` (RLIMIT_AS) of 256 MiB, 1 GiB and 8 GB,
# with the fast and the checked library preloaded, ls, sort and python3
# start and work; python3 fills the limit until MemoryError
# (malloc returned NULL), frees and allocates again, and fills the limit
# three times over with 1 MiB and 4 MiB buffers, and grows one block to the
# limit (bytearray, realloc through ctypes); the API tests pass both
# preloaded (-plain) and linked. Under `ulimit -d` (RLIMIT_DATA, which counts
# what strict overcommit counts: private writable mappings), a process
# commits only what it uses (VmData of a small program under 32 MiB with each
# build; it was 257 GiB, the pagemap and a region mapped read-write), and
# fills of 64 B, 64 KiB, 1 MiB + 1 and 16 MiB blocks, one after another
# with everything freed between, end in NULL with ENOMEM, never a crash,
# under the three builds; the fast build reaches 90% of what glibc reaches.
# Exit 0 pass, 1 fail.
set -uo pipefail
build=$(cd "${1:?usage: ulimit.sh BUILD}" && pwd)
fails=0

fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}

# Runs "$@" under an address-space limit of $1 KiB, $2 preloaded.
limited() {
    local kib=$1 lib=$2
    shift 2
    (ulimit -v "$kib" && LD_PRELOAD="$lib" timeout 120 "$@")
}

fill_py='
import sys
held = []
try:
    while True:
        held.append(bytearray(4 << 20))
except MemoryError:
    pass
n = len(held)
del held
again = [bytearray(4 << 20) for _ in range(n // 2)]
print(n, len(again))
sys.exit(0 if n >= 8 else 1)
'

refill_py='
import sys
size = int(sys.argv[1])
counts = []
for _ in range(3):
    held = []
    try:
        while True:
            held.append(bytearray(size))
    except MemoryError:
        pass
    counts.append(len(held))
    del held
print(*counts)
# Each fill reaches 70% of the limit (glibc: 97-99%; a buddy block per
# buffer reached 48% with 1 MiB buffers under 1 GiB).
limit = int(sys.argv[2]) << 10
sys.exit(0 if min(counts) * size >= limit * 7 // 10 and min(counts) >= counts[0] * 9 // 10 else 1)
'

# Growing one block to the limit (realloc of a huge block must not need
# twice its size): a bytearray grows by 1 MiB appends (realloc by an eighth
# at a time), and libc realloc is called through ctypes to grow a block
# 1 MiB at a time until NULL. Each reaches
# 75% of the limit (glibc: 86% and 99% under 256 MiB); a huge block that
# moved by copying held old and new at once and reached 41% / 45%, and took
# minutes under 1 GiB (every step copied the block).
grow_py='
import ctypes, errno, sys
limit = int(sys.argv[1]) << 10
b = bytearray()
try:
    while True:
        b += bytes(1 << 20)
except MemoryError:
    pass
appended = len(b)
del b
libc = ctypes.CDLL(None, use_errno=True)
libc.realloc.restype = ctypes.c_void_p
libc.realloc.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
p, n = None, 0
while True:
    q = libc.realloc(p, n + (1 << 20))
    if not q:
        break
    p = q
    ctypes.memset(p + n, 1, 1 << 20)
    n += 1 << 20
err = ctypes.get_errno()
ok = all(ctypes.string_at(p + i, 1) == b"\x01" for i in range(0, n, 1 << 16))
libc.free(p)
print(appended >> 20, n >> 20, "MiB")
sys.exit(0 if ok and err == errno.ENOMEM and min(appended, n) >= limit * 3 // 4 else 1)
'

for lib in "$build/lib/libmpalloc.so" "$build/lib/libmpalloc-checked.so"; do
    [ -f "$lib" ] || { fail "no $lib"; continue; }
    name=$(basename "$lib" .so)
    for kib in 262144 1048576 8000000; do
        out=$(limited "$kib" "$lib" ls -l / 2>&1) || fail "$name ulimit -v $kib: ls: $out"
        out=$(seq 1 200000 | limited "$kib" "$lib" sort -R 2>&1 | sort -n | tail -n 1)
        [ "$out" = 200000 ] || fail "$name ulimit -v $kib: sort gave '$out'"
        out=$(limited "$kib" "$lib" python3 -c 'import json; print(len(json.dumps([str(i) for i in range(300000)])))' 2>&1)
        [ "$out" = 2888890 ] || fail "$name ulimit -v $kib: python3 gave '$out'"
    done
    for kib in 262144 1048576; do
        out=$(limited "$kib" "$lib" python3 -c "$grow_py" "$kib" 2>&1) ||
            fail "$name ulimit -v $kib: python3 growing one block (bytearray, realloc +1 MiB): $out"
        echo "$name: $kib KiB limit, one block grown to (bytearray, realloc): $out"
    done
    out=$(limited 262144 "$lib" python3 -c "$fill_py" 2>&1) ||
        fail "$name ulimit -v 262144: python3 fill/free/refill: $out"
    echo "$name: 256 MiB limit, python3 4 MiB buffers before MemoryError, then again: $out"
    # Fill, free, fill again to the limit, three times: the second fill
    # finds freed blocks held back (checked build: the quarantine, flushed
    # when memory runs out) and huge blocks already unmapped.
    for kib in 262144 1048576; do
        for size in 1048576 4194304; do
            out=$(limited "$kib" "$lib" python3 -c "$refill_py" "$size" "$kib" 2>&1) ||
                fail "$name ulimit -v $kib: python3 fill/free x3 of $size-byte buffers: $out"
        done
    done
done

# ---- RLIMIT_DATA ----
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
root=$(cd "$(dirname "$0")/../.." && pwd)
cc -O2 -fno-builtin -o "$tmp/fill" "$root/tests/real/data/fill.c" || fail "cannot build fill.c"

# Reservations count nothing until used: VmData (what RLIMIT_DATA and strict
# overcommit count) of grep reading its own status stays small.
for lib in "$build/lib/libmpalloc.so" "$build/lib/libmpalloc-checked.so" \
           "$build/lib/libmpalloc-debug.so"; do
    kb=$(LD_PRELOAD="$lib" grep VmData /proc/self/status | awk '{print $2}')
    [ -n "$kb" ] && [ "$kb" -lt 32768 ] || fail "$(basename "$lib"): VmData $kb kB at start (>= 32 MiB)"
    echo "$(basename "$lib" .so): VmData at start $kb kB"
done

# Fills under ulimit -d and ulimit -v 256 MiB, one size after another in one
# process (each freed before the next), glibc first as the reference. Every
# fill of every build ends in NULL with ENOMEM. The fast build reaches 90% of
# glibc's figure at each size; the checked build too (85% under -v, where its
# small fills leave more behind; 1024-byte blocks reached 75% while its
# 2-byte trailer put a request of exactly a power of two in the next class);
# the debug build (a 32-byte header and 32 canary bytes per small object,
# a descriptor and a guard page per block) at 1 MiB + 1, 16 MiB and mixed
# sizes, 70% at 64 KiB and 100,000 B (blocks up to 1 MiB took a power of
# two: 48% and 73%). Before: 100,000-byte blocks took a mapping rounded to
# the chunk (fast 86% / 81%), checked 64 KiB + 2 bytes likewise (79%), the metadata
# pinned every region of a freed heap and a 100,000-byte fill after a 64 B
# one reached 0-15 MiB under -v, and a huge block whose pagemap entries
# could not be committed failed with freed memory still cached (checked:
# 0 MiB after the 64 B fill under -d).
sizes="64 1024 65536 100000 1048577 16777216 mixed 64"
for lim in d v; do
    ref=$( (ulimit -$lim 262144 && timeout 120 "$tmp/fill" $sizes) 2>&1)
    echo "glibc: ulimit -$lim 256 MiB, fills of $sizes reached (MiB): $ref"
    read -ra want <<<"$ref"
    for lib in "$build/lib/libmpalloc.so" "$build/lib/libmpalloc-checked.so" \
               "$build/lib/libmpalloc-debug.so"; do
        name=$(basename "$lib" .so)
        out=$( (ulimit -$lim 262144 && LD_PRELOAD="$lib" timeout 120 "$tmp/fill" $sizes) 2>&1)
        rc=$?
        echo "$name: ulimit -$lim 256 MiB, fills of $sizes reached (MiB): $out"
        [ "$rc" -eq 0 ] && [ "${out##* }" = ENOMEM ] ||
            fail "$name ulimit -$lim 256 MiB: fills did not all end in NULL/ENOMEM (exit $rc): $out"
        read -ra got <<<"$out"
        for i in 0 1 2 3 4 5 6 7; do
            pct=90
            case $name:$lim:$i in
            libmpalloc-debug:*:[017]) continue ;;
            libmpalloc-debug:*:[23]) pct=70 ;;
            libmpalloc-checked:v:*) pct=85 ;;
            esac
            [ "${got[i]:-0}" -ge $(( ${want[i]:-0} * pct / 100 )) ] ||
                fail "$name ulimit -$lim 256 MiB: fill $((i + 1)) reached ${got[i]:-?} MiB, glibc ${want[i]:-?} (< $pct%)"
        done
    done
done

# A huge block mapped to the page leaves the rest of its last chunk
# unmapped: a mapping of the program's own placed there is no heap object
# (the checked build reported a memset into it as an overflow of the block).
cc -O1 -o "$tmp/gap" "$root/tests/real/data/gap.c" || fail "cannot build gap.c"
for lib in "$build/lib/libmpalloc.so" "$build/lib/libmpalloc-checked.so" \
           "$build/lib/libmpalloc-debug.so"; do
    out=$( (ulimit -v 1048576 && LD_PRELOAD="$lib" timeout 60 "$tmp/gap") 2>&1) ||
        fail "$(basename "$lib" .so) ulimit -v 1 GiB: a mapping beside a block: $out"
done
# Large blocks grown, shrunk, aligned and freed in a mix under each limit
# (data/huge-resize.c): a block realloc moved (mremap) to a page inside the
# unmapped rest of another block's last chunk shared its pagemap entry, and
# free aborted ("a pointer inside a large object").
cc -O1 -fno-builtin -o "$tmp/huge-resize" "$root/tests/real/data/huge-resize.c" ||
    fail "cannot build huge-resize.c"
for lim in "-v 1048576" "-d 1048576" "-v 262144"; do
    for lib in "$build/lib/libmpalloc.so" "$build/lib/libmpalloc-checked.so" \
               "$build/lib/libmpalloc-debug.so"; do
        out=$( (ulimit $lim && LD_PRELOAD="$lib" timeout 120 "$tmp/huge-resize") 2>&1) ||
            fail "$(basename "$lib" .so) ulimit $lim: large blocks resized: $out"
    done
done

# Threads mapping and unmapping large blocks at once under a limit
# (data/huge-threads.c): a freed block's pagemap head, written after its
# unmap, overwrote the head of the block another thread had mapped there.
cc -O1 -pthread -fno-builtin -o "$tmp/huge-threads" "$root/tests/real/data/huge-threads.c" ||
    fail "cannot build huge-threads.c"
for lim in "-v 1048576" "-d 524288"; do
    for lib in "$build/lib/libmpalloc.so" "$build/lib/libmpalloc-checked.so" \
               "$build/lib/libmpalloc-debug.so"; do
        out=$( (ulimit $lim && LD_PRELOAD="$lib" timeout 120 "$tmp/huge-threads") 2>&1) ||
            fail "$(basename "$lib" .so) ulimit $lim: threads of large blocks: $(tail -n 3 <<<"$out")"
    done
done

out=$( (ulimit -d 262144 && LD_PRELOAD="$build/lib/libmpalloc.so" timeout 120 python3 -c "$fill_py") 2>&1) ||
    fail "libmpalloc ulimit -d 256 MiB: python3 fill/free/refill: $out"

# The API tests, preloaded and linked, under 256 MiB and 1 GiB.
for kib in 262144 1048576; do
    for bin in "$build"/tests/api/*-plain "$build"/tests/api/*-linked; do
        [ -x "$bin" ] || continue
        case $bin in
        *-plain) pre="$build/lib/libmpalloc.so" ;;
        *) pre= ;;
        esac
        out=$( (ulimit -v "$kib" && LD_PRELOAD="$pre" timeout 300 "$bin" --jobs 1 --color=never) 2>&1) ||
            fail "ulimit -v $kib: $(basename "$bin"): $(grep -a -B3 FAIL <<<"$out" | head -n 12)"
    done
done

[ "$fails" -eq 0 ] && echo "ulimit: all passed"
[ "$fails" -eq 0 ]
