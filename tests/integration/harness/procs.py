"""Process and port plumbing shared by every fixture.

Everything here is bounded: waits take a timeout, and stopping a process always ends in SIGKILL,
so a wedged holdgate or sshd can never hang the suite or outlive it.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

LOCALHOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (bind to 0, read it back, close).

    Racy by nature, but CTest runs at most a few files side by side, so collisions are rare.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOCALHOST, 0))
        return sock.getsockname()[1]


def port_accepts(port: int, host: str = LOCALHOST, timeout: float = 0.5) -> bool:
    """True when a TCP connect to host:port succeeds right now."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def tail(path: Path | None, lines: int = 60) -> str:
    """The last `lines` lines of a log file, or a note saying why there are none."""
    if path is None:
        return "(no log file)"
    try:
        text = Path(path).read_text(errors="replace")
    except OSError as err:
        return f"(cannot read {path}: {err})"
    return "\n".join(text.splitlines()[-lines:]) or "(empty)"


def wait_for_port(port: int, proc: subprocess.Popen, what: str, log: Path | None,
                  timeout: float = 10.0) -> None:
    """Wait until `proc` accepts TCP on `port`; fail early (with its log) if it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code = proc.poll()
        if code is not None:
            raise RuntimeError(f"{what} exited with code {code} before listening on port {port}"
                               f"; log tail:\n{tail(log)}")
        if port_accepts(port):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on port {port} within {timeout:g}s; "
                       f"log tail:\n{tail(log)}")


def spawn(argv: list[str], log: Path | None, env: dict | None = None) -> subprocess.Popen:
    """Start a long-running server in its own session (so a Ctrl-C aimed at pytest or the
    playground does not reach it, and we can signal its whole process group), with stdout and
    stderr going to `log` (or to our terminal when `log` is None)."""
    out = open(log, "ab") if log is not None else None
    try:
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT if out else None,
                                env=env, start_new_session=True)
    finally:
        if out is not None:
            out.close()  # the child has its own copy


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    """Signal the process group we created for `proc` (its pgid is its pid). Only called while
    `proc` is unreaped, so the pgid cannot have been recycled for someone else's process."""
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop(proc: subprocess.Popen | None, grace: float = 5.0) -> int | None:
    """SIGTERM, wait up to `grace` seconds, then SIGKILL. Returns the exit code.

    Signals the process group, so helpers the server forked into it die with it.
    """
    if proc is None:
        return None
    if proc.poll() is None:
        _signal_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
    try:
        return proc.wait(timeout=5)
    except subprocess.TimeoutExpired:  # unkillable (stuck in the kernel): nothing more to do
        return None


def wait_until(predicate, timeout: float, interval: float = 0.05) -> bool:
    """Poll `predicate` until it is true or `timeout` seconds pass; returns its last verdict."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def rss_kib(pid: int) -> int:
    """A process's resident memory now, in KiB (VmRSS in /proc/PID/status)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS line for process {pid}")
