"""Break-glass: when the only way in is a break-glass role, the denied `ssh root@db-1` says so,
asks for a reason and the target's name, and lets bob in at once. ivan (dba-reviewer) must
ratify it within the window, or bob's grant ends and bob is locked.

Here bob's dev role offers dba only as break-glass (`request: {break_glass: true}`), with a
3 s ratification window where a test needs to see it pass.
"""
from __future__ import annotations

import json
import re
import time

import pexpect
import pytest

from harness.world import gate_client
from test_escalation import UUID, spawn
from test_notify import receivers  # noqa: F401 (the fixture)


def break_glass_world(ratify_within: str = "24h", webhook: str | None = None):
    def edit(config: dict) -> None:
        for role in config["roles"]:
            if role["name"] == "dev":
                role["request"] = {"roles": ["dba"], "break_glass": True,
                                   "ratify_within": ratify_within, "approve": 1}
        if webhook:
            config["notify"] = {"webhooks": [{"url": webhook, "format": "json"}]}
    return edit


def people_of(world, gate):
    return {name: gate_client(world, gate, name) for name in ("alice", "bob", "ivan")}


def break_in(child, reason="db-1 is down, pager 77", confirm="db-1") -> None:
    """Answer the break-glass prompts."""
    child.expect(r"BREAK-GLASS reason \(required\): ")
    child.sendline(reason)
    child.expect("Type the target name to confirm BREAK-GLASS access to db-1: ")
    child.sendline(confirm)


def granted_id(child) -> str:
    child.expect(r"BREAK-GLASS access granted until .*? \(request (\S+)\)")
    request_id = child.match.group(1)
    assert UUID.fullmatch(request_id), request_id
    return request_id


def test_break_glass_gets_in_at_once_and_is_flagged(world, make_gate):
    gate = make_gate(edit=break_glass_world())
    people = people_of(world, gate)
    bob, ivan = people["bob"], people["ivan"]
    started = time.monotonic()
    child = spawn(bob, "root@db-1", "whoami")
    try:
        child.expect("access denied to root on db-1")
        child.expect("The only way in is BREAK-GLASS through role dba: access at once, without "
                     "reviewers, for 30m. It is audited and announced, and the role's reviewers "
                     "must ratify it within 1d, or you are locked.")
        break_in(child)
        request_id = granted_id(child)
        child.expect(r"\broot\r\n")  # no reviewer was asked first
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    assert time.monotonic() - started < 10

    # Only root@db-1, as an inline request grants; the reviewer sees it flagged everywhere.
    listed = ivan.ssh("approvals", "request list")
    assert re.search(rf"{request_id}\s+bob\s+BREAK-GLASS root@db-1 \(via dba\).*"
                     r"APPROVED, AWAITING", listed.stdout), listed.stdout
    shown = json.loads(ivan.ssh("approvals", f"request show {request_id} --format json").stdout)
    assert (shown["break_glass"], shown["ratification"], shown["state"]) == \
        (True, "AWAITING", "APPROVED")
    assert shown["reason"] == "db-1 is down, pager 77"

    # Ratified: the state is recorded, bob is not locked, and it is all in history.
    r = ivan.ssh("approvals", f"request review --approve --reason 'seen it' {request_id}")
    assert (r.returncode, r.stdout) == (0, f"Break-glass request {request_id} is RATIFIED.\n"), r
    assert bob.ssh("root@db-1", "whoami").stdout == "root\n"
    history = ivan.ssh("approvals", "history").stdout
    assert re.search(rf"request\.break_glass\s+bob\s+.*{request_id}.*BREAK-GLASS", history), history
    assert re.search(rf"request\.ratified\s+ivan\s+.*{request_id}", history), history
    assert "lock.created" not in history


def test_a_wrong_confirmation_refuses_and_creates_nothing(world, make_gate):
    gate = make_gate(edit=break_glass_world())
    bob = people_of(world, gate)["bob"]
    child = spawn(bob, "root@db-1", "whoami")
    try:
        break_in(child, confirm="db-2")
        child.expect("holdgate: the confirmation does not match the target name 'db-1'; "
                     "nothing was done")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus != 0
    assert bob.ssh("approvals", "request list --mine").stdout == "No requests.\n"
    # The same by command: one sentence, nothing created.
    r = bob.ssh("approvals", "request create --login root --target db-1 --break-glass "
                             "--confirm db1 --reason 'db down'")
    assert (r.returncode, r.stderr) == \
        (1, "holdgate: the confirmation does not match the target name 'db-1'; nothing was done\n"), r
    assert bob.ssh("approvals", "request list --mine").stdout == "No requests.\n"


def test_unratified_ends_the_live_session_and_locks_bob(world, make_gate, receivers):  # noqa: F811
    receiver = receivers()
    gate = make_gate(edit=break_glass_world(ratify_within="3s", webhook=receiver.url()))
    people = people_of(world, gate)
    bob, ivan = people["bob"], people["ivan"]
    child = spawn(bob, "root@db-1", "-t")
    try:
        break_in(child)
        request_id = granted_id(child)
        granted = time.monotonic()
        child.sendline("echo RE''ADY")
        child.expect("READY\r\n")
        # Nobody ratifies: at 3 s the grant ends, and the live shell with it within a second.
        child.expect(re.escape("holdgate: your access to root@db-1 was not ratified within 3s"),
                     timeout=8)
        ended = time.monotonic() - granted
        child.expect(pexpect.EOF, timeout=5)
        assert 2.5 < ended < 4.0, f"the session ended {ended:.2f}s after the grant"
    finally:
        child.close(force=True)

    again = bob.ssh("root@db-1", "whoami", options=("-o", "LogLevel=INFO"))
    assert again.returncode != 0, again
    assert "access denied to root on db-1: bob is locked" in again.stderr, again
    assert f"break-glass request {request_id} was not ratified within 3s" in again.stderr, again

    shown = json.loads(ivan.ssh("approvals", f"request show {request_id} --format json").stdout)
    assert (shown["state"], shown["ratification"]) == ("REVOKED", "UNRATIFIED")
    history = ivan.ssh("approvals", "history").stdout
    assert re.search(rf"request\.unratified\s+holdgate\s+.*{request_id}", history), history
    assert re.search(r"lock\.created\s+holdgate\s+.*user=bob", history), history

    events = receiver.wait_for(3)
    names = [p["event"] for p in events]
    assert names[:3] == ["request.break_glass", "request.unratified", "lock.created"], names
    assert events[0]["break_glass"] is True and events[0]["id"] == request_id
    assert events[1]["ratification"] == "UNRATIFIED"
    assert (events[2]["lock"]["user"], events[2]["lock"]["created_by"]) == ("bob", "holdgate")


def test_rejected_locks_bob(world, make_gate, receivers):  # noqa: F811
    receiver = receivers()
    gate = make_gate(edit=break_glass_world(webhook=receiver.url()))
    people = people_of(world, gate)
    bob, ivan = people["bob"], people["ivan"]
    r = bob.ssh("approvals", "request create --login root --target db-1 --break-glass "
                             "--confirm db-1 --reason 'db down'")
    assert r.returncode == 0 and r.stdout.startswith("BREAK-GLASS request "), r
    request_id = UUID.search(r.stdout).group(0)
    assert bob.ssh("root@db-1", "whoami").stdout == "root\n"
    r = ivan.ssh("approvals", f"request review --deny --reason 'not an emergency' {request_id}")
    assert (r.returncode, r.stdout) == \
        (0, f"Break-glass request {request_id} is REJECTED: bob is locked.\n"), r
    again = bob.ssh("root@db-1", "whoami", options=("-o", "LogLevel=INFO"))
    assert again.returncode != 0 and "bob is locked" in again.stderr, again
    events = receiver.wait_for(3)
    assert [p["event"] for p in events][:3] == \
        ["request.break_glass", "request.rejected", "lock.created"], events
    assert events[1]["resolution_reason"] == "rejected by ivan: not an emergency"


def test_a_window_that_passed_while_down_is_acted_on_at_start(world, make_gate):
    gate = make_gate(edit=break_glass_world(ratify_within="3s"))
    people = people_of(world, gate)
    bob, ivan = people["bob"], people["ivan"]
    r = bob.ssh("approvals", "request create --login root --target db-1 --break-glass "
                             "--confirm db-1 --reason 'db down'")
    assert r.returncode == 0, r
    request_id = UUID.search(r.stdout).group(0)
    gate.stop()
    time.sleep(3.5)  # the window passes while holdgate is down
    gate.start()
    again = bob.ssh("root@db-1", "whoami", options=("-o", "LogLevel=INFO"))
    assert again.returncode != 0 and "bob is locked by holdgate" in again.stderr, again
    shown = json.loads(ivan.ssh("approvals", f"request show {request_id} --format json").stdout)
    assert shown["ratification"] == "UNRATIFIED", shown
