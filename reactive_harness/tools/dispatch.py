"""The table of hook tools and the one function that runs a tool call in a hook session."""

from __future__ import annotations

from collections.abc import Callable

from reactive_harness.tools import action, deployment, relation, unit
from reactive_harness.tools.base import HelpRequestedError, Reply, ToolError
from reactive_harness.tools.session import HookSession

__all__ = ["TOOLS", "ToolHandler", "run_tool", "tool_names"]

ToolHandler = Callable[[HookSession, list[str], str, bytes], Reply]

TOOLS: dict[str, ToolHandler] = {
    "action-fail": action.action_fail,
    "action-get": action.action_get,
    "action-log": action.action_log,
    "action-set": action.action_set,
    "application-version-set": unit.application_version_set,
    "close-port": unit.close_port,
    "config-get": unit.config_get,
    "credential-get": deployment.credential_get,
    "goal-state": deployment.goal_state,
    "is-leader": unit.is_leader,
    "juju-log": unit.juju_log,
    "leader-get": unit.leader_get,
    "leader-set": unit.leader_set,
    "network-get": unit.network_get,
    "open-port": unit.open_port,
    "opened-ports": unit.opened_ports,
    "relation-get": relation.relation_get,
    "relation-ids": relation.relation_ids,
    "relation-list": relation.relation_list,
    "relation-set": relation.relation_set,
    "resource-get": deployment.resource_get,
    "status-get": unit.status_get,
    "status-set": unit.status_set,
    "storage-get": deployment.storage_get,
    "storage-list": deployment.storage_list,
    "unit-get": unit.unit_get,
}

# Juju 4 removed leader-get and leader-set (upgrade notes 3.6 -> 4.0).
_REMOVED_IN_4 = ("leader-get", "leader-set")


def tool_names(juju_version: tuple[int, int, int]) -> list[str]:
    """Return the tools a unit of that Juju version has on its PATH."""
    names = sorted(TOOLS)
    if juju_version >= (4, 0, 0):
        names = [name for name in names if name not in _REMOVED_IN_4]
    return names


def run_tool(ctx: HookSession, argv: list[str], cwd: str, stdin: bytes) -> Reply:
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
