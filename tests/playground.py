#!/usr/bin/python3
"""A holdgate to play with by hand: a throwaway sshd as target db-1, demo people bob, alice and
ivan with keys, the standard policy (alice may be root on db-1; bob may not, but may request
role dba, which alice and ivan review, two approvals needed), and
`holdgate serve` on 127.0.0.1:2222 in the foreground, its log streaming to this terminal.

    /usr/bin/python3 tests/playground.py [--port 2222]

Everything lives in ./playground/ at the top of the repo (gitignored); keys and holdgate's
state are kept between runs. Ctrl-C stops holdgate and the target.
Uses the integration-test harness (tests/integration/harness), so it behaves like the tests.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "integration"))

from harness.client import ssh_config_entry  # noqa: E402
from harness.holdgate import require_bin  # noqa: E402
from harness.scenarios import with_reviewers  # noqa: E402
from harness.world import make_world, new_gate  # noqa: E402

PEOPLE = ("bob", "alice", "ivan")


def write_people_ssh_config(path: Path, world, gate) -> None:
    """One Host block per person, "holdgate-as-NAME", each with that person's key."""
    path.write_text("\n".join(
        ssh_config_entry(alias=f"holdgate-as-{name}", port=gate.port,
                         identity=world.people[name].path, known_hosts=gate.known_hosts,
                         log_level="INFO", batch_mode=False)
        for name in PEOPLE))


def print_instructions(ssh_config: Path, world, gate) -> None:
    cfg = os.path.relpath(ssh_config)
    ssh = f"ssh -F {cfg}"
    print(f"""
holdgate playground: holdgate on 127.0.0.1:{gate.port}, target db-1 = sshd on 127.0.0.1:\
{world.target.port}
config {os.path.relpath(gate.config_path)}; target log {os.path.relpath(world.target.log)}

Try (in another terminal, from {os.getcwd()}):
  {ssh} root@db-1@holdgate-as-alice whoami          # alice, role dba: allowed
  {ssh} -t root@db-1@holdgate-as-alice              # interactive shell
  scp -F {cfg} /etc/hostname root@db-1@holdgate-as-alice:/tmp/

  {ssh} -t root@db-1@holdgate-as-bob                # bob, role dev: denied, asks for a reason
                                                    # and waits, live, for two approvals:
  {ssh} approvals@holdgate-as-alice                 # alice's menu: open bob's request, press a
  {ssh} approvals@holdgate-as-ivan request list     # or by command:
  {ssh} approvals@holdgate-as-ivan request review --approve ID
                                                    # ... and bob's waiting shell opens on db-1
  {ssh} root@db-1@holdgate-as-bob whoami            # later logins reuse the grant until it ends
  {ssh} approvals@holdgate-as-alice web login       # a one-time sign-in link for the reviewer
                                                    # web page on http://127.0.0.1:{gate.port + 1}
  {ssh} approvals@holdgate-as-bob history           # the audit trail
  {ssh} approvals@holdgate-as-ivan session list     # bob's sessions (recorded by default)
  {ssh} -t approvals@holdgate-as-ivan session watch ID   # bob's live shell, read-only
  {ssh} -t approvals@holdgate-as-ivan session play ID    # or replay a finished one
  {ssh} root@db-9@holdgate-as-alice true            # no such target
  {ssh} root@dead-1@holdgate-as-alice true          # target unreachable
  {ssh} root@unknown-key-1@holdgate-as-alice true   # target host key not in known_hosts
  (same with "-l root@db-1 holdgate-as-alice" instead of "root@db-1@holdgate-as-alice")

Ctrl-C stops everything. holdgate's log follows.
""", flush=True)


def _interrupt(*_) -> None:
    """SIGTERM (e.g. from `timeout` or `kill`) cleans up just like Ctrl-C."""
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=2222, help="holdgate's port (default 2222)")
    args = parser.parse_args()
    require_bin()  # fail before starting anything

    signal.signal(signal.SIGTERM, _interrupt)
    root = REPO / "playground"
    world = make_world(root, people=PEOPLE)
    gate = None
    try:
        reviewers = with_reviewers()

        def edit(config: dict) -> None:
            reviewers(config)
            # The reviewer web page, plain HTTP on loopback (as behind a reverse proxy).
            config["web"] = {"listen": f"127.0.0.1:{args.port + 1}"}

        gate = new_gate(world, root, port=args.port, log_to_file=False, edit=edit)
        ssh_config = root / "ssh_config"
        write_people_ssh_config(ssh_config, world, gate)
        print_instructions(ssh_config, world, gate)
        gate.start()
        code = gate.proc.wait()
        print(f"\nholdgate exited with code {code}", file=sys.stderr)
        return code
    except KeyboardInterrupt:
        print("\nstopping ...", file=sys.stderr)
        return 0
    finally:
        if gate is not None:
            gate.stop()
        world.stop()


if __name__ == "__main__":
    sys.exit(main())
