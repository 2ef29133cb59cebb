"""Reload without dropping anyone (issue 15, section 3): SIGHUP re-reads the config file.

New users and keys apply to new logins at once while live and held sessions carry on; a file
that fails to load is refused with check-config's FILE:LINE:COL message and the old config
stays in force; a person whose key (or whole entry) is removed loses their live sessions with
one line.
"""
from __future__ import annotations

import copy
import re

import pexpect

from harness.client import Client, live_shell, write_ssh_config
from harness.keys import generate_key
from harness.scenarios import with_reviewers
from harness.world import gate_client

REMOVED = "holdgate: your access was removed from the configuration; the session ends"


def with_user(config: dict, name: str, key_line: str, roles: list[str]) -> dict:
    changed = copy.deepcopy(config)
    changed["users"].append({"name": name, "keys": [key_line], "roles": roles})
    return changed


def client_for(gate, name: str, key) -> Client:
    config = write_ssh_config(gate.dir / "clients" / f"{name}.ssh_config", alias="holdgate",
                              port=gate.port, identity=key.path, known_hosts=gate.known_hosts)
    return Client(config, "holdgate", name)


def test_reload_adds_a_user_keeps_live_shells_refuses_a_broken_file_and_ends_removed_keys(
        world, make_gate, tmp_path):
    gate = make_gate()
    alice = gate_client(world, gate, "alice")
    carol_key = generate_key(tmp_path / "keys" / "carol", "carol")
    carol = client_for(gate, "carol", carol_key)
    assert carol.ssh("root@db-1", "whoami").returncode != 0  # not in the config yet

    shell = live_shell(alice)
    try:
        # A new user with a new key: applied at once, alice's shell untouched.
        added = with_user(gate.config, "carol", carol_key.public_line, ["dba"])
        answer = gate.reload(added)
        assert "reloaded" in answer and "users=4" in answer, answer
        r = carol.ssh("root@db-1", "echo carol-in; whoami")
        assert (r.returncode, r.stdout) == (0, "carol-in\nroot\n"), r
        shell.sendline("echo still''-here")
        shell.expect_exact("still-here\r\n", timeout=5)

        # A broken file: refused with the position, the old config stays, nobody dropped.
        answer = gate.reload(text=gate.config_path.read_text() + "users: [\n")
        assert re.search(re.escape(str(gate.config_path)) + r":\d+:\d+: ", answer), answer
        assert "stays in force" in answer, answer
        assert gate.alive()
        r = carol.ssh("root@db-1", "whoami")
        assert (r.returncode, r.stdout) == (0, "root\n"), r
        shell.sendline("echo after''-broken")
        shell.expect_exact("after-broken\r\n", timeout=5)

        # alice's key removed (she keeps her entry with another key): her shell ends, told why.
        removed = copy.deepcopy(added)
        other = generate_key(tmp_path / "keys" / "alice-new", "alice-new")
        for user in removed["users"]:
            if user["name"] == "alice":
                user["keys"] = [other.public_line]
        answer = gate.reload(removed)
        assert "ended_connections=1" in answer, answer
        shell.expect_exact(REMOVED, timeout=5)
        shell.expect(pexpect.EOF, timeout=5)
    finally:
        shell.close(force=True)
    assert alice.ssh("root@db-1", "whoami").returncode != 0  # the old key no longer opens
    r = carol.ssh("root@db-1", "whoami")  # others carry on
    assert (r.returncode, r.stdout) == (0, "root\n"), r
    assert gate.alive()


def test_a_restart_only_setting_is_named_and_kept(world, make_gate):
    gate = make_gate()
    alice = gate_client(world, gate, "alice")
    moved = copy.deepcopy(gate.config)
    moved["listen"] = "127.0.0.1:1"
    gate.reload(moved)
    line = gate.wait_for_log_line("reload-needs-restart", timeout=3)
    assert line is not None and "settings=listen" in line, gate.log_text()
    r = alice.ssh("root@db-1", "whoami")  # still on the old port
    assert (r.returncode, r.stdout) == (0, "root\n"), r


def test_a_reload_refuses_what_serve_would_refuse_at_start(world, make_gate, tmp_path):
    gate = make_gate()
    alice = gate_client(world, gate, "alice")
    script = tmp_path / "not-executable"
    script.write_text("#!/bin/sh\n")
    broken = copy.deepcopy(gate.config)
    broken["keys_command"] = {"command": f"{script} %u"}
    answer = gate.reload(broken)
    assert f"keys_command: {script} is not executable" in answer, answer
    assert "the old configuration stays in force" in answer, answer
    r = alice.ssh("root@db-1", "whoami")
    assert (r.returncode, r.stdout) == (0, "root\n"), r


def test_a_held_session_survives_a_reload(world, make_gate, tmp_path):
    gate = make_gate(edit=with_reviewers())
    bob, alice, ivan = (gate_client(world, gate, n) for n in ("bob", "alice", "ivan"))
    argv = bob.ssh_argv("root@db-1", "-t", options=("-o", "BatchMode=no", "-o", "LogLevel=INFO"))
    child = pexpect.spawn(argv[0], argv[1:], dimensions=(24, 80), timeout=10, encoding="utf-8",
                          codec_errors="replace")
    try:
        child.expect("Enter request reason: ")
        child.sendline("incident 9")
        child.expect(r"Creating request\.\.\. (\S+)")
        request_id = child.match.group(1)
        child.expect(r"Waiting for approval 0/2")

        dave_key = generate_key(tmp_path / "keys" / "dave", "dave")
        answer = gate.reload(with_user(gate.config, "dave", dave_key.public_line, ["dba"]))
        assert "reloaded" in answer, answer

        for reviewer in (alice, ivan):
            r = reviewer.ssh("approvals", f"request review --approve --reason ok {request_id}")
            assert r.returncode == 0, r
        child.expect("Access granted until .* UTC. Connecting to db-1")
        child.sendline("echo held''-through")
        child.expect_exact("held-through\r\n")
    finally:
        child.close(force=True)
    events = gate.log_text()
    assert "reloaded" in events
