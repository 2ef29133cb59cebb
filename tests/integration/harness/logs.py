"""Logs worth showing when a test fails.

Servers register their log file when they start and unregister when they stop; conftest.py's
report hook attaches the tail of every registered log to a failing test's report, so a failure
shows what holdgate and sshd said without anyone digging through temp directories.
"""
from __future__ import annotations

from pathlib import Path

from .procs import tail

_live: dict[str, Path] = {}


def register(title: str, path: Path) -> None:
    _live[title] = path


def unregister(title: str) -> None:
    _live.pop(title, None)


def tails(lines: int = 60) -> list[tuple[str, str]]:
    """(section title, text) pairs, one per registered log."""
    return [(f"{title} ({path}), last {lines} lines", tail(path, lines))
            for title, path in _live.items()]
