"""Running the holdgate binary: one-shot CLI calls and the long-running `serve` process."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

from . import logs
from .gate_config import write_config
from .procs import LOCALHOST, spawn, stop, wait_for_port

REPO = Path(__file__).resolve().parents[3]  # harness/ -> integration/ -> tests/ -> repo


def holdgate_bin() -> Path:
    """$HOLDGATE_BIN (CTest sets it), else the default CMake build location in this repo."""
    return Path(os.environ.get("HOLDGATE_BIN") or REPO / "build" / "proxy" / "holdgate")


def require_bin() -> Path:
    """The binary's path, or a clear error saying how to get one."""
    path = holdgate_bin()
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise FileNotFoundError(f"holdgate binary not found at {path}: build it "
                                "(cmake -B build && cmake --build build) or set HOLDGATE_BIN")
    return path


def run_cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    """`holdgate ARGS...` to completion, text output captured."""
    return subprocess.run([str(require_bin()), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


_KEY_TYPE = re.compile(r"^(ssh-|ecdsa-|sk-)")


def host_key_lines(config_path: Path, port: int) -> list[str]:
    """known_hosts lines for holdgate's host key(s), from `show-keys --host`.

    The contract says it prints full known_hosts lines ("[127.0.0.1]:2222 ssh-ed25519 AAAA...");
    test_cli.py checks that exactly. Here we are lenient and add the host part if a bare key is
    printed, so one formatting slip does not take every other test down with it.
    """
    result = run_cli("show-keys", "--config", config_path, "--host")
    lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"holdgate show-keys --host failed (exit {result.returncode}):\n"
                           f"{result.stdout}{result.stderr}")
    return [f"[{LOCALHOST}]:{port} {line}" if _KEY_TYPE.match(line) else line for line in lines]


def _reload_done(line: str) -> bool:
    """A reload's last line: `reloaded`, or the reload-failed line saying the old config stays."""
    return "reloaded" in line or ("reload-failed" in line and "stays in force" in line)


class Holdgate:
    """One `holdgate serve` process with its own config file, state dir and log file.

    After start(), `known_hosts` holds its host key lines for clients (see client.py).
    """

    def __init__(self, workdir: Path, config: dict, name: str = "holdgate",
                 log_to_file: bool = True):
        self.name = name
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.config = config
        self.port = int(str(config["listen"]).rsplit(":", 1)[1])
        self.config_path = self.dir / "holdgate.yaml"
        self.log = self.dir / "holdgate.log" if log_to_file else None
        self.known_hosts = self.dir / "client_known_hosts"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Holdgate":
        write_config(self.config_path, self.config)
        argv = [str(require_bin()), "serve", "--config", str(self.config_path)]
        self.proc = spawn(argv, self.log)
        if self.log:
            logs.register(self.name, self.log)
        try:
            wait_for_port(self.port, self.proc, f"{self.name} serve", self.log)
            lines = host_key_lines(self.config_path, self.port)
            self.known_hosts.write_text("\n".join(lines) + "\n")
        except BaseException:
            self.stop()
            raise
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def terminate(self) -> None:
        """SIGTERM to holdgate itself, as an init system would send it (graceful shutdown)."""
        os.kill(self.proc.pid, signal.SIGTERM)

    def wait(self, timeout: float) -> int | None:
        """Exit code once it exits, or None if still running after `timeout` seconds."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> int | None:
        """SIGTERM, up to 5 s, then SIGKILL. Safe to call twice."""
        code = stop(self.proc)
        logs.unregister(self.name)
        return code

    def reload(self, config: dict | None = None, *, text: str | None = None,
               timeout: float = 10.0) -> str:
        """Rewrite the config file (`config` as YAML, or `text` as is), send SIGHUP, and return
        holdgate's answer: its next `reloaded` log line, or its `reload-failed` lines (all of
        that reload's, joined). Raises if neither comes within `timeout` seconds."""
        before = self.log_text().splitlines()
        done_before = sum(1 for line in before if _reload_done(line))
        if text is not None:
            self.config_path.write_text(text)
        else:
            self.config = config if config is not None else self.config
            write_config(self.config_path, self.config)
        os.kill(self.proc.pid, signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lines = self.log_text().splitlines()
            done = [line for line in lines if _reload_done(line)]
            if len(done) > done_before:
                new = lines[len(before):]
                if "reloaded" in done[done_before]:
                    return done[done_before]
                return "\n".join(line for line in new if "reload-failed" in line)
            time.sleep(0.05)
        raise RuntimeError(f"{self.name}: no reloaded/reload-failed line {timeout}s after SIGHUP")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log and self.log.exists() else ""

    def wait_for_log_line(self, *words, timeout: float = 3.0) -> str | None:
        """The first log line containing every word (case-insensitive; a tuple of words means
        any one of them), waiting up to `timeout` seconds for it to be written; None if none
        shows up."""
        wanted = [tuple(w.lower() for w in ((word,) if isinstance(word, str) else word))
                  for word in words]
        deadline = time.monotonic() + timeout
        while True:
            for line in self.log_text().splitlines():
                if all(any(w in line.lower() for w in options) for options in wanted):
                    return line
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.1)
