"""holdgate's YAML config, built as plain dicts so tests can tweak any part of it.

`standard_config()` is the world every test assumes (see the module docstring of conftest.py);
`to_yaml()` writes it in block style, one key per line, so error positions in a deliberately
broken file are easy to predict.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

from .keys import Key


def standard_config(*, listen_port: int, state_dir: Path, upstream_identity: Path | None,
                    known_hosts: Path | None, target_port: int, dead_port: int,
                    people: dict[str, Key], limits: dict | None = None) -> dict:
    """The reference policy:

    - alice (role dba) may log in as root on every `kind: db` target, so on db-1;
    - bob (role dev) may only log in as ubuntu on staging, so root@db-1 is denied;
    - ivan reviews dba requests; mallory has a key but is not in the config at all.

    Targets: db-1 is the sshd; dead-1 points at a closed port; unknown-key-1 is the same sshd
    reached as "localhost", which has no known_hosts line.
    """
    config: dict = {
        "listen": f"127.0.0.1:{listen_port}",
        "state_dir": str(state_dir),
    }
    upstream = {}
    if upstream_identity is not None:
        upstream["identity"] = str(upstream_identity)
    if known_hosts is not None:
        upstream["known_hosts"] = str(known_hosts)
    if upstream:
        config["upstream"] = upstream
    db = {"env": "prod", "kind": "db"}
    config["targets"] = [
        {"name": "db-1", "address": f"127.0.0.1:{target_port}", "labels": dict(db)},
        {"name": "dead-1", "address": f"127.0.0.1:{dead_port}", "labels": dict(db)},
        {"name": "unknown-key-1", "address": f"localhost:{target_port}", "labels": dict(db)},
    ]
    roles_of = {"bob": ["dev"], "alice": ["dba"], "ivan": ["dba-reviewer"]}
    config["users"] = [{"name": name, "keys": [people[name].public_line], "roles": roles}
                       for name, roles in roles_of.items() if name in people]
    config["roles"] = [
        {"name": "dev",
         "allow": [{"logins": ["ubuntu"], "targets": {"env": "staging"}}],
         "request": {"roles": ["dba"], "reviewers": ["alice", "ivan"], "approve": 2}},
        {"name": "dba",
         "allow": [{"logins": ["root"], "targets": {"kind": "db"}}]},
        {"name": "dba-reviewer",
         "review": {"roles": ["dba"]}},
    ]
    if limits:
        config["limits"] = dict(limits)
    return config


def tweaked(config: dict, **top_level) -> dict:
    """A deep copy of `config` with some top-level keys replaced (None removes the key)."""
    result = copy.deepcopy(config)
    for key, value in top_level.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def _scalar(value) -> str:
    """Scalars as JSON, which YAML reads back unchanged; plain words stay unquoted."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return json.dumps(value)
    text = str(value)
    if text and all(c.isalnum() or c in "-_./" for c in text) and not text[0].isdigit() \
            and text.lower() not in ("true", "false", "null", "yes", "no", "on", "off", "y", "n"):
        return text
    return json.dumps(text)


def _is_flat_list(value) -> bool:
    return isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value)


def _is_flat_dict(value) -> bool:
    return isinstance(value, dict) and all(not isinstance(v, (dict, list)) for v in value.values())


def _flow_dict(value: dict) -> str:
    return "{" + ", ".join(f"{k}: {_scalar(v)}" for k, v in value.items()) + "}"


def _emit(value, indent: int, out: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            if _is_flat_list(item):
                out.append(f"{pad}{key}: [{', '.join(_scalar(v) for v in item)}]")
            elif _is_flat_dict(item) and len(_flow_dict(item)) <= 40:
                out.append(f"{pad}{key}: {_flow_dict(item)}")
            elif isinstance(item, (dict, list)):
                out.append(f"{pad}{key}:")
                _emit(item, indent + 2, out)
            else:
                out.append(f"{pad}{key}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item:
                lines: list[str] = []
                _emit(item, indent + 2, lines)
                lines[0] = f"{pad}- " + lines[0][indent + 2:]
                out.extend(lines)
            else:
                out.append(f"{pad}- {_scalar(item)}")
    else:
        out.append(f"{pad}{_scalar(value)}")


def to_yaml(config: dict) -> str:
    """Block-style YAML; lists of scalars and short flat maps in flow style ([a], {k: v})."""
    out: list[str] = []
    _emit(config, 0, out)
    return "\n".join(out) + "\n"


def write_config(path: Path, config: dict) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_yaml(config))
    return path
