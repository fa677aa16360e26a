# Shared helpers for tests/real/*.sh (sourced, not run): find the libraries,
# make a scratch folder, and run a command under glibc and then under
# LD_PRELOAD of libmpalloc.so and of libmpalloc-checked.so (when built),
# failing unless all give the same bytes.
# Exit codes follow run-tests: 0 pass, 1 fail (one line why), 77 skip.

real_build=${1:-build}
real_lib=$(cd "$real_build" 2>/dev/null && pwd || echo "$real_build")/lib/libmpalloc.so
real_checked=${real_lib%.so}-checked.so
real_data=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

real_skip() { echo "skip: $*"; exit 77; }
real_fail() { echo "FAIL: $*"; exit 1; }

# Skips the test unless every named tool is installed.
real_need() {
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 || real_skip "$t is not installed"
    done
    [ -f "$real_lib" ] || { echo "FAIL: no $real_lib after the build"; exit 1; }
}

# Makes $real_tmp, removed when the script exits.
real_tmpdir() {
    real_tmp=$(mktemp -d) || real_fail "mktemp failed"
    trap 'rm -rf "$real_tmp"' EXIT
}

# real_compare NAME CMD...: runs CMD under glibc (output in
# $real_tmp/NAME.glibc), then under each mpalloc build (NAME.mpalloc,
# NAME.mpalloc-checked); compares stdout and exit status byte for byte.
# CMD runs in $real_tmp.
real_compare() {
    local name=$1 rc_g lib
    shift
    (cd "$real_tmp" && "$@") >"$real_tmp/$name.glibc" 2>"$real_tmp/$name.glibc.err"
    rc_g=$?
    [ "$rc_g" -eq 0 ] || real_fail "$name: failed under glibc too (exit $rc_g): $(tail -n 1 "$real_tmp/$name.glibc.err")"
    for lib in "$real_lib" "$real_checked"; do
        [ -f "$lib" ] || { echo "note: no $lib, not compared"; continue; }
        real_compare_one "$name" "$lib" "$@"
    done
}

# real_compare_one NAME LIB CMD...: runs CMD under LD_PRELOAD=LIB and
# compares it with the glibc run of NAME.
real_compare_one() {
    local name=$1 lib=$2 out rc_m
    shift 2
    out=$real_tmp/$name.$(basename "$lib" .so | sed 's/^lib//')
    (cd "$real_tmp" && LD_PRELOAD="$lib" "$@") >"$out" 2>"$out.err"
    rc_m=$?
    if grep -q "ld.so" "$out.err"; then
        real_fail "$name: $lib was not preloaded: $(head -n 1 "$out.err")"
    fi
    [ "$rc_m" -eq 0 ] || real_fail "$name: exit $rc_m under $(basename "$lib"): $(grep -m1 '^mpalloc:' "$out.err" || tail -n 1 "$out.err")"
    cmp -s "$real_tmp/$name.glibc" "$out" ||
        real_fail "$name: output differs under $(basename "$lib") ($(cmp "$real_tmp/$name.glibc" "$out" 2>&1 | head -n 1))"
}
