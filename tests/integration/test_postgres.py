"""holdgate on PostgreSQL (issue 14): `storage: {postgres: DSN}` instead of the SQLite file.

The same escalation as test_escalation's seed scenario, with the state in a real PostgreSQL
the test starts: bob is denied, requests inline, alice and ivan approve over the approvals
channel, bob's held session continues; then `holdgate audit verify` checks the chain stored
in PostgreSQL. And `holdgate storage copy` moves a SQLite bastion's state over.
"""
from __future__ import annotations

import re
import subprocess

import pexpect

from harness.holdgate import run_cli, write_config
from harness.scenarios import with_reviewers
from harness.world import gate_client, new_gate
from test_escalation import request_access, review, spawn


def on_postgres(dsn):
    edit_reviewers = with_reviewers()

    def edit(config):
        edit_reviewers(config)
        config["storage"] = {"postgres": dsn}
    return edit


def test_a_held_session_continues_after_approval_and_the_chain_verifies(world, make_gate,
                                                                        postgres, postgres_dsn):
    gate = make_gate(edit=on_postgres(postgres_dsn))
    bob, alice, ivan = (gate_client(world, gate, name) for name in ("bob", "alice", "ivan"))
    child = spawn(bob, "root@db-1", "-t")
    try:
        child.expect("access denied to root on db-1")
        request_id = request_access(child)
        review(alice, request_id, reason="proceed with caution")
        child.expect('alice approved: "proceed with caution"')
        review(ivan, request_id, reason="granted.")
        child.expect("Access granted until .* UTC. Connecting to db-1")
        child.expect(r"[#$] ")
        child.sendline("whoami")
        child.expect(r"\broot\r\n")
        child.sendline("exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0

    # The request and its reviews are in PostgreSQL, not in a file under state_dir.
    assert postgres.psql(f"SELECT state, version FROM requests WHERE id = '{request_id}'",
                         postgres_dsn).strip() == "APPROVED|3"
    assert not (gate.dir / "state" / "holdgate.db").exists()
    done = run_cli("audit", "verify", "--config", gate.config_path)
    assert done.returncode == 0, done.stderr
    events = int(postgres.psql("SELECT count(*) FROM audit", postgres_dsn))
    assert events >= 4  # request.created, two reviews, approval, logins
    assert re.match(rf"ok: {events} events", done.stdout), done.stdout


def test_a_dsn_file_readable_by_others_is_refused(world, postgres_dsn, tmp_path):
    dsn_file = tmp_path / "dsn"
    dsn_file.write_text(postgres_dsn + "\n")
    dsn_file.chmod(0o644)
    gate = new_gate(world, tmp_path / "gate",
                    edit=lambda config: config.update(storage={"postgres_file": str(dsn_file)}))
    write_config(gate.config_path, gate.config)
    done = run_cli("audit", "verify", "--config", gate.config_path)
    assert done.returncode != 0
    assert done.stderr == (f"holdgate: the DSN file {dsn_file} has mode 0644 but holds a "
                           "password; make it 0600 or 0640\n")
    dsn_file.chmod(0o640)
    done = run_cli("audit", "verify", "--config", gate.config_path)
    assert (done.returncode, done.stdout) == (0, "ok: 0 events, 0 recordings\n"), done.stderr


def test_storage_copy_moves_a_sqlite_bastion_over_and_the_copy_verifies(world, make_gate,
                                                                       postgres, postgres_dsn):
    # A bastion on SQLite with a little of everything: a request with two reviews (approved,
    # so grants), a denied login, an allowed one.
    sqlite_gate = make_gate(edit=with_reviewers())
    bob, alice, ivan = (gate_client(world, sqlite_gate, name) for name in ("bob", "alice", "ivan"))
    created = bob.ssh("approvals", "request create --roles dba --reason 'ticket #123'")
    assert created.returncode == 0, created
    request_id = re.search(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", created.stdout).group(0)
    review(alice, request_id)
    review(ivan, request_id)
    assert bob.ssh("root@db-1", "whoami").stdout == "root\n"
    sqlite_gate.stop()
    database = sqlite_gate.dir / "state" / "holdgate.db"

    done = run_cli("storage", "copy", "--from", f"sqlite:{database}", "--to", postgres_dsn)
    assert done.returncode == 0, done.stderr
    counts = re.search(r"read from .*: (1 requests, 2 reviews, 1 grants, 0 locks, \d+ audit "
                       r"events)\n", done.stdout)
    assert counts, done.stdout
    assert f"copied to postgresql://postgres@" in done.stdout
    assert done.stdout.endswith(f": {counts.group(1)} (counts match)\n"), done.stdout

    # The copy verifies where it now lives, and a bastion on it carries on with bob's grant.
    pg_gate = make_gate(edit=on_postgres(postgres_dsn))
    verified = run_cli("audit", "verify", "--config", pg_gate.config_path)
    assert verified.returncode == 0, verified.stderr
    assert gate_client(world, pg_gate, "bob").ssh("root@db-1", "whoami").stdout == "root\n"
    assert run_cli("audit", "verify", "--config", pg_gate.config_path).returncode == 0

    # A second copy into the same, no longer empty, database is refused and changes nothing.
    # The bastion stops first: bob's session.ended event waits for his recording's hash, so it
    # may still be on its way after his ssh has returned.
    pg_gate.stop()
    before = postgres.psql("SELECT count(*) FROM audit", postgres_dsn)
    again = run_cli("storage", "copy", "--from", f"sqlite:{database}", "--to", postgres_dsn)
    assert again.returncode == 1
    assert again.stderr.endswith("already holds requests, locks or audit events; copying needs "
                                 "an empty one\n"), again.stderr
    assert postgres.psql("SELECT count(*) FROM audit", postgres_dsn) == before
