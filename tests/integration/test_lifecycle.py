"""Stopping holdgate: SIGTERM stops accepting at once, lets live sessions finish (up to
limits.shutdown_grace), then exits 0."""
from __future__ import annotations

import pytest

from harness.procs import port_accepts, wait_until
from harness.world import gate_client


def start_session(client, marker, seconds: int):
    """An ssh session that is verifiably running on the target (marker file) before we go on."""
    proc = client.popen("root@db-1", f"touch {marker}; sleep {seconds}; echo done")
    if not wait_until(marker.exists, timeout=15):
        proc.kill()
        out, err = proc.communicate(timeout=5)
        pytest.fail(f"session did not start (exit {proc.returncode}): {err.decode()}")
    return proc


def finish(proc, timeout: float):
    """(exit code, stdout, stderr) of a background ssh, killing it if it overstays."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except Exception:
        proc.kill()
        out, err = proc.communicate(timeout=5)
        pytest.fail(f"ssh still running after {timeout}s; stderr: {err.decode()}")
    return proc.returncode, out.decode(), err.decode()


def test_idle_sigterm_exits_zero_promptly(make_gate):
    gate = make_gate()
    gate.terminate()
    assert gate.wait(timeout=5) == 0


def test_sigterm_drains_live_session(make_gate, world, tmp_path):
    gate = make_gate()
    alice = gate_client(world, gate, "alice")
    session = start_session(alice, tmp_path / "started", seconds=3)
    try:
        gate.terminate()
        assert wait_until(lambda: not port_accepts(gate.port), timeout=2), \
            "still accepting connections 2s after SIGTERM"
        late = alice.ssh("root@db-1", "true", timeout=15)
        assert late.returncode != 0, late
        code, out, err = finish(session, timeout=20)
        assert (code, out) == (0, "done\n"), err
        assert gate.wait(timeout=5) == 0, "holdgate did not exit 0 once the session ended"
    finally:
        if session.poll() is None:
            session.kill()
            session.wait()


def test_shutdown_grace_ends_overlong_sessions(make_gate, world, tmp_path):
    gate = make_gate(limits={"shutdown_grace": "2s"})
    alice = gate_client(world, gate, "alice")
    session = start_session(alice, tmp_path / "started", seconds=60)
    try:
        gate.terminate()
        assert gate.wait(timeout=7) is not None, "holdgate outlived shutdown_grace by 5s"
        code, out, _ = finish(session, timeout=5)
        assert code != 0 and "done" not in out
    finally:
        if session.poll() is None:
            session.kill()
            session.wait()
