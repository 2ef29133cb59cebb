"""`holdgate doctor`, check-config's start-up checks, the default config path and per-command
--help (issue 15, parts 6 and 7). Every doctor line is `ok   WHAT` or `FAIL WHAT: PROBLEM; FIX`.
"""
from __future__ import annotations

import json
import re
import subprocess
from contextlib import contextmanager

import pytest

from harness.gate_config import standard_config, write_config
from harness.holdgate import run_cli
from harness.keys import generate_key


def output(result: subprocess.CompletedProcess) -> str:
    return result.stdout + result.stderr


def good_config(world, tmp_path, **changes) -> dict:
    """The standard config with db-1 only: the target whose host key holdgate has pinned."""
    config = standard_config(listen_port=2222, state_dir=tmp_path / "state",
                             upstream_identity=world.upstream.path, known_hosts=world.known_hosts,
                             target_port=world.target.port, dead_port=world.dead_port,
                             people=world.people)
    config["targets"] = [t for t in config["targets"] if t["name"] == "db-1"]
    config.update(changes)
    return config


def doctor(path, *extra, timeout=60):
    return run_cli("doctor", "--config", path, *extra, timeout=timeout)


def fail_lines(result) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith("FAIL ")]


def assert_one_failure(result, what: str, problem: str) -> str:
    """Exit 1 and exactly one FAIL line, about `what`, saying `problem`, with a fix after ';'."""
    assert result.returncode == 1, output(result)
    failures = fail_lines(result)
    assert len(failures) == 1, output(result)
    line = failures[0]
    assert what in line and re.search(problem, line), output(result)
    assert re.match(r"^FAIL .+?: .+; .+", line), line  # a problem, then how to fix it
    return line


def test_a_good_world_is_all_ok(world, tmp_path):
    path = write_config(tmp_path / "holdgate.yaml", good_config(world, tmp_path))
    r = doctor(path)
    assert r.returncode == 0, output(r)
    lines = r.stdout.splitlines()
    assert lines and all(line.startswith("ok   ") for line in lines), output(r)
    for what in ("config", "state_dir", "database", "host key", "upstream identity",
                 "audit checkpoint key", "target db-1", "recording dir"):
        assert any(what in line for line in lines), (what, output(r))
    # Doctor changes nothing: no state_dir, no generated key, no database.
    assert not (tmp_path / "state").exists()


def test_a_host_key_others_may_read(world, tmp_path):
    key = generate_key(tmp_path / "host_key", "host")
    key.path.chmod(0o644)
    path = write_config(tmp_path / "holdgate.yaml",
                        good_config(world, tmp_path, host_keys=[str(key.path)]))
    line = assert_one_failure(doctor(path), "host key", r"permissions 0644 .* too open")
    assert "chmod 600" in line


def test_a_target_missing_from_known_hosts(world, tmp_path):
    config = good_config(world, tmp_path)
    config["targets"].append({"name": "db-2", "address": f"localhost:{world.target.port}",
                              "labels": {"env": "prod", "kind": "db"}})
    path = write_config(tmp_path / "holdgate.yaml", config)
    line = assert_one_failure(doctor(path), "target db-2", r"no host key for localhost:")
    assert "ssh-keyscan" in line


def test_a_hook_that_is_not_executable(world, tmp_path):
    hook = tmp_path / "approve.sh"
    hook.write_text("#!/bin/sh\necho pass\n")
    hook.chmod(0o644)
    config = good_config(world, tmp_path, approvals={"hooks": [{"name": "ci", "exec": str(hook)}]})
    path = write_config(tmp_path / "holdgate.yaml", config)
    assert_one_failure(doctor(path), "approval hook ci", r"is not executable")
    # check-config refuses it too, in one sentence, as serve does.
    r = run_cli("check-config", "--config", path)
    assert r.returncode == 1, output(r)
    assert r.stdout == "", output(r)
    assert r.stderr.count("\n") == 1 and "is not executable" in r.stderr, output(r)
    r = run_cli("serve", "--config", path, timeout=10)
    assert r.returncode == 1 and "is not executable" in r.stderr, output(r)
    hook.chmod(0o755)
    assert run_cli("check-config", "--config", path).returncode == 0


def test_an_unreadable_ca_file(world, tmp_path):
    config = good_config(world, tmp_path, notify={"webhooks": [
        {"url": "https://127.0.0.1:9/hook", "ca_file": str(tmp_path / "missing-ca.pem")}]})
    path = write_config(tmp_path / "holdgate.yaml", config)
    assert_one_failure(doctor(path), "ca_file", r"notify\.webhooks\[0\]")
    assert run_cli("check-config", "--config", path).returncode == 1


@contextmanager
def immutable(directory):
    """The directory made immutable (chattr +i): not writable even by root."""
    if subprocess.run(["chattr", "+i", str(directory)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not supported here")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(directory)], check=True)


def test_a_state_dir_that_is_not_writable(world, tmp_path):
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    path = write_config(tmp_path / "holdgate.yaml", good_config(world, tmp_path))
    with immutable(state):
        r = doctor(path)
    assert r.returncode == 1, output(r)
    assert any(line.startswith(f"FAIL state_dir {state}: ") and "not writable" in line
               for line in fail_lines(r)), output(r)


def test_a_state_dir_that_cannot_be_created(world, tmp_path):
    (tmp_path / "file").write_text("")
    config = good_config(world, tmp_path, state_dir=str(tmp_path / "file" / "state"))
    path = write_config(tmp_path / "holdgate.yaml", config)
    r = doctor(path)
    assert r.returncode == 1, output(r)
    assert any(line.startswith("FAIL state_dir ") and "is not a directory" in line
               for line in fail_lines(r)), output(r)


def test_a_database_from_a_newer_holdgate(world, tmp_path):
    path = write_config(tmp_path / "holdgate.yaml", good_config(world, tmp_path))
    db = tmp_path / "state" / "holdgate.db"
    serve_created = run_cli("audit", "export", "--config", path)  # no state yet: refused
    assert serve_created.returncode != 0
    r = doctor(path)
    assert r.returncode == 0, output(r)
    # Let serve's own store create the file, then stamp a schema from the future on it.
    (tmp_path / "state").mkdir(mode=0o700)
    subprocess.run(["sqlite3", str(db), "PRAGMA application_id = 1214734708; "
                    "PRAGMA user_version = 9999;"], check=True, timeout=10)
    db.chmod(0o600)
    line = assert_one_failure(doctor(path), "database", r"newer holdgate \(schema 9999")
    assert line.startswith(f"FAIL database {db}: ")
    r = run_cli("check-config", "--config", path)
    assert r.returncode == 1 and "schema 9999" in r.stderr, output(r)


def test_connect_against_the_real_target(world, tmp_path):
    path = write_config(tmp_path / "holdgate.yaml", good_config(world, tmp_path))
    r = doctor(path, "--connect")
    assert r.returncode == 0, output(r)
    assert any(line.startswith("ok   target db-1") and "accepts holdgate's key as root" in line
               for line in r.stdout.splitlines()), output(r)


def test_connect_when_the_target_refuses_holdgates_key(world, tmp_path):
    other = generate_key(tmp_path / "not_authorized", "stranger")
    path = write_config(tmp_path / "holdgate.yaml",
                        good_config(world, tmp_path, upstream={
                            "identity": str(other.path), "known_hosts": str(world.known_hosts)}))
    assert doctor(path).returncode == 0  # nothing wrong on this side
    line = assert_one_failure(doctor(path, "--connect"), "target db-1",
                              r"refused holdgate's key for root")
    assert "show-keys --upstream" in line


def test_connect_when_the_port_is_closed(world, tmp_path):
    config = good_config(world, tmp_path)
    config["targets"][0]["address"] = f"127.0.0.1:{world.dead_port}"
    with world.known_hosts.open() as f:
        pinned = f.read().replace(f"]:{world.target.port} ", f"]:{world.dead_port} ")
    known = tmp_path / "known_hosts"
    known.write_text(pinned)
    config["upstream"]["known_hosts"] = str(known)
    path = write_config(tmp_path / "holdgate.yaml", config)
    assert doctor(path).returncode == 0
    assert_one_failure(doctor(path, "--connect"), "target db-1", r"cannot connect")


def test_json_format(world, tmp_path):
    hook = tmp_path / "hook"
    hook.write_text("")
    hook.chmod(0o600)
    config = good_config(world, tmp_path, approvals={"hooks": [{"name": "h", "exec": str(hook)}]})
    path = write_config(tmp_path / "holdgate.yaml", config)
    r = doctor(path, "--format", "json")
    assert r.returncode == 1, output(r)
    checks = [json.loads(line) for line in r.stdout.splitlines()]
    assert checks and all(isinstance(c["check"], str) and isinstance(c["ok"], bool) for c in checks)
    failed = [c for c in checks if not c["ok"]]
    assert len(failed) == 1 and "not executable" in failed[0]["problem"] and failed[0]["fix"], checks


def test_names_from_the_config_are_sanitised(world, tmp_path):
    config = good_config(world, tmp_path)
    config["targets"].append({"name": "evil\x1b[31m", "address": "127.0.0.1:1",
                              "labels": {"env": "prod"}})
    path = write_config(tmp_path / "holdgate.yaml", config)
    r = doctor(path)
    assert "\x1b" not in r.stdout, output(r)


def test_a_config_that_does_not_load(world, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("listen: [\n")
    r = doctor(path)
    assert r.returncode == 1, output(r)
    assert r.stdout.startswith(f"FAIL config {path}: {path}:"), output(r)


@pytest.mark.parametrize("command", ["doctor", "check-config", "serve", "show-keys",
                                     "known-hosts", "audit verify"])
def test_the_default_config_path(command):
    r = run_cli(*command.split())
    assert r.returncode == 1, output(r)
    assert r.stderr == ("holdgate: there is no configuration at /etc/holdgate/holdgate.yaml "
                        "(the default); give one with --config FILE\n"), output(r)


@pytest.mark.parametrize("command", ["serve", "check-config", "doctor", "show-keys",
                                     "known-hosts", "audit", "storage"])
def test_every_command_has_help(command):
    r = run_cli(command, "--help")
    assert r.returncode == 0, output(r)
    assert r.stdout.startswith(f"usage: holdgate {command}"), output(r)
    assert r.stderr == "", output(r)
