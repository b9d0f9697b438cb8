"""What the emulator records: one :class:`HookRecord` per hook run, with its tool calls."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

__all__ = ["ActionResult", "BagChange", "HookRecord", "LogLine", "Status", "ToolCall"]


@dataclass(frozen=True)
class ToolCall:
    """One hook-tool call made by a hook."""

    argv: tuple[str, ...]
    exit_code: int
    duration: float
    stdout: str = ""
    stderr: str = ""

    @property
    def tool(self) -> str:
        """The tool's name (``argv[0]``)."""
        return self.argv[0]


@dataclass(frozen=True)
class BagChange:
    """The net change a committed hook made to one data bag.

    ``owner`` is a unit name (unit bag) or an application name (app bag); ``changed`` maps
    each added or changed key to its new value; ``removed`` lists deleted keys.
    """

    relation_id: int
    owner: str
    changed: dict[str, str]
    removed: tuple[str, ...]


@dataclass(frozen=True)
class LogLine:
    """One ``juju-log`` line."""

    unit: str
    level: str
    message: str
    hook: str


@dataclass(frozen=True)
class Status:
    """A workload status as set by ``status-set``."""

    status: str = "unknown"
    message: str = ""


@dataclass
class HookRecord:
    """Everything about one hook run.

    Attributes:
        seq: Position in the model's history (from 1).
        unit: The unit that ran it.
        hook: The hook name (``db-relation-changed``), or ``action:<name>`` for actions.
        env: The ``JUJU_*`` (and a few other) variables it ran with.
        exit_code: The exit code; ``None`` when the hook was skipped (no such hook file).
        duration: Seconds from start to exit.
        stdout: What it printed on stdout.
        stderr: What it printed on stderr.
        tool_calls: Every hook-tool call, in order.
        committed: Whether its changes were committed (exit code 0).
        bag_changes: The net data-bag changes it committed.
        flags_before: The unit's reactive flags before it ran (``None`` without a state db).
        flags_after: The unit's reactive flags after it ran.
        killed: Whether the emulator killed it (fault injection).
        retry_of: The ``seq`` of the failed run this one retries.
    """

    seq: int
    unit: str
    hook: str
    env: dict[str, str]
    exit_code: int | None = None
    duration: float = 0.0
    stdout: str = ""
    stderr: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    committed: bool = False
    bag_changes: list[BagChange] = field(default_factory=list)
    flags_before: frozenset[str] | None = None
    flags_after: frozenset[str] | None = None
    killed: bool = False
    retry_of: int | None = None

    @property
    def skipped(self) -> bool:
        """Whether the hook was skipped because the charm has no such hook."""
        return self.exit_code is None

    @property
    def failed(self) -> bool:
        """Whether the hook ran and exited non-zero."""
        return self.exit_code not in (None, 0)

    @property
    def tool_counts(self) -> Counter[str]:
        """How many calls were made to each tool."""
        return Counter(call.tool for call in self.tool_calls)

    @property
    def relation_id(self) -> str | None:
        """``JUJU_RELATION_ID`` of the hook, if a relation hook."""
        return self.env.get("JUJU_RELATION_ID") or None

    @property
    def remote_unit(self) -> str | None:
        """``JUJU_REMOTE_UNIT`` of the hook, if set."""
        return self.env.get("JUJU_REMOTE_UNIT") or None


@dataclass
class ActionResult:
    """The outcome of an action run with :meth:`Model.run_action`."""

    unit: str
    name: str
    status: str
    results: dict[str, object]
    message: str
    record: HookRecord
    log: list[str] = field(default_factory=list)
