#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 for the tests: initdb into DIR/data, listening only on a Unix
# socket in DIR (no TCP port to collide on), as an unprivileged user (postgres when run as root).
# Prints the DSN of its `postgres` database (key=value form: tests append " dbname=NAME"), and
# writes it to DIR/dsn. Usage: start.sh DIR   (stop.sh DIR stops it and removes DIR).
set -euo pipefail
dir=${1:?usage: start.sh DIR}
bin=/usr/lib/postgresql/15/bin
[ -x "$bin/initdb" ] || { echo "start.sh: $bin/initdb is missing; install postgresql-15 (tests/setup.sh)" >&2; exit 1; }

# A leftover from a run that was killed: stop it and start clean.
if [ -f "$dir/data/postmaster.pid" ]; then "$(dirname "$0")/stop.sh" "$dir" || true; fi
rm -rf "$dir"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
as=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$dir"
  as=(runuser -u postgres --)
fi
"${as[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync -E UTF8 --locale=C.UTF-8 \
  >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
# fsync off: a test database need not survive a power cut, and CREATE DATABASE per test case
# would otherwise sync a whole template each time.
"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
  -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=off -c max_connections=200" \
  start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
echo "host=$dir user=postgres dbname=postgres" | tee "$dir/dsn"
