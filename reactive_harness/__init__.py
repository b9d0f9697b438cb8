"""A strict Juju emulator that runs real charm hooks, for tests.

Build a :class:`Model`, deploy charm directories, relate them, scale them, and read what the
hooks did: relation data, flags, status, logs and a :class:`HookRecord` per hook.
"""

from reactive_harness.build import CharmBuilder
from reactive_harness.errors import (
    CharmBuildError,
    CharmError,
    ConfigError,
    HarnessError,
    HookFailedError,
    InterfaceMismatchError,
    ScenarioError,
    SettleLimitError,
    UnitInErrorError,
    UnknownApplicationError,
    UnknownEndpointError,
    UnknownRelationError,
    UnknownUnitError,
)
from reactive_harness.executor import ExecResult, Executor, HookJob, SubprocessExecutor
from reactive_harness.handles import Application, Relation, Unit
from reactive_harness.inprocess import InProcessExecutor
from reactive_harness.model import Model
from reactive_harness.records import (
    ActionResult,
    BagChange,
    HookRecord,
    LogLine,
    Status,
    ToolCall,
)
from reactive_harness.stubs import StubCall, SystemToolStubs
from reactive_harness.tools import Fault

__all__ = [
    "ActionResult",
    "Application",
    "BagChange",
    "CharmBuildError",
    "CharmBuilder",
    "CharmError",
    "ConfigError",
    "ExecResult",
    "Executor",
    "Fault",
    "HarnessError",
    "HookFailedError",
    "HookJob",
    "HookRecord",
    "InProcessExecutor",
    "InterfaceMismatchError",
    "LogLine",
    "Model",
    "Relation",
    "ScenarioError",
    "SettleLimitError",
    "Status",
    "StubCall",
    "SubprocessExecutor",
    "SystemToolStubs",
    "ToolCall",
    "Unit",
    "UnitInErrorError",
    "UnknownApplicationError",
    "UnknownEndpointError",
    "UnknownRelationError",
    "UnknownUnitError",
]
