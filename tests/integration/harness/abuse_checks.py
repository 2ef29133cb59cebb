"""What every protocol-abuse case checks (test_protocol_abuse.py): the connection never
authenticated, holdgate never dialled the target, it logged the connection's end, and a burst of
the same connections leaves its RSS where it was."""
from __future__ import annotations

import asyncio
import re
import time

from .procs import LOCALHOST, rss_kib, tail

BURST = 50                 # connections per burst when RSS is compared
RSS_MARGIN_KIB = 1536      # what a burst may leave behind (allocator noise, not a leak)
SETTLE_SECONDS = 13.0      # how long connections may take to end (login_grace and more)


def target_connections(world) -> int:
    """Connections the target's sshd has seen (holdgate's dials are the only ones here)."""
    return world.target.log.read_text(errors="replace").count("Connection from")


def session_lines(gate, port: int) -> list[str]:
    """holdgate's log lines for the latest connection from local port `port` (an earlier
    burst may have used the same port)."""
    lines = gate.log_text().splitlines()
    ids = [m.group(1) for line in lines
           if "event=connect " in line and f"source={LOCALHOST}:{port} " in line + " "
           for m in [re.search(r"\bsession=(\S+)", line)] if m]
    if not ids:
        return []
    return [line for line in lines
            if (m := re.search(r"\bsession=(\S+)", line)) and m.group(1) == ids[-1]]


def ended_lines(gate, port: int, timeout: float = SETTLE_SECONDS) -> list[str]:
    """The connection's lines once holdgate has logged its end (an `auth` line)."""
    deadline = time.monotonic() + timeout
    while True:
        lines = session_lines(gate, port)
        if any("event=auth " in line for line in lines) or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


def assert_never_authenticated(gate, port: int, reason: str | None = None) -> list[str]:
    lines = ended_lines(gate, port)
    failed = [line for line in lines if "event=auth " in line and "result=failed" in line]
    assert failed, (port, lines, tail(gate.log))
    if reason:
        assert reason in failed[0], failed
    assert not [line for line in lines if "result=ok" in line], lines
    assert_no_dial(lines)
    return lines


def assert_no_dial(lines: list[str]) -> None:
    dials = [line for line in lines
             if "event=upstream" in line or "event=session-start" in line]
    assert not dials, dials


def connections_logged(gate) -> tuple[int, int]:
    text = gate.log_text()
    return text.count("event=connect "), text.count("event=auth ")


def settle(gate, timeout: float = SETTLE_SECONDS) -> None:
    """Until every connection holdgate logged has logged its end, and a moment more."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        connects, ends = connections_logged(gate)
        if ends >= connects:
            break
        time.sleep(0.1)
    time.sleep(0.3)


def settled_rss(gate) -> int:
    """holdgate's RSS (KiB) once its connections have ended and it stopped shrinking."""
    settle(gate)
    samples = [rss_kib(gate.proc.pid)]
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        time.sleep(0.2)
        samples.append(rss_kib(gate.proc.pid))
        if samples[-1] == samples[-2]:
            break
    return samples[-1]


def assert_burst_leaves_no_trace(gate, world, one) -> None:
    """Runs `one()` (a coroutine function making one abusive connection) BURST times at once,
    twice: the first burst warms holdgate's allocator up (to the same peak), the second must
    not grow its RSS."""
    before_dials = target_connections(world)

    async def burst():
        await asyncio.gather(*(one() for _ in range(BURST)))

    asyncio.run(burst())
    warm = settled_rss(gate)
    asyncio.run(burst())
    after = settled_rss(gate)
    print(f"RSS after a warm-up burst of {BURST}: {warm} KiB; after {BURST} more: {after} KiB")
    assert after - warm <= RSS_MARGIN_KIB, f"RSS {warm} KiB -> {after} KiB after {BURST} more"
    assert target_connections(world) == before_dials, tail(world.target.log)
    assert gate.alive()
