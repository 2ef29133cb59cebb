#!/usr/bin/python3
"""holdgate side by side with OpenSSH: throughput, connection setup, keystroke latency, memory.

    /usr/bin/python3 bench/compare.py                 # 1 GiB transfers, 3 repetitions, minutes
    /usr/bin/python3 bench/compare.py --quick         # 32 MiB, 1 repetition: CI smoke test, < 60 s
    /usr/bin/python3 bench/compare.py --json cmp.json
    /usr/bin/python3 bench/compare.py --recording-only --size 64   # recording on vs off only

Four paths to the same target sshd (the integration-test world's db-1, 127.0.0.1 only), all
driven by the real OpenSSH client:

    direct         ssh root@target                        (no bastion)
    openssh-jump   ssh -J root@target root@target         (sshd itself as the jump host)
    holdgate       ssh -l root@db-1 holdgate              (alice, allowed root@db-1)
    holdgate-jump  ssh root@db-1 with ProxyJump holdgate

The paths are interleaved (round-robin within each repetition), so drift on a noisy machine
hits them all alike. Numbers are printed, never asserted: exit 0 when the run completed, 1
when something broke (a transfer failed, a phase ran out of time), 2 when the world could not
be set up, 130 when interrupted. Held sessions are bench/held_sessions.py's job, not this one's.
"""
from __future__ import annotations

import argparse
import json
import os
import select
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from held_sessions import (  # noqa: E402  (it also puts tests/integration on sys.path)
    Budget, cpu_seconds, log_lines, log_summary, proc_status_kib, raise_fd_limit,
    run_in_work_dir, show_log_tails, start_world)

from bench_client import (  # noqa: E402
    CHUNK, CIPHERS, PATHS, BenchFailure, kill_children, negotiated, reap, read_until, spawn,
    ssh_argv, stderr_of, write_configs)
from harness.holdgate import Holdgate, require_bin  # noqa: E402
from harness.world import World, new_gate  # noqa: E402

# -- 1. bulk throughput --------------------------------------------------------------------------

def transfer(config: Path, path: str, direction: str, size: int, timeout: float,
             gate_pid: int) -> dict:
    """One transfer of `size` bytes. The remote command prints a marker first, so the data phase
    (marker to end) is timed apart from the login: MB/s is over the data phase only, and so is
    holdgate's CPU time (only meaningful on the holdgate paths)."""
    started = time.monotonic()
    deadline = started + timeout
    options, ready = (), b"READY\n"
    if direction == "down":
        command = f"echo READY; head -c {size} /dev/zero"
    elif direction == "tty":
        # A terminal session's output, as a person's `cat` of a big log would make it: printable
        # text through a pty (no newlines, so the pty adds no \r and the count stays exact).
        command = f"echo READY; head -c {size} /dev/zero | tr '\\0' x"
        options, ready = ("-tt",), b"READY\r\n"
    else:
        command = "echo READY; cat > /dev/null; echo DONE"
    proc = spawn(ssh_argv(config, path, command, *options), stdin=subprocess.PIPE,
                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out = proc.stdout.fileno()
        extra = read_until(out, ready, deadline).split(ready, 1)[1]
        t0, cpu0 = time.monotonic(), cpu_seconds(gate_pid)
        if direction in ("down", "tty"):
            received = len(extra)
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([out], [], [], left)[0]:
                    raise BenchFailure(f"{path} down stalled after {received} bytes")
                data = os.read(out, CHUNK)
                if not data:
                    break
                received += len(data)
            t1 = time.monotonic()
            if received != size:
                raise BenchFailure(f"{path} down: got {received} of {size} bytes")
        else:
            buf = bytes(CHUNK)
            sent = 0
            fd = proc.stdin.fileno()
            while sent < size:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([], [fd], [], left)[1]:
                    raise BenchFailure(f"{path} up stalled after {sent} bytes")
                sent += os.write(fd, buf[:min(CHUNK, size - sent)])
            proc.stdin.close()
            read_until(out, b"DONE\n", deadline)
            t1 = time.monotonic()
        code = reap(proc, max(1.0, deadline - time.monotonic()))
        if code != 0:
            raise BenchFailure(f"{path} {direction}: ssh exited {code}: {stderr_of(proc)}")
        return {"mbps": size / (t1 - t0) / 1e6, "data_s": t1 - t0, "total_s": t1 - started,
                "gate_cpu_s_per_gib": (cpu_seconds(gate_pid) - cpu0) * (1 << 30) / size}
    except BaseException as err:
        if proc.poll() is None:
            proc.kill()
        if isinstance(err, BenchFailure):
            err.args = (f"{err} [{stderr_of(proc)}]",)
        reap(proc)
        raise


class RssSampler(threading.Thread):
    """holdgate's VmRSS every 20 ms while active; the peak."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stopping = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(0.02):
            try:
                self.peak = max(self.peak, proc_status_kib(self.pid, "VmRSS"))
            except Exception:  # noqa: BLE001 (holdgate gone: reported elsewhere)
                return


def throughput(configs, size, reps, budget, gate_pid) -> tuple[dict, dict]:
    timeout = max(60.0, size / 5e6)  # at worst 5 MB/s
    samples: dict[str, list] = {}
    rss_before = proc_status_kib(gate_pid, "VmRSS")
    try:  # reset holdgate's VmHWM, so it is the peak of this phase only (root may)
        Path(f"/proc/{gate_pid}/clear_refs").write_text("5")
    except OSError:
        pass
    sampler = RssSampler(gate_pid)
    sampler.start()
    try:
        for rep in range(reps):
            for cipher in CIPHERS:
                for direction in ("down", "up"):
                    for path in PATHS:
                        t = transfer(configs[cipher], path, direction, size,
                                     budget.left(timeout), gate_pid)
                        samples.setdefault(f"{path}|{cipher}|{direction}", []).append(t)
                        print(f"  rep {rep + 1} {cipher.split('@')[0]:<17} {direction:<4} "
                              f"{path:<14} {t['mbps']:8.1f} MB/s  (login+data {t['total_s']:.2f} s)",
                              flush=True)
    finally:
        sampler.stopping.set()
        sampler.join()
    results = {key: {"mbps": statistics.median(s["mbps"] for s in v),
                     "mbps_all": [round(s["mbps"], 1) for s in v],
                     "gate_cpu_s_per_gib": statistics.median(s["gate_cpu_s_per_gib"] for s in v)}
               for key, v in samples.items()}
    rss = {"before_kib": rss_before, "sampled_peak_kib": sampler.peak,
           "vmhwm_kib": proc_status_kib(gate_pid, "VmHWM"),
           "after_kib": proc_status_kib(gate_pid, "VmRSS"), "transfer_bytes": size}
    return results, rss


# -- 6. recording on/off ------------------------------------------------------------------------

def recording_on_off(world: World, root: Path, args, budget: Budget) -> dict:
    """The holdgate path through three more holdgates, interleaved: recording off (`mode:
    none`), as configured by default (`mode: pty`: a terminal's output in full as asciicast, an
    exec's command line, exit status and byte counts), and `mode: all` (every byte of exec
    sessions too, into a .stream file: the most recording can cost). Downloads and uploads are
    exec sessions, tty a terminal's output. The issue asks for recording on within 10% of off."""
    timeout = max(60.0, args.size / 5e6)
    limits = {"per_source_max_startups": "none", "shutdown_grace": "2s"}
    gates, samples = {}, {}
    try:
        for name, mode in (("off", "none"), ("on", "pty"), ("all", "all")):
            gate = new_gate(world, root / f"gate-recording-{name}", limits=limits,
                            edit=lambda c, m=mode: c.update(recording={"mode": m})).start()
            (root / f"recording-{name}").mkdir(exist_ok=True)
            gates[name] = (gate, write_configs(world, gate, root / f"recording-{name}", args.kex))
        for rep in range(args.reps):
            for direction in ("down", "up", "tty"):
                for name, (gate, configs) in gates.items():
                    before = recorded_files(gate)
                    t = transfer(configs["default"], "holdgate", direction, args.size,
                                 budget.left(timeout), gate.proc.pid)
                    samples.setdefault(f"{name}|{direction}", []).append(t["mbps"])
                    samples.setdefault(f"{name}|{direction}|cpu", []).append(t["gate_cpu_s_per_gib"])
                    held = ""
                    # What each mode records in full: mode pty only a terminal's output, mode all
                    # an exec's output too; input is not recorded (input: false).
                    if (name, direction) in (("on", "tty"), ("all", "tty"), ("all", "down")):
                        # A recording that dropped bytes (its writer fell behind) would make
                        # "on" look cheaper than it is: say how much of the transfer it holds.
                        kept = recorded_share(gate, before, args.size, budget.left(30))
                        samples.setdefault(f"{name}|{direction}|kept", []).append(kept)
                        held = f"  recorded {kept:6.1%}"
                    print(f"  rep {rep + 1} {direction:<4} recording {name:<4} "
                          f"{t['mbps']:8.1f} MB/s  holdgate {t['gate_cpu_s_per_gib']:.2f} CPU s/GiB"
                          f"{held}", flush=True)
    finally:
        for gate, _ in gates.values():
            gate.stop()
    return {key: statistics.median(v) for key, v in samples.items()}


def recorded_files(gate: Holdgate) -> dict[Path, int]:
    return {f: f.stat().st_size
            for f in (Path(gate.config["state_dir"]) / "recordings").glob("*.*")}


def recorded_share(gate: Holdgate, before: dict, size: int, timeout: float) -> float:
    """The bytes the transfer's new recording holds (frames' data and JSON text alike), as a
    share of the bytes transferred, once the session's end has closed the file: 1.0 or a little
    more when nothing was dropped."""
    deadline = time.monotonic() + timeout
    while True:
        new = {f: n for f, n in recorded_files(gate).items() if f not in before}
        stable = new and all(n == f.stat().st_size for f, n in new.items())
        if stable or time.monotonic() > deadline:
            return sum(new.values()) / size
        time.sleep(0.2)


def storage_latency(world: World, root: Path, args, budget: Budget) -> dict:
    """Keystroke echo of one `ssh -tt cat` session through holdgate while four other clients
    make login decisions (`ssh true`, each a few storage calls) in a loop: without injected
    storage latency and with `storage: {debug_latency: 50ms}`. Storage runs on holdgate's
    storage worker, so the echo must not get worse with the latency (issue 14, section 3)."""
    limits = {"per_source_max_startups": "none", "shutdown_grace": "2s"}
    out = {}
    for name, latency_text in (("0ms", "0ms"), ("50ms", "50ms")):
        gate = new_gate(world, root / f"gate-storage-{name}", limits=limits,
                        edit=lambda c, l=latency_text: c.update(storage={"debug_latency": l})).start()
        stop = threading.Event()
        decisions = []
        try:
            (root / f"storage-{name}").mkdir(exist_ok=True)
            config = write_configs(world, gate, root / f"storage-{name}", args.kex)["default"]

            def decide_in_a_loop():
                while not stop.is_set():
                    proc = spawn(ssh_argv(config, "holdgate", "true"), stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                    decisions.append(reap(proc, 30))

            proc = spawn(ssh_argv(config, "holdgate", "stty raw -echo; echo READY; exec cat", "-tt"),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            fd = proc.stdout.fileno()
            read_until(fd, b"READY", time.monotonic() + budget.left(30))
            time.sleep(0.2)
            while select.select([fd], [], [], 0)[0]:
                os.read(fd, 4096)
            loaders = [threading.Thread(target=decide_in_a_loop, daemon=True) for _ in range(4)]
            for t in loaders:
                t.start()
            time.sleep(1.0)  # the decisions are under way
            times = []
            for i in range(args.keystrokes):
                t0 = time.monotonic()
                os.write(proc.stdin.fileno(), b"x")
                if not select.select([fd], [], [], budget.left(10))[0]:
                    raise BenchFailure(f"storage {name}: no echo within 10 s (sample {i})")
                if os.read(fd, 16) != b"x":
                    raise BenchFailure(f"storage {name}: echoed something else than b'x'")
                times.append(time.monotonic() - t0)
                time.sleep(0.005)
            stop.set()
            for t in loaders:
                t.join(timeout=60)
            proc.kill()
            reap(proc)
            if any(code != 0 for code in decisions):
                raise BenchFailure(f"storage {name}: a login under load failed: {decisions}")
            out[name] = {"p50_ms": percentile(times, 50) * 1e3, "p99_ms": percentile(times, 99) * 1e3,
                         "n": len(times), "decisions": len(decisions)}
            print(f"  debug_latency {name:<4} echo p50 {out[name]['p50_ms']:6.2f} ms  p99 "
                  f"{out[name]['p99_ms']:6.2f} ms  ({len(decisions)} logins meanwhile)", flush=True)
        finally:
            stop.set()
            gate.stop()
    return out


# -- 2. connection setup -------------------------------------------------------------------------

def setup_times(config: Path, count: int, budget: Budget) -> dict:
    times: dict[str, list[float]] = {p: [] for p in PATHS}
    for _ in range(count):
        for path in PATHS:
            proc = spawn(ssh_argv(config, path, "true"), stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            t0 = time.monotonic()
            code = reap(proc, budget.left(30))
            elapsed = time.monotonic() - t0
            if code != 0:
                raise BenchFailure(f"{path}: ssh true exited {code}: {stderr_of(proc)}")
            times[path].append(elapsed)
    return {p: {"p50_ms": percentile(v, 50) * 1e3, "p90_ms": percentile(v, 90) * 1e3,
                "n": len(v)} for p, v in times.items()}


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


# -- 3. interactive latency ----------------------------------------------------------------------

def latency(config: Path, samples: int, budget: Budget) -> dict:
    """`ssh -tt` running `cat` in a raw, non-echoing remote pty: write one byte, time until cat's
    copy of it comes back. Paths take turns sample by sample (all four sessions stay open)."""
    procs = {}
    times: dict[str, list[float]] = {p: [] for p in PATHS}
    try:
        for path in PATHS:
            procs[path] = spawn(ssh_argv(config, path, "stty raw -echo; echo READY; exec cat",
                                         "-tt"),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        for path, proc in procs.items():
            read_until(proc.stdout.fileno(), b"READY", time.monotonic() + budget.left(20))
        time.sleep(0.2)  # let any trailing newline arrive before timing
        for proc in procs.values():
            fd = proc.stdout.fileno()
            while select.select([fd], [], [], 0)[0]:
                os.read(fd, 4096)
        for i in range(samples):
            for path, proc in procs.items():
                out = proc.stdout.fileno()
                t0 = time.monotonic()
                os.write(proc.stdin.fileno(), b"x")
                if not select.select([out], [], [], budget.left(10))[0]:
                    raise BenchFailure(f"{path}: no echo within 10 s (sample {i})")
                data = os.read(out, 16)
                times[path].append(time.monotonic() - t0)
                if data != b"x":
                    raise BenchFailure(f"{path}: echoed {data!r}, not b'x'")
            time.sleep(0.005)  # a fast typist, not a flood
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
            reap(proc)
    return {p: {"p50_ms": percentile(v, 50) * 1e3, "p99_ms": percentile(v, 99) * 1e3,
                "n": len(v)} for p, v in times.items()}


# -- 5. concurrent streams -------------------------------------------------------------------------

def concurrent(config: Path, sessions: int, size: int, budget: Budget, gate_pid: int) -> dict:
    """`sessions` downloads of `size` bytes at once per path (paths one after another, each
    starting after the previous finished): aggregate MB/s (all bytes / first start to last
    end, logins included) and each session's own MB/s (its login included). For the holdgate
    paths also holdgate's CPU time over the wall time: the share of one core its single event
    loop used (near 1.0 would mean one loop per core could help)."""
    results = {}
    for path in PATHS:
        procs = []
        t0, cpu0 = time.monotonic(), cpu_seconds(gate_pid)
        deadline = t0 + budget.left(max(60.0, sessions * size / 2e6))
        try:
            for _ in range(sessions):
                procs.append((spawn(ssh_argv(config, path, f"head -c {size} /dev/zero"),
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE), time.monotonic()))
            received = {p.stdout.fileno(): 0 for p, _ in procs}
            started = {p.stdout.fileno(): s for p, s in procs}
            finished: dict[int, float] = {}
            while len(finished) < len(procs):
                left = deadline - time.monotonic()
                open_fds = [fd for fd in received if fd not in finished]
                ready = select.select(open_fds, [], [], max(0, left))[0] if left > 0 else []
                if not ready:
                    raise BenchFailure(f"{path}: {len(open_fds)} of {sessions} concurrent "
                                       f"sessions unfinished at the deadline")
                for fd in ready:
                    data = os.read(fd, CHUNK)
                    if data:
                        received[fd] += len(data)
                    else:
                        finished[fd] = time.monotonic()
            end = max(finished.values())
            codes = [reap(p) for p, _ in procs]
            bad = [c for c in codes if c != 0]
            short = [n for n in received.values() if n != size]
            if bad or short:
                errors = sorted({stderr_of(p) for (p, _), c in zip(procs, codes) if c})
                raise BenchFailure(f"{path}: {len(bad)} of {sessions} concurrent sessions "
                                   f"exited non-zero, {len(short)} short of {size} bytes; "
                                   f"ssh said: {errors[:5]}")
            per = [size / (finished[fd] - started[fd]) / 1e6 for fd in received]
            results[path] = {"aggregate_mbps": sessions * size / (end - t0) / 1e6,
                             "min_mbps": min(per), "max_mbps": max(per),
                             "wall_s": end - t0,
                             "gate_core_share": (cpu_seconds(gate_pid) - cpu0) / (end - t0)}
            print(f"  {path:<14} {sessions} x {size >> 20} MiB: "
                  f"{results[path]['aggregate_mbps']:.1f} MB/s total", flush=True)
        finally:
            for p, _ in procs:
                if p.poll() is None:
                    p.kill()
                reap(p)
    return results


# -- report ---------------------------------------------------------------------------------------

def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "-"


def report(data: dict) -> str:
    out = []
    head = (f"{'':<34}" + "".join(f"{p:>14}" for p in PATHS)
            + f"{'hg/direct':>11}{'hg/ossh-j':>11}{'hgj/ossh-j':>11}")
    hdr_note = ("ratios: hg = holdgate, hgj = holdgate-jump, ossh-j = openssh-jump; "
                "holdgate-jump vs openssh-jump is the like-for-like pair")

    def row(name, values, fmt="{:.1f}"):
        cells = "".join(f"{fmt.format(values[p]):>14}" for p in PATHS)
        return (f"{name:<34}{cells}{ratio(values['holdgate'], values['direct']):>11}"
                f"{ratio(values['holdgate'], values['openssh-jump']):>11}"
                f"{ratio(values['holdgate-jump'], values['openssh-jump']):>11}")

    if any(k in data for k in ("throughput", "setup", "latency", "concurrent")):
        out.append(head)
    tp = data.get("throughput", {})
    if tp:
        out.append(f"throughput, MB/s (median of {data['reps']}, "
                   f"{data['size_bytes'] >> 20} MiB; ratio: higher is better)")
        for cipher in CIPHERS:
            for direction in ("down", "up"):
                vals = {p: tp[f"{p}|{cipher}|{direction}"]["mbps"] for p in PATHS}
                out.append(row(f"  {cipher.split('@')[0]} {direction}", vals))
        cpu = ", ".join(f"{cipher.split('@')[0].split('-')[0]} {direction} "
                        + "/".join(f"{tp[f'{p}|{cipher}|{direction}']['gate_cpu_s_per_gib']:.2f}"
                                   for p in ("holdgate", "holdgate-jump"))
                        for cipher in CIPHERS for direction in ("down", "up"))
        out.append(f"  holdgate CPU s per GiB relayed (holdgate/holdgate-jump): {cpu}")
    st = data.get("setup")
    if st:
        out.append(f"setup `ssh … true`, ms (n={st['direct']['n']}; ratio: lower is better)")
        out.append(row("  p50", {p: st[p]["p50_ms"] for p in PATHS}))
        out.append(row("  p90", {p: st[p]["p90_ms"] for p in PATHS}))
    lat = data.get("latency")
    if lat:
        out.append(f"keystroke echo, ms (n={lat['direct']['n']}; ratio: lower is better)")
        out.append(row("  p50", {p: lat[p]["p50_ms"] for p in PATHS}, "{:.2f}"))
        out.append(row("  p99", {p: lat[p]["p99_ms"] for p in PATHS}, "{:.2f}"))
    cc = data.get("concurrent")
    if cc:
        out.append(f"concurrent downloads, {data['concurrent_sessions']} x "
                   f"{data['concurrent_bytes'] >> 20} MiB, MB/s (ratio: higher is better)")
        out.append(row("  aggregate", {p: cc[p]["aggregate_mbps"] for p in PATHS}))
        out.append(row("  slowest session", {p: cc[p]["min_mbps"] for p in PATHS}))
        out.append(row("  fastest session", {p: cc[p]["max_mbps"] for p in PATHS}))
        out.append("  holdgate's share of one core meanwhile: " + ", ".join(
            f"{p} {cc[p]['gate_core_share']:.2f}" for p in ("holdgate", "holdgate-jump")))
    rec = data.get("recording")
    if rec:
        out.append(f"recording, holdgate path, default cipher, MB/s (median of {data['reps']}, "
                   f"{data['size_bytes'] >> 20} MiB; off = mode none, on = mode pty (the default:"
                   f" a terminal in full, exec metadata), all = mode all (exec output in full too);"
                   f" holdgate's CPU s/GiB; how much of the transfer its recording holds)")
        for direction in ("down", "up", "tty"):
            off = rec[f"off|{direction}"]
            line = f"  {direction:<4} off {off:7.1f}"
            for name in ("on", "all"):
                if f"{name}|{direction}" not in rec:
                    continue
                value = rec[f"{name}|{direction}"]
                line += f"   {name} {value:7.1f} ({name}/off {ratio(value, off)})"
            cpu = "/".join(f"{rec[f'{n}|{direction}|cpu']:.2f}" for n in ("off", "on", "all")
                           if f"{n}|{direction}|cpu" in rec)
            kept = ", ".join(f"{n} {rec[f'{n}|{direction}|kept']:.1%}" for n in ("on", "all")
                             if f"{n}|{direction}|kept" in rec)
            out.append(f"{line}   CPU off/on/all {cpu}" + (f"   recorded {kept}" if kept else ""))
    storage = data.get("storage_latency")
    if storage:
        out.append("keystroke echo of one session while 4 clients log in in a loop, ms "
                   "(storage debug_latency 0 vs 50ms)")
        for key in ("p50_ms", "p99_ms"):
            out.append(f"  {key[:3]}  0ms {storage['0ms'][key]:8.2f}   50ms {storage['50ms'][key]:8.2f}")
    rss = data.get("holdgate_rss")
    if rss:
        out.append(f"holdgate RSS during the {rss['transfer_bytes'] >> 20} MiB transfers: "
                   f"before {rss['before_kib'] / 1024:.1f} MiB, peak (VmHWM) "
                   f"{rss['vmhwm_kib'] / 1024:.1f} MiB, sampled peak "
                   f"{rss['sampled_peak_kib'] / 1024:.1f} MiB, after {rss['after_kib'] / 1024:.1f} MiB")
    out.append(f"({hdr_note})")
    return "\n".join(out)


# -- main -------------------------------------------------------------------------------------------

def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 32 MiB, 1 rep, 5 setups, 20 keystrokes, 10 streams")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the values here")
    parser.add_argument("--size", type=int, metavar="MIB", help="transfer size (default 1024)")
    parser.add_argument("--reps", type=int, help="throughput repetitions (default 3)")
    parser.add_argument("--setups", type=int, help="`ssh true` per path (default 30)")
    parser.add_argument("--keystrokes", type=int, help="latency samples per path (default 200)")
    parser.add_argument("--sessions", type=int,
                        help="concurrent streams per path (default 100; 0 skips)")
    parser.add_argument("--stream-size", type=int, metavar="MIB",
                        help="bytes per concurrent stream (default 16 MiB, quick 4 MiB)")
    parser.add_argument("--time-limit", type=float, metavar="S",
                        help="bound on the whole run (default 1800 s, --quick 55 s)")
    parser.add_argument("--holdgate", metavar="PATH",
                        help="the binary (default: $HOLDGATE_BIN, else build/proxy/holdgate)")
    parser.add_argument("--kex", metavar="ALGS",
                        help="client KexAlgorithms for every hop, e.g. curve25519-sha256 "
                             "(default: OpenSSH's own list; sshd then picks sntrup761x25519, "
                             "which costs ~80 ms of CPU per login here)")
    parser.add_argument("--held", type=int, metavar="N",
                        help="then held_sessions.py with N held sessions, in a world of its own "
                             "(default 1000, quick 50; 0 skips)")
    parser.add_argument("--recording-only", action="store_true",
                        help="only 6. recording on/off (no other phase, no held sessions)")
    parser.add_argument("--storage-only", action="store_true",
                        help="only 7. keystroke echo while others make decisions, storage "
                             "debug_latency 0 vs 50ms (no other phase, no held sessions)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    a = parser.parse_args(argv)
    q = a.quick
    a.size = (a.size or (32 if q else 1024)) << 20
    a.reps = a.reps or (1 if q else 3)
    a.setups = a.setups or (5 if q else 30)
    a.keystrokes = a.keystrokes or (20 if q else 200)
    a.sessions = (10 if q else 100) if a.sessions is None else a.sessions
    a.stream_size = (a.stream_size or (4 if q else 16)) << 20
    a.held = (50 if q else 1000) if a.held is None else a.held
    a.time_limit = a.time_limit or (55.0 if q else 1800.0)
    if a.holdgate:
        os.environ["HOLDGATE_BIN"] = str(Path(a.holdgate).resolve())
    return a


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def run(args, root: Path) -> int:
    budget = Budget(args.time_limit)
    world = gate = None
    skip = 0
    data: dict = {"size_bytes": args.size, "reps": args.reps}
    try:
        world = start_world(root, max(args.sessions * 2, 100))
        # Every connection comes from 127.0.0.1: no per-source cap (see bench/README.md).
        limits = {"max_startups": max(2000, 4 * args.sessions), "per_source_max_startups": "none",
                  "shutdown_grace": "2s"}
        # One phase on its own (--recording-only, --storage-only).
        for only, title, key, phase in (
                (args.recording_only, "6. recording on/off", "recording", recording_on_off),
                (args.storage_only, "7. keystroke echo while others make decisions", "storage_latency",
                 storage_latency)):
            if only:
                print(title, flush=True)
                data[key] = phase(world, root, args, budget)
                print()
                print(report(data))
                return 0
        gate = new_gate(world, root / "gate", limits=limits).start()
        configs = write_configs(world, gate, root, args.kex)
        data["kex"] = args.kex or "client default"
        data["kex_negotiated"] = negotiated(configs["default"], budget)
        print("key exchange negotiated: " + ", ".join(
            f"{p} {'/'.join(k)}" for p, k in data["kex_negotiated"].items()), flush=True)
        print(f"holdgate {gate.proc.pid} on 127.0.0.1:{gate.port}, target sshd on "
              f"127.0.0.1:{world.target.port}; {os.cpu_count()} cores", flush=True)
        time.sleep(0.3)
        skip = len(log_lines(gate))
        for path in PATHS:  # each path works at all, before timing anything
            proc = spawn(ssh_argv(configs["default"], path, "whoami"), stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            code = reap(proc, budget.left(30))
            if code != 0:
                raise BenchFailure(f"{path}: `ssh whoami` exited {code}: {stderr_of(proc)}")
        print("1. throughput", flush=True)
        data["throughput"], data["holdgate_rss"] = throughput(
            configs, args.size, args.reps, budget, gate.proc.pid)
        print("2. connection setup", flush=True)
        data["setup"] = setup_times(configs["default"], args.setups, budget)
        print("3. keystroke latency", flush=True)
        data["latency"] = latency(configs["default"], args.keystrokes, budget)
        if args.sessions > 0:
            print("5. concurrent streams", flush=True)
            data["concurrent_sessions"], data["concurrent_bytes"] = args.sessions, args.stream_size
            data["concurrent"] = concurrent(configs["default"], args.sessions, args.stream_size,
                                            budget, gate.proc.pid)
        print("6. recording on/off", flush=True)
        data["recording"] = recording_on_off(world, root, args, budget)
        print("7. keystroke echo while others make decisions", flush=True)
        data["storage_latency"] = storage_latency(world, root, args, budget)
        # The last clients exit as soon as they have their data; holdgate logs those sessions'
        # ends a moment later. Wait for them (bounded), so a session that never ends shows.
        summary = log_summary(gate, skip)
        ends_by = time.monotonic() + 5
        while (summary["events"].get("session-end", 0) < summary["events"].get("session-start", 0)
               and time.monotonic() < ends_by):
            time.sleep(0.1)
            summary = log_summary(gate, skip)
        data["holdgate_log"] = summary
        print()
        print(report(data))
        events = ", ".join(f"{k} {v}" for k, v in sorted(summary["events"].items()))
        print(f"\nholdgate log: {events}")
        for title, lines in (("trouble", summary["trouble"]), ("non-event lines", summary["other"])):
            if lines:
                print(f"holdgate log, {title} ({len(lines)}):\n  " + "\n  ".join(lines[:10]))
        if args.json:
            args.json.write_text(json.dumps(data, indent=2) + "\n")
            print(f"wrote {args.json}")
        return 0
    except BenchFailure as err:
        print(f"\ncompare: FAILED: {err}", file=sys.stderr)
        if any(k in data for k in ("throughput", "setup", "latency")):
            print("\nwhat was measured before that:\n" + report(data))
            if args.json:
                data["failure"] = str(err)
                args.json.write_text(json.dumps(data, indent=2) + "\n")
                print(f"wrote {args.json} (partial)")
        if gate is not None:
            print(f"holdgate alive: {gate.alive()}", file=sys.stderr)
        show_log_tails()
        return 1
    finally:
        kill_children()
        if gate is not None:
            gate.stop()
        if world is not None:
            world.stop()


def held_phase(args: argparse.Namespace, root: Path) -> int:
    """4. held sessions: held_sessions.py as it is (its own world: a target sshd that takes
    N logins at once, and reviewers), so this one command covers every measurement. Its
    values join this run's JSON under "held"."""
    import held_sessions
    print(f"\n4. held sessions ({args.held}; bench/held_sessions.py)", flush=True)
    held_json = root / "held.json"
    argv = ["--sessions", str(args.held), "--json", str(held_json)]
    if args.quick:
        argv += ["--time-limit", "60"]  # held_sessions' own --quick would fix N at 50
    code = held_sessions.main(argv)
    if args.json and held_json.exists():
        data = json.loads(args.json.read_text()) if args.json.exists() else {}
        data["held"] = json.loads(held_json.read_text())
        args.json.write_text(json.dumps(data, indent=2) + "\n")
    return code


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        require_bin()
    except FileNotFoundError as err:
        print(f"compare: {err}", file=sys.stderr)
        return 2
    raise_fd_limit()
    started = time.monotonic()

    def body(root: Path) -> int:
        code = run(args, root)
        held = code == 0 and args.held > 0 and not args.recording_only and not args.storage_only
        return held_phase(args, root) if held else code

    def finish() -> None:
        kill_children()
        print(f"({time.monotonic() - started:.1f} s)", file=sys.stderr)

    return run_in_work_dir("compare", "holdgate-compare-", args.keep, body, finish)


if __name__ == "__main__":
    sys.exit(main())
