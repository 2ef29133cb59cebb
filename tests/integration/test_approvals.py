"""Access requests through the approvals channel: `ssh approvals@holdgate COMMAND`.

The cast (a variant of the standard world): bob (dev) may request role dba, which needs two
approvals; alice (dba + dba-reviewer) and ivan (dba-reviewer) review dba requests.
"""
from __future__ import annotations

import json
import re
import signal
import subprocess
import time

import pexpect
import pytest

from harness.client import client_env
from harness.scenarios import with_reviewers
from harness.world import gate_client

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


@pytest.fixture
def approvals_gate(world, make_gate):
    return make_gate(edit=with_reviewers())


@pytest.fixture
def people(world, approvals_gate):
    return {name: gate_client(world, approvals_gate, name) for name in ("alice", "bob", "ivan")}


def approvals(client, command: str, **kwargs):
    """Run one approvals-channel command as `client`'s person."""
    return client.ssh("approvals", command, **kwargs)


def create(client, roles="dba", reason="ticket #123") -> str:
    r = approvals(client, f"request create --roles {roles} --reason '{reason}'")
    assert r.returncode == 0, r
    found = UUID.search(r.stdout)
    assert found, r
    return found.group(0)


def show(client, request_id) -> dict:
    r = approvals(client, f"request show {request_id} --format json")
    assert r.returncode == 0, r
    return json.loads(r.stdout)


def test_create_says_what_it_needs_and_who_can_review(people):
    r = approvals(people["bob"], "request create --roles dba --reason 'ticket #123'")
    assert r.returncode == 0, r
    assert UUID.search(r.stdout), r
    assert "2 approvals" in r.stdout, r
    assert "alice" in r.stdout and "ivan" in r.stdout, r


def test_two_approvals_grant_the_role_and_the_login_then_works(people):
    bob, alice, ivan = people["bob"], people["alice"], people["ivan"]
    request_id = create(bob)
    assert "access denied" in bob.ssh("root@db-1", "whoami", options=("-o", "LogLevel=INFO")).stderr

    r = approvals(alice, f"request review --approve --reason 'looks fine' {request_id}")
    assert r.returncode == 0, r
    assert show(bob, request_id)["state"] == "PENDING"
    assert "access denied" in bob.ssh("root@db-1", "whoami", options=("-o", "LogLevel=INFO")).stderr

    r = approvals(ivan, f"request review --approve --reason granted {request_id}")
    assert r.returncode == 0, r
    shown = show(bob, request_id)
    assert shown["state"] == "APPROVED", shown
    assert shown["grant_expires"], shown
    assert [(x["reviewer"], x["decision"]) for x in shown["reviews"]] == \
        [("alice", "APPROVE"), ("ivan", "APPROVE")], shown

    r = bob.ssh("root@db-1", "whoami")
    assert (r.returncode, r.stdout) == (0, "root\n"), r


def test_json_fields(people):
    request_id = create(people["bob"], reason="json please")
    shown = show(people["alice"], request_id)
    for field in ("id", "user", "roles", "reason", "state", "created", "expires",
                  "approvals_needed", "reviews", "grant_expires"):
        assert field in shown, field
    assert (shown["id"], shown["user"], shown["roles"], shown["reason"]) == \
        (request_id, "bob", ["dba"], "json please")
    assert shown["grant_expires"] is None
    listed = json.loads(approvals(people["alice"], "request list --format json").stdout)
    assert request_id in [item["id"] for item in listed]


def test_list_table_shows_pending_requests_to_reviewers(people):
    request_id = create(people["bob"])
    r = approvals(people["ivan"], "request list")
    assert r.returncode == 0, r
    header = r.stdout.splitlines()[0]
    assert re.match(r"ID\s+User\s+Access\s+Created \(UTC\)\s+Status", header), r.stdout
    row = next(line for line in r.stdout.splitlines() if request_id in line)
    assert re.search(r"\bbob\s+role dba \(root on kind=db\)\s.*UTC.*PENDING", row), row


def test_requester_cannot_review_own_request(people):
    request_id = create(people["bob"])
    r = approvals(people["bob"], f"request review --approve {request_id}")
    assert r.returncode == 1, r
    assert "own request" in r.stderr, r
    assert len(r.stderr.strip().splitlines()) == 1, r


def test_reviewer_reviews_once_and_not_after_resolution(people):
    bob, alice, ivan = people["bob"], people["alice"], people["ivan"]
    request_id = create(bob)
    assert approvals(alice, f"request review --approve {request_id}").returncode == 0
    again = approvals(alice, f"request review --deny {request_id}")
    assert again.returncode == 1 and "already" in again.stderr, again

    assert approvals(ivan, f"request review --deny --reason 'not today' {request_id}").returncode == 0
    shown = show(bob, request_id)
    assert shown["state"] == "DENIED", shown
    late = approvals(alice, f"request review --approve {request_id}")
    assert late.returncode == 1 and "DENIED" in late.stderr, late


def test_deny_carries_the_reason(people):
    request_id = create(people["bob"])
    r = approvals(people["ivan"], f"request review --deny --reason 'use the replica' {request_id}")
    assert r.returncode == 0, r
    r = approvals(people["bob"], f"request show {request_id}")
    assert "DENIED" in r.stdout and "use the replica" in r.stdout, r


def test_not_a_reviewer_for_the_role(people, world, make_gate):
    request_id = create(people["bob"])
    # bob is only a dev: he reviews nothing.
    r = approvals(people["bob"], f"request review --approve {request_id}")
    assert r.returncode == 1, r


def test_cancel_only_by_requester(people):
    request_id = create(people["bob"])
    r = approvals(people["alice"], f"request cancel {request_id}")
    assert r.returncode == 1, r
    r = approvals(people["bob"], f"request cancel {request_id}")
    assert r.returncode == 0, r
    assert show(people["bob"], request_id)["state"] == "CANCELLED"


def test_bad_commands_get_usage_or_one_sentence(people):
    bob = people["bob"]
    r = approvals(bob, "request frobnicate")
    assert r.returncode == 2 and "usage" in r.stderr.lower(), r
    r = approvals(bob, "request create --roles dba --reason ticket #123")
    assert r.returncode == 2, r
    assert "'ticket #123'" in r.stderr, r  # shows how to quote
    r = approvals(bob, "request show 00000000-0000-4000-8000-000000000000")
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, r
    r = approvals(bob, "request create --roles nosuch --reason x")
    assert r.returncode == 1 and "nosuch" in r.stderr, r
    r = approvals(bob, "request create --roles dba --reason '" + "x" * 1100 + "'")
    assert r.returncode == 1 and "1024" in r.stderr, r


def test_reasons_are_sanitised_before_reaching_a_reviewer(people):
    evil = "deploy\x1b[2J\x1b[31mnow\x07"
    r = approvals(people["bob"], "request create --roles dba --reason " +
                  "'" + evil + "'")
    assert r.returncode == 0, r
    for command in ("request list", "history"):
        out = approvals(people["ivan"], command).stdout
        assert "\x1b" not in out and "\x07" not in out, (command, out)
    request_id = UUID.search(r.stdout).group(0)
    out = approvals(people["ivan"], f"request show {request_id}").stdout
    assert "\x1b" not in out and "\\x1b[2J" in out, out


def test_history_records_the_life_cycle_and_logins(people):
    bob, alice, ivan = people["bob"], people["alice"], people["ivan"]
    request_id = create(bob)
    bob.ssh("root@db-1", "true")  # denied: an audit event too
    approvals(alice, f"request review --approve {request_id}")
    approvals(ivan, f"request review --approve {request_id}")
    # bob's own view: his request's whole life and his own login.
    events = json.loads(approvals(bob, "history --format json").stdout)
    kinds = [(e["kind"], e["subject"]) for e in events]
    for kind in ("request.created", "request.reviewed", "request.approved"):
        assert (kind, request_id) in kinds, kinds
    assert any(kind == "login.denied" and subject == "root@db-1" for kind, subject in kinds), kinds


def test_watch_streams_changes_as_json_lines(people):
    watcher = subprocess.Popen(people["ivan"].ssh_argv("approvals", "request watch"),
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=client_env(), text=True)
    try:
        time.sleep(1.0)  # let the watcher subscribe
        request_id = create(people["bob"])
        line = _readline(watcher, timeout=5)
        event = json.loads(line)
        assert (event["event"], event["id"], event["state"]) == \
            ("request.created", request_id, "PENDING"), event
        approvals(people["alice"], f"request review --approve {request_id}")
        event = json.loads(_readline(watcher, timeout=5))
        assert event["event"] == "request.reviewed" and event["id"] == request_id, event
    finally:
        watcher.kill()
        watcher.wait()


def _readline(proc, timeout):
    import selectors
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    assert sel.select(timeout), "no line within %ss" % timeout
    line = proc.stdout.readline()
    assert line, proc.stderr.read()
    return line


def test_pending_request_expires_after_ttl(world, make_gate):
    gate = make_gate(edit=with_reviewers(ttl="2s"))
    bob, ivan = gate_client(world, gate, "bob"), gate_client(world, gate, "ivan")
    request_id = create(bob)
    time.sleep(2.5)
    assert show(bob, request_id)["state"] == "EXPIRED"
    r = approvals(ivan, f"request review --approve {request_id}")
    assert r.returncode == 1 and "EXPIRED" in r.stderr.upper(), r


def test_decisions_survive_kill_9(world, make_gate):
    gate = make_gate(edit=with_reviewers())
    bob, alice, ivan = (gate_client(world, gate, n) for n in ("bob", "alice", "ivan"))
    request_id = create(bob)
    assert approvals(alice, f"request review --approve {request_id}").returncode == 0
    assert approvals(ivan, f"request review --approve {request_id}").returncode == 0
    gate.proc.send_signal(signal.SIGKILL)
    gate.proc.wait(timeout=5)
    gate.start()
    shown = show(bob, request_id)
    assert shown["state"] == "APPROVED" and len(shown["reviews"]) == 2, shown
    r = bob.ssh("root@db-1", "whoami")
    assert (r.returncode, r.stdout) == (0, "root\n"), r


def test_menu_lists_and_approves_under_a_terminal(people):
    alice = people["alice"]
    argv = alice.ssh_argv("approvals", options=("-t", "-o", "BatchMode=no"))
    child = pexpect.spawn(argv[0], argv[1:], dimensions=(24, 80), timeout=10,
                          env=client_env(TERM="xterm"), encoding="utf-8",
                          codec_errors="replace")
    try:
        child.expect(r"\x1b\[2J")  # the menu drew itself
        time.sleep(0.5)
        # Arrives while the menu is open: it must redraw by itself, no key pressed.
        request_id = create(people["bob"], reason="menu test")
        child.expect("bob")
        child.send("\r")  # open the selected request
        child.expect("menu test")
        child.send("a")
        child.expect("(?i)reason")
        child.send("fine by me\r")
        child.expect("Approved")
        child.send("q")  # back to the list
        child.expect("q: quit")
        child.send("q")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    shown = show(people["bob"], request_id)
    assert [(x["reviewer"], x["decision"], x["reason"]) for x in shown["reviews"]] == \
        [("alice", "APPROVE", "fine by me")], shown


def audit_by_ivan(config: dict) -> None:
    """alice holds dba only (she reviews nothing); ivan reviews dba and audits."""
    for user in config["users"]:
        if user["name"] == "ivan":
            user["roles"] = ["dba-reviewer", "auditor"]
    config["roles"].append({"name": "auditor", "audit": True})


def test_people_see_what_concerns_them_and_auditors_everything(world, make_gate):
    gate = make_gate(edit=audit_by_ivan)
    bob, alice, ivan = (gate_client(world, gate, name) for name in ("bob", "alice", "ivan"))
    request_id = create(bob)
    assert bob.ssh("root@db-1", "true").returncode != 0      # denied: login.denied for bob
    assert alice.ssh("root@db-1", "true").returncode == 0    # login.allowed for alice

    r = approvals(alice, f"request show {request_id}")
    assert r.returncode == 1 and r.stdout == "", r
    assert r.stderr == f"holdgate: request {request_id} is neither yours nor one you may review\n", r
    r = approvals(alice, "request list --all")
    assert r.returncode == 1 and r.stdout == "", r
    assert "only for a role with audit: true" in r.stderr, r
    assert request_id not in approvals(alice, "request list").stdout

    mine = json.loads(approvals(alice, "history --format json").stdout)
    assert {e["actor"] for e in mine} == {"alice"}, mine
    # Her login, and what her session did (session.exec/session.ended, issue 13).
    assert [e["kind"] for e in mine if not e["kind"].startswith("session.")] == \
        ["login.allowed"], mine
    assert request_id not in approvals(alice, "history").stdout

    assert show(bob, request_id)["user"] == "bob"             # his own
    assert show(ivan, request_id)["user"] == "bob"            # he may review it
    everything = json.loads(approvals(ivan, "history --format json").stdout)
    seen = {(e["kind"], e["actor"]) for e in everything}
    assert {("request.created", "bob"), ("login.denied", "bob"), ("login.allowed", "alice")} <= seen
    assert request_id in approvals(ivan, "request list --all").stdout
