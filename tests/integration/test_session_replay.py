"""Replaying recorded sessions over the approvals channel (issue 13, section 2, replay half).

`session export ID` writes the .cast byte for byte (checked against the SHA-256 in the audit
trail as it streams), `session play ID` replays it into the reviewer's terminal at the recorded
pace (`--speed`, idle gaps capped, `q` stops). Who may: the person, reviewers of the role that
allowed the session, auditors. Real ssh (under a real pty where it matters), real sshd.
"""
from __future__ import annotations

import io
import json
import time

import pexpect
import pytest

from harness.client import client_env
from harness.world import gate_client
from test_recording import ended_events, history, recordings_dir, shell_session


def recorded_session(client, *commands: str) -> tuple[str, dict]:
    """Runs a recorded shell session; its session id and session.ended details."""
    before = len(ended_events(client, count=0))
    shell_session(client, *commands)
    events = ended_events(client, count=before + 1)
    details = json.loads(events[-1]["details"])
    assert "recording" in details, details
    return details["session"], details


def play(client, command: str, *, rows: int = 30, cols: int = 100) -> pexpect.spawn:
    """`ssh -t approvals@holdgate COMMAND` under a real terminal."""
    argv = client.ssh_argv("approvals", command, options=("-t", "-o", "BatchMode=no"))
    return pexpect.spawn(argv[0], argv[1:], dimensions=(rows, cols), timeout=15,
                         env=client_env(TERM="xterm-256color"), encoding="utf-8",
                         codec_errors="replace")


def auditing_bob(config: dict) -> None:
    for user in config["users"]:
        if user["name"] == "bob":
            user["roles"] = ["dev", "auditor"]
    config["roles"].append({"name": "auditor", "audit": True})


@pytest.fixture
def gate(make_gate):
    return make_gate()


def test_export_is_the_recording_byte_for_byte_and_asciinema_plays_it(world, gate, tmp_path):
    alice = gate_client(world, gate, "alice")
    session, details = recorded_session(alice, "echo hg-$((6*7))-shown")
    assert details["roles"] == ["dba"], details
    recorded = (recordings_dir(gate) / details["recording"]).read_bytes()

    r = alice.ssh("approvals", f"session export {session}")
    assert r.returncode == 0 and r.stderr == "", r
    assert r.stdout_bytes == recorded
    # By its file name too, as `ls` of the recordings dir shows it.
    r = alice.ssh("approvals", f"session export {details['recording']}")
    assert r.returncode == 0 and r.stdout_bytes == recorded, r

    exported = tmp_path / "s.cast"
    exported.write_bytes(r.stdout_bytes)
    player = pexpect.spawn("asciinema", ["cat", str(exported)], timeout=30, encoding="utf-8")
    shown = player.read()
    player.close()
    assert player.exitstatus == 0 and "hg-42-shown" in shown, shown

    events = [e for e in history(alice) if e["kind"] == "session.exported"]
    assert [(e["actor"], e["subject"]) for e in events] == [("alice", session)] * 2, events


def test_only_the_person_and_the_roles_reviewers_may_export(world, gate):
    alice, bob, ivan = (gate_client(world, gate, name) for name in ("alice", "bob", "ivan"))
    session, details = recorded_session(alice, "echo secret-$((2*21))")

    r = bob.ssh("approvals", f"session export {session}")
    assert r.returncode == 1 and r.stdout == "", r
    assert r.stderr == f"holdgate: session {session} is neither yours nor one of a role you review\n", r

    # ivan reviews dba, the role that allowed alice's login.
    r = ivan.ssh("approvals", f"session export {session}")
    assert r.returncode == 0 and b"secret-42" in r.stdout_bytes, r

    r = alice.ssh("approvals", "session export 0000beef")
    assert r.returncode == 1 and r.stderr.startswith(
        "holdgate: no finished session 0000beef is in the audit trail"), r
    assert r.stderr.count("\n") == 1, r

    # An exec under the default mode (pty) is audited, not recorded.
    assert alice.ssh("root@db-1", "true").returncode == 0
    ended = ended_events(alice, count=2)
    exec_session = json.loads(ended[-1]["details"])["session"]
    r = alice.ssh("approvals", f"session export {exec_session}")
    assert r.returncode == 1 and f"session {exec_session} has no recording" in r.stderr, r


def test_an_auditor_may_export_anyones_session(world, make_gate):
    gate = make_gate(edit=auditing_bob)
    alice, bob = gate_client(world, gate, "alice"), gate_client(world, gate, "bob")
    session, details = recorded_session(alice, "echo audited-$((3*3))")
    r = bob.ssh("approvals", f"session export {session}")
    assert r.returncode == 0, r
    assert r.stdout_bytes == (recordings_dir(gate) / details["recording"]).read_bytes()


def test_play_shows_the_recorded_output_in_the_terminal(world, gate):
    alice = gate_client(world, gate, "alice")
    session, _ = recorded_session(alice, "echo hg-$((6*7))-played")
    child = play(alice, f"session play {session} --speed 20")
    try:
        child.expect_exact(f"[holdgate: replaying session {session} at 20x; q stops]")
        child.expect_exact("hg-42-played")
        child.expect_exact(f"[holdgate: end of session {session}]")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    assert [e["actor"] for e in history(alice) if e["kind"] == "session.played"] == ["alice"]

    # Without a terminal: one sentence that points at export.
    r = alice.ssh("approvals", f"session play {session}")
    assert r.returncode == 1 and r.stdout == "", r
    assert r.stderr.startswith("holdgate: session play needs a terminal (ssh -t); to save the "
                               "recording instead: ") and f"session export {session}" in r.stderr, r
    assert r.stderr.count("\n") == 1, r


def test_q_stops_a_long_replay_early(world, gate):
    alice = gate_client(world, gate, "alice")
    session, _ = recorded_session(
        alice, "for i in 1 2 3 4 5 6 7 8; do echo tick-$((i*11)); sleep 0.5; done")
    child = play(alice, f"session play {session}")  # real speed: about four seconds of ticks
    seen = io.StringIO()
    child.logfile_read = seen
    try:
        child.expect_exact("tick-11")
        started = time.monotonic()
        child.send("q")
        child.expect_exact(f"[holdgate: replay of session {session} stopped]")
        child.expect(pexpect.EOF)
        stopped_after = time.monotonic() - started
    finally:
        child.close()
    assert child.exitstatus == 0
    assert stopped_after < 2, stopped_after
    assert "tick-88" not in seen.getvalue()


def test_a_changed_recording_is_reported(world, gate):
    alice = gate_client(world, gate, "alice")
    session, details = recorded_session(alice, "echo hg-$((6*7))-true")
    path = recordings_dir(gate) / details["recording"]
    data = path.read_bytes()
    assert b"hg-42-true" in data
    path.write_bytes(data.replace(b"hg-42-true", b"hg-43-true"))  # one byte

    r = alice.ssh("approvals", f"session export {session}")
    assert r.returncode == 1, r
    assert r.stderr.startswith(f"holdgate: the recording of session {session} does not match the "
                               "audit trail (SHA-256 "), r
    assert r.stderr.endswith("it was changed after the session ended\n"), r

    child = play(alice, f"session play {session} --speed 50")
    try:
        child.expect_exact("hg-43-true")
        child.expect_exact("does not match the audit trail")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 1


def test_the_menu_lists_sessions_and_plays_one(world, gate):
    alice = gate_client(world, gate, "alice")
    session, _ = recorded_session(alice, "echo hg-$((6*7))-in-menu")
    argv = alice.ssh_argv("approvals", options=("-t", "-o", "BatchMode=no"))
    child = pexpect.spawn(argv[0], argv[1:], dimensions=(24, 80), timeout=15,
                          env=client_env(TERM="xterm-256color"), encoding="utf-8",
                          codec_errors="replace")
    try:
        child.expect_exact("s: sessions")
        child.send("s")
        child.expect_exact(session)
        child.expect_exact("Enter/p: play")
        child.send("e")
        child.expect_exact(f"session export {session} > {session}.cast")
        child.send("p")
        # Recorded at 100x30 (shell_session), replayed in 80x24: said before it plays.
        child.expect_exact("[holdgate: recorded at 100x30, your terminal is 80x24; enlarge it")
        child.expect_exact("hg-42-in-menu")
        child.expect_exact(f"[holdgate: end of session {session}]")
        child.expect_exact("Enter/p: play")  # back on the sessions screen
        child.send("q")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
