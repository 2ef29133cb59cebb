"""Several bastions, one state: two holdgate processes on two ports with the same host key and
the same people, sharing either one state_dir (the same SQLite file) or one PostgreSQL (each
with a state_dir of its own, the way two machines would be). A change made on one reaches held
sessions, `request watch` streams and live sessions on the other within a second; webhooks fire
once, from the bastion that made the change; a bastion killed with -9 loses nothing.

bob (dev) may request dba (one approval here); alice and ivan review dba; ivan is an admin.
"""
from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import pexpect
import pytest

from harness.client import client_env, live_shell
from harness.procs import wait_until
from harness.world import gate_client, new_gate
from test_approvals import _readline as readline
from test_escalation import spawn
from test_notify import Receiver

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
REVOKED = "holdgate: your access to root@db-1 was revoked by ivan: incident over"


def policy(config, webhook_url=None):
    for user in config["users"]:
        if user["name"] == "alice":
            user["roles"] = ["dba", "dba-reviewer"]
        if user["name"] == "ivan":
            user["roles"] = ["dba-reviewer", "oncall"]
    for role in config["roles"]:
        if role["name"] == "dev":
            role["request"]["approve"] = 1
    config["roles"].append({"name": "oncall", "admin": True})
    if webhook_url:
        config["notify"] = {"webhooks": [{"url": webhook_url, "format": "json"}]}


@pytest.fixture
def receiver():
    made = Receiver()
    yield made
    made.close()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request):
    """The shared state: "sqlite" (one state_dir), or a fresh PostgreSQL database's DSN."""
    return request.getfixturevalue("postgres_dsn") if request.param == "postgres" else "sqlite"


@pytest.fixture
def bastions(world, tmp_path, receiver, backend):
    """Bastions A and B on one state; A starts first and makes the host key B then uses."""
    edit = lambda config: policy(config, receiver.url())  # noqa: E731
    a = new_gate(world, tmp_path / "a", name="bastion A", edit=edit)
    b = new_gate(world, tmp_path / "b", name="bastion B", edit=edit)
    if backend == "sqlite":
        b.config["state_dir"] = a.config["state_dir"]
    else:
        for gate in (a, b):
            gate.config["storage"] = {"postgres": backend}
        # As every bastion behind one name must: the same host key (README, "Several bastions").
        b.config["host_keys"] = [str(Path(a.config["state_dir"]) / "ssh_host_ed25519_key")]
    started = []
    try:
        for gate in (a, b):
            gate.start()
            started.append(gate)
        yield a, b
    finally:
        for gate in started:
            gate.stop()


def clients(world, gate):
    return {name: gate_client(world, gate, name, alias=f"holdgate-{gate.port}")
            for name in ("alice", "bob", "ivan")}


def approvals(client, command):
    r = client.ssh("approvals", command)
    assert r.returncode == 0, r
    return r


def held(child) -> str:
    """bob's denied `ssh root@db-1` on a bastion, held for one approval; the request's ID."""
    child.expect("Enter request reason: ")
    child.sendline("incident 7")
    child.expect(r"Creating request\.\.\. (\S+)")
    request_id = child.match.group(1)
    assert UUID.fullmatch(request_id), request_id
    child.expect(r"Waiting for approval 0/1")
    return request_id


def continues_within_a_second(child, since):
    child.expect("Access granted until .* UTC. Connecting to db-1", timeout=5)
    elapsed = time.monotonic() - since
    assert elapsed < 1.0, f"bob's held session went on {elapsed:.2f}s after the approval"
    child.expect(r"[#$] ")
    child.sendline("whoami")
    child.expect(r"\broot\r\n")


def ends_within_a_second(child, since, sentence):
    child.expect(re.escape(sentence), timeout=5)
    elapsed = time.monotonic() - since
    child.expect(pexpect.EOF, timeout=5)
    assert elapsed < 1.0, f"bob's live session ended {elapsed:.2f}s after the change"


def test_approved_on_a_bob_held_on_b_goes_on_and_a_revoke_on_a_ends_it(world, bastions):
    a, b = bastions
    on_a, on_b = clients(world, a), clients(world, b)
    child = spawn(on_b["bob"], "root@db-1", "-t")
    try:
        request_id = held(child)
        approvals(on_a["alice"], f"request review --approve --reason 'go ahead' {request_id}")
        continues_within_a_second(child, time.monotonic())

        approvals(on_a["ivan"], f"request revoke {request_id} --reason 'incident over'")
        ends_within_a_second(child, time.monotonic(), REVOKED)
    finally:
        child.close(force=True)
    # The same request everywhere: B shows what A wrote.
    shown = json.loads(approvals(on_b["bob"], f"request show {request_id} --format json").stdout)
    assert shown["state"] == "REVOKED", shown


def test_request_watch_on_b_shows_a_request_created_on_a(world, bastions):
    a, b = bastions
    on_a, on_b = clients(world, a), clients(world, b)
    watcher = subprocess.Popen(on_b["ivan"].ssh_argv("approvals", "request watch"),
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=client_env(), text=True)
    try:
        time.sleep(1.0)  # let the watcher subscribe
        r = approvals(on_a["bob"], "request create --roles dba --reason 'nightly job'")
        created_at = time.monotonic()
        request_id = UUID.search(r.stdout).group(0)
        event = json.loads(readline(watcher, timeout=5))
        assert time.monotonic() - created_at < 1.0, "the watch line came after more than 1s"
        assert (event["event"], event["id"], event["state"]) == \
            ("request.created", request_id, "PENDING"), event
        approvals(on_a["alice"], f"request review --approve {request_id}")
        event = json.loads(readline(watcher, timeout=5))
        assert (event["event"], event["id"], event["state"]) == \
            ("request.approved", request_id, "APPROVED"), event
    finally:
        watcher.kill()
        watcher.wait()


def test_a_lock_made_on_a_ends_bobs_session_on_b(world, bastions):
    a, b = bastions
    on_a, on_b = clients(world, a), clients(world, b)
    r = approvals(on_b["bob"], "request create --roles dba --reason 'nightly job'")
    approvals(on_b["alice"], f"request review --approve {UUID.search(r.stdout).group(0)}")
    child = live_shell(on_b["bob"])
    try:
        approvals(on_a["ivan"], "lock create --user bob --reason 'account review'")
        ends_within_a_second(child, time.monotonic(),
                             "holdgate: your access to root@db-1 was ended: bob is locked by "
                             "ivan: account review")
    finally:
        child.close(force=True)
    again = on_b["bob"].ssh("root@db-1", "whoami", options=("-o", "LogLevel=INFO"))
    assert again.returncode != 0 and "locked by ivan: account review" in again.stderr, again


def test_each_webhook_event_is_sent_once_by_the_bastion_that_made_it(world, bastions, receiver):
    a, b = bastions
    on_a, on_b = clients(world, a), clients(world, b)
    r = approvals(on_a["bob"], "request create --roles dba --reason 'nightly job'")
    request_id = UUID.search(r.stdout).group(0)
    approvals(on_b["alice"], f"request review --approve {request_id}")   # made on B
    approvals(on_a["ivan"], f"request revoke {request_id} --reason 'incident over'")
    # The deciding review is sent as the approval it made (as on a single bastion).
    wanted = ["request.created", "request.approved", "request.revoked"]
    receiver.wait_for(len(wanted))
    time.sleep(3.0)  # past the safety re-read: a second copy would have come by now
    events = [p["event"] for p in receiver.payloads() if p.get("id") == request_id]
    assert sorted(events) == sorted(wanted), events


def test_a_killed_bastion_loses_nothing(world, bastions):
    a, b = bastions
    on_a, on_b = clients(world, a), clients(world, b)
    child = spawn(on_b["bob"], "root@db-1", "-t")
    try:
        request_id = held(child)
        # A knows of the request (it read it from the shared file) before it dies.
        assert wait_until(lambda: request_id in on_a["alice"].ssh("approvals", "request list")
                          .stdout, 5)
        a.proc.kill()
        a.proc.wait(5)
        approvals(on_b["alice"], f"request review --approve {request_id}")
        continues_within_a_second(child, time.monotonic())
    finally:
        child.close(force=True)


def test_a_request_expires_once_on_two_bastions(world, tmp_path, receiver):
    def short(config):
        policy(config, receiver.url())
        for role in config["roles"]:
            if role["name"] == "dev":
                role["request"]["ttl"] = "3s"
    a = new_gate(world, tmp_path / "a", name="bastion A", edit=short)
    b = new_gate(world, tmp_path / "b", name="bastion B", edit=short)
    b.config["state_dir"] = a.config["state_dir"]
    a.start()
    try:
        b.start()
        on_a, on_b = clients(world, a), clients(world, b)
        # Both bastions' timers are armed for it: one expires it, the other's write loses.
        child = spawn(on_a["bob"], "root@db-1", "whoami")
        try:
            held_id = held(child)
            child.expect("expired without a decision", timeout=8)
            child.expect(pexpect.EOF)
        finally:
            child.close(force=True)
        # Made on B, which then dies: A's timer knows of it only from B's change.
        r = approvals(on_b["bob"], "request create --roles dba --reason 'nightly job'")
        made_on_b = UUID.search(r.stdout).group(0)
        b.proc.kill()
        b.proc.wait(5)

        def expired(request_id):
            history = json.loads(approvals(on_a["ivan"], "history --format json").stdout)
            return [e for e in history if e["kind"] == "request.expired"
                    and e["subject"] == request_id]
        assert wait_until(lambda: expired(made_on_b), 6, interval=0.2), "A never expired it"
        time.sleep(1.0)
        assert len(expired(held_id)) == 1 and len(expired(made_on_b)) == 1
        posts = [p["id"] for p in receiver.payloads() if p["event"] == "request.expired"]
        assert sorted(posts) == sorted([held_id, made_on_b]), posts
    finally:
        b.stop()
        a.stop()


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_postgres_restarted_while_bob_is_held_the_approval_still_gets_through(world, bastions,
                                                                              postgres):
    a, b = bastions
    on_a, on_b = clients(world, a), clients(world, b)
    child = spawn(on_b["bob"], "root@db-1", "-t")
    try:
        request_id = held(child)
        postgres.restart()  # every connection of both bastions ends: stores' and B's LISTEN
        # The reviewer is not told to try again: A's store finds its connection gone and
        # connects anew before the approval's first statement.
        approved = time.monotonic()
        approvals(on_a["alice"], f"request review --approve {request_id}")
        # B's hold survived; its feed listens again (after a short backoff) and reads the
        # trail, where the approval is.
        child.expect("Access granted until .* UTC. Connecting to db-1", timeout=10)
        assert time.monotonic() - approved < 5
        child.expect(r"[#$] ")
        child.sendline("whoami")
        child.expect(r"\broot\r\n")
    finally:
        child.close(force=True)
    assert "change-feed-error" in b.log_text()
