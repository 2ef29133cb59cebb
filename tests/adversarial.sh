#!/usr/bin/env bash
# The adversarial suite (issue 16): fuzzing, protocol abuse, integrity, faults and soak, i.e.
# every CTest test labelled `adversarial` (tests/CMakeLists.txt).
#
#   tests/adversarial.sh            the CI-sized run: ctest -L adversarial (minutes)
#   tests/adversarial.sh --long     the long run: kill -9 loop of 1,000, soak of 100,000
#                                   sessions, then the fuzzers for hours (fuzz/run.sh --long)
#
# The long knobs are environment variables the tests read; set them to go longer still:
#   HOLDGATE_KILL_LOOPS (CI 30, long 1000)   HOLDGATE_SOAK_SESSIONS (CI 300, long 100000)
# The build directory is ./build unless HOLDGATE_BUILD_DIR says otherwise (tests/setup.sh
# makes it). Runs as root, like the integration tests (the target's login is root).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${HOLDGATE_BUILD_DIR:-$repo/build}

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }
long=0
case "${1:-}" in
  "") ;;
  --long) long=1 ;;
  -h|--help) usage; exit 0 ;;
  *) echo "adversarial.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
esac
[ -d "$build" ] || { echo "adversarial.sh: no build in $build: run tests/setup.sh first" >&2; exit 2; }
cd "$build"

if [ "$long" = 0 ]; then
  exec ctest --output-on-failure -L adversarial
fi

export HOLDGATE_KILL_LOOPS=${HOLDGATE_KILL_LOOPS:-1000}
export HOLDGATE_SOAK_SESSIONS=${HOLDGATE_SOAK_SESSIONS:-100000}
export HOLDGATE_BIN=${HOLDGATE_BIN:-$build/proxy/holdgate}
# The integration files run under pytest directly: CTest's per-test TIMEOUT is sized for CI.
# Everything else labelled adversarial (fuzz smoke runs, ...) runs through CTest as usual; the
# fuzzers' long run comes last, since it takes as long as a person wants.
mapfile -t names < <(ctest -N -L adversarial | sed -n 's/^ *Test *#[0-9]*: *//p')
failed=0 others=()
for name in "${names[@]}"; do
  case "$name" in
    integration.*)
      file="$repo/tests/integration/${name#integration.}.py"
      echo "==> $name (long)"
      (cd "$repo/tests/integration" && /usr/bin/python3 -m pytest -q -p no:cacheprovider "$file") || failed=1 ;;
    fuzz.*) ;;  # fuzz/run.sh --long below covers them
    *) others+=("$name") ;;
  esac
done
if [ "${#others[@]}" -gt 0 ]; then
  pattern="^($(IFS='|'; echo "${others[*]}"))\$"
  ctest --output-on-failure -R "$pattern" || failed=1
fi
echo "==> fuzz/run.sh --long (an hour per parser harness)"
bash "$repo/fuzz/run.sh" --long || failed=1
echo "==> fuzz/run_ssh_preauth.sh --seconds 3600 --coverage"
bash "$repo/fuzz/run_ssh_preauth.sh" --seconds 3600 --coverage || failed=1
exit "$failed"
