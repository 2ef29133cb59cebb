"""keys_command (issue 15, section 4): keys that live in a directory service, not in the YAML.

The command is a real program (a shell script here, as sss_ssh_authorizedkeys would be) that
prints the authorized_keys lines of the holdgate user named by %u. carol and dave are in the
config with roles but no `keys:`; their keys are in files the script reads. Each case logs in
with the real ssh client and checks what a person and an operator would notice: the login
works (or is refused with ssh's usual "Permission denied (publickey)"), and the log says why.
"""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from harness.client import Client, write_ssh_config
from harness.holdgate import run_cli
from harness.keys import generate_key
from harness.world import new_gate

DENIED = "Permission denied (publickey)"

# Prints DIR/<user>.keys and appends the user to DIR/runs (how often the command ran).
PRINT_KEYS = """#!/bin/sh
echo "$1" >> {dir}/runs
cat {dir}/"$1".keys 2>/dev/null
exit 0
"""
SCRIPTS = {
    "sleeps": "#!/bin/sh\nsleep 30\n",
    "fails": "#!/bin/sh\necho 'ldap: cannot reach server' >&2\nexit 1\n",
    "garbage": "#!/bin/sh\necho '<html>Service Unavailable</html>'\n",
}


def write_script(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o755)
    return path


@pytest.fixture
def directory(tmp_path):
    """The directory service's data: one file of keys per holdgate user, and the script."""
    d = tmp_path / "directory"
    d.mkdir()
    write_script(d / "print-keys", PRINT_KEYS.format(dir=d))
    return d


@pytest.fixture
def carol(tmp_path):
    return generate_key(tmp_path / "keys" / "carol", "carol@directory")


def gate_with_directory(make_gate, script: Path, *, timeout="2s", cache="5m", extra_users=()):
    def edit(config):
        config["keys_command"] = {"command": f"{script} %u", "timeout": timeout, "cache": cache}
        config["users"].append({"name": "carol", "roles": ["dba"]})
        for name in extra_users:
            config["users"].append({"name": name, "roles": ["dba"]})
    return make_gate(edit=edit)


def client_for(gate, key, person) -> Client:
    config = write_ssh_config(gate.dir / "clients" / f"{person}.ssh_config", alias="holdgate",
                              port=gate.port, identity=key.path, known_hosts=gate.known_hosts)
    return Client(config, "holdgate", person)


def runs(directory: Path) -> list[str]:
    path = directory / "runs"
    return path.read_text().split() if path.exists() else []


def test_a_user_with_no_inline_key_logs_in_with_the_directorys_key(make_gate, world, directory,
                                                                   carol):
    (directory / "carol.keys").write_text(carol.public_line + "\n")
    gate = gate_with_directory(make_gate, directory / "print-keys")
    r = client_for(gate, carol, "carol").ssh("root@db-1", "whoami")
    assert (r.returncode, r.stdout) == (0, "root\n"), r
    # The log names the person whose key the directory listed.
    assert gate.wait_for_log_line("person=carol", carol.fingerprint()), gate.log_text()
    # The command ran for every configured user (a key names nobody until looked up).
    assert sorted(runs(directory)) == ["alice", "bob", "carol", "ivan"], runs(directory)
    # An inline key is found without running the command again.
    r = client_for(gate, world.people["alice"], "alice").ssh("root@db-1", "whoami")
    assert (r.returncode, r.stdout) == (0, "root\n"), r
    assert len(runs(directory)) == 4, runs(directory)


def test_answers_are_cached_and_a_removed_key_stops_working_once_the_cache_expires(
        make_gate, directory, carol):
    (directory / "carol.keys").write_text(carol.public_line + "\n")
    gate = gate_with_directory(make_gate, directory / "print-keys", cache="3s")
    client = client_for(gate, carol, "carol")
    r = client.ssh("root@db-1", "whoami")
    assert (r.returncode, r.stdout) == (0, "root\n"), r
    ran = runs(directory).count("carol")
    assert ran == 1, runs(directory)
    # The directory drops carol's key. Once the answer is older than `cache`, it is asked
    # again, and the key no longer opens anything.
    (directory / "carol.keys").write_text("")
    time.sleep(3.5)
    r = client.ssh("root@db-1", "whoami")
    assert r.returncode == 255 and DENIED in r.stderr, r
    assert runs(directory).count("carol") > ran


def test_within_the_cache_time_the_command_is_not_run_again(make_gate, directory, carol):
    (directory / "carol.keys").write_text(carol.public_line + "\n")
    gate = gate_with_directory(make_gate, directory / "print-keys", cache="5m")
    client = client_for(gate, carol, "carol")
    for _ in range(3):
        r = client.ssh("root@db-1", "true")
        assert r.returncode == 0, r
    assert runs(directory).count("carol") == 1, runs(directory)
    # Even a removed key keeps working until the cache time is up: that is what `cache` means.
    (directory / "carol.keys").write_text("")
    assert client.ssh("root@db-1", "true").returncode == 0


@pytest.mark.parametrize("script,problem", [
    ("sleeps", "no answer within 1s"),
    ("fails", "exited with status 1"),
    ("garbage", "line 1 is not a key"),
])
def test_a_failing_command_means_no_key_and_one_log_line(make_gate, tmp_path, carol, script,
                                                          problem):
    path = write_script(tmp_path / script, SCRIPTS[script])
    gate = gate_with_directory(make_gate, path, timeout="1s")
    started = time.monotonic()
    r = client_for(gate, carol, "carol").ssh("root@db-1", "whoami", timeout=30)
    assert r.returncode == 255 and DENIED in r.stderr, r
    assert r.stdout == ""
    # A timeout costs the login its timeout, not the login grace (30 s) or more.
    assert time.monotonic() - started < 15, r
    line = gate.wait_for_log_line("keys-command-failed", "user=carol", problem)
    assert line, gate.log_text()
    if script == "fails":
        assert "ldap: cannot reach server" in line
    # Logged once per failed run: ssh offered the key once (and asked with its signature, which
    # the failed answer, kept for a while, settled without a second run).
    failed = [line for line in gate.log_text().splitlines() if "keys-command-failed" in line]
    assert sum("user=carol" in line for line in failed) == 1, failed
    assert gate.alive()


def test_a_key_listed_for_two_users_opens_nothing(make_gate, directory, carol):
    (directory / "carol.keys").write_text(carol.public_line + "\n")
    (directory / "dave.keys").write_text(carol.public_line + "\n")
    gate = gate_with_directory(make_gate, directory / "print-keys", extra_users=("dave",))
    r = client_for(gate, carol, "carol").ssh("root@db-1", "whoami")
    assert r.returncode == 255 and DENIED in r.stderr, r
    line = gate.wait_for_log_line("keys-command-conflict", carol.fingerprint())
    assert line and "carol" in line and "dave" in line, gate.log_text()


def test_an_inline_key_the_directory_lists_for_someone_else_opens_nothing(make_gate, world,
                                                                           directory, carol):
    (directory / "carol.keys").write_text(carol.public_line + "\n")
    (directory / "dave.keys").write_text(world.people["alice"].public_line + "\n")
    gate = gate_with_directory(make_gate, directory / "print-keys", extra_users=("dave",))
    alice = client_for(gate, world.people["alice"], "alice")
    # Nothing is known of dave's answer yet: alice's inline key is hers (nothing is run for it).
    assert alice.ssh("root@db-1", "true").returncode == 0
    # carol's login asks everyone's directory answer, dave's included...
    assert client_for(gate, carol, "carol").ssh("root@db-1", "true").returncode == 0
    # ... and from then on the key names two people, so it opens nothing.
    r = alice.ssh("root@db-1", "whoami")
    assert r.returncode == 255 and DENIED in r.stderr, r
    line = gate.wait_for_log_line("keys-command-conflict", world.people["alice"].fingerprint())
    assert line and "alice,dave" in line, gate.log_text()


def test_lines_with_key_options_are_skipped_not_honoured_without_their_options(
        make_gate, directory, carol):
    (directory / "carol.keys").write_text(f'from="10.9.9.9" {carol.public_line}\n')
    gate = gate_with_directory(make_gate, directory / "print-keys")
    r = client_for(gate, carol, "carol").ssh("root@db-1", "whoami")
    assert r.returncode == 255 and DENIED in r.stderr, r
    assert gate.wait_for_log_line("keys-command-skipped", "user=carol", "lines=1"), gate.log_text()


def test_serve_refuses_a_keys_command_that_is_not_executable(world, tmp_path):
    script = tmp_path / "not-executable"
    script.write_text("#!/bin/sh\n")

    def edit(config):
        config["keys_command"] = {"command": f"{script} %u"}
    gate = new_gate(world, tmp_path / "gate", edit=edit)
    with pytest.raises(RuntimeError):
        gate.start()
    assert f"keys_command: {script} is not executable" in gate.log_text()
    # check-config runs the same start-up check, without starting.
    checked = run_cli("check-config", "--config", gate.config_path)
    assert checked.returncode == 1
    assert f"keys_command: {script} is not executable" in checked.stderr


def test_a_reload_keeps_the_live_session_of_a_person_whose_key_is_the_directorys(
        make_gate, directory, carol):
    # The key is in no `keys:` list: a reload must not take it for a removed key.
    (directory / "carol.keys").write_text(carol.public_line + "\n")
    gate = gate_with_directory(make_gate, directory / "print-keys")
    client = client_for(gate, carol, "carol")
    live = subprocess.Popen(client.ssh_argv("root@db-1", "echo started; sleep 2; echo survived"),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert live.stdout.readline() == "started\n"
        answer = gate.reload()
        assert "reloaded" in answer and "ended_connections=0" in answer, answer
        out, err = live.communicate(timeout=15)
    finally:
        live.kill()
    assert (live.returncode, out) == (0, "survived\n"), err
