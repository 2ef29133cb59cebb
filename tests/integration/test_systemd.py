"""holdgate under systemd: Type=notify readiness (READY=1 once the port accepts connections,
STOPPING=1 on SIGTERM) over a real unix datagram socket as $NOTIFY_SOCKET, and the log formats:
the journal's "<N>" priority prefix without a second timestamp, and --log-format json.

No systemd is needed: the test plays the service manager's part of both protocols.
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from harness.holdgate import require_bin
from harness.procs import free_port, port_accepts, spawn, stop, wait_for_port, wait_until

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def minimal_config(tmp_path: Path, port: int) -> Path:
    """A config that listens and lets nobody in (what the package ships, on a free port)."""
    path = tmp_path / "holdgate.yaml"
    path.write_text(f"listen: 127.0.0.1:{port}\nstate_dir: {tmp_path / 'state'}\n")
    return path


def serve(tmp_path: Path, port: int, env_extra: dict, *args: str, log_name="holdgate.log"):
    env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "JOURNAL_STREAM")}
    env.update(env_extra)
    log = tmp_path / log_name
    argv = [str(require_bin()), "serve", "--config", str(minimal_config(tmp_path, port)), *args]
    return spawn(argv, log, env), log


def journal_stream_of(path: Path) -> str:
    """What systemd would put in $JOURNAL_STREAM for a stderr open on `path`."""
    status = os.stat(path)
    return f"{status.st_dev}:{status.st_ino}"


def receive(sock: socket.socket, timeout: float) -> str | None:
    sock.settimeout(timeout)
    try:
        return sock.recv(4096).decode()
    except socket.timeout:
        return None


@pytest.fixture(params=["path", "abstract"])
def notify_socket(request, tmp_path):
    """A datagram socket like systemd's: a file path, or an abstract name spelled '@name'."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if request.param == "path":
        address = str(tmp_path / "notify.sock")
        sock.bind(address)
    else:
        name = f"holdgate-test-{os.getpid()}-{free_port()}"
        sock.bind("\0" + name)
        address = "@" + name
    yield sock, address
    sock.close()


def test_ready_once_listening_and_stopping_on_sigterm(tmp_path, notify_socket):
    sock, address = notify_socket
    port = free_port()
    proc, log = serve(tmp_path, port, {"NOTIFY_SOCKET": address})
    try:
        message = receive(sock, 10)
        # The port must already accept connections when systemd is told holdgate is ready.
        ready_and_listening = port_accepts(port)
        assert message == "READY=1", log.read_text()
        assert ready_and_listening, "READY=1 came before the SSH port accepted connections"
        assert receive(sock, 0.5) is None, "only one READY=1 at start-up"

        os.kill(proc.pid, signal.SIGTERM)
        assert receive(sock, 10) == "STOPPING=1", log.read_text()
        assert proc.wait(timeout=15) == 0, log.read_text()
    finally:
        stop(proc)
    assert "notify-error" not in log.read_text()




def test_an_unreachable_notify_socket_is_logged_not_fatal(tmp_path):
    port = free_port()
    proc, log = serve(tmp_path, port, {"NOTIFY_SOCKET": str(tmp_path / "nobody-listens")})
    try:
        wait_for_port(port, proc, "holdgate serve", log)
        assert wait_until(lambda: "event=notify-error" in log.read_text(), 5), log.read_text()
        assert proc.poll() is None, "holdgate must keep serving"
    finally:
        stop(proc)


def lines_after_sigterm(proc, log: Path, port: int) -> list[str]:
    try:
        wait_for_port(port, proc, "holdgate serve", log)
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=15) == 0, log.read_text()
    finally:
        stop(proc)
    return log.read_text().splitlines()


def test_without_notify_socket_nothing_changes(tmp_path):
    port = free_port()
    proc, log = serve(tmp_path, port, {})
    text = "\n".join(lines_after_sigterm(proc, log, port))
    assert "event=listening" in text and "event=stopped" in text, text
    assert "notify" not in text, text


def test_journal_lines_carry_priority_and_no_timestamp(tmp_path):
    port = free_port()
    log = tmp_path / "holdgate.log"
    log.touch()  # the stream exists first, so its device:inode can be handed over, as systemd does
    proc, _ = serve(tmp_path, port, {"JOURNAL_STREAM": journal_stream_of(log)})
    lines = lines_after_sigterm(proc, log, port)
    assert lines[0].startswith("<6>event=listening address="), lines
    assert "<5>event=shutdown live_sessions=0" in "\n".join(lines), lines
    assert lines[-1] == "<5>event=stopped", lines
    assert not any(TIMESTAMP.search(line) for line in lines), lines


def test_journal_stream_of_another_file_is_ignored(tmp_path):
    """A child that inherited $JOURNAL_STREAM but writes elsewhere keeps plain lines."""
    port = free_port()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.touch()
    proc, log = serve(tmp_path, port, {"JOURNAL_STREAM": journal_stream_of(elsewhere)})
    lines = lines_after_sigterm(proc, log, port)
    assert TIMESTAMP.match(lines[0]) and " event=listening " in lines[0], lines
    assert not any(line.startswith("<") for line in lines), lines


def test_a_failed_start_is_an_error_in_the_journal(tmp_path):
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        log = tmp_path / "holdgate.log"
        log.touch()
        proc, _ = serve(tmp_path, port, {"JOURNAL_STREAM": journal_stream_of(log)})
        assert proc.wait(timeout=15) == 1
    text = log.read_text()
    assert text.startswith("<3>holdgate: "), text


def test_json_log_lines(tmp_path):
    port = free_port()
    proc, log = serve(tmp_path, port, {}, "--log-format", "json")
    lines = lines_after_sigterm(proc, log, port)
    events = [json.loads(line) for line in lines]  # every line is one JSON object
    assert [e["event"] for e in events][:1] == ["listening"], lines
    assert events[0]["address"] == f"127.0.0.1:{port}"
    assert events[0]["level"] == "info" and TIMESTAMP.fullmatch(events[0]["time"]), events[0]
    shutdown = next(e for e in events if e["event"] == "shutdown")
    assert shutdown["level"] == "notice" and shutdown["live_sessions"] == "0", shutdown
    assert events[-1]["event"] == "stopped"


def test_json_under_the_journal_has_the_prefix_and_no_time(tmp_path):
    port = free_port()
    log = tmp_path / "holdgate.log"
    log.touch()
    proc, _ = serve(tmp_path, port, {"JOURNAL_STREAM": journal_stream_of(log)},
                    "--log-format", "json")
    lines = lines_after_sigterm(proc, log, port)
    assert lines[0].startswith("<6>{"), lines
    first = json.loads(lines[0][3:])
    assert first["event"] == "listening" and "time" not in first, first


def test_unknown_log_format_is_a_usage_error():
    r = subprocess.run([str(require_bin()), "serve", "--config", "x.yaml", "--log-format", "xml"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 2
    assert "holdgate: unknown --log-format 'xml' (text or json)" in r.stderr


def test_config_errors_are_errors_in_the_journal(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text(f"listen: 127.0.0.1:{free_port()}\nstate_dri: {tmp_path}\n")
    log = tmp_path / "holdgate.log"
    log.touch()
    env = {**os.environ, "JOURNAL_STREAM": journal_stream_of(log)}
    with open(log, "ab") as out:
        code = subprocess.run([str(require_bin()), "serve", "--config", str(config)], env=env,
                              stdout=out, stderr=out, stdin=subprocess.DEVNULL, timeout=15).returncode
    assert code == 1
    assert log.read_text().startswith(f"<3>{config}:2:1: unknown top-level key 'state_dri'"), log.read_text()
