#!/usr/bin/env bash
# meta.json is written, edited and read as JSON whatever the strings hold:
# a results folder whose name has a quote, a backslash and a tab gives a
# meta.json that parses with the command line intact; `mpbench report`
# reads the machine and allocator versions from it; `mpbench merge` adds
# "merged_from" without losing a member; a broken meta.json is named in a
# message and the report still comes out. Usage: runner-json.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
export TINY_MS=10
mpb=$(cd "$(dirname "$mpb")" && pwd)/mpbench
cd "$tmp" || fail "cannot enter $tmp"

odd="$tmp/it's \"odd\" \\ and	tab"
"$mpb" run --alloc "glibc,$tmp/libpass.so" --workload "$tmp/wl-tiny" --threads 1 --repeat 1 \
    --out "$odd" > "$tmp/out" 2>&1 || fail "run into an odd folder name failed: $(tail -1 "$tmp/out")"
python3 - "$odd/meta.json" "$odd" <<'PY' || fail "meta.json of an odd folder name is wrong"
import json, sys
m = json.load(open(sys.argv[1]))
assert sys.argv[2] in m["command_line"], "command line lost the folder name: %r" % m["command_line"]
assert m["state"] == "complete" and isinstance(m["cores"], int) and m["allocators"][0]["name"] == "glibc"
assert isinstance(m["matrix"]["threads"], list) and m["matrix"]["pin"] in (True, False)
PY
host=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["host"])' "$odd/meta.json")
grep -qF "| host | $host |" "$odd/report.md" || fail "report.md lacks the host from meta.json"
grep -qF "| state | complete |" "$odd/report.md" || fail "report.md lacks the state from meta.json"
grep -q '^  - `glibc` (' "$odd/report.md" || fail "report.md lacks glibc's version from meta.json"

"$mpb" merge "$tmp/m" "$odd" > "$tmp/out" 2>&1 || fail "merge failed: $(tail -1 "$tmp/out")"
python3 - "$odd/meta.json" "$tmp/m/meta.json" "$odd" <<'PY' || fail "merged meta.json is wrong"
import json, os, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert b.pop("merged_from") == [os.path.realpath(sys.argv[3])]
shards = b.pop("shards")   # each shard recorded (merge_ident.c)
assert [s["dir"] for s in shards] == [os.path.realpath(sys.argv[3])] and shards[0]["host"] == a["host"]
assert b.pop("mixed") == [] and b["state"] == a["state"] == "complete"
assert a == b, "merge changed members of meta.json"
PY

printf '{"host": "x",\n  "state": \n' > "$odd/meta.json"
"$mpb" report "$odd" > "$tmp/out" 2>&1 || fail "report with a broken meta.json failed"
grep -q "meta.json.*line 3" "$tmp/out" || fail "broken meta.json not reported with its line: $(cat "$tmp/out")"
echo "odd folder name kept in meta.json, report reads it, merge keeps every member, bad JSON named"
