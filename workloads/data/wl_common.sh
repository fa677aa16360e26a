# shellcheck shell=bash disable=SC2034  # (variables are used by the sourcing scripts)
# Shared shell helpers for the real-program workloads (python.sh, sqlite.sh,
# gcc.sh), sourced by them: the common command line (-t, -s, --seed, -v, -h),
# scaling, running N copies in parallel in a temporary folder, and the
# `mpbench-ops:` line. Each script defines wl_usage and wl_copy before use.

WL_THREADS=1
WL_SCALE=1.0
WL_SEED=42
WL_VERBOSE=0

wl_bad_arg() {
    echo "wl-$WL_NAME: bad argument: $* (try --help)" >&2
    exit 2
}

# wl_check_value OPTION VALUE: validates a -t/-s/--seed value.
wl_check_value() {
    case "$1" in
    -t|--threads)
        if ! [[ "$2" =~ ^[0-9]+$ ]] || [ "${#2}" -gt 4 ] || [ "$2" -lt 1 ] || [ "$2" -gt 1024 ]; then
            wl_bad_arg "threads must be an integer 1..1024, not $2"
        fi
        WL_THREADS=$2 ;;
    -s|--scale)
        if ! [[ "$2" =~ ^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$ ]] ||
            ! awk -v s="$2" 'BEGIN { exit !(s > 0 && s <= 1e6) }'; then
            wl_bad_arg "scale must be a number > 0 (and <= 1e6), not $2"
        fi
        WL_SCALE=$2 ;;
    --seed)
        if ! [[ "$2" =~ ^[0-9]+$ ]] || [ "${#2}" -gt 9 ]; then
            wl_bad_arg "seed must be an unsigned integer below 10^9, not $2"
        fi
        WL_SEED=$2 ;;
    esac
}

# wl_parse "$@": the common command line; --help prints wl_usage and exits 0,
# --describe prints the script's one-line WL_SUMMARY (for `mpbench list`).
wl_parse() {
    while [ $# -gt 0 ]; do
        case "$1" in
        -h|--help) wl_usage; exit 0 ;;
        --describe) echo "$WL_SUMMARY"; exit 0 ;;
        -v|--verbose) WL_VERBOSE=1 ;;
        -t|-s|--threads|--scale|--seed)
            [ $# -ge 2 ] || wl_bad_arg "$1 needs a value"
            wl_check_value "$1" "$2"; shift ;;
        --threads=*|--scale=*|--seed=*) wl_check_value "${1%%=*}" "${1#*=}" ;;
        -t?*|-s?*) wl_check_value "${1:0:2}" "${1:2}" ;;
        *) wl_bad_arg "unknown option $1" ;;
        esac
        shift
    done
}

# wl_scaled BASE [MIN]: BASE * scale, rounded, at least MIN (default 1).
wl_scaled() {
    awk -v b="$1" -v s="$WL_SCALE" -v m="${2:-1}" \
        'BEGIN { v = int(b * s + 0.5); if (v < m) v = m; printf "%d\n", v }'
}

# wl_common_options: the option lines of every script's --help.
wl_common_options() {
    cat <<USAGE
Options:
  -t, --threads N  run N copies in parallel, 1..1024 (default 1)
  -s, --scale F    multiply the iteration count by F > 0 (default 1.0)
      --seed S     seed of the generated input (default 42); output is deterministic
  -v, --verbose    print the elapsed time on stderr
  -h, --help       this text

Output: one line \`mpbench-ops: N\` on stdout. Exit 0 on success, 2 on bad
arguments, 3 when the program's output failed its check.
USAGE
}

# wl_corrupted MESSAGE: the output check failed.
wl_corrupted() {
    echo "wl-$WL_NAME: corrupted output: $*" >&2
    exit 3
}

# wl_run_copies: runs `wl_copy I DIR` for I in 0..threads-1 in parallel, each
# writing its result to DIR/out.I; fails (exit 1) if any copy fails.
wl_run_copies() {
    local i pids=() rc=0
    for ((i = 0; i < WL_THREADS; i++)); do
        wl_copy "$i" "$WL_TMP" >"$WL_TMP/out.$i" 2>"$WL_TMP/err.$i" &
        pids+=($!)
    done
    for ((i = 0; i < WL_THREADS; i++)); do
        if ! wait "${pids[$i]}"; then
            echo "wl-$WL_NAME: copy $i failed:" >&2
            tail -n 5 "$WL_TMP/err.$i" >&2
            rc=1
        fi
    done
    [ $rc -eq 0 ] || exit 1
}

# wl_same_outputs: all copies printed the same thing (the same input).
wl_same_outputs() {
    local i
    for ((i = 1; i < WL_THREADS; i++)); do
        cmp -s "$WL_TMP/out.0" "$WL_TMP/out.$i" ||
            wl_corrupted "copy $i printed something else than copy 0"
    done
}

# wl_start: makes the temporary folder (removed at exit) and starts the clock.
wl_start() {
    WL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/wl-$WL_NAME.XXXXXX") || exit 1
    trap 'rm -rf "$WL_TMP"' EXIT
    WL_T0=$(date +%s.%N)
}

# wl_report OPS: the ops line (and with -v the time on stderr).
wl_report() {
    echo "mpbench-ops: $1"
    if [ "$WL_VERBOSE" = 1 ]; then
        awk -v a="$WL_T0" -v b="$(date +%s.%N)" -v n="$WL_NAME" -v o="$1" -v t="$WL_THREADS" \
            'BEGIN { printf "wl-%s: %.3f s, %d ops, %d copies\n", n, b - a, o, t }' >&2
    fi
}
