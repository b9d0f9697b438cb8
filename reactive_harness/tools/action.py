"""The action hook tools: ``action-get``, ``action-set``, ``action-fail``, ``action-log``.

Texts follow juju/juju ``worker/uniter/runner/jujuc/action-*.go``: outside an action every one
fails with ``not running an action``.
"""

from __future__ import annotations

import re
from typing import Any

from reactive_harness.tools.base import FORMAT_FLAGS, Reply, ToolError, parse_args, write_output
from reactive_harness.tools.relation import parse_key_values
from reactive_harness.tools.session import ActionState, HookSession

__all__ = ["action_fail", "action_get", "action_log", "action_set"]

_KEY = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
_RESERVED = ("stdout", "stdout-encoding", "stderr", "stderr-encoding")


def _action(ctx: HookSession) -> ActionState:
    if ctx.action is None:
        raise ToolError("not running an action")
    return ctx.action


def action_get(ctx: HookSession, args: list[str], cwd: str, stdin: bytes) -> Reply:
    """Run ``action-get [<key>[.<key>...]]``."""
    opts, rest = parse_args(FORMAT_FLAGS, args)
    action = _action(ctx)
    value: Any = action.params
    if rest:
        for part in rest[0].split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if len(rest) > 1:
            raise ToolError(f"unrecognized args: {rest[1:]}", 2)
    return write_output(opts, value, cwd)


def action_set(ctx: HookSession, args: list[str], cwd: str, stdin: bytes) -> Reply:
    """Run ``action-set <key>[.<key>...]=<value>...``."""
    _, rest = parse_args((), args)
    values = parse_key_values(rest)
    action = _action(ctx)
    for key, value in values.items():
        parts = key.split(".")
        for part in parts:
            if not _KEY.match(part):
                raise ToolError(
                    f'key "{part}" must start and end with lowercase alphanumeric, and '
                    "contain only lowercase alphanumeric, hyphens and periods",
                    2,
                )
        if parts[0] in _RESERVED:
            raise ToolError(f'cannot set reserved action key "{parts[0]}"', 2)
        target = action.results
        for part in parts[:-1]:
            nested = target.setdefault(part, {})
            if not isinstance(nested, dict):
                nested = target[part] = {}
            target = nested
        target[parts[-1]] = value
    return Reply()


def action_fail(ctx: HookSession, args: list[str], cwd: str, stdin: bytes) -> Reply:
    """Run ``action-fail ["<message>"]``: the action fails once its hook ends."""
    _, rest = parse_args((), args)
    action = _action(ctx)
    if len(rest) > 1:
        raise ToolError(f"unrecognized args: {rest[1:]}", 2)
    action.failed = (
        rest[0] if rest else "action failed without reason given, check action for errors"
    )
    return Reply()


def action_log(ctx: HookSession, args: list[str], cwd: str, stdin: bytes) -> Reply:
    """Run ``action-log <message>...``."""
    _, rest = parse_args((), args)
    action = _action(ctx)
    if not rest:
        raise ToolError("no message specified", 2)
    action.log.append(" ".join(rest))
    return Reply()
