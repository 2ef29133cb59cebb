"""Fixtures for holdgate's integration tests.

The world (see harness/world.py): one OpenSSH sshd on 127.0.0.1 playing target db-1, people
bob, alice, ivan and mallory with their own ed25519 keys, and holdgate in front with the
standard policy: alice may log in as root on db-1, bob may not, mallory is unknown.

Fixtures:
  world         session: keys + the running target sshd
  gate          session: a holdgate with the standard config (fails clearly if it died)
  alice/bob/ivan/mallory   that person's Client for `gate`
  make_gate     factory: a holdgate with tweaks (limits, another upstream key, ...), stopped
                after the test
  direct        a Client that logs in to the target sshd itself, bypassing holdgate
  postgres      session: a real PostgreSQL (harness/postgres.py), started on first use
  postgres_dsn  the DSN of a fresh, empty database on it (for `storage: {postgres: ...}`)

Every server is stopped in a finalizer, and a failing test's report gets the tail of every
running server's log appended (hook below).
"""
from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import pytest

from harness import logs
from harness.postgres import PostgresServer
from harness.procs import tail
from harness.world import direct_client, gate_client, make_world, new_gate


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Attach holdgate's and sshd's log tails to the report of a failed setup or test."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and report.when in ("setup", "call"):
        for title, text in logs.tails():
            report.sections.append((title, text))


@pytest.fixture(scope="session")
def world(tmp_path_factory):
    w = make_world(tmp_path_factory.mktemp("world"))
    yield w
    w.stop()


@pytest.fixture(scope="session")
def _session_gate(world, tmp_path_factory):
    gate = new_gate(world, tmp_path_factory.mktemp("gate"))
    try:
        gate.start()
    except (FileNotFoundError, RuntimeError) as err:
        pytest.fail(f"cannot start holdgate: {err}", pytrace=False)
    yield gate
    gate.stop()


@pytest.fixture
def gate(_session_gate):
    """The shared holdgate; a test that finds it dead fails instead of timing out."""
    if not _session_gate.alive():
        pytest.fail(f"holdgate exited (code {_session_gate.proc.returncode}) during an earlier "
                    f"test; log tail:\n{tail(_session_gate.log)}", pytrace=False)
    return _session_gate


@pytest.fixture
def make_gate(world, tmp_path):
    """`make_gate(limits=..., upstream_identity=..., edit=...)` -> a started Holdgate with
    that variant of the standard config; stopped when the test ends."""
    started = []
    counter = itertools.count(1)

    def make(**kwargs):
        n = next(counter)
        gate = new_gate(world, tmp_path / f"gate{n}", name=f"holdgate #{n}", **kwargs)
        started.append(gate)
        try:
            gate.start()
        except (FileNotFoundError, RuntimeError) as err:
            pytest.fail(f"cannot start holdgate: {err}", pytrace=False)
        return gate

    yield make
    for gate in started:
        gate.stop()


@pytest.fixture(scope="session")
def postgres():
    # Not under pytest's tmp dir: that is private to root, and the server runs as postgres.
    try:
        server = PostgresServer(Path(tempfile.mkdtemp(prefix="holdgate-pg-")))
    except (OSError, RuntimeError) as err:
        pytest.fail(f"{err} (tests/setup.sh installs postgresql-15)", pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def postgres_dsn(postgres):
    return postgres.new_database()


@pytest.fixture(scope="session")
def direct(world):
    return direct_client(world)


def _person(name):
    @pytest.fixture
    def client(world, gate):
        return gate_client(world, gate, name)
    client.__doc__ = f"{name}'s ssh client setup for the shared holdgate."
    return client


alice = _person("alice")
bob = _person("bob")
ivan = _person("ivan")
mallory = _person("mallory")
