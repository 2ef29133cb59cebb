"""The tamper-evident audit trail (issue 13, section 3): real ssh logins write audit events;
the `sqlite3` command line then edits, deletes and reorders rows as an intruder with the
database file would, and `holdgate audit verify` must exit non-zero naming the event. A signed
checkpoint line from the log anchors the chain against deleting the newest rows; `audit
export` prints one JSON object per line whose hashes an outside tool can recompute.
"""
from __future__ import annotations

import hashlib
import json
import re
import struct
import os
import subprocess
import time
from pathlib import Path

import pytest

from harness.holdgate import run_cli
from harness.procs import wait_until
from harness.world import gate_client
from test_notify import Receiver
from test_recording import ended_events, recordings_dir, shell_session


def db_path(gate):
    return gate.dir / "state" / "holdgate.db"


def sql(gate, statement: str) -> str:
    done = subprocess.run(["sqlite3", str(db_path(gate)), statement], capture_output=True,
                          text=True, timeout=10)
    assert done.returncode == 0, done.stderr
    return done.stdout


def verify(gate, *extra):
    return run_cli("audit", "verify", "--config", gate.config_path, *extra)


def logins(gate, world, count: int = 3):
    """alice logs in `count` times (login.allowed), bob is refused once (login.denied)."""
    alice = gate_client(world, gate, "alice")
    for _ in range(count):
        assert alice.ssh("root@db-1", "true").returncode == 0
    assert gate_client(world, gate, "bob").ssh("root@db-1", "true").returncode != 0
    rows = int(sql(gate, "SELECT count(*) FROM audit"))
    assert rows >= count + 1
    return rows


@pytest.fixture
def trail(world, make_gate):
    gate = make_gate()
    return gate, logins(gate, world)


def test_a_fresh_trail_verifies(trail):
    gate, rows = trail
    r = verify(gate)
    assert (r.returncode, r.stdout, r.stderr) == (0, f"ok: {rows} events, 0 recordings\n", "")


def test_an_edited_row_is_named(trail):
    gate, _ = trail
    sql(gate, "UPDATE audit SET details = 'nothing happened' WHERE id = 2")
    r = verify(gate)
    assert r.returncode == 1, r
    assert re.match(r"holdgate: audit verify: event 2 \([a-z.]+, \S+Z\) does not verify: "
                    r"hash mismatch", r.stderr), r.stderr


def test_a_deleted_row_is_named(trail):
    gate, _ = trail
    sql(gate, "DELETE FROM audit WHERE id = 2")
    r = verify(gate)
    assert r.returncode == 1, r
    assert re.match(r"holdgate: audit verify: event 3 \([a-z.]+, \S+Z\) does not verify: "
                    r"gap in ids: event 2 is missing \(deleted\)", r.stderr), r.stderr


def test_two_swapped_rows_are_named(trail):
    gate, _ = trail
    sql(gate, "UPDATE audit SET id = -2 WHERE id = 2; UPDATE audit SET id = 2 WHERE id = 3; "
              "UPDATE audit SET id = 3 WHERE id = -2")
    r = verify(gate)
    assert r.returncode == 1, r
    assert re.match(r"holdgate: audit verify: event 2 \([a-z.]+, \S+Z\) does not verify: "
                    r"out of order", r.stderr), r.stderr


def test_a_signed_checkpoint_catches_the_newest_rows_deleted(world, make_gate):
    receiver = Receiver()
    try:
        gate = make_gate(edit=lambda config: config.update(
            audit={"checkpoint_every": 3, "checkpoint_interval": "0s"},
            notify={"webhooks": [{"url": receiver.url(), "format": "json"}]}))
        logins(gate, world)
        line = gate.wait_for_log_line("event=audit.checkpoint", timeout=5)
        assert line, gate.log_text()
        checkpoint_id = int(re.search(r" id=(\d+)", line).group(1))
        assert checkpoint_id >= 3

        # The same line reached the webhook, ready to be kept off the box.
        assert receiver.wait_for(1)
        posted = receiver.payloads()[0]
        assert posted["event"] == "audit.checkpoint" and posted["id"] == checkpoint_id
        assert posted["line"] in line

        r = verify(gate, "--checkpoint", line)
        assert r.returncode == 0, r
        assert r.stdout.endswith(f", checkpoint at event {checkpoint_id}\n")
        assert verify(gate, "--checkpoint", posted["line"]).returncode == 0

        forged = re.sub(r"hash=([0-9a-f])", lambda m: "hash=" + ("1" if m.group(1) != "1" else "2"),
                        posted["line"])
        r = verify(gate, "--checkpoint", forged)
        assert r.returncode == 1 and "signature does not verify" in r.stderr, r

        sql(gate, f"DELETE FROM audit WHERE id >= {checkpoint_id}")
        # Without the checkpoint nothing can tell the newest rows are gone ...
        assert verify(gate).returncode == 0
        # ... with it, the truncation is caught.
        r = verify(gate, "--checkpoint", line)
        assert r.returncode == 1, r
        assert f"event {checkpoint_id} does not verify: truncated" in r.stderr, r.stderr
    finally:
        receiver.close()


def test_export_prints_json_lines_an_outside_tool_can_recheck(trail):
    gate, rows = trail
    r = run_cli("audit", "export", "--config", gate.config_path, "--since", "1h",
                "--format", "json")
    assert r.returncode == 0, r
    events = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(events) == rows
    assert {e["kind"] for e in events} >= {"login.allowed", "login.denied"}
    # The documented definition (README "Audit trail"), recomputed here from the export alone.
    prev = "0" * 64
    for event in events:
        assert event["prev_hash"] == prev
        canonical = b"".join(struct.pack(">Q", len(v)) + v for v in (
            str(event["id"]).encode(), str(event["at_ms"]).encode(),
            *(event[k].encode() for k in ("kind", "actor", "source", "subject", "details"))))
        assert hashlib.sha256(bytes.fromhex(prev) + canonical).hexdigest() == event["hash"]
        prev = event["hash"]

    assert run_cli("audit", "export", "--config", gate.config_path, "--since",
                   "2200-01-01").stdout == ""
    bad = run_cli("audit", "export", "--config", gate.config_path, "--since", "yesterday")
    assert bad.returncode == 2 and "is neither a duration" in bad.stderr, bad


def recorded_session(world, gate) -> Path:
    """alice types one command in a shell (a pty session: recorded by default) and exits; the
    recording, once its session.ended event (with the file's SHA-256) is in the trail."""
    alice = gate_client(world, gate, "alice")
    shell_session(alice, "echo recorded-for-audit")
    events = ended_events(alice)
    assert events and json.loads(events[-1]["details"]).get("recording"), events
    return recordings_dir(gate) / json.loads(events[-1]["details"])["recording"]


def test_one_byte_changed_in_a_recording_is_named(world, make_gate):
    gate = make_gate()
    path = recorded_session(world, gate)
    r = verify(gate)
    assert r.returncode == 0 and r.stdout.endswith(" events, 1 recording\n"), r
    event_id = int(sql(gate, "SELECT id FROM audit WHERE kind = 'session.ended'").strip())

    cast = path.read_bytes()
    assert b"recorded-for-audit" in cast
    path.write_bytes(cast.replace(b"recorded-for-audit", b"recorded-for-audiT"))
    r = verify(gate)
    assert r.returncode == 1, r
    assert re.match(rf"holdgate: audit verify: event {event_id} \(session\.ended, \S+Z\) does "
                    r"not verify: recording hash mismatch", r.stderr), r.stderr

    path.unlink()
    r = verify(gate)
    assert r.returncode == 1 and "is missing or unreadable" in r.stderr, r


def test_a_recording_retention_deleted_still_verifies(world, make_gate):
    """Retention deletes recordings and audits each deletion: the chain vouches for it."""
    gate = make_gate()
    path = recorded_session(world, gate)
    gate.stop()
    long_ago = time.time() - 40 * 86400
    os.utime(path, (long_ago, long_ago))
    gate.config["recording"] = {"retention": {"days": 30}}
    gate.start()
    assert gate.wait_for_log_line("event=recording-deleted", f"recording={path.name}", timeout=5)
    assert not path.exists()
    r = verify(gate)
    assert r.returncode == 0 and r.stdout.endswith(" events, 0 recordings\n"), r
