"""Text holdgate did not write itself reaches a terminal or the log only escaped: what a target
sends before the SSH handshake completes (its version line, a disconnect message), and the
invisible Unicode formatting characters people may type into a request reason."""
from __future__ import annotations

import socket
import struct
import threading
import time

import pytest

from harness.procs import LOCALHOST
from harness.scenarios import with_reviewers
from harness.world import gate_client

ESCAPES = "\x1b]0;pwned\x07\x1b[2J"
SHOWN = "\\x1b]0;pwned\\x07\\x1b[2J"


def _disconnect_packet(description: str) -> bytes:
    """An unencrypted SSH_MSG_DISCONNECT (RFC 4253 11.1), as a server may send before kex."""
    text = description.encode()
    payload = bytes([1]) + struct.pack(">I", 2) + struct.pack(">I", len(text)) + text + \
        struct.pack(">I", 0)
    padding = 8 - (5 + len(payload)) % 8
    padding += 8 if padding < 4 else 0
    return struct.pack(">IB", 1 + len(payload) + padding, padding) + payload + bytes(padding)


class FakeTarget:
    """A TCP server that answers every connection with `replies`, each after the peer has said
    something (so a disconnect arrives after the client's version line, as from a real server),
    and then reads until the peer hangs up: a hostile or broken target."""

    def __init__(self, *replies: bytes):
        self.replies = replies
        self.sock = socket.socket()
        self.sock.bind((LOCALHOST, 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(10)
                try:
                    for n, reply in enumerate(self.replies):
                        if n > 0:
                            conn.recv(4096)
                            time.sleep(0.2)  # let the client finish its own opening
                        conn.sendall(reply)
                    while conn.recv(4096):
                        pass
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()


@pytest.mark.parametrize("replies", [
    pytest.param([f"SSH-9.9-{ESCAPES}\r\n".encode()], id="version-line"),
    pytest.param([b"SSH-2.0-OpenSSH_9.2\r\n", _disconnect_packet(f"go away {ESCAPES}")],
                 id="disconnect-message"),
])
def test_what_a_target_sends_reaches_the_user_and_the_log_escaped(world, make_gate, replies):
    fake = FakeTarget(*replies)
    try:
        def add_fake_target(config):
            config["targets"].append({"name": "fake-1", "address": f"{LOCALHOST}:{fake.port}",
                                      "labels": {"env": "prod", "kind": "db"}})
        gate = make_gate(edit=add_fake_target)
        r = gate_client(world, gate, "alice").ssh("root@fake-1", "true")
    finally:
        fake.close()
    assert r.returncode != 0, r
    assert "holdgate: SSH handshake with fake-1" in r.stderr, r
    assert SHOWN in r.stderr, r
    assert "\x1b" not in r.stderr and "\x07" not in r.stderr, r
    line = gate.wait_for_log_line("event=upstream", "fake-1")
    assert line is not None, gate.log_text()
    assert "pwned" in line, line
    assert "\x1b" not in gate.log_text() and "\x07" not in gate.log_text()


def test_invisible_formatting_in_a_reason_reaches_reviewers_escaped(world, make_gate):
    gate = make_gate(edit=with_reviewers())
    bob, ivan = (gate_client(world, gate, name) for name in ("bob", "ivan"))
    # "approve" written backwards behind a right-to-left override, a zero-width space and a
    # bidi isolate: on a reviewer's terminal it would read differently from what was stored.
    reason = "ticket 42 \u202eevorppa\u202c \u200bok\u2066x\u2069"
    r = bob.ssh("approvals", f"request create --roles dba --reason '{reason}'")
    assert r.returncode == 0, r
    request_id = r.stdout.split()[1]
    shown = ivan.ssh("approvals", f"request show {request_id}")
    assert shown.returncode == 0, shown
    assert "ticket 42 \\u{202e}evorppa\\u{202c} \\u{200b}ok\\u{2066}x\\u{2069}" in shown.stdout, shown
    for character in "\u202e\u202c\u200b\u2066\u2069":
        assert character not in shown.stdout, shown
    listed = ivan.ssh("approvals", "request list --format json")
    assert "\\u202e" in listed.stdout and "\u202e" not in listed.stdout, listed
