#!/usr/bin/env bash
# Traces of real programs replayed under every allocator this machine has:
# python3 (json and dicts), gcc's cc1 compiling a small C file, sqlite3 on
# an in-memory database. Each trace must be whole, and every replay must
# end ok with exactly the trace's number of calls. Kept small for make test.
# Usage: trace-real.sh BUILD
set -uo pipefail
build=${1:?usage: $0 BUILD}
mpb="$build/bin/mpbench"
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$mpb" ] && [ -f "$build/lib/libmpatrace.so" ] || fail "no mpbench/recorder in $build after the build"
for p in /usr/bin/python3 gcc sqlite3; do
    command -v $p > /dev/null || { echo "no $p"; exit 77; }
done
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/prog.c" <<'C'
int printf(const char *, ...);
struct point { int x, y; };
static int dist(struct point a, struct point b) { return (a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y); }
int main(void) { struct point p[8]; int s = 0; for (int i = 0; i < 8; i++) { p[i].x = i; p[i].y = 7 - i; }
  for (int i = 0; i < 8; i++) for (int j = 0; j < 8; j++) s += dist(p[i], p[j]); printf("%d\n", s); return 0; }
C
printf 'CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT);\nWITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000) INSERT INTO t SELECT x, printf("v%%d", x * 7) FROM c;\nCREATE INDEX tb ON t(b);\nSELECT count(*), sum(length(b)) FROM t;\n' > "$tmp/q.sql"
cc1=$(gcc -print-prog-name=cc1)

"$mpb" record -o "$tmp/python.mpt" -- /usr/bin/python3 -c \
    'import json; d = {str(i): [i, str(i) * 2] for i in range(20000)}; print(len(json.dumps(d)))' \
    > /dev/null 2>&1 || fail "recording python3 failed"
"$mpb" record -o "$tmp/cc1.mpt" -- "$cc1" -quiet -O2 "$tmp/prog.c" -o "$tmp/prog.s" \
    > "$tmp/cc1.out" 2>&1 || fail "recording cc1 failed: $(tail -3 "$tmp/cc1.out")"
"$mpb" record -o "$tmp/sqlite.mpt" -- sqlite3 :memory: < "$tmp/q.sql" > "$tmp/sql.out" 2>&1 ||
    fail "recording sqlite3 failed"
grep -q '^3000|' "$tmp/sql.out" || fail "sqlite3 printed $(head -c 80 "$tmp/sql.out")"

for t in python cc1 sqlite; do
    "$mpb" trace-stat "$tmp/$t.mpt" > "$tmp/$t.stat" || fail "$t trace: $(grep status "$tmp/$t.stat")"
    ev=$(awk '$1 == "events:" { print $2 }' "$tmp/$t.stat")
    [ "$ev" -gt 1000 ] || fail "$t trace holds only $ev events"
    echo "$t $ev"
done > "$tmp/events"
"$mpb" run --workload "trace:$tmp/python.mpt,trace:$tmp/cc1.mpt,trace:$tmp/sqlite.mpt" \
    --threads 1 --repeat 1 --warmup 0 --no-report --out "$tmp/r" > "$tmp/out" 2>&1 ||
    fail "replays failed: $(tail -3 "$tmp/out")"
nalloc=$(cut -d, -f1 "$tmp/r/results.csv" | tail -n +2 | sort -u | wc -l)
[ "$nalloc" -ge 2 ] || fail "only $nalloc allocators ran"
while read -r t ev; do
    bad=$(awk -F, -v w="trace-$t" -v n="$ev" 'NR > 1 && $3 == w && ($6 != "ok" || $13 != n) { print $1 }' \
          "$tmp/r/results.csv")
    [ -z "$bad" ] || fail "$t replay not ok or not $ev calls under: $bad"
    rows=$(awk -F, -v w="trace-$t" 'NR > 1 && $3 == w' "$tmp/r/results.csv" | wc -l)
    [ "$rows" -eq "$nalloc" ] || fail "$t: $rows rows for $nalloc allocators"
done < "$tmp/events"
echo "python3, cc1 and sqlite3 traces replayed on $nalloc allocators with their exact call counts"
