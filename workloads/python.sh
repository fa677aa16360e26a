#!/usr/bin/env bash
# wl-python: python3 running an allocation-heavy script (dicts, lists,
# strings, json; workloads/data/alloc_heavy.py) with a fixed seed. The script
# checks itself (json round trip, two aggregates agree) and prints a CRC of
# its data; all copies must print the same. ops = iterations run, all copies.
set -euo pipefail
WL_NAME=python
WL_SUMMARY="real program: CPython running an allocation-heavy script (dicts, lists, strings)"

# The Makefile writes the data folder's path in when it installs the script
# into build/bin; run from workloads/ the folder is beside it.
WL_DATA=${WL_DATA_DIR:-@WL_DATA_DIR@}
[ -f "$WL_DATA/wl_common.sh" ] || WL_DATA=$(dirname "$(readlink -f "$0")")/data
# shellcheck disable=SC1091  # found at run time
. "$WL_DATA/wl_common.sh"

ITERATIONS=200  # iterations per copy at scale 1
# Debian's interpreter, not a shim (pyenv and the like) found first on PATH.
PYTHON=${WL_PYTHON:-/usr/bin/python3}
[ -x "$PYTHON" ] || PYTHON=python3

wl_usage() {
    cat <<USAGE
usage: wl-python [-t N] [-s F] [--seed S] [-v] [-h]

Real program: python3 runs workloads/data/alloc_heavy.py, which per iteration
builds ~200 records (dicts, lists, strings), round-trips them through json,
aggregates them two ways and checks they agree. Stresses an interpreter's
many small, short-lived objects. PYTHONHASHSEED is fixed, so it is deterministic.
The interpreter is /usr/bin/python3 (Debian's), or \$WL_PYTHON when set.

Parameters at scale 1.0: $ITERATIONS iterations per copy (ops = iterations x copies).

$(wl_common_options)
USAGE
}

wl_copy() {
    PYTHONHASHSEED=0 "$PYTHON" "$WL_DATA/alloc_heavy.py" "$N" "$WL_SEED"
}

wl_parse "$@"
command -v "$PYTHON" >/dev/null || { echo "wl-$WL_NAME: $PYTHON not found" >&2; exit 1; }
N=$(wl_scaled $ITERATIONS)
wl_start
wl_run_copies
grep -q "^checksum [0-9a-f]\{8\} iterations $N\$" "$WL_TMP/out.0" ||
    wl_corrupted "unexpected output: $(head -c 200 "$WL_TMP/out.0")"
wl_same_outputs
wl_report $((N * WL_THREADS))
