#!/usr/bin/env bash
# Installs and builds holdgate, then starts the playground: holdgate on 127.0.0.1:2222 in front
# of a throwaway OpenSSH target named db-1, with demo people bob, alice and ivan.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bash "$repo/tests/setup.sh"
exec /usr/bin/python3 "$repo/tests/playground.py" "$@"
