"""The client side of bench/compare.py: the paths' ssh configs, and the ssh processes it
starts, reads and reaps (every one still running is killed on any exit)."""
from __future__ import annotations

import os
import select
import subprocess
import time
from pathlib import Path

from held_sessions import Budget  # noqa: E402  (it also puts tests/integration on sys.path)

from harness.client import client_env, client_options  # noqa: E402
from harness.holdgate import Holdgate, run_cli  # noqa: E402
from harness.procs import LOCALHOST  # noqa: E402
from harness.world import World, direct_client  # noqa: E402

PATHS = ("direct", "openssh-jump", "holdgate", "holdgate-jump")
CIPHERS = ("chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com")
ROUTE = "root@db-1"
PERSON = "alice"  # the standard policy lets alice (role dba) log in as root on db-1
CHUNK = 1 << 20

_children: set[subprocess.Popen] = set()  # every ssh still running; killed on any exit


class BenchFailure(Exception):
    """Something broke: the run is not valid."""


# -- the client side ---------------------------------------------------------------------------

def write_configs(world: World, gate: Holdgate, root: Path,
                  kex: str | None = None) -> dict[str, Path]:
    """One ssh_config per cipher (plus "default", no Ciphers line). `Ciphers` sits in `Host *`,
    so it applies to the inner connection AND to the jump hop (which -c/-o would not reach)."""
    direct = direct_client(world)  # authorizes the harness's "tester" key on the target
    tester_key = next(l.split(None, 1)[1] for l in direct.config.read_text().splitlines()
                      if l.strip().startswith("IdentityFile"))
    known = root / "known_hosts"
    lines = run_cli("known-hosts", "--config", str(gate.config_path))
    if lines.returncode != 0:
        raise RuntimeError(f"holdgate known-hosts failed: {lines.stderr}")
    known.write_text(world.target.known_hosts_line() + "\n" + lines.stdout)
    alice = world.people[PERSON].path
    common = ("Host *\n" + client_options(known_hosts=known, connect_timeout=60)
              + "  ControlMaster no\n  ControlPath none\n"
              + (f"  KexAlgorithms {kex}\n" if kex else ""))
    hosts = f"""\
Host target jumphost
  HostName {LOCALHOST}
  Port {world.target.port}
  User root
  IdentityFile {tester_key}
Host target-jump
  HostName {LOCALHOST}
  Port {world.target.port}
  User root
  IdentityFile {tester_key}
  ProxyJump jumphost
Host holdgate bastion
  HostName {LOCALHOST}
  Port {gate.port}
  IdentityFile {alice}
Host db-1
  ProxyJump bastion
  IdentityFile {alice}
"""
    configs = {}
    for name, cipher in (("default", None), *((c, c) for c in CIPHERS)):
        path = root / f"ssh_config.{name.split('@')[0]}"
        path.write_text(hosts + common + (f"  Ciphers {cipher}\n" if cipher else ""))
        configs[name] = path
    return configs


def negotiated(config: Path, budget: Budget) -> dict[str, list[str]]:
    """Which key exchange each hop the OpenSSH client makes negotiates (from `ssh -v`; the
    ProxyJump child ssh inherits -v). holdgate's own upstream hop is not visible here."""
    import re
    result = {}
    for path in PATHS:
        proc = spawn(ssh_argv(config, path, "true", "-v"), stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            err = proc.communicate(timeout=budget.left(30))[1].decode(errors="replace")
        except subprocess.TimeoutExpired:
            err = ""
        reap(proc)
        result[path] = re.findall(r"kex: algorithm: (\S+)", err)
    return result


def ssh_argv(config: Path, path: str, command: str, *options: str) -> list[str]:
    base = ["ssh", "-F", str(config), *options]
    return base + {"direct": ["target"], "openssh-jump": ["target-jump"],
                   "holdgate": ["-l", ROUTE, "holdgate"], "holdgate-jump": [ROUTE]}[path] \
        + [command]


def spawn(argv: list[str], **kwargs) -> subprocess.Popen:
    proc = subprocess.Popen(argv, env=client_env(), **kwargs)
    _children.add(proc)
    return proc


def reap(proc: subprocess.Popen, timeout: float = 5) -> int:
    """Wait for `proc` (killing it after `timeout`); its exit code."""
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = proc.wait()
    if proc.stderr and not proc.stderr.closed and not hasattr(proc, "err_text"):
        try:  # it has exited: whatever it wrote is there, nothing more will come
            os.set_blocking(proc.stderr.fileno(), False)
            proc.err_text = (proc.stderr.read() or b"").decode(errors="replace").strip()[-500:]
        except (OSError, ValueError):
            proc.err_text = ""
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream:
            stream.close()
    _children.discard(proc)
    return code


def kill_children() -> None:
    for proc in list(_children):
        if proc.poll() is None:
            proc.kill()
        reap(proc)


def read_until(fd: int, marker: bytes, deadline: float) -> bytes:
    got = b""
    while marker not in got:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise BenchFailure(f"timed out waiting for {marker!r} (got {got[-200:]!r})")
        data = os.read(fd, 4096)
        if not data:
            raise BenchFailure(f"EOF before {marker!r} (got {got[-200:]!r})")
        got += data
    return got


def stderr_of(proc: subprocess.Popen) -> str:
    """What ssh wrote to stderr (read when it was reaped)."""
    return getattr(proc, "err_text", "")
