"""A leg that breaks mid-transfer is a failure on the other leg too, never a clean end, and
nothing corrupt ever reaches the other side.

A relay flips one byte of one connection's stream (see harness/tamper.py) long after the key
exchange, for every cipher and MAC holdgate offers on that leg (AEAD ciphers carry their own
MAC; each CTR cipher with each MAC), in both directions:

- user leg (client <-> holdgate): the client's connection is dropped (ssh exits 255) and the
  target's connection is ended with a disconnect that says why, never with the channel's EOF
  (which would make a truncated upload look complete to the command reading it);
- target leg (holdgate <-> target): the user is told in one line that the connection to the
  target failed, and ssh exits non-zero within seconds (no hang).

Whatever did arrive on the far side (the file the target wrote, the bytes ssh printed) is a
prefix of what was sent: a flipped byte is never passed on. Each case also leaves one log line
and one audit event naming the failed leg.
"""
from __future__ import annotations

import json
import os
import re
import shlex

import pytest

from harness.client import run
from harness.jump import jump_config
from harness.procs import tail, wait_until
from harness.sshd import Target
from harness.tamper import CorruptingRelay
from harness.world import gate_client, new_gate

# What holdgate offers each leg: proxy/server.cpp `ciphers` and `macs`, proxy/upstream.cpp
# `upstream_ciphers` and `upstream_macs`.
USER_CIPHERS = ["chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com",
                "aes128-gcm@openssh.com", "aes256-ctr", "aes192-ctr", "aes128-ctr"]
USER_MACS = ["hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com"]
TARGET_CIPHERS = ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com",
                  "chacha20-poly1305@openssh.com", "aes128-ctr", "aes256-ctr"]
TARGET_MACS = ["hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com",
               "hmac-sha2-256", "hmac-sha2-512"]


def combos(ciphers, macs):
    """(cipher, MAC) pairs: an AEAD cipher once (its MAC is its own), others with every MAC."""
    return [(c, None) for c in ciphers if "-ctr" not in c] + \
        [(c, m) for c in ciphers if "-ctr" in c for m in macs]


USER_COMBOS = combos(USER_CIPHERS, USER_MACS)
TARGET_COMBOS = combos(TARGET_CIPHERS, TARGET_MACS)

FLIP_AT = 200_000  # well into the transfer, long after authentication
UPLOAD = os.urandom(1 << 20)
DOWNLOAD = os.urandom(2_000_000)
BLOCK = 5000


def short(cipher: str) -> str:
    return cipher.split("@")[0].replace("-poly1305", "")


def combo_id(combo) -> str:
    cipher, mac = combo
    if mac is None:
        return short(cipher)
    return f"{short(cipher)}-{mac.split('@')[0].replace('hmac-', '')}"


def combo_options(combo) -> tuple:
    cipher, mac = combo
    return ("-c", cipher) + (("-m", mac) if mac else ())


def assert_prefix(received: bytes, sent: bytes, what: str) -> None:
    """Nothing corrupt got through: what arrived is the start of what was sent (the stream was
    cut there), never different bytes."""
    if sent.startswith(received):
        return
    differs = next((i for i, (a, b) in enumerate(zip(received, sent)) if a != b), len(sent))
    raise AssertionError(f"{what}: {len(received)} bytes arrived, of {len(sent)} sent; "
                         f"they differ from byte {differs} on")


def settled_size(path) -> bytes:
    """The file's content once it stopped growing (the target's command has been cut)."""
    sizes = []

    def stable():
        sizes.append(path.stat().st_size if path.exists() else -1)
        return len(sizes) >= 5 and len(set(sizes[-5:])) == 1
    wait_until(stable, 10, interval=0.1)
    return path.read_bytes() if path.exists() else b""


@pytest.fixture(scope="module")
def files(world):
    """The download's source on the target, and a place for uploads to land."""
    directory = world.root / "broken-leg"
    directory.mkdir(exist_ok=True)
    (directory / "download.bin").write_bytes(DOWNLOAD)
    return directory


def slow_download(source) -> str:
    """A download that keeps going for a few seconds, so the command is still running when
    the leg breaks."""
    return (f"for i in $(seq 0 399); do dd if={shlex.quote(str(source))} bs={BLOCK} skip=$i "
            f"count=1 status=none; sleep 0.01; done")


@pytest.fixture(scope="module")
def flaky(world, tmp_path_factory):
    """One sshd per target-leg cipher and MAC (`Ciphers`/`MACs` force them), each behind its
    own relay, and a holdgate whose targets flaky-<combo> reach them through the relays."""
    root = tmp_path_factory.mktemp("flaky")
    targets, relays = {}, {}
    try:
        for combo in TARGET_COMBOS:
            cipher, mac = combo
            target = Target(root / combo_id(combo), name=f"flaky-{combo_id(combo)}",
                            extra_config=f"Ciphers {cipher}\n" + (f"MACs {mac}\n" if mac else ""))
            target.authorize(world.upstream)
            target.start()
            targets[combo] = target
            relays[combo] = CorruptingRelay(target.port)
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
    for combo, target in targets.items():
        lines.append(f"[127.0.0.1]:{relays[combo].port} {target.host_key.type_and_blob}")
    known_hosts.write_text("\n".join(lines) + "\n")

    def edit(config):
        config["upstream"]["known_hosts"] = str(known_hosts)
        for combo in TARGET_COMBOS:
            config["targets"].append({"name": f"flaky-{combo_id(combo)}",
                                      "address": f"127.0.0.1:{relays[combo].port}",
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


def failed_lines(gate, *fields: str) -> int:
    """holdgate's session-failed lines with every one of `fields` (whole key=value words)."""
    return sum(1 for line in gate.log_text().splitlines()
               if "event=session-failed" in line
               and all(re.search(rf"(^|\s){re.escape(f)}(\s|$)", line) for f in fields))


def goodbyes(world) -> int:
    """How often the target's sshd logged holdgate's goodbye for a failed user connection: the
    target is told the session broke (a disconnect with that reason), not that it ended."""
    return world.target.log.read_text(errors="replace").count("holdgate: the user's connection failed")


def user_leg_options(relay, known, combo) -> tuple:
    return ("-o", f"Port={relay.port}", "-o", f"UserKnownHostsFile={known}") + combo_options(combo)


@pytest.mark.parametrize("combo", USER_COMBOS, ids=combo_id)
def test_user_leg_corrupted_during_upload(world, flaky_gate, user_relay, files, combo):
    relay, known = user_relay
    relay.set(direction="up", flip_at=FLIP_AT)
    alice = gate_client(world, flaky_gate, "alice")
    landed = files / f"up-user-{combo_id(combo)}"
    before, logged, flipped = goodbyes(world), failed_lines(flaky_gate, "leg=user"), relay.flipped
    r = run(alice.ssh_argv("root@db-1", f"cat > {shlex.quote(str(landed))}",
                           options=user_leg_options(relay, known, combo)),
            input=UPLOAD, timeout=30)
    assert r.returncode == 255, r
    assert r.elapsed < 10, r
    assert relay.flipped > flipped, r  # the key exchange agreed, and the byte was flipped late
    assert wait_until(lambda: goodbyes(world) > before, 5), tail(world.target.log)
    assert wait_until(lambda: failed_lines(flaky_gate, "leg=user") > logged, 5), \
        flaky_gate.log_text()
    assert failed_events(world, flaky_gate, "root@db-1"), history(world, flaky_gate)
    assert_prefix(settled_size(landed), UPLOAD, "the file the target wrote")


@pytest.mark.parametrize("combo", USER_COMBOS, ids=combo_id)
def test_user_leg_corrupted_during_download(world, flaky_gate, user_relay, files, combo):
    relay, known = user_relay
    relay.set(direction="down", flip_at=FLIP_AT)
    alice = gate_client(world, flaky_gate, "alice")
    events, told = len(failed_events(world, flaky_gate, "root@db-1")), goodbyes(world)
    flipped = relay.flipped
    r = run(alice.ssh_argv("root@db-1", slow_download(files / "download.bin"),
                           options=user_leg_options(relay, known, combo)), timeout=30)
    assert r.returncode == 255, r  # the client itself sees the bad MAC and hangs up
    assert relay.flipped > flipped, r
    assert_prefix(r.stdout_bytes, DOWNLOAD, "what ssh printed")
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


@pytest.mark.parametrize("combo", TARGET_COMBOS, ids=combo_id)
@pytest.mark.parametrize("direction", ["down", "up"])
def test_target_leg_corrupted(world, flaky, flaky_gate, files, combo, direction):
    _, relays = flaky
    relay = relays[combo]
    relay.set(direction=direction, flip_at=FLIP_AT)
    target = f"flaky-{combo_id(combo)}"
    alice = gate_client(world, flaky_gate, "alice")
    logged, flipped = failed_lines(flaky_gate, "leg=target", f"target={target}"), relay.flipped
    landed = files / f"up-target-{combo_id(combo)}"
    if direction == "down":  # the target sends: a download breaks
        r = alice.ssh(f"root@{target}", f"cat {shlex.quote(str(files / 'download.bin'))}",
                      timeout=30)
    else:  # holdgate sends: an upload breaks
        r = alice.ssh(f"root@{target}", f"cat > {shlex.quote(str(landed))}", input=UPLOAD,
                      timeout=30)
    assert r.returncode != 0, r
    assert r.elapsed < 10, r
    assert f"holdgate: the connection to {target} failed" in r.stderr, r
    assert relay.flipped > flipped, r  # the key exchange agreed, and the byte was flipped late
    if direction == "down":
        assert_prefix(r.stdout_bytes, DOWNLOAD, "what ssh printed")
    else:
        assert_prefix(settled_size(landed), UPLOAD, "the file the target wrote")
    assert wait_until(lambda: failed_lines(flaky_gate, "leg=target", f"target={target}")
                      > logged, 5), flaky_gate.log_text()
    assert failed_events(world, flaky_gate, f"root@{target}"), history(world, flaky_gate)


def test_a_target_that_offers_only_sha1_macs_is_refused(world, tmp_path):
    """The leg to a target uses only the MACs listed above (SHA-2, as the user leg), not
    whatever else libssh would accept: a target offering only hmac-sha1 is not reached."""
    target = Target(tmp_path / "sha1", name="sha1-only",
                    extra_config="Ciphers aes128-ctr\nMACs hmac-sha1,hmac-sha1-etm@openssh.com\n")
    target.authorize(world.upstream)
    target.start()
    try:
        known_hosts = tmp_path / "upstream_known_hosts"
        known_hosts.write_text(f"{world.target.known_hosts_line()}\n"
                               f"[127.0.0.1]:{target.port} {target.host_key.type_and_blob}\n")

        def edit(config):
            config["upstream"]["known_hosts"] = str(known_hosts)
            config["targets"].append({"name": "sha1-only", "address": f"127.0.0.1:{target.port}",
                                      "labels": {"env": "prod", "kind": "db"}})
        gate = new_gate(world, tmp_path / "gate", edit=edit)
        gate.start()
        try:
            r = gate_client(world, gate, "alice").ssh("root@sha1-only", "echo reached", timeout=30)
            assert r.returncode != 0 and "reached" not in r.stdout, r
            assert "holdgate: " in r.stderr, r
        finally:
            gate.stop()
    finally:
        target.stop()
