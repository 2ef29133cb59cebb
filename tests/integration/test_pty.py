"""Interactive sessions: `ssh -t` under a real pty, driven with pexpect.

holdgate must pass the pty request (TERM and window size), later window changes, raw
keystrokes such as Ctrl-C, and the shell's exit status.
"""
from __future__ import annotations

import time

import pexpect


def test_window_size_and_term(alice):
    with alice.pty("root@db-1", rows=33, cols=111, term="xterm-256color") as shell:
        shell.wait_ready()
        assert shell.run("stty size") == "33 111"
        assert shell.run('echo "T=$TERM"') == "T=xterm-256color"


def test_window_change_is_relayed(alice):
    with alice.pty("root@db-1", rows=33, cols=111) as shell:
        shell.wait_ready()
        shell.child.setwinsize(40, 120)  # ssh gets SIGWINCH and sends window-change
        time.sleep(0.5)                  # let it travel ssh -> holdgate -> sshd
        assert shell.run("stty size") == "40 120"


def test_ctrl_c_interrupts_the_remote_command(alice):
    with alice.pty("root@db-1") as shell:
        shell.wait_ready()
        shell.child.sendline("sleep 100")
        time.sleep(0.5)
        shell.child.sendcontrol("c")
        shell.child.expect_exact(shell.PROMPT, timeout=5)
        assert shell.run('echo "rc=$?"') == "rc=130"  # 128 + SIGINT


def test_exit_status_of_interactive_shell(alice):
    with alice.pty("root@db-1") as shell:
        shell.wait_ready()
        shell.child.sendline("exit 7")
        shell.child.expect(pexpect.EOF, timeout=10)
        shell.child.close()
        assert shell.child.exitstatus == 7, shell.child.before

