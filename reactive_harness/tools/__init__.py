"""The hook tools: Juju's ``jujuc`` commands, run against one hook's session.

Each tool on a hook's ``PATH`` is the client :mod:`reactive_harness.tools.jujuc`; it sends the
call over a unix socket to :class:`ToolServer`, and :func:`run_tool` runs it against the
:class:`HookSession` of that hook.
"""

from reactive_harness.tools import jujuc
from reactive_harness.tools.base import Reply
from reactive_harness.tools.dispatch import run_tool, tool_names
from reactive_harness.tools.relation import APP_NAME
from reactive_harness.tools.server import Request, ToolServer
from reactive_harness.tools.session import ActionState, Fault, HookSession
from reactive_harness.tools.unit import format_port

__all__ = [
    "APP_NAME",
    "ActionState",
    "Fault",
    "HookSession",
    "Reply",
    "Request",
    "ToolServer",
    "format_port",
    "jujuc",
    "run_tool",
    "tool_names",
]
