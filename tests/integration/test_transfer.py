"""File transfer through holdgate with the tools people use: scp, sftp, rsync, git.

The target is this machine, so a file "on db-1" is just a local path we can hash directly.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from harness.client import client_env, run

BIG = 50 << 20


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def random_file(path: Path, size: int) -> Path:
    with open(path, "wb") as f:
        for _ in range(size >> 20):
            f.write(os.urandom(1 << 20))
        f.write(os.urandom(size & ((1 << 20) - 1)))
    return path


@pytest.fixture
def big_file(tmp_path):
    """50 MiB of random data. Deleted afterwards, with its copies: pytest keeps the last few
    runs' temp dirs, and 150 MiB per run adds up."""
    path = random_file(tmp_path / "big.bin", BIG)
    yield path
    for copy in tmp_path.glob("*.bin"):
        copy.unlink()


def test_scp_up_and_down_50mib(alice, big_file, tmp_path):
    """Default scp, which speaks the SFTP protocol since OpenSSH 9.0."""
    up, down = tmp_path / "on-target.bin", tmp_path / "back.bin"
    expected = sha256(big_file)
    r = alice.scp(big_file, alice.remote("root@db-1", up))
    assert r.returncode == 0, r
    assert sha256(up) == expected
    r = alice.scp(alice.remote("root@db-1", up), down)
    assert r.returncode == 0, r
    assert sha256(down) == expected


def test_legacy_scp_protocol(alice, tmp_path):
    """`scp -O` runs `scp -t` / `scp -f` as an exec request instead of the sftp subsystem."""
    src = random_file(tmp_path / "src.bin", 5 << 20)
    up, down = tmp_path / "on-target.bin", tmp_path / "back.bin"
    r = alice.scp(src, alice.remote("root@db-1", up), legacy=True)
    assert r.returncode == 0, r
    r = alice.scp(alice.remote("root@db-1", up), down, legacy=True)
    assert r.returncode == 0, r
    assert sha256(up) == sha256(down) == sha256(src)


def test_sftp_batch(alice, tmp_path):
    src = random_file(tmp_path / "src.bin", 3 << 20)
    remote_dir = tmp_path / "remote"
    remote_dir.mkdir()
    down = tmp_path / "down.bin"
    r = alice.sftp_batch("root@db-1", [
        f"put {src} {remote_dir}/file.bin",
        f"ls -l {remote_dir}",
        f"get {remote_dir}/file.bin {down}",
        f"rm {remote_dir}/file.bin",
    ])
    assert r.returncode == 0, r
    assert "file.bin" in r.stdout, r
    assert sha256(down) == sha256(src)
    assert not (remote_dir / "file.bin").exists(), "sftp rm did not remove the file"


def test_rsync_over_ssh(alice, tmp_path):
    if not shutil.which("rsync"):
        pytest.skip("rsync is not installed")
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    random_file(tree / "a.bin", 1 << 20)
    random_file(tree / "sub" / "b.bin", 100_000)
    dest = tmp_path / "copy"
    rsync = ["rsync", "-a", "-e", alice.ssh_command()]
    r = run(rsync + [f"{tree}/", alice.remote("root@db-1", dest)], timeout=60)
    assert r.returncode == 0, r
    back = tmp_path / "back"
    r = run(rsync + [alice.remote("root@db-1", f"{dest}/"), str(back)], timeout=60)
    assert r.returncode == 0, r
    for rel in ("a.bin", "sub/b.bin"):
        assert sha256(dest / rel) == sha256(back / rel) == sha256(tree / rel), rel


def git(*args: str, cwd: Path, env: dict) -> None:
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"git {' '.join(args)}:\n{proc.stdout}{proc.stderr}"


def test_git_clone_and_push(alice, tmp_path):
    """git runs `git-upload-pack` / `git-receive-pack` as exec requests through holdgate."""
    home = tmp_path / "home"
    home.mkdir()
    env = client_env(HOME=str(home), GIT_CONFIG_NOSYSTEM="1", GIT_TERMINAL_PROMPT="0",
                     GIT_SSH_COMMAND=alice.ssh_command(),
                     GIT_AUTHOR_NAME="Alice", GIT_AUTHOR_EMAIL="alice@example.com",
                     GIT_COMMITTER_NAME="Alice", GIT_COMMITTER_EMAIL="alice@example.com")
    bare = tmp_path / "repo.git"
    git("init", "-q", "--bare", "-b", "main", str(bare), cwd=tmp_path, env=env)
    clone = tmp_path / "clone"
    git("clone", "-q", alice.remote("root@db-1", bare), str(clone), cwd=tmp_path, env=env)
    (clone / "README").write_text("through holdgate\n")
    git("add", "README", cwd=clone, env=env)
    git("commit", "-q", "-m", "first commit via holdgate", cwd=clone, env=env)
    git("push", "-q", "origin", "HEAD:main", cwd=clone, env=env)
    log = subprocess.run(["git", "--git-dir", str(bare), "log", "--format=%s", "main"],
                         capture_output=True, text=True, timeout=10, env=env)
    assert log.stdout == "first commit via holdgate\n", log
    # And back: a second clone sees the pushed commit.
    again = tmp_path / "again"
    git("clone", "-q", alice.remote("root@db-1", bare), str(again), cwd=tmp_path, env=env)
    assert (again / "README").read_text() == "through holdgate\n"
