#!/usr/bin/env bash
# Line coverage of the pre-authentication path reached by a corpus: builds the harness with
# plain g++ --coverage, replays every input given, prints gcov's summary per proxy file, and an
# outcome histogram (how far each input got: libssh's error names the stage of key exchange).
#   usage: fuzz/ssh_preauth/coverage.sh BUILD_DIR CORPUS_DIR...
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$1; shift
CXX=g++ cmake -S "$here" -B "$build" -DSSH_PREAUTH_COVERAGE=ON -DCMAKE_BUILD_TYPE=None >/dev/null
cmake --build "$build" -j2 >"$build.log" 2>&1 || { tail -40 "$build.log"; exit 2; }
find "$build" -name '*.gcda' -delete
export HOLDGATE_FUZZ_STATE=${HOLDGATE_FUZZ_STATE:-$build/state}
inputs=()
for dir in "$@"; do
  for f in "$dir"/*; do [ -f "$f" ] && inputs+=("$f"); done
done
# Chunks keep the command line bounded; one process per chunk, sessions one after another.
: >"$build/outcomes.txt"
for ((i = 0; i < ${#inputs[@]}; i += 200)); do
  "$build/ssh_preauth_fuzz" --replay "${inputs[@]:i:200}" >>"$build/outcomes.txt"
done
echo "==> outcomes of ${#inputs[@]} inputs"
sed -E 's/^[^:]*: //; s/SHA256:.*/SHA256:.../; s/[0-9]+/N/g' "$build/outcomes.txt" | sort | uniq -c | sort -rn
echo "==> line coverage"
objdir=$(dirname "$(find "$build" -name 'user_auth.cpp.gcda' | head -1)")
(cd "$objdir" && for src in user_auth ssh_waiter user_bind connection_failure; do
   gcov -n "$src.cpp.gcda" 2>/dev/null | grep -A1 "File '.*proxy/$src.cpp'" | tail -1 | sed "s|^|  proxy/$src.cpp: |"
 done)
