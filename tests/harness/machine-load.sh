#!/usr/bin/env bash
# How busy the machine was with other work while a matrix ran is measured
# and said: a matrix run beside CPU hogs (or on a VM whose host steals its
# CPUs) printed its rankings with nothing but "noisy" flags. Now meta.json
# records machine_load (the mean CPUs busy with work other than mpbench and
# its runs, from /proc/stat less getrusage; steal included) and the digest
# (screen and report.md) and compare (loudly, per side) warn above 10% of
# the PUs.
#  - a real run beside busy loops on every PU: machine_load well above 0,
#    and the warning;
#  - the analysis fixture with machine_load 0.02 of the PUs: no warning;
#    0.6: the warning, with the CPUs and the share.
# Usage: machine-load.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
. "$here/analysis-fixture.inc"
export TINY_MS=100
pus=$(getconf _NPROCESSORS_ONLN)
hogs=()
for ((i = 0; i < pus; i++)); do
    timeout 60 sh -c 'while :; do :; done' &
    hogs+=($!)
done
trap 'kill "${hogs[@]}" 2> /dev/null; rm -rf "$tmp"' EXIT
"$mpb" run --alloc glibc --workload "$tmp/wl-tiny" --threads 1 --repeat 3 --no-pin --warmup 0 \
    --out "$tmp/r" > "$tmp/out" 2>&1 || fail "run: $(tail -3 "$tmp/out")"
kill "${hogs[@]}" 2> /dev/null
python3 - "$tmp/r/meta.json" <<'PY' || fail "meta.json machine_load: $(grep -A6 machine_load "$tmp/r/meta.json")"
import json, sys
l = json.load(open(sys.argv[1]))["machine_load"]
assert l["seconds"] > 0.2 and l["others_cpus"] > 0.3 and l["others_share"] > 0.1, l
assert l["steal_cpus"] >= 0 and "getrusage" in l["note"], l
PY
grep -q 'the machine was busy with other work while the matrix ran: other processes kept [0-9.]* CPUs busy' "$tmp/out" ||
    fail "no warning beside $pus busy loops: $(sed -n '/Warnings/,$p' "$tmp/out")"
grep -q 'the machine was busy' "$tmp/r/report.md" || fail "report.md lacks the warning"
echo "a run beside busy loops: machine_load recorded, warned of"

mpb_fixture "$tmp/f"
load() {
    python3 - "$tmp/f/meta.json" "$1" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); s = float(sys.argv[2])
m["machine_load"] = {"others_cpus": 2 * s, "others_share": s, "steal_cpus": 0.5, "seconds": 100}
json.dump(m, open(sys.argv[1], "w"))
PY
}
load 0.02
"$mpb" summary "$tmp/f" > "$tmp/out" 2>&1 || fail "summary"
grep -q 'machine was busy' "$tmp/out" && fail "a warning at 2% of the PUs"
load 0.6
"$mpb" summary "$tmp/f" > "$tmp/out" 2>&1 || fail "summary"
grep -q 'other processes kept 1.20 CPUs busy on average (60% of its PUs; 0.50 of them stolen by the hypervisor)' "$tmp/out" ||
    fail "fixture at 60%: $(sed -n '/Warnings/,$p' "$tmp/out")"
"$mpb" compare "$tmp/f" "$tmp/f" > "$tmp/out" 2>&1
for side in A B; do
    grep -q "^WARNING: $side ran on a busy machine (other processes kept 1.20 CPUs, 60%" "$tmp/out" ||
        fail "compare does not warn of $side: $(grep WARNING "$tmp/out")"
done
echo "the warning from meta.json: none at 2%, named at 60% (summary, compare)"
exit 0
