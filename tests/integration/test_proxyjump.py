"""ProxyJump mode: plain `ssh root@db-1` with `ProxyJump bastion` in ~/.ssh/config behaves like
`ssh root@db-1@bastion`: same identity, same policy, same inline request, and strict host key
checking passes with exactly the lines `holdgate known-hosts` prints."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pexpect
import pytest

from harness.client import client_env, run
from harness.holdgate import run_cli
from harness.jump import jump_config
from harness.procs import LOCALHOST
from harness.scenarios import with_reviewers
from harness.world import gate_client


@pytest.fixture
def jump_gate(world, make_gate):
    return make_gate(edit=with_reviewers())


@pytest.fixture
def alice_cfg(world, jump_gate, tmp_path):
    return jump_config(world, jump_gate, tmp_path / "alice" / "ssh_config", "alice")


def ssh(cfg: Path, *args: str, **kwargs):
    return run(["ssh", "-F", str(cfg), *args], **kwargs)


def test_known_hosts_lines_cover_the_bastion_and_every_target(jump_gate):
    lines = run_cli("known-hosts", "--config", jump_gate.config_path).stdout.splitlines()
    assert lines[0].startswith(f"[{LOCALHOST}]:{jump_gate.port} ssh-ed25519 "), lines
    assert lines[1].startswith("db-1,dead-1,unknown-key-1 ssh-ed25519 "), lines
    assert lines[0].split()[1:] == lines[1].split()[1:]  # one host key, two names


def test_exec_through_proxyjump(alice_cfg):
    r = ssh(alice_cfg, "root@db-1", "echo out; echo err >&2; whoami; exit 3")
    assert (r.returncode, r.stdout, r.stderr) == (3, "out\nroot\n", "err\n"), r


def test_pty_shell_through_proxyjump(alice_cfg):
    child = pexpect.spawn("ssh", ["-F", str(alice_cfg), "-t", "-o", "BatchMode=no", "root@db-1"],
                          dimensions=(31, 97), timeout=15, env=client_env(TERM="xterm"),
                          encoding="utf-8", codec_errors="replace")
    try:
        child.expect(r"[#$] ")
        child.sendline("stty size")
        child.expect("31 97")
        child.sendline("exit 4")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 4


def test_scp_and_sftp_through_proxyjump(alice_cfg, tmp_path):
    data = os.urandom(8 << 20)
    source = tmp_path / "up.bin"
    source.write_bytes(data)
    remote = tmp_path / "remote.bin"
    r = run(["scp", "-F", str(alice_cfg), "-q", str(source), f"root@db-1:{remote}"], timeout=60)
    assert r.returncode == 0, r
    assert hashlib.sha256(remote.read_bytes()).digest() == hashlib.sha256(data).digest()
    back = tmp_path / "back.bin"
    r = run(["sftp", "-F", str(alice_cfg), "-b", "-", "root@db-1"],
            input=f"get {remote} {back}\n", timeout=60)
    assert r.returncode == 0, r
    assert back.read_bytes() == data


def test_policy_denial_through_proxyjump(world, jump_gate, tmp_path):
    cfg = jump_config(world, jump_gate, tmp_path / "ivan" / "ssh_config", "ivan")
    r = ssh(cfg, "root@db-1", "true")
    assert r.returncode != 0, r
    assert "access denied to root on db-1" in r.stderr, r


def test_inner_connection_must_be_the_same_person(world, jump_gate, tmp_path):
    cfg = jump_config(world, jump_gate, tmp_path / "mixed" / "ssh_config", "alice",
                      inner_person="bob")
    r = ssh(cfg, "root@db-1", "whoami")
    assert r.returncode == 255, r
    assert "Permission denied" in r.stderr, r


def test_inline_request_through_proxyjump(world, jump_gate, tmp_path):
    cfg = jump_config(world, jump_gate, tmp_path / "bob" / "ssh_config", "bob")
    child = pexpect.spawn("ssh", ["-F", str(cfg), "-o", "BatchMode=no", "-o", "LogLevel=INFO",
                                  "root@db-1", "whoami"],
                          timeout=15, env=client_env(TERM="xterm"), encoding="utf-8",
                          codec_errors="replace")
    try:
        child.expect("Enter request reason: ")
        child.sendline("via the jump host")
        child.expect(r"Creating request\.\.\. (\S+)")
        request_id = child.match.group(1)
        for reviewer in ("alice", "ivan"):
            r = gate_client(world, jump_gate, reviewer).ssh(
                "approvals", f"request review --approve {request_id}")
            assert r.returncode == 0, r
        child.expect("Access granted")
        child.expect(r"\broot\b")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0


def test_forwarding_to_a_non_target_is_refused(alice_cfg, world):
    r = ssh(alice_cfg, "-W", f"{LOCALHOST}:{world.target.port}", "bastion", timeout=15)
    assert r.returncode != 0, r
    assert "prohibited" in r.stderr or "forwarding failed" in r.stderr, r


def any_login_for_alice(config: dict) -> None:
    """alice's dba role allows every login on db-1, so only the user-name checks can stop one."""
    for role in config["roles"]:
        if role["name"] == "dba":
            role["allow"] = [{"logins": ["*"], "targets": {"kind": "db"}}]


@pytest.mark.parametrize("login, problem", [
    ("a" * 300, "the user name is 300 bytes long, at most 256 are allowed"),
    ("r\u00f6\u00f6t", "the user name 'r\u00f6\u00f6t' contains a non-ASCII character"),
], ids=["too-long", "non-ascii"])
def test_inner_login_gets_the_same_user_name_checks(world, make_gate, tmp_path, login, problem):
    gate = make_gate(edit=any_login_for_alice)
    cfg = jump_config(world, gate, tmp_path / "alice" / "ssh_config", "alice")
    before = len(world.target.log.read_text(errors="replace"))
    r = ssh(cfg, "-l", login, "db-1", "true")
    assert r.returncode != 0, r
    assert f"holdgate: {problem}" in r.stderr, r
    assert "ssh -J bastion root@db-1" in r.stderr, r
    # Refused before any policy decision or dial: the target never heard of it.
    assert gate.wait_for_log_line("event=decision", "bad-user-name"), gate.log_text()
    assert login not in world.target.log.read_text(errors="replace")[before:]
