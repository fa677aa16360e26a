#!/usr/bin/env bash
# /etc/ld.so.preload, the system-wide form of an inherited LD_PRELOAD, is
# named and recorded: a library it lists is loaded into every run after the
# allocator under test and the probe (its malloc, if it won, would be caught
# by the probe), but nothing said it was there: the folder read as if the
# runs had only the allocator. Now mpbench warns on stderr, meta.json's
# environment has system_preload, report.md names it, and compare/merge see
# it as an environment difference. Run in a private mount namespace over a
# copy of /etc (root and unshare needed; else skipped).
# Usage: system-preload.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
export TINY_MS=5
[ "$(id -u)" = 0 ] && command -v unshare > /dev/null || { echo "needs root and unshare"; exit 77; }
unshare -m true 2> /dev/null || { echo "no mount namespaces here"; exit 77; }
cp -a /etc "$tmp/etc" 2> /dev/null
rm -f "$tmp/etc/ld.so.preload"
cc -O1 -shared -fPIC -o "$tmp/libnothing.so" -x c - <<< 'int sys_preloaded_marker(void) { return 7; }' ||
    fail "cannot build the preloaded library"
printf '# preloaded by the test\n%s\n' "$tmp/libnothing.so" > "$tmp/etc/ld.so.preload"
run() { # run OUT: mpbench run in the namespace, /etc replaced by the copy
    unshare -m sh -c 'mount --bind "$1" /etc && shift && exec "$@"' sh "$tmp/etc" \
        "$mpb" run --alloc glibc --workload "$tmp/wl-tiny" --threads 1 --repeat 1 --no-pin \
        --warmup 0 --out "$1" > "$tmp/out" 2>&1
}
run "$tmp/a" || fail "run: $(tail -3 "$tmp/out")"
grep -q "warning: /etc/ld.so.preload names $tmp/libnothing.so" "$tmp/out" ||
    fail "no warning: $(grep -v '^\[' "$tmp/out" | head -5)"
python3 - "$tmp/a/meta.json" "$tmp/libnothing.so" <<'PY' || fail "meta.json: $(grep -A3 environment "$tmp/a/meta.json")"
import json, sys
e = json.load(open(sys.argv[1]))["environment"]
assert e["system_preload"] == sys.argv[2], e
PY
grep -q "^- \`/etc/ld.so.preload\` named \`$tmp/libnothing.so\`" "$tmp/a/report.md" || fail "report.md does not name it"
echo "/etc/ld.so.preload: warned, recorded, reported"
"$mpb" run --alloc glibc --workload "$tmp/wl-tiny" --threads 1 --repeat 1 --no-pin --warmup 0 \
    --out "$tmp/b" > "$tmp/out" 2>&1 || fail "run without it"
[ -s /etc/ld.so.preload ] && { echo "this machine has an /etc/ld.so.preload: compare part skipped"; exit 0; }
"$mpb" compare "$tmp/a" "$tmp/b" > "$tmp/out" 2>&1
grep -q "different allocator environment (/etc/ld.so.preload $tmp/libnothing.so / (none))" "$tmp/out" ||
    fail "compare: $(grep -i warning "$tmp/out")"
echo "compare warns of it"
exit 0
