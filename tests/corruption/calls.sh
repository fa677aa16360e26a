#!/usr/bin/env bash
# Messages name the misused call (a user must know which call of theirs
# went wrong, not only that the heap is corrupt): each case of
# BUILD/tests/corruption/calls runs in a child under LD_PRELOAD of the fast
# and of the checked build and must die of SIGABRT with exactly one stderr
# line naming the call: realloc, malloc_usable_size or free (the checked
# build may describe the object its own way, but names the call too).
# Each case runs unlimited (the pagemap covers the whole address space) and
# under `ulimit -v` 8 GB (the heap and its pagemap confined to a window:
# stack, static and foreign mmap pointers lie outside it).
# Usage: tests/corruption/calls.sh BUILD   (0 pass, 1 fail, 77 skip)
set -uo pipefail

build=$(cd "${1:-build}" 2>/dev/null && pwd) || { echo "FAIL: no build folder ${1:-build}"; exit 1; }
prog=$build/tests/corruption/calls
for f in "$prog" "$build/lib/libmpalloc.so" "$build/lib/libmpalloc-checked.so"; do
    [ -e "$f" ] || { echo "FAIL: no $f after the build"; exit 1; }
done
ulimit -c 0
hex='0x[0-9a-f]+'
notours="of a pointer mpalloc did not allocate: $hex"
freed="of a pointer that is not allocated \(freed, or inside an object\): $hex"
large_freed="mpalloc: double free \(or free of a freed block\) of the large object at $hex"
# case | call | message (fast build; the hardened builds may say more of
# the object, but must name the call: this message, or any ending "in CALL()")
cases="
realloc_stack       |realloc           |mpalloc: realloc $notours
realloc_static      |realloc           |mpalloc: realloc $notours
realloc_mmap        |realloc           |mpalloc: realloc $notours
realloc_freed_large |realloc           |mpalloc: realloc $freed
realloc_freed_huge  |realloc           |mpalloc: realloc $freed
usable_stack        |malloc_usable_size|mpalloc: malloc_usable_size $notours
usable_freed_large  |malloc_usable_size|mpalloc: malloc_usable_size $freed
free_stack          |free              |mpalloc: free $notours
free_twice_huge     |free              |$large_freed
"
fails=0
err=$(mktemp) || exit 1
trap 'rm -f "$err"' EXIT
for run in "$build/lib/libmpalloc.so" "$build/lib/libmpalloc-checked.so" \
    "8000000:$build/lib/libmpalloc.so" "8000000:$build/lib/libmpalloc-checked.so"; do
    lib=${run#*:}
    kib=unlimited
    [ "$lib" = "$run" ] || kib=${run%%:*}
    while IFS='|' read -r name call regex; do
        name=${name// /}
        call=${call// /}
        [ -n "$name" ] || continue
        case $lib in
        *-checked.so) regex="($regex( in $call\(\))?|mpalloc: .* in $call\(\))" ;;
        esac
        rc=$({ (ulimit -v "$kib" && timeout -k 5 30 env LD_PRELOAD="$lib" "$prog" "$name") >/dev/null 2>"$err"; echo $?; } 2>/dev/null)
        msg=$(cat "$err")
        if [ "$rc" -eq 134 ] && [ "$(grep -c . <<<"$msg")" -eq 1 ] && grep -Eqx "$regex" <<<"$msg"; then
            printf '  ok    %-20s %-20s %-9s %s\n' "$name" "$(basename "$lib")" "$kib" "$msg"
        else
            printf '  FAIL  %-20s %-20s %-9s exit %s; stderr: %s\n' "$name" "$(basename "$lib")" "$kib" "$rc" "${msg:-(empty)}"
            fails=$((fails + 1))
        fi
    done <<<"$cases"
done
[ "$fails" -eq 0 ]
