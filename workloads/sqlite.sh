#!/usr/bin/env bash
# wl-sqlite: sqlite3 running a generated SQL script on an in-memory database:
# rounds of building a table from a recursive CTE, indexing, updating,
# deleting, grouping and joining. The script checks itself (counts and sums
# against closed forms, index versus full scan) and all copies must print
# the same. ops = SQL statements executed, all copies.
set -euo pipefail
WL_NAME=sqlite
WL_SUMMARY="real program: sqlite3 building, indexing and querying in-memory tables"

# The Makefile writes the data folder's path in when it installs the script
# into build/bin; run from workloads/ the folder is beside it.
WL_DATA=${WL_DATA_DIR:-@WL_DATA_DIR@}
[ -f "$WL_DATA/wl_common.sh" ] || WL_DATA=$(dirname "$(readlink -f "$0")")/data
# shellcheck disable=SC1091  # found at run time
. "$WL_DATA/wl_common.sh"

ROUNDS=10      # rounds per copy at scale 1
ROWS=20000     # rows per table
CHECKS=5       # self-check statements per round (each prints "ok")

wl_usage() {
    cat <<USAGE
usage: wl-sqlite [-t N] [-s F] [--seed S] [-v] [-h]

Real program: sqlite3 runs a generated SQL script on an in-memory database.
Each round creates a table of $ROWS rows from a recursive CTE (text, real and
blob columns), indexes it, updates a third, deletes a fifth, groups, joins,
checks its counts and sums against closed forms, and drops it. Stresses the
page cache, B-tree nodes and many variable-size strings.

Parameters at scale 1.0: $ROUNDS rounds per copy (ops = SQL statements x copies).

$(wl_common_options)
USAGE
}

# One round of statements on table t$1 (M rows, salt = seed).
sql_round() {
    local t=t$1 m=$ROWS s=$WL_SEED
    cat <<SQL
CREATE TABLE $t(id INTEGER PRIMARY KEY, grp INT, name TEXT, val REAL, data BLOB);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < $m) INSERT INTO $t SELECT x, (x * $s) % 97, printf('n%d-%s', x, hex(x * 7919 + $s)), ((x * 31 + $s) % 1000) / 10.0, zeroblob(x % 200) FROM c;
CREATE INDEX ${t}_grp ON $t(grp, name);
SELECT CASE WHEN sum(id) = $m * ($m + 1) / 2 AND count(*) = $m THEN 'ok' ELSE 'BAD insert' END FROM $t;
UPDATE $t SET name = name || '-updated-' || grp WHERE id % 3 = 0;
DELETE FROM $t WHERE id % 5 = 0;
SELECT CASE WHEN count(*) = $m - $m / 5 THEN 'ok' ELSE 'BAD delete' END FROM $t;
SELECT CASE WHEN (SELECT count(*) FROM $t NOT INDEXED WHERE grp = 5 AND name LIKE '%updated%') = (SELECT count(*) FROM $t INDEXED BY ${t}_grp WHERE grp = 5 AND name LIKE '%updated%') THEN 'ok' ELSE 'BAD index' END;
SELECT CASE WHEN (SELECT sum(c) FROM (SELECT grp, count(*) AS c, max(name) AS mx FROM $t GROUP BY grp)) = $m - $m / 5 THEN 'ok' ELSE 'BAD group' END;
SELECT 'join', count(*), total(a.val + b.val) FROM $t a JOIN $t b ON b.id = a.id + 1 AND b.grp <> a.grp;
SELECT CASE WHEN (SELECT group_concat(name, ',') FROM (SELECT name FROM $t ORDER BY name DESC LIMIT 500)) LIKE 'n%' THEN 'ok' ELSE 'BAD sort' END;
DROP TABLE $t;
SQL
}

make_script() {
    local r
    for ((r = 0; r < NROUNDS; r++)); do
        sql_round "$r"
    done
}

wl_copy() {
    sqlite3 :memory: <"$WL_TMP/script.sql"
}

wl_parse "$@"
command -v sqlite3 >/dev/null || { echo "wl-$WL_NAME: sqlite3 not found" >&2; exit 1; }
NROUNDS=$(wl_scaled $ROUNDS)
wl_start
make_script >"$WL_TMP/script.sql"
STATEMENTS=$(grep -c ';$' "$WL_TMP/script.sql")
wl_run_copies
OKS=$(grep -c '^ok$' "$WL_TMP/out.0" || true)
[ "$OKS" -eq $((CHECKS * NROUNDS)) ] ||
    wl_corrupted "$OKS of $((CHECKS * NROUNDS)) self-checks passed: $(grep -m1 BAD "$WL_TMP/out.0" || true)"
wl_same_outputs
wl_report $((STATEMENTS * WL_THREADS))
