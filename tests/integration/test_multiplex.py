"""Many sessions at once: parallel connections, and several sessions over one connection."""
from __future__ import annotations

import re
import select
import shutil
import subprocess
import tempfile
import time

import pytest

from harness.client import client_env
from harness.world import gate_client


def test_twenty_concurrent_sessions(world, make_gate):
    """20 connections, each sleeping 1 s: all succeed, and in parallel (one after another
    would take over 20 s). The default limits, like sshd's, would drop some of 20 handshakes
    at once from one address (max_startups 10:30:100, per_source_max_startups 8)."""
    gate = make_gate(limits={"max_startups": 64, "per_source_max_startups": 32})
    alice = gate_client(world, gate, "alice")
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
def shared(alice):
    """ssh options for OpenSSH connection sharing (the first use starts the master); the
    master is told to exit afterwards. ControlPath is a Unix socket, limited to ~100 bytes:
    pytest's tmp_path is too long for it."""
    path = tempfile.mkdtemp(prefix="hg-cm-", dir="/tmp")
    options = ("-o", "ControlMaster=auto", "-o", f"ControlPath={path}/%C",
               "-o", "ControlPersist=30")
    yield options
    try:
        alice.ssh("root@db-1", options=options + ("-O", "exit"), timeout=10)
    except Exception:  # no master (or a stuck one): it dies with holdgate's connection
        pass
    shutil.rmtree(path, ignore_errors=True)


def test_control_master_multiplexes_sessions(alice, shared):
    """OpenSSH connection sharing: several session channels over one holdgate connection."""
    for i in range(3):
        r = alice.ssh("root@db-1", f"echo session-{i}", options=shared)
        assert (r.returncode, r.stdout) == (0, f"session-{i}\n"), r
    r = alice.ssh("root@db-1", options=shared + ("-O", "check"))
    assert r.returncode == 0 and "Master running" in r.stderr, r


def test_typing_stays_prompt_beside_a_bulk_upload_on_the_same_connection(alice, shared):
    """holdgate gathers bulk data into larger batches while more keeps arriving from a leg;
    a line typed into another session of the same connection must not wait for the upload to
    pause. Each line's echo comes back within a second while the upload is still running."""
    upload = echo = None
    try:
        r = alice.ssh("root@db-1", "true", options=shared)  # starts the master
        assert r.returncode == 0, r
        # Bounded: 4 GiB, or 60 s, whichever ends first; it only has to outlast the checks.
        upload = subprocess.Popen(
            ["bash", "-c", 'head -c 4G /dev/zero | timeout 60 "$@"', "upload",
             *alice.ssh_argv("root@db-1", "cat > /dev/null", options=shared)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            env=client_env())
        time.sleep(1.0)
        assert upload.poll() is None, upload.stderr.read()
        echo = subprocess.Popen(
            alice.ssh_argv("root@db-1", "while read line; do echo got:$line; done",
                           options=shared),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=client_env(), bufsize=0)
        waits = []
        for i in range(5):
            started = time.monotonic()
            echo.stdin.write(f"line-{i}\n".encode())
            ready, _, _ = select.select([echo.stdout], [], [], 10)
            assert ready, f"no echo of line-{i} within 10 s"
            assert echo.stdout.readline() == f"got:line-{i}\n".encode()
            waits.append(time.monotonic() - started)
        assert upload.poll() is None, "the upload ended before the lines were typed"
        assert max(waits) < 1.0, [f"{w:.3f}" for w in waits]
    finally:
        for proc in (echo, upload):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()


def test_the_eleventh_session_on_one_connection_is_refused_and_the_ten_go_on(alice):
    """limits.max_sessions (10, as sshd's MaxSessions): an 11th session channel over one
    connection gets the SSH-level open failure (the master logs OpenSSH's usual "open failed:
    administratively prohibited"; the client then falls back to a connection of its own, as it
    does against sshd); the ten open sessions are not disturbed and finish normally."""
    control = tempfile.mkdtemp(prefix="hg-cm-", dir="/tmp")  # a Unix socket path: keep it short
    options = ("-S", f"{control}/master", "-o", "ControlMaster=no")
    master = subprocess.Popen(  # in the foreground, logging at INFO, with no session of its own
        alice.ssh_argv("root@db-1", options=("-M", "-S", f"{control}/master", "-N",
                                              "-o", "LogLevel=INFO")),
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env=client_env())
    sessions = []
    try:
        deadline = time.monotonic() + 10
        while alice.ssh("root@db-1", options=options + ("-O", "check")).returncode != 0:
            assert time.monotonic() < deadline and master.poll() is None, "no master"
            time.sleep(0.1)
        for i in range(10):
            sessions.append(subprocess.Popen(
                alice.ssh_argv("root@db-1", f"echo open-{i}; read line; echo done-{i}",
                               options=options),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env=client_env(), bufsize=0))
        for i, session in enumerate(sessions):  # all ten are open before the eleventh tries
            ready, _, _ = select.select([session.stdout], [], [], 10)
            assert ready and session.stdout.readline() == f"open-{i}\n".encode()
        r = alice.ssh("root@db-1", "echo eleventh", options=options)
        assert "Session open refused by peer" in r.stderr, r
        for i, session in enumerate(sessions):
            out, err = session.communicate(b"\n", timeout=10)
            assert (session.returncode, out) == (0, f"done-{i}\n".encode()), err
    finally:
        for proc in sessions + [master]:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        shutil.rmtree(control, ignore_errors=True)
    log = master.stderr.read().decode()
    assert re.search(r"channel \d+: open failed: administratively prohibited", log), log
