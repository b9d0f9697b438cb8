"""One relation of an Endpoint, and one remote unit of it (1.x ``Relation``, ``RelatedUnit``).

Every read goes through the hook's cached tools, shared with RelationBase code: a bag is read
at most once per hook, whoever asks, and only when something reads it. Writes to
``to_publish`` (and ``to_publish_app``) are recorded by the views and sent by the endpoint
machinery when the hook succeeds: only the keys that changed, in one ``relation-set`` per
relation id and bag, with the RelationBase writes to the same relation.
"""

from __future__ import annotations

from typing import Any

from charms.reactive import _runtime
from charms.reactive._endpoint_views import (
    CombinedUnitsView,
    JSONUnitDataView,
    UnitDataView,
    number_order,
)
from charms.reactive.errors import ReactiveError

__all__ = ["LeadershipError", "RelatedUnit", "Relation"]


class LeadershipError(ReactiveError):
    """The application's bag was written by a unit that is not the leader (Juju forbids it)."""


class Relation:
    """One relation id of an endpoint."""

    def __init__(self, relation_id: str, endpoint: Any = None) -> None:
        """Describe the relation ``relation_id`` (``db:3``), of ``endpoint`` if known."""
        self._relation_id = relation_id
        self._endpoint = endpoint
        self._units: CombinedUnitsView[RelatedUnit] | None = None
        self._views: dict[str, UnitDataView] = {}
        _registry_note(self)

    def __repr__(self) -> str:
        return f"<Relation {self._relation_id}>"

    @property
    def relation_id(self) -> str:
        """The relation id, e.g. ``db:3``."""
        return self._relation_id

    @property
    def endpoint_name(self) -> str:
        """The relation (endpoint) name: the id's part before ``:``."""
        return self._relation_id.split(":")[0]

    @property
    def endpoint(self) -> Any:
        """The endpoint instance this relation belongs to (None for a detached relation)."""
        return self._endpoint

    @property
    def application_name(self) -> str | None:
        """The remote application's name.

        The first joined unit's application; with none, the hook's ``JUJU_REMOTE_APP`` (in a
        hook of this relation), or the one this unit last saw on it; on a peer relation, the
        local application. None when it is not known (1.x gave the local application).
        """
        units = self.joined_units
        if units:
            return units[0].application_name
        rt = _runtime.current()
        ctx = rt.context
        if ctx.relation_id == self._relation_id and ctx.remote_app:
            return ctx.remote_app
        endpoint = rt.metadata.endpoints.get(self.endpoint_name)
        if endpoint is not None and endpoint.role == "peers":
            return ctx.app_name
        known = rt.kv.get(f"{REMOTE_APPS}{self.endpoint_name}") or {}
        name = known.get(self._relation_id) if isinstance(known, dict) else None
        return str(name) if name else None

    @property
    def joined_units(self) -> CombinedUnitsView[RelatedUnit]:
        """The remote units in the relation (``relation-list``, once per hook)."""
        if self._units is None:
            rt = _runtime.current()
            names = rt.tools.relation_list(self._relation_id)
            ctx = rt.context
            if ctx.is_broken_hook and ctx.relation_id == self._relation_id:
                names = []  # Juju: nobody is left in a relation being broken
            self._units = CombinedUnitsView(RelatedUnit(self, name) for name in names)
        return self._units

    units = joined_units  # deprecated 1.x alias

    # -- the local unit's and application's bags (writeable) --------------------------------
    def _view(self, name: str, app: bool, writeable: bool) -> UnitDataView:
        view = self._views.get(name)
        if view is None:
            rt = _runtime.current()
            rid = self._relation_id
            local = rt.context.require_unit()
            if app and writeable and not rt.tools.is_leader():
                raise LeadershipError(
                    f"endpoint {self.endpoint_name!r}, relation {rid}: only the leader may "
                    f"write its application's bag ({local} is not the leader; test "
                    "is_leader() first)"
                )
            if app and not writeable:
                remote = self.application_name

                def read() -> dict[str, str]:
                    return rt.tools.relation_get_app(rid, remote) if remote else {}

                where = f"the application data of {remote} on {rid}"
            elif app:

                def read() -> dict[str, str]:
                    return rt.tools.relation_get_app(rid, local.split("/")[0])

                where = f"the application data of {local.split('/')[0]} on {rid}"
            else:

                def read() -> dict[str, str]:
                    return rt.tools.relation_get(rid, local)

                where = f"the data of {local} on {rid}"
            view = self._views[name] = UnitDataView(read, writeable, where=where)
        return view

    @property
    def to_publish_raw(self) -> UnitDataView:
        """This unit's bag on the relation, raw strings; writes are sent when the hook ends."""
        return self._view("unit", app=False, writeable=True)

    @property
    def to_publish(self) -> JSONUnitDataView:
        """This unit's bag on the relation, JSON values; writes are sent when the hook ends."""
        return JSONUnitDataView(self.to_publish_raw)

    @property
    def to_publish_app_raw(self) -> UnitDataView:
        """This application's bag, raw strings (leader only).

        Raises:
            LeadershipError: This unit is not the leader.
        """
        return self._view("app", app=True, writeable=True)

    @property
    def to_publish_app(self) -> JSONUnitDataView:
        """This application's bag, JSON values (leader only).

        Raises:
            LeadershipError: This unit is not the leader.
        """
        return JSONUnitDataView(self.to_publish_app_raw)

    @property
    def received_app_raw(self) -> UnitDataView:
        """The remote application's bag, raw strings (read-only; empty when not known)."""
        return self._view("remote-app", app=True, writeable=False)

    @property
    def received_app(self) -> JSONUnitDataView:
        """The remote application's bag, JSON values (read-only)."""
        return JSONUnitDataView(self.received_app_raw)

    def unsent(self) -> list[tuple[bool, dict[str, str]]]:
        """The writes to send, ``(app bag?, data)``, only what changed."""
        out = []
        for name, app in (("unit", False), ("app", True)):
            view = self._views.get(name)
            data = view.unsent() if view is not None else {}
            if data:
                out.append((app, data))
        return out

    def _serialize(self) -> str:
        return self._relation_id

    @classmethod
    def _deserialize(cls, relation_id: str, endpoint: Any = None) -> Relation:
        """The live relation ``relation_id`` of ``endpoint``, or a detached one."""
        if endpoint is not None:
            for relation in endpoint.relations:
                if relation.relation_id == relation_id:
                    live: Relation = relation
                    return live
        return cls(relation_id, endpoint)


class RelatedUnit:
    """A remote unit of a relation, and its data (read once per hook, when first read)."""

    def __init__(
        self, relation: Relation, unit_name: str, data: dict[str, Any] | None = None
    ) -> None:
        """Describe ``unit_name`` on ``relation``; ``data``: its bag, if already known."""
        self.relation = relation
        self.unit_name = unit_name
        self._data = data
        self._view: UnitDataView | None = None

    def __repr__(self) -> str:
        return f"<RelatedUnit {self.unit_name} on {self.relation.relation_id}>"

    @property
    def application_name(self) -> str:
        """The unit's application."""
        return self.unit_name.split("/")[0]

    @property
    def received_raw(self) -> UnitDataView:
        """The unit's bag, raw strings (read-only)."""
        if self._view is None:
            rid, unit = self.relation.relation_id, self.unit_name
            source: Any = self._data
            if source is None:

                def source() -> dict[str, str]:
                    return _runtime.current().tools.relation_get(rid, unit)

            self._view = UnitDataView(source, where=f"the data of {unit} on {rid}")
        return self._view

    @property
    def received(self) -> JSONUnitDataView:
        """The unit's bag, JSON values (read-only)."""
        return JSONUnitDataView(self.received_raw)

    def _serialize(self) -> dict[str, Any]:
        return {
            "relation": self.relation.relation_id,
            "unit_name": self.unit_name,
            "data": dict(self.received_raw.data),
        }

    @classmethod
    def _deserialize(cls, data: dict[str, Any], endpoint: Any = None) -> RelatedUnit:
        relation = Relation._deserialize(str(data.get("relation", "")), endpoint)
        return cls(relation, str(data.get("unit_name", "")), dict(data.get("data") or {}))


#: Where each endpoint keeps the remote application of each relation id it has seen.
REMOTE_APPS = "reactive.endpoints.remote_apps."
_SCRATCH = "charms.reactive.endpoints.relations"


def _registry_note(relation: Relation) -> None:
    """Remember every Relation made in this hook: its writes are sent at the end."""
    rt = _runtime.active()
    if rt is not None:
        rt.scratch.setdefault(_SCRATCH, []).append(relation)


def touched(rt: _runtime.Runtime) -> list[Relation]:
    """The Relation objects made in this hook, in relation id order."""
    made: list[Relation] = rt.scratch.get(_SCRATCH, [])
    return sorted(made, key=lambda r: number_order(r.relation_id))
