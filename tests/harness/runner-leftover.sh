#!/usr/bin/env bash
# Processes a workload leaves behind are killed and reported. A workload that
# exits leaving a child in a new session (setsid: outside its process group,
# where mpbench's kill did not reach) and one in its group kept the first
# running after mpbench ended, and the row said ok. Now mpbench is a child
# subreaper: after the workload exits, every process still running below it
# is killed and reaped, the row's status is `leftover` with what was left in
# `extra`, and nothing with the test's marker survives mpbench.
# Usage: runner-leftover.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
mark="mpbleft$$x$RANDOM"
cleanup() {
    for p in $(pgrep -f "$mark"); do kill -9 "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT

cat > "$tmp/wl-left" <<SH
#!/usr/bin/env bash
# -t N -s F accepted and ignored
setsid bash -c 'exec -a $mark-session sleep 300' < /dev/null > /dev/null 2>&1 &
bash -c 'exec -a $mark-group sleep 300' < /dev/null > /dev/null 2>&1 &
sleep 0.1
echo "mpbench-ops: 1"
SH
chmod +x "$tmp/wl-left"
"$mpb" run --alloc glibc --workload "$tmp/wl-left" --threads 1 --repeat 2 --warmup 0 --no-pin \
    --out "$tmp/r" --no-report > "$tmp/out" 2>&1
sleep 0.2
left=$(pgrep -fa "$mark")
[ -z "$left" ] || fail "processes the workload left are still running after mpbench: $left"
csv="$tmp/r/results.csv"
[ "$(csv_rows "$csv")" -eq 2 ] || fail "expected 2 rows: $(cat "$csv")"
for row in 1 2; do
    st=$(csv_get "$csv" status "$row")
    [ "$st" = leftover ] || fail "row $row: status '$st', expected leftover"
done
grep -q 'leaving 2 processes running (killed): pid [0-9]* (sleep), pid [0-9]* (sleep)' "$csv" \
    || fail "extra does not name what was left: $(tail -1 "$csv")"
grep -q 'not ok (leftover 2)' "$tmp/out" || fail "the run's summary does not count them: $(tail -2 "$tmp/out")"
echo "leftover processes (one setsid, one in the group) killed, reaped and reported"

# A workload that leaves nothing is still ok.
"$mpb" run --alloc glibc --workload "$tmp/wl-tiny" --threads 1 --repeat 1 --no-pin \
    --out "$tmp/ok" --no-report > "$tmp/out" 2>&1 || fail "plain run: $(tail -2 "$tmp/out")"
[ "$(csv_get "$tmp/ok/results.csv" status 1)" = ok ] || fail "a clean workload is not ok"
echo "a clean workload stays ok"
