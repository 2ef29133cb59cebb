"""Behind a load balancer: holdgate takes the PROXY protocol (v1 and v2) from the addresses in
`proxy_protocol.from` only, and then logs, audits and limits the client the header names. The
balancer is harness/proxy_header_sender.py as OpenSSH's ProxyCommand (from 127.0.0.1, listed);
127.0.0.2 plays an address that is not listed."""
from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import pytest

from harness.holdgate import run_cli
from harness.procs import LOCALHOST
from harness.proxy_header_sender import proxy_header
from harness.world import gate_client

SENDER = Path(__file__).resolve().parent / "harness" / "proxy_header_sender.py"


def behind_balancer(config: dict) -> None:
    config["proxy_protocol"] = {"from": [f"{LOCALHOST}/32", "::1"]}


def through_balancer(version: str, client: str, bind: str = "") -> tuple:
    """ssh options that reach holdgate through the stand-in balancer, claiming `client`."""
    command = f"{sys.executable} {SENDER} {version} {client} %h %p {bind}".strip()
    return ("-o", f"ProxyCommand={command}")


def raw_connection(gate, header: bytes, source: str = LOCALHOST) -> socket.socket:
    """A TCP connection that sends `header` and then says nothing, like a client that stalls."""
    sock = socket.create_connection((LOCALHOST, gate.port), timeout=5, source_address=(source, 0))
    sock.sendall(header)
    return sock


def banner_of(sock: socket.socket) -> bytes:
    """What the server sends first: its SSH banner, or b"" when it closes the connection."""
    try:
        return sock.recv(100)
    except ConnectionResetError:
        return b""


def audit_events(gate) -> list[dict]:
    r = run_cli("audit", "export", "--config", gate.config_path, "--format", "json")
    assert r.returncode == 0, r
    return [json.loads(line) for line in r.stdout.splitlines()]


@pytest.mark.parametrize("version, client, logged", [
    ("v1", "203.0.113.7:4242", "203.0.113.7:4242"),
    ("v2", "203.0.113.7:4242", "203.0.113.7:4242"),
    ("v2", "[2001:db8::7]:4242", "[2001:db8::7]:4242"),
])
def test_a_login_through_the_balancer_is_the_client_its_header_names(world, make_gate, version,
                                                                      client, logged):
    gate = make_gate(edit=behind_balancer)
    alice = gate_client(world, gate, "alice")
    r = alice.ssh("root@db-1", "whoami", options=through_balancer(version, client))
    assert (r.returncode, r.stdout) == (0, "root\n"), r
    line = gate.wait_for_log_line("event=connect", f"source={logged}")
    assert line is not None and f"via={LOCALHOST}:" in line, gate.log_text()
    logins = [e for e in audit_events(gate) if e["kind"] == "login.allowed"]
    assert [e["source"] for e in logins] == [logged], logins


def test_a_listed_balancer_must_send_a_valid_header_first(world, make_gate):
    gate = make_gate(edit=behind_balancer)
    alice = gate_client(world, gate, "alice")
    # Plain SSH from a listed address: closed before the SSH banner, with a line naming it.
    r = alice.ssh("root@db-1", "whoami")
    assert r.returncode == 255, r
    line = gate.wait_for_log_line("event=proxy-header", "result=refused",
                                  "did not begin with a PROXY protocol header")
    assert line is not None and f"source={LOCALHOST}:" in line, gate.log_text()
    # A header that is wrong: refused without a banner, the reason in the log.
    with raw_connection(gate, b"PROXY TCP4 203.0.113.7 192.0.2.1 4242 99999\r\n") as sock:
        assert banner_of(sock) == b""
    assert gate.wait_for_log_line("event=proxy-header", "ports are not numbers"), gate.log_text()
    with raw_connection(gate, proxy_header("v2", "203.0.113.7:4242")[:20]) as sock:
        sock.shutdown(socket.SHUT_WR)
        assert banner_of(sock) == b""
    assert gate.wait_for_log_line("event=proxy-header",
                                  "closed in the middle of its PROXY protocol header"), gate.log_text()
    assert "203.0.113.7" not in gate.log_text()
    # A v2 LOCAL header (a health check) is the balancer's own connection: served as such.
    with raw_connection(gate, proxy_header("v2-local", "203.0.113.7:4242")) as sock:
        assert banner_of(sock).startswith(b"SSH-2.0-")
    assert gate.wait_for_log_line("event=connect", f"source={LOCALHOST}:", f"via={LOCALHOST}:")
    r = alice.ssh("root@db-1", "whoami", options=through_balancer("v1", "203.0.113.9:1"))
    assert (r.returncode, r.stdout) == (0, "root\n"), r


def test_a_balancer_that_sends_nothing_is_closed_at_login_grace(world, make_gate):
    gate = make_gate(edit=behind_balancer, limits={"login_grace": "1s"})
    with raw_connection(gate, b"PROXY TCP4 203.0.") as sock:
        assert banner_of(sock) == b""
    line = gate.wait_for_log_line("event=proxy-header", "no complete PROXY protocol header within 1s")
    assert line is not None and f"source={LOCALHOST}:" in line, gate.log_text()


def test_a_header_from_an_address_that_is_not_listed_is_just_bad_ssh(world, make_gate):
    gate = make_gate(edit=behind_balancer)
    alice = gate_client(world, gate, "alice")
    r = alice.ssh("root@db-1", "whoami", options=through_balancer("v1", "203.0.113.7:4242", "127.0.0.2"))
    assert r.returncode == 255, r
    assert gate.wait_for_log_line("source=127.0.0.2:", "event=auth", "result=failed"), gate.log_text()
    # libssh may quote the "banner" it got in its reason; as a source the claim never shows.
    assert "source=203.0.113.7" not in gate.log_text()
    # Not read as a header at all (the harness's port probe from 127.0.0.1 is, and is logged).
    assert not [line for line in gate.log_text().splitlines()
                if "event=proxy-header" in line and "source=127.0.0.2" in line], gate.log_text()


def test_per_source_limits_count_the_claimed_client_not_the_balancer(world, make_gate):
    gate = make_gate(edit=behind_balancer, limits={"per_source_max_startups": 2})
    alice = gate_client(world, gate, "alice")
    stalled = [raw_connection(gate, proxy_header("v2", "203.0.113.7:5000")) for _ in range(2)]
    try:
        for sock in stalled:
            assert banner_of(sock).startswith(b"SSH-2.0-")  # admitted: two start-ups from .7
        # A third from the same claimed client is over its cap: closed, without a banner.
        with raw_connection(gate, proxy_header("v1", "203.0.113.7:5001")) as sock:
            assert banner_of(sock) == b""
        assert gate.wait_for_log_line("event=refused", "source=203.0.113.7",
                                      "too many unauthenticated connections"), gate.log_text()
        r = alice.ssh("root@db-1", "whoami", options=through_balancer("v2", "203.0.113.7:4242"))
        assert r.returncode == 255, r
        # Another client through the same balancer is not limited with it.
        r = alice.ssh("root@db-1", "whoami", options=through_balancer("v2", "203.0.113.8:4242"))
        assert (r.returncode, r.stdout) == (0, "root\n"), r
    finally:
        for sock in stalled:
            sock.close()
    # Their start-ups end with them, counted off the same claimed client.
    assert gate.wait_for_log_line("event=auth", "source=203.0.113.7:5000", "result=failed")
    r = alice.ssh("root@db-1", "whoami", options=through_balancer("v1", "203.0.113.7:4243"))
    assert (r.returncode, r.stdout) == (0, "root\n"), r
