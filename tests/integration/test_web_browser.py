"""The reviewer web page end to end in a real browser (Debian's chromium via tests/browser/):
bob is held in `ssh root@db-1` under a pty; alice gets a one-time login link over SSH, opens it,
and approves on the page with a reason; ivan, in a second browser context, approves too, and
alice's open page follows live (SSE + app.js); bob's held session continues. Also: a form
posted without its CSRF token is refused, and a used login link is refused.

bob (dev) may request dba (two approvals); alice and ivan review dba requests.
"""
from __future__ import annotations

import re

import pexpect
import pytest

from harness import browser
from harness.procs import free_port
from harness.scenarios import reviewers_world
from harness.world import gate_client
from test_escalation import request_access, spawn

LINK = re.compile(r"(https?://\S+/login\?token=[A-Za-z0-9_-]+)")


@pytest.fixture
def web_port():
    return free_port()


@pytest.fixture
def gate(world, make_gate, web_port):
    def edit(config):
        reviewers_world(config)
        config["web"] = {"listen": f"127.0.0.1:{web_port}"}
    return make_gate(edit=edit)


@pytest.fixture
def people(world, gate):
    return {name: gate_client(world, gate, name) for name in ("alice", "bob", "ivan")}


def login_link(client) -> str:
    r = client.ssh("approvals", "web login")
    assert r.returncode == 0, r
    return LINK.search(r.stdout).group(1)


def test_bob_held_in_ssh_continues_after_alice_and_ivan_approve_in_a_browser(people, web_port):
    browser.require_browser()
    bob, alice, ivan = people["bob"], people["alice"], people["ivan"]
    child = spawn(bob, "root@db-1", "whoami")
    try:
        request_id = request_access(child, reason="restart the replica <b>now</b>")
        alice_link, ivan_link = login_link(alice), login_link(ivan)
        page = f"http://127.0.0.1:{web_port}/requests/{request_id}"
        strip_csrf_and_deny = (
            "(() => { document.querySelector('form.review input[name=csrf]').remove();"
            " document.querySelector('form.review button[value=deny]').click(); return true; })()")
        run = browser.drive([
            # alice, on a phone: the link signs her in and lands on the list.
            {"op": "context", "name": "alice", "viewport": browser.PHONE},
            {"op": "goto", "url": alice_link},
            {"op": "expect_text", "selector": "main", "text": "To review"},
            {"op": "count", "selector": f'a[href="/requests/{request_id}"]'},
            {"op": "click", "selector": f'a[href="/requests/{request_id}"]'},
            {"op": "expect_text", "selector": "main", "text": "waiting in a terminal"},
            {"op": "text", "selector": ".reason.big"},
            {"op": "box", "selector": "button[value=approve]"},
            {"op": "fill", "selector": "textarea[name=reason]", "value": "fine by me"},
            {"op": "click", "selector": "button[value=approve]"},
            {"op": "expect_text", "selector": "main", "text": "alice approved"},
            {"op": "expect_text", "selector": "main", "text": "1 of 2 approvals"},
            # The same link again, in a fresh context: refused.
            {"op": "context", "name": "replay", "viewport": browser.DESKTOP},
            {"op": "goto", "url": alice_link},
            {"op": "expect_text", "selector": "main", "text": "has been used"},
            {"op": "goto", "url": page},
            {"op": "count", "selector": "form.review"},
            # ivan, on a desktop: a form without its CSRF token is refused, then he approves.
            {"op": "context", "name": "ivan", "viewport": browser.DESKTOP},
            {"op": "goto", "url": ivan_link},
            {"op": "goto", "url": page},
            {"op": "fill", "selector": "textarea[name=reason]", "value": "no token"},
            {"op": "evaluate", "expression": strip_csrf_and_deny},
            {"op": "expect_text", "selector": "main", "text": "security token is missing"},
            {"op": "goto", "url": page},
            {"op": "expect_text", "selector": "main", "text": "1 of 2 approvals"},
            {"op": "fill", "selector": "textarea[name=reason]", "value": "granted"},
            {"op": "click", "selector": "button[value=approve]"},
            {"op": "expect_text", "selector": "main", "text": "ivan approved"},
            # alice's page, left open, follows without a reload.
            {"op": "use", "name": "alice"},
            {"op": "expect_text", "selector": "main", "text": "ivan approved", "timeout_ms": 15000},
            {"op": "evaluate", "expression": "performance.getEntriesByType('navigation').length"},
        ], timeout=120)
        values = browser.values(run)
        assert values[3] == 1, "the request is not in alice's list"
        assert "restart the replica <b>now</b>" in values[6]
        assert values[7]["visible"] and values[7]["height"] >= 44
        assert values[16] == 0, "a used link signed someone in"
        assert browser.events(run, "dialog") == []
        assert browser.csp_violations(run) == []

        child.expect('alice approved: "fine by me"')
        child.expect("Access granted until .* UTC. Connecting to db-1", timeout=15)
        child.expect(r"\broot\r\n")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    # No deny was recorded for the token-less form.
    shown = alice.ssh("approvals", f"request show {request_id}").stdout
    assert "APPROVED" in shown and "no token" not in shown, shown
