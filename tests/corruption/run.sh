#!/usr/bin/env bash
# Corruption suite: runs each case of BUILD/tests/corruption/misuse in a child
# under LD_PRELOAD of the checked build, expecting SIGABRT and exactly one
# stderr line matching the case's message; then under the fast build, where
# only the cases marked "fast" must be caught (the others are recorded; a
# SIGSEGV on a foreign free fails). Usage: tests/corruption/run.sh BUILD (0/1/77)
set -uo pipefail

build=$(cd "${1:-build}" 2>/dev/null && pwd) || { echo "skip: no build folder"; exit 77; }
prog=$build/tests/corruption/misuse
checked=$build/lib/libmpalloc-checked.so
fast=$build/lib/libmpalloc.so
for f in "$prog" "$checked" "$fast"; do
    [ -e "$f" ] || { echo "skip: no $f (make tests checked)"; exit 77; }
done
ulimit -c 0
hex='0x[0-9a-f]+'
cls='\([0-9]+-byte class\)'

# case | message regex (checked build) | "fast" when the fast build must catch it too
# The regex "-" marks a known gap of checked mode: recorded, not required.
cases="
double_free_small    |mpalloc: double free of $hex $cls|
double_free_medium   |mpalloc: double free of $hex $cls|
double_free_large    |mpalloc: double free \(or free of a freed block\) of the large object at $hex|
double_free_remote   |mpalloc: double free of $hex $cls|
double_free_cross    |mpalloc: double free of $hex $cls|
interior_small       |mpalloc: free of a pointer inside an object: $hex $cls|
interior_large       |mpalloc: free of a pointer inside a large object: $hex|
foreign_stack        |mpalloc: free of a pointer mpalloc did not allocate: $hex|fast
foreign_static       |mpalloc: free of a pointer mpalloc did not allocate: $hex|fast
foreign_mmap         |mpalloc: free of a pointer mpalloc did not allocate: $hex|fast
use_after_free       |mpalloc: write to a freed object \(use after free or overflow\) at $hex $cls|
link_overwrite       |mpalloc: corrupted free-list link \(use after free\?\) in the object at $hex $cls|
use_after_free_tail  |-|
overflow_into_freed  |mpalloc: write to a freed object \(use after free or overflow\) at $hex $cls|
realloc_freed        |mpalloc: realloc or usable size of a freed or interior pointer: $hex $cls|
realloc_interior     |mpalloc: realloc or usable size of a freed or interior pointer: $hex $cls|
usable_size_freed    |mpalloc: realloc or usable size of a freed or interior pointer: $hex $cls|
usable_size_interior |mpalloc: realloc or usable size of a freed or interior pointer: $hex $cls|
"

fails=0
err=$(mktemp) || exit 1
trap 'rm -f "$err"' EXIT

# run_case LIB CASE: runs the case under LIB; sets rc and msg (stderr).
run_case() {
    # In a command substitution, so that bash's "Aborted" notice goes nowhere.
    rc=$({ timeout -k 5 30 env LD_PRELOAD="$1" "$prog" "$2" >/dev/null 2>"$err"; echo $?; } 2>/dev/null)
    msg=$(cat "$err")
}

# Describes an exit status: "SIGABRT", "exit 3 (undetected)", ...
describe() {
    case $1 in
    134) echo "SIGABRT" ;; 139) echo "SIGSEGV" ;; 135) echo "SIGBUS" ;;
    124 | 137) echo "timeout" ;; 3) echo "undetected" ;; *) echo "exit $1" ;;
    esac
}

# check CASE REGEX BUILDNAME: passes when rc is SIGABRT and stderr is one matching line.
check() {
    local lines
    lines=$(printf '%s\n' "$msg" | grep -c .)
    if [ "$rc" -eq 134 ] && [ "$lines" -eq 1 ] && grep -Eqx "$2" <<<"$msg"; then
        printf '  ok    %-22s %-8s %s\n' "$1" "$3" "$msg"
    else
        printf '  FAIL  %-22s %-8s %s; stderr: %s\n' "$1" "$3" "$(describe "$rc")" "${msg:-(empty)}"
        fails=$((fails + 1))
    fi
}

while IFS='|' read -r name regex fastmode; do
    name=${name// /}
    [ -n "$name" ] || continue
    run_case "$checked" "$name"
    if [ "$regex" = - ]; then
        printf '  gap   %-22s checked  %s %s\n' "$name" "$(describe "$rc")" "$msg"
    else
        check "$name" "$regex" checked
    fi
    run_case "$fast" "$name"
    if [ "$fastmode" = fast ]; then
        check "$name" "$regex" fast
    elif [ "$rc" -eq 139 ] || [ "$rc" -eq 135 ]; then
        printf '  note  %-22s fast     %s (not required)\n' "$name" "$(describe "$rc")"
    else
        printf '  info  %-22s fast     %s %s\n' "$name" "$(describe "$rc")" "$msg"
    fi
done <<<"$cases"

[ "$fails" -eq 0 ] || { echo "FAIL: $fails misuse case(s) not reported as expected"; exit 1; }
echo "all misuse cases reported as expected"
