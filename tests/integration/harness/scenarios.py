"""Config variants shared by the access-request tests.

The standard world gives bob (dev) the right to request role dba, which needs two approvals;
ivan reviews dba requests. These variants make alice a dba reviewer too, so the seed
scenario's two reviewers exist, and shorten times where a test needs to see them pass.
"""
from __future__ import annotations


def reviewers_world(config: dict, *, ttl: str = "1h", max_duration: str | None = None) -> None:
    for user in config["users"]:
        if user["name"] == "alice":
            user["roles"] = ["dba", "dba-reviewer"]
    for role in config["roles"]:
        if role["name"] == "dev":
            role["request"]["ttl"] = ttl
        if role["name"] == "dba" and max_duration:
            role["max_duration"] = max_duration


def with_reviewers(**kwargs):
    """An `edit` for make_gate()."""
    return lambda config: reviewers_world(config, **kwargs)
