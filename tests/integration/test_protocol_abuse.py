"""Protocol abuse before authentication, against the real binary with a real sshd behind it.

Each case is what an attacker's own client sends and OpenSSH's never would: a 2^31 packet
length, a USERAUTH_SUCCESS from the client, channel opens and global requests before
authentication, auth loops past max_auth_tries, a public-key probe followed by a session
(Warpgate GHSA-3cjp-w4cp-m9c8), a signature by another key than the one offered, a user name
that changes between attempts (GHSA-c94j-vqr5-3mxr), and slowloris in the banner, in KEX and
after it.

For each: the client is disconnected or never authenticated; holdgate never dials the target
(no `upstream`/`session-start` line for that connection, and the target's sshd logs no new
connection); holdgate logs the connection's end; and after a burst of the same connections
holdgate's RSS is back where it was (within a small margin).

Scripted clients: raw sockets before the key exchange, harness/scripted_client.py after it.
"""
from __future__ import annotations

import asyncio
import os
import socket
import struct
import time

import pytest

from harness.abuse_checks import (assert_burst_leaves_no_trace, assert_never_authenticated,
                                  assert_no_dial, ended_lines, target_connections)
from harness.procs import LOCALHOST, tail
from harness.scripted_client import (MSG_CHANNEL_OPEN_CONFIRMATION, MSG_CHANNEL_SUCCESS,
                                     MSG_IGNORE, MSG_REQUEST_SUCCESS, MSG_USERAUTH_FAILURE,
                                     MSG_USERAUTH_PK_OK, MSG_USERAUTH_SUCCESS, String,
                                     load_key, open_scripted)
from harness.world import new_gate

MAX_AUTH_TRIES = 3
LOGIN_GRACE = 3.0


@pytest.fixture(scope="module")
def abuse_gate(world, tmp_path_factory):
    """A holdgate that lets one source misbehave as often as the bursts need (no penalties, no
    start-up caps in the way), with a short login_grace for the slowloris cases."""
    gate = new_gate(world, tmp_path_factory.mktemp("abuse"), limits={
        "login_grace": f"{int(LOGIN_GRACE)}s", "max_auth_tries": MAX_AUTH_TRIES,
        "max_startups": 300, "per_source_max_startups": 300, "per_source_penalties": "off"})
    gate.start()
    yield gate
    gate.stop()


@pytest.fixture
def gate(abuse_gate):
    assert abuse_gate.alive(), f"holdgate exited:\n{tail(abuse_gate.log)}"
    return abuse_gate


@pytest.fixture(scope="module")
def keys(world):
    return {name: load_key(key.path) for name, key in world.people.items()}


def run(coro):
    return asyncio.run(coro)


# -- before the key exchange: raw sockets ---------------------------------------------------

def _read_banner(sock: socket.socket) -> bytes:
    data = b""
    while b"\n" not in data:
        chunk = sock.recv(1)
        if not chunk:
            break
        data += chunk
    return data


async def _closed(reader: asyncio.StreamReader, timeout: float) -> bool:
    """True when the server ends the connection within `timeout` seconds (reading what it
    sends meanwhile)."""
    try:
        async def drain():
            while await reader.read(4096):
                pass
        await asyncio.wait_for(drain(), timeout)
        return True
    except ConnectionError:
        return True
    except asyncio.TimeoutError:
        return False


async def huge_packet_length(port: int) -> int:
    """Banner, then a packet header announcing 2^31 bytes: returns our local port."""
    reader, writer = await asyncio.open_connection(LOCALHOST, port)
    local = writer.get_extra_info("sockname")[1]
    writer.write(b"SSH-2.0-abuse\r\n" + struct.pack(">I", 1 << 31) + b"\x00" * 64)
    await writer.drain()
    closed = await _closed(reader, 5)
    writer.close()
    assert closed, "holdgate kept a connection that announced a 2 GiB packet"
    return local


def test_a_2gib_packet_length_before_key_exchange_is_cut(gate, world):
    dials = target_connections(world)
    local = run(huge_packet_length(gate.port))
    assert_never_authenticated(gate, local, "key exchange failed")
    assert target_connections(world) == dials
    assert_burst_leaves_no_trace(gate, world, lambda: huge_packet_length(gate.port))


async def huge_packet_after_kex(port: int, known_hosts) -> int:
    """Past key exchange with AES-GCM, whose packet length travels in clear: a header
    announcing 2^31 bytes, written straight to the socket."""
    conn = await open_scripted(port, known_hosts, ciphers=["aes256-gcm@openssh.com"])
    conn.write_raw(struct.pack(">I", 1 << 31) + os.urandom(64))
    try:
        assert await conn.closed_by_server(5), "holdgate waited for a 2 GiB packet"
    finally:
        conn.abort()
    return conn.local_port


def test_a_2gib_packet_length_after_key_exchange_is_cut(gate, world):
    dials = target_connections(world)
    local = run(huge_packet_after_kex(gate.port, gate.known_hosts))
    assert_never_authenticated(gate, local)
    assert target_connections(world) == dials
    assert_burst_leaves_no_trace(gate, world,
                                 lambda: huge_packet_after_kex(gate.port, gate.known_hosts))


# -- after the key exchange, before authentication ------------------------------------------

async def claims_success(port: int, known_hosts) -> int:
    """The client sends USERAUTH_SUCCESS itself, then opens a session and runs a command."""
    conn = await open_scripted(port, known_hosts)
    try:
        conn.send(MSG_USERAUTH_SUCCESS)
        conn.channel_open()
        conn.exec_request("true")
        replies = await conn.replies_until_quiet(1.0)
        assert MSG_CHANNEL_OPEN_CONFIRMATION not in replies, replies
        assert MSG_CHANNEL_SUCCESS not in replies and MSG_USERAUTH_SUCCESS not in replies, replies
    finally:
        conn.abort()
    return conn.local_port


def test_a_client_that_sends_userauth_success_is_not_authenticated(gate, world):
    dials = target_connections(world)
    assert_never_authenticated(gate, run(claims_success(gate.port, gate.known_hosts)))
    assert target_connections(world) == dials
    assert_burst_leaves_no_trace(gate, world, lambda: claims_success(gate.port, gate.known_hosts))


def _open_before_auth(kind: str, world):
    def send(conn):
        if kind == "session":
            conn.channel_open()
            conn.exec_request("true")
        elif kind == "direct-tcpip":  # straight at the target's port
            conn.direct_tcpip(LOCALHOST, world.target.port)
        elif kind == "tcpip-forward":
            conn.tcpip_forward()
        else:
            conn.global_request("keepalive@openssh.com")
    return send


async def opens_before_auth(port: int, known_hosts, send) -> int:
    conn = await open_scripted(port, known_hosts)
    try:
        send(conn)
        replies = await conn.replies_until_quiet(1.0)
        assert MSG_CHANNEL_OPEN_CONFIRMATION not in replies, replies
        assert MSG_REQUEST_SUCCESS not in replies, replies
        assert MSG_CHANNEL_SUCCESS not in replies, replies
    finally:
        conn.abort()
    return conn.local_port


@pytest.mark.parametrize("kind", ["session", "direct-tcpip", "tcpip-forward", "keepalive"])
def test_channel_opens_and_global_requests_before_auth_are_refused(gate, world, kind):
    send = _open_before_auth(kind, world)
    dials = target_connections(world)
    assert_never_authenticated(gate, run(opens_before_auth(gate.port, gate.known_hosts, send)))
    assert target_connections(world) == dials
    assert_burst_leaves_no_trace(gate, world,
                                 lambda: opens_before_auth(gate.port, gate.known_hosts, send))


AUTH_METHODS = ["none", "password", "keyboard-interactive", "hostbased", "publickey-unknown"]


async def auth_loop(port: int, known_hosts, keys, method: str) -> tuple[int, int]:
    """MAX_AUTH_TRIES + 5 requests of one method, each answer awaited: (local port, how many
    failures the server answered before it hung up)."""
    conn = await open_scripted(port, known_hosts)
    failures = 0
    try:
        for _ in range(MAX_AUTH_TRIES + 5):
            if method == "none":
                conn.auth_none("root@db-1")
            elif method == "password":
                conn.auth_password("root@db-1", "hunter2")
            elif method == "keyboard-interactive":
                conn.auth_keyboard_interactive("root@db-1")
            elif method == "hostbased":
                conn.auth_hostbased("root@db-1", keys["alice"])
            else:  # a properly signed request, but by a key nobody configured
                conn.auth_publickey("root@db-1", keys["mallory"])
            reply = await conn.next_reply(3)
            if reply is None:
                break
            assert reply[0] == MSG_USERAUTH_FAILURE, reply
            failures += 1
        assert await conn.closed_by_server(3), f"still connected after {failures} failures"
    finally:
        conn.abort()
    return conn.local_port, failures


@pytest.mark.parametrize("method", AUTH_METHODS)
def test_an_auth_loop_is_cut_at_max_auth_tries(gate, world, keys, method):
    dials = target_connections(world)
    local, failures = run(auth_loop(gate.port, gate.known_hosts, keys, method))
    # As sshd: a first "none" (how every client starts) is not an attempt, every other is.
    assert failures <= MAX_AUTH_TRIES + (method == "none"), failures
    assert_never_authenticated(gate, local, "too many authentication failures")
    assert target_connections(world) == dials

    async def one():
        await auth_loop(gate.port, gate.known_hosts, keys, method)
    assert_burst_leaves_no_trace(gate, world, one)


async def probe_then_session(port: int, known_hosts, keys) -> int:
    """alice's key offered without a signature (the server says PK_OK), then straight to a
    session channel and a command, as if the probe had logged in."""
    conn = await open_scripted(port, known_hosts)
    try:
        conn.auth_publickey("root@db-1", keys["alice"], probe=True)
        reply = await conn.next_reply(3)
        assert reply is not None and reply[0] == MSG_USERAUTH_PK_OK, reply
        conn.channel_open()
        conn.exec_request("true")
        replies = await conn.replies_until_quiet(1.0)
        assert MSG_USERAUTH_SUCCESS not in replies, replies
        assert MSG_CHANNEL_OPEN_CONFIRMATION not in replies, replies
        assert MSG_CHANNEL_SUCCESS not in replies, replies
    finally:
        conn.abort()
    return conn.local_port


def test_a_public_key_probe_is_never_a_login(gate, world, keys):
    dials = target_connections(world)
    assert_never_authenticated(gate, run(probe_then_session(gate.port, gate.known_hosts, keys)))
    assert target_connections(world) == dials
    assert_burst_leaves_no_trace(gate, world,
                                 lambda: probe_then_session(gate.port, gate.known_hosts, keys))


async def forged_signatures(port: int, known_hosts, keys, signer: str | None) -> int:
    """alice's public key offered again and again, each signature made by `signer`'s key
    (None: probes, no signature at all). libssh drops a request with a bad signature without
    answering, and a probe is answered PK_OK without being an attempt, so only holdgate's own
    bound on what an unauthenticated client may send ends this before login_grace."""
    started = time.monotonic()
    conn = await open_scripted(port, known_hosts)
    try:
        for _ in range(200):
            if conn.closed.done():
                break
            if signer is None:
                conn.auth_publickey("root@db-1", keys["alice"], probe=True)
            else:
                conn.auth_publickey("root@db-1", keys["alice"], signed_by=keys[signer])
            await asyncio.sleep(0.005)
        assert await conn.closed_by_server(LOGIN_GRACE + 2), "never cut"
        elapsed = time.monotonic() - started
        replies = []
        while (reply := await conn.next_reply(0)) is not None:
            replies.append(reply[0])
        assert MSG_USERAUTH_SUCCESS not in replies, replies
        assert signer is None or MSG_USERAUTH_PK_OK not in replies, replies
        assert elapsed < LOGIN_GRACE - 1, f"forged signatures were tried for {elapsed:.1f}s"
    finally:
        conn.abort()
    return conn.local_port


@pytest.mark.parametrize("signer", ["mallory", "bob", None], ids=["mallory", "bob", "probes"])
def test_signatures_by_another_key_or_probes_without_end_are_cut(gate, world, keys, signer):
    """`signer`: an unknown key, another configured person's, or none (a loop of probes)."""
    dials = target_connections(world)
    local = run(forged_signatures(gate.port, gate.known_hosts, keys, signer))
    assert_never_authenticated(gate, local, "too many packets before authenticating")
    assert target_connections(world) == dials
    assert_burst_leaves_no_trace(
        gate, world, lambda: forged_signatures(gate.port, gate.known_hosts, keys, signer))


async def name_change(port: int, known_hosts, keys, first: tuple, second: tuple) -> int:
    """A probe as (user name, person), then a signed request as another (user name, person);
    the second request must be what counts. Returns our local port."""
    conn = await open_scripted(port, known_hosts)
    try:
        conn.auth_publickey(first[0], keys[first[1]], probe=True)
        reply = await conn.next_reply(3)
        assert reply is not None and reply[0] == MSG_USERAUTH_PK_OK, reply
        conn.auth_publickey(second[0], keys[second[1]])
        await conn.replies_until_quiet(1.0)
    finally:
        conn.abort()
    return conn.local_port


def _authenticated_as(gate, port) -> list[str]:
    lines = ended_lines(gate, port)
    assert_no_dial(lines)
    return lines


def test_the_person_is_whoever_proved_a_key_not_who_probed(gate, world, keys):
    """alice (who may log in as root on db-1) probes; ivan (who may not) signs: the login is
    ivan's, and it is denied."""
    dials = target_connections(world)

    def one():
        return name_change(gate.port, gate.known_hosts, keys, ("root@db-1", "alice"),
                           ("root@db-1", "ivan"))
    lines = _authenticated_as(gate, run(one()))
    ok = [line for line in lines if "event=auth " in line and "result=ok" in line]
    assert ok and "person=ivan" in ok[0], lines
    assert any("event=decision" in line and "result=deny" in line for line in lines), lines
    assert target_connections(world) == dials
    assert_burst_leaves_no_trace(gate, world, one)


def test_the_route_is_the_one_in_the_successful_request(gate, world, keys):
    """alice probes as root@db-1, then signs as root@nowhere-1: holdgate routes the name she
    signed for (an unknown target), never the one she probed with (which it would dial)."""
    dials = target_connections(world)

    def one():
        return name_change(gate.port, gate.known_hosts, keys, ("root@db-1", "alice"),
                           ("root@nowhere-1", "alice"))
    lines = _authenticated_as(gate, run(one()))
    decision = [line for line in lines if "event=decision" in line]
    assert decision and "result=unknown-target" in decision[0] \
        and "target=nowhere-1" in decision[0], lines
    assert target_connections(world) == dials
    assert_burst_leaves_no_trace(gate, world, one)


# -- slowloris: cut at login_grace ---------------------------------------------------------

def _kexinit() -> bytes:
    """A plausible client KEXINIT packet (unencrypted, as before the first NEWKEYS)."""
    def name_list(text: str) -> bytes:
        return struct.pack(">I", len(text)) + text.encode()
    payload = (bytes([20]) + os.urandom(16) + name_list("curve25519-sha256,kex-strict-c-v00@openssh.com")
               + name_list("ssh-ed25519") + name_list("aes128-ctr") * 2
               + name_list("hmac-sha2-256-etm@openssh.com") * 2 + name_list("none") * 2
               + name_list("") * 2 + b"\x00" + b"\x00\x00\x00\x00")
    padding = 8 - (5 + len(payload)) % 8
    padding += 8 if padding < 4 else 0
    return struct.pack(">IB", 1 + len(payload) + padding, padding) + payload + b"\x00" * padding


async def drip(port: int, prefix: bytes, dripped: bytes, interval: float = 0.25) -> int:
    """`prefix` at once, then `dripped` one byte per `interval`: holdgate must cut the
    connection at login_grace, not let it live while bytes keep coming."""
    started = time.monotonic()
    reader, writer = await asyncio.open_connection(LOCALHOST, port)
    local = writer.get_extra_info("sockname")[1]
    writer.write(prefix)
    reading = asyncio.ensure_future(_closed(reader, LOGIN_GRACE + 5))
    try:
        for byte in dripped:
            if reading.done():
                break
            writer.write(bytes([byte]))
            await asyncio.sleep(interval)
        closed = await reading
    finally:
        writer.close()
    elapsed = time.monotonic() - started
    assert closed and elapsed < LOGIN_GRACE + 3, f"closed={closed} after {elapsed:.1f}s"
    return local


SLOWLORIS = {
    "banner": (b"", b"SSH-2.0-" + b"x" * 100),
    "kex": (b"SSH-2.0-slow\r\n", _kexinit()),
}


@pytest.mark.parametrize("phase", list(SLOWLORIS))
def test_slowloris_is_cut_at_login_grace(gate, world, phase):
    prefix, dripped = SLOWLORIS[phase]
    dials = target_connections(world)
    local = run(drip(gate.port, prefix, dripped))
    assert_never_authenticated(gate, local, "login grace time expired")
    assert target_connections(world) == dials
    assert_burst_leaves_no_trace(gate, world, lambda: drip(gate.port, prefix, dripped))


async def ignore_drip(port: int, known_hosts, interval: float = 0.25) -> int:
    """Past key exchange, then an SSH_MSG_IGNORE every `interval` and never a request: the
    connection is busy but never authenticates, and must still end at login_grace."""
    started = time.monotonic()
    conn = await open_scripted(port, known_hosts)
    try:
        while not conn.closed.done() and time.monotonic() - started < LOGIN_GRACE + 5:
            conn.send(MSG_IGNORE, String(b"x"))
            await asyncio.sleep(interval)
        elapsed = time.monotonic() - started
        assert conn.closed.done() and elapsed < LOGIN_GRACE + 3, f"open after {elapsed:.1f}s"
    finally:
        conn.abort()
    return conn.local_port


def test_slowloris_after_key_exchange_is_cut_at_login_grace(gate, world):
    dials = target_connections(world)
    local = run(ignore_drip(gate.port, gate.known_hosts))
    assert_never_authenticated(gate, local, "login grace time expired")
    assert target_connections(world) == dials
    assert_burst_leaves_no_trace(gate, world, lambda: ignore_drip(gate.port, gate.known_hosts))
