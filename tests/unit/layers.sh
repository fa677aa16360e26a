#!/usr/bin/env bash
# Layer check of libmpalloc. The layers and their files are read from the
# table of allocator/src/README.md. Fails on: a reference from a file to a
# symbol defined by a file of a higher layer, or, inside the core layer
# (whose row lists its files lowest first), by a file listed after it; a
# call cycle between objects of any layer; a reference of a file outside
# pal/ to a symbol from outside the allocator (OS, libc) but a short list; an
# allocator source or header the table does not name, or a name in the table
# that matches no file; an allocator file that includes a kernel-sim header.
# Object sets read with nm: the fast build (BUILD/obj/allocator), the
# hardened builds' (BUILD/variants/{checked,debug}/obj/allocator) and
# kernel-sim's copy of the core (BUILD/ksim/obj/allocator, with its PAL from
# kernel-sim/pal); references are resolved within one set.
# Usage: tests/unit/layers.sh BUILD   (exit 0 pass, 1 fail)
set -uo pipefail

build=${1:?usage: tests/unit/layers.sh BUILD}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1

# Layers, lowest first, and their files: read from the table of
# allocator/src/README.md that follows the line "<!-- layers: ... -->"
# (column 1: the layer, column 2: its files in backquotes, globs allowed), so
# that the README and this test cannot disagree.
readme=allocator/src/README.md
table=$(awk '/^<!-- layers:/ { on = 1; next }
             on && /^\|/ { print; next }
             on { exit }' "$readme" | tail -n +3)
layers=()
patterns=() # "LAYER PATTERN", one per file named in the table
ordered=core # the layer whose files may call only those listed before them
while IFS='|' read -r _ layer files _; do
    layer=$(tr -d ' ' <<<"$layer")
    [ -n "$layer" ] || continue
    layers+=("$layer")
    for f in $(grep -o '`[^`]*`' <<<"$files" | tr -d '`'); do
        patterns+=("$layer $f")
    done
done <<<"$table"

fail=0
complain() {
    echo "layers: $*"
    fail=1
}

[ "${#layers[@]}" -ge 2 ] || complain "no layer table found in $readme"
# Every file the table names exists (a glob matches something).
for entry in "${patterns[@]}"; do
    f=${entry#* }
    compgen -G "allocator/src/$f" >/dev/null ||
        complain "$readme names allocator/src/$f (layer ${entry%% *}), which does not exist"
done

# The layer of a source file (path relative to allocator/src), or nothing.
layer_of() {
    local entry
    for entry in "${patterns[@]}"; do
        # shellcheck disable=SC2254 # the table's names are glob patterns
        case $1 in ${entry#* }) echo "${entry%% *}"; return ;; esac
    done
}

# The position of a source file in its row when its layer is the ordered
# one (1 = listed first), else 0.
position_of() {
    local entry n=0
    for entry in "${patterns[@]}"; do
        [ "${entry%% *}" = "$ordered" ] || continue
        n=$((n + 1))
        # shellcheck disable=SC2254 # the table's names are glob patterns
        case $1 in ${entry#* }) echo "$n"; return ;; esac
    done
    echo 0
}

# Known upward references ("FILE SYMBOL"), each to be removed by a named
# change; one that no longer occurs fails the test too, so that the list
# cannot outlive its reason. Empty: keep it so.
known=()

# Symbols from outside the allocator that an object outside pal/ may
# reference (everything else of the OS goes through the PAL). Read from
# `nm -u` of every object; each entry says why it cannot go through the PAL.
outside_ok=(
    memcpy memset       # the compiler emits them for struct copies and zeroing anyway
    memcmp              # the debug build compares freed objects with their poison (glibc's vectorised compare)
    __errno_location    # errno = ENOMEM is the malloc API's own contract (C and POSIX)
    vsnprintf           # stats.c formats mpa_stats_json into the caller's buffer
    _GLOBAL_OFFSET_TABLE_ # the linker's, not libc's (position-independent code)
)
# C library functions that copies.c (override, hardened builds) defines for
# the program, with the C library's contract and checks added: a lower
# layer's call to one of them is a call to the C library's function (allowed
# above or not), not an upward reference.
libc_defined=(memcpy mempcpy memmove memset strcpy stpcpy strncpy strcat strncat
    __memcpy_chk __mempcpy_chk __memmove_chk __memset_chk __strcpy_chk __stpcpy_chk
    __strncpy_chk __strcat_chk __strncat_chk)
# Per file: cxx.c implements operator new, whose contract is the C++ runtime's.
outside_ok_cxx=(
    _ZSt15get_new_handlerv    # std::get_new_handler: new calls it when out of memory
    _ZSt17__throw_bad_allocv  # std::__throw_bad_alloc: new's failure
)
# Sanitizer builds add their runtime's calls to every object.
outside_ok_prefix='^(__asan_|__tsan_|__ubsan_|__sanitizer_|__msan_)'

# 1. Every allocator source and header has a layer.
sources=$(cd allocator/src && find . -name '*.c' | sed 's|^\./||' | LC_ALL=C sort)
headers=$(cd allocator/src && find . -name '*.h' | sed 's|^\./||' | LC_ALL=C sort)
for src in $sources $headers; do
    [ -n "$(layer_of "$src")" ] ||
        complain "allocator/src/$src has no layer: name it in the layer table of $readme"
done

# 2. No allocator file includes a kernel-sim header.
ks_headers=$(find -L kernel-sim/ -name '*.h' -printf '%f\n' 2>/dev/null | LC_ALL=C sort -u)
while IFS= read -r line; do
    [ -n "$line" ] || continue
    file=${line%%:*}
    name=$(sed -n 's/.*#[[:space:]]*include[[:space:]]*[<"]\([^>"]*\)[>"].*/\1/p' <<<"${line#*:}")
    case $name in
    *kernel-sim/*) complain "$file includes $name (a kernel-sim header)"; continue ;;
    esac
    if grep -qxF -- "$(basename "$name")" <<<"$ks_headers" &&
       [ ! -e "allocator/src/$name" ] && [ ! -e "$(dirname "$file")/$name" ] &&
       [ ! -e "allocator/include/$name" ]; then
        complain "$file includes $name (a kernel-sim header)"
    fi
done < <(grep -rn --include='*.c' --include='*.h' -E '^[[:space:]]*#[[:space:]]*include' allocator |
         sed 's/^\([^:]*\):[0-9]*:/\1:/')

# 3. No upward reference, in each object set.
# check_set DIR [PAL_OBJ...]: DIR holds src/**/*.o of one build of the
# allocator; PAL_OBJs are platform objects built elsewhere (kernel-sim's PAL).
check_set() {
    local dir=$1 defs refs src obj layer pos
    shift
    defs=$(mktemp) refs=$(mktemp)
    for src in $sources "$@"; do
        case $src in
        *.o) obj=$src layer=pal src=${src#"$build"/} pos=0 ;;
        *) obj=$dir/src/${src%.c}.o layer=$(layer_of "$src") pos=$(position_of "$src") ;;
        esac
        [ -f "$obj" ] || continue
        [ -n "$layer" ] || continue
        nm --defined-only "$obj" | awk -v f="$src" -v l="$layer" -v p="$pos" \
            '$2 ~ /^[A-Z]$/ && $2 != "U" { print $3, f, l, p }' >>"$defs"
        nm -u "$obj" | awk -v f="$src" -v l="$layer" -v p="$pos" '{ print $2, f, l, p }' >>"$refs"
    done
    [ -s "$defs" ] || { rm -f "$defs" "$refs"; return 1; }
    local order
    order=$(printf '%s ' "${layers[@]}")
    # Joins each reference with its definition; prints the upward ones (to
    # a higher layer, or to a later file of the ordered layer), the
    # references outside the set (OS, libc) of files outside pal/, and the
    # call cycles between objects (a depth-first search over the
    # file-to-file references, those to the hardened builds' memcpy family
    # included: a lower file's memset runs copies.c's checks; one cycle
    # printed per back edge).
    awk -v order="$order" -v set="${dir#"$build"/}" -v ok="${outside_ok[*]}" -v ordered="$ordered" \
        -v okcxx="${outside_ok_cxx[*]}" -v okre="$outside_ok_prefix" -v libc="${libc_defined[*]}" '
        BEGIN {
            n = split(order, names, " "); for (i = 1; i <= n; i++) rank[names[i]] = i
            n = split(ok, a, " "); for (i = 1; i <= n; i++) allowed[a[i]] = 1
            n = split(okcxx, a, " "); for (i = 1; i <= n; i++) allowed_cxx[a[i]] = 1
            n = split(libc, a, " "); for (i = 1; i <= n; i++) libc_name[a[i]] = 1
        }
        NR == FNR {
            if (!($1 in libc_name)) { file[$1] = $2; layer[$1] = $3; pos[$1] = $4 }
            at[$1] = $2 # (a C library function copies.c defines counts for cycles: it runs)
            next
        }
        ($1 in at) && at[$1] != $2 && !(($2, at[$1]) in edge) {
            edge[$2, at[$1]] = $1; out[$2] = out[$2] " " at[$1]; node[$2] = node[at[$1]] = 1
        }
        ($1 in file) && rank[layer[$1]] > rank[$3] {
            printf "%s: %s (%s) references %s of %s (%s)\n", set, $2, $3, $1, file[$1], layer[$1]
        }
        ($1 in file) && layer[$1] == $3 && $3 == ordered && pos[$1] > $4 {
            printf "%s: %s (%s) references %s of %s (listed after it in the %s row)\n", set, $2, $3, $1, file[$1], ordered
        }
        !($1 in file) && $3 != "pal" && !($1 in allowed) && !($2 == "cxx.c" && $1 in allowed_cxx) &&
            $1 !~ okre {
            printf "%s: %s (%s) references %s from outside the allocator (the OS): only pal/ may\n", set, $2, $3, $1
        }
        function visit(v,    n, i, w, a, k, cyc) {
            color[v] = 1; stack[++depth] = v
            n = split(out[v], a, " ")
            for (i = 1; i <= n; i++) {
                w = a[i]
                if (color[w] == 1) { # back edge: the stack from w to v is a cycle
                    for (k = depth; k > 1 && stack[k] != w; k--)
                        ;
                    for (cyc = ""; k <= depth; k++)
                        cyc = cyc stack[k] " -> "
                    printf "%s: call cycle %s%s (%s)\n", set, cyc, w, edge[v, w]
                } else if (color[w] == 0) {
                    visit(w)
                }
            }
            depth--; color[v] = 2
        }
        END { for (v in node) if (color[v] == 0) visit(v) }' "$defs" "$refs" | LC_ALL=C sort -u
    [ "${PIPESTATUS[0]}" -eq 0 ] || echo "${dir#"$build"/}: the check's awk failed: call cycle unknown"
    rm -f "$defs" "$refs"
}

sets=0
seen=()
for dir in "$build/obj/allocator" "$build"/variants/{checked,debug}/obj/allocator "$build/ksim/obj/allocator"; do
    [ -d "$dir/src" ] || continue
    pal=()
    [ "$dir" = "$build/ksim/obj/allocator" ] && pal=("$build"/ksim/obj/kernel-sim/pal/*.o)
    out=$(check_set "$dir" "${pal[@]}") || continue
    sets=$((sets + 1))
    [ -n "$out" ] || continue
    while IFS= read -r line; do
        read -r _ file _ _ sym _ <<<"$line"
        if printf '%s\n' "${known[@]}" | grep -qxF -- "$file $sym"; then
            seen+=("$file $sym")
            continue
        fi
        case $line in
        *"(the OS): only pal/ may") complain "$line" ;;
        *": call cycle "*) complain "$line" ;;
        *) complain "upward reference: $line" ;;
        esac
    done <<<"$out"
done
for k in "${known[@]}"; do
    printf '%s\n' "${seen[@]}" | grep -qxF -- "$k" ||
        complain "known upward reference '$k' no longer occurs: remove it from the list"
done
[ -f "$build/obj/allocator/src/core.o" ] ||
    complain "no $build/obj/allocator/src/core.o: build the library first"

[ "$fail" -eq 0 ] && echo "layers: $sets object sets, $(wc -w <<<"$sources") sources, no upward reference, no call cycle, no OS symbol outside pal/"
exit "$fail"
