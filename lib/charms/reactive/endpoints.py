"""Endpoint: the second relations API of charms.reactive (1.x ``charms.reactive.endpoints``).

An interface layer subclasses :class:`Endpoint` in ``<role>.py``; the framework makes one
instance per relation name of the charm using that interface in that role, per hook. Its
handlers are methods decorated with ``@when('endpoint.{endpoint_name}.joined')`` and the like,
called with the instance; its data is per relation (``relations``) and per remote unit
(``joined_units``, ``all_joined_units``).

Automatic flags, managed before the handlers run (``_endpoint_flags``):
``endpoint.<name>.joined`` (some remote unit is in some relation of the endpoint),
``endpoint.<name>.changed`` and ``endpoint.<name>.changed.<key>`` (a remote unit's data
changed: set, never cleared by the framework), ``endpoint.<name>.departed`` (set in
``-departed``, cleared once joined and not departing), and, new here,
``endpoint.<name>.app.changed`` / ``.app.changed.<key>`` for the remote application's bag.
Where 1.x was wrong this module does better: the README lists each difference.
"""

from __future__ import annotations

from typing import Any

from charms.reactive import _runtime, flags
from charms.reactive._endpoint_relation import LeadershipError, RelatedUnit, Relation
from charms.reactive._endpoint_views import (
    CachedKeyList,
    CombinedUnitsView,
    JSONUnitDataView,
    KeyList,
    UnitDataView,
    number_order,
)
from charms.reactive._relation_lookup import RelationFactory, lookup

__all__ = [
    "CachedKeyList",
    "CombinedUnitsView",
    "Endpoint",
    "JSONUnitDataView",
    "KeyList",
    "LeadershipError",
    "RelatedUnit",
    "Relation",
    "UnitDataView",
]

#: Where each endpoint's departed units are kept (1.x key).
DEPARTED_PREFIX = "reactive.endpoints.departed."
_SCRATCH = "charms.reactive.endpoints"


class Endpoint(RelationFactory):
    """The base class of an interface layer's endpoint; one instance per relation name.

    Instances are made by the framework (``Endpoint.from_name``), once per hook, also outside
    ``main()`` (actions); interface code does not construct them.
    """

    def __init__(self, endpoint_name: str, relation_ids: list[str] | None = None) -> None:
        """Describe the endpoint ``endpoint_name``.

        Args:
            endpoint_name: The relation name in metadata.yaml.
            relation_ids: Its relation ids (default: asked of Juju when first needed).
        """
        self._endpoint_name = endpoint_name
        self._relation_ids = relation_ids
        self._relations: KeyList[Relation] | None = None
        self._all_joined: CombinedUnitsView[RelatedUnit] | None = None
        self._departed: CachedKeyList[RelatedUnit] | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._endpoint_name}>"

    # -- lookup ------------------------------------------------------------------------------
    @classmethod
    def from_name(cls, endpoint_name: str) -> Any:
        """Return this hook's instance for ``endpoint_name``, or None if it is not an Endpoint.

        Built on first use, also outside ``main()`` (an action), from the relation's
        interface layer.
        """
        rt = _runtime.current()
        made: dict[str, Endpoint | None] = rt.scratch.setdefault(_SCRATCH, {})
        if endpoint_name not in made:
            impl = lookup(rt).find(endpoint_name)
            made[endpoint_name] = (
                impl(endpoint_name)
                if isinstance(impl, type) and issubclass(impl, Endpoint)
                else None
            )
        return made[endpoint_name]

    @classmethod
    def from_flag(cls, flag: str) -> Any:
        """Return the instance a set flag names, or None.

        ``endpoint.<name>.x`` names ``<name>``; ``<name>.x`` names ``<name>`` (1.x's legacy
        form). An unset flag gives None.
        """
        if not flags.is_flag_set(flag) or "." not in flag:
            return None
        parts = flag.split(".")
        name = parts[1] if parts[0] == "endpoint" else parts[0]
        return cls.from_name(name)

    # -- the endpoint ------------------------------------------------------------------------
    @property
    def endpoint_name(self) -> str:
        """The relation (endpoint) name in metadata.yaml."""
        return self._endpoint_name

    def expand_name(self, flag: str) -> str:
        """Return ``flag`` with ``{endpoint_name}`` replaced (literally).

        Without that placeholder the flag is first prefixed with ``endpoint.{endpoint_name}.``:
        ``expand_name("changed")`` is ``endpoint.db.changed``, ``expand_name(
        "{endpoint_name}.available")`` is ``db.available``. Other braces are kept.
        """
        if "{endpoint_name}" not in flag:
            flag = "endpoint.{endpoint_name}." + flag
        return flag.replace("{endpoint_name}", self._endpoint_name)

    @property
    def relations(self) -> KeyList[Relation]:
        """The endpoint's relations, by position or by id (``relations["db:3"]``).

        From ``relation-ids`` (once per hook), plus the hook's own relation id in its
        ``-broken`` hook (Juju >= 3.4 leaves it out), ordered by number (``db:2`` before
        ``db:10``). In ``-departed``, a relation whose last remote unit is leaving is left out.
        """
        if self._relations is None:
            rt = _runtime.current()
            ids = self._relation_ids
            if ids is None:
                ids = rt.tools.relation_ids(self._endpoint_name)
            ctx = rt.context
            ids = [i if ":" in i else f"{self._endpoint_name}:{i}" for i in ids]
            own = ctx.relation_name == self._endpoint_name and ctx.relation_id is not None
            if own and ctx.is_broken_hook and ctx.relation_id not in ids:
                ids.append(str(ctx.relation_id))
            relations = [Relation(rid, self) for rid in sorted(set(ids), key=number_order)]
            self._relations = KeyList(relations, "relation_id")
        return self._relations

    @property
    def all_joined_units(self) -> CombinedUnitsView[RelatedUnit]:
        """Every remote unit of every relation, with their data merged (``received``)."""
        if self._all_joined is None:
            units = [unit for rel in self.relations for unit in rel.joined_units]
            self._all_joined = CombinedUnitsView(units)
        return self._all_joined

    all_units = all_joined_units  # deprecated 1.x alias

    @property
    def all_departed_units(self) -> CachedKeyList[RelatedUnit]:
        """Units that departed, with their last data, kept until the layer clears them.

        Kept in the unit's store under ``reactive.endpoints.departed.<name>`` (1.x's key).
        """
        if self._departed is None:
            self._departed = CachedKeyList.load(
                DEPARTED_PREFIX + self._endpoint_name,
                lambda data: RelatedUnit._deserialize(data, self),
                "unit_name",
            )
        return self._departed

    @property
    def is_joined(self) -> bool:
        """Whether some remote unit is in some relation of the endpoint."""
        return len(self.all_joined_units) > 0

    joined = is_joined  # deprecated 1.x alias

    # -- what layers override ----------------------------------------------------------------
    def register_triggers(self) -> None:
        """Register flag triggers; called in every hook, before the automatic flags."""

    def manage_flags(self) -> None:
        """Set or clear the layer's own flags; called in every hook, after the automatic ones.

        (1.x skipped it in non-relation hooks once the endpoint was joined.)
        """

    # -- for the framework -------------------------------------------------------------------
    def _manage_framework_flags(self) -> None:
        """Flags of a pattern built on Endpoint (request/response); none here.

        Called in the endpoint's relation hooks and at the end of a hook in which the
        pattern's data changed (see :func:`mark_changed`).
        """

    def _forget_relation(self, relation_id: str) -> None:
        """Leave ``relation_id`` out of :attr:`relations` for the rest of the hook."""
        relations = self.relations
        if relation_id in relations.keys():  # noqa: SIM118 - a KeyList: keys are not items
            del relations[relation_id]
            self._all_joined = None


def made(rt: _runtime.Runtime) -> dict[str, Endpoint | None]:
    """The endpoint instances built in this hook, by name (None: not an Endpoint)."""
    found: dict[str, Endpoint | None] = rt.scratch.get(_SCRATCH, {})
    return found


_CHANGED = "charms.reactive.endpoints.changed"


def mark_changed(rt: _runtime.Runtime, endpoint_name: str) -> None:
    """Note that a pattern's data of ``endpoint_name`` changed in this hook (its flags follow)."""
    changed: set[str] = rt.scratch.setdefault(_CHANGED, set())
    changed.add(endpoint_name)


def changed_in_hook(rt: _runtime.Runtime) -> set[str]:
    """The endpoints :func:`mark_changed` named in this hook."""
    changed: set[str] = rt.scratch.get(_CHANGED, set())
    return changed
