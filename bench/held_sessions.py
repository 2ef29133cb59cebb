#!/usr/bin/python3
"""The cost of holding: what N connections held for approval cost holdgate, and how fast
they all get through once the request is approved.

    /usr/bin/python3 bench/held_sessions.py                  # N=1000, about a minute
    /usr/bin/python3 bench/held_sessions.py --quick          # N=50, CI smoke test, < 60 s
    /usr/bin/python3 bench/held_sessions.py --sessions 300 --json held.json

One asyncio process plays bob with asyncssh: N connections to root@db-1 through holdgate, all
held on ONE access request (the first connection answers the reason prompt and creates it; the
others are opened once it is held, so they reattach to it). Then alice and ivan approve it
through the approvals channel, and every held connection goes on to run `whoami` on db-1.
For comparison, the same N `whoami` logins go straight to the target sshd.

The world (target sshd, keys, holdgate config) is the integration-test harness's
(tests/integration/harness), imported, not copied. Runs as root (the target's login is root).
Numbers are printed, never asserted: exit 0 when the run completed, 1 when a session failed
or a phase ran out of time, 2 when the world could not be set up. See bench/README.md.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "integration"))

from harness import logs, sshd as harness_sshd  # noqa: E402
from harness.client import Client, client_env  # noqa: E402
from harness.holdgate import Holdgate, require_bin  # noqa: E402
from harness.procs import LOCALHOST  # noqa: E402
from harness.scenarios import with_reviewers  # noqa: E402
from harness.world import World, direct_client, gate_client, make_world, new_gate  # noqa: E402

with warnings.catch_warnings():
    # Debian's asyncssh 2.10 imports ciphers newer `cryptography` calls deprecated.
    warnings.simplefilter("ignore")
    import asyncssh  # noqa: E402

TARGETS = {  # what the printed table compares against
    "rss_per_session_kib": 64.0,
    "told_s": 1.0,
    "through_vs_direct_ratio": 1.0,
}
ROUTE = "root@db-1"
REASON = "held-sessions benchmark"
FD_LIMIT = 65536

CREATED = re.compile(r"Creating request\.\.\. (\S+)")
REATTACHED = re.compile(r"Reattached to your pending request (\S+)")


class BenchFailure(Exception):
    """Something broke (a session failed, a phase ran out of time): the run is not valid."""


# -- limits, time budget, holdgate's /proc ---------------------------------------------------

def raise_fd_limit(wanted: int = FD_LIMIT) -> int:
    """Each held connection costs this process one descriptor and holdgate two (four once it
    dials the target); the sshd and holdgate we spawn inherit this limit. Root may raise the
    hard limit; otherwise we settle for it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for limit in ((wanted, max(wanted, hard)), (min(wanted, hard), hard)):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, limit)
            return limit[0]
        except (ValueError, OSError):
            continue
    return soft


class Budget:
    """One deadline for the whole run; every wait takes min(its own cap, what is left), so
    no phase can push the run past --time-limit."""

    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def left(self, cap: float) -> float:
        return max(0.5, min(cap, self.end - time.monotonic()))


def proc_status_kib(pid: int, field_name: str) -> int:
    """A "VmRSS:   1234 kB"-style value from /proc/PID/status, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    raise BenchFailure(f"no {field_name} in /proc/{pid}/status")


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (/proc/PID/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fd_limit_of(pid: int) -> str:
    """holdgate's "Max open files" soft limit, as the kernel sees it."""
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            return line.split()[3]
    return "?"


# -- the world ---------------------------------------------------------------------------------

@contextlib.contextmanager
def bench_target_config(max_startups: int):
    """Two changes to the harness's sshd config, made as its text is generated:

    - MaxStartups: the harness allows 200 unauthenticated connections at once and drops the
      rest; N direct logins (and holdgate's N upstream dials on release) need more. The line
      is replaced, not added (sshd keeps the LAST MaxStartups but the FIRST of most keywords).
    - SetEnv SHLVL=1: bash run by sshd sources ~/.bashrc only as a top-level shell, and this
      makes it a nested one. A heavy root ~/.bashrc (e.g. `pyenv init`, ~100 processes) would
      otherwise cost every login on the target far more than SSH itself, in both the held and
      the direct runs alike, hiding what holdgate adds."""
    original = harness_sshd._sshd_config

    def config(*args, **kwargs) -> str:
        text = re.sub(r"(?im)^\s*MaxStartups\s.*\n?", "", original(*args, **kwargs))
        return text + f"MaxStartups {max_startups}\nSetEnv SHLVL=1\n"

    harness_sshd._sshd_config = config
    try:
        yield
    finally:
        harness_sshd._sshd_config = original


def start_world(root: Path, sessions: int) -> World:
    """Keys, and the target sshd with room for all N handshakes at once (checked with
    `sshd -T`, so a harness change cannot silently bring the drops back)."""
    wanted = max(1000, 2 * sessions)
    with bench_target_config(max_startups=wanted):
        world = make_world(root, people=("bob", "alice", "ivan"))
    effective = subprocess.run([harness_sshd.SSHD, "-T", "-f", str(world.target.config)],
                               capture_output=True, text=True, timeout=10).stdout
    match = re.search(r"^maxstartups (\d+)", effective, re.M)
    if not match or int(match.group(1)) < wanted:
        world.stop()
        raise RuntimeError(f"the target sshd's MaxStartups is not {wanted}: "
                           f"{match.group(0) if match else 'unknown'}")
    return world


def start_gate(world: World, root: Path, sessions: int, connect_timeout: str | None) -> Holdgate:
    """holdgate with the standard policy, alice and ivan both dba reviewers (two approvals
    possible), and room for all N connections to be mid-handshake at once. Its dial timeout
    stays its default (10 s for connect, handshake and authentication together) unless
    --gate-connect-timeout says otherwise: on release all N dial the target at once, and a
    slow target fails them, which is worth seeing."""
    limits = {"max_startups": max(2000, 2 * sessions), "per_source_max_startups": "none",
              "shutdown_grace": "2s"}
    if connect_timeout:
        limits["connect_timeout"] = connect_timeout
    return new_gate(world, root / "gate", limits=limits, edit=with_reviewers()).start()


def ssh_config_value(config: Path, keyword: str) -> str:
    """One keyword's value from a harness-written ssh_config (one Host block)."""
    for line in config.read_text().splitlines():
        words = line.split(None, 1)
        if len(words) == 2 and words[0].lower() == keyword.lower():
            return words[1].strip()
    raise BenchFailure(f"{config} has no {keyword}")


@dataclass
class Endpoint:
    """Where and as whom asyncssh logs in."""
    port: int
    username: str
    key: asyncssh.SSHKey
    known_hosts: str
    methods: str  # preferred auth methods, in order


def gate_endpoint(world: World, gate: Holdgate) -> Endpoint:
    """bob to root@db-1 through holdgate: key first, then the keyboard-interactive hold."""
    return Endpoint(gate.port, ROUTE, asyncssh.read_private_key(world.people["bob"].path),
                    str(gate.known_hosts), "publickey,keyboard-interactive")


def direct_endpoint(world: World) -> Endpoint:
    """root straight to the target sshd, with the harness's direct (fixture self-check) key."""
    client = direct_client(world)
    return Endpoint(world.target.port, "root",
                    asyncssh.read_private_key(ssh_config_value(client.config, "IdentityFile")),
                    ssh_config_value(client.config, "UserKnownHostsFile"), "publickey")


async def ssh_connect(endpoint: Endpoint, timeout: float, factory=None) -> asyncssh.SSHClientConnection:
    """One asyncssh login; `timeout` bounds the TCP connect and the whole authentication,
    including any time spent held."""
    return await asyncssh.connect(
        LOCALHOST, endpoint.port, username=endpoint.username, client_keys=[endpoint.key],
        known_hosts=endpoint.known_hosts, agent_path=None, password=None,
        preferred_auth=endpoint.methods, client_factory=factory,
        connect_timeout=timeout, login_timeout=timeout, keepalive_interval=0)


# -- one held connection -----------------------------------------------------------------------

@dataclass
class Held:
    """What one of bob's connections saw, with monotonic timestamps."""
    index: int
    request_id: str | None = None
    created: bool = False        # answered the reason prompt and made the request
    reattached: bool = False
    held_at: float | None = None  # first "Waiting for approval"
    reviews_seen: int = 0         # "  + alice approved: ..." lines
    review_at: float | None = None  # when the first of them arrived
    told_at: float | None = None  # "Access granted"
    told_cpu: float | None = None  # this process's CPU time then (is the client the bottleneck?)
    done_at: float | None = None  # `whoami` finished
    output: str | None = None
    refusal: str | None = None    # a "holdgate: ..." sentence (denied, expired, ...)
    error: str | None = None
    slot: asyncio.Semaphore | None = field(default=None, repr=False)

    def release_slot(self) -> None:
        """Give the handshake slot back once held (or failed): only handshakes are throttled."""
        if self.slot is not None:
            self.slot.release()
            self.slot = None

    def saw(self, text: str) -> None:
        """One keyboard-interactive instruction (holdgate's progress text) arrived."""
        now = time.monotonic()
        if match := CREATED.search(text):
            self.request_id, self.created = match.group(1), True
        if match := REATTACHED.search(text):
            self.request_id, self.reattached = match.group(1), True
        if "Waiting for approval" in text and self.held_at is None:
            self.held_at = now
            self.release_slot()
        self.reviews_seen += len(re.findall(r"^  \+ \S+ approved", text, re.M))
        if self.reviews_seen and self.review_at is None:
            self.review_at = now
        if "Access granted" in text and self.told_at is None:
            self.told_at, self.told_cpu = now, time.process_time()
        if text.startswith("holdgate:"):
            self.refusal = text

    @property
    def settled(self) -> bool:
        return self.held_at is not None or self.error is not None or self.done_at is not None


class HeldClient(asyncssh.SSHClient):
    """bob's side of the hold: answers every keyboard-interactive round at once (the reason
    prompt with a reason, the zero-prompt progress rounds with nothing), which is exactly what
    lets holdgate keep the connection waiting on an unanswered request."""

    def __init__(self, record: Held):
        self.record = record

    def kbdint_auth_requested(self) -> str:
        return ""  # let the server pick (it has one conversation to offer)

    def kbdint_challenge_received(self, name, instructions, lang, prompts):
        self.record.saw(instructions)
        return [REASON if "reason" in prompt.lower() else "" for prompt, _echo in prompts]


async def held_session(endpoint: Endpoint, record: Held, slots: asyncio.Semaphore,
                       timeout: float) -> None:
    """Connect, be held, and once let through run `whoami` on the target. Never raises:
    whatever went wrong ends up in record.error."""
    await slots.acquire()
    record.slot = slots
    try:
        conn = await ssh_connect(endpoint, timeout, lambda: HeldClient(record))
        async with conn:
            result = await asyncio.wait_for(conn.run("whoami"), timeout)
            record.done_at = time.monotonic()
            record.output = (result.stdout or "").strip()
            if result.exit_status != 0:
                record.error = f"whoami exited {result.exit_status}: {(result.stderr or '').strip()}"
    except (OSError, asyncssh.Error, asyncio.TimeoutError) as err:
        record.error = f"{type(err).__name__}: {err}".strip()
        if record.refusal:
            record.error += f" (holdgate said: {record.refusal})"
    finally:
        record.release_slot()


async def finish(tasks: list[asyncio.Task], timeout: float, what: str) -> None:
    """Wait for every task; BenchFailure if some are still running after `timeout` seconds.
    (asyncio.wait, unlike wait_for(gather()), leaves no orphaned future behind on Ctrl-C.)"""
    _done, pending = await asyncio.wait(tasks, timeout=timeout)
    if pending:
        raise BenchFailure(f"{len(pending)} of {len(tasks)} {what} still running after "
                           f"{timeout:.0f}s")


async def cancel_all(tasks: list[asyncio.Task]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def until(predicate, timeout: float, what: str) -> None:
    """Poll (every 50 ms) until `predicate()`; BenchFailure after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise BenchFailure(f"timed out after {timeout:.0f}s waiting for {what}")
        await asyncio.sleep(0.05)


def failures(records: list[Held]) -> list[str]:
    return [f"session {r.index}: {r.error}" for r in records if r.error]


def check_no_failures(records: list[Held], phase: str) -> None:
    bad = failures(records)
    if bad:
        shown = "\n  ".join(bad[:10]) + (f"\n  ... and {len(bad) - 10} more" if len(bad) > 10 else "")
        raise BenchFailure(f"{len(bad)} of {len(records)} sessions failed {phase}:\n  {shown}")


# -- phases ------------------------------------------------------------------------------------

async def hold_all(endpoint: Endpoint, records: list[Held], concurrency: int,
                   budget: Budget, tasks: list[asyncio.Task]) -> str:
    """Open every connection and wait until all are held; returns the request ID.

    The first one goes alone and creates the request; the others start only once it is held,
    so each finds the pending request and reattaches (no prompt, no second request)."""
    session_timeout = budget.left(3600)
    slots = asyncio.Semaphore(concurrency)
    tasks.append(asyncio.create_task(held_session(endpoint, records[0], slots, session_timeout)))
    await until(lambda: records[0].settled, budget.left(30), "the first connection to be held")
    check_no_failures(records[:1], "to create the request")
    if not records[0].created:
        raise BenchFailure("the first connection was not asked for a reason (a request was "
                           "already pending?)")
    for record in records[1:]:
        tasks.append(asyncio.create_task(held_session(endpoint, record, slots, session_timeout)))
    await until(lambda: all(r.settled for r in records), budget.left(240),
                f"{len(records)} connections to be held")
    check_no_failures(records, "to be held")
    others = {r.request_id for r in records} - {records[0].request_id}
    if others or not all(r.reattached for r in records[1:]):
        raise BenchFailure(f"held connections did not all share request {records[0].request_id}"
                           f" (also: {sorted(others)})")
    return records[0].request_id


async def approve(client: Client, request_id: str, timeout: float) -> float:
    """One reviewer's `request review --approve` through the approvals channel, run by the
    real ssh in a subprocess (so the held connections keep being served meanwhile); returns
    the moment the command returned."""
    argv = client.ssh_argv("approvals", f"request review --approve --reason bench {request_id}")
    proc = await asyncio.create_subprocess_exec(
        *argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=client_env())
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        raise BenchFailure(f"{client.person}'s approval did not return within {timeout:.0f}s")
    returned = time.monotonic()
    if proc.returncode != 0:
        raise BenchFailure(f"{client.person}'s approval failed (exit {proc.returncode}): "
                           f"{out.decode(errors='replace')}{err.decode(errors='replace')}")
    return returned


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


async def direct_logins(endpoint: Endpoint, count: int, budget: Budget) -> list[float]:
    """`count` simultaneous logins straight to the target, each running `whoami`; returns
    each one's seconds from the common start until it printed "root"."""
    async def one() -> float:
        conn = await ssh_connect(endpoint, timeout)
        async with conn:
            result = await asyncio.wait_for(conn.run("whoami"), timeout)
        if (result.stdout or "").strip() != "root":
            raise BenchFailure(f"direct whoami printed {result.stdout!r} {result.stderr!r}")
        return time.monotonic() - started

    timeout = budget.left(240)
    started = time.monotonic()
    tasks = [asyncio.create_task(one()) for _ in range(count)]
    try:
        await finish(tasks, timeout + 5, "direct logins")
    finally:
        await cancel_all(tasks)
    wrong = [t.exception() for t in tasks if t.exception() is not None]
    if wrong:
        raise BenchFailure(f"{len(wrong)} of {count} direct logins failed, e.g. {wrong[0]!r}")
    return [t.result() for t in tasks]


async def settled_fds(pid: int, timeout: float) -> int:
    """holdgate's descriptor count once it stops falling (its relays torn down), so the
    direct run competes with nothing and leftovers show up as leaks."""
    deadline = time.monotonic() + timeout
    count, stable_since = open_fds(pid), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - stable_since < 1.0:
        await asyncio.sleep(0.1)
        now = open_fds(pid)
        if now != count:
            count, stable_since = now, time.monotonic()
    return count


async def one_direct_login(endpoint: Endpoint, timeout: float) -> float:
    """Seconds for a single direct login + `whoami`: what the target alone costs per login."""
    started = time.monotonic()
    conn = await ssh_connect(endpoint, timeout)
    async with conn:
        await asyncio.wait_for(conn.run("whoami", check=True), timeout)
    return time.monotonic() - started


# -- the whole measurement ---------------------------------------------------------------------

@dataclass
class Results:
    sessions: int
    fd_limit_holdgate: str
    rss_before_kib: int
    rss_held_kib: int
    rss_peak_kib: int
    rss_per_session_kib: float
    fds_idle: int
    fds_held: int
    fds_after: int                # once every session has ended; more than idle = leaked
    hold_open_s: float            # opening all N until all were held
    cpu_hold_s: float             # holdgate CPU seconds spent opening and holding them
    cpu_release_s: float          # ... from the first approval until all got through
    first_told_s: float           # from the final approval's return to the first "Access granted"
    told_s: float                 # ... to the last one, 0 if before (target <= 1 s)
    told_from_issue_s: float      # from the final approval command's start to the last one
    told_first_s: float           # first approval: from its command's start to the last told
    told_client_cpu_s: float      # CPU this (client) process used from the final command's start
                                  # to the last told: near told_from_issue_s = client-bound
    through_s: float              # final approval's return to the last "root" through holdgate
    through_p50_s: float          # ... to the median one
    direct_s: float               # N concurrent direct logins + whoami, start to last "root"
    direct_p50_s: float
    direct_one_s: float           # one direct login + whoami on its own (the target's own cost)
    through_vs_direct_ratio: float
    approval_s: float             # how long the final `request review --approve` took


async def measure(world: World, gate: Holdgate, sessions: int, concurrency: int,
                  budget: Budget) -> Results:
    pid = gate.proc.pid
    bob = gate_endpoint(world, gate)
    alice, ivan = (gate_client(world, gate, name) for name in ("alice", "ivan"))
    records = [Held(i) for i in range(sessions)]
    tasks: list[asyncio.Task] = []
    try:
        rss_before, fds_idle, cpu_start = proc_status_kib(pid, "VmRSS"), open_fds(pid), cpu_seconds(pid)
        opened = time.monotonic()
        request_id = await hold_all(bob, records, concurrency, budget, tasks)
        hold_open = time.monotonic() - opened
        await asyncio.sleep(0.5)  # let the last answers be read before counting memory
        rss_held, fds_held, cpu_held = proc_status_kib(pid, "VmRSS"), open_fds(pid), cpu_seconds(pid)

        first_issued = time.monotonic()
        await approve(alice, request_id, budget.left(30))
        # The final approval is timed on a quiet holdgate: every session has been told of the
        # first one (and has answered), so no backlog from it is counted against the second.
        await until(lambda: all(r.reviews_seen or r.error for r in records), budget.left(60),
                    "every held connection to be told of the first approval")
        check_no_failures(records, "while held")
        issued, issued_cpu = time.monotonic(), time.process_time()
        final = await approve(ivan, request_id, budget.left(30))
        await finish(tasks, budget.left(240), "held sessions")
        cpu_through = cpu_seconds(pid)
        check_no_failures(records, "to get through after approval")
        wrong = [r for r in records if r.output != "root" or r.told_at is None]
        if wrong:
            raise BenchFailure(f"{len(wrong)} sessions got through without 'Access granted' "
                               f"or printed something else than root, e.g. {wrong[0]}")
        rss_peak = proc_status_kib(pid, "VmHWM")
        fds_after = await settled_fds(pid, budget.left(10))

        direct = direct_endpoint(world)
        direct_one = await one_direct_login(direct, budget.left(30))
        direct_all = await direct_logins(direct, sessions, budget)
    finally:
        await cancel_all(tasks)

    through = [r.done_at - final for r in records]
    return Results(
        sessions=sessions, fd_limit_holdgate=fd_limit_of(pid),
        rss_before_kib=rss_before, rss_held_kib=rss_held, rss_peak_kib=rss_peak,
        rss_per_session_kib=round((rss_held - rss_before) / sessions, 2),
        fds_idle=fds_idle, fds_held=fds_held, fds_after=fds_after,
        hold_open_s=round(hold_open, 3), cpu_hold_s=round(cpu_held - cpu_start, 2),
        cpu_release_s=round(cpu_through - cpu_held, 2),
        first_told_s=round(min(r.told_at for r in records) - final, 3),
        told_s=round(max(0.0, max(r.told_at for r in records) - final), 3),
        told_from_issue_s=round(max(r.told_at for r in records) - issued, 3),
        told_first_s=round(max(r.review_at for r in records) - first_issued, 3),
        told_client_cpu_s=round(max(r.told_cpu for r in records) - issued_cpu, 3),
        through_s=round(max(through), 3), through_p50_s=round(median(through), 3),
        direct_s=round(max(direct_all), 3), direct_p50_s=round(median(direct_all), 3),
        direct_one_s=round(direct_one, 3),
        through_vs_direct_ratio=round(max(through) / max(direct_all), 3),
        approval_s=round(final - issued, 3))


# -- holdgate's log and the report -------------------------------------------------------------

TROUBLE = ("session-error", "accept-error", "refused", "result=failed", "result=lost",
           "result=gone", "result=refused")


def log_lines(gate: Holdgate) -> list[str]:
    return gate.log_text().splitlines()


def log_summary(gate: Holdgate, skip: int) -> dict:
    """Event counts from holdgate's log after its first `skip` lines (start-up, including the
    harness's readiness probe, which connects and hangs up), the lines that signal trouble,
    and any line that is not an event (a crash message, a libssh complaint)."""
    counts: dict[str, int] = {}
    trouble, other = [], []
    for line in log_lines(gate)[skip:]:
        match = re.search(r" event=(\S+)", line)
        if not match:
            other.append(line)
            continue
        counts[match.group(1)] = counts.get(match.group(1), 0) + 1
        if any(word in line for word in TROUBLE):
            trouble.append(line)
    return {"events": counts, "trouble": trouble, "other": other}


def kib(value: float) -> str:
    return f"{value:.1f} KiB" if value < 10240 else f"{value / 1024:.1f} MiB"


def table(r: Results) -> str:
    """The human-readable report; the JSON file carries the same values. Indented rows are
    context for the row above them."""
    rows = [
        ("held sessions", f"{r.sessions}", ""),
        ("holdgate RSS per held session", kib(r.rss_per_session_kib),
         f"(target ≤ {TARGETS['rss_per_session_kib']:.0f} KiB)"),
        ("  RSS idle / all held / peak",
         f"{kib(r.rss_before_kib)} / {kib(r.rss_held_kib)} / {kib(r.rss_peak_kib)}",
         "(peak: while relaying to the target)"),
        ("  open fds idle / held / after", f"{r.fds_idle} / {r.fds_held} / {r.fds_after}",
         f"(limit {r.fd_limit_holdgate}; after > idle: left open)"),
        ("  opening all until held", f"{r.hold_open_s:.2f} s", f"(holdgate CPU {r.cpu_hold_s:.1f} s)"),
        ("told after final approval", f"{r.told_s:.2f} s",
         f"(target ≤ {TARGETS['told_s']:.0f} s; from the command's return, first {r.first_told_s:+.2f} s)"),
        ("  from the command's start", f"{r.told_from_issue_s:.2f} s",
         f"(the command took {r.approval_s:.2f} s; client CPU meanwhile {r.told_client_cpu_s:.2f} s)"),
        ("  first approval, from its start", f"{r.told_first_s:.2f} s", ""),
        ("all through to target", f"{r.through_s:.2f} s",
         f"(median {r.through_p50_s:.2f} s; holdgate CPU {r.cpu_release_s:.1f} s)"),
        ("direct logins, same count", f"{r.direct_s:.2f} s",
         f"ratio {r.through_vs_direct_ratio:.2f} (target ≤ {TARGETS['through_vs_direct_ratio']:.1f})"),
        ("  median / one on its own", f"{r.direct_p50_s:.2f} s / {r.direct_one_s:.2f} s", ""),
    ]
    return "\n".join(f"{name:<34}{value:<28} {note}".rstrip() for name, value, note in rows)


def report(results: Results, summary: dict, json_path: Path | None) -> None:
    print()
    print(table(results))
    events = ", ".join(f"{k} {v}" for k, v in sorted(summary["events"].items()))
    print(f"\nholdgate log: {events}")
    left_open = results.fds_after - results.fds_idle
    if left_open > 0:
        print(f"note: holdgate still had {left_open} more descriptors open after every session "
              f"had ended than before the first one began")
    for title, lines in (("trouble", summary["trouble"]), ("non-event lines", summary["other"])):
        if lines:
            print(f"holdgate log, {title} ({len(lines)}):\n  " + "\n  ".join(lines[:10]))
    if json_path:
        data = asdict(results) | {"targets": TARGETS, "holdgate_log": summary}
        json_path.write_text(json.dumps(data, indent=2) + "\n")
        print(f"wrote {json_path}")


# -- main --------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=1000, metavar="N",
                        help="held connections (default 1000)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 50 sessions, 60 s limit (for CI)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the values here")
    parser.add_argument("--concurrency", type=int, default=200, metavar="K",
                        help="handshakes in flight while opening held connections (default 200)")
    parser.add_argument("--gate-connect-timeout", metavar="DURATION",
                        help="set holdgate's limits.connect_timeout, e.g. 2m (default: its "
                             "own, 10s)")
    parser.add_argument("--time-limit", type=float, metavar="S",
                        help="bound on the whole run (default 600 s, --quick 60 s)")
    parser.add_argument("--holdgate", metavar="PATH",
                        help="the binary (default: $HOLDGATE_BIN, else build/proxy/holdgate)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the work directory (logs, configs) even on success")
    args = parser.parse_args(argv)
    if args.quick:
        args.sessions = 50
    args.time_limit = args.time_limit or (60.0 if args.quick else 600.0)
    if args.sessions < 2:
        parser.error("--sessions must be at least 2")
    if args.holdgate:
        os.environ["HOLDGATE_BIN"] = str(Path(args.holdgate).resolve())
    return args


def _interrupt(*_) -> None:
    """SIGTERM (CI cancelling the job, `timeout`) cleans up just like Ctrl-C."""
    raise KeyboardInterrupt


def show_log_tails() -> None:
    for title, text in logs.tails(40):
        print(f"--- {title} ---\n{text}", file=sys.stderr)


def run(args: argparse.Namespace, root: Path) -> int:
    """Set up, measure, report; every server is stopped however this ends."""
    budget = Budget(args.time_limit)
    world = gate = None
    skip = 0
    try:
        world = start_world(root, args.sessions)
        gate = start_gate(world, root, args.sessions, args.gate_connect_timeout)
        print(f"holdgate {gate.proc.pid} on 127.0.0.1:{gate.port} (fd limit "
              f"{fd_limit_of(gate.proc.pid)}), target sshd on 127.0.0.1:{world.target.port}; "
              f"{args.sessions} sessions", flush=True)
        time.sleep(0.5)  # start-up settled: memory, descriptors and log are the baseline
        skip = len(log_lines(gate))
        coroutine = measure(world, gate, args.sessions, args.concurrency, budget)
        results = asyncio.run(asyncio.wait_for(coroutine, budget.left(args.time_limit)))
        report(results, log_summary(gate, skip), args.json)
        return 0
    except (BenchFailure, asyncio.TimeoutError) as err:
        print(f"\nheld_sessions: FAILED: {err or 'the run exceeded --time-limit'}", file=sys.stderr)
        if gate is not None:
            summary = log_summary(gate, skip)
            print(f"holdgate alive: {gate.alive()}; trouble lines: {len(summary['trouble'])}",
                  file=sys.stderr)
        show_log_tails()
        return 1
    finally:
        if gate is not None:
            gate.stop()
        if world is not None:
            world.stop()


def run_in_work_dir(name: str, prefix: str, keep: bool, body, finish=lambda: None) -> int:
    """Runs `body(root)` in a new work directory and turns how it ended into the exit status:
    its own status, 130 when interrupted, 2 when the world could not be set up. `finish` runs
    in any case; the directory is removed on success unless `keep`, else kept and named."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    code = 1
    try:
        code = body(root)
    except KeyboardInterrupt:
        print(f"\n{name}: interrupted", file=sys.stderr)
        code = 130
    except (RuntimeError, OSError) as err:  # the harness could not start sshd or holdgate
        print(f"{name}: cannot set up: {err}", file=sys.stderr)
        code = 2
    finally:
        finish()
        if code == 0 and not keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"work directory kept: {root}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    logging.getLogger("asyncssh").setLevel(logging.CRITICAL)  # failures are reported per session
    try:
        require_bin()
    except FileNotFoundError as err:
        print(f"held_sessions: {err}", file=sys.stderr)
        return 2
    print(f"fd limit {raise_fd_limit()}", flush=True)
    return run_in_work_dir("held_sessions", "holdgate-bench-", args.keep,
                           lambda root: run(args, root))


if __name__ == "__main__":
    sys.exit(main())
