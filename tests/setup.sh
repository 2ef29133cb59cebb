#!/usr/bin/env bash
# Installs what holdgate needs on Debian 12 (build tools, libraries, and the real OpenSSH
# peers the tests drive), then builds into ./build. Safe to run again.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  build-essential cmake pkg-config
  libssh-dev libssl-dev libboost-system-dev libboost-dev libyaml-cpp-dev libsqlite3-dev catch2
  openssh-server openssh-client rsync git ssh-audit openssl ca-certificates
  python3 python3-pytest python3-pexpect python3-asyncssh asciinema
  postgresql-15 libpq-dev  # the PostgreSQL backend, and the real server its tests start
  sqlite3  # the audit tests tamper with the database as an intruder would
  # tests/packaging: cpack's DEB generator (dpkg-shlibdeps), the unit's verifier, man pages'
  # renderer, bash completion's loader
  dpkg-dev systemd man-db bash-completion procps
  prometheus  # promtool check metrics, for /metrics (test_metrics.py)
  clang-14 libclang-rt-14-dev libfuzzer-14-dev  # fuzz/: libFuzzer harnesses with ASan + UBSan
  afl++  # fuzz/run_ssh_preauth.sh: AFL++'s gcc mode for the coroutine-based SSH pre-auth harness
  # The web page's browser tests: Debian's chromium driven by playwright-core (tests/browser/),
  # fonts for its screenshots
  chromium fonts-dejavu-core
)
# Node.js 20 comes with the machine; Debian's own (18, with its npm) only where there is none.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "==> installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# playwright-core, pinned by tests/browser/package-lock.json (no browser download: the tests
# use /usr/bin/chromium). Skipped when node_modules already holds exactly that lockfile.
browser_dir="$repo/tests/browser"
if ! cmp -s "$browser_dir/package-lock.json" "$browser_dir/node_modules/.holdgate-lock" 2>/dev/null; then
  echo "==> npm ci in tests/browser"
  (cd "$browser_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  cp "$browser_dir/package-lock.json" "$browser_dir/node_modules/.holdgate-lock"
fi

echo "==> building holdgate"
cmake -S "$repo" -B "$repo/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$repo/build" -j"$(nproc)"
