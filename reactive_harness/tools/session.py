"""One running hook's session: what its tools may see, and the writes it stages.

Juju runs each hook against a context that caches what it reads and buffers what it writes;
relation settings and ports are sent to the controller only when the hook exits 0
(``worker/uniter/runner/context``: ``Flush``). Status, ``juju-log``, leader settings and the
workload version take effect at once. :class:`HookSession` follows the same split (it is
Juju's hook context; the name avoids a clash with ``charms.reactive.juju.HookContext``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reactive_harness.records import ToolCall
from reactive_harness.state import AppState, ModelState, PendingHook, RelationState, UnitState
from reactive_harness.tools.base import ToolError

__all__ = ["ActionState", "Fault", "HookSession"]


@dataclass
class Fault:
    """A fault to inject into the next hook of a unit.

    Attributes:
        call: Which hook-tool call (1 = the first) fails or kills the hook (not used by
            ``"lost"``).
        kind: ``"fail"`` (the call exits 1 with ``message``), ``"kill"`` / ``"term"`` (the
            hook's processes get SIGKILL / SIGTERM during the call, which never returns), or
            ``"lost"`` (the hook runs to its end, but is killed before Juju sees it exit: as
            a SIGKILL during its teardown, Juju discards its writes and the unit is in error).
        message: The error text of a failing call.
        hook: Only a hook of this name (``None``: the next hook that runs) meets the fault.
    """

    call: int
    kind: str = "fail"
    message: str = "connection is shut down"
    hook: str | None = None


@dataclass
class ActionState:
    """The action a session runs, if any."""

    name: str
    uuid: str
    params: dict[str, Any]
    results: dict[str, Any] = field(default_factory=dict)
    failed: str | None = None
    log: list[str] = field(default_factory=list)


class HookSession:
    """One hook's view of the model, with its staged writes."""

    def __init__(
        self,
        context_id: str,
        state: ModelState,
        unit: UnitState,
        pending: PendingHook,
        hook_name: str,
        env: dict[str, str],
        action: ActionState | None = None,
    ) -> None:
        """Create the session of one hook run.

        Args:
            context_id: The ``JUJU_CONTEXT_ID`` of the hook.
            state: The model.
            unit: The unit running the hook.
            pending: The queued hook being run.
            hook_name: The hook's name.
            env: The hook's environment.
            action: The action being run, if any.
        """
        self.id = context_id
        self.state = state
        self.unit = unit
        self.pending = pending
        self.hook_name = hook_name
        self.env = env
        self.action = action
        self.unit_writes: dict[int, dict[str, str]] = {}
        self.app_writes: dict[int, dict[str, str]] = {}
        self.port_ops: list[tuple[str, str, int, int]] = []
        self.read_cache: dict[tuple[int, str, bool], dict[str, str]] = {}
        self.tool_calls: list[ToolCall] = []
        self.fault: Fault | None = None
        self.leader_settings_changed = False

    # -- who am I --------------------------------------------------------------------------
    @property
    def app(self) -> AppState:
        """The unit's application."""
        return self.state.apps[self.unit.app]

    @property
    def is_leader(self) -> bool:
        """Whether the unit is its application's leader now."""
        return self.app.leader == self.unit.name

    # -- relations -------------------------------------------------------------------------
    @property
    def hook_relation_id(self) -> int | None:
        """The relation of a relation hook, else ``None``."""
        return self.pending.relation_id

    def relation(self, rid: int) -> RelationState:
        """Return a relation this unit knows, as ``ctx.Relation(id)`` does.

        Raises:
            ToolError: ``relation not found`` (the text of Juju's ``errors.NotFoundf``).
        """
        view = self.unit.views.get(rid)
        rel = self.state.relations.get(rid)
        if view is None or rel is None or not view.created:
            raise ToolError("relation not found")
        return rel

    def relation_id_flag(self, text: str) -> int:
        """Convert a ``-r`` value (``name:3`` or ``3``) as Juju's ``relationIdValue.Set``.

        Raises:
            ValueError: ``invalid relation id`` or ``relation not found``.
        """
        trimmed = text.rpartition(":")[2]
        try:
            rid = int(trimmed)
        except ValueError:
            raise ValueError("invalid relation id") from None
        try:
            self.relation(rid)
        except ToolError as err:
            raise ValueError(err.message) from None
        return rid

    def relation_ids(self, endpoint: str) -> list[str]:
        """Return this unit's relation ids on ``endpoint``, sorted as text (Juju sorts them).

        Since Juju 3.4 the relation whose ``-broken`` hook is running is left out.
        """
        out = []
        for rid, view in self.unit.views.items():
            rel = self.state.relations.get(rid)
            if rel is None or not view.created:
                continue
            if rel.end_for(self.unit.app).name != endpoint:
                continue
            if view.broken and self.state.juju_version >= (3, 4, 0):
                continue
            out.append(rel.key(self.unit.app))
        return sorted(out)

    def local_unit_bag(self, rid: int) -> dict[str, str]:
        """Return the unit's own bag with this hook's writes applied."""
        bag = dict(self.state.relations[rid].unit_bags.get(self.unit.name, {}))
        return _apply(bag, self.unit_writes.get(rid, {}))

    def local_app_bag(self, rid: int) -> dict[str, str]:
        """Return the unit's own app bag with this hook's writes applied."""
        bag = dict(self.state.relations[rid].app_bags.get(self.unit.app, {}))
        return _apply(bag, self.app_writes.get(rid, {}))

    def read_unit_bag(self, rid: int, unit_name: str) -> dict[str, str]:
        """Read a unit's bag as ``relation-get`` does.

        The unit's own bag includes this hook's writes. Other bags are read once per hook
        and cached, as the uniter's relation cache does.

        Raises:
            ToolError: ``permission denied`` for a unit outside the relation (or on the same
                side of a non-peer relation, or outside the unit's container on a
                container-scoped relation).
        """
        if unit_name == self.unit.name:
            return self.local_unit_bag(rid)
        rel = self.state.relations[rid]
        other_app = unit_name.split("/")[0]
        ok = other_app in rel.apps() and (rel.is_peer or other_app != self.unit.app)
        if ok and rel.container:  # only the units of its own container
            other = self.state.units.get(unit_name)
            ok = other is not None and self.state.co_located(self.unit, other)
        if not ok or unit_name not in rel.unit_bags:
            raise ToolError("permission denied")
        key = (rid, unit_name, False)
        if key not in self.read_cache:
            self.read_cache[key] = dict(rel.unit_bags[unit_name])
        return dict(self.read_cache[key])

    def read_app_bag(self, rid: int, app: str) -> dict[str, str]:
        """Read an application's bag as ``relation-get --app`` does.

        The leader reads its own app bag locally (with this hook's writes); other units may
        read it only on peer relations (juju PR #11233).

        Raises:
            ToolError: ``permission denied``.
        """
        rel = self.state.relations[rid]
        if app not in rel.apps():
            raise ToolError("permission denied")
        if app == self.unit.app:
            if self.is_leader:
                return self.local_app_bag(rid)
            if not rel.is_peer:
                raise ToolError("permission denied")
        key = (rid, app, True)
        if key not in self.read_cache:
            self.read_cache[key] = dict(rel.app_bags.get(app, {}))
        return dict(self.read_cache[key])

    def members(self, rid: int) -> list[str]:
        """Return ``relation-list``: the remote units this unit has joined, sorted as text."""
        return sorted(self.unit.views[rid].members)

    def pending_ports(self) -> set[tuple[str, int, int]]:
        """Return the unit's opened ports with this hook's open/close calls applied."""
        ports = set(self.unit.ports)
        for op, proto, low, high in self.port_ops:
            if op == "open-port":
                ports.add((proto, low, high))
            else:
                ports.discard((proto, low, high))
        return ports

    def stage_relation_set(self, rid: int, values: dict[str, str], app: bool) -> None:
        """Buffer ``relation-set`` writes (``""`` deletes) until the hook commits."""
        target = self.app_writes if app else self.unit_writes
        target.setdefault(rid, {}).update(values)


def _apply(bag: dict[str, str], writes: dict[str, str]) -> dict[str, str]:
    for key, value in writes.items():
        if value == "":
            bag.pop(key, None)
        else:
            bag[key] = value
    return bag
