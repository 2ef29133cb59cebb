"""A real `dpkg -i` of the .deb, then what an admin would check, then `dpkg --purge`.

This changes the machine it runs on (a system user, /usr/sbin/holdgate, /etc/holdgate, a unit),
so it runs only where that is the point: with CI=true (CI's throwaway machine), as root, with
no holdgate package installed already. Everywhere else it is skipped, and test_package.py checks
the same files extracted into a directory instead.

Why not a chroot: debootstrap needs a Debian mirror, and these tests use the loopback only; and
`dpkg --root`/`--instdir` on a directory without a base system cannot run the maintainer scripts
(adduser, install) that this test is about.

The test leaves the machine as it found it: what Debian's purge keeps on purpose (the holdgate
user, policy 9.2.2, and /var/lib/holdgate, the audit trail) is checked to be kept, then removed
by the test itself when it was not there before.

$HOLDGATE_BUILD_DIR is the CMake build directory (CTest sets it).
"""
from __future__ import annotations

import os
import pwd
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

BUILD = Path(os.environ.get("HOLDGATE_BUILD_DIR")
             or Path(__file__).resolve().parents[2] / "build")


WANTS = Path("/etc/systemd/system/multi-user.target.wants/holdgate.service")


def run(*argv, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=600,
                          **kwargs)


def installed() -> bool:
    r = run("dpkg-query", "-W", "-f=${Status}", "holdgate")
    return r.returncode == 0 and "installed" in r.stdout.split()


def why_not() -> str | None:
    if os.environ.get("CI") != "true":
        return "installs the .deb on this machine: only with CI=true (a throwaway CI machine)"
    if os.geteuid() != 0:
        return "dpkg -i needs root"
    if shutil.which("dpkg") is None:
        return "not a Debian system (no dpkg)"
    if installed():
        return "a holdgate package is installed here already; not touching it"
    return None


def project_version() -> str:
    text = (Path(__file__).resolve().parents[2] / "CMakeLists.txt").read_text()
    return re.search(r"project\(holdgate VERSION ([0-9.]+)", text).group(1)


def user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


@pytest.fixture
def deb(tmp_path) -> Path:
    r = run("cpack", "-G", "DEB", "-B", tmp_path, cwd=BUILD)
    assert r.returncode == 0, r.stdout + r.stderr
    debs = list(tmp_path.glob("holdgate_*.deb"))
    assert len(debs) == 1, r.stdout
    return debs[0]


@pytest.mark.skipif(why_not() is not None, reason=str(why_not()))
def test_dpkg_install_check_and_purge(deb):
    had_user = user_exists("holdgate")
    had_state = Path("/var/lib/holdgate").exists()
    try:
        r = run("dpkg", "-i", deb)
        assert r.returncode == 0, r.stdout + r.stderr
        assert installed()

        version = run("/usr/sbin/holdgate", "--version")
        assert version.returncode == 0 and version.stdout == f"holdgate {project_version()}\n"
        check = run("/usr/sbin/holdgate", "check-config", "--config", "/etc/holdgate/holdgate.yaml")
        assert check.returncode == 0 and check.stdout == "/etc/holdgate/holdgate.yaml: ok\n", \
            check.stdout + check.stderr
        verify = run("systemd-analyze", "verify", "--man=no", "/lib/systemd/system/holdgate.service")
        assert verify.returncode == 0 and verify.stderr == "", verify.stderr
        for page in ("man8/holdgate.8.gz", "man5/holdgate.yaml.5.gz"):
            shown = run("man", "--warnings", "-l", f"/usr/share/man/{page}",
                        env={**os.environ, "MANWIDTH": "80"})
            assert shown.returncode == 0 and shown.stderr == "" and "SYNOPSIS" in shown.stdout, page

        # The system user the unit runs as: no login, home at the state directory.
        user = pwd.getpwnam("holdgate")
        assert user.pw_uid < 1000 and user.pw_dir == "/var/lib/holdgate", user
        assert user.pw_shell in ("/usr/sbin/nologin", "/bin/false"), user
        state = os.stat("/var/lib/holdgate")
        assert stat.S_ISDIR(state.st_mode) and stat.S_IMODE(state.st_mode) == 0o700
        assert (state.st_uid, state.st_gid) == (user.pw_uid, user.pw_gid)
        # Enabled on install, as debhelper's snippet does for every service (sshd too); not
        # started: the shipped config allows nothing until edited.
        assert WANTS.is_symlink() and os.readlink(WANTS) == "/lib/systemd/system/holdgate.service"
        # The shipped config is readable by the service's user (it runs as holdgate).
        assert run("runuser", "-u", "holdgate", "--", "/usr/sbin/holdgate", "check-config",
                   "--config", "/etc/holdgate/holdgate.yaml").returncode == 0

        r = run("dpkg", "--purge", "holdgate")
        assert r.returncode == 0, r.stdout + r.stderr
        assert not installed()
        for path in ("/usr/sbin/holdgate", "/etc/holdgate/holdgate.yaml",
                     "/lib/systemd/system/holdgate.service", "/usr/share/man/man8/holdgate.8.gz"):
            assert not Path(path).exists(), path
        assert not WANTS.is_symlink(), "purge leaves the service enabled"
        # Kept on purpose, as Debian packages do (see postrm): the user, and the evidence.
        assert user_exists("holdgate")
        assert Path("/var/lib/holdgate").is_dir()
    finally:
        if installed():
            run("dpkg", "--purge", "holdgate")
        if not had_state:
            shutil.rmtree("/var/lib/holdgate", ignore_errors=True)
        if not had_user and user_exists("holdgate"):
            run("deluser", "--quiet", "--system", "holdgate")
            if run("getent", "group", "holdgate").returncode == 0:
                run("delgroup", "--quiet", "--system", "holdgate")
