"""Small TCP servers on 127.0.0.1 for forwarding tests (issue 18), each in threads of its own,
and a way to tell that some process listens on a port without connecting to it (a probe
connection through `ssh -L` would itself open a forward)."""
from __future__ import annotations

import socket
import threading
import time

from .procs import LOCALHOST, free_port


class EchoServer:
    """Echoes every connection's bytes back until the peer's EOF, then closes its side.
    `connections` counts accepted connections. Use as a context manager."""

    def __init__(self):
        self.port = free_port()
        self.connections = 0
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((LOCALHOST, self.port))
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> "EchoServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._echo, args=(conn,), daemon=True).start()

    def _echo(self, conn: socket.socket) -> None:
        conn.settimeout(60)
        with conn:
            try:
                while True:
                    data = conn.recv(1 << 16)
                    if not data:
                        break
                    conn.sendall(data)
                conn.shutdown(socket.SHUT_WR)
            except OSError:
                pass


class SourceServer(EchoServer):
    """Sends `size` zero bytes to each connection as fast as the peer takes them, then closes."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def _echo(self, conn: socket.socket) -> None:
        conn.settimeout(120)
        chunk = bytes(1 << 16)
        with conn:
            try:
                left = self.size
                while left > 0:
                    n = conn.send(chunk[:min(left, len(chunk))])
                    left -= n
                conn.shutdown(socket.SHUT_WR)
            except OSError:
                pass


def round_trip(port: int, payload: bytes, timeout: float = 60) -> bytes:
    """Sends `payload` to 127.0.0.1:port while reading what comes back, then EOF; returns all
    that came back before the server's EOF (or the timeout)."""
    received = bytearray()
    with socket.create_connection((LOCALHOST, port), timeout=timeout) as sock:
        def send():
            try:
                view = memoryview(payload)
                while view:
                    n = sock.send(view[:1 << 16])
                    view = view[n:]
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                data = sock.recv(1 << 16)
                if not data:
                    break
                received += data
        except OSError:
            pass
        sender.join(timeout=5)
    return bytes(received)


def listening(port: int) -> bool:
    """True when some socket listens on TCP `port` on this host (read from /proc, no connect)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 3 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                return True
    return False
