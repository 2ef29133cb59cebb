"""What one connection's channels may cost the bastion: terminal sizes are bounded where they
enter, a storm of window changes costs little, and a connection holds at most
`limits.max_sessions` session channels. Nobody else's login waits on any of it.

OpenSSH's client only ever sends its real terminal size, so asyncssh plays the client that
lies (harness/raw_client.py)."""
from __future__ import annotations

import asyncio
import os
import re
import statistics

import asyncssh
import pytest

from harness.client import client_env
from harness.procs import rss_kib
from harness.raw_client import connect, open_terminal
from harness.world import gate_client

# Sizes as a client may claim them (columns, rows): rows that once froze the bastion for a
# second (20M) and for ten (50M), absurd columns, and the largest the wire can carry.
ABSURD_SIZES = [(80, 20_000_000), (50_000_000, 24), (80, 50_000_000), (2**32 - 1, 2**32 - 1)]
LARGEST = 4096  # holdgate's bound on both (policy/terminal_size.hpp)
STORM = 5_000    # window changes in one burst
CLEAR = b"\x1b[H\x1b[2J"  # every menu redraw starts with it


@pytest.fixture
def lone_gate(make_gate):
    """A holdgate of its own, so its memory and its loop answer for this test alone."""
    return make_gate()


# Times the command it is given, in nanoseconds, once it succeeds.
TIMED = 'started=$(date +%s%N); "$@" || exit; echo $(( $(date +%s%N) - started ))'


def normal_priority() -> None:
    os.setpriority(os.PRIO_PROCESS, 0, 0)


async def login_seconds(client) -> float:
    """How long `ssh root@db-1 true` takes through the gate (it must succeed), timed by the
    shell that runs it at normal priority: neither this event loop's work nor the storm's
    lowered priority (see storm) counts as the gate's time."""
    proc = await asyncio.create_subprocess_exec(
        "bash", "-c", TIMED, "timed", *client.ssh_argv("root@db-1", "true"), env=client_env(),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, preexec_fn=normal_priority)
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    return int(out) / 1e9


async def unloaded_login_seconds(client) -> float:
    """The median of three logins with nothing else going on (the first one warms up)."""
    await login_seconds(client)
    return statistics.median([await login_seconds(client) for _ in range(3)])


async def storm(channel, last_size) -> None:
    """STORM window changes of absurd sizes, then one to `last_size`. Sent in slices, so
    whatever else this event loop runs (a login) goes on meanwhile. asyncssh spends a hundred
    times holdgate's CPU on each packet, a core's worth while the storm lasts: it runs at a
    lower priority, so that it is holdgate being measured, not this machine's two cores."""
    os.setpriority(os.PRIO_PROCESS, 0, 10)  # this thread only, on Linux
    try:
        for k in range(STORM):
            channel.change_terminal_size(*ABSURD_SIZES[k % len(ABSURD_SIZES)])
            if k % 100 == 99:
                await asyncio.sleep(0)
        channel.change_terminal_size(*last_size)
    finally:
        normal_priority()


async def login_while(client, load) -> float:
    """A login's time while `load` (a coroutine) runs; the load must finish too."""
    task = asyncio.create_task(load)
    await asyncio.sleep(0)  # the load's first packets are on their way
    login = asyncio.create_task(login_seconds(client))
    await asyncio.sleep(0.1)
    assert not task.done(), "the load was over before the login began: nothing was measured"
    seconds = await login
    await asyncio.wait_for(task, 60)
    return seconds


def settled(measure, attempts: int = 3):
    """`measure()` -> (unloaded, loaded, ...) again, up to `attempts` times, until its login
    took under twice its unloaded time. Another test's burst on this 2-core machine can slow one
    login now and then; the stall this guards against (a second and more, every time) fails
    every attempt."""
    for _ in range(attempts):
        result = measure()
        if result[1] < 2 * result[0]:
            break
    return result


def screens(output: bytes) -> list[bytes]:
    """The menu's redraws, each as it was sent."""
    return [CLEAR + s for s in output.split(CLEAR)[1:]]


def final_screens(output: bytes) -> list[bytes]:
    """The complete redraws at 60 columns by 10 rows (the storm's last size)."""
    return [s for s in screens(output) if s.count(b"\r\n") == 9 and s.endswith(b"q: quit")]


async def quit_menu(channel) -> int:
    """Press q; the menu's exit status once the channel closes."""
    channel.write(b"q")
    await asyncio.wait_for(channel.wait_closed(), 10)
    return channel.get_exit_status()


def test_absurd_pty_sizes_on_the_approvals_menu_cost_nothing(world, lone_gate):
    """Menus opened at once with ptys of absurd sizes while someone else logs in: each shows
    screens of at most 4096 rows and quits cleanly, the logins take at most twice their usual
    time, and holdgate's memory grows by under 1 MiB."""
    alice = gate_client(world, lone_gate, "alice")

    async def menu(conn, size):
        """(exit status, rows of its tallest screen)."""
        channel, terminal = await open_terminal(conn, size=size)
        await terminal.wait_for(b"q: quit")
        status = await quit_menu(channel)
        return status, max(s.count(b"\r\n") + 1 for s in screens(bytes(terminal.output)))

    async def main():
        unloaded = await unloaded_login_seconds(alice)
        async with connect(world, lone_gate, "alice", "approvals") as conn:
            await menu(conn, (LARGEST, LARGEST))  # what the largest screen needs, allocated once
            before = rss_kib(lone_gate.proc.pid)
            task = asyncio.gather(*[menu(conn, size) for size in ABSURD_SIZES])
            loaded = 0.0
            while not task.done():  # logging in all the while the menus are shown
                loaded = max(loaded, await login_seconds(alice))
            return unloaded, loaded, await task, rss_kib(lone_gate.proc.pid) - before

    unloaded, loaded, menus, growth = settled(lambda: asyncio.run(main()))
    assert menus == [(0, LARGEST), (0, 24), (0, LARGEST), (0, LARGEST)], menus
    assert loaded < 2 * unloaded, f"a login took {loaded:.2f}s beside them, {unloaded:.2f}s alone"
    assert growth < 1024, f"holdgate's RSS grew by {growth} KiB"


def test_a_window_change_storm_on_the_approvals_menu_costs_one_redraw_at_a_time(world, lone_gate):
    """5,000 window changes of absurd sizes at a menu, with someone logging in meanwhile: the
    login takes at most twice its usual time, holdgate's memory grows by under 1 MiB, and the
    menu survives, drawn at the last size (bounded), and quits cleanly."""
    alice = gate_client(world, lone_gate, "alice")

    async def main():
        unloaded = await unloaded_login_seconds(alice)
        async with connect(world, lone_gate, "alice", "approvals") as conn:
            channel, terminal = await open_terminal(conn)
            await terminal.wait_for(b"q: quit")
            before = rss_kib(lone_gate.proc.pid)

            loaded = await login_while(alice, storm(channel, last_size=(60, 10)))
            # Once the menu has caught up, a key redraws it at the final size.
            channel.write(b"j")
            await terminal.wait_until(lambda out: len(final_screens(out)) > 0, timeout=30)
            last = final_screens(bytes(terminal.output))[-1]
            status = await quit_menu(channel)
            return unloaded, loaded, last, status, rss_kib(lone_gate.proc.pid) - before, terminal.text()

    unloaded, loaded, last, status, growth, text = settled(lambda: asyncio.run(main()))
    assert status == 0, text[-500:]
    assert max(len(line.decode()) for line in last.split(b"\r\n")) <= 60, last  # columns
    assert loaded < 2 * unloaded, f"a login took {loaded:.2f}s in the storm, {unloaded:.2f}s alone"
    assert growth < 1024, f"holdgate's RSS grew by {growth} KiB"


def test_a_relayed_pty_reaches_the_target_bounded_through_a_window_change_storm(world, lone_gate):
    """A relayed pty of absurd size, then 5,000 window changes of absurd sizes while someone
    logs in: the target's terminal ends at the bounded size of the last change, the login takes
    at most twice its usual time, and holdgate's memory grows by under 1 MiB."""
    alice = gate_client(world, lone_gate, "alice")

    async def main():
        unloaded = await unloaded_login_seconds(alice)
        async with connect(world, lone_gate, "alice", "root@db-1") as conn:
            channel, terminal = await open_terminal(conn, "stty size; read line; stty size",
                                                    size=(80, 20_000_000))
            await terminal.wait_for(b"\r\n")  # the first size, as the target saw it
            before = rss_kib(lone_gate.proc.pid)

            loaded = await login_while(alice, storm(channel, last_size=(50_000_000, 20_000_000)))
            channel.write(b"go\n")
            await asyncio.wait_for(channel.wait_closed(), 30)
            return (unloaded, loaded, terminal.text(), channel.get_exit_status(),
                    rss_kib(lone_gate.proc.pid) - before)

    unloaded, loaded, text, status, growth = settled(lambda: asyncio.run(main()))
    assert status == 0, text
    sizes = re.findall(r"^(\d+) (\d+)\r?$", text, re.MULTILINE)
    assert sizes == [(str(LARGEST), "80"), (str(LARGEST), str(LARGEST))], text  # rows, columns
    assert loaded < 2 * unloaded, f"a login took {loaded:.2f}s in the storm, {unloaded:.2f}s alone"
    assert growth < 1024, f"holdgate's RSS grew by {growth} KiB"


def test_an_approvals_connection_holds_at_most_max_sessions_channels(world, make_gate):
    """With max_sessions 3, a fourth session channel on the approvals connection is refused at
    the SSH level (administratively prohibited); the three open ones go on working, and once
    one closes another may open."""
    gate = make_gate(limits={"max_sessions": 3})

    async def main():
        async with connect(world, gate, "alice", "approvals") as conn:
            menus = [await open_terminal(conn) for _ in range(3)]
            for _, terminal in menus:
                await terminal.wait_for(b"q: quit")
            with pytest.raises(asyncssh.ChannelOpenError) as refused:
                await open_terminal(conn)
            for channel, terminal in menus[1:]:  # still there: a key still redraws
                terminal.output.clear()
                channel.write(b"j")
                await terminal.wait_for(b"q: quit")
            first_exit = await quit_menu(menus[0][0])
            result = await asyncio.wait_for(conn.run("request list"), 10)
            other_exits = [await quit_menu(channel) for channel, _ in menus[1:]]
            return refused.value.code, first_exit, result, other_exits

    code, first_exit, result, other_exits = asyncio.run(main())
    assert code == asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED
    assert (first_exit, other_exits) == (0, [0, 0])
    assert result.exit_status == 0, (result.stdout, result.stderr)
