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
)
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

echo "==> building holdgate"
cmake -S "$repo" -B "$repo/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$repo/build" -j"$(nproc)"
