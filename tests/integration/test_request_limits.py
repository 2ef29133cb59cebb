"""Request spam: the per-person pending cap and creation rate (limits.max_pending_requests,
limits.request_rate) refuse in one sentence over `ssh approvals@bastion` and in the inline
escalation, without touching the requests already pending (one held by a live session
included); approval hooks run at most limits.max_hook_processes at a time, the rest queued.

bob (dev) may request dba (two approvals); alice and ivan review dba requests.
"""
from __future__ import annotations

import re
import time

import pexpect

from harness.procs import wait_until
from harness.scenarios import with_reviewers
from harness.world import gate_client
from test_escalation import request_access, review, spawn
from test_notify import hook_entry, log_lines, verdict, write_hook

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def start(world, make_gate, limits, hooks=None):
    def edit(config):
        with_reviewers()(config)
        if hooks:
            config["approvals"] = {"hooks": hooks}
    gate = make_gate(limits=limits, edit=edit)
    return gate, {name: gate_client(world, gate, name) for name in ("alice", "bob", "ivan")}


def create(client, reason="ticket #123"):
    return client.ssh("approvals", f"request create --roles dba --reason '{reason}'")


def created_id(client) -> str:
    r = create(client)
    assert r.returncode == 0, r
    return UUID.search(r.stdout).group(0)


def pending_ids(client) -> set[str]:
    r = client.ssh("approvals", "request list --mine")
    assert r.returncode == 0, r
    return {line.split()[0] for line in r.stdout.splitlines() if "PENDING" in line}


def test_pending_cap_refuses_in_one_sentence_and_leaves_a_held_request_alone(world, make_gate):
    _, people = start(world, make_gate, {"max_pending_requests": 2})
    bob = people["bob"]
    held = spawn(bob, "root@db-1", "whoami")
    try:
        held_id = request_access(held)  # pending, and bob is holding the connection open for it
        other = created_id(bob)

        r = create(bob)
        assert r.returncode == 1, r
        assert r.stderr == ("holdgate: you have 2 pending requests already, the most allowed; "
                            "cancel one or wait for a decision\n"), r
        assert r.stdout == ""
        assert pending_ids(bob) == {held_id, other}

        # At the cap, reconnecting still reattaches to the held request instead of refusing.
        again = spawn(bob, "root@db-1", "whoami")
        try:
            again.expect(r"Waiting for approval 0/2")
        finally:
            again.close(force=True)

        # The held session goes on as if nothing happened: approved, in.
        review(people["alice"], held_id)
        review(people["ivan"], held_id)
        held.expect("Access granted until")
        held.expect(r"\broot\r\n")
        held.expect(pexpect.EOF)
    finally:
        held.close(force=True)
    assert held.exitstatus == 0
    # The approval freed a place.
    assert create(bob).returncode == 0


def test_inline_escalation_at_the_cap_says_so_before_asking_for_a_reason(world, make_gate):
    _, people = start(world, make_gate, {"max_pending_requests": 1})
    bob = people["bob"]
    created_id(bob)
    child = spawn(bob, "root@db-1", "whoami")
    try:
        child.expect("holdgate: you have 1 pending request already, the most allowed; "
                     "cancel one or wait for a decision")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert "Enter request reason" not in child.before
    assert child.exitstatus != 0
    assert len(pending_ids(bob)) == 1


def test_creation_rate_stops_a_create_and_cancel_loop(world, make_gate):
    gate, people = start(world, make_gate, {"request_rate": "2/1h"})
    bob = people["bob"]
    for _ in range(2):
        request_id = created_id(bob)
        assert bob.ssh("approvals", f"request cancel {request_id}").returncode == 0
    r = create(bob)
    assert r.returncode == 1, r
    assert re.fullmatch(r"holdgate: you have made 2 requests in the last 1h, the most allowed; "
                        r"try again in (59m|1h)\n", r.stderr), r
    history = bob.ssh("approvals", "history --format json").stdout
    assert history.count('"request.created"') == 2, history


def test_by_default_ten_pending_requests_per_person(world, make_gate):
    _, people = start(world, make_gate, None)
    bob = people["bob"]
    ids = {created_id(bob) for _ in range(10)}
    r = create(bob)
    assert (r.returncode, r.stderr) == (1, "holdgate: you have 10 pending requests already, the "
                                           "most allowed; cancel one or wait for a decision\n"), r
    assert pending_ids(bob) == ids


def test_hook_processes_are_capped_and_the_rest_wait_their_turn(world, make_gate, tmp_path):
    """By default at most 8 hook programs run at once (limits.max_hook_processes)."""
    started = tmp_path / "started"
    started.mkdir()
    release = tmp_path / "release"
    hook = write_hook(tmp_path, "gate", f"""
open(os.path.join({str(started)!r}, request["id"]), "w").close()
while not os.path.exists({str(release)!r}):
    time.sleep(0.05)
{verdict("none")}""")
    # Nine connections at once from one source: more than per_source_max_startups lets in.
    gate, people = start(world, make_gate, {"per_source_max_startups": 16},
                         hooks=[hook_entry(hook, timeout="30s")])
    # request create waits for its hook's answer: the nine run side by side.
    creating = [people["bob"].popen("approvals", "request create --roles dba --reason 'ticket #1'")
                for _ in range(9)]

    assert wait_until(lambda: len(list(started.iterdir())) >= 8, 10)
    assert wait_until(lambda: len(pending_ids(people["bob"])) == 9, 10)
    time.sleep(1)  # time enough for a ninth to start, were it allowed to
    assert len(list(started.iterdir())) == 8
    # Requests are not held up by the hooks that wait.
    ids = pending_ids(people["bob"])

    release.touch()
    for proc in creating:
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 0 and UUID.search(out.decode()).group(0) in ids, (out, err)
    # None was dropped: each request got its hook run, the first ones first.
    assert wait_until(lambda: len(log_lines(gate, "event=hook ", "hook=gate", "result=none")) == 9,
                      15), gate.log_text()
    assert sorted(p.name for p in started.iterdir()) == sorted(ids)
