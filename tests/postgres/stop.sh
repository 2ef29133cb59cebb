#!/usr/bin/env bash
# Stops the PostgreSQL start.sh started in DIR and removes DIR. Usage: stop.sh DIR
set -uo pipefail
dir=${1:?usage: stop.sh DIR}
bin=/usr/lib/postgresql/15/bin
as=()
[ "$(id -u)" -eq 0 ] && as=(runuser -u postgres --)
if [ -f "$dir/data/postmaster.pid" ]; then
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -w -t 30 -m fast stop >/dev/null
fi
rm -rf "$dir"
