"""Webhooks and approval hooks, end to end: real HTTP and HTTPS receivers on 127.0.0.1 (with a
CA made here with the openssl CLI), and hook programs as real executables written by the tests.

The cast is the standard world (conftest.py): bob (dev, here also `team: contractor`) may
request dba (two approvals) or viewer; alice and ivan review dba and viewer requests.
"""
from __future__ import annotations

import json
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from harness.gate_config import write_config
from harness.holdgate import run_cli
from harness.procs import LOCALHOST, wait_until
from harness.world import gate_client, new_gate

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
EXAMPLE_HOOK = Path(__file__).resolve().parents[1] / "hooks" / "ticket_check.py"


# ---------------------------------------------------------------------------------------------
# receivers


class Receiver:
    """An HTTP(S) server on 127.0.0.1 in a thread that records every POST and answers `status`."""

    def __init__(self, status: int = 200, cert: tuple[Path, Path] | None = None):
        self.status = status
        self.posts: list[dict] = []
        self.server_names: list[str | None] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.posts.append({"path": self.path, "headers": dict(self.headers),
                                           "body": body, "at": time.monotonic()})
                self.send_response(receiver.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((LOCALHOST, 0), Handler)
        self.scheme = "http"
        if cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(cert[0]), str(cert[1]))
            context.sni_callback = lambda sock, name, ctx: self.server_names.append(name)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            self.scheme = "https"
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook", host: str = LOCALHOST) -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    def payloads(self) -> list[dict]:
        with self.lock:
            return [json.loads(post["body"]) for post in self.posts]

    def wait_for(self, count: int, timeout: float = 10) -> list[dict]:
        assert wait_until(lambda: len(self.posts) >= count, timeout), \
            f"expected {count} POSTs, got {len(self.posts)}: {self.payloads()}"
        return self.payloads()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers():
    made: list[Receiver] = []

    def make(**kwargs) -> Receiver:
        made.append(Receiver(**kwargs))
        return made[-1]

    yield make
    for receiver in made:
        receiver.close()


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    """A test CA and a certificate for localhost / 127.0.0.1 signed by it."""
    d = tmp_path_factory.mktemp("tls")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=d)

    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=holdgate test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    (d / "ext.cnf").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                               "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf")
    return {"ca": d / "ca.pem", "cert": (d / "server.pem", d / "server.key")}


class Blackhole:
    """Accepts TCP connections (the kernel does, from the backlog) and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind((LOCALHOST, 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]

    def close(self):
        self.sock.close()


# ---------------------------------------------------------------------------------------------
# the gate


def policy(config, webhooks=None, hooks=None):
    """Reviewers alice and ivan; bob is a contractor who may also request `viewer`."""
    for user in config["users"]:
        if user["name"] == "alice":
            user["roles"] = ["dba", "dba-reviewer"]
        if user["name"] == "bob":
            user["traits"] = {"team": "contractor"}
    config["roles"].append({"name": "viewer",
                            "allow": [{"logins": ["ubuntu"], "targets": {"env": "staging"}}]})
    for role in config["roles"]:
        if role["name"] == "dev":
            role["request"]["roles"] = ["dba", "viewer"]
        if role["name"] == "dba-reviewer":
            role["review"]["roles"] = ["dba", "viewer"]
    if webhooks:
        config["notify"] = {"webhooks": webhooks}
    if hooks:
        config["approvals"] = {"hooks": hooks}


def start(world, make_gate, **kwargs):
    gate = make_gate(edit=lambda config: policy(config, **kwargs))
    people = {name: gate_client(world, gate, name) for name in ("alice", "bob", "ivan")}
    return gate, people


def approvals(client, command: str, **kwargs):
    return client.ssh("approvals", command, **kwargs)


def create(client, roles="dba", reason="ticket #123") -> str:
    r = approvals(client, f"request create --roles {roles} --reason '{reason}'")
    assert r.returncode == 0, r
    return UUID.search(r.stdout).group(0)


def create_denied(client, roles="dba", reason="ticket #123") -> str:
    """request create of a request a hook denies: it waits for the hook and says so (exit 1)."""
    r = approvals(client, f"request create --roles {roles} --reason '{reason}'")
    assert r.returncode == 1 and " was denied by hook:" in r.stderr, r
    return UUID.search(r.stderr).group(0)


def show(client, request_id) -> dict:
    r = approvals(client, f"request show {request_id} --format json")
    assert r.returncode == 0, r
    return json.loads(r.stdout)


def wait_for_state(client, request_id, state, timeout=10) -> dict:
    shown = {}

    def reached():
        nonlocal shown
        shown = show(client, request_id)
        return shown["state"] == state
    assert wait_until(reached, timeout, interval=0.2), shown
    return shown


def gone(pid: int) -> bool:
    """Exited (a zombie waiting for a reaper that is not holdgate counts as exited)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (FileNotFoundError, ProcessLookupError):
        return True


def log_lines(gate, *words) -> list[str]:
    return [line for line in gate.log_text().splitlines()
            if all(word in line for word in words)]


# ---------------------------------------------------------------------------------------------
# webhooks


def test_json_webhook_receives_every_change(world, make_gate, receivers):
    receiver = receivers()
    gate, people = start(world, make_gate, webhooks=[{"url": receiver.url("/in/holdgate"),
                                                      "format": "json"}])
    request_id = create(people["bob"], reason="ticket #7")
    assert approvals(people["alice"], f"request review --approve --reason ok {request_id}") \
        .returncode == 0
    assert approvals(people["ivan"], f"request review --approve {request_id}").returncode == 0

    payloads = receiver.wait_for(3)
    assert [p["event"] for p in payloads] == \
        ["request.created", "request.reviewed", "request.approved"]
    assert all(p["id"] == request_id for p in payloads)
    created, reviewed, approved = payloads
    assert (created["user"], created["roles"], created["reason"], created["state"]) == \
        ("bob", ["dba"], "ticket #7", "PENDING")
    assert created["approvals_needed"] == 2 and created["approvals"] == 0
    assert [(r["reviewer"], r["decision"]) for r in reviewed["reviews"]] == [("alice", "APPROVE")]
    assert approved["state"] == "APPROVED" and approved["grant_expires"]
    # Exactly `request show --format json`, plus "event" first.
    shown = show(people["bob"], request_id)
    assert list(approved) == ["event", *shown]
    post = receiver.posts[0]
    assert post["path"] == "/in/holdgate"
    assert post["headers"]["Content-Type"] == "application/json"
    # The version `holdgate --version` reports (both from CMake's project(VERSION)).
    assert post["headers"]["User-Agent"] == "holdgate/" + run_cli("--version").stdout.split()[1]
    assert log_lines(gate, "event=webhook ", "result=delivered", request_id)


def test_revoke_and_drop_reach_the_webhook(world, make_gate, receivers):
    receiver = receivers()
    gate, people = start(world, make_gate, webhooks=[{"url": receiver.url(), "format": "json"}])
    revoked_id, dropped_id = create(people["bob"]), create(people["bob"], roles="viewer")
    for request_id in (revoked_id, dropped_id):
        for reviewer in ("alice", "ivan"):
            assert approvals(people[reviewer], f"request review --approve {request_id}") \
                .returncode == 0
    assert approvals(people["ivan"], f"request revoke {revoked_id} --reason 'incident over'") \
        .returncode == 0
    assert approvals(people["bob"], f"request drop {dropped_id}").returncode == 0

    payloads = receiver.wait_for(8)  # created, reviewed and approved twice, then these two
    revoked, = (p for p in payloads if p["event"] == "request.revoked")
    dropped, = (p for p in payloads if p["event"] == "request.dropped")
    assert (revoked["event"], revoked["id"], revoked["state"]) == \
        ("request.revoked", revoked_id, "REVOKED")
    assert revoked["resolution_reason"] == "revoked by ivan: incident over"
    assert (dropped["event"], dropped["id"], dropped["state"]) == \
        ("request.dropped", dropped_id, "DROPPED")
    assert dropped["resolution_reason"] == "dropped by bob"


def test_locks_reach_the_webhook(world, make_gate, receivers):
    receiver = receivers()

    def edit(config):
        policy(config, webhooks=[{"url": receiver.url(), "format": "json"}])
        config["roles"].append({"name": "oncall", "admin": True})
        for user in config["users"]:
            if user["name"] == "ivan":
                user["roles"] = [*user["roles"], "oncall"]
    gate = make_gate(edit=edit)
    ivan = gate_client(world, gate, "ivan")
    r = approvals(ivan, "lock create --target db-1 --ttl 1h --reason 'incident 42'")
    assert r.returncode == 0, r
    lock_id = re.search(r"Lock (\S+):", r.stdout).group(1)
    assert approvals(ivan, f"lock remove {lock_id}").returncode == 0
    created, removed = receiver.wait_for(2)
    assert created["event"] == "lock.created" and removed["event"] == "lock.removed"
    assert {k: created["lock"][k] for k in ("id", "user", "target", "role", "reason", "created_by")} \
        == {"id": lock_id, "user": "", "target": "db-1", "role": "", "reason": "incident 42",
            "created_by": "ivan"}
    assert created["lock"]["expires"]


def test_events_filter(world, make_gate, receivers):
    receiver = receivers()
    _, people = start(world, make_gate, webhooks=[{"url": receiver.url(),
                                                   "events": ["request.resolved"]}])
    request_id = create(people["bob"])
    assert approvals(people["bob"], f"request cancel {request_id}").returncode == 0
    payloads = receiver.wait_for(1)
    time.sleep(0.5)
    assert [p["event"] for p in receiver.payloads()] == ["request.cancelled"]
    assert payloads[0]["state"] == "CANCELLED"


def test_slack_webhook_over_https_escapes_and_says_how_to_approve(world, make_gate, receivers,
                                                                   tls_files):
    receiver = receivers(cert=tls_files["cert"])
    gate, people = start(world, make_gate, webhooks=[{
        "url": receiver.url("/services/T000/B000/XXXX", host="localhost"),
        "format": "slack", "ca_file": str(tls_files["ca"])}])
    request_id = create(people["bob"], reason="ticket #1 <script>alert(1)</script> & co")

    [payload] = receiver.wait_for(1)
    assert list(payload) == ["text"]
    text = payload["text"]
    assert f"ssh -p {gate.port} approvals@{LOCALHOST} request review --approve {request_id}" \
        in text, text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in text, text
    assert "<script>" not in text and "<" not in text, text
    assert "*bob* requests *role dba (root on kind=db)*" in text, text
    assert "0 of 2 approvals" in text and "alice" in text and "ivan" in text, text
    assert receiver.server_names == ["localhost"]  # SNI
    # The URL's path is a secret: the log names scheme, host and port only.
    assert "XXXX" not in gate.log_text()


def test_https_with_an_untrusted_certificate_is_refused(world, make_gate, receivers, tls_files):
    receiver = receivers(cert=tls_files["cert"])  # signed by the test CA; no ca_file given
    gate, people = start(world, make_gate, webhooks=[{
        "url": receiver.url(host="localhost"), "retry_delays": []}])
    request_id = create(people["bob"])
    line = gate.wait_for_log_line("event=webhook-failed", request_id, timeout=15)
    assert line and "certificate verify failed" in line, gate.log_text()
    assert receiver.posts == []


def test_https_host_name_is_checked(world, make_gate, receivers, tls_files, tmp_path):
    # A certificate from the trusted CA, but for another name.
    d = tmp_path
    shutil.copy(tls_files["ca"], d / "ca.pem")
    ca_key = tls_files["ca"].with_name("ca.key")
    subprocess.run(["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", "other.key", "-out", "other.csr", "-subj", "/CN=other"],
                   check=True, capture_output=True, cwd=d)
    (d / "ext.cnf").write_text("subjectAltName=DNS:other.example\n")
    subprocess.run(["openssl", "x509", "-req", "-in", "other.csr", "-CA", "ca.pem", "-CAkey",
                    str(ca_key), "-CAcreateserial", "-out", "other.pem", "-days", "2",
                    "-extfile", "ext.cnf"], check=True, capture_output=True, cwd=d)
    receiver = receivers(cert=(d / "other.pem", d / "other.key"))
    gate, people = start(world, make_gate, webhooks=[{
        "url": receiver.url(host="localhost"), "ca_file": str(d / "ca.pem"),
        "retry_delays": []}])
    request_id = create(people["bob"])
    line = gate.wait_for_log_line("event=webhook-failed", request_id, timeout=15)
    assert line and "certificate verify failed" in line, gate.log_text()
    assert receiver.posts == []


def test_failing_endpoint_is_retried_then_logged_and_audited(world, make_gate, receivers):
    receiver = receivers(status=500)
    gate, people = start(world, make_gate, webhooks=[{
        "url": receiver.url(), "retry_delays": ["1s", "1s", "1s"]}])
    request_id = create(people["bob"])

    line = gate.wait_for_log_line("event=webhook-failed", request_id, timeout=20)
    assert line, gate.log_text()
    assert "attempts=4" in line and "HTTP 500" in line, line
    assert len(receiver.posts) == 4
    gaps = [b["at"] - a["at"] for a, b in zip(receiver.posts, receiver.posts[1:])]
    assert all(0.8 < gap < 5 for gap in gaps), gaps
    assert len(log_lines(gate, "event=webhook ", "result=retry", request_id)) == 3

    r = approvals(people["alice"], "history --format json")
    assert r.returncode == 0, r
    failed = [e for e in json.loads(r.stdout) if e["kind"] == "webhook.failed"]
    assert [e["subject"] for e in failed] == [request_id], failed
    assert "request.created not delivered after 4 attempts" in failed[0]["details"], failed


def test_a_dead_endpoint_never_blocks_anyone(world, make_gate, receivers):
    hole = Blackhole()
    receiver = receivers()
    try:
        gate, people = start(world, make_gate, webhooks=[
            {"url": f"http://{LOCALHOST}:{hole.port}/hook", "retry_delays": ["30s"]},
            {"url": receiver.url()}])
        request_id = create(people["bob"])
        # The blackhole holds its delivery for the whole attempt timeout; meanwhile everything
        # else, the other webhook included, goes on at once.
        for _ in range(3):
            r = approvals(people["ivan"], "request list")
            assert r.returncode == 0 and request_id in r.stdout, r
            assert r.elapsed < 5, r
        r = approvals(people["alice"], f"request review --approve {request_id}")
        assert r.returncode == 0 and r.elapsed < 5, r
        assert [p["event"] for p in receiver.wait_for(2)] == \
            ["request.created", "request.reviewed"]
        assert not log_lines(gate, "event=webhook-failed")
    finally:
        hole.close()


def test_unreachable_endpoint_fails_cleanly(world, make_gate):
    gate, people = start(world, make_gate, webhooks=[{
        "url": f"http://{LOCALHOST}:{world.dead_port}/hook", "retry_delays": ["1s"]}])
    request_id = create(people["bob"])
    line = gate.wait_for_log_line("event=webhook-failed", request_id, timeout=15)
    assert line and "attempts=2" in line and "refused" in line, gate.log_text()


def test_bad_webhook_config_is_a_file_line_col_error(world, make_gate, tmp_path):
    gate = new_gate(world, tmp_path / "gate", edit=lambda c: policy(
        c, webhooks=[{"url": "ftp://example/x"}]))
    write_config(gate.config_path, gate.config)
    r = run_cli("check-config", "--config", gate.config_path)
    assert r.returncode == 1
    assert re.search(r"holdgate\.yaml:\d+:\d+: notify\.webhooks\[0\]\.url: invalid webhook URL: "
                     r"must start with http:// or https://", r.stderr), r.stderr


# ---------------------------------------------------------------------------------------------
# approval hooks


def write_hook(directory: Path, name: str, body: str) -> Path:
    """An executable Python program; `body` runs with `request` (stdin, parsed) in scope."""
    path = directory / f"{name}.py"
    path.write_text("#!/usr/bin/python3\nimport json, os, sys, time, subprocess\n"
                    "request = json.load(sys.stdin)\n" + body + "\n")
    path.chmod(0o755)
    return path


def verdict(decision, reason=""):
    return f"print(json.dumps({{'decision': {decision!r}, 'reason': {reason!r}}}))"


def hook_entry(path: Path, name: str | None = None, timeout="5s") -> dict:
    return {"name": name or path.stem, "exec": str(path), "timeout": timeout}


def test_hook_deny_ends_the_request_with_its_reason(world, make_gate, tmp_path):
    hook = write_hook(tmp_path, "nope", verdict("deny", "no tickets, no root"))
    gate, people = start(world, make_gate, hooks=[hook_entry(hook)])
    request_id = create_denied(people["bob"])
    shown = wait_for_state(people["bob"], request_id, "DENIED")
    assert shown["resolution_reason"] == "no tickets, no root"
    assert [(r["reviewer"], r["decision"]) for r in shown["reviews"]] == [("hook:nope", "DENY")]
    text = approvals(people["bob"], f"request show {request_id}").stdout
    assert "no tickets, no root" in text and "hook:nope denied" in text, text
    assert gate.wait_for_log_line("event=hook ", "hook=nope", "result=deny", "state=DENIED")


def test_hook_approve_counts_as_one_approval(world, make_gate, tmp_path):
    hook = write_hook(tmp_path, "yes", verdict("approve", "on call"))
    gate, people = start(world, make_gate, hooks=[hook_entry(hook)])
    request_id = create(people["bob"])
    assert gate.wait_for_log_line("event=hook ", "hook=yes", "result=approve", timeout=10)
    shown = show(people["bob"], request_id)
    assert shown["state"] == "PENDING" and shown["approvals"] == 1, shown
    assert [(r["reviewer"], r["decision"], r["reason"]) for r in shown["reviews"]] == \
        [("hook:yes", "APPROVE", "on call")]
    r = approvals(people["ivan"], f"request review --approve {request_id}")
    assert r.returncode == 0, r
    assert show(people["bob"], request_id)["state"] == "APPROVED"


def test_hook_none_changes_nothing(world, make_gate, tmp_path):
    hook = write_hook(tmp_path, "pass", verdict("none", "not my business"))
    gate, people = start(world, make_gate, hooks=[hook_entry(hook)])
    request_id = create(people["bob"])
    assert gate.wait_for_log_line("event=hook ", "hook=pass", "result=none", timeout=10)
    shown = show(people["bob"], request_id)
    assert (shown["state"], shown["reviews"]) == ("PENDING", []), shown


def test_hook_input_and_environment(world, make_gate, tmp_path):
    record = tmp_path / "seen.json"
    hook = write_hook(tmp_path, "recorder", f"""
json.dump({{"request": request, "env": dict(os.environ), "cwd": os.getcwd(),
           "argv": sys.argv, "fds": sorted(int(f) for f in os.listdir('/proc/self/fd'))}},
          open({str(record)!r}, "w"))
{verdict("none")}""")
    gate, people = start(world, make_gate, hooks=[hook_entry(hook)])
    request_id = create(people["bob"], reason="ticket #42")
    assert wait_until(record.exists, 10)
    assert gate.wait_for_log_line("event=hook ", "hook=recorder", timeout=10)
    seen = json.loads(record.read_text())
    request = seen["request"]
    assert list(request) == ["id", "user", "traits", "roles", "reason", "login", "target",
                             "scope", "source", "key_fingerprint", "created"]
    assert (request["id"], request["user"], request["traits"], request["roles"],
            request["reason"]) == (request_id, "bob", {"team": "contractor"}, ["dba"],
                                   "ticket #42")
    assert request["login"] is None and request["target"] is None
    assert request["scope"] == "role dba (root on kind=db)"
    assert request["source"].startswith(f"{LOCALHOST}:")
    assert request["key_fingerprint"] is None or request["key_fingerprint"].startswith("SHA256:")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", request["created"])
    env = seen["env"]
    assert {k: env[k] for k in ("PATH", "LANG", "HOLDGATE_HOOK")} == \
        {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOLDGATE_HOOK": "recorder"}
    assert set(env) <= {"PATH", "LANG", "HOLDGATE_HOOK", "LC_CTYPE"}, env
    assert seen["cwd"] == "/" and seen["argv"] == [str(hook)]
    # stdin, stdout, stderr, and the directory listing's own descriptor: nothing of holdgate's.
    assert len(seen["fds"]) <= 4, seen["fds"]


@pytest.mark.parametrize("name, body, problem", [
    ("crash", "sys.exit(3)", "problem=\"exited with status 3\""),
    ("garbage", "print('yes please, approve')", "output is not JSON"),
    ("shouty", "print(json.dumps({'decision': 'APPROVE'}))", "must be"),
    ("twice", "print('{\"decision\":\"none\"}{\"decision\":\"approve\"}')", "unexpected text"),
    ("killed", "os.kill(os.getpid(), 9)", "killed by signal 9"),
    ("silent", "pass", "no output"),
])
def test_broken_hooks_count_as_none_and_say_why(world, make_gate, tmp_path, name, body, problem):
    hook = write_hook(tmp_path, name, "sys.stderr.write('hook trouble here\\n')\n" + body)
    gate, people = start(world, make_gate, hooks=[hook_entry(hook)])
    request_id = create(people["bob"])
    line = gate.wait_for_log_line("event=hook ", f"hook={name}", "result=none", timeout=10)
    assert line and problem in line, gate.log_text()
    assert request_id in line and "hook trouble here" in line, line
    shown = show(people["bob"], request_id)
    assert (shown["state"], shown["reviews"]) == ("PENDING", []), shown
    history = json.loads(approvals(people["alice"], "history --format json").stdout)
    assert [(e["kind"], e["actor"]) for e in history if e["subject"] == request_id][-1] == \
        ("hook.failed", f"hook:{name}")


def test_hook_timeout_kills_its_process_group_and_blocks_nobody(world, make_gate, tmp_path):
    pids = tmp_path / "pids"
    hook = write_hook(tmp_path, "slow", f"""
child = subprocess.Popen(["sleep", "300"])
open({str(pids)!r}, "w").write(f"{{os.getpid()}} {{child.pid}}")
time.sleep(300)
{verdict("approve")}""")
    gate, people = start(world, make_gate, hooks=[hook_entry(hook, timeout="5s")])
    # request create waits for the hook (up to its timeout), without holding up anyone else.
    creating = people["bob"].popen("approvals", "request create --roles dba --reason 'ticket #1'")
    assert wait_until(lambda: pids.exists() and pids.read_text(), 10)
    hook_pid, child_pid = map(int, pids.read_text().split())
    # While the hook runs, the approvals channel answers: the hook is still running when the
    # answer is back.
    r = approvals(people["ivan"], "request list")
    assert r.returncode == 0 and "PENDING" in r.stdout, r
    assert not gone(hook_pid), r
    out, err = creating.communicate(timeout=15)
    assert creating.returncode == 0, (out, err)
    request_id = UUID.search(out.decode()).group(0)
    assert f"Request {request_id} created" in out.decode(), out

    line = gate.wait_for_log_line("event=hook ", "hook=slow", "result=none", timeout=15)
    assert line and "no answer within 5s" in line, gate.log_text()
    for pid in (hook_pid, child_pid):
        assert wait_until(lambda: gone(pid), 5), f"{pid} still alive"
    assert show(people["bob"], request_id)["state"] == "PENDING"


def test_several_hooks_first_deny_wins(world, make_gate, tmp_path):
    yes = write_hook(tmp_path, "yes", verdict("approve"))
    no = write_hook(tmp_path, "no", "time.sleep(0.5)\n" + verdict("deny", "policy says no"))
    gate, people = start(world, make_gate, hooks=[hook_entry(yes), hook_entry(no)])
    request_id = create_denied(people["bob"])
    shown = wait_for_state(people["bob"], request_id, "DENIED")
    assert [(r["reviewer"], r["decision"]) for r in shown["reviews"]] == \
        [("hook:yes", "APPROVE"), ("hook:no", "DENY")]
    assert shown["resolution_reason"] == "policy says no"


def test_hook_that_is_not_executable_stops_startup(world, tmp_path):
    hook = tmp_path / "plain.py"
    hook.write_text("print('{}')\n")
    gate = new_gate(world, tmp_path / "gate", edit=lambda c: policy(c, hooks=[hook_entry(hook)]))
    with pytest.raises(RuntimeError):
        gate.start()
    gate.stop()
    assert f"approval hook 'plain': {hook} is not executable" in gate.log_text()


# ---------------------------------------------------------------------------------------------
# the example hook (tests/hooks/ticket_check.py)


@pytest.fixture
def example_gate(world, make_gate, tmp_path):
    hook = tmp_path / "ticket-check.py"  # a copy: its settings file would sit beside it
    shutil.copy(EXAMPLE_HOOK, hook)
    return start(world, make_gate, hooks=[hook_entry(hook, name="ticket-check")])


def test_example_hook_denies_a_contractor_without_a_ticket(example_gate):
    _, people = example_gate
    request_id = create_denied(people["bob"], roles="viewer", reason="need to look at prod")
    shown = wait_for_state(people["bob"], request_id, "DENIED")
    assert "contractors must cite a ticket" in shown["resolution_reason"], shown
    assert shown["reviews"][0]["reviewer"] == "hook:ticket-check"


@pytest.mark.parametrize("reason", ["ticket #123", "see OPS-42"])
def test_example_hook_lets_a_contractor_with_a_ticket_through_to_people(example_gate, reason):
    gate, people = example_gate
    request_id = create(people["bob"], roles="viewer", reason=reason)
    assert gate.wait_for_log_line("event=hook ", "hook=ticket-check", request_id, "result=none",
                                  timeout=10), gate.log_text()
    shown = show(people["bob"], request_id)
    assert (shown["state"], shown["reviews"]) == ("PENDING", []), shown


def test_example_hook_denies_root_roles_from_unregistered_keys(example_gate):
    _, people = example_gate
    request_id = create_denied(people["bob"], roles="dba", reason="ticket #123")
    shown = wait_for_state(people["bob"], request_id, "DENIED")
    assert "dba grants root" in shown["resolution_reason"], shown


def test_example_hook_accepts_root_roles_from_a_registered_key(world, make_gate, tmp_path):
    hook = tmp_path / "ticket-check.py"
    shutil.copy(EXAMPLE_HOOK, hook)
    out = subprocess.run(["ssh-keygen", "-lf", str(world.people["bob"].path)],
                         capture_output=True, text=True, check=True).stdout
    fingerprint = out.split()[1]
    (tmp_path / "ticket-check.json").write_text(json.dumps({"registered_keys": [fingerprint]}))
    record = tmp_path / "seen.json"
    recorder = write_hook(tmp_path, "recorder",
                          f"json.dump(request, open({str(record)!r}, 'w'))\n" + verdict("none"))
    gate, people = start(world, make_gate, hooks=[hook_entry(hook, name="ticket-check"),
                                                  hook_entry(recorder)])
    request_id = create(people["bob"], roles="dba", reason="ticket #123")
    assert wait_until(record.exists, 10)
    if json.loads(record.read_text())["key_fingerprint"] is None:
        pytest.skip("the session does not pass the key fingerprint to the request service yet "
                    "(Caller::key_fingerprint)")
    assert gate.wait_for_log_line("event=hook ", "hook=ticket-check", request_id, "result=none",
                                  timeout=10), gate.log_text()
    assert show(people["bob"], request_id)["state"] == "PENDING"
