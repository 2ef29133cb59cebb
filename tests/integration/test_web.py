"""The reviewer web page (`web:`, issue 17): sign in with a one-time link from `ssh approvals@...
web login`, review on the page, and the same rules as the SSH approvals channel.

A real holdgate, a real sshd target, real ssh under a pty, and a real HTTP client (http.client,
cookies kept by hand, redirects not followed so the 303s are seen). bob (dev) may request dba
(two approvals); alice and ivan review dba requests; alice also holds an `audit: true` role.
"""
from __future__ import annotations

import http.client
import re
import socket
import sqlite3
import ssl
import subprocess
import time
import urllib.parse

import pexpect
import pytest

from harness.holdgate import run_cli
from harness.procs import free_port
from harness.scenarios import reviewers_world
from harness.world import gate_client
from test_escalation import request_access, spawn

LINK = re.compile(r"(https?://\S+/login\?token=[A-Za-z0-9_-]+)")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
CSP = ("default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; "
       "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def web_world(port, tls=None):
    def edit(config):
        reviewers_world(config)
        config["roles"].append({"name": "auditor", "audit": True})
        for user in config["users"]:
            if user["name"] == "alice":
                user["roles"].append("auditor")
        config["web"] = {"listen": f"127.0.0.1:{port}"}
        if tls:
            config["web"]["tls"] = tls
    return edit


@pytest.fixture
def web_port():
    return free_port()


@pytest.fixture
def gate(world, make_gate, web_port):
    return make_gate(edit=web_world(web_port))


@pytest.fixture
def people(world, gate):
    return {name: gate_client(world, gate, name) for name in ("alice", "bob", "ivan")}


class Browser:
    """One browser: its cookie, plain HTTP or HTTPS with a trusted test certificate."""

    def __init__(self, port, context=None):
        self.port, self.context, self.cookie = port, context, None

    def connection(self, timeout=10):
        if self.context:
            return http.client.HTTPSConnection("localhost", self.port, context=self.context, timeout=timeout)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, form=None, headers=None):
        conn = self.connection()
        try:
            sent = dict(headers or {})
            if self.cookie:
                sent["Cookie"] = self.cookie
            body = None
            if form is not None:
                body = urllib.parse.urlencode(form)
                sent["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            set_cookie = response.getheader("Set-Cookie")
            if set_cookie:
                self.cookie = set_cookie.split(";", 1)[0]
                if self.cookie.endswith("="):
                    self.cookie = None
            return response.status, response, text
        finally:
            conn.close()

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, form):
        return self.request("POST", path, form=form)

    def sign_in(self, client):
        r = client.ssh("approvals", "web login")
        assert r.returncode == 0, r
        link = LINK.search(r.stdout).group(1)
        path = link[link.index("/login"):]
        status, response, text = self.get(path)
        assert status == 303 and response.getheader("Location") == "/", (status, text)
        return link, response.getheader("Set-Cookie")

    def csrf(self, request_id):
        status, _, text = self.get(f"/requests/{request_id}")
        assert status == 200, text
        return CSRF.search(text).group(1)


def create_request(bob, reason="restart the replica"):
    r = bob.ssh("approvals", f"request create --roles dba --reason '{reason}'")
    assert r.returncode == 0, r
    return r.stdout.split()[1]


def audit_rows(gate, kind):
    db = sqlite3.connect(gate.dir / "state" / "holdgate.db", timeout=5)
    try:
        return db.execute("SELECT actor, source, subject FROM audit WHERE kind = ? ORDER BY id",
                          (kind,)).fetchall()
    finally:
        db.close()


def stored_state(gate, request_id):
    db = sqlite3.connect(gate.dir / "state" / "holdgate.db", timeout=5)
    try:
        state = db.execute("SELECT state FROM requests WHERE id = ?", (request_id,)).fetchone()[0]
        reviews = db.execute("SELECT count(*) FROM reviews WHERE request_id = ?", (request_id,)).fetchone()[0]
        return state, reviews
    finally:
        db.close()


class EventStream:
    """GET /events, read line by line with a timeout."""

    def __init__(self, browser, timeout=10):
        self.conn = browser.connection(timeout=timeout)
        self.conn.request("GET", "/events", headers={"Cookie": browser.cookie})
        self.response = self.conn.getresponse()
        assert self.response.status == 200
        assert self.response.getheader("Content-Type").startswith("text/event-stream")

    def wait_for(self, needle, timeout=5.0):
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            line = self.response.fp.readline().decode()
            seen.append(line)
            if needle in line:
                return seen
        raise AssertionError(f"no {needle!r} in {seen!r}")

    def wait_closed(self, timeout):
        """Reads until holdgate ends the stream; the lines read."""
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            line = self.response.fp.readline().decode()
            if not line:
                return seen
            seen.append(line)
        raise AssertionError(f"the stream is still open: {seen!r}")

    def close(self):
        self.conn.close()


def test_reviews_on_the_web_release_a_held_ssh_session(world, gate, people, web_port):
    bob, alice, ivan = people["bob"], people["alice"], people["ivan"]
    child = spawn(bob, "root@db-1", "-t")
    try:
        child.expect("access denied to root on db-1")
        request_id = request_access(child)

        alice_web = Browser(web_port)
        _, cookie = alice_web.sign_in(alice)
        # Plain HTTP on loopback: no Secure (a browser would drop it over http://).
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie, cookie
        status, response, home = alice_web.get("/")
        assert status == 200 and request_id in home, home
        for name, value in (("Content-Security-Policy", CSP), ("Cache-Control", "no-store"),
                            ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer")):
            assert response.getheader(name) == value, (name, response.getheaders())

        events = EventStream(alice_web)
        try:
            token = alice_web.csrf(request_id)
            status, response, _ = alice_web.post(f"/requests/{request_id}/review",
                                                 {"csrf": token, "decision": "approve", "reason": "proceed"})
            assert status == 303 and response.getheader("Location") == f"/requests/{request_id}"
            child.expect('alice approved: "proceed"')
            seen = events.wait_for(f'"id":"{request_id}"')
            assert any('"kind":"reviewed"' in line for line in seen), seen
            assert "event: request\n" in seen, seen
        finally:
            events.close()

        ivan_web = Browser(web_port)
        ivan_web.sign_in(ivan)
        token = ivan_web.csrf(request_id)
        status, _, _ = ivan_web.post(f"/requests/{request_id}/review",
                                     {"csrf": token, "decision": "approve", "reason": "granted"})
        assert status == 303
        child.expect("Access granted until .* UTC. Connecting to db-1")
        child.expect(r"[#$] ")
        child.sendline("whoami")
        child.expect(r"\broot\r\n")
        child.sendline("exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    reviewed = [row for row in audit_rows(gate, "request.reviewed") if row[2] == request_id]
    assert [row[0] for row in reviewed] == ["alice", "ivan"], reviewed
    for _, source, _ in reviewed:
        assert re.fullmatch(r"127\.0\.0\.1:\d+ via=web", source), source


def test_a_link_works_once_and_a_session_ends_with_logout_all(gate, people, web_port):
    alice = people["alice"]
    browser = Browser(web_port)
    link, _ = browser.sign_in(alice)
    path = link[link.index("/login"):]
    assert browser.get("/")[0] == 200
    again = Browser(web_port)
    status, _, text = again.get(path)
    assert status == 403 and "has been used" in text, text
    assert again.cookie is None
    status, _, text = again.get("/login?token=" + "A" * 43)
    assert status == 403, text
    status, _, text = again.get("/")
    assert status == 401 and "web login" in text, text

    events = EventStream(browser, timeout=30)
    try:
        r = alice.ssh("approvals", "web logout --all")
        assert r.returncode == 0 and "Ended 1 web session" in r.stdout, r
        status, _, text = browser.get("/")
        assert status == 401 and "web login" in text, text
        # Its live stream ends too, at the next keepalive (every 15 s).
        seen = events.wait_closed(timeout=25)
        assert not any(line.startswith("data:") for line in seen), seen
    finally:
        events.close()
    # Only hashes are stored: the token and the cookie are nowhere in the database.
    raw = (gate.dir / "state" / "holdgate.db").read_bytes()
    assert path.split("=", 1)[1].encode() not in raw


def test_posts_need_the_sessions_csrf_token_and_change_nothing_without_it(gate, people, web_port):
    bob, alice = people["bob"], people["alice"]
    request_id = create_request(bob)
    browser = Browser(web_port)
    browser.sign_in(alice)
    for form in ({"decision": "approve", "reason": "x"},
                 {"csrf": "0" * 64, "decision": "approve", "reason": "x"},
                 {"csrf": "", "decision": "approve"}):
        status, response, text = browser.post(f"/requests/{request_id}/review", form)
        assert status == 403 and "security token" in text, (form, status, text)
        assert response.getheader("Cache-Control") == "no-store"
    # Another session's token does not work either.
    other = Browser(web_port)
    other.sign_in(alice)
    status, _, _ = browser.post(f"/requests/{request_id}/review",
                                {"csrf": other.csrf(request_id), "decision": "approve"})
    assert status == 403
    assert stored_state(gate, request_id) == ("PENDING", 0)
    assert browser.get(f"/requests/{request_id}/review")[0] == 405


def hostile_pages(people, web_port, reason):
    request_id = create_request(people["bob"], reason)
    browser = Browser(web_port)
    browser.sign_in(people["ivan"])
    pages = []
    for path in ("/", f"/requests/{request_id}"):
        status, _, text = browser.get(path)
        assert status == 200 and request_id in text
        pages.append(text)
    return pages


def test_a_hostile_reason_is_escaped_on_the_page(gate, people, web_port):
    hostile = "<script>alert(1)</script> \"><img src=x onerror=alert(1)>"
    for text in hostile_pages(people, web_port, hostile):
        assert "<script>" not in text and "<img" not in text, text
        assert "&lt;script&gt;" in text, text


def test_a_bidi_override_in_a_reason_is_not_raw_on_the_page(gate, people, web_port):
    for text in hostile_pages(people, web_port, "ticket \u202eevil"):
        assert "\u202e" not in text, text


def test_a_requester_cannot_approve_their_own_request_on_the_web(gate, people, web_port):
    bob = people["bob"]
    request_id = create_request(bob)
    browser = Browser(web_port)
    browser.sign_in(bob)
    status, _, text = browser.post(f"/requests/{request_id}/review",
                                   {"csrf": browser.csrf(request_id), "decision": "approve", "reason": "me"})
    assert status == 403, (status, text)
    assert stored_state(gate, request_id) == ("PENDING", 0)
    # Cancelling is theirs to do.
    status, response, _ = browser.post(f"/requests/{request_id}/cancel", {"csrf": browser.csrf(request_id)})
    assert status == 303, status
    assert stored_state(gate, request_id)[0] == "CANCELLED"


def test_history_is_for_auditors_only(gate, people, web_port):
    ivan_web, alice_web = Browser(web_port), Browser(web_port)
    ivan_web.sign_in(people["ivan"])
    alice_web.sign_in(people["alice"])
    status, _, text = ivan_web.get("/history")
    assert status == 403 and "audit role" in text, text
    status, _, text = alice_web.get("/history")
    assert status == 200 and "web.login" in text, text
    # Only an auditor's pages link to it.
    assert 'href="/history"' in alice_web.get("/")[2]
    assert 'href="/history"' not in ivan_web.get("/")[2]


def test_static_assets_and_unknown_paths(gate, web_port):
    browser = Browser(web_port)
    status, response, css = browser.get("/static/app.css")
    assert status == 200 and response.getheader("Content-Type").startswith("text/css")
    assert response.getheader("Content-Security-Policy") == CSP
    status, response, _ = browser.get("/static/app.js")
    assert status == 200 and "javascript" in response.getheader("Content-Type")
    assert browser.get("/nope")[0] == 404
    assert browser.get("/requests/../../etc/passwd")[0] == 404


def test_links_come_from_web_url_never_the_host_header(gate, people, web_port):
    browser = Browser(web_port)
    for path in ("/", "/login?token=x", "/requests/abc"):
        _, _, text = browser.request("GET", path, headers={"Host": "evil.example"})
        assert "evil.example" not in text, text
    r = people["alice"].ssh("approvals", "web login", options=("-o", "SetEnv=HOST=evil.example"))
    assert f"http://127.0.0.1:{web_port}/login?token=" in r.stdout, r


def test_an_oversized_form_is_refused(gate, people, web_port):
    browser = Browser(web_port)
    browser.sign_in(people["alice"])
    status, _, _ = browser.post("/logout", {"csrf": "x", "pad": "a" * 20000})
    assert status == 413


def test_https_with_a_trusted_certificate_sets_a_secure_cookie(world, make_gate, tmp_path):
    cert, key = tmp_path / "web.crt", tmp_path / "web.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    key.chmod(0o600)
    port = free_port()
    gate = make_gate(edit=web_world(port, tls={"cert": str(cert), "key": str(key)}))
    alice = gate_client(world, gate, "alice")
    r = alice.ssh("approvals", "web login")
    assert r.returncode == 0 and f"https://127.0.0.1:{port}/login?token=" in r.stdout, r
    # check-config (and serve, and doctor) refuse a key others can read.
    key.chmod(0o644)
    refused = run_cli("check-config", "--config", str(gate.config_path))
    assert refused.returncode != 0 and f"chmod 600 {key}" in refused.stdout + refused.stderr, refused
    key.chmod(0o600)
    assert run_cli("check-config", "--config", str(gate.config_path)).returncode == 0
    context = ssl.create_default_context(cafile=str(cert))
    browser = Browser(port, context)
    link = LINK.search(r.stdout).group(1)
    status, response, _ = browser.get(link[link.index("/login"):])
    assert status == 303
    assert "; Secure" in response.getheader("Set-Cookie"), response.getheader("Set-Cookie")
    assert browser.get("/")[0] == 200
    # Plain HTTP to the TLS port is not served.
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        s.settimeout(5)
        try:
            answer = s.recv(4096)
        except (ConnectionResetError, socket.timeout):
            answer = b""
        assert b"HTTP/1.1 200" not in answer


def test_plain_http_off_loopback_is_a_config_error(tmp_path):
    config = tmp_path / "holdgate.yaml"
    config.write_text("state_dir: /tmp/x\nweb:\n  listen: 0.0.0.0:8080\n")
    r = run_cli("check-config", "--config", str(config))
    assert r.returncode != 0
    assert f"{config}:3:11: " in r.stdout + r.stderr and "loopback" in r.stdout + r.stderr, r


def test_the_menu_prints_a_sign_in_link_that_works(gate, people, web_port):
    alice = people["alice"]
    child = spawn(alice, "approvals", "-t")
    try:
        child.expect_exact("w: web link")
        child.send("w")
        child.expect(r"(http://\S+/login\?token=[A-Za-z0-9_-]+)")
        link = child.match.group(1)
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    browser = Browser(web_port)
    status, _, _ = browser.get(link[link.index("/login"):])
    assert status == 303 and browser.get("/")[0] == 200


def test_a_break_glass_request_is_ratified_on_the_web(world, make_gate, web_port):
    from test_break_glass import break_glass_world, break_in, granted_id
    web, glass = web_world(web_port), break_glass_world()
    gate = make_gate(edit=lambda config: (web(config), glass(config)))
    bob, ivan = (gate_client(world, gate, name) for name in ("bob", "ivan"))
    child = spawn(bob, "root@db-1", "whoami")
    try:
        break_in(child)
        request_id = granted_id(child)
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    ivan_web = Browser(web_port)
    ivan_web.sign_in(ivan)
    status, _, page = ivan_web.get(f"/requests/{request_id}")
    assert status == 200 and "Ratify this break-glass access?" in page, page
    status, response, text = ivan_web.post(f"/requests/{request_id}/review",
                                           {"csrf": CSRF.search(page).group(1),
                                            "decision": "approve", "reason": "seen it"})
    assert status == 303, text
    history = ivan.ssh("approvals", "history").stdout
    assert re.search(rf"request\.ratified\s+ivan\s+.*{request_id}", history), history
