"""Everything that must be refused, and how: each case ends quickly, with a non-zero exit and
one plain sentence on the client's stderr saying what went wrong.

Note for holdgate: these tests run the client with LogLevel ERROR, at which OpenSSH does not
print SSH_MSG_USERAUTH_BANNER. Messages must arrive as session stderr (extended data) or as
the disconnect reason, both of which OpenSSH always prints.
"""
from __future__ import annotations

import socket
import time

import pytest

from harness.keys import generate_key
from harness.procs import free_port
from harness.world import gate_client


def assert_refused(r, *fragments: str, within: float = 10.0) -> None:
    """Non-zero exit within `within` seconds, every fragment in stderr (ignoring case), and a
    short stderr: a sentence, not a dump."""
    assert r.returncode != 0, r
    assert r.elapsed < within, r
    for fragment in fragments:
        assert fragment.lower() in r.stderr.lower(), f"{fragment!r} not in stderr:{r}"
    assert len([line for line in r.stderr.splitlines() if line.strip()]) <= 3, r


def test_unknown_target(alice):
    r = alice.ssh("root@db-9", "true")
    assert_refused(r, "holdgate: no target named 'db-9'")


@pytest.mark.parametrize("route", ["root", "@db-1", "root@"])
def test_user_name_must_be_login_at_target(alice, route):
    r = alice.ssh(route, "true")
    assert_refused(r, "LOGIN@TARGET")


def test_policy_denial(bob, gate):
    # No role bob can request allows postgres: a plain denial (root would start a request).
    r = bob.ssh("postgres@db-1", "true")
    assert_refused(r, "holdgate: access denied to postgres on db-1")
    assert gate.wait_for_log_line("bob", "db-1", ("denied", "deny")), gate.log_text()


def test_unknown_key_is_rejected_at_authentication(mallory, gate):
    r = mallory.ssh("root@db-1", "true")
    assert r.returncode == 255, r
    assert "Permission denied" in r.stderr, r
    assert r.elapsed < 10, r


def test_unreachable_target(alice, world):
    r = alice.ssh("root@dead-1", "true")
    assert_refused(r, f"holdgate: dead-1 (127.0.0.1:{world.dead_port}) is unreachable",
                   "connection refused")


def test_unknown_target_host_key(alice, world):
    """unknown-key-1 is db-1's sshd under the name "localhost", which holdgate's known_hosts
    lacks: holdgate must not log in, and must show the key's fingerprint for the admin."""
    before = len(world.target.log.read_text())
    r = alice.ssh("root@unknown-key-1", "true")
    assert_refused(r, "host key", world.target.host_key.fingerprint())
    assert "Accepted publickey" not in world.target.log.read_text()[before:]


def test_target_refuses_holdgates_key(make_gate, world, tmp_path):
    stranger = generate_key(tmp_path / "stranger_ed25519", "not-authorized-on-db-1")
    gate = make_gate(upstream_identity=stranger.path)
    r = gate_client(world, gate, "alice").ssh("root@db-1", "true")
    assert_refused(r, "refused")


def test_stdio_forwarding_is_refused(alice, world):
    r = alice.ssh("root@db-1", options=("-W", f"127.0.0.1:{world.target.port}"), input=b"")
    assert r.returncode != 0, r
    assert r.elapsed < 10, r
    assert "forwarding" in r.stderr or "prohibited" in r.stderr, r
    assert "SSH-2.0" not in r.stdout, f"a connection to the target was forwarded:{r}"


def test_remote_forwarding_is_refused(alice):
    r = alice.ssh("root@db-1", options=("-N", "-o", "ExitOnForwardFailure=yes",
                                        "-R", f"127.0.0.1:{free_port()}:127.0.0.1:9"),
                  timeout=15)
    assert r.returncode != 0, r
    assert "forwarding failed" in r.stderr, r
    assert r.elapsed < 10, r


def test_login_grace_closes_silent_connections(make_gate):
    """A client that connects and then says nothing is dropped after limits.login_grace."""
    gate = make_gate(limits={"login_grace": "2s"})
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", gate.port), timeout=10) as sock:
        received = b""
        try:
            while chunk := sock.recv(4096):
                received += chunk
        except TimeoutError:
            pytest.fail(f"connection still open after 10s; got {received!r}")
        except ConnectionResetError:
            pass
    elapsed = time.monotonic() - started
    assert received.startswith(b"SSH-2.0-"), received
    assert 1.0 <= elapsed <= 5.0, f"closed after {elapsed:.1f}s with login_grace 2s"
