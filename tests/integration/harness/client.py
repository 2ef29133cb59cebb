"""The user's side: real OpenSSH clients (ssh, scp, sftp, rsync, git) driven as one person.

Each Client owns one ssh_config file (`-F`), so nothing from ~/.ssh or /etc/ssh leaks in: one
identity (IdentitiesOnly), a known_hosts file we wrote (StrictHostKeyChecking yes), no agent.
The same class drives holdgate ("Host holdgate") and, for the fixture self-check, the target
sshd directly.
"""
from __future__ import annotations

import contextlib
import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pexpect

from .procs import LOCALHOST


def client_options(*, known_hosts: Path, log_level: str = "ERROR", batch_mode: bool = True,
                   connect_timeout: int = 10) -> str:
    """The options every test client uses, as indented lines for a Host block: only the given
    key, no agent, no passwords, strict host keys from `known_hosts` alone."""
    return f"""\
  IdentitiesOnly yes
  IdentityAgent none
  PasswordAuthentication no
  UserKnownHostsFile {known_hosts}
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  UpdateHostKeys no
  BatchMode {"yes" if batch_mode else "no"}
  LogLevel {log_level}
  ConnectTimeout {connect_timeout}
"""


def ssh_config_entry(*, alias: str, port: int, identity: Path, known_hosts: Path,
                     log_level: str = "ERROR", batch_mode: bool = True) -> str:
    """One Host block. No User line: the user name (LOGIN@TARGET) is always given explicitly.

    Keyboard-interactive stays enabled as in a default OpenSSH client: holdgate asks for an
    access request's reason that way. BatchMode (on here, off in pty tests) disables it."""
    return f"""\
Host {alias}
  HostName {LOCALHOST}
  Port {port}
  IdentityFile {identity}
""" + client_options(known_hosts=known_hosts, log_level=log_level, batch_mode=batch_mode)


def write_ssh_config(path: Path, **entry) -> Path:
    """An ssh_config file with a single Host block (see ssh_config_entry)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ssh_config_entry(**entry))
    return path


@dataclass(repr=False)
class Result:
    """A finished client command. Its repr is a ready-made assertion message (`assert ..., r`):
    the command, exit status, time taken, stdout and stderr."""
    argv: list[str]
    returncode: int
    stdout_bytes: bytes
    stderr: str
    elapsed: float

    @property
    def stdout(self) -> str:
        return self.stdout_bytes.decode(errors="replace")

    def __str__(self) -> str:
        out = self.stdout if len(self.stdout_bytes) < 2000 else f"<{len(self.stdout_bytes)} bytes>"
        return (f"\n$ {' '.join(self.argv)}\nexit {self.returncode} after {self.elapsed:.1f}s\n"
                f"--- stdout ---\n{out}\n--- stderr ---\n{self.stderr}")

    __repr__ = __str__


def client_env(**extra: str) -> dict:
    """Our environment without any agent (so only the configured key is ever offered)."""
    env = {k: v for k, v in os.environ.items() if k not in ("SSH_AUTH_SOCK", "SSH_AGENT_PID")}
    env.update(extra)
    return env


def run(argv: list[str], *, input: bytes | str | None = None, timeout: float = 30,
        env: dict | None = None, cwd: Path | None = None) -> Result:
    """Run a client program to completion; stdin is /dev/null unless `input` is given.

    On timeout the program is killed and subprocess.TimeoutExpired propagates (a test failure).
    """
    if isinstance(input, str):
        input = input.encode()
    started = time.monotonic()
    proc = subprocess.run(argv, input=input, capture_output=True, timeout=timeout,
                          env=env or client_env(), cwd=cwd,
                          stdin=subprocess.DEVNULL if input is None else None)
    return Result(argv, proc.returncode, proc.stdout, proc.stderr.decode(errors="replace"),
                  time.monotonic() - started)


class Client:
    """One person's OpenSSH client setup: `alias` in the ssh_config `config` reaches the server.

    A "route" is the SSH user name, "LOGIN@TARGET" for holdgate (e.g. "root@db-1").
    """

    def __init__(self, config: Path, alias: str, person: str):
        self.config = Path(config)
        self.alias = alias
        self.person = person

    # -- plain ssh -------------------------------------------------------------------------

    def ssh_argv(self, route: str | None, *command: str, options: tuple = (),
                 at_form: bool = False) -> list[str]:
        """`ssh -F CFG [-l ROUTE] ALIAS CMD` or, with at_form, `ssh -F CFG ROUTE@ALIAS CMD`."""
        argv = ["ssh", "-F", str(self.config), *options]
        if at_form:
            argv.append(f"{route}@{self.alias}")
        else:
            argv += (["-l", route] if route is not None else []) + [self.alias]
        return argv + list(command)

    def ssh(self, route: str | None, *command: str, input=None, timeout: float = 30,
            options: tuple = (), at_form: bool = False, env: dict | None = None) -> Result:
        return run(self.ssh_argv(route, *command, options=options, at_form=at_form),
                   input=input, timeout=timeout, env=env)

    def popen(self, route: str, *command: str, options: tuple = (), **kwargs) -> subprocess.Popen:
        """ssh in the background (for concurrency and shutdown tests); caller must reap it."""
        return subprocess.Popen(self.ssh_argv(route, *command, options=options),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=client_env(), **kwargs)

    # -- file transfer -----------------------------------------------------------------------

    def remote(self, route: str, path: Path | str) -> str:
        """"ROUTE@ALIAS:PATH" as scp, rsync and git spell a remote file."""
        return f"{route}@{self.alias}:{path}"

    def scp(self, source: str | Path, dest: str | Path, *, legacy: bool = False,
            timeout: float = 120) -> Result:
        """scp one file. OpenSSH 9 speaks SFTP under scp; `legacy` (-O) uses the old scp
        protocol instead, which runs `scp -t/-f` as an exec request."""
        argv = ["scp", "-F", str(self.config), "-q", *(["-O"] if legacy else []),
                str(source), str(dest)]
        return run(argv, timeout=timeout)

    def sftp_batch(self, route: str, commands: list[str], *, timeout: float = 120) -> Result:
        """sftp running `commands` from a batch file (-b -: read from stdin); a failing
        command aborts the batch with a non-zero exit."""
        argv = ["sftp", "-F", str(self.config), "-b", "-", f"{route}@{self.alias}"]
        return run(argv, input="\n".join(commands) + "\n", timeout=timeout)

    def ssh_command(self) -> str:
        """The remote-shell command for tools that take one (rsync -e, GIT_SSH_COMMAND)."""
        return f"ssh -F {self.config}"

    # -- interactive -------------------------------------------------------------------------

    @contextlib.contextmanager
    def pty(self, route: str, *, rows: int = 24, cols: int = 80, term: str = "xterm-256color",
            timeout: float = 15):
        """An interactive login shell under a real pty (pexpect), as a PtyShell.

        Always closed (SIGKILL if need be) when the with-block ends.
        """
        argv = self.ssh_argv(route, options=("-t", "-o", "BatchMode=no"))
        child = pexpect.spawn(argv[0], argv[1:], dimensions=(rows, cols), timeout=timeout,
                              env=client_env(TERM=term), encoding="utf-8",
                              codec_errors="replace")
        try:
            yield PtyShell(child)
        finally:
            child.close(force=True)


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[=>]")


class PtyShell:
    """A remote bash under a pty, with a prompt we chose so output can be cut out reliably."""

    # Set as PS1='[hg]''$ ': the echoed command line then never contains the prompt itself.
    PROMPT = "[hg]$ "

    def __init__(self, child: pexpect.spawn):
        self.child = child
        self._commands = 0

    def wait_ready(self, timeout: float = 15) -> None:
        """Replace the login prompt with ours and wait until the shell shows it."""
        self.child.sendline("PS1='[hg]''$ '; unset PROMPT_COMMAND")
        self.child.expect_exact(self.PROMPT, timeout=timeout)

    def run(self, command: str, timeout: float = 10) -> str:
        """Type `command`, return what it printed (stripped, without the echoed input).

        The command is followed by `echo 'hg-''end-N'`, which prints "hg-end-N" but echoes
        with quotes, so the end of the output is found even if the shell redraws its prompt
        in between (it does on SIGWINCH)."""
        self._commands += 1
        n = self._commands
        typed = f"echo 'hg-''end-{n}'"
        self.child.sendline(f"{command}; {typed}")
        self.child.expect_exact(f"hg-end-{n}", timeout=timeout)
        text = _ANSI.sub("", self.child.before).replace("\r", "")
        return text.rsplit(typed, 1)[-1].strip()


def live_shell(client: Client, route: str = "root@db-1") -> pexpect.spawn:
    """`client`'s interactive shell on `route` under a real terminal, at its prompt. OpenSSH's
    default LogLevel (INFO) shows holdgate's last words (a revoked or expired grant, a lock)."""
    argv = client.ssh_argv(route, "-t", options=("-o", "LogLevel=INFO"))
    child = pexpect.spawn(argv[0], argv[1:], dimensions=(24, 80), timeout=10,
                          env=client_env(TERM="xterm"), encoding="utf-8", codec_errors="replace")
    child.sendline("echo RE''ADY")  # the terminal echoes what is typed; only the shell joins it
    child.expect("READY\r\n")
    return child
