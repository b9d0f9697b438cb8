"""The table of hook tools and the one function that runs a tool call against a hook context."""

from __future__ import annotations

from collections.abc import Callable

from reactive_harness import tools_action, tools_relation, tools_unit
from reactive_harness.context import HookContext
from reactive_harness.toolbase import HelpRequestedError, Reply, ToolError

__all__ = ["TOOLS", "ToolHandler", "run_tool", "tool_names"]

ToolHandler = Callable[[HookContext, list[str], str, bytes], Reply]

TOOLS: dict[str, ToolHandler] = {
    "action-fail": tools_action.action_fail,
    "action-get": tools_action.action_get,
    "action-log": tools_action.action_log,
    "action-set": tools_action.action_set,
    "application-version-set": tools_unit.application_version_set,
    "close-port": tools_unit.close_port,
    "config-get": tools_unit.config_get,
    "is-leader": tools_unit.is_leader,
    "juju-log": tools_unit.juju_log,
    "leader-get": tools_unit.leader_get,
    "leader-set": tools_unit.leader_set,
    "network-get": tools_unit.network_get,
    "open-port": tools_unit.open_port,
    "opened-ports": tools_unit.opened_ports,
    "relation-get": tools_relation.relation_get,
    "relation-ids": tools_relation.relation_ids,
    "relation-list": tools_relation.relation_list,
    "relation-set": tools_relation.relation_set,
    "status-get": tools_unit.status_get,
    "status-set": tools_unit.status_set,
    "unit-get": tools_unit.unit_get,
}

# Juju 4 removed leader-get and leader-set (upgrade notes 3.6 -> 4.0).
_REMOVED_IN_4 = ("leader-get", "leader-set")


def tool_names(juju_version: tuple[int, int, int]) -> list[str]:
    """Return the tools a unit of that Juju version has on its PATH."""
    names = sorted(TOOLS)
    if juju_version >= (4, 0, 0):
        names = [name for name in names if name not in _REMOVED_IN_4]
    return names


def run_tool(ctx: HookContext, argv: list[str], cwd: str, stdin: bytes) -> Reply:
    """Run one tool call and return its reply; errors become ``ERROR <text>`` and an exit code."""
    name, args = argv[0], argv[1:]
    handler = TOOLS.get(name)
    if handler is None or name not in tool_names(ctx.state.juju_version):
        return Reply(code=1, stderr=f"ERROR unknown command: {name}\n".encode())
    try:
        return handler(ctx, args, cwd, stdin)
    except HelpRequestedError:
        return Reply(stdout=f"Usage: {name} [options]\n".encode())
    except ToolError as err:
        return Reply(code=err.code, stderr=f"ERROR {err.message}\n".encode())
