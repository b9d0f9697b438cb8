"""The tools about what was deployed with the unit: resources, storage, goal state, credentials.

Flags, outputs and error texts follow juju/juju ``worker/uniter/runner/jujuc/``:
``resource-get.go`` (prints the path with no newline; ``missing required resource name``;
failures annotated ``could not download resource``), ``storage-get.go`` and
``storage-list.go`` (``no storage instance specified``, ``invalid storage ID "x"``,
``invalid storage attribute "x"``), ``goal-state.go`` (``--format yaml|json``, default
yaml; ``units`` then ``relations``, each entry ``status`` then ``since``, a time as
``2006-01-02 15:04:05Z``) and ``credential-get.go`` (``cannot access cloud credentials``;
the controller answers ``permission denied`` to an application not deployed with
``--trust``, the ops security-event survey's text). The goal state follows the uniter facade:
the unit's own application's units, then per local endpoint of each non-peer relation the
remote application (the relation's status) and its units; subordinate units of another
principal are left out.
"""

from __future__ import annotations

import re
import shutil
import time
from typing import Any

from reactive_harness.state import UnitState
from reactive_harness.tools.base import (
    FORMAT_FLAGS,
    Flag,
    Reply,
    ToolError,
    check_empty,
    parse_args,
    write_output,
)
from reactive_harness.tools.session import HookSession

__all__ = ["credential_get", "goal_state", "resource_get", "storage_get", "storage_list"]

# github.com/juju/names: storage ids are "<storage name>/<number>".
_STORAGE_ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*/[0-9]+$")


def resource_get(ctx: HookSession, args: list[str], cwd: str, stdin: bytes) -> Reply:
    """Run ``resource-get <name>``: copy the resource into the unit, print its path."""
    _, rest = parse_args((), args)
    if not rest:
        raise ToolError("missing required resource name", 2)
    name = rest[0]
    check_empty(rest[1:])
    unit, app = ctx.unit, ctx.app
    source = app.resources.get(name)
    if source is None:
        # What the controller's resource endpoint answers, through the uniter's HTTP client.
        raise ToolError(
            "could not download resource: HTTP request failed: Get "
            f"https://10.0.0.1:17070/model/{ctx.state.uuid}/units/unit-"
            f"{unit.name.replace('/', '-')}/resources/{name}: resource#{app.name}/{name} "
            "not found"
        )
    spec = app.charm.resources[name]
    target = unit.agent_dir / "resources" / name / (spec.filename or source.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return Reply(stdout=str(target).encode())


def _storage_flag(ctx: HookSession) -> Flag:
    def convert(text: str) -> str:
        if not _STORAGE_ID.match(text):
            raise ValueError(f'invalid storage ID "{text}"')
        if text not in ctx.unit.storage:
            raise ValueError(f'storage attachment "{text}" not found')
        return text

    default = ctx.pending.storage_id if ctx.action is None else None
    return Flag(("s",), "storage", default=default, convert=convert)


def storage_get(ctx: HookSession, args: list[str], cwd: str, stdin: bytes) -> Reply:
    """Run ``storage-get [-s <id>] [kind|location]`` (default: the storage hook's instance)."""
    opts, rest = parse_args((*FORMAT_FLAGS, _storage_flag(ctx)), args)
    if opts["storage"] is None:
        raise ToolError("no storage instance specified", 2)
    key = ""
    if rest:
        key = rest[0]
        check_empty(rest[1:])
    instance = ctx.state.storage[opts["storage"]]
    values = {"kind": instance.kind, "location": str(instance.location)}
    if not key:
        return write_output(opts, values, cwd)
    if key not in values:
        raise ToolError(f'invalid storage attribute "{key}"')
    return write_output(opts, values[key], cwd)


def storage_list(ctx: HookSession, args: list[str], cwd: str, stdin: bytes) -> Reply:
    """Run ``storage-list [<storage name>]``: the unit's storage instance ids."""
    opts, rest = parse_args(FORMAT_FLAGS, args)
    name = ""
    if rest:
        name = rest[0]
        check_empty(rest[1:])
    ids = [sid for sid in ctx.unit.storage if not name or sid.partition("/")[0] == name]
    return write_output(opts, sorted(ids, key=_storage_order), cwd)


def _storage_order(sid: str) -> tuple[str, int]:
    name, _, number = sid.partition("/")
    return name, int(number)


def _since(stamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(stamp))


def _unit_goal(unit: UnitState) -> dict[str, str]:
    status = "dying" if unit.dying else unit.status.status
    return {"status": status, "since": _since(unit.status_since)}


def _units_goal(ctx: HookSession, app: str) -> dict[str, dict[str, str]]:
    """The goal state of an application's units, as the calling unit may see them."""
    principal = ctx.unit.principal
    out = {}
    for unit in ctx.state.live_units(app):
        if unit.principal is not None and unit.principal != principal:
            continue  # a subordinate of another principal
        out[unit.name] = _unit_goal(unit)
    return dict(sorted(out.items()))


def goal_state(ctx: HookSession, args: list[str], cwd: str, stdin: bytes) -> Reply:
    """Run ``goal-state [--format yaml|json]``."""

    def check_format(value: str) -> str:
        if value not in ("json", "yaml"):
            raise ValueError(f'unknown format "{value}"')
        return value

    flags = (
        Flag(("format",), "format", default="yaml", convert=check_format),
        Flag(("o", "output"), "output", default=""),
    )
    opts, rest = parse_args(flags, args)
    check_empty(rest)
    state, unit = ctx.state, ctx.unit
    relations: dict[str, dict[str, Any]] = {}
    for rel in state.relations_of(unit.app):
        if rel.is_peer or not state.can_join(unit, rel):
            continue
        remote = rel.remote_app(unit.app)
        if rel.dying:
            status = "broken"
        else:
            status = "joined" if any(n.split("/")[0] == remote for n in rel.scope) else "joining"
        entries = {remote: {"status": status, "since": _since(rel.since)}}
        entries.update(_units_goal(ctx, remote))
        endpoint = rel.end_for(unit.app).name
        relations.setdefault(endpoint, {}).update(entries)
    result = {
        "units": _units_goal(ctx, unit.app),
        "relations": {
            key: dict(sorted(value.items())) for key, value in sorted(relations.items())
        },
    }
    return write_output(opts, result, cwd, sort_keys=False)


def credential_get(ctx: HookSession, args: list[str], cwd: str, stdin: bytes) -> Reply:
    """Run ``credential-get``: refused, as for an application deployed without ``--trust``."""
    _, rest = parse_args(FORMAT_FLAGS, args)
    check_empty(rest)
    raise ToolError("cannot access cloud credentials: permission denied")
