"""A real PostgreSQL 15 for the tests, started by tests/postgres/start.sh (initdb into a temp
dir, a Unix socket in that dir only, as the postgres user when run as root) and stopped by
stop.sh. `PostgresServer.new_database()` gives each test a database of its own and returns
its DSN, the form holdgate's `storage: {postgres: ...}` takes.
"""
from __future__ import annotations

import itertools
import os
import subprocess
from pathlib import Path
from urllib.parse import quote

SCRIPTS = Path(__file__).resolve().parents[2] / "postgres"


class PostgresServer:
    def __init__(self, root: Path):
        self.root = Path(root)
        self._names = itertools.count(1)
        done = subprocess.run([str(SCRIPTS / "start.sh"), str(self.root)], capture_output=True,
                              text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"cannot start PostgreSQL: {done.stderr.strip()}")
        # key=value form, for psql and libpq: "host=DIR user=postgres dbname=postgres"
        self.admin_dsn = done.stdout.strip()

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Runs `sql` as the superuser in `database` (a name, or a DSN new_database gave)."""
        target = database if "://" in database else f"{self.admin_dsn} dbname={database}"
        done = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                               target, "-c", sql],
                              capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def dsn(self, dbname: str) -> str:
        """A postgresql:// URI for `dbname` on this server (its socket directory as host)."""
        return f"postgresql://postgres@/{dbname}?host={quote(str(self.root), safe='/')}"

    def new_database(self) -> str:
        """Creates an empty database; returns its DSN."""
        name = f"holdgate_{next(self._names)}"
        self.psql(f"CREATE DATABASE {name}")
        return self.dsn(name)

    def restart(self):
        """What an upgrade or a failover does to every client: all connections end (pg_ctl
        restart -m fast), the server comes back on the same socket."""
        argv = ["/usr/lib/postgresql/15/bin/pg_ctl", "-D", str(self.root / "data"), "-w",
                "-t", "60", "-m", "fast", "restart", "-l", str(self.root / "server.log")]
        if os.getuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=90)
        assert done.returncode == 0, done.stderr

    def stop(self):
        subprocess.run([str(SCRIPTS / "stop.sh"), str(self.root)], capture_output=True,
                       timeout=60)
