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
import subprocess

import pytest

from harness.holdgate import run_cli
from harness.procs import wait_until
from harness.world import gate_client
from test_notify import Receiver


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
    assert re.match(r"holdgate: audit verify: event 2 \(login\.\w+, \S+Z\) does not verify: "
                    r"hash mismatch", r.stderr), r.stderr


def test_a_deleted_row_is_named(trail):
    gate, _ = trail
    sql(gate, "DELETE FROM audit WHERE id = 2")
    r = verify(gate)
    assert r.returncode == 1, r
    assert re.match(r"holdgate: audit verify: event 3 \(login\.\w+, \S+Z\) does not verify: "
                    r"gap in ids: event 2 is missing \(deleted\)", r.stderr), r.stderr


def test_two_swapped_rows_are_named(trail):
    gate, _ = trail
    sql(gate, "UPDATE audit SET id = -2 WHERE id = 2; UPDATE audit SET id = 2 WHERE id = 3; "
              "UPDATE audit SET id = 3 WHERE id = -2")
    r = verify(gate)
    assert r.returncode == 1, r
    assert re.match(r"holdgate: audit verify: event 2 \(login\.\w+, \S+Z\) does not verify: "
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


def append_session_ended(gate, recording: str, cast: bytes) -> int:
    """Appends a session.ended event naming `recording` and its SHA-256, chained as holdgate
    chains it (the README's definition), the way section 1's recorder will write it; and the
    .cast file under state_dir/recordings."""
    path = gate.dir / "state" / "recordings" / recording
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(cast)
    newest_id, prev = sql(gate, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").strip() \
        .split("|")
    event_id, at_ms = int(newest_id) + 1, 1_796_000_000_000
    details = json.dumps({"recording": recording, "sha256": hashlib.sha256(cast).hexdigest()})
    fields = [str(event_id), str(at_ms), "session.ended", "alice", "127.0.0.1:1", "root@db-1",
              details]
    canonical = b"".join(struct.pack(">Q", len(v.encode())) + v.encode() for v in fields)
    digest = hashlib.sha256(bytes.fromhex(prev) + canonical).hexdigest()
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in fields[2:])
    sql(gate, f"INSERT INTO audit (id, at, kind, actor, source, subject, details, prev_hash, hash)"
              f" VALUES ({event_id}, {at_ms}, {quoted}, '{prev}', '{digest}')")
    return event_id


def test_one_byte_changed_in_a_recording_is_named(trail):
    gate, rows = trail
    cast = b'{"version": 2, "width": 80, "height": 24}\n[0.5, "o", "root@db-1:~# "]\n'
    event_id = append_session_ended(gate, "2026-12-02/alice-root@db-1.cast", cast)
    r = verify(gate)
    assert (r.returncode, r.stdout) == (0, f"ok: {rows + 1} events, 1 recording\n"), r

    path = gate.dir / "state" / "recordings" / "2026-12-02" / "alice-root@db-1.cast"
    path.write_bytes(cast.replace(b"~#", b"~$"))
    r = verify(gate)
    assert r.returncode == 1, r
    assert re.match(rf"holdgate: audit verify: event {event_id} \(session\.ended, \S+Z\) does "
                    r"not verify: recording hash mismatch", r.stderr), r.stderr
