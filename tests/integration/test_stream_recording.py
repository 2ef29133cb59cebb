"""Channels without a terminal under `recording: {mode: all}` (issue 13, section 1): an exec
or subsystem carries arbitrary bytes (sftp, scp, pipes), so it is recorded as a `.stream` file
that keeps them as they were, not as escaped JSON text. `session export ID --stream stdout`
(stderr, stdin) gives them back byte for byte; the audit chain vouches for the file as for a
.cast. Real ssh/sftp, real sshd behind holdgate.
"""
from __future__ import annotations

import json
import os
import stat
import struct

import pytest

from harness.world import gate_client
from test_audit import verify
from test_recording import ended_events, recordings_dir


@pytest.fixture
def gate(make_gate):
    return make_gate(edit=lambda c: c.update(recording={"mode": "all", "input": True}))


def last_session(client, count: int) -> dict:
    return json.loads(ended_events(client, count=count)[-1]["details"])


def test_an_exec_is_recorded_byte_for_byte_and_exported_by_stream(world, gate):
    alice = gate_client(world, gate, "alice")
    script = r"printf 'zero\000bytes\377\376'; printf 'oops\n' >&2; cat; exit 3"
    r = alice.ssh("root@db-1", script, input=b"typed\x00in\n")
    assert r.returncode == 3, r
    assert r.stdout_bytes == b"zero\x00bytes\xff\xfe" + b"typed\x00in\n", r
    details = last_session(alice, 1)
    assert details["recording"].endswith(".stream"), details
    path = recordings_dir(gate) / details["recording"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert path.read_bytes().startswith(b'{"format":"holdgate-stream","version":1,')

    session = details["session"]
    r = alice.ssh("approvals", f"session export {session} --stream stdout")
    assert r.returncode == 0 and r.stderr == "", r
    assert r.stdout_bytes == b"zero\x00bytes\xff\xfe" + b"typed\x00in\n"
    r = alice.ssh("approvals", f"session export {session} --stream stderr")
    assert r.returncode == 0 and r.stdout_bytes == b"oops\n", r
    r = alice.ssh("approvals", f"session export {session} --stream stdin")
    assert r.returncode == 0 and r.stdout_bytes == b"typed\x00in\n", r
    # Without --stream: the file itself, as the audit trail's hash covers it.
    r = alice.ssh("approvals", f"session export {session}")
    assert r.returncode == 0 and r.stdout_bytes == path.read_bytes(), r

    # Raw bytes never go to a reviewer's terminal: the target could drive it with them.
    r = alice.ssh("approvals", f"session export {session} --stream stdout", options=("-tt",))
    assert r.returncode == 1 and b"zero\x00bytes" not in r.stdout_bytes, r
    assert f"the recording of session {session} is the target's raw bytes" in r.stdout + r.stderr, r

    # No screen to replay; one sentence says what to do instead.
    r = alice.ssh("approvals", f"session play {session}", options=("-t",))
    assert r.returncode == 1, r
    assert (f"session {session} ran without a terminal (an exec or subsystem), so there is no "
            f"screen to replay; its bytes: session export {session} --stream stdout") in r.stderr, r
    r = alice.ssh("approvals", f"session export {session} --stream stdwhat")
    assert r.returncode != 0 and "--stream takes stdout, stderr or stdin, not" in r.stderr, r

    done = verify(gate)
    assert done.returncode == 0 and done.stdout.endswith(", 1 recording\n"), done


def test_sftp_upload_is_in_the_recording_as_it_was_sent(world, gate, tmp_path):
    alice = gate_client(world, gate, "alice")
    payload = os.urandom(256 << 10)
    src, dest = tmp_path / "src.bin", tmp_path / "on-target.bin"
    src.write_bytes(payload)
    r = alice.sftp_batch("root@db-1", [f"put {src} {dest}"])
    assert r.returncode == 0, r
    assert dest.read_bytes() == payload
    details = last_session(alice, 1)
    assert details["recording"].endswith(".stream"), details
    r = alice.ssh("approvals", f"session export {details['session']} --stream stdin")
    assert r.returncode == 0, r
    # The SFTP packets as the client sent them: their WRITEs put together are the file.
    assert sftp_written(r.stdout_bytes) == payload


def sftp_written(packets: bytes) -> bytes:
    """The file the SSH_FXP_WRITE packets in a client's SFTP stream write (RFC draft-02)."""
    out, at = bytearray(), 0
    while at < len(packets):
        length = struct.unpack(">I", packets[at:at + 4])[0]
        body, at = packets[at + 4:at + 4 + length], at + 4 + length
        if body[0] != 6:  # SSH_FXP_WRITE: id, handle, offset, data
            continue
        handle_length = struct.unpack(">I", body[5:9])[0]
        rest = body[9 + handle_length:]
        offset, data_length = struct.unpack(">QI", rest[:12])
        data = rest[12:12 + data_length]
        out[offset:offset + len(data)] = data
    return bytes(out)


def test_a_terminal_recording_has_no_streams(world, gate):
    alice = gate_client(world, gate, "alice")
    from test_recording import shell_session
    shell_session(alice, "echo on-a-terminal")
    details = last_session(alice, 1)
    assert details["recording"].endswith(".cast"), details
    r = alice.ssh("approvals", f"session export {details['session']} --stream stdout")
    assert r.returncode == 1, r
    assert "was recorded as a terminal (asciicast); --stream is for an exec or subsystem" in r.stderr, r


def test_a_changed_stream_recording_is_reported(world, gate):
    alice = gate_client(world, gate, "alice")
    assert alice.ssh("root@db-1", "echo original").returncode == 0
    details = last_session(alice, 1)
    path = recordings_dir(gate) / details["recording"]
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x20  # inside "original"
    path.write_bytes(bytes(data))
    r = alice.ssh("approvals", f"session export {details['session']} --stream stdout")
    assert r.returncode == 1 and "does not match the audit trail" in r.stderr, r
    done = verify(gate)
    assert done.returncode != 0, done
