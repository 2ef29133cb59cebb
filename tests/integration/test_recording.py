"""Session recording (issue 13, part 1): every relayed session is recorded with no config.

A pty session becomes an asciicast v2 file that Debian's asciinema plays back; an exec's
command line, exit status and bytes go into the audit trail (`history`); `mode: none` writes
no file. Real ssh under a real pty, real sshd behind holdgate.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from pathlib import Path

import pexpect
import pytest

from harness.world import gate_client
from harness.small_disk import small_disk as harness_small_disk


def recordings_dir(gate) -> Path:
    return gate.dir / "state" / "recordings"


def history(client) -> list[dict]:
    r = client.ssh("approvals", "history --format json")
    assert r.returncode == 0, r
    return json.loads(r.stdout)


def ended_events(client, count: int = 1, timeout: float = 10) -> list[dict]:
    """The person's `session.ended` events, once there are `count` (the writer thread closes
    the recording first: the event follows within moments)."""
    deadline = time.monotonic() + timeout
    while True:
        events = [e for e in history(client) if e["kind"] == "session.ended"]
        if len(events) >= count or time.monotonic() > deadline:
            return events
        time.sleep(0.2)


def shell_session(client, *commands: str) -> None:
    """Logs in under a pty, runs `commands` at the prompt, and exits the shell."""
    with client.pty("root@db-1", rows=30, cols=100) as shell:
        shell.wait_ready()
        for command in commands:
            shell.run(command)
        shell.child.sendline("exit")
        shell.child.expect(pexpect.EOF, timeout=10)


@pytest.fixture
def recording_gate(make_gate):
    return make_gate()


def test_shell_session_is_a_cast_file_asciinema_plays(world, recording_gate):
    alice = gate_client(world, recording_gate, "alice")
    shell_session(alice, "echo hg-$((6*7))-shown", "printf 'caf\\303\\251\\n'")
    [event] = ended_events(alice)
    details = json.loads(event["details"])
    path = recordings_dir(recording_gate) / details["recording"]
    assert path.name.endswith(".cast") and "_alice_root@db-1_" in path.name, path.name
    data = path.read_bytes()
    assert details["sha256"] == hashlib.sha256(data).hexdigest()

    lines = data.decode("utf-8").splitlines()
    header = json.loads(lines[0])
    assert header["version"] == 2 and header["width"] == 100 and header["height"] == 30
    assert header["env"]["TERM"] == "xterm-256color"
    events = [json.loads(line) for line in lines[1:]]
    output = "".join(e[2] for e in events if e[1] == "o")
    assert "echo hg-$((6*7))-shown" in output  # the command as typed (echoed by the terminal)
    assert "hg-42-shown" in output             # and what it printed
    assert "café" in output
    assert not [e for e in events if e[1] == "i"]  # input is not recorded by default
    times = [e[0] for e in events]
    assert times == sorted(times)

    # asciinema wants a terminal (it opens /dev/tty), as a person replaying it has.
    player = pexpect.spawn("asciinema", ["cat", str(path)], timeout=30, encoding="utf-8")
    played = player.read()
    player.close()
    assert player.exitstatus == 0, played
    assert "hg-42-shown" in played and "café" in played

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert details["bytes_out"] >= len("hg-42-shown") and details["bytes_in"] > 0


def test_exec_command_line_and_exit_status_are_in_history(world, recording_gate):
    alice = gate_client(world, recording_gate, "alice")
    r = alice.ssh("root@db-1", "echo exec-out; exit 3")
    assert r.returncode == 3, r
    [ended] = ended_events(alice)
    started = [e for e in history(alice) if e["kind"] == "session.exec"]
    assert [json.loads(e["details"])["exec"] for e in started] == ["echo exec-out; exit 3"]
    assert started[0]["subject"] == "root@db-1"
    details = json.loads(ended["details"])
    assert details["command"] == "echo exec-out; exit 3"
    assert details["exit_status"] == 3
    assert details["bytes_out"] == len("exec-out\n")
    assert "recording" not in details  # mode pty: an exec leaves an audit trail, not a file
    assert not list(recordings_dir(recording_gate).glob("*.cast"))


def test_input_is_recorded_only_when_asked(world, make_gate):
    gate = make_gate(edit=lambda c: c.update(recording={"input": True}))
    alice = gate_client(world, gate, "alice")
    shell_session(alice, "echo typed-$((1+1))")
    [event] = ended_events(alice)
    path = recordings_dir(gate) / json.loads(event["details"])["recording"]
    events = [json.loads(line) for line in path.read_text().splitlines()[1:]]
    typed = "".join(e[2] for e in events if e[1] == "i")
    assert "echo typed-$((1+1))" in typed


def test_mode_none_writes_no_recording(world, make_gate):
    gate = make_gate(edit=lambda c: c.update(recording={"mode": "none"}))
    alice = gate_client(world, gate, "alice")
    shell_session(alice, "echo not-recorded")
    [event] = ended_events(alice)
    assert "recording" not in json.loads(event["details"])
    assert not list(recordings_dir(gate).glob("*.cast"))


def test_required_recording_that_cannot_be_made_refuses_the_session(world, make_gate, tmp_path):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("")  # the recordings "directory" is a file: nothing can be created in it

    def edit(config):
        config["recording"] = {"dir": str(blocked)}
        for role in config["roles"]:
            if role["name"] == "dba":
                role["record_required"] = True
    gate = make_gate(edit=edit)
    alice = gate_client(world, gate, "alice")
    child = pexpect.spawn(*[alice.ssh_argv("root@db-1", options=("-t",))[0]],
                          alice.ssh_argv("root@db-1", options=("-t",))[1:], timeout=10,
                          encoding="utf-8", codec_errors="replace")
    child.expect("must be recorded and the recording cannot be made")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert any(e["kind"] == "recording.failed" for e in history(alice))


def test_retention_deletes_old_recordings_at_start_and_logs_each(world, make_gate, tmp_path):
    recordings = tmp_path / "gate1" / "state" / "recordings"  # where make_gate's first gate keeps them
    recordings.mkdir(parents=True)
    recordings.parent.chmod(0o700)  # holdgate refuses a state_dir others can read
    old, recent = recordings / "old.cast", recordings / "recent.cast"
    for path in (old, recent):
        path.write_text('{"version":2,"width":80,"height":24,"timestamp":1}\n')
    forty_days_ago = time.time() - 40 * 86400
    os.utime(old, (forty_days_ago, forty_days_ago))
    gate = make_gate(edit=lambda c: c.update(recording={"retention": {"days": 30}}))
    assert gate.wait_for_log_line("event=recording-deleted", "recording=old.cast", timeout=5)
    assert not old.exists() and recent.exists()


@pytest.fixture
def small_disk(tmp_path):
    """A 64 KiB filesystem for recordings: a disk that fills up mid-session."""
    with harness_small_disk(tmp_path / "small-disk", "64k") as mount_point:
        yield mount_point


FILL_300KB = "head -c 300000 /dev/zero | tr '\\0' x; echo; echo still-''here"
# Prints on and on (about 1 MB/s, for 30 s at most): the recording's disk fills while the
# session is still printing, however late the writer thread notices.
FILL_UNTIL_ENDED = ("for i in $(seq 300); do head -c 10000 /dev/zero | tr '\\0' x; sleep 0.01; "
                    "done; echo; echo still-''here")


def fill_disk_from_shell(client, command: str = FILL_300KB) -> tuple[str, int]:
    """A pty shell that runs `command` (it prints a lot); what the terminal showed last and the
    exit status."""
    child = pexpect.spawn(*[client.ssh_argv("root@db-1", options=("-t",))[0]],
                          client.ssh_argv("root@db-1", options=("-t",))[1:], timeout=40,
                          encoding="utf-8", codec_errors="replace", maxread=65536)
    child.sendline(command)
    try:
        child.expect(["still-here", "can no longer be written"])
        seen = child.after
        child.sendline("exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    return seen, child.exitstatus


def test_disk_full_mid_session_is_logged_and_the_session_goes_on(world, make_gate, small_disk):
    gate = make_gate(edit=lambda c: c.update(recording={"dir": str(small_disk)}))
    alice = gate_client(world, gate, "alice")
    seen, status = fill_disk_from_shell(alice)
    assert seen == "still-here"
    assert gate.wait_for_log_line("event=recording-failed", "No space left", timeout=5)
    assert any(e["kind"] == "recording.failed" for e in history(alice))


def test_disk_full_ends_a_session_that_must_be_recorded(world, make_gate, small_disk):
    def edit(config):
        config["recording"] = {"dir": str(small_disk)}
        for role in config["roles"]:
            if role["name"] == "dba":
                role["record_required"] = True
    gate = make_gate(edit=edit)
    alice = gate_client(world, gate, "alice")
    seen, status = fill_disk_from_shell(alice, FILL_UNTIL_ENDED)
    assert seen == "can no longer be written"
    assert status == 255
