#!/usr/bin/env bash
# wl-redis: Debian's redis-server under the allocator being measured (the
# LD_PRELOAD mpbench gives this script), driven by redis-benchmark over the
# server's own unix socket in the workload's private folder (mode 700, no
# TCP port at all: a server already listening on a port can never answer in
# its place): pipelined LPUSH, LPOP, SADD, SPOP and LRANGE on lists and
# sets, a bounded number of requests. The script starts the server (no
# persistence, its own temporary folder), waits for PONG, checks that the
# server answering is the one it started (INFO's process_id and run_id,
# before and after the benchmark) and that it counted the requests sent,
# checks the data set afterwards (the list and set sizes the commands
# imply), and always stops it. ops = requests served, and mpbench-ops_s = the seconds
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
otherwise serve the glibc cell) on a unix socket in a private folder (no TCP
port; the server's identity is checked), driven by
redis-benchmark (under glibc): $CLIENTS clients, pipelines of $PIPELINE, tests
$TESTS, random keys (redis-benchmark has no seed option: --seed is accepted
and unused). -t N sets the server's io-threads.

Parameters at scale 1.0: $REQUESTS requests per test (ops = requests served;
mpbench-ops_s = the seconds redis-benchmark timed them over, so ops_per_s is
its requests/s).

$(wl_common_options)
USAGE
}

# Starts redis-server on unix socket $SOCK (no TCP port) under
# SERVER_PRELOAD; 0 once the server that answers is the process started
# (INFO's process_id), within 5 s.
start_server() {
    LD_PRELOAD=$SERVER_PRELOAD MPB_NOT_MEASURED= redis-server --port 0 --unixsocket "$SOCK" \
        --unixsocketperm 700 --save '' --appendonly no --dir "$WL_TMP" --daemonize no \
        --io-threads "$WL_THREADS" --logfile "$WL_TMP/server.log" &
    SERVER_PID=$!
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(cli PING 2>/dev/null || true)" = PONG ] &&
            [ "$(server_info process_id 2>/dev/null || true)" = "$SERVER_PID" ] && break
        kill -0 "$SERVER_PID" 2>/dev/null || return 1
        sleep 0.05
    done
    RUN_ID=$(server_info run_id)
    check_identity "after start"
}

# server_info FIELD: the field of INFO (server and stats sections).
server_info() {
    cli INFO everything | tr -d '\r' | awk -F: -v k="$1" '$1 == k && !done { print $2; done = 1 }'
}

# check_identity WHEN: the server answering is the process this script
# started (process_id) and the same server as at start (run_id).
check_identity() {
    local pid id
    pid=$(server_info process_id)
    id=$(server_info run_id)
    [ "$pid" = "$SERVER_PID" ] && [ -n "$id" ] && [ "$id" = "$RUN_ID" ] && return 0
    echo "wl-$WL_NAME: the server answering on $SOCK $1 is not the one started (process_id '$pid', expected $SERVER_PID; run_id '$id', expected '$RUN_ID')" >&2
    exit 1
}

# Stops the server started, by its process id (a SHUTDOWN sent to the
# socket could reach another server), within 5 s.
stop_server() {
    local i
    if [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.05
        done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=
}

cli() {
    env -u LD_PRELOAD MPB_NOT_MEASURED=1 redis-cli -s "$SOCK" "$@"
}

wl_parse "$@"
for p in redis-server redis-benchmark redis-cli; do
    command -v $p >/dev/null || { echo "wl-$WL_NAME: $p not found (apt-get install redis-server redis-tools)" >&2; exit 1; }
done
N=$(wl_scaled $REQUESTS 100)
# Debian links redis-server with libjemalloc: glibc's libc.so.6, preloaded after
# whatever mpbench preloads, comes before it in the lookup order, so the
# server's malloc is the allocator under test (or glibc's for the glibc cell).
# (The C library this shell runs on, from its own mappings: ldconfig, a
# static program, would run without the allocator inside the measured run.)
LIBC=$(awk '$NF ~ /\/libc\.so\.6$/ { print $NF; exit }' /proc/$$/maps)
SERVER_PRELOAD=${LD_PRELOAD:+$LD_PRELOAD:}$LIBC
unset LD_PRELOAD
export MPB_NOT_MEASURED=1     # the client runs without the allocator on purpose (mpbench checks)
wl_start
# A unix socket path must fit in 108 bytes: a long TMPDIR gets /tmp instead.
SOCK=$WL_TMP/redis.sock
if [ ${#SOCK} -gt 100 ]; then
    rm -rf "$WL_TMP"
    WL_TMP=$(mktemp -d /tmp/wl-$WL_NAME.XXXXXX) || exit 1
    SOCK=$WL_TMP/redis.sock
fi
trap 'stop_server; rm -rf "$WL_TMP"' EXIT
SERVER_PID=
start_server || { echo "wl-$WL_NAME: redis-server did not start:" >&2; tail -n 5 "$WL_TMP/server.log" >&2; exit 1; }
CMDS0=$(server_info total_commands_processed)
redis-benchmark -s "$SOCK" -c $CLIENTS -P $PIPELINE -n "$N" -r 10000 \
    -t "$TESTS" --csv >"$WL_TMP/bench.csv" 2>"$WL_TMP/bench.err" ||
    { tail -n 5 "$WL_TMP/bench.csv" "$WL_TMP/bench.err" >&2; exit 1; }
# The same server must still answer, it must have served the requests sent,
# and the list LRANGE read must be there.
check_identity "after the benchmark"
CMDS=$(($(server_info total_commands_processed) - CMDS0))
LLEN=$(cli LLEN mylist)
NTESTS=$(awk -F, 'NR > 1 { n++ } END { print n + 0 }' "$WL_TMP/bench.csv")
# (LRANGE_100 adds its own LPUSH pass: 6 rows)
[ "$NTESTS" -eq 6 ] || wl_corrupted "redis-benchmark reported $NTESTS tests, expected 6"
[ "$CMDS" -ge $((N * NTESTS)) ] ||
    wl_corrupted "the server counted $CMDS commands, fewer than the $((N * NTESTS)) requests sent"
[ "$LLEN" -gt 0 ] 2>/dev/null || wl_corrupted "LLEN mylist answered '$LLEN'"
# Seconds of the tests as redis-benchmark timed them: N requests each at its
# requests/s (column 2); ops / this is its overall requests/s.
SECS=$(awk -F, 'NR > 1 { gsub(/"/, "", $2); if ($2 <= 0) bad = 1; else t += '"$N"' / $2 }
    END { if (bad || t <= 0) exit 1; printf "%.6f", t }' "$WL_TMP/bench.csv") ||
    wl_corrupted "redis-benchmark reported a rate of 0 requests/s"
stop_server
echo "mpbench-ops_s: $SECS"
wl_report $((N * NTESTS))
