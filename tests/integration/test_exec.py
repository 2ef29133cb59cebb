"""Non-interactive sessions through holdgate: `ssh root@db-1@holdgate COMMAND`.

holdgate must relay stdout, stderr, stdin and the exit status unchanged, log in to the target
with its own upstream key, and forward only TERM, LANG and LC_* environment variables.
"""
from __future__ import annotations

import hashlib
import os

from harness.client import client_env


def test_stdout_stderr_and_exit_status_are_relayed(alice):
    r = alice.ssh("root@db-1", "echo out; echo err >&2; exit 3")
    assert (r.returncode, r.stdout, r.stderr) == (3, "out\n", "err\n"), r


def test_login_is_the_requested_account(alice):
    r = alice.ssh("root@db-1", "whoami")
    assert (r.returncode, r.stdout) == (0, "root\n"), r


def test_user_at_target_at_host_form(alice):
    """`ssh root@db-1@holdgate` (OpenSSH splits at the last @) works like `-l root@db-1`."""
    r = alice.ssh("root@db-1", "whoami", at_form=True)
    assert (r.returncode, r.stdout) == (0, "root\n"), r


def test_stdin_is_piped_through(alice):
    data = os.urandom(1 << 20)
    r = alice.ssh("root@db-1", "cat", input=data)
    assert r.returncode == 0, r
    assert len(r.stdout_bytes) == len(data), r
    assert hashlib.sha256(r.stdout_bytes).digest() == hashlib.sha256(data).digest()


def test_stdin_eof_reaches_the_remote_command(alice):
    """`wc -c` only prints once it sees EOF, so this hangs if holdgate drops channel EOF."""
    r = alice.ssh("root@db-1", "wc -c", input=b"x" * 1000, timeout=15)
    assert (r.returncode, r.stdout.strip()) == (0, "1000"), r


def test_holdgate_logs_in_with_its_upstream_key(alice, world):
    """The target sees holdgate's key, not alice's: people never hold target credentials."""
    log = world.target.log
    before = len(log.read_text())
    r = alice.ssh("root@db-1", "true")
    assert r.returncode == 0, r
    new = log.read_text()[before:]
    assert f"Accepted publickey for root from 127.0.0.1" in new, new
    assert world.upstream.fingerprint() in new, new
    assert world.people["alice"].fingerprint() not in new, new


def test_session_is_logged_with_person_login_and_target(alice, gate):
    r = alice.ssh("root@db-1", "true")
    assert r.returncode == 0, r
    assert gate.wait_for_log_line("alice", "root", "db-1"), gate.log_text()


def test_lc_variables_are_forwarded(alice):
    r = alice.ssh("root@db-1", 'echo "$LC_TEST"', options=("-o", "SendEnv=LC_TEST"),
                  env=client_env(LC_TEST="hello"))
    assert (r.returncode, r.stdout) == (0, "hello\n"), r


def test_other_variables_are_not_forwarded(alice):
    """The target accepts HOLDGATE_TEST_* (see sshd.py); holdgate must still drop it."""
    r = alice.ssh("root@db-1", 'echo "[$HOLDGATE_TEST_SECRET]"',
                  options=("-o", "SendEnv=HOLDGATE_TEST_SECRET"),
                  env=client_env(HOLDGATE_TEST_SECRET="leaked"))
    assert (r.returncode, r.stdout) == (0, "[]\n"), r


def test_remote_death_by_signal_fails_the_client(alice):
    """The remote shell kills itself; holdgate relays exit-signal (or at least closes the
    channel), and the OpenSSH client, which ignores exit-signal, exits 255 promptly."""
    r = alice.ssh("root@db-1", "kill -TERM $$", timeout=15)
    assert r.returncode != 0, r
    assert r.elapsed < 10, r
