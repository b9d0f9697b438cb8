"""The relation tools: ``relation-get``, ``relation-set``, ``relation-ids``, ``relation-list``.

Behaviour, flags and error texts follow juju/juju ``worker/uniter/runner/jujuc/relation-*.go``
and their tests (``relation-get_test.go``: ``no relation id specified``,
``invalid value "burble:123" for option -r: relation not found``,
``no unit or application specified``, ``expected unit name, got application name "mysql"``,
``invalid unit name "unit//0"``). Access rules follow the controller: reading a bag outside the
relation, or a non-leader reading its own app bag on a non-peer relation, is
``permission denied``; a non-leader ``relation-set --app`` is ``cannot write relation settings``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

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

__all__ = [
    "APP_NAME",
    "parse_key_values",
    "relation_get",
    "relation_ids",
    "relation_list",
    "relation_set",
]

# github.com/juju/names: application and unit names.
_APP = r"[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*"
APP_NAME = re.compile(rf"^{_APP}$")
UNIT_NAME = re.compile(rf"^{_APP}/[0-9]+$")


def _relation_flag(ctx: HookSession) -> Flag:
    default = ctx.hook_relation_id if ctx.hook_relation_id is not None else -1
    return Flag(("r", "relation"), "rid", default=default, convert=ctx.relation_id_flag)


def _deprecated_format(name: str, options: dict[str, Any]) -> bytes:
    if options.get("format"):
        return f"--format flag deprecated for command {name!r}".replace("'", '"').encode()
    return b""


def parse_key_values(args: list[str]) -> dict[str, str]:
    """Parse ``key=value`` arguments as juju/utils ``keyvalues.Parse(args, true)``.

    Raises:
        ToolError: A malformed or repeated key (exit code 2).
    """
    out: dict[str, str] = {}
    for arg in args:
        key, eq, value = arg.partition("=")
        key, value = key.strip(), value.strip()
        if not eq:
            raise ToolError(f'expected "key=value", got "{arg}"', 2)
        if not key:
            raise ToolError(f'expected "key=value", got "{key}={value}"', 2)
        if key in out:
            raise ToolError(f'key "{key}" specified more than once', 2)
        out[key] = value
    return out


def relation_get(ctx: HookSession, args: list[str], cwd: str, stdin: bytes) -> Reply:
    """Run ``relation-get [-r ID] [--app] [<key>|- [<unit or app>]]``."""
    flags = (*FORMAT_FLAGS, _relation_flag(ctx), Flag(("app",), "app", boolean=True))
    opts, rest = parse_args(flags, args)
    if opts["rid"] == -1:
        raise ToolError("no relation id specified", 2)
    key = ""
    if rest:
        key = "" if rest[0] == "-" else rest[0]
        rest = rest[1:]
    app = bool(opts["app"])
    target = ""
    if rest:
        given, rest = rest[0], rest[1:]
        if app:
            if APP_NAME.match(given):
                target = given
            elif UNIT_NAME.match(given):
                target = given.split("/")[0]
            else:
                raise ToolError(f'invalid application name "{given}"', 2)
        elif APP_NAME.match(given):
            raise ToolError(f'expected unit name, got application name "{given}"', 2)
        elif not UNIT_NAME.match(given):
            raise ToolError(f'invalid unit name "{given}"', 2)
        else:
            target = given
    else:
        remote_unit = ctx.pending.remote_unit
        remote_app = ctx.env.get("JUJU_REMOTE_APP") or None
        if app:
            if remote_app is None:
                raise ToolError("no unit or application specified", 2)
            target = remote_app
        elif remote_unit is not None:
            target = remote_unit
        elif remote_app is not None:
            target, app = remote_app, True
        else:
            raise ToolError("no unit or application specified", 2)
    check_empty(rest)
    rid = int(opts["rid"])
    bag = ctx.read_app_bag(rid, target) if app else ctx.read_unit_bag(rid, target)
    value: Any = bag if key == "" else bag.get(key)
    return write_output(opts, value, cwd)


def _read_settings_file(path: str, cwd: str, stdin: bytes) -> dict[str, str]:
    if path == "-":
        data = stdin
    else:
        full = Path(cwd, path)
        try:
            data = full.read_bytes()
        except OSError as err:
            raise ToolError(f"open {path}: {(err.strerror or '').lower()}") from None
    try:
        node = yaml.compose(data.decode("utf-8", "surrogateescape"))
    except yaml.YAMLError as err:
        raise ToolError(f"yaml: {err}".replace("\n", " ")) from None
    if node is None:
        return {}
    if not isinstance(node, yaml.MappingNode):
        line = node.start_mark.line + 1
        raise ToolError(
            f"yaml: unmarshal errors:\n  line {line}: cannot unmarshal {_short_tag(node)} "
            "into map[string]string"
        )
    out = {}
    for key_node, value_node in node.value:
        if not isinstance(value_node, yaml.ScalarNode) or not isinstance(
            key_node, yaml.ScalarNode
        ):
            line = value_node.start_mark.line + 1
            raise ToolError(
                f"yaml: unmarshal errors:\n  line {line}: cannot unmarshal "
                f"{_short_tag(value_node)} into string"
            )
        null = value_node.tag.endswith(":null")
        out[str(key_node.value)] = "" if null else str(value_node.value)
    return out


def _short_tag(node: yaml.Node) -> str:
    return "!!" + node.tag.rpartition(":")[2]


def relation_set(ctx: HookSession, args: list[str], cwd: str, stdin: bytes) -> Reply:
    """Run ``relation-set [-r ID] [--app] [--file PATH|-] key=value...`` (staged)."""
    flags = (
        _relation_flag(ctx),
        Flag(("file",), "file", default=""),
        Flag(("app",), "app", boolean=True),
        Flag(("format",), "format", default=""),
    )
    opts, rest = parse_args(flags, args)
    if opts["rid"] == -1:
        raise ToolError("no relation id specified", 2)
    overrides = parse_key_values(rest)
    settings: dict[str, str] = {}
    if opts["file"]:
        settings = _read_settings_file(opts["file"], cwd, stdin)
    settings.update(overrides)
    rid = int(opts["rid"])
    ctx.relation(rid)
    if opts["app"] and not ctx.is_leader:
        raise ToolError("cannot write relation settings")
    ctx.stage_relation_set(rid, settings, bool(opts["app"]))
    return Reply(stderr=_deprecated_format("relation-set", opts))


def relation_ids(ctx: HookSession, args: list[str], cwd: str, stdin: bytes) -> Reply:
    """Run ``relation-ids [<endpoint>]`` (default: the hook's endpoint)."""
    opts, rest = parse_args(FORMAT_FLAGS, args)
    name = ""
    if ctx.hook_relation_id is not None:
        name = ctx.env.get("JUJU_RELATION", "")
    if rest:
        name, rest = rest[0], rest[1:]
    elif not name:
        raise ToolError("no relation name specified", 2)
    check_empty(rest)
    return write_output(opts, ctx.relation_ids(name), cwd)


def relation_list(ctx: HookSession, args: list[str], cwd: str, stdin: bytes) -> Reply:
    """Run ``relation-list [-r ID] [--app]``: the remote units this unit has joined."""
    flags = (*FORMAT_FLAGS, _relation_flag(ctx), Flag(("app",), "app", boolean=True))
    opts, rest = parse_args(flags, args)
    if opts["rid"] == -1:
        raise ToolError("no relation id specified", 2)
    check_empty(rest)
    rid = int(opts["rid"])
    rel = ctx.relation(rid)
    if opts["app"]:
        return write_output(opts, rel.remote_app(ctx.unit.app), cwd)
    return write_output(opts, ctx.members(rid), cwd)
