"""A real browser for the web page tests: tests/browser/drive.mjs (playwright-core driving
Debian's chromium, /usr/bin/chromium) run with a JSON script of steps, its JSON results back.

Nothing is skipped silently: without chromium or tests/browser/node_modules the test FAILS with
a sentence saying to run tests/setup.sh (CI runs it on a bare machine, which installs both).
"""
from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from .procs import LOCALHOST

REPO = Path(__file__).resolve().parents[3]
BROWSER_DIR = REPO / "tests" / "browser"
DRIVER = BROWSER_DIR / "drive.mjs"
CHROMIUM = Path(os.environ.get("HOLDGATE_CHROMIUM") or "/usr/bin/chromium")

# What holdgate's web server sends with every page (the pages must work under it).
CSP = ("default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; "
       "form-action 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'")

PHONE = [390, 844]
DESKTOP = [1280, 800]


def require_browser() -> None:
    """Fail (never skip) when the browser machinery is not installed."""
    missing = []
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        missing.append(f"chromium ({CHROMIUM})")
    if shutil.which("node") is None:
        missing.append("node")
    if not (BROWSER_DIR / "node_modules" / "playwright-core").is_dir():
        missing.append(f"playwright-core ({BROWSER_DIR}/node_modules)")
    if missing:
        pytest.fail(f"browser tests need {', '.join(missing)}: run tests/setup.sh "
                    "(it installs Debian's chromium and runs npm ci in tests/browser)",
                    pytrace=False)


def drive(steps: list[dict], timeout: float = 90) -> dict:
    """Runs the steps in one fresh chromium; returns the driver's JSON (ok, results, events).

    The driver stops itself at `timeout`; the process is killed 15 s later if it has not.
    """
    require_browser()
    script = json.dumps({"timeout_ms": int(timeout * 1000), "steps": steps})
    env = dict(os.environ, HOLDGATE_CHROMIUM=str(CHROMIUM))
    proc = subprocess.run(["node", str(DRIVER)], input=script, capture_output=True, text=True,
                          timeout=timeout + 15, cwd=BROWSER_DIR, env=env)
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise AssertionError(f"the browser driver printed no result (exit {proc.returncode}): "
                             f"{proc.stdout[-2000:]}{proc.stderr[-2000:]}") from None


def values(run: dict) -> list:
    """Each step's value, after checking that every step passed."""
    assert run["ok"], f"browser run failed: {run['error']}\nevents: {run['events']}"
    return [r.get("value") for r in run["results"]]


def events(run: dict, kind: str) -> list[str]:
    """The texts of one kind of event (dialog, console, pageerror, requestfailed)."""
    return [e["text"] for e in run["events"] if e["type"] == kind]


def csp_violations(run: dict) -> list[str]:
    """Console messages in which chromium reports a Content-Security-Policy violation."""
    return [t for t in events(run, "console") if "Content Security Policy" in t]


class _StaticHandler(http.server.SimpleHTTPRequestHandler):
    """Files from one directory, each with the CSP header; /events answers 204 (no stream)."""

    def end_headers(self):
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self):
        if self.path.split("?")[0] == "/events":
            # An EventSource given 204 stops reconnecting: the static pages have no live feed.
            self.send_response(204)
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, *args):  # keep pytest's output for failures
        pass


@contextmanager
def serve_directory(directory: Path):
    """An HTTP server on 127.0.0.1 for `directory`; yields its base URL, stopped on exit."""
    handler = lambda *a, **kw: _StaticHandler(*a, directory=str(directory), **kw)  # noqa: E731
    server = http.server.ThreadingHTTPServer((LOCALHOST, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{LOCALHOST}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
