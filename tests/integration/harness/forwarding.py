"""Helpers for the forwarding tests (issue 18): a config edit granting `forwarding:`, the audit
trail's events, `ssh -N` with forwards in the background, waiting for a forward's listener."""
from __future__ import annotations

import json
import subprocess

from .holdgate import run_cli
from .procs import wait_until
from .tcp_servers import listening

MIB = 1 << 20


def with_forwarding(forwarding: dict | None, *, rule: dict | None = None):
    """An edit for make_gate: role dba (alice's) gets `forwarding` role-wide, and its allow
    rule gets `rule` as a rule's own forwarding."""
    def edit(config):
        for role in config["roles"]:
            if role["name"] == "dba":
                if forwarding is not None:
                    role["forwarding"] = forwarding
                if rule is not None:
                    role["allow"][0]["forwarding"] = rule
    return edit


def audit_events(gate, kind: str) -> list[dict]:
    r = run_cli("audit", "export", "--config", str(gate.config_path), "--format", "json")
    assert r.returncode == 0, r
    return [e for e in map(json.loads, r.stdout.splitlines()) if e["kind"] == kind]


def wait_for_audit(gate, kind: str, predicate, timeout: float = 10) -> list[dict]:
    found: list[dict] = []

    def check():
        found[:] = [e for e in audit_events(gate, kind) if predicate(e)]
        return bool(found)
    wait_until(check, timeout, interval=0.2)
    return found


class Background:
    """`ssh -N ...` (forwards only, no session channel) running until the with-block ends."""

    def __init__(self, client, *options: str):
        # LogLevel INFO: ssh then reports a refused channel ("administratively prohibited").
        self.proc = client.popen("root@db-1", options=("-N", "-o", "ExitOnForwardFailure=yes",
                                                       "-o", "LogLevel=INFO",
                                                       *options))
        self.stderr = ""

    def __enter__(self) -> "Background":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            _, err = self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate(timeout=10)
        self.stderr = err.decode(errors="replace")
        return self.stderr


def wait_listening(port: int, proc, timeout: float = 15) -> None:
    """Until something listens on `port`, while `proc` (a Popen or a pexpect child) runs."""
    alive = proc.isalive if hasattr(proc, "isalive") else (lambda: proc.poll() is None)
    assert wait_until(lambda: listening(port) or not alive(), timeout), f"nothing listens on {port}"
    assert alive(), "ssh exited before its forward was set up"
