#!/usr/bin/env bash
# The caller's allocator environment is recorded and its effect on the runs
# decided: MALLOC_*, MIMALLOC_*, GLIBC_TUNABLES, ... are passed to every run
# and recorded in meta.json ("environment") and report.md; an inherited
# LD_PRELOAD is stripped from the runs with a warning (it would stack a
# library on the allocator under test) and recorded; MPB_NOT_MEASURED (which
# would exempt a run from the outside provenance check) never reaches a
# run. A --resume with another environment is refused, and compare warns
# loudly when two folders' environments differ. (Before: nothing recorded.)
# Usage: runner-environment.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
export TINY_MS=5
cat > "$tmp/wl-env" <<SH
#!/usr/bin/env bash
env > "$tmp/env.\$\$"
echo "mpbench-ops: 1"
SH
chmod +x "$tmp/wl-env"

MALLOC_ARENA_MAX=3 GLIBC_TUNABLES=glibc.malloc.tcache_count=0 MIMALLOC_VERBOSE=0 \
    MPB_NOT_MEASURED=1 LD_PRELOAD="$tmp/libpass.so" \
    "$mpb" run --alloc glibc --workload "$tmp/wl-env" --threads 1 --repeat 2 --warmup 0 --no-pin \
    --out "$tmp/a" > "$tmp/out" 2>&1 || fail "run: $(tail -2 "$tmp/out")"
grep -q "warning: LD_PRELOAD=$tmp/libpass.so is in the environment: it is NOT passed" "$tmp/out" \
    || fail "no warning about the inherited LD_PRELOAD: $(head -3 "$tmp/out")"
grep -q 'note: the environment sets .*MALLOC_ARENA_MAX=3' "$tmp/out" || fail "no note of MALLOC_ARENA_MAX"
[ "$(csv_get "$tmp/a/results.csv" status 1)" = ok ] || fail "run not ok: $(tail -1 "$tmp/a/results.csv")"
for f in "$tmp"/env.*; do
    grep -q '^MALLOC_ARENA_MAX=3$' "$f" || fail "MALLOC_ARENA_MAX did not reach the run"
    grep -q '^LD_PRELOAD=.*libpass' "$f" && fail "the inherited LD_PRELOAD stacked on the run: $(grep LD_PRELOAD "$f")"
    grep -q '^MPB_NOT_MEASURED' "$f" && fail "MPB_NOT_MEASURED reached the run"
done
python3 - "$tmp/a/meta.json" "$tmp/libpass.so" <<'PY' || fail "meta.json environment wrong"
import json, sys
env = json.load(open(sys.argv[1]))["environment"]
v = env["variables"]
assert v["MALLOC_ARENA_MAX"] == "3" and v["GLIBC_TUNABLES"] == "glibc.malloc.tcache_count=0", v
assert v["MIMALLOC_VERBOSE"] == "0", v
assert env["stripped"]["LD_PRELOAD"] == sys.argv[2], env
assert "cpu_frequency" in env and env["cpu_frequency"], env
PY
rep="$tmp/a/report.md"
grep -q '^## Environment' "$rep" || fail "report.md has no Environment section"
grep -q '`MALLOC_ARENA_MAX=3`' "$rep" || fail "report.md does not list MALLOC_ARENA_MAX"
grep -q "LD_PRELOAD=$tmp/libpass.so\` was in mpbench's environment and was \*\*not\*\* passed" "$rep" \
    || fail "report.md does not say LD_PRELOAD was stripped"
grep -q '^- CPU frequency policy: ' "$rep" || fail "report.md does not give the CPU frequency policy"
echo "environment recorded, passed on, LD_PRELOAD stripped with a warning"

# The same matrix without the settings: compare says loudly that they differ.
"$mpb" run --alloc glibc --workload "$tmp/wl-env" --threads 1 --repeat 2 --warmup 0 --no-pin \
    --out "$tmp/b" > "$tmp/out" 2>&1 || fail "run b: $(tail -2 "$tmp/out")"
"$mpb" compare "$tmp/a" "$tmp/b" > "$tmp/out" 2> "$tmp/err"
grep -q 'WARNING: A and B ran with a different allocator environment (.*MALLOC_ARENA_MAX=3 / (unset)' \
    "$tmp/err" || fail "compare does not warn of the environment: $(cat "$tmp/err")"
grep -q '^WARNING: A and B ran with a different allocator environment' "$tmp/out" \
    || fail "compare's output does not carry the warning"

# Resuming a folder under another environment would pool both in its cells.
rm -f "$tmp/b/results.csv" && touch "$tmp/b/results.csv"
MALLOC_ARENA_MAX=1 "$mpb" run --resume "$tmp/b" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] || fail "resume under another environment: exit $rc, expected 2"
grep -q 'refused: --resume .* with another allocator environment' "$tmp/out" \
    || fail "resume refusal does not say why: $(tail -2 "$tmp/out")"
echo "compare warns of another environment; resume under another environment refused"
