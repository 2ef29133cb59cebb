"""When a grant ends (issue 12, section 3): a role's `grant: {until: session-end}` ends the grant
with the session that waited for it, and `grant: {uses: 1}` allows one login.

bob (dev) may request dba (two approvals); alice and ivan review dba requests.
"""
from __future__ import annotations

import re

import pexpect

from harness.client import live_shell
from harness.scenarios import reviewers_world
from harness.world import gate_client
from test_escalation import UUID, request_access, review, spawn
from test_notify import receivers  # noqa: F401 (a fixture)


def dba_grant(webhooks=None, **terms):
    def edit(config):
        reviewers_world(config)
        if webhooks:
            config["notify"] = {"webhooks": webhooks}
        for role in config["roles"]:
            if role["name"] == "dba":
                role["grant"] = terms
    return edit


def people_of(world, gate):
    return {name: gate_client(world, gate, name) for name in ("alice", "bob", "ivan")}


def test_until_session_end_ends_the_grant_with_the_session_that_waited(world, make_gate):
    people = people_of(world, make_gate(edit=dba_grant(until="session-end")))
    bob, alice, ivan = people["bob"], people["alice"], people["ivan"]
    child = spawn(bob, "root@db-1", "whoami")
    try:
        request_id = request_access(child)
        review(alice, request_id)
        review(ivan, request_id)
        child.expect(r"\broot\r\n")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0

    # The session is over, and so is the access: the next login is denied (asked again).
    again = bob.ssh("root@db-1", "whoami", options=("-o", "LogLevel=INFO"))
    assert again.returncode != 0 and "access denied to root on db-1" in again.stderr, again
    shown = bob.ssh("approvals", f"request show {request_id} --format json")
    assert '"resolution_reason":"ended with bob\'s session on root@db-1"' in shown.stdout, shown
    history = ivan.ssh("approvals", "history")
    assert re.search(rf"request\.ended\s+bob\s+.*{request_id}.*ended with bob's session",
                     history.stdout), history.stdout


def test_until_session_end_made_by_command_ends_with_the_first_session_and_its_twin(
        world, make_gate):
    """A request made with `request create` ends with the first session that used it; another
    session on the same grant ends at once with it."""
    people = people_of(world, make_gate(edit=dba_grant(until="session-end")))
    bob = people["bob"]
    created = bob.ssh("approvals", "request create --login root --target db-1 --reason 'job'")
    request_id = UUID.search(created.stdout).group(0)
    review(people["alice"], request_id)
    review(people["ivan"], request_id)
    twin = live_shell(bob)
    try:
        first = bob.ssh("root@db-1", "whoami")
        assert (first.returncode, first.stdout) == (0, "root\n"), first
        twin.expect(re.escape("holdgate: your access to root@db-1 was ended with bob's session "
                              "on root@db-1"), timeout=5)
        twin.expect(pexpect.EOF, timeout=5)
    finally:
        twin.close(force=True)
    again = bob.ssh("root@db-1", "whoami", options=("-o", "LogLevel=INFO"))
    assert again.returncode != 0 and "access denied to root on db-1" in again.stderr, again


def test_one_use_allows_one_login_and_refuses_the_next_with_why(world, make_gate):
    gate = make_gate(edit=dba_grant(uses=1))
    people = people_of(world, gate)
    bob, ivan = people["bob"], people["ivan"]
    created = bob.ssh("approvals", "request create --login root --target db-1 --reason 'job'")
    assert created.returncode == 0, created
    request_id = UUID.search(created.stdout).group(0)
    review(people["alice"], request_id)
    review(ivan, request_id)

    first = bob.ssh("root@db-1", "whoami")
    assert (first.returncode, first.stdout) == (0, "root\n"), first
    # The use was stored before the session began: kill -9 and a restart forget nothing.
    gate.proc.kill()
    gate.proc.wait(timeout=5)
    gate.start()
    second = bob.ssh("root@db-1", "whoami", options=("-o", "LogLevel=INFO"))
    assert second.returncode != 0, second
    assert (f"holdgate: access denied to root on db-1: the access granted by request "
            f"{request_id} has been used (it allowed 1 login)") in second.stderr, second

    shown = bob.ssh("approvals", f"request show {request_id} --format json")
    assert '"uses":1' in shown.stdout and '"uses_left":0' in shown.stdout, shown
    history = ivan.ssh("approvals", "history")
    assert re.search(rf"request\.used\s+bob\s+.*{request_id}.*use 1 of 1 \(root@db-1\); no uses left",
                     history.stdout), history.stdout
    mine = bob.ssh("approvals", "history")  # people see their own logins
    assert re.search(r"login\.denied\s+bob\s+.*root@db-1.*has been used", mine.stdout), mine.stdout


def test_webhooks_hear_each_use_and_the_end_with_the_session(world, make_gate, receivers):
    receiver = receivers()
    gate = make_gate(edit=dba_grant(webhooks=[{"url": receiver.url(), "format": "json"}],
                                    until="session-end", uses=2))
    people = people_of(world, gate)
    bob = people["bob"]
    created = bob.ssh("approvals", "request create --login root --target db-1 --reason 'job'")
    request_id = UUID.search(created.stdout).group(0)
    review(people["alice"], request_id)
    review(people["ivan"], request_id)
    r = bob.ssh("root@db-1", "whoami")
    assert (r.returncode, r.stdout) == (0, "root\n"), r

    payloads = receiver.wait_for(5)  # created, reviewed, approved, used, ended
    used, = (p for p in payloads if p["event"] == "request.used")
    assert (used["id"], used["uses"], used["uses_left"]) == (request_id, 2, 1)
    ended, = (p for p in payloads if p["event"] == "request.ended")
    assert (ended["id"], ended["state"]) == (request_id, "APPROVED")
    assert ended["resolution_reason"] == "ended with bob's session on root@db-1"
    assert ended["until_session_end"] is True
    # Its one session is over, so the use left allows nothing either.
    again = bob.ssh("root@db-1", "whoami", options=("-o", "LogLevel=INFO"))
    assert again.returncode != 0 and "access denied to root on db-1" in again.stderr, again
