#!/usr/bin/python3
"""Several bastions on one state (issue 14): how fast an approval made on one bastion releases
a session held on another, beside the same on one bastion, on SQLite (two processes, one
file) and on PostgreSQL (two processes, one database); and what a login costs on each backend.

    /usr/bin/python3 bench/bastions.py                # 20 approvals per case, about 2 minutes
    /usr/bin/python3 bench/bastions.py --approvals 5  # quicker
    /usr/bin/python3 bench/bastions.py --json b.json

Each approval: bob's real `ssh -t root@db-1` on bastion B under a pty is held (the reason typed
at the prompt), then alice's real `ssh approvals@X request review --approve ID` runs on X = B
(local) or X = A (across bastions). The time is from the reviewer's command starting to bob's
terminal showing "Access granted" (the reviewer's own SSH login included: what a person
waits), so across-minus-local is what the fan-out adds. A login: `ssh root@db-1 true` through
A, allowed by policy (connection setup, decision, audit event, upstream dial). Numbers are
printed, never asserted; exit 0 when the run completed, 1 when something failed, 2 when the
world could not be set up. See bench/README.md.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from held_sessions import run_in_work_dir  # noqa: E402  (it puts tests/integration on sys.path)

from harness.holdgate import require_bin  # noqa: E402
from harness.postgres import PostgresServer  # noqa: E402
from harness.world import make_world, new_gate  # noqa: E402
from test_escalation import spawn  # noqa: E402
from test_several_bastions import clients, held, policy  # noqa: E402


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def start_bastions(world, root: Path, backend: str, dsn: str | None):
    limits = {"per_source_max_startups": "none", "shutdown_grace": "2s"}
    a = new_gate(world, root / f"{backend}-a", name="bastion A", edit=policy, limits=limits)
    b = new_gate(world, root / f"{backend}-b", name="bastion B", edit=policy, limits=limits)
    if dsn is None:
        b.config["state_dir"] = a.config["state_dir"]
    else:
        for gate in (a, b):
            gate.config["storage"] = {"postgres": dsn}
        b.config["host_keys"] = [str(Path(a.config["state_dir"]) / "ssh_host_ed25519_key")]
    a.start()
    b.start()
    return a, b


def approval_to_release(world, a, b, across: bool, count: int) -> list[float]:
    on_a, on_b = clients(world, a), clients(world, b)
    reviewer = (on_a if across else on_b)["alice"]
    times = []
    for _ in range(count):
        child = spawn(on_b["bob"], "root@db-1", "-t")
        try:
            request_id = held(child)
            started = time.monotonic()
            done = reviewer.ssh("approvals", f"request review --approve {request_id}")
            if done.returncode != 0:
                raise RuntimeError(f"the approval failed: {done}")
            child.expect("Access granted until .* UTC. Connecting to db-1", timeout=10)
            times.append(time.monotonic() - started)
            child.sendline("exit")
        finally:
            child.close(force=True)
        # Drop it again so bob's next try is held, not let in by this grant.
        dropped = on_b["bob"].ssh("approvals", f"request drop {request_id}")
        if dropped.returncode != 0:
            raise RuntimeError(f"the drop failed: {dropped}")
    return times


def login_times(world, gate, count: int) -> list[float]:
    alice = clients(world, gate)["alice"]
    times = []
    for _ in range(count):
        started = time.monotonic()
        done = alice.ssh("root@db-1", "true")
        if done.returncode != 0:
            raise RuntimeError(f"alice's login failed: {done}")
        times.append(time.monotonic() - started)
    return times


def summary(values: list[float]) -> dict:
    return {"p50_ms": statistics.median(values) * 1e3, "p99_ms": percentile(values, 99) * 1e3,
            "n": len(values)}


def run(args, root: Path) -> int:
    world = make_world(root / "world", people=("bob", "alice", "ivan"))
    postgres = PostgresServer(Path(tempfile.mkdtemp(prefix="holdgate-pg-")))
    results: dict[str, dict] = {}
    try:
        for backend in ("sqlite", "postgres"):
            dsn = postgres.new_database() if backend == "postgres" else None
            a, b = start_bastions(world, root, backend, dsn)
            try:
                print(f"{backend}: logins", flush=True)
                results[f"{backend}|login"] = summary(login_times(world, a, args.logins))
                for across in (False, True):
                    case = "across" if across else "local"
                    print(f"{backend}: approvals, {case}", flush=True)
                    results[f"{backend}|{case}"] = summary(
                        approval_to_release(world, a, b, across, args.approvals))
            finally:
                b.stop()
                a.stop()
    finally:
        postgres.stop()
        world.stop()
    print()
    print("reviewer's command to held session released, ms (p50 / p99); login through A, ms")
    for backend in ("sqlite", "postgres"):
        local, across = results[f"{backend}|local"], results[f"{backend}|across"]
        login = results[f"{backend}|login"]
        print(f"  {backend:<8} same bastion {local['p50_ms']:6.0f} / {local['p99_ms']:6.0f}   "
              f"across {across['p50_ms']:6.0f} / {across['p99_ms']:6.0f}   "
              f"(+{across['p50_ms'] - local['p50_ms']:.0f} p50)   "
              f"login {login['p50_ms']:5.0f} / {login['p99_ms']:5.0f}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--approvals", type=int, default=20, help="approvals per case")
    parser.add_argument("--logins", type=int, default=30, help="logins per backend")
    parser.add_argument("--json", help="also write the numbers here")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args(argv)
    try:
        require_bin()
    except FileNotFoundError as err:
        print(f"bastions: {err}", file=sys.stderr)
        return 2
    return run_in_work_dir("bastions", "holdgate-bench-", args.keep, lambda root: run(args, root))


if __name__ == "__main__":
    sys.exit(main())
