"""Local forwarding through LOGIN@TARGET (issue 18), with real OpenSSH on both ends: `ssh -L`,
`-W` and `-D` reach servers on the target's side only as the role's `forwarding:` says, refused
at the SSH level otherwise ("administratively prohibited"), logged and audited with destination
and bytes; a terminal on the same connection stays responsive; either leg failing, grants and
ProxyJump. Remote and agent forwarding: test_forwarding_remote_agent.py."""
from __future__ import annotations

import hashlib
import os
import socket
import threading
import time

import pexpect

from harness.client import client_env, run
from harness.forwarding import (MIB, Background, audit_events, wait_for_audit, wait_listening,
                                 with_forwarding)
from harness.jump import jump_config
from harness.procs import free_port, rss_kib, wait_until
from harness.tcp_servers import EchoServer, SourceServer, round_trip
from harness.world import gate_client


# ---- local forwarding (-L, -W) -----------------------------------------------------------

def test_local_forward_moves_10_mib_intact_and_is_audited(world, make_gate):
    gate = make_gate(edit=with_forwarding({"local": True}))
    alice = gate_client(world, gate, "alice")
    payload = os.urandom(10 * MIB)
    local_port = free_port()
    with EchoServer() as echo, \
            Background(alice, "-L", f"127.0.0.1:{local_port}:127.0.0.1:{echo.port}") as ssh:
        wait_listening(local_port, ssh.proc)
        echoed = round_trip(local_port, payload)
        assert hashlib.sha256(echoed).hexdigest() == hashlib.sha256(payload).hexdigest(), \
            f"{len(echoed)} of {len(payload)} bytes came back"
        assert echo.connections == 1
    destination = f"127.0.0.1:{echo.port}"
    closed = gate.wait_for_log_line("event=forward-closed", f"destination={destination}",
                                    timeout=10)
    assert closed is not None, gate.log_text()
    assert f"from_user={10 * MIB}" in closed and f"to_user={10 * MIB}" in closed, closed
    assert "kind=local" in closed and "outcome=closed" in closed and "person=alice" in closed
    assert gate.wait_for_log_line("event=forward-opened", f"destination={destination}")
    events = wait_for_audit(gate, "forward.closed", lambda e: destination in e["details"])
    assert events, audit_events(gate, "forward.closed")
    assert events[0]["actor"] == "alice" and events[0]["subject"] == "root@db-1"
    assert f"{10 * MIB} bytes from the user, {10 * MIB} bytes to the user" in events[0]["details"]
    assert wait_for_audit(gate, "forward.opened", lambda e: destination in e["details"])


def test_dynamic_forward_d_is_a_socks_proxy_through_the_target(world, make_gate):
    """ssh -D: each SOCKS connection becomes a direct-tcpip channel, checked like -L."""
    with EchoServer() as echo:
        gate = make_gate(edit=with_forwarding({"local": [f"127.0.0.1:{echo.port}"]}))
        alice = gate_client(world, gate, "alice")
        socks_port = free_port()
        with Background(alice, "-D", f"127.0.0.1:{socks_port}") as ssh:
            wait_listening(socks_port, ssh.proc)

            def socks_connect(port: int) -> tuple[socket.socket, bytes]:
                sock = socket.create_connection(("127.0.0.1", socks_port), timeout=10)
                sock.sendall(b"\x05\x01\x00")
                assert sock.recv(2) == b"\x05\x00"
                sock.sendall(b"\x05\x01\x00\x01" + socket.inet_aton("127.0.0.1") + port.to_bytes(2, "big"))
                return sock, sock.recv(10)
            sock, reply = socks_connect(echo.port)
            assert reply[:2] == b"\x05\x00", reply  # granted
            sock.sendall(b"socks")
            assert sock.recv(5) == b"socks"
            sock.close()
            sock, reply = socks_connect(echo.port + 1 if echo.port < 65535 else 1)
            if reply[:2] == b"\x05\x00":  # (a client may say yes before the channel opens)
                sock.sendall(b"x")
                reply = sock.recv(1)
            assert reply[:2] != b"\x05\x00" and reply != b"x", reply  # refused: not a pattern
            sock.close()
        assert "administratively prohibited" in ssh.stderr, ssh.stderr


def test_a_slow_reader_of_a_forward_does_not_grow_holdgate_memory(world, make_gate):
    """128 MiB from a server on the target's side to a user who reads slowly: the forward holds
    the sender back through both windows instead of buffering the difference."""
    size = 128 * MIB
    gate = make_gate(edit=with_forwarding({"local": True}))
    alice = gate_client(world, gate, "alice")
    local_port = free_port()
    with SourceServer(size) as source, \
            Background(alice, "-L", f"127.0.0.1:{local_port}:127.0.0.1:{source.port}") as ssh:
        wait_listening(local_port, ssh.proc)
        baseline = peak = rss_kib(gate.proc.pid)
        received = 0
        with socket.create_connection(("127.0.0.1", local_port), timeout=30) as sock:
            deadline = time.monotonic() + 120
            while received < size and time.monotonic() < deadline:
                chunk = sock.recv(1 << 20)
                if not chunk:
                    break
                received += len(chunk)
                if received < 16 * MIB:
                    time.sleep(0.02)  # slow at first, while the source could race ahead
                peak = max(peak, rss_kib(gate.proc.pid))
    assert received == size, received
    growth_mib = (peak - baseline) / 1024
    assert growth_mib < 16, f"holdgate grew by {growth_mib:.1f} MiB relaying to a slow reader"


def test_stdio_forward_w_works_when_permitted(world, make_gate):
    gate = make_gate(edit=with_forwarding({"local": ["127.0.0.1:*"]}))
    alice = gate_client(world, gate, "alice")
    with EchoServer() as echo:
        r = alice.ssh("root@db-1", options=("-o", "LogLevel=INFO", "-W", f"127.0.0.1:{echo.port}"),
                      input=b"through -W\n", timeout=30)
    assert r.stdout_bytes == b"through -W\n", r


def test_a_permitted_destination_the_target_cannot_reach_is_refused_alone(world, make_gate):
    """The target's sshd cannot connect (nothing listens there): the client hears the refusal,
    holdgate logs it, and logins go on as before."""
    gate = make_gate(edit=with_forwarding({"local": ["127.0.0.1:*"]}))
    alice = gate_client(world, gate, "alice")
    closed_port = free_port()
    r = alice.ssh("root@db-1", options=("-o", "LogLevel=INFO", "-W", f"127.0.0.1:{closed_port}"),
                  input=b"")
    assert r.returncode != 0 and "open failed" in r.stderr, r
    assert gate.wait_for_log_line("event=refused", "kind=local", f"destination=127.0.0.1:{closed_port}",
                                  "would not open"), gate.log_text()
    r = alice.ssh("root@db-1", "echo fine")
    assert (r.returncode, r.stdout) == (0, "fine\n"), r


def test_forwarding_is_refused_by_default(world, gate, alice):
    """The standard config grants no forwarding: -W is refused at the SSH level, -L's
    connections are refused, and the session itself still works."""
    with EchoServer() as echo:
        r = alice.ssh("root@db-1", options=("-o", "LogLevel=INFO", "-W", f"127.0.0.1:{echo.port}"), input=b"x")
        assert r.returncode != 0 and "administratively prohibited" in r.stderr, r
        local_port = free_port()
        with Background(alice, "-L", f"127.0.0.1:{local_port}:127.0.0.1:{echo.port}") as ssh:
            wait_listening(local_port, ssh.proc)
            assert round_trip(local_port, b"hello", timeout=10) == b""
            r = alice.ssh("root@db-1", "echo still-fine")
            assert (r.returncode, r.stdout) == (0, "still-fine\n"), r
        assert "administratively prohibited" in ssh.stderr, ssh.stderr
        assert echo.connections == 0
    assert gate.wait_for_log_line("event=refused", "what=forward", "kind=local", "reason=\"not permitted\"",
                                  f"destination=127.0.0.1:{echo.port}"), gate.log_text()
    assert wait_for_audit(gate, "forward.denied", lambda e: f"127.0.0.1:{echo.port}" in e["details"])


def test_a_destination_outside_the_patterns_is_refused(world, make_gate):
    with EchoServer() as allowed, EchoServer() as other:
        gate = make_gate(edit=with_forwarding(
            None, rule={"local": [f"127.0.0.1:{allowed.port}", "db-*.internal:5432"]}))
        alice = gate_client(world, gate, "alice")
        r = alice.ssh("root@db-1", options=("-o", "LogLevel=INFO", "-W", f"127.0.0.1:{allowed.port}"), input=b"ok\n")
        assert r.stdout_bytes == b"ok\n", r
        for destination in (f"127.0.0.1:{other.port}", f"localhost:{allowed.port}"):
            r = alice.ssh("root@db-1", options=("-o", "LogLevel=INFO", "-W", destination), input=b"no\n")
            assert r.returncode != 0 and "administratively prohibited" in r.stderr, (destination, r)
        assert other.connections == 0
    assert gate.wait_for_log_line("event=refused", "reason=\"destination not permitted\"", f"destination=127.0.0.1:{other.port}")


def test_a_hostile_destination_is_sanitised_in_the_log(world, make_gate):
    gate = make_gate(edit=with_forwarding({"local": ["127.0.0.1:*"]}))
    alice = gate_client(world, gate, "alice")
    r = alice.ssh("root@db-1", options=("-o", "LogLevel=INFO", "-W", "evil\x1b[2Jhost:80"), input=b"")
    assert r.returncode != 0, r
    line = gate.wait_for_log_line("event=refused", "what=forward", "kind=local")
    assert line is not None and "\x1b" not in gate.log_text(), gate.log_text()


def test_max_forwards_bounds_open_forwards_per_connection(world, make_gate):
    gate = make_gate(edit=with_forwarding({"local": True}), limits={"max_forwards": 2})
    alice = gate_client(world, gate, "alice")
    local_port = free_port()
    with EchoServer() as echo, \
            Background(alice, "-L", f"127.0.0.1:{local_port}:127.0.0.1:{echo.port}") as ssh:
        wait_listening(local_port, ssh.proc)
        held = [socket.create_connection(("127.0.0.1", local_port), timeout=10) for _ in range(2)]
        try:
            for s in held:  # both open end to end
                s.sendall(b"ping")
                assert s.recv(4) == b"ping"
            assert round_trip(local_port, b"third", timeout=10) == b""
            assert gate.wait_for_log_line("event=refused", "reason=\"max_forwards"), gate.log_text()
        finally:
            for s in held:
                s.close()
        # Once they are closed, new forwards open again.
        assert wait_until(lambda: round_trip(local_port, b"again", timeout=5) == b"again", 10)


def test_a_client_that_dies_mid_forward_is_a_failed_forward(world, make_gate):
    """The user's connection breaks while a forward carries data: the forward is cut (logged
    and audited as failed, not closed), and the gate goes on serving."""
    gate = make_gate(edit=with_forwarding({"local": True}))
    alice = gate_client(world, gate, "alice")
    local_port = free_port()
    with EchoServer() as echo:
        ssh = Background(alice, "-L", f"127.0.0.1:{local_port}:127.0.0.1:{echo.port}")
        try:
            wait_listening(local_port, ssh.proc)
            sock = socket.create_connection(("127.0.0.1", local_port), timeout=10)
            sock.sendall(b"x" * 65536)
            assert gate.wait_for_log_line("event=forward-opened", timeout=10), gate.log_text()
            ssh.proc.kill()  # no goodbye: the TCP connection just ends
            sock.close()
        finally:
            ssh.stop()
    line = gate.wait_for_log_line("event=forward-closed", "outcome=\"failed", timeout=10)
    assert line is not None and "user's connection failed" in line, gate.log_text()
    assert wait_for_audit(gate, "forward.closed", lambda e: "failed" in e["details"])
    r = alice.ssh("root@db-1", "echo alive")
    assert (r.returncode, r.stdout) == (0, "alive\n"), r


def test_an_approved_scoped_request_carries_its_roles_forwarding(world, make_gate):
    """bob (dev) has no forwarding; his approved request for dba on root@db-1 gets what dba
    permits there, and nothing more."""
    from harness.scenarios import reviewers_world
    from test_escalation import UUID, review

    def edit(config):
        reviewers_world(config)
        with_forwarding(None, rule={"local": ["127.0.0.1:*"]})(config)
    gate = make_gate(edit=edit)
    bob, alice, ivan = (gate_client(world, gate, n) for n in ("bob", "alice", "ivan"))
    with EchoServer() as echo:
        created = bob.ssh("approvals", "request create --login root --target db-1 --reason 'tunnel'")
        request_id = UUID.search(created.stdout).group(0)
        review(alice, request_id)
        review(ivan, request_id)
        r = bob.ssh("root@db-1", options=("-W", f"127.0.0.1:{echo.port}"), input=b"granted\n")
        assert r.stdout_bytes == b"granted\n", r
        r = bob.ssh("root@db-1", options=("-o", "LogLevel=INFO", "-W", f"localhost:{echo.port}"),
                    input=b"")
        assert r.returncode != 0 and "administratively prohibited" in r.stderr, r


def test_a_revoked_grant_ends_its_forwards(world, make_gate):
    """Forwards ride the login's access: revoking the grant cuts an open forward at once (no
    session channel at all: ssh -N), and the connection ends."""
    from harness.scenarios import reviewers_world
    from test_escalation import UUID, review

    def edit(config):
        reviewers_world(config)
        with_forwarding({"local": True})(config)
    gate = make_gate(edit=edit)
    bob, alice, ivan = (gate_client(world, gate, n) for n in ("bob", "alice", "ivan"))
    local_port = free_port()
    with EchoServer() as echo:
        created = bob.ssh("approvals", "request create --login root --target db-1 --reason 'tunnel'")
        request_id = UUID.search(created.stdout).group(0)
        review(alice, request_id)
        review(ivan, request_id)
        with Background(bob, "-L", f"127.0.0.1:{local_port}:127.0.0.1:{echo.port}") as ssh:
            wait_listening(local_port, ssh.proc)
            sock = socket.create_connection(("127.0.0.1", local_port), timeout=10)
            sock.sendall(b"ping")
            assert sock.recv(4) == b"ping"
            r = ivan.ssh("approvals", f"request revoke {request_id} --reason 'done'")
            assert r.returncode == 0, r
            sock.settimeout(10)
            assert sock.recv(10) == b""  # the forward is gone
            sock.close()
            assert wait_until(lambda: ssh.proc.poll() is not None, 10), "the connection stayed up"
    line = gate.wait_for_log_line("event=forward-closed", "access was taken back", timeout=5)
    assert line is not None, gate.log_text()


def test_the_target_dying_mid_forward_is_a_failed_forward(world, make_gate):
    """The target's side breaks while a forward is open: the user's leg is closed (their local
    connection ends), logged and audited as failed, and the connection ends."""
    from test_faults import kill_target_connections
    gate = make_gate(edit=with_forwarding({"local": True}))
    alice = gate_client(world, gate, "alice")
    local_port = free_port()
    with EchoServer() as echo, \
            Background(alice, "-L", f"127.0.0.1:{local_port}:127.0.0.1:{echo.port}") as ssh:
        wait_listening(local_port, ssh.proc)
        sock = socket.create_connection(("127.0.0.1", local_port), timeout=10)
        sock.sendall(b"ping")
        assert sock.recv(4) == b"ping"
        assert kill_target_connections(world) > 0
        sock.settimeout(10)
        try:
            assert sock.recv(10) == b""
        except ConnectionResetError:
            pass
        sock.close()
        assert wait_until(lambda: ssh.proc.poll() is not None, 15), "the connection stayed up"
    line = gate.wait_for_log_line("event=forward-closed", "the connection to db-1 failed", timeout=5)
    assert line is not None and 'outcome="failed' in line, gate.log_text()


# ---- ProxyJump mode ------------------------------------------------------------------------

def test_proxyjump_outer_connection_still_reaches_only_ssh_ports(world, make_gate, tmp_path):
    """The outer connection of `ssh -J` names no login, so no role's forwarding applies there:
    it keeps reaching targets' SSH ports only, even for a person whose role forwards anything."""
    gate = make_gate(edit=with_forwarding({"local": True}))
    cfg = jump_config(world, gate, tmp_path / "alice" / "ssh_config", "alice")
    with EchoServer() as echo:
        r = run(["ssh", "-F", str(cfg), "-W", f"127.0.0.1:{echo.port}", "bastion"], timeout=15)
        assert r.returncode != 0, r
        assert echo.connections == 0


def test_proxyjump_inner_connection_forwards_as_policy_allows(world, make_gate, tmp_path):
    """Forwarding asked for through a jump is asked of the inner connection (LOGIN@TARGET), so
    the same `forwarding:` rules decide it."""
    with EchoServer() as echo:
        gate = make_gate(edit=with_forwarding(None, rule={"local": [f"127.0.0.1:{echo.port}"]}))
        cfg = jump_config(world, gate, tmp_path / "alice" / "ssh_config", "alice")
        r = run(["ssh", "-F", str(cfg), "-W", f"127.0.0.1:{echo.port}", "root@db-1"],
                input=b"via jump\n", timeout=30)
        assert r.stdout_bytes == b"via jump\n", r
        r = run(["ssh", "-F", str(cfg), "-o", "LogLevel=INFO", "-W", "127.0.0.1:1", "root@db-1"],
                input=b"", timeout=30)
        assert r.returncode != 0 and "administratively prohibited" in r.stderr, r


# ---- one connection, a terminal and forwards at once (VS Code Remote-SSH) ----------------

def test_a_terminal_stays_responsive_while_forwards_carry_bulk_data(world, make_gate):
    gate = make_gate(edit=with_forwarding({"local": True}))
    alice = gate_client(world, gate, "alice")
    local_port = free_port()
    with EchoServer() as echo:
        argv = alice.ssh_argv("root@db-1", options=(
            "-t", "-o", "BatchMode=no", "-o", "ExitOnForwardFailure=yes",
            "-L", f"127.0.0.1:{local_port}:127.0.0.1:{echo.port}"))
        child = pexpect.spawn(argv[0], argv[1:], dimensions=(24, 80), timeout=15,
                              env=client_env(TERM="xterm"), encoding="utf-8",
                              codec_errors="replace")
        try:
            child.sendline("PS1='[hg]''$ '")
            child.expect_exact("[hg]$ ")
            wait_listening(local_port, child)
            payload = os.urandom(32 * MIB)
            results: list[bytes] = [b"", b"", b""]

            def bulk(i: int) -> None:
                results[i] = round_trip(local_port, payload, timeout=120)
            movers = [threading.Thread(target=bulk, args=(i,), daemon=True) for i in range(3)]
            for m in movers:
                m.start()
            time.sleep(0.3)  # the forwards are moving data now
            worst = 0.0
            for n in range(10):
                started = time.monotonic()
                child.send(f"echo k''{n}x\r")  # the echoed line is not the output
                child.expect_exact(f"k{n}x\r\n", timeout=10)
                worst = max(worst, time.monotonic() - started)
            for m in movers:
                m.join(timeout=120)
            assert all(hashlib.sha256(r).digest() == hashlib.sha256(payload).digest()
                       for r in results), [len(r) for r in results]
            print(f"worst keystroke echo during bulk forwards: {worst * 1000:.0f} ms")
            assert worst < 1.0, f"a keystroke took {worst:.2f}s to echo during bulk forwards"
            child.sendline("exit")
            child.expect(pexpect.EOF, timeout=10)
        finally:
            child.close(force=True)
