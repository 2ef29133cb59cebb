"""A scriptable SSH client (Debian's python3-asyncssh) for what OpenSSH's client never sends:
absurd terminal sizes, storms of window changes, many session channels held open at once."""
from __future__ import annotations

import asyncio

import asyncssh

from .holdgate import Holdgate
from .procs import LOCALHOST


def connect(world, gate: Holdgate, person: str, route: str) -> asyncssh.SSHClientConnection:
    """`person` connects to `gate` as `route` with their own key, trusting only the host key
    the gate reported; use as `async with connect(...) as conn:`."""
    return asyncssh.connect(LOCALHOST, gate.port, username=route,
                            client_keys=[str(world.people[person].path)],
                            known_hosts=str(gate.known_hosts), agent_path=None,
                            preferred_auth="publickey")


class Terminal(asyncssh.SSHClientSession):
    """One session channel's output (stdout and stderr, as bytes), awaitable."""

    def __init__(self):
        self.output = bytearray()
        self._arrived = asyncio.Event()

    def data_received(self, data: bytes, datatype) -> None:
        self.output += data
        self._arrived.set()

    async def wait_for(self, text: bytes, timeout: float = 10) -> None:
        """Until `text` has arrived (asyncio.TimeoutError if it does not)."""
        await self.wait_until(lambda output: text in output, timeout)

    async def wait_until(self, done, timeout: float = 10) -> None:
        """Until `done(output so far)` is true (asyncio.TimeoutError if it never is)."""
        async def arrived():
            while not done(bytes(self.output)):
                self._arrived.clear()
                await self._arrived.wait()
        await asyncio.wait_for(arrived(), timeout)

    def text(self) -> str:
        return self.output.decode(errors="replace")


async def open_terminal(conn, command: str | None = None, *, size=(80, 24)):
    """A session channel with a pty of `size` (columns, rows, as sent, however absurd) running
    `command`, or a shell without one: (channel, Terminal)."""
    return await conn.create_session(Terminal, command, term_type="xterm", term_size=size,
                                     encoding=None)
