#!/usr/bin/env bash
# Corruption suite: runs each case of BUILD/tests/corruption/misuse in a child
# under LD_PRELOAD of the checked, the debug and the fast build. A caught case
# ends in SIGABRT with exactly one stderr line: "mpalloc: " and the case's
# message, an address, and (hardened builds) the call that found it, " in
# free()" or " in a memory access (SIGSEGV)". Expectations per build:
#   REGEX   must be caught with that message
#   ?REGEX  caught on most runs (placement is random): if caught, with that
#           message; if not, recorded as a gap
#   -       a known gap of that build: recorded, not required
#   =       a correct program: must end normally (exit 3) with no message
# The fast build must catch only the cases marked "fast"; the others are
# recorded. Usage: tests/corruption/run.sh BUILD (exit 0/1)
set -uo pipefail

build=$(cd "${1:-build}" 2>/dev/null && pwd) || { echo "FAIL: no build folder ${1:-build}"; exit 1; }
prog=$build/tests/corruption/misuse
checked=$build/lib/libmpalloc-checked.so
debug=$build/lib/libmpalloc-debug.so
fast=$build/lib/libmpalloc.so
for f in "$prog" "$checked" "$debug" "$fast"; do
    [ -e "$f" ] || { echo "FAIL: no $f after the build (make tests checked debug)"; exit 1; }
done
ulimit -c 0

DF='double free'
OVF='heap overflow'
UNF='heap underflow'
UAF='(write to a freed object|use after free|corrupted free-list link)'
# (a memset past the end is stopped at the call by the hardened builds)
NEIGH='(write to a freed object|use after free|heap overflow|memset of [0-9]+ bytes at offset [0-9]+ writes past the end)'
INT='free of a pointer inside (an|a large) object'
FOR='free of a pointer mpalloc did not allocate'
RU='realloc or usable size of a freed or interior pointer'
SZ='sized free \(sized delete\) with a size other than the requested one'
RUX='(realloc or usable size of a freed or interior pointer|realloc of a pointer that is not allocated)'
FORR='(realloc|free) of a pointer mpalloc did not allocate'
ZERO='(write into a malloc\(0\) block|heap overflow)'
CALL=' in ([a-z_]+|operator [a-z]+)\(\)$| in a memory access \(SIGSEGV\)$'
# Copies past the end of a heap object: both hardened builds stop them at
# the call (the debug build against its own object's requested size).
COPYW='[_a-z]+ of [0-9]+ bytes at offset [0-9]+ writes past the end of the object at'
COPYR='[_a-z]+ of [0-9]+ bytes at offset [0-9]+ reads past the end of the object at'

# case ; checked ; debug ; "fast" when the fast build must catch it too
cases="
double_free_small          ;$DF;$DF;
double_free_medium         ;$DF;$DF;
double_free_large          ;$DF;$DF;
double_free_remote         ;$DF;$DF;
double_free_cross          ;$DF;$DF;
remote_message_overwrite   ;$UAF;$UAF;
double_free_delayed_small  ;$DF;$DF;
double_free_delayed_medium ;$DF;$DF;
double_free_delayed_large  ;$DF;$DF;
interior_small             ;$INT;$INT;
interior_large             ;$INT;$INT;
foreign_stack              ;$FOR;$FOR;fast
foreign_static             ;$FOR;$FOR;fast
foreign_mmap               ;$FOR;$FOR;fast
use_after_free             ;$UAF;$UAF;
link_overwrite             ;$UAF;$UAF;
use_after_free_tail        ;-;$UAF;
uaf_middle_small           ;-;$UAF;
uaf_middle_medium          ;-;$UAF;
uaf_middle_large           ;-;$UAF;
uaf_tail_small             ;-;$UAF;
uaf_tail_medium            ;$UAF;$UAF;
uaf_tail_large             ;$UAF;$UAF;
uaf_head_small             ;$UAF;$UAF;
uaf_head_medium            ;$UAF;$UAF;
uaf_head_large             ;$UAF;$UAF;
overflow_into_freed_small  ;$NEIGH;$NEIGH;
overflow_into_freed_medium ;$NEIGH;$NEIGH;
overflow1_small            ;$OVF;$OVF;
overflow1_medium           ;$OVF;$OVF;
overflow1_large            ;$OVF;$OVF;
overflow32_small           ;$OVF;$OVF;
overflow32_medium          ;$OVF;$OVF;
overflow32_large           ;$OVF;$OVF;
underflow_small            ;?$UNF;$UNF;
underflow_medium           ;?$UNF;$UNF;
underflow_large            ;-;$UNF;
malloc0_write              ;$OVF;$ZERO;
reuse_large_write          ;$UAF;$UAF;
reuse_large_free           ;$DF;$DF;
sized_delete_small         ;$SZ;$SZ;
sized_delete_medium        ;$SZ;$SZ;
sized_delete_large         ;$SZ;$SZ;
sized_delete_array         ;$SZ;$SZ;
sized_delete_aligned       ;$SZ;$SZ;
free_sized_wrong           ;$SZ;$SZ;
realloc_freed              ;$RU;$RU;
realloc_interior           ;$RU;$RU;
usable_size_freed          ;$RU;$RU;
usable_size_interior       ;$RU;$RU;
overflow1_xl               ;$OVF;$OVF;
overflow32_xl              ;$OVF;$OVF;
underflow_xl               ;-;$UNF;
uaf_middle_xl              ;-;$UAF;
uaf_head_xl                ;$UAF;$UAF;
uaf_end_small              ;-;$UAF;
uaf_end_medium             ;$UAF;$UAF;
uaf_end_xl                 ;$UAF;$UAF;
double_free_xl             ;$DF;$DF;
double_free_delayed_xl     ;$DF;$DF;
interior_medium            ;$INT;$INT;
interior_xl                ;$INT;$INT;
realloc_freed_medium       ;$RUX;$RU;
realloc_freed_xl           ;$RUX;$RU;
realloc_foreign            ;$FORR;$FORR;fast
memalign_overflow_small    ;$OVF;$OVF;
memalign_overflow_medium   ;$OVF;$OVF;
memalign_overflow_xl       ;$OVF;$OVF;
calloc_overflow_small      ;$OVF;$OVF;
calloc_overflow_medium     ;$OVF;$OVF;
calloc_overflow_xl         ;$OVF;$OVF;
new_array_delete_small     ;$INT;$INT;
new_array_delete_medium    ;$INT;$INT;
new_array_delete_xl        ;$INT;$INT;
reuse_medium_write         ;-;$UAF;
overflow_into_freed_xl     ;$NEIGH;$NEIGH;
sized_delete_xl            ;$SZ;$SZ;
uaf_head_remote            ;$UAF;$UAF;
copy_memcpy_small          ;$COPYW;$COPYW;
copy_memcpy_medium         ;$COPYW;$COPYW;
copy_memcpy_large          ;$COPYW;$COPYW;
copy_memcpy_xl             ;$COPYW;$COPYW;
copy_offset_small          ;$COPYW;$COPYW;
copy_memmove_small         ;$COPYW;$COPYW;
copy_memset_small          ;$COPYW;$COPYW;
copy_memset_xl             ;$COPYW;$COPYW;
copy_strcpy_small          ;$COPYW;$COPYW;
copy_strncpy_medium        ;$COPYW;$COPYW;
copy_strcat_small          ;$COPYW;$COPYW;
copy_read_small            ;$COPYR;$COPYR;
copy_memcpy_chk_small      ;$COPYW;$COPYW;
copy_remote_small          ;$COPYW;$COPYW;
copy_remote_xl             ;$COPYW;$COPYW;
clean_sizes                ;=;=;
clean_aligned              ;=;=;
clean_cxx                  ;=;=;
clean_threads              ;=;=;
clean_many_mappings        ;=;=;
clean_own_fault_handler    ;=;=;
clean_copies               ;=;=;
"

fails=0
err=$(mktemp) || exit 1
trap 'rm -f "$err"' EXIT
declare -A caught=() total=()

# run_case LIB CASE: runs the case under LIB; sets rc and msg (stderr).
run_case() {
    # In a command substitution, so that bash's "Aborted" notice goes nowhere.
    rc=$({ timeout -k 5 60 env LD_PRELOAD="$1" "$prog" "$2" >/dev/null 2>"$err"; echo $?; } 2>/dev/null)
    msg=$(cat "$err")
}

# Describes an exit status: "SIGABRT", "exit 3 (undetected)", ...
describe() {
    case $1 in
    134) echo "SIGABRT" ;; 139) echo "SIGSEGV" ;; 135) echo "SIGBUS" ;;
    124 | 137) echo "timeout" ;; 3) echo "undetected" ;; *) echo "exit $1" ;;
    esac
}

# is_caught REGEX BUILD: the run ended in SIGABRT with one matching line,
# followed (debug build) by its site lines, indented; the debug build names
# where the misuse happened and, for an object of the heap, where it was
# allocated (and freed, for a double free or a write after free).
is_caught() {
    local first
    first=$(head -n 1 <<<"$msg")
    [ "$rc" -eq 134 ] && [ "$(grep -c . <<<"$msg")" -ge 1 ] || return 1
    tail -n +2 <<<"$msg" | grep -q -v -e '^    ' && return 1
    grep -Eq "^mpalloc: $1" <<<"$first" && grep -Eq ' 0x[0-9a-f]+' <<<"$first" || return 1
    [ "$2" = fast ] || grep -Eq "$CALL" <<<"$first" || return 1
    [ "$2" = debug ] || { [ "$(grep -c . <<<"$msg")" -eq 1 ]; return; }
    has_sites "$first"
}

# has_sites FIRST_LINE: the debug build's site lines of that report ($msg):
# always the misused call (or the faulting access) with its caller's frame;
# where it was freed for a double free or a write after free; where it was
# allocated for these and for overflows, underflows and sized frees.
has_sites() {
    grep -Eq '^    (.* called|the faulting access) by thread [0-9]+:$' <<<"$msg" || return 1
    grep -Eq '^      #0 0x[0-9a-f]+ ' <<<"$msg" || return 1
    case $1 in
    *"double free"* | *"use after free"* | *"write to a freed"*)
        grep -Eq '^    freed by thread [0-9]+:$' <<<"$msg" || return 1 ;;
    esac
    case $1 in
    *"double free"* | *"use after free"* | *"write to a freed"* | *"heap overflow"* | \
        *"heap underflow"* | *"sized free"* | *"malloc(0)"*)
        grep -Eq '^    allocated by thread [0-9]+:$' <<<"$msg" || return 1 ;;
    esac
}

fail() {
    printf '  FAIL  %-27s %-8s %s; stderr: %s\n' "$1" "$2" "$(describe "$rc")" "${msg:-(empty)}"
    fails=$((fails + 1))
}

# expect CASE BUILD EXPECTATION: judges the last run.
expect() {
    local name=$1 b=$2 want=$3
    case $want in
    =)
        if [ "$rc" -eq 3 ] && [ -z "$msg" ]; then
            printf '  ok    %-27s %-8s clean\n' "$name" "$b"
        else
            fail "$name" "$b"
        fi
        return ;;
    -)
        printf '  gap   %-27s %-8s %s %s\n' "$name" "$b" "$(describe "$rc")" "$msg" ;;
    \?*)
        if [ "$rc" -eq 3 ] && [ -z "$msg" ]; then
            printf '  gap   %-27s %-8s undetected this run (placement)\n' "$name" "$b"
        elif is_caught "${want#\?}" "$b"; then
            printf '  ok    %-27s %-8s %s\n' "$name" "$b" "$(head -n 1 <<<"$msg")"
        else
            fail "$name" "$b"
        fi ;;
    *)
        if is_caught "$want" "$b"; then
            printf '  ok    %-27s %-8s %s\n' "$name" "$b" "$(head -n 1 <<<"$msg")"
        else
            fail "$name" "$b"
        fi ;;
    esac
    total[$b]=$((${total[$b]:-0} + 1))
    is_caught "${want#\?}" "$b" && caught[$b]=$((${caught[$b]:-0} + 1))
    return 0
}

while IFS=';' read -r name want_checked want_debug fastmode; do
    name=${name// /}
    [ -n "$name" ] || continue
    run_case "$checked" "$name"
    expect "$name" checked "$want_checked"
    run_case "$debug" "$name"
    expect "$name" debug "$want_debug"
    run_case "$fast" "$name"
    if [ "$fastmode" = fast ]; then
        expect "$name" fast "$want_checked"
    elif [ "$want_checked" = = ]; then
        expect "$name" fast =
    elif [ "$rc" -eq 139 ] || [ "$rc" -eq 135 ]; then
        printf '  note  %-27s fast     %s (not required)\n' "$name" "$(describe "$rc")"
    else
        printf '  info  %-27s fast     %s %s\n' "$name" "$(describe "$rc")" "$msg"
    fi
done <<<"$cases"

# Without symbol lookup (MPALLOC_SYMBOLS=0, or no libdw) the debug build's
# site lines give each address's module and offset, for addr2line.
rc=$({ timeout -k 5 60 env MPALLOC_SYMBOLS=0 LD_PRELOAD="$debug" "$prog" double_free_small >/dev/null 2>"$err"; echo $?; } 2>/dev/null)
msg=$(cat "$err")
if [ "$rc" -eq 134 ] && grep -Eq '^    freed by thread 1:$' <<<"$msg" &&
    grep -Eq '^      #0 0x[0-9a-f]+ \(/.*/misuse\+0x[0-9a-f]+\)$' <<<"$msg"; then
    echo "  ok    site lines without symbol lookup: module and offset"
else
    echo "  FAIL  site lines without symbol lookup (MPALLOC_SYMBOLS=0): $(describe "$rc"); stderr: ${msg:-(empty)}"
    fails=$((fails + 1))
fi

# Code built with frame pointers: each site goes on past its first frame
# (the call's caller), through the helpers to main or the thread's start,
# for the object freed twice and for a write past the end (an entry point
# that ends in a tail call lost all but the caller before).
fpdir=$(mktemp -d) || exit 1
trap 'rm -f "$err"; rm -rf "$fpdir"' EXIT
fpsrc=$fpdir/frames.c fpbin=$fpdir/frames
cat >"$fpsrc" <<'SRC'
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
__attribute__((noinline)) char *make_buffer(size_t n) { return malloc(n); }
__attribute__((noinline)) void drop_buffer(char *p) { free(p); }
__attribute__((noinline)) void overrun(char *p, size_t n) { memset(p, 'x', n + 1); }
static void *in_thread(void *arg) {
    char *p = make_buffer(24);
    if (arg != NULL) {
        overrun(p, 24);
    } else {
        drop_buffer(p);
    }
    drop_buffer(p);
    return NULL;
}
int main(int argc, char **argv) {
    pthread_t t;
    (void)argv;
    if (argc > 2)
        return in_thread(NULL) != NULL;
    pthread_create(&t, NULL, in_thread, argc > 1 ? &t : NULL);
    return pthread_join(t, NULL);
}
SRC
if ! cc -O1 -g -fno-omit-frame-pointer -fno-optimize-sibling-calls -fno-builtin -pthread \
    -o "$fpbin" "$fpsrc" 2>/dev/null; then
    echo "  skip  site frames past the caller: no C compiler"
else
    for args in "" "x" "x x"; do
        rc=$({ timeout -k 5 60 env LD_PRELOAD="$debug" "$fpbin" $args >/dev/null 2>"$err"; echo $?; } 2>/dev/null)
        msg=$(cat "$err")
        where='in_thread|main'
        want='freed by'
        [ "$args" = x ] && want='allocated by'
        if [ "$rc" -eq 134 ] && grep -A3 "^    $want thread" <<<"$msg" | grep -Eq '^      #1 0x[0-9a-f]+ in ('"$where"')\+' &&
            grep -A3 '^    allocated by thread' <<<"$msg" | grep -Eq '^      #0 0x[0-9a-f]+ in make_buffer\+'; then
            echo "  ok    site frames past the caller (frame pointers, args '$args')"
        else
            echo "  FAIL  site frames past the caller (frame pointers, args '$args'): $(describe "$rc"); stderr: ${msg:-(empty)}"
            fails=$((fails + 1))
        fi
    done
fi

# C++ functions are named as written (demangled by the program's own C++
# runtime in the lookup child): a wrong sized delete of a new'd object.
cat >"$fpdir/sized.cc" <<'SRC'
#include <new>
namespace app {
struct Node { char name[40]; };
__attribute__((noinline)) Node *make_node() { return new Node; }
} // namespace app
int main() {
    app::Node *n = app::make_node();
    ::operator delete(n, 72);
    return 0;
}
SRC
if ! c++ -O1 -g -fsized-deallocation -o "$fpdir/sized" "$fpdir/sized.cc" 2>/dev/null; then
    echo "  skip  C++ names demangled: no C++ compiler"
else
    rc=$({ timeout -k 5 60 env LD_PRELOAD="$debug" "$fpdir/sized" >/dev/null 2>"$err"; echo $?; } 2>/dev/null)
    msg=$(cat "$err")
    if [ "$rc" -eq 134 ] && grep -q '(72 passed, 40 requested) in operator delete()$' <<<"$msg" &&
        grep -A1 '^    allocated by thread 1:$' <<<"$msg" | grep -Eq '^      #0 0x[0-9a-f]+ in app::make_node\(\)\+'; then
        echo "  ok    C++ names demangled (sized delete of app::make_node()'s object)"
    else
        echo "  FAIL  C++ names demangled: $(describe "$rc"); stderr: ${msg:-(empty)}"
        fails=$((fails + 1))
    fi
fi

for b in checked debug; do
    echo "$b build: ${caught[$b]:-0} of ${total[$b]:-0} misuse cases stopped with an mpalloc message"
done
[ "$fails" -eq 0 ] || { echo "FAIL: $fails misuse case(s) not reported as expected"; exit 1; }
echo "all misuse cases reported as expected"
