"""The whole test world in one place: people's keys, the target sshd, and holdgates in front
of it. conftest.py turns these into fixtures; tests/playground.py uses them directly."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .client import Client, write_ssh_config
from .gate_config import standard_config
from .holdgate import Holdgate
from .keys import PEOPLE, Key, generate_key, generate_people
from .procs import free_port
from .sshd import Target


@dataclass
class World:
    root: Path
    people: dict[str, Key]   # bob, alice, ivan, mallory
    upstream: Key            # holdgate's key for logging in to targets (authorized on db-1)
    target: Target           # the sshd playing db-1 (and unknown-key-1)
    known_hosts: Path        # holdgate's upstream known_hosts: db-1's host key only
    dead_port: int           # nothing listens here (dead-1)

    def stop(self) -> None:
        self.target.stop()


def make_world(root: Path, people=PEOPLE) -> World:
    """Generate keys (reusing any already in `root`) and start the target sshd.
    The caller must call `world.stop()`."""
    root = Path(root)
    keys = generate_people(root / "keys", people)
    upstream = generate_key(root / "upstream_ed25519", "holdgate-upstream")
    target = Target(root / "target")
    target.authorize(upstream)
    target.start()
    known_hosts = root / "known_hosts"
    known_hosts.write_text(target.known_hosts_line() + "\n")
    return World(root, keys, upstream, target, known_hosts, free_port())


def new_gate(world: World, workdir: Path, *, port: int | None = None,
             upstream_identity: Path | None = None, limits: dict | None = None,
             edit=None, name: str = "holdgate", log_to_file: bool = True) -> Holdgate:
    """A holdgate (not yet started) with the standard config (see gate_config.py).

    `upstream_identity` defaults to the world's authorized upstream key; `edit(config)` may
    change the config dict in place before it is written.
    """
    workdir = Path(workdir)
    config = standard_config(
        listen_port=port or free_port(), state_dir=workdir / "state",
        upstream_identity=upstream_identity or world.upstream.path,
        known_hosts=world.known_hosts, target_port=world.target.port,
        dead_port=world.dead_port, people=world.people, limits=limits)
    if edit:
        edit(config)
    return Holdgate(workdir, config, name=name, log_to_file=log_to_file)


def gate_client(world: World, gate: Holdgate, person: str, alias: str = "holdgate") -> Client:
    """`person`'s ssh setup for reaching `gate` (which must have been started: the client
    trusts the host key it reported)."""
    config = write_ssh_config(gate.dir / "clients" / f"{person}.ssh_config", alias=alias,
                              port=gate.port, identity=world.people[person].path,
                              known_hosts=gate.known_hosts)
    return Client(config, alias, person)


def direct_client(world: World) -> Client:
    """A client that bypasses holdgate and logs straight in to the target sshd with a key of
    its own: proves the fixture works independently of holdgate."""
    key = generate_key(world.root / "keys" / "tester", "tester")
    world.target.authorize(key)
    known_hosts = world.root / "direct_known_hosts"
    known_hosts.write_text(world.target.known_hosts_line() + "\n")
    config = write_ssh_config(world.root / "direct.ssh_config", alias="target",
                              port=world.target.port, identity=key.path,
                              known_hosts=known_hosts)
    return Client(config, "target", "tester")
