"""The reviewer pages (web/pages.hpp) in a real browser, without the server: the pages rendered
from sample data with hostile strings (holdgate_page_preview), served from a directory with the
server's Content-Security-Policy, opened in Debian's chromium at phone and desktop sizes.

Asserts what a reviewer (or an attacker) would notice: hostile text stays text (no dialog ever
opens, no injected element exists), Approve/Deny are big enough to tap, nothing scrolls
sideways on a phone, the CSP is never violated, app.js swaps the page on a live event but not
under a reviewer typing a reason. Saves the README's screenshots to docs/screenshots/.
"""
from __future__ import annotations

import json
import os
import subprocess
import threading
from pathlib import Path

import pytest

from harness import browser
from harness.holdgate import REPO, holdgate_bin

SCREENSHOTS = REPO / "docs" / "screenshots"
PAGES = ["requests.html", "requests-empty.html", "request.html", "request-hostile.html",
         "request-breakglass.html", "request-own.html", "history.html", "message.html",
         "signin.html"]
HOSTILE_PAGES = ["requests.html", "request-hostile.html", "history.html", "message.html"]
HOSTILE_TEXT = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'

# Everything on a page that hostile input could have made: an element, an attribute or a
# script the page did not mean to have. Evaluated in the page; 0 when clean.
INJECTED = """(() => document.querySelectorAll(
  'img, iframe, object, embed, svg, math, base, [onerror], [onload], [onclick], [style],' +
  'script:not([src="/static/app.js"]), a[href^="javascript"], form:not([action^="/requests/"]):not([action="/logout"])'
).length)()"""


def preview_bin() -> Path:
    """$HOLDGATE_PAGE_PREVIEW, else next to the build's holdgate (build/tests/)."""
    explicit = os.environ.get("HOLDGATE_PAGE_PREVIEW")
    return Path(explicit) if explicit else holdgate_bin().parents[1] / "tests" / "holdgate_page_preview"


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Path:
    """The directory holdgate_page_preview rendered every page into."""
    path = preview_bin()
    assert path.is_file(), f"{path} not found: build the tests (cmake --build build)"
    out = tmp_path_factory.mktemp("pages")
    subprocess.run([str(path), str(out)], check=True, timeout=30)
    return out


@pytest.fixture(scope="module")
def site(pages):
    with browser.serve_directory(pages) as url:
        yield url


def assert_clean(run: dict) -> None:
    assert browser.events(run, "dialog") == [], "a dialog opened: hostile text ran as script"
    assert browser.events(run, "pageerror") == []
    assert browser.csp_violations(run) == []
    assert browser.events(run, "requestfailed") == []


@pytest.mark.parametrize("size", [browser.PHONE, browser.DESKTOP], ids=["phone", "desktop"])
def test_every_page_loads_under_the_csp_with_nothing_injected(site, size):
    steps = [{"op": "context", "viewport": size}]
    for name in PAGES:
        steps += [{"op": "goto", "url": f"{site}/{name}"},
                  {"op": "evaluate", "expression": INJECTED},
                  # The stylesheet applied (CSP allowed it): the body has its system font.
                  {"op": "evaluate", "expression": "getComputedStyle(document.body).fontFamily"},
                  {"op": "evaluate",
                   "expression": "document.documentElement.scrollWidth <= window.innerWidth"}]
    run = browser.drive(steps)
    found = browser.values(run)[1:]
    for i, name in enumerate(PAGES):
        injected, font, fits = found[4 * i + 1], found[4 * i + 2], found[4 * i + 3]
        assert injected == 0, f"{name}: {injected} injected elements"
        assert "system-ui" in font, f"{name}: app.css not applied ({font})"
        assert fits, f"{name} scrolls sideways at {size[0]} px"
    assert_clean(run)


def test_hostile_strings_are_shown_as_text(site):
    steps = [{"op": "context", "viewport": browser.PHONE}]
    for name in HOSTILE_PAGES:
        steps += [{"op": "goto", "url": f"{site}/{name}"},
                  {"op": "text", "selector": "main"}]
    run = browser.drive(steps)
    texts = browser.values(run)[2::2]
    for name, text in zip(HOSTILE_PAGES, texts):
        assert HOSTILE_TEXT in text, f"{name} does not show the hostile text as text"
        # The bidi override and the NUL are shown as escapes, not applied.
        assert "\\u202Egnp.exe\\u0000" in text, name
        assert "\u202e" not in text and "\x00" not in text, name
    assert_clean(run)


def test_approve_and_deny_are_big_on_a_phone(site):
    run = browser.drive([
        {"op": "context", "viewport": browser.PHONE},
        {"op": "goto", "url": f"{site}/request.html"},
        {"op": "box", "selector": "button[name=decision][value=approve]"},
        {"op": "box", "selector": "button[name=decision][value=deny]"},
        {"op": "box", "selector": "textarea[name=reason]"},
        {"op": "count", "selector": "form.review input[type=hidden][name=csrf]"},
        {"op": "text", "selector": "main"},
    ])
    _, _, approve, deny, reason, csrf, text = browser.values(run)
    for name, box in [("approve", approve), ("deny", deny)]:
        assert box["visible"], f"{name} is not visible"
        assert box["height"] >= 44, f"{name} is {box['height']} px tall"
        assert box["width"] >= 120, f"{name} is {box['width']} px wide"
        assert box["x"] >= 0 and box["x"] + box["width"] <= browser.PHONE[0]
    assert reason["visible"] and reason["width"] >= 280
    assert csrf == 1
    for words in ["bob", "root@db-1 (via dba)", "1 of 2 approvals", "alice, carol", "in 14m",
                  "ivan approved", "waiting in a terminal"]:
        assert words in text
    assert_clean(run)


def test_break_glass_is_loud(site):
    run = browser.drive([
        {"op": "context", "viewport": browser.PHONE},
        {"op": "goto", "url": f"{site}/request-breakglass.html"},
        {"op": "box", "selector": ".alarm"},
        {"op": "text", "selector": ".alarm"},
        {"op": "text", "selector": "button[value=approve]"},
    ])
    _, _, box, alarm, button = browser.values(run)
    assert box["visible"] and box["y"] < browser.PHONE[1] / 2, "the alarm is not near the top"
    assert "BREAK-GLASS" in alarm and "erin" in alarm
    assert button == "Ratify"


def test_screenshots_for_the_readme(site):
    """docs/screenshots/: the request page on a phone and on a desktop (the README shows them)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone, desktop = SCREENSHOTS / "request-phone.png", SCREENSHOTS / "request-desktop.png"
    run = browser.drive([
        {"op": "context", "viewport": browser.PHONE},
        {"op": "goto", "url": f"{site}/request.html"},
        {"op": "screenshot", "path": str(phone), "full_page": False},
        {"op": "context", "viewport": browser.DESKTOP},
        {"op": "goto", "url": f"{site}/request.html"},
        {"op": "screenshot", "path": str(desktop), "full_page": False},
    ])
    browser.values(run)
    for path in (phone, desktop):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    assert_clean(run)


class _LiveHandler(browser._StaticHandler):
    """/live.html from memory, /events as a real event stream, /_push to change the page and
    send one `event: request` on the stream (the test calls it from the page)."""

    state: dict = {}

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/live.html":
            body = self.state["page"].encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif path == "/events":
            self._stream()
        elif path == "/_push":
            ok = self.state["connected"].wait(10)
            self.state["page"] = self.state["next"]
            self.state["pushes"].append(json.dumps(
                {"id": "9c721e54-b049-4ef8-a7f6-c777aa066764", "state": "PENDING",
                 "kind": "reviewed"}))
            with self.state["changed"]:
                self.state["changed"].notify_all()
            self.send_response(204 if ok else 503)
            self.end_headers()
        else:
            super().do_GET()

    def _stream(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.wfile.write(b": hello\n\n")
        self.wfile.flush()
        sent = len(self.state["pushes"])
        self.state["connected"].set()
        changed = self.state["changed"]
        for _ in range(100):  # bounded: at most ~20 s, then the stream ends
            if self.state["stop"].is_set():
                return
            with changed:
                changed.wait(0.2)
            while sent < len(self.state["pushes"]):
                self.wfile.write(f"event: request\ndata: {self.state['pushes'][sent]}\n\n".encode())
                self.wfile.flush()
                sent += 1


@pytest.fixture
def live_site(pages):
    import http.server
    original = (pages / "request.html").read_text()
    updated = original.replace("1 of 2 approvals", "2 of 2 approvals (live)")
    assert updated != original
    _LiveHandler.state = {"page": original, "next": updated, "pushes": [],
                          "connected": threading.Event(), "changed": threading.Condition(),
                          "stop": threading.Event()}
    handler = lambda *a, **kw: _LiveHandler(*a, directory=str(pages), **kw)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        _LiveHandler.state["stop"].set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


PUSH = "fetch('/_push').then(r => r.status)"


def test_a_live_event_swaps_the_page(live_site):
    run = browser.drive([
        {"op": "context", "viewport": browser.PHONE},
        {"op": "goto", "url": f"{live_site}/live.html"},
        {"op": "evaluate", "expression": PUSH},
        {"op": "expect_text", "selector": "main", "text": "2 of 2 approvals (live)"},
        {"op": "count", "selector": ".live-notice"},
        {"op": "count", "selector": "main form input[name=csrf]"},
    ])
    values = browser.values(run)
    assert values[2] == 204
    assert values[4] == 0, "a notice instead of the swap"
    assert values[5] == 1, "the swapped page lost its form"
    assert_clean(run)


def test_a_live_event_does_not_swap_under_a_reviewer_typing(live_site):
    run = browser.drive([
        {"op": "context", "viewport": browser.PHONE},
        {"op": "goto", "url": f"{live_site}/live.html"},
        {"op": "fill", "selector": "textarea[name=reason]", "value": "looks fine, but"},
        {"op": "evaluate", "expression": PUSH},
        {"op": "expect_text", "selector": ".live-notice", "text": "reload"},
        {"op": "evaluate", "expression": "document.querySelector('textarea[name=reason]').value"},
        {"op": "text", "selector": "main"},
    ])
    values = browser.values(run)
    assert values[5] == "looks fine, but", "the reason being typed was thrown away"
    assert "1 of 2 approvals" in values[6] and "(live)" not in values[6]
    assert_clean(run)
