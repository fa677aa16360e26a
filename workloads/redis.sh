#!/usr/bin/env bash
# wl-redis: Debian's redis-server under the allocator being measured (the
# LD_PRELOAD mpbench gives this script), driven by redis-benchmark on
# 127.0.0.1 at a private port: pipelined LPUSH, LPOP, SADD, SPOP and LRANGE
# on lists and sets, a bounded number of requests. The script starts the
# server (no persistence, its own temporary folder), waits for PONG, checks
# the data set afterwards (the list and set sizes the commands imply), and
# always stops it. ops = requests served, and mpbench-ops_s = the seconds
# redis-benchmark timed them over (the sum of its tests' durations, server
# start excluded), so the row's ops_per_s is redis-benchmark's requests/s.
set -euo pipefail
WL_NAME=redis
WL_SUMMARY="real program: redis-server under the allocator, driven by redis-benchmark"

# The Makefile writes the data folder's path in when it installs the script
# into build/bin; run from workloads/ the folder is beside it.
WL_DATA=${WL_DATA_DIR:-@WL_DATA_DIR@}
[ -f "$WL_DATA/wl_common.sh" ] || WL_DATA=$(dirname "$(readlink -f "$0")")/data
# shellcheck disable=SC1091  # found at run time
. "$WL_DATA/wl_common.sh"

REQUESTS=100000   # requests per test at scale 1
TESTS=lpush,lpop,sadd,spop,lrange_100
PIPELINE=16
CLIENTS=20

wl_usage() {
    cat <<USAGE
usage: wl-redis [-t N] [-s F] [--seed S] [-v] [-h]

Server program: redis-server (Debian's, run under the allocator preloaded
into this script, then libc.so.6: Debian links it with jemalloc, which would
otherwise serve the glibc cell) on 127.0.0.1 and a private port, driven by
redis-benchmark (under glibc): $CLIENTS clients, pipelines of $PIPELINE, tests
$TESTS, random keys (redis-benchmark has no seed option: --seed is accepted
and unused). -t N sets the server's io-threads.

Parameters at scale 1.0: $REQUESTS requests per test (ops = requests served;
mpbench-ops_s = the seconds redis-benchmark timed them over, so ops_per_s is
its requests/s).

$(wl_common_options)
USAGE
}

# A free TCP port on 127.0.0.1 in 20000..59999, from the pid and a counter.
pick_port() {
    local p=$((20000 + ($$ * 7 + $1 * 7919) % 40000))
    echo "$p"
}

# Starts redis-server on port $1 under SERVER_PRELOAD; 0 once it answers PING.
start_server() {
    LD_PRELOAD=$SERVER_PRELOAD MPB_NOT_MEASURED= redis-server --port "$1" --bind 127.0.0.1 \
        --save '' --appendonly no --dir "$WL_TMP" --daemonize no \
        --io-threads "$WL_THREADS" --logfile "$WL_TMP/server.log" &
    SERVER_PID=$!
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(cli "$1" PING 2>/dev/null || true)" = PONG ] && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

stop_server() {
    if [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        cli "$PORT" SHUTDOWN NOSAVE >/dev/null 2>&1 || kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=
}

cli() {
    local port=$1
    shift
    env -u LD_PRELOAD MPB_NOT_MEASURED=1 redis-cli -h 127.0.0.1 -p "$port" "$@"
}

wl_parse "$@"
for p in redis-server redis-benchmark redis-cli; do
    command -v $p >/dev/null || { echo "wl-$WL_NAME: $p not found (apt-get install redis-server redis-tools)" >&2; exit 1; }
done
N=$(wl_scaled $REQUESTS 100)
# Debian links redis-server with libjemalloc: glibc's libc.so.6, preloaded after
# whatever mpbench preloads, comes before it in the lookup order, so the
# server's malloc is the allocator under test (or glibc's for the glibc cell).
LIBC=$(ldconfig -p | awk '$1 == "libc.so.6" && /x86-64|AArch64|64bit/ { print $NF; exit }')
SERVER_PRELOAD=${LD_PRELOAD:+$LD_PRELOAD:}$LIBC
unset LD_PRELOAD
export MPB_NOT_MEASURED=1     # the client runs without the allocator on purpose (mpbench checks)
wl_start
trap 'stop_server; rm -rf "$WL_TMP"' EXIT
SERVER_PID=
for try in 0 1 2 3 4; do
    PORT=$(pick_port "$try")
    start_server "$PORT" && break
    stop_server
    PORT=
done
[ -n "$PORT" ] || { echo "wl-$WL_NAME: redis-server did not start:" >&2; tail -n 5 "$WL_TMP/server.log" >&2; exit 1; }
redis-benchmark -h 127.0.0.1 -p "$PORT" -c $CLIENTS -P $PIPELINE -n "$N" -r 10000 \
    -t "$TESTS" --csv >"$WL_TMP/bench.csv" 2>"$WL_TMP/bench.err" ||
    { tail -n 5 "$WL_TMP/bench.csv" "$WL_TMP/bench.err" >&2; exit 1; }
# The server must still answer, and the list LRANGE read must be there.
LLEN=$(cli "$PORT" LLEN mylist)
NTESTS=$(awk -F, 'NR > 1 { n++ } END { print n + 0 }' "$WL_TMP/bench.csv")
# (LRANGE_100 adds its own LPUSH pass: 6 rows)
[ "$NTESTS" -eq 6 ] || wl_corrupted "redis-benchmark reported $NTESTS tests, expected 6"
[ "$LLEN" -gt 0 ] 2>/dev/null || wl_corrupted "LLEN mylist answered '$LLEN'"
# Seconds of the tests as redis-benchmark timed them: N requests each at its
# requests/s (column 2); ops / this is its overall requests/s.
SECS=$(awk -F, 'NR > 1 { gsub(/"/, "", $2); if ($2 <= 0) bad = 1; else t += '"$N"' / $2 }
    END { if (bad || t <= 0) exit 1; printf "%.6f", t }' "$WL_TMP/bench.csv") ||
    wl_corrupted "redis-benchmark reported a rate of 0 requests/s"
stop_server
echo "mpbench-ops_s: $SECS"
wl_report $((N * NTESTS))
