"""Remote (`ssh -R`) and agent (`ssh -A`) forwarding through LOGIN@TARGET (issue 18): the
target's connections come back to a server on the user's side, the target uses the person's
real ssh-agent; each only as the role's `forwarding:` says, refused otherwise, logged and
audited. Local forwarding is in test_forwarding.py."""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tempfile

import pytest

from harness.client import client_env
from harness.forwarding import (MIB, Background, wait_for_audit, wait_listening,
                                 with_forwarding)
from harness.procs import free_port, wait_until
from harness.tcp_servers import EchoServer, listening, round_trip
from harness.world import gate_client


# ---- remote forwarding (-R) --------------------------------------------------------------

def test_remote_forward_reaches_a_server_on_the_users_side(world, make_gate):
    gate = make_gate(edit=with_forwarding({"remote": True}))
    alice = gate_client(world, gate, "alice")
    remote_port = free_port()
    payload = os.urandom(2 * MIB)
    with EchoServer() as users_server, \
            Background(alice, "-R", f"127.0.0.1:{remote_port}:127.0.0.1:{users_server.port}") as ssh:
        # The target's sshd listens on remote_port; a connection there comes back to the user.
        wait_listening(remote_port, ssh.proc)
        echoed = round_trip(remote_port, payload)
        assert hashlib.sha256(echoed).digest() == hashlib.sha256(payload).digest(), len(echoed)
        assert users_server.connections == 1
    assert gate.wait_for_log_line("event=forward-listen", f"address=127.0.0.1:{remote_port}", "result=ok")
    closed = gate.wait_for_log_line("event=forward-closed", "kind=remote",
                                    f"destination=127.0.0.1:{remote_port}", timeout=10)
    assert closed is not None and f"from_user={2 * MIB}" in closed, gate.log_text()
    assert wait_for_audit(gate, "forward.closed", lambda e: e["details"].startswith("remote "))
    # The user's client cancelled its listener on the way out (cancel-tcpip-forward) or hung
    # up; either way the target stops listening.
    assert wait_until(lambda: not listening(remote_port), 10)


def test_cancel_tcpip_forward_is_relayed(world, make_gate):
    """`ssh -O cancel -R ...` on a shared connection: the target stops listening, the
    connection goes on."""
    gate = make_gate(edit=with_forwarding({"remote": True}))
    alice = gate_client(world, gate, "alice")
    remote_port = free_port()
    control = tempfile.mkdtemp(prefix="hg-cm-", dir="/tmp")
    shared = ("-o", "ControlMaster=auto", "-o", f"ControlPath={control}/%C", "-o", "ControlPersist=30")
    spec = f"127.0.0.1:{remote_port}:127.0.0.1:9"
    try:
        r = alice.ssh("root@db-1", "true", options=shared + ("-R", spec))
        assert r.returncode == 0, r
        assert wait_until(lambda: listening(remote_port), 10)
        r = alice.ssh("root@db-1", options=shared + ("-O", "cancel", "-R", spec))
        assert r.returncode == 0, r
        assert wait_until(lambda: not listening(remote_port), 10), "the target still listens"
        assert gate.wait_for_log_line("event=forward-listen", "what=cancel", "result=ok")
        r = alice.ssh("root@db-1", "echo still-here", options=shared)
        assert (r.returncode, r.stdout) == (0, "still-here\n"), r
        assert wait_for_audit(gate, "forward.unlistened", lambda e: str(remote_port) in e["details"])
    finally:
        alice.ssh("root@db-1", options=shared + ("-O", "exit"), timeout=10)


def test_remote_forward_is_refused_when_not_permitted(world, make_gate):
    gate = make_gate(edit=with_forwarding({"local": True}))
    alice = gate_client(world, gate, "alice")
    remote_port = free_port()
    with EchoServer() as users_server:
        ssh = Background(alice, "-R", f"127.0.0.1:{remote_port}:127.0.0.1:{users_server.port}")
        try:
            ssh.proc.wait(timeout=15)
        finally:
            err = ssh.stop()
        assert ssh.proc.returncode != 0 and "remote port forwarding failed" in err, err
        assert not listening(remote_port)
    assert gate.wait_for_log_line("event=refused", "what=forward", "kind=remote", "reason=\"not permitted\""), gate.log_text()


# ---- agent forwarding (-A) ---------------------------------------------------------------

@pytest.fixture
def agent(world):
    """An ssh-agent holding alice's key: (socket path, the key's fingerprint)."""
    directory = tempfile.mkdtemp(prefix="hg-agent-", dir="/tmp")
    sock = os.path.join(directory, "agent.sock")
    proc = subprocess.Popen(["ssh-agent", "-D", "-a", sock], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: os.path.exists(sock), 10)
        key = world.people["alice"]
        subprocess.run(["ssh-add", "-q", str(key.path)], env=client_env(SSH_AUTH_SOCK=sock),
                       check=True, timeout=10, capture_output=True)
        yield sock, key.fingerprint()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_agent_forwarding_lists_the_users_key_on_the_target(world, make_gate, agent):
    sock, fingerprint = agent
    gate = make_gate(edit=with_forwarding({"agent": True}))
    alice = gate_client(world, gate, "alice")
    r = alice.ssh("root@db-1", "ssh-add -l", options=("-A", "-o", f"IdentityAgent={sock}"))
    assert r.returncode == 0 and fingerprint in r.stdout, r
    closed = gate.wait_for_log_line("event=forward-closed", "kind=agent", "destination=ssh-agent")
    assert closed is not None, gate.log_text()
    counts = dict(re.findall(r"\b(from_user|to_user)=(\d+)", closed))
    assert int(counts["from_user"]) > 0 and int(counts["to_user"]) > 0, closed  # the key list
    assert wait_for_audit(gate, "forward.opened", lambda e: e["details"] == "agent ssh-agent")


def test_agent_forwarding_is_refused_when_not_permitted(world, gate, alice, agent):
    sock, fingerprint = agent
    r = alice.ssh("root@db-1", "ssh-add -l", options=("-A", "-o", f"IdentityAgent={sock}"))
    assert r.returncode != 0 and fingerprint not in r.stdout, r
    assert gate.wait_for_log_line("event=refused", "what=forward", "kind=agent"), gate.log_text()
