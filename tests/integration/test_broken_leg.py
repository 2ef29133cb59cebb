"""A leg that breaks mid-transfer is a failure on the other leg too, never a clean end.

A relay flips one byte of one connection's stream (see harness/tamper.py), for every cipher
holdgate offers on that leg, in both directions:

- user leg (client <-> holdgate): the client's connection is dropped (ssh exits 255) and the
  target's connection is ended with a disconnect that says why, never with the channel's EOF
  (which would make a truncated upload look complete to the command reading it);
- target leg (holdgate <-> target): the user is told in one line that the connection to the
  target failed, and ssh exits non-zero within seconds (no hang).

Each case also leaves one log line and one audit event naming the failed leg.
"""
from __future__ import annotations

import json
import os

import pytest

from harness.client import run
from harness.jump import jump_config
from harness.procs import tail, wait_until
from harness.sshd import Target
from harness.tamper import CorruptingRelay
from harness.world import gate_client, new_gate

# What holdgate offers each leg (proxy/server.cpp `ciphers`, proxy/upstream.cpp `upstream_ciphers`).
USER_CIPHERS = ["chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com",
                "aes128-gcm@openssh.com", "aes256-ctr", "aes192-ctr", "aes128-ctr"]
TARGET_CIPHERS = ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com",
                  "chacha20-poly1305@openssh.com", "aes128-ctr", "aes256-ctr"]

FLIP_AT = 200_000  # well into the transfer, long after authentication
UPLOAD = os.urandom(1 << 20)
# A download that keeps going for a few seconds, so the command is still running when the
# leg breaks; `touch` runs only if nothing hung the session up.
SLOW_DOWNLOAD = "for i in $(seq 400); do head -c 5000 /dev/urandom; sleep 0.01; done"


def short(cipher: str) -> str:
    return cipher.split("@")[0].replace("-poly1305", "")


@pytest.fixture(scope="module")
def flaky(world, tmp_path_factory):
    """One sshd per target-leg cipher (`Ciphers` forces it), each behind its own relay, and a
    holdgate whose targets flaky-<cipher> reach them through the relays."""
    root = tmp_path_factory.mktemp("flaky")
    targets, relays = {}, {}
    try:
        for cipher in TARGET_CIPHERS:
            target = Target(root / short(cipher), name=f"flaky-{short(cipher)}",
                            extra_config=f"Ciphers {cipher}\n")
            target.authorize(world.upstream)
            target.start()
            targets[cipher] = target
            relays[cipher] = CorruptingRelay(target.port)
        yield targets, relays
    finally:
        for relay in relays.values():
            relay.close()
        for target in targets.values():
            target.stop()


@pytest.fixture(scope="module")
def flaky_gate(world, flaky, tmp_path_factory):
    targets, relays = flaky
    root = tmp_path_factory.mktemp("flaky-gate")
    known_hosts = root / "upstream_known_hosts"
    lines = [world.target.known_hosts_line()]
    for cipher, target in targets.items():
        port = relays[cipher].port
        lines.append(f"[127.0.0.1]:{port} {target.host_key.type_and_blob}")
    known_hosts.write_text("\n".join(lines) + "\n")

    def edit(config):
        config["upstream"]["known_hosts"] = str(known_hosts)
        for cipher in TARGET_CIPHERS:
            config["targets"].append({"name": f"flaky-{short(cipher)}",
                                      "address": f"127.0.0.1:{relays[cipher].port}",
                                      "labels": {"env": "prod", "kind": "db"}})
    gate = new_gate(world, root / "gate", edit=edit)
    gate.start()
    yield gate
    gate.stop()


@pytest.fixture(scope="module")
def user_relay(flaky_gate):
    """A relay in front of holdgate's own port, and a known_hosts file for reaching it."""
    with CorruptingRelay(flaky_gate.port) as relay:
        known = flaky_gate.dir / "relay_known_hosts"
        known.write_text(flaky_gate.known_hosts.read_text().replace(
            f"[127.0.0.1]:{flaky_gate.port}", f"[127.0.0.1]:{relay.port}"))
        yield relay, known


def history(world, gate):
    alice = gate_client(world, gate, "alice")
    r = alice.ssh("approvals", "history --format json")
    assert r.returncode == 0, r
    return json.loads(r.stdout)


def failed_events(world, gate, subject):
    return [e for e in history(world, gate)
            if e["kind"] == "session.failed" and e["subject"] == subject]


def goodbyes(world) -> int:
    """How often the target's sshd logged holdgate's goodbye for a failed user connection: the
    target is told the session broke (a disconnect with that reason), not that it ended."""
    return world.target.log.read_text(errors="replace").count("holdgate: the user's connection failed")


@pytest.mark.parametrize("cipher", USER_CIPHERS, ids=short)
def test_user_leg_corrupted_during_upload(world, flaky_gate, user_relay, cipher):
    relay, known = user_relay
    relay.set(direction="up", flip_at=FLIP_AT)
    alice = gate_client(world, flaky_gate, "alice")
    before = goodbyes(world)
    options = ("-o", f"Port={relay.port}", "-o", f"UserKnownHostsFile={known}", "-c", cipher)
    r = run(alice.ssh_argv("root@db-1", "cat > /dev/null", options=options), input=UPLOAD,
            timeout=30)
    assert r.returncode == 255, r
    assert r.elapsed < 10, r
    assert wait_until(lambda: goodbyes(world) > before, 5), tail(world.target.log)
    line = flaky_gate.wait_for_log_line("event=session-failed", "leg=user", timeout=5)
    assert line, flaky_gate.log_text()
    assert failed_events(world, flaky_gate, "root@db-1"), history(world, flaky_gate)


@pytest.mark.parametrize("cipher", USER_CIPHERS, ids=short)
def test_user_leg_corrupted_during_download(world, flaky_gate, user_relay, cipher):
    relay, known = user_relay
    relay.set(direction="down", flip_at=FLIP_AT)
    alice = gate_client(world, flaky_gate, "alice")
    options = ("-o", f"Port={relay.port}", "-o", f"UserKnownHostsFile={known}", "-c", cipher)
    events, told = len(failed_events(world, flaky_gate, "root@db-1")), goodbyes(world)
    r = run(alice.ssh_argv("root@db-1", SLOW_DOWNLOAD, options=options), timeout=30)
    assert r.returncode == 255, r  # the client itself sees the bad MAC and hangs up
    assert wait_until(lambda: goodbyes(world) > told, 5), tail(world.target.log)
    assert len(failed_events(world, flaky_gate, "root@db-1")) > events, \
        (flaky_gate.log_text(), history(world, flaky_gate))


def test_proxyjump_outer_leg_corrupted(world, flaky_gate, user_relay, tmp_path):
    """`ssh -J`: the outer connection breaks during an upload. holdgate ends the outer
    connection (it used to wait on it), so the inner session it carried ends as a failure too."""
    relay, _ = user_relay
    relay.set(direction="up", flip_at=FLIP_AT)
    cfg = jump_config(world, flaky_gate, tmp_path / "ssh_config", "alice", port=relay.port)
    told = goodbyes(world)
    r = run(["ssh", "-F", str(cfg), "root@db-1", "cat > /dev/null"], input=UPLOAD, timeout=30)
    assert r.returncode == 255, r
    assert r.elapsed < 10, r
    assert wait_until(lambda: goodbyes(world) > told, 5), tail(world.target.log)


@pytest.mark.parametrize("cipher", TARGET_CIPHERS, ids=short)
@pytest.mark.parametrize("direction", ["down", "up"])
def test_target_leg_corrupted(world, flaky, flaky_gate, cipher, direction):
    _, relays = flaky
    relays[cipher].set(direction=direction, flip_at=FLIP_AT)
    target = f"flaky-{short(cipher)}"
    alice = gate_client(world, flaky_gate, "alice")
    if direction == "down":  # the target sends: a download breaks
        r = alice.ssh(f"root@{target}", "head -c 2000000 /dev/urandom", timeout=30)
    else:  # holdgate sends: an upload breaks
        r = alice.ssh(f"root@{target}", "cat > /dev/null", input=UPLOAD, timeout=30)
    assert r.returncode != 0, r
    assert r.elapsed < 10, r
    assert f"holdgate: the connection to {target} failed" in r.stderr, r
    assert relays[cipher].flipped >= 1
    line = flaky_gate.wait_for_log_line("event=session-failed", "leg=target", target, timeout=5)
    assert line, flaky_gate.log_text()
    assert failed_events(world, flaky_gate, f"root@{target}"), history(world, flaky_gate)
