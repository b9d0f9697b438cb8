#!/usr/bin/python3
"""Fixture hook for the Juju emulator tests: one Python script for every hook (via symlinks)."""

import json
import os
import subprocess
import sys


def tool(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def main():
    hook = os.path.basename(sys.argv[0])
    env = os.environ
    tool("juju-log", f"hook={hook} remote={env.get('JUJU_REMOTE_UNIT', '')}")
    if hook in ("website-relation-changed", "website-relation-departed"):
        rid = env["JUJU_RELATION_ID"]
        backends = []
        for unit in json.loads(tool("relation-list", "--format=json")):
            data = json.loads(tool("relation-get", "--format=json", "-r", rid, "-", unit))
            if "port" in data:
                backends.append(f"{data['hostname']}:{data['port']}")
        app = json.loads(
            tool("relation-get", "--format=json", "-r", rid, "--app", "-", env["JUJU_REMOTE_APP"])
        )
        tool("relation-set", "-r", rid, "backends=" + ",".join(sorted(backends)))
        tool(
            "status-set", "active", f"{len(backends)} backends, service {app.get('service', '-')}"
        )
    elif hook == "website-relation-broken":
        tool("status-set", "blocked", "no website")
    fail = json.loads(tool("config-get", "--format=json", "fail-hook"))
    if fail == hook:
        print(f"failing {hook} on purpose", file=sys.stderr)
        sys.exit(1)


main()
