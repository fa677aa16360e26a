#!/usr/bin/env bash
# The toolkit's folders depend one way: a file under harness/<dir>/ includes
# headers of its own folder and of folders listed before it in the Makefile's
# HARNESS_DIRS (lowest first), never of a later one; and no harness file
# includes the allocator's internals (harness measures allocators from
# outside). Exit 0 pass, 1 fail (each offending include printed).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
dirs=$(sed -n 's/^HARNESS_DIRS *:= *//p' "$root/Makefile")
[ -n "$dirs" ] || { echo "layers: no HARNESS_DIRS in the Makefile"; exit 1; }
declare -A rank
i=0
for d in $dirs; do rank[$d]=$i; i=$((i + 1)); done
bad=0
for d in $dirs; do
    for f in "$root"/harness/"$d"/*.[ch]; do
        [ -e "$f" ] || continue
        while IFS= read -r inc; do
            top=${inc%%/*}
            if [ "$top" = "$inc" ]; then
                echo "layers: ${f#"$root"/} includes \"$inc\" without its folder"
                bad=1
            elif [ -n "${rank[$top]:-}" ] && [ "${rank[$top]}" -gt "${rank[$d]}" ]; then
                echo "layers: ${f#"$root"/} ($d) includes \"$inc\" from a higher folder ($top)"
                bad=1
            elif [ -z "${rank[$top]:-}" ] && [ "$top" != recorder ] && [ "$top" != replay ]; then
                echo "layers: ${f#"$root"/} includes \"$inc\": not a harness folder"
                bad=1
            fi
        done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
    done
done
[ $bad -eq 0 ] && echo "layers: $(echo $dirs | wc -w) harness folders, every include points down or sideways"
exit $bad
