"""Incident locks: `lock create --target db-1` by an admin ends live sessions on db-1 within a
second, standing roles included, and refuses the next login there with one sentence.

alice holds dba (standing) and dba-reviewer; erin holds `oncall`, marked admin: true.
"""
from __future__ import annotations

import re
import time

import pexpect
import pytest

from harness.client import client_env, live_shell
from harness.world import gate_client

LOCK_ID = re.compile(r"Lock ([0-9a-f-]{36}): ")


def admins(config):
    for user in config["users"]:
        if user["name"] == "alice":
            user["roles"] = ["dba", "dba-reviewer"]
        if user["name"] == "ivan":
            user["roles"] = ["oncall"]
    config["roles"].append({"name": "oncall", "admin": True})


@pytest.fixture
def people(world, make_gate):
    gate = make_gate(edit=admins)
    return {name: gate_client(world, gate, name) for name in ("alice", "bob", "ivan")}


def test_a_target_lock_ends_a_standing_session_and_refuses_the_next_login(people):
    alice, ivan = people["alice"], people["ivan"]
    child = live_shell(alice)
    try:
        r = ivan.ssh("approvals", "lock create --target db-1 --reason 'incident 42'")
        started = time.monotonic()
        assert r.returncode == 0, r
        lock_id = LOCK_ID.search(r.stdout).group(1)
        assert "db-1 is locked by ivan: incident 42 (until removed)" in r.stdout
        child.expect(re.escape("holdgate: your access to root@db-1 was ended: "
                               "db-1 is locked by ivan: incident 42"), timeout=5)
        elapsed = time.monotonic() - started
        child.expect(pexpect.EOF, timeout=5)
        assert elapsed < 1.0, f"the session ended {elapsed:.2f}s after the lock"
    finally:
        child.close(force=True)

    again = alice.ssh("root@db-1", "whoami", options=("-o", "LogLevel=INFO"))
    assert again.returncode != 0
    assert "holdgate: access denied to root on db-1: db-1 is locked by ivan: incident 42" \
        in again.stderr, again
    assert ivan.ssh("approvals", "lock list").stdout.startswith(f"Lock {lock_id}: db-1 is locked")
    history = ivan.ssh("approvals", "history")
    assert re.search(rf"lock\.created\s+ivan\s+.*{lock_id}", history.stdout), history.stdout

    assert ivan.ssh("approvals", f"lock remove {lock_id}").returncode == 0
    assert alice.ssh("root@db-1", "whoami").stdout == "root\n"
    assert "lock.removed" in ivan.ssh("approvals", "history").stdout


def test_only_admins_manage_locks(people):
    r = people["alice"].ssh("approvals", "lock create --user bob --reason x")
    assert r.returncode == 1, r
    assert r.stderr == "holdgate: locks are only for a role with admin: true\n"
    assert people["alice"].ssh("approvals", "lock list").returncode == 1


def test_a_role_lock_blocks_approvals_for_that_role(people):
    created = people["bob"].ssh("approvals", "request create --roles dba --reason 'nightly job'")
    request_id = re.search(r"[0-9a-f]{8}-[0-9a-f-]{27}", created.stdout).group(0)
    assert people["ivan"].ssh("approvals", "lock create --role dba --reason audit").returncode == 0
    r = people["alice"].ssh("approvals", f"request review --approve {request_id}")
    assert r.returncode == 1, r
    assert r.stderr == (f"holdgate: request {request_id} cannot be approved now: "
                        "role dba is locked by ivan: audit\n")


def test_a_held_connection_is_told_and_closed_when_its_request_gets_locked(people):
    bob, ivan = people["bob"], people["ivan"]
    argv = bob.ssh_argv("root@db-1", "-t",
                        options=("-o", "BatchMode=no", "-o", "LogLevel=INFO"))
    child = pexpect.spawn(argv[0], argv[1:], dimensions=(24, 80), timeout=10,
                          env=client_env(TERM="xterm"), encoding="utf-8", codec_errors="replace")
    try:
        child.expect("Enter request reason: ")
        child.sendline("nightly job")
        child.expect(r"Creating request\.\.\. (\S+)")
        request_id = child.match.group(1)
        child.expect("Waiting for approval")
        assert ivan.ssh("approvals", "lock create --user bob --reason 'account review'") \
            .returncode == 0
        child.expect(re.escape(f"holdgate: request {request_id} cannot be approved now: "
                               "bob is locked by ivan: account review"), timeout=5)
        child.expect(pexpect.EOF, timeout=5)
    finally:
        child.close(force=True)
    assert child.exitstatus != 0
