"""A TCP relay that damages the stream in flight: one byte flipped in one direction after a set
number of bytes, the way a faulty NIC, a broken middlebox or an attacker would (OpenSSH's
regress suite does the same with modpipe). Put it between a client and holdgate, or between
holdgate and a target, to see what each side is told when a leg breaks.

Threads, not asyncio: each connection is two blocking pumps, and every socket has a timeout so
nothing outlives the test for long.
"""
from __future__ import annotations

import socket
import threading

from .procs import LOCALHOST


class CorruptingRelay:
    """Listens on 127.0.0.1:`port`, relays each connection to `dest_port`, and in the chosen
    direction ("up": from the connecting side, "down": towards it) XORs the byte at offset
    `flip_at` of every connection with 0x01. `flip_at=None` relays faithfully.

    Use as a context manager, or call close()."""

    IDLE_LIMIT = 60.0  # seconds a pump waits for bytes before giving up on its connection

    def __init__(self, dest_port: int, *, direction: str = "up", flip_at: int | None = None):
        self.dest_port = dest_port
        self.direction = direction
        self.flip_at = flip_at
        self.flipped = 0  # connections whose byte was flipped
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((LOCALHOST, 0))
        self._listener.listen(16)
        self.port = self._listener.getsockname()[1]
        self._closed = False
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def set(self, *, direction: str, flip_at: int | None) -> None:
        """Damage later connections differently (connections already open keep their plan)."""
        self.direction, self.flip_at = direction, flip_at

    def __enter__(self) -> "CorruptingRelay":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._closed = True
        for sock in [self._listener, *self._sockets]:
            try:
                sock.close()
            except OSError:
                pass

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection((LOCALHOST, self.dest_port), timeout=5)
            except OSError:
                client.close()
                continue
            for sock in (client, server):
                sock.settimeout(self.IDLE_LIMIT)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sockets += [client, server]
            up_flip = self.flip_at if self.direction == "up" else None
            down_flip = self.flip_at if self.direction == "down" else None
            threading.Thread(target=self._pump, args=(client, server, up_flip), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, down_flip),
                             daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, flip_at: int | None) -> None:
        offset = 0
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if flip_at is not None and offset <= flip_at < offset + len(data):
                    damaged = bytearray(data)
                    damaged[flip_at - offset] ^= 0x01
                    data = bytes(damaged)
                    with self._lock:
                        self.flipped += 1
                offset += len(data)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            # Pass the end on as the other side would see it.
            try:
                sink.shutdown(socket.SHUT_WR)
            except OSError:
                pass
