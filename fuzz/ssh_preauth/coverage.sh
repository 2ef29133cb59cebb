#!/usr/bin/env bash
# How far a corpus gets into the pre-authentication path: replays every input through the
# trace-pc harness (built by run_ssh_preauth.sh), maps the blocks reached to source lines
# (addr2line), and prints, per proxy file, the lines reached of the lines that have code; then
# an outcome histogram (libssh's error names the stage of key exchange an input died in).
# gcov is no use here: gcc 12 counts no lines inside coroutine bodies.
#   usage: fuzz/ssh_preauth/coverage.sh TRACE_PC_HARNESS CORPUS_DIR...
set -euo pipefail
harness=$1; shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
inputs=()
for dir in "$@"; do
  for f in "$dir"/*; do [ -f "$f" ] && inputs+=("$f"); done
done
# Chunks keep the command line bounded; each process writes the blocks it reached.
for ((i = 0; i < ${#inputs[@]}; i += 200)); do
  HOLDGATE_FUZZ_PCS="$work/blocks.$i" "$harness" --replay "${inputs[@]:i:200}" >>"$work/outcomes.txt"
done
echo "==> outcomes of ${#inputs[@]} inputs"
cut -f2 "$work/outcomes.txt" | sed -E 's/SHA256:.*/SHA256:.../; s/[0-9]+/N/g' | sort | uniq -c | sort -rn
cat "$work"/blocks.* | sort -u | addr2line -e "$harness" | sed 's/ (discriminator.*//' | sort -u >"$work/reached"
objdump --dwarf=decodedline "$harness" 2>/dev/null | awk 'NF >= 3 && $2 ~ /^[0-9]+$/ {print $1 ":" $2}' |
  sort -u >"$work/code_lines"
echo "==> source lines reached (of lines with code)"
for src in user_auth ssh_waiter user_bind connection_failure keys; do
  total=$(grep -c "^$src.cpp:" "$work/code_lines" || true)
  hit=$(grep -c "/proxy/$src.cpp:" "$work/reached" || true)
  echo "  proxy/$src.cpp: $hit of $total"
done
if [ -n "${COVERAGE_LINES:-}" ]; then grep "/proxy/user_auth.cpp:" "$work/reached" | sort -t: -k2 -n >"$COVERAGE_LINES"; fi
