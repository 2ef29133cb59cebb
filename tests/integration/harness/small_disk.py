"""A small tmpfs for tests that fill a disk: mounted 0700, always unmounted afterwards (lazily:
a process may still hold a file on it). Skips the test where mounting is not allowed."""
from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path

import pytest


@contextlib.contextmanager
def small_disk(mount_point: Path, size: str):
    mount_point.mkdir(mode=0o700)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs",
                       str(mount_point)]).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)])
