#!/usr/bin/env bash
# wl-gcc: gcc -O2 compiling a generated C file (workloads/data/gen_c.awk:
# about 3000 lines at scale 1: structs, loops, switches, a call chain that
# invites inlining). The compiled program is run and must print the checksum
# the generator computed independently. ops = functions compiled, all copies.
set -euo pipefail
WL_NAME=gcc
WL_SUMMARY="real program: gcc -O2 compiling a generated C file, its output checked"

# The Makefile writes the data folder's path in when it installs the script
# into build/bin; run from workloads/ the folder is beside it.
WL_DATA=${WL_DATA_DIR:-@WL_DATA_DIR@}
[ -f "$WL_DATA/wl_common.sh" ] || WL_DATA=$(dirname "$(readlink -f "$0")")/data
# shellcheck disable=SC1091  # found at run time
. "$WL_DATA/wl_common.sh"

FUNCS=80    # generated functions at scale 1 (about 38 lines each)
CC_BIN=${CC_BIN:-gcc}

wl_usage() {
    cat <<USAGE
usage: wl-gcc [-t N] [-s F] [--seed S] [-v] [-h]

Real program: gcc -O2 compiles a generated C file (each function fills a
struct from a recurrence, switches, and may call the previous one, so the
optimiser inlines and unrolls), links and runs it; the program must print the
checksum the generator computed. Stresses a compiler's many trees and RTL.

Parameters at scale 1.0: $FUNCS functions, about $((FUNCS * 38)) lines
(ops = functions compiled x copies; --scale multiplies the functions).

$(wl_common_options)
USAGE
}

wl_copy() {
    "$CC_BIN" -O2 -o "$2/prog.$1" "$2/prog.c"
    "$2/prog.$1"
}

wl_parse "$@"
command -v "$CC_BIN" >/dev/null || { echo "wl-$WL_NAME: $CC_BIN not found" >&2; exit 1; }
NFUNC=$(wl_scaled $FUNCS 2)
wl_start
awk -v nfunc="$NFUNC" -v seed="$WL_SEED" -v expect="$WL_TMP/expect" \
    -f "$WL_DATA/gen_c.awk" >"$WL_TMP/prog.c"
wl_run_copies
cmp -s "$WL_TMP/expect" "$WL_TMP/out.0" ||
    wl_corrupted "program printed $(head -c 40 "$WL_TMP/out.0"), expected $(cat "$WL_TMP/expect")"
wl_same_outputs
wl_report $((NFUNC * WL_THREADS))
