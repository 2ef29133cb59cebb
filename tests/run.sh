#!/usr/bin/env bash
# The whole test suite: installs and builds (tests/setup.sh), then runs every unit and
# integration test through CTest. .ci/run calls exactly this.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bash "$repo/tests/setup.sh"
echo "==> running tests"
cd "$repo/build"
ctest --output-on-failure -j2 "$@"
