"""SSH key pairs made with the real ssh-keygen, so keys are exactly what users would have."""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Key:
    """An ed25519 key pair on disk: `path` is the private key, `path.pub` the public one."""
    path: Path

    @property
    def pub_path(self) -> Path:
        return self.path.with_name(self.path.name + ".pub")

    @property
    def public_line(self) -> str:
        """The authorized_keys line: "ssh-ed25519 AAAA... comment"."""
        return self.pub_path.read_text().strip()

    @property
    def type_and_blob(self) -> str:
        """"ssh-ed25519 AAAA..." without the comment, as known_hosts lines want it."""
        return " ".join(self.public_line.split()[:2])

    def fingerprint(self) -> str:
        """"SHA256:..." as sshd logs it and ssh prints it."""
        out = subprocess.run(["ssh-keygen", "-l", "-E", "sha256", "-f", str(self.pub_path)],
                             capture_output=True, text=True, check=True, timeout=10).stdout
        return out.split()[1]


def generate_key(path: Path, comment: str) -> Key:
    """Create a passphrase-less ed25519 key pair at `path` (reusing one already there)."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment,
                        "-f", str(path)], check=True, timeout=30, stdin=subprocess.DEVNULL)
    return Key(path)


PEOPLE = ("bob", "alice", "ivan", "mallory")  # mallory is never put in holdgate's config


def generate_people(directory: Path, names=PEOPLE) -> dict[str, Key]:
    """One key pair per person, named after them (the comment is the name too)."""
    return {name: generate_key(Path(directory) / name, name) for name in names}
