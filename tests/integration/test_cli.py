"""The holdgate command line: version, help, usage errors, check-config and show-keys.

Exit codes: 0 success, 1 bad config (or other failure), 2 usage error.
"""
from __future__ import annotations

import re
import stat
import subprocess

import pytest

from harness.gate_config import standard_config, write_config
from harness.holdgate import run_cli
from harness.keys import generate_key, generate_people


@pytest.fixture(scope="module")
def people(tmp_path_factory):
    return generate_people(tmp_path_factory.mktemp("keys"))


def config_for(people, tmp_path, **kwargs) -> dict:
    """The standard config; nothing needs to listen for these commands."""
    args = dict(listen_port=2222, state_dir=tmp_path / "state",
                upstream_identity=tmp_path / "upstream_ed25519",
                known_hosts=tmp_path / "known_hosts", target_port=22, dead_port=23,
                people=people)
    args.update(kwargs)
    return standard_config(**args)


def output(result: subprocess.CompletedProcess) -> str:
    return result.stdout + result.stderr


def test_version():
    r = run_cli("--version")
    assert r.returncode == 0, output(r)
    assert re.search(r"\d+\.\d+", r.stdout), output(r)


def test_help():
    r = run_cli("--help")
    assert r.returncode == 0, output(r)
    for command in ("serve", "check-config", "show-keys"):
        assert command in r.stdout, output(r)


def test_unknown_command_is_a_usage_error():
    r = run_cli("frobnicate")
    assert r.returncode == 2, output(r)
    assert "frobnicate" in r.stderr, output(r)


def test_check_config_accepts_the_standard_config(people, tmp_path):
    path = write_config(tmp_path / "good.yaml", config_for(people, tmp_path))
    r = run_cli("check-config", "--config", path)
    assert r.returncode == 0, output(r)


def typo_config(people, tmp_path):
    """The standard config with bob's `roles:` misspelt `rolse:`; returns (path, its line)."""
    config = config_for(people, tmp_path)
    bob = config["users"][0]
    bob["rolse"] = bob.pop("roles")
    path = write_config(tmp_path / "typo.yaml", config)
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "rolse:" in text)
    return path, line


def test_check_config_points_at_a_typo(people, tmp_path):
    path, line = typo_config(people, tmp_path)
    r = run_cli("check-config", "--config", path)
    assert r.returncode == 1, output(r)
    assert re.search(rf"^{re.escape(str(path))}:{line}:\d+: .*rolse", output(r), re.M), output(r)


def test_check_config_shows_a_values_escape_sequences_harmlessly(people, tmp_path):
    """A value quoted in an error reaches the terminal: its escape sequences are shown, not acted on."""
    config = config_for(people, tmp_path)
    config["listen"] = "\x1b]0;pwned\x07\x1b[2J"
    path = write_config(tmp_path / "escape.yaml", config)
    r = run_cli("check-config", "--config", path)
    assert r.returncode == 1, output(r)
    assert "\x1b" not in r.stderr and "\x07" not in r.stderr, repr(r.stderr)
    assert "\\x1b]0;pwned\\x07" in r.stderr, r.stderr


def test_serve_refuses_a_bad_config(people, tmp_path):
    path, _ = typo_config(people, tmp_path)
    r = run_cli("serve", "--config", path, timeout=10)
    assert r.returncode == 1, output(r)
    assert "rolse" in output(r), output(r)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_show_keys_upstream_generates_a_missing_identity(people, tmp_path):
    config = config_for(people, tmp_path)
    del config["upstream"]  # defaults: <state_dir>/upstream_ed25519, <state_dir>/known_hosts
    path = write_config(tmp_path / "holdgate.yaml", config)
    r = run_cli("show-keys", "--config", path, "--upstream")
    assert r.returncode == 0, output(r)
    lines = r.stdout.splitlines()
    assert len(lines) == 1 and re.match(r"^ssh-ed25519 AAAA[A-Za-z0-9+/]+=*( .*)?$", lines[0]), \
        output(r)
    state = tmp_path / "state"
    identity = state / "upstream_ed25519"
    assert mode(state) == 0o700
    assert mode(identity) == 0o600
    # The file is a key OpenSSH can read, and it is the key that was printed.
    derived = subprocess.run(["ssh-keygen", "-y", "-f", str(identity)], capture_output=True,
                             text=True, timeout=10)
    assert derived.stdout.split()[:2] == lines[0].split()[:2], derived
    # Generated once: a second call shows the same key.
    assert run_cli("show-keys", "--config", path, "--upstream").stdout == r.stdout


def test_show_keys_upstream_uses_a_configured_identity(people, tmp_path):
    key = generate_key(tmp_path / "mine_ed25519", "mine")
    path = write_config(tmp_path / "holdgate.yaml",
                        config_for(people, tmp_path, upstream_identity=key.path))
    r = run_cli("show-keys", "--config", path, "--upstream")
    assert r.returncode == 0, output(r)
    assert r.stdout.split()[:2] == key.type_and_blob.split(), output(r)


def test_show_keys_host_prints_known_hosts_lines(people, tmp_path):
    path = write_config(tmp_path / "holdgate.yaml", config_for(people, tmp_path))
    r = run_cli("show-keys", "--config", path, "--host")
    assert r.returncode == 0, output(r)
    lines = r.stdout.splitlines()
    assert lines and all(re.match(r"^\[127\.0\.0\.1\]:2222 ssh-ed25519 AAAA[A-Za-z0-9+/]+=*( .*)?$",
                                  line) for line in lines), output(r)
    assert mode(tmp_path / "state" / "ssh_host_ed25519_key") == 0o600
    assert run_cli("show-keys", "--config", path, "--host").stdout == r.stdout


def test_check_config_refuses_a_key_line_that_is_not_a_key(people, tmp_path):
    """A placeholder or damaged authorized_keys line would load and never match anyone."""
    config = config_for(people, tmp_path)
    truncated = people["bob"].public_line.split()[1][:40]  # whole base64 quads, half a key
    config["users"][0]["keys"] = [people["bob"].public_line, f"ssh-ed25519 {truncated} bob@old"]
    path = write_config(tmp_path / "keys.yaml", config)
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "bob@old" in text)
    r = run_cli("check-config", "--config", path)
    assert r.returncode == 1, output(r)
    assert re.search(rf"^{re.escape(str(path))}:{line}:\d+: users\[0\]\.keys\[1\]: the key data "
                     r"does not hold a complete ssh-ed25519 key", output(r), re.M), output(r)


@pytest.mark.parametrize("key_mode", [0o644, 0o640, 0o604])
def test_a_private_key_others_may_read_is_refused(people, tmp_path, key_mode):
    key = generate_key(tmp_path / "mine_ed25519", "mine")
    key.path.chmod(key_mode)
    path = write_config(tmp_path / "holdgate.yaml",
                        config_for(people, tmp_path, upstream_identity=key.path))
    for command in (("show-keys", "--config", path, "--upstream"), ("serve", "--config", path)):
        r = run_cli(*command, timeout=10)
        assert r.returncode == 1, output(r)
        assert r.stdout == "", output(r)
        assert r.stderr == (f"holdgate: permissions {key_mode:04o} for '{key.path}' are too open: "
                            "a private key must not be accessible by group or others "
                            "(chmod 600 it)\n"), output(r)
    key.path.chmod(0o600)
    assert run_cli("show-keys", "--config", path, "--upstream").returncode == 0


def test_a_state_dir_others_may_enter_is_refused(people, tmp_path):
    state = tmp_path / "state"
    state.mkdir(mode=0o755)
    state.chmod(0o755)
    path = write_config(tmp_path / "holdgate.yaml", config_for(people, tmp_path))
    r = run_cli("show-keys", "--config", path, "--host")
    assert r.returncode == 1, output(r)
    assert r.stderr == (f"holdgate: permissions 0755 for state_dir '{state}' are too open: it "
                        "holds private keys and the request database, so it must not be "
                        "accessible by group or others (chmod 700 it)\n"), output(r)
    assert not (state / "ssh_host_ed25519_key").exists()
    state.chmod(0o700)
    assert run_cli("show-keys", "--config", path, "--host").returncode == 0
