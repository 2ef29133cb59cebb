"""Limits on connections that have not authenticated, seen from outside: one source's flood
does not lock anyone else out, sources that keep abandoning logins are refused for a while, and
ProxyJump inner connections are capped per outer connection. Other loopback addresses
(127.0.0.2, 127.0.0.3) play the attackers; the people connect from 127.0.0.1 as always."""
from __future__ import annotations

import asyncio
import socket
import statistics
import threading
import time
import warnings

with warnings.catch_warnings():  # Debian's asyncssh imports ciphers cryptography deprecates
    warnings.simplefilter("ignore")
    import asyncssh

from harness.procs import LOCALHOST
from harness.world import gate_client

FLOOD = "127.0.0.2"


def connect_from(source: str, port: int, timeout: float = 5) -> socket.socket:
    """A TCP connection from `source` that never says a word, like a scanner's or a flood's."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    sock.bind((source, 0))
    sock.connect((LOCALHOST, port))
    return sock


def closed_at_once(sock: socket.socket, within: float = 2.0) -> bool:
    """True when the server closes `sock` without sending anything (not even its banner)."""
    sock.settimeout(within)
    try:
        return sock.recv(100) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


class Flood:
    """`count` half-open connections from FLOOD, each reopened as soon as the server closes
    it, for as long as the flood runs."""

    def __init__(self, port: int, count: int):
        self.port, self.count = port, count
        self.sockets: list[socket.socket] = []
        self.reopened = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._keep_open, daemon=True)

    def __enter__(self) -> "Flood":
        self.sockets = [connect_from(FLOOD, self.port) for _ in range(self.count)]
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        for sock in self.sockets:
            sock.close()

    def _keep_open(self) -> None:
        while not self._stop.is_set():
            for i, sock in enumerate(self.sockets):
                sock.setblocking(False)
                try:
                    gone = sock.recv(4096, socket.MSG_PEEK) == b""
                except BlockingIOError:
                    gone = False
                except OSError:
                    gone = True
                if gone:
                    sock.close()
                    try:
                        self.sockets[i] = connect_from(FLOOD, self.port)
                        self.reopened += 1
                    except OSError:
                        pass
            self._stop.wait(0.05)


def login_seconds(client) -> float:
    r = client.ssh("root@db-1", "true")
    assert r.returncode == 0, r
    return r.elapsed


def test_a_flood_from_one_source_leaves_another_sources_login_fast(world, make_gate):
    """300 half-open connections from 127.0.0.2, kept open while the server drops them: a real
    login from 127.0.0.1 still succeeds, within 3x its unloaded time, with the default limits."""
    gate = make_gate()
    alice = gate_client(world, gate, "alice")
    unloaded = statistics.median(login_seconds(alice) for _ in range(3))
    with Flood(gate.port, 300) as flood:
        time.sleep(0.5)
        loaded = [login_seconds(alice) for _ in range(3)]
        # Over its cap, the source's connections are closed at once, and their descriptors
        # with them: a new one gets nothing, not even a banner.
        assert closed_at_once(connect_from(FLOOD, gate.port)), "an over-cap connection was kept"
    assert statistics.median(loaded) <= 3 * unloaded, (unloaded, loaded)
    assert flood.reopened >= 250, flood.reopened
    assert gate.alive()
    refusals = [line for line in gate.log_text().splitlines()
                if "event=refused" in line and f"source={FLOOD}" in line]
    # Once per source and minute, not once per socket; the line says how many it stands for.
    assert len(refusals) == 1, refusals
    assert "too many unauthenticated connections from this source" in refusals[0], refusals


def test_a_source_that_keeps_abandoning_logins_is_refused_for_a_while(world, make_gate):
    """Two connections from 127.0.0.3 that idle past login_grace (2 x 10s > min 15s): that
    source is refused for about 20s, while 127.0.0.1 is not touched."""
    gate = make_gate(limits={"login_grace": "1s"})
    alice = gate_client(world, gate, "alice")
    idle = [connect_from("127.0.0.3", gate.port) for _ in range(2)]
    for sock in idle:
        sock.settimeout(5)
        while sock.recv(1000):
            pass  # the banner, then closed at login_grace
        sock.close()
    line = gate.wait_for_log_line("event=penalty", "refused=127.0.0.3")
    assert line is not None and "for=20s" in line, gate.log_text()
    assert closed_at_once(connect_from("127.0.0.3", gate.port))
    r = alice.ssh("root@db-1", "whoami", options=("-o", "BindAddress=127.0.0.3"))
    assert r.returncode == 255, r
    r = alice.ssh("root@db-1", "whoami")
    assert (r.returncode, r.stdout) == (0, "root\n"), r


def test_exempt_networks_are_never_penalised(world, make_gate):
    gate = make_gate(limits={"login_grace": "1s",
                             "per_source_penalties": {"exempt": ["127.0.0.3/32"]}})
    alice = gate_client(world, gate, "alice")
    for _ in range(3):
        with connect_from("127.0.0.3", gate.port) as sock:
            sock.settimeout(5)
            while sock.recv(1000):
                pass
    r = alice.ssh("root@db-1", "whoami", options=("-o", "BindAddress=127.0.0.3"))
    assert (r.returncode, r.stdout) == (0, "root\n"), r
    assert "event=penalty" not in gate.log_text()


async def _open_jumps(port: int, key_path, count: int, grace: float):
    """One authenticated outer connection opens `count` direct-tcpip channels to db-1:22 whose
    inner SSH connections never say a word. Returns (accepted, refused, banner-then-closed)."""
    async with asyncssh.connect(LOCALHOST, port, username="alice", client_keys=[str(key_path)],
                                known_hosts=None, agent_path=None) as conn:
        streams, refused = [], 0
        for _ in range(count):
            try:
                streams.append(await conn.open_connection("db-1", 22))
            except asyncssh.ChannelOpenError:
                refused += 1
        closed = 0
        for reader, _writer in streams:
            data = await asyncio.wait_for(reader.read(), timeout=grace + 5)  # until EOF
            closed += data.startswith(b"SSH-2.0-")
        # Their slots are free again once the grace timer has closed them.
        _reader, writer = await conn.open_connection("db-1", 22)
        writer.close()
        return len(streams), refused, closed


def test_jump_inner_connections_are_capped_per_connection_and_timed_out(world, make_gate):
    gate = make_gate(limits={"max_startups": 2, "max_jump_startups": 3, "login_grace": "2s"})
    alice = gate_client(world, gate, "alice")
    result = {}

    def jumps():
        result["value"] = asyncio.run(_open_jumps(gate.port, world.people["alice"].path, 5, 2))

    thread = threading.Thread(target=jumps)
    thread.start()
    try:
        assert gate.wait_for_log_line("event=refused", "what=jump", timeout=10), gate.log_text()
        # Three inner connections in handshake do not count against the listener's two.
        for _ in range(2):
            r = alice.ssh("root@db-1", "whoami")
            assert (r.returncode, r.stdout) == (0, "root\n"), r
    finally:
        thread.join(timeout=30)
    assert result.get("value") == (3, 2, 3), result
    # Inner connections ride an authenticated one: their timeouts do not penalise the source.
    r = alice.ssh("root@db-1", "whoami")
    assert (r.returncode, r.stdout) == (0, "root\n"), r
    assert "event=penalty" not in gate.log_text()
    assert gate.alive()
