"""Hooks that must answer first (issue 12, section 5).

With `request: {hooks: required}` a reviewer's approval that lands before a slow hook's answer is
stored but does not decide (the reviewer is told), and the hook's deny still ends the request.
`request create` and the inline prompt wait up to the hooks' timeout, so a requester whose
request a hook denies reads the hook's reason at once.

bob (dev) may request dba; here one approval is enough, and ivan (or alice) reviews it.
"""
from __future__ import annotations

import re
import time

import pexpect

from harness.procs import wait_until
from harness.scenarios import reviewers_world
from harness.world import gate_client
from test_escalation import spawn
from test_notify import hook_entry, verdict, write_hook

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
JIRA = "provide an active JIRA ticket"


def start(world, make_gate, hooks, required=True):
    def edit(config):
        reviewers_world(config)
        for role in config["roles"]:
            if role["name"] == "dev":
                role["request"]["approve"] = 1
                if required:
                    role["request"]["hooks"] = "required"
        config["approvals"] = {"hooks": hooks}
    gate = make_gate(edit=edit)
    return gate, {name: gate_client(world, gate, name) for name in ("alice", "bob", "ivan")}


def gated_hook(tmp_path, name, answer):
    """A hook that answers `answer` only once the test touches its release file."""
    release = tmp_path / f"release-{name}"
    hook = write_hook(tmp_path, name, f"""
while not os.path.exists({str(release)!r}):
    time.sleep(0.05)
{answer}""")
    return hook, release


def pending_id(client) -> str:
    found = []

    def listed():
        r = client.ssh("approvals", "request list")
        found[:] = [line.split()[0] for line in r.stdout.splitlines() if "PENDING" in line]
        return bool(found)
    assert wait_until(listed, 10, interval=0.2)
    return found[0]


def state_of(client, request_id) -> str:
    r = client.ssh("approvals", f"request show --format json {request_id}")
    assert r.returncode == 0, r
    return re.search(r'"state":\s*"(\w+)"', r.stdout).group(1)


def test_early_approval_waits_for_a_slow_hook_whose_deny_keeps_bob_out(world, make_gate,
                                                                        tmp_path):
    hook, release = gated_hook(tmp_path, "jira", verdict("deny", JIRA))
    _, people = start(world, make_gate, [hook_entry(hook, timeout="15s")])
    bob, ivan = people["bob"], people["ivan"]
    with spawn(bob, "root@db-1", "whoami") as child:
        child.expect("Enter request reason: ")
        child.sendline("incident 7")
        request_id = pending_id(ivan)

        r = ivan.ssh("approvals", f"request review --approve {request_id}")
        assert r.returncode == 0, r
        assert r.stdout == (f"Request {request_id}: approval recorded; it counts once the "
                            "approval hooks have answered (0 of 1 so far).\n"), r
        time.sleep(0.5)
        assert state_of(ivan, request_id) == "PENDING"

        release.touch()
        child.expect(f'request {request_id} was denied by hook:jira: "?{JIRA}', timeout=10)
        child.expect(pexpect.EOF)
        assert "root\r\n" not in child.before
    child.close()
    assert child.exitstatus != 0
    assert state_of(ivan, request_id) == "DENIED"
    r = bob.ssh("root@db-1", "whoami", options=("-o", "LogLevel=INFO"))
    assert r.returncode != 0 and "access denied" in r.stderr, r


def test_early_approval_counts_once_the_last_hook_answers(world, make_gate, tmp_path):
    hook, release = gated_hook(tmp_path, "pager", verdict("none", "not mine"))
    _, people = start(world, make_gate, [hook_entry(hook, timeout="15s")])
    bob, ivan = people["bob"], people["ivan"]
    with spawn(bob, "root@db-1", "whoami") as child:
        child.expect("Enter request reason: ")
        child.sendline("incident 8")
        request_id = pending_id(ivan)
        assert ivan.ssh("approvals", f"request review --approve {request_id}").returncode == 0
        time.sleep(0.5)
        assert state_of(ivan, request_id) == "PENDING"
        release.touch()
        child.expect("Access granted until .* UTC. Connecting to db-1", timeout=10)
        child.expect(r"\broot\r\n")
        child.expect(pexpect.EOF)


def test_request_create_prints_a_denying_hooks_reason_at_once(world, make_gate, tmp_path):
    hook = write_hook(tmp_path, "jira", "time.sleep(0.3)\n" + verdict("deny", JIRA))
    # Beside (the default): request create waits for the hooks of every request.
    _, people = start(world, make_gate, [hook_entry(hook, timeout="5s")], required=False)
    began = time.monotonic()
    r = people["bob"].ssh("approvals", "request create --roles dba --reason 'quick look'")
    took = time.monotonic() - began
    assert r.returncode == 1, r
    request_id = UUID.search(r.stderr).group(0)
    assert r.stderr == f"holdgate: request {request_id} was denied by hook:jira: {JIRA}\n", r
    assert took < 4, took  # the hook's answer, not its timeout


def test_request_create_that_a_hook_approves_is_approved_when_it_returns(world, make_gate,
                                                                         tmp_path):
    hook = write_hook(tmp_path, "oncall", verdict("approve", "on call"))
    _, people = start(world, make_gate, [hook_entry(hook)])
    r = people["bob"].ssh("approvals", "request create --roles dba --reason 'paged'")
    assert r.returncode == 0, r
    assert re.search(r"is APPROVED: bob holds role dba .* until ", r.stdout), r
    r = people["bob"].ssh("root@db-1", "whoami")
    assert (r.returncode, r.stdout) == (0, "root\n"), r


def test_inline_prompt_shows_the_hooks_reason_at_once(world, make_gate, tmp_path):
    hook = write_hook(tmp_path, "jira", "time.sleep(0.3)\n" + verdict("deny", JIRA))
    _, people = start(world, make_gate, [hook_entry(hook, timeout="5s")], required=False)
    with spawn(people["bob"], "root@db-1", "whoami") as child:
        child.expect("Enter request reason: ")
        child.sendline("incident 9")
        began = time.monotonic()
        child.expect(f'was denied by hook:jira: "?{JIRA}', timeout=4)
        assert time.monotonic() - began < 4
        assert "Waiting for approval" not in child.before, child.before
        child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus != 0
