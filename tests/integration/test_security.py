"""The security baseline seen from outside: algorithms, and limits on half-open connections."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest

from harness.procs import LOCALHOST
from harness.world import gate_client


@pytest.mark.skipif(shutil.which("ssh-audit") is None, reason="ssh-audit is not installed")
def test_ssh_audit_reports_no_failures(gate):
    r = subprocess.run(["ssh-audit", "-n", "-p", str(gate.port), LOCALHOST],
                       capture_output=True, text=True, timeout=60)
    # ssh-audit exits non-zero for warnings too; the bar is no [fail] line.
    assert "(kex) curve25519-sha256" in r.stdout, r.stdout
    failures = [line for line in r.stdout.splitlines() if "[fail]" in line]
    assert not failures, "\n".join(failures)


def _half_open(port: int) -> socket.socket:
    """A connection that never says a word, like a scanner's or a flood's. It comes from
    another loopback address than the people's (127.0.0.1): the source it penalises is not
    theirs."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(5)
    sock.bind(("127.0.0.2", 0))
    sock.connect((LOCALHOST, port))
    return sock


def test_half_open_connections_are_capped_and_timed_out(world, make_gate):
    gate = make_gate(limits={"max_startups": 3, "login_grace": "2s"})
    alice = gate_client(world, gate, "alice")
    flood = [_half_open(gate.port) for _ in range(3)]
    try:
        time.sleep(0.3)
        extra = _half_open(gate.port)
        extra.settimeout(3)
        # Over the cap: closed at once, without even a banner.
        assert extra.recv(100) == b""
        extra.close()
        # The grace timer closes the silent ones (after the banner holdgate sent them) ...
        for s in flood:
            s.settimeout(6)
            data = b""
            while chunk := s.recv(1000):
                data += chunk
            assert data.startswith(b"SSH-2.0-"), data
        # ... and a real person gets in again.
        r = alice.ssh("root@db-1", "whoami")
        assert (r.returncode, r.stdout) == (0, "root\n"), r
    finally:
        for s in flood:
            s.close()


def test_only_public_keys_are_offered(alice):
    r = alice.ssh("root@db-1", "true", options=("-o", "PreferredAuthentications=password",
                                                "-o", "PasswordAuthentication=yes"))
    assert r.returncode == 255, r
    assert "Permission denied (publickey)" in r.stderr, r
