"""Finding, watching and ending relayed sessions (issue 13, section 2, the live half):
`session list`, `session watch ID` and `session kill ID --reason` over the approvals channel.

alice (dba) logs in as root on db-1; ivan reviews dba (so he may see and end her sessions);
bob (dev) reviews nothing and sees none of hers; mallory holds only an `audit: true` role and
sees everyone's, but may end none. Real ssh under real ptys, real sshd behind holdgate.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import time

import pexpect
import pytest

from harness.client import client_env, live_shell
from harness.world import gate_client


def with_auditor(world):
    def edit(config: dict) -> None:
        config["users"].append({"name": "mallory", "keys": [world.people["mallory"].public_line],
                                "roles": ["auditor"]})
        config["roles"].append({"name": "auditor", "audit": True})
    return edit


@pytest.fixture
def people(world, make_gate):
    gate = make_gate(edit=with_auditor(world))
    return {name: gate_client(world, gate, name) for name in ("alice", "bob", "ivan", "mallory")}


def sessions(client, *flags: str) -> list[dict]:
    r = client.ssh("approvals", " ".join(("session list", *flags, "--format json")))
    assert r.returncode == 0, r
    return json.loads(r.stdout)


def live_id(client) -> str:
    [row] = sessions(client, "--live")
    assert row["live"] is True and row["person"] == "alice" and row["kind"] == "shell", row
    return row["id"]


def finished_shell(client) -> None:
    with client.pty("root@db-1") as shell:
        shell.wait_ready()
        shell.run("echo finished-one")
        shell.child.sendline("exit")
        shell.child.expect(pexpect.EOF, timeout=10)


def until(predicate, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def test_session_list_shows_finished_and_live_sessions_to_those_who_may_see_them(people):
    alice, bob, ivan, mallory = (people[n] for n in ("alice", "bob", "ivan", "mallory"))
    finished_shell(alice)
    # The finished one is listed once its recording is closed and its end audited.
    assert until(lambda: len(sessions(alice)) == 1), sessions(alice)
    child = live_shell(alice)
    try:
        mine = sessions(alice)
        assert [row["live"] for row in mine] == [True, False], mine
        live, finished = mine
        assert re.fullmatch(r"[0-9a-f]{8}", live["id"]) and live["id"] != finished["id"], mine
        assert finished["kind"] == "shell" and finished["roles"] == ["dba"], finished
        assert finished["login"] == "root" and finished["target"] == "db-1", finished
        assert finished["recording"] and finished["recording"].endswith(".cast"), finished
        # The table marks the live one.
        table = alice.ssh("approvals", "session list").stdout
        assert re.search(rf"^{live['id']}\s+alice\s+root@db-1\s.*\bLIVE$", table, re.M), table
        assert re.search(rf"^{finished['id']}\s+alice\s+root@db-1\s.*shell\s+exit 0$", table, re.M), table
        assert [row["id"] for row in sessions(alice, "--live")] == [live["id"]]
        # ivan reviews dba, the role that let her in; mallory audits everything.
        assert [row["id"] for row in sessions(ivan, "--user alice")] == [live["id"], finished["id"]]
        assert [row["id"] for row in sessions(mallory, "--target db-1")] == [live["id"], finished["id"]]
        assert sessions(mallory, "--target dead-1") == []
        # bob may see none of them, and is told so when he asks for hers by name.
        assert sessions(bob) == []
        assert bob.ssh("approvals", "session list").stdout == "No sessions.\n"
        r = bob.ssh("approvals", "session list --user alice")
        assert r.returncode == 1 and r.stdout == "", r
        assert r.stderr == ("holdgate: you may see only your own sessions; alice's are for "
                            "reviewers of their roles and audit roles\n"), r
        r = bob.ssh("approvals", f"session watch {live['id']}")
        assert r.returncode == 1 and r.stderr == \
            f"holdgate: session {live['id']} is neither yours nor one you may review\n", r
    finally:
        child.close(force=True)


def test_a_reviewer_watches_a_live_session_read_only_and_its_person_is_told(people):
    alice, ivan = people["alice"], people["ivan"]
    child = live_shell(alice)
    watcher = None
    try:
        session_id = live_id(alice)
        child.sendline("echo hg-$((2*3))-before")
        child.expect_exact("hg-6-before")
        argv = ivan.ssh_argv("approvals", "-t", f"session watch {session_id}")
        watcher = pexpect.spawn(argv[0], argv[1:], dimensions=(24, 80), timeout=10,
                                env=client_env(TERM="xterm"), encoding="utf-8",
                                codec_errors="replace")
        watcher.expect_exact("watching alice's session root@db-1 (read-only; q or Ctrl-C to stop)")
        # The last lines of the screen first, so the watcher sees where things are.
        watcher.expect_exact("hg-6-before")
        child.expect_exact("holdgate: ivan is watching this session")
        # What alice types from now on, and what it prints, reaches ivan as she sees it.
        child.sendline("echo hg-$((6*7))-watched")
        child.expect_exact("hg-42-watched")
        watcher.expect_exact("hg-42-watched")
        # ivan's typing goes nowhere: alice's shell never runs it.
        watcher.send("echo hg-$((5*5))-typed\r")
        child.sendline("echo hg-after")
        child.expect_exact("hg-after\r\n")
        watcher.expect_exact("hg-after")
        assert "hg-25-typed" not in child.before and "hg-25-typed" not in watcher.before
        watcher.send("q")
        watcher.expect_exact("holdgate: stopped watching")
        watcher.expect(pexpect.EOF)
        watcher.close()
        assert watcher.exitstatus == 0
        child.expect_exact("holdgate: ivan stopped watching this session")
    finally:
        child.close(force=True)
        if watcher is not None:
            watcher.close(force=True)
    events = json.loads(ivan.ssh("approvals", "history --format json").stdout)
    [watched] = [e for e in events if e["kind"] == "session.watched"]
    assert watched["actor"] == "ivan" and watched["subject"] == "root@db-1", watched
    assert json.loads(watched["details"]) == {"session": session_id, "person": "alice"}


def test_a_reviewer_ends_a_live_session_with_the_reason_in_its_terminal(people):
    alice, bob, ivan, mallory = (people[n] for n in ("alice", "bob", "ivan", "mallory"))
    child = live_shell(alice)
    try:
        session_id = live_id(alice)
        for who, sentence in (
                (bob, f"session {session_id} is neither yours nor one you may review"),
                (mallory, f"only reviewers of its roles and admins may end alice's session {session_id}"),
                (alice, f"session {session_id} is your own: exit it to end it"),
                (ivan, "no live session 0badc0de (session list --live shows them)")):
            target = "0badc0de" if who is ivan else session_id
            r = who.ssh("approvals", f"session kill {target} --reason 'not yours'")
            assert (r.returncode, r.stdout, r.stderr) == (1, "", f"holdgate: {sentence}\n"), r
        r = ivan.ssh("approvals", f"session kill {session_id} --reason 'incident 7'")
        started = time.monotonic()
        assert r.returncode == 0, r
        assert r.stdout == f"Session {session_id} of alice (root@db-1) ended: incident 7\n", r
        child.expect_exact("holdgate: your session was ended by ivan: incident 7", timeout=5)
        elapsed = time.monotonic() - started
        child.expect(pexpect.EOF, timeout=5)
        assert elapsed < 1.0, f"the session ended {elapsed:.2f}s after the command returned"
    finally:
        child.close(force=True)
    r = ivan.ssh("approvals", f"session kill {session_id} --reason again")
    assert r.returncode == 1 and r.stderr.startswith(f"holdgate: session {session_id} is not live"), r
    events = json.loads(mallory.ssh("approvals", "history --format json").stdout)
    [killed] = [e for e in events if e["kind"] == "session.killed"]
    assert killed["actor"] == "ivan" and killed["subject"] == "root@db-1", killed
    assert json.loads(killed["details"]) == {"session": session_id, "person": "alice",
                                             "reason": "incident 7"}
    ended = until(lambda: [e for e in json.loads(mallory.ssh("approvals", "history --format json").stdout)
                           if e["kind"] == "session.ended"])
    details = json.loads(ended[0]["details"])
    assert details["session"] == session_id and details["roles"] == ["dba"], details
    assert "request" not in details  # a standing role let her in, no grant


def test_a_watcher_who_reads_nothing_is_dropped_and_never_slows_the_session(people):
    alice, ivan = people["alice"], people["ivan"]
    # alice's terminal prints ~24 MB once ivan is watching; ivan reads none of it.
    go = f"/tmp/hg-watch-go-{os.getpid()}"
    argv = alice.ssh_argv("root@db-1", "-tt",
                          f"while [ ! -e {go} ]; do sleep 0.1; done; rm -f {go}; "
                          "head -c 24000000 /dev/zero | tr '\\0' x; echo; echo hg-done")
    busy = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=client_env())
    watcher = None
    try:
        rows = until(lambda: sessions(alice, "--live"))
        [row] = rows
        assert row["kind"] == "exec" and row["pty"] is True, row
        argv = ivan.ssh_argv("approvals", "-t", f"session watch {row['id']}")
        watcher = pexpect.spawn(argv[0], argv[1:], dimensions=(24, 80), timeout=20,
                                env=client_env(TERM="xterm"), encoding="utf-8",
                                codec_errors="replace", maxread=65536)
        watcher.expect_exact("(read-only; q or Ctrl-C to stop)")
        assert alice.ssh("root@db-1", f"touch {go}").returncode == 0
        # The watched session runs to its end while its watcher reads nothing at all.
        assert busy.wait(timeout=60) == 0
        watcher.expect_exact("holdgate: you were dropped from watching: your connection could "
                             "not keep up", searchwindowsize=200)
        watcher.expect(pexpect.EOF)
        watcher.close()
        assert watcher.exitstatus == 1
    finally:
        busy.kill()
        busy.wait()
        if watcher is not None:
            watcher.close(force=True)


def menu(client) -> pexpect.spawn:
    """`ssh -t approvals@holdgate` with no command: the interactive menu, on its list."""
    argv = client.ssh_argv("approvals", options=("-t", "-o", "BatchMode=no"))
    child = pexpect.spawn(argv[0], argv[1:], dimensions=(24, 120), timeout=10,
                          env=client_env(TERM="xterm"), encoding="utf-8", codec_errors="replace")
    child.expect_exact("s: sessions")
    return child


def test_the_menu_watches_a_live_session_and_ends_it(people):
    alice, ivan, mallory = people["alice"], people["ivan"], people["mallory"]
    child = live_shell(alice)
    menus = []
    try:
        session_id = live_id(alice)
        # Those who may not end it get session kill's own sentence, on one line.
        for who, sentence in (
                (alice, f"session {session_id} is your own: exit it to end it"),
                (mallory, f"only reviewers of its roles and admins may end alice's session {session_id}")):
            m = menu(who)
            menus.append(m)
            m.send("s")
            m.expect(rf"> {session_id}\s+LIVE for \S+\s+alice\s+root@db-1")
            m.expect_exact("k: end it")
            m.send("k")
            m.expect_exact("Reason to end alice's session:")
            m.send("nope\r")
            m.expect_exact(f"holdgate: {sentence}")
            m.send("q")
            m.expect(pexpect.EOF)

        watcher = menu(ivan)
        menus.append(watcher)
        watcher.send("s")
        watcher.expect(rf"> {session_id}\s+LIVE for \S+\s+alice\s+root@db-1")
        watcher.expect_exact("Enter/w: watch")
        watcher.send("w")
        watcher.expect_exact("watching alice's session root@db-1 (read-only; q or Ctrl-C to stop)")
        child.expect_exact("holdgate: ivan is watching this session")
        # What alice types after he joined reaches him as she sees it.
        child.sendline("echo hg-$((6*7))-watched")
        child.expect_exact("hg-42-watched")
        watcher.expect_exact("hg-42-watched")
        # q leaves the watch, not the menu: back on the sessions screen, hers still live.
        watcher.send("q")
        watcher.expect(rf"> {session_id}\s+LIVE for ")
        watcher.expect_exact("Stopped watching.")
        watcher.expect_exact("k: end it")
        child.expect_exact("holdgate: ivan stopped watching this session")
        watcher.send("k")
        watcher.expect_exact("Reason to end alice's session:")
        watcher.send("incident 9\r")
        child.expect_exact("holdgate: your session was ended by ivan: incident 9")
        child.expect(pexpect.EOF)
        watcher.expect_exact(f"Session {session_id} of alice (root@db-1) ended: incident 9")
        watcher.send("q")
        watcher.expect(pexpect.EOF)
        watcher.close()
        assert watcher.exitstatus == 0
    finally:
        child.close(force=True)
        for m in menus:
            m.close(force=True)
    events = json.loads(mallory.ssh("approvals", "history --format json").stdout)
    assert [(e["kind"], e["actor"]) for e in events if e["kind"] in ("session.watched", "session.killed")] \
        == [("session.watched", "ivan"), ("session.killed", "ivan")], events
