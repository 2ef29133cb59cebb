"""Taking access back: `request revoke` and `request drop` end the grant now, and a live
interactive session that depended on it ends within a second, told who ended it and why.

bob (dev) may request dba (two approvals); alice and ivan review dba requests.
"""
from __future__ import annotations

import re
import time

import pexpect
import pytest

from harness.client import live_shell
from harness.scenarios import with_reviewers
from harness.world import gate_client

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def gate(world, make_gate):
    return make_gate(edit=with_reviewers())


@pytest.fixture
def people(world, gate):
    return {name: gate_client(world, gate, name) for name in ("alice", "bob", "ivan")}


def approved_request(people) -> str:
    created = people["bob"].ssh("approvals", "request create --roles dba --reason 'nightly job'")
    request_id = UUID.search(created.stdout).group(0)
    for reviewer in ("alice", "ivan"):
        r = people[reviewer].ssh("approvals", f"request review --approve {request_id}")
        assert r.returncode == 0, r
    return request_id


def ends_within_a_second(child, started, message):
    child.expect(re.escape(message), timeout=5)
    elapsed = time.monotonic() - started
    child.expect(pexpect.EOF, timeout=5)
    assert elapsed < 1.0, f"the session ended {elapsed:.2f}s after the command returned"


def test_revoke_ends_a_live_session_with_who_and_why(people):
    bob, ivan = people["bob"], people["ivan"]
    request_id = approved_request(people)
    child = live_shell(bob)
    try:
        r = ivan.ssh("approvals", f"request revoke {request_id} --reason 'incident over'")
        started = time.monotonic()
        assert r.returncode == 0, r
        assert r.stdout == f"Request {request_id} revoked: the access it granted has ended.\n"
        ends_within_a_second(child, started,
                             "holdgate: your access to root@db-1 was revoked by ivan: incident over")
    finally:
        child.close(force=True)
    shown = bob.ssh("approvals", f"request show {request_id}")
    assert "REVOKED" in shown.stdout, shown
    again = bob.ssh("root@db-1", "true", options=("-o", "LogLevel=INFO"))
    assert again.returncode != 0 and "access denied" in again.stderr, again
    history = ivan.ssh("approvals", "history")
    assert re.search(rf"request\.revoked\s+ivan\s+.*{request_id}.*revoked by ivan: incident over",
                     history.stdout), history.stdout


def test_drop_ends_my_live_session(people):
    bob = people["bob"]
    request_id = approved_request(people)
    child = live_shell(bob)
    try:
        r = bob.ssh("approvals", "request drop")
        started = time.monotonic()
        assert r.returncode == 0, r
        ends_within_a_second(child, started, "holdgate: your access to root@db-1 was dropped by bob")
    finally:
        child.close(force=True)
    shown = bob.ssh("approvals", f"request show {request_id} --format json")
    assert '"state":"DROPPED"' in shown.stdout, shown
    history = bob.ssh("approvals", "history")
    assert "request.dropped" in history.stdout, history.stdout


def test_only_reviewers_revoke_and_a_reason_is_needed(people):
    bob, alice = people["bob"], people["alice"]
    request_id = approved_request(people)
    r = alice.ssh("approvals", f"request revoke {request_id}")
    assert r.returncode == 2 and "missing --reason" in r.stderr, r
    r = bob.ssh("approvals", f"request revoke {request_id} --reason mine")
    assert r.returncode == 1, r
    assert r.stderr == "holdgate: use 'request drop' to give up your own access\n"
    assert bob.ssh("root@db-1", "whoami").stdout == "root\n"  # nothing was taken back
