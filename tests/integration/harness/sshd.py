"""A real OpenSSH sshd on 127.0.0.1 that plays the target host ("db-1") behind holdgate.

We run as root, so `root` is a working login. Its authorized_keys file lives in the work
directory (not ~root/.ssh), and sshd re-reads it on every login, so tests can authorize keys
while it runs.
"""
from __future__ import annotations

import os
from pathlib import Path

from . import logs
from .keys import Key, generate_key
from .procs import LOCALHOST, free_port, spawn, stop, wait_for_port

SSHD = "/usr/sbin/sshd"  # sshd insists on being started by absolute path (it re-execs itself)

# Environment variables this sshd accepts. HOLDGATE_TEST_* exists so a test can check that
# holdgate does NOT forward variables beyond TERM, LANG and LC_*.
ACCEPT_ENV = "LANG LC_* TERM HOLDGATE_TEST_*"


def _sshd_config(port: int, host_key: Key, authorized_keys: Path, pid_file: Path) -> str:
    return f"""\
ListenAddress {LOCALHOST}
Port {port}
HostKey {host_key.path}
PidFile {pid_file}
AuthorizedKeysFile {authorized_keys}
LogLevel VERBOSE
UsePAM no
StrictModes no
PermitRootLogin yes
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
# holdgate relays forwarding (issue 18) as policy allows; the target itself permits it.
AllowTcpForwarding yes
AllowAgentForwarding yes
AcceptEnv {ACCEPT_ENV}
Subsystem sftp internal-sftp
# holdgate opens one upstream connection per client connection: leave room for the
# concurrency test (the default 10:30:100 starts dropping connections after 10).
MaxStartups 200
MaxSessions 50
"""


class Target:
    """One sshd process. Use `start()`; always `stop()` (fixtures do it in a finalizer)."""

    def __init__(self, workdir: Path, name: str = "db-1", extra_config: str = ""):
        """`extra_config`: sshd_config lines appended to the standard ones (e.g. "Ciphers X")."""
        self.name = name
        self.extra_config = extra_config
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.host_key = generate_key(self.dir / "ssh_host_ed25519_key", f"{name}-host")
        self.authorized_keys = self.dir / "authorized_keys"
        self.config = self.dir / "sshd_config"
        self.log = self.dir / "sshd.log"
        self.proc = None

    def authorize(self, key: Key) -> None:
        """Let `key` log in (as any user; we only use root). Idempotent."""
        lines = self.authorized_keys.read_text().splitlines() \
            if self.authorized_keys.exists() else []
        if key.public_line not in lines:
            with self.authorized_keys.open("a") as f:
                f.write(key.public_line + "\n")

    def known_hosts_line(self, host: str = LOCALHOST) -> str:
        """The line holdgate's known_hosts needs to trust this sshd when dialing host:port."""
        return f"[{host}]:{self.port} {self.host_key.type_and_blob}"

    def start(self) -> "Target":
        Path("/run/sshd").mkdir(parents=True, exist_ok=True)  # privilege separation dir
        self.authorized_keys.touch()
        self.config.write_text(_sshd_config(self.port, self.host_key, self.authorized_keys,
                                            self.dir / "sshd.pid") + self.extra_config)
        self.proc = spawn([SSHD, "-D", "-e", "-f", str(self.config)], self.log,
                          env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
        logs.register(f"sshd {self.name}", self.log)
        try:
            wait_for_port(self.port, self.proc, f"sshd ({self.name})", self.log)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        stop(self.proc)
        logs.unregister(f"sshd {self.name}")
