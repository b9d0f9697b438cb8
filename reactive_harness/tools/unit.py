"""The unit hook tools: log, config, addresses, leadership, status, version and ports.

Flags, outputs and error texts follow juju/juju ``worker/uniter/runner/jujuc/`` (``juju-log.go``,
``config-get.go``, ``unit-get.go``, ``network-get.go``, ``is-leader.go``, ``leader-get.go``,
``leader-set.go``, ``status-set.go``, ``status-get.go``, ``application-version-set.go``,
``ports.go``, ``opened-ports.go``). Non-leader errors are the controller's texts as listed in
the ops security-event survey: ``cannot write leadership settings: cannot write settings: not
the leader``, ``this unit is not the leader``,
``finding application status: this unit is not the leader``.
"""

from __future__ import annotations

import re
import time
from typing import Any

from reactive_harness.records import LogLine, Status
from reactive_harness.tools.base import (
    FORMAT_FLAGS,
    Flag,
    Reply,
    ToolError,
    check_empty,
    parse_args,
    write_output,
)
from reactive_harness.tools.relation import parse_key_values
from reactive_harness.tools.session import HookSession

__all__ = [
    "application_version_set",
    "close_port",
    "config_get",
    "format_port",
    "is_leader",
    "juju_log",
    "leader_get",
    "leader_set",
    "network_get",
    "open_port",
    "opened_ports",
    "status_get",
    "status_set",
    "unit_get",
]

LOG_LEVELS = {"TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
WORKLOAD_STATUSES = ("maintenance", "blocked", "waiting", "active")


def _deprecated_format(name: str, opts: dict[str, Any]) -> bytes:
    if opts.get("format"):
        return f'--format flag deprecated for command "{name}"'.encode()
    return b""


def juju_log(ctx: HookSession, args: list[str], cwd: str, stdin: bytes) -> Reply:
    """Run ``juju-log [-l LEVEL] [--debug] <message>...``."""
    flags = (
        Flag(("debug",), "debug", boolean=True),
        Flag(("l", "log-level"), "level", default="INFO"),
        Flag(("format",), "format", default=""),
    )
    opts, rest = parse_args(flags, args)
    if not rest:
        raise ToolError("no message specified", 2)
    level = "DEBUG" if opts["debug"] else str(opts["level"]).upper()
    if level == "WARN":
        level = "WARNING"
    if level not in LOG_LEVELS:
        ctx.unit.log.append(
            LogLine(
                ctx.unit.name,
                "WARNING",
                f'Specified log level of "{opts["level"]}" is not valid',
                ctx.hook_name,
            )
        )
        level = "INFO"
    prefix = ""
    if ctx.hook_relation_id is not None:
        prefix = ctx.env["JUJU_RELATION_ID"] + ": "
    ctx.unit.log.append(LogLine(ctx.unit.name, level, prefix + " ".join(rest), ctx.hook_name))
    return Reply(stderr=_deprecated_format("juju-log", opts))


def config_get(ctx: HookSession, args: list[str], cwd: str, stdin: bytes) -> Reply:
    """Run ``config-get [--all] [<key>]``; without ``--all`` unset options are left out."""
    opts, rest = parse_args((*FORMAT_FLAGS, Flag(("a", "all"), "all", boolean=True)), args)
    key = ""
    if rest:
        key, rest = rest[0], rest[1:]
        if key and opts["all"]:
            raise ToolError(f'cannot use argument --all together with key "{key}"', 2)
        check_empty(rest)
    settings = dict(ctx.app.config)
    if key:
        return write_output(opts, settings.get(key), cwd)
    if not opts["all"]:
        settings = {k: v for k, v in settings.items() if v is not None}
    return write_output(opts, settings, cwd)


def unit_get(ctx: HookSession, args: list[str], cwd: str, stdin: bytes) -> Reply:
    """Run ``unit-get private-address|public-address``."""
    opts, rest = parse_args(FORMAT_FLAGS, args)
    if not rest:
        raise ToolError("no setting specified", 2)
    if rest[0] not in ("private-address", "public-address"):
        raise ToolError(f'unknown setting "{rest[0]}"', 2)
    check_empty(rest[1:])
    return write_output(opts, ctx.unit.address, cwd)


def network_get(ctx: HookSession, args: list[str], cwd: str, stdin: bytes) -> Reply:
    """Run ``network-get <binding> [--bind-address] [--ingress-address] [--egress-subnets]``."""
    flags = (
        *FORMAT_FLAGS,
        Flag(("r", "relation"), "rid", default=None, convert=ctx.relation_id_flag),
        Flag(("primary-address",), "primary", boolean=True),
        Flag(("bind-address",), "bind", boolean=True),
        Flag(("ingress-address",), "ingress", boolean=True),
        Flag(("egress-subnets",), "egress", boolean=True),
    )
    opts, rest = parse_args(flags, args)
    if not rest:
        raise ToolError("no arguments specified", 2)
    binding, rest = rest[0], rest[1:]
    check_empty(rest)
    charm = ctx.app.charm
    if binding not in charm.endpoints and binding not in charm.extra_bindings:
        raise ToolError(f'no network config found for binding "{binding}"')
    address = ctx.unit.address
    cidr = address.rsplit(".", 1)[0] + ".0/24"
    info: dict[str, Any] = {
        "bind-addresses": [
            {
                "mac-address": "",
                "interface-name": "eth0",
                "addresses": [{"hostname": "", "value": address, "cidr": cidr}],
            }
        ],
        "egress-subnets": [f"{address}/32"],
        "ingress-addresses": [address],
    }
    picked = {
        "bind-address": address if opts["bind"] or opts["primary"] else None,
        "ingress-address": address if opts["ingress"] else None,
        "egress-subnets": info["egress-subnets"] if opts["egress"] else None,
    }
    chosen = {k: v for k, v in picked.items() if v is not None}
    if len(chosen) == 1:
        return write_output(opts, next(iter(chosen.values())), cwd)
    return write_output(opts, chosen or info, cwd)


def is_leader(ctx: HookSession, args: list[str], cwd: str, stdin: bytes) -> Reply:
    """Run ``is-leader``: ``True``/``False`` (smart) or ``true``/``false`` (json)."""
    opts, rest = parse_args(FORMAT_FLAGS, args)
    check_empty(rest)
    return write_output(opts, ctx.is_leader, cwd)


def leader_get(ctx: HookSession, args: list[str], cwd: str, stdin: bytes) -> Reply:
    """Run ``leader-get [<key>|-]``."""
    opts, rest = parse_args(FORMAT_FLAGS, args)
    key = ""
    if rest:
        key = "" if rest[0] == "-" else rest[0]
        check_empty(rest[1:])
    settings = dict(ctx.app.leader_settings)
    return write_output(opts, settings.get(key) if key else settings, cwd)


def leader_set(ctx: HookSession, args: list[str], cwd: str, stdin: bytes) -> Reply:
    """Run ``leader-set key=value...``; written at once, as Juju's doc for it says."""
    _, rest = parse_args((), args)
    values = parse_key_values(rest)
    if not ctx.is_leader:
        raise ToolError("cannot write leadership settings: cannot write settings: not the leader")
    settings = ctx.app.leader_settings
    before = dict(settings)
    for key, value in values.items():
        if value == "":
            settings.pop(key, None)
        else:
            settings[key] = value
    if settings != before:
        ctx.leader_settings_changed = True
    return Reply()


def status_set(ctx: HookSession, args: list[str], cwd: str, stdin: bytes) -> Reply:
    """Run ``status-set [--application] <status> [<message>]`` (takes effect at once)."""
    opts, rest = parse_args((Flag(("application",), "application", boolean=True),), args)
    if not rest:
        raise ToolError("invalid args, require <status> [message] [data]", 2)
    if rest[0] not in WORKLOAD_STATUSES:
        raise ToolError(
            f'invalid status "{rest[0]}", expected one of [{" ".join(WORKLOAD_STATUSES)}]', 2
        )
    message = rest[1] if len(rest) > 1 else ""
    check_empty(rest[2:])
    if opts["application"]:
        if not ctx.is_leader:
            raise ToolError("this unit is not the leader")
        ctx.app.status = Status(rest[0], message)
    else:
        ctx.unit.status = Status(rest[0], message)
        ctx.unit.status_since = time.time()
    return Reply()


def _details(status: Status, include_data: bool) -> dict[str, Any]:
    details: dict[str, Any] = {"status": status.status}
    if include_data:
        details["message"] = status.message
        details["status-data"] = {}
    return details


def status_get(ctx: HookSession, args: list[str], cwd: str, stdin: bytes) -> Reply:
    """Run ``status-get [--include-data] [--application]``."""
    flags = (
        *FORMAT_FLAGS,
        Flag(("include-data",), "data", boolean=True),
        Flag(("application",), "application", boolean=True),
    )
    opts, rest = parse_args(flags, args)
    check_empty(rest)
    smart = opts["format"] == "smart" and not opts["data"]
    if not opts["application"]:
        if smart:
            return write_output(opts, ctx.unit.status.status, cwd)
        return write_output(opts, _details(ctx.unit.status, bool(opts["data"])), cwd)
    if not ctx.is_leader:
        raise ToolError("finding application status: this unit is not the leader")
    if smart:
        return write_output(opts, ctx.app.status.status, cwd)
    details = _details(ctx.app.status, bool(opts["data"]))
    details["units"] = {
        u.name: _details(u.status, bool(opts["data"])) for u in ctx.state.live_units(ctx.app.name)
    }
    return write_output(opts, {"application-status": details}, cwd)


def application_version_set(ctx: HookSession, args: list[str], cwd: str, stdin: bytes) -> Reply:
    """Run ``application-version-set <version>`` (takes effect at once)."""
    _, rest = parse_args((), args)
    if not rest:
        raise ToolError("no version specified", 2)
    check_empty(rest[1:])
    ctx.unit.workload_version = rest[0]
    return Reply()


_PORT = re.compile(r"^(?:icmp|([0-9]+)(?:-([0-9]+))?(?:/([a-z0-9]+))?)$")
_PORT_FORMAT = "<port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp"


def _parse_port(arg: str) -> tuple[str, int, int]:
    text = arg.lower()
    match = _PORT.match(text)
    if match is None:
        raise ToolError(f'expected {_PORT_FORMAT}; got "{arg}"', 2)
    if text == "icmp":
        return ("icmp", -1, -1)
    low = int(match.group(1))
    high = int(match.group(2)) if match.group(2) else low
    proto = match.group(3) or "tcp"
    if low > high:
        raise ToolError(f"invalid port range {low}-{high}/{proto}; expected fromPort <= toPort", 2)
    if proto == "icmp":
        raise ToolError(f'protocol "icmp" doesn\'t support any ports; got "{low}"', 2)
    for what, number in (("port" if low == high else "fromPort", low), ("toPort", high)):
        if not 1 <= number <= 65535:
            raise ToolError(f'{what} must be in the range [1, 65535]; got "{number}"', 2)
    if proto not in ("tcp", "udp"):
        raise ToolError(f'protocol must be "tcp", "udp", or "icmp"; got "{proto}"', 2)
    return (proto, low, high)


def format_port(port: tuple[str, int, int]) -> str:
    """Return a port range as ``opened-ports`` prints it (``80/tcp``, ``1-9/udp``, ``icmp``)."""
    proto, low, high = port
    if proto == "icmp":
        return "icmp"
    return f"{low}/{proto}" if low == high else f"{low}-{high}/{proto}"


def _port_command(name: str, ctx: HookSession, args: list[str]) -> Reply:
    opts, rest = parse_args(
        (Flag(("format",), "format", default=""), Flag(("endpoints",), "endpoints")), args
    )
    if not rest:
        raise ToolError("no port or range specified", 2)
    port = _parse_port(rest[0])
    check_empty(rest[1:])
    ctx.port_ops.append((name, *port))
    return Reply(stderr=_deprecated_format(name, opts))


def open_port(ctx: HookSession, args: list[str], cwd: str, stdin: bytes) -> Reply:
    """Run ``open-port <port>[/<protocol>]|<from>-<to>[/<protocol>]|icmp`` (staged)."""
    return _port_command("open-port", ctx, args)


def close_port(ctx: HookSession, args: list[str], cwd: str, stdin: bytes) -> Reply:
    """Run ``close-port <port>[/<protocol>]|<from>-<to>[/<protocol>]|icmp`` (staged)."""
    return _port_command("close-port", ctx, args)


def opened_ports(ctx: HookSession, args: list[str], cwd: str, stdin: bytes) -> Reply:
    """Run ``opened-ports``: the unit's ports, with this hook's changes applied."""
    opts, rest = parse_args((*FORMAT_FLAGS, Flag(("endpoints",), "endpoints", boolean=True)), args)
    check_empty(rest)
    ports = ctx.pending_ports()
    return write_output(opts, [format_port(p) for p in sorted(ports)], cwd)
