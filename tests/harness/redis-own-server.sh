#!/usr/bin/env bash
# The redis workload measures only the server it started. A decoy redis
# server (started outside mpbench's process tree, the way another user's
# server would be) is put on the endpoint the workload asks for, just
# before the workload's own server starts:
#   race:      the workload's server then starts normally;
#   elsewhere: the workload's server is made to listen somewhere else, so
#              only the decoy is at the endpoint.
# Before, the workload used a TCP port: its own server could not bind it,
# the decoy answered PING and served every request, and the row was ok with
# the decoy's requests/s. Now its server listens on a unix socket in its
# private folder and the workload checks INFO's process_id and run_id:
# the race ends with the workload's own server measured (row ok, the decoy
# served nothing), the other case fails the row. Never: a row ok while the
# decoy served the benchmark.
# Usage: redis-own-server.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
for p in redis-server redis-benchmark redis-cli; do
    command -v $p > /dev/null || { echo "no $p (scripts/install-deps installs it)"; exit 77; }
done
[ -x "$build/bin/wl-redis" ] || fail "no wl-redis in $build"
real=$(command -v redis-server)
admin=$((30000 + $$ % 20000))
cleanup() {
    touch "$tmp/stop"
    for port in $(cat "$tmp/admin_ports" 2>/dev/null); do
        redis-cli -p "$port" SHUTDOWN NOSAVE > /dev/null 2>&1
    done
    [ -n "${helper:-}" ] && kill "$helper" 2>/dev/null && wait "$helper" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp/bin" "$tmp/decoy"

# redis-server as the workload finds it on PATH: asks for a decoy at the
# same endpoint, waits for it, then runs the real server.
cat > "$tmp/bin/redis-server" <<SH
#!/usr/bin/env bash
args=("\$@") port= sock=
for ((i = 0; i < \${#args[@]}; i++)); do
    case \${args[i]} in
    --port) port=\${args[i+1]}; [ "\$MODE" = elsewhere ] && [ "\$port" != 0 ] && args[i+1]=\$((port + 1)) ;;
    --unixsocket) sock=\${args[i+1]}; [ "\$MODE" = elsewhere ] && args[i+1]=\$sock.real ;;
    esac
done
echo "\$port \$sock" > "$tmp/request.\$\$.tmp" && mv "$tmp/request.\$\$.tmp" "$tmp/request.\$\$"
for _ in \$(seq 200); do [ -e "$tmp/ready.\$\$" ] && break; sleep 0.05; done
exec "$real" "\${args[@]}"
SH
chmod +x "$tmp/bin/redis-server"

# The decoy starter, a child of this test (outside mpbench's tree).
(
    n=0
    while [ ! -e "$tmp/stop" ]; do
        for r in "$tmp"/request.*; do
            case $r in *.tmp | *'*') continue ;; esac
            id=${r##*.}
            read -r port sock < "$r"
            rm -f "$r"
            n=$((n + 1))
            ap=$((admin + n))
            if [ -n "$sock" ]; then
                ep=(--unixsocket "$sock" --port "$ap" --bind 127.0.0.1)
            else
                ep=(--port "$port" --bind 127.0.0.1) ap=$port
            fi
            echo "$ap" >> "$tmp/admin_ports"
            env -u LD_PRELOAD "$real" "${ep[@]}" --save '' --appendonly no --dir "$tmp/decoy" \
                --daemonize no --logfile "$tmp/decoy.$n.log" > /dev/null 2>&1 &
            for _ in $(seq 100); do
                [ "$(redis-cli -p "$ap" PING 2>/dev/null)" = PONG ] && break
                sleep 0.05
            done
            touch "$tmp/ready.$id"
        done
        sleep 0.02
    done
) &
helper=$!

# Commands the decoys served, in total.
decoy_commands() {
    local total=0 port c
    for port in $(cat "$tmp/admin_ports" 2>/dev/null); do
        c=$(redis-cli -p "$port" INFO stats 2>/dev/null | tr -d '\r' | awk -F: '$1 == "total_commands_processed" { print $2 }')
        total=$((total + ${c:-0}))
    done
    echo "$total"
}

for mode in ${MODES:-race elsewhere}; do
    rm -f "$tmp/admin_ports"
    MODE=$mode PATH="$tmp/bin:$PATH" "$mpb" run --alloc glibc --workload redis --threads 1 --repeat 1 \
        --warmup 0 --scale 0.02 --no-pin --no-report --out "$tmp/r-$mode" > "$tmp/out" 2>&1
    st=$(csv_get "$tmp/r-$mode/results.csv" status 1)
    served=$(decoy_commands)
    for port in $(cat "$tmp/admin_ports" 2>/dev/null); do
        redis-cli -p "$port" SHUTDOWN NOSAVE > /dev/null 2>&1
    done
    [ -s "$tmp/admin_ports" ] || fail "$mode: no decoy was started (the wrapper was not used)"
    if [ "$st" = ok ] && [ "$served" -ge 1000 ]; then
        fail "$mode: row ok while the decoy server served $served commands (the wrong server measured)"
    fi
    echo "$mode: status $st, decoy served $served commands"
    if [ "$mode" = race ]; then
        [ "$st" = ok ] || fail "race: the workload's own server was not measured (status $st): $(tail -3 "$tmp"/r-race/logs/*.err 2>/dev/null)"
    else
        [ "$st" != ok ] || fail "elsewhere: only the decoy answered, yet the row is ok"
        grep -q "is not the one started" "$tmp"/r-elsewhere/logs/*.err \
            || fail "elsewhere: the log does not say the server is not the one started"
    fi
done
echo "redis measures only its own server: a decoy at its endpoint is never measured"
