#!/usr/bin/env bash
# Fuzzes holdgate's SSH server before authentication (fuzz/ssh_preauth/harness.cpp) for a fixed
# budget: builds the harness with AFL++ in gcc mode plus ASan/UBSan, checks the recorded seeds
# still replay to an authenticated key, runs afl-fuzz, and exits 1 if it found a crash or a hang
# (each one is listed with the command that replays it).
#   usage: fuzz/run_ssh_preauth.sh [--seconds N] [--build DIR] [--coverage]
#     --seconds N   fuzzing budget (default 30); run as long as you like for a real campaign
#     --build DIR   build directory (default build/fuzz-ssh-preauth); findings in DIR/findings
#     --coverage    also print afl-showmap's edges and (trace-pc build) the source lines of
#                   proxy/user_auth.cpp and the other pre-auth files that the queue reaches
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
seconds=30
build="$repo/build/fuzz-ssh-preauth"
coverage=no
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --coverage) coverage=yes; shift ;;
    *) echo "usage: $0 [--seconds N] [--build DIR] [--coverage]" >&2; exit 2 ;;
  esac
done
corpus="$repo/fuzz/corpus/ssh_preauth"

# afl-g++-fast is AFL++'s gcc plugin mode. Where the plugin does not load (Debian 12's afl++
# 4.04c was built against an older gcc-12 point release and refuses today's: "GCC and plugin have
# incompatible versions"), plain g++ with -fsanitize-coverage=trace-pc feeds AFL++'s own runtime
# (fuzz/ssh_preauth/afl_trace_pc.cpp): the same edges, persistent mode kept. Either way gcc, which
# Asio 1.74's coroutines need.
if ! command -v afl-fuzz >/dev/null; then
  echo "run_ssh_preauth: AFL++ is not installed (tests/setup.sh installs afl++)" >&2
  exit 2
fi
mkdir -p "$build"
probe="$build/probe"
echo 'int main() { return 0; }' >"$probe.cpp"
if AFL_QUIET=1 afl-g++-fast -o "$probe" "$probe.cpp" >/dev/null 2>&1; then
  mode=(-DCMAKE_CXX_COMPILER=afl-g++-fast); tree="$build/afl"; what="afl-g++-fast"
else
  mode=(-DCMAKE_CXX_COMPILER=g++ -DSSH_PREAUTH_TRACE_PC=ON); tree="$build/tracepc"
  what="g++ -fsanitize-coverage=trace-pc into AFL++'s runtime"
fi
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$repo} CCACHE_NOHASHDIR=1

echo "==> building the harness ($what, ASan, UBSan)"
cmake -S "$repo/fuzz/ssh_preauth" -B "$tree" -DCMAKE_BUILD_TYPE=None "${mode[@]}" "${launcher[@]}" >/dev/null
AFL_QUIET=1 cmake --build "$tree" -j2 >"$build/build.log" 2>&1 || { tail -40 "$build/build.log"; exit 2; }
harness="$tree/ssh_preauth_fuzz"

export HOLDGATE_FUZZ_STATE="$build/state"
export ASAN_OPTIONS=abort_on_error=1:symbolize=0:detect_leaks=0:allocator_may_return_null=1
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1

echo "==> the recorded seeds replay through key exchange to a verified key"
"$harness" --expect-auth "$corpus"/auth-* || {
  echo "run_ssh_preauth: a recorded seed no longer authenticates (libssh or OpenSSL changed?);" \
       "record them again with fuzz/ssh_preauth/record_seeds.sh" >&2
  exit 1
}

findings="$build/findings"
rm -rf "$findings"
echo "==> afl-fuzz for ${seconds}s"
AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 \
AFL_FORKSRV_INIT_TMOUT=20000 \
  afl-fuzz -i "$corpus" -o "$findings" -x "$repo/fuzz/ssh_preauth/ssh.dict" -m none -t 5000 \
  -V "$seconds" -- "$harness" >"$build/afl.log" 2>&1 || { tail -30 "$build/afl.log"; exit 2; }

stats="$findings/default/fuzzer_stats"
for key in execs_done execs_per_sec corpus_count bitmap_cvg edges_found total_edges stability; do
  grep -E "^$key +:" "$stats" || true
done
if [ "$coverage" = yes ]; then
  echo "==> edges the seeds reach, and the whole queue (afl-showmap, instrumented code: holdgate, Asio)"
  for dir in "$corpus" "$findings/default/queue"; do
    AFL_QUIET=1 afl-showmap -C -i "$dir" -o "$build/showmap.txt" -m none -t 5000 -- "$harness" \
      2>&1 | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' | grep -oE "Captured [0-9]+ tuples" | tail -1 |
      sed "s|^|  $(basename "$dir"): |"
  done
  if [ "$tree" = "$build/tracepc" ]; then
    "$repo/fuzz/ssh_preauth/coverage.sh" "$harness" "$corpus" "$findings/default/queue"
  fi
fi

status=0
for kind in crashes hangs; do
  for found in "$findings/default/$kind"/id:*; do
    [ -e "$found" ] || continue
    status=1
    echo "FOUND ($kind): $found"
    echo "  replay: HOLDGATE_FUZZ_STATE=$HOLDGATE_FUZZ_STATE $harness --replay '$found'"
  done
done
[ $status -eq 0 ] && echo "==> no crash, no hang"
exit $status
