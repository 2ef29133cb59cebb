"""Prometheus metrics (`metrics: {listen: ...}`): GET /metrics during a live shell session and a
held request, checked by `promtool check metrics` and for exact values; anything else is 404;
an oversized request is refused; a bad address is a check-config error at its line.

bob (dev) may request dba (two approvals), so his `ssh root@db-1` under a terminal is held.
"""
from __future__ import annotations

import re
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from harness.gate_config import standard_config, write_config
from harness.holdgate import run_cli
from harness.procs import free_port
from harness.scenarios import with_reviewers
from harness.world import gate_client, new_gate
from test_escalation import request_access, spawn


def metrics_on(port):
    reviewers = with_reviewers()

    def edit(config):
        reviewers(config)
        config["metrics"] = {"listen": f"127.0.0.1:{port}"}
    return edit


@pytest.fixture
def metrics_port():
    return free_port()


@pytest.fixture
def gate(world, make_gate, metrics_port):
    return make_gate(edit=metrics_on(metrics_port))


def scrape(port, path="/metrics"):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
        return response.status, response.headers["Content-Type"], response.read().decode()


def value(text, series):
    """The sample value of `series` (name with its exact label set), or None."""
    match = re.search(rf"^{re.escape(series)} (\S+)$", text, re.M)
    return float(match.group(1)) if match else None


def promtool(text):
    r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=30)
    return r.returncode, (r.stdout + r.stderr).strip()


def test_metrics_during_a_live_session_and_a_held_request(world, gate, metrics_port):
    alice, bob, mallory = (gate_client(world, gate, name) for name in ("alice", "bob", "mallory"))
    status, content_type, before = scrape(metrics_port)
    assert status == 200 and content_type.startswith("text/plain; version=0.0.4"), content_type
    assert value(before, 'holdgate_logins_total{result="denied"}') == 0, before
    assert value(before, "holdgate_sessions_live") == 0, before
    assert re.search(r'^holdgate_build_info\{version="\d+\.\d+\.\d+"\} 1$', before, re.M), before

    # A transfer on a channel that has ended: its bytes are counted.
    r = alice.ssh("root@db-1", "head -c 100000 /dev/zero")
    assert r.returncode == 0 and len(r.stdout) == 100000, r
    # A refused login (no role bob can request allows postgres), then an unknown key.
    assert bob.ssh("postgres@db-1", "true").returncode != 0
    assert mallory.ssh("root@db-1", "true").returncode == 255

    with alice.pty("root@db-1") as shell:
        shell.wait_ready()
        held = spawn(bob, "root@db-1", "-t")
        try:
            held.expect("access denied to root on db-1")
            request_access(held)
            _, _, during = scrape(metrics_port)
        finally:
            held.close(force=True)

    code, problems = promtool(during)
    assert code == 0 and problems == "", problems
    expected = {
        "holdgate_sessions_live": 1,
        "holdgate_sessions_held": 1,
        'holdgate_logins_total{result="allowed"}': 2,   # the transfer and the shell
        'holdgate_logins_total{result="denied"}': 2,    # postgres, then root before its request
        # mallory's key, refused (the harness's port probes count as no-attempt)
        'holdgate_auth_failures_total{reason="refused"}': 1,
        'holdgate_requests_total{state="pending"}': 1,
        'holdgate_requests_total{state="approved"}': 0,
        'holdgate_preauth_refusals_total{reason="max-startups"}': 0,
        "holdgate_webhook_queue_depth": 0,
        "holdgate_upstream_dial_seconds_count": 2,
    }
    for series, wanted in expected.items():
        assert value(during, series) == wanted, (series, during)
    assert value(during, 'holdgate_relayed_bytes_total{direction="from_target"}') >= 100000, during
    assert value(during, 'holdgate_upstream_dial_seconds_bucket{le="+Inf"}') == 2, during

    # Both have ended now.
    _, _, after = scrape(metrics_port)
    for _ in range(50):
        if value(after, "holdgate_sessions_live") == 0 and value(after, "holdgate_sessions_held") == 0:
            break
        time.sleep(0.1)
        _, _, after = scrape(metrics_port)
    assert value(after, "holdgate_sessions_live") == 0, after
    assert value(after, "holdgate_sessions_held") == 0, after


def test_other_paths_are_404(gate, metrics_port):
    for path in ("/", "/metric", "/metrics/x", "/../metrics"):
        with pytest.raises(urllib.error.HTTPError) as caught:
            scrape(metrics_port, path)
        assert caught.value.code == 404, path


def test_an_oversized_request_is_refused_and_the_endpoint_still_answers(gate, metrics_port):
    with socket.create_connection(("127.0.0.1", metrics_port), timeout=5) as s:
        request = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 65536 + b"\r\n\r\n"
        answer = b""
        try:
            s.sendall(request)
            while chunk := s.recv(4096):
                answer += chunk
        except (ConnectionResetError, BrokenPipeError):
            pass  # closed with our bytes unread: refused as well
        assert b" 200 " not in answer.split(b"\r\n", 1)[0], answer[:200]
        assert b"holdgate_" not in answer
    assert scrape(metrics_port)[0] == 200


def test_a_silent_client_is_dropped_after_the_read_timeout(gate, metrics_port):
    with socket.create_connection(("127.0.0.1", metrics_port), timeout=10) as s:
        s.sendall(b"GET /metr")  # and nothing more
        assert s.recv(100) == b""  # closed by holdgate within its 5s deadline


def test_many_idle_connections_do_not_lock_out_the_scraper(gate, metrics_port):
    idle = [socket.create_connection(("127.0.0.1", metrics_port), timeout=5) for _ in range(20)]
    try:
        # Beyond the cap new connections are closed at once; the cap's connections time out.
        deadline = time.monotonic() + 10
        while True:
            try:
                assert scrape(metrics_port)[0] == 200
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                assert time.monotonic() < deadline
                time.sleep(0.5)
    finally:
        for s in idle:
            s.close()


def test_bad_metrics_address_is_a_check_config_error_at_its_line(world, tmp_path):
    people = world.people
    config = standard_config(listen_port=2222, state_dir=tmp_path / "state",
                             upstream_identity=tmp_path / "upstream_ed25519",
                             known_hosts=tmp_path / "known_hosts", target_port=22, dead_port=23,
                             people=people)
    config["metrics"] = {"listen": "127.0.0.1:99999"}
    path = write_config(tmp_path / "bad.yaml", config)
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "99999" in text)
    r = run_cli("check-config", "--config", str(path))
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert re.search(rf"^{re.escape(str(path))}:{line}:\d+: .*metrics.*listen.*99999", out, re.M), out

    config["metrics"] = {"listne": "127.0.0.1:9312"}
    path = write_config(tmp_path / "typo.yaml", config)
    r = run_cli("check-config", "--config", str(path))
    assert r.returncode == 1 and "listne" in r.stdout + r.stderr, r


def test_a_metrics_port_in_use_is_a_start_up_error(world, tmp_path):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    gate = new_gate(world, tmp_path / "gate", edit=metrics_on(port))
    try:
        with pytest.raises(RuntimeError) as caught:
            gate.start()
        assert f"cannot listen for metrics on 127.0.0.1:{port}: address already in use" in \
            str(caught.value).lower()
    finally:
        gate.stop()
        taken.close()
