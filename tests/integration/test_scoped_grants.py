"""Scoped grants: an inline request for root@db-1 grants root on db-1 and nothing else; a role
request (`--roles dba`) still grants the whole role.

db-2 is another `kind: db` target (the same test sshd under another name), and dba here also
allows ubuntu, so an over-grant would show as bob reaching root@db-2 or ubuntu@db-1.
"""
from __future__ import annotations

import json
import time

import pexpect
import pytest

from harness.scenarios import reviewers_world
from harness.world import gate_client
from test_escalation import UUID, request_access, review, spawn


def two_db_targets(config: dict) -> None:
    reviewers_world(config)
    db_1 = next(t for t in config["targets"] if t["name"] == "db-1")
    # Same address as db-1, so the known_hosts line for db-1 covers it.
    config["targets"].append({"name": "db-2", "address": db_1["address"],
                              "labels": {"env": "prod", "kind": "db"}})
    for role in config["roles"]:
        if role["name"] == "dba":
            role["allow"] = [{"logins": ["root", "ubuntu"], "targets": {"kind": "db"}}]


@pytest.fixture
def people(world, make_gate):
    gate = make_gate(edit=two_db_targets)
    return {name: gate_client(world, gate, name) for name in ("alice", "bob", "ivan")}


def denied(client, destination):
    r = client.ssh(destination, "whoami", options=("-o", "LogLevel=INFO"))
    return r.returncode != 0 and "access denied" in r.stderr, r


def test_inline_request_grants_only_that_login_on_that_target(people):
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

    r = bob.ssh("root@db-1", "whoami")
    assert (r.returncode, r.stdout) == (0, "root\n"), r
    for destination in ("root@db-2", "ubuntu@db-1"):
        refused, r = denied(bob, destination)
        assert refused, (destination, r)


def test_role_request_still_grants_the_role(people):
    bob, alice, ivan = people["bob"], people["alice"], people["ivan"]
    created = bob.ssh("approvals", "request create --roles dba --reason 'nightly job'")
    assert created.returncode == 0, created
    request_id = UUID.search(created.stdout).group(0)
    review(alice, request_id)
    review(ivan, request_id)
    for destination in ("root@db-1", "root@db-2"):
        r = bob.ssh(destination, "whoami")
        assert (r.returncode, r.stdout) == (0, "root\n"), (destination, r)


def test_grant_clock_starts_at_approval_not_creation(world, make_gate):
    """Teleport #50011: a grant that counted from creation would be over before it was used."""
    def short_grants(config):
        two_db_targets(config)
        for role in config["roles"]:
            if role["name"] == "dba":
                role["max_duration"] = "4s"
    gate = make_gate(edit=short_grants)
    bob, alice, ivan = (gate_client(world, gate, n) for n in ("bob", "alice", "ivan"))
    created = bob.ssh("approvals", "request create --roles dba --reason 'short job'")
    request_id = UUID.search(created.stdout).group(0)
    time.sleep(5)  # longer than max_duration: counted from creation it would be over already
    review(alice, request_id)
    review(ivan, request_id)
    r = bob.ssh("root@db-1", "whoami")
    assert (r.returncode, r.stdout) == (0, "root\n"), r


def test_request_by_command_for_one_login_and_reviewers_see_its_scope(people):
    bob, alice, ivan = people["bob"], people["alice"], people["ivan"]
    created = bob.ssh("approvals", "request create --login root --target db-1 --reason 'job'")
    assert created.returncode == 0, created
    assert "created for root@db-1 (via dba)" in created.stdout, created
    request_id = UUID.search(created.stdout).group(0)
    listed = ivan.ssh("approvals", "request list")
    row = next(line for line in listed.stdout.splitlines() if request_id in line)
    assert "root@db-1 (via dba)" in row, listed.stdout
    shown = ivan.ssh("approvals", f"request show --format json {request_id}")
    assert json.loads(shown.stdout)["scope"] == "root@db-1 (via dba)", shown
    review(alice, request_id)
    review(ivan, request_id)
    r = bob.ssh("root@db-1", "whoami")
    assert (r.returncode, r.stdout) == (0, "root\n"), r
    refused, r = denied(bob, "root@db-2")
    assert refused, r


def test_bad_login_on_the_command_line_is_one_sentence(people):
    r = people["bob"].ssh("approvals", "request create --login 'ro ot' --target db-1 --reason x")
    assert r.returncode != 0, r
    assert "contains a control character or whitespace" in r.stderr, r


def test_scope_resource_refuses_a_whole_role(world, make_gate):
    def resource_only(config):
        two_db_targets(config)
        for role in config["roles"]:
            if role["name"] == "dev":
                role["request"]["scope"] = "resource"
    gate = make_gate(edit=resource_only)
    bob = gate_client(world, gate, "bob")
    r = bob.ssh("approvals", "request create --roles dba --reason 'all of them'")
    assert r.returncode != 0, r
    assert "role 'dba' can be requested only for one login on one target" in r.stderr, r
    r = bob.ssh("approvals", "request create --login root --target db-1 --reason 'one'")
    assert r.returncode == 0 and UUID.search(r.stdout), r
