"""The .deb as a person installing it would see it: built with cpack from the existing build
(no recompilation), its files, modes, conffiles and maintainer scripts read with dpkg-deb, and,
extracted into a throwaway directory (never `dpkg -i` here: this runs on developers' machines),
the shipped binary passes `check-config` on the shipped default config, the unit passes
`systemd-analyze verify`, and the man pages render without warnings. test_install.py does
the real `dpkg -i` and `--purge`, on CI's throwaway machine only.

$HOLDGATE_BUILD_DIR is the CMake build directory (CTest sets it).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

BUILD = Path(os.environ.get("HOLDGATE_BUILD_DIR")
             or Path(__file__).resolve().parents[2] / "build")


def run(*argv, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=600,
                          **kwargs)


@pytest.fixture(scope="module")
def deb(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cpack")
    r = run("cpack", "-G", "DEB", "-B", out, cwd=BUILD)
    assert r.returncode == 0, r.stdout + r.stderr
    debs = list(out.glob("holdgate_*.deb"))
    assert len(debs) == 1, r.stdout
    return debs[0]


@pytest.fixture(scope="module")
def root(deb, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("root")
    r = run("dpkg-deb", "-x", deb, root)
    assert r.returncode == 0, r.stderr
    return root


def project_version() -> str:
    text = (Path(__file__).resolve().parents[2] / "CMakeLists.txt").read_text()
    return re.search(r"project\(holdgate VERSION ([0-9.]+)", text).group(1)


def test_files_and_modes(deb):
    listing = run("dpkg-deb", "-c", deb).stdout
    entries = {}
    for line in listing.splitlines():
        mode, owner, _size, _date, _time, path = line.split(None, 5)
        entries[path] = (mode, owner)
    expected = {
        "./usr/sbin/holdgate": "-rwxr-xr-x",
        "./etc/holdgate/holdgate.yaml": "-rw-r--r--",
        "./lib/systemd/system/holdgate.service": "-rw-r--r--",
        "./usr/share/man/man8/holdgate.8.gz": "-rw-r--r--",
        "./usr/share/man/man5/holdgate.yaml.5.gz": "-rw-r--r--",
        "./usr/share/bash-completion/completions/holdgate": "-rw-r--r--",
    }
    for path, mode in expected.items():
        assert path in entries, f"{path} missing from the package:\n{listing}"
        assert entries[path] == (mode, "root/root"), (path, entries[path])
    # Only what belongs to the package: no headers, static libraries or test binaries.
    files = [p for p, (mode, _) in entries.items() if not mode.startswith("d")]
    assert sorted(files) == sorted(expected), files


def test_control_conffiles_and_scripts(deb, tmp_path):
    info = run("dpkg-deb", "-I", deb).stdout
    fields = dict(re.findall(r"^ (\w[\w-]*): (.*)$", info, re.M))
    assert fields["Package"] == "holdgate"
    assert fields["Version"] == project_version()
    depends = fields["Depends"]
    for library in ("libssh-4", "libssl3", "libyaml-cpp0.7", "libsqlite3-0", "adduser", "procps"):
        assert library in depends, depends  # dpkg-shlibdeps read the binary's libraries

    control = tmp_path / "control"
    assert run("dpkg-deb", "-e", deb, control).returncode == 0
    assert (control / "conffiles").read_text().split() == ["/etc/holdgate/holdgate.yaml"]
    for script in ("postinst", "prerm", "postrm"):
        assert os.stat(control / script).st_mode & 0o777 == 0o755, script
        assert run("sh", "-n", control / script).returncode == 0, script
    postinst = (control / "postinst").read_text()
    assert "adduser --quiet --system --group" in postinst and " holdgate" in postinst
    assert "install -d -o holdgate -g holdgate -m 0700 /var/lib/holdgate" in postinst


def test_shipped_binary_and_default_config(root):
    binary = root / "usr/sbin/holdgate"
    config = root / "etc/holdgate/holdgate.yaml"
    version = run(binary, "--version")
    assert version.returncode == 0 and version.stdout == f"holdgate {project_version()}\n"
    check = run(binary, "check-config", "--config", config)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout == f"{config}: ok\n"
    # Allows nothing until edited: no user, role or target is configured.
    active = [line for line in config.read_text().splitlines()
              if line.strip() and not line.lstrip().startswith("#")]
    assert active == ["listen: 0.0.0.0:2222", "state_dir: /var/lib/holdgate"], active


def test_unit_passes_systemd_analyze_verify(root, tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (Debian package systemd)")
    # verify resolves the unit's dependencies (sysinit.target, ...) and its ExecStart binary
    # inside --root: the extracted package plus this machine's own units.
    tree = tmp_path / "root"
    shutil.copytree(root, tree, symlinks=True)
    shutil.copytree("/lib/systemd/system", tree / "lib/systemd/system", symlinks=True,
                    dirs_exist_ok=True)
    # ExecReload's /bin/kill comes from procps, one of the package's dependencies.
    (tree / "bin").mkdir(exist_ok=True)
    shutil.copy2("/bin/kill", tree / "bin/kill")
    r = run("systemd-analyze", "verify", "--man=no", f"--root={tree}",
            "/lib/systemd/system/holdgate.service")
    assert r.returncode == 0 and r.stderr == "", r.stderr
    unit = (root / "lib/systemd/system/holdgate.service").read_text()
    for line in ("Type=notify", "User=holdgate", "StateDirectory=holdgate", "StateDirectoryMode=0700",
                 "ProtectSystem=strict", "NoNewPrivileges=yes",
                 "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
                 "AmbientCapabilities=CAP_NET_BIND_SERVICE", "Restart=on-failure",
                 "ExecReload=/bin/kill -HUP $MAINPID"):  # SIGHUP reloads (test_reload.py)
        assert line in unit.splitlines(), line


@pytest.mark.parametrize("page", ["man8/holdgate.8.gz", "man5/holdgate.yaml.5.gz"])
def test_man_pages_render_without_warnings(root, page):
    path = root / "usr/share/man" / page
    r = run("man", "--warnings", "-l", path, env={**os.environ, "MANWIDTH": "80"})
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert "SYNOPSIS" in r.stdout and "holdgate" in r.stdout


def test_bash_completion_offers_commands_and_options(root):
    script = root / "usr/share/bash-completion/completions/holdgate"
    probe = f"""
source /usr/share/bash-completion/bash_completion
source {script}
complete_words() {{ COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${{#COMP_LINE}};
  COMPREPLY=(); _holdgate holdgate "${{COMP_WORDS[-1]}}" "${{COMP_WORDS[-2]}}"; echo "${{COMPREPLY[*]}}"; }}
complete_words holdgate ''
complete_words holdgate show-keys --
complete_words holdgate audit ''
complete_words holdgate serve --log-format ''
"""
    if not Path("/usr/share/bash-completion/bash_completion").exists():
        pytest.skip("bash-completion is not installed")
    r = run("bash", "-c", probe)
    lines = r.stdout.splitlines()
    assert lines == ["serve check-config doctor show-keys known-hosts audit storage --help --version",
                     "--config --help --host --upstream",
                     "verify export",
                     "text json"], r.stdout + r.stderr
