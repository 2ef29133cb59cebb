"""Many sessions at once: parallel connections, and several sessions over one connection."""
from __future__ import annotations

import shutil
import tempfile
import time

import pytest


def test_twenty_concurrent_sessions(alice):
    """20 connections, each sleeping 1 s: all succeed, and in parallel (one after another
    would take over 20 s)."""
    started = time.monotonic()
    procs = [alice.popen("root@db-1", "sleep 1; echo $((6*7))") for _ in range(20)]
    try:
        results = [p.communicate(timeout=30) + (p.returncode,) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    elapsed = time.monotonic() - started
    failures = [(code, err.decode()) for out, err, code in results if (code, out) != (0, b"42\n")]
    assert not failures, failures
    assert elapsed < 18, f"20 parallel sessions took {elapsed:.1f}s: not run in parallel?"


@pytest.fixture
def short_dir():
    """ControlPath is a Unix socket, limited to ~100 bytes: pytest's tmp_path is too long."""
    path = tempfile.mkdtemp(prefix="hg-cm-", dir="/tmp")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_control_master_multiplexes_sessions(alice, short_dir):
    """OpenSSH connection sharing: several session channels over one holdgate connection."""
    options = ("-o", "ControlMaster=auto", "-o", f"ControlPath={short_dir}/%C",
               "-o", "ControlPersist=30")
    try:
        for i in range(3):
            r = alice.ssh("root@db-1", f"echo session-{i}", options=options)
            assert (r.returncode, r.stdout) == (0, f"session-{i}\n"), r
        r = alice.ssh("root@db-1", options=options + ("-O", "check"))
        assert r.returncode == 0 and "Master running" in r.stderr, r
    finally:
        try:
            alice.ssh("root@db-1", options=options + ("-O", "exit"), timeout=10)
        except Exception:  # no master (or a stuck one): it dies with holdgate's connection
            pass
