#!/usr/bin/env bash
# Mutation testing: apply each mutation of scripts/mutations.txt, one at a time, to a scratch
# copy of the project, run the test suite, and count the mutants it kills (a failing build or a
# failing test kills; a passing suite means the tests cannot see that bug). Prints one line per
# mutant and the score. Usage: scripts/mutate.sh [FIRST [LAST]] (1-based range of the list).
# The scratch copy (MUTATE_DIR, default /tmp/adam-bench-mutate) keeps its .build between
# mutants, so each costs an incremental build and one run of the tests.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=${MUTATE_DIR:-/tmp/adam-bench-mutate}
list="$root/scripts/mutations.txt"
first=${1:-1}
last=${2:-100000}

mkdir -p "$scratch"
# A fresh copy of the sources each time; the scratch .build is kept for incremental builds.
for item in "$root"/* "$root"/.ci; do
    name=$(basename "$item")
    case "$name" in results|data) continue ;; esac
    rm -rf "${scratch:?}/$name"
    cp -a "$item" "$scratch/$name"
done

killed=0; survived=0; n=0
while IFS= read -r line; do
    case "$line" in ''|'#'*) continue ;; esac
    n=$((n + 1))
    [ "$n" -lt "$first" ] || [ "$n" -gt "$last" ] && continue
    file=$(printf '%s' "$line" | awk -F' [|] ' '{print $1}')
    if ! python3 - "$scratch/$file" "$line" <<'PY'
import sys
path, line = sys.argv[1], sys.argv[2]
_, original, replacement = [p.replace("\\n", "\n") for p in line.split(" | ", 2)]
text = open(path).read()
if text.count(original) != 1:
    sys.exit(f"stale mutation: {original!r} occurs {text.count(original)} times in {path}")
open(path, "w").write(text.replace(original, replacement))
PY
    then echo "mutant $n: STALE ($file)"; exit 2; fi
    start=$(date +%s)
    if (cd "$scratch" && swift build --build-tests >/dev/null 2>&1 && swift test --skip-build >/dev/null 2>&1); then
        survived=$((survived + 1)); verdict="SURVIVED"
    else
        killed=$((killed + 1)); verdict="killed"
    fi
    echo "mutant $n: $verdict ($(( $(date +%s) - start )) s) $file: $(printf '%s' "$line" | awk -F' [|] ' '{print $2}' | cut -c1-70)"
    cp "$root/$file" "$scratch/$file"
done < "$list"
total=$((killed + survived))
echo "score: $killed of $total mutants killed"
[ "$survived" -eq 0 ]
