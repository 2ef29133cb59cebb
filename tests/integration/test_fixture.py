"""Self-checks of the harness that need no holdgate: if these fail, fix the fixtures first.

They log in to the target sshd directly with the same client helpers the holdgate tests use,
so a later failure through holdgate points at holdgate, not at the test setup.
"""
from __future__ import annotations

import hashlib
import os
import stat

import pytest

from harness.client import client_env, run
from harness.gate_config import to_yaml
from harness.holdgate import REPO, holdgate_bin
from harness.keys import PEOPLE
from harness.procs import wait_until


def test_people_have_ed25519_keys(world):
    for name in PEOPLE:
        key = world.people[name]
        assert key.public_line.startswith("ssh-ed25519 ")
        assert key.public_line.endswith(f" {name}")
        assert stat.S_IMODE(key.path.stat().st_mode) == 0o600


def test_target_listens_where_it_says(world):
    assert f"Server listening on 127.0.0.1 port {world.target.port}" in \
        world.target.log.read_text()


def test_direct_exec_returns_stdout_stderr_and_status(direct):
    r = direct.ssh("root", "echo out; echo err >&2; exit 3")
    assert (r.returncode, r.stdout, r.stderr) == (3, "out\n", "err\n"), r


def test_direct_stdin_round_trip(direct):
    data = os.urandom(1 << 20)
    r = direct.ssh("root", "cat", input=data)
    assert r.returncode == 0, r
    assert hashlib.sha256(r.stdout_bytes).hexdigest() == hashlib.sha256(data).hexdigest()


def test_target_accepts_holdgates_upstream_key(world):
    """holdgate will log in with this key; make sure the target would let it."""
    r = run(["ssh", "-F", "/dev/null", "-i", str(world.upstream.path), "-o", "IdentitiesOnly=yes",
             "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
             "-o", f"UserKnownHostsFile={world.known_hosts}", "-p", str(world.target.port),
             "root@127.0.0.1", "whoami"])
    assert (r.returncode, r.stdout) == (0, "root\n"), r


@pytest.mark.parametrize("name", ["LC_TEST", "HOLDGATE_TEST_SECRET"])
def test_direct_env_is_accepted(direct, name):
    """The target accepts both, so test_exec.py can tell what holdgate forwards."""
    r = direct.ssh("root", f'echo "${name}"', options=("-o", f"SendEnv={name}"),
                   env=client_env(**{name: "hello"}))
    assert r.stdout == "hello\n", r


def test_direct_scp_and_sftp(direct, tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom(100_000))
    r = direct.scp(src, direct.remote("root", tmp_path / "up.bin"))
    assert r.returncode == 0, r
    r = direct.sftp_batch("root", [f"get {tmp_path / 'up.bin'} {tmp_path / 'down.bin'}"])
    assert r.returncode == 0, r
    assert (tmp_path / "down.bin").read_bytes() == src.read_bytes()


def test_direct_pty(direct):
    with direct.pty("root", rows=33, cols=111) as shell:
        shell.wait_ready()
        assert shell.run("stty size") == "33 111"
        assert shell.run('echo "T=$TERM"') == "T=xterm-256color"


@pytest.mark.parametrize("tool", ["ssh-at-form", "scp", "sftp", "rsync", "git"])
def test_clients_pass_login_at_target_as_user_name(tool, direct, world, tmp_path):
    """`LOGIN@TARGET@host` must reach the server as user "LOGIN@TARGET" (split at the last @)
    with every client we use. Checked against sshd, which logs unknown user names verbatim."""
    route = f"via-{tool}@db-1"
    remote = direct.remote(route, "/tmp/x")
    env = client_env(GIT_SSH_COMMAND=direct.ssh_command(), GIT_TERMINAL_PROMPT="0")
    argv = {
        "ssh-at-form": direct.ssh_argv(route, "true", at_form=True),
        "scp": ["scp", "-F", str(direct.config), remote, str(tmp_path)],
        "sftp": ["sftp", "-F", str(direct.config), "-b", "/dev/null", f"{route}@{direct.alias}"],
        "rsync": ["rsync", "-e", direct.ssh_command(), remote, str(tmp_path)],
        "git": ["git", "clone", remote, str(tmp_path / "clone")],
    }[tool]
    r = run(argv, env=env)
    assert r.returncode != 0, r
    assert wait_until(lambda: f"Invalid user {route} from 127.0.0.1" in
                      world.target.log.read_text(), timeout=5), r


def test_config_yaml_reads_back(world, tmp_path):
    yaml = pytest.importorskip("yaml")
    from harness.gate_config import standard_config
    config = standard_config(listen_port=2222, state_dir=tmp_path, upstream_identity=None,
                             known_hosts=None, target_port=22, dead_port=23,
                             people=world.people, limits={"login_grace": "3s"})
    assert yaml.safe_load(to_yaml(config)) == config


def test_default_holdgate_bin(monkeypatch):
    monkeypatch.delenv("HOLDGATE_BIN", raising=False)
    assert holdgate_bin() == REPO / "build" / "proxy" / "holdgate"
    assert (REPO / "tests" / "integration" / "conftest.py").is_file()
