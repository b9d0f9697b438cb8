"""Read-only handles on a model's applications, units and relations, for tests.

A handle is a name (or a relation id) and the model it belongs to; it reads through the
model's :class:`~reactive_harness.core.ModelCore`, so it never sees stale state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from reactive_harness.records import HookRecord, LogLine, Status

if TYPE_CHECKING:
    from pathlib import Path

    from reactive_harness.core import ModelCore

__all__ = ["Application", "CoreHolder", "Relation", "Unit"]


class CoreHolder(Protocol):
    """What a handle needs of its model (a :class:`~reactive_harness.Model`): the core."""

    @property
    def core(self) -> ModelCore:
        """The model's state, engine and reads."""


class Unit:
    """A unit of a model, as tests see it."""

    def __init__(self, model: CoreHolder, name: str) -> None:
        """Wrap the unit called ``name``."""
        self.model = model
        self.name = name

    def __repr__(self) -> str:
        return f"<Unit {self.name}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unit) and (other.model, other.name) == (self.model, self.name)

    def __hash__(self) -> int:
        return hash(self.name)

    @property
    def app(self) -> Application:
        """The unit's application."""
        return Application(self.model, self.name.split("/")[0])

    @property
    def charm_dir(self) -> Path:
        """The unit's copy of the charm (``CHARM_DIR``)."""
        return self.model.core.state.units[self.name].charm_dir

    @property
    def principal(self) -> Unit | None:
        """The principal unit of a subordinate unit (``None`` for a principal)."""
        name = self.model.core.state.units[self.name].principal
        return Unit(self.model, name) if name else None

    @property
    def subordinates(self) -> list[Unit]:
        """The live subordinate units of a principal unit."""
        state = self.model.core.state
        return [Unit(self.model, u.name) for u in state.subordinates_of(state.units[self.name])]

    @property
    def removed(self) -> bool:
        """Whether the unit has been removed (its ``remove`` hook ran)."""
        return self.model.core.state.units[self.name].removed

    @property
    def storage(self) -> dict[str, Path]:
        """The unit's storage instances: id (``data/0``) -> location."""
        state = self.model.core.state
        return {sid: state.storage[sid].location for sid in state.units[self.name].storage}

    @property
    def is_leader(self) -> bool:
        """Whether the unit is its application's leader."""
        return self.model.core.state.apps[self.app.name].leader == self.name

    @property
    def flags(self) -> set[str]:
        """The unit's reactive flags, read from its ``.unit-state.db``."""
        return self.model.core.unit_flags(self.name)

    def kv(self, prefix: str = "") -> dict[str, Any]:
        """Return the unit's key-value data under ``prefix``."""
        return self.model.core.unit_kv(self.name, prefix)

    @property
    def status(self) -> Status:
        """The unit's workload status."""
        return self.model.core.state.units[self.name].status

    @property
    def workload_version(self) -> str:
        """What ``application-version-set`` last set."""
        return self.model.core.state.units[self.name].workload_version

    @property
    def opened_ports(self) -> list[str]:
        """The committed opened ports, as ``opened-ports`` prints them."""
        return self.model.core.opened_ports(self.name)

    @property
    def log(self) -> list[LogLine]:
        """The unit's ``juju-log`` lines."""
        return list(self.model.core.state.units[self.name].log)

    @property
    def error(self) -> HookRecord | None:
        """The record of the failed hook the unit is stuck on, if any."""
        return self.model.core.state.units[self.name].error

    @property
    def records(self) -> list[HookRecord]:
        """The unit's hook records, in order."""
        return [r for r in self.model.core.records if r.unit == self.name]

    def data(self, relation: Relation | int) -> dict[str, str]:
        """Return the unit's committed bag on a relation."""
        return self.model.core.relation_data(_relation_ref(relation), self.name)


class Application:
    """An application of a model, as tests see it."""

    def __init__(self, model: CoreHolder, name: str) -> None:
        """Wrap the application called ``name``."""
        self.model = model
        self.name = name

    def __repr__(self) -> str:
        return f"<Application {self.name}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Application) and (other.model, other.name) == (
            self.model,
            self.name,
        )

    def __hash__(self) -> int:
        return hash(self.name)

    @property
    def units(self) -> list[Unit]:
        """The application's live units, in creation order."""
        return [Unit(self.model, u.name) for u in self.model.core.state.live_units(self.name)]

    @property
    def leader(self) -> Unit | None:
        """The leader unit."""
        name = self.model.core.state.apps[self.name].leader
        return Unit(self.model, name) if name else None

    @property
    def config(self) -> dict[str, Any]:
        """The application's config (defaults included)."""
        return dict(self.model.core.state.apps[self.name].config)

    @property
    def leader_settings(self) -> dict[str, str]:
        """What ``leader-set`` stored."""
        return dict(self.model.core.state.apps[self.name].leader_settings)

    @property
    def status(self) -> Status:
        """The application status set with ``status-set --application``."""
        return self.model.core.state.apps[self.name].status

    def data(self, relation: Relation | int) -> dict[str, str]:
        """Return the application's committed bag on a relation."""
        return self.model.core.relation_data(_relation_ref(relation), self.name)


class Relation:
    """A relation of a model, as tests see it."""

    def __init__(self, model: CoreHolder, relation_id: int) -> None:
        """Wrap the relation with that id."""
        self.model = model
        self.id = relation_id

    def __repr__(self) -> str:
        return f"<Relation {self.model.core.state.relations[self.id]}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Relation) and (other.model, other.id) == (self.model, self.id)

    def __hash__(self) -> int:
        return self.id

    @property
    def endpoints(self) -> list[str]:
        """The relation's ends, as ``app:endpoint``."""
        return [str(end) for end in self.model.core.state.relations[self.id].ends]

    @property
    def interface(self) -> str:
        """The interface name."""
        return self.model.core.state.relations[self.id].interface

    @property
    def is_peer(self) -> bool:
        """Whether this is a peer relation."""
        return self.model.core.state.relations[self.id].is_peer

    @property
    def removed(self) -> bool:
        """Whether every unit has run ``-broken`` for it."""
        return self.model.core.state.relations[self.id].removed

    def key(self, app: str) -> str:
        """Return the relation id as ``app`` sees it (``<its endpoint>:<id>``)."""
        return self.model.core.state.relations[self.id].key(app)

    def data(self, owner: str | Unit | Application) -> dict[str, str]:
        """Return a committed bag: a unit's or an application's."""
        return self.model.core.relation_data(
            self.id, owner if isinstance(owner, str) else owner.name
        )


def _relation_ref(relation: Relation | int | str) -> int | str:
    return relation.id if isinstance(relation, Relation) else relation
