#!/usr/bin/env bash
# A folder whose matrix did not finish says so wherever its numbers are
# shown: `mpbench summary` of a run killed mid-matrix (meta.json state
# "running", no mpbench left) printed its rankings and verdicts with no word
# that cells held fewer runs than asked; now the digest's warnings (screen
# and report.md) name the state and how to finish it, and report.md's
# "Read this first" says a "running" folder may be a killed one.
# Usage: digest-unfinished.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
. "$here/analysis-fixture.inc"
mpb_fixture "$tmp/f"
"$mpb" summary "$tmp/f" > "$tmp/out" 2>&1 || fail "summary: $(tail -2 "$tmp/out")"
grep -q 'did not finish' "$tmp/out" && fail "a folder without a state is called unfinished"
for state in running interrupted write-error incomplete; do
    python3 - "$tmp/f/meta.json" "$state" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); m["state"] = sys.argv[2]
json.dump(m, open(sys.argv[1], "w"))
PY
    "$mpb" summary "$tmp/f" > "$tmp/out" 2>&1 || fail "summary ($state): $(tail -2 "$tmp/out")"
    grep -q "^  - the matrix did not finish (state $state" "$tmp/out" ||
        fail "state $state: no warning: $(sed -n '/Warnings/,$p' "$tmp/out")"
    "$mpb" report "$tmp/f" > /dev/null 2>&1 || fail "report ($state)"
    grep -q "^- the matrix did not finish (state $state" "$tmp/f/report.md" || fail "state $state: report.md lacks the warning"
done
grep -q 'killed mid-matrix' "$tmp/out" && fail "incomplete (a merge) is called killed"
grep -q 'a merge of unfinished shards' "$tmp/out" || fail "incomplete: $(grep 'did not finish' "$tmp/out")"
python3 - "$tmp/f/meta.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); m["state"] = "running"
json.dump(m, open(sys.argv[1], "w"))
PY
"$mpb" report "$tmp/f" > /dev/null 2>&1 || fail "report (running)"
grep -q '^- \*\*State: running\*\*: .*killed mid-matrix' "$tmp/f/report.md" ||
    fail "report.md: $(grep 'State:' "$tmp/f/report.md")"
echo "an unfinished matrix is named in the digest and the report"
exit 0
