#!/usr/bin/env bash
# Builds the libFuzzer API target (make fuzz-build) and runs it against the
# fast and the checked allocator for SECONDS in all (default 20), keeping
# its corpus in BUILD/fuzz-corpus/. Skips (77) when clang's fuzzer runtime is
# missing. Usage: tests/fuzz/run.sh BUILD [SECONDS]   (0 pass, 1 fail, 77 skip)
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(mkdir -p "${1:-build}" && cd "${1:-build}" && pwd)
seconds=${2:-20}
cc=${FUZZ_CC:-clang}

probe=$(mktemp -d) || exit 1
trap 'rm -rf "$probe"' EXIT
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n; }' >"$probe/p.c"
"$cc" -fsanitize=fuzzer -o "$probe/p" "$probe/p.c" >/dev/null 2>&1 ||
    { echo "skip: $cc -fsanitize=fuzzer does not link (install clang libclang-rt-14-dev)"; exit 77; }

make -C "$root" --no-print-directory -s fuzz-build BUILD="$build" FUZZ_CC="$cc" >"$probe/build.log" 2>&1 ||
    { tail -n 20 "$probe/build.log"; echo "FAIL: make fuzz-build"; exit 1; }

status=0
for kind in fast checked; do
    bin=$build/tests/fuzz/api_fuzz-$kind
    corpus=$build/fuzz-corpus/$kind
    mkdir -p "$corpus" "$build/fuzz-crashes"
    # -rss_limit_mb: the model holds at most 64 objects of <= 64 MiB each.
    "$bin" "$corpus" -max_total_time=$((seconds / 2 > 0 ? seconds / 2 : 1)) -max_len=4096 \
        -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
        -artifact_prefix="$build/fuzz-crashes/$kind-" >"$probe/$kind.log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$probe/$kind.log")
    if [ "$rc" -ne 0 ]; then
        grep -E 'api_fuzz:|mpalloc:|ERROR|SUMMARY|Test unit written' "$probe/$kind.log" | head -n 10
        echo "FAIL: api_fuzz-$kind exit $rc (inputs kept in $build/fuzz-crashes/)"
        status=1
    else
        echo "api_fuzz-$kind: ${runs:-?} inputs, no failure"
    fi
done
exit $status
