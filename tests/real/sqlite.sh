#!/usr/bin/env bash
# sqlite3 under libmpalloc: runs tests/real/data/script.sql (tables,
# indexes, joins, group by, recursive CTEs, JSON, blobs) in memory and on
# disk, and compares the output with glibc's byte for byte.
# Usage: tests/real/sqlite.sh BUILD   (0 pass, 1 fail, 77 skip)
. "$(dirname "$0")/data/common.sh"
real_need sqlite3
real_tmpdir
real_compare memory sqlite3 :memory: ".read $real_data/script.sql"
real_compare ondisk sh -c 'rm -f db.sqlite && sqlite3 db.sqlite ".read $1"' sh "$real_data/script.sql"
exit 0
