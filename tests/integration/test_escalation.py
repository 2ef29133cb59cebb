"""Inline escalation: a denied `ssh root@db-1` asks for a reason in the user's own terminal,
holds the connection while reviewers decide, and continues on the same connection.

bob (dev) may request dba (two approvals); alice and ivan review dba requests.
"""
from __future__ import annotations

import re
import signal
import subprocess
import time

import pexpect
import pytest

from harness.client import client_env
from harness.scenarios import with_reviewers
from harness.world import gate_client

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# Prompts and progress travel as keyboard-interactive text, which OpenSSH prints at its
# default LogLevel (INFO); the harness's quieter ERROR would hide them.
INTERACTIVE = ("-o", "BatchMode=no", "-o", "LogLevel=INFO")


@pytest.fixture
def gate(world, make_gate):
    return make_gate(edit=with_reviewers())


@pytest.fixture
def people(world, gate):
    return {name: gate_client(world, gate, name) for name in ("alice", "bob", "ivan")}


def spawn(client, *argv_tail, program="ssh", rows=24, cols=80):
    """`client`'s ssh (or scp) under a real terminal."""
    if program == "ssh":
        argv = client.ssh_argv(*argv_tail, options=INTERACTIVE)
    else:
        argv = [program, "-F", str(client.config), *INTERACTIVE, *argv_tail]
    return pexpect.spawn(argv[0], argv[1:], dimensions=(rows, cols), timeout=10,
                         env=client_env(TERM="xterm"), encoding="utf-8", codec_errors="replace")


def request_access(child, reason="responding to incident 123") -> str:
    """Answer the reason prompt; return the new request's ID once the hold has begun."""
    child.expect("Enter request reason: ")
    child.sendline(reason)
    child.expect(r"Creating request\.\.\. (\S+)")
    request_id = child.match.group(1)
    assert UUID.fullmatch(request_id), request_id
    child.expect(r"Waiting for approval 0/2")
    return request_id


def review(client, request_id, decision="--approve", reason="ok"):
    r = client.ssh("approvals", f"request review {decision} --reason '{reason}' {request_id}")
    assert r.returncode == 0, r
    return time.monotonic()


def test_seed_scenario_same_session_continues_after_two_approvals(people):
    bob, alice, ivan = people["bob"], people["alice"], people["ivan"]
    child = spawn(bob, "root@db-1", "-t")
    try:
        child.expect("access denied to root on db-1")
        child.expect(r"Role to request: dba \(2 approvals needed; reviewers: alice, ivan\)")
        request_id = request_access(child)

        reviewed_at = review(alice, request_id, reason="proceed with caution")
        child.expect('alice approved: "proceed with caution"')
        assert time.monotonic() - reviewed_at < 1.0, "progress must be pushed within a second"
        child.expect(r"Waiting for approval 1/2 \(can still approve: ivan\)")

        review(ivan, request_id, reason="granted.")
        child.expect("Access granted until .* UTC. Connecting to db-1")
        child.expect(r"[#$] ")
        child.sendline("whoami")
        child.expect(r"\broot\r\n")
        child.sendline("exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    # A later login reuses the grant: straight in, no prompt.
    r = bob.ssh("root@db-1", "whoami")
    assert (r.returncode, r.stdout) == (0, "root\n"), r


def test_deny_shows_the_reviewers_reason_and_exits_non_zero(people):
    child = spawn(people["bob"], "root@db-1", "whoami")
    try:
        request_id = request_access(child)
        review(people["ivan"], request_id, "--deny", "use the read replica")
        child.expect("ivan denied")
        child.expect('was denied: "use the read replica"')
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus != 0


def test_expiry_is_said_and_exits_non_zero(world, make_gate):
    gate = make_gate(edit=with_reviewers(ttl="3s"))
    child = spawn(gate_client(world, gate, "bob"), "root@db-1", "whoami")
    try:
        request_access(child)
        child.expect("expired without a decision", timeout=8)
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus != 0


def test_reconnect_reattaches_then_goes_straight_in_once_approved(people):
    bob, alice, ivan = people["bob"], people["alice"], people["ivan"]
    first = spawn(bob, "root@db-1", "whoami")
    try:
        request_id = request_access(first)
    finally:
        first.close(force=True)  # Ctrl-C / hang-up: the request stays pending

    second = spawn(bob, "root@db-1", "whoami")
    try:
        second.expect(f"Reattached to your pending request {request_id}")
        second.expect("Waiting for approval 0/2")
        listed = alice.ssh("approvals", "request list").stdout
        assert re.search(rf"{request_id}.*\(waiting\)", listed), listed
    finally:
        second.close(force=True)
    pending = [line for line in alice.ssh("approvals", "request list --reviewable").stdout.splitlines()
               if "PENDING" in line]
    assert len(pending) == 1, pending  # reattached, no duplicate

    review(alice, request_id)
    review(ivan, request_id)
    r = bob.ssh("root@db-1", "whoami")
    assert (r.returncode, r.stdout) == (0, "root\n"), r


def test_exec_with_a_terminal_gets_the_prompt_and_its_output(people):
    child = spawn(people["bob"], "root@db-1", "-t", "echo hello-from; whoami")
    try:
        request_id = request_access(child)
        review(people["alice"], request_id)
        review(people["ivan"], request_id)
        child.expect("hello-from")
        child.expect("root")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0


def test_scp_with_a_terminal_holds_then_copies(people, tmp_path):
    source = tmp_path / "payload.txt"
    source.write_text("held then copied\n")
    bob = people["bob"]
    # No -q: scp would pass it on to ssh, which then hides the progress lines.
    child = spawn(bob, str(source), bob.remote("root@db-1", tmp_path / "copied.txt"),
                  program="scp")
    try:
        request_id = request_access(child)
        review(people["alice"], request_id)
        review(people["ivan"], request_id)
        child.expect(pexpect.EOF, timeout=20)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    assert (tmp_path / "copied.txt").read_text() == "held then copied\n"


def test_no_terminal_fails_fast_with_the_command_to_run(people):
    bob = people["bob"]
    started = time.monotonic()
    r = bob.ssh("root@db-1", "whoami", options=("-o", "LogLevel=INFO"))  # BatchMode from config
    assert r.returncode != 0, r
    assert time.monotonic() - started < 5
    assert "access denied" in r.stderr, r
    line = re.search(r"(ssh -p \d+ approvals@\S+ \"request create --login root --target db-1 "
                     r"[^\"]*\")", r.stderr)
    assert line, r.stderr

    created = bob.ssh("approvals",
                      "request create --login root --target db-1 --reason 'nightly job'")
    request_id = UUID.search(created.stdout).group(0)
    review(people["alice"], request_id)
    review(people["ivan"], request_id)
    r = bob.ssh("root@db-1", "whoami")
    assert (r.returncode, r.stdout) == (0, "root\n"), r


def test_grant_expiring_mid_session_warns_then_closes(world, make_gate):
    gate = make_gate(edit=with_reviewers(max_duration="6s"))
    bob, alice, ivan = (gate_client(world, gate, n) for n in ("bob", "alice", "ivan"))
    created = bob.ssh("approvals", "request create --roles dba --reason 'short job'")
    request_id = UUID.search(created.stdout).group(0)
    review(alice, request_id)
    review(ivan, request_id)
    child = spawn(bob, "root@db-1", "-t")
    try:
        # Less than 5 minutes left: the warning comes at once, as the terminal opens.
        child.expect("your access to root@db-1 ends at")
        child.expect(r"[#$] ")
        child.expect("your access to root@db-1 has expired", timeout=10)
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus != 0
    assert "access denied" in bob.ssh("root@db-1", "true", options=("-o", "LogLevel=INFO")).stderr


def test_no_requestable_role_is_a_plain_denial(people):
    r = people["ivan"].ssh("root@db-1", "whoami")
    assert r.returncode != 0
    assert "access denied to root on db-1 (no role you can request grants it)" in r.stderr, r


def test_restart_while_waiting_drops_the_hold_and_the_request_survives(world, make_gate):
    gate = make_gate(edit=with_reviewers())
    bob = gate_client(world, gate, "bob")
    child = spawn(bob, "root@db-1", "whoami")
    try:
        request_id = request_access(child)
        gate.proc.send_signal(signal.SIGTERM)
        child.expect(pexpect.EOF, timeout=5)  # a held connection is not a live session: dropped
        assert gate.proc.wait(timeout=5) == 0
    finally:
        child.close(force=True)
    gate.start()
    again = spawn(bob, "root@db-1", "whoami")
    try:
        again.expect(f"Reattached to your pending request {request_id}")
    finally:
        again.close(force=True)
