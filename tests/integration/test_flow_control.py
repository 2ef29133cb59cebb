"""Flow control end to end and connection liveness: a slow reader never makes holdgate buffer
the difference, and keepalives keep an idle session up."""
from __future__ import annotations

import hashlib
import random
import subprocess
import threading
import time

from harness.client import client_env
from harness.procs import rss_kib
from harness.world import gate_client




def test_slow_reader_does_not_grow_holdgate_memory(alice, gate):
    """128 MiB streamed to a reader that drains slowly: holdgate must hold back the sender
    through both legs' windows instead of buffering (a bound on growth, not a speed test)."""
    size = 128 << 20
    proc = subprocess.Popen(alice.ssh_argv("root@db-1", f"head -c {size} /dev/zero"),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=client_env())
    baseline = rss_kib(gate.proc.pid)
    peak = baseline
    digest = hashlib.sha256()
    received = 0
    deadline = time.monotonic() + 120
    while received < size and time.monotonic() < deadline:
        chunk = proc.stdout.read(1 << 20)
        if not chunk:
            break
        digest.update(chunk)
        received += len(chunk)
        if received < 16 << 20:
            time.sleep(0.05)  # slow for the first 16 MiB, while the target could race ahead
        peak = max(peak, rss_kib(gate.proc.pid))
    proc.wait(timeout=30)
    assert received == size, (received, proc.stderr.read())
    assert digest.hexdigest() == hashlib.sha256(bytes(size)).hexdigest()
    growth_mib = (peak - baseline) / 1024
    assert growth_mib < 16, f"holdgate grew by {growth_mib:.1f} MiB relaying to a slow reader"


def test_slow_target_does_not_grow_holdgate_memory(alice, gate):
    """The other direction: the client uploads fast, the target reads slowly."""
    size = 64 << 20
    proc = subprocess.Popen(alice.ssh_argv("root@db-1", "sleep 2; sha256sum"),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=client_env())
    baseline = rss_kib(gate.proc.pid)
    peak = [baseline]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_kib(gate.proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        out, err = proc.communicate(bytes(size), timeout=120)
    finally:
        done.set()
        sampler.join()
    assert out.split()[0].decode() == hashlib.sha256(bytes(size)).hexdigest(), err
    growth_mib = (peak[0] - baseline) / 1024
    assert growth_mib < 16, f"holdgate grew by {growth_mib:.1f} MiB relaying to a slow target"


def test_client_keepalives_are_answered(alice):
    r = alice.ssh("root@db-1", "sleep 4; echo alive", timeout=30,
                  options=("-o", "ServerAliveInterval=1", "-o", "ServerAliveCountMax=2"))
    assert (r.returncode, r.stdout) == (0, "alive\n"), r


def test_holdgate_sends_keepalives_on_idle_sessions(world, make_gate):
    gate = make_gate(limits={"keepalive_interval": "1s"})
    alice = gate_client(world, gate, "alice")
    r = alice.ssh("root@db-1", "sleep 2.5; echo alive", timeout=30,
                  options=("-o", "LogLevel=DEBUG3"))
    assert r.returncode == 0 and r.stdout == "alive\n", r
    # SSH_MSG_IGNORE is message type 2.
    assert r.stderr.count("receive packet: type 2") >= 2, r.stderr[-2000:]


def test_data_survives_rekeys_in_both_directions(alice):
    """The client re-keys its leg every 1 MiB while 32 MiB of varied bytes go up to a file on
    the target and come back down: during each re-key libssh takes fewer bytes than offered
    (even none), and what it did not take must stay queued, in order, never dropped."""
    data = random.Random(7).randbytes(32 << 20)
    rekey = ("-o", "RekeyLimit=1M")
    path = "/tmp/holdgate-rekey-test.bin"
    up = alice.ssh("root@db-1", f"cat > {path} && sha256sum < {path}", input=data,
                   options=rekey, timeout=120)
    assert up.returncode == 0 and up.stdout.split()[0] == hashlib.sha256(data).hexdigest(), up
    try:
        down = alice.ssh("root@db-1", f"cat {path}", options=rekey, timeout=120)
        assert down.returncode == 0, down
        assert hashlib.sha256(down.stdout_bytes).digest() == hashlib.sha256(data).digest()
    finally:
        alice.ssh("root@db-1", f"rm -f {path}")
