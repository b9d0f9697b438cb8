"""Which hooks Juju queues for which unit, and when.

Each unit has its own queue; these functions add to the queues as Juju's uniter would decide
from the model's state (``worker/uniter/relation`` and the hook order in juju's ``hook.md``):

* start-up: ``<store>-storage-attached`` per storage instance attached at deploy (before
  ``install``, as juju's ``hook.md`` says), ``install``, ``<endpoint>-relation-created`` for
  each relation the application is in (peers included), ``leader-elected`` or
  ``leader-settings-changed``, ``config-changed``, ``start``;
* a unit enters a relation's scope when its ``-relation-created`` runs; every unit already in
  scope on the other side (or a peer) then gets ``-joined`` and ``-changed`` for it, and it
  gets the same for each of them (after its ``start``);
* a committed change of a unit bag reaches each remote unit that knows the writer, as
  ``-changed`` with ``JUJU_REMOTE_UNIT`` = the writer; an app-bag change reaches every unit of
  the other side as ``-changed`` without a remote unit (jameinel, canonical/operator#452);
* a ``-changed`` (or ``config-changed``...) already queued and not started is not queued twice:
  the uniter runs one hook for the latest state, not one per change;
* teardown: ``-departed`` for each remote unit seen, then ``-broken``; a leaving unit then runs
  ``<store>-storage-detaching`` per storage instance, ``stop`` and ``remove``. Hooks queued for a
  unit that left before they ran are dropped;
* container-scoped relations (subordinates): a unit only ever sees the remote units in its own
  container (its principal, or its subordinates), and a subordinate unit takes no part in a
  container relation of another principal application (juju ``RelationUnit.Valid``).
"""

from __future__ import annotations

from reactive_harness.state import (
    ModelState,
    PendingHook,
    RelationState,
    UnitRelationView,
    UnitState,
)

__all__ = [
    "COALESCED",
    "break_relation",
    "depart_unit",
    "enqueue",
    "enter_scope",
    "join_relation",
    "notify_app_change",
    "notify_unit_change",
    "start_unit",
]

#: Hooks that the uniter runs once for the latest state, however many changes came first.
COALESCED = frozenset(
    {"changed", "config-changed", "leader-settings-changed", "update-status", "upgrade-charm"}
)


def enqueue(unit: UnitState, hook: PendingHook) -> None:
    """Queue a hook for a unit, unless the same coalescing hook is already waiting."""
    if hook.kind in COALESCED and hook in unit.queue:
        return
    unit.queue.append(hook)


def _drop(unit: UnitState, rid: int, remote: str | None = None) -> None:
    """Drop queued ``-joined``/``-changed`` hooks of a relation (about ``remote`` only, if set)."""
    keep = [
        hook
        for hook in unit.queue
        if not (
            hook.relation_id == rid
            and hook.kind in ("joined", "changed", "created")
            and (remote is None or hook.remote_unit == remote)
            and (remote is None or hook.kind != "created")
        )
    ]
    unit.queue.clear()
    unit.queue.extend(keep)


def join_relation(state: ModelState, unit: UnitState, rel: RelationState) -> None:
    """Give a unit its view of a relation and queue ``-relation-created``."""
    remote_app = rel.remote_app(unit.app)
    unit.views[rel.id] = UnitRelationView(rel.id)
    enqueue(unit, PendingHook("created", rel.id, remote_app=remote_app))


def start_unit(state: ModelState, unit: UnitState) -> None:
    """Queue a new unit's start-up hooks."""
    app = state.apps[unit.app]
    for storage_id in unit.storage:
        enqueue(unit, PendingHook("storage-attached", storage_id=storage_id))
    enqueue(unit, PendingHook("install"))
    for rel in state.relations_of(app.name):
        if not rel.dying and state.can_join(unit, rel):
            join_relation(state, unit, rel)
    enqueue(
        unit,
        PendingHook("leader-elected" if app.leader == unit.name else "leader-settings-changed"),
    )
    enqueue(unit, PendingHook("config-changed"))
    enqueue(unit, PendingHook("start"))


def _peers_in_scope(state: ModelState, rel: RelationState, unit: UnitState) -> list[UnitState]:
    """Units in the relation's scope that ``unit`` sees as remote."""
    out = []
    for name in sorted(rel.scope):
        other = state.units[name]
        if other.name == unit.name or other.dying or other.removed:
            continue
        if rel.container and not state.co_located(unit, other):
            continue
        if rel.is_peer or other.app != unit.app:
            out.append(other)
    return out


def _queue_join(unit: UnitState, rel: RelationState, remote: UnitState) -> None:
    view = unit.views.get(rel.id)
    if view is None or view.broken or remote.name in view.known:
        return
    view.known.add(remote.name)
    enqueue(unit, PendingHook("joined", rel.id, remote.name, remote.app))
    enqueue(unit, PendingHook("changed", rel.id, remote.name, remote.app))


def enter_scope(
    state: ModelState, unit: UnitState, rel: RelationState, settings: dict[str, str]
) -> None:
    """Put a unit in a relation's scope (its ``-created`` runs) and queue the joins both ways.

    Args:
        state: The model.
        unit: The unit entering.
        rel: The relation.
        settings: What Juju writes in the unit's bag on entering (its addresses).
    """
    if unit.name in rel.scope or rel.dying:
        return
    rel.scope.add(unit.name)
    bag = rel.unit_bags.setdefault(unit.name, {})
    for key, value in settings.items():
        bag.setdefault(key, value)
    for other in _peers_in_scope(state, rel, unit):
        _queue_join(other, rel, unit)
        _queue_join(unit, rel, other)


def notify_unit_change(state: ModelState, rel: RelationState, writer: UnitState) -> None:
    """Queue ``-changed`` for each unit that knows ``writer`` after its bag changed.

    Nothing is published while the relation or the writer is going away (a departing unit's
    own updates are not seen; juju ``hook.md``).
    """
    if rel.dying or writer.dying:
        return
    for other in _peers_in_scope(state, rel, writer):
        view = other.views.get(rel.id)
        if view is not None and writer.name in view.known and not view.broken:
            enqueue(other, PendingHook("changed", rel.id, writer.name, writer.app))


def notify_app_change(state: ModelState, rel: RelationState, writer: UnitState) -> None:
    """Queue ``-changed`` (no remote unit) for every unit of the other side of ``rel``."""
    if rel.dying:
        return
    target_app = rel.remote_app(writer.app)
    for other in state.live_units(target_app):
        if other.name == writer.name or other.dying:
            continue
        view = other.views.get(rel.id)
        if view is not None and not view.broken:
            enqueue(other, PendingHook("changed", rel.id, None, writer.app))


def _depart_view(unit: UnitState, rel: RelationState, leaving: str, leaving_app: str) -> None:
    view = unit.views.get(rel.id)
    if view is None or leaving not in view.known:
        return
    view.known.discard(leaving)
    joined_ran = leaving in view.members
    _drop(unit, rel.id, leaving)
    if joined_ran:
        enqueue(unit, PendingHook("departed", rel.id, leaving, leaving_app, leaving))


def depart_unit(state: ModelState, unit: UnitState, rel: RelationState) -> None:
    """Take a leaving unit out of a relation: ``-departed`` on both sides, then its ``-broken``."""
    rel.scope.discard(unit.name)
    for other_name in sorted(rel.scope):
        other = state.units[other_name]
        if other.name != unit.name:
            _depart_view(other, rel, unit.name, unit.app)
    view = unit.views.get(rel.id)
    if view is None:
        return
    _drop(unit, rel.id)
    departing = {hook.remote_unit for hook in _queued(unit, rel.id, "departed")}
    for member in sorted(view.members - departing):
        enqueue(unit, PendingHook("departed", rel.id, member, member.split("/")[0], unit.name))
    view.known = set(view.members)
    enqueue(unit, PendingHook("broken", rel.id, remote_app=rel.remote_app(unit.app)))


def _queued(unit: UnitState, rid: int, kind: str) -> list[PendingHook]:
    return [hook for hook in unit.queue if hook.relation_id == rid and hook.kind == kind]


def break_relation(state: ModelState, rel: RelationState) -> None:
    """Remove a relation: every unit departs from each remote unit it saw, then ``-broken``.

    Units already leaving (their ``-broken`` is queued) are left as they are, and a
    ``-departed`` already queued is not queued twice.
    """
    rel.dying = True
    for unit in state.units.values():
        view = unit.views.get(rel.id)
        if view is None or unit.removed or _queued(unit, rel.id, "broken"):
            continue
        _drop(unit, rel.id)
        departing = {hook.remote_unit for hook in _queued(unit, rel.id, "departed")}
        for member in sorted(view.members - departing):
            enqueue(unit, PendingHook("departed", rel.id, member, member.split("/")[0], member))
        view.known = set(view.members)
        enqueue(unit, PendingHook("broken", rel.id, remote_app=rel.remote_app(unit.app)))
