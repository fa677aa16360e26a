# Shared helpers for tests/real/*.sh (sourced, not run): find the library,
# make a scratch folder, and run a command twice, under glibc and under
# LD_PRELOAD=libmpalloc.so, failing unless both give the same bytes.
# Exit codes follow run-tests: 0 pass, 1 fail (one line why), 77 skip.

real_build=${1:-build}
real_lib=$(cd "$real_build" 2>/dev/null && pwd || echo "$real_build")/lib/libmpalloc.so
real_data=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

real_skip() { echo "skip: $*"; exit 77; }
real_fail() { echo "FAIL: $*"; exit 1; }

# Skips the test unless every named tool is installed.
real_need() {
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 || real_skip "$t is not installed"
    done
    [ -f "$real_lib" ] || real_skip "no $real_lib (build the library first)"
}

# Makes $real_tmp, removed when the script exits.
real_tmpdir() {
    real_tmp=$(mktemp -d) || real_fail "mktemp failed"
    trap 'rm -rf "$real_tmp"' EXIT
}

# real_compare NAME CMD...: runs CMD under glibc (output in
# $real_tmp/NAME.glibc) and under mpalloc (NAME.mpalloc); compares stdout
# and exit status byte for byte. CMD runs in $real_tmp.
real_compare() {
    local name=$1 rc_g rc_m
    shift
    (cd "$real_tmp" && "$@") >"$real_tmp/$name.glibc" 2>"$real_tmp/$name.glibc.err"
    rc_g=$?
    (cd "$real_tmp" && LD_PRELOAD="$real_lib" "$@") >"$real_tmp/$name.mpalloc" \
        2>"$real_tmp/$name.mpalloc.err"
    rc_m=$?
    if grep -q "ld.so" "$real_tmp/$name.mpalloc.err"; then
        real_fail "$name: $real_lib was not preloaded: $(head -n 1 "$real_tmp/$name.mpalloc.err")"
    fi
    [ "$rc_g" -eq 0 ] || real_fail "$name: failed under glibc too (exit $rc_g): $(tail -n 1 "$real_tmp/$name.glibc.err")"
    [ "$rc_m" -eq 0 ] || real_fail "$name: exit $rc_m under mpalloc: $(tail -n 1 "$real_tmp/$name.mpalloc.err")"
    cmp -s "$real_tmp/$name.glibc" "$real_tmp/$name.mpalloc" ||
        real_fail "$name: output differs under mpalloc ($(cmp "$real_tmp/$name.glibc" "$real_tmp/$name.mpalloc" 2>&1 | head -n 1))"
}
