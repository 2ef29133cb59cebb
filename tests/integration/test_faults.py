"""Bad days (issue 16, part 4): what breaks around holdgate, and what a user notices then.

- the target dies mid-transfer (kill -9 of its sshd's processes for that connection): the
  client fails with a non-zero exit and one sentence, never a clean end;
- the target accepts TCP but never speaks (or stops after its banner): one sentence within
  `connect_timeout`;
- the disk under state_dir fills (a small tmpfs): new requests (and logins, which are audited
  as they are decided) are refused with one sentence, nothing is half-written (`PRAGMA
  integrity_check`), live sessions keep relaying, and it all works again once there is room;
  a host key whose write the full disk cut short leaves nothing behind to block the next start;
- another process (the sqlite3 CLI) holds the database's write lock: a short hold is waited
  out, a long one refuses with one sentence, and keystrokes echo at once all along;
- descriptors run out (holdgate's RLIMIT_NOFILE lowered with prlimit): new connections are
  refused at once (not left hanging in the backlog), live sessions go on, logins work again
  once descriptors are free;
- `kill -9` of holdgate in a loop while people create and review requests: every request and
  review that was acknowledged is there afterwards, and the database is intact;
- `kill -9` during the first start (and during the start after it): the next start works.

Long runs: HOLDGATE_KILL_LOOPS (default 30) sets the iterations of both kill loops
(tests/adversarial.sh --long runs 1000).
"""
from __future__ import annotations

import contextlib
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from harness.gate_config import write_config
from harness.holdgate import require_bin
from harness.procs import LOCALHOST, spawn, wait_until
from harness.scenarios import reviewers_world
from harness.world import gate_client, new_gate
from harness.small_disk import small_disk as harness_small_disk
from test_storage_off_loop import UNREACHABLE, echo_times

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
KILL_LOOPS = int(os.environ.get("HOLDGATE_KILL_LOOPS", "30"))
# Many requests per person: these tests are about faults, not the request-spam limits.
MANY_REQUESTS = {"max_pending_requests": 100000, "request_rate": "100000/1h"}
SLOW_DOWNLOAD = "for i in $(seq 600); do head -c 5000 /dev/urandom; sleep 0.01; done"


def policy(config, **limits):
    reviewers_world(config)
    config["limits"] = {**config.get("limits", {}), **MANY_REQUESTS, **limits}


def holdgate_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("holdgate:")]


def sqlite_cli(db: Path, sql: str) -> str:
    """The sqlite3 CLI's answer to `sql` (as an operator would check the file)."""
    r = subprocess.run(["sqlite3", str(db), sql], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout


# -- the target dies mid-transfer --------------------------------------------------------------

def descendants(pid: int) -> list[int]:
    """Every process below `pid` (children first), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo.extend(children.get(child, []))
    return found


def kill_target_connections(world) -> int:
    """kill -9 every process the target's sshd forked for its connections (the listener
    itself stays): the target's end of each connection dies without a word."""
    killed = 0
    for pid in descendants(world.target.proc.pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
            killed += 1
    return killed


class Pump(threading.Thread):
    """Reads a pipe to its end, counting bytes (and keeping the first few KiB)."""

    def __init__(self, pipe):
        super().__init__(daemon=True)
        self.pipe, self.count, self.data = pipe, 0, bytearray()
        self.start()

    def run(self):
        while chunk := self.pipe.read1(65536):
            self.count += len(chunk)
            if len(self.data) < 4096:
                self.data += chunk


class Feeder(threading.Thread):
    """Writes random data into a pipe until it breaks (the program it feeds has ended)."""

    def __init__(self, pipe):
        super().__init__(daemon=True)
        self.pipe, self.count = pipe, 0
        self.start()

    def run(self):
        chunk = os.urandom(16384)
        with contextlib.suppress(OSError, ValueError):
            while True:
                self.pipe.write(chunk)
                self.pipe.flush()
                self.count += len(chunk)


@pytest.mark.parametrize("direction", ["download", "upload"])
def test_the_target_dying_mid_transfer_is_a_failure_never_a_clean_end(world, make_gate, direction):
    gate = make_gate()
    alice = gate_client(world, gate, "alice")
    # The upload's command says when it runs: ssh buffers stdin before the target has even
    # started the command, so bytes written alone prove nothing.
    command = SLOW_DOWNLOAD if direction == "download" else "echo started; cat > /dev/null"
    proc = subprocess.Popen(alice.ssh_argv("root@db-1", command), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = Pump(proc.stdout), Pump(proc.stderr)
    feeder = Feeder(proc.stdin) if direction == "upload" else None
    try:
        if feeder is None:
            assert wait_until(lambda: out.count > 100_000, 15), "the download never started"
        else:
            assert wait_until(lambda: b"started" in out.data, 15), "the upload never started"
            base = feeder.count
            assert wait_until(lambda: feeder.count > base + 300_000, 15), "the upload stalled"
        assert kill_target_connections(world) > 0
        code = proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    out.join(5)
    err.join(5)
    stderr = bytes(err.data).decode(errors="replace")
    assert code != 0, (code, stderr)
    if direction == "download":
        assert out.count < 600 * 5000, out.count  # it did not run to its end
    assert any("the connection to db-1 failed" in line for line in holdgate_lines(stderr)), stderr
    assert gate.wait_for_log_line("event=session-failed", "leg=target", timeout=5), gate.log_text()


# -- the target accepts TCP but never speaks -------------------------------------------------

class SilentTarget:
    """A TCP listener that accepts and then says nothing (or only `greeting`) forever."""

    def __init__(self, greeting: bytes = b""):
        self.greeting = greeting
        self.listener = socket.create_server((LOCALHOST, 0))
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            if self.greeting:
                conn.sendall(self.greeting)
            self.accepted.append(conn)

    def close(self):
        self.listener.close()
        for conn in self.accepted:
            conn.close()


@pytest.mark.parametrize("greeting", [b"", b"SSH-2.0-OpenSSH_9.2p1\r\n"], ids=["silent", "banner-only"])
def test_a_target_that_never_speaks_is_one_sentence_within_connect_timeout(world, make_gate, greeting):
    silent = SilentTarget(greeting)
    try:
        def edit(config):
            config["targets"].append({"name": "silent-1", "address": f"{LOCALHOST}:{silent.port}",
                                      "labels": {"env": "prod", "kind": "db"}})
            config["limits"] = {"connect_timeout": "2s"}
        gate = make_gate(edit=edit)
        alice = gate_client(world, gate, "alice")
        r = alice.ssh("root@silent-1", "true", timeout=30)
        assert silent.accepted, "holdgate never dialed the silent target"
    finally:
        silent.close()
    assert r.returncode != 0, r
    assert 1.5 < r.elapsed < 6, r
    said = holdgate_lines(r.stderr)
    assert len(said) == 1 and "silent-1" in said[0] and "in time" in said[0], r
    # holdgate is fine afterwards: the next login to a real target works.
    ok = alice.ssh("root@db-1", "echo fine")
    assert (ok.returncode, ok.stdout) == (0, "fine\n"), ok


# -- the disk fills ---------------------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A 2 MiB tmpfs, always unmounted afterwards (lazily: a process may still hold a file)."""
    with harness_small_disk(tmp_path / "small-disk", "2m") as mount_point:
        yield mount_point


def fill(directory: Path) -> Path:
    """Writes a file (unbuffered) until the filesystem is full; returns it."""
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 512, 1):  # then the last partial blocks
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
    finally:
        os.close(fd)
    return filler


def test_a_full_disk_refuses_requests_in_one_sentence_and_relaying_goes_on(world, tmp_path, small_disk):
    state = small_disk / "state"
    gate = new_gate(world, tmp_path / "gate", edit=lambda c: (policy(c), c.update(state_dir=str(state))))
    gate.start()
    try:
        alice, bob = gate_client(world, gate, "alice"), gate_client(world, gate, "bob")
        acked = []
        with alice.pty("root@db-1") as shell:
            shell.wait_ready()
            r = bob.ssh("approvals", "request create --roles dba --reason 'before the fill'")
            assert r.returncode == 0, r
            acked.append(UUID.search(r.stdout).group(0))
            filler = fill(small_disk)
            refusals = []
            for n in range(60):  # SQLite may still have room in a page it holds; not for long
                r = bob.ssh("approvals", f"request create --roles dba --reason 'full {n} {'x' * 900}'")
                if r.returncode == 0:
                    acked.append(UUID.search(r.stdout).group(0))
                else:
                    refusals.append(r)
                    if len(refusals) >= 3:
                        break
            assert refusals, "60 requests fit on a full 2 MiB disk"
            for refused in refusals:
                assert refused.returncode == 1, refused
                assert len(refused.stderr.strip().splitlines()) == 1, refused
                assert refused.stderr.startswith("holdgate: "), refused
            # The live session never noticed. A new login is a decision that is audited as it
            # is made: one that cannot be written is refused, in one sentence (README, "Storage
            # off the event loop").
            assert shell.run("echo still-here") == "still-here"
            login = alice.ssh("root@db-1", "echo in")
            assert login.returncode != 0 and holdgate_lines(login.stderr) == [UNREACHABLE], login
            assert gate.alive()
            filler.unlink()
        # Room again: logins and requests go through without a restart.
        login = alice.ssh("root@db-1", "echo in")
        assert (login.returncode, login.stdout) == (0, "in\n"), login
        r = bob.ssh("approvals", "request create --roles dba --reason 'after the fill'")
        assert r.returncode == 0, r
        acked.append(UUID.search(r.stdout).group(0))
    finally:
        gate.stop()
    db = state / "holdgate.db"
    assert sqlite_cli(db, "PRAGMA integrity_check").strip() == "ok"
    stored = set(sqlite_cli(db, "SELECT id FROM requests").split())
    assert set(acked) <= stored, set(acked) - stored


def test_a_host_key_the_full_disk_cut_short_does_not_block_the_next_start(world, tmp_path, small_disk):
    """A host key is written whole or not at all: one cut short by a full disk (or a kill -9
    between open and write) used to stay behind, and every later start refused it."""
    key = small_disk / "keys" / "ssh_host_ed25519_key"
    key.parent.mkdir(mode=0o700)
    gate = new_gate(world, tmp_path / "gate", edit=lambda c: c.update(host_keys=[str(key)]))
    filler = fill(small_disk)  # the key's disk is full at the first start
    with pytest.raises(RuntimeError, match="exited with code"):
        gate.start()
    assert "No space left on device" in gate.log_text(), gate.log_text()
    assert not key.exists(), f"{key} left behind ({key.stat().st_size} bytes)"
    assert not [p.name for p in key.parent.iterdir()], "a temporary file left behind"
    filler.unlink()
    gate.start()  # room again: the key is made and holdgate serves
    try:
        assert key.stat().st_size > 0
        alice = gate_client(world, gate, "alice")
        r = alice.ssh("root@db-1", "echo in")
        assert (r.returncode, r.stdout) == (0, "in\n"), r
    finally:
        gate.stop()


# -- the database locked by another process ----------------------------------------------------

@contextlib.contextmanager
def locked_by_sqlite3(db: Path):
    """The sqlite3 CLI holds `BEGIN EXCLUSIVE` on `db` until the with-block ends."""
    cli = subprocess.Popen(["sqlite3", str(db)], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
    try:
        cli.stdin.write("BEGIN EXCLUSIVE;\n")
        cli.stdin.flush()

        def is_locked():
            probe = sqlite3.connect(db, timeout=0, isolation_level=None)
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.execute("ROLLBACK")
                return False
            except sqlite3.OperationalError:
                return True
            finally:
                probe.close()
        assert wait_until(is_locked, 10), "the sqlite3 CLI did not take the lock"
        yield
    finally:
        with contextlib.suppress(OSError):
            cli.stdin.write("ROLLBACK;\n.quit\n")
            cli.stdin.close()
        try:
            cli.wait(timeout=10)
        except subprocess.TimeoutExpired:
            cli.kill()
            cli.wait()


def in_background(work) -> tuple[threading.Thread, dict]:
    result: dict = {}
    thread = threading.Thread(target=lambda: result.update(r=work()), daemon=True)
    thread.start()
    return thread, result


def test_a_short_lock_is_waited_out_and_a_long_one_refused_while_keystrokes_echo(world, make_gate):
    gate = make_gate(edit=policy)
    alice, bob, ivan = (gate_client(world, gate, n) for n in ("alice", "bob", "ivan"))
    db = Path(gate.config["state_dir"]) / "holdgate.db"
    with alice.pty("root@db-1") as shell:
        shell.wait_ready()
        # Shorter than holdgate's 5 s busy timeout: the command waits and then succeeds.
        with locked_by_sqlite3(db):
            started = time.monotonic()
            thread, result = in_background(lambda: bob.ssh(
                "approvals", "request create --roles dba --reason 'during a short lock'", timeout=60))
            time.sleep(0.5)
            times = echo_times(shell, 10)
            time.sleep(max(0.0, 2.0 - (time.monotonic() - started)))
        thread.join(60)
        created = result["r"]
        assert created.returncode == 0, created
        assert created.elapsed > 1.0, created  # it really waited for the lock
        assert max(times) < 0.5, times
        request_id = UUID.search(created.stdout).group(0)
        # Longer than the busy timeout: one sentence, and the review is not half-made.
        with locked_by_sqlite3(db):
            thread, result = in_background(lambda: ivan.ssh(
                "approvals", f"request review --approve {request_id}", timeout=60))
            time.sleep(0.5)
            times = echo_times(shell, 10)
            thread.join(60)
        refused = result["r"]
        assert refused.returncode == 1, refused
        assert refused.stderr.strip() == UNREACHABLE, refused
        assert max(times) < 0.5, times
        assert shell.run("echo still-here") == "still-here"
    again = ivan.ssh("approvals", f"request review --approve {request_id}")
    assert again.returncode == 0, again  # the refused review left nothing behind
    assert sqlite_cli(db, f"SELECT reviewer FROM reviews WHERE request_id = '{request_id}'").split() \
        == ["ivan"]


# -- descriptors run out -------------------------------------------------------------------------

def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def banner_or_close(sock: socket.socket, timeout: float) -> str:
    """"banner" if holdgate greets the connection, "closed" if it hangs up, "silent" if
    neither happens within `timeout` seconds (left waiting in the listen backlog)."""
    sock.settimeout(timeout)
    try:
        data = sock.recv(64)
    except socket.timeout:
        return "silent"
    except ConnectionResetError:
        return "closed"
    return "banner" if data.startswith(b"SSH-") else "closed"


# A connection costs holdgate two descriptors (the socket and libssh's dup of it): one headroom
# runs out in accept() (EMFILE, the connection left in the backlog), the other in the dup.
@pytest.mark.parametrize("headroom", [12, 13], ids=["even", "odd"])
def test_out_of_descriptors_refuses_new_connections_at_once_and_recovers(world, make_gate, headroom):
    gate = make_gate(limits={"login_grace": "60s", "max_startups": 1000,
                             "per_source_max_startups": "none", "per_source_penalties": "off"})
    alice = gate_client(world, gate, "alice")
    pid = gate.proc.pid
    held: list[socket.socket] = []
    with alice.pty("root@db-1") as shell:
        shell.wait_ready()
        limit = open_fds(pid) + headroom
        subprocess.run(["prlimit", f"--pid={pid}", f"--nofile={limit}:{limit}"], check=True)
        try:
            outcome = "banner"
            for _ in range(100):
                sock = socket.create_connection((LOCALHOST, gate.port), timeout=5)
                held.append(sock)
                outcome = banner_or_close(sock, 3)
                if outcome != "banner":
                    break
            assert outcome == "closed", f"connection {len(held)} past the limit: {outcome}"
            # A real client is refused at once too, and holdgate does not spin meanwhile.
            r = alice.ssh("root@db-1", "echo in", timeout=30)
            assert r.returncode == 255 and r.elapsed < 5, r
            assert gate.wait_for_log_line("event=refused", "out of file descriptors", timeout=5), \
                gate.log_text()
            # The live session keeps working.
            assert shell.run("echo still-here") == "still-here"
        finally:
            for sock in held:
                sock.close()
        assert gate.alive()
        # Descriptors are free again: logins work (holdgate needs no restart).
        assert wait_until(lambda: open_fds(pid) < limit - 6, 10), open_fds(pid)
        r = alice.ssh("root@db-1", "echo in", timeout=30)
        assert (r.returncode, r.stdout) == (0, "in\n"), r
        assert shell.run("echo still-here") == "still-here"


# -- kill -9 in a loop ------------------------------------------------------------------------

class Traffic:
    """bob creates requests and alice and ivan approve them, over the approvals channel, in
    three threads; only what a command acknowledged (exit 0) is recorded."""

    def __init__(self, people: dict):
        self.people = people
        self.requests: list[str] = []          # acknowledged creations
        self.reviews: set[tuple[str, str]] = set()  # acknowledged (request id, reviewer)
        self.interrupted = 0                   # commands cut off by a kill (exit 255)
        self.lock = threading.Lock()

    def run_while(self, stop: threading.Event) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._create, args=(stop,), daemon=True)]
        threads += [threading.Thread(target=self._review, args=(stop, name), daemon=True)
                    for name in ("alice", "ivan")]
        for t in threads:
            t.start()
        return threads

    def _note(self, r) -> bool:
        if r.returncode == 255:
            with self.lock:
                self.interrupted += 1
        return r.returncode == 0

    def _create(self, stop):
        n = 0
        while not stop.is_set():
            n += 1
            r = self.people["bob"].ssh("approvals", f"request create --roles dba --reason 'kill loop {n}'",
                                       timeout=30)
            if self._note(r) and (found := UUID.search(r.stdout)):
                with self.lock:
                    self.requests.append(found.group(0))

    def _review(self, stop, name):
        while not stop.is_set():
            with self.lock:
                todo = [i for i in self.requests[-5:] if (i, name) not in self.reviews
                        and (i, f"{name}-refused") not in self.reviews]
            if not todo:
                time.sleep(0.05)
                continue
            r = self.people[name].ssh("approvals", f"request review --approve {todo[0]}", timeout=30)
            if self._note(r):
                with self.lock:
                    self.reviews.add((todo[0], name))
            elif r.returncode == 1:  # refused (e.g. the request was decided meanwhile): skip it
                with self.lock:
                    self.reviews.add((todo[0], f"{name}-refused"))


def test_kill_9_in_a_loop_loses_nothing_acknowledged(world, tmp_path, capsys):
    gate = new_gate(world, tmp_path / "gate", edit=policy)
    rng = random.Random(16)
    traffic = None
    try:
        for loop in range(KILL_LOOPS):
            gate.start()
            if traffic is None:
                traffic = Traffic({n: gate_client(world, gate, n) for n in ("alice", "bob", "ivan")})
            stop = threading.Event()
            threads = traffic.run_while(stop)
            time.sleep(rng.uniform(0.3, 1.2))
            gate.proc.send_signal(signal.SIGKILL)
            gate.proc.wait(10)
            stop.set()
            for t in threads:
                t.join(60)
            assert not any(t.is_alive() for t in threads), "a client hung after a kill"
        gate.start()
        people = traffic.people
        db = Path(gate.config["state_dir"]) / "holdgate.db"
        assert sqlite_cli(db, "PRAGMA integrity_check").strip() == "ok"
        stored = set(sqlite_cli(db, "SELECT id FROM requests").split())
        lost = [i for i in traffic.requests if i not in stored]
        assert not lost, f"{len(lost)} acknowledged requests lost, e.g. {lost[:3]}"
        rows = sqlite_cli(db, "SELECT request_id || ' ' || reviewer FROM reviews").splitlines()
        stored_reviews = {tuple(row.split()) for row in rows}
        acked_reviews = {r for r in traffic.reviews if not r[1].endswith("-refused")}
        missing = acked_reviews - stored_reviews
        assert not missing, f"{len(missing)} acknowledged reviews lost, e.g. {sorted(missing)[:3]}"
        # The approvals channel tells the same story (the last few, as a person would look).
        for request_id in traffic.requests[-3:]:
            shown = people["bob"].ssh("approvals", f"request show {request_id}")
            assert shown.returncode == 0 and request_id in shown.stdout, shown
        with capsys.disabled():
            print(f"\nkill -9 loop: {KILL_LOOPS} kills, {len(traffic.requests)} requests and "
                  f"{len(acked_reviews)} reviews acknowledged, {traffic.interrupted} commands cut "
                  f"off by a kill; all there, integrity_check ok")
        assert traffic.requests and acked_reviews, "the loop acknowledged nothing"
    finally:
        gate.stop()


def test_kill_9_during_the_first_start_leaves_a_state_dir_that_starts(world, tmp_path):
    """Killed while it makes its state (database, migrations, keys), or while it opens what a
    killed start left, holdgate starts next time."""
    rng = random.Random(4)
    for n in range(KILL_LOOPS):
        gate = new_gate(world, tmp_path / f"gate{n}")
        write_config(gate.config_path, gate.config)
        for _ in range(2):  # the first start, then one on what it left (recovery)
            killed = spawn([str(require_bin()), "serve", "--config", str(gate.config_path)], gate.log)
            time.sleep(rng.uniform(0.0, 0.08))
            killed.kill()
            killed.wait(10)
        try:
            gate.start()
            assert gate.alive()
        finally:
            gate.stop()


KILLED_FIRST_START = Path(__file__).resolve().parents[1] / "data" / "killed-first-start"


def test_a_database_left_by_a_first_start_killed_midway_starts(world, tmp_path):
    """What the loop above found once in ~50 kills: holdgate killed while it created its
    database leaves a rollback journal (tests/data/killed-first-start, the file pair it left).
    serve's start-up check opened the file read-only, could not roll the journal back, and
    refused to start ("attempt to write a readonly database"), every time, for good."""
    gate = new_gate(world, tmp_path / "gate")
    state = Path(gate.config["state_dir"])
    state.mkdir(mode=0o700, parents=True)
    for name in ("holdgate.db", "holdgate.db-journal"):
        (state / name).write_bytes((KILLED_FIRST_START / name).read_bytes())
        (state / name).chmod(0o600)
    gate.start()
    try:
        alice = gate_client(world, gate, "alice")
        r = alice.ssh("root@db-1", "echo in")
        assert (r.returncode, r.stdout) == (0, "in\n"), r
    finally:
        gate.stop()
    assert sqlite_cli(state / "holdgate.db", "PRAGMA integrity_check").strip() == "ok"
