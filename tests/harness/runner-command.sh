#!/usr/bin/env bash
# Any command as a workload: `mpbench run --command 'CMD ARGS'` runs the text
# as written through sh -c under each allocator (arguments, pipes, a cd to
# another folder with a relative --out), named by --command-name, NAME=CMD or
# its program (FOO='b a' 2>&1 prog: an assignment and a redirection, not names); every
# process it starts is checked (a child defining its own malloc makes the row
# unverified); ops from `mpbench-ops:` lines, from --ops-from (last match,
# separators dropped; no match: invalid) or none (time and memory only);
# {threads} runs it at every count, else once at the first count; --prepare
# runs before each run and its failure is an error row; --resume keeps the
# commands; bad input is refused. Usage: runner-command.sh BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-common.inc" "${1:-}"
build_provenance_fixtures
printf '3\n1\n2\n' > "$tmp/nums"
csv="$tmp/r/results.csv"
row() { grep "^$1,[^,]*,$2,$3,$4," "$csv"; } # allocator workload threads rep

mpb="$(cd "$(dirname "$mpb")" && pwd)/mpbench"
cd "$tmp" || fail "cd $tmp"
"$mpb" run --alloc glibc,pass="$tmp/libpass.so" --threads 1,2 --repeat 2 --warmup 0 --no-report \
    --command "sort -n $tmp/nums | head -1" \
    --command "counted=$tmp/wl-tiny -t {threads} -s 0.1" \
    --command "cd / && echo 'done 1,234 items'" --command-name ignored-by-rank \
    --command "FOO='b a' 2>&1 sort $tmp/nums" \
    --command "mixed=$tmp/wl-tiny -t 1 -s 0.1 && $tmp/wl-own -t 1 -s 0.1" \
    --ops-from '^1$' --ops-from 'mpbench-ops: ([0-9]+)' --ops-from 'done ([0-9,]+) items' \
    --ops-from 'zzz' --ops-from 'mpbench-ops: ([0-9]+)' \
    --out r > "$tmp/out" 2>&1 || fail "run exited $?: $(tail -3 "$tmp/out")"
# --command-name names the first command (rank 1): "ignored-by-rank"
for a in glibc pass; do
    for rep in 1 2; do
        row "$a" ignored-by-rank 1 "$rep" | grep -q ',ok,' || fail "$a first command rep $rep: $(row "$a" ignored-by-rank 1 "$rep")"
        row "$a" counted 1 "$rep" | grep -q ',ok,' || fail "$a counted t1: $(row "$a" counted 1 "$rep")"
        row "$a" counted 2 "$rep" | grep -q ',ok,' || fail "$a counted t2 ({threads})"
        row "$a" mixed 1 "$rep" | grep -q ',unverified,.*defines its own malloc' ||
            fail "$a: a child with its own malloc was not caught: $(row "$a" mixed 1 "$rep")"
    done
done
[ -z "$(grep -E '^[^,]*,[^,]*,ignored-by-rank,2,' "$csv")" ] || fail "a command without {threads} ran at 2 threads"
# ops: the third command (cd /, named 'cd'... by its program: echo) prints 'done 1,234 items'
w3=$(cut -d, -f3 "$csv" | sort -u | grep -v -e ignored-by-rank -e counted -e mixed -e '^sort' | head -1)
[ "$w3" = echo ] || fail "the cd command was named '$w3', expected echo (from its program)"
[ "$(row glibc echo 1 1 | cut -d, -f13)" = 1234 ] || fail "ops from --ops-from: $(row glibc echo 1 1)"
[ "$(row glibc counted 1 1 | cut -d, -f13)" != "" ] || fail "no ops from wl-tiny's mpbench-ops line"
[ "$(row glibc ignored-by-rank 1 1 | cut -d, -f13)" = 1 ] || fail "ops of sort | head -1: $(row glibc ignored-by-rank 1 1)"
row glibc sort 1 1 | grep -q ',invalid,.*matched --ops-from' || fail "FOO='b a' sort: no invalid row for a regex without match: $(row glibc sort 1 1)"
grep -q $'^command=sort\tFOO=\'b a\' 2>&1 sort' r/matrix.txt || fail "FOO='b a' 2>&1 was taken for a name: $(grep command= r/matrix.txt)"
grep -q '"mixed"' r/meta.json && grep -q '"run_as"' r/meta.json || fail "meta.json lacks the commands"

# A command without ops: time and memory only (empty ops, ok).
"$mpb" run --alloc glibc --repeat 1 --warmup 0 --no-report --command "true" --out r2 > "$tmp/out" 2>&1 ||
    fail "run of true: $(tail -2 "$tmp/out")"
grep -q '^glibc,default,true,1,1,ok,' r2/results.csv || fail "true: $(tail -1 r2/results.csv)"
[ "$(csv_get r2/results.csv ops 1)" = "" ] || fail "true has ops"

# --prepare before each run (counted and warm-up); a failing one: error row.
"$mpb" run --alloc glibc --repeat 2 --no-report --command "test -e $tmp/flag && rm $tmp/flag" \
    --prepare "touch $tmp/flag" --out r3 > "$tmp/out" 2>&1 || fail "prepare run: $(tail -2 "$tmp/out")"
[ "$(grep -c ',ok,' r3/results.csv)" -eq 2 ] || fail "prepare did not run before each run: $(cat r3/results.csv)"
"$mpb" run --alloc glibc --repeat 1 --warmup 0 --no-report --command true --prepare false --out r4 \
    > "$tmp/out" 2>&1 || fail "failing prepare stopped the run: $(tail -2 "$tmp/out")"
grep -q ',error,.*--prepare command failed (exit 1)' r4/results.csv || fail "failing prepare: $(tail -1 r4/results.csv)"

# --resume finds the commands again.
"$mpb" run --alloc glibc --repeat 2 --warmup 0 --no-report --command "cmdx=sort $tmp/nums" --out r5 \
    > /dev/null 2>&1 || fail "r5"
sed -i '$d' r5/results.csv
"$mpb" run --resume --out r5 > "$tmp/out" 2>&1 || fail "resume: $(tail -2 "$tmp/out")"
[ "$(grep -c '^glibc,default,cmdx,1,' r5/results.csv)" -eq 2 ] || fail "resume lost the command: $(cat r5/results.csv)"

# A statically linked helper in the command's tree: unverified, unless the
# command marks it as a helper run without the allocator on purpose.
if [ "$have_static" = 1 ]; then
    "$mpb" run --alloc glibc --repeat 1 --warmup 0 --no-report --out r6 \
        --command "plain=$tmp/wl-static -t 1 -s 4 > /dev/null; $tmp/wl-tiny -t 1 -s 2" \
        --command "helper=MPB_NOT_MEASURED=1 $tmp/wl-static -t 1 -s 4 > /dev/null; $tmp/wl-tiny -t 1 -s 2" \
        > "$tmp/out" 2>&1 || fail "r6: $(tail -2 "$tmp/out")"
    grep -q '^glibc,default,plain,1,1,unverified,.*statically linked' r6/results.csv ||
        fail "a static program in a command's tree: $(grep plain r6/results.csv)"
    grep -q '^glibc,default,helper,1,1,ok,' r6/results.csv ||
        fail "a static helper marked MPB_NOT_MEASURED=1: $(grep helper r6/results.csv)"
fi

# Shards of other commands under one name are not one run: merge refuses.
"$mpb" run --alloc glibc --command "a=true" --shard 1/2 --repeat 1 --warmup 0 --no-report --out s1 \
    > /dev/null 2>&1 || fail "shard 1"
"$mpb" run --alloc glibc --command "a=false" --shard 2/2 --repeat 1 --warmup 0 --no-report --out s2 \
    > /dev/null 2>&1 || fail "shard 2"
"$mpb" merge sm s1 s2 > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "commands (--command, --prepare, --ops-from) differ" "$tmp/out" ||
    fail "merge of shards with other commands: exit $rc: $(cat "$tmp/out")"

# Bad input: exit 2, nothing written.
bad() { # $1 what, $2 message, rest: options
    local what=$1 re=$2
    shift 2
    rm -rf bad
    "$mpb" run --alloc glibc "$@" --out bad > "$tmp/out" 2>&1; rc=$?
    [ $rc -eq 2 ] && grep -Eq -e "$re" "$tmp/out" || fail "$what: exit $rc: $(head -2 "$tmp/out")"
    [ ! -e bad/results.csv ] || fail "$what: results.csv written"
}
bad "empty command" "empty command" --command " "
bad "newline" "must be one line" --command $'echo a\necho b'
bad "bad name" "bad command name" --command true --command-name 'a b'
bad "names without commands" "--command-name for 1 --command" --command true --command-name a --command-name b
bad "bad regex" "bad --ops-from" --command true --ops-from '('
bad "ops-from without command" "--ops-from reads" --workload "$tmp/wl-tiny" --ops-from x
bad "prepare count" "2 --prepare given for 3" --command true --command false --command true --prepare a --prepare b
bad "same name twice" "listed twice" --command "a=true" --command "a=false"
echo "commands: run as written, named, provenance of every process, ops, {threads}, prepare, resume, refusals"
