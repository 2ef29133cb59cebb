"""ProxyJump clients: an ~/.ssh/config that reaches targets through the bastion, as the README
recommends (`ssh root@db-1` with `ProxyJump bastion`)."""
from __future__ import annotations

from pathlib import Path

from .client import client_options
from .holdgate import run_cli
from .procs import LOCALHOST


def jump_config(world, gate, path: Path, person: str, inner_person: str | None = None,
                port: int | None = None) -> Path:
    """An ~/.ssh/config as the README recommends: the targets reached through the bastion.
    `port`: where the client dials the bastion, if not its own port (a relay in front)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    known_hosts = path.parent / "known_hosts"
    r = run_cli("known-hosts", "--config", gate.config_path)
    assert r.returncode == 0, r.stderr
    port = port or gate.port
    known_hosts.write_text(r.stdout.replace(f"[{LOCALHOST}]:{gate.port} ", f"[{LOCALHOST}]:{port} "))
    outer = world.people[person].path
    inner = world.people[inner_person or person].path
    path.write_text(f"""\
Host bastion
  HostName {LOCALHOST}
  Port {port}
  IdentityFile {outer}
Host db-* dead-*
  ProxyJump bastion
  IdentityFile {inner}
Host *
""" + client_options(known_hosts=known_hosts))
    return path
