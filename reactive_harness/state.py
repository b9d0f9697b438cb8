"""The model's state: applications, units, relations and their data bags.

Plain data with small queries; the rules that change it live in
:mod:`reactive_harness.sequences` (which hooks are queued), :mod:`reactive_harness.engine`
(what a successful hook commits) and :mod:`reactive_harness.operations` (what each model
operation changes).
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reactive_harness.charm import CharmSpec, EndpointSpec
from reactive_harness.records import HookRecord, LogLine, Status

__all__ = [
    "AppState",
    "ModelState",
    "PendingHook",
    "RelationEnd",
    "RelationState",
    "StorageInstance",
    "UnitRelationView",
    "UnitState",
]


@dataclass
class AppState:
    """A deployed application."""

    name: str
    charm: CharmSpec
    index: int
    config: dict[str, Any]
    units: list[str] = field(default_factory=list)
    leader: str | None = None
    leader_settings: dict[str, str] = field(default_factory=dict)
    status: Status = field(default_factory=Status)
    next_unit: int = 0
    resources: dict[str, Path] = field(default_factory=dict)
    storage_counts: dict[str, int] = field(default_factory=dict)

    @property
    def subordinate(self) -> bool:
        """Whether the application's charm is a subordinate."""
        return self.charm.subordinate


@dataclass(frozen=True)
class RelationEnd:
    """One side of a relation: an application's endpoint."""

    app: str
    endpoint: EndpointSpec

    @property
    def name(self) -> str:
        """The endpoint's name."""
        return self.endpoint.name

    def __str__(self) -> str:
        return f"{self.app}:{self.endpoint.name}"


@dataclass
class RelationState:
    """A relation between two endpoints (or a peer relation: one endpoint).

    ``unit_bags`` and ``app_bags`` hold the committed data, keyed by unit or app name.
    ``scope`` is the set of units that have entered the relation (as Juju's relation scope).
    """

    id: int
    ends: tuple[RelationEnd, ...]
    unit_bags: dict[str, dict[str, str]] = field(default_factory=dict)
    app_bags: dict[str, dict[str, str]] = field(default_factory=dict)
    scope: set[str] = field(default_factory=set)
    dying: bool = False
    removed: bool = False
    since: float = field(default_factory=time.time)

    @property
    def is_peer(self) -> bool:
        """Whether this is a peer relation."""
        return len(self.ends) == 1

    @property
    def container(self) -> bool:
        """Whether the relation is container-scoped (either endpoint is, so both are)."""
        return any(end.endpoint.scope == "container" for end in self.ends)

    @property
    def interface(self) -> str:
        """The relation's interface name."""
        return self.ends[0].endpoint.interface

    def end_for(self, app: str) -> RelationEnd:
        """Return the end that belongs to ``app``."""
        for end in self.ends:
            if end.app == app:
                return end
        raise KeyError(app)

    def remote_app(self, app: str) -> str:
        """Return the application on the other side from ``app`` (itself for peers)."""
        if self.is_peer:
            return self.ends[0].app
        return self.ends[1].app if self.ends[0].app == app else self.ends[0].app

    def apps(self) -> tuple[str, ...]:
        """Return the applications in the relation."""
        return tuple(end.app for end in self.ends)

    def key(self, app: str) -> str:
        """Return the id as ``app`` sees it: ``<its endpoint>:<id>``."""
        return f"{self.end_for(app).name}:{self.id}"

    def __str__(self) -> str:
        return " ".join(str(end) for end in self.ends) + f" (#{self.id})"


@dataclass
class UnitRelationView:
    """A relation as one unit sees it: what its hooks have told it so far.

    ``members`` are the remote units it has run ``-joined`` for and not yet ``-departed``;
    ``known`` are the remote units with a ``-joined`` queued or run (changes of these reach it).
    """

    relation_id: int
    created: bool = False
    members: set[str] = field(default_factory=set)
    known: set[str] = field(default_factory=set)
    broken: bool = False


@dataclass(frozen=True)
class PendingHook:
    """A hook queued for a unit."""

    kind: str
    relation_id: int | None = None
    remote_unit: str | None = None
    remote_app: str | None = None
    departing_unit: str | None = None
    storage_id: str | None = None

    def hook_name(self, endpoint: str | None) -> str:
        """Return the hook's name (``<endpoint>-relation-<kind>`` for relation hooks).

        Storage hooks (``storage-attached``, ``storage-detaching``) are named after the store:
        ``<name>-storage-attached``.
        """
        if self.storage_id is not None:
            return f"{self.storage_id.partition('/')[0]}-{self.kind}"
        if self.relation_id is None:
            return self.kind
        return f"{endpoint}-relation-{self.kind}"


@dataclass
class UnitState:
    """A unit: its directories, queue of hooks and what its hooks have set."""

    name: str
    app: str
    number: int
    agent_dir: Path
    address: str
    queue: deque[PendingHook] = field(default_factory=deque)
    views: dict[int, UnitRelationView] = field(default_factory=dict)
    status: Status = field(default_factory=Status)
    status_since: float = field(default_factory=time.time)
    workload_version: str = ""
    ports: set[tuple[str, int, int]] = field(default_factory=set)
    log: list[LogLine] = field(default_factory=list)
    error: HookRecord | None = None
    error_hook: PendingHook | None = None
    dying: bool = False
    removed: bool = False
    principal: str | None = None
    storage: list[str] = field(default_factory=list)

    @property
    def machine_key(self) -> str:
        """The unit whose machine (container) this unit runs on: its principal, or itself."""
        return self.principal or self.name

    @property
    def charm_dir(self) -> Path:
        """The unit's copy of the charm."""
        return self.agent_dir / "charm"

    @property
    def state_db(self) -> Path:
        """The unit's ``UNIT_STATE_DB``."""
        return self.charm_dir / ".unit-state.db"


@dataclass
class StorageInstance:
    """A storage instance attached to a unit (``data/0``)."""

    id: str
    kind: str
    location: Path
    unit: str


@dataclass
class ModelState:
    """Everything in one model."""

    name: str
    uuid: str
    juju_version: tuple[int, int, int]
    apps: dict[str, AppState] = field(default_factory=dict)
    units: dict[str, UnitState] = field(default_factory=dict)
    relations: dict[int, RelationState] = field(default_factory=dict)
    next_relation_id: int = 0
    storage: dict[str, StorageInstance] = field(default_factory=dict)
    next_storage: dict[str, int] = field(default_factory=dict)

    def live_units(self, app: str) -> list[UnitState]:
        """Return the units of ``app`` that are not removed, in creation order."""
        return [self.units[name] for name in self.apps[app].units if not self.units[name].removed]

    def co_located(self, a: UnitState, b: UnitState) -> bool:
        """Whether two units run in the same container (a principal and its subordinates)."""
        return a.machine_key == b.machine_key

    def can_join(self, unit: UnitState, rel: RelationState) -> bool:
        """Whether ``unit`` takes part in ``rel`` at all.

        A subordinate unit takes part in a container-scoped relation only if its own principal's
        application is in it (juju ``RelationUnit.Valid``); other relations take every unit.
        """
        if not rel.container or unit.principal is None:
            return True
        return self.units[unit.principal].app in rel.apps()

    def subordinates_of(self, unit: UnitState) -> list[UnitState]:
        """Return the live subordinate units of a principal unit."""
        return [u for u in self.units.values() if u.principal == unit.name and not u.removed]

    def relations_of(self, app: str) -> list[RelationState]:
        """Return the relations ``app`` takes part in, by id."""
        return [
            rel
            for _, rel in sorted(self.relations.items())
            if app in rel.apps() and not rel.removed
        ]
