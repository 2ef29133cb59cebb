#!/usr/bin/env bash
# Builds the fuzz harnesses (clang 14, ASan + UBSan + libFuzzer) and runs each of them.
#
#   fuzz/run.sh                      every harness for 15 s (what CI runs)
#   fuzz/run.sh --seconds 600 menu   one harness for ten minutes
#   fuzz/run.sh --long [NAME...]     each for an hour (or --seconds N), one after another
#
# Options: --seconds N (per harness), --long, --build-dir DIR (default: build-fuzz/ at the top
# of the repository). Exits non-zero if any harness found a crash, a leak, a timeout or an
# invariant that did not hold; the input that did it is kept in fuzz/findings/ (replay it with
# `BUILD_DIR/NAME_fuzzer fuzz/findings/FILE`). What a run learns (new inputs) stays in
# BUILD_DIR/corpus/NAME/; the repository's seeds in fuzz/corpus/NAME/ are only read.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")

seconds=15
long=0
explicit_seconds=0
build_dir="$repo/build-fuzz"
names=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; explicit_seconds=1; shift 2 ;;
    --long) long=1; shift ;;
    --build-dir) build_dir="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) names+=("$1"); shift ;;
  esac
done
if [ "$long" = 1 ] && [ "$explicit_seconds" = 0 ]; then seconds=3600; fi

compiler=$(command -v clang++-14 || true)
if [ -z "$compiler" ]; then
  echo "run.sh: clang++-14 is not installed (tests/setup.sh installs clang-14 and libclang-rt-14-dev)" >&2
  exit 2
fi
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi

echo "==> building the fuzz harnesses in $build_dir"
cmake -S "$here" -B "$build_dir" -DCMAKE_CXX_COMPILER="$compiler" -DCMAKE_BUILD_TYPE=None \
  "${launcher[@]}" >/dev/null
if ! CCACHE_BASEDIR="$repo" CCACHE_NOHASHDIR=1 cmake --build "$build_dir" -j"$(nproc)" >"$build_dir/build.log" 2>&1; then
  tail -n 60 "$build_dir/build.log"
  echo "==> FAILED: the harnesses do not build (all of it in $build_dir/build.log)"
  exit 1
fi

if [ ${#names[@]} -eq 0 ]; then mapfile -t names < <(grep -v '^$' "$build_dir/fuzzers.txt"); fi

mkdir -p "$here/findings" "$build_dir/logs"
failed=()
summary=()
for name in "${names[@]}"; do
  binary="$build_dir/${name}_fuzzer"
  if [ ! -x "$binary" ]; then echo "run.sh: no harness named $name" >&2; exit 2; fi
  work="$build_dir/corpus/$name"
  seeds="$here/corpus/$name"
  mkdir -p "$work" "$seeds"
  log="$build_dir/logs/$name.log"
  options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
           -artifact_prefix="$here/findings/$name-")
  [ -f "$here/$name.dict" ] && options+=(-dict="$here/$name.dict")
  [ -f "$here/$name.options" ] && mapfile -t -O ${#options[@]} options < <(grep -v '^#' "$here/$name.options")
  echo "==> $name: ${seconds}s"
  status=0
  "$binary" "${options[@]}" "$work" "$seeds" >"$log" 2>&1 || status=$?
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  execs=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  line=$(printf '%-14s cov %-6s exec/s %-8s runs %s' "$name" "${cov:--}" "${execs:--}" "${runs:--}")
  if [ "$status" -ne 0 ]; then
    failed+=("$name")
    line+="   FAILED (exit $status)"
    echo "---- $name failed; the end of $log:"
    tail -n 60 "$log"
    grep -o "Test unit written to .*" "$log" || true
  fi
  summary+=("$line")
  echo "    $line"
done

echo "==> summary"
printf '    %s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "==> FAILED: ${failed[*]} (reproducers in $here/findings/)"
  exit 1
fi
