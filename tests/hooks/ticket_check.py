#!/usr/bin/env python3
"""holdgate approval hook: an example of "your own approval logic" (see README, "Notifications
and approval hooks").

holdgate runs this program once per new access request, with the request as one JSON object on
stdin, and reads one JSON object back from stdout:

    {"decision": "approve" | "deny" | "none", "reason": "..."}

The rules here:
  1. Contractors (users with `traits: {team: contractor}`) must cite a ticket in their reason,
     "ticket #123" or a tracker key such as "OPS-42"; otherwise: deny.
  2. Roles that grant root (ROOT_ROLES) may only be requested from a registered key
     (REGISTERED_KEYS, SHA256 fingerprints as `ssh-keygen -lf KEY.pub` prints them); a request
     from any other key, or one whose key holdgate could not tell, is denied.
  3. Otherwise: none (the request goes to human reviewers as usual). This hook never approves.

Both lists can be kept next to this file instead of in it: ticket_check.json, e.g.
    {"root_roles": ["dba"], "registered_keys": ["SHA256:..."]}

Anything unexpected (bad input, a crash) makes the program exit non-zero, which holdgate treats
as "none" and logs.
"""
import json
import os
import re
import sys

ROOT_ROLES = ["dba"]
REGISTERED_KEYS = []

# Tracker keys ("OPS-42") are upper case by convention; only "ticket #N" ignores case.
TRACKER_KEY = re.compile(r"\b[A-Z][A-Z0-9]+-\d+\b")
TICKET_NUMBER = re.compile(r"\bticket\s*#\d+\b", re.IGNORECASE)


def settings():
    """ROOT_ROLES and REGISTERED_KEYS, overridden by ticket_check.json beside this file."""
    root_roles, keys = list(ROOT_ROLES), list(REGISTERED_KEYS)
    path = os.path.splitext(os.path.abspath(__file__))[0] + ".json"
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        root_roles = list(data.get("root_roles", root_roles))
        keys = list(data.get("registered_keys", keys))
    return root_roles, keys


def cites_ticket(reason):
    return bool(TICKET_NUMBER.search(reason) or TRACKER_KEY.search(reason))


def decide(request, root_roles, registered_keys):
    traits = request.get("traits") or {}
    reason = request.get("reason") or ""
    if traits.get("team") == "contractor" and not cites_ticket(reason):
        return "deny", "contractors must cite a ticket (e.g. 'ticket #123' or 'OPS-42') in the reason"
    root = sorted(set(request.get("roles") or []) & set(root_roles))
    if root:
        key = request.get("key_fingerprint")
        if not key:
            return "deny", f"{', '.join(root)} grants root: request it with a registered key " \
                           "(holdgate could not tell which key was used)"
        if key not in registered_keys:
            return "deny", f"{', '.join(root)} grants root: key {key} is not registered for it"
    return "none", ""


def main():
    request = json.load(sys.stdin)
    root_roles, registered_keys = settings()
    decision, reason = decide(request, root_roles, registered_keys)
    json.dump({"decision": decision, "reason": reason}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
