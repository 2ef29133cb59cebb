"""Storage off the event loop (issue 14, section 3).

Every storage call runs on holdgate's storage worker, never on the loop the sessions run on:
with a slow database (`storage: {debug_latency: ...}`) one person's keystrokes still echo at
once while others log in and run approvals commands; with a database that cannot be reached
(here: another process holds SQLite's write lock past holdgate's 5 s busy timeout) new
decisions fail with one sentence, live sessions carry on, and it recovers by itself; an approval
hook's answer that comes while the database is away is stored once it is back.
"""
from __future__ import annotations

import sqlite3
import threading
import time

from harness.procs import wait_until
from harness.scenarios import with_reviewers
from harness.world import gate_client
from test_hooks_first import gated_hook, pending_id, start, state_of
from test_notify import hook_entry, verdict

UNREACHABLE = "holdgate: cannot reach its database; try again"


def echo_times(shell, count: int) -> list[float]:
    """Seconds from typing one character to seeing it echoed, `count` times."""
    times = []
    for n in range(count):
        mark = "qwertyuiop"[n % 10]
        start = time.monotonic()
        shell.child.send(mark)
        shell.child.expect_exact(mark, timeout=10)
        times.append(time.monotonic() - start)
        time.sleep(0.05)
    shell.child.sendcontrol("u")  # what was typed is dropped, not run
    return times


def busy(stop: threading.Event, work) -> threading.Thread:
    def loop():
        while not stop.is_set():
            work()
    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return thread


def slow_gate(make_gate, latency: str):
    def edit(config):
        with_reviewers()(config)
        config["storage"] = {"debug_latency": latency}
    return make_gate(edit=edit)


def test_keystrokes_echo_at_once_while_others_wait_on_a_slow_database(world, make_gate):
    gate = slow_gate(make_gate, "300ms")
    alice, bob, ivan = (gate_client(world, gate, n) for n in ("alice", "bob", "ivan"))
    with alice.pty("root@db-1", timeout=30) as shell:
        shell.wait_ready(timeout=30)
        stop = threading.Event()
        answers = []
        workers = [
            busy(stop, lambda: answers.append(bob.ssh("approvals", "request list").returncode)),
            busy(stop, lambda: answers.append(ivan.ssh("approvals", "request list --format json").returncode)),
            busy(stop, lambda: answers.append(alice.ssh("root@db-1", "true").returncode)),
        ]
        try:
            time.sleep(1.0)  # the others are waiting on the database now
            times = echo_times(shell, 20)
        finally:
            stop.set()
            for w in workers:
                w.join(timeout=30)
        # Each storage call takes 300 ms; on the loop, an echo would wait for them.
        assert max(times) < 0.15, times
        assert answers and all(code == 0 for code in answers), answers
        assert shell.run("echo still-here", timeout=30) == "still-here"


def test_unreachable_database_refuses_new_decisions_and_live_sessions_go_on(world, make_gate):
    gate = make_gate(edit=with_reviewers())
    alice, bob = gate_client(world, gate, "alice"), gate_client(world, gate, "bob")
    with alice.pty("root@db-1") as shell:
        shell.wait_ready()
        # Another process takes the database's write lock and keeps it: every write holdgate
        # tries waits out its busy timeout and fails, as with a database that is down.
        held = sqlite3.connect(gate.dir / "state" / "holdgate.db", isolation_level=None, timeout=10)
        held.execute("BEGIN EXCLUSIVE")
        try:
            stop = threading.Event()
            results = {}
            def login():
                results["login"] = alice.ssh("root@db-1", "echo in", timeout=60)
            def create():
                results["create"] = bob.ssh("approvals", "request create --roles dba --reason 'ticket 1'",
                                            timeout=60)
            threads = [threading.Thread(target=login), threading.Thread(target=create)]
            for t in threads:
                t.start()
            time.sleep(0.5)
            times = echo_times(shell, 10)  # while both wait on the lock
            for t in threads:
                t.join(timeout=60)
            stop.set()
        finally:
            held.rollback()
            held.close()
        assert max(times) < 0.5, times
        login_result, create_result = results["login"], results["create"]
        assert login_result.returncode != 0 and "in" not in login_result.stdout.split()
        assert UNREACHABLE in login_result.stderr, login_result.stderr
        assert create_result.returncode == 1
        assert create_result.stderr.strip() == UNREACHABLE, create_result.stderr
        assert "storage-failed" in gate.log.read_text()
        # The live session never noticed.
        assert shell.run("echo still-here") == "still-here"
    # The database is back: the next decisions go through without a restart.
    again = alice.ssh("root@db-1", "echo in", timeout=30)
    assert again.returncode == 0 and again.stdout.strip() == "in", again.stderr
    created = bob.ssh("approvals", "request create --roles dba --reason 'ticket 2'", timeout=30)
    assert created.returncode == 0, created.stderr


def test_a_hooks_answer_is_stored_once_the_database_is_back(world, make_gate, tmp_path):
    hook, release = gated_hook(tmp_path, "jira", verdict("deny", "no ticket"))
    gate, people = start(world, make_gate, [hook_entry(hook, timeout="30s")], required=False)
    bob, ivan = people["bob"], people["ivan"]
    creating = threading.Thread(target=lambda: bob.ssh(
        "approvals", "request create --roles dba --reason 'ticket 3'", timeout=60), daemon=True)
    creating.start()
    request_id = pending_id(ivan)
    held = sqlite3.connect(gate.dir / "state" / "holdgate.db", isolation_level=None, timeout=10)
    held.execute("BEGIN EXCLUSIVE")
    try:
        release.touch()  # the hook answers now, while no write can get through
        time.sleep(7)  # past the 5 s busy timeout of the first try
    finally:
        held.rollback()
        held.close()
    assert wait_until(lambda: state_of(ivan, request_id) == "DENIED", 20, interval=0.3), \
        state_of(ivan, request_id)
    assert "storage-failed" in gate.log.read_text()
    creating.join(timeout=60)
